// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* botsink run: load, attach, drain every interval, write the feed. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <linux/bpf.h>
#include "privacy/anon.h"
#include "cli/commands.h"
#include "rules/compile.h"
#include "sensor/control.h"
#include "kernel/counters.h"
#include "feed/drain.h"
#include "enrich/enrich.h"
#include "feed/feed.h"
#include "privacy/keyring.h"
#include "kernel/install.h"
#include "kernel/loader.h"
#include "lib/log.h"
#include "feed/outputs.h"
#include "feed/partners.h"
#include "rules/rules.h"
#include "feed/sink.h"
#include "lib/util.h"

#define DEFAULT_SPOOL_MAX (256LL << 20)
#define DEFAULT_KEY_RETENTION (7LL * 86400)

static const char run_usage[] =
	"Usage: botsink run -i IFACE -r RULES [OPTIONS]\n"
	"\n"
	"Count bot check-ins to a sinkhole on IFACE with XDP and write one feed record\n"
	"per (source, rule) every interval.\n"
	"\n"
	"  -i, --interface IFACE      interface to count on (required)\n"
	"  -r, --rules FILE           Suricata-syntax rules file (required)\n"
	"      --lenient              load the part of each rule XDP can enforce and list,\n"
	"                             per sid, the keywords left out (pcre, byte_test, ...);\n"
	"                             a rule left with nothing beyond its header is refused\n"
	"      --sinkhole PREFIXES    sinkhole space, comma-separated IPv4/IPv6 prefixes;\n"
	"                             !PREFIX takes a part out (a management address);\n"
	"                             default: the rules' destination prefixes\n"
	"      --feed PATH|-          the public feed, appended to (default: - , stdout)\n"
	"      --format FORMAT        its format: jsonl (default), shadowserver-csv or intelmq\n"
	"      --verified-only        leave unverified TCP check-ins out of the feed (sources\n"
	"                             that completed no handshake may be spoofed); records\n"
	"                             left without check-ins are withheld\n"
	"      --partners FILE        per-partner feeds: INI sections with scope (prefixes,\n"
	"                             AS numbers), anon, format, output and verified_only\n"
	"                             (default yes); a partner gets the records of sources\n"
	"                             in its scope, and no others\n"
	"      --mmdb-asn FILE        MaxMind-format ASN database (GeoLite2-ASN layout):\n"
	"                             records gain src_asn and src_as_name\n"
	"      --mmdb-geo FILE        MaxMind-format Country or City database: src_geo\n"
	"      --feed-rotate-size SIZE\n"
	"                             rename the feed file to PATH.<UTC time> and start a\n"
	"                             new one once it holds SIZE bytes (K, M, G suffixes)\n"
	"      --feed-rotate-interval SECONDS\n"
	"                             the same every SECONDS; SIGUSR1 rotates at once\n"
	"      --interval SECONDS     drain interval, fractions allowed (default: 1)\n"
	"      --max-sources N        (source, rule) counters per interval (default: 65536);\n"
	"                             beyond them a source is counted in its /24 or /48\n"
	"                             (records with \"overflow\": true), never dropped\n"
	"      --max-unclassified N   the same for sinkhole traffic no rule matched (default:\n"
	"                             65536): scanners cannot push check-ins into overflow\n"
	"      --retransmit-memory N  TCP check-in segments remembered to count a\n"
	"                             retransmission once (power of two; default 32768);\n"
	"                             more costs a cache miss per check-in at high rates\n"
	"      --spool-max SIZE       while the feed cannot be written (or a feed pipe has\n"
	"                             no room for a whole epoch), records wait in\n"
	"                             STATE_DIR/" OUTPUT_MAIN_SPOOL " (partners: STATE_DIR/\n"
	"                             " OUTPUT_PARTNER_DIR
	"/NAME.spool) up to SIZE each (K, M, G;\n"
	"                             default 256M; 0: none), then in the kernel maps\n"
	"      --anon MODE            ipcrypt-pfx (default), ipcrypt-deterministic, truncate\n"
	"                             or none\n"
	"      --key FILE             the key of --anon's ipcrypt mode, for good (mode 0600;\n"
	"                             'MODE HEX', or 64 hex digits for ipcrypt-pfx); default:\n"
	"                             keys generated in STATE_DIR/keys (botsink keys list)\n"
	"      --key-rotate WHEN      new generated keys daily, hourly or never (default)\n"
	"      --key-retention TIME   delete a key TIME after it was replaced (default 7d;\n"
	"                             s, h, d suffixes)\n"
	"      --truncate V4,V6       prefix lengths kept by --anon truncate (default: 24,48)\n"
	"      --state-dir DIR        state directory (default: " DEFAULT_STATE_DIR ")\n"
	"      --sensor NAME          sensor name in records (default: the host name)\n"
	"      --xdp-mode MODE        native (default) or skb\n"
	"      --verdict VERDICT      for sinkhole traffic: pass (default; the kernel or a\n"
	"                             sinkhole server answers) or drop (count only)\n"
	"      --respond MODE         with --verdict drop: none (default), tcp or http. XDP\n"
	"                             itself answers a SYN on a port some TCP rule names\n"
	"                             with a SYN cookie; a data segment that returns a\n"
	"                             valid cookie is a verified check-in and gets a RST\n"
	"                             (tcp) or \"HTTP/1.1 200 OK\" and FIN (http). Stateless:\n"
	"                             no socket, nothing kept per connection\n"
	"      --no-syncookies        with --verdict pass, leave net.ipv4.tcp_syncookies\n"
	"                             alone. By default it is set to 2 in the daemon's\n"
	"                             network namespace, so the kernel answers every SYN\n"
	"                             with a cookie and XDP can verify each TCP check-in's\n"
	"                             handshake (records: checkins_verified)\n"
	"      --pin-dir DIR          where the maps are pinned (default: " BOTSINK_DEFAULT_PIN_DIR
	")\n"
	"      --no-attach            use a program already attached with ip link, and its\n"
	"                             maps under --pin-dir (iproute2: " BOTSINK_IPROUTE2_PIN_DIR
	");\n"
	"                             leave both in place on exit\n"
	"  -v, --verbose              debug messages, including libbpf's and libxdp's\n"
	"  -h, --help                 this help\n"
	"\n"
	"Signals: SIGHUP reloads the rules file (or the one `botsink rules load` named)\n"
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
	"Exit status: 0 clean exit, 1 runtime failure, 2 usage or configuration error.\n";

