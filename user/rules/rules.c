// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Suricata rule files: lines (a line ending in '\' continues on the
 * next), each rule through the stages of the parser (header, options,
 * the checks that need the whole rule), the rule set's errors and dropped
 * keywords, and `rules import`, which prints the usable rules back as they
 * were written.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/proto.h"
#include "lib/util.h"
#include "rules/rule_parser.h"

/* "pcre, flowbits:isset": what a rule dropped, malloc'd. */
static char *dropped_list(const struct rule *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < r->ndropped; i++)
		fprintf(f, "%s%s", i ? ", " : "",
			r->dropped[i].keyword ? r->dropped[i].keyword : "(out of memory)");
	fclose(f);
	return text;
}

static void rule_free(struct rule *r)
{
	for (size_t i = 0; i < r->ncontents; i++)
		free(r->contents[i].bytes);
	for (size_t i = 0; i < r->ndropped; i++)
		free(r->dropped[i].keyword);
	free(r->contents);
	free(r->checks);
	free(r->dropped);
	free(r->domains);
	free(r->cuts);
	free(r->msg);
	free(r->family);
	free(r->classtype);
	addr_set_free(&r->src);
	addr_set_free(&r->dst);
	free(r->sport.ranges);
	free(r->dport.ranges);
	memset(r, 0, sizeof(*r));
}

/* The checks that need the whole rule. */
/* Negated contents alone would let almost every packet through. */
static size_t positive_contents(const struct rule *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->ncontents; i++)
		n += !r->contents[i].negated;
	return n;
}

static size_t sid_slot(const struct sid_index *x, const struct rule_set *rs, uint32_t sid)
{
	size_t i = (sid * 2654435761u) & (x->cap - 1);

	while (x->slot[i] && rs->rules[x->slot[i] - 1].sid != sid)
		i = (i + 1) & (x->cap - 1);
	return i;
}

static const struct rule *sid_find(const struct parser *p, uint32_t sid)
{
	size_t i;

	if (!p->sids.cap)
		return NULL;
	i = sid_slot(&p->sids, p->rs, sid);
	return p->sids.slot[i] ? &p->rs->rules[p->sids.slot[i] - 1] : NULL;
}

/* Index the rule just appended; kept at most half full. */
static bool sid_add(struct parser *p)
{
	struct sid_index *x = &p->sids;
	size_t n = p->rs->n;

	if (2 * n > x->cap) {
		struct sid_index bigger = { calloc(x->cap ? 2 * x->cap : 64, sizeof(uint32_t)),
					    x->cap ? 2 * x->cap : 64 };

		if (!bigger.slot)
			return false;
		free(x->slot);
		*x = bigger;
		for (size_t k = 0; k + 1 < n; k++)
			x->slot[sid_slot(x, p->rs, p->rs->rules[k].sid)] = (uint32_t)k + 1;
	}
	x->slot[sid_slot(x, p->rs, p->rs->rules[n - 1].sid)] = (uint32_t)n;
	return true;
}

static void check_rule(struct parser *p, struct rule *r)
{
	const struct rule *dup;
	char *list;

	if (!p->failed && r->flags_op && r->proto == IPPROTO_UDP)
		parser_fail(p, "flags need protocol tcp (or ip)");
	if (!p->failed)
		check_payload(p, r);
	if (!p->failed)
		check_sizes(p, r);
	if (!p->failed && r->domains && r->app != RULE_APP_DNS)
		parser_fail(p, "domains needs a dns rule (alert dns, or dns.query)");
	dup = p->failed ? NULL : sid_find(p, r->sid);
	if (dup)
		parser_fail(p, "duplicate sid %u (first defined at line %u)", r->sid, dup->line);
	/*
	 * Reduced to its header, a rule would claim every packet to its
	 * destination and ports: --lenient must leave it something to match.
	 */
	if (!p->failed && r->ndropped && !positive_contents(r) && !r->nchecks && !r->has_dsize &&
	    !r->has_flags && !r->domains) {
		list = dropped_list(r);
		parser_fail(p, "sid %u: nothing left to match beyond the header after dropping %s",
			    r->sid, list ? list : "keywords");
		free(list);
	}
}

