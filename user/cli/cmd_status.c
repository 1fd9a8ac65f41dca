// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* botsink status: read the pinned maps; works for ip link loads too. */
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "botsink_abi.h"
#include "cli/commands.h"
#include "kernel/counters.h"
#include "kernel/loader.h"
#include "lib/log.h"
#include "lib/util.h"

static const char status_usage[] =
	"Usage: botsink status [--pin-dir DIR]\n"
	"\n"
	"Show where the botsink program is attached (in this network namespace),\n"
	"its configuration, the frame statistics and the per-family totals, read\n"
	"from the maps pinned under DIR (default " BOTSINK_DEFAULT_PIN_DIR
	"; use\n" BOTSINK_IPROUTE2_PIN_DIR " when ip link loaded the object).\n"
	"\n"
	"Exit status: 0 shown, 1 no botsink maps under DIR, 2 bad usage.\n";

static void print_attachments(const struct botsink_maps *m)
{
	struct if_nameindex *ifs = if_nameindex();
	int shown = 0;

	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		char name[BPF_OBJ_NAME_LEN];
		const char *mode;
		__u32 id = find_attached((int)i->if_index, m, &mode, name, sizeof(name));

		if (id)
			printf("%-11s%s (ifindex %u): %s XDP, program %s id %u\n",
			       shown++ ? "" : "attached:", i->if_name, i->if_index, mode, name, id);
	}
	if (!shown)
		printf("attached:  nowhere in this network namespace\n");
	if (ifs)
		if_freenameindex(ifs);
}

static int read_percpu_sum(int fd, __u32 key, void *sum, size_t size, size_t words)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *values, *out = sum;

	if (ncpus <= 0)
		return -1;
	values = calloc((size_t)ncpus, size);
	if (!values)
		return -1;
	if (bpf_map_lookup_elem(fd, &key, values)) {
		free(values);
		return -1;
	}
	memset(sum, 0, size);
	for (int cpu = 0; cpu < ncpus; cpu++)
		for (size_t w = 0; w < words; w++)
			out[w] += values[(size_t)cpu * (size / sizeof(__u64)) + w];
	free(values);
	return 0;
}

static void print_drain(const struct botsink_maps *m)
{
	static const char *const phases[] = { "idle", "writing", "clearing" };
	struct botsink_drain_state st;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->drain, &zero, &st))
		return;
	printf("drain:     epoch %llu committed, %s; spool %llu bytes waiting for the feed\n",
	       (unsigned long long)st.epoch, st.phase < 3 ? phases[st.phase] : "?",
	       (unsigned long long)(st.spool_size - st.spool_head));
}

static void print_stats(const struct botsink_maps *m)
{
	static const char *const names[] = { "non_ip",	      "non_sinkhole", "malformed",
					     "fragment",      "matched",      "unclassified",
					     "table_full",    "vlan",	      "uncounted",
					     "verified",      "responses",    "cookie_failed",
					     "verify_refused" };
	struct botsink_stats st;
	__u64 *v = (__u64 *)&st, total = 0;

	if (read_percpu_sum(m->stats, 0, &st, sizeof(st), sizeof(st) / sizeof(__u64)))
		return;
	printf("frames:\n");
	for (int i = 0; i < BOTSINK_CLASS_COUNT; i++) {
		printf("  %-14s %14llu\n", names[i], (unsigned long long)v[i]);
		total += v[i];
	}
	printf("  %-14s %14llu  (the buckets above add up to it)\n", "total",
	       (unsigned long long)total);
	printf("  %-14s %14llu  (frames with a VLAN tag)\n", names[7], (unsigned long long)st.vlan);
	printf("  %-14s %14llu  (counted in an overflow table: the source's table was full)\n",
	       names[6], (unsigned long long)st.table_full);
	printf("  %-14s %14llu  (of those, in no table at all: no daemon had set up the catch-alls)\n",
	       names[8], (unsigned long long)st.uncounted);
	printf("  %-14s %14llu  (TCP check-ins whose handshake a SYN cookie proved)\n", names[9],
	       (unsigned long long)st.verified);
	printf("  %-14s %14llu  (frames the responder answered)\n", names[10],
	       (unsigned long long)st.responses);
	printf("  %-14s %14llu  (TCP check-ins whose cookie check failed: later segments, or forged)\n",
	       names[11], (unsigned long long)st.cookie_failed);
	printf("  %-14s %14llu  (valid cookies not counted: their source failed too many checks)\n",
	       names[12], (unsigned long long)st.verify_refused);
}

struct family_total {
	char name[BOTSINK_FAMILY_LEN];
	unsigned int rules;
	__u64 packets, bytes;
};

static void print_families(const struct botsink_maps *m)
{
	struct family_total *fam = calloc(BOTSINK_MAX_RULES, sizeof(*fam));
	size_t nfam = 0;

	if (!fam)
		return;
	for (__u32 slot = 0; slot < BOTSINK_MAX_RULES; slot++) {
		struct botsink_rule_info info;
		struct botsink_rule_hits hits;
		size_t f;

		if (bpf_map_lookup_elem(m->rules, &slot, &info) || (!info.sid && slot) ||
		    read_percpu_sum(m->hits, slot, &hits, sizeof(hits), 2))
			continue;
		info.family[sizeof(info.family) - 1] = '\0';
		for (f = 0; f < nfam && strcmp(fam[f].name, info.family); f++)
			;
		if (f == nfam)
			snprintf(fam[nfam++].name, sizeof(fam->name), "%s", info.family);
		fam[f].rules += slot != 0 && info.live;
		fam[f].packets += hits.packets;
		fam[f].bytes += hits.bytes;
	}
	printf("families (totals since the maps were created; rules: loaded now):\n  %-24s %6s %14s %16s\n",
	       "family", "rules", "packets", "bytes");
	for (size_t f = 0; f < nfam; f++)
		printf("  %-24s %6u %14llu %16llu\n", fam[f].name, fam[f].rules,
		       (unsigned long long)fam[f].packets, (unsigned long long)fam[f].bytes);
	free(fam);
}

int cmd_status(int argc, char **argv)
{
	static const struct option options[] = {
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pin_dir = BOTSINK_DEFAULT_PIN_DIR;
	struct botsink_config cfg = { 0 };
	struct botsink_maps m;
	char err[512];
	__u32 zero = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'p') {
			pin_dir = optarg;
		} else if (opt == 'h') {
			fputs(status_usage, stdout);
			return EXIT_OK;
		} else {
			fputs(status_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(status_usage, stderr);
		return EXIT_USAGE;
	}
	log_route_libraries();
	if (maps_open_pinned(pin_dir, &m, err, sizeof(err))) {
		fprintf(stderr, "botsink status: %s\n", err);
		return EXIT_RUNTIME;
	}
	printf("pins:      %s\n", pin_dir);
	print_attachments(&m);
	bpf_map_lookup_elem(m.config, &zero, &cfg);
	printf("config:    verdict %s, responder %s, rule set %u, counting into generation %u\n",
	       cfg.verdict == BOTSINK_VERDICT_DROP ? "drop" : "pass",
	       cfg.respond == BOTSINK_RESPOND_TCP  ? "tcp" :
	       cfg.respond == BOTSINK_RESPOND_HTTP ? "http" :
						     "none",
	       cfg.ruleset, cfg.generation & 1);
	print_drain(&m);
	print_stats(&m);
	print_families(&m);
	maps_close(&m);
	return EXIT_OK;
}
