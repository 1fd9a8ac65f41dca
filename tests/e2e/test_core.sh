#!/bin/bash
# No core dump holds a key (issue 19): the daemon, its key loaded, is
# killed with SIGSEGV where a process started the same way leaves a core,
# and leaves none. Skipped (77) when cores go to a program (core_pattern
# "|...") or to another directory, or the control leaves no core: then
# nothing here could show a difference. No global setting is changed.
. "$(dirname "$0")/lib.sh"

RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48

pattern=$(cat /proc/sys/kernel/core_pattern)
case $pattern in
'|'* | */*)
	echo "skipped: core_pattern is '$pattern', not a file in the working directory"
	exit 77
	;;
esac
ulimit -c unlimited 2>/dev/null || {
	echo "skipped: cannot raise the core size limit"
	exit 77
}

# The control: a plain process, same cwd and limit, leaves a core.
mkdir -p "$WORK/control" "$WORK/daemon"
(cd "$WORK/control" && exec sleep 30) &
ctl=$!
sleep 0.2
kill -SEGV "$ctl"
wait "$ctl" 2>/dev/null
if [ -z "$(ls -A "$WORK/control")" ]; then
	echo "skipped: a process killed with SIGSEGV left no core in its directory"
	exit 77
fi
pass "control: a process killed with SIGSEGV leaves a core ($(ls "$WORK/control"))"

lab_up "bco$$"
cd "$WORK/daemon" || exit 1
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --interval 0.2 --feed "$WORK/feed.jsonl" \
	--anon ipcrypt-pfx || finish
echo '[{"src":"198.18.7.1","dst":"203.0.113.10","proto":"udp","dport":16001,"count":1}]' |
	send_plan >/dev/null
for _ in $(seq 50); do
	[ -s "$WORK/feed.jsonl" ] && break
	sleep 0.1
done
[ -s "$WORK/feed.jsonl" ] && pass "the key is in use (a record was written)" ||
	fail "no record written: $(cat "$WORK/daemon.err")"
# The soft core limit the daemon set itself.
expect_eq "the daemon's core size limit" \
	"$(awk '/^Max core file size/ { print $5 }' "/proc/$DAEMON_PID/limits")" 0
stop_daemon SEGV
expect_eq "daemon exit status after SIGSEGV" "$?" 139
cd "$WORK" || exit 1
[ -z "$(ls -A "$WORK/daemon")" ] && pass "the daemon killed with SIGSEGV left no core" ||
	fail "the daemon left: $(ls "$WORK/daemon")"
finish
