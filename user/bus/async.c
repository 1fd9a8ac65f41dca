// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bus/async.h"
#include "lib/util.h"

#define BUS_WAIT_SLICE_MS 250 /* settling looks at the progress this often */

static void on_ack(jsCtx *js, natsMsg *m, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	struct bus_async *a = closure;
	const char *id = NULL;

	(void)js;
	natsMsgHeader_Get(m, "Nats-Msg-Id", &id);
	pthread_mutex_lock(&a->lock);
	if (pa) {
		a->acks.acked++;
		a->acks.duplicates += pa->Duplicate;
		if (id)
			snprintf(a->acks.last_acked, sizeof(a->acks.last_acked), "%s", id);
		/* Without memory the id is not kept: its message may go again (a repeat). */
		if (id && a->keep_stored &&
		    array_grow((void **)&a->stored, a->nstored + 1, sizeof(*a->stored)) &&
		    (a->stored[a->nstored] = strdup(id)))
			a->nstored++;
	} else {
		a->acks.failed++;
		a->round_failed++;
		snprintf(a->fail_text, sizeof(a->fail_text), "%s",
			 pae && pae->ErrText ? pae->ErrText :
			 pae		     ? natsStatus_GetText(pae->Err) :
					       "no acknowledgement");
	}
	pthread_mutex_unlock(&a->lock);
	natsMsg_Destroy(m);
}

int bus_async_open(struct bus_async *a, struct bus *b, int64_t max_pending, int64_t stall_ms,
		   char *err, size_t errlen)
{
	jsOptions o;
	natsStatus s;

	memset(a, 0, sizeof(*a));
	a->bus = b;
	pthread_mutex_init(&a->lock, NULL);
	s = jsOptions_Init(&o);
	o.PublishAsync.MaxPending = max_pending;
	o.PublishAsync.StallWait = stall_ms; /* a full window waits for acknowledgements */
	o.PublishAsync.AckHandler = on_ack;
	o.PublishAsync.AckHandlerClosure = a;
	if (s == NATS_OK)
		s = natsConnection_JetStream(&a->js, b->nc, &o);
	if (s == NATS_OK)
		return 0;
	snprintf(err, errlen, "JetStream: %s", bus_error(b, s));
	return -1;
}

natsStatus bus_async_publish(struct bus_async *a, const char *subject, const char *data, size_t len,
			     const char *msg_id, const char *format, int64_t msg_wait_ms)
{
	natsMsg *m = NULL;
	jsPubOptions po;
	natsStatus s;

	jsPubOptions_Init(&po);
	po.MsgId = msg_id;
	po.MaxWait = msg_wait_ms;
	if (!format)
		return js_PublishAsync(a->js, subject, data, (int)len, &po);
	s = natsMsg_Create(&m, subject, NULL, data, (int)len);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, BUS_FORMAT_HEADER, format);
	if (s == NATS_OK)
		s = js_PublishMsgAsync(a->js, &m, &po); /* m is libnats' once sent */
	natsMsg_Destroy(m);
	return s;
}

void bus_async_acks(struct bus_async *a, struct bus_acks *out)
{
	pthread_mutex_lock(&a->lock);
	*out = a->acks;
	pthread_mutex_unlock(&a->lock);
}

static uint64_t outcomes(struct bus_async *a)
{
	struct bus_acks now;

	bus_async_acks(a, &now);
	return now.acked + now.failed;
}

enum bus_settled bus_async_settle(struct bus_async *a, int64_t idle_ms, void (*tick)(void *arg),
				  void *arg, char *why, size_t len)
{
	natsMsgList pending = { 0 };
	uint64_t seen = outcomes(a), failed;
	int64_t still = 0;
	jsPubOptions po;
	natsStatus s;

	jsPubOptions_Init(&po);
	po.MaxWait = BUS_WAIT_SLICE_MS;
	while ((s = js_PublishAsyncComplete(a->js, &po)) == NATS_TIMEOUT) {
		uint64_t now = outcomes(a);

		still = now == seen ? still + BUS_WAIT_SLICE_MS : 0;
		seen = now;
		if (still >= idle_ms)
			break;
		if (tick)
			tick(arg);
	}
	/* Given up: its outcome is no longer reported. */
	if (s == NATS_TIMEOUT && js_PublishAsyncGetPendingList(&pending, a->js) == NATS_OK)
		natsMsgList_Destroy(&pending);
	pthread_mutex_lock(&a->lock);
	failed = a->round_failed;
	a->round_failed = 0;
	snprintf(why, len, "%s", failed ? a->fail_text : "no acknowledgement in time");
	pthread_mutex_unlock(&a->lock);
	if (s != NATS_OK)
		return BUS_SILENT;
	return failed ? BUS_REFUSED : BUS_SETTLED;
}

void bus_async_keep_stored(struct bus_async *a)
{
	pthread_mutex_lock(&a->lock);
	a->keep_stored = true;
	pthread_mutex_unlock(&a->lock);
}

size_t bus_async_take_stored(struct bus_async *a, char ***ids)
{
	size_t n;

	pthread_mutex_lock(&a->lock);
	*ids = a->stored;
	n = a->nstored;
	a->stored = NULL;
	a->nstored = 0;
	pthread_mutex_unlock(&a->lock);
	return n;
}

static void free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

void bus_async_close(struct bus_async *a)
{
	if (!a->bus)
		return;
	jsCtx_Destroy(a->js);
	free_ids(a->stored, a->nstored);
	pthread_mutex_destroy(&a->lock);
	memset(a, 0, sizeof(*a));
}
