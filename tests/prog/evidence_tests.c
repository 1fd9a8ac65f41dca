// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Evidence samples under BPF_PROG_TEST_RUN: with botsink_config.evidence
 * set, the check-in that creates a (source, sid) key in a source table of
 * the active generation hands one struct botsink_evidence to the ring
 * buffer botsink_evidence; read here with libbpf's ring_buffer. HTTP over
 * IPv4 and IPv6, DNS, a window that cuts the request, a request split
 * over two segments, a SYN, unclassified traffic, a full ring, and full
 * tables (an aggregate's key has no sample).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/counters.h"
#include "kernel/loader.h"
#include "lib/util.h"
#include "harness.h"

#define EV_SEQ 0x55667788

static const char *const field_names[BOTSINK_EV_FIELDS] = {
	[BOTSINK_EV_HTTP_METHOD] = "method",   [BOTSINK_EV_HTTP_URI] = "uri",
	[BOTSINK_EV_HTTP_HOST] = "host",       [BOTSINK_EV_HTTP_AGENT] = "user agent",
	[BOTSINK_EV_HTTP_REFERER] = "referer",
};

/* ---- the configuration, frames, sending ---- */

static void set_evidence_at(int line, __u32 on)
{
	struct botsink_config cfg = read_config();
	__u32 zero = 0;

	cfg.evidence = on;
	check_at(line, !bpf_map_update_elem(env.l.maps.config, &zero, &cfg, BPF_ANY),
		 "cannot write botsink_config: %s", strerror(errno));
	check_at(line, read_config().evidence == on, "botsink_config.evidence is not %u", on);
}

#define SET_EVIDENCE(on) set_evidence_at(__LINE__, (on))

static __u64 coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* TCP data (PSH|ACK) from `src` (port SPORT) with this sequence number and payload. */
static struct frame *tcp_from(int family, const char *src, const char *dst, uint16_t dport,
			      uint32_t seq, const void *data, size_t n)
{
	return tcp_segment(family, src, dst, dport, TH_PSH | TH_ACK, seq, data, n);
}

/* IPv4 UDP from `src`, port 5353, with this payload. */
static struct frame *udp_from(const char *src, const char *dst, uint16_t dport, const void *data,
			      size_t n)
{
	struct frame *f = new_frame();

	frame_eth(f);
	frame_ipv4(f, src, dst);
	frame_udp(f, 5353, dport);
	frame_payload(f, data, n);
	return f;
}

/*
 * A frame attributed to `sid` (0: unclassified) whose counter records DNS
 * query type `qtype`: `sample` when it hands a sample, `full` when its
 * table is full (an overflow table counts it).
 */
static void send_ev_at(int line, const struct frame *f, __u32 sid, __u16 qtype, bool sample,
		       bool full)
{
	struct expect x = {
		.bucket = sid_bucket(sid), .action = -1, .table_full = full, .evidence = sample
	};
	struct hit h;

	if (!check_at(line, frame_ok(f), "the test frame does not fit"))
		return;
	frame_hit(f, sid, &h);
	h.dns_qtype = qtype;
	x.hit = &h;
	send_at(line, f->buf, f->len, &x);
}

#define SEND_EV(f, sid, sample) send_ev_at(__LINE__, (f), (sid), 0, (sample), false)
#define SEND_EV_DNS(f, sid, qtype, sample) \
	send_ev_at(__LINE__, (f), (sid), (qtype), (sample), false)
#define SEND_EV_FULL(f, sid) send_ev_at(__LINE__, (f), (sid), 0, false, true)

/* ---- reading samples ---- */

struct samples {
	struct botsink_evidence *s;
	size_t cap; /* samples kept in s; the others are only counted */
	size_t n;
	size_t bad_size;
};

static int on_sample(void *ctx, void *data, size_t size)
{
	struct samples *out = ctx;

	if (size != sizeof(struct botsink_evidence)) {
		out->bad_size++;
		return 0;
	}
	if (out->n < out->cap)
		memcpy(&out->s[out->n], data, size);
	out->n++;
	return 0;
}

/* Consume every sample in the ring into `out` (from its start); returns how many. */
static size_t take_at(int line, struct samples *out)
{
	struct ring_buffer *rb;
	int n;

	out->n = out->bad_size = 0;
	rb = ring_buffer__new(env.l.maps.evidence, on_sample, out, NULL);
	if (!check_at(line, rb, "ring_buffer__new: %s", strerror(errno)))
		return 0;
	n = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	check_at(line, n >= 0 && (size_t)n == out->n, "ring_buffer__consume: %d, %zu samples", n,
		 out->n);
	check_at(line, !out->bad_size, "%zu samples are not %zu bytes", out->bad_size,
		 sizeof(struct botsink_evidence));
	return out->n;
}

#define TAKE(out) take_at(__LINE__, (out))

/* ---- what a sample must hold ---- */

/* A 16-byte address as the program keeps it: IPv4 as ::ffff:a.b.c.d. */
static void addr16(__u8 out[16], const char *text)
{
	memset(out, 0, 16);
	if (strchr(text, ':')) {
		inet_pton(AF_INET6, text, out);
		return;
	}
	out[10] = out[11] = 0xff;
	inet_pton(AF_INET, text, out + 12);
}

struct want_sample {
	const char *src, *dst;
	__u32 sid, gen;
	__u16 sport, dport;
	__u8 proto, flags;
	const void *payload; /* the window holds its first window_len bytes */
	__u32 payload_len;
	__u16 window_len;
	const char *field[BOTSINK_EV_FIELDS]; /* NULL: an empty range */
	const char *dns_name; /* NULL: dns_len 0 */
	__u16 dns_qtype;
	__u64 t0, t1; /* time_ns within [t0, t1] */
};

static void check_field_at(int line, const struct botsink_evidence *e, int f, const char *want)
{
	unsigned int lo = e->lo[f], hi = e->hi[f];
	size_t n = want ? strlen(want) : 0;
	bool inside = lo <= hi && hi <= e->window_len && hi <= BOTSINK_WINDOW;

	if (!want) {
		check_at(line, lo == 0 && hi == 0, "%s: window[%u, %u), expected an empty range",
			 field_names[f], lo, hi);
		return;
	}
	check_at(line, inside && hi - lo == n && !memcmp(e->window + lo, want, n),
		 "%s: window[%u, %u) is \"%.*s\", expected \"%s\"", field_names[f], lo, hi,
		 inside ? (int)(hi - lo) : 0, inside ? (const char *)e->window + lo : "", want);
}

static void check_sample_at(int line, const struct botsink_evidence *e, const struct want_sample *w)
{
	__u8 src[16], dst[16];
	char got_src[ADDR_TEXT_LEN], got_dst[ADDR_TEXT_LEN];

	addr16(src, w->src);
	addr16(dst, w->dst);
	addr_format((const struct in6_addr *)e->src_addr, got_src, sizeof(got_src));
	addr_format((const struct in6_addr *)e->dst_addr, got_dst, sizeof(got_dst));
	check_at(line, !memcmp(e->src_addr, src, 16), "src_addr is %s, expected %s", got_src,
		 w->src);
	check_at(line, !memcmp(e->dst_addr, dst, 16), "dst_addr is %s, expected %s", got_dst,
		 w->dst);
	check_eq_at(line, "sid", e->sid, w->sid);
	check_eq_at(line, "gen", e->gen, w->gen);
	check_eq_at(line, "src_port", e->src_port, w->sport);
	check_eq_at(line, "dst_port", e->dst_port, w->dport);
	check_eq_at(line, "protocol", e->protocol, w->proto);
	check_eq_at(line, "flags", e->flags, w->flags);
	check_eq_at(line, "payload_len", e->payload_len, w->payload_len);
	check_eq_at(line, "window_len", e->window_len, w->window_len);
	if (w->window_len && w->payload)
		check_at(line,
			 e->window_len == w->window_len &&
				 !memcmp(e->window, w->payload, w->window_len),
			 "window[0, %u) is not the payload's first bytes", w->window_len);
	for (int f = 0; f < BOTSINK_EV_FIELDS; f++)
		check_field_at(line, e, f, w->field[f]);
	check_eq_at(line, "dns_qtype", e->dns_qtype, w->dns_qtype);
	check_eq_at(line, "dns_len", e->dns_len, w->dns_name ? strlen(w->dns_name) : 0);
	if (w->dns_name)
		check_at(line,
			 e->dns_len == strlen(w->dns_name) &&
				 !memcmp(e->dns_name, w->dns_name, e->dns_len),
			 "dns_name is \"%.*s\", expected \"%s\"",
			 e->dns_len <= sizeof(e->dns_name) ? (int)e->dns_len : 0,
			 (const char *)e->dns_name, w->dns_name);
	if (w->t1)
		check_at(line, e->time_ns >= w->t0 && e->time_ns <= w->t1,
			 "time_ns %llu, expected in [%llu, %llu]", (unsigned long long)e->time_ns,
			 (unsigned long long)w->t0, (unsigned long long)w->t1);
	else
		check_at(line, e->time_ns != 0, "time_ns is 0");
}

#define CHECK_SAMPLE(e, ...) \
	check_sample_at(__LINE__, (e), &(const struct want_sample){ __VA_ARGS__ })

/* ---- HTTP ---- */

static const char http_rules[] =
	"alert http any any -> 203.0.113.10 80 (msg:\"gate\"; content:\"POST\"; http_method; content:\"/gate.php\"; http_uri; sid:8001;)\n"
	"alert http any any -> 2001:db8:5::10 80 (msg:\"gate (IPv6)\"; content:\"POST\"; http_method; content:\"/gate.php\"; http_uri; sid:8003;)\n";

static const char gate_request[] = "POST /gate.php?id=PC-1234 HTTP/1.1\r\n"
				   "Host: c2.example.net:8080\r\n"
				   "User-Agent: Mozilla/4.0 (bot)\r\n"
				   "Referer: http://x.example/\r\n"
				   "Content-Length: 3\r\n"
				   "\r\n"
				   "abc";

#define GATE_FIELDS                                              \
	.field = {                                               \
		[BOTSINK_EV_HTTP_METHOD] = "POST",               \
		[BOTSINK_EV_HTTP_URI] = "/gate.php?id=PC-1234",  \
		[BOTSINK_EV_HTTP_HOST] = "c2.example.net:8080",  \
		[BOTSINK_EV_HTTP_AGENT] = "Mozilla/4.0 (bot)",   \
		[BOTSINK_EV_HTTP_REFERER] = "http://x.example/", \
	}

static void test_evidence_http_v4(void)
{
	struct botsink_evidence got[4];
	struct samples s = { .s = got, .cap = 4 };
	size_t len = strlen(gate_request);
	struct frame *f;
	struct hit h;
	__u64 t0, t1;

	if (!INSTALL(http_rules, BOTSINK_VERDICT_PASS))
		return;
	CHECK_EQ(read_config().evidence, 0); /* off unless asked for */
	SET_EVIDENCE(1);
	CHECK_EQ(len, 146);
	f = tcp_from(4, SRC4, HOST4, 80, EV_SEQ, gate_request, len);
	t0 = coarse_ns();
	SEND_EV(f, 8001, true);
	t1 = coarse_ns();
	if (CHECK_EQ(TAKE(&s), 1)) {
		CHECK_SAMPLE(&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:" HOST4, .sid = 8001,
			     .gen = 0, .sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP,
			     .flags = BOTSINK_EV_HTTP, .payload = gate_request, .payload_len = len,
			     .window_len = len, GATE_FIELDS, .t0 = t0, .t1 = t1);
		/* The address is the counter's key, as the harness computes keys. */
		frame_hit(f, 8001, &h);
		CHECK(!memcmp(got[0].src_addr, h.key.addr, 16));
		CHECK(!memcmp(got[0].dst_addr, h.dst, 16));
	}
	CHECK_EQ(counters_active(&env.l.maps), 0);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), 1);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE_LOST), 0);
	CHECK_EQ(TAKE(&s), 0); /* consumed */
}

