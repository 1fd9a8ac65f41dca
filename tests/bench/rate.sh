#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make bench, the rate part: issue 21's live figures on the veth lab, each
# beside its baseline from the same run, with the ratio and the target.
# Contenders, one at a time on sink0, same traffic (64-byte SYNs): nothing
# attached (the floor), a one-map XDP counter, botsink (the daemon,
# --verdict drop), an nftables netdev ingress chain updating a dynamic set
# of per-source counters and dropping, and a libpcap per-source counter
# (256 MB buffer).
#
# The frame path: live frames (BPF_F_TEST_XDP_LIVE_FRAMES) are refused on
# some kernels (EPERM on 6.18 here), so the generator (botsink-gen,
# AF_PACKET) sends into a relay veth pair in the bots namespace, and an XDP
# program on the relay's far end (relay.bpf.c) redirects each frame into
# bots0: sink0 then takes XDP frames from its peer's ndo_xdp_xmit, as from
# a NIC ring, not socket buffers it must copy before XDP. The generator and
# the relay's NAPI run on CPU 0; everything the receiver does runs on
# CPU 1: sink0's NAPI in a thread of its own and the contender's own
# process (libpcap's reader, botsink's daemon). A veth drops redirected
# frames its peer's ring has no room for (sink0's rx_dropped: "lost at the
# ring"), and takes none unless sink0 has NAPI: an XDP program, or GRO on
# (the floor, nftables, libpcap). BENCH_RATE_PATH=skb sends into bots0
# directly instead (socket buffers, which the veth copies before XDP);
# BENCH_RATE_PATH=live, where the kernel allows live frames, sends the
# full-speed phases' XDP frames out of bots0 with them (botsink-gen --mode
# live: several Mpps, which saturate every contender), the slow phases'
# through the relay (paced live frames go slower than asked).
#
# Figures (issue 21, targets 2 and 3), the best of BENCH_RATE_ROUNDS rounds:
#  - the XDP program's own ns per packet (kernel.bpf_stats_enabled,
#    run_time_ns / run_cnt), the generator at full speed;
#  - capacity: packets counted per CPU second of the receiver (NAPI thread
#    and the contender's process, from schedstat), at full speed;
#  - below saturation: the receiver's CPU ns per packet counted, the
#    generator at BENCH_RATE_SLOW_PPS for BENCH_RATE_SLOW_SECS;
#  - scale: the program's own cost with BENCH_RATE_SCALE_SOURCES distinct
#    sources against BENCH_RATE_SOURCES, the same daemon (--max-sources
#    big enough for them) in both; the counter's too, for reference.
# Count-only everywhere it can be: botsink --verdict drop, the XDP counter
# drops, nftables drops after counting; libpcap cannot, so the kernel
# stack's work on each packet (a RST for each SYN) is part of its cost.
#   BENCH_RATE_ROUNDS (3), BENCH_RATE_FRAMES (3000000), BENCH_RATE_SOURCES
#   (5000), BENCH_RATE_SCALE_SOURCES (1000000), BENCH_RATE_SLOW_PPS
#   (300000), BENCH_RATE_SLOW_SECS (2), BENCH_RATE_PATH (frame, skb, live)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
. "$ROOT/scripts/lab.sh"
BOTSINK="$ROOT/$BUILD/botsink"
GEN="$ROOT/$BUILD/tests/botsink-gen"
ROUNDS=${BENCH_RATE_ROUNDS:-3}
FRAMES=${BENCH_RATE_FRAMES:-3000000}
SOURCES=${BENCH_RATE_SOURCES:-5000}
SCALE_SOURCES=${BENCH_RATE_SCALE_SOURCES:-1000000}
SLOW_PPS=${BENCH_RATE_SLOW_PPS:-300000}
SLOW_SECS=${BENCH_RATE_SLOW_SECS:-2}
RATE_PATH=${BENCH_RATE_PATH:-frame}
# Room for every scale source's counter (a power of two: the hash's buckets).
SCALE_TABLE=$(awk -v n="$SCALE_SOURCES" 'BEGIN { t = 65536; while (t < n) t *= 2; print t }')
WORK=$(mktemp -d /tmp/botsink-rate-XXXXXX)
# botsink's feed in memory: a million sources make 200 MB of records a
# second, which a disk would take its time to sync.
FEED=$(mktemp -u /dev/shm/botsink-rate-XXXXXX).jsonl
PIN_DIR=/sys/fs/bpf/botsink-rate-$$
PY=/usr/bin/python3
COUNTER_PID=

