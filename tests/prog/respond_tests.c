// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Handshake verification and the stateless responder under
 * BPF_PROG_TEST_RUN. The responder's SYN-ACK carries a real SYN cookie
 * from the kernel; the tests complete the handshake the way a client
 * would (sequence ISN + 1, acknowledgement cookie + 1) and check that
 * only such a segment is a verified check-in, and every reply byte by
 * byte: addresses, ports, numbers, flags, lengths and checksums.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lib/util.h"
#include "harness.h"

#define GATE4 "203.0.113.10"
#define GATE6 "2001:db8:5::10"
#define OTHER4 "198.51.100.99"
#define CLIENT_ISN 0x9a3c5e01 /* frames.h's sequence number */
#define REQUEST "POST /gate.php HTTP/1.1\r\nHost: c2.example\r\n\r\n"
#define HTTP_OK "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

static const char gate_rules[] =
	"alert tcp any any -> 203.0.113.0/24 80 (msg:\"gate\"; content:\"/gate.php\"; sid:7001;)\n"
	"alert tcp any any -> 2001:db8:5::/48 80 (msg:\"gate v6\"; content:\"/gate.php\"; sid:7002;)\n"
	"alert tcp any any -> 203.0.113.0/24 8000:8010 (msg:\"range\"; sid:7003;)\n"
	"alert udp any any -> 203.0.113.0/24 53 (msg:\"dns\"; sid:7004;)\n"
	"alert ip any any -> 203.0.113.99 any (msg:\"any protocol\"; sid:7005;)\n";