/* A joined rule line and, for each of its bytes, its offset in the file. */
struct logical_line {
	char *text;
	size_t *raw;
	size_t len;
	unsigned int first; /* line number */
	size_t start, end; /* of its lines in the file */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Where the joined line [k-1, k] spans a continuation ('\' and newline). */
static bool joined_at(const struct logical_line *l, size_t k)
{
	return l->raw[k] != l->raw[k - 1] + 1;
}

/* The first line break in [from, to): the index just after it, or `to`. */
static size_t raw_next(const struct logical_line *l, size_t from, size_t to)
{
	for (size_t k = from; k < to; k++)
		if (joined_at(l, k))
			return k;
	return to;
}

/*
 * A cut in joined-line offsets, in file offsets. Blanks after an option
 * stop at a line break, so that the next line keeps its indentation; an
 * option that was alone on its line takes the line with it.
 */
static struct rule_span map_cut(const struct logical_line *l, struct rule_span cut)
{
	struct rule_span raw = { l->raw[cut.start], l->raw[cut.end - 1] + 1 };
	size_t tail = cut.end, head = cut.start;

	while (tail > cut.start + 1 && is_blank(l->text[tail - 1]))
		tail--;
	for (size_t k = cut.end - 1; k >= tail && k > cut.start; k--)
		if (joined_at(l, k))
			raw.end = l->raw[k - 1] + 1;
	if (raw.end == l->raw[cut.end - 1] + 1)
		return raw; /* no line break after it */
	while (head > 0 && !joined_at(l, head) && is_blank(l->text[head - 1]))
		head--;
	if (head > 0 && joined_at(l, head)) {
		raw.start = l->raw[head];
		raw.end = l->raw[raw_next(l, tail, cut.end)];
	}
	return raw;
}

/* Cut spans were noted in joined-line offsets; import needs file offsets. */
static void map_cuts(struct rule *r, const struct logical_line *l)
{
	for (size_t i = 0; i < r->ncuts; i++)
		r->cuts[i] = map_cut(l, r->cuts[i]);
}

static void parse_rule(struct parser *p, const struct logical_line *l, const char *text)
{
	struct rule r = { .line = p->line, .text_start = l->start, .text_end = l->end };
	const char *open = strchr(text, '(');
	const char *close = strrchr(text, ')');

	p->failed = false;
	p->base = l->text;
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
	check_rule(p, &r);
	if (!p->failed && !r.family)
		r.family = r.msg ? family_from_msg(r.msg) : strdup("unknown");
	if (!p->failed && !r.family)
		parser_fail(p, "out of memory");
	if (p->failed || !array_grow((void **)&p->rs->rules, p->rs->n + 1, sizeof(r))) {
		rule_free(&r);
		return;
	}
	map_cuts(&r, l);
	p->rs->rules[p->rs->n++] = r;
	if (!sid_add(p))
		rules_add_error(p->rs, p->line, "out of memory");
}

/* Append text[0..n), which starts at file offset `at`, to the joined line. */
static bool join(struct logical_line *l, const char *text, size_t n, size_t at)
{
	if (!array_grow((void **)&l->text, l->len + n + 1, 1) ||
	    !array_grow((void **)&l->raw, l->len + n + 1, sizeof(*l->raw)))
		return false;
	memcpy(l->text + l->len, text, n);
	for (size_t i = 0; i < n; i++)
		l->raw[l->len + i] = at + i;
	l->len += n;
	l->text[l->len] = '\0';
	return true;
}

static void parse_line(struct parser *p, struct logical_line *l)
{
	const char *s = l->text ? l->text + strspn(l->text, " \t") : "";

	p->line = l->first;
	if (*s && *s != '#')
		parse_rule(p, l, s);
	l->len = 0;
}

/*
 * A NUL byte would end the C strings the parser works on: the rest of the
 * file would be lost without a word. Its line is an error and is skipped;
 * a rule continued onto it ends before it (and is reported first: errors
 * stay in line order for import).
 */
static bool skip_nul_line(struct parser *p, struct logical_line *l, bool open, const char *at,
			  size_t n, unsigned int lineno)
{
	const char *nul = memchr(at, '\0', n);

	if (!nul)
		return false;
	if (open)
		parse_line(p, l);
	rules_add_error(p->rs, lineno, "NUL byte in column %zu: a rules file is text",
			(size_t)(nul - at) + 1);
	return true;
}

static void parse_text(struct parser *p, const char *text, size_t len)
{
	struct logical_line l = { 0 };
	const char *at = text + utf8_bom_len(text, len), *stop = text + len;
	unsigned int lineno = 0;
	bool open = false; /* l holds a line that continues */

	while (at < stop) {
		const char *nl = memchr(at, '\n', (size_t)(stop - at));
		size_t n = nl ? (size_t)(nl - at) : (size_t)(stop - at);
		size_t t = n, end = n - (n && at[n - 1] == '\r');
		bool cont;

		lineno++;
		if (skip_nul_line(p, &l, open, at, n, lineno)) {
			open = false;
			at += n + (nl != NULL);
			continue;
		}
		while (t && (at[t - 1] == '\r' || at[t - 1] == ' ' || at[t - 1] == '\t'))
			t--;
		/* As in Suricata, a comment line never continues onto the next. */
		cont = t && at[t - 1] == '\\' && (open || at[strspn(at, " \t")] != '#');
		if (cont)
			t--;
		if (!open) {
			l.first = lineno;
			l.start = (size_t)(at - text);
		}
		l.end = (size_t)(at - text) + end;
		if (!join(&l, at, t, (size_t)(at - text)))
			parser_fail(p, "out of memory");
		at += n + (nl != NULL);
		open = cont && at < stop;
		if (!open)
			parse_line(p, &l);
	}
	free(l.text);
	free(l.raw);
}

int rules_parse_text(const char *name, const char *text, size_t len, bool lenient,
		     struct rule_set *out)
{
	const char *slash = strrchr(name, '/');
	struct parser p = { .rs = out, .lenient = lenient };
	char *dir = slash ? strndup(name, (size_t)(slash - name) + 1) : strdup("");

	memset(out, 0, sizeof(*out));
	out->path = strdup(name);
	if (!dir || !out->path) {
		free(dir);
		rules_add_error(out, 0, "out of memory");
		return 0;
	}
	p.dir = dir;
	parse_text(&p, text, len);
	free(p.sids.slot);
	free(dir);
	return 0;
}

int rules_parse_buffer_opts(const char *name, const char *text, bool lenient, struct rule_set *out)
{
	return rules_parse_text(name, text, strlen(text), lenient, out);
}

int rules_parse_buffer(const char *name, const char *text, struct rule_set *out)
{
	return rules_parse_buffer_opts(name, text, false, out);
}

char *rules_read(const char *path, size_t *len)
{
	return read_file(path, RULES_FILE_MAX, len);
}

int rules_load_opts(const char *path, bool lenient, struct rule_set *out)
{
	size_t len;
	char *text = rules_read(path, &len);
	int ret;

	if (!text)
		return -1;
	ret = rules_parse_text(path, text, len, lenient, out);
	free(text);
	return ret;
}

int rules_load(const char *path, struct rule_set *out)
{
	return rules_load_opts(path, false, out);
}

static void print_error(FILE *f, const struct rule_set *rs, const struct rule_error *e)
{
	const char *reason = e->reason ? e->reason : "out of memory";

	if (e->line)
		fprintf(f, "%s:%u: %s\n", rs->path, e->line, reason);
	else
		fprintf(f, "%s: %s\n", rs->path, reason);
}

/* "... and N more errors" after the first ERRORS_SHOWN. */
static void print_rest(FILE *f, const struct rule_set *rs, size_t printed)
{
	if (printed < rs->nerrors)
		fprintf(f, "%s: ... and %zu more errors\n", rs->path, rs->nerrors - printed);
}

void rules_write_errors(const struct rule_set *rs, FILE *f)
{
	size_t i;

	for (i = 0; i < rs->nerrors && i < ERRORS_SHOWN; i++)
		print_error(f, rs, &rs->errors[i]);
	print_rest(f, rs, i);
}

void rules_print_errors(const struct rule_set *rs)
{
	rules_write_errors(rs, stderr);
}

void rules_print_dropped(const struct rule_set *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->rules[i];
		char *list;

		if (!r->ndropped)
			continue;
		list = dropped_list(r);
		fprintf(stderr, "%s:%u: sid %u: dropped %s (not supported in XDP)\n", rs->path,
			r->line, r->sid, list ? list : "keywords");
		free(list);
	}
}

void rules_write_rule(FILE *out, const struct rule *r, const char *text)
{
	size_t pos = r->text_start;

	if (r->ndropped) {
		char *list = dropped_list(r);

		fprintf(out, "# botsink: sid %u: dropped %s\n", r->sid, list ? list : "keywords");
		free(list);
	}
	for (size_t i = 0; i < r->ncuts; i++) {
		if (r->cuts[i].start > pos)
			fwrite(text + pos, 1, r->cuts[i].start - pos, out);
		if (r->cuts[i].end > pos)
			pos = r->cuts[i].end;
	}
	fwrite(text + pos, 1, r->text_end - pos, out);
	fputc('\n', out);
}

size_t rules_import(const struct rule_set *rs, const char *text, FILE *out, FILE *err)
{
	size_t ri = 0, ei = 0, refused = 0;

	/* Both lists are in file order: merge them to keep it. */
	while (ri < rs->n || ei < rs->nerrors) {
		if (ei == rs->nerrors || (ri < rs->n && rs->rules[ri].line < rs->errors[ei].line)) {
			rules_write_rule(out, &rs->rules[ri++], text);
			continue;
		}
		refused += rs->errors[ei].line != 0;
		if (ei < ERRORS_SHOWN)
			print_error(err, rs, &rs->errors[ei]);
		ei++;
	}
	print_rest(err, rs, ei < ERRORS_SHOWN ? ei : ERRORS_SHOWN);
	return refused;
}

void rules_keep(struct rule_set *rs, const bool *keep)
{
	size_t k = 0;

	for (size_t i = 0; i < rs->n; i++) {
		if (keep[i])
			rs->rules[k++] = rs->rules[i];
		else
			rule_free(&rs->rules[i]);
	}
	rs->n = k;
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

/* A rule's protocol is ip (0), tcp or udp: the table names each. */
const char *rule_proto_name(uint8_t proto)
{
	const char *name = proto_name(proto, PROTO_NAMES_BOTSINK);

	return name ? name : "ip"; /* rules name tcp, udp or any protocol */
}
