#!/bin/bash
# Another local user (uid 65534) against a root daemon (issue 19), each
# attack failing:
# - a state directory whose parent that user can write: refused at start,
#   nothing created;
# - the running daemon's state directory swapped by that user (the parent
#   made writable after the start): their key, a link at outputs.state(.new)
#   and a forged spool in the new directory are never used; the daemon
#   goes on in the directory it holds, with its own key, and delivers its
#   own spool (a FIFO feed whose reader comes after the swap);
# - a feed path they made a symbolic link to a root-only file: refused,
#   the file untouched; a feed file or FIFO they made first: refused,
#   nothing written to it;
# - a FIFO, or a file of theirs, as --key: refused at once.
# A second daemon on the same state directory: test_state_lock.sh.
. "$(dirname "$0")/lib.sh"

RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
OTHER=65534

as_other() { setpriv --reuid="$OTHER" --regid="$OTHER" --clear-groups -- "$@"; }

udp() { # SRC
	echo "[{\"src\":\"$1\",\"dst\":\"203.0.113.10\",\"proto\":\"udp\",\"dport\":16001,\"count\":1}]" |
		send_plan >/dev/null
}

# run_bounded ARGS...: botsink run that must end by itself (refused), bounded.
run_bounded() {
	timeout 20 nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$RULES" \
		--sinkhole "$SINKHOLE" --pin-dir "$PIN_DIR" "$@" 2>"$WORK/err.txt"
}

command -v setpriv >/dev/null || {
	fail "setpriv (util-linux) is missing"
	finish
}
lab_up "bou$$"
chmod 755 "$WORK" # the other user may look in, as in /var/lib
printf 'root only\n' >"$WORK/secret"
chmod 600 "$WORK/secret"
secret_sum=$(sha256sum <"$WORK/secret")

# 1. A parent the other user can write: refused before anything is made.
mkdir -m 0777 "$WORK/open"
run_bounded --state-dir "$WORK/open/state" --feed "$WORK/open.jsonl"
expect_eq "state directory under a parent others can write: exit status" "$?" 2
grep -qF "state directory $WORK/open/state: its parent $WORK/open is not safe (owner uid 0, mode 0777)" \
	"$WORK/err.txt" && pass "the error names the parent and why" || fail "said: $(cat "$WORK/err.txt")"
[ -e "$WORK/open/state" ] && fail "the state directory was made there"
[ -e "$WORK/open.jsonl" ] && fail "the feed was opened"

# 2. The running daemon's state directory swapped by the other user. The
# feed is a FIFO with no reader yet: its records wait in the spool, read
# back only once a reader comes, after the swap.
one_partner truncate
mkfifo -m 600 "$WORK/feed.fifo"
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --interval 0.2 --anon ipcrypt-pfx \
	--feed "$WORK/feed.fifo" --partners "$WORK/partners.ini" || finish
udp 198.18.7.1
wait_lines "$WORK/isp.jsonl" 1 || fail "no first record: $(cat "$WORK/daemon.err")"
own_key=$("$BOTSINK" keys list --state-dir "$WORK/state" | awk '{ print $2 }')

chmod 0777 "$WORK" # the mistake the attack needs
as_other mv "$WORK/state" "$WORK/state.old" && pass "the other user could rename the state directory" ||
	fail "the attack could not even start: rename refused"
as_other mkdir -m 0700 "$WORK/state" "$WORK/state/keys"
as_other sh -c "printf 'ipcrypt-pfx %s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >'$WORK/state/keys/ipcrypt-pfx-0.key'; chmod 600 '$WORK/state/keys/ipcrypt-pfx-0.key'"
as_other ln -s "$WORK/secret" "$WORK/state/outputs.state.new"
as_other ln -s "$WORK/secret" "$WORK/state/outputs.state"
as_other sh -c "echo '{\"forged\":true}' >'$WORK/state/spool.jsonl'"
state_mtime=$(stat -c %y "$WORK/state.old/outputs.state" 2>/dev/null)
[ -n "$state_mtime" ] || fail "no outputs.state in the held directory before the swap's epochs"
udp 198.18.7.2
wait_lines "$WORK/isp.jsonl" 2 || fail "no partner record after the swap"
timeout 10 cat "$WORK/feed.fifo" >"$WORK/feed.jsonl" &
reader=$!
wait_lines "$WORK/feed.jsonl" 2 || fail "the spooled records did not reach the reader"
sleep 0.6 # a few more epochs, each a commit
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null
kill -0 "$DAEMON_PID" 2>/dev/null && pass "the daemon runs on" || fail "the daemon died"
expect_eq "records spooled and delivered" "$(wc -l <"$WORK/feed.jsonl")" 2
key_ids=$("$PY" -c 'import json,sys; print(" ".join(sorted({json.loads(l).get("anon_key_id") or "none" for l in open(sys.argv[1])})))' "$WORK/feed.jsonl")
[ -n "$own_key" ] && expect_eq "records after the swap: the daemon's own key" "$key_ids" "$own_key" ||
	fail "no key listed in the state directory"
