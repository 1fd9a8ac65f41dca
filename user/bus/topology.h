/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The streams and consumers of the bus (bus.h), created, or brought to
 * this configuration when they exist: the hub does it when it starts,
 * botsink streams when an operator asks.
 *
 *   BOTSINK_COUNTS    botsink.counts.>      file, R replicas, direct get, discard new
 *     botsink-hub     durable pull consumer, every sensor's counts
 *   BOTSINK_PARTNERS  botsink.partner.>, botsink.public   file, R replicas
 *     partner-NAME    durable pull consumer of botsink.partner.NAME
 *     public          durable pull consumer of botsink.public
 *
 * `botsink streams` and the hubs create every consumer; a partner only
 * reads its own (see bus/server_config.h for why it may create none).
 */
#ifndef BOTSINK_TOPOLOGY_H
#define BOTSINK_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <nats/nats.h>
#include "bus/conn.h"

/* ---- the defaults, and why (README: Message bus) ---- */

#define NS_PER_S 1000000000LL /* JetStream durations are in nanoseconds */

/*
 * Every message on all three nodes of the default cluster: one node may be
 * lost (or restarted) without losing a message or stopping a stream.
 */
#define TOPOLOGY_REPLICAS 3
/*
 * Counts wait a day for a hub: a hub down longer than that loses the
 * oldest. Sensors keep their own spool, so this bounds the stream's disk,
 * not the sensors'.
 */
#define TOPOLOGY_COUNTS_MAX_AGE (24 * 3600)
/*
 * 1 GiB of counts, then the stream refuses new messages (discard new) and
 * sensors keep epochs in their spools: counts are never dropped to make
 * room, they wait where they were made.
 */
#define TOPOLOGY_COUNTS_MAX_BYTES (1LL << 30)
/*
 * A message published again with the same id (Nats-Msg-Id) within 10
 * minutes is stored once: a sensor's or hub's retry after a lost
 * acknowledgement or a reconnect. Later restarts compare with the last
 * message stored instead (bus/publish.h).
 */
#define TOPOLOGY_DUPLICATE_WINDOW (10 * 60)
/* A partner that has not pulled for a week loses the oldest records. */
#define TOPOLOGY_PARTNERS_MAX_AGE (7 * 24 * 3600)
/* No size limit by default: max_age bounds the partner stream (discard old). */
#define TOPOLOGY_PARTNERS_MAX_BYTES (-1LL)
/*
 * A message delivered and not acknowledged within 30 s goes to the next
 * pull again (a reader that died mid-batch): readers acknowledge each
 * batch when it is written, in well under that.
 */
#define TOPOLOGY_ACK_WAIT (30)
/*
 * The partner stream's duplicate window is never shorter than this, 2 ack
 * waits, whatever `botsink streams --duplicate-window` says for the counts:
 * a batch of counts whose acknowledgement was lost (a hub killed, or a
 * node killed before it wrote the consumer's state) comes back after the
 * ack wait, and the hub's messages made of it again must be dropped.
 */
#define TOPOLOGY_PARTNERS_MIN_WINDOW 60
/*
 * Messages handed out and not yet acknowledged: the hub takes batches of
 * up to a few hundred from each of several hubs, a partner one batch; the
 * bound keeps a stuck reader from taking the whole stream.
 */
#define TOPOLOGY_HUB_MAX_ACK_PENDING 4096
#define TOPOLOGY_PARTNER_MAX_ACK_PENDING 1024

struct topology {
	int64_t replicas; /* 1 to 5 */
	int64_t counts_max_age, duplicate_window, partners_max_age; /* seconds */
	int64_t counts_max_bytes, partners_max_bytes; /* -1: none */
	const char *const *partners; /* a consumer each */
	size_t npartners;
	/*
	 * Leave what exists as it is (the hub at start: the operator's
	 * `botsink streams` settings stay); create only what is missing.
	 */
	bool create_only;
};

/* t with every default, no partners. */
void topology_defaults(struct topology *t);

/*
 * Create or update both streams, the hub's consumer, public's and each
 * partner's. With `report`, one line per stream and consumer ("stream
 * BOTSINK_COUNTS: created", "... up to date"). 0, or an exit code with the
 * reason in err: 2 when the server refused (a principal without the
 * permission: "permission denied: ..."; a configuration the server
 * cannot take), 1 otherwise.
 */
int topology_apply(struct bus *b, const struct topology *t, FILE *report, char *err, size_t errlen);

/*
 * The configuration of a reader's consumer on BOTSINK_PARTNERS: partner-NAME
 * (filter botsink.partner.NAME) or public (botsink.public). filter is its
 * storage (BUS_NAME_MAX + 32 bytes). -1: not such a consumer.
 */
int topology_reader_consumer(const char *consumer, char *filter, size_t len, jsConsumerConfig *cc);

/*
 * That a reader's consumer exists (`botsink streams` and the hubs create
 * it). 0, or an exit code with the reason, as above: 2 when it is missing.
 */
int topology_check_reader(struct bus *b, const char *consumer, char *err, size_t errlen);

/*
 * A failed JetStream call as text, "WHAT: REASON", and its exit code: 2
 * when the server refused the principal ("permission denied: " and the
 * server's words) or the request (no such stream or consumer, a
 * configuration it cannot take), else 1.
 */
int topology_failure(struct bus *b, natsStatus s, jsErrCode jerr, const char *what, char *err,
		     size_t errlen);

#endif
