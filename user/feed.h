/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * From drained counts to records in a sink. Counts wait here, raw, until
 * the sink has taken them: anonymization happens when a record is built,
 * so a raw address never leaves the process in an anonymized mode.
 */
#ifndef BOTSINK_FEED_H
#define BOTSINK_FEED_H

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
};

struct pending_count {
	struct source_count sc;
	struct timespec interval_end; /* wall clock */
	struct timespec first_seen, last_seen;
};

struct feed {
	struct sink *sink;
	const struct anonymizer *anon;
	const char *sensor;
	struct catalog_entry *catalog;
	size_t ncatalog;
	struct pending_count *pending;
	size_t npending;
};

void feed_init(struct feed *f, struct sink *sink, const struct anonymizer *anon,
	       const char *sensor);
/* Remember what the rule set's sids stand for. 0 or -ENOMEM. */
int feed_learn_rules(struct feed *f, const struct rule_set *rs);
/* Queue a drain's counts, stamping the interval's end. 0 or -ENOMEM. */
int feed_add(struct feed *f, const struct drain_result *d);
/*
 * Hand every queued count to the sink, in one batch. On failure all stay
 * queued for the next try. 0, or -1 (errno set).
 */
int feed_flush(struct feed *f);
void feed_free(struct feed *f);

#endif
