// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The jsonl format: botsink's own schema (README: the feed), one JSON
 * object per line, every field present and null when unknown.
 */
#include "feed/record.h"

static void json_time(struct json_writer *jw, struct json_key key, const struct timespec *ts)
{
	char text[40];

	if (!record_time_known(ts)) {
		jw_null(jw, key);
		return;
	}
	format_utc(ts, text, sizeof(text));
	jw_str_plain(jw, key, text);
}

/* The source, as the view shows it, and what enrichment knows of it. */
static void json_source(struct json_writer *jw, const struct feed_record *r)
{
	jw_str(jw, JW_KEY("src_ip"), r->src_ip);
	jw_u64_or_null(jw, JW_KEY("src_port"), r->ev.has_src_port, r->ev.src_port);
	jw_str(jw, JW_KEY("anon_mode"), r->anon_mode);
	jw_str(jw, JW_KEY("anon_key_id"), r->anon_key_id);
	jw_u64_or_null(jw, JW_KEY("src_asn"), r->src_asn != 0, r->src_asn);
	jw_str(jw, JW_KEY("src_as_name"), r->src_as_name);
	jw_str(jw, JW_KEY("src_geo"), r->src_geo);
}

static void json_destination(struct json_writer *jw, const struct feed_record *r)
{
	char text[ADDR_TEXT_LEN], proto[8];

	jw_str_plain(jw, JW_KEY("protocol"), protocol_name(r->protocol, proto, sizeof(proto)));
	addr_format(&r->dst_ip, text, sizeof(text));
	jw_str_plain(jw, JW_KEY("dst_ip"), text);
	jw_u64_or_null(jw, JW_KEY("dst_port"), r->has_port, r->dst_port);
}

static void json_rule(struct json_writer *jw, const struct feed_record *r)
{
	jw_str(jw, JW_KEY("family"), r->family);
	jw_str(jw, JW_KEY("tag"), r->tag);
	jw_u64_or_null(jw, JW_KEY("sid"), !r->any_sid, r->sid);
	jw_str(jw, JW_KEY("classtype"), r->classtype);
}

/*
 * What the bot sent in its first check-in, as the view shows it: its text
 * as sent (escaped), the payload's bytes in base64.
 */
static void json_evidence(struct json_writer *jw, const struct record_evidence *ev)
{
	jw_str(jw, JW_KEY("http_method"), ev->http_method);
	jw_str(jw, JW_KEY("http_url"), ev->http_url);
	jw_str(jw, JW_KEY("http_host"), ev->http_host);
	jw_str(jw, JW_KEY("http_agent"), ev->http_agent);
	jw_str(jw, JW_KEY("http_referer"), ev->http_referer);
	jw_str(jw, JW_KEY("dns_query"), ev->dns_query);
	jw_base64(jw, JW_KEY("payload"), ev->payload, ev->payload_len);
}

/* What the sources did. */
static void json_counts(struct json_writer *jw, const struct feed_record *r)
{
	jw_u64(jw, JW_KEY("packets"), r->packets);
	jw_u64(jw, JW_KEY("bytes"), r->bytes);
	jw_u64(jw, JW_KEY("syns"), r->syns);
	jw_u64(jw, JW_KEY("checkins"), r->checkins);
	jw_u64(jw, JW_KEY("checkins_verified"), r->checkins_verified);
}

/* What the counts prove about the sources, and what they cannot. */
static void json_verdict(struct json_writer *jw, const struct feed_record *r)
{
	jw_str_plain(jw, JW_KEY("verification"), record_verification_name(r->verification));
	jw_u64_or_null(jw, JW_KEY("dns_qtype"), r->dns_qtype != 0, r->dns_qtype);
	jw_bool(jw, JW_KEY("overflow"), r->overflow);
}

void record_to_json(const struct feed_record *r, struct strbuf *sb)
{
	struct json_writer jw;

	jw_open(&jw, sb);
	json_time(&jw, JW_KEY("timestamp"), &r->timestamp);
	json_time(&jw, JW_KEY("first_seen"), &r->first_seen);
	json_time(&jw, JW_KEY("last_seen"), &r->last_seen);
	json_source(&jw, r);
	json_destination(&jw, r);
	json_rule(&jw, r);
	json_evidence(&jw, &r->ev);
	json_counts(&jw, r);
	json_verdict(&jw, r);
	jw_str(&jw, JW_KEY("sensor"), r->sensor);
	jw_str(&jw, JW_KEY("record_id"), r->record_id);
	jw_close(&jw);
	sb_lit(sb, "\n");
}
