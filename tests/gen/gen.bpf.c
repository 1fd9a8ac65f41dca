// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * botsink-gen's live-frames sender: run by BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES, it turns the template into frame `sent`
 * (gen_frame.h) and transmits it (XDP_TX). Run without the live flag, it
 * returns the frame it would send: botsink-gen checks it against the
 * AF_PACKET sender's before sending anything.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "gen_frame.h"

const volatile struct gen_template tmpl;

__u64 sent; /* frames handed to XDP_TX; the next frame's n */

/* Write a big-endian field of 2 or 4 bytes at off, within the frame. */
static __always_inline int put(void *data, void *end, __u32 off, __u32 v, int size)
{
	__u8 *p = data;

	if (off > GEN_FRAME_MAX - 4 || (void *)(p + off + size) > end)
		return -1;
	p += off;
	if (size == 4) {
		*p++ = (__u8)(v >> 24);
		*p++ = (__u8)(v >> 16);
	}
	*p++ = (__u8)(v >> 8);
	*p = (__u8)v;
	return 0;
}

SEC("xdp")
int gen_frame(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct gen_template t = tmpl; /* volatile reads: set by the loader */
	struct gen_fields f;

	gen_fields(&t, __sync_fetch_and_add(&sent, 1), &f);
	if (put(data, end, t.saddr_off, f.saddr, 4) || put(data, end, t.l4_csum_off, f.l4_csum, 2))
		return XDP_ABORTED;
	if (t.ip_csum_off && put(data, end, t.ip_csum_off, f.ip_csum, 2))
		return XDP_ABORTED;
	if (t.seq_off && put(data, end, t.seq_off, f.seq, 4))
		return XDP_ABORTED;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
