// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The one-map XDP counter of the rate bench (baseline_count in
 * baseline.bpf.c, dropping what it counted), attached in native mode to an
 * interface until SIGINT or SIGTERM; then print the packets counted and the
 * distinct sources.
 *   xdp_count IFACE
 */
#include <netinet/in.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "baseline.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct source_counter {
	__u64 packets, bytes;
};

int main(int argc, char **argv)
{
	int ifindex = argc == 2 ? (int)if_nametoindex(argv[1]) : 0, ncpus, fd;
	unsigned long long counted = 0, sources = 0;
	struct source_counter *values;
	struct in6_addr key, next;
	struct baseline *skel;
	void *prev = NULL;

	if (!ifindex) {
		fprintf(stderr, "usage: xdp_count IFACE\n");
		return 2;
	}
	skel = baseline__open();
	if (skel) {
		skel->rodata->count_verdict = XDP_DROP; /* count only, as botsink --verdict drop */
		if (baseline__load(skel)) {
			baseline__destroy(skel);
			skel = NULL;
		}
	}
	ncpus = libbpf_num_possible_cpus();
	values = calloc((size_t)(ncpus > 0 ? ncpus : 1), sizeof(*values));
	if (!skel || !values ||
	    bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.baseline_count), XDP_FLAGS_DRV_MODE,
			   NULL)) {
		fprintf(stderr, "xdp_count: cannot load or attach the counter\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "xdp_count: attached\n");
	while (!stop)
		pause();
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	fd = bpf_map__fd(skel->maps.baseline_sources);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, values))
			continue;
		sources++;
		for (int cpu = 0; cpu < ncpus; cpu++)
			counted += values[cpu].packets;
	}
	printf("%llu %llu\n", counted, sources);
	baseline__destroy(skel);
	free(values);
	return 0;
}
