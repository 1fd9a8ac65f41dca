// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The number and hex parsers of lib/parse.c: ranges, suffixes, overflow. */
#include <stdint.h>
#include <netinet/in.h>
#include "lib/parse.h"
#include "lib/proto.h"
#include "lib/util.h"
#include "unit.h"

static void test_uint(void)
{
	uint64_t v = 7;

	CHECK(!parse_uint("0", 10, &v) && v == 0);
	CHECK(!parse_uint("18446744073709551615", UINT64_MAX, &v) && v == UINT64_MAX);
	CHECK(parse_uint("18446744073709551616", UINT64_MAX, &v));
	CHECK(parse_uint("99999999999999999999999", UINT64_MAX, &v));
	CHECK(!parse_uint("4294967295", UINT32_MAX, &v) && v == UINT32_MAX);
	v = 7;
	CHECK(parse_uint("4294967296", UINT32_MAX, &v) && v == 7);
	CHECK(parse_uint("", 10, &v));
	CHECK(parse_uint(" 1", 10, &v));
	CHECK(parse_uint("+1", 10, &v));
	CHECK(parse_uint("-1", 10, &v));
	CHECK(parse_uint("1 ", 10, &v));
	CHECK(parse_uint("11", 10, &v));
	CHECK(!parse_uint_n("123abc", 3, 1000, &v) && v == 123);
	/* Maxima below a digit, and below ten. */
	CHECK(parse_uint("7", 5, &v));
	CHECK(parse_uint("17", 5, &v));
	CHECK(!parse_uint("5", 5, &v) && v == 5);
	CHECK(!parse_uint("0", 0, &v) && v == 0);
	CHECK(parse_uint("1", 0, &v));
	CHECK(!parse_uint("32", 32, &v) && v == 32);
	CHECK(parse_uint("33", 32, &v));
	CHECK(parse_uint("40", 32, &v));
	CHECK(parse_uint_n("123", 0, 1000, &v));
}

static void test_int(void)
{
	long long v = 7;

	CHECK(!parse_int("-5", -10, 10, &v) && v == -5);
	CHECK(!parse_int("-9223372036854775808", INT64_MIN, INT64_MAX, &v) && v == INT64_MIN);
	CHECK(!parse_int("9223372036854775807", INT64_MIN, INT64_MAX, &v) && v == INT64_MAX);
	CHECK(parse_int("9223372036854775808", INT64_MIN, INT64_MAX, &v));
	CHECK(parse_int("-9223372036854775809", INT64_MIN, INT64_MAX, &v));
	CHECK(parse_int("-1", 0, 10, &v));
	CHECK(parse_int("-11", -10, 10, &v));
	CHECK(parse_int("3", 5, 10, &v));
	CHECK(parse_int("-3", -10, -5, &v));
	CHECK(parse_int("3", -10, -5, &v));
	CHECK(!parse_int("-7", -10, -5, &v) && v == -7);
	CHECK(!parse_int("-0", -10, 10, &v) && v == 0);
	CHECK(parse_int("--1", -10, 10, &v));
}

static void test_size(void)
{
	uint64_t v = 7;

	CHECK(!parse_size("4096", 1, 1ULL << 50, &v) && v == 4096);
	CHECK(!parse_size("2K", 1, 1ULL << 50, &v) && v == 2048);
	CHECK(!parse_size("3m", 1, 1ULL << 50, &v) && v == 3ULL << 20);
	CHECK(!parse_size("1048576G", 1, 1ULL << 50, &v) && v == 1ULL << 50);
	CHECK(parse_size("1048577G", 1, 1ULL << 50, &v));
	/* Shifting first would overflow: a range check after the fact cannot see it. */
	CHECK(parse_size("9223372036854775807G", 1, 1ULL << 50, &v));
	CHECK(parse_size("18446744073709551615K", 1, UINT64_MAX, &v));
	CHECK(parse_size("0", 1, 1ULL << 50, &v));
	CHECK(!parse_size("0", 0, 1ULL << 50, &v) && v == 0);
	CHECK(parse_size("1KB", 1, 1ULL << 50, &v));
	CHECK(parse_size("K", 1, 1ULL << 50, &v));
	CHECK(parse_size("1T", 1, 1ULL << 50, &v));
	CHECK(parse_size("-1", 1, 1ULL << 50, &v));
}

static void test_duration(void)
{
	long long v = 7;

	CHECK(!parse_duration("90", 1, INT64_MAX, &v) && v == 90);
	CHECK(!parse_duration("90s", 1, INT64_MAX, &v) && v == 90);
	CHECK(!parse_duration("2h", 1, INT64_MAX, &v) && v == 7200);
	CHECK(!parse_duration("7d", 1, INT64_MAX, &v) && v == 7 * 86400);
	CHECK(parse_duration("0", 1, INT64_MAX, &v));
	CHECK(parse_duration("106751991167301d", 1, INT64_MAX, &v));
	CHECK(parse_duration("1m", 1, INT64_MAX, &v));
	CHECK(parse_duration("1dd", 1, INT64_MAX, &v));
}

