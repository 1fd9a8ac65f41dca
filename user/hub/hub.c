// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bus/async.h"
#include "bus/conn.h"
#include "bus/keyshare.h"
#include "bus/pack.h"
#include "bus/publish.h"
#include "bus/topology.h"
#include "enrich/enrich.h"
#include "feed/counts.h"
#include "feed/feed.h"
#include "feed/outputs.h"
#include "feed/partners.h"
#include "hub/hub.h"
#include "hub/metrics.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#define HUB_FETCH_WAIT_MS 1000 /* a fetch returns after this with what came */
#define HUB_HEAP_BLOCK_MAX (16 << 20) /* blocks up to this come from the heap (hub_run) */
#define HUB_START_TRIES 30 /* a second apart: a cluster not answering at start */
#define HUB_ACK_WAIT_MS 10000 /* no acknowledgement for this long: the batch comes back */
#define HUB_MSG_WAIT_MS 120000 /* one record message's acknowledgement, at most */
#define HUB_MAX_PENDING 4096 /* record messages in flight */
#define HUB_NAK_DELAY_MS 1000 /* a batch that could not be delivered comes back after */
#define HUB_NAK_VERSION_MS 60000 /* counts of another version: for another hub, later */
#define HUB_IN_PROGRESS_S 10 /* a batch waited on this long is said to be in progress */
#define HUB_REPORT_S 10 /* the consumer's lag, in the log */
#define HUB_KEY_SYNC_S 10 /* keys rotated in by another hub are taken within this */

/* One view's records of the message in hand, as one message to its subject. */
struct hub_view {
	struct feed_view view;
	struct sink sink; /* appends to out */
	char subject[sizeof(BUS_PARTNER_SUBJECT) + BUS_NAME_MAX];
	enum record_format format;
	struct strbuf out;
	size_t records;
	struct sink *file; /* the partner's output in the partners file (locked), or NULL */
	struct strbuf file_out; /* its records of the batch, written once the batch is stored */
	uint64_t round_records, round_messages; /* of the batch in hand */
};

struct hub_stats {
	uint64_t messages_in, records_in;
	uint64_t messages_out, records_out;
};

