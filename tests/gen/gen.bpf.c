// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The traffic generator's XDP program, run in BPF_PROG_TEST_RUN's live
 * frames mode: every run rewrites the template frame (an IPv4 TCP SYN, or
 * a UDP datagram) to come from the next of `sources` addresses (a SYN with
 * a fresh sequence number), and transmits it out of the interface (XDP_TX).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __u32 sources = 1; /* distinct source addresses */
const volatile __u32 first_source = 0; /* host order */

__u64 sent; /* frames handed to XDP_TX */

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int gen_frame(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp = (void *)(ip + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u16 *words = (__u16 *)ip;
	__u32 sum = 0;
	__u64 n;

	if ((void *)(udp + 1) > end || ip->ihl != 5)
		return XDP_ABORTED;
	n = __sync_fetch_and_add(&sent, 1);
	ip->saddr = bpf_htonl(first_source + (__u32)(n % sources));
	if (ip->protocol == IPPROTO_TCP) {
		if ((void *)(tcp + 1) > end)
			return XDP_ABORTED;
		/* Each SYN a new check-in: its source's n-th sequence number. */
		tcp->seq = bpf_htonl((__u32)(n / sources) + 1);
	} else {
		udp->check = 0; /* none: IPv4 allows it */
	}
	ip->check = 0;
#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += words[i];
	ip->check = csum_fold(sum);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
