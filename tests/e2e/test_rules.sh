#!/bin/bash
# Rule files on the command line and on SIGHUP: a file with any error is
# rejected whole with file:line: reason and exit 2 (nothing attached); a
# running daemon keeps its rules when the new file is bad, and swaps to a
# good one without losing a count.
. "$(dirname "$0")/lib.sh"

SINKHOLE=203.0.113.0/24
cat >"$WORK/good.rules" <<'R'
alert tcp any any -> 203.0.113.10 80 (msg:"Zeus gate check-in"; flags:S; sid:1000001; metadata:malware_family zeus;)
R
cat >"$WORK/bad.rules" <<'R'
# a comment, then a good rule, then two bad ones
alert tcp any any -> 203.0.113.10 80 (msg:"ok"; sid:1;)
alert tls any any -> 203.0.113.10 443 (msg:"x"; sid:2;)
alert tcp any any -> 203.0.113.10 80 (msg:"y"; content:"gate"; pcre:"/gate/"; sid:3;)
R
cat >"$WORK/new.rules" <<'R'
alert tcp any any -> 203.0.113.10 80 (msg:"Citadel check-in"; flags:S; sid:2000001; metadata:malware_family citadel;)
R

"$BOTSINK" rules check "$WORK/good.rules" --sinkhole $SINKHOLE >/dev/null
expect_eq "rules check (valid): exit status" "$?" 0
"$BOTSINK" rules check "$WORK/bad.rules" 2>"$WORK/check.err"
expect_eq "rules check (invalid): exit status" "$?" 2
expect_eq "rules check errors" "$(cat "$WORK/check.err")" \
	"$WORK/bad.rules:3: protocol 'tls' is not supported (tcp, udp, ip, http, dns)
$WORK/bad.rules:4: keyword 'pcre' is not supported in XDP"

lab_up "bsr$$"
timeout 20 nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$WORK/bad.rules" \
	--pin-dir "$PIN_DIR" --anon none --feed "$WORK/x.jsonl" 2>"$WORK/run.err"
expect_eq "run with a bad rules file: exit status" "$?" 2
grep -q "bad.rules:3: protocol 'tls'" "$WORK/run.err" && pass "run names file and line" ||
	fail "run stderr: $(cat "$WORK/run.err")"
lab_sink ip link show sink0 | grep -q xdp && fail "something was attached"
[ -e "$PIN_DIR/botsink_stats" ] && fail "pins were created"

cp "$WORK/good.rules" "$WORK/live.rules"
start_daemon -r "$WORK/live.rules" --sinkhole $SINKHOLE --anon none --interval 0.2 \
	--feed "$WORK/feed.jsonl" || finish
syns() {
	echo "[{\"src\":\"198.18.1.1\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":$1}]" |
		send_plan >/dev/null
}
# reload FILE PATTERN: SIGHUP with FILE in place, wait for PATTERN in the log.
reload() {
	cp "$1" "$WORK/live.rules"
	kill -HUP "$DAEMON_PID"
	for _ in $(seq 100); do
		grep -q "$2" "$WORK/daemon.err" && return 0
		sleep 0.05
	done
	fail "no '$2' after SIGHUP: $(cat "$WORK/daemon.err")"
}

syns 3
reload "$WORK/bad.rules" "keeping the running rules"
grep -q "live.rules:4: keyword 'pcre'" "$WORK/daemon.err" && pass "SIGHUP reports file:line" ||
	fail "no file:line for the bad reload"
syns 2
reload "$WORK/new.rules" "rules reloaded"
syns 4
sleep 0.3
# One rule set in the tables after the swap: the live half of the IPv4
# table leads 203.0.113.x somewhere, the other half (the old rule set) is empty.
v4_entry() { # RULESET: botsink_v4[RULESET << 16 | 0xcb00] (203.0/16), little-endian key
	bpftool -j map lookup pinned "$PIN_DIR/botsink_v4" key 0 $((0xcb)) "$1" 0 |
		"$PY" -c 'import json,sys; e=json.load(sys.stdin); print(e.get("formatted", e)["value"])'
}
expect_eq "live rule set" "$(bpftool -j map lookup pinned "$PIN_DIR/botsink_config" key 0 0 0 0 |
	"$PY" -c 'import json,sys; e=json.load(sys.stdin); print(e.get("formatted", e)["value"]["ruleset"])')" 0
[ "$(v4_entry 0)" != 0 ] && pass "the live half of botsink_v4 holds the sinkhole" ||
	fail "the live half of botsink_v4 is empty"
expect_eq "the old half of botsink_v4" "$(v4_entry 1)" 0
stop_daemon TERM
expect_eq "daemon exit status" "$?" 0
expect_eq "counts across the reloads" "$(feed_sums "$WORK/feed.jsonl" | tr '\n' ';')" \
	"198.18.1.1 1000001 5 270 5;198.18.1.1 2000001 4 216 4;"
grep -q '"sid":2000001.*"family":"citadel"\|"family":"citadel".*"sid":2000001' "$WORK/feed.jsonl" &&
	pass "records of the new rule carry its family" || fail "family of sid 2000001"
finish
