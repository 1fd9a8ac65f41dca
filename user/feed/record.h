/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A feed record: what one source did for one rule in one interval.
 * Field names follow Shadowserver's sinkhole report where one exists.
 */
#ifndef BOTSINK_RECORD_H
#define BOTSINK_RECORD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "lib/addr.h"
#include "lib/json.h"
#include "lib/keywords.h"
#include "lib/proto.h"
#include "lib/utc.h"

/* What a record proves about its source's address. */
enum record_verification {
	VERIFICATION_UNVERIFIABLE = 0, /* no TCP: a datagram proves nothing about its source */
	VERIFICATION_UNVERIFIED, /* TCP, but no check-in completed a handshake */
	VERIFICATION_VERIFIED, /* a check-in acknowledged a SYN cookie: not spoofed */
};

/*
 * What the bot sent in its first check-in of the interval (the XDP
 * program's evidence sample, feed/evidence.h), as the view shows it: each
 * text is NUL-terminated, its bytes as sent but a NUL byte, which is
 * U+FFFD; NULL (has_src_port false) when unknown or withheld by the view's
 * evidence level. Overflow aggregates and catch-alls have none.
 */
struct record_evidence {
	bool has_src_port;
	uint16_t src_port;
	const char *http_method;
	const char *http_url; /* the request target as sent: a path, with its query at full */
	const char *http_host; /* the Host header's value, port included */
	const char *http_agent; /* User-Agent */
	const char *http_referer;
	const char *dns_query; /* the question's name, dotted, as sent */
	const uint8_t *payload; /* the first payload bytes (full only); NULL: none */
	size_t payload_len;
};

struct feed_record {
	struct timespec timestamp; /* end of the interval */
	struct timespec first_seen;
	struct timespec last_seen;
	/*
	 * The source as the view shows it: anonymized (or raw with anon none),
	 * a prefix ("/24") for an aggregate.
	 */
	char src_ip[ADDR_TEXT_LEN + 4];
	bool src_is_raw; /* src_ip is the real address or prefix (anon none) */
	/* The source's network, truncated as --truncate says ("198.51.100.0/24"); "" if none. */
	char src_network[PREFIX_TEXT_LEN];
	const char *anon_mode;
	const char *anon_key_id; /* the pseudonyms' key (a fingerprint); NULL: no key */
	/* Enrichment, looked up on the raw address: unknown is 0 / NULL. */
	uint32_t src_asn;
	const char *src_as_name;
	const char *src_geo; /* ISO 3166 country code */
	uint8_t protocol;
	struct in6_addr dst_ip;
	uint16_t dst_port;
	bool has_port; /* TCP or UDP */
	const char *family;
	const char *tag; /* the rule's msg; NULL for unclassified */
	uint32_t sid;
	bool any_sid; /* a catch-all: sid null */
	bool overflow; /* an aggregate of a prefix whose sources found the table full */
	const char *classtype; /* the rule's classtype; NULL when none */
	uint64_t packets;
	uint64_t bytes;
	uint64_t syns;
	uint64_t checkins; /* SYNs and data segments (retransmissions once), datagrams */
	uint64_t checkins_verified; /* of checkins: TCP ones that completed a handshake */
	uint64_t checkins_tcp; /* of checkins: TCP ones (the counts format only) */
	enum record_verification verification; /* record_verification_of() the counts */
	uint16_t dns_qtype; /* last DNS query type seen; 0: none */
	const char *sensor;
	const char *record_id; /* unique per record; a re-emitted epoch repeats it */
	struct record_evidence ev;
	char ev_host[ADDR_TEXT_LEN + 8]; /* a Host address as the view shows it, and its port */
};

/* The feed formats (--format, and a partner's `format`). */
enum record_format {
	FORMAT_JSONL = 0, /* botsink's own schema */
	FORMAT_SHADOWSERVER_CSV, /* Shadowserver's Sinkhole Events columns, then botsink's */
	FORMAT_INTELMQ, /* IntelMQ harmonization, one event per line */
	/* Shadowserver's Sinkhole HTTP Events columns, then botsink's */
	FORMAT_SHADOWSERVER_HTTP_CSV,
	/*
	 * The raw counts a sensor publishes to its hub (feed/counts.h): not a
	 * feed format, so not in record_formats: no one can ask for raw
	 * addresses by name.
	 */
	FORMAT_COUNTS,
};

/* The formats' names, in the order help and errors list them. */
extern const struct keyword record_formats[];
/* 0, or -1: not a format name. */
int record_format_parse(const char *text, enum record_format *out);
const char *record_format_name(enum record_format f);
/*
 * The line a new output in this format starts with, its newline included
 * (CSV: the column names), or NULL.
 */
const char *record_format_header(enum record_format f);
/*
 * One record as one line (ending in a newline) in the format, appended to
 * sb. No record holds any other newline: sinks and the spool split on them.
 */
void record_format(enum record_format f, const struct feed_record *r, struct strbuf *sb);

/*
 * What the formats share (record_fields.c).
 *
 * Verified: some check-in is; unverified: TCP check-ins (or the protocol
 * last seen is TCP) but none is; unverifiable: neither.
 */
enum record_verification record_verification_of(uint8_t protocol, uint64_t checkins_tcp,
						uint64_t checkins_verified);
const char *record_verification_name(enum record_verification v);
/*
 * A rule matched: neither "unclassified" (no rule) nor a catch-all. A DNS
 * hit may match one and still not prove its source (a resolver) infected.
 */
bool record_rule_matched(const struct feed_record *r);
/*
 * The application the check-in spoke: "http" when the evidence has an
 * HTTP method, "dns" for a DNS query (the evidence's, or a query type
 * counted); NULL when neither is known.
 */
const char *record_application(const struct feed_record *r);

/* A time the record does not know is all zero. */
static inline bool record_time_known(const struct timespec *ts)
{
	return ts->tv_sec || ts->tv_nsec;
}

/* The protocol as jsonl and CSV spell it: botsink's name, else the number. */
static inline const char *protocol_name(uint8_t proto, char *buf, size_t len)
{
	return proto_name_or_number(proto, buf, len);
}

/*
 * The formats, each called by record_format() only (and by tests).
 *
 * jsonl: one JSON object and a newline; every field present, null when
 * unknown (record_jsonl.c).
 */
#define RECORD_FIELDS 34
void record_to_json(const struct feed_record *r, struct strbuf *sb);

/* Shadowserver's 31 Sinkhole Events columns, then botsink's 23 (record_csv.c). */
#define SHADOWSERVER_CSV_COLUMNS 54
extern const char SHADOWSERVER_CSV_HEADER[];
void record_to_shadowserver_csv(const struct feed_record *r, struct strbuf *sb);

/*
 * Shadowserver's 37 Sinkhole HTTP Events columns (the 31, then the HTTP
 * request's), then botsink's 19: the same but the HTTP ones (record_csv.c).
 */
#define SHADOWSERVER_HTTP_CSV_COLUMNS 56
extern const char SHADOWSERVER_HTTP_CSV_HEADER[];
void record_to_shadowserver_http_csv(const struct feed_record *r, struct strbuf *sb);

/* One IntelMQ event as flat JSON, keys with no value left out (record_intelmq.c). */
void record_to_intelmq(const struct feed_record *r, struct strbuf *sb);

/* One raw count, as a sensor publishes it (feed/counts.h, record_counts.c). */
void record_to_counts(const struct feed_record *r, struct strbuf *sb);

#endif
