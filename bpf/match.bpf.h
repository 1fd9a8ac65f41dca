/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Rule matching on a destination's ranked candidate lists, and counting. */
#ifndef BOTSINK_MATCH_BPF_H
#define BOTSINK_MATCH_BPF_H

#include "botsink_abi.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "content.bpf.h"
#include "handshake.bpf.h"

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

/*
 * The search for a packet's rule over the runs of its lists. Each outcome
 * found (a rule, or a check that found the packet malformed) is better
 * ranked than the last, which set rank_limit: the last one stands.
 */
struct rule_search {
	__u32 rank_limit; /* candidates ranked here or after cannot win */
	__u32 found; /* 1: slot and sid name the packet's rule */
	__u32 malformed; /* 1: a payload check found the packet malformed */
	__u32 slot;
	__u32 sid;
	__u32 list_id; /* the lists whose stamped runs are looked up (0: none) */
	__u32 port_list_id;
	struct payload_use payload;
};

/* One run's walk. */
struct scan {
	struct xdp_md *ctx;
	const struct packet *pkt;
	struct rule_search *res;
	__u32 first; /* the run's first candidate in botsink_cands */
	__u32 excluded; /* slot ruled out by a matching exclusion entry */
};

/* One candidate; returns 1 when its run is over (an outcome found, or ranked too low). */
static __always_inline long scan_candidate(__u64 index, struct scan *s)
{
	__u32 key = s->first + (__u32)index;
	const struct botsink_candidate *c = bpf_map_lookup_elem(&botsink_cands, &key);
	struct rule_search *res = s->res;
	int verdict;

	if (!c || c->rank >= res->rank_limit)
		return 1;
	if (c->slot == s->excluded)
		return 0;
	if (c->kind == BOTSINK_CAND_EXCLUDE_SRC) {
		if (source_in(c, s->pkt))
			s->excluded = c->slot;
		return 0;
	}
	if (!header_matches(c, s->pkt))
		return 0;
	verdict = has_payload_checks(c) ? payload_matches(s->ctx, s->pkt, c, &res->payload) :
					  PAYLOAD_YES;
	if (verdict == PAYLOAD_NO)
		return 0;
	res->rank_limit = c->rank;
	res->malformed = verdict == PAYLOAD_MALFORMED;
	res->found = !res->malformed;
	res->slot = c->slot;
	res->sid = c->sid;
	return 1;
}

static long scan_rest(__u64 index, void *arg)
{
	return scan_candidate(index + BOTSINK_INLINE_CANDIDATES, arg);
}

/*
 * A run is ranked best first, so its first entry that matches is its rule
 * for the packet. An exclusion entry (a negated source) that matches rules
 * out the remaining entries of its rule, which are adjacent. The first few
 * entries are checked inline (most runs are short); the rest in bpf_loop,
 * which keeps verification linear. A global function: verified once, not
 * at each of the runs a packet may walk.
 */
__noinline int scan_run(struct xdp_md *ctx, const struct packet *pkt, struct rule_search *res,
			__u32 first, __u32 count)
{
	struct scan s = { .ctx = ctx, .pkt = pkt, .res = res, .first = first, .excluded = ~0U };

	if (!pkt || !res)
		return 0;
	if (count > BOTSINK_MAX_CANDIDATES)
		count = BOTSINK_MAX_CANDIDATES;
#pragma unroll
	for (__u32 i = 0; i < BOTSINK_INLINE_CANDIDATES; i++) {
		if (i >= count)
			return 0;
		if (scan_candidate(i, &s))
			return 0;
	}
	if (count > BOTSINK_INLINE_CANDIDATES)
		bpf_loop(count - BOTSINK_INLINE_CANDIDATES, scan_rest, &s, 0);
	return 0;
}

/* A list's walked runs: the second only for packets with payload. */
static __always_inline void scan_walked(struct xdp_md *ctx, const struct packet *pkt,
					struct rule_search *res, const struct botsink_list *list)
{
	if (list->count)
		scan_run(ctx, pkt, res, list->first, list->count);
	if (pkt->payload_len && list->payload_count)
		scan_run(ctx, pkt, res, list->first + list->count, list->payload_count);
}

/* The run of the rule the prefilter named index-th, in the list of its kind. */
static long stamped_step(__u64 index, void *arg)
{
	struct scan *s = arg;
	struct botsink_stamped_key key;
	const struct botsink_run *run;
	struct payload_state *st;
	__u32 zero = 0, hit;

	st = bpf_map_lookup_elem(&botsink_scratch, &zero);
	if (!st)
		return 1;
	hit = st->hits[bound(index, BOTSINK_PREFILTER_HITS - 1)];
	key.list = hit & BOTSINK_HIT_PORTS ? s->res->port_list_id : s->res->list_id;
	key.slot = BOTSINK_HIT_SLOT(hit);
	if (!key.list)
		return 0;
	run = bpf_map_lookup_elem(&botsink_stamped, &key);
	if (run)
		scan_run(s->ctx, s->pkt, s->res, run->first, run->count);
	return 0;
}

