// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Header-path tests: the frame builder, every parse path, fragments,
 * malformed frames, non-sinkhole traffic, verdicts, header-rule ranking,
 * rule sets, slots, generations and the drain.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pthread.h>
#include "kernel/install.h"
#include "lib/util.h"
#include "harness.h"
#include "slow_writer.skel.h"

/* ---- tests: frames.h itself ---- */

static bool sums_to_zero(const struct frame *f, size_t off, size_t len, uint32_t sum)
{
	return frame_fold(frame_sum(sum, f->buf + off, len)) == 0;
}

static void test_frame_builder(void)
{
	struct frame *f = tcp4(SRC4, HOST4, 80, TH_SYN), tiny;
	uint8_t small[40];

	CHECK_EQ(f->len, ETH_LEN + IP4_LEN + TCP_LEN);
	CHECK_EQ(frame_get16(f, ETH_OFF_TYPE), FR_ETH_P_IP);
	CHECK_EQ(frame_get16(f, f->l3 + IP4_OFF_TOT_LEN), IP4_LEN + TCP_LEN);
	CHECK_EQ(f->buf[f->l3 + IP4_OFF_PROTO], FR_IPPROTO_TCP);
	CHECK(sums_to_zero(f, f->l3, IP4_LEN, 0));
	CHECK(sums_to_zero(f, f->l4, TCP_LEN, frame_pseudo_sum(f, FR_IPPROTO_TCP, TCP_LEN)));

	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021AD, 10);
	frame_vlan(f, FR_ETH_P_8021Q, 20);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_ext(f, FR_IPPROTO_HOPOPTS, 8);
	frame_ipv6_frag(f, 0, true);
	frame_udp(f, 5353, 53);
	frame_fill(f, 11);
	CHECK_EQ(frame_get16(f, ETH_OFF_TYPE), FR_ETH_P_8021AD);
	CHECK_EQ(frame_get16(f, ETH_LEN + 2), FR_ETH_P_8021Q);
	CHECK_EQ(frame_get16(f, ETH_LEN + 6), FR_ETH_P_IPV6);
	CHECK_EQ(f->buf[f->l3 + IP6_OFF_NEXT], FR_IPPROTO_HOPOPTS);
	CHECK_EQ(f->buf[f->l3 + IP6_LEN], FR_IPPROTO_FRAGMENT);
	CHECK_EQ(f->buf[f->l3 + IP6_LEN + 8], FR_IPPROTO_UDP);
	CHECK_EQ(frame_get16(f, f->l3 + IP6_OFF_PLEN), 8 + 8 + UDP_LEN + 11);
	CHECK_EQ(frame_get16(f, f->l4 + UDP_OFF_LEN), UDP_LEN + 11);
	CHECK(sums_to_zero(f, f->l4, UDP_LEN + 11,
			   frame_pseudo_sum(f, FR_IPPROTO_UDP, UDP_LEN + 11)));

	f = arp(HOST4);
	CHECK_EQ(f->len, FRAME_ETH_MIN);
	CHECK_EQ(frame_get16(f, ETH_OFF_TYPE), FR_ETH_P_ARP);

	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_icmp(f, 8, 0);
	frame_fill(f, 7);
	frame_pad(f, FRAME_ETH_MIN);
	CHECK_EQ(f->len, FRAME_ETH_MIN);
	CHECK_EQ(frame_get16(f, f->l3 + IP4_OFF_TOT_LEN), IP4_LEN + ICMP_LEN + 7);
	CHECK(sums_to_zero(f, f->l4, ICMP_LEN + 7, 0));

	/* A buffer too small: the frame stops growing and says so. */
	frame_init(&tiny, small, sizeof(small));
	CHECK_EQ(frame_tcp_ip(&tiny, 4, SRC4, HOST4, SPORT, 80, TH_SYN), 0);
	CHECK(!frame_ok(&tiny));
	CHECK_EQ(tiny.len, ETH_LEN + IP4_LEN);
}

/* ---- tests: parse paths ---- */

static void test_no_rule_set(void)
{
	/* Fresh maps: the tables are empty, nothing is sinkhole traffic yet. */
	SEND(tcp4(SRC4, HOST4, 80, TH_SYN), BOTSINK_NON_SINKHOLE);
	SEND(tcp6(SRC6, HOST6, 80, TH_SYN), BOTSINK_NON_SINKHOLE);
	SEND(arp(HOST4), BOTSINK_NON_IP);
	CHECK_EQ(counters_active(&env.l.maps), 0);
}

static void test_sinkhole_without_rules(void)
{
	if (!INSTALL("# no rules\n", BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 0);
	SEND_SID(udp6(SRC6, "2001:db8:5:1::1", 5353, 53), 0);
	SEND(tcp4(SRC4, "198.51.100.200", 80, TH_SYN), BOTSINK_NON_SINKHOLE);
}

static void test_ipv4(void)
{
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	f = tcp4(SRC4, HOST4, 80, TH_PSH | TH_ACK);
	frame_fill(f, 300);
	SEND_SID(f, 1001);
	SEND_SID(tcp4("198.51.100.8", HOST4, 80, TH_SYN), 1001);
	SEND_SID(tcp4(SRC4, HOST4, 81, TH_SYN), 0);
	SEND_SID(udp4(SRC4, "203.0.113.99", 5353, 53), 1002);
	SEND_SID(udp4(SRC4, "203.0.113.255", 5353, 54), 0);

	/* Fragment offset 0 without DF or MF: a whole datagram. */
	f = tcp4(SRC4, HOST4, 80, TH_SYN);
	frame_ipv4_frag(f, 0, false);
	SEND_SID(f, 1001);

	/* Ethernet padding after the IP datagram: counted in bytes. */
	f = tcp4(SRC4, HOST4, 80, TH_RST);
	frame_pad(f, FRAME_ETH_MIN);
	CHECK_EQ(frame_get16(f, f->l3 + IP4_OFF_TOT_LEN), IP4_LEN + TCP_LEN);
	SEND_SID(f, 1001);

	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_icmp(f, 8, 0);
	frame_fill(f, 56);
	SEND_SID(f, 0);

	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_ip_proto(f, FR_IPPROTO_GRE, 24);
	SEND_SID(f, 0);
}

static void test_ipv4_options(void)
{
	static const uint8_t router_alert[] = { 0x94, 0x04, 0x00, 0x00 };
	static const uint8_t nops[] = { 0x01, 0x01, 0x01, 0x01, 0x01 };
	uint8_t record_route[39] = { 0x07, 39, 4 };
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_ipv4_options(f, router_alert, sizeof(router_alert));
	frame_tcp(f, SPORT, 80, TH_SYN);
	CHECK_EQ(f->buf[f->l3] & 0x0f, 6);
	SEND_SID(f, 1001);

	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_ipv4_options(f, record_route, sizeof(record_route));
	frame_tcp_opt(f, SPORT, 80, TH_SYN, frame_syn_options, sizeof(frame_syn_options));
	CHECK_EQ(f->buf[f->l3] & 0x0f, 15);
	SEND_SID(f, 1001);

	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, "203.0.113.77");
	frame_ipv4_options(f, nops, sizeof(nops));
	frame_udp(f, 5353, 53);
	frame_fill(f, 33);
	CHECK_EQ(f->buf[f->l3] & 0x0f, 7);
	SEND_SID(f, 1002);
}

static void test_ipv6(void)
{
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	SEND_SID(tcp6(SRC6, HOST6, 80, TH_SYN), 1003);
	f = tcp6(SRC6, HOST6, 80, TH_ACK);
	frame_fill(f, 500);
	SEND_SID(f, 1003);
	SEND_SID(tcp6(SRC6, HOST6, 443, TH_SYN), 0);
	SEND_SID(udp6(SRC6, "2001:db8:5:ffff:ffff:ffff:ffff:ffff", 5353, 53), 1004);
	SEND_SID(udp6("2001:db8:aaaa::8", "2001:db8:5::99", 5353, 53), 1004);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_icmp6(f, 128, 0); /* echo request */
	frame_fill(f, 56);
	SEND_SID(f, 0);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ip_proto(f, FR_IPPROTO_NONE, 0);
	SEND_SID(f, 0);
}

static void test_ipv6_ext_headers(void)
{
	static const uint8_t hbh[] = { HBH, 0 };
	static const uint8_t dst[] = { FR_IPPROTO_DSTOPTS, 0 };
	static const uint8_t rt[] = { FR_IPPROTO_ROUTING, 0 };
	static const uint8_t frag[] = { FR_IPPROTO_FRAGMENT, 0 };
	static const uint8_t chain[] = { HBH,
					 FR_IPPROTO_DSTOPTS,
					 FR_IPPROTO_ROUTING,
					 FR_IPPROTO_FRAGMENT,
					 FR_IPPROTO_DSTOPTS,
					 0 };
	static const uint8_t six[] = { HBH,
				       FR_IPPROTO_DSTOPTS,
				       FR_IPPROTO_ROUTING,
				       FR_IPPROTO_FRAGMENT,
				       FR_IPPROTO_DSTOPTS,
				       FR_IPPROTO_DSTOPTS,
				       0 };
	static const struct {
		uint8_t type;
		size_t len;
	} big[] = {
		{ FR_IPPROTO_HOPOPTS, 256 },
		{ FR_IPPROTO_ROUTING, 2048 },
		{ FR_IPPROTO_DSTOPTS, 1024 },
	};
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp6_ext(HOST6, hbh, 80), 1003);
	SEND_SID(tcp6_ext(HOST6, dst, 80), 1003);
	SEND_SID(tcp6_ext(HOST6, rt, 80), 1003);
	SEND_SID(tcp6_ext(HOST6, frag, 80), 1003); /* atomic fragment: whole */
	SEND_SID(tcp6_ext(HOST6, chain, 80), 1003);
	SEND_SID(tcp6_ext(HOST6, six, 80), 1003); /* BOTSINK_MAX_EXT_HEADERS */
	SEND_SID(tcp6_ext(HOST6, chain, 81), 0);

	for (size_t i = 0; i < ARRAY_SIZE(big); i++) {
		f = new_frame();
		frame_eth(f);
		frame_ipv6(f, SRC6, HOST6);
		frame_ipv6_ext(f, big[i].type, big[i].len);
		frame_tcp(f, SPORT, 80, TH_SYN);
		SEND_SID(f, 1003);
	}

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, "2001:db8:5::53");
	frame_ipv6_ext(f, FR_IPPROTO_HOPOPTS, 16);
	frame_ipv6_ext(f, FR_IPPROTO_ROUTING, 40);
	frame_ipv6_frag(f, 0, false);
	frame_udp(f, 5353, 53);
	frame_fill(f, 40);
	SEND_SID(f, 1004);
}

static void test_vlan(void)
{
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv4(f, SRC4, HOST4);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND_SID(f, 1001);

	/* QinQ: 802.1ad service tag, then 802.1Q customer tag. */
	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021AD, 10);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv4(f, SRC4, HOST4);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND_SID(f, 1001);

	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021Q, 10);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv4(f, SRC4, HOST4);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND_SID(f, 1001);

	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021AD, 10);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv6(f, SRC6, "2001:db8:5::53");
	frame_udp(f, 5353, 53);
	SEND_SID(f, 1004);

	/* A third tag is more than the program unwraps. */
	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021AD, 10);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_vlan(f, FR_ETH_P_8021Q, 200);
	frame_ipv4(f, SRC4, HOST4);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND(f, BOTSINK_NON_IP);

	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_arp(f, "203.0.113.1", HOST4);
	SEND(f, BOTSINK_NON_IP);

	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv4(f, SRC4, "198.51.100.200");
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND(f, BOTSINK_NON_SINKHOLE);

	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv4(f, SRC4, HOST4);
	frame_put8(f, f->l3, 0x44); /* ihl 4 */
	SEND(f, BOTSINK_MALFORMED);

	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001); /* untagged: no vlan */
	CHECK_EQ(stat_delta(BOTSINK_VLAN), 8);
}

/* ---- tests: fragments ---- */

