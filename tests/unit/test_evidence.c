// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Evidence (issue 20): a sample as evidence_new copies it (NUL bytes as
 * U+FFFD, the URL and Referer cut at their query); a ring buffer sample
 * as evidence_from_sample reads it, hostile ranges and lengths ignored;
 * the store by generation and key; and what a view shows of it at each
 * level, an anonymized view never the source's address.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include "botsink_abi.h"
#include "feed/feed.h"
#include "feed/record.h"
#include "feed/sink.h"
#include "kernel/evidence.h"
#include "lib/addr.h"
#include "lib/evidence.h"
#include "lib/util.h"
#include "unit.h"
#include "mem_sink.h"

#define FFFD "\xef\xbf\xbd"

static struct evidence_part part(const char *s)
{
	return (struct evidence_part){ s, s ? strlen(s) : 0 };
}

/* ---- evidence_new ---- */

static void test_new(void)
{
	static const char url[] = "/a\0b?q=1\0#f";
	static const uint8_t bytes[] = { 'G', 0, 0xff, '\n', 0x80 };
	struct evidence_part text[EVIDENCE_TEXTS] = {
		[EVIDENCE_HTTP_METHOD] = part("GET"),
		[EVIDENCE_HTTP_URL] = { url, sizeof(url) - 1 },
		[EVIDENCE_HTTP_HOST] = { "\0\0", 2 },
		[EVIDENCE_HTTP_AGENT] = { "", 0 },
		[EVIDENCE_HTTP_REFERER] = part("http://r.example/x#frag?not"),
	};
	struct evidence *e = evidence_new(true, 49152, text, (struct evidence_part){ bytes, 5 });

	CHECK(e != NULL);
	if (!e)
		return;
	CHECK(e->has_src_port);
	CHECK_INT(e->src_port, 49152);
	CHECK_STR(e->text[EVIDENCE_HTTP_METHOD], "GET");
	CHECK_STR(e->text[EVIDENCE_HTTP_URL], "/a" FFFD "b?q=1" FFFD "#f");
	CHECK_STR(e->url_path, "/a" FFFD "b");
	CHECK_STR(e->text[EVIDENCE_HTTP_HOST], FFFD FFFD);
	/* Empty, but seen: "", not NULL. */
	CHECK_STR(e->text[EVIDENCE_HTTP_AGENT], "");
	CHECK_STR(e->text[EVIDENCE_HTTP_REFERER], "http://r.example/x#frag?not");
	/* The first of '#' and '?' ends the path. */
	CHECK_STR(e->referer_path, "http://r.example/x");
	CHECK(e->text[EVIDENCE_DNS_QUERY] == NULL);
	CHECK_INT(e->payload_len, 5);
	CHECK(e->payload != NULL && e->payload != bytes && !memcmp(e->payload, bytes, 5));
	free(e);

	/* No query, no fragment: the path is the text itself. */
	memset(text, 0, sizeof(text));
	text[EVIDENCE_HTTP_URL] = part("/plain/path.php");
	text[EVIDENCE_HTTP_REFERER] = part("");
	text[EVIDENCE_DNS_QUERY] = part("Update.Example.ORG");
	e = evidence_new(false, 7, text, (struct evidence_part){ 0 });
	CHECK(e != NULL);
	if (!e)
		return;
	CHECK(!e->has_src_port);
	CHECK_STR(e->url_path, "/plain/path.php");
	CHECK(e->url_path == e->text[EVIDENCE_HTTP_URL]);
	CHECK_STR(e->referer_path, "");
	CHECK(e->referer_path == e->text[EVIDENCE_HTTP_REFERER]);
	CHECK_STR(e->text[EVIDENCE_DNS_QUERY], "Update.Example.ORG");
	CHECK(e->text[EVIDENCE_HTTP_METHOD] == NULL && e->text[EVIDENCE_HTTP_HOST] == NULL);
	CHECK(e->payload == NULL);
	CHECK_INT(e->payload_len, 0);
	free(e);

	/* A URL that is all query or all fragment: an empty path. */
	memset(text, 0, sizeof(text));
	text[EVIDENCE_HTTP_URL] = part("?q=1");
	text[EVIDENCE_HTTP_REFERER] = part("#");
	e = evidence_new(true, 0, text, (struct evidence_part){ "", 0 });
	CHECK(e != NULL);
	if (!e)
		return;
	CHECK_STR(e->text[EVIDENCE_HTTP_URL], "?q=1");
	CHECK_STR(e->url_path, "");
	CHECK_STR(e->referer_path, "");
	/* A payload of no bytes, but kept. */
	CHECK(e->payload != NULL);
	CHECK_INT(e->payload_len, 0);
	free(e);

	/* Nothing at all: every field NULL. */
	memset(text, 0, sizeof(text));
	e = evidence_new(false, 0, text, (struct evidence_part){ 0 });
	CHECK(e != NULL);
	if (!e)
		return;
	for (int i = 0; i < EVIDENCE_TEXTS; i++)
		CHECK(e->text[i] == NULL);
	CHECK(e->url_path == NULL && e->referer_path == NULL && e->payload == NULL);
	free(e);
}

/* A long text of NUL bytes only, with a '?': every byte grows, the copies fit (ASan). */
static void test_new_all_nul(void)
{
	char url[600];
	struct evidence_part text[EVIDENCE_TEXTS] = { 0 };
	struct evidence *e;

	memset(url, 0, sizeof(url));
	url[300] = '?';
	text[EVIDENCE_HTTP_URL] = (struct evidence_part){ url, sizeof(url) };
	text[EVIDENCE_HTTP_REFERER] = (struct evidence_part){ url, sizeof(url) };
	e = evidence_new(true, 1, text, (struct evidence_part){ url, sizeof(url) });
	CHECK(e != NULL);
	if (!e)
		return;
	CHECK_INT(strlen(e->text[EVIDENCE_HTTP_URL]), 599 * 3 + 1);
	CHECK_INT(strlen(e->url_path), 300 * 3);
	CHECK_INT(strlen(e->referer_path), 300 * 3);
	CHECK(!strncmp(e->url_path, FFFD FFFD, 6));
	CHECK_INT(e->text[EVIDENCE_HTTP_URL][900], '?');
	CHECK_INT(e->payload_len, sizeof(url));
	free(e);
}

/* ---- evidence_from_sample ---- */

#define HTTP_WINDOW                            \
	"POST /gate.php?id=7#top HTTP/1.1\r\n" \
	"Host: cc.example.com:8080\r\n"        \
	"User-Agent: Mozilla/4.0 (bot)\r\n"    \
	"Referer: http://r.example/p?q=2\r\n"  \
	"Content-Length: 0\r\n\r\n"

