// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The command table and its dispatch: `botsink WORD [WORD] [OPTIONS] [ARGS]`. */
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "lib/util.h"

const struct command *const commands[] = {
	&run_command,	       &status_command,	     &top_command,	 &rules_check_command,
	&rules_import_command, &rules_load_command,  &keys_list_command, &keys_rotate_command,
	&hub_command,	       &nats_config_command, &streams_command,	 &pull_command,
};
const size_t ncommands = ARRAY_SIZE(commands);

static const char usage_intro[] =
	"Usage: botsink COMMAND [OPTIONS]\n"
	"\n"
	"Count bot check-ins to a sinkhole at NIC speed (XDP) and turn them into an\n"
	"anonymized JSON Lines feed.\n"
	"\n"
	"Commands:\n";

static void usage(FILE *f)
{
	fputs(usage_intro, f);
	for (size_t i = 0; i < ncommands; i++)
		fprintf(f, "  %-12s  %s\n", commands[i]->name, commands[i]->summary);
	fputs("\n'botsink COMMAND --help' describes each one.\n", f);
}

/* Whether the first word of cmd's name is `word`. */
static bool first_word_is(const struct command *cmd, const char *word)
{
	size_t n = strcspn(cmd->name, " ");

	return strlen(word) == n && !strncmp(cmd->name, word, n);
}

/* How many words of argv name cmd ("rules check": 2); 0: not this one. */
static int words_match(const struct command *cmd, int argc, char **argv)
{
	const char *second = strchr(cmd->name, ' ');

	if (argc < 1 || !first_word_is(cmd, argv[0]))
		return 0;
	if (!second)
		return 1;
	return argc >= 2 && !strcmp(argv[1], second + 1) ? 2 : 0;
}

/* The first command whose name starts with `word`, for its group's help. */
static const struct command *group_of(const char *word)
{
	for (size_t i = 0; i < ncommands; i++)
		if (first_word_is(commands[i], word))
			return commands[i];
	return NULL;
}

static int run_command_words(const struct command *cmd, int argc, char **argv)
{
	void *opts = malloc(cmd->opts_size);
	char **args = NULL;
	int ret;

	if (!opts) {
		fprintf(stderr, "botsink %s: out of memory\n", cmd->name);
		return EXIT_RUNTIME;
	}
	/* A failed parse leaves the options as far as it got: release them too. */
	ret = opt_parse(cmd, argc, argv, opts, &args);
	if (ret == OPT_HELP_ASKED) {
		opt_help(stdout, cmd, commands, ncommands);
		ret = EXIT_OK;
	} else if (!ret) {
		ret = cmd->run(opts, args);
	}
	if (cmd->release)
		cmd->release(opts);
	free(opts);
	return ret;
}

int commands_dispatch(int argc, char **argv)
{
	const char *word = argc > 1 ? argv[1] : NULL;
	const struct command *group;

	if (!word || !strcmp(word, "-h") || !strcmp(word, "--help") || !strcmp(word, "help")) {
		usage(word ? stdout : stderr);
		return word ? EXIT_OK : EXIT_USAGE;
	}
	for (size_t i = 0; i < ncommands; i++) {
		int words = words_match(commands[i], argc - 1, argv + 1);

		if (words)
			return run_command_words(commands[i], argc - words, argv + words);
	}
	group = group_of(word);
	if (group) {
		/* A first word without (a known) second one: the group's help. */
		bool asked = argc > 2 && (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help"));

		opt_help(asked ? stdout : stderr, group, commands, ncommands);
		return asked ? EXIT_OK : EXIT_USAGE;
	}
	fprintf(stderr, "botsink: unknown command '%s'\n\n", word);
	usage(stderr);
	return EXIT_USAGE;
}
