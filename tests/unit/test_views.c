// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Views of one epoch through feed_write_epoch: a verified-only view leaves
 * unverified TCP check-ins out and withholds what has none left, beside a
 * view that shows everything, and partners (scope and verified_only
 * together). The exact records of each view, read back as JSON.
 */
#include <jansson.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include "feed/feed.h"
#include "feed/partners.h"
#include "feed/record.h"
#include "feed/sink.h"
#include "lib/addr.h"
#include "lib/util.h"
#include "unit.h"
#include "mem_sink.h"

/* Thursday 2026-11-26 22:31:29 UTC */
#define T0 1795732289
#define END_MONO_NS 5000000000ULL


/* What a test source did: its counters. */
struct source {
	const char *addr; /* a host, or an aggregate's prefix address */
	uint32_t kind;
	uint32_t sid;
	uint8_t protocol;
	uint16_t dst_port;
	uint16_t dns_qtype;
	uint64_t packets, syns, checkins, tcp, verified;
};

/*
 * Every case once. Aggregates: an overflow /24 and /48, catch-alls of
 * both families (their address is the family's: 0.0.0.0 is ::ffff:0.0.0.0).
 */
static const struct source sources[] = {
	/* 0: TCP, some verified: only those */
	{ "198.51.100.1", BOTSINK_KIND_SOURCES, 1000001, IPPROTO_TCP, 80, 0, 9, 3, 5, 5, 2 },
	/* 1: TCP, none verified: withheld */
	{ "198.51.100.2", BOTSINK_KIND_SOURCES, 1000001, IPPROTO_TCP, 80, 0, 3, 3, 3, 3, 0 },
	/* 2: TCP and UDP (last UDP), one verified: it and the datagrams */
	{ "198.51.100.3", BOTSINK_KIND_SOURCES, 1000002, IPPROTO_UDP, 80, 0, 8, 3, 6, 4, 1 },
	/* 3: TCP and UDP (last TCP), none verified: the datagrams */
	{ "198.51.100.4", BOTSINK_KIND_SOURCES, 1000002, IPPROTO_TCP, 80, 0, 6, 3, 5, 3, 0 },
	/* 4: UDP: unverifiable, as it was */
	{ "198.51.100.5", BOTSINK_KIND_SOURCES, 1000020, IPPROTO_UDP, 16001, 0, 4, 0, 4, 0, 0 },
	/* 5: a DNS query: unverifiable, as it was */
	{ "2001:db8:a::5", BOTSINK_KIND_SOURCES, 1000040, IPPROTO_UDP, 53, 1, 1, 0, 1, 0, 0 },
	/* 6: TCP without check-ins (SYN-ACKs): nothing to show */
	{ "198.51.100.7", BOTSINK_KIND_UNCLASSIFIED, 0, IPPROTO_TCP, 80, 0, 3, 0, 0, 0, 0 },
	/* 7: ICMP, unclassified: unverifiable */
	{ "198.51.100.8", BOTSINK_KIND_UNCLASSIFIED, 0, IPPROTO_ICMP, 0, 0, 2, 0, 2, 0, 0 },
	/* 8: an overflow /24, partly verified */
	{ "203.0.113.0", BOTSINK_KIND_OVERFLOW, 1000001, IPPROTO_TCP, 80, 0, 12, 10, 10, 10, 4 },
	/* 9: an overflow /48, unverified: withheld */
	{ "2001:db8:b::", BOTSINK_KIND_OVERFLOW, 1000002, IPPROTO_TCP, 80, 0, 7, 7, 7, 7, 0 },
	/* 10: the IPv4 catch-all, UDP */
	{ "0.0.0.0", BOTSINK_KIND_OVERFLOW, BOTSINK_SID_ANY, IPPROTO_UDP, 16001, 0, 2, 0, 2, 0, 0 },
	/* 11: the IPv6 catch-all, unverified TCP: withheld */
	{ "::", BOTSINK_KIND_UNCL_OVERFLOW, BOTSINK_SID_ANY, IPPROTO_TCP, 23, 0, 4, 4, 4, 4, 0 },
	/* 12: counts that do not nest (more verified than TCP): nothing taken out */
	{ "198.51.100.13", BOTSINK_KIND_SOURCES, 1000001, IPPROTO_TCP, 80, 0, 2, 1, 2, 1, 3 },
	/* 13: more TCP check-ins than check-ins: none left, not a wrapped count */
	{ "198.51.100.14", BOTSINK_KIND_SOURCES, 1000001, IPPROTO_TCP, 80, 0, 2, 2, 1, 5, 0 },
};

#define NSOURCES ARRAY_SIZE(sources)

