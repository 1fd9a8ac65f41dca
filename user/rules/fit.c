// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fitting a rule set: compile it, leave out every rule an error names,
 * and for an error of the whole set the fewest rules from the end of the
 * file (a binary search on how many rules, in file order, still compile);
 * again until it compiles. compile.c stops at its first failing stage:
 * each round sees the next one's errors.
 */
#include <stdlib.h>
#include <string.h>
#include "lib/strbuf.h"
#include "lib/util.h"
#include "rules/compile.h"
#include "rules/fit.h"

static const struct {
	const char *needle, *class;
} error_classes[] = {
	/* Compiling: one rule. */
	{ "is outside the sinkhole space", "destination outside the sinkhole" },
	{ "means the whole sinkhole space", "destination any without --sinkhole" },
	{ "can never match inside the sinkhole space", "never matches in the sinkhole" },
	{ "chunks (of", "limit: content chunks per rule" },
	{ "negated content is longer", "limit: negated content length" },
	{ "entries walked for every packet", "limit: header-only rules per destination" },
	{ "entries walked for packets with payload",
	  "limit: rules without a fast pattern per destination" },
	{ "candidate entries for one rule", "limit: entries of one rule" },
	{ "domain lists", "limit: domain lists" },
	{ "domain list", "domain list error" },
	{ "rules: the rules from here on", "limit: rules" },
	/* Compiling: the whole set. */
	{ "content chunks; the limit", "limit: content chunks in all" },
	{ "candidate entries in all", "limit: candidate entries in all" },
	{ "fast patterns; the limit", "limit: fast patterns" },
	{ "domain-list keys", "limit: domain-list keys" },
	{ "destination prefixes; the limit", "limit: destination prefixes" },
	{ "different candidate lists", "limit: candidate lists" },
	{ "port lists over", "limit: port tables" },
	{ "table groups", "limit: IPv4 table groups" },
	/* Parsing. */
	{ "is not supported (", "unsupported protocol" },
	{ "is not supported in XDP", "unsupported keyword" },
	{ "nothing left to match beyond the header", "nothing left after dropping" },
};

const char *fit_error_class(const char *reason, bool whole_set)
{
	for (size_t i = 0; reason && i < ARRAY_SIZE(error_classes); i++)
		if (strstr(reason, error_classes[i].needle))
			return error_classes[i].class;
	return whole_set ? "limit: other" : "parse error";
}

struct fit_state {
	struct rule_set *rs;
	const struct addr_set *sinkhole;
	size_t *idx; /* the rules still in, indices in rs, in file order */
	size_t n;
	struct rule *tmp; /* a shallow copy of the first rules in */
	char **why; /* per rule of rs: why it is left out, or NULL */
	const char **class;
};

static void sub_free(struct rule_set *sub, struct compiled *c)
{
	for (size_t i = 0; i < sub->nerrors; i++)
		free(sub->errors[i].reason);
	free(sub->errors);
	sub->errors = NULL;
	sub->nerrors = 0;
	compiled_free(c);
}

/* Compile the first k rules still in: 0, or -1 when out of memory. */
static int compile_first(struct fit_state *s, size_t k, struct rule_set *sub, struct compiled *c)
{
	for (size_t i = 0; i < k; i++)
		s->tmp[i] = s->rs->rules[s->idx[i]];
	*sub = (struct rule_set){ .path = s->rs->path, .rules = s->tmp, .n = k };
	compile_rules(sub, s->sinkhole, c);
	for (size_t i = 0; i < sub->nerrors; i++)
		if (!sub->errors[i].reason || !strcmp(sub->errors[i].reason, "out of memory"))
			return -1;
	return 0;
}