struct run_opts {
	const char *ifname;
	const char *rules_path;
	const char *sinkhole;
	const char *feed_path;
	const char *key_path;
	const char *partners_path;
	const char *mmdb_asn, *mmdb_geo;
	const char *state_dir;
	const char *pin_dir;
	char sensor[256];
	double interval;
	enum anon_mode anon;
	enum record_format format;
	bool verified_only; /* the public feed's */
	enum key_rotate key_rotate;
	long long key_retention; /* seconds */
	unsigned int truncate_v4, truncate_v6;
	enum xdp_attach_mode xdp_mode;
	enum botsink_verdict verdict;
	enum botsink_respond respond;
	bool no_syncookies;
	bool no_attach;
	bool lenient;
	struct loader_caps caps; /* --max-sources, --max-unclassified; 0: default or as pinned */
	long long rotate_size; /* 0: no rotation by size */
	long long spool_max; /* bytes; 0: no spool */
	double rotate_interval; /* 0: none by time */
	int ifindex;
	struct addr_set space;
	bool have_space;
};

struct daemon {
	struct run_opts *opts;
	struct loader loader;
	struct rule_set rules;
	struct compiled compiled;
	struct enricher enrich;
	struct key_store keys;
	char keys_dir[PATH_MAX];
	struct output_set outputs;
	char outputs_path[PATH_MAX];
	struct feed feed;
	struct drainer drainer;
	int sigfd, timerfd;
	char *rules_path; /* from `botsink rules load`, else NULL: opts->rules_path */
	struct timespec rotated_at; /* the feed file's last rotation (or start) */
	int control_fd; /* the lock on the pid file, or -1 */
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "botsink run: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'botsink run --help'.\n");
	return EXIT_USAGE;
}

static int parse_truncate(const char *text, struct run_opts *o)
{
	unsigned int v4, v6;
	char tail;

	/* Keeping every bit would publish raw addresses under anon_mode "truncate". */
	if (sscanf(text, "%u,%u%c", &v4, &v6, &tail) != 2 || v4 > 31 || v6 > 127)
		return -1;
	o->truncate_v4 = v4;
	o->truncate_v6 = v6;
	return 0;
}

enum {
	OPT_SINKHOLE = 256,
	OPT_FEED,
	OPT_INTERVAL,
	OPT_ANON,
	OPT_KEY,
	OPT_TRUNCATE,
	OPT_STATE_DIR,
	OPT_SENSOR,
	OPT_XDP_MODE,
	OPT_VERDICT,
	OPT_PIN_DIR,
	OPT_NO_ATTACH,
	OPT_LENIENT,
	OPT_ROTATE_SIZE,
	OPT_ROTATE_INTERVAL,
	OPT_MAX_SOURCES,
	OPT_MAX_UNCLASSIFIED,
	OPT_SPOOL_MAX,
	OPT_RETRANSMIT_MEMORY,
	OPT_FORMAT,
	OPT_PARTNERS,
	OPT_VERIFIED_ONLY,
	OPT_MMDB_ASN,
	OPT_MMDB_GEO,
	OPT_KEY_ROTATE,
	OPT_KEY_RETENTION,
	OPT_RESPOND,
	OPT_NO_SYNCOOKIES,
};

