// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "cli/options.h"
#include "metrics/server.h"
#include "lib/parse.h"
#include "lib/util.h"
#include "privacy/anon.h"
#include "rules/compile.h"

#define MAX_OPTS 64
#define MAX_KEYWORDS 16

static size_t opt_count(const struct opt *opts)
{
	size_t n = 0;

	while (opts && opts[n].name)
		n++;
	return n;
}

int opt_usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "botsink %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'botsink %s --help'.\n", cmd->name);
	return EXIT_USAGE;
}

/* The keywords option o takes, in out (ending with { NULL }). */
static const struct keyword *accepted(const struct opt *o, struct keyword out[MAX_KEYWORDS])
{
	size_t n = 0;

	for (const struct keyword *k = o->keywords; k->name && n < MAX_KEYWORDS - 1; k++)
		if (!o->accept || o->accept(k->value))
			out[n++] = *k;
	out[n] = (struct keyword){ NULL, 0 };
	return out;
}

/* The value of o into field: 0, or -1 with what to show in `shown`. */
static int parse_value(const struct opt *o, const char *arg, void *field, char *shown, size_t len)
{
	struct keyword kw[MAX_KEYWORDS];
	uint64_t u;

	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case OPT_STRING:
		*(const char **)field = arg;
		return 0;
	case OPT_KEYWORD:
		return keyword_parse(accepted(o, kw), arg, field);
	case OPT_SECONDS:
		return parse_seconds(arg, (double)o->min, (double)o->max, field);
	case OPT_DURATION:
		return parse_duration(arg, (long long)o->min, (long long)o->max, field);
	case OPT_SIZE:
		return parse_size(arg, (uint64_t)o->min, (uint64_t)o->max, field);
	case OPT_UINT32:
		if (parse_uint(arg, (uint64_t)o->max, &u) || u < (uint64_t)o->min)
			return -1;
		*(__u32 *)field = (__u32)u;
		return 0;
	case OPT_CUSTOM:
		return o->parse(arg, field, shown, len);
	}
	return -1;
}

static int option_error(const struct command *cmd, const struct opt *o, const char *arg,
			const char *shown)
{
	struct keyword kw[MAX_KEYWORDS];
	char list[256];
	const char *expect = o->expect;

	if (!expect)
		expect = keyword_list(accepted(o, kw), "|", " or ", list, sizeof(list));
	return opt_usage_error(cmd, "--%s: '%s' is not %s", o->name, shown[0] ? shown : arg,
			       expect);
}

static void synopsis_item(FILE *f, const struct opt *o, bool brief);

/* "-i IFACE and -r RULES are required" */
static int missing_required(const struct command *cmd, const bool *seen)
{
	size_t n = 0, nreq = 0, len = 0;
	char *text = NULL;
	FILE *f;
	int ret;

	for (size_t i = 0; cmd->opts[i].name; i++)
		nreq += cmd->opts[i].required && !seen[i];
	if (!nreq)
		return 0;
	f = open_memstream(&text, &len);
	if (!f)
		return opt_usage_error(cmd, "required options are missing");
	for (size_t i = 0; cmd->opts[i].name; i++) {
		if (!cmd->opts[i].required || seen[i])
			continue;
		n++;
		fputs(n == 1 ? "" : n == nreq ? " and " : ", ", f);
		synopsis_item(f, &cmd->opts[i], true);
	}
	fclose(f);
	ret = opt_usage_error(cmd, "%s %s required", text, nreq > 1 ? "are" : "is");
	free(text);
	return ret;
}

