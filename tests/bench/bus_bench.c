// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * make bench, the bus part: one principal's side of a measurement on the
 * NATS cluster, through botsink's own code (tests/bench/bus.sh runs the
 * cluster, the hub and the lab around it). Each action prints what it
 * measured, then a line "figures: NAME=VALUE ..." for the script.
 *
 *   bus_bench URLS AUTH CA publish SENSOR      a million synthetic counts (bench.c's, in
 *                                              no order of address, as a kernel hash table
 *                                              returns them) as one epoch through the
 *                                              sensor's publisher: feed_write_epoch, then
 *                                              sink_sync (every message acknowledged by the
 *                                              stream), as the daemon does each interval;
 *                                              then the same epoch into the file feed
 *                                              (jsonl, ipcrypt-pfx, fsync), as bench.c
 *   bus_bench URLS AUTH CA hubwait SECONDS     wait until consumer botsink-hub has nothing
 *                                              pending nor unacknowledged (at most SECONDS)
 *   bus_bench URLS AUTH CA streams             each stream's messages and bytes
 *   bus_bench URLS AUTH CA purge               empty both streams
 *   bus_bench URLS AUTH CA latency IDLE MAX    read the user's own consumer (public,
 *                                              partner-NAME) one message at a time: each
 *                                              record's receive time minus its last_seen
 *                                              and minus its timestamp (the epoch's end);
 *                                              p50 and p99 once IDLE seconds pass without
 *                                              a message after the first (at most MAX)
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "bus/conn.h"
#include "bus/publish.h"
#include "bus/topology.h"
#include "lib/util.h"
#include "synth.h"

#define WAIT_MS 5000
#define POLL_MS 20 /* hubwait's consumer info requests */
#define FETCH_MS 500 /* the reader's longest fetch */

static char err[1024];
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The process's largest resident size so far, MB. */
static double max_rss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* The counts in the order of a hash table's walk: any address next to any (fixed seed). */
static void shuffle(struct botsink_source_count *items, size_t n)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (size_t i = n - 1; i > 0; i--) {
		struct botsink_source_count t = items[i];
		size_t j;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = (size_t)(x % (i + 1));
		items[i] = items[j];
		items[j] = t;
	}
}

/* The publisher's figures of one epoch. */
struct pub_times {
	double write, sync, cpu;
	struct publish_stats st;
};

/* One epoch of r through a publisher as `sensor`, as the daemon's drain does it. */
static int publish_epoch(const struct bus_config *bc, const char *sensor, struct feed *feed,
			 const struct drain_result *r, struct pub_times *pt)
{
	struct publish_config pc = { .bus = *bc, .sensor = sensor, .state_fd = -1 };
	struct epoch e = { .incarnation = (unsigned long long)time(NULL),
			   .number = 1,
			   .end_mono_ns = 1 };
	struct feed_target t = { 0 };
	struct feed_view view;
	struct timespec t0;
	double cpu0;
	int code, ret = -1;

	/* The counts' last_seen_ns is 1: every record's last_seen is the epoch's end, now. */
	clock_gettime(CLOCK_REALTIME, &e.end);
	if (feed_view_init(&view, feed, "publisher", NULL, ANON_NONE, NULL, FORMAT_COUNTS, false,
			   err, sizeof(err)))
		return -1;
	t.view = &view;
	t.sink = publisher_open(&pc, &code, err, sizeof(err));
	if (!t.sink)
		goto out;
	cpu0 = cpu_seconds();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (feed_write_epoch(feed, &e, r, &t, 1)) {
		snprintf(err, sizeof(err), "feed_write_epoch: %s", strerror(t.error));
		goto out;
	}
	pt->write = seconds_since(&t0);
	if (sink_sync(t.sink)) {
		snprintf(err, sizeof(err), "sink_sync: %s", strerror(errno));
		goto out;
	}
	pt->sync = seconds_since(&t0) - pt->write;
	pt->cpu = cpu_seconds() - cpu0;
	publisher_stats(t.sink, &pt->st);
	ret = 0;
out:
	if (t.sink)
		sink_close(t.sink);
	feed_view_free(&view);
	return ret;
}

