/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Putting a compiled rule set and the configuration into the kernel maps. */
#ifndef BOTSINK_INSTALL_H
#define BOTSINK_INSTALL_H

#include "botsink_abi.h"
#include "kernel/loader.h"
#include "lib/keywords.h"
#include "rules/compile.h"
#include "rules/rules.h"

/* enum botsink_verdict and enum botsink_respond by name. */
extern const struct keyword verdict_names[], respond_names[];

/*
 * Replace the running rule set atomically: the new destination entries go
 * in under the idle ruleset byte, botsink_config flips to it (with the
 * verdict and the responder's mode, which needs the drop verdict), and
 * after a grace period the old entries go. Rule slots (the
 * per-rule totals) stay with their sid across reloads. On failure the
 * running rule set is untouched. 0, or -1 with a reason in err.
 */
int install_rules(const struct botsink_maps *m, const struct rule_set *rs, struct compiled *c,
		  enum botsink_verdict verdict, enum botsink_respond respond, char *err,
		  size_t errlen);

/*
 * install_payload.c: one rule set half's payload tables (written before
 * the flip), and their removal (after it, or after a failed install).
 */
int write_payload(const struct botsink_maps *m, const struct compiled *c, const __u16 *slot_of,
		  __u8 ruleset);
int clear_payload(const struct botsink_maps *m, __u8 ruleset);

#endif
