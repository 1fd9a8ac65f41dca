#!/bin/bash
# Key rotation: records before and after a forced rotation carry different
# anon_key_id values and different pseudonyms for the same source; keys are
# 0600 files that say their mode, never shown by `botsink keys list` or in
# any log or record; a replaced key is deleted after --key-retention.
. "$(dirname "$0")/lib.sh"

RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
SOURCES="198.18.7.1 2001:db8:77::1"

send_checkins() {
	# shellcheck disable=SC2086 # a source a word
	echo "[$(to_sinkhole '"proto":"udp","dport":16001,"count":1' $SOURCES)]" | send_plan >/dev/null
	sleep 0.5
}

rotate() {
	"$BOTSINK" keys rotate --state-dir "$WORK/state" >>"$WORK/rotate.out" ||
		fail "botsink keys rotate: exit status $?"
	sleep 1.2 # a forced key is used from the next second
}

lab_up "bky$$"
start_daemon -v -r "$RULES" --sinkhole "$SINKHOLE" --interval 0.2 --key-rotate daily \
	--key-retention 2 --feed "$WORK/feed.jsonl" --anon ipcrypt-deterministic || finish
send_checkins
rotate
send_checkins
rotate
rotate
sleep 2.5 # the first two keys were replaced more than 2 s ago
send_checkins
stop_daemon TERM
expect_eq "daemon exit status" "$?" 0

# Per key id: the pseudonyms of the two sources; three keys, three different pairs.
"$PY" - "$WORK/feed.jsonl" <<'PYEOF' || fail "pseudonyms per key (see above)"
import json, sys
by_key = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    by_key.setdefault(r["anon_key_id"], set()).add(r["src_ip"])
bad = []
if len(by_key) != 3:
    bad.append(f"{len(by_key)} key ids in the feed, expected 3: {sorted(by_key)}")
for k, srcs in by_key.items():
    if len(srcs) != 2:
        bad.append(f"key {k}: {len(srcs)} pseudonyms for 2 sources")
seen = [p for srcs in by_key.values() for p in srcs]
if len(seen) != len(set(seen)):
    bad.append("a pseudonym repeats under another key")
for b in bad:
    print("  FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF

# The keys: 0600 files saying their mode; list shows ids, never material.
"$BOTSINK" keys list --state-dir "$WORK/state" >"$WORK/list.out"
expect_eq "keys list: exit status" "$?" 0
expect_eq "keys left after retention" "$(grep -c ipcrypt-deterministic "$WORK/list.out")" 2
for f in "$WORK"/state/keys/*.key; do
	expect_eq "mode of $(basename "$f")" "$(stat -c %a "$f")" 600
	read -r mode hex <"$f"
	expect_eq "mode named in $(basename "$f")" "$mode" ipcrypt-deterministic
	grep -qF "$hex" "$WORK/list.out" "$WORK/rotate.out" "$WORK/daemon.err" "$WORK/feed.jsonl" &&
		fail "the key of $(basename "$f") appears in an output or log"
done
ids=$(awk '{ print $2 }' "$WORK/rotate.out" | sort -u | wc -l)
expect_eq "key ids printed by keys rotate" "$ids" 3
leaked=
for s in $SOURCES; do
	grep -qwF "$s" "$WORK/feed.jsonl" "$WORK/daemon.err" && leaked+=" $s"
done
[ -z "$leaked" ] && pass "no raw source address in the feed or log" || fail "raw addresses:$leaked"

# --key is a key for good; a key file of the other mode is refused.
printf 'ipcrypt-pfx %s\n' 00112233445566778899aabbccddeeff0f1e2d3c4b5a69788796a5b4c3d2e1f0 >"$WORK/pfx.key"
chmod 600 "$WORK/pfx.key"
nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$RULES" --sinkhole "$SINKHOLE" \
	--pin-dir "$PIN_DIR" --state-dir "$WORK/state" --feed "$WORK/x.jsonl" \
	--anon ipcrypt-deterministic --key "$WORK/pfx.key" 2>"$WORK/err.txt"
expect_eq "a pfx key for ipcrypt-deterministic: exit status" "$?" 2
grep -q "pfx.key" "$WORK/err.txt" && pass "the error names the key file" || fail "$(cat "$WORK/err.txt")"
nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$RULES" --sinkhole "$SINKHOLE" \
	--pin-dir "$PIN_DIR" --state-dir "$WORK/state" --feed "$WORK/x.jsonl" \
	--key "$WORK/pfx.key" --key-rotate hourly 2>"$WORK/err.txt"
expect_eq "--key with --key-rotate: exit status" "$?" 2
finish