/* Field f of the sample is the first occurrence of s in its window. */
static void set_range(struct botsink_evidence *e, int f, const char *s)
{
	const char *at = strstr((const char *)e->window, s);

	CHECK(at != NULL);
	e->lo[f] = (__u16)(at - (const char *)e->window);
	e->hi[f] = (__u16)(e->lo[f] + strlen(s));
}

static void http_sample(struct botsink_evidence *e)
{
	memset(e, 0, sizeof(*e));
	e->protocol = IPPROTO_TCP;
	e->src_port = 40000;
	e->dst_port = 8080;
	e->flags = BOTSINK_EV_HTTP;
	memcpy(e->window, HTTP_WINDOW, sizeof(HTTP_WINDOW) - 1);
	e->window_len = sizeof(HTTP_WINDOW) - 1;
	e->payload_len = e->window_len;
	set_range(e, BOTSINK_EV_HTTP_METHOD, "POST");
	set_range(e, BOTSINK_EV_HTTP_URI, "/gate.php?id=7#top");
	set_range(e, BOTSINK_EV_HTTP_HOST, "cc.example.com:8080");
	set_range(e, BOTSINK_EV_HTTP_AGENT, "Mozilla/4.0 (bot)");
	set_range(e, BOTSINK_EV_HTTP_REFERER, "http://r.example/p?q=2");
}

static void test_from_sample_http(void)
{
	struct botsink_evidence *s = calloc(1, sizeof(*s));
	struct evidence *e;

	if (!s)
		return;
	http_sample(s);
	/* Not flagged DNS: the name is not read, whatever dns_len says. */
	memcpy(s->dns_name, "x.example", 9);
	s->dns_len = 9;
	e = evidence_from_sample(s, true);
	CHECK(e != NULL);
	if (e) {
		CHECK(e->has_src_port);
		CHECK_INT(e->src_port, 40000);
		CHECK_STR(e->text[EVIDENCE_HTTP_METHOD], "POST");
		CHECK_STR(e->text[EVIDENCE_HTTP_URL], "/gate.php?id=7#top");
		CHECK_STR(e->url_path, "/gate.php");
		CHECK_STR(e->text[EVIDENCE_HTTP_HOST], "cc.example.com:8080");
		CHECK_STR(e->text[EVIDENCE_HTTP_AGENT], "Mozilla/4.0 (bot)");
		CHECK_STR(e->text[EVIDENCE_HTTP_REFERER], "http://r.example/p?q=2");
		CHECK_STR(e->referer_path, "http://r.example/p");
		CHECK(e->text[EVIDENCE_DNS_QUERY] == NULL);
		CHECK_INT(e->payload_len, sizeof(HTTP_WINDOW) - 1);
		CHECK(e->payload && !memcmp(e->payload, HTTP_WINDOW, sizeof(HTTP_WINDOW) - 1));
		free(e);
	}

	/* keep_payload false: the fields, no payload. */
	e = evidence_from_sample(s, false);
	CHECK(e != NULL);
	if (e) {
		CHECK_STR(e->text[EVIDENCE_HTTP_METHOD], "POST");
		CHECK(e->payload == NULL);
		CHECK_INT(e->payload_len, 0);
		free(e);
	}

	/* Not flagged HTTP: no field, ranges or not; the payload still. */
	s->flags = 0;
	e = evidence_from_sample(s, true);
	CHECK(e != NULL);
	if (e) {
		for (int i = 0; i < EVIDENCE_TEXTS; i++)
			CHECK(e->text[i] == NULL);
		CHECK(e->url_path == NULL && e->referer_path == NULL);
		CHECK_INT(e->payload_len, sizeof(HTTP_WINDOW) - 1);
		free(e);
	}

	/* Hostile ranges: past window_len, empty, reversed; each alone ignored. */
	http_sample(s);
	s->hi[BOTSINK_EV_HTTP_METHOD] = (__u16)(s->window_len + 1); /* past the bytes */
	s->hi[BOTSINK_EV_HTTP_URI] = s->lo[BOTSINK_EV_HTTP_URI]; /* empty */
	s->lo[BOTSINK_EV_HTTP_HOST] = (__u16)(s->hi[BOTSINK_EV_HTTP_HOST] + 3); /* reversed */
	s->lo[BOTSINK_EV_HTTP_AGENT] = 0xffff;
	s->hi[BOTSINK_EV_HTTP_AGENT] = 0xffff;
	s->hi[BOTSINK_EV_HTTP_REFERER] = s->window_len; /* to the last byte: fine */
	e = evidence_from_sample(s, false);
	CHECK(e != NULL);
	if (e) {
		CHECK(e->text[EVIDENCE_HTTP_METHOD] == NULL);
		CHECK(e->text[EVIDENCE_HTTP_URL] == NULL && e->url_path == NULL);
		CHECK(e->text[EVIDENCE_HTTP_HOST] == NULL);
		CHECK(e->text[EVIDENCE_HTTP_AGENT] == NULL);
		CHECK_STR(e->text[EVIDENCE_HTTP_REFERER],
			  "http://r.example/p?q=2\r\nContent-Length: 0\r\n\r\n");
		CHECK_STR(e->referer_path, "http://r.example/p");
		free(e);
	}

	/* window_len past the window: clamped to it, for ranges and payload. */
	http_sample(s);
	memset(s->window, 'A', sizeof(s->window));
	s->window_len = 1000;
	s->lo[BOTSINK_EV_HTTP_METHOD] = 500;
	s->hi[BOTSINK_EV_HTTP_METHOD] = BOTSINK_WINDOW; /* the window's last byte: fine */
	s->lo[BOTSINK_EV_HTTP_URI] = 500;
	s->hi[BOTSINK_EV_HTTP_URI] = BOTSINK_WINDOW + 1; /* within window_len, past the window */
	e = evidence_from_sample(s, true);
	CHECK(e != NULL);
	if (e) {
		CHECK_STR(e->text[EVIDENCE_HTTP_METHOD], "AAAAAAAAAAAA");
		CHECK(e->text[EVIDENCE_HTTP_URL] == NULL);
		CHECK_INT(e->payload_len, EVIDENCE_PAYLOAD_MAX);
		free(e);
	}

	/* A payload longer than kept: its first 256 bytes. */
	http_sample(s);
	for (int i = 0; i < BOTSINK_WINDOW; i++)
		s->window[i] = (__u8)i;
	s->window_len = 300;
	s->flags = 0;
	e = evidence_from_sample(s, true);
	CHECK(e != NULL);
	if (e) {
		CHECK_INT(e->payload_len, 256);
		CHECK(e->payload && !memcmp(e->payload, s->window, 256));
		free(e);
	}
	/* And one of no bytes: none. */
	s->window_len = 0;
	e = evidence_from_sample(s, true);
	CHECK(e != NULL);
	if (e) {
		CHECK(e->payload == NULL);
		free(e);
	}
	free(s);
}

