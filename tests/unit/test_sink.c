// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The JSON Lines sink on a pipe: it grows the pipe; an epoch goes out in
 * one piece or not at all (never a part of one, never a cut line), also
 * when the free bytes would suffice but the pipe's pages would not; spool
 * delivery writes whole lines and never waits long for a stalled reader.
 * A CSV file starts with its header, also after being cut back to empty
 * or started anew by the spool; a spool has none. No output is written
 * through a symbolic link, at its open or when rotated; a named pipe with
 * no reader is waited for without blocking; a file the open made, and only
 * that, can be removed again. A regular file's batch of several 1 MB
 * writes lands whole and in order, and one whose write fails midway (the
 * file size limit) is taken back whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "feed/sink.h"
#include "lib/util.h"
#include "unit.h"

static int rfd = -1;
static char fifo_dir[] = "/tmp/botsink-test-pipe-XXXXXX";

/* A sink on a new named pipe, its reader opened first. */
static struct sink *open_pipe(void)
{
	static char path[64]; /* the sink's name */
	char err[256];
	struct sink *s;

	if (!mkdtemp(fifo_dir))
		return NULL;
	snprintf(path, sizeof(path), "%s/pipe", fifo_dir);
	if (mkfifo(path, 0600))
		return NULL;
	rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (rfd < 0)
		return NULL;
	s = sink_file_open(path, FORMAT_JSONL, 0, err, sizeof(err));
	if (!s)
		fprintf(stderr, "%s\n", err);
	return s;
}

static void close_pipe(struct sink *s)
{
	char path[64];

	sink_close(s);
	close(rfd);
	snprintf(path, sizeof(path), "%s/pipe", fifo_dir);
	unlink(path);
	rmdir(fifo_dir);
	memcpy(fifo_dir + strlen(fifo_dir) - 6, "XXXXXX", 6);
}

static int queued(void)
{
	int n = -1;

	return ioctl(rfd, FIONREAD, &n) ? -1 : n;
}

/* Read what is queued; the number of whole lines, or -1 if a line is cut. */
static int drain_lines(void)
{
	static char buf[1 << 21];
	int n = queued(), lines = 0;

	if (n <= 0)
		return n;
	if (read(rfd, buf, (size_t)n) != n || buf[n - 1] != '\n')
		return -1;
	for (int i = 0; i < n; i++)
		lines += buf[i] == '\n';
	return lines;
}

/* Emit n records; `ends`: they end their epoch. */
static int emit(struct sink *s, size_t n, bool ends)
{
	static struct feed_record recs[3000];
	static char ids[3000][32];

	for (size_t i = 0; i < n; i++) {
		struct feed_record *r = &recs[i];

		memset(r, 0, sizeof(*r));
		snprintf(r->src_ip, sizeof(r->src_ip), "198.18.%zu.%zu", i / 250, i % 250 + 1);
		r->anon_mode = "none";
		r->protocol = 6;
		r->has_port = true;
		r->dst_port = 80;
		r->family = "zeus";
		/* Records of 638 to 644 bytes: 6 lines to a write of PIPE_BUF bytes. */
		r->tag = "a check-in message long enough to make records of some 400 bytes";
		r->sid = 1000001;
		r->packets = r->syns = r->checkins = 1;
		r->bytes = 54;
		r->sensor = "unit";
		snprintf(ids[i], sizeof(ids[i]), "unit:1:1:%zu", i);
		r->record_id = ids[i];
	}
	s->epoch_ends = ends;
	return sink_emit(s, recs, n);
}

static void test_grows(void)
{
	struct sink *s = open_pipe();
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
	int max = 0;

	CHECK(s && f && fscanf(f, "%d", &max) == 1);
	CHECK_INT(fcntl(rfd, F_GETPIPE_SZ), max);
	if (f)
		fclose(f);
	if (s)
		close_pipe(s);
}

