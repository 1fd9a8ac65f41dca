#!/bin/bash
# What goes wrong around the daemon: a feed pipe that closes, a second
# daemon on the same maps, a daemon killed with SIGKILL (also between
# writing an epoch and committing it), a slow reader on the feed pipe. No
# count is lost or doubled in any of them.
. "$(dirname "$0")/lib.sh"

RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
EXTRA_CLEANUP='lab_sink ip link set dev sink0 xdp off 2>/dev/null'

lab_up "bsf$$"

# 1. The feed is a pipe whose reader goes away after one record: the daemon
# stops (exit 1) instead of dying of SIGPIPE, detaches, and keeps what it
# could not write in the pinned maps; the next run writes it.
nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$RULES" --sinkhole "$SINKHOLE" \
	--pin-dir "$PIN_DIR" --state-dir "$WORK/state" --anon none --interval 0.3 --feed - \
	2>"$WORK/pipe.err" |
	head -n 1 >"$WORK/pipe.jsonl" &
PIPE_JOB=$!
for _ in $(seq 100); do grep -q "counting on" "$WORK/pipe.err" && break; sleep 0.05; done
# One SYN each: on a loaded machine a batch can straddle a drain; the daemon
# would then stop at its second record, before the rest of the SYNs arrive.
syns 198.18.1.1 1
sleep 0.8 # drained and read by head, which exits
syns 198.18.1.2 1
for _ in $(seq 100); do kill -0 $PIPE_JOB 2>/dev/null || break; sleep 0.1; done
wait $PIPE_JOB
rc=${PIPESTATUS[0]}
grep -q "stopping" "$WORK/pipe.err" && pass "a closed feed pipe stops the daemon" ||
	fail "no stop on a closed pipe: $(cat "$WORK/pipe.err")"
grep -q "are kept in the maps pinned under" "$WORK/pipe.err" &&
	pass "the unwritten counts are kept in the pinned maps" || fail "$(cat "$WORK/pipe.err")"
lab_sink ip link show sink0 | grep -q "prog/xdp" && fail "XDP still attached after the stop"
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --interval 0.2 \
	--feed "$WORK/after.jsonl" || finish
sleep 0.5
stop_daemon TERM
expect_eq "next run: exit status" "$?" 0
cat "$WORK/pipe.jsonl" >>"$WORK/after.jsonl"
expect_eq "the pipe's record and the kept counts, once each" \
	"$(feed_sums "$WORK/after.jsonl" | tr '\n' ';')" \
	"198.18.1.1 1000001 1 54 1;198.18.1.2 1000001 1 54 1;"
[ -e "$PIN_DIR/botsink_stats" ] && fail "the next run left the pins"

# 2. One run per set of maps: a second daemon on the same pin directory is
# refused before it changes anything (its own state directory: one run per
# state directory is test_state_lock's).
: >"$WORK/daemon.err"
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --feed "$WORK/one.jsonl" || finish
nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$RULES" --sinkhole "$SINKHOLE" \
	--pin-dir "$PIN_DIR" --state-dir "$WORK/two-state" --anon none --verdict drop \
	--feed "$WORK/two.jsonl" 2>"$WORK/two.err"
expect_eq "second daemon on the same maps: exit status" "$?" 1
grep -q "another botsink run is using the maps under $PIN_DIR" "$WORK/two.err" &&
	pass "it says why" || fail "$(cat "$WORK/two.err")"
expect_eq "the first daemon's verdict is untouched" \
	"$(lab_sink "$BOTSINK" status --pin-dir "$PIN_DIR" | grep -o 'verdict [a-z]*')" "verdict pass"
stop_daemon TERM
expect_eq "first daemon: exit status" "$?" 0

# 3. SIGKILL while bots send: the program keeps counting into the pinned
# maps, and the next run takes it over in one atomic replace (no moment
# without XDP), then writes everything counted meanwhile, once.
: >"$WORK/daemon.err"
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --interval 0.1 \
	--feed "$WORK/kill.jsonl" || finish
old_prog=$(lab_sink ip -j link show dev sink0 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
plan="["
for i in $(seq 1 40); do plan+="{\"src\":\"198.18.3.$i\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":25},"; done
plan="${plan%,}]"
echo "$plan" | send_plan --pps 500 >/dev/null & # 2 s of SYNs
SENDER=$!
sleep 0.7
stop_daemon KILL
kill -0 $SENDER 2>/dev/null && pass "killed while the bots send" || fail "the bots were done before the kill"
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --interval 0.1 \
	--feed "$WORK/kill.jsonl" || finish
kill -0 $SENDER 2>/dev/null && pass "taken over while the bots send" ||
	fail "the bots were done before the takeover"
wait $SENDER
grep -q "took over the botsink program (id $old_prog)" "$WORK/daemon.err" &&
	pass "the restart takes the running program over" || fail "$(cat "$WORK/daemon.err")"
