/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * botsink run --metrics: the sensor's metrics (README: Metrics).
 *
 * Two sources, so that no scrape waits for the daemon nor the daemon for a
 * scrape: what the XDP program counts (frames, check-ins per rule) is read
 * from the maps on the server's thread at each scrape; what the daemon
 * knows (the drain, spools, the publisher, the rules, the keys) it renders
 * after each drain or reload into a snapshot the scrape copies.
 */
#ifndef BOTSINK_SENSOR_METRICS_H
#define BOTSINK_SENSOR_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "kernel/census.h"
#include "metrics/expo.h"
#include "metrics/server.h"
#include "metrics/snapshot.h"

struct daemon;

struct sensor_metrics {
	struct metrics_endpoint ep; /* its snapshot: the daemon's part */
	_Atomic(const struct botsink_maps *) maps; /* set once the maps are open */
	atomic_uint rules_version; /* bumped when the rules change */
	atomic_ullong commit_mono_ns; /* CLOCK_MONOTONIC of the last commit, or of the start */
	/* The server's thread only: the rules as last read (their totals: each scrape). */
	struct census_rule *rules;
	size_t nrules;
	unsigned int rules_seen;
	/* The daemon's thread only. */
	struct histogram epoch_seconds;
	uint64_t epochs[2]; /* committed, held */
	uint64_t records;
	uint64_t reloads[2]; /* applied, refused */
	unsigned long long epoch; /* the last committed, as last seen */
	unsigned long long epoch_at_start; /* the pins' when the run started */
	uint64_t epoch_end_ns; /* CLOCK_REALTIME: the end of the last epoch this run committed */
	uint64_t commit_wall_ns;
};

/*
 * Listen as cfg says (cfg->listen NULL: no metrics, 0). 0, or -1 with the
 * reason in err: a configuration error, found before anything changed.
 */
int sensor_metrics_start(struct sensor_metrics *sm, const struct metrics_config *cfg, char *err,
			 size_t errlen);
/* The daemon counts (maps open, rules installed): everything is served from now on. */
void sensor_metrics_ready(struct sensor_metrics *sm, const struct daemon *d);
/* After a drain step: its outcome (enum drain_outcome) and how long it took. */
void sensor_metrics_drained(struct sensor_metrics *sm, const struct daemon *d, int outcome,
			    double seconds);
/* After a reload, applied or refused. */
void sensor_metrics_reloaded(struct sensor_metrics *sm, const struct daemon *d, bool applied);
/* Before the maps close: no scrape reads them any more. Again: nothing. */
void sensor_metrics_stop(struct sensor_metrics *sm);

#endif
