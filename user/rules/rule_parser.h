/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Shared by the rule parser's files; not part of the rules API. */
#ifndef BOTSINK_RULE_PARSER_H
#define BOTSINK_RULE_PARSER_H

#include <stdbool.h>
#include "rules/rules.h"

struct parser {
	struct rule_set *rs;
	unsigned int line;
	bool failed; /* this rule has an error */
	bool lenient; /* drop unsupported keywords instead of failing */
	const char *dir; /* the rules file's directory with its '/', or "" */
	const char *base; /* the rule's joined text: option offsets count from here */
};

/* Diagnostics, below every stage: rule_diag.c */
/* Record an error for the current rule (only its first one is kept). */
void parser_fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * A keyword that narrows a match but cannot be enforced in XDP: an error,
 * or under --lenient an entry of r->dropped (returned: its index, or -1).
 */
long parser_unsupported(struct parser *p, struct rule *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The rule header, text[0..len) (the text before the options): rule_header.c */
void parse_header(struct parser *p, struct rule *r, const char *text, size_t len);

/*
 * One option as parse_options hands it to a keyword, and what the keyword
 * says back about the option's text for --lenient import.
 */
struct rule_option {
	const char *key;
	const char *value; /* NULL when the option has none */
	bool cut; /* out: leave this option out of the imported rule */
	long owner; /* out: the content it belongs to (-1: none) */
	long dropped_content; /* out: a content dropped after the fact (-1: none) */
};

/*
 * Where the contents of the rule being parsed go: the sticky buffer in
 * force, the content the next modifier applies to, and what --lenient
 * dropped on the way.
 */
struct content_state {
	uint8_t buffer; /* enum botsink_buffer of the next content */
	char sticky[48]; /* the sticky buffer keyword in force; "": none */
	bool sticky_dropped; /* it is not supported: its contents are dropped */
	long sticky_record; /* its entry in r->dropped (-1: none) */
	unsigned int sticky_count; /* contents dropped with it */
	bool have_last; /* a content was given (modifiers apply to it) */
	bool last_dropped; /* it was dropped: its modifiers go with it */
	unsigned int last_mods; /* MOD_* given on it */
	const char *last_bufmod; /* the legacy modifier (or uricontent) that placed it */
	const char *anchor; /* a dropped pcre, byte_jump, ... since the last content */
	const char *last_anchor; /* the dropped one the last content follows */
};

/* Options: rule_options.c */
void parse_options(struct parser *p, struct rule *r, const char *text, size_t len);
/* The family when no metadata malware_family names it. */
char *family_from_msg(const char *msg);

/* Payload keywords: rule_content.c. Returns false when `o` is not one. */
bool apply_payload_option(struct parser *p, struct rule *r, struct content_state *ps,
			  struct rule_option *o);
/* A keyword dropped under --lenient: remember it as a relative anchor. */
void payload_anchor_dropped(struct content_state *ps, const char *key);
/* After the options: buffers against the protocol, http.host case. */
void check_payload(struct parser *p, struct rule *r);
void parse_dsize(struct parser *p, struct rule *r, const char *value);

#endif
