/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What botsink-gen sends: frame n of a run comes from source
 * first + n % sources (the low 32 bits of an IPv6 source) and, for TCP,
 * is that source's (n / sources + 1)-th SYN (its sequence number), so
 * every SYN is a new check-in. Everything else is the template's.
 *
 * Both senders build frame n from this one definition: the AF_PACKET
 * sender in userspace (gen.c), the live-frames program in the kernel
 * (gen.bpf.c). gen_fields() is plain arithmetic on the template's partial
 * checksums, written for both compilers; it never reads the frame, since a
 * live frame's page holds whatever the last run left in it.
 */
#ifndef BOTSINK_GEN_FRAME_H
#define BOTSINK_GEN_FRAME_H

#ifndef __bpf__
#include <linux/types.h> /* the BPF side has vmlinux.h */
#endif

#define GEN_FRAME_MAX 128 /* the largest frame: Ethernet, IPv6, UDP, 32 bytes */

/* How frame n differs from the template frame (kept by the caller). */
struct gen_template {
	__u32 len; /* frame bytes */
	__u32 sources; /* distinct sources, >= 1 */
	__u32 first_source; /* the low 32 bits of the first source, host order */
	__u32 saddr_off; /* offset of those 32 bits in the frame */
	__u32 ip_csum_off; /* the IPv4 header checksum; 0: IPv6 (none) */
	__u32 l4_csum_off; /* the TCP or UDP checksum */
	__u32 seq_off; /* the TCP sequence number; 0: UDP, whose zero checksum is sent as 0xffff */
	__u32 ip_sum; /* one's complement sum of the IPv4 header but those */
	__u32 l4_sum; /* of the pseudo-header and the segment but those */
};

/* The fields that differ from frame to frame, host order. */
struct gen_fields {
	__u32 saddr; /* the source's low 32 bits */
	__u32 seq; /* TCP only */
	__u16 ip_csum; /* IPv4 only (computed for IPv6 too, never written) */
	__u16 l4_csum;
};

static inline __u16 gen_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static inline void gen_fields(const struct gen_template *t, __u64 n, struct gen_fields *f)
{
	__u32 words;

	f->saddr = t->first_source + (__u32)(n % t->sources);
	f->seq = (__u32)(n / t->sources) + 1;
	words = (f->saddr >> 16) + (f->saddr & 0xffff);
	f->ip_csum = gen_fold(t->ip_sum + words);
	if (t->seq_off)
		words += (f->seq >> 16) + (f->seq & 0xffff);
	f->l4_csum = gen_fold(t->l4_sum + words);
	if (!t->seq_off && !f->l4_csum)
		f->l4_csum = 0xffff;
}

#endif /* BOTSINK_GEN_FRAME_H */
