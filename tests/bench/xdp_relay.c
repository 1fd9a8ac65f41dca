// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The rate bench's relay (relay.bpf.c): attach, in native mode, a program
 * to FROM that redirects every frame it receives into TO, then exit; the
 * attachment keeps the program (until it is detached or FROM is gone).
 * Prints the program's id, for its bpf_stats.
 *   xdp_relay FROM TO
 */
#include <net/if.h>
#include <stdio.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "relay.skel.h"

int main(int argc, char **argv)
{
	int from = argc == 3 ? (int)if_nametoindex(argv[1]) : 0;
	int to = argc == 3 ? (int)if_nametoindex(argv[2]) : 0;
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct relay *skel;
	int fd;

	if (!from || !to) {
		fprintf(stderr, "usage: xdp_relay FROM TO (interfaces in this namespace)\n");
		return 2;
	}
	skel = relay__open();
	if (!skel) {
		fprintf(stderr, "xdp_relay: cannot open the program\n");
		return 1;
	}
	skel->rodata->relay_ifindex = (__u32)to;
	fd = relay__load(skel) ? -1 : bpf_program__fd(skel->progs.relay_redirect);
	if (fd < 0 || bpf_xdp_attach(from, fd, XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "xdp_relay: cannot load or attach the relay\n");
		relay__destroy(skel);
		return 1;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "xdp_relay: attached, but cannot read its id: detached again\n");
		bpf_xdp_detach(from, XDP_FLAGS_DRV_MODE, NULL);
		relay__destroy(skel);
		return 1;
	}
	printf("%u\n", info.id);
	relay__destroy(skel);
	return 0;
}
