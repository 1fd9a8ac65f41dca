// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Baselines for `make bench`, measured beside botsink in the same run:
 * a trivial XDP_DROP, and the least a dual-stack per-source counter must
 * do: parse Ethernet and IPv4/IPv6, then one per-CPU hash keyed by the
 * 16-byte source address (IPv4-mapped), counting packets and bytes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct source_counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536); /* preallocated, as botsink's counters */
	__type(key, struct in6_addr);
	__type(value, struct source_counter);
} baseline_sources SEC(".maps");

/* What baseline_count returns: the rate bench counts only, as botsink --verdict drop. */
const volatile __u32 count_verdict = XDP_PASS;

SEC("xdp")
int baseline_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int baseline_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct in6_addr key = {};
	struct source_counter *c, fresh = { 1, 0 };

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(0x0800)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return XDP_PASS;
		key.in6_u.u6_addr32[2] = bpf_htonl(0xffff);
		key.in6_u.u6_addr32[3] = ip->saddr;
	} else if (eth->h_proto == bpf_htons(0x86DD)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		key = ip6->saddr;
	} else {
		return XDP_PASS;
	}
	c = bpf_map_lookup_elem(&baseline_sources, &key);
	if (c) {
		c->packets++;
		c->bytes += end - data;
	} else {
		fresh.bytes = end - data;
		bpf_map_update_elem(&baseline_sources, &key, &fresh, BPF_NOEXIST);
	}
	return count_verdict;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
