/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Times as UTC text, in the spellings the feed formats use. */
#ifndef BOTSINK_UTC_H
#define BOTSINK_UTC_H

#include <stddef.h>
#include <time.h>

/* "2026-11-26T22:31:29.123Z": milliseconds, truncated. */
void format_utc(const struct timespec *ts, char *buf, size_t len);
/*
 * Whole seconds (truncated), date and time joined by `sep`, then `zone`:
 * "2026-11-26 22:31:29" (' ', "") or "2026-11-26T22:31:29+00:00" ('T', "+00:00").
 */
void format_utc_seconds(const struct timespec *ts, char sep, const char *zone, char *buf,
			size_t len);

#endif
