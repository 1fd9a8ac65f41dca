// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The rule parser's diagnostics: the rule set's errors, and the keywords
 * a rule dropped under --lenient. Every stage of the parser reports here,
 * below all of them, so that none has to call back up into rules.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "rules/rule_parser.h"

static void add_error(struct rule_set *rs, unsigned int line, const char *fmt, va_list ap)
{
	struct rule_error *e;

	if (!array_grow((void **)&rs->errors, rs->nerrors + 1, sizeof(*rs->errors)))
		return;
	e = &rs->errors[rs->nerrors++];
	e->line = line;
	/* Tokens come from the file: their bytes must not reach a terminal as they are. */
	e->reason = vformat_printable(fmt, ap); /* NULL: printed as "out of memory" */
}

void rules_add_error(struct rule_set *rs, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error(rs, line, fmt, ap);
	va_end(ap);
}

void parser_fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return; /* one error per rule: later ones are usually consequences */
	p->failed = true;
	va_start(ap, fmt);
	add_error(p->rs, p->line, fmt, ap);
	va_end(ap);
}

/* The entry of r->dropped that names `keyword`, or -1. */
static long find_dropped(const struct rule *r, const char *keyword)
{
	for (size_t i = 0; i < r->ndropped; i++)
		if (r->dropped[i].keyword && strcmp(r->dropped[i].keyword, keyword) == 0)
			return (long)i;
	return -1;
}

long parser_unsupported(struct parser *p, struct rule *r, const char *fmt, ...)
{
	char *keyword;
	va_list ap;
	long i = -1;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&keyword, fmt, ap);
	va_end(ap);
	if (n < 0) {
		parser_fail(p, "out of memory");
		return -1;
	}
	if (!p->lenient) {
		parser_fail(p, "keyword '%s' is not supported in XDP", keyword);
		goto out;
	}
	i = find_dropped(r, keyword);
	if (i >= 0)
		goto out;
	if (!array_grow((void **)&r->dropped, r->ndropped + 1, sizeof(*r->dropped))) {
		parser_fail(p, "out of memory");
		goto out;
	}
	r->dropped[r->ndropped].keyword = keyword;
	return (long)r->ndropped++;
out:
	free(keyword);
	return i;
}
