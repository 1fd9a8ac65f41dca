// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * botsink rules check: parse and compile a rules file, change nothing.
 * botsink rules import: keep the rules of a Suricata rules file that
 * botsink can use.
 * botsink rules load: have the running daemon swap to another rules file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "lib/util.h"
#include "rules/compile.h"
#include "rules/fit.h"
#include "rules/rules.h"
#include "sensor/control.h"

static const char lenient_check_help[] = "drop the keywords that narrow a match but cannot\n"
					 "be enforced in XDP (pcre, byte_test,\n"
					 "flowbits:isset, file_data and its contents, ...)\n"
					 "instead of refusing their rules; each rule that\n"
					 "dropped something is listed on stderr. A rule\n"
					 "left with nothing beyond its header is refused.\n"
					 "Rules that cannot be placed (a destination\n"
					 "outside the sinkhole space, a limit) are left out\n"
					 "as by import, each listed on stderr.\n";

static const struct command_group rules_group = {
	.outro = "Exit status: load 0 loaded, 1 no run answered, 2 FILE refused;\n"
		 "check 0 valid, 2 invalid or unreadable (or bad usage);\n"
		 "import 0 when the file was read (even if rules were skipped or left out),\n"
		 "1 when the output could not be written (or out of memory), 2 when the\n"
		 "file could not be read (or bad usage).\n",
	.column = 28,
};

struct check_opts {
	struct sinkhole_space sinkhole; /* first: release_sinkhole */
	bool dump, lenient;
};

static const struct opt check_opts[] = {
	OPT_SINKHOLE_ROW(struct check_opts, .help = "the sinkhole space, as for botsink run\n"),
	OPT_ROW(struct check_opts, "dump", NULL, OPT_FLAG, dump,
		.help = "print the compiled destination table: for each\n"
			"destination prefix, its ranked candidate list\n"),
	OPT_ROW(struct check_opts, "lenient", NULL, OPT_FLAG, lenient, .help = lenient_check_help),
	OPT_END,
};

static int rules_check(void *opts, char **args)
{
	struct check_opts *o = opts;
	struct rule_set rs = { 0 };
	struct compiled c = { 0 };
	struct rule_fit fit = { 0 };
	const struct addr_set *space = o->sinkhole.given ? &o->sinkhole.set : NULL;
	int ret = EXIT_USAGE;
	char why[64];

	if (rules_load_opts(args[0], o->lenient, &rs)) {
		fprintf(stderr, "botsink rules check: cannot read %s: %s\n", args[0],
			read_file_strerror(errno, RULES_FILE_MAX, why, sizeof(why)));
		goto out; /* a file named on the command line: usage */
	}
	rules_print_dropped(&rs);
	if (!rs.nerrors && o->lenient && compile_fit(&rs, space, &fit))
		rules_add_error(&rs, 0, "out of memory");
	fit_write_left(args[0], &fit, stderr);
	if (fit.nleft)
		fprintf(stderr, "%s: %zu rules left out\n", args[0], fit.nleft);
	if (!rs.nerrors)
		compile_rules(&rs, space, &c);
	if (rs.nerrors) {
		rules_print_errors(&rs);
		/* The last line says how bad it is, whatever scrolled past. */
		fprintf(stderr, "%s: %zu rules, %zu errors: FAILED\n", args[0], rs.n, rs.nerrors);
		goto out;
	}
	if (o->dump)
		compiled_dump(stdout, &rs, &c);
	printf("%s: %zu rules, %zu destination entries: OK\n", args[0], rs.n, c.ndst);
	ret = EXIT_OK;
out:
	rule_fit_free(&fit);
	compiled_free(&c);
	rules_free(&rs);
	return ret;
}

/* check_opts and import_opts: the sinkhole space comes first in both. */
static void release_sinkhole(void *opts)
{
	struct sinkhole_space *sinkhole = opts;

	addr_set_free(&sinkhole->set);
}

static const struct check_opts check_defaults;

const struct command rules_check_command = COMMAND(
	struct check_opts, "rules check", check_opts, &check_defaults, rules_check, &rules_group,
	.summary = "validate a rules file without loading it", .args = "FILE", .nargs = 1,
	.release = release_sinkhole,
	.about = "check: validate a rules file as botsink run would load it, without touching\n"
		 "the kernel. Errors are printed as FILE:LINE: reason on stderr. Without\n"
		 "--lenient any error fails the file; with it, the rules that cannot be\n"
		 "placed are left out, as by import (FILE:LINE: sid N: left out: reason),\n"
		 "and the rest must compile.\n");

struct import_opts {
	struct sinkhole_space sinkhole; /* first: release_sinkhole */
	bool lenient, families;
};

