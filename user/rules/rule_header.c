// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The rule header: action, protocol, and the address and port sets with
 * Suricata's lists, ranges, negation and variables.
 */
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "botsink_abi.h"
#include "lib/parse.h"
#include "lib/util.h"
#include "rules/rule_parser.h"

#define MAX_NESTING 16

/* ---- address sets ---- */

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

/* Suricata's default address variables, and botsink's own. */
static const char *const addr_vars[] = {
	"HOME_NET",	 "EXTERNAL_NET", "HTTP_SERVERS",   "SMTP_SERVERS",
	"SQL_SERVERS",	 "DNS_SERVERS",	 "TELNET_SERVERS", "AIM_SERVERS",
	"DC_SERVERS",	 "DNP3_SERVER",	 "DNP3_CLIENT",	   "MODBUS_CLIENT",
	"MODBUS_SERVER", "ENIP_CLIENT",	 "ENIP_SERVER",	   "SINKHOLE",
};

/* A term that does not constrain (a negated variable as a source). */
#define TERM_IGNORED 1

static int check_addr_var(struct parser *p, const char *text)
{
	for (size_t i = 0; i < ARRAY_SIZE(addr_vars); i++)
		if (strcmp(text + 1, addr_vars[i]) == 0)
			return 0;
	parser_fail(
		p,
		"address variable '%s' is not defined (botsink knows Suricata's defaults and $SINKHOLE)",
		text);
	return -1;
}

static int eval_addr(struct parser *p, const char *text, bool source, int depth,
		     struct addr_set *out);

/* The evaluated terms of a list, plain and negated. */
struct addr_terms {
	struct addr_set *set[2];
	size_t n[2];
};

static void addr_terms_free(struct addr_terms *t)
{
	for (size_t side = 0; side < 2; side++) {
		for (size_t i = 0; i < t->n[side]; i++)
			addr_set_free(&t->set[side][i]);
		free(t->set[side]);
	}
}

static bool addr_terms_push(struct addr_terms *t, bool neg, struct addr_set *term)
{
	if (!array_grow((void **)&t->set[neg], t->n[neg] + 1, sizeof(*term)))
		return false;
	t->set[neg][t->n[neg]++] = *term;
	return true;
}

/*
 * A list is the union of its plain terms (everything when there are none)
 * minus the union of its negated terms, as Suricata reads it. The terms
 * are combined once, at the end: one union per term made long lists slow.
 */
static int eval_addr_list(struct parser *p, const char *body, size_t len, bool source, int depth,
			  struct addr_set *out)
{
	struct addr_terms t = { 0 };
	struct addr_set any;
	size_t n;
	char **items = split_list(p, body, len, &n);
	int ret = 0;

	if (n == 0 || (n == 1 && !*items[0])) {
		parser_fail(p, "empty address list '[%.*s]'", (int)len, body);
		ret = -1;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		bool neg = items[i][0] == '!';
		struct addr_set term;
		int r = eval_addr(p, items[i] + neg, source, depth + 1, &term);

		if (r == TERM_IGNORED || (r == 0 && source && neg && items[i][1] == '$'))
			continue;
		if (r < 0) {
			ret = -1;
			break;
		}
		if (!addr_terms_push(&t, neg, &term)) {
			addr_set_free(&term);
			ret = -1;
		}
	}
	addr_set_init_any(&any);
	if (!t.n[0] && !addr_terms_push(&t, false, &any))
		ret = -1;
	if (!ret && addr_set_build(out, t.set[0], t.n[0], t.set[1], t.n[1]))
		ret = -1;
	addr_terms_free(&t);
	free_list(items, n);
	return ret;
}

/*
 * Returns 0 with the set in *out, TERM_IGNORED, or -1 (error recorded).
 * As a destination, `any` and variables are the whole sinkhole space; as a
 * source they are any source, negated too: botsink does not know HOME_NET.
 */