static void test_fragments_ipv4(void)
{
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	/* Later fragments: never attributed, whatever they carry. */
	f = tcp4(SRC4, HOST4, 80, TH_SYN);
	frame_fill(f, 40);
	frame_ipv4_frag(f, 1480, false);
	SEND(f, BOTSINK_FRAGMENT);
	f = tcp4(SRC4, HOST4, 80, TH_SYN);
	frame_ipv4_frag(f, 8, true);
	SEND(f, BOTSINK_FRAGMENT);
	f = udp4(SRC4, "203.0.113.99", 5353, 53);
	frame_ipv4_frag(f, 65528, false);
	SEND(f, BOTSINK_FRAGMENT);
	f = tcp4(SRC4, "198.51.100.200", 80, TH_SYN);
	frame_ipv4_frag(f, 1480, false);
	SEND(f, BOTSINK_NON_SINKHOLE);

	/* A first fragment with the whole TCP header is attributed. */
	f = tcp4(SRC4, HOST4, 80, TH_SYN);
	frame_fill(f, 1000);
	frame_ipv4_frag(f, 0, true);
	SEND_SID(f, 1001);

	/* First fragment with only 8 bytes of TCP. */
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_ipv4_frag(f, 0, true);
	frame_ip_proto(f, FR_IPPROTO_TCP, 8);
	frame_put16(f, f->l4 + TCP_OFF_SPORT, SPORT);
	frame_put16(f, f->l4 + TCP_OFF_DPORT, 80);
	SEND(f, BOTSINK_FRAGMENT);
	/* The same without MF: a datagram too short for TCP. */
	frame_ipv4_frag(f, 0, false);
	SEND(f, BOTSINK_MALFORMED);

	/* First fragment: 24 bytes of a 40-byte TCP header (doff 10). */
	f = tcp4(SRC4, HOST4, 80, TH_SYN);
	frame_fill(f, 4);
	frame_ipv4_frag(f, 0, true);
	frame_put8(f, f->l4 + TCP_OFF_DOFF, 10 << 4);
	SEND(f, BOTSINK_FRAGMENT);

	/* A first UDP fragment: its length is the whole datagram's. */
	f = udp4(SRC4, "203.0.113.99", 5353, 53);
	frame_fill(f, 100);
	frame_ipv4_frag(f, 0, true);
	frame_put16(f, f->l4 + UDP_OFF_LEN, 1480);
	SEND_SID(f, 1002);
	frame_put16(f, f->l4 + UDP_OFF_LEN, 7);
	SEND(f, BOTSINK_MALFORMED);
	/* First fragment with 4 bytes of UDP. */
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, "203.0.113.99");
	frame_ipv4_frag(f, 0, true);
	frame_ip_proto(f, FR_IPPROTO_UDP, 4);
	SEND(f, BOTSINK_FRAGMENT);
}

static void test_fragments_ipv6(void)
{
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 1232, false);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND(f, BOTSINK_FRAGMENT);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 8, true);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND(f, BOTSINK_FRAGMENT);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_ext(f, FR_IPPROTO_HOPOPTS, 8);
	frame_ipv6_ext(f, FR_IPPROTO_DSTOPTS, 8);
	frame_ipv6_frag(f, 2464, true);
	frame_udp(f, 5353, 53);
	SEND(f, BOTSINK_FRAGMENT);

	/*
	 * A later fragment whose fragment header names a destination options
	 * header: that header is in the first fragment; these bytes are
	 * data from the middle of the datagram.
	 */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 1232, false);
	frame_ip_proto(f, FR_IPPROTO_DSTOPTS, 64);
	SEND(f, BOTSINK_FRAGMENT);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, "2001:db8:6::1");
	frame_ipv6_frag(f, 1232, false);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND(f, BOTSINK_NON_SINKHOLE);

	/* First fragments with the whole transport header are attributed. */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 0, true);
	frame_tcp(f, SPORT, 80, TH_SYN);
	frame_fill(f, 1200);
	SEND_SID(f, 1003);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_ext(f, FR_IPPROTO_HOPOPTS, 8);
	frame_ipv6_frag(f, 0, true);
	frame_ipv6_ext(f, FR_IPPROTO_DSTOPTS, 16);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND_SID(f, 1003);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, "2001:db8:5::53");
	frame_ipv6_frag(f, 0, true);
	frame_udp(f, 5353, 53);
	frame_fill(f, 100);
	frame_put16(f, f->l4 + UDP_OFF_LEN, 3000);
	SEND_SID(f, 1004);

	/* First fragments without the whole transport header. */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 0, true);
	frame_ip_proto(f, FR_IPPROTO_TCP, 8);
	SEND(f, BOTSINK_FRAGMENT);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 0, true);
	frame_ip_proto(f, FR_IPPROTO_ICMPV6, 0);
	SEND(f, BOTSINK_FRAGMENT);

	/* The same 8 bytes of TCP in an atomic fragment: malformed. */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 0, false);
	frame_ip_proto(f, FR_IPPROTO_TCP, 8);
	SEND(f, BOTSINK_MALFORMED);
}

/* ---- tests: malformed frames ---- */

/* Cuts shorter than an Ethernet header never reach the program. */
static void check_too_short_rejected(int line, const struct frame *f)
{
	__u64 before[BOTSINK_NSTATS], after[BOTSINK_NSTATS];

	read_stats(before);
	for (size_t cut = 1; cut < ETH_LEN; cut++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->buf, .data_size_in = (__u32)cut);
		int err = bpf_prog_test_run_opts(loader_prog_fd(&env.l), &opts);

		check_at(line, err == -EINVAL, "BPF_PROG_TEST_RUN took %zu bytes: %d", cut, err);
	}
	read_stats(after);
	check_at(line, !memcmp(before, after, sizeof(before)), "rejected runs moved statistics");
}

static void test_truncated_vlan_ipv4_tcp(void)
{
	static const uint8_t router_alert[] = { 0x94, 0x04, 0x00, 0x00 };
	struct frame *f = new_frame();

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv4(f, SRC4, HOST4);
	frame_ipv4_options(f, router_alert, sizeof(router_alert));
	frame_tcp_opt(f, SPORT, 80, TH_SYN, frame_syn_options, sizeof(frame_syn_options));
	frame_fill(f, 12);
	/* Inside and at the end of every header: all malformed, vlan counted. */
	for (size_t cut = ETH_LEN; cut < f->len; cut++)
		SEND_CUT(f, cut, BOTSINK_MALFORMED);
	SEND_SID(f, 1001);
	CHECK_EQ(stat_delta(BOTSINK_VLAN), f->len - ETH_LEN + 1);
	CHECK_EQ(stat_delta(BOTSINK_MALFORMED), f->len - ETH_LEN);
	check_too_short_rejected(__LINE__, f);
}

static void test_truncated_ipv6_ext_udp(void)
{
	struct frame *f = new_frame();

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	frame_eth(f);
	frame_ipv6(f, SRC6, "2001:db8:5::53");
	frame_ipv6_ext(f, FR_IPPROTO_HOPOPTS, 8);
	frame_ipv6_ext(f, FR_IPPROTO_DSTOPTS, 16);
	frame_ipv6_ext(f, FR_IPPROTO_ROUTING, 24);
	frame_ipv6_frag(f, 0, false);
	frame_udp(f, 5353, 53);
	frame_fill(f, 20);
	for (size_t cut = ETH_LEN; cut < f->len; cut++)
		SEND_CUT(f, cut, BOTSINK_MALFORMED);
	SEND_SID(f, 1004);
	CHECK_EQ(stat_delta(BOTSINK_MALFORMED), f->len - ETH_LEN);
	check_too_short_rejected(__LINE__, f);
}

static void test_truncated_qinq_arp(void)
{
	struct frame *f = new_frame();
	size_t tags_end = ETH_LEN + 2 * VLAN_LEN;

	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021AD, 10);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_arp(f, "203.0.113.1", HOST4);
	/* Cut inside the tags: malformed; after them ARP is not looked into. */
	for (size_t cut = ETH_LEN; cut < f->len; cut++)
		SEND_CUT(f, cut, cut < tags_end ? BOTSINK_MALFORMED : BOTSINK_NON_IP);
	SEND(f, BOTSINK_NON_IP);
}

/* A good SYN to HOST4:80, for breaking. */
static struct frame *syn4_to_break(void)
{
	return tcp4(SRC4, HOST4, 80, TH_SYN);
}

static void test_malformed_ipv4(void)
{
	/* Versions 5, 6, 3; IHL 4, 0, and 15 (60 bytes) in a 40-byte datagram. */
	static const uint8_t bad_ver_ihl[] = { 0x55, 0x65, 0x35, 0x44, 0x40, 0x4f };
	/* Total length beyond the frame, below the header, short of TCP. */
	static const uint16_t bad_len[] = { IP4_LEN + TCP_LEN + 1, 1500, 19, 0, IP4_LEN,
					    IP4_LEN + TCP_LEN - 1 };
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(bad_ver_ihl); i++) {
		f = syn4_to_break();
		frame_put8(f, f->l3 + IP4_OFF_VER_IHL, bad_ver_ihl[i]);
		SEND(f, BOTSINK_MALFORMED);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_len); i++) {
		f = syn4_to_break();
		frame_put16(f, f->l3 + IP4_OFF_TOT_LEN, bad_len[i]);
		SEND(f, BOTSINK_MALFORMED);
	}
	/* IPv4 header checks come before the destination lookup. */
	f = tcp4(SRC4, "198.51.100.200", 80, TH_SYN);
	frame_put8(f, f->l3 + IP4_OFF_VER_IHL, 0x44);
	SEND(f, BOTSINK_MALFORMED);
	/* Nothing but an Ethernet header and the IPv4 ethertype. */
	f = new_frame();
	frame_eth(f);
	frame_put16(f, ETH_OFF_TYPE, FR_ETH_P_IP);
	SEND(f, BOTSINK_MALFORMED);
	/* Checksums are not verified: a wrong one is still counted. */
	f = syn4_to_break();
	frame_put16(f, f->l3 + IP4_OFF_CSUM, 0xdead);
	SEND_SID(f, 1001);
}

static void test_malformed_transport(void)
{
	static const uint8_t bad_doff[] = { 0, 4 << 4, 6 << 4, 15 << 4 };
	static const uint16_t bad_udp_len[] = { 0, 7, UDP_LEN + 17, 0xffff };
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(bad_doff); i++) {
		f = syn4_to_break();
		frame_put8(f, f->l4 + TCP_OFF_DOFF, bad_doff[i]);
		SEND(f, BOTSINK_MALFORMED);
		f = tcp6(SRC6, HOST6, 80, TH_SYN);
		frame_put8(f, f->l4 + TCP_OFF_DOFF, bad_doff[i]);
		SEND(f, BOTSINK_MALFORMED);
	}
	/* The transport of non-sinkhole traffic is not looked at. */
	f = tcp4(SRC4, "198.51.100.200", 80, TH_SYN);
	frame_put8(f, f->l4 + TCP_OFF_DOFF, 4 << 4);
	SEND(f, BOTSINK_NON_SINKHOLE);
	/* doff 8 with 12 bytes of options present: fine. */
	f = tcp4(SRC4, HOST4, 80, TH_SYN);
	frame_fill(f, 12);
	frame_put8(f, f->l4 + TCP_OFF_DOFF, 8 << 4);
	SEND_SID(f, 1001);

	for (size_t i = 0; i < ARRAY_SIZE(bad_udp_len); i++) {
		f = udp4(SRC4, "203.0.113.99", 5353, 53); /* 16 bytes of payload */
		frame_put16(f, f->l4 + UDP_OFF_LEN, bad_udp_len[i]);
		SEND(f, BOTSINK_MALFORMED);
		f = udp6(SRC6, "2001:db8:5::53", 5353, 53);
		frame_put16(f, f->l4 + UDP_OFF_LEN, bad_udp_len[i]);
		SEND(f, BOTSINK_MALFORMED);
	}
	/* A UDP length shorter than the datagram is accepted. */
	f = udp4(SRC4, "203.0.113.99", 5353, 53);
	frame_put16(f, f->l4 + UDP_OFF_LEN, UDP_LEN);
	SEND_SID(f, 1002);
	/* Seven bytes of UDP. */
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, "203.0.113.99");
	frame_ip_proto(f, FR_IPPROTO_UDP, 7);
	SEND(f, BOTSINK_MALFORMED);
	/* An ICMPv6 packet with no type byte. */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ip_proto(f, FR_IPPROTO_ICMPV6, 0);
	SEND(f, BOTSINK_MALFORMED);
}

static void test_malformed_ipv6(void)
{
	static const uint8_t seven[] = { HBH,
					 FR_IPPROTO_DSTOPTS,
					 FR_IPPROTO_ROUTING,
					 FR_IPPROTO_FRAGMENT,
					 FR_IPPROTO_DSTOPTS,
					 FR_IPPROTO_DSTOPTS,
					 FR_IPPROTO_DSTOPTS,
					 0 };
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	f = tcp6(SRC6, HOST6, 80, TH_SYN);
	frame_put8(f, f->l3 + IP6_OFF_VER, 0x40);
	SEND(f, BOTSINK_MALFORMED);
	f = tcp6(SRC6, HOST6, 80, TH_SYN);
	frame_put16(f, f->l3 + IP6_OFF_PLEN, TCP_LEN + 1);
	SEND(f, BOTSINK_MALFORMED);
	f = tcp6(SRC6, HOST6, 80, TH_SYN);
	frame_put16(f, f->l3 + IP6_OFF_PLEN, TCP_LEN - 1);
	SEND(f, BOTSINK_MALFORMED);

	/* An extension header longer than the payload. */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_ext(f, FR_IPPROTO_DSTOPTS, 8);
	frame_tcp(f, SPORT, 80, TH_SYN);
	frame_put8(f, f->l3 + IP6_LEN + IP6_EXT_OFF_LEN, 3); /* 32 bytes > 28 */
	SEND(f, BOTSINK_MALFORMED);

	/* One extension header more than BOTSINK_MAX_EXT_HEADERS. */
	_Static_assert(BOTSINK_MAX_EXT_HEADERS == 6, "the chain below has 7 headers");
	SEND(tcp6_ext(HOST6, seven, 80), BOTSINK_MALFORMED);
	/* Extension headers of non-sinkhole traffic are not walked. */
	SEND(tcp6_ext("2001:db8:6::1", seven, 80), BOTSINK_NON_SINKHOLE);

	/* IPv4-mapped addresses would pass for IPv4 hosts. */
	SEND(tcp6("::ffff:198.51.100.7", HOST6, 80, TH_SYN), BOTSINK_MALFORMED);
	SEND(tcp6("::ffff:198.51.100.7", "2001:db8:6::1", 80, TH_SYN), BOTSINK_MALFORMED);
	SEND(tcp6(SRC6, "::ffff:203.0.113.10", 80, TH_SYN), BOTSINK_MALFORMED);
	/* IPv4-compatible (deprecated) is just an IPv6 address. */
	SEND(tcp6(SRC6, "::203.0.113.10", 80, TH_SYN), BOTSINK_NON_SINKHOLE);
}

