/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The stateless responder (--respond, drop verdict). Each reply is built
 * in place of the segment that asked for it and sent back with XDP_TX:
 *   SYN                        -> SYN-ACK, sequence = a SYN cookie, MSS option
 *   data with a valid cookie   -> RST (tcp), or ACK + "HTTP/1.1 200 OK" + FIN (http)
 *   any other FIN              -> RST, as a host without the connection would
 *   anything else              -> nothing: ACKs, RSTs, and data without a valid
 *                                 cookie (forged, or a request's later segment,
 *                                 which a RST could make the client lose the 200)
 * No socket and no per-connection state: a flood of spoofed SYNs allocates
 * nothing, and only a client that saw the SYN-ACK gets a check-in proven.
 */
#ifndef BOTSINK_RESPOND_BPF_H
#define BOTSINK_RESPOND_BPF_H

#include "botsink_abi.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "handshake.bpf.h"

/* Content-Length: 0 and a FIN: a bot waiting for the reply reads it and moves on. */
#define HTTP_OK "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define HTTP_OK_LEN (sizeof(HTTP_OK) - 1)

/* What goes in the reply's TCP header (host order). */
struct reply {
	__u32 seq;
	__u32 ack;
	__u16 mss; /* 0: no MSS option */
	__u16 window;
	__u8 flags;
};

/* The rule set names the port for TCP (botsink_tcp_ports). */
static __always_inline bool respond_port(__u32 ruleset, __u16 port)
{
	__u32 key = (ruleset & 1) * BOTSINK_TCP_PORT_WORDS + port / 64;
	__u64 *bits = bpf_map_lookup_elem(&botsink_tcp_ports, &key);

	return bits && (*bits >> (port % 64) & 1);
}

/*
 * Never answer what no real host would: a source that is unspecified,
 * loopback, multicast or broadcast, a frame sent to or from a group MAC
 * address, IP options or IPv6 extension headers (replies are built in
 * place), a fragment.
 */
static __always_inline bool answerable(struct xdp_md *ctx, const struct packet *pkt)
{
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	__u32 a;

	if ((void *)(eth + 1) > (void *)(long)ctx->data_end || (eth->h_dest[0] & 1) ||
	    (eth->h_source[0] & 1))
		return false;
	if (pkt->frag != FRAG_NONE || pkt->proto != IPPROTO_TCP)
		return false;
	if (pkt->eth_proto == ETH_P_IP) {
		a = bpf_ntohl(pkt->src.w[3]);
		return pkt->l4_off == pkt->l3_off + sizeof(struct iphdr) && a >> 24 != 0 &&
		       a >> 24 != 127 && a < 0xe0000000;
	}
	if (pkt->l4_off != pkt->l3_off + sizeof(struct ipv6hdr) || pkt->src.b[0] == 0xff)
		return false;
	a = pkt->src.w[0] | pkt->src.w[1] | pkt->src.w[2];
	return a || (pkt->src.w[3] != 0 && pkt->src.w[3] != bpf_htonl(1));
}

