// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The payload tables of one rule set half: content chunks, the prefilter
 * (fast patterns, the gram buckets, the gram filter) and the domain-list
 * keys. Arrays are indexed by half; the domain hashes carry their rule set
 * in the value, so the half replaced by a reload can be found and removed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/install.h"
#include "kernel/map_io.h"
#include "lib/util.h"

/* The fast patterns, the gram buckets and the gram filter: one batch each. */
static int write_prefilter(const struct botsink_maps *m, const struct compiled *c,
			   const __u16 *slot_of, __u8 ruleset)
{
	size_t n = c->nfastpats ? c->nfastpats : 1;
	struct botsink_gram_filter *filter = calloc(1, sizeof(*filter));
	struct botsink_fastpat *fps = calloc(n, sizeof(*fps));
	struct botsink_gram_patterns *buckets =
		calloc(1U << BOTSINK_GRAM_BUCKET_BITS, sizeof(*buckets));
	__u32 base = (__u32)ruleset * BOTSINK_MAX_FASTPATS, half = ruleset;
	int ret = filter && fps && buckets ? 0 : -ENOMEM;

	for (size_t i = 0; i < c->nfastpats && !ret; i++) {
		const struct compiled_fastpat *f = &c->fastpats[i];
		__u32 h = botsink_gram_hash(f->gram);
		struct botsink_gram_patterns *b = &buckets[botsink_gram_bucket(f->gram)];

		fps[i] = (struct botsink_fastpat){
			.content = (__u32)ruleset * BOTSINK_MAX_CONTENTS + f->chunk,
			.hit = slot_of[f->rule] | (f->ports ? BOTSINK_HIT_PORTS : 0),
			.offset = f->offset,
			.same = f->same,
		};
		filter->bits[h / 64] |= 1ULL << (h % 64);
		/* Sorted by bucket: a bucket's patterns are one run. */
		if (!b->count)
			b->first = base + (__u32)i;
		b->count++;
	}
	if (!ret)
		ret = map_write_range(m->fastpats, base, fps, (__u32)c->nfastpats);
	if (!ret)
		ret = map_write_range(m->grams, (__u32)ruleset << BOTSINK_GRAM_BUCKET_BITS, buckets,
				      1U << BOTSINK_GRAM_BUCKET_BITS);
	/* The filter last: it is what leads packets to the buckets. */
	if (!ret && bpf_map_update_elem(m->gram_filter, &half, filter, BPF_ANY))
		ret = -errno;
	free(filter);
	free(fps);
	free(buckets);
	return ret;
}

static int write_domains(int fd, const struct compiled *c, __u8 ruleset)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t n = c->ndomains;
	struct botsink_domain_key *keys = calloc(n ? n : 1, sizeof(*keys));
	struct botsink_domain_value *values = calloc(n ? n : 1, sizeof(*values));
	__u32 count = (__u32)n;
	int ret = keys && values ? 0 : -ENOMEM;

	for (size_t i = 0; i < n && !ret; i++) {
		domain_key(c->domains[i].text, ruleset, &keys[i]);
		values[i].lists = c->domains[i].lists;
		values[i].ruleset = ruleset;
	}
	if (!ret && n && bpf_map_update_batch(fd, keys, values, &count, &opts))
		ret = -errno;
	free(keys);
	free(values);
	return ret;
}

static bool domain_in(const void *key, const void *value, __u8 ruleset)
{
	(void)key;
	return ((const struct botsink_domain_value *)value)->ruleset == ruleset;
}

int clear_payload(const struct botsink_maps *m, __u8 ruleset)
{
	struct botsink_gram_filter *empty = calloc(1, sizeof(*empty));
	struct botsink_gram_patterns *none = calloc(1U << BOTSINK_GRAM_BUCKET_BITS, sizeof(*none));
	__u32 half = ruleset;
	int ret = empty && none ? 0 : -ENOMEM;

	/* The filter first: with it empty, no packet looks at the buckets. */
	if (!ret && bpf_map_update_elem(m->gram_filter, &half, empty, BPF_ANY))
		ret = -errno;
	if (!ret)
		ret = map_write_range(m->grams, (__u32)ruleset << BOTSINK_GRAM_BUCKET_BITS, none,
				      1U << BOTSINK_GRAM_BUCKET_BITS);
	free(empty);
	free(none);
	if (!ret)
		ret = clear_hash(m->domains, sizeof(struct botsink_domain_key),
				 sizeof(struct botsink_domain_value), ruleset, domain_in);
	return ret;
}

int write_payload(const struct botsink_maps *m, const struct compiled *c, const __u16 *slot_of,
		  __u8 ruleset)
{
	int ret = clear_payload(m, ruleset); /* leftovers of an interrupted install */

	if (!ret)
		ret = map_write_range(m->contents, (__u32)ruleset * BOTSINK_MAX_CONTENTS,
				      c->contents, (__u32)c->ncontents);
	if (!ret)
		ret = write_domains(m->domains, c, ruleset);
	if (!ret)
		ret = write_prefilter(m, c, slot_of, ruleset);
	return ret;
}
