/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Metrics a worker thread renders when its values change (after a drain,
 * after a batch) and a scrape copies: the worker never waits for a
 * scraper, only for the copy's short lock.
 */
#ifndef BOTSINK_METRICS_SNAPSHOT_H
#define BOTSINK_METRICS_SNAPSHOT_H

#include <pthread.h>
#include <stdbool.h>
#include "lib/strbuf.h"
#include "metrics/server.h"

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

/*
 * A daemon's --metrics (the sensor's, the hub's): the server, and the
 * snapshot its scrapes copy, which the worker renders into scratch.
 */
struct metrics_endpoint {
	bool live; /* started, not yet stopped */
	struct metrics_server *server; /* NULL: no --metrics */
	struct metrics_snapshot snap;
	struct strbuf scratch;
	double started; /* Unix time */
};

/*
 * Listen as cfg says (cfg->listen NULL: no metrics, 0), render(arg) for
 * each scrape. 0, or -1 with the reason in err (a configuration error).
 */
int endpoint_start(struct metrics_endpoint *ep, const struct metrics_config *cfg,
		   metrics_render_fn render, void *arg, char *err, size_t errlen);
/* What was rendered into scratch becomes the snapshot. */
void endpoint_publish(struct metrics_endpoint *ep);
/* Stops the server (waits for a scrape in progress) and frees. Again: nothing. */
void endpoint_stop(struct metrics_endpoint *ep);

#endif