/* What is wrong with cmd's option table, or NULL: each kind's field has its size. */
const char *opt_table_check(const struct command *cmd)
{
	static const size_t field_size[] = {
		[OPT_FLAG] = sizeof(bool),	    [OPT_STRING] = sizeof(const char *),
		[OPT_KEYWORD] = sizeof(int),	    [OPT_SECONDS] = sizeof(double),
		[OPT_DURATION] = sizeof(long long), [OPT_SIZE] = sizeof(uint64_t),
		[OPT_UINT32] = sizeof(__u32),
	};

	if (opt_count(cmd->opts) > MAX_OPTS)
		return "too many options";
	for (const struct opt *o = cmd->opts; o && o->name; o++)
		if (o->kind != OPT_CUSTOM && o->size != field_size[o->kind])
			return o->name;
	return NULL;
}

/* getopt_long's tables for cmd; -h/--help added. */
static void getopt_tables(const struct command *cmd, struct option *longs, char *shorts)
{
	size_t n = opt_count(cmd->opts), s = 0;

	for (size_t i = 0; i < n; i++) {
		const struct opt *o = &cmd->opts[i];

		longs[i] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL,
					    256 + (int)i };
		if (o->short_name) {
			shorts[s++] = o->short_name;
			if (o->arg)
				shorts[s++] = ':';
		}
	}
	longs[n] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	shorts[s++] = 'h';
	shorts[s] = '\0';
}

/* The table index of getopt_long's answer, or -1. */
static int opt_index(const struct command *cmd, int c)
{
	if (c >= 256)
		return c - 256;
	for (int i = 0; cmd->opts[i].name; i++)
		if (cmd->opts[i].short_name == c)
			return i;
	return -1;
}

int opt_parse(const struct command *cmd, int argc, char **argv, void *opts, char ***args)
{
	struct option longs[MAX_OPTS + 2];
	char shorts[2 * MAX_OPTS + 2], shown[256];
	bool seen[MAX_OPTS] = { false };
	const char *bad_row;
	size_t nargs;
	int c, i;

	memcpy(opts, cmd->defaults, cmd->opts_size);
	bad_row = opt_table_check(cmd);
	if (bad_row)
		return opt_usage_error(cmd, "its option table is wrong (%s)", bad_row);
	getopt_tables(cmd, longs, shorts);
	optind = 0; /* a fresh scan: glibc also forgets its state */
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct opt *o;

		if (c == 'h')
			return OPT_HELP_ASKED;
		i = opt_index(cmd, c);
		if (i < 0)
			return opt_usage_error(cmd, "unknown option");
		o = &cmd->opts[i];
		shown[0] = '\0';
		if (parse_value(o, optarg, (char *)opts + o->offset, shown, sizeof(shown)))
			return option_error(cmd, o, optarg, shown);
		seen[i] = true;
	}
	nargs = (size_t)(argc - optind);
	if (nargs > cmd->nargs)
		return opt_usage_error(cmd, "unexpected argument '%s'", argv[optind + cmd->nargs]);
	if (nargs < cmd->nargs)
		return opt_usage_error(cmd, "%s is required", cmd->args);
	if (missing_required(cmd, seen))
		return EXIT_USAGE;
	*args = argv + optind;
	return 0;
}

/* ---- option kinds more than one command uses ---- */

int opt_parse_sinkhole(const char *arg, void *field, char *shown, size_t len)
{
	struct sinkhole_space *s = field;
	char *bad = NULL;

	addr_set_free(&s->set);
	s->given = true;
	if (!parse_sinkhole(arg, &s->set, &bad))
		return 0;
	snprintf(shown, len, "%s", bad ? bad : arg);
	free(bad);
	return -1;
}

/* ---- help ---- */

/* "-i IFACE", "--feed PATH|-", "--format jsonl|shadowserver-csv|...|intelmq" */
static void synopsis_item(FILE *f, const struct opt *o, bool brief)
{
	struct keyword kw[MAX_KEYWORDS];
	char list[256];
	const char *arg = o->arg;

	if (!brief && o->kind == OPT_KEYWORD)
		arg = keyword_list(accepted(o, kw), "|", NULL, list, sizeof(list));
	if (o->short_name)
		fprintf(f, "-%c", o->short_name);
	else
		fprintf(f, "--%s", o->name);
	if (arg)
		fprintf(f, " %s", arg);
}

