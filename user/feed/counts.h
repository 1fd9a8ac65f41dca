/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The counts format: what a sensor publishes and a hub reads (README: the
 * bus). One line per count, raw: the source address as it is, the rule's
 * labels, the counts, the times in nanoseconds since the epoch, and no
 * enrichment (the hub looks sources up itself). Fields are separated by
 * tabs, in a fixed order, as in PostgreSQL's COPY text format: in a text
 * field a backslash, tab, newline and carriage return are written \\, \t,
 * \n and \r, and a missing one (NULL) is \N. The line starts with the
 * format's tag and the record id:
 *
 *	C1 ID SENSOR TIMESTAMP FIRST_SEEN LAST_SEEN SRC FLAGS PROTOCOL DST_IP
 *	DST_PORT SID FAMILY TAG CLASSTYPE PACKETS BYTES SYNS CHECKINS
 *	CHECKINS_TCP CHECKINS_VERIFIED DNS_QTYPE
 *
 * SRC: a host, or an aggregate's prefix; FLAGS: "o" an aggregate
 * (overflow), "a" a catch-all (no sid), both, or "-".
 *
 * A count with evidence (lib/evidence.h) is a line of version C2 instead:
 * the same fields, then
 *
 *	SRC_PORT HTTP_METHOD HTTP_URL HTTP_HOST HTTP_AGENT HTTP_REFERER
 *	DNS_QUERY PAYLOAD
 *
 * SRC_PORT \N when unknown, PAYLOAD in hex. Counts without evidence stay
 * C1, which every hub reads. A line of JSON keys
 * would be three times longer: the stream stores every byte three times
 * (messages of these lines travel packed: bus/pack.h).
 */
#ifndef BOTSINK_COUNTS_H
#define BOTSINK_COUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include "feed/feed.h"

#define COUNTS_TAG "C1" /* the format and its version */
#define COUNTS_FIELDS 22
#define COUNTS_TAG_EVIDENCE "C2" /* with evidence */
#define COUNTS_EVIDENCE_FIELDS 8 /* after the C1 fields */

/* Does the line start as one of the versions this hub reads does? */
bool counts_version_known(const char *line, size_t len);

/*
 * The record id at the start of a counts line (as written: escaped): its
 * length, 0 if the line does not start as one does; *id points into it.
 */
size_t counts_line_id(const char *line, size_t len, const char **id);

/*
 * One line (len bytes without its newline; line[len], its newline or one
 * more byte, must be writable) into *c, in place: the line is changed,
 * and the strings of *c point into it. 0, or -1 with a reason in err (the
 * field, never its content: it may be a raw address).
 */
int counts_parse(char *line, size_t len, struct feed_count *c, char *err, size_t errlen);
/* What counts_parse allocated for the counts (their evidence). */
void counts_release(struct feed_count *c, size_t n);

#endif
