// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <bpf/bpf.h>
#include "counters.h"
#include "drain.h"
#include "log.h"
#include "util.h"

static int state_read(const struct drainer *dr, struct botsink_drain_state *st)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(dr->maps->drain, &zero, st)) {
		log_error("reading the drain state: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int state_write(const struct drainer *dr, const struct botsink_drain_state *st)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(dr->maps->drain, &zero, st, BPF_ANY)) {
		log_error("writing the drain state: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Record where the feed stands now: the file (or none) and its size. */
static void note_position(const struct drainer *dr, struct botsink_drain_state *st)
{
	struct sink_position pos;

	if (sink_position(dr->sink, &pos)) {
		st->feed_dev = st->feed_ino = st->feed_size = 0;
		return;
	}
	st->feed_dev = pos.dev;
	st->feed_ino = pos.ino;
	st->feed_size = pos.size;
}

/* The feed is the file the last commit describes. */
static bool same_file(const struct drainer *dr, const struct botsink_drain_state *st)
{
	struct sink_position pos;

	return st->feed_ino && !sink_position(dr->sink, &pos) && pos.dev == st->feed_dev &&
	       pos.ino == st->feed_ino;
}

/*
 * Take back what part of the pending epoch reached the feed file. Any other
 * output keeps it: the sink stops using it if a record was cut (a pipe).
 */
static void roll_back(const struct drainer *dr, const struct botsink_drain_state *st)
{
	if (same_file(dr, st) && sink_rollback(dr->sink, st->feed_size))
		log_error("cannot cut feed %s back to %llu bytes: %s", dr->sink->name,
			  (unsigned long long)st->feed_size, strerror(errno));
}

/* Warned once per outage; where the epoch waits is said next (spool or kernel). */
static void sink_failed(struct drainer *dr, unsigned long long epoch)
{
	if (dr->failing)
		return;
	if (errno == EAGAIN)
		log_warn("feed %s: the reader has no room for epoch %llu yet; holding it",
			 dr->sink->name, epoch);
	else
		log_warn("feed %s: %s; holding epoch %llu until it can be written", dr->sink->name,
			 strerror(errno), epoch);
	dr->failing = true;
}

/*
 * Fault injection for the crash tests: BOTSINK_FAILPOINT=after-write kills
 * the daemon once a non-empty epoch is written and synced, before its commit,
 * which is the worst moment for a crash.
 */
static void failpoint_after_write(size_t records)
{
	const char *fp = getenv("BOTSINK_FAILPOINT");

	if (records && fp && !strcmp(fp, "after-write"))
		raise(SIGKILL);
}

static bool spool_empty(const struct botsink_drain_state *st)
{
	return st->spool_head == st->spool_size;
}

/* Commit the pending epoch as written to the feed, or (spooled) to the spool. */
static int commit(struct drainer *dr, struct botsink_drain_state *st, bool spooled)
{
	struct sink_position pos;

	st->epoch++;
	if (spooled && !sink_position(dr->spool, &pos))
		st->spool_size = pos.size;
	if (!spooled)
		note_position(dr, st);
	st->phase = BOTSINK_DRAIN_CLEARING;
	return state_write(dr, st) ? DRAIN_BROKEN : DRAIN_DONE;
}

/* The epoch into the spool, within its bound; DRAIN_HELD when it does not fit. */
static int spool_epoch(struct drainer *dr, struct botsink_drain_state *st, const struct epoch *e,
		       const struct drain_result *r)
{
	struct sink *feed_sink = dr->feed->sink;
	struct sink_position pos;
	int ret;

	if (!dr->spool || !dr->spool_max)
		return DRAIN_HELD;
	sink_rollback(dr->spool, st->spool_size); /* what no commit covers */
	dr->feed->sink = dr->spool;
	ret = feed_write_epoch(dr->feed, e, r);
	dr->feed->sink = feed_sink;
	if (!ret)
		ret = sink_sync(dr->spool);
	/* The bound is on what waits: delivered bytes go when the spool empties. */
	if (!ret && !sink_position(dr->spool, &pos) && pos.size - st->spool_head > dr->spool_max) {
		ret = -1;
		if (!dr->spool_full)
			log_warn("spool %s full (%llu bytes): counts wait in the kernel maps",
				 dr->spool_path, dr->spool_max);
		dr->spool_full = true;
	} else if (ret) {
		log_error("spool %s: %s; counts wait in the kernel maps", dr->spool_path,
			  strerror(errno));
	}
	if (ret) {
		sink_rollback(dr->spool, st->spool_size);
		return DRAIN_HELD;
	}
	if (dr->spool_full || spool_empty(st))
		log_info("epoch %llu and those after it wait in spool %s until feed %s takes them",
			 e->number, dr->spool_path, dr->sink->name);
	dr->spool_full = false;
	return commit(dr, st, true);
}

/* Write the pending epoch (to the feed, else to the spool) and commit it. */
static int write_pending(struct drainer *dr, struct botsink_drain_state *st)
{
	struct drain_result r;
	struct epoch e = {
		.incarnation = st->incarnation,
		.number = st->epoch + 1,
		.end = { .tv_sec = (time_t)(st->wall_ns / 1000000000ULL),
			 .tv_nsec = (long)(st->wall_ns % 1000000000ULL) },
		.end_mono_ns = st->mono_ns,
	};
	int ret;

	ret = counters_read(dr->maps, (int)st->gen, &r);
	if (ret) {
		log_error("reading generation %u: %s", st->gen, strerror(-ret));
		return DRAIN_BROKEN;
	}
	/* Spooled epochs go first: while any wait, this one waits behind them. */
	ret = -1;
	if (spool_empty(st)) {
		ret = feed_write_epoch(dr->feed, &e, &r);
		if (!ret)
			ret = sink_sync(dr->sink);
		if (!ret)
			failpoint_after_write(r.n);
		if (ret) {
			int saved = errno;

			roll_back(dr, st);
			errno = saved;
			if (dr->sink->broken) {
				log_error("feed %s: %s; stopping", dr->sink->name, strerror(errno));
				return DRAIN_BROKEN;
			}
			sink_failed(dr, e.number);
		}
	}
	if (!ret) {
		if (dr->failing)
			log_info("feed %s is writable again", dr->sink->name);
		dr->failing = false;
		ret = commit(dr, st, false);
	} else {
		ret = spool_epoch(dr, st, &e, &r);
	}
	return ret;
}

/* Bytes of whole lines read from the spool at a time. */
#define SPOOL_CHUNK (1 << 20)
/* A reader slower than this leaves the rest for the next interval. */
#define SPOOL_BUDGET_NS 500000000ULL

/*
 * Deliver the spool to the feed, in order. A file feed gets all of it or,
 * cut back, none; a busy pipe what it takes (at line boundaries), the rest
 * later. Then the delivered part is committed and an empty spool truncated.
 */
static void flush_spool(struct drainer *dr, struct botsink_drain_state *st)
{
	char *buf = malloc(SPOOL_CHUNK);
	int fd = open(dr->spool_path, O_RDONLY | O_CLOEXEC);
	__u64 head = st->spool_head, start = clock_ns(CLOCK_MONOTONIC);
	bool file = same_file(dr, st), ok = true;

	while (buf && fd >= 0 && ok && head < st->spool_size &&
	       (file || clock_ns(CLOCK_MONOTONIC) - start < SPOOL_BUDGET_NS)) {
		size_t want =
			st->spool_size - head < SPOOL_CHUNK ? st->spool_size - head : SPOOL_CHUNK;
		ssize_t got = pread(fd, buf, want, (off_t)head);
		char *nl = got > 0 ? memrchr(buf, '\n', (size_t)got) : NULL;
		long long w;

		if (!nl) {
			log_error("spool %s: cannot read it at %llu", dr->spool_path,
				  (unsigned long long)head);
			break;
		}
		w = sink_write_raw(dr->sink, buf, (size_t)(nl - buf) + 1);
		ok = w == (long long)(nl - buf) + 1;
		if (w > 0)
			head += (__u64)w;
		if (!ok && file) {
			roll_back(dr, st); /* all or nothing */
			head = st->spool_head;
		}
	}
	if (head != st->spool_head && (!file || (ok && !sink_sync(dr->sink)))) {
		st->spool_head = head;
		note_position(dr, st);
		if (spool_empty(st)) {
			st->spool_head = st->spool_size = 0;
			log_info("spool %s delivered to feed %s", dr->spool_path, dr->sink->name);
		}
		if (!state_write(dr, st) && spool_empty(st))
			sink_rollback(dr->spool, 0);
	} else if (file && head != st->spool_head) {
		roll_back(dr, st);
	}
	free(buf);
	if (fd >= 0)
		close(fd);
}

static int clear_committed(struct drainer *dr, struct botsink_drain_state *st)
{
	int ret = counters_clear(dr->maps, (int)st->gen);

	if (ret) {
		log_error("clearing generation %u: %s", st->gen, strerror(-ret));
		return DRAIN_BROKEN;
	}
	st->phase = BOTSINK_DRAIN_IDLE;
	return state_write(dr, st) ? DRAIN_BROKEN : DRAIN_DONE;
}

/* Carry a pending epoch through its remaining phases. */
static int finish(struct drainer *dr, struct botsink_drain_state *st)
{
	int ret = DRAIN_DONE;

	if (st->phase == BOTSINK_DRAIN_WRITING)
		ret = write_pending(dr, st);
	if (ret == DRAIN_DONE && st->phase == BOTSINK_DRAIN_CLEARING)
		ret = clear_committed(dr, st);
	return ret;
}

int drainer_step(struct drainer *dr)
{
	struct botsink_drain_state st;
	int gen;

	if (state_read(dr, &st))
		return DRAIN_BROKEN;
	/* What waits in the spool goes first, whatever the phase. */
	if (!spool_empty(&st))
		flush_spool(dr, &st);
	if (st.phase == BOTSINK_DRAIN_IDLE) {
		gen = counters_swap(dr->maps);
		if (gen < 0) {
			log_error("swapping counter generations: %s", strerror(-gen));
			return DRAIN_BROKEN;
		}
		st.gen = (__u32)gen;
		st.wall_ns = clock_ns(CLOCK_REALTIME);
		st.mono_ns = clock_ns(CLOCK_MONOTONIC_COARSE);
		st.phase = BOTSINK_DRAIN_WRITING;
		if (state_write(dr, &st))
			return DRAIN_BROKEN;
	}
	return finish(dr, &st);
}

/*
 * The spool file against the state: only what a commit covers stays. A
 * spool the state knows nothing of (new maps after a reboot, or after pins
 * were removed) is delivered whole: its records were committed to it by an
 * earlier run, and carry that run's ids.
 */
static void recover_spool(struct drainer *dr, struct botsink_drain_state *st, bool new_state)
{
	struct sink_position pos;
	__u64 size = sink_position(dr->spool, &pos) ? 0 : pos.size;

	if (new_state && size) {
		int fd = open(dr->spool_path, O_RDONLY | O_CLOEXEC);
		char c = 0;

		/* Up to its last whole line. */
		while (fd >= 0 && size && (pread(fd, &c, 1, (off_t)size - 1) != 1 || c != '\n'))
			size--;
		if (fd >= 0)
			close(fd);
		st->spool_head = 0;
		st->spool_size = size;
		log_warn("spool %s holds %llu bytes from an earlier run: delivering them first",
			 dr->spool_path, (unsigned long long)size);
	} else if (size < st->spool_size) {
		log_error(
			"spool %s holds less than the %llu bytes committed to it: records were lost outside botsink",
			dr->spool_path, (unsigned long long)st->spool_size);
		st->spool_size = size;
		st->spool_head = st->spool_head < size ? st->spool_head : size;
	}
	sink_rollback(dr->spool, st->spool_size);
	if (!spool_empty(st))
		log_info("spool %s: %llu bytes of records wait for the feed", dr->spool_path,
			 (unsigned long long)(st->spool_size - st->spool_head));
}

int drainer_recover(struct drainer *dr)
{
	struct botsink_drain_state st;
	bool new_state;

	if (state_read(dr, &st))
		return DRAIN_BROKEN;
	new_state = !st.incarnation;
	if (new_state) {
		/* A fresh series of record ids. */
		while (!st.incarnation)
			if (getrandom(&st.incarnation, sizeof(st.incarnation), 0) !=
			    sizeof(st.incarnation))
				return DRAIN_BROKEN;
		st.phase = BOTSINK_DRAIN_IDLE;
	}
	if (dr->spool)
		recover_spool(dr, &st, new_state);
	/*
	 * Nothing grows the feed file past the committed size without a
	 * commit: what is there is an unfinished epoch or spool delivery.
	 */
	if (same_file(dr, &st)) {
		struct sink_position pos;

		if (!sink_position(dr->sink, &pos) && pos.size > st.feed_size) {
			log_info(
				"an earlier run did not finish writing to %s: cutting it back to %llu bytes%s",
				dr->sink->name, (unsigned long long)st.feed_size,
				st.phase == BOTSINK_DRAIN_WRITING ? "; its epoch is written again" :
								    "");
			roll_back(dr, &st);
		}
	} else if (st.phase == BOTSINK_DRAIN_WRITING) {
		log_warn(
			"an earlier run did not finish epoch %llu, and %s is not the file it wrote to: writing the epoch again (records it wrote carry the same record_id)",
			(unsigned long long)st.epoch + 1, dr->sink->name);
	}
	note_position(dr, &st);
	if (state_write(dr, &st))
		return DRAIN_BROKEN;
	return finish(dr, &st);
}

bool drainer_spool_waiting(const struct drainer *dr)
{
	struct botsink_drain_state st;

	return !state_read(dr, &st) && !spool_empty(&st);
}

void drainer_rotated(struct drainer *dr)
{
	struct botsink_drain_state st;

	/* Rotation happens between epochs: the new file starts empty. */
	if (!state_read(dr, &st)) {
		note_position(dr, &st);
		state_write(dr, &st);
	}
}
