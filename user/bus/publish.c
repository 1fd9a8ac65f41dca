// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bus/pack.h"
#include "bus/publish.h"
#include "bus/topology.h"
#include "feed/counts.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "lib/strbuf.h"
#include "lib/util.h"

/* Where a record id stands: INCARNATION (as text), EPOCH, INDEX. */
struct id_place {
	char incarnation[24];
	uint64_t epoch, index;
};

struct publisher {
	struct sink base;
	struct bus *bus;
	struct bus_async pub;
	char subject[sizeof(BUS_COUNTS_SUBJECT) + BUS_NAME_MAX];
	struct strbuf msg; /* the message being filled */
	struct strbuf packed; /* it, packed (bus/pack.h) */
	size_t msg_records;
	char msg_id[RECORD_ID_LEN];
	size_t epoch_len; /* msg_id's "SENSOR:INCARNATION:EPOCH:" length */
	char last_sent[RECORD_ID_LEN]; /* the id of the last message sent */
	struct strbuf line; /* one record formatted */
	/*
	 * What the stream holds of this sensor, up to where (in order): its
	 * last message at start, when older than the duplicate window, then
	 * every message acknowledged since. An epoch offered again (held by
	 * another output, or after a restart) is not published again.
	 */
	bool have_stored;
	struct id_place stored;
	struct publish_stats stats; /* messages and skipped; the rest is pub's */
	/*
	 * After acknowledgements stopped coming: no publishing until
	 * away_until (CLOCK_MONOTONIC ms), the wait doubling up to
	 * PUBLISH_BACKOFF_MAX_MS, so that a cluster that looks connected but
	 * answers nothing costs the drain loop one wait now and then, not one
	 * every interval.
	 */
	uint64_t away_ms, away_until;
	/* A connection closed for good is made again (reopen) from bus_cfg. */
	struct bus_config bus_cfg;
	uint64_t reopen_at; /* CLOCK_MONOTONIC ms */
	bool reopen_failed;
	/*
	 * What the stream holds was asked (learn_stored): at start, or, for a
	 * sensor that started while the cluster was away, at its first
	 * connection, before anything is published.
	 */
	bool learned, learn_failed;
	/*
	 * Messages stored in rounds that failed (others of the round were
	 * refused): not sent again, whatever their age, when the epoch comes
	 * back. A stream that refuses some (full: discard new) takes a small
	 * message after refusing a large one, so what it holds of an epoch is
	 * not always a prefix. Dropped once the prefix (stored) covers them.
	 */
	struct id_place *held;
	size_t nheld;
	int state_fd; /* where stored and held are kept (PUBLISH_STORED_FILE); -1: nowhere */
	bool known_file; /* there was one at start (known_load) */
	bool save_failed; /* said once */
};

#define PUBLISH_BACKOFF_MAX_MS 60000ULL
#define PUBLISH_REOPEN_MS 5000
#define PUBLISH_CLOCK_AHEAD_S 5

static uint64_t now_ms(void)
{
	return clock_ns(CLOCK_MONOTONIC) / 1000000ULL;
}

static void back_off(struct publisher *p)
{
	p->away_ms = p->away_ms ? p->away_ms * 2 : 1000;
	if (p->away_ms > PUBLISH_BACKOFF_MAX_MS)
		p->away_ms = PUBLISH_BACKOFF_MAX_MS;
	p->away_until = now_ms() + p->away_ms;
}

/* "SENSOR:INCARNATION:EPOCH:INDEX", read from its end. 0 or -1. */
static int id_parse(const char *id, size_t len, struct id_place *p)
{
	const char *end = id + len, *c3 = memrchr(id, ':', len), *c2, *c1;

	if (!c3 || !(c2 = memrchr(id, ':', (size_t)(c3 - id))) ||
	    !(c1 = memrchr(id, ':', (size_t)(c2 - id))) ||
	    (size_t)(c2 - c1 - 1) >= sizeof(p->incarnation))
		return -1;
	memcpy(p->incarnation, c1 + 1, (size_t)(c2 - c1 - 1));
	p->incarnation[c2 - c1 - 1] = '\0';
	if (parse_uint_n(c2 + 1, (size_t)(c3 - c2 - 1), UINT64_MAX, &p->epoch) ||
	    parse_uint_n(c3 + 1, (size_t)(end - c3 - 1), UINT64_MAX, &p->index))
		return -1;
	return 0;
}

