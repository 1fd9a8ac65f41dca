// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Address sets against a reference: the element-by-element algorithm the
 * sorted walk replaced (a linear longest match, every pair compared), on
 * random IPv4 and IPv6 sets with nested, overlapping, adjacent and
 * repeated prefixes and exclusions. The results must be the same items.
 */
#include <stdint.h>
#include <time.h>
#include "lib/addr_set.h"
#include "unit.h"

static uint64_t rng = 88172645463325252ULL;

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

/* ---- the reference: quadratic and obviously right ---- */

static bool ref_contains(const struct addr_set *s, const struct prefix *p, int *by_len)
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

static bool ref_is_empty(const struct addr_set *s)
{
	if (s->dflt)
		return false;
	for (size_t i = 0; i < s->n; i++) {
		const struct prefix *p = &s->items[i].prefix;
		struct prefix inner[s->n];
		size_t n = 0;

		if (!s->items[i].in)
			continue;
		for (size_t j = 0; j < s->n; j++)
			if (j != i && s->items[j].prefix.len > p->len &&
			    prefix_contains(p, &s->items[j].prefix))
				inner[n++] = s->items[j].prefix;
		if (!prefix_covered(p, inner, n))
			return false;
	}
	return true;
}

static int ref_cmp(const void *a, const void *b)
{
	const struct prefix *x = &((const struct addr_item *)a)->prefix;
	const struct prefix *y = &((const struct addr_item *)b)->prefix;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(&x->addr, &y->addr, sizeof(x->addr));
}

static void ref_combine(struct addr_set *a, const struct addr_set *b, bool is_union)
{
	struct addr_item *items = calloc(a->n + b->n + 1, sizeof(*items));
	size_t n = 0, out = 0;

	for (size_t i = 0; i < a->n; i++)
		items[n++].prefix = a->items[i].prefix;
	for (size_t i = 0; i < b->n; i++)
		items[n++].prefix = b->items[i].prefix;
	for (size_t i = 0; i < n; i++) {
		bool x = ref_contains(a, &items[i].prefix, NULL);
		bool y = ref_contains(b, &items[i].prefix, NULL);

		items[i].in = is_union ? x || y : x && !y;
	}
	a->dflt = is_union ? a->dflt || b->dflt : a->dflt && !b->dflt;
	qsort(items, n, sizeof(*items), ref_cmp);
	for (size_t i = 0; i < n; i++) {
		struct addr_set kept = { .dflt = a->dflt, .items = items, .n = out };

		if (out && prefix_equal(&items[out - 1].prefix, &items[i].prefix))
			continue;
		if (ref_contains(&kept, &items[i].prefix, NULL) == items[i].in)
			continue;
		items[out++] = items[i];
	}
	free(a->items);
	a->items = items;
	a->n = out;
}

/* ---- random sets ---- */

/* Prefixes in a small space, so that they nest, overlap and touch. */
static struct prefix random_prefix(void)
{
	struct prefix p = { 0 };
	char text[PREFIX_TEXT_LEN];

	switch (rnd(8)) {
	case 0:
		snprintf(text, sizeof(text), "%s", rnd(2) ? "0.0.0.0/0" : "::/0");
		break;
	case 1:
		snprintf(text, sizeof(text), "10.0.0.0/%u", 8 + rnd(17));
		break;
	case 2:
	case 3:
	case 4:
		snprintf(text, sizeof(text), "10.0.0.%u/%u", rnd(64), 26 + rnd(7));
		break;
	default:
		snprintf(text, sizeof(text), "2001:db8::%x/%u", rnd(64), 122 + rnd(7));
		break;
	}
	if (prefix_parse(text, &p))
		abort();
	return p;
}

static void random_term(struct addr_set *s)
{
	if (rnd(10) == 0) {
		addr_set_init_any(s);
		return;
	}
	struct prefix p = random_prefix();

	if (addr_set_init_prefix(s, &p))
		abort();
	if (rnd(6) == 0)
		addr_set_complement(s);
}

static bool same_items(const struct addr_set *a, const struct addr_set *b)
{
	if (a->dflt != b->dflt || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!prefix_equal(&a->items[i].prefix, &b->items[i].prefix) ||
		    a->items[i].in != b->items[i].in)
			return false;
	return true;
}

/* Every lookup of the set agrees with the reference, on random prefixes. */
static void check_lookups(const struct addr_set *s)
{
	for (int k = 0; k < 40; k++) {
		struct prefix p = random_prefix();
		int len, ref_len;
		bool meets = ref_contains(s, &p, NULL);

		CHECK(addr_set_contains(s, &p, &len) == ref_contains(s, &p, &ref_len));
		CHECK_INT(len, ref_len);
		for (size_t i = 0; i < s->n; i++)
			meets |= s->items[i].in && prefix_contains(&p, &s->items[i].prefix);
		CHECK(addr_set_meets(s, &p) == meets);
	}
	CHECK(addr_set_is_empty(s) == ref_is_empty(s));
}

