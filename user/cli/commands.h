/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The subcommands of the botsink binary: one table (commands.c). */
#ifndef BOTSINK_COMMANDS_H
#define BOTSINK_COMMANDS_H

#include "cli/options.h"
#include "rules/compile.h"
#include "sensor/daemon.h"

extern const struct command run_command, status_command, top_command, hub_command;
extern const struct command rules_check_command, rules_import_command, rules_load_command;
extern const struct command keys_list_command, keys_rotate_command;
extern const struct command nats_config_command, streams_command, pull_command;

/* Every command, in the order botsink --help lists them. */
extern const struct command *const commands[];
extern const size_t ncommands;

/* botsink ARGS...: find the command, parse its options, run it; an exit code. */
int commands_dispatch(int argc, char **argv);

/* botsink run's checks after parsing (interface, option combinations). */
int run_check(struct sensor_config *cfg);

#endif