/*
 * One sample per key: a known key's packets hand none, a new source's
 * does; with evidence off a new key hands none, and stays without one when
 * evidence is turned on again; a new generation's key hands one again.
 */
static void test_evidence_repeat(void)
{
	struct botsink_evidence got[4];
	struct samples s = { .s = got, .cap = 4 };
	size_t len = strlen(gate_request);

	if (!INSTALL(http_rules, BOTSINK_VERDICT_PASS))
		return;
	SET_EVIDENCE(1);
	SEND_EV(tcp_from(4, SRC4, HOST4, 80, EV_SEQ, gate_request, len), 8001, true);
	/* The same packet again: a retransmission of the same key. */
	SEND_EV(tcp_from(4, SRC4, HOST4, 80, EV_SEQ, gate_request, len), 8001, false);
	/* The next request of that source: a check-in, the same key. */
	SEND_EV(tcp_from(4, SRC4, HOST4, 80, EV_SEQ + (uint32_t)len, gate_request, len), 8001,
		false);
	CHECK_EQ(env.nwant, 1);
	CHECK_EQ(env.want[0].c.packets, 3);
	CHECK_EQ(env.want[0].c.checkins, 2);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:" HOST4, .sid = 8001,
			     .gen = 0, .sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP,
			     .flags = BOTSINK_EV_HTTP, .payload = gate_request, .payload_len = len,
			     .window_len = len, GATE_FIELDS);
	/* A second source: a second key, a second sample. */
	SEND_EV(tcp_from(4, "198.51.100.8", HOST4, 80, EV_SEQ, gate_request, len), 8001, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:198.51.100.8", .dst = "::ffff:" HOST4,
			     .sid = 8001, .gen = 0, .sport = SPORT, .dport = 80,
			     .proto = FR_IPPROTO_TCP, .flags = BOTSINK_EV_HTTP,
			     .payload = gate_request, .payload_len = len, .window_len = len,
			     GATE_FIELDS);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), 2);

	/* Evidence off: a new source's key, no sample, the statistic stays. */
	SET_EVIDENCE(0);
	SEND_EV(tcp_from(4, "198.51.100.9", HOST4, 80, EV_SEQ, gate_request, len), 8001, false);
	CHECK_EQ(TAKE(&s), 0);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), 2);
	/* On again: that key exists, so it never gets one in this generation. */
	SET_EVIDENCE(1);
	SEND_EV(tcp_from(4, "198.51.100.9", HOST4, 80, EV_SEQ + 1, gate_request, len), 8001, false);
	CHECK_EQ(TAKE(&s), 0);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), 2);
	CHECK_EQ(env.nwant, 3);

	/* The drain starts generation 1: the first source's key is new there. */
	CHECK_DRAIN();
	CHECK_EQ(counters_active(&env.l.maps), 1);
	SEND_EV(tcp_from(4, SRC4, HOST4, 80, EV_SEQ + 2 * (uint32_t)len, gate_request, len), 8001,
		true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:" HOST4, .sid = 8001,
			     .gen = 1, .sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP,
			     .flags = BOTSINK_EV_HTTP, .payload = gate_request, .payload_len = len,
			     .window_len = len, GATE_FIELDS);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), 3);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE_LOST), 0);
}

