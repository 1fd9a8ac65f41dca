// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The counts format (feed/counts.h): what a sensor writes, a hub reads
 * back exactly, text with tabs, newlines and backslashes included; a line
 * of another version, with a field missing or too many, or a field that
 * is not valid, is refused by the field's name.
 */
#include <arpa/inet.h>
#include "feed/counts.h"
#include "feed/record.h"
#include "unit.h"

static void sample(struct feed_record *r, bool overflow)
{
	memset(r, 0, sizeof(*r));
	r->timestamp = (struct timespec){ 1796600000, 123456789 };
	r->first_seen = (struct timespec){ 1796599999, 5 };
	r->last_seen = (struct timespec){ 1796600000, 7 };
	snprintf(r->src_ip, sizeof(r->src_ip), "%s", overflow ? "198.51.100.0/24" : "2001:db8::7");
	r->overflow = overflow;
	r->protocol = 6;
	inet_pton(AF_INET6, "::ffff:203.0.113.10", &r->dst_ip);
	r->dst_port = 80;
	r->has_port = true;
	r->family = "zeus";
	r->tag = "Zeus \"gate\"\tcheck-in\\n\nend\r";
	r->classtype = NULL;
	r->sid = 1000001;
	r->packets = 55555;
	r->bytes = 300;
	r->syns = 4;
	r->checkins = 4;
	r->checkins_tcp = 4;
	r->checkins_verified = 1;
	r->dns_qtype = 0;
	r->sensor = "s:1\t";
	r->record_id = "s:1\t:00aa:17:42";
}

static void test_round_trip(bool overflow)
{
	struct feed_record r;
	struct feed_count c;
	struct strbuf sb = { 0 };
	const char *id;
	char err[128];

	sample(&r, overflow);
	record_format(FORMAT_COUNTS, &r, &sb);
	CHECK(sb.len > 0 && sb.buf[sb.len - 1] == '\n');
	CHECK(memchr(sb.buf, '\n', sb.len - 1) == NULL); /* one line, whatever the text */
	CHECK_INT(counts_line_id(sb.buf, sb.len, &id), strlen("s:1\\t:00aa:17:42"));
	CHECK(!strncmp(id, "s:1\\t:00aa:17:42", strlen("s:1\\t:00aa:17:42")));
	CHECK_INT(counts_parse(sb.buf, sb.len - 1, &c, err, sizeof(err)), 0);
	CHECK_STR(c.rec.record_id, r.record_id);
	CHECK_STR(c.rec.sensor, r.sensor);
	CHECK_STR(c.rec.family, "zeus");
	CHECK_STR(c.rec.tag, r.tag);
	CHECK(c.rec.classtype == NULL);
	CHECK_INT(c.rec.timestamp.tv_sec, r.timestamp.tv_sec);
	CHECK_INT(c.rec.timestamp.tv_nsec, r.timestamp.tv_nsec);
	CHECK_INT(c.rec.first_seen.tv_nsec, 5);
	CHECK_INT(c.rec.last_seen.tv_sec, r.last_seen.tv_sec);
	CHECK_INT(c.rec.packets, 55555);
	CHECK_INT(c.rec.checkins_tcp, 4);
	CHECK_INT(c.rec.checkins_verified, 1);
	CHECK_INT(c.rec.verification, VERIFICATION_VERIFIED);
	CHECK(!memcmp(&c.rec.dst_ip, &r.dst_ip, sizeof(r.dst_ip)));
	CHECK_INT(c.rec.dst_port, 80);
	CHECK(c.rec.has_port);
	CHECK_INT(c.rec.overflow, overflow);
	CHECK_INT(c.rec.any_sid, false);
	CHECK_INT(c.bits, overflow ? 24 : 0);
	CHECK_INT(c.src.len, overflow ? 120 : 128);
	sb_free(&sb);
}