/* a at or before b: both of one incarnation. */
static bool id_not_after(const struct id_place *a, const struct id_place *b)
{
	return !strcmp(a->incarnation, b->incarnation) &&
	       (a->epoch < b->epoch || (a->epoch == b->epoch && a->index <= b->index));
}

static bool held_has(const struct publisher *p, const struct id_place *at)
{
	for (size_t i = 0; i < p->nheld; i++)
		if (id_not_after(at, &p->held[i]) && id_not_after(&p->held[i], at))
			return true;
	return false;
}

/* Is the message starting at this id stored (the prefix, or held)? */
static bool stored_already(const struct publisher *p, const char *id)
{
	struct id_place at;

	if (id_parse(id, strlen(id), &at))
		return false;
	return (p->have_stored && id_not_after(&at, &p->stored)) || held_has(p, &at);
}

static bool hold(struct publisher *p, const char *id)
{
	struct id_place at;

	if (id_parse(id, strlen(id), &at) || held_has(p, &at) ||
	    !array_grow((void **)&p->held, p->nheld + 1, sizeof(*p->held)))
		return false;
	p->held[p->nheld++] = at;
	return true;
}

static void put_id(struct strbuf *sb, const char *key, const char *sensor,
		   const struct id_place *at)
{
	sb_printf(sb, "%s %s:%s:%llu:%llu\n", key, sensor, at->incarnation,
		  (unsigned long long)at->epoch, (unsigned long long)at->index);
}

/*
 * What the stream is known to hold into PUBLISH_STORED_FILE, for a
 * restart: written whole, synced, then renamed over the last one, and
 * ended by "end" (a file cut short is not trusted). A failure is said
 * once: a restart may then send again some of what the stream holds.
 */
static void known_save(struct publisher *p)
{
	const char *sensor = p->subject + strlen(BUS_COUNTS_SUBJECT);
	struct strbuf sb = { 0 };
	int ret;

	if (p->state_fd < 0)
		return;
	sb_puts(&sb, PUBLISH_STORED_MAGIC "\n");
	if (p->have_stored)
		put_id(&sb, "prefix", sensor, &p->stored);
	for (size_t i = 0; i < p->nheld; i++)
		put_id(&sb, "held", sensor, &p->held[i]);
	sb_puts(&sb, "end\n");
	errno = ENOMEM;
	ret = sb.oom ? -1 :
		       write_private_file(p->state_fd, PUBLISH_STORED_FILE, sb.buf, sb.len, true);
	sb_free(&sb);
	if (ret && !p->save_failed)
		log_warn("%s: %s; a restart may send again messages the stream holds",
			 PUBLISH_STORED_FILE, strerror(errno));
	p->save_failed = ret != 0;
}

/* One line of PUBLISH_STORED_FILE (its newline cut): 0, 1 at "end", -1 if not one. */
static int known_line(struct publisher *p, const char *line)
{
	const char *sensor = p->subject + strlen(BUS_COUNTS_SUBJECT);
	const char *id = strchr(line, ' ');
	size_t len = strlen(sensor);
	struct id_place at;

	if (!strcmp(line, "end"))
		return 1;
	if (!id || id_parse(id + 1, strlen(id + 1), &at))
		return -1;
	/* Another sensor's (a state directory reused under a new name): not ours. */
	if (strncmp(id + 1, sensor, len) || id[1 + len] != ':')
		return 0;
	if (!strncmp(line, "prefix ", 7)) {
		p->stored = at;
		p->have_stored = true;
	} else if (strncmp(line, "held ", 5) || !hold(p, id + 1)) {
		return -1;
	}
	return 0;
}

