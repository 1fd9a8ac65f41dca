// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * botsink rules check: parse and compile a rules file, change nothing.
 * botsink rules import: keep the rules of a Suricata rules file that
 * botsink can use.
 * botsink rules load: have the running daemon swap to another rules file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "rules/compile.h"
#include "sensor/control.h"
#include "rules/rules.h"
#include "lib/util.h"

static const char rules_usage[] =
	"Usage: botsink rules check FILE [--sinkhole PREFIXES] [--dump] [--lenient]\n"
	"       botsink rules import FILE [--lenient]\n"
	"       botsink rules load FILE [--state-dir DIR]\n"
	"\n"
	"check: validate a rules file as botsink run would load it, without touching\n"
	"the kernel. Errors are printed as FILE:LINE: reason on stderr.\n"
	"\n"
	"      --sinkhole PREFIXES   the sinkhole space, as for botsink run\n"
	"      --dump                print the compiled destination table: for each\n"
	"                            destination prefix, its ranked candidate list\n"
	"      --lenient             drop the keywords that narrow a match but cannot\n"
	"                            be enforced in XDP (pcre, byte_test,\n"
	"                            flowbits:isset, file_data and its contents, ...)\n"
	"                            instead of refusing their rules; each rule that\n"
	"                            dropped something is listed on stderr. A rule\n"
	"                            left with nothing beyond its header is refused.\n"
	"\n"
	"import: read a Suricata rules file (an Emerging Threats download, say) and\n"
	"print on stdout every rule botsink can use, as it was written, so that\n"
	"'botsink rules import et.rules > sinkhole.rules' keeps the usable part.\n"
	"Every rule left out is reported on stderr as FILE:LINE: reason, then a\n"
	"summary: FILE: imported X of Y rules (Z skipped). Commented-out rules are\n"
	"comments and are skipped silently. Nothing is compiled: no sinkhole needed.\n"
	"\n"
	"      --lenient             also keep the rules that are usable once their\n"
	"                            unsupported keywords are dropped (as for check);\n"
	"                            such a rule is printed without them, after a\n"
	"                            line '# botsink: sid N: dropped KEYWORDS'\n"
	"\n"
	"load: have the botsink run that uses the state directory DIR (default\n" DEFAULT_STATE_DIR
	") load FILE now, as on SIGHUP: the whole rule set is\n"
	"swapped atomically, counts before and after are kept, and a file with\n"
	"errors changes nothing. FILE stays the file that run reloads on SIGHUP.\n"
	"Its answer is printed (the errors, as FILE:LINE: reason).\n"
	"\n"
	"      --state-dir DIR       the run's --state-dir\n"
	"\n"
	"  -h, --help                this help\n"
	"\n"
	"Exit status: load 0 loaded, 1 no run answered, 2 FILE refused;\n"
	"check 0 valid, 2 invalid or unreadable (or bad usage);\n"
	"import 0 when the file was read (even if rules were skipped), 1 when the\n"
	"output could not be written, 2 when the file could not be read (or bad\n"
	"usage).\n";

static int rules_check(int argc, char **argv)
{
	static const struct option options[] = {
		{ "sinkhole", required_argument, NULL, 's' },
		{ "dump", no_argument, NULL, 'd' },
		{ "lenient", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct addr_set space = { 0 };
	bool have_space = false, lenient = false;
	struct rule_set rs = { 0 };
	struct compiled c = { 0 };
	bool dump = false;
	char *bad = NULL;
	int opt, ret = EXIT_USAGE;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			addr_set_free(&space);
			have_space = true;
			if (parse_sinkhole(optarg, &space, &bad)) {
				fprintf(stderr,
					"botsink rules check: --sinkhole: '%s' is not a prefix\n",
					bad ? bad : optarg);
				free(bad);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			dump = true;
			break;
		case 'l':
			lenient = true;
			break;
		case 'h':
			fputs(rules_usage, stdout);
			return EXIT_OK;
		default:
			fputs(rules_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(rules_usage, stderr);
		goto out;
	}
	if (rules_load_opts(argv[optind], lenient, &rs)) {
		fprintf(stderr, "botsink rules check: cannot read %s: %s\n", argv[optind],
			strerror(errno));
		goto out; /* a file named on the command line: usage */
	}
	rules_print_dropped(&rs);
	if (!rs.nerrors)
		compile_rules(&rs, have_space ? &space : NULL, &c);
	if (rs.nerrors) {
		rules_print_errors(&rs);
		goto out;
	}
	if (dump)
		compiled_dump(stdout, &rs, &c);
	printf("%s: %zu rules, %zu destination entries: OK\n", argv[optind], rs.n, c.ndst);
	ret = EXIT_OK;
out:
	compiled_free(&c);
	rules_free(&rs);
	addr_set_free(&space);
	return ret;
}

static int rules_import_cmd(int argc, char **argv)
{
	static const struct option options[] = {
		{ "lenient", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rule_set rs;
	bool lenient = false;
	char *text;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'l':
			lenient = true;
			break;
		case 'h':
			fputs(rules_usage, stdout);
			return EXIT_OK;
		default:
			fputs(rules_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(rules_usage, stderr);
		return EXIT_USAGE;
	}
	text = read_file(argv[optind], NULL);
	if (!text) {
		fprintf(stderr, "botsink rules import: cannot read %s: %s\n", argv[optind],
			strerror(errno));
		return EXIT_USAGE;
	}
	rules_parse_buffer_opts(argv[optind], text, lenient, &rs);
	rules_import(&rs, text, stdout, stderr);
	rules_free(&rs);
	free(text);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "botsink rules import: writing the rules: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int rules_load_cmd(int argc, char **argv)
{
	static const struct option options[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state_dir = DEFAULT_STATE_DIR;
	char *answer = NULL;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			state_dir = optarg;
			break;
		case 'h':
			fputs(rules_usage, stdout);
			return EXIT_OK;
		default:
			fputs(rules_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(rules_usage, stderr);
		return EXIT_USAGE;
	}
	ret = control_load(state_dir, argv[optind], 30000, &answer);
	if (ret > 0)
		fputs(answer ? answer : "", stdout);
	else if (ret == 0)
		fputs(answer ? answer : "", stderr);
	else
		fprintf(stderr, "botsink rules load: %s\n", answer ? answer : strerror(errno));
	free(answer);
	return ret > 0 ? EXIT_OK : ret == 0 ? EXIT_USAGE : EXIT_RUNTIME;
}

int cmd_rules(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return rules_check(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "import"))
		return rules_import_cmd(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "load"))
		return rules_load_cmd(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(rules_usage, stdout);
		return EXIT_OK;
	}
	fputs(rules_usage, stderr);
	return EXIT_USAGE;
}
