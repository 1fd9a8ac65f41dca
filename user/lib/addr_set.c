// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/addr_set.h"
#include "lib/util.h"

void addr_set_init_any(struct addr_set *s)
{
	memset(s, 0, sizeof(*s));
	s->dflt = true;
}

int addr_set_init_prefix(struct addr_set *s, const struct prefix *p)
{
	memset(s, 0, sizeof(*s));
	s->items = malloc(sizeof(*s->items));
	if (!s->items)
		return -ENOMEM;
	s->items[0].prefix = *p;
	s->items[0].in = true;
	s->n = 1;
	return 0;
}

void addr_set_complement(struct addr_set *s)
{
	s->dflt = !s->dflt;
	for (size_t i = 0; i < s->n; i++)
		s->items[i].in = !s->items[i].in;
}

void addr_set_free(struct addr_set *s)
{
	free(s->items);
	memset(s, 0, sizeof(*s));
}

bool addr_set_contains(const struct addr_set *s, const struct prefix *p, int *by_len)
{
	const struct addr_item *best = NULL;

	for (size_t i = 0; i < s->n; i++)
		if (prefix_contains(&s->items[i].prefix, p) &&
		    (!best || s->items[i].prefix.len > best->prefix.len))
			best = &s->items[i];
	if (by_len)
		*by_len = best ? (int)best->prefix.len : -1;
	return best ? best->in : s->dflt;
}

/* Items strictly inside `i`: they decide for their addresses, not `i`. */
static bool residual_empty(const struct addr_set *s, size_t i)
{
	const struct prefix *p = &s->items[i].prefix;
	struct prefix *inner = calloc(s->n, sizeof(*inner));
	size_t n = 0;
	bool empty;

	if (!inner)
		return false;
	for (size_t j = 0; j < s->n; j++)
		if (j != i && s->items[j].prefix.len > p->len &&
		    prefix_contains(p, &s->items[j].prefix))
			inner[n++] = s->items[j].prefix;
	empty = prefix_covered(p, inner, n);
	free(inner);
	return empty;
}

bool addr_set_is_empty(const struct addr_set *s)
{
	if (s->dflt)
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (s->items[i].in && !residual_empty(s, i))
			return false;
	return true;
}

static int cmp_item(const void *a, const void *b)
{
	const struct prefix *x = &((const struct addr_item *)a)->prefix;
	const struct prefix *y = &((const struct addr_item *)b)->prefix;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(&x->addr, &y->addr, sizeof(x->addr));
}

/* Drop duplicates and items that say what their parent already says. */
static void canonicalize(struct addr_set *s)
{
	size_t out = 0;

	if (s->n)
		qsort(s->items, s->n, sizeof(*s->items), cmp_item);
	for (size_t i = 0; i < s->n; i++) {
		struct addr_set kept = { .dflt = s->dflt, .items = s->items, .n = out };

		if (out && prefix_equal(&s->items[out - 1].prefix, &s->items[i].prefix))
			continue;
		if (addr_set_contains(&kept, &s->items[i].prefix, NULL) == s->items[i].in)
			continue;
		s->items[out++] = s->items[i];
	}
	s->n = out;
}

/* *a = a op b over every prefix either names. */
static int combine(struct addr_set *a, const struct addr_set *b, bool is_union)
{
	struct addr_item *items = calloc(a->n + b->n ? a->n + b->n : 1, sizeof(*items));
	size_t n = 0;

	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < a->n; i++)
		items[n++].prefix = a->items[i].prefix;
	for (size_t i = 0; i < b->n; i++)
		items[n++].prefix = b->items[i].prefix;
	for (size_t i = 0; i < n; i++) {
		bool x = addr_set_contains(a, &items[i].prefix, NULL);
		bool y = addr_set_contains(b, &items[i].prefix, NULL);

		items[i].in = is_union ? x || y : x && !y;
	}
	a->dflt = is_union ? a->dflt || b->dflt : a->dflt && !b->dflt;
	free(a->items);
	a->items = items;
	a->n = n;
	canonicalize(a);
	return 0;
}

int addr_set_union(struct addr_set *a, const struct addr_set *b)
{
	return combine(a, b, true);
}

int addr_set_subtract(struct addr_set *a, const struct addr_set *b)
{
	return combine(a, b, false);
}
