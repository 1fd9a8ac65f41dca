/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Parsing numbers and hex out of text: options, config files, rules. Each
 * takes the whole string: digits only (no space, no '+'; '-' only where a
 * parser says so), no overflow, within the range given. On success they
 * return 0 and set *out; on failure -1, and *out is left alone.
 */
#ifndef BOTSINK_PARSE_H
#define BOTSINK_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A decimal integer from min to max; min < 0 allows a leading '-'. */
int parse_int(const char *text, long long min, long long max, long long *out);
/* Unsigned decimal, up to max. */
int parse_uint(const char *text, uint64_t max, uint64_t *out);
/* The same over text[0..len), which need not be NUL-terminated. */
int parse_uint_n(const char *text, size_t len, uint64_t max, uint64_t *out);
/* Hex digits (either case, no 0x) over text[0..len), up to max. */
int parse_hex_n(const char *text, size_t len, uint64_t max, uint64_t *out);
/* Bytes with an optional K, M or G suffix (powers of 1024), from min to max. */
int parse_size(const char *text, uint64_t min, uint64_t max, uint64_t *out);
/* Seconds, or with an s, h or d suffix, from min to max. */
int parse_duration(const char *text, long long min, long long max, long long *out);
/* A decimal number of seconds, fractions allowed, from min to max. */
int parse_seconds(const char *text, double min, double max, double *out);

/* The value of one hex digit, or -1. */
int hex_digit(int c);
/* Exactly 2 * outlen hex digits into out[0..outlen). */
bool hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t outlen);
/* in[0..len) as 2 * len lowercase hex digits and a NUL into out. */
void hex_encode(const uint8_t *in, size_t len, char *out);

#endif
