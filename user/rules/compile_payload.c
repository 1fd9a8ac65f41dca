// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A rule's payload constraints -> its program for the XDP matcher: content
 * chunks of at most BOTSINK_CONTENT_MAX bytes with their placement, the
 * fast pattern for the prefilter (and the gram it is found by), dsize, and
 * domain-list entries.
 *
 * Placement follows Suricata: offset/depth count from the start of the
 * buffer (depth from offset), distance/within from the end of the previous
 * positive content in the same buffer; the first content of a buffer with
 * distance/within counts from the buffer's start. A content longer than a
 * chunk becomes chunks that must each start where the previous one ended.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "rules/compile.h"
#include "rules/domains.h"

/* The prefilter gram: 4 lowercased bytes, little-endian as BPF loads them. */
static __u32 gram_of(const __u8 *bytes)
{
	return (__u32)botsink_lower(bytes[0]) | (__u32)botsink_lower(bytes[1]) << 8 |
	       (__u32)botsink_lower(bytes[2]) << 16 | (__u32)botsink_lower(bytes[3]) << 24;
}

static bool push_chunk(struct compiled *c, const struct botsink_content *chunk)
{
	if (!array_grow((void **)&c->contents, c->ncontents + 1, sizeof(*c->contents)))
		return false;
	c->contents[c->ncontents++] = *chunk;
	return true;
}

/* Where piece 0 of content `rc` may start and end (see struct botsink_content). */
static void place(const struct rule_content *rc, int anchor, struct botsink_content *chunk)
{
	int32_t tail = (int32_t)rc->len - chunk->len; /* bytes in later pieces */
	bool relative = rc->has_distance || rc->has_within, limited;
	int32_t limit = 0;

	if (relative && anchor >= 0) {
		chunk->flags |= BOTSINK_CONTENT_RELATIVE;
		chunk->anchor = (__u8)anchor;
		chunk->start = rc->has_distance ? rc->distance : 0;
		limited = rc->has_within;
		limit = chunk->start + rc->within;
	} else if (relative) {
		/* First content of its buffer: relative to the buffer's start. */
		chunk->start = rc->has_distance && rc->distance > 0 ? rc->distance : 0;
		limited = rc->has_within;
		limit = (rc->has_distance ? rc->distance : 0) + rc->within;
	} else {
		chunk->start = rc->has_offset ? rc->offset : 0;
		limited = rc->has_depth;
		limit = chunk->start + rc->depth;
	}
	if (limited) {
		/* The whole content must end by the limit: piece 0 that much earlier. */
		chunk->flags |= BOTSINK_CONTENT_LIMITED;
		chunk->limit = limit - tail;
	}
}

/* Append one chunk of the rule; its index in the rule, -2 (reported) or -3 (out of memory). */
static int rule_chunk(struct rule_set *rs, const struct rule *r, struct compiled *c, size_t first,
		      const struct botsink_content *chunk)
{
	int index = (int)(c->ncontents - first);

	if (index >= BOTSINK_RULE_CONTENTS) {
		rules_add_error(rs, r->line,
				"sid %u: the contents and size checks need more than %d chunks "
				"(of %d bytes at most)",
				r->sid, BOTSINK_RULE_CONTENTS, BOTSINK_CONTENT_MAX);
		return -2;
	}
	return push_chunk(c, chunk) ? index : -3;
}

/*
 * A size check: no bytes, its bounds in start and limit. Relative to the
 * buffer's last content `anchor`; with none, relative counts from the
 * buffer's start (its whole size), as in Suricata.
 */
static int add_check(struct rule_set *rs, const struct rule *r, const struct rule_check *rk,
		     int anchor, struct compiled *c, size_t first)
{
	struct botsink_content chunk = {
		.buffer = rk->buffer,
		.flags = BOTSINK_CONTENT_SIZE,
		.start = (__s32)rk->lo,
		.limit = (__s32)rk->hi,
	};

	if (rk->out)
		chunk.flags |= BOTSINK_CONTENT_NEGATED;
	if (rk->dotprefix)
		chunk.flags |= BOTSINK_CONTENT_DOTPREFIX;
	if (rk->relative && anchor >= 0) {
		chunk.flags |= BOTSINK_CONTENT_RELATIVE;
		chunk.anchor = (__u8)anchor;
	}
	return rule_chunk(rs, r, c, first, &chunk);
}

