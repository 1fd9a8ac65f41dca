// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/addr.h"
#include "lib/parse.h"

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool addr_is_v4(const struct in6_addr *a)
{
	return memcmp(a->s6_addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0;
}

void addr_from_v4(struct in6_addr *a, uint32_t ip4_be)
{
	memcpy(a->s6_addr, v4_mapped_prefix, sizeof(v4_mapped_prefix));
	memcpy(a->s6_addr + 12, &ip4_be, 4);
}

/*
 * A dotted quad, as inet_ntop spells it, without its sprintf: a drain
 * formats a million. A buffer too short gets "" (inet_ntop's is undefined).
 */
static void format_v4(const uint8_t *b, char *buf, size_t len)
{
	char text[INET_ADDRSTRLEN], *p = text;

	for (int i = 0; i < 4; i++) {
		if (b[i] >= 100)
			*p++ = (char)('0' + b[i] / 100);
		if (b[i] >= 10)
			*p++ = (char)('0' + b[i] / 10 % 10);
		*p++ = (char)('0' + b[i] % 10);
		*p++ = '.';
	}
	p[-1] = '\0';
	if ((size_t)(p - text) <= len)
		memcpy(buf, text, (size_t)(p - text));
	else if (len)
		buf[0] = '\0';
}

void addr_format(const struct in6_addr *a, char *buf, size_t len)
{
	if (addr_is_v4(a))
		format_v4(a->s6_addr + 12, buf, len);
	else
		inet_ntop(AF_INET6, a, buf, len);
}

int addr_parse(const char *text, struct in6_addr *out)
{
	struct in_addr v4;

	if (inet_pton(AF_INET, text, &v4) == 1) {
		addr_from_v4(out, v4.s_addr);
		return 0;
	}
	if (inet_pton(AF_INET6, text, out) == 1 && !addr_is_v4(out))
		return 0;
	return -1;
}

void prefix_netmask(unsigned int len, uint8_t mask[16])
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int bits = len > i * 8 ? len - i * 8 : 0;

		mask[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	}
}

void addr_mask(struct in6_addr *a, unsigned int len)
{
	uint8_t mask[16];

	prefix_netmask(len, mask);
	for (int i = 0; i < 16; i++)
		a->s6_addr[i] &= mask[i];
}

int prefix_parse(const char *text, struct prefix *out)
{
	char addr[PREFIX_TEXT_LEN];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	uint64_t len;

	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (addr_parse(addr, &out->addr))
		return -1;
	out->len = 128;
	if (slash) {
		if (parse_uint(slash + 1, addr_is_v4(&out->addr) ? 32 : 128, &len))
			return -1;
		out->len = (unsigned int)len + (addr_is_v4(&out->addr) ? V4_MAPPED_BITS : 0);
	}
	addr_mask(&out->addr, out->len);
	return 0;
}

bool prefix_is_v4(const struct prefix *p)
{
	return p->len >= V4_MAPPED_BITS && addr_is_v4(&p->addr);
}

void prefix_format(const struct prefix *p, char *buf, size_t len)
{
	char text[ADDR_TEXT_LEN];
	bool v4 = prefix_is_v4(p);

	addr_format(&p->addr, text, sizeof(text));
	snprintf(buf, len, "%s/%u", text, v4 ? p->len - V4_MAPPED_BITS : p->len);
}

bool prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	struct in6_addr a = inner->addr;

	/* IPv6 prefixes such as ::/0 do not contain IPv4 (IPv4-mapped) ones. */
	if (outer->len > inner->len || prefix_is_v4(outer) != prefix_is_v4(inner))
		return false;
	addr_mask(&a, outer->len);
	return memcmp(&a, &outer->addr, sizeof(a)) == 0;
}

bool prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->len == b->len && memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

