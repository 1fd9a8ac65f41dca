// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The rule parser: header fields (addresses, ports, protocol, action),
 * options (msg, sid, rev, classtype, metadata, flags), lines, and the
 * errors of a file with many bad rules.
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include "botsink_abi.h"
#include "rules.h"
#include "unit.h"

#define FILE_NAME "test.rules"

static char text_buf[2048];

static void put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void put(const char *fmt, ...)
{
	size_t n = strlen(text_buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text_buf + n, sizeof(text_buf) - n, fmt, ap);
	va_end(ap);
}

/*
 * "any !10.0.0.0/8 10.1.0.0/16": the set as a decision list, "any" when
 * its default is in, then its prefixes shortest first, '!' for the ones out.
 */
static void put_addr_set(const struct addr_set *s)
{
	char p[PREFIX_TEXT_LEN];
	const char *sep = "";

	if (s->dflt) {
		put("any");
		sep = " ";
	}
	for (size_t i = 0; i < s->n; i++, sep = " ") {
		prefix_format(&s->items[i].prefix, p, sizeof(p));
		put("%s%s%s", sep, s->items[i].in ? "" : "!", p);
	}
}

/* "1-49,51-100 list": the resolved ranges and port_class(). */
static void put_port_set(const struct port_set *ps)
{
	static const char *const class_names[] = { "exact", "list", "any" };

	for (size_t i = 0; i < ps->n; i++)
		put("%s%u-%u", i ? "," : "", ps->ranges[i].lo, ps->ranges[i].hi);
	put(" %s", class_names[port_class(ps)]);
}

static void put_flags(const struct rule *r)
{
	if (!r->has_flags) {
		put("none");
		return;
	}
	put("%s 0x%02x 0x%02x",
	    r->flags_op == BOTSINK_FLAGS_EQ ? "eq" :
	    r->flags_op == BOTSINK_FLAGS_NE ? "ne" :
					      "any",
	    r->flags_mask, r->flags_value);
}

enum part { SRC, DST, SPORT, DPORT, FLAGS, FAMILY };

/*
 * Parse one rule and describe one part of it, or "error: <reason>". The
 * result lives in a static buffer until the next call.
 */
static const char *parse_part(const char *rule, enum part part)
{
	struct rule_set rs;
	const struct rule *r;

	rules_parse_buffer(FILE_NAME, rule, &rs);
	text_buf[0] = '\0';
	if (rs.nerrors) {
		put("error: %s", rs.errors[0].reason ? rs.errors[0].reason : "(null)");
		goto out;
	}
	if (rs.n != 1) {
		put("%zu rules", rs.n);
		goto out;
	}
	r = &rs.rules[0];
	if (part == SRC)
		put_addr_set(&r->src);
	else if (part == DST)
		put_addr_set(&r->dst);
	else if (part == SPORT)
		put_port_set(&r->sport);
	else if (part == DPORT)
		put_port_set(&r->dport);
	else if (part == FLAGS)
		put_flags(r);
	else
		put("%s", r->family);
out:
	rules_free(&rs);
	return text_buf;
}

static const char *dst_of(const char *dst)
{
	char rule[512];

	snprintf(rule, sizeof(rule), "alert tcp any any -> %s any (sid:1;)", dst);
	return parse_part(rule, DST);
}

static const char *src_of(const char *src)
{
	char rule[512];

	snprintf(rule, sizeof(rule), "alert tcp %s any -> any any (sid:1;)", src);
	return parse_part(rule, SRC);
}

static const char *dport_of(const char *dport)
{
	char rule[512];

	snprintf(rule, sizeof(rule), "alert tcp any any -> any %s (sid:1;)", dport);
	return parse_part(rule, DPORT);
}

static const char *sport_of(const char *sport)
{
	char rule[512];

	snprintf(rule, sizeof(rule), "alert udp any %s -> any any (sid:1;)", sport);
	return parse_part(rule, SPORT);
}

static const char *flags_of(const char *keyword, const char *value)
{
	char rule[512];

	snprintf(rule, sizeof(rule), "alert tcp any any -> any any (%s:%s; sid:1;)", keyword,
		 value);
	return parse_part(rule, FLAGS);
}

static const char *family_of(const char *options)
{
	char rule[512];

	snprintf(rule, sizeof(rule), "alert tcp any any -> any any (%s sid:1;)", options);
	return parse_part(rule, FAMILY);
}

