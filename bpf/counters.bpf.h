/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The counter tables' shape, shared by every program that reaches them
 * through botsink_active: the XDP program, the collector, test writers.
 */
#ifndef BOTSINK_COUNTERS_BPF_H
#define BOTSINK_COUNTERS_BPF_H

#include "botsink_abi.h"

/* The inner map template; hash maps of different sizes can share it. */
struct botsink_counters {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, BOTSINK_MAX_SOURCES);
	__type(key, struct botsink_source_key);
	__type(value, struct botsink_counter);
};

/* botsink_active: the table of each kind and generation, BOTSINK_SLOT(kind, gen). */
#define BOTSINK_ACTIVE_MAP                        \
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS); \
	__uint(max_entries, BOTSINK_KINDS * 2);   \
	__type(key, __u32);                       \
	__array(values, struct botsink_counters)

#endif /* BOTSINK_COUNTERS_BPF_H */
