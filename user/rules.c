// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Suricata rule parser, header subset. Follows Suricata's syntax: options
 * end at an unescaped ';', strings escape '"', '\' and ';' with '\',
 * a line ending in '\' continues on the next one.
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "botsink_abi.h"
#include "rules.h"
#include "util.h"

#define MAX_NESTING 16
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

struct parser {
	struct rule_set *rs;
	unsigned int line;
	bool failed; /* this rule has an error */
};

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

static void fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return; /* one error per rule: later ones are usually consequences */
	p->failed = true;
	va_start(ap, fmt);
	add_error(p->rs, p->line, fmt, ap);
	va_end(ap);
}

/* ---- address sets ---- */

static void add_prefix(struct parser *p, struct prefix **arr, size_t *n, const struct prefix *pf)
{
	if (!array_grow((void **)arr, *n + 1, sizeof(**arr))) {
		fail(p, "out of memory");
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
			fail(p, "unbalanced ']'");
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
		fail(p, "unbalanced '['");
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
		fail(p, "address list nested too deeply");
		return;
	}
	if (*text == '!') {
		parse_addr_expr(p, text + 1, !negated, depth + 1, set);
		return;
	}
	if (list_body(text, &body, &len)) {
		items = split_list(p, body, len, &n);
		if (n == 0 || (n == 1 && !*items[0]))
			fail(p, "empty address list '%s'", text);
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
		fail(p, "invalid address '%s'", text);
		return;
	}
	if (negated)
		add_prefix(p, &set->neg, &set->nneg, &pf);
	else
		add_prefix(p, &set->pos, &set->npos, &pf);
}

static void parse_addr_set(struct parser *p, const char *text, const char *what,
			   struct addr_set *set)
{
	parse_addr_expr(p, text, false, 0, set);
	if (!p->failed && set->neg_any)
		fail(p, "%s address '%s' matches nothing", what, text);
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

static void add_range(struct parser *p, struct port_range **arr, size_t *n, uint16_t lo, uint16_t hi)
{
	if (!array_grow((void **)arr, *n + 1, sizeof(**arr))) {
		fail(p, "out of memory");
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
		fail(p, "port list nested too deeply");
		return;
	}
	if (*text == '!') {
		parse_port_expr(p, text + 1, !negated, depth + 1, t);
		return;
	}
	if (list_body(text, &body, &len)) {
		items = split_list(p, body, len, &n);
		if (n == 0 || (n == 1 && !*items[0]))
			fail(p, "empty port list '%s'", text);
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
		fail(p, "port variable '%s' is not defined", text);
		return;
	}
	if (strcmp(text, "any") == 0) {
		if (negated)
			fail(p, "port '!any' matches nothing");
		else
			t->pos_any = true;
		return;
	}
	colon = strchr(text, ':');
	if (!colon) {
		if (!parse_port_number(text, strlen(text), &lo)) {
			fail(p, "invalid port '%s'", text);
			return;
		}
		hi = lo;
	} else if ((colon > text && !parse_port_number(text, (size_t)(colon - text), &lo)) ||
		   (colon[1] && !parse_port_number(colon + 1, strlen(colon + 1), &hi)) ||
		   (colon == text && !colon[1]) || lo > hi) {
		fail(p, "invalid port range '%s'", text);
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
		fail(p, "port '%s' matches nothing", text);
}

static void parse_port_set(struct parser *p, const char *text, struct port_set *out)
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

/* ---- options ---- */

/* Suricata's escapes: \" \\ \; (and \: , \| , \' left as they are). */
static char *unescape(struct parser *p, const char *value, const char *keyword)
{
	size_t n = strlen(value);
	char *out, *o;

	if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
		value++;
		n -= 2;
	} else if (strcmp(keyword, "msg") == 0) {
		fail(p, "msg must be a quoted string");
		return NULL;
	}
	out = o = malloc(n + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (value[i] == '\\' && i + 1 < n &&
		    (value[i + 1] == '"' || value[i + 1] == '\\' || value[i + 1] == ';'))
			i++;
		else if (value[i] == '"') {
			fail(p, "unescaped '\"' in %s", keyword);
			free(out);
			return NULL;
		}
		*o++ = value[i];
	}
	*o = '\0';
	return out;
}

static bool parse_u32(const char *text, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*text))
		return false;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static uint8_t flag_bit(char ch)
{
	switch (toupper((unsigned char)ch)) {
	case 'F':
		return TCP_FIN;
	case 'S':
		return TCP_SYN;
	case 'R':
		return TCP_RST;
	case 'P':
		return TCP_PSH;
	case 'A':
		return TCP_ACK;
	case 'U':
		return TCP_URG;
	case 'E':
	case '2':
		return TCP_ECE;
	case 'C':
	case '1':
		return TCP_CWR;
	default:
		return 0;
	}
}

