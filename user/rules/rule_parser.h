/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Shared by the rule parser's files; not part of the rules API. The
 * stages, top to bottom: rules.c (lines, the whole rule), rule_header.c,
 * rule_options.c (the option walk and the keyword table), the keywords'
 * setups in rule_keywords.c, rule_content.c and rule_size.c, and
 * rule_diag.c, which they all report to. No file calls one above it.
 */
#ifndef BOTSINK_RULE_PARSER_H
#define BOTSINK_RULE_PARSER_H

#include <stdbool.h>
#include "rules/rules.h"

/* Content modifiers: each may be given once per content. */
enum modifier_bit {
	MOD_NOCASE = 1 << 0,
	MOD_OFFSET = 1 << 1,
	MOD_DEPTH = 1 << 2,
	MOD_DISTANCE = 1 << 3,
	MOD_WITHIN = 1 << 4,
	MOD_FAST_PATTERN = 1 << 5,
	MOD_RAWBYTES = 1 << 6,
	MOD_STARTSWITH = 1 << 7,
	MOD_ENDSWITH = 1 << 8,
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
	bool sticky_used; /* a content or a check came after it (dotprefix must not) */
	bool dotprefix; /* the sticky buffer is seen with a '.' before it */
	long sticky_record; /* its entry in r->dropped (-1: none) */
	unsigned int sticky_count; /* contents dropped with it */
	bool have_last; /* a content was given (modifiers apply to it) */
	bool last_dropped; /* it was dropped: its modifiers go with it */
	unsigned int last_mods; /* MOD_* given on it */
	const char *last_bufmod; /* the legacy modifier (or uricontent) that placed it */
	const char *anchor; /* a dropped pcre, byte_jump, ... since the last content */
	const char *last_anchor; /* the dropped one the last content follows */
};

struct parser {
	struct rule_set *rs;
	unsigned int line;
	bool failed; /* this rule has an error */
	bool lenient; /* drop unsupported keywords instead of failing */
	const char *dir; /* the rules file's directory with its '/', or "" */
	const char *base; /* the rule's joined text: option offsets count from here */
	/* What the options of the rule so far have set up for the next ones: */
	struct content_state content;
	bool family_set; /* a metadata malware_family named the family */
	/* The sids so far, hashed: a linear search per rule made loading quadratic. */
	struct sid_index {
		uint32_t *slot; /* rule index + 1; 0: free */
		size_t cap; /* a power of two, or 0 */
	} sids;
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
 * What the option walk checks for a keyword before its setup runs, in
 * this order (the order the errors always came in).
 */
enum keyword_flag {
	KW_REFUSED = 1 << 0, /* refused even under --lenient */
	KW_MODIFIER = 1 << 1, /* of the last content: none is an error; dropped with it */
	KW_ONCE = 1 << 2, /* once per rule ("X given twice"), whatever its value */
	KW_VALUE = 1 << 3, /* takes a value: "X needs a value" without one */
	KW_ONCE_AFTER_VALUE = 1 << 4, /* once per rule, after KW_VALUE */
	KW_NO_VALUE = 1 << 5, /* takes none: "'X' takes no value" */
	/*
	 * Takes a value, and without one the setup gets "": its own message
	 * about a bad value is the one ("sid must be an integer ...").
	 */
	KW_VALUE_OR_EMPTY = 1 << 6,
	KW_UNSUPPORTED = 1 << 7, /* refused, or dropped under --lenient (then set up) */
	/* With KW_VALUE: "X needs a value" for an empty one, after the setup had its say. */
	KW_NONEMPTY = 1 << 8,
	/*
	 * Not a check: matched on nothing, as it describes the rule or never
	 * narrows a match (the README's second group of keywords).
	 */
	KW_IGNORED = 1 << 9,
};

struct rule_keyword;

/*
 * One option as the option walk hands it to its keyword's setup, and what
 * the setup says back about the option's text for --lenient import.
 */
struct rule_option {
	const char *key;
	const char *value; /* NULL when the option has none */
	const struct rule_keyword *kw; /* its entry in the keyword table */
	long dropped; /* KW_UNSUPPORTED, dropped: its entry in r->dropped */
	bool cut; /* out: leave this option out of the imported rule */
	long owner; /* out: the content it belongs to (-1: none) */
	long dropped_content; /* out: a content dropped after the fact (-1: none) */
};

/* A keyword's setup: only parses its value, the walk checked the rest. */
typedef void keyword_setup(struct parser *p, struct rule *r, struct rule_option *o);

/* An entry of the keyword table (rule_options.c), as in Suricata's sigmatch_table. */
struct rule_keyword {
	const char *name;
	const char *alias; /* another name for it, or NULL */
	unsigned int flags; /* enum keyword_flag */
	keyword_setup *setup; /* NULL: nothing to set up */
	unsigned int arg; /* for the setup: a buffer, a modifier bit */
};

/* Options: rule_options.c */
void parse_options(struct parser *p, struct rule *r, const char *text, size_t len);
/* A name's entry in the keyword table, or NULL: Suricata does not know it either. */
const struct rule_keyword *rule_keyword_find(const char *name);
/* The keyword table's entry i, or NULL past its end (for the README's lists). */
const struct rule_keyword *rule_keyword_at(size_t i);

/* The keywords that describe a rule, and its flags: rule_keywords.c */
keyword_setup setup_msg, setup_sid, setup_rev, setup_metadata, setup_classtype;
keyword_setup setup_flow, setup_flowbits, setup_domains, setup_flags;
/* The family when no metadata malware_family names it. */
char *family_from_msg(const char *msg);
/* Whether a word is generic (a category, "request", "checkin"): never a family. */
bool family_is_generic(const char *word);

/* The payload keywords: rule_content.c */
keyword_setup setup_content, setup_uricontent, setup_position, setup_dsize;
keyword_setup setup_nocase, setup_rawbytes, setup_startswith, setup_fast_pattern;
keyword_setup setup_sticky, setup_legacy_buffer, setup_drop_sticky, setup_drop_legacy;
keyword_setup setup_anchor, setup_endswith, setup_dotprefix;
/*
 * For a keyword of the sticky buffer (bsize, dotprefix): is one in force?
 * None: an error naming `examples`; one --lenient dropped: the option goes
 * with it. rule_size.c uses it (rule_content.c calls nothing there).
 */
bool sticky_in_force(struct parser *p, struct rule_option *o, const char *examples);

/* Size checks: bsize, urilen, isdataat: rule_size.c */
keyword_setup setup_bsize, setup_urilen, setup_isdataat;
/* After the options: sizes that no content of their buffer can fit. */
void check_sizes(struct parser *p, struct rule *r);
/* After the options: buffers against the protocol, http.host case. */
void check_payload(struct parser *p, struct rule *r);

#endif
