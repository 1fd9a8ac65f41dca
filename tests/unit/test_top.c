// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * botsink top without maps: rates, the ranking of sources, the family
 * filter and the sort going round, the screen rendered from two samples
 * made here (sources truncated as the run's view says, never raw), and
 * the view file the daemon leaves for it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/top.h"
#include "lib/addr.h"
#include "lib/util.h"
#include "sensor/control.h"
#include "unit.h"

static void test_rate(void)
{
	CHECK(top_rate(10, 4, 2.0) == 3.0);
	CHECK(top_rate(7, 7, 1.0) == 0.0);
	CHECK(top_rate(4, 10, 1.0) == 0.0); /* new maps: the counter went back */
	CHECK(top_rate(10, 4, 0.0) == 0.0);
}

static struct botsink_source_count source(const char *ip, __u32 sid, __u64 checkins, __u64 packets,
					  __u64 bytes)
{
	struct botsink_source_count c = { .kind = BOTSINK_KIND_SOURCES };
	struct in6_addr a;

	addr_parse(ip, &a);
	memcpy(c.key.addr, &a, sizeof(c.key.addr));
	c.key.sid = sid;
	c.total.checkins = checkins;
	c.total.packets = packets;
	c.total.bytes = bytes;
	return c;
}

static bool is_ip(const struct botsink_source_count *c, const char *ip)
{
	struct in6_addr a;

	addr_parse(ip, &a);
	return !memcmp(c->key.addr, &a, sizeof(a));
}

static void test_rank(void)
{
	struct botsink_source_count s[] = {
		source("192.0.2.1", 1, 5, 10, 100), source("192.0.2.2", 1, 9, 9, 90),
		source("192.0.2.3", 1, 1, 2, 5000), source("192.0.2.4", 1, 5, 11, 100),
		source("192.0.2.0", 1, 5, 11, 100),
	};
	size_t n = ARRAY_SIZE(s);

	top_rank(s, n, TOP_BY_CHECKINS);
	CHECK(is_ip(&s[0], "192.0.2.2"));
	/* Equal check-ins: more packets first, then the lower address. */
	CHECK(is_ip(&s[1], "192.0.2.0") && is_ip(&s[2], "192.0.2.4") && is_ip(&s[3], "192.0.2.1"));
	CHECK(is_ip(&s[4], "192.0.2.3"));
	top_rank(s, n, TOP_BY_PACKETS);
	CHECK(is_ip(&s[0], "192.0.2.0") && is_ip(&s[4], "192.0.2.3"));
	top_rank(s, n, TOP_BY_BYTES);
	CHECK(is_ip(&s[0], "192.0.2.3") && is_ip(&s[4], "192.0.2.2"));
	CHECK_STR(top_sort_name(TOP_BY_BYTES), "bytes");
}

static struct census_rule rule(__u32 slot, __u32 sid, const char *family, __u64 checkins)
{
	struct census_rule r = { .slot = slot };

	r.info.sid = sid;
	r.info.live = 1;
	snprintf(r.info.family, sizeof(r.info.family), "%s", family);
	r.hits.checkins = r.hits.packets = checkins;
	r.hits.bytes = 60 * checkins;
	return r;
}

/* A sample `seconds` after the start, each count grown by `scale`. */
static void fill_sample(struct top_sample *s, double seconds, __u64 scale)
{
	struct census_rule rules[] = {
		rule(0, 0, "unclassified", 0),
		rule(1, 1000001, "zeus", 20 * scale),
		rule(2, 1000020, "sality", 5 * scale),
	};
	struct botsink_source_count src[] = {
		source("198.51.100.7", 1000001, 12 * scale, 12 * scale, 648 * scale),
		source("198.51.100.9", 1000020, 5 * scale, 5 * scale, 1710 * scale),
		source("2001:db8:a::5", 1000001, 8 * scale, 8 * scale, 576 * scale),
	};

	memset(s, 0, sizeof(*s));
	s->mono_ns = (uint64_t)(seconds * 1e9);
	s->wall.tv_sec = 1767225600 + (time_t)seconds;
	s->cfg.generation = 1;
	s->stats[BOTSINK_MATCHED] = 25 * scale;
	s->stats[BOTSINK_NON_IP] = 3;
	s->rules = malloc(sizeof(rules));
	memcpy(s->rules, rules, sizeof(rules));
	s->nrules = 3;
	s->sources = malloc(sizeof(src));
	memcpy(s->sources, src, sizeof(src));
	s->nsources = 3;
	s->entries[BOTSINK_KIND_SOURCES] = 3;
	s->capacity[BOTSINK_KIND_SOURCES] = 100;
	s->entries[BOTSINK_KIND_OVERFLOW] = 2;
	s->capacity[BOTSINK_KIND_OVERFLOW] = 16386;
}

/* Two samples 2 s apart, sources shown truncated (24,48) as the run's view says. */
static void setup(struct top *t)
{
	char err[256];

	memset(t, 0, sizeof(*t));
	t->pin_dir = "/sys/fs/bpf/test";
	t->state_dir = "/nonexistent";
	t->interval = 1;
	fill_sample(&t->prev, 10, 1);
	fill_sample(&t->cur, 12, 2);
	t->samples = 2;
	t->privacy.run = (struct control_view){ .anon = ANON_TRUNCATE, .truncate = { 24, 48 } };
	feed_init(&t->privacy.feed, NULL, 24, 48, "");
	CHECK(feed_view_init(&t->privacy.view, &t->privacy.feed, "top", NULL, ANON_TRUNCATE, NULL,
			     FORMAT_JSONL, false, err, sizeof(err)) == 0);
	t->privacy.ready = true;
}

static void teardown(struct top *t)
{
	feed_view_free(&t->privacy.view);
	free(t->cur.rules);
	free(t->cur.sources);
	free(t->prev.rules);
	free(t->prev.sources);
}

/* The line of `text` that starts with `start` (a static copy), or "". */
static const char *line_of(const char *text, const char *start)
{
	static char line[512];
	const char *p = text;

	line[0] = '\0';
	while (p && *p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (!strncmp(p, start, strlen(start))) {
			snprintf(line, sizeof(line), "%.*s", (int)len, p);
			break;
		}
		p = end ? end + 1 : NULL;
	}
	return line;
}

static void test_render(void)
{
	struct strbuf sb = { 0 };
	struct top t;

	setup(&t);
	top_render(&t, &sb, 0, false);
	CHECK(sb.buf && !strchr(sb.buf, '\033'));
	/* 25 matched frames more in 2 s; 3 non_ip frames in all, none lately. */
	CHECK_STR(
		line_of(sb.buf, "matched"),
		"matched             12.5            50   responses            0.0             0");
	CHECK_STR(
		line_of(sb.buf, "total"),
		"total               12.5            53   verify_refused       0.0             0");
	/* zeus: 20 check-ins more in 2 s; sality 5. */
	CHECK_STR(line_of(sb.buf, "zeus"),
		  "zeus                             10.0        10.0         0.0            40");
	CHECK_STR(line_of(sb.buf, "sality"),
		  "sality                            2.5         2.5         0.0            10");
	CHECK(strstr(sb.buf, "TABLES     generation 1: sources 3 of 100 (3.0%)") != NULL);
	CHECK(strstr(sb.buf, "overflow 2 of 16386 (0.0%)") != NULL);
	CHECK_STR(line_of(sb.buf, "sources:"), "sources:   as the feed shows them, truncate 24,48");
	CHECK(strstr(sb.buf, "SOURCES    3 this interval, by check-ins; family: all\n") != NULL);
	CHECK(strstr(sb.buf, "CHECK-INS*") != NULL);
	/* Truncated, never the addresses themselves; ranked by check-ins. */
	CHECK(!strstr(sb.buf, "198.51.100.7") && !strstr(sb.buf, "2001:db8:a::5"));
	CHECK_STR(
		line_of(sb.buf, "198.51.100.0 "),
		"198.51.100.0       1000001 zeus                      24          24           1296");
	CHECK(strstr(sb.buf, "2001:db8:a::       1000001 zeus") != NULL);

	/* By bytes: sality's source first; the marker moved. */
	top_next_sort(&t);
	top_next_sort(&t);
	top_render(&t, &sb, 0, true);
	CHECK(strstr(sb.buf, "(q quit, s sort, f family)") != NULL);
	CHECK(strstr(sb.buf, "by bytes;") && strstr(sb.buf, "BYTES*") &&
	      !strstr(sb.buf, "CHECK-INS*"));
	CHECK(strstr(strstr(sb.buf, "SOURCE "), "1000020 sality") <
	      strstr(strstr(sb.buf, "SOURCE "), "1000001 zeus"));
	top_next_sort(&t);
	CHECK_INT(t.sort, TOP_BY_CHECKINS);

	/* A terminal of 30 rows: the screen fits, sources cut to what is left. */
	top_render(&t, &sb, 30, true);
	CHECK_INT(count_lines(sb.buf), 30);
	top_render(&t, &sb, 10, true);
	CHECK(strstr(sb.buf, "SOURCES    3 this interval") != NULL);
	CHECK(!strstr(sb.buf, "1000001 zeus"));
	sb_free(&sb);
	teardown(&t);
}

/* f: all, each family by name, all again; the panes show the one chosen. */
static void test_family_filter(void)
{
	static const char *const order[] = { "sality", "unclassified", "zeus", "" };
	struct strbuf sb = { 0 };
	struct top t;

	setup(&t);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		top_next_family(&t);
		CHECK_STR(t.family, order[i]);
	}
	top_next_family(&t);
	top_render(&t, &sb, 0, false);
	CHECK(strstr(sb.buf, "family: sality\n") != NULL);
	CHECK(line_of(sb.buf, "sality")[0] && !line_of(sb.buf, "zeus")[0]);
	CHECK(strstr(sb.buf, "SOURCES    1 this interval") != NULL);
	CHECK(strstr(sb.buf, "1000020 sality") && !strstr(sb.buf, "1000001 zeus"));
	sb_free(&sb);
	teardown(&t);
}

