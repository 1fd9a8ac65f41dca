// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The shadowserver-csv formats: the columns of Shadowserver's Sinkhole
 * Events report (event4_sinkhole), in their order, so tools that take that
 * report (IntelMQ's Shadowserver parser, spreadsheets, abuse handling
 * scripts) take botsink's feed too; then botsink's own columns. The
 * shadowserver-http-csv layout is Sinkhole HTTP Events' (event4_sinkhole_http):
 * the same 31, then the HTTP request's 6, then botsink's but those.
 * RFC 4180 quoting, "\n" line ends, and control characters in text become
 * spaces: a record is one line.
 */
#include <string.h>
#include "feed/record.h"

#define SHADOWSERVER_COLUMNS                                                           \
	"timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,"      \
	"src_hostname,src_naics,src_sector,device_vendor,device_type,device_model,"    \
	"severity,dst_ip,dst_port,dst_asn,dst_geo,dst_region,dst_city,dst_hostname,"   \
	"dst_naics,dst_sector,public_source,infection,family,tag,application,version," \
	"event_id"
#define SHADOWSERVER_HTTP_COLUMNS \
	",http_url,http_host,http_agent,forwarded_by,ssl_cipher,http_referer"
#define BOTSINK_COLUMNS                                                                  \
	",count,packets,bytes,syns,checkins_verified,verification,first_seen,last_seen," \
	"sid,classtype,dns_qtype,overflow,anon_mode,anon_key_id,sensor,record_id"

const char SHADOWSERVER_CSV_HEADER[] = SHADOWSERVER_COLUMNS BOTSINK_COLUMNS
	",http_method,http_url,http_host,http_agent,http_referer,dns_query,payload\n";

const char SHADOWSERVER_HTTP_CSV_HEADER[] =
	SHADOWSERVER_COLUMNS SHADOWSERVER_HTTP_COLUMNS BOTSINK_COLUMNS
	",http_method,dns_query,payload\n";

/*
 * Every column but the line's first is written after its comma (csv_*
 * below), so an empty column is its comma: the Shadowserver columns
 * botsink has no value for.
 */
#define EMPTY_SRC_REGION_TO_DEVICE_MODEL ",,,,,,,,"
#define EMPTY_DST_ASN_TO_PUBLIC_SOURCE ",,,,,,,,"
#define EMPTY_VERSION ","
/* A proxy's address and a TLS cipher: botsink sees neither. */
#define EMPTY_FORWARDED_BY_SSL_CIPHER ",,"

static bool csv_space(unsigned char c)
{
	return c == ' ' || c < 0x20 || c == 0x7f;
}

/* RFC 4180: a comma or a quote, or spaces a reader might trim, need quotes. */
static bool csv_needs_quotes(const char *s)
{
	size_t len = strlen(s);

	if (!len)
		return false;
	if (csv_space((unsigned char)s[0]) || csv_space((unsigned char)s[len - 1]))
		return true;
	return strpbrk(s, ",\"") != NULL;
}

/* A quote is doubled; control characters become spaces: a record is one line. */
static const struct text_escapes csv_escapes = {
	.ascii = {
		['"'] = "\"\"",
		[0x01 ... 0x1f] = " ",
		[0x7f] = " ",
	},
	.invalid = "\xef\xbf\xbd", /* U+FFFD, as in JSON */
};

/* A text column, NULL as empty; quoted when RFC 4180 needs it. */
static void csv_text(struct strbuf *sb, const char *s)
{
	bool quoted;

	sb_lit(sb, ",");
	if (!s)
		return;
	quoted = csv_needs_quotes(s);
	if (quoted)
		sb_lit(sb, "\"");
	sb_put_text(sb, s, &csv_escapes);
	if (quoted)
		sb_lit(sb, "\"");
}

/*
 * Text botsink made itself (a name, an address, a time): nothing to quote
 * or replace. Inline, so a literal's length is known; one check for room.
 */
static inline void csv_plain(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);
	char *p = sb_room(sb, n + 1);

	if (!p)
		return;
	p[0] = ',';
	memcpy(p + 1, s, n);
	sb_wrote(sb, n + 1);
}

static void csv_u64(struct strbuf *sb, uint64_t v)
{
	char *p = sb_room(sb, 21);

	if (!p)
		return;
	p[0] = ',';
	sb_wrote(sb, 1 + u64_decimal(p + 1, v));
}

/* v, or an empty column when it is not `known`. */
static void csv_u64_or_empty(struct strbuf *sb, bool known, uint64_t v)
{
	if (known)
		csv_u64(sb, v);
	else
		sb_lit(sb, ",");
}

