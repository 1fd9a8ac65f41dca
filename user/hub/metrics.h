/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * botsink hub --metrics: the hub's metrics (README: Metrics). The hub's
 * loop counts into struct hub_metrics and renders it into a snapshot
 * after each batch and every HUB_METRICS_REFRESH_S; a scrape only copies
 * the snapshot, so it never waits for the bus nor the hub for it.
 */
#ifndef BOTSINK_HUB_METRICS_H
#define BOTSINK_HUB_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include "metrics/expo.h"
#include "metrics/server.h"
#include "metrics/snapshot.h"

#define HUB_METRICS_REFRESH_S 2 /* the consumer's lag asked for this often */

/* What went wrong, by kind (the label of botsink_hub_errors_total). */
enum hub_error {
	HUB_ERR_BAD_LINE, /* a line of counts that does not parse: skipped */
	HUB_ERR_NO_ID, /* a message without Nats-Msg-Id: skipped */
	HUB_ERR_VERSION, /* counts of another format version: for another hub */
	HUB_ERR_VIEW, /* records could not be made (memory, keys) */
	HUB_ERR_PUBLISH, /* a record message could not be sent */
	HUB_ERR_REFUSED, /* the stream refused one, or acknowledgements stopped */
	HUB_ERR_FILE, /* a partner's file output failed */
	HUB_ERR_CONSUMER, /* the consumer's state could not be read */
	HUB_ERR_FETCH, /* fetching a batch failed (not a timeout) */
	HUB_ERRORS,
};

/* One view's totals: records and messages published (acknowledged batches). */
struct hub_view_totals {
	char name[80]; /* public, or partner:NAME */
	uint64_t records, messages;
};

struct hub_metrics {
	struct metrics_endpoint ep;
	/* The consumer, as last asked. */
	bool consumer_known;
	uint64_t pending; /* not yet delivered */
	int64_t ack_pending, redelivered; /* delivered, not acknowledged; of them redelivered */
	double oldest_age; /* seconds since the oldest unacknowledged message was stored; 0: none, -1: unknown */
	/* Messages of counts: acknowledged (with their records), sent back, seen again. */
	uint64_t acked, records_in, naks[2], redeliveries; /* naks: failed, version */
	uint64_t publish[3]; /* record messages: stored, repeats dropped, refused */
	struct histogram publish_seconds; /* a batch's record messages: first sent to all stored */
	struct histogram record_delay; /* an epoch's end at the sensor to its records stored */
	uint64_t errors[HUB_ERRORS];
	struct hub_view_totals *views;
	size_t nviews;
};

/*
 * Listen as cfg says (cfg->listen NULL: no metrics, 0). 0, or -1 with the
 * reason in err (a configuration error).
 */
int hub_metrics_start(struct hub_metrics *hm, const struct metrics_config *cfg, char *err,
		      size_t errlen);
/* The next view (in the hub's order), by its label. 0 or -1 (no memory). */
int hub_metrics_view(struct hub_metrics *hm, const char *label);
/* Render what hm holds now for the scrapes. */
void hub_metrics_publish(struct hub_metrics *hm);
void hub_metrics_stop(struct hub_metrics *hm);

#endif
