// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the rule parser and compiler on arbitrary text. The
 * first byte picks strict or lenient parsing; a file that parses is
 * compiled into a fixed sinkhole space (rules naming a domain list are not
 * compiled: the fuzzer would have them read any file) and imported.
 * Memory errors, undefined behaviour and leaks are the findings.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules/compile.h"
#include "rules/rules.h"

static bool names_domain_list(const struct rule_set *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->rules[i].domains)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct addr_set space;
	static bool have_space;
	struct rule_set rs;
	struct compiled c = { 0 };
	char *text, *bad = NULL;
	FILE *devnull;

	if (!size)
		return 0;
	if (!have_space) {
		have_space = !parse_sinkhole("203.0.113.0/24,2001:db8:5::/48", &space, &bad);
		free(bad);
	}
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	rules_parse_text("fuzz.rules", text, size - 1, data[0] & 1, &rs); /* NUL bytes too */
	if (!rs.nerrors && !names_domain_list(&rs) && have_space)
		compile_rules(&rs, &space, &c);
	devnull = fopen("/dev/null", "w");
	if (devnull) {
		rules_write_errors(&rs, devnull);
		rules_import(&rs, text, devnull, devnull);
		fclose(devnull);
	}
	compiled_free(&c);
	rules_free(&rs);
	free(text);
	return 0;
}
