// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* botsink: count bot check-ins to a sinkhole with XDP; subcommands like ip(8). */
#include <stdio.h>
#include <string.h>
#include "cli/commands.h"
#include "lib/util.h"

static const char usage[] =
	"Usage: botsink COMMAND [OPTIONS]\n"
	"\n"
	"Count bot check-ins to a sinkhole at NIC speed (XDP) and turn them into an\n"
	"anonymized JSON Lines feed.\n"
	"\n"
	"Commands:\n"
	"  run           attach to an interface, count, write the feed (see botsink run --help)\n"
	"  status        what is attached where, global and per-family counters\n"
	"  rules check   validate a rules file without loading it\n"
	"  rules import  print the rules of a Suricata rules file that botsink can use\n"
	"  rules load    have the running daemon load another rules file now\n"
	"  keys list     the ipcrypt keys of the state directory, by id (never the key)\n"
	"  keys rotate   a new ipcrypt key, used from the daemon's next epoch\n"
	"\n"
	"'botsink COMMAND --help' describes each one.\n";

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(usage, cmd ? stdout : stderr);
		return cmd ? EXIT_OK : EXIT_USAGE;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "status"))
		return cmd_status(argc - 1, argv + 1);
	if (!strcmp(cmd, "rules"))
		return cmd_rules(argc - 1, argv + 1);
	if (!strcmp(cmd, "keys"))
		return cmd_keys(argc - 1, argv + 1);
	fprintf(stderr, "botsink: unknown command '%s'\n\n%s", cmd, usage);
	return EXIT_USAGE;
}