static int eval_addr(struct parser *p, const char *text, bool source, int depth,
		     struct addr_set *out)
{
	const char *body;
	struct prefix pf;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	if (depth > MAX_NESTING) {
		parser_fail(p, "address list nested too deeply");
		return -1;
	}
	if (*text == '!') {
		if (source && text[1] == '$')
			return check_addr_var(p, text + 1) ? -1 : TERM_IGNORED;
		r = eval_addr(p, text + 1, source, depth + 1, out);
		if (r == 0)
			addr_set_complement(out);
		return r;
	}
	if (list_body(text, &body, &len))
		return eval_addr_list(p, body, len, source, depth, out);
	if (text[0] == '$' && check_addr_var(p, text))
		return -1;
	if (strcmp(text, "any") == 0 || text[0] == '$') {
		addr_set_init_any(out);
		return 0;
	}
	if (prefix_parse(text, &pf)) {
		parser_fail(p, "invalid address '%s'", text);
		return -1;
	}
	if (addr_set_init_prefix(out, &pf)) {
		parser_fail(p, "out of memory");
		return -1;
	}
	return 0;
}

static void parse_addr_set(struct parser *p, const char *text, bool source, struct addr_set *set)
{
	int r = eval_addr(p, text, source, 0, set);

	if (r == TERM_IGNORED)
		addr_set_init_any(set);
	else if (r < 0)
		return;
	if (addr_set_is_empty(set))
		parser_fail(p, "%s address '%s' matches nothing", source ? "source" : "destination",
			    text);
}

/* ---- port sets ---- */

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

/* Ports as a bitmap: union, difference and complement are exact. */
#define PORT_WORDS (65536 / 64)

struct ports {
	uint64_t w[PORT_WORDS];
};

/* A word at a time: `any` is 65,536 ports, on most rules. */
static void ports_fill(struct ports *p, unsigned int lo, unsigned int hi)
{
	while (lo <= hi) {
		unsigned int bit = lo % 64, n = 64 - bit;

		if (n > hi - lo + 1)
			n = hi - lo + 1;
		p->w[lo / 64] |= (n == 64 ? ~0ULL : (1ULL << n) - 1) << bit;
		lo += n;
	}
}