GEN_MODE=af_packet
case $RATE_PATH in
frame) GEN_IF=relay0 ;;
skb) GEN_IF=bots0 ;;
live)
	GEN_IF=bots0
	GEN_MODE=live
	;;
*)
	echo "rate bench: BENCH_RATE_PATH is frame, skb or live, not '$RATE_PATH'" >&2
	exit 2
	;;
esac

STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
cleanup() {
	sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS" 2>/dev/null
	if [ -n "$COUNTER_PID" ]; then
		kill "$COUNTER_PID" 2>/dev/null
		wait "$COUNTER_PID" 2>/dev/null
	fi
	lab_down # the relay pair and its program go with the bots namespace
	rm -rf "$WORK" "$PIN_DIR" "$FEED"
}
lab_on_exit cleanup

if [ "$(nproc)" -lt 2 ]; then
	echo "rate bench: needs 2 CPUs (generator and receiver apart); skipped"
	exit 0
fi
# The programs' own run times (bpf_stats), beside the receiver's CPU.
sysctl -qw kernel.bpf_stats_enabled=1
lab_up "bsr$$"
# A veth hands its peer's NAPI (threaded, on CPU 1) only the socket buffers
# GRO could merge: a sender's with TSO on goes to the backlog of the
# sender's own CPU unless the peer runs XDP (which turns TSO off). Off for
# every contender, so the skb path's frames reach the NAPI thread too.
lab_bots ethtool -K bots0 tso off >/dev/null
RULES="$WORK/rules"
echo 'alert tcp any any -> 203.0.113.10 80 (msg:"bench SYN"; flags:S; sid:1;)' >"$RULES"

# shellcheck source=cpu.sh
. "$ROOT/tests/bench/cpu.sh"

# The frame path's relay: relay0 (the generator's end) and relay1, whose
# XDP program redirects into bots0. relay1's NAPI in a thread on CPU 0,
# beside the generator: in softirq it would run after every frame sent and
# hand sink0 one frame (one wake-up of sink0's thread) at a time; a thread
# takes the relay's ring in batches, as a NIC's interrupt would.
relay_up() {
	local pid pids before
	lab_bots ip link add relay0 type veth peer name relay1 || return 1
	lab_bots sysctl -qw net.ipv6.conf.relay0.disable_ipv6=1 net.ipv6.conf.relay1.disable_ipv6=1
	lab_bots ip link set relay0 up && lab_bots ip link set relay1 up || return 1
	RELAY_ID=$(lab_bots "$ROOT/$BUILD/tests/xdp_relay" relay1 bots0) || return 1
	# This relay's threads: those that appear with it (another lab may have a relay1).
	before=" $(pgrep -d ' ' '^napi/relay1-') "
	ip netns exec "$LAB_BOTS" sh -c 'echo 1 > /sys/class/net/relay1/threaded' || return 1
	pids=
	for pid in $(pgrep '^napi/relay1-'); do [[ $before == *" $pid "* ]] || pids+=" $pid"; done
	if [ -z "$pids" ]; then
		echo "rate bench: relay1's NAPI thread not found" >&2
		return 1
	fi
	for pid in $pids; do
		taskset -pc 0 "$pid" >/dev/null 2>&1 || [ ! -e "/proc/$pid" ] || return 1
	done
}