/*
 * The runs of the rules the prefilter named, in the packet's lists. Inline:
 * a frame of its own would take the stack of the calls below it (the run,
 * a payload check, a content step) past its bound.
 */
static __always_inline void scan_stamped(struct xdp_md *ctx, const struct packet *pkt,
					 struct rule_search *res, __u32 nhits)
{
	struct scan s = { .ctx = ctx, .pkt = pkt, .res = res };

	bpf_loop(nhits < BOTSINK_PREFILTER_HITS ? nhits : BOTSINK_PREFILTER_HITS, stamped_step, &s,
		 0);
}

/* The port list of the packet's destination port under `list`, or NULL. */
static __always_inline const struct botsink_list *
port_list_of(const struct botsink_list *list, __u32 ruleset, const struct packet *pkt)
{
	__u32 key, *v;

	if (!list->port_table || (pkt->proto != IPPROTO_TCP && pkt->proto != IPPROTO_UDP))
		return NULL;
	key = (((ruleset & 1) * BOTSINK_PORT_TABLES + list->port_table) * 2 +
	       (pkt->proto == IPPROTO_UDP))
		      << 8 |
	      pkt->dport >> 8;
	v = bpf_map_lookup_elem(&botsink_port1, &key);
	if (!v || !*v)
		return NULL;
	key = *v << 8 | (pkt->dport & 0xff);
	return bpf_map_lookup_elem(&botsink_port2, &key);
}

/*
 * A DNS rule reached through the prefilter is never checked against a
 * query the prefilter finds nothing in, such as one whose question cannot
 * be read; on port 53 that query is malformed at the best rank of such a
 * rule (struct botsink_list dns_rank), as if the rule had been walked.
 */
static __always_inline void malformed_query(struct xdp_md *ctx, const struct packet *pkt,
					    struct rule_search *res,
					    const struct botsink_list *list,
					    const struct botsink_list *port_list)
{
	/* Only lists with named rules have a dns_rank (an empty port slot is all zero). */
	__u32 rank = list->stamped ? list->dns_rank : ~0U;

	if (port_list && port_list->stamped && port_list->dns_rank < rank)
		rank = port_list->dns_rank;
	if (pkt->proto != IPPROTO_UDP || pkt->dport != 53 || rank >= res->rank_limit)
		return;
	if (!query_malformed(ctx, pkt, &res->payload))
		return;
	res->rank_limit = rank;
	res->malformed = 1;
	res->found = 0;
}

/*
 * A plain SYN's rule where the port list has it decided (struct
 * botsink_list syn_rule): true when it was, the outcome in res.
 */
static __always_inline bool syn_decided(const struct packet *pkt, struct rule_search *res,
					const struct botsink_list *list,
					const struct botsink_list *port_list)
{
	const struct botsink_candidate *c;
	__u32 key;

	if (!port_list || port_list->syn_rule == BOTSINK_SYN_WALK ||
	    pkt->proto != IPPROTO_TCP || pkt->tcp_flags != BOTSINK_TCP_SYN || pkt->payload_len)
		return false;
	if (port_list->syn_rule == BOTSINK_SYN_NO_RULE)
		return true;
	key = (port_list->syn_rule & BOTSINK_SYN_IN_DEST ? list->first : port_list->first) +
	      (port_list->syn_rule & BOTSINK_SYN_INDEX) - 1;
	c = bpf_map_lookup_elem(&botsink_cands, &key);
	if (!c)
		return false;
	res->rank_limit = c->rank;
	res->found = 1;
	res->slot = c->slot;
	res->sid = c->sid;
	return true;
}

/*
 * The packet's rule: the walked runs of its port list and of its
 * destination's list, then, for a packet with payload, the runs of the
 * rules the prefilter names in either list. Every run after the first
 * only looks at candidates ranked better than the outcome so far.
 */
