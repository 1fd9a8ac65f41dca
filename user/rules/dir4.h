/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The IPv4 destination table of one rule set, built in memory: DIR-16-8-8,
 * as the XDP program reads it (see include/botsink_abi.h).
 */
#ifndef BOTSINK_DIR4_H
#define BOTSINK_DIR4_H

#include <linux/types.h>
#include <stddef.h>
#include "lib/addr.h"

struct dir4_route {
	struct prefix prefix; /* IPv4 */
	__u32 value; /* list index, not 0 */
};

struct dir4 {
	__u32 l1[1 << 16]; /* by the first 16 bits */
	__u32 (*groups)[256]; /* by the third, then the fourth byte */
	size_t ngroups;
	size_t max_groups;
	__u32 group_base; /* group ids in the tables are group_base + index */
};

/*
 * Longest prefix wins: routes go in shortest first, a longer one only
 * overwrites its own range, and a group starts as copies of the entry it
 * refines. 0, -ENOSPC (more than max_groups groups) or -ENOMEM.
 */
int dir4_build(struct dir4 *d, const struct dir4_route *routes, size_t n, __u32 group_base,
	       size_t max_groups);
/* The value for one address (host byte order), as the XDP program finds it. */
__u32 dir4_lookup(const struct dir4 *d, __u32 addr);
void dir4_free(struct dir4 *d);

#endif
