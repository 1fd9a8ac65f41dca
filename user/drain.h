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
 * While the feed fails, epochs are committed to the spool instead, and the
 * spool goes to the feed, first, once it takes writes again: so the kernel
 * tables do not fill during an outage, and records stay in order.
 */
#ifndef BOTSINK_DRAIN_H
#define BOTSINK_DRAIN_H

#include <stdbool.h>
#include "feed.h"
#include "loader.h"
#include "sink.h"

struct drainer {
	const struct botsink_maps *maps;
	struct feed *feed;
	struct sink *sink;
	/*
	 * Where epochs wait while the feed fails, in order, up to spool_max
	 * bytes (then they wait in the kernel; 0: no new epoch goes there): a
	 * JSON Lines file in the state directory. NULL: none at all.
	 */
	struct sink *spool;
	const char *spool_path;
	unsigned long long spool_max;
	bool failing; /* the sink refused the pending epoch (warned once per outage) */
	bool spool_full; /* warned once */
};

enum drain_outcome {
	DRAIN_DONE = 0, /* the epoch is in the feed */
	DRAIN_HELD = 1, /* the sink failed: the counts wait in the kernel for a retry */
	DRAIN_BROKEN = -1, /* the sink cannot be used any more, or the maps failed */
};

/*
 * At start: finish what an earlier run left (cut the feed back, write the
 * uncommitted epoch, clear a committed one). Returns an enum drain_outcome.
 */
int drainer_recover(struct drainer *dr);
/* One interval: swap generations and write the epoch, or retry a held one. */
int drainer_step(struct drainer *dr);
/* The feed file was rotated: the next epoch starts a new file. */
void drainer_rotated(struct drainer *dr);
/* Records wait in the spool (its extent is known only to the pinned state). */
bool drainer_spool_waiting(const struct drainer *dr);

#endif
