#!/bin/bash
# The feed file on a full filesystem (a 16 KiB tmpfs): the daemon keeps the
# counts it cannot write, in the spool in its state directory (a statistic
# of botsink status), never leaves a partial line behind (a failed batch is
# cut off again), and once there is room writes everything held, so the
# file ends with exactly what was sent. Then again with a spool too small
# (--spool-max 2K): the counts wait in the kernel maps instead.
. "$(dirname "$0")/lib.sh"

SINKHOLE=203.0.113.0/24,2001:db8:5::/48
mkdir "$WORK/small"
mount -t tmpfs -o size=16k,mode=0700 tmpfs "$WORK/small" || { fail "cannot mount a tmpfs"; finish; }
EXTRA_CLEANUP='umount "$WORK/small" 2>/dev/null'
lab_up "bsz$$"

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

# start_small [DAEMON OPTIONS]: a daemon writing to an empty feed on the
# 16 KiB filesystem.
start_small() {
	rm -f "$WORK/small/feed.jsonl"
	mount -o remount,size=16k "$WORK/small"
	: >"$WORK/daemon.err"
	start_daemon -r "$ROOT/tests/e2e/lab.rules" --sinkhole "$SINKHOLE" --anon none \
		--interval 0.2 --feed "$WORK/small/feed.jsonl" "$@" || finish
}

# send_waves NET FIRST LAST [COUNT]: waves of 30 sources NET.WAVE.I, 0.3 s
# apart, each sending COUNT SYNs (default: 1 to 4 by source); EXPECTED gets
# a "source packets" line per source.
send_waves() {
	local net=$1 wave i n plan
	EXPECTED=""
	for wave in $(seq "$2" "$3"); do
		plan=""
		for i in $(seq 1 30); do
			n=${4:-$((i % 4 + 1))}
			plan+="{\"src\":\"$net.$wave.$i\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":$n},"
			EXPECTED+="$net.$wave.$i $n"$'\n'
		done
		echo "[${plan%,}]" | send_plan >/dev/null
		sleep 0.3
	done
}

# fill_and_recover NAME SUBNET [DAEMON OPTIONS]: one round against a full
# filesystem. The spool's part is checked by the caller.
fill_and_recover() {
	local name=$1 subnet=$2
	shift 2
	start_small "$@"
	send_waves "198.$subnet" 1 4
	for _ in $(seq 50); do
		grep -q "until it can be written" "$WORK/daemon.err" && break
		sleep 0.1
	done
	grep -q "until it can be written" "$WORK/daemon.err" &&
		pass "$name: the full filesystem is noticed" || fail "$name: no full filesystem: $(cat "$WORK/daemon.err")"
	whole_lines "$WORK/small/feed.jsonl" && pass "$name: while full, only whole lines in the file" ||
		fail "$name: while full, a partial line"
	[ "$(wc -l <"$WORK/small/feed.jsonl")" -lt 120 ] && pass "$name: while full, not everything written yet" ||
		fail "$name: the filesystem never filled"
	SPOOLED=$(lab_sink "$BOTSINK" status --pin-dir "$PIN_DIR" | sed -n 's/.*spool \([0-9]*\) bytes.*/\1/p')

	mount -o remount,size=4m "$WORK/small"
	for _ in $(seq 50); do
		grep -q "writable again" "$WORK/daemon.err" && break
		sleep 0.1
	done
	grep -q "writable again" "$WORK/daemon.err" && pass "$name: room again, the held records go out" ||
		fail "$name: the feed never recovered"
	stop_daemon TERM
	expect_eq "$name: daemon exit status" "$?" 0
	whole_lines "$WORK/small/feed.jsonl" && pass "$name: only whole lines in the end" || fail "$name: a partial line"
	expect_eq "$name: packets per source, exactly what was sent" \
		"$(feed_sums "$WORK/small/feed.jsonl" | awk '{ print $1, $3 }' | sort)" \
		"$(printf '%s' "$EXPECTED" | sort)"
	expect_eq "$name: epochs in order" \
		"$("$PY" -c 'import json,sys
e=[int(json.loads(l)["record_id"].split(":")[2]) for l in open(sys.argv[1])]
print(e == sorted(e))' "$WORK/small/feed.jsonl")" True
}

fill_and_recover spool 18
[ "${SPOOLED:-0}" -gt 0 ] && pass "spool: status shows $SPOOLED bytes waiting" ||
	fail "spool: nothing spooled while the feed was full"
grep -q "wait in spool" "$WORK/daemon.err" && grep -q "delivered to feed" "$WORK/daemon.err" &&
	pass "spool: epochs spooled, then delivered" || fail "$(cat "$WORK/daemon.err")"
[ -s "$WORK/state/spool.jsonl" ] && fail "spool: not emptied after delivery"

# Room for about one wave: the next waits in the kernel, and the spool
# still goes out first once the feed takes writes.
fill_and_recover "small spool" 19 --spool-max 20K
grep -q "spool .* full (20480 bytes): counts wait in the kernel maps" "$WORK/daemon.err" &&
	pass "small spool: full, the counts wait in the kernel" || fail "$(cat "$WORK/daemon.err")"

# Spooled records outlive the daemon: stopped while the feed is full, it
# keeps its pins (exit 1); and with the pins gone too (a reboot), the next
# run delivers the spool it finds.
start_small
send_waves 198.19 11 13 2
stop_daemon TERM
expect_eq "stopped with records spooled: exit status" "$?" 1
grep -q "are kept in the maps pinned under" "$WORK/daemon.err" && pass "it says they are kept" ||
	fail "$(cat "$WORK/daemon.err")"
[ -s "$WORK/state/spool.jsonl" ] && pass "the spool holds them" || fail "the spool is empty"
rm -rf "$PIN_DIR" # as a reboot would
mount -o remount,size=4m "$WORK/small"
start_daemon -r "$ROOT/tests/e2e/lab.rules" --sinkhole "$SINKHOLE" --anon none \
	--interval 0.2 --feed "$WORK/small/feed.jsonl" || finish
for _ in $(seq 30); do grep -q "delivered to feed" "$WORK/daemon.err" && break; sleep 0.1; done
stop_daemon TERM
expect_eq "after a reboot: exit status" "$?" 0
grep -q "holds [0-9]* bytes from an earlier run: delivering them first" "$WORK/daemon.err" &&
	pass "after a reboot: the spool found and delivered" || fail "$(cat "$WORK/daemon.err")"
expect_eq "after a reboot: packets per source, exactly what was sent" \
	"$(feed_sums "$WORK/small/feed.jsonl" | awk '{ print $1, $3 }' | sort)" \
	"$(printf '%s' "$EXPECTED" | sort)"
finish