static void test_from_sample_dns(void)
{
	struct botsink_evidence *s = calloc(1, sizeof(*s));
	struct evidence *e;

	if (!s)
		return;
	s->protocol = IPPROTO_UDP;
	s->src_port = 53000;
	s->dst_port = 53;
	s->flags = BOTSINK_EV_DNS;
	s->dns_qtype = 1;
	memcpy(s->dns_name, "Update.Ex\0ample.ORG", 19);
	s->dns_len = 19;
	/* HTTP ranges, not flagged HTTP: ignored. */
	memcpy(s->window, "GET / HTTP/1.1\r\n", 16);
	s->window_len = 16;
	s->hi[BOTSINK_EV_HTTP_METHOD] = 3;
	e = evidence_from_sample(s, false);
	CHECK(e != NULL);
	if (e) {
		CHECK(e->has_src_port);
		CHECK_INT(e->src_port, 53000);
		CHECK_STR(e->text[EVIDENCE_DNS_QUERY], "Update.Ex" FFFD "ample.ORG");
		CHECK(e->text[EVIDENCE_HTTP_METHOD] == NULL);
		CHECK(e->payload == NULL);
		free(e);
	}

	/* dns_len 0: no name; the whole 256 bytes: all of it; 257 and 0xffff: none. */
	s->dns_len = 0;
	e = evidence_from_sample(s, false);
	CHECK(e && e->text[EVIDENCE_DNS_QUERY] == NULL);
	free(e);
	memset(s->dns_name, 'n', sizeof(s->dns_name));
	s->dns_len = 256;
	e = evidence_from_sample(s, false);
	CHECK(e && e->text[EVIDENCE_DNS_QUERY] && strlen(e->text[EVIDENCE_DNS_QUERY]) == 256);
	free(e);
	s->dns_len = 257;
	e = evidence_from_sample(s, false);
	CHECK(e && e->text[EVIDENCE_DNS_QUERY] == NULL);
	free(e);
	s->dns_len = 0xffff;
	e = evidence_from_sample(s, false);
	CHECK(e && e->text[EVIDENCE_DNS_QUERY] == NULL);
	free(e);

	/* Both flags: both kinds of field. */
	s->flags = BOTSINK_EV_DNS | BOTSINK_EV_HTTP;
	s->dns_len = 3;
	e = evidence_from_sample(s, false);
	CHECK(e != NULL);
	if (e) {
		CHECK_STR(e->text[EVIDENCE_DNS_QUERY], "nnn");
		CHECK_STR(e->text[EVIDENCE_HTTP_METHOD], "GET");
		free(e);
	}

	/* No port but TCP and UDP. */
	s->protocol = IPPROTO_ICMP;
	e = evidence_from_sample(s, false);
	CHECK(e && !e->has_src_port);
	free(e);
	free(s);
}

/* ---- the store ---- */

static void store_sample(struct botsink_evidence *s, int gen, unsigned int n, uint32_t sid,
			 const char *url)
{
	memset(s, 0, sizeof(*s));
	s->gen = (__u32)gen;
	s->sid = sid;
	/* 2001:db8::/32, n in the last four bytes. */
	s->src_addr[0] = 0x20;
	s->src_addr[1] = 0x01;
	s->src_addr[2] = 0x0d;
	s->src_addr[3] = 0xb8;
	s->src_addr[12] = (__u8)(n >> 24);
	s->src_addr[13] = (__u8)(n >> 16);
	s->src_addr[14] = (__u8)(n >> 8);
	s->src_addr[15] = (__u8)n;
	s->protocol = IPPROTO_TCP;
	s->src_port = (__u16)n;
	s->flags = BOTSINK_EV_HTTP;
	s->window_len =
		(__u16)snprintf((char *)s->window, sizeof(s->window), "GET %s HTTP/1.1\r\n", url);
	s->lo[BOTSINK_EV_HTTP_URI] = 4;
	s->hi[BOTSINK_EV_HTTP_URI] = (__u16)(4 + strlen(url));
}

static struct botsink_source_key key_of(const struct botsink_evidence *s)
{
	struct botsink_source_key k = { .sid = s->sid };

	memcpy(k.addr, s->src_addr, sizeof(k.addr));
	return k;
}

static const char *url_of(const struct evidence_store *st, int gen,
			  const struct botsink_evidence *s)
{
	struct botsink_source_key k = key_of(s);
	const struct evidence *e = evidence_store_find(st, gen, &k);

	return e ? e->text[EVIDENCE_HTTP_URL] : NULL;
}

