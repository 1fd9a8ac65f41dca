/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * From drained counts to records in a sink. Anonymization happens when a
 * record is built, so a raw address never leaves the process in an
 * anonymized mode.
 */
#ifndef BOTSINK_FEED_H
#define BOTSINK_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "enrich/enrich.h"
#include "feed/partners.h"
#include "feed/sink.h"
#include "kernel/counters.h"
#include "lib/evidence.h"
#include "privacy/anon.h"
#include "privacy/keyring.h"
#include "rules/rules.h"

/* What a sid stands for; entries outlive reloads (pending counts). */
struct catalog_entry {
	uint32_t sid;
	char *family;
	char *msg;
	char *classtype; /* NULL when the rule has none */
};

#define CATALOG_NONE ((size_t)-1)

/* One drained generation, as written: its number and when it ended. */
struct epoch {
	unsigned long long incarnation; /* of the drain state: ids never repeat across runs */
	unsigned long long number;
	struct timespec end; /* wall clock when the generation was swapped out */
	unsigned long long end_mono_ns; /* CLOCK_MONOTONIC_COARSE then */
};

/*
 * What one output shows: which sources (a partner's scope, or all of them)
 * and how (anonymization; the format is the sink's).
 */
struct feed_view {
	const char *name; /* "feed", or the partner's name */
	const struct partner *partner; /* NULL: every record (the public view) */
	enum anon_mode anon;
	struct keyring *keys; /* ipcrypt modes: the keys by epoch; else NULL */
	struct anonymizer plain; /* truncate and none */
	bool network; /* the format shows the source's network (IntelMQ's source.network) */
	/*
	 * Unverified TCP check-ins are left out: checkins counts verified TCP
	 * and non-TCP ones, and a record left with none is withheld.
	 */
	bool verified_only;
	/* How much of what the bots sent it shows (feed_view_init: none). */
	enum evidence_level evidence;
};

/* One view's records of an epoch, into one sink. */
struct feed_target {
	const struct feed_view *view;
	struct sink *sink;
	int error; /* set when a write failed (errno): nothing more went there */
	bool written; /* records went there: it has something to sync */
};

struct feed {
	const struct enricher *enrich; /* NULL: no enrichment */
	unsigned int truncate_v4, truncate_v6; /* the network shown beside a pseudonym */
	const char *sensor;
	struct catalog_entry *catalog;
	size_t ncatalog;
	size_t *by_sid; /* catalog indices sorted by sid, the newest of each sid only */
	size_t nby_sid;
};

/* SENSOR (up to 255 bytes):INCARNATION:EPOCH:INDEX */
#define RECORD_ID_LEN (256 + 16 + 20 + 20 + 4)

/*
 * One count as every view sees it, before a view shows its source: built
 * from a drained generation (feed_write_epoch), or read off the bus (the
 * hub: record_counts_parse).
 */
struct feed_count {
	struct feed_record rec; /* src_ip and the view's fields still unset */
	struct prefix src; /* the raw source: a host (/128), or an aggregate's prefix */
	unsigned int bits; /* an aggregate's native prefix length */
	struct enrichment enr;
	const struct evidence *ev; /* what the source sent, raw; NULL: none */
	char id[RECORD_ID_LEN];
};

void feed_init(struct feed *f, const struct enricher *enrich, unsigned int truncate_v4,
	       unsigned int truncate_v6, const char *sensor);
/*
 * A view of `anon` mode, for an output in `format`: keys from `keys`
 * (ipcrypt modes), else truncation to the feed's prefix lengths; with
 * verified_only, see struct feed_view. 0, or -1 with a reason in err.
 */
int feed_view_init(struct feed_view *v, const struct feed *f, const char *name,
		   const struct partner *partner, enum anon_mode anon, struct keyring *keys,
		   enum record_format format, bool verified_only, char *err, size_t errlen);
void feed_view_free(struct feed_view *v);
/*
 * Remember what the rule set's sids stand for: records written from now on
 * carry these labels (a sid's newest entry wins). 0 or -ENOMEM.
 */
int feed_learn_rules(struct feed *f, const struct rule_set *rs);
/*
 * Write an epoch's counts as records in the order read (a generation that
 * nothing writes any more reads the same every time, so a re-emitted epoch
 * gets the same record ids: sensor:incarnation:epoch:index, the same in
 * every view), to each target the records in its view, handed to its sink
 * in batches of up to 8,192. Each source is enriched once for all views.
 * 0 when every target took its records; -1 when one failed (its `error`
 * says why, it got nothing more, and part of the epoch may be there: the
 * caller rolls it back; ENOMEM in every target: nothing was built).
 */
int feed_write_epoch(struct feed *f, const struct epoch *e, const struct drain_result *d,
		     struct feed_target *targets, size_t ntargets);
/*
 * A count's source as view v shows it in a record's src_ip (a host, or an
 * overflow table's prefix), with the key of the time in ipcrypt modes
 * (keyring_key_for on v->keys; NULL in the others). buf: PREFIX_TEXT_LEN
 * bytes.
 */
void feed_view_source(const struct feed_view *v, const struct anon_key *key,
		      const struct botsink_source_count *sc, char *buf, size_t len);
/* Look the count's source up in the feed's databases (not a catch-all's). */
void feed_count_enrich(const struct feed *f, struct feed_count *c);
/*
 * Counts of one epoch (it ended at t_end, Unix seconds: the keys' time)
 * to each target, as feed_write_epoch does; `last`: they end the epoch.
 * 0, or -1 when a target failed (its `error` says why).
 */
int feed_write_counts(const struct feed *f, long long t_end, const struct feed_count *c, size_t n,
		      bool last, struct feed_target *targets, size_t ntargets);
/*
 * The evidence of count b as view v shows it (anonymizer a: the view's,
 * with the epoch's key), into r->ev: the fields v->evidence allows; in an
 * anonymized view, a Host that is an address other than the destination
 * shown as the source is, and any field that holds the source's address,
 * or a payload that names a client (X-Forwarded-For, X-Real-IP,
 * Forwarded), left out.
 */
void feed_view_evidence(const struct feed_view *v, const struct anonymizer *a,
			const struct feed_count *b, struct feed_record *r);
void feed_free(struct feed *f);

#endif
