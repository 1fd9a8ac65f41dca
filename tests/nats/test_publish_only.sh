#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A sensor with no feed of its own: botsink run --feed none --publish, and
# a partners file whose one partner ("all", every address, anon none)
# writes a local file, the ground truth. A hub makes the public view (anon
# none) on a one-node TLS cluster; the public reader pulls it.
# Three more partners, each in the sensor's partners file with a local
# output and in the hub's without one, both enriched by the same
# databases: their views on the bus are byte for byte the sensor's files
# (shadowserver-csv and intelmq with the AS and country, scoped by AS,
# truncated addresses; one verified-only, which these SYNs never are).
# Then the sensor's credentials stop being valid while it runs (its user
# renamed in the node's configuration, the node reloaded): it warns, counts
# on and spools, and its local partner file goes on. With its user back,
# the spool goes out in order, and the public view holds every check-in
# sent, exactly once. The same with its subject taken out of its
# permissions, then given back. Last, the sensor killed mid-publish (the first
# message of an epoch of two stored): restarted, it sends only what the
# stream lacks. One started while the node is down, past the stream's
# (shortened) duplicate window: it asks what the stream holds at its first
# connection, and sends none of it again. And an epoch partly stored by a
# full stream (not a prefix), the rest taken past the window, once while
# the sensor runs and once across a restart (publish.stored). Last, the
# node restarted with a certificate of a CA the sensor does not trust.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../../scripts/lab.sh
. "$ROOT/scripts/lab.sh"

PY=/usr/bin/python3
RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
SINK_NS= BOTS_NS= SENSOR_PID= HUB_PID=

cleanup_all() {
	kill_reap "$SENSOR_PID" "$HUB_PID"
	[ -n "$SINK_NS" ] && ip netns del "$SINK_NS" 2>/dev/null
	[ -n "$BOTS_NS" ] && ip netns del "$BOTS_NS" 2>/dev/null
	rm -rf "/sys/fs/bpf/botsink-test-$$"
}
EXTRA_CLEANUP=cleanup_all

MMDB="$ROOT/tests/gen/make_mmdb.pl"
perl "$MMDB" asn "$WORK/asn.mmdb" 198.18.10.0/24=64500:"Alpha Net" 198.18.20.0/24=64501:"Beta Net" &&
	perl "$MMDB" country "$WORK/geo.mmdb" 198.18.10.0/24=NL 198.18.20.0/24=DE ||
	{ fail "make_mmdb.pl"; finish; }
ENRICH=(--mmdb-asn "$WORK/asn.mmdb" --mmdb-geo "$WORK/geo.mmdb")
# The views compared with the hub's, in the sensor's partners file. They
# show no evidence: the sensor publishes it (counts lines of version C2
# through every fault below), but an epoch a killed sensor writes again
# comes without the samples the dead process held, while the bus keeps
# the first publication (test_bus_evidence checks evidence on the bus).
VIEWS="csv im ver"
{
	raw_partner all "0.0.0.0/0, ::/0" "$WORK/all.jsonl"
	printf '\n[csv]\nscope = AS64501\nanon = truncate\nformat = shadowserver-csv\nverified_only = no\nevidence = none\noutput = %s/csv\n' "$WORK"
	printf '\n[im]\nscope = 198.18.10.0/24\nanon = truncate\nformat = intelmq\nverified_only = no\nevidence = none\noutput = %s/im\n' "$WORK"
	printf '\n[ver]\nscope = 198.18.0.0/16\nanon = none\nevidence = none\noutput = %s/ver\n' "$WORK"
} >"$WORK/partners.ini"
grep -v '^output' "$WORK/partners.ini" >"$WORK/hub-partners.ini"