static void test_store(void)
{
	struct botsink_evidence *s = calloc(1, sizeof(*s)), *t = calloc(1, sizeof(*t));
	struct botsink_source_key k;
	struct evidence_store *st;
	char err[128] = "";

	if (!s || !t)
		goto out;
	st = evidence_store_open(-1, true, err, sizeof(err));
	CHECK(st != NULL);
	CHECK_STR(err, "");
	if (!st)
		goto out;
	CHECK_INT(evidence_store_fd(st), -1);
	CHECK_INT(evidence_store_collect(st), 0);
	store_sample(s, 0, 1, 1000001, "/first");
	/* Nothing yet: found nowhere. */
	CHECK(url_of(st, 0, s) == NULL && url_of(st, 1, s) == NULL);
	CHECK_INT(evidence_store_count(st, 0), 0);

	CHECK_INT(evidence_store_add(st, s), 0);
	CHECK_STR(url_of(st, 0, s), "/first");
	CHECK(url_of(st, 1, s) == NULL);
	/* gen is read as gen & 1. */
	CHECK_STR(url_of(st, 2, s), "/first");
	/* The key's first sample stays. */
	store_sample(t, 0, 1, 1000001, "/second");
	CHECK_INT(evidence_store_add(st, t), 0);
	CHECK_STR(url_of(st, 0, s), "/first");
	CHECK_INT(evidence_store_count(st, 0), 1);
	/* The same key in the other generation: its own. */
	store_sample(t, 1, 1, 1000001, "/other-gen");
	CHECK_INT(evidence_store_add(st, t), 0);
	CHECK_STR(url_of(st, 1, s), "/other-gen");
	CHECK_STR(url_of(st, 0, s), "/first");
	CHECK_INT(evidence_store_count(st, 1), 1);
	/* Same address, another sid; same sid, another address: other keys. */
	store_sample(t, 0, 1, 1000002, "/other-sid");
	CHECK(url_of(st, 0, t) == NULL);
	CHECK_INT(evidence_store_add(st, t), 0);
	CHECK_STR(url_of(st, 0, t), "/other-sid");
	store_sample(t, 0, 2, 1000001, "/other-addr");
	CHECK(url_of(st, 0, t) == NULL);
	CHECK_INT(evidence_store_add(st, t), 0);
	CHECK_STR(url_of(st, 0, t), "/other-addr");
	CHECK_STR(url_of(st, 0, s), "/first");
	CHECK_INT(evidence_store_count(st, 0), 3);
	/* A sample of gen 2 goes to gen 0. */
	store_sample(t, 2, 3, 1000001, "/gen-two");
	CHECK_INT(evidence_store_add(st, t), 0);
	CHECK_STR(url_of(st, 0, t), "/gen-two");
	CHECK_INT(evidence_store_count(st, 0), 4);
	/* The payload is kept as the store says, from now on. */
	k = key_of(s);
	CHECK(evidence_store_find(st, 0, &k)->payload != NULL);
	evidence_store_keep_payload(st, false);
	store_sample(t, 1, 9, 0, "/no-payload");
	CHECK_INT(evidence_store_add(st, t), 0);
	k = key_of(t);
	CHECK(evidence_store_find(st, 1, &k) && evidence_store_find(st, 1, &k)->payload == NULL);
	CHECK_INT(evidence_store_count(st, 1), 2);

	/* Forget gen 0: gen 1 stays, gen 0 takes samples again. */
	evidence_store_forget(st, 0);
	CHECK_INT(evidence_store_count(st, 0), 0);
	CHECK(url_of(st, 0, s) == NULL);
	CHECK_STR(url_of(st, 1, s), "/other-gen");
	CHECK_INT(evidence_store_count(st, 1), 2);
	store_sample(t, 0, 1, 1000001, "/after");
	CHECK_INT(evidence_store_add(st, t), 0);
	CHECK_STR(url_of(st, 0, s), "/after");
	evidence_store_forget(st, 1);
	evidence_store_forget(st, 1); /* twice: nothing to do */
	CHECK(url_of(st, 1, s) == NULL);
	CHECK_STR(url_of(st, 0, s), "/after");
	evidence_store_close(st);
	evidence_store_close(NULL);
out:
	free(s);
	free(t);
}

#define MANY_KEYS 5000

/* Past the table's first 1,024 slots, many times over: every key found, with its own sample. */
/*
 * A generation's samples from before it last became the active one are a
 * stale interval's (left in the ring while none were read): dropped.
 */
static void test_store_since(void)
{
	struct botsink_evidence *s = calloc(1, sizeof(*s));
	struct evidence_store *st = evidence_store_open(-1, false, (char[128]){ 0 }, 128);

	if (!s || !st)
		goto out;
	evidence_store_since(st, 0, 5000);
	store_sample(s, 0, 1, 1000001, "/stale");
	s->time_ns = 4999;
	CHECK_INT(evidence_store_add(st, s), 0);
	CHECK_INT(evidence_store_count(st, 0), 0);
	/* The other generation has its own time. */
	s->gen = 1;
	CHECK_INT(evidence_store_add(st, s), 0);
	CHECK_INT(evidence_store_count(st, 1), 1);
	/* From the flip on: kept. */
	store_sample(s, 0, 1, 1000001, "/fresh");
	s->time_ns = 5000;
	CHECK_INT(evidence_store_add(st, s), 0);
	CHECK_STR(url_of(st, 0, s), "/fresh");
out:
	evidence_store_close(st);
	free(s);
}

static void test_store_growth(void)
{
	struct botsink_evidence *s = calloc(1, sizeof(*s));
	struct evidence_store *st;
	char err[128] = "", url[32];
	unsigned int missing = 0, wrong = 0;

	if (!s)
		return;
	st = evidence_store_open(-1, false, err, sizeof(err));
	CHECK(st != NULL);
	if (!st) {
		free(s);
		return;
	}
	for (unsigned int i = 0; i < MANY_KEYS; i++) {
		snprintf(url, sizeof(url), "/k/%u", i);
		/* Half the keys share an address, with another sid. */
		store_sample(s, 1, i / 2, 1000000 + i % 2, url);
		if (evidence_store_add(st, s))
			missing++;
	}
	CHECK_INT(missing, 0);
	CHECK_INT(evidence_store_count(st, 1), MANY_KEYS);
	CHECK_INT(evidence_store_count(st, 0), 0);
	for (unsigned int i = 0; i < MANY_KEYS; i++) {
		struct botsink_source_key k;
		const struct evidence *e;

		snprintf(url, sizeof(url), "/k/%u", i);
		store_sample(s, 1, i / 2, 1000000 + i % 2, url);
		k = key_of(s);
		e = evidence_store_find(st, 1, &k);
		if (!e) {
			missing++;
			continue;
		}
		if (strcmp(e->text[EVIDENCE_HTTP_URL], url) || e->src_port != (uint16_t)(i / 2))
			wrong++;
		if (evidence_store_find(st, 0, &k))
			wrong++;
	}
	CHECK_INT(missing, 0);
	CHECK_INT(wrong, 0);
	/* Adding them all again changes nothing. */
	for (unsigned int i = 0; i < MANY_KEYS; i++) {
		store_sample(s, 1, i / 2, 1000000 + i % 2, "/again");
		if (evidence_store_add(st, s))
			missing++;
	}
	CHECK_INT(missing, 0);
	CHECK_INT(evidence_store_count(st, 1), MANY_KEYS);
	store_sample(s, 1, 17, 1000001, "/again");
	CHECK_STR(url_of(st, 1, s), "/k/35");
	/* A key never added, among them all. */
	store_sample(s, 1, MANY_KEYS, 1000000, "/x");
	CHECK(url_of(st, 1, s) == NULL);
	evidence_store_forget(st, 1);
	CHECK_INT(evidence_store_count(st, 1), 0);
	store_sample(s, 1, 17, 1000001, "/x");
	CHECK(url_of(st, 1, s) == NULL);
	evidence_store_close(st);
	free(s);
}

/* ---- what a view shows ---- */

#define SRC4 "198.51.100.23"
#define DST4 "203.0.113.5"
#define SRC6 "2001:db8:a::5"
#define DST6 "2001:db8:5::10"

/* One sample's texts: NULL for a field not seen. */
struct sample_texts {
	const char *method, *url, *host, *agent, *referer, *dns;
	const char *payload;
};