/* Covered when one prefix contains p, or when both halves of p are covered. */
bool prefix_covered(const struct prefix *p, const struct prefix *cover, size_t n)
{
	struct prefix half = *p;
	bool inside = false;

	for (size_t i = 0; i < n; i++) {
		if (prefix_contains(&cover[i], p))
			return true;
		inside |= prefix_contains(p, &cover[i]);
	}
	if (!inside || p->len >= 128)
		return false;
	half.len = p->len + 1;
	if (!prefix_covered(&half, cover, n))
		return false;
	half.addr.s6_addr[p->len / 8] |= (uint8_t)(0x80 >> (p->len % 8));
	return prefix_covered(&half, cover, n);
}

int prefix_cmp_tree(const struct prefix *x, const struct prefix *y)
{
	bool v4x = prefix_is_v4(x), v4y = prefix_is_v4(y);
	int c;

	if (v4x != v4y)
		return v4x ? -1 : 1;
	c = memcmp(&x->addr, &y->addr, sizeof(x->addr));
	if (c)
		return c;
	return x->len == y->len ? 0 : x->len < y->len ? -1 : 1;
}

/* The address just past the prefix; *carry when that wraps around. */
static struct in6_addr prefix_next(const struct prefix *p, bool *carry)
{
	struct in6_addr a = p->addr;
	unsigned int bit = p->len ? p->len - 1 : 0;
	unsigned int add = p->len ? 0x80 >> (bit % 8) : 0x100;
	int i = p->len ? (int)(bit / 8) : -1;

	*carry = i < 0;
	for (; i >= 0 && add; i--) {
		add += a.s6_addr[i];
		a.s6_addr[i] = (uint8_t)add;
		add >>= 8;
	}
	*carry = *carry || add;
	return a;
}

/* A prefix of the walk, and how far its children cover it so far. */
struct tile {
	const struct prefix *p;
	size_t index;
	struct in6_addr next; /* the first address its children do not cover yet */
	bool carry, gap;
};

/* Its children, in address order, cover it when each starts where the last ended. */
static bool tile_covered(const struct tile *t)
{
	bool carry;
	struct in6_addr end = prefix_next(t->p, &carry);

	return !t->gap && carry == t->carry && memcmp(&end, &t->next, sizeof(end)) == 0;
}

static void tile_add(struct tile *parent, const struct prefix *child)
{
	if (parent->carry || memcmp(&child->addr, &parent->next, sizeof(child->addr)) != 0)
		parent->gap = true;
	parent->next = prefix_next(child, &parent->carry);
}

static int cmp_tree_index(const void *a, const void *b, void *base)
{
	const struct prefix *p = base;

	return prefix_cmp_tree(&p[*(const size_t *)a], &p[*(const size_t *)b]);
}

/*
 * In the tree order each prefix's children (the longest that it contains)
 * follow it: the longer prefixes cover it exactly when its children do.
 */
static void walk_tiles(const struct prefix *p, const size_t *order, size_t n, struct tile *stack,
		       bool *covered)
{
	size_t depth = 0;

	for (size_t k = 0; k <= n; k++) {
		const struct prefix *cur = k < n ? &p[order[k]] : NULL;

		while (depth && (!cur || !prefix_contains(stack[depth - 1].p, cur))) {
			depth--;
			covered[stack[depth].index] = tile_covered(&stack[depth]);
		}
		if (!cur)
			break;
		if (depth)
			tile_add(&stack[depth - 1], cur);
		stack[depth++] = (struct tile){ .p = cur, .index = order[k], .next = cur->addr };
	}
}

int prefixes_covered(const struct prefix *p, size_t n, bool *covered)
{
	size_t *order = calloc(n ? n : 1, sizeof(*order));
	struct tile *stack = calloc(n ? n : 1, sizeof(*stack));
	int err = -ENOMEM;

	if (order && stack) {
		for (size_t i = 0; i < n; i++)
			order[i] = i;
		qsort_r(order, n, sizeof(*order), cmp_tree_index, (void *)p);
		walk_tiles(p, order, n, stack, covered);
		err = 0;
	}
	free(order);
	free(stack);
	return err;
}