static int publish(const struct bus_config *bc, const char *sensor)
{
	struct drain_result r = { 0 };
	struct botsink_source_count *items = synthetic_drain(&r);
	struct keyring *keys = NULL;
	struct pub_times pt = { 0 };
	struct feed_view view;
	struct rule_set rs;
	struct feed feed;
	char keydir[64], path[64];
	double file = -1, all;
	int ret = EXIT_RUNTIME;

	if (!items)
		return EXIT_RUNTIME;
	shuffle(items, r.n);
	if (bench_feed(&feed, &rs, sensor) || publish_epoch(bc, sensor, &feed, &r, &pt))
		goto out;
	if (!bench_view(&feed, &view, &keys, keydir)) {
		file = bench_file_feed(&feed, &view, &r, path);
		bench_view_free(&view, keys, keydir);
	}
	if (file < 0) {
		snprintf(err, sizeof(err), "the file feed failed");
		goto out;
	}
	all = pt.write + pt.sync;
	printf("publisher: %zu records in %llu messages (%llu acknowledged, %llu refused): %.0f ms, %.0f records/s\n"
	       "  records -> messages sent %.0f ms, then until the last acknowledgement %.0f ms; CPU %.2f s; largest RSS %.0f MB\n",
	       r.n, (unsigned long long)pt.st.messages, (unsigned long long)pt.st.acked,
	       (unsigned long long)pt.st.failed, all * 1e3, (double)r.n / all, pt.write * 1e3,
	       pt.sync * 1e3, pt.cpu, max_rss_mb());
	printf("file feed, the same records (jsonl, ipcrypt-pfx, fsync): %.0f ms, %.0f records/s\n",
	       file * 1e3, (double)r.n / file);
	printf("figures: records=%zu publish_ms=%.0f publish_cpu_ms=%.0f file_ms=%.0f\n", r.n,
	       all * 1e3, pt.cpu * 1e3, file * 1e3);
	ret = EXIT_OK;
	if (pt.st.acked != pt.st.messages || pt.st.failed) {
		snprintf(err, sizeof(err), "not every message was stored");
		ret = EXIT_RUNTIME;
	}
out:
	feed_free(&feed);
	rules_free(&rs);
	free(items);
	return ret;
}

static int hubwait(struct bus *b, double timeout)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop && seconds_since(&t0) < timeout) {
		jsConsumerInfo *ci = NULL;
		jsErrCode e = 0;
		natsStatus s = js_GetConsumerInfo(&ci, b->js, BUS_COUNTS_STREAM, BUS_HUB_CONSUMER,
						  NULL, &e);
		bool done = s == NATS_OK && !ci->NumPending && !ci->NumAckPending &&
			    ci->Delivered.Consumer;

		if (done) {
			printf("consumer %s: %llu messages delivered (%lld again), none pending\n",
			       BUS_HUB_CONSUMER, (unsigned long long)ci->Delivered.Consumer,
			       (long long)ci->NumRedelivered);
		}
		jsConsumerInfo_Destroy(ci);
		if (done)
			return EXIT_OK;
		nats_Sleep(POLL_MS);
	}
	snprintf(err, sizeof(err), "consumer %s not drained in %.0f s", BUS_HUB_CONSUMER, timeout);
	return EXIT_RUNTIME;
}

static int streams(struct bus *b)
{
	static const char *const names[] = { BUS_COUNTS_STREAM, BUS_PARTNERS_STREAM };
	static const char *const keys[] = { "counts", "partners" };

	printf("figures:");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		jsStreamInfo *si = NULL;
		jsErrCode e = 0;
		natsStatus s = js_GetStreamInfo(&si, b->js, names[i], NULL, &e);

		if (s != NATS_OK)
			return topology_failure(b, s, e, names[i], err, sizeof(err));
		printf(" %s_msgs=%llu %s_bytes=%llu", keys[i], (unsigned long long)si->State.Msgs,
		       keys[i], (unsigned long long)si->State.Bytes);
		jsStreamInfo_Destroy(si);
	}
	printf("\n");
	return EXIT_OK;
}

