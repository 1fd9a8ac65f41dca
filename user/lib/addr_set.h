/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Address sets as decision lists: an address belongs to the set when the
 * longest listed prefix that contains it says `in` (or, when none does,
 * when the default says so). Closed under complement, union and
 * difference, which is what Suricata's address expressions need:
 * "![10.0.0.0/8,!10.1.0.0/16]" is everything but (10/8 minus 10.1/16).
 * IPv4 and IPv6 prefixes never contain each other.
 */
#ifndef BOTSINK_ADDR_SET_H
#define BOTSINK_ADDR_SET_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/addr.h"

struct addr_item {
	struct prefix prefix;
	bool in;
};

struct addr_set {
	bool dflt; /* membership of addresses no item contains */
	struct addr_item *items; /* canonical: shortest first, then by address (lookups
				  * search this order), each differs from its parent */
	size_t n;
};

/* Everything, or one prefix. 0 or -ENOMEM. */
void addr_set_init_any(struct addr_set *s);
int addr_set_init_prefix(struct addr_set *s, const struct prefix *p);
void addr_set_complement(struct addr_set *s);
/* *a = *a | b, or *a = *a & ~b. 0 or -ENOMEM. */
int addr_set_union(struct addr_set *a, const struct addr_set *b);
int addr_set_subtract(struct addr_set *a, const struct addr_set *b);
/*
 * *out = (plus[0] | plus[1] | ...) & ~(minus[0] | minus[1] | ...), in one
 * pass: a list of n terms costs O(n log n), where n unions one at a time
 * would cost O(n^2 log n). No plus term: the empty set. The terms need
 * not be canonical: a term whose items all say `in` is their union, in
 * any order and with repeats. 0 or -ENOMEM.
 */
int addr_set_build(struct addr_set *out, const struct addr_set *plus, size_t nplus,
		   const struct addr_set *minus, size_t nminus);
void addr_set_free(struct addr_set *s);

/*
 * For the addresses of `p` that no longer item of the set distinguishes:
 * are they in the set, and by which item (its length; -1: the default)?
 */
bool addr_set_contains(const struct addr_set *s, const struct prefix *p, int *by_len);
/* Is `p` inside the set, or does it hold one of the set's `in` items? */
bool addr_set_meets(const struct addr_set *s, const struct prefix *p);
/* No address at all (nothing `in`, default out). */
bool addr_set_is_empty(const struct addr_set *s);

#endif
