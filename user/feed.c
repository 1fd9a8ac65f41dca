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

/* The newest entry for a sid, or CATALOG_NONE. */
static size_t catalog_find(const struct feed *f, uint32_t sid)
{
	for (size_t i = f->ncatalog; i-- > 0;)
		if (f->catalog[i].sid == sid)
			return i;
	return CATALOG_NONE;
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
		if (!array_grow((void **)&f->catalog, f->ncatalog + 1, sizeof(*f->catalog)))
			return -ENOMEM;
		e = &f->catalog[f->ncatalog];
		e->sid = r->sid;
		e->family = strdup(r->family);
		e->msg = r->msg ? strdup(r->msg) : NULL;
		e->classtype = r->classtype ? strdup(r->classtype) : NULL;
		if (!e->family || (r->msg && !e->msg) || (r->classtype && !e->classtype)) {
			free(e->family);
			free(e->msg);
			free(e->classtype);
			return -ENOMEM;
		}
		f->ncatalog++;
	}
	return 0;
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

int feed_flush(struct feed *f)
{
	struct feed_record *recs;
	int ret;

	if (!f->npending)
		return 0;
	recs = calloc(f->npending, sizeof(*recs));
	if (!recs) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < f->npending; i++)
		build_record(f, &f->pending[i], &recs[i]);
	ret = sink_emit(f->sink, recs, f->npending);
	free(recs);
	if (ret == 0)
		f->npending = 0;
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
	free(f->pending);
	memset(f, 0, sizeof(*f));
}