struct hub {
	const struct hub_config *cfg;
	struct bus *bus;
	struct bus_async pub; /* publishes the record messages */
	bool pub_open;
	natsSubscription *sub;
	struct enricher enrich;
	struct feed feed;
	int state_fd; /* the state directory, held open (private_dir_open); -1 */
	int lock_fd; /* the lock on HUB_PID_FILE: this hub's state directory alone; -1 */
	char keys_dir[4096];
	struct key_store keys;
	struct keyshare *share; /* the hubs' bucket: NULL when no view has keys */
	bool keyed[2]; /* ipcrypt-pfx, ipcrypt-deterministic: a view uses it */
	bool keys_synced;
	long long synced_start, synced_at; /* the period synced up to, and when */
	struct partner_set partners;
	struct hub_view *views;
	size_t nviews;
	struct feed_count *counts;
	size_t cap;
	size_t nparsed; /* counts of the last message read: their evidence is freed with the next */
	struct strbuf text; /* the message in hand, parsed in place */
	natsMsgList *batch; /* the batch in hand */
	time_t batch_touched; /* when it was fetched or last said to be in progress */
	struct hub_stats stats;
	struct hub_stats round; /* of the batch in hand: into stats once it is acknowledged */
	struct hub_metrics metrics;
	double ends[HUB_BATCH_MAX]; /* the batch's epochs' ends (Unix time), for the record delay */
	size_t nends;
	uint64_t first_sent; /* CLOCK_MONOTONIC: the batch's first record message; 0: none yet */
	jsConsumerInfo *consumer; /* as last asked, or NULL */
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* A view's sink: records in its format, appended to its message. */
static int view_emit(struct sink *s, const struct feed_record *recs, size_t n)
{
	struct hub_view *v = (struct hub_view *)((char *)s - offsetof(struct hub_view, sink));

	for (size_t i = 0; i < n; i++)
		record_format(v->format, &recs[i], &v->out);
	v->records += n;
	if (v->out.oom) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static void view_close(struct sink *s)
{
	(void)s;
}

static const struct sink_ops view_ops = { .emit = view_emit, .close = view_close };

/*
 * A partner's output file, as botsink run checks it, and this hub's alone:
 * a hub cuts back what it could not finish, which must be its own.
 */
static int open_file(struct hub_view *v, const struct partner *p, char *err, size_t errlen)
{
	char why[512];

	if (output_check_partner_path(p->output, why, sizeof(why))) {
		snprintf(err, errlen, "partner %s: %s", p->name, why);
		return -1;
	}
	v->file = sink_file_open(p->output, v->format, SINK_REGULAR, why, sizeof(why));
	if (!v->file) {
		snprintf(err, errlen, "partner %s: %s", p->name, why);
		return -1;
	}
	if (sink_file_lock(v->file)) {
		snprintf(err, errlen, "partner %s: %s: %s", p->name, p->output,
			 errno == EWOULDBLOCK ?
				 "another hub writes it: give each hub its own file" :
				 strerror(errno));
		return -1;
	}
	return 0;
}

static int add_view(struct hub *h, const char *name, const struct partner *p, enum anon_mode anon,
		    enum record_format format, bool verified_only, enum evidence_level evidence,
		    char *err, size_t errlen)
{
	struct hub_view *v = &h->views[h->nviews];
	struct keyring *keys = NULL;

	if (anon_key_len(anon) && !(keys = key_store_get(&h->keys, anon, err, errlen)))
		return -1;
	if (keys)
		h->keyed[anon == ANON_IPCRYPT_DETERMINISTIC] = true;
	if (feed_view_init(&v->view, &h->feed, name, p, anon, keys, format, verified_only, err,
			   errlen))
		return -1;
	v->view.evidence = evidence;
	v->sink = (struct sink){ .ops = &view_ops, .name = v->subject };
	v->format = format;
	if (p)
		snprintf(v->subject, sizeof(v->subject), "%s%s", BUS_PARTNER_SUBJECT, name);
	else
		snprintf(v->subject, sizeof(v->subject), "%s", BUS_PUBLIC_SUBJECT);
	h->nviews++;
	if (p && p->output)
		return open_file(v, p, err, errlen);
	return 0;
}

/* The public view, then one per partner. */
static int open_views(struct hub *h, char *err, size_t errlen)
{
	const struct hub_config *c = h->cfg;

	h->views = calloc(1 + h->partners.n, sizeof(*h->views));
	if (!h->views) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -1;
	}
	if (c->no_public && !h->partners.n) {
		snprintf(err, errlen, "--no-public and no partners: nothing to publish");
		return -1;
	}
	if (!c->no_public &&
	    add_view(h, "public", NULL, c->anon, c->format, c->verified_only, c->evidence, err,
		     errlen))
		return -1;
	for (size_t i = 0; i < h->partners.n; i++) {
		const struct partner *p = &h->partners.p[i];

		if (!bus_name_valid(p->name)) {
			snprintf(err, errlen,
				 "%s:%u: partner '%s' cannot be a subject: [A-Za-z0-9_-] only",
				 c->partners_path, p->line, p->name);
			return -1;
		}
		if (add_view(h, p->name, p, p->anon, p->format, p->verified_only, p->evidence, err,
			     errlen))
			return -1;
	}
	return 0;
}

static int load_partners(struct hub *h)
{
	if (!h->cfg->partners_path)
		return 0;
	return partners_load(h->cfg->partners_path,
			     PARTNERS_OUTPUT_OPTIONAL |
				     (enricher_has_asn(&h->enrich) ? PARTNERS_HAVE_ASN_DB : 0),
			     NULL, &h->partners, stderr);
}

static int room_for(struct hub *h, size_t n)
{
	if (n <= h->cap)
		return 0;
	if (!array_grow((void **)&h->counts, n, sizeof(*h->counts)))
		return -1;
	h->cap = n;
	return 0;
}

/*
 * The counts of one message, enriched. Lines that are not counts are
 * reported by position only (they may hold raw addresses) and skipped.
 */
/*
 * The message's counts lines into h->text, to parse in place (with room
 * for a last line's terminator): unpacked (bus/pack.h), or copied. 0; 1
 * for a format this hub does not read (the message goes back); -1 for a
 * packed message that does not unpack (said; it is skipped).
 */
static int message_text(struct hub *h, natsMsg *m, const char *id)
{
	const char *format = NULL, *data = natsMsg_GetData(m);
	size_t len = (size_t)natsMsg_GetDataLength(m);
	char err[160];

	/* No header (or none readable): plain lines, as sensors sent before packing. */
	if (natsMsgHeader_Get(m, BUS_FORMAT_HEADER, &format) != NATS_OK || !format) {
		sb_reset(&h->text);
		sb_append(&h->text, data, len);
		return 0;
	}
	if (strcmp(format, BUS_COUNTS_PACKED)) {
		log_error("message %s: counts as %.32s: it goes back, for a hub that reads them",
			  id, format);
		h->metrics.errors[HUB_ERR_VERSION]++;
		return 1;
	}
	if (!bus_unpack(data, len, &h->text, err, sizeof(err)))
		return 0;
	if (errno == ENOMEM) {
		h->text.oom = true; /* it comes back */
		return 0;
	}
	log_error("message %s: %s; skipped", id, err);
	h->metrics.errors[HUB_ERR_BAD_LINE]++;
	return -1;
}

static int read_counts(struct hub *h, natsMsg *m, const char *id, size_t *out)
{
	size_t len, n = 0, line = 0, lines = 1;
	char err[160], *data;
	int ret;

	*out = 0;
	counts_release(h->counts, h->nparsed);
	h->nparsed = 0;
	ret = message_text(h, m, id);
	if (ret)
		return ret > 0 ? 1 : 0;
	if (h->text.oom)
		goto nomem;
	data = h->text.buf;
	len = h->text.len;
	data[len] = '\n'; /* over the NUL: a strbuf keeps room for it */
	/* Room first: a count points into itself (its record id). */
	for (const char *p = data; (p = memchr(p, '\n', (size_t)(data + len - p))); p++)
		lines++;
	/* A publisher's messages hold up to PUBLISH_MSG_RECORDS: no room made for more. */
	if (lines > PUBLISH_MSG_RECORDS + 1) {
		log_error("message %s: more lines than a message of counts holds (%d); skipped", id,
			  PUBLISH_MSG_RECORDS);
		h->metrics.errors[HUB_ERR_BAD_LINE]++;
		return 0;
	}
	if (room_for(h, lines))
		goto nomem;
	for (size_t at = 0; at < len; line++) {
		char *nl = memchr(data + at, '\n', len + 1 - at);
		size_t l = (size_t)(nl - (data + at));

		if (l > 2 && !counts_version_known(data + at, l) && !memcmp(data + at, "C", 1)) {
			/* Another version of the format: a newer hub's work. */
			log_error(
				"message %s: counts of another version (%.2s): it goes back, for a hub that reads them",
				id, data + at);
			h->metrics.errors[HUB_ERR_VERSION]++;
			return 1;
		}
		if (l && !counts_parse(data + at, l, &h->counts[n], err, sizeof(err))) {
			feed_count_enrich(&h->feed, &h->counts[n]);
			h->nparsed = ++n;
		} else if (l) {
			h->metrics.errors[HUB_ERR_BAD_LINE]++;
			log_error("message %s, line %zu: %s; skipped", id, line + 1, err);
		}
		at += l + 1;
	}
	*out = n;
	return 0;
nomem:
	log_error("message %s: %s", id, strerror(ENOMEM));
	return -1;
}

/*
 * A partner's file output too, if it has one, once the batch's messages
 * are stored and before it is acknowledged: at least once (a batch that
 * comes back is written again, its records with the same ids), synced.
 * 0 or -1.
 */
static int write_file(const struct hub_view *v)
{
	long long size = sink_size(v->file);
	long long n = sink_write_raw(v->file, v->file_out.buf, v->file_out.len);
	int saved = n < 0 ? errno : EIO;

	if (n == (long long)v->file_out.len && !sink_sync(v->file))
		return 0;
	if (size >= 0)
		sink_rollback(v->file, (unsigned long long)size); /* no part of a record stays */
	log_warn("%s: %s; the batch comes back", v->file->name, strerror(saved));
	return -1;
}

/* Each view's records of the message, published with an id of view and message. */
static int publish_views(struct hub *h, const char *id)
{
	for (size_t i = 0; i < h->nviews; i++) {
		struct hub_view *v = &h->views[i];
		char msg_id[RECORD_ID_LEN + sizeof(v->subject) + 1];
		natsStatus s;

		if (!v->records)
			continue;
		if (v->file)
			sb_append(&v->file_out, v->out.buf, v->out.len);
		if (v->file_out.oom) {
			h->metrics.errors[HUB_ERR_VIEW]++;
			return -1;
		}
		snprintf(msg_id, sizeof(msg_id), "%s:%s", v->subject, id);
		if (!h->first_sent)
			h->first_sent = clock_ns(CLOCK_MONOTONIC);
		s = bus_async_publish(&h->pub, v->subject, v->out.buf, v->out.len, msg_id,
				      record_format_name(v->format), HUB_MSG_WAIT_MS);
		if (s != NATS_OK) {
			log_warn("publish to %s: %s", v->subject, bus_error(h->bus, s));
			h->metrics.errors[HUB_ERR_PUBLISH]++;
			return -1;
		}
		h->round.messages_out++;
		h->round.records_out += v->records;
		v->round_messages++;
		v->round_records += v->records;
	}
	return 0;
}

/*
 * The key directory as the bucket has it, the key due for t created there
 * if no hub did yet: before the keyrings choose keys for an epoch that
 * ended at t. Synced again when t enters a new period, and every
 * HUB_KEY_SYNC_S. 0 or -1 (said).
 */
static int sync_keys(struct hub *h, long long t)
{
	static const enum anon_mode modes[] = { ANON_IPCRYPT_PFX, ANON_IPCRYPT_DETERMINISTIC };
	enum key_rotate rotate = h->cfg->key_rotate;
	long long start, now = (long long)time(NULL);
	char err[512];

	if (!h->share ||
	    (h->keys_synced && !keyring_key_due(rotate, true, h->synced_start, t, &start) &&
	     now - h->synced_at < HUB_KEY_SYNC_S))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		if (h->keyed[i] &&
		    keyshare_sync(h->share, modes[i], rotate, t, err, sizeof(err)) < 0) {
			log_error("keys: %s", err);
			return -1;
		}
	}
	keyring_key_due(rotate, false, 0, t > now ? t : now, &h->synced_start);
	h->synced_at = now;
	h->keys_synced = true;
	return 0;
}

