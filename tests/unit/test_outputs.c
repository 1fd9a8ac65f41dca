// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Output sets across a reload: an output with the same name, file and
 * format goes on with its sink, and its view is the new one, so a changed
 * verified_only (the public feed's and a partner's) applies to the next
 * epoch written through it. A set that does not fit RLIMIT_NOFILE is
 * refused before any file is made (the soft limit raised to the hard one
 * first), and one that fails half-way removes the files it made, never
 * one that was there before.
 */
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "feed/outputs.h"
#include "lib/addr.h"
#include "lib/util.h"
#include "unit.h"

static char dir[] = "/tmp/botsink-outputs-XXXXXX";
static int dir_fd = -1; /* dir, held as the daemon holds its state directory */

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

/* A feed at DIR/feed.jsonl (its path into feed_path), no anonymization, jsonl. */
static struct output_config plain_config(char *feed_path, size_t len)
{
	snprintf(feed_path, len, "%s/feed.jsonl", dir);
	return (struct output_config){ .feed_path = feed_path,
				       .format = FORMAT_JSONL,
				       .anon = ANON_NONE,
				       .state_dir = dir,
				       .state_fd = dir_fd };
}

static void test_reload(void)
{
	char feed_path[256], err[512] = "";
	struct output_config cfg = plain_config(feed_path, sizeof(feed_path));
	struct key_store ks = { .dir = dir };
	struct output_set a = { 0 }, b = { 0 };
	struct partner_set ps;
	struct sink *feed_sink, *partner_sink;
	struct feed f;

	cfg.anon = ANON_TRUNCATE;
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

/* n partners p0..p{n-1}, each in dir/pI.jsonl; the last one's in `last` instead (NULL: no). */
static int many_partners(size_t n, const char *last, struct partner_set *ps)
{
	size_t cap = n * 128 + 256, len = 0;
	char *text = malloc(cap);
	int ret;

	if (!text)
		return -1;
	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(text + len, cap - len,
					"[p%zu]\nscope = 10.0.0.0/8\nanon = none\noutput = ", i);
		if (last && i + 1 == n)
			len += (size_t)snprintf(text + len, cap - len, "%s\n", last);
		else
			len += (size_t)snprintf(text + len, cap - len, "%s/p%zu.jsonl\n", dir, i);
	}
	ret = partners_parse_buffer("p.ini", text, len, false, NULL, ps, stderr);
	free(text);
	return ret;
}