/*
 * flags:[!+*]<flags>[,<ignored>] with Suricata's semantics: no modifier
 * means exactly these (after dropping ignored bits), '+' these and maybe
 * others, '*' any of these, '!' not all of these; '0' means no flag.
 * Compiled to (packet & mask) ==/!= value.
 */
static void parse_flags(struct parser *p, struct rule *r, const char *value)
{
	uint8_t flags = 0, ignored = 0;
	bool zero = false, seen = false;
	const char *comma = strchr(value, ',');
	size_t end = comma ? (size_t)(comma - value) : strlen(value);
	char modifier = 0;

	if (r->has_flags) {
		fail(p, "flags given twice");
		return;
	}
	for (size_t i = 0; i < end; i++) {
		char ch = value[i];

		if (isspace((unsigned char)ch))
			continue;
		if (ch == '!' || ch == '+' || ch == '*') {
			if (modifier) {
				fail(p, "flags: only one modifier is allowed");
				return;
			}
			modifier = ch;
		} else if (ch == '0') {
			zero = seen = true;
		} else if (flag_bit(ch)) {
			flags |= flag_bit(ch);
			seen = true;
		} else {
			fail(p, "flags: unknown flag '%c'", ch);
			return;
		}
	}
	if (!seen || (zero && flags)) {
		fail(p, "flags: invalid value '%s'", value);
		return;
	}
	for (const char *c = comma ? comma + 1 : ""; *c; c++) {
		if (isspace((unsigned char)*c))
			continue;
		if (!flag_bit(*c)) {
			fail(p, "flags: unknown flag '%c' in the ignore mask", *c);
			return;
		}
		ignored |= flag_bit(*c);
	}
	if (comma && !ignored) {
		fail(p, "flags: empty ignore mask");
		return;
	}
	r->has_flags = true;
	if (!flags) {
		/* Suricata compares the unmasked flags against 0 here. */
		if (modifier == '*') {
			fail(p, "flags: '*0' can never match");
			return;
		}
		r->flags_op = modifier == '!' ? BOTSINK_FLAGS_NE : BOTSINK_FLAGS_EQ;
		r->flags_mask = 0xff;
		r->flags_value = 0;
		return;
	}
	switch (modifier) {
	case 0:
		r->flags_op = BOTSINK_FLAGS_EQ;
		r->flags_mask = (uint8_t)~ignored;
		r->flags_value = flags;
		break;
	case '+':
		r->flags_op = BOTSINK_FLAGS_EQ;
		r->flags_mask = flags & (uint8_t)~ignored;
		r->flags_value = flags;
		break;
	case '*':
		r->flags_op = BOTSINK_FLAGS_NE;
		r->flags_mask = flags & (uint8_t)~ignored;
		r->flags_value = 0;
		break;
	case '!':
		r->flags_op = BOTSINK_FLAGS_NE;
		r->flags_mask = flags & (uint8_t)~ignored;
		r->flags_value = flags;
		break;
	}
	if ((r->flags_value & ~r->flags_mask) && r->flags_op == BOTSINK_FLAGS_EQ)
		fail(p, "flags: '%s' ignores a flag it requires: it can never match", value);
}

/* metadata: key value, key value -- family from malware_family. */
static void parse_metadata(struct parser *p, struct rule *r, const char *value, bool *family_set)
{
	char *copy = strdup(value), *save = NULL;

	if (!copy) {
		fail(p, "out of memory");
		return;
	}
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *key = item + strspn(item, " \t");
		char *val = key + strcspn(key, " \t");

		if (*val)
			*val++ = '\0';
		val += strspn(val, " \t");
		if (strcmp(key, "malware_family") != 0 || !*val || *family_set)
			continue;
		free(r->family);
		r->family = strndup_trim(val, strlen(val));
		if (r->family)
			str_lower(r->family);
		*family_set = true;
	}
	free(copy);
}

