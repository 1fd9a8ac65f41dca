#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Every test, on the real kernel (root): unit tests under ASan/UBSan, the
# XDP program under BPF_PROG_TEST_RUN, end-to-end veth labs, then a NATS
# cluster.
#   tests/run.sh [--shared DIR]
# DIR holds public bot captures (pcaps/ with MANIFEST.txt); default ../shared
# beside the checkout. The capture tests are skipped when it is absent.
set -u
cd "$(dirname "$0")/.."
SHARED=${BOTSINK_SHARED:-../shared}
while [ $# -gt 0 ]; do
	case $1 in
	--shared) SHARED=$2; shift 2 ;;
	*) echo "usage: tests/run.sh [--shared DIR]" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" -ne 0 ]; then
	echo "tests/run.sh: the tests load XDP programs and create network namespaces: run as root" >&2
	exit 2
fi
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
export BOTSINK_SHARED=$SHARED
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Every process a test starts inherits this mark in its environment: one
# still running after its test (a listener, a daemon, a generator, a
# capture) is reported, and the test fails.
export BOTSINK_TEST_RUN="$$.$(date +%s%N)"
leftovers() { # PIDs but this script's and this subshell's
	# Listed before grep and awk exist: they carry the mark too.
	local procs=(/proc/[0-9]*/environ)
	grep -lsz "^BOTSINK_TEST_RUN=$BOTSINK_TEST_RUN\$" "${procs[@]}" |
		awk -F/ -v a=$$ -v b="$BASHPID" '$3 != a && $3 != b { print $3 }'
}

# reap NAME: stop what NAME left running, and say what it was. A process
# a test has just killed may take a moment to go: only one still there
# after 3 s counts.
reap() {
	local pids pid
	for _ in $(seq 30); do
		pids=$(leftovers)
		[ -z "$pids" ] && return 0
		sleep 0.1
	done
	for pid in $pids; do
		echo "  $1 left running: $pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
	done
	# shellcheck disable=SC2086
	kill -TERM $pids 2>/dev/null
	for _ in $(seq 30); do [ -z "$(leftovers)" ] && return 1; sleep 0.1; done
	# shellcheck disable=SC2086
	kill -KILL $(leftovers) 2>/dev/null
	for _ in $(seq 50); do [ -z "$(leftovers)" ] && return 1; sleep 0.1; done
	echo "  $1: still running after SIGKILL: $(leftovers)" >&2
	return 1
}

passed=() failed=() skipped=()
run() {
	local name=$1 rc start=$SECONDS
	shift
	echo "== $name"
	timeout 600 "$@"
	rc=$?
	echo "== $name: $((SECONDS - start)) s" # the suite must stay under 15 minutes in CI
	if ! reap "$name"; then
		failed+=("$name (left processes running)")
		return
	fi
	case $rc in
	0) passed+=("$name") ;;
	77) skipped+=("$name") ;;
	*) failed+=("$name (exit $rc)") ;;
	esac
}

BUILD=${BUILD:-build}
export BUILD
for t in tests/static/test_*.sh; do
	run "static/$(basename "$t" .sh)" bash "$t"
done
for t in "$BUILD"/tests/test_*; do
	run "unit/$(basename "$t")" "$t"
done
# A short run of each libFuzzer target from its seed corpus (make fuzz: longer).
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	f="$BUILD/fuzz/$name"
	[ -f "$f" ] && [ -x "$f" ] || continue
	# New inputs go to the first directory: the build's, not the repo's seeds.
	mkdir -p "$BUILD/fuzz-corpus/$name"
	# libFuzzer's own failure status is 77, which means "skipped" here.
	run "fuzz/$name" "$f" -max_total_time=4 -print_final_stats=0 -error_exitcode=1 \
		"$BUILD/fuzz-corpus/$name" "tests/fuzz/corpus/${name#fuzz_}"
done
run prog/prog_test "$BUILD"/tests/prog_test
for t in tests/e2e/test_*.sh; do
	run "e2e/$(basename "$t" .sh)" bash "$t"
done
# A NATS cluster on 127.0.0.1 (nats-server, botsink nats-config, streams, pull).
for t in tests/nats/test_*.sh; do
	run "nats/$(basename "$t" .sh)" bash "$t"
done

reap "the suite" || failed+=("the suite (left processes running)")

echo
echo "passed: ${#passed[@]}, skipped: ${#skipped[@]}, failed: ${#failed[@]}"
for s in "${skipped[@]}"; do echo "  skipped: $s"; done
for f in "${failed[@]}"; do echo "  FAILED: $f"; done
[ ${#failed[@]} -eq 0 ]
