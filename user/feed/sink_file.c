// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * File sink: one record per line in the output's format, a batch per write,
 * no partial line; a regular file, a pipe or a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "feed/sink.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/util.h"

struct file_sink {
	struct sink base;
	enum record_format format;
	const char *header; /* written first into an empty output; NULL: none */
	int fd;
	bool regular; /* a regular file: a failed batch can be cut off again */
	bool fifo; /* a pipe, written without blocking: a slow reader makes it busy */
	bool owned;
	bool waiting; /* a named pipe without a reader yet: fd is -1 until one comes */
	int wait_err; /* the last reason a waiting pipe could not be opened, said once */
	unsigned int flags; /* SINK_* */
	int dir; /* `at` is opened in it: a spool in the held state directory; else AT_FDCWD */
	const char *at; /* the file's name there (base.name names it in messages) */
	struct strbuf buf;
};

/*
 * Every output is opened so: never through a symbolic link, never blocking
 * on a named pipe that has no reader (ENXIO instead).
 */
#define OPEN_FLAGS (O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)

static int file_rollback(struct sink *base, unsigned long long size);
static int fifo_attach(struct file_sink *s);

/*
 * The header line (CSV's column names) starts every file, as part of its
 * first batch, so a failed batch takes it back. A pipe or terminal gets
 * it when opened.
 */
static void put_header(struct file_sink *s, off_t start)
{
	if (s->header && s->regular && start == 0)
		sb_puts(&s->buf, s->header);
}

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

/* The end of the longest run of whole lines in p[0, n) within `max` bytes, or 0. */
static size_t lines_within(const char *p, size_t n, size_t max)
{
	const char *nl;

	if (n <= max)
		return n;
	nl = memrchr(p, '\n', max);
	return nl ? (size_t)(nl - p) + 1 : 0;
}

/* The next write of p[0, n) to a pipe: whole lines, else PIPE_BUF bytes of a longer line. */
static size_t next_piece(const char *p, size_t n)
{
	size_t len = lines_within(p, n, PIPE_BUF);

	return len ? len : PIPE_BUF;
}

/*
 * Whether a pipe takes all of p[0, n) now, without a wait: it is empty and
 * has a page for every write (a write the last page cannot hold takes a
 * page of its own, so free bytes are no measure).
 */
static bool fifo_takes(int fd, const char *p, size_t n)
{
	int size = fcntl(fd, F_GETPIPE_SZ), queued = -1;
	long page = sysconf(_SC_PAGESIZE);
	size_t writes = 0;

	if (size <= 0 || page <= 0 || ioctl(fd, FIONREAD, &queued) || queued != 0)
		return false;
	for (size_t done = 0; done < n; writes++)
		done += next_piece(p + done, n - done);
	return writes <= (size_t)(size / page);
}

/*
 * Whole lines to a non-blocking pipe, one write per piece (PIPE_BUF bytes
 * or less: all or nothing). A line longer than PIPE_BUF starts only when
 * the pipe takes all of it. When the pipe stays full (100 ms in all), stop
 * at the line boundary reached. Returns the bytes written, or -1 with
 * none (EAGAIN: the pipe is busy).
 */
static long long fifo_write(int fd, const char *p, size_t n)
{
	size_t done = 0, line_end = 0; /* the end of a long line being written */
	uint64_t start = clock_ns(CLOCK_MONOTONIC);

	while (done < n) {
		size_t len = next_piece(p + done, n - done);
		ssize_t w;

		if (done >= line_end && !lines_within(p + done, n - done, PIPE_BUF)) {
			const char *nl = memchr(p + done, '\n', n - done);
			size_t line = nl ? (size_t)(nl - (p + done)) + 1 : n - done;

			if (!fifo_takes(fd, p + done, line))
				break;
			line_end = done + line;
		}
		w = write(fd, p + done, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			long left = 100 - (long)((clock_ns(CLOCK_MONOTONIC) - start) / 1000000);

			/* Within a long line only a pipe shrunk meanwhile gets here. */
			if (done < line_end) {
				poll(&pfd, 1, -1);
				continue;
			}
			if (left > 0 && (poll(&pfd, 1, (int)left) >= 0 || errno == EINTR))
				continue;
			break;
		}
		if (w < 0)
			return done ? (long long)done : -1;
		done += (size_t)w;
	}
	if (!done && n)
		errno = EAGAIN;
	return done ? (long long)done : (n ? -1 : 0);
}