/* A reply as the program left it in env.out. */
struct reply {
	size_t l3, l4, tcp_len;
	int family;
	uint32_t seq, ack;
	uint8_t flags;
	const uint8_t *payload;
	size_t payload_len;
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static const char moved_rules[] =
	"alert tcp any any -> 203.0.113.0/24 443 (msg:\"moved\"; sid:7101;)\n";

/* The ports a TCP rule of the installed rules names: the responder's. */
static const char *installed;

static bool responder_port(uint16_t port)
{
	if (installed == moved_rules)
		return port == 443;
	return installed == gate_rules && (port == 80 || (port >= 8000 && port <= 8010));
}

static bool install_respond(int line, const char *rules, enum botsink_respond mode)
{
	env.respond = mode;
	installed = rules;
	return install_at(line, rules, BOTSINK_VERDICT_DROP);
}

/* Send a frame the responder answers (or not); hit: its counter. */
static void send_expect(int line, const struct frame *f, int bucket, __u32 sid, int action,
			bool verified)
{
	struct hit h;
	struct expect x = { .bucket = bucket, .action = action, .responded = action == XDP_TX };

	frame_hit(f, sid, &h);
	h.verified = verified;
	h.responder_port = responder_port(f->dport);
	x.hit = bucket == BOTSINK_MATCHED || bucket == BOTSINK_UNCLASSIFIED ? &h : NULL;
	send_at(line, f->buf, f->len, &x);
}

/*
 * The reply to request `q`: Ethernet addresses swapped, any VLAN tags kept,
 * IP addresses and ports swapped, fresh IP header, both checksums valid.
 */
static bool parse_reply(int line, const struct frame *q, struct reply *r)
{
	const uint8_t *o = env.out;
	const uint8_t *ip;
	struct frame view;
	uint32_t sum;
	size_t hlen;

	memset(r, 0, sizeof(*r));
	r->l3 = q->l3;
	r->family = q->ip_version;
	if (!check_at(line, env.out_len >= r->l3 + 40, "reply of %zu bytes", env.out_len))
		return false;
	check_at(line, !memcmp(o, q->buf + 6, 6) && !memcmp(o + 6, q->buf, 6),
		 "Ethernet addresses not swapped");
	check_at(line, !memcmp(o + 12, q->buf + 12, r->l3 - 12), "VLAN tags or type changed");
	ip = o + r->l3;
	if (r->family == 4) {
		r->l4 = r->l3 + IP4_LEN;
		check_at(line, ip[0] == 0x45 && ip[8] == 64 && ip[9] == FR_IPPROTO_TCP,
			 "IPv4 header: version/IHL %#x, TTL %u, protocol %u", ip[0], ip[8], ip[9]);
		check_at(line,
			 !memcmp(ip + 12, q->buf + q->l3 + 16, 4) &&
				 !memcmp(ip + 16, q->buf + q->l3 + 12, 4),
			 "IPv4 addresses not swapped");
		check_at(line, get16(ip + 2) == env.out_len - r->l3,
			 "IPv4 total length %u for %zu bytes", get16(ip + 2), env.out_len - r->l3);
		check_at(line, frame_fold(frame_sum(0, ip, IP4_LEN)) == 0,
			 "IPv4 header checksum wrong");
	} else {
		r->l4 = r->l3 + IP6_LEN;
		check_at(line, ip[0] == 0x60 && ip[6] == FR_IPPROTO_TCP && ip[7] == 64,
			 "IPv6 header: version %#x, next header %u, hop limit %u", ip[0], ip[6],
			 ip[7]);
		check_at(line,
			 !memcmp(ip + 8, q->buf + q->l3 + 24, 16) &&
				 !memcmp(ip + 24, q->buf + q->l3 + 8, 16),
			 "IPv6 addresses not swapped");
		check_at(line, get16(ip + 4) == env.out_len - r->l4,
			 "IPv6 payload length %u for %zu bytes", get16(ip + 4),
			 env.out_len - r->l4);
	}
	r->tcp_len = env.out_len - r->l4;
	hlen = (size_t)(o[r->l4 + TCP_OFF_DOFF] >> 4) * 4;
	if (!check_at(line, r->tcp_len >= TCP_LEN && hlen >= TCP_LEN && hlen <= r->tcp_len,
		      "TCP header of %zu bytes in %zu", hlen, r->tcp_len))
		return false;
	check_at(line, get16(o + r->l4) == q->dport && get16(o + r->l4 + 2) == q->sport,
		 "ports %u -> %u, expected %u -> %u", get16(o + r->l4), get16(o + r->l4 + 2),
		 q->dport, q->sport);
	view = (struct frame){
		.buf = env.out, .len = env.out_len, .l3 = r->l3, .ip_version = (uint8_t)r->family
	};
	sum = frame_pseudo_sum(&view, FR_IPPROTO_TCP, r->tcp_len);
	check_at(line, frame_fold(frame_sum(sum, o + r->l4, r->tcp_len)) == 0,
		 "TCP checksum wrong");
	r->seq = get32(o + r->l4 + 4);
	r->ack = get32(o + r->l4 + 8);
	r->flags = o[r->l4 + TCP_OFF_FLAGS];
	r->payload = o + r->l4 + hlen;
	r->payload_len = r->tcp_len - hlen;
	return true;
}

/* A SYN with a Linux client's options (MSS 1460, SACK, timestamps, window scale). */
static struct frame *syn(int family, const char *src, const char *dst, uint16_t dport)
{
	struct frame *f = new_frame();

