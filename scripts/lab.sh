# shellcheck shell=bash
# A veth lab between two network namespaces this script creates: "bots"
# (the sender, bots0) and "sink" (the sinkhole, sink0, where XDP runs).
# Nothing is routed by the root namespace. Source it, then:
#   lab_up PREFIX      create ${PREFIX}-bots and ${PREFIX}-sink
#   lab_bots CMD...    run CMD in the bots namespace
#   lab_sink CMD...    run CMD in the sink namespace
#   lab_down           remove both (also called from the EXIT trap)
#   lab_on_exit FUNC   run FUNC (which calls lab_down) on exit, INT or TERM
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
