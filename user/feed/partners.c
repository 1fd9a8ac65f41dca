// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The partners file: INI sections, `key = value` lines, '#' and ';'
 * comments. Every error of the file is collected and reported with its
 * line, then the whole file is refused: a partner must never start with a
 * scope or output other than the one its operator wrote.
 *
 * The reader is our own, not libinih (used for the bus credentials):
 * Debian's libinih 55 is built with 200-byte lines (a longer line is cut,
 * its rest read as a new line, so a long scope would lose prefixes
 * silently), only ';' as an inline comment, and no line numbers for the
 * handler. Partners files have 4096-byte lines and '#' comments.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "feed/partners.h"
#include "lib/parse.h"
#include "lib/util.h"

enum partner_key {
	KEY_SCOPE = 0,
	KEY_ANON,
	KEY_FORMAT,
	KEY_OUTPUT,
	KEY_VERIFIED_ONLY,
	KEY_EVIDENCE,
	KEY_COUNT,
};

static const char *const key_names[KEY_COUNT] = { "scope",  "anon",	     "format",
						  "output", "verified_only", "evidence" };

struct load_error {
	unsigned int line; /* 0: the whole file */
	size_t seq; /* keeps errors of one line in the order found */
	char *reason;
};

/* What the checks after a section need besides the partner itself. */
struct section {
	unsigned int key_line[KEY_COUNT]; /* 0: not given */
	/* A value was refused: "empty scope" or "no output" would only repeat it. */
	bool scope_refused;
	bool output_refused;
};

/* One file being read: the partners so far, and every error found. */
struct partners_parser {
	const char *path;
	bool have_asn_db;
	bool output_optional;
	struct partner_set *ps;
	struct section *sections; /* parallel to ps->p */
	struct load_error *errors;
	size_t nerrors;
	bool open; /* the last partner's section has not been checked yet */
	bool skipping; /* after a malformed header: its keys belong to no partner */
	bool given_up; /* PARTNERS_ERRORS_MAX reached */
};

static void add_error(struct partners_parser *pp, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_error(struct partners_parser *pp, unsigned int line, const char *fmt, ...)
{
	struct load_error *e;
	va_list ap;

	if (pp->nerrors >= PARTNERS_ERRORS_MAX) {
		pp->given_up = true;
		return;
	}
	if (!array_grow((void **)&pp->errors, pp->nerrors + 1, sizeof(*pp->errors))) {
		pp->given_up = true; /* still refused: nerrors > 0 or given_up */
		return;
	}
	e = &pp->errors[pp->nerrors];
	e->line = line;
	e->seq = pp->nerrors++;
	va_start(ap, fmt);
	if (vasprintf(&e->reason, fmt, ap) < 0)
		e->reason = NULL;
	va_end(ap);
}

/* Text from the file as errors quote it: printable, and not too long. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s && n + 4 < len; s++)
		buf[n++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
	buf[n] = '\0';
	if (*s)
		strcat(buf, "...");
	return buf;
}

/* '#' or ';' starts a comment at the line's start or after a blank: "a#b" is a value. */
static void strip_comment(char *s)
{
	for (char *c = s; *c; c++) {
		if ((*c == '#' || *c == ';') && (c == s || c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			return;
		}
	}
}

static struct partner *current(struct partners_parser *pp)
{
	return pp->ps->n ? &pp->ps->p[pp->ps->n - 1] : NULL;
}

static struct section *current_section(struct partners_parser *pp)
{
	return &pp->sections[pp->ps->n - 1];
}

/* ---- sections ---- */

/* Why `name` cannot be a partner's name, or NULL. */
static const char *name_problem(const char *name, char *why, size_t whylen)
{
	size_t n = strlen(name);

	if (!n)
		return "empty partner name";
	if (n > PARTNER_NAME_MAX)
		return "partner name longer than 64 characters";
	for (const char *c = name; *c; c++) {
		unsigned char b = (unsigned char)*c;

		if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
		    b == '.' || b == '_' || b == '-')
			continue;
		if (b >= 0x20 && b < 0x7f)
			snprintf(why, whylen,
				 "partner name: '%c' is not allowed (A-Z a-z 0-9 . _ - only)", b);
		else
			snprintf(
				why, whylen,
				"partner name: byte 0x%02x is not allowed (A-Z a-z 0-9 . _ - only)",
				b);
		return why;
	}
	return NULL;
}

static int asn_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void sort_asns(struct partner *p)
{
	size_t out = 0;

	if (!p->nasns)
		return;
	qsort(p->asns, p->nasns, sizeof(*p->asns), asn_cmp);
	for (size_t i = 0; i < p->nasns; i++)
		if (!out || p->asns[out - 1] != p->asns[i])
			p->asns[out++] = p->asns[i];
	p->nasns = out;
}

/* The checks that need the whole section, reported at its header. */
static void finish_section(struct partners_parser *pp)
{
	struct partner *p = current(pp);
	struct section *sec;
	char name[80];

	if (!pp->open)
		return;
	pp->open = false;
	sec = current_section(pp);
	shown(p->name, name, sizeof(name));
	sort_asns(p);
	if (!sec->key_line[KEY_SCOPE])
		add_error(pp, p->line, "partner '%s' has no scope", name);
	else if (!p->nprefixes && !p->nasns && !sec->scope_refused)
		add_error(pp, p->line, "partner '%s' has an empty scope", name);
	if (!p->output && !sec->output_refused && !pp->output_optional)
		add_error(pp, p->line, "partner '%s' has no output", name);
}

static const struct partner *find_partner(const struct partner_set *ps, const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->p[i].name, name) == 0)
			return &ps->p[i];
	return NULL;
}