/* ---- tests: non-sinkhole traffic, neighbour discovery ---- */

static void test_non_sinkhole(void)
{
	static const char *const v4[] = { "198.51.100.200", "203.0.112.255", "203.0.114.0",
					  "224.0.0.251", "255.255.255.255" };
	static const char *const v6[] = { "2001:db8:4:ffff:ffff:ffff:ffff:ffff",
					  "2001:db8:6::", "ff02::fb", "fe80::1" };
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(v4); i++) {
		SEND(tcp4(SRC4, v4[i], 80, TH_SYN), BOTSINK_NON_SINKHOLE);
		SEND(udp4(SRC4, v4[i], 5353, 53), BOTSINK_NON_SINKHOLE);
	}
	for (size_t i = 0; i < ARRAY_SIZE(v6); i++) {
		SEND(tcp6(SRC6, v6[i], 80, TH_SYN), BOTSINK_NON_SINKHOLE);
		SEND(udp6(SRC6, v6[i], 5353, 53), BOTSINK_NON_SINKHOLE);
	}
	SEND(arp(HOST4), BOTSINK_NON_IP);
	f = new_frame();
	frame_eth(f);
	frame_ethertype(f, FR_ETH_P_LLDP, 46);
	SEND(f, BOTSINK_NON_IP);
	f = new_frame();
	frame_eth(f);
	frame_ethertype(f, 0x9000, 46); /* loopback */
	SEND(f, BOTSINK_NON_IP);
	/* No per-source state for any of it. */
	for (int gen = 0; gen < 2; gen++)
		for (int kind = BOTSINK_KIND_SOURCES; kind <= BOTSINK_KIND_UNCLASSIFIED; kind++)
			CHECK_EQ(count_keys(env.l.maps.counters[kind][gen],
					    sizeof(struct botsink_source_key)),
				 0);
}

static struct frame *icmp6_to(const char *src, const char *dst, uint8_t type)
{
	struct frame *f = new_frame();
	struct in6_addr target;

	inet_pton(AF_INET6, dst, &target);
	frame_eth(f);
	frame_ipv6(f, src, dst);
	frame_icmp6(f, type, 0);
	frame_payload(f, &target, sizeof(target));
	return f;
}

static void test_neighbour_discovery(void)
{
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	/* Router/neighbour solicitation and advertisement, redirect: passed. */
	for (uint8_t type = 133; type <= 137; type++) {
		SEND(icmp6_to("fe80::1", HOST6, type), BOTSINK_NON_SINKHOLE);
		SEND(icmp6_to("2001:db8:5::1", "2001:db8:5::99", type), BOTSINK_NON_SINKHOLE);
	}
	/* Behind an extension header too. */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, "fe80::1", HOST6);
	frame_ipv6_ext(f, FR_IPPROTO_DSTOPTS, 8);
	frame_icmp6(f, 135, 0);
	SEND(f, BOTSINK_NON_SINKHOLE);
	/* Its neighbours in the type space are ordinary sinkhole traffic. */
	SEND_SID(icmp6_to("fe80::1", HOST6, 132), 0);
	SEND_SID(icmp6_to("fe80::1", HOST6, 138), 0);
	SEND_SID(icmp6_to(SRC6, HOST6, 128), 0);
	/* IPv4 has no neighbour discovery: protocol 58 there is just data. */
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_ip_proto(f, FR_IPPROTO_ICMPV6, 24);
	frame_put8(f, f->l4, 135);
	SEND_SID(f, 0);
	CHECK_EQ(stat_delta(BOTSINK_NON_SINKHOLE), 11);
}

/* ---- tests: verdict ---- */

static struct frame *v_arp(void)
{
	return arp(HOST4);
}

static struct frame *v_outside(void)
{
	return tcp4(SRC4, "198.51.100.200", 80, TH_SYN);
}

static struct frame *v_malformed(void)
{
	struct frame *f = tcp4(SRC4, HOST4, 80, TH_SYN);

	frame_put8(f, f->l4 + TCP_OFF_DOFF, 4 << 4);
	return f;
}

static struct frame *v_fragment(void)
{
	struct frame *f = tcp4(SRC4, HOST4, 80, TH_SYN);

	frame_ipv4_frag(f, 1480, false);
	return f;
}

static struct frame *v_matched(void)
{
	return tcp4(SRC4, HOST4, 80, TH_SYN);
}

static struct frame *v_unclassified(void)
{
	return udp6(SRC6, HOST6, 5353, 5353);
}

static struct frame *v_nd(void)
{
	return icmp6_to("fe80::1", HOST6, 135);
}

static void test_verdict(void)
{
	static const struct {
		struct frame *(*build)(void);
		int bucket;
		__u32 sid;
		__u32 drop; /* the action under the drop verdict */
	} cases[] = {
		{ v_arp, BOTSINK_NON_IP, 0, XDP_PASS },
		{ v_outside, BOTSINK_NON_SINKHOLE, 0, XDP_PASS },
		{ v_malformed, BOTSINK_MALFORMED, 0, XDP_PASS },
		{ v_fragment, BOTSINK_FRAGMENT, 0, XDP_DROP },
		{ v_matched, BOTSINK_MATCHED, 1001, XDP_DROP },
		{ v_unclassified, BOTSINK_UNCLASSIFIED, 0, XDP_DROP },
		{ v_nd, BOTSINK_NON_SINKHOLE, 0, XDP_PASS },
	};

	for (int round = 0; round < 3; round++) {
		bool drop = round != 1;

		if (!INSTALL(base_rules, drop ? BOTSINK_VERDICT_DROP : BOTSINK_VERDICT_PASS))
			return;
		CHECK_EQ(read_config().verdict, drop);
		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			struct frame *f = cases[i].build();

			send_frame_at(__LINE__, f, f->len, cases[i].bucket, cases[i].sid,
				      drop ? (int)cases[i].drop : XDP_PASS, false);
		}
	}
}

/* ---- tests: attribution and ranking ---- */

static void test_rank_prefix_port(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.0/24 any (msg:\"net any\"; sid:2001;)\n"
		"alert tcp any any -> 203.0.113.0/24 80 (msg:\"net http\"; sid:2002;)\n"
		"alert tcp any any -> 203.0.113.10 8080 (msg:\"host 8080\"; sid:2003;)\n"
		"alert tcp any any -> 203.0.113.10 8000:8100 (msg:\"host range\"; sid:2000;)\n"
		"alert tcp any any -> 203.0.113.10 [80,443] (msg:\"host list\"; sid:2004;)\n";

	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp4(SRC4, HOST4, 8080, TH_SYN), 2003); /* exact beats range (lower sid) */
	SEND_SID(tcp4(SRC4, HOST4, 8050, TH_SYN), 2000);
	SEND_SID(tcp4(SRC4, HOST4, 8000, TH_SYN), 2000);
	SEND_SID(tcp4(SRC4, HOST4, 8100, TH_SYN), 2000);
	SEND_SID(tcp4(SRC4, HOST4, 8101, TH_SYN), 2001); /* /32 misses: the /24 */
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 2004); /* the /32 list beats the /24 exact */
	SEND_SID(tcp4(SRC4, HOST4, 443, TH_SYN), 2004);
	SEND_SID(tcp4(SRC4, HOST4, 22, TH_SYN), 2001);
	SEND_SID(tcp4(SRC4, "203.0.113.11", 80, TH_SYN), 2002); /* exact beats any */
	SEND_SID(tcp4(SRC4, "203.0.113.11", 8080, TH_SYN), 2001);
	SEND_SID(udp4(SRC4, HOST4, 5353, 80), 0);
	SEND_SID(tcp6(SRC6, HOST6, 80, TH_SYN), 0);
}

static void test_rank_proto_flags_sid(void)
{
	static const char rules[] =
		"alert ip any any -> 203.0.113.30 any (msg:\"any protocol\"; sid:3000;)\n"
		"alert tcp any any -> 203.0.113.30 any (msg:\"tcp\"; sid:3005;)\n"
		"alert tcp any any -> 203.0.113.30 any (msg:\"tcp syn\"; flags:S; sid:3009;)\n"
		"alert udp any any -> 203.0.113.30 any (msg:\"udp b\"; sid:3007;)\n"
		"alert udp any any -> 203.0.113.30 any (msg:\"udp a\"; sid:3006;)\n";
	struct frame *f;

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	SEND_SID(tcp4(SRC4, "203.0.113.30", 80, TH_SYN), 3009); /* flags first */
	SEND_SID(tcp4(SRC4, "203.0.113.30", 80, TH_ACK), 3005); /* tcp before ip */
	SEND_SID(udp4(SRC4, "203.0.113.30", 5353, 53), 3006); /* then the lower sid */
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, "203.0.113.30");
	frame_icmp(f, 8, 0);
	SEND_SID(f, 3000);
	SEND_SID(tcp4(SRC4, "203.0.113.31", 80, TH_SYN), 0);
}

static void test_negated_source(void)
{
	static const char rules[] =
		"alert tcp ![198.51.100.0/28,2001:db8:bad::/48] any -> [203.0.113.40,2001:db8:5::40] any (msg:\"not the lab\"; sid:4001;)\n"
		"alert tcp any any -> 203.0.113.40 any (msg:\"anyone\"; sid:4002;)\n"
		"alert tcp [198.51.100.64/26,!198.51.100.70] any -> 203.0.113.41 any (msg:\"a /26 but one\"; sid:4003;)\n";

	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp4("198.51.100.5", "203.0.113.40", 80, TH_SYN), 4002);
	SEND_SID(tcp4("198.51.100.0", "203.0.113.40", 80, TH_SYN), 4002);
	SEND_SID(tcp4("198.51.100.15", "203.0.113.40", 80, TH_SYN), 4002);
	SEND_SID(tcp4("198.51.100.16", "203.0.113.40", 80, TH_SYN), 4001);
	SEND_SID(tcp4("203.0.113.99", "203.0.113.40", 80, TH_SYN), 4001);

	SEND_SID(tcp4("198.51.100.65", "203.0.113.41", 80, TH_SYN), 4003);
	SEND_SID(tcp4("198.51.100.64", "203.0.113.41", 80, TH_SYN), 4003);
	SEND_SID(tcp4("198.51.100.127", "203.0.113.41", 80, TH_SYN), 4003);
	SEND_SID(tcp4("198.51.100.70", "203.0.113.41", 80, TH_SYN), 0);
	SEND_SID(tcp4("198.51.100.63", "203.0.113.41", 80, TH_SYN), 0);
	SEND_SID(tcp4("198.51.100.128", "203.0.113.41", 80, TH_SYN), 0);
	SEND_SID(tcp6(SRC6, "2001:db8:5::41", 80, TH_SYN), 0);

	SEND_SID(tcp6("2001:db8:bad::1", "2001:db8:5::40", 80, TH_SYN), 0);
	SEND_SID(tcp6("2001:db8:bad:ffff::1", "2001:db8:5::40", 80, TH_SYN), 0);
	SEND_SID(tcp6("2001:db8:bae::1", "2001:db8:5::40", 80, TH_SYN), 4001);
	SEND_SID(tcp6(SRC6, "2001:db8:5::40", 80, TH_SYN), 4001);
}

static void test_tcp_flags(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.50 1001 (msg:\"exactly S\"; flags:S; sid:5001;)\n"
		"alert tcp any any -> 203.0.113.50 1002 (msg:\"S, ECN ignored\"; flags:S,12; sid:5002;)\n"
		"alert tcp any any -> 203.0.113.50 1003 (msg:\"S and A\"; flags:SA+; sid:5003;)\n"
		"alert tcp any any -> 203.0.113.50 1004 (msg:\"not R\"; flags:!R; sid:5004;)\n"
		"alert tcp any any -> 203.0.113.50 1005 (msg:\"F or R\"; flags:*FR; sid:5005;)\n"
		"alert tcp any any -> 203.0.113.50 1006 (msg:\"none\"; flags:0; sid:5006;)\n"
		"alert ip any any -> 203.0.113.50 any (msg:\"ip with flags\"; flags:U+; sid:5007;)\n";
	static const struct {
		uint16_t port;
		uint8_t flags;
		__u32 sid;
	} cases[] = {
		{ 1001, TH_SYN, 5001 },
		{ 1001, TH_SYN | TH_ACK, 0 },
		{ 1001, TH_SYN | TH_ECE | TH_CWR, 0 },
		{ 1001, TH_SYN | TH_PSH, 0 },
		{ 1002, TH_SYN, 5002 },
		{ 1002, TH_SYN | TH_ECE | TH_CWR, 5002 },
		{ 1002, TH_SYN | TH_ECE, 5002 },
		{ 1002, TH_SYN | TH_ACK, 0 },
		{ 1002, TH_SYN | TH_ACK | TH_ECE, 0 },
		{ 1003, TH_SYN | TH_ACK, 5003 },
		{ 1003, TH_SYN | TH_ACK | TH_PSH | TH_ECE, 5003 },
		{ 1003, TH_SYN, 0 },
		{ 1003, TH_ACK, 0 },
		{ 1004, TH_SYN, 5004 },
		{ 1004, TH_ACK, 5004 },
		{ 1004, 0, 5004 },
		{ 1004, TH_RST, 0 },
		{ 1004, TH_RST | TH_ACK, 0 },
		{ 1005, TH_FIN | TH_ACK, 5005 },
		{ 1005, TH_RST, 5005 },
		{ 1005, TH_ACK, 0 },
		{ 1006, 0, 5006 },
		{ 1006, TH_SYN, 0 },
		{ 2000, TH_URG | TH_ACK, 5007 },
		{ 2000, TH_ACK, 0 },
	};
	struct frame *f;

	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		f = tcp4(SRC4, "203.0.113.50", cases[i].port, cases[i].flags);
		send_frame_at(__LINE__, f, f->len, sid_bucket(cases[i].sid), cases[i].sid, -1,
			      false);
	}
	/* A flags rule never matches UDP, even under `ip`. */
	SEND_SID(udp4(SRC4, "203.0.113.50", 5353, 2000), 0);
}