/* Parse text that must be free of errors; returns the number of rules. */
static size_t parse_clean(const char *text, struct rule_set *rs)
{
	CHECK_INT(rules_parse_buffer(FILE_NAME, text, rs), 0);
	CHECK_INT(rs->nerrors, 0);
	for (size_t i = 0; i < rs->nerrors; i++)
		fprintf(stderr, "  line %u: %s\n", rs->errors[i].line, rs->errors[i].reason);
	return rs->n;
}

static void test_protocols_actions(void)
{
	static const char text[] = "alert tcp any any -> any any (sid:1;)\n"
				   "drop udp any any -> any any (sid:2;)\n"
				   "reject ip any any -> any any (sid:3;)\n"
				   "rejectboth tcp any any -> any any (sid:4;)\n";
	struct rule_set rs;

	if (parse_clean(text, &rs) == 4) {
		CHECK_INT(rs.rules[0].proto, IPPROTO_TCP);
		CHECK_INT(rs.rules[1].proto, IPPROTO_UDP);
		CHECK_INT(rs.rules[2].proto, 0);
		CHECK_INT(rs.rules[3].proto, IPPROTO_TCP);
		for (size_t i = 0; i < 4; i++) {
			CHECK_INT(rs.rules[i].sid, i + 1);
			CHECK_INT(rs.rules[i].line, i + 1);
		}
		CHECK_STR(rule_proto_name(rs.rules[0].proto), "tcp");
		CHECK_STR(rule_proto_name(rs.rules[1].proto), "udp");
		CHECK_STR(rule_proto_name(rs.rules[2].proto), "ip");
		CHECK(rules_find_sid(&rs, 3) == &rs.rules[2]);
		CHECK(rules_find_sid(&rs, 5) == NULL);
	} else {
		CHECK(0);
	}
	CHECK_STR(rs.path, FILE_NAME);
	rules_free(&rs);
}

static void test_addresses(void)
{
	CHECK_STR(dst_of("any"), "any");
	CHECK_STR(dst_of("$HOME_NET"), "any");
	CHECK_STR(dst_of("$EXTERNAL_NET"), "any");
	CHECK_STR(dst_of("$SINKHOLE"), "any");
	CHECK_STR(dst_of("203.0.113.5"), "203.0.113.5/32");
	CHECK_STR(dst_of("203.0.113.77/24"), "203.0.113.0/24");
	CHECK_STR(dst_of("10.255.255.255/8"), "10.0.0.0/8");
	CHECK_STR(dst_of("0.0.0.0/0"), "0.0.0.0/0");
	CHECK_STR(dst_of("2001:db8::1"), "2001:db8::1/128");
	CHECK_STR(dst_of("2001:db8:ffff::1/32"), "2001:db8::/32");
	CHECK_STR(dst_of("2001:db8::7/127"), "2001:db8::6/127");
	CHECK_STR(dst_of("::/0"), "::/0");
	/* Shortest first, in the 16-byte form: an IPv4 /24 is a /120. */
	CHECK_STR(dst_of("[203.0.113.0/24,2001:db8::/32]"), "2001:db8::/32 203.0.113.0/24");
	CHECK_STR(dst_of("[1.2.3.4, 5.6.7.8]"), "1.2.3.4/32 5.6.7.8/32");
	CHECK_STR(dst_of("[10.0.0.0/8,[192.168.0.0/16,[172.16.0.0/12]]]"),
		  "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16");
	CHECK_STR(dst_of("!1.2.3.4"), "any !1.2.3.4/32");
	CHECK_STR(dst_of("[10.0.0.0/8,!10.1.0.0/16]"), "10.0.0.0/8 !10.1.0.0/16");
	/*
	 * As Suricata reads them: a list is its plain terms minus its negated
	 * ones, and '!' complements: everything but (1.2.3.0/24 minus 1.2.3.4).
	 */
	CHECK_STR(dst_of("![1.2.3.0/24,!1.2.3.4]"), "any !1.2.3.0/24 1.2.3.4/32");
	CHECK_STR(dst_of("![10.0.0.0/8,![10.1.0.0/16,!10.1.2.0/24]]"),
		  "any !10.0.0.0/8 10.1.0.0/16 !10.1.2.0/24");
	CHECK_STR(dst_of("[10.0.0.0/8,!10.0.0.0/8,10.1.2.3]"),
		  "error: destination address '[10.0.0.0/8,!10.0.0.0/8,10.1.2.3]' matches nothing");
	CHECK_STR(dst_of("[1.2.3.0/24,1.2.3.4]"), "1.2.3.0/24");
	/* Empty although a prefix is listed: both halves are taken out again. */
	CHECK_STR(
		dst_of("[203.0.113.0/24,!203.0.113.0/25,!203.0.113.128/25]"),
		"error: destination address '[203.0.113.0/24,!203.0.113.0/25,!203.0.113.128/25]' matches nothing");
	CHECK_STR(dst_of("[$HOME_NET,!203.0.113.250]"), "any !203.0.113.250/32");
	CHECK_STR(src_of("[10.0.0.0/8,!10.1.0.0/16,2001:db8::/32]"),
		  "2001:db8::/32 10.0.0.0/8 !10.1.0.0/16");
	/* As a source a variable is any source, negated or not. */
	CHECK_STR(src_of("!$HOME_NET"), "any");
	CHECK_STR(src_of("[!$HOME_NET,!10.0.0.0/8]"), "any !10.0.0.0/8");
}

