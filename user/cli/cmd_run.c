// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* botsink run: its options (one table) and their checks; sensor/daemon.c runs it. */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/commands.h"
#include "kernel/install.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "lib/util.h"
#include "sensor/control.h"
#include "sensor/daemon.h"

/* Entries per table and generation; the kernel preallocates them all. */
#define MAX_CAPACITY 16777216 /* 2^24, written out for the messages */
#define MAX_BYTES (1ULL << 50)

#define RUN_OPT(...) OPT_ROW(struct sensor_config, __VA_ARGS__)

/* --truncate V4,V6: keeping every bit would publish raw addresses as "truncate". */

/* --retransmit-memory N: entries, a power of two, kept as sets of ways. */
static int parse_recent(const char *text, void *field, char *shown, size_t len)
{
	uint64_t n;

	(void)shown;
	(void)len;
	if (parse_uint(text, MAX_CAPACITY, &n) || n < 2 || (n & (n - 1)))
		return -1;
	*(__u32 *)field = (__u32)n / BOTSINK_RECENT_WAYS;
	return 0;
}

static const struct opt run_opts[] = {
	RUN_OPT("interface", "IFACE", OPT_STRING, ifname, .short_name = 'i', .required = true,
		.help = "interface to count on (required)\n"),
	RUN_OPT("rules", "RULES", OPT_STRING, rules_path, .short_name = 'r', .required = true,
		.help = "Suricata-syntax rules file (required)\n"),
	RUN_OPT("lenient", NULL, OPT_FLAG, lenient,
		.help = "load the part of each rule XDP can enforce and list,\n"
			"per sid, the keywords left out (pcre, byte_test, ...);\n"
			"a rule left with nothing beyond its header is refused\n"),
	OPT_SINKHOLE_ROW(struct sensor_config,
			 .help = "sinkhole space, comma-separated IPv4/IPv6 prefixes;\n"
				 "!PREFIX takes a part out (a management address);\n"
				 "default: the rules' destination prefixes\n"),
	RUN_OPT("feed", "PATH|-|none", OPT_STRING, feed_path,
		.help = "the public feed, appended to (default: - , stdout;\n"
			"none: no local feed, with --publish)\n"),
	RUN_OPT("format", "FORMAT", OPT_KEYWORD, format, .keywords = record_formats,
		.help = "its format: jsonl (default), shadowserver-csv,\n"
			"shadowserver-http-csv or intelmq\n"),
	RUN_OPT("verified-only", NULL, OPT_FLAG, verified_only,
		.help = "leave unverified TCP check-ins out of the feed (sources\n"
			"that completed no handshake may be spoofed); records\n"
			"left without check-ins are withheld\n"),
	RUN_OPT("evidence", "LEVEL", OPT_KEYWORD, evidence, .keywords = evidence_levels,
		.help = "what the feed shows of what each source sent in its\n"
			"first check-in of the interval: none (default), host\n"
			"(source port, HTTP method, Host, User-Agent, DNS\n"
			"name), path (and the URL and Referer without query)\n"
			"or full (and the query, and 256 payload bytes)\n"),
	RUN_OPT("partners", "FILE", OPT_STRING, partners_path,
		.help = "per-partner feeds: INI sections with scope (prefixes,\n"
			"AS numbers), anon, format, output, verified_only\n"
			"(default yes) and evidence (default path); a\n"
			"partner gets the records of sources in its scope,\n"
			"and no others\n"),
	RUN_OPT("mmdb-asn", "FILE", OPT_STRING, mmdb_asn,
		.help = "MaxMind-format ASN database (GeoLite2-ASN layout):\n"
			"records gain src_asn and src_as_name\n"),
	RUN_OPT("mmdb-geo", "FILE", OPT_STRING, mmdb_geo,
		.help = "MaxMind-format Country or City database: src_geo\n"),
	RUN_OPT("publish", "URL[,URL...]", OPT_STRING, publish_urls,
		.help = "also publish every epoch's raw counts to the hub's NATS\n"
			"JetStream cluster (tls://HOST:PORT; stream BOTSINK_COUNTS,\n"
			"subject botsink.counts.SENSOR); an epoch commits once\n"
			"every message is acknowledged, else it waits in the spool\n"),
	RUN_OPT("publish-evidence", "LEVEL", OPT_KEYWORD, publish_evidence,
		.keywords = evidence_levels,
		.help = "the evidence published with the counts, as --evidence\n"
			"(default path): the hub's views show at most this\n"),
	RUN_OPT("publish-auth", "FILE", OPT_STRING, publish_auth,
		.help = "the sensor's credentials file (botsink nats-config)\n"),
	RUN_OPT("publish-ca", "FILE", OPT_STRING, publish_ca,
		.help = "the CA that signed the cluster's certificates\n"
			"(default: the system's)\n"),
	RUN_OPT("feed-rotate-size", "SIZE", OPT_SIZE, rotate_size, .min = 1, .max = MAX_BYTES,
		.expect = "a size (bytes, K, M or G)",
		.help = "rename the feed file to PATH.<UTC time> and start a\n"
			"new one once it holds SIZE bytes (K, M, G suffixes)\n"),
	RUN_OPT("feed-rotate-interval", "SECONDS", OPT_SECONDS, rotate_interval, .min = 1,
		.max = 31536000, .expect = "a number of seconds from 1 to 31536000",
		.help = "the same every SECONDS; SIGUSR1 rotates at once\n"),
	RUN_OPT("interval", "SECONDS", OPT_SECONDS, interval, .min = 0.01, .max = 86400,
		.expect = "a number of seconds from 0.01 to 86400",
		.help = "drain interval, fractions allowed (default: 1)\n"),
	RUN_OPT("max-sources", "N", OPT_UINT32, caps.sources, .min = 1, .max = MAX_CAPACITY,
		.expect = "a number from 1 to " STRINGIFY(MAX_CAPACITY),
		.help = "(source, rule) counters per interval (default: 65536);\n"
			"beyond them a source is counted in its /24 or /48\n"
			"(records with \"overflow\": true), never dropped\n"),
	RUN_OPT("max-unclassified", "N", OPT_UINT32, caps.unclassified, .min = 1,
		.max = MAX_CAPACITY, .expect = "a number from 1 to " STRINGIFY(MAX_CAPACITY),
		.help = "the same for sinkhole traffic no rule matched (default:\n"
			"65536): scanners cannot push check-ins into overflow\n"),
	RUN_OPT("retransmit-memory", "N", OPT_CUSTOM, caps.recent_sets, .parse = parse_recent,
		.expect = "a power of two from 2 to " STRINGIFY(MAX_CAPACITY),
		.help = "TCP check-in segments remembered to count a\n"
			"retransmission once (power of two; default 32768);\n"
			"more costs a cache miss per check-in at high rates\n"),
	RUN_OPT("spool-max", "SIZE", OPT_SIZE, spool_max, .min = 0, .max = MAX_BYTES,
		.expect = "a size (bytes, K, M or G)",
		.help = "while the feed cannot be written (or a feed pipe has\n"
			"no room for a whole epoch), records wait in\n"
			"STATE_DIR/" OUTPUT_MAIN_SPOOL " (partners: STATE_DIR/\n" OUTPUT_PARTNER_DIR
			"/NAME.spool) up to SIZE each (K, M, G;\n"
			"default 256M; 0: none), then in the kernel maps\n"),
	RUN_OPT("anon", "MODE", OPT_KEYWORD, anon, .keywords = anon_modes,
		.help = "ipcrypt-pfx (default), ipcrypt-deterministic, truncate\n"
			"or none\n"),
	RUN_OPT("key", "FILE", OPT_STRING, key_path,
		.help = "the key of --anon's ipcrypt mode, for good (mode 0600;\n"
			"'MODE HEX', or 64 hex digits for ipcrypt-pfx); default:\n"
			"keys generated in STATE_DIR/keys (botsink keys list)\n"),
	RUN_OPT("key-rotate", "WHEN", OPT_KEYWORD, key_rotate, .keywords = key_rotations,
		.help = "new generated keys daily, hourly or never (default)\n"),
	RUN_OPT("key-retention", "TIME", OPT_DURATION, key_retention, .min = 1, .max = LLONG_MAX,
		.expect = "a duration (seconds, or with s, h or d)",
		.help = "delete a key TIME after it was replaced (default 7d;\n"
			"s, h, d suffixes)\n"),
	OPT_TRUNCATE_ROW(struct sensor_config,
			 .help = "prefix lengths kept by --anon truncate (default: 24,48)\n"),
	RUN_OPT("state-dir", "DIR", OPT_STRING, state_dir,
		.help = "state directory (default: " DEFAULT_STATE_DIR ")\n"),
	RUN_OPT("sensor", "NAME", OPT_STRING, sensor_arg,
		.help = "sensor name in records (default: the host name)\n"),
	RUN_OPT("xdp-mode", "MODE", OPT_KEYWORD, xdp_mode, .keywords = xdp_modes,
		.help = "native (default) or skb\n"),
	RUN_OPT("verdict", "VERDICT", OPT_KEYWORD, verdict, .keywords = verdict_names,
		.help = "for sinkhole traffic: pass (default; the kernel or a\n"
			"sinkhole server answers) or drop (count only)\n"),
	RUN_OPT("respond", "MODE", OPT_KEYWORD, respond, .keywords = respond_names,
		.help = "with --verdict drop: none (default), tcp or http. XDP\n"
			"itself answers a SYN on a port some TCP rule names\n"
			"with a SYN cookie; a data segment that returns a\n"
			"valid cookie is a verified check-in and gets a RST\n"
			"(tcp) or \"HTTP/1.1 200 OK\" and FIN (http). Stateless:\n"
			"no socket, nothing kept per connection\n"),
	RUN_OPT("no-syncookies", NULL, OPT_FLAG, no_syncookies,
		.help = "with --verdict pass, leave net.ipv4.tcp_syncookies\n"
			"alone. By default it is set to 2 in the daemon's\n"
			"network namespace, so the kernel answers every SYN\n"
			"with a cookie and XDP can verify each TCP check-in's\n"
			"handshake (records: checkins_verified)\n"),
	RUN_OPT("pin-dir", "DIR", OPT_STRING, pin_dir,
		.help = "where the maps are pinned (default: " BOTSINK_DEFAULT_PIN_DIR ")\n"),
	RUN_OPT("no-attach", NULL, OPT_FLAG, no_attach,
		.help = "use a program already attached with ip link, and its\n"
			"maps under --pin-dir (iproute2: " BOTSINK_IPROUTE2_PIN_DIR ");\n"
			"leave both in place on exit\n"),
	OPT_METRICS_ROWS(struct sensor_config, metrics),
	RUN_OPT("verbose", NULL, OPT_FLAG, verbose, .short_name = 'v',
		.help = "debug messages, including libbpf's and libxdp's\n"),
	OPT_END,
};

