// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The rule parser: header fields (addresses, ports, protocol, action),
 * options (msg, sid, rev, classtype, metadata, flags), lines, and the
 * errors of a file with many bad rules.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <glob.h>
#include <unistd.h>
#include "botsink_abi.h"
#include "lib/util.h"
#include "rules/rule_parser.h"
#include "rules/rules.h"
#include "unit.h"

#define FILE_NAME "test.rules"

static char text_buf[2048];

#define put(...) unit_append(text_buf, sizeof(text_buf), __VA_ARGS__)

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

/* Printable bytes as they are, the others as |hex| runs, as rules write them. */
static void put_bytes(const uint8_t *b, size_t n)
{
	bool hex = false;

	for (size_t i = 0; i < n; i++) {
		bool plain = b[i] >= 0x20 && b[i] < 0x7f && !strchr("|\"\\", b[i]);

		if (plain)
			put("%s%c", hex ? "|" : "", b[i]);
		else
			put(hex ? " %02x" : "|%02x", b[i]);
		hex = !plain;
	}
	if (hex)
		put("|");
}

/* http.uri !"a|0d 0a|" nocase fast_pattern offset 1 depth 2 distance -1 within 3 */
static void put_content(const struct rule_content *c)
{
	put("%s %s\"", rule_buffer_name(c->buffer), c->negated ? "!" : "");
	put_bytes(c->bytes, c->len);
	put("\"%s%s%s%s", c->nocase ? " nocase" : "", c->fast_pattern ? " fast_pattern" : "",
	    c->endswith ? " endswith" : "", c->dotprefix ? " dotprefix" : "");
	if (c->has_offset)
		put(" offset %d", c->offset);
	if (c->has_depth)
		put(" depth %d", c->depth);
	if (c->has_distance)
		put(" distance %d", c->distance);
	if (c->has_within)
		put(" within %d", c->within);
}

static void put_contents(const struct rule *r)
{
	if (!r->ncontents)
		put("none");
	for (size_t i = 0; i < r->ncontents; i++) {
		put("%s", i ? "; " : "");
		put_content(&r->contents[i]);
	}
}

static void put_dsize(const struct rule *r)
{
	if (!r->has_dsize)
		put("none");
	else
		put("%s%u-%u", r->dsize_not ? "not " : "", r->dsize_lo, r->dsize_hi);
}

/* "tcp http": the transport and the application protocol. */
static void put_app(const struct rule *r)
{
	static const char *const apps[] = { "none", "http", "dns" };

	put("%s %s", rule_proto_name(r->proto), apps[r->app]);
}

static void put_dropped(const struct rule *r)
{
	if (!r->ndropped)
		put("none");
	for (size_t i = 0; i < r->ndropped; i++)
		put("%s%s", i ? ", " : "", r->dropped[i].keyword);
}

enum part { SRC, DST, SPORT, DPORT, FLAGS, FAMILY, CONTENTS, DSIZE, APP, DOMAINS, CHECKS, DROPPED };

static const char *const check_kinds[] = {
	[CHECK_BSIZE] = "bsize",
	[CHECK_URILEN] = "urilen",
	[CHECK_ISDATAAT] = "isdataat",
};

/* "bsize http.uri 5-5 after 1; isdataat payload not 0-3 relative after 0" */
static void put_checks(const struct rule *r)
{
	if (!r->nchecks)
		put("none");
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct rule_check *c = &r->checks[i];

		put("%s%s %s%s%s %u-%u%s after %zu", i ? "; " : "", check_kinds[c->kind],
		    rule_buffer_name(c->buffer), c->dotprefix ? " dotprefix" : "",
		    c->out ? " not" : "", c->lo, c->hi, c->relative ? " relative" : "", c->after);
	}
}

static void put_part(const struct rule *r, enum part part)
{
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
	else if (part == FAMILY)
		put("%s", r->family);
	else if (part == CONTENTS)
		put_contents(r);
	else if (part == DSIZE)
		put_dsize(r);
	else if (part == APP)
		put_app(r);
	else if (part == DOMAINS)
		put("%s", r->domains ? r->domains : "none");
	else if (part == CHECKS)
		put_checks(r);
	else
		put_dropped(r);
}

/*
 * Parse one rule (from a file called `name`) and describe one part of it,
 * or "error: <reason>". The result lives in a static buffer until the
 * next call.
 */
static const char *describe(const char *name, const char *rule, bool lenient, enum part part)
{
	struct rule_set rs;

	rules_parse_buffer_opts(name, rule, lenient, &rs);
	text_buf[0] = '\0';
	if (rs.nerrors)
		put("error: %s", rs.errors[0].reason ? rs.errors[0].reason : "(null)");
	else if (rs.n != 1)
		put("%zu rules", rs.n);
	else
		put_part(&rs.rules[0], part);
	rules_free(&rs);
	return text_buf;
}