new_prog=$(lab_sink ip -j link show dev sink0 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
[ "$new_prog" != "$old_prog" ] && pass "by its own program" || fail "program $new_prog still attached"
sleep 0.4
stop_daemon TERM
expect_eq "after the takeover: exit status" "$?" 0
expect_eq "every SYN across SIGKILL, once" \
	"$(feed_sums "$WORK/kill.jsonl" | awk '{ n++; p += $3; if ($3 != 25) bad++ } END { print n, p, bad + 0 }')" \
	"40 1000 0"
expect_eq "no record id twice" \
	"$(ids_twice "$WORK/kill.jsonl")" 0
[ -e "$PIN_DIR/botsink_stats" ] && fail "pins left after a clean exit"

# 4. A crash after an epoch's records are in the feed but before they are
# committed: the next run cuts the file back and writes the epoch again,
# the same records in the same order (the generation reads the same).
: >"$WORK/daemon.err"
BOTSINK_FAILPOINT=after-write start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none \
	--interval 0.2 --feed "$WORK/crash.jsonl" || finish
plan="["
for i in $(seq 1 40); do plan+="{\"src\":\"198.18.4.$i\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":$((i % 3 + 1))},"; done
echo "${plan%,}]" | send_plan >/dev/null
for _ in $(seq 50); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
stop_daemon KILL
[ -s "$WORK/crash.jsonl" ] && pass "the crashed run wrote its uncommitted epoch" ||
	fail "nothing written before the crash"
cp "$WORK/crash.jsonl" "$WORK/crash-before.jsonl"
syns 198.18.4.2 1 # counted by the orphaned program
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --interval 0.2 \
	--feed "$WORK/crash.jsonl" || finish
sleep 0.5
stop_daemon TERM
expect_eq "after the crash: exit status" "$?" 0
grep -q "did not finish writing to feed $WORK/crash.jsonl: cutting it back to 0 bytes; its epoch is written again" "$WORK/daemon.err" &&
	pass "the restart cuts the uncommitted epoch off" || fail "$(cat "$WORK/daemon.err")"
expect_eq "the epoch written again: the same records, ids and order" \
	"$(head -n "$(wc -l <"$WORK/crash-before.jsonl")" "$WORK/crash.jsonl" | md5sum)" \
	"$(md5sum <"$WORK/crash-before.jsonl")"
expect_eq "totals across the crash, once each (sources, packets, 198.18.4.2's)" \
	"$(feed_sums "$WORK/crash.jsonl" | awk '{ n++; p += $3 } $1 == "198.18.4.2" { two = $3 } END { print n, p, two }')" \
	"40 81 4"
# 5. A slow reader on the feed pipe: it reads nothing for 3 s while more
# records come than the pipe holds. The daemon does not block: the epochs
# wait in the spool, whole, and reach the reader in order once it reads.
# The daemon grows the pipe (pipe-max-size); the reader shrinks it back to
# 64 KiB, so that 250 records overflow it.
slow_reader() { # ERR READY
	"$PY" -c '
import fcntl, shutil, sys, time
err, ready = sys.argv[1], sys.argv[2]
for _ in range(200):
    if "counting on" in open(err).read():
        break
    time.sleep(0.05)
grown = fcntl.fcntl(0, 1032)  # F_GETPIPE_SZ
fcntl.fcntl(0, 1031, 65536)  # F_SETPIPE_SZ
open(ready, "w").write(str(grown))
time.sleep(3)
shutil.copyfileobj(sys.stdin.buffer, sys.stdout.buffer)' "$@"
}
nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$RULES" --sinkhole "$SINKHOLE" \
	--pin-dir "$PIN_DIR" --state-dir "$WORK/state" --anon none --interval 0.2 --feed - \
	2>"$WORK/slow.err" | slow_reader "$WORK/slow.err" "$WORK/slow.ready" >"$WORK/slow.jsonl" &
SLOW_JOB=$!
for _ in $(seq 100); do [ -s "$WORK/slow.ready" ] && break; sleep 0.05; done
expect_eq "the daemon grows its feed pipe" "$(cat "$WORK/slow.ready")" \
	"$(cat /proc/sys/fs/pipe-max-size)"
plan="["
for i in $(seq 1 250); do plan+="{\"src\":\"198.18.$((50 + i / 200)).$((i % 200 + 1))\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":1},"; done
echo "${plan%,}]" | send_plan >/dev/null
for _ in $(seq 30); do grep -q "wait in spool" "$WORK/slow.err" && break; sleep 0.1; done
grep -q "wait in spool" "$WORK/slow.err" && pass "a full pipe: epochs go to the spool" ||
	fail "no spooling: $(cat "$WORK/slow.err")"
for _ in $(seq 60); do grep -q "delivered to feed" "$WORK/slow.err" && break; sleep 0.1; done
grep -q "delivered to feed" "$WORK/slow.err" && pass "the reader reads: the spool goes out" ||
	fail "spool never delivered: $(cat "$WORK/slow.err")"
syns 198.18.60.1 3
sleep 0.5
pkill -TERM -f -- "--pin-dir $PIN_DIR --state-dir $WORK/state --anon none --interval 0.2 --feed -"
wait $SLOW_JOB
expect_eq "slow reader: every SYN once, whole lines, in order" \
	"$("$PY" - "$WORK/slow.jsonl" <<'PYEOF'
import json, sys
from collections import defaultdict
lines = open(sys.argv[1]).read()
assert lines.endswith("\n")
sums, ids, epochs = defaultdict(int), set(), []
for line in lines.splitlines():
    r = json.loads(line)
    sums[r["src_ip"]] += r["packets"]
    ids.add(r["record_id"])
    epochs.append(int(r["record_id"].split(":")[2]))
print(len(sums), sum(sums.values()), len(ids) == len(lines.splitlines()), epochs == sorted(epochs))
PYEOF
)" "251 253 True True"
finish
