// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <netinet/in.h>
#include <stdio.h>
#include "record.h"

void format_utc(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	size_t n;

	gmtime_r(&ts->tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03uZ", (unsigned int)(ts->tv_nsec / 1000000) % 1000);
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
		sb_printf(sb, "%u", r->dst_port);
	else
		sb_puts(sb, "null");
	json_key(sb, "family", false);
	json_put_string(sb, r->family);
	json_key(sb, "tag", false);
	json_put_string(sb, r->tag);
	json_key(sb, "sid", false);
	sb_printf(sb, "%u", r->sid);
	json_key(sb, "classtype", false);
	if (r->classtype)
		json_put_string(sb, r->classtype);
	else
		sb_puts(sb, "null");
	json_key(sb, "packets", false);
	sb_printf(sb, "%llu", (unsigned long long)r->packets);
	json_key(sb, "bytes", false);
	sb_printf(sb, "%llu", (unsigned long long)r->bytes);
	json_key(sb, "syns", false);
	sb_printf(sb, "%llu", (unsigned long long)r->syns);
	json_key(sb, "checkins", false);
	sb_printf(sb, "%llu", (unsigned long long)r->checkins);
	json_key(sb, "dns_qtype", false);
	if (r->dns_qtype)
		sb_printf(sb, "%u", r->dns_qtype);
	else
		sb_puts(sb, "null");
	json_key(sb, "sensor", false);
	json_put_string(sb, r->sensor);
	sb_puts(sb, "}\n");
}