static void test_evidence_http_v6(void)
{
	struct botsink_evidence got[4];
	struct samples s = { .s = got, .cap = 4 };
	size_t len = strlen(gate_request);
	__u64 t0, t1;

	if (!INSTALL(http_rules, BOTSINK_VERDICT_PASS))
		return;
	SET_EVIDENCE(1);
	t0 = coarse_ns();
	SEND_EV(tcp_from(6, SRC6, HOST6, 80, EV_SEQ, gate_request, len), 8003, true);
	t1 = coarse_ns();
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = SRC6, .dst = HOST6, .sid = 8003, .gen = 0,
			     .sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP,
			     .flags = BOTSINK_EV_HTTP, .payload = gate_request, .payload_len = len,
			     .window_len = len, GATE_FIELDS, .t0 = t0, .t1 = t1);
	/* The same source again: no sample. */
	SEND_EV(tcp_from(6, SRC6, HOST6, 80, EV_SEQ + (uint32_t)len, gate_request, len), 8003,
		false);
	CHECK_EQ(TAKE(&s), 0);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), 1);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE_LOST), 0);
}

/* ---- DNS ---- */

/* A DNS query (RD set, one question, class IN) into msg; returns its length. */
static size_t dns_query_msg(uint8_t *msg, const char *name, uint16_t qtype)
{
	static const uint8_t header[12] = { 0x12, 0x34, 0x01, 0x00, 0, 1 };
	size_t n = sizeof(header);

	memcpy(msg, header, n);
	n += dns_wire_name(name, msg + n);
	msg[n++] = (uint8_t)(qtype >> 8);
	msg[n++] = (uint8_t)qtype;
	msg[n++] = 0;
	msg[n++] = 1;
	return n;
}