/* Brief synopses stand for more than this many optional options with "[OPTIONS]". */
#define BRIEF_OPTIONAL 4

void opt_synopsis(FILE *f, const struct command *cmd, bool brief)
{
	size_t optional = 0;

	fprintf(f, "botsink %s", cmd->name);
	for (const struct opt *o = cmd->opts; o && o->name; o++) {
		optional += !o->required;
		if (o->required) {
			fputc(' ', f);
			synopsis_item(f, o, brief);
		}
	}
	if (cmd->args)
		fprintf(f, " %s", cmd->args);
	if (brief && optional > BRIEF_OPTIONAL) {
		fputs(" [OPTIONS]", f);
		return;
	}
	for (const struct opt *o = cmd->opts; o && o->name; o++) {
		if (o->required)
			continue;
		fputs(" [", f);
		synopsis_item(f, o, brief);
		fputc(']', f);
	}
}

/* "  -i, --interface IFACE      help", continuation lines aligned. */
static void help_item(FILE *f, char short_name, const char *name, const char *arg, const char *help,
		      int column)
{
	int len = short_name ? fprintf(f, "  -%c, --%s", short_name, name) :
			       fprintf(f, "      --%s", name);
	const char *line = help;

	if (arg)
		len += fprintf(f, " %s", arg);
	if (len + 2 > column) {
		fputc('\n', f);
		len = 0;
	}
	fprintf(f, "%*s", column - len, "");
	while (*line) {
		const char *end = strchrnul(line, '\n');

		fwrite(line, 1, (size_t)(end - line), f);
		fputc('\n', f);
		line = *end ? end + 1 : end;
		if (*line)
			fprintf(f, "%*s", column, "");
	}
}

/* Whether option `o` of command `c` was shown by an earlier command of the group. */
static bool shown_before(const struct command *const *cmds, size_t c, const struct opt *o)
{
	for (size_t k = 0; k < c; k++) {
		if (cmds[k]->group != cmds[c]->group)
			continue;
		for (const struct opt *p = cmds[k]->opts; p && p->name; p++)
			if (!strcmp(p->name, o->name) && !strcmp(p->help, o->help))
				return true;
	}
	return false;
}

void opt_help(FILE *f, const struct command *cmd, const struct command *const *cmds, size_t n)
{
	const struct command_group *g = cmd->group;
	bool first = true;

	for (size_t c = 0; c < n; c++) {
		if (cmds[c]->group != g)
			continue;
		fputs(first ? "Usage: " : "       ", f);
		opt_synopsis(f, cmds[c], true);
		fputc('\n', f);
		first = false;
	}
	fputc('\n', f);
	if (g->intro)
		fprintf(f, "%s\n", g->intro);
	for (size_t c = 0; c < n; c++) {
		if (cmds[c]->group != g)
			continue;
		if (cmds[c]->about)
			fprintf(f, "%s\n", cmds[c]->about);
		for (const struct opt *o = cmds[c]->opts; o && o->name; o++)
			if (!shown_before(cmds, c, o))
				help_item(f, o->short_name, o->name, o->arg, o->help, g->column);
		if (cmds[c]->about)
			fputc('\n', f);
	}
	help_item(f, 'h', "help", NULL, "this help\n", g->column);
	if (g->outro)
		fprintf(f, "\n%s", g->outro);
}

int opt_parse_truncate(const char *text, void *field, char *shown, size_t len)
{
	(void)shown;
	(void)len;
	return anon_parse_truncate(text, field);
}

int opt_check_metrics(const struct command *cmd, const struct metrics_config *m)
{
	if (!m->listen && (m->cert || m->key || m->ca))
		return opt_usage_error(cmd,
				       "--metrics-cert, --metrics-key and --metrics-ca go with --metrics");
	return EXIT_OK;
}
