// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* botsink pull: a reader's own consumer, batch by batch, to a stream of lines (pull.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "bus/pull.h"
#include "bus/topology.h"
#include "feed/record.h"
#include "lib/util.h"

#define NS_PER_MS 1000000ULL
#define FILTER_MAX (BUS_NAME_MAX + 32)
#define PULL_RETRY_MS 100

struct reader {
	const struct pull_config *cfg;
	struct bus *b;
	natsSubscription *sub;
	FILE *out;
	struct pull_stats *stats;
	uint64_t last_msg_ns; /* CLOCK_MONOTONIC of the last message (or the start) */
	bool header_checked; /* the output's first line was considered */
};

/* The consumer to read: --consumer, else the one named as the user. */
static int pick_consumer(const struct pull_config *cfg, struct bus *b, const char **consumer,
			 char *err, size_t errlen)
{
	char filter[FILTER_MAX];
	jsConsumerConfig cc;

	*consumer = cfg->consumer ? cfg->consumer : b->creds.user;
	if (!topology_reader_consumer(*consumer, filter, sizeof(filter), &cc))
		return 0;
	if (cfg->consumer)
		snprintf(err, errlen, "consumer '%s' is not a partner's (%sNAME) or %s", *consumer,
			 BUS_PARTNER_CONSUMER, BUS_PUBLIC_CONSUMER);
	else
		snprintf(err, errlen, "user %s has no consumer of its own: give --consumer",
			 *consumer);
	return EXIT_USAGE;
}

static int bind_consumer(struct reader *r, const char *consumer, char *err, size_t errlen)
{
	char filter[FILTER_MAX], what[128];
	jsConsumerConfig cc;
	jsSubOptions so;
	jsErrCode jerr = 0;
	natsStatus s;
	int ret;

	ret = topology_check_reader(r->b, consumer, err, errlen);
	if (ret)
		return ret;
	topology_reader_consumer(consumer, filter, sizeof(filter), &cc);
	jsSubOptions_Init(&so);
	so.Stream = BUS_PARTNERS_STREAM;
	so.Consumer = consumer;
	s = js_PullSubscribe(&r->sub, r->b->js, filter, consumer, NULL, &so, &jerr);
	if (s == NATS_OK)
		return 0;
	snprintf(what, sizeof(what), "consumer %s on %s", consumer, BUS_PARTNERS_STREAM);
	return topology_failure(r->b, s, jerr, what, err, errlen);
}

/* A message's payload, whole lines (a last line without its newline gets one). */
/*
 * A CSV view's column names (its messages' BUS_FORMAT_HEADER says the
 * format) start the output, as they start a file the sensor writes:
 * unless the output is a file that holds lines already (appended to).
 */
static int put_header(struct reader *r, natsMsg *m)
{
	enum record_format f;
	const char *name = NULL, *header;
	struct stat st;

	if (r->header_checked)
		return 0;
	r->header_checked = true;
	if (natsMsgHeader_Get(m, BUS_FORMAT_HEADER, &name) != NATS_OK || !name ||
	    record_format_parse(name, &f))
		return 0;
	header = record_format_header(f);
	if (!header || (!fstat(fileno(r->out), &st) && S_ISREG(st.st_mode) && st.st_size > 0))
		return 0;
	return fputs(header, r->out) == EOF ? -1 : 0;
}

static int write_msg(struct reader *r, natsMsg *m)
{
	const char *data = natsMsg_GetData(m);
	int len = natsMsg_GetDataLength(m);
	uint64_t lines = 0;

	if (len <= 0)
		return 0;
	if (put_header(r, m))
		return -1;
	for (const char *p = data; (p = memchr(p, '\n', (size_t)(data + len - p))); p++)
		lines++;
	if (fwrite(data, 1, (size_t)len, r->out) != (size_t)len)
		return -1;
	if (data[len - 1] != '\n') {
		if (fputc('\n', r->out) == EOF)
			return -1;
		lines++;
	}
	r->stats->records += lines;
	return 0;
}