static void test_evidence_dns(void)
{
	static const char rules[] =
		"alert dns any any -> 203.0.113.62 53 (msg:\"dns query\"; dns.query; content:\"evil\"; sid:8101;)\n"
		"alert udp any any -> 203.0.113.63 53 (msg:\"any UDP to 53\"; sid:8102;)\n"
		"alert udp any any -> 203.0.113.63 5353 (msg:\"any UDP to 5353\"; sid:8103;)\n"
		"alert dns any any -> 203.0.113.64 5353 (msg:\"dns query on 5353\"; dns.query; content:\"evil\"; sid:8104;)\n";
	static const uint8_t pointer[] = { 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
					   0x00, 0x00, 0x00, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01 };
	struct botsink_evidence got[4];
	struct samples s = { .s = got, .cap = 4 };
	uint8_t m1[300], m2[300], m3[300], m4[300];
	size_t n1 = dns_query_msg(m1, "www.evil.example", 1);
	size_t n2 = dns_query_msg(m2, "c2.botnet.test", 16);
	size_t n3 = dns_query_msg(m3, "c2.botnet.test", 28);
	size_t n4 = dns_query_msg(m4, "x.evil.test", 15);

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	SET_EVIDENCE(1);
	/* The rule read the question: the counter has its type too. */
	SEND_EV_DNS(udp_from(SRC4, "203.0.113.62", 53, m1, n1), 8101, 1, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:203.0.113.62",
			     .sid = 8101, .gen = 0, .sport = 5353, .dport = 53,
			     .proto = FR_IPPROTO_UDP, .flags = BOTSINK_EV_DNS, .payload = m1,
			     .payload_len = n1, .window_len = n1, .dns_name = "www.evil.example",
			     .dns_qtype = 1);
	/*
	 * A header-only rule: the question is parsed for the sample only (the
	 * counter, written before, has no query type).
	 */
	SEND_EV_DNS(udp_from(SRC4, "203.0.113.63", 53, m2, n2), 8102, 0, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:203.0.113.63",
			     .sid = 8102, .gen = 0, .sport = 5353, .dport = 53,
			     .proto = FR_IPPROTO_UDP, .flags = BOTSINK_EV_DNS, .payload = m2,
			     .payload_len = n2, .window_len = n2, .dns_name = "c2.botnet.test",
			     .dns_qtype = 16);
	/* Not port 53 and no rule read it: no DNS in the sample, only the window. */
	SEND_EV_DNS(udp_from(SRC4, "203.0.113.63", 5353, m3, n3), 8103, 0, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:203.0.113.63",
			     .sid = 8103, .gen = 0, .sport = 5353, .dport = 5353,
			     .proto = FR_IPPROTO_UDP, .flags = 0, .payload = m3, .payload_len = n3,
			     .window_len = n3);
	/* Another port where a rule read the question: DNS in the sample. */
	SEND_EV_DNS(udp_from(SRC4, "203.0.113.64", 5353, m4, n4), 8104, 15, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:203.0.113.64",
			     .sid = 8104, .gen = 0, .sport = 5353, .dport = 5353,
			     .proto = FR_IPPROTO_UDP, .flags = BOTSINK_EV_DNS, .payload = m4,
			     .payload_len = n4, .window_len = n4, .dns_name = "x.evil.test",
			     .dns_qtype = 15);
	/* A question that cannot be read (a pointer), counted by the header rule: no DNS. */
	SEND_EV(udp_from("198.51.100.8", "203.0.113.63", 53, pointer, sizeof(pointer)), 8102, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:198.51.100.8", .dst = "::ffff:203.0.113.63",
			     .sid = 8102, .gen = 0, .sport = 5353, .dport = 53,
			     .proto = FR_IPPROTO_UDP, .flags = 0, .payload = pointer,
			     .payload_len = sizeof(pointer), .window_len = sizeof(pointer));
	/* A known key: no sample. */
	SEND_EV_DNS(udp_from(SRC4, "203.0.113.62", 53, m1, n1), 8101, 1, false);
	CHECK_EQ(TAKE(&s), 0);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), 5);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE_LOST), 0);
}

/* ---- the window's edge, split requests ---- */

