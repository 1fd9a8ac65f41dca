# shellcheck shell=bash
# CPU time of processes, for the bench scripts (rate.sh, bus.sh).

# cpu_ticks PID...: user+system clock ticks of these processes so far.
cpu_ticks() {
	local t=0 pid
	for pid in "$@"; do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
	done
	echo $t
}

# cpu_ns PID...: nanoseconds these processes (every thread of each) have
# run so far, from schedstat: finer than clock ticks, for runs of a few
# seconds. A thread that has exited is no longer counted.
cpu_ns() {
	local pid
	for pid in "$@"; do
		cat /proc/"$pid"/task/*/schedstat 2>/dev/null
	done | awk '{ t += $1 } END { printf "%.0f\n", t }'
}
