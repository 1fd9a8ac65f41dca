/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Suricata rules: action, protocol, addresses, ports, direction, the
 * options that describe a rule (msg, sid, rev, metadata, classtype, ...),
 * flags, and the payload keywords (content and its modifiers, sticky
 * buffers, dsize, bsize, urilen, isdataat, dotprefix) plus botsink's own
 * domains:FILE.
 */
#ifndef BOTSINK_RULES_H
#define BOTSINK_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/addr.h"
#include "lib/addr_set.h"

struct port_range {
	uint16_t lo, hi;
};

/* Resolved port set: sorted, disjoint, non-empty ranges. */
struct port_set {
	struct port_range *ranges;
	size_t n;
};

enum port_class {
	PORT_EXACT = 0, /* a single port */
	PORT_LIST = 1, /* list, range or negation */
	PORT_ANY = 2,
};

/* Application protocol from the header (`alert http`, `alert dns`). */
enum rule_app {
	RULE_APP_NONE = 0,
	RULE_APP_HTTP, /* TCP; HTTP buffers on any port the rule names */
	RULE_APP_DNS, /* UDP; dns.query, domain lists */
};

/*
 * One content match, as written (before compiling: long contents are split
 * later). Positions follow Suricata: depth counts from offset, within from
 * the end of the previous match in the same buffer plus distance.
 */
struct rule_content {
	uint8_t *bytes; /* decoded |hex| escapes; never NULL */
	size_t len; /* >= 1 */
	uint8_t buffer; /* enum botsink_buffer */
	bool nocase;
	bool negated;
	bool fast_pattern; /* fast_pattern given on this content */
	bool endswith; /* it ends where its buffer ends */
	bool dotprefix; /* its buffer is seen with a '.' before it */
	bool has_offset, has_depth, has_distance, has_within;
	int32_t offset; /* >= 0 */
	int32_t depth; /* >= len when given */
	int32_t distance; /* may be negative */
	int32_t within; /* >= len when given */
};

/* What a size check came from (for `rules check --dump` and errors). */
enum rule_check_kind {
	CHECK_BSIZE = 0,
	CHECK_URILEN,
	CHECK_ISDATAAT,
};

/*
 * bsize, urilen, isdataat: the bytes of a buffer (after the previous
 * content in it, when relative) are in [lo, hi], or outside when `out`.
 * Checked in rule order: `after` contents come before it.
 */
struct rule_check {
	enum rule_check_kind kind;
	uint8_t buffer; /* enum botsink_buffer */
	bool dotprefix; /* of the buffer seen with a '.' before it */
	bool relative; /* counted from the end of the previous content in the buffer */
	bool out;
	uint32_t lo, hi; /* hi: RULE_SIZE_MAX for no bound */
	size_t after;
};

#define RULE_SIZE_MAX 0x7fffffffU

/* A keyword dropped under --lenient, reported per sid. */
struct rule_dropped {
	char *keyword; /* "pcre", "flowbits:isset", ... */
};

/* Byte offsets [start, end) in the rules file's text. */
struct rule_span {
	size_t start, end;
};

struct rule {
	unsigned int line; /* first line of the rule in its file */
	uint32_t sid;
	uint32_t rev;
	char *msg; /* NULL when absent */
	char *family; /* never NULL */
	char *classtype; /* NULL when absent */
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, or 0 for ip */
	struct addr_set src, dst;
	struct port_set sport, dport;
	bool has_flags;
	uint8_t flags_op; /* enum botsink_flags_op */
	uint8_t flags_mask;
	uint8_t flags_value;
	enum rule_app app;
	struct rule_content *contents; /* in rule order */
	size_t ncontents;
	struct rule_check *checks; /* in rule order */
	size_t nchecks;
	bool has_dsize; /* payload size in [dsize_lo, dsize_hi], or outside when dsize_not */
	bool dsize_not;
	uint16_t dsize_lo, dsize_hi;
	char *domains; /* domains:FILE (dns rules): path as resolved against the rules file's directory */
	struct rule_dropped *dropped; /* --lenient only */
	size_t ndropped;
	size_t text_start, text_end; /* byte span of the whole rule in the file text, for import */
	struct rule_span *cuts; /* --lenient: the dropped options' text, in file order */
	size_t ncuts;
};

struct rule_error {
	unsigned int line;
	char *reason;
};

struct rule_set {
	char *path;
	struct rule *rules;
	size_t n;
	struct rule_error *errors;
	size_t nerrors;
};

/*
 * Parse a rules file. Returns 0 when the file was read (check nerrors:
 * a file with any error must be rejected whole), -1 when it could not be
 * read (errno set as by read_file: say it with read_file_strerror and
 * RULES_FILE_MAX).
 */
int rules_load(const char *path, struct rule_set *out);
/* The same, from memory; `name` is what errors report as the file. */
int rules_parse_buffer(const char *name, const char *text, struct rule_set *out);
/*
 * The same with a choice: lenient drops the keywords that narrow a match
 * but cannot be enforced in XDP (listed in each rule's `dropped`) instead
 * of refusing the rule; a rule left with nothing but its header is still
 * refused. Malformed syntax is an error either way.
 */
int rules_load_opts(const char *path, bool lenient, struct rule_set *out);
int rules_parse_buffer_opts(const char *name, const char *text, bool lenient, struct rule_set *out);
/*
 * The same, from text[0..len), which may hold NUL bytes: each line with
 * one is an error. A UTF-8 byte order mark at its start is skipped.
 */
int rules_parse_text(const char *name, const char *text, size_t len, bool lenient,
		     struct rule_set *out);
/* A rules file's text for rules_parse_text: read_file capped at RULES_FILE_MAX. */
char *rules_read(const char *path, size_t *len);
/* Record an error against a line (0: the whole file). */
void rules_add_error(struct rule_set *rs, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Print the errors as "file:line: reason" on stderr: the first
 * ERRORS_SHOWN, then "file: ... and N more errors" (a million bad lines
 * would otherwise write a million lines).
 */
#define ERRORS_SHOWN 100
void rules_print_errors(const struct rule_set *rs);
/* The same, to any stream. */
void rules_write_errors(const struct rule_set *rs, FILE *f);
/* "file:line: sid N: dropped pcre, ... (not supported in XDP)" on stderr. */
void rules_print_dropped(const struct rule_set *rs);
/* A rule as written, less the options --lenient dropped, after a comment that names them. */
void rules_write_rule(FILE *out, const struct rule *r, const char *text);
/*
 * botsink rules import, the parser's part: `rs` parsed from `text`.
 * Prints every rule of `rs` on `out` (rules_write_rule) and every refused
 * one as "file:line: reason" on `err` (the first ERRORS_SHOWN errors, as
 * rules_print_errors). Returns the number of rules refused (errors with a
 * line). rules/fit.h has the whole of it.
 */
size_t rules_import(const struct rule_set *rs, const char *text, FILE *out, FILE *err);
/* Keep the rules whose keep[i] is set, in order; free the others. */
void rules_keep(struct rule_set *rs, const bool *keep);
void rules_free(struct rule_set *rs);

enum port_class port_class(const struct port_set *ps);
/* A buffer's name as rules write it: "http.uri", "dns.query", "payload". */
const char *rule_buffer_name(uint8_t buffer);
const struct rule *rules_find_sid(const struct rule_set *rs, uint32_t sid);
const char *rule_proto_name(uint8_t proto);

#endif
