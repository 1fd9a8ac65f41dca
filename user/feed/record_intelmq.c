// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The intelmq format: one event per line in IntelMQ's data format
 * ("harmonization"), flat keys ("source.ip", "extra.count") as IntelMQ's
 * own JSON output writes them. IntelMQ has no nulls: a key without a value
 * is left out.
 *
 * source.ip only ever holds a real address: IntelMQ's experts look it up
 * (ASN, abuse contact) and would notify the wrong network for a pseudonym.
 * A pseudonym goes to extra.source_pseudonym, a truncated network or an
 * aggregate's prefix to source.network.
 *
 * Classification (what IntelMQ's Shadowserver parser does for the sinkhole
 * reports, and its "undetermined" where nothing is proven):
 *   a rule matched            malicious-code / infected-system / the family
 *   a DNS hit (dns_qtype)     other / other / sinkholedns: its source is a
 *                             resolver asking for a client, not the client
 *   unclassified, catch-all   other / undetermined / unclassified, catch-all
 *
 * The evidence (what the bot sent) goes where IntelMQ's Shadowserver
 * parser puts the Sinkhole HTTP Events columns: the request's host and
 * path in destination.*, the User-Agent in extra.user_agent.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include "feed/record.h"

/* IntelMQ's DateTime: "2026-11-26T22:31:29+00:00", whole seconds. */
static void im_time(struct json_writer *jw, struct json_key key, const struct timespec *ts)
{
	char text[40];

	if (!record_time_known(ts))
		return;
	format_utc_seconds(ts, 'T', "+00:00", text, sizeof(text));
	jw_str_plain(jw, key, text);
}

/* A string with ASCII letters in lower case, as IntelMQ wants identifiers. */
static void im_lower(struct json_writer *jw, struct json_key key, const char *value)
{
	struct strbuf *sb = jw->sb;
	size_t start;

	jw_key(jw, key);
	start = sb->len;
	json_put_string(sb, value);
	if (sb->oom)
		return;
	/* Escapes are lower case already; UTF-8 bytes are all above 0x7f. */
	for (size_t i = start; i < sb->len; i++)
		if (sb->buf[i] >= 'A' && sb->buf[i] <= 'Z')
			sb->buf[i] = (char)(sb->buf[i] - 'A' + 'a');
}

/* malware.name must match ^[ -~]+$ and IntelMQ strips its ends. */
static bool malware_name_valid(const char *s)
{
	size_t len = strlen(s);

	if (!len || s[0] == ' ' || s[len - 1] == ' ')
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < ' ' || s[i] > '~')
			return false;
	return true;
}

/* The three classification keys; identifier NULL: the family's name. */
static void im_classes(struct json_writer *jw, const struct feed_record *r, const char *taxonomy,
		       const char *type, const char *identifier)
{
	jw_str_plain(jw, JW_KEY("classification.taxonomy"), taxonomy);
	jw_str_plain(jw, JW_KEY("classification.type"), type);
	if (identifier)
		jw_str_plain(jw, JW_KEY("classification.identifier"), identifier);
	else
		im_lower(jw, JW_KEY("classification.identifier"), r->family);
}

static void intelmq_classification(const struct feed_record *r, struct json_writer *jw)
{
	if (!record_rule_matched(r)) {
		im_classes(jw, r, "other", "undetermined",
			   r->any_sid ? "catch-all" : "unclassified");
		return;
	}
	if (r->dns_qtype)
		im_classes(jw, r, "other", "other", "sinkholedns");
	else
		im_classes(jw, r, "malicious-code", "infected-system", NULL);
	if (malware_name_valid(r->family))
		im_lower(jw, JW_KEY("malware.name"), r->family);
}

/* A prefix IntelMQ can take: never a /0, which every expert would match. */
static bool network_usable(const char *s)
{
	size_t len = strlen(s);

	return len && !(len >= 2 && !strcmp(s + len - 2, "/0"));
}

/* ISO 3166 alpha-2 as IntelMQ takes it: two letters or digits, upper case. */
static void im_country(struct json_writer *jw, const char *geo)
{
	char cc[3] = { 0 };

	if (!geo || strlen(geo) != 2)
		return;
	for (int i = 0; i < 2; i++) {
		if (!isalnum((unsigned char)geo[i]))
			return;
		cc[i] = (char)toupper((unsigned char)geo[i]);
	}
	jw_str_plain(jw, JW_KEY("source.geolocation.cc"), cc);
}