/*
 * The port list entry of (TCP, port) in the active rule set (the test's
 * rules give each port one destination): its botsink_port2 index in *at.
 */
static bool tcp_port_entry(__u16 port, __u32 *at, struct botsink_list *out)
{
	const struct botsink_maps *m = &env.l.maps;
	__u32 ruleset = read_config().ruleset & 1, block, group = 0;

	for (size_t i = 0; i < env.c.ndst; i++) {
		const struct dst_entry *e = &env.c.dst[i];

		for (size_t k = 0; k < e->nports; k++) {
			if (e->shared || e->ports[k].proto != IPPROTO_TCP ||
			    e->ports[k].port != port)
				continue;
			block = ((ruleset * BOTSINK_PORT_TABLES + e->port_table) * 2) << 8 |
				port >> 8;
			if (bpf_map_lookup_elem(m->port1, &block, &group) || !group)
				return false;
			*at = group << 8 | (port & 0xff);
			return !bpf_map_lookup_elem(m->port2, at, out);
		}
	}
	return false;
}

/*
 * A plain SYN to a port whose outcome the rule set's install decided
 * (struct botsink_list syn_rule) skips the walks: each case gets the same
 * rule decided and walked (the decision cleared in the map), and a decision
 * changed in the map is what the program follows. Entries that depend on
 * the source, its port or the payload leave the port to the walk.
 */
static void test_syn_decided(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.60 any (msg:\"host, any port\"; sid:6009;)\n"
		"alert tcp any any -> 203.0.113.60 80 (msg:\"syn\"; flags:S; sid:6001;)\n"
		"alert tcp any 1000:2000 -> 203.0.113.60 81 (msg:\"sport\"; sid:6002;)\n"
		"alert tcp 198.51.100.0/24 any -> 203.0.113.60 82 (msg:\"source\"; sid:6003;)\n"
		"alert tcp any any -> 203.0.113.60 83 (msg:\"empty\"; dsize:0; sid:6004;)\n"
		"alert tcp any any -> 203.0.113.60 84 (msg:\"syn-ack\"; flags:SA; sid:6005;)\n"
		"alert tcp any any -> 203.0.113.61 90 (msg:\"ack\"; flags:A; sid:6006;)\n"
		"alert tcp !198.51.100.7 any -> 203.0.113.61 91 (msg:\"not .7\"; sid:6007;)\n"
		"alert tcp any any -> 203.0.113.60 85 (msg:\"ack first\"; flags:A; sid:6011;)\n"
		"alert tcp any any -> 203.0.113.60 85 (msg:\"then syn\"; flags:S; sid:6012;)\n"
		"alert ip any any -> 203.0.113.62 any (msg:\"ip\"; sid:6020;)\n"
		"alert tcp any any -> 203.0.113.62 95 (msg:\"syn-ack\"; flags:SA; sid:6021;)\n"
		"alert tcp any any -> 2001:db8:5::60 96 (msg:\"v6 syn\"; flags:S; sid:6030;)\n"
		"alert tcp any 1000:2000 -> 203.0.113.63 any (msg:\"sport, any port\"; sid:6041;)\n"
		"alert tcp any any -> 203.0.113.63 97 (msg:\"syn\"; flags:S; sid:6040;)\n";
	static const struct {
		const char *src, *dst;
		__u16 sport, port;
		__u8 flags;
		__u32 sid;
		__u16 syn_rule; /* BOTSINK_SYN_WALK, _NO_RULE, or 1: a rule decided */
		int family; /* 4 or 6 */
	} cases[] = {
		{ SRC4, "203.0.113.60", 40000, 80, TH_SYN, 6001, 1, 4 },
		{ SRC4, "203.0.113.60", 40000, 80, TH_SYN | TH_ECE | TH_CWR, 6009, 1, 4 },
		{ SRC4, "203.0.113.60", 1500, 81, TH_SYN, 6002, BOTSINK_SYN_WALK, 4 },
		{ SRC4, "203.0.113.60", 40000, 81, TH_SYN, 6009, BOTSINK_SYN_WALK, 4 },
		{ "198.51.100.9", "203.0.113.60", 40000, 82, TH_SYN, 6003, BOTSINK_SYN_WALK, 4 },
		{ "198.18.0.9", "203.0.113.60", 40000, 82, TH_SYN, 6009, BOTSINK_SYN_WALK, 4 },
		{ SRC4, "203.0.113.60", 40000, 83, TH_SYN, 6004, BOTSINK_SYN_WALK, 4 },
		{ SRC4, "203.0.113.60", 40000, 84, TH_SYN, 6009, 1, 4 }, /* the destination's */
		{ SRC4, "203.0.113.60", 40000, 84, TH_SYN | TH_ACK, 6005, 1, 4 },
		{ SRC4, "203.0.113.61", 40000, 90, TH_SYN, 0, BOTSINK_SYN_NO_RULE, 4 },
		{ SRC4, "203.0.113.61", 40000, 90, TH_ACK, 6006, BOTSINK_SYN_NO_RULE, 4 },
		{ "198.51.100.7", "203.0.113.61", 40000, 91, TH_SYN, 0, BOTSINK_SYN_WALK, 4 },
		{ "198.51.100.8", "203.0.113.61", 40000, 91, TH_SYN, 6007, BOTSINK_SYN_WALK, 4 },
		/* The winner second in its run; a destination's `ip` rule; IPv6. */
		{ SRC4, "203.0.113.60", 40000, 85, TH_SYN, 6012, 1, 4 },
		{ SRC4, "203.0.113.60", 40000, 85, TH_ACK, 6011, 1, 4 },
		{ SRC4, "203.0.113.62", 40000, 95, TH_SYN, 6020, 1, 4 },
		{ SRC4, "203.0.113.62", 40000, 95, TH_SYN | TH_ACK, 6021, 1, 4 },
		{ SRC6, "2001:db8:5::60", 40000, 96, TH_SYN, 6030, 1, 6 },
		{ SRC6, "2001:db8:5::60", 40000, 96, TH_ACK, 0, 1, 6 },
		/* An entry that depends on the source port, ranked after the winner. */
		{ SRC4, "203.0.113.63", 1500, 97, TH_SYN, 6040, 1, 4 },
		{ SRC4, "203.0.113.63", 1500, 97, TH_SYN | TH_ACK, 6041, 1, 4 },
	};
	const struct botsink_maps *m = &env.l.maps;
	struct botsink_list entry, walked;
	struct frame *f;
	__u32 at;

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (!CHECK(tcp_port_entry(cases[i].port, &at, &entry)))
			return;
		if (cases[i].syn_rule == 1)
			CHECK(entry.syn_rule != BOTSINK_SYN_WALK &&
			      entry.syn_rule != BOTSINK_SYN_NO_RULE);
		else
			CHECK_EQ(entry.syn_rule, cases[i].syn_rule);
		f = new_frame();
		frame_tcp_ip(f, cases[i].family, cases[i].src, cases[i].dst, cases[i].sport,
			     cases[i].port, cases[i].flags);
		send_frame_at(__LINE__, f, f->len, sid_bucket(cases[i].sid), cases[i].sid, -1,
			      false);
		/* The same, walked. */
		walked = entry;
		walked.syn_rule = BOTSINK_SYN_WALK;
		CHECK(!bpf_map_update_elem(m->port2, &at, &walked, BPF_EXIST));
		f = new_frame();
		frame_tcp_ip(f, cases[i].family, cases[i].src, cases[i].dst, cases[i].sport,
			     cases[i].port, cases[i].flags);
		send_frame_at(__LINE__, f, f->len, sid_bucket(cases[i].sid), cases[i].sid, -1,
			      false);
		CHECK(!bpf_map_update_elem(m->port2, &at, &entry, BPF_EXIST));
	}
	/* The program follows the decision: port 80's SYN made ruleless. */
	CHECK(tcp_port_entry(80, &at, &entry));
	walked = entry;
	walked.syn_rule = BOTSINK_SYN_NO_RULE;
	CHECK(!bpf_map_update_elem(m->port2, &at, &walked, BPF_EXIST));
	SEND_SID(tcp4(SRC4, "203.0.113.60", 80, TH_SYN), 0);
	CHECK(!bpf_map_update_elem(m->port2, &at, &entry, BPF_EXIST));
	SEND_SID(tcp4(SRC4, "203.0.113.60", 80, TH_SYN), 6001);
}

static void test_udp_and_port_ranges(void)
{
	static const char rules[] =
		"alert udp any any -> 203.0.113.0/24 16000:16999 (msg:\"Sality P2P hello\"; sid:6001;)\n"
		"alert udp any 53 -> 203.0.113.60 any (msg:\"DNS answers\"; sid:6002;)\n"
		"alert tcp any any -> 203.0.113.0/24 [23,2323] (msg:\"Mirai telnet\"; sid:6003;)\n"
		"alert udp any any -> 203.0.113.0/24 ![0:1023,16000:16999] (msg:\"high UDP\"; sid:6004;)\n"
		"alert udp any [1000:1999,!1500] -> 2001:db8:5::/48 :99 (msg:\"low v6\"; sid:6005;)\n";
	static const struct {
		const char *dst;
		uint16_t sport, dport;
		__u32 sid;
	} udp[] = {
		{ "203.0.113.61", 5353, 16000, 6001 }, { "203.0.113.61", 5353, 16999, 6001 },
		{ "203.0.113.61", 5353, 17000, 6004 }, { "203.0.113.61", 5353, 15999, 6004 },
		{ "203.0.113.61", 5353, 1024, 6004 },  { "203.0.113.61", 5353, 65535, 6004 },
		{ "203.0.113.61", 5353, 1023, 0 },     { "203.0.113.61", 5353, 0, 0 },
		{ "203.0.113.60", 53, 16500, 6002 },   { "203.0.113.60", 53, 53, 6002 },
		{ "203.0.113.60", 54, 16500, 6001 },   { "203.0.113.60", 54, 53, 0 },
		{ "2001:db8:5::1", 1000, 99, 6005 },   { "2001:db8:5::1", 1999, 0, 6005 },
		{ "2001:db8:5::1", 1500, 53, 0 },      { "2001:db8:5::1", 999, 53, 0 },
		{ "2001:db8:5::1", 1000, 100, 0 },
	};

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(udp); i++) {
		bool v6 = strchr(udp[i].dst, ':');
		struct frame *f = v6 ? udp6(SRC6, udp[i].dst, udp[i].sport, udp[i].dport) :
				       udp4(SRC4, udp[i].dst, udp[i].sport, udp[i].dport);

		send_frame_at(__LINE__, f, f->len, sid_bucket(udp[i].sid), udp[i].sid, -1, false);
	}
	SEND_SID(tcp4(SRC4, "203.0.113.61", 23, TH_SYN), 6003);
	SEND_SID(tcp4(SRC4, "203.0.113.61", 2323, TH_SYN), 6003);
	SEND_SID(tcp4(SRC4, "203.0.113.61", 2324, TH_SYN), 0);
	SEND_SID(tcp4(SRC4, "203.0.113.61", 16000, TH_SYN), 0);
	SEND_SID(udp4(SRC4, "203.0.113.61", 5353, 23), 0);
}

static void test_destination_negation(void)
{
	static const char rules[] =
		"alert tcp any any -> [$HOME_NET,!203.0.113.250] [23,2323] (msg:\"Mirai telnet scan\"; flags:S; sid:7001;)\n"
		"alert tcp any any -> [2001:db8:5::/48,!2001:db8:5:1::/64] 23 (msg:\"v6 telnet\"; sid:7002;)\n";

	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp4(SRC4, "203.0.113.250", 23, TH_SYN), 0);
	SEND_SID(tcp4(SRC4, "203.0.113.251", 23, TH_SYN), 7001);
	SEND_SID(tcp4(SRC4, "203.0.113.249", 2323, TH_SYN), 7001);
	SEND_SID(tcp6(SRC6, "2001:db8:5::23", 23, TH_SYN), 7002); /* /48 beats any */
	SEND_SID(tcp6(SRC6, "2001:db8:5::23", 23, TH_ACK), 7002);
	SEND_SID(tcp6(SRC6, "2001:db8:5:1::23", 23, TH_SYN), 7001);
	SEND_SID(tcp6(SRC6, "2001:db8:5:1::23", 23, TH_ACK), 0);
	SEND_SID(tcp6(SRC6, "2001:db8:5:2::23", 2323, TH_SYN), 7001);
}