static const struct option run_options[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "rules", required_argument, NULL, 'r' },
	{ "sinkhole", required_argument, NULL, OPT_SINKHOLE },
	{ "feed", required_argument, NULL, OPT_FEED },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "anon", required_argument, NULL, OPT_ANON },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "truncate", required_argument, NULL, OPT_TRUNCATE },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "sensor", required_argument, NULL, OPT_SENSOR },
	{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
	{ "verdict", required_argument, NULL, OPT_VERDICT },
	{ "respond", required_argument, NULL, OPT_RESPOND },
	{ "no-syncookies", no_argument, NULL, OPT_NO_SYNCOOKIES },
	{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
	{ "no-attach", no_argument, NULL, OPT_NO_ATTACH },
	{ "lenient", no_argument, NULL, OPT_LENIENT },
	{ "feed-rotate-size", required_argument, NULL, OPT_ROTATE_SIZE },
	{ "feed-rotate-interval", required_argument, NULL, OPT_ROTATE_INTERVAL },
	{ "max-sources", required_argument, NULL, OPT_MAX_SOURCES },
	{ "max-unclassified", required_argument, NULL, OPT_MAX_UNCLASSIFIED },
	{ "spool-max", required_argument, NULL, OPT_SPOOL_MAX },
	{ "retransmit-memory", required_argument, NULL, OPT_RETRANSMIT_MEMORY },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "partners", required_argument, NULL, OPT_PARTNERS },
	{ "verified-only", no_argument, NULL, OPT_VERIFIED_ONLY },
	{ "mmdb-asn", required_argument, NULL, OPT_MMDB_ASN },
	{ "mmdb-geo", required_argument, NULL, OPT_MMDB_GEO },
	{ "key-rotate", required_argument, NULL, OPT_KEY_ROTATE },
	{ "key-retention", required_argument, NULL, OPT_KEY_RETENTION },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* SIZE with an optional K, M or G suffix, up to 1 PiB; -1 if it is none. */
static long long parse_size(const char *arg)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || end == arg || v < 0)
		return -1;
	if (*end && !end[1] && strchr("KkMmGg", *end))
		v <<= tolower((unsigned char)*end) == 'k' ? 10 :
		      tolower((unsigned char)*end) == 'm' ? 20 :
							    30;
	else if (*end)
		return -1;
	return v >= 1 && v <= (1LL << 50) ? v : -1;
}

/* Entries per table and generation; the kernel preallocates them all. */
#define MAX_CAPACITY (1U << 24)

static int parse_capacity(const char *arg, __u32 *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || !isdigit((unsigned char)*arg) || v < 1 || v > MAX_CAPACITY)
		return -1;
	*out = (__u32)v;
	return 0;
}

