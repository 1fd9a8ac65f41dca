// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the bot's evidence in every feed format. The input is
 * a source port (2 bytes), a byte of flags (the port known, a DNS query
 * type), a byte of the fields that are NULL, then the evidence's texts separated by
 * 0xff bytes (method, URL, Host, User-Agent, Referer, DNS query: any bytes,
 * invalid UTF-8 and control characters included) and last the payload,
 * NULs and 0xff included. In every format the record is exactly one line;
 * the JSON ones parse back (no duplicate key), jsonl with every field and
 * each text as sent (invalid UTF-8 as U+FFFD), IntelMQ without a null and
 * with a destination.fqdn IntelMQ takes; the CSV layouts are RFC 4180 with
 * as many fields as their header. The payload is the same base64 in each.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "feed/record.h"
#include "../unit/base64_ref.h"
#include "lib/json.h"

enum { TEXTS = 6 };

/* The flags byte; in the next, bit i is set when field i is NULL (TEXTS: the payload). */
#define FLAG_PORT 0x01
#define FLAG_QTYPE 0x02
#define HEAD 4

static const char *const text_keys[TEXTS] = { "http_method", "http_url",     "http_host",
					      "http_agent",  "http_referer", "dns_query" };

/* The next piece up to a 0xff byte, as a string (a NUL in it ends it early). */
static char *take(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *stop = memchr(*p, 0xff, (size_t)(end - *p));
	size_t n = (size_t)((stop ? stop : end) - *p);
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += n + (stop != NULL);
	return s;
}

/* The reference encoding of p, allocated. */
static char *base64_of(const uint8_t *p, size_t n)
{
	char *out = malloc((n + 2) / 3 * 4 + 1);

	if (!out)
		abort();
	base64_ref(p, n, out);
	return out;
}

/* s as a JSON reader gets it back: each byte outside valid UTF-8 a U+FFFD. */
static char *repaired(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 1), *o = out;
	const unsigned char *p = (const unsigned char *)s;

	if (!out)
		abort();
	while (*p) {
		size_t n = utf8_sequence(p);

		if (!n) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
			continue;
		}
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	*o = '\0';
	return out;
}

static bool one_line(const struct strbuf *sb)
{
	return sb->len && sb->buf[sb->len - 1] == '\n' && !memchr(sb->buf, '\n', sb->len - 1);
}

static json_t *parse_object(const struct strbuf *sb)
{
	json_error_t err;
	json_t *obj = json_loads(sb->buf, JSON_REJECT_DUPLICATES, &err);

	if (!obj || !json_is_object(obj))
		abort();
	return obj;
}

/* A member that is a string equal to want, or null when want is NULL. */
static void check_member(json_t *obj, const char *key, const char *want)
{
	json_t *v = json_object_get(obj, key);

	if (!want) {
		if (!json_is_null(v))
			abort();
		return;
	}
	if (!json_is_string(v) || strcmp(json_string_value(v), want))
		abort();
}

static void check_jsonl(const struct feed_record *r, const struct strbuf *sb, const char *b64)
{
	json_t *obj = parse_object(sb), *port = json_object_get(obj, "src_port");
	const char *texts[TEXTS] = { r->ev.http_method, r->ev.http_url,	    r->ev.http_host,
				     r->ev.http_agent,	r->ev.http_referer, r->ev.dns_query };

	if (json_object_size(obj) != RECORD_FIELDS)
		abort();
	if (r->ev.has_src_port ? json_integer_value(port) != r->ev.src_port : !json_is_null(port))
		abort();
	for (int i = 0; i < TEXTS; i++) {
		char *want = texts[i] ? repaired(texts[i]) : NULL;

		check_member(obj, text_keys[i], want);
		free(want);
	}
	check_member(obj, "payload", b64);
	json_decref(obj);
}

/* What IntelMQ's FQDN takes: lower case, LDH and dots, no dot at an end. */
static bool fqdn_valid(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > 253 || s[0] == '.' || s[len - 1] == '.')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.") == len;
}

