# shellcheck shell=bash
# Helpers for the NATS tests: a CA, a server certificate and a rogue CA
# (openssl), a cluster configured by `botsink nats-config` on free ports of
# 127.0.0.1, its nats-server nodes in the background (logs in the test's
# directory), readiness through the https monitoring port, kill -9 and
# restart of a node, and assertions that name what failed. The EXIT trap
# stops every node this test started, also when it fails half-way.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BOTSINK="$ROOT/${BUILD:-build}/botsink"
BUS_TOOL="$ROOT/${BUILD:-build}/tests/bus_tool"
PARTNER_CLIENT="$ROOT/${BUILD:-build}/tests/partner_client"
TEST_NAME=$(basename "$0" .sh)

for tool in nats-server openssl curl; do
	if ! command -v "$tool" >/dev/null; then
		echo "$TEST_NAME: skipped: no $tool (scripts/setup.sh installs it)"
		exit 77
	fi
done
for bin in "$BOTSINK" "$BUS_TOOL"; do
	[ -x "$bin" ] || { echo "$TEST_NAME: $bin missing: make all $BUS_TOOL" >&2; exit 1; }
done

# Set here, used by the tests that source this file.
# shellcheck disable=SC2034
WORK=$(mktemp -d "/tmp/botsink-$TEST_NAME-XXXXXX")
NATS_DIR=$WORK/nats # nats-config's --out
TLS_DIR=$NATS_DIR/tls # its default certificate paths
CA=$TLS_DIR/ca.pem
# shellcheck disable=SC2034
ROGUE_CA=$WORK/rogue-ca.pem CREDS=$NATS_DIR/creds
declare -a NODE_PIDS=()
NODES=0 PORT_BASE=0 NATS_URLS=

