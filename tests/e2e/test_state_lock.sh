#!/bin/bash
# One daemon per state directory (issue 19): a second botsink run on the
# same --state-dir, on another interface and pin directory, exits 1
# naming the first's pid before it reads or writes anything there, pins
# or attaches anything; the first goes on draining. The state files are
# 0600, and a symbolic link planted at outputs.state.new is not followed.
. "$(dirname "$0")/lib.sh"

RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
PIN_B="$PIN_DIR-b"
HOLDER=
EXTRA_CLEANUP='[ -n "$DAEMON_PID" ] && kill -CONT "$DAEMON_PID" 2>/dev/null; rm -rf "$PIN_B"
[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null && wait "$HOLDER" 2>/dev/null'

# The state directory's files and their sums, to see that B changed none.
state_sums() {
	(cd "$WORK/state" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

prog_id() { # IFACE
	lab_sink ip -j link show dev "$1" |
		"$PY" -c 'import json,sys; print(json.load(sys.stdin)[0].get("xdp", {}).get("prog", {}).get("id", "none"))'
}

lab_up "bsl$$"
lab_sink ip link add extra0 type veth peer name extra1 && lab_sink ip link set extra0 up &&
	lab_sink ip link set extra1 up || fail "cannot add a second interface"

# A partner: its positions are what outputs.state holds.
one_partner none

start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --interval 0.2 \
	--feed "$WORK/feed.jsonl" --partners "$WORK/partners.ini" || finish
syns 198.18.1.1 3
wait_lines "$WORK/feed.jsonl" 1 || fail "no record from A: $(cat "$WORK/daemon.err")"
wait_lines "$WORK/isp.jsonl" 1 || fail "no partner record from A"
expect_eq "botsink.pid holds A's pid" "$(cat "$WORK/state/botsink.pid")" "$DAEMON_PID"

# B, while A is stopped: A changes nothing meanwhile, and still holds its lock.
kill -STOP "$DAEMON_PID"
before=$(state_sums)
feed_before=$(sha256sum <"$WORK/feed.jsonl")
prog_a=$(prog_id sink0)
t0=$(date +%s%N)
timeout 10 nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i extra0 -r "$RULES" \
	--sinkhole "$SINKHOLE" --pin-dir "$PIN_B" --state-dir "$WORK/state" --anon none \
	--interval 0.2 --feed "$WORK/b.jsonl" --partners "$WORK/partners.ini" 2>"$WORK/b.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "second daemon on the state directory: exit status" "$rc" 1
[ "$ms" -lt 3000 ] && pass "it exits at once (${ms} ms)" || fail "it took ${ms} ms"
grep -qF "state directory $WORK/state is in use by botsink pid $DAEMON_PID (its lock on $WORK/state/botsink.pid)" \
	"$WORK/b.err" && pass "it names A's pid" || fail "B said: $(cat "$WORK/b.err")"
[ "$(state_sums)" = "$before" ] && [ "$(sha256sum <"$WORK/feed.jsonl")" = "$feed_before" ] &&
	pass "A's state files and feed, unchanged by B" ||
	fail "B changed A's files: $(diff <(echo "$before") <(state_sums))"
[ -e "$WORK/b.jsonl" ] && fail "B opened its feed"
[ -e "$PIN_B" ] && fail "B pinned maps under $PIN_B"
expect_eq "nothing attached to B's interface" "$(prog_id extra0)" none
expect_eq "A's program still attached" "$(prog_id sink0)" "$prog_a"
kill -CONT "$DAEMON_PID"

# A goes on draining: new records, each once.
syns 198.18.1.2 2
wait_lines "$WORK/feed.jsonl" 2 || fail "A drains no more after B"
kill -0 "$DAEMON_PID" 2>/dev/null && pass "A still runs" || fail "A is gone"

# A symbolic link at outputs.state.new: refused, its target untouched, the
# counts held until the positions can be saved, then written once.
echo precious >"$WORK/outside"
ln -s "$WORK/outside" "$WORK/state/outputs.state.new"
syns 198.18.1.3 4
wait_grep "$WORK/state/outputs.state.new is a symbolic link: not followed" "$WORK/daemon.err" &&
	pass "the link is refused, named" || fail "no error on the link: $(tail -n 5 "$WORK/daemon.err")"
expect_eq "the link's target is untouched" "$(cat "$WORK/outside")" precious
kill -0 "$DAEMON_PID" 2>/dev/null && pass "A still runs with the link there" || fail "A is gone"
rm "$WORK/state/outputs.state.new"
wait_lines "$WORK/feed.jsonl" 3 || fail "the held counts never came"
sleep 0.5
expect_eq "every count once in the feed" "$(feed_sums "$WORK/feed.jsonl" | tr '\n' ';')" \
	"198.18.1.1 1000001 3 162 3;198.18.1.2 1000001 2 108 2;198.18.1.3 1000001 4 216 4;"
expect_eq "and in the partner's file" "$(feed_sums "$WORK/isp.jsonl" | tr '\n' ';')" \
	"198.18.1.1 1000001 3 162 3;198.18.1.2 1000001 2 108 2;198.18.1.3 1000001 4 216 4;"
expect_eq "no record twice" "$(ids_twice "$WORK/feed.jsonl")" 0

# 0600: every file in the state directory.
expect_eq "state files not 0600" "$(cd "$WORK/state" && find . -type f ! -perm 0600 | sort | tr '\n' ' ')" ""
expect_eq "outputs.state mode" "$(stat -c %a "$WORK/state/outputs.state")" 600
stop_daemon TERM
expect_eq "A: exit status" "$?" 0
[ -e "$WORK/state/botsink.pid" ] && fail "the pid file stayed"

# The lock is free again: a next run on the directory starts.
: >"$WORK/daemon.err"
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --feed "$WORK/feed.jsonl" \
	--partners "$WORK/partners.ini" && pass "a next run takes the directory"
stop_daemon TERM
expect_eq "next run: exit status" "$?" 0

# botsink hub: the same rule on hub.pid, before any key is read. The
# holder here is a process with a POSIX lock on it, as a hub takes (for
# 20 s at most).
mkdir -m 0700 "$WORK/hub"
printf 'user = hub\npassword = x\n' >"$WORK/hub.creds"
chmod 0600 "$WORK/hub.creds"
"$PY" -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1] + "/hub.pid", os.O_RDWR | os.O_CREAT, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
open(sys.argv[1] + "/ready", "w").close()
time.sleep(20)' "$WORK/hub" &
HOLDER=$!
for _ in $(seq 50); do [ -e "$WORK/hub/ready" ] && break; sleep 0.1; done
[ -e "$WORK/hub/ready" ] || fail "the holder did not start"
timeout 10 "$BOTSINK" hub --nats tls://127.0.0.1:1 --auth "$WORK/hub.creds" \
	--state-dir "$WORK/hub" 2>"$WORK/hub.err"
expect_eq "second hub on the state directory: exit status" "$?" 1
grep -qF "state directory $WORK/hub is in use by botsink pid $HOLDER (its lock on $WORK/hub/hub.pid)" \
	"$WORK/hub.err" && pass "it names the holder's pid" || fail "the hub said: $(cat "$WORK/hub.err")"
[ -e "$WORK/hub/keys" ] && fail "the hub made its keys directory"
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null
HOLDER=
finish