/* flow: only the values that never narrow a check-in to the sinkhole. */
static void check_flow(struct parser *p, const char *value)
{
	char *copy = strdup(value), *save = NULL;

	if (!copy)
		return;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *v = strndup_trim(item, strlen(item));

		if (v && strcmp(v, "to_server") && strcmp(v, "from_client") &&
		    strcmp(v, "established"))
			fail(p, "keyword 'flow:%s' is not supported in XDP", v);
		free(v);
	}
	free(copy);
}

static void check_flowbits(struct parser *p, const char *value)
{
	size_t n = strcspn(value, ",");

	if (!strncmp(value, "set", n) || !strncmp(value, "unset", n) ||
	    !strncmp(value, "toggle", n) || !strncmp(value, "noalert", n))
		return;
	fail(p, "keyword 'flowbits:%.*s' is not supported in XDP", (int)n, value);
}

/* Keywords that describe a rule or never narrow what it matches. */
static const char *const ignored_keywords[] = {
	"gid", "priority", "reference", "target", "threshold",
};

struct option_state {
	bool sid, rev, msg, family, classtype;
};

static void apply_option(struct parser *p, struct rule *r, const char *key, const char *value,
			 struct option_state *seen)
{
	bool *once = strcmp(key, "msg") == 0	   ? &seen->msg :
		     strcmp(key, "sid") == 0	   ? &seen->sid :
		     strcmp(key, "rev") == 0	   ? &seen->rev :
		     strcmp(key, "classtype") == 0 ? &seen->classtype :
						     NULL;
	bool repeated = once && *once;

	if (once)
		*once = true;
	if (strcmp(key, "msg") == 0) {
		if (repeated)
			fail(p, "msg given twice");
		else if (value)
			r->msg = unescape(p, value, key);
	} else if (strcmp(key, "sid") == 0) {
		if (repeated)
			fail(p, "sid given twice");
		else if (!value || !parse_u32(value, &r->sid) || r->sid == 0)
			fail(p, "sid must be an integer from 1 to 4294967295");
	} else if (strcmp(key, "rev") == 0) {
		if (repeated)
			fail(p, "rev given twice");
		else if (!value || !parse_u32(value, &r->rev))
			fail(p, "rev must be a non-negative integer");
	} else if (strcmp(key, "metadata") == 0) {
		if (value)
			parse_metadata(p, r, value, &seen->family);
	} else if (strcmp(key, "classtype") == 0) {
		if (repeated)
			fail(p, "classtype given twice");
		else if (value)
			r->classtype = strdup(value);
	} else if (strcmp(key, "flags") == 0 || strcmp(key, "tcp.flags") == 0) {
		parse_flags(p, r, value ? value : "");
	} else if (strcmp(key, "flow") == 0) {
		check_flow(p, value ? value : "");
	} else if (strcmp(key, "flowbits") == 0) {
		check_flowbits(p, value ? value : "");
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(ignored_keywords); i++)
			if (strcmp(key, ignored_keywords[i]) == 0)
				return;
		fail(p, "keyword '%s' is not supported in XDP", key);
		return;
	}
	if ((!value || !*value) && strcmp(key, "flags") && strcmp(key, "tcp.flags"))
		fail(p, "%s needs a value", key);
}

/* Walk "key:value; key; ..." up to the closing ')'. */
static void parse_options(struct parser *p, struct rule *r, const char *text, size_t len)
{
	struct option_state seen = { 0 };
	size_t i = 0;

	while (i < len && !p->failed) {
		size_t start, key_end, value_start = 0;
		bool has_value = false;
		char *key, *value = NULL;

		while (i < len && isspace((unsigned char)text[i]))
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && text[i] != ':' && text[i] != ';')
			i++;
		key_end = i;
		if (i < len && text[i] == ':') {
			has_value = true;
			value_start = ++i;
			while (i < len && !(text[i] == ';' && text[i - 1] != '\\'))
				i++;
		}
		if (i >= len) {
			fail(p, "option '%.*s' is not terminated by ';'", (int)(i - start),
			     text + start);
			break;
		}
		key = strndup_trim(text + start, key_end - start);
		if (has_value)
			value = strndup_trim(text + value_start, i - value_start);
		i++; /* the ';' */
		if (key && *key)
			apply_option(p, r, key, value, &seen);
		else
			fail(p, "empty option");
		free(key);
		free(value);
	}
	if (!p->failed && !seen.sid)
		fail(p, "rule has no sid");
}

