/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Bounds-checked header parsers. A cursor walks the frame; every read goes
 * through cursor_pull(), which checks the whole header against data_end
 * before handing out a pointer.
 */
#ifndef BOTSINK_PARSE_BPF_H
#define BOTSINK_PARSE_BPF_H

#include <bpf/bpf_endian.h>
#include "botsink_abi.h"
#include "consts.bpf.h"

/* Outcome of a parse step; the buckets are the frame's final statistic. */
enum parse_result {
	PARSE_OK = -1,
	PARSE_NON_IP = BOTSINK_NON_IP,
	PARSE_NON_SINKHOLE = BOTSINK_NON_SINKHOLE,
	PARSE_MALFORMED = BOTSINK_MALFORMED,
	PARSE_FRAGMENT = BOTSINK_FRAGMENT,
};

enum frag_state {
	FRAG_NONE = 0,
	FRAG_FIRST, /* offset 0, more fragments follow */
	FRAG_LATER, /* offset > 0: no transport header */
};

union addr16 {
	__u8 b[16];
	__u32 w[4];
};

struct cursor {
	void *pos;
	void *end;
};

/* What the parsers learn about a frame. Ports are in host order. */
struct packet {
	union addr16 src;
	union addr16 dst;
	__u32 frame_len;
	__u32 l4_len; /* bytes after the IP headers, per the IP length fields */
	__u32 payload_off; /* from the start of the frame to the TCP/UDP payload */
	__u32 payload_len; /* TCP/UDP payload bytes, per the length fields */
	__u32 seq; /* TCP sequence number, host order */
	__u32 ack_seq; /* TCP acknowledgement number, host order */
	__u16 l3_off; /* from the start of the frame to the IP header */
	__u16 l4_off; /* ... to the transport header */
	__u16 sport;
	__u16 dport;
	__u16 eth_proto;
	__u8 proto;
	__u8 tcp_flags;
	__u8 frag;
	__u8 vlan;
	__u8 tcp_hlen; /* TCP header length with options, bytes */
};

static __always_inline void *__cursor_pull(struct cursor *c, __u32 size)
{
	void *p = c->pos;

	if (p + size > c->end)
		return NULL;
	c->pos = p + size;
	return p;
}

#define cursor_pull(c, type) ((type *)__cursor_pull((c), sizeof(type)))

static __always_inline void set_v4_mapped(union addr16 *a, __u32 ip4)
{
	a->w[0] = 0;
	a->w[1] = 0;
	a->w[2] = bpf_htonl(0x0000FFFF);
	a->w[3] = ip4;
}

static __always_inline bool is_v4_mapped(const union addr16 *a)
{
	return a->w[0] == 0 && a->w[1] == 0 && a->w[2] == bpf_htonl(0x0000FFFF);
}

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

/* Ethernet plus up to two 802.1Q/802.1ad tags. */
static __always_inline int parse_ethernet(struct cursor *c, struct packet *pkt)
{
	struct ethhdr *eth = cursor_pull(c, struct ethhdr);
	__u16 proto;

	if (!eth)
		return PARSE_MALFORMED;
	proto = bpf_ntohs(eth->h_proto);
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_tag *tag;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		pkt->vlan = 1;
		tag = cursor_pull(c, struct vlan_tag);
		if (!tag)
			return PARSE_MALFORMED;
		proto = bpf_ntohs(tag->proto);
	}
	pkt->eth_proto = proto;
	if (proto != ETH_P_IP && proto != ETH_P_IPV6)
		return PARSE_NON_IP;
	return PARSE_OK;
}

