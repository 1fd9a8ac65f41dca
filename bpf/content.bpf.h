/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Payload constraints of a candidate rule: dsize, the application protocol,
 * a domain list, then the content chunks; and the prefilter, which names
 * the rules whose fast pattern the payload holds.
 */
#ifndef BOTSINK_CONTENT_BPF_H
#define BOTSINK_CONTENT_BPF_H

#include "botsink_abi.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "payload.bpf.h"

/* ---- prefilter ---- */

/* p_pos, p_first in the scratch space: the position and its patterns. */
struct prefilter_walk {
	struct payload_state *st;
	const struct botsink_gram_filter *filter;
};

/* Name the rule once per packet: its hit in st->hits while there is room. */
static __always_inline void name_rule(struct payload_state *st, __u32 hit)
{
	__u32 slot = BOTSINK_HIT_SLOT(hit);
	__u32 *stamp = bpf_map_lookup_elem(&botsink_stamps, &slot);

	if (!stamp || *stamp == st->scan_id)
		return;
	*stamp = st->scan_id;
	if (st->nhits < BOTSINK_PREFILTER_HITS)
		st->hits[bound(st->nhits, BOTSINK_PREFILTER_HITS - 1)] = (__u16)hit;
	st->nhits++;
}

/* One fast pattern whose gram is at p_pos: verified, unless it is the previous one's. */
static long fastpat_step(__u64 index, void *arg)
{
	struct prefilter_walk *w = arg;
	struct payload_state *st = w->st;
	__u32 key = st->p_first + (__u32)index, start;
	const struct botsink_fastpat *fp = bpf_map_lookup_elem(&botsink_fastpats, &key);
	const struct botsink_content *c;

	if (!fp)
		return 1;
	if (!fp->same) {
		c = bpf_map_lookup_elem(&botsink_contents, &fp->content);
		start = st->p_pos - fp->offset;
		st->p_seen = c && st->p_pos >= fp->offset && start + c->len <= st->wlen &&
			     chunk_at(st, start, c);
	}
	if (st->p_seen)
		name_rule(st, fp->hit);
	return 0;
}

/* Position p, whose next 4 bytes (lowercased) are `gram`: in the filter, then its bucket. */
static __always_inline void prefilter_at(struct prefilter_walk *w, __u32 p, __u32 gram)
{
	struct payload_state *st = w->st;
	const struct botsink_gram_patterns *pats;
	__u32 h = botsink_gram_hash(gram), key;

	if (!(w->filter->bits[bound(h >> 6, (1U << BOTSINK_GRAM_FILTER_BITS) / 64 - 1)] >>
		      (h & 63) &
	      1))
		return;
	key = (st->ruleset & 1) << BOTSINK_GRAM_BUCKET_BITS | botsink_gram_bucket(gram);
	pats = bpf_map_lookup_elem(&botsink_grams, &key);
	if (!pats || !pats->count)
		return;
	st->p_pos = p;
	st->p_first = pats->first;
	bpf_loop(pats->count < BOTSINK_GRAM_PATTERNS ? pats->count : BOTSINK_GRAM_PATTERNS,
		 fastpat_step, w, 0);
}

/* Eight positions per step, from 16 bytes loaded and lowercased once. */
static long prefilter_step(__u64 index, void *arg)
{
	struct prefilter_walk *w = arg;
	__u32 p = (__u32)index * 8, wlen = w->st->wlen;
	__u64 lo = lower64(load64(w->st, p)), hi = lower64(load64(w->st, p + 8));

#pragma unroll
	for (__u32 j = 0; j < 8; j++) {
		if (p + j + 4 > wlen || p + j >= BOTSINK_WINDOW)
			return 1;
		prefilter_at(w, p + j, (__u32)(j ? lo >> (8 * j) | hi << (64 - 8 * j) : lo));
	}
	return 0;
}

/* One pass over the window: name every rule whose fast pattern occurs. */
static __always_inline void run_prefilter(struct payload_state *st)
{
	struct prefilter_walk w = { .st = st };
	__u32 key = st->ruleset & 1;

	st->ready |= READY_PREFILTER;
	/* 0 is every stamp never written: skipped when the count wraps. */
	if (!++st->scan_id)
		st->scan_id = 1;
	st->nhits = 0;
	w.filter = bpf_map_lookup_elem(&botsink_gram_filter, &key);
	if (!w.filter || st->wlen < 4)
		return;
	bpf_loop((st->wlen - 3 + 7) / 8, prefilter_step, &w, 0);
}

/* ---- content chunks ---- */

struct match_walk {
	struct payload_state *st;
};

/*
 * After a miss at p: the next position (of the next 8) where the chunk's
 * first byte is, or p + 9 when none of them has it.
 */
static __always_inline __u32 next_start(const struct payload_state *st, __u32 p,
					const struct botsink_content *c)
{
	__u64 word = load64(st, p + 1), flags;

	if (c->flags & BOTSINK_CONTENT_NOCASE)
		word = lower64(word);
	flags = bytes_equal(word, c->bytes[0]);
	return flags ? p + 1 + first_flag(flags) : p + 9;
}

