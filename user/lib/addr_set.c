// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Set operations sort the items of every operand once and walk them as a
 * prefix tree (a parent before its children), keeping each operand's
 * membership at the current prefix: O(n log n) for n items in all, where
 * comparing every item with every other took O(n^3) for a list of n
 * prefixes built one union at a time.
 */
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

/* The canonical order: shortest first, then by address. */
static int cmp_prefix(const struct prefix *x, const struct prefix *y)
{
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(&x->addr, &y->addr, sizeof(x->addr));
}

static int cmp_item(const void *a, const void *b)
{
	return cmp_prefix(&((const struct addr_item *)a)->prefix,
			  &((const struct addr_item *)b)->prefix);
}

/* The first of items[0..n) whose prefix is not below `key`. */
static size_t lower_bound(const struct addr_item *items, size_t n, const struct prefix *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_prefix(&items[mid].prefix, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The items of length `len` among items[0..end): [*start, end). */
static size_t block_start(const struct addr_set *s, size_t end)
{
	struct prefix key = { .len = s->items[end - 1].prefix.len };

	return lower_bound(s->items, end, &key);
}

/* The item of block[0..n) (all of length `len`) that contains `p`. */
static const struct addr_item *find_in_block(const struct addr_item *block, size_t n,
					     const struct prefix *p, unsigned int len)
{
	struct prefix key = { .addr = p->addr, .len = len };
	size_t i;

	addr_mask(&key.addr, len);
	i = lower_bound(block, n, &key);
	if (i < n && prefix_equal(&block[i].prefix, &key) && prefix_contains(&key, p))
		return &block[i];
	return NULL;
}

/* The longest item containing `p`: one lookup per item length, longest first. */
static const struct addr_item *longest_match(const struct addr_set *s, const struct prefix *p)
{
	const struct addr_item *best = NULL;

	for (size_t end = s->n, start; end && !best; end = start) {
		unsigned int len = s->items[end - 1].prefix.len;

		start = block_start(s, end);
		if (len <= p->len)
			best = find_in_block(s->items + start, end - start, p, len);
	}
	return best;
}

bool addr_set_contains(const struct addr_set *s, const struct prefix *p, int *by_len)
{
	const struct addr_item *best = longest_match(s, p);

	if (by_len)
		*by_len = best ? (int)best->prefix.len : -1;
	return best ? best->in : s->dflt;
}

/* Is an `in` item of block[0..n) inside `p`? Those inside are consecutive. */
static bool block_holds_in(const struct addr_item *block, size_t n, const struct prefix *p)
{
	struct prefix key = { .addr = p->addr, .len = block[0].prefix.len };

	for (size_t i = lower_bound(block, n, &key); i < n; i++) {
		struct in6_addr a = block[i].prefix.addr;

		addr_mask(&a, p->len);
		if (memcmp(&a, &p->addr, sizeof(a)) != 0)
			return false;
		/* Skipped: IPv4 items under an IPv6 prefix such as ::/0. */
		if (block[i].in && prefix_contains(p, &block[i].prefix))
			return true;
	}
	return false;
}

bool addr_set_meets(const struct addr_set *s, const struct prefix *p)
{
	if (addr_set_contains(s, p, NULL))
		return true;
	for (size_t end = s->n, start; end; end = start) {
		start = block_start(s, end);
		if (s->items[start].prefix.len < p->len)
			break;
		if (block_holds_in(s->items + start, end - start, p))
			return true;
	}
	return false;
}

bool addr_set_is_empty(const struct addr_set *s)
{
	struct prefix *p;
	bool *covered, empty = false;

	if (s->dflt)
		return false;
	p = calloc(s->n ? s->n : 1, sizeof(*p));
	covered = calloc(s->n ? s->n : 1, sizeof(*covered));
	if (p && covered) {
		for (size_t i = 0; i < s->n; i++)
			p[i] = s->items[i].prefix;
		empty = !prefixes_covered(p, s->n, covered);
		/* An `in` item the longer ones do not cover keeps addresses. */
		for (size_t i = 0; i < s->n && empty; i++)
			empty = !s->items[i].in || covered[i];
	}
	free(p);
	free(covered);
	return empty;
}

/* An item of one operand, in the walk over all of them. */
struct tagged {
	struct prefix prefix;
	size_t set; /* operands [0, nplus) are added, the others taken away */
	bool in;
};

struct walk {
	bool *cur; /* each operand's membership at the prefix being visited */
	size_t nplus, plus, minus; /* how many operands of each side hold it */
	struct tagged *stack;
	bool *saved; /* the membership each stacked item replaced */
	size_t depth;
};

static void walk_set(struct walk *w, size_t set, bool in)
{
	size_t *count = set < w->nplus ? &w->plus : &w->minus;

	*count = *count - w->cur[set] + in;
	w->cur[set] = in;
}

static bool walk_value(const struct walk *w)
{
	return w->plus && !w->minus;
}

static void walk_push(struct walk *w, const struct tagged *t)
{
	w->saved[w->depth] = w->cur[t->set];
	w->stack[w->depth++] = *t;
	walk_set(w, t->set, t->in);
}

/* Back to the innermost item that contains `p`. */
static void walk_up_to(struct walk *w, const struct prefix *p)
{
	while (w->depth && !prefix_contains(&w->stack[w->depth - 1].prefix, p)) {
		w->depth--;
		walk_set(w, w->stack[w->depth].set, w->saved[w->depth]);
	}
}

static int cmp_tagged(const void *a, const void *b)
{
	return prefix_cmp_tree(&((const struct tagged *)a)->prefix,
			       &((const struct tagged *)b)->prefix);
}

/*
 * The result's items: each prefix any operand names, kept when the result
 * there differs from the result at its innermost enclosing prefix (as the
 * canonical form wants), in the canonical order.
 */
static size_t walk_all(struct walk *w, const struct tagged *t, size_t n, struct addr_item *out)
{
	size_t kept = 0;

	for (size_t i = 0, j; i < n; i = j) {
		bool before;

		walk_up_to(w, &t[i].prefix);
		before = walk_value(w);
		for (j = i; j < n && prefix_equal(&t[j].prefix, &t[i].prefix); j++)
			walk_push(w, &t[j]);
		if (walk_value(w) != before)
			out[kept++] = (struct addr_item){ .prefix = t[i].prefix, .in = !before };
	}
	if (kept)
		qsort(out, kept, sizeof(*out), cmp_item);
	return kept;
}

static struct tagged *tag_items(const struct addr_set *const *sets, size_t nsets, size_t *n)
{
	struct tagged *t;
	size_t k = 0;

	*n = 0;
	for (size_t i = 0; i < nsets; i++)
		*n += sets[i]->n;
	t = calloc(*n ? *n : 1, sizeof(*t));
	if (!t)
		return NULL;
	for (size_t i = 0; i < nsets; i++)
		for (size_t j = 0; j < sets[i]->n; j++)
			t[k++] = (struct tagged){ sets[i]->items[j].prefix, i,
						  sets[i]->items[j].in };
	qsort(t, *n, sizeof(*t), cmp_tagged);
	return t;
}

/* out = (sets[0] | .. | sets[nplus-1]) & ~(sets[nplus] | .. | sets[nsets-1]) */
static int combine(struct addr_set *out, const struct addr_set *const *sets, size_t nsets,
		   size_t nplus)
{
	struct walk w = { .nplus = nplus };
	struct addr_item *items = NULL;
	size_t n = 0;
	struct tagged *t = tag_items(sets, nsets, &n);
	int err = -ENOMEM;

	w.cur = calloc(nsets ? nsets : 1, sizeof(*w.cur));
	w.saved = calloc(n ? n : 1, sizeof(*w.saved));
	w.stack = calloc(n ? n : 1, sizeof(*w.stack));
	items = calloc(n ? n : 1, sizeof(*items));
	if (t && w.cur && w.saved && w.stack && items) {
		for (size_t i = 0; i < nsets; i++)
			walk_set(&w, i, sets[i]->dflt);
		memset(out, 0, sizeof(*out));
		out->dflt = walk_value(&w);
		out->n = walk_all(&w, t, n, items);
		out->items = items;
		items = NULL;
		err = 0;
	}
	free(items);
	free(t);
	free(w.cur);
	free(w.saved);
	free(w.stack);
	return err;
}

int addr_set_build(struct addr_set *out, const struct addr_set *plus, size_t nplus,
		   const struct addr_set *minus, size_t nminus)
{
	const struct addr_set **sets = calloc(nplus + nminus ? nplus + nminus : 1, sizeof(*sets));
	int err;

	if (!sets)
		return -ENOMEM;
	for (size_t i = 0; i < nplus; i++)
		sets[i] = &plus[i];
	for (size_t i = 0; i < nminus; i++)
		sets[nplus + i] = &minus[i];
	err = combine(out, sets, nplus + nminus, nplus);
	free(sets);
	return err;
}

/* *a = a op b, replacing a's items only once the result is whole. */
static int combine_into(struct addr_set *a, const struct addr_set *b, bool is_union)
{
	const struct addr_set *sets[] = { a, b };
	struct addr_set r;
	int err = combine(&r, sets, 2, is_union ? 2 : 1);

	if (err)
		return err;
	addr_set_free(a);
	*a = r;
	return 0;
}

int addr_set_union(struct addr_set *a, const struct addr_set *b)
{
	return combine_into(a, b, true);
}

int addr_set_subtract(struct addr_set *a, const struct addr_set *b)
{
	return combine_into(a, b, false);
}
