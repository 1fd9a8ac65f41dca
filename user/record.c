// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "record.h"

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

static void json_time(struct strbuf *sb, const char *key, const struct timespec *ts)
{
	char text[40];

	json_key(sb, key, false);
	if (!ts->tv_sec && !ts->tv_nsec) {
		sb_puts(sb, "null");
		return;
	}
	format_utc(ts, text, sizeof(text));
	json_put_string(sb, text);
}

void record_to_json(const struct feed_record *r, struct strbuf *sb)
{
	char text[ADDR_TEXT_LEN], proto[8];

	sb_puts(sb, "{");
	json_key(sb, "timestamp", true);
	format_utc(&r->timestamp, text, sizeof(text));
	json_put_string(sb, text);
	json_time(sb, "first_seen", &r->first_seen);
	json_time(sb, "last_seen", &r->last_seen);
	json_key(sb, "src_ip", false);
	json_put_string(sb, r->src_ip);
	json_key(sb, "anon_mode", false);
	json_put_string(sb, r->anon_mode);
	json_key(sb, "protocol", false);
	json_put_string(sb, protocol_name(r->protocol, proto, sizeof(proto)));
	json_key(sb, "dst_ip", false);
	addr_format(&r->dst_ip, text, sizeof(text));
	json_put_string(sb, text);
	json_key(sb, "dst_port", false);
	if (r->has_port)
		sb_put_u64(sb, r->dst_port);
	else
		sb_puts(sb, "null");
	json_key(sb, "family", false);
	json_put_string(sb, r->family);
	json_key(sb, "tag", false);
	json_put_string(sb, r->tag);
	json_key(sb, "sid", false);
	if (r->any_sid)
		sb_puts(sb, "null");
	else
		sb_put_u64(sb, r->sid);
	json_key(sb, "classtype", false);
	if (r->classtype)
		json_put_string(sb, r->classtype);
	else
		sb_puts(sb, "null");
	json_key(sb, "packets", false);
	sb_put_u64(sb, r->packets);
	json_key(sb, "bytes", false);
	sb_put_u64(sb, r->bytes);
	json_key(sb, "syns", false);
	sb_put_u64(sb, r->syns);
	json_key(sb, "checkins", false);
	sb_put_u64(sb, r->checkins);
	json_key(sb, "dns_qtype", false);
	if (r->dns_qtype)
		sb_put_u64(sb, r->dns_qtype);
	else
		sb_puts(sb, "null");
	json_key(sb, "overflow", false);
	sb_puts(sb, r->overflow ? "true" : "false");
	json_key(sb, "sensor", false);
	json_put_string(sb, r->sensor);
	json_key(sb, "record_id", false);
	json_put_string(sb, r->record_id);
	sb_puts(sb, "}\n");
}