/* IPv4 is kept IPv4-mapped, an IPv4 /n as a /(96+n); host bits are zero. */
static void test_address_storage(void)
{
	static const uint8_t v4[16] = { [10] = 0xff, [11] = 0xff, [12] = 10, [13] = 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x20 };
	struct rule_set rs;
	const struct rule *r;

	if (parse_clean("alert tcp 10.1.2.3/16 any -> 2001:db8:20:ffff::1/44 any (sid:1;)", &rs) !=
	    1) {
		CHECK(0);
		rules_free(&rs);
		return;
	}
	r = &rs.rules[0];
	CHECK_INT(r->src.n, 1);
	CHECK_INT(r->dst.n, 1);
	CHECK(!r->src.dflt && !r->dst.dflt);
	if (r->src.n == 1 && r->dst.n == 1) {
		CHECK(r->src.items[0].in && r->dst.items[0].in);
		CHECK_INT(r->src.items[0].prefix.len, 96 + 16);
		CHECK(memcmp(r->src.items[0].prefix.addr.s6_addr, v4, 16) == 0);
		CHECK_INT(r->dst.items[0].prefix.len, 44);
		CHECK(memcmp(r->dst.items[0].prefix.addr.s6_addr, v6, 16) == 0);
	}
	rules_free(&rs);
}

static void test_ports(void)
{
	CHECK_STR(dport_of("80"), "80-80 exact");
	CHECK_STR(dport_of("[80]"), "80-80 exact");
	CHECK_STR(dport_of("80:80"), "80-80 exact");
	CHECK_STR(dport_of("[80,80]"), "80-80 exact");
	CHECK_STR(dport_of("0"), "0-0 exact");
	CHECK_STR(dport_of("65535"), "65535-65535 exact");
	CHECK_STR(dport_of("[80,443]"), "80-80,443-443 list");
	CHECK_STR(dport_of("[443,81,80]"), "80-81,443-443 list");
	CHECK_STR(dport_of("[ 80 , 443 ]"), "80-80,443-443 list");
	CHECK_STR(dport_of("[1:10,5:20,21]"), "1-21 list");
	CHECK_STR(dport_of("1024:2048"), "1024-2048 list");
	CHECK_STR(dport_of("1024:"), "1024-65535 list");
	CHECK_STR(dport_of(":1023"), "0-1023 list");
	CHECK_STR(dport_of("!80"), "0-79,81-65535 list");
	CHECK_STR(dport_of("!0"), "1-65535 list");
	CHECK_STR(dport_of("[1:100,!50]"), "1-49,51-100 list");
	CHECK_STR(dport_of("[1:100,!1,!100]"), "2-99 list");
	CHECK_STR(dport_of("![0:1023]"), "1024-65535 list");
	CHECK_STR(dport_of("[any,!80]"), "0-79,81-65535 list");
	CHECK_STR(dport_of("$HTTP_PORTS"), "80-80 exact");
	CHECK_STR(dport_of("!$HTTP_PORTS"), "0-79,81-65535 list");
	CHECK_STR(dport_of("$FILE_DATA_PORTS"), "80-80,110-110,143-143 list");
	CHECK_STR(dport_of("$SHELLCODE_PORTS"), "0-79,81-65535 list");
	CHECK_STR(dport_of("any"), "0-65535 any");
	CHECK_STR(dport_of("[0:65535]"), "0-65535 any");
	CHECK_STR(dport_of("0:"), "0-65535 any");
	CHECK_STR(sport_of("any"), "0-65535 any");
	CHECK_STR(sport_of("[1024:,!8080]"), "1024-8079,8081-65535 list");
}

/* Suricata's FlagsMatch (src/detect-tcp-flags.c), as documented. */
static bool suricata_flags_match(uint8_t pkt, char modifier, uint8_t want, uint8_t ignored)
{
	uint8_t seen = pkt & (uint8_t)~ignored;

	if (!want && pkt)
		return modifier == '!';
	switch (modifier) {
	case '*':
		return (seen & want) != 0;
	case '+':
		return (seen & want) == want;
	case '!':
		return (seen & want) != want;
	default:
		return seen == want;
	}
}

