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
 */
#include <ctype.h>
#include <string.h>
#include "feed/record.h"

/*
 * Keys are literals; the macros add the comma before and the colon after:
 * "feed.name" is always first, so every other key follows one.
 */
static void im_string(struct strbuf *sb, const char *key, size_t keylen, const char *value)
{
	if (!value || !*value)
		return;
	sb_append(sb, key, keylen);
	json_put_string(sb, value);
}

#define IM_STRING(sb, key, value) im_string((sb), "," key ":", sizeof("," key ":") - 1, (value))

static void im_u64(struct strbuf *sb, const char *key, size_t keylen, uint64_t value)
{
	sb_append(sb, key, keylen);
	sb_put_u64(sb, value);
}

#define IM_U64(sb, key, value) im_u64((sb), "," key ":", sizeof("," key ":") - 1, (value))

/* IntelMQ's DateTime: "2026-11-26T22:31:29+00:00", whole seconds. */
static void im_time(struct strbuf *sb, const char *key, size_t keylen, const struct timespec *ts)
{
	char text[40];

	if (!record_time_known(ts))
		return;
	format_utc_seconds(ts, 'T', "+00:00", text, sizeof(text));
	sb_append(sb, key, keylen);
	sb_lit(sb, "\"");
	sb_puts(sb, text);
	sb_lit(sb, "\"");
}

#define IM_TIME(sb, key, ts) im_time((sb), "," key ":", sizeof("," key ":") - 1, (ts))

/* A JSON string of `value` with ASCII letters in lower case. */
static void im_lower(struct strbuf *sb, const char *key, size_t keylen, const char *value)
{
	size_t start;

	sb_append(sb, key, keylen);
	start = sb->len;
	json_put_string(sb, value);
	if (sb->oom)
		return;
	/* Escapes are lower case already; UTF-8 bytes are all above 0x7f. */
	for (size_t i = start; i < sb->len; i++)
		if (sb->buf[i] >= 'A' && sb->buf[i] <= 'Z')
			sb->buf[i] = (char)(sb->buf[i] - 'A' + 'a');
}

#define IM_LOWER(sb, key, value) im_lower((sb), "," key ":", sizeof("," key ":") - 1, (value))

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

static void intelmq_classification(const struct feed_record *r, struct strbuf *sb)
{
	if (!record_rule_matched(r)) {
		sb_lit(sb, ",\"classification.taxonomy\":\"other\""
			   ",\"classification.type\":\"undetermined\"");
		if (r->any_sid)
			sb_lit(sb, ",\"classification.identifier\":\"catch-all\"");
		else
			sb_lit(sb, ",\"classification.identifier\":\"unclassified\"");
		return;
	}
	if (r->dns_qtype) {
		sb_lit(sb, ",\"classification.taxonomy\":\"other\""
			   ",\"classification.type\":\"other\""
			   ",\"classification.identifier\":\"sinkholedns\"");
	} else {
		sb_lit(sb, ",\"classification.taxonomy\":\"malicious-code\""
			   ",\"classification.type\":\"infected-system\"");
		IM_LOWER(sb, "\"classification.identifier\"", r->family);
	}
	if (malware_name_valid(r->family))
		IM_LOWER(sb, "\"malware.name\"", r->family);
}

/* A prefix IntelMQ can take: never a /0, which every expert would match. */
static bool network_usable(const char *s)
{
	size_t len = strlen(s);

	return len && !(len >= 2 && !strcmp(s + len - 2, "/0"));
}

/* ISO 3166 alpha-2 as IntelMQ takes it: two letters or digits, upper case. */
static void im_country(struct strbuf *sb, const char *geo)
{
	char cc[3] = { 0 };

	if (!geo || strlen(geo) != 2)
		return;
	for (int i = 0; i < 2; i++) {
		if (!isalnum((unsigned char)geo[i]))
			return;
		cc[i] = (char)toupper((unsigned char)geo[i]);
	}
	IM_STRING(sb, "\"source.geolocation.cc\"", cc);
}