static const struct sample_texts http = {
	"POST",
	"/gate.php?id=4f2a#top",
	"cc.example.com:8080",
	"Mozilla/4.0 (compatible; MSIE 6.0)",
	"http://r.example/a?b=c#d",
	"update.example.org",
	"POST /gate.php?id=4f2a HTTP/1.1\r\nHost: cc.example.com:8080\r\n",
};

static struct evidence *make_evidence(const struct sample_texts *t)
{
	struct evidence_part text[EVIDENCE_TEXTS] = {
		[EVIDENCE_HTTP_METHOD] = part(t->method),   [EVIDENCE_HTTP_URL] = part(t->url),
		[EVIDENCE_HTTP_HOST] = part(t->host),	    [EVIDENCE_HTTP_AGENT] = part(t->agent),
		[EVIDENCE_HTTP_REFERER] = part(t->referer), [EVIDENCE_DNS_QUERY] = part(t->dns),
	};

	return evidence_new(true, 49152, text, part(t->payload));
}

/* A view of one mode and level, its anonymizer, and a count from src to dst. */
struct view_case {
	struct feed_view v;
	struct anonymizer a;
	struct feed_count b;
	struct feed_record r;
};

static const uint8_t pfx_key[32] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
				     0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
				     0xa9, 0xf5, 0xba, 0x40, 0xdb, 0x5f, 0x56, 0x0e,
				     0x6c, 0x1c, 0x21, 0x32, 0x54, 0x13, 0x6e, 0x6d };

static void view_case_init(struct view_case *c, enum anon_mode mode, enum evidence_level level,
			   const char *src, const char *dst)
{
	char err[256] = "";

	memset(c, 0, sizeof(*c));
	c->v.name = "view";
	c->v.anon = mode;
	c->v.evidence = level;
	CHECK_INT(anon_init(&c->a, mode, mode == ANON_IPCRYPT_PFX ? pfx_key : NULL,
			    mode == ANON_IPCRYPT_PFX ? sizeof(pfx_key) : 0, 24, 48, err,
			    sizeof(err)),
		  0);
	CHECK_INT(addr_parse(src, &c->b.src.addr), 0);
	c->b.src.len = 128;
	CHECK_INT(addr_parse(dst, &c->b.rec.dst_ip), 0);
}

/* What the view shows of evidence e (r.ev), e freed by the caller. */
static const struct record_evidence *shown(struct view_case *c, const struct evidence *e)
{
	c->b.ev = e;
	/* Whatever was there before: the view's fields only. */
	memset(&c->r.ev, 0x5a, sizeof(c->r.ev));
	feed_view_evidence(&c->v, &c->a, &c->b, &c->r);
	return &c->r.ev;
}

/* The source as the view's anonymizer shows it. */
static const char *anon_src(struct view_case *c, char *buf)
{
	anon_format(&c->a, &c->b.src.addr, buf, ADDR_TEXT_LEN);
	return buf;
}

static void test_view_levels(void)
{
	static const enum anon_mode modes[] = { ANON_NONE, ANON_TRUNCATE, ANON_IPCRYPT_PFX };
	struct evidence *e = make_evidence(&http);
	const struct record_evidence zero = { 0 };

	CHECK(e != NULL);
	if (!e)
		return;
	/* Nothing of the source in this sample: every mode shows the same. */
	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		struct view_case c;
		const struct record_evidence *ev;

		view_case_init(&c, modes[m], EVIDENCE_NONE, SRC4, DST4);
		ev = shown(&c, e);
		CHECK(!memcmp(ev, &zero, sizeof(zero)));

		/* No evidence at any level: nothing. */
		c.v.evidence = EVIDENCE_FULL;
		c.b.ev = NULL;
		memset(&c.r.ev, 0x5a, sizeof(c.r.ev));
		feed_view_evidence(&c.v, &c.a, &c.b, &c.r);
		CHECK(!memcmp(&c.r.ev, &zero, sizeof(zero)));

		c.v.evidence = EVIDENCE_HOST;
		ev = shown(&c, e);
		CHECK(ev->has_src_port);
		CHECK_INT(ev->src_port, 49152);
		CHECK_STR(ev->http_method, "POST");
		CHECK_STR(ev->http_host, "cc.example.com:8080");
		CHECK_STR(ev->http_agent, "Mozilla/4.0 (compatible; MSIE 6.0)");
		CHECK_STR(ev->dns_query, "update.example.org");
		CHECK(ev->http_url == NULL);
		CHECK(ev->http_referer == NULL);
		CHECK(ev->payload == NULL);
		CHECK_INT(ev->payload_len, 0);

		c.v.evidence = EVIDENCE_PATH;
		ev = shown(&c, e);
		CHECK(ev->has_src_port);
		CHECK_STR(ev->http_method, "POST");
		CHECK_STR(ev->http_host, "cc.example.com:8080");
		CHECK_STR(ev->http_url, "/gate.php");
		CHECK_STR(ev->http_referer, "http://r.example/a");
		CHECK_STR(ev->dns_query, "update.example.org");
		CHECK(ev->payload == NULL);
		CHECK_INT(ev->payload_len, 0);

		c.v.evidence = EVIDENCE_FULL;
		ev = shown(&c, e);
		CHECK(ev->has_src_port);
		CHECK_INT(ev->src_port, 49152);
		CHECK_STR(ev->http_method, "POST");
		CHECK_STR(ev->http_host, "cc.example.com:8080");
		CHECK_STR(ev->http_agent, "Mozilla/4.0 (compatible; MSIE 6.0)");
		CHECK_STR(ev->http_url, "/gate.php?id=4f2a#top");
		CHECK_STR(ev->http_referer, "http://r.example/a?b=c#d");
		CHECK_STR(ev->dns_query, "update.example.org");
		CHECK_INT(ev->payload_len, strlen(http.payload));
		CHECK(ev->payload && !memcmp(ev->payload, http.payload, strlen(http.payload)));
		anon_free(&c.a);
	}
	free(e);

	/* No port known: none shown, at any level. */
	{
		struct evidence_part text[EVIDENCE_TEXTS] = { [EVIDENCE_DNS_QUERY] = part("a.b") };
		struct view_case c;

		e = evidence_new(false, 0, text, (struct evidence_part){ 0 });
		CHECK(e != NULL);
		view_case_init(&c, ANON_NONE, EVIDENCE_FULL, SRC4, DST4);
		CHECK(e && !shown(&c, e)->has_src_port);
		CHECK_STR(c.r.ev.dns_query, "a.b");
		CHECK(c.r.ev.payload == NULL && c.r.ev.http_url == NULL);
		anon_free(&c.a);
		free(e);
	}
}

