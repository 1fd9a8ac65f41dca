#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make bench, the rate part: packets counted per second on the veth lab by
# botsink (the daemon, --verdict drop), beside a one-map XDP counter, a
# libpcap per-source counter (256 MB buffer) and an nftables netdev ingress
# chain updating a dynamic set with per-source counters, on the same
# interface and traffic, in the same run.
#
# The receiver's capacity is what is measured: the sink's NAPI runs in its
# own thread on CPU 1, the generator (botsink-gen) on CPU 0: live frames
# where the kernel allows them, else AF_PACKET (BENCH_GEN_MODE=af_packet
# or live chooses; the first line says which ran). Live frames arrive at
# the sink as XDP frames, AF_PACKET's as socket buffers, which the veth
# copies before XDP: compare figures of one mode only.
# Everything the receiver does runs on CPU 1: the NAPI thread and the
# contender's own process (libpcap's reader, botsink's daemon). A
# contender's rate is the packets it counted per CPU second the receiver
# spent (NAPI thread and that process, from /proc/PID/stat), not per
# second of wall time, which would measure the generator: live frames
# outrun the receiver, whose ring drops the rest; AF_PACKET's are refused
# when that ring is full and sent again, and mostly come slower than the
# receiver takes them. Count-only everywhere it can be: botsink
# --verdict drop, the XDP counter drops, nftables drops after counting;
# libpcap cannot, so the kernel stack's work on each packet is part of its
# cost. Best of BENCH_RATE_ROUNDS (default 4) runs.
#   BENCH_RATE_FRAMES (default 4000000), BENCH_RATE_SOURCES (default 5000),
#   BENCH_GEN_MODE (default auto)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
. "$ROOT/scripts/lab.sh"
BOTSINK="$ROOT/$BUILD/botsink"
GEN="$ROOT/$BUILD/tests/botsink-gen"
FRAMES=${BENCH_RATE_FRAMES:-4000000}
ROUNDS=${BENCH_RATE_ROUNDS:-4}
SOURCES=${BENCH_RATE_SOURCES:-5000}
GEN_MODE=${BENCH_GEN_MODE:-auto}
WORK=$(mktemp -d /tmp/botsink-rate-XXXXXX)
PIN_DIR=/sys/fs/bpf/botsink-rate-$$
COUNTER_PID=

STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
cleanup() {
	sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS" 2>/dev/null
	[ -n "$COUNTER_PID" ] && kill "$COUNTER_PID" 2>/dev/null
	lab_down
	rm -rf "$WORK" "$PIN_DIR"
}
lab_on_exit cleanup

if [ "$(nproc)" -lt 2 ]; then
	echo "rate bench: needs 2 CPUs (generator and receiver apart); skipped"
	exit 0
fi
# Programs' own run times too: the receiver's CPU also pays the veth path.
sysctl -qw kernel.bpf_stats_enabled=1
lab_up "bsr$$"
# A veth hands its peer's NAPI (threaded, on CPU 1) only the socket buffers
# GRO could merge: a sender's with TSO on goes to the backlog of the
# sender's own CPU unless the peer runs XDP (which turns TSO off). Off for
# every contender, so AF_PACKET's frames reach the NAPI thread everywhere.
lab_bots ethtool -K bots0 tso off >/dev/null
RULES="$WORK/rules"
echo 'alert tcp any any -> 203.0.113.10 80 (msg:"bench SYN"; flags:S; sid:1;)' >"$RULES"


# shellcheck source=cpu.sh
. "$ROOT/tests/bench/cpu.sh"

# Send; the generator's line goes to $WORK/gen.out.
send() {
	taskset -c 0 nsenter --net="/run/netns/$LAB_BOTS" "$GEN" -i bots0 --dst-mac "$LAB_SINK_MAC" \
		--src 198.18.16.0 --dst 203.0.113.10 --dport 80 --sources "$SOURCES" -n "$FRAMES" \
		--mode "$GEN_MODE" >"$WORK/gen.out" 2>"$WORK/gen.err"
}

# wait_for FILE TEXT: a counter's "ready" line.
wait_for() {
	for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	echo "rate bench: no '$2' in $1: $(cat "$1")" >&2
	return 1
}

# prog_ns NAME: average ns per run of the XDP program NAME so far
# (kernel.bpf_stats_enabled); empty when there is none.
prog_ns() {
	bpftool -j prog show name "$1" 2>/dev/null | "$PY" -c '
import json, sys
try:
    p = json.load(sys.stdin)
    p = p[0] if isinstance(p, list) else p
    print(round(p["run_time_ns"] / p["run_cnt"]))
except Exception:
    pass'
}

# measure PID [PROG]: the receiver's side on CPU 1 (PID too, unless empty),
# send; SECS gets the receiver's CPU seconds, PROG_NS the XDP program's
# own ns per packet.
measure() {
	local before after
	[ -n "$1" ] && taskset -apc 1 "$1" >/dev/null
	before=$(cpu_ticks $LAB_NAPI_PIDS $1)
	send || { echo "rate bench: the generator failed: $(cat "$WORK/gen.out" "$WORK/gen.err")" >&2; return 1; }
	sleep 0.3 # the ring drains
	after=$(cpu_ticks $LAB_NAPI_PIDS $1)
	SECS=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { print t / hz }')
	PROG_NS=${2:+$(prog_ns "$2")}
}