/*
 * What an earlier run knew the stream holds (PUBLISH_STORED_FILE), if
 * anything. A file that is there but not whole is said, and then no
 * prefix is guessed from the stream either (learn_stored): repeats rather
 * than a gap.
 */
static void known_load(struct publisher *p)
{
	int fd = p->state_fd < 0 ? -1 :
				   openat(p->state_fd, PUBLISH_STORED_FILE,
					  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char *line = NULL;
	size_t cap = 0, lineno = 1;
	ssize_t n;
	int r = -1;

	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	p->known_file = true;
	n = getline(&line, &cap, f);
	if (n > 0 && !strcmp(line, PUBLISH_STORED_MAGIC "\n"))
		for (r = 0; !r && (n = getline(&line, &cap, f)) > 0;) {
			lineno++;
			if (line[n - 1] != '\n')
				break;
			line[n - 1] = '\0';
			r = known_line(p, line);
		}
	if (r != 1) {
		log_warn(
			"%s:%zu: not a publisher's state, or cut short; ignored (what the stream holds may go again)",
			PUBLISH_STORED_FILE, lineno);
		p->have_stored = false;
		p->nheld = 0;
	} else if (p->nheld) {
		log_info(
			"%s: %zu messages the stream stored in rounds that failed are not sent again",
			p->subject, p->nheld);
	}
	free(line);
	fclose(f);
}

/* The ids the stream stored since last asked: held if the round failed. */
static void hold_stored(struct publisher *p, bool keep)
{
	char **ids;
	size_t n = bus_async_take_stored(&p->pub, &ids);
	bool more = false;

	for (size_t i = 0; i < n; i++) {
		more |= keep && hold(p, ids[i]);
		free(ids[i]);
	}
	free(ids);
	if (more)
		known_save(p);
}

/*
 * The prefix moved to at (never back): the held ids it covers go, and
 * those of other incarnations (epochs go out in order: an earlier
 * incarnation's are all behind it).
 */
static void advance_prefix(struct publisher *p, const struct id_place *at)
{
	size_t n = 0;

	if (p->have_stored && id_not_after(at, &p->stored))
		return;
	p->stored = *at;
	p->have_stored = true;
	for (size_t i = 0; i < p->nheld; i++)
		if (!strcmp(p->held[i].incarnation, at->incarnation) &&
		    !id_not_after(&p->held[i], at))
			p->held[n++] = p->held[i];
	p->nheld = n;
	known_save(p);
}

/* Connected, and not waiting out a silence (back_off). */
static bool connected(const struct publisher *p)
{
	return natsConnection_Status(p->bus->nc) == NATS_CONN_STATUS_CONNECTED &&
	       now_ms() >= p->away_until;
}

/*
 * A new connection for one that libnats closed for good: it does so when
 * the server refuses the credentials twice in a row while reconnecting
 * (the sensor's user removed, its password changed). The credentials file
 * is read again; a refusal is said once and tried again every
 * PUBLISH_REOPEN_MS, while the epochs wait in the spool.
 */
static void reopen(struct publisher *p)
{
	struct bus_acks kept;
	char err[512];
	struct bus *b;
	int code, ret;

	if (now_ms() < p->reopen_at)
		return;
	p->reopen_at = now_ms() + PUBLISH_REOPEN_MS;
	b = bus_connect(&p->bus_cfg, &code, err, sizeof(err));
	if (!b) {
		if (!p->reopen_failed)
			log_warn(
				"%s: cannot connect again (%s); epochs wait in the spool, tried again every %d s",
				p->subject, err, PUBLISH_REOPEN_MS / 1000);
		p->reopen_failed = true;
		return;
	}
	/* Nothing is in flight (give_up settled it): the counts go on. */
	hold_stored(p, true);
	bus_async_acks(&p->pub, &kept);
	bus_async_close(&p->pub);
	bus_close(p->bus); /* after its last callback */
	p->bus = b;
	p->reopen_failed = false;
	ret = bus_async_open(&p->pub, b, PUBLISH_MAX_PENDING, PUBLISH_ACK_WAIT_MS, err,
			     sizeof(err));
	p->pub.acks = kept;
	bus_async_keep_stored(&p->pub);
	if (ret) {
		log_warn("%s: %s; tried again in %d s", p->subject, err, PUBLISH_REOPEN_MS / 1000);
		natsConnection_Close(b->nc); /* closed: the next epoch comes back here */
		return;
	}
	log_info("%s: %s again", p->subject, b->connected ? "connected" : "connecting");
}

static int learn_stored(struct publisher *p, int *exit_code, char *err, size_t errlen);

/*
 * Whether epochs may go now: connected (bus_watch says an outage and its
 * reason) and not waiting out a silence; a connection closed for good is
 * replaced.
 */
static bool reachable(struct publisher *p)
{
	natsConnStatus st = natsConnection_Status(p->bus->nc);

	if (st == NATS_CONN_STATUS_CLOSED)
		reopen(p);
	if (!bus_watch(p->bus, p->subject, "epochs wait in the spool") || now_ms() < p->away_until)
		return false;
	if (!p->learned) {
		char err[512];
		int code;

		if (learn_stored(p, &code, err, sizeof(err))) {
			if (!p->learn_failed)
				log_warn("%s; epochs wait in the spool", err);
			p->learn_failed = true;
			return false;
		}
		p->learned = true;
		p->learn_failed = false;
	}
	return true;
}

/* The message filled so far, to the stream (unless it holds it already). */
static int send_message(struct publisher *p)
{
	natsStatus s = NATS_OK;

	if (!p->msg_records)
		return 0;
	if (stored_already(p, p->msg_id)) {
		p->stats.skipped++;
		/* Stored before: part of the prefix once the round settles. */
		snprintf(p->last_sent, sizeof(p->last_sent), "%s", p->msg_id);
	} else {
		s = bus_pack(p->msg.buf, p->msg.len, &p->packed) ?
			    NATS_NO_MEMORY :
			    bus_async_publish(&p->pub, p->subject, p->packed.buf, p->packed.len,
					      p->msg_id, BUS_COUNTS_PACKED, PUBLISH_MSG_WAIT_MS);
		if (s == NATS_OK) {
			p->stats.messages++;
			snprintf(p->last_sent, sizeof(p->last_sent), "%s", p->msg_id);
		}
	}
	sb_reset(&p->msg);
	p->msg_records = 0;
	if (s != NATS_OK) {
		log_warn("publish to %s: %s", p->subject, bus_error(p->bus, s));
		errno = EIO;
		return -1;
	}
	return 0;
}

static int settle(struct publisher *p);

/*
 * One counts line (with its newline) into the message; the message before
 * it goes first if the line cannot join it. 0 or -1 (errno).
 */
static int add_line(struct publisher *p, const char *line, size_t len)
{
	const char *id;
	size_t idlen = counts_line_id(line, len, &id);
	const char *colon = idlen ? memrchr(id, ':', idlen) : NULL;
	size_t epoch_len = colon ? (size_t)(colon - id) + 1 : 0;

	if (!colon || idlen >= sizeof(p->msg_id)) {
		log_error("%s: a line that is not a count: dropped", p->subject);
		return 0;
	}
	if (p->msg_records && (p->msg_records == PUBLISH_MSG_RECORDS || epoch_len != p->epoch_len ||
			       memcmp(id, p->msg_id, epoch_len))) {
		bool same_epoch = epoch_len == p->epoch_len && !memcmp(id, p->msg_id, epoch_len);

		if (send_message(p))
			return -1;
		/* A message not its epoch's last stored, the rest not sent: a prefix in the stream. */
		if (same_epoch && failpoint_armed("publish-mid") && !settle(p))
			raise(SIGKILL);
	}
	if (!p->msg_records) {
		memcpy(p->msg_id, id, idlen);
		p->msg_id[idlen] = '\0';
		p->epoch_len = epoch_len;
	}
	sb_append(&p->msg, line, len);
	p->msg_records++;
	if (p->msg.oom) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/*
 * Wait for every acknowledgement. 0 when all messages since the last
 * settle were stored; else -1 (EIO), with what was in flight given up.
 */
static int settle(struct publisher *p)
{
	char why[200];
	enum bus_settled r =
		bus_async_settle(&p->pub, PUBLISH_ACK_WAIT_MS, NULL, NULL, why, sizeof(why));

	hold_stored(p, r != BUS_SETTLED);
	if (r == BUS_SETTLED) {
		/* Everything sent (or held) is stored, in order: a prefix of what comes again. */
		struct id_place at;

		if (p->last_sent[0] && !id_parse(p->last_sent, strlen(p->last_sent), &at))
			advance_prefix(p, &at);
		p->last_sent[0] = '\0';
		p->away_ms = 0;
		return 0;
	}
	p->last_sent[0] = '\0';
	if (r == BUS_SILENT) {
		/* A refusal the server sent on its own (a subject not permitted), if any. */
		const char *said = bus_server_said(p->bus);

		back_off(p);
		if (said)
			snprintf(why, sizeof(why), "no acknowledgement: %s", said);
		else
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
				 " (cluster out of reach?)");
	}
	log_warn("%s: %s", p->subject, why);
	errno = EIO;
	return -1;
}

/* After a failure: nothing half-built or in flight is kept. */
static int give_up(struct publisher *p)
{
	int saved = errno;

	sb_reset(&p->msg);
	p->msg_records = 0;
	settle(p);
	errno = saved;
	return -1;
}

static int publisher_emit(struct sink *s, const struct feed_record *recs, size_t n)
{
	struct publisher *p = (struct publisher *)s;

	if (!reachable(p)) {
		errno = ENOTCONN;
		return give_up(p);
	}
	for (size_t i = 0; i < n; i++) {
		sb_reset(&p->line);
		record_format(FORMAT_COUNTS, &recs[i], &p->line);
		if (p->line.oom) {
			errno = ENOMEM;
			return give_up(p);
		}
		if (add_line(p, p->line.buf, p->line.len))
			return give_up(p);
	}
	if (s->epoch_ends && send_message(p))
		return give_up(p);
	return 0;
}

static int publisher_sync(struct sink *s)
{
	struct publisher *p = (struct publisher *)s;

	if (send_message(p))
		return give_up(p);
	return settle(p) ? give_up(p) : 0;
}

/*
 * Spooled lines: the messages they fill, each once complete (a line of
 * another message follows, or the spool ends here: epoch_ends). Returns
 * the bytes of the lines in messages acknowledged.
 */
static long long publisher_write_raw(struct sink *s, const char *buf, size_t n)
{
	struct publisher *p = (struct publisher *)s;
	size_t done = 0, at = 0;

	if (!reachable(p)) {
		errno = ENOTCONN;
		return give_up(p);
	}
	while (at < n) {
		const char *nl = memchr(buf + at, '\n', n - at);
		size_t len = nl ? (size_t)(nl - (buf + at)) + 1 : n - at;
		size_t before = p->msg_records;

		if (add_line(p, buf + at, len))
			return give_up(p);
		if (before && p->msg_records == 1) /* the line began a new message */
			done = at;
		at += len;
	}
	if (s->epoch_ends) {
		if (send_message(p))
			return give_up(p);
		done = n;
	} else {
		/* The last message may go on in the next chunk: sent from there, whole. */
		sb_reset(&p->msg);
		p->msg_records = 0;
	}
	if (settle(p))
		return give_up(p);
	return (long long)done;
}

static void publisher_close(struct sink *s)
{
	struct publisher *p = (struct publisher *)s;

	if (p->msg_records)
		log_warn("%s: closed with %zu records unsent (they stay uncommitted)", p->subject,
			 p->msg_records);
	bus_async_close(&p->pub);
	bus_close(p->bus);
	sb_free(&p->msg);
	sb_free(&p->packed);
	sb_free(&p->line);
	free(p->held);
	free(p);
}

static const struct sink_ops publisher_ops = {
	.emit = publisher_emit,
	.sync = publisher_sync,
	.write_raw = publisher_write_raw,
	.close = publisher_close,
};

void publisher_stats(struct sink *s, struct publish_stats *out)
{
	struct publisher *p = (struct publisher *)s;
	struct bus_acks acks;
	struct id_place at;

	bus_async_acks(&p->pub, &acks);
	*out = p->stats;
	out->acked = acks.acked;
	out->duplicates = acks.duplicates;
	out->failed = acks.failed;
	if (acks.last_acked[0])
		snprintf(out->last_acked, sizeof(out->last_acked), "%s", acks.last_acked);
	out->acked_epoch =
		out->last_acked[0] && !id_parse(out->last_acked, strlen(out->last_acked), &at) ?
			at.epoch :
			0;
	out->connected = connected(p);
}

/*
 * Seconds since the stream stored m, by this sensor's clock; -1 when
 * unknown, or when the stored time is ahead of that clock by more than
 * PUBLISH_CLOCK_AHEAD_S (a clock behind, which would make old look young).
 */
static long long stored_age(natsMsg *m)
{
	time_t at = bus_stored_at(m), now = time(NULL);

	if (at <= 0 || at > now + PUBLISH_CLOCK_AHEAD_S)
		return -1;
	return now > at ? (long long)(now - at) : 0;
}

/*
 * The stream's duplicate window in seconds, as `botsink streams` set it;
 * 0 when it cannot be asked (then the stream's dropping is not trusted).
 */
static long long duplicate_window(struct publisher *p)
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	long long window = 0;
	natsStatus s;

	s = js_GetStreamInfo(&si, p->bus->js, BUS_COUNTS_STREAM, NULL, &jerr);
	if (s == NATS_OK && si->Config)
		window = (long long)(si->Config->Duplicates / NS_PER_S);
	else
		log_warn(
			"%s: cannot ask %s its duplicate window (%s): the messages it holds are not published again",
			p->subject, BUS_COUNTS_STREAM, bus_error(p->bus, s));
	jsStreamInfo_Destroy(si);
	return window;
}