	frame_eth_ip(f, family, src, dst);
	frame_tcp_opt(f, SPORT, dport, TH_SYN, frame_syn_options, sizeof(frame_syn_options));
	return f;
}

/* The client's segment after the handshake: sequence ISN + 1, acknowledging `ack`. */
static struct frame *segment(int family, const char *src, const char *dst, uint16_t dport,
			     uint8_t flags, uint32_t ack, const char *data)
{
	struct frame *f = tcp_segment(family, src, dst, dport, flags, CLIENT_ISN + 1, data,
				      data ? strlen(data) : 0);

	frame_put32(f, f->l4 + 8, ack);
	frame_fixup(f);
	return f;
}

/*
 * SYN -> SYN-ACK; returns the cookie (the SYN-ACK's sequence number). The
 * SYN asks for MSS 1460: the cookie encodes 1460 for IPv4, 1440 for IPv6
 * (the kernel's tables). `sid`: the rule the SYN itself matches, or 0.
 */
static uint32_t handshake(int line, int family, const char *src, const char *dst, uint16_t dport,
			  __u32 sid)
{
	struct frame *f = syn(family, src, dst, dport);
	uint16_t want_mss = family == 4 ? 1460 : 1440;
	struct reply r;

	send_expect(line, f, sid ? BOTSINK_MATCHED : BOTSINK_UNCLASSIFIED, sid, XDP_TX, false);
	if (!parse_reply(line, f, &r))
		return 0;
	check_at(line, r.flags == (TH_SYN | TH_ACK), "SYN-ACK flags %#x", r.flags);
	check_at(line, r.ack == CLIENT_ISN + 1, "SYN-ACK acknowledges %#x", r.ack);
	check_at(line,
		 r.tcp_len == 24 && env.out[r.l4 + 20] == 2 && env.out[r.l4 + 21] == 4 &&
			 get16(env.out + r.l4 + 22) == want_mss,
		 "SYN-ACK options: %zu header bytes, MSS %u; expected MSS %u", r.tcp_len,
		 get16(env.out + r.l4 + 22), want_mss);
	return r.seq;
}

/* A RST as a host without the connection sends it to a segment with ACK. */
static void check_rst(int line, const struct frame *q, uint32_t ack)
{
	struct reply r;

	if (!parse_reply(line, q, &r))
		return;
	check_at(line, r.flags == TH_RST && r.seq == ack && r.tcp_len == TCP_LEN,
		 "RST: flags %#x, sequence %#x, %zu bytes; expected RST, %#x, 20", r.flags, r.seq,
		 r.tcp_len, ack);
}

static void proven_checkin(int family, enum botsink_respond mode)
{
	const char *src = family == 4 ? SRC4 : SRC6, *dst = family == 4 ? GATE4 : GATE6;
	__u32 sid = family == 4 ? 7001 : 7002;
	struct frame *f;
	struct reply r;
	uint32_t cookie;

	if (!install_respond(__LINE__, gate_rules, mode))
		return;
	cookie = handshake(__LINE__, family, src, dst, 80, 0);
	/* The handshake's ACK passes the check but is no check-in: no answer. */
	f = segment(family, src, dst, 80, TH_ACK, cookie + 1, NULL);
	send_expect(__LINE__, f, BOTSINK_UNCLASSIFIED, 0, XDP_DROP, true);
	/* The check-in: proven, counted once, answered. */
	f = segment(family, src, dst, 80, TH_PSH | TH_ACK, cookie + 1, REQUEST);
	send_expect(__LINE__, f, BOTSINK_MATCHED, sid, XDP_TX, true);
	if (mode == BOTSINK_RESPOND_TCP) {
		check_rst(__LINE__, f, cookie + 1);
	} else if (parse_reply(__LINE__, f, &r)) {
		CHECK_EQ(r.flags, TH_ACK | TH_PSH | TH_FIN);
		CHECK_EQ(r.seq, cookie + 1);
		CHECK_EQ(r.ack, CLIENT_ISN + 1 + strlen(REQUEST));
		CHECK(r.payload_len == strlen(HTTP_OK) &&
		      !memcmp(r.payload, HTTP_OK, r.payload_len));
	}
	/* Its retransmission is answered again but not counted again. */
	f = segment(family, src, dst, 80, TH_PSH | TH_ACK, cookie + 1, REQUEST);
	send_expect(__LINE__, f, BOTSINK_MATCHED, sid, XDP_TX, true);
}

static void test_proven_checkin_v4(void)
{
	proven_checkin(4, BOTSINK_RESPOND_TCP);
}

static void test_proven_checkin_v6(void)
{
	proven_checkin(6, BOTSINK_RESPOND_TCP);
}

static void test_http_reply_v4(void)
{
	proven_checkin(4, BOTSINK_RESPOND_HTTP);
}

static void test_http_reply_v6(void)
{
	proven_checkin(6, BOTSINK_RESPOND_HTTP);
}

/*
 * Forged check-ins: a guessed acknowledgement number, a real cookie
 * replayed from another source or to another address, a later segment.
 * None is verified, and none is answered (a forged segment gets no
 * reflection); a FIN gets the RST a host without the connection sends.
 */
static void test_forged_checkins(void)
{
	struct frame *f;
	struct reply r;
	uint32_t cookie;

	if (!install_respond(__LINE__, gate_rules, BOTSINK_RESPOND_HTTP))
		return;
	cookie = handshake(__LINE__, 4, SRC4, GATE4, 80, 0);
	/* Distinct sources: each segment is a check-in of its own, and checked. */
	f = segment(4, "198.51.100.98", GATE4, 80, TH_PSH | TH_ACK, 0x12345678, REQUEST);
	send_expect(__LINE__, f, BOTSINK_MATCHED, 7001, XDP_DROP, false);
	f = segment(4, OTHER4, GATE4, 80, TH_PSH | TH_ACK, cookie + 1, REQUEST);
	send_expect(__LINE__, f, BOTSINK_MATCHED, 7001, XDP_DROP, false);
	f = segment(4, SRC4, "203.0.113.11", 80, TH_PSH | TH_ACK, cookie + 1, REQUEST);
	send_expect(__LINE__, f, BOTSINK_MATCHED, 7001, XDP_DROP, false);
	/* A later segment of the real connection: its sequence has moved on. */
	f = segment(4, SRC4, GATE4, 80, TH_PSH | TH_ACK, cookie + 1, REQUEST);
	frame_put32(f, f->l4 + 4, CLIENT_ISN + 1 + 100);
	frame_fixup(f);
	send_expect(__LINE__, f, BOTSINK_MATCHED, 7001, XDP_DROP, false);
	/* Data without ACK, then with FIN: the FIN is answered, RST|ACK. */
	f = segment(4, "198.51.100.97", GATE4, 80, TH_PSH, 0, REQUEST);
	send_expect(__LINE__, f, BOTSINK_MATCHED, 7001, XDP_DROP, false);
	f = segment(4, "198.51.100.96", GATE4, 80, TH_PSH | TH_FIN, 0, "POST /gate.php x");
	send_expect(__LINE__, f, BOTSINK_MATCHED, 7001, XDP_TX, false);
	if (parse_reply(__LINE__, f, &r)) {
		CHECK_EQ(r.flags, TH_RST | TH_ACK);
		CHECK_EQ(r.seq, 0);
		CHECK_EQ(r.ack, CLIENT_ISN + 1 + strlen("POST /gate.php x") + 1);
	}
	/* A forged FIN with ACK: RST from its acknowledgement number. */
	f = segment(4, OTHER4, GATE4, 80, TH_FIN | TH_ACK, 0x2468ace0, NULL);
	send_expect(__LINE__, f, BOTSINK_UNCLASSIFIED, 0, XDP_TX, false);
	check_rst(__LINE__, f, 0x2468ace0);
	CHECK_EQ(stat_delta(BOTSINK_VERIFIED), 0);
	CHECK_EQ(stat_delta(BOTSINK_COOKIE_FAILED), 6);
}

/* The coarse monotonic clock the program reads, as userspace reads it. */
static uint64_t coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * A spoofer guessing cookies for one address: after more than
 * BOTSINK_GUARD_FAILURES failed checks in a window, even a valid cookie
 * from that address is not counted as verified; another address is.
 */
static void test_guessing_is_bounded(void)
{
	char text[64];
	struct frame *f;
	uint32_t cookie4, cookie6;
	uint64_t now = coarse_ns();
	struct hit h;
	struct expect x = { .bucket = BOTSINK_MATCHED, .action = XDP_DROP, .hit = &h };

	if (!install_respond(__LINE__, gate_rules, BOTSINK_RESPOND_TCP))
		return;
	/* All in one window: wait for the next one if this one ends within 5 s. */
	if ((now >> BOTSINK_GUARD_WINDOW_SHIFT) !=
	    ((now + 5000000000ULL) >> BOTSINK_GUARD_WINDOW_SHIFT))
		sleep(6);
	cookie4 = handshake(__LINE__, 4, SRC4, GATE4, 80, 0);
	cookie6 = handshake(__LINE__, 6, SRC6, GATE6, 80, 0);
	for (uint32_t i = 0; i <= BOTSINK_GUARD_FAILURES; i++) {
		snprintf(text, sizeof(text), "POST /gate.php %u", i);
		f = segment(4, SRC4, GATE4, 80, TH_PSH | TH_ACK, cookie4 + 2 + i, text);
		frame_put32(f, f->l4 + 4, CLIENT_ISN + 1000 + i);
		frame_fixup(f);
		frame_hit(f, 7001, &h);
		h.responder_port = true;
		send_at(__LINE__, f->buf, f->len, &x);
	}
	CHECK_EQ(stat_delta(BOTSINK_COOKIE_FAILED), BOTSINK_GUARD_FAILURES + 1);
	/* The real handshake's check-in now: valid, refused. */
	f = segment(4, SRC4, GATE4, 80, TH_PSH | TH_ACK, cookie4 + 1, REQUEST);
	frame_hit(f, 7001, &h);
	h.responder_port = true;
	h.verified = true;
	h.refused = true;
	x.action = XDP_TX; /* still answered: a reply proves nothing either way */
	x.responded = true;
	send_at(__LINE__, f->buf, f->len, &x);
	CHECK_EQ(stat_delta(BOTSINK_VERIFY_REFUSED), 1);
	/* Another source is not held back. */
	f = segment(6, SRC6, GATE6, 80, TH_PSH | TH_ACK, cookie6 + 1, REQUEST);
	send_expect(__LINE__, f, BOTSINK_MATCHED, 7002, XDP_TX, true);
	CHECK_EQ(stat_delta(BOTSINK_VERIFIED), 1);
}

/* Drop verdict without the responder: no SYN-ACK was sent, nothing is verified. */
static void test_no_responder_no_verification(void)
{
	struct frame *f;
	uint32_t cookie;

	if (!install_respond(__LINE__, gate_rules, BOTSINK_RESPOND_TCP))
		return;
	cookie = handshake(__LINE__, 4, SRC4, GATE4, 80, 0);
	if (!install_respond(__LINE__, gate_rules, BOTSINK_RESPOND_NONE))
		return;
	f = segment(4, SRC4, GATE4, 80, TH_PSH | TH_ACK, cookie + 1, REQUEST);
	send_expect(__LINE__, f, BOTSINK_MATCHED, 7001, XDP_DROP, false);
	CHECK_EQ(stat_delta(BOTSINK_VERIFIED), 0);
	CHECK_EQ(stat_delta(BOTSINK_COOKIE_FAILED), 0);
}

/* A SYN flood from many spoofed sources: each answered, nothing verified, nothing kept. */
static void test_syn_flood(void)
{
	char src[32];

	if (!install_respond(__LINE__, gate_rules, BOTSINK_RESPOND_TCP))
		return;
	for (int i = 1; i <= 50; i++) {
		snprintf(src, sizeof(src), "198.51.100.%d", i);
		handshake(__LINE__, 4, src, GATE4, 80, 0);
	}
	CHECK_EQ(stat_delta(BOTSINK_RESPONSES), 50);
	CHECK_EQ(stat_delta(BOTSINK_VERIFIED), 0);
}

/* The MSS the SYN asked for, as the cookie can encode it. */
static void test_synack_mss(void)
{
	struct frame *f;
	struct reply r;

	if (!install_respond(__LINE__, gate_rules, BOTSINK_RESPOND_TCP))
		return;
	/* No option: the default MSS, 536. */
	f = tcp4(SRC4, GATE4, 80, TH_SYN);
	send_expect(__LINE__, f, BOTSINK_UNCLASSIFIED, 0, XDP_TX, false);
	if (parse_reply(__LINE__, f, &r))
		CHECK_EQ(get16(env.out + r.l4 + 22), 536);
	/* 1400 rounds down to the cookie table's 1300. */
	{
		static const uint8_t mss1400[4] = { 2, 4, 0x05, 0x78 };

		f = new_frame();
		frame_eth(f);
		frame_ipv4(f, SRC4, GATE4);
		frame_tcp_opt(f, SPORT, 80, TH_SYN, mss1400, sizeof(mss1400));
		send_expect(__LINE__, f, BOTSINK_UNCLASSIFIED, 0, XDP_TX, false);
		if (parse_reply(__LINE__, f, &r))
			CHECK_EQ(get16(env.out + r.l4 + 22), 1300);
	}
}

/* VLAN-tagged SYNs are answered on their VLAN (parse_reply checks the tags). */
static void test_vlan_reply(void)
{
	struct frame *f = new_frame();
	struct reply r;

	if (!install_respond(__LINE__, gate_rules, BOTSINK_RESPOND_TCP))
		return;
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021AD, 100);
	frame_vlan(f, FR_ETH_P_8021Q, 200);
	frame_ipv4(f, SRC4, GATE4);
	frame_tcp_opt(f, SPORT, 80, TH_SYN, frame_syn_options, sizeof(frame_syn_options));
	send_expect(__LINE__, f, BOTSINK_UNCLASSIFIED, 0, XDP_TX, false);
	if (parse_reply(__LINE__, f, &r))
		CHECK_EQ(r.flags, TH_SYN | TH_ACK);
}

