/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * From drained counts to records in a sink. Anonymization happens when a
 * record is built, so a raw address never leaves the process in an
 * anonymized mode.
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

/* One drained generation, as written: its number and when it ended. */
struct epoch {
	unsigned long long incarnation; /* of the drain state: ids never repeat across runs */
	unsigned long long number;
	struct timespec end; /* wall clock when the generation was swapped out */
	unsigned long long end_mono_ns; /* CLOCK_MONOTONIC_COARSE then */
};

struct feed {
	struct sink *sink;
	const struct anonymizer *anon;
	const char *sensor;
	struct catalog_entry *catalog;
	size_t ncatalog;
	size_t *by_sid; /* catalog indices sorted by sid, the newest of each sid only */
	size_t nby_sid;
};

void feed_init(struct feed *f, struct sink *sink, const struct anonymizer *anon,
	       const char *sensor);
/*
 * Remember what the rule set's sids stand for: records written from now on
 * carry these labels (a sid's newest entry wins). 0 or -ENOMEM.
 */
int feed_learn_rules(struct feed *f, const struct rule_set *rs);
/*
 * Write an epoch's counts as records in the order read (a generation that
 * nothing writes any more reads the same every time, so a re-emitted epoch
 * gets the same record ids: sensor:incarnation:epoch:index), handed to the
 * sink in batches of 8,192 records. 0, or -1 (errno set) with part of the
 * epoch possibly written: the caller rolls the output back or gives up.
 */
int feed_write_epoch(struct feed *f, const struct epoch *e, const struct drain_result *d);
void feed_free(struct feed *f);

#endif