/* A message of counts delivered before (to this hub or another). */
static void count_redelivery(struct hub *h, natsMsg *m)
{
	jsMsgMetaData *meta = NULL;

	if (natsMsg_GetMetaData(&meta, m) != NATS_OK)
		return;
	h->metrics.redeliveries += meta->NumDelivered > 1;
	jsMsgMetaData_Destroy(meta);
}

/*
 * One message of counts into every view's message. 0; -1: not delivered;
 * 1: counts of another version, for another hub.
 */
static int process(struct hub *h, natsMsg *m)
{
	struct feed_target *t = calloc(h->nviews ? h->nviews : 1, sizeof(*t));
	const char *id = NULL;
	size_t n;
	int ret = -1;

	if (!t)
		return -1;
	if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) != NATS_OK || !id) {
		log_error("a message on %s without an id: skipped", natsMsg_GetSubject(m));
		h->metrics.errors[HUB_ERR_NO_ID]++;
		free(t);
		return 0;
	}
	count_redelivery(h, m);
	ret = read_counts(h, m, id, &n);
	if (ret) {
		free(t);
		return ret;
	}
	ret = -1;
	h->round.messages_in++;
	h->round.records_in += n;
	for (size_t i = 0; i < h->nviews; i++) {
		sb_reset(&h->views[i].out);
		h->views[i].records = 0;
		t[i] = (struct feed_target){ .view = &h->views[i].view, .sink = &h->views[i].sink };
	}
	if (!n) {
		ret = 0;
		goto out;
	}
	/* A message holds one epoch: one time, one key per view. */
	if (sync_keys(h, (long long)h->counts[0].rec.timestamp.tv_sec) ||
	    feed_write_counts(&h->feed, (long long)h->counts[0].rec.timestamp.tv_sec, h->counts, n,
			      true, t, h->nviews)) {
		h->metrics.errors[HUB_ERR_VIEW]++;
		goto out;
	}
	ret = publish_views(h, id);
	if (!ret && h->nends < ARRAY_SIZE(h->ends))
		h->ends[h->nends++] = (double)h->counts[0].rec.timestamp.tv_sec +
				      (double)h->counts[0].rec.timestamp.tv_nsec / 1e9;
