#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Many sensors, one feed: two sensors in their own veth labs publish to a
# 3-node TLS cluster (its own namespace, configured by nats-config), hubs
# turn the counts into partner feeds, and each reader pulls its own with
# its own credentials. After every fault, each view holds exactly the
# records the sensors counted in its scope (their local feeds, anon none,
# are the ground truth), no record_id twice, and the public view one
# pseudonym per source whichever hub made it:
#   node      one node killed with -9 mid-stream, then restarted
#   sensor    a sensor killed with SIGKILL after publishing an epoch and
#             before committing it (BOTSINK_FAILPOINT=after-write), restarted
#   hubs      two hubs share the consumer; one killed with -9 mid-batch while
#             the other goes on
#   cluster   every node down 12 s (longer than the sensors' 5 s and the
#             hubs' 10 s ack waits) while check-ins flow: sensors spool,
#             warn and count on, then deliver
#   full      BOTSINK_COUNTS made too small (botsink streams): publishes are
#             refused, the epochs spool, and go once it has room again
#   window    a sensor killed as above, restarted after the stream's
#             duplicate window (made 4 s): nothing the stream holds goes again
#   partner   isp-b pulls nothing until the end: the hub is not held back
# A key rotated in the hubs' bucket (keys rotate --nats) is every hub's
# from then on: the public view uses it, one pseudonym per source and key.
# A partner's file output (the partners file's), written by the hubs too,
# holds every record of its scope, at least once.
# Then refusals at start-up, exit 2 and why: a wrong password, a CA that
# did not sign the cluster, a sensor name its credentials do not allow.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../../scripts/lab.sh
. "$ROOT/scripts/lab.sh"

PY=/usr/bin/python3
CHECK="$PY $ROOT/tests/nats/check_views.py"
RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
SENSORS="a b"
declare -A SINK_NS BOTS_NS MAC SENSOR_PID HUB_PID
SCOPE_A=198.18.10.0/24
SCOPE_B=198.18.20.0/24,2001:db8:b::/48

cleanup_all() {
	kill_reap "${SENSOR_PID[@]}" "${HUB_PID[@]}"
	for s in $SENSORS; do
		[ -n "${SINK_NS[$s]:-}" ] && ip netns del "${SINK_NS[$s]}" 2>/dev/null
		[ -n "${BOTS_NS[$s]:-}" ] && ip netns del "${BOTS_NS[$s]}" 2>/dev/null
		rm -rf "/sys/fs/bpf/botsink-test-$$-$s"
	done
}
EXTRA_CLEANUP=cleanup_all

{
	raw_partner isp-a "$SCOPE_A"
	echo
	raw_partner isp-b "${SCOPE_B//,/, }"
} >"$WORK/partners.ini"

# sensor_start S [ENV...]: botsink run in lab S's sink namespace, publishing.
sensor_start() {
	local s=$1 n
	shift
	n=$(grep -c "counting on" "$WORK/sensor-$s.log" 2>/dev/null)
	env "$@" nsenter --net="/run/netns/${SINK_NS[$s]}" "$BOTSINK" run -i sink0 -r "$RULES" \
		--sinkhole "$SINKHOLE" --interval 0.2 --anon none --feed "$WORK/feed-$s.jsonl" \
		--pin-dir "/sys/fs/bpf/botsink-test-$$-$s" --state-dir "$WORK/state-$s" --sensor "$s" \
		--publish "$NATS_URLS" --publish-auth "$CREDS/sensor-$s.creds" --publish-ca "$CA" \
		2>>"$WORK/sensor-$s.log" &
	SENSOR_PID[$s]=$!
	for _ in $(seq 300); do
		[ "$(grep -c "counting on" "$WORK/sensor-$s.log")" -gt "${n:-0}" ] && return 0
		kill -0 "${SENSOR_PID[$s]}" 2>/dev/null || break
		sleep 0.05
	done
	fail "sensor $s did not start: $(tail -n 3 "$WORK/sensor-$s.log")"
	return 1
}

