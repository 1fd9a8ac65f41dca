// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* JSON Lines sink: one record per line, a batch per write, no partial line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "json.h"
#include "sink.h"

struct jsonl_sink {
	struct sink base;
	int fd;
	bool regular; /* a regular file: a failed batch can be cut off again */
	bool owned;
	struct strbuf buf;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Records are written a megabyte at a time, whole lines only. */
#define WRITE_CHUNK (1 << 20)

static int jsonl_emit(struct sink *base, const struct feed_record *recs, size_t n)
{
	struct jsonl_sink *s = (struct jsonl_sink *)base;
	bool written = false; /* part of the batch reached the fd */
	off_t start = -1;
	int saved, ret = 0;

	if (!n)
		return 0;
	/* Part of an earlier batch may have reached a reader: never again. */
	if (base->broken) {
		errno = EPIPE;
		return -1;
	}
	if (s->regular)
		start = lseek(s->fd, 0, SEEK_END);
	sb_reset(&s->buf);
	for (size_t i = 0; i < n && !ret; i++) {
		record_to_json(&recs[i], &s->buf);
		if (s->buf.oom) {
			errno = ENOMEM;
			ret = -1;
		} else if (s->buf.len >= WRITE_CHUNK || i + 1 == n) {
			written = true; /* maybe only in part, when this fails */
			ret = write_all(s->fd, s->buf.buf, s->buf.len);
			sb_reset(&s->buf);
		}
	}
	if (ret == 0)
		return 0;
	if (!written)
		return -1; /* out of memory before any write: nothing to take back */
	/*
	 * A file: take back what part of the batch made it, so a retry writes
	 * it once. A pipe or a terminal cannot take it back: a retry would
	 * repeat records and a reader has seen a cut line, so stop here.
	 */
	saved = errno;
	if (!s->regular || ftruncate(s->fd, start) != 0)
		s->base.broken = true;
	errno = saved;
	return -1;
}

static void jsonl_close(struct sink *base)
{
	struct jsonl_sink *s = (struct jsonl_sink *)base;

	if (s->owned)
		close(s->fd);
	sb_free(&s->buf);
	free(s);
}

/*
 * The feed file becomes FEED.YYYYMMDDTHHMMSSZ (.1, .2, ... when taken) and a
 * new FEED is started. Rotation happens between batches, so no record is
 * split or repeated; link() refuses to replace an earlier rotated file.
 */
static int jsonl_rotate(struct sink *base, char *rotated, size_t rotated_len, char *err,
			size_t errlen)
{
	struct jsonl_sink *s = (struct jsonl_sink *)base;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int fd;

	if (!s->owned || !s->regular) {
		snprintf(err, errlen, "feed %s is not a file: it cannot be rotated", base->name);
		return -1;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int i = 0;; i++) {
		if (i)
			snprintf(rotated, rotated_len, "%s.%s.%d", base->name, stamp, i);
		else
			snprintf(rotated, rotated_len, "%s.%s", base->name, stamp);
		if (link(base->name, rotated) == 0)
			break;
		if (errno != EEXIST || i > 1000) {
			snprintf(err, errlen, "cannot rotate feed %s: %s", base->name,
				 strerror(errno));
			return -1;
		}
	}
	if (unlink(base->name) != 0) {
		snprintf(err, errlen, "cannot rotate feed %s: %s", base->name, strerror(errno));
		unlink(rotated);
		return -1;
	}
	fd = open(base->name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		/* Put the file back where it was: writing goes on as before. */
		snprintf(err, errlen, "cannot start feed %s: %s", base->name, strerror(errno));
		if (link(rotated, base->name) == 0)
			unlink(rotated);
		return -1;
	}
	close(s->fd);
	s->fd = fd;
	return 0;
}

static int jsonl_position(struct sink *base, struct sink_position *pos)
{
	struct jsonl_sink *s = (struct jsonl_sink *)base;
	struct stat st;

	if (!s->regular || fstat(s->fd, &st))
		return -1;
	pos->dev = (unsigned long long)st.st_dev;
	pos->ino = (unsigned long long)st.st_ino;
	pos->size = (unsigned long long)st.st_size;
	return 0;
}

static int jsonl_rollback(struct sink *base, unsigned long long size)
{
	struct jsonl_sink *s = (struct jsonl_sink *)base;

	if (!s->regular) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return ftruncate(s->fd, (off_t)size);
}

/* A pipe or a terminal has nothing to sync. */
static int jsonl_sync(struct sink *base)
{
	struct jsonl_sink *s = (struct jsonl_sink *)base;

	return s->regular ? fsync(s->fd) : 0;
}

static const struct sink_ops jsonl_ops = {
	.emit = jsonl_emit,
	.close = jsonl_close,
	.rotate = jsonl_rotate,
	.position = jsonl_position,
	.rollback = jsonl_rollback,
	.sync = jsonl_sync,
};

struct sink *sink_jsonl_open(const char *path, char *err, size_t errlen)
{
	struct jsonl_sink *s = calloc(1, sizeof(*s));
	struct stat st;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base.ops = &jsonl_ops;
	s->base.name = path;
	if (strcmp(path, "-") == 0) {
		s->fd = STDOUT_FILENO;
	} else {
		/* 0600: with --anon none the feed holds raw addresses. */
		s->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (s->fd < 0) {
			snprintf(err, errlen, "cannot open feed %s: %s", path, strerror(errno));
			free(s);
			return NULL;
		}
		s->owned = true;
	}
	s->regular = fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode);
	return &s->base;
}
