/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The maps of the botsink XDP program. All are pinned by name. */
#ifndef BOTSINK_MAPS_BPF_H
#define BOTSINK_MAPS_BPF_H

#include "botsink_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct botsink_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct botsink_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 << 16);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BOTSINK_V4_GROUPS << 8);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_v4_grp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, BOTSINK_MAX_DESTINATIONS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct botsink_dst6_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_dst6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * BOTSINK_MAX_LISTS);
	__type(key, __u32);
	__type(value, struct botsink_dst);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_lists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BOTSINK_MAX_RULES);
	__type(key, __u32);
	__type(value, struct botsink_rule_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BOTSINK_MAX_RULES);
	__type(key, __u32);
	__type(value, struct botsink_rule_hits);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_hits SEC(".maps");

/*
 * Two generations of per-source counters. botsink_active[0] names the one
 * the program writes; userspace swaps it and drains the other. A map-in-map
 * update returns only after an RCU grace period, so once the swap returns
 * no running program can still hold the drained generation.
 * Preallocated: an insert fails only when the table is full, never because
 * an allocator cache ran dry under a burst of new sources.
 */
#define BOTSINK_COUNTERS_DEF                      \
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);   \
	__uint(max_entries, BOTSINK_MAX_SOURCES); \
	__type(key, struct botsink_source_key);   \
	__type(value, struct botsink_counter)

struct botsink_counters {
	BOTSINK_COUNTERS_DEF;
};

struct {
	BOTSINK_COUNTERS_DEF;
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_gen0 SEC(".maps"), botsink_gen1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct botsink_counters);
} botsink_active SEC(".maps") = {
	.values = { (void *)&botsink_gen0 },
};

#endif /* BOTSINK_MAPS_BPF_H */