/*
 * The chunks of one content. `anchor` is the chunk the content is placed
 * after (-1: none); returns the index (in the rule) of its last chunk.
 */
static int add_content(struct rule_set *rs, const struct rule *r, const struct rule_content *rc,
		       int anchor, struct compiled *c, size_t first)
{
	bool nocase = rc->nocase || rc->buffer == BOTSINK_BUF_HTTP_HOST;
	size_t done = 0;
	int index = -1;

	if (rc->negated && rc->len > BOTSINK_CONTENT_MAX) {
		rules_add_error(rs, r->line, "sid %u: a negated content is longer than %d bytes",
				r->sid, BOTSINK_CONTENT_MAX);
		return -2;
	}
	while (done < rc->len) {
		struct botsink_content chunk = { .buffer = rc->buffer };
		size_t n =
			rc->len - done < BOTSINK_CONTENT_MAX ? rc->len - done : BOTSINK_CONTENT_MAX;

		chunk.len = (__u8)n;
		for (size_t i = 0; i < n; i++)
			chunk.bytes[i] =
				nocase ? botsink_lower(rc->bytes[done + i]) : rc->bytes[done + i];
		if (nocase)
			chunk.flags |= BOTSINK_CONTENT_NOCASE;
		if (rc->negated)
			chunk.flags |= BOTSINK_CONTENT_NEGATED;
		if (rc->dotprefix)
			chunk.flags |= BOTSINK_CONTENT_DOTPREFIX;
		if (rc->endswith && done + n == rc->len)
			chunk.flags |= BOTSINK_CONTENT_ENDSWITH;
		if (done == 0) {
			place(rc, anchor, &chunk);
		} else {
			chunk.flags |= BOTSINK_CONTENT_RELATIVE | BOTSINK_CONTENT_LIMITED;
			chunk.anchor = (__u8)index;
			chunk.limit = (__s32)n;
		}
		index = rule_chunk(rs, r, c, first, &chunk);
		if (index < 0)
			return index;
		done += n;
	}
	return index;
}

/*
 * The part of a content the prefilter can look for: 4 or more bytes that
 * appear verbatim on the wire, at most a chunk. In a dotted DNS name a dot
 * stands for a label length: its longest dot-free part. Under dotprefix a
 * leading '.' may be the one put before the buffer, not on the wire.
 * Returns the part's length (0: none) and its start.
 */
static size_t usable_part(const struct rule_content *rc, size_t *start)
{
	size_t best = 0, run = 0, skip = rc->dotprefix && rc->bytes[0] == '.';

	*start = skip;
	if (rc->negated || rc->len < 4 + skip)
		return 0;
	if (rc->buffer != BOTSINK_BUF_DNS_QUERY)
		return rc->len - skip < BOTSINK_CONTENT_MAX ? rc->len - skip : BOTSINK_CONTENT_MAX;
	for (size_t i = 0; i <= rc->len; i++) {
		if (i < rc->len && rc->bytes[i] != '.') {
			run++;
			continue;
		}
		if (run > best) {
			best = run;
			*start = i - run;
		}
		run = 0;
	}
	if (best > BOTSINK_CONTENT_MAX)
		best = BOTSINK_CONTENT_MAX;
	return best >= 4 ? best : 0;
}

/* The part the prefilter looks for, if it is worth looking for. */
static size_t fast_part(const struct rule_content *rc, size_t *start)
{
	size_t len = usable_part(rc, start);

	/* One byte over and over (zeros, padding) is in too much traffic to look for. */
	for (size_t i = 1; i < len; i++)
		if (botsink_lower(rc->bytes[*start + i]) != botsink_lower(rc->bytes[*start]))
			return len;
	return 0;
}

/* Could a packet without payload meet the rule? */
static bool needs_data(const struct rule *r)
{
	for (size_t i = 0; i < r->ncontents; i++)
		if (!r->contents[i].negated)
			return true;
	if (r->app != RULE_APP_NONE || r->domains)
		return true;
	if (!r->has_dsize)
		return false;
	return r->dsize_not ? r->dsize_lo == 0 : r->dsize_lo > 0;
}

