// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "feed.h"
#include "util.h"

void feed_init(struct feed *f, struct sink *sink, const struct anonymizer *anon, const char *sensor)
{
	memset(f, 0, sizeof(*f));
	f->sink = sink;
	f->anon = anon;
	f->sensor = sensor;
}

/* The newest entry for a sid, or CATALOG_NONE: a binary search in by_sid. */
static size_t catalog_find(const struct feed *f, uint32_t sid)
{
	size_t lo = 0, hi = f->nby_sid;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t at = f->catalog[f->by_sid[mid]].sid;

		if (at == sid)
			return f->by_sid[mid];
		if (at < sid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return CATALOG_NONE;
}

static const struct feed *sort_feed; /* qsort has no context argument */

static int cmp_by_sid(const void *a, const void *b)
{
	const struct catalog_entry *x = &sort_feed->catalog[*(const size_t *)a];
	const struct catalog_entry *y = &sort_feed->catalog[*(const size_t *)b];

	if (x->sid != y->sid)
		return x->sid < y->sid ? -1 : 1;
	/* The newest first, so it is the one kept. */
	return *(const size_t *)a > *(const size_t *)b ? -1 : 1;
}

/* Rebuild the sid index after entries were added. */
static int index_catalog(struct feed *f)
{
	size_t *idx = malloc((f->ncatalog ? f->ncatalog : 1) * sizeof(*idx)), k = 0;

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < f->ncatalog; i++)
		idx[i] = i;
	sort_feed = f;
	qsort(idx, f->ncatalog, sizeof(*idx), cmp_by_sid);
	for (size_t i = 0; i < f->ncatalog; i++)
		if (!k || f->catalog[idx[k - 1]].sid != f->catalog[idx[i]].sid)
			idx[k++] = idx[i];
	free(f->by_sid);
	f->by_sid = idx;
	f->nby_sid = k;
	return 0;
}

int feed_learn_rules(struct feed *f, const struct rule_set *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->rules[i];
		size_t found = catalog_find(f, r->sid);
		struct catalog_entry *e = found == CATALOG_NONE ? NULL : &f->catalog[found];

		if (e && !strcmp(e->family, r->family) &&
		    !strcmp(e->msg ? e->msg : "", r->msg ? r->msg : "") &&
		    !strcmp(e->classtype ? e->classtype : "", r->classtype ? r->classtype : ""))
			continue;
		/* A changed sid gets a new entry; the newest one wins lookups. */
		if (!array_grow((void **)&f->catalog, f->ncatalog + 1, sizeof(*f->catalog))) {
			index_catalog(f); /* what was added so far */
			return -ENOMEM;
		}
		e = &f->catalog[f->ncatalog];
		e->sid = r->sid;
		e->family = strdup(r->family);
		e->msg = r->msg ? strdup(r->msg) : NULL;
		e->classtype = r->classtype ? strdup(r->classtype) : NULL;
		if (!e->family || (r->msg && !e->msg) || (r->classtype && !e->classtype)) {
			free(e->family);
			free(e->msg);
			free(e->classtype);
			index_catalog(f);
			return -ENOMEM;
		}
		f->ncatalog++;
	}
	return index_catalog(f);
}

static struct timespec mono_to_wall(__u64 mono_ns, const struct timespec *now_wall, __u64 now_mono)
{
	__u64 age = now_mono > mono_ns ? now_mono - mono_ns : 0;
	__u64 wall = (__u64)now_wall->tv_sec * 1000000000ULL + (__u64)now_wall->tv_nsec - age;
	struct timespec ts = { .tv_sec = (time_t)(wall / 1000000000ULL),
			       .tv_nsec = (long)(wall % 1000000000ULL) };

	return ts;
}

static int cmp_pending(const void *a, const void *b)
{
	const struct botsink_source_key *x = &((const struct pending_count *)a)->sc.key;
	const struct botsink_source_key *y = &((const struct pending_count *)b)->sc.key;

	if (x->sid != y->sid)
		return x->sid < y->sid ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec != b->tv_sec ? a->tv_sec < b->tv_sec : a->tv_nsec < b->tv_nsec;
}

/* Fold two counts of one key into one record that covers both intervals. */
static void merge_pending(struct pending_count *into, const struct pending_count *p)
{
	struct botsink_counter *t = &into->sc.total;
	const struct botsink_counter *n = &p->sc.total;

	t->packets += n->packets;
	t->bytes += n->bytes;
	t->syns += n->syns;
	t->checkins += n->checkins;
	if (n->dns_qtype)
		t->dns_qtype = n->dns_qtype;
	if (ts_before(&p->first_seen, &into->first_seen))
		into->first_seen = p->first_seen;
	if (!ts_before(&p->last_seen, &into->last_seen)) {
		into->last_seen = p->last_seen;
		memcpy(t->dst_addr, n->dst_addr, sizeof(t->dst_addr));
		t->dst_port = n->dst_port;
		t->protocol = n->protocol;
	}
	/* The labels of the latest drain; order-independent, so any sort will do. */
	if (ts_before(&into->interval_end, &p->interval_end)) {
		into->interval_end = p->interval_end;
		into->rule = p->rule;
	}
}

