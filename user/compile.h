/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Rule set -> destination table. One LPM entry per sinkhole prefix and per
 * rule prefix inside the sinkhole space; each entry holds the complete
 * ranked candidate list for its addresses, covering rules of enclosing
 * prefixes too, so one lookup on the destination answers everything.
 */
#ifndef BOTSINK_COMPILE_H
#define BOTSINK_COMPILE_H

#include <stdio.h>
#include "botsink_abi.h"
#include "dir4.h"
#include "rules.h"

struct compiled_candidate {
	struct botsink_candidate c; /* .slot is set when the table is installed */
	size_t rule; /* index in the rule set */
};

struct dst_entry {
	struct prefix prefix;
	struct compiled_candidate *cand;
	size_t n;
	unsigned int list; /* 1..nlists, shared by equal lists; 0: a hole in the space */
};

struct compiled {
	struct addr_set space; /* the sinkhole space */
	struct dst_entry *dst;
	size_t ndst;
	size_t nlists;
};

/*
 * `sinkhole`: the --sinkhole space, or NULL to use the union of the rules'
 * destination prefixes. Errors are added to `rs` (file:line: reason);
 * returns 0, or -1 when there were any.
 */
int compile_rules(struct rule_set *rs, const struct addr_set *sinkhole, struct compiled *out);
void compiled_free(struct compiled *c);
/*
 * The IPv4 table of one rule set half: list indices start at list_base (a
 * hole stays 0), group ids at group_base. 0, -ENOSPC or -ENOMEM.
 */
int compiled_v4_table(const struct compiled *c, __u32 list_base, __u32 group_base, struct dir4 *d);
/* Human-readable table, for `botsink rules check --dump`. */
void compiled_dump(FILE *f, const struct rule_set *rs, const struct compiled *c);

/*
 * --sinkhole: "p1,p2,!p3,...": the listed prefixes minus the '!' ones
 * (a management address inside a sinkhole prefix, say). 0, or -1 with
 * *bad set to the offending item (or the whole text when it is empty).
 */
int parse_sinkhole(const char *text, struct addr_set *out, char **bad);

#endif