declare -A RATE
record() { # NAME COUNTED: keeps the best round
	local rate
	rate=$(awk -v c="$2" -v s="$SECS" 'BEGIN { printf "%.2f", c / s / 1e6 }')
	printf "  %-26s %10s counted of %s in %5.2f CPU s  %6s Mpps  %s\n" "$1" "$2" "$FRAMES" \
		"$SECS" "$rate" "${PROG_NS:+(XDP program: $PROG_NS ns/packet)}"
	PROG_NS=
	if [ -z "${RATE[$1]:-}" ] || awk -v a="$rate" -v b="${RATE[$1]}" 'BEGIN { exit !(a > b) }'; then
		RATE[$1]=$rate
	fi
}

# An XDP program on sink0 (started by the caller), then threaded NAPI, then traffic.
run_xdp_counter() { # NAME: xdp_count
	nsenter --net="/run/netns/$LAB_SINK" "$ROOT/$BUILD/tests/xdp_count" sink0 \
		>"$WORK/xdp.out" 2>"$WORK/xdp.err" &
	COUNTER_PID=$!
	wait_for "$WORK/xdp.err" attached && lab_sink_napi_thread 1 || return 1
	measure "" baseline_count || return 1
	kill -INT $COUNTER_PID
	wait $COUNTER_PID
	COUNTER_PID=
	record "one-map XDP counter" "$(awk '{ print $1 }' "$WORK/xdp.out")"
}

run_botsink() {
	rm -f "$WORK/feed.jsonl"
	nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$RULES" \
		--sinkhole 203.0.113.0/24 --pin-dir "$PIN_DIR" --state-dir "$WORK/state" \
		--anon none --verdict drop --interval 1 --feed "$WORK/feed.jsonl" \
		2>"$WORK/botsink.err" &
	COUNTER_PID=$!
	wait_for "$WORK/botsink.err" "counting on" && lab_sink_napi_thread 1 || return 1
	measure "$COUNTER_PID" botsink_xdp || return 1
	kill -TERM $COUNTER_PID
	wait $COUNTER_PID
	COUNTER_PID=
	record botsink "$("$PY" -c 'import json,sys; print(sum(json.loads(l)["packets"] for l in open(sys.argv[1])))' "$WORK/feed.jsonl")"
}

# Without XDP on sink0, the veth delivers only with GRO on (which gives it NAPI).
run_pcap() {
	lab_sink ethtool -K sink0 gro on >/dev/null
	nsenter --net="/run/netns/$LAB_SINK" "$ROOT/$BUILD/tests/pcap_count" sink0 \
		>"$WORK/pcap.out" 2>"$WORK/pcap.err" &
	COUNTER_PID=$!
	wait_for "$WORK/pcap.err" capturing && lab_sink_napi_thread 1 || return 1
	measure "$COUNTER_PID" || return 1
	kill -INT $COUNTER_PID
	wait $COUNTER_PID
	COUNTER_PID=
	record "libpcap (256 MB buffer)" "$(awk '{ print $1 }' "$WORK/pcap.out")"
	lab_sink ethtool -K sink0 gro off >/dev/null
}

run_nft() {
	lab_sink ethtool -K sink0 gro on >/dev/null
	lab_sink nft -f - <<EOF || return 1
table netdev rate {
	set sources { type ipv4_addr; size 65536; flags dynamic; counter; }
	chain ingress { type filter hook ingress device sink0 priority 0; update @sources { ip saddr } drop; }
}
EOF
	lab_sink_napi_thread 1 || return 1
	measure "" || return 1
	counted=$(lab_sink nft -j list set netdev rate sources | "$PY" -c '
import json, sys
total = 0
for item in json.load(sys.stdin)["nftables"]:
    for e in item.get("set", {}).get("elem", []):
        total += e["elem"]["counter"]["packets"]
print(total)')
	lab_sink nft delete table netdev rate
	record "nftables dynamic set" "$counted"
	lab_sink ethtool -K sink0 gro off >/dev/null
}

PY=/usr/bin/python3
echo
echo "rate on the veth lab: $FRAMES SYNs from $SOURCES sources, generator (--mode $GEN_MODE) on CPU 0, receiver NAPI threaded on CPU 1"
for round in $(seq "$ROUNDS"); do
	run_xdp_counter || exit 1
	[ "$round" = 1 ] && echo "  (the generator, first run: $(cat "$WORK/gen.out")) $(cat "$WORK/gen.err")"
	run_botsink || exit 1
	run_pcap || exit 1
	run_nft || exit 1
done
printf "best of %s rounds, Mpps counted: one-map XDP counter %s, botsink %s, libpcap %s, nftables %s\n" \
	"$ROUNDS" "${RATE[one-map XDP counter]}" "${RATE[botsink]}" "${RATE[libpcap (256 MB buffer)]}" \
	"${RATE[nftables dynamic set]}"
awk -v b="${RATE[botsink]}" -v x="${RATE[one-map XDP counter]}" -v p="${RATE[libpcap (256 MB buffer)]}" \
	-v n="${RATE[nftables dynamic set]}" 'BEGIN {
	printf "botsink / one-map XDP counter %6.0f %%   (target >= 85 %%, stretch 95 %%)\n", 100 * b / x
	printf "botsink / libpcap             %6.1fx   (target >= 3.5x)\n", b / p
	printf "botsink / nftables            %6.1fx   (target >= 3.5x)\n", b / n
}'
