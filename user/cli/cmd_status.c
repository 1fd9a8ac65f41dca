// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* botsink status: read the pinned maps; works for ip link loads too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "botsink_abi.h"
#include "bus/publish.h"
#include "cli/commands.h"
#include "kernel/census.h"
#include "kernel/counters.h"
#include "kernel/install.h"
#include "kernel/loader.h"
#include "lib/keywords.h"
#include "lib/log.h"
#include "lib/util.h"
#include "sensor/control.h"

static void print_attachments(const struct botsink_maps *m)
{
	struct xdp_attachment at[16];
	size_t n = find_attachments(m, at, ARRAY_SIZE(at));

	for (size_t i = 0; i < n && i < ARRAY_SIZE(at); i++)
		printf("%-11s%s (ifindex %u): %s XDP, program %s id %u\n",
		       i ? "" : "attached:", at[i].ifname, at[i].ifindex, at[i].mode, at[i].prog,
		       at[i].id);
	if (!n)
		printf("attached:  nowhere in this network namespace\n");
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
	/* The counts beyond the buckets, in the order an operator reads them. */
	static const struct {
		enum botsink_stat stat;
		const char *about;
	} extras[] = {
		{ BOTSINK_VLAN, "frames with a VLAN tag" },
		{ BOTSINK_TABLE_FULL, "counted in an overflow table: the source's table was full" },
		{ BOTSINK_UNCOUNTED,
		  "of those, in no table at all: no daemon had set up the catch-alls" },
		{ BOTSINK_VERIFIED, "TCP check-ins whose handshake a SYN cookie proved" },
		{ BOTSINK_RESPONSES, "frames the responder answered" },
		{ BOTSINK_COOKIE_FAILED,
		  "TCP check-ins whose cookie check failed: later segments, or forged" },
		{ BOTSINK_VERIFY_REFUSED,
		  "valid cookies not counted: their source failed too many checks" },
		{ BOTSINK_PREFILTER_FULL,
		  "packets whose fast patterns named more rules than are checked" },
		{ BOTSINK_EVIDENCE, "evidence samples of new sources handed to the daemon" },
		{ BOTSINK_EVIDENCE_LOST,
		  "new sources without an evidence sample: the ring was full" },
	};
	_Static_assert(ARRAY_SIZE(extras) == BOTSINK_NSTATS - BOTSINK_CLASS_COUNT,
		       "every statistic beyond the buckets is shown");
	__u64 v[BOTSINK_NSTATS], total = 0;

	if (census_stats(m, v))
		return;
	printf("frames:\n");
	for (int i = 0; i < BOTSINK_CLASS_COUNT; i++) {
		printf("  %-14s %14llu\n", botsink_stat_names[i], (unsigned long long)v[i]);
		total += v[i];
	}
	printf("  %-14s %14llu  (the buckets above add up to it)\n", "total",
	       (unsigned long long)total);
	for (size_t i = 0; i < ARRAY_SIZE(extras); i++)
		printf("  %-14s %14llu  (%s)\n", botsink_stat_names[extras[i].stat],
		       (unsigned long long)v[extras[i].stat], extras[i].about);
}

static void print_families(const struct botsink_maps *m)
{
	struct census_family *fam = NULL;
	struct census_rule *r;
	size_t n, nfam = 0;

	if (census_rules(m, &r, &n))
		return;
	census_families(r, n, &fam, &nfam);
	printf("families (totals since the maps were created; rules: loaded now):\n  %-24s %6s %14s %16s %14s %14s\n",
	       "family", "rules", "packets", "bytes", "check-ins", "verified");
	for (size_t f = 0; f < nfam; f++)
		printf("  %-24s %6u %14llu %16llu %14llu %14llu\n", fam[f].name, fam[f].rules,
		       (unsigned long long)fam[f].hits.packets,
		       (unsigned long long)fam[f].hits.bytes,
		       (unsigned long long)fam[f].hits.checkins,
		       (unsigned long long)fam[f].hits.checkins_verified);
	free(fam);
	free(r);
}

struct status_opts {
	const char *pin_dir;
	const char *state_dir;
};

static int status_main(void *opts, char **args)
{
	const struct status_opts *o = opts;
	struct botsink_config cfg = { 0 };
	struct botsink_maps m;
	char err[512];
	__u32 zero = 0;

	(void)args;
	log_route_libraries();
	if (maps_open_pinned(o->pin_dir, &m, err, sizeof(err))) {
		fprintf(stderr, "botsink status: %s\n", err);
		return EXIT_RUNTIME;
	}
	printf("pins:      %s\n", o->pin_dir);
	print_attachments(&m);
	bpf_map_lookup_elem(m.config, &zero, &cfg);
	printf("config:    verdict %s, responder %s, rule set %u, counting into generation %u\n",
	       keyword_name(verdict_names, (int)cfg.verdict, "pass"),
	       keyword_name(respond_names, (int)cfg.respond, "none"), cfg.ruleset,
	       cfg.generation & 1);
	print_drain(&m);
	snprintf(err, sizeof(err), "%s/%s", o->state_dir, PUBLISH_STATUS_FILE);
	publish_status_print(stdout, err);
	print_stats(&m);
	print_families(&m);
	maps_close(&m);
	return EXIT_OK;
}

static const struct opt status_opts[] = {
	OPT_PIN_DIR_ROW(struct status_opts, pin_dir),
	OPT_ROW(struct status_opts, "state-dir", "DIR", OPT_STRING, state_dir,
		.help = "the run's state directory: the publisher's state\n"
			"(default: " DEFAULT_STATE_DIR ")\n"),
	OPT_END,
};

static const struct status_opts status_defaults = { .pin_dir = BOTSINK_DEFAULT_PIN_DIR,
						    .state_dir = DEFAULT_STATE_DIR };

static const struct command_group status_group = {
	.intro = "Show where the botsink program is attached (in this network namespace),\n"
		 "its configuration, the frame statistics and the per-family totals, read\n"
		 "from the maps pinned under DIR (default " BOTSINK_DEFAULT_PIN_DIR
		 "; use\n" BOTSINK_IPROUTE2_PIN_DIR " when ip link loaded the object).\n",
	.outro = "Exit status: 0 shown, 1 no botsink maps under DIR, 2 bad usage.\n",
	.column = 28,
};

const struct command status_command =
	COMMAND(struct status_opts, "status", status_opts, &status_defaults, status_main,
		&status_group, .summary = "what is attached where, global and per-family counters");
