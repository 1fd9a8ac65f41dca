# shellcheck shell=bash
# Helpers for the end-to-end tests: a lab per test (scripts/lab.sh), the
# real daemon in the sink namespace, assertions that name what failed.
# Every test sources this file; its EXIT trap tears everything down, also
# when an assertion fails half-way.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BOTSINK="$ROOT/${BUILD:-build}/botsink"
PY=/usr/bin/python3
# shellcheck source=../../scripts/lab.sh
. "$ROOT/scripts/lab.sh"

TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/botsink-$TEST_NAME-XXXXXX")
PIN_DIR="/sys/fs/bpf/botsink-test-$$"
DAEMON_PID=

cleanup() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	[ -n "${EXTRA_CLEANUP:-}" ] && eval "$EXTRA_CLEANUP"
	lab_down
	rm -rf "$PIN_DIR" "$WORK"
}
lab_on_exit cleanup

# shellcheck source=../assert.sh
. "$ROOT/tests/assert.sh"

# start_daemon ARGS... : botsink run in the sink namespace, in the background.
# nsenter (not ip netns exec) keeps /sys/fs/bpf, and execs: $! is the daemon.
start_daemon() {
	local started
	started=$(grep -c "counting on" "$WORK/daemon.err" 2>/dev/null)
	nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 --pin-dir "$PIN_DIR" \
		--state-dir "$WORK/state" "$@" 2>>"$WORK/daemon.err" &
	DAEMON_PID=$!
	# Ready when the program is attached (or the maps adopted) and rules are in.
	for _ in $(seq 100); do
		[ "$(grep -c "counting on" "$WORK/daemon.err")" -gt "${started:-0}" ] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "daemon did not start: $(cat "$WORK/daemon.err")"
	return 1
}

# stop_daemon [SIGNAL]: returns the daemon's exit status.
stop_daemon() {
	local rc
	kill "-${1:-TERM}" "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	rc=$?
	DAEMON_PID=
	return $rc
}

# wait_grep TEXT FILE: up to 5 s for FILE to hold TEXT (a fixed string).
wait_grep() {
	for _ in $(seq 50); do
		grep -qF -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# send_plan < PLAN.json: frames out of the bots namespace; prints the count.
send_plan() { # [--pps N]
	lab_bots "$PY" "$ROOT/scripts/lab_send.py" --iface bots0 --dst-mac "$LAB_SINK_MAC" "$@"
}

# syns SRC COUNT: COUNT SYNs from SRC to 203.0.113.10:80.
syns() { # SRC COUNT
	echo "[{\"src\":\"$1\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":$2}]" |
		send_plan >/dev/null
}

# to_sinkhole SPEC SRC...: plan entries (JSON objects, comma-separated), one
# from each SRC to the sinkhole host of its family (203.0.113.10 or
# 2001:db8:5::10); SPEC is the rest of each entry.
to_sinkhole() {
	local spec=$1 s dst p=
	shift
	for s; do
		case $s in *:*) dst=2001:db8:5::10 ;; *) dst=203.0.113.10 ;; esac
		p+="{\"src\":\"$s\",\"dst\":\"$dst\",$spec},"
	done
	echo "${p%,}"
}

# one_partner ANON: $WORK/partners.ini with one partner, isp: every lab source
# (198.18.0.0/15), verified or not, anonymized by ANON, to $WORK/isp.jsonl.
one_partner() {
	cat >"$WORK/partners.ini" <<EOF
[isp]
scope = 198.18.0.0/15
anon = $1
verified_only = no
output = $WORK/isp.jsonl
EOF
}

# wait_lines FILE N: up to 5 s for FILE to hold N lines.
wait_lines() {
	for _ in $(seq 50); do
		[ "$(wc -l <"$1" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# ids_twice FEED: how many records repeat a record_id already seen.
ids_twice() {
	"$PY" -c 'import json,sys; ids=[json.loads(l)["record_id"] for l in open(sys.argv[1])]; print(len(ids) - len(set(ids)))' "$1"
}

# bucket NAME: one statistics bucket from botsink status, summed over CPUs.
bucket() {
	lab_sink "$BOTSINK" status --pin-dir "$PIN_DIR" | awk -v k="$1" '$1 == k { print $2; exit }'
}

# feed_sums FEED: "src sid packets bytes syns" per (src, sid), summed over records.
feed_sums() {
	"$PY" - "$1" <<'PYEOF'
import json, sys
from collections import defaultdict
sums = defaultdict(lambda: [0, 0, 0])
for line in open(sys.argv[1]):
    r = json.loads(line)
    s = sums[(r["src_ip"], r["sid"])]
    s[0] += r["packets"]; s[1] += r["bytes"]; s[2] += r["syns"]
for (src, sid), (p, b, y) in sorted(sums.items()):
    print(src, sid, p, b, y)
PYEOF
}
