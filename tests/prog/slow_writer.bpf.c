// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A counter writer that takes its time: it reads the active generation as
 * botsink's program does, spins for milliseconds, then counts into that
 * generation. The swap test runs it against counters_swap(): the swap must
 * wait for it, so the drain that follows sees its increment.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "botsink_abi.h"
#include "counters.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct botsink_config);
} botsink_config SEC(".maps");

struct {
	BOTSINK_ACTIVE_MAP;
} botsink_active SEC(".maps");

#define SLOW_WRITER_SID 77

/* Globals, so BTF holds the full key and value types for the inner maps. */
struct botsink_source_key slow_key = { .sid = SLOW_WRITER_SID };
struct botsink_counter slow_fresh = { .packets = 1, .first_seen_ns = 1, .last_seen_ns = 1 };

static long spin(__u64 index, void *ctx)
{
	return 0;
}

SEC("xdp")
int slow_writer(struct xdp_md *ctx)
{
	struct botsink_counter *ctr;
	struct botsink_config *cfg;
	__u32 zero = 0, slot;
	void *table;

	cfg = bpf_map_lookup_elem(&botsink_config, &zero);
	if (!cfg)
		return XDP_ABORTED;
	slot = BOTSINK_SLOT(BOTSINK_KIND_SOURCES, *(volatile __u32 *)&cfg->generation & 1);
	bpf_loop(1 << 23, spin, NULL, 0); /* milliseconds */
	table = bpf_map_lookup_elem(&botsink_active, &slot);
	if (!table)
		return XDP_ABORTED;
	ctr = bpf_map_lookup_elem(table, &slow_key);
	if (ctr)
		ctr->packets++;
	else
		bpf_map_update_elem(table, &slow_key, &slow_fresh, BPF_NOEXIST);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