static void fill(struct botsink_source_count *sc, const struct source *s)
{
	struct in6_addr a;

	memset(sc, 0, sizeof(*sc));
	CHECK_INT(addr_parse(s->addr, &a), 0);
	memcpy(sc->key.addr, &a, sizeof(sc->key.addr));
	sc->key.sid = s->sid;
	sc->kind = s->kind;
	sc->total.packets = s->packets;
	sc->total.bytes = s->packets * 60;
	sc->total.syns = s->syns;
	sc->total.checkins = s->checkins;
	sc->total.checkins_tcp = s->tcp;
	sc->total.checkins_verified = s->verified;
	sc->total.first_seen_ns = END_MONO_NS - 900000000ULL;
	sc->total.last_seen_ns = END_MONO_NS - 100000000ULL;
	sc->total.protocol = s->protocol;
	sc->total.dst_port = s->dst_port;
	sc->total.dns_qtype = s->dns_qtype;
	addr_parse(strchr(s->addr, ':') ? "2001:db8:5::10" : "203.0.113.10", &a);
	memcpy(sc->total.dst_addr, &a, sizeof(sc->total.dst_addr));
}

/*
 * A view's records, one line each: "INDEX SRC CHECKINS VERIFIED
 * VERIFICATION PACKETS BYTES SYNS" (INDEX: the record_id's last part).
 */
static void summarize(const struct strbuf *jsonl, struct strbuf *out)
{
	const char *line = jsonl->buf;

	sb_reset(out);
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		json_t *o = json_loadb(line, nl ? (size_t)(nl - line) : strlen(line), 0, NULL);
		const char *id = json_string_value(json_object_get(o, "record_id"));
		const char *index = id ? strrchr(id, ':') : NULL;

		CHECK(o != NULL && index != NULL);
		sb_printf(out, "%s %s %lld %lld %s %lld %lld %lld\n", index ? index + 1 : "?",
			  json_string_value(json_object_get(o, "src_ip")),
			  (long long)json_integer_value(json_object_get(o, "checkins")),
			  (long long)json_integer_value(json_object_get(o, "checkins_verified")),
			  json_string_value(json_object_get(o, "verification")),
			  (long long)json_integer_value(json_object_get(o, "packets")),
			  (long long)json_integer_value(json_object_get(o, "bytes")),
			  (long long)json_integer_value(json_object_get(o, "syns")));
		json_decref(o);
		line = nl ? nl + 1 : NULL;
	}
}

#define NVIEWS 4

/* Every view: all records, verified only, and two partners over 198.51.100.0/25. */
static const char partners_ini[] = "[checked]\nscope = 198.51.100.0/25, 2001:db8:b::/48\n"
				   "anon = none\noutput = /nonexistent/checked.jsonl\n"
				   "[trusting]\nscope = 198.51.100.0/25\nanon = none\n"
				   "verified_only = no\noutput = /nonexistent/trusting.jsonl\n";

static const char want_all[] = "0 198.51.100.1 5 2 verified 9 540 3\n"
			       "1 198.51.100.2 3 0 unverified 3 180 3\n"
			       "2 198.51.100.3 6 1 verified 8 480 3\n"
			       "3 198.51.100.4 5 0 unverified 6 360 3\n"
			       "4 198.51.100.5 4 0 unverifiable 4 240 0\n"
			       "5 2001:db8:a::5 1 0 unverifiable 1 60 0\n"
			       "6 198.51.100.7 0 0 unverified 3 180 0\n"
			       "7 198.51.100.8 2 0 unverifiable 2 120 0\n"
			       "8 203.0.113.0/24 10 4 verified 12 720 10\n"
			       "9 2001:db8:b::/48 7 0 unverified 7 420 7\n"
			       "10 0.0.0.0/0 2 0 unverifiable 2 120 0\n"
			       "11 ::/0 4 0 unverified 4 240 4\n"
			       "12 198.51.100.13 2 3 verified 2 120 1\n"
			       "13 198.51.100.14 1 0 unverified 2 120 2\n";

/* Packets, bytes and SYNs as they were; checkins without the unverified TCP ones. */
static const char want_verified[] = "0 198.51.100.1 2 2 verified 9 540 3\n"
				    "2 198.51.100.3 3 1 verified 8 480 3\n"
				    "3 198.51.100.4 2 0 unverified 6 360 3\n"
				    "4 198.51.100.5 4 0 unverifiable 4 240 0\n"
				    "5 2001:db8:a::5 1 0 unverifiable 1 60 0\n"
				    "7 198.51.100.8 2 0 unverifiable 2 120 0\n"
				    "8 203.0.113.0/24 4 4 verified 12 720 10\n"
				    "10 0.0.0.0/0 2 0 unverifiable 2 120 0\n"
				    "12 198.51.100.13 2 3 verified 2 120 1\n";

/* A partner is verified-only unless it says otherwise; its scope first. */
static const char want_checked[] = "0 198.51.100.1 2 2 verified 9 540 3\n"
				   "2 198.51.100.3 3 1 verified 8 480 3\n"
				   "3 198.51.100.4 2 0 unverified 6 360 3\n"
				   "4 198.51.100.5 4 0 unverifiable 4 240 0\n"
				   "7 198.51.100.8 2 0 unverifiable 2 120 0\n"
				   "12 198.51.100.13 2 3 verified 2 120 1\n";

