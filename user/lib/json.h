/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A growable byte buffer and the JSON pieces the feed needs. */
#ifndef BOTSINK_JSON_H
#define BOTSINK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap; /* bytes allocated */
	bool oom; /* an append failed: the content is incomplete */
};

/* Room for n more bytes and a NUL; false (and oom set) if there is none. */
bool sb_grow(struct strbuf *sb, size_t n);

/* Appends are the feed's inner loop: the common case is inline. */
static inline void sb_append(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->len + n + 1 > sb->cap && !sb_grow(sb, n))
		return;
	if (sb->oom)
		return;
	__builtin_memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

/* A string literal, its length known at compile time. */
#define sb_lit(sb, lit) sb_append((sb), "" lit, sizeof(lit) - 1)

void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A number in decimal, without printf's cost; u64_decimal returns its length. */
size_t u64_decimal(char out[20], uint64_t v);
void sb_put_u64(struct strbuf *sb, uint64_t v);
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);

/*
 * A JSON string literal, or null for NULL. Control characters are escaped;
 * bytes that are not valid UTF-8 become U+FFFD, so the output is always
 * valid JSON whatever a rule file contained.
 */
void json_put_string(struct strbuf *sb, const char *s);
/*
 * Length of the valid UTF-8 sequence at s, or 0 (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF). Reads no further than a NUL.
 */
size_t utf8_sequence(const unsigned char *s);

#endif