static int write_out(struct file_sink *s, const char *p, size_t n, bool ends)
{
	long long w;

	if (!s->fifo)
		return write_all(s->fd, p, n);
	if (!ends || !fifo_takes(s->fd, p, n)) {
		errno = EAGAIN;
		return -1;
	}
	w = fifo_write(s->fd, p, n);
	if (w == (long long)n)
		return 0;
	if (w > 0) /* cut short after some lines */
		errno = EPIPE;
	return -1;
}

/*
 * Whether a write may go: 0, or -1 with errno (EPIPE: broken; or
 * fifo_attach's, for a pipe still waiting for its reader).
 */
static int file_writable(struct file_sink *s)
{
	/* Part of an earlier batch may have reached a reader: never again. */
	if (s->base.broken) {
		errno = EPIPE;
		return -1;
	}
	return s->waiting && fifo_attach(s) ? -1 : 0;
}

/* Records are written a megabyte at a time, whole lines only. */
#define WRITE_CHUNK (1 << 20)

static int file_emit(struct sink *base, const struct feed_record *recs, size_t n)
{
	struct file_sink *s = (struct file_sink *)base;
	bool written = false; /* part of the batch reached the fd */
	off_t start = -1;
	int saved, ret = 0;

	if (!n)
		return 0;
	if (file_writable(s))
		return -1;
	if (s->regular)
		start = lseek(s->fd, 0, SEEK_END);
	sb_reset(&s->buf);
	put_header(s, start);
	for (size_t i = 0; i < n && !ret; i++) {
		record_format(s->format, &recs[i], &s->buf);
		if (s->buf.oom) {
			errno = ENOMEM;
			ret = -1;
		} else if (s->buf.len >= WRITE_CHUNK || i + 1 == n) {
			ret = write_out(s, s->buf.buf, s->buf.len, base->epoch_ends && i + 1 == n);
			/* A busy pipe took none of it: nothing to take back. */
			if (!(ret && s->fifo && errno == EAGAIN))
				written = true; /* maybe only in part, when this fails */
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
	if (!s->regular || file_rollback(base, (unsigned long long)start) != 0)
		s->base.broken = true;
	errno = saved;
	return -1;
}

static void file_close(struct sink *base)
{
	struct file_sink *s = (struct file_sink *)base;

	if (s->owned && s->fd >= 0)
		close(s->fd);
	sb_free(&s->buf);
	free(s);
}

/*
 * The name of a file output still names the file written, not a symbolic
 * link or another file put in its place (renamed away and replaced, say):
 * rotation never creates or moves anything through one, nor gives the
 * rotated name to a file that is not the feed.
 */
static int check_name(const struct file_sink *s, char *err, size_t errlen)
{
	const char *name = s->base.name;
	struct stat st, open_st;

	if (fstatat(AT_FDCWD, name, &st, AT_SYMLINK_NOFOLLOW) || fstat(s->fd, &open_st)) {
		snprintf(err, errlen, "cannot rotate feed %s: %s", name, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(
			err, errlen,
			"cannot rotate feed %s: it is a symbolic link: refused (never followed); writing on to the file open now",
			name);
		return -1;
	}
	if (st.st_dev != open_st.st_dev || st.st_ino != open_st.st_ino) {
		snprintf(
			err, errlen,
			"cannot rotate feed %s: the name no longer names the file written (moved away and replaced?); writing on to the file open now",
			name);
		return -1;
	}
	return 0;
}

/*
 * The feed file becomes FEED.YYYYMMDDTHHMMSSZ (.1, .2, ... when taken) and a
 * new FEED is started. Rotation happens between batches, so no record is
 * split or repeated; link() refuses to replace an earlier rotated file, and
 * makes no link through a symbolic one. The new file is made with O_EXCL:
 * a link planted at the name meanwhile is refused, not written through.
 */
static int file_rotate(struct sink *base, char *rotated, size_t rotated_len, char *err,
		       size_t errlen)
{
	struct file_sink *s = (struct file_sink *)base;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int fd;

	if (!s->owned || !s->regular) {
		snprintf(err, errlen, "feed %s is not a file: it cannot be rotated", base->name);
		return -1;
	}
	if (check_name(s, err, errlen))
		return -1;
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
	fd = open(base->name, OPEN_FLAGS | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		/* Put the file back where it was: writing goes on as before. */
		snprintf(err, errlen, "cannot start feed %s: %s%s", base->name, strerror(errno),
			 errno == EEXIST ? " (made by someone else meanwhile: refused)" : "");
		if (link(rotated, base->name) == 0)
			unlink(rotated);
		return -1;
	}
	close(s->fd);
	s->fd = fd;
	return 0;
}

static int file_position(struct sink *base, struct sink_position *pos)
{
	struct file_sink *s = (struct file_sink *)base;
	struct stat st;

	if (!s->regular || fstat(s->fd, &st))
		return -1;
	pos->dev = (unsigned long long)st.st_dev;
	pos->ino = (unsigned long long)st.st_ino;
	pos->size = (unsigned long long)st.st_size;
	return 0;
}

/*
 * Cut the file back to `size`, never extend it (a file truncated behind our
 * back stays as it is), and write on from there (an fd without O_APPEND).
 */
static int file_rollback(struct sink *base, unsigned long long size)
{
	struct file_sink *s = (struct file_sink *)base;
	struct stat st;

	if (!s->regular) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (fstat(s->fd, &st))
		return -1;
	if ((unsigned long long)st.st_size > size && ftruncate(s->fd, (off_t)size))
		return -1;
	return lseek(s->fd, 0, SEEK_END) < 0 ? -1 : 0;
}

static long long file_write_raw(struct sink *base, const char *buf, size_t n)
{
	struct file_sink *s = (struct file_sink *)base;

	if (file_writable(s))
		return -1;
	if (s->fifo)
		return fifo_write(s->fd, buf, n);
	if (s->header && s->regular && lseek(s->fd, 0, SEEK_END) == 0 &&
	    write_all(s->fd, s->header, strlen(s->header)))
		return -1;
	return write_all(s->fd, buf, n) ? -1 : (long long)n;
}

/* A pipe or a terminal has nothing to sync. */
static int file_sync(struct sink *base)
{
	struct file_sink *s = (struct file_sink *)base;

	return s->regular ? fsync(s->fd) : 0;
}

static const struct sink_ops file_ops = {
	.emit = file_emit,
	.close = file_close,
	.rotate = file_rotate,
	.position = file_position,
	.rollback = file_rollback,
	.sync = file_sync,
	.write_raw = file_write_raw,
};

/*
 * An epoch goes to a pipe only when the pipe takes all of it (else through
 * the spool): grow the pipe to pipe-max-size (1 MB by default, about 2,400
 * records), never shrinking it. Best effort.
 */
static void grow_pipe(int fd)
{
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
	int max = 0;

	if (!f)
		return;
	if (fscanf(f, "%d", &max) == 1 && max > fcntl(fd, F_GETPIPE_SZ) &&
	    fcntl(fd, F_SETPIPE_SZ, max) < 0)
		log_warn(
			"feed pipe: cannot grow it to %d bytes (%s): larger epochs go through the spool",
			max, strerror(errno));
	fclose(f);
}

/*
 * Open path to append; *created: this call made the file. O_EXCL first,
 * so that what was made is known (only that is ever removed again). A
 * file removed between the two opens is made on the next round.
 */
static int open_output(int dir, const char *path, bool *created)
{
	for (int i = 0; i < 8; i++) {
		int fd = openat(dir, path, OPEN_FLAGS | O_CREAT | O_EXCL, 0600);

		*created = fd >= 0;
		if (fd >= 0 || errno != EEXIST)
			return fd;
		fd = openat(dir, path, OPEN_FLAGS);
		if (fd >= 0 || errno != ENOENT)
			return fd;
	}
	return -1;
}

/* What is at path, not followed: its type, or 0 when there is nothing to see. */
static mode_t kind_at(int dir, const char *path)
{
	int fd = openat(dir, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	mode_t type = 0;

	if (fd < 0)
		return 0;
	if (!fstat(fd, &st))
		type = st.st_mode & S_IFMT;
	close(fd);
	return type;
}

/* Why s's file could not be opened (errno: open's). */
static void open_error(const struct file_sink *s, char *err, size_t errlen)
{
	const char *path = s->base.name;
	unsigned int flags = s->flags;
	int saved = errno;
	mode_t type = saved == ELOOP || saved == ENXIO ? kind_at(s->dir, s->at) : 0;

	if (type == S_IFLNK)
		snprintf(err, errlen,
			 "%s is a symbolic link: refused (outputs are never written through one)",
			 path);
	else if (type && (flags & SINK_REGULAR))
		snprintf(err, errlen, "%s is not a regular file", path);
	else
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(saved));
	errno = saved;
}

/*
 * What the opened fd is decides how it is written, never a look at the
 * path before: a regular file, a pipe (written without blocking), a
 * character device (a terminal: blocking). Standard output is taken as it
 * is (a socket too), and a terminal there is left blocking: its
 * description is shared with the shell.
 */
static int setup_fd(struct file_sink *s, char *err, size_t errlen)
{
	const char *path = s->base.name;
	int fl = fcntl(s->fd, F_GETFL);
	struct stat st;

	if (fstat(s->fd, &st) || fl < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	s->regular = S_ISREG(st.st_mode);
	s->fifo = S_ISFIFO(st.st_mode);
	/* Made beforehand by another user (a shared directory): its owner would read every record. */
	if (s->owned && (s->regular || s->fifo) && st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(
			err, errlen,
			"%s is owned by uid %u, not by root or this user: refused (its owner would read every record); remove it or chown it",
			path, (unsigned int)st.st_uid);
		return -1;
	}
	if (s->owned && !s->regular && (s->flags & SINK_REGULAR)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		return -1;
	}
	if (s->owned && !s->regular && !s->fifo && !S_ISCHR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a file, a pipe or a character device", path);
		return -1;
	}
	if (s->fifo)
		fl |= O_NONBLOCK;
	else if (s->owned)
		fl &= ~O_NONBLOCK;
	if (fcntl(s->fd, F_SETFL, fl)) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (s->header && !s->regular && write_all(s->fd, s->header, strlen(s->header))) {
		snprintf(err, errlen, "cannot write to %s: %s", path, strerror(errno));
		return -1;
	}
	if (s->fifo)
		grow_pipe(s->fd);
	return 0;
}

/*
 * A waiting pipe: open it if a reader has come. 0, or -1 with errno EAGAIN
 * (busy: the records wait in the spool), a new reason said once; or, with
 * the sink broken, a pipe that became something else it cannot be.
 */
static int fifo_attach(struct file_sink *s)
{
	char err[512];

	/* Not made again if it went: a pipe taken away is no file to start. */
	s->fd = openat(s->dir, s->at, OPEN_FLAGS);
	if (s->fd < 0) {
		int saved = errno;

		if (saved != ENXIO && saved != s->wait_err) {
			open_error(s, err, sizeof(err));
			log_error("%s; the records wait in the spool", err);
		}
		s->wait_err = saved;
		errno = EAGAIN;
		return -1;
	}
	s->waiting = false;
	if (setup_fd(s, err, sizeof(err))) {
		log_error("%s: cannot write to it any more", err);
		s->base.broken = true;
		errno = EPIPE;
		return -1;
	}
	log_info("%s: a reader is there: writing to it", s->base.name);
	return 0;
}

/*
 * A named pipe without a reader: wait for one, without blocking start-up.
 * Said once; every write tries again (fifo_attach).
 */
static bool wait_for_reader(struct file_sink *s)
{
	const char *path = s->base.name;

	if (errno != ENXIO || (s->flags & SINK_REGULAR) || kind_at(s->dir, s->at) != S_IFIFO)
		return false;
	s->waiting = true;
	s->wait_err = ENXIO;
	log_warn(
		"%s is a named pipe (FIFO) with no reader yet: waiting for a reader; the records wait in the spool until one opens it",
		path);
	return true;
}

/* sink_file_open, or a spool: the file `at` in dir, shown as path. */
static struct sink *file_open(int dir, const char *at, const char *path, enum record_format format,
			      unsigned int flags, char *err, size_t errlen)
{
	/* Its names kept with it: a sink outlives the set it was opened for (reloads). */
	size_t plen = strlen(path) + 1, alen = strlen(at) + 1;
	struct file_sink *s = calloc(1, sizeof(*s) + plen + alen);
	char *names;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	names = (char *)(s + 1);
	s->base.ops = &file_ops;
	s->base.name = memcpy(names, path, plen);
	s->dir = dir;
	s->at = memcpy(names + plen, at, alen);
	s->format = format;
	s->flags = flags;
	s->header = flags & SINK_NO_HEADER ? NULL : record_format_header(format);
	if (strcmp(path, "-") == 0) {
		s->fd = STDOUT_FILENO;
	} else {
		/* 0600: with --anon none the feed holds raw addresses. */
		s->owned = true;
		s->fd = open_output(dir, at, &s->base.created);
		if (s->fd < 0 && wait_for_reader(s))
			return &s->base;
		if (s->fd < 0) {
			open_error(s, err, errlen);
			goto fail;
		}
	}
	if (setup_fd(s, err, errlen))
		goto fail;
	return &s->base;
fail:
	sink_file_unmake(&s->base);
	file_close(&s->base);
	return NULL;
}

struct sink *sink_file_open(const char *path, enum record_format format, unsigned int flags,
			    char *err, size_t errlen)
{
	return file_open(AT_FDCWD, path, path, format, flags, err, errlen);
}

struct sink *sink_spool_open(int dir, const char *name, const char *path, enum record_format format,
			     char *err, size_t errlen)
{
	return file_open(dir, name, path, format, SINK_NO_HEADER | SINK_REGULAR, err, errlen);
}

int sink_file_lock(struct sink *base)
{
	struct file_sink *s = (struct file_sink *)base;

	if (base->ops != &file_ops || s->fd < 0) {
		errno = EBADF;
		return -1;
	}
	return flock(s->fd, LOCK_EX | LOCK_NB);
}

void sink_file_unmake(struct sink *base)
{
	struct file_sink *s = (struct file_sink *)base;
	struct stat st, at;

	if (!base || base->ops != &file_ops || !base->created || s->fd < 0)
		return;
	if (fstat(s->fd, &st) || st.st_size || fstatat(s->dir, s->at, &at, AT_SYMLINK_NOFOLLOW) ||
	    at.st_dev != st.st_dev || at.st_ino != st.st_ino)
		return;
	if (!unlinkat(s->dir, s->at, 0))
		base->created = false;
}
