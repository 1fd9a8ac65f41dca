/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The partners file (--partners): one INI section per partner, each with
 * its scope (prefixes and AS numbers), anonymization, format and output.
 * A partner only ever receives records whose source is inside its scope.
 */
#ifndef BOTSINK_PARTNERS_H
#define BOTSINK_PARTNERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "feed/record.h"
#include "lib/addr.h"
#include "lib/evidence.h"
#include "privacy/anon.h"

#define PARTNER_NAME_MAX 64
#define PARTNERS_LINE_MAX 4096 /* bytes, without the line break */
#define PARTNERS_ERRORS_MAX 100 /* then the file is given up on */

struct partner {
	char *name; /* section name: [A-Za-z0-9._-], 1-64 chars, unique */
	struct prefix *prefixes; /* as written, host bits zero */
	size_t nprefixes;
	uint32_t *asns; /* sorted, unique */
	size_t nasns;
	enum anon_mode anon; /* default ipcrypt-pfx */
	enum record_format format; /* default jsonl */
	bool verified_only; /* default true: no unverified TCP check-ins (struct feed_view) */
	enum evidence_level evidence; /* default path: what the bots sent, up to the URL's path */
	char *output; /* a file path, as written */
	unsigned int line; /* of its [section] header */
};

struct partner_set {
	struct partner *p;
	size_t n;
};

/* partners_load flags (a bool true is PARTNERS_HAVE_ASN_DB). */
#define PARTNERS_HAVE_ASN_DB 1U /* --mmdb-asn was given (an AS scope entry needs it) */
#define PARTNERS_OUTPUT_OPTIONAL 2U /* the hub: partners' records go to the bus, a file is extra */

/*
 * Read a partners file. 0, or -1 with every error written to `errors` as
 * "FILE:LINE: reason" (an unreadable file: "FILE: reason"), in line order,
 * and `out` left empty. flags: PARTNERS_*. main_feed: the main feed's path
 * (NULL or "-": none), which no partner may write to.
 */
int partners_load(const char *path, unsigned int flags, const char *main_feed,
		  struct partner_set *out, FILE *errors);
/* The same, from memory; `name` is what errors report as the file. */
int partners_parse_buffer(const char *name, const char *text, size_t len, unsigned int flags,
			  const char *main_feed, struct partner_set *out, FILE *errors);
void partners_free(struct partner_set *ps);
/* Does any partner have an AS scope entry (the ASN lookup is needed)? */
bool partners_use_asn(const struct partner_set *ps);

/*
 * Is the source inside the partner's scope? `src` is a host (/128 in the
 * 16-byte form) or, for an aggregate record, a prefix, which is in scope
 * only when the scope's prefixes cover all of it, or when `asn` (0:
 * unknown) is one of the partner's and asn_len (the length, 16-byte form,
 * of the database network the ASN was found in) <= src->len: the whole
 * aggregate lies in that network.
 */
bool partner_in_scope(const struct partner *p, const struct prefix *src, uint32_t asn,
		      unsigned int asn_len);

#endif
