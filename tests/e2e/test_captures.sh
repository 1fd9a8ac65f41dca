#!/bin/bash
# Real bot captures from public test suites (../shared/pcaps, or
# BOTSINK_SHARED) replayed through the lab: each capture's check-ins must be
# counted exactly as tcpdump, reading the same file, counts them; tunnels,
# fragments and tags must land in the right buckets. Then the public ET
# signatures (../shared/rules/public-checkin-samples.rules, loaded with
# --lenient) against the captures they were written for: a table of the
# sids that must fire, with exact packet and check-in counts, read off each
# capture; no other sid may fire. Skipped (77) without the captures.
. "$(dirname "$0")/lib.sh"

PCAPS=${BOTSINK_SHARED:-$ROOT/../shared}/pcaps
SAMPLES=${BOTSINK_SHARED:-$ROOT/../shared}/rules/public-checkin-samples.rules
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
	local name=$1 pcap=$2 sinkhole=$3
	shift 3
	printf '%s\n' "$@" >"$WORK/$name.rules"
	echo "-- $pcap"
	replay_with "$name" "$pcap" "$sinkhole"
}

# replay_signatures NAME CAPTURE SINKHOLE [RULE...]: replay with the public
# samples (lenient) plus these rules.
replay_signatures() {
	local name=$1 pcap=$2 sinkhole=$3
	shift 3
	{ cat "$SAMPLES"; printf '%s\n' "$@"; } >"$WORK/$name.rules"
	echo "-- $pcap (signatures)"
	replay_with "$name" "$pcap" "$sinkhole" --lenient
}

# replay_with NAME CAPTURE SINKHOLE [DAEMON-ARG...]: the replay, with the rules
# in $WORK/NAME.rules.
replay_with() {
	local name=$1 pcap=$2 sinkhole=$3 b
	shift 3
	FEED="$WORK/$name.jsonl"
	start_daemon -r "$WORK/$name.rules" "$@" --sinkhole "$sinkhole" --anon none --interval 0.5 \
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

# fired FEED: "sid src packets checkins dns_qtype" for every rule that fired.
fired() {
	"$PY" - "$1" <<'PYEOF'
import json, sys
from collections import defaultdict
sums = defaultdict(lambda: [0, 0, None])
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["sid"]:
        s = sums[(r["sid"], r["src_ip"])]
        s[0] += r["packets"]; s[1] += r["checkins"]; s[2] = r["dns_qtype"] or s[2]
for (sid, src), (p, c, q) in sorted(sums.items()):
    print(sid, src, p, c, q if q is not None else "-")
PYEOF
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

if [ ! -f "$SAMPLES" ]; then
	echo "test_captures: no $SAMPLES: signature replays skipped"
	finish
fi

# LocalNRD: the check-in GET is sent six times with the same sequence
# number (the original and five retransmissions): six packets, one check-in.
replay_signatures localnrd sv_bug-28_localnrd_checkin.pcap 208.75.250.50/32
expect_eq "localnrd: sids" "$(fired "$FEED")" "2001340 192.168.2.7 6 1 -"

# Sofacy: one A query per C2 domain. sid 223344 (the suricata-verify rule:
# header bytes, then dns_query) takes drivres-update.info; a domain list
# takes softupdates.info.
printf '# Sofacy C2\nsoftupdates.info\n' >"$WORK/sofacy.domains"
replay_signatures sofacy sv_bug-2158_sofacy_dns.pcap 10.55.99.1/32 \
	"alert dns any any -> any 53 (msg:\"Sofacy domain list\"; domains:$WORK/sofacy.domains; sid:5000020;)"
expect_eq "sofacy: sids" "$(fired "$FEED")" "223344 192.168.35.10 1 1 1
5000020 192.168.35.10 1 1 1"
expect_eq "sofacy: the resolver's answers are not sinkhole traffic" "$B_non_sinkhole" \
	"$(tcpcount sv_bug-2158_sofacy_dns.pcap 'not dst host 10.55.99.1')"

# An Android dropper's POST on port 8100, body matched in http.request_body.
replay_signatures dropper sv_android_dropper_checkin_8100.pcap 72.16.97.212/32
expect_eq "dropper: sids" "$(fired "$FEED")" "2038629 192.168.86.18 1 1 -"

# HTTP inside ERSPAN (GRE) to a JAWS/Mirai target: never counted as HTTP.
replay_signatures erspan sv_bug-5437-02_http_midstream.pcap 0.235.239.74/32
expect_eq "erspan: sids" "$(fired "$FEED")" ""
expect_eq "erspan: all unclassified" "$B_unclassified" 60

# CryptoWall 4: three POSTs to its C2, headers and body in separate segments.
replay_signatures cryptowall cs_cryptowall4_c2.pcapng 184.170.149.44/32 \
	'alert http any any -> any 80 (msg:"CryptoWall 4 C2 POST"; content:"POST"; http_method; content:".php?"; http_uri; http.host; content:"homealldaylong.com"; sid:5000030; metadata:malware_family cryptowall;)'
expect_eq "cryptowall: sids" "$(fired "$FEED")" "5000030 192.168.122.145 3 3 -"

# Sality: 37 GETs with User-Agent "KUKU v5.06exp" to 9 hosts, and DNS
# queries for its domains (one each, kjwre77638dfqwieuoi.info twice). Every
# IPv4 destination is sinkhole space here.
printf 'kukutrustnet777.info\n.kjwre77638dfqwieuoi.info\n*.kjwre9fqwieluoi.info\nintercorn.far.ru\n' \
	>"$WORK/sality.domains"
replay_signatures sality id2t_sality_botnet.pcap 0.0.0.0/0 \
	"alert dns any any -> any 53 (msg:\"Sality domains\"; domains:$WORK/sality.domains; sid:5000040;)"
expect_eq "sality: sids" "$(fired "$FEED")" "2003636 10.0.2.15 37 37 -
5000040 10.0.2.15 5 5 1"

# njRAT's "ll" check-in (ET 2021176 without its pcre): one segment.
replay_signatures njrat-ll zk_njrat.pcap 3.68.56.232/32
expect_eq "njrat-ll: sids" "$(fired "$FEED")" "2021176 192.168.100.204 1 1 -"

# The Turkish RAT's fixed-prefix check-in on TCP/4433 (the C2 sends the same
# prefix back: not sinkhole traffic).
replay_signatures rat-checkin cs_ratinfected.pcap 172.16.0.111/32 \
	'alert tcp any any -> any 4433 (msg:"Turkojan check-in"; content:"ANABILGI|7c|"; depth:9; sid:5000050; metadata:malware_family turkojan;)'
expect_eq "rat-checkin: sids" "$(fired "$FEED")" "5000050 172.16.0.114 1 1 -"

# The same GET over IPv4 and IPv6 (32-byte TCP headers): content over both.
replay_signatures http46-content cs_http_ip4and6.pcapng 172.16.16.139/32,2001:db8:1:2::1000/128 \
	'alert http any any -> any 80 (msg:"GET /"; content:"GET"; http_method; content:"/"; http_uri; depth:1; sid:5000060;)'
expect_eq "http46-content: sids" "$(fired "$FEED")" "5000060 172.16.16.140 1 1 -
5000060 2001:db8:1:2::1002 1 1 -"
finish