/* The rule (index in sub) starting on `line`, or sub->n. */
static size_t rule_at(const struct rule_set *sub, unsigned int line)
{
	size_t lo = 0, hi = sub->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sub->rules[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sub->n && sub->rules[lo].line == line ? lo : sub->n;
}

/* "sid N: reason" says the sid twice once the line names it. */
static const char *without_sid(const char *reason)
{
	const char *p = reason;

	if (strncmp(p, "sid ", 4))
		return reason;
	p += 4;
	while (*p >= '0' && *p <= '9')
		p++;
	return p[0] == ':' && p[1] == ' ' ? p + 2 : reason;
}

/* Leave out the j-th rule still in. 0, -1 when out of memory. */
static int leave(struct fit_state *s, size_t j, const char *reason, const char *class)
{
	size_t i = s->idx[j];

	if (s->why[i])
		return 0;
	s->why[i] = strdup(without_sid(reason));
	s->class[i] = class;
	return s->why[i] ? 0 : -1;
}

/* Drop the left-out rules from idx. */
static void compact(struct fit_state *s)
{
	size_t k = 0;

	for (size_t j = 0; j < s->n; j++)
		if (!s->why[s->idx[j]])
			s->idx[k++] = s->idx[j];
	s->n = k;
}

/* Leave out every rule an error of `sub` names; how many, or -1. */
static long leave_named(struct fit_state *s, const struct rule_set *sub)
{
	long named = 0;

	for (size_t i = 0; i < sub->nerrors; i++) {
		const struct rule_error *e = &sub->errors[i];
		size_t j = e->line ? rule_at(sub, e->line) : sub->n;

		if (j == sub->n)
			continue;
		if (leave(s, j, e->reason, fit_error_class(e->reason, false)))
			return -1;
		named++;
	}
	return named;
}

static const struct rule_error *whole_set_error(const struct rule_set *sub)
{
	for (size_t i = 0; i < sub->nerrors; i++)
		if (!sub->errors[i].line)
			return &sub->errors[i];
	return NULL;
}

/*
 * An error of the whole set: the most rules, in file order, that compile
 * without one (a set too big for one limit is too big with more rules).
 * Returns that count, or -1; *error: the error of one rule more (the
 * limit that count meets; freed by the caller); *none: not even no rules.
 */
static long fit_first(struct fit_state *s, char **error, bool *none)
{
	struct rule_set sub;
	struct compiled c;
	const struct rule_error *e;
	size_t lo = 0, hi = s->n;

	*none = false;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (compile_first(s, mid, &sub, &c))
			goto fail;
		e = whole_set_error(&sub);
		if (e) {
			free(*error);
			*error = strdup(e->reason);
			if (!*error)
				goto fail;
			hi = mid;
		} else {
			lo = mid;
		}
		sub_free(&sub, &c);
	}
	if (lo == 0) {
		if (compile_first(s, 0, &sub, &c))
			goto fail;
		*none = whole_set_error(&sub) != NULL;
		sub_free(&sub, &c);
	}
	return (long)lo;
fail:
	sub_free(&sub, &c);
	return -1;
}

/* Leave out the rules from k on: a limit of the whole set. */
static int leave_from(struct fit_state *s, size_t k, const char *error)
{
	const char *class = fit_error_class(error, true);
	char *reason = NULL;

	if (k < s->n && asprintf(&reason, "%s (the rules from line %u on do not fit)", error,
				 s->rs->rules[s->idx[k]].line) < 0)
		return -1;
	for (size_t j = k; j < s->n; j++)
		if (leave(s, j, reason, class)) {
			free(reason);
			return -1;
		}
	free(reason);
	return 0;
}

/* One round: 1 when something was left out, 0 when it compiles (or cannot), -1. */
static int fit_round(struct fit_state *s)
{
	struct rule_set sub;
	struct compiled c;
	const struct rule_error *whole;
	char *error;
	long named, k;
	bool none;

	if (compile_first(s, s->n, &sub, &c))
		goto fail;
	named = leave_named(s, &sub);
	whole = whole_set_error(&sub);
	error = whole && !named ? strdup(whole->reason) : NULL;
	sub_free(&sub, &c);
	if (named)
		return named < 0 ? -1 : 1;
	if (!whole)
		return 0;
	if (!error)
		return -1;
	k = fit_first(s, &error, &none);
	if (k < 0 || none) {
		free(error);
		return k < 0 ? -1 : 0;
	}
	/* The first k may fail on rules the whole set's error hid: those first. */
	if (compile_first(s, (size_t)k, &sub, &c)) {
		free(error);
		goto fail;
	}
	named = leave_named(s, &sub);
	sub_free(&sub, &c);
	if (!named && leave_from(s, (size_t)k, error))
		named = -1;
	free(error);
	return named < 0 ? -1 : 1;
fail:
	sub_free(&sub, &c);
	return -1;
}