/* A buffer as contents see it: with dotprefix it is another buffer, as in Suricata. */
static size_t view(uint8_t buffer, bool dotprefix)
{
	return buffer % BOTSINK_BUF_COUNT + (dotprefix ? BOTSINK_BUF_COUNT : 0);
}

/* The size checks before content `i` (all that are left, at the end); as add_content. */
static int add_checks(struct rule_set *rs, const struct rule *r, size_t i, size_t *k,
		      const int *last_in_view, struct compiled *c, size_t first)
{
	int ret = 0;

	for (; *k < r->nchecks && r->checks[*k].after <= i && ret >= 0; (*k)++) {
		const struct rule_check *rk = &r->checks[*k];

		ret = add_check(rs, r, rk, last_in_view[view(rk->buffer, rk->dotprefix)], c, first);
	}
	return ret;
}

/*
 * Ordinary traffic: browser and tool requests, their headers, a form and
 * a JSON body, names a resolver sees. A fast pattern it holds ("POST",
 * ".php", "User-Agent: ") names its rule for every such packet, and a
 * gram it is full of costs a lookup at every such position: both are the
 * last choice.
 */
static const char ordinary_traffic[] =
	"GET / HTTP/1.1\r\nHost: www.example.com\r\nConnection: keep-alive\r\n"
	"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
	"Gecko) Chrome/120.0.0.0 Safari/537.36\r\n"
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8\r\n"
	"Accept-Encoding: gzip, deflate, br\r\nAccept-Language: en-US,en;q=0.9\r\n"
	"Cookie: session=abc; _ga=GA1.2.3\r\nReferer: https://www.google.com/\r\n\r\n"
	"POST /index.php?id=1 HTTP/1.0\r\nHost: login.example.net\r\n"
	"User-Agent: Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)\r\n"
	"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 42\r\n"
	"Cache-Control: no-cache\r\nPragma: no-cache\r\n\r\nuser=admin&password=secret&submit=Login\r\n"
	"PUT /api/v1/data.json HTTP/1.1\r\nContent-Type: application/json; charset=utf-8\r\n"
	"Authorization: Bearer token\r\nUser-Agent: curl/8.5.0 python-requests/2.31 Wget/1.21\r\n"
	"{\"status\":\"success\",\"data\":{\"name\":\"value\",\"version\":\"1.0\"}}\r\n"
	"HTTP/1.1 200 OK\r\nServer: nginx/1.18.0 (Ubuntu) Apache/2.4\r\nDate: Mon, 01 Jan 2024\r\n"
	"Content-Type: text/html; charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n"
	"<!DOCTYPE html><html><head><title>Index</title></head><body></body></html>\r\n"
	"www.google.com www.microsoft.com update.windows.com api.github.com cdn.cloudflare.net "
	"mail.yahoo.com login.live.com connect.facebook.net www.amazon.com en.wikipedia.org";

/* How often `part` (compared as the prefilter does, caselessly) occurs in ordinary traffic. */
static size_t ordinary_hits(const __u8 *part, size_t len)
{
	size_t n = 0, size = sizeof(ordinary_traffic) - 1;

	for (size_t i = 0; i + len <= size; i++) {
		size_t k = 0;

		while (k < len &&
		       botsink_lower((__u8)ordinary_traffic[i + k]) == botsink_lower(part[k]))
			k++;
		n += k == len;
	}
	return n;
}

/*
 * Is content i's part a better fast pattern than the best so far? One
 * marked fast_pattern, then one ordinary traffic holds less often, then
 * the longer.
 */
static bool better_pattern(const struct rule *r, size_t i, size_t start, size_t len,
			   const struct rule_payload *p, size_t best)
{
	const struct rule_content *x = &r->contents[i], *y;
	size_t hx, hy;

	if (best == SIZE_MAX)
		return true;
	y = &r->contents[best];
	if (x->fast_pattern != y->fast_pattern)
		return x->fast_pattern;
	hx = ordinary_hits(x->bytes + start, len);
	hy = ordinary_hits(y->bytes + p->fastpat_start, p->fastpat_len);
	if (hx != hy)
		return hx < hy;
	return len > p->fastpat_len;
}