/* At most 5 digits: "000080" was never a port. */
static bool parse_port_number(const char *text, size_t len, uint16_t *out)
{
	uint64_t v;

	if (len > 5 || parse_uint_n(text, len, 65535, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

/* "80", "1024:2048", "1024:", ":1023" */
static int eval_port_range(struct parser *p, const char *text, struct ports *out)
{
	const char *colon = strchr(text, ':');
	uint16_t lo = 0, hi = 65535;

	if (!colon) {
		if (!parse_port_number(text, strlen(text), &lo)) {
			parser_fail(p, "invalid port '%s'", text);
			return -1;
		}
		hi = lo;
	} else if ((colon > text && !parse_port_number(text, (size_t)(colon - text), &lo)) ||
		   (colon[1] && !parse_port_number(colon + 1, strlen(colon + 1), &hi)) ||
		   (colon == text && !colon[1]) || lo > hi) {
		parser_fail(p, "invalid port range '%s'", text);
		return -1;
	}
	ports_fill(out, lo, hi);
	return 0;
}

static int eval_ports(struct parser *p, const char *text, int depth, struct ports *out);

/* A list: its plain terms (all ports when there are none) minus its negated ones. */
static int eval_port_list(struct parser *p, const char *body, size_t len, int depth,
			  struct ports *out)
{
	struct ports *minus = calloc(2, sizeof(*minus)), *term = minus + 1;
	bool any_plus = false;
	size_t n;
	char **items = split_list(p, body, len, &n);
	int ret = minus ? 0 : -1;

	if (!ret && (n == 0 || (n == 1 && !*items[0]))) {
		parser_fail(p, "empty port list '[%.*s]'", (int)len, body);
		ret = -1;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		bool neg = items[i][0] == '!';

		memset(term, 0, sizeof(*term));
		ret = eval_ports(p, items[i] + neg, depth + 1, term);
		any_plus |= !neg;
		for (size_t w = 0; w < PORT_WORDS && !ret; w++) {
			if (neg)
				minus->w[w] |= term->w[w];
			else
				out->w[w] |= term->w[w];
		}
	}
	for (size_t w = 0; w < PORT_WORDS && !ret; w++)
		out->w[w] = (any_plus ? out->w[w] : ~0ULL) & ~minus->w[w];
	free(minus);
	free_list(items, n);
	return ret;
}

static int eval_ports(struct parser *p, const char *text, int depth, struct ports *out)
{
	const char *body;
	size_t len;

	if (depth > MAX_NESTING) {
		parser_fail(p, "port list nested too deeply");
		return -1;
	}
	if (*text == '!') {
		if (eval_ports(p, text + 1, depth + 1, out))
			return -1;
		for (size_t w = 0; w < PORT_WORDS; w++)
			out->w[w] = ~out->w[w];
		return 0;
	}
	if (list_body(text, &body, &len))
		return eval_port_list(p, body, len, depth, out);
	if (strcmp(text, "any") == 0) {
		memset(out, 0xff, sizeof(*out));
		return 0;
	}
	if (text[0] == '$') {
		for (size_t i = 0; i < ARRAY_SIZE(port_vars); i++)
			if (strcmp(text + 1, port_vars[i].name) == 0)
				return eval_ports(p, port_vars[i].value, depth + 1, out);
		parser_fail(p, "port variable '%s' is not defined", text);
		return -1;
	}
	return eval_port_range(p, text, out);
}

/* The first port from `from` on that is in (`in`) or out of the set; 65536 if none. */
static unsigned int next_port(const struct ports *set, unsigned int from, bool in)
{
	while (from < 65536) {
		uint64_t w = (in ? set->w[from / 64] : ~set->w[from / 64]) & (~0ULL << (from % 64));

		if (w)
			return from / 64 * 64 + (unsigned int)__builtin_ctzll(w);
		from = (from / 64 + 1) * 64;
	}
	return 65536;
}

/* A ',' outside any brackets: "!80,!443" is a list without its brackets. */
static bool bare_list(const char *text)
{
	int depth = 0;

	for (; *text; text++) {
		depth += (*text == '[') - (*text == ']');
		if (*text == ',' && depth <= 0)
			return true;
	}
	return false;
}

static void parse_port_set(struct parser *p, const char *text, struct port_set *out)
{
	struct ports *set;

	/* Refused whole: its parts would be quoted back as "invalid port '80,!443'". */
	if (bare_list(text)) {
		parser_fail(p, "port list '%s' needs brackets: '[%s]'", text, text);
		return;
	}
	set = calloc(1, sizeof(*set));
	if (!set || eval_ports(p, text, 0, set)) {
		if (!set)
			parser_fail(p, "out of memory");
		free(set);
		return;
	}
	/* The set's runs of ports, a word at a time: two calls per rule. */
	for (unsigned int lo = next_port(set, 0, true); lo < 65536;) {
		unsigned int end = next_port(set, lo, false);

		if (!array_grow((void **)&out->ranges, out->n + 1, sizeof(*out->ranges))) {
			parser_fail(p, "out of memory");
			break;
		}
		out->ranges[out->n].lo = (uint16_t)lo;
		out->ranges[out->n].hi = (uint16_t)(end - 1);
		out->n++;
		lo = next_port(set, end, true);
	}
	if (!p->failed && !out->n)
		parser_fail(p, "port '%s' matches nothing", text);
	free(set);
}

enum port_class port_class(const struct port_set *ps)
{
	if (ps->n == 1 && ps->ranges[0].lo == ps->ranges[0].hi)
		return PORT_EXACT;
	if (ps->n == 1 && ps->ranges[0].lo == 0 && ps->ranges[0].hi == 65535)
		return PORT_ANY;
	return PORT_LIST;
}

/* ---- the header ---- */

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

/* The application protocols imply their transport: HTTP over TCP, DNS over UDP. */
static bool parse_proto(struct rule *r, const char *proto)
{
	static const struct {
		const char *name;
		uint8_t proto;
		enum rule_app app;
	} protos[] = {
		{ "tcp", IPPROTO_TCP, RULE_APP_NONE },
		{ "udp", IPPROTO_UDP, RULE_APP_NONE },
		{ "ip", 0, RULE_APP_NONE },
		{ "http", IPPROTO_TCP, RULE_APP_HTTP },
		{ "dns", IPPROTO_UDP, RULE_APP_DNS },
	};

	for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
		if (strcmp(proto, protos[i].name) == 0) {
			r->proto = protos[i].proto;
			r->app = protos[i].app;
			return true;
		}
	}
	return false;
}

void parse_header(struct parser *p, struct rule *r, const char *text, size_t len)
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
	if (!parse_proto(r, tok[1])) {
		parser_fail(p, "protocol '%s' is not supported (tcp, udp, ip, http, dns)", tok[1]);
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