# stop_pid PID [SIGNAL]: signal it (TERM) and reap it; its exit status.
# One still running 20 s later is said and killed (status 137): a process
# that does not stop fails the test instead of hanging it.
stop_pid() {
	kill "-${2:-TERM}" "$1" 2>/dev/null
	for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$1" 2>/dev/null; then
		echo "  pid $1 still running 20 s after SIG${2:-TERM}: killed" >&2
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
}

sensor_stop() { # sensor_stop S [SIGNAL]: its exit status (0 on SIGTERM: drained, detached)
	local pid=${SENSOR_PID[$1]}
	SENSOR_PID[$1]=
	stop_pid "$pid" "${2:-TERM}"
}

# hub_start N [ENV...]: hub N in the bus namespace (the public view
# anonymized), isp-a's records also into a file of its own.
hub_start() {
	local n=$1
	shift
	sed "/^\[isp-a\]/a output = $WORK/hub-$n-isp-a.jsonl" "$WORK/partners.ini" \
		>"$WORK/partners-hub-$n.ini"
	env "$@" nsenter --net="/run/netns/$BUS_NS" "$BOTSINK" hub --nats "$NATS_URLS" \
		--auth "$CREDS/hub.creds" --ca "$CA" --partners "$WORK/partners-hub-$n.ini" \
		--anon ipcrypt-pfx --state-dir "$WORK/hub-$n" 2>>"$WORK/hub-$n.log" &
	HUB_PID[$n]=$!
}

hub_stop() { # hub_stop N [SIGNAL]: its exit status
	local pid=${HUB_PID[$1]}
	HUB_PID[$1]=
	stop_pid "$pid" "${2:-TERM}"
}

# plan S WAVE N: N sources of lab S, a TCP check-in (2 SYNs) and a UDP
# hello each, half in isp-a's scope, half in isp-b's (an IPv6 part for b).
plan() {
	local s=$1 w=$2 n=$3 i p="[" src
	for ((i = 1; i <= n; i++)); do
		case $((i % 2)) in
		0) src=198.18.10.$(((w * 40 + i) % 250 + 1)) ;;
		*) if [ "$s" = b ] && [ $((i % 3)) -eq 0 ]; then src=2001:db8:b::$w:$i; else
			src=198.18.20.$(((w * 40 + i) % 250 + 1)); fi ;;
		esac
		case $src in *:*) dst=2001:db8:5::10 ;; *) dst=203.0.113.10 ;; esac
		p+="{\"src\":\"$src\",\"dst\":\"$dst\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":2},"
		p+="{\"src\":\"$src\",\"dst\":\"$dst\",\"proto\":\"udp\",\"dport\":16001,\"count\":1},"
	done
	echo "${p%,}]"
}

# send S WAVE N [PPS]: the plan out of lab S's bots namespace.
send() {
	plan "$1" "$2" "$3" | nsenter --net="/run/netns/${BOTS_NS[$1]}" "$PY" \
		"$ROOT/scripts/lab_send.py" --iface bots0 --dst-mac "${MAC[$1]}" \
		${4:+--pps "$4"} >/dev/null
}

feeds() { local s; for s in $SENSORS; do echo "$WORK/feed-$s.jsonl"; done; }
records() { cat $(feeds) 2>/dev/null | wc -l; }

# pull_view VIEW: what is new on VIEW's consumer, with VIEW's credentials.
pull_view() {
	local user=partner-$1
	[ "$1" = public ] && user=public
	in_bus "$BOTSINK" pull --nats "$NATS_URLS" --auth "$CREDS/$user.creds" --ca "$CA" \
		--idle 1 >>"$WORK/pulled-$1.jsonl" 2>>"$WORK/pull.log"
}

