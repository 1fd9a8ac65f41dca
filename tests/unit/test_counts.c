// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The counts format (feed/counts.h): what a sensor writes, a hub reads
 * back exactly; a line from another version, or missing a member, or
 * with a member of the wrong type, is refused.
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
	r->tag = "Zeus \"gate\"\tcheck-in";
	r->classtype = NULL;
	r->sid = 1000001;
	r->packets = 55555;
	r->bytes = 300;
	r->syns = 4;
	r->checkins = 4;
	r->checkins_tcp = 4;
	r->checkins_verified = 1;
	r->dns_qtype = 0;
	r->sensor = "s:1";
	r->record_id = "s:1:00aa:17:42";
}

static void test_round_trip(bool overflow)
{
	struct feed_record r;
	struct feed_count c;
	struct strbuf sb = { 0 };
	const char *id;
	char err[128];
	void *doc;

	sample(&r, overflow);
	record_format(FORMAT_COUNTS, &r, &sb);
	CHECK(sb.len > 0 && sb.buf[sb.len - 1] == '\n');
	CHECK_INT(counts_line_id(sb.buf, sb.len, &id), strlen(r.record_id));
	CHECK(!strncmp(id, r.record_id, strlen(r.record_id)));
	CHECK_INT(counts_parse(sb.buf, sb.len - 1, &c, &doc, err, sizeof(err)), 0);
	CHECK_STR(c.rec.record_id, r.record_id);
	CHECK_STR(c.rec.sensor, r.sensor);
	CHECK_STR(c.rec.family, "zeus");
	CHECK_STR(c.rec.tag, r.tag);
	CHECK(c.rec.classtype == NULL);
	CHECK_INT(c.rec.timestamp.tv_sec, r.timestamp.tv_sec);
	CHECK_INT(c.rec.timestamp.tv_nsec, r.timestamp.tv_nsec);
	CHECK_INT(c.rec.first_seen.tv_nsec, 5);
	CHECK_INT(c.rec.last_seen.tv_sec, r.last_seen.tv_sec);
	CHECK_INT(c.rec.checkins_tcp, 4);
	CHECK_INT(c.rec.checkins_verified, 1);
	CHECK_INT(c.rec.verification, VERIFICATION_VERIFIED);
	CHECK(!memcmp(&c.rec.dst_ip, &r.dst_ip, sizeof(r.dst_ip)));
	CHECK_INT(c.rec.dst_port, 80);
	CHECK(c.rec.has_port);
	CHECK_INT(c.rec.overflow, overflow);
	CHECK_INT(c.bits, overflow ? 24 : 0);
	CHECK_INT(c.src.len, overflow ? 120 : 128);
	counts_release(doc);
	sb_free(&sb);
}

static void test_refused(void)
{
	static const char *const bad[] = {
		"{\"v\":2,\"record_id\":\"a:b:1:0\"}",
		"not json",
		"{\"v\":1,\"record_id\":\"a:b:1:0\"}", /* members missing */
		"[1,2]",
	};
	struct feed_record r;
	struct feed_count c;
	struct strbuf sb = { 0 };
	char err[128], *p;
	void *doc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(counts_parse(bad[i], strlen(bad[i]), &c, &doc, err, sizeof(err)), -1);
	/* A member of the wrong type is named. */
	sample(&r, false);
	record_format(FORMAT_COUNTS, &r, &sb);
	p = strstr(sb.buf, "\"packets\":55555");
	CHECK(p != NULL);
	if (p)
		memcpy(p + 10, "true ", 5);
	CHECK_INT(counts_parse(sb.buf, sb.len - 1, &c, &doc, err, sizeof(err)), -1);
	CHECK(strstr(err, "packets") != NULL);
	/* The id is found without parsing; not in a line of another kind. */
	CHECK_INT(counts_line_id("{\"x\":1}", 7, (const char **)&p), 0);
	sb_free(&sb);
}

int main(void)
{
	test_round_trip(false);
	test_round_trip(true);
	test_refused();
	return unit_report("counts");
}
