/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Rule matching on a destination's ranked candidate list, and counting. */
#ifndef BOTSINK_MATCH_BPF_H
#define BOTSINK_MATCH_BPF_H

#include "botsink_abi.h"
#include "maps.bpf.h"
#include "parse.bpf.h"

#define EEXIST 17

/* Candidates checked before handing the rest of the list to bpf_loop. */
#define BOTSINK_INLINE_CANDIDATES 8

static __always_inline bool source_in(const struct botsink_candidate *c, const struct packet *pkt)
{
	const __u32 *prefix = (const __u32 *)c->src_addr;
	const __u32 *mask = (const __u32 *)c->src_mask;

	return (pkt->src.w[0] & mask[0]) == prefix[0] && (pkt->src.w[1] & mask[1]) == prefix[1] &&
	       (pkt->src.w[2] & mask[2]) == prefix[2] && (pkt->src.w[3] & mask[3]) == prefix[3];
}

static __always_inline bool header_matches(const struct botsink_candidate *c,
					   const struct packet *pkt)
{
	__u8 flags;

	if (c->proto && c->proto != pkt->proto)
		return false;
	if (pkt->dport < c->dport_lo || pkt->dport > c->dport_hi)
		return false;
	if (pkt->sport < c->sport_lo || pkt->sport > c->sport_hi)
		return false;
	if (c->flags_op != BOTSINK_FLAGS_ANY) {
		if (pkt->proto != IPPROTO_TCP)
			return false;
		flags = pkt->tcp_flags & c->flags_mask;
		if ((flags == c->flags_value) != (c->flags_op == BOTSINK_FLAGS_EQ))
			return false;
	}
	return c->kind != BOTSINK_CAND_MATCH_SRC || source_in(c, pkt);
}

struct scan {
	const struct botsink_dst *dst;
	const struct packet *pkt;
	const struct botsink_candidate *found;
	__u32 excluded; /* slot ruled out by a matching exclusion entry */
};

/* One candidate; returns 1 when the scan is over (s->found set on a match). */
static __always_inline long scan_candidate(__u64 index, struct scan *s)
{
	const struct botsink_candidate *c;

	if (index >= BOTSINK_MAX_CANDIDATES)
		return 1;
	c = &s->dst->cand[index];
	if (c->slot == s->excluded)
		return 0;
	if (c->kind == BOTSINK_CAND_EXCLUDE_SRC) {
		if (source_in(c, s->pkt))
			s->excluded = c->slot;
		return 0;
	}
	if (!header_matches(c, s->pkt))
		return 0;
	s->found = c;
	return 1;
}

static long scan_rest(__u64 index, void *arg)
{
	return scan_candidate(index + BOTSINK_INLINE_CANDIDATES, arg);
}

/*
 * The list is ranked best first, so the first entry that matches is the
 * rule that gets the packet. An exclusion entry (a negated source) that
 * matches rules out the remaining entries of its rule, which are adjacent.
 * The first few entries are checked inline (most destinations have few
 * rules); the rest in bpf_loop, which keeps verification linear.
 */
static __always_inline const struct botsink_candidate *best_rule(const struct botsink_dst *dst,
								 const struct packet *pkt)
{
	struct scan s = { .dst = dst, .pkt = pkt, .excluded = ~0U };
	__u32 count = dst->count;

	if (count > BOTSINK_MAX_CANDIDATES)
		count = BOTSINK_MAX_CANDIDATES;
#pragma unroll
	for (__u32 i = 0; i < BOTSINK_INLINE_CANDIDATES; i++) {
		if (i >= count)
			return NULL;
		if (scan_candidate(i, &s))
			return s.found;
	}
	if (count > BOTSINK_INLINE_CANDIDATES)
		bpf_loop(count - BOTSINK_INLINE_CANDIDATES, scan_rest, &s, 0);
	return s.found;
}

static __always_inline void counter_add(struct botsink_counter *ctr, const struct packet *pkt,
					__u64 now)
{
	if (!ctr->packets)
		ctr->first_seen_ns = now; /* this CPU's first packet for the key */
	ctr->packets++;
	ctr->bytes += pkt->frame_len;
	if ((pkt->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN)
		ctr->syns++;
	ctr->last_seen_ns = now;
	__builtin_memcpy(ctr->dst_addr, pkt->dst.b, 16);
	ctr->dst_port = pkt->dport;
	ctr->protocol = pkt->proto;
}

/* Returns false when the generation has no free slot for a new source. */
static __always_inline bool count_source(const struct packet *pkt, __u32 sid)
{
	struct botsink_source_key key = { .sid = sid };
	struct botsink_counter *ctr, fresh = {};
	__u32 zero = 0;
	void *counters;
	__u64 now;
	long err;

	counters = bpf_map_lookup_elem(&botsink_active, &zero);
	if (!counters)
		return false;
	__builtin_memcpy(key.addr, pkt->src.b, 16);
	now = bpf_ktime_get_coarse_ns();
	ctr = bpf_map_lookup_elem(counters, &key);
	if (ctr) {
		counter_add(ctr, pkt, now);
		return true;
	}
	counter_add(&fresh, pkt, now);
	err = bpf_map_update_elem(counters, &key, &fresh, BPF_NOEXIST);
	if (!err)
		return true;
	if (err != -EEXIST)
		return false;
	/* Another CPU inserted the key first: add to this CPU's share. */
	ctr = bpf_map_lookup_elem(counters, &key);
	if (!ctr)
		return false;
	counter_add(ctr, pkt, now);
	return true;
}

#endif /* BOTSINK_MATCH_BPF_H */
