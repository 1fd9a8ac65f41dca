// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Evidence as a view shows it. Bots put computer names, user names and bot
 * ids in URLs and payloads, so a view shows only what its level allows;
 * and an anonymized view never shows the source's address inside them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
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

/* The text, unless it holds the source's address (IPv6 hex in either case). */
static const char *unless_source(const char *text, const char *source, bool v4)
{
	if (!text)
		return NULL;
	return (v4 ? strstr(text, source) : strcasestr(text, source)) ? NULL : text;
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
			     struct feed_record *r, const char *host, const char *source, bool v4)
{
	struct in6_addr addr;
	char shown[ADDR_TEXT_LEN + 4];
	const char *port;

	if (!host_address(host, &addr, &port) || !memcmp(&addr, &b->rec.dst_ip, sizeof(addr)))
		return unless_source(host, source, v4);
	anon_format(a, &addr, shown, sizeof(shown));
	/* A port is ':' and up to 5 digits; anything else after the address is left out. */
	if (strlen(port) > 6 ||
	    (*port && (port[0] != ':' || strspn(port + 1, "0123456789") != strlen(port + 1))))
		port = "";
	snprintf(r->ev_host, sizeof(r->ev_host), strchr(shown, ':') && *port ? "[%s]%s" : "%s%s",
		 shown, port);
	return r->ev_host;
}

static bool payload_names_client(const uint8_t *p, size_t len, const char *source)
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
	if (memmem(lower, len, source, strlen(source)))
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
	bool v4 = addr_is_v4(&b->src.addr);
	char source[ADDR_TEXT_LEN];

	addr_format(&b->src.addr, source, sizeof(source));
	ev->http_method = unless_source(ev->http_method, source, v4);
	ev->http_url = unless_source(ev->http_url, source, v4);
	ev->http_agent = unless_source(ev->http_agent, source, v4);
	ev->http_referer = unless_source(ev->http_referer, source, v4);
	ev->dns_query = unless_source(ev->dns_query, source, v4);
	if (ev->http_host)
		ev->http_host = view_host(a, b, r, ev->http_host, source, v4);
	if (ev->payload && payload_names_client(ev->payload, ev->payload_len, source)) {
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
