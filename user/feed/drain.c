// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <bpf/bpf.h>
#include "feed/drain.h"
#include "kernel/counters.h"
#include "kernel/evidence.h"
#include "lib/log.h"
#include "lib/util.h"

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

/* The main feed's position lives in the pinned state. */
static void pos_from_state(const struct botsink_drain_state *st, struct output_pos *p)
{
	p->dev = st->feed_dev;
	p->ino = st->feed_ino;
	p->size = st->feed_size;
	p->spool_head = st->spool_head;
	p->spool_size = st->spool_size;
}

static void pos_to_state(const struct output_pos *p, struct botsink_drain_state *st)
{
	st->feed_dev = p->dev;
	st->feed_ino = p->ino;
	st->feed_size = p->size;
	st->spool_head = p->spool_head;
	st->spool_size = p->spool_size;
}

#define OUTPUTS_MAGIC "botsink-outputs 2"
#define OUTPUTS_MAGIC_V1 "botsink-outputs 1" /* an older botsink's, saved every epoch */

/*
 * The partners' positions as of `epoch` of the state's incarnation (and,
 * in `before`, as of the epoch before it: a crash before the pinned commit
 * goes back to those). Written to a new file renamed over the old one: it
 * is always one or the other. Saved whenever a position moves: epochs
 * committed after `epoch` left every partner where it was.
 */
static int outputs_save(struct drainer *dr, const struct botsink_drain_state *st,
			unsigned long long epoch, const struct output_pos *before)
{
	static const char tmp[] = OUTPUT_STATE_FILE ".new";
	FILE *f;
	int ret = -1;

	if (dr->nout < 2)
		return 0;
	f = create_private(dr->state_fd, tmp);
	if (!f && errno == ELOOP) {
		log_error("%s.new is a symbolic link: not followed; remove it", dr->outputs_path);
		errno = ELOOP;
	}
	if (!f)
		goto out;
	fprintf(f, "%s\nepoch %llu incarnation %llx\n", OUTPUTS_MAGIC, epoch,
		(unsigned long long)st->incarnation);
	for (size_t i = 1; i < dr->nout; i++) {
		const struct output_pos *a = &dr->out[i].pos, *b = before ? &before[i] : a;

		fprintf(f, "%s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n",
			dr->out[i].name, a->dev, a->ino, a->size, a->spool_head, a->spool_size,
			b->dev, b->ino, b->size, b->spool_head, b->spool_size);
	}
	if (fflush(f) || fsync(fileno(f))) {
		fclose(f);
		goto out;
	}
	if (fclose(f) || renameat(dr->state_fd, tmp, dr->state_fd, OUTPUT_STATE_FILE))
		goto out;
	ret = 0;
out:
	if (ret)
		log_error("saving the outputs' positions in %s: %s", dr->outputs_path,
			  strerror(errno));
	dr->outputs_stale = ret != 0;
	return ret;
}

/*
 * outputs.state's head: *at, the epoch it was saved for, when its
 * positions hold for the state's committed epoch (or the one after it,
 * which a crash left uncommitted).
 */
static bool outputs_header(FILE *f, const struct botsink_drain_state *st, unsigned long long *at)
{
	char magic[32] = "";
	unsigned long long incarnation = 0;

	if (!fgets(magic, sizeof(magic), f))
		return false;
	if (!strcmp(magic, OUTPUTS_MAGIC_V1 "\n"))
		return fscanf(f, "epoch %llu\n", at) == 1 &&
		       (*at == st->epoch || *at == st->epoch + 1);
	return !strcmp(magic, OUTPUTS_MAGIC "\n") &&
	       fscanf(f, "epoch %llu incarnation %llx\n", at, &incarnation) == 2 &&
	       incarnation == st->incarnation && *at <= st->epoch + 1;
}

/*
 * An output's position from outputs.state, for the state's committed
 * epoch: false when the file knows nothing of it (a new partner, or no
 * file).
 */
