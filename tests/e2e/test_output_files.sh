#!/bin/bash
# Output files (issue 19): no output is written through a symbolic link,
# whoever owns it. A symlinked feed or partner output is refused at start
# (exit 2, named), its target untouched; one put at the feed's name before
# a rotation is refused and logged while the daemon goes on writing the
# file it has open. A FIFO feed without a reader does not block start-up:
# the daemon says it waits, spools, and a reader that comes gets every
# record exactly once. Too many partners for the open-file limit: exit 2
# naming the partners, the fds needed and the limit, with no file made;
# a start that fails half-way leaves none of the files it made.
. "$(dirname "$0")/lib.sh"

RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
READER=
EXTRA_CLEANUP='[ -n "$READER" ] && kill "$READER" 2>/dev/null && wait "$READER" 2>/dev/null'

# run_once ARGS...: botsink run that is expected to stop at start; its
# exit status, its messages in $WORK/once.err.
run_once() {
	timeout 20 nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 \
		--pin-dir "$PIN_DIR" --state-dir "$WORK/state" -r "$RULES" --sinkhole "$SINKHOLE" \
		--anon none "$@" 2>"$WORK/once.err"
}

# Files anywhere under the state directory but its lock's (the first
# 300 characters of the list); none when absent.
state_files() {
	[ -d "$WORK/state" ] || return 0
	(cd "$WORK/state" && find . -mindepth 1 ! -name botsink.pid | sort | tr '\n' ' ' | cut -c1-300)
}

lab_up "bof$$"
echo precious >"$WORK/target"

# -- A symbolic link as the feed, at start: refused, the target untouched.
ln -s "$WORK/target" "$WORK/feed.jsonl"
run_once --feed "$WORK/feed.jsonl"
expect_eq "feed a symbolic link: exit status" "$?" 2
grep -qF "$WORK/feed.jsonl is a symbolic link: refused" "$WORK/once.err" &&
	pass "the feed's link is named and refused" || fail "said: $(cat "$WORK/once.err")"
expect_eq "the feed link's target" "$(cat "$WORK/target")" precious
rm "$WORK/feed.jsonl"

# -- A partner's output a symbolic link: refused with its line.
printf '[isp]\nscope = 198.18.0.0/15\noutput = %s/isp.jsonl\n' "$WORK" >"$WORK/partners.ini"
ln -s "$WORK/target" "$WORK/isp.jsonl"
run_once --feed "$WORK/feed.jsonl" --partners "$WORK/partners.ini"
expect_eq "partner output a symbolic link: exit status" "$?" 2
grep -qF "partners.ini:3: output '$WORK/isp.jsonl' is a symbolic link: refused" "$WORK/once.err" &&
	pass "the partner's link is named and refused" || fail "said: $(cat "$WORK/once.err")"
expect_eq "the partner link's target" "$(cat "$WORK/target")" precious
[ -e "$WORK/feed.jsonl" ] && fail "the feed was made by a run that was refused"
rm "$WORK/isp.jsonl"

# -- Too many partners for the open-file limit: refused before any file.
mkdir "$WORK/out"
"$PY" - "$WORK" >"$WORK/many.ini" <<'PYEOF'
import sys
for i in range(10000):
    print(f"[p{i}]\nscope = 198.18.0.0/15\nanon = none\noutput = {sys.argv[1]}/out/p{i}.jsonl")
PYEOF
prlimit --nofile=1024:1024 nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 \
	--pin-dir "$PIN_DIR" --state-dir "$WORK/state" -r "$RULES" --sinkhole "$SINKHOLE" \
	--anon none --feed "$WORK/feed.jsonl" --partners "$WORK/many.ini" 2>"$WORK/once.err"
expect_eq "10,000 partners under 1024 open files: exit status" "$?" 2
grep -qE "10000 partners need [0-9]+ open files .*more than the limit of 1024 \(hard limit 1024\): raise it \(LimitNOFILE= in the systemd unit, ulimit -n in a shell\)" \
	"$WORK/once.err" && pass "the message names the partners, the fds and the limit" ||
	fail "said: $(cat "$WORK/once.err")"
expect_eq "partner outputs made" "$(find "$WORK/out" -mindepth 1 | wc -l)" 0
expect_eq "files made in the state directory" "$(state_files)" ""
[ -e "$WORK/feed.jsonl" ] && fail "the feed was made"

# -- A start that fails half-way (the last partner's directory is missing):
# the files it made are removed, a spool with records of an earlier run stays.
head -n $((4 * 49)) "$WORK/many.ini" >"$WORK/fifty.ini"
printf '[last]\nscope = 198.18.0.0/15\nanon = none\noutput = %s/missing/last.jsonl\n' "$WORK" \
	>>"$WORK/fifty.ini"
