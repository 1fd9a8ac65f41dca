// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* botsink: count bot check-ins to a sinkhole with XDP; subcommands like ip(8). */
#include "cli/commands.h"

int main(int argc, char **argv)
{
	return commands_dispatch(argc, argv);
}
