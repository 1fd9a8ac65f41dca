// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the record formatters. Arbitrary bytes become the
 * record's strings (family, tag, classtype, sensor, AS name, country, key
 * id: any bytes, invalid UTF-8 and control characters included) and
 * numbers. In every format the output must be exactly one line; the JSON
 * line parses back into an object with every field, the IntelMQ line into
 * an object without a single null and with source.ip only for a raw,
 * single source.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "feed/record.h"
#include "lib/json.h"

/* The next NUL-free piece of the input (up to a 0xff byte), as a string. */
static char *take(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *start = *p;
	size_t n = 0;
	char *s;

	while (*p < end && **p != 0xff) {
		(*p)++;
		n++;
	}
	if (*p < end)
		(*p)++;
	s = malloc(n + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		s[i] = start[i] ? (char)start[i] : ' ';
	s[n] = '\0';
	return s;
}

/* Up to 2^53: counts a JSON reader keeps exact as doubles too. */
static uint64_t take64(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;

	for (int i = 0; i < 8 && *p < end; i++, (*p)++)
		v = v << 8 | **p;
	return v & ((1ULL << 53) - 1);
}

static bool one_line(const struct strbuf *sb)
{
	return sb->len && sb->buf[sb->len - 1] == '\n' && !memchr(sb->buf, '\n', sb->len - 1);
}

/* IntelMQ: an object, no nulls, source.ip only for a raw single source. */
static void check_intelmq(const struct feed_record *r, struct strbuf *sb)
{
	const char *key;
	json_error_t err;
	json_t *obj, *v;

	sb_reset(sb);
	record_format(FORMAT_INTELMQ, r, sb);
	if (sb->oom)
		return;
	if (!one_line(sb))
		abort();
	obj = json_loads(sb->buf, JSON_REJECT_DUPLICATES, &err);
	if (!obj || !json_is_object(obj))
		abort();
	json_object_foreach(obj, key, v) if (json_is_null(v)) abort();
	if (!!json_object_get(obj, "source.ip") != (r->src_is_raw && !r->overflow))
		abort();
	json_decref(obj);
}

static void check_csv(const struct feed_record *r, struct strbuf *sb)
{
	sb_reset(sb);
	record_format(FORMAT_SHADOWSERVER_CSV, r, sb);
	if (!sb->oom && !one_line(sb))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct feed_record r = { .anon_mode = "none", .src_ip = "198.51.100.7" };
	char *family = take(&p, end), *tag = take(&p, end), *classtype = take(&p, end);
	char *sensor = take(&p, end), *as_name = take(&p, end), *geo = take(&p, end);
	char *key_id = take(&p, end);
	struct strbuf sb = { 0 };
	json_error_t err;
	json_t *obj;

	if (!family || !tag || !classtype || !sensor || !as_name || !geo || !key_id)
		goto out;
	r.family = family;
	r.tag = *tag ? tag : NULL;
	r.classtype = *classtype ? classtype : NULL;
	r.sensor = sensor;
	r.record_id = sensor;
	r.src_as_name = *as_name ? as_name : NULL;
	r.src_geo = *geo ? geo : NULL;
	r.anon_key_id = *key_id ? key_id : NULL;
	r.timestamp.tv_sec = (time_t)(take64(&p, end) % 4102444800ULL);
	r.timestamp.tv_nsec = (long)(take64(&p, end) % 1000000000ULL);
	r.last_seen = r.timestamp;
	r.protocol = (uint8_t)take64(&p, end);
	r.has_port = take64(&p, end) & 1;
	r.dst_port = (uint16_t)take64(&p, end);
	r.sid = (uint32_t)take64(&p, end);
	r.packets = take64(&p, end);
	r.bytes = take64(&p, end);
	r.syns = take64(&p, end);
	r.checkins = take64(&p, end);
	r.dns_qtype = (uint16_t)take64(&p, end);
	r.overflow = take64(&p, end) & 1;
	r.any_sid = r.overflow && (take64(&p, end) & 1);
	r.src_asn = (uint32_t)take64(&p, end);
	r.src_is_raw = take64(&p, end) & 1;
	/* Taken last, so the seeds written before them mean what they meant. */
	r.checkins_verified = take64(&p, end);
	r.verification = (enum record_verification)(take64(&p, end) % 3);
	snprintf(r.src_network, sizeof(r.src_network), "%s", r.overflow ? "" : "198.51.100.0/24");
	record_to_json(&r, &sb);
	if (sb.oom)
		goto out;
	if (!sb.len || sb.buf[sb.len - 1] != '\n' || memchr(sb.buf, '\n', sb.len - 1))
		abort(); /* not exactly one line */
	obj = json_loads(sb.buf, JSON_REJECT_DUPLICATES, &err);
	if (!obj || !json_is_object(obj) || json_object_size(obj) != RECORD_FIELDS ||
	    json_integer_value(json_object_get(obj, "packets")) != (json_int_t)r.packets ||
	    json_is_true(json_object_get(obj, "overflow")) != r.overflow ||
	    json_is_null(json_object_get(obj, "sid")) != r.any_sid ||
	    json_integer_value(json_object_get(obj, "checkins_verified")) !=
		    (json_int_t)r.checkins_verified ||
	    strcmp(json_string_value(json_object_get(obj, "verification")) ?: "",
		   record_verification_name(r.verification)))
		abort();
	json_decref(obj);
	check_intelmq(&r, &sb);
	check_csv(&r, &sb);
out:
	sb_free(&sb);
	free(family);
	free(tag);
	free(classtype);
	free(sensor);
	free(as_name);
	free(geo);
	free(key_id);
	return 0;
}
