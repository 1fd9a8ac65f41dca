#!/bin/bash
# botsink run --metrics against the real tools: promtool accepts the
# exposition; a real Prometheus, in the bots namespace on 127.0.0.1, scrapes
# the sensor over the lab link with TLS and a client certificate; queries
# through its HTTP API return exactly the check-ins sent. Scrapers without
# the CA's certificate are refused, no source address shows in the metrics,
# reloads and the key in use are counted, and bad --metrics settings exit 2
# before anything changed. The alerting rules of scripts/prometheus pass
# their promtool unit tests (alerts.test.yml).
. "$(dirname "$0")/lib.sh"
# shellcheck source=../tls.sh
. "$ROOT/tests/tls.sh"

for tool in prometheus promtool curl openssl; do
	command -v "$tool" >/dev/null || {
		echo "$TEST_NAME: skipped: no $tool (scripts/setup.sh installs it)"
		exit 77
	}
done

SINKHOLE=203.0.113.0/24,2001:db8:5::/48
METRICS=198.18.0.1:9464 # the sink's lab address
PROM=127.0.0.1:9090 # Prometheus, in the bots namespace
PROM_PID=
EXTRA_CLEANUP='[ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null'
lab_up "bmt$$"

T=$WORK/tls
mkdir -p "$T"
tls_ca "$T/ca.key" "$T/ca.pem" "botsink metrics CA" &&
	tls_cert "$T/ca.pem" "$T/ca.key" "$T/sensor.key" "$T/sensor.pem" sensor \
		"IP:198.18.0.1,IP:127.0.0.1" serverAuth &&
	tls_cert "$T/ca.pem" "$T/ca.key" "$T/prom.key" "$T/prom.pem" prometheus \
		"DNS:prometheus" clientAuth &&
	tls_ca "$T/rogue-ca.key" "$T/rogue-ca.pem" "rogue CA" &&
	tls_cert "$T/rogue-ca.pem" "$T/rogue-ca.key" "$T/rogue.key" "$T/rogue.pem" prometheus \
		"DNS:prometheus" clientAuth || {
	fail "openssl could not make the certificates"
	finish
}
TLS_OPTS=(--metrics-cert "$T/sensor.pem" --metrics-key "$T/sensor.key" --metrics-ca "$T/ca.pem")
cp "$ROOT/tests/e2e/lab.rules" "$WORK/rules"

# run_bad WHAT PATTERN ARGS...: botsink run exits 2 naming PATTERN, with
# no state directory made, no pins, and (before the daemon runs) nothing
# attached.
run_bad() {
	local what=$1 pattern=$2 rc
	shift 2
	lab_sink "$BOTSINK" run -i sink0 -r "$WORK/rules" --sinkhole "$SINKHOLE" \
		--pin-dir "$PIN_DIR-bad" --state-dir "$WORK/state-bad" --feed "$WORK/bad.jsonl" \
		"$@" 2>"$WORK/bad.err"
	rc=$?
	expect_eq "$what: exit status" "$rc" 2
	grep -q -- "$pattern" "$WORK/bad.err" || fail "$what: no '$pattern' in: $(cat "$WORK/bad.err")"
	[ -e "$PIN_DIR-bad" ] && fail "$what: maps pinned before the error"
	[ -e "$WORK/state-bad" ] && fail "$what: the state directory made before the error"
	[ -z "$DAEMON_PID" ] && lab_sink ip link show sink0 | grep -q xdp &&
		fail "$what: XDP attached before the error"
}

run_bad "a lab address without TLS" "--metrics-cert" --metrics "$METRICS"
run_bad "a port that is not a number" "not ADDR:PORT" --metrics 127.0.0.1:http
run_bad "a certificate without its key" "--metrics-cert and --metrics-key go together" --metrics "$METRICS" \
	--metrics-cert "$T/sensor.pem" --metrics-ca "$T/ca.pem"
run_bad "a missing certificate" "$T/missing.pem" --metrics "$METRICS" \
	--metrics-cert "$T/missing.pem" --metrics-key "$T/sensor.key" --metrics-ca "$T/ca.pem"
run_bad "TLS files without --metrics" "go with --metrics" "${TLS_OPTS[@]}"