/* IPv4 header and options; the cursor ends at the transport header. */
static __always_inline int parse_ipv4(struct cursor *c, struct packet *pkt)
{
	struct iphdr *ip = cursor_pull(c, struct iphdr);
	__u32 hlen, total;
	__u16 frag;

	if (!ip || ip->version != 4)
		return PARSE_MALFORMED;
	hlen = ip->ihl * 4;
	total = bpf_ntohs(ip->tot_len);
	if (hlen < sizeof(*ip) || total < hlen || (void *)ip + total > c->end)
		return PARSE_MALFORMED;
	c->pos = (void *)ip + hlen;
	pkt->l4_len = total - hlen;
	pkt->proto = ip->protocol;
	set_v4_mapped(&pkt->src, ip->saddr);
	set_v4_mapped(&pkt->dst, ip->daddr);
	frag = bpf_ntohs(ip->frag_off);
	if (frag & IP_OFFSET)
		pkt->frag = FRAG_LATER;
	else if (frag & IP_MF)
		pkt->frag = FRAG_FIRST;
	return PARSE_OK;
}

/* The fixed IPv6 header; extension headers come after the sinkhole check. */
static __always_inline int parse_ipv6(struct cursor *c, struct packet *pkt)
{
	struct ipv6hdr *ip6 = cursor_pull(c, struct ipv6hdr);
	__u32 payload;

	if (!ip6 || ip6->version != 6)
		return PARSE_MALFORMED;
	payload = bpf_ntohs(ip6->payload_len);
	if (c->pos + payload > c->end)
		return PARSE_MALFORMED;
	pkt->l4_len = payload;
	pkt->proto = ip6->nexthdr;
	__builtin_memcpy(pkt->src.b, &ip6->saddr, 16);
	__builtin_memcpy(pkt->dst.b, &ip6->daddr, 16);
	/* IPv4-mapped addresses are not valid on the wire; as a source they
	 * would be attributed to an IPv4 host. */
	if (is_v4_mapped(&pkt->src) || is_v4_mapped(&pkt->dst))
		return PARSE_MALFORMED;
	return PARSE_OK;
}