static void check_intelmq(const struct feed_record *r, const struct strbuf *sb, const char *b64)
{
	json_t *obj = parse_object(sb), *v;
	const char *key, *s;

	json_object_foreach(obj, key, v) if (json_is_null(v)) abort();
	s = json_string_value(json_object_get(obj, "destination.fqdn"));
	if (s && !fqdn_valid(s))
		abort();
	s = json_string_value(json_object_get(obj, "destination.url"));
	if (s && (strncmp(s, "http://", 7) || !s[7] || s[7] == '/'))
		abort();
	if (!!json_object_get(obj, "source.port") != r->ev.has_src_port)
		abort();
	if (r->ev.payload_len)
		check_member(obj, "extra.payload", b64);
	else if (json_object_get(obj, "extra.payload"))
		abort();
	json_decref(obj);
}

/*
 * RFC 4180 as the formats write it: a field is plain (no quote, no CR) or
 * quoted (quotes doubled inside). The number of fields; the last one's
 * start in *last.
 */
static size_t csv_fields(const char *line, const char **last)
{
	const char *p = line;
	size_t n = 0;

	for (;;) {
		*last = p;
		n++;
		if (*p == '"') {
			for (p++; !(p[0] == '"' && p[1] != '"'); p += p[0] == '"' ? 2 : 1)
				if (!*p || *p == '\n')
					abort(); /* unterminated, or a newline inside */
			p++;
		} else {
			p += strcspn(p, ",\"\r\n");
		}
		if (*p == '\n' && !p[1])
			return n;
		if (*p != ',')
			abort();
		p++;
	}
}

static void check_csv(enum record_format f, const struct feed_record *r, const struct strbuf *sb,
		      const char *b64)
{
	const char *last, *header = record_format_header(f);
	const char *want = r->ev.payload ? b64 : "";
	size_t columns = 1, n;

	for (const char *h = header; *h; h++)
		columns += *h == ',';
	if (csv_fields(sb->buf, &last) != columns)
		abort();
	/* The payload, the last column: base64 needs no quotes. */
	n = strlen(last) - 1;
	if (n != strlen(want) || strncmp(last, want, n))
		abort();
}

static void check_format(enum record_format f, const struct feed_record *r, struct strbuf *sb,
			 const char *b64)
{
	sb_reset(sb);
	record_format(f, r, sb);
	if (sb->oom)
		return;
	if (!one_line(sb) || memchr(sb->buf, '\r', sb->len))
		abort();
	if (f == FORMAT_JSONL)
		check_jsonl(r, sb, b64);
	else if (f == FORMAT_INTELMQ)
		check_intelmq(r, sb, b64);
	else
		check_csv(f, r, sb, b64);
}

static struct feed_record base_record(void)
{
	struct feed_record r = {
		.timestamp = { 1795732289, 0 },
		.src_ip = "198.51.100.7",
		.src_is_raw = true,
		.src_network = "198.51.100.0/24",
		.anon_mode = "none",
		.protocol = 6,
		.has_port = true,
		.dst_port = 80,
		.family = "zeus",
		.sid = 1000001,
		.checkins = 1,
		.sensor = "fuzz",
		.record_id = "fuzz:1:1:0",
	};

	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data + HEAD, *end = data + size;
	struct feed_record r = base_record();
	const char **fields[TEXTS] = { &r.ev.http_method, &r.ev.http_url,     &r.ev.http_host,
				       &r.ev.http_agent,  &r.ev.http_referer, &r.ev.dns_query };
	char *texts[TEXTS], *b64;
	struct strbuf sb = { 0 };
	uint8_t flags, nulls;

	if (size < HEAD)
		return 0;
	flags = data[2];
	nulls = data[3];
	r.ev.has_src_port = flags & FLAG_PORT;
	r.ev.src_port = (uint16_t)(data[0] << 8 | data[1]);
	r.dns_qtype = flags & FLAG_QTYPE ? 1 : 0;
	for (int i = 0; i < TEXTS; i++) {
		texts[i] = take(&p, end);
		*fields[i] = nulls & 1 << i ? NULL : texts[i];
	}
	if (!(nulls & 1 << TEXTS)) {
		r.ev.payload = p;
		r.ev.payload_len = (size_t)(end - p);
	}
	b64 = r.ev.payload ? base64_of(r.ev.payload, r.ev.payload_len) : NULL;
	for (int f = FORMAT_JSONL; f < FORMAT_COUNTS; f++)
		check_format((enum record_format)f, &r, &sb, b64);
	sb_free(&sb);
	free(b64);
	for (int i = 0; i < TEXTS; i++)
		free(texts[i]);
	return 0;
}