/* The Host a view shows for a sample whose Host was `host`. */
static const char *host_shown(struct view_case *c, const char *host)
{
	struct sample_texts t = { .host = host };
	struct evidence *e = make_evidence(&t);
	static char out[128];

	CHECK(e != NULL);
	if (!e)
		return NULL;
	shown(c, e);
	snprintf(out, sizeof(out), "%s", c->r.ev.http_host ? c->r.ev.http_host : "(null)");
	free(e);
	return out;
}

static void test_view_host(void)
{
	struct view_case c;
	char anon[ADDR_TEXT_LEN], want[ADDR_TEXT_LEN + 16];

	/* Truncation, IPv4: the source and any other address as a source is shown. */
	view_case_init(&c, ANON_TRUNCATE, EVIDENCE_HOST, SRC4, DST4);
	CHECK_STR(host_shown(&c, SRC4), "198.51.100.0");
	CHECK_STR(host_shown(&c, SRC4 ":8080"), "198.51.100.0:8080");
	CHECK_STR(host_shown(&c, "[" SRC4 "]:8080"), "198.51.100.0:8080");
	/* IPv4-mapped, dotted or in hex (c633:6417 is 198.51.100.23): IPv4. */
	CHECK_STR(host_shown(&c, "::ffff:" SRC4), "198.51.100.0");
	CHECK_STR(host_shown(&c, "[::ffff:" SRC4 "]:80"), "198.51.100.0:80");
	CHECK_STR(host_shown(&c, "[::FFFF:C633:6417]:80"), "198.51.100.0:80");
	CHECK_STR(host_shown(&c, "::ffff:" DST4), "::ffff:" DST4);
	CHECK_STR(host_shown(&c, "192.0.2.77:81"), "192.0.2.0:81");
	/* A port too long to be one: left out with its address shown. */
	CHECK_STR(host_shown(&c, SRC4 ":1234567"), "198.51.100.0");
	/* The destination, and names, as they were. */
	CHECK_STR(host_shown(&c, DST4), DST4);
	CHECK_STR(host_shown(&c, DST4 ":80"), DST4 ":80");
	CHECK_STR(host_shown(&c, "cc.example.com"), "cc.example.com");
	CHECK_STR(host_shown(&c, "cc.example.com:8080"), "cc.example.com:8080");
	CHECK_STR(host_shown(&c, ""), "");
	CHECK_STR(host_shown(&c, "[]:80"), "[]:80");
	/* Not an address (no closing bracket), but it holds the source's: left out. */
	CHECK_STR(host_shown(&c, "[" SRC4), "(null)");
	CHECK_STR(host_shown(&c, "[192.0.2.1"), "[192.0.2.1");
	/* A name that spells the source's address holds it: left out. */
	CHECK_STR(host_shown(&c, SRC4 ".nip.io"), "(null)");
	CHECK_STR(host_shown(&c, "x." SRC4 ".sslip.io:443"), "(null)");
	CHECK_STR(host_shown(&c, SRC4 "."), "(null)");
	/* The destination with the source where its port goes: left out too. */
	CHECK_STR(host_shown(&c, DST4 ":" SRC4), "(null)");
	anon_free(&c.a);

	/* Truncation, IPv6: bracketed with a port. */
	view_case_init(&c, ANON_TRUNCATE, EVIDENCE_FULL, SRC6, DST6);
	CHECK_STR(host_shown(&c, "[" SRC6 "]:8080"), "[2001:db8:a::]:8080");
	CHECK_STR(host_shown(&c, "[" SRC6 "]"), "2001:db8:a::");
	CHECK_STR(host_shown(&c, SRC6), "2001:db8:a::");
	CHECK_STR(host_shown(&c, "[2001:DB8:A::5]:80"), "[2001:db8:a::]:80");
	CHECK_STR(host_shown(&c, "[2001:db8:a:0:0:0:0:5]"), "2001:db8:a::");
	CHECK_STR(host_shown(&c, "[" DST6 "]:80"), "[" DST6 "]:80");
	CHECK_STR(host_shown(&c, DST6), DST6);
	CHECK_STR(host_shown(&c, "cc.example.com"), "cc.example.com");
	anon_free(&c.a);

	/* ipcrypt-pfx: the source's pseudonym, as src_ip shows it. */
	view_case_init(&c, ANON_IPCRYPT_PFX, EVIDENCE_HOST, SRC4, DST4);
	anon_src(&c, anon);
	CHECK(strcmp(anon, SRC4) != 0);
	CHECK_STR(host_shown(&c, SRC4), anon);
	snprintf(want, sizeof(want), "%s:8080", anon);
	CHECK_STR(host_shown(&c, SRC4 ":8080"), want);
	CHECK_STR(host_shown(&c, DST4 ":8080"), DST4 ":8080");
	anon_free(&c.a);
	view_case_init(&c, ANON_IPCRYPT_PFX, EVIDENCE_HOST, SRC6, DST6);
	anon_src(&c, anon);
	CHECK(strcmp(anon, SRC6) != 0 && strchr(anon, ':') != NULL);
	snprintf(want, sizeof(want), "[%s]:8080", anon);
	CHECK_STR(host_shown(&c, "[" SRC6 "]:8080"), want);
	CHECK_STR(host_shown(&c, SRC6), anon);
	anon_free(&c.a);

	/* Raw: every Host as sent. */
	view_case_init(&c, ANON_NONE, EVIDENCE_HOST, SRC4, DST4);
	CHECK_STR(host_shown(&c, SRC4 ":8080"), SRC4 ":8080");
	CHECK_STR(host_shown(&c, SRC4 ".nip.io"), SRC4 ".nip.io");
	anon_free(&c.a);
}

/* What a view of `mode` at level full shows of t from src (*e: the evidence, to free). */
static const struct record_evidence *anon_full(struct view_case *c, struct evidence **e,
					       enum anon_mode mode, const char *src,
					       const struct sample_texts *t)
{
	view_case_init(c, mode, EVIDENCE_FULL, src, strchr(src, ':') ? DST6 : DST4);
	*e = make_evidence(t);
	CHECK(*e != NULL);
	return *e ? shown(c, *e) : &c->r.ev;
}