/* What is never answered: dropped and counted as before. */
static void test_not_answered(void)
{
	static const uint8_t ip_opt[4] = { 1, 1, 1, 0 };
	struct frame *f;

	if (!install_respond(__LINE__, gate_rules, BOTSINK_RESPOND_TCP))
		return;
	/* A port no TCP rule names (the UDP rule's 53 included). */
	send_expect(__LINE__, tcp4(SRC4, GATE4, 8080, TH_SYN), BOTSINK_UNCLASSIFIED, 0, XDP_DROP,
		    false);
	send_expect(__LINE__, tcp4(SRC4, GATE4, 53, TH_SYN), BOTSINK_UNCLASSIFIED, 0, XDP_DROP,
		    false);
	/* The range rule's ports, and just outside. */
	send_expect(__LINE__, tcp4(SRC4, GATE4, 8010, TH_SYN), BOTSINK_MATCHED, 7003, XDP_TX,
		    false);
	send_expect(__LINE__, tcp4(SRC4, GATE4, 8011, TH_SYN), BOTSINK_UNCLASSIFIED, 0, XDP_DROP,
		    false);
	/* Sources no host has. */
	send_expect(__LINE__, tcp4("224.1.2.3", GATE4, 80, TH_SYN), BOTSINK_UNCLASSIFIED, 0,
		    XDP_DROP, false);
	send_expect(__LINE__, tcp4("255.255.255.255", GATE4, 80, TH_SYN), BOTSINK_UNCLASSIFIED, 0,
		    XDP_DROP, false);
	send_expect(__LINE__, tcp4("127.0.0.1", GATE4, 80, TH_SYN), BOTSINK_UNCLASSIFIED, 0,
		    XDP_DROP, false);
	send_expect(__LINE__, tcp4("0.1.2.3", GATE4, 80, TH_SYN), BOTSINK_UNCLASSIFIED, 0, XDP_DROP,
		    false);
	send_expect(__LINE__, tcp6("ff02::1", GATE6, 80, TH_SYN), BOTSINK_UNCLASSIFIED, 0, XDP_DROP,
		    false);
	send_expect(__LINE__, tcp6("::1", GATE6, 80, TH_SYN), BOTSINK_UNCLASSIFIED, 0, XDP_DROP,
		    false);
	/* A frame to or from a group MAC address. */
	f = tcp4(SRC4, GATE4, 80, TH_SYN);
	f->buf[0] = 0xff;
	send_expect(__LINE__, f, BOTSINK_UNCLASSIFIED, 0, XDP_DROP, false);
	f = tcp4(SRC4, GATE4, 80, TH_SYN);
	f->buf[6] |= 0x01;
	send_expect(__LINE__, f, BOTSINK_UNCLASSIFIED, 0, XDP_DROP, false);
	/* An `ip` rule names no port: nothing is answered for it. */
	send_expect(__LINE__, tcp4(SRC4, "203.0.113.99", 9999, TH_SYN), BOTSINK_MATCHED, 7005,
		    XDP_DROP, false);
	/* IP options, IPv6 extension headers: not rebuilt in place. */
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, GATE4);
	frame_ipv4_options(f, ip_opt, sizeof(ip_opt));
	frame_tcp(f, SPORT, 80, TH_SYN);
	send_expect(__LINE__, f, BOTSINK_UNCLASSIFIED, 0, XDP_DROP, false);
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, GATE6);
	frame_ipv6_ext(f, FR_IPPROTO_DSTOPTS, 8);
	frame_tcp(f, SPORT, 80, TH_SYN);
	send_expect(__LINE__, f, BOTSINK_UNCLASSIFIED, 0, XDP_DROP, false);
	/* SYN+FIN, SYN-ACK, RST, a bare ACK: nothing to answer. */
	send_expect(__LINE__, tcp4(SRC4, GATE4, 80, TH_SYN | TH_FIN), BOTSINK_UNCLASSIFIED, 0,
		    XDP_DROP, false);
	send_expect(__LINE__, tcp4(SRC4, GATE4, 80, TH_SYN | TH_ACK), BOTSINK_UNCLASSIFIED, 0,
		    XDP_DROP, false);
	send_expect(__LINE__, tcp4(SRC4, GATE4, 80, TH_RST), BOTSINK_UNCLASSIFIED, 0, XDP_DROP,
		    false);
	send_expect(__LINE__, tcp4(SRC4, GATE4, 80, TH_ACK), BOTSINK_UNCLASSIFIED, 0, XDP_DROP,
		    false);
	/* UDP: counted, never answered. */
	send_expect(__LINE__, udp4(SRC4, GATE4, 5353, 53), BOTSINK_MATCHED, 7004, XDP_DROP, false);
}

