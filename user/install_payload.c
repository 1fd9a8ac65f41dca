// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The payload tables of one rule set half: content chunks, the prefilter
 * (fast patterns, the 4-byte gram index, the 2-byte gram bitmap) and the
 * domain-list keys. Arrays are indexed by half; hash keys carry their rule
 * set (in the key, or in the value for the domain hashes), so the half
 * replaced by a reload can be found and removed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "install.h"
#include "util.h"

static int write_contents(int fd, const struct compiled *c, __u8 ruleset)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 count = (__u32)c->ncontents, *keys;
	int ret;

	if (!count)
		return 0;
	keys = malloc(count * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (__u32 i = 0; i < count; i++)
		keys[i] = (__u32)ruleset * BOTSINK_MAX_CONTENTS + i;
	ret = bpf_map_update_batch(fd, keys, c->contents, &count, &opts) ? -errno : 0;
	free(keys);
	return ret;
}

static int write_prefilter(const struct botsink_maps *m, const struct compiled *c,
			   const __u16 *slot_of, __u8 ruleset)
{
	struct botsink_gram2 *bitmap = calloc(1, sizeof(*bitmap));
	__u32 base = (__u32)ruleset * BOTSINK_MAX_FASTPATS, half = ruleset;
	int ret = bitmap ? 0 : -ENOMEM;

	for (size_t i = 0; i < c->nfastpats && !ret; i++) {
		const struct compiled_fastpat *f = &c->fastpats[i];
		struct botsink_fastpat fp = {
			.content = (__u32)ruleset * BOTSINK_MAX_CONTENTS + f->chunk,
			.slot = slot_of[f->rule],
		};
		__u32 key = base + (__u32)i, g2 = f->gram & 0xffff;

		if (bpf_map_update_elem(m->fastpats, &key, &fp, BPF_ANY))
			ret = -errno;
		bitmap->bits[g2 >> 6] |= 1ULL << (g2 & 63);
	}
	for (size_t i = 0; i < c->nfastpats && !ret;) {
		struct botsink_gram_key key = { .gram = c->fastpats[i].gram, .ruleset = ruleset };
		struct botsink_gram_patterns pats = { .first = base + (__u32)i };

		while (i < c->nfastpats && c->fastpats[i].gram == key.gram) {
			pats.count++;
			i++;
		}
		if (bpf_map_update_elem(m->grams, &key, &pats, BPF_ANY))
			ret = -errno;
	}
	if (!ret && bpf_map_update_elem(m->gram2, &half, bitmap, BPF_ANY))
		ret = -errno;
	free(bitmap);
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

int clear_hash(int fd, size_t key_size, size_t value_size, __u8 ruleset,
	       bool (*belongs)(const void *key, const void *value, __u8 ruleset))
{
	void *cur = calloc(1, key_size), *next = calloc(1, key_size);
	void *value = calloc(1, value_size), *doomed = NULL;
	bool started = false;
	size_t n = 0;
	int ret = cur && next && value ? 0 : -ENOMEM;

	/* Collect first: deleting while walking a hash may restart the walk. */
	while (!ret && !bpf_map_get_next_key(fd, started ? cur : NULL, next)) {
		memcpy(cur, next, key_size);
		started = true;
		if (bpf_map_lookup_elem(fd, cur, value) || !belongs(cur, value, ruleset))
			continue;
		if (!array_grow(&doomed, n + 1, key_size)) {
			ret = -ENOMEM;
			break;
		}
		memcpy((char *)doomed + n++ * key_size, cur, key_size);
	}
	for (size_t i = 0; i < n && !ret; i++)
		if (bpf_map_delete_elem(fd, (char *)doomed + i * key_size) && errno != ENOENT)
			ret = -errno;
	free(doomed);
	free(cur);
	free(next);
	free(value);
	return ret;
}

static bool gram_in(const void *key, const void *value, __u8 ruleset)
{
	(void)value;
	return ((const struct botsink_gram_key *)key)->ruleset == ruleset;
}

static bool domain_in(const void *key, const void *value, __u8 ruleset)
{
	(void)key;
	return ((const struct botsink_domain_value *)value)->ruleset == ruleset;
}

int clear_payload(const struct botsink_maps *m, __u8 ruleset)
{
	struct botsink_gram2 *empty = calloc(1, sizeof(*empty));
	__u32 half = ruleset;
	int ret = empty ? 0 : -ENOMEM;

	/* The bitmap first: with it empty, no packet looks at the grams. */
	if (!ret && bpf_map_update_elem(m->gram2, &half, empty, BPF_ANY))
		ret = -errno;
	free(empty);
	if (!ret)
		ret = clear_hash(m->grams, sizeof(struct botsink_gram_key),
				 sizeof(struct botsink_gram_patterns), ruleset, gram_in);
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
		ret = write_contents(m->contents, c, ruleset);
	if (!ret)
		ret = write_domains(m->domains, c, ruleset);
	if (!ret)
		ret = write_prefilter(m, c, slot_of, ruleset);
	return ret;
}