/* How many entries dir+sub holds (none when it does not exist). */
static size_t entries(const char *sub)
{
	char path[256];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s%s", dir, sub);
	d = opendir(path);
	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

/*
 * 600 partners need some 1,270 fds: refused under a hard limit of 256,
 * nothing made. In a child: a hard limit lowered cannot be raised again.
 */
static void refused_under(struct output_config *cfg, struct key_store *ks, struct feed *f)
{
	struct rlimit rl = { 256, 256 };
	struct output_set a = { 0 };
	struct partner_set ps;
	char err[1024] = "";

	CHECK_INT(setrlimit(RLIMIT_NOFILE, &rl), 0);
	CHECK_INT(many_partners(600, NULL, &ps), 0);
	CHECK_INT(output_set_open(&a, cfg, &ps, f, ks, NULL, err, sizeof(err)), -1);
	CHECK(strstr(err, "600 partners need ") != NULL);
	CHECK(strstr(err, "more than the limit of 256 (hard limit 256)") != NULL);
	CHECK(strstr(err, "LimitNOFILE=") && strstr(err, "ulimit -n"));
	CHECK_INT(entries(""), 0);
}

static void test_fd_budget(void)
{
	char feed_path[256], err[1024] = "", cmd[128];
	struct output_config cfg = plain_config(feed_path, sizeof(feed_path));
	struct key_store ks = { .dir = dir };
	struct rlimit was, rl;
	struct output_set a = { 0 };
	struct partner_set ps;
	struct feed f;
	int status = -1;
	pid_t pid;

	feed_init(&f, NULL, 24, 48, "lab-1");
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		refused_under(&cfg, &ks, &f);
		feed_free(&f);
		_exit(unit_failures ? 1 : 0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK_INT(status, 0);
	/* Under a hard limit that is enough, the soft one is raised to it. */
	CHECK_INT(getrlimit(RLIMIT_NOFILE, &was), 0);
	if (was.rlim_max != RLIM_INFINITY && was.rlim_max < 2048) {
		printf("skipped: raising the soft limit (hard limit %llu, under 2048)\n",
		       (unsigned long long)was.rlim_max);
		feed_free(&f);
		return;
	}
	rl = (struct rlimit){ 256, was.rlim_max };
	CHECK_INT(setrlimit(RLIMIT_NOFILE, &rl), 0);
	CHECK_INT(many_partners(600, NULL, &ps), 0);
	CHECK_INT(output_set_open(&a, &cfg, &ps, &f, &ks, NULL, err, sizeof(err)), 0);
	CHECK(!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur > 1264);
	CHECK_INT(entries("/partners"), 600);
	output_set_close(&a);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/*", dir);
	CHECK_INT(system(cmd), 0);
	CHECK_INT(setrlimit(RLIMIT_NOFILE, &was), 0);
	feed_free(&f);
}

/*
 * The last partner's output cannot be opened: every file the call made is
 * removed again, the feed and a spool with records that were there stay.
 */
static void test_failure_leaves_nothing(void)
{
	char feed_path[256], path[256], err[1024] = "";
	struct output_config cfg = plain_config(feed_path, sizeof(feed_path));
	struct key_store ks = { .dir = dir };
	struct output_set a = { 0 };
	struct partner_set ps;
	struct feed f;
	struct stat st;
	FILE *spool;

	feed_init(&f, NULL, 24, 48, "lab-1");
	fclose(fopen(feed_path, "w"));
	snprintf(path, sizeof(path), "%s/partners", dir);
	CHECK_INT(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/partners/p1.spool", dir);
	spool = fopen(path, "w");
	CHECK(spool && fputs("{\"record\":1}\n", spool) >= 0 && !fclose(spool));
	snprintf(path, sizeof(path), "%s/missing/p.jsonl", dir);
	CHECK_INT(many_partners(5, path, &ps), 0);
	CHECK_INT(output_set_open(&a, &cfg, &ps, &f, &ks, NULL, err, sizeof(err)), -1);
	CHECK(strstr(err, "missing/p.jsonl") != NULL);
	/* The feed and p1's spool; the partners directory, which was there. */
	CHECK_INT(entries(""), 2);
	CHECK_INT(entries("/partners"), 1);
	snprintf(path, sizeof(path), "%s/partners/p1.spool", dir);
	CHECK(!stat(path, &st) && st.st_size == 13);
	/* Its own partners directory, made and left empty: removed too. */
	snprintf(path, sizeof(path), "rm -rf '%s'/*", dir);
	CHECK_INT(system(path), 0);
	snprintf(path, sizeof(path), "%s/missing/p.jsonl", dir);
	CHECK_INT(many_partners(3, path, &ps), 0);
	CHECK_INT(output_set_open(&a, &cfg, &ps, &f, &ks, NULL, err, sizeof(err)), -1);
	CHECK_INT(entries(""), 0);
	feed_free(&f);
}

/* The partners' spool directory as found: a link, or one others can write to, is refused. */
static void test_partner_dir(void)
{
	char feed_path[256], path[256], other[256], err[1024] = "";
	struct output_config cfg = plain_config(feed_path, sizeof(feed_path));
	struct key_store ks = { .dir = dir };
	struct output_set a = { 0 };
	struct partner_set ps;
	struct feed f;

	feed_init(&f, NULL, 24, 48, "lab-1");
	snprintf(path, sizeof(path), "%s/partners", dir);
	snprintf(other, sizeof(other), "%s/elsewhere", dir);
	CHECK_INT(mkdir(other, 0700), 0);
	CHECK_INT(symlink(other, path), 0);
	CHECK_INT(many_partners(2, NULL, &ps), 0);
	CHECK_INT(output_set_open(&a, &cfg, &ps, &f, &ks, NULL, err, sizeof(err)), -1);
	CHECK(strstr(err, "/partners must be a directory of this user") != NULL);
	CHECK_INT(entries("/elsewhere"), 0);
	CHECK_INT(unlink(path), 0);
	CHECK_INT(mkdir(path, 0777), 0);
	CHECK_INT(chmod(path, 0777), 0);
	CHECK_INT(many_partners(2, NULL, &ps), 0);
	CHECK_INT(output_set_open(&a, &cfg, &ps, &f, &ks, NULL, err, sizeof(err)), -1);
	CHECK(strstr(err, "(owner uid 0, mode 0777)") != NULL);
	CHECK_INT(entries("/partners"), 0);
	snprintf(path, sizeof(path), "rm -rf '%s'/*", dir);
	CHECK_INT(system(path), 0);
	feed_free(&f);
}

int main(void)
{
	char cmd[128];

	CHECK(mkdtemp(dir) != NULL);
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dir_fd >= 0);
	test_reload();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/*", dir);
	CHECK_INT(system(cmd), 0);
	test_fd_budget();
	test_failure_leaves_nothing();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/*", dir);
	CHECK_INT(system(cmd), 0);
	test_partner_dir();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
	return unit_report("test_outputs");
}
