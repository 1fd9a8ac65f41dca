// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Size checks: bsize (the sticky buffer's length), urilen (the URI's) and
 * isdataat (whether a buffer holds data at an offset, or after the last
 * content in it). Each becomes a rule_check: the buffer's bytes (after
 * the last content, when relative) in [lo, hi], or outside it.
 *
 * bsize and urilen take Suricata's unsigned integers (its user guide,
 * "Integer Keywords"): N, =N, !N, !=N, <N, <=N, >N, >=N, and the ranges
 * A-B and A<>B, exclusive, negated with '!'; decimal with an optional
 * kb/kib/mb/mib/gb/gib, or 0x hex. isdataat takes [!]N[,relative]
 * [,rawbytes]: N from 0 to 65535. As in Suricata, isdataat:N holds when
 * the buffer is longer than N, isdataat:N,relative when N bytes or more
 * follow the last content (one byte of difference).
 */
#include <ctype.h>
#include <string.h>
#include "botsink_abi.h"
#include "lib/parse.h"
#include "lib/util.h"
#include "rules/rule_parser.h"

/* The integer forms: a value's bounds as an inclusive range, or its complement. */
struct size_range {
	uint64_t lo, hi;
	bool out;
};

static const char *skip_blanks(const char *s)
{
	return s + strspn(s, " ");
}