/* The responder needs the drop verdict: with pass, the kernel answers. */
static void test_pass_verdict_never_answers(void)
{
	if (!install_respond(__LINE__, gate_rules, BOTSINK_RESPOND_TCP))
		return;
	CHECK_EQ(read_config().respond, BOTSINK_RESPOND_TCP);
	env.respond = BOTSINK_RESPOND_TCP;
	if (!INSTALL(gate_rules, BOTSINK_VERDICT_PASS))
		return;
	CHECK_EQ(read_config().respond, BOTSINK_RESPOND_NONE);
	send_expect(__LINE__, syn(4, SRC4, GATE4, 80), BOTSINK_UNCLASSIFIED, 0, XDP_PASS, false);
}

/*
 * Pass verdict: the kernel's SYN cookies and the responder's are the same
 * function with the same secret, so a cookie from the responder stands in
 * for the kernel's here (the lab test uses the kernel's own).
 */
static void test_verified_in_pass_mode(void)
{
	struct frame *f;
	uint32_t cookie;

	if (!install_respond(__LINE__, gate_rules, BOTSINK_RESPOND_TCP))
		return;
	cookie = handshake(__LINE__, 6, SRC6, GATE6, 80, 0);
	env.respond = BOTSINK_RESPOND_NONE;
	if (!INSTALL(gate_rules, BOTSINK_VERDICT_PASS))
		return;
	f = segment(6, SRC6, GATE6, 80, TH_PSH | TH_ACK, cookie + 1, REQUEST);
	send_expect(__LINE__, f, BOTSINK_MATCHED, 7002, XDP_PASS, true);
	f = segment(6, SRC6, GATE6, 80, TH_PSH | TH_ACK, cookie + 2, "POST /gate.php again");
	send_expect(__LINE__, f, BOTSINK_MATCHED, 7002, XDP_PASS, false);
}

