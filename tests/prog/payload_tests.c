// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Payload matching under BPF_PROG_TEST_RUN: content and its modifiers,
 * dsize, the payload window's edge, long contents, HTTP buffers, DNS
 * names and domain lists, the prefilter with many rules on one port,
 * payload ranking, check-ins and retransmissions, IPv6, rule set swaps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kernel/install.h"
#include "lib/util.h"
#include "harness.h"

#define DATA_SEQ 0x11223344

/* TCP data (PSH|ACK) with this payload and sequence number. */
static struct frame *tcp_data(int family, const char *dst, uint16_t dport, uint32_t seq,
			      const void *data, size_t n)
{
	return tcp_segment(family, family == 6 ? SRC6 : SRC4, dst, dport, TH_PSH | TH_ACK, seq,
			   data, n);
}

static struct frame *tcp4_text(const char *dst, uint16_t dport, const char *text)
{
	return tcp_data(4, dst, dport, DATA_SEQ, text, strlen(text));
}

/* A frame attributed to `sid` whose counter records DNS query type `qtype`. */
static void send_dns_at(int line, const struct frame *f, __u32 sid, __u16 qtype)
{
	struct expect x = { .bucket = sid ? BOTSINK_MATCHED : BOTSINK_UNCLASSIFIED, .action = -1 };
	struct hit h;

	frame_hit(f, sid, &h);
	h.dns_qtype = qtype;
	x.hit = &h;
	send_at(line, f->buf, f->len, &x);
}

#define SEND_DNS(f, sid, qtype) send_dns_at(__LINE__, (f), (sid), (qtype))

/* ---- content, its modifiers, dsize ---- */

static void test_content_modifiers(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.60 8001 (msg:\"plain\"; content:\"gate.php\"; sid:6001;)\n"
		"alert tcp any any -> 203.0.113.60 8002 (msg:\"hex\"; content:\"|47 45 54 20|/x\"; sid:6002;)\n"
		"alert tcp any any -> 203.0.113.60 8003 (msg:\"nocase\"; content:\"MiXeD\"; nocase; sid:6003;)\n"
		"alert tcp any any -> 203.0.113.60 8004 (msg:\"offset depth\"; content:\"abc\"; offset:4; depth:3; sid:6004;)\n"
		"alert tcp any any -> 203.0.113.60 8005 (msg:\"depth\"; content:\"abc\"; depth:5; sid:6005;)\n"
		"alert tcp any any -> 203.0.113.60 8006 (msg:\"distance within\"; content:\"|00 ff|\"; content:\"xyz\"; distance:2; within:5; sid:6006;)\n"
		"alert tcp any any -> 203.0.113.60 8007 (msg:\"backtrack\"; content:\"key=\"; content:\"42\"; distance:0; within:2; sid:6007;)\n"
		"alert tcp any any -> 203.0.113.60 8008 (msg:\"negated\"; content:\"hello\"; content:!\"bad\"; sid:6008;)\n"
		"alert tcp any any -> 203.0.113.60 8009 (msg:\"negated relative\"; content:\"A\"; content:!\"B\"; distance:0; within:1; sid:6009;)\n"
		"alert tcp any any -> 203.0.113.60 8010 (msg:\"escaped\"; content:\"a\\;b\\\"c\"; sid:6010;)\n";
	static const struct {
		uint16_t port;
		const char *payload;
		size_t len; /* 0: strlen */
		__u32 sid;
	} cases[] = {
		{ 8001, "POST /gate.php HTTP/1.0", 0, 6001 },
		{ 8001, "gate.ph", 0, 0 },
		{ 8001, "GATE.PHP", 0, 0 },
		{ 8002, "GET /x", 0, 6002 },
		{ 8002, "GET /y", 0, 0 },
		{ 8003, "a mixed bag", 0, 6003 },
		{ 8003, "MIXED", 0, 6003 },
		{ 8003, "mixe", 0, 0 },
		{ 8004, "0123abc", 0, 6004 },
		{ 8004, "012abc", 0, 0 },
		{ 8004, "01234abc", 0, 0 },
		{ 8005, "01abc", 0, 6005 },
		{ 8005, "012abc", 0, 0 },
		{ 8006, "\x00\xff--xyz", 7, 6006 },
		{ 8006, "\x00\xff----xyz", 9, 6006 },
		{ 8006, "\x00\xff-xyz", 6, 0 },
		{ 8006, "\x00\xff-----xyz", 10, 0 },
		{ 8006, "\x00\xff-xyz\x00\xff--xyz", 13, 6006 },
		{ 8007, "key=1 key=42", 0, 6007 },
		{ 8007, "key=1 key=4 42", 0, 0 },
		{ 8008, "hello world", 0, 6008 },
		{ 8008, "hello bad world", 0, 0 },
		{ 8008, "bad hello", 0, 0 },
		{ 8009, "ABAC", 0, 6009 },
		{ 8009, "ABAB", 0, 0 },
		{ 8009, "A", 0, 6009 },
		{ 8010, "xa;b\"cx", 0, 6010 },
	};

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = cases[i].len ? cases[i].len : strlen(cases[i].payload);

		SEND_SID(tcp_data(4, "203.0.113.60", cases[i].port, DATA_SEQ + (uint32_t)i,
				  cases[i].payload, n),
			 cases[i].sid);
	}
}

