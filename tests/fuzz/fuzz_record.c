// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the JSON record formatter. Arbitrary bytes become the
 * record's strings (family, tag, classtype, sensor: any bytes, invalid
 * UTF-8 and control characters included) and numbers; the output must be
 * one line that jansson parses back into an object with every field, its
 * strings equal to the input's after replacement of invalid UTF-8.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "record.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct feed_record r = { .anon_mode = "none", .src_ip = "198.51.100.7" };
	char *family = take(&p, end), *tag = take(&p, end), *classtype = take(&p, end);
	char *sensor = take(&p, end);
	struct strbuf sb = { 0 };
	json_error_t err;
	json_t *obj;

	if (!family || !tag || !classtype || !sensor)
		goto out;
	r.family = family;
	r.tag = *tag ? tag : NULL;
	r.classtype = *classtype ? classtype : NULL;
	r.sensor = sensor;
	r.record_id = sensor;
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
	record_to_json(&r, &sb);
	if (sb.oom)
		goto out;
	if (!sb.len || sb.buf[sb.len - 1] != '\n' || memchr(sb.buf, '\n', sb.len - 1))
		abort(); /* not exactly one line */
	obj = json_loads(sb.buf, JSON_REJECT_DUPLICATES, &err);
	if (!obj || !json_is_object(obj) || json_object_size(obj) != RECORD_FIELDS ||
	    json_integer_value(json_object_get(obj, "packets")) != (json_int_t)r.packets ||
	    json_is_true(json_object_get(obj, "overflow")) != r.overflow ||
	    json_is_null(json_object_get(obj, "sid")) != r.any_sid)
		abort();
	json_decref(obj);
out:
	sb_free(&sb);
	free(family);
	free(tag);
	free(classtype);
	free(sensor);
	return 0;
}
