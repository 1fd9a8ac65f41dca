/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The outputs of a run: the public feed (every record, --anon, --format)
 * and one per partner (its scope, anon and format), each with its view,
 * sink and spool. A reload builds a new set, keeping the sinks and spools
 * of outputs that did not change, so nothing in flight is lost.
 */
#ifndef BOTSINK_OUTPUTS_H
#define BOTSINK_OUTPUTS_H

#include <stdbool.h>
#include "feed/drain.h"
#include "feed/feed.h"
#include "feed/partners.h"
#include "privacy/keyring.h"

#define OUTPUT_MAIN_SPOOL "spool.jsonl"
#define OUTPUT_PARTNER_DIR "partners" /* in the state directory: partners' spools */
#define OUTPUT_PUBLISH_SPOOL "publish.spool" /* the publisher's, in the counts format */
/* Its name in outputs.state: '@' is in no partner's name. */
#define OUTPUT_PUBLISH_NAME "@publish"
#define OUTPUT_FEED_NONE "none" /* --feed none: no local feed (a publishing sensor) */

/* The keys of each ipcrypt mode, opened when a view first needs them. */
struct key_store {
	const char *dir; /* STATE_DIR/keys */
	const char *fixed_key; /* --key: the key of fixed_mode, for good */
	enum anon_mode fixed_mode;
	enum key_rotate rotate;
	long long retention;
	unsigned int truncate_v4, truncate_v6;
	bool read_only; /* keys as they are: none created, rotated or deleted (botsink top) */
	struct keyring *pfx, *deterministic;
};

/*
 * A partner's output is a file path: "-" is the feed's. That it is a
 * regular file (a pipe could stall) is checked on the opened fd
 * (SINK_REGULAR). 0, or -1 with a reason in err.
 */
int output_check_partner_path(const char *path, char *err, size_t errlen);

/* NULL with a reason in err. */
struct keyring *key_store_get(struct key_store *ks, enum anon_mode mode, char *err, size_t errlen);
void key_store_close(struct key_store *ks);

struct output_config {
	const char *feed_path;
	enum record_format format;
	enum anon_mode anon;
	bool verified_only; /* the public feed's (--verified-only) */
	enum evidence_level evidence; /* the public feed's (--evidence) */
	enum evidence_level publish_evidence; /* the publisher's (--publish-evidence) */
	const char *state_dir; /* for messages */
	int state_fd; /* the state directory, held open: the spools are in it */
	/*
	 * The bus publisher (bus/publish.h), or NULL: the last output, raw
	 * counts. Owned by the caller, never closed by a set.
	 */
	struct sink *publisher;
};

struct output_set {
	struct partner_set partners;
	struct feed_view *views;
	struct drain_output *out; /* out[0]: the public feed */
	struct drain_output **reuse; /* the output of the previous set each goes on with */
	size_t n;
};

/*
 * Open the outputs for `partners` (taken over: *partners is emptied in
 * any case). Outputs of `prev` with the same name, file and format are
 * to be reused (their sinks and spools: every view is new), and nothing
 * of prev is touched until output_set_take. First the fds it needs are
 * checked against RLIMIT_NOFILE (the soft limit raised up to the hard one
 * when that suffices). 0, or -1 with a reason in err, nothing opened, and
 * no file left that this call made.
 */
int output_set_open(struct output_set *set, const struct output_config *cfg,
		    struct partner_set *partners, const struct feed *f, struct key_store *ks,
		    struct output_set *prev, char *err, size_t errlen);
/* Take the reused sinks, spools and positions over from the previous set. */
void output_set_take(struct output_set *set);
void output_set_close(struct output_set *set);

#endif