static int parse_option(int opt, const char *arg, struct run_opts *o)
{
	char *end;

	switch (opt) {
	case 'i':
		o->ifname = arg;
		break;
	case 'r':
		o->rules_path = arg;
		break;
	case OPT_SINKHOLE:
		o->sinkhole = arg;
		break;
	case OPT_FEED:
		o->feed_path = arg;
		break;
	case OPT_INTERVAL:
		o->interval = strtod(arg, &end);
		if (*end || !isfinite(o->interval) || o->interval < 0.01 || o->interval > 86400)
			return usage_error(
				"--interval: '%s' is not a number of seconds from 0.01 to 86400",
				arg);
		break;
	case OPT_ANON:
		if (anon_parse_mode(arg, &o->anon))
			return usage_error(
				"--anon: '%s' is not ipcrypt-pfx, ipcrypt-deterministic, truncate or none",
				arg);
		break;
	case OPT_FORMAT:
		if (record_format_parse(arg, &o->format))
			return usage_error(
				"--format: '%s' is not jsonl, shadowserver-csv or intelmq", arg);
		break;
	case OPT_PARTNERS:
		o->partners_path = arg;
		break;
	case OPT_VERIFIED_ONLY:
		o->verified_only = true;
		break;
	case OPT_MMDB_ASN:
		o->mmdb_asn = arg;
		break;
	case OPT_MMDB_GEO:
		o->mmdb_geo = arg;
		break;
	case OPT_KEY_ROTATE:
		if (key_rotate_parse(arg, &o->key_rotate))
			return usage_error("--key-rotate: '%s' is not daily, hourly or never", arg);
		break;
	case OPT_KEY_RETENTION:
		if (duration_parse(arg, &o->key_retention) || o->key_retention < 1)
			return usage_error(
				"--key-retention: '%s' is not a duration (seconds, or with s, h or d)",
				arg);
		break;
	case OPT_KEY:
		o->key_path = arg;
		break;
	case OPT_TRUNCATE:
		if (parse_truncate(arg, o))
			return usage_error(
				"--truncate: expected V4,V6 prefix lengths such as 24,48, not '%s'",
				arg);
		break;
	case OPT_STATE_DIR:
		o->state_dir = arg;
		break;
	case OPT_SENSOR:
		snprintf(o->sensor, sizeof(o->sensor), "%s", arg);
		break;
	case OPT_XDP_MODE:
		if (strcmp(arg, "native") == 0)
			o->xdp_mode = XDP_MODE_NATIVE;
		else if (strcmp(arg, "skb") == 0)
			o->xdp_mode = XDP_MODE_SKB;
		else
			return usage_error("--xdp-mode: '%s' is not native or skb", arg);
		break;
	case OPT_VERDICT:
		if (strcmp(arg, "pass") == 0)
			o->verdict = BOTSINK_VERDICT_PASS;
		else if (strcmp(arg, "drop") == 0)
			o->verdict = BOTSINK_VERDICT_DROP;
		else
			return usage_error("--verdict: '%s' is not pass or drop", arg);
		break;
	case OPT_RESPOND:
		if (strcmp(arg, "none") == 0)
			o->respond = BOTSINK_RESPOND_NONE;
		else if (strcmp(arg, "tcp") == 0)
			o->respond = BOTSINK_RESPOND_TCP;
		else if (strcmp(arg, "http") == 0)
			o->respond = BOTSINK_RESPOND_HTTP;
		else
			return usage_error("--respond: '%s' is not none, tcp or http", arg);
		break;
	case OPT_NO_SYNCOOKIES:
		o->no_syncookies = true;
		break;
	case OPT_PIN_DIR:
		o->pin_dir = arg;
		break;
	case OPT_LENIENT:
		o->lenient = true;
		break;
	case OPT_ROTATE_SIZE:
		o->rotate_size = parse_size(arg);
		if (o->rotate_size < 1)
			return usage_error(
				"--feed-rotate-size: '%s' is not a size (bytes, K, M or G)", arg);
		break;
	case OPT_SPOOL_MAX:
		o->spool_max = parse_size(arg);
		if (o->spool_max < 0 && strcmp(arg, "0"))
			return usage_error("--spool-max: '%s' is not a size (bytes, K, M or G)",
					   arg);
		if (!strcmp(arg, "0"))
			o->spool_max = 0;
		break;
	case OPT_ROTATE_INTERVAL:
		o->rotate_interval = strtod(arg, &end);
		if (*end || !isfinite(o->rotate_interval) || o->rotate_interval < 1 ||
		    o->rotate_interval > 31536000)
			return usage_error(
				"--feed-rotate-interval: '%s' is not a number of seconds from 1 to 31536000",
				arg);
		break;
	case OPT_MAX_SOURCES:
	case OPT_MAX_UNCLASSIFIED:
		if (parse_capacity(arg, opt == OPT_MAX_SOURCES ? &o->caps.sources :
								 &o->caps.unclassified))
			return usage_error("--%s: '%s' is not a number from 1 to %u",
					   opt == OPT_MAX_SOURCES ? "max-sources" :
								    "max-unclassified",
					   arg, MAX_CAPACITY);
		break;
	case OPT_RETRANSMIT_MEMORY:
		if (parse_capacity(arg, &o->caps.recent_sets) || o->caps.recent_sets < 2 ||
		    o->caps.recent_sets & (o->caps.recent_sets - 1))
			return usage_error(
				"--retransmit-memory: '%s' is not a power of two from 2 to %u", arg,
				MAX_CAPACITY);
		o->caps.recent_sets /= BOTSINK_RECENT_WAYS;
		break;
	case OPT_NO_ATTACH:
		o->no_attach = true;
		break;
	case 'v':
		log_set_level(LOG_DEBUG);
		break;
	case 'h':
		fputs(run_usage, stdout);
		exit(EXIT_OK);
	default:
		return usage_error("unknown option");
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct run_opts *o)
{
	char *bad = NULL;
	int opt, ret;

	*o = (struct run_opts){
		.feed_path = "-",
		.state_dir = DEFAULT_STATE_DIR,
		.pin_dir = BOTSINK_DEFAULT_PIN_DIR,
		.interval = 1.0,
		.anon = ANON_IPCRYPT_PFX,
		.format = FORMAT_JSONL,
		.key_rotate = KEY_ROTATE_NEVER,
		.key_retention = DEFAULT_KEY_RETENTION,
		.truncate_v4 = 24,
		.truncate_v6 = 48,
		.xdp_mode = XDP_MODE_NATIVE,
		.verdict = BOTSINK_VERDICT_PASS,
		.spool_max = DEFAULT_SPOOL_MAX,
	};
	while ((opt = getopt_long(argc, argv, "i:r:vh", run_options, NULL)) != -1) {
		ret = parse_option(opt, optarg, o);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->ifname || !o->rules_path)
		return usage_error("-i IFACE and -r RULES are required");
	if ((o->rotate_size || o->rotate_interval) && !strcmp(o->feed_path, "-"))
		return usage_error(
			"--feed-rotate-size and --feed-rotate-interval need a feed file");
	if (o->respond != BOTSINK_RESPOND_NONE && o->verdict != BOTSINK_VERDICT_DROP)
		return usage_error(
			"--respond needs --verdict drop: with pass, the kernel or a server answers");
	if (o->no_syncookies && o->verdict != BOTSINK_VERDICT_PASS)
		return usage_error(
			"--no-syncookies goes with --verdict pass (the kernel's cookies)");
	if (o->key_path && o->key_rotate != KEY_ROTATE_NEVER)
		return usage_error("--key is a key for good: it cannot go with --key-rotate");
	o->ifindex = (int)if_nametoindex(o->ifname);
	if (!o->ifindex)
		return usage_error("no interface '%s' in this network namespace", o->ifname);
	if (o->sinkhole && parse_sinkhole(o->sinkhole, &o->space, &bad)) {
		ret = usage_error(
			"--sinkhole: '%s' is not an IPv4 or IPv6 prefix, or leaves nothing",
			bad ? bad : o->sinkhole);
		free(bad);
		return ret;
	}
	o->have_space = o->sinkhole != NULL;
	if (!o->sensor[0] && gethostname(o->sensor, sizeof(o->sensor) - 1))
		snprintf(o->sensor, sizeof(o->sensor), "botsink");
	return 0;
}

/*
 * Parse and compile a rules file; errors are printed as file:line: reason,
 * and also written to `errors` when it is not NULL.
 */
static int load_rules(const struct run_opts *o, const char *path, struct rule_set *rs,
		      struct compiled *c, FILE *errors)
{
	memset(c, 0, sizeof(*c));
	if (rules_load_opts(path, o->lenient, rs)) {
		log_error("cannot read %s: %s", path, strerror(errno));
		if (errors)
			fprintf(errors, "cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!rs->nerrors)
		compile_rules(rs, o->have_space ? &o->space : NULL, c);
	if (!rs->nerrors)
		rules_print_dropped(rs);
	if (rs->nerrors) {
		rules_print_errors(rs);
		if (errors)
			rules_write_errors(rs, errors);
		rules_free(rs);
		compiled_free(c);
		return -1;
	}
	return 0;
}

/*
 * The state directory (a key or a control file others could have planted
 * is no key), and where the keys are generated.
 */
static int setup_state(struct daemon *d)
{
	const struct run_opts *o = d->opts;
	char err[512];

	if (private_dir(o->state_dir, "state directory", true, err, sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	snprintf(d->keys_dir, sizeof(d->keys_dir), "%s/keys", o->state_dir);
	snprintf(d->outputs_path, sizeof(d->outputs_path), "%s/%s", o->state_dir,
		 OUTPUT_STATE_FILE);
	d->keys = (struct key_store){ .dir = d->keys_dir,
				      .fixed_key = o->key_path,
				      .fixed_mode = o->anon,
				      .rotate = o->key_rotate,
				      .retention = o->key_retention,
				      .truncate_v4 = o->truncate_v4,
				      .truncate_v6 = o->truncate_v6 };
	return 0;
}

/* The partners file (or none), errors printed as file:line: reason. */
static int load_partners(const struct daemon *d, struct partner_set *ps, FILE *errors)
{
	const struct run_opts *o = d->opts;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int ret;

	memset(ps, 0, sizeof(*ps));
	if (!o->partners_path)
		return 0;
	mem = open_memstream(&text, &len);
	ret = partners_load(o->partners_path, enricher_has_asn(&d->enrich), o->feed_path, ps,
			    mem ? mem : stderr);
	if (mem) {
		fclose(mem);
		fputs(text, stderr);
		if (errors)
			fputs(text, errors);
		free(text);
	}
	return ret;
}

/* The outputs for `ps` (taken over), reusing what runs; 0 or -1 (said). */
static int open_outputs(struct daemon *d, struct partner_set *ps, struct output_set *set,
			struct output_set *prev, FILE *errors)
{
	const struct output_config cfg = { .feed_path = d->opts->feed_path,
					   .format = d->opts->format,
					   .anon = d->opts->anon,
					   .verified_only = d->opts->verified_only,
					   .state_dir = d->opts->state_dir };
	char err[1024];

	if (!output_set_open(set, &cfg, ps, &d->feed, &d->keys, prev, err, sizeof(err)))
		return 0;
	log_error("%s", err);
	if (errors)
		fprintf(errors, "%s\n", err);
	return -1;
}

/* The drainer writes to the outputs of `set`. */
static void use_outputs(struct daemon *d)
{
	d->drainer.out = d->outputs.out;
	d->drainer.nout = d->outputs.n;
}

static int setup_signals(struct daemon *d)
{
	struct itimerspec its = { 0 };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -1;
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (d->sigfd < 0 || d->timerfd < 0)
		return -1;
	its.it_interval.tv_sec = (time_t)d->opts->interval;
	its.it_interval.tv_nsec =
		(long)((d->opts->interval - (double)its.it_interval.tv_sec) * 1e9);
	its.it_value = its.it_interval;
	return timerfd_settime(d->timerfd, 0, &its, NULL);
}

/* One interval: swap generations and write the epoch (or retry a held one). */
static int drain_once(struct daemon *d)
{
	return drainer_step(&d->drainer) == DRAIN_BROKEN ? -1 : 0;
}

/*
 * Rules and partners are reloaded together: both new, or both as they
 * were. Counts taken before the swap are written with the old labels and
 * to the old partners: drain first, then install and switch.
 */
static int reload_from(struct daemon *d, const char *path, FILE *errors)
{
	struct partner_set ps;
	struct output_set set;
	struct rule_set rs;
	struct compiled c;
	char err[256];

	if (load_rules(d->opts, path, &rs, &c, errors)) {
		log_error("%s has errors; keeping the running rules and partners", path);
		return -1;
	}
	if (load_partners(d, &ps, errors) || open_outputs(d, &ps, &set, &d->outputs, errors)) {
		log_error("%s has errors; keeping the running rules and partners",
			  d->opts->partners_path ? d->opts->partners_path : "the outputs");
		partners_free(&ps);
		goto fail;
	}
	drain_once(d);
	if (install_rules(&d->loader.maps, &rs, &c, d->opts->verdict, d->opts->respond, err,
			  sizeof(err))) {
		log_error(
			"cannot install the new rules (%s); keeping the running rules and partners",
			err);
		if (errors)
			fprintf(errors, "cannot install the rules: %s\n", err);
		output_set_close(&set);
		goto fail;
	}
	output_set_take(&set);
	output_set_close(&d->outputs);
	d->outputs = set;
	use_outputs(d);
	if (drainer_outputs_changed(&d->drainer) == DRAIN_BROKEN)
		log_error("the new outputs' positions could not be saved");
	if (feed_learn_rules(&d->feed, &rs))
		log_error("out of memory: records of the new rules may say family 'unknown'");
	rules_free(&d->rules);
	compiled_free(&d->compiled);
	d->rules = rs;
	d->compiled = c;
	log_info("rules reloaded: %zu rules, %zu destination entries; %zu partners", rs.n, c.ndst,
		 d->outputs.n - 1);
	return 0;
fail:
	rules_free(&rs);
	compiled_free(&c);
	return -1;
}

/*
 * SIGHUP: the file `botsink rules load` asked for (answering it), or the
 * rules file in use. A file loaded that way stays the one SIGHUP reloads.
 */
static void reload_rules(struct daemon *d)
{
	unsigned long nonce = 0;
	char *path = control_take_request(d->opts->state_dir, &nonce), *text = NULL;
	size_t len = 0;
	FILE *errors;
	int ret;

	if (!path) {
		log_info("SIGHUP: reloading %s",
			 d->rules_path ? d->rules_path : d->opts->rules_path);
		reload_from(d, d->rules_path ? d->rules_path : d->opts->rules_path, NULL);
		return;
	}
	log_info("rules load: loading %s", path);
	errors = open_memstream(&text, &len);
	ret = reload_from(d, path, errors);
	if (!ret)
		fprintf(errors ? errors : stderr, "%zu rules loaded from %s\n", d->rules.n, path);
	if (errors)
		fclose(errors);
	if (control_answer(d->opts->state_dir, nonce, !ret, text ? text : ""))
		log_warn("cannot answer rules load: %s", strerror(errno));
	free(text);
	if (ret) {
		free(path);
		return;
	}
	free(d->rules_path);
	d->rules_path = path;
}

/*
 * Last drain. With the program detached first, both generations can be
 * written out completely. If the feed cannot take them, they stay in the
 * pinned maps for the next run. Returns 0, or -1: pins kept.
 */
static int final_drain(struct daemon *d)
{
	int ret = DRAIN_DONE;

	if (!d->opts->no_attach)
		loader_detach(&d->loader);
	/* The pending or the last epoch, then the other generation. */
	for (int i = 0; i < 2 && ret == DRAIN_DONE; i++)
		ret = drainer_step(&d->drainer);
	if (ret == DRAIN_DONE && !drainer_spool_waiting(&d->drainer))
		return 0;
	log_error(
		"the counts not written to every output are kept in the maps pinned under %s for the next botsink run",
		d->opts->pin_dir);
	return -1;
}

static void rotate_feed(struct daemon *d, const char *why)
{
	char rotated[PATH_MAX], err[PATH_MAX + 128];

	if (sink_rotate(d->outputs.out[0].sink, rotated, sizeof(rotated), err, sizeof(err))) {
		log_error("%s", err);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &d->rotated_at);
	drainer_rotated(&d->drainer);
	log_info("feed rotated (%s): %s", why, rotated);
}

/* After a drain: rotate the feed file if it is due. */
static void maybe_rotate(struct daemon *d)
{
	const struct run_opts *o = d->opts;
	struct timespec now;

	if (d->outputs.out[0].failing || (!o->rotate_size && !o->rotate_interval))
		return;
	if (o->rotate_size && sink_size(d->outputs.out[0].sink) >= o->rotate_size) {
		rotate_feed(d, "size");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (o->rotate_interval &&
	    (double)(now.tv_sec - d->rotated_at.tv_sec) +
			    (double)(now.tv_nsec - d->rotated_at.tv_nsec) / 1e9 >=
		    o->rotate_interval)
		rotate_feed(d, "interval");
}

static int event_loop(struct daemon *d)
{
	struct pollfd fds[2] = { { .fd = d->sigfd, .events = POLLIN },
				 { .fd = d->timerfd, .events = POLLIN } };

	for (;;) {
		struct signalfd_siginfo si;
		uint64_t ticks;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			return -1;
		}
		if ((fds[1].revents & POLLIN) && read(d->timerfd, &ticks, sizeof(ticks)) > 0) {
			if (drain_once(d) < 0)
				return -1; /* the sink is gone: shut down, keeping the counts */
			maybe_rotate(d);
		}
		if (!(fds[0].revents & POLLIN) || read(d->sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			reload_rules(d);
			continue;
		}
		if (si.ssi_signo == SIGUSR1) {
			rotate_feed(d, "SIGUSR1");
			continue;
		}
		log_info("%s: draining a last time", strsignal((int)si.ssi_signo));
		return 0;
	}
}

/* How TCP check-ins are verified, for the start-up line. */
static const char *handshake_mode(const struct run_opts *o)
{
	if (o->verdict == BOTSINK_VERDICT_PASS)
		return o->no_syncookies ?
			       "handshakes verified only when the kernel uses SYN cookies" :
			       "handshakes verified by the kernel's SYN cookies";
	switch (o->respond) {
	case BOTSINK_RESPOND_TCP:
		return "responder tcp (SYN cookies, RST)";
	case BOTSINK_RESPOND_HTTP:
		return "responder http (SYN cookies, 200 OK)";
	default:
		return "no handshakes (SYNs only: nothing verified)";
	}
}

#define SYNCOOKIES_SYSCTL "/proc/sys/net/ipv4/tcp_syncookies"

/*
 * Pass verdict: net.ipv4.tcp_syncookies=2 in this network namespace (it
 * covers IPv6 too), so that every SYN-ACK the kernel sends carries a cookie
 * and XDP can prove each TCP check-in's handshake. Left set on exit: the
 * program may go on counting.
 */
static int enable_syncookies(void)
{
	char was[16] = "";
	FILE *f = fopen(SYNCOOKIES_SYSCTL, "r");

	if (f && !fgets(was, sizeof(was), f))
		was[0] = '\0';
	if (f)
		fclose(f);
	was[strcspn(was, "\n")] = '\0';
	if (strcmp(was, "2") == 0)
		return 0;
	f = fopen(SYNCOOKIES_SYSCTL, "w");
	if (!f || fputs("2\n", f) == EOF || fflush(f)) {
		log_error(
			"cannot set net.ipv4.tcp_syncookies=2 in this network namespace (%s: %s): TCP check-ins could not be verified; fix that, or pass --no-syncookies to count them unverified",
			SYNCOOKIES_SYSCTL, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	log_info(
		"set net.ipv4.tcp_syncookies=2 (was %s) in this network namespace: every SYN-ACK carries a SYN cookie, so TCP check-ins can be verified",
		was[0] ? was : "unreadable");
	return 0;
}

static int start(struct daemon *d)
{
	struct run_opts *o = d->opts;
	unsigned int flags = o->no_attach ? LOADER_ADOPT : LOADER_PROGRAM;
	char err[512], name[BPF_OBJ_NAME_LEN];
	const char *mode;
	int adopted;

	/* First: a run that cannot verify must not have changed anything. */
	if (o->verdict == BOTSINK_VERDICT_PASS && !o->no_syncookies && enable_syncookies())
		return -1;
	if (loader_open_sized(&d->loader, o->pin_dir, flags, &o->caps, err, sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	/* Catch-alls before anything counts: a full overflow table keeps them. */
	for (int gen = 0; gen < 2; gen++) {
		int ret = counters_prepare(&d->loader.maps, gen);

		if (ret)
			log_warn(
				"overflow tables of generation %d: no room for the catch-alls (%s); the uncounted statistic shows what they would have held",
				gen, strerror(-ret));
	}
	/* A program of an earlier run counting into these maps is taken over. */
	adopted = o->no_attach ? 0 : loader_adopt(&d->loader, o->ifindex, err, sizeof(err));
	if (adopted < 0) {
		log_error("%s", err);
		return -1;
	}
	if (o->no_attach &&
	    !find_attached(o->ifindex, &d->loader.maps, &mode, name, sizeof(name))) {
		log_error(
			"no XDP program using the maps under %s is attached to %s (ip link set dev %s xdp obj botsink.bpf.o sec xdp)",
			o->pin_dir, o->ifname, o->ifname);
		return -1;
	}
	if (install_rules(&d->loader.maps, &d->rules, &d->compiled, o->verdict, o->respond, err,
			  sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	if (!o->no_attach && !adopted &&
	    loader_attach(&d->loader, o->ifindex, o->xdp_mode, err, sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	if (drainer_recover(&d->drainer) == DRAIN_BROKEN)
		return -1;
	log_info(
		"counting on %s (%s), %zu rules, %zu destination entries, verdict %s, %s; feed %s (%s), anonymization %s, %zu partners",
		o->ifname,
		o->no_attach		       ? "program attached by ip link" :
		d->loader.mode == XDP_MODE_SKB ? "skb XDP" :
						 "native XDP",
		d->rules.n, d->compiled.ndst, o->verdict == BOTSINK_VERDICT_DROP ? "drop" : "pass",
		handshake_mode(o), o->feed_path, record_format_name(o->format),
		anon_mode_name(o->anon), d->outputs.n - 1);
	return 0;
}

/*
 * Verified-only views withhold unverified TCP check-ins: say so where
 * this run can verify none (or few), or they would go quiet unexplained.
 */
static void warn_unverifiable(const struct run_opts *o, const struct partner_set *ps)
{
	const char *why = NULL, *who = o->verified_only ? "the feed" : NULL;

	for (size_t i = 0; i < ps->n && !who; i++)
		if (ps->p[i].verified_only)
			who = ps->p[i].name; /* the first one is enough to name */
	if (!who)
		return;
	if (o->verdict == BOTSINK_VERDICT_DROP && o->respond == BOTSINK_RESPOND_NONE)
		why = "with --verdict drop and no --respond no handshake completes, so no TCP check-in can be verified";
	else if (o->no_syncookies)
		why = "with --no-syncookies only connections the kernel happens to answer with a cookie are verified";
	if (why)
		log_warn(
			"%s: verified-only views (%s, ...) show TCP check-ins only when verified; UDP and DNS ones as they are",
			why, who);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts opts;
	struct daemon d = { .opts = &opts, .sigfd = -1, .timerfd = -1, .control_fd = -1 };
	struct partner_set ps;
	char err[512];
	int ret;

	ret = parse_args(argc, argv, &opts);
	if (ret)
		return ret;
	/* A closed feed pipe is an error to handle, not a reason to die. */
	signal(SIGPIPE, SIG_IGN);
	log_route_libraries();
	ret = EXIT_USAGE;
	if (load_rules(&opts, opts.rules_path, &d.rules, &d.compiled, NULL))
		goto out_opts;
	if (setup_state(&d))
		goto out_rules;
	if (enricher_open(&d.enrich, opts.mmdb_asn, opts.mmdb_geo, err, sizeof(err))) {
		log_error("%s", err);
		goto out_rules;
	}
	feed_init(&d.feed, &d.enrich, opts.truncate_v4, opts.truncate_v6, opts.sensor);
	if (load_partners(&d, &ps, NULL))
		goto out_enrich;
	warn_unverifiable(&opts, &ps);
	if (open_outputs(&d, &ps, &d.outputs, NULL, NULL))
		goto out_feed;
	d.drainer = (struct drainer){ .maps = &d.loader.maps,
				      .feed = &d.feed,
				      .spool_max = (unsigned long long)opts.spool_max,
				      .outputs_path = d.outputs_path };
	use_outputs(&d);
	ret = EXIT_RUNTIME;
	if (feed_learn_rules(&d.feed, &d.rules) || setup_signals(&d)) {
		log_error("setting up: %s", strerror(errno));
		goto out_feed;
	}
	if (start(&d)) {
		loader_close(&d.loader, true);
		goto out_feed;
	}
	clock_gettime(CLOCK_MONOTONIC, &d.rotated_at);
	if (control_start(opts.state_dir, &d.control_fd, err, sizeof(err)))
		log_warn("botsink rules load will not reach this run: %s", err);
	ret = event_loop(&d) ? EXIT_RUNTIME : EXIT_OK;
	control_stop(opts.state_dir, d.control_fd);
	if (final_drain(&d)) {
		/* The counts went back into the maps: keep the pins for the next run. */
		loader_close(&d.loader, false);
		ret = EXIT_RUNTIME;
	} else {
		loader_close(&d.loader, true);
	}
out_feed:
	if (d.sigfd >= 0)
		close(d.sigfd);
	if (d.timerfd >= 0)
		close(d.timerfd);
	output_set_close(&d.outputs);
	feed_free(&d.feed);
	key_store_close(&d.keys);
out_enrich:
	enricher_close(&d.enrich);
out_rules:
	free(d.rules_path);
	rules_free(&d.rules);
	compiled_free(&d.compiled);
out_opts:
	addr_set_free(&opts.space);
	return ret;
}