/* A short request: the frame grows to hold the HTTP reply. */
static void test_http_reply_grows(void)
{
	struct frame *f;
	struct reply r;
	uint32_t cookie;

	if (!install_respond(__LINE__, gate_rules, BOTSINK_RESPOND_HTTP))
		return;
	cookie = handshake(__LINE__, 4, SRC4, GATE4, 8000, 7003);
	/* Data and FIN in one segment: the FIN is acknowledged too. */
	f = segment(4, SRC4, GATE4, 8000, TH_PSH | TH_ACK | TH_FIN, cookie + 1, "hi");
	send_expect(__LINE__, f, BOTSINK_MATCHED, 7003, XDP_TX, true);
	if (parse_reply(__LINE__, f, &r)) {
		CHECK(env.out_len > f->len);
		CHECK_EQ(r.ack, CLIENT_ISN + 1 + 2 + 1);
		CHECK(r.payload_len == strlen(HTTP_OK) &&
		      !memcmp(r.payload, HTTP_OK, r.payload_len));
	}
	/* The client's FIN after ours: no longer provable, a RST closes it. */
	f = segment(4, SRC4, GATE4, 8000, TH_FIN | TH_ACK, cookie + 2 + strlen(HTTP_OK), NULL);
	frame_put32(f, f->l4 + 4, CLIENT_ISN + 4);
	frame_fixup(f);
	send_expect(__LINE__, f, BOTSINK_MATCHED, 7003, XDP_TX, false);
	check_rst(__LINE__, f, cookie + 2 + (uint32_t)strlen(HTTP_OK));
}