static const struct sensor_config run_defaults = {
	.feed_path = "-",
	.state_dir = DEFAULT_STATE_DIR,
	.pin_dir = BOTSINK_DEFAULT_PIN_DIR,
	.interval = 1.0,
	.publish_evidence = EVIDENCE_PATH,
	.anon = ANON_IPCRYPT_PFX,
	.format = FORMAT_JSONL,
	.key_rotate = KEY_ROTATE_NEVER,
	.key_retention = 7LL * 86400,
	.truncate = ANON_TRUNCATE_DEFAULT,
	.xdp_mode = XDP_MODE_NATIVE,
	.verdict = BOTSINK_VERDICT_PASS,
	.spool_max = 256ULL << 20,
};

int run_check(struct sensor_config *cfg)
{
	const struct command *cmd = &run_command;

	if (!cfg->publish_urls != !cfg->publish_auth)
		return opt_usage_error(cmd, "--publish and --publish-auth go together");
	if (cfg->publish_ca && !cfg->publish_urls)
		return opt_usage_error(cmd, "--publish-ca goes with --publish");
	if (opt_check_metrics(cmd, &cfg->metrics))
		return EXIT_USAGE;
	if (!strcmp(cfg->feed_path, OUTPUT_FEED_NONE) && !cfg->publish_urls && !cfg->partners_path)
		return opt_usage_error(
			cmd, "--feed none leaves nothing to write: add --publish or --partners");
	if ((cfg->rotate_size || cfg->rotate_interval) &&
	    (!strcmp(cfg->feed_path, "-") || !strcmp(cfg->feed_path, OUTPUT_FEED_NONE)))
		return opt_usage_error(
			cmd, "--feed-rotate-size and --feed-rotate-interval need a feed file");
	if (cfg->respond != BOTSINK_RESPOND_NONE && cfg->verdict != BOTSINK_VERDICT_DROP)
		return opt_usage_error(
			cmd,
			"--respond needs --verdict drop: with pass, the kernel or a server answers");
	if (cfg->no_syncookies && cfg->verdict != BOTSINK_VERDICT_PASS)
		return opt_usage_error(
			cmd, "--no-syncookies goes with --verdict pass (the kernel's cookies)");
	if (cfg->key_path && cfg->key_rotate != KEY_ROTATE_NEVER)
		return opt_usage_error(cmd,
				       "--key is a key for good: it cannot go with --key-rotate");
	cfg->ifindex = (int)if_nametoindex(cfg->ifname);
	if (!cfg->ifindex)
		return opt_usage_error(cmd, "no interface '%s' in this network namespace",
				       cfg->ifname);
	if (cfg->sensor_arg && *cfg->sensor_arg)
		snprintf(cfg->sensor, sizeof(cfg->sensor), "%s", cfg->sensor_arg);
	else if (gethostname(cfg->sensor, sizeof(cfg->sensor) - 1))
		snprintf(cfg->sensor, sizeof(cfg->sensor), "botsink");
	return EXIT_OK;
}

