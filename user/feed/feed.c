// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "feed/feed.h"
#include "lib/log.h"
#include "kernel/evidence.h"
#include "lib/util.h"

void feed_init(struct feed *f, const struct enricher *enrich, unsigned int truncate_v4,
	       unsigned int truncate_v6, const char *sensor)
{
	memset(f, 0, sizeof(*f));
	f->enrich = enrich;
	f->truncate_v4 = truncate_v4;
	f->truncate_v6 = truncate_v6;
	f->sensor = sensor;
}

int feed_view_init(struct feed_view *v, const struct feed *f, const char *name,
		   const struct partner *partner, enum anon_mode anon, struct keyring *keys,
		   enum record_format format, bool verified_only, char *err, size_t errlen)
{
	bool keyed = anon_key_len(anon) != 0;

	memset(v, 0, sizeof(*v));
	v->name = name;
	v->partner = partner;
	v->anon = anon;
	v->network = format == FORMAT_INTELMQ;
	v->verified_only = verified_only;
	if (keyed && !keys) {
		snprintf(err, errlen, "%s: %s needs keys", name, anon_mode_name(anon));
		return -1;
	}
	v->keys = keyed ? keys : NULL;
	if (keyed)
		return 0;
	return anon_init(&v->plain, anon, NULL, 0, f->truncate_v4, f->truncate_v6, err, errlen);
}

