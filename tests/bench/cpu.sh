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
