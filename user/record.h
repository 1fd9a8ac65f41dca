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
#include "addr.h"
#include "json.h"

struct feed_record {
	struct timespec timestamp; /* end of the interval */
	struct timespec first_seen;
	struct timespec last_seen;
	char src_ip[ADDR_TEXT_LEN + 4]; /* already anonymized; a prefix ("/24") if overflow */
	const char *anon_mode;
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
	uint16_t dns_qtype; /* last DNS query type seen; 0: none */
	const char *sensor;
	const char *record_id; /* unique per record; a re-emitted epoch repeats it */
};

/* One JSON object and a newline; every field present, null when unknown. */
#define RECORD_FIELDS 20
void record_to_json(const struct feed_record *r, struct strbuf *sb);
/* "2026-11-26T22:31:29.123Z" */
void format_utc(const struct timespec *ts, char *buf, size_t len);
const char *protocol_name(uint8_t proto, char *buf, size_t len);

#endif
