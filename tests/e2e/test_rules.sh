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
$WORK/bad.rules:4: keyword 'pcre' is not supported in XDP
$WORK/bad.rules: 1 rules, 2 errors: FAILED"

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

# botsink rules load: another file, now, through the running daemon; a bad
# file changes nothing; SIGHUP then reloads the loaded file.
cat >"$WORK/loaded.rules" <<'R'
alert tcp any any -> 203.0.113.10 80 (msg:"Kelihos check-in"; flags:S; sid:3000001; metadata:malware_family kelihos;)
R
out=$("$BOTSINK" rules load "$WORK/loaded.rules" --state-dir "$WORK/state")
expect_eq "rules load: exit status" "$?" 0
expect_eq "rules load: answer" "$out" "1 rules loaded from $WORK/loaded.rules"
# Several at once: one after the other, each answered.
for i in 1 2 3 4 5 6; do
	"$BOTSINK" rules load "$WORK/loaded.rules" --state-dir "$WORK/state" >"$WORK/load$i.out" 2>&1 &
	loads[i]=$!
done
rcs=""
for i in 1 2 3 4 5 6; do
	wait "${loads[i]}"
	rcs+="$? "
done
expect_eq "six rules load at once: each answered" "$rcs$(cat "$WORK"/load[1-6].out | sort | uniq -c | tr -s ' ')" \
	"0 0 0 0 0 0  6 1 rules loaded from $WORK/loaded.rules"
syns 3
"$BOTSINK" rules load "$WORK/bad.rules" --state-dir "$WORK/state" 2>"$WORK/load.err"
expect_eq "rules load (bad file): exit status" "$?" 2
expect_eq "rules load (bad file): errors" "$(cat "$WORK/load.err")" \
	"$WORK/bad.rules:3: protocol 'tls' is not supported (tcp, udp, ip, http, dns)
$WORK/bad.rules:4: keyword 'pcre' is not supported in XDP"
syns 1
kill -HUP "$DAEMON_PID"
for _ in $(seq 100); do
	grep -q "SIGHUP: reloading $WORK/loaded.rules" "$WORK/daemon.err" && break
	sleep 0.05
done
grep -q "SIGHUP: reloading $WORK/loaded.rules" "$WORK/daemon.err" &&
	pass "SIGHUP reloads the file rules load named" || fail "SIGHUP after rules load"
syns 1
"$BOTSINK" rules load "$WORK/loaded.rules" --state-dir "$WORK/nostate" 2>/dev/null
expect_eq "rules load without a daemon: exit status" "$?" 1
# A pid file no run holds a lock on (a run killed with SIGKILL left it):
# no signal goes to whatever process has that pid now.
mkdir -m 0700 "$WORK/stale" && echo $$ >"$WORK/stale/botsink.pid"
trap 'fail "rules load signalled an unrelated process"' HUP
"$BOTSINK" rules load "$WORK/loaded.rules" --state-dir "$WORK/stale" 2>/dev/null
expect_eq "rules load with a stale pid file: exit status" "$?" 1
trap - HUP
# A state directory others can write to is not trusted.
mkdir -m 0777 "$WORK/open" && chmod 0777 "$WORK/open"
"$BOTSINK" rules load "$WORK/loaded.rules" --state-dir "$WORK/open" 2>"$WORK/open.err"
expect_eq "rules load with an open state directory: exit status" "$?" 1
grep -q "no one else can write to" "$WORK/open.err" && pass "it says why" || fail "open.err: $(cat "$WORK/open.err")"
stop_daemon TERM
expect_eq "daemon exit status" "$?" 0
expect_eq "counts across the reloads" "$(feed_sums "$WORK/feed.jsonl" | tr '\n' ';')" \
	"198.18.1.1 1000001 5 270 5;198.18.1.1 2000001 4 216 4;198.18.1.1 3000001 5 270 5;"
[ -e "$WORK/state/botsink.pid" ] && fail "the pid file stayed" || pass "the pid file is gone"
grep -q '"sid":2000001.*"family":"citadel"\|"family":"citadel".*"sid":2000001' "$WORK/feed.jsonl" &&
	pass "records of the new rule carry its family" || fail "family of sid 2000001"

# botsink rules import on an ET-style file: usable rules out, the rest reported.
cat >"$WORK/et.rules" <<'R'
# emerging-trojan.rules (excerpt)
alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"ET TROJAN Gate Checkin"; flow:established,to_server; content:"POST"; http_method; content:"/gate.php"; http_uri; classtype:trojan-activity; sid:9000001; rev:1;)
#alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"ET TROJAN disabled"; content:"x"; sid:9000002; rev:1;)
alert tcp $HOME_NET any -> $EXTERNAL_NET 443 (msg:"ET TROJAN with pcre"; flow:established,to_server; content:"|00|ll|7c|"; pcre:"/^\d+\x00ll/"; sid:9000003; rev:1;)
alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:"ET TROJAN JA3"; ja3.hash; content:"abc"; sid:9000004; rev:1;)
R
"$BOTSINK" rules import --sinkhole $SINKHOLE "$WORK/et.rules" >"$WORK/imported.rules" 2>"$WORK/import.err"
expect_eq "import: exit status" "$?" 0
expect_eq "import: rules kept" "$(grep -c '^alert' "$WORK/imported.rules")" 1
expect_eq "import: report" "$(cat "$WORK/import.err")" \
	"$WORK/et.rules:4: keyword 'pcre' is not supported in XDP