/* Try chunk k elsewhere: the one it is placed after, at its next position. */
static __always_inline long backtrack(struct payload_state *st, const struct botsink_content *c)
{
	__u32 anchor = c->anchor & (BOTSINK_RULE_CONTENTS - 1);

	if (!(c->flags & BOTSINK_CONTENT_RELATIVE) || anchor >= st->m_k) {
		st->m_result = 0;
		return 1;
	}
	st->m_k = anchor;
	st->m_pos = st->m_next[bound(anchor, BOTSINK_RULE_CONTENTS - 1)];
	return 0;
}

static __always_inline long next_chunk(struct payload_state *st, __u32 k)
{
	st->m_k = k + 1;
	st->m_pos = 0;
	return 0;
}

/* The window ends inside the buffer [.., hi): its real end is not in sight. */
static __always_inline bool cut_by_window(const struct payload_state *st, __u32 hi)
{
	return hi == st->wlen && st->plen > st->wlen;
}

/*
 * A size check: are the bytes of the buffer (after the anchor's match,
 * when relative) in [start, limit]? The payload and the body end where
 * the payload does (plen); the headers cut by the window are at least
 * what it shows. A check that what is known cannot decide fails, as does
 * one on a buffer the packet lacks.
 */
static __always_inline long size_check(struct payload_state *st, const struct botsink_content *c,
				       __u32 b, __u32 lo, __u32 hi)
{
	__s64 base = lo, least, most;
	bool in, out;

	if (b != BOTSINK_BUF_PAYLOAD && hi == 0)
		return backtrack(st, c);
	if (c->flags & BOTSINK_CONTENT_RELATIVE)
		base = st->m_end[bound(c->anchor, BOTSINK_RULE_CONTENTS - 1)];
	least = most = (__s64)hi - base;
	if (cut_by_window(st, hi)) {
		if (b == BOTSINK_BUF_PAYLOAD || b == BOTSINK_BUF_HTTP_BODY)
			least = most = (__s64)st->plen - base;
		else
			most = 0x7fffffff; /* any size from least up */
	}
	in = least >= c->start && most <= c->limit;
	out = least > c->limit || most < c->start;
	if (c->flags & BOTSINK_CONTENT_NEGATED ? !out : !in)
		return backtrack(st, c);
	return next_chunk(st, st->m_k);
}

/*
 * One step: chunk k at one position. A match moves on to chunk k + 1; a
 * chunk placed relative to another that cannot be found retries that one
 * further on (Suricata's backtracking), anything else fails the rule.
 */
static long match_step(__u64 index, void *arg)
{
	struct payload_state *st = ((struct match_walk *)arg)->st;
	__u32 k = st->m_k, key, b, lo, hi, p;
	__s64 base, from, limit;
	const struct botsink_content *c;

	if (k >= st->m_n || k >= BOTSINK_RULE_CONTENTS) {
		st->m_result = 1;
		return 1;
	}
	key = st->m_first + k;
	c = bpf_map_lookup_elem(&botsink_contents, &key);
	if (!c) {
		st->m_result = 0;
		return 1;
	}
	b = bound(c->buffer, BOTSINK_BUF_COUNT - 1);
	lo = st->lo[b];
	hi = st->hi[b];
	/* dotprefix: the view starts at the '.' written before the buffer. */
	if ((c->flags & BOTSINK_CONTENT_DOTPREFIX) && lo > 0)
		lo--;
	if (c->flags & BOTSINK_CONTENT_SIZE)
		return size_check(st, c, b, lo, hi);
	/* Signed: distance may be negative, and so may the end a limit allows. */
	base = c->flags & BOTSINK_CONTENT_RELATIVE ?
		       (__s64)st->m_end[bound(c->anchor, BOTSINK_RULE_CONTENTS - 1)] :
		       (__s64)lo;
	from = base + c->start < (__s64)lo ? (__s64)lo : base + c->start;
	limit = hi;
	if ((c->flags & BOTSINK_CONTENT_LIMITED) && base + c->limit < limit)
		limit = base + c->limit;
	p = st->m_pos > from ? st->m_pos : (__u32)from;
	if (c->flags & BOTSINK_CONTENT_ENDSWITH) {
		/* Unseen, the end is unknown: neither found nor surely absent. */
		if (cut_by_window(st, hi))
			return backtrack(st, c);
		if ((__s64)p + c->len < (__s64)hi)
			p = hi - c->len; /* the one place it may be */
	}
	if ((__s64)p + c->len <= limit && p < SCRATCH_SIZE) {
		if (!chunk_at(st, p, c)) {
			st->m_pos = next_start(st, p, c);
			return 0;
		}
		if (c->flags & BOTSINK_CONTENT_NEGATED)
			return backtrack(st, c);
		st->m_end[bound(k, BOTSINK_RULE_CONTENTS - 1)] = p + c->len;
		st->m_next[bound(k, BOTSINK_RULE_CONTENTS - 1)] = p + 1;
		return next_chunk(st, k);
	}
	if (!(c->flags & BOTSINK_CONTENT_NEGATED))
		return backtrack(st, c);
	return next_chunk(st, k); /* not there: as required */
}

