// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "lib/utc.h"

/* 9999-12-31T23:59:59: the last second whose year has four digits. */
#define LAST_4_DIGIT_YEAR_SEC 253402300799LL

/*
 * Year, month and day of a day since 1970-01-01 (z >= 0): the proleptic
 * Gregorian calendar as arithmetic (Howard Hinnant's civil_from_days).
 * A record's three times differ (first_seen and last_seen per source), so
 * no cache of the last one helps, and gmtime_r with strftime would cost a
 * third of a jsonl record.
 */
static void civil_from_days(int64_t z, unsigned int *y, unsigned int *m, unsigned int *d)
{
	unsigned int doe, yoe, doy, mp;
	int64_t era;

	z += 719468; /* days from 0000-03-01: leap days end a year */
	era = z / 146097; /* 400-year eras */
	doe = (unsigned int)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153; /* March is 0 */
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (unsigned int)(era * 400) + yoe + (*m <= 2);
}

static char *digits(char *p, unsigned int v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

/* "2026-11-26T22:31:29", 19 characters, for a time with a four-digit year. */
static void date_time(time_t sec, char *p)
{
	unsigned int y, m, d, s = (unsigned int)(sec % 86400);

	civil_from_days(sec / 86400, &y, &m, &d);
	p = digits(p, y, 4);
	*p++ = '-';
	p = digits(p, m, 2);
	*p++ = '-';
	p = digits(p, d, 2);
	*p++ = 'T';
	p = digits(p, s / 3600, 2);
	*p++ = ':';
	p = digits(p, s / 60 % 60, 2);
	*p++ = ':';
	digits(p, s % 60, 2);
}

/* What snprintf(buf, len, "%s", text) writes, text being n bytes: cut to fit, ended by a NUL. */
static void copy_cut(char *buf, size_t len, const char *text, size_t n)
{
	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
}

static bool four_digit_year(time_t sec)
{
	return sec >= 0 && sec <= LAST_4_DIGIT_YEAR_SEC;
}

void format_utc(const struct timespec *ts, char *buf, size_t len)
{
	unsigned int ms = (unsigned int)(ts->tv_nsec / 1000000) % 1000;
	char text[32];
	struct tm tm = { 0 };

	if (!four_digit_year(ts->tv_sec)) {
		/* Out of the feed's range: the C library's spelling. */
		gmtime_r(&ts->tv_sec, &tm);
		strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf, len, "%s.%03uZ", text, ms);
		return;
	}
	date_time(ts->tv_sec, text);
	text[19] = '.';
	digits(text + 20, ms, 3);
	text[23] = 'Z';
	copy_cut(buf, len, text, 24);
}

/* The same text, cut to its seconds. */
void format_utc_seconds(const struct timespec *ts, char sep, const char *zone, char *buf,
			size_t len)
{
	size_t zone_len = strlen(zone);
	char text[40];

	if (!four_digit_year(ts->tv_sec) || len <= 19 + zone_len) {
		format_utc(ts, text, sizeof(text));
		text[10] = sep;
		snprintf(buf, len, "%.19s%s", text, zone);
		return;
	}
	date_time(ts->tv_sec, buf);
	buf[10] = sep;
	memcpy(buf + 19, zone, zone_len + 1);
}