# settle: the feeds stop growing (the last epoch drained), then the public
# view catches up with them (SECONDS at most); isp-a is read too.
settle() {
	local end=$((SECONDS + ${1:-60})) before=-1
	while [ "$(records)" != "$before" ]; do
		before=$(records)
		sleep 0.6
	done
	while [ $SECONDS -lt $end ]; do
		pull_view public
		[ "$(wc -l <"$WORK/pulled-public.jsonl")" -ge "$before" ] && break
		sleep 1
	done
	pull_view isp-a
}

check_view() { # check_view VIEW: exact against the feeds? (says why not)
	case $1 in
	public) $CHECK public "$WORK/pulled-public.jsonl" $(feeds) --pseudonyms --keys "${EXPECT_KEYS:-}" ;;
	isp-a) $CHECK isp-a "$WORK/pulled-isp-a.jsonl" $(feeds) --scope "$SCOPE_A" ;;
	isp-b) $CHECK isp-b "$WORK/pulled-isp-b.jsonl" $(feeds) --scope "$SCOPE_B" ;;
	esac
}

# check PHASE [VIEWS]: each view exact against the feeds, read again for
# up to 30 s while records are missing (a consumer whose leader a fault
# moved answers once it is elected).
check() {
	local phase=$1 view out end
	for view in ${2:-public isp-a}; do
		end=$((SECONDS + 30))
		until out=$(check_view "$view") || [ $SECONDS -ge $end ] ||
			! grep -q "records missing" <<<"$out"; do
			sleep 1
			pull_view "$view"
		done
		if out=$(check_view "$view"); then pass "$phase: $out [${SECONDS}s]"; else fail "$phase: $out"; fi
	done
}

# ---- the cluster, the labs, the hub and the sensors ----
tls_setup
bus_netns_up
n=0
for s in $SENSORS; do
	n=$((n + 1))
	lab_up "bs$s$$"
	SINK_NS[$s]=$LAB_SINK BOTS_NS[$s]=$LAB_BOTS MAC[$s]=$LAB_SINK_MAC
	bus_link "$LAB_SINK" "$n"
done
LAB_SINK= LAB_BOTS=
nats_config 3 "$WORK/partners.ini" a,b
cluster_start
pass "3 nodes in their namespace, TLS"
touch "$WORK/pulled-public.jsonl" "$WORK/pulled-isp-a.jsonl" "$WORK/pulled-isp-b.jsonl"
hub_start 1
for _ in $(seq 100); do grep -q "views" "$WORK/hub-1.log" && break; sleep 0.1; done
grep -q "views" "$WORK/hub-1.log" || { fail "hub 1 did not start: $(cat "$WORK/hub-1.log")"; finish; }
for s in $SENSORS; do sensor_start "$s" || finish; done

# ---- node: one node killed mid-stream, then back ----
send a 1 60 &
senders=$!
send b 1 60 &
senders+=" $!"
sleep 1
node_kill 2
wait $senders
node_start 2
node_ready 2 30 js-server-only=true || fail "node 2 did not come back"
settle 60
check "node 2 killed and restarted"

# ---- sensor: SIGKILL after its epoch was published, before the commit ----
# killed_after_write WHAT: sensor a stopped, started again with the
# after-write failpoint, sent check-ins, and killed by it (exit status 137;
# a failpoint that does not fire in 5 s: stopped, and the status says so).
killed_after_write() {
	sensor_stop a
	expect_eq "sensor a stopped by SIGTERM, publishing (exit status)" "$?" 0
	sensor_start a BOTSINK_FAILPOINT=after-write
	send a 2 40
	for _ in $(seq 50); do kill -0 "${SENSOR_PID[a]}" 2>/dev/null || break; sleep 0.1; done
	kill -TERM "${SENSOR_PID[a]}" 2>/dev/null
	wait "${SENSOR_PID[a]}" 2>/dev/null
	expect_eq "$1 (exit status)" "$?" 137
	SENSOR_PID[a]=
}
killed_after_write "sensor a killed by its failpoint"
sensor_start a
settle 60
check "sensor killed mid-publish"
dups=$(awk '{print $4 + $6}' "$WORK/state-a/publish.status") # repeats dropped, held already
[ "${dups:-0}" -gt 0 ] && pass "the restarted sensor's messages were held already ($dups)" ||
	fail "no repeat seen after the restart: $(cat "$WORK/state-a/publish.status")"