/* A section is kept even when refused, so that its keys are still checked. */
static void add_section(struct partners_parser *pp, unsigned int lineno, const char *name)
{
	struct partner_set *ps = pp->ps;
	struct partner *p;

	if (!array_grow((void **)&ps->p, ps->n + 1, sizeof(*ps->p)) ||
	    !array_grow((void **)&pp->sections, ps->n + 1, sizeof(*pp->sections))) {
		add_error(pp, lineno, "out of memory");
		return;
	}
	p = &ps->p[ps->n];
	memset(p, 0, sizeof(*p));
	memset(&pp->sections[ps->n], 0, sizeof(*pp->sections));
	p->name = strdup(name);
	p->anon = ANON_IPCRYPT_PFX;
	p->format = FORMAT_JSONL;
	/* A partner acts on records: spoofable ones would send it after the wrong hosts. */
	p->verified_only = true;
	p->evidence = EVIDENCE_PATH;
	p->line = lineno;
	if (!p->name) {
		add_error(pp, lineno, "out of memory");
		return;
	}
	ps->n++;
	pp->open = true;
}

static void parse_section(struct partners_parser *pp, unsigned int lineno, char *s)
{
	char *close = strchr(s, ']'), *name, why[96], text[80];
	const struct partner *dup;
	const char *problem;

	finish_section(pp);
	pp->skipping = !close || *str_trim(close + 1, BLANKS);
	if (!close) {
		add_error(pp, lineno, "'[' without ']'");
		return;
	}
	if (pp->skipping) {
		add_error(pp, lineno, "unexpected text after ']'");
		return;
	}
	*close = '\0';
	name = str_trim(s + 1, BLANKS);
	problem = name_problem(name, why, sizeof(why));
	dup = find_partner(pp->ps, name);
	if (problem)
		add_error(pp, lineno, "%s", problem);
	else if (dup)
		add_error(pp, lineno, "duplicate partner '%s' (first at line %u)",
			  shown(name, text, sizeof(text)), dup->line);
	add_section(pp, lineno, name);
}

/* ---- keys ---- */

