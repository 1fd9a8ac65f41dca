/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Domain lists for domains:FILE (dns rules): one name a line, lowercased,
 * sorted and without duplicates.
 */
#ifndef BOTSINK_DOMAINS_H
#define BOTSINK_DOMAINS_H

#include <stddef.h>
#include <stdint.h>

/* Bits: a name written both ways covers both. */
enum domain_kind {
	DOMAIN_EXACT = 1, /* "example.com": that name only */
	DOMAIN_SUBDOMAINS = 2, /* "*.example.com": the names strictly below it */
	DOMAIN_TREE = DOMAIN_EXACT | DOMAIN_SUBDOMAINS, /* ".example.com": it and below */
};

struct domain_entry {
	char *name; /* lowercase, no wildcard, no trailing dot */
	uint8_t kind; /* enum domain_kind */
};

struct domain_error {
	unsigned int line;
	char *reason;
};

struct domain_list {
	char *path;
	struct domain_entry *entries; /* sorted by name (strcmp), names unique */
	size_t n;
	struct domain_error *errors;
	size_t nerrors;
};

/*
 * Read a domain list. Returns 0 when the file was read (check nerrors),
 * -1 when it could not be (errno set as by read_file: say it with
 * read_file_strerror and DOMAIN_LIST_MAX).
 */
int domains_load(const char *path, struct domain_list *out);
/* The same, from memory; `name` is what errors report as the file. */
int domains_parse_buffer(const char *name, const char *text, struct domain_list *out);
/* The same from text[0..len), which may hold NUL bytes: each line with one is an error. */
int domains_parse_text(const char *name, const char *text, size_t len, struct domain_list *out);
/* Print every error as "file:line: reason" on stderr. */
void domains_print_errors(const struct domain_list *dl);
void domains_free(struct domain_list *dl);

#endif
