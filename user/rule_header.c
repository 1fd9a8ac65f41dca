// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Rule header values: address and port sets with Suricata's lists,
 * ranges, negation and variables.
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "botsink_abi.h"
#include "rule_parser.h"
#include "util.h"

#define MAX_NESTING 16

/* ---- address sets ---- */

static void add_prefix(struct parser *p, struct prefix **arr, size_t *n, const struct prefix *pf)
{
	if (!array_grow((void **)arr, *n + 1, sizeof(**arr))) {
		parser_fail(p, "out of memory");
		return;
	}
	(*arr)[(*n)++] = *pf;
}

/* Split a bracketed list "[a, b, [c, d]]" at its top-level commas. */
static char **split_list(struct parser *p, const char *text, size_t len, size_t *count)
{
	char **items = NULL;
	size_t n = 0, start = 0;
	int depth = 0;

	for (size_t i = 0; i <= len; i++) {
		char ch = i < len ? text[i] : ',';

		if (ch == '[')
			depth++;
		else if (ch == ']')
			depth--;
		if (depth < 0) {
			parser_fail(p, "unbalanced ']'");
			break;
		}
		if (ch != ',' || depth > 0)
			continue;
		if (!array_grow((void **)&items, n + 1, sizeof(*items)))
			break;
		items[n++] = strndup_trim(text + start, i - start);
		start = i + 1;
	}
	if (depth > 0)
		parser_fail(p, "unbalanced '['");
	*count = n;
	return items;
}

