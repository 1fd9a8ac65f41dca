// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Content matching against a reference: random rules (1 to 3 contents of
 * "abAB" letters with offset/depth, distance/within, negative distances,
 * negation, nocase), ten to a port so the prefilter runs, and random
 * payloads; the XDP program must pick the same rule as a plain recursive
 * matcher that tries every position (Suricata's semantics). The seed is
 * fixed (BOTSINK_FUZZ_SEED overrides it) so a failure repeats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "util.h"

static struct frame *udp4_data(const char *dst, uint16_t dport, const void *data, size_t n)
{
	struct frame *f = new_frame();

	frame_eth(f);
	frame_ipv4(f, SRC4, dst);
	frame_udp(f, 5353, dport);
	frame_payload(f, data, n);
	return f;
}

struct fz_content {
	char s[8];
	int len;
	bool neg, nocase, has_off, has_dep, has_dist, has_within;
	int off, dep, dist, within;
};
struct fz_rule {
	struct fz_content c[4];
	int n;
};

static unsigned fz_seed = 12345;
static unsigned fz_rand(void)
{
	fz_seed = fz_seed * 1103515245u + 12345u;
	return (fz_seed >> 16) & 0x7fff;
}

static int fz_lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

static bool fz_at(const char *buf, int blen, int p, const struct fz_content *c)
{
	if (p < 0 || p + c->len > blen)
		return false;
	for (int i = 0; i < c->len; i++) {
		int a = (unsigned char)buf[p + i], b = (unsigned char)c->s[i];
		if (c->nocase ? fz_lower(a) != fz_lower(b) : a != b)
			return false;
	}
	return true;
}

/* window of content k given anchor end `base` (-1: none) */
static void fz_window(const struct fz_content *c, int base, int blen, int *from, int *limit)
{
	bool rel = c->has_dist || c->has_within;
	if (rel) {
		int b = base < 0 ? 0 : base;
		int d = c->has_dist ? c->dist : 0;
		*from = b + d < 0 ? 0 : b + d;
		*limit = c->has_within ? b + d + c->within : blen;
	} else {
		*from = c->has_off ? c->off : 0;
		*limit = c->has_dep ? *from + c->dep : blen;
	}
	if (*limit > blen)
		*limit = blen;
}

static bool fz_match(const struct fz_rule *r, int k, const int *ends, const char *buf, int blen)
{
	int e[4], base = -1, from, limit;

	if (k == r->n)
		return true;
	for (int j = k - 1; j >= 0; j--)
		if (!r->c[j].neg) {
			base = ends[j];
			break;
		}
	memcpy(e, ends, sizeof(e));
	fz_window(&r->c[k], base, blen, &from, &limit);
	if (r->c[k].neg) {
		for (int p = from; p + r->c[k].len <= limit; p++)
			if (fz_at(buf, blen, p, &r->c[k]))
				return false;
		e[k] = -1;
		return fz_match(r, k + 1, e, buf, blen);
	}
	for (int p = from; p + r->c[k].len <= limit; p++) {
		if (!fz_at(buf, blen, p, &r->c[k]))
			continue;
		e[k] = p + r->c[k].len;
		if (fz_match(r, k + 1, e, buf, blen))
			return true;
	}
	return false;
}

static void fz_gen(struct fz_rule *r)
{
	static const char alpha[] = "abAB";
	bool have_pos = false;

	r->n = 1 + (int)(fz_rand() % 3);
	for (int k = 0; k < r->n; k++) {
		struct fz_content *c = &r->c[k];
		memset(c, 0, sizeof(*c));
		c->len = 1 + (int)(fz_rand() % 5);
		for (int i = 0; i < c->len; i++)
			c->s[i] = alpha[fz_rand() % 4];
		c->neg = k > 0 && fz_rand() % 4 == 0;
		c->nocase = fz_rand() % 3 == 0;
		switch (fz_rand() % 3) {
		case 0:
			break;
		case 1:
			if (fz_rand() % 2) {
				c->has_off = true;
				c->off = (int)(fz_rand() % 6);
			}
			if (fz_rand() % 2) {
				c->has_dep = true;
				c->dep = c->len + (int)(fz_rand() % 5);
			}
			break;
		case 2:
			if (fz_rand() % 2 || !k) {
				c->has_dist = true;
				c->dist = (int)(fz_rand() % 7) - 3;
			}
			if (fz_rand() % 2) {
				c->has_within = true;
				c->within = c->len + (int)(fz_rand() % 5);
			}
			if (!c->has_dist && !c->has_within) {
				c->has_dist = true;
				c->dist = 0;
			}
			break;
		}
		if (!c->neg)
			have_pos = true;
	}
	(void)have_pos;
}

static int fz_print(char *out, size_t cap, const struct fz_rule *r, int port, int sid)
{
	int n = snprintf(out, cap, "alert udp any any -> 203.0.113.80 %d (msg:\"fz\"; ", port);
	for (int k = 0; k < r->n; k++) {
		const struct fz_content *c = &r->c[k];
		n += snprintf(out + n, cap - (size_t)n, "content:%s\"%.*s\"; ", c->neg ? "!" : "",
			      c->len, c->s);
		if (c->nocase)
			n += snprintf(out + n, cap - (size_t)n, "nocase; ");
		if (c->has_off)
			n += snprintf(out + n, cap - (size_t)n, "offset:%d; ", c->off);
		if (c->has_dep)
			n += snprintf(out + n, cap - (size_t)n, "depth:%d; ", c->dep);
		if (c->has_dist)
			n += snprintf(out + n, cap - (size_t)n, "distance:%d; ", c->dist);
		if (c->has_within)
			n += snprintf(out + n, cap - (size_t)n, "within:%d; ", c->within);
	}
	n += snprintf(out + n, cap - (size_t)n, "sid:%d;)\n", sid);
	return n;
}

static void test_content_fuzz(void)
{
	enum { NRULES = 150, NPAY = 12 };
	static struct fz_rule rules[NRULES];
	size_t cap = NRULES * 400, len = 0;
	char *text = malloc(cap);
	unsigned mismatches = 0, total = 0, fz_matched = 0;
	const char *seed_env = getenv("BOTSINK_FUZZ_SEED");

	fz_seed = seed_env ? (unsigned)atoi(seed_env) : 12345;
	for (int i = 0; i < NRULES; i++) {
		fz_gen(&rules[i]);
		len += (size_t)fz_print(text + len, cap - len, &rules[i], 20000 + i / 10,
					90000 + i);
	}
	if (!INSTALL(text, BOTSINK_VERDICT_PASS)) {
		fputs(text, stdout);
		free(text);
		return;
	}
	for (int g = 0; g < NRULES / 10; g++) {
		for (int j = 0; j < NPAY * 10; j++) {
			static const char alpha[] = "ababaAB";
			char buf[40];
			int blen = 1 + (int)(fz_rand() % 24);
			int want = -1;
			unsigned before = cur_failures;

			for (int q = 0; q < blen; q++)
				buf[q] = alpha[fz_rand() % 7];
			for (int i = g * 10; i < g * 10 + 10 && want < 0; i++) {
				int ends[4] = { -1, -1, -1, -1 };
				if (fz_match(&rules[i], 0, ends, buf, blen))
					want = i;
			}
			SEND_SID(
				udp4_data("203.0.113.80", (uint16_t)(20000 + g), buf, (size_t)blen),
				want >= 0 ? 90000u + (unsigned)want : 0);
			total++;
			fz_matched += want >= 0;
			if (cur_failures != before) {
				mismatches++;
				fprintf(stderr, "  rules %d..%d, payload \"%.*s\": expected %d\n",
					g * 10, g * 10 + 9, blen, buf, want);
			}
		}
	}
	/* Both outcomes must have been exercised for the comparison to mean much. */
	CHECK(fz_matched > total / 10 && fz_matched < total - total / 10);
	CHECK_EQ(mismatches, 0);
	free(text);
}

const struct test fuzz_tests[] = {
	TEST(content_fuzz),
};
const size_t n_fuzz_tests = ARRAY_SIZE(fuzz_tests);
