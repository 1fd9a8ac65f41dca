/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Drain epochs: every count reaches the feed exactly once, also across a
 * crash of the daemon.
 *
 * An epoch is one generation of counters, swapped out (counters_swap). Its
 * records are written and synced; then the epoch is committed in the pinned
 * botsink_drain map, with the feed file's size; only then is the generation
 * cleared. Until it is committed the counts stay in the kernel, so a failing
 * sink holds them there and a retry writes the same records again. A daemon
 * restarted after a crash cuts the feed file back to the committed size and
 * writes the uncommitted epoch again, with the same record ids (for outputs
 * that cannot be cut back, such as a pipe, consumers drop repeats by id).
 *
 * While an output fails, epochs are committed to its spool instead, and the
 * spool goes to the output, first, once it takes writes again: so the kernel
 * tables do not fill during an outage, and records stay in order.
 *
 * Partners' outputs go the same way, each with its own spool: their
 * positions are saved in STATE_DIR/outputs.state just before the commit
 * (with the positions before the epoch, for a crash between the two).
 *
 * Waiting costs nothing per output and little per counter: an empty epoch
 * is committed in the pinned state alone (no output is synced, and
 * outputs.state, saved only when a partner's position moves, stays valid
 * for the epochs after it), and tables the program did not write since
 * they were emptied (botsink_touched) are neither read nor cleared.
 */
#ifndef BOTSINK_DRAIN_H
#define BOTSINK_DRAIN_H

#include <stdbool.h>
#include "feed/feed.h"
#include "feed/sink.h"
#include "kernel/loader.h"

/* In the state directory: the partners' positions, replaced whole each commit. */
#define OUTPUT_STATE_FILE "outputs.state"

/* Where an output stands: its file and size, and its spool's extent. */
struct output_pos {
	unsigned long long dev, ino, size; /* dev and ino 0: not a file */
	unsigned long long spool_head, spool_size; /* delivered to the output, committed */
};

/* One output: a view's records into a sink, with a spool for outages. */
struct drain_output {
	char *label; /* for messages: "feed PATH", "partner NAME (PATH)" */
	char *name; /* in outputs.state: the partner's name */
	struct feed_view *view;
	enum record_format format;
	struct sink *sink;
	/*
	 * Where epochs wait while the output fails, in order, up to spool_max
	 * bytes (then they wait in the kernel; 0: no new epoch goes there).
	 * NULL: none at all.
	 */
	struct sink *spool;
	char *spool_name; /* in the state directory (drainer.state_fd) */
	char *spool_path; /* the same, for messages */
	struct output_pos pos; /* at the last commit or delivery */
	bool failing; /* refused the pending epoch (warned once per outage) */
	bool spool_full; /* warned once */
	int spool_held; /* why counts wait in the kernel (errno; said once); 0: they do not */
	bool fresh; /* added since the last commit: drainer_outputs_changed places it */
	bool borrowed; /* the sink is the caller's: closing the output leaves it open */
};

/* The last generation read out (metrics): its counts, per table kind. */
struct drain_report {
	size_t records;
	size_t entries[BOTSINK_KINDS];
};

/*
 * A generation as this run emptied it: botsink_touched of its tables then.
 * Not known: the run has not emptied it yet (it may hold counts an earlier
 * run or program left), and all of it is read.
 */
struct drain_emptied {
	bool known;
	__u64 touched[BOTSINK_KINDS];
};

struct drainer {
	const struct botsink_maps *maps;
	struct feed *feed;
	/* out[0] is the main feed: its position is kept in the pinned state. */
	struct drain_output *out;
	size_t nout;
	unsigned long long spool_max; /* per output */
	int state_fd; /* the state directory, where OUTPUT_STATE_FILE is */
	const char *outputs_path; /* the others' positions, for messages (STATE_DIR/outputs.state) */
	bool outputs_stale; /* its last save failed: it lags the positions */
	struct drain_report last;
	struct drain_emptied emptied[2]; /* per generation */
	/* The pending epoch's counts as read, of generation read_gen; items NULL: none. */
	struct drain_result read;
	__u32 read_gen;
	/* The program's evidence samples (NULL: none asked for): kept until their epoch's commit. */
	struct evidence_store *evidence;
	/* When each generation last became the active one (CLOCK_MONOTONIC_COARSE); 0: not seen. */
	unsigned long long active_since[2];
};

enum drain_outcome {
	DRAIN_DONE = 0, /* the epoch is in every output (or its spool) */
	DRAIN_HELD = 1, /* an output failed: the counts wait in the kernel for a retry */
	DRAIN_BROKEN = -1, /* an output cannot be used any more, or the maps failed */
};

/*
 * At start: finish what an earlier run left (cut the outputs back, write
 * the uncommitted epoch, clear a committed one). Returns an enum
 * drain_outcome.
 */
int drainer_recover(struct drainer *dr);
/* One interval: swap generations and write the epoch, or retry a held one. */
int drainer_step(struct drainer *dr);
/*
 * The outputs changed between epochs: the fresh ones start where their
 * files stand now, behind what their spools hold.
 */
int drainer_outputs_changed(struct drainer *dr);
/* The feed file was rotated: the next epoch starts a new file. */
void drainer_rotated(struct drainer *dr);
/* Records wait in a spool. */
bool drainer_spool_waiting(const struct drainer *dr);

#endif
