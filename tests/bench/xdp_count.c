// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The one-map XDP counter of the rate bench (baseline_count in
 * baseline.bpf.c, dropping what it counted), attached in native mode to an
 * interface until SIGINT or SIGTERM; then print the packets counted and the
 * distinct sources. ENTRIES sizes the counter's table (default 65,536):
 * the scale figure's million sources need a table that holds them.
 *   xdp_count IFACE [ENTRIES]
 */
#include <errno.h>
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

#define BATCH 8192 /* keys per lookup: a million sources in a few calls, not a million */

int main(int argc, char **argv)
{
	int ifindex = argc == 2 || argc == 3 ? (int)if_nametoindex(argv[1]) : 0, ncpus, fd;
	unsigned long entries = argc == 3 ? strtoul(argv[2], NULL, 10) : 0;
	unsigned long long counted = 0, sources = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct source_counter *values;
	struct in6_addr *keys;
	struct baseline *skel;
	__u32 batch, count;
	void *in = NULL;
	int err;

	if (!ifindex) {
		fprintf(stderr, "usage: xdp_count IFACE [ENTRIES]\n");
		return 2;
	}
	skel = baseline__open();
	if (skel) {
		skel->rodata->count_verdict = XDP_DROP; /* count only, as botsink --verdict drop */
		if ((entries &&
		     bpf_map__set_max_entries(skel->maps.baseline_sources, (__u32)entries)) ||
		    baseline__load(skel)) {
			baseline__destroy(skel);
			skel = NULL;
		}
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 1)
		ncpus = 1;
	values = calloc((size_t)ncpus * BATCH, sizeof(*values));
	keys = calloc(BATCH, sizeof(*keys));
	if (!skel || !values || !keys ||
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
	do {
		count = BATCH;
		err = bpf_map_lookup_batch(fd, in, &batch, keys, values, &count, &opts);
		if (err && errno != ENOENT) { /* ENOENT: the last keys */
			fprintf(stderr, "xdp_count: cannot read the counters\n");
			return 1;
		}
		for (__u32 i = 0; i < count; i++) {
			sources++;
			for (int cpu = 0; cpu < ncpus; cpu++)
				counted += values[(size_t)i * ncpus + cpu].packets;
		}
		in = &batch;
	} while (!err);
	printf("%llu %llu\n", counted, sources);
	baseline__destroy(skel);
	free(values);
	free(keys);
	return 0;
}
