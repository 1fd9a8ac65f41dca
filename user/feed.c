// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
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

static struct timespec mono_to_wall(__u64 mono_ns, const struct epoch *e)
{
	__u64 age = e->end_mono_ns > mono_ns ? e->end_mono_ns - mono_ns : 0;
	__u64 wall = (__u64)e->end.tv_sec * 1000000000ULL + (__u64)e->end.tv_nsec - age;
	struct timespec ts = { .tv_sec = (time_t)(wall / 1000000000ULL),
			       .tv_nsec = (long)(wall % 1000000000ULL) };

	return ts;
}

/* SENSOR (up to 255 bytes):INCARNATION:EPOCH:INDEX */
#define RECORD_ID_LEN (256 + 16 + 20 + 20 + 4)

static void build_record(const struct feed *f, const struct epoch *e,
			 const struct botsink_source_count *sc, struct feed_record *r)
{
	const struct botsink_counter *t = &sc->total;
	size_t rule = sc->key.sid ? catalog_find(f, sc->key.sid) : CATALOG_NONE;
	const struct catalog_entry *c = rule == CATALOG_NONE ? NULL : &f->catalog[rule];
	struct in6_addr src, anon;

	memset(r, 0, sizeof(*r));
	r->timestamp = e->end;
	r->first_seen = mono_to_wall(t->first_seen_ns, e);
	r->last_seen = mono_to_wall(t->last_seen_ns, e);
	memcpy(&src, sc->key.addr, sizeof(src));
	if (sc->kind >= BOTSINK_KIND_OVERFLOW) {
		/* An aggregate: its prefix, or (a catch-all) all of its family. */
		bool v4 = addr_is_v4(&src), any = sc->key.sid == BOTSINK_SID_ANY;
		unsigned int bits = any ? 0 :
				    v4	? BOTSINK_OVERFLOW_V4_BITS :
					  BOTSINK_OVERFLOW_V6_BITS;
		size_t len;

		bits = anon_apply_prefix(f->anon, &src, bits, &anon);
		addr_format(&anon, r->src_ip, sizeof(r->src_ip));
		len = strlen(r->src_ip);
		snprintf(r->src_ip + len, sizeof(r->src_ip) - len, "/%u", bits);
		r->overflow = true;
		r->any_sid = any;
	} else {
		anon_apply(f->anon, &src, &anon);
		addr_format(&anon, r->src_ip, sizeof(r->src_ip));
	}
	r->anon_mode = anon_mode_name(f->anon->mode);
	r->protocol = t->protocol;
	memcpy(&r->dst_ip, t->dst_addr, sizeof(r->dst_ip));
	r->has_port = t->protocol == IPPROTO_TCP || t->protocol == IPPROTO_UDP;
	r->dst_port = t->dst_port;
	r->family = r->any_sid ? NULL : sc->key.sid ? (c ? c->family : "unknown") : "unclassified";
	r->tag = c ? c->msg : NULL;
	r->classtype = c ? c->classtype : NULL;
	r->checkins = t->checkins;
	r->dns_qtype = t->dns_qtype;
	r->sid = sc->key.sid;
	r->packets = t->packets;
	r->bytes = t->bytes;
	r->syns = t->syns;
	r->sensor = f->sensor;
}

/* Records are built and handed to the sink this many at a time. */
#define FLUSH_BATCH 8192

int feed_write_epoch(struct feed *f, const struct epoch *e, const struct drain_result *d)
{
	size_t batch = d->n < FLUSH_BATCH ? d->n : FLUSH_BATCH;
	struct feed_record *recs;
	char(*ids)[RECORD_ID_LEN], head[RECORD_ID_LEN];
	int ret = 0, prefix;

	if (!d->n)
		return 0;
	recs = calloc(batch, sizeof(*recs));
	ids = calloc(batch, sizeof(*ids));
	if (!recs || !ids) {
		free(recs);
		free(ids);
		errno = ENOMEM;
		return -1;
	}
	/* Ids share SENSOR:INCARNATION:EPOCH: and differ in the index. */
	prefix = snprintf(head, sizeof(head), "%.255s:%016llx:%llu:", f->sensor, e->incarnation,
			  e->number);
	for (size_t done = 0; done < d->n && !ret;) {
		size_t n = d->n - done < batch ? d->n - done : batch;

		for (size_t i = 0; i < n; i++) {
			size_t len;

			build_record(f, e, &d->items[done + i], &recs[i]);
			memcpy(ids[i], head, (size_t)prefix);
			len = (size_t)prefix + u64_decimal(ids[i] + prefix, done + i);
			ids[i][len] = '\0';
			recs[i].record_id = ids[i];
		}
		f->sink->epoch_ends = done + n == d->n;
		ret = sink_emit(f->sink, recs, n);
		done += n;
	}
	free(recs);
	free(ids);
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
	memset(f, 0, sizeof(*f));
}