static int run_main(void *opts, char **args)
{
	struct sensor_config *cfg = opts;
	int ret = run_check(cfg);

	(void)args;
	if (cfg->verbose)
		log_set_level(LOG_DEBUG);
	return ret ? ret : sensor_run(cfg);
}

static void run_release(void *opts)
{
	struct sensor_config *cfg = opts;

	addr_set_free(&cfg->sinkhole.set);
}

static const struct command_group run_group = {
	.intro = "Count bot check-ins to a sinkhole on IFACE with XDP and write one feed record\n"
		 "per (source, rule) every interval.\n",
	.outro = "Signals: SIGHUP reloads the rules file (or the one `botsink rules load` named)\n"
		 "and the partners file together: both new, or (an error in either) both as\n"
		 "they were; SIGUSR1 rotates\n"
		 "the feed file; SIGINT or SIGTERM drains a last time, writes it, detaches and\n"
		 "removes the pins this run created (they stay, and the exit status is 1, when\n"
		 "counts could not be written or wait in the spool). Rotation happens between\n"
		 "batches of records: no record is split, lost or written twice.\n"
		 "\n"
		 "Each drain is an epoch, committed in the pinned maps once its records are in\n"
		 "the feed (or the spool). A run started after a crash, with the same --pin-dir\n"
		 "and --feed, takes over the program left attached without a gap in counting,\n"
		 "cuts the feed file back to the last commit and writes the rest once; records\n"
		 "written again carry the same record_id.\n"
		 "Exit status: 0 clean exit, 1 runtime failure, 2 usage or configuration error.\n",
	.column = 29,
};

const struct command run_command =
	COMMAND(struct sensor_config, "run", run_opts, &run_defaults, run_main, &run_group,
		.summary = "attach to an interface, count, write the feed (see botsink run --help)",
		.release = run_release);