/* ---- family ---- */

/*
 * Without metadata malware_family, the family is the first word of msg
 * after an ET-style prefix (ET, ETPRO, GPL and all-caps category words
 * such as TROJAN or MOBILE_MALWARE), lower-cased: "ET TROJAN Zeus gate"
 * gives "zeus".
 */
static char *family_from_msg(const char *msg)
{
	const char *word = msg;

	while (word && *word) {
		size_t n;
		bool upper = true;

		word += strspn(word, " \t");
		n = strcspn(word, " \t");
		if (!n)
			break;
		for (size_t i = 0; i < n; i++)
			if (!isupper((unsigned char)word[i]) && word[i] != '_')
				upper = false;
		if (!upper || n < 2 || !word[n]) {
			char *family = strndup(word, n);

			if (family) {
				/* Keep letters, digits and . _ - */
				for (char *c = family; *c; c++)
					if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
						*c = '\0';
				str_lower(family);
				if (*family)
					return family;
				free(family);
			}
			break;
		}
		word += n;
	}
	return strdup("unknown");
}

/* ---- rules ---- */

/* Header tokens, whitespace-separated; a bracketed list is one token. */
static size_t split_header(const char *text, size_t len, char *tokens[], size_t max)
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
	size_t n = split_header(text, len, tok, 7);

	if (n != 7) {
		fail(p, "rule header needs 7 fields (action proto src sport -> dst dport), found %zu",
		     n);
		goto out;
	}
	if (!parse_action(tok[0])) {
		fail(p, "action '%s' is not supported (alert, drop, reject)", tok[0]);
		goto out;
	}
	if (strcmp(tok[1], "tcp") == 0)
		r->proto = IPPROTO_TCP;
	else if (strcmp(tok[1], "udp") == 0)
		r->proto = IPPROTO_UDP;
	else if (strcmp(tok[1], "ip") == 0)
		r->proto = 0;
	else {
		fail(p, "protocol '%s' is not supported (tcp, udp, ip)", tok[1]);
		goto out;
	}
	if (strcmp(tok[4], "->") != 0) {
		fail(p, strcmp(tok[4], "<>") == 0 ? "bidirectional rules ('<>') are not supported" :
						    "expected '->' between source and destination, found '%s'",
		     tok[4]);
		goto out;
	}
	parse_addr_set(p, tok[2], "source", &r->src);
	parse_port_set(p, tok[3], &r->sport);
	parse_addr_set(p, tok[5], "destination", &r->dst);
	parse_port_set(p, tok[6], &r->dport);
	if (!p->failed && !r->proto &&
	    (port_class(&r->sport) != PORT_ANY || port_class(&r->dport) != PORT_ANY))
		fail(p, "ports need protocol tcp or udp, not ip");
out:
	for (size_t i = 0; i < 7; i++)
		free(tok[i]);
}

static void rule_free(struct rule *r)
{
	free(r->msg);
	free(r->family);
	free(r->classtype);
	free(r->src.pos);
	free(r->src.neg);
	free(r->dst.pos);
	free(r->dst.neg);
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
		fail(p, "rule has no '(...)' options");
		return;
	}
	if (close[1 + strspn(close + 1, " \t\r")] != '\0') {
		fail(p, "unexpected text after ')'");
		return;
	}
	parse_header(p, &r, text, (size_t)(open - text));
	if (!p->failed)
		parse_options(p, &r, open + 1, (size_t)(close - open - 1));
	if (!p->failed && r.flags_op && r.proto == IPPROTO_UDP)
		fail(p, "flags need protocol tcp (or ip)");
	if (!p->failed) {
		const struct rule *dup = rules_find_sid(p->rs, r.sid);

		if (dup)
			fail(p, "duplicate sid %u (first defined at line %u)", r.sid, dup->line);
	}
	if (!p->failed && !r.family)
		r.family = r.msg ? family_from_msg(r.msg) : strdup("unknown");
	if (!p->failed && !r.family)
		fail(p, "out of memory");
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
		cont = t && text[t - 1] == '\\';
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