static void test_evidence_truncated(void)
{
	static const char rules[] =
		"alert http any any -> 203.0.113.10 80 (msg:\"GET\"; content:\"GET\"; http_method; sid:8201;)\n";
	static const char only_line[] = "GET /only HTTP/1.0\r\n";
	static const char blank[] = "GET /blank HTTP/1.0\r\n\r\n";
	struct botsink_evidence got[4];
	struct samples s = { .s = got, .cap = 4 };
	char big[800], long_uri[800];
	size_t n = 0, n_uri;

	n += (size_t)snprintf(big + n, sizeof(big) - n,
			      "GET /big HTTP/1.1\r\nHost: big.example\r\nUser-Agent: ");
	memset(big + n, 'A', 600);
	n += 600;
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\nReferer: http://r.example/\r\n\r\n");
	CHECK_EQ(n, 682);
	n_uri = (size_t)snprintf(long_uri, sizeof(long_uri), "GET /");
	memset(long_uri + n_uri, 'u', 600);
	n_uri += 600;
	n_uri += (size_t)snprintf(long_uri + n_uri, sizeof(long_uri) - n_uri,
				  " HTTP/1.1\r\nHost: h\r\n\r\n");

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	SET_EVIDENCE(1);
	/*
	 * A 600-byte User-Agent: the window (512 bytes) holds the request line
	 * and the Host line; the User-Agent line it cuts is not there, nor the
	 * Referer after it.
	 */
	SEND_EV(tcp_from(4, SRC4, HOST4, 80, EV_SEQ, big, n), 8201, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:" HOST4, .sid = 8201,
			     .sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP,
			     .flags = BOTSINK_EV_HTTP, .payload = big, .payload_len = n,
			     .window_len = BOTSINK_WINDOW,
			     .field = { [BOTSINK_EV_HTTP_METHOD] = "GET",
					[BOTSINK_EV_HTTP_URI] = "/big",
					[BOTSINK_EV_HTTP_HOST] = "big.example" });
	/* A request line and no headers, not even the blank line. */
	SEND_EV(tcp_from(4, "198.51.100.8", HOST4, 80, EV_SEQ, only_line, strlen(only_line)), 8201,
		true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:198.51.100.8", .dst = "::ffff:" HOST4,
			     .sid = 8201, .sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP,
			     .flags = BOTSINK_EV_HTTP, .payload = only_line,
			     .payload_len = strlen(only_line), .window_len = strlen(only_line),
			     .field = { [BOTSINK_EV_HTTP_METHOD] = "GET",
					[BOTSINK_EV_HTTP_URI] = "/only" });
	/* ... and with the blank line. */
	SEND_EV(tcp_from(4, "198.51.100.9", HOST4, 80, EV_SEQ, blank, strlen(blank)), 8201, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:198.51.100.9", .dst = "::ffff:" HOST4,
			     .sid = 8201, .sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP,
			     .flags = BOTSINK_EV_HTTP, .payload = blank,
			     .payload_len = strlen(blank), .window_len = strlen(blank),
			     .field = { [BOTSINK_EV_HTTP_METHOD] = "GET",
					[BOTSINK_EV_HTTP_URI] = "/blank" });
	/*
	 * A request line the window cuts is no request: the HTTP rule does not
	 * match (unclassified), and the sample has the window only.
	 */
	SEND_EV(tcp_from(4, "198.51.100.10", HOST4, 80, EV_SEQ, long_uri, n_uri), 0, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:198.51.100.10", .dst = "::ffff:" HOST4,
			     .sid = 0, .sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP,
			     .flags = 0, .payload = long_uri, .payload_len = n_uri,
			     .window_len = BOTSINK_WINDOW);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), 4);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE_LOST), 0);
}

/*
 * A request split over two segments: the first creates the key and is the
 * sample; the second, of a known key, hands none. Under an HTTP rule the
 * second segment is no request: unclassified, a key of its own, sampled.
 */
static void test_evidence_split(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.10 80 (msg:\"any TCP to 80\"; sid:8301;)\n"
		"alert http any any -> 203.0.113.11 80 (msg:\"HTTP GET\"; content:\"GET\"; http_method; sid:8302;)\n";
	static const char first[] = "GET /a HTTP/1.1\r\nHo";
	static const char second[] = "st: x\r\n\r\n";
	const uint32_t seq2 = EV_SEQ + (uint32_t)strlen(first);
	struct botsink_evidence got[4];
	struct samples s = { .s = got, .cap = 4 };

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	SET_EVIDENCE(1);
	SEND_EV(tcp_from(4, SRC4, HOST4, 80, EV_SEQ, first, strlen(first)), 8301, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(
			&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:" HOST4, .sid = 8301,
			.sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP,
			.flags = BOTSINK_EV_HTTP, .payload = first, .payload_len = strlen(first),
			.window_len = strlen(first),
			.field = {
				[BOTSINK_EV_HTTP_METHOD] = "GET", [BOTSINK_EV_HTTP_URI] = "/a" });
	SEND_EV(tcp_from(4, SRC4, HOST4, 80, seq2, second, strlen(second)), 8301, false);
	CHECK_EQ(TAKE(&s), 0);
	CHECK_EQ(env.nwant, 1);
	CHECK_EQ(env.want[0].c.packets, 2);
	CHECK_EQ(env.want[0].c.checkins, 2);

	SEND_EV(tcp_from(4, SRC4, "203.0.113.11", 80, EV_SEQ, first, strlen(first)), 8302, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(
			&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:203.0.113.11", .sid = 8302,
			.sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP,
			.flags = BOTSINK_EV_HTTP, .payload = first, .payload_len = strlen(first),
			.window_len = strlen(first),
			.field = {
				[BOTSINK_EV_HTTP_METHOD] = "GET", [BOTSINK_EV_HTTP_URI] = "/a" });
	SEND_EV(tcp_from(4, SRC4, "203.0.113.11", 80, seq2, second, strlen(second)), 0, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:203.0.113.11", .sid = 0,
			     .sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP, .flags = 0,
			     .payload = second, .payload_len = strlen(second),
			     .window_len = strlen(second));
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), 3);
}

/* ---- no payload ---- */

static void test_evidence_syn(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.10 80 (msg:\"any TCP to 80\"; sid:8401;)\n"
		"alert tcp any any -> 2001:db8:5::10 80 (msg:\"any TCP to 80 (IPv6)\"; sid:8402;)\n";
	struct botsink_evidence got[4];
	struct samples s = { .s = got, .cap = 4 };
	size_t len = strlen(gate_request);

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	SET_EVIDENCE(1);
	SEND_EV(tcp4(SRC4, HOST4, 80, TH_SYN), 8401, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:" HOST4, .sid = 8401,
			     .sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP, .flags = 0,
			     .payload_len = 0, .window_len = 0);
	/* The same after a request filled the scratch space: its ranges do not leak. */
	SEND_EV(tcp_from(4, "198.51.100.8", HOST4, 80, EV_SEQ, gate_request, len), 8401, true);
	SEND_EV(tcp6(SRC6, HOST6, 80, TH_SYN), 8402, true);
	if (CHECK_EQ(TAKE(&s), 2)) {
		CHECK_SAMPLE(&got[0], .src = "::ffff:198.51.100.8", .dst = "::ffff:" HOST4,
			     .sid = 8401, .sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP,
			     .flags = BOTSINK_EV_HTTP, .payload = gate_request, .payload_len = len,
			     .window_len = len, GATE_FIELDS);
		CHECK_SAMPLE(&got[1], .src = SRC6, .dst = HOST6, .sid = 8402, .sport = SPORT,
			     .dport = 80, .proto = FR_IPPROTO_TCP, .flags = 0, .payload_len = 0,
			     .window_len = 0);
	}
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), 3);
}