# truth: the sensor's local partner file, in records.
truth() { wc -l <"$WORK/all.jsonl" 2>/dev/null || echo 0; }
# pull_public: what the public reader gets now, appended.
pull_public() {
	in_bus "$BOTSINK" pull --nats "$NATS_URLS" --auth "$CREDS/public.creds" --ca "$CA" \
		--idle 1 >>"$WORK/public.jsonl" 2>>"$WORK/pull.log"
}
# check PHASE CHECKINS: the local file settles and holds CHECKINS check-ins;
# then the public view is exactly it (each record once), within 30 s.
check() {
	local before=-1 end=$((SECONDS + 30)) out got
	while [ "$(truth)" != "$before" ]; do
		before=$(truth)
		sleep 1
	done
	got=$("$PY" -c 'import json, sys
print(sum(json.loads(l)["checkins"] for l in open(sys.argv[1])))' "$WORK/all.jsonl")
	expect_eq "$1: check-ins in the sensor's partner file" "$got" "$2"
	until pull_public && out=$($PY "$ROOT/tests/nats/check_views.py" public "$WORK/public.jsonl" \
		"$WORK/all.jsonl") || [ $SECONDS -ge $end ]; do
		sleep 1
	done
	[ -n "$out" ] && [ $SECONDS -lt $end ] && pass "$1: $out" || fail "$1: $out"
}
# node_users NAME: the node's configuration with sensor-a's user named NAME
# (sensor-a or sensor-off), reloaded.
node_users() {
	sed -i "s/user: \"sensor-\(a\|off\)\"/user: \"$1\"/" "$NATS_DIR/node-1.conf"
	grep -q "user: \"$1\"" "$NATS_DIR/node-1.conf" || fail "no user $1 in node-1.conf"
	kill -HUP "${NODE_PIDS[1]}"
}

# stream_field STREAM PART FIELD: a stream's state or config field, from node 1.
stream_field() {
	jsz 1 'accounts=true&streams=true&config=true' | "$PY" -c 'import json, sys
def walk(o):
    if isinstance(o, dict):
        if o.get("name") == sys.argv[1] and sys.argv[2] in o:
            print(o[sys.argv[2]][sys.argv[3]]); sys.exit(0)
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(json.load(sys.stdin))' "$@"
}
# counts_stream FIELD: BOTSINK_COUNTS' state (messages, bytes).
counts_stream() { stream_field BOTSINK_COUNTS state "$1"; }

one_sensor_cluster "bpo$$" "$WORK/partners.ini"

# nsenter itself (it execs): $! is the hub.
nsenter --net="/run/netns/$BUS_NS" "$BOTSINK" hub --nats "$NATS_URLS" --auth "$CREDS/hub.creds" \
	--ca "$CA" --anon none --state-dir "$WORK/hub" --replicas 1 --partners "$WORK/hub-partners.ini" \
	"${ENRICH[@]}" 2>>"$WORK/hub.log" &
HUB_PID=$!
for _ in $(seq 100); do grep -q "views" "$WORK/hub.log" && break; sleep 0.1; done
grep -q "views" "$WORK/hub.log" || { fail "the hub did not start: $(cat "$WORK/hub.log")"; finish; }

# spooling WHILE: the sensor's epochs reach its spool (within 15 s) while
# WHILE, and it counts on.
spooling() {
	for _ in $(seq 30); do
		read -r _ _ _ _ _ _ spool _ <"$WORK/state/publish.status"
		[ "${spool:-0}" -gt 0 ] && break
		sleep 0.5
	done
	[ "${spool:-0}" -gt 0 ] && pass "the epochs wait in the spool while $1 ($spool bytes)" ||
		fail "the spool is empty while $1: $(cat "$WORK/state/publish.status")"
	kill -0 "$SENSOR_PID" 2>/dev/null && pass "the sensor counts on" ||
		fail "the sensor died: $(tail -n 3 "$WORK/sensor.log")"
}
# sensor_start INTERVAL [VAR=VALUE...]: the sensor, its environment with VARs.
sensor_start() {
	local interval=$1 n
	shift
	n=$(grep -c "counting on" "$WORK/sensor.log" 2>/dev/null)
	env "$@" nsenter --net="/run/netns/$SINK_NS" "$BOTSINK" run -i sink0 -r "$RULES" \
		--sinkhole "$SINKHOLE" --interval "$interval" --feed none --partners "$WORK/partners.ini" \
		"${ENRICH[@]}" --pin-dir "/sys/fs/bpf/botsink-test-$$" --state-dir "$WORK/state" \
		--sensor a --publish "$NATS_URLS" --publish-auth "$CREDS/sensor-a.creds" \
		--publish-ca "$CA" 2>>"$WORK/sensor.log" &
	SENSOR_PID=$!
	for _ in $(seq 300); do
		[ "$(grep -c "counting on" "$WORK/sensor.log")" -gt "${n:-0}" ] && return 0
		sleep 0.05
	done
	fail "the sensor did not start: $(tail -n 3 "$WORK/sensor.log")"
	finish
}
sensor_start 0.3

send_syns 1 40
check "--feed none, publishing" 80

# ---- the sensor's user gone from the node while it runs ----
node_users sensor-off
send_syns 2 30
# libnats gives the connection up after two refusals in a row; the
# publisher then tries a new one every 5 s: wait for its first refusal.
for _ in $(seq 100); do grep -q "cannot connect again.*uthorization" "$WORK/sensor.log" && break; sleep 0.2; done
grep -q "uthorization" "$WORK/sensor.log" && pass "the sensor says it was refused: $(grep -o '[^;]*uthorization[^;]*' "$WORK/sensor.log" | tail -n 1)" ||
	fail "no refusal in the sensor's log: $(tail -n 3 "$WORK/sensor.log")"
send_syns 3 30
spooling "the sensor is refused"

# ---- its user back: the spool goes out, in order ----
node_users sensor-a
check "refused, then allowed again" $((80 + 60 + 60))
for _ in $(seq 30); do
	read -r _ _ _ _ _ _ spool _ <"$WORK/state/publish.status"
	[ "${spool:-1}" -eq 0 ] && break
	sleep 0.5
done
expect_eq "the spool after the user came back" "${spool:-}" 0
# libnats gave the refused connection up: the publisher made a new one.
grep -q "connected again" "$WORK/sensor.log" && pass "the publisher connected again" ||
	fail "no new connection in the sensor's log: $(tail -n 3 "$WORK/sensor.log")"
"$PY" - "$WORK/public.jsonl" <<'ZZPY' && pass "the public view's epochs arrived in order" || fail "the public view's epochs out of order"
import json, sys
times = [json.loads(l)["timestamp"] for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if times == sorted(times) else 1)
ZZPY

# ---- its subject no longer permitted while it runs, then again ----
node_subject() { # node_subject FROM TO: sensor-a's counts subject in its permissions
	sed -i "s/\"botsink\.counts\.$1\"/\"botsink.counts.$2\"/" "$NATS_DIR/node-1.conf"
	kill -HUP "${NODE_PIDS[1]}"
}
before=$(grep -c "Permissions Violation" "$WORK/sensor.log")
node_subject a z
send_syns 5 20
for _ in $(seq 50); do [ "$(grep -c "Permissions Violation" "$WORK/sensor.log")" -gt "$before" ] && break; sleep 0.2; done
[ "$(grep -c "Permissions Violation" "$WORK/sensor.log")" -gt "$before" ] &&
	pass "the sensor says its subject was refused: $(grep -o '[^;]*Permissions Violation[^;]*' "$WORK/sensor.log" | tail -n 1)" ||
	fail "no refusal of the subject in the sensor's log: $(tail -n 3 "$WORK/sensor.log")"
node_subject z a
check "subject refused, then permitted again" $((200 + 40))

# ---- killed mid-publish: the stream holds the first message of an epoch of two ----
# 2,100 sources in one epoch (a 60 s interval, ended by a SIGHUP, whose
# reload drains first): more than a message's 1,000 records. The failpoint
# kills the sensor once its first message is stored; the restart publishes
# the epoch again, and the stream drops what it holds.
kill -TERM "$SENSOR_PID"
wait "$SENSOR_PID"
expect_eq "the sensor stopped by SIGTERM (exit status)" "$?" 0
bytes_before=$(counts_stream bytes) msgs_before=$(counts_stream messages)
sensor_start 60 BOTSINK_FAILPOINT=publish-mid
send_syns 4 2100
kill -HUP "$SENSOR_PID"
for _ in $(seq 150); do kill -0 "$SENSOR_PID" 2>/dev/null || break; sleep 0.1; done
kill -TERM "$SENSOR_PID" 2>/dev/null # not killed by then: stopped, and the status says so
wait "$SENSOR_PID"
expect_eq "the sensor killed by its failpoint mid-publish (exit status)" "$?" 137
# publish.stored cut short (its "end" gone, as by a full disk): said and
# not trusted, nor is a prefix guessed from the stream: the stored message
# goes again, and the stream (its 10-minute window) drops it.
sed -i '$d' "$WORK/state/publish.stored"
sensor_start 0.3
check "killed mid-publish, restarted" $((200 + 40 + 4200))
grep -q "publish.stored:[0-9]*: not a publisher's state, or cut short; ignored" "$WORK/sensor.log" &&
	pass "a publish.stored cut short is said and ignored" ||
	fail "no word of publish.stored cut short: $(tail -n 3 "$WORK/sensor.log")"
# A message of 1,000 counts, as stored (the epoch's 2,100 in 3 messages).
msg_bytes=$((($(counts_stream bytes) - bytes_before) * 1000 / 2100))
expect_eq "the epoch's messages in the stream" $(($(counts_stream messages) - msgs_before)) 3
read -r _ _ _ dups _ <"$WORK/state/publish.status"
[ "${dups:-0}" -gt 0 ] && pass "the epoch's stored message was published again and dropped ($dups)" ||
	fail "no repeat dropped after the restart: $(cat "$WORK/state/publish.status")"

# ---- started while the cluster is away, past the stream's duplicate window ----
# The epoch written before the failpoint's SIGKILL is in the stream. The
# sensor starts again while the node is down and reaches it 5 s later,
# past half the (shortened) window: it asks what the stream holds before
# it publishes, and sends none of it again.
in_bus "$BOTSINK" streams --nats "$NATS_URLS" --auth "$CREDS/hub.creds" --ca "$CA" \
	--partners "$WORK/hub-partners.ini" --replicas 1 --duplicate-window 4s >>"$WORK/streams.log" 2>&1 ||
	fail "streams --duplicate-window 4s: $(tail -n 2 "$WORK/streams.log")"
# The hub's repeats come after the 30 s ack wait: the partner stream keeps 60 s.
expect_eq "BOTSINK_PARTNERS' duplicate window (s) under --duplicate-window 4s" \
	$(($(stream_field BOTSINK_PARTNERS config duplicate_window) / 1000000000)) 60
kill -TERM "$SENSOR_PID"
wait "$SENSOR_PID"
expect_eq "the sensor stopped by SIGTERM again (exit status)" "$?" 0
sensor_start 0.3 BOTSINK_FAILPOINT=after-write
send_syns 6 20
for _ in $(seq 50); do kill -0 "$SENSOR_PID" 2>/dev/null || break; sleep 0.1; done
kill -TERM "$SENSOR_PID" 2>/dev/null # not killed by then: stopped, and the status says so
wait "$SENSOR_PID"
expect_eq "the sensor killed by its failpoint after writing (exit status)" "$?" 137
node_kill 1
sensor_start 0.3
sleep 5
node_start 1
node_ready 1 30 || fail "node 1 back"
check "started while the cluster was away, past the window" $((200 + 40 + 4200 + 40))
read -r _ _ _ dups _ held _ <"$WORK/state/publish.status"
[ "${held:-0}" -gt 0 ] && [ "${dups:-1}" -eq 0 ] &&
	pass "what the stream held was asked once connected, and not sent again ($held messages)" ||
	fail "started while the cluster was away: $(cat "$WORK/state/publish.status")"

# ---- an epoch partly stored, then refused for longer than the window ----
# BOTSINK_COUNTS gets room for one message of 1,000 counts and a half: of
# an epoch of 2,100 sources (messages of 1,000, 1,000 and 100 counts) the
# stream (discard new) stores the first, refuses the second and stores the
# small third: not a prefix. The epoch is spooled. Given room again past
# the (4 s) window, the publisher sends only the second: it knows which
# messages were stored, and none goes twice.
# partly_stored WAVE TOTAL [restart]: an epoch of WAVE's 2,100 sources
# into a stream with room for one message and a half; room again past
# the window (with restart: while the sensor is stopped, so that what it
# kept in publish.stored is all it knows); the view then holds TOTAL
# check-ins, each once, and the epoch's three messages are in the stream.
partly_stored() {
	local msgs_before
	kill -TERM "$SENSOR_PID"
	wait "$SENSOR_PID"
	expect_eq "the sensor stopped by SIGTERM (exit status)" "$?" 0
	sensor_start 60
	msgs_before=$(counts_stream messages)
	in_bus "$BOTSINK" streams --nats "$NATS_URLS" --auth "$CREDS/hub.creds" --ca "$CA" \
		--partners "$WORK/hub-partners.ini" --replicas 1 --duplicate-window 4s \
		--counts-max-bytes $(($(counts_stream bytes) + msg_bytes * 3 / 2)) >>"$WORK/streams.log" 2>&1 ||
		fail "streams --counts-max-bytes: $(tail -n 2 "$WORK/streams.log")"
	send_syns "$1" 2100
	kill -HUP "$SENSOR_PID" # the reload drains first: the epoch now
	for _ in $(seq 50); do
		[ $(($(counts_stream messages) - msgs_before)) -ge 2 ] && break
		sleep 0.2
	done
	expect_eq "the epoch's messages the full stream took" $(($(counts_stream messages) - msgs_before)) 2
	if [ "${3:-}" = restart ]; then
		kill -TERM "$SENSOR_PID"
		wait "$SENSOR_PID" # 1: counts kept for the next run
		expect_eq "publish.stored: the messages held" "$(grep -c '^held ' "$WORK/state/publish.stored")" 2
	fi
	sleep 6
	in_bus "$BOTSINK" streams --nats "$NATS_URLS" --auth "$CREDS/hub.creds" --ca "$CA" \
		--partners "$WORK/hub-partners.ini" --replicas 1 --duplicate-window 4s >>"$WORK/streams.log" 2>&1 ||
		fail "streams back to its size: $(tail -n 2 "$WORK/streams.log")"
	if [ "${3:-}" = restart ]; then
		sensor_start 0.3
	else
		kill -HUP "$SENSOR_PID" # a drain: the spool goes first
	fi
	check "partly stored, refused past the window, then taken${3:+ after a restart}" "$2"
	expect_eq "the epoch's messages in the stream" $(($(counts_stream messages) - msgs_before)) 3
	expect_eq "publish.stored: the messages held once the epoch went" \
		"$(grep -c '^held ' "$WORK/state/publish.stored")" 0
}
partly_stored 7 $((200 + 40 + 4200 + 40 + 4200))
# The same, the sensor restarted in between.
partly_stored 8 $((200 + 40 + 4200 + 40 + 4200 + 4200)) restart

# ---- the node restarted with a certificate the sensor does not trust ----
# (a CA it was not given): the sensor warns with the TLS error, counts on
# and spools; the node back with its own certificate, the spool goes out.
tls_cert "$ROGUE_CA" "$WORK/rogue.key" "$WORK/rogue-server.key" "$WORK/rogue-server.pem" localhost \
	"DNS:localhost,IP:127.0.0.1,IP:10.199.0.1" serverAuth,clientAuth || fail "the rogue certificate"
node_cert() { # node_cert PEM KEY: node 1 restarted with that certificate
	node_kill 1
	sed -i -e "s|cert_file: \".*\"|cert_file: \"$1\"|" -e "s|key_file: \".*\"|key_file: \"$2\"|" \
		"$NATS_DIR/node-1.conf"
	node_start 1
}
ready_before=$(grep -c "Server is ready" "$WORK/node-1.log")
node_cert "$WORK/rogue-server.pem" "$WORK/rogue-server.key"
for _ in $(seq 100); do
	[ "$(grep -c "Server is ready" "$WORK/node-1.log")" -gt "$ready_before" ] && break
	sleep 0.1
done
send_syns 9 20
for _ in $(seq 60); do grep -q "issuer=/CN=rogue CA" "$WORK/sensor.log" && break; sleep 0.5; done
grep -q "issuer=/CN=rogue CA" "$WORK/sensor.log" &&
	pass "the sensor says why: $(grep -o '[^;(]*issuer=/CN=rogue CA' "$WORK/sensor.log" | tail -n 1)" ||
	fail "no TLS error in the sensor's log: $(tail -n 3 "$WORK/sensor.log")"
spooling "the node is not trusted"
for _ in $(seq 60); do grep -q "hub: not connected (.*issuer=/CN=rogue CA" "$WORK/hub.log" && break; sleep 0.5; done
grep -q "hub: not connected (.*issuer=/CN=rogue CA" "$WORK/hub.log" && pass "the hub says why too" ||
	fail "no TLS error in the hub's log: $(tail -n 3 "$WORK/hub.log")"
node_cert "$TLS_DIR/server.pem" "$TLS_DIR/server.key"
node_ready 1 30 || fail "node 1 back with its own certificate"
check "a node not trusted, then trusted again" $((200 + 40 + 4200 + 40 + 4200 + 4200 + 40))

# ---- a message of counts with more lines than a publisher puts in one ----
# (1,500 lines, from the sensor's own credentials): the hub makes no room
# for them, says so by message, and goes on.
in_bus "$BUS_TOOL" "$NATS_URLS" "$CREDS/sensor-a.creds" "$CA" pub botsink.counts.a \
	"$(printf 'x\n%.0s' $(seq 1500))" a:lines:0:0 || fail "the sensor's credentials publish"
for _ in $(seq 50); do grep -q "message a:lines:0:0: more lines than" "$WORK/hub.log" && break; sleep 0.2; done
grep -q "message a:lines:0:0: more lines than a message of counts holds (1000); skipped" "$WORK/hub.log" &&
	pass "the hub skips a message of 1,500 lines and says so" ||
	fail "no word of the 1,500-line message: $(tail -n 2 "$WORK/hub.log")"
grep -Eq '198\.18\.' "$WORK/sensor.log" "$WORK/hub.log" && fail "a source address in a log"

# Each partner's view as the hub made it, against the sensor's own file.
for v in $VIEWS; do
	in_bus "$BOTSINK" pull --nats "$NATS_URLS" --auth "$CREDS/partner-$v.creds" --ca "$CA" \
		--idle 1 >"$WORK/pulled-$v" 2>>"$WORK/pull.log" || fail "partner $v pulls: $(tail -n 1 "$WORK/pull.log")"
	n=$(wc -l <"$WORK/$v")
	if [ "$(sort "$WORK/pulled-$v")" = "$(sort "$WORK/$v")" ]; then
		pass "partner $v: the hub's $n lines are the sensor's"
	else
		fail "partner $v: the hub's view differs from the sensor's file: $(diff <(sort "$WORK/$v") <(sort "$WORK/pulled-$v") | head -n 4)"
	fi
done
[ "$(wc -l <"$WORK/csv")" -gt 1 ] && [ "$(wc -l <"$WORK/im")" -gt 0 ] ||
	fail "the csv and im files are empty"
grep -q '"source.asn": *64500' "$WORK/im" && grep -q '"source.geolocation.cc": *"NL"' "$WORK/im" &&
	pass "intelmq records enriched (AS 64500, NL)" || fail "no enrichment in im: $(head -n 1 "$WORK/im")"
[ ! -s "$WORK/ver" ] && pass "verified-only: no unverified SYN in the sensor's file, nor on the bus" ||
	fail "verified-only partner got records: $(head -n 1 "$WORK/ver")"

finish
