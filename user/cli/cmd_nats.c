// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The message bus, for operators and partners:
 * botsink nats-config: a NATS cluster's node files and every principal's
 * credentials (bus/server_config.h).
 * botsink streams: create or update the streams and consumers (bus/topology.h).
 * botsink pull: a partner's (or public's) records from its own consumer (bus/pull.h).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include "bus/conn.h"
#include "bus/pull.h"
#include "bus/server_config.h"
#include "bus/topology.h"
#include "cli/commands.h"
#include "feed/partners.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#define MAX_TIME (365LL * 86400)
#define MAX_STREAM_BYTES (1ULL << 50)

/* A comma-separated list option (--sensors, --host): its copy, cut at the commas. */
struct word_list {
	char *buf;
	const char **words;
	size_t n;
};

static void word_list_free(struct word_list *l)
{
	free(l->buf);
	free(l->words);
	memset(l, 0, sizeof(*l));
}

static int parse_word_list(const char *arg, void *field, char *shown, size_t len)
{
	struct word_list *l = field;
	char *save = NULL;

	(void)shown, (void)len;
	word_list_free(l);
	if (!arg[0] || arg[0] == ',' || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,"))
		return -1;
	l->buf = strdup(arg);
	l->words = calloc(strlen(arg) / 2 + 1, sizeof(*l->words));
	if (!l->buf || !l->words)
		return -1;
	for (char *w = strtok_r(l->buf, ",", &save); w; w = strtok_r(NULL, ",", &save))
		l->words[l->n++] = w;
	return 0;
}

/* ---- nats-config ---- */

struct config_opts {
	const char *partners, *out, *tls_cert, *tls_key, *tls_ca;
	struct word_list sensors, hosts;
	__u32 nodes, client_port, cluster_port, monitor_port;
};

#define CONFIG_OPT(...) OPT_ROW(struct config_opts, __VA_ARGS__)
#define PORT_RANGE .min = 1, .max = 65535

static const struct opt config_opts[] = {
	CONFIG_OPT("partners", "FILE", OPT_STRING, partners, .required = true,
		   .help = "the partners file (as botsink run's): a principal\n"
			   "partner-NAME for each [NAME]\n"),
	CONFIG_OPT("sensors", "NAME,...", OPT_CUSTOM, sensors, .required = true,
		   .parse = parse_word_list, .expect = "a comma-separated list of names",
		   .help = "the sensors: a principal sensor-NAME each\n"),
	CONFIG_OPT("out", "DIR", OPT_STRING, out, .required = true,
		   .help = "where the files go (created, mode 0700)\n"),
	CONFIG_OPT("nodes", "N", OPT_UINT32, nodes, .min = 1, .max = SERVER_CONFIG_MAX_NODES,
		   .help = "nodes in the cluster (default: 3)\n"),
	CONFIG_OPT("host", "HOST[,HOST...]", OPT_CUSTOM, hosts, .parse = parse_word_list,
		   .expect = "a comma-separated list of hosts",
		   .help = "the address every node listens on, or one per node\n"
			   "(default: 127.0.0.1)\n"),
	CONFIG_OPT("client-port", "PORT", OPT_UINT32, client_port, PORT_RANGE,
		   .help = "clients' (TLS) port (default: 4222)\n"),
	CONFIG_OPT("cluster-port", "PORT", OPT_UINT32, cluster_port, PORT_RANGE,
		   .help = "routes between the nodes (default: 6222)\n"),
	CONFIG_OPT("monitor-port", "PORT", OPT_UINT32, monitor_port, PORT_RANGE,
		   .help = "monitoring, https only (default: 8222)\n"),
	CONFIG_OPT("tls-cert", "FILE", OPT_STRING, tls_cert,
		   .help = "the nodes' certificate, for clients and routes\n"
			   "(default: DIR/tls/server.pem)\n"),
	CONFIG_OPT("tls-key", "FILE", OPT_STRING, tls_key,
		   .help = "its key (default: DIR/tls/server.key)\n"),
	CONFIG_OPT("tls-ca", "FILE", OPT_STRING, tls_ca,
		   .help = "the CA clients and nodes check the certificate\n"
			   "against (default: DIR/tls/ca.pem)\n"),
	OPT_END,
};

static const struct config_opts config_defaults = {
	.nodes = 3,
	.client_port = 4222,
	.cluster_port = 6222,
	.monitor_port = 8222,
};

static const char *const default_host[] = { "127.0.0.1" };

/* DIR as an absolute path (it need not exist yet). */
static char *absolute_dir(const char *dir)
{
	char cwd[PATH_MAX], *abs = NULL;

	if (dir[0] == '/')
		return strdup(dir);
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&abs, "%s/%s", cwd, dir) < 0)
		return NULL;
	return abs;
}