/* A multiplier suffix (case-insensitive), or 1 when there is none. */
static uint64_t size_unit(const char **s)
{
	static const struct {
		const char *name;
		uint64_t mul;
	} units[] = {
		{ "kib", 1ULL << 10 }, { "kb", 1ULL << 10 },  { "mib", 1ULL << 20 },
		{ "mb", 1ULL << 20 },  { "gib", 1ULL << 30 }, { "gb", 1ULL << 30 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		size_t n = strlen(units[i].name);

		if (strncasecmp(*s, units[i].name, n) == 0) {
			*s += n;
			return units[i].mul;
		}
	}
	return 1;
}

/* One value at *s (moved past it): decimal with a unit, or 0x hex. */
static bool size_value(const char **s, uint64_t max, uint64_t *out)
{
	bool hex = (*s)[0] == '0' && (*s)[1] == 'x';
	const char *digits = *s + (hex ? 2 : 0);
	size_t len = strspn(digits, hex ? "0123456789abcdefABCDEF" : "0123456789");
	uint64_t v, mul = 1;

	if (hex ? parse_hex_n(digits, len, max, &v) : parse_uint_n(digits, len, max, &v))
		return false;
	*s = digits + len;
	if (!hex && v >= 1)
		mul = size_unit(s);
	if (v > max / mul)
		return false;
	*out = v * mul;
	return true;
}

/* [!]A-B or [!]A<>B: exclusive, so B must exceed A by two or more. */
static bool size_interval(const char *s, uint64_t max, struct size_range *r, const char **end)
{
	uint64_t a, b;

	r->out = *s == '!';
	s += r->out;
	if (!size_value(&s, max, &a))
		return false;
	s = skip_blanks(s);
	if (*s == '-')
		s++;
	else if (s[0] == '<' && s[1] == '>')
		s += 2;
	else
		return false;
	s = skip_blanks(s);
	if (!size_value(&s, max, &b) || b <= a || b - a < 2)
		return false;
	r->lo = a + 1;
	r->hi = b - 1;
	*end = s;
	return true;
}

/* =N, N, !N, !=N, <N, <=N, >N, >=N; the forms that never or always match are refused. */
static bool size_compare(const char *s, uint64_t max, struct size_range *r, const char **end)
{
	static const char *const ops[] = { ">=", "<=", ">", "<", "!=", "!", "=", "" };
	size_t k = 0;
	uint64_t n;

	while (strncmp(s, ops[k], strlen(ops[k])))
		k++;
	s = skip_blanks(s + strlen(ops[k]));
	if (!size_value(&s, max, &n))
		return false;
	*r = (struct size_range){ n, n, false };
	if (ops[k][0] == '>')
		r->hi = max;
	if (ops[k][0] == '<')
		r->lo = 0;
	if (!strcmp(ops[k], ">"))
		r->lo = n + 1;
	if (!strcmp(ops[k], "<"))
		r->hi = n - 1;
	r->out = ops[k][0] == '!';
	*end = s;
	/* <0 and >=0; <=max and >max */
	return !((!strcmp(ops[k], "<") || !strcmp(ops[k], ">=")) && n == 0) &&
	       !((!strcmp(ops[k], "<=") || !strcmp(ops[k], ">")) && n == max);
}

/* Suricata's unsigned integer at v, up to max; *end: the first byte after it. */
static bool size_parse(const char *v, uint64_t max, struct size_range *r, const char **end)
{
	v = skip_blanks(v);
	return size_interval(v, max, r, end) || size_compare(v, max, r, end);
}

/* The check, in the rule's order; its bounds clamped to what a buffer can be. */
static struct rule_check *add_check(struct parser *p, struct rule *r, enum rule_check_kind kind,
				    uint8_t buffer, const struct size_range *range)
{
	struct rule_check *c;

	if (!array_grow((void **)&r->checks, r->nchecks + 1, sizeof(*r->checks))) {
		parser_fail(p, "out of memory");
		return NULL;
	}
	c = &r->checks[r->nchecks++];
	*c = (struct rule_check){
		.kind = kind,
		.buffer = buffer,
		.out = range->out,
		.lo = range->lo < RULE_SIZE_MAX ? (uint32_t)range->lo : RULE_SIZE_MAX,
		.hi = range->hi < RULE_SIZE_MAX ? (uint32_t)range->hi : RULE_SIZE_MAX,
		.after = r->ncontents,
	};
	return c;
}

/* bsize and urilen values: the integer, then (urilen, `comma`) ",raw" at *tail. */
static bool size_value_ok(struct parser *p, struct rule *r, struct rule_option *o, uint64_t max,
			  bool comma, struct size_range *range, const char **tail)
{
	const char *v = skip_blanks(o->value);

	if (*v == '&') {
		/* A bitmask of a length: valid in Suricata, not worth a check here. */
		if (parser_unsupported(p, r, "%s:%s (bitmask)", o->key, o->value) >= 0)
			o->cut = true;
		return false;
	}
	if (size_parse(v, max, range, tail)) {
		*tail = skip_blanks(*tail);
		if (!**tail || (comma && **tail == ','))
			return true;
	}
	parser_fail(p,
		    "%s: '%s' is not a size: N, !N, <N, <=N, >N, >=N, or A<>B (A-B) holding "
		    "a value strictly between A and B; at most %llu",
		    o->key, o->value, (unsigned long long)max);
	return false;
}

/* bsize: the length of the sticky buffer in force. */
void setup_bsize(struct parser *p, struct rule *r, struct rule_option *o)
{
	struct content_state *ps = &p->content;
	struct size_range range;
	struct rule_check *c;
	const char *tail;

	if (!sticky_in_force(p, o, "http.uri, dns.query, ..."))
		return;
	if (!size_value_ok(p, r, o, UINT64_MAX, false, &range, &tail))
		return;
	c = add_check(p, r, CHECK_BSIZE, ps->buffer, &range);
	if (c)
		c->dotprefix = ps->dotprefix;
	ps->sticky_used = true;
}

/*
 * urilen: the length of the URI, as botsink has it: raw (the request
 * line's bytes). Suricata's default, norm, is measured raw too, as
 * http.uri contents are matched raw.
 */
void setup_urilen(struct parser *p, struct rule *r, struct rule_option *o)
{
	struct size_range range;
	const char *tail;

	if (!size_value_ok(p, r, o, UINT16_MAX, true, &range, &tail))
		return;
	if (*tail == ',') {
		tail = skip_blanks(tail + 1);
		if (!strncmp(tail, "raw", 3))
			tail += 3;
		else if (!strncmp(tail, "norm", 4))
			tail += 4;
		else
			tail = "?";
	}
	if (*skip_blanks(tail)) {
		parser_fail(p, "urilen: '%s': only ',raw' or ',norm' may follow the size",
			    o->value);
		return;
	}
	add_check(p, r, CHECK_URILEN, BOTSINK_BUF_HTTP_URI, &range);
}

/* isdataat's value: [!]N[,relative][,rawbytes]; false: failed or dropped. */
static bool isdataat_value(struct parser *p, struct rule *r, struct rule_option *o, bool *negated,
			   uint64_t *n, bool *relative)
{
	const char *v = o->value;
	size_t len;

	*negated = *v == '!';
	v = skip_blanks(v + *negated);
	len = strcspn(v, ", ");
	if (!strncmp(v, "relative", 8) || !strncmp(v, "rawbytes", 8))
		goto bad;
	if (isalpha((unsigned char)*v)) {
		/* a byte_extract variable */
		if (parser_unsupported(p, r, "isdataat:%s", o->value) >= 0)
			o->cut = true;
		return false;
	}
	if (!len || !size_value(&v, UINT16_MAX, n) || (v[0] && v[0] != ',' && v[0] != ' '))
		goto bad;
	v = skip_blanks(v);
	*relative = false;
	if (*v == ',' && !strncmp(skip_blanks(v + 1), "relative", 8)) {
		*relative = true;
		v = skip_blanks(skip_blanks(v + 1) + 8);
	}
	if (*v == ',' && !strncmp(skip_blanks(v + 1), "rawbytes", 8))
		v = skip_blanks(skip_blanks(v + 1) + 8);
	if (!*v)
		return true;
bad:
	parser_fail(p, "isdataat: '%s' is not [!]N[,relative] (N from 0 to 65535)", o->value);
	return false;
}

/*
 * The buffer isdataat looks at: the sticky buffer in force, else the
 * buffer of the content a relative one follows, else the payload. False:
 * it goes with a buffer or a content --lenient dropped.
 */
static bool isdataat_buffer(const struct parser *p, const struct rule *r, bool relative,
			    uint8_t *buffer, bool *dotprefix)
{
	const struct content_state *ps = &p->content;

	*buffer = BOTSINK_BUF_PAYLOAD;
	*dotprefix = false;
	if (*ps->sticky) {
		*buffer = ps->buffer;
		*dotprefix = ps->dotprefix;
		return !ps->sticky_dropped;
	}
	if (!relative || !ps->have_last)
		return true;
	if (ps->last_dropped)
		return false;
	*buffer = r->contents[r->ncontents - 1].buffer;
	return true;
}

/* isdataat:!1,relative right after a content is Suricata's endswith on it. */
static bool isdataat_endswith(struct parser *p, struct rule *r, uint8_t buffer)
{
	struct content_state *ps = &p->content;
	struct rule_content *last;

	if (!ps->have_last || ps->last_dropped || ps->anchor)
		return false;
	last = &r->contents[r->ncontents - 1];
	if (last->buffer != buffer || last->dotprefix != ps->dotprefix)
		return false;
	last->endswith = true;
	return true;
}

void setup_isdataat(struct parser *p, struct rule *r, struct rule_option *o)
{
	struct size_range range = { 0, UINT64_MAX, false };
	bool negated, relative, dotprefix;
	struct rule_check *c;
	uint8_t buffer;
	uint64_t n;

	if (!isdataat_value(p, r, o, &negated, &n, &relative))
		return;
	if (!isdataat_buffer(p, r, relative, &buffer, &dotprefix)) {
		o->cut = true;
		return;
	}
	if (relative && p->content.anchor) {
		/* Relative to a pcre or byte_jump --lenient dropped: not to the last content. */
		if (parser_unsupported(p, r, "isdataat (after %s)", p->content.anchor) >= 0)
			o->cut = true;
		return;
	}
	if (relative && negated && n == 0) {
		parser_fail(p, "isdataat:%s can never match", o->value);
		return;
	}
	if (relative && negated && n == 1 && isdataat_endswith(p, r, buffer))
		return;
	/* Absolute: data at offset n (more than n bytes); relative: n bytes or more. */
	if (negated)
		range.hi = relative ? n - 1 : n;
	else
		range.lo = relative ? n : n + 1;
	c = add_check(p, r, CHECK_ISDATAAT, buffer, &range);
	if (!c)
		return;
	c->relative = relative;
	c->dotprefix = dotprefix;
	if (*p->content.sticky)
		p->content.sticky_used = true;
}

/* The most bytes a check lets its buffer have, or RULE_SIZE_MAX. */
static uint32_t check_most(const struct rule_check *c)
{
	return c->out || c->relative ? RULE_SIZE_MAX : c->hi;
}

static const char *const check_names[] = {
	[CHECK_BSIZE] = "bsize",
	[CHECK_URILEN] = "urilen",
	[CHECK_ISDATAAT] = "isdataat",
};

/* A content that needs more bytes than a size check of its buffer allows: refused, as Suricata does. */
void check_sizes(struct parser *p, struct rule *r)
{
	for (size_t i = 0; i < r->nchecks && !p->failed; i++) {
		const struct rule_check *c = &r->checks[i];

		for (size_t k = 0; k < r->ncontents && !p->failed; k++) {
			const struct rule_content *rc = &r->contents[k];
			size_t need = rc->len + (rc->has_offset ? (size_t)rc->offset : 0);

			if (rc->negated || rc->buffer != c->buffer || rc->dotprefix != c->dotprefix)
				continue;
			if (need > check_most(c))
				parser_fail(p,
					    "%s allows at most %u bytes: a content needs %zu, the "
					    "rule can never match",
					    check_names[c->kind], check_most(c), need);
		}
	}
}
