// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* botsink hub: the options of the hub (hub/hub.h), as data. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "bus/topology.h"
#include "cli/commands.h"
#include "hub/hub.h"
#include "lib/log.h"
#include "lib/util.h"

#define HUB_OPT(...) OPT_ROW(struct hub_config, __VA_ARGS__)

static const struct opt hub_opts[] = {
	OPT_BUS_ROWS(struct hub_config, urls, auth_file, ca_file,
		     "the hub's credentials file (botsink nats-config)\n"),
	HUB_OPT("partners", "FILE", OPT_STRING, partners_path,
		.help = "the partners (as botsink run's): each gets the records\n"
			"of its scope on botsink.partner.NAME (and in its output\n"
			"file, when it has one: at least once)\n"),
	HUB_OPT("mmdb-asn", "FILE", OPT_STRING, mmdb_asn,
		.help = "MaxMind-format ASN database: src_asn, src_as_name\n"),
	HUB_OPT("mmdb-geo", "FILE", OPT_STRING, mmdb_geo,
		.help = "MaxMind-format Country or City database: src_geo\n"),
	HUB_OPT("anon", "MODE", OPT_KEYWORD, anon, .keywords = anon_modes,
		.help = "the public view's anonymization (default: ipcrypt-pfx)\n"),
	HUB_OPT("format", "FORMAT", OPT_KEYWORD, format, .keywords = record_formats,
		.help = "the public view's format (default: jsonl)\n"),
	HUB_OPT("verified-only", NULL, OPT_FLAG, verified_only,
		.help = "leave unverified TCP check-ins out of the public view\n"),
	HUB_OPT("evidence", "LEVEL", OPT_KEYWORD, evidence, .keywords = evidence_levels,
		.help = "what the public view shows of what sources sent, of\n"
			"what sensors publish: none (default), host, path or\n"
			"full (as botsink run --evidence)\n"),
	HUB_OPT("no-public", NULL, OPT_FLAG, no_public,
		.help = "publish no public view (botsink.public), partners' only\n"),
	HUB_OPT("key-rotate", "WHEN", OPT_KEYWORD, key_rotate, .keywords = key_rotations,
		.help = "new ipcrypt keys every hour or day, the same for every\n"
			"hub (default: never)\n"),
	HUB_OPT("key-retention", "TIME", OPT_DURATION, key_retention, .min = 1, .max = LLONG_MAX,
		.help = "keep superseded keys this long (default: 7d)\n"),
	OPT_TRUNCATE_ROW(struct hub_config,
			 .help = "prefix lengths kept by anon truncate, and of the network\n"
				 "beside a pseudonym (default: 24,48)\n"),
	HUB_OPT("state-dir", "DIR", OPT_STRING, state_dir,
		.help = "the hub's keys (default: " DEFAULT_HUB_STATE_DIR ")\n"),
	HUB_OPT("replicas", "N", OPT_UINT32, replicas, .min = 1, .max = 5,
		.help = "replicas of the streams and the key bucket it creates when\n"
			"missing (default: 3)\n"),
	HUB_OPT("batch", "N", OPT_UINT32, batch, .min = 1, .max = HUB_BATCH_MAX,
		.help = "messages of counts fetched at a time (default: 16)\n"),
	OPT_METRICS_ROWS(struct hub_config, metrics),
	HUB_OPT("verbose", NULL, OPT_FLAG, verbose, .short_name = 'v', .help = "debug messages\n"),
	OPT_END,
};

static const struct hub_config hub_defaults = {
	.state_dir = DEFAULT_HUB_STATE_DIR,
	.anon = ANON_IPCRYPT_PFX,
	.format = FORMAT_JSONL,
	.key_rotate = KEY_ROTATE_NEVER,
	.key_retention = 7LL * 86400,
	.truncate = ANON_TRUNCATE_DEFAULT,
	.batch = 16,
	.replicas = TOPOLOGY_REPLICAS,
};

static int hub_main(void *opts, char **args)
{
	struct hub_config *cfg = opts;
	char host[256] = "botsink-hub";

	(void)args;
	if (opt_check_metrics(&hub_command, &cfg->metrics))
		return EXIT_USAGE;
	if (cfg->verbose)
		log_set_level(LOG_DEBUG);
	gethostname(host, sizeof(host) - 1);
	cfg->name = host;
	return hub_run(cfg);
}

static const struct command_group hub_group = {
	.intro = "Read the sensors' raw counts from stream BOTSINK_COUNTS through the durable\n"
		 "consumer botsink-hub, build records as a sensor's feed does (enrichment,\n"
		 "scopes, verified-only, formats, anonymization with one keyring for every hub)\n"
		 "and publish them to stream BOTSINK_PARTNERS: botsink.partner.NAME for each\n"
		 "partner, botsink.public for the public view. A message of counts is\n"
		 "acknowledged once every record message made from it is stored: a hub killed\n"
		 "at any point loses and doubles nothing. Run as many hubs as needed: they\n"
		 "share the consumer. SIGINT or SIGTERM finish the batch in hand and stop.\n",
	.outro = "Exit status: 0 stopped by a signal, 1 runtime failure, 2 bad usage,\n"
		 "configuration or credentials.\n",
	.column = 29,
};

const struct command hub_command = COMMAND(
	struct hub_config, "hub", hub_opts, &hub_defaults, hub_main, &hub_group,
	.summary = "turn the sensors' counts into partner feeds on NATS (see botsink hub --help)");
