#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make bench, the bus part: a 3-node TLS cluster as botsink nats-config
# writes it (tests/nats/lib.sh), in a network namespace of its own, its
# nodes on any CPU (or BENCH_BUS_NODE_CPUS), every client measured pinned
# to CPU 1 (BENCH_BUS_CLIENT_CPU). In order:
#   1. a sensor's publisher (build/tests/bus_bench publish): a million
#      synthetic counts as one epoch, from feed_write_epoch until sink_sync
#      returns (every message acknowledged by the 3-replica stream),
#      beside the same records into the file feed (jsonl, fsync);
#   2. the real `botsink hub`, 4 partners whose scopes split the sources
#      and the public view, the bench's ASN and country databases: from its
#      start until consumer botsink-hub has nothing pending nor
#      unacknowledged (bus_bench hubwait), and its CPU time;
#   3. what the streams hold then (State.Bytes) and the nodes' store
#      directories (3 replicas of each stream), per million records;
#   4. latency: both streams purged, a veth lab (scripts/lab.sh) whose
#      sinkhole namespace reaches the cluster (bus_link), botsink run
#      --interval 1 --publish there, the hub, and a reader of the public
#      consumer (bus_bench latency); the lab's generator sends check-ins
#      at a steady BENCH_BUS_RATE per second (2,000) from as many sources
#      for BENCH_BUS_SECONDS (20). Latency is a record's receive time minus
#      its last_seen (the last packet XDP counted): it includes the wait
#      for the interval's end (up to one interval, by design), the drain,
#      the publish, the hub and the reader's fetch. The records must hold
#      every check-in sent.
# Then the figures beside their targets. Everything it starts is stopped
# on exit (the trap), also when it fails half-way. BENCH_BUS_HUB_BATCH
# sets the hub's --batch (default its own, 16).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
NODE_CPUS=${BENCH_BUS_NODE_CPUS:-}
CLIENT_CPU=${BENCH_BUS_CLIENT_CPU:-1}
RATE=${BENCH_BUS_RATE:-2000}
TRAFFIC_SECONDS=${BENCH_BUS_SECONDS:-20}
HUB_BATCH=${BENCH_BUS_HUB_BATCH:-}

for tool in nats-server openssl curl; do
	if ! command -v "$tool" >/dev/null; then
		echo "bus bench: skipped: no $tool (scripts/setup.sh installs it)"
		exit 0
	fi
done
if [ "$(nproc)" -lt 2 ]; then
	echo "bus bench: needs 2 CPUs (the cluster and the client apart); skipped"
	exit 0
fi
# shellcheck source=tests/nats/lib.sh
. "$ROOT/tests/nats/lib.sh"
# shellcheck source=scripts/lab.sh
. "$ROOT/scripts/lab.sh"
BUS_BENCH="$ROOT/$BUILD/tests/bus_bench"
GEN="$ROOT/$BUILD/tests/botsink-gen"
PIN_DIR=/sys/fs/bpf/botsink-busbench-$$
HUB_PID='' SENSOR_PID='' READER_PID=''

# stop PID: SIGTERM, then SIGKILL after 5 s; reaped.
stop() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Before the nodes stop (lib.sh's trap calls it first).
# shellcheck disable=SC2317
bench_cleanup() {
	stop "$READER_PID"
	stop "$SENSOR_PID"
	stop "$HUB_PID"
	lab_down
	rm -rf "$PIN_DIR"
}
# shellcheck disable=SC2034 # lib.sh's trap runs it
EXTRA_CLEANUP=bench_cleanup

die() {
	echo "bus bench: $*" >&2
	exit 1
}

# figure FILE NAME: NAME's value on the "figures:" lines of FILE.
figure() {
	grep '^figures:' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -n 1
}

# show FILE: what a bus_bench action printed, without its figures line.
show() {
	grep -v '^figures:' "$1" | sed 's/^/  /'
}

# run_bench ACTION USER ARGS...: bus_bench as USER in the bus namespace on the client CPU;
# its output in $WORK/ACTION.out.
run_bench() {
	local action=$1 user=$2
	shift 2
	in_bus taskset -c "$CLIENT_CPU" "$BUS_BENCH" "$NATS_URLS" "$CREDS/$user.creds" "$CA" \
		"$action" "$@" >"$WORK/$action.out" 2>"$WORK/$action.err" ||
		die "$action: $(cat "$WORK/$action.err")"
}

# shellcheck source=cpu.sh
. "$ROOT/tests/bench/cpu.sh"

# cpu_s TICKS: seconds.
cpu_s() {
	awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / hz }'
}