static bool compiled_flags_match(uint8_t pkt, uint8_t op, uint8_t mask, uint8_t value)
{
	bool eq = (pkt & mask) == value;

	return op == BOTSINK_FLAGS_EQ ? eq : !eq;
}

/*
 * Each flags value, its exact compiled form, and Suricata's reading of it
 * (modifier, flags, ignored flags): the two must agree on all 256 values
 * of the TCP flags byte.
 */
static void test_flags(void)
{
	static const struct {
		const char *value;
		uint8_t op, mask, match; /* compiled */
		char modifier;
		uint8_t flags, ignored; /* Suricata */
	} v[] = {
		{ "S", BOTSINK_FLAGS_EQ, 0xff, 0x02, 0, 0x02, 0 },
		{ "S,12", BOTSINK_FLAGS_EQ, 0x3f, 0x02, 0, 0x02, 0xc0 },
		{ "S,CE", BOTSINK_FLAGS_EQ, 0x3f, 0x02, 0, 0x02, 0xc0 },
		{ "S, 12", BOTSINK_FLAGS_EQ, 0x3f, 0x02, 0, 0x02, 0xc0 },
		{ "SA", BOTSINK_FLAGS_EQ, 0xff, 0x12, 0, 0x12, 0 },
		{ "SA+", BOTSINK_FLAGS_EQ, 0x12, 0x12, '+', 0x12, 0 },
		{ "+SA", BOTSINK_FLAGS_EQ, 0x12, 0x12, '+', 0x12, 0 },
		{ "S+", BOTSINK_FLAGS_EQ, 0x02, 0x02, '+', 0x02, 0 },
		{ "*SA", BOTSINK_FLAGS_NE, 0x12, 0x00, '*', 0x12, 0 },
		{ "SA*", BOTSINK_FLAGS_NE, 0x12, 0x00, '*', 0x12, 0 },
		{ "*SAF,A", BOTSINK_FLAGS_NE, 0x03, 0x00, '*', 0x13, 0x10 },
		{ "!R", BOTSINK_FLAGS_NE, 0x04, 0x04, '!', 0x04, 0 },
		{ "!SA", BOTSINK_FLAGS_NE, 0x12, 0x12, '!', 0x12, 0 },
		{ "!SA,A", BOTSINK_FLAGS_NE, 0x02, 0x12, '!', 0x12, 0x10 },
		{ "0", BOTSINK_FLAGS_EQ, 0xff, 0x00, 0, 0, 0 },
		{ "+0", BOTSINK_FLAGS_EQ, 0xff, 0x00, '+', 0, 0 },
		{ "!0", BOTSINK_FLAGS_NE, 0xff, 0x00, '!', 0, 0 },
		{ "0,12", BOTSINK_FLAGS_EQ, 0xff, 0x00, 0, 0, 0xc0 },
		{ "12", BOTSINK_FLAGS_EQ, 0xff, 0xc0, 0, 0xc0, 0 },
		{ "1", BOTSINK_FLAGS_EQ, 0xff, 0x80, 0, 0x80, 0 },
		{ "E", BOTSINK_FLAGS_EQ, 0xff, 0x40, 0, 0x40, 0 },
		{ "S+,1", BOTSINK_FLAGS_EQ, 0x02, 0x02, '+', 0x02, 0x80 },
		{ "SA,2", BOTSINK_FLAGS_EQ, 0xbf, 0x12, 0, 0x12, 0x40 },
		{ "FSRPAUEC", BOTSINK_FLAGS_EQ, 0xff, 0xff, 0, 0xff, 0 },
		{ "FA,PU", BOTSINK_FLAGS_EQ, 0xd7, 0x11, 0, 0x11, 0x28 },
	};
	char want[64];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int disagree = 0;

		snprintf(want, sizeof(want), "%s 0x%02x 0x%02x",
			 v[i].op == BOTSINK_FLAGS_EQ ? "eq" : "ne", v[i].mask, v[i].match);
		CHECK_STR(flags_of("flags", v[i].value), want);
		for (unsigned int pkt = 0; pkt < 256; pkt++)
			disagree += compiled_flags_match((uint8_t)pkt, v[i].op, v[i].mask,
							 v[i].match) !=
				    suricata_flags_match((uint8_t)pkt, v[i].modifier, v[i].flags,
							 v[i].ignored);
		if (disagree)
			fprintf(stderr, "  flags:%s disagrees with Suricata\n", v[i].value);
		CHECK_INT(disagree, 0);
	}
	CHECK_STR(flags_of("tcp.flags", "S,12"), "eq 0x3f 0x02");
	CHECK_STR(flags_of("msg", "\"no flags\""), "none");
	CHECK_STR(parse_part("alert ip any any -> any any (flags:S; sid:1;)", FLAGS),
		  "eq 0xff 0x02");
}

