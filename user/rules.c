// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Suricata rule files, header subset: lines (a line ending in '\'
 * continues on the next), the rule header, and the rule set's errors.
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

static void add_error(struct rule_set *rs, unsigned int line, const char *fmt, va_list ap)
{
	struct rule_error *e;

	if (!array_grow((void **)&rs->errors, rs->nerrors + 1, sizeof(*rs->errors)))
		return;
	e = &rs->errors[rs->nerrors++];
	e->line = line;
	if (vasprintf(&e->reason, fmt, ap) < 0)
		e->reason = NULL;
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

/* ---- rules ---- */

/*
 * Header tokens, whitespace-separated; a bracketed list is one token.
 * *unclosed: a '[' was never closed (its token swallowed the rest).
 */
static size_t split_header(const char *text, size_t len, char *tokens[], size_t max, bool *unclosed)
{
	size_t n = 0, i = 0;

	while (i < len && n < max + 1) {
		size_t start;
		int depth = 0;

		while (i < len && isspace((unsigned char)text[i]))
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && (depth > 0 || !isspace((unsigned char)text[i]))) {
			if (text[i] == '[')
				depth++;
			else if (text[i] == ']')
				depth--;
			i++;
		}
		if (depth > 0)
			*unclosed = true;
		if (n < max)
			tokens[n] = strndup_trim(text + start, i - start);
		n++;
	}
	return n;
}

static bool parse_action(const char *action)
{
	static const char *const actions[] = {
		"alert", "drop", "reject", "rejectsrc", "rejectdst", "rejectboth",
	};

	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (strcmp(action, actions[i]) == 0)
			return true;
	return false;
}

static void parse_header(struct parser *p, struct rule *r, const char *text, size_t len)
{
	char *tok[7] = { 0 };
	bool unclosed = false;
	size_t n = split_header(text, len, tok, 7, &unclosed);

	if (unclosed) {
		parser_fail(p, "unbalanced '[' in the rule header");
		goto out;
	}
	if (n != 7) {
		parser_fail(
			p,
			"rule header needs 7 fields (action proto src sport -> dst dport), found %s%zu",
			n > 7 ? "more than " : "", n > 7 ? (size_t)7 : n);
		goto out;
	}
	if (!parse_action(tok[0])) {
		parser_fail(p, "action '%s' is not supported (alert, drop, reject)", tok[0]);
		goto out;
	}
	if (strcmp(tok[1], "tcp") == 0)
		r->proto = IPPROTO_TCP;
	else if (strcmp(tok[1], "udp") == 0)
		r->proto = IPPROTO_UDP;
	else if (strcmp(tok[1], "ip") == 0)
		r->proto = 0;
	else {
		parser_fail(p, "protocol '%s' is not supported (tcp, udp, ip)", tok[1]);
		goto out;
	}
	if (strcmp(tok[4], "->") != 0) {
		parser_fail(p,
			    strcmp(tok[4], "<>") == 0 ?
				    "bidirectional rules ('<>') are not supported" :
				    "expected '->' between source and destination, found '%s'",
			    tok[4]);
		goto out;
	}
	parse_addr_set(p, tok[2], true, &r->src);
	parse_port_set(p, tok[3], &r->sport);
	parse_addr_set(p, tok[5], false, &r->dst);
	parse_port_set(p, tok[6], &r->dport);
	if (!p->failed && !r->proto &&
	    (port_class(&r->sport) != PORT_ANY || port_class(&r->dport) != PORT_ANY))
		parser_fail(p, "ports need protocol tcp or udp, not ip");
out:
	for (size_t i = 0; i < 7; i++)
		free(tok[i]);
}

static void rule_free(struct rule *r)
{
	free(r->msg);
	free(r->family);
	free(r->classtype);
	addr_set_free(&r->src);
	addr_set_free(&r->dst);
	free(r->sport.ranges);
	free(r->dport.ranges);
	memset(r, 0, sizeof(*r));
}