nats_cleanup() {
	local pid
	[ -n "${EXTRA_CLEANUP:-}" ] && eval "$EXTRA_CLEANUP"
	for pid in "${NODE_PIDS[@]}"; do
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	done
	for pid in "${NODE_PIDS[@]}"; do
		[ -n "$pid" ] && wait "$pid" 2>/dev/null
	done
	[ -n "${BUS_NS:-}" ] && ip netns del "$BUS_NS" 2>/dev/null
	# BOTSINK_TEST_KEEP=1: the logs stay, for a post-mortem.
	if [ -n "${BOTSINK_TEST_KEEP:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap nats_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The cluster's address: 127.0.0.1, or BUS_HOST in its own namespace
# (bus_netns_up), which lab namespaces reach through bus_link.
BUS_HOST=127.0.0.1 BUS_NS=
in_bus() { if [ -n "$BUS_NS" ]; then nsenter --net="/run/netns/$BUS_NS" "$@"; else "$@"; fi; }

# bus_netns_up: a namespace of its own for the nodes (and the hubs and
# readers), listening on BUS_HOST (10.199.0.1 on its loopback).
bus_netns_up() {
	BUS_NS="bsbus$$"
	BUS_HOST=10.199.0.1
	ip netns add "$BUS_NS"
	in_bus ip link set lo up
	in_bus ip addr add "$BUS_HOST/32" dev lo
}

# bus_link NETNS N: a veth from namespace NETNS (a lab's sink) to the bus
# namespace, 10.199.N.0/30, and a route to BUS_HOST through it.
bus_link() {
	local ns=$1 n=$2
	ip link add "bus$n" netns "$ns" type veth peer name "lab$n" netns "$BUS_NS"
	nsenter --net="/run/netns/$ns" ip addr add "10.199.$n.2/30" dev "bus$n"
	nsenter --net="/run/netns/$ns" ip link set "bus$n" up
	in_bus ip addr add "10.199.$n.1/30" dev "lab$n"
	in_bus ip link set "lab$n" up
	nsenter --net="/run/netns/$ns" ip route add "$BUS_HOST/32" via "10.199.$n.1"
}

# kill_reap PID...: SIGKILL to each PID given (empty ones skipped), then reaped.
kill_reap() {
	local pid
	for pid; do
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
}

# raw_partner NAME SCOPE [OUTPUT]: a partners.ini section, SCOPE's records raw
# (anon none), verified or not, to OUTPUT (none: to the bus only).
raw_partner() {
	printf '[%s]\nscope = %s\nanon = none\nverified_only = no\n' "$1" "$2"
	[ -z "${3:-}" ] || printf 'output = %s\n' "$3"
}

# send_syns WAVE N: N sources of wave WAVE, 2 SYNs each to 203.0.113.10:80,
# from the bots namespace $BOTS_NS to $MAC: odd ones in 198.18.20.0/24,
# even ones in 198.18.10.0/24 (past 250 sources, in the /24s 2 above).
send_syns() {
	local w=$1 n=$2 i p="[" src
	for ((i = 1; i <= n; i++)); do
		src=198.18.$(((i % 2 ? 20 : 10) + 2 * ((i - 1) / 250))).$(((w * 60 + i) % 250 + 1))
		p+="{\"src\":\"$src\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":2},"
	done
	echo "${p%,}]" | nsenter --net="/run/netns/$BOTS_NS" /usr/bin/python3 "$ROOT/scripts/lab_send.py" \
		--iface bots0 --dst-mac "$MAC" >/dev/null
}

# one_sensor_cluster LAB PARTNERS: a one-node TLS cluster configured for
# sensor "a" and PARTNERS, in the bus namespace, linked to a veth lab LAB
# (scripts/lab.sh, sourced by the test) whose namespaces become SINK_NS and
# BOTS_NS (the test's cleanup deletes them), its sinkhole's MAC MAC.
one_sensor_cluster() {
	tls_setup
	bus_netns_up
	lab_up "$1"
	SINK_NS=$LAB_SINK BOTS_NS=$LAB_BOTS MAC=$LAB_SINK_MAC
	bus_link "$LAB_SINK" 1
	LAB_SINK= LAB_BOTS=
	nats_config 1 "$2" a
	cluster_start
}

# shellcheck source=../assert.sh
. "$ROOT/tests/assert.sh"
# shellcheck source=../tls.sh
. "$ROOT/tests/tls.sh"

# expect WHAT STATUS PATTERN CMD...: CMD exits with STATUS and its stderr
# matches PATTERN (grep -Ei; "" for anything). Its stdout is in $OUT.
expect() {
	local what=$1 want=$2 pattern=$3 rc errf
	shift 3
	errf=$(mktemp -p "$WORK" stderr.XXXXXX)
	OUT=$("$@" 2>"$errf")
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$what: exit $rc, expected $want: $(cat "$errf")"
	elif [ -n "$pattern" ] && ! grep -Eqi -- "$pattern" "$errf"; then
		fail "$what: stderr lacks /$pattern/: $(cat "$errf")"
	else
		pass "$what (exit $rc)"
	fi
}

# eventually WHAT SECONDS CMD...: CMD exits 0 within SECONDS, tried again
# each second (a cluster electing leaders after losing a node). Its
# stdout is in $OUT.
eventually() {
	local what=$1 end=$((SECONDS + $2)) errf
	shift 2
	errf=$(mktemp -p "$WORK" stderr.XXXXXX)
	while :; do
		# shellcheck disable=SC2034
		OUT=$("$@" 2>"$errf") && { pass "$what"; return 0; }
		[ $SECONDS -lt $end ] || break
		sleep 1
	done
	fail "$what: $(cat "$errf")"
	return 1
}

# in_parallel: run the `expect` lines given on stdin side by side (each
# refusal waits for its request's timeout); their verdicts count.
in_parallel() {
	local line n=0 r pids=()
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		n=$((n + 1))
		eval "expect $line" >"$WORK/parallel.$n" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	for ((r = 1; r <= n; r++)); do
		cat "$WORK/parallel.$r"
		grep -q "FAIL" "$WORK/parallel.$r" && FAILURES=$((FAILURES + 1))
	done
}

# tls_setup: a CA, the nodes' certificate (localhost, 127.0.0.1; server and
# client use: routes verify it both ways) in TLS_DIR, and a rogue CA.
tls_setup() {
	mkdir -p "$TLS_DIR"
	if ! tls_ca "$WORK/ca.key" "$CA" "botsink test CA" ||
		! tls_cert "$CA" "$WORK/ca.key" "$TLS_DIR/server.key" "$TLS_DIR/server.pem" localhost \
			"DNS:localhost,IP:127.0.0.1,IP:10.199.0.1" serverAuth,clientAuth ||
		! tls_ca "$WORK/rogue.key" "$ROGUE_CA" "rogue CA"; then
		echo "$TEST_NAME: openssl could not make the certificates" >&2
		exit 1
	fi
}

# port_free PORT: nothing listens on it (TCP).
port_free() {
	[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# free_ports N: PORT_BASE such that 3 x N ports from it are free (clients,
# routes, monitoring: N each).
free_ports() {
	local n=$1 base p ok
	for _ in $(seq 50); do
		base=$((20000 + RANDOM % 30000))
		ok=1
		for ((p = base; p < base + 3 * n; p++)); do
			port_free "$p" || { ok=0; break; }
		done
		[ $ok -eq 1 ] && { PORT_BASE=$base; return 0; }
	done
	echo "$TEST_NAME: no free ports" >&2
	exit 1
}

# nats_config N PARTNERS SENSORS: botsink nats-config for N nodes on
# 127.0.0.1; sets NODES, PORT_BASE and NATS_URLS (its last line).
nats_config() {
	NODES=$1
	free_ports "$NODES"
	"$BOTSINK" nats-config --partners "$2" --sensors "$3" --out "$NATS_DIR" --nodes "$NODES" \
		--host "$BUS_HOST" \
		--client-port "$PORT_BASE" --cluster-port $((PORT_BASE + NODES)) \
		--monitor-port $((PORT_BASE + 2 * NODES)) >"$WORK/nats-config.out" ||
		{ echo "$TEST_NAME: nats-config failed" >&2; exit 1; }
	# shellcheck disable=SC2034
	NATS_URLS=$(tail -n 1 "$WORK/nats-config.out")
}

monitor_port() { echo $((PORT_BASE + 2 * NODES + $1 - 1)); }

# node_start I: node I (1-based) in the background.
node_start() {
	# nsenter execs: $! is the node itself.
	if [ -n "$BUS_NS" ]; then
		nsenter --net="/run/netns/$BUS_NS" nats-server -c "$NATS_DIR/node-$1.conf" \
			>>"$WORK/node-$1.log" 2>&1 &
	else
		nats-server -c "$NATS_DIR/node-$1.conf" >>"$WORK/node-$1.log" 2>&1 &
	fi
	NODE_PIDS[$1]=$!
}

# node_kill I: kill -9, and reap it.
node_kill() {
	kill -KILL "${NODE_PIDS[$1]}" 2>/dev/null
	wait "${NODE_PIDS[$1]}" 2>/dev/null
	NODE_PIDS[$1]=
}

# node_ready I [SECONDS [QUERY]]: its https /healthz says ok: JetStream up, a meta
# leader known, its streams and consumers current.
# With QUERY js-server-only=true: JetStream up and the cluster's meta
# leader known (a node back in a cluster whose streams and consumers it is
# still catching up on, which takes up to a minute).
node_ready() {
	local url
	url="https://$BUS_HOST:$(monitor_port "$1")/healthz${3:+?$3}"
	for _ in $(seq $((${2:-20} * 5))); do
		in_bus curl -s --max-time 1 --cacert "$CA" "$url" 2>/dev/null | grep -q '"ok"' && return 0
		kill -0 "${NODE_PIDS[$1]}" 2>/dev/null || break
		sleep 0.2
	done
	echo "$TEST_NAME: node $1 not ready: $(tail -n 5 "$WORK/node-$1.log")" >&2
	return 1
}

# cluster_start: every node, then wait until each is ready.
cluster_start() {
	local i
	for ((i = 1; i <= NODES; i++)); do node_start "$i"; done
	for ((i = 1; i <= NODES; i++)); do node_ready "$i" || exit 1; done
}

# jsz I QUERY: node I's /jsz monitoring answer.
jsz() {
	in_bus curl -s --max-time 2 --cacert "$CA" "https://$BUS_HOST:$(monitor_port "$1")/jsz?$2"
}