# ---- hubs: two at once, one killed after storing a batch's records, before its ack ----
hub_stop 1
hub_start 2
hub_start 1 BOTSINK_FAILPOINT=hub-after-publish
send a 3 80 100 &
senders=$!
send b 3 80 100 &
senders+=" $!"
for _ in $(seq 200); do kill -0 "${HUB_PID[1]}" 2>/dev/null || break; sleep 0.1; done
# Hub 2 may have fetched every batch so far: more check-ins (counted in
# `sent` below) until hub 1 fetches one, a few times at most, then give up
# rather than wait for ever.
EXTRA_WAVES=0
while kill -0 "${HUB_PID[1]}" 2>/dev/null && [ $EXTRA_WAVES -lt 5 ]; do
	EXTRA_WAVES=$((EXTRA_WAVES + 1))
	send a $((30 + EXTRA_WAVES)) 10
	for _ in $(seq 50); do kill -0 "${HUB_PID[1]}" 2>/dev/null || break; sleep 0.1; done
done
kill -0 "${HUB_PID[1]}" 2>/dev/null && kill -KILL "${HUB_PID[1]}" &&
	fail "hub 1's failpoint did not fire: it never fetched a batch"
wait "${HUB_PID[1]}" 2>/dev/null
expect_eq "hub 1 killed by its failpoint mid-batch (exit status)" "$?" 137
# Hub 2 went on alone; hub 1 comes back, and the killed batch comes back
# to one of them after the ack wait (30 s): its records are stored once.
hub_start 1
wait $senders
settle 90
check "a hub killed mid-batch, two hubs"
# The killed batch comes back after the ack wait and is made again: the
# stream drops those messages as repeats (the hubs log it every 10 s).
repeats() { grep -ho "[0-9]* repeats dropped" "$WORK"/hub-*.log | awk '$1 > n { n = $1 } END { print n + 0 }'; }
for _ in $(seq 60); do [ "$(repeats)" -gt 0 ] && break; sleep 1; done
[ "$(repeats)" -gt 0 ] && pass "the killed hub's batch was made again and stored once ($(repeats) repeats dropped)" ||
	fail "no repeat dropped: the killed hub's batch was not made again"
check "after the redelivery"

# ---- a key rotated in the hubs' bucket: every hub takes it ----
ROTATED=$(in_bus "$BOTSINK" keys rotate --nats "$NATS_URLS" --auth "$CREDS/hub.creds" --ca "$CA" \
	--state-dir "$WORK/hub-1" --mode ipcrypt-pfx 2>>"$WORK/rotate.log" | awk '{print $2}')
[ -n "$ROTATED" ] && pass "keys rotate --nats: key $ROTATED in the bucket" ||
	fail "keys rotate --nats: $(cat "$WORK/rotate.log")"

# ---- cluster: every node down DOWN_S while check-ins flow ----
DOWN_S=12
down_at=$SECONDS
for i in 1 2 3; do node_kill "$i"; done
before=$(records)
send a 4 50 &
senders=$!
send b 4 50 &
senders+=" $!"
wait $senders
sleep 3
[ "$(records)" -gt "$before" ] && pass "sensors count on while the cluster is down" ||
	fail "no records while the cluster was down"
grep -q "waits in spool\|wait in spool\|in spool" "$WORK/sensor-a.log" &&
	pass "sensor a says its epochs wait in the spool" ||
	fail "sensor a said nothing of its spool: $(tail -n 3 "$WORK/sensor-a.log")"
