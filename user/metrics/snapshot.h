/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Metrics a worker thread renders when its values change (after a drain,
 * after a batch) and a scrape copies: the worker never waits for a
 * scraper, only for the copy's short lock.
 */
#ifndef BOTSINK_METRICS_SNAPSHOT_H
#define BOTSINK_METRICS_SNAPSHOT_H

#include <pthread.h>
#include "lib/strbuf.h"

struct metrics_snapshot {
	pthread_mutex_t lock;
	struct strbuf text; /* the last one published */
};

void snapshot_init(struct metrics_snapshot *s);
/* `fresh` becomes the snapshot; it gets the old one's buffer back to reuse. */
void snapshot_publish(struct metrics_snapshot *s, struct strbuf *fresh);
/* Appends the snapshot to out (a scrape). */
void snapshot_copy(struct metrics_snapshot *s, struct strbuf *out);
void snapshot_free(struct metrics_snapshot *s);

#endif
