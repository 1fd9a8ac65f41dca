/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-CPU work space for payload matching: the first BOTSINK_WINDOW bytes
 * of the payload, the buffers parsed from them (as ranges of buf), and the
 * state of a rule's content check. Parsing is lazy: each part is done at
 * most once per packet, when a candidate rule first needs it.
 */
#ifndef BOTSINK_SCRATCH_BPF_H
#define BOTSINK_SCRATCH_BPF_H

#include "botsink_abi.h"
#include "consts.bpf.h"

#define WINDOW_MASK (BOTSINK_WINDOW - 1)

enum payload_ready {
	READY_WINDOW = 1,
	READY_HTTP = 2,
	READY_DNS = 4,
	READY_PREFILTER = 8,
	READY_DOMAIN = 16,
};

enum dns_state {
	DNS_NONE = 0, /* not a DNS query */
	DNS_OK,
	DNS_MALFORMED, /* a query whose question cannot be read */
};

struct payload_state {
	__u32 ready; /* enum payload_ready; reset for every packet */
	__u32 ruleset;
	__u32 plen; /* payload bytes per the IP and transport lengths (dsize) */
	__u32 wlen; /* of which buf[0, wlen) holds the first ones */
	__u32 scan_id; /* prefilter stamp of this packet; kept across packets */
	__u32 http_ok;
	__u32 dns; /* enum dns_state */
	__u32 dns_qtype;
	__u64 domain_lists; /* the domain lists holding the name (bit n: list n) */
	__u16 lo[BOTSINK_BUF_COUNT]; /* buffer b is buf[lo[b], hi[b]) */
	__u16 hi[BOTSINK_BUF_COUNT];
	/* Walks over the window, kept here rather than on the stack so that
	 * the verifier checks each bpf_loop step once, not once per value. */
	__u32 h_phase;
	__u32 h_pos; /* the next byte to look at */
	__u32 h_mark;
	__u32 h_kind;
	__u32 h_colon;
	/* Evidence only (evidence.bpf.h): the Host and Referer values, as window ranges. */
	__u16 e_host_lo, e_host_hi, e_ref_lo, e_ref_hi;
	__u32 d_label_left;
	__u32 d_out;
	__u32 d_end;
	__u32 d_malformed;
	struct botsink_domain_key d_key;
	__u32 d_len;
	__u64 d_lists;
	__u32 p_pos;
	__u32 p_first;
	__u32 p_seen; /* the last pattern verified is there */
	__u32 nhits; /* rules named by the prefilter (may exceed the list) */
	__u16 hits[BOTSINK_PREFILTER_HITS]; /* botsink_fastpat.hit of each, in the order found */
	/* One rule's content check (content.bpf.h). */
	__u32 m_first;
	__u32 m_n;
	__u32 m_k;
	__u32 m_pos;
	__u32 m_result;
	__u32 m_end[BOTSINK_RULE_CONTENTS];
	__u32 m_next[BOTSINK_RULE_CONTENTS];
	struct botsink_counter fresh; /* a new counter's first value */
	/* Room for an 8-byte load at any index below SCRATCH_SIZE + 64. */
	__u8 buf[SCRATCH_SIZE + BOTSINK_CONTENT_MAX + 8];
};

#endif /* BOTSINK_SCRATCH_BPF_H */
