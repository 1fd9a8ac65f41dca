#!/bin/bash
# Exact counts under load. The project's generator (tests/gen, AF_PACKET:
# it needs no live frames) sends millions of check-ins from thousands of
# sources while the daemon drains every 100 ms:
#  1. 2 million SYNs at full speed: the generator on CPU 0, sink0's NAPI
#     (its XDP) in a thread on CPU 1, so the sender can outrun the receiver;
#  2. the same with 4 million and the daemon killed (SIGKILL) in the middle,
#     then restarted: it takes the program over;
#  3. a million UDP datagrams at a rate below the receiver's capacity;
#  4. half a million IPv6 SYNs at full speed.
# Ground truth is what the receiver's XDP program saw: sink0's RX counter
# and the program's statistics. When the sender outruns the receiver,
# sink0's ring fills and bots0 refuses frames (its tx_dropped): the
# generator hears ENOBUFS and sends them again, so nothing may be lost
# (sink0's rx_dropped, which counts frames lost at the ring, stays 0).
# Each run checks that the accounting closes (sent = received; the program
# saw every frame received and matched it; bots0's refusals = the
# generator's retries), that nothing was lost, and that the feed holds exactly what
# was sent, per source, with no record id twice.
#   BOTSINK_LOAD_FRAMES (default 2000000) sets the frames of run 1.
. "$(dirname "$0")/lib.sh"

RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
GEN="$ROOT/${BUILD:-build}/tests/botsink-gen"
FRAMES=${BOTSINK_LOAD_FRAMES:-2000000}
SOURCES=5000
UDP_RATE=400000 # frames/s: below what the receiver takes (about 1 Mpps here)
GEN_PID=
EXTRA_CLEANUP='[ -n "$GEN_PID" ] && kill -INT $GEN_PID 2>/dev/null && wait $GEN_PID'

# The generator on CPU 0, through AF_PACKET: "${GEN_CMD[@]}" -n FRAMES ...
# (taskset and nsenter exec it: in the background, $! is the generator).
gen_cmd() {
	GEN_CMD=(taskset -c 0 nsenter --net="/run/netns/$LAB_BOTS" "$GEN" --mode af_packet -i bots0
		--dst-mac "$LAB_SINK_MAC" --sources $SOURCES)
}

# before: the counters a run starts from.
before() {
	read -r RX0 LOST0 REFUSED0 <<<"$(lab_link_stats)"
	SEEN0=$(bucket total)
	MATCHED0=$(bucket matched)
}

# ground_truth NAME GEN-OUT FRAMES: what the generator sent, what sink0
# received and lost, what XDP saw (the daemon must be running).
ground_truth() {
	local name=$1 out=$2 rx lost refused sent
	echo "  generator: $(cat "$out")"
	sent=$(awk '{ print $1 }' "$out")
	expect_eq "$name: frames sent" "$sent" "$3"
	lab_wait_rx $((RX0 + sent)) || fail "$name: sink0 never received $sent frames"
	read -r rx lost refused <<<"$(lab_link_stats)"
	expect_eq "$name: frames sink0 received" $((rx - RX0)) "$sent"
	expect_eq "$name: frames lost at sink0's ring" $((lost - LOST0)) 0
	expect_eq "$name: the program saw every frame received" $(($(bucket total) - SEEN0)) $((rx - RX0))
	expect_eq "$name: and matched each" $(($(bucket matched) - MATCHED0)) $((rx - RX0))
	expect_eq "$name: bots0's refusals = the generator's retries" \
		$((refused - REFUSED0)) "$(sed -n 's/.*, \([0-9]*\) retries$/\1/p' "$out")"
}