/* "AS64500" (or "as64500"): 1 to 4294967295, decimal digits only. */
static void parse_asn(struct partners_parser *pp, unsigned int lineno, const char *item)
{
	struct partner *p = current(pp);
	char text[80];
	uint64_t asn;

	if (parse_uint(item + 2, UINT32_MAX, &asn) || !asn) {
		add_error(pp, lineno, "'%s' is not an AS number (AS1 to AS4294967295)",
			  shown(item, text, sizeof(text)));
		current_section(pp)->scope_refused = true;
		return;
	}
	if (!pp->have_asn_db) {
		add_error(pp, lineno, "AS%" PRIu64 ": an ASN scope needs --mmdb-asn", asn);
		current_section(pp)->scope_refused = true;
		return;
	}
	if (!array_grow((void **)&p->asns, p->nasns + 1, sizeof(*p->asns))) {
		add_error(pp, lineno, "out of memory");
		return;
	}
	p->asns[p->nasns++] = (uint32_t)asn;
}

/*
 * A prefix or a host (/32, /128). Host bits are refused rather than
 * cleared as prefix_parse would: "198.51.100.7/24" is more likely a typo
 * than a wish to show a partner a whole /24.
 */
static void parse_scope_prefix(struct partners_parser *pp, unsigned int lineno, const char *item)
{
	struct partner *p = current(pp);
	char text[80], addr[PREFIX_TEXT_LEN], fixed[PREFIX_TEXT_LEN];
	size_t alen = strcspn(item, "/");
	struct in6_addr written;
	struct prefix pfx;

	if (prefix_parse(item, &pfx)) {
		add_error(pp, lineno, "'%s' is neither a prefix nor an AS number",
			  shown(item, text, sizeof(text)));
		current_section(pp)->scope_refused = true;
		return;
	}
	memcpy(addr, item, alen); /* prefix_parse checked alen < PREFIX_TEXT_LEN */
	addr[alen] = '\0';
	if (addr_parse(addr, &written) == 0 && memcmp(&written, &pfx.addr, sizeof(written))) {
		prefix_format(&pfx, fixed, sizeof(fixed));
		add_error(pp, lineno, "'%s' has host bits set (the prefix is %s)", item, fixed);
		current_section(pp)->scope_refused = true;
		return;
	}
	if (!array_grow((void **)&p->prefixes, p->nprefixes + 1, sizeof(*p->prefixes))) {
		add_error(pp, lineno, "out of memory");
		return;
	}
	p->prefixes[p->nprefixes++] = pfx;
}

/* Comma-separated prefixes and AS numbers; an empty value is reported at the section. */
static void parse_scope(struct partners_parser *pp, unsigned int lineno, char *value)
{
	char *item = value, *next;

	if (!*value)
		return;
	for (; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		item = str_trim(item, BLANKS);
		if (!*item) {
			add_error(pp, lineno, "empty entry in scope");
			current_section(pp)->scope_refused = true;
		} else if ((item[0] == 'A' || item[0] == 'a') &&
			   (item[1] == 'S' || item[1] == 's')) {
			parse_asn(pp, lineno, item);
		} else {
			parse_scope_prefix(pp, lineno, item);
		}
	}
}

/*
 * What is at an output's path, said with the line: a directory, or a
 * symbolic link (never written through). Looked at through an fd that
 * does not follow it; the output's own open checks again, on its fd.
 */
static const char *output_problem(const char *path)
{
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	const char *problem = NULL;
	struct stat st;

	if (fd < 0)
		return NULL; /* none yet, made when opened */
	if (fstat(fd, &st))
		st.st_mode = 0;
	if (S_ISDIR(st.st_mode))
		problem = "is a directory";
	else if (S_ISLNK(st.st_mode))
		problem = "is a symbolic link: refused (outputs are never written through one)";
	close(fd);
	return problem;
}