out:
	free(t);
	return ret;
}

/*
 * While the batch's record messages are waited on: a long wait is no
 * stall, the batch stays this hub's (the consumer's ack wait is 30 s).
 */
static void still_in_progress(void *arg)
{
	struct hub *h = arg;
	time_t now = time(NULL);

	if (!h->batch || now - h->batch_touched < HUB_IN_PROGRESS_S)
		return;
	for (int i = 0; i < h->batch->Count; i++)
		natsMsg_InProgress(h->batch->Msgs[i], NULL);
	h->batch_touched = now;
}

/* The batch in hand was acknowledged: its counts go into the totals. */
static void count_acknowledged(struct hub *h, int messages)
{
	double now = (double)clock_ns(CLOCK_REALTIME) / 1e9;

	h->stats.messages_in += h->round.messages_in;
	h->stats.records_in += h->round.records_in;
	h->stats.messages_out += h->round.messages_out;
	h->stats.records_out += h->round.records_out;
	h->metrics.acked += (uint64_t)messages;
	h->metrics.records_in += h->round.records_in;
	for (size_t i = 0; i < h->nviews && i < h->metrics.nviews; i++) {
		h->metrics.views[i].records += h->views[i].round_records;
		h->metrics.views[i].messages += h->views[i].round_messages;
	}
	/* A sensor's clock ahead of the hub's is no negative delay. */
	for (size_t i = 0; i < h->nends; i++)
		histogram_observe(&h->metrics.record_delay,
				  now > h->ends[i] ? now - h->ends[i] : 0);
}