static __always_inline void best_rule(struct xdp_md *ctx, const struct packet *pkt,
				      struct rule_search *res, __u32 ruleset,
				      const struct botsink_list *list, struct botsink_stats *stats)
{
	const struct botsink_list *port_list = port_list_of(list, ruleset, pkt);
	int hits;

	res->rank_limit = ~0U;
	if (syn_decided(pkt, res, list, port_list))
		return;
	if (port_list) {
		scan_walked(ctx, pkt, res, port_list);
		res->port_list_id = port_list->stamped ? port_list->id : 0;
	}
	scan_walked(ctx, pkt, res, list);
	res->list_id = list->stamped ? list->id : 0;
	if ((!res->port_list_id && !res->list_id) || !pkt->payload_len)
		return;
	malformed_query(ctx, pkt, res, list, port_list);
	hits = prefilter_hits(ctx, pkt, &res->payload);
	if (hits > BOTSINK_PREFILTER_HITS)
		stats->prefilter_full++;
	if (hits > 0)
		scan_stamped(ctx, pkt, res, (__u32)hits);
}

/* What one packet adds to its counter besides packets and bytes. */
struct increment {
	__u64 now;
	__u32 checkin;
	__u32 dns_qtype;
	__u8 checkin_tcp;
	__u8 verified; /* a check-in whose handshake a SYN cookie proved */
};

static __always_inline bool is_syn(const struct packet *pkt)
{
	return pkt->proto == IPPROTO_TCP &&
	       (pkt->tcp_flags & (BOTSINK_TCP_SYN | BOTSINK_TCP_ACK)) == BOTSINK_TCP_SYN;
}

/* The same segment: every field but the stamp. */
static __always_inline bool same_segment(const struct botsink_recent_entry *a,
					 const struct botsink_recent_entry *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && a->dst == b->dst;
}

/*
 * A check-in: a UDP datagram (or any other IP packet), a TCP SYN, or a TCP
 * segment with data; the same TCP segment (source, destination, ports,
 * sequence number) seen again within BOTSINK_RETRANSMIT_NS is a
 * retransmission. A miss replaces the set's empty or oldest entry. CPUs
 * race on a set without a lock: at worst an entry is lost or mixed, so a
 * retransmission counts again; counts of packets never depend on it.
 */
static __always_inline __u32 is_checkin(const struct packet *pkt, __u64 now, __u32 recent_mask)
{
	struct botsink_recent_entry seg = {
		.seq = pkt->seq,
		.sport = pkt->sport,
		.dport = pkt->dport,
		.dst = botsink_recent_fold(pkt->dst.w),
		.stamp = BOTSINK_RECENT_STAMP(now),
	};
	struct botsink_recent_set *set;
	struct botsink_recent_entry *e, *victim;
	__u32 index;

	if (pkt->proto != IPPROTO_TCP)
		return 1;
	if (!is_syn(pkt) && !pkt->payload_len)
		return 0;
	__builtin_memcpy(seg.addr, pkt->src.b, 16);
	index = botsink_recent_set_of(&seg, recent_mask);
	set = bpf_map_lookup_elem(&botsink_recent, &index);
	if (!set)
		return 1;
	victim = &set->way[0];
#pragma unroll
	for (int i = 0; i < BOTSINK_RECENT_WAYS; i++) {
		e = &set->way[i];
		if (e->stamp && same_segment(e, &seg)) {
			if (seg.stamp - e->stamp < BOTSINK_RECENT_WINDOW)
				return 0;
			e->stamp = seg.stamp;
			return 1;
		}
		if (seg.stamp - e->stamp > seg.stamp - victim->stamp || !e->stamp)
			victim = e;
	}
	*victim = seg;
	return 1;
}

static __always_inline void counter_add(struct botsink_counter *ctr, const struct packet *pkt,
					const struct increment *inc)
{
	__u64 now = inc->now;

	if (!ctr->packets)
		ctr->first_seen_ns = now; /* this CPU's first packet for the key */
	ctr->packets++;
	ctr->bytes += pkt->frame_len;
	ctr->checkins += inc->checkin;
	ctr->checkins_tcp += inc->checkin_tcp;
	ctr->checkins_verified += inc->verified;
	if (inc->dns_qtype)
		ctr->dns_qtype = inc->dns_qtype;
	if (is_syn(pkt))
		ctr->syns++;
	ctr->last_seen_ns = now;
	__builtin_memcpy(ctr->dst_addr, pkt->dst.b, 16);
	ctr->dst_port = pkt->dport;
	ctr->protocol = pkt->proto;
}

/* A key created in table `slot`, or a catch-all written: its drain must read it. */
static __always_inline void touch(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&botsink_touched, &slot);

	if (n)
		(*n)++;
}

/* What counting a packet did: nothing, added to a counter, or created a source's key. */
enum counted {
	COUNTED_NOT = 0, /* no room, not even in a catch-all */
	COUNTED,
	COUNTED_NEW, /* a (source, sid) key created in a source table: its evidence is wanted */
};

