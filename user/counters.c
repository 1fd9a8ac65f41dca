// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "counters.h"
#include "util.h"

#define DRAIN_BATCH 4096

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

static void merge(struct source_count *sc, const struct botsink_counter *percpu, int ncpus)
{
	struct botsink_counter *t = &sc->total;

	memset(t, 0, sizeof(*t));
	for (int cpu = 0; cpu < ncpus; cpu++) {
		const struct botsink_counter *c = &percpu[cpu];

		if (!c->packets)
			continue;
		if (!t->packets || c->first_seen_ns < t->first_seen_ns)
			t->first_seen_ns = c->first_seen_ns;
		if (c->last_seen_ns >= t->last_seen_ns) {
			t->last_seen_ns = c->last_seen_ns;
			memcpy(t->dst_addr, c->dst_addr, sizeof(t->dst_addr));
			t->dst_port = c->dst_port;
			t->protocol = c->protocol;
		}
		t->packets += c->packets;
		t->bytes += c->bytes;
		t->syns += c->syns;
		t->checkins += c->checkins;
		if (c->dns_qtype)
			t->dns_qtype = c->dns_qtype;
	}
}

/* Room for one more batch, so nothing is deleted that cannot be kept. */
static int reserve(struct drain_result *out, __u32 batch, int ncpus,
		   struct botsink_source_key **keys, struct botsink_counter **values)
{
	void *k = realloc(*keys, batch * sizeof(**keys));

	if (k)
		*keys = k;
	k = realloc(*values, (size_t)batch * (size_t)ncpus * sizeof(**values));
	if (k)
		*values = k;
	if (!k || !*keys || !array_grow((void **)&out->items, out->n + batch, sizeof(*out->items)))
		return -ENOMEM;
	return 0;
}

/*
 * Read generation `gen` in batches into `out`, or only delete (out NULL);
 * deleting what was read when `clear`.
 */
static int walk(int fd, int kind, struct drain_result *out, bool clear)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int ncpus = libbpf_num_possible_cpus();
	struct botsink_source_key *keys = NULL;
	struct botsink_counter *values = NULL;
	__u32 batch = DRAIN_BATCH, token = 0, count;
	struct drain_result none = { 0 };
	bool first = true;
	int ret;

	if (ncpus <= 0)
		return -EINVAL;
	for (;;) {
		ret = reserve(out ? out : &none, batch, ncpus, &keys, &values);
		if (ret)
			break;
		count = batch;
		if (clear)
			ret = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &token, &token,
							      keys, values, &count, &opts);
		else
			ret = bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, values,
						   &count, &opts);
		ret = ret < 0 ? -errno : 0;
		/* A hash bucket holds more keys than the batch: retry with more room. */
		if (ret == -ENOSPC && count == 0) {
			batch *= 2;
			continue;
		}
		if (ret && ret != -ENOENT)
			break;
		first = false;
		for (__u32 i = 0; out && i < count; i++) {
			struct source_count *sc = &out->items[out->n];

			sc->key = keys[i];
			sc->kind = (__u8)kind;
			merge(sc, &values[(size_t)i * (size_t)ncpus], ncpus);
			if (sc->total.packets)
				out->n++;
		}
		if (ret == -ENOENT) {
			ret = 0;
			break;
		}
	}
	free(keys);
	free(values);
	drain_result_free(&none);
	return ret;
}

int counters_read(const struct botsink_maps *m, int gen, struct drain_result *out)
{
	int ret = 0;

	for (int kind = 0; kind < BOTSINK_KINDS && !ret; kind++)
		ret = walk(m->counters[kind][gen], kind, out, false);
	return ret;
}

int counters_prepare(const struct botsink_maps *m, int gen)
{
	int ncpus = libbpf_num_possible_cpus();
	struct botsink_counter *zero;
	int ret = 0;

	if (ncpus <= 0)
		return -EINVAL;
	zero = calloc((size_t)ncpus, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
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

int counters_delete(const struct botsink_maps *m, int gen, const struct drain_result *r)
{
	const size_t batch = 65536;
	struct botsink_source_key *keys = malloc(batch * sizeof(*keys));
	int ret = keys ? 0 : -ENOMEM;

	for (int kind = 0; kind < BOTSINK_KINDS && !ret; kind++) {
		size_t i = 0;

		while (i < r->n && !ret) {
			LIBBPF_OPTS(bpf_map_batch_opts, opts);
			__u32 count = 0;

			for (; i < r->n && count < batch; i++)
				if (r->items[i].kind == kind)
					keys[count++] = r->items[i].key;
			if (count &&
			    bpf_map_delete_batch(m->counters[kind][gen], keys, &count, &opts))
				ret = -errno;
		}
	}
	free(keys);
	return ret ? ret : counters_prepare(m, gen);
}

int counters_clear(const struct botsink_maps *m, int gen)
{
	int ret = 0;

	for (int kind = 0; kind < BOTSINK_KINDS && !ret; kind++)
		ret = walk(m->counters[kind][gen], kind, NULL, true);
	return ret ? ret : counters_prepare(m, gen);
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

void drain_result_free(struct drain_result *r)
{
	free(r->items);
	r->items = NULL;
	r->n = 0;
}
