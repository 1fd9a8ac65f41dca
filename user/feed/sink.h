/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Where records go. A sink takes a batch of records and either writes all
 * of them or none: on failure the caller keeps the batch and offers it
 * again later, so a failing sink never loses a count. A file, pipe or
 * stdout in one of the record formats is the first implementation; a
 * message bus is another.
 */
#ifndef BOTSINK_SINK_H
#define BOTSINK_SINK_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include "feed/record.h"

struct sink;

/* Where a file output stands: the file, and its size. */
struct sink_position {
	unsigned long long dev, ino, size;
};

struct sink_ops {
	/*
	 * 0: every record written. -1 (errno set): none written, try again
	 * later (EAGAIN: the output is busy); or, with s->broken set, the sink
	 * cannot be used any more.
	 */
	int (*emit)(struct sink *s, const struct feed_record *recs, size_t n);
	void (*close)(struct sink *s);
	/*
	 * Optional: start a new output, the old one set aside whole (a file is
	 * renamed). 0, or -1 with a reason in err (the sink is unchanged).
	 */
	int (*rotate)(struct sink *s, char *rotated, size_t rotated_len, char *err, size_t errlen);
	/* Optional (files): the output's identity and size. 0, or -1: not a file. */
	int (*position)(struct sink *s, struct sink_position *pos);
	/* Optional (files): cut the output back to `size` bytes. 0 or -1 (errno). */
	int (*rollback)(struct sink *s, unsigned long long size);
	/* Optional: make what was written durable. 0 or -1 (errno). */
	int (*sync)(struct sink *s);
	/*
	 * Optional: write bytes of whole records as they are (from the spool).
	 * Returns the bytes written, always whole lines; fewer than n only
	 * when the output is busy (a pipe), or -1 (errno) with none written.
	 */
	long long (*write_raw)(struct sink *s, const char *buf, size_t n);
};

struct sink {
	const struct sink_ops *ops;
	const char *name; /* for messages */
	bool broken; /* a failure that retrying cannot mend: stop */
	/*
	 * The records emitted now end the epoch (the feed sets it): a pipe
	 * takes an epoch only in one piece.
	 */
	bool epoch_ends;
	/* A file this sink's open made (sink_file_unmake may remove it). */
	bool created;
};

/*
 * sink_file_open flags: no header line (a spool holds records only); a
 * regular file only (a spool, a partner's output: a pipe could stall).
 */
#define SINK_NO_HEADER 1U
#define SINK_REGULAR 2U

/*
 * Records in `format`, appended to a file (created 0600), a pipe, a
 * character device, or stdout ("-"). A symbolic link at `path` is refused,
 * whoever owns it: another user's link would have root write where it
 * points. A named pipe is opened without blocking: while it has no reader
 * the sink is busy (EAGAIN, said once) and tries again at every write.
 * NULL with a reason in err on failure.
 */
struct sink *sink_file_open(const char *path, enum record_format format, unsigned int flags,
			    char *err, size_t errlen);
/*
 * An exclusive lock (flock, not waited for) on the file s writes, let go
 * when s closes: 0, or -1 (errno EWOULDBLOCK: another process holds it).
 */
int sink_file_lock(struct sink *s);
/*
 * A spool: records only (no header), a regular file, `name` in the
 * directory held as dir (the state directory), shown as path in messages.
 */
struct sink *sink_spool_open(int dir, const char *name, const char *path,
			     enum record_format format, char *err, size_t errlen);
/*
 * Remove the file sink_file_open made for s, if it is still empty and
 * still at its name: a run that fails to start leaves no file behind, and
 * never removes one with records or one that is not its own.
 */
void sink_file_unmake(struct sink *s);

static inline int sink_emit(struct sink *s, const struct feed_record *recs, size_t n)
{
	return s->ops->emit(s, recs, n);
}

static inline int sink_rotate(struct sink *s, char *rotated, size_t rotated_len, char *err,
			      size_t errlen)
{
	if (!s->ops->rotate) {
		snprintf(err, errlen, "%s cannot be rotated", s->name);
		return -1;
	}
	return s->ops->rotate(s, rotated, rotated_len, err, errlen);
}

static inline int sink_position(struct sink *s, struct sink_position *pos)
{
	return s->ops->position ? s->ops->position(s, pos) : -1;
}

static inline long long sink_size(struct sink *s)
{
	struct sink_position pos;

	return sink_position(s, &pos) ? -1 : (long long)pos.size;
}

static inline int sink_rollback(struct sink *s, unsigned long long size)
{
	if (!s->ops->rollback) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return s->ops->rollback(s, size);
}

static inline long long sink_write_raw(struct sink *s, const char *buf, size_t n)
{
	if (!s->ops->write_raw) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return s->ops->write_raw(s, buf, n);
}

static inline int sink_sync(struct sink *s)
{
	return s->ops->sync ? s->ops->sync(s) : 0;
}

static inline void sink_close(struct sink *s)
{
	if (s)
		s->ops->close(s);
}

#endif