void feed_view_free(struct feed_view *v)
{
	if (!v->keys)
		anon_free(&v->plain);
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

void feed_count_enrich(const struct feed *f, struct feed_count *c)
{
	struct feed_record *r = &c->rec;

	memset(&c->enr, 0, sizeof(c->enr));
	if (f->enrich && !r->any_sid)
		enricher_lookup(f->enrich, &c->src.addr, &c->enr);
	r->src_asn = c->enr.asn;
	r->src_as_name = c->enr.as_name[0] ? c->enr.as_name : NULL;
	r->src_geo = c->enr.geo[0] ? c->enr.geo : NULL;
}

/*
 * Where a count's source is: a host (/128), or in an overflow table an
 * aggregate's prefix (a catch-all: all of its address family), with its
 * native length in *bits.
 */
static void count_source(const struct botsink_source_count *sc, struct prefix *src,
			 unsigned int *bits)
{
	bool v4;

	memcpy(&src->addr, sc->key.addr, sizeof(src->addr));
	src->len = 128;
	*bits = 0;
	if (sc->kind < BOTSINK_KIND_OVERFLOW)
		return;
	v4 = addr_is_v4(&src->addr);
	if (sc->key.sid != BOTSINK_SID_ANY)
		*bits = v4 ? BOTSINK_OVERFLOW_V4_BITS : BOTSINK_OVERFLOW_V6_BITS;
	src->len = v4 ? V4_MAPPED_BITS + *bits : *bits;
	addr_mask(&src->addr, src->len);
}

static void build_base(const struct feed *f, const struct epoch *e, const struct drain_result *d,
		       const struct botsink_source_count *sc, struct feed_count *b)
{
	const struct botsink_counter *t = &sc->total;
	size_t rule = sc->key.sid ? catalog_find(f, sc->key.sid) : CATALOG_NONE;
	const struct catalog_entry *c = rule == CATALOG_NONE ? NULL : &f->catalog[rule];
	struct feed_record *r = &b->rec;

	memset(r, 0, sizeof(*r));
	r->timestamp = e->end;
	r->first_seen = mono_to_wall(t->first_seen_ns, e);
	r->last_seen = mono_to_wall(t->last_seen_ns, e);
	count_source(sc, &b->src, &b->bits);
	r->overflow = sc->kind >= BOTSINK_KIND_OVERFLOW;
	r->any_sid = r->overflow && sc->key.sid == BOTSINK_SID_ANY;
	feed_count_enrich(f, b);
	r->protocol = t->protocol;
	memcpy(&r->dst_ip, t->dst_addr, sizeof(r->dst_ip));
	r->has_port = t->protocol == IPPROTO_TCP || t->protocol == IPPROTO_UDP;
	r->dst_port = t->dst_port;
	r->family = r->any_sid ? NULL : sc->key.sid ? (c ? c->family : "unknown") : "unclassified";
	r->tag = c ? c->msg : NULL;
	r->classtype = c ? c->classtype : NULL;
	r->checkins = t->checkins;
	r->checkins_verified = t->checkins_verified;
	r->checkins_tcp = t->checkins_tcp;
	r->verification =
		record_verification_of(t->protocol, t->checkins_tcp, t->checkins_verified);
	r->dns_qtype = t->dns_qtype;
	r->sid = sc->key.sid;
	r->packets = t->packets;
	r->bytes = t->bytes;
	r->syns = t->syns;
	r->sensor = f->sensor;
	r->record_id = b->id;
	b->ev = d->evidence && !r->overflow ? evidence_store_find(d->evidence, d->gen, &sc->key) :
					      NULL;
}

/* The truncated network beside a pseudonym; "" for a catch-all. */
static void format_network(const struct feed *f, const struct feed_count *b, char *buf, size_t len)
{
	bool v4 = addr_is_v4(&b->src.addr);
	unsigned int keep = v4 ? V4_MAPPED_BITS + f->truncate_v4 : f->truncate_v6;
	struct prefix p = b->src;

	buf[0] = '\0';
	if (b->rec.any_sid)
		return;
	if (keep < p.len)
		p.len = keep;
	addr_mask(&p.addr, p.len);
	prefix_format(&p, buf, len);
}

/*
 * The check-ins a verified-only view shows: all but the unverified TCP
 * ones. Clamped, as the counts are sums the kernel wrote, not checked.
 */
static uint64_t verified_checkins(const struct feed_count *b)
{
	uint64_t tcp = b->rec.checkins_tcp, verified = b->rec.checkins_verified;
	uint64_t unverified = tcp > verified ? tcp - verified : 0;

	return b->rec.checkins > unverified ? b->rec.checkins - unverified : 0;
}

/* The anonymizer of view v, with the key of the epoch in ipcrypt modes. */
static const struct anonymizer *view_anonymizer(const struct feed_view *v,
						const struct anon_key *key)
{
	return key ? &key->anon : &v->plain;
}

/* A source as anonymizer a shows it: a host's address, an aggregate's prefix. */
static void format_source(const struct anonymizer *a, const struct prefix *src, unsigned int bits,
			  bool overflow, char *buf, size_t len)
{
	if (overflow)
		anon_format_prefix(a, &src->addr, bits, buf, len);
	else
		anon_format(a, &src->addr, buf, len);
}

void feed_view_source(const struct feed_view *v, const struct anon_key *key,
		      const struct botsink_source_count *sc, char *buf, size_t len)
{
	struct prefix src;
	unsigned int bits;

	count_source(sc, &src, &bits);
	format_source(view_anonymizer(v, key), &src, bits, sc->kind >= BOTSINK_KIND_OVERFLOW, buf,
		      len);
}

/*
 * The record as view `v` shows it, with the key of the epoch (ipcrypt
 * modes); false when its source is outside the view's scope, or nothing
 * of it is left for a verified-only view.
 */
static bool view_record(const struct feed *f, const struct feed_view *v, const struct anon_key *key,
			const struct feed_count *b, struct feed_record *r)
{
	uint64_t checkins = v->verified_only ? verified_checkins(b) : b->rec.checkins;

	if (v->partner && !partner_in_scope(v->partner, &b->src, b->enr.asn, b->enr.asn_len))
		return false;
	if (!checkins && v->verified_only)
		return false;
	*r = b->rec;
	r->checkins = checkins;
	format_source(view_anonymizer(v, key), &b->src, b->bits, r->overflow, r->src_ip,
		      sizeof(r->src_ip));
	r->src_is_raw = v->anon == ANON_NONE;
	r->anon_mode = anon_mode_name(v->anon);
	r->anon_key_id = key ? key->id : NULL;
	if (v->network)
		format_network(f, b, r->src_network, sizeof(r->src_network));
	if (b->ev && v->evidence)
		feed_view_evidence(v, view_anonymizer(v, key), b, r);
	return true;
}

/* Records are built and handed to the sinks this many at a time. */
#define FLUSH_BATCH 8192

/* The keys each target's view uses for an epoch that ended at t. */
static void epoch_keys(long long t_end, struct feed_target *t, size_t n,
		       const struct anon_key **keys)
{
	char err[256];

	for (size_t i = 0; i < n; i++) {
		keys[i] = NULL;
		if (!t[i].view->keys)
			continue;
		keys[i] = keyring_key_for(t[i].view->keys, t_end, err, sizeof(err));
		if (!keys[i]) {
			/* Fails closed every epoch until fixed: the reason once. */
			if (keyring_news(t[i].view->keys, err))
				log_error("%s: %s; its records are held until this is fixed",
					  t[i].view->name, err);
			t[i].error = ENOKEY;
		}
	}
}

/* Sources ahead of the one being anonymized whose cache entries are prefetched. */
#define PREFETCH_AHEAD 8

/* One batch of base records to every target still writable. */
static void emit_batch(const struct feed *f, const struct feed_count *base, size_t n, bool last,
		       struct feed_target *t, size_t ntargets, const struct anon_key **keys,
		       struct feed_record *recs)
{
	for (size_t k = 0; k < ntargets; k++) {
		const struct anonymizer *a = view_anonymizer(t[k].view, keys[k]);
		size_t m = 0;

		if (t[k].error)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (i + PREFETCH_AHEAD < n)
				anon_prefetch(a, &base[i + PREFETCH_AHEAD].src.addr);
			m += view_record(f, t[k].view, keys[k], &base[i], &recs[m]);
		}
		t[k].sink->epoch_ends = last;
		if (!m)
			continue;
		t[k].written = true;
		if (sink_emit(t[k].sink, recs, m))
			t[k].error = errno ? errno : EIO;
	}
}