static const char *parse_part(const char *rule, enum part part)
{
	return describe(FILE_NAME, rule, false, part);
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
	/* Runs across the 64-port words the set is scanned by. */
	CHECK_STR(dport_of("[63,64]"), "63-64 list");
	CHECK_STR(dport_of("[0:63,128:191,255]"), "0-63,128-191,255-255 list");
	CHECK_STR(dport_of("65472:"), "65472-65535 list");
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

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
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
		"alert tcp any any -> any any (msg:\"m\";sid:4294967294;)\n";
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
	CHECK_INT(rs.rules[1].sid, 4294967294u);
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
	CHECK_STR(family_of("msg:\"ET TROJAN Possible Hiloti DNS Checkin\";"), "hiloti");
	CHECK_STR(family_of("msg:\"ET TROJAN Likely Suspicious Zbot POST\";"), "zbot");
	CHECK_STR(family_of("msg:\"Possible\";"), "unknown"); /* generic words never are */
	CHECK_STR(family_of("msg:\"Zeus gate check-in\";"), "zeus");
	CHECK_STR(family_of("msg:\"ET MALWARE LocalNRD Spyware Checkin\";"), "localnrd");
	CHECK_STR(family_of("msg:\"ET CNC Feodo Tracker Reported CnC Server\";"), "feodo");
	CHECK_STR(family_of("msg:\"ETPRO TROJAN MOBILE_MALWARE Android.Joker\";"), "joker");
	CHECK_STR(family_of("msg:\"ET MALWARE Win32/Zbot Checkin\";"), "zbot");
	CHECK_STR(family_of("msg:\"ET TROJAN W32.Blackshades/Shadesrat Backdoor\";"),
		  "blackshades");
	CHECK_STR(family_of("msg:\"ET TROJAN Win32.TreasureHunter Checkin\";"), "treasurehunter");
	CHECK_STR(family_of("msg:\"ET TROJAN \";"), "unknown");
	CHECK_STR(family_of("msg:\"MIRAI\";"), "mirai"); /* the last word even in capitals */
	CHECK_STR(family_of("msg:\"ET TROJAN\";"), "unknown");
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
/* Real ET Open msgs (the shared 2019 and 2024 sets) and their families. */
static void test_family_et(void)
{
	static const struct {
		const char *options, *family;
	} cases[] = {
		/* Platform/Name wins over the first word */
		{ "msg:\"ET MALWARE Win32/Pikabot CnC Checkin\";", "pikabot" },
		{ "msg:\"ET MALWARE Win32/Adware.Kraddare.FJ Checkin\";", "kraddare" },
		{ "msg:\"ET MALWARE W32/Wajam.Adware Successful Install\";", "wajam" },
		{ "msg:\"ET MALWARE MSIL/Adload.AT Beacon\";", "adload" },
		{ "msg:\"ET TROJAN Win32/Spy.Tuscas\";", "tuscas" },
		{ "msg:\"ET TROJAN Win32/Spy.Banker.ABCG Checkin\";", "unknown" },
		{ "msg:\"ET TROJAN MSIL/Spy.RapidStealer.B Checkin\";", "rapidstealer" },
		/* the first name-like word */
		{ "msg:\"ET TROJAN Dridex/Bugat/Feodo POST Checkin\";", "dridex" },
		{ "msg:\"ET TROJAN Dridex POST Checkin\";", "dridex" },
		{ "msg:\"ET TROJAN W32.Qakbot Request for Compromised FTP Sites\";", "qakbot" },
		{ "msg:\"ET TROJAN W32.Qakbot Update Request\";", "qakbot" },
		{ "msg:\"ET CNC Feodo Tracker Reported CnC Server group 1\";", "feodo" },
		{ "msg:\"ET TROJAN Emotet CnC Beacon\";", "emotet" },
		{ "msg:\"ET TROJAN Possible Emotet DGA NXDOMAIN Responses\";", "emotet" },
		{ "msg:\"ET TROJAN Likely Geodo/Emotet Downloading PE\";", "geodo" },
		{ "msg:\"ET TROJAN Backdoor family PCRat/Gh0st CnC traffic (OUTBOUND) 7\";",
		  "pcrat" },
		{ "msg:\"ET MOBILE_MALWARE Android Spy PREDATOR CnC Domain in DNS Lookup\";",
		  "predator" },
		/* what used to give request, query, successful */
		{ "msg:\"ET TROJAN Request for utu.dat Likely Ponmocup checkin\";", "utu" },
		{ "msg:\"ET INFO DYNAMIC_DNS HTTP Request to a *.3d-game.com Domain\";",
		  "unknown" },
		{ "msg:\"ET TROJAN Query to Known CnC Domain msnsolution.nicaze.net\";",
		  "msnsolution" },
		{ "msg:\"ET MALWARE Successful QuizScope Installation\";", "quizscope" },
		{ "msg:\"ET MALWARE Win32.EZula Adware Reporting Successful Install\";", "ezula" },
		{ "msg:\"ET HUNTING HTTP POST Request XOR Key 01\";", "unknown" },
		{ "msg:\"ET USER_AGENTS Observed Suspicious UA (\\xa4)\";", "unknown" },
		{ "msg:\"Query to a *.pw domain - Likely Hostile\";", "unknown" },
		/* metadata first; a generic malware_family leaves it to the next one or msg */
		{ "msg:\"ET TROJAN Backdoor family PCRat/Gh0st CnC traffic\"; "
		  "metadata:malware_family Gh0st, malware_family PCRAT;",
		  "gh0st" },
		{ "msg:\"ET TROJAN Locky CnC\"; metadata:malware_family Ransomware;", "locky" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_STR(family_of(cases[i].options), cases[i].family);
}

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
struct case_line {
	const char *text;
	const char *reason; /* NULL: a good rule, comment or blank line */
	unsigned int sid; /* of a good rule */
};

static const struct case_line mixed[] = {
	GOOD("alert tcp any any -> any 80 (msg:\"ok\"; sid:1;)", 1),
	GOOD("alert udp any any -> any 53 (sid:1000;)", 1000),
	BAD("alert tls any any -> any any (sid:2;)",
	    "protocol 'tls' is not supported (tcp, udp, ip, http, dns)"),
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
	BAD("alert tcp any any -> any any (sid:0;)", "sid must be an integer from 1 to 4294967294"),
	BAD("alert tcp any any -> any any (sid:12a;)",
	    "sid must be an integer from 1 to 4294967294"),
	BAD("alert tcp any any -> any any (sid:-1;)",
	    "sid must be an integer from 1 to 4294967294"),
	BAD("alert tcp any any -> any any (sid:4294967296;)",
	    "sid must be an integer from 1 to 4294967294"),
	BAD("alert tcp any any -> any any (sid;)", "sid must be an integer from 1 to 4294967294"),
	BAD("alert tcp any any -> any any (sid:4294967295;)",
	    "sid must be an integer from 1 to 4294967294"),
	BAD("alert tcp any any -> 203.0.113.9 any (sid:1000;)",
	    "duplicate sid 1000 (first defined at line 2)"),
	BAD("alert tcp any any -> any any (sid:40; sid:41;)", "sid given twice"),
	BAD("alert tcp any any -> any any (byte_test:1,>,2,0; sid:42;)",
	    "keyword 'byte_test' is not supported in XDP"),
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
	BAD("alert tcp any any -> any any (msg:\"continued\"; \\\n    pcre:\"/x/\"; sid:58;)",
	    "keyword 'pcre' is not supported in XDP"),
	GOOD("alert tcp any any -> any $HTTP_PORTS (msg:\"last\"; sid:102;)", 102),
};

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

/* The cases as one file; line[i] is where cases[i] starts. */
static char *case_file(const struct case_line *cases, size_t n, unsigned int *line)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	unsigned int at = 1;

	for (size_t i = 0; i < n; i++) {
		line[i] = at;
		fprintf(f, "%s\n", cases[i].text);
		for (const char *c = cases[i].text; *c; c++)
			at += *c == '\n';
		at++;
	}
	fclose(f);
	return text;
}

static bool reason_matches(const struct rule_error *e, const char *want, bool exact)
{
	if (!e || !e->reason)
		return false;
	return exact ? strcmp(e->reason, want) == 0 : strstr(e->reason, want) != NULL;
}

/*
 * One file, many bad rules between good ones: each error names its line
 * and says why (the whole message when `exact`); the good rules still parse.
 */
static void check_cases(const struct case_line *cases, size_t n, bool exact)
{
	unsigned int *line = calloc(n, sizeof(*line));
	size_t nerr = 0, nrules = 0;
	struct rule_set rs;
	char *text = case_file(cases, n, line);

	CHECK_INT(rules_parse_buffer(FILE_NAME, text, &rs), 0);
	for (size_t i = 0; i < n; i++) {
		const struct rule_error *e = error_at(&rs, line[i]);
		const struct rule *r = rule_at(&rs, line[i]);
		bool ok = cases[i].reason ? reason_matches(e, cases[i].reason, exact) : !e;

		nerr += cases[i].reason != NULL;
		nrules += cases[i].sid != 0;
		if (!ok)
			fprintf(stderr, "line %u: \"%s\" is not \"%s\"\n", line[i],
				e && e->reason ? e->reason : "(no error)",
				cases[i].reason ? cases[i].reason : "(no error)");
		CHECK(ok);
		CHECK(cases[i].sid ? r && r->sid == cases[i].sid : !r);
	}
	CHECK_INT(rs.nerrors, nerr);
	CHECK_INT(rs.n, nrules);
	rules_free(&rs);
	free(text);
	free(line);
}

static void test_errors(void)
{
	check_cases(mixed, ARRAY_SIZE(mixed), false);
}

/* ---- payload keywords ---- */

/* The contents of a tcp rule with these options. */
static const char *contents_of(const char *options)
{
	char rule[1024];

	snprintf(rule, sizeof(rule), "alert tcp any any -> any any (%s sid:1;)", options);
	return parse_part(rule, CONTENTS);
}

static const char *part_of(const char *proto, const char *options, enum part part)
{
	char rule[1024];

	snprintf(rule, sizeof(rule), "alert %s any any -> any any (%s sid:1;)", proto, options);
	return parse_part(rule, part);
}

static void test_content_strings(void)
{
	CHECK_STR(contents_of("content:\"gate.php\";"), "payload \"gate.php\"");
	CHECK_STR(contents_of("content:\"|41 42|C\";"), "payload \"ABC\"");
	CHECK_STR(contents_of("content:\"|4142|\";"), "payload \"AB\"");
	CHECK_STR(contents_of("content:\"a|0d 0A|b\";"), "payload \"a|0d 0a|b\"");
	CHECK_STR(contents_of("content:\"| 00  01 |\";"), "payload \"|00 01|\"");
	CHECK_STR(contents_of("content:\"|7c|\";"), "payload \"|7c|\"");
	CHECK_STR(contents_of("content:\"say \\\"hi\\\"\";"), "payload \"say |22|hi|22|\"");
	CHECK_STR(contents_of("content:\"a\\\\b\\;c\\:d\";"), "payload \"a|5c|b;c:d\"");
	CHECK_STR(contents_of("content:\"Host:\";"), "payload \"Host:\"");
	CHECK_STR(contents_of("content:\"Hello, world\";"), "payload \"Hello, world\"");
	CHECK_STR(contents_of("content:!\"x\";"), "payload !\"x\"");
	CHECK_STR(contents_of("content: ! \"x\";"), "payload !\"x\"");
	CHECK_STR(contents_of("content:\"a\"; content:\"b\";"), "payload \"a\"; payload \"b\"");
	CHECK_STR(contents_of("msg:\"none\";"), "none");
}

static void test_content_modifiers(void)
{
	CHECK_STR(contents_of("content:\"ab\"; nocase;"), "payload \"ab\" nocase");
	CHECK_STR(contents_of("content:\"ab\"; offset:0;"), "payload \"ab\" offset 0");
	CHECK_STR(contents_of("content:\"ab\"; offset:3; depth:2;"),
		  "payload \"ab\" offset 3 depth 2");
	CHECK_STR(contents_of("content:\"ab\"; depth:65535;"), "payload \"ab\" depth 65535");
	CHECK_STR(contents_of("content:\"a\"; content:\"bc\"; distance:-1; within:2;"),
		  "payload \"a\"; payload \"bc\" distance -1 within 2");
	CHECK_STR(contents_of("content:\"a\"; content:\"b\"; distance:0;"),
		  "payload \"a\"; payload \"b\" distance 0");
	/* The first content may be relative: to the start of its buffer. */
	CHECK_STR(contents_of("content:\"ab\"; within:5;"), "payload \"ab\" within 5");
	CHECK_STR(contents_of("content:\"ab\"; fast_pattern;"), "payload \"ab\" fast_pattern");
	CHECK_STR(contents_of("content:\"ab\"; fast_pattern:only;"), "payload \"ab\" fast_pattern");
	CHECK_STR(contents_of("content:\"ab\"; fast_pattern:0,2;"), "payload \"ab\" fast_pattern");
	CHECK_STR(contents_of("content:\"ab\"; rawbytes;"), "payload \"ab\"");
	CHECK_STR(contents_of("content:\"ab\"; startswith;"), "payload \"ab\" offset 0 depth 2");
	CHECK_STR(contents_of("content:\"ab\"; nocase; content:\"c\"; depth:1;"),
		  "payload \"ab\" nocase; payload \"c\" depth 1");
	CHECK_STR(contents_of("content:!\"ab\"; depth:5; nocase;"),
		  "payload !\"ab\" nocase depth 5");
	/* Descriptive keywords between a content and its modifiers change nothing. */
	CHECK_STR(contents_of("content:\"ab\"; msg:\"x\"; depth:4;"), "payload \"ab\" depth 4");
}

static void test_buffers(void)
{
	/* Legacy modifiers move the content before them. */
	CHECK_STR(contents_of("content:\"GET\"; http_method;"), "http.method \"GET\"");
	CHECK_STR(contents_of("content:\"/a\"; http_uri;"), "http.uri \"/a\"");
	CHECK_STR(contents_of("content:\"/a\"; http_raw_uri;"), "http.uri \"/a\"");
	CHECK_STR(contents_of("content:\"X-A\"; http_header;"), "http.header \"X-A\"");
	CHECK_STR(contents_of("content:\"X-A\"; http_raw_header;"), "http.header \"X-A\"");
	CHECK_STR(contents_of("content:\"KUKU\"; nocase; http_user_agent; depth:4;"),
		  "http.user_agent \"KUKU\" nocase depth 4");
	CHECK_STR(contents_of("content:\"evil.example\"; http_host;"),
		  "http.host \"evil.example\"");
	CHECK_STR(contents_of("content:\"a=\"; http_client_body;"), "http.request_body \"a=\"");
	CHECK_STR(contents_of("content:\"a\"; content:\"b\"; http_uri; content:\"c\";"),
		  "payload \"a\"; http.uri \"b\"; payload \"c\"");
	CHECK_STR(contents_of("uricontent:\"/x\"; nocase; uricontent:\"y\";"),
		  "http.uri \"/x\" nocase; http.uri \"y\"");
	/* Sticky buffers hold until the next one; pkt_data goes back to the payload. */
	CHECK_STR(contents_of("http.method; content:\"GET\"; http.uri; content:\"/a\"; "
			      "content:\"b\"; pkt_data; content:\"c\";"),
		  "http.method \"GET\"; http.uri \"/a\"; http.uri \"b\"; payload \"c\"");
	CHECK_STR(contents_of("http.uri.raw; content:\"/a\";"), "http.uri \"/a\"");
	CHECK_STR(contents_of("http.header; content:\"A\"; http.header.raw; content:\"B\";"),
		  "http.header \"A\"; http.header \"B\"");
	CHECK_STR(contents_of("http.user_agent; content:\"UA\";"), "http.user_agent \"UA\"");
	CHECK_STR(contents_of("http.host; content:\"a.example\";"), "http.host \"a.example\"");
	CHECK_STR(contents_of("http.host; content:\"A.example\"; nocase;"),
		  "http.host \"A.example\" nocase");
	CHECK_STR(contents_of("http.request_body; content:\"k=\";"), "http.request_body \"k=\"");
	CHECK_STR(contents_of("content:\"a\"; pkt_data; content:\"b\"; http_uri;"),
		  "payload \"a\"; http.uri \"b\"");
	CHECK_STR(part_of("udp", "dns.query; content:\"evil\";", CONTENTS), "dns.query \"evil\"");
	/* dns_query is a sticky buffer too (Suricata 5 and later). */
	CHECK_STR(part_of("dns",
			  "content:\"|01 00 00 01|\"; offset:2; depth:4; dns_query; "
			  "content:\"drivres-update\";",
			  CONTENTS),
		  "payload \"|01 00 00 01|\" offset 2 depth 4; dns.query \"drivres-update\"");
}

/* The buffers decide the application protocol; the header may name it. */
static void test_protocols_apps(void)
{
	CHECK_STR(part_of("http", "", APP), "tcp http");
	CHECK_STR(part_of("dns", "", APP), "udp dns");
	CHECK_STR(part_of("tcp", "", APP), "tcp none");
	CHECK_STR(part_of("tcp", "content:\"x\";", APP), "tcp none");
	CHECK_STR(part_of("tcp", "content:\"x\"; http_uri;", APP), "tcp http");
	CHECK_STR(part_of("tcp", "http.user_agent; content:\"x\";", APP), "tcp http");
	CHECK_STR(part_of("udp", "dns.query; content:\"x\";", APP), "udp dns");
	CHECK_STR(part_of("dns", "dns.query; content:\"x\";", APP), "udp dns");
	CHECK_STR(part_of("http", "content:\"x\"; http_header;", APP), "tcp http");
	CHECK_STR(part_of("http", "content:\"x\";", CONTENTS), "payload \"x\"");
	CHECK_STR(part_of("ip", "content:\"x\";", APP), "ip none");
}

static void test_dsize(void)
{
	CHECK_STR(part_of("udp", "dsize:20;", DSIZE), "20-20");
	CHECK_STR(part_of("udp", "dsize:0;", DSIZE), "0-0");
	CHECK_STR(part_of("udp", "dsize:65535;", DSIZE), "65535-65535");
	CHECK_STR(part_of("udp", "dsize:<50;", DSIZE), "0-49");
	CHECK_STR(part_of("udp", "dsize: <50;", DSIZE), "0-49");
	CHECK_STR(part_of("udp", "dsize:<1;", DSIZE), "0-0");
	CHECK_STR(part_of("udp", "dsize:<=50;", DSIZE), "0-50");
	CHECK_STR(part_of("udp", "dsize:>50;", DSIZE), "51-65535");
	CHECK_STR(part_of("udp", "dsize:>=50;", DSIZE), "50-65535");
	CHECK_STR(part_of("udp", "dsize:>65534;", DSIZE), "65535-65535");
	/* Exclusive, as in Suricata: 300<>400 is 301 to 399. */
	CHECK_STR(part_of("udp", "dsize:300<>400;", DSIZE), "301-399");
	CHECK_STR(part_of("udp", "dsize:300 <> 400;", DSIZE), "301-399");
	CHECK_STR(part_of("udp", "dsize:5<>7;", DSIZE), "6-6");
	CHECK_STR(part_of("udp", "dsize:!0;", DSIZE), "not 0-0");
	CHECK_STR(part_of("tcp", "dsize:!8;", DSIZE), "not 8-8");
	CHECK_STR(part_of("tcp", "msg:\"x\";", DSIZE), "none");
}

/* domains:FILE is next to the rules file, unless absolute. */
static void test_domains_path(void)
{
	static const char rule[] = "alert dns any any -> any any (domains:%s; sid:1;)";
	static const struct {
		const char *rules_file, *value, *path;
	} v[] = {
		{ "test.rules", "sinkholed.txt", "sinkholed.txt" },
		{ "test.rules", "lists/a.txt", "lists/a.txt" },
		{ "etc/botsink/x.rules", "sinkholed.txt", "etc/botsink/sinkholed.txt" },
		{ "/etc/botsink/x.rules", "sinkholed.txt", "/etc/botsink/sinkholed.txt" },
		{ "/x.rules", "d.txt", "/d.txt" },
		{ "/etc/botsink/x.rules", "/var/lib/d.txt", "/var/lib/d.txt" },
		{ "etc/x.rules", "\"with space.txt\"", "etc/with space.txt" },
		{ "./x.rules", "../d.txt", "./../d.txt" },
	};
	char text[256];

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		snprintf(text, sizeof(text), rule, v[i].value);
		CHECK_STR(describe(v[i].rules_file, text, false, DOMAINS), v[i].path);
	}
	CHECK_STR(part_of("udp", "dns.query; content:\"x\"; domains:d.txt;", DOMAINS), "d.txt");
	CHECK_STR(part_of("dns", "domains:d.txt;", APP), "udp dns");
}

/* Each payload error, with its exact message and line. */
static const struct case_line payload_cases[] = {
	BAD("alert smtp any any -> any any (sid:1;)",
	    "protocol 'smtp' is not supported (tcp, udp, ip, http, dns)"),
	GOOD("alert http any any -> any 80 (content:\"GET\"; http_method; sid:2;)", 2),
	BAD("alert tcp any any -> any any (content:abc; sid:3;)",
	    "content must be a quoted string"),
	BAD("alert tcp any any -> any any (content:\"abc; sid:4;)",
	    "content must be a quoted string"),
	BAD("alert tcp any any -> any any (content:; sid:5;)", "content must be a quoted string"),
	BAD("alert tcp any any -> any any (content:\"\"; sid:6;)", "content is empty"),
	BAD("alert tcp any any -> any any (content:\"||\"; sid:7;)", "content is empty"),
	BAD("alert tcp any any -> any any (content:\"|4|\"; sid:8;)",
	    "content: odd number of hex digits in '|4|'"),
	BAD("alert tcp any any -> any any (content:\"a|41 4|b\"; sid:9;)",
	    "content: odd number of hex digits in '|41 4|'"),
	BAD("alert tcp any any -> any any (content:\"|4g|\"; sid:10;)",
	    "content: 'g' is not a hex digit in '|4g|'"),
	BAD("alert tcp any any -> any any (content:\"|41\"; sid:11;)",
	    "content: '|' is not closed"),
	BAD("alert tcp any any -> any any (content:\"a\\x\"; sid:12;)",
	    "content: '\\x' is not an escape (\\\" \\\\ \\; \\: or |hex|)"),
	BAD("alert tcp any any -> any any (content:\"a\"b\"; sid:13;)",
	    "unescaped '\"' in content"),
	BAD("alert tcp any any -> any any (content:\"ab\\\"; sid:14;)",
	    "content: '\\' at the end escapes the closing quote"),
	BAD("alert tcp any any -> any any (uricontent:\"\"; sid:15;)", "uricontent is empty"),
	OTHER("# modifiers"),
	BAD("alert tcp any any -> any any (nocase; content:\"a\"; sid:16;)",
	    "'nocase' needs a preceding content"),
	BAD("alert tcp any any -> any any (depth:4; content:\"a\"; sid:17;)",
	    "'depth' needs a preceding content"),
	BAD("alert tcp any any -> any any (http_uri; content:\"a\"; sid:18;)",
	    "'http_uri' needs a preceding content"),
	BAD("alert tcp any any -> any any (content:\"a\"; nocase; nocase; sid:19;)",
	    "'nocase' given twice on one content"),
	BAD("alert tcp any any -> any any (content:\"a\"; depth:1; depth:2; sid:20;)",
	    "'depth' given twice on one content"),
	BAD("alert tcp any any -> any any (content:\"a\"; fast_pattern; fast_pattern:only; sid:21;)",
	    "'fast_pattern' given twice on one content"),
	BAD("alert tcp any any -> any any (content:\"abcd\"; depth:3; sid:22;)",
	    "depth 3 is less than the content's length (4)"),
	BAD("alert tcp any any -> any any (content:\"abcd\"; within:3; sid:23;)",
	    "within 3 is less than the content's length (4)"),
	BAD("alert tcp any any -> any any (content:\"a\"; depth:0; sid:24;)",
	    "depth 0 is less than the content's length (1)"),
	BAD("alert tcp any any -> any any (content:\"a\"; offset:-1; sid:25;)",
	    "offset: '-1' is not an integer from 0 to 65535"),
	BAD("alert tcp any any -> any any (content:\"a\"; depth:1x; sid:26;)",
	    "depth: '1x' is not an integer from 0 to 65535"),
	BAD("alert tcp any any -> any any (content:\"a\"; depth:70000; sid:27;)",
	    "depth: '70000' is not an integer from 0 to 65535"),
	BAD("alert tcp any any -> any any (content:\"a\"; distance:-70000; sid:28;)",
	    "distance: '-70000' is not an integer from -65535 to 65535"),
	BAD("alert tcp any any -> any any (content:\"a\"; within:; sid:29;)",
	    "within: '' is not an integer from 0 to 65535"),
	BAD("alert tcp any any -> any any (content:\"a\"; depth:var; sid:30;)",
	    "keyword 'depth:var' is not supported in XDP"),
	BAD("alert tcp any any -> any any (content:\"a\"; depth:1; distance:0; sid:31;)",
	    "'depth' and 'distance' on one content mix absolute and relative positions"),
	BAD("alert tcp any any -> any any (content:\"a\"; within:1; offset:0; sid:32;)",
	    "'within' and 'offset' on one content mix absolute and relative positions"),
	BAD("alert tcp any any -> any any (content:\"a\"; startswith; offset:1; sid:33;)",
	    "'offset' cannot be combined with startswith"),
	BAD("alert tcp any any -> any any (content:\"a\"; distance:1; startswith; sid:34;)",
	    "'startswith' cannot be combined with distance"),
	BAD("alert tcp any any -> any any (content:\"a\"; fast_pattern:x; sid:35;)",
	    "fast_pattern: invalid value 'x' (only, or offset,length)"),
	BAD("alert tcp any any -> any any (content:\"a\"; nocase:1; sid:36;)",
	    "'nocase' takes no value"),
	GOOD("alert tcp any any -> any any (content:\"a\"; endswith; sid:37;)", 37),
	GOOD("alert tcp any any -> any any (content:\"a\"; content:\"b\"; distance:0; within:1; "
	     "sid:38;)",
	     38),
	OTHER("# buffers"),
	BAD("alert tcp any any -> any any (content:\"a\"; http_uri; http_header; sid:39;)",
	    "'http_header' on a content already placed by 'http_uri'"),
	BAD("alert tcp any any -> any any (content:\"a\"; http_uri; http_uri; sid:40;)",
	    "'http_uri' given twice on one content"),
	BAD("alert tcp any any -> any any (uricontent:\"a\"; http_header; sid:41;)",
	    "'http_header' on a content already placed by 'uricontent'"),
	BAD("alert tcp any any -> any any (http.uri; content:\"a\"; http_header; sid:42;)",
	    "'http_header' cannot follow the sticky buffer 'http.uri' (pkt_data resets it)"),
	BAD("alert tcp any any -> any any (http.uri:x; content:\"a\"; sid:43;)",
	    "'http.uri' takes no value"),
	BAD("alert udp any any -> any any (content:\"a\"; http_uri; sid:44;)",
	    "http buffers need protocol tcp or http"),
	BAD("alert ip any any -> any any (http.header; content:\"a\"; sid:45;)",
	    "http buffers need protocol tcp or http"),
	BAD("alert dns any any -> any any (http.uri; content:\"a\"; sid:46;)",
	    "http buffers need protocol tcp or http"),
	BAD("alert tcp any any -> any any (dns.query; content:\"a\"; sid:47;)",
	    "dns.query is matched over UDP only"),
	BAD("alert http any any -> any any (dns_query; content:\"a\"; sid:48;)",
	    "dns.query is matched over UDP only"),
	BAD("alert ip any any -> any any (dns.query; content:\"a\"; sid:49;)",
	    "dns.query is matched over UDP only"),
	BAD("alert http any any -> any any (http.host; content:\"Evil.example\"; sid:50;)",
	    "http.host content must be lowercase (the buffer is normalized)"),
	BAD("alert http any any -> any any (content:\"|41|\"; http_host; sid:51;)",
	    "http.host content must be lowercase (the buffer is normalized)"),
	GOOD("alert http any any -> any any (content:\"EVIL\"; nocase; http_host; sid:52;)", 52),
	GOOD("alert udp any any -> any 53 (dns.query; content:\"evil\"; sid:53;)", 53),
	OTHER("# dsize"),
	BAD("alert udp any any -> any any (dsize:70000; sid:54;)",
	    "dsize: '70000' is not a size (N, <N, >N, A<>B or !N, from 0 to 65535)"),
	BAD("alert udp any any -> any any (dsize:abc; sid:55;)",
	    "dsize: 'abc' is not a size (N, <N, >N, A<>B or !N, from 0 to 65535)"),
	BAD("alert udp any any -> any any (dsize:-1; sid:56;)",
	    "dsize: '-1' is not a size (N, <N, >N, A<>B or !N, from 0 to 65535)"),
	/* Past the range of long: refused, with no arithmetic on the overflow. */
	BAD("alert udp any any -> any any (dsize:99999999999999999999<>5; sid:5801;)",
	    "dsize: '99999999999999999999<>5' is not a size (N, <N, >N, A<>B or !N, from 0 to 65535)"),
	BAD("alert udp any any -> any any (dsize:>99999999999999999999; sid:5802;)",
	    "dsize: '>99999999999999999999' is not a size (N, <N, >N, A<>B or !N, from 0 to 65535)"),
	BAD("alert udp any any -> any any (dsize:<>5; sid:57;)",
	    "dsize: '<>5' is not a size (N, <N, >N, A<>B or !N, from 0 to 65535)"),
	BAD("alert udp any any -> any any (dsize:; sid:58;)",
	    "dsize: '' is not a size (N, <N, >N, A<>B or !N, from 0 to 65535)"),
	BAD("alert udp any any -> any any (dsize:<0; sid:59;)", "dsize:<0 can never match"),
	BAD("alert udp any any -> any any (dsize:>65535; sid:60;)", "dsize:>65535 can never match"),
	BAD("alert udp any any -> any any (dsize:5<>6; sid:61;)", "dsize:5<>6 can never match"),
	BAD("alert udp any any -> any any (dsize:6<>5; sid:62;)", "dsize:6<>5 can never match"),
	BAD("alert udp any any -> any any (dsize:1; dsize:2; sid:63;)", "dsize given twice"),
	OTHER("# domains"),
	BAD("alert udp any any -> any any (domains:d.txt; sid:64;)",
	    "domains needs a dns rule (alert dns, or dns.query)"),
	BAD("alert tcp any any -> any any (domains:d.txt; sid:65;)",
	    "domains needs a dns rule (alert dns, or dns.query)"),
	BAD("alert dns any any -> any any (domains:a.txt; domains:b.txt; sid:66;)",
	    "domains given twice"),
	BAD("alert dns any any -> any any (domains:\"\"; sid:67;)", "domains needs a value"),
	BAD("alert dns any any -> any any (domains:; sid:68;)", "domains needs a value"),
	BAD("alert dns any any -> any any (domains; sid:69;)", "domains needs a value"),
	OTHER("# keywords that narrow but cannot be enforced"),
	BAD("alert tcp any any -> any any (content:\"a\"; pcre:\"/a/\"; sid:70;)",
	    "keyword 'pcre' is not supported in XDP"),
	BAD("alert tcp any any -> any any (content:\"a\"; byte_test:1,=,1,0; sid:71;)",
	    "keyword 'byte_test' is not supported in XDP"),
	BAD("alert tcp any any -> any any (file_data; content:\"a\"; sid:72;)",
	    "keyword 'file_data' is not supported in XDP"),
	BAD("alert tcp any any -> any any (http.cookie; content:\"a\"; sid:73;)",
	    "keyword 'http.cookie' is not supported in XDP"),
	BAD("alert tcp any any -> any any (content:\"a\"; http_cookie; sid:74;)",
	    "keyword 'http_cookie' is not supported in XDP"),
	BAD("alert tcp any any -> any any (tls.sni; content:\"a\"; sid:75;)",
	    "keyword 'tls.sni' is not supported in XDP"),
	BAD("alert tcp any any -> any any (tls_sni; content:\"a\"; sid:76;)",
	    "keyword 'tls_sni' is not supported in XDP"),
	BAD("alert tcp any any -> any any (content:\"a\"; entropy:>1; sid:77;)",
	    "keyword 'entropy' is not supported in XDP"),
	BAD("alert tcp any any -> any any (ttl:64; sid:78;)",
	    "keyword 'ttl' is not supported in XDP"),
	BAD("alert tcp any any -> any any (flowbits:isnotset,x; sid:79;)",
	    "keyword 'flowbits:isnotset' is not supported in XDP"),
	BAD("alert tcp any any -> any any (flow:from_server; sid:80;)",
	    "keyword 'flow:from_server' is not supported in XDP"),
	BAD("alert tcp any any -> any any (content:\"a\"; bogus_keyword; sid:81;)",
	    "unknown keyword 'bogus_keyword'"),
	BAD("alert tcp any any -> any any (tls.store; sid:82;)",
	    "keyword 'tls.store' is not supported in XDP"),
	GOOD("alert tcp any any -> any any (content:\"a\"; detection_filter:track by_src, count 5, "
	     "seconds 60; tag:session,5,packets; sid:83;)",
	     83),
	/* A typo is no keyword: an error, with the nearest one when it is close. */
	BAD("alert tcp any any -> any any (content:\"a\"; nocsae; sid:84;)",
	    "unknown keyword 'nocsae' (did you mean 'nocase'?)"),
	BAD("alert tcp any any -> any any (dszie:10; sid:85;)",
	    "unknown keyword 'dszie' (did you mean 'dsize'?)"),
	BAD("alert tcp any any -> any any (contnet:\"a\"; sid:86;)",
	    "unknown keyword 'contnet' (did you mean 'content'?)"),
	/* A dotted name is a buffer only when Suricata has it. */
	BAD("alert tcp any any -> any any (http.bogus_name; content:\"a\"; sid:87;)",
	    "unknown keyword 'http.bogus_name'"),
	BAD("alert tcp any any -> any any (http.cookie:\"a\"; sid:88;)",
	    "'http.cookie' takes no value"),
	BAD("alert tcp any any -> any any (content:\"a\"; tls.version:1.2; sid:89;)",
	    "keyword 'tls.version' is not supported in XDP"),
	OTHER("# endswith, bsize, urilen, isdataat, dotprefix"),
	BAD("alert tcp any any -> any any (endswith; sid:90;)",
	    "'endswith' needs a preceding content"),
	BAD("alert tcp any any -> any any (content:\"a\"; endswith; endswith; sid:91;)",
	    "'endswith' given twice on one content"),
	BAD("alert tcp any any -> any any (content:\"a\"; endswith:1; sid:92;)",
	    "'endswith' takes no value"),
	BAD("alert http any any -> any any (http.uri; bsize:abc; sid:93;)",
	    "bsize: 'abc' is not a size: N, !N, <N, <=N, >N, >=N, or A<>B (A-B) holding a value "
	    "strictly between A and B; at most 18446744073709551615"),
	BAD("alert http any any -> any any (http.uri; bsize:5<>6; sid:94;)",
	    "bsize: '5<>6' is not a size: N, !N, <N, <=N, >N, >=N, or A<>B (A-B) holding a value "
	    "strictly between A and B; at most 18446744073709551615"),
	BAD("alert http any any -> any any (http.uri; bsize:<0; sid:95;)",
	    "bsize: '<0' is not a size: N, !N, <N, <=N, >N, >=N, or A<>B (A-B) holding a value "
	    "strictly between A and B; at most 18446744073709551615"),
	BAD("alert http any any -> any any (http.uri; bsize:5 x; sid:96;)",
	    "bsize: '5 x' is not a size: N, !N, <N, <=N, >N, >=N, or A<>B (A-B) holding a value "
	    "strictly between A and B; at most 18446744073709551615"),
	BAD("alert http any any -> any any (http.uri; bsize:0x0x10; sid:118;)",
	    "bsize: '0x0x10' is not a size: N, !N, <N, <=N, >N, >=N, or A<>B (A-B) holding a "
	    "value strictly between A and B; at most 18446744073709551615"),
	BAD("alert http any any -> any any (bsize:5; sid:97;)",
	    "bsize needs a sticky buffer (http.uri, dns.query, ...) before it"),
	BAD("alert http any any -> any any (bsize; sid:98;)", "bsize needs a value"),
	BAD("alert http any any -> any any (http.uri; content:\"abcdef\"; bsize:<6; sid:99;)",
	    "bsize allows at most 5 bytes: a content needs 6, the rule can never match"),
	BAD("alert http any any -> any any (urilen:5<>3; sid:100;)",
	    "urilen: '5<>3' is not a size: N, !N, <N, <=N, >N, >=N, or A<>B (A-B) holding a value "
	    "strictly between A and B; at most 65535"),
	BAD("alert http any any -> any any (urilen:70000; sid:101;)",
	    "urilen: '70000' is not a size: N, !N, <N, <=N, >N, >=N, or A<>B (A-B) holding a "
	    "value strictly between A and B; at most 65535"),
	BAD("alert http any any -> any any (urilen:5,both; sid:102;)",
	    "urilen: '5,both': only ',raw' or ',norm' may follow the size"),
	BAD("alert udp any any -> any any (urilen:5; sid:103;)",
	    "http buffers need protocol tcp or http"),
	BAD("alert tcp any any -> any any (isdataat; sid:104;)", "isdataat needs a value"),
	BAD("alert tcp any any -> any any (isdataat:relative; sid:105;)",
	    "isdataat: 'relative' is not [!]N[,relative] (N from 0 to 65535)"),
	BAD("alert tcp any any -> any any (isdataat:1,absolute; sid:106;)",
	    "isdataat: '1,absolute' is not [!]N[,relative] (N from 0 to 65535)"),
	BAD("alert tcp any any -> any any (isdataat:-1; sid:107;)",
	    "isdataat: '-1' is not [!]N[,relative] (N from 0 to 65535)"),
	BAD("alert tcp any any -> any any (isdataat:65536; sid:108;)",
	    "isdataat: '65536' is not [!]N[,relative] (N from 0 to 65535)"),
	BAD("alert tcp any any -> any any (content:\"a\"; isdataat:!0,relative; sid:109;)",
	    "isdataat:!0,relative can never match"),
	BAD("alert tcp any any -> any any (content:\"abcdef\"; isdataat:!3; sid:110;)",
	    "isdataat allows at most 3 bytes: a content needs 6, the rule can never match"),
	BAD("alert dns any any -> any any (dotprefix; dns.query; content:\"a\"; sid:111;)",
	    "dotprefix needs a sticky buffer (dns.query, http.host) before it"),
	BAD("alert dns any any -> any any (dns.query; content:\"a\"; dotprefix; sid:112;)",
	    "dotprefix must directly follow its sticky buffer 'dns.query'"),
	BAD("alert dns any any -> any any (dns.query; dotprefix; dotprefix; content:\"a\"; "
	    "sid:113;)",
	    "dotprefix must directly follow its sticky buffer 'dns.query'"),
	BAD("alert dns any any -> any any (dns.query; dotprefix:1; content:\"a\"; sid:114;)",
	    "'dotprefix' takes no value"),
	BAD("alert http any any -> any any (http.uri; dotprefix; content:\"a\"; sid:115;)",
	    "keyword 'dotprefix (on http.uri)' is not supported in XDP"),
	GOOD("alert dns any any -> any any (dns.query; dotprefix; content:\".a.com\"; nocase; "
	     "endswith; bsize:>6; sid:116;)",
	     116),
	GOOD("alert http any any -> any any (http.host; dotprefix; content:\".a.com\"; endswith; "
	     "urilen:<100; isdataat:!1,relative; sid:117;)",
	     117),
};

/* endswith, bsize, urilen, isdataat, dotprefix: what they become. */
static const struct {
	const char *proto, *options;
	enum part part;
	const char *want;
} size_cases[] = {
	{ "tcp", "content:\"a\"; endswith; content:!\"b\"; endswith;", CONTENTS,
	  "payload \"a\" endswith; payload !\"b\" endswith" },
	{ "tcp", "content:\"a\"; startswith; endswith;", CONTENTS,
	  "payload \"a\" endswith offset 0 depth 1" },
	/* Suricata's own reading of isdataat:!1,relative after a content. */
	{ "tcp", "content:\"a\"; isdataat:!1,relative;", CONTENTS, "payload \"a\" endswith" },
	{ "tcp", "content:\"a\"; isdataat:!1,relative;", CHECKS, "none" },
	/* Every integer form: [lo, hi] or outside it. */
	{ "http", "http.uri; bsize:5;", CHECKS, "bsize http.uri 5-5 after 0" },
	{ "http", "http.uri; bsize:=5;", CHECKS, "bsize http.uri 5-5 after 0" },
	{ "http", "http.uri; bsize: = 5 ;", CHECKS, "bsize http.uri 5-5 after 0" },
	{ "http", "http.uri; bsize:!5;", CHECKS, "bsize http.uri not 5-5 after 0" },
	{ "http", "http.uri; bsize:!=5;", CHECKS, "bsize http.uri not 5-5 after 0" },
	{ "http", "http.uri; bsize:<5;", CHECKS, "bsize http.uri 0-4 after 0" },
	{ "http", "http.uri; bsize:<=5;", CHECKS, "bsize http.uri 0-5 after 0" },
	{ "http", "http.uri; bsize:>5;", CHECKS, "bsize http.uri 6-2147483647 after 0" },
	{ "http", "http.uri; bsize:>=5;", CHECKS, "bsize http.uri 5-2147483647 after 0" },
	{ "http", "http.uri; bsize:3<>6;", CHECKS, "bsize http.uri 4-5 after 0" },
	{ "http", "http.uri; bsize:3 <> 6;", CHECKS, "bsize http.uri 4-5 after 0" },
	{ "http", "http.uri; bsize:3-6;", CHECKS, "bsize http.uri 4-5 after 0" },
	{ "http", "http.uri; bsize:!3-6;", CHECKS, "bsize http.uri not 4-5 after 0" },
	{ "http", "http.uri; bsize:0x10;", CHECKS, "bsize http.uri 16-16 after 0" },
	{ "http", "http.uri; bsize:1kb;", CHECKS, "bsize http.uri 1024-1024 after 0" },
	{ "http", "http.uri; bsize:>5000000000;", CHECKS,
	  "bsize http.uri 2147483647-2147483647 after 0" },
	{ "http", "urilen:5<>10, raw;", CHECKS, "urilen http.uri 6-9 after 0" },
	{ "http", "urilen:>3,norm;", CHECKS, "urilen http.uri 4-65535 after 0" },
	{ "tcp", "urilen:1;", APP, "tcp http" },
	{ "dns", "dns.query; dotprefix; content:\".a.com\"; bsize:<10;", CHECKS,
	  "bsize dns.query dotprefix 0-9 after 1" },
	{ "dns", "dns.query; dotprefix; content:\".a.com\"; endswith;", CONTENTS,
	  "dns.query \".a.com\" endswith dotprefix" },
	{ "http", "http.host; dotprefix; content:\".a.com\";", CONTENTS,
	  "http.host \".a.com\" dotprefix" },
	/* isdataat: absolute N is more than N bytes; relative, N bytes or more after. */
	{ "tcp", "isdataat:10;", CHECKS, "isdataat payload 11-2147483647 after 0" },
	{ "tcp", "isdataat:!10;", CHECKS, "isdataat payload 0-10 after 0" },
	{ "tcp", "content:\"a\"; isdataat:10,relative;", CHECKS,
	  "isdataat payload 10-2147483647 relative after 1" },
	{ "tcp", "content:\"a\"; isdataat: !10 , relative, rawbytes;", CHECKS,
	  "isdataat payload 0-9 relative after 1" },
	{ "tcp", "content:\"a\"; http_uri; isdataat:3,relative;", CHECKS,
	  "isdataat http.uri 3-2147483647 relative after 1" },
	{ "tcp", "http.header; isdataat:3; content:\"a\";", CHECKS,
	  "isdataat http.header 4-2147483647 after 0" },
};

static void test_size_checks(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(size_cases); i++)
		CHECK_STR(part_of(size_cases[i].proto, size_cases[i].options, size_cases[i].part),
			  size_cases[i].want);
}

