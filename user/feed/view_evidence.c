// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Evidence as a view shows it. Bots put computer names, user names and bot
 * ids in URLs and payloads, so a view shows only what its level allows;
 * and an anonymized view never shows the source's address inside them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "feed/feed.h"

/* Headers by which a payload may name a client's address, other than the source's own. */
static const char *const client_headers[] = { "x-forwarded-for", "x-real-ip", "forwarded:" };

/* The address a Host value names (an IP literal, port and brackets aside), and where its port starts. */
static bool host_address(const char *host, struct in6_addr *addr, const char **port)
{
	char text[ADDR_TEXT_LEN + 1];
	const char *end;
	size_t n;

	*port = "";
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (!end)
			return false;
		*port = end + 1;
		host++;
	} else {
		end = strchr(host, ':');
		/* Two colons: an IPv6 literal without brackets, no port. */
		if (end && strchr(end + 1, ':'))
			end = NULL;
		if (end)
			*port = end;
		else
			end = host + strlen(host);
	}
	n = (size_t)(end - host);
	if (!n || n > ADDR_TEXT_LEN)
		return false;
	memcpy(text, host, n);
	text[n] = '\0';
	/* IPv4-mapped IPv6 too ("::ffff:c633:6417"), which addr_parse refuses: an IPv4 address. */
	return !addr_parse(text, addr) || inet_pton(AF_INET6, text, addr) == 1;
}

/* The source a view hides: its address, as text, and its family. */
struct source_id {
	struct in6_addr addr;
	char text[ADDR_TEXT_LEN];
	bool v4;
};

/* Characters an address may be written with, in any of the forms parsed below. */
static bool address_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	       c == '.' || c == ':' || c == 'x' || c == 'X';
}

/*
 * Is this run of address characters the source, in any spelling the
 * parsers take? Only runs that can be an address are parsed: with a ':'
 * (IPv6), else, for an IPv4 source, starting with a digit and dotted, or
 * 8 digits and more (1.0.0.0 is 16777216), or hex ("0x..."): a word's
 * few hex letters, a version number's digits cost a look, not a parse.
 */
static bool token_is_source(const char *p, size_t n, const struct source_id *src)
{
	char tok[48];
	struct in6_addr a6;
	struct in_addr a4;
	bool hex;

	while (n && (p[n - 1] == '.' || p[n - 1] == ':'))
		n--; /* a sentence's full stop, a port's colon */
	if (n < 2 || n >= sizeof(tok))
		return false;
	memcpy(tok, p, n);
	tok[n] = '\0';
	if (memchr(tok, ':', n))
		return inet_pton(AF_INET6, tok, &a6) == 1 && !memcmp(&a6, &src->addr, sizeof(a6));
	hex = tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X');
	if (!src->v4 || tok[0] < '0' || tok[0] > '9' || (!memchr(tok, '.', n) && n < 8 && !hex))
		return false;
	if (!inet_aton(tok, &a4))
		return false;
	addr_from_v4(&a6, a4.s_addr);
	return !memcmp(&a6, &src->addr, sizeof(a6));
}

/*
 * Does the text hold the source's address: as written for the record (IPv6
 * hex in either case), or in another spelling of it, each run of address
 * characters parsed?
 */
static bool names_source(const char *p, size_t len, const struct source_id *src)
{
	size_t n = strlen(src->text);

	if (src->v4 && memmem(p, len, src->text, n))
		return true;
	for (size_t i = 0; !src->v4 && i + n <= len; i++)
		if (!strncasecmp(p + i, src->text, n))
			return true;
	for (size_t i = 0; i < len;) {
		size_t j = i;

		while (j < len && address_char((unsigned char)p[j]))
			j++;
		if (j > i && token_is_source(p + i, j - i, src))
			return true;
		i = j + 1;
	}
	return false;
}

/* The text, unless it holds the source's address. */
static const char *unless_source(const char *text, const struct source_id *src)
{
	return text && names_source(text, strlen(text), src) ? NULL : text;
}

/* ASCII A-Z to a-z in eight bytes at once, others unchanged. */
static uint64_t lower64(uint64_t x)
{
	uint64_t heptets = x & 0x7f7f7f7f7f7f7f7fULL;
	uint64_t from_a = heptets + 0x3f3f3f3f3f3f3f3fULL; /* high bit: byte >= 'A' */
	uint64_t past_z = heptets + 0x2525252525252525ULL; /* high bit: byte > 'Z' */

	return x | ((from_a & ~past_z & ~x & 0x8080808080808080ULL) >> 2);
}