static void free_list(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

/* Strip one level of brackets; returns false when `text` is not a list. */
static bool list_body(const char *text, const char **body, size_t *len)
{
	size_t n = strlen(text);

	if (n < 2 || text[0] != '[' || text[n - 1] != ']')
		return false;
	*body = text + 1;
	*len = n - 2;
	return true;
}

static void parse_addr_expr(struct parser *p, const char *text, bool negated, int depth,
			    struct addr_set *set)
{
	const char *body;
	struct prefix pf;
	size_t len, n;
	char **items;

	if (depth > MAX_NESTING) {
		parser_fail(p, "address list nested too deeply");
		return;
	}
	if (*text == '!') {
		parse_addr_expr(p, text + 1, !negated, depth + 1, set);
		return;
	}
	if (list_body(text, &body, &len)) {
		items = split_list(p, body, len, &n);
		if (n == 0 || (n == 1 && !*items[0]))
			parser_fail(p, "empty address list '%s'", text);
		for (size_t i = 0; i < n && !p->failed; i++)
			parse_addr_expr(p, items[i], negated, depth + 1, set);
		free_list(items, n);
		return;
	}
	if (strcmp(text, "any") == 0 || (text[0] == '$' && text[1])) {
		if (negated)
			set->neg_any = true;
		else
			set->pos_any = true;
		return;
	}
	if (prefix_parse(text, &pf)) {
		parser_fail(p, "invalid address '%s'", text);
		return;
	}
	if (negated)
		add_prefix(p, &set->neg, &set->nneg, &pf);
	else
		add_prefix(p, &set->pos, &set->npos, &pf);
}

void parse_addr_set(struct parser *p, const char *text, const char *what, struct addr_set *set)
{
	parse_addr_expr(p, text, false, 0, set);
	if (!p->failed && set->neg_any)
		parser_fail(p, "%s address '%s' matches nothing", what, text);
}

/* ---- port sets ---- */

struct port_terms {
	struct port_range *pos, *neg;
	size_t npos, nneg;
	bool pos_any;
};

/* Suricata's default port-groups (suricata.yaml vars.port-groups). */
static const struct {
	const char *name;
	const char *value;
} port_vars[] = {
	{ "HTTP_PORTS", "80" },
	{ "SHELLCODE_PORTS", "!80" },
	{ "ORACLE_PORTS", "1521" },
	{ "SSH_PORTS", "22" },
	{ "DNP3_PORTS", "20000" },
	{ "MODBUS_PORTS", "502" },
	{ "FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]" },
	{ "FTP_PORTS", "21" },
	{ "GENEVE_PORTS", "6081" },
	{ "VXLAN_PORTS", "4789" },
	{ "TEREDO_PORTS", "3544" },
};

static bool parse_port_number(const char *text, size_t len, uint16_t *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)text[i]))
			return false;
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	if (v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

static void add_range(struct parser *p, struct port_range **arr, size_t *n, uint16_t lo,
		      uint16_t hi)
{
	if (!array_grow((void **)arr, *n + 1, sizeof(**arr))) {
		parser_fail(p, "out of memory");
		return;
	}
	(*arr)[*n].lo = lo;
	(*arr)[*n].hi = hi;
	(*n)++;
}

static void parse_port_expr(struct parser *p, const char *text, bool negated, int depth,
			    struct port_terms *t)
{
	const char *body, *colon;
	uint16_t lo = 0, hi = 65535;
	size_t len, n;
	char **items;

	if (depth > MAX_NESTING) {
		parser_fail(p, "port list nested too deeply");
		return;
	}
	if (*text == '!') {
		parse_port_expr(p, text + 1, !negated, depth + 1, t);
		return;
	}
	if (list_body(text, &body, &len)) {
		items = split_list(p, body, len, &n);
		if (n == 0 || (n == 1 && !*items[0]))
			parser_fail(p, "empty port list '%s'", text);
		for (size_t i = 0; i < n && !p->failed; i++)
			parse_port_expr(p, items[i], negated, depth + 1, t);
		free_list(items, n);
		return;
	}
	if (text[0] == '$') {
		for (size_t i = 0; i < ARRAY_SIZE(port_vars); i++) {
			if (strcmp(text + 1, port_vars[i].name) == 0) {
				parse_port_expr(p, port_vars[i].value, negated, depth + 1, t);
				return;
			}
		}
		parser_fail(p, "port variable '%s' is not defined", text);
		return;
	}
	if (strcmp(text, "any") == 0) {
		if (negated)
			parser_fail(p, "port '!any' matches nothing");
		else
			t->pos_any = true;
		return;
	}
	colon = strchr(text, ':');
	if (!colon) {
		if (!parse_port_number(text, strlen(text), &lo)) {
			parser_fail(p, "invalid port '%s'", text);
			return;
		}
		hi = lo;
	} else if ((colon > text && !parse_port_number(text, (size_t)(colon - text), &lo)) ||
		   (colon[1] && !parse_port_number(colon + 1, strlen(colon + 1), &hi)) ||
		   (colon == text && !colon[1]) || lo > hi) {
		parser_fail(p, "invalid port range '%s'", text);
		return;
	}
	if (negated)
		add_range(p, &t->neg, &t->nneg, lo, hi);
	else
		add_range(p, &t->pos, &t->npos, lo, hi);
}

static int cmp_range(const void *a, const void *b)
{
	const struct port_range *x = a, *y = b;

	return x->lo != y->lo ? (x->lo < y->lo ? -1 : 1) : (x->hi < y->hi ? -1 : x->hi > y->hi);
}

/* Sort and merge overlapping or adjacent ranges in place. */
static size_t normalize_ranges(struct port_range *r, size_t n)
{
	size_t out = 0;

	if (!n)
		return 0;
	qsort(r, n, sizeof(*r), cmp_range);
	for (size_t i = 1; i < n; i++) {
		if ((uint32_t)r[i].lo <= (uint32_t)r[out].hi + 1) {
			if (r[i].hi > r[out].hi)
				r[out].hi = r[i].hi;
		} else {
			r[++out] = r[i];
		}
	}
	return out + 1;
}

/* (positives or everything) minus negatives, as disjoint sorted ranges. */
static void resolve_ports(struct parser *p, struct port_terms *t, const char *text,
			  struct port_set *out)
{
	struct port_range all = { 0, 65535 };
	struct port_range *base = t->pos_any || !t->npos ? &all : t->pos;
	size_t nbase = base == &all ? 1 : normalize_ranges(t->pos, t->npos);
	size_t nneg = normalize_ranges(t->neg, t->nneg);

	for (size_t i = 0; i < nbase; i++) {
		uint32_t lo = base[i].lo, hi = base[i].hi;

		for (size_t j = 0; j < nneg && lo <= hi; j++) {
			if (t->neg[j].hi < lo || t->neg[j].lo > hi)
				continue;
			if (t->neg[j].lo > lo)
				add_range(p, &out->ranges, &out->n, (uint16_t)lo,
					  (uint16_t)(t->neg[j].lo - 1));
			lo = (uint32_t)t->neg[j].hi + 1;
		}
		if (lo <= hi)
			add_range(p, &out->ranges, &out->n, (uint16_t)lo, (uint16_t)hi);
	}
	if (!p->failed && !out->n)
		parser_fail(p, "port '%s' matches nothing", text);
}

void parse_port_set(struct parser *p, const char *text, struct port_set *out)
{
	struct port_terms t = { 0 };

	parse_port_expr(p, text, false, 0, &t);
	if (!p->failed)
		resolve_ports(p, &t, text, out);
	free(t.pos);
	free(t.neg);
}

enum port_class port_class(const struct port_set *ps)
{
	if (ps->n == 1 && ps->ranges[0].lo == ps->ranges[0].hi)
		return PORT_EXACT;
	if (ps->n == 1 && ps->ranges[0].lo == 0 && ps->ranges[0].hi == 65535)
		return PORT_ANY;
	return PORT_LIST;
}