static int compile_contents(struct rule_set *rs, size_t ri, struct compiled *c)
{
	const struct rule *r = &rs->rules[ri];
	struct rule_payload *p = &c->payload[ri];
	int last_in_view[2 * BOTSINK_BUF_COUNT];
	size_t first = c->ncontents, k = 0, part, part_start;
	size_t best = SIZE_MAX;

	for (int b = 0; b < 2 * BOTSINK_BUF_COUNT; b++)
		last_in_view[b] = -1;
	p->content = (__u32)first;
	p->fastpat = -1;
	for (size_t i = 0; i <= r->ncontents; i++) {
		const struct rule_content *rc = i < r->ncontents ? &r->contents[i] : NULL;
		int start = (int)(c->ncontents - first);
		int last = add_checks(rs, r, i, &k, last_in_view, c, first);

		if (last >= 0 && rc) {
			start = (int)(c->ncontents - first);
			last = add_content(rs, r, rc, last_in_view[view(rc->buffer, rc->dotprefix)],
					   c, first);
		}
		if (last == -3)
			return -1;
		if (last < 0) {
			c->ncontents = first;
			return 0; /* reported */
		}
		if (!rc)
			break;
		if (!rc->negated)
			last_in_view[view(rc->buffer, rc->dotprefix)] = last;
		part = fast_part(rc, &part_start);
		if (!part)
			continue;
		if (better_pattern(r, i, part_start, part, p, best)) {
			best = i;
			p->fastpat = start;
			p->fastpat_content = i;
			p->fastpat_start = (__u16)part_start;
			p->fastpat_len = (__u8)part;
		}
	}
	p->nchunks = (__u8)(c->ncontents - first);
	return 0;
}

/* Fast patterns while grams are chosen for them. */
struct pattern {
	const struct botsink_content *chunk; /* the pattern's bytes */
	size_t index; /* in compiled.fastpats */
};

static int cmp_chunk(const struct botsink_content *x, const struct botsink_content *y)
{
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if ((x->flags ^ y->flags) & BOTSINK_CONTENT_NOCASE)
		return x->flags & BOTSINK_CONTENT_NOCASE ? -1 : 1;
	return memcmp(x->bytes, y->bytes, x->len);
}