static __always_inline __u16 csum_fold(__s64 partial)
{
	__u32 sum = (__u32)partial;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

struct pseudo4 {
	__be32 saddr;
	__be32 daddr;
	__u8 zero;
	__u8 proto;
	__be16 len;
};

struct pseudo6 {
	__u8 saddr[16];
	__u8 daddr[16];
	__be32 len;
	__u8 zero[3];
	__u8 proto;
};

/* The TCP checksum's pseudo-header sum (addresses as the reply has them). */
static __always_inline __s64 pseudo_sum(const struct packet *pkt, __u32 tcp_len)
{
	if (pkt->eth_proto == ETH_P_IP) {
		struct pseudo4 p = {
			.saddr = pkt->dst.w[3],
			.daddr = pkt->src.w[3],
			.proto = IPPROTO_TCP,
			.len = bpf_htons(tcp_len),
		};

		return bpf_csum_diff(NULL, 0, (__be32 *)&p, sizeof(p), 0);
	}
	struct pseudo6 p = { .len = bpf_htonl(tcp_len), .proto = IPPROTO_TCP };

	__builtin_memcpy(p.saddr, pkt->dst.b, 16);
	__builtin_memcpy(p.daddr, pkt->src.b, 16);
	return bpf_csum_diff(NULL, 0, (__be32 *)&p, sizeof(p), 0);
}

static __always_inline void swap_macs(struct ethhdr *eth)
{
	__u8 mac[ETH_ALEN];

	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
}

/*
 * Resize the frame to the reply (Ethernet, any VLAN tags, IP, `tcp_len`
 * bytes of TCP) and write the Ethernet and IP headers: addresses swapped,
 * fresh lengths, TTL and checksum. Returns the TCP header, or NULL.
 * `tcp_len` is a constant at each call site, which lets the verifier
 * prove the bounds.
 */
static __always_inline struct tcphdr *reply_headers(struct xdp_md *ctx, const struct packet *pkt,
						    __u32 tcp_len)
{
	__u32 l3 = pkt->l3_off, ip_len;
	struct ethhdr *eth;
	void *data, *end;
	long delta;

	if (l3 > BOTSINK_MAX_L3_OFF)
		return NULL;
	ip_len = pkt->eth_proto == ETH_P_IP ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	delta = (long)(l3 + ip_len + tcp_len) - (long)(ctx->data_end - ctx->data);
	if (delta && bpf_xdp_adjust_tail(ctx, (int)delta))
		return NULL;
	/* Hide ctx from clang, which would otherwise reuse a field address it
	 * computed earlier: the verifier refuses a moved context pointer. */
	asm volatile("" : "+r"(ctx));
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return NULL;
	if (pkt->eth_proto == ETH_P_IP) {
		struct iphdr *ip = data + l3;

		if ((void *)(ip + 1) + tcp_len > end)
			return NULL;
		swap_macs(eth);
		*(__u16 *)ip = bpf_htons(0x4500); /* version 4, 20 bytes, TOS 0 */
		ip->tot_len = bpf_htons(sizeof(*ip) + tcp_len);
		ip->id = 0;
		ip->frag_off = bpf_htons(IP4_DF);
		ip->ttl = RESPOND_TTL;
		ip->protocol = IPPROTO_TCP;
		ip->check = 0;
		ip->saddr = pkt->dst.w[3];
		ip->daddr = pkt->src.w[3];
		ip->check = csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)ip, sizeof(*ip), 0));
		return (struct tcphdr *)(ip + 1);
	}
	struct ipv6hdr *ip6 = data + l3;

	if ((void *)(ip6 + 1) + tcp_len > end)
		return NULL;
	swap_macs(eth);
	*(__be32 *)ip6 = bpf_htonl(0x60000000); /* version 6, no class, no flow label */
	ip6->payload_len = bpf_htons(tcp_len);
	ip6->nexthdr = IPPROTO_TCP;
	ip6->hop_limit = RESPOND_TTL;
	__builtin_memcpy(&ip6->saddr, pkt->dst.b, 16);
	__builtin_memcpy(&ip6->daddr, pkt->src.b, 16);
	return (struct tcphdr *)(ip6 + 1);
}

/* The TCP header of a reply of `tcp_len` bytes, its checksum last. */
static __always_inline void reply_tcp(const struct packet *pkt, struct tcphdr *th,
				      const struct reply *r, __u32 hlen, __u32 tcp_len)
{
	__u8 *b = (__u8 *)th;
	__u8 tail[4] = {};
	__s64 sum;

	th->source = bpf_htons(pkt->dport);
	th->dest = bpf_htons(pkt->sport);
	th->seq = bpf_htonl(r->seq);
	th->ack_seq = bpf_htonl(r->ack);
	b[12] = hlen / 4 << 4;
	b[13] = r->flags;
	th->window = bpf_htons(r->window);
	th->check = 0;
	th->urg_ptr = 0;
	if (hlen == TCP_SYNACK_HLEN) {
		b[20] = TCPOPT_MSS;
		b[21] = 4;
		b[22] = r->mss >> 8;
		b[23] = r->mss & 0xff;
	}
	/* csum_diff takes whole words; an odd tail is summed zero-padded, as TCP pads it. */
	sum = bpf_csum_diff(NULL, 0, (__be32 *)th, tcp_len & ~3U, pseudo_sum(pkt, tcp_len));
#pragma unroll
	for (__u32 i = 0; i < (tcp_len & 3); i++)
		tail[i] = b[(tcp_len & ~3U) + i];
	if (tcp_len & 3)
		sum = bpf_csum_diff(NULL, 0, (__be32 *)tail, sizeof(tail), sum);
	th->check = csum_fold(sum);
}