# hub_start: the real hub in the bus namespace, pinned to the client CPU.
hub_start() {
	local mmdb=()
	[ -n "${BENCH_MMDB_ASN:-}" ] && mmdb+=(--mmdb-asn "$BENCH_MMDB_ASN")
	[ -n "${BENCH_MMDB_GEO:-}" ] && mmdb+=(--mmdb-geo "$BENCH_MMDB_GEO")
	: >"$WORK/hub.log"
	# nsenter and taskset exec: $! is the hub itself.
	nsenter --net="/run/netns/$BUS_NS" taskset -c "$CLIENT_CPU" "$BOTSINK" hub \
		--nats "$NATS_URLS" --auth "$CREDS/hub.creds" --ca "$CA" \
		--partners "$WORK/partners.ini" --state-dir "$WORK/hub" "${mmdb[@]}" \
		${HUB_BATCH:+--batch "$HUB_BATCH"} 2>"$WORK/hub.log" &
	HUB_PID=$!
}

# wait_for FILE TEXT PID: a started process's line.
wait_for() {
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.1
	done
	die "no '$2' in $1: $(tail -n 5 "$1")"
}

# target WHAT VALUE LIMIT UNIT [min]: met, or missed by how much.
target() {
	awk -v w="$1" -v v="$2" -v l="$3" -v u="$4" -v min="${5:-}" 'BEGIN {
		met = min ? v >= l : v <= l
		printf "  %-44s %10.0f %-10s target %s %s %-10s ", w, v, u, min ? ">=" : "<=", l, u
		if (met)
			print "met"
		else
			printf "missed by %.0f %s (%.0f %%)\n", min ? l - v : v - l, u, 100 * (min ? l - v : v - l) / l
	}'
}

echo
echo "the bus: a 3-node TLS cluster (nats-server $(nats-server --version | awk '{ print $2 }'), 3 replicas), nodes on ${NODE_CPUS:-any} CPU, publisher, hub and reader on CPU $CLIENT_CPU"
bus_netns_up
tls_setup
# Four partners whose scopes split the synthetic sources (10.0.0.0 + 7 i):
# 300,000, 300,000, 300,000 and 100,000 records, one per anonymization.
cat >"$WORK/partners.ini" <<'EOF'
[raw]
scope = 10.0.0.0/11
anon = none
format = shadowserver-csv
[pfx]
scope = 10.32.0.0/11
format = intelmq
[trunc]
scope = 10.64.0.0/11
anon = truncate
[det]
scope = 10.96.0.0/11
anon = ipcrypt-deterministic
EOF
nats_config 3 "$WORK/partners.ini" bench,lab
cluster_start
for pid in "${NODE_PIDS[@]}"; do
	[ -z "$NODE_CPUS" ] || taskset -apc "$NODE_CPUS" "$pid" >/dev/null || die "cannot pin node $pid"
done
in_bus "$BOTSINK" streams --nats "$NATS_URLS" --auth "$CREDS/hub.creds" --ca "$CA" \
	--partners "$WORK/partners.ini" >"$WORK/streams.out" 2>&1 || die "streams: $(cat "$WORK/streams.out")"

# 1. A sensor's epoch of a million counts, and the file feed.
N0=$(cpu_ticks "${NODE_PIDS[@]}")
run_bench publish sensor-bench bench
show "$WORK/publish.out"
echo "  the nodes' CPU meanwhile: $(cpu_s $(($(cpu_ticks "${NODE_PIDS[@]}") - N0))) s"
RECORDS=$(figure "$WORK/publish.out" records)

# 2. The hub on one CPU, until its consumer is drained.
N0=$(cpu_ticks "${NODE_PIDS[@]}")
T0=$(date +%s%N)
hub_start
run_bench hubwait hub 180
HUB_MS=$((($(date +%s%N) - T0) / 1000000))
HUB_TICKS=$(cpu_ticks "$HUB_PID")
NODE_TICKS=$(($(cpu_ticks "${NODE_PIDS[@]}") - N0))
stop "$HUB_PID"
HUB_PID=
show "$WORK/hubwait.out"
# "in N messages (R records), out M messages (S records), F refused"
read -r IN_RECORDS OUT_RECORDS REFUSED <<<"$(sed -n 's/.*in [0-9]* messages (\([0-9]*\) records), out [0-9]* messages (\([0-9]*\) records), [0-9]* repeats dropped, \([0-9]*\) refused.*/\1 \2 \3/p' \
	"$WORK/hub.log" | tail -n 1)"
[ "${IN_RECORDS:-0}" = "$RECORDS" ] || die "the hub read ${IN_RECORDS:-no} records of $RECORDS: $(tail -n 5 "$WORK/hub.log")"
awk -v i="$IN_RECORDS" -v o="$OUT_RECORDS" -v ms="$HUB_MS" -v cpu="$(cpu_s "$HUB_TICKS")" \
	-v f="$REFUSED" -v nodes="$(cpu_s "$NODE_TICKS")" 'BEGIN {
	printf "  hub: %d records in, %d partner and public records out (%d refused) in %.2f s: %.0f records/s in, %.0f out\n",
		i, o, f, ms / 1e3, i / (ms / 1e3), o / (ms / 1e3)
	printf "    its CPU %.1f s (%.0f records in per CPU second); the nodes'"'"' CPU meanwhile %.1f s\n",
		cpu, i / cpu, nodes
}'