start_daemon -r "$WORK/rules" --sinkhole "$SINKHOLE" --interval 0.5 \
	--feed "$WORK/feed.jsonl" --metrics "$METRICS" "${TLS_OPTS[@]}" || finish
run_bad "a port in use" "cannot listen" --metrics "$METRICS" "${TLS_OPTS[@]}"

# scrape [CURL OPTIONS]: GET /metrics from the bots end of the link.
scrape() {
	lab_bots curl -fsS --max-time 5 --cacert "$T/ca.pem" "$@" "https://$METRICS/metrics"
}
# refused WHAT STATUS CURL-ARGS...: that scraper gets HTTP STATUS (000: no
# answer at all) and no metrics.
refused() {
	local what=$1 want=$2 code
	shift 2
	code=$(lab_bots curl -s -o "$WORK/refused.out" -w '%{http_code}' --max-time 5 "$@")
	expect_eq "$what: HTTP status" "$code" "$want"
	grep -q botsink_ "$WORK/refused.out" && fail "$what got the metrics"
}
if scrape --cert "$T/prom.pem" --key "$T/prom.key" >"$WORK/first.prom"; then
	pass "a scraper with the CA's client certificate gets the metrics"
else
	fail "a scrape with the CA's client certificate failed"
fi
refused "a scraper without a client certificate" 403 --cacert "$T/ca.pem" "https://$METRICS/metrics"
refused "a scraper with another CA's certificate" 403 --cacert "$T/ca.pem" \
	--cert "$T/rogue.pem" --key "$T/rogue.key" "https://$METRICS/metrics"
refused "plain HTTP on the lab address" 000 "http://$METRICS/metrics"
grep -q "refused a scraper: " "$WORK/daemon.err" || fail "no refused scraper logged"
grep "refused a scraper" "$WORK/daemon.err" | grep -q "198\.18\." &&
	fail "a scraper's address in the log"

# Known check-ins: 1+..+10 Zeus SYNs (sid 1000001), 4 x 3 Sality datagrams
# (1000020), 2 x 3 IPv6 Zeus SYNs (1000002). Each SYN copy is a new segment.
plan="["
for i in $(seq 1 10); do
	plan+="{\"src\":\"198.18.1.$i\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":$i},"
done
for i in 1 2 3 4; do
	plan+="{\"src\":\"198.18.2.$i\",\"dst\":\"203.0.113.77\",\"proto\":\"udp\",\"dport\":16001,\"count\":3},"
done
for i in 1 2; do
	plan+="{\"src\":\"2001:db8:99::$i\",\"dst\":\"2001:db8:5::10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":3},"
done
sent=$(echo "${plan%,}]" | send_plan)
expect_eq "frames sent" "$sent" 73

cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: sensor
    scheme: https
    tls_config:
      ca_file: $T/ca.pem
      cert_file: $T/prom.pem
      key_file: $T/prom.key
    static_configs:
      - targets: ['$METRICS']
EOF
promtool check config "$WORK/prometheus.yml" >/dev/null 2>&1 ||
	fail "promtool does not accept the test's Prometheus configuration"
# The README's alerting rules: valid, and each fires when it should.
if (cd "$ROOT/tests/e2e" && promtool test rules alerts.test.yml) >"$WORK/rules.out" 2>&1; then
	pass "promtool: the alerting rules fire as alerts.test.yml expects"
else
	fail "promtool test rules: $(cat "$WORK/rules.out")"
fi
nsenter --net="/run/netns/$LAB_BOTS" prometheus --config.file="$WORK/prometheus.yml" \
	--storage.tsdb.path="$WORK/prom-data" --web.listen-address="$PROM" \
	>"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!

# query PROMQL: the value of a one-sample instant query ("" if none).
query() {
	lab_bots curl -sS --max-time 5 "http://$PROM/api/v1/query" --data-urlencode "query=$1" |
		/usr/bin/python3 -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else "")' 2>/dev/null
}

# Until Prometheus has scraped the sensor after the drain (or 30 s).
for _ in $(seq 60); do
	sleep 0.5
	[ "$(query 'botsink_rule_checkins_total{sid="1000001"}')" = 55 ] && break