/* A reload moves the responder's ports with the rules. */
static void test_ports_follow_reload(void)
{
	if (!install_respond(__LINE__, gate_rules, BOTSINK_RESPOND_TCP))
		return;
	send_expect(__LINE__, tcp4(SRC4, GATE4, 443, TH_SYN), BOTSINK_UNCLASSIFIED, 0, XDP_DROP,
		    false);
	if (!install_respond(__LINE__, moved_rules, BOTSINK_RESPOND_TCP))
		return;
	send_expect(__LINE__, tcp4(SRC4, GATE4, 443, TH_SYN), BOTSINK_MATCHED, 7101, XDP_TX, false);
	send_expect(__LINE__, tcp4(SRC4, GATE4, 80, TH_SYN), BOTSINK_UNCLASSIFIED, 0, XDP_DROP,
		    false);
}

const struct test respond_tests[] = {
	TEST(proven_checkin_v4),
	TEST(proven_checkin_v6),
	TEST(http_reply_v4),
	TEST(http_reply_v6),
	TEST(forged_checkins),
	TEST(guessing_is_bounded),
	TEST(no_responder_no_verification),
	TEST(syn_flood),
	TEST(synack_mss),
	TEST(vlan_reply),
	TEST(not_answered),
	TEST(pass_verdict_never_answers),
	TEST(verified_in_pass_mode),
	TEST(http_reply_grows),
	TEST(ports_follow_reload),
};

const size_t n_respond_tests = ARRAY_SIZE(respond_tests);
