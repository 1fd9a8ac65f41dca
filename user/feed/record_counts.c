// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The counts format both ways (feed/counts.h): written with the feed's
 * JSON writer, read with jansson. Every member is required: a line from
 * another version is refused, not guessed at.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include "feed/counts.h"
#include "feed/record.h"

static uint64_t ns_of(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

static struct timespec ts_of(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000ULL),
				  .tv_nsec = (long)(ns % 1000000000ULL) };
}

void record_to_counts(const struct feed_record *r, struct strbuf *sb)
{
	struct json_writer jw;
	char dst[ADDR_TEXT_LEN];

	jw_open(&jw, sb);
	jw_u64(&jw, JW_KEY("v"), COUNTS_VERSION);
	jw_str(&jw, JW_KEY("record_id"), r->record_id);
	jw_str(&jw, JW_KEY("sensor"), r->sensor);
	jw_u64(&jw, JW_KEY("timestamp_ns"), ns_of(&r->timestamp));
	jw_u64(&jw, JW_KEY("first_seen_ns"), ns_of(&r->first_seen));
	jw_u64(&jw, JW_KEY("last_seen_ns"), ns_of(&r->last_seen));
	jw_str_plain(&jw, JW_KEY("src"), r->src_ip);
	jw_bool(&jw, JW_KEY("overflow"), r->overflow);
	jw_bool(&jw, JW_KEY("any_sid"), r->any_sid);
	jw_u64(&jw, JW_KEY("protocol"), r->protocol);
	addr_format(&r->dst_ip, dst, sizeof(dst));
	jw_str_plain(&jw, JW_KEY("dst_ip"), dst);
	jw_u64(&jw, JW_KEY("dst_port"), r->dst_port);
	jw_u64(&jw, JW_KEY("sid"), r->sid);
	jw_str(&jw, JW_KEY("family"), r->family);
	jw_str(&jw, JW_KEY("tag"), r->tag);
	jw_str(&jw, JW_KEY("classtype"), r->classtype);
	jw_u64(&jw, JW_KEY("packets"), r->packets);
	jw_u64(&jw, JW_KEY("bytes"), r->bytes);
	jw_u64(&jw, JW_KEY("syns"), r->syns);
	jw_u64(&jw, JW_KEY("checkins"), r->checkins);
	jw_u64(&jw, JW_KEY("checkins_tcp"), r->checkins_tcp);
	jw_u64(&jw, JW_KEY("checkins_verified"), r->checkins_verified);
	jw_u64(&jw, JW_KEY("dns_qtype"), r->dns_qtype);
	jw_close(&jw);
	sb_lit(sb, "\n");
}

size_t counts_line_id(const char *line, size_t len, const char **id)
{
	size_t start = sizeof(COUNTS_LINE_START) - 1;
	const char *end;

	if (len <= start || memcmp(line, COUNTS_LINE_START, start))
		return 0;
	end = memchr(line + start, '"', len - start);
	if (!end)
		return 0;
	*id = line + start;
	return (size_t)(end - *id);
}

/* Members read by name into their places; a missing or mistyped one fails. */
struct counts_reader {
	json_t *obj;
	const char *bad; /* the first member that failed */
};

static uint64_t get_u64(struct counts_reader *rd, const char *key, uint64_t max)
{
	json_t *v = json_object_get(rd->obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max) {
		if (!rd->bad)
			rd->bad = key;
		return 0;
	}
	return (uint64_t)json_integer_value(v);
}

