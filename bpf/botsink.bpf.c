// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * botsink XDP program: count bot check-ins to a sinkhole per source and rule.
 *
 * Packet path: Ethernet (+ up to two VLAN tags) -> IPv4/IPv6 -> the
 * destination tables (a DIR-16-8-8 table for IPv4, an LPM trie for IPv6),
 * which miss for everything outside the sinkhole space -> extension
 * headers, fragments -> TCP/UDP -> first match in the destination's ranked
 * candidates (walked, or named by the prefilter) -> per-source counter.
 * Every frame lands in exactly one statistics bucket.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "botsink_abi.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "match.bpf.h"
#include "evidence.bpf.h"
#include "respond.bpf.h"

static __always_inline int parse_network(struct cursor *c, struct packet *pkt, void *data)
{
	int ret = parse_ethernet(c, pkt);

	if (ret != PARSE_OK)
		return ret;
	pkt->l3_off = c->pos - data;
	if (pkt->eth_proto == ETH_P_IP)
		return parse_ipv4(c, pkt);
	return parse_ipv6(c, pkt);
}

/* One step of the IPv4 table: a list index, a group, or 0. */
static __always_inline __u32 v4_step(void *table, __u32 index)
{
	__u32 *v = bpf_map_lookup_elem(table, &index);

	return v ? *v : 0;
}

static __always_inline __u32 v4_list(__u32 ruleset, __be32 daddr)
{
	__u32 a = bpf_ntohl(daddr);
	__u32 v = v4_step(&botsink_v4, (ruleset & 1) << 16 | a >> 16);

	if (v & BOTSINK_V4_GROUP)
		v = v4_step(&botsink_v4_grp, (v & ~BOTSINK_V4_GROUP) << 8 | (a >> 8 & 0xff));
	if (v & BOTSINK_V4_GROUP)
		v = v4_step(&botsink_v4_grp, (v & ~BOTSINK_V4_GROUP) << 8 | (a & 0xff));
	return v & BOTSINK_V4_GROUP ? 0 : v;
}

static __always_inline __u32 v6_list(__u32 ruleset, const union addr16 *daddr)
{
	struct botsink_dst6_key key = { .prefixlen = 8 + 128, .ruleset = ruleset };
	__u32 *list;

	__builtin_memcpy(key.addr, daddr->b, 16);
	list = bpf_map_lookup_elem(&botsink_dst6, &key);
	return list ? *list : 0;
}

/* The destination's list index; 0: not sinkhole traffic. */
static __always_inline __u32 lookup_destination(const struct packet *pkt, __u32 ruleset)
{
	return pkt->eth_proto == ETH_P_IP ? v4_list(ruleset, pkt->dst.w[3]) :
					    v6_list(ruleset, &pkt->dst);
}

/* Transport parsing for sinkhole traffic only. */
static __always_inline int parse_sinkhole_frame(struct xdp_md *ctx, struct cursor *c,
						struct packet *pkt)
{
	int ret;

	if (pkt->eth_proto == ETH_P_IPV6) {
		ret = parse_ipv6_ext(ctx, c, pkt);
		if (ret != PARSE_OK)
			return ret;
	}
	if (pkt->frag == FRAG_LATER)
		return PARSE_FRAGMENT;
	pkt->l4_off = c->pos - (void *)(long)ctx->data;
	return parse_transport(c, pkt);
}

static __always_inline void count_rule_hit(__u32 slot, const struct packet *pkt,
					   const struct increment *inc)
{
	struct botsink_rule_hits *hits = bpf_map_lookup_elem(&botsink_hits, &slot);

	if (hits) {
		hits->packets++;
		hits->bytes += pkt->frame_len;
		hits->checkins += inc->checkin;
		hits->checkins_verified += inc->verified;
	}
}