static void test_families(void)
{
	static const char rules[] =
		"alert tcp any any -> 2001:db8:5::/48 80 (msg:\"v6 net http\"; sid:8001;)\n"
		"alert tcp any any -> 2001:db8:5::80 80 (msg:\"v6 host http\"; sid:8002;)\n"
		"alert tcp 198.51.100.0/24 any -> any any (msg:\"from a v4 net\"; sid:8003;)\n"
		"alert udp 2001:db8:aaaa::/48 any -> any 53 (msg:\"from a v6 net\"; sid:8004;)\n";

	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp6(SRC6, "2001:db8:5::80", 80, TH_SYN), 8002);
	SEND_SID(tcp6(SRC6, "2001:db8:5::81", 80, TH_SYN), 8001);
	SEND_SID(tcp6(SRC6, "2001:db8:5::81", 81, TH_SYN), 0);
	SEND_SID(tcp4(SRC4, HOST4, 22, TH_SYN), 8003);
	SEND_SID(tcp4("198.18.0.1", HOST4, 22, TH_SYN), 0);
	SEND_SID(udp6(SRC6, "2001:db8:5::53", 5353, 53), 8004);
	SEND_SID(udp6("2001:db8:bbbb::1", "2001:db8:5::53", 5353, 53), 0);
	SEND_SID(udp4(SRC4, "203.0.113.53", 5353, 53), 0);
}

/* "[1,3,5,...]": n odd ports, one candidate each. */
static void odd_ports(char *buf, size_t len, unsigned int n)
{
	size_t used = (size_t)snprintf(buf, len, "[");

	for (unsigned int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? "," : "", 2 * i + 1);
	if (used < len)
		snprintf(buf + used, len - used, "]");
}

/*
 * The first candidates are checked inline, the rest in bpf_loop: matches
 * and exclusions on both sides of the boundary, and the longest list.
 */
static void test_long_candidate_lists(void)
{
	char rules[2048], p4[32], p5[32], p64[300], p65[300];
	struct rule_set rs;
	struct compiled c;

	odd_ports(p4, sizeof(p4), 4);
	odd_ports(p5, sizeof(p5), 5);
	odd_ports(p64, sizeof(p64), BOTSINK_MAX_CANDIDATES);
	odd_ports(p65, sizeof(p65), BOTSINK_MAX_CANDIDATES + 1);
	snprintf(
		rules, sizeof(rules),
		"alert tcp ![198.51.100.1,198.51.100.2,198.51.100.3,198.51.100.4,198.51.100.5] any -> 203.0.113.90 any (msg:\"five exclusions\"; sid:9101;)\n"
		"alert tcp any any -> 203.0.113.90 any (msg:\"fallback\"; sid:9102;)\n"
		"alert udp any any -> 203.0.113.91 %s (msg:\"longest list\"; sid:9103;)\n"
		"alert udp any any -> 203.0.113.92 %s (msg:\"four\"; sid:9104;)\n"
		"alert udp any any -> 203.0.113.93 %s (msg:\"five\"; sid:9105;)\n",
		p64, p4, p5);
	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp4("198.51.100.1", "203.0.113.90", 80, TH_SYN), 9102); /* excluded inline */
	SEND_SID(tcp4("198.51.100.4", "203.0.113.90", 80, TH_SYN), 9102);
	SEND_SID(tcp4("198.51.100.5", "203.0.113.90", 80, TH_SYN), 9102); /* in bpf_loop */
	SEND_SID(tcp4("198.51.100.6", "203.0.113.90", 80, TH_SYN), 9101); /* 6th entry */

	SEND_SID(udp4(SRC4, "203.0.113.91", 5353, 1), 9103);
	SEND_SID(udp4(SRC4, "203.0.113.91", 5353, 7), 9103);
	SEND_SID(udp4(SRC4, "203.0.113.91", 5353, 9), 9103);
	SEND_SID(udp4(SRC4, "203.0.113.91", 5353, 2 * BOTSINK_MAX_CANDIDATES - 1), 9103);
	SEND_SID(udp4(SRC4, "203.0.113.91", 5353, 2 * BOTSINK_MAX_CANDIDATES + 1), 0);
	SEND_SID(udp4(SRC4, "203.0.113.91", 5353, 64), 0);
	SEND_SID(udp4(SRC4, "203.0.113.92", 5353, 7), 9104); /* the last of four */
	SEND_SID(udp4(SRC4, "203.0.113.92", 5353, 9), 0);
	SEND_SID(udp4(SRC4, "203.0.113.93", 5353, 9), 9105); /* the first after them */
	SEND_SID(udp4(SRC4, "203.0.113.93", 5353, 11), 0);

	/* The compiler refuses a list the program would cut short. */
	snprintf(rules, sizeof(rules), "alert udp any any -> 203.0.113.94 %s (sid:9106;)\n", p65);
	rules_parse_buffer("long.rules", rules, &rs);
	CHECK_EQ(rs.nerrors, 0);
	CHECK(compile_rules(&rs, &env.sinkhole, &c) && rs.nerrors);
	compiled_free(&c);
	rules_free(&rs);
}

/* ---- tests: rule sets, slots and generations ---- */

/* The compiled entry of an IPv6 trie key, or -1. */
static int find_v6_entry(const struct botsink_dst6_key *key)
{
	struct prefix p = { .len = key->prefixlen - 8 };

	memcpy(&p.addr, key->addr, 16);
	for (size_t i = 0; i < env.c.ndst; i++)
		if (prefix_equal(&p, &env.c.dst[i].prefix))
			return (int)i;
	return -1;
}

/* botsink_lists leads to entry i's candidates at the live rule set's index. */
static void check_list(int line, int i, __u32 ruleset)
{
	const struct dst_entry *e = &env.c.dst[i];
	__u32 key = ruleset * BOTSINK_MAX_LISTS + e->list;
	struct botsink_list list = { 0 };

	if (!check_at(line, !bpf_map_lookup_elem(env.l.maps.lists, &key, &list),
		      "destination entry %d: no list %u", i, key))
		return;
	check_at(line, list.count == e->n, "destination entry %d: %u candidates, not %zu", i,
		 list.count, e->n);
	check_at(line, list.first / BOTSINK_MAX_CANDS == ruleset,
		 "destination entry %d: candidates in the other rule set's half", i);
	for (size_t j = 0; j < e->n && j < list.count; j++) {
		struct botsink_candidate cand = { 0 };
		__u32 at = list.first + (__u32)j;

		bpf_map_lookup_elem(env.l.maps.cands, &at, &cand);
		check_at(line, cand.sid == e->cand[j].c.sid && cand.rank == e->cand[j].c.rank,
			 "destination entry %d: candidate %zu is sid %u rank %u, not %u rank %u", i,
			 j, cand.sid, cand.rank, e->cand[j].c.sid, e->cand[j].c.rank);
	}
}

/* The IPv6 trie: every key is an entry of the live rule set, once. */
static size_t check_v6_trie(int line, __u32 ruleset, bool *seen)
{
	struct botsink_dst6_key cur, next;
	size_t n = 0;

	for (void *prev = NULL; !bpf_map_get_next_key(env.l.maps.dst6, prev, &next);
	     prev = &cur, n++) {
		__u32 list = 0;
		int i;

		cur = next;
		check_at(line, cur.ruleset == ruleset,
			 "botsink_dst6: an entry of ruleset %u, the live one is %u", cur.ruleset,
			 ruleset);
		i = find_v6_entry(&cur);
		if (!check_at(line, i >= 0, "botsink_dst6: an entry not in the rule set"))
			continue;
		check_at(line, !seen[i], "destination entry %d twice", i);
		seen[i] = true;
		bpf_map_lookup_elem(env.l.maps.dst6, &cur, &list);
		check_at(line, list == ruleset * BOTSINK_MAX_LISTS + env.c.dst[i].list,
			 "destination entry %d: list index %u", i, list);
		check_list(line, i, ruleset);
	}
	return n;
}

static __u32 read_u32(int fd, __u32 key)
{
	__u32 v = 0xdeadbeef;

	bpf_map_lookup_elem(fd, &key, &v);
	return v;
}

/* The kernel's IPv4 table for one address, walked as the XDP program walks it. */
static __u32 kernel_v4_lookup(__u32 ruleset, __u32 a)
{
	__u32 v = read_u32(env.l.maps.v4, ruleset << 16 | a >> 16);

	if (v & BOTSINK_V4_GROUP)
		v = read_u32(env.l.maps.v4_groups, (v & ~BOTSINK_V4_GROUP) << 8 | (a >> 8 & 0xff));
	if (v & BOTSINK_V4_GROUP)
		v = read_u32(env.l.maps.v4_groups, (v & ~BOTSINK_V4_GROUP) << 8 | (a & 0xff));
	return v;
}

static __u32 v4_of(const struct prefix *p)
{
	__u32 be;

	memcpy(&be, p->addr.s6_addr + 12, 4);
	return ntohl(be);
}

/* The list index the longest compiled IPv4 entry holding `a` asks for. */
static __u32 expected_v4_lookup(__u32 ruleset, __u32 a)
{
	int best = -1;

	for (size_t i = 0; i < env.c.ndst; i++) {
		const struct prefix *p = &env.c.dst[i].prefix;
		unsigned int len = p->len - V4_MAPPED_BITS;
		__u32 mask = len ? 0xffffffffU << (32 - len) : 0;

		if (!prefix_is_v4(p) || (a & mask) != v4_of(p))
			continue;
		if (best < 0 || p->len > env.c.dst[best].prefix.len)
			best = (int)i;
	}
	if (best < 0 || !env.c.dst[best].list)
		return 0;
	return ruleset * BOTSINK_MAX_LISTS + env.c.dst[best].list;
}

/*
 * The IPv4 table, against a brute-force longest-prefix match over the
 * compiled entries: every entry's first and last address and the ones
 * just outside; and the idle half is all zero.
 */
static size_t check_v4_table(int line, __u32 ruleset, bool *seen)
{
	size_t n = 0, bad = 0;

	for (size_t i = 0; i < env.c.ndst; i++) {
		const struct prefix *p = &env.c.dst[i].prefix;
		unsigned int len = p->len - V4_MAPPED_BITS;
		__u32 first, last, probe[4];

		if (!prefix_is_v4(p))
			continue;
		n++;
		seen[i] = true;
		if (env.c.dst[i].list)
			check_list(line, (int)i, ruleset);
		first = v4_of(p);
		last = first | (len ? ~(0xffffffffU << (32 - len)) : 0xffffffffU);
		probe[0] = first;
		probe[1] = last;
		probe[2] = first - 1;
		probe[3] = last + 1;
		for (int k = 0; k < 4; k++)
			bad += kernel_v4_lookup(ruleset, probe[k]) !=
			       expected_v4_lookup(ruleset, probe[k]);
	}
	for (__u32 k = 0; k < (1 << 16); k++)
		bad += read_u32(env.l.maps.v4, (ruleset ^ 1) << 16 | k) != 0;
	check_at(line, bad == 0, "botsink_v4/botsink_v4_grp: %zu lookups differ", bad);
	return n;
}

/* The tables hold exactly the installed rule set, in the live half. */
static void check_dst_table_at(int line)
{
	bool *seen = calloc(env.c.ndst + 1, sizeof(*seen));
	__u32 ruleset = read_config().ruleset;
	size_t n;

	if (!seen)
		return;
	n = check_v4_table(line, ruleset, seen);
	n += check_v6_trie(line, ruleset, seen);
	check_at(line, n == env.c.ndst, "the tables hold %zu entries, the rule set %zu", n,
		 env.c.ndst);
	free(seen);
}

#define CHECK_DST_TABLE() check_dst_table_at(__LINE__)