# 3. What the streams hold, and the nodes' disk.
run_bench streams hub
STORE_BYTES=$(du -s --block-size=1 "$NATS_DIR"/data/node-* | awk '{ s += $1 } END { print s }')
awk -v r="$RECORDS" -v o="$OUT_RECORDS" -v du="$STORE_BYTES" \
	-v cb="$(figure "$WORK/streams.out" counts_bytes)" -v cm="$(figure "$WORK/streams.out" counts_msgs)" \
	-v pb="$(figure "$WORK/streams.out" partners_bytes)" -v pm="$(figure "$WORK/streams.out" partners_msgs)" 'BEGIN {
	printf "  BOTSINK_COUNTS:   %d records in %d messages, %.0f MB: %.0f MB per million records (one replica)\n", r, cm, cb / 1e6, cb / r
	printf "  BOTSINK_PARTNERS: %d records in %d messages, %.0f MB: %.0f MB per million records (one replica)\n", o, pm, pb / 1e6, pb / o
	printf "  the 3 nodes'"'"' store directories: %.0f MB for both streams, 3 replicas each: %.0f MB per million counts with their %.1f million partner records\n", du / 1e6, du / r, o / r
}'

# 4. Latency: a real sensor in a lab, the hub, a reader of the public records.
run_bench purge hub
lab_up "bsb$$"
bus_link "$LAB_SINK" 1
echo 'alert tcp any any -> 203.0.113.10 80 (msg:"bench check-in"; flags:S; sid:1;)' >"$WORK/lab.rules"
hub_start
wait_for "$WORK/hub.log" "hub: " "$HUB_PID"
nsenter --net="/run/netns/$BUS_NS" taskset -c "$CLIENT_CPU" "$BUS_BENCH" "$NATS_URLS" \
	"$CREDS/public.creds" "$CA" latency 5 $((TRAFFIC_SECONDS + 40)) \
	>"$WORK/latency.out" 2>"$WORK/latency.err" &
READER_PID=$!
nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$WORK/lab.rules" \
	--sinkhole 203.0.113.0/24 --verdict drop --interval 1 --feed none --sensor lab \
	--publish "$NATS_URLS" --publish-auth "$CREDS/sensor-lab.creds" --publish-ca "$CA" \
	--state-dir "$WORK/sensor" --pin-dir "$PIN_DIR" 2>"$WORK/sensor.log" &
SENSOR_PID=$!
wait_for "$WORK/sensor.log" "counting on" "$SENSOR_PID"
FRAMES=$((RATE * TRAFFIC_SECONDS))
timeout $((TRAFFIC_SECONDS + 30)) nsenter --net="/run/netns/$LAB_BOTS" "$GEN" -i bots0 --dst-mac "$LAB_SINK_MAC" --src 198.18.16.0 --dst 203.0.113.10 \
	--dport 80 --sources "$RATE" -n "$FRAMES" --rate "$RATE" --mode af_packet \
	>"$WORK/gen.out" 2>&1 || die "the generator failed: $(cat "$WORK/gen.out")"
wait "$READER_PID"
rc=$?
READER_PID=
[ $rc -eq 0 ] || die "latency reader: $(cat "$WORK/latency.err")"
echo "  latency, botsink run --interval 1: $FRAMES check-ins, $RATE a second from $RATE sources ($(cat "$WORK/gen.out"))"
show "$WORK/latency.out"
stop "$SENSOR_PID"
SENSOR_PID=
stop "$HUB_PID"
HUB_PID=
CHECKINS=$(figure "$WORK/latency.out" lat_checkins)
[ "$CHECKINS" = "$FRAMES" ] || die "the public records hold $CHECKINS check-ins of the $FRAMES sent"

echo "targets"
target "sensor: a 1M-record epoch published" "$(figure "$WORK/publish.out" publish_ms)" 3000 ms
# "On one core": per second of the hub's own CPU. Its wall time is the
# cluster's here (3 nodes storing its outputs on the same 2 vCPUs): shown.
target "hub: records in per second of its CPU" \
	"$(awk -v i="$IN_RECORDS" -v cpu="$(cpu_s "$HUB_TICKS")" 'BEGIN { print i / cpu }')" 200000 "records/s" min
target "hub: records in per second of wall time" \
	"$(awk -v i="$IN_RECORDS" -v ms="$HUB_MS" 'BEGIN { print i / (ms / 1e3) }')" 200000 "records/s" min
target "check-in -> public record, p99" "$(figure "$WORK/latency.out" lat_p99_ms)" 2000 ms
exit 0