static void parse_output(struct partners_parser *pp, unsigned int lineno, const char *value)
{
	struct partner *p = current(pp);
	const char *problem;
	char text[80];

	if (!*value)
		return; /* "has no output", at the section */
	if (strcmp(value, "-") == 0) {
		add_error(pp, lineno,
			  "output '-' (standard output) is not allowed: give a file path");
		current_section(pp)->output_refused = true;
		return;
	}
	problem = output_problem(value);
	if (problem) {
		add_error(pp, lineno, "output '%s' %s", shown(value, text, sizeof(text)), problem);
		current_section(pp)->output_refused = true;
		return;
	}
	p->output = strdup(value);
	if (!p->output)
		add_error(pp, lineno, "out of memory");
}

/* yes/no, true/false, on/off, 1/0, in any case; -1: none of them. */
static int parse_bool(const char *value, bool *out)
{
	static const char *const words[][2] = {
		{ "yes", "no" }, { "true", "false" }, { "on", "off" }, { "1", "0" }
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		for (int j = 0; j < 2; j++) {
			if (!strcasecmp(value, words[i][j])) {
				*out = j == 0;
				return 0;
			}
		}
	}
	return -1;
}

/* One of `kw`'s names, or an error listing them and `was` kept. */
static int keyword_value(struct partners_parser *pp, unsigned int lineno, const char *key,
			 const struct keyword *kw, const char *value, int was)
{
	char text[80], names[128];
	int v;

	if (!keyword_parse(kw, value, &v))
		return v;
	add_error(pp, lineno, "%s '%s' is not %s", key, shown(value, text, sizeof(text)),
		  keyword_list(kw, NULL, " or ", names, sizeof(names)));
	return was;
}

static void parse_value(struct partners_parser *pp, unsigned int lineno, enum partner_key key,
			char *value)
{
	struct partner *p = current(pp);
	char text[80];

	switch (key) {
	case KEY_SCOPE:
		parse_scope(pp, lineno, value);
		break;
	case KEY_ANON:
		p->anon = (enum anon_mode)keyword_value(pp, lineno, "anon", anon_modes, value,
							(int)p->anon);
		break;
	case KEY_FORMAT:
		p->format = (enum record_format)keyword_value(pp, lineno, "format", record_formats,
							      value, (int)p->format);
		break;
	case KEY_OUTPUT:
		parse_output(pp, lineno, value);
		break;
	case KEY_VERIFIED_ONLY:
		if (parse_bool(value, &p->verified_only))
			add_error(pp, lineno,
				  "verified_only '%s' is not yes or no (true/false, on/off, 1/0)",
				  shown(value, text, sizeof(text)));
		break;
	case KEY_EVIDENCE:
		p->evidence = (enum evidence_level)keyword_value(
			pp, lineno, "evidence", evidence_levels, value, (int)p->evidence);
		break;
	default:
		break;
	}
}

static void parse_pair(struct partners_parser *pp, unsigned int lineno, char *key, char *value)
{
	struct section *sec;
	char text[80];
	size_t k;

	if (!*key) {
		add_error(pp, lineno, "'=' without a key before it");
		return;
	}
	for (k = 0; k < KEY_COUNT; k++)
		if (strcmp(key, key_names[k]) == 0)
			break;
	if (k == KEY_COUNT) {
		add_error(pp, lineno,
			  "unknown key '%s' (scope, anon, format, output, verified_only, evidence)",
			  shown(key, text, sizeof(text)));
		return;
	}
	if (pp->skipping)
		return; /* its header was refused already */
	if (!pp->open) {
		add_error(pp, lineno, "'%s' before any [partner] section", key_names[k]);
		return;
	}
	sec = current_section(pp);
	if (sec->key_line[k]) {
		add_error(pp, lineno, "'%s' given twice (first at line %u)", key_names[k],
			  sec->key_line[k]);
		return;
	}
	sec->key_line[k] = lineno;
	parse_value(pp, lineno, (enum partner_key)k, value);
}

static void parse_line(struct partners_parser *pp, unsigned int lineno, char *line)
{
	char *s, *eq;

	strip_comment(line);
	s = str_trim(line, BLANKS);
	if (!*s)
		return;
	if (*s == '[') {
		parse_section(pp, lineno, s);
		return;
	}
	eq = strchr(s, '=');
	if (!eq) {
		add_error(pp, lineno, "expected '[partner]' or 'key = value'");
		return;
	}
	*eq = '\0';
	parse_pair(pp, lineno, str_trim(s, BLANKS), str_trim(eq + 1, BLANKS));
}

