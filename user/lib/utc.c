// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "lib/utc.h"

void format_utc(const struct timespec *ts, char *buf, size_t len)
{
	/* Records of one drain share their seconds: format each second once. */
	static time_t cached_sec = -1;
	static char cached[32];
	static size_t cached_len;
	struct tm tm;
	unsigned int ms;

	if (ts->tv_sec != cached_sec) {
		gmtime_r(&ts->tv_sec, &tm);
		cached_len = strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = ts->tv_sec;
	}
	ms = (unsigned int)(ts->tv_nsec / 1000000) % 1000;
	if (len < cached_len + 6) {
		snprintf(buf, len, "%.*s.%03uZ", (int)cached_len, cached, ms);
		return;
	}
	memcpy(buf, cached, cached_len);
	buf[cached_len] = '.';
	buf[cached_len + 1] = (char)('0' + ms / 100);
	buf[cached_len + 2] = (char)('0' + ms / 10 % 10);
	buf[cached_len + 3] = (char)('0' + ms % 10);
	buf[cached_len + 4] = 'Z';
	buf[cached_len + 5] = '\0';
}

/* The same text, cut to its seconds: one cache serves both spellings. */
void format_utc_seconds(const struct timespec *ts, char sep, const char *zone, char *buf,
			size_t len)
{
	char text[40];

	format_utc(ts, text, sizeof(text));
	text[10] = sep;
	snprintf(buf, len, "%.19s%s", text, zone);
}