/* A string, or NULL for null (when `nullable`). */
static const char *get_str(struct counts_reader *rd, const char *key, bool nullable)
{
	json_t *v = json_object_get(rd->obj, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (!(nullable && json_is_null(v)) && !rd->bad)
		rd->bad = key;
	return NULL;
}

static bool get_bool(struct counts_reader *rd, const char *key)
{
	json_t *v = json_object_get(rd->obj, key);

	if (!json_is_boolean(v) && !rd->bad)
		rd->bad = key;
	return json_is_true(v);
}

/* The source: a host, or an aggregate's prefix. */
static int parse_source(struct feed_count *c, const char *src)
{
	if (!src)
		return -1;
	if (!c->rec.overflow) {
		c->src.len = 128;
		c->bits = 0;
		return addr_parse(src, &c->src.addr);
	}
	if (prefix_parse(src, &c->src))
		return -1;
	c->bits = prefix_is_v4(&c->src) ? c->src.len - V4_MAPPED_BITS : c->src.len;
	return 0;
}

static void read_members(struct counts_reader *rd, struct feed_count *c)
{
	struct feed_record *r = &c->rec;
	const char *id = get_str(rd, "record_id", false), *dst;

	if (id && strlen(id) < sizeof(c->id))
		memcpy(c->id, id, strlen(id) + 1);
	else if (!rd->bad)
		rd->bad = "record_id";
	r->record_id = c->id;
	r->sensor = get_str(rd, "sensor", false);
	r->timestamp = ts_of(get_u64(rd, "timestamp_ns", UINT64_MAX));
	r->first_seen = ts_of(get_u64(rd, "first_seen_ns", UINT64_MAX));
	r->last_seen = ts_of(get_u64(rd, "last_seen_ns", UINT64_MAX));
	r->overflow = get_bool(rd, "overflow");
	r->any_sid = get_bool(rd, "any_sid");
	r->protocol = (uint8_t)get_u64(rd, "protocol", UINT8_MAX);
	dst = get_str(rd, "dst_ip", false);
	if ((!dst || addr_parse(dst, &r->dst_ip)) && !rd->bad)
		rd->bad = "dst_ip";
	r->dst_port = (uint16_t)get_u64(rd, "dst_port", UINT16_MAX);
	r->has_port = r->protocol == IPPROTO_TCP || r->protocol == IPPROTO_UDP;
	r->sid = (uint32_t)get_u64(rd, "sid", UINT32_MAX);
	r->family = get_str(rd, "family", true);
	r->tag = get_str(rd, "tag", true);
	r->classtype = get_str(rd, "classtype", true);
	r->packets = get_u64(rd, "packets", UINT64_MAX);
	r->bytes = get_u64(rd, "bytes", UINT64_MAX);
	r->syns = get_u64(rd, "syns", UINT64_MAX);
	r->checkins = get_u64(rd, "checkins", UINT64_MAX);
	r->checkins_tcp = get_u64(rd, "checkins_tcp", UINT64_MAX);
	r->checkins_verified = get_u64(rd, "checkins_verified", UINT64_MAX);
	r->dns_qtype = (uint16_t)get_u64(rd, "dns_qtype", UINT16_MAX);
	r->verification =
		record_verification_of(r->protocol, r->checkins_tcp, r->checkins_verified);
	if (parse_source(c, get_str(rd, "src", false)) && !rd->bad)
		rd->bad = "src";
}

int counts_parse(const char *line, size_t len, struct feed_count *c, void **doc, char *err,
		 size_t errlen)
{
	struct counts_reader rd = { 0 };
	json_error_t jerr;

	memset(c, 0, sizeof(*c));
	*doc = NULL;
	rd.obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(rd.obj)) {
		snprintf(err, errlen, "not a JSON object: %s", rd.obj ? "" : jerr.text);
		goto fail;
	}
	if (get_u64(&rd, "v", UINT32_MAX) != COUNTS_VERSION) {
		snprintf(err, errlen, "counts version is not %d", COUNTS_VERSION);
		goto fail;
	}
	read_members(&rd, c);
	if (rd.bad) {
		snprintf(err, errlen, "'%s' missing or not valid", rd.bad);
		goto fail;
	}
	*doc = rd.obj;
	return 0;
fail:
	json_decref(rd.obj);
	return -1;
}

void counts_release(void *doc)
{
	json_decref(doc);
}