static void test_dsize(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.60 8020 (msg:\"equal\"; dsize:5; sid:6020;)\n"
		"alert tcp any any -> 203.0.113.60 8021 (msg:\"less\"; dsize:<3; sid:6021;)\n"
		"alert tcp any any -> 203.0.113.60 8022 (msg:\"more\"; dsize:>3; sid:6022;)\n"
		"alert tcp any any -> 203.0.113.60 8023 (msg:\"between\"; dsize:2<>5; sid:6023;)\n"
		"alert udp any any -> 203.0.113.60 8024 (msg:\"not\"; dsize:!4; sid:6024;)\n";
	static const struct {
		uint16_t port;
		size_t len;
		__u32 sid;
	} cases[] = {
		{ 8020, 5, 6020 }, { 8020, 4, 0 },    { 8020, 6, 0 }, { 8021, 2, 6021 },
		{ 8021, 3, 0 },	   { 8022, 4, 6022 }, { 8022, 3, 0 }, { 8023, 3, 6023 },
		{ 8023, 4, 6023 }, { 8023, 2, 0 },    { 8023, 5, 0 }, { 8022, 700, 6022 },
	};
	static const char bytes[800];

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		SEND_SID(tcp_data(4, "203.0.113.60", cases[i].port, DATA_SEQ + (uint32_t)i, bytes,
				  cases[i].len),
			 cases[i].sid);
	/* A SYN has no data: dsize 0. */
	SEND_SID(tcp4(SRC4, "203.0.113.60", 8021, TH_SYN), 6021);
	SEND_SID(udp4_data("203.0.113.60", 8024, bytes, 3), 6024);
	SEND_SID(udp4_data("203.0.113.60", 8024, bytes, 4), 0);
}

/* Contents are searched in the first BOTSINK_WINDOW payload bytes only. */
static void test_window_edge(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.60 8030 (msg:\"edge\"; content:\"edge\"; sid:6030;)\n"
		"alert tcp any any -> 203.0.113.60 8031 (msg:\"anchored\"; content:\"edge\"; offset:508; depth:4; sid:6031;)\n";
	static const struct {
		uint16_t port;
		size_t at;
		__u32 sid;
	} cases[] = {
		{ 8030, BOTSINK_WINDOW - 4, 6030 }, /* its last byte is the window's last */
		{ 8030, BOTSINK_WINDOW - 3, 0 }, /* straddles the edge */
		{ 8030, BOTSINK_WINDOW + 40, 0 }, /* beyond it */
		{ 8030, 0, 6030 },
		{ 8031, BOTSINK_WINDOW - 4, 6031 },
		{ 8031, BOTSINK_WINDOW - 5, 0 },
	};
	char payload[BOTSINK_WINDOW + 100];

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(payload, 'x', sizeof(payload));
		memcpy(payload + cases[i].at, "edge", 4);
		SEND_SID(tcp_data(4, "203.0.113.60", cases[i].port, DATA_SEQ + (uint32_t)i, payload,
				  sizeof(payload)),
			 cases[i].sid);
	}
}

/* A content longer than one chunk: the chunks must follow each other. */
static void test_long_content(void)
{
	char rules[512], pattern[80], payload[300];

	for (size_t i = 0; i < 70; i++)
		pattern[i] = (char)('0' + i % 10);
	pattern[70] = '\0';
	snprintf(
		rules, sizeof(rules),
		"alert tcp any any -> 203.0.113.60 8040 (msg:\"long\"; content:\"%s\"; sid:6040;)\n"
		"alert tcp any any -> 203.0.113.60 8041 (msg:\"long, anchored\"; content:\"%s\"; depth:72; sid:6041;)\n",
		pattern, pattern);
	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	snprintf(payload, sizeof(payload), "zz%s", pattern);
	SEND_SID(tcp4_text("203.0.113.60", 8040, payload), 6040);
	payload[2 + 66] = 'X';
	SEND_SID(tcp_data(4, "203.0.113.60", 8040, DATA_SEQ + 1, payload, strlen(payload)), 0);
	/* The first 64 bytes occur first alone: the match is found further on. */
	snprintf(payload, sizeof(payload), "%.64s-%s", pattern, pattern);
	SEND_SID(tcp_data(4, "203.0.113.60", 8040, DATA_SEQ + 2, payload, strlen(payload)), 6040);
	snprintf(payload, sizeof(payload), "zz%s", pattern);
	SEND_SID(tcp_data(4, "203.0.113.60", 8041, DATA_SEQ + 3, payload, strlen(payload)), 6041);
	snprintf(payload, sizeof(payload), "zzz%s", pattern);
	SEND_SID(tcp_data(4, "203.0.113.60", 8041, DATA_SEQ + 4, payload, strlen(payload)), 0);
}

/* ---- HTTP ---- */

static void test_http_buffers(void)
{
	static const char rules[] =
		"alert http any any -> 203.0.113.61 80 (msg:\"method uri\"; content:\"POST\"; http_method; content:\"/gate.php\"; http_uri; sid:6101;)\n"
		"alert http any any -> 203.0.113.61 80 (msg:\"user agent\"; http.user_agent; content:\"KUKU\"; nocase; depth:4; sid:6102;)\n"
		"alert http any any -> 203.0.113.61 80 (msg:\"host\"; content:\"evil.example\"; http_host; sid:6103;)\n"
		"alert http any any -> 203.0.113.61 80 (msg:\"host has no port\"; http.host; content:\".example|3a|\"; sid:6104;)\n"
		"alert http any any -> 203.0.113.61 80 (msg:\"header\"; http.header; content:\"X-Bot|3a| 1|0d 0a|\"; sid:6105;)\n"
		"alert http any any -> 203.0.113.61 80 (msg:\"body\"; content:\"POST\"; http_method; http.request_body; content:\"crypt\"; depth:5; sid:6106;)\n"
		"alert http any any -> 203.0.113.61 80 (msg:\"no referer\"; content:\"GET\"; http_method; content:!\"Referer|3a|\"; http_header; uricontent:\"/read.php?nm=\"; sid:6107;)\n";
	static const struct {
		const char *payload;
		__u32 sid;
	} cases[] = {
		{ "POST /gate.php HTTP/1.1\r\nHost: x\r\n\r\nbody", 6101 },
		{ "POST /gate.php?a=1 HTTP/1.0\r\n\r\n", 6101 },
		{ "GET /gate.php HTTP/1.1\r\n\r\n", 0 },
		{ "GET /index HTTP/1.1\r\nUser-Agent: kuku v5\r\nHost: a\r\n\r\n", 6102 },
		{ "GET /index HTTP/1.1\r\nuser-agent:   KuKu\r\n\r\n", 6102 },
		{ "GET / HTTP/1.1\r\nUser-Agent: Mozilla KUKU\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: EVIL.example:8080\r\n\r\n", 6103 },
		{ "GET / HTTP/1.1\r\nHost: www.example:80\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nAccept: */*\r\nX-Bot: 1\r\n\r\n", 6105 },
		{ "GET / HTTP/1.1\r\n\r\nX-Bot: 1\r\n", 0 },
		{ "POST /submit HTTP/1.1\r\nContent-Length: 9\r\n\r\ncrypt=abc", 6106 },
		{ "POST /submit HTTP/1.1\r\nContent-Length: 9\r\n\r\nxcrypt=ab", 0 },
		{ "POST /submit HTTP/1.1\r\nX-A: crypt\r\n", 0 },
		{ "GET /read.php?nm=1 HTTP/1.1\r\nHost: a\r\n\r\n", 6107 },
		{ "GET /read.php?nm=1 HTTP/1.1\r\nReferer: a\r\n\r\n", 0 },
		{ "xPOST /gate.php HTTP/1.1\r\n\r\n", 0 },
		{ "POST /gate.php\r\n\r\n", 0 },
		{ "POST /gate.php HTTX/1.1\r\n\r\n", 0 },
	};

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		SEND_SID(tcp_data(4, "203.0.113.61", 80, DATA_SEQ + (uint32_t)i, cases[i].payload,
				  strlen(cases[i].payload)),
			 cases[i].sid);
	/* HTTP rules match on any port they name, and only over TCP. */
	SEND_SID(tcp_data(4, "203.0.113.61", 81, DATA_SEQ, "POST /gate.php HTTP/1.1\r\n\r\n", 27),
		 0);
	SEND_SID(udp4_data("203.0.113.61", 80, "POST /gate.php HTTP/1.1\r\n\r\n", 27), 0);
}

/* ---- DNS ---- */

/* A DNS message: header (flags, one question), then `name` in wire form, qtype, class IN. */
static struct frame *dns_msg(uint16_t flags, const uint8_t *name, size_t name_len, uint16_t qtype)
{
	uint8_t msg[600] = { 0x12, 0x34, (uint8_t)(flags >> 8), (uint8_t)flags, 0, 1 };
	size_t n = 12;

	memcpy(msg + n, name, name_len);
	n += name_len;
	msg[n++] = (uint8_t)(qtype >> 8);
	msg[n++] = (uint8_t)qtype;
	msg[n++] = 0;
	msg[n++] = 1;
	return udp4_data("203.0.113.62", 53, msg, n);
}

static struct frame *dns_query(const char *name, uint16_t qtype)
{
	uint8_t wire[300];

	return dns_msg(0x0100, wire, dns_wire_name(name, wire), qtype);
}

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/botsink-test-XXXXXX");
	int fd = path ? mkstemp(path) : -1;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		if (fd >= 0)
			close(fd);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

/* 63 times `c` (a maximal label). */
static const char *run_of(char c)
{
	static char runs[4][64];
	char *r = runs[(unsigned char)c % 4];

	memset(r, c, 63);
	r[63] = '\0';
	return r;
}

static void test_dns(void)
{
	static const char list[] = "# sinkholed\n"
				   "dga1.example\n"
				   "*.sub.example\n"
				   ".tree.example\n";
	char *path = write_temp(list), rules[2048], name[300];
	uint8_t wire[300];
	size_t n;

	if (!CHECK(path))
		return;
	snprintf(
		rules, sizeof(rules),
		"alert dns any any -> any 53 (msg:\"Lab 7\"; content:\"|01 00 00 01|\"; offset:2; depth:4; dns_query; content:\"drivres-update\"; sid:6201;)\n"
		"alert dns any any -> any 53 (msg:\"nocase\"; dns.query; content:\"EVIL.test\"; nocase; sid:6202;)\n"
		"alert dns any any -> any 53 (msg:\"case\"; dns.query; content:\"exact.case\"; sid:6203;)\n"
		"alert dns any any -> any 53 (msg:\"DGA list\"; domains:%s; sid:6204;)\n"
		"alert udp any any -> any 53 (msg:\"any DNS\"; sid:6205;)\n",
		path);
	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		goto out;
	SEND_DNS(dns_query("drivres-update.info", 1), 6201, 1);
	SEND_DNS(dns_query("DRIVRES-UPDATE.info", 1), 6205, 1);
	n = dns_wire_name("drivres-update.info", wire);
	SEND_DNS(dns_msg(0x0000, wire, n, 1), 6205, 1); /* RD off: the header bytes differ */
	SEND_DNS(dns_msg(0x8180, wire, n, 1), 6205, 0); /* a response: not a query */
	SEND_DNS(dns_query("www.Evil.TEST", 28), 6202, 28);
	SEND_DNS(dns_query("exact.case", 16), 6203, 16);
	SEND_DNS(dns_query("EXACT.case", 16), 6205, 16);
	SEND_DNS(dns_query("dga1.example", 1), 6204, 1);
	SEND_DNS(dns_query("DGA1.Example", 1), 6204, 1);
	SEND_DNS(dns_query("x.dga1.example", 1), 6205, 1);
	SEND_DNS(dns_query("a.sub.example", 1), 6204, 1);
	SEND_DNS(dns_query("sub.example", 1), 6205, 1);
	SEND_DNS(dns_query("tree.example", 1), 6204, 1);
	SEND_DNS(dns_query("a.b.Tree.Example", 1), 6204, 1);
	SEND_DNS(dns_query("notree.example", 1), 6205, 1);
	/* The longest name there is: 253 characters. */
	snprintf(name, sizeof(name), "%.63s.%.63s.%.63s.%.51s.evil.test", run_of('a'), run_of('b'),
		 run_of('c'), run_of('d'));
	CHECK_EQ(strlen(name), 253);
	SEND_DNS(dns_query(name, 1), 6202, 1);
	/* One more and the question is malformed; so is a compression pointer. */
	snprintf(name, sizeof(name), "%.63s.%.63s.%.63s.%.52s.evil.test", run_of('a'), run_of('b'),
		 run_of('c'), run_of('d'));
	SEND(dns_query(name, 1), BOTSINK_MALFORMED);
	SEND(dns_msg(0x0100, (const uint8_t *)"\xc0\x0c", 2, 1), BOTSINK_MALFORMED);
	/* A name running past the end of the datagram. */
	SEND(udp4_data("203.0.113.62", 53,
		       "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05"
		       "ab",
		       15),
	     BOTSINK_MALFORMED);
	/* Other UDP to port 53: only the header rule. */
	SEND_DNS(udp4_data("203.0.113.62", 53, "short", 5), 6205, 0);
out:
	if (path)
		unlink(path);
	free(path);
}

/*
 * A name is in every list that holds it, by itself or under a suffix; each
 * rule checks its own list, and ranking picks among the rules that match.
 */
static void test_domain_lists(void)
{
	char *a = write_temp(".example.com\nshared.test\n"), *b = write_temp("www.example.com\n");
	char *c = write_temp("shared.test\n"), rules[2048];

	if (!CHECK(a && b && c))
		goto out;
	snprintf(rules, sizeof(rules),
		 "alert dns any any -> 203.0.113.62 53 (msg:\"A\"; domains:%s; sid:7001;)\n"
		 "alert dns any any -> 203.0.113.62 53 (msg:\"B\"; domains:%s; sid:7000;)\n"
		 "alert dns any any -> 203.0.113.63 53 (msg:\"C\"; domains:%s; sid:6999;)\n"
		 "alert dns any any -> 203.0.113.62 53 (msg:\"A again\"; domains:%s; sid:7003;)\n",
		 a, b, c, a);
	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		goto out;
	CHECK_EQ(env.c.ndomain_files, 3); /* A's file once */
	/* In B's list (exact) and A's (suffix): B has the lower sid. */
	SEND_DNS(dns_query("www.example.com", 1), 7000, 1);
	/* Only in A's list. */
	SEND_DNS(dns_query("x.example.com", 1), 7001, 1);
	/* In A's list and C's; C's rule is for another address. */
	SEND_DNS(dns_query("shared.test", 1), 7001, 1);
out:
	for (char **p = (char *[]){ a, b, c, NULL }; *p; p++) {
		unlink(*p);
		free(*p);
	}
}

/* A DGA-sized list: 150,000 names, every third one with its subdomains. */
static void test_domain_list_scale(void)
{
	enum { NAMES = 150000 };
	size_t cap = (size_t)NAMES * 32, len = 0;
	char *text = malloc(cap), *path = NULL, rules[512], name[64];

	if (!CHECK(text))
		return;
	for (int i = 0; i < NAMES; i++)
		len += (size_t)snprintf(text + len, cap - len, "%sq%07dx.dga.example\n",
					i % 3 ? "" : ".", i * 7);
	path = write_temp(text);
	free(text);
	if (!CHECK(path))
		return;
	snprintf(rules, sizeof(rules),
		 "alert dns any any -> any 53 (msg:\"DGA\"; domains:%s; sid:7301;)\n", path);
	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		goto out;
	CHECK_EQ(env.c.ndomains, NAMES + NAMES / 3);
	for (int i = 0; i < NAMES; i += 9973) {
		snprintf(name, sizeof(name), "Q%07dX.dga.example", i * 7);
		SEND_DNS(dns_query(name, 1), 7301, 1);
		snprintf(name, sizeof(name), "www.q%07dx.dga.example", i * 7);
		SEND_DNS(dns_query(name, 1), i % 3 ? 0 : 7301, 1);
		snprintf(name, sizeof(name), "q%07dx.dga.example", i * 7 + 1);
		SEND_DNS(dns_query(name, 1), 0, 1); /* parsed: its type is recorded */
	}
	/* A reload without the list removes all its keys (many batches of them). */
	if (INSTALL("# no rules\n", BOTSINK_VERDICT_PASS))
		CHECK_EQ(count_keys(env.l.maps.domains, sizeof(struct botsink_domain_key)), 0);
out:
	unlink(path);
	free(path);
}

/*
 * A DNS question that cannot be read is malformed on port 53 only, and
 * only when no better ranked rule takes the packet.
 */
static void test_dns_malformed(void)
{
	static const char rules[] =
		"alert udp any any -> 203.0.113.62 any (msg:\"any port, /32\"; sid:7201;)\n"
		"alert dns any any -> 203.0.113.0/24 53 (msg:\"dns /24\"; dns.query; content:\"evil\"; sid:7202;)\n"
		"alert dns any any -> 203.0.113.0/24 any (msg:\"dns any port\"; dns.query; content:\"evil\"; sid:7203;)\n";
	static const char junk[] =
		"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01";

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	/* The /32 rule ranks first: it takes the packet. */
	SEND_DNS(dns_msg(0x0100, (const uint8_t *)"\xc0\x0c", 2, 1), 7201, 0);
	/* Elsewhere in the /24: malformed on 53, not a DNS query on another port. */
	SEND(udp4_data("203.0.113.70", 53, junk, sizeof(junk) - 1), BOTSINK_MALFORMED);
	SEND_SID(udp4_data("203.0.113.70", 5353, junk, sizeof(junk) - 1), 0);
	SEND_DNS(udp4_data("203.0.113.70", 5353,
			   "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
			   "\x04"
			   "evil\x00\x00\x01\x00\x01",
			   23),
		 7203, 1);

	/*
	 * DNS rules the prefilter names (four or more): a question that cannot
	 * be read holds none of their patterns, and is malformed all the same,
	 * ahead of the header-only rule ranked after them.
	 */
	if (!INSTALL(
		    "alert dns any any -> 203.0.113.0/24 53 (msg:\"a\"; dns.query; content:\"evil1\"; sid:7301;)\n"
		    "alert dns any any -> 203.0.113.0/24 53 (msg:\"b\"; dns.query; content:\"evil2\"; sid:7302;)\n"
		    "alert dns any any -> 203.0.113.0/24 53 (msg:\"c\"; dns.query; content:\"evil3\"; sid:7303;)\n"
		    "alert dns any any -> 203.0.113.0/24 53 (msg:\"d\"; dns.query; content:\"evil4\"; sid:7304;)\n"
		    "alert udp any any -> 203.0.113.0/24 53 (msg:\"any to 53\"; sid:7305;)\n",
		    BOTSINK_VERDICT_PASS))
		return;
	SEND(udp4_data("203.0.113.70", 53, junk, sizeof(junk) - 1), BOTSINK_MALFORMED);
	SEND_DNS(dns_query("www.evil2.test", 1), 7302, 1);
	SEND_DNS(dns_query("www.good.test", 1), 7305, 1);
}

/* Negative distances and limits that end before the anchor's end. */
static void test_negative_placement(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.60 8101 (msg:\"limit 0\"; content:\"abcd\"; content:\"xy\"; distance:-2; within:2; sid:7101;)\n"
		"alert tcp any any -> 203.0.113.60 8102 (msg:\"limit < 0\"; content:\"abcd\"; content:\"b\"; distance:-3; within:1; sid:7102;)\n"
		"alert tcp any any -> 203.0.113.60 8103 (msg:\"overlap\"; content:\"abcd\"; content:\"cd\"; distance:-2; within:2; sid:7103;)\n";

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	SEND_SID(tcp4_text("203.0.113.60", 8101, "abcd------xy"), 0);
	SEND_SID(tcp_data(4, "203.0.113.60", 8102, DATA_SEQ + 1, "abcd", 4), 7102);
	SEND_SID(tcp_data(4, "203.0.113.60", 8102, DATA_SEQ + 2, "abxd", 4), 0);
	SEND_SID(tcp_data(4, "203.0.113.60", 8103, DATA_SEQ + 3, "abcd", 4), 7103);
}

/* ---- check-ins, ranking, prefilter ---- */

static void test_checkins(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.63 9000 (msg:\"check-in\"; content:\"CHECKIN\"; sid:6301;)\n"
		"alert udp any any -> 203.0.113.63 9001 (msg:\"hello\"; content:\"HELLO\"; sid:6302;)\n";
	struct botsink_source_key key = { .sid = 6301 };
	struct drain_result r = { 0 };
	int found = 0;

	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	/* The original and two retransmissions: three packets, one check-in. */
	for (int i = 0; i < 3; i++)
		SEND_SID(tcp_data(4, "203.0.113.63", 9000, DATA_SEQ, "CHECKIN 1", 9), 6301);
	/* The next check-in on the connection. */
	SEND_SID(tcp_data(4, "203.0.113.63", 9000, DATA_SEQ + 9, "CHECKIN 2", 9), 6301);
	/* Pure ACKs are no check-ins; a SYN is one, once. */
	SEND_SID(tcp4(SRC4, "203.0.113.63", 9000, TH_ACK), 0);
	SEND_SID(tcp4(SRC4, "203.0.113.63", 9000, TH_SYN), 0);
	SEND_SID(tcp4(SRC4, "203.0.113.63", 9000, TH_SYN), 0);
	/* Every datagram is one. */
	SEND_SID(udp4_data("203.0.113.63", 9001, "HELLO", 5), 6302);
	SEND_SID(udp4_data("203.0.113.63", 9001, "HELLO", 5), 6302);
	/* What the kernel counted (the drain also checks it against the harness's model). */
	set_addr(key.addr, SRC4);
	check_drain_at(__LINE__, &r);
	for (size_t i = 0; i < r.n; i++) {
		if (memcmp(&r.items[i].key, &key, sizeof(key)))
			continue;
		CHECK_EQ(r.items[i].total.checkins, 2);
		CHECK_EQ(r.items[i].total.packets, 4);
		found++;
	}
	CHECK_EQ(found, 1);
}

/* The program's view of a segment: its botsink_recent entry, stamp aside. */
static struct botsink_recent_entry segment_of(const struct frame *f, __u32 sid, struct hit *h)
{
	struct botsink_recent_entry e = { .seq = 0 };
	__u32 dst[4];

	frame_hit(f, sid, h);
	memcpy(e.addr, h->key.addr, 16);
	memcpy(dst, h->dst, 16);
	e.seq = h->seq;
	e.sport = h->sport;
	e.dport = h->dport;
	e.dst = botsink_recent_fold(dst);
	return e;
}

/* The set of a segment, under the installed mask. */
static __u32 set_of(const struct botsink_recent_entry *seg)
{
	return botsink_recent_set_of(seg, read_config().recent_mask);
}

/* Moves the stamp of the entry holding `seg` back by `units`; false if absent. */
static bool age_segment(const struct botsink_recent_entry *seg, __u32 units)
{
	__u32 index = set_of(seg);
	struct botsink_recent_set set;

	if (bpf_map_lookup_elem(env.l.maps.recent, &index, &set))
		return false;
	for (int i = 0; i < BOTSINK_RECENT_WAYS; i++) {
		struct botsink_recent_entry *e = &set.way[i];

		if (!e->stamp || memcmp(e, seg, offsetof(struct botsink_recent_entry, stamp)))
			continue;
		e->stamp = (e->stamp - units) | 1;
		return !bpf_map_update_elem(env.l.maps.recent, &index, &set, BPF_ANY);
	}
	return false;
}

/*
 * The retransmission filter: the destination is part of a segment's
 * identity; an entry older than the window, or replaced in its set by
 * newer segments, no longer makes a segment a retransmission.
 */
static void test_retransmissions(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.62/31 9000 (msg:\"check-in\"; content:\"CHECKIN\"; sid:6311;)\n";
	struct botsink_recent_entry seg, other[BOTSINK_RECENT_WAYS];
	struct frame *first = tcp_data(4, "203.0.113.62", 9000, DATA_SEQ, "CHECKIN", 7);
	struct hit h, h2;
	int found = 0;

	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	seg = segment_of(first, 6311, &h);
	SEND_SID(first, 6311);
	SEND_SID(tcp_data(4, "203.0.113.62", 9000, DATA_SEQ, "CHECKIN", 7), 6311);
	/* The same segment to the other sinkhole address: another check-in. */
	SEND_SID(tcp_data(4, "203.0.113.63", 9000, DATA_SEQ, "CHECKIN", 7), 6311);
	CHECK_EQ(env.nseen, 2);
	CHECK_EQ(read_config().recent_mask, BOTSINK_RECENT_SETS - 1);

	/* Seen longer ago than the window: it counts again. */
	CHECK(age_segment(&seg, BOTSINK_RECENT_WINDOW + 2));
	forget_segment(&h);
	SEND_SID(tcp_data(4, "203.0.113.62", 9000, DATA_SEQ, "CHECKIN", 7), 6311);
	SEND_SID(tcp_data(4, "203.0.113.62", 9000, DATA_SEQ, "CHECKIN", 7), 6311);

	/* Newer segments of the same set replace the oldest entry. */
	CHECK(age_segment(&seg, 1000));
	for (__u32 seq = DATA_SEQ + 1; found < BOTSINK_RECENT_WAYS && seq != DATA_SEQ; seq++) {
		struct frame *f = tcp_data(4, "203.0.113.62", 9000, seq, "CHECKIN", 7);

		other[found] = segment_of(f, 6311, &h2);
		if (set_of(&other[found]) != set_of(&seg))
			continue;
		SEND_SID(f, 6311);
		found++;
	}
	CHECK_EQ(found, BOTSINK_RECENT_WAYS);
	/* age_segment(..., 0) only tells whether the entry is there. */
	CHECK(!age_segment(&seg, 0));
	for (int i = 0; i < found; i++)
		CHECK(age_segment(&other[i], 0));
	forget_segment(&h);
	SEND_SID(tcp_data(4, "203.0.113.62", 9000, DATA_SEQ, "CHECKIN", 7), 6311);
	CHECK_DRAIN();
}

static void test_payload_ranking(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.64 80 (msg:\"any TCP to 80\"; sid:6401;)\n"
		"alert tcp any any -> 203.0.113.64 80 (msg:\"magic on 80\"; content:\"magic\"; sid:6402;)\n"
		"alert tcp any any -> 203.0.113.64 80 (msg:\"magic too\"; content:\"magic\"; sid:6403;)\n"
		"alert tcp any any -> 203.0.113.64 any (msg:\"magic2 anywhere\"; content:\"magic2\"; sid:6404;)\n";

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	/* Payload before header-only for the same destination and port; then the lower sid. */
	SEND_SID(tcp4_text("203.0.113.64", 80, "some magic here"), 6402);
	/* Falls back to the header rule when the payload does not match. */
	SEND_SID(tcp_data(4, "203.0.113.64", 80, DATA_SEQ + 1, "nothing", 7), 6401);
	SEND_SID(tcp4(SRC4, "203.0.113.64", 80, TH_SYN), 6401);
	/* An exact port ranks before any port, payload or not. */
	SEND_SID(tcp_data(4, "203.0.113.64", 80, DATA_SEQ + 2, "magic2", 6), 6402);
	SEND_SID(tcp_data(4, "203.0.113.64", 81, DATA_SEQ + 3, "magic2", 6), 6404);
}

/*
 * Many payload rules on one destination and port: each packet must get
 * exactly its rule, also when more rules share one fast pattern (so one
 * gram) than the prefilter verifies at one position (those rules are
 * walked in full).
 */
static void test_prefilter(void)
{
	enum { DISTINCT = 40, SHARED = BOTSINK_GRAM_PATTERNS + 6 };
	size_t cap = (DISTINCT + SHARED + 2) * 160, len = 0;
	char *rules = malloc(cap), payload[64];

	if (!CHECK(rules))
		return;
	for (int i = 0; i < DISTINCT; i++)
		len += (size_t)snprintf(
			rules + len, cap - len,
			"alert tcp any any -> 203.0.113.65 7000 (msg:\"bot %d\"; content:\"b%03d-checkin\"; sid:%d;)\n",
			i, i, 7000 + i);
	for (int i = 0; i < SHARED; i++)
		len += (size_t)snprintf(
			rules + len, cap - len,
			"alert tcp any any -> 203.0.113.65 %d (msg:\"same %d\"; content:\"same\"; content:\"%02x\"; sid:%d;)\n",
			7001 + i % 2, i, i, 7100 + i);
	len += (size_t)snprintf(
		rules + len, cap - len,
		"alert tcp any any -> 203.0.113.65 7000 (msg:\"nocase\"; content:\"MiXeD-Bot\"; nocase; sid:7999;)\n"
		"alert tcp any any -> 203.0.113.65 7000 (msg:\"short\"; content:\"zq\"; sid:7998;)\n");
	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		goto out;
	/* Found by the prefilter whatever the case; a 2-byte content has no fast pattern. */
	SEND_SID(tcp_data(4, "203.0.113.65", 7000, DATA_SEQ + 100, "..mixed-BOT..", 13), 7999);
	SEND_SID(tcp_data(4, "203.0.113.65", 7000, DATA_SEQ + 101, "..zq..", 6), 7998);
	for (int i = 0; i < DISTINCT; i += 7) {
		snprintf(payload, sizeof(payload), "xx b%03d-checkin yy", i);
		SEND_SID(tcp_data(4, "203.0.113.65", 7000, DATA_SEQ + (uint32_t)i, payload,
				  strlen(payload)),
			 7000 + (__u32)i);
	}
	for (int i = 0; i < SHARED; i += 5) {
		snprintf(payload, sizeof(payload), "same-%02x", i);
		SEND_SID(tcp_data(4, "203.0.113.65", (uint16_t)(7001 + i % 2),
				  DATA_SEQ + (uint32_t)i, payload, strlen(payload)),
			 7100 + (__u32)i);
	}
	SEND_SID(tcp_data(4, "203.0.113.65", 7001, DATA_SEQ, "same-zz", 7), 0);
	SEND_SID(tcp_data(4, "203.0.113.65", 7000, DATA_SEQ, "b000-checkiN", 12), 0);
	{
		size_t prefiltered = 0;

		for (size_t i = 0; i < env.rs.n; i++)
			prefiltered += env.c.payload[i].prefilter;
		CHECK_EQ(prefiltered, DISTINCT + BOTSINK_GRAM_PATTERNS + 1);
	}
out:
	free(rules);
}

/*
 * A whole ET-sized set on one destination and port: thousands of HTTP
 * rules and DNS names reached through the prefilter, with a header-only
 * rule and a walked payload rule ranked among them. Each packet gets
 * exactly its rule, the first in rank order when several match.
 */
static void test_rules_at_scale(void)
{
	enum { HTTP_RULES = 6000, DNS_RULES = 2000 };
	size_t cap = (HTTP_RULES + DNS_RULES + 4) * 160, len = 0, stamped = 0;
	char *rules = malloc(cap), text[128];

	if (!CHECK(rules))
		return;
	for (int i = 0; i < HTTP_RULES; i++)
		len += (size_t)snprintf(
			rules + len, cap - len,
			"alert http any any -> 203.0.113.0/24 80 (msg:\"gate %d\"; http.uri; content:\"/gate-%05d.php\"; sid:%d;)\n",
			i, i, 100000 + i);
	for (int i = 0; i < DNS_RULES; i++)
		len += (size_t)snprintf(
			rules + len, cap - len,
			"alert dns any any -> any any (msg:\"c2 %d\"; dns.query; content:\"c2-%04d.example.net\"; nocase; sid:%d;)\n",
			i, i, 200000 + i);
	len += (size_t)snprintf(
		rules + len, cap - len,
		"alert tcp any any -> 203.0.113.0/24 80 (msg:\"syn\"; flags:S; sid:99001;)\n"
		"alert tcp any any -> 203.0.113.0/24 80 (msg:\"short\"; content:\"zq\"; sid:99002;)\n"
		"alert http any any -> 203.0.113.0/24 80 (msg:\"gate 42 with x\"; http.uri; content:\"/gate-00042.php\"; content:\"x=1\"; sid:99003;)\n");
	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		goto out;
	for (size_t i = 0; i < env.c.ndst; i++) {
		stamped += env.c.dst[i].runs.stamped;
		for (size_t k = 0; k < env.c.dst[i].nports; k++)
			stamped += env.c.dst[i].ports[k].runs.stamped;
	}
	CHECK(stamped >= HTTP_RULES + DNS_RULES);
	SEND_SID(tcp4(SRC4, "203.0.113.9", 80, TH_SYN), 99001);
	SEND_SID(tcp4_text("203.0.113.9", 80, "POST /gate-04321.php HTTP/1.1\r\nHost: a\r\n\r\n"),
		 104321);
	SEND_SID(tcp4_text("203.0.113.9", 80, "GET /gate-00042.php?x=1 HTTP/1.1\r\n\r\n"), 99003);
	SEND_SID(tcp4_text("203.0.113.9", 80, "GET /gate-00042.php HTTP/1.1\r\n\r\n"), 100042);
	SEND_SID(tcp4_text("203.0.113.9", 80, "GET /gate-05999.php?zq HTTP/1.1\r\n\r\n"), 99002);
	SEND_SID(tcp4_text("203.0.113.9", 80, "GET /gate-05999.php HTTP/1.1\r\n\r\n"), 105999);
	SEND_SID(tcp4_text("203.0.113.9", 80, "GET /gate-06000.php HTTP/1.1\r\n\r\n"), 0);
	SEND_SID(tcp4_text("203.0.113.9", 8080, "GET /gate-00001.php HTTP/1.1\r\n\r\n"), 0);
	for (int i = 0; i < DNS_RULES; i += 397) {
		snprintf(text, sizeof(text), "C2-%04d.Example.NET", i);
		SEND_DNS(dns_query(text, 1), 200000 + (__u32)i, 1);
	}
	SEND_DNS(dns_query("c2-0001.example.org", 1), 0, 1);
	SEND_DNS(dns_query("c2-0001.example.ne", 1), 0, 1);
	CHECK_EQ(stat_delta(BOTSINK_PREFILTER_FULL), 0);
out:
	free(rules);
}

/* content:"|..|" for bytes[0, n), appended to text. */
static size_t hex_content(char *text, size_t cap, const uint8_t *bytes, size_t n)
{
	size_t len = (size_t)snprintf(text, cap, "content:\"|");

	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s%02x", i ? " " : "", bytes[i]);
	return len + (size_t)snprintf(text + len, cap - len, "|\"; ");
}

/*
 * A packet whose payload holds the fast patterns of more rules than the
 * prefilter keeps (BOTSINK_PREFILTER_HITS): counted as prefilter_full, and
 * the rules named first are still checked.
 */
static void test_prefilter_full(void)
{
	enum { RULES = BOTSINK_PREFILTER_HITS + 44 };
	size_t cap = (RULES + 2) * 256, len = 0;
	char *rules = malloc(cap);
	uint8_t payload[BOTSINK_WINDOW];
	__u32 x = 2463534242U;

	if (!CHECK(rules))
		return;
	for (size_t i = 0; i < sizeof(payload); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		payload[i] = (uint8_t)('a' + x % 26);
	}
	/* Named first (its pattern starts the payload), and it matches. */
	len += (size_t)snprintf(rules + len, cap - len,
				"alert tcp any any -> 203.0.113.67 80 (msg:\"first\"; ");
	len += hex_content(rules + len, cap - len, payload, 8);
	len += (size_t)snprintf(rules + len, cap - len, "sid:7999;)\n");
	/* Named later, each at its own position; none matches in full. */
	for (int i = 1; i <= RULES; i++) {
		len += (size_t)snprintf(rules + len, cap - len,
					"alert tcp any any -> 203.0.113.67 80 (msg:\"n%d\"; ", i);
		len += hex_content(rules + len, cap - len, payload + i, 8);
		len += (size_t)snprintf(rules + len, cap - len,
					"fast_pattern; content:\"never-there\"; sid:%d;)\n",
					8000 + i);
	}
	if (INSTALL(rules, BOTSINK_VERDICT_PASS)) {
		struct frame *f =
			tcp_data(4, "203.0.113.67", 80, DATA_SEQ, payload, sizeof(payload));
		struct expect x = { .bucket = BOTSINK_MATCHED,
				    .action = -1,
				    .prefilter_full = true };
		struct hit h;

		frame_hit(f, 7999, &h);
		x.hit = &h;
		send_at(__LINE__, f->buf, f->len, &x);
		/* 100 bytes name 92 rules: all checked. */
		SEND_SID(tcp_data(4, "203.0.113.67", 80, DATA_SEQ + 1, payload + 1, 100), 0);
	}
	free(rules);
}

static void test_payload_ipv6(void)
{
	static const char rules[] =
		"alert tcp any any -> 2001:db8:5::70 80 (msg:\"v6 gate\"; content:\"POST\"; http_method; content:\"/v6-gate\"; http_uri; sid:6501;)\n";

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	SEND_SID(tcp_data(6, "2001:db8:5::70", 80, DATA_SEQ, "POST /v6-gate HTTP/1.1\r\n\r\n", 27),
		 6501);
	SEND_SID(tcp_data(6, "2001:db8:5::70", 80, DATA_SEQ + 1, "POST /v4-gate HTTP/1.1\r\n\r\n",
			  27),
		 0);
}

/* The gram buckets of one rule set's half that hold patterns. */
static size_t grams_of(__u32 ruleset)
{
	struct botsink_gram_patterns b;
	size_t n = 0;

	for (__u32 i = 0; i < 1U << BOTSINK_GRAM_BUCKET_BITS; i++) {
		__u32 key = ruleset << BOTSINK_GRAM_BUCKET_BITS | i;

		if (!bpf_map_lookup_elem(env.l.maps.grams, &key, &b))
			n += b.count != 0;
	}
	return n;
}

/* A reload swaps payload tables too: the old rule set's are gone after it. */
static void test_payload_swap(void)
{
	static const char alpha[] =
		"alert tcp any any -> 203.0.113.66 80 (msg:\"alpha\"; content:\"alpha\"; sid:6601;)\n";
	static const char beta[] =
		"alert tcp any any -> 203.0.113.66 80 (msg:\"beta\"; content:\"beta-beta\"; sid:6602;)\n"
		"alert tcp any any -> 203.0.113.66 81 (msg:\"gamma\"; content:\"gamma\"; sid:6603;)\n";
	__u32 live;

	if (!INSTALL(alpha, BOTSINK_VERDICT_PASS))
		return;
	SEND_SID(tcp4_text("203.0.113.66", 80, "alpha"), 6601);
	if (!INSTALL(beta, BOTSINK_VERDICT_PASS))
		return;
	live = read_config().ruleset;
	CHECK_EQ(grams_of(live), 2);
	CHECK_EQ(grams_of(!live), 0);
	SEND_SID(tcp_data(4, "203.0.113.66", 80, DATA_SEQ + 1, "alpha", 5), 0);
	SEND_SID(tcp_data(4, "203.0.113.66", 80, DATA_SEQ + 2, "beta-beta", 9), 6602);
	SEND_SID(tcp_data(4, "203.0.113.66", 81, DATA_SEQ + 3, "gamma", 5), 6603);
}

/* ---- what narrows: endswith, bsize, urilen, isdataat, dotprefix ---- */

/* One frame of a table: TCP data to dst:port, or a DNS query for `name`. */
struct narrow_case {
	uint16_t port; /* 53: a DNS query for text */
	const char *text; /* NULL: `len` bytes of 'x' */
	size_t len; /* 0: strlen(text) */
	__u32 sid;
};

/* Install `rules`, then send each case; false when they would not install. */
static bool send_narrow(const char *rules, const char *dst, const struct narrow_case *cases,
			size_t n)
{
	static char filler[BOTSINK_WINDOW + 200];

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return false;
	memset(filler, 'x', sizeof(filler));
	for (size_t i = 0; i < n; i++) {
		const struct narrow_case *c = &cases[i];
		const char *data = c->text ? c->text : filler;
		size_t len = c->len ? c->len : strlen(data);

		if (c->port == 53)
			SEND_DNS(dns_query(data, 1), c->sid, 1);
		else
			SEND_SID(tcp_data(4, dst, c->port, DATA_SEQ + (uint32_t)i, data, len),
				 c->sid);
	}
	return true;
}

/* "GET <uri> HTTP/1.1\r\n\r\n" with a URI of `len` bytes ("/aaa..."); 32 live at once. */
static const char *get_uri(size_t len)
{
	static char texts[32][128];
	static size_t next;
	char *t = texts[next++ % 32];

	snprintf(t, 128, "GET /%.*s HTTP/1.1\r\n\r\n", (int)len - 1,
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	return t;
}

/* "xxx...<tail>": `len` bytes in all, ending with `tail`. */
static const char *ending_with(size_t len, const char *tail)
{
	static char texts[4][BOTSINK_WINDOW + 200];
	static size_t next;
	char *t = texts[next++ % 4];

	memset(t, 'x', len);
	memcpy(t + len - strlen(tail), tail, strlen(tail));
	t[len] = '\0';
	return t;
}

static void test_endswith(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.63 8050 (msg:\"endswith\"; content:\"end\"; endswith; sid:8050;)\n"
		"alert tcp any any -> 203.0.113.63 8051 (msg:\"endswith depth\"; content:\"end\"; depth:5; endswith; sid:8051;)\n"
		"alert tcp any any -> 203.0.113.63 8052 (msg:\"negated\"; content:\"GET\"; content:!\".exe\"; endswith; sid:8052;)\n"
		"alert tcp any any -> 203.0.113.63 8053 (msg:\"whole\"; content:\"ping\"; startswith; endswith; sid:8053;)\n"
		"alert tcp any any -> 203.0.113.63 8054 (msg:\"as isdataat\"; content:\"end\"; isdataat:!1,relative; sid:8054;)\n"
		"alert http any any -> 203.0.113.63 80 (msg:\"uri\"; http.uri; content:\".php\"; endswith; sid:8055;)\n";
	const struct narrow_case cases[] = {
		{ 8050, "xxend", 0, 8050 },
		{ 8050, "xxendx", 0, 0 },
		{ 8050, "endxxend", 0, 8050 },
		{ 8050, "en", 0, 0 },
		{ 8051, "xxend", 0, 8051 },
		{ 8051, "xxxend", 0, 0 },
		{ 8052, "GET /a.exe", 0, 0 },
		{ 8052, "GET /a.exe?", 0, 8052 },
		{ 8053, "ping", 0, 8053 },
		{ 8053, "ping ", 0, 0 },
		{ 8053, " ping", 0, 0 },
		{ 8054, "end.end", 0, 8054 },
		{ 8054, "end.", 0, 0 },
		{ 80, "GET /a.php HTTP/1.1\r\n\r\n", 0, 8055 },
		{ 80, "GET /a.php? HTTP/1.1\r\n\r\n", 0, 0 },
		{ 80, "GET /a.phpx HTTP/1.1\r\n\r\n", 0, 0 },
		/* The window holds the payload's end: it ends there. */
		{ 8050, ending_with(BOTSINK_WINDOW, "end"), 0, 8050 },
		/* It does not: the end is not known, whatever the window ends with. */
		{ 8050, ending_with(BOTSINK_WINDOW + 1, "end"), 0, 0 },
		{ 8050, ending_with(BOTSINK_WINDOW + 100, "end"), 0, 0 },
		{ 8052, ending_with(BOTSINK_WINDOW + 100, "GET"), 0, 0 },
	};

	if (!send_narrow(rules, "203.0.113.63", cases, ARRAY_SIZE(cases)))
		return;
	/* A payload whose 512th byte ends the content but goes on. */
	SEND_SID(tcp_data(4, "203.0.113.63", 8050, DATA_SEQ + 99,
			  ending_with(BOTSINK_WINDOW + 1, "endx"), BOTSINK_WINDOW + 1),
		 0);
}

#define BODY_HEAD "POST / HTTP/1.1\r\nContent-Length: 600\r\n\r\n"
#define BODY_AT (sizeof(BODY_HEAD) - 1)

static void test_bsize(void)
{
	static const char rules[] =
		"alert http any any -> 203.0.113.64 8060 (msg:\"eq\"; http.uri; bsize:5; sid:8060;)\n"
		"alert http any any -> 203.0.113.64 8061 (msg:\"lt\"; http.uri; bsize:<5; sid:8061;)\n"
		"alert http any any -> 203.0.113.64 8062 (msg:\"le\"; http.uri; bsize:<=5; sid:8062;)\n"
		"alert http any any -> 203.0.113.64 8063 (msg:\"gt\"; http.uri; bsize:>5; sid:8063;)\n"
		"alert http any any -> 203.0.113.64 8064 (msg:\"ge\"; http.uri; bsize:>=5; sid:8064;)\n"
		"alert http any any -> 203.0.113.64 8065 (msg:\"ne\"; http.uri; bsize:!5; sid:8065;)\n"
		"alert http any any -> 203.0.113.64 8066 (msg:\"range\"; http.uri; bsize:3<>6; sid:8066;)\n"
		"alert http any any -> 203.0.113.64 8067 (msg:\"not range\"; http.uri; bsize:!3-6; sid:8067;)\n"
		"alert http any any -> 203.0.113.64 8068 (msg:\"cut, at least\"; http.header; bsize:>10; sid:8068;)\n"
		"alert http any any -> 203.0.113.64 8069 (msg:\"cut, at most\"; http.header; bsize:<400; sid:8069;)\n"
		"alert http any any -> 203.0.113.64 8070 (msg:\"body\"; http.request_body; bsize:600; sid:8070;)\n"
		"alert dns any any -> any 53 (msg:\"dns\"; dns.query; content:\"size\"; bsize:9; sid:8071;)\n"
		"alert dns any any -> any 53 (msg:\"dns dotted\"; dns.query; dotprefix; content:\"dots\"; bsize:10; sid:8072;)\n";
	char head[BOTSINK_WINDOW + 200], body[BOTSINK_WINDOW + 200];
	const struct narrow_case cases[] = {
		{ 8060, get_uri(4), 0, 0 },
		{ 8060, get_uri(5), 0, 8060 },
		{ 8060, get_uri(6), 0, 0 },
		{ 8061, get_uri(4), 0, 8061 },
		{ 8061, get_uri(5), 0, 0 },
		{ 8062, get_uri(5), 0, 8062 },
		{ 8062, get_uri(6), 0, 0 },
		{ 8063, get_uri(5), 0, 0 },
		{ 8063, get_uri(6), 0, 8063 },
		{ 8064, get_uri(4), 0, 0 },
		{ 8064, get_uri(5), 0, 8064 },
		{ 8065, get_uri(4), 0, 8065 },
		{ 8065, get_uri(5), 0, 0 },
		{ 8065, get_uri(6), 0, 8065 },
		{ 8066, get_uri(3), 0, 0 },
		{ 8066, get_uri(4), 0, 8066 },
		{ 8066, get_uri(5), 0, 8066 },
		{ 8066, get_uri(6), 0, 0 },
		{ 8067, get_uri(3), 0, 8067 },
		{ 8067, get_uri(4), 0, 0 },
		{ 8067, get_uri(5), 0, 0 },
		{ 8067, get_uri(6), 0, 8067 },
		/* Headers the window cuts: more than shown is known, less is not. */
		{ 8068, head, sizeof(head), 8068 },
		{ 8069, head, sizeof(head), 0 },
		{ 8069, "GET / HTTP/1.1\r\nA: b\r\n\r\n", 0, 8069 },
		/* The body ends where the payload does, past the window. */
		{ 8070, body, BODY_AT + 600, 8070 },
		{ 8070, body, BODY_AT + 599, 0 },
		{ 8070, body, BODY_AT + 601, 0 },
		{ 53, "size.test", 0, 8071 },
		{ 53, "size.tests", 0, 0 },
		{ 53, "size.tes", 0, 0 },
		{ 53, "dots.test", 0, 8072 },
		{ 53, "dots.tests", 0, 0 },
	};

	memset(head, 'h', sizeof(head));
	memcpy(head, "GET / HTTP/1.1\r\nX-Long: ", 24);
	memset(body, 'b', sizeof(body));
	memcpy(body, BODY_HEAD, BODY_AT);
	send_narrow(rules, "203.0.113.64", cases, ARRAY_SIZE(cases));
}

static void test_urilen(void)
{
	static const char rules[] =
		"alert http any any -> 203.0.113.65 8080 (msg:\"eq\"; urilen:5; sid:8080;)\n"
		"alert http any any -> 203.0.113.65 8081 (msg:\"lt\"; urilen:<5; sid:8081;)\n"
		"alert http any any -> 203.0.113.65 8082 (msg:\"gt\"; urilen:>5, raw; sid:8082;)\n"
		"alert http any any -> 203.0.113.65 8083 (msg:\"range\"; urilen:3<>6,norm; sid:8083;)\n"
		"alert http any any -> 203.0.113.65 8084 (msg:\"raw\"; urilen:4; content:\"%41\"; http_uri; sid:8084;)\n";
	const struct narrow_case cases[] = {
		{ 8080, get_uri(4), 0, 0 },
		{ 8080, get_uri(5), 0, 8080 },
		{ 8080, get_uri(6), 0, 0 },
		{ 8081, get_uri(4), 0, 8081 },
		{ 8081, get_uri(5), 0, 0 },
		{ 8082, get_uri(5), 0, 0 },
		{ 8082, get_uri(6), 0, 8082 },
		{ 8083, get_uri(3), 0, 0 },
		{ 8083, get_uri(4), 0, 8083 },
		{ 8083, get_uri(5), 0, 8083 },
		{ 8083, get_uri(6), 0, 0 },
		/* Raw: "/%41" is 4 bytes long, not "/A". */
		{ 8084, "GET /%41 HTTP/1.1\r\n\r\n", 0, 8084 },
		{ 8084, "GET /%41b HTTP/1.1\r\n\r\n", 0, 0 },
		/* Not an HTTP request: no URI. */
		{ 8081, "GET", 0, 0 },
	};

	send_narrow(rules, "203.0.113.65", cases, ARRAY_SIZE(cases));
}

static void test_isdataat(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.67 8090 (msg:\"abs\"; isdataat:10; sid:8090;)\n"
		"alert tcp any any -> 203.0.113.67 8091 (msg:\"abs not\"; isdataat:!10; sid:8091;)\n"
		"alert tcp any any -> 203.0.113.67 8092 (msg:\"rel\"; content:\"ab\"; isdataat:3,relative; sid:8092;)\n"
		"alert tcp any any -> 203.0.113.67 8093 (msg:\"rel not\"; content:\"ab\"; isdataat:!3,relative; sid:8093;)\n"
		"alert tcp any any -> 203.0.113.67 8094 (msg:\"past the window\"; isdataat:600; sid:8094;)\n"
		"alert tcp any any -> 203.0.113.67 8095 (msg:\"past, not\"; isdataat:!600; sid:8095;)\n"
		"alert tcp any any -> 203.0.113.67 8096 (msg:\"rel, past\"; content:\"zz\"; isdataat:100,relative; sid:8096;)\n"
		"alert tcp any any -> 203.0.113.67 8097 (msg:\"rel, no content\"; isdataat:5,relative; sid:8097;)\n"
		"alert http any any -> 203.0.113.67 80 (msg:\"uri\"; http.uri; content:\"/a\"; isdataat:2,relative; sid:8098;)\n";
	const struct narrow_case cases[] = {
		{ 8090, NULL, 10, 0 },
		{ 8090, NULL, 11, 8090 },
		{ 8091, NULL, 10, 8091 },
		{ 8091, NULL, 11, 0 },
		{ 8092, "ab123", 0, 8092 },
		{ 8092, "ab12", 0, 0 },
		{ 8093, "ab12", 0, 8093 },
		{ 8093, "ab123", 0, 0 },
		{ 8093, "ab123ab", 0, 8093 },
		{ 8094, NULL, 601, 8094 },
		{ 8094, NULL, 600, 0 },
		{ 8095, NULL, 600, 8095 },
		{ 8095, NULL, 601, 0 },
		{ 8096, ending_with(560, "zz"), 0, 0 },
		{ 8097, NULL, 5, 8097 },
		{ 8097, NULL, 4, 0 },
		{ 80, "GET /abc HTTP/1.1\r\n\r\n", 0, 8098 },
		{ 80, "GET /ab HTTP/1.1\r\n\r\n", 0, 0 },
	};
	char far[700];

	if (!send_narrow(rules, "203.0.113.67", cases, ARRAY_SIZE(cases)))
		return;
	/* "zz" at 500: 148 bytes after it in a 650-byte payload, 58 in one of 560. */
	memset(far, 'x', sizeof(far));
	memcpy(far + 500, "zz", 2);
	SEND_SID(tcp_data(4, "203.0.113.67", 8096, DATA_SEQ + 100, far, 650), 8096);
	SEND_SID(tcp_data(4, "203.0.113.67", 8096, DATA_SEQ + 101, far, 560), 0);
	/* The edge: 100 bytes after it (502 + 100 = 602), then 99. */
	SEND_SID(tcp_data(4, "203.0.113.67", 8096, DATA_SEQ + 102, far, 602), 8096);
	SEND_SID(tcp_data(4, "203.0.113.67", 8096, DATA_SEQ + 103, far, 601), 0);
}

/* ET 2038807: the domain and the names under it, not names that end like it. */
static void test_dotprefix(void)
{
	static const char rules[] =
		"alert dns $HOME_NET any -> any any (msg:\"ET MOBILE_MALWARE Android/Zanubis CnC Domain (fullcircleteam .com) in DNS Lookup\"; dns.query; dotprefix; content:\".fullcircleteam.com\"; nocase; endswith; sid:2038807; rev:1;)\n"
		"alert http any any -> 203.0.113.68 80 (msg:\"host\"; http.host; dotprefix; content:\".fullcircleteam.com\"; endswith; sid:8101;)\n"
		"alert http any any -> 203.0.113.68 81 (msg:\"host start\"; http.host; dotprefix; content:\".www.\"; startswith; sid:8102;)\n";
	const struct narrow_case cases[] = {
		{ 53, "fullcircleteam.com", 0, 2038807 },
		{ 53, "x.fullcircleteam.com", 0, 2038807 },
		{ 53, "a.b.FullCircleTeam.COM", 0, 2038807 },
		{ 53, "badfullcircleteam.com", 0, 0 },
		{ 53, "fullcircleteam.com.evil", 0, 0 },
		{ 53, "ullcircleteam.com", 0, 0 },
		{ 80, "GET / HTTP/1.1\r\nHost: fullcircleteam.com\r\n\r\n", 0, 8101 },
		{ 80, "GET / HTTP/1.1\r\nHost: x.FullCircleTeam.com:8080\r\n\r\n", 0, 8101 },
		{ 80, "GET / HTTP/1.1\r\nHost: badfullcircleteam.com\r\n\r\n", 0, 0 },
		{ 80, "GET / HTTP/1.1\r\nHost:fullcircleteam.com.evil\r\n\r\n", 0, 0 },
		{ 80, "GET / HTTP/1.1\r\nX-Host: a.fullcircleteam.com\r\n\r\n", 0, 0 },
		{ 81, "GET / HTTP/1.1\r\nHost: www.a\r\n\r\n", 0, 8102 },
		{ 81, "GET / HTTP/1.1\r\nHost: www\r\n\r\n", 0, 0 },
		{ 81, "GET / HTTP/1.1\r\nHost: awww.a\r\n\r\n", 0, 0 },
	};

	send_narrow(rules, "203.0.113.68", cases, ARRAY_SIZE(cases));
}

const struct test payload_tests[] = {
	TEST(content_modifiers),
	TEST(dsize),
	TEST(window_edge),
	TEST(long_content),
	TEST(http_buffers),
	TEST(dns),
	TEST(checkins),
	TEST(retransmissions),
	TEST(payload_ranking),
	TEST(prefilter),
	TEST(rules_at_scale),
	TEST(prefilter_full),
	TEST(payload_ipv6),
	TEST(payload_swap),
	TEST(domain_lists),
	TEST(dns_malformed),
	TEST(negative_placement),
	TEST(domain_list_scale),
	TEST(endswith),
	TEST(bsize),
	TEST(urilen),
	TEST(isdataat),
	TEST(dotprefix),
};
const size_t n_payload_tests = ARRAY_SIZE(payload_tests);
