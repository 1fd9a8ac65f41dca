// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * JSON output: string escaping and UTF-8 repair, and feed records parsed
 * back with jansson, field by field.
 */
#include <ctype.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdint.h>
#include "feed/record.h"
#include "lib/addr.h"
#include "lib/json.h"
#include "lib/util.h"
#include "unit.h"
#include "base64_ref.h"

/* The fields record_to_json() writes (record_jsonl.c), in order. */
static const char *const fields[] = {
	"timestamp",
	"first_seen",
	"last_seen",
	"src_ip",
	"src_port",
	"anon_mode",
	"anon_key_id",
	"src_asn",
	"src_as_name",
	"src_geo",
	"protocol",
	"dst_ip",
	"dst_port",
	"family",
	"tag",
	"sid",
	"classtype",
	"http_method",
	"http_url",
	"http_host",
	"http_agent",
	"http_referer",
	"dns_query",
	"payload",
	"packets",
	"bytes",
	"syns",
	"checkins",
	"checkins_verified",
	"verification",
	"dns_qtype",
	"overflow",
	"sensor",
	"record_id",
};
#define NFIELDS ARRAY_SIZE(fields)
_Static_assert(NFIELDS == RECORD_FIELDS, "the field list and RECORD_FIELDS differ");

static const char *escaped(const char *s)
{
	static struct strbuf sb;

	sb_reset(&sb);
	json_put_string(&sb, s);
	CHECK(!sb.oom);
	return sb.buf ? sb.buf : "";
}

static void test_escapes(void)
{
	CHECK_STR(escaped(NULL), "null");
	CHECK_STR(escaped(""), "\"\"");
	CHECK_STR(escaped("plain text"), "\"plain text\"");
	CHECK_STR(escaped("a\"b"), "\"a\\\"b\"");
	CHECK_STR(escaped("a\\b"), "\"a\\\\b\"");
	CHECK_STR(escaped("\\\""), "\"\\\\\\\"\"");
	CHECK_STR(escaped("1\n2\t3\r4"), "\"1\\n2\\t3\\r4\"");
	CHECK_STR(escaped("\x01\x08\x0c\x1f"), "\"\\u0001\\u0008\\u000c\\u001f\"");
	CHECK_STR(escaped("del\x7f!"), "\"del\\u007f!\"");
	CHECK_STR(escaped(" ~/'<>&"), "\" ~/'<>&\"");
}