static void test_random_lists(void)
{
	for (int round = 0; round < 3000; round++) {
		struct addr_set terms[2][24], built, ref_plus = { 0 }, ref_minus = { 0 };
		size_t n[2] = { rnd(24), rnd(6) };

		for (int side = 0; side < 2; side++)
			for (size_t i = 0; i < n[side]; i++) {
				random_term(&terms[side][i]);
				ref_combine(side ? &ref_minus : &ref_plus, &terms[side][i], true);
			}
		ref_combine(&ref_plus, &ref_minus, false);
		CHECK_INT(addr_set_build(&built, terms[0], n[0], terms[1], n[1]), 0);
		CHECK(same_items(&built, &ref_plus));
		check_lookups(&built);
		/* The binary operations are the same walk. */
		if (n[0] && n[1]) {
			struct addr_set a = { 0 }, ref = { 0 };

			CHECK_INT(addr_set_union(&a, &terms[0][0]), 0);
			CHECK_INT(addr_set_subtract(&a, &terms[1][0]), 0);
			ref_combine(&ref, &terms[0][0], true);
			ref_combine(&ref, &terms[1][0], false);
			CHECK(same_items(&a, &ref));
			addr_set_free(&a);
			addr_set_free(&ref);
		}
		for (int side = 0; side < 2; side++)
			for (size_t i = 0; i < n[side]; i++)
				addr_set_free(&terms[side][i]);
		addr_set_free(&built);
		addr_set_free(&ref_plus);
		addr_set_free(&ref_minus);
	}
}

/* The one walk for every prefix of a list, against each prefix on its own. */
static void test_prefixes_covered(void)
{
	for (int round = 0; round < 2000; round++) {
		struct prefix p[32], inner[32];
		bool covered[32];
		size_t n = 0, want = 1 + rnd(32);

		while (n < want) {
			struct prefix q = random_prefix();
			bool dup = false;

			for (size_t i = 0; i < n; i++)
				dup |= prefix_equal(&p[i], &q);
			if (!dup)
				p[n++] = q;
		}
		CHECK_INT(prefixes_covered(p, n, covered), 0);
		for (size_t i = 0; i < n; i++) {
			size_t k = 0;

			for (size_t j = 0; j < n; j++)
				if (p[j].len > p[i].len && prefix_contains(&p[i], &p[j]))
					inner[k++] = p[j];
			CHECK(covered[i] == prefix_covered(&p[i], inner, k));
		}
	}
}

/* Children that tile their parent leave nothing; one missing leaves a hole. */
static void test_tiling(void)
{
	const char *halves[] = { "10.0.0.0/8", "!10.0.0.0/9", "!10.128.0.0/9" };
	struct addr_set t[3], s;

	for (int i = 0; i < 3; i++) {
		struct prefix p;

		CHECK_INT(prefix_parse(halves[i] + (halves[i][0] == '!'), &p), 0);
		CHECK_INT(addr_set_init_prefix(&t[i], &p), 0);
	}
	CHECK_INT(addr_set_build(&s, t, 1, t + 1, 2), 0);
	CHECK(addr_set_is_empty(&s));
	addr_set_free(&s);
	CHECK_INT(addr_set_build(&s, t, 1, t + 1, 1), 0);
	CHECK(!addr_set_is_empty(&s));
	addr_set_free(&s);
	for (int i = 0; i < 3; i++)
		addr_set_free(&t[i]);
}

/* 100,000 prefixes in one list: a bound with a wide margin, even under ASan. */
static void test_large_list(void)
{
	size_t n = 100000;
	struct addr_set *terms = calloc(n, sizeof(*terms)), s;
	struct timespec t0, t1;

	for (size_t i = 0; i < n; i++) {
		struct prefix p = { .len = 128 };

		addr_from_v4(&p.addr, htonl(0x0a000000u + (uint32_t)i * 3));
		CHECK_INT(addr_set_init_prefix(&terms[i], &p), 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(addr_set_build(&s, terms, n, NULL, 0), 0);
	CHECK(!addr_set_is_empty(&s));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_INT(s.n, n);
	CHECK(t1.tv_sec - t0.tv_sec < 5);
	addr_set_free(&s);
	for (size_t i = 0; i < n; i++)
		addr_set_free(&terms[i]);
	free(terms);
}

int main(void)
{
	test_random_lists();
	test_prefixes_covered();
	test_tiling();
	test_large_list();
	return unit_report("test_addr_set");
}
