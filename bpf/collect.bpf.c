// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The collector: reads a drained generation (one that no XDP program can
 * write any more, see user/kernel/counters.h) out of its tables, each key with its
 * counters summed over CPUs, and empties them once the epoch is committed.
 * The daemon runs it with BPF_PROG_TEST_RUN.
 *
 * Why not the batch lookup syscalls: they lock every bucket with
 * interrupts off and copy every CPU's share of every key out, where
 * bpf_for_each_map_elem reads the hash under RCU alone and userspace maps
 * the sums. Needs Linux 5.19 (bpf_map_lookup_percpu_elem).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "botsink_abi.h"
#include "consts.bpf.h"
#include "counters.bpf.h"

/* The XDP object's botsink_active: the loader reuses its fd. */
struct {
	BOTSINK_ACTIVE_MAP;
} botsink_active SEC(".maps");

/* What the runs on a generation write; userspace maps it. Sized by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, BOTSINK_MAX_SOURCES);
	__type(key, __u32);
	__type(value, struct botsink_source_count);
} botsink_collected SEC(".maps");

struct walk {
	struct botsink_collect_args args;
	void *table;
	const struct botsink_source_key *key;
	const struct botsink_counter *share; /* the key's share of this CPU */
	struct botsink_counter *total;
	__u64 qtype_seen_ns; /* last seen of the share total->dns_qtype is from */
	__u32 this_cpu;
	int err;
};

/*
 * Add CPU `cpu`'s share of w->key to w->total (CPUs in order, so the
 * latest dst is chosen the same way each time). The walk hands over this
 * CPU's share; the others take a lookup each.
 */
static long add_share(__u64 cpu, struct walk *w)
{
	const struct botsink_counter *c =
		cpu == w->this_cpu ? w->share :
				     bpf_map_lookup_percpu_elem(w->table, w->key, (__u32)cpu);

	if (c)
		botsink_counter_add(w->total, c, &w->qtype_seen_ns);
	return 0;
}

static long collect_one(void *table, const struct botsink_source_key *key,
			const struct botsink_counter *share, struct walk *w)
{
	struct botsink_source_count *out;
	__u32 index = w->args.base + w->args.count;

	out = bpf_map_lookup_elem(&botsink_collected, &index);
	if (!out) {
		w->err = E2BIG; /* tables larger than the loader said */
		return 1;
	}
	__builtin_memcpy(&out->key, key, sizeof(out->key));
	out->kind = BOTSINK_SLOT_KIND(w->args.slot);
	__builtin_memset(&out->total, 0, sizeof(out->total));
	w->table = table;
	w->key = key;
	w->share = share;
	w->total = &out->total;
	w->qtype_seen_ns = 0;
	bpf_loop(w->args.ncpus, add_share, w, 0);
	if (out->total.packets)
		w->args.count++;
	return 0;
}

/* Table botsink_active[args->slot] into botsink_collected: botsink_abi.h says how. */
SEC("syscall")
int botsink_collect(struct botsink_collect_args *args)
{
	struct walk w = { .args = *args, .this_cpu = bpf_get_smp_processor_id() };
	void *table = bpf_map_lookup_elem(&botsink_active, &w.args.slot);

	if (!table)
		return ENOENT;
	w.args.count = 0;
	bpf_for_each_map_elem(table, collect_one, &w, 0);
	*args = w.args;
	return w.err;
}

struct clearing {
	__u32 failed; /* a flag, not a count: the verifier converges on two states */
};

static long clear_one(void *table, const struct botsink_source_key *key, void *share,
		      struct clearing *c)
{
	/* The walk goes on past a deleted entry. */
	if (bpf_map_delete_elem(table, key))
		c->failed = 1;
	return 0;
}

/*
 * Empty table botsink_active[args->slot]. A key left behind would be
 * drained again: any failed delete fails the run, and the daemon clears
 * again.
 */
SEC("syscall")
int botsink_clear(struct botsink_collect_args *args)
{
	struct clearing c = { 0 };
	__u32 slot = args->slot;
	void *table = bpf_map_lookup_elem(&botsink_active, &slot);

	if (!table)
		return ENOENT;
	args->count = bpf_for_each_map_elem(table, clear_one, &c, 0);
	return c.failed ? EBUSY : 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
