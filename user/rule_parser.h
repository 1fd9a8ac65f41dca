/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Shared by the rule parser's files; not part of the rules API. */
#ifndef BOTSINK_RULE_PARSER_H
#define BOTSINK_RULE_PARSER_H

#include <stdbool.h>
#include "rules.h"

struct parser {
	struct rule_set *rs;
	unsigned int line;
	bool failed; /* this rule has an error */
};

/* Record an error for the current rule (only its first one is kept). */
void parser_fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Rule header fields: rule_header.c */
void parse_addr_set(struct parser *p, const char *text, bool source, struct addr_set *set);
void parse_port_set(struct parser *p, const char *text, struct port_set *out);

/* Options: rule_options.c */
void parse_options(struct parser *p, struct rule *r, const char *text, size_t len);
/* The family when no metadata malware_family names it. */
char *family_from_msg(const char *msg);

#endif