static void test_ruleset_swap(void)
{
	static const char set_a[] =
		"alert tcp any any -> 203.0.113.10 80 (msg:\"a: host http\"; sid:6001;)\n"
		"alert udp any any -> 203.0.113.0/25 any (msg:\"a: low half udp\"; sid:6002;)\n"
		"alert tcp any any -> 2001:db8:5::10 any (msg:\"a: v6 host\"; sid:6003;)\n";
	static const char set_b[] =
		"alert tcp any any -> 203.0.113.0/24 80 (msg:\"b: net http\"; sid:6101;)\n"
		"alert tcp any any -> 203.0.113.20 443 (msg:\"b: host https\"; sid:6102;)\n"
		"alert ip any any -> 2001:db8:5:1::/64 any (msg:\"b: v6 net\"; sid:6103;)\n"
		"alert tcp any any -> 203.0.113.10 80 (msg:\"b: host http\"; sid:6001;)\n";
	static const char set_c[] =
		"alert tcp any any -> 203.0.113.0/24 80 (msg:\"c: net http\"; sid:6101;)\n";
	int slot_6001, slot_6101;

	if (!INSTALL(set_a, BOTSINK_VERDICT_DROP))
		return;
	CHECK_EQ(read_config().ruleset, 1);
	CHECK_DST_TABLE();
	slot_6001 = slot_of(6001);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 6001);
	SEND_SID(udp4(SRC4, "203.0.113.5", 5353, 53), 6002);
	SEND_SID(tcp6(SRC6, HOST6, 443, TH_SYN), 6003);
	SEND_SID(tcp4(SRC4, "203.0.113.20", 443, TH_SYN), 0);

	if (!INSTALL(set_b, BOTSINK_VERDICT_DROP))
		return;
	CHECK_EQ(read_config().ruleset, 0);
	CHECK_DST_TABLE();
	CHECK_EQ(slot_of(6001), slot_6001); /* the sid keeps its slot */
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 6001);
	SEND_SID(tcp4(SRC4, "203.0.113.11", 80, TH_SYN), 6101);
	SEND_SID(udp4(SRC4, "203.0.113.5", 5353, 53), 0);
	SEND_SID(tcp6(SRC6, HOST6, 443, TH_SYN), 0);
	SEND_SID(tcp6(SRC6, "2001:db8:5:1::10", 443, TH_SYN), 6103);
	SEND_SID(tcp4(SRC4, "203.0.113.20", 443, TH_SYN), 6102);
	slot_6101 = slot_of(6101);

	if (!INSTALL(set_c, BOTSINK_VERDICT_PASS))
		return;
	CHECK_EQ(read_config().ruleset, 1);
	CHECK_DST_TABLE();
	CHECK_EQ(slot_of(6101), slot_6101);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 6101);
	SEND_SID(tcp4(SRC4, "203.0.113.20", 443, TH_SYN), 0);
	SEND_SID(tcp6(SRC6, "2001:db8:5:1::10", 443, TH_SYN), 0);

	if (!INSTALL(set_a, BOTSINK_VERDICT_DROP))
		return;
	CHECK_EQ(read_config().ruleset, 0);
	CHECK_DST_TABLE();
	CHECK_EQ(slot_of(6001), slot_6001);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 6001);
	SEND_SID(tcp6(SRC6, HOST6, 443, TH_SYN), 6003);
}

static void test_rule_slots(void)
{
	static const char set_a[] =
		"alert tcp any any -> 203.0.113.10 80 (msg:\"ET TROJAN Zeus gate check-in\"; sid:10; rev:3;)\n"
		"alert udp any any -> 203.0.113.0/24 53 (msg:\"x\"; metadata:malware_family Sality; sid:20;)\n";
	static const char set_b[] =
		"alert tcp any any -> 203.0.113.0/24 443 (msg:\"new\"; sid:30;)\n"
		"alert udp any any -> 203.0.113.0/24 53 (msg:\"x\"; sid:20;)\n"
		"alert tcp any any -> 203.0.113.10 80 (msg:\"Zeus\"; sid:10;)\n";
	struct botsink_rule_info info;
	__u32 slot;

	if (!INSTALL(set_a, BOTSINK_VERDICT_PASS))
		return;
	/* Fresh maps: sids take the first free slots in file order. */
	CHECK_EQ(slot_of(10), 1);
	CHECK_EQ(slot_of(20), 2);
	slot = 0;
	CHECK(!bpf_map_lookup_elem(env.l.maps.rules, &slot, &info) &&
	      !strcmp(info.family, "unclassified") && !info.sid);
	slot = 1;
	CHECK(!bpf_map_lookup_elem(env.l.maps.rules, &slot, &info) && info.sid == 10 &&
	      info.rev == 3 && !strcmp(info.family, "zeus"));
	slot = 2;
	CHECK(!bpf_map_lookup_elem(env.l.maps.rules, &slot, &info) &&
	      !strcmp(info.family, "sality"));
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 10);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 10);
	SEND_SID(udp4(SRC4, HOST4, 5353, 53), 20);
	SEND_SID(udp4(SRC4, HOST4, 5353, 54), 0);
	CHECK_HITS();

	/* A reload keeps each sid's slot and totals; a new sid takes a free slot. */
	if (!INSTALL(set_b, BOTSINK_VERDICT_PASS))
		return;
	CHECK_EQ(slot_of(10), 1);
	CHECK_EQ(slot_of(20), 2);
	CHECK_EQ(slot_of(30), 3);
	SEND_SID(tcp4(SRC4, "203.0.113.99", 443, TH_SYN), 30);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 10);
	CHECK_HITS();
}

static char *many_rules(unsigned int n)
{
	size_t cap = (size_t)n * 80 + 1, len = 0;
	char *text = malloc(cap);

	for (unsigned int sid = 1; text && sid <= n; sid++)
		len += (size_t)snprintf(text + len, cap - len,
					"alert tcp any any -> 2001:db8:5::%x any (sid:%u;)\n",
					(sid - 1) / 63 + 1, sid);
	return text;
}

/*
 * Once every slot has held a sid, a new sid takes the slot of one no
 * longer loaded, and that slot's totals must start again from zero.
 */
static void test_rule_slot_reuse(void)
{
	char *all = many_rules(BOTSINK_MAX_RULES - 1), last[64], rule[96];
	struct botsink_rule_hits *h = env.percpu;
	__u32 slot = 1, new_sid = BOTSINK_MAX_RULES + 1000;
	__u64 packets = 0;

	if (!CHECK(all) || !INSTALL(all, BOTSINK_VERDICT_PASS))
		goto out;
	CHECK_EQ(slot_of(1), 1);
	CHECK_EQ(slot_of(BOTSINK_MAX_RULES - 1), BOTSINK_MAX_RULES - 1);
	SEND_SID(tcp6(SRC6, "2001:db8:5::1", 80, TH_SYN), 1);
	/* The last address's rules tie: its lowest sid wins. */
	snprintf(last, sizeof(last), "2001:db8:5::%x", (BOTSINK_MAX_RULES - 2) / 63 + 1);
	SEND_SID(tcp6(SRC6, last, 80, TH_SYN), (BOTSINK_MAX_RULES - 2) / 63 * 63 + 1);
	CHECK_HITS();

	snprintf(rule, sizeof(rule), "alert tcp any any -> 2001:db8:5::1 any (sid:%u;)\n", new_sid);
	if (!INSTALL(rule, BOTSINK_VERDICT_PASS))
		goto out;
	CHECK_EQ(slot_of(new_sid), 1);
	if (!bpf_map_lookup_elem(env.l.maps.hits, &slot, h))
		for (int cpu = 0; cpu < env.ncpus; cpu++)
			packets += h[cpu].packets;
	CHECK_EQ(packets, 0);
	/* The harness's expectation for the slot starts again too. */
	memset(&env.hits_want[1], 0, sizeof(env.hits_want[1]));
	SEND_SID(tcp6(SRC6, "2001:db8:5::1", 80, TH_SYN), new_sid);
out:
	free(all);
}

static int gen_keys(int gen)
{
	const struct botsink_maps *m = &env.l.maps;
	const size_t size = sizeof(struct botsink_source_key);

	return count_keys(m->counters[BOTSINK_KIND_SOURCES][gen], size) +
	       count_keys(m->counters[BOTSINK_KIND_UNCLASSIFIED][gen], size);
}

static void test_generations(void)
{
	if (!INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	CHECK_EQ(counters_active(&env.l.maps), 0);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_ACK), 1001);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	SEND_SID(tcp4("198.51.100.8", HOST4, 81, TH_SYN), 0);
	CHECK_EQ(gen_keys(0), 2);
	CHECK_EQ(gen_keys(1), 0);

	CHECK_DRAIN(); /* (SRC4, 1001) x3 and (.8, 0) x1, once each */
	CHECK_EQ(counters_active(&env.l.maps), 1);
	CHECK_EQ(gen_keys(0), 0);
	CHECK_EQ(gen_keys(1), 0);

	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	SEND_SID(udp6(SRC6, "2001:db8:5::53", 5353, 53), 1004);
	CHECK_EQ(gen_keys(0), 0);
	CHECK_EQ(gen_keys(1), 2);
	CHECK_DRAIN();
	CHECK_EQ(counters_active(&env.l.maps), 0);
	CHECK_EQ(gen_keys(1), 0);

	CHECK_DRAIN(); /* nothing: an empty drain still swaps */
	CHECK_EQ(counters_active(&env.l.maps), 1);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	CHECK_EQ(gen_keys(1), 1);
	CHECK_EQ(gen_keys(0), 0);

	/* counters_sync rewrites the active slot: nothing moves. */
	CHECK_EQ(counters_sync(&env.l.maps), 0);
	CHECK_EQ(counters_active(&env.l.maps), 1);
	CHECK_EQ(gen_keys(1), 1);
}

struct slow_run {
	int prog_fd;
	int ret;
	unsigned int duration;
};

static void *run_slow_writer(void *arg)
{
	struct slow_run *run = arg;
	uint8_t frame[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 1);

	run->ret = bpf_prog_test_run_opts(run->prog_fd, &opts);
	run->duration = opts.duration;
	return NULL;
}

/*
 * The swap waits out every program that may still write the generation it
 * swaps out: a writer that read the generation before the swap and counts
 * milliseconds later (slow_writer.bpf.c) is seen by the drain that follows.
 * Without the grace period the drain would read the generation first, and
 * the count would be cleared unread.
 */
static void test_swap_waits(void)
{
	struct slow_run run = { .ret = -1 };
	struct slow_writer *w = slow_writer__open();
	struct botsink_source_key key = { .sid = 77 };
	const struct botsink_source_count *sc = NULL;
	struct drain_result r = { 0 };
	pthread_attr_t attr;
	pthread_t thread;
	cpu_set_t cpus;
	int gen;

	if (libbpf_num_possible_cpus() < 2 || !CHECK(w != NULL)) {
		slow_writer__destroy(w);
		return; /* one CPU: nothing runs beside the writer */
	}
	if (!CHECK(!bpf_map__reuse_fd(w->maps.botsink_config, env.l.maps.config) &&
		   !bpf_map__reuse_fd(w->maps.botsink_active, env.l.maps.active) &&
		   !slow_writer__load(w)))
		goto out;
	CHECK_EQ(counters_active(&env.l.maps), 0);
	run.prog_fd = bpf_program__fd(w->progs.slow_writer);
	/* The writer on another CPU: it runs with preemption off. */
	CPU_ZERO(&cpus);
	CPU_SET(env.home_cpu == 0 ? 1 : 0, &cpus);
	if (!CHECK(!pthread_attr_init(&attr) &&
		   !pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus) &&
		   !pthread_create(&thread, &attr, run_slow_writer, &run)))
		goto out;
	pthread_attr_destroy(&attr);
	usleep(2000); /* the writer has read generation 0 and spins */
	gen = counters_swap(&env.l.maps);
	CHECK_EQ(gen, 0);
	CHECK_EQ(counters_read(&env.l.maps, 0, &r), 0);
	for (size_t i = 0; i < r.n; i++)
		if (!memcmp(&r.items[i].key, &key, sizeof(key)))
			sc = &r.items[i];
	pthread_join(thread, NULL);
	CHECK_EQ(run.ret, 0);
	check_at(__LINE__, run.duration > 4000000, "the writer spun only %u ns", run.duration);
	check_at(__LINE__, sc && sc->total.packets == 1,
		 "the drain after the swap missed the slow writer's count");
	CHECK_EQ(counters_clear(&env.l.maps, 0), 0);
out:
	slow_writer__destroy(w);
}

