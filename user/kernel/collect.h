/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The collector (bpf/collect.bpf.c): reads the counter tables of an idle
 * generation out, each key summed over CPUs, into memory userspace maps;
 * and empties them.
 */
#ifndef BOTSINK_COLLECT_H
#define BOTSINK_COLLECT_H

#include <stddef.h>
#include "botsink_abi.h"

struct collect;

struct collector {
	struct collect *skel;
	const struct botsink_source_count *counts; /* botsink_collected, mapped */
	size_t counts_bytes;
	int ncpus;
};

/*
 * Load the collector on the maps' botsink_active, with room for `entries`
 * counts (a generation's tables together). 0, or -1 and err.
 */
int collector_open(struct collector *c, int active_fd, __u32 entries, char *err, size_t errlen);
/*
 * Read table `slot` (BOTSINK_SLOT(kind, gen)), which must be idle, into
 * c->counts from entry `base` on: *n keys with packets. 0 or -errno.
 */
int collector_read(const struct collector *c, __u32 slot, __u32 base, size_t *n);
/* Delete every key of table `slot`, which must be idle. 0 or -errno. */
int collector_clear(const struct collector *c, __u32 slot);
void collector_close(struct collector *c);

#endif
