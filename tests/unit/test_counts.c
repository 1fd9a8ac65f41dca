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

int main(void)
{
	test_round_trip(false);
	test_round_trip(true);
	test_refused();
	return unit_report("counts");
}
