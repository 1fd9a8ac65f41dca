#!/bin/bash
# The ip link path: iproute2 loads and attaches the object, its maps are
# pinned by name under iproute2's directory; botsink run --no-attach fills
# them and drains them; bpftool shows readable keys; on exit the program
# and iproute2's pins stay.
. "$(dirname "$0")/lib.sh"

G=/sys/fs/bpf/xdp/globals # iproute2's pin directory for XDP objects
EXTRA_CLEANUP='lab_sink ip link set dev sink0 xdp off 2>/dev/null; rm -f $G/botsink_*'

lab_up "bsi$$"
if ls $G/botsink_* >/dev/null 2>&1; then
	fail "botsink maps are already pinned in $G (another ip-link-loaded botsink?)"
	EXTRA_CLEANUP=
	finish
fi
lab_sink ip link set dev sink0 xdpdrv obj "$ROOT/build/botsink.bpf.o" sec xdp ||
	{ fail "ip link could not load build/botsink.bpf.o"; finish; }
[ -e $G/botsink_gen0 ] && pass "ip link pinned the maps by name in $G" ||
	fail "no pins in $G"

PIN_DIR=$G start_daemon --no-attach -r "$ROOT/tests/e2e/lab.rules" \
	--sinkhole 203.0.113.0/24,2001:db8:5::/48 --anon none --interval 3600 \
	--feed "$WORK/feed.jsonl" || finish

echo '[{"src":"198.18.1.1","dst":"203.0.113.10","proto":"tcp","dport":80,"flags":"S","count":3},
       {"src":"2001:db8:99::7","dst":"2001:db8:5::10","proto":"tcp","dport":80,"flags":"S","count":2}]' |
	send_plan >/dev/null
sleep 0.3

# bpftool reads the maps with BTF: keys and values have field names.
bpftool -j map dump pinned $G/botsink_gen0 >"$WORK/gen0.json"
bpftool -j map dump pinned $G/botsink_stats >"$WORK/stats.json"
bpftool -j map dump pinned $G/botsink_rules >"$WORK/rules.json"
"$PY" - "$WORK" <<'PYEOF' && pass "bpftool map dump shows named, readable entries" || fail "bpftool dump"
import json, sys
w = sys.argv[1]
gen0 = json.load(open(w + "/gen0.json"))
by = {}
for e in gen0:
    k = e["formatted"]["key"] if "formatted" in e else e["key"]
    vals = e["formatted"]["values"] if "formatted" in e else e["values"]
    by[(tuple(k["addr"]), k["sid"])] = sum(v["value"]["packets"] for v in vals)
v4 = (0,) * 10 + (255, 255, 198, 18, 1, 1)
v6 = (0x20, 0x01, 0x0d, 0xb8, 0, 0x99) + (0,) * 9 + (7,)
assert by == {(v4, 1000001): 3, (v6, 1000002): 2}, by
stats = json.load(open(w + "/stats.json"))[0]
stats = stats.get("formatted", stats)
assert sum(v["value"]["matched"] for v in stats["values"]) == 5, stats
rules = json.load(open(w + "/rules.json"))
fams = {e.get("formatted", e)["value"]["sid"]: e.get("formatted", e)["value"]["family"] for e in rules}
assert fams[1000001] == "zeus" and fams[1000020] == "sality", fams
PYEOF

lab_sink "$BOTSINK" status --pin-dir $G >"$WORK/status.txt"
grep -q "sink0 (ifindex [0-9]*): native XDP, program botsink_xdp" "$WORK/status.txt" &&
	pass "botsink status sees the program ip link attached" || fail "status: $(cat "$WORK/status.txt")"

stop_daemon TERM
expect_eq "daemon exit status" "$?" 0
expect_eq "feed sums" "$(feed_sums "$WORK/feed.jsonl" | tr '\n' ';')" \
	"198.18.1.1 1000001 3 162 3;2001:db8:99::7 1000002 2 148 2;"
lab_sink ip link show sink0 | grep -q "prog/xdp" && pass "the program stays attached" ||
	fail "the program was detached"
[ -e $G/botsink_gen0 ] && pass "iproute2's pins stay" || fail "iproute2's pins were removed"

# Without the program on the interface, --no-attach refuses to run.
lab_sink ip link set dev sink0 xdp off
nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run --no-attach --pin-dir $G -i sink0 \
	-r "$ROOT/tests/e2e/lab.rules" --sinkhole 203.0.113.0/24,2001:db8:5::/48 --anon none \
	--feed "$WORK/feed2.jsonl" 2>"$WORK/err.txt"
expect_eq "--no-attach without the program: exit status" "$?" 1
grep -q "no XDP program using the maps under $G is attached to sink0" "$WORK/err.txt" &&
	pass "it says why" || fail "message: $(cat "$WORK/err.txt")"
finish