/* botsink's own time format (as in jsonl: milliseconds); empty when unknown. */
static void csv_time(struct strbuf *sb, const struct timespec *ts)
{
	char text[40];

	if (!record_time_known(ts)) {
		sb_lit(sb, ",");
		return;
	}
	format_utc(ts, text, sizeof(text));
	csv_plain(sb, text);
}

/* Shadowserver's default for sinkhole events; its darknet one otherwise. */
static const char *csv_severity(const struct feed_record *r)
{
	return record_rule_matched(r) && !r->dns_qtype ? "critical" : "high";
}

/* The 31 columns of Shadowserver's report. */
static void csv_shadowserver_part(const struct feed_record *r, struct strbuf *sb)
{
	char when[32], dst[ADDR_TEXT_LEN], proto[8];

	/* Shadowserver's style: UTC, to the second, a space for the 'T'. */
	format_utc_seconds(&r->timestamp, ' ', "", when, sizeof(when));
	sb_puts(sb, when);
	csv_plain(sb, protocol_name(r->protocol, proto, sizeof(proto)));
	csv_text(sb, r->src_ip);
	csv_u64_or_empty(sb, r->ev.has_src_port, r->ev.src_port);
	csv_u64_or_empty(sb, r->src_asn != 0, r->src_asn);
	csv_text(sb, r->src_geo);
	sb_lit(sb, EMPTY_SRC_REGION_TO_DEVICE_MODEL);
	csv_plain(sb, csv_severity(r));
	addr_format(&r->dst_ip, dst, sizeof(dst));
	csv_plain(sb, dst);
	csv_u64_or_empty(sb, r->has_port, r->dst_port);
	sb_lit(sb, EMPTY_DST_ASN_TO_PUBLIC_SOURCE);
	csv_text(sb, r->family); /* infection */
	csv_text(sb, r->family);
	csv_text(sb, r->tag);
	csv_plain(sb, record_application(r) ?: ""); /* application */
	sb_lit(sb, EMPTY_VERSION);
	csv_text(sb, r->record_id); /* event_id */
}

/* The payload's bytes in base64 (no character to quote); empty for none. */
static void csv_base64(struct strbuf *sb, const uint8_t *p, size_t n)
{
	sb_lit(sb, ",");
	if (p)
		sb_put_base64(sb, p, n);
}

/* The HTTP request's columns of Sinkhole HTTP Events. */
static void csv_http_part(const struct record_evidence *ev, struct strbuf *sb)
{
	csv_text(sb, ev->http_url);
	csv_text(sb, ev->http_host);
	csv_text(sb, ev->http_agent);
	sb_lit(sb, EMPTY_FORWARDED_BY_SSL_CIPHER);
	csv_text(sb, ev->http_referer);
}

/* botsink's columns, after Shadowserver's. */
static void csv_botsink_part(const struct feed_record *r, struct strbuf *sb)
{
	csv_u64(sb, r->checkins); /* count */
	csv_u64(sb, r->packets);
	csv_u64(sb, r->bytes);
	csv_u64(sb, r->syns);
	csv_u64(sb, r->checkins_verified);
	csv_plain(sb, record_verification_name(r->verification));
	csv_time(sb, &r->first_seen);
	csv_time(sb, &r->last_seen);
	csv_u64_or_empty(sb, !r->any_sid, r->sid);
	csv_text(sb, r->classtype);
	csv_u64_or_empty(sb, r->dns_qtype != 0, r->dns_qtype);
	csv_plain(sb, r->overflow ? "true" : "false");
	csv_text(sb, r->anon_mode);
	csv_text(sb, r->anon_key_id);
	csv_text(sb, r->sensor);
	csv_text(sb, r->record_id);
}

/* The Sinkhole Events layout: all the evidence is botsink's. */
void record_to_shadowserver_csv(const struct feed_record *r, struct strbuf *sb)
{
	const struct record_evidence *ev = &r->ev;

	csv_shadowserver_part(r, sb);
	csv_botsink_part(r, sb);
	csv_text(sb, ev->http_method);
	csv_text(sb, ev->http_url);
	csv_text(sb, ev->http_host);
	csv_text(sb, ev->http_agent);
	csv_text(sb, ev->http_referer);
	csv_text(sb, ev->dns_query);
	csv_base64(sb, ev->payload, ev->payload_len);
	sb_lit(sb, "\n");
}

/* The Sinkhole HTTP Events layout: Shadowserver has columns for the request. */
void record_to_shadowserver_http_csv(const struct feed_record *r, struct strbuf *sb)
{
	const struct record_evidence *ev = &r->ev;

	csv_shadowserver_part(r, sb);
	csv_http_part(ev, sb);
	csv_botsink_part(r, sb);
	csv_text(sb, ev->http_method);
	csv_text(sb, ev->dns_query);
	csv_base64(sb, ev->payload, ev->payload_len);
	sb_lit(sb, "\n");
}
