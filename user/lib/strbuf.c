// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "lib/strbuf.h"

/* Room for n more bytes and a NUL; doubling, so appends cost O(1) each. */
static bool sb_reserve(struct strbuf *sb, size_t n)
{
	size_t cap = sb->cap ? sb->cap : 256;
	char *p;

	if (sb->len + n + 1 <= sb->cap)
		return true;
	while (cap < sb->len + n + 1) {
		if (cap > SIZE_MAX / 2)
			return false;
		cap *= 2;
	}
	p = realloc(sb->buf, cap);
	if (!p)
		return false;
	sb->buf = p;
	sb->cap = cap;
	return true;
}

bool sb_grow(struct strbuf *sb, size_t n)
{
	if (sb->oom || !sb_reserve(sb, n)) {
		sb->oom = true;
		return false;
	}
	return true;
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
}

size_t u64_decimal(char out[20], uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(out, digits + sizeof(digits) - n, n);
	return n;
}

/* The digits go straight into the buffer: room for the longest, then the length written. */
void sb_put_u64(struct strbuf *sb, uint64_t v)
{
	char *p = sb_room(sb, 20);

	if (p)
		sb_wrote(sb, u64_decimal(p, v));
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	char small[128], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->oom = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		sb_append(sb, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->oom = true;
		return;
	}
	sb_append(sb, big, (size_t)n);
	free(big);
}

/*
 * OpenSSL's encoder, a piece at a time: its length is an int, and a piece
 * of whole 3-byte groups pads nothing but the last.
 */
void sb_put_base64(struct strbuf *sb, const uint8_t *p, size_t n)
{
	enum { PIECE = 3 * 4096 };

	while (n) {
		size_t take = n < PIECE ? n : PIECE;
		/* 4 characters per group begun; EVP_EncodeBlock's NUL is sb_room's. */
		char *out = sb_room(sb, (take + 2) / 3 * 4);

		if (!out)
			return;
		sb_wrote(sb, (size_t)EVP_EncodeBlock((unsigned char *)out, p, (int)take));
		p += take;
		n -= take;
	}
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->oom = false;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	memset(sb, 0, sizeof(*sb));
}

/* Each continuation check fails on a NUL, so a string's end is never passed. */
size_t utf8_sequence(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F))
			return 0;
		return 3;
	}
	if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
			return 0;
		return 4;
	}
	return 0;
}

void sb_put_text(struct strbuf *sb, const char *s, const struct text_escapes *esc)
{
	const unsigned char *p = (const unsigned char *)s;

	for (;;) {
		const unsigned char *run = p;
		size_t n;

		/* ASCII that stays (1 to 0x7f, no entry): the whole run in one append. */
		while ((unsigned int)(*p - 1) < 0x7f && !esc->ascii[*p])
			p++;
		if (p > run)
			sb_append(sb, (const char *)run, (size_t)(p - run));
		if (!*p)
			return;
		if (*p < 0x80) {
			sb_puts(sb, esc->ascii[*p++]);
			continue;
		}
		n = utf8_sequence(p);
		if (!n) {
			sb_puts(sb, esc->invalid);
			p++;
			continue;
		}
		sb_append(sb, (const char *)p, n);
		p += n;
	}
}
