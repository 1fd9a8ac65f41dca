/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the XDP program counted, read live from its maps and summed over
 * CPUs: the frame statistics, each rule's totals, the counter tables'
 * contents. For botsink status, botsink top and the sensor's metrics; none
 * of it needs the daemon, and reading races with nothing (totals only
 * grow).
 */
#ifndef BOTSINK_CENSUS_H
#define BOTSINK_CENSUS_H

#include <stddef.h>
#include "botsink_abi.h"
#include "kernel/loader.h"

/* One rule slot that holds a rule (or slot 0, unclassified), with its totals. */
struct census_rule {
	__u32 slot;
	struct botsink_rule_info info; /* family and msg NUL-terminated */
	struct botsink_rule_hits hits;
};

/* One family's totals: the sum of its slots. */
struct census_family {
	char name[BOTSINK_FAMILY_LEN];
	unsigned int rules; /* of its slots, those in the running rule set */
	struct botsink_rule_hits hits;
};

/* The frame statistics (enum botsink_stat). 0 or -errno. */
int census_stats(const struct botsink_maps *m, __u64 v[BOTSINK_NSTATS]);
/*
 * Slot 0 and every slot holding a sid (live, or retired with totals), in
 * slot order, with their totals: *out is malloc'd. 0 or -errno.
 */
int census_rules(const struct botsink_maps *m, struct census_rule **out, size_t *n);
/* The totals of the slots of `r` (from census_rules) read again. 0 or -errno. */
int census_hits(const struct botsink_maps *m, struct census_rule *r, size_t n);
/*
 * The slots of `r` summed per family, the families in the order they first
 * appear: *out is malloc'd. 0 or -ENOMEM.
 */
int census_families(const struct census_rule *r, size_t n, struct census_family **out,
		    size_t *nfam);
/* Entries a counter table can hold (0: unknown). */
__u32 census_capacity(const struct botsink_maps *m, int kind, int gen);
/*
 * Every entry of counter table (kind, gen), read live and summed over CPUs
 * as the collector sums a drained one (first/last seen: min/max; the
 * destination, port, protocol and query type: the latest share's), catch-alls
 * and entries without packets included: *out is malloc'd, *n entries. The
 * program may be writing the table: an entry may miss its latest packets,
 * and sources that arrive meanwhile may be missing. 0 or -errno.
 */
int census_table(const struct botsink_maps *m, int kind, int gen, struct botsink_source_count **out,
		 size_t *n);

#endif