static int cmp_pattern(const void *a, const void *b)
{
	const struct pattern *x = a, *y = b;
	int c = cmp_chunk(x->chunk, y->chunk);

	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Fast patterns per gram so far: an open-addressed table. */
struct gram_load {
	__u32 *gram;
	__u32 *n;
	size_t mask; /* slots less one, a power of two less one */
};

static __u32 *load_of(struct gram_load *t, __u32 gram)
{
	size_t i = botsink_hash_words(&gram, 1) & t->mask;

	while (t->n[i] && t->gram[i] != gram)
		i = (i + 1) & t->mask;
	t->gram[i] = gram;
	return &t->n[i];
}

static int gram_load_init(struct gram_load *t, size_t grams)
{
	size_t slots = 16;

	while (slots < 2 * grams)
		slots *= 2;
	t->mask = slots - 1;
	t->gram = calloc(slots, sizeof(*t->gram));
	t->n = calloc(slots, sizeof(*t->n));
	return t->gram && t->n ? 0 : -1;
}

/* How many times each gram of the sample occurs, lowercased as the prefilter sees it. */
static int count_ordinary(struct gram_load *t)
{
	size_t n = sizeof(ordinary_traffic) - 1;

	if (gram_load_init(t, n))
		return -1;
	for (size_t i = 0; i + 4 <= n; i++)
		++*load_of(t, gram_of((const __u8 *)ordinary_traffic + i));
	return 0;
}

/* A gram's cost: patterns in its bucket, and how often ordinary traffic has it. */
static __u32 gram_cost(struct gram_load *load, struct gram_load *ordinary, __u32 gram)
{
	__u32 cost = *load_of(load, botsink_gram_bucket(gram)) + 16 * *load_of(ordinary, gram);

	/* One byte four times: padding, zeros, runs of 0xff. */
	if ((gram & 0xff) * 0x01010101U == gram)
		cost += 1024;
	return cost;
}

/*
 * The gram of each pattern: of the 4-byte grams inside it whose bucket
 * has room (the XDP program verifies at most BOTSINK_GRAM_PATTERNS at one
 * position), the cheapest (gram_cost), so that ordinary traffic seldom
 * hits the buckets. Equal patterns take one gram while its bucket has
 * room. A pattern whose every gram's bucket is full gets none (offset
 * 0xff): its rule is walked.
 */
static int choose_grams(struct compiled *c)
{
	struct pattern *order = calloc(c->nfastpats ? c->nfastpats : 1, sizeof(*order));
	struct gram_load load = { 0 }, ordinary = { 0 };
	int ret = order && !gram_load_init(&load, c->nfastpats * BOTSINK_CONTENT_MAX) &&
				  !count_ordinary(&ordinary) ?
			  0 :
			  -1;

	for (size_t i = 0; i < c->nfastpats && !ret; i++)
		order[i] = (struct pattern){ &c->contents[c->fastpats[i].chunk], i };
	if (!ret && c->nfastpats)
		qsort(order, c->nfastpats, sizeof(*order), cmp_pattern);
	for (size_t i = 0; i < c->nfastpats && !ret; i++) {
		struct compiled_fastpat *f = &c->fastpats[order[i].index];
		const struct compiled_fastpat *prev = i ? &c->fastpats[order[i - 1].index] : NULL;
		const struct botsink_content *ch = order[i].chunk;
		__u32 best = UINT32_MAX;

		f->offset = 0xff; /* no gram with room: the rule is walked */
		/* The gram of an equal pattern, while its bucket has room: verified once. */
		if (prev && prev->offset != 0xff && !cmp_chunk(ch, order[i - 1].chunk) &&
		    *load_of(&load, botsink_gram_bucket(prev->gram)) < BOTSINK_GRAM_PATTERNS) {
			f->gram = prev->gram;
			f->offset = prev->offset;
			++*load_of(&load, botsink_gram_bucket(f->gram));
			continue;
		}
		for (size_t k = 0; k + 4 <= ch->len; k++) {
			__u32 gram = gram_of(ch->bytes + k);
			__u32 cost = gram_cost(&load, &ordinary, gram);

			if (*load_of(&load, botsink_gram_bucket(gram)) >= BOTSINK_GRAM_PATTERNS ||
			    cost >= best)
				continue;
			best = cost;
			f->gram = gram;
			f->offset = (__u8)k;
		}
		if (f->offset != 0xff)
			++*load_of(&load, botsink_gram_bucket(f->gram));
	}
	free(order);
	free(load.gram);
	free(load.n);
	free(ordinary.gram);
	free(ordinary.n);
	return ret;
}

static int cmp_fastpat(const void *a, const void *b, void *arg)
{
	const struct compiled_fastpat *x = a, *y = b;
	const struct compiled *c = arg;
	int k;

	if (botsink_gram_bucket(x->gram) != botsink_gram_bucket(y->gram))
		return botsink_gram_bucket(x->gram) < botsink_gram_bucket(y->gram) ? -1 : 1;
	k = cmp_chunk(&c->contents[x->chunk], &c->contents[y->chunk]);
	if (k)
		return k;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/*
 * The chunk a pattern is verified with: the start of its content's own
 * chunks when it is the whole first chunk, else a chunk of its own (a
 * dot-free part of a name), which no rule walks.
 */
static int pattern_chunk(struct compiled *c, const struct rule *r, const struct rule_payload *p,
			 __u32 *chunk)
{
	const struct rule_content *rc = &r->contents[p->fastpat_content];
	const struct botsink_content *own = &c->contents[p->content + (__u32)p->fastpat];
	struct botsink_content part = { .len = p->fastpat_len };
	bool nocase = own->flags & BOTSINK_CONTENT_NOCASE;

	*chunk = p->content + (__u32)p->fastpat;
	if (p->fastpat_start == 0 && p->fastpat_len == own->len)
		return 0;
	for (size_t i = 0; i < part.len; i++) {
		__u8 b = rc->bytes[p->fastpat_start + i];

		part.bytes[i] = nocase ? botsink_lower(b) : b;
	}
	part.flags = nocase ? BOTSINK_CONTENT_NOCASE : 0;
	*chunk = (__u32)c->ncontents;
	return push_chunk(c, &part) ? 0 : -1;
}

/*
 * The prefilter's patterns, grouped by gram, equal patterns together (the
 * XDP program verifies each once). A rule whose pattern finds no gram with
 * room is walked in full instead: never missed.
 */
static int build_prefilter(struct rule_set *rs, struct compiled *c)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < rs->n; i++)
		n += c->payload[i].fastpat >= 0;
	c->fastpats = calloc(n ? n : 1, sizeof(*c->fastpats));
	if (!c->fastpats)
		return -1;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule_payload *p = &c->payload[i];
		struct compiled_fastpat *f;

		if (p->fastpat < 0)
			continue;
		f = &c->fastpats[c->nfastpats++];
		f->rule = i;
		if (pattern_chunk(c, &rs->rules[i], p, &f->chunk))
			return -1;
	}
	if (choose_grams(c))
		return -1;
	for (size_t i = 0; i < c->nfastpats; i++) {
		if (c->fastpats[i].offset == 0xff)
			continue;
		c->payload[c->fastpats[i].rule].prefilter = true;
		c->fastpats[k++] = c->fastpats[i];
	}
	c->nfastpats = k;
	if (c->nfastpats)
		qsort_r(c->fastpats, c->nfastpats, sizeof(*c->fastpats), cmp_fastpat, c);
	for (size_t i = 1; i < c->nfastpats; i++)
		c->fastpats[i].same = c->fastpats[i].gram == c->fastpats[i - 1].gram &&
				      c->fastpats[i].offset == c->fastpats[i - 1].offset &&
				      !cmp_chunk(&c->contents[c->fastpats[i].chunk],
						 &c->contents[c->fastpats[i - 1].chunk]);
	if (c->nfastpats > BOTSINK_MAX_FASTPATS) {
		rules_add_error(rs, 0, "%zu fast patterns; the limit is %d", c->nfastpats,
				BOTSINK_MAX_FASTPATS);
		return -1;
	}
	return 0;
}