/* A line as written, then changed: refused, naming the field. */
static void refused(const char *from, const char *to, const char *why)
{
	struct feed_record r;
	struct feed_count c;
	struct strbuf sb = { 0 }, changed = { 0 };
	char err[128], *p;

	sample(&r, false);
	record_format(FORMAT_COUNTS, &r, &sb);
	p = strstr(sb.buf, from);
	CHECK(p != NULL);
	if (!p)
		goto out;
	sb_append(&changed, sb.buf, (size_t)(p - sb.buf));
	sb_puts(&changed, to);
	sb_puts(&changed, p + strlen(from));
	CHECK_INT(counts_parse(changed.buf, changed.len - 1, &c, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fprintf(stderr, "refused %s -> %s: '%s' lacks '%s'\n", from, to, err, why);
	CHECK(strstr(err, why) != NULL);
out:
	sb_free(&sb);
	sb_free(&changed);
}

static void test_refused(void)
{
	char line[] = "{\"v\":1}", other[] = "C2\tx";
	struct feed_count c;
	const char *id;
	char err[128];

	CHECK_INT(counts_parse(line, strlen(line), &c, err, sizeof(err)), -1);
	CHECK_INT(counts_parse(other, strlen(other), &c, err, sizeof(err)), -1);
	CHECK_INT(counts_line_id("{\"x\":1}", 7, &id), 0);
	refused("C1\t", "C2\t", "version");
	refused("\t55555\t", "\ttrue\t", "packets");
	refused("\t55555\t", "\t55555\t\t", "fields");
	refused("\t6\t", "\t300\t", "protocol");
	refused("\t-\t", "\tx\t", "flags");
	refused("\t2001:db8::7\t", "\t2001:zz::7\t", "src");
	refused("\tzeus\t", "\tzeus\\q\t", "family");
}

/* ---- C2: a count with the bot's evidence ---- */

/* Every byte value, then more than a payload keeps. */
static uint8_t all_bytes[300];

static void sample_evidence(struct feed_record *r)
{
	sample(r, false);
	for (size_t i = 0; i < sizeof(all_bytes); i++)
		all_bytes[i] = (uint8_t)i;
	r->ev = (struct record_evidence){
		.has_src_port = true,
		.src_port = 65535,
		.http_method = "GET",
		.http_url = "/a\tb\\c?q=\n1#\r",
		.http_host = "cc.example.com:8080\\",
		.http_agent = "",
		.http_referer = NULL,
		.dns_query = "\\N",
		.payload = all_bytes,
		.payload_len = sizeof(all_bytes),
	};
}

/* The number of tab-separated fields of a line (its newline aside). */
static size_t fields_of(const char *line, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		n += line[i] == '\t';
	return n;
}

static void test_evidence_round_trip(void)
{
	struct feed_record r;
	struct feed_count c;
	struct strbuf sb = { 0 };
	char hex[2 * 256 + 1], err[128] = "";
	const char *id;

	sample_evidence(&r);
	record_format(FORMAT_COUNTS, &r, &sb);
	CHECK(sb.len > 0 && sb.buf[sb.len - 1] == '\n');
	CHECK(memchr(sb.buf, '\n', sb.len - 1) == NULL);
	CHECK(!strncmp(sb.buf, "C2\t", 3));
	CHECK_INT(fields_of(sb.buf, sb.len - 1), COUNTS_FIELDS + COUNTS_EVIDENCE_FIELDS);
	CHECK(counts_version_known(sb.buf, sb.len));
	CHECK_INT(counts_line_id(sb.buf, sb.len, &id), strlen("s:1\\t:00aa:17:42"));
	/* The evidence fields as written: escaped, NULL as \N, the payload cut at 256, in hex. */
	for (int i = 0; i < 256; i++)
		snprintf(hex + 2 * i, 3, "%02x", i);
	{
		struct strbuf want = { 0 };

		sb_printf(
			&want,
			"\t0\t65535\tGET\t/a\\tb\\\\c?q=\\n1#\\r\tcc.example.com:8080\\\\\t\t\\N\t"
			"\\\\N\t%s\n",
			hex);
		CHECK(sb.len > want.len && !memcmp(sb.buf + sb.len - want.len, want.buf, want.len));
		if (sb.len <= want.len || memcmp(sb.buf + sb.len - want.len, want.buf, want.len))
			fprintf(stderr, "line: %s", sb.buf);
		sb_free(&want);
	}
	CHECK_INT(counts_parse(sb.buf, sb.len - 1, &c, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_STR(c.rec.record_id, r.record_id);
	CHECK_STR(c.rec.tag, r.tag);
	CHECK_INT(c.rec.packets, 55555);
	CHECK_INT(c.rec.dns_qtype, 0);
	CHECK(c.ev != NULL);
	if (c.ev) {
		CHECK(c.ev->has_src_port);
		CHECK_INT(c.ev->src_port, 65535);
		CHECK_STR(c.ev->text[EVIDENCE_HTTP_METHOD], "GET");
		CHECK_STR(c.ev->text[EVIDENCE_HTTP_URL], "/a\tb\\c?q=\n1#\r");
		CHECK_STR(c.ev->url_path, "/a\tb\\c");
		CHECK_STR(c.ev->text[EVIDENCE_HTTP_HOST], "cc.example.com:8080\\");
		CHECK_STR(c.ev->text[EVIDENCE_HTTP_AGENT], "");
		CHECK(c.ev->text[EVIDENCE_HTTP_REFERER] == NULL && c.ev->referer_path == NULL);
		/* "\N" as a text: that text, not NULL. */
		CHECK_STR(c.ev->text[EVIDENCE_DNS_QUERY], "\\N");
		CHECK_INT(c.ev->payload_len, 256);
		CHECK(c.ev->payload && !memcmp(c.ev->payload, all_bytes, 256));
	}
	counts_release(&c, 1);
	CHECK(c.ev == NULL);
	counts_release(&c, 1); /* twice: nothing left to free */
	sb_free(&sb);

	/* No port, one text: \N for the port, the payload NULL. */
	sample(&r, false);
	r.ev = (struct record_evidence){ .http_method = "GET" };
	record_format(FORMAT_COUNTS, &r, &sb);
	CHECK(!strncmp(sb.buf, "C2\t", 3));
	CHECK(sb.len > 26 &&
	      !strcmp(sb.buf + sb.len - 26, "\t\\N\tGET\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n"));
	CHECK_INT(counts_parse(sb.buf, sb.len - 1, &c, err, sizeof(err)), 0);
	CHECK(c.ev && !c.ev->has_src_port && c.ev->src_port == 0);
	CHECK(c.ev && c.ev->payload == NULL && c.ev->payload_len == 0);
	CHECK(c.ev && c.ev->text[EVIDENCE_HTTP_URL] == NULL && c.ev->url_path == NULL);
	CHECK_STR(c.ev ? c.ev->text[EVIDENCE_HTTP_METHOD] : NULL, "GET");
	counts_release(&c, 1);
	sb_free(&sb);

	/* A port alone (port 0 is one), and a payload of no bytes: C2, read back so. */
	r.ev = (struct record_evidence){ .has_src_port = true, .src_port = 0 };
	record_format(FORMAT_COUNTS, &r, &sb);
	CHECK(!strncmp(sb.buf, "C2\t", 3));
	CHECK_INT(counts_parse(sb.buf, sb.len - 1, &c, err, sizeof(err)), 0);
	CHECK(c.ev && c.ev->has_src_port && c.ev->src_port == 0);
	for (int i = 0; c.ev && i < EVIDENCE_TEXTS; i++)
		CHECK(c.ev->text[i] == NULL);
	counts_release(&c, 1);
	sb_free(&sb);
	r.ev = (struct record_evidence){ .payload = (const uint8_t *)"", .payload_len = 0 };
	record_format(FORMAT_COUNTS, &r, &sb);
	CHECK(!strncmp(sb.buf, "C2\t", 3));
	CHECK(sb.len > 4 && !strcmp(sb.buf + sb.len - 4, "\\N\t\n"));
	CHECK_INT(counts_parse(sb.buf, sb.len - 1, &c, err, sizeof(err)), 0);
	CHECK(c.ev && c.ev->payload != NULL && c.ev->payload_len == 0 && !c.ev->has_src_port);
	counts_release(&c, 1);
	sb_free(&sb);

	/* No evidence: C1, 22 fields, nothing allocated. */
	r.ev = (struct record_evidence){ 0 };
	record_format(FORMAT_COUNTS, &r, &sb);
	CHECK(!strncmp(sb.buf, "C1\t", 3));
	CHECK_INT(fields_of(sb.buf, sb.len - 1), COUNTS_FIELDS);
	CHECK_INT(counts_parse(sb.buf, sb.len - 1, &c, err, sizeof(err)), 0);
	CHECK(c.ev == NULL);
	counts_release(&c, 1);
	sb_free(&sb);
}

/* A short C2 line as written: the evidence fields are its last eight. */
static void short_c2(struct strbuf *sb)
{
	struct feed_record r;

	sample(&r, false);
	r.ev = (struct record_evidence){ .has_src_port = true,
					 .src_port = 40000,
					 .http_url = "/x",
					 .payload = (const uint8_t *)"\x00\xff",
					 .payload_len = 2 };
	record_format(FORMAT_COUNTS, &r, sb);
}

/* A C2 line with its last `suffix` (the evidence, newline aside) replaced: refused, naming why. */
static void refused_ev(const char *suffix, const char *to, const char *why)
{
	struct feed_count c;
	struct strbuf sb = { 0 }, changed = { 0 };
	char err[128] = "";
	size_t keep;

	short_c2(&sb);
	keep = sb.len - 1 - strlen(suffix);
	CHECK(sb.len > strlen(suffix) + 1 && !strncmp(sb.buf + keep, suffix, strlen(suffix)));
	sb_append(&changed, sb.buf, keep);
	sb_puts(&changed, to);
	sb_lit(&changed, "\n");
	CHECK_INT(counts_parse(changed.buf, changed.len - 1, &c, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fprintf(stderr, "refused ...%s: '%s' lacks '%s'\n", to, err, why);
	CHECK(strstr(err, why) != NULL);
	CHECK(c.ev == NULL);
	sb_free(&sb);
	sb_free(&changed);
}

/* The same, but accepted: the payload read. */
static void accepted_ev(const char *suffix, const char *to, size_t payload_len)
{
	struct feed_count c;
	struct strbuf sb = { 0 }, changed = { 0 };
	char err[128] = "";

	short_c2(&sb);
	sb_append(&changed, sb.buf, sb.len - 1 - strlen(suffix));
	sb_puts(&changed, to);
	sb_lit(&changed, "\n");
	CHECK_INT(counts_parse(changed.buf, changed.len - 1, &c, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK(c.ev != NULL);
	if (c.ev)
		CHECK_INT(c.ev->payload_len, payload_len);
	counts_release(&c, 1);
	sb_free(&sb);
	sb_free(&changed);
}

/* The line cut after its first n fields (its tag kept, or changed to tag). */
static void refused_fields(const char *line, size_t n, const char *tag, const char *why)
{
	struct strbuf cut = { 0 };
	struct feed_count c;
	char err[128] = "";
	const char *end = line, *nl = strchr(line, '\n');

	/* The end of field n: its tab, or the line's newline. */
	for (size_t i = 0; i < n && end; i++) {
		const char *tab = strchr(end + (i > 0), '\t');

		end = tab ? tab : i == n - 1 ? nl : NULL;
	}
	CHECK(end != NULL);
	if (!end)
		return;
	sb_puts(&cut, tag);
	sb_append(&cut, line + 2, (size_t)(end - (line + 2)));
	sb_lit(&cut, "\n");
	CHECK_INT(fields_of(cut.buf, cut.len - 1), n);
	CHECK_INT(counts_parse(cut.buf, cut.len - 1, &c, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fprintf(stderr, "%s with %zu fields: '%s' lacks '%s'\n", tag, n, err, why);
	CHECK(strstr(err, why) != NULL);
	CHECK(c.ev == NULL);
	sb_free(&cut);
}

static void test_evidence_refused(void)
{
	static const char suffix[] = "40000\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t00ff";
	char hex[2 * 257 + 1], *to = malloc(sizeof(hex) + 64);
	struct strbuf line = { 0 };

	if (!to)
		return;
	/* The line as written. */
	accepted_ev(suffix, suffix, 2);
	accepted_ev(suffix, "40000\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t00FF", 2);
	accepted_ev(suffix, "\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N", 0);
	/* Bad hex, odd hex, an escape in hex. */
	refused_ev(suffix, "40000\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t00fg", "field payload");
	refused_ev(suffix, "40000\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t00f", "field payload");
	refused_ev(suffix, "40000\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t0", "field payload");
	refused_ev(suffix, "40000\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t00\\tff", "field payload");
	refused_ev(suffix, "40000\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t 0ff", "field payload");
	refused_ev(suffix, "40000\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t\\\\N", "field payload");
	/* 256 bytes: read; 257: refused. */
	memset(hex, 'a', sizeof(hex) - 1);
	hex[512] = '\0';
	snprintf(to, sizeof(hex) + 64, "40000\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t%s", hex);
	accepted_ev(suffix, to, 256);
	hex[512] = 'a';
	hex[514] = '\0';
	snprintf(to, sizeof(hex) + 64, "40000\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t%s", hex);
	refused_ev(suffix, to, "field payload");
	/* The port: a number up to 65535, or \N. */
	refused_ev(suffix, "65536\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t00ff", "field src_port");
	refused_ev(suffix, "-1\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t00ff", "field src_port");
	refused_ev(suffix, "\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t00ff", "field src_port");
	refused_ev(suffix, "8o\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t00ff", "field src_port");
	/* A text with a bad escape, or one cut after its backslash: by its name. */
	refused_ev(suffix, "40000\t\\x\t/x\t\\N\t\\N\t\\N\t\\N\t00ff", "field http_method");
	refused_ev(suffix, "40000\t\\N\t/x\\\t\\N\t\\N\t\\N\t\\N\t00ff", "field http_url");
	refused_ev(suffix, "40000\t\\N\t/x\t\\0\t\\N\t\\N\t\\N\t00ff", "field http_host");
	refused_ev(suffix, "40000\t\\N\t/x\t\\N\t\\a\t\\N\t\\N\t00ff", "field http_agent");
	refused_ev(suffix, "40000\t\\N\t/x\t\\N\t\\N\t\\N\\\t\\N\t00ff", "field http_referer");
	refused_ev(suffix, "40000\t\\N\t/x\t\\N\t\\N\t\\N\t\\\t00ff", "field dns_query");
	/* A field more than C2 has. */
	refused_ev(suffix, "40000\t\\N\t/x\t\\N\t\\N\t\\N\t\\N\t00ff\tx", "fields");

	/* 23 to 29 fields, C2 or C1: too few for C2, too many for C1. */
	short_c2(&line);
	for (size_t n = COUNTS_FIELDS + 1; n < COUNTS_FIELDS + COUNTS_EVIDENCE_FIELDS; n++) {
		refused_fields(line.buf, n, "C2", "fields");
		refused_fields(line.buf, n, "C1", "fields");
	}
	/* C2 with C1's 22 fields; C1 with C2's 30. */
	refused_fields(line.buf, COUNTS_FIELDS, "C2", "version");
	refused_fields(line.buf, COUNTS_FIELDS + COUNTS_EVIDENCE_FIELDS, "C1", "version");
	refused_fields(line.buf, COUNTS_FIELDS + COUNTS_EVIDENCE_FIELDS, "C3", "version");
	/* And as written: read. */
	{
		struct feed_count c;
		char err[128] = "";

		CHECK_INT(counts_parse(line.buf, line.len - 1, &c, err, sizeof(err)), 0);
		CHECK(c.ev && c.ev->payload_len == 2 && c.ev->src_port == 40000);
		CHECK_STR(c.ev ? c.ev->text[EVIDENCE_HTTP_URL] : NULL, "/x");
		counts_release(&c, 1);
	}
	/* A C1 field bad in a C2 line: by its name, no evidence read. */
	{
		sb_reset(&line);
		short_c2(&line);
		struct strbuf bad = { 0 };
		struct feed_count c;
		char err[128] = "", *p = strstr(line.buf, "\t55555\t");

		CHECK(p != NULL);
		if (p) {
			sb_append(&bad, line.buf, (size_t)(p - line.buf));
			sb_puts(&bad, "\tx5555\t");
			sb_puts(&bad, p + 7);
			CHECK_INT(counts_parse(bad.buf, bad.len - 1, &c, err, sizeof(err)), -1);
			CHECK(strstr(err, "field packets") != NULL);
			CHECK(c.ev == NULL);
		}
		sb_free(&bad);
	}
	sb_free(&line);
	free(to);
}

int main(void)
{
	test_round_trip(false);
	test_round_trip(true);
	test_refused();
	test_evidence_round_trip();
	test_evidence_refused();
	return unit_report("counts");
}
