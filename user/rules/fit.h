/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Fitting a rule set into what botsink run can load: the rules that
 * cannot be placed (a destination outside the sinkhole space, a per-rule
 * limit such as content chunks, a full candidate list, a limit of the
 * whole set) are left out, each with its reason, so that the rest
 * compiles. `rules import` and `rules check --lenient` share it.
 */
#ifndef BOTSINK_FIT_H
#define BOTSINK_FIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/addr_set.h"
#include "rules/rules.h"

struct fit_left {
	unsigned int line;
	uint32_t sid;
	char *reason; /* compile's error, less its "sid N: " */
	const char *class; /* fit_error_class() */
};

struct rule_fit {
	struct fit_left *left; /* in file order */
	size_t nleft;
};

/*
 * Leave out of `rs` (parsed without errors) the rules that keep it from
 * compiling against `sinkhole` (NULL: the rules' own destination
 * prefixes, as compile_rules): every rule a compile error names, then,
 * for an error of the whole set (total content chunks, candidate entries,
 * ...), the fewest rules from the end of the file (file order is the
 * operator's priority). Repeats until the rest compiles, so the errors of
 * every stage are seen. The left-out rules are removed from `rs` and
 * listed in `fit`. 0, or -1 when out of memory. Only a set that cannot
 * compile even empty (no --sinkhole and no destination prefix) still
 * fails compile_rules afterwards.
 */
int compile_fit(struct rule_set *rs, const struct addr_set *sinkhole, struct rule_fit *fit);
void rule_fit_free(struct rule_fit *fit);
/* "file:line: sid N: left out: reason", one line per rule. */
void fit_write_left(const char *path, const struct rule_fit *fit, FILE *f);
/*
 * The class of a rule error, for summaries: "parse error", "unsupported
 * protocol", "destination outside the sinkhole", "limit: content chunks
 * per rule", "limit: header-only rules per destination", ...
 */
const char *fit_error_class(const char *reason, bool whole_set);

struct import_summary {
	size_t whole; /* imported as written */
	size_t partly; /* imported less keywords --lenient dropped */
	size_t left_out; /* parsed, but did not fit */
	size_t skipped; /* refused by the parser */
};

/*
 * botsink rules import: `rs` parsed from `text`. Fits it (compile_fit),
 * prints the rules that remain on `out` as written, on `err` the refused
 * ones (file:line: reason, the first ERRORS_SHOWN), the left-out ones
 * (file:line: sid N: left out: reason), a count per reason, with
 * `families` a count per family of the imported rules, and last the
 * summary line "file: imported X of Y rules (Z skipped)" (Z: all not
 * imported). 0, or -1 when out of memory.
 */
int fit_import(struct rule_set *rs, const char *text, const struct addr_set *sinkhole,
	       bool families, FILE *out, FILE *err, struct import_summary *sum);

#endif
