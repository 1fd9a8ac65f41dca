/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A reader of its own feed (botsink pull): a partner's durable pull
 * consumer partner-NAME, or public's, on BOTSINK_PARTNERS. Messages hold
 * whole record lines; each is written out whole, flushed, and only then
 * acknowledged, so a record is never lost between the stream and the
 * output (a reader stopped before its acknowledgement gets the message
 * again, after the consumer's ack wait).
 */
#ifndef BOTSINK_PULL_H
#define BOTSINK_PULL_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include "bus/conn.h"

#define PULL_BATCH 100 /* messages per fetch */
#define PULL_WAIT_MS 1000 /* the longest fetch: how soon a stop request is seen */

struct pull_config {
	struct bus_config bus;
	const char *consumer; /* NULL: the credentials' user's (partner-NAME, public) */
	unsigned int batch; /* messages per fetch */
	uint32_t max_records; /* stop once this many are written; 0: no limit */
	double idle; /* stop after this many seconds without a message; 0: never */
	volatile sig_atomic_t *stop; /* set (by a signal): stop after the message in hand */
};

struct pull_stats {
	uint64_t messages, records;
};

/*
 * Read into out until idle, max_records or stop. Messages are never
 * split: the last one may take the count past max_records; the rest of
 * its batch goes back to the stream at once. A consumer that does not
 * exist yet is created as the hub would (topology.h). EXIT_OK, or an
 * exit code with the reason in err: 2 for refused credentials,
 * certificates or permissions ("permission denied: " and the server's
 * words), a consumer that is not the user's, 1 for the rest (the cluster
 * out of reach, out unwritable).
 */
int pull_run(const struct pull_config *cfg, FILE *out, struct pull_stats *stats, char *err,
	     size_t errlen);

#endif
