// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the partners file parser on arbitrary text. The first
 * byte says whether an ASN database is present; a file that parses has
 * every partner asked about a few sources (hosts and aggregates). Memory
 * errors, undefined behaviour, leaks, and a parse that both fails and
 * returns partners are the findings.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "feed/partners.h"
#include "lib/util.h"

static const char *const sources[] = { "198.51.100.7/32", "198.51.100.0/24", "2001:db8:a::1/128",
				       "2001:db8::/48", "0.0.0.0/0" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct partner_set ps;
	FILE *devnull;
	int ret;

	if (!size)
		return 0;
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		return 0;
	ret = partners_parse_buffer("fuzz.ini", (const char *)data + 1, size - 1, data[0] & 1,
				    "/var/lib/botsink/feed.jsonl", &ps, devnull);
	if (ret && ps.n)
		abort();
	for (size_t i = 0; !ret && i < ps.n; i++) {
		for (size_t k = 0; k < ARRAY_SIZE(sources); k++) {
			struct prefix p;

			if (prefix_parse(sources[k], &p))
				abort();
			partner_in_scope(&ps.p[i], &p, 64500, p.len);
		}
	}
	partners_free(&ps);
	fclose(devnull);
	return 0;
}