/* Attribute a sinkhole frame; returns its bucket. */
static __always_inline int attribute(struct xdp_md *ctx, const struct botsink_list *list,
				     const struct packet *pkt, __u32 ruleset, __u32 gen,
				     const struct botsink_config *cfg, struct botsink_stats *stats,
				     struct verify *v)
{
	struct rule_search s = { .payload = { .ruleset = ruleset } };
	struct increment inc = {};
	enum counted counted;
	__u32 slot, sid;

	best_rule(ctx, pkt, &s, ruleset, list, stats);
	if (s.malformed)
		return BOTSINK_MALFORMED;
	slot = s.found ? s.slot : BOTSINK_SLOT_UNCLASSIFIED;
	sid = s.found ? s.sid : 0;
	inc.dns_qtype = s.payload.dns_qtype;
	counted = count_source(ctx, pkt, sid, gen, &inc, v, stats,
			       cfg->recent_mask ? cfg->recent_mask : BOTSINK_RECENT_SETS - 1);
	if (!counted)
		stats->uncounted++;
	if (counted == COUNTED_NEW)
		hand_evidence(ctx, pkt, &s, gen, stats);
	count_rule_hit(slot, pkt, &inc);
	return s.found ? BOTSINK_MATCHED : BOTSINK_UNCLASSIFIED;
}

SEC("xdp")
int botsink_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct cursor c = { .pos = data, .end = data_end };
	const struct botsink_config *cfg;
	const struct botsink_list *list = NULL;
	struct botsink_stats *stats;
	struct packet pkt = {};
	int action = XDP_PASS;
	__u32 zero = 0, list_index, ruleset, gen, verdict, respond_mode;
	struct verify v = { .cookie = -1 };
	bool answers;
	int bucket;

	stats = bpf_map_lookup_elem(&botsink_stats, &zero);
	cfg = bpf_map_lookup_elem(&botsink_config, &zero);
	if (!stats || !cfg)
		return XDP_PASS;
	pkt.frame_len = data_end - data;

	bucket = parse_network(&c, &pkt, data);
	if (bucket != PARSE_OK)
		goto out;
	/* Read once: a reload may flip it while this packet is in flight. */
	ruleset = *(volatile const __u32 *)&cfg->ruleset & 1;
	gen = *(volatile const __u32 *)&cfg->generation & 1;
	list_index = lookup_destination(&pkt, ruleset);
	if (list_index)
		list = bpf_map_lookup_elem(&botsink_lists, &list_index);
	if (!list) {
		bucket = BOTSINK_NON_SINKHOLE;
		goto out;
	}
	bucket = parse_sinkhole_frame(ctx, &c, &pkt);
	pkt.payload_off = c.pos - data;
	verdict = *(volatile const __u32 *)&cfg->verdict;
	respond_mode = *(volatile const __u32 *)&cfg->respond;
	answers = verdict == BOTSINK_VERDICT_DROP && respond_mode != BOTSINK_RESPOND_NONE &&
		  bucket == PARSE_OK && pkt.proto == IPPROTO_TCP &&
		  respond_port(ruleset, pkt.dport);
	/* Only where someone sent a SYN-ACK with a cookie can a check-in be verified. */
	v.can = verdict == BOTSINK_VERDICT_PASS || answers;
	if (bucket == PARSE_OK)
		bucket = attribute(ctx, list, &pkt, ruleset, gen, cfg, stats, &v);
	if (bucket == BOTSINK_MALFORMED || bucket == BOTSINK_NON_SINKHOLE ||
	    verdict != BOTSINK_VERDICT_DROP)
		goto out;
	action = XDP_DROP;
	if (answers && bucket != BOTSINK_FRAGMENT) {
		action = respond(ctx, &pkt, respond_mode, &v);
		if (action == XDP_TX)
			stats->responses++;
	}
out:
	if (pkt.vlan)
		stats->vlan++;
	if (bucket >= 0 && bucket < BOTSINK_CLASS_COUNT)
		((__u64 *)stats)[bucket]++;
	return action;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