static bool push_domain(struct compiled *c, const char *prefix, const char *name, unsigned int list)
{
	struct domain_name *d;

	if (!array_grow((void **)&c->domains, c->ndomains + 1, sizeof(*c->domains)))
		return false;
	d = &c->domains[c->ndomains];
	if (asprintf(&d->text, "%s%s", prefix, name) < 0)
		return false;
	d->lists = 1ULL << list;
	c->ndomains++;
	return true;
}

static int cmp_domain(const void *a, const void *b)
{
	const struct domain_name *x = a, *y = b;

	return strcmp(x->text, y->text);
}

/*
 * The rule's domain list: its number (rules naming the same file share
 * one), its names loaded once. Returns the number + 1, 0 after an error
 * (reported), -1 out of memory.
 */
static int load_domains(struct rule_set *rs, const struct rule *r, struct compiled *c)
{
	struct domain_list list = { 0 };
	unsigned int n;
	char why[64];
	int ret = 0;

	for (n = 0; n < c->ndomain_files; n++)
		if (!strcmp(c->domain_files[n], r->domains))
			return (int)n + 1;
	if (n >= BOTSINK_DOMAIN_LISTS) {
		rules_add_error(rs, r->line, "sid %u: more than %d domain lists", r->sid,
				BOTSINK_DOMAIN_LISTS);
		return 0;
	}

	if (domains_load(r->domains, &list)) {
		rules_add_error(rs, r->line, "sid %u: cannot read domain list %s: %s", r->sid,
				r->domains,
				read_file_strerror(errno, DOMAIN_LIST_MAX, why, sizeof(why)));
		return 0;
	}
	/* Reported with the rule's errors, so `rules load` shows them too. */
	for (size_t i = 0; i < list.nerrors; i++)
		rules_add_error(rs, r->line, "sid %u: %s:%u: %s", r->sid, r->domains,
				list.errors[i].line,
				list.errors[i].reason ? list.errors[i].reason : "out of memory");
	if (list.nerrors)
		goto out;
	c->domain_files[n] = strdup(r->domains);
	if (!c->domain_files[n]) {
		ret = -1;
		goto out;
	}
	c->ndomain_files++;
	for (size_t i = 0; i < list.n && !ret; i++) {
		const struct domain_entry *e = &list.entries[i];

		if (e->kind != DOMAIN_SUBDOMAINS && !push_domain(c, "", e->name, n))
			ret = -1;
		if (e->kind != DOMAIN_EXACT && !ret && !push_domain(c, ".", e->name, n))
			ret = -1;
	}
	ret = ret ? -1 : (int)n + 1;
out:
	domains_free(&list);
	return ret;
}