/*
 * A fetched batch: every message's records published and acknowledged,
 * then the batch acknowledged; or, when one failed, the batch comes back.
 */
static void handle_batch(struct hub *h, natsMsgList *list)
{
	enum bus_settled settled;
	bool later = false;
	char why[200];
	int ok = 1;

	for (size_t i = 0; i < h->nviews; i++) {
		sb_reset(&h->views[i].file_out);
		h->views[i].round_records = h->views[i].round_messages = 0;
	}
	h->batch = list;
	h->batch_touched = time(NULL);
	h->nends = 0;
	h->first_sent = 0;
	memset(&h->round, 0, sizeof(h->round));
	for (int i = 0; i < list->Count && ok; i++) {
		int r = process(h, list->Msgs[i]);

		ok = !r;
		later |= r > 0;
	}
	settled =
		bus_async_settle(&h->pub, HUB_ACK_WAIT_MS, still_in_progress, h, why, sizeof(why));
	ok &= settled == BUS_SETTLED;
	if (settled == BUS_SETTLED && h->first_sent)
		histogram_observe(&h->metrics.publish_seconds,
				  (double)(clock_ns(CLOCK_MONOTONIC) - h->first_sent) / 1e9);
	else if (settled != BUS_SETTLED)
		h->metrics.errors[HUB_ERR_REFUSED]++;
	for (size_t i = 0; i < h->nviews && ok; i++) {
		if (h->views[i].file && h->views[i].file_out.len && write_file(&h->views[i])) {
			h->metrics.errors[HUB_ERR_FILE]++;
			ok = 0;
		}
	}
	if (ok) {
		/* Its records stored, the batch not acknowledged: the worst moment for a crash. */
		if (list->Count)
			failpoint("hub-after-publish");
		for (int i = 0; i < list->Count; i++)
			natsMsg_Ack(list->Msgs[i], NULL);
		count_acknowledged(h, list->Count);
		h->batch = NULL;
		return;
	}
	if (settled == BUS_SETTLED)
		snprintf(why, sizeof(why), "%s", later ? "another version" : "a view failed");
	log_warn("%d messages of counts not delivered (%s); they come back", list->Count, why);
	for (int i = 0; i < list->Count; i++)
		natsMsg_NakWithDelay(list->Msgs[i], later ? HUB_NAK_VERSION_MS : HUB_NAK_DELAY_MS,
				     NULL);
	h->metrics.naks[later] += (uint64_t)list->Count;
	h->batch = NULL;
}