/*
 * Count into one table: the key's counter, created if it is new. `create`
 * false: only an existing counter (a catch-all). COUNTED_NOT when the
 * table has no room for the key.
 */
static __always_inline enum counted count_into(__u32 slot, const struct botsink_source_key *key,
					       const struct packet *pkt,
					       const struct increment *inc, bool create)
{
	struct botsink_counter *ctr, *fresh;
	__u32 zero = 0;
	void *table = bpf_map_lookup_elem(&botsink_active, &slot);
	long err;

	if (!table)
		return COUNTED_NOT;
	ctr = bpf_map_lookup_elem(table, key);
	if (ctr) {
		counter_add(ctr, pkt, inc);
		if (!create)
			touch(slot); /* a catch-all: it exists in every generation */
		return COUNTED;
	}
	if (!create)
		return COUNTED_NOT;
	/* A new key: its first value is built in the scratch space, off the stack. */
	fresh = bpf_map_lookup_elem(&botsink_scratch, &zero);
	if (!fresh)
		return COUNTED_NOT;
	fresh = &((struct payload_state *)fresh)->fresh;
	__builtin_memset(fresh, 0, sizeof(*fresh));
	counter_add(fresh, pkt, inc);
	err = bpf_map_update_elem(table, key, fresh, BPF_NOEXIST);
	if (!err) {
		touch(slot);
		return COUNTED_NEW;
	}
	if (err != -EEXIST)
		return COUNTED_NOT;
	/* Another CPU inserted the key first (and hands its sample): add to this CPU's share. */
	ctr = bpf_map_lookup_elem(table, key);
	if (!ctr)
		return COUNTED_NOT;
	counter_add(ctr, pkt, inc);
	return COUNTED;
}

/* The source's /24 (IPv4) or /48 (IPv6): its overflow aggregate. */
static __always_inline void to_prefix(struct botsink_source_key *key, const struct packet *pkt)
{
	__u32 *w = (__u32 *)key->addr;

	if (pkt->eth_proto == ETH_P_IP) {
		w[3] &= bpf_htonl(0xffffff00);
		return;
	}
	w[1] &= bpf_htonl(0xffff0000);
	w[2] = 0;
	w[3] = 0;
}

/* The catch-all of the source's address family (see botsink_abi.h). */
static __always_inline void to_catch_all(struct botsink_source_key *key, const struct packet *pkt)
{
	__u32 *w = (__u32 *)key->addr;

	w[0] = 0;
	w[1] = 0;
	w[2] = pkt->eth_proto == ETH_P_IP ? bpf_htonl(0xffff) : 0;
	w[3] = 0;
	key->sid = BOTSINK_SID_ANY;
}

/*
 * Count the packet for (source, sid) in generation `gen`. A full table
 * sends it to the overflow table of its kind (prefix, then catch-all), and
 * table_full counts it. Returns COUNTED_NOT when not even a catch-all took
 * it, COUNTED_NEW when it created the source's key (an aggregate never
 * does: it has no evidence). A check-in with data is verified when
 * handshake_verified says so.
 */
static __always_inline enum counted count_source(struct xdp_md *ctx, const struct packet *pkt,
						 __u32 sid, __u32 gen, struct increment *out,
						 struct verify *v, struct botsink_stats *stats,
						 __u32 recent_mask)
{
	struct botsink_source_key key = { .sid = sid };
	struct increment inc = { .dns_qtype = out->dns_qtype };
	__u32 kind = sid ? BOTSINK_KIND_SOURCES : BOTSINK_KIND_UNCLASSIFIED;
	enum counted counted;

	__builtin_memcpy(key.addr, pkt->src.b, 16);
	inc.now = bpf_ktime_get_coarse_ns();
	inc.checkin = is_checkin(pkt, inc.now, recent_mask);
	inc.checkin_tcp = inc.checkin && pkt->proto == IPPROTO_TCP;
	/* A retransmission of a proven segment is not a new check-in. */
	inc.verified = inc.checkin_tcp && handshake_verified(ctx, pkt, inc.now, v, stats);
	stats->verified += inc.verified;
	*out = inc;
	counted = count_into(BOTSINK_SLOT(kind, gen), &key, pkt, &inc, true);
	if (counted)
		return counted;
	stats->table_full++;
	to_prefix(&key, pkt);
	if (count_into(BOTSINK_SLOT(kind + 2, gen), &key, pkt, &inc, true))
		return COUNTED;
	to_catch_all(&key, pkt);
	return count_into(BOTSINK_SLOT(kind + 2, gen), &key, pkt, &inc, false) ? COUNTED :
										 COUNTED_NOT;
}

#endif /* BOTSINK_MATCH_BPF_H */