mkdir -p "$WORK/state/partners" && chmod 700 "$WORK/state" "$WORK/state/partners"
echo '{"earlier":1}' >"$WORK/state/partners/p3.spool"
chmod 600 "$WORK/state/partners/p3.spool"
run_once --feed "$WORK/feed.jsonl" --partners "$WORK/fifty.ini"
expect_eq "a partner that cannot be opened: exit status" "$?" 2
grep -qF "$WORK/missing/last.jsonl" "$WORK/once.err" && pass "the output is named" ||
	fail "said: $(cat "$WORK/once.err")"
expect_eq "partner outputs left" "$(find "$WORK/out" -mindepth 1 | wc -l)" 0
expect_eq "files left in the state directory" "$(state_files)" "./partners ./partners/p3.spool "
expect_eq "the earlier spool" "$(cat "$WORK/state/partners/p3.spool")" '{"earlier":1}'
[ -e "$WORK/feed.jsonl" ] && fail "the feed was left"
rm -rf "$WORK/state"

# -- A FIFO feed without a reader: start-up goes on, the wait is said once,
# the records wait in the spool; a reader that comes gets each one once.
mkfifo -m 600 "$WORK/feed.fifo"
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --interval 0.2 \
	--feed "$WORK/feed.fifo" || finish
pass "the daemon counts with no reader on its FIFO"
wait_grep "$WORK/feed.fifo is a named pipe (FIFO) with no reader yet: waiting for a reader" \
	"$WORK/daemon.err" && pass "it says it waits for a reader" ||
	fail "no word of the wait: $(cat "$WORK/daemon.err")"
syns 198.18.1.1 3
syns 198.18.1.2 2
sleep 1
expect_eq "the wait said once" "$(grep -c "with no reader yet" "$WORK/daemon.err")" 1
timeout 20 cat "$WORK/feed.fifo" >"$WORK/read.jsonl" &
READER=$!
wait_lines "$WORK/read.jsonl" 2 || fail "the reader got nothing: $(tail -n 5 "$WORK/daemon.err")"
syns 198.18.1.3 4
wait_lines "$WORK/read.jsonl" 3 || fail "the reader got no later record"
stop_daemon TERM
expect_eq "FIFO feed: exit status" "$?" 0
wait "$READER"
expect_eq "the reader ends when the daemon does" "$?" 0
READER=
expect_eq "every record once, through the FIFO" "$(feed_sums "$WORK/read.jsonl" | tr '\n' ';')" \
	"198.18.1.1 1000001 3 162 3;198.18.1.2 1000001 2 108 2;198.18.1.3 1000001 4 216 4;"
expect_eq "no record twice" "$(ids_twice "$WORK/read.jsonl")" 0
rm -rf "$WORK/state"

# -- A symbolic link at the feed's name when it is rotated (the feed moved
# away, a link put in its place): refused, logged, the target untouched,
# and records go on to the file the daemon has open.
: >"$WORK/daemon.err"
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --interval 0.2 \
	--feed "$WORK/feed.jsonl" || finish
syns 198.18.2.1 3
wait_lines "$WORK/feed.jsonl" 1 || fail "no record in the feed"
expect_eq "feed mode" "$(stat -c %a "$WORK/feed.jsonl")" 600
mv "$WORK/feed.jsonl" "$WORK/moved.jsonl"
ln -s "$WORK/target" "$WORK/feed.jsonl"
kill -USR1 "$DAEMON_PID"
wait_grep "cannot rotate feed $WORK/feed.jsonl: it is a symbolic link: refused" "$WORK/daemon.err" &&
	pass "rotation refuses the link, named" || fail "said: $(tail -n 5 "$WORK/daemon.err")"
syns 198.18.2.2 2
wait_lines "$WORK/moved.jsonl" 2 || fail "records stopped after the refused rotation"
kill -0 "$DAEMON_PID" 2>/dev/null && pass "the daemon runs on" || fail "the daemon is gone"
expect_eq "the rotation link's target" "$(cat "$WORK/target")" precious
stop_daemon TERM
expect_eq "rotation refused: exit status" "$?" 0
expect_eq "every record once, in the file open" "$(feed_sums "$WORK/moved.jsonl" | tr '\n' ';')" \
	"198.18.2.1 1000001 3 162 3;198.18.2.2 1000001 2 108 2;"
expect_eq "the target after the run" "$(cat "$WORK/target")" precious

finish
