// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/counters.h"

#define STAT_NAME(field, NAME) [BOTSINK_##NAME] = #field,
const char *const botsink_stat_names[BOTSINK_NSTATS] = { BOTSINK_STATS(STAT_NAME) };

int counters_active(const struct botsink_maps *m)
{
	struct botsink_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->config, &zero, &cfg))
		return -1;
	return (int)(cfg.generation & 1);
}

int counters_sync(const struct botsink_maps *m)
{
	__u32 slot = BOTSINK_SLOT(BOTSINK_KIND_SOURCES, 0);
	__u32 fd = (__u32)m->counters[BOTSINK_KIND_SOURCES][0];

	/* Rewriting a slot with its own value is enough for the grace period. */
	return bpf_map_update_elem(m->active, &slot, &fd, BPF_ANY) ? -errno : 0;
}

static int set_active(const struct botsink_maps *m, int gen)
{
	struct botsink_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->config, &zero, &cfg))
		return -errno;
	cfg.generation = (__u32)gen;
	if (bpf_map_update_elem(m->config, &zero, &cfg, BPF_ANY))
		return -errno;
	return counters_sync(m);
}

#define ALL_KINDS ((1U << BOTSINK_KINDS) - 1)

int counters_read_kinds(const struct botsink_maps *m, int gen, unsigned int kinds,
			struct drain_result *out)
{
	size_t n = 0, got;
	int ret = 0;

	out->n = 0;
	if (!m->collector.skel)
		return -ENOTSUP;
	for (int kind = 0; kind < BOTSINK_KINDS && !ret; kind++) {
		if (!(kinds & (1U << kind)))
			continue;
		ret = collector_read(&m->collector, BOTSINK_SLOT(kind, gen), (__u32)n, &got);
		n += got;
	}
	out->items = m->collector.counts;
	out->n = ret ? 0 : n;
	return ret;
}

int counters_read(const struct botsink_maps *m, int gen, struct drain_result *out)
{
	return counters_read_kinds(m, gen, ALL_KINDS, out);
}

/* Zeroed room for a `size`-byte value of each possible CPU (*ncpus), or NULL (errno). */
static void *per_cpu_values(size_t size, int *ncpus)
{
	*ncpus = libbpf_num_possible_cpus();
	if (*ncpus <= 0) {
		errno = EINVAL;
		return NULL;
	}
	return calloc((size_t)*ncpus, size);
}

int counters_touched(const struct botsink_maps *m, int gen, __u64 touched[BOTSINK_KINDS])
{
	int ncpus, ret = 0;
	__u64 *v = per_cpu_values(sizeof(*v), &ncpus);

	if (!v)
		return -errno;
	for (int kind = 0; kind < BOTSINK_KINDS && !ret; kind++) {
		__u32 slot = BOTSINK_SLOT(kind, gen);

		touched[kind] = 0;
		if (bpf_map_lookup_elem(m->touched, &slot, v)) {
			ret = -errno;
			break;
		}
		for (int cpu = 0; cpu < ncpus; cpu++)
			touched[kind] += v[cpu];
	}
	free(v);
	return ret;
}

int counters_prepare(const struct botsink_maps *m, int gen)
{
	int ncpus, ret = 0;
	struct botsink_counter *zero = per_cpu_values(sizeof(*zero), &ncpus);

	if (!zero)
		return -errno;
	for (int kind = BOTSINK_KIND_OVERFLOW; kind < BOTSINK_KINDS && !ret; kind++) {
		for (int v4 = 0; v4 < 2 && !ret; v4++) {
			struct botsink_source_key key = { .sid = BOTSINK_SID_ANY };

			if (v4)
				key.addr[10] = key.addr[11] = 0xff;
			if (bpf_map_update_elem(m->counters[kind][gen], &key, zero, BPF_NOEXIST) &&
			    errno != EEXIST)
				ret = -errno;
		}
	}
	free(zero);
	return ret;
}

int counters_clear_kinds(const struct botsink_maps *m, int gen, unsigned int kinds)
{
	int ret = 0;

	if (!m->collector.skel)
		return -ENOTSUP;
	for (int kind = 0; kind < BOTSINK_KINDS && !ret; kind++)
		if (kinds & (1U << kind))
			ret = collector_clear(&m->collector, BOTSINK_SLOT(kind, gen));
	/* The catch-alls are back in every overflow table cleared. */
	if (ret || !(kinds & ((1U << BOTSINK_KIND_OVERFLOW) | (1U << BOTSINK_KIND_UNCL_OVERFLOW))))
		return ret;
	return counters_prepare(m, gen);
}

int counters_delete_read(const struct botsink_maps *m, int gen, int kind,
			 const struct drain_result *r)
{
	struct botsink_source_key *keys = malloc((r->n ? r->n : 1) * sizeof(*keys));
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 n = 0, count;
	int ret = 0;

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < r->n; i++)
		if (r->items[i].kind == (__u32)kind)
			keys[n++] = r->items[i].key;
	count = n;
	if (n && bpf_map_delete_batch(m->counters[kind][gen], keys, &count, &opts))
		ret = -errno;
	else if (count != n)
		ret = -EIO;
	free(keys);
	return ret;
}

int counters_clear(const struct botsink_maps *m, int gen)
{
	return counters_clear_kinds(m, gen, ALL_KINDS);
}

int counters_swap(const struct botsink_maps *m)
{
	int active = counters_active(m), ret;

	if (active < 0)
		return -ENOENT;
	ret = set_active(m, !active);
	return ret ? ret : active;
}

int counters_drain(const struct botsink_maps *m, struct drain_result *out)
{
	int gen = counters_swap(m), ret;

	if (gen < 0)
		return gen;
	ret = counters_read(m, gen, out);
	return ret ? ret : counters_clear(m, gen);
}
