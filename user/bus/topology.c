// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The bus's streams and consumers, created or updated (topology.h). */
#include <stdio.h>
#include <string.h>
#include "bus/topology.h"
#include "lib/util.h"

#define FILTER_MAX (BUS_NAME_MAX + 32)

_Static_assert(TOPOLOGY_PARTNERS_MIN_WINDOW >= 2 * TOPOLOGY_ACK_WAIT,
	       "a batch redelivered after the ack wait must meet its outputs' ids");

void topology_defaults(struct topology *t)
{
	*t = (struct topology){
		.replicas = TOPOLOGY_REPLICAS,
		.counts_max_age = TOPOLOGY_COUNTS_MAX_AGE,
		.duplicate_window = TOPOLOGY_DUPLICATE_WINDOW,
		.partners_max_age = TOPOLOGY_PARTNERS_MAX_AGE,
		.counts_max_bytes = TOPOLOGY_COUNTS_MAX_BYTES,
		.partners_max_bytes = TOPOLOGY_PARTNERS_MAX_BYTES,
	};
}

/* ---- failures ---- */

/* The server's answers that say the cluster cannot serve now: worth trying later. */
static bool transient(jsErrCode jerr)
{
	static const jsErrCode codes[] = {
		JSClusterIncompleteErr, JSClusterNoPeersErr,	    JSClusterNotAvailErr,
		JSClusterNotLeaderErr,	JSInsufficientResourcesErr, JSStreamOfflineErr,
		JSConsumerOfflineErr,
	};

	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (jerr == codes[i])
			return true;
	return false;
}

int topology_failure(struct bus *b, natsStatus s, jsErrCode jerr, const char *what, char *err,
		     size_t errlen)
{
	const char *text = bus_error(b, s);

	/* A refused publish times the request out; the server said why, asynchronously. */
	if (s == NATS_NOT_PERMITTED || strcasestr(text, "permissions violation")) {
		snprintf(err, errlen, "%s: permission denied: %s", what, text);
		return EXIT_USAGE;
	}
	snprintf(err, errlen, "%s: %s", what, text);
	return jerr && !transient(jerr) ? EXIT_USAGE : EXIT_RUNTIME;
}

/* ---- streams ---- */

/* A stream of the bus, on file, with R replicas and the duplicate window. */
static void stream_config(const struct topology *t, jsStreamConfig *sc, const char *name,
			  const char **subjects, int nsubjects)
{
	jsStreamConfig_Init(sc);
	sc->Name = name;
	sc->Subjects = subjects;
	sc->SubjectsLen = nsubjects;
	sc->Storage = js_FileStorage;
	sc->Replicas = t->replicas;
	sc->Duplicates = t->duplicate_window * NS_PER_S;
}

static void counts_stream(const struct topology *t, jsStreamConfig *sc, const char **subjects)
{
	subjects[0] = BUS_COUNTS_SUBJECT ">";
	stream_config(t, sc, BUS_COUNTS_STREAM, subjects, 1);
	sc->Description = "botsink: every sensor's counts, for the hubs";
	sc->MaxAge = t->counts_max_age * NS_PER_S;
	sc->MaxBytes = t->counts_max_bytes;
	sc->Discard = js_DiscardNew; /* full: publishes are refused, epochs stay spooled */
	sc->AllowDirect = true; /* a sensor reads its last message back (bus/publish.h) */
}

static void partners_stream(const struct topology *t, jsStreamConfig *sc, const char **subjects)
{
	subjects[0] = BUS_PARTNER_SUBJECT ">";
	subjects[1] = BUS_PUBLIC_SUBJECT;
	stream_config(t, sc, BUS_PARTNERS_STREAM, subjects, 2);
	sc->Description = "botsink: the partners' and the public feed, from the hubs";
	sc->MaxAge = t->partners_max_age * NS_PER_S;
	sc->MaxBytes = t->partners_max_bytes;
	sc->Discard = js_DiscardOld;
	if (t->duplicate_window < TOPOLOGY_PARTNERS_MIN_WINDOW)
		sc->Duplicates = TOPOLOGY_PARTNERS_MIN_WINDOW * NS_PER_S;
}

static void report_line(FILE *report, const char *what, const char *name, bool created)
{
	if (report)
		fprintf(report, "%s %s: %s\n", what, name, created ? "created" : "up to date");
}

/* Update the stream when it exists (unless `create_only`), else create it. */
static int apply_stream(struct bus *b, jsStreamConfig *sc, bool create_only, FILE *report,
			char *err, size_t errlen)
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	char what[64];
	natsStatus s;
	bool create;

	snprintf(what, sizeof(what), "stream %s", sc->Name);
	s = js_GetStreamInfo(&si, b->js, sc->Name, NULL, &jerr);
	create = s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr;
	if (s != NATS_OK && !create)
		return topology_failure(b, s, jerr, what, err, errlen);
	jsStreamInfo_Destroy(si);
	si = NULL;
	if (!create && create_only)
		return 0;
	jerr = 0;
	s = create ? js_AddStream(&si, b->js, sc, NULL, &jerr) :
		     js_UpdateStream(&si, b->js, sc, NULL, &jerr);
	jsStreamInfo_Destroy(si);
	if (s != NATS_OK)
		return topology_failure(b, s, jerr, what, err, errlen);
	report_line(report, "stream", sc->Name, create);
	return 0;
}

/* ---- consumers ---- */

/* A durable pull consumer, acknowledged one message at a time. */
static void pull_consumer(jsConsumerConfig *cc, const char *name, const char *filter,
			  int64_t max_ack_pending)
{
	jsConsumerConfig_Init(cc);
	/* The name set too: libnats then creates through the filtered subject (topology.h). */
	cc->Name = name;
	cc->Durable = name;
	cc->FilterSubject = filter;
	cc->DeliverPolicy = js_DeliverAll;
	cc->AckPolicy = js_AckExplicit;
	cc->AckWait = TOPOLOGY_ACK_WAIT * NS_PER_S;
	cc->MaxAckPending = max_ack_pending;
}

