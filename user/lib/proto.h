/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* IP protocol names: one table for rules, records and every format. */
#ifndef BOTSINK_PROTO_H
#define BOTSINK_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* Which spelling: botsink's (rules, jsonl, csv) or IANA's keywords (IntelMQ). */
enum proto_names {
	PROTO_NAMES_BOTSINK = 0,
	PROTO_NAMES_IANA = 1,
};

/* The protocol's name; NULL when the table has none. 0 is "ip": any protocol. */
const char *proto_name(uint8_t proto, enum proto_names names);
/* The name, or the number in decimal in buf when there is none. */
const char *proto_name_or_number(uint8_t proto, char *buf, size_t len);

#endif