/* ---- a full ring ---- */

#define RING_SOURCE_BASE 0x64400000U /* 100.64.0.0 */

/* SYNs from 100.64.0.0 + first ... + first + count - 1 (f: one SYN, rewritten). */
static size_t send_sources(struct frame *f, __u32 first, __u32 count)
{
	size_t bad = 0;

	for (__u32 i = first; i < first + count; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->buf,
			    .data_size_in = (__u32)f->len, .repeat = 1);

		frame_put32(f, f->l3 + IP4_OFF_SADDR, RING_SOURCE_BASE + i);
		frame_fixup(f);
		if (bpf_prog_test_run_opts(loader_prog_fd(&env.l), &opts) ||
		    opts.retval != XDP_PASS)
			bad++;
	}
	return bad;
}

/* The source index (0...) of a ring test's address, or -1. */
static long source_index(const __u8 addr[16])
{
	static const __u8 prefix[12] = { [10] = 0xff, [11] = 0xff };
	__u32 v4;

	if (memcmp(addr, prefix, sizeof(prefix)))
		return -1;
	v4 = (__u32)addr[12] << 24 | (__u32)addr[13] << 16 | (__u32)addr[14] << 8 | addr[15];
	return v4 >= RING_SOURCE_BASE ? (long)(v4 - RING_SOURCE_BASE) : -1;
}

/*
 * More new keys than the ring holds, none consumed: the samples beyond
 * its room are lost (evidence_lost), never the counts; consuming gives
 * exactly those that fitted, in order, and makes room again.
 */
static void test_evidence_ring_full(void)
{
	const size_t record =
		((sizeof(struct botsink_evidence) + 7) & ~(size_t)7) + BPF_RINGBUF_HDR_SZ;
	const __u32 fit = BOTSINK_EVIDENCE_RING / record, extra = 10, total = fit + extra + 1;
	struct samples s = { .s = NULL };
	struct drain_result r = { 0 };
	unsigned char *seen = NULL;
	size_t bad = 0, wrong = 0, out_of_order = 0, n;
	struct timespec t0, t1;
	struct frame *f;
	int slot;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	SET_EVIDENCE(1);
	CHECK_EQ(sizeof(struct botsink_evidence), 856);
	CHECK_EQ(record, 864);
	CHECK_EQ(fit, 19418);
	s.cap = fit + extra + 1;
	s.s = calloc(s.cap, sizeof(*s.s));
	seen = calloc(total, 1);
	f = tcp4("100.64.0.0", HOST4, 80, TH_SYN);
	if (!CHECK(s.s && seen && frame_ok(f)))
		goto out;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	bad += send_sources(f, 0, fit + extra);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("      %u frames sent in %.2f s\n", fit + extra,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	CHECK_EQ(bad, 0);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), fit);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE_LOST), extra);
	CHECK_EQ(stat_delta(BOTSINK_MATCHED), fit + extra);
	n = TAKE(&s);
	CHECK_EQ(n, fit);
	for (size_t i = 0; i < n && i < s.cap; i++) {
		if (source_index(s.s[i].src_addr) != (long)i)
			out_of_order++;
		if (s.s[i].sid != 1001 || s.s[i].gen != 0 || s.s[i].dst_port != 80 ||
		    s.s[i].protocol != FR_IPPROTO_TCP || s.s[i].window_len || s.s[i].payload_len)
			wrong++;
	}
	CHECK_EQ(out_of_order, 0); /* the first `fit` sources, in order */
	CHECK_EQ(wrong, 0);

	/* Consumed: room again for the next new key. */
	CHECK_EQ(send_sources(f, fit + extra, 1), 0);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), fit + 1);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE_LOST), extra);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_EQ(source_index(s.s[0].src_addr), fit + extra);

	/* Every source has its counter: one SYN each. */
	CHECK_EQ(counters_drain(&env.l.maps, &r), 0);
	CHECK_EQ(r.n, total);
	wrong = 0;
	for (size_t i = 0; i < r.n; i++) {
		const struct botsink_source_count *c = &r.items[i];
		long k = source_index(c->key.addr);

		if (k < 0 || k >= (long)total || seen[k] || c->kind != BOTSINK_KIND_SOURCES ||
		    c->key.sid != 1001 || c->total.packets != 1 || c->total.syns != 1 ||
		    c->total.checkins != 1 || c->total.bytes != f->len) {
			wrong++;
			continue;
		}
		seen[k] = 1;
	}
	CHECK_EQ(wrong, 0);

	/* What the end-of-test checks expect of these frames. */
	env.frames += total;
	env.stats_want[BOTSINK_MATCHED] += total;
	env.stats_want[BOTSINK_EVIDENCE] += fit + 1;
	env.stats_want[BOTSINK_EVIDENCE_LOST] += extra;
	slot = slot_of(1001);
	if (CHECK(slot > 0)) {
		env.hits_want[slot].packets += total;
		env.hits_want[slot].bytes += (__u64)total * f->len;
		env.hits_want[slot].checkins += total;
	}