int feed_add(struct feed *f, const struct drain_result *d)
{
	struct timespec wall, mono;
	size_t out = 0;
	__u64 now_mono;

	if (!d->n)
		return 0;
	if (!array_grow((void **)&f->pending, f->npending + d->n, sizeof(*f->pending)))
		return -ENOMEM;
	/* The XDP program stamps CLOCK_MONOTONIC_COARSE; map it to UTC now. */
	clock_gettime(CLOCK_REALTIME, &wall);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
	now_mono = (__u64)mono.tv_sec * 1000000000ULL + (__u64)mono.tv_nsec;
	for (size_t i = 0; i < d->n; i++) {
		struct pending_count *p = &f->pending[f->npending + i];

		p->sc = d->items[i];
		p->interval_end = wall;
		p->first_seen = mono_to_wall(p->sc.total.first_seen_ns, &wall, now_mono);
		p->last_seen = mono_to_wall(p->sc.total.last_seen_ns, &wall, now_mono);
		p->rule = p->sc.key.sid ? catalog_find(f, p->sc.key.sid) : CATALOG_NONE;
	}
	/* One drain holds each key once: merging is for counts already waiting. */
	if (!f->npending) {
		f->npending = d->n;
		return 0;
	}
	f->npending += d->n;
	qsort(f->pending, f->npending, sizeof(*f->pending), cmp_pending);
	for (size_t i = 0; i < f->npending; i++) {
		if (out && !cmp_pending(&f->pending[out - 1], &f->pending[i]))
			merge_pending(&f->pending[out - 1], &f->pending[i]);
		else
			f->pending[out++] = f->pending[i];
	}
	f->npending = out;
	return 0;
}

static void build_record(const struct feed *f, const struct pending_count *p, struct feed_record *r)
{
	const struct botsink_counter *t = &p->sc.total;
	const struct catalog_entry *e = p->rule == CATALOG_NONE ? NULL : &f->catalog[p->rule];
	struct in6_addr src, anon;

	memset(r, 0, sizeof(*r));
	r->timestamp = p->interval_end;
	r->first_seen = p->first_seen;
	r->last_seen = p->last_seen;
	memcpy(&src, p->sc.key.addr, sizeof(src));
	anon_apply(f->anon, &src, &anon);
	addr_format(&anon, r->src_ip, sizeof(r->src_ip));
	r->anon_mode = anon_mode_name(f->anon->mode);
	r->protocol = t->protocol;
	memcpy(&r->dst_ip, t->dst_addr, sizeof(r->dst_ip));
	r->has_port = t->protocol == IPPROTO_TCP || t->protocol == IPPROTO_UDP;
	r->dst_port = t->dst_port;
	r->family = p->sc.key.sid ? (e ? e->family : "unknown") : "unclassified";
	r->tag = e ? e->msg : NULL;
	r->classtype = e ? e->classtype : NULL;
	r->checkins = t->checkins;
	r->dns_qtype = t->dns_qtype;
	r->sid = p->sc.key.sid;
	r->packets = t->packets;
	r->bytes = t->bytes;
	r->syns = t->syns;
	r->sensor = f->sensor;
}

/* Records are built and handed to the sink this many at a time. */
#define FLUSH_BATCH 8192

int feed_flush(struct feed *f)
{
	size_t done = 0, batch = f->npending < FLUSH_BATCH ? f->npending : FLUSH_BATCH;
	struct feed_record *recs;
	int ret = 0;

	if (!f->npending)
		return 0;
	recs = calloc(batch, sizeof(*recs));
	if (!recs) {
		errno = ENOMEM;
		return -1;
	}
	while (done < f->npending && !ret) {
		size_t n = f->npending - done < batch ? f->npending - done : batch;

		for (size_t i = 0; i < n; i++)
			build_record(f, &f->pending[done + i], &recs[i]);
		ret = sink_emit(f->sink, recs, n);
		if (!ret)
			done += n;
	}
	free(recs);
	/* What the sink took is gone; the rest waits, in order, for the next try. */
	if (done && done < f->npending)
		memmove(f->pending, f->pending + done, (f->npending - done) * sizeof(*f->pending));
	f->npending -= done;
	return ret;
}

void feed_free(struct feed *f)
{
	for (size_t i = 0; i < f->ncatalog; i++) {
		free(f->catalog[i].family);
		free(f->catalog[i].msg);
		free(f->catalog[i].classtype);
	}
	free(f->catalog);
	free(f->by_sid);
	free(f->pending);
	memset(f, 0, sizeof(*f));
}
