/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Suricata rules, header subset: action, protocol, addresses, ports,
 * direction, and the options that describe a rule (msg, sid, rev,
 * metadata, classtype, reference, flags, ...).
 */
#ifndef BOTSINK_RULES_H
#define BOTSINK_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "addr_set.h"

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
 * read (errno set).
 */
int rules_load(const char *path, struct rule_set *out);
/* The same, from memory; `name` is what errors report as the file. */
int rules_parse_buffer(const char *name, const char *text, struct rule_set *out);
/* Record an error against a line (0: the whole file). */
void rules_add_error(struct rule_set *rs, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print every error as "file:line: reason" on stderr. */
void rules_print_errors(const struct rule_set *rs);
void rules_free(struct rule_set *rs);

enum port_class port_class(const struct port_set *ps);
const struct rule *rules_find_sid(const struct rule_set *rs, uint32_t sid);
const char *rule_proto_name(uint8_t proto);

#endif
