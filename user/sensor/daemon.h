/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The sensor daemon's life cycle (botsink run): load the rules and the
 * state, open the outputs, load and attach the program, drain every
 * interval until a signal says stop, drain a last time.
 */
#ifndef BOTSINK_DAEMON_H
#define BOTSINK_DAEMON_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "bus/publish.h"
#include "enrich/enrich.h"
#include "feed/drain.h"
#include "feed/feed.h"
#include "feed/outputs.h"
#include "feed/partners.h"
#include "kernel/loader.h"
#include "lib/addr_set.h"
#include "privacy/anon.h"
#include "privacy/keyring.h"
#include "rules/compile.h"
#include "rules/rules.h"
#include "sensor/metrics.h"

#define SENSOR_NAME_LEN 256

/* What botsink run was asked to do (the command line, checked). */
struct sensor_config {
	const char *ifname;
	const char *rules_path;
	const char *feed_path;
	const char *key_path;
	const char *partners_path;
	const char *mmdb_asn, *mmdb_geo;
	const char *state_dir;
	const char *pin_dir;
	const char *sensor_arg; /* --sensor; sensor is the name used */
	const char *publish_urls, *publish_auth, *publish_ca; /* --publish: the hub's cluster */
	char sensor[SENSOR_NAME_LEN];
	double interval;
	enum anon_mode anon;
	enum record_format format;
	bool verified_only; /* the public feed's */
	enum evidence_level evidence; /* the public feed's (none) */
	enum evidence_level publish_evidence; /* what the bus gets (path) */
	enum key_rotate key_rotate;
	long long key_retention; /* seconds */
	struct truncate_bits truncate; /* prefix lengths kept by --anon truncate */
	enum xdp_attach_mode xdp_mode;
	enum botsink_verdict verdict;
	enum botsink_respond respond;
	bool no_syncookies;
	bool no_attach;
	bool lenient;
	bool verbose;
	struct loader_caps caps; /* --max-sources, --max-unclassified; 0: default or as pinned */
	uint64_t rotate_size; /* 0: no rotation by size */
	uint64_t spool_max; /* bytes; 0: no spool */
	double rotate_interval; /* 0: none by time */
	int ifindex;
	struct sinkhole_space sinkhole; /* --sinkhole; not given: the rules' destinations */
	struct metrics_config metrics; /* --metrics; listen NULL: none */
};

struct daemon {
	struct sensor_config *cfg;
	struct loader loader;
	struct rule_set rules;
	struct compiled compiled;
	struct enricher enrich;
	struct key_store keys;
	char keys_dir[PATH_MAX];
	struct output_set outputs;
	struct sink *publisher; /* --publish, or NULL: the outputs' last */
	/* What publish.status says (saved only when it changes); saved: it exists. */
	struct publish_stats publish_saved;
	unsigned long long publish_saved_spool;
	bool publish_status_saved;
	char outputs_path[PATH_MAX];
	struct feed feed;
	struct drainer drainer;
	struct evidence_store *evidence; /* samples, once some view showed evidence; or NULL */
	int sigfd, timerfd;
	char *rules_path; /* from `botsink rules load`, else NULL: cfg->rules_path */
	struct timespec rotated_at; /* the feed file's last rotation (or start) */
	int state_fd; /* the state directory, held open (control_start), or -1 */
	int control_fd; /* the lock on the pid file, or -1 */
	struct sensor_metrics metrics;
};

/* botsink run: the whole life cycle; an exit code. */
int sensor_run(struct sensor_config *cfg);

/*
 * The steps, for tests. daemon_prepare does all that needs no kernel: the
 * rules (parsed and compiled), the state directory, the enrichment
 * databases, the partners and the outputs; EXIT_OK, or an exit code with
 * the reason logged. daemon_release frees what it made (also after a
 * failure, and after a run).
 */
void daemon_init(struct daemon *d, struct sensor_config *cfg);
int daemon_prepare(struct daemon *d);
void daemon_release(struct daemon *d);
/*
 * Parse and compile a rules file; errors are logged as file:line: reason,
 * and also written to `errors` when it is not NULL. 0 or -1.
 */
int daemon_load_rules(const struct sensor_config *cfg, const char *path, struct rule_set *rs,
		      struct compiled *c, FILE *errors);
/* The start-up line's words on how TCP check-ins are verified. */
const char *daemon_handshake_mode(const struct sensor_config *cfg);

#endif