/* SYN-ACK whose sequence number is a SYN cookie for this SYN. */
static __always_inline int send_syn_ack(struct xdp_md *ctx, const struct packet *pkt)
{
	struct payload_state *scratch;
	__u32 hlen = pkt->tcp_hlen, zero = 0;
	__u8 *syn;
	struct reply r = {
		.ack = pkt->seq + 1,
		.window = RESPOND_WINDOW,
		.flags = BOTSINK_TCP_SYN | BOTSINK_TCP_ACK,
	};
	struct tcphdr *th;
	__s64 cookie;
	void *ip;

	/* The helper reads th_len bytes (the SYN's options, for its MSS): the
	 * verifier wants all of them proven, so they are copied, into the
	 * payload window's scratch space (matching is over; the stack is full). */
	scratch = bpf_map_lookup_elem(&botsink_scratch, &zero);
	if (!scratch)
		return XDP_DROP;
	syn = scratch->buf;
	if (hlen < TCP_MIN_HLEN || hlen > TCP_MAX_HLEN || !frame_headers(ctx, pkt, &ip, &th) ||
	    bpf_xdp_load_bytes(ctx, pkt->l4_off, syn, hlen))
		return XDP_DROP;
	if (pkt->eth_proto == ETH_P_IP) {
		if (ip + sizeof(struct iphdr) > (void *)(long)ctx->data_end)
			return XDP_DROP;
		cookie = bpf_tcp_raw_gen_syncookie_ipv4(ip, (struct tcphdr *)syn, hlen);
	} else {
		if (ip + sizeof(struct ipv6hdr) > (void *)(long)ctx->data_end)
			return XDP_DROP;
		cookie = bpf_tcp_raw_gen_syncookie_ipv6(ip, (struct tcphdr *)syn, hlen);
	}
	if (cookie < 0)
		return XDP_DROP;
	r.seq = (__u32)cookie;
	r.mss = (__u16)(cookie >> 32);
	th = reply_headers(ctx, pkt, TCP_SYNACK_HLEN);
	if (!th)
		return XDP_DROP;
	reply_tcp(pkt, th, &r, TCP_SYNACK_HLEN, TCP_SYNACK_HLEN);
	return XDP_TX;
}

/*
 * RST: RFC 9293 3.10.7.1, what a host without the connection sends; for a
 * proven check-in, the end of it.
 */
static __always_inline int send_rst(struct xdp_md *ctx, const struct packet *pkt)
{
	struct reply r = { .flags = BOTSINK_TCP_RST };
	struct tcphdr *th;

	if (pkt->tcp_flags & BOTSINK_TCP_ACK) {
		r.seq = pkt->ack_seq;
	} else {
		r.ack = pkt->seq + pkt->payload_len + !!(pkt->tcp_flags & BOTSINK_TCP_FIN);
		r.flags |= BOTSINK_TCP_ACK;
	}
	th = reply_headers(ctx, pkt, TCP_MIN_HLEN);
	if (!th)
		return XDP_DROP;
	reply_tcp(pkt, th, &r, TCP_MIN_HLEN, TCP_MIN_HLEN);
	return XDP_TX;
}

/* A proven HTTP check-in: its data (and FIN) acknowledged, 200 OK, and our FIN. */
static __always_inline int send_http_ok(struct xdp_md *ctx, const struct packet *pkt)
{
	struct reply r = {
		.seq = pkt->ack_seq,
		.ack = pkt->seq + pkt->payload_len + !!(pkt->tcp_flags & BOTSINK_TCP_FIN),
		.window = RESPOND_WINDOW,
		.flags = BOTSINK_TCP_ACK | BOTSINK_TCP_PSH | BOTSINK_TCP_FIN,
	};
	struct tcphdr *th = reply_headers(ctx, pkt, TCP_MIN_HLEN + HTTP_OK_LEN);

	if (!th)
		return send_rst(ctx, pkt); /* no room to grow the frame */
	__builtin_memcpy((__u8 *)th + TCP_MIN_HLEN, HTTP_OK, HTTP_OK_LEN);
	reply_tcp(pkt, th, &r, TCP_MIN_HLEN, TCP_MIN_HLEN + HTTP_OK_LEN);
	return XDP_TX;
}

/*
 * The responder's answer to a TCP segment on one of its ports: XDP_TX or
 * XDP_DROP. `v`: the cookie, when counting checked it already (a
 * retransmission is not checked there, and is answered again).
 */
static __always_inline int respond(struct xdp_md *ctx, const struct packet *pkt, __u32 mode,
				   struct verify *v)
{
	__u8 flags = pkt->tcp_flags;

	if (!answerable(ctx, pkt))
		return XDP_DROP;
	if ((flags & (BOTSINK_TCP_SYN | BOTSINK_TCP_ACK | BOTSINK_TCP_RST | BOTSINK_TCP_FIN)) ==
	    BOTSINK_TCP_SYN)
		return send_syn_ack(ctx, pkt);
	if (flags & (BOTSINK_TCP_SYN | BOTSINK_TCP_RST))
		return XDP_DROP;
	if (pkt->payload_len) {
		if (v->cookie < 0)
			v->cookie = handshake_proven(ctx, pkt);
		if (v->cookie)
			return mode == BOTSINK_RESPOND_HTTP ? send_http_ok(ctx, pkt) :
							      send_rst(ctx, pkt);
	}
	return flags & BOTSINK_TCP_FIN ? send_rst(ctx, pkt) : XDP_DROP;
}

#endif /* BOTSINK_RESPOND_BPF_H */
