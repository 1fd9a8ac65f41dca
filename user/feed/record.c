// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "feed/record.h"

const struct keyword record_formats[] = {
	{ "jsonl", FORMAT_JSONL },
	{ "shadowserver-csv", FORMAT_SHADOWSERVER_CSV },
	{ "intelmq", FORMAT_INTELMQ },
	{ NULL, 0 },
};

int record_format_parse(const char *text, enum record_format *out)
{
	int v;

	if (keyword_parse(record_formats, text, &v))
		return -1;
	*out = (enum record_format)v;
	return 0;
}

const char *record_format_name(enum record_format f)
{
	return keyword_name(record_formats, (int)f, "unknown");
}

const char *record_format_header(enum record_format f)
{
	return f == FORMAT_SHADOWSERVER_CSV ? SHADOWSERVER_CSV_HEADER : NULL;
}

void record_format(enum record_format f, const struct feed_record *r, struct strbuf *sb)
{
	switch (f) {
	case FORMAT_SHADOWSERVER_CSV:
		record_to_shadowserver_csv(r, sb);
		break;
	case FORMAT_INTELMQ:
		record_to_intelmq(r, sb);
		break;
	default:
		record_to_json(r, sb);
		break;
	}
}

void format_utc(const struct timespec *ts, char *buf, size_t len)
{
	/* Records of one drain share their seconds: format each second once. */
	static time_t cached_sec = -1;
	static char cached[32];
	static size_t cached_len;
	struct tm tm;
	unsigned int ms;

	if (ts->tv_sec != cached_sec) {
		gmtime_r(&ts->tv_sec, &tm);
		cached_len = strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = ts->tv_sec;
	}
	ms = (unsigned int)(ts->tv_nsec / 1000000) % 1000;
	if (len < cached_len + 6) {
		snprintf(buf, len, "%.*s.%03uZ", (int)cached_len, cached, ms);
		return;
	}
	memcpy(buf, cached, cached_len);
	buf[cached_len] = '.';
	buf[cached_len + 1] = (char)('0' + ms / 100);
	buf[cached_len + 2] = (char)('0' + ms / 10 % 10);
	buf[cached_len + 3] = (char)('0' + ms % 10);
	buf[cached_len + 4] = 'Z';
	buf[cached_len + 5] = '\0';
}

void format_utc_seconds(const struct timespec *ts, char sep, const char *zone, char *buf,
			size_t len)
{
	char text[40];

	format_utc(ts, text, sizeof(text));
	text[10] = sep;
	snprintf(buf, len, "%.19s%s", text, zone);
}

enum record_verification record_verification_of(uint8_t protocol, uint64_t checkins_tcp,
						uint64_t checkins_verified)
{
	if (checkins_verified)
		return VERIFICATION_VERIFIED;
	if (checkins_tcp || protocol == IPPROTO_TCP)
		return VERIFICATION_UNVERIFIED;
	return VERIFICATION_UNVERIFIABLE;
}

const char *record_verification_name(enum record_verification v)
{
	switch (v) {
	case VERIFICATION_VERIFIED:
		return "verified";
	case VERIFICATION_UNVERIFIED:
		return "unverified";
	default:
		return "unverifiable";
	}
}

bool record_rule_matched(const struct feed_record *r)
{
	return !r->any_sid && r->family && strcmp(r->family, "unclassified") != 0;
}

const char *protocol_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		snprintf(buf, len, "%u", proto);
		return buf;
	}
}

/* `lit` is the key with its separator: ",\"first_seen\":". */
static void json_time(struct strbuf *sb, const char *lit, size_t len, const struct timespec *ts)
{
	char text[40];

	sb_append(sb, lit, len);
	if (!ts->tv_sec && !ts->tv_nsec) {
		sb_lit(sb, "null");
		return;
	}
	format_utc(ts, text, sizeof(text));
	sb_lit(sb, "\"");
	sb_puts(sb, text);
	sb_lit(sb, "\"");
}

#define JSON_TIME(sb, lit, ts) json_time((sb), "" lit, sizeof(lit) - 1, (ts))

/* Keys are literals with their separators: one append each. */
void record_to_json(const struct feed_record *r, struct strbuf *sb)
{
	char text[ADDR_TEXT_LEN], proto[8];

	JSON_TIME(sb, "{\"timestamp\":", &r->timestamp);
	JSON_TIME(sb, ",\"first_seen\":", &r->first_seen);
	JSON_TIME(sb, ",\"last_seen\":", &r->last_seen);
	sb_lit(sb, ",\"src_ip\":");
	json_put_string(sb, r->src_ip);
	sb_lit(sb, ",\"anon_mode\":");
	json_put_string(sb, r->anon_mode);
	sb_lit(sb, ",\"anon_key_id\":");
	json_put_string(sb, r->anon_key_id);
	sb_lit(sb, ",\"src_asn\":");
	if (r->src_asn)
		sb_put_u64(sb, r->src_asn);
	else
		sb_lit(sb, "null");
	sb_lit(sb, ",\"src_as_name\":");
	json_put_string(sb, r->src_as_name);
	sb_lit(sb, ",\"src_geo\":");
	json_put_string(sb, r->src_geo);
	sb_lit(sb, ",\"protocol\":");
	json_put_string(sb, protocol_name(r->protocol, proto, sizeof(proto)));
	sb_lit(sb, ",\"dst_ip\":");
	addr_format(&r->dst_ip, text, sizeof(text));
	json_put_string(sb, text);
	sb_lit(sb, ",\"dst_port\":");
	if (r->has_port)
		sb_put_u64(sb, r->dst_port);
	else
		sb_lit(sb, "null");
	sb_lit(sb, ",\"family\":");
	json_put_string(sb, r->family);
	sb_lit(sb, ",\"tag\":");
	json_put_string(sb, r->tag);
	sb_lit(sb, ",\"sid\":");
	if (r->any_sid)
		sb_lit(sb, "null");
	else
		sb_put_u64(sb, r->sid);
	sb_lit(sb, ",\"classtype\":");
	json_put_string(sb, r->classtype);
	sb_lit(sb, ",\"packets\":");
	sb_put_u64(sb, r->packets);
	sb_lit(sb, ",\"bytes\":");
	sb_put_u64(sb, r->bytes);
	sb_lit(sb, ",\"syns\":");
	sb_put_u64(sb, r->syns);
	sb_lit(sb, ",\"checkins\":");
	sb_put_u64(sb, r->checkins);
	sb_lit(sb, ",\"checkins_verified\":");
	sb_put_u64(sb, r->checkins_verified);
	sb_lit(sb, ",\"verification\":\"");
	sb_puts(sb, record_verification_name(r->verification));
	sb_lit(sb, "\"");
	sb_lit(sb, ",\"dns_qtype\":");
	if (r->dns_qtype)
		sb_put_u64(sb, r->dns_qtype);
	else
		sb_lit(sb, "null");
	if (r->overflow)
		sb_lit(sb, ",\"overflow\":true");
	else
		sb_lit(sb, ",\"overflow\":false");
	sb_lit(sb, ",\"sensor\":");
	json_put_string(sb, r->sensor);
	sb_lit(sb, ",\"record_id\":");
	json_put_string(sb, r->record_id);
	sb_lit(sb, "}\n");
}
