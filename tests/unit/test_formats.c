// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The feed formats read back as their consumers read them: jsonl and
 * IntelMQ with jansson, both shadowserver CSV layouts with a strict RFC
 * 4180 reader written here. Field by field, with exact values; and every
 * record one line, whatever its strings (the bot's evidence most of all)
 * hold.
 */
#include <jansson.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdint.h>
#include "feed/record.h"
#include "lib/addr.h"
#include "lib/json.h"
#include "lib/util.h"
#include "unit.h"

/* Thursday 2026-11-26 22:31:29 UTC */
#define T0 1795732289

/* Shadowserver's Sinkhole Events columns, then botsink's: typed out again. */
static const char *const csv_columns[] = {
	"timestamp",	 "protocol",	 "src_ip",     "src_port",
	"src_asn",	 "src_geo",	 "src_region", "src_city",
	"src_hostname",	 "src_naics",	 "src_sector", "device_vendor",
	"device_type",	 "device_model", "severity",   "dst_ip",
	"dst_port",	 "dst_asn",	 "dst_geo",    "dst_region",
	"dst_city",	 "dst_hostname", "dst_naics",  "dst_sector",
	"public_source", "infection",	 "family",     "tag",
	"application",	 "version",	 "event_id",   "count",
	"packets",	 "bytes",	 "syns",       "checkins_verified",
	"verification",	 "first_seen",	 "last_seen",  "sid",
	"classtype",	 "dns_qtype",	 "overflow",   "anon_mode",
	"anon_key_id",	 "sensor",	 "record_id",  "http_method",
	"http_url",	 "http_host",	 "http_agent", "http_referer",
	"dns_query",	 "payload",
};
#define NCOLUMNS ARRAY_SIZE(csv_columns)

/* Sinkhole HTTP Events': the same 31, the request's 6, then botsink's but those. */
static const char *const http_columns[] = {
	"timestamp",	 "protocol",	 "src_ip",
	"src_port",	 "src_asn",	 "src_geo",
	"src_region",	 "src_city",	 "src_hostname",
	"src_naics",	 "src_sector",	 "device_vendor",
	"device_type",	 "device_model", "severity",
	"dst_ip",	 "dst_port",	 "dst_asn",
	"dst_geo",	 "dst_region",	 "dst_city",
	"dst_hostname",	 "dst_naics",	 "dst_sector",
	"public_source", "infection",	 "family",
	"tag",		 "application",	 "version",
	"event_id",	 "http_url",	 "http_host",
	"http_agent",	 "forwarded_by", "ssl_cipher",
	"http_referer",	 "count",	 "packets",
	"bytes",	 "syns",	 "checkins_verified",
	"verification",	 "first_seen",	 "last_seen",
	"sid",		 "classtype",	 "dns_qtype",
	"overflow",	 "anon_mode",	 "anon_key_id",
	"sensor",	 "record_id",	 "http_method",
	"dns_query",	 "payload",
};

/* A CSV format and its columns. */
struct csv_layout {
	enum record_format format;
	const char *const *columns;
	size_t n;
};

static const struct csv_layout generic_csv = { FORMAT_SHADOWSERVER_CSV, csv_columns, NCOLUMNS };
static const struct csv_layout http_csv = { FORMAT_SHADOWSERVER_HTTP_CSV, http_columns,
					    ARRAY_SIZE(http_columns) };

/* ---- a strict RFC 4180 reader ---- */

#define MAX_FIELDS 64

struct csv_row {
	size_t n;
	char *field[MAX_FIELDS];
	const struct csv_layout *layout; /* the columns' names; NULL: shadowserver-csv's */
};

static void csv_row_free(struct csv_row *row)
{
	for (size_t i = 0; i < row->n; i++)
		free(row->field[i]);
	row->n = 0;
}

/* A quoted field from after its opening quote; the end, or NULL. */
static const char *csv_quoted(const char *p, char *o)
{
	for (;; p++) {
		if (!*p)
			return NULL; /* unterminated */
		if (*p == '"') {
			if (p[1] != '"')
				return p + 1;
			p++;
		}
		*o++ = *p;
	}
}

/*
 * Unquoted: no quote, no CR, and (botsink's promise beyond RFC 4180) no
 * space at either end, which a trimming reader would lose.
 */
static const char *csv_plain(const char *p, char *o)
{
	const char *start = p;

	while (*p && *p != ',' && *p != '\n') {
		if (*p == '"' || *p == '\r')
			return NULL;
		*o++ = *p++;
	}
	if (p > start && (start[0] == ' ' || p[-1] == ' '))
		return NULL;
	return p;
}

/* One record ending in its only "\n"; the number of fields, or -1. */
static int csv_parse_line(const char *line, struct csv_row *row)
{
	const char *p = line;

	row->n = 0;
	row->layout = NULL;
	if (!*line || strchr(line, '\n') != line + strlen(line) - 1)
		return -1;
	for (;;) {
		char *out = calloc(strlen(line) + 1, 1);

		if (!out || row->n == MAX_FIELDS) {
			free(out);
			return -1;
		}
		row->field[row->n++] = out;
		p = *p == '"' ? csv_quoted(p + 1, out) : csv_plain(p, out);
		if (!p)
			return -1;
		if (*p == '\n' && !p[1])
			return (int)row->n;
		if (*p != ',')
			return -1;
		p++;
	}
}

static const char *csv_field(const struct csv_row *row, const char *column)
{
	const struct csv_layout *l = row->layout ? row->layout : &generic_csv;

	for (size_t i = 0; i < l->n && i < row->n; i++)
		if (!strcmp(l->columns[i], column))
			return row->field[i];
	fprintf(stderr, "  no column '%s'\n", column);
	return "(no such column)";
}

static bool csv_empty(const struct csv_row *row, const char *column)
{
	return !strcmp(csv_field(row, column), "");
}

/* The reader itself: it must refuse what is not RFC 4180. */
static void test_csv_reader(void)
{
	struct csv_row row;

	CHECK_INT(csv_parse_line("a,\"b,\"\"c\"\"\",,\" d \"\n", &row), 4);
	CHECK_STR(row.field[1], "b,\"c\"");
	CHECK_STR(row.field[2], "");
	CHECK_STR(row.field[3], " d ");
	csv_row_free(&row);
	CHECK_INT(csv_parse_line("a,b\"c\n", &row), -1);
	csv_row_free(&row);
	CHECK_INT(csv_parse_line("a,\"b\n", &row), -1);
	csv_row_free(&row);
	CHECK_INT(csv_parse_line("a,\"b\"c\n", &row), -1);
	csv_row_free(&row);
	CHECK_INT(csv_parse_line("a, b\n", &row), -1);
	csv_row_free(&row);
	CHECK_INT(csv_parse_line("a,b\r\n", &row), -1);
	csv_row_free(&row);
	CHECK_INT(csv_parse_line("a,\"b\nc\"\n", &row), -1);
	csv_row_free(&row);
	CHECK_INT(csv_parse_line("a,b", &row), -1);
	csv_row_free(&row);
}

/* ---- names and the dispatch ---- */

static void test_names(void)
{
	enum record_format f = FORMAT_INTELMQ;

	CHECK_INT(record_format_parse("jsonl", &f), 0);
	CHECK_INT(f, FORMAT_JSONL);
	CHECK_INT(record_format_parse("shadowserver-csv", &f), 0);
	CHECK_INT(f, FORMAT_SHADOWSERVER_CSV);
	CHECK_INT(record_format_parse("shadowserver-http-csv", &f), 0);
	CHECK_INT(f, FORMAT_SHADOWSERVER_HTTP_CSV);
	CHECK_INT(record_format_parse("intelmq", &f), 0);
	CHECK_INT(f, FORMAT_INTELMQ);
	CHECK_INT(record_format_parse("csv", &f), -1);
	CHECK_INT(record_format_parse("JSONL", &f), -1);
	CHECK_INT(record_format_parse("", &f), -1);
	CHECK_INT(record_format_parse("intelmq ", &f), -1);
	CHECK_INT(f, FORMAT_INTELMQ); /* untouched by a failure */
	CHECK_STR(record_format_name(FORMAT_JSONL), "jsonl");
	CHECK_STR(record_format_name(FORMAT_SHADOWSERVER_CSV), "shadowserver-csv");
	CHECK_STR(record_format_name(FORMAT_SHADOWSERVER_HTTP_CSV), "shadowserver-http-csv");
	CHECK_STR(record_format_name(FORMAT_INTELMQ), "intelmq");
	CHECK(record_format_header(FORMAT_JSONL) == NULL);
	CHECK(record_format_header(FORMAT_INTELMQ) == NULL);
	CHECK(record_format_header(FORMAT_COUNTS) == NULL);
	CHECK(record_format_header(FORMAT_SHADOWSERVER_CSV) == SHADOWSERVER_CSV_HEADER);
	CHECK(record_format_header(FORMAT_SHADOWSERVER_HTTP_CSV) == SHADOWSERVER_HTTP_CSV_HEADER);
}

static void check_csv_header(const struct csv_layout *l, size_t columns)
{
	const char *header = record_format_header(l->format);
	struct csv_row row;

	CHECK_INT(l->n, columns);
	if (!header)
		return;
	CHECK_INT(csv_parse_line(header, &row), l->n);
	for (size_t i = 0; i < l->n && i < row.n; i++)
		CHECK_STR(row.field[i], l->columns[i]);
	csv_row_free(&row);
}

static void test_csv_header(void)
{
	check_csv_header(&generic_csv, SHADOWSERVER_CSV_COLUMNS);
	check_csv_header(&http_csv, SHADOWSERVER_HTTP_CSV_COLUMNS);
}

/* A classified TCP check-in from a raw source, with enrichment. */
static struct feed_record zeus_record(void)
{
	struct feed_record r = {
		.timestamp = { T0, 999000000 },
		.first_seen = { T0 - 1800, 5000000 },
		.last_seen = { T0 - 29, 250000000 },
		.src_ip = "198.51.100.23",
		.src_is_raw = true,
		.src_network = "198.51.100.0/24",
		.anon_mode = "none",
		.src_asn = 64500,
		.src_as_name = "EXAMPLE-NET, \"Example\" B.V.",
		.src_geo = "NL",
		.protocol = IPPROTO_TCP,
		.dst_port = 443,
		.has_port = true,
		.family = "zeus",
		.tag = "ET MALWARE Zeus, \"gate\" check-in",
		.sid = 2000001,
		.classtype = "trojan-activity",
		.packets = 12,
		.bytes = 9007199254740993ull,
		.syns = 3,
		.checkins = 7,
		.checkins_verified = 5,
		.verification = VERIFICATION_VERIFIED,
		.sensor = "lab-1",
		.record_id = "lab-1:00000000000000ab:7:0",
	};

	addr_parse("203.0.113.5", &r.dst_ip);
	return r;
}

static void test_dispatch(void)
{
	struct feed_record r = zeus_record();
	struct strbuf a = { 0 }, b = { 0 };

	record_format(FORMAT_JSONL, &r, &a);
	record_to_json(&r, &b);
	CHECK_STR(a.buf, b.buf);
	sb_reset(&a);
	sb_reset(&b);
	record_format(FORMAT_SHADOWSERVER_CSV, &r, &a);
	record_to_shadowserver_csv(&r, &b);
	CHECK_STR(a.buf, b.buf);
	sb_reset(&a);
	sb_reset(&b);
	record_format(FORMAT_SHADOWSERVER_HTTP_CSV, &r, &a);
	record_to_shadowserver_http_csv(&r, &b);
	CHECK_STR(a.buf, b.buf);
	sb_reset(&a);
	sb_reset(&b);
	record_format(FORMAT_INTELMQ, &r, &a);
	record_to_intelmq(&r, &b);
	CHECK_STR(a.buf, b.buf);
	sb_free(&a);
	sb_free(&b);
}

/* ---- shadowserver-csv ---- */

/* r in layout l, read back: as many fields as the header has columns. */
static void format_csv_as(const struct csv_layout *l, const struct feed_record *r,
			  struct strbuf *sb, struct csv_row *row)
{
	sb_reset(sb);
	record_format(l->format, r, sb);
	CHECK(!sb->oom);
	CHECK_INT(csv_parse_line(sb->buf ? sb->buf : "", row), l->n);
	if (row->n != l->n)
		fprintf(stderr, "  line: %.300s\n", sb->buf);
	row->layout = l;
}

static void format_csv(const struct feed_record *r, struct strbuf *sb, struct csv_row *row)
{
	format_csv_as(&generic_csv, r, sb, row);
}

static void test_csv_record(void)
{
	static const char want[] =
		"2026-11-26 22:31:29,tcp,198.51.100.23,,64500,NL,,,,,,,,,critical,203.0.113.5,443,"
		",,,,,,,,zeus,zeus,\"ET MALWARE Zeus, \"\"gate\"\" check-in\",,,"
		"lab-1:00000000000000ab:7:0,7,12,9007199254740993,3,5,verified,2026-11-26T22:01:29.005Z,"
		"2026-11-26T22:31:00.250Z,2000001,trojan-activity,,false,none,,lab-1,"
		"lab-1:00000000000000ab:7:0,,,,,,,\n";
	struct feed_record r = zeus_record();
	struct strbuf sb = { 0 };
	struct csv_row row;

	format_csv(&r, &sb, &row);
	CHECK_STR(sb.buf, want);
	CHECK_STR(csv_field(&row, "timestamp"), "2026-11-26 22:31:29");
	CHECK_STR(csv_field(&row, "protocol"), "tcp");
	CHECK_STR(csv_field(&row, "src_ip"), "198.51.100.23");
	CHECK_STR(csv_field(&row, "src_port"), "");
	CHECK_STR(csv_field(&row, "src_asn"), "64500");
	CHECK_STR(csv_field(&row, "src_geo"), "NL");
	CHECK_STR(csv_field(&row, "src_city"), "");
	CHECK_STR(csv_field(&row, "device_model"), "");
	CHECK_STR(csv_field(&row, "severity"), "critical");
	CHECK_STR(csv_field(&row, "dst_ip"), "203.0.113.5");
	CHECK_STR(csv_field(&row, "dst_port"), "443");
	CHECK_STR(csv_field(&row, "dst_asn"), "");
	CHECK_STR(csv_field(&row, "public_source"), "");
	CHECK_STR(csv_field(&row, "infection"), "zeus");
	CHECK_STR(csv_field(&row, "family"), "zeus");
	CHECK_STR(csv_field(&row, "tag"), "ET MALWARE Zeus, \"gate\" check-in");
	CHECK_STR(csv_field(&row, "application"), "");
	CHECK_STR(csv_field(&row, "version"), "");
	CHECK_STR(csv_field(&row, "event_id"), "lab-1:00000000000000ab:7:0");
	CHECK_STR(csv_field(&row, "count"), "7");
	CHECK_STR(csv_field(&row, "packets"), "12");
	CHECK_STR(csv_field(&row, "bytes"), "9007199254740993");
	CHECK_STR(csv_field(&row, "syns"), "3");
	CHECK_STR(csv_field(&row, "checkins_verified"), "5");
	CHECK_STR(csv_field(&row, "verification"), "verified");
	CHECK_STR(csv_field(&row, "first_seen"), "2026-11-26T22:01:29.005Z");
	CHECK_STR(csv_field(&row, "last_seen"), "2026-11-26T22:31:00.250Z");
	CHECK_STR(csv_field(&row, "sid"), "2000001");
	CHECK_STR(csv_field(&row, "classtype"), "trojan-activity");
	CHECK_STR(csv_field(&row, "dns_qtype"), "");
	CHECK_STR(csv_field(&row, "overflow"), "false");
	CHECK_STR(csv_field(&row, "anon_mode"), "none");
	CHECK_STR(csv_field(&row, "anon_key_id"), "");
	CHECK_STR(csv_field(&row, "sensor"), "lab-1");
	CHECK_STR(csv_field(&row, "record_id"), "lab-1:00000000000000ab:7:0");
	CHECK_EACH(csv_empty, &row, "http_method", "http_url", "http_host", "http_agent",
		   "http_referer", "dns_query", "payload");
	csv_row_free(&row);
	sb_free(&sb);
}

/* Text that needs quoting or cleaning, in every text column. */
static void test_csv_nasty_text(void)
{
	struct feed_record r = zeus_record();
	struct strbuf sb = { 0 };
	struct csv_row row;

	r.tag = "  Zeus \"v2\"\ncheck-in, stage\t1\r";
	r.family = "ze,us";
	r.classtype = " lead";
	r.sensor = "trail ";
	r.src_as_name = "unused by the CSV";
	r.src_geo = "\x01X";
	r.anon_key_id = "k\xff\"";
	r.anon_mode = "ipcrypt-pfx";
	r.src_is_raw = false;
	r.record_id = "\"";
	format_csv(&r, &sb, &row);
	CHECK_STR(csv_field(&row, "tag"), "  Zeus \"v2\" check-in, stage 1 ");
	CHECK_STR(csv_field(&row, "infection"), "ze,us");
	CHECK_STR(csv_field(&row, "family"), "ze,us");
	CHECK_STR(csv_field(&row, "classtype"), " lead");
	CHECK_STR(csv_field(&row, "sensor"), "trail ");
	CHECK_STR(csv_field(&row, "src_geo"), " X");
	CHECK_STR(csv_field(&row, "anon_key_id"), "k\xef\xbf\xbd\"");
	CHECK_STR(csv_field(&row, "anon_mode"), "ipcrypt-pfx");
	CHECK_STR(csv_field(&row, "record_id"), "\"");
	CHECK_STR(csv_field(&row, "event_id"), "\"");
	/* The raw text: quotes doubled, the newline and the tab now spaces. */
	CHECK(sb.buf && strstr(sb.buf, ",\"  Zeus \"\"v2\"\" check-in, stage 1 \",") != NULL);
	csv_row_free(&row);
	sb_free(&sb);
}

/* A DNS hit, an unclassified source, a catch-all: none proves an infection. */
static void test_csv_not_infections(void)
{
	struct feed_record r = zeus_record();
	struct strbuf sb = { 0 };
	struct csv_row row;

	r.protocol = IPPROTO_UDP;
	r.dst_port = 53;
	r.dns_qtype = 28;
	format_csv(&r, &sb, &row);
	CHECK_STR(csv_field(&row, "protocol"), "udp");
	CHECK_STR(csv_field(&row, "application"), "dns");
	CHECK_STR(csv_field(&row, "dns_qtype"), "28");
	CHECK_STR(csv_field(&row, "severity"), "high");
	CHECK_STR(csv_field(&row, "infection"), "zeus");
	csv_row_free(&row);

	r = zeus_record();
	r.family = "unclassified";
	r.tag = NULL;
	r.classtype = NULL;
	r.sid = 0;
	format_csv(&r, &sb, &row);
	CHECK_STR(csv_field(&row, "severity"), "high");
	CHECK_STR(csv_field(&row, "infection"), "unclassified");
	CHECK_STR(csv_field(&row, "tag"), "");
	CHECK_STR(csv_field(&row, "classtype"), "");
	CHECK_STR(csv_field(&row, "sid"), "0");
	csv_row_free(&row);

	/* A catch-all in an anonymized view, IPv6, no port, no times. */
	memset(&r, 0, sizeof(r));
	r.timestamp.tv_sec = T0;
	snprintf(r.src_ip, sizeof(r.src_ip), "::/0");
	r.overflow = true;
	r.any_sid = true;
	r.protocol = IPPROTO_ICMPV6;
	r.anon_mode = "ipcrypt-pfx";
	r.anon_key_id = "9f86d081884c7d65";
	addr_parse("2001:db8::1", &r.dst_ip);
	format_csv(&r, &sb, &row);
	CHECK_STR(csv_field(&row, "src_ip"), "::/0");
	CHECK_STR(csv_field(&row, "protocol"), "icmpv6");
	CHECK_STR(csv_field(&row, "dst_ip"), "2001:db8::1");
	CHECK_STR(csv_field(&row, "dst_port"), "");
	CHECK_STR(csv_field(&row, "src_asn"), "");
	CHECK_STR(csv_field(&row, "src_geo"), "");
	CHECK_STR(csv_field(&row, "severity"), "high");
	CHECK_STR(csv_field(&row, "infection"), "");
	CHECK_STR(csv_field(&row, "sid"), "");
	CHECK_STR(csv_field(&row, "first_seen"), "");
	CHECK_STR(csv_field(&row, "last_seen"), "");
	CHECK_STR(csv_field(&row, "overflow"), "true");
	CHECK_STR(csv_field(&row, "anon_key_id"), "9f86d081884c7d65");
	CHECK_STR(csv_field(&row, "sensor"), "");
	CHECK_STR(csv_field(&row, "event_id"), "");
	csv_row_free(&row);
	sb_free(&sb);
}

/* ---- intelmq ---- */

/* IntelMQ's rule for keys, extra.* included. */
static bool key_allowed(const char *key)
{
	static regex_t re;
	static bool compiled;

	if (!compiled) {
		CHECK(regcomp(&re, "^[a-z_][a-z_0-9]+(\\.[a-z_0-9]+)*$",
			      REG_EXTENDED | REG_NOSUB) == 0);
		compiled = true;
	}
	return regexec(&re, key, 0, NULL, 0) == 0;
}

/* One line, an object, no nulls, only allowed keys. */
static json_t *intelmq_event(const struct feed_record *r, struct strbuf *sb)
{
	const char *key;
	json_error_t err;
	json_t *obj, *v;

	sb_reset(sb);
	record_format(FORMAT_INTELMQ, r, sb);
	CHECK(!sb->oom);
	CHECK(sb->len && sb->buf[sb->len - 1] == '\n');
	CHECK(strchr(sb->buf, '\n') == sb->buf + sb->len - 1);
	obj = json_loads(sb->buf, JSON_REJECT_DUPLICATES, &err);
	if (!obj) {
		fprintf(stderr, "  jansson: %s at %d: %s", err.text, err.position, sb->buf);
		CHECK(0);
		return json_object();
	}
	CHECK(json_is_object(obj));
	json_object_foreach(obj, key, v)
	{
		if (json_is_null(v) || !key_allowed(key))
			fprintf(stderr, "  bad key or null: %s\n", key);
		CHECK(!json_is_null(v));
		CHECK(key_allowed(key));
	}
	return obj;
}

static const char *im_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	CHECK(json_is_string(v));
	if (!json_is_string(v))
		fprintf(stderr, "  '%s' is not a string\n", key);
	return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

static long long im_int(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	CHECK(json_is_integer(v));
	if (!json_is_integer(v))
		fprintf(stderr, "  '%s' is not an integer\n", key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static bool absent(json_t *obj, const char *key)
{
	if (json_object_get(obj, key))
		fprintf(stderr, "  '%s' is present\n", key);
	return json_object_get(obj, key) == NULL;
}

/* anon none: the real address in source.ip, every value exact, no other key. */
static void test_intelmq_raw(void)
{
	static const char *const keys[] = {
		"feed.name",
		"feed.provider",
		"time.source",
		"time.observation",
		"classification.taxonomy",
		"classification.type",
		"classification.identifier",
		"malware.name",
		"source.ip",
		"source.network",
		"source.asn",
		"source.as_name",
		"source.geolocation.cc",
		"destination.ip",
		"destination.port",
		"protocol.transport",
		"extra.count",
		"extra.packets",
		"extra.bytes",
		"extra.syns",
		"extra.checkins_verified",
		"extra.verification",
		"extra.first_seen",
		"extra.sid",
		"extra.tag",
		"extra.classtype",
		"extra.overflow",
		"extra.anon_mode",
		"extra.sensor",
		"extra.record_id",
	};
	struct feed_record r = zeus_record();
	struct strbuf sb = { 0 };
	json_t *e;

	r.family = "Zeus"; /* both names in lower case */
	r.src_geo = "nl";
	e = intelmq_event(&r, &sb);
	CHECK_INT(json_object_size(e), ARRAY_SIZE(keys));
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		CHECK(json_object_get(e, keys[i]) != NULL);
	CHECK_STR(im_str(e, "feed.name"), "botsink");
	CHECK_STR(im_str(e, "feed.provider"), "lab-1");
	CHECK_STR(im_str(e, "time.source"), "2026-11-26T22:31:00+00:00");
	CHECK_STR(im_str(e, "time.observation"), "2026-11-26T22:31:29+00:00");
	CHECK_STR(im_str(e, "classification.taxonomy"), "malicious-code");
	CHECK_STR(im_str(e, "classification.type"), "infected-system");
	CHECK_STR(im_str(e, "classification.identifier"), "zeus");
	CHECK_STR(im_str(e, "malware.name"), "zeus");
	CHECK_STR(im_str(e, "source.ip"), "198.51.100.23");
	CHECK_STR(im_str(e, "source.network"), "198.51.100.0/24");
	CHECK_INT(im_int(e, "source.asn"), 64500);
	CHECK_STR(im_str(e, "source.as_name"), "EXAMPLE-NET, \"Example\" B.V.");
	CHECK_STR(im_str(e, "source.geolocation.cc"), "NL");
	CHECK_STR(im_str(e, "destination.ip"), "203.0.113.5");
	CHECK_INT(im_int(e, "destination.port"), 443);
	CHECK_STR(im_str(e, "protocol.transport"), "tcp");
	CHECK_INT(im_int(e, "extra.count"), 7);
	CHECK_INT(im_int(e, "extra.packets"), 12);
	CHECK_INT(im_int(e, "extra.bytes"), 9007199254740993ll);
	CHECK_INT(im_int(e, "extra.syns"), 3);
	CHECK_INT(im_int(e, "extra.checkins_verified"), 5);
	CHECK_STR(im_str(e, "extra.verification"), "verified");
	CHECK_STR(im_str(e, "extra.first_seen"), "2026-11-26T22:01:29+00:00");
	CHECK_INT(im_int(e, "extra.sid"), 2000001);
	CHECK_STR(im_str(e, "extra.tag"), "ET MALWARE Zeus, \"gate\" check-in");
	CHECK_STR(im_str(e, "extra.classtype"), "trojan-activity");
	CHECK(json_is_false(json_object_get(e, "extra.overflow")));
	CHECK_STR(im_str(e, "extra.anon_mode"), "none");
	CHECK_STR(im_str(e, "extra.sensor"), "lab-1");
	CHECK_STR(im_str(e, "extra.record_id"), "lab-1:00000000000000ab:7:0");
	json_decref(e);
	sb_free(&sb);
}

/* A pseudonym never in source.ip: extra.source_pseudonym, and the network. */
static void test_intelmq_anonymized(void)
{
	struct feed_record r = zeus_record();
	struct strbuf sb = { 0 };
	json_t *e;

	snprintf(r.src_ip, sizeof(r.src_ip), "100.64.9.77");
	snprintf(r.src_network, sizeof(r.src_network), "198.51.100.0/24");
	r.src_is_raw = false;
	r.anon_mode = "ipcrypt-pfx";
	r.anon_key_id = "9f86d081884c7d65";
	e = intelmq_event(&r, &sb);
	CHECK(absent(e, "source.ip"));
	CHECK_STR(im_str(e, "extra.source_pseudonym"), "100.64.9.77");
	CHECK_STR(im_str(e, "source.network"), "198.51.100.0/24");
	CHECK_STR(im_str(e, "extra.anon_mode"), "ipcrypt-pfx");
	CHECK_STR(im_str(e, "extra.anon_key_id"), "9f86d081884c7d65");
	CHECK_INT(im_int(e, "source.asn"), 64500);
	json_decref(e);

	/* No network to tell: none, and no empty string in its place. */
	r.src_network[0] = '\0';
	e = intelmq_event(&r, &sb);
	CHECK(absent(e, "source.ip"));
	CHECK(absent(e, "source.network"));
	CHECK_STR(im_str(e, "extra.source_pseudonym"), "100.64.9.77");
	json_decref(e);

	/* An anonymized aggregate: its pseudonymized prefix is a pseudonym too. */
	snprintf(r.src_ip, sizeof(r.src_ip), "100.64.9.0/24");
	snprintf(r.src_network, sizeof(r.src_network), "198.51.100.0/24");
	r.overflow = true;
	e = intelmq_event(&r, &sb);
	CHECK(absent(e, "source.ip"));
	CHECK_STR(im_str(e, "extra.source_pseudonym"), "100.64.9.0/24");
	CHECK_STR(im_str(e, "source.network"), "198.51.100.0/24");
	CHECK(json_is_true(json_object_get(e, "extra.overflow")));
	json_decref(e);
	sb_free(&sb);
}

/* Aggregates with raw addresses: the prefix is a network, never a source.ip. */
static void test_intelmq_aggregate(void)
{
	struct feed_record r = zeus_record();
	struct strbuf sb = { 0 };
	json_t *e;

	snprintf(r.src_ip, sizeof(r.src_ip), "198.51.100.0/24");
	snprintf(r.src_network, sizeof(r.src_network), "198.51.0.0/16");
	r.overflow = true;
	e = intelmq_event(&r, &sb);
	CHECK(absent(e, "source.ip"));
	CHECK(absent(e, "extra.source_pseudonym"));
	CHECK_STR(im_str(e, "source.network"), "198.51.100.0/24");
	CHECK(json_is_true(json_object_get(e, "extra.overflow")));
	CHECK_STR(im_str(e, "classification.type"), "infected-system");
	json_decref(e);

	/* A catch-all: all of a family, no network an expert could use. */
	memset(&r, 0, sizeof(r));
	r.timestamp.tv_sec = T0;
	r.last_seen.tv_sec = T0 - 1;
	snprintf(r.src_ip, sizeof(r.src_ip), "0.0.0.0/0");
	r.src_is_raw = true;
	r.overflow = true;
	r.any_sid = true;
	r.protocol = IPPROTO_UDP;
	r.anon_mode = "none";
	addr_parse("203.0.113.5", &r.dst_ip);
	e = intelmq_event(&r, &sb);
	CHECK_EACH(absent, e, "source.ip", "source.network", "malware.name", "extra.sid",
		   "extra.first_seen", "feed.provider", "destination.port");
	CHECK_STR(im_str(e, "classification.taxonomy"), "other");
	CHECK_STR(im_str(e, "classification.type"), "undetermined");
	CHECK_STR(im_str(e, "classification.identifier"), "catch-all");
	CHECK_STR(im_str(e, "time.source"), "2026-11-26T22:31:28+00:00");
	json_decref(e);
	sb_free(&sb);
}

/* DNS hits come from resolvers: IntelMQ's Sinkhole DNS classification. */
static void test_intelmq_dns(void)
{
	struct feed_record r = zeus_record();
	struct strbuf sb = { 0 };
	json_t *e;

	r.protocol = IPPROTO_UDP;
	r.dst_port = 53;
	r.dns_qtype = 1;
	e = intelmq_event(&r, &sb);
	CHECK_STR(im_str(e, "classification.taxonomy"), "other");
	CHECK_STR(im_str(e, "classification.type"), "other");
	CHECK_STR(im_str(e, "classification.identifier"), "sinkholedns");
	CHECK_STR(im_str(e, "malware.name"), "zeus");
	CHECK_STR(im_str(e, "protocol.transport"), "udp");
	CHECK_STR(im_str(e, "protocol.application"), "dns");
	CHECK_INT(im_int(e, "destination.port"), 53);
	CHECK_INT(im_int(e, "extra.dns_qtype"), 1);
	CHECK_STR(im_str(e, "source.ip"), "198.51.100.23");
	json_decref(e);
	sb_free(&sb);
}

/* No rule matched: not a proven infection. */
static void test_intelmq_unclassified(void)
{
	struct feed_record r = zeus_record();
	struct strbuf sb = { 0 };
	json_t *e;

	r.family = "unclassified";
	r.tag = NULL;
	r.classtype = NULL;
	r.sid = 0;
	e = intelmq_event(&r, &sb);
	CHECK_STR(im_str(e, "classification.taxonomy"), "other");
	CHECK_STR(im_str(e, "classification.type"), "undetermined");
	CHECK_STR(im_str(e, "classification.identifier"), "unclassified");
	CHECK_EACH(absent, e, "malware.name", "extra.tag", "extra.classtype");
	CHECK_INT(im_int(e, "extra.sid"), 0);
	json_decref(e);

	/* A DNS hit nothing matched is no more than undetermined. */
	r.dns_qtype = 16;
	e = intelmq_event(&r, &sb);
	CHECK_STR(im_str(e, "classification.type"), "undetermined");
	CHECK_STR(im_str(e, "protocol.application"), "dns");
	json_decref(e);
	sb_free(&sb);
}

/* Values IntelMQ would refuse are left out, never sent malformed. */
static void test_intelmq_harmonization_limits(void)
{
	struct feed_record r = zeus_record();
	struct strbuf sb = { 0 };
	json_t *e;

	r.family = "Zeus \xc3\xa9\n";
	r.src_geo = "NLD";
	r.src_asn = 0;
	r.src_as_name = "";
	r.protocol = IPPROTO_ICMPV6;
	r.has_port = false;
	e = intelmq_event(&r, &sb);
	CHECK(absent(e, "malware.name")); /* not printable ASCII */
	CHECK_STR(im_str(e, "classification.identifier"), "zeus \xc3\xa9\n");
	CHECK_EACH(absent, e, "source.geolocation.cc", "source.asn", "source.as_name",
		   "destination.port");
	CHECK_STR(im_str(e, "protocol.transport"), "ipv6-icmp");
	CHECK(absent(e, "extra.ip_protocol"));
	json_decref(e);

	r.protocol = 47;
	r.src_geo = "b1";
	e = intelmq_event(&r, &sb);
	CHECK_STR(im_str(e, "protocol.transport"), "gre");
	CHECK_STR(im_str(e, "source.geolocation.cc"), "B1");
	json_decref(e);

	r.protocol = 253; /* experimental: no name IntelMQ takes */
	r.family = " zeus";
	e = intelmq_event(&r, &sb);
	CHECK(absent(e, "protocol.transport"));
	CHECK_INT(im_int(e, "extra.ip_protocol"), 253);
	CHECK(absent(e, "malware.name")); /* IntelMQ would strip it */
	json_decref(e);
	sb_free(&sb);
}

/* ---- the evidence: what the bot sent, in every format ---- */

#define HTTP_PAYLOAD "POST /gate.php?id=4f2a HTTP/1.1\r\nHost: CC.Example.com:8080\r\n"
#define HTTP_PAYLOAD_B64 \
	"UE9TVCAvZ2F0ZS5waHA/aWQ9NGYyYSBIVFRQLzEuMQ0KSG9zdDogQ0MuRXhhbXBsZS5jb206ODA4MA0K"

/* zeus_record's check-in as an HTTP request, its first bytes kept. */
static struct feed_record http_record(void)
{
	struct feed_record r = zeus_record();

	r.dst_port = 8080;
	r.ev = (struct record_evidence){
		.has_src_port = true,
		.src_port = 49152,
		.http_method = "POST",
		.http_url = "/gate.php?id=4f2a",
		.http_host = "CC.Example.com:8080",
		.http_agent = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)",
		.http_referer = "http://example.net/a",
		.payload = (const uint8_t *)HTTP_PAYLOAD,
		.payload_len = sizeof(HTTP_PAYLOAD) - 1,
	};
	return r;
}

/* A DNS question for a sinkholed name: its message's bytes, NULs and all. */
static const uint8_t dns_message[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
				     "\006Update\007Example\003ORG\000\000\001\000\001";
#define DNS_PAYLOAD_B64 "EjQBAAABAAAAAAAABlVwZGF0ZQdFeGFtcGxlA09SRwAAAQAB"

static struct feed_record dns_record(void)
{
	struct feed_record r = zeus_record();

	r.protocol = IPPROTO_UDP;
	r.dst_port = 53;
	r.dns_qtype = 1;
	r.checkins_verified = 0;
	r.verification = VERIFICATION_UNVERIFIABLE;
	r.ev = (struct record_evidence){
		.has_src_port = true,
		.src_port = 53000,
		.dns_query = "Update.Example.ORG",
		.payload = dns_message,
		.payload_len = sizeof(dns_message) - 1,
	};
	return r;
}

static void test_jsonl_http(void)
{
	static const char want[] =
		"{\"timestamp\":\"2026-11-26T22:31:29.999Z\",\"first_seen\":\"2026-11-26T22:01:29.005Z\","
		"\"last_seen\":\"2026-11-26T22:31:00.250Z\",\"src_ip\":\"198.51.100.23\","
		"\"src_port\":49152,\"anon_mode\":\"none\",\"anon_key_id\":null,\"src_asn\":64500,"
		"\"src_as_name\":\"EXAMPLE-NET, \\\"Example\\\" B.V.\",\"src_geo\":\"NL\","
		"\"protocol\":\"tcp\",\"dst_ip\":\"203.0.113.5\",\"dst_port\":8080,\"family\":\"zeus\","
		"\"tag\":\"ET MALWARE Zeus, \\\"gate\\\" check-in\",\"sid\":2000001,"
		"\"classtype\":\"trojan-activity\",\"http_method\":\"POST\","
		"\"http_url\":\"/gate.php?id=4f2a\",\"http_host\":\"CC.Example.com:8080\","
		"\"http_agent\":\"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)\","
		"\"http_referer\":\"http://example.net/a\",\"dns_query\":null,"
		"\"payload\":\"" HTTP_PAYLOAD_B64 "\",\"packets\":12,\"bytes\":9007199254740993,"
		"\"syns\":3,\"checkins\":7,\"checkins_verified\":5,\"verification\":\"verified\","
		"\"dns_qtype\":null,\"overflow\":false,\"sensor\":\"lab-1\","
		"\"record_id\":\"lab-1:00000000000000ab:7:0\"}\n";
	struct feed_record r = http_record();
	struct strbuf sb = { 0 };
	json_t *o;

	record_format(FORMAT_JSONL, &r, &sb);
	CHECK_STR(sb.buf, want);
	o = json_loads(sb.buf ? sb.buf : "", JSON_REJECT_DUPLICATES, NULL);
	CHECK_INT(json_object_size(o), RECORD_FIELDS);
	json_decref(o);
	sb_free(&sb);
}

static void test_jsonl_dns_and_nulls(void)
{
	struct feed_record r = dns_record();
	struct strbuf sb = { 0 };
	json_t *o;

	record_format(FORMAT_JSONL, &r, &sb);
	CHECK(sb.buf &&
	      strstr(sb.buf, ",\"src_ip\":\"198.51.100.23\",\"src_port\":53000,") != NULL);
	CHECK(sb.buf && strstr(sb.buf, ",\"classtype\":\"trojan-activity\",\"http_method\":null,"
				       "\"http_url\":null,\"http_host\":null,\"http_agent\":null,"
				       "\"http_referer\":null,\"dns_query\":\"Update.Example.ORG\","
				       "\"payload\":\"" DNS_PAYLOAD_B64 "\",\"packets\":") != NULL);

	/* Nothing known: every member there, null; an empty payload is "". */
	r.ev = (struct record_evidence){ .payload = (const uint8_t *)"", .payload_len = 0 };
	sb_reset(&sb);
	record_format(FORMAT_JSONL, &r, &sb);
	o = json_loads(sb.buf ? sb.buf : "", JSON_REJECT_DUPLICATES, NULL);
	CHECK_INT(json_object_size(o), RECORD_FIELDS);
	CHECK(json_is_null(json_object_get(o, "src_port")));
	CHECK(json_is_null(json_object_get(o, "http_method")));
	CHECK(json_is_null(json_object_get(o, "dns_query")));
	CHECK_STR(json_string_value(json_object_get(o, "payload")), "");
	json_decref(o);

	/* Port 0 is a port. */
	r.ev = (struct record_evidence){ .has_src_port = true };
	sb_reset(&sb);
	record_format(FORMAT_JSONL, &r, &sb);
	CHECK(sb.buf && strstr(sb.buf, ",\"src_port\":0,") != NULL);
	CHECK(sb.buf && strstr(sb.buf, ",\"payload\":null,") != NULL);
	sb_free(&sb);
}

static void test_csv_http(void)
{
	static const char want[] =
		"2026-11-26 22:31:29,tcp,198.51.100.23,49152,64500,NL,,,,,,,,,critical,203.0.113.5,"
		"8080,,,,,,,,,zeus,zeus,\"ET MALWARE Zeus, \"\"gate\"\" check-in\",http,,"
		"lab-1:00000000000000ab:7:0,7,12,9007199254740993,3,5,verified,"
		"2026-11-26T22:01:29.005Z,2026-11-26T22:31:00.250Z,2000001,trojan-activity,,false,"
		"none,,lab-1,lab-1:00000000000000ab:7:0,POST,/gate.php?id=4f2a,CC.Example.com:8080,"
		"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1),http://example.net/a,," HTTP_PAYLOAD_B64
		"\n";
	static const char want_http[] =
		"2026-11-26 22:31:29,tcp,198.51.100.23,49152,64500,NL,,,,,,,,,critical,203.0.113.5,"
		"8080,,,,,,,,,zeus,zeus,\"ET MALWARE Zeus, \"\"gate\"\" check-in\",http,,"
		"lab-1:00000000000000ab:7:0,/gate.php?id=4f2a,CC.Example.com:8080,"
		"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1),,,http://example.net/a,"
		"7,12,9007199254740993,3,5,verified,"
		"2026-11-26T22:01:29.005Z,2026-11-26T22:31:00.250Z,2000001,trojan-activity,,false,"
		"none,,lab-1,lab-1:00000000000000ab:7:0,POST,," HTTP_PAYLOAD_B64 "\n";
	struct feed_record r = http_record();
	struct strbuf sb = { 0 };
	struct csv_row row;

	format_csv(&r, &sb, &row);
	CHECK_STR(sb.buf, want);
	CHECK_STR(csv_field(&row, "src_port"), "49152");
	CHECK_STR(csv_field(&row, "application"), "http");
	CHECK_STR(csv_field(&row, "payload"), HTTP_PAYLOAD_B64);
	csv_row_free(&row);
	format_csv_as(&http_csv, &r, &sb, &row);
	CHECK_STR(sb.buf, want_http);
	CHECK_STR(csv_field(&row, "http_url"), "/gate.php?id=4f2a");
	CHECK_STR(csv_field(&row, "http_host"), "CC.Example.com:8080");
	CHECK_STR(csv_field(&row, "http_agent"),
		  "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)");
	CHECK_STR(csv_field(&row, "http_referer"), "http://example.net/a");
	CHECK_EACH(csv_empty, &row, "forwarded_by", "ssl_cipher", "dns_query");
	CHECK_STR(csv_field(&row, "http_method"), "POST");
	CHECK_STR(csv_field(&row, "event_id"), "lab-1:00000000000000ab:7:0");
	CHECK_STR(csv_field(&row, "record_id"), "lab-1:00000000000000ab:7:0");
	csv_row_free(&row);
	sb_free(&sb);
}

static void test_csv_dns_and_nulls(void)
{
	const struct csv_layout *layouts[] = { &generic_csv, &http_csv };
	struct strbuf sb = { 0 };
	struct csv_row row;

	for (size_t i = 0; i < ARRAY_SIZE(layouts); i++) {
		struct feed_record r = dns_record();

		format_csv_as(layouts[i], &r, &sb, &row);
		CHECK_STR(csv_field(&row, "src_port"), "53000");
		CHECK_STR(csv_field(&row, "application"), "dns");
		CHECK_STR(csv_field(&row, "dns_query"), "Update.Example.ORG");
		CHECK_STR(csv_field(&row, "payload"), DNS_PAYLOAD_B64);
		CHECK_EACH(csv_empty, &row, "http_method", "http_url", "http_host", "http_agent",
			   "http_referer");
		csv_row_free(&row);

		/* Nothing known (a catch-all, an aggregate): empty columns, all there. */
		r.ev = (struct record_evidence){ 0 };
		format_csv_as(layouts[i], &r, &sb, &row);
		CHECK_EACH(csv_empty, &row, "src_port", "http_method", "http_url", "http_host",
			   "http_agent", "http_referer", "dns_query", "payload");
		CHECK_STR(csv_field(&row, "application"), "dns"); /* dns_qtype */
		csv_row_free(&row);
	}
	sb_free(&sb);
}

/* ---- hostile evidence ---- */

/* A piece of a User-Agent, as sent, as JSON reads it back, as CSV does. */
#define AGENT_PIECE "Moz,\"x\"\r\n\t\xff\xc3\xa9;"
#define AGENT_PIECE_JSON "Moz,\"x\"\r\n\t\xef\xbf\xbd\xc3\xa9;"
#define AGENT_PIECE_CSV "Moz,\"x\"   \xef\xbf\xbd\xc3\xa9;"
#define AGENT_PIECES 732 /* 10,248 bytes */

static char *repeat(const char *piece, size_t times)
{
	size_t n = strlen(piece);
	char *s = malloc(n * times + 1);

	if (!s)
		abort();
	for (size_t i = 0; i < times; i++)
		memcpy(s + i * n, piece, n);
	s[n * times] = '\0';
	return s;
}

static const uint8_t hostile_payload[] = { 0x00, 0xff, '\n', '\r', '"', ',', 0x00, 0x80, 0xfe };
#define HOSTILE_PAYLOAD_B64 "AP8KDSIsAID+"

static struct feed_record hostile_record(const char *agent)
{
	struct feed_record r = zeus_record();

	r.ev = (struct record_evidence){
		.has_src_port = true,
		.src_port = 0,
		.http_method = "GE\"T,",
		.http_url = "/a,b\"c\r\nX-Injected: 1\t\xff\xfe/\xc3\xa9",
		.http_host = "evil.example\r\nX: y",
		.http_agent = agent,
		.http_referer = "\"",
		.dns_query = " lead and trail \x01",
		.payload = hostile_payload,
		.payload_len = sizeof(hostile_payload),
	};
	return r;
}

static const char *json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fprintf(stderr, "  '%s' is not a string\n", key);
	return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

static void test_jsonl_hostile(void)
{
	char *agent = repeat(AGENT_PIECE, AGENT_PIECES),
	     *agent_read = repeat(AGENT_PIECE_JSON, AGENT_PIECES);
	struct feed_record r = hostile_record(agent);
	struct strbuf sb = { 0 };
	json_error_t err;
	json_t *o;

	record_format(FORMAT_JSONL, &r, &sb);
	CHECK(!sb.oom);
	CHECK(sb.len > 10240 && sb.buf[sb.len - 1] == '\n');
	CHECK(strchr(sb.buf, '\n') == sb.buf + sb.len - 1);
	CHECK(strchr(sb.buf, '\r') == NULL && strchr(sb.buf, '\t') == NULL);
	o = json_loads(sb.buf, JSON_REJECT_DUPLICATES, &err);
	if (!o)
		fprintf(stderr, "  jansson: %s at %d\n", err.text, err.position);
	CHECK_INT(json_object_size(o), RECORD_FIELDS);
	CHECK_INT(json_integer_value(json_object_get(o, "src_port")), 0);
	CHECK_STR(json_str(o, "http_method"), "GE\"T,");
	CHECK_STR(json_str(o, "http_url"),
		  "/a,b\"c\r\nX-Injected: 1\t\xef\xbf\xbd\xef\xbf\xbd/\xc3\xa9");
	CHECK_STR(json_str(o, "http_host"), "evil.example\r\nX: y");
	CHECK_INT(strlen(json_str(o, "http_agent")), strlen(agent_read));
	CHECK_STR(json_str(o, "http_agent"), agent_read);
	CHECK_STR(json_str(o, "http_referer"), "\"");
	CHECK_STR(json_str(o, "dns_query"), " lead and trail \x01");
	CHECK_STR(json_str(o, "payload"), HOSTILE_PAYLOAD_B64);
	json_decref(o);
	sb_free(&sb);
	free(agent);
	free(agent_read);
}

static void test_csv_hostile(void)
{
	const struct csv_layout *layouts[] = { &generic_csv, &http_csv };
	char *agent = repeat(AGENT_PIECE, AGENT_PIECES),
	     *agent_read = repeat(AGENT_PIECE_CSV, AGENT_PIECES);
	struct feed_record r = hostile_record(agent);
	struct strbuf sb = { 0 };
	struct csv_row row;

	for (size_t i = 0; i < ARRAY_SIZE(layouts); i++) {
		format_csv_as(layouts[i], &r, &sb, &row);
		CHECK(sb.len > 10240);
		CHECK(strchr(sb.buf ? sb.buf : "", '\r') == NULL);
		CHECK_STR(csv_field(&row, "src_port"), "0");
		CHECK_STR(csv_field(&row, "http_method"), "GE\"T,");
		CHECK_STR(csv_field(&row, "http_url"),
			  "/a,b\"c  X-Injected: 1 \xef\xbf\xbd\xef\xbf\xbd/\xc3\xa9");
		CHECK_STR(csv_field(&row, "http_host"), "evil.example  X: y");
		CHECK_STR(csv_field(&row, "http_agent"), agent_read);
		CHECK_STR(csv_field(&row, "http_referer"), "\"");
		CHECK_STR(csv_field(&row, "dns_query"), " lead and trail  ");
		CHECK_STR(csv_field(&row, "payload"), HOSTILE_PAYLOAD_B64);
		CHECK_STR(csv_field(&row, "record_id"), "lab-1:00000000000000ab:7:0");
		csv_row_free(&row);
	}
	/* The raw text: the method quoted, its quote doubled; the payload as it is. */
	CHECK(sb.buf && strstr(sb.buf, ",\"GE\"\"T,\",") != NULL);
	CHECK(sb.buf && strstr(sb.buf, "," HOSTILE_PAYLOAD_B64 "\n") != NULL);
	sb_free(&sb);
	free(agent);
	free(agent_read);
}

/* ---- the evidence in IntelMQ ---- */

static void test_intelmq_http(void)
{
	static const char *const keys[] = {
		"source.port",	       "destination.fqdn",     "destination.url",
		"destination.urlpath", "protocol.application", "extra.http_method",
		"extra.user_agent",    "extra.http_referer",   "extra.payload",
	};
	struct feed_record r = http_record();
	struct strbuf sb = { 0 };
	json_t *e;

	e = intelmq_event(&r, &sb);
	/* test_intelmq_raw's 30 keys, and these. */
	CHECK_INT(json_object_size(e), 30 + ARRAY_SIZE(keys));
	CHECK_INT(im_int(e, "source.port"), 49152);
	CHECK_STR(im_str(e, "destination.fqdn"), "cc.example.com");
	CHECK_STR(im_str(e, "destination.url"), "http://CC.Example.com:8080/gate.php?id=4f2a");
	CHECK_STR(im_str(e, "destination.urlpath"), "/gate.php?id=4f2a");
	CHECK_INT(im_int(e, "destination.port"), 8080);
	CHECK_STR(im_str(e, "protocol.application"), "http");
	CHECK_STR(im_str(e, "extra.http_method"), "POST");
	CHECK_STR(im_str(e, "extra.user_agent"),
		  "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)");
	CHECK_STR(im_str(e, "extra.http_referer"), "http://example.net/a");
	CHECK_STR(im_str(e, "extra.payload"), HTTP_PAYLOAD_B64);
	CHECK(absent(e, "extra.dns_query"));
	json_decref(e);

	/* Both an HTTP method and a DNS query type: one protocol.application. */
	r.dns_qtype = 1;
	e = intelmq_event(&r, &sb);
	CHECK_STR(im_str(e, "protocol.application"), "http");
	json_decref(e);

	/* No evidence: none of the keys. */
	r = zeus_record();
	e = intelmq_event(&r, &sb);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		CHECK(absent(e, keys[i]));
	json_decref(e);
	sb_free(&sb);
}

static void test_intelmq_dns_evidence(void)
{
	struct feed_record r = dns_record();
	struct strbuf sb = { 0 };
	json_t *e;

	e = intelmq_event(&r, &sb);
	CHECK_INT(im_int(e, "source.port"), 53000);
	CHECK_STR(im_str(e, "destination.fqdn"), "update.example.org");
	CHECK_STR(im_str(e, "extra.dns_query"), "Update.Example.ORG");
	CHECK_STR(im_str(e, "extra.payload"), DNS_PAYLOAD_B64);
	CHECK_STR(im_str(e, "protocol.application"), "dns");
	CHECK_EACH(absent, e, "destination.url", "destination.urlpath", "extra.http_method",
		   "extra.user_agent", "extra.http_referer");
	json_decref(e);

	/* A query in a record without a query type still says dns. */
	r.dns_qtype = 0;
	e = intelmq_event(&r, &sb);
	CHECK_STR(im_str(e, "protocol.application"), "dns");
	CHECK(absent(e, "extra.dns_qtype"));
	json_decref(e);

	/* Empty texts and an empty payload are no values. */
	r.ev = (struct record_evidence){ .http_method = "",
					 .dns_query = "",
					 .http_url = "",
					 .payload = (const uint8_t *)"",
					 .payload_len = 0 };
	e = intelmq_event(&r, &sb);
	CHECK_EACH(absent, e, "protocol.application", "extra.http_method", "extra.dns_query",
		   "destination.urlpath", "extra.payload", "destination.fqdn", "source.port");
	json_decref(e);
	sb_free(&sb);
}

static void test_intelmq_hostile(void)
{
	char *agent = repeat(AGENT_PIECE, AGENT_PIECES),
	     *agent_read = repeat(AGENT_PIECE_JSON, AGENT_PIECES);
	struct feed_record r = hostile_record(agent);
	struct strbuf sb = { 0 };
	json_t *e;

	e = intelmq_event(&r, &sb);
	CHECK_INT(im_int(e, "source.port"), 0);
	CHECK_EACH(absent, e, "destination.fqdn", "destination.url");
	CHECK_STR(im_str(e, "destination.urlpath"),
		  "/a,b\"c\r\nX-Injected: 1\t\xef\xbf\xbd\xef\xbf\xbd/\xc3\xa9");
	CHECK_STR(im_str(e, "extra.user_agent"), agent_read);
	CHECK_STR(im_str(e, "extra.http_method"), "GE\"T,");
	CHECK_STR(im_str(e, "extra.dns_query"), " lead and trail \x01");
	CHECK_STR(im_str(e, "extra.payload"), HOSTILE_PAYLOAD_B64);
	CHECK_STR(im_str(e, "protocol.application"), "http");
	json_decref(e);
	sb_free(&sb);
	free(agent);
	free(agent_read);
}

/* destination.fqdn and destination.url from the Host header, the target and the query. */
static void test_intelmq_fqdn_url(void)
{
	static const char label63[] =
		"a23456789012345678901234567890123456789012345678901234567890123";
	static const struct {
		const char *host, *url, *query;
		const char *fqdn, *full; /* NULL: absent */
	} cases[] = {
		{ "CC.Example.com:8080", "/g", NULL, "cc.example.com",
		  "http://CC.Example.com:8080/g" },
		{ "203.0.113.5", "/x", NULL, NULL, "http://203.0.113.5/x" },
		{ "203.0.113.5:80", "/x", "Zeus.Example", "zeus.example",
		  "http://203.0.113.5:80/x" },
		{ "[2001:db8::1]:8080", "/x", NULL, NULL, "http://[2001:db8::1]:8080/x" },
		{ "[2001:db8::1]", "/x", NULL, NULL, "http://[2001:db8::1]/x" },
		{ "[2001:db8::zz]", "/x", NULL, NULL, NULL },
		{ "[203.0.113.5]", "/x", NULL, NULL, NULL },
		{ "[2001:db8::1", "/x", NULL, NULL, NULL },
		{ "2001:db8::1", "/x", NULL, NULL, NULL },
		{ "example.com.", "/", NULL, "example.com", "http://example.com./" },
		{ "example.com:", "/x", NULL, "example.com", "http://example.com:/x" },
		{ "-bad.example", "/x", NULL, NULL, "http://-bad.example/x" },
		{ "bad-.example", "/x", NULL, NULL, "http://bad-.example/x" },
		{ "a..b", "/x", NULL, NULL, "http://a..b/x" },
		{ ".a.b", "/x", NULL, NULL, "http://.a.b/x" },
		{ "under_score.example", "/x", NULL, NULL, "http://under_score.example/x" },
		{ "1.2.3", "/x", NULL, NULL, "http://1.2.3/x" },
		{ "localhost", "/x", NULL, "localhost", "http://localhost/x" },
		{ "xn--bcher-kva.example", "/x", NULL, "xn--bcher-kva.example",
		  "http://xn--bcher-kva.example/x" },
		{ "b\xc3\xbc"
		  "cher.example",
		  "/x", NULL, NULL, NULL },
		{ "example.com:80x", "/x", NULL, NULL, NULL },
		{ "a.b:8080:90", "/x", NULL, NULL, NULL },
		{ "user@evil.example", "/x", "q.example", "q.example", NULL },
		{ "evil.example/path", "/x", NULL, NULL, NULL },
		{ "evil.example?", "/x", NULL, NULL, NULL },
		{ "evil example", "/x", NULL, NULL, NULL },
		{ "example.com", "http://other.example/x", NULL, "example.com", NULL },
		{ "example.com", "*", NULL, "example.com", NULL },
		{ "", "/x", "Q.example", "q.example", NULL },
		{ NULL, "/x", "bad..query", NULL, NULL },
		{ "example.com", NULL, NULL, "example.com", NULL },
		{ NULL, NULL, "Name.Example.", "name.example", NULL },
	};
	struct feed_record r = zeus_record();
	struct strbuf sb = { 0 };
	char name[300];
	json_t *e;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		r.ev = (struct record_evidence){ .http_host = cases[i].host,
						 .http_url = cases[i].url,
						 .dns_query = cases[i].query };
		e = intelmq_event(&r, &sb);
		if (cases[i].fqdn)
			CHECK_STR(im_str(e, "destination.fqdn"), cases[i].fqdn);
		else
			CHECK(absent(e, "destination.fqdn"));
		if (cases[i].full)
			CHECK_STR(im_str(e, "destination.url"), cases[i].full);
		else
			CHECK(absent(e, "destination.url"));
		json_decref(e);
	}

	/* Labels up to 63 bytes, names up to 253. */
	snprintf(name, sizeof(name), "%s.example", label63);
	r.ev = (struct record_evidence){ .dns_query = name };
	e = intelmq_event(&r, &sb);
	CHECK_STR(im_str(e, "destination.fqdn"), name);
	json_decref(e);
	snprintf(name, sizeof(name), "x%s.example", label63);
	e = intelmq_event(&r, &sb);
	CHECK(absent(e, "destination.fqdn"));
	json_decref(e);
	snprintf(name, sizeof(name), "%s.%s.%s.%.61s", label63, label63, label63, label63);
	CHECK_INT(strlen(name), 253);
	e = intelmq_event(&r, &sb);
	CHECK_STR(im_str(e, "destination.fqdn"), name);
	json_decref(e);
	strcat(name, "b");
	e = intelmq_event(&r, &sb);
	CHECK(absent(e, "destination.fqdn"));
	json_decref(e);
	sb_free(&sb);
}

/* ---- verification ---- */

/* The state from the counts: a verified check-in, TCP, or neither. */
static void test_verification_of(void)
{
	CHECK_INT(record_verification_of(IPPROTO_TCP, 3, 1), VERIFICATION_VERIFIED);
	CHECK_INT(record_verification_of(IPPROTO_UDP, 3, 3), VERIFICATION_VERIFIED);
	CHECK_INT(record_verification_of(IPPROTO_TCP, 3, 0), VERIFICATION_UNVERIFIED);
	/* TCP traffic without TCP check-ins (ACKs, RSTs): still nothing proven. */
	CHECK_INT(record_verification_of(IPPROTO_TCP, 0, 0), VERIFICATION_UNVERIFIED);
	/* Last seen UDP, but TCP check-ins among the counts. */
	CHECK_INT(record_verification_of(IPPROTO_UDP, 2, 0), VERIFICATION_UNVERIFIED);
	CHECK_INT(record_verification_of(IPPROTO_UDP, 0, 0), VERIFICATION_UNVERIFIABLE);
	CHECK_INT(record_verification_of(IPPROTO_ICMPV6, 0, 0), VERIFICATION_UNVERIFIABLE);
	CHECK_INT(record_verification_of(47, 0, 0), VERIFICATION_UNVERIFIABLE);
	CHECK_STR(record_verification_name(VERIFICATION_VERIFIED), "verified");
	CHECK_STR(record_verification_name(VERIFICATION_UNVERIFIED), "unverified");
	CHECK_STR(record_verification_name(VERIFICATION_UNVERIFIABLE), "unverifiable");
}

/* Each state and its count, as each format writes them. */
static void test_verification_fields(void)
{
	static const struct {
		enum record_verification state;
		uint64_t verified;
		const char *name;
	} cases[] = {
		{ VERIFICATION_VERIFIED, 4, "verified" },
		{ VERIFICATION_UNVERIFIED, 0, "unverified" },
		{ VERIFICATION_UNVERIFIABLE, 0, "unverifiable" },
	};
	struct feed_record r = zeus_record();
	struct strbuf sb = { 0 };
	struct csv_row row;
	char text[32];
	json_t *o;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		r.verification = cases[i].state;
		r.checkins_verified = cases[i].verified;
		snprintf(text, sizeof(text), "%llu", (unsigned long long)cases[i].verified);
		sb_reset(&sb);
		record_to_json(&r, &sb);
		o = json_loads(sb.buf ? sb.buf : "", 0, NULL);
		CHECK(json_is_integer(json_object_get(o, "checkins_verified")));
		CHECK_INT(json_integer_value(json_object_get(o, "checkins_verified")),
			  cases[i].verified);
		CHECK_STR(json_string_value(json_object_get(o, "verification")), cases[i].name);
		json_decref(o);
		/* Right after checkins, as the schema lists them. */
		CHECK(sb.buf && strstr(sb.buf, ",\"checkins\":7,\"checkins_verified\":") != NULL);
		format_csv(&r, &sb, &row);
		CHECK_STR(csv_field(&row, "checkins_verified"), text);
		CHECK_STR(csv_field(&row, "verification"), cases[i].name);
		csv_row_free(&row);
		o = intelmq_event(&r, &sb);
		CHECK_INT(im_int(o, "extra.checkins_verified"), cases[i].verified);
		CHECK_STR(im_str(o, "extra.verification"), cases[i].name);
		json_decref(o);
	}
	sb_free(&sb);
}

/* Every format: one line, whatever the strings hold. */
static void test_one_line_each(void)
{
	struct feed_record r = zeus_record();
	struct strbuf sb = { 0 };

	r.family = "a\nb\rc";
	r.tag = "\n\"\n";
	r.classtype = "\r\n";
	r.sensor = "s\n";
	r.record_id = "\n";
	r.src_as_name = "AS\nNAME";
	r.anon_key_id = "\n";
	r.ev.http_method = "G\nT";
	r.ev.http_url = "/\r\n";
	r.ev.http_host = "h\n:1";
	r.ev.http_agent = "\n";
	r.ev.http_referer = "\r";
	r.ev.dns_query = "a\n.b";
	r.ev.payload = (const uint8_t *)"\n\n\n";
	r.ev.payload_len = 3;
	for (int f = FORMAT_JSONL; f < FORMAT_COUNTS; f++) {
		sb_reset(&sb);
		record_format((enum record_format)f, &r, &sb);
		CHECK(!sb.oom);
		CHECK(sb.len && sb.buf[sb.len - 1] == '\n');
		CHECK(strchr(sb.buf, '\n') == sb.buf + sb.len - 1);
		CHECK(strchr(sb.buf, '\r') == NULL);
	}
	sb_free(&sb);
}

int main(void)
{
	test_csv_reader();
	test_names();
	test_csv_header();
	test_dispatch();
	test_csv_record();
	test_csv_nasty_text();
	test_csv_not_infections();
	test_intelmq_raw();
	test_intelmq_anonymized();
	test_intelmq_aggregate();
	test_intelmq_dns();
	test_intelmq_unclassified();
	test_intelmq_harmonization_limits();
	test_verification_of();
	test_verification_fields();
	test_one_line_each();
	test_jsonl_http();
	test_jsonl_dns_and_nulls();
	test_csv_http();
	test_csv_dns_and_nulls();
	test_jsonl_hostile();
	test_csv_hostile();
	test_intelmq_http();
	test_intelmq_dns_evidence();
	test_intelmq_hostile();
	test_intelmq_fqdn_url();
	return unit_report("test_formats");
}
