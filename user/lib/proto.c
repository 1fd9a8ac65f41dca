// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <netinet/in.h>
#include <stdio.h>
#include "lib/proto.h"
#include "lib/util.h"

static const struct {
	uint8_t number;
	const char *name[2]; /* enum proto_names */
} protos[] = {
	{ 0, { "ip", NULL } },
	{ IPPROTO_TCP, { "tcp", "tcp" } },
	{ IPPROTO_UDP, { "udp", "udp" } },
	{ IPPROTO_ICMP, { "icmp", "icmp" } },
	{ IPPROTO_ICMPV6, { "icmpv6", "ipv6-icmp" } },
	{ IPPROTO_GRE, { NULL, "gre" } },
	{ IPPROTO_ESP, { NULL, "esp" } },
	{ IPPROTO_AH, { NULL, "ah" } },
	{ IPPROTO_SCTP, { NULL, "sctp" } },
};

const char *proto_name(uint8_t proto, enum proto_names names)
{
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
		if (protos[i].number == proto)
			return protos[i].name[names];
	return NULL;
}

const char *proto_name_or_number(uint8_t proto, char *buf, size_t len)
{
	const char *name = proto ? proto_name(proto, PROTO_NAMES_BOTSINK) : NULL;

	if (name)
		return name;
	snprintf(buf, len, "%u", proto);
	return buf;
}
