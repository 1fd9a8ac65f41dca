#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# botsink hub --metrics, and the sensor's publisher metrics: a sensor in a
# veth lab publishes to a one-node TLS cluster; a hub with --metrics makes
# the public view and isp-a's (also into a file on a small tmpfs). A real
# Prometheus scrapes the hub on 127.0.0.1; promtool accepts both
# expositions. Then isp-a's file fills its filesystem: the batches go back,
# and the metrics show why (errors by kind, messages sent back), the
# consumer's lag (pending messages, the oldest one's age) and, once there
# is room again, the redeliveries and exactly every record in and out.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../../scripts/lab.sh
. "$ROOT/scripts/lab.sh"

for tool in prometheus promtool; do
	command -v "$tool" >/dev/null || {
		echo "$TEST_NAME: skipped: no $tool (scripts/setup.sh installs it)"
		exit 77
	}
done

PY=/usr/bin/python3
RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
SCOPE_A=198.18.10.0/24
HUB_METRICS=127.0.0.1:9465 # in the bus namespace
SENSOR_METRICS=127.0.0.1:9464 # in the sink namespace
PROM=127.0.0.1:9091 # Prometheus, in the bus namespace
SMALL=$WORK/small # isp-a's file output, on a tmpfs of 256 KB
SINK_NS= BOTS_NS= SENSOR_PID= HUB_PID= PROM_PID=

cleanup_all() {
	kill_reap "$SENSOR_PID" "$HUB_PID" "$PROM_PID"
	[ -n "$SINK_NS" ] && ip netns del "$SINK_NS" 2>/dev/null
	[ -n "$BOTS_NS" ] && ip netns del "$BOTS_NS" 2>/dev/null
	mountpoint -q "$SMALL" && umount "$SMALL"
	rm -rf "/sys/fs/bpf/botsink-test-$$"
}
EXTRA_CLEANUP=cleanup_all

raw_partner isp-a "$SCOPE_A" "$SMALL/isp-a.jsonl" >"$WORK/partners.ini"

# hub_scrape, sensor_scrape: one exposition of each.
hub_scrape() { in_bus curl -sS --max-time 5 "http://$HUB_METRICS/metrics"; }
sensor_scrape() { nsenter --net="/run/netns/$SINK_NS" curl -sS --max-time 5 "http://$SENSOR_METRICS/metrics"; }
# metric NAME{LABELS}: its value in the hub's exposition ("" if absent).
metric() { hub_scrape | awk -v k="$1" '$1 == k { v = $2 } END { print v }'; }
# wait_metric SERIES OP VALUE [SECONDS]: until the hub's SERIES OP VALUE holds.
wait_metric() {
	local end=$((SECONDS + ${4:-30})) v
	while [ $SECONDS -lt $end ]; do
		v=$(metric "$1")
		[ -n "$v" ] && awk -v v="$v" -v w="$3" -v op="$2" 'BEGIN {
			exit !((op == "==" && v == w) || (op == ">" && v > w)) }' && return 0
		sleep 0.5
	done
	fail "$1 $2 $3: still '${v:-}' after ${4:-30} s"
	return 1
}

records() { wc -l <"$WORK/feed.jsonl"; }
scope_records() {
	"$PY" -c 'import ipaddress, json, sys
net = ipaddress.ip_network(sys.argv[2])
print(sum(ipaddress.ip_address(json.loads(l)["src_ip"]) in net for l in open(sys.argv[1])))' \
		"$WORK/feed.jsonl" "$SCOPE_A"
}
# settle: the sensor's feed stops growing.
settle() {
	local before=-1
	while [ "$(records)" != "$before" ]; do
		before=$(records)
		sleep 0.8
	done
}

# ---- the cluster, the lab, the hub and the sensor ----
one_sensor_cluster "bhm$$" "$WORK/partners.ini"
mkdir -p "$SMALL"
mount -t tmpfs -o size=256k tmpfs "$SMALL"

# nsenter itself (it execs): $! is the hub.
nsenter --net="/run/netns/$BUS_NS" "$BOTSINK" hub --nats "$NATS_URLS" --auth "$CREDS/hub.creds" --ca "$CA" \
	--partners "$WORK/partners.ini" --anon ipcrypt-pfx --state-dir "$WORK/hub" --replicas 1 \
	--metrics "$HUB_METRICS" 2>>"$WORK/hub.log" &
HUB_PID=$!
for _ in $(seq 100); do grep -q "views" "$WORK/hub.log" && break; sleep 0.1; done
grep -q "views" "$WORK/hub.log" || { fail "the hub did not start: $(cat "$WORK/hub.log")"; finish; }
expect "a second hub on the metrics port" 2 "cannot listen" in_bus "$BOTSINK" hub \
	--nats "$NATS_URLS" --auth "$CREDS/hub.creds" --ca "$CA" --state-dir "$WORK/hub2" \
	--metrics "$HUB_METRICS"

nsenter --net="/run/netns/$SINK_NS" "$BOTSINK" run -i sink0 -r "$RULES" --sinkhole "$SINKHOLE" \
	--interval 0.3 --anon none --feed "$WORK/feed.jsonl" --pin-dir "/sys/fs/bpf/botsink-test-$$" \
	--state-dir "$WORK/state" --sensor a --publish "$NATS_URLS" \
	--publish-auth "$CREDS/sensor-a.creds" --publish-ca "$CA" --metrics "$SENSOR_METRICS" \
	2>>"$WORK/sensor.log" &
SENSOR_PID=$!
for _ in $(seq 300); do grep -q "counting on" "$WORK/sensor.log" && break; sleep 0.05; done
grep -q "counting on" "$WORK/sensor.log" || { fail "the sensor did not start: $(cat "$WORK/sensor.log")"; finish; }

cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: hub
    static_configs:
      - targets: ['$HUB_METRICS']
EOF
nsenter --net="/run/netns/$BUS_NS" prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom-data" \
	--web.listen-address="$PROM" >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!

# ---- flowing: every record in and out, counted exactly ----
send_syns 1 80
settle
total=$(records) in_scope=$(scope_records)
[ "$total" -gt 0 ] || fail "the sensor wrote no records"
wait_metric botsink_hub_records_in_total == "$total"
wait_metric 'botsink_hub_records_out_total{view="public"}' == "$total"
wait_metric 'botsink_hub_records_out_total{view="partner:isp-a"}' == "$in_scope"
wait_metric botsink_hub_consumer_pending_messages == 0
# Nothing unacknowledged either, as a consumer refresh after the last batch says.
wait_metric botsink_hub_oldest_pending_age_seconds == 0
expect_eq "the file output's records" "$(wc -l <"$SMALL/isp-a.jsonl")" "$in_scope"
hub_scrape >"$WORK/hub.prom"
promtool check metrics <"$WORK/hub.prom" >"$WORK/promtool.out" 2>&1 ||
	fail "promtool check metrics (hub): $(cat "$WORK/promtool.out")"
expect_eq "errors while flowing" "$(awk '/^botsink_hub_errors_total/ { n += $2 } END { print n + 0 }' "$WORK/hub.prom")" 0
grep -Eq '198\.18\.' "$WORK/hub.prom" && fail "a source address is in the hub's metrics"
sensor_scrape >"$WORK/sensor.prom"
promtool check metrics <"$WORK/sensor.prom" >"$WORK/promtool.out" 2>&1 ||
	fail "promtool check metrics (sensor): $(cat "$WORK/promtool.out")"
expect_eq "the sensor's publisher is connected" \
	"$(awk '$1 == "botsink_publish_connected" { print $2 }' "$WORK/sensor.prom")" 1
expect_eq "the sensor's epochs waiting for the bus" \
	"$(awk '$1 == "botsink_publish_pending_epochs" { print $2 }' "$WORK/sensor.prom")" 0
acked=$(awk '$1 == "botsink_publish_acked_messages_total" { print $2 }' "$WORK/sensor.prom")
hub_acked=$(awk '$1 == "botsink_hub_acked_messages_total" { print $2 }' "$WORK/hub.prom")
expect_eq "messages the hub acknowledged, as the sensor published them" "$hub_acked" "$acked"

# Prometheus saw the same.
q='botsink_hub_records_out_total{view="public"}'
for _ in $(seq 30); do
	v=$(in_bus curl -sS --max-time 5 "http://$PROM/api/v1/query" --data-urlencode "query=$q" |
		"$PY" -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
	[ "$v" = "$total" ] && break
	sleep 0.5
done
expect_eq "Prometheus: the public view's records" "$v" "$total"

# ---- isp-a's file cannot grow: the batches go back, the lag shows ----
dd if=/dev/zero of="$SMALL/fill" bs=4k 2>/dev/null
send_syns 2 60
settle
wait_metric 'botsink_hub_errors_total{kind="file"}' '>' 0
wait_metric 'botsink_hub_nacked_messages_total{reason="failed"}' '>' 0
wait_metric botsink_hub_oldest_pending_age_seconds '>' 1 20
hub_scrape >"$WORK/lag.prom"
waiting=$(awk '$1 ~ /^botsink_hub_consumer_(ack_)?pending_messages$/ { n += $2 } END { print n + 0 }' "$WORK/lag.prom")
[ "$waiting" -gt 0 ] || fail "no message shown waiting while the hub cannot deliver"
# Epochs with no isp-a record go out, and one small enough for the file's
# last page still may: not all of isp-a's do.
out_a=$(awk '$1 == "botsink_hub_records_out_total{view=\"partner:isp-a\"}" { print $2 }' "$WORK/lag.prom")
scope_now=$(scope_records)
if [ "$out_a" -lt "$scope_now" ]; then
	pass "isp-a's records out while its file is full: $out_a of $scope_now"
else
	fail "isp-a's records all went out ($out_a of $scope_now) while its file was full"
fi

# ---- room again: the batches come back and everything goes out once ----
rm -f "$SMALL/fill"
total=$(records) in_scope=$(scope_records)
wait_metric botsink_hub_records_in_total == "$total" 40
wait_metric 'botsink_hub_records_out_total{view="public"}' == "$total"
wait_metric 'botsink_hub_records_out_total{view="partner:isp-a"}' == "$in_scope"
wait_metric botsink_hub_consumer_ack_pending_messages == 0
wait_metric botsink_hub_redeliveries_total '>' 0
wait_metric botsink_hub_oldest_pending_age_seconds == 0
expect_eq "the file output's records" "$(wc -l <"$SMALL/isp-a.jsonl")" "$in_scope"
hub_scrape >"$WORK/end.prom"
promtool check metrics <"$WORK/end.prom" >"$WORK/promtool.out" 2>&1 ||
	fail "promtool check metrics (hub, at the end): $(cat "$WORK/promtool.out")"
grep -q '^botsink_hub_record_delay_seconds_count [1-9]' "$WORK/end.prom" ||
	fail "no record delay observed"
grep -q '^botsink_hub_publish_seconds_count [1-9]' "$WORK/end.prom" ||
	fail "no publish latency observed"

kill -TERM "$SENSOR_PID"
wait "$SENSOR_PID"
expect_eq "sensor stopped by SIGTERM (exit status)" "$?" 0
SENSOR_PID=
kill -TERM "$HUB_PID"
wait "$HUB_PID"
expect_eq "hub stopped by SIGTERM (exit status)" "$?" 0
HUB_PID=
finish