static void intelmq_source(const struct feed_record *r, struct json_writer *jw)
{
	if (r->src_is_raw && !r->overflow) {
		jw_str_opt(jw, JW_KEY("source.ip"), r->src_ip);
	} else if (r->src_is_raw) {
		if (network_usable(r->src_ip))
			jw_str_opt(jw, JW_KEY("source.network"), r->src_ip);
	}
	if (!(r->src_is_raw && r->overflow) && network_usable(r->src_network))
		jw_str_opt(jw, JW_KEY("source.network"), r->src_network);
	if (r->ev.has_src_port)
		jw_u64(jw, JW_KEY("source.port"), r->ev.src_port);
	if (r->src_asn)
		jw_u64(jw, JW_KEY("source.asn"), r->src_asn);
	jw_str_opt(jw, JW_KEY("source.as_name"), r->src_as_name);
	im_country(jw, r->src_geo);
}

#define FQDN_MAX 253

static bool ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/*
 * A host name as IntelMQ's FQDN takes it, in lower case into out: labels
 * of 1 to 63 letters, digits and hyphens (none at a label's ends), 253 in
 * all, a trailing dot dropped; the last label not all digits, so never an
 * IPv4 address. len: the name's bytes at s.
 */
static bool fqdn_lower(const char *s, size_t len, char out[FQDN_MAX + 1])
{
	size_t label = 0;
	bool digits = true;

	if (len && s[len - 1] == '.')
		len--;
	if (!len || len > FQDN_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (!label || s[i - 1] == '-')
				return false;
			label = 0;
			digits = true;
		} else if (!ldh(c) || (c == '-' && !label) || ++label > 63) {
			return false;
		} else if (c < '0' || c > '9') {
			digits = false;
		}
		out[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	out[len] = '\0';
	return !digits && s[len - 1] != '-';
}

/* A Host header's name as a FQDN: its port (":" and digits) left out; no IP literal. */
static bool host_fqdn(const char *host, char out[FQDN_MAX + 1])
{
	size_t len = strcspn(host, ":");
	const char *port = host + len;

	if (*port && port[1 + strspn(port + 1, "0123456789")])
		return false;
	return fqdn_lower(host, len, out);
}

/* destination.fqdn: the Host header's name, else the DNS question's. */
static void im_fqdn(struct json_writer *jw, const struct record_evidence *ev)
{
	char name[FQDN_MAX + 1];

	if ((ev->http_host && host_fqdn(ev->http_host, name)) ||
	    (ev->dns_query && fqdn_lower(ev->dns_query, strlen(ev->dns_query), name)))
		jw_str_plain(jw, JW_KEY("destination.fqdn"), name);
}

/* "[IPv6]" at the start of host: the rest after it, or NULL. */
static const char *url_ipv6_literal(const char *host)
{
	const char *end = strchr(host, ']');
	char text[INET6_ADDRSTRLEN];
	struct in6_addr a;
	size_t n;

	if (host[0] != '[' || !end)
		return NULL;
	n = (size_t)(end - host - 1);
	if (n >= sizeof(text))
		return NULL;
	memcpy(text, host + 1, n);
	text[n] = '\0';
	return inet_pton(AF_INET6, text, &a) == 1 ? end + 1 : NULL;
}

/* RFC 3986's characters of a host name or IPv4 address: unreserved, sub-delims, '%'. */
static const char URL_HOST_CHARS[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				     "0123456789-._~!$&'()*+,;=%";

/*
 * A Host header's value that can stand in a URL as sent: a name or IPv4
 * address of RFC 3986's characters, or an IPv6 address in brackets; then
 * nothing, or ':' and digits. Anything else would change what the URL says
 * (a '/', an '@') or have IntelMQ's URL parser refuse it (a bad '[').
 */
static bool url_host_usable(const char *host)
{
	const char *rest =
		host[0] == '[' ? url_ipv6_literal(host) : host + strspn(host, URL_HOST_CHARS);

	if (!rest || rest == host)
		return false;
	if (!*rest)
		return true;
	return *rest == ':' && !rest[1 + strspn(rest + 1, "0123456789")];
}

/* destination.url: "http://", the host as sent, the request target when it is a path. */
static void im_url(struct json_writer *jw, const struct record_evidence *ev)
{
	if (!ev->http_host || !url_host_usable(ev->http_host) || !ev->http_url ||
	    ev->http_url[0] != '/')
		return;
	jw_key(jw, JW_KEY("destination.url"));
	sb_lit(jw->sb, "\"http://");
	/* The path starts with ASCII: the parts join as one string would. */
	json_put_text(jw->sb, ev->http_host);
	json_put_text(jw->sb, ev->http_url);
	sb_lit(jw->sb, "\"");
}

static void intelmq_destination(const struct feed_record *r, struct json_writer *jw)
{
	char dst[ADDR_TEXT_LEN];
	/* IANA's keywords are IntelMQ's protocol.transport list. */
	const char *transport = proto_name(r->protocol, PROTO_NAMES_IANA);
	const char *application = record_application(r);

	addr_format(&r->dst_ip, dst, sizeof(dst));
	jw_str_plain(jw, JW_KEY("destination.ip"), dst);
	if (r->has_port)
		jw_u64(jw, JW_KEY("destination.port"), r->dst_port);
	im_fqdn(jw, &r->ev);
	im_url(jw, &r->ev);
	jw_str_opt(jw, JW_KEY("destination.urlpath"), r->ev.http_url);
	if (transport)
		jw_str_plain(jw, JW_KEY("protocol.transport"), transport);
	if (application)
		jw_str_plain(jw, JW_KEY("protocol.application"), application);
}

/* What the sources did: botsink's counts, which IntelMQ has no keys for. */
static void extra_counts(const struct feed_record *r, struct json_writer *jw)
{
	jw_u64(jw, JW_KEY("extra.count"), r->checkins);
	jw_u64(jw, JW_KEY("extra.packets"), r->packets);
	jw_u64(jw, JW_KEY("extra.bytes"), r->bytes);
	jw_u64(jw, JW_KEY("extra.syns"), r->syns);
	jw_u64(jw, JW_KEY("extra.checkins_verified"), r->checkins_verified);
	jw_str_plain(jw, JW_KEY("extra.verification"), record_verification_name(r->verification));
	im_time(jw, JW_KEY("extra.first_seen"), &r->first_seen);
}

/* The rule beyond the classification. */
static void extra_rule(const struct feed_record *r, struct json_writer *jw)
{
	if (!r->any_sid)
		jw_u64(jw, JW_KEY("extra.sid"), r->sid);
	jw_str_opt(jw, JW_KEY("extra.tag"), r->tag);
	jw_str_opt(jw, JW_KEY("extra.classtype"), r->classtype);
	if (r->dns_qtype)
		jw_u64(jw, JW_KEY("extra.dns_qtype"), r->dns_qtype);
}

/*
 * What the bot sent that IntelMQ has no key for, as its Shadowserver
 * parser names it (http_agent is extra.user_agent); the payload in base64.
 */
static void extra_evidence(const struct record_evidence *ev, struct json_writer *jw)
{
	jw_str_opt(jw, JW_KEY("extra.http_method"), ev->http_method);
	jw_str_opt(jw, JW_KEY("extra.user_agent"), ev->http_agent);
	jw_str_opt(jw, JW_KEY("extra.http_referer"), ev->http_referer);
	jw_str_opt(jw, JW_KEY("extra.dns_query"), ev->dns_query);
	if (ev->payload && ev->payload_len)
		jw_base64(jw, JW_KEY("extra.payload"), ev->payload, ev->payload_len);
}

/*
 * What IntelMQ has no key for: the source's pseudonym, a protocol it has
 * no name for, the counts, the rule, the evidence; last the record itself
 * (an aggregate or not, how it was anonymized, where it comes from).
 */
static void intelmq_extra(const struct feed_record *r, struct json_writer *jw)
{
	if (!r->src_is_raw)
		jw_str_opt(jw, JW_KEY("extra.source_pseudonym"), r->src_ip);
	if (!proto_name(r->protocol, PROTO_NAMES_IANA))
		jw_u64(jw, JW_KEY("extra.ip_protocol"), r->protocol);
	extra_counts(r, jw);
	extra_rule(r, jw);
	extra_evidence(&r->ev, jw);
	jw_bool(jw, JW_KEY("extra.overflow"), r->overflow);
	jw_str_opt(jw, JW_KEY("extra.anon_mode"), r->anon_mode);
	jw_str_opt(jw, JW_KEY("extra.anon_key_id"), r->anon_key_id);
	jw_str_opt(jw, JW_KEY("extra.sensor"), r->sensor);
	jw_str_opt(jw, JW_KEY("extra.record_id"), r->record_id);
}

void record_to_intelmq(const struct feed_record *r, struct strbuf *sb)
{
	struct json_writer jw;

	jw_open(&jw, sb);
	jw_str_plain(&jw, JW_KEY("feed.name"), "botsink");
	jw_str_opt(&jw, JW_KEY("feed.provider"), r->sensor);
	im_time(&jw, JW_KEY("time.source"), &r->last_seen);
	im_time(&jw, JW_KEY("time.observation"), &r->timestamp);
	intelmq_classification(r, &jw);
	intelmq_source(r, &jw);
	intelmq_destination(r, &jw);
	intelmq_extra(r, &jw);
	jw_close(&jw);
	sb_lit(sb, "\n");
}
