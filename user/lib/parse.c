// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lib/parse.h"

/* Digits of `base` (10 or 16) over text[0..len), up to max. */
static int parse_base_n(const char *text, size_t len, unsigned int base, uint64_t max,
			uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned int d = (unsigned int)hex_digit((unsigned char)text[i]);

		/* v * base + d <= max, checked without overflowing (-1 is above any base) */
		if (d >= base || v > max / base || (v == max / base && d > max % base))
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int parse_uint_n(const char *text, size_t len, uint64_t max, uint64_t *out)
{
	return parse_base_n(text, len, 10, max, out);
}

int parse_hex_n(const char *text, size_t len, uint64_t max, uint64_t *out)
{
	return parse_base_n(text, len, 16, max, out);
}

int parse_uint(const char *text, uint64_t max, uint64_t *out)
{
	return parse_uint_n(text, strlen(text), max, out);
}

int parse_int(const char *text, long long min, long long max, long long *out)
{
	bool neg = min < 0 && text[0] == '-';
	uint64_t mag, limit = neg ? (uint64_t) - (min + 1) + 1 : (max < 0 ? 0 : (uint64_t)max);

	if (max < min || parse_uint(text + neg, limit, &mag))
		return -1;
	if (neg) {
		long long v = mag ? -(long long)(mag - 1) - 1 : 0;

		if (v > max)
			return -1;
		*out = v;
		return 0;
	}
	if ((long long)mag < min)
		return -1;
	*out = (long long)mag;
	return 0;
}

/* The number, then at most one suffix character out of `units`. */
static int parse_scaled(const char *text, const char *units, const uint64_t *scale, uint64_t max,
			uint64_t *out)
{
	size_t len = strlen(text), digits = strspn(text, "0123456789");
	uint64_t v, unit = 1;
	const char *u;

	if (digits + 1 == len && (u = strchr(units, text[digits])) && *u)
		unit = scale[u - units];
	else if (digits != len)
		return -1;
	if (parse_uint_n(text, digits, UINT64_MAX, &v) || v > max / unit)
		return -1;
	*out = v * unit;
	return 0;
}

int parse_size(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	static const uint64_t scale[] = { 1ULL << 10, 1ULL << 10, 1ULL << 20,
					  1ULL << 20, 1ULL << 30, 1ULL << 30 };
	uint64_t v;

	if (parse_scaled(text, "KkMmGg", scale, max, &v) || v < min)
		return -1;
	*out = v;
	return 0;
}

int parse_duration(const char *text, long long min, long long max, long long *out)
{
	static const uint64_t scale[] = { 1, 3600, 86400 };
	uint64_t v;

	if (min < 0 || max < min || parse_scaled(text, "shd", scale, (uint64_t)max, &v) ||
	    v < (uint64_t)min)
		return -1;
	*out = (long long)v;
	return 0;
}

int parse_seconds(const char *text, double min, double max, double *out)
{
	char *end;
	double v;

	/* strtod would also take space, a sign, "inf", "nan" and hex. */
	if (!isdigit((unsigned char)text[0]) && text[0] != '.')
		return -1;
	if (strpbrk(text, "xXnN"))
		return -1;
	v = strtod(text, &end);
	if (*end || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t outlen)
{
	if (hexlen != 2 * outlen)
		return false;
	for (size_t i = 0; i < hexlen; i++)
		if (hex_digit((unsigned char)hex[i]) < 0)
			return false;
	for (size_t k = 0; k < outlen; k++)
		out[k] = (uint8_t)(hex_digit((unsigned char)hex[2 * k]) << 4 |
				   hex_digit((unsigned char)hex[2 * k + 1]));
	return true;
}

void hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}
