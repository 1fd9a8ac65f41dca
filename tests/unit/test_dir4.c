// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The IPv4 DIR-16-8-8 table against a brute-force longest-prefix match:
 * random route sets, every route's first and last address, random ones.
 */
#include <arpa/inet.h>
#include "botsink_abi.h"
#include "rules/dir4.h"
#include <errno.h>
#include "unit.h"

#define ROUTES 300

static struct prefix v4_prefix(uint32_t addr, unsigned int len)
{
	struct prefix p;
	uint32_t be = htonl(len ? addr & (0xffffffffU << (32 - len)) : 0);

	addr_from_v4(&p.addr, be);
	p.len = V4_MAPPED_BITS + len;
	return p;
}

static uint32_t prefix_addr(const struct prefix *p)
{
	uint32_t be;

	memcpy(&be, p->addr.s6_addr + 12, 4);
	return ntohl(be);
}

/* The value of the longest route containing addr, or 0. */
static uint32_t brute(const struct dir4_route *r, size_t n, uint32_t addr)
{
	unsigned int best_len = 0;
	uint32_t best = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned int len = r[i].prefix.len - V4_MAPPED_BITS;
		uint32_t mask = len ? 0xffffffffU << (32 - len) : 0;

		if ((addr & mask) == prefix_addr(&r[i].prefix) && (!best || len >= best_len)) {
			best = r[i].value;
			best_len = len;
		}
	}
	return best;
}

static void check_set(struct dir4_route *r, size_t n)
{
	struct dir4 *d = malloc(sizeof(*d));
	size_t bad = 0;

	CHECK_INT(dir4_build(d, r, n, 100, BOTSINK_V4_GROUPS / 2), 0);
	for (size_t i = 0; i < n; i++) {
		unsigned int len = r[i].prefix.len - V4_MAPPED_BITS;
		uint32_t first = prefix_addr(&r[i].prefix);
		uint32_t last = first | (len ? ~(0xffffffffU << (32 - len)) : 0xffffffffU);

		bad += dir4_lookup(d, first) != brute(r, n, first);
		bad += dir4_lookup(d, last) != brute(r, n, last);
		bad += dir4_lookup(d, first - 1) != brute(r, n, first - 1);
		bad += dir4_lookup(d, last + 1) != brute(r, n, last + 1);
	}
	for (int i = 0; i < 100000; i++) {
		uint32_t a = (uint32_t)random() << 1 ^ (uint32_t)random();

		bad += dir4_lookup(d, a) != brute(r, n, a);
	}
	CHECK_INT(bad, 0);
	/* Group ids in the table start at the base given. */
	for (size_t k = 0; k < (1 << 16); k++)
		if (d->l1[k] & BOTSINK_V4_GROUP)
			CHECK((d->l1[k] & ~BOTSINK_V4_GROUP) >= 100);
	dir4_free(d);
	free(d);
}

/* Routes clustered in a few /16s and /24s, so groups nest and overlap. */
static void test_random_sets(void)
{
	static const uint32_t bases[] = { 0xcb007100, 0xc6336400, 0x0a000000, 0xcb00ff00 };
	struct dir4_route r[ROUTES];

	srandom(7);
	for (int set = 0; set < 20; set++) {
		size_t n = 0;

		while (n < ROUTES) {
			uint32_t addr = bases[random() % 4] ^ (uint32_t)(random() & 0x1ffff);
			unsigned int len = (unsigned int)(random() % 33);
			bool dup = false;

			r[n].prefix = v4_prefix(addr, len);
			for (size_t i = 0; i < n; i++)
				dup |= prefix_equal(&r[i].prefix, &r[n].prefix);
			if (dup)
				continue;
			r[n].value = (uint32_t)n + 1;
			n++;
		}
		check_set(r, n);
	}
}

static void test_group_limit(void)
{
	struct dir4_route r[3] = {
		{ v4_prefix(0xcb007100, 24), 1 },
		{ v4_prefix(0xcb00710a, 32), 2 },
		{ v4_prefix(0xc6336400, 24), 3 },
	};
	struct dir4 *d = malloc(sizeof(*d));

	/* Three groups needed: one per /16, one for the /24 holding the /32. */
	CHECK_INT(dir4_build(d, r, 3, 0, 2), -ENOSPC);
	dir4_free(d);
	CHECK_INT(dir4_build(d, r, 3, 0, 3), 0);
	CHECK_INT(d->ngroups, 3);
	CHECK_INT(dir4_lookup(d, 0xcb00710a), 2);
	CHECK_INT(dir4_lookup(d, 0xcb00710b), 1);
	CHECK_INT(dir4_lookup(d, 0xc6336401), 3);
	CHECK_INT(dir4_lookup(d, 0xc6336501), 0);
	dir4_free(d);
	free(d);
}

int main(void)
{
	test_random_sets();
	test_group_limit();
	return unit_report("test_dir4");
}
