/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A growable byte buffer, and text appended to it safely: what the feed formats write into. */
#ifndef BOTSINK_STRBUF_H
#define BOTSINK_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap; /* bytes allocated */
	bool oom; /* an append failed: the content is incomplete */
};

/* Room for n more bytes and a NUL; false (and oom set) if there is none. */
bool sb_grow(struct strbuf *sb, size_t n);

/*
 * Appends are the feed's inner loop: the common case is inline. sb_room
 * gives the place for n more bytes (NULL when there is no memory: oom is
 * set), sb_wrote counts the bytes written there, so a piece made of parts
 * needs one check for room.
 */
static inline char *sb_room(struct strbuf *sb, size_t n)
{
	if (sb->len + n + 1 > sb->cap && !sb_grow(sb, n))
		return NULL;
	return sb->oom ? NULL : sb->buf + sb->len;
}

static inline void sb_wrote(struct strbuf *sb, size_t n)
{
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static inline void sb_append(struct strbuf *sb, const char *s, size_t n)
{
	char *p = sb_room(sb, n);

	if (!p)
		return;
	memcpy(p, s, n);
	sb_wrote(sb, n);
}

/* A string literal, its length known at compile time. */
#define sb_lit(sb, lit) sb_append((sb), "" lit, sizeof(lit) - 1)

void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A number in decimal, without printf's cost; u64_decimal returns its length. */
size_t u64_decimal(char out[20], uint64_t v);
void sb_put_u64(struct strbuf *sb, uint64_t v);
/*
 * Bytes in standard base64 (RFC 4648: '+' and '/', '=' padding, no line
 * breaks): any length, binary and NUL bytes included. Nothing for n 0.
 */
void sb_put_base64(struct strbuf *sb, const uint8_t *p, size_t n);
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);

/*
 * How a format spells text it cannot take as it is (JSON escapes, CSV
 * spaces): an ASCII byte with an entry in `ascii` becomes that entry, a
 * byte that is not part of valid UTF-8 becomes `invalid`. Other ASCII and
 * valid UTF-8 stay as they are.
 */
struct text_escapes {
	const char *ascii[128];
	const char *invalid;
};

/*
 * s (not NULL) spelled as `esc` says. Whatever bytes a rule file or a
 * database held, the output is valid UTF-8 with no byte `esc` forbids.
 */
void sb_put_text(struct strbuf *sb, const char *s, const struct text_escapes *esc);
/*
 * Length of the valid UTF-8 sequence at s, or 0 (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF). Reads no further than a NUL.
 */
size_t utf8_sequence(const unsigned char *s);

#endif