/*
 * A Host as the anonymized view shows it: an address other than the
 * destination, as a source; else as sent, unless it holds the source's
 * address all the same (a name such as "198.51.100.23.nip.io", or after
 * the destination: "203.0.113.5:198.51.100.23").
 */
static const char *view_host(const struct anonymizer *a, const struct feed_count *b,
			     struct feed_record *r, const char *host, const struct source_id *src)
{
	struct in6_addr addr;
	char shown[ADDR_TEXT_LEN + 4];
	const char *port;

	if (!host_address(host, &addr, &port) || !memcmp(&addr, &b->rec.dst_ip, sizeof(addr)))
		return unless_source(host, src);
	anon_format(a, &addr, shown, sizeof(shown));
	/* A port is ':' and up to 5 digits; anything else after the address is left out. */
	if (strlen(port) > 6 ||
	    (*port && (port[0] != ':' || strspn(port + 1, "0123456789") != strlen(port + 1))))
		port = "";
	snprintf(r->ev_host, sizeof(r->ev_host), strchr(shown, ':') && *port ? "[%s]%s" : "%s%s",
		 shown, port);
	return r->ev_host;
}

static bool payload_names_client(const uint8_t *p, size_t len, const struct source_id *src)
{
	char lower[EVIDENCE_PAYLOAD_MAX];

	if (len > sizeof(lower))
		len = sizeof(lower);
	memcpy(lower, p, len);
	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, lower + i, 8);
		w = lower64(w);
		memcpy(lower + i, &w, 8);
	}
	for (size_t i = len & ~(size_t)7; i < len; i++)
		lower[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
	if (names_source(lower, len, src))
		return true;
	for (size_t i = 0; i < sizeof(client_headers) / sizeof(client_headers[0]); i++)
		if (memmem(lower, len, client_headers[i], strlen(client_headers[i])))
			return true;
	return false;
}

/* Anonymized: the source's address is nowhere in what the view shows. */
static void hide_source(const struct anonymizer *a, const struct feed_count *b,
			struct feed_record *r)
{
	struct record_evidence *ev = &r->ev;
	struct source_id src = { .addr = b->src.addr, .v4 = addr_is_v4(&b->src.addr) };

	addr_format(&b->src.addr, src.text, sizeof(src.text));
	ev->http_method = unless_source(ev->http_method, &src);
	ev->http_url = unless_source(ev->http_url, &src);
	ev->http_agent = unless_source(ev->http_agent, &src);
	ev->http_referer = unless_source(ev->http_referer, &src);
	ev->dns_query = unless_source(ev->dns_query, &src);
	if (ev->http_host)
		ev->http_host = view_host(a, b, r, ev->http_host, &src);
	if (ev->payload && payload_names_client(ev->payload, ev->payload_len, &src)) {
		ev->payload = NULL;
		ev->payload_len = 0;
	}
}

void feed_view_evidence(const struct feed_view *v, const struct anonymizer *a,
			const struct feed_count *b, struct feed_record *r)
{
	const struct evidence *e = b->ev;
	struct record_evidence *ev = &r->ev;

	memset(ev, 0, sizeof(*ev));
	if (!e || v->evidence == EVIDENCE_NONE)
		return;
	ev->has_src_port = e->has_src_port;
	ev->src_port = e->src_port;
	ev->http_method = e->text[EVIDENCE_HTTP_METHOD];
	ev->http_host = e->text[EVIDENCE_HTTP_HOST];
	ev->http_agent = e->text[EVIDENCE_HTTP_AGENT];
	ev->dns_query = e->text[EVIDENCE_DNS_QUERY];
	if (v->evidence >= EVIDENCE_PATH) {
		ev->http_url = e->url_path;
		ev->http_referer = e->referer_path;
	}
	if (v->evidence >= EVIDENCE_FULL) {
		ev->http_url = e->text[EVIDENCE_HTTP_URL];
		ev->http_referer = e->text[EVIDENCE_HTTP_REFERER];
		ev->payload = e->payload;
		ev->payload_len = e->payload_len;
	}
	if (v->anon != ANON_NONE)
		hide_source(a, b, r);
}
