#!/bin/bash
# Real bot captures from public test suites (../shared/pcaps, or
# BOTSINK_SHARED) replayed through the lab: each capture's check-ins must be
# counted exactly as tcpdump, reading the same file, counts them; tunnels,
# fragments and tags must land in the right buckets. Skipped (77) without
# the captures.
. "$(dirname "$0")/lib.sh"

PCAPS=${BOTSINK_SHARED:-$ROOT/../shared}/pcaps
if [ ! -f "$PCAPS/MANIFEST.txt" ]; then
	echo "test_captures: no captures in $PCAPS: skipped"
	exit 77
fi

# tcpcount FILE FILTER: packets tcpdump matches.
tcpcount() {
	tcpdump -nn -r "$PCAPS/$1" "$2" 2>/dev/null | wc -l
}

# replay NAME CAPTURE SINKHOLE RULE...: run the daemon with these rules,
# send the capture, keep the buckets in B_<name> and the feed in $FEED.
replay() {
	local name=$1 pcap=$2 sinkhole=$3 b
	shift 3
	printf '%s\n' "$@" >"$WORK/$name.rules"
	FEED="$WORK/$name.jsonl"
	echo "-- $pcap"
	start_daemon -r "$WORK/$name.rules" --sinkhole "$sinkhole" --anon none --interval 0.5 \
		--feed "$FEED" || return 1
	SENT=$(lab_bots "$PY" "$ROOT/scripts/lab_send.py" --iface bots0 --pcap "$PCAPS/$pcap")
	sleep 0.3
	for b in non_ip non_sinkhole malformed fragment matched unclassified vlan; do
		printf -v "B_$b" '%s' "$(bucket $b)"
	done
	stop_daemon TERM || fail "$name: daemon exit status $?"
	expect_eq "$name: buckets add up to the frames sent" \
		$((B_non_ip + B_non_sinkhole + B_malformed + B_fragment + B_matched + B_unclassified)) "$SENT"
}

# packets_for FEED SRC SID: packets in the feed for one (source, sid).
packets_for() {
	feed_sums "$1" | awk -v s="$2" -v i="$3" '$1 == s && $2 == i { print $3 }'
}

lab_up "bsc$$"

# A Turkish RAT's C2 on TCP/4433: 8 connections, each a check-in.
replay rat cs_ratinfected.pcap 172.16.0.111/32 \
	'alert tcp any any -> 172.16.0.111 4433 (msg:"Turkojan RAT check-in"; flags:S,12; sid:5000001; metadata:malware_family turkojan;)'
expect_eq "rat: SYNs counted as check-ins" "$(packets_for "$FEED" 172.16.0.114 5000001)" \
	"$(tcpcount cs_ratinfected.pcap 'dst host 172.16.0.111 and tcp[13] == 2')"
expect_eq "rat: the rest of the client's packets" "$(packets_for "$FEED" 172.16.0.114 0)" \
	"$(tcpcount cs_ratinfected.pcap 'dst host 172.16.0.111 and tcp[13] != 2')"
expect_eq "rat: the C2's replies are not sinkhole traffic" "$B_non_sinkhole" \
	"$(tcpcount cs_ratinfected.pcap 'dst host 172.16.0.114')"

# Mirai telnet scanning, SYNs with seq == destination, per scanning source.
replay mirai id2t_mirai_botnet.pcap 172.20.0.5/32,42.123.199.32/32 \
	'alert tcp any any -> any 23 (msg:"Mirai telnet scan"; flags:S; sid:5000002; metadata:malware_family mirai;)'
expected=$(tcpdump -nn -r "$PCAPS/id2t_mirai_botnet.pcap" \
	'(dst host 172.20.0.5 or dst host 42.123.199.32) and dst port 23 and tcp[13] == 2' 2>/dev/null |
	awk '{ split($3, a, "."); print a[1] "." a[2] "." a[3] "." a[4] }' | sort | uniq -c |
	awk '{ print $2, $1 }' | sort)
actual=$(feed_sums "$FEED" | awk '$2 == 5000002 { print $1, $3 }' | sort)
expect_eq "mirai: SYNs per scanning source" "$actual" "$expected"

# The same HTTP GET over IPv4 and IPv6 (TCP timestamps: 32-byte headers).
replay http46 cs_http_ip4and6.pcapng 172.16.16.139/32,2001:db8:1:2::1000/128 \
	'alert tcp any any -> [172.16.16.139,2001:db8:1:2::1000] 80 (msg:"web check-in"; flags:S; sid:5000003;)'
expect_eq "http46: IPv4 SYN" "$(packets_for "$FEED" 172.16.16.140 5000003)" 1
expect_eq "http46: IPv6 SYN" "$(packets_for "$FEED" 2001:db8:1:2::1002 5000003)" 1
expect_eq "http46: the rest of both clients' packets" "$B_unclassified" 10

# A TCP SYN over VLAN 6, split into 8-byte IPv4 fragments: never attributed.
replay frag sv_frag-eth-vlan-ip-tcp-syn.pcap 2.2.2.2/32 \
	'alert tcp any any -> 2.2.2.2 8080 (msg:"syn"; flags:S; sid:5000004;)'
expect_eq "frag: fragments" "$B_fragment" 3
expect_eq "frag: tagged frames" "$B_vlan" 3
expect_eq "frag: records" "$(wc -l <"$FEED")" 0

# ICMP with one 802.1Q tag, then with two (0x8100 twice).
replay vlan sv_eve-flow-vlan.pcap 255.255.255.255/32 \
	'alert ip any any -> 255.255.255.255 any (msg:"broadcast probe"; sid:5000005;)'
expect_eq "vlan: tagged frames" "$B_vlan" 2
expect_eq "vlan: both counted" "$(packets_for "$FEED" 192.168.0.1 5000005)" 2

# HTTP inside ERSPAN (GRE): the outer packet is GRE, never the inner TCP rule.
replay gre sv_bug-5437-02_http_midstream.pcap 0.235.239.74/32 \
	'alert tcp any any -> any 80 (msg:"web"; sid:5000006;)'
expect_eq "gre: nothing matched the TCP rule" "$B_matched" 0
expect_eq "gre: all unclassified" "$B_unclassified" 60
grep -q '"protocol":"47"' "$FEED" && pass "gre: records say protocol 47" || fail "gre: protocol"

# An ICMP echo in two IPv4 fragments, and its reply.
replay ipfrag sv_ipv4frags.pcap 2.1.1.1/32 \
	'alert ip any any -> 2.1.1.1 any (msg:"ping"; sid:5000007;)'
expect_eq "ipfrag: the first fragment is attributed" "$B_matched" 1
expect_eq "ipfrag: the second is a fragment" "$B_fragment" 1
expect_eq "ipfrag: the reply is not sinkhole traffic" "$B_non_sinkhole" 1

# njRAT's C2 amid LAN noise (ARP, IPv6 multicast, NetBIOS).
replay njrat zk_njrat.pcap 3.68.56.232/32 \
	'alert tcp any any -> 3.68.56.232 15145 (msg:"njRAT check-in"; flags:S,12; sid:5000008; metadata:malware_family njrat;)'
expect_eq "njrat: check-ins" "$(packets_for "$FEED" 192.168.100.204 5000008)" \
	"$(tcpcount zk_njrat.pcap 'dst host 3.68.56.232 and tcp[13] == 2')"
expect_eq "njrat: non-IP frames" "$B_non_ip" "$(tcpcount zk_njrat.pcap 'not ip and not ip6')"
finish
