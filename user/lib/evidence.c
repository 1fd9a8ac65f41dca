// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "lib/evidence.h"

const struct keyword evidence_levels[] = {
	{ "none", EVIDENCE_NONE },
	{ "host", EVIDENCE_HOST },
	{ "path", EVIDENCE_PATH },
	{ "full", EVIDENCE_FULL },
	{ NULL, 0 },
};

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Room a text takes once copied: a NUL byte grows into U+FFFD. */
static size_t text_size(const struct evidence_part *p)
{
	const char *b = p->bytes;
	size_t n = p->len + 1;

	for (size_t i = 0; i < p->len; i++)
		n += b[i] == '\0' ? sizeof(REPLACEMENT) - 2 : 0;
	return n;
}

static char *copy_text(char *out, const struct evidence_part *p)
{
	const char *b = p->bytes;

	for (size_t i = 0; i < p->len; i++) {
		if (b[i]) {
			*out++ = b[i];
			continue;
		}
		memcpy(out, REPLACEMENT, sizeof(REPLACEMENT) - 1);
		out += sizeof(REPLACEMENT) - 1;
	}
	*out++ = '\0';
	return out;
}

/* A URL's length without its query and fragment. */
static size_t path_len(const struct evidence_part *p)
{
	const char *b = p->bytes;
	size_t n = 0;

	while (n < p->len && b[n] != '?' && b[n] != '#')
		n++;
	return n;
}

/* Where the cut copy of a URL goes: after the texts, if it has a query. */
static char *cut_copy(char *at, const char *full, const struct evidence_part *p, const char **out)
{
	struct evidence_part cut = { p->bytes, path_len(p) };

	*out = full;
	if (!full || cut.len == p->len)
		return at;
	*out = at;
	return copy_text(at, &cut);
}

struct evidence *evidence_new(bool has_src_port, uint16_t src_port,
			      const struct evidence_part text[EVIDENCE_TEXTS],
			      struct evidence_part payload)
{
	size_t size = sizeof(struct evidence) + payload.len;
	struct evidence *e;
	char *at;

	for (int i = 0; i < EVIDENCE_TEXTS; i++)
		size += text[i].bytes ? text_size(&text[i]) : 0;
	/* The cut copies: no longer than the texts. */
	size += text[EVIDENCE_HTTP_URL].bytes ? text_size(&text[EVIDENCE_HTTP_URL]) : 0;
	size += text[EVIDENCE_HTTP_REFERER].bytes ? text_size(&text[EVIDENCE_HTTP_REFERER]) : 0;
	e = malloc(size);
	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->has_src_port = has_src_port;
	e->src_port = src_port;
	at = (char *)(e + 1);
	if (payload.bytes) {
		memcpy(at, payload.bytes, payload.len);
		e->payload = (const uint8_t *)at;
		e->payload_len = payload.len;
		at += payload.len;
	}
	for (int i = 0; i < EVIDENCE_TEXTS; i++) {
		if (!text[i].bytes)
			continue;
		e->text[i] = at;
		at = copy_text(at, &text[i]);
	}
	at = cut_copy(at, e->text[EVIDENCE_HTTP_URL], &text[EVIDENCE_HTTP_URL], &e->url_path);
	cut_copy(at, e->text[EVIDENCE_HTTP_REFERER], &text[EVIDENCE_HTTP_REFERER],
		 &e->referer_path);
	return e;
}