out:
	free(seen);
	free(s.s);
}

/* ---- full tables ---- */

/* The test's maps again, with counter tables of `sources` and `unclassified` entries. */
static bool reopen_sized(__u32 sources, __u32 unclassified)
{
	const struct loader_caps caps = { .sources = sources, .unclassified = unclassified };
	char err[512];

	loader_close(&env.l, false);
	memset(&env.l, 0, sizeof(env.l));
	if (loader_open_sized(&env.l, NULL, LOADER_PROGRAM | LOADER_NO_PINS, &caps, err,
			      sizeof(err)))
		return check_at(__LINE__, false, "loader_open_sized: %s", err);
	for (int gen = 0; gen < 2; gen++)
		if (counters_prepare(&env.l.maps, gen))
			return check_at(__LINE__, false, "counters_prepare: %s", strerror(errno));
	read_stats(env.stats_base);
	read_hits(env.hits_base);
	read_slots();
	return true;
}

/* n keys (2001:db8:ffff::<i>, sid) of one packet each into table fd. */
static int prefill(int fd, __u32 n, __u32 sid)
{
	struct botsink_source_key *keys = calloc(n, sizeof(*keys));
	struct botsink_counter *values = calloc((size_t)n * env.ncpus, sizeof(*values));
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 count = n;
	int ret = -ENOMEM;

	if (keys && values) {
		for (__u32 i = 0; i < n; i++) {
			addr16(keys[i].addr, "2001:db8:ffff::");
			memcpy(keys[i].addr + 12, &i, sizeof(i));
			keys[i].sid = sid;
			values[(size_t)i * env.ncpus].packets = 1;
			values[(size_t)i * env.ncpus].first_seen_ns = 1;
			values[(size_t)i * env.ncpus].last_seen_ns = 1;
		}
		ret = bpf_map_update_batch(fd, keys, values, &count, &opts);
		if (!ret && count != n)
			ret = -ENOSPC;
	}
	free(keys);
	free(values);
	return ret;
}

/* The packets drained under (kind, addr, sid); 0: not there. */
static __u64 drained_packets(const struct drain_result *r, __u32 kind, const char *addr, __u32 sid)
{
	struct botsink_source_key key = { .sid = sid };

	addr16(key.addr, addr);
	for (size_t i = 0; i < r->n; i++)
		if (r->items[i].kind == kind && !memcmp(&r->items[i].key, &key, sizeof(key)))
			return r->items[i].total.packets;
	return 0;
}

/*
 * Source tables of one entry: a source counted under its prefix in an
 * overflow table, or under a catch-all, hands no sample; the source that
 * got a table's entry did.
 */
