/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Names of enum values (modes, formats, verdicts): one table per enum,
 * used to parse options and config files, to write the name back, and to
 * list the choices in help and errors. A table ends with { NULL }; its
 * order is the order choices are listed in.
 */
#ifndef BOTSINK_KEYWORDS_H
#define BOTSINK_KEYWORDS_H

#include <stddef.h>

struct keyword {
	const char *name;
	int value;
};

/* 0 and the value of `text`, or -1: not one of the names. */
int keyword_parse(const struct keyword *kw, const char *text, int *value);
/* The name of `value`; `fallback` when it has none. */
const char *keyword_name(const struct keyword *kw, int value, const char *fallback);
/*
 * The names, joined by `sep` ("|"), or when `last` is not NULL by ", " and
 * `last` before the final one ("a, b or c"). Truncated to fit buf.
 */
const char *keyword_list(const struct keyword *kw, const char *sep, const char *last, char *buf,
			 size_t len);

#endif