/*
 * The last message the stream holds of this sensor: its id says where
 * publishing may start again. A missing stream or message is no error
 * (nothing is held); a refusal is (the credentials do not fit the sensor).
 *
 * What the stream holds is a prefix of the epoch (published in order),
 * except for a message refused before one that was stored (a leader
 * elected between the two, say): publishing the whole epoch again heals
 * that gap, but only while the stream still drops the repeats. So the
 * epoch goes again whole only when its last stored message is younger
 * than half the stream's window: the other half covers the epoch's
 * earlier messages (stored before it), the time the epoch takes to go
 * out again, and clocks of sensor and nodes a few minutes apart. Later
 * than that, what the stream holds is not published again.
 */
static int learn_stored(struct publisher *p, int *exit_code, char *err, size_t errlen)
{
	jsDirectGetMsgOptions o;
	natsMsg *m = NULL;
	const char *id = NULL;
	natsStatus s;

	jsDirectGetMsgOptions_Init(&o);
	o.LastBySubject = p->subject;
	s = js_DirectGetMsg(&m, p->bus->js, BUS_COUNTS_STREAM, NULL, &o);
	if (s == NATS_NOT_FOUND)
		return 0;
	if (s != NATS_OK) {
		const char *why = bus_error(p->bus, s);

		if (strstr(why, "ermission")) {
			snprintf(err, errlen, "%s: %s", p->subject, why);
			*exit_code = 2;
			return -1;
		}
		log_warn(
			"%s: cannot ask %s what it holds (%s): repeats rely on its duplicate window",
			p->subject, BUS_COUNTS_STREAM, why);
		return 0;
	}
	if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) == NATS_OK && id) {
		long long age = stored_age(m);

		snprintf(p->stats.last_acked, sizeof(p->stats.last_acked), "%s", id);
		struct id_place at;

		/*
		 * A prefix is guessed from it only without PUBLISH_STORED_FILE
		 * (the first run, or no state directory): with the file, a
		 * message it does not know was stored in a round cut short
		 * (killed before it settled), and messages before it may be
		 * missing. They go again: repeats past the window rather than
		 * a gap.
		 */
		if (!p->known_file && (age < 0 || 2 * age >= duplicate_window(p)) &&
		    !id_parse(id, strlen(id), &at))
			advance_prefix(p, &at);
	}
	natsMsg_Destroy(m);
	return 0;
}