static void test_options(void)
{
	static const char text[] =
		"alert tcp any any -> any any (msg:\"say \\\"hi\\\" \\\\ back\\; slash\"; "
		"sid:42; rev:7; classtype:trojan-activity; "
		"metadata:created_at 2020_01_01, malware_family Zeus, updated_at 2021_02_02;)\n"
		"alert tcp any any -> any any (msg:\"m\";sid:4294967295;)\n";
	struct rule_set rs;

	if (parse_clean(text, &rs) != 2) {
		CHECK(0);
		rules_free(&rs);
		return;
	}
	CHECK_STR(rs.rules[0].msg, "say \"hi\" \\ back; slash");
	CHECK_INT(rs.rules[0].sid, 42);
	CHECK_INT(rs.rules[0].rev, 7);
	CHECK_STR(rs.rules[0].classtype, "trojan-activity");
	CHECK_STR(rs.rules[0].family, "zeus");
	CHECK_INT(rs.rules[0].flags_op, BOTSINK_FLAGS_ANY);
	CHECK(!rs.rules[0].has_flags);
	CHECK_STR(rs.rules[1].msg, "m");
	CHECK_INT(rs.rules[1].sid, 4294967295u);
	CHECK_INT(rs.rules[1].rev, 0);
	CHECK(rs.rules[1].classtype == NULL);
	rules_free(&rs);

	if (parse_clean("alert tcp any any -> any any (sid:9;)", &rs) == 1) {
		CHECK(rs.rules[0].msg == NULL);
		CHECK_STR(rs.rules[0].family, "unknown");
	}
	rules_free(&rs);
}

static void test_family(void)
{
	CHECK_STR(family_of("msg:\"ET TROJAN Zeus gate\";"), "zeus");
	CHECK_STR(family_of("msg:\"Zeus gate check-in\";"), "zeus");
	CHECK_STR(family_of("msg:\"ET MALWARE LocalNRD Spyware Checkin\";"), "localnrd");
	CHECK_STR(family_of("msg:\"ET CNC Feodo Tracker Reported CnC Server\";"), "feodo");
	CHECK_STR(family_of("msg:\"ETPRO TROJAN MOBILE_MALWARE Android.Joker\";"), "joker");
	CHECK_STR(family_of("msg:\"ET MALWARE Win32/Zbot Checkin\";"), "zbot");
	CHECK_STR(family_of("msg:\"ET TROJAN W32.Blackshades/Shadesrat Backdoor\";"), "shadesrat");
	CHECK_STR(family_of("msg:\"ET TROJAN Win32.TreasureHunter Checkin\";"), "treasurehunter");
	CHECK_STR(family_of("msg:\"ET TROJAN \";"), "trojan");
	CHECK_STR(family_of("msg:\"MIRAI\";"), "mirai"); /* the last word even in capitals */
	CHECK_STR(family_of("msg:\"ET TROJAN\";"), "trojan");
	CHECK_STR(family_of("msg:\"\";"), "unknown");
	CHECK_STR(family_of(""), "unknown");
	/* metadata wins over msg, in either order; the first malware_family counts */
	CHECK_STR(family_of("msg:\"ET TROJAN Zeus\"; metadata:malware_family Sality;"), "sality");
	CHECK_STR(family_of("metadata:malware_family SALITY; msg:\"ET TROJAN Zeus\";"), "sality");
	CHECK_STR(family_of("metadata:malware_family Emotet; metadata:malware_family Other;"),
		  "emotet");
	CHECK_STR(family_of("metadata:former_category MALWARE, malware_family  Cobalt_Strike ;"),
		  "cobalt_strike");
	CHECK_STR(family_of("metadata:created_at 2020_01_01; msg:\"ET TROJAN Qakbot\";"), "qakbot");
}

/* Keywords that describe a rule or never narrow what it matches. */
static void test_ignored_keywords(void)
{
	static const char text[] =
		"alert tcp $EXTERNAL_NET any -> $HOME_NET 80 (msg:\"ok\"; gid:1; priority:2; "
		"reference:url,example.com/x; target:dest_ip; "
		"threshold:type limit, track by_src, count 1, seconds 60; "
		"flow:to_server,established; flow:from_client; flowbits:set,x; flowbits:unset,y; "
		"flowbits:toggle,z; flow:stateless; sid:1;)\n";
	struct rule_set rs;

	CHECK_INT(parse_clean(text, &rs), 1);
	rules_free(&rs);
}