static void test_epochs(void)
{
	struct sink *s = open_pipe();
	int ret;

	if (!s)
		return;
	CHECK(fcntl(rfd, F_SETPIPE_SZ, 65536) == 65536); /* 16 pages */
	/* 100 records, 63,982 bytes: fewer than the pipe holds, more writes (17) than its pages. */
	errno = 0;
	ret = emit(s, 100, true);
	CHECK_INT(ret, -1);
	CHECK_INT(errno, EAGAIN);
	CHECK_INT(queued(), 0);
	CHECK(!s->broken);
	/* An epoch its pages hold goes out whole (16 writes). */
	CHECK_INT(emit(s, 96, true), 0);
	CHECK_INT(drain_lines(), 96);
	/* A pipe not yet read empty takes no epoch, however small. */
	CHECK_INT(emit(s, 1, true), 0);
	CHECK_INT(emit(s, 1, true), -1);
	CHECK_INT(drain_lines(), 1);
	/* Not the epoch's last batch: refused, since the rest might not fit. */
	CHECK_INT(emit(s, 1, false), -1);
	CHECK_INT(queued(), 0);
	/* The biggest epoch a grown pipe takes whole: 256 writes. */
	CHECK(fcntl(rfd, F_SETPIPE_SZ, 1 << 20) == 1 << 20);
	CHECK_INT(emit(s, 1536, true), 0);
	CHECK_INT(drain_lines(), 1536);
	close_pipe(s);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Spool delivery: whole lines as far as the pipe takes them, a bounded wait. */
static void test_raw(void)
{
	static char text[1 << 18], big[3 * 4096 + 1];
	struct sink *s = open_pipe();
	struct timespec t0;
	long long w;
	size_t n = 0;

	if (!s)
		return;
	CHECK(fcntl(rfd, F_SETPIPE_SZ, 65536) == 65536);
	while (n + 100 < sizeof(text))
		n += (size_t)snprintf(text + n, sizeof(text) - n, "{\"line\":%zu,\"pad\":\"%s\"}\n",
				      n, "................................................");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	w = sink_write_raw(s, text, n);
	CHECK(seconds_since(&t0) < 1.0); /* the reader never reads */
	CHECK(w > 0 && (size_t)w < n && text[w - 1] == '\n');
	CHECK_INT(queued(), w);
	/* A line longer than PIPE_BUF waits for a pipe that takes it whole. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 2] = '\n';
	errno = 0;
	CHECK_INT(sink_write_raw(s, big, sizeof(big) - 1), -1);
	CHECK_INT(errno, EAGAIN);
	CHECK(drain_lines() > 0);
	CHECK_INT(sink_write_raw(s, big, sizeof(big) - 1), (long long)sizeof(big) - 1);
	CHECK_INT(drain_lines(), 1);
	close_pipe(s);
}

static size_t count_headers(const char *path)
{
	char *text = read_file(path, SIZE_MAX, NULL);
	const char *h = record_format_header(FORMAT_SHADOWSERVER_CSV);
	size_t n = 0;

	for (const char *p = text; p && (p = strstr(p, h)); p += strlen(h))
		n++;
	free(text);
	return n;
}

/* CSV files: the header first, once; again only when the file is empty. */
static void test_csv_header(void)
{
	char path[] = "/tmp/botsink-test-sink-XXXXXX", spath[64], err[256];
	struct feed_record r = { .family = "zeus", .sensor = "s", .record_id = "s:1:1:0" };
	struct sink *s, *spool;
	int fd = mkstemp(path);
	char *text;

	CHECK(fd >= 0);
	close(fd);
	snprintf(spath, sizeof(spath), "%s.spool", path);
	s = sink_file_open(path, FORMAT_SHADOWSERVER_CSV, 0, err, sizeof(err));
	spool = sink_file_open(spath, FORMAT_SHADOWSERVER_CSV, SINK_NO_HEADER, err, sizeof(err));
	CHECK(s && spool);
	if (!s || !spool)
		return;
	CHECK_INT(sink_emit(s, &r, 1), 0);
	CHECK_INT(sink_emit(s, &r, 1), 0);
	CHECK_INT(count_headers(path), 1);
	text = read_file(path, SIZE_MAX, NULL);
	CHECK(text && !strncmp(text, "timestamp,protocol,src_ip,", 26));
	free(text);
	/* Cut back to empty (a rolled-back first epoch): the next batch has it again. */
	CHECK_INT(sink_rollback(s, 0), 0);
	CHECK_INT(sink_emit(s, &r, 1), 0);
	CHECK_INT(count_headers(path), 1);
	/* The spool holds records only; delivered into an empty file, the header comes first. */
	CHECK_INT(sink_emit(spool, &r, 1), 0);
	CHECK_INT(count_headers(spath), 0);
	text = read_file(spath, SIZE_MAX, NULL);
	CHECK_INT(sink_rollback(s, 0), 0);
	CHECK(text && sink_write_raw(s, text, strlen(text)) == (long long)strlen(text));
	CHECK_INT(count_headers(path), 1);
	free(text);
	sink_close(s);
	sink_close(spool);
	unlink(path);
	unlink(spath);
}

/* A spool is a state file: a symbolic link planted at it is refused, its target not made. */
static void test_spool_no_link(void)
{
	char path[] = "/tmp/botsink-test-sink-XXXXXX", spath[64], target[64], err[256] = "";
	struct sink *spool;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	snprintf(spath, sizeof(spath), "%s.spool", path);
	snprintf(target, sizeof(target), "%s.elsewhere", path);
	CHECK(!symlink(target, spath));
	spool = sink_file_open(spath, FORMAT_JSONL, SINK_NO_HEADER | SINK_REGULAR, err,
			       sizeof(err));
	CHECK(spool == NULL);
	CHECK(strstr(err, spath) != NULL);
	CHECK(access(target, F_OK) != 0);
	sink_close(spool);
	unlink(spath);
	unlink(path);
}

/* The lines of a file; 0 when it cannot be read. */
static size_t file_lines(const char *path)
{
	char *text = read_file(path, SIZE_MAX, NULL);
	size_t n = text ? count_lines(text) : 0;

	free(text);
	return n;
}

static int write_text_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ret = f && fputs(text, f) >= 0 ? 0 : -1;

	if (f && fclose(f))
		ret = -1;
	return ret;
}

/* path holds exactly text (NULL: path does not exist). */
static bool holds(const char *path, const char *text)
{
	char *got = read_file(path, SIZE_MAX, NULL);
	bool same = text ? got && !strcmp(got, text) : !got && access(path, F_OK) != 0;

	free(got);
	return same;
}

static const struct feed_record one = { .family = "zeus", .sensor = "s", .record_id = "s:1:1:0" };

/* A feed at a symbolic link, even to an existing file: refused, the target as it was. */
static void test_feed_no_link(void)
{
	char base[] = "/tmp/botsink-test-sink-XXXXXX", feed[96], target[96], err[256] = "";
	struct sink *s;

	CHECK(mkdtemp(base) != NULL);
	snprintf(feed, sizeof(feed), "%s/feed.jsonl", base);
	snprintf(target, sizeof(target), "%s/target", base);
	CHECK(!write_text_file(target, "precious\n"));
	CHECK(!symlink(target, feed));
	s = sink_file_open(feed, FORMAT_JSONL, 0, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, feed) && strstr(err, "is a symbolic link: refused"));
	CHECK(holds(target, "precious\n"));
	sink_close(s);
	/* A dangling one: nothing made where it points. */
	unlink(target);
	s = sink_file_open(feed, FORMAT_JSONL, 0, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(holds(target, NULL));
	sink_close(s);
	unlink(feed);
	rmdir(base);
}

/*
 * Rotation after the feed was moved away and a link put at its name: the
 * link is refused, its target untouched, and records go on to the file open.
 */
static void test_rotate_no_link(void)
{
	char base[] = "/tmp/botsink-test-sink-XXXXXX", feed[96], moved[96], target[96];
	char rotated[160], err[256] = "";
	struct sink *s;
	struct stat st;

	CHECK(mkdtemp(base) != NULL);
	snprintf(feed, sizeof(feed), "%s/feed.jsonl", base);
	snprintf(moved, sizeof(moved), "%s/moved.jsonl", base);
	snprintf(target, sizeof(target), "%s/target", base);
	s = sink_file_open(feed, FORMAT_JSONL, 0, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(s->created);
	CHECK(!stat(feed, &st) && (st.st_mode & 0777) == 0600);
	CHECK_INT(sink_emit(s, &one, 1), 0);
	CHECK(!rename(feed, moved));
	CHECK(!write_text_file(target, "precious\n"));
	CHECK(!symlink(target, feed));
	CHECK_INT(sink_rotate(s, rotated, sizeof(rotated), err, sizeof(err)), -1);
	CHECK(strstr(err, feed) && strstr(err, "is a symbolic link: refused"));
	CHECK(holds(target, "precious\n"));
	CHECK_INT(sink_emit(s, &one, 1), 0);
	CHECK(holds(target, "precious\n"));
	CHECK_INT(file_lines(moved), 2);
	/* Another file at the name: not given the rotated name, records go on to the open one. */
	unlink(feed);
	CHECK(!write_text_file(feed, "theirs\n"));
	CHECK_INT(sink_rotate(s, rotated, sizeof(rotated), err, sizeof(err)), -1);
	CHECK(strstr(err, feed) && strstr(err, "no longer names the file written"));
	CHECK(holds(feed, "theirs\n"));
	CHECK_INT(sink_emit(s, &one, 1), 0);
	CHECK_INT(file_lines(moved), 3);
	CHECK_INT(file_lines(feed), 1);
	/* Without the link, rotation starts a new file. */
	unlink(feed);
	CHECK(!rename(moved, feed));
	CHECK_INT(sink_rotate(s, rotated, sizeof(rotated), err, sizeof(err)), 0);
	CHECK_INT(file_lines(rotated), 3);
	CHECK_INT(sink_emit(s, &one, 1), 0);
	CHECK_INT(file_lines(feed), 1);
	sink_close(s);
	unlink(rotated);
	unlink(feed);
	unlink(target);
	rmdir(base);
}

/*
 * A named pipe without a reader: opened at once, busy (EAGAIN) until a
 * reader comes, then written as a pipe. A partner's output or a spool
 * (SINK_REGULAR) cannot be one.
 */
static void test_fifo_waits(void)
{
	char base[] = "/tmp/botsink-test-sink-XXXXXX", fifo[96], err[256] = "", buf[4096];
	struct sink *s;
	int r;
	ssize_t got;

	CHECK(mkdtemp(base) != NULL);
	snprintf(fifo, sizeof(fifo), "%s/feed.fifo", base);
	CHECK(!mkfifo(fifo, 0600));
	CHECK(sink_file_open(fifo, FORMAT_JSONL, SINK_REGULAR, err, sizeof(err)) == NULL);
	CHECK(strstr(err, fifo) && strstr(err, "is not a regular file"));
	s = sink_file_open(fifo, FORMAT_JSONL, 0, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		return;
	s->epoch_ends = true;
	errno = 0;
	CHECK_INT(sink_emit(s, &one, 1), -1);
	CHECK_INT(errno, EAGAIN);
	CHECK(!s->broken);
	r = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	CHECK(r >= 0);
	CHECK_INT(sink_emit(s, &one, 1), 0);
	got = read(r, buf, sizeof(buf) - 1);
	CHECK(got > 0 && buf[got - 1] == '\n' && memchr(buf, '\n', (size_t)got) == buf + got - 1);
	CHECK(!s->created);
	sink_file_unmake(s);
	CHECK(access(fifo, F_OK) == 0);
	sink_close(s);
	close(r);
	unlink(fifo);
	rmdir(base);
}

/* What an open made can be removed while empty; what was there never. */
static void test_unmake(void)
{
	char base[] = "/tmp/botsink-test-sink-XXXXXX", made[96], there[96], err[256] = "";
	struct sink *a, *b;

	CHECK(mkdtemp(base) != NULL);
	snprintf(made, sizeof(made), "%s/made", base);
	snprintf(there, sizeof(there), "%s/there", base);
	CHECK(!write_text_file(there, ""));
	a = sink_file_open(made, FORMAT_JSONL, 0, err, sizeof(err));
	b = sink_file_open(there, FORMAT_JSONL, 0, err, sizeof(err));
	CHECK(a && b);
	if (!a || !b)
		return;
	CHECK(a->created && !b->created);
	sink_file_unmake(a);
	sink_file_unmake(b);
	CHECK(access(made, F_OK) != 0);
	CHECK(holds(there, ""));
	sink_close(a);
	/* Made, then written to: records are never removed. */
	a = sink_file_open(made, FORMAT_JSONL, 0, err, sizeof(err));
	CHECK(a && a->created);
	CHECK(a && !sink_emit(a, &one, 1));
	sink_file_unmake(a);
	CHECK_INT(file_lines(made), 1);
	sink_close(a);
	sink_close(b);
	unlink(made);
	unlink(there);
	rmdir(base);
}

/* Lines of a file, each checked to be record `first + i` of emit's. */
static long file_records(const char *path, size_t first)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, want[48];
	size_t cap = 0, i = 0;
	bool ok = f != NULL;

	while (ok && getline(&line, &cap, f) > 0) {
		snprintf(want, sizeof(want), "\"unit:1:1:%zu\"", (first + i) % 3000);
		ok = strstr(line, want) && line[strlen(line) - 1] == '\n';
		i++;
	}
	free(line);
	if (f)
		fclose(f);
	return ok ? (long)i : -1;
}

static void test_file_chunks(void)
{
	char path[] = "/tmp/botsink-test-chunks-XXXXXX", err[256];
	struct rlimit was, cap;
	struct sink *s = NULL;
	struct stat st;
	int fd = mkstemp(path), ret, saved;

	CHECK(fd >= 0 && getrlimit(RLIMIT_FSIZE, &was) == 0);
	if (fd < 0)
		return;
	close(fd);
	s = sink_file_open(path, FORMAT_JSONL, SINK_REGULAR, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		goto out;
	/* 3,000 records of about 640 bytes: two writes, of 1 MB and the rest. */
	CHECK_INT(emit(s, 3000, true), 0);
	CHECK_INT(emit(s, 3000, true), 0);
	CHECK_INT(file_records(path, 0), 6000);
	CHECK(stat(path, &st) == 0 && st.st_size > 3 * (1 << 20));
	/* The file may grow 1.5 MB more: the batch's second chunk fails, all of it goes. */
	signal(SIGXFSZ, SIG_IGN);
	cap = was;
	cap.rlim_cur = (rlim_t)st.st_size + (3 << 19);
	CHECK(setrlimit(RLIMIT_FSIZE, &cap) == 0);
	ret = emit(s, 3000, true);
	saved = errno;
	CHECK(setrlimit(RLIMIT_FSIZE, &was) == 0);
	CHECK_INT(ret, -1);
	CHECK_INT(saved, EFBIG);
	CHECK_INT(file_records(path, 0), 6000);
	/* Offered again, it lands whole. */
	CHECK_INT(emit(s, 3000, true), 0);
	CHECK_INT(file_records(path, 0), 9000);
	sink_close(s);
out:
	signal(SIGXFSZ, SIG_DFL);
	unlink(path);
}

int main(void)
{
	test_csv_header();
	test_spool_no_link();
	test_feed_no_link();
	test_rotate_no_link();
	test_fifo_waits();
	test_unmake();
	test_grows();
	test_epochs();
	test_raw();
	test_file_chunks();
	return unit_report("test_sink");
}