$WORK/et.rules:5: protocol 'tls' is not supported (tcp, udp, ip, http, dns)
$WORK/et.rules: 1 imported whole, 0 partly, 0 left out, 2 skipped
$WORK/et.rules: not imported: 1 unsupported keyword
$WORK/et.rules: not imported: 1 unsupported protocol
$WORK/et.rules: imported 1 of 3 rules (2 skipped)"
# Without --sinkhole the space is the rules' own prefixes, as for run:
# a rule for $EXTERNAL_NET cannot be placed, and is left out.
"$BOTSINK" rules import "$WORK/et.rules" 2>&1 >/dev/null | grep -v "not supported" >"$WORK/import.err"
expect_eq "import without --sinkhole: report" "$(cat "$WORK/import.err")" \
	"$WORK/et.rules:2: sid 9000001: left out: destination 'any', a variable or a negation means the whole sinkhole space: give --sinkhole
$WORK/et.rules: nothing could be placed in the rules' own destination prefixes: give --sinkhole
$WORK/et.rules: 0 imported whole, 0 partly, 1 left out, 2 skipped
$WORK/et.rules: not imported: 1 destination any without --sinkhole
$WORK/et.rules: not imported: 1 unsupported keyword
$WORK/et.rules: not imported: 1 unsupported protocol
$WORK/et.rules: imported 0 of 3 rules (3 skipped)"
"$BOTSINK" rules import --lenient --sinkhole $SINKHOLE "$WORK/et.rules" >"$WORK/lenient.rules" 2>/dev/null
expect_eq "import --lenient: rules kept" "$(grep -c '^alert' "$WORK/lenient.rules")" 2
grep -q '^# botsink: sid 9000003: dropped pcre' "$WORK/lenient.rules" &&
	pass "import --lenient: the dropped keyword is noted" || fail "import --lenient note"
"$BOTSINK" rules check "$WORK/lenient.rules" --sinkhole $SINKHOLE >/dev/null
expect_eq "import --lenient: the output loads as it is" "$?" 0
# Hostile files: each refused at once, with exit 2 and a clear reason.
# check_refused NAME FILE MESSAGE: `rules check FILE` exits 2 within 5 s.
check_refused() {
	timeout 5 "$BOTSINK" rules check "$2" 2>"$WORK/hostile.err" >/dev/null
	expect_eq "rules check on $1: exit status (124: it hung)" "$?" 2
	expect_eq "rules check on $1: message" "$(cat "$WORK/hostile.err")" "$3"
}
mkfifo "$WORK/fifo"
check_refused "a FIFO" "$WORK/fifo" "botsink rules check: cannot read $WORK/fifo: is not a regular file"
check_refused "/dev/zero" /dev/zero "botsink rules check: cannot read /dev/zero: is not a regular file"
mkdir "$WORK/dir.rules"
check_refused "a directory" "$WORK/dir.rules" \
	"botsink rules check: cannot read $WORK/dir.rules: is a directory"
head -c $((64 * 1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$WORK/huge.rules"
check_refused "a file over the cap" "$WORK/huge.rules" \
	"botsink rules check: cannot read $WORK/huge.rules: larger than the cap of 64 MiB"
rm -f "$WORK/huge.rules"
{ head -1 "$WORK/good.rules"; printf 'alert\0tcp\n'; } >"$WORK/nul.rules"
check_refused "a NUL byte" "$WORK/nul.rules" "$WORK/nul.rules:2: NUL byte in column 6: a rules file is text
$WORK/nul.rules: 1 rules, 1 errors: FAILED"
timeout 5 "$BOTSINK" rules import "$WORK/fifo" >/dev/null 2>"$WORK/hostile.err"
expect_eq "rules import on a FIFO: exit status" "$?" 2
printf 'a.example\nb.exa\0mple\n' >"$WORK/nul.txt"
echo 'alert dns any any -> 203.0.113.53 53 (msg:"x"; domains:nul.txt; sid:7;)' >"$WORK/dns.rules"
check_refused "a domain list with a NUL byte" "$WORK/dns.rules" \
	"$WORK/dns.rules:1: sid 7: $WORK/nul.txt:2: NUL byte in column 6: a domain list is text
$WORK/dns.rules: 1 rules, 1 errors: FAILED"
echo 'alert dns any any -> 203.0.113.53 53 (msg:"x"; domains:/dev/zero; sid:8;)' >"$WORK/dns.rules"
check_refused "domains:/dev/zero" "$WORK/dns.rules" \
	"$WORK/dns.rules:1: sid 8: cannot read domain list /dev/zero: is not a regular file
$WORK/dns.rules: 1 rules, 1 errors: FAILED"
for i in $(seq 150); do echo bogus; done >"$WORK/many.rules"
"$BOTSINK" rules check "$WORK/many.rules" 2>"$WORK/hostile.err"
expect_eq "150 bad lines: 100 errors shown, then the rest counted" \
	"$(wc -l <"$WORK/hostile.err") $(tail -2 "$WORK/hostile.err" | tr '\n' ';')" \
	"102 $WORK/many.rules: ... and 50 more errors;$WORK/many.rules: 0 rules, 150 errors: FAILED;"

SAMPLES=${BOTSINK_SHARED:-$ROOT/../shared}/rules/public-checkin-samples.rules
if [ -f "$SAMPLES" ]; then
	"$BOTSINK" rules import --sinkhole $SINKHOLE "$SAMPLES" 2>&1 >/dev/null | tail -1 |
		grep -q "imported 22 of 24 rules (2 skipped)" &&
		pass "import: the public samples, 22 of 24" || fail "import of the public samples"
	"$BOTSINK" rules import --lenient --sinkhole $SINKHOLE "$SAMPLES" 2>&1 >/dev/null | tail -1 |
		grep -q "imported 24 of 24 rules (0 skipped)" &&
		pass "import --lenient: the public samples, 24 of 24" || fail "lenient import of the samples"
fi
finish