/* A TLS file: the option's, or DIR/tls/NAME; it must exist. Its real path, or NULL. */
static char *tls_file(const char *given, const char *dir, const char *name, const char *option)
{
	char path[PATH_MAX], *real;

	if (given)
		snprintf(path, sizeof(path), "%s", given);
	else
		snprintf(path, sizeof(path), "%s/tls/%s", dir, name);
	real = realpath(path, NULL);
	if (!real && given)
		fprintf(stderr, "botsink nats-config: --%s %s: %s\n", option, path,
			strerror(errno));
	else if (!real)
		fprintf(stderr, "botsink nats-config: %s: %s (put it there, or give --%s)\n", path,
			strerror(errno), option);
	return real;
}

/* The partners' names, each usable in a subject, else FILE:LINE: reason. */
static int partner_names(const char *path, struct partner_set *ps, const char ***names)
{
	*names = NULL;
	if (partners_load(path, PARTNERS_HAVE_ASN_DB | PARTNERS_OUTPUT_OPTIONAL, NULL, ps, stderr))
		return EXIT_USAGE;
	*names = calloc(ps->n + 1, sizeof(**names));
	if (!*names) {
		fprintf(stderr, "botsink nats-config: out of memory\n");
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < ps->n; i++) {
		if (!bus_name_valid(ps->p[i].name)) {
			fprintf(stderr,
				"%s:%u: partner name '%s' cannot be part of a NATS subject: use [A-Za-z0-9_-], 1-%d characters\n",
				path, ps->p[i].line, ps->p[i].name, BUS_NAME_MAX);
			return EXIT_USAGE;
		}
		(*names)[i] = ps->p[i].name;
	}
	return 0;
}

static int write_config(const struct server_config *c)
{
	struct strbuf urls = { 0 };
	char err[4352];
	int ret;

	ret = server_config_write(c, stdout, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "botsink nats-config: %s\n", err);
		return ret;
	}
	server_config_urls(c, &urls);
	printf("Start each node with nats-server -c %s/node-N.conf; clients connect to\n%s\n",
	       c->dir, urls.buf ? urls.buf : "");
	sb_free(&urls);
	return EXIT_OK;
}

static int nats_config_main(void *opts, char **args)
{
	struct config_opts *o = opts;
	struct server_config c = {
		.nodes = o->nodes,
		.hosts = o->hosts.n ? o->hosts.words : default_host,
		.nhosts = o->hosts.n ? o->hosts.n : 1,
		.client_port = o->client_port,
		.cluster_port = o->cluster_port,
		.monitor_port = o->monitor_port,
		.sensors = o->sensors.words,
		.nsensors = o->sensors.n,
	};
	struct partner_set ps = { 0 };
	const char **partners = NULL;
	char *dir = absolute_dir(o->out), *cert = NULL, *key = NULL, *ca = NULL;
	int ret = EXIT_USAGE;

	(void)args;
	if (!dir) {
		fprintf(stderr, "botsink nats-config: %s: %s\n", o->out, strerror(errno));
		return EXIT_RUNTIME;
	}
	cert = tls_file(o->tls_cert, dir, "server.pem", "tls-cert");
	key = tls_file(o->tls_key, dir, "server.key", "tls-key");
	ca = tls_file(o->tls_ca, dir, "ca.pem", "tls-ca");
	if (!cert || !key || !ca)
		goto out;
	ret = partner_names(o->partners, &ps, &partners);
	if (ret)
		goto out;
	c.dir = dir;
	c.tls_cert = cert;
	c.tls_key = key;
	c.tls_ca = ca;
	c.partners = partners;
	c.npartners = ps.n;
	ret = write_config(&c);
out:
	free(partners);
	partners_free(&ps);
	free(dir);
	free(cert);
	free(key);
	free(ca);
	return ret;
}

static void config_release(void *opts)
{
	struct config_opts *o = opts;

	word_list_free(&o->sensors);
	word_list_free(&o->hosts);
}

