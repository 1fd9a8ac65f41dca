#!/bin/bash
# Feed rotation while traffic flows and the daemon drains every 0.2 s: by
# size (--feed-rotate-size 2K) and on SIGUSR1. Every file holds whole JSON
# lines only, and all files together hold exactly what was sent: no record
# lost, split or written twice.
. "$(dirname "$0")/lib.sh"

SINKHOLE=203.0.113.0/24,2001:db8:5::/48
lab_up "bsx$$"
start_daemon -r "$ROOT/tests/e2e/lab.rules" --sinkhole "$SINKHOLE" --anon none \
	--interval 0.2 --feed "$WORK/feed.jsonl" --feed-rotate-size 2K || finish

expected=""
for wave in 1 2 3 4 5 6; do
	plan=""
	for i in $(seq 1 12); do
		plan+="{\"src\":\"198.18.$wave.$i\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":$((i % 3 + 1))},"
		expected+="198.18.$wave.$i $((i % 3 + 1))"$'\n'
	done
	echo "[${plan%,}]" | send_plan >/dev/null
	sleep 0.3
	[ "$wave" -eq 3 ] && kill -USR1 "$DAEMON_PID"
done
sleep 0.3
stop_daemon TERM
expect_eq "daemon exit status" "$?" 0

files=("$WORK"/feed.jsonl*)
[ ${#files[@]} -ge 3 ] && pass "${#files[@]} feed files" || fail "only ${#files[@]} feed file(s)"
grep -q "feed rotated (size)" "$WORK/daemon.err" && pass "rotated by size" || fail "no rotation by size"
grep -q "feed rotated (SIGUSR1)" "$WORK/daemon.err" && pass "rotated on SIGUSR1" ||
	fail "no rotation on SIGUSR1"
"$PY" - "${files[@]}" <<'PYEOF' || fail "a feed file holds something other than whole JSON lines"
import json, sys
for path in sys.argv[1:]:
    data = open(path).read()
    assert data == "" or data.endswith("\n"), path
    for line in data.splitlines():
        json.loads(line)
PYEOF
cat "${files[@]}" >"$WORK/all.jsonl"
actual=$(feed_sums "$WORK/all.jsonl" | awk '{ print $1, $3 }' | sort)
expect_eq "all files together: packets per source" "$actual" "$(printf '%s' "$expected" | sort)"
finish