static void test_seconds(void)
{
	double v = 7;

	CHECK(!parse_seconds("0.5", 0.01, 86400, &v) && v == 0.5);
	CHECK(!parse_seconds(".25", 0.01, 86400, &v) && v == 0.25);
	CHECK(!parse_seconds("86400", 0.01, 86400, &v) && v == 86400);
	CHECK(parse_seconds("86400.5", 0.01, 86400, &v));
	CHECK(parse_seconds("0.001", 0.01, 86400, &v));
	CHECK(parse_seconds("1s", 0.01, 86400, &v));
	CHECK(parse_seconds("inf", 0.01, 1e300, &v));
	CHECK(parse_seconds("nan", 0.01, 1e300, &v));
	CHECK(parse_seconds("0x10", 0.01, 86400, &v));
	CHECK(parse_seconds(" 1", 0.01, 86400, &v));
	CHECK(parse_seconds("-1", -5, 86400, &v));
}

static void test_hex(void)
{
	uint8_t out[3] = { 0 };
	char text[7];

	CHECK_INT(hex_digit('0'), 0);
	CHECK_INT(hex_digit('F'), 15);
	CHECK_INT(hex_digit('a'), 10);
	CHECK_INT(hex_digit('g'), -1);
	CHECK(hex_decode("0aFf10", 6, out, 3) && out[0] == 0x0a && out[1] == 0xff &&
	      out[2] == 0x10);
	CHECK(!hex_decode("0aFf1", 5, out, 3));
	CHECK(!hex_decode("0aFg10", 6, out, 3));
	hex_encode(out, 3, text);
	CHECK_STR(text, "0aff10");
	hex_encode(out, 0, text);
	CHECK_STR(text, "");
}

static void test_hex_n(void)
{
	static const char *const refused[] = { "", "0x1", "g", " 1", "+1", "-1" };
	uint64_t v = 7;

	CHECK(!parse_hex_n("0", 1, 0, &v) && v == 0);
	CHECK(!parse_hex_n("fF", 2, 255, &v) && v == 255);
	CHECK(parse_hex_n("100", 3, 255, &v));
	CHECK(!parse_hex_n("ffffffffffffffff", 16, UINT64_MAX, &v) && v == UINT64_MAX);
	v = 7;
	CHECK(parse_hex_n("10000000000000000", 17, UINT64_MAX, &v) && v == 7);
	CHECK(!parse_hex_n("1aZ", 2, 1000, &v) && v == 0x1a);
	/* Maxima below a digit, and below sixteen. */
	CHECK(parse_hex_n("b", 1, 10, &v));
	CHECK(parse_hex_n("1b", 2, 0x1a, &v));
	CHECK(!parse_hex_n("1a", 2, 0x1a, &v) && v == 0x1a);
	/* Hex digits only: no 0x, no blank, no sign. */
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++)
		CHECK(parse_hex_n(refused[i], strlen(refused[i]), 100, &v));
	/* Decimal takes no hex digit. */
	CHECK(parse_uint("1a", 100, &v));
	CHECK(parse_uint("A", 100, &v));
}

static void test_proto(void)
{
	char buf[8];

	CHECK_STR(proto_name(0, PROTO_NAMES_BOTSINK), "ip");
	CHECK(!proto_name(0, PROTO_NAMES_IANA));
	CHECK_STR(proto_name(IPPROTO_ICMPV6, PROTO_NAMES_BOTSINK), "icmpv6");
	CHECK_STR(proto_name(IPPROTO_ICMPV6, PROTO_NAMES_IANA), "ipv6-icmp");
	CHECK_STR(proto_name(IPPROTO_GRE, PROTO_NAMES_IANA), "gre");
	CHECK(!proto_name(IPPROTO_GRE, PROTO_NAMES_BOTSINK));
	CHECK(!proto_name(253, PROTO_NAMES_IANA));
	CHECK_STR(proto_name_or_number(IPPROTO_UDP, buf, sizeof(buf)), "udp");
	CHECK_STR(proto_name_or_number(IPPROTO_GRE, buf, sizeof(buf)), "47");
	CHECK_STR(proto_name_or_number(0, buf, sizeof(buf)), "0");
}

int main(void)
{
	test_proto();
	test_uint();
	test_int();
	test_size();
	test_duration();
	test_seconds();
	test_hex();
	test_hex_n();
	return unit_report("parse");
}
