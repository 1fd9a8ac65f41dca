// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Domain lists: "example.com" (that name), "*.example.com" (the names
 * below it), ".example.com" (both). Lists of sinkholed names run to
 * hundreds of thousands of lines: one pass over the text, then one sort
 * merges the duplicates.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "rules/domains.h"

#define LABEL_MAX 63
#define NAME_MAX_LEN 253

static void add_error(struct domain_list *dl, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_error(struct domain_list *dl, unsigned int line, const char *fmt, ...)
{
	struct domain_error *e;
	va_list ap;

	if (!array_grow((void **)&dl->errors, dl->nerrors + 1, sizeof(*dl->errors)))
		return;
	e = &dl->errors[dl->nerrors++];
	e->line = line;
	va_start(ap, fmt);
	/* The names come from the file: escaped and cut before they reach a terminal. */
	e->reason = vformat_printable(fmt, ap); /* NULL: printed as "out of memory" */
	va_end(ap);
}

/* Why `name` is not a domain name, or NULL when it is one. */
static const char *name_problem(const char *name, char *why, size_t whylen)
{
	size_t label = 0, total = strlen(name);

	if (!total)
		return "empty";
	if (total > NAME_MAX_LEN)
		return "longer than 253 characters";
	for (const char *c = name;; c++) {
		if (*c == '.' || !*c) {
			if (!label)
				return "empty label";
			if (label > LABEL_MAX)
				return "label longer than 63 characters";
			if (!*c)
				return NULL;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_') {
			if (isprint((unsigned char)*c))
				snprintf(why, whylen, "'%c' is not allowed", *c);
			else
				snprintf(why, whylen,
					 "byte 0x%02x is not allowed (use the xn-- form)",
					 (unsigned char)*c);
			return why;
		}
		label++;
	}
}

/* One line, trimmed: its name and kind, or an error. Returns false when skipped. */
static bool parse_name(struct domain_list *dl, unsigned int lineno, const char *line,
		       struct domain_entry *e)
{
	const char *name = line, *problem;
	size_t n = strlen(line);
	char why[64];

	e->kind = DOMAIN_EXACT;
	if (name[0] == '*' && name[1] == '.') {
		e->kind = DOMAIN_SUBDOMAINS;
		name += 2;
	} else if (name[0] == '.') {
		e->kind = DOMAIN_TREE;
		name++;
	}
	n -= (size_t)(name - line);
	e->name = strndup(name, n && name[n - 1] == '.' ? n - 1 : n); /* without the root */
	if (!e->name) {
		add_error(dl, lineno, "out of memory");
		return false;
	}
	problem = name_problem(e->name, why, sizeof(why));
	if (problem) {
		add_error(dl, lineno, "'%s' is not a domain name (%s)", line, problem);
		free(e->name);
		return false;
	}
	str_lower(e->name);
	return true;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct domain_entry *)a)->name,
		      ((const struct domain_entry *)b)->name);
}

/* Sort, then fold each run of equal names into one entry with every kind. */
static void merge_duplicates(struct domain_list *dl)
{
	size_t out = 0;

	if (dl->n)
		qsort(dl->entries, dl->n, sizeof(*dl->entries), entry_cmp);
	for (size_t i = 0; i < dl->n; i++) {
		if (out && strcmp(dl->entries[out - 1].name, dl->entries[i].name) == 0) {
			dl->entries[out - 1].kind |= dl->entries[i].kind;
			free(dl->entries[i].name);
			continue;
		}
		dl->entries[out++] = dl->entries[i];
	}
	dl->n = out;
}

static void parse_line(struct domain_list *dl, unsigned int lineno, const char *text, size_t n)
{
	struct domain_entry e;
	char *line = strndup_trim(text, n);

	if (!line) {
		add_error(dl, lineno, "out of memory");
		return;
	}
	if (*line && *line != '#' && parse_name(dl, lineno, line, &e)) {
		if (array_grow((void **)&dl->entries, dl->n + 1, sizeof(*dl->entries)))
			dl->entries[dl->n++] = e;
		else
			free(e.name);
	}
	free(line);
}

/* A NUL byte would end the list without a word: its line is an error. */
static bool nul_line(struct domain_list *dl, unsigned int lineno, const char *text, size_t n)
{
	const char *nul = memchr(text, '\0', n);

	if (nul)
		add_error(dl, lineno, "NUL byte in column %zu: a domain list is text",
			  (size_t)(nul - text) + 1);
	return nul != NULL;
}

int domains_parse_text(const char *name, const char *text, size_t len, struct domain_list *out)
{
	const char *stop = text + len;
	unsigned int lineno = 0;

	memset(out, 0, sizeof(*out));
	out->path = strdup(name);
	text += utf8_bom_len(text, len);
	while (text < stop) {
		const char *nl = memchr(text, '\n', (size_t)(stop - text));
		size_t n = nl ? (size_t)(nl - text) : (size_t)(stop - text);

		if (!nul_line(out, ++lineno, text, n))
			parse_line(out, lineno, text, n);
		text += n + (nl != NULL);
	}
	merge_duplicates(out);
	return 0;
}

int domains_parse_buffer(const char *name, const char *text, struct domain_list *out)
{
	return domains_parse_text(name, text, strlen(text), out);
}

int domains_load(const char *path, struct domain_list *out)
{
	size_t len;
	char *text = read_file(path, DOMAIN_LIST_MAX, &len);
	int ret;

	if (!text)
		return -1;
	ret = domains_parse_text(path, text, len, out);
	free(text);
	return ret;
}

void domains_print_errors(const struct domain_list *dl)
{
	for (size_t i = 0; i < dl->nerrors; i++)
		fprintf(stderr, "%s:%u: %s\n", dl->path, dl->errors[i].line,
			dl->errors[i].reason ? dl->errors[i].reason : "out of memory");
}

void domains_free(struct domain_list *dl)
{
	for (size_t i = 0; i < dl->n; i++)
		free(dl->entries[i].name);
	for (size_t i = 0; i < dl->nerrors; i++)
		free(dl->errors[i].reason);
	free(dl->entries);
	free(dl->errors);
	free(dl->path);
	memset(dl, 0, sizeof(*dl));
}