/* Without a key for an ipcrypt mode, no source is shown. */
static void test_no_key(void)
{
	struct strbuf sb = { 0 };
	struct top t;

	setup(&t);
	feed_view_free(&t.privacy.view);
	memset(&t.privacy.view, 0, sizeof(t.privacy.view));
	t.privacy.ready = false;
	t.privacy.run.anon = ANON_IPCRYPT_PFX;
	snprintf(t.privacy.why, sizeof(t.privacy.why), "key directory /x/keys: no key");
	top_render(&t, &sb, 0, false);
	CHECK(strstr(sb.buf, "ipcrypt-pfx; no key, so none shown (key directory /x/keys: no key)"));
	CHECK(strstr(sb.buf, "(no key)           1000001 zeus") != NULL);
	CHECK(!strstr(sb.buf, "198.51.100.") && !strstr(sb.buf, "2001:db8:a:"));
	sb_free(&sb);
	teardown(&t);
}

static char base[] = "/tmp/botsink-top-XXXXXX";

/* The daemon's view file read back; absent or not trusted: the default ipcrypt-pfx. */
static void test_view_file(void)
{
	struct truncate_bits bits = { 20, 40 };
	struct control_view v;
	char err[256], path[512];
	struct stat st;
	int dir = open(base, O_RDONLY | O_DIRECTORY);

	CHECK(dir >= 0);
	CHECK_INT(control_read_view(base, &v), 0);
	CHECK(v.anon == ANON_IPCRYPT_PFX && v.truncate.v4 == 24 && v.truncate.v6 == 48);
	CHECK(control_save_view(dir, ANON_TRUNCATE, &bits, NULL, err, sizeof(err)) == 0);
	snprintf(path, sizeof(path), "%s/%s", base, CONTROL_VIEW_FILE);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	CHECK_INT(control_read_view(base, &v), 1);
	CHECK(v.anon == ANON_TRUNCATE && v.truncate.v4 == 20 && v.truncate.v6 == 40);
	CHECK_STR(v.key_path, "");
	/* --key: its absolute path. */
	CHECK(control_save_view(dir, ANON_IPCRYPT_DETERMINISTIC, &bits, base, err, sizeof(err)) ==
	      0);
	CHECK_INT(control_read_view(base, &v), 1);
	CHECK(v.anon == ANON_IPCRYPT_DETERMINISTIC);
	CHECK_STR(v.key_path, base);
	CHECK(control_save_view(dir, ANON_NONE, &bits, "/nonexistent/key", err, sizeof(err)) == -1);
	/* Anyone could have written it: not believed. */
	CHECK(control_save_view(dir, ANON_NONE, &bits, NULL, err, sizeof(err)) == 0);
	CHECK(chmod(path, 0622) == 0);
	CHECK_INT(control_read_view(base, &v), 0);
	CHECK(v.anon == ANON_IPCRYPT_PFX);
	/* A line it does not know: the default. */
	{
		FILE *f = fopen(path, "w");

		fputs("anon none\nsomething else\n", f);
		fclose(f);
		chmod(path, 0600);
	}
	CHECK_INT(control_read_view(base, &v), 0);
	CHECK(v.anon == ANON_IPCRYPT_PFX);
	close(dir);
}

/* The view file was its only file (written under a temporary name, renamed). */
static void remove_base(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", base, CONTROL_VIEW_FILE);
	CHECK(unlink(path) == 0 && rmdir(base) == 0);
}

static const unit_fn tests[] = {
	test_rate, test_rank, test_render, test_family_filter, test_no_key, test_view_file, NULL,
};

int main(void)
{
	return unit_run("test_top", base, NULL, tests, remove_base);
}
