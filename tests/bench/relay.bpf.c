// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The rate bench's frame path: live frames (BPF_F_TEST_XDP_LIVE_FRAMES)
 * are refused on some kernels, so the generator's socket buffers go into a
 * relay veth pair instead, and this program, on the relay's receiving end,
 * redirects every frame into the lab's sender end (bots0). The sink's
 * veth then takes them as XDP frames from its peer's ndo_xdp_xmit, as a
 * driver would from a NIC ring, not as socket buffers it must copy first.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Where the frames go: set by xdp_relay before loading. */
const volatile __u32 relay_ifindex;

SEC("xdp")
int relay_redirect(struct xdp_md *ctx)
{
	return bpf_redirect(relay_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
