#!/bin/bash
# Anonymized modes: no raw source address leaves the process (feed, logs),
# ipcrypt-pfx pseudonyms equal an independent reference implementation,
# keys are generated 0600 and reused, bad key files are refused, truncate
# keeps only the configured prefix.
. "$(dirname "$0")/lib.sh"

RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
SOURCES="198.18.7.1 198.18.7.2 198.18.7.3 198.18.9.200 2001:db8:77::1 2001:db8:77:1::2"
KEY=00112233445566778899aabbccddeeff0f1e2d3c4b5a69788796a5b4c3d2e1f0

plan() {
	# shellcheck disable=SC2086 # a source a word
	echo "[$(to_sinkhole '"proto":"tcp","dport":80,"flags":"S","count":2' $SOURCES)]"
}

# run_once FEED ARGS...: start, send the plan, stop.
run_once() {
	local feed=$1
	shift
	start_daemon -v -r "$RULES" --sinkhole "$SINKHOLE" --interval 0.2 --feed "$feed" "$@" ||
		return 1
	plan | send_plan >/dev/null
	sleep 0.4
	stop_daemon TERM
}

no_raw_sources() {
	local s leaked=
	for s in $SOURCES; do
		grep -qwF "$s" "$1" && leaked+=" $s"
	done
	[ -z "$leaked" ] && pass "no raw source address in $2" || fail "raw addresses in $2:$leaked"
}

lab_up "bsp$$"

# ipcrypt-pfx with a key file.
printf '%s\n' "$KEY" >"$WORK/key"
chmod 600 "$WORK/key"
run_once "$WORK/pfx.jsonl" --key "$WORK/key"
expect_eq "daemon exit status (ipcrypt-pfx)" "$?" 0
no_raw_sources "$WORK/pfx.jsonl" "the feed"
no_raw_sources "$WORK/daemon.err" "the daemon's log (verbose)"
# shellcheck disable=SC2086
expected=$("$PY" "$ROOT/tests/e2e/ipcrypt_pfx_ref.py" $KEY $SOURCES | sort | tr '\n' ' ')
actual=$(feed_sums "$WORK/pfx.jsonl" | awk '{ print $1 }' | sort | tr '\n' ' ')
expect_eq "pseudonyms (reference implementation)" "$actual" "$expected"
expect_eq "records say ipcrypt-pfx" "$(grep -c '"anon_mode":"ipcrypt-pfx"' "$WORK/pfx.jsonl")" \
	"$(wc -l <"$WORK/pfx.jsonl")"

# A key file others can read is refused before anything starts.
chmod 644 "$WORK/key"
nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$RULES" --sinkhole "$SINKHOLE" \
	--key "$WORK/key" --pin-dir "$PIN_DIR" --state-dir "$WORK/state-refused" \
	--feed "$WORK/x.jsonl" 2>"$WORK/err.txt"
expect_eq "world-readable key: exit status" "$?" 2
grep -q "chmod 600" "$WORK/err.txt" && pass "it says how to fix it" || fail "$(cat "$WORK/err.txt")"
grep -qF "$KEY" "$WORK/err.txt" "$WORK/daemon.err" && fail "the key appears in a log"
[ -e "$PIN_DIR/botsink_stats" ] && fail "a refused start left pins"

# Without --key: generated in the state directory, 0600, reused next time.
: >"$WORK/daemon.err"
run_once "$WORK/gen1.jsonl"
run_once "$WORK/gen2.jsonl"
expect_eq "generated key file mode" "$(stat -c %a "$WORK"/state/keys/ipcrypt-pfx-*.key)" 600
expect_eq "same pseudonyms after a restart" \
	"$(feed_sums "$WORK/gen2.jsonl" | awk '{ print $1 }' | tr '\n' ' ')" \
	"$(feed_sums "$WORK/gen1.jsonl" | awk '{ print $1 }' | tr '\n' ' ')"
no_raw_sources "$WORK/gen1.jsonl" "the feed (generated key)"

# truncate: /16 and /32 kept, per-source counts still exact per record.
run_once "$WORK/trunc.jsonl" --anon truncate --truncate 16,32
no_raw_sources "$WORK/trunc.jsonl" "the truncated feed"
expect_eq "truncated sources" \
	"$("$PY" -c 'import json,sys; print(" ".join(sorted({json.loads(l)["src_ip"] for l in open(sys.argv[1])})))' "$WORK/trunc.jsonl")" \
	"198.18.0.0 2001:db8::"
expect_eq "packets under truncation" \
	"$("$PY" -c 'import json,sys; print(sum(json.loads(l)["packets"] for l in open(sys.argv[1])))' "$WORK/trunc.jsonl")" 12
finish
