// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * botsink-gen: send N TCP SYNs (or UDP datagrams of 32 bytes) from K
 * distinct IPv4 sources out of an interface at full rate, with
 * BPF_PROG_TEST_RUN in live frames mode (the kernel transmits what the
 * program returns XDP_TX for). For labs only: run it in a namespace of
 * your own, towards addresses inside it.
 *
 *   botsink-gen -i IFACE --dst-mac MAC --src FIRST --dst ADDR --dport PORT
 *               -n FRAMES [--sources K] [--udp]
 *
 * Prints the frames sent, the time taken and the rate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "frames.h"
#include "gen.skel.h"

#define CHUNK 1000000 /* frames per BPF_PROG_TEST_RUN call */

struct gen_opts {
	const char *ifname, *src, *dst;
	unsigned char dst_mac[6];
	unsigned long long frames;
	unsigned int sources, dport;
	bool udp;
};

static int usage(void)
{
	fprintf(stderr, "usage: botsink-gen -i IFACE --dst-mac MAC --src FIRST --dst ADDR "
			"--dport PORT -n FRAMES [--sources K] [--udp]\n");
	return 2;
}

static int parse(int argc, char **argv, struct gen_opts *o)
{
	static const struct option longopts[] = {
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "dport", required_argument, NULL, 'p' },
		{ "sources", required_argument, NULL, 'k' },
		{ "udp", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*o = (struct gen_opts){ .sources = 1 };
	while ((opt = getopt_long(argc, argv, "i:n:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			o->ifname = optarg;
			break;
		case 'n':
			o->frames = strtoull(optarg, NULL, 10);
			break;
		case 'm':
			if (sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &o->dst_mac[0],
				   &o->dst_mac[1], &o->dst_mac[2], &o->dst_mac[3], &o->dst_mac[4],
				   &o->dst_mac[5]) != 6)
				return usage();
			break;
		case 's':
			o->src = optarg;
			break;
		case 'd':
			o->dst = optarg;
			break;
		case 'p':
			o->dport = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'k':
			o->sources = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'u':
			o->udp = true;
			break;
		default:
			return usage();
		}
	}
	if (!o->ifname || !o->src || !o->dst || !o->frames || !o->sources || !o->dport ||
	    o->dport > 65535)
		return usage();
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t buf[FRAME_MAX];
	struct gen_opts o;
	struct frame f;
	struct xdp_md ctx = { 0 };
	struct gen *skel;
	struct in_addr first;
	struct timespec t0, t1;
	unsigned long long left;
	double secs;
	int ret = parse(argc, argv, &o);

	if (ret)
		return ret;
	ctx.ingress_ifindex = if_nametoindex(o.ifname);
	if (!ctx.ingress_ifindex || inet_pton(AF_INET, o.src, &first) != 1) {
		fprintf(stderr, "botsink-gen: no interface %s here, or a bad --src\n", o.ifname);
		return 2;
	}
	frame_init(&f, buf, sizeof(buf));
	ctx.data_end =
		o.udp ? (__u32)frame_udp4(&f, o.src, o.dst, 40000, (uint16_t)o.dport, 32) :
			(__u32)frame_tcp4(&f, o.src, o.dst, 40000, (uint16_t)o.dport, TH_SYN);
	memcpy(buf, o.dst_mac, 6);
	skel = gen__open();
	if (!skel)
		return 1;
	skel->rodata->sources = o.sources;
	skel->rodata->first_source = ntohl(first.s_addr);
	if (gen__load(skel)) {
		fprintf(stderr, "botsink-gen: cannot load the generator program\n");
		gen__destroy(skel);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (left = o.frames; left && !ret;) {
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = buf, .data_size_in = ctx.data_end,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);

		run.repeat = left < CHUNK ? (__u32)left : CHUNK;
		ret = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.gen_frame), &run);
		if (ret)
			fprintf(stderr, "botsink-gen: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		left -= run.repeat;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%llu frames from %u sources in %.3f s (%.2f Mpps)\n",
	       (unsigned long long)skel->bss->sent, o.sources, secs,
	       (double)skel->bss->sent / secs / 1e6);
	gen__destroy(skel);
	return ret ? 1 : 0;
}
