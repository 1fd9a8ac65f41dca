#!/bin/bash
# Exact counts under load: the project's generator (tests/gen, live frames
# through BPF_PROG_TEST_RUN) sends millions of SYNs from thousands of
# sources at full rate while the daemon drains every 100 ms; the feed holds
# exactly what was sent, per source. Then the same with the daemon killed
# (SIGKILL) in the middle of the run and restarted: still exact, and no
# record written twice.
#   BOTSINK_LOAD_FRAMES (default 2000000) sets the frames of each run.
. "$(dirname "$0")/lib.sh"

RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
GEN="$ROOT/${BUILD:-build}/tests/botsink-gen"
FRAMES=${BOTSINK_LOAD_FRAMES:-2000000}
SOURCES=5000

gen() { # FRAMES [OPTIONS]
	local n=$1
	shift
	lab_bots "$GEN" -i bots0 --dst-mac "$LAB_SINK_MAC" --src 198.18.16.0 --dst 203.0.113.10 \
		--dport 80 --sources $SOURCES -n "$n" "$@"
}

# FEED FRAMES [SID]: per-source totals, record ids and epochs, checked in one pass.
check_feed() {
	"$PY" - "$1" "$2" "$SOURCES" "${3:-1000001}" <<'PYEOF'
import json, sys
from collections import defaultdict
path, frames, sources, sid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
packets, checkins, ids, epochs = defaultdict(int), 0, set(), set()
dups = 0
for line in open(path):
    r = json.loads(line)
    assert r["sid"] == sid and not r["overflow"], r
    packets[r["src_ip"]] += r["packets"]
    checkins += r["checkins"]
    dups += r["record_id"] in ids
    ids.add(r["record_id"])
    epochs.add(r["record_id"].rsplit(":", 1)[0])
per = frames // sources
off = sum(1 for p in packets.values() if p != per)
print(f"{sum(packets.values())} packets, {checkins} check-ins, {len(packets)} sources, "
      f"{off} off by any, {dups} ids twice")
print(f"epochs: {len(epochs)}", file=sys.stderr)
PYEOF
}

lab_up "bsl$$"
[ -x "$GEN" ] || { fail "no generator at $GEN (make $GEN)"; finish; }

# 1. Full rate, drains every 100 ms.
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --verdict drop --interval 0.1 \
	--feed "$WORK/load.jsonl" || finish
gen "$FRAMES" >"$WORK/gen.out" || fail "generator: $(cat "$WORK/gen.out")"
echo "  generator: $(cat "$WORK/gen.out")"
expect_eq "frames sent" "$(awk '{print $1}' "$WORK/gen.out")" "$FRAMES"
expect_eq "the program saw them all" "$(bucket matched)" "$FRAMES"
sleep 0.3
stop_daemon TERM
expect_eq "exit status" "$?" 0
expect_eq "the feed, per source" "$(check_feed "$WORK/load.jsonl" "$FRAMES" 2>"$WORK/epochs")" \
	"$FRAMES packets, $FRAMES check-ins, $SOURCES sources, 0 off by any, 0 ids twice"
[ "$(awk '{print $2}' "$WORK/epochs")" -gt 2 ] && pass "drained while sending ($(cat "$WORK/epochs"))" ||
	fail "the run fit in $(cat "$WORK/epochs"): no drain raced the traffic"

# 2. SIGKILL in the middle of a run, and a restart that takes over.
: >"$WORK/daemon.err"
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --verdict drop --interval 0.1 \
	--feed "$WORK/kill.jsonl" || finish
gen $((FRAMES * 2)) >"$WORK/gen2.out" &
GEN_PID=$!
sleep 0.3
stop_daemon KILL
kill -0 $GEN_PID 2>/dev/null && pass "killed while the generator runs" ||
	fail "the generator was done before the kill"
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --verdict drop --interval 0.1 \
	--feed "$WORK/kill.jsonl" || finish
wait $GEN_PID || fail "generator: $(cat "$WORK/gen2.out")"
echo "  generator: $(cat "$WORK/gen2.out")"
sleep 0.3
stop_daemon TERM
expect_eq "after the takeover: exit status" "$?" 0
grep -q "took over the botsink program" "$WORK/daemon.err" && pass "the restart took the program over" ||
	fail "$(cat "$WORK/daemon.err")"
expect_eq "the feed across SIGKILL, per source" \
	"$(check_feed "$WORK/kill.jsonl" $((FRAMES * 2)) 2>/dev/null)" \
	"$((FRAMES * 2)) packets, $((FRAMES * 2)) check-ins, $SOURCES sources, 0 off by any, 0 ids twice"

# 3. UDP check-ins (P2P hellos) at full rate: every datagram one.
: >"$WORK/daemon.err"
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --verdict drop --interval 0.1 \
	--feed "$WORK/udp.jsonl" || finish
lab_bots "$GEN" -i bots0 --dst-mac "$LAB_SINK_MAC" --src 198.18.16.0 --dst 203.0.113.77 \
	--dport 16001 --sources $SOURCES -n "$((FRAMES / 2))" --udp >"$WORK/gen3.out" ||
	fail "generator: $(cat "$WORK/gen3.out")"
echo "  generator: $(cat "$WORK/gen3.out")"
sleep 0.3
stop_daemon TERM
expect_eq "UDP: exit status" "$?" 0
expect_eq "UDP: the feed, per source" "$(check_feed "$WORK/udp.jsonl" $((FRAMES / 2)) 1000020 2>/dev/null)" \
	"$((FRAMES / 2)) packets, $((FRAMES / 2)) check-ins, $SOURCES sources, 0 off by any, 0 ids twice"
finish