int topology_reader_consumer(const char *consumer, char *filter, size_t len, jsConsumerConfig *cc)
{
	const char *name = consumer + strlen(BUS_PARTNER_CONSUMER);

	if (!strcmp(consumer, BUS_PUBLIC_CONSUMER))
		snprintf(filter, len, "%s", BUS_PUBLIC_SUBJECT);
	else if (!strncmp(consumer, BUS_PARTNER_CONSUMER, strlen(BUS_PARTNER_CONSUMER)) &&
		 bus_name_valid(name))
		snprintf(filter, len, "%s%s", BUS_PARTNER_SUBJECT, name);
	else
		return -1;
	pull_consumer(cc, consumer, filter, TOPOLOGY_PARTNER_MAX_ACK_PENDING);
	return 0;
}

/* Update the consumer when it exists, else (or when `create_only`, only) create it. */
static int apply_consumer(struct bus *b, const char *stream, jsConsumerConfig *cc, bool create_only,
			  FILE *report, char *err, size_t errlen)
{
	jsConsumerInfo *ci = NULL;
	jsErrCode jerr = 0;
	char what[128];
	natsStatus s;
	bool create;

	snprintf(what, sizeof(what), "consumer %s on %s", cc->Durable, stream);
	s = js_GetConsumerInfo(&ci, b->js, stream, cc->Durable, NULL, &jerr);
	create = s == NATS_NOT_FOUND || jerr == JSConsumerNotFoundErr;
	if (s != NATS_OK && !create)
		return topology_failure(b, s, jerr, what, err, errlen);
	jsConsumerInfo_Destroy(ci);
	ci = NULL;
	if (!create && create_only)
		return 0;
	jerr = 0;
	s = create ? js_AddConsumer(&ci, b->js, stream, cc, NULL, &jerr) :
		     js_UpdateConsumer(&ci, b->js, stream, cc, NULL, &jerr);
	jsConsumerInfo_Destroy(ci);
	if (s != NATS_OK)
		return topology_failure(b, s, jerr, what, err, errlen);
	report_line(report, "consumer", cc->Durable, create);
	return 0;
}

int topology_check_reader(struct bus *b, const char *consumer, char *err, size_t errlen)
{
	char filter[FILTER_MAX], what[128];
	jsConsumerInfo *ci = NULL;
	jsConsumerConfig cc;
	jsErrCode jerr = 0;
	natsStatus s;

	if (topology_reader_consumer(consumer, filter, sizeof(filter), &cc)) {
		snprintf(err, errlen, "consumer %s: not a partner's (%sNAME) or %s", consumer,
			 BUS_PARTNER_CONSUMER, BUS_PUBLIC_CONSUMER);
		return EXIT_USAGE;
	}
	s = js_GetConsumerInfo(&ci, b->js, BUS_PARTNERS_STREAM, consumer, NULL, &jerr);
	jsConsumerInfo_Destroy(ci);
	if (s == NATS_OK)
		return 0;
	if (s == NATS_NOT_FOUND || jerr == JSConsumerNotFoundErr) {
		snprintf(
			err, errlen,
			"consumer %s on %s does not exist: `botsink streams --partners FILE`, or a hub whose partners file names it, creates it",
			consumer, BUS_PARTNERS_STREAM);
		return EXIT_USAGE;
	}
	snprintf(what, sizeof(what), "consumer %s on %s", consumer, BUS_PARTNERS_STREAM);
	return topology_failure(b, s, jerr, what, err, errlen);
}

/* partner-NAME for each partner, then public. */
static int apply_readers(struct bus *b, const struct topology *t, FILE *report, char *err,
			 size_t errlen)
{
	char consumer[BUS_NAME_MAX + 16], filter[FILTER_MAX];
	jsConsumerConfig cc;
	int ret;

	for (size_t i = 0; i <= t->npartners; i++) {
		if (i < t->npartners)
			snprintf(consumer, sizeof(consumer), "%s%s", BUS_PARTNER_CONSUMER,
				 t->partners[i]);
		else
			snprintf(consumer, sizeof(consumer), "%s", BUS_PUBLIC_CONSUMER);
		if (topology_reader_consumer(consumer, filter, sizeof(filter), &cc)) {
			snprintf(err, errlen,
				 "consumer '%s': a partner name is [A-Za-z0-9_-], 1-%d characters",
				 consumer, BUS_NAME_MAX);
			return EXIT_USAGE;
		}
		ret = apply_consumer(b, BUS_PARTNERS_STREAM, &cc, t->create_only, report, err,
				     errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int topology_apply(struct bus *b, const struct topology *t, FILE *report, char *err, size_t errlen)
{
	const char *counts_subjects[1], *partner_subjects[2];
	jsStreamConfig counts, partners;
	jsConsumerConfig hub;
	int ret;

	counts_stream(t, &counts, counts_subjects);
	partners_stream(t, &partners, partner_subjects);
	pull_consumer(&hub, BUS_HUB_CONSUMER, NULL, TOPOLOGY_HUB_MAX_ACK_PENDING);
	ret = apply_stream(b, &counts, t->create_only, report, err, errlen);
	if (!ret)
		ret = apply_stream(b, &partners, t->create_only, report, err, errlen);
	if (!ret)
		ret = apply_consumer(b, BUS_COUNTS_STREAM, &hub, t->create_only, report, err,
				     errlen);
	if (!ret)
		ret = apply_readers(b, t, report, err, errlen);
	return ret;
}
