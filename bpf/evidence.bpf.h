/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Evidence: a sample of the check-in that created a source's key, handed to
 * the daemon through botsink_evidence (see the ABI). It costs new keys
 * only: a repeated packet of a known key never comes here.
 */
#ifndef BOTSINK_EVIDENCE_BPF_H
#define BOTSINK_EVIDENCE_BPF_H

#include "botsink_abi.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "content.bpf.h"
#include "match.bpf.h"

static __always_inline void evidence_range(struct botsink_evidence *e, __u32 f, __u32 lo, __u32 hi)
{
	f = bound(f, 7);
	if (f >= BOTSINK_EV_FIELDS || hi <= lo)
		return;
	e->lo[f] = lo;
	e->hi[f] = hi;
}

/*
 * What the payload says, parsed if the rule search did not need it: an
 * HTTP request in a TCP segment, a DNS query to port 53 (or wherever a
 * rule read one).
 */
static __always_inline void evidence_payload(struct botsink_evidence *e, struct payload_state *st,
					     const struct packet *pkt, struct payload_use *use)
{
	if (pkt->proto == IPPROTO_TCP && !(st->ready & READY_HTTP))
		parse_http(st);
	if (pkt->proto == IPPROTO_UDP && pkt->dport == 53)
		dns_once(st, use);
	e->window_len = st->wlen;
	__builtin_memcpy(e->window, st->buf, BOTSINK_WINDOW);
	if ((st->ready & READY_HTTP) && st->http_ok) {
		e->flags |= BOTSINK_EV_HTTP;
		evidence_range(e, BOTSINK_EV_HTTP_METHOD, st->lo[BOTSINK_BUF_HTTP_METHOD],
			       st->hi[BOTSINK_BUF_HTTP_METHOD]);
		evidence_range(e, BOTSINK_EV_HTTP_URI, st->lo[BOTSINK_BUF_HTTP_URI],
			       st->hi[BOTSINK_BUF_HTTP_URI]);
		evidence_range(e, BOTSINK_EV_HTTP_AGENT, st->lo[BOTSINK_BUF_HTTP_USER_AGENT],
			       st->hi[BOTSINK_BUF_HTTP_USER_AGENT]);
		evidence_range(e, BOTSINK_EV_HTTP_HOST, st->e_host_lo, st->e_host_hi);
		evidence_range(e, BOTSINK_EV_HTTP_REFERER, st->e_ref_lo, st->e_ref_hi);
	}
	if ((st->ready & READY_DNS) && st->dns == DNS_OK) {
		e->flags |= BOTSINK_EV_DNS;
		e->dns_qtype = st->dns_qtype;
		e->dns_len = st->d_out;
		__builtin_memcpy(e->dns_name, &st->buf[SCRATCH_DNS], sizeof(e->dns_name));
	}
}

/*
 * Hand the sample of the check-in that created the key of the rule the
 * search found (res) in generation `gen` to the daemon, if botsink_config
 * asks for evidence, and count it, or its loss when the ring is full. A
 * global function: verified once, and off the caller's stack.
 */
__noinline int hand_evidence(struct xdp_md *ctx, const struct packet *pkt, struct rule_search *res,
			     __u32 gen, struct botsink_stats *stats)
{
	const struct botsink_config *cfg;
	struct botsink_evidence *e;
	struct payload_state *st;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&botsink_config, &zero);
	if (!pkt || !res || !stats || !cfg || !*(volatile const __u32 *)&cfg->evidence)
		return 0;
	e = bpf_ringbuf_reserve(&botsink_evidence, sizeof(*e), 0);
	if (!e) {
		stats->evidence_lost++;
		return 0;
	}
	__builtin_memcpy(e->src_addr, pkt->src.b, 16);
	__builtin_memcpy(e->dst_addr, pkt->dst.b, 16);
	e->sid = res->found ? res->sid : 0;
	e->gen = gen;
	e->time_ns = bpf_ktime_get_coarse_ns();
	e->src_port = pkt->sport;
	e->dst_port = pkt->dport;
	e->protocol = pkt->proto;
	e->flags = 0;
	e->dns_qtype = 0;
	e->payload_len = pkt->payload_len;
	e->window_len = 0;
	e->dns_len = 0;
	__builtin_memset(e->lo, 0, sizeof(e->lo));
	__builtin_memset(e->hi, 0, sizeof(e->hi));
	st = pkt->payload_len ? scratch_for(ctx, pkt, &res->payload) : NULL;
	if (st)
		evidence_payload(e, st, pkt, &res->payload);
	bpf_ringbuf_submit(e, 0);
	stats->evidence++;
	return 1;
}

#endif /* BOTSINK_EVIDENCE_BPF_H */
