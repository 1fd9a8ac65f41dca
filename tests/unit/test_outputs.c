// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Output sets across a reload: an output with the same name, file and
 * format goes on with its sink, and its view is the new one, so a changed
 * verified_only (the public feed's and a partner's) applies to the next
 * epoch written through it.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "feed/outputs.h"
#include "lib/addr.h"
#include "lib/util.h"
#include "unit.h"

static char dir[] = "/tmp/botsink-outputs-XXXXXX";

/* A partner over 10.0.0.0/8 in FEED_DIR/p.jsonl, verified_only as given ("": the default). */
static int partners(const char *verified_only, struct partner_set *ps)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "[p]\nscope = 10.0.0.0/8\nanon = none\n%s\noutput = %s/p.jsonl\n", verified_only,
		 dir);
	return partners_parse_buffer("p.ini", text, strlen(text), false, NULL, ps, stderr);
}

/* One unverified TCP check-in from 10.0.0.1, written through the set's views. */
static void write_unverified(struct output_set *set, struct feed *f)
{
	struct botsink_source_count sc = { 0 };
	struct drain_result d = { .items = &sc, .n = 1 };
	struct epoch e = { .incarnation = 1, .number = 1, .end = { 1795732289, 0 } };
	struct feed_target t[2] = { 0 };

	addr_from_v4((struct in6_addr *)sc.key.addr, htonl(0x0a000001));
	sc.key.sid = 1000001;
	sc.total.packets = sc.total.syns = sc.total.checkins = sc.total.checkins_tcp = 2;
	sc.total.protocol = IPPROTO_TCP;
	CHECK_INT(set->n, 2);
	for (size_t i = 0; i < 2 && i < set->n; i++) {
		t[i].view = set->out[i].view;
		t[i].sink = set->out[i].sink;
	}
	CHECK_INT(feed_write_epoch(f, &e, &d, t, 2), 0);
	for (size_t i = 0; i < 2; i++)
		CHECK_INT(sink_sync(t[i].sink), 0);
}

static size_t lines_in(const char *name)
{
	char path[256], *text;
	size_t len, n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = read_file(path, SIZE_MAX, &len);
	for (size_t i = 0; text && i < len; i++)
		n += text[i] == '\n';
	free(text);
	return n;
}

static void test_reload(void)
{
	char feed_path[256], err[512] = "";
	struct output_config cfg = { .feed_path = feed_path,
				     .format = FORMAT_JSONL,
				     .anon = ANON_TRUNCATE,
				     .state_dir = dir };
	struct key_store ks = { .dir = dir };
	struct output_set a = { 0 }, b = { 0 };
	struct partner_set ps;
	struct sink *feed_sink, *partner_sink;
	struct feed f;

	snprintf(feed_path, sizeof(feed_path), "%s/feed.jsonl", dir);
	feed_init(&f, NULL, 24, 48, "lab-1");
	/* The public feed shows everything; the partner is verified-only by default. */
	CHECK_INT(partners("", &ps), 0);
	CHECK_INT(output_set_open(&a, &cfg, &ps, &f, &ks, NULL, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	if (a.n != 2)
		goto out;
	CHECK(!a.views[0].verified_only && a.views[1].verified_only);
	write_unverified(&a, &f);
	CHECK_INT(lines_in("feed.jsonl"), 1);
	CHECK_INT(lines_in("p.jsonl"), 0);

	/* Reloaded the other way round: the same sinks, the new views. */
	cfg.verified_only = true;
	CHECK_INT(partners("verified_only = no", &ps), 0);
	CHECK_INT(output_set_open(&b, &cfg, &ps, &f, &ks, &a, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	if (b.n != 2)
		goto out;
	CHECK(b.reuse[0] == &a.out[0] && b.reuse[1] == &a.out[1]);
	feed_sink = a.out[0].sink;
	partner_sink = a.out[1].sink;
	output_set_take(&b);
	CHECK(b.out[0].sink == feed_sink && b.out[1].sink == partner_sink);
	CHECK(b.out[0].view == &b.views[0] && b.out[1].view == &b.views[1]);
	CHECK(b.views[0].verified_only && !b.views[1].verified_only);
	write_unverified(&b, &f);
	CHECK_INT(lines_in("feed.jsonl"), 1);
	CHECK_INT(lines_in("p.jsonl"), 1);
out:
	output_set_close(&b);
	output_set_close(&a);
	feed_free(&f);
}

int main(void)
{
	char cmd[128];

	CHECK(mkdtemp(dir) != NULL);
	test_reload();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
	return unit_report("test_outputs");
}