/* Continued lines, comments, blank lines; the first line numbers a rule. */
static const char lines_text[] = "# header comment\n"
				 "\n"
				 "alert tcp any any -> any 80 (msg:\"multi\"; \\\n"
				 "    flags:S; \\\n"
				 "    rev:2; sid:1;)\n"
				 "   \t\n"
				 "  # indented comment\n"
				 "alert udp any any -> any 53 (sid:2;)\n"
				 "# a commented-out rule ends in a backslash \\\n"
				 "alert tcp any any -> any 443 (sid:3;)\n"
				 "alert tcp any any -> any 22 \\\n"
				 "(sid:4;)";

static void check_lines(const char *text)
{
	struct rule_set rs;

	if (parse_clean(text, &rs) != 4) {
		CHECK(0);
		rules_free(&rs);
		return;
	}
	CHECK_INT(rs.rules[0].sid, 1);
	CHECK_INT(rs.rules[0].line, 3);
	CHECK_STR(rs.rules[0].msg, "multi");
	CHECK_INT(rs.rules[0].flags_value, 0x02);
	CHECK_INT(rs.rules[0].rev, 2);
	CHECK_INT(rs.rules[1].sid, 2);
	CHECK_INT(rs.rules[1].line, 8);
	CHECK_INT(rs.rules[2].sid, 3);
	CHECK_INT(rs.rules[2].line, 10);
	CHECK_INT(rs.rules[3].sid, 4);
	CHECK_INT(rs.rules[3].line, 11);
	CHECK_INT(rs.rules[3].dport.n, 1);
	CHECK_INT(rs.rules[3].dport.ranges[0].lo, 22);
	rules_free(&rs);
}

static void test_lines(void)
{
	char crlf[sizeof(lines_text) * 2];
	size_t n = 0;

	check_lines(lines_text);
	for (const char *c = lines_text; *c; c++) {
		if (*c == '\n')
			crlf[n++] = '\r';
		crlf[n++] = *c;
	}
	crlf[n] = '\0';
	check_lines(crlf);
}

#define GOOD(text, sid)         \
	{                       \
		text, NULL, sid \
	}
#define BAD(text, reason)       \
	{                       \
		text, reason, 0 \
	}
#define OTHER(text)           \
	{                     \
		text, NULL, 0 \
	}

/*
 * One file, many bad rules between good ones: each error names its line
 * and says why; the good rules still parse.
 */