struct sink *publisher_open(const struct publish_config *cfg, int *exit_code, char *err,
			    size_t errlen)
{
	struct publisher *p = calloc(1, sizeof(*p));
	struct bus_config bc = cfg->bus;

	*exit_code = 1;
	if (!p) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	if (!bus_name_valid(cfg->sensor)) {
		snprintf(err, errlen,
			 "sensor name '%s' cannot be a subject: [A-Za-z0-9_-], 1-%d characters",
			 cfg->sensor, BUS_NAME_MAX);
		*exit_code = 2;
		goto fail;
	}
	snprintf(p->subject, sizeof(p->subject), "%s%s", BUS_COUNTS_SUBJECT, cfg->sensor);
	bc.retry_unreachable = true;
	p->bus_cfg = bc;
	p->state_fd = cfg->state_fd;
	known_load(p);
	p->bus = bus_connect(&bc, exit_code, err, errlen);
	if (!p->bus ||
	    bus_async_open(&p->pub, p->bus, PUBLISH_MAX_PENDING, PUBLISH_ACK_WAIT_MS, err, errlen))
		goto fail;
	bus_async_keep_stored(&p->pub);
	if (p->bus->connected) {
		if (learn_stored(p, exit_code, err, errlen))
			goto fail;
		p->learned = true;
	}
	if (!p->bus->connected)
		log_warn("%s: not reachable yet; epochs wait in the spool", cfg->bus.urls);
	p->base.ops = &publisher_ops;
	p->base.name = p->subject;
	return &p->base;
fail:
	bus_async_close(&p->pub);
	bus_close(p->bus);
	free(p->held);
	free(p);
	return NULL;
}

