#!/bin/bash
# The feed file on a full filesystem (a 16 KiB tmpfs): the daemon keeps the
# counts it cannot write, never leaves a partial line behind (a failed
# batch is cut off again), and once there is room writes everything held,
# so the file ends with exactly what was sent.
. "$(dirname "$0")/lib.sh"

SINKHOLE=203.0.113.0/24,2001:db8:5::/48
mkdir "$WORK/small"
mount -t tmpfs -o size=16k,mode=0700 tmpfs "$WORK/small" || { fail "cannot mount a tmpfs"; finish; }
EXTRA_CLEANUP='umount "$WORK/small" 2>/dev/null'
lab_up "bsz$$"
start_daemon -r "$ROOT/tests/e2e/lab.rules" --sinkhole "$SINKHOLE" --anon none \
	--interval 0.2 --feed "$WORK/small/feed.jsonl" || finish

# whole_lines FILE: every line complete and JSON.
whole_lines() {
	"$PY" - "$1" <<'PYEOF'
import json, sys
data = open(sys.argv[1]).read()
assert data == "" or data.endswith("\n")
for line in data.splitlines():
    json.loads(line)
PYEOF
}

expected=""
for wave in 1 2 3 4; do
	plan=""
	for i in $(seq 1 30); do
		plan+="{\"src\":\"198.18.$wave.$i\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":$((i % 4 + 1))},"
		expected+="198.18.$wave.$i $((i % 4 + 1))"$'\n'
	done
	echo "[${plan%,}]" | send_plan >/dev/null
	sleep 0.3
done
for _ in $(seq 50); do
	grep -q "keeping the counts until it can be written" "$WORK/daemon.err" && break
	sleep 0.1
done
grep -q "keeping the counts until it can be written" "$WORK/daemon.err" &&
	pass "the full filesystem is noticed" || fail "no full filesystem: $(cat "$WORK/daemon.err")"
whole_lines "$WORK/small/feed.jsonl" && pass "while full: only whole lines in the file" ||
	fail "while full: a partial line"
[ "$(wc -l <"$WORK/small/feed.jsonl")" -lt 120 ] && pass "while full: not everything written yet" ||
	fail "the filesystem never filled"

mount -o remount,size=4m "$WORK/small"
for _ in $(seq 50); do
	grep -q "writable again" "$WORK/daemon.err" && break
	sleep 0.1
done
grep -q "writable again" "$WORK/daemon.err" && pass "room again: the held records go out" ||
	fail "the feed never recovered"
stop_daemon TERM
expect_eq "daemon exit status" "$?" 0
whole_lines "$WORK/small/feed.jsonl" && pass "only whole lines in the end" || fail "a partial line"
actual=$(feed_sums "$WORK/small/feed.jsonl" | awk '{ print $1, $3 }' | sort)
expect_eq "packets per source: exactly what was sent" "$actual" "$(printf '%s' "$expected" | sort)"
finish
