/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The counts format: what a sensor publishes and a hub reads (README: the
 * bus). One JSON object per line, raw: the source address as it is, the
 * rule's labels, the counts, the times in nanoseconds since the epoch,
 * no enrichment (the hub looks sources up itself). It begins with
 *	{"v":1,"record_id":"SENSOR:INCARNATION:EPOCH:INDEX",
 * so that a line's record id is found without parsing it. Written by
 * record_to_counts (feed/record.h) from a view that shows sources raw.
 */
#ifndef BOTSINK_COUNTS_H
#define BOTSINK_COUNTS_H

#include <stddef.h>
#include "feed/feed.h"

#define COUNTS_VERSION 1
#define COUNTS_LINE_START "{\"v\":1,\"record_id\":\""

/*
 * The record id at the start of a counts line: its length, 0 if the line
 * does not start as one does; *id points into the line.
 */
size_t counts_line_id(const char *line, size_t len, const char **id);

/*
 * One line (without its newline) into *c: the strings it points to live
 * in *doc until counts_release(*doc). 0, or -1 with a reason in err (and
 * nothing to release).
 */
int counts_parse(const char *line, size_t len, struct feed_count *c, void **doc, char *err,
		 size_t errlen);
void counts_release(void *doc);

#endif