static int purge(struct bus *b)
{
	static const char *const names[] = { BUS_COUNTS_STREAM, BUS_PARTNERS_STREAM };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		jsErrCode e = 0;
		natsStatus s = js_PurgeStream(b->js, names[i], NULL, &e);

		if (s != NATS_OK)
			return topology_failure(b, s, e, names[i], err, sizeof(err));
	}
	return EXIT_OK;
}

/* ---- the latency reader ---- */

struct samples {
	double *v;
	size_t n, cap;
};

static int sample_add(struct samples *s, double v)
{
	if (s->n == s->cap) {
		if (!array_grow((void **)&s->v, s->n + 1, sizeof(*s->v)))
			return -1;
		s->cap = s->n + 1;
	}
	s->v[s->n++] = v;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile (nearest rank) of sorted samples, ms. */
static double quantile_ms(const struct samples *s, double q)
{
	double at = q * (double)s->n;
	size_t rank = (size_t)at;

	if ((double)rank < at)
		rank++;

	return s->v[rank ? rank - 1 : 0] * 1e3;
}

/* "2026-12-07T23:45:01.123Z" (format_utc's), Unix seconds. 0 or -1. */
static int utc_seconds(const char *text, double *out)
{
	struct tm tm = { 0 };
	int ms;

	if (!text || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
			    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (double)timegm(&tm) + ms / 1e3;
	return 0;
}

struct latency {
	struct samples seen, end; /* receive time - last_seen, - timestamp */
	uint64_t messages, checkins, bad;
};

/* One jsonl record received at `now` (Unix seconds). */
static void record_latency(struct latency *l, const char *line, size_t len, double now)
{
	json_t *o = json_loadb(line, len, 0, NULL);
	double seen, end;

	if (!o || utc_seconds(json_string_value(json_object_get(o, "last_seen")), &seen) ||
	    utc_seconds(json_string_value(json_object_get(o, "timestamp")), &end) ||
	    sample_add(&l->seen, now - seen) || sample_add(&l->end, now - end))
		l->bad++;
	else
		l->checkins += (uint64_t)json_integer_value(json_object_get(o, "checkins"));
	json_decref(o);
}

static void message_latency(struct latency *l, natsMsg *m, double now)
{
	const char *data = natsMsg_GetData(m);
	size_t len = (size_t)natsMsg_GetDataLength(m);

	for (size_t at = 0; at < len;) {
		const char *nl = memchr(data + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (data + at)) : len - at;

		if (n)
			record_latency(l, data + at, n, now);
		at += n + 1;
	}
	l->messages++;
}

static int bind_reader(struct bus *b, natsSubscription **sub)
{
	char filter[BUS_NAME_MAX + 32];
	jsConsumerConfig cc;
	jsSubOptions so;
	jsErrCode e = 0;
	natsStatus s;
	int ret;

	if (topology_reader_consumer(b->creds.user, filter, sizeof(filter), &cc)) {
		snprintf(err, sizeof(err), "%s has no consumer of its own", b->creds.user);
		return EXIT_USAGE;
	}
	ret = topology_check_reader(b, b->creds.user, err, sizeof(err));
	if (ret)
		return ret;
	jsSubOptions_Init(&so);
	so.Stream = BUS_PARTNERS_STREAM;
	so.Consumer = b->creds.user;
	s = js_PullSubscribe(sub, b->js, filter, b->creds.user, NULL, &so, &e);
	return s == NATS_OK ? 0 : topology_failure(b, s, e, "subscribe", err, sizeof(err));
}

/*
 * One message at a time, each fetch waiting for the next: a fetch of more
 * returns only when it has them all or its time is up, which would add
 * to what is measured.
 */
static void read_latency(natsSubscription *sub, struct latency *l, double idle, double max)
{
	struct timespec t0, last;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	last = t0;
	while (!stop && seconds_since(&t0) < max && (!l->messages || seconds_since(&last) < idle)) {
		natsMsgList list = { 0 };
		jsFetchRequest fr;
		struct timespec now;

		jsFetchRequest_Init(&fr);
		fr.Batch = 1;
		fr.Expires = (int64_t)FETCH_MS * 1000000;
		if (natsSubscription_FetchRequest(&list, sub, &fr) != NATS_OK)
			continue;
		clock_gettime(CLOCK_REALTIME, &now);
		clock_gettime(CLOCK_MONOTONIC, &last);
		for (int i = 0; i < list.Count; i++) {
			message_latency(l, list.Msgs[i], (double)now.tv_sec + now.tv_nsec / 1e9);
			natsMsg_Ack(list.Msgs[i], NULL);
		}
		natsMsgList_Destroy(&list);
	}
}

static int latency(struct bus *b, double idle, double max)
{
	struct latency l = { 0 };
	natsSubscription *sub = NULL;
	int ret = bind_reader(b, &sub);

	if (ret)
		return ret;
	read_latency(sub, &l, idle, max);
	natsSubscription_Destroy(sub);
	if (!l.seen.n) {
		snprintf(err, sizeof(err), "no records (%llu messages, %llu unreadable records)",
			 (unsigned long long)l.messages, (unsigned long long)l.bad);
		ret = EXIT_RUNTIME;
		goto out;
	}
	qsort(l.seen.v, l.seen.n, sizeof(double), cmp_double);
	qsort(l.end.v, l.end.n, sizeof(double), cmp_double);
	printf("%s: %zu records of %llu check-ins in %llu messages (%llu unreadable)\n",
	       b->creds.user, l.seen.n, (unsigned long long)l.checkins,
	       (unsigned long long)l.messages, (unsigned long long)l.bad);
	printf("  check-in (last_seen) -> record received: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
	       quantile_ms(&l.seen, 0.5), quantile_ms(&l.seen, 0.99), quantile_ms(&l.seen, 1));
	printf("  epoch end (timestamp) -> record received: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
	       quantile_ms(&l.end, 0.5), quantile_ms(&l.end, 0.99), quantile_ms(&l.end, 1));
	printf("figures: lat_records=%zu lat_checkins=%llu lat_p50_ms=%.0f lat_p99_ms=%.0f end_p50_ms=%.0f end_p99_ms=%.0f\n",
	       l.seen.n, (unsigned long long)l.checkins, quantile_ms(&l.seen, 0.5),
	       quantile_ms(&l.seen, 0.99), quantile_ms(&l.end, 0.5), quantile_ms(&l.end, 0.99));
out:
	free(l.seen.v);
	free(l.end.v);
	return ret;
}

static int act(struct bus *b, int argc, char **argv)
{
	const char *a = argv[4];

	if (!strcmp(a, "hubwait") && argc == 6)
		return hubwait(b, atof(argv[5]));
	if (!strcmp(a, "streams") && argc == 5)
		return streams(b);
	if (!strcmp(a, "purge") && argc == 5)
		return purge(b);
	if (!strcmp(a, "latency") && argc == 7)
		return latency(b, atof(argv[5]), atof(argv[6]));
	snprintf(err, sizeof(err), "unknown action or arguments (see tests/bench/bus_bench.c)");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct bus_config cfg = { .name = "bus_bench" };
	struct sigaction sa = { .sa_handler = on_signal };
	struct bus *b;
	int ret;

	if (argc < 5) {
		fprintf(stderr, "usage: bus_bench URLS AUTH CA ACTION [ARGS]\n");
		return EXIT_USAGE;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	cfg.urls = argv[1];
	cfg.auth_file = argv[2];
	cfg.ca_file = argv[3];
	if (!strcmp(argv[4], "publish") && argc == 6) {
		ret = publish(&cfg, argv[5]);
	} else {
		b = bus_connect(&cfg, &ret, err, sizeof(err));
		if (b) {
			ret = act(b, argc, argv);
			bus_close(b);
		}
	}
	if (ret)
		fprintf(stderr, "bus_bench %s: %s\n", argv[4], err);
	return ret;
}
