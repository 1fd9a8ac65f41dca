#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The cost of being watched: the daemon's drain time with and without a
# scraper polling GET /metrics every 100 ms (ten times Prometheus's
# fastest usual rate), in one run. The real daemon counts on a veth lab
# while the generator sends SYNs from BENCH_METRICS_SOURCES sources at a
# steady rate, so that every epoch (1 s) drains that many records. Phases
# alternate (quiet, scraped, quiet, scraped) so that drift shows as the
# spread between like phases. Each phase's mean drain step comes from the
# daemon's own histogram (sum and count read before and after it); the
# scrapes' mean time from curl.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
BOTSINK="$ROOT/$BUILD/botsink"
GEN="$ROOT/$BUILD/tests/botsink-gen"
SOURCES=${BENCH_METRICS_SOURCES:-20000}
PHASE_S=${BENCH_METRICS_PHASE_S:-8}
RATE=100000 # frames per second: every source several times per epoch
METRICS=127.0.0.1:9464
# shellcheck source=../../scripts/lab.sh
. "$ROOT/scripts/lab.sh"

WORK=$(mktemp -d /tmp/botsink-bench-metrics-XXXXXX)
PIN_DIR=/sys/fs/bpf/botsink-bench-metrics-$$
DAEMON_PID= GEN_PID=
cleanup() {
	local pid
	for pid in $GEN_PID $DAEMON_PID; do
		kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	lab_down
	rm -rf "$WORK" "$PIN_DIR"
}
lab_on_exit cleanup
lab_up "bbm$$"

scrape() { lab_sink curl -sS --max-time 5 "http://$METRICS/metrics"; }
# drain_totals: "SUM COUNT" of the drain step histogram.
drain_totals() {
	scrape | awk '$1 == "botsink_drain_epoch_duration_seconds_sum" { s = $2 }
		$1 == "botsink_drain_epoch_duration_seconds_count" { c = $2 }
		END { print s + 0, c + 0 }'
}

lab_sink "$BOTSINK" run -i sink0 -r "$ROOT/tests/e2e/lab.rules" \
	--sinkhole 203.0.113.0/24,2001:db8:5::/48 --interval 1 --feed "$WORK/feed.jsonl" \
	--pin-dir "$PIN_DIR" --state-dir "$WORK/state" --metrics "$METRICS" 2>"$WORK/daemon.err" &
DAEMON_PID=$!
for _ in $(seq 100); do grep -q "counting on" "$WORK/daemon.err" && break; sleep 0.05; done
grep -q "counting on" "$WORK/daemon.err" || { cat "$WORK/daemon.err" >&2; exit 1; }

frames=$((RATE * (PHASE_S * 4 + 6)))
lab_bots "$GEN" -i bots0 --dst-mac "$LAB_SINK_MAC" --src 198.18.64.1 --dst 203.0.113.10 \
	--dport 80 --sources "$SOURCES" --frames "$frames" --rate "$RATE" --mode af_packet \
	>"$WORK/gen.out" 2>"$WORK/gen.err" &
GEN_PID=$!
sleep 3 # the first epochs: buffers touched, the table at its steady fill

# phase NAME SCRAPER: PHASE_S seconds; "mean_ms epochs [scrapes scrape_ms]".
phase() {
	local before after scrapes=0 t0 total_ms=0 end
	before=$(drain_totals)
	end=$((SECONDS + PHASE_S))
	if [ "$2" = yes ]; then
		while [ $SECONDS -lt $end ]; do
			t0=$(date +%s%N)
			scrape >/dev/null
			total_ms=$((total_ms + ($(date +%s%N) - t0) / 1000000))
			scrapes=$((scrapes + 1))
			sleep 0.1
		done
	else
		sleep "$PHASE_S"
	fi
	after=$(drain_totals)
	awk -v b="$before" -v a="$after" -v n="$scrapes" -v t="$total_ms" -v name="$1" 'BEGIN {
		split(b, x, " "); split(a, y, " ")
		c = y[2] - x[2]
		printf "  %-22s drain step %7.2f ms mean over %2d epochs", name, c ? (y[1] - x[1]) * 1000 / c : 0, c
		if (n) printf "; %d scrapes, %.1f ms each (curl, whole request)", n, t / n
		printf "\n"
	}'
}

echo "drain with and without a scraper: $SOURCES sources at $RATE SYNs/s, an epoch a second"
phase "no scraper (1)" no
phase "scraped every 100 ms (1)" yes
phase "no scraper (2)" no
phase "scraped every 100 ms (2)" yes
records=$(scrape | awk '$1 == "botsink_drain_epoch_records" { print $2 }')
scrape >"$WORK/metrics.prom"
echo "  records in the last epoch: $records; one exposition: $(wc -c <"$WORK/metrics.prom") bytes"