/*
 * The oldest message of counts not yet acknowledged: the first one after
 * the acknowledgement floor still in the stream (a direct get, from any
 * node). Seconds since the stream stored it; 0 when nothing is pending,
 * -1 when it cannot be told.
 */
static double oldest_pending(struct hub *h, const jsConsumerInfo *ci)
{
	jsDirectGetMsgOptions o;
	natsMsg *m = NULL;
	time_t at;

	if (!ci->NumPending && !ci->NumAckPending)
		return 0;
	jsDirectGetMsgOptions_Init(&o);
	o.Sequence = ci->AckFloor.Stream + 1;
	o.NextBySubject = BUS_COUNTS_SUBJECT ">";
	if (js_DirectGetMsg(&m, h->bus->js, BUS_COUNTS_STREAM, NULL, &o) != NATS_OK)
		return -1;
	at = bus_stored_at(m);
	natsMsg_Destroy(m);
	if (!at)
		return -1;
	return (double)clock_ns(CLOCK_REALTIME) / 1e9 - (double)at;
}

/* The consumer's state, for the log and the metrics. */
static void refresh_consumer(struct hub *h)
{
	struct hub_metrics *hm = &h->metrics;
	jsConsumerInfo *ci = NULL;
	struct bus_acks acks;
	jsErrCode e = 0;
	natsStatus s =
		js_GetConsumerInfo(&ci, h->bus->js, BUS_COUNTS_STREAM, BUS_HUB_CONSUMER, NULL, &e);

	bus_async_acks(&h->pub, &acks);
	hm->publish[0] = acks.acked - acks.duplicates;
	hm->publish[1] = acks.duplicates;
	hm->publish[2] = acks.failed;
	if (s != NATS_OK) {
		log_warn("consumer %s: %s", BUS_HUB_CONSUMER, bus_error(h->bus, s));
		hm->errors[HUB_ERR_CONSUMER]++;
		hm->consumer_known = false; /* no stale lag shown as current */
		return;
	}
	jsConsumerInfo_Destroy(h->consumer);
	h->consumer = ci;
	hm->consumer_known = true;
	hm->pending = ci->NumPending;
	hm->ack_pending = ci->NumAckPending;
	hm->redelivered = ci->NumRedelivered;
	hm->oldest_age = hm->ep.server ? oldest_pending(h, ci) : 0;
}

static void report(struct hub *h)
{
	const jsConsumerInfo *ci = h->consumer;

	if (!ci)
		return;
	log_info(
		"consumer %s: %llu pending, %lld unacknowledged, %lld redelivered; in %llu messages (%llu records), out %llu messages (%llu records), %llu repeats dropped, %llu refused",
		BUS_HUB_CONSUMER, (unsigned long long)ci->NumPending, (long long)ci->NumAckPending,
		(long long)ci->NumRedelivered, (unsigned long long)h->stats.messages_in,
		(unsigned long long)h->stats.records_in, (unsigned long long)h->stats.messages_out,
		(unsigned long long)h->stats.records_out, (unsigned long long)h->metrics.publish[1],
		(unsigned long long)h->metrics.publish[2]);
}

