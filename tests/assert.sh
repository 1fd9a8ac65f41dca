# shellcheck shell=bash
# Assertions of the shell tests (tests/e2e, tests/nats) that name what
# failed, and the verdict at the end. The sourcing script sets TEST_NAME.
FAILURES=0

fail() {
	echo "  FAIL: $*" >&2
	FAILURES=$((FAILURES + 1))
}

pass() {
	echo "  ok: $*"
}

# expect_eq WHAT ACTUAL EXPECTED
expect_eq() {
	if [ "$2" == "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', expected '$3'"; fi
}

finish() {
	if [ "$FAILURES" -ne 0 ]; then
		echo "$TEST_NAME: $FAILURES failure(s)" >&2
		exit 1
	fi
	echo "$TEST_NAME: passed"
	exit 0
}