static void test_view_hides_source(void)
{
	static const enum anon_mode modes[] = { ANON_TRUNCATE, ANON_IPCRYPT_PFX };
	struct sample_texts leak4 = {
		.method = "GET",
		.url = "/gate.php?ip=" SRC4,
		.host = "cc.example.com",
		.agent = "bot on " SRC4,
		.referer = "http://" SRC4 "/",
		.dns = SRC4 ".nip.io",
		.payload = "GET /gate.php?ip=198.51.100.23 HTTP/1.1\r\n",
	};
	struct sample_texts leak6 = {
		.method = "GET",
		.url = "/a/2001:DB8:A::5/b",
		.host = "cc.example.com",
		.agent = "Bot 2001:Db8:a::5",
		.referer = "http://[2001:db8:a::5]/",
		.dns = "2001:DB8:A::5.example",
		.payload = "HELLO FROM 2001:DB8:A::5\r\n",
	};
	static const char *const client_payloads[] = {
		"GET / HTTP/1.1\r\nX-Forwarded-For: 10.1.2.3\r\n\r\n",
		"GET / HTTP/1.1\r\nx-real-ip: 10.1.2.3\r\n\r\n",
		"GET / HTTP/1.1\r\nFORWARDED: for=10.1.2.3\r\n\r\n",
	};
	const struct record_evidence *ev;
	struct view_case c;
	struct evidence *e;

	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		/* Every field holding the source's text: left out; the others as sent. */
		ev = anon_full(&c, &e, modes[m], SRC4, &leak4);
		CHECK_STR(ev->http_method, "GET");
		CHECK_STR(ev->http_host, "cc.example.com");
		CHECK(ev->http_url == NULL);
		CHECK(ev->http_agent == NULL);
		CHECK(ev->http_referer == NULL);
		CHECK(ev->dns_query == NULL);
		CHECK(ev->payload == NULL);
		CHECK_INT(ev->payload_len, 0);
		CHECK(ev->has_src_port);
		/* At path, the URL without its query no longer holds it. */
		c.v.evidence = EVIDENCE_PATH;
		ev = shown(&c, e);
		CHECK_STR(ev->http_url, "/gate.php");
		CHECK(ev->http_referer == NULL);
		free(e);
		anon_free(&c.a);

		/* IPv6, in any case. */
		ev = anon_full(&c, &e, modes[m], SRC6, &leak6);
		CHECK_STR(ev->http_method, "GET");
		CHECK_STR(ev->http_host, "cc.example.com");
		CHECK(ev->http_url == NULL);
		CHECK(ev->http_agent == NULL);
		CHECK(ev->http_referer == NULL);
		CHECK(ev->dns_query == NULL);
		CHECK(ev->payload == NULL);
		free(e);
		anon_free(&c.a);

		/* A payload naming a client, any header case: left out; else kept. */
		for (size_t i = 0; i < ARRAY_SIZE(client_payloads); i++) {
			struct sample_texts t = { .url = "/", .payload = client_payloads[i] };

			ev = anon_full(&c, &e, modes[m], SRC4, &t);
			CHECK(ev->payload == NULL);
			CHECK_STR(ev->http_url, "/");
			free(e);
			anon_free(&c.a);
		}
		{
			struct sample_texts t = { .payload = "GET /forwarded HTTP/1.1\r\n"
							     "Host: 203.0.113.5\r\n\r\n" };

			ev = anon_full(&c, &e, modes[m], SRC4, &t);
			CHECK_INT(ev->payload_len, strlen(t.payload));
			CHECK(ev->payload != NULL);
			free(e);
			anon_free(&c.a);
		}
		/* Other spellings of the source's address: left out too. */
		{
			static const char *const spellings4[] = {
				"/?ip=3325256727",	  "/?ip=0xc6336417",
				"/?ip=0306.063.0144.027", "/?ip=198.51.25623",
				"/?ip=::ffff:c633:6417",  "/?ip=::FFFF:C633:6417.",
			};

			for (size_t i = 0; i < ARRAY_SIZE(spellings4); i++) {
				struct sample_texts t = { .url = spellings4[i],
							  .agent = "bot/1",
							  .payload = spellings4[i] };

				ev = anon_full(&c, &e, modes[m], SRC4, &t);
				CHECK(ev->http_url == NULL);
				CHECK(ev->payload == NULL);
				CHECK_STR(ev->http_agent, "bot/1");
				free(e);
				anon_free(&c.a);
			}
		}
		{
			struct sample_texts t = {
				.url = "/a/2001:0DB8:000a:0000:0000:0000:0000:0005/b",
				.agent = "bot 2001:db8:a:0:0:0:0:5.",
				.referer = "http://[2001:db8:a::6]/"
			};

			ev = anon_full(&c, &e, modes[m], SRC6, &t);
			CHECK(ev->http_url == NULL);
			CHECK(ev->http_agent == NULL);
			CHECK_STR(ev->http_referer, "http://[2001:db8:a::6]/");
			free(e);
			anon_free(&c.a);
		}
		/* Another address in the texts: kept. */
		{
			struct sample_texts t = { .url = "/?ip=192.0.2.1",
						  .agent = "198.51.100.2" };

			ev = anon_full(&c, &e, modes[m], SRC4, &t);
			CHECK_STR(ev->http_url, "/?ip=192.0.2.1");
			CHECK_STR(ev->http_agent, "198.51.100.2");
			free(e);
			anon_free(&c.a);
		}
	}

	/* Raw: everything as sent, source and client headers included. */
	view_case_init(&c, ANON_NONE, EVIDENCE_FULL, SRC4, DST4);
	e = make_evidence(&leak4);
	CHECK(e != NULL);
	if (e) {
		ev = shown(&c, e);
		CHECK_STR(ev->http_url, leak4.url);
		CHECK_STR(ev->http_agent, leak4.agent);
		CHECK_STR(ev->http_referer, leak4.referer);
		CHECK_STR(ev->dns_query, leak4.dns);
		CHECK_INT(ev->payload_len, strlen(leak4.payload));
		free(e);
	}
	{
		struct sample_texts t = { .host = SRC4 ":80", .payload = client_payloads[0] };

		e = make_evidence(&t);
		CHECK(e != NULL);
		if (e) {
			ev = shown(&c, e);
			CHECK_STR(ev->http_host, SRC4 ":80");
			CHECK_INT(ev->payload_len, strlen(client_payloads[0]));
			free(e);
		}
	}
	anon_free(&c.a);
	e = make_evidence(&leak6);
	view_case_init(&c, ANON_NONE, EVIDENCE_FULL, SRC6, DST6);
	if (e) {
		ev = shown(&c, e);
		CHECK_STR(ev->http_url, leak6.url);
		CHECK_STR(ev->dns_query, leak6.dns);
		CHECK(ev->payload != NULL);
		free(e);
	}
	anon_free(&c.a);
}

/* ---- through feed_write_epoch: the store's sample of each count's key ---- */


