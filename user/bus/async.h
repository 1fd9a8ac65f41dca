/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Asynchronous JetStream publishing, as the sensor's publisher and the hub
 * both do it: messages go out with their ids without waiting, libnats'
 * thread counts each acknowledgement or refusal, and settling waits for
 * all of them for as long as they keep coming.
 */
#ifndef BOTSINK_BUS_ASYNC_H
#define BOTSINK_BUS_ASYNC_H

#include <pthread.h>
#include <stdint.h>
#include "bus/conn.h"

#define BUS_ID_MAX 320 /* a message id kept: a record id, with a subject */

/* What came back so far. */
struct bus_acks {
	uint64_t acked, duplicates; /* stored; of them, repeats the stream dropped */
	uint64_t failed; /* refused, or not acknowledged in time */
	char last_acked[BUS_ID_MAX]; /* the id of the last message acknowledged */
};

struct bus_async {
	struct bus *bus;
	jsCtx *js; /* with bus_async's acknowledgement handler */
	pthread_mutex_t lock; /* what follows: written on libnats' thread */
	struct bus_acks acks;
	uint64_t round_failed; /* refusals since the last settle */
	char fail_text[200]; /* the last refusal's reason */
	/* With bus_async_keep_stored: the ids of the messages stored since taken. */
	bool keep_stored;
	char **stored;
	size_t nstored;
};

enum bus_settled {
	BUS_SETTLED = 0, /* every message since the last settle is stored */
	BUS_REFUSED, /* the stream refused some (the reason in why) */
	BUS_SILENT, /* acknowledgements stopped coming: what was in flight is given up */
};

/*
 * A JetStream context on b publishing asynchronously: up to max_pending
 * messages in flight, a publish waiting up to stall_ms for room. 0, or -1
 * with a reason in err.
 */
int bus_async_open(struct bus_async *a, struct bus *b, int64_t max_pending, int64_t stall_ms,
		   char *err, size_t errlen);
/*
 * A message with id msg_id, acknowledged within msg_wait_ms at most; with
 * the header BUS_FORMAT_HEADER: format, unless format is NULL.
 */
natsStatus bus_async_publish(struct bus_async *a, const char *subject, const char *data, size_t len,
			     const char *msg_id, const char *format, int64_t msg_wait_ms);
/*
 * Wait for every outcome as long as they come: BUS_SILENT when none came
 * for idle_ms. tick(arg), if given, is called while waiting (every
 * BUS_WAIT_SLICE_MS). The last refusal's reason goes to why.
 */
enum bus_settled bus_async_settle(struct bus_async *a, int64_t idle_ms, void (*tick)(void *arg),
				  void *arg, char *why, size_t len);
void bus_async_acks(struct bus_async *a, struct bus_acks *out);
/*
 * Keep the id of every message stored from now on, for
 * bus_async_take_stored (a publisher that must know which messages of a
 * round that failed went, when others did not).
 */
void bus_async_keep_stored(struct bus_async *a);
/* The ids kept since the last call (the caller frees each and the array); their count. */
size_t bus_async_take_stored(struct bus_async *a, char ***ids);
void bus_async_close(struct bus_async *a);

#endif
