// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The jsonl format: botsink's own schema, one JSON object per line, every
 * field present (null when unknown), so a reader needs no schema to tell a
 * missing field from an unknown one.
 */
#include "feed/record.h"

/* `lit` is the key with its separator: ",\"first_seen\":". */
static void json_time(struct strbuf *sb, const char *lit, size_t len, const struct timespec *ts)
{
	char text[40];

	sb_append(sb, lit, len);
	if (!record_time_known(ts)) {
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
