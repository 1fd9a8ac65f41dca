/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Proving a TCP handshake without state. A SYN-ACK that carries a SYN
 * cookie (the kernel's with net.ipv4.tcp_syncookies=2, or the responder's)
 * encodes the connection and a keyed hash in its sequence number; the
 * client's next segments acknowledge cookie + 1 with sequence ISN + 1. A
 * sender that forges the source address never sees the SYN-ACK, so it
 * cannot produce a segment that passes the check, except by guessing
 * (botsink_vguard bounds that). Only the handshake ACK and the first data
 * segment pass (later ones have moved the sequence).
 */
#ifndef BOTSINK_HANDSHAKE_BPF_H
#define BOTSINK_HANDSHAKE_BPF_H

#include "maps.bpf.h"
#include "parse.bpf.h"

/* IP and TCP headers of the frame, bounds-checked, or false. */
static __always_inline bool frame_headers(struct xdp_md *ctx, const struct packet *pkt, void **ip,
					  struct tcphdr **th)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	/* The parsers never leave a larger offset; the masks show the
	 * verifier the bound that clang would drop as redundant. */
	__u32 l3 = pkt->l3_off & 0x1f, l4 = pkt->l4_off & BOTSINK_MAX_HEADER_OFFSET;
	__u32 ip_len = pkt->eth_proto == ETH_P_IP ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);

	if (l3 > BOTSINK_MAX_L3_OFF)
		return false;
	*ip = data + l3;
	*th = data + l4;
	return *ip + ip_len <= end && (void *)(*th + 1) <= end;
}

/* What is known of a segment's handshake. */
struct verify {
	bool can; /* a SYN-ACK with a cookie may have been sent: pass verdict, or the responder's port */
	__s8 cookie; /* -1: not checked; 0: no valid cookie; 1: a valid one */
};

/* A TCP data segment that acknowledges a valid SYN cookie. */
static __always_inline bool handshake_proven(struct xdp_md *ctx, const struct packet *pkt)
{
	struct tcphdr *th;
	void *ip;

	if (pkt->proto != IPPROTO_TCP || !pkt->payload_len ||
	    (pkt->tcp_flags & (BOTSINK_TCP_ACK | BOTSINK_TCP_SYN | BOTSINK_TCP_RST)) !=
		    BOTSINK_TCP_ACK)
		return false;
	if (!frame_headers(ctx, pkt, &ip, &th))
		return false;
	if (pkt->eth_proto == ETH_P_IP) {
		struct iphdr *ip4 = ip;

		if ((void *)(ip4 + 1) > (void *)(long)ctx->data_end)
			return false;
		return bpf_tcp_raw_check_syncookie_ipv4(ip4, th) == 0;
	}
	if ((void *)((struct ipv6hdr *)ip + 1) > (void *)(long)ctx->data_end)
		return false;
	return bpf_tcp_raw_check_syncookie_ipv6(ip, th) == 0;
}

/* The source's bucket in botsink_vguard. */
static __always_inline struct botsink_guard *guard_of(const struct packet *pkt)
{
	__u32 index = botsink_hash_words(pkt->src.w, 4) & (BOTSINK_GUARD_BUCKETS - 1);

	return bpf_map_lookup_elem(&botsink_vguard, &index);
}

/*
 * A TCP check-in with data whose handshake is proven: a valid cookie,
 * from a source that has not failed more than BOTSINK_GUARD_FAILURES
 * checks in the current window. Records the cookie's validity in `v`.
 * For TCP check-ins (count_source).
 */
static __always_inline bool handshake_verified(struct xdp_md *ctx, const struct packet *pkt,
					       __u64 now, struct verify *v,
					       struct botsink_stats *stats)
{
	__u32 window = (__u32)(now >> BOTSINK_GUARD_WINDOW_SHIFT);
	struct botsink_guard *g;

	if (!v->can || !pkt->payload_len)
		return false;
	v->cookie = handshake_proven(ctx, pkt);
	g = guard_of(pkt);
	if (!g)
		return false;
	if (!v->cookie) {
		stats->cookie_failed++;
		if (g->window != window) {
			g->window = window;
			g->failures = 1;
		} else {
			__sync_fetch_and_add(&g->failures, 1);
		}
		return false;
	}
	if (g->window == window && g->failures > BOTSINK_GUARD_FAILURES) {
		stats->verify_refused++;
		return false;
	}
	return true;
}

#endif /* BOTSINK_HANDSHAKE_BPF_H */