spool=$(awk '{print $7}' "$WORK/state-b/publish.status")
[ "${spool:-0}" -gt 0 ] && pass "sensor b's spool holds $spool bytes while the cluster is down" ||
	fail "sensor b's spool is empty while the cluster is down"
[ $((SECONDS - down_at)) -lt $DOWN_S ] && sleep $((DOWN_S - (SECONDS - down_at)))
for i in 1 2 3; do node_start "$i"; done
for i in 1 2 3; do node_ready "$i" 30 js-server-only=true || fail "node $i did not come back"; done
settle 90
check "the whole cluster down $DOWN_S s"
spool=$(awk '{print $7}' "$WORK/state-b/publish.status")
expect_eq "sensor b's spool after the cluster came back" "$spool" 0

# ---- stream full: BOTSINK_COUNTS refuses publishes (discard new) ----
# streams ARGS...: botsink streams as the hub, again for up to 20 s while
# the cluster still settles from its restart ("temporarily unavailable").
streams() {
	local end=$((SECONDS + 20))
	until in_bus "$BOTSINK" streams --nats "$NATS_URLS" --auth "$CREDS/hub.creds" --ca "$CA" \
		--partners "$WORK/partners.ini" "$@" >>"$WORK/streams.log" 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 1
	done
}
streams --counts-max-bytes 1K || fail "streams --counts-max-bytes 1K: $(tail -n 2 "$WORK/streams.log")"
before=$(grep -c "maximum bytes" "$WORK/sensor-a.log")
send a 5 30
sleep 2
[ "$(grep -c "maximum bytes" "$WORK/sensor-a.log")" -gt "$before" ] &&
	pass "a full stream refuses sensor a's epoch: $(grep -o "maximum bytes[^;]*" "$WORK/sensor-a.log" | tail -n 1)" ||
	fail "no refusal seen: $(tail -n 3 "$WORK/sensor-a.log")"
spool=$(awk '{print $7}' "$WORK/state-a/publish.status")
[ "${spool:-0}" -gt 0 ] && pass "sensor a's spool holds $spool bytes while the stream is full" ||
	fail "sensor a's spool is empty while the stream is full"
streams || fail "streams back to the defaults: $(tail -n 2 "$WORK/streams.log")"
settle 60
# These check-ins came after the key rotated in the bucket: every hub uses it.
EXPECT_KEYS=$ROTATED
check "the counts stream full, then not"

# ---- sensor: restarted after the stream's duplicate window ----
# The epoch sensor a published before its SIGKILL is older than half the
# (shortened) window when it starts again: the stream would store repeats,
# so the publisher sends nothing the stream holds, and no record counts twice.
streams --duplicate-window 4s || fail "streams --duplicate-window 4s: $(tail -n 2 "$WORK/streams.log")"
killed_after_write "sensor a killed by its failpoint again"
sleep 5
sensor_start a
settle 60
check "sensor restarted past the duplicate window"
read -r _ _ _ dups _ held _ <"$WORK/state-a/publish.status"
[ "${held:-0}" -gt 0 ] && [ "${dups:-1}" -eq 0 ] &&
	pass "past the window, what the stream held was not sent again ($held messages)" ||
	fail "past the window: $(cat "$WORK/state-a/publish.status")"
streams || fail "streams back to the defaults: $(tail -n 2 "$WORK/streams.log")"

# ---- partner: isp-b pulled only now ----
pull_view isp-b
check "isp-b, stopped until now" isp-b

# isp-a's file outputs, one per hub: together at least once (a batch that
# came back was written again), every record of its scope there.
cat "$WORK"/hub-*-isp-a.jsonl >"$WORK/hubs-isp-a.jsonl"
out=$($CHECK "isp-a's files" "$WORK/hubs-isp-a.jsonl" $(feeds) --scope "$SCOPE_A" --at-least-once) &&
	pass "$out" || fail "$out"