static bool enough(const struct reader *r)
{
	return r->cfg->max_records && r->stats->records >= r->cfg->max_records;
}

/*
 * Write the messages of a batch, flush, then acknowledge them: each but
 * the last without waiting, the last synchronously (the server handles a
 * connection's acknowledgements in order, so when the last is confirmed,
 * all are). Messages past max_records go back at once (nak).
 */
static int deliver(struct reader *r, natsMsgList *list, char *err, size_t errlen)
{
	jsErrCode jerr = 0;
	natsStatus s = NATS_OK;
	int n = 0;

	while (n < list->Count && !enough(r)) {
		if (write_msg(r, list->Msgs[n]))
			break;
		n++;
	}
	if (fflush(r->out) || ferror(r->out)) {
		snprintf(err, errlen, "writing the records: %s", strerror(errno));
		return EXIT_RUNTIME; /* nothing acknowledged: the stream sends them again */
	}
	for (int i = n; i < list->Count; i++)
		natsMsg_Nak(list->Msgs[i], NULL);
	for (int i = 0; i + 1 < n && s == NATS_OK; i++)
		s = natsMsg_Ack(list->Msgs[i], NULL);
	if (n && s == NATS_OK)
		s = natsMsg_AckSync(list->Msgs[n - 1], NULL, &jerr);
	r->stats->messages += (uint64_t)n;
	if (s != NATS_OK)
		return topology_failure(r->b, s, jerr, "acknowledging", err, errlen);
	return 0;
}

/* How long the next fetch may wait (ms); 0: idle for long enough. */
static int64_t fetch_wait(const struct reader *r)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC), idle_ns;

	if (r->cfg->idle <= 0)
		return PULL_WAIT_MS;
	idle_ns = (uint64_t)(r->cfg->idle * 1e9);
	if (now - r->last_msg_ns >= idle_ns)
		return 0;
	idle_ns -= now - r->last_msg_ns;
	return idle_ns / NS_PER_MS >= PULL_WAIT_MS ? PULL_WAIT_MS :
						     (int64_t)(idle_ns / NS_PER_MS) + 1;
}

static int read_loop(struct reader *r, char *err, size_t errlen)
{
	while (!*r->cfg->stop && !enough(r)) {
		int64_t wait = fetch_wait(r);
		natsMsgList list = { 0 };
		jsErrCode jerr = 0;
		uint64_t want = r->cfg->batch;
		natsStatus s;
		int ret;

		if (!wait)
			break;
		if (r->cfg->max_records && r->cfg->max_records - r->stats->records < want)
			want = r->cfg->max_records -
			       r->stats->records; /* a message holds one or more */
		s = natsSubscription_Fetch(&list, r->sub, (int)want, wait, &jerr);
		if (s == NATS_TIMEOUT)
			continue;
		if (natsConnection_IsReconnecting(r->b->nc)) {
			nats_Sleep(PULL_RETRY_MS); /* a node went away: libnats finds another */
			continue;
		}
		if (s != NATS_OK)
			return topology_failure(r->b, s, jerr, "fetching", err, errlen);
		r->last_msg_ns = clock_ns(CLOCK_MONOTONIC);
		ret = deliver(r, &list, err, errlen);
		natsMsgList_Destroy(&list);
		if (ret)
			return ret;
	}
	return 0;
}

int pull_run(const struct pull_config *cfg, FILE *out, struct pull_stats *stats, char *err,
	     size_t errlen)
{
	struct reader r = { .cfg = cfg, .out = out, .stats = stats };
	const char *consumer;
	int ret;

	memset(stats, 0, sizeof(*stats));
	r.b = bus_connect(&cfg->bus, &ret, err, errlen);
	if (!r.b)
		return ret;
	ret = pick_consumer(cfg, r.b, &consumer, err, errlen);
	if (!ret)
		ret = bind_consumer(&r, consumer, err, errlen);
	r.last_msg_ns = clock_ns(CLOCK_MONOTONIC);
	if (!ret)
		ret = read_loop(&r, err, errlen);
	natsSubscription_Destroy(r.sub);
	bus_close(r.b);
	return ret;
}
