// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* botsink: count bot check-ins to a sinkhole with XDP; subcommands like ip(8). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include "cli/commands.h"
#include "lib/util.h"

/*
 * A core of run, hub, top or keys would hold the keys (the AES key
 * schedules above all), so no command leaves one: the process is not
 * dumpable (nor attachable by another user's ptrace), before any key is
 * read, and a core limit of 0 covers a kernel that dumps non-dumpable
 * processes anyway (fs.suid_dumpable=2 to a file). One rule for every
 * command: none is left out when a command starts reading keys.
 */
static int no_core_dumps(void)
{
	struct rlimit lim;

	/* The soft limit only: a program the daemon starts may raise it again. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) || getrlimit(RLIMIT_CORE, &lim))
		goto fail;
	lim.rlim_cur = 0;
	if (!setrlimit(RLIMIT_CORE, &lim))
		return 0;
fail:
	fprintf(stderr, "botsink: cannot turn core dumps off: %s\n", strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	if (no_core_dumps())
		return EXIT_RUNTIME;
	return commands_dispatch(argc, argv);
}