done
expect_eq "Prometheus: the target is up" "$(query 'up{job="sensor"}')" 1
expect_eq "Prometheus: sid 1000001 check-ins" "$(query 'botsink_rule_checkins_total{sid="1000001"}')" 55
expect_eq "Prometheus: sid 1000002 check-ins" "$(query 'botsink_rule_checkins_total{sid="1000002"}')" 6
expect_eq "Prometheus: sid 1000020 check-ins" "$(query 'botsink_rule_checkins_total{sid="1000020"}')" 12
expect_eq "Prometheus: sid 1000021 check-ins" "$(query 'botsink_rule_checkins_total{sid="1000021"}')" 0
expect_eq "Prometheus: zeus check-ins" "$(query 'botsink_checkins_total{family="zeus"}')" 61
expect_eq "Prometheus: sality check-ins" "$(query 'botsink_checkins_total{family="sality"}')" 12
expect_eq "Prometheus: zeus packets" "$(query 'botsink_packets_total{family="zeus"}')" 61
expect_eq "Prometheus: matched frames" "$(query 'botsink_frames_total{bucket="matched"}')" 73
expect_eq "Prometheus: sum of check-ins over sids" "$(query 'sum(botsink_rule_checkins_total)')" 73
expect_eq "Prometheus: no raw verified check-ins (pass verdict, SYNs only)" \
	"$(query 'sum(botsink_verified_checkins_total)')" 0
expect_eq "Prometheus: rules loaded" "$(query 'botsink_rules_loaded')" "$(grep -c '^alert' "$WORK/rules")"
[ "$(query 'botsink_drain_epochs_total{outcome="committed"} > 0')" != "" ] ||
	fail "Prometheus: no committed epoch"
[ "$(query 'botsink_drain_last_commit_age_seconds < 3')" != "" ] ||
	fail "Prometheus: the last commit is not recent"
[ "$(query 'botsink_drain_epoch_duration_seconds_count > 0')" != "" ] ||
	fail "Prometheus: no drain duration observed"
expect_eq "Prometheus: the sources table's capacity" \
	"$(query 'botsink_table_capacity{table="sources"}')" 65536
expect_eq "Prometheus: nothing in the feed's spool" "$(query 'botsink_spool_bytes{output="feed"}')" 0

# The exposition, as promtool reads it, and what it must never show.
scrape --cert "$T/prom.pem" --key "$T/prom.key" >"$WORK/metrics.prom"
if promtool check metrics <"$WORK/metrics.prom" >"$WORK/promtool.out" 2>&1; then
	pass "promtool check metrics accepts the exposition ($(wc -l <"$WORK/metrics.prom") lines)"
else
	fail "promtool check metrics: $(cat "$WORK/promtool.out")"
fi
if grep -Eq '198\.18\.[12]\.|2001:db8:99' "$WORK/metrics.prom"; then
	fail "a source address is in the metrics: $(grep -E '198\.18\.[12]\.|2001:db8:99' "$WORK/metrics.prom" | head -3)"
else
	pass "no source address in the metrics"
fi
key_id=$("$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["anon_key_id"])' "$WORK/feed.jsonl")
expect_eq "the key in use, as the feed's records name it" \
	"$(grep -c "^botsink_anon_key_info{output=\"feed\",mode=\"ipcrypt-pfx\",key_id=\"$key_id\"} 1$" "$WORK/metrics.prom")" 1

# A reload refused (a broken rule), then one applied: both counted.
echo 'alert tcp any any -> 203.0.113.10 80 (sid:bad;)' >>"$WORK/rules"
kill -HUP "$DAEMON_PID"
sleep 1
cp "$ROOT/tests/e2e/lab.rules" "$WORK/rules"
kill -HUP "$DAEMON_PID"
sleep 1
scrape --cert "$T/prom.pem" --key "$T/prom.key" >"$WORK/reload.prom"
value() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/reload.prom"; }
expect_eq "reloads refused" "$(value 'botsink_rule_reloads_total{result="refused"}')" 1
expect_eq "reloads applied" "$(value 'botsink_rule_reloads_total{result="applied"}')" 1
expect_eq "sid 1000001's check-ins after the reloads" \
	"$(value 'botsink_rule_checkins_total{sid="1000001",family="zeus"}')" 55

stop_daemon TERM
expect_eq "daemon exit status" "$?" 0
finish