# send SOURCES [GEN_ARGS...]: the generator on CPU 0; its line goes to
# $WORK/gen.out. The sources start at 10.16.0.0 (private, and room for a
# million).
send() {
	local sources=$1 dev=$GEN_IF mode=$GEN_MODE

	shift
	if [ "$RATE_PATH" = live ] && [[ " $* " == *" --rate "* ]]; then
		dev=relay0
		mode=af_packet
	fi
	taskset -c 0 nsenter --net="/run/netns/$LAB_BOTS" "$GEN" -i "$dev" \
		--dst-mac "$LAB_SINK_MAC" --src 10.16.0.0 --dst 203.0.113.10 --dport 80 \
		--sources "$sources" --mode "$mode" "$@" >"$WORK/gen.out" 2>"$WORK/gen.err"
}

# wait_for FILE TEXT: a contender's "ready" line.
wait_for() {
	for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	echo "rate bench: no '$2' in $1: $(cat "$1")" >&2
	return 1
}

# sink_prog_stats: "RUN_TIME_NS RUN_CNT" of the XDP program on sink0 so
# far (bpf_stats); empty when there is none. By its id, not its name:
# another lab on the machine may run a program of the same name.
sink_prog_stats() {
	local id
	id=$(lab_sink ip -j -d link show sink0 | "$PY" -c '
import json, sys
print(json.load(sys.stdin)[0].get("xdp", {}).get("prog", {}).get("id", ""))')
	[ -n "$id" ] || return 0
	bpftool -j prog show id "$id" 2>/dev/null | "$PY" -c '
import json, sys
p = json.load(sys.stdin)
print(p.get("run_time_ns", 0), p.get("run_cnt", 0))'
}

# The contenders: start_X TABLE starts one on sink0 (TABLE: the sources
# its table must hold, 0 for its default), stop_X stops it and sets
# COUNTED to the packets it counted (not printed: a subshell could not
# wait for the contender).
start_floor() { lab_sink ethtool -K sink0 gro on >/dev/null; }
stop_floor() {
	lab_sink ethtool -K sink0 gro off >/dev/null
	COUNTED=$RECEIVED # the stack counts nothing of its own: what sink0 took
}

start_counter() {
	local table=()
	[ "$1" -gt 0 ] && table=("$1")
	nsenter --net="/run/netns/$LAB_SINK" "$ROOT/$BUILD/tests/xdp_count" sink0 "${table[@]}" \
		>"$WORK/xdp.out" 2>"$WORK/xdp.err" &
	COUNTER_PID=$!
	wait_for "$WORK/xdp.err" attached
}
stop_counter() {
	kill -INT "$COUNTER_PID"
	wait "$COUNTER_PID"
	COUNTER_PID=
	COUNTED=$(awk '{ print $1 }' "$WORK/xdp.out")
}

start_botsink() {
	local table=()
	[ "$1" -gt 0 ] && table=(--max-sources "$1")
	rm -rf "$FEED" "$WORK/state"
	nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$RULES" \
		--sinkhole 203.0.113.0/24 --pin-dir "$PIN_DIR" --state-dir "$WORK/state" \
		--anon none --verdict drop --interval 1 --feed "$FEED" "${table[@]}" \
		2>"$WORK/botsink.err" &
	COUNTER_PID=$!
	wait_for "$WORK/botsink.err" "counting on"
}
stop_botsink() {
	kill -TERM "$COUNTER_PID"
	wait "$COUNTER_PID"
	COUNTER_PID=
	COUNTED=$("$PY" -c 'import json, sys
print(sum(json.loads(l)["packets"] for l in open(sys.argv[1])))' "$FEED")
	rm -f "$FEED"
}

# Without XDP on sink0, the veth takes frames only with GRO on (NAPI).
start_pcap() {
	lab_sink ethtool -K sink0 gro on >/dev/null
	nsenter --net="/run/netns/$LAB_SINK" "$ROOT/$BUILD/tests/pcap_count" sink0 \
		>"$WORK/pcap.out" 2>"$WORK/pcap.err" &
	COUNTER_PID=$!
	wait_for "$WORK/pcap.err" capturing
}
stop_pcap() {
	kill -INT "$COUNTER_PID"
	wait "$COUNTER_PID"
	COUNTER_PID=
	lab_sink ethtool -K sink0 gro off >/dev/null
	COUNTED=$(awk '{ print $1 }' "$WORK/pcap.out")
}

start_nft() {
	lab_sink ethtool -K sink0 gro on >/dev/null
	lab_sink nft -f - <<EOF
table netdev rate {
	set sources { type ipv4_addr; size 65536; flags dynamic; counter; }
	chain ingress { type filter hook ingress device sink0 priority 0; update @sources { ip saddr } drop; }
}
EOF
}
stop_nft() {
	COUNTED=$(lab_sink nft -j list set netdev rate sources | "$PY" -c '
import json, sys
total = 0
for item in json.load(sys.stdin)["nftables"]:
    for e in item.get("set", {}).get("elem", []):
        total += e["elem"]["counter"]["packets"]
print(total)')
	lab_sink nft delete table netdev rate
	lab_sink ethtool -K sink0 gro off >/dev/null
}

declare -A LABEL=([floor]="nothing attached" [counter]="one-map XDP counter" [botsink]="botsink"
	[nft]="nftables dynamic set" [pcap]="libpcap (256 MB buffer)")
# The best round's figures, by "contender sources[ big]"; VAL: every
# round's, by "KIND/KEY/ROUND", for the ratios side by side in one round.
declare -A CAP PROG SLOW VAL

# better BEST VALUE max|min: whether VALUE beats BEST (or BEST is empty).
better() {
	[ -z "$1" ] || awk -v a="$2" -v b="$1" -v m="$3" 'BEGIN { exit !(m == "max" ? a > b : a < b) }'
}

# keep KIND KEY VALUE max|min: this round's figure, and the best so far.
keep() {
	local -n best=$1
	VAL[$1/$2/$round]=$3
	if better "${best[$2]:-}" "$3" "$4"; then best[$2]=$3; fi
}

# contender_up X TABLE: X on sink0; sink0's NAPI thread and X's process on CPU 1.
contender_up() {
	local before pid p

	before=" $(pgrep -d ' ' '^napi/sink0-') "
	"start_$1" "$2" || return 1
	lab_sink_napi_thread 1 || return 1
	# This sink0's thread, the one made for this contender: another lab's
	# sink0 (make test, elsewhere on the machine) has threads of that name.
	pid=
	for p in $LAB_NAPI_PIDS; do [[ $before == *" $p "* ]] || pid+=" $p"; done
	[ -n "$pid" ] && LAB_NAPI_PIDS=$pid
	# The contender's own process beside it (every thread: botsink's too).
	if [ -n "$COUNTER_PID" ]; then taskset -apc 1 "$COUNTER_PID" >/dev/null || return 1; fi
}

# phase SOURCES full|slow: send, with a contender on sink0; sets RECEIVED
# (by sink0), LOST (at its ring), SECS (the receiver's CPU) and PROG_NS
# (the XDP program's own ns per packet in this phase, if there is one).
phase() {
	local rx0 drop0 rx1 drop1 t0 t1 s0 s1
	local -a gen_args=(-n "$FRAMES")

	[ "$2" = slow ] && gen_args=(-n $((SLOW_PPS * SLOW_SECS)) --rate "$SLOW_PPS")
	# Again: another bench ending elsewhere on the machine restores the sysctl.
	sysctl -qw kernel.bpf_stats_enabled=1
	read -r rx0 drop0 _ <<<"$(lab_link_stats)"
	s0=$(sink_prog_stats)
	# shellcheck disable=SC2086 # lists of pids
	t0=$(cpu_ns $LAB_NAPI_PIDS $COUNTER_PID)
	if ! send "$1" "${gen_args[@]}"; then
		echo "rate bench: the generator failed: $(cat "$WORK/gen.out" "$WORK/gen.err")" >&2
		return 1
	fi
	sleep 0.3 # the ring drains, libpcap's last block is handed over
	# shellcheck disable=SC2086
	t1=$(cpu_ns $LAB_NAPI_PIDS $COUNTER_PID)
	s1=$(sink_prog_stats)
	read -r rx1 drop1 _ <<<"$(lab_link_stats)"
	RECEIVED=$((rx1 - rx0))
	LOST=$((drop1 - drop0))
	SECS=$(awk -v t=$((t1 - t0)) 'BEGIN { print t / 1e9 }')
	PROG_NS=
	[ -n "$s1" ] && PROG_NS=$(awk -v a="$s0" -v b="$s1" 'BEGIN {
		split(a, x); split(b, y); if (y[2] > x[2]) printf "%.0f", (y[1] - x[1]) / (y[2] - x[2]) }')
	if [ "$RECEIVED" -eq 0 ]; then
		echo "rate bench: no frame reached sink0: $(cat "$WORK/gen.out")" >&2
		return 1
	fi
}

# run X full|slow: contender X, one phase from SOURCES sources; one line.
run() {
	local key="$1 $SOURCES" line v

	contender_up "$1" 0 && phase "$SOURCES" "$2" && "stop_$1" || return 1
	if [ "$2" = full ]; then
		v=$(awk -v c="$COUNTED" -v s="$SECS" 'BEGIN { printf "%.2f", c / s / 1e6 }')
		line="$v Mpps per CPU s"
		keep CAP "$key" "$v" max
		[ -z "$PROG_NS" ] || keep PROG "$key" "$PROG_NS" min
	else
		v=$(awk -v c="$COUNTED" -v s="$SECS" 'BEGIN { printf "%.0f", s * 1e9 / c }')
		line="$v ns per packet"
		keep SLOW "$key" "$v" min
	fi
	printf "  %-4s %-24s %8s counted of %8s taken (%7s lost at the ring) in %5.3f CPU s: %s%s\n" \
		"$2" "${LABEL[$1]}" "$COUNTED" "$RECEIVED" "$LOST" "$SECS" "$line" \
		"${PROG_NS:+; XDP program $PROG_NS ns}"
}

# scale X: X with a table for SCALE_SOURCES (one start: botsink's takes
# seconds), at full speed from SOURCES, then from SCALE_SOURCES sources;
# its program's own cost in each.
scale() {
	local n taken=0

	contender_up "$1" "$SCALE_TABLE" || return 1
	for n in "$SOURCES" "$SCALE_SOURCES"; do
		phase "$n" full || return 1
		taken=$((taken + RECEIVED))
		[ -z "$PROG_NS" ] || keep PROG "$1 $n big" "$PROG_NS" min
		printf "  %-4s %-24s %8s sources: %8s taken (%7s lost at the ring) in %5.3f CPU s; XDP program %s ns\n" \
			full "${LABEL[$1]}" "$n" "$RECEIVED" "$LOST" "$SECS" "$PROG_NS"
	done
	"stop_$1" || return 1
	[ "$COUNTED" = "$taken" ] || echo "  (${LABEL[$1]} counted $COUNTED of the $taken frames taken)"
}

if [ "$RATE_PATH" != skb ]; then
	relay_up || {
		echo "rate bench: cannot set up the relay" >&2
		exit 1
	}
	how="frame path: AF_PACKET into a relay veth whose XDP redirects into bots0"
	[ "$RATE_PATH" = live ] && how="live path: live frames out of bots0 (slow phases: the relay)"
else
	how="$RATE_PATH path: botsink-gen --mode $GEN_MODE out of bots0"
fi
echo
echo "rate on the veth lab, $how; 64-byte SYNs from $SOURCES sources; generator and relay on CPU 0, sink0's NAPI threaded on CPU 1"
echo "  full: $FRAMES frames as fast as the generator goes; slow: $SLOW_PPS a second for $SLOW_SECS s"
for round in $(seq "$ROUNDS"); do
	echo "round $round"
	for x in floor counter botsink nft pcap; do
		run "$x" full || exit 1
		[ "$round$x" = 1floor ] && echo "  (the generator at full speed: $(cat "$WORK/gen.out"))"
		run "$x" slow || exit 1
		[ "$round$x" = 1floor ] && echo "  (the generator, slow: $(cat "$WORK/gen.out"))"
	done
	echo "  scale: botsink --max-sources $SCALE_TABLE, the counter's table as large:"
	scale botsink || exit 1
	scale counter || exit 1
done
if [ "$RATE_PATH" != skb ]; then
	echo "  (the relay's program: $(bpftool -j prog show id "$RELAY_ID" | "$PY" -c '
import json, sys
p = json.load(sys.stdin)
print(round(p["run_time_ns"] / p["run_cnt"]), "ns per packet,", p["run_cnt"], "packets")'))"
fi

# figure NAME KIND KEY BASE [OP TARGET]: the ratio of KEY's best figure
# to BASE's, the target and whether met; then each round's ratio, both
# measured side by side in it.
figure() {
	# shellcheck disable=SC2178 # a name reference to an array
	local -n best=$2
	local r each=

	for r in $(seq "$ROUNDS"); do
		each+=" $(awk -v a="${VAL[$2/$3/$r]:-}" -v b="${VAL[$2/$4/$r]:-}" 'BEGIN {
			if (a != "" && b > 0) printf "%.2f", a / b; else printf "-" }')"
	done
	awk -v name="$1" -v v="${best[$3]:-}" -v b="${best[$4]:-}" -v op="${5:-}" -v t="${6:-}" \
		-v each="$each" 'BEGIN {
	if (v == "" || b == "" || b == 0) { printf "    %-44s    no figure\n", name; exit }
	r = v / b
	if (op == "")
		printf "    %-44s %5.2fx%27s", name, r, ""
	else
		printf "    %-44s %5.2fx  (target %s %4sx) %-6s", name, r, op, t,
			(op == "<=" ? r <= t : r >= t) ? "met" : "MISSED"
	printf "  rounds:%s\n", each
}'
}

S=$SOURCES
L=$SCALE_SOURCES
echo "issue 21, live on the veth lab ($RATE_PATH path), the best of $ROUNDS rounds:"
echo "  the XDP program's own ns per packet (bpf_stats), $S sources, full speed:"
echo "    botsink ${PROG[botsink $S]:-?}, one-map counter ${PROG[counter $S]:-?}"
figure "botsink / one-map counter" PROG "botsink $S" "counter $S" "<=" 1.3
echo "  capacity, Mpps counted per CPU second of the receiver, full speed:"
echo "    botsink ${CAP[botsink $S]:-?}, one-map counter ${CAP[counter $S]:-?}, nftables ${CAP[nft $S]:-?}, libpcap ${CAP[pcap $S]:-?}, nothing attached ${CAP[floor $S]:-?}"
figure "botsink / one-map counter" CAP "botsink $S" "counter $S" ">=" 0.8
figure "botsink / nftables" CAP "botsink $S" "nft $S" ">=" 1.5
figure "botsink / libpcap" CAP "botsink $S" "pcap $S" ">=" 2
echo "  below saturation ($SLOW_PPS a second), the receiver's CPU ns per packet:"
echo "    botsink ${SLOW[botsink $S]:-?}, nftables ${SLOW[nft $S]:-?}, libpcap ${SLOW[pcap $S]:-?}, one-map counter ${SLOW[counter $S]:-?}, nothing attached ${SLOW[floor $S]:-?}"
figure "botsink / nftables" SLOW "botsink $S" "nft $S" "<=" 1
figure "botsink / libpcap" SLOW "botsink $S" "pcap $S" "<=" 0.8
echo "  scale, the XDP program's own ns per packet, $L sources against $S (a table for $SCALE_TABLE):"
echo "    botsink ${PROG[botsink $L big]:-?} against ${PROG[botsink $S big]:-?} (${PROG[botsink $S]:-?} with its default table, above)"
figure "botsink, $L / $S sources" PROG "botsink $L big" "botsink $S big" "<=" 1.5
figure "botsink, $L / $S, default table" PROG "botsink $L big" "botsink $S" "<=" 1.5
echo "    one-map counter ${PROG[counter $L big]:-?} against ${PROG[counter $S big]:-?}, for reference"
figure "one-map counter, $L / $S sources" PROG "counter $L big" "counter $S big"
