/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The two counter generations and their exactly-once drain.
 *
 * The XDP program reads which generation it writes from botsink_config
 * (once per packet) and finds that generation's tables at fixed slots of
 * botsink_active. To drain, userspace flips botsink_config.generation,
 * then rewrites a slot of botsink_active with its own value: updating a
 * map-in-map element from userspace returns only after an RCU grace period
 * (maybe_wait_bpf_programs() in kernel/bpf/syscall.c), and XDP programs run
 * inside RCU read-side sections, so when it returns no program can still
 * be writing the old generation: reading and clearing it then races with
 * nothing, and no increment is lost or counted twice.
 */
#ifndef BOTSINK_COUNTERS_H
#define BOTSINK_COUNTERS_H

#include <stddef.h>
#include "botsink_abi.h"
#include "kernel/loader.h"

/*
 * A drained generation's counts: where the collector wrote them, valid
 * until the next counters_read (or loader_close).
 */
struct evidence_store;

struct drain_result {
	const struct botsink_source_count *items;
	size_t n;
	/* The generation's evidence samples, found by key (sources only); NULL: none. */
	const struct evidence_store *evidence;
	int gen;
};

/* The statistics' names (the fields of struct botsink_stats), by index. */
extern const char *const botsink_stat_names[BOTSINK_NSTATS];

/* Index (0/1) of the generation the program writes (botsink_config), or -1. */
int counters_active(const struct botsink_maps *m);
/* Wait until no XDP invocation that started before the call still runs. */
int counters_sync(const struct botsink_maps *m);
/*
 * Make the idle generation the active one, waiting out every program that
 * could still write the other. Returns the generation swapped out, or -errno.
 */
int counters_swap(const struct botsink_maps *m);
/* Read the counts of generation `gen`, which must be idle, into `out`. 0 or -errno. */
int counters_read(const struct botsink_maps *m, int gen, struct drain_result *out);
/* The same, of the kinds in `kinds` (bit 1 << kind) only; the others hold none. */
int counters_read_kinds(const struct botsink_maps *m, int gen, unsigned int kinds,
			struct drain_result *out);
/*
 * What botsink_touched says of generation `gen`'s tables, summed over
 * CPUs (see botsink_abi.h). 0 or -errno.
 */
int counters_touched(const struct botsink_maps *m, int gen, __u64 touched[BOTSINK_KINDS]);
/*
 * Give generation `gen`'s overflow tables their catch-alls (see
 * botsink_abi.h), if they lack them. 0 or -errno.
 */
int counters_prepare(const struct botsink_maps *m, int gen);
/* Empty generation `gen`, which must be idle, and prepare it again. 0 or -errno. */
int counters_clear(const struct botsink_maps *m, int gen);
/* The same, of the kinds in `kinds` only: the others are left as they are. */
int counters_clear_kinds(const struct botsink_maps *m, int gen, unsigned int kinds);
/*
 * Delete the keys of `kind` that `r` (a read of generation `gen`, idle)
 * holds from its table, one by one: no walk over the table. 0 when every
 * one was deleted, or -errno.
 */
int counters_delete_read(const struct botsink_maps *m, int gen, int kind,
			 const struct drain_result *r);
/* Swap, read and clear in one go (tests, the bench): the counts leave the kernel. */
int counters_drain(const struct botsink_maps *m, struct drain_result *out);

#endif