static int loop(struct hub *h)
{
	int every = h->metrics.ep.server ? HUB_METRICS_REFRESH_S : HUB_REPORT_S;
	time_t reported = time(NULL), refreshed = 0;

	while (!stop_requested) {
		natsMsgList list = { 0 };
		jsErrCode e = 0;
		natsStatus s = natsSubscription_Fetch(&list, h->sub, (int)h->cfg->batch,
						      HUB_FETCH_WAIT_MS, &e);

		if (s == NATS_OK) {
			handle_batch(h, &list);
		} else if (natsConnection_IsClosed(h->bus->nc)) {
			return EXIT_RUNTIME;
		} else if (s != NATS_TIMEOUT) {
			h->metrics.errors[HUB_ERR_FETCH]++;
			sleep(1); /* the cluster is away: libnats reconnects */
		}
		bus_watch(h->bus, "hub", "counts wait in the stream");
		natsMsgList_Destroy(&list);
		if (time(NULL) - refreshed >= every) {
			refresh_consumer(h);
			refreshed = time(NULL);
		}
		if (time(NULL) - reported >= HUB_REPORT_S) {
			report(h);
			reported = time(NULL);
		}
		hub_metrics_publish(&h->metrics);
	}
	refresh_consumer(h);
	report(h);
	return EXIT_OK;
}

static int subscribe(struct hub *h, char *err, size_t errlen)
{
	jsSubOptions so;
	jsErrCode e = 0;
	natsStatus s;

	jsSubOptions_Init(&so);
	so.Stream = BUS_COUNTS_STREAM;
	so.Consumer = BUS_HUB_CONSUMER;
	s = js_PullSubscribe(&h->sub, h->bus->js, BUS_COUNTS_SUBJECT ">", BUS_HUB_CONSUMER, NULL,
			     &so, &e);
	if (s != NATS_OK)
		snprintf(err, errlen, "consumer %s on %s: %s", BUS_HUB_CONSUMER, BUS_COUNTS_STREAM,
			 bus_error(h->bus, s));
	return s == NATS_OK ? 0 : -1;
}

/*
 * The streams and consumers, with the defaults where they are missing
 * (what exists keeps the settings `botsink streams` gave it). An exit code.
 */
static int ensure_topology(struct hub *h, char *err, size_t errlen)
{
	const char **names = calloc(h->partners.n + 1, sizeof(*names));
	struct topology t;
	int ret;

	if (!names) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return EXIT_RUNTIME;
	}
	topology_defaults(&t);
	t.replicas = h->cfg->replicas;
	for (size_t i = 0; i < h->partners.n; i++)
		names[i] = h->partners.p[i].name;
	t.partners = names;
	t.npartners = h->partners.n;
	t.create_only = true;
	ret = topology_apply(h->bus, &t, NULL, err, errlen);
	free(names);
	return ret;
}

/*
 * The streams and consumers, the key bucket, the publisher and the
 * subscription: 0, EXIT_USAGE (refused: permissions, a configuration the
 * server rejects) or EXIT_RUNTIME (the cluster did not answer in time).
 * What succeeded stays for the next try.
 */