static __always_inline bool contents_match(struct payload_state *st,
					   const struct botsink_candidate *cand)
{
	struct match_walk w = { .st = st };

	st->m_first = cand->content;
	st->m_n = cand->ncontents;
	st->m_k = 0;
	st->m_pos = 0;
	st->m_result = 0; /* also when the steps run out */
	bpf_loop(BOTSINK_MATCH_STEPS, match_step, &w, 0);
	return st->m_result;
}

static __always_inline bool dsize_ok(const struct botsink_candidate *c, __u32 size)
{
	bool in = size >= c->dsize_lo && size <= c->dsize_hi;

	return c->dsize_op == BOTSINK_DSIZE_IN ? in : !in;
}

enum payload_verdict {
	PAYLOAD_NO = 0,
	PAYLOAD_YES = 1,
	PAYLOAD_MALFORMED = 2, /* a DNS query whose question cannot be read */
};

/* What a packet's payload checks share: set up by the first of them. */
struct payload_use {
	__u32 ruleset;
	__u32 started; /* the scratch space belongs to this packet */
	__u32 dns_qtype; /* of a DNS query that was parsed, else 0 */
};

/* The scratch space, claimed for this packet by its first use, its window loaded. */
static __always_inline struct payload_state *
scratch_for(struct xdp_md *ctx, const struct packet *pkt, struct payload_use *use)
{
	__u32 zero = 0;
	struct payload_state *st = bpf_map_lookup_elem(&botsink_scratch, &zero);

	if (!st)
		return NULL;
	if (!use->started) {
		use->started = 1;
		st->ready = 0;
		st->ruleset = use->ruleset;
	}
	if (!(st->ready & READY_WINDOW))
		load_window(ctx, st, pkt);
	return st;
}

/* The DNS question, parsed once per packet; its query type for the counter. */
static __always_inline void dns_once(struct payload_state *st, struct payload_use *use)
{
	if (st->ready & READY_DNS)
		return;
	parse_dns(st);
	if (st->dns == DNS_OK)
		use->dns_qtype = st->dns_qtype;
}

/* Is the packet a DNS query whose question cannot be read? A global function. */
__noinline int query_malformed(struct xdp_md *ctx, const struct packet *pkt,
			       struct payload_use *use)
{
	struct payload_state *st;

	if (!pkt || !use)
		return 0;
	st = scratch_for(ctx, pkt, use);
	if (!st)
		return 0;
	dns_once(st, use);
	return st->dns == DNS_MALFORMED;
}

/*
 * Run the prefilter over the packet's payload (once): the rules it names
 * are in the scratch space's hits. Returns how many it named, which may
 * exceed the BOTSINK_PREFILTER_HITS kept. A global function, verified once.
 */
__noinline int prefilter_hits(struct xdp_md *ctx, const struct packet *pkt, struct payload_use *use)
{
	struct payload_state *st;

	if (!pkt || !use)
		return 0;
	st = scratch_for(ctx, pkt, use);
	if (!st)
		return 0;
	if (!(st->ready & READY_PREFILTER))
		run_prefilter(st);
	return (int)st->nhits;
}

/*
 * Does the packet meet the candidate's payload constraints? A global
 * function: the verifier checks it once, not at every call site.
 */
__noinline int payload_matches(struct xdp_md *ctx, const struct packet *pkt,
			       const struct botsink_candidate *cand, struct payload_use *use)
{
	struct payload_state *st;

	if (!pkt || !cand || !use)
		return PAYLOAD_NO;
	if (cand->dsize_op && !dsize_ok(cand, pkt->payload_len))
		return PAYLOAD_NO;
	st = scratch_for(ctx, pkt, use);
	if (!st)
		return PAYLOAD_NO;
	if (cand->app == BOTSINK_APP_HTTP) {
		if (!(st->ready & READY_HTTP))
			parse_http(st);
		if (!st->http_ok)
			return PAYLOAD_NO;
	} else if (cand->app == BOTSINK_APP_DNS) {
		dns_once(st, use);
		/* Not a query a resolver sends: malformed on the DNS port. */
		if (st->dns == DNS_MALFORMED)
			return pkt->dport == 53 ? PAYLOAD_MALFORMED : PAYLOAD_NO;
		if (st->dns != DNS_OK)
			return PAYLOAD_NO;
	}
	if (cand->domains) {
		if (!(st->ready & READY_DOMAIN))
			lookup_domain(st);
		if (!(st->domain_lists >> ((cand->domains - 1) & 63) & 1))
			return PAYLOAD_NO;
	}
	if (cand->ncontents && !contents_match(st, cand))
		return PAYLOAD_NO;
	return PAYLOAD_YES;
}

static __always_inline bool has_payload_checks(const struct botsink_candidate *c)
{
	return c->app | c->ncontents | c->dsize_op | c->domains;
}

#endif /* BOTSINK_CONTENT_BPF_H */