static const char want_trusting[] = "0 198.51.100.1 5 2 verified 9 540 3\n"
				    "1 198.51.100.2 3 0 unverified 3 180 3\n"
				    "2 198.51.100.3 6 1 verified 8 480 3\n"
				    "3 198.51.100.4 5 0 unverified 6 360 3\n"
				    "4 198.51.100.5 4 0 unverifiable 4 240 0\n"
				    "6 198.51.100.7 0 0 unverified 3 180 0\n"
				    "7 198.51.100.8 2 0 unverifiable 2 120 0\n"
				    "12 198.51.100.13 2 3 verified 2 120 1\n"
				    "13 198.51.100.14 1 0 unverified 2 120 2\n";

static int open_views(struct feed *f, struct partner_set *ps, struct feed_view *views)
{
	char err[256] = "";
	int ret = 0;

	CHECK_INT(partners_parse_buffer("views.ini", partners_ini, strlen(partners_ini), false,
					NULL, ps, stderr),
		  0);
	CHECK_INT(ps->n, 2);
	if (ps->n != 2)
		return -1;
	CHECK(ps->p[0].verified_only);
	CHECK(!ps->p[1].verified_only);
	ret |= feed_view_init(&views[0], f, "feed", NULL, ANON_NONE, NULL, FORMAT_JSONL, false, err,
			      sizeof(err));
	ret |= feed_view_init(&views[1], f, "feed", NULL, ANON_NONE, NULL, FORMAT_JSONL, true, err,
			      sizeof(err));
	for (size_t i = 0; i < ps->n; i++)
		ret |= feed_view_init(&views[2 + i], f, ps->p[i].name, &ps->p[i], ps->p[i].anon,
				      NULL, ps->p[i].format, ps->p[i].verified_only, err,
				      sizeof(err));
	CHECK_STR(err, "");
	CHECK_INT(ret, 0);
	CHECK(views[1].verified_only && !views[0].verified_only);
	return ret;
}

static void test_views(void)
{
	static const char *const want[NVIEWS] = { want_all, want_verified, want_checked,
						  want_trusting };
	struct botsink_source_count items[NSOURCES];
	struct drain_result d = { .items = items, .n = NSOURCES };
	struct epoch e = { .incarnation = 0xab, .number = 7, .end = { T0, 0 } };
	struct mem_sink sinks[NVIEWS];
	struct feed_target t[NVIEWS];
	struct feed_view views[NVIEWS];
	struct partner_set ps = { 0 };
	struct strbuf got = { 0 };
	struct feed f;

	e.end_mono_ns = END_MONO_NS;
	for (size_t i = 0; i < NSOURCES; i++)
		fill(&items[i], &sources[i]);
	feed_init(&f, NULL, 24, 48, "lab-1");
	memset(views, 0, sizeof(views));
	if (open_views(&f, &ps, views))
		goto out;
	for (size_t k = 0; k < NVIEWS; k++) {
		memset(&sinks[k], 0, sizeof(sinks[k]));
		sinks[k].s.ops = &mem_ops;
		sinks[k].s.name = views[k].name;
		t[k] = (struct feed_target){ .view = &views[k], .sink = &sinks[k].s };
	}
	CHECK_INT(feed_write_epoch(&f, &e, &d, t, NVIEWS), 0);
	for (size_t k = 0; k < NVIEWS; k++) {
		CHECK_INT(t[k].error, 0);
		summarize(&sinks[k].out, &got);
		CHECK_STR(got.buf ? got.buf : "", want[k]);
		sb_free(&sinks[k].out);
	}
out:
	for (size_t k = 0; k < NVIEWS; k++)
		if (views[k].name)
			feed_view_free(&views[k]);
	partners_free(&ps);
	feed_free(&f);
	sb_free(&got);
}

/* A verified-only view of an epoch with nothing verified gets no record at all. */
static void test_nothing_left(void)
{
	struct botsink_source_count items[2];
	struct drain_result d = { .items = items, .n = 2 };
	struct epoch e = { .incarnation = 1, .number = 1, .end = { T0, 0 } };
	struct mem_sink sink = { .s = { .ops = &mem_ops, .name = "feed" } };
	struct feed_view v;
	struct feed_target t = { .view = &v, .sink = &sink.s };
	char err[256] = "";
	struct feed f;

	e.end_mono_ns = END_MONO_NS;
	fill(&items[0], &sources[1]);
	fill(&items[1], &sources[9]);
	feed_init(&f, NULL, 24, 48, "lab-1");
	CHECK_INT(feed_view_init(&v, &f, "feed", NULL, ANON_TRUNCATE, NULL, FORMAT_JSONL, true, err,
				 sizeof(err)),
		  0);
	CHECK_INT(feed_write_epoch(&f, &e, &d, &t, 1), 0);
	CHECK_INT(t.error, 0);
	CHECK_INT(sink.out.len, 0);
	feed_view_free(&v);
	feed_free(&f);
	sb_free(&sink.out);
}

int main(void)
{
	test_views();
	test_nothing_left();
	return unit_report("test_views");
}