/* One key per name, with every list it is in. */
static int finish_domains(struct rule_set *rs, struct compiled *c)
{
	size_t k = 0;

	if (c->ndomains)
		qsort(c->domains, c->ndomains, sizeof(*c->domains), cmp_domain);
	for (size_t i = 0; i < c->ndomains; i++) {
		if (k && !strcmp(c->domains[k - 1].text, c->domains[i].text)) {
			c->domains[k - 1].lists |= c->domains[i].lists;
			free(c->domains[i].text);
			continue;
		}
		c->domains[k++] = c->domains[i];
	}
	c->ndomains = k;
	if (c->ndomains <= BOTSINK_MAX_DOMAINS)
		return 0;
	rules_add_error(rs, 0, "%zu domain-list keys; the limit is %d", c->ndomains,
			BOTSINK_MAX_DOMAINS);
	return -1;
}

bool rule_has_payload(const struct rule *r)
{
	return r->ncontents || r->nchecks || r->has_dsize || r->domains || r->app != RULE_APP_NONE;
}

int compile_payload(struct rule_set *rs, struct compiled *c)
{
	size_t errors = rs->nerrors;

	c->payload = calloc(rs->n ? rs->n : 1, sizeof(*c->payload));
	if (!c->payload)
		return -1;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->rules[i];
		struct rule_payload *p = &c->payload[i];

		p->fastpat = -1;
		p->app = r->app == RULE_APP_HTTP ? BOTSINK_APP_HTTP :
			 r->app == RULE_APP_DNS	 ? BOTSINK_APP_DNS :
						   BOTSINK_APP_NONE;
		if (r->has_dsize) {
			p->dsize_op = r->dsize_not ? BOTSINK_DSIZE_OUT : BOTSINK_DSIZE_IN;
			p->dsize_lo = r->dsize_lo;
			p->dsize_hi = r->dsize_hi;
		}
		if (r->domains) {
			int list = load_domains(rs, r, c);

			if (list < 0)
				return -1;
			p->domains = (__u8)list;
		}
		p->needs_data = needs_data(r);
		if (compile_contents(rs, i, c))
			return -1;
	}
	if (build_prefilter(rs, c))
		return -1;
	if (c->ncontents > BOTSINK_MAX_CONTENTS) {
		rules_add_error(rs, 0, "%zu content chunks; the limit is %d", c->ncontents,
				BOTSINK_MAX_CONTENTS);
		return -1;
	}
	if (finish_domains(rs, c))
		return -1;
	return rs->nerrors > errors ? -1 : 0;
}

void compiled_payload_free(struct compiled *c)
{
	for (size_t i = 0; i < c->ndomains; i++)
		free(c->domains[i].text);
	free(c->domains);
	for (size_t i = 0; i < c->ndomain_files; i++)
		free(c->domain_files[i]);
	free(c->payload);
	free(c->contents);
	free(c->fastpats);
}

void payload_candidate(const struct compiled *c, size_t rule, struct botsink_candidate *cand)
{
	const struct rule_payload *p = &c->payload[rule];

	cand->app = p->app;
	cand->ncontents = p->nchunks;
	cand->content = p->nchunks ? p->content : 0;
	cand->dsize_op = p->dsize_op;
	cand->dsize_lo = p->dsize_lo;
	cand->dsize_hi = p->dsize_hi;
	cand->domains = p->domains;
}

void domain_key(const char *text, __u32 ruleset, struct botsink_domain_key *key)
{
	botsink_domain_seed(key, ruleset);
	for (size_t i = strlen(text); i-- > 0;)
		botsink_domain_fold(key, (__u8)text[i]);
}
