// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "botsink_abi.h"
#include "rules/dir4.h"

static int cmp_route(const void *a, const void *b)
{
	const struct dir4_route *x = a, *y = b;

	return x->prefix.len < y->prefix.len ? -1 : x->prefix.len > y->prefix.len;
}

/*
 * The group that entry `idx` of `parent` (-1: the first level) points to,
 * made from the entry's value when it has none. Indices, not pointers:
 * growing the groups moves them.
 */
static long group_at(struct dir4 *d, long parent, __u32 idx)
{
	__u32 *slot = parent < 0 ? &d->l1[idx] : &d->groups[parent][idx];
	__u32 value = *slot, (*grown)[256];
	size_t g;

	if (value & BOTSINK_V4_GROUP)
		return (long)((value & ~BOTSINK_V4_GROUP) - d->group_base);
	if (d->ngroups == d->max_groups)
		return -ENOSPC;
	grown = realloc(d->groups, (d->ngroups + 1) * sizeof(*d->groups));
	if (!grown)
		return -ENOMEM;
	d->groups = grown;
	g = d->ngroups++;
	for (int i = 0; i < 256; i++)
		d->groups[g][i] = value;
	slot = parent < 0 ? &d->l1[idx] : &d->groups[parent][idx];
	*slot = BOTSINK_V4_GROUP | (d->group_base + (__u32)g);
	return (long)g;
}

static void fill(__u32 *table, __u32 start, __u32 count, __u32 value)
{
	for (__u32 i = 0; i < count; i++)
		table[start + i] = value;
}

static int add_route(struct dir4 *d, const struct dir4_route *r)
{
	unsigned int len = r->prefix.len - V4_MAPPED_BITS;
	__u32 a;
	long g2, g3;

	memcpy(&a, r->prefix.addr.s6_addr + 12, 4);
	a = ntohl(a);
	if (len <= 16) {
		fill(d->l1, a >> 16, 1U << (16 - len), r->value);
		return 0;
	}
	g2 = group_at(d, -1, a >> 16);
	if (g2 < 0)
		return (int)g2;
	if (len <= 24) {
		fill(d->groups[g2], a >> 8 & 0xff, 1U << (24 - len), r->value);
		return 0;
	}
	g3 = group_at(d, g2, a >> 8 & 0xff);
	if (g3 < 0)
		return (int)g3;
	fill(d->groups[g3], a & 0xff, 1U << (32 - len), r->value);
	return 0;
}

int dir4_build(struct dir4 *d, const struct dir4_route *routes, size_t n, __u32 group_base,
	       size_t max_groups)
{
	struct dir4_route *sorted = malloc((n ? n : 1) * sizeof(*sorted));
	int ret = 0;

	memset(d, 0, sizeof(*d));
	d->group_base = group_base;
	d->max_groups = max_groups;
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, routes, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_route);
	for (size_t i = 0; i < n && !ret; i++)
		ret = add_route(d, &sorted[i]);
	free(sorted);
	return ret;
}

__u32 dir4_lookup(const struct dir4 *d, __u32 addr)
{
	__u32 v = d->l1[addr >> 16];

	if (v & BOTSINK_V4_GROUP)
		v = d->groups[(v & ~BOTSINK_V4_GROUP) - d->group_base][addr >> 8 & 0xff];
	if (v & BOTSINK_V4_GROUP)
		v = d->groups[(v & ~BOTSINK_V4_GROUP) - d->group_base][addr & 0xff];
	return v;
}

void dir4_free(struct dir4 *d)
{
	free(d->groups);
	d->groups = NULL;
	d->ngroups = 0;
}
