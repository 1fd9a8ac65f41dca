/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* JSON text, written into a strbuf. */
#ifndef BOTSINK_JSON_H
#define BOTSINK_JSON_H

#include <string.h>
#include "lib/strbuf.h"

/*
 * A JSON string literal, or null for NULL. Control characters are escaped;
 * bytes that are not valid UTF-8 become U+FFFD, so the output is always
 * valid JSON whatever a rule file contained.
 */
void json_put_string(struct strbuf *sb, const char *s);
/*
 * s (not NULL) escaped as in a JSON string, without its quotes: for a
 * string written in parts. Parts join as one string would when no UTF-8
 * sequence spans two (a part that starts with ASCII).
 */
void json_put_text(struct strbuf *sb, const char *s);

/*
 * A flat JSON object written member by member (Suricata's JsonBuilder
 * idea): the writer puts the commas, quotes the keys and escapes the
 * string values, so a format only says which members it has.
 *
 *	struct json_writer jw;
 *
 *	jw_open(&jw, sb);
 *	jw_str(&jw, JW_KEY("src_ip"), r->src_ip);
 *	jw_u64(&jw, JW_KEY("packets"), r->packets);
 *	jw_close(&jw);
 */
struct json_writer {
	struct strbuf *sb;
	size_t start; /* where the object starts in sb */
};

/*
 * A key as it is written: its separators and quotes around it, made at
 * compile time from a string literal, so the feed's inner loop copies a
 * key in one append. The literal must need no JSON escape.
 */
struct json_key {
	const char *text; /* ,"name": */
	size_t len;
};

#define JW_KEY(name) ((struct json_key){ ",\"" name "\":", sizeof(",\"" name "\":") - 1 })

/*
 * Every member is written after a comma, and closing the object turns the
 * first member's comma into the '{': a member costs no check for whether
 * it is the first.
 */
static inline void jw_open(struct json_writer *jw, struct strbuf *sb)
{
	jw->sb = sb;
	jw->start = sb->len;
}

static inline void jw_close(struct json_writer *jw)
{
	struct strbuf *sb = jw->sb;

	if (sb->oom)
		return;
	if (sb->len == jw->start) {
		sb_lit(sb, "{}");
		return;
	}
	sb->buf[jw->start] = '{';
	sb_lit(sb, "}");
}

/* A member's key: what follows it is its value, written by other means. */
static inline void jw_key(struct json_writer *jw, struct json_key key)
{
	sb_append(jw->sb, key.text, key.len);
}

/* A string, escaped; null for NULL. */
static inline void jw_str(struct json_writer *jw, struct json_key key, const char *s)
{
	jw_key(jw, key);
	json_put_string(jw->sb, s);
}

/*
 * A string the caller knows JSON takes as it is (printable ASCII without
 * a quote or a backslash: a time, an address, a name from botsink's own
 * tables): quoted, not scanned. Never text from outside.
 */
static inline void jw_str_plain(struct json_writer *jw, struct json_key key, const char *s)
{
	size_t n = strlen(s);
	char *p = sb_room(jw->sb, key.len + n + 2);

	if (!p)
		return;
	/* One check for room: key, quotes and value are the writer's most common member. */
	memcpy(p, key.text, key.len);
	p[key.len] = '"';
	memcpy(p + key.len + 1, s, n);
	p[key.len + n + 1] = '"';
	sb_wrote(jw->sb, key.len + n + 2);
}

/* A string member only when there is a string (not NULL, not empty): for formats without nulls. */
static inline void jw_str_opt(struct json_writer *jw, struct json_key key, const char *s)
{
	if (s && *s)
		jw_str(jw, key, s);
}

static inline void jw_u64(struct json_writer *jw, struct json_key key, uint64_t v)
{
	jw_key(jw, key);
	sb_put_u64(jw->sb, v);
}

/* v, or null when it is not `known`. */
static inline void jw_u64_or_null(struct json_writer *jw, struct json_key key, bool known,
				  uint64_t v)
{
	jw_key(jw, key);
	if (known)
		sb_put_u64(jw->sb, v);
	else
		sb_lit(jw->sb, "null");
}

static inline void jw_bool(struct json_writer *jw, struct json_key key, bool b)
{
	jw_key(jw, key);
	if (b)
		sb_lit(jw->sb, "true");
	else
		sb_lit(jw->sb, "false");
}

/* Bytes as a base64 string (sb_put_base64); null for NULL. */
static inline void jw_base64(struct json_writer *jw, struct json_key key, const uint8_t *p,
			     size_t n)
{
	jw_key(jw, key);
	if (!p) {
		sb_lit(jw->sb, "null");
		return;
	}
	sb_lit(jw->sb, "\"");
	sb_put_base64(jw->sb, p, n);
	sb_lit(jw->sb, "\"");
}

static inline void jw_null(struct json_writer *jw, struct json_key key)
{
	jw_key(jw, key);
	sb_lit(jw->sb, "null");
}

#endif