static bool outputs_load(const struct drainer *dr, const struct botsink_drain_state *st,
			 const char *name, struct output_pos *p)
{
	int fd = openat(dr->state_fd, OUTPUT_STATE_FILE,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
	char line[512];
	unsigned long long at = 0;
	bool found = false;

	if (!f) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	if (!outputs_header(f, st, &at)) {
		fclose(f);
		return false;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		struct output_pos a, b;
		char n[80];

		if (sscanf(line, "%79s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", n,
			   &a.dev, &a.ino, &a.size, &a.spool_head, &a.spool_size, &b.dev, &b.ino,
			   &b.size, &b.spool_head, &b.spool_size) != 11 ||
		    strcmp(n, name))
			continue;
		/* Saved for epoch + 1, which was not committed: the positions before it. */
		*p = at == st->epoch + 1 ? b : a;
		found = true;
	}
	fclose(f);
	return found;
}

/* Where the output stands now: the file (or none) and its size. */
static void note_position(const struct drain_output *o, struct output_pos *p)
{
	struct sink_position sp;

	if (sink_position(o->sink, &sp)) {
		p->dev = p->ino = p->size = 0;
		return;
	}
	p->dev = sp.dev;
	p->ino = sp.ino;
	p->size = sp.size;
}

/* The output is the file `p` describes. */
static bool same_file(const struct drain_output *o, const struct output_pos *p)
{
	struct sink_position sp;

	return p->ino && !sink_position(o->sink, &sp) && sp.dev == p->dev && sp.ino == p->ino;
}

/*
 * Take back what part of an epoch reached the output file. Any other
 * output keeps it: the sink stops using it if a record was cut (a pipe).
 */
static void roll_back(const struct drain_output *o, const struct output_pos *p)
{
	if (same_file(o, p) && sink_rollback(o->sink, p->size))
		log_error("cannot cut %s back to %llu bytes: %s", o->label, p->size,
			  strerror(errno));
}

/* The output took what was offered: its outage, if any, is over. */
static void output_works(struct drain_output *o)
{
	if (o->failing)
		log_info("%s is writable again", o->label);
	o->failing = false;
}

/* Warned once per outage; where the epoch waits is said next (spool or kernel). */
static void output_failed(struct drain_output *o, int err, unsigned long long epoch)
{
	if (o->failing)
		return;
	if (err == EAGAIN)
		log_warn("%s: the reader has no room for epoch %llu yet; holding it", o->label,
			 epoch);
	else
		log_warn("%s: %s; holding epoch %llu until it can be written", o->label,
			 strerror(err), epoch);
	o->failing = true;
}

static bool spool_empty(const struct output_pos *p)
{
	return p->spool_head == p->spool_size;
}

static bool spool_usable(const struct drainer *dr, const struct drain_output *o)
{
	return o->spool && dr->spool_max;
}

/* An epoch in the spool is within the bound on what waits there. */
static bool spool_fits(const struct drainer *dr, struct drain_output *o)
{
	struct sink_position sp;

	/* Delivered bytes go when the spool empties. */
	if (!sink_position(o->spool, &sp) && sp.size - o->pos.spool_head <= dr->spool_max)
		return true;
	if (!o->spool_full)
		log_warn("spool %s full (%llu bytes): counts wait in the kernel maps",
			 o->spool_path, dr->spool_max);
	o->spool_full = true;
	return false;
}

/*
 * The spool refused the epoch too: the counts wait in the kernel. Said once
 * per reason, not every interval (a stray key file fails every epoch).
 */
static void spool_failed(struct drain_output *o, int err)
{
	if (err != o->spool_held)
		log_error("spool %s: %s; counts wait in the kernel maps", o->spool_path,
			  strerror(err));
	o->spool_held = err;
}

/* Each output's target for an epoch: its sink, or its spool while that holds records. */
static int choose_targets(struct drainer *dr, struct feed_target *t)
{
	for (size_t i = 0; i < dr->nout; i++) {
		struct drain_output *o = &dr->out[i];

		t[i] = (struct feed_target){ .view = o->view, .sink = o->sink };
		if (spool_empty(&o->pos))
			continue;
		/* Spooled epochs go first: this one waits behind them. */
		if (!spool_usable(dr, o))
			return DRAIN_HELD;
		sink_rollback(o->spool, o->pos.spool_size); /* what no commit covers */
		t[i].sink = o->spool;
	}
	return DRAIN_DONE;
}

/* Sync what was written; an output that failed is rolled back. */
static int settle_targets(struct drainer *dr, struct feed_target *t, const struct epoch *e)
{
	for (size_t i = 0; i < dr->nout; i++) {
		struct drain_output *o = &dr->out[i];

		/* What was not written this epoch was synced by an earlier one. */
		if (!t[i].error && t[i].written && sink_sync(t[i].sink))
			t[i].error = errno;
		if (!t[i].error)
			continue;
		if (t[i].sink != o->sink) {
			spool_failed(o, t[i].error);
			return DRAIN_HELD;
		}
		roll_back(o, &o->pos);
		if (o->sink->broken) {
			log_error("%s: %s; stopping", o->label, strerror(t[i].error));
			return DRAIN_BROKEN;
		}
		output_failed(o, t[i].error, e->number);
	}
	return DRAIN_DONE;
}

/* The epoch into the spools of the outputs that refused it. */
static int spool_refused(struct drainer *dr, struct feed_target *t, const struct epoch *e,
			 const struct drain_result *r)
{
	for (size_t i = 0; i < dr->nout; i++) {
		struct drain_output *o = &dr->out[i];
		struct feed_target one = { .view = o->view, .sink = o->spool };

		if (!t[i].error)
			continue;
		if (!spool_usable(dr, o))
			return DRAIN_HELD;
		sink_rollback(o->spool, o->pos.spool_size);
		if (feed_write_epoch(dr->feed, e, r, &one, 1) || sink_sync(o->spool)) {
			spool_failed(o, one.error ? one.error : errno);
			return DRAIN_HELD;
		}
		t[i] = one;
	}
	return DRAIN_DONE;
}

/* Take the epoch back from every output and spool. */
static void unwrite(struct drainer *dr)
{
	for (size_t i = 0; i < dr->nout; i++) {
		roll_back(&dr->out[i], &dr->out[i].pos);
		if (dr->out[i].spool)
			sink_rollback(dr->out[i].spool, dr->out[i].pos.spool_size);
	}
}

/* The new positions, once the epoch is everywhere; and what changed, said. */
static void advance(struct drainer *dr, const struct feed_target *t, const struct epoch *e)
{
	for (size_t i = 0; i < dr->nout; i++) {
		struct drain_output *o = &dr->out[i];
		struct sink_position sp;

		if (o->spool_held)
			log_info("spool %s: counts no longer wait in the kernel maps",
				 o->spool_path);
		o->spool_held = 0;
		if (t[i].sink == o->sink) {
			output_works(o);
			note_position(o, &o->pos);
			continue;
		}
		if (o->spool_full || spool_empty(&o->pos))
			log_info(
				"epoch %llu and those after it wait in spool %s until %s takes them",
				e->number, o->spool_path, o->label);
		o->spool_full = false;
		if (!sink_position(o->spool, &sp))
			o->pos.spool_size = sp.size;
	}
}

/* A partner's output or spool stands elsewhere than `before`. */
static bool partners_moved(const struct drainer *dr, const struct output_pos *before)
{
	for (size_t i = 1; i < dr->nout; i++)
		if (memcmp(&dr->out[i].pos, &before[i], sizeof(before[i])))
			return true;
	return false;
}

/*
 * Commit: the partners' positions first (when the epoch moved one, or
 * outputs.state lags), then the pinned state, which is the commit itself.
 */
static int commit(struct drainer *dr, struct botsink_drain_state *st,
		  const struct output_pos *before)
{
	if ((dr->outputs_stale || partners_moved(dr, before)) &&
	    outputs_save(dr, st, st->epoch + 1, before))
		return DRAIN_HELD;
	st->epoch++;
	pos_to_state(&dr->out[0].pos, st);
	st->phase = BOTSINK_DRAIN_CLEARING;
	return state_write(dr, st) ? DRAIN_BROKEN : DRAIN_DONE;
}

/* Write the pending epoch to every output (or its spool) and commit it. */
static int write_epoch(struct drainer *dr, struct botsink_drain_state *st,
		       const struct drain_result *r, struct feed_target *t,
		       struct output_pos *before)
{
	struct epoch e = {
		.incarnation = st->incarnation,
		.number = st->epoch + 1,
		.end = { .tv_sec = (time_t)(st->wall_ns / 1000000000ULL),
			 .tv_nsec = (long)(st->wall_ns % 1000000000ULL) },
		.end_mono_ns = st->mono_ns,
	};
	int ret;

	for (size_t i = 0; i < dr->nout; i++)
		before[i] = dr->out[i].pos;
	/* Nothing to write, sync or save: only the epoch's number moves. */
	if (!r->n)
		return commit(dr, st, before);
	ret = choose_targets(dr, t);
	if (ret == DRAIN_DONE) {
		feed_write_epoch(dr->feed, &e, r, t, dr->nout);
		ret = settle_targets(dr, t, &e);
	}
	if (ret == DRAIN_DONE)
		ret = spool_refused(dr, t, &e, r);
	for (size_t i = 0; i < dr->nout && ret == DRAIN_DONE; i++)
		if (t[i].sink != dr->out[i].sink && !spool_fits(dr, &dr->out[i]))
			ret = DRAIN_HELD;
	/* A non-empty epoch written and synced, not committed: the worst moment for a crash. */
	if (ret == DRAIN_DONE && r->n)
		failpoint("after-write");
	if (ret == DRAIN_DONE) {
		advance(dr, t, &e);
		ret = commit(dr, st, before);
	}
	if (ret == DRAIN_HELD) {
		for (size_t i = 0; i < dr->nout; i++)
			dr->out[i].pos = before[i];
		unwrite(dr);
	}
	return ret;
}

/*
 * The kinds of generation `gen`'s tables that may hold counts: those the
 * program touched since this run emptied them; all of a generation it has
 * not emptied yet. An idle table costs nothing, however large.
 */
static unsigned int touched_kinds(const struct drainer *dr, __u32 gen)
{
	const struct drain_emptied *e = &dr->emptied[gen & 1];
	__u64 now[BOTSINK_KINDS];
	unsigned int kinds = 0;

	if (!e->known || counters_touched(dr->maps, (int)gen, now))
		return (1U << BOTSINK_KINDS) - 1;
	for (int kind = 0; kind < BOTSINK_KINDS; kind++)
		if (now[kind] != e->touched[kind])
			kinds |= 1U << kind;
	return kinds;
}

/*
 * The samples of the generation swapped out are all in the ring by now:
 * take them. One that cannot be kept (memory) leaves its record without
 * evidence, never without its count.
 */
static void collect_evidence(struct drainer *dr)
{
	int n;

	if (!dr->evidence)
		return;
	n = evidence_store_collect(dr->evidence);
	if (n < 0)
		log_warn("evidence samples: %s: some records go without", strerror(-n));
}

static int write_pending(struct drainer *dr, struct botsink_drain_state *st)
{
	struct feed_target *t = calloc(dr->nout, sizeof(*t));
	struct output_pos *before = calloc(dr->nout, sizeof(*before));
	struct drain_result r;
	int ret;

	if (!t || !before) {
		ret = DRAIN_HELD;
		goto out;
	}
	collect_evidence(dr);
	ret = counters_read_kinds(dr->maps, (int)st->gen, touched_kinds(dr, st->gen), &r);
	if (ret) {
		log_error("reading generation %u: %s", st->gen, strerror(-ret));
		ret = DRAIN_BROKEN;
		goto out;
	}
	r.evidence = dr->evidence;
	r.gen = (int)st->gen;
	dr->read = r;
	dr->read_gen = st->gen;
	dr->last = (struct drain_report){ .records = r.n };
	for (size_t i = 0; i < r.n; i++)
		if (r.items[i].kind < BOTSINK_KINDS)
			dr->last.entries[r.items[i].kind]++;
	ret = write_epoch(dr, st, &r, t, before);
out:
	free(t);
	free(before);
	return ret;
}

/* Bytes of whole lines read from the spool at a time. */
#define SPOOL_CHUNK (1 << 20)
/* A reader slower than this leaves the rest for the next interval. */
#define SPOOL_BUDGET_NS 500000000ULL

/*
 * Deliver a spool to its output, in order. A file gets all of it or, cut
 * back, none; a busy pipe what it takes (at line boundaries), the rest
 * later. Returns true when the position moved (to be saved).
 */
static bool flush_spool(const struct drainer *dr, struct drain_output *o)
{
	char *buf = malloc(SPOOL_CHUNK);
	int fd = openat(dr->state_fd, o->spool_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	unsigned long long head = o->pos.spool_head;
	uint64_t start = clock_ns(CLOCK_MONOTONIC);
	bool file = same_file(o, &o->pos), ok = true, moved = false;

	while (buf && fd >= 0 && ok && head < o->pos.spool_size &&
	       (file || clock_ns(CLOCK_MONOTONIC) - start < SPOOL_BUDGET_NS)) {
		size_t want = o->pos.spool_size - head < SPOOL_CHUNK ? o->pos.spool_size - head :
								       SPOOL_CHUNK;
		ssize_t got = pread(fd, buf, want, (off_t)head);
		char *nl = got > 0 ? memrchr(buf, '\n', (size_t)got) : NULL;
		long long w;

		if (!nl) {
			log_error("spool %s: cannot read it at %llu", o->spool_path, head);
			break;
		}
		/* The chunk ends where the spool does: an epoch's last records. */
		o->sink->epoch_ends = head + (size_t)(nl - buf) + 1 == o->pos.spool_size;
		w = sink_write_raw(o->sink, buf, (size_t)(nl - buf) + 1);
		/* A bus takes whole messages only: the rest of a chunk starts the next. */
		ok = w == (long long)(nl - buf) + 1 || (!file && w > 0);
		if (w > 0)
			head += (unsigned long long)w;
		if (!ok && file) {
			roll_back(o, &o->pos); /* all or nothing */
			head = o->pos.spool_head;
		}
	}
	if (head != o->pos.spool_head && (!file || (ok && !sink_sync(o->sink)))) {
		o->pos.spool_head = head;
		note_position(o, &o->pos);
		if (spool_empty(&o->pos)) {
			o->pos.spool_head = o->pos.spool_size = 0;
			log_info("spool %s delivered to %s", o->spool_path, o->label);
			/* Said here: epochs without records after it never reach it. */
			output_works(o);
		}
		moved = true;
	} else if (file && head != o->pos.spool_head) {
		roll_back(o, &o->pos);
	}
	free(buf);
	if (fd >= 0)
		close(fd);
	return moved;
}

/* Save the positions after deliveries, then truncate the spools emptied. */
static int save_positions(struct drainer *dr, struct botsink_drain_state *st)
{
	pos_to_state(&dr->out[0].pos, st);
	if (outputs_save(dr, st, st->epoch, NULL) || state_write(dr, st))
		return -1;
	for (size_t i = 0; i < dr->nout; i++)
		if (dr->out[i].spool && spool_empty(&dr->out[i].pos))
			sink_rollback(dr->out[i].spool, 0);
	return 0;
}

/* What waits in the spools goes first, whatever the phase. */
static void flush_spools(struct drainer *dr, struct botsink_drain_state *st)
{
	bool moved = false;

	for (size_t i = 0; i < dr->nout; i++)
		if (!spool_empty(&dr->out[i].pos))
			moved |= flush_spool(dr, &dr->out[i]);
	if (moved)
		save_positions(dr, st);
}

/*
 * Tables of sources and of unclassified sources hold no catch-all: when
 * the program created, since this run emptied one, as many keys as the
 * epoch read from it, those are all it holds (every key the program
 * creates has a packet), and they are deleted one by one, without a walk
 * over the table. Returns the kinds still to be cleared.
 */
static unsigned int delete_read(struct drainer *dr, __u32 gen, unsigned int kinds)
{
	const struct drain_emptied *e = &dr->emptied[gen & 1];
	__u64 now[BOTSINK_KINDS];

	if (!dr->read.items || dr->read_gen != gen || !e->known ||
	    counters_touched(dr->maps, (int)gen, now))
		return kinds;
	for (int kind = BOTSINK_KIND_SOURCES; kind <= BOTSINK_KIND_UNCLASSIFIED; kind++)
		if ((kinds & (1U << kind)) &&
		    now[kind] - e->touched[kind] == dr->last.entries[kind] &&
		    !counters_delete_read(dr->maps, (int)gen, kind, &dr->read))
			kinds &= ~(1U << kind);
	return kinds;
}

static int clear_committed(struct drainer *dr, struct botsink_drain_state *st)
{
	struct drain_emptied *e = &dr->emptied[st->gen & 1];
	unsigned int kinds = delete_read(dr, st->gen, touched_kinds(dr, st->gen));
	int ret = counters_clear_kinds(dr->maps, (int)st->gen, kinds);

	if (ret) {
		log_error("clearing generation %u: %s", st->gen, strerror(-ret));
		return DRAIN_BROKEN;
	}
	/* Idle and empty: any count the program adds from now on moves these. */
	e->known = !counters_touched(dr->maps, (int)st->gen, e->touched);
	dr->read.items = NULL;
	if (dr->evidence)
		evidence_store_forget(dr->evidence, (int)st->gen);
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
	pos_from_state(&st, &dr->out[0].pos);
	flush_spools(dr, &st);
	if (st.phase == BOTSINK_DRAIN_IDLE) {
		/* Before the flip: every sample of the new interval is taken after it. */
		unsigned long long flip_ns = clock_ns(CLOCK_MONOTONIC_COARSE);

		gen = counters_swap(dr->maps);
		if (gen < 0) {
			log_error("swapping counter generations: %s", strerror(-gen));
			return DRAIN_BROKEN;
		}
		dr->active_since[gen ^ 1] = flip_ns;
		if (dr->evidence)
			evidence_store_since(dr->evidence, gen ^ 1, flip_ns);
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
 * A spool against its position: only what a commit covers stays. A spool
 * the state knows nothing of (new maps after a reboot, pins removed, a new
 * partner) is delivered whole: its records were committed to it by an
 * earlier run, and carry that run's ids.
 */
static void recover_spool(const struct drainer *dr, struct drain_output *o, bool known)
{
	struct sink_position sp;
	unsigned long long size = sink_position(o->spool, &sp) ? 0 : sp.size;

	if (!known && size) {
		int fd = openat(dr->state_fd, o->spool_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		char c = 0;

		/* Up to its last whole line. */
		while (fd >= 0 && size && (pread(fd, &c, 1, (off_t)size - 1) != 1 || c != '\n'))
			size--;
		if (fd >= 0)
			close(fd);
		o->pos.spool_head = 0;
		o->pos.spool_size = size;
		log_warn("spool %s holds %llu bytes from an earlier run: delivering them first",
			 o->spool_path, size);
	} else if (size < o->pos.spool_size) {
		log_error(
			"spool %s holds less than the %llu bytes committed to it: records were lost outside botsink",
			o->spool_path, o->pos.spool_size);
		o->pos.spool_size = size;
		o->pos.spool_head = o->pos.spool_head < size ? o->pos.spool_head : size;
	}
	sink_rollback(o->spool, o->pos.spool_size);
	if (!spool_empty(&o->pos))
		log_info("spool %s: %llu bytes of records wait for %s", o->spool_path,
			 o->pos.spool_size - o->pos.spool_head, o->label);
}

/*
 * An output at start: nothing grows its file past the committed size
 * without a commit, so what is beyond is an unfinished epoch or delivery.
 */
static void recover_output(const struct drainer *dr, struct drain_output *o, bool known,
			   const struct botsink_drain_state *st)
{
	struct sink_position sp;

	o->fresh = false;
	if (o->spool)
		recover_spool(dr, o, known);
	if (known && same_file(o, &o->pos)) {
		if (!sink_position(o->sink, &sp) && sp.size > o->pos.size) {
			log_info(
				"an earlier run did not finish writing to %s: cutting it back to %llu bytes%s",
				o->label, o->pos.size,
				st->phase == BOTSINK_DRAIN_WRITING ?
					"; its epoch is written again" :
					"");
			roll_back(o, &o->pos);
		}
	} else if (st->phase == BOTSINK_DRAIN_WRITING) {
		log_warn(
			"an earlier run did not finish epoch %llu, and %s is not the file it wrote to: writing the epoch again (records it wrote carry the same record_id)",
			(unsigned long long)st->epoch + 1, o->label);
	}
	note_position(o, &o->pos);
}

int drainer_recover(struct drainer *dr)
{
	struct botsink_drain_state st;
	bool new_state;
	int ret;

	/*
	 * An older program this run took over, which moves no botsink_touched
	 * count, is done before the first generation is emptied and trusted.
	 */
	ret = counters_sync(dr->maps);
	if (ret) {
		log_error("waiting for the program: %s", strerror(-ret));
		return DRAIN_BROKEN;
	}
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
	pos_from_state(&st, &dr->out[0].pos);
	recover_output(dr, &dr->out[0], !new_state, &st);
	for (size_t i = 1; i < dr->nout; i++) {
		struct drain_output *o = &dr->out[i];
		bool known = !new_state && outputs_load(dr, &st, o->name, &o->pos);

		if (!known)
			memset(&o->pos, 0, sizeof(o->pos));
		recover_output(dr, o, known, &st);
	}
	if (save_positions(dr, &st))
		return DRAIN_BROKEN;
	return finish(dr, &st);
}

int drainer_outputs_changed(struct drainer *dr)
{
	struct botsink_drain_state st;

	if (state_read(dr, &st))
		return DRAIN_BROKEN;
	for (size_t i = 0; i < dr->nout; i++) {
		if (!dr->out[i].fresh)
			continue;
		dr->out[i].fresh = false;
		memset(&dr->out[i].pos, 0, sizeof(dr->out[i].pos));
		if (dr->out[i].spool)
			recover_spool(dr, &dr->out[i], false);
		note_position(&dr->out[i], &dr->out[i].pos);
	}
	pos_from_state(&st, &dr->out[0].pos);
	return save_positions(dr, &st) ? DRAIN_BROKEN : DRAIN_DONE;
}

bool drainer_spool_waiting(const struct drainer *dr)
{
	for (size_t i = 0; i < dr->nout; i++)
		if (!spool_empty(&dr->out[i].pos))
			return true;
	return false;
}

void drainer_rotated(struct drainer *dr)
{
	struct botsink_drain_state st;

	/* Rotation happens between epochs: the new file starts empty. */
	if (!state_read(dr, &st)) {
		note_position(&dr->out[0], &dr->out[0].pos);
		pos_to_state(&dr->out[0].pos, &st);
		state_write(dr, &st);
	}
}