/* More rules than a rule set holds: those from the last slot on. */
static int fit_count(struct fit_state *s)
{
	char *reason = NULL;
	int ret = 0;

	if (s->n < BOTSINK_MAX_RULES)
		return 0;
	if (asprintf(&reason, "more than %d rules: the rules from here on do not fit",
		     BOTSINK_MAX_RULES - 1) < 0)
		return -1;
	for (size_t j = BOTSINK_MAX_RULES - 1; j < s->n && !ret; j++)
		ret = leave(s, j, reason, "limit: rules");
	free(reason);
	return ret;
}

static int fit_result(struct fit_state *s, struct rule_fit *fit)
{
	bool *keep = calloc(s->rs->n ? s->rs->n : 1, sizeof(*keep));
	size_t n = 0;

	if (!keep)
		return -1;
	for (size_t i = 0; i < s->rs->n; i++)
		n += s->why[i] != NULL;
	fit->left = calloc(n ? n : 1, sizeof(*fit->left));
	if (!fit->left) {
		free(keep);
		return -1;
	}
	for (size_t i = 0; i < s->rs->n; i++) {
		keep[i] = !s->why[i];
		if (keep[i])
			continue;
		fit->left[fit->nleft++] = (struct fit_left){ .line = s->rs->rules[i].line,
							     .sid = s->rs->rules[i].sid,
							     .reason = s->why[i],
							     .class = s->class[i] };
		s->why[i] = NULL;
	}
	rules_keep(s->rs, keep);
	free(keep);
	return 0;
}

/*
 * Does what a rule still matches name something: a positive content of 4
 * bytes or more beyond the request method, or a domain list? Cut down by
 * --lenient to less, a rule would take all traffic of its kind: "POST"
 * alone is every upload, "|78 9c|" every other zlib stream.
 */
static bool names_something(const struct rule *r)
{
	for (size_t i = 0; i < r->ncontents; i++) {
		const struct rule_content *rc = &r->contents[i];

		if (!rc->negated && rc->len >= 4 && rc->buffer != BOTSINK_BUF_HTTP_METHOD)
			return true;
	}
	return r->domains != NULL;
}

/* Leave out the rules --lenient cut down to nothing specific. 0 or -1. */
static int leave_too_broad(struct fit_state *s)
{
	struct strbuf why = { 0 };
	int ret = 0;

	for (size_t j = 0; j < s->n && !ret; j++) {
		const struct rule *r = &s->rs->rules[s->idx[j]];

		if (!r->ndropped || names_something(r))
			continue;
		sb_reset(&why);
		sb_puts(&why, "too little left to match after dropping");
		for (size_t k = 0; k < r->ndropped; k++)
			sb_printf(&why, "%s %s", k ? "," : "", r->dropped[k].keyword);
		sb_puts(&why, ": no content of 4 bytes or more beyond the request method");
		ret = why.oom ? -1 : leave(s, j, why.buf, "too little left after dropping");
	}
	sb_free(&why);
	return ret;
}

int compile_fit(struct rule_set *rs, const struct addr_set *sinkhole, struct rule_fit *fit)
{
	size_t n = rs->n ? rs->n : 1;
	struct fit_state s = {
		.rs = rs,
		.sinkhole = sinkhole,
		.idx = calloc(n, sizeof(*s.idx)),
		.n = rs->n,
		.tmp = calloc(n, sizeof(*s.tmp)),
		.why = calloc(n, sizeof(*s.why)),
		.class = calloc(n, sizeof(*s.class)),
	};
	int ret = s.idx && s.tmp && s.why && s.class ? 0 : -1;

	memset(fit, 0, sizeof(*fit));
	for (size_t i = 0; !ret && i < rs->n; i++)
		s.idx[i] = i;
	/* The too broad first: the rule count's cut must not take rules in their stead. */
	if (!ret)
		ret = leave_too_broad(&s);
	compact(&s);
	if (!ret)
		ret = fit_count(&s);
	compact(&s);
	while (!ret) {
		ret = fit_round(&s);
		compact(&s);
		if (ret == 1)
			ret = 0;
		else
			break;
	}
	if (!ret)
		ret = fit_result(&s, fit);
	for (size_t i = 0; s.why && i < rs->n; i++)
		free(s.why[i]);
	free(s.idx);
	free(s.tmp);
	free(s.why);
	free(s.class);
	return ret;
}