static void intelmq_source(const struct feed_record *r, struct strbuf *sb)
{
	if (r->src_is_raw && !r->overflow) {
		IM_STRING(sb, "\"source.ip\"", r->src_ip);
	} else if (r->src_is_raw) {
		if (network_usable(r->src_ip))
			IM_STRING(sb, "\"source.network\"", r->src_ip);
	}
	if (!(r->src_is_raw && r->overflow) && network_usable(r->src_network))
		IM_STRING(sb, "\"source.network\"", r->src_network);
	if (r->src_asn)
		IM_U64(sb, "\"source.asn\"", r->src_asn);
	IM_STRING(sb, "\"source.as_name\"", r->src_as_name);
	im_country(sb, r->src_geo);
}

static void intelmq_destination(const struct feed_record *r, struct strbuf *sb)
{
	char dst[ADDR_TEXT_LEN];
	/* IANA's keywords are IntelMQ's protocol.transport list. */
	const char *transport = proto_name(r->protocol, PROTO_NAMES_IANA);

	addr_format(&r->dst_ip, dst, sizeof(dst));
	IM_STRING(sb, "\"destination.ip\"", dst);
	if (r->has_port)
		IM_U64(sb, "\"destination.port\"", r->dst_port);
	IM_STRING(sb, "\"protocol.transport\"", transport);
	if (r->dns_qtype)
		sb_lit(sb, ",\"protocol.application\":\"dns\"");
}

static void intelmq_extra(const struct feed_record *r, struct strbuf *sb)
{
	if (!r->src_is_raw)
		IM_STRING(sb, "\"extra.source_pseudonym\"", r->src_ip);
	if (!proto_name(r->protocol, PROTO_NAMES_IANA))
		IM_U64(sb, "\"extra.ip_protocol\"", r->protocol);
	IM_U64(sb, "\"extra.count\"", r->checkins);
	IM_U64(sb, "\"extra.packets\"", r->packets);
	IM_U64(sb, "\"extra.bytes\"", r->bytes);
	IM_U64(sb, "\"extra.syns\"", r->syns);
	IM_U64(sb, "\"extra.checkins_verified\"", r->checkins_verified);
	IM_STRING(sb, "\"extra.verification\"", record_verification_name(r->verification));
	IM_TIME(sb, "\"extra.first_seen\"", &r->first_seen);
	if (!r->any_sid)
		IM_U64(sb, "\"extra.sid\"", r->sid);
	IM_STRING(sb, "\"extra.tag\"", r->tag);
	IM_STRING(sb, "\"extra.classtype\"", r->classtype);
	if (r->dns_qtype)
		IM_U64(sb, "\"extra.dns_qtype\"", r->dns_qtype);
	if (r->overflow)
		sb_lit(sb, ",\"extra.overflow\":true");
	else
		sb_lit(sb, ",\"extra.overflow\":false");
	IM_STRING(sb, "\"extra.anon_mode\"", r->anon_mode);
	IM_STRING(sb, "\"extra.anon_key_id\"", r->anon_key_id);
	IM_STRING(sb, "\"extra.sensor\"", r->sensor);
	IM_STRING(sb, "\"extra.record_id\"", r->record_id);
}

void record_to_intelmq(const struct feed_record *r, struct strbuf *sb)
{
	sb_lit(sb, "{\"feed.name\":\"botsink\"");
	IM_STRING(sb, "\"feed.provider\"", r->sensor);
	IM_TIME(sb, "\"time.source\"", &r->last_seen);
	IM_TIME(sb, "\"time.observation\"", &r->timestamp);
	intelmq_classification(r, sb);
	intelmq_source(r, sb);
	intelmq_destination(r, sb);
	intelmq_extra(r, sb);
	sb_lit(sb, "}\n");
}
