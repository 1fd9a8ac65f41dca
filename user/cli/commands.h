/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The subcommands of the botsink binary. Each returns an exit code. */
#ifndef BOTSINK_COMMANDS_H
#define BOTSINK_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_keys(int argc, char **argv);

#endif
