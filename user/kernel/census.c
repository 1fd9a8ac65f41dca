// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/census.h"
#include "kernel/map_io.h"
#include "lib/util.h"

int census_stats(const struct botsink_maps *m, __u64 v[BOTSINK_NSTATS])
{
	int ncpus = libbpf_num_possible_cpus();
	struct botsink_stats *per;
	__u32 zero = 0;
	int ret = 0;

	if (ncpus <= 0)
		return -EINVAL;
	per = calloc((size_t)ncpus, sizeof(*per));
	if (!per)
		return -ENOMEM;
	memset(v, 0, BOTSINK_NSTATS * sizeof(*v));
	if (bpf_map_lookup_elem(m->stats, &zero, per))
		ret = -errno;
	for (int cpu = 0; cpu < ncpus && !ret; cpu++)
		for (int i = 0; i < BOTSINK_NSTATS; i++)
			v[i] += ((const __u64 *)&per[cpu])[i];
	free(per);
	return ret;
}

static void add_hits(struct botsink_rule_hits *sum, const struct botsink_rule_hits *h)
{
	sum->packets += h->packets;
	sum->bytes += h->bytes;
	sum->checkins += h->checkins;
	sum->checkins_verified += h->checkins_verified;
}

/* Slots [0, n) of botsink_hits, summed over CPUs, into out[slot]. */
static int read_hits(const struct botsink_maps *m, __u32 n, struct botsink_rule_hits *out)
{
	int ncpus = libbpf_num_possible_cpus();
	struct botsink_rule_hits *all;
	int ret;

	if (ncpus <= 0)
		return -EINVAL;
	all = calloc((size_t)n * (size_t)ncpus, sizeof(*all));
	if (!all)
		return -ENOMEM;
	ret = array_read_all(m->hits, n, all, (size_t)ncpus * sizeof(*all));
	for (__u32 slot = 0; slot < n && !ret; slot++) {
		memset(&out[slot], 0, sizeof(out[slot]));
		for (int cpu = 0; cpu < ncpus; cpu++)
			add_hits(&out[slot], &all[(size_t)slot * (size_t)ncpus + (size_t)cpu]);
	}
	free(all);
	return ret;
}

int census_rules(const struct botsink_maps *m, struct census_rule **out, size_t *n)
{
	struct botsink_rule_info *info = calloc(BOTSINK_MAX_RULES, sizeof(*info));
	struct census_rule *r = NULL;
	size_t k = 0;
	int ret = -ENOMEM;

	*out = NULL;
	*n = 0;
	if (!info)
		goto out;
	ret = array_read_all(m->rules, BOTSINK_MAX_RULES, info, sizeof(*info));
	if (ret)
		goto out;
	for (__u32 slot = 0; slot < BOTSINK_MAX_RULES; slot++)
		k += slot == 0 || info[slot].sid;
	r = calloc(k, sizeof(*r));
	if (!r) {
		ret = -ENOMEM;
		goto out;
	}
	k = 0;
	for (__u32 slot = 0; slot < BOTSINK_MAX_RULES; slot++) {
		if (slot && !info[slot].sid)
			continue;
		r[k].slot = slot;
		r[k].info = info[slot];
		r[k].info.family[sizeof(r[k].info.family) - 1] = '\0';
		r[k].info.msg[sizeof(r[k].info.msg) - 1] = '\0';
		k++;
	}
	/* The totals only up to the last slot in use: per CPU, all of them are large. */
	ret = census_hits(m, r, k);
	if (ret) {
		free(r);
		goto out;
	}
	*out = r;
	*n = k;
out:
	free(info);
	return ret;
}

int census_hits(const struct botsink_maps *m, struct census_rule *r, size_t n)
{
	struct botsink_rule_hits *hits;
	__u32 upto;
	int ret;

	if (!n)
		return 0;
	upto = r[n - 1].slot + 1; /* slot order: one batch read up to the last */
	hits = calloc(upto, sizeof(*hits));
	if (!hits)
		return -ENOMEM;
	ret = read_hits(m, upto, hits);
	for (size_t i = 0; i < n && !ret; i++)
		r[i].hits = hits[r[i].slot];
	free(hits);
	return ret;
}

__u32 census_capacity(const struct botsink_maps *m, int kind, int gen)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (kind < 0 || kind >= BOTSINK_KINDS || gen < 0 || gen > 1 ||
	    bpf_obj_get_info_by_fd(m->counters[kind][gen], &info, &len))
		return 0;
	return info.max_entries;
}

int census_families(const struct census_rule *r, size_t n, struct census_family **out, size_t *nfam)
{
	struct census_family *fam = calloc(n ? n : 1, sizeof(*fam));
	size_t k = 0, f = 0;

	*out = fam;
	*nfam = 0;
	if (!fam)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		/* A family's rules mostly follow each other: the last one first. */
		if (f < k && !strcmp(fam[f].name, r[i].info.family))
			goto found;
		for (f = 0; f < k && strcmp(fam[f].name, r[i].info.family); f++)
			;
		if (f == k)
			snprintf(fam[k++].name, sizeof(fam->name), "%s", r[i].info.family);
found:
		fam[f].rules += r[i].slot != 0 && r[i].info.live;
		add_hits(&fam[f].hits, &r[i].hits);
	}
	*nfam = k;
	return 0;
}

/* Per-CPU values are 8-byte aligned: the shares follow each other unpadded. */
_Static_assert(sizeof(struct botsink_counter) % 8 == 0, "botsink_counter per-CPU stride");

/* A table being read: its kind, the CPUs' shares, what was read so far. */
struct table_read {
	__u32 kind;
	int ncpus;
	struct botsink_source_count *items;
	size_t n;
};

static int take_entry(const void *key, const void *value, void *ctx)
{
	const struct botsink_counter *share = value;
	struct table_read *t = ctx;
	struct botsink_source_count *e;
	__u64 qtype_seen = 0;

	if (!array_grow((void **)&t->items, t->n + 1, sizeof(*t->items)))
		return -ENOMEM;
	e = &t->items[t->n++];
	memset(e, 0, sizeof(*e));
	memcpy(&e->key, key, sizeof(e->key));
	e->kind = t->kind;
	for (int cpu = 0; cpu < t->ncpus; cpu++)
		botsink_counter_add(&e->total, &share[cpu], &qtype_seen);
	return 0;
}

int census_table(const struct botsink_maps *m, int kind, int gen, struct botsink_source_count **out,
		 size_t *n)
{
	struct table_read t = { .kind = (__u32)kind, .ncpus = libbpf_num_possible_cpus() };
	int ret;

	*out = NULL;
	*n = 0;
	if (t.ncpus <= 0 || kind < 0 || kind >= BOTSINK_KINDS || gen < 0 || gen > 1)
		return -EINVAL;
	ret = hash_walk(m->counters[kind][gen], sizeof(struct botsink_source_key),
			(size_t)t.ncpus * sizeof(struct botsink_counter), take_entry, &t);
	if (ret) {
		free(t.items);
		return ret;
	}
	*out = t.items;
	*n = t.n;
	return 0;
}
