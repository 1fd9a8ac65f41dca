#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The cost of being watched: the daemon's drain time with and without a
# scraper polling GET /metrics every 100 ms (ten times Prometheus's
# fastest usual rate), in one run. The real daemon counts on a veth lab
# while the generator sends SYNs from BENCH_METRICS_SOURCES sources at a
# steady rate, so that every epoch (1 s) drains that many records. The
# scraper is one process on one keep-alive connection, as Prometheus
# scrapes. Phases alternate (quiet, scraped; 8 rounds) so that
# drift shows as the spread between like phases. Each phase's mean drain
# step comes from the daemon's own histogram (sum and count read before
# and after it); the scrapes' time from the scraper.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
BOTSINK="$ROOT/$BUILD/botsink"
GEN="$ROOT/$BUILD/tests/botsink-gen"
SOURCES=${BENCH_METRICS_SOURCES:-20000}
PHASE_S=${BENCH_METRICS_PHASE_S:-6}
ROUNDS=${BENCH_METRICS_ROUNDS:-8}
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

# nsenter itself (it execs): $! is the daemon.
nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$ROOT/tests/e2e/lab.rules" \
	--sinkhole 203.0.113.0/24,2001:db8:5::/48 --interval 1 --feed "$WORK/feed.jsonl" \
	--pin-dir "$PIN_DIR" --state-dir "$WORK/state" --metrics "$METRICS" 2>"$WORK/daemon.err" &
DAEMON_PID=$!
for _ in $(seq 100); do grep -q "counting on" "$WORK/daemon.err" && break; sleep 0.05; done
grep -q "counting on" "$WORK/daemon.err" || { cat "$WORK/daemon.err" >&2; exit 1; }

frames=$((RATE * (PHASE_S * 2 * ROUNDS + 8)))
nsenter --net="/run/netns/$LAB_BOTS" "$GEN" -i bots0 --dst-mac "$LAB_SINK_MAC" --src 198.18.64.1 --dst 203.0.113.10 \
	--dport 80 --sources "$SOURCES" --frames "$frames" --rate "$RATE" --mode af_packet \
	>"$WORK/gen.out" 2>"$WORK/gen.err" &
GEN_PID=$!
sleep 3 # the first epochs: buffers touched, the table at its steady fill

# scraper SECONDS: GET /metrics every 100 ms on one connection; "N MEAN_MS".
scraper() {
	lab_sink /usr/bin/python3 - "$METRICS" "$1" <<'PYEOF'
import http.client, sys, time
host, port = sys.argv[1].rsplit(":", 1)
conn = http.client.HTTPConnection(host, int(port), timeout=5)
end, n, spent = time.monotonic() + float(sys.argv[2]), 0, 0.0
while time.monotonic() < end:
    t = time.monotonic()
    conn.request("GET", "/metrics")
    body = conn.getresponse().read()
    spent += time.monotonic() - t
    n += 1
    time.sleep(0.1)
print(n, spent * 1000 / max(n, 1))
PYEOF
}

# phase SCRAPED: PHASE_S seconds; prints "MEAN_MS EPOCHS [SCRAPES SCRAPE_MS]".
phase() {
	local before after scraped=""
	before=$(drain_totals)
	if [ "$1" = yes ]; then scraped=$(scraper "$PHASE_S"); else sleep "$PHASE_S"; fi
	after=$(drain_totals)
	awk -v b="$before" -v a="$after" -v s="$scraped" 'BEGIN {
		split(b, x, " "); split(a, y, " "); c = y[2] - x[2]
		printf "%.2f %d %s\n", c ? (y[1] - x[1]) * 1000 / c : 0, c, s }'
}

echo "drain with and without a scraper: $SOURCES sources at $RATE SYNs/s, an epoch a second,"
echo "$ROUNDS rounds of $PHASE_S s quiet then $PHASE_S s scraped every 100 ms (one keep-alive connection)"
quiet=() watched=()
for r in $(seq "$ROUNDS"); do
	q=$(phase no)
	w=$(phase yes)
	read -r qm qe <<<"$q"
	read -r wm we wn ws <<<"$w"
	printf "  round %d: drain step %6.2f ms quiet (%d epochs), %6.2f ms scraped (%d epochs; %d scrapes, %.2f ms each)\n" \
		"$r" "$qm" "$qe" "$wm" "$we" "$wn" "$ws"
	quiet+=("$qm") watched+=("$wm")
done
# The rounds' medians, their spread, and the mean of each round's difference
# (scraped - quiet, a pair close in time: the machine's drift cancels).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f", hi - lo }'; }
qspread=$(spread "${quiet[@]}")
printf "  median drain step: %s ms quiet, %s ms scraped; spread of the quiet rounds: %s ms\n" \
	"$(median "${quiet[@]}")" "$(median "${watched[@]}")" "$qspread"
paste <(printf '%s\n' "${quiet[@]}") <(printf '%s\n' "${watched[@]}") | awk -v noise="$qspread" '
	{ d += $2 - $1; q += $1; n++ }
	END {
		d /= n; q /= n
		printf "  scraped - quiet, mean over the rounds: %+.2f ms (%+.1f %%): %s the spread of the quiet rounds\n",
			d, d * 100 / q, (d < 0 ? -d : d) <= noise ? "within" : "BEYOND"
	}'
records=$(scrape | awk '$1 == "botsink_drain_epoch_records" { print $2 }')
scrape >"$WORK/metrics.prom"
echo "  records in the last epoch: $records; one exposition: $(wc -c <"$WORK/metrics.prom") bytes"