grep -q forged "$WORK/feed.jsonl" && fail "the forged spool reached the feed"
expect_eq "the root-only file behind the links" "$(sha256sum <"$WORK/secret")" "$secret_sum"
now_mtime=$(stat -c %y "$WORK/state.old/outputs.state" 2>/dev/null)
[ -n "$now_mtime" ] && [ "$now_mtime" != "$state_mtime" ] &&
	pass "outputs.state still written in the directory the daemon holds" ||
	fail "outputs.state in the held directory was not written"
made=$(find "$WORK/state" -user 0 2>/dev/null)
[ -z "$made" ] && pass "nothing of the daemon's in the other user's directory" ||
	fail "the daemon wrote into the swapped-in directory: $made"
# A command naming the path now meets the other user's directory: refused.
lab_sink "$BOTSINK" rules load --state-dir "$WORK/state" "$RULES" >/dev/null 2>"$WORK/load.err"
expect_eq "rules load into the swapped-in directory: exit status" "$?" 1
grep -qF "state directory $WORK/state: its parent $WORK is not safe" "$WORK/load.err" &&
	pass "rules load names the unsafe parent" || fail "rules load said: $(cat "$WORK/load.err")"
stop_daemon TERM
expect_eq "the daemon's exit status" "$?" 0
chmod 0755 "$WORK"

# 3. A feed path the other user made a symbolic link to a root-only file.
mkdir -m 0777 "$WORK/drop"
as_other ln -s "$WORK/secret" "$WORK/drop/feed.jsonl"
run_bounded --state-dir "$WORK/state3" --feed "$WORK/drop/feed.jsonl"
expect_eq "a symbolic link as the feed: exit status" "$?" 2
grep -qF "$WORK/drop/feed.jsonl" "$WORK/err.txt" && grep -qi "symbolic link" "$WORK/err.txt" &&
	pass "the error names the link" || fail "said: $(cat "$WORK/err.txt")"
expect_eq "the link's target" "$(sha256sum <"$WORK/secret")" "$secret_sum"

# 4. A FIFO, or a key file of theirs, as --key: refused at once.
as_other mkfifo -m 600 "$WORK/drop/fifo.key"
t0=$(date +%s%N)
run_bounded --state-dir "$WORK/state4" --feed "$WORK/x.jsonl" --key "$WORK/drop/fifo.key"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "their FIFO as --key: exit status" "$rc" 2
[ "$ms" -lt 5000 ] && pass "refused at once (${ms} ms)" || fail "it took ${ms} ms"
grep -qF "key file $WORK/drop/fifo.key: not a regular file (a FIFO)" "$WORK/err.txt" &&
	pass "the error names the FIFO" || fail "said: $(cat "$WORK/err.txt")"
as_other sh -c "printf 'ipcrypt-pfx %s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >'$WORK/drop/their.key'; chmod 600 '$WORK/drop/their.key'"
run_bounded --state-dir "$WORK/state4" --feed "$WORK/x.jsonl" --key "$WORK/drop/their.key"
expect_eq "their key file as --key: exit status" "$?" 2
grep -qF "key file $WORK/drop/their.key: owned by uid $OTHER, not by root or this user" \
	"$WORK/err.txt" && pass "the error names the owner" || fail "said: $(cat "$WORK/err.txt")"
[ -e "$WORK/x.jsonl" ] && fail "a feed was opened with a refused key"

finish