int publish_status_save(int dir, const char *name, const struct publish_stats *st,
			unsigned long long spool_bytes)
{
	char text[BUS_ID_MAX + 8 * 21]; /* the id and 7 numbers, with their separators */
	int n = snprintf(text, sizeof(text), "%s %llu %llu %llu %llu %llu %llu %s\n",
			 st->connected ? "connected" : "away", (unsigned long long)st->messages,
			 (unsigned long long)st->acked, (unsigned long long)st->duplicates,
			 (unsigned long long)st->failed, (unsigned long long)st->skipped,
			 spool_bytes, st->last_acked[0] ? st->last_acked : "-");

	return write_private_file(dir, name, text, (size_t)n, false);
}

int publish_status_read(const char *path, struct publish_status *st)
{
	char state[16];
	struct id_place at;
	FILE *f = fopen(path, "re");
	int n;

	if (!f)
		return -1;
	memset(st, 0, sizeof(*st));
	n = fscanf(f, "%15s %llu %llu %llu %llu %llu %llu %299s", state, &st->messages, &st->acked,
		   &st->duplicates, &st->failed, &st->skipped, &st->spool_bytes, st->last_acked);
	fclose(f);
	if (n != 8)
		return -1;
	st->connected = !strcmp(state, "connected");
	st->have_epoch = !id_parse(st->last_acked, strlen(st->last_acked), &at);
	if (st->have_epoch)
		st->last_epoch = at.epoch;
	return 0;
}

void publish_status_print(FILE *out, const char *path)
{
	struct publish_status st;

	if (publish_status_read(path, &st))
		return;
	fprintf(out, "publisher: %s; ", st.connected ? "connected" : "away");
	if (st.have_epoch)
		fprintf(out, "last acknowledged epoch %llu (message %s); ", st.last_epoch,
			st.last_acked);
	fprintf(out,
		"%llu messages published, %llu acknowledged (%llu repeats dropped), %llu refused, %llu held already; spool %llu bytes pending\n",
		st.messages, st.acked, st.duplicates, st.failed, st.skipped, st.spool_bytes);
}