# check_feed FEED FRAMES SID: the feed's per-source totals, record ids and
# epochs, in one pass.
check_feed() {
	"$PY" - "$@" "$SOURCES" <<'PYEOF'
import json, sys
from collections import defaultdict
path, sent, sid, sources = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
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
off = sum(1 for p in packets.values() if p != sent // sources)
print(f"{sum(packets.values())} packets, {checkins} check-ins, {len(packets)} sources, "
      f"{off} off, {dups} ids twice")
print(f"epochs: {len(epochs)}", file=sys.stderr)
PYEOF
}

# expect_feed NAME FEED FRAMES SID: FRAMES from SOURCES sources, evenly.
expect_feed() {
	expect_eq "$1: the feed, per source" "$(check_feed "$2" "$3" "$4" 2>"$WORK/epochs")" \
		"$3 packets, $3 check-ins, $SOURCES sources, 0 off, 0 ids twice"
}

# daemon FEED: botsink run on CPU 0, beside the generator: CPU 1 is the
# receiver's (sink0's NAPI thread), and the drains run beside its XDP.
daemon() {
	start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --verdict drop --interval 0.1 \
		--feed "$1" && taskset -apc 0 "$DAEMON_PID" >/dev/null
}

lab_up "bsl$$"
gen_cmd
[ -x "$GEN" ] || { fail "no generator at $GEN (make $GEN)"; finish; }
[ "$(nproc)" -ge 2 ] || { echo "test_load: needs 2 CPUs (sender and receiver apart); skipped"; exit 77; }

# 1. Full speed, drains every 100 ms.
daemon "$WORK/load.jsonl" || finish
lab_sink_napi_thread 1 || { fail "cannot give sink0's NAPI a thread of its own"; finish; }
before
"${GEN_CMD[@]}" -n "$FRAMES" --src 198.18.16.0 --dst 203.0.113.10 --dport 80 >"$WORK/gen1.out" ||
	fail "generator: $(cat "$WORK/gen1.out")"
ground_truth "full speed" "$WORK/gen1.out" "$FRAMES"
stop_daemon TERM
expect_eq "full speed: exit status" "$?" 0
expect_feed "full speed" "$WORK/load.jsonl" "$FRAMES" 1000001
[ "$(awk '{print $2}' "$WORK/epochs")" -gt 2 ] && pass "drained while sending ($(cat "$WORK/epochs"))" ||
	fail "the run fit in $(cat "$WORK/epochs"): no drain raced the traffic"

# 2. SIGKILL in the middle of a run, and a restart that takes over.
: >"$WORK/daemon.err"
daemon "$WORK/kill.jsonl" || finish
lab_sink_napi_thread 1 || fail "cannot give sink0's NAPI a thread of its own"
before
"${GEN_CMD[@]}" -n $((FRAMES * 2)) --src 198.18.16.0 --dst 203.0.113.10 --dport 80 >"$WORK/gen2.out" &
GEN_PID=$!
sleep 0.5
stop_daemon KILL
kill -0 $GEN_PID 2>/dev/null && pass "killed while the generator runs" ||
	fail "the generator was done before the kill"
daemon "$WORK/kill.jsonl" || finish
wait $GEN_PID || fail "generator: $(cat "$WORK/gen2.out")"
GEN_PID=
ground_truth "across SIGKILL" "$WORK/gen2.out" $((FRAMES * 2))
stop_daemon TERM
expect_eq "after the takeover: exit status" "$?" 0
grep -q "took over the botsink program" "$WORK/daemon.err" && pass "the restart took the program over" ||
	fail "$(cat "$WORK/daemon.err")"
expect_feed "across SIGKILL" "$WORK/kill.jsonl" $((FRAMES * 2)) 1000001

# 3. UDP check-ins (P2P hellos) at a rate below the receiver's capacity.
: >"$WORK/daemon.err"
daemon "$WORK/udp.jsonl" || finish
before
lab_sink_napi_thread 1 || fail "cannot give sink0's NAPI a thread of its own"
"${GEN_CMD[@]}" -n $((FRAMES / 2)) --udp --src 198.18.16.0 --dst 203.0.113.77 --dport 16001 \
	--rate $UDP_RATE >"$WORK/gen3.out" || fail "generator: $(cat "$WORK/gen3.out")"
ground_truth "UDP at $UDP_RATE/s" "$WORK/gen3.out" $((FRAMES / 2))
awk -v s="$(awk '{ print $7 }' "$WORK/gen3.out")" -v n=$((FRAMES / 2)) -v r=$UDP_RATE \
	'BEGIN { exit !(s >= (n - 64) / r) }' && pass "UDP: the generator kept to $UDP_RATE/s" ||
	fail "UDP: faster than $UDP_RATE/s: $(cat "$WORK/gen3.out")"
stop_daemon TERM
expect_eq "UDP: exit status" "$?" 0
expect_feed "UDP at $UDP_RATE/s" "$WORK/udp.jsonl" $((FRAMES / 2)) 1000020

# 4. IPv6 SYNs at full speed.
: >"$WORK/daemon.err"
daemon "$WORK/v6.jsonl" || finish
lab_sink_napi_thread 1 || fail "cannot give sink0's NAPI a thread of its own"
before
"${GEN_CMD[@]}" -n $((FRAMES / 4)) --src 2001:db8:99::1:0 --dst 2001:db8:5::10 --dport 80 \
	>"$WORK/gen4.out" ||
	fail "generator: $(cat "$WORK/gen4.out")"
ground_truth "IPv6" "$WORK/gen4.out" $((FRAMES / 4))
stop_daemon TERM
expect_eq "IPv6: exit status" "$?" 0
expect_feed "IPv6" "$WORK/v6.jsonl" $((FRAMES / 4)) 1000002
finish