static const struct {
	const char *text;
	const char *reason; /* NULL: a good rule, comment or blank line */
	unsigned int sid; /* of a good rule */
} mixed[] = {
	GOOD("alert tcp any any -> any 80 (msg:\"ok\"; sid:1;)", 1),
	GOOD("alert udp any any -> any 53 (sid:1000;)", 1000),
	BAD("alert http any any -> any any (sid:2;)",
	    "protocol 'http' is not supported (tcp, udp, ip)"),
	BAD("pass tcp any any -> any any (sid:3;)", "action 'pass' is not supported"),
	BAD("alert tcp any any <> any any (sid:4;)",
	    "bidirectional rules ('<>') are not supported"),
	BAD("alert tcp any any => any any (sid:5;)",
	    "expected '->' between source and destination, found '=>'"),
	BAD("alert tcp any any -> any (sid:6;)", "rule header needs 7 fields"),
	BAD("alert tcp any any -> any any 80 (sid:7;)", "found more than 7"),
	OTHER("# a comment between the rules"),
	BAD("alert tcp 1.2.3.256 any -> any any (sid:8;)", "invalid address '1.2.3.256'"),
	BAD("alert tcp any any -> 203.0.113.0/33 any (sid:9;)", "invalid address '203.0.113.0/33'"),
	BAD("alert tcp any any -> 2001:db8::/129 any (sid:10;)",
	    "invalid address '2001:db8::/129'"),
	BAD("alert tcp any any -> 10.0.0.0/ any (sid:11;)", "invalid address '10.0.0.0/'"),
	BAD("alert tcp any any -> ::ffff:1.2.3.4 any (sid:12;)",
	    "invalid address '::ffff:1.2.3.4'"),
	BAD("alert tcp any any -> any 8o (sid:13;)", "invalid port '8o'"),
	BAD("alert tcp any any -> any 90:80 (sid:14;)", "invalid port range '90:80'"),
	BAD("alert tcp any any -> any 65536 (sid:15;)", "invalid port '65536'"),
	BAD("alert tcp any any -> any 1:65536 (sid:16;)", "invalid port range '1:65536'"),
	BAD("alert tcp any any -> any : (sid:17;)", "invalid port range ':'"),
	BAD("alert tcp any any -> any 1:!5 (sid:18;)", "invalid port range '1:!5'"),
	GOOD("alert tcp any any -> 203.0.113.0/24 80 (sid:101;)", 101),
	BAD("alert tcp any any -> any [] (sid:19;)", "empty port list '[]'"),
	BAD("alert tcp [] any -> any any (sid:20;)", "empty address list '[]'"),
	BAD("alert tcp [1.2.3.4]] any -> any any (sid:21;)", "unbalanced ']'"),
	BAD("alert tcp [1.2.3.4 any -> any any (sid:22;)", "unbalanced '['"),
	BAD("alert tcp any any -> any [80,[81] (sid:23;)", "unbalanced '['"),
	BAD("alert tcp any any -> !any any (sid:24;)",
	    "destination address '!any' matches nothing"),
	BAD("alert tcp [!any] any -> any any (sid:25;)", "source address '[!any]' matches nothing"),
	BAD("alert tcp any any -> any !any (sid:26;)", "port '!any' matches nothing"),
	BAD("alert tcp any any -> any [80,!80] (sid:27;)", "port '[80,!80]' matches nothing"),
	BAD("alert ip any 80 -> any any (sid:28;)", "ports need protocol tcp or udp, not ip"),
	BAD("alert ip any any -> any 80 (sid:29;)", "ports need protocol tcp or udp, not ip"),
	BAD("alert udp any any -> any any (flags:S; sid:30;)", "flags need protocol tcp (or ip)"),
	BAD("alert tcp any any -> any any (flags:SX; sid:31;)", "flags: unknown flag 'X'"),
	BAD("alert tcp any any -> any any (flags:+S*; sid:32;)",
	    "flags: only one modifier is allowed"),
	BAD("alert tcp any any -> any any (flags:S,X; sid:33;)",
	    "flags: unknown flag 'X' in the ignore mask"),
	BAD("alert tcp any any -> any any (flags:S,; sid:34;)", "flags: empty ignore mask"),
	BAD("alert tcp any any -> any any (flags:S0; sid:35;)", "flags: invalid value 'S0'"),
	BAD("alert tcp any any -> any any (flags:; sid:36;)", "flags: invalid value ''"),
	BAD("alert tcp any any -> any any (flags:*0; sid:37;)", "flags: '*0' can never match"),
	BAD("alert tcp any any -> any any (flags:S,S; sid:38;)",
	    "flags: 'S,S' ignores a flag it requires: it can never match"),
	BAD("alert tcp any any -> any any (flags:S; tcp.flags:A; sid:39;)", "flags given twice"),
	OTHER(""),
	BAD("alert tcp any any -> any any (msg:\"no sid\";)", "rule has no sid"),
	BAD("alert tcp any any -> any any (sid:0;)", "sid must be an integer from 1 to 4294967295"),
	BAD("alert tcp any any -> any any (sid:12a;)",
	    "sid must be an integer from 1 to 4294967295"),
	BAD("alert tcp any any -> any any (sid:-1;)",
	    "sid must be an integer from 1 to 4294967295"),
	BAD("alert tcp any any -> any any (sid:4294967296;)",
	    "sid must be an integer from 1 to 4294967295"),
	BAD("alert tcp any any -> any any (sid;)", "sid must be an integer from 1 to 4294967295"),
	BAD("alert tcp any any -> 203.0.113.9 any (sid:1000;)",
	    "duplicate sid 1000 (first defined at line 2)"),
	BAD("alert tcp any any -> any any (sid:40; sid:41;)", "sid given twice"),
	BAD("alert tcp any any -> any any (content:\"x\"; sid:42;)",
	    "keyword 'content' is not supported in XDP"),
	BAD("alert tcp any any -> any any (pcre:\"/x/\"; sid:43;)",
	    "keyword 'pcre' is not supported in XDP"),
	BAD("alert tcp any any -> any any (flow:to_client; sid:44;)",
	    "keyword 'flow:to_client' is not supported in XDP"),
	BAD("alert tcp any any -> any any (flow:established, from_server; sid:45;)",
	    "keyword 'flow:from_server' is not supported in XDP"),
	BAD("alert tcp any any -> any any (flowbits:isset,x; sid:46;)",
	    "keyword 'flowbits:isset' is not supported in XDP"),
	BAD("alert tcp any any -> any any (flowbits:s,x; sid:47;)",
	    "keyword 'flowbits:s' is not supported in XDP"),
	BAD("alert tcp any any -> any any (flowbits:set,x; flowbits:noalert; sid:147;)",
	    "keyword 'flowbits:noalert' is not supported in XDP"),
	BAD("alert tcp any any -> any any (sid:148; noalert;)",
	    "keyword 'noalert' is not supported in XDP"),
	BAD("alert tcp any any -> any any (msg:\"x\"; sid:48)",
	    "option 'sid:48' is not terminated by ';'"),
	BAD("alert tcp any any -> any any (sid:49;) x", "unexpected text after ')'"),
	BAD("alert tcp any any -> any any", "rule has no '(...)' options"),
	BAD("alert tcp any any -> any $FOO_PORTS (sid:50;)",
	    "port variable '$FOO_PORTS' is not defined"),
	BAD("alert tcp any any -> any any (msg:hello; sid:51;)", "msg must be a quoted string"),
	BAD("alert tcp any any -> any any (msg:\"a\"b\"; sid:52;)", "unescaped '\"' in msg"),
	BAD("alert tcp any any -> any any (msg:\"a\"; msg:\"b\"; sid:53;)", "msg given twice"),
	BAD("alert tcp any any -> any any (rev:x; sid:54;)", "rev must be a non-negative integer"),
	BAD("alert tcp any any -> any any (rev:1; rev:2; sid:55;)", "rev given twice"),
	BAD("alert tcp any any -> any any (classtype; sid:56;)", "classtype needs a value"),
	BAD("alert tcp any any -> any any (sid:57;;)", "empty option"),
	BAD("alert tcp any any -> any any (msg:\"continued\"; \\\n    content:\"x\"; sid:58;)",
	    "keyword 'content' is not supported in XDP"),
	GOOD("alert tcp any any -> any $HTTP_PORTS (msg:\"last\"; sid:102;)", 102),
};

