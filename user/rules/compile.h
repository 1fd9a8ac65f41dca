/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Rule set -> destination table. One LPM entry per sinkhole prefix and per
 * rule prefix inside the sinkhole space; each entry holds the complete
 * ranked candidate list for its addresses, covering rules of enclosing
 * prefixes too, so one lookup on the destination answers everything.
 */
#ifndef BOTSINK_COMPILE_H
#define BOTSINK_COMPILE_H

#include <stdio.h>
#include "botsink_abi.h"
#include "rules/dir4.h"
#include "rules/rules.h"

struct compiled_candidate {
	struct botsink_candidate c; /* .slot is set when the table is installed */
	size_t rule; /* index in the rule set */
};

/*
 * How a list's candidates divide into runs (see struct botsink_list), each
 * in rank order: cand[0, walk) are walked for every packet, the next
 * `payload` for packets with payload, and up to `reached` come the runs of
 * `stamped` rules, one each, which the prefilter names. Entries from
 * `reached` on can never win (an earlier one takes every packet): they
 * stay for `rules check --dump`, and are not installed.
 */
struct list_runs {
	size_t walk;
	size_t payload;
	size_t stamped;
	size_t reached;
	__u32 dns_rank; /* struct botsink_list dns_rank */
};

/* The candidates of one TCP/UDP destination port (see struct botsink_port_key). */
struct port_list {
	__u16 port;
	__u8 proto;
	struct compiled_candidate *cand;
	size_t n;
	struct list_runs runs;
	unsigned int list; /* 1..nlists */
	__u16 syn_rule; /* struct botsink_list syn_rule */
};

struct dst_entry {
	struct prefix prefix;
	struct compiled_candidate *cand; /* the destination's own list */
	size_t n;
	struct list_runs runs;
	unsigned int list; /* 1..nlists, shared by equal entries; 0: a hole in the space */
	bool shared; /* an earlier entry has the same lists: written once */
	unsigned int port_table; /* 1..nport_tables when it has port lists, else 0 */
	struct port_list *ports; /* sorted by protocol and port */
	size_t nports;
};

/* A rule's payload program (compile_payload.c). */
struct rule_payload {
	__u32 content; /* first chunk in compiled.contents */
	__u8 nchunks;
	__u8 app; /* enum botsink_app */
	__u8 dsize_op; /* enum botsink_dsize_op */
	__u16 dsize_lo, dsize_hi;
	__u8 domains; /* domain list number + 1; 0: none */
	int fastpat; /* the first chunk (index in the rule) of the fast pattern's content, or -1 */
	size_t fastpat_content; /* that content, index in the rule */
	__u16 fastpat_start; /* the pattern: fastpat_len bytes of it from here */
	__u8 fastpat_len;
	bool prefilter; /* the fast pattern is in the prefilter tables */
	bool needs_data; /* an empty payload cannot match */
};

struct compiled_fastpat {
	__u32 gram; /* 4 of its bytes, lowercased: those at `offset` */
	__u32 chunk; /* in compiled.contents: the pattern's own chunk */
	__u8 offset;
	bool same; /* the same pattern as the one before it */
	bool ports; /* the rule is in port lists (rule_in_port_lists; set by compile_rules) */
	size_t rule;
};

/* A domain-list key before hashing: "name" (that name) or ".name" (below it). */
struct domain_name {
	char *text;
	__u64 lists; /* the domain lists it is in (bit n: list n) */
};

struct compiled {
	struct addr_set space; /* the sinkhole space */
	struct dst_entry *dst;
	size_t ndst;
	size_t nlists; /* destination and port lists */
	size_t nports; /* port lists */
	size_t nport_tables;
	size_t nport_groups; /* 256-port blocks with port lists, all tables */
	struct rule_payload *payload; /* per rule */
	struct botsink_content *contents;
	size_t ncontents;
	struct compiled_fastpat *fastpats; /* sorted by gram, then pattern */
	size_t nfastpats;
	struct domain_name *domains; /* sorted, one per text */
	size_t ndomains;
	char *domain_files[BOTSINK_DOMAIN_LISTS]; /* list n's file */
	size_t ndomain_files;
	/*
	 * botsink_tcp_ports' half: the destination ports of TCP rules, also of
	 * entries no packet can reach (see arrange_list). An `ip` rule names
	 * no port: it would make the responder answer everywhere.
	 */
	__u64 *tcp_ports;
};

/*
 * `sinkhole`: the --sinkhole space, or NULL to use the union of the rules'
 * destination prefixes. Errors are added to `rs` (file:line: reason);
 * returns 0, or -1 when there were any.
 */
int compile_rules(struct rule_set *rs, const struct addr_set *sinkhole, struct compiled *out);
/* TCP/UDP rules naming a few single destination ports live in port lists, others not. */
bool rule_in_port_lists(const struct rule *r);
void compiled_free(struct compiled *c);

/* compile_payload.c */
int compile_payload(struct rule_set *rs, struct compiled *c);
void compiled_payload_free(struct compiled *c);
bool rule_has_payload(const struct rule *r);
/* Copy rule's payload program into a candidate (chunk index within the half). */
void payload_candidate(const struct compiled *c, size_t rule, struct botsink_candidate *cand);
/* The kernel's key for a domain-list text in one rule set. */
void domain_key(const char *text, __u32 ruleset, struct botsink_domain_key *key);
/*
 * The IPv4 table of one rule set half: list indices start at list_base (a
 * hole stays 0), group ids at group_base. 0, -ENOSPC or -ENOMEM.
 */
int compiled_v4_table(const struct compiled *c, __u32 list_base, __u32 group_base, struct dir4 *d);
/* Human-readable table, for `botsink rules check --dump`. */
void compiled_dump(FILE *f, const struct rule_set *rs, const struct compiled *c);

/*
 * --sinkhole: "p1,p2,!p3,...": the listed prefixes minus the '!' ones
 * (a management address inside a sinkhole prefix, say). 0, or -1 with
 * *bad set to the offending item (or the whole text when it is empty).
 */
int parse_sinkhole(const char *text, struct addr_set *out, char **bad);

/* The sinkhole space an operator gave (--sinkhole), if any. */
struct sinkhole_space {
	struct addr_set set;
	bool given; /* no: the rules' destination prefixes are the space */
};

#endif