static void parse_raw_line(struct partners_parser *pp, unsigned int lineno, const char *text,
			   size_t n)
{
	char *line;

	if (n > PARTNERS_LINE_MAX) {
		add_error(pp, lineno, "line longer than %d bytes", PARTNERS_LINE_MAX);
		return;
	}
	if (memchr(text, '\0', n)) {
		add_error(pp, lineno, "NUL byte in the line");
		return;
	}
	line = strndup(text, n);
	if (!line) {
		add_error(pp, lineno, "out of memory");
		return;
	}
	parse_line(pp, lineno, line);
	free(line);
}

/* ---- outputs ---- */

/* Without empty and "." segments: "a//./b/" is "a/b". */
static char *normalise_path(const char *path)
{
	char *out = malloc(strlen(path) + 2);
	size_t n = 0;

	if (!out)
		return NULL;
	if (*path == '/')
		out[n++] = '/';
	while (*path) {
		size_t seg;

		path += strspn(path, "/");
		seg = strcspn(path, "/");
		if (seg && !(seg == 1 && *path == '.')) {
			if (n && out[n - 1] != '/')
				out[n++] = '/';
			memcpy(out + n, path, seg);
			n += seg;
		}
		path += seg;
	}
	if (!n)
		out[n++] = '.';
	out[n] = '\0';
	return out;
}

/*
 * What two outputs are compared by: the file's real path when it exists,
 * else its directory's real path and its name, else the normalised text.
 */
static char *output_key(const char *path)
{
	char *real = realpath(path, NULL), *norm, *slash, *dir, *key = NULL;

	if (real)
		return real;
	norm = normalise_path(path);
	if (!norm)
		return NULL;
	slash = strrchr(norm, '/');
	if (slash == norm)
		return norm; /* "/name": the root is real already */
	if (slash)
		*slash = '\0';
	dir = realpath(slash ? norm : ".", NULL);
	if (slash)
		*slash = '/';
	if (!dir)
		return norm;
	if (asprintf(&key, "%s/%s", dir, slash ? slash + 1 : norm) < 0)
		key = NULL;
	free(dir);
	free(norm);
	return key;
}

/* Partner i's output against the main feed's and the outputs before it. */
static void check_output(struct partners_parser *pp, char **keys, size_t i, const char *feed_key)
{
	const struct partner *p = &pp->ps->p[i];
	unsigned int line = pp->sections[i].key_line[KEY_OUTPUT];
	char text[80], other[80];

	if (feed_key && strcmp(keys[i], feed_key) == 0)
		add_error(pp, line, "output '%s' is the main feed (--feed)",
			  shown(p->output, text, sizeof(text)));
	for (size_t j = 0; j < i; j++) {
		if (!keys[j] || strcmp(keys[i], keys[j]) != 0)
			continue;
		add_error(pp, line, "partner '%s' has the same output as partner '%s' (line %u)",
			  shown(p->name, text, sizeof(text)),
			  shown(pp->ps->p[j].name, other, sizeof(other)),
			  pp->sections[j].key_line[KEY_OUTPUT]);
		return;
	}
}

