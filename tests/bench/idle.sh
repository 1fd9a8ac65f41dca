#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The cost of waiting: the daemon's CPU (the time its threads ran, from
# /proc/PID/task/*/schedstat in ns: /proc/PID/stat's user + system ticks
# are 0.125 % of a CPU apart over 8 s; the collector's BPF_PROG_TEST_RUN
# runs included) on a veth lab that receives nothing, in one run:
#   baseline   --interval 1, default capacity, the feed alone
#   capacity   --interval 0.1 --max-sources 1048576 --max-unclassified 1048576
#   partners   --interval 1 with BENCH_IDLE_PARTNERS (5000) partner outputs
# Each is measured over BENCH_IDLE_S seconds (8) after a second to settle;
# with start-up the whole stays under a minute. Outputs fsynced or
# outputs.state rewritten at idle show as a cost per output here.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
BOTSINK="$ROOT/$BUILD/botsink"
WINDOW=${BENCH_IDLE_S:-8}
PARTNERS=${BENCH_IDLE_PARTNERS:-5000}
# shellcheck source=../../scripts/lab.sh
. "$ROOT/scripts/lab.sh"

# cpu_ns PID: the nanoseconds its threads have run so far.
cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ t += $1 } END { printf "%.0f\n", t }'
}

WORK=$(mktemp -d /tmp/botsink-bench-idle-XXXXXX)
PIN_DIR=/sys/fs/bpf/botsink-bench-idle-$$
DAEMON_PID=
stop() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}
cleanup() {
	stop
	lab_down
	rm -rf "$WORK" "$PIN_DIR"
}
lab_on_exit cleanup
lab_up "bbi$$"

# Partners in 10.0.0.0/8, one /24 each, each with its own output.
mkdir -p "$WORK/partners"
for i in $(seq "$PARTNERS"); do
	printf '[p%d]\nscope = 10.%d.%d.0/24\nanon = truncate\noutput = %s/partners/p%d.jsonl\n' \
		"$i" $((i / 256)) $((i % 256)) "$WORK" "$i"
done >"$WORK/partners.ini"
# An output per partner and its spool, beside the daemon's own.
ulimit -n $((PARTNERS * 2 + 256)) 2>/dev/null

# measure NAME ARGS...: a fresh daemon (own pins and state), idle for
# WINDOW seconds; prints the % of one CPU it used.
measure() {
	local name=$1 before after
	shift
	rm -rf "$PIN_DIR" "$WORK/state" "$WORK/feed.jsonl"
	nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$ROOT/tests/e2e/lab.rules" \
		--sinkhole 203.0.113.0/24,2001:db8:5::/48 --feed "$WORK/feed.jsonl" \
		--pin-dir "$PIN_DIR" --state-dir "$WORK/state" "$@" 2>"$WORK/$name.err" &
	DAEMON_PID=$!
	for _ in $(seq 300); do grep -q "counting on" "$WORK/$name.err" && break; sleep 0.05; done
	if ! grep -q "counting on" "$WORK/$name.err"; then
		cat "$WORK/$name.err" >&2
		stop
		return 1
	fi
	sleep 1
	before=$(cpu_ns "$DAEMON_PID")
	sleep "$WINDOW"
	after=$(cpu_ns "$DAEMON_PID")
	stop
	awk -v t=$((after - before)) -v s="$WINDOW" 'BEGIN { printf "%.3f", t / 1e7 / s }'
}

echo "the daemon's CPU at idle (nothing received; ${WINDOW} s each, % of one CPU):"
base=$(measure baseline --interval 1) || exit 1
printf "  %-58s %6s %%\n" "baseline: --interval 1, default capacity" "$base"
cap=$(measure capacity --interval 0.1 --max-sources 1048576 --max-unclassified 1048576) || exit 1
printf "  %-58s %6s %%\n" "--interval 0.1 --max-sources/--max-unclassified 1048576" "$cap"
part=$(measure partners --interval 1 --partners "$WORK/partners.ini") || exit 1
printf "  %-58s %6s %%\n" "--interval 1, $PARTNERS partners" "$part"
