// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* botsink rules check: parse and compile a rules file, change nothing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "compile.h"
#include "rules.h"
#include "util.h"

static const char rules_usage[] =
	"Usage: botsink rules check FILE [--sinkhole PREFIXES] [--dump]\n"
	"\n"
	"Validate a rules file as botsink run would load it, without touching the\n"
	"kernel. Errors are printed as FILE:LINE: reason.\n"
	"\n"
	"      --sinkhole PREFIXES   the sinkhole space, as for botsink run\n"
	"      --dump                print the compiled destination table: for each\n"
	"                            destination prefix, its ranked candidate list\n"
	"  -h, --help                this help\n"
	"\n"
	"Exit status: 0 valid, 2 invalid or unreadable (or bad usage).\n";

static int rules_check(int argc, char **argv)
{
	static const struct option options[] = {
		{ "sinkhole", required_argument, NULL, 's' },
		{ "dump", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct addr_set space = { 0 };
	bool have_space = false;
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
	if (rules_load(argv[optind], &rs)) {
		fprintf(stderr, "botsink rules check: cannot read %s: %s\n", argv[optind],
			strerror(errno));
		goto out; /* a file named on the command line: usage */
	}
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

int cmd_rules(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return rules_check(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(rules_usage, stdout);
		return EXIT_OK;
	}
	fputs(rules_usage, stderr);
	return EXIT_USAGE;
}
