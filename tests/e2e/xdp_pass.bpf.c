// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Passes every frame. For the lab's bots end: a veth interface takes the
 * frames its peer sends with XDP_TX (the responder's replies) at once only
 * while it runs an XDP program itself; without one they wait in its ring
 * until ordinary traffic arrives.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
