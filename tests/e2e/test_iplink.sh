#!/bin/bash
# The ip link path: iproute2 loads and attaches the object, its maps are
# pinned by name under iproute2's directory for XDP, BPFFS/xdp/globals;
# botsink run --no-attach fills them and drains them; bpftool shows
# readable keys; on exit the program and iproute2's pins stay.
#
# Where iproute2's pins land depends on who made BPFFS/xdp first: iproute2
# makes it a symlink to BPFFS/tc, libxdp (its dispatcher's pins) a
# directory of its own. The path BPFFS/xdp/globals must hold on both, so
# the test runs on this system's /sys/fs/bpf as it is, then on a fresh BPF
# filesystem of each kind (TC_BPF_MNT tells iproute2 where it is).
. "$(dirname "$0")/lib.sh"

MOUNTS=()
G= # the pin directory of the layout under test
EXTRA_CLEANUP='lab_sink ip link set dev sink0 xdp off 2>/dev/null; [ -n "$G" ] && rm -f "$G"/botsink_*;
	for m in "${MOUNTS[@]}"; do umount "$m"; done'

# kind BPFFS: what BPFFS/xdp is.
kind() {
	if [ -L "$1/xdp" ]; then echo "a symlink to $(readlink "$1/xdp")"; else echo "a directory"; fi
}

# layout NAME BPFFS: the whole ip link path with iproute2 pinning under BPFFS.
layout() {
	local name=$1 fs=$2
	G=$fs/xdp/globals
	if ls "$G"/botsink_* >/dev/null 2>&1; then
		fail "$name: botsink maps are already pinned in $G (another ip-link-loaded botsink?)"
		G=
		return
	fi
	lab_sink env TC_BPF_MNT="$fs" ip link set dev sink0 xdpdrv obj "$ROOT/build/botsink.bpf.o" sec xdp ||
		{ fail "$name: ip link could not load build/botsink.bpf.o"; return; }
	[ -e "$G/botsink_gen0" ] && pass "$name: ip link pinned the maps by name in $G ($fs/xdp is $(kind "$fs"))" ||
		fail "$name: no pins in $G"

	: >"$WORK/daemon.err"
	PIN_DIR=$G start_daemon --no-attach -r "$ROOT/tests/e2e/lab.rules" \
		--sinkhole 203.0.113.0/24,2001:db8:5::/48 --anon none --interval 3600 \
		--feed "$WORK/$name.jsonl" || return

	echo '[{"src":"198.18.1.1","dst":"203.0.113.10","proto":"tcp","dport":80,"flags":"S","count":3},
	       {"src":"2001:db8:99::7","dst":"2001:db8:5::10","proto":"tcp","dport":80,"flags":"S","count":2}]' |
		send_plan >/dev/null
	sleep 0.3

	# bpftool reads the maps with BTF: keys and values have field names.
	bpftool -j map dump pinned "$G/botsink_gen0" >"$WORK/gen0.json"
	bpftool -j map dump pinned "$G/botsink_stats" >"$WORK/stats.json"
	bpftool -j map dump pinned "$G/botsink_rules" >"$WORK/rules.json"
	"$PY" - "$WORK" <<'PYEOF' && pass "$name: bpftool map dump shows named, readable entries" ||
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
		fail "$name: bpftool dump"

	lab_sink "$BOTSINK" status --pin-dir "$G" >"$WORK/status.txt"
	grep -q "sink0 (ifindex [0-9]*): native XDP, program botsink_xdp" "$WORK/status.txt" &&
		pass "$name: botsink status sees the program ip link attached" ||
		fail "$name: status: $(cat "$WORK/status.txt")"

	stop_daemon TERM
	expect_eq "$name: daemon exit status" "$?" 0
	expect_eq "$name: feed sums" "$(feed_sums "$WORK/$name.jsonl" | tr '\n' ';')" \
		"198.18.1.1 1000001 3 162 3;2001:db8:99::7 1000002 2 148 2;"
	lab_sink ip link show sink0 | grep -q "prog/xdp" && pass "$name: the program stays attached" ||
		fail "$name: the program was detached"
	[ -e "$G/botsink_gen0" ] && pass "$name: iproute2's pins stay" || fail "$name: iproute2's pins were removed"
}

# fresh_bpffs NAME: a new, empty BPF filesystem at $WORK/NAME.
fresh_bpffs() {
	mkdir -p "$WORK/$1" && mount -t bpf bpf "$WORK/$1" && MOUNTS+=("$WORK/$1")
}

lab_up "bsi$$"
layout "this system" /sys/fs/bpf
lab_sink ip link set dev sink0 xdp off
rm -f "$G"/botsink_*

fresh_bpffs tc-link || { fail "cannot mount a BPF filesystem"; finish; }
layout "a fresh bpffs" "$WORK/tc-link"
[ -L "$WORK/tc-link/xdp" ] && pass "iproute2 made xdp a symlink to tc" ||
	fail "iproute2 made xdp $(kind "$WORK/tc-link")"
lab_sink ip link set dev sink0 xdp off

fresh_bpffs xdp-dir || { fail "cannot mount a BPF filesystem"; finish; }
mkdir "$WORK/xdp-dir/xdp" # as libxdp does
layout "xdp made by libxdp first" "$WORK/xdp-dir"
[ -e "$WORK/xdp-dir/xdp/globals/botsink_gen0" ] && [ ! -L "$WORK/xdp-dir/xdp" ] &&
	[ ! -e "$WORK/xdp-dir/tc/globals/botsink_gen0" ] &&
	pass "the pins are under xdp/globals, not tc/globals" || fail "xdp-dir: $(ls -R "$WORK/xdp-dir")"

# Without the program on the interface, --no-attach refuses to run.
lab_sink ip link set dev sink0 xdp off
nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run --no-attach --pin-dir "$G" -i sink0 \
	-r "$ROOT/tests/e2e/lab.rules" --sinkhole 203.0.113.0/24,2001:db8:5::/48 --anon none \
	--state-dir "$WORK/state2" --feed "$WORK/feed2.jsonl" 2>"$WORK/err.txt"
expect_eq "--no-attach without the program: exit status" "$?" 1
grep -q "no XDP program using the maps under $G is attached to sink0" "$WORK/err.txt" &&
	pass "it says why" || fail "message: $(cat "$WORK/err.txt")"
finish