static void parse_rule(struct parser *p, const char *text)
{
	struct rule r = { .line = p->line };
	const char *open = strchr(text, '(');
	const char *close = strrchr(text, ')');

	p->failed = false;
	if (!open || !close || close < open) {
		parser_fail(p, "rule has no '(...)' options");
		return;
	}
	if (close[1 + strspn(close + 1, " \t\r")] != '\0') {
		parser_fail(p, "unexpected text after ')'");
		return;
	}
	parse_header(p, &r, text, (size_t)(open - text));
	if (!p->failed)
		parse_options(p, &r, open + 1, (size_t)(close - open - 1));
	if (!p->failed && r.flags_op && r.proto == IPPROTO_UDP)
		parser_fail(p, "flags need protocol tcp (or ip)");
	if (!p->failed) {
		const struct rule *dup = rules_find_sid(p->rs, r.sid);

		if (dup)
			parser_fail(p, "duplicate sid %u (first defined at line %u)", r.sid,
				    dup->line);
	}
	if (!p->failed && !r.family)
		r.family = r.msg ? family_from_msg(r.msg) : strdup("unknown");
	if (!p->failed && !r.family)
		parser_fail(p, "out of memory");
	if (p->failed || !array_grow((void **)&p->rs->rules, p->rs->n + 1, sizeof(r))) {
		rule_free(&r);
		return;
	}
	p->rs->rules[p->rs->n++] = r;
}

int rules_parse_buffer(const char *name, const char *text, struct rule_set *out)
{
	struct parser p = { .rs = out };
	char *logical = NULL;
	size_t loglen = 0;
	unsigned int lineno = 0, first = 0;

	memset(out, 0, sizeof(*out));
	out->path = strdup(name);
	while (*text) {
		size_t n = strcspn(text, "\n");
		size_t t = n;
		bool cont;

		lineno++;
		while (t && (text[t - 1] == '\r' || text[t - 1] == ' ' || text[t - 1] == '\t'))
			t--;
		/* As in Suricata, a comment line never continues onto the next. */
		cont = t && text[t - 1] == '\\' && (logical || text[strspn(text, " \t")] != '#');
		if (cont)
			t--;
		if (!logical)
			first = lineno;
		if (array_grow((void **)&logical, loglen + t + 2, 1)) {
			memcpy(logical + loglen, text, t);
			loglen += t;
			logical[loglen] = '\0';
		}
		text += n + (text[n] == '\n');
		if (cont && *text)
			continue;
		if (logical) {
			const char *s = logical + strspn(logical, " \t");

			p.line = first;
			if (*s && *s != '#')
				parse_rule(&p, s);
		}
		free(logical);
		logical = NULL;
		loglen = 0;
	}
	free(logical);
	return 0;
}

int rules_load(const char *path, struct rule_set *out)
{
	char *text = read_file(path, NULL);
	int ret;

	if (!text)
		return -1;
	ret = rules_parse_buffer(path, text, out);
	free(text);
	return ret;
}

void rules_print_errors(const struct rule_set *rs)
{
	for (size_t i = 0; i < rs->nerrors; i++) {
		const char *reason = rs->errors[i].reason ? rs->errors[i].reason : "out of memory";

		if (rs->errors[i].line)
			fprintf(stderr, "%s:%u: %s\n", rs->path, rs->errors[i].line, reason);
		else
			fprintf(stderr, "%s: %s\n", rs->path, reason);
	}
}

void rules_free(struct rule_set *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		rule_free(&rs->rules[i]);
	for (size_t i = 0; i < rs->nerrors; i++)
		free(rs->errors[i].reason);
	free(rs->rules);
	free(rs->errors);
	free(rs->path);
	memset(rs, 0, sizeof(*rs));
}

const struct rule *rules_find_sid(const struct rule_set *rs, uint32_t sid)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->rules[i].sid == sid)
			return &rs->rules[i];
	return NULL;
}

const char *rule_proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "ip";
}
