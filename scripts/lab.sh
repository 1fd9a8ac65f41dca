# shellcheck shell=bash
# A veth lab between two network namespaces this script creates: "bots"
# (the sender, bots0) and "sink" (the sinkhole, sink0, where XDP runs).
# Nothing is routed by the root namespace. Source it, then:
#   lab_up PREFIX      create ${PREFIX}-bots and ${PREFIX}-sink
#   lab_bots CMD...    run CMD in the bots namespace
#   lab_sink CMD...    run CMD in the sink namespace
#   lab_down           remove both (also called from the EXIT trap)
#   lab_on_exit FUNC   run FUNC (which calls lab_down) on exit, INT or TERM
#   lab_sink_napi_thread CPU  sink0's NAPI in a thread of its own on CPU
#   lab_link_stats     sink0's RX and bots0's TX counters
#   lab_wait_rx N      wait until sink0 has received N frames
# Lab addresses: link 198.18.0.0/24 (RFC 2544 benchmarking range);
# sinkhole 203.0.113.0/24 and 2001:db8:5::/48 (documentation ranges).

LAB_LINK_BOTS=198.18.0.2
LAB_LINK_SINK=198.18.0.1

lab_bots() { nsenter --net="/run/netns/$LAB_BOTS" "$@"; }
lab_sink() { nsenter --net="/run/netns/$LAB_SINK" "$@"; }

lab_down() {
	if [ -n "${LAB_BOTS:-}" ]; then ip netns del "$LAB_BOTS" 2>/dev/null || true; fi
	if [ -n "${LAB_SINK:-}" ]; then ip netns del "$LAB_SINK" 2>/dev/null || true; fi
}

# lab_on_exit FUNC: run FUNC when the script ends, also when it is
# interrupted or killed by SIGTERM (timeout): an untrapped signal would end
# bash without its EXIT trap and leave the namespaces behind.
lab_on_exit() {
	# shellcheck disable=SC2064
	trap "$1" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Mount /sys/fs/bpf when it is missing (pins need it).
lab_bpffs() {
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}

lab_up() {
	LAB_BOTS="$1-bots"
	LAB_SINK="$1-sink"
	lab_down
	lab_bpffs
	ip netns add "$LAB_BOTS"
	ip netns add "$LAB_SINK"
	ip link add bots0 netns "$LAB_BOTS" type veth peer name sink0 netns "$LAB_SINK"
	# No IPv6 on the sender: no stray ND/MLD frames in the sink's counters.
	lab_bots sysctl -qw net.ipv6.conf.bots0.disable_ipv6=1
	lab_bots ip addr add "$LAB_LINK_BOTS/24" dev bots0
	lab_bots ip link set bots0 up
	lab_bots ip link set lo up
	lab_sink sysctl -qw net.ipv6.conf.sink0.accept_dad=0
	lab_sink ip addr add "$LAB_LINK_SINK/24" dev sink0
	lab_sink ip link set sink0 up
	lab_sink ip link set lo up
	# The sinkhole answers for its whole space (pass verdict).
	lab_sink ip route add local 203.0.113.0/24 dev lo
	lab_sink ip -6 route add local 2001:db8:5::/48 dev lo
	# Frames sent with a VLAN tag must reach sink0's XDP with the tag in the
	# frame: no VLAN offload on the sender.
	lab_bots ethtool -K bots0 tx-vlan-offload off >/dev/null
	# nsenter keeps the root namespace's /sys: ask ip, not sysfs.
	LAB_SINK_MAC=$(lab_sink ip -br link show sink0 | awk '{print $3}')
	export LAB_BOTS LAB_SINK LAB_SINK_MAC
}

# lab_sink_napi_thread CPU: sink0's NAPI (the receive path, XDP included)
# in a kernel thread of its own, pinned to CPU, so that a sender on another
# CPU can outrun it. NAPI exists only while sink0 runs XDP or has GRO on.
# Sets LAB_NAPI_PIDS.
lab_sink_napi_thread() {
	local pid
	# ip netns exec: nsenter would keep the root namespace's /sys.
	ip netns exec "$LAB_SINK" sh -c 'echo 1 > /sys/class/net/sink0/threaded' || return 1
	LAB_NAPI_PIDS=$(pgrep '^napi/sink0-')
	[ -n "$LAB_NAPI_PIDS" ] || return 1
	# Another lab's sink0 (one being torn down) may own a thread that is
	# gone by now: only a thread still there must move.
	for pid in $LAB_NAPI_PIDS; do
		taskset -pc "$1" "$pid" >/dev/null 2>&1 || [ ! -e "/proc/$pid" ] || return 1
	done
}

# lab_link_stats: "RX RX_DROPPED TX_DROPPED": the frames sink0 received
# (with XDP attached: the frames its XDP program ran on), the frames lost
# at its ring (live frames, which a veth drops when its peer's ring is
# full), and the frames bots0 refused because that ring was full (an
# AF_PACKET sender hears ENOBUFS, and botsink-gen sends them again).
lab_link_stats() {
	local rx tx
	rx=$(lab_sink ip -s -j link show sink0) || return 1
	tx=$(lab_bots ip -s -j link show bots0) || return 1
	/usr/bin/python3 -c 'import json, sys
rx = json.loads(sys.argv[1])[0]["stats64"]["rx"]
tx = json.loads(sys.argv[2])[0]["stats64"]["tx"]
print(rx["packets"], rx["dropped"], tx["dropped"])' "$rx" "$tx"
}

# lab_wait_rx N: wait (up to 10 s) until sink0 has received N frames in
# all; what is still in its ring when a sender stops takes a moment.
lab_wait_rx() {
	local rx
	for _ in $(seq 100); do
		read -r rx _ <<<"$(lab_link_stats)"
		[ "$rx" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