/* The same (source, sid) counted on several CPUs drains as one sum. */
static void test_drain_sums_cpus(void)
{
	const struct botsink_counter *pc = env.percpu;
	struct botsink_source_key key = { .sid = 1001 };
	struct drain_result r = { 0 };
	__u64 first = 0, last = 0;
	int cpus[4], n = 0;

	for (int cpu = 0; cpu < CPU_SETSIZE && n < 4; cpu++)
		if (CPU_ISSET(cpu, &env.all_cpus))
			cpus[n++] = cpu;
	if (!INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	if (n < 2)
		fprintf(stderr, "  %s: one CPU only: the sum is over one CPU\n", cur_test);
	for (int i = 0; i < n; i++) {
		pin_cpu(cpus[i]);
		for (int k = 0; k <= i; k++)
			SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	}
	pin_cpu(env.home_cpu);

	set_addr(key.addr, SRC4);
	if (!CHECK(!bpf_map_lookup_elem(env.l.maps.counters[BOTSINK_KIND_SOURCES][0], &key,
					env.percpu)))
		return;
	for (int i = 0; i < n; i++) {
		const struct botsink_counter *c = &pc[cpus[i]];

		CHECK_EQ(c->packets, (unsigned int)i + 1);
		CHECK_EQ(c->syns, (unsigned int)i + 1);
		if (!first || c->first_seen_ns < first)
			first = c->first_seen_ns;
		if (c->last_seen_ns > last)
			last = c->last_seen_ns;
	}
	check_drain_at(__LINE__, &r);
	if (CHECK_EQ(r.n, 1)) {
		CHECK_EQ(r.items[0].total.packets, n * (n + 1) / 2);
		CHECK_EQ(r.items[0].total.first_seen_ns, first);
		CHECK_EQ(r.items[0].total.last_seen_ns, last);
	}
}

/* CPU `cpu`'s share of key `i` in test_collect: every field varies, ties included. */
static void collect_share(__u32 i, int cpu, struct botsink_counter *c)
{
	memset(c, 0, sizeof(*c));
	if (i % 7 == 0)
		return; /* no packets on any CPU: never collected */
	c->packets = (i + (__u32)cpu) % 3;
	if (!c->packets)
		return;
	c->bytes = c->packets * 60 + (__u64)cpu;
	c->syns = (__u64)cpu + 1;
	c->checkins = c->packets;
	c->first_seen_ns = 1000 + (i * 7 + (__u32)cpu * 13) % 50;
	/* Every fifth key was last seen at the same time on all CPUs. */
	c->last_seen_ns = i % 5 == 1 ? 2000 : c->first_seen_ns + (i + (__u32)cpu) % 5;
	c->dst_addr[15] = (__u8)cpu;
	c->dst_port = (__u16)(1000 + cpu);
	c->protocol = (__u8)(6 + cpu);
	c->dns_qtype = (i + (__u32)cpu) % 4 ? (__u16)(1 + cpu) : 0;
}

/* The sum test_collect expects for key `i`, written apart from the collector's. */
static void collect_expect(__u32 i, int ncpus, struct botsink_counter *t)
{
	struct botsink_counter c;
	__u64 qtype_seen = 0;
	int latest = -1;

	memset(t, 0, sizeof(*t));
	for (int cpu = 0; cpu < ncpus; cpu++) {
		collect_share(i, cpu, &c);
		if (!c.packets)
			continue;
		if (!t->packets || c.first_seen_ns < t->first_seen_ns)
			t->first_seen_ns = c.first_seen_ns;
		if (c.last_seen_ns >= t->last_seen_ns) {
			t->last_seen_ns = c.last_seen_ns;
			latest = cpu; /* ties: the higher CPU */
		}
		t->packets += c.packets;
		t->bytes += c.bytes;
		t->syns += c.syns;
		t->checkins += c.checkins;
		if (c.dns_qtype && (!t->dns_qtype || c.last_seen_ns >= qtype_seen)) {
			t->dns_qtype = c.dns_qtype;
			qtype_seen = c.last_seen_ns;
		}
	}
	if (latest >= 0) {
		collect_share(i, latest, &c);
		memcpy(t->dst_addr, c.dst_addr, sizeof(t->dst_addr));
		t->dst_port = c.dst_port;
		t->protocol = c.protocol;
	}
}

/*
 * The collector reads a full table of the idle generation: every key with
 * packets once, summed over CPUs as collect_expect says, none without;
 * then counters_clear leaves only the catch-alls.
 */
static void test_collect(void)
{
	const struct botsink_maps *m = &env.l.maps;
	int fd = m->counters[BOTSINK_KIND_SOURCES][1], ncpus = env.ncpus;
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), n, want = 0, bad = 0, i;
	struct botsink_source_key *keys, key;
	struct botsink_counter *values, expect;
	struct drain_result r = { 0 };
	unsigned char *seen;

	if (!CHECK(!bpf_obj_get_info_by_fd(fd, &info, &len)))
		return;
	n = info.max_entries;
	keys = calloc(n, sizeof(*keys));
	values = calloc((size_t)n * (size_t)ncpus, sizeof(*values));
	seen = calloc(n, 1);
	if (!CHECK(keys && values && seen))
		goto out;
	for (i = 0; i < n; i++) {
		set_addr(keys[i].addr, "2001:db8:c011::");
		memcpy(keys[i].addr + 12, &i, sizeof(i));
		keys[i].sid = 1000 + i % 3;
		for (int cpu = 0; cpu < ncpus; cpu++)
			collect_share(i, cpu, &values[(size_t)i * (size_t)ncpus + (size_t)cpu]);
		want += i % 7 != 0;
	}
	if (!CHECK(!bpf_map_update_batch(fd, keys, values, &n, NULL)) ||
	    !CHECK_EQ(n, info.max_entries))
		goto out;
	CHECK_EQ(counters_read(m, 1, &r), 0);
	CHECK_EQ(r.n, want);
	for (size_t k = 0; k < r.n; k++) {
		const struct botsink_source_count *sc = &r.items[k];

		memcpy(&i, sc->key.addr + 12, sizeof(i));
		if (i >= n || seen[i]++ || sc->kind != BOTSINK_KIND_SOURCES ||
		    sc->key.sid != 1000 + i % 3) {
			bad++;
			continue;
		}
		collect_expect(i, ncpus, &expect);
		bad += memcmp(&sc->total, &expect, sizeof(expect)) != 0;
	}
	check_at(__LINE__, !bad, "%u of %zu collected keys are not as expected", bad, r.n);
	CHECK_EQ(counters_clear(m, 1), 0);
	CHECK_EQ(bpf_map_get_next_key(fd, NULL, &key), -ENOENT);
	CHECK_EQ(counters_read(m, 1, &r), 0);
	CHECK_EQ(r.n, 0); /* the catch-alls are back, without packets */
out:
	free(keys);
	free(values);
	free(seen);
}

/*
 * A generation read twice reads the same, in the same order, also after
 * deletes and inserts: an epoch written again after a crash gets the same
 * record ids (user/feed/drain.c).
 */
static void test_collect_order(void)
{
	const struct botsink_maps *m = &env.l.maps;
	int fd = m->counters[BOTSINK_KIND_SOURCES][1];
	struct botsink_counter *values = calloc((size_t)env.ncpus, sizeof(*values));
	struct botsink_source_count *first = NULL;
	struct botsink_source_key key = { .sid = 7 };
	struct drain_result r;
	size_t n = 0;

	if (!CHECK(values != NULL))
		return;
	for (__u32 i = 0; i < 6000; i++) {
		set_addr(key.addr, "2001:db8:0de2::");
		memcpy(key.addr + 12, &i, sizeof(i));
		values[i % env.ncpus].packets = 1 + i;
		if (i < 5000 && !CHECK(!bpf_map_update_elem(fd, &key, values, BPF_NOEXIST)))
			goto out;
		if (i < 5000 && i % 3 == 0)
			CHECK(!bpf_map_delete_elem(fd, &key));
		if (i >= 5000 && !CHECK(!bpf_map_update_elem(fd, &key, values, BPF_NOEXIST)))
			goto out;
		values[i % env.ncpus].packets = 0;
	}
	CHECK_EQ(counters_read(m, 1, &r), 0);
	n = r.n;
	CHECK_EQ(n, 5000 - 1667 + 1000);
	first = malloc(n * sizeof(*first));
	if (!CHECK(first != NULL))
		goto out;
	memcpy(first, r.items, n * sizeof(*first));
	CHECK_EQ(counters_read(m, 1, &r), 0);
	CHECK(r.n == n && !memcmp(first, r.items, n * sizeof(*first)));
out:
	CHECK_EQ(counters_clear(m, 1), 0);
	free(first);
	free(values);
}

/* Fill a counter table from userspace with `n` entries of `sid` under 2001:db8:ffff::/96. */
static int prefill(int fd, __u32 n, __u32 sid)
{
	const __u32 batch = 4096;
	struct botsink_source_key *keys = calloc(batch, sizeof(*keys));
	struct botsink_counter *values = calloc((size_t)batch * env.ncpus, sizeof(*values));
	int ret = -ENOMEM;

	if (!keys || !values)
		goto out;
	for (__u32 done = 0; done < n;) {
		__u32 count = n - done < batch ? n - done : batch;
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		for (__u32 i = 0; i < count; i++) {
			__u32 id = done + i;

			set_addr(keys[i].addr, "2001:db8:ffff::");
			memcpy(keys[i].addr + 12, &id, sizeof(id));
			keys[i].sid = sid;
			values[(size_t)i * env.ncpus].packets = 1;
			values[(size_t)i * env.ncpus].bytes = 100;
			values[(size_t)i * env.ncpus].first_seen_ns = 1;
			values[(size_t)i * env.ncpus].last_seen_ns = 1;
		}
		ret = bpf_map_update_batch(fd, keys, values, &count, &opts);
		if (ret)
			goto out;
		done += count;
	}
	ret = 0;
out:
	free(keys);
	free(values);
	return ret;
}

/* The drained entry of a kind and key, or NULL. */
static const struct botsink_source_count *drained_key(const struct drain_result *r, __u32 kind,
						      const struct botsink_source_key *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->items[i].kind == kind && !memcmp(&r->items[i].key, key, sizeof(*key)))
			return &r->items[i];
	return NULL;
}

static const struct botsink_source_count *drained(const struct drain_result *r, __u32 kind,
						  const char *addr, __u32 sid)
{
	struct botsink_source_key key = { .sid = sid };

	set_addr(key.addr, addr);
	return drained_key(r, kind, &key);
}

/* The drained catch-all of IPv4 or IPv6 sources, or NULL. */
static const struct botsink_source_count *drained_catch_all(const struct drain_result *r, bool v4)
{
	struct botsink_source_key key = { .sid = BOTSINK_SID_ANY };

	if (v4)
		key.addr[10] = key.addr[11] = 0xff;
	return drained_key(r, BOTSINK_KIND_OVERFLOW, &key);
}

/* Packets drained from tables of one kind. */
static __u64 drained_packets(const struct drain_result *r, __u32 kind)
{
	__u64 n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->items[i].kind == kind ? r->items[i].total.packets : 0;
	return n;
}

static void send_overflowing(struct frame *f, int bucket, __u32 sid)
{
	send_frame_at(__LINE__, f, f->len, bucket, sid, -1, true);
}

/*
 * Full tables: a new source of a full table is counted under its prefix in
 * the overflow table of its kind (table_full counts it), and when that is
 * full too under its family's catch-all; sources already known count as
 * before; unclassified traffic has its own table. Nothing is lost: the
 * drain returns every packet, and empties every table but the catch-alls.
 */
static void test_table_full(void)
{
	const struct botsink_maps *m = &env.l.maps;
	const struct botsink_source_count *sc;
	struct drain_result r = { 0 };
	int ret;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	ret = prefill(m->counters[BOTSINK_KIND_SOURCES][0], TEST_MAX_SOURCES - 1, 1001);
	if (!check_at(__LINE__, !ret, "filling botsink_gen0: %s", strerror(-ret)))
		return;
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001); /* takes the last entry */
	send_overflowing(tcp4("198.51.100.8", HOST4, 80, TH_SYN), BOTSINK_MATCHED, 1001);
	send_overflowing(tcp4("198.51.100.9", HOST4, 80, TH_SYN), BOTSINK_MATCHED, 1001);
	send_overflowing(tcp6("2001:db8:aa:bb::1", HOST6, 80, TH_SYN), BOTSINK_MATCHED, 1003);
	SEND_SID(tcp4("198.51.100.10", HOST4, 81, TH_SYN), 0); /* its own table */
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_ACK), 1001); /* a known key still counts */
	CHECK_EQ(gen_keys(0), TEST_MAX_SOURCES + 1);
	/* The overflow table full too (2 prefixes taken, 2 catch-alls): catch-alls. */
	ret = prefill(m->counters[BOTSINK_KIND_OVERFLOW][0], BOTSINK_OVERFLOW_ENTRIES - 4, 1001);
	CHECK_EQ(ret, 0);
	send_overflowing(tcp4("198.51.99.1", HOST4, 80, TH_SYN), BOTSINK_MATCHED, 1001);
	send_overflowing(tcp4("198.51.98.1", HOST4, 80, TH_SYN), BOTSINK_MATCHED, 1001);
	send_overflowing(tcp6("2001:db8:cc::1", HOST6, 80, TH_SYN), BOTSINK_MATCHED, 1003);
	send_overflowing(tcp4("198.51.100.8", HOST4, 80, TH_SYN), BOTSINK_MATCHED, 1001);

	CHECK_EQ(counters_drain(m, &r), 0);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_SOURCES), TEST_MAX_SOURCES - 1 + 2);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_UNCLASSIFIED), 1);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_OVERFLOW), BOTSINK_OVERFLOW_ENTRIES - 4 + 7);
	sc = drained(&r, BOTSINK_KIND_OVERFLOW, "198.51.100.0", 1001);
	/* .8's second SYN repeats its first: a retransmission. */
	CHECK(sc && sc->total.packets == 3 && sc->total.syns == 3 && sc->total.checkins == 2);
	sc = drained(&r, BOTSINK_KIND_OVERFLOW, "2001:db8:aa::", 1003);
	CHECK(sc && sc->total.packets == 1);
	sc = drained_catch_all(&r, true);
	CHECK(sc && sc->total.packets == 2 && sc->total.bytes == 2 * 54);
	sc = drained_catch_all(&r, false);
	CHECK(sc && sc->total.packets == 1);
	sc = drained(&r, BOTSINK_KIND_SOURCES, SRC4, 1001);
	CHECK(sc && sc->total.packets == 2 && sc->total.syns == 1);
	env.nwant = 0; /* checked above */
	CHECK_EQ(gen_keys(0), 0);
	CHECK_EQ(count_keys(m->counters[BOTSINK_KIND_OVERFLOW][0],
			    sizeof(struct botsink_source_key)),
		 2); /* the catch-alls again */

	/* Unclassified sources beyond their table: their own overflow table. */
	ret = prefill(m->counters[BOTSINK_KIND_UNCLASSIFIED][1], TEST_MAX_SOURCES, 0);
	CHECK_EQ(ret, 0);
	send_overflowing(tcp4("198.51.100.11", HOST4, 81, TH_SYN), BOTSINK_UNCLASSIFIED, 0);
	SEND_SID(tcp4("198.51.100.8", HOST4, 80, TH_SYN), 1001); /* room for check-ins */
	CHECK_EQ(counters_drain(m, &r), 0);
	sc = drained(&r, BOTSINK_KIND_UNCL_OVERFLOW, "198.51.100.0", 0);
	CHECK(sc && sc->total.packets == 1);
	sc = drained(&r, BOTSINK_KIND_SOURCES, "198.51.100.8", 1001);
	CHECK(sc && sc->total.packets == 1);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_UNCLASSIFIED), TEST_MAX_SOURCES);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_OVERFLOW), 0);
	env.nwant = 0;
}

