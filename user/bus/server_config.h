/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The NATS cluster's configuration, as botsink nats-config writes it: a
 * file per node for nats-server 2.9 (a cluster with TLS routes, client TLS
 * required, JetStream with an encrypted store, monitoring over https
 * only) and a credentials file (bus.h) per principal, each principal
 * allowed the least it needs:
 *
 *   sensor-NAME  publish   botsink.counts.NAME
 *                          $JS.API.DIRECT.GET.BOTSINK_COUNTS.botsink.counts.NAME
 *                          (its own last stored message: js_DirectGetMsg, LastBySubject)
 *                          $JS.API.STREAM.INFO.BOTSINK_COUNTS
 *                          (the stream's duplicate window: bus/publish.c learn_stored)
 *   hub          publish   $JS.API.>, $JS.ACK.BOTSINK_COUNTS.botsink-hub.>,
 *                          $KV.BOTSINK_KEYS.>, $JS.FC.KV_BOTSINK_KEYS.>,
 *                          botsink.partner.>, botsink.public; never botsink.counts.>
 *   partner-NAME publish   $JS.API.CONSUMER.INFO.BOTSINK_PARTNERS.partner-NAME
 *   public                 $JS.API.CONSUMER.MSG.NEXT.BOTSINK_PARTNERS.partner-NAME
 *                          $JS.ACK.BOTSINK_PARTNERS.partner-NAME.>
 *                          (public: consumer public, subject botsink.public)
 *   everyone     subscribe _INBOX_USER.>  (its inbox prefix, nothing else)
 *
 * A partner creates no consumer, not even its own (`botsink streams` and
 * the hubs do): a create request may ask for a push consumer, and
 * nats-server publishes a push consumer's messages to the deliver subject
 * of the request, whatever the creator may publish to.
 */
#ifndef BOTSINK_SERVER_CONFIG_H
#define BOTSINK_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "bus/bus.h"
#include "lib/strbuf.h"

#define SERVER_CONFIG_ACCOUNT "BOTSINK" /* the one account, JetStream enabled */
#define SERVER_CONFIG_CLUSTER "botsink" /* the cluster's name */
#define SERVER_CONFIG_MAX_NODES 7
/*
 * The passwords are 24 random bytes (48 hex digits), so the hash guards a
 * leaked node file, not a guessable password: bcrypt cost 10 keeps the
 * server's check on each connect near 50 ms.
 */
#define SERVER_CONFIG_PASSWORD_BYTES 24
#define SERVER_CONFIG_BCRYPT_COST 10
#define SERVER_CONFIG_HASH_MAX 128
/* nats-server's largest payload without a warning: a batch of records per message. */
#define SERVER_CONFIG_MAX_PAYLOAD "8MB"
/* TLS handshakes get this long (nats-server's default, 0.5 s, is short on a busy host). */
#define SERVER_CONFIG_TLS_TIMEOUT 3

struct server_config {
	const char *dir; /* where the files go (absolute: the node files name paths in it) */
	unsigned int nodes; /* 1 to SERVER_CONFIG_MAX_NODES */
	/*
	 * One host for every node (node i listens on each port + i - 1), or
	 * one per node, all different (each listens on the ports themselves).
	 */
	const char *const *hosts;
	size_t nhosts;
	unsigned int client_port, cluster_port, monitor_port;
	const char *tls_cert, *tls_key, *tls_ca; /* absolute paths */
	const char *const *sensors;
	size_t nsensors;
	const char *const *partners;
	size_t npartners;
};

/* The files of a configuration, in memory: paths relative to the directory. */
struct server_file {
	char *path;
	struct strbuf text;
};

struct server_files {
	struct server_file *f;
	size_t n;
};

/* What is wrong with the configuration (names, hosts, ports, paths): 0, or -1 with the reason. */
int server_config_check(const struct server_config *c, char *err, size_t errlen);
/*
 * Every file, new secrets in each: node-1.conf .. node-N.conf and
 * creds/USER.creds. 0, or -1 with the reason (no randomness, no memory).
 */
int server_config_render(const struct server_config *c, struct server_files *out, char *err,
			 size_t errlen);
void server_files_free(struct server_files *files);
/*
 * Check, render and write into c->dir (created mode 0700, as are creds/
 * and data/; every file mode 0600). Nothing is overwritten: when a node
 * file, creds/ or data/ exists already, nothing is written and the
 * result is EXIT_USAGE. EXIT_OK, or EXIT_USAGE / EXIT_RUNTIME with the
 * reason; a write that fails removes what was written. With `report`, the
 * path of each file written, one a line.
 */
int server_config_write(const struct server_config *c, FILE *report, char *err, size_t errlen);
/* The clients' URLs, tls://HOST:PORT of every node, comma-separated, into sb. */
void server_config_urls(const struct server_config *c, struct strbuf *sb);

#endif
