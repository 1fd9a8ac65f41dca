// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The NATS tests' client: one request as one principal, through the same
 * connection code as botsink (bus/conn.c), its outcome as an exit code:
 * 0 done, 2 refused (permissions, credentials, certificate), 1 other.
 *
 *   bus_tool URLS AUTH CA pub SUBJECT TEXT [ID] JetStream publish (acknowledged), with
 *                                               message id ID (dropped when stored before)
 *   bus_tool URLS AUTH CA corepub SUBJECT TEXT  plain publish, then a flush
 *   bus_tool URLS AUTH CA sub SUBJECT           subscribe, then a flush
 *   bus_tool URLS AUTH CA last SUBJECT          the last message on SUBJECT of
 *                                               BOTSINK_COUNTS (direct get) to stdout
 *   bus_tool URLS AUTH CA create NAME FILTER [DELIVER]
 *                                               a consumer on BOTSINK_PARTNERS, by name
 *                                               (a push consumer onto DELIVER when given)
 *   bus_tool URLS AUTH CA delete NAME           delete a consumer of BOTSINK_PARTNERS
 *   bus_tool URLS AUTH CA kv                    create BOTSINK_KEYS, put, get, watch
 */
#include <stdio.h>
#include <string.h>
#include "bus/conn.h"
#include "bus/topology.h"
#include "lib/util.h"

#define WAIT_MS 3000 /* a refused request times out: this long */
#define ASYNC_MS 500 /* for the server's -ERR after a flush */

static char err[1024];

/* The server's asynchronous answer to what was just sent, if any. */
static int async_outcome(struct bus *b, natsStatus s, const char *what)
{
	if (s == NATS_OK)
		s = natsConnection_FlushTimeout(b->nc, WAIT_MS);
	nats_Sleep(ASYNC_MS);
	if (s == NATS_OK && !b->async_error[0])
		return EXIT_OK;
	return topology_failure(b, s, 0, what, err, sizeof(err));
}

static int js_pub(struct bus *b, const char *subject, const char *text, const char *id)
{
	jsPubOptions po;
	jsPubAck *pa = NULL;
	jsErrCode jerr = 0;
	natsStatus s;

	jsPubOptions_Init(&po);
	po.MaxWait = WAIT_MS;
	po.MsgId = id;
	s = js_Publish(&pa, b->js, subject, text, (int)strlen(text), &po, &jerr);
	jsPubAck_Destroy(pa);
	return s == NATS_OK ? EXIT_OK : topology_failure(b, s, jerr, subject, err, sizeof(err));
}

static int core_sub(struct bus *b, const char *subject)
{
	natsSubscription *sub = NULL;
	int ret = async_outcome(b, natsConnection_SubscribeSync(&sub, b->nc, subject), subject);

	natsSubscription_Destroy(sub);
	return ret;
}

static int last(struct bus *b, const char *subject)
{
	jsDirectGetMsgOptions o;
	jsOptions jo;
	natsMsg *m = NULL;
	natsStatus s;

	jsOptions_Init(&jo);
	jo.Wait = WAIT_MS;
	jsDirectGetMsgOptions_Init(&o);
	o.LastBySubject = subject;
	s = js_DirectGetMsg(&m, b->js, BUS_COUNTS_STREAM, &jo, &o);
	if (s != NATS_OK)
		return topology_failure(b, s, 0, subject, err, sizeof(err));
	printf("%.*s\n", natsMsg_GetDataLength(m), natsMsg_GetData(m));
	natsMsg_Destroy(m);
	return EXIT_OK;
}

static int create(struct bus *b, const char *name, const char *filter, const char *deliver)
{
	jsConsumerInfo *ci = NULL;
	jsConsumerConfig cc;
	jsErrCode jerr = 0;
	jsOptions jo;
	natsStatus s;

	jsOptions_Init(&jo);
	jo.Wait = WAIT_MS;
	jsConsumerConfig_Init(&cc);
	cc.Name = name;
	cc.Durable = name;
	cc.FilterSubject = filter;
	cc.DeliverSubject = deliver;
	cc.AckPolicy = js_AckExplicit;
	s = js_AddConsumer(&ci, b->js, BUS_PARTNERS_STREAM, &cc, &jo, &jerr);
	jsConsumerInfo_Destroy(ci);
	return s == NATS_OK ? EXIT_OK : topology_failure(b, s, jerr, name, err, sizeof(err));
}