static const struct command_group config_group = {
	.intro = "Write the configuration of a NATS JetStream cluster for botsink into DIR:\n"
		 "node-1.conf .. node-N.conf for nats-server 2.9 (routes between the nodes over\n"
		 "TLS, clients on TLS only, monitoring on https only, JetStream with its store\n"
		 "in DIR/data/node-I encrypted with a random key of each node's own), and\n"
		 "DIR/creds/USER.creds for each principal: hub, sensor-NAME, partner-NAME and\n"
		 "public, with a random password (the node files hold only its bcrypt hash)\n"
		 "and the least each needs: a sensor publishes its own counts, the hub reads\n"
		 "them and publishes the feeds, a partner reads only its own consumer.\n"
		 "One host: node I listens on each port + I - 1; one host per node: on the\n"
		 "ports themselves. Every file is mode 0600, DIR 0700. Nothing is ever\n"
		 "overwritten: a DIR that holds node files, creds/ or data/ is refused (a\n"
		 "store cannot be read without the key in its node file); other files, such\n"
		 "as the certificates in DIR/tls, may be there.\n",
	.outro = "Exit status: 0 written, 1 a file could not be written (nothing is left\n"
		 "half-written), 2 bad usage, an unusable partners file or name, or files\n"
		 "that exist.\n",
	.column = 30,
};

const struct command nats_config_command =
	COMMAND(struct config_opts, "nats-config", config_opts, &config_defaults, nats_config_main,
		&config_group, .release = config_release,
		.summary = "write a NATS cluster's node files and credentials");

/* ---- streams ---- */

struct streams_opts {
	struct bus_config bus;
	const char *partners;
	__u32 replicas;
	long long counts_max_age, duplicate_window, partners_max_age;
	uint64_t counts_max_bytes;
};

#define STREAMS_OPT(...) OPT_ROW(struct streams_opts, __VA_ARGS__)
#define TIME_RANGE .min = 1, .max = MAX_TIME

static const struct opt streams_opts[] = {
	OPT_BUS_ROWS(struct streams_opts, bus.urls, bus.auth_file, bus.ca_file,
		     "the hub's credentials file (botsink nats-config)\n"),
	STREAMS_OPT("partners", "FILE", OPT_STRING, partners,
		    .help = "the partners file: a consumer for each partner\n"),
	STREAMS_OPT("replicas", "N", OPT_UINT32, replicas, .min = 1, .max = 5,
		    .help = "copies of each message (default: " STRINGIFY(TOPOLOGY_REPLICAS) ")\n"),
	STREAMS_OPT("counts-max-age", "TIME", OPT_DURATION, counts_max_age, TIME_RANGE,
		    .help = "counts older than this are dropped (default: 1d)\n"),
	STREAMS_OPT("counts-max-bytes", "SIZE", OPT_SIZE, counts_max_bytes, .min = 1,
		    .max = MAX_STREAM_BYTES,
		    .help = "a counts stream this full refuses publishes\n"
			    "(default: 1G)\n"),
	STREAMS_OPT("duplicate-window", "TIME", OPT_DURATION, duplicate_window, TIME_RANGE,
		    .help = "a message id seen within this is stored once\n"
			    "(default: 600s; the partner stream keeps at least " STRINGIFY(
				    TOPOLOGY_PARTNERS_MIN_WINDOW) "s)\n"),
	STREAMS_OPT("partners-max-age", "TIME", OPT_DURATION, partners_max_age, TIME_RANGE,
		    .help = "feed records older than this are dropped\n"
			    "(default: 7d)\n"),
	OPT_END,
};

static const struct streams_opts streams_defaults = {
	.bus.name = "botsink streams",
	.replicas = TOPOLOGY_REPLICAS,
	.counts_max_age = TOPOLOGY_COUNTS_MAX_AGE,
	.duplicate_window = TOPOLOGY_DUPLICATE_WINDOW,
	.partners_max_age = TOPOLOGY_PARTNERS_MAX_AGE,
	.counts_max_bytes = TOPOLOGY_COUNTS_MAX_BYTES,
};

static int streams_apply(const struct streams_opts *o, const char *const *partners, size_t n)
{
	struct topology t;
	char err[1024];
	struct bus *b;
	int ret;

	topology_defaults(&t);
	t.replicas = o->replicas;
	t.counts_max_age = o->counts_max_age;
	t.duplicate_window = o->duplicate_window;
	t.partners_max_age = o->partners_max_age;
	t.counts_max_bytes = (int64_t)o->counts_max_bytes;
	t.partners = partners;
	t.npartners = n;
	b = bus_connect(&o->bus, &ret, err, sizeof(err));
	if (b) {
		ret = topology_apply(b, &t, stdout, err, sizeof(err));
		bus_close(b);
	}
	if (ret)
		fprintf(stderr, "botsink streams: %s\n", err);
	return ret;
}