static void test_utf8(void)
{
	/* Valid sequences stay as they are, at each length's boundaries. */
	CHECK_STR(escaped("\xc2\x80 \xc3\xa9 \xdf\xbf"), "\"\xc2\x80 \xc3\xa9 \xdf\xbf\"");
	CHECK_STR(escaped("\xe0\xa0\x80 \xe2\x82\xac \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf"),
		  "\"\xe0\xa0\x80 \xe2\x82\xac \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf\"");
	CHECK_STR(escaped("\xf0\x90\x80\x80 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"),
		  "\"\xf0\x90\x80\x80 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"");
	/* Anything else: one U+FFFD per byte that is not part of a valid sequence. */
	CHECK_STR(escaped("a\x80z"), "\"a\\ufffdz\"");
	CHECK_STR(escaped("\xff\xfe"), "\"\\ufffd\\ufffd\"");
	CHECK_STR(escaped("\xc0\xaf"), "\"\\ufffd\\ufffd\""); /* overlong '/' */
	CHECK_STR(escaped("\xc1\xbf"), "\"\\ufffd\\ufffd\"");
	CHECK_STR(escaped("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(escaped("\xf0\x80\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(escaped("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\""); /* U+D800 */
	CHECK_STR(escaped("\xed\xbf\xbf"), "\"\\ufffd\\ufffd\\ufffd\""); /* U+DFFF */
	CHECK_STR(escaped("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(escaped("\xf5\x80\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* Truncated: at the end, and before ASCII (which survives). */
	CHECK_STR(escaped("x\xc3"), "\"x\\ufffd\"");
	CHECK_STR(escaped("\xe2\x82"), "\"\\ufffd\\ufffd\"");
	CHECK_STR(escaped("\xf0\x9f\x98"), "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(escaped("\xe2\x82Z\xc3\""), "\"\\ufffd\\ufffdZ\\ufffd\\\"\"");
	CHECK_STR(escaped("\xc3\xa9\xe9t\xc3\xa9"), "\"\xc3\xa9\\ufffdt\xc3\xa9\"");
}

static void test_strbuf(void)
{
	struct strbuf sb = { 0 };
	char big[300];

	sb_lit(&sb, "\"a\":");
	json_put_string(&sb, "x");
	sb_lit(&sb, ",\"b\":");
	json_put_string(&sb, NULL);
	CHECK_STR(sb.buf, "\"a\":\"x\",\"b\":null");
	CHECK_INT(sb.len, strlen("\"a\":\"x\",\"b\":null"));
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sb_reset(&sb);
	CHECK_INT(sb.len, 0);
	sb_printf(&sb, "<%s>", big); /* longer than sb_printf's own buffer */
	CHECK_INT(sb.len, sizeof(big) + 1);
	CHECK(sb.buf[0] == '<' && sb.buf[sb.len - 1] == '>' && sb.buf[sb.len] == '\0');
	sb_free(&sb);
	CHECK(sb.buf == NULL && sb.len == 0);
}

static const char *base64(const void *p, size_t n)
{
	static struct strbuf sb;

	sb_reset(&sb);
	sb_put_base64(&sb, p, n);
	CHECK(!sb.oom);
	return sb.buf ? sb.buf : "";
}

/* RFC 4648's vectors, binary bytes, and lengths across the encoder's pieces. */
static void test_base64(void)
{
	static const size_t lengths[] = { 12287, 12288, 12289, 12290, 24576, 40000 };
	struct json_writer jw;
	struct strbuf sb = { 0 };
	uint8_t *big = malloc(40000);
	char *want = malloc(40000 / 3 * 4 + 8);

	CHECK_STR(base64("", 0), "");
	CHECK_STR(base64("f", 1), "Zg==");
	CHECK_STR(base64("fo", 2), "Zm8=");
	CHECK_STR(base64("foo", 3), "Zm9v");
	CHECK_STR(base64("foob", 4), "Zm9vYg==");
	CHECK_STR(base64("fooba", 5), "Zm9vYmE=");
	CHECK_STR(base64("foobar", 6), "Zm9vYmFy");
	CHECK_STR(base64("\0\0\0", 3), "AAAA");
	CHECK_STR(base64("\xff\xfe\xfd\0\x80", 5), "//79AIA=");
	CHECK_STR(base64("\xfb\xff", 2), "+/8=");
	if (!big || !want)
		goto out;
	for (size_t i = 0; i < 40000; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 8));
	for (size_t i = 0; i < ARRAY_SIZE(lengths); i++) {
		base64_ref(big, lengths[i], want);
		CHECK_INT(strlen(base64(big, lengths[i])), (lengths[i] + 2) / 3 * 4);
		CHECK_STR(base64(big, lengths[i]), want);
	}
	/* The JSON member: a string, null for no bytes, "" for none of them. */
	jw_open(&jw, &sb);
	jw_base64(&jw, JW_KEY("a"), (const uint8_t *)"\0\n\"", 3);
	jw_base64(&jw, JW_KEY("b"), NULL, 0);
	jw_base64(&jw, JW_KEY("c"), (const uint8_t *)"", 0);
	jw_close(&jw);
	CHECK_STR(sb.buf, "{\"a\":\"AAoi\",\"b\":null,\"c\":\"\"}");
out:
	sb_free(&sb);
	free(big);
	free(want);
}

static void test_times_and_protocols(void)
{
	struct timespec ts = { 1795732289, 123456789 };
	char buf[40], num[8];

	format_utc(&ts, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-26T22:31:29.123Z");
	ts.tv_nsec = 999999999; /* truncated, never rounded into the next second */
	format_utc(&ts, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-26T22:31:29.999Z");
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000;
	format_utc(&ts, buf, sizeof(buf));
	CHECK_STR(buf, "1970-01-01T00:00:00.001Z");
	CHECK_STR(protocol_name(IPPROTO_TCP, num, sizeof(num)), "tcp");
	CHECK_STR(protocol_name(IPPROTO_UDP, num, sizeof(num)), "udp");
	CHECK_STR(protocol_name(IPPROTO_ICMP, num, sizeof(num)), "icmp");
	CHECK_STR(protocol_name(IPPROTO_ICMPV6, num, sizeof(num)), "icmpv6");
	CHECK_STR(protocol_name(47, num, sizeof(num)), "47");
	CHECK_STR(protocol_name(0, num, sizeof(num)), "0");
}

/* "2026-11-26T22:31:29.123Z" */
static bool utc_shaped(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
			return false;
	return true;
}

/* One line: the object, then exactly one '\n', the only raw newline. */
static json_t *parse_line(const struct strbuf *sb)
{
	json_error_t err;
	json_t *obj;

	CHECK(!sb->oom);
	CHECK(sb->len >= 3 && sb->buf[sb->len - 1] == '\n');
	CHECK(strchr(sb->buf, '\n') == sb->buf + sb->len - 1);
	CHECK(strchr(sb->buf, '\r') == NULL);
	obj = json_loads(sb->buf, JSON_REJECT_DUPLICATES, &err);
	if (!obj) {
		fprintf(stderr, "  jansson: %s at %d: %s", err.text, err.position, sb->buf);
		CHECK(0);
		return NULL;
	}
	CHECK(json_is_object(obj));
	CHECK_INT(json_object_size(obj), NFIELDS);
	for (size_t i = 0; i < NFIELDS; i++) {
		if (!json_object_get(obj, fields[i]))
			fprintf(stderr, "  field '%s' is missing\n", fields[i]);
		CHECK(json_object_get(obj, fields[i]) != NULL);
	}
	return obj;
}

static const char *str_field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	CHECK(json_is_string(v));
	return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

static long long int_field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	CHECK(json_is_integer(v));
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static bool null_field(json_t *obj, const char *key)
{
	return json_is_null(json_object_get(obj, key));
}

static void test_record_nasty(void)
{
	struct feed_record r = {
		.timestamp = { 1795732289, 123456789 },
		.first_seen = { 1795730405, 999999999 },
		.last_seen = { 1795732200, 0 },
		.src_ip = "198.51.100.23",
		.anon_mode = "ipcrypt-pfx",
		.anon_key_id = "k\"1\n",
		.src_asn = 4294967295u,
		.src_as_name = "EXAMPLE-AS \"Net\", \xc3\xa9\xff",
		.src_geo = "NL",
		.protocol = IPPROTO_TCP,
		.dst_port = 443,
		.has_port = true,
		.family = "ze\"us\n\xff",
		.tag = "ET TROJAN \\ \"Zeus\"\tgate\r\n\x01",
		.sid = 4294967295u,
		.packets = 12345678901ull,
		.bytes = 9007199254740993ull, /* 2^53 + 1: no double holds it */
		.syns = 0,
		.checkins_verified = 9007199254740993ull,
		.verification = VERIFICATION_VERIFIED,
		.sensor = "lab\"sensor\\\x7f\xc3\x28",
	};
	struct strbuf sb = { 0 };
	json_t *obj;

	addr_parse("203.0.113.5", &r.dst_ip);
	record_to_json(&r, &sb);
	obj = parse_line(&sb);
	if (obj) {
		CHECK_STR(str_field(obj, "timestamp"), "2026-11-26T22:31:29.123Z");
		CHECK_STR(str_field(obj, "first_seen"), "2026-11-26T22:00:05.999Z");
		CHECK_STR(str_field(obj, "last_seen"), "2026-11-26T22:30:00.000Z");
		CHECK(utc_shaped(str_field(obj, "timestamp")));
		CHECK(utc_shaped(str_field(obj, "first_seen")));
		CHECK(utc_shaped(str_field(obj, "last_seen")));
		CHECK_STR(str_field(obj, "src_ip"), "198.51.100.23");
		CHECK_STR(str_field(obj, "anon_mode"), "ipcrypt-pfx");
		CHECK_STR(str_field(obj, "anon_key_id"), "k\"1\n");
		CHECK_INT(int_field(obj, "src_asn"), 4294967295ll);
		CHECK_STR(str_field(obj, "src_as_name"),
			  "EXAMPLE-AS \"Net\", \xc3\xa9\xef\xbf\xbd");
		CHECK_STR(str_field(obj, "src_geo"), "NL");
		CHECK_STR(str_field(obj, "protocol"), "tcp");
		CHECK_STR(str_field(obj, "dst_ip"), "203.0.113.5");
		CHECK_INT(int_field(obj, "dst_port"), 443);
		CHECK_STR(str_field(obj, "family"), "ze\"us\n\xef\xbf\xbd");
		CHECK_STR(str_field(obj, "tag"), "ET TROJAN \\ \"Zeus\"\tgate\r\n\x01");
		CHECK_INT(int_field(obj, "sid"), 4294967295ll);
		CHECK_INT(int_field(obj, "packets"), 12345678901ll);
		CHECK_INT(int_field(obj, "bytes"), 9007199254740993ll);
		CHECK_INT(int_field(obj, "syns"), 0);
		CHECK_INT(int_field(obj, "checkins_verified"), 9007199254740993ll);
		CHECK_STR(str_field(obj, "verification"), "verified");
		CHECK_STR(str_field(obj, "sensor"), "lab\"sensor\\\x7f\xef\xbf\xbd(");
	}
	json_decref(obj);
	sb_free(&sb);
}

/*
 * IPv6, no port, no tag, no first_seen: the exact line, so the field
 * order and the nulls too.
 */
static void test_record_nulls(void)
{
	static const char want[] =
		"{\"timestamp\":\"2026-11-26T22:31:29.000Z\",\"first_seen\":null,"
		"\"last_seen\":\"2026-11-26T22:31:29.500Z\",\"src_ip\":\"2001:db8:99::3\","
		"\"src_port\":null,\"anon_mode\":\"none\",\"anon_key_id\":null,\"src_asn\":null,"
		"\"src_as_name\":null,\"src_geo\":null,\"protocol\":\"47\",\"dst_ip\":\"2001:db8:5::1\","
		"\"dst_port\":null,\"family\":\"unclassified\",\"tag\":null,\"sid\":0,"
		"\"classtype\":null,\"http_method\":null,\"http_url\":null,\"http_host\":null,"
		"\"http_agent\":null,\"http_referer\":null,\"dns_query\":null,\"payload\":null,"
		"\"packets\":1,\"bytes\":1514,\"syns\":0,\"checkins\":0,"
		"\"checkins_verified\":0,\"verification\":\"unverifiable\","
		"\"dns_qtype\":null,\"overflow\":false,\"sensor\":\"s1\",\"record_id\":\"s1:00000000000000ab:7:0\"}\n";
	struct feed_record r = {
		.timestamp = { 1795732289, 0 },
		.last_seen = { 1795732289, 500000000 },
		.src_ip = "2001:db8:99::3",
		.anon_mode = "none",
		.protocol = 47,
		.dst_port = 8080, /* ignored: has_port is false */
		.family = "unclassified",
		.packets = 1,
		.bytes = 1514,
		.sensor = "s1",
		.record_id = "s1:00000000000000ab:7:0",
	};
	struct strbuf sb = { 0 };
	json_t *obj;

	addr_parse("2001:db8:5::1", &r.dst_ip);
	record_to_json(&r, &sb);
	CHECK_STR(sb.buf, want);
	obj = parse_line(&sb);
	if (obj) {
		CHECK_EACH(null_field, obj, "first_seen", "dst_port", "tag", "anon_key_id",
			   "src_asn", "src_as_name", "src_geo", "src_port", "http_method",
			   "http_url", "http_host", "http_agent", "http_referer", "dns_query",
			   "payload");
		CHECK_STR(str_field(obj, "protocol"), "47");
		CHECK_STR(str_field(obj, "dst_ip"), "2001:db8:5::1");
		CHECK_INT(int_field(obj, "sid"), 0);
	}
	json_decref(obj);

	/* Missing strings are null too; port 0 with has_port is a number. */
	memset(&r, 0, sizeof(r));
	r.timestamp.tv_sec = 1795732289;
	r.protocol = IPPROTO_UDP;
	r.has_port = true;
	sb_reset(&sb);
	record_to_json(&r, &sb);
	obj = parse_line(&sb);
	if (obj) {
		CHECK_EACH(null_field, obj, "first_seen", "last_seen", "anon_mode", "family", "tag",
			   "sensor");
		CHECK_STR(str_field(obj, "src_ip"), "");
		CHECK_STR(str_field(obj, "dst_ip"), "::");
		CHECK_STR(str_field(obj, "protocol"), "udp");
		CHECK_INT(int_field(obj, "dst_port"), 0);
		CHECK(json_is_false(json_object_get(obj, "overflow")));
	}
	json_decref(obj);

	/* A catch-all: overflow true, sid null. */
	r.overflow = true;
	r.any_sid = true;
	snprintf(r.src_ip, sizeof(r.src_ip), "0.0.0.0/0");
	sb_reset(&sb);
	record_to_json(&r, &sb);
	obj = parse_line(&sb);
	if (obj) {
		CHECK(json_is_true(json_object_get(obj, "overflow")));
		CHECK(null_field(obj, "sid"));
		CHECK_STR(str_field(obj, "src_ip"), "0.0.0.0/0");
	}
	json_decref(obj);
	sb_free(&sb);
}

int main(void)
{
	test_escapes();
	test_utf8();
	test_strbuf();
	test_base64();
	test_times_and_protocols();
	test_record_nasty();
	test_record_nulls();
	return unit_report("test_json");
}
