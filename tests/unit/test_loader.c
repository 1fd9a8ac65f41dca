// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What a failed load tells the operator to do: the map sizes when the
 * kernel had no memory for them, the old pins only when reused ones did
 * not fit, libbpf's details otherwise.
 */
#include <errno.h>
#include "kernel/loader.h"
#include "unit.h"

static void test_hints(void)
{
	char buf[256];

	CHECK(strstr(loader_hint(ENOMEM, true, "/sys/fs/bpf/botsink", buf, sizeof(buf)),
		     "--max-sources") != NULL);
	CHECK(strstr(loader_hint(E2BIG, false, NULL, buf, sizeof(buf)), "--max-sources") != NULL);
	CHECK_STR(
		loader_hint(EINVAL, true, "/sys/fs/bpf/botsink", buf, sizeof(buf)),
		"pinned maps of an older botsink under /sys/fs/bpf/botsink do not fit this one: remove them");
	/* Nothing was pinned before: the pins are not the cause. */
	CHECK_STR(loader_hint(EINVAL, false, "/sys/fs/bpf/botsink", buf, sizeof(buf)),
		  "run with -v for libbpf's details");
	CHECK_STR(loader_hint(EACCES, true, "/sys/fs/bpf/botsink", buf, sizeof(buf)),
		  "run with -v for libbpf's details");
}

int main(void)
{
	test_hints();
	return unit_report("test_loader");
}