static const struct opt import_opts[] = {
	OPT_SINKHOLE_ROW(struct import_opts,
			 .help = "the sinkhole space the rules are for, as for\n"
				 "botsink run (default: the rules' own destination\n"
				 "prefixes, as run does without it)\n"),
	OPT_ROW(struct import_opts, "lenient", NULL, OPT_FLAG, lenient,
		.help = "also keep the rules that are usable once their\n"
			"unsupported keywords are dropped (as for check);\n"
			"such a rule is printed without them, after a\n"
			"line '# botsink: sid N: dropped KEYWORDS'\n"),
	OPT_ROW(struct import_opts, "families", NULL, OPT_FLAG, families,
		.help = "also count the imported rules per family\n"
			"(FILE: family: N NAME lines, most first)\n"),
	OPT_END,
};

static int rules_import_main(void *opts, char **args)
{
	struct import_opts *o = opts;
	struct import_summary sum;
	struct rule_set rs;
	size_t len;
	char *text = rules_read(args[0], &len);
	char why[64];
	int ret = EXIT_OK;

	if (!text) {
		fprintf(stderr, "botsink rules import: cannot read %s: %s\n", args[0],
			read_file_strerror(errno, RULES_FILE_MAX, why, sizeof(why)));
		return EXIT_USAGE;
	}
	rules_parse_text(args[0], text, len, o->lenient, &rs);
	if (fit_import(&rs, text, o->sinkhole.given ? &o->sinkhole.set : NULL, o->families, stdout,
		       stderr, &sum))
		ret = EXIT_RUNTIME;
	rules_free(&rs);
	free(text);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "botsink rules import: writing the rules: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	return ret;
}

static const struct import_opts import_defaults;

const struct command rules_import_command = COMMAND(
	struct import_opts, "rules import", import_opts, &import_defaults, rules_import_main,
	&rules_group, .summary = "print the rules of a Suricata rules file that botsink can use",
	.args = "FILE", .nargs = 1, .release = release_sinkhole,
	.about = "import: read a Suricata rules file (an Emerging Threats download, say) and\n"
		 "print on stdout every rule botsink can load, as it was written, so that\n"
		 "'botsink rules import et.rules > sinkhole.rules' keeps the usable part.\n"
		 "The rules are compiled as botsink run would (same limits, same\n"
		 "--sinkhole): the output always passes 'botsink rules check' with the same\n"
		 "--sinkhole. On stderr: every rule refused as FILE:LINE: reason; every\n"
		 "rule that parses but cannot be placed (a destination outside the sinkhole\n"
		 "space, a limit of the rule, of a candidate list or of the whole set: then\n"
		 "the last rules of the file go) as FILE:LINE: sid N: left out: reason;\n"
		 "then FILE: W imported whole, P partly, L left out, S skipped; one\n"
		 "FILE: not imported: N REASON line per reason; with --families one\n"
		 "FILE: family: N NAME line per family imported; last the summary\n"
		 "FILE: imported X of Y rules (Z skipped), Z counting all not imported.\n"
		 "Commented-out rules are comments and are skipped silently.\n");

struct load_opts {
	const char *state_dir;
};

static const struct opt load_opts[] = {
	OPT_ROW(struct load_opts, "state-dir", "DIR", OPT_STRING, state_dir,
		.help = "the run's --state-dir\n"),
	OPT_END,
};

static int rules_load_main(void *opts, char **args)
{
	struct load_opts *o = opts;
	char *answer = NULL;
	int ret = control_load(o->state_dir, args[0], 30000, &answer);

	if (ret > 0)
		fputs(answer ? answer : "", stdout);
	else if (ret == 0)
		fputs(answer ? answer : "", stderr);
	else
		fprintf(stderr, "botsink rules load: %s\n", answer ? answer : strerror(errno));
	free(answer);
	return ret > 0 ? EXIT_OK : ret == 0 ? EXIT_USAGE : EXIT_RUNTIME;
}

static const struct load_opts load_defaults = { .state_dir = DEFAULT_STATE_DIR };

const struct command rules_load_command = COMMAND(
	struct load_opts, "rules load", load_opts, &load_defaults, rules_load_main, &rules_group,
	.summary = "have the running daemon load another rules file now", .args = "FILE",
	.nargs = 1,
	.about =
		"load: have the botsink run that uses the state directory DIR (default\n" DEFAULT_STATE_DIR
		") load FILE now, as on SIGHUP: the whole rule set is\n"
		"swapped atomically, counts before and after are kept, and a file with\n"
		"errors changes nothing. FILE stays the file that run reloads on SIGHUP.\n"
		"Its answer is printed (the errors, as FILE:LINE: reason).\n");