/* botsink_touched of generation `gen`'s table of `kind`, summed over CPUs. */
static __u64 touched(int gen, int kind)
{
	__u64 t[BOTSINK_KINDS] = { 0 };

	CHECK_EQ(counters_touched(&env.l.maps, gen, t), 0);
	return t[kind];
}

/*
 * botsink_touched moves with every key the program creates and every
 * catch-all it writes, in the table written, and with nothing else: the
 * drain skips a table whose count did not move (user/feed/drain.c), so
 * a write it missed would be a count never drained.
 */
static void test_touched(void)
{
	const struct botsink_maps *m = &env.l.maps;
	__u64 src, ucl, ovf, other[BOTSINK_KINDS], idle[BOTSINK_KINDS];
	struct drain_result r = { 0 };
	int ret;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	CHECK_EQ(counters_active(m), 0);
	CHECK_EQ(counters_touched(m, 1, other), 0);
	src = touched(0, BOTSINK_KIND_SOURCES);
	ucl = touched(0, BOTSINK_KIND_UNCLASSIFIED);
	ovf = touched(0, BOTSINK_KIND_OVERFLOW);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	CHECK_EQ(touched(0, BOTSINK_KIND_SOURCES), src + 1);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_ACK), 1001); /* a key of this generation */
	CHECK_EQ(touched(0, BOTSINK_KIND_SOURCES), src + 1);
	SEND_SID(tcp4("198.51.100.8", HOST4, 81, TH_SYN), 0);
	CHECK_EQ(touched(0, BOTSINK_KIND_UNCLASSIFIED), ucl + 1);
	CHECK_EQ(touched(0, BOTSINK_KIND_OVERFLOW), ovf);
	for (int kind = 0; kind < BOTSINK_KINDS; kind++)
		CHECK_EQ(touched(1, kind), other[kind]); /* the idle generation */
	CHECK_DRAIN();
	CHECK_EQ(counters_touched(m, 0, idle), 0);

	/* Generation 1: full tables send sources to a prefix, then a catch-all. */
	src = touched(1, BOTSINK_KIND_SOURCES);
	ovf = touched(1, BOTSINK_KIND_OVERFLOW);
	ret = prefill(m->counters[BOTSINK_KIND_SOURCES][1], TEST_MAX_SOURCES, 1001);
	if (!check_at(__LINE__, !ret, "filling botsink_gen1: %s", strerror(-ret)))
		return;
	ret = prefill(m->counters[BOTSINK_KIND_OVERFLOW][1], BOTSINK_OVERFLOW_ENTRIES - 3, 1001);
	if (!check_at(__LINE__, !ret, "filling botsink_ovf1: %s", strerror(-ret)))
		return;
	send_overflowing(tcp4("198.51.100.9", HOST4, 80, TH_SYN), BOTSINK_MATCHED, 1001);
	CHECK_EQ(touched(1, BOTSINK_KIND_OVERFLOW), ovf + 1); /* the last prefix */
	send_overflowing(tcp4("198.51.99.1", HOST4, 80, TH_SYN), BOTSINK_MATCHED, 1001);
	send_overflowing(tcp6("2001:db8:cc::1", HOST6, 80, TH_SYN), BOTSINK_MATCHED, 1003);
	CHECK_EQ(touched(1, BOTSINK_KIND_OVERFLOW), ovf + 3); /* and both catch-alls */
	CHECK_EQ(touched(1, BOTSINK_KIND_SOURCES), src);
	/* Generation 0, idle since, was not written. */
	for (int kind = 0; kind < BOTSINK_KINDS; kind++)
		CHECK_EQ(touched(0, kind), idle[kind]);
	CHECK_EQ(counters_drain(m, &r), 0);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_OVERFLOW), BOTSINK_OVERFLOW_ENTRIES - 3 + 3);
	env.nwant = 0; /* checked above */
}

/*
 * counters_delete_read empties a table of what a read of it returned,
 * key by key: the drain's clear when it knows that is all the table holds.
 */
static void test_delete_read(void)
{
	const struct botsink_maps *m = &env.l.maps;
	struct drain_result r = { 0 };
	int gen;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	SEND_SID(tcp4("198.51.100.20", HOST4, 80, TH_SYN), 1001);
	SEND_SID(tcp6(SRC6, HOST6, 80, TH_SYN), 1003);
	SEND_SID(tcp4("198.51.100.8", HOST4, 81, TH_SYN), 0);
	gen = counters_swap(m);
	if (!CHECK(gen >= 0))
		return;
	CHECK_EQ(gen_keys(gen), 4);
	CHECK_EQ(counters_read(m, gen, &r), 0);
	CHECK_EQ(r.n, 4);
	CHECK_EQ(counters_delete_read(m, gen, BOTSINK_KIND_SOURCES, &r), 0);
	CHECK_EQ(gen_keys(gen), 1);
	CHECK_EQ(counters_delete_read(m, gen, BOTSINK_KIND_UNCLASSIFIED, &r), 0);
	CHECK_EQ(gen_keys(gen), 0);
	/* Deleted already: the drain then clears by walking. */
	CHECK(counters_delete_read(m, gen, BOTSINK_KIND_SOURCES, &r) != 0);
	CHECK_EQ(counters_clear(m, gen), 0);
	env.nwant = 0; /* drained by hand */
}

/* ---- tests: captures ---- */

/* Linux SYN with MSS, SACK, timestamps and window scale options. */
static const uint8_t cap_syn4[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x08, 0x00, 0x45,
	0x00, 0x00, 0x3c, 0x8c, 0x1f, 0x40, 0x00, 0x40, 0x06, 0x48, 0x47, 0xc6, 0x33, 0x64, 0x17,
	0xcb, 0x00, 0x71, 0x0a, 0xc8, 0x22, 0x00, 0x50, 0x5f, 0x3b, 0x2a, 0x91, 0x00, 0x00, 0x00,
	0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x5e, 0x22, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
	0x08, 0x0a, 0x0a, 0x1b, 0x2c, 0x3d, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* The same on VLAN 100. */
static const uint8_t cap_syn4_vlan[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x81,
	0x00, 0x00, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x8c, 0x20, 0x40, 0x00,
	0x40, 0x06, 0x48, 0x45, 0xc6, 0x33, 0x64, 0x18, 0xcb, 0x00, 0x71, 0x0a, 0xc8,
	0x24, 0x00, 0x50, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
	0xfa, 0xf0, 0xa3, 0x85, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08,
	0x0a, 0x0a, 0x1b, 0x2c, 0x3d, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* RST,ACK: 54 bytes, padded to the Ethernet minimum. */
static const uint8_t cap_rst4_padded[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x08, 0x00, 0x45,
	0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0xd4, 0x78, 0xc6, 0x33, 0x64, 0x19,
	0xcb, 0x00, 0x71, 0x0a, 0xc8, 0x28, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c,
	0x0d, 0x50, 0x14, 0x00, 0x00, 0x66, 0xe2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* DNS query for www.example.com A. */
static const uint8_t cap_dns4[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x08, 0x00, 0x45,
	0x00, 0x00, 0x3d, 0x3e, 0x21, 0x40, 0x00, 0x40, 0x11, 0x96, 0x23, 0xc6, 0x33, 0x64, 0x17,
	0xcb, 0x00, 0x71, 0x35, 0x9c, 0xbb, 0x00, 0x35, 0x00, 0x29, 0x3e, 0x3d, 0x4a, 0x7e, 0x01,
	0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x77, 0x77, 0x77, 0x07, 0x65,
	0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* ping: echo request with a timestamp and the usual 0x10.. pattern. */
static const uint8_t cap_ping4[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x08, 0x00, 0x45,
	0x00, 0x00, 0x4c, 0x5d, 0x2e, 0x40, 0x00, 0x40, 0x01, 0x77, 0x39, 0xc6, 0x33, 0x64, 0x17,
	0xcb, 0x00, 0x71, 0x0a, 0x08, 0x00, 0x13, 0xa2, 0x0c, 0x3b, 0x00, 0x01, 0x65, 0xa1, 0xf3,
	0xb2, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
	0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
	0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* ARP who-has 203.0.113.10, broadcast, padded. */
static const uint8_t cap_arp[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x08, 0x06, 0x00,
	0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0xcb, 0x00,
	0x71, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xcb, 0x00, 0x71, 0x0a, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t cap_syn6[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x86, 0xdd,
	0x60, 0x05, 0xc3, 0xa1, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xaa,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xc8, 0x32,
	0x00, 0x50, 0x7a, 0x6b, 0x5c, 0x4d, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfd, 0x20,
	0x04, 0x3e, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x0a, 0x1b,
	0x2c, 0x3d, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

static const uint8_t cap_dns6[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x86, 0xdd,
	0x60, 0x05, 0xc3, 0xa1, 0x00, 0x29, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xaa,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x9c, 0xbc,
	0x00, 0x35, 0x00, 0x29, 0x15, 0x48, 0x4a, 0x7e, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70,
	0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* Neighbour solicitation for 2001:db8:5::10 (unicast, reachability). */
static const uint8_t cap_ns6[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x86, 0xdd, 0x60,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x87, 0x00, 0x15, 0x3c, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x10, 0x01, 0x01, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c,
};

static const uint8_t cap_ping6[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x86, 0xdd, 0x60,
	0x0a, 0x2b, 0x3c, 0x00, 0x40, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xaa, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x80, 0x00, 0x4e, 0x4f, 0x1f, 0x2e,
	0x00, 0x01, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c,
	0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b,
	0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a,
	0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
};

static void test_captures(void)
{
	const char *src4 = "198.51.100.23", *src6 = "2001:db8:aaaa::23";

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_RAW_SID(cap_syn4, src4, 1001, HOST4, 80, FR_IPPROTO_TCP, true);
	SEND_RAW_SID(cap_syn4_vlan, "198.51.100.24", 1001, HOST4, 80, FR_IPPROTO_TCP, true);
	SEND_RAW_SID(cap_rst4_padded, "198.51.100.25", 1001, HOST4, 80, FR_IPPROTO_TCP, false);
	SEND_RAW_SID(cap_dns4, src4, 1002, "203.0.113.53", 53, FR_IPPROTO_UDP, false);
	SEND_RAW_SID(cap_ping4, src4, 0, HOST4, 0, FR_IPPROTO_ICMP, false);
	SEND_RAW(cap_arp, BOTSINK_NON_IP);
	SEND_RAW_SID(cap_syn6, src6, 1003, HOST6, 80, FR_IPPROTO_TCP, true);
	SEND_RAW_SID(cap_dns6, src6, 1004, "2001:db8:5::53", 53, FR_IPPROTO_UDP, false);
	SEND_RAW_SID(cap_ping6, src6, 0, HOST6, 0, FR_IPPROTO_ICMPV6, false);
	SEND_RAW(cap_ns6, BOTSINK_NON_SINKHOLE);
	CHECK_EQ(stat_delta(BOTSINK_VLAN), 1);
}

const struct test header_tests[] = {
	TEST(frame_builder),
	TEST(no_rule_set),
	TEST(sinkhole_without_rules),
	TEST(ipv4),
	TEST(ipv4_options),
	TEST(ipv6),
	TEST(ipv6_ext_headers),
	TEST(vlan),
	TEST(fragments_ipv4),
	TEST(fragments_ipv6),
	TEST(truncated_vlan_ipv4_tcp),
	TEST(truncated_ipv6_ext_udp),
	TEST(truncated_qinq_arp),
	TEST(malformed_ipv4),
	TEST(malformed_transport),
	TEST(malformed_ipv6),
	TEST(non_sinkhole),
	TEST(neighbour_discovery),
	TEST(verdict),
	TEST(rank_prefix_port),
	TEST(rank_proto_flags_sid),
	TEST(negated_source),
	TEST(tcp_flags),
	TEST(syn_decided),
	TEST(udp_and_port_ranges),
	TEST(destination_negation),
	TEST(families),
	TEST(long_candidate_lists),
	TEST(ruleset_swap),
	TEST(rule_slots),
	TEST(rule_slot_reuse),
	TEST(generations),
	TEST(drain_sums_cpus),
	TEST(collect),
	TEST_SIZED(collect_order, 8192),
	TEST(table_full),
	TEST(touched),
	TEST(delete_read),
	TEST(swap_waits),
	TEST(captures),
};
const size_t n_header_tests = ARRAY_SIZE(header_tests);
