/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ASN, AS organisation and country of a source address from MaxMind-format
 * databases (GeoLite2-ASN; GeoLite2-Country or -City), read through
 * libmaxminddb. Lookups take the raw address, before anonymization.
 */
#ifndef BOTSINK_ENRICH_H
#define BOTSINK_ENRICH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENRICH_AS_NAME_LEN 256
/* The largest database read: GeoIP2 City files are some 100 MiB. */
#define ENRICH_DB_MAX_MIB 1024
#define ENRICH_DB_MAX ((uint64_t)ENRICH_DB_MAX_MIB << 20)
#define ENRICH_GEO_LEN 3

struct enrichment {
	uint32_t asn; /* 0: unknown */
	/*
	 * Prefix length, in the 16-byte form (an IPv4 /16 is 112), of the
	 * database network the answer came from, also when that network has
	 * no ASN: every address of it gets the same answer. 0 when no ASN
	 * database was consulted (none given, a lookup error, IPv6 in an
	 * IPv4-only database).
	 */
	unsigned int asn_len;
	char as_name[ENRICH_AS_NAME_LEN]; /* "" unknown; cut at a UTF-8 character */
	char geo[ENRICH_GEO_LEN]; /* ISO 3166-1 alpha-2, upper case; "" unknown */
};

struct enrich_db;

/* Either database may be absent (NULL). */
struct enricher {
	struct enrich_db *asn;
	struct enrich_db *geo;
};

/*
 * Open the databases; NULL paths are skipped. Each is checked whole at
 * start (every search tree record, a sample of data records) so that a
 * corrupt file fails here, not per record. -1 with a reason naming the file:
 * unreadable, not a MaxMind DB, corrupt, or the wrong kind (an ASN database
 * needs autonomous_system_number records; a geo database country or
 * registered_country ones). `e` is left closed on failure.
 *
 * Each file is read into private memory, one copy per database (its size):
 * an update in place (cp over it, truncate) never reaches a running
 * enricher. Replace a database by rename, then reload.
 */
int enricher_open(struct enricher *e, const char *asn_path, const char *geo_path, char *err,
		  size_t errlen);
/*
 * Open the databases again (SIGHUP): both new, or -1 with the reason and
 * `e` as it was. One caller at a time, as lookups.
 */
int enricher_reload(struct enricher *e, const char *asn_path, const char *geo_path, char *err,
		    size_t errlen);
/*
 * A sealed memfd (close-on-exec) holding the regular file at `path`, read
 * again when it changed while being read; -1 with *problem saying why
 * (not a regular file, empty, over ENRICH_DB_MAX, kept changing, errno).
 */
int enrich_copy_file(const char *path, const char **problem);
bool enricher_has_asn(const struct enricher *e);
bool enricher_has_geo(const struct enricher *e);
/*
 * Never fails: what is not known stays 0 / "". A lookup error (a database
 * damaged after the start check) is logged once per database at debug
 * level, without the address. Answers are cached by network (see
 * enrich.c): one caller at a time per enricher.
 */
void enricher_lookup(const struct enricher *e, const struct in6_addr *addr, struct enrichment *out);
void enricher_close(struct enricher *e);

#endif