/* After the batches: -1 if a target failed (oom: every one, ENOMEM), else 0. */
static int targets_result(struct feed_target *t, size_t ntargets, bool oom)
{
	int ret = oom ? -1 : 0;

	for (size_t k = 0; k < ntargets; k++) {
		if (oom)
			t[k].error = ENOMEM;
		if (t[k].error)
			ret = -1;
	}
	return ret;
}

int feed_write_epoch(struct feed *f, const struct epoch *e, const struct drain_result *d,
		     struct feed_target *targets, size_t ntargets)
{
	size_t batch = d->n < FLUSH_BATCH ? d->n : FLUSH_BATCH;
	const struct anon_key **keys = calloc(ntargets ? ntargets : 1, sizeof(*keys));
	struct feed_count *base = calloc(batch ? batch : 1, sizeof(*base));
	struct feed_record *recs = calloc(batch ? batch : 1, sizeof(*recs));
	bool oom = !keys || !base || !recs;
	char head[RECORD_ID_LEN];
	int prefix;

	if (oom)
		goto out;
	epoch_keys((long long)e->end.tv_sec, targets, ntargets, keys);
	/* Ids share SENSOR:INCARNATION:EPOCH: and differ in the index. */
	prefix = snprintf(head, sizeof(head), "%.255s:%016llx:%llu:", f->sensor, e->incarnation,
			  e->number);
	for (size_t done = 0; done < d->n;) {
		size_t n = d->n - done < batch ? d->n - done : batch;

		for (size_t i = 0; i < n; i++) {
			size_t len;

			build_base(f, e, d, &d->items[done + i], &base[i]);
			memcpy(base[i].id, head, (size_t)prefix);
			len = (size_t)prefix + u64_decimal(base[i].id + prefix, done + i);
			base[i].id[len] = '\0';
		}
		done += n;
		emit_batch(f, base, n, done == d->n, targets, ntargets, keys, recs);
	}
out:
	free(keys);
	free(base);
	free(recs);
	return targets_result(targets, ntargets, oom);
}

int feed_write_counts(const struct feed *f, long long t_end, const struct feed_count *c, size_t n,
		      bool last, struct feed_target *targets, size_t ntargets)
{
	const struct anon_key **keys = calloc(ntargets ? ntargets : 1, sizeof(*keys));
	struct feed_record *recs = calloc(n ? n : 1, sizeof(*recs));
	bool oom = !keys || !recs;

	if (!oom) {
		epoch_keys(t_end, targets, ntargets, keys);
		emit_batch(f, c, n, last, targets, ntargets, keys, recs);
	}
	free(keys);
	free(recs);
	return targets_result(targets, ntargets, oom);
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
