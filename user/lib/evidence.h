/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Evidence: what a bot sent in the check-in that created its (source, sid)
 * key in an interval, as captured (raw: a view shows it, feed/feed.c), and
 * how much of it a view may show (evidence levels).
 */
#ifndef BOTSINK_EVIDENCE_H
#define BOTSINK_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/keywords.h"

/* How much evidence a view shows (--evidence, a partner's `evidence`). */
enum evidence_level {
	EVIDENCE_NONE = 0, /* no field */
	EVIDENCE_HOST, /* source port, HTTP method, Host, User-Agent, DNS name */
	EVIDENCE_PATH, /* and the URL and Referer without their query */
	EVIDENCE_FULL, /* and the query, and the first payload bytes */
};

extern const struct keyword evidence_levels[];

/* The texts of a sample, in this order in struct evidence and the counts format. */
enum evidence_text {
	EVIDENCE_HTTP_METHOD = 0,
	EVIDENCE_HTTP_URL,
	EVIDENCE_HTTP_HOST,
	EVIDENCE_HTTP_AGENT,
	EVIDENCE_HTTP_REFERER,
	EVIDENCE_DNS_QUERY,
	EVIDENCE_TEXTS,
};

/* The payload bytes a sample keeps at most (evidence full). */
#define EVIDENCE_PAYLOAD_MAX 256

/*
 * One sample, in one allocation (free() it). Texts are NUL-terminated,
 * bytes as sent but NUL, which becomes U+FFFD; NULL: not seen.
 */
struct evidence {
	bool has_src_port; /* TCP or UDP */
	uint16_t src_port;
	const char *text[EVIDENCE_TEXTS];
	/* The URL and Referer without their query and fragment (evidence path). */
	const char *url_path;
	const char *referer_path;
	const uint8_t *payload; /* NULL: none kept */
	size_t payload_len;
};

/* A text's bytes and length, as given to evidence_new (NULL: not seen). */
struct evidence_part {
	const void *bytes;
	size_t len;
};

/* A sample from its parts; NULL when out of memory. */
struct evidence *evidence_new(bool has_src_port, uint16_t src_port,
			      const struct evidence_part text[EVIDENCE_TEXTS],
			      struct evidence_part payload);

#endif