static void test_evidence_overflow_none(void)
{
	const struct botsink_maps *m = &env.l.maps;
	struct botsink_evidence got[4];
	struct samples s = { .s = got, .cap = 4 };
	struct drain_result r = { 0 };
	__u64 ovf = 0;

	if (!reopen_sized(1, 1) || !INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	SET_EVIDENCE(1);
	SEND_EV(tcp4(SRC4, HOST4, 80, TH_SYN), 1001, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:" HOST4, .sid = 1001,
			     .sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP);
	/* The table is full: prefix aggregates, new keys of the overflow table. */
	SEND_EV_FULL(tcp4("198.51.100.8", HOST4, 80, TH_SYN), 1001);
	SEND_EV_FULL(tcp4("198.51.99.1", HOST4, 80, TH_SYN), 1001);
	SEND_EV_FULL(tcp6("2001:db8:aa:bb::1", HOST6, 80, TH_SYN), 1003);
	CHECK_EQ(TAKE(&s), 0);
	/* Unclassified: its own table of one entry, then its overflow table. */
	SEND_EV(tcp4("198.51.100.20", HOST4, 81, TH_SYN), 0, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:198.51.100.20", .dst = "::ffff:" HOST4,
			     .sid = 0, .sport = SPORT, .dport = 81, .proto = FR_IPPROTO_TCP);
	SEND_EV_FULL(tcp4("198.51.100.21", HOST4, 81, TH_SYN), 0);
	CHECK_EQ(TAKE(&s), 0);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), 2);
	CHECK_EQ(stat_delta(BOTSINK_TABLE_FULL), 4);
	CHECK_EQ(counters_drain(m, &r), 0);
	CHECK_EQ(r.n, 6);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_SOURCES, SRC4, 1001), 1);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_UNCLASSIFIED, "198.51.100.20", 0), 1);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_OVERFLOW, "198.51.100.0", 1001), 1);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_OVERFLOW, "198.51.99.0", 1001), 1);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_OVERFLOW, "2001:db8:aa::", 1003), 1);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_UNCL_OVERFLOW, "198.51.100.0", 0), 1);
	env.nwant = 0; /* checked above */

	/* Generation 1, its overflow table full too: the catch-alls. */
	CHECK_EQ(counters_active(m), 1);
	CHECK_EQ(prefill(m->counters[BOTSINK_KIND_OVERFLOW][1], BOTSINK_OVERFLOW_ENTRIES - 2, 1001),
		 0);
	SEND_EV(tcp4(SRC4, HOST4, 80, TH_SYN), 1001, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:" HOST4, .sid = 1001,
			     .gen = 1, .sport = SPORT, .dport = 80, .proto = FR_IPPROTO_TCP);
	SEND_EV_FULL(tcp4("198.51.100.31", HOST4, 80, TH_SYN), 1001);
	SEND_EV_FULL(tcp6("2001:db8:cc::1", HOST6, 80, TH_SYN), 1003);
	CHECK_EQ(TAKE(&s), 0);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), 3);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE_LOST), 0);
	CHECK_EQ(stat_delta(BOTSINK_UNCOUNTED), 0);
	CHECK_EQ(counters_drain(m, &r), 0);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_SOURCES, SRC4, 1001), 1);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_OVERFLOW, "::ffff:0.0.0.0", BOTSINK_SID_ANY), 1);
	CHECK_EQ(drained_packets(&r, BOTSINK_KIND_OVERFLOW, "::", BOTSINK_SID_ANY), 1);
	for (size_t i = 0; i < r.n; i++)
		ovf += r.items[i].kind == BOTSINK_KIND_OVERFLOW ? r.items[i].total.packets : 0;
	CHECK_EQ(ovf, BOTSINK_OVERFLOW_ENTRIES - 2 + 2);
	CHECK_EQ(r.n, 1 + BOTSINK_OVERFLOW_ENTRIES);
	env.nwant = 0;
}

/* ---- unclassified ---- */

static void test_evidence_unclassified(void)
{
	static const char request[] = "GET /u HTTP/1.1\r\nHost: h.example\r\n\r\n";
	struct botsink_evidence got[4];
	struct samples s = { .s = got, .cap = 4 };
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	SET_EVIDENCE(1);
	SEND_EV(tcp4(SRC4, HOST4, 81, TH_SYN), 0, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:" SRC4, .dst = "::ffff:" HOST4, .sid = 0,
			     .sport = SPORT, .dport = 81, .proto = FR_IPPROTO_TCP);
	/* The same source elsewhere: its unclassified key exists. */
	SEND_EV(tcp4(SRC4, HOST4, 82, TH_SYN), 0, false);
	CHECK_EQ(TAKE(&s), 0);
	/* An HTTP request no rule takes. */
	SEND_EV(tcp_from(4, "198.51.100.8", HOST4, 8080, EV_SEQ, request, strlen(request)), 0,
		true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:198.51.100.8", .dst = "::ffff:" HOST4,
			     .sid = 0, .sport = SPORT, .dport = 8080, .proto = FR_IPPROTO_TCP,
			     .flags = BOTSINK_EV_HTTP, .payload = request,
			     .payload_len = strlen(request), .window_len = strlen(request),
			     .field = { [BOTSINK_EV_HTTP_METHOD] = "GET",
					[BOTSINK_EV_HTTP_URI] = "/u",
					[BOTSINK_EV_HTTP_HOST] = "h.example" });
	/* ICMP: no ports, no payload. */
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, "198.51.100.9", HOST4);
	frame_icmp(f, 8, 0);
	SEND_EV(f, 0, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = "::ffff:198.51.100.9", .dst = "::ffff:" HOST4,
			     .sid = 0, .proto = FR_IPPROTO_ICMP);
	/* UDP over IPv6 to a port no rule names. */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_udp(f, 5353, 9999);
	frame_payload(f, "hello", 5);
	SEND_EV(f, 0, true);
	if (CHECK_EQ(TAKE(&s), 1))
		CHECK_SAMPLE(&got[0], .src = SRC6, .dst = HOST6, .sid = 0, .sport = 5353,
			     .dport = 9999, .proto = FR_IPPROTO_UDP, .payload = "hello",
			     .payload_len = 5, .window_len = 5);
	CHECK_EQ(stat_delta(BOTSINK_EVIDENCE), 4);
	CHECK_EQ(stat_delta(BOTSINK_UNCLASSIFIED), 5);
}

const struct test evidence_tests[] = {
	TEST(evidence_http_v4),	      TEST(evidence_repeat),
	TEST(evidence_http_v6),	      TEST(evidence_dns),
	TEST(evidence_truncated),     TEST(evidence_split),
	TEST(evidence_syn),	      TEST_SIZED(evidence_ring_full, 32768),
	TEST(evidence_overflow_none), TEST(evidence_unclassified),
};
const size_t n_evidence_tests = ARRAY_SIZE(evidence_tests);