static int delete (struct bus *b, const char *name)
{
	jsErrCode jerr = 0;
	natsStatus s = js_DeleteConsumer(b->js, BUS_PARTNERS_STREAM, name, NULL, &jerr);

	return s == NATS_OK ? EXIT_OK : topology_failure(b, s, jerr, name, err, sizeof(err));
}

/* The key bucket as the hubs use it: create, put, get, and a watch that sees a put. */
static int kv(struct bus *b)
{
	kvWatcher *w = NULL;
	kvEntry *e = NULL;
	kvStore *store = NULL;
	kvConfig kc;
	uint64_t rev;
	natsStatus s;
	int seen = 0;

	kvConfig_Init(&kc);
	kc.Bucket = BUS_KEYS_BUCKET;
	kc.Replicas = TOPOLOGY_REPLICAS;
	s = js_CreateKeyValue(&store, b->js, &kc);
	if (s == NATS_OK)
		s = kvStore_PutString(&rev, store, "k1", "v1");
	if (s == NATS_OK)
		s = kvStore_Get(&e, store, "k1");
	if (s == NATS_OK && strcmp(kvEntry_ValueString(e), "v1"))
		s = NATS_ERR;
	kvEntry_Destroy(e);
	if (s == NATS_OK)
		s = kvStore_WatchAll(&w, store, NULL);
	if (s == NATS_OK)
		s = kvStore_PutString(&rev, store, "k2", "v2");
	/* k1, the end of the initial values (no entry), then k2. */
	while (s == NATS_OK && seen < 3) {
		e = NULL;
		s = kvWatcher_Next(&e, w, WAIT_MS);
		seen += s == NATS_OK;
		if (e && !strcmp(kvEntry_Key(e), "k2"))
			seen = 3;
		kvEntry_Destroy(e);
	}
	kvWatcher_Destroy(w);
	kvStore_Destroy(store);
	return s == NATS_OK ? EXIT_OK : topology_failure(b, s, 0, "kv", err, sizeof(err));
}

static int act(struct bus *b, int argc, char **argv)
{
	const char *a = argv[4];

	if (!strcmp(a, "pub") && (argc == 7 || argc == 8))
		return js_pub(b, argv[5], argv[6], argc == 8 ? argv[7] : NULL);
	if (!strcmp(a, "corepub") && argc == 7)
		return async_outcome(b, natsConnection_PublishString(b->nc, argv[5], argv[6]),
				     argv[5]);
	if (!strcmp(a, "sub") && argc == 6)
		return core_sub(b, argv[5]);
	if (!strcmp(a, "last") && argc == 6)
		return last(b, argv[5]);
	if (!strcmp(a, "create") && (argc == 7 || argc == 8))
		return create(b, argv[5], argv[6], argc == 8 ? argv[7] : NULL);
	if (!strcmp(a, "delete") && argc == 6)
		return delete (b, argv[5]);
	if (!strcmp(a, "kv") && argc == 5)
		return kv(b);
	snprintf(err, sizeof(err), "unknown action or arguments (see tests/nats/bus_tool.c)");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct bus_config cfg = { .name = "bus_tool" };
	struct bus *b;
	int ret;

	if (argc < 5) {
		fprintf(stderr, "usage: bus_tool URLS AUTH CA ACTION [ARGS]\n");
		return EXIT_USAGE;
	}
	cfg.urls = argv[1];
	cfg.auth_file = argv[2];
	cfg.ca_file = argv[3];
	b = bus_connect(&cfg, &ret, err, sizeof(err));
	if (b) {
		ret = act(b, argc, argv);
		bus_close(b);
	}
	if (ret)
		fprintf(stderr, "bus_tool %s: %s\n", argv[4], err);
	return ret;
}