cp "$WORK/partners-hub-1.ini" "$WORK/partners-hub-3.ini"
nsenter --net="/run/netns/$BUS_NS" "$BOTSINK" hub --nats "$NATS_URLS" --auth "$CREDS/hub.creds" \
	--ca "$CA" --partners "$WORK/partners-hub-3.ini" --state-dir "$WORK/hub-3" 2>"$WORK/hub-3.log" &
pid=$!
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
wait $pid
rc=$?
[ $rc -eq 2 ] && grep -q "another hub writes it" "$WORK/hub-3.log" &&
	pass "a second hub on hub 1's file output: exit 2, another hub writes it" ||
	fail "a second hub on hub 1's file output: exit $rc: $(cat "$WORK/hub-3.log")"

# The sensors counted every frame sent (the lab loses none at these rates).
sent=$((2 * (60 + 40 + 80 + 50 + 30 + 40 + 10 * EXTRA_WAVES) + 2 * (60 + 80 + 50)))
counted=$(cat $(feeds) | $PY -c 'import json,sys; print(sum(json.loads(l)["checkins"] > 0 and 1 or 0 for l in sys.stdin))')
[ "$counted" -gt 0 ] && pass "$counted records with check-ins" || fail "no check-ins counted"
packets=$(cat $(feeds) | $PY -c 'import json,sys; print(sum(json.loads(l)["packets"] for l in sys.stdin))')
expect_eq "packets counted by the sensors" "$packets" $((sent * 3 / 2))

# ---- refusals at start-up ----
sed 's/^password = .*/password = wrong/' "$CREDS/sensor-b.creds" >"$WORK/wrong.creds"
chmod 600 "$WORK/wrong.creds"
refuse() { # refuse WHAT PATTERN RUN-ARGS...
	local what=$1 pattern=$2 rc
	shift 2
	nsenter --net="/run/netns/${SINK_NS[b]}" "$BOTSINK" run -i sink0 -r "$RULES" \
		--sinkhole "$SINKHOLE" --pin-dir "/sys/fs/bpf/botsink-test-$$-x" \
		--state-dir "$WORK/state-x" --feed none "$@" 2>"$WORK/refused.log"
	rc=$?
	if [ $rc -eq 2 ] && grep -Eqi "$pattern" "$WORK/refused.log"; then
		pass "$what: exit 2, $(grep -Eio "$pattern" "$WORK/refused.log" | head -n 1)"
	else
		fail "$what: exit $rc: $(cat "$WORK/refused.log")"
	fi
}
refuse "a wrong password" "authorization" --sensor b --publish "$NATS_URLS" \
	--publish-auth "$WORK/wrong.creds" --publish-ca "$CA"
refuse "a CA that did not sign the cluster" "certificate|ssl" --sensor b --publish "$NATS_URLS" \
	--publish-auth "$CREDS/sensor-b.creds" --publish-ca "$ROGUE_CA"
refuse "sensor c with sensor b's credentials" "permission" --sensor c --publish "$NATS_URLS" \
	--publish-auth "$CREDS/sensor-b.creds" --publish-ca "$CA"
for s in $SENSORS; do
	kill -HUP "${SENSOR_PID[$s]}" # a reload: the signal is the daemon's, not libnats' threads'
	sleep 0.5
	sensor_stop "$s"
	expect_eq "sensor $s, after a SIGHUP, stopped by SIGTERM (exit status)" "$?" 0
done
for h in 1 2; do
	hub_stop "$h"
	expect_eq "hub $h stopped by SIGTERM (exit status)" "$?" 0
done
for h in 1 2; do
	grep -q "in [1-9][0-9]* messages" "$WORK/hub-$h.log" && pass "hub $h did part of the work" ||
		fail "hub $h did nothing"
done
if grep -h "198\.18\.\|2001:db8:b" "$WORK"/hub-*.log; then
	fail "a hub's log holds a raw address"
else
	pass "no raw address in the hubs' logs"
fi
finish