static int streams_main(void *opts, char **args)
{
	struct streams_opts *o = opts;
	struct partner_set ps = { 0 };
	const char **names;
	int ret;

	(void)args;
	if (o->partners &&
	    partners_load(o->partners, PARTNERS_HAVE_ASN_DB | PARTNERS_OUTPUT_OPTIONAL, NULL, &ps,
			  stderr))
		return EXIT_USAGE;
	names = calloc(ps.n + 1, sizeof(*names));
	if (!names) {
		partners_free(&ps);
		fprintf(stderr, "botsink streams: out of memory\n");
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < ps.n; i++)
		names[i] = ps.p[i].name;
	ret = streams_apply(o, names, ps.n);
	free(names);
	partners_free(&ps);
	return ret;
}

static const struct command_group streams_group = {
	.intro = "Create the bus's streams and consumers, or bring them to this configuration:\n"
		 "BOTSINK_COUNTS (botsink.counts.>, discard new when full) with the hub's\n"
		 "consumer botsink-hub, and BOTSINK_PARTNERS (botsink.partner.>,\n"
		 "botsink.public) with a consumer partner-NAME for each partner and public.\n"
		 "The hub does the same when it starts; this is for setting up a cluster\n"
		 "before it, or changing a limit. One line per stream and consumer is printed.\n",
	.outro = "Exit status: 0 done, 1 the cluster could not be reached or could not serve,\n"
		 "2 bad usage, refused credentials, certificate or permission, or a\n"
		 "configuration the cluster refused.\n",
	.column = 30,
};

const struct command streams_command =
	COMMAND(struct streams_opts, "streams", streams_opts, &streams_defaults, streams_main,
		&streams_group, .summary = "create or update the NATS streams and consumers");

/* ---- pull ---- */

#define PULL_OPT(...) OPT_ROW(struct pull_config, __VA_ARGS__)

static const struct opt pull_opts[] = {
	OPT_BUS_ROWS(struct pull_config, bus.urls, bus.auth_file, bus.ca_file,
		     "your credentials file (partner-NAME or public)\n"),
	PULL_OPT("consumer", "NAME", OPT_STRING, consumer,
		 .help = "the consumer to read (default: the one named as\n"
			 "the user: partner-NAME or public)\n"),
	PULL_OPT("batch", "N", OPT_UINT32, batch, .min = 1, .max = 10000,
		 .help = "messages per fetch (default: " STRINGIFY(PULL_BATCH) ")\n"),
	PULL_OPT("max-records", "N", OPT_UINT32, max_records, .min = 1, .max = UINT32_MAX,
		 .help = "stop once N records are written (a message is\n"
			 "never split: the last may take it past N)\n"),
	PULL_OPT("idle", "SECONDS", OPT_SECONDS, idle, .min = 0.1, .max = MAX_TIME,
		 .help = "stop after SECONDS without a message (default:\n"
			 "wait for more until stopped)\n"),
	OPT_END,
};

static const struct pull_config pull_defaults = {
	.bus.name = "botsink pull",
	.batch = PULL_BATCH,
};

static volatile sig_atomic_t pull_stop;

static void on_stop(int sig)
{
	(void)sig;
	pull_stop = 1;
}

static int pull_main(void *opts, char **args)
{
	struct pull_config *cfg = opts;
	struct sigaction sa = { .sa_handler = on_stop };
	struct pull_stats st;
	char err[1024];
	int ret;

	(void)args;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a reader gone: a write error, nothing acknowledged */
	cfg->stop = &pull_stop;
	ret = pull_run(cfg, stdout, &st, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "botsink pull: %s\n", err);
		return ret;
	}
	fprintf(stderr, "botsink pull: %llu records in %llu messages\n",
		(unsigned long long)st.records, (unsigned long long)st.messages);
	return EXIT_OK;
}

static const struct command_group pull_group = {
	.intro = "Read your records: fetch from your durable consumer on stream\n"
		 "BOTSINK_PARTNERS (partner-NAME, or public) in batches, write each message's\n"
		 "record lines to stdout, flush, and only then acknowledge them: a record\n"
		 "is never lost between the stream and stdout (stopped before the\n"
		 "acknowledgement, its message comes again). A consumer that does not exist\n"
		 "yet is created, filtered on your own subject. SIGINT or SIGTERM stop after\n"
		 "the batch in hand. A count of what was read goes to stderr.\n",
	.outro = "Exit status: 0 done (idle, --max-records, a signal), 1 the cluster out of\n"
		 "reach or stdout unwritable, 2 bad usage, or credentials, certificate or\n"
		 "permission refused (the server's words are printed).\n",
	.column = 30,
};

const struct command pull_command =
	COMMAND(struct pull_config, "pull", pull_opts, &pull_defaults, pull_main, &pull_group,
		.summary = "read your records from the NATS cluster");