static int join_bus(struct hub *h, char *err, size_t errlen)
{
	const struct hub_config *c = h->cfg;
	int code = ensure_topology(h, err, errlen);

	if (code)
		return code;
	if ((h->keyed[0] || h->keyed[1]) && !h->share) {
		h->share = keyshare_open(h->bus, h->keys_dir, (int)c->replicas, c->key_retention,
					 err, errlen);
		if (!h->share)
			return strstr(err, "ermission") ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if (!h->pub_open) {
		if (bus_async_open(&h->pub, h->bus, HUB_MAX_PENDING, HUB_ACK_WAIT_MS, err, errlen))
			return strstr(err, "ermission") ? EXIT_USAGE : EXIT_RUNTIME;
		h->pub_open = true;
	}
	if (subscribe(h, err, errlen))
		return strstr(err, "ermission") ? EXIT_USAGE : EXIT_RUNTIME;
	return 0;
}

/* The views' labels in the metrics: public, and partner:NAME (a partner may be "public"). */
static int label_views(struct hub *h, char *err, size_t errlen)
{
	for (size_t i = 0; i < h->nviews; i++) {
		const struct feed_view *v = &h->views[i].view;
		char label[sizeof(h->metrics.views->name)];

		snprintf(label, sizeof(label), "%s%s", v->partner ? "partner:" : "", v->name);
		if (hub_metrics_view(&h->metrics, label)) {
			snprintf(err, errlen, "%s", strerror(ENOMEM));
			return -1;
		}
	}
	return 0;
}

/* Everything before the loop; an exit code. */
static int start(struct hub *h)
{
	const struct hub_config *c = h->cfg;
	struct bus_config bc = {
		.urls = c->urls, .auth_file = c->auth_file, .ca_file = c->ca_file, .name = c->name
	};
	char err[1024];
	int code;

	h->state_fd = private_dir_open(c->state_dir, "state directory", true, err, sizeof(err));
	if (h->state_fd < 0)
		goto config;
	/* Before any key is read: two hubs would rotate them under each other. */
	code = dir_lock(h->state_fd, c->state_dir, HUB_PID_FILE, "state directory", &h->lock_fd,
			err, sizeof(err));
	if (code) {
		log_error("%s", err);
		return code == -2 ? EXIT_RUNTIME : EXIT_USAGE;
	}
	/* Its port is taken before anything changes: a clash is a configuration error. */
	if (hub_metrics_start(&h->metrics, &c->metrics, err, sizeof(err)))
		goto config;
	snprintf(h->keys_dir, sizeof(h->keys_dir), "%s/%s", c->state_dir, KEYRING_DIR);
	h->keys = (struct key_store){ .dir = h->keys_dir,
				      .rotate = c->key_rotate,
				      .retention = c->key_retention,
				      .truncate_v4 = c->truncate.v4,
				      .truncate_v6 = c->truncate.v6 };
	if (enricher_open(&h->enrich, c->mmdb_asn, c->mmdb_geo, err, sizeof(err)))
		goto config;
	feed_init(&h->feed, &h->enrich, c->truncate.v4, c->truncate.v6, "hub");
	if (load_partners(h))
		return EXIT_USAGE;
	if (open_views(h, err, sizeof(err)) || label_views(h, err, sizeof(err)))
		goto config;
	h->bus = bus_connect(&bc, &code, err, sizeof(err));
	if (!h->bus) {
		log_error("%s", err);
		return code;
	}
	/* A cluster still electing leaders (a node just back) answers late: tried again. */
	for (int tries = 1;; tries++) {
		code = join_bus(h, err, sizeof(err));
		if (code != EXIT_RUNTIME || tries == HUB_START_TRIES || stop_requested)
			break;
		log_warn("%s; trying again in 1 s (%d of %d)", err, tries, HUB_START_TRIES);
		sleep(1);
	}
	if (code) {
		log_error("%s", err);
		return code;
	}
	log_info("hub: %s as %s: %zu views (%s%zu partners), batches of %u messages", c->urls,
		 h->bus->creds.user, h->nviews, c->no_public ? "" : "public and ", h->partners.n,
		 c->batch);
	return EXIT_OK;
config:
	log_error("%s", err);
	return EXIT_USAGE;
}

static void release(struct hub *h)
{
	hub_metrics_stop(&h->metrics);
	jsConsumerInfo_Destroy(h->consumer);
	if (h->sub)
		natsSubscription_Destroy(h->sub);
	bus_async_close(&h->pub);
	keyshare_close(h->share);
	bus_close(h->bus);
	for (size_t i = 0; i < h->nviews; i++) {
		feed_view_free(&h->views[i].view);
		sb_free(&h->views[i].out);
		sb_free(&h->views[i].file_out);
		sink_close(h->views[i].file);
	}
	free(h->views);
	counts_release(h->counts, h->nparsed);
	free(h->counts);
	sb_free(&h->text);
	partners_free(&h->partners);
	key_store_close(&h->keys);
	feed_free(&h->feed);
	enricher_close(&h->enrich);
	if (h->state_fd >= 0) {
		dir_unlock(h->state_fd, HUB_PID_FILE, h->lock_fd);
		close(h->state_fd);
	}
}

int hub_run(const struct hub_config *cfg)
{
	struct hub h = { .cfg = cfg, .state_fd = -1, .lock_fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int ret;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * libnats copies every output message (a few hundred KB) into a block
	 * of its own: from the heap, reused, rather than mmap'd and unmapped
	 * each time, whose page faults cost more than the copy.
	 */
	mallopt(M_MMAP_THRESHOLD, HUB_HEAP_BLOCK_MAX);
	mallopt(M_TRIM_THRESHOLD, 4 * HUB_HEAP_BLOCK_MAX);
	ret = start(&h);
	if (!ret)
		ret = loop(&h);
	release(&h);
	return ret;
}
