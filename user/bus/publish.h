/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The sensor's publisher: a sink (feed/sink.h) whose records, in the counts
 * format (feed/counts.h), go to stream BOTSINK_COUNTS on subject
 * botsink.counts.SENSOR.
 *
 * Records go in messages of up to PUBLISH_MSG_RECORDS lines: a message
 * holds lines of one epoch only, and starts
 * at the epoch's first record or where the one before it ended, so an
 * epoch written again (after a crash, or from the spool) is cut into the
 * same messages. A message's id (Nats-Msg-Id) is the record id of its
 * first line: the stream drops a repeat within its duplicate window.
 * Beyond the window, what the publisher knows the stream holds decides:
 * the prefix of its messages acknowledged in order, and the messages
 * stored in rounds that failed (a full stream takes a small message after
 * refusing a large one). It keeps both in PUBLISH_STORED_FILE for the
 * next run, which also asks the stream for the last message on its
 * subject (acknowledged just before a kill, say) and, unless it is known
 * or younger than half the window, takes it and those before it as
 * stored (the restart bound is then the stream's retention, not its
 * window); a younger one lets the epoch go again whole, and the stream's
 * dropping heals a message refused before the last one stored.
 *
 * sync() waits until every message is acknowledged: the drainer commits
 * the epoch only then. A message refused or not acknowledged in time, or
 * a cluster out of reach, fails the epoch (it goes to the spool, and is
 * delivered later, in order).
 */
#ifndef BOTSINK_PUBLISH_H
#define BOTSINK_PUBLISH_H

#include <stdint.h>
#include "bus/async.h"
#include "bus/conn.h"
#include "feed/feed.h"
#include "feed/sink.h"

/*
 * Cut by count only, so that the same epoch is cut the same way whatever
 * its labels: 1,000 lines of up to 8 KB fit nats-config's max_payload.
 */
#define PUBLISH_MSG_RECORDS 1000
/*
 * No acknowledgement at all for this long: the cluster is away, the epoch
 * goes to the spool. A large epoch on a busy cluster may take longer, as
 * long as acknowledgements come.
 */
#define PUBLISH_ACK_WAIT_MS 5000
#define PUBLISH_MSG_WAIT_MS 120000 /* one message's acknowledgement, at most */
#define PUBLISH_MAX_PENDING 256 /* messages in flight (up to 128 MB) */

struct publish_config {
	struct bus_config bus;
	const char *sensor;
	/*
	 * The state directory, held (-1: none): what the publisher knows the
	 * stream holds (PUBLISH_STORED_FILE) is kept there, so that a restart
	 * sends only what the stream lacks of an epoch.
	 */
	int state_fd;
};

/* What the publisher did since it started (botsink status). */
struct publish_stats {
	uint64_t messages; /* published */
	uint64_t acked, duplicates; /* of them: stored; dropped by the stream as repeats */
	uint64_t failed; /* refused or not acknowledged in time */
	uint64_t skipped; /* held by the stream before a restart: not published again */
	char last_acked[BUS_ID_MAX]; /* the first record id of the last message acked */
	uint64_t acked_epoch; /* the epoch of last_acked; 0: none */
	bool connected;
};

/*
 * Connect as the credentials say and learn what the stream already holds
 * of this sensor. NULL with a reason in err and *exit_code 2 (refused
 * credentials or certificate, a subject not permitted) or 1. A cluster
 * out of reach is not an error: the publisher connects in the background
 * and epochs wait in the spool until then.
 */
struct sink *publisher_open(const struct publish_config *cfg, int *exit_code, char *err,
			    size_t errlen);
/* s must come from publisher_open. */
void publisher_stats(struct sink *s, struct publish_stats *out);

/*
 * The publisher's state for botsink status, in STATE_DIR/PUBLISH_STATUS_FILE
 * (name in the state directory held as dir; replaced whole each interval):
 * 0 or -1 (errno).
 */
#define PUBLISH_STATUS_FILE "publish.status"
/*
 * PUBLISH_STORED_MAGIC, then "prefix ID" if one is known (every message
 * up to ID of its incarnation is stored), "held ID" lines (stored in
 * rounds that failed), and "end": replaced whole (synced) when it
 * changes. Ids hold no address.
 */
#define PUBLISH_STORED_FILE "publish.stored"
#define PUBLISH_STORED_MAGIC "botsink-stored 2"
int publish_status_save(int dir, const char *name, const struct publish_stats *st,
			unsigned long long spool_bytes);
/* That file's values. */
struct publish_status {
	bool connected;
	unsigned long long messages, acked, duplicates, failed, skipped, spool_bytes;
	char last_acked[RECORD_ID_LEN]; /* the first record id of the last message acked; "-" */
	bool have_epoch; /* last_acked is a record id: */
	unsigned long long last_epoch; /* its epoch */
};

/* That file read: 0, or -1 when there is none (or it is not one). */
int publish_status_read(const char *path, struct publish_status *st);
/* That file as one line of botsink status; nothing when there is none. */
void publish_status_print(FILE *f, const char *path);

#endif