struct ipv6_ext {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ipv6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

struct ext_walk {
	struct xdp_md *ctx;
	struct packet *pkt;
	__u32 off; /* from the start of the frame to the next header */
	int ret;
};

/* One extension header per call; returns 1 to stop the walk. */
static long ipv6_ext_step(__u64 index, void *arg)
{
	struct ext_walk *w = arg;
	struct packet *pkt = w->pkt;
	void *data = (void *)(long)w->ctx->data;
	void *end = (void *)(long)w->ctx->data_end;
	struct ipv6_frag *fh;
	struct ipv6_ext *eh;
	__u32 len;
	__u16 off;

	if (w->off > BOTSINK_MAX_HEADER_OFFSET)
		goto malformed;
	switch (pkt->proto) {
	case IPV6_NEXTHDR_HOP:
	case IPV6_NEXTHDR_ROUTING:
	case IPV6_NEXTHDR_DEST:
		eh = data + w->off;
		if ((void *)(eh + 1) > end)
			goto malformed;
		len = ((__u32)eh->hdrlen + 1) * 8;
		if (len > pkt->l4_len)
			goto malformed;
		pkt->proto = eh->nexthdr;
		break;
	case IPV6_NEXTHDR_FRAGMENT:
		fh = data + w->off;
		len = sizeof(*fh);
		if ((void *)(fh + 1) > end || len > pkt->l4_len)
			goto malformed;
		pkt->proto = fh->nexthdr;
		off = bpf_ntohs(fh->frag_off);
		if (off & 0xFFF8)
			pkt->frag = FRAG_LATER;
		else if (off & 1)
			pkt->frag = FRAG_FIRST;
		break;
	default:
		w->ret = PARSE_OK;
		return 1;
	}
	pkt->l4_len -= len;
	w->off += len;
	/* A later fragment's data follow its fragment header, not headers. */
	if (pkt->frag == FRAG_LATER) {
		w->ret = PARSE_OK;
		return 1;
	}
	return 0;
malformed:
	w->ret = PARSE_MALFORMED;
	return 1;
}

/*
 * Skip hop-by-hop, routing, destination-options and fragment headers
 * (at most BOTSINK_MAX_EXT_HEADERS; a longer chain is malformed). The walk
 * runs in bpf_loop so the verifier checks one step, not every chain shape.
 */
static __always_inline int parse_ipv6_ext(struct xdp_md *ctx, struct cursor *c, struct packet *pkt)
{
	void *data = (void *)(long)ctx->data;
	struct ext_walk w = {
		.ctx = ctx,
		.pkt = pkt,
		.off = c->pos - data,
		.ret = PARSE_MALFORMED,
	};

	bpf_loop(BOTSINK_MAX_EXT_HEADERS + 1, ipv6_ext_step, &w, 0);
	if (w.ret != PARSE_OK)
		return w.ret;
	/* Keeps the verifier's packet offsets small; XDP frames are shorter. */
	if (w.off > BOTSINK_MAX_HEADER_OFFSET)
		return PARSE_MALFORMED;
	c->pos = data + w.off;
	return PARSE_OK;
}

/*
 * Transport header. A first fragment too short for the whole header is a
 * fragment; anything else too short or inconsistent is malformed.
 */
static __always_inline int parse_transport(struct cursor *c, struct packet *pkt)
{
	int short_header = pkt->frag == FRAG_FIRST ? PARSE_FRAGMENT : PARSE_MALFORMED;
	struct tcphdr *tcp;
	struct udphdr *udp;
	__u8 *icmp_type;
	__u32 hlen, ulen;

	switch (pkt->proto) {
	case IPPROTO_TCP:
		if (pkt->l4_len < sizeof(*tcp))
			return short_header;
		tcp = cursor_pull(c, struct tcphdr);
		if (!tcp)
			return PARSE_MALFORMED;
		hlen = tcp->doff * 4;
		if (hlen < sizeof(*tcp))
			return PARSE_MALFORMED;
		if (hlen > pkt->l4_len)
			return short_header;
		pkt->sport = bpf_ntohs(tcp->source);
		pkt->dport = bpf_ntohs(tcp->dest);
		pkt->tcp_flags = ((__u8 *)tcp)[13];
		pkt->seq = bpf_ntohl(tcp->seq);
		pkt->ack_seq = bpf_ntohl(tcp->ack_seq);
		pkt->tcp_hlen = hlen;
		pkt->payload_len = pkt->l4_len - hlen;
		c->pos = (void *)tcp + hlen; /* an offset only: not read through */
		return PARSE_OK;
	case IPPROTO_UDP:
		if (pkt->l4_len < sizeof(*udp))
			return short_header;
		udp = cursor_pull(c, struct udphdr);
		if (!udp)
			return PARSE_MALFORMED;
		ulen = bpf_ntohs(udp->len);
		/* A first fragment's length covers the whole datagram. */
		if (ulen < sizeof(*udp) || (pkt->frag == FRAG_NONE && ulen > pkt->l4_len))
			return PARSE_MALFORMED;
		pkt->sport = bpf_ntohs(udp->source);
		pkt->dport = bpf_ntohs(udp->dest);
		pkt->payload_len = (pkt->frag == FRAG_NONE ? ulen : pkt->l4_len) - sizeof(*udp);
		return PARSE_OK;
	case IPV6_NEXTHDR_ICMP:
		if (pkt->eth_proto != ETH_P_IPV6)
			return PARSE_OK;
		if (pkt->l4_len < 1)
			return short_header;
		icmp_type = cursor_pull(c, __u8);
		if (!icmp_type)
			return PARSE_MALFORMED;
		/* Neighbour discovery is link housekeeping: always passed. */
		if (*icmp_type >= ICMPV6_ND_FIRST && *icmp_type <= ICMPV6_ND_LAST)
			return PARSE_NON_SINKHOLE;
		return PARSE_OK;
	default:
		return PARSE_OK;
	}
}

#endif /* BOTSINK_PARSE_BPF_H */
