/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Addresses and prefixes in the 16-byte form the kernel side uses: IPv4 is
 * IPv4-mapped (::ffff:a.b.c.d) and an IPv4 /n is a /(96+n) here.
 */
#ifndef BOTSINK_ADDR_H
#define BOTSINK_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_TEXT_LEN 46 /* INET6_ADDRSTRLEN */
#define PREFIX_TEXT_LEN 50 /* address, '/', length */
#define V4_MAPPED_BITS 96

struct prefix {
	struct in6_addr addr; /* host bits zero */
	unsigned int len; /* 0..128, over the 16-byte form */
};

bool addr_is_v4(const struct in6_addr *a);
void addr_from_v4(struct in6_addr *a, uint32_t ip4_be);
/* Writes the dotted-quad form for IPv4-mapped addresses. */
void addr_format(const struct in6_addr *a, char *buf, size_t len);
int addr_parse(const char *text, struct in6_addr *out);

/* "a.b.c.d[/n]" or "x::y[/n]"; host bits are cleared. 0 or -1. */
int prefix_parse(const char *text, struct prefix *out);
/* Native lengths: "203.0.113.0/24", "2001:db8::/32". */
void prefix_format(const struct prefix *p, char *buf, size_t len);
bool prefix_is_v4(const struct prefix *p);
/* Never across families: ::/0 does not contain IPv4 prefixes. */
bool prefix_contains(const struct prefix *outer, const struct prefix *inner);
bool prefix_equal(const struct prefix *a, const struct prefix *b);
/* Is every address of `p` inside one of the `n` prefixes of `cover`? */
bool prefix_covered(const struct prefix *p, const struct prefix *cover, size_t n);
/*
 * The tree order: family, address, then length, so that a prefix comes
 * after those that contain it and is followed by those it contains.
 */
int prefix_cmp_tree(const struct prefix *x, const struct prefix *y);
/*
 * For each of the distinct prefixes p[0..n): do the longer ones of the
 * list cover every address of it? As prefix_covered, for all of them in
 * O(n log n). 0 or -ENOMEM.
 */
int prefixes_covered(const struct prefix *p, size_t n, bool *covered);
/* Zero every bit after the first `len`. */
void addr_mask(struct in6_addr *a, unsigned int len);
void prefix_netmask(unsigned int len, uint8_t mask[16]);

#endif
