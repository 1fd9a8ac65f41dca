// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What every format says the same way about a record: its verification,
 * whether a rule matched, the application it spoke. Below the formats, so
 * that they share these without calling each other or the format dispatch
 * (record.c).
 */
#include <netinet/in.h>
#include <string.h>
#include "feed/record.h"

enum record_verification record_verification_of(uint8_t protocol, uint64_t checkins_tcp,
						uint64_t checkins_verified)
{
	if (checkins_verified)
		return VERIFICATION_VERIFIED;
	if (checkins_tcp || protocol == IPPROTO_TCP)
		return VERIFICATION_UNVERIFIED;
	return VERIFICATION_UNVERIFIABLE;
}

const char *record_verification_name(enum record_verification v)
{
	switch (v) {
	case VERIFICATION_VERIFIED:
		return "verified";
	case VERIFICATION_UNVERIFIED:
		return "unverified";
	default:
		return "unverifiable";
	}
}

bool record_rule_matched(const struct feed_record *r)
{
	return !r->any_sid && r->family && strcmp(r->family, "unclassified") != 0;
}

const char *record_application(const struct feed_record *r)
{
	if (r->ev.http_method && *r->ev.http_method)
		return "http";
	if ((r->ev.dns_query && *r->ev.dns_query) || r->dns_qtype)
		return "dns";
	return NULL;
}
