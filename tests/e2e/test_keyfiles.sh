#!/bin/bash
# Key files as found (issue 19): a --key file that is a FIFO, a symbolic
# link, owned by another user or group-writable is refused at once, the
# error naming the file and why; a stray copy in keys/ holds the records
# (fail closed), named with its reason once, not every interval (nor is
# the spool's hold), and the held counts come out once it is moved away.
. "$(dirname "$0")/lib.sh"

RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
PLAN='[{"src":"198.18.7.1","dst":"203.0.113.10","proto":"udp","dport":16001,"count":1}]'

lab_up "bkf$$"

# run_key FILE: botsink run with --key FILE, bounded (a FIFO must not block).
run_key() {
	timeout 20 nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$RULES" \
		--sinkhole "$SINKHOLE" --pin-dir "$PIN_DIR" --state-dir "$WORK/state" \
		--feed "$WORK/x.jsonl" --key "$1" 2>"$WORK/err.txt"
}

# refused WHAT FILE REASON: run refuses --key FILE with exit 2, naming it and REASON.
refused() {
	run_key "$2"
	expect_eq "$1: exit status" "$?" 2
	grep -qF "key file $2: $3" "$WORK/err.txt" && pass "$1: the error names the file and why" ||
		fail "$1: $(cat "$WORK/err.txt")"
}

printf 'ipcrypt-pfx %s\n' 00112233445566778899aabbccddeeff0f1e2d3c4b5a69788796a5b4c3d2e1f0 >"$WORK/pfx.key"
chmod 600 "$WORK/pfx.key"
mkfifo -m 600 "$WORK/fifo.key"
start=$(date +%s%N)
refused "a FIFO" "$WORK/fifo.key" "not a regular file (a FIFO)"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 5000 ] && pass "a FIFO is refused at once (${ms} ms)" || fail "a FIFO took ${ms} ms"
ln -s "$WORK/pfx.key" "$WORK/link.key"
refused "a symbolic link" "$WORK/link.key" "a symbolic link"
cp -p "$WORK/pfx.key" "$WORK/other.key"
chown 65534 "$WORK/other.key"
refused "another user's file" "$WORK/other.key" "owned by uid 65534, not by root or this user"
cp -p "$WORK/pfx.key" "$WORK/gw.key"
chmod 620 "$WORK/gw.key"
refused "a group-writable file" "$WORK/gw.key" "group or others have access (mode 0620)"

# A valid key still works.
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --interval 0.2 --feed "$WORK/fixed.jsonl" \
	--key "$WORK/pfx.key" || finish
echo "$PLAN" | send_plan >/dev/null
sleep 0.8
stop_daemon TERM
expect_eq "a valid --key: exit status" "$?" 0
expect_eq "a valid --key: records" "$(wc -l <"$WORK/fixed.jsonl")" 1

# A stray copy in keys/: records held, the copy named once, then delivered.
rm -rf "$WORK/state"
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --interval 0.2 --feed "$WORK/feed.jsonl" \
	--anon ipcrypt-pfx || finish
echo "$PLAN" | send_plan >/dev/null
sleep 0.8
expect_eq "records before the copy" "$(wc -l <"$WORK/feed.jsonl")" 1
key=$(ls "$WORK/state/keys")
copy="$WORK/state/keys/${key%.key} (copy).key"
cp -p "$WORK/state/keys/$key" "$copy"
echo "$PLAN" | send_plan >/dev/null
sleep 2 # ten intervals
expect_eq "records while the copy is there" "$(wc -l <"$WORK/feed.jsonl")" 1
why="key file $copy: not a key file name (expected ipcrypt-pfx-START.key, START in Unix seconds)"
expect_eq "errors naming the copy and why" "$(grep -cF "$why" "$WORK/daemon.err")" 1
expect_eq "spool errors while the copy is there" \
	"$(grep -c "Required key not available; counts wait in the kernel maps" "$WORK/daemon.err")" 1
grep -q "Input/output error" "$WORK/daemon.err" && fail "an error says only Input/output error"
mv "$copy" "$WORK/"
sleep 1
expect_eq "records once the copy is gone" "$(wc -l <"$WORK/feed.jsonl")" 2
grep -q "counts no longer wait in the kernel maps" "$WORK/daemon.err" &&
	pass "the end of the hold is said" || fail "$(cat "$WORK/daemon.err")"
stop_daemon TERM
expect_eq "daemon exit status" "$?" 0
finish
