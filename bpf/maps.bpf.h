/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The maps of the botsink XDP program. All are pinned by name. */
#ifndef BOTSINK_MAPS_BPF_H
#define BOTSINK_MAPS_BPF_H

#include "botsink_abi.h"
#include "counters.bpf.h"
#include "scratch.bpf.h"

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
	__type(value, struct botsink_list);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_lists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * BOTSINK_MAX_CANDS);
	__type(key, __u32);
	__type(value, struct botsink_candidate);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_cands SEC(".maps");

/*
 * The run of a rule with a fast pattern in one list, looked up for each
 * rule the prefilter names; filled by userspace only.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * BOTSINK_MAX_CANDS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct botsink_stamped_key);
	__type(value, struct botsink_run);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_stamped SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * BOTSINK_PORT_TABLES * 2 * 256);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_port1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * BOTSINK_PORT_GROUPS * 256);
	__type(key, __u32);
	__type(value, struct botsink_list);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_port2 SEC(".maps");

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

/* Payload tables; each rule set has its half, as the lists do. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * BOTSINK_MAX_CONTENTS);
	__type(key, __u32);
	__type(value, struct botsink_content);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_contents SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct botsink_gram_filter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_gram_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 << BOTSINK_GRAM_BUCKET_BITS);
	__type(key, __u32);
	__type(value, struct botsink_gram_patterns);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_grams SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * BOTSINK_MAX_FASTPATS);
	__type(key, __u32);
	__type(value, struct botsink_fastpat);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_fastpats SEC(".maps");

/* Filled by userspace only: no allocation from XDP, so no preallocation. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * BOTSINK_MAX_DOMAINS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct botsink_domain_key);
	__type(value, struct botsink_domain_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_domains SEC(".maps");

/*
 * Check-in segments seen lately, to count a retransmission once: a
 * set-associative cache indexed by a hash of the segment, which costs one
 * array lookup where an LRU hash cost a hashed lookup and shared list
 * upkeep. An entry replaced early only means a late retransmission counts
 * again; no packet or byte count depends on it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BOTSINK_RECENT_SETS);
	__type(key, __u32);
	__type(value, struct botsink_recent_set);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_recent SEC(".maps");

/* Per-packet work space: the payload window and what was parsed from it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct payload_state);
} botsink_scratch SEC(".maps");

/* Ports the responder answers on, per rule set (see the ABI). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * BOTSINK_TCP_PORT_WORDS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_tcp_ports SEC(".maps");

/* Failed cookie checks per source bucket (see the ABI). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BOTSINK_GUARD_BUCKETS);
	__type(key, __u32);
	__type(value, struct botsink_guard);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_vguard SEC(".maps");

/* The daemon's drain progress (struct botsink_drain_state); userspace only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct botsink_drain_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_drain SEC(".maps");

/* Prefilter stamps: stamp[slot] == the packet's scan id once its rule is named. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BOTSINK_MAX_RULES);
	__type(key, __u32);
	__type(value, __u32);
} botsink_stamps SEC(".maps");

/*
 * Two generations of counter tables, of each kind (enum
 * botsink_counter_kind), at fixed slots of botsink_active. The program
 * writes the generation botsink_config names; userspace flips it, waits
 * for an RCU grace period (rewriting a map-in-map slot returns only after
 * one), and drains the other: no running program can still hold it.
 * Preallocated: an insert fails only when the table is full, never because
 * an allocator cache ran dry under a burst of new sources. Userspace sizes
 * the source tables (--max-sources, --max-unclassified) before loading.
 */
#define BOTSINK_COUNTERS(entries)               \
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH); \
	__uint(max_entries, entries);           \
	__type(key, struct botsink_source_key); \
	__type(value, struct botsink_counter);  \
	__uint(pinning, LIBBPF_PIN_BY_NAME)

struct {
	BOTSINK_COUNTERS(BOTSINK_MAX_SOURCES);
} botsink_gen0 SEC(".maps"), botsink_gen1 SEC(".maps");

struct {
	BOTSINK_COUNTERS(BOTSINK_MAX_UNCLASSIFIED);
} botsink_ucl0 SEC(".maps"), botsink_ucl1 SEC(".maps");

struct {
	BOTSINK_COUNTERS(BOTSINK_OVERFLOW_ENTRIES);
} botsink_ovf0 SEC(".maps"), botsink_ovf1 SEC(".maps"), botsink_uovf0 SEC(".maps"),
	botsink_uovf1 SEC(".maps");

/* Writes that need a drain, per counter table (see the ABI). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BOTSINK_KINDS * 2);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_touched SEC(".maps");

/*
 * Evidence samples of the check-ins that created keys, for the daemon's
 * records (see the ABI): written only with botsink_config.evidence set.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BOTSINK_EVIDENCE_RING);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} botsink_evidence SEC(".maps");

struct {
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	BOTSINK_ACTIVE_MAP; /* last: it ends in the values array */
} botsink_active SEC(".maps") = {
	.values = {
		[BOTSINK_SLOT(BOTSINK_KIND_SOURCES, 0)] = (void *)&botsink_gen0,
		[BOTSINK_SLOT(BOTSINK_KIND_SOURCES, 1)] = (void *)&botsink_gen1,
		[BOTSINK_SLOT(BOTSINK_KIND_UNCLASSIFIED, 0)] = (void *)&botsink_ucl0,
		[BOTSINK_SLOT(BOTSINK_KIND_UNCLASSIFIED, 1)] = (void *)&botsink_ucl1,
		[BOTSINK_SLOT(BOTSINK_KIND_OVERFLOW, 0)] = (void *)&botsink_ovf0,
		[BOTSINK_SLOT(BOTSINK_KIND_OVERFLOW, 1)] = (void *)&botsink_ovf1,
		[BOTSINK_SLOT(BOTSINK_KIND_UNCL_OVERFLOW, 0)] = (void *)&botsink_uovf0,
		[BOTSINK_SLOT(BOTSINK_KIND_UNCL_OVERFLOW, 1)] = (void *)&botsink_uovf1,
	},
};

#endif /* BOTSINK_MAPS_BPF_H */