void rule_fit_free(struct rule_fit *fit)
{
	for (size_t i = 0; i < fit->nleft; i++)
		free(fit->left[i].reason);
	free(fit->left);
	memset(fit, 0, sizeof(*fit));
}

void fit_write_left(const char *path, const struct rule_fit *fit, FILE *f)
{
	for (size_t i = 0; i < fit->nleft; i++)
		fprintf(f, "%s:%u: sid %u: left out: %s\n", path, fit->left[i].line,
			fit->left[i].sid, fit->left[i].reason);
}

struct tally {
	const char *name;
	size_t n;
};

/* Count one more `name` (compared as text). -1 when out of memory. */
static int tally_add(struct tally **t, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*t)[i].name, name)) {
			(*t)[i].n++;
			return 0;
		}
	if (!array_grow((void **)t, *n + 1, sizeof(**t)))
		return -1;
	(*t)[(*n)++] = (struct tally){ name, 1 };
	return 0;
}

static int cmp_tally(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* "file: label: N name" lines, most first. */
static void tally_write(FILE *f, const char *path, const char *label, struct tally *t, size_t n)
{
	if (n)
		qsort(t, n, sizeof(*t), cmp_tally);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s: %s: %zu %s\n", path, label, t[i].n, t[i].name);
}

static int import_summary(const struct rule_set *rs, const struct rule_fit *fit, bool families,
			  FILE *err, struct import_summary *sum)
{
	struct tally *t = NULL;
	size_t n = 0;
	int ret = 0;

	for (size_t i = 0; i < rs->nerrors && !ret; i++)
		if (rs->errors[i].line)
			ret = tally_add(&t, &n, fit_error_class(rs->errors[i].reason, false));
	for (size_t i = 0; i < fit->nleft && !ret; i++)
		ret = tally_add(&t, &n, fit->left[i].class);
	fprintf(err, "%s: %zu imported whole, %zu partly, %zu left out, %zu skipped\n", rs->path,
		sum->whole, sum->partly, sum->left_out, sum->skipped);
	tally_write(err, rs->path, "not imported", t, n);
	free(t);
	t = NULL;
	n = 0;
	for (size_t i = 0; families && i < rs->n && !ret; i++)
		ret = tally_add(&t, &n, rs->rules[i].family);
	tally_write(err, rs->path, "family", t, n);
	free(t);
	return ret;
}

int fit_import(struct rule_set *rs, const char *text, const struct addr_set *sinkhole,
	       bool families, FILE *out, FILE *err, struct import_summary *sum)
{
	struct rule_fit fit;
	size_t not_imported;
	int ret = compile_fit(rs, sinkhole, &fit);

	memset(sum, 0, sizeof(*sum));
	if (ret) {
		fprintf(err, "%s: out of memory\n", rs->path);
		return -1;
	}
	sum->skipped = rules_import(rs, text, out, err);
	fit_write_left(rs->path, &fit, err);
	sum->left_out = fit.nleft;
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->rules[i].ndropped)
			sum->partly++;
		else
			sum->whole++;
	}
	if (!rs->n && !sinkhole && fit.nleft)
		fprintf(err,
			"%s: nothing could be placed in the rules' own destination prefixes: give --sinkhole\n",
			rs->path);
	ret = import_summary(rs, &fit, families, err, sum);
	not_imported = sum->skipped + sum->left_out;
	fprintf(err, "%s: imported %zu of %zu rules (%zu skipped)\n", rs->path, rs->n,
		rs->n + not_imported, not_imported);
	rule_fit_free(&fit);
	return ret;
}