#define NMIXED (sizeof(mixed) / sizeof(mixed[0]))

/* The error reported for `line`, or NULL. */
static const struct rule_error *error_at(const struct rule_set *rs, unsigned int line)
{
	for (size_t i = 0; i < rs->nerrors; i++)
		if (rs->errors[i].line == line)
			return &rs->errors[i];
	return NULL;
}

static const struct rule *rule_at(const struct rule_set *rs, unsigned int line)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->rules[i].line == line)
			return &rs->rules[i];
	return NULL;
}

/* mixed[] as one file; line[i] is where mixed[i] starts. */
static char *mixed_file(unsigned int line[NMIXED])
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	unsigned int at = 1;

	for (size_t i = 0; i < NMIXED; i++) {
		line[i] = at;
		fprintf(f, "%s\n", mixed[i].text);
		for (const char *c = mixed[i].text; *c; c++)
			at += *c == '\n';
		at++;
	}
	fclose(f);
	return text;
}

static void test_errors(void)
{
	unsigned int line[NMIXED];
	size_t nerr = 0, nrules = 0;
	struct rule_set rs;
	char *text = mixed_file(line);

	CHECK_INT(rules_parse_buffer(FILE_NAME, text, &rs), 0);
	for (size_t i = 0; i < NMIXED; i++) {
		const struct rule_error *e = error_at(&rs, line[i]);
		const struct rule *r = rule_at(&rs, line[i]);

		nerr += mixed[i].reason != NULL;
		nrules += mixed[i].sid != 0;
		if (mixed[i].reason && !(e && e->reason && strstr(e->reason, mixed[i].reason)))
			fprintf(stderr, "line %u: \"%s\" does not say \"%s\"\n", line[i],
				e && e->reason ? e->reason : "(no error)", mixed[i].reason);
		if (!mixed[i].reason && e)
			fprintf(stderr, "line %u: unexpected error \"%s\"\n", line[i], e->reason);
		CHECK(mixed[i].reason ? e && e->reason && strstr(e->reason, mixed[i].reason) : !e);
		CHECK(mixed[i].sid ? r && r->sid == mixed[i].sid : !r);
	}
	CHECK_INT(rs.nerrors, nerr);
	CHECK_INT(rs.n, nrules);
	rules_free(&rs);
	free(text);
}

int main(void)
{
	test_protocols_actions();
	test_addresses();
	test_address_storage();
	test_ports();
	test_flags();
	test_options();
	test_family();
	test_ignored_keywords();
	test_lines();
	test_errors();
	return unit_report("test_rules");
}