static void test_payload_errors(void)
{
	check_cases(payload_cases, ARRAY_SIZE(payload_cases), true);
}

/* ---- --lenient ---- */

static const char *lenient_of(const char *options, enum part part)
{
	char rule[1024];

	snprintf(rule, sizeof(rule), "alert tcp any any -> 203.0.113.5 80 (%s sid:7;)", options);
	return describe(FILE_NAME, rule, true, part);
}

/* Known but not enforceable: dropped; unknown: an error even so. */
static void test_lenient_unknown(void)
{
	static const char *const cases[][2] = {
		{ "content:\"a\"; tls.version:1.2;", "tls.version" },
		{ "content:\"a\"; nocsae;",
		  "error: unknown keyword 'nocsae' (did you mean 'nocase'?)" },
		{ "dszie:10; content:\"a\";",
		  "error: unknown keyword 'dszie' (did you mean 'dsize'?)" },
		{ "contnet:\"a\";", "error: unknown keyword 'contnet' (did you mean 'content'?)" },
		{ "http.bogus_name; content:\"a\";", "error: unknown keyword 'http.bogus_name'" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_STR(lenient_of(cases[i][0], DROPPED), cases[i][1]);
}

static void test_lenient(void)
{
	CHECK_STR(lenient_of("content:\"a\"; pcre:\"/x/\";", DROPPED), "pcre");
	CHECK_STR(lenient_of("content:\"a\"; pcre:\"/x/\";", CONTENTS), "payload \"a\"");
	CHECK_STR(lenient_of("content:\"a\"; pcre:\"/x/\"; pcre:\"/y/\";", DROPPED), "pcre");
	CHECK_STR(lenient_of("flowbits:isset,x; content:\"a\";", DROPPED), "flowbits:isset");
	CHECK_STR(lenient_of("flowbits:set,x; content:\"a\";", DROPPED), "none");
	CHECK_STR(lenient_of("flow:established,to_client,not_established; content:\"a\";", DROPPED),
		  "flow:to_client, flow:not_established");
	/* A sticky buffer botsink lacks takes its contents and their modifiers. */
	CHECK_STR(lenient_of("file_data; content:\"a\"; nocase; content:\"b\"; distance:0; "
			     "pkt_data; content:\"c\"; depth:1;",
			     DROPPED),
		  "file_data (2 contents)");
	CHECK_STR(lenient_of("file_data; content:\"a\"; nocase; content:\"b\"; distance:0; "
			     "pkt_data; content:\"c\"; depth:1;",
			     CONTENTS),
		  "payload \"c\" depth 1");
	CHECK_STR(lenient_of("content:\"x\"; http.cookie; content:\"a\"; http.uri; content:\"b\";",
			     CONTENTS),
		  "payload \"x\"; http.uri \"b\"");
	CHECK_STR(lenient_of("content:\"x\"; http.cookie; content:\"a\"; http.uri; content:\"b\";",
			     DROPPED),
		  "http.cookie (1 content)");
	CHECK_STR(lenient_of("content:\"x\"; file_data;", DROPPED), "file_data");
	/* A legacy modifier for such a buffer takes the content before it. */
	CHECK_STR(
		lenient_of("content:\"a\"; nocase; http_cookie; depth:1; content:\"b\";", CONTENTS),
		"payload \"b\"");
	CHECK_STR(
		lenient_of("content:\"a\"; nocase; http_cookie; depth:1; content:\"b\";", DROPPED),
		"http_cookie (1 content)");
	/* Positions relative to a dropped pcre would narrow: they go too. */
	CHECK_STR(lenient_of("content:\"a\"; pcre:\"/x/R\"; content:\"b\"; distance:0; within:5;",
			     CONTENTS),
		  "payload \"a\"; payload \"b\"");
	CHECK_STR(lenient_of("content:\"a\"; pcre:\"/x/R\"; content:\"b\"; distance:0; within:5;",
			     DROPPED),
		  "pcre, distance (after pcre), within (after pcre)");
	CHECK_STR(lenient_of("content:\"a\"; pcre:\"/x/\"; content:\"b\"; content:\"c\"; "
			     "distance:0;",
			     CONTENTS),
		  "payload \"a\"; payload \"b\"; payload \"c\" distance 0");
	CHECK_STR(lenient_of("content:\"a\"; byte_extract:1,0,len; content:\"b\"; depth:len;",
			     DROPPED),
		  "byte_extract, depth:len");
	CHECK_STR(lenient_of("content:\"a\"; endswith;", DROPPED), "none");
	CHECK_STR(lenient_of("content:\"a\"; endswith;", CONTENTS), "payload \"a\" endswith");
	/* dotprefix where botsink has no '.' before the buffer: the buffer goes. */
	CHECK_STR(lenient_of("content:\"b\"; http.uri; dotprefix; content:\".a\";", DROPPED),
		  "http.uri; dotprefix (1 content)");
	CHECK_STR(lenient_of("content:\"b\"; http.uri; dotprefix; content:\".a\"; bsize:2;",
			     CONTENTS),
		  "payload \"b\"");
	CHECK_STR(
		lenient_of("content:\"b\"; http.uri; dotprefix; content:\".a\"; bsize:2;", CHECKS),
		"none");
	/* With a dropped buffer, its checks go; after a dropped pcre, relative ones. */
	CHECK_STR(lenient_of("content:\"b\"; tls.sni; bsize:5; isdataat:1;", CHECKS), "none");
	CHECK_STR(lenient_of("content:\"b\"; pcre:\"/x/R\"; isdataat:1,relative;", DROPPED),
		  "pcre, isdataat (after pcre)");
	CHECK_STR(lenient_of("http.uri; bsize:&0xf0=0x10; content:\"a\";", DROPPED),
		  "bsize:&0xf0=0x10 (bitmask)");
	CHECK_STR(lenient_of("content:\"a\"; isdataat:len;", DROPPED), "isdataat:len");
	CHECK_STR(lenient_of("flow:to_client; flags:S;", DROPPED), "flow:to_client");
	CHECK_STR(lenient_of("ttl:64; dsize:5;", DROPPED), "ttl");
	/* Nothing left but the header: refused. */
	CHECK_STR(lenient_of("pcre:\"/x/\";", DROPPED),
		  "error: sid 7: nothing left to match beyond the header after dropping pcre");
	CHECK_STR(
		lenient_of("flow:established,to_client; byte_test:1,>,2,0; file_data; "
			   "content:\"a\";",
			   DROPPED),
		"error: sid 7: nothing left to match beyond the header after dropping flow:to_client, byte_test, file_data (1 content)");
	CHECK_STR(
		lenient_of("content:\"a\"; http_cookie;", DROPPED),
		"error: sid 7: nothing left to match beyond the header after dropping http_cookie (1 content)");
	/* Negated contents alone are not enough either. */
	CHECK_STR(lenient_of("content:!\"a\"; pcre:\"/x/\";", DROPPED),
		  "error: sid 7: nothing left to match beyond the header after dropping pcre");
	/* Malformed syntax and noalert stay errors. */
	CHECK_STR(lenient_of("content:\"|4|\"; pcre:\"/x/\";", DROPPED),
		  "error: content: odd number of hex digits in '|4|'");
	CHECK_STR(lenient_of("content:\"a\"; depth:1x;", DROPPED),
		  "error: depth: '1x' is not an integer from 0 to 65535");
	CHECK_STR(lenient_of("content:\"a\"; flowbits:noalert;", DROPPED),
		  "error: keyword 'flowbits:noalert' is not supported in XDP");
	CHECK_STR(lenient_of("content:\"a\"; noalert;", DROPPED),
		  "error: keyword 'noalert' is not supported in XDP");
	CHECK_STR(lenient_of("pcre; content:\"a\";", DROPPED), "pcre");
	test_lenient_unknown();
	/* Strict mode says nothing was dropped. */
	CHECK_STR(parse_part("alert tcp any any -> any any (content:\"a\"; sid:1;)", DROPPED),
		  "none");
}

/* ---- rules import ---- */

static const char import_text[] =
	"# ET-style header\n"
	"#alert tcp any any -> any any (msg:\"disabled\"; pcre:\"/x/\"; sid:100;)\n"
	"alert tcp any any -> 203.0.113.5 80 (msg:\"ok\"; content:\"a\"; sid:1;)\n"
	"alert tcp any any -> 203.0.113.5 80 (msg:\"pcre\"; content:\"a\"; pcre:\"/x/\"; sid:2;)\n"
	"alert tls any any -> 203.0.113.5 443 (msg:\"tls\"; sid:3;)\n"
	"alert tcp any any -> 203.0.113.5 80 (msg:\"multi\"; \\\n"
	"    content:\"b\"; \\\n"
	"    pcre:\"/y/\"; sid:4;)\r\n"
	"alert tcp any any -> 203.0.113.5 80 (pcre:\"/z/\"; sid:5;)\n"
	"alert tcp any any -> 203.0.113.5 80 (content:\"c\"; sid:6; byte_test:1,>,2,0;)\n"
	"alert tcp any any -> 203.0.113.5 80 (content:\"d\"; file_data; content:\"e\"; "
	"within:4; pkt_data; sid:7;)\n"
	"alert tcp any any -> 203.0.113.5 80 (content:\"f\"; \\\n"
	"    pcre:\"/f/\"; \\\n"
	"    sid:8; \\\n"
	"    ttl:3;)\n";

static const char import_strict_out[] =
	"alert tcp any any -> 203.0.113.5 80 (msg:\"ok\"; content:\"a\"; sid:1;)\n";

static const char import_strict_err[] =
	"t/import.rules:4: keyword 'pcre' is not supported in XDP\n"
	"t/import.rules:5: protocol 'tls' is not supported (tcp, udp, ip, http, dns)\n"
	"t/import.rules:6: keyword 'pcre' is not supported in XDP\n"
	"t/import.rules:9: keyword 'pcre' is not supported in XDP\n"
	"t/import.rules:10: keyword 'byte_test' is not supported in XDP\n"
	"t/import.rules:11: keyword 'file_data' is not supported in XDP\n"
	"t/import.rules:12: keyword 'pcre' is not supported in XDP\n";

static const char import_lenient_out[] =
	"alert tcp any any -> 203.0.113.5 80 (msg:\"ok\"; content:\"a\"; sid:1;)\n"
	"# botsink: sid 2: dropped pcre\n"
	"alert tcp any any -> 203.0.113.5 80 (msg:\"pcre\"; content:\"a\"; sid:2;)\n"
	"# botsink: sid 4: dropped pcre\n"
	"alert tcp any any -> 203.0.113.5 80 (msg:\"multi\"; \\\n"
	"    content:\"b\"; \\\n"
	"    sid:4;)\n"
	"# botsink: sid 6: dropped byte_test\n"
	"alert tcp any any -> 203.0.113.5 80 (content:\"c\"; sid:6;)\n"
	"# botsink: sid 7: dropped file_data (1 content)\n"
	"alert tcp any any -> 203.0.113.5 80 (content:\"d\"; pkt_data; sid:7;)\n"
	"# botsink: sid 8: dropped pcre, ttl\n"
	"alert tcp any any -> 203.0.113.5 80 (content:\"f\"; \\\n"
	"    sid:8;)\n";

static const char import_lenient_err[] =
	"t/import.rules:5: protocol 'tls' is not supported (tcp, udp, ip, http, dns)\n"
	"t/import.rules:9: sid 5: nothing left to match beyond the header after dropping pcre\n";

static void check_import(bool lenient, const char *want_out, const char *want_err, size_t want_n)
{
	char *out = NULL, *err = NULL;
	size_t out_len = 0, err_len = 0, n;
	FILE *fo = open_memstream(&out, &out_len);
	FILE *fe = open_memstream(&err, &err_len);
	struct rule_set rs;

	CHECK_INT(rules_parse_buffer_opts("t/import.rules", import_text, lenient, &rs), 0);
	n = rules_import(&rs, import_text, fo, fe);
	fclose(fo);
	fclose(fe);
	CHECK_INT(n, want_n);
	CHECK_STR(out, want_out);
	CHECK_STR(err, want_err);
	rules_free(&rs);
	free(out);
	free(err);
}

/* What import prints parses again, to the same rules. */
static void check_import_reparses(void)
{
	char *out = NULL, *err = NULL;
	size_t out_len = 0, err_len = 0;
	FILE *fo = open_memstream(&out, &out_len);
	FILE *fe = open_memstream(&err, &err_len);
	struct rule_set rs, again;

	rules_parse_buffer_opts("t/import.rules", import_text, true, &rs);
	rules_import(&rs, import_text, fo, fe);
	fclose(fo);
	fclose(fe);
	CHECK_INT(rules_parse_buffer("again.rules", out, &again), 0);
	CHECK_INT(again.nerrors, 0);
	CHECK_INT(again.n, rs.n);
	for (size_t i = 0; i < again.n && i < rs.n; i++) {
		CHECK_INT(again.rules[i].sid, rs.rules[i].sid);
		CHECK_INT(again.rules[i].ncontents, rs.rules[i].ncontents);
	}
	rules_free(&again);
	rules_free(&rs);
	free(out);
	free(err);
}

static void test_import(void)
{
	/* The number of rules refused (rules/fit.c prints the summary). */
	check_import(false, import_strict_out, import_strict_err, 7);
	check_import(true, import_lenient_out, import_lenient_err, 2);
	check_import_reparses();
}

/* The span of each rule's text, continuation lines included. */
static void test_text_span(void)
{
	static const char text[] = "# c\n"
				   "alert tcp any any -> any any (sid:1;)\n"
				   "  alert tcp any any -> any any \\\n"
				   "    (sid:2;)\r\n"
				   "alert tcp any any -> any any (sid:3;)";
	struct rule_set rs;

	if (parse_clean(text, &rs) != 3) {
		CHECK(0);
		rules_free(&rs);
		return;
	}
	CHECK_INT(rs.rules[0].text_start, 4);
	CHECK_INT(rs.rules[0].text_end, 4 + 37);
	CHECK_INT(rs.rules[1].text_start, 42);
	CHECK_INT(rs.rules[1].text_end, 42 + 33 + 12);
	CHECK_INT(rs.rules[2].text_start, 42 + 33 + 14);
	CHECK_INT(rs.rules[2].text_end, sizeof(text) - 1);
	rules_free(&rs);
}

/* ---- the public sample rules ---- */

static char *samples_path(void)
{
	const char *shared = getenv("BOTSINK_SHARED");
	char *path;

	if (asprintf(&path, "%s/rules/public-checkin-samples.rules",
		     shared ? shared : "../shared") < 0)
		return NULL;
	return path;
}

static const struct rule *sid(const struct rule_set *rs, uint32_t id)
{
	const struct rule *r = rules_find_sid(rs, id);

	CHECK(r != NULL);
	return r;
}

static const char *describe_rule(const struct rule *r, enum part part)
{
	text_buf[0] = '\0';
	if (r)
		put_part(r, part);
	return text_buf;
}

/* Strict: exactly the rules with unsupported keywords are refused. */
static void check_samples_strict(const char *path)
{
	struct rule_set rs;

	CHECK_INT(rules_load(path, &rs), 0);
	CHECK_INT(rs.nerrors, 2);
	CHECK_INT(rs.n, 22);
	if (rs.nerrors == 2) {
		CHECK_INT(rs.errors[0].line, 51); /* sid 2019630 */
		CHECK_STR(rs.errors[0].reason, "keyword 'flow:to_client' is not supported in XDP");
		CHECK_INT(rs.errors[1].line, 75); /* sid 2021176 */
		CHECK_STR(rs.errors[1].reason, "keyword 'pcre' is not supported in XDP");
	}
	CHECK_STR(describe_rule(sid(&rs, 2018079), CONTENTS),
		  "http.method \"POST\"; http.uri \"/gate.php\"; "
		  "http.request_body \"crypt\" depth 5; http.request_body \"=\" within 3");
	CHECK_STR(describe_rule(sid(&rs, 2022681), CONTENTS),
		  "http.method \"POST\"; http.uri \"/gate.php\"; "
		  "http.uri \"request=true\" fast_pattern; http.request_body \"request=\" depth 8; "
		  "http.header !\"Referer: \"; http.header !\"|0d 0a|Accept-\"");
	CHECK_STR(describe_rule(sid(&rs, 2007751), DSIZE), "0-49");
	CHECK_STR(describe_rule(sid(&rs, 2023600), CONTENTS),
		  "payload \"|01 00 00 01 00 00 00 00 00 00|\" offset 2 depth 10; "
		  "payload \"|0c|vmdefmnsndoj|04|tech|00|\" nocase fast_pattern distance 0");
	CHECK_STR(describe_rule(sid(&rs, 2003636), CONTENTS),
		  "http.user_agent \"KUKU\" nocase depth 4");
	CHECK_STR(describe_rule(sid(&rs, 2001340), APP), "tcp http");
	CHECK_STR(describe_rule(sid(&rs, 2001340), CONTENTS),
		  "http.uri \"/a/Drk.syn?\" nocase; http.uri \"adcontext\" nocase");
	CHECK_STR(describe_rule(sid(&rs, 2038629), CONTENTS),
		  "http.request_body \"|22|sdk_version|22|:\"; "
		  "http.request_body \"|22|app_package|22|:|22|\" distance 0; "
		  "http.request_body \"|22|app_version|22|:|22|\" distance 0; "
		  "http.request_body \"|22|device_id|22|:|22|\" distance 0");
	CHECK_STR(describe_rule(sid(&rs, 223344), APP), "udp dns");
	CHECK_STR(describe_rule(sid(&rs, 223344), CONTENTS),
		  "payload \"|01 00 00 01|\" offset 2 depth 4; dns.query \"drivres-update\"");
	CHECK_STR(describe_rule(sid(&rs, 58992), CONTENTS),
		  "http.header \"User-Agent: Hello, world\" fast_pattern");
	CHECK_STR(describe_rule(sid(&rs, 2030092), CONTENTS),
		  "http.method \"GET\"; http.uri \"/shell?cd+/tmp;rm+-rf+*;wget+\" fast_pattern "
		  "depth 29");
	CHECK_STR(describe_rule(sid(&rs, 2015474), DSIZE), "20-20");
	rules_free(&rs);
}

/* Lenient: everything loads; what the two refused rules lose. */
static void check_samples_lenient(const char *path)
{
	struct rule_set rs;

	CHECK_INT(rules_load_opts(path, true, &rs), 0);
	CHECK_INT(rs.nerrors, 0);
	CHECK_INT(rs.n, 24);
	CHECK_STR(describe_rule(sid(&rs, 2019630), DROPPED),
		  "flow:to_client, file_data (2 contents)");
	CHECK_STR(describe_rule(sid(&rs, 2019630), CONTENTS), "http.header \"Server:HTTPServerX\"");
	CHECK_STR(describe_rule(sid(&rs, 2021176), DROPPED), "pcre");
	CHECK_STR(describe_rule(sid(&rs, 2021176), CONTENTS),
		  "payload \"|00|ll|7c|'|7c|'|7c|\" nocase fast_pattern");
	for (size_t i = 0; i < rs.n; i++)
		if (rs.rules[i].sid != 2019630 && rs.rules[i].sid != 2021176)
			CHECK_INT(rs.rules[i].ndropped, 0);
	rules_free(&rs);
}

static void test_samples(void)
{
	char *path = samples_path();

	if (!path || access(path, R_OK) != 0) {
		printf("test_rules: %s not found: sample rules skipped\n", path ? path : "?");
		free(path);
		return;
	}
	check_samples_strict(path);
	check_samples_lenient(path);
	free(path);
}

/* ---- the keyword table ---- */

/* A typo under --lenient is refused with its file and line, as other errors are. */
static void test_unknown_keyword_line(void)
{
	static const char text[] =
		"alert tcp any any -> 203.0.113.5 80 (content:\"a\"; pcre:\"/x/\"; sid:1;)\n"
		"alert tcp any any -> 203.0.113.5 80 (contnet:\"a\"; sid:2;)\n";
	struct rule_set rs;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	CHECK_INT(rules_parse_buffer_opts("t/typo.rules", text, true, &rs), 0);
	CHECK_INT(rs.n, 1);
	rules_write_errors(&rs, f);
	fclose(f);
	CHECK_STR(out, "t/typo.rules:2: unknown keyword 'contnet' (did you mean 'content'?)\n");
	free(out);
	rules_free(&rs);
}

enum keyword_group { KW_ENFORCED, KW_NEVER_NARROWS, KW_LEFT_OUT };

static enum keyword_group keyword_group(const struct rule_keyword *kw)
{
	if (kw->flags & (KW_UNSUPPORTED | KW_REFUSED))
		return KW_LEFT_OUT;
	return kw->flags & KW_IGNORED ? KW_NEVER_NARROWS : KW_ENFORCED;
}

/* "`a`, `b`, ...": the names of one group (aliases too), in table order. */
static char *keyword_list(enum keyword_group group)
{
	const struct rule_keyword *kw;
	const char *sep = "";
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	for (size_t i = 0; (kw = rule_keyword_at(i)); i++) {
		if (keyword_group(kw) != group)
			continue;
		fprintf(f, "%s`%s`", sep, kw->name);
		sep = ", ";
		if (kw->alias)
			fprintf(f, ", `%s`", kw->alias);
	}
	fclose(f);
	return out;
}

/* The README's list after `label`, up to the next item, on one line. */
static char *readme_list(const char *readme, const char *label)
{
	const char *start = strstr(readme, label), *end;
	char *out, *o;

	if (!start)
		return NULL;
	start += strlen(label);
	end = strstr(start, "\n-");
	if (!end || strstr(start, "\n\n") < end)
		end = strstr(start, "\n\n");
	out = o = strndup(start, end ? (size_t)(end - start) : strlen(start));
	for (const char *s = out; out && *s; s++) {
		if (*s == '\n') {
			*o++ = ' ';
			while (s[1] == ' ')
				s++;
		} else {
			*o++ = *s;
		}
	}
	if (out)
		*o = '\0';
	return out;
}

/* The README's three lists are the keyword table's, so they cannot drift. */
static void test_readme_keywords(void)
{
	static const char *const labels[] = {
		[KW_ENFORCED] = "- Enforced in XDP: ",
		[KW_NEVER_NARROWS] = "- Accepted and ignored, as they never narrow a match: ",
		[KW_LEFT_OUT] = "- Left out under `--lenient` (refused without it): ",
	};
	char *readme = read_file("README.md", SIZE_MAX, NULL);

	CHECK(readme != NULL);
	for (size_t g = 0; readme && g < ARRAY_SIZE(labels); g++) {
		char *want = keyword_list((enum keyword_group)g);
		char *have = readme_list(readme, labels[g]);

		if (!have || strcmp(have, want))
			fprintf(stderr, "README.md: after \"%s\" the keyword table says:\n%s\n",
				labels[g], want);
		CHECK_STR(have ? have : "(missing)", want);
		free(want);
		free(have);
	}
	free(readme);
}

/* Each option name of one rule line ("key[:value];" up to the ')'), unknown ones counted. */
static size_t unknown_options(const char *line, const char *path)
{
	const char *s = strchr(line, '(');
	size_t unknown = 0;

	while (s && *++s) {
		size_t n = strcspn(s, ":;)");
		char *key = strndup_trim(s, n);

		if (key && *key && !rule_keyword_find(key)) {
			fprintf(stderr, "%s: unknown keyword '%s'\n", path, key);
			unknown++;
		}
		free(key);
		s += n;
		if (*s == ':')
			while (*++s && !(*s == ';' && s[-1] != '\\'))
				;
		if (*s != ';')
			break;
	}
	return unknown;
}

static size_t unknown_in_file(const char *path)
{
	char *line = NULL;
	size_t cap = 0, unknown = 0;
	FILE *f = fopen(path, "r");

	CHECK(f != NULL);
	while (f && getline(&line, &cap, f) > 0) {
		const char *rule = line + strspn(line, "# \t");

		/* Disabled rules too: a user may enable them. */
		if (strncmp(rule, "alert ", 6) == 0 || strncmp(rule, "drop ", 5) == 0)
			unknown += unknown_options(rule, path);
	}
	free(line);
	if (f)
		fclose(f);
	return unknown;
}

/* The shared ET Open rule files in g; false (and a note) when absent. */
static bool et_files(const char *what, glob_t *g)
{
	const char *shared = getenv("BOTSINK_SHARED");
	char *pattern;
	bool found;

	if (asprintf(&pattern, "%s/rules/et-open/*/*.rules", shared ? shared : "../shared") < 0)
		return false;
	found = glob(pattern, 0, NULL, g) == 0;
	if (!found)
		printf("test_rules: %s not found: ET %s skipped\n", pattern, what);
	free(pattern);
	return found;
}

/*
 * ET 2038807 (Zanubis, dns.query; dotprefix; ... endswith) keeps its
 * meaning under --lenient: nothing of it is dropped any more.
 */
static void test_et_dotprefix(void)
{
	const char *shared = getenv("BOTSINK_SHARED");
	struct rule_set rs;
	const struct rule *r;
	char *path;

	if (asprintf(&path, "%s/rules/et-open/2024/emerging-mobile_malware.rules",
		     shared ? shared : "../shared") < 0)
		return;
	if (access(path, R_OK)) {
		printf("test_rules: %s not found: ET 2038807 skipped\n", path);
		free(path);
		return;
	}
	CHECK_INT(rules_load_opts(path, true, &rs), 0);
	r = rules_find_sid(&rs, 2038807);
	CHECK(r != NULL);
	if (r) {
		CHECK_INT(r->ndropped, 0);
		CHECK_STR(describe_rule(r, CONTENTS),
			  "dns.query \".fullcircleteam.com\" nocase endswith dotprefix");
	}
	rules_free(&rs);
	free(path);
}

/* Every option name the ET Open sets use is in the keyword table. */
static void test_et_keywords(void)
{
	glob_t g;

	if (!et_files("keywords", &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		CHECK_INT(unknown_in_file(g.gl_pathv[i]), 0);
	globfree(&g);
}

/* A family and how many rules carry it, for test_et_families. */
struct family_count {
	const char *family;
	size_t n;
};

static int by_count(const void *a, const void *b)
{
	const struct family_count *x = a, *y = b;

	return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->family, y->family);
}

/*
 * Under 1 % of the ET Open rules botsink imports (lenient) get a generic
 * word ("request", "query", ...) as family; prints the share and the ten
 * most common families (the README quotes them).
 */
static void test_et_families(void)
{
	struct rule_set *sets;
	struct family_count *counts = NULL;
	size_t total = 0, bad = 0, ncounts = 0;
	glob_t g;

	if (!et_files("families", &g))
		return;
	sets = calloc(g.gl_pathc, sizeof(*sets));
	for (size_t i = 0; sets && i < g.gl_pathc; i++) {
		rules_load_opts(g.gl_pathv[i], true, &sets[i]);
		for (size_t j = 0; j < sets[i].n; j++) {
			const char *f = sets[i].rules[j].family;
			size_t k = 0;

			while (k < ncounts && strcmp(counts[k].family, f))
				k++;
			if (k == ncounts) {
				counts = realloc(counts, ++ncounts * sizeof(*counts));
				CHECK(counts != NULL);
				if (!counts)
					return;
				counts[k] = (struct family_count){ f, 0 };
			}
			counts[k].n++;
			bad += family_is_generic(f);
			total++;
		}
	}
	CHECK(total > 0);
	CHECK(bad * 100 < total);
	printf("test_rules: ET families: %zu of %zu rules generic (%.2f %%), %zu families; top:",
	       bad, total, total ? 100.0 * (double)bad / (double)total : 0, ncounts);
	qsort(counts, ncounts, sizeof(*counts), by_count);
	for (size_t k = 0; k < ncounts && k < 10; k++)
		printf(" %s %zu", counts[k].family, counts[k].n);
	printf("\n");
	free(counts);
	for (size_t i = 0; sets && i < g.gl_pathc; i++)
		rules_free(&sets[i]);
	free(sets);
	globfree(&g);
}

/* msg, classtype and malware_family: 1,024 bytes at most (records carry them). */
static void test_text_limits(void)
{
	static const char *const forms[][2] = {
		{ "msg:\"%s\";", "error: msg is longer than 1024 bytes" },
		{ "classtype:%s;", "error: classtype is longer than 1024 bytes" },
		{ "metadata:malware_family %s;",
		  "error: malware_family is longer than 1024 bytes" },
	};
	static char text[1100], rule[1300], option[1200];

	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		for (size_t len = 1024; len <= 1025; len++) {
			memset(text, 'a', len);
			text[len] = '\0';
			snprintf(option, sizeof(option), forms[i][0], text);
			snprintf(rule, sizeof(rule), "alert tcp any any -> any any (%s sid:1;)",
				 option);
			if (len == 1024)
				CHECK(strncmp(parse_part(rule, FAMILY), "error", 5) != 0);
			else
				CHECK_STR(parse_part(rule, FAMILY), forms[i][1]);
		}
	}
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
	test_family_et();
	test_ignored_keywords();
	test_lines();
	test_errors();
	test_content_strings();
	test_content_modifiers();
	test_buffers();
	test_protocols_apps();
	test_dsize();
	test_domains_path();
	test_payload_errors();
	test_size_checks();
	test_lenient();
	test_import();
	test_text_span();
	test_text_limits();
	test_samples();
	test_unknown_keyword_line();
	test_readme_keywords();
	test_et_keywords();
	test_et_dotprefix();
	test_et_families();
	return unit_report("test_rules");
}