/* Two partners writing one file would mix their scopes: each needs its own. */
static void check_outputs(struct partners_parser *pp, const char *main_feed)
{
	struct partner_set *ps = pp->ps;
	char **keys = calloc(ps->n + 1, sizeof(*keys)), *feed_key = NULL;
	bool has_feed = main_feed && strcmp(main_feed, "-") != 0; /* "-": standard output */

	if (has_feed)
		feed_key = output_key(main_feed);
	if (!keys || (has_feed && !feed_key)) {
		add_error(pp, 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ps->n; i++) {
		if (!ps->p[i].output)
			continue;
		keys[i] = output_key(ps->p[i].output);
		if (keys[i])
			check_output(pp, keys, i, feed_key);
		else
			add_error(pp, pp->sections[i].key_line[KEY_OUTPUT], "out of memory");
	}
out:
	for (size_t i = 0; keys && i < ps->n; i++)
		free(keys[i]);
	free(keys);
	free(feed_key);
}

/* ---- the file ---- */

static int error_cmp(const void *a, const void *b)
{
	const struct load_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void write_errors(struct partners_parser *pp, FILE *f)
{
	if (pp->nerrors)
		qsort(pp->errors, pp->nerrors, sizeof(*pp->errors), error_cmp);
	for (size_t i = 0; i < pp->nerrors; i++) {
		const struct load_error *e = &pp->errors[i];
		const char *reason = e->reason ? e->reason : "out of memory";

		if (e->line)
			fprintf(f, "%s:%u: %s\n", pp->path, e->line, reason);
		else
			fprintf(f, "%s: %s\n", pp->path, reason);
	}
	if (pp->given_up)
		fprintf(f, "%s: too many errors, stopped after %zu\n", pp->path, pp->nerrors);
}

static void parse_text(struct partners_parser *pp, const char *text, size_t len)
{
	unsigned int lineno = 0;
	size_t pos = 0;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3; /* a UTF-8 byte order mark */
	while (pos < len && !pp->given_up) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;

		pos += n + (nl != NULL);
		if (n && start[n - 1] == '\r')
			n--;
		parse_raw_line(pp, ++lineno, start, n);
	}
	finish_section(pp);
}

int partners_parse_buffer(const char *name, const char *text, size_t len, unsigned int flags,
			  const char *main_feed, struct partner_set *out, FILE *errors)
{
	struct partners_parser pp = { .path = name,
				      .have_asn_db = flags & PARTNERS_HAVE_ASN_DB,
				      .output_optional = flags & PARTNERS_OUTPUT_OPTIONAL,
				      .ps = out };
	int ret = 0;

	memset(out, 0, sizeof(*out));
	parse_text(&pp, text, len);
	if (!pp.given_up) {
		check_outputs(&pp, main_feed);
		if (!out->n && !pp.nerrors)
			add_error(&pp, 0, "no [partner] sections");
	}
	if (pp.nerrors || pp.given_up) {
		write_errors(&pp, errors);
		partners_free(out);
		ret = -1;
	}
	for (size_t i = 0; i < pp.nerrors; i++)
		free(pp.errors[i].reason);
	free(pp.errors);
	free(pp.sections);
	return ret;
}

int partners_load(const char *path, unsigned int flags, const char *main_feed,
		  struct partner_set *out, FILE *errors)
{
	size_t len;
	char *text = read_file(path, CONFIG_FILE_MAX, &len);
	char why[64];
	int ret;

	memset(out, 0, sizeof(*out));
	if (!text) {
		fprintf(errors, "%s: %s\n", path,
			read_file_strerror(errno, CONFIG_FILE_MAX, why, sizeof(why)));
		return -1;
	}
	ret = partners_parse_buffer(path, text, len, flags, main_feed, out, errors);
	free(text);
	return ret;
}

void partners_free(struct partner_set *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->p[i].name);
		free(ps->p[i].prefixes);
		free(ps->p[i].asns);
		free(ps->p[i].output);
	}
	free(ps->p);
	memset(ps, 0, sizeof(*ps));
}

bool partners_use_asn(const struct partner_set *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->p[i].nasns)
			return true;
	return false;
}

bool partner_in_scope(const struct partner *p, const struct prefix *src, uint32_t asn,
		      unsigned int asn_len)
{
	if (prefix_covered(src, p->prefixes, p->nprefixes))
		return true;
	/* The database network must hold the whole aggregate, not just part of it. */
	return asn && p->nasns && asn_len <= src->len &&
	       bsearch(&asn, p->asns, p->nasns, sizeof(*p->asns), asn_cmp) != NULL;
}
