/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * From drained counts to records in a sink. Counts wait here, raw, until
 * the sink has taken them: anonymization happens when a record is built,
 * so a raw address never leaves the process in an anonymized mode.
 */
#ifndef BOTSINK_FEED_H
#define BOTSINK_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "anon.h"
#include "counters.h"
#include "rules.h"
#include "sink.h"

/* What a sid stands for; entries outlive reloads (pending counts). */
struct catalog_entry {
	uint32_t sid;
	char *family;
	char *msg;
	char *classtype; /* NULL when the rule has none */
};

#define CATALOG_NONE ((size_t)-1)

/*
 * Counts waiting for the sink, one per (source, sid): while the sink
 * fails, later drains add into the same entry, so memory grows with the
 * number of keys, not with the length of the outage.
 */
struct pending_count {
	struct source_count sc;
	struct timespec interval_end; /* wall clock of the latest drain */
	struct timespec first_seen, last_seen;
	size_t rule; /* catalog entry when counted; CATALOG_NONE: unclassified */
};

struct feed {
	struct sink *sink;
	const struct anonymizer *anon;
	const char *sensor;
	struct catalog_entry *catalog;
	size_t ncatalog;
	size_t *by_sid; /* catalog indices sorted by sid, the newest of each sid only */
	size_t nby_sid;
	struct pending_count *pending;
	size_t npending;
	bool failing; /* the last write failed (warned once per outage) */
};

void feed_init(struct feed *f, struct sink *sink, const struct anonymizer *anon,
	       const char *sensor);
/*
 * Remember what the rule set's sids stand for, from now on: counts queued
 * earlier keep the labels they were counted under. 0 or -ENOMEM.
 */
int feed_learn_rules(struct feed *f, const struct rule_set *rs);
/*
 * Queue a drain's counts, stamping the interval's end and the current
 * labels. 0, or -ENOMEM with nothing queued (the caller still has them).
 */
int feed_add(struct feed *f, const struct drain_result *d);
/*
 * Hand every queued count to the sink, in batches of 8,192 records (each
 * written whole or not at all). On failure the batches the sink took are
 * gone and the rest stay queued, in order, for the next try. 0, or -1
 * (errno set; the sink says whether the failure is final).
 */
int feed_flush(struct feed *f);
void feed_free(struct feed *f);

#endif