#define T0 1795732289
#define END_MONO_NS 5000000000ULL

static void count_of(struct botsink_source_count *sc, const char *src, uint32_t sid, uint32_t kind)
{
	struct in6_addr a;

	memset(sc, 0, sizeof(*sc));
	addr_parse(src, &a);
	memcpy(sc->key.addr, &a, sizeof(sc->key.addr));
	sc->key.sid = sid;
	sc->kind = kind;
	sc->total.packets = 3;
	sc->total.bytes = 300;
	sc->total.checkins = 1;
	sc->total.first_seen_ns = END_MONO_NS - 900000000ULL;
	sc->total.last_seen_ns = END_MONO_NS - 100000000ULL;
	sc->total.protocol = IPPROTO_UDP;
	sc->total.dst_port = 8080;
	addr_parse(DST4, &a);
	memcpy(sc->total.dst_addr, &a, sizeof(sc->total.dst_addr));
}

/* The JSON string (or null) of key k on line i of a view's output. */
static char *json_field(const struct strbuf *out, int line, const char *k)
{
	const char *p = out->buf;
	json_t *o, *v;
	char *s;

	for (int i = 0; p && i < line; i++) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (!p || !*p)
		return strdup("(no line)");
	o = json_loadb(p, (size_t)(strchr(p, '\n') - p), 0, NULL);
	v = json_object_get(o, k);
	s = strdup(!v		      ? "(no key)" :
		   json_is_null(v)    ? "null" :
		   json_is_string(v)  ? json_string_value(v) :
		   json_is_integer(v) ? "(integer)" :
					"(other)");
	json_decref(o);
	return s;
}

#define CHECK_JSON(out, line, k, want)               \
	do {                                         \
		char *_s = json_field(out, line, k); \
		CHECK_STR(_s, want);                 \
		free(_s);                            \
	} while (0)

static void test_feed_epoch(void)
{
	struct botsink_source_count items[3];
	struct botsink_evidence *s = calloc(1, sizeof(*s));
	struct evidence_store *st = evidence_store_open(-1, true, (char[128]){ 0 }, 128);
	struct drain_result d = { .items = items, .n = 3, .evidence = st, .gen = 1 };
	struct epoch ep = { .incarnation = 1, .number = 2, .end = { T0, 0 } };
	struct mem_sink sinks[3];
	struct feed_target t[3];
	struct feed_view views[3];
	static const enum anon_mode modes[3] = { ANON_NONE, ANON_TRUNCATE, ANON_TRUNCATE };
	static const enum evidence_level levels[3] = { EVIDENCE_FULL, EVIDENCE_FULL,
						       EVIDENCE_NONE };
	char err[256] = "";
	struct feed f;

	CHECK(s && st);
	if (!s || !st)
		goto free;
	ep.end_mono_ns = END_MONO_NS;
	count_of(&items[0], SRC4, 1000001, BOTSINK_KIND_SOURCES);
	count_of(&items[1], "198.51.100.24", 1000001, BOTSINK_KIND_SOURCES); /* no sample */
	count_of(&items[2], "198.51.100.0", 1000001, BOTSINK_KIND_OVERFLOW); /* none ever */
	/* The sample of items[0], and samples of other keys and of the other generation. */
	store_sample(s, 1, 0, 1000001, "/gate?from=" SRC4);
	memcpy(s->src_addr, items[0].key.addr, 16);
	s->src_port = 4444;
	CHECK_INT(evidence_store_add(st, s), 0);
	store_sample(s, 0, 0, 1000001, "/other-generation");
	memcpy(s->src_addr, items[1].key.addr, 16);
	CHECK_INT(evidence_store_add(st, s), 0);
	store_sample(s, 1, 0, 1000002, "/other-sid");
	memcpy(s->src_addr, items[1].key.addr, 16);
	CHECK_INT(evidence_store_add(st, s), 0);
	store_sample(s, 1, 0, 1000001, "/aggregate");
	memcpy(s->src_addr, items[2].key.addr, 16);
	CHECK_INT(evidence_store_add(st, s), 0);

	feed_init(&f, NULL, 24, 48, "lab-1");
	for (int k = 0; k < 3; k++) {
		CHECK_INT(feed_view_init(&views[k], &f, "feed", NULL, modes[k], NULL, FORMAT_JSONL,
					 false, err, sizeof(err)),
			  0);
		views[k].evidence = levels[k];
		memset(&sinks[k], 0, sizeof(sinks[k]));
		sinks[k].s.ops = &mem_ops;
		sinks[k].s.name = "feed";
		t[k] = (struct feed_target){ .view = &views[k], .sink = &sinks[k].s };
	}
	CHECK_INT(feed_write_epoch(&f, &ep, &d, t, 3), 0);
	for (int k = 0; k < 3; k++)
		CHECK_INT(count_lines(sinks[k].out.buf ? sinks[k].out.buf : ""), 3);
	/* Raw, full: the sample of its key and generation only. */
	CHECK_JSON(&sinks[0].out, 0, "src_ip", SRC4);
	CHECK_JSON(&sinks[0].out, 0, "http_url", "/gate?from=" SRC4);
	CHECK_JSON(&sinks[0].out, 0, "src_port", "(integer)");
	CHECK_JSON(&sinks[0].out, 1, "http_url", "null");
	CHECK_JSON(&sinks[0].out, 1, "src_port", "null");
	CHECK_JSON(&sinks[0].out, 2, "http_url", "null");
	/* Anonymized: the URL held the source. */
	CHECK_JSON(&sinks[1].out, 0, "src_ip", "198.51.100.0");
	CHECK_JSON(&sinks[1].out, 0, "http_url", "null");
	CHECK_JSON(&sinks[1].out, 0, "src_port", "(integer)");
	CHECK(!strstr(sinks[1].out.buf, SRC4));
	/* None: nothing. */
	CHECK_JSON(&sinks[2].out, 0, "http_url", "null");
	CHECK_JSON(&sinks[2].out, 0, "src_port", "null");
	for (int k = 0; k < 3; k++) {
		feed_view_free(&views[k]);
		sb_free(&sinks[k].out);
	}
	feed_free(&f);
free:
	evidence_store_close(st);
	free(s);
}

int main(void)
{
	static const unit_fn tests[] = {
		test_new,	test_new_all_nul,	test_from_sample_http, test_from_sample_dns,
		test_store,	test_store_since,	test_store_growth,     test_view_levels,
		test_view_host, test_view_hides_source, test_feed_epoch,       NULL,
	};

	return unit_run("test_evidence", NULL, NULL, tests, NULL);
}
