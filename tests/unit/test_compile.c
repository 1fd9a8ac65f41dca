// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The rule compiler: the destination entries, each entry's ranked
 * candidate list (one ranking criterion at a time, in both file orders),
 * source and port expansion, and the errors of rule sets it refuses.
 */
#include <netinet/in.h>
#include <unistd.h>
#include "botsink_abi.h"
#include "rules/compile.h"
#include "rules/rules.h"
#include "unit.h"

#define SPACE "203.0.113.0/24"

static char out[8192];

#define put(...) unit_append(out, sizeof(out), __VA_ARGS__)

struct fixture {
	struct rule_set rs;
	struct compiled c;
	int ret;
};

/* Parse (which must succeed) and compile against `sinkhole` (NULL: none). */
static int build(struct fixture *f, const char *rules, const char *sinkhole)
{
	struct addr_set space = { 0 };
	char *bad = NULL;

	memset(f, 0, sizeof(*f));
	rules_parse_buffer("test.rules", rules, &f->rs);
	CHECK_INT(f->rs.nerrors, 0);
	for (size_t i = 0; i < f->rs.nerrors; i++)
		fprintf(stderr, "  line %u: %s\n", f->rs.errors[i].line, f->rs.errors[i].reason);
	if (f->rs.nerrors)
		return f->ret = -2;
	if (sinkhole) {
		CHECK_INT(parse_sinkhole(sinkhole, &space, &bad), 0);
		free(bad);
	}
	f->ret = compile_rules(&f->rs, sinkhole ? &space : NULL, &f->c);
	addr_set_free(&space);
	return f->ret;
}

static void release(struct fixture *f)
{
	compiled_free(&f->c);
	rules_free(&f->rs);
}

static const struct dst_entry *find_entry(const struct compiled *c, const char *prefix)
{
	char text[PREFIX_TEXT_LEN];

	for (size_t i = 0; i < c->ndst; i++) {
		prefix_format(&c->dst[i].prefix, text, sizeof(text));
		if (strcmp(text, prefix) == 0)
			return &c->dst[i];
	}
	return NULL;
}

/* "2 1 1": the sids of an entry's candidates, in order. */
/* The candidate of `rank` in the entry's lists (its own and its ports'). */
static const struct botsink_candidate *at_rank(const struct dst_entry *e, __u32 rank)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->cand[i].c.rank == rank)
			return &e->cand[i].c;
	for (size_t k = 0; k < e->nports; k++)
		for (size_t i = 0; i < e->ports[k].n; i++)
			if (e->ports[k].cand[i].c.rank == rank)
				return &e->ports[k].cand[i].c;
	return NULL;
}

/* The sids of an entry's candidates in rank order, whichever list holds them. */
static const char *sids_at(const struct compiled *c, const char *prefix)
{
	const struct dst_entry *e = find_entry(c, prefix);
	const struct botsink_candidate *cand;

	out[0] = '\0';
	if (!e)
		put("no entry %s", prefix);
	for (__u32 rank = 0; e && (cand = at_rank(e, rank)); rank++)
		put("%s%u", rank ? " " : "", cand->sid);
	return out;
}

static void put_source(const struct botsink_candidate *c)
{
	struct prefix p = { .len = 0 };
	uint8_t mask[16];
	char text[PREFIX_TEXT_LEN];

	memcpy(&p.addr, c->src_addr, 16);
	for (int i = 0; i < 16; i++)
		p.len += (unsigned int)__builtin_popcount(c->src_mask[i]);
	prefix_netmask(p.len, mask);
	prefix_format(&p, text, sizeof(text));
	put(" %s%s", text, memcmp(mask, c->src_mask, 16) ? "(bad mask)" : "");
}

/*
 * Every candidate of an entry, "; "-separated: "<sid> m <sport> <dport>"
 * for any source, "<sid> s <source> <sport> <dport>" for a source prefix,
 * "<sid> x <source>" for an exclusion.
 */
static const char *cands_at(const struct compiled *c, const char *prefix)
{
	const struct dst_entry *e = find_entry(c, prefix);

	const struct botsink_candidate *k;

	out[0] = '\0';
	if (!e)
		put("no entry %s", prefix);
	for (__u32 i = 0; e && (k = at_rank(e, i)); i++) {
		static const char kinds[] = "msx";

		put("%s%u %c", i ? "; " : "", k->sid, k->kind < 3 ? kinds[k->kind] : '?');
		if (k->kind != BOTSINK_CAND_MATCH)
			put_source(k);
		if (k->kind != BOTSINK_CAND_EXCLUDE_SRC)
			put(" %u-%u %u-%u", k->sport_lo, k->sport_hi, k->dport_lo, k->dport_hi);
	}
	return out;
}

/* Prefix i of a list: a space before all but the first, "!" before one left out. */
static void put_prefix(size_t i, const struct prefix *p, bool in)
{
	char text[PREFIX_TEXT_LEN];

	prefix_format(p, text, sizeof(text));
	put("%s%s%s", i ? " " : "", in ? "" : "!", text);
}

/* "203.0.113.0/24 !203.0.113.250/32": a set's prefixes, shortest first. */
static const char *space_of(const struct addr_set *s)
{
	out[0] = '\0';
	for (size_t i = 0; i < s->n; i++)
		put_prefix(i, &s->items[i].prefix, s->items[i].in);
	return out;
}

static const char *entries_of(const struct compiled *c)
{
	out[0] = '\0';
	for (size_t i = 0; i < c->ndst; i++)
		put_prefix(i, &c->dst[i].prefix, true);
	return out;
}

/* "2: reason | 5: reason" */
static const char *errors_of(const struct rule_set *rs)
{
	out[0] = '\0';
	for (size_t i = 0; i < rs->nerrors; i++)
		put("%s%u: %s", i ? " | " : "", rs->errors[i].line,
		    rs->errors[i].reason ? rs->errors[i].reason : "(null)");
	return out;
}

/*
 * `better` and `worse` differ in one ranking criterion (and the sid, which
 * would order them the other way): `better` comes first at `entry`, in
 * either file order.
 */
static void check_rank(const char *better, const char *worse, const char *entry, const char *want)
{
	char text[1024];
	struct fixture f;

	for (int order = 0; order < 2; order++) {
		snprintf(text, sizeof(text), "%s\n%s\n", order ? worse : better,
			 order ? better : worse);
		CHECK_INT(build(&f, text, SPACE), 0);
		if (strcmp(sids_at(&f.c, entry), want) != 0)
			fprintf(stderr, "  ranking of:\n%s", text);
		CHECK_STR(sids_at(&f.c, entry), want);
		release(&f);
	}
}

static void test_rank_prefix(void)
{
	check_rank("alert tcp any any -> 203.0.113.0/25 80 (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 80 (sid:1;)", "203.0.113.0/25", "2 1");
	check_rank("alert tcp any any -> 203.0.113.5 80 (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/25 80 (sid:1;)", "203.0.113.5/32", "2 1");
	check_rank("alert tcp any any -> 203.0.113.0/24 80 (sid:2;)",
		   "alert tcp any any -> any 80 (sid:1;)", "203.0.113.0/24", "2 1");
	check_rank("alert tcp any any -> 203.0.113.0/24 80 (sid:2;)",
		   "alert tcp any any -> $HOME_NET 80 (sid:1;)", "203.0.113.0/24", "2 1");
	/* A prefix wider than the space still beats any. */
	check_rank("alert tcp any any -> 203.0.0.0/16 80 (sid:2;)",
		   "alert tcp any any -> any 80 (sid:1;)", "203.0.113.0/24", "2 1");
	/* any and a variable rank alike: the sid decides. */
	check_rank("alert tcp any any -> $SINKHOLE 80 (sid:1;)",
		   "alert tcp any any -> any 80 (sid:2;)", "203.0.113.0/24", "1 2");
	/* The longest prefix of a list that covers the entry counts. */
	check_rank("alert tcp any any -> [198.51.100.0/24,203.0.113.0/26] 80 (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/25 80 (sid:1;)", "203.0.113.0/26", "2 1");
	/*
	 * A list is a set: a prefix inside another one of the same list adds
	 * nothing, so the /24 covers the /26 entry here and the /25 wins.
	 */
	check_rank("alert tcp any any -> 203.0.113.0/25 80 (sid:2;)",
		   "alert tcp any any -> [203.0.113.0/24,203.0.113.0/26] 80 (sid:1;)",
		   "203.0.113.0/25", "2 1");
	/* Re-included inside an excluded prefix: the /32 itself is the match. */
	check_rank(
		"alert tcp any any -> [203.0.113.0/24,![203.0.113.0/28,!203.0.113.9]] 80 (sid:2;)",
		"alert tcp any any -> 203.0.113.8/29 80 (sid:1;)", "203.0.113.9/32", "2 1");
}

static void test_rank_port(void)
{
	const char *e = SPACE;

	check_rank("alert tcp any any -> 203.0.113.0/24 80 (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 [80,443] (sid:1;)", e, "2 1 1");
	check_rank("alert tcp any any -> 203.0.113.0/24 [80,443] (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 any (sid:1;)", e, "2 2 1");
	check_rank("alert tcp any any -> 203.0.113.0/24 1024:2048 (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 any (sid:1;)", e, "2 1");
	check_rank("alert tcp any any -> 203.0.113.0/24 1500 (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 1024:2048 (sid:1;)", e, "2 1");
	check_rank("alert tcp any any -> 203.0.113.0/24 !80 (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 any (sid:1;)", e, "2 2 1");
	check_rank("alert tcp any any -> 203.0.113.0/24 [80] (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 [80,81] (sid:1;)", e, "2 1");
	/* A list and a range rank alike; so do [80] and 80:80. */
	check_rank("alert tcp any any -> 203.0.113.0/24 [80,443] (sid:1;)",
		   "alert tcp any any -> 203.0.113.0/24 1024:2048 (sid:2;)", e, "1 1 2");
	check_rank("alert tcp any any -> 203.0.113.0/24 [80] (sid:1;)",
		   "alert tcp any any -> 203.0.113.0/24 80:80 (sid:2;)", e, "1 2");
	/* The source port does not rank. */
	check_rank("alert tcp any 1234 -> 203.0.113.0/24 any (sid:1;)",
		   "alert tcp any any -> 203.0.113.0/24 any (sid:2;)", e, "1 2");
	check_rank("alert tcp any any -> 203.0.113.0/24 any (sid:1;)",
		   "alert tcp any 1234 -> 203.0.113.0/24 any (sid:2;)", e, "1 2");
}

/* Payload constraints come after prefix and port, before protocol and flags. */
static void test_rank_payload(void)
{
	const char *e = SPACE;

	check_rank("alert tcp any any -> 203.0.113.0/24 80 (content:\"x\"; sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 80 (flags:S; sid:1;)", e, "2 1");
	check_rank("alert tcp any any -> 203.0.113.0/24 80 (dsize:>0; sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 80 (sid:1;)", e, "2 1");
	check_rank("alert http any any -> 203.0.113.0/24 80 (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 80 (sid:1;)", e, "2 1");
	check_rank("alert ip any any -> 203.0.113.0/24 any (content:\"x\"; sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 any (sid:1;)", e, "2 1");
	/* ... but not before a more exact port or a longer prefix. */
	check_rank("alert tcp any any -> 203.0.113.0/24 80 (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 any (content:\"x\"; sid:1;)", e, "2 1");
	check_rank("alert tcp any any -> 203.0.113.5 any (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 any (content:\"x\"; sid:1;)",
		   "203.0.113.5/32", "2 1");
	check_rank("alert tcp any any -> 203.0.113.0/24 80 (content:\"x\"; sid:1;)",
		   "alert tcp any any -> 203.0.113.0/24 80 (content:\"y\"; sid:2;)", e, "1 2");
}

static void test_rank_proto_flags_sid(void)
{
	const char *e = SPACE;

	check_rank("alert tcp any any -> 203.0.113.0/24 any (sid:2;)",
		   "alert ip any any -> 203.0.113.0/24 any (sid:1;)", e, "2 1");
	check_rank("alert udp any any -> 203.0.113.0/24 any (sid:2;)",
		   "alert ip any any -> 203.0.113.0/24 any (sid:1;)", e, "2 1");
	check_rank("alert udp any any -> 203.0.113.0/24 any (sid:1;)",
		   "alert tcp any any -> 203.0.113.0/24 any (sid:2;)", e, "1 2");
	check_rank("alert tcp any any -> 203.0.113.0/24 any (flags:S; sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 any (sid:1;)", e, "2 1");
	check_rank("alert ip any any -> 203.0.113.0/24 any (flags:S; sid:2;)",
		   "alert ip any any -> 203.0.113.0/24 any (sid:1;)", e, "2 1");
	check_rank("alert tcp any any -> 203.0.113.0/24 any (sid:1;)",
		   "alert tcp any any -> 203.0.113.0/24 any (sid:2;)", e, "1 2");
	check_rank("alert tcp any any -> 203.0.113.0/24 any (flags:S; sid:7;)",
		   "alert tcp any any -> 203.0.113.0/24 any (flags:A; sid:9;)", e, "7 9");
}

/* Each criterion outranks the ones after it. */
static void test_rank_precedence(void)
{
	check_rank("alert ip any any -> 203.0.113.0/25 any (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 80 (flags:S; sid:1;)", "203.0.113.0/25",
		   "2 1");
	check_rank("alert tcp any any -> 203.0.113.0/24 80 (sid:2;)",
		   "alert tcp any any -> 203.0.113.0/24 any (flags:S; sid:1;)", SPACE, "2 1");
	check_rank("alert tcp any any -> 203.0.113.0/24 any (sid:2;)",
		   "alert ip any any -> 203.0.113.0/24 any (flags:S; sid:1;)", SPACE, "2 1");
}

/* The sinkhole space plus every rule prefix inside it, each once. */
static void test_entries(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.0/25 any (sid:1;)\n"
		"alert tcp any any -> 203.0.113.5 any (sid:2;)\n"
		"alert udp any any -> [203.0.113.5,2001:db8:1::/48] any (sid:3;)\n"
		"alert tcp any any -> [203.0.113.0/24,198.51.100.0/24] any (sid:4;)\n"
		"alert ip any any -> 0.0.0.0/0 any (sid:5;)\n";
	struct fixture f;

	CHECK_INT(build(&f, rules, "203.0.113.0/24, 2001:db8::/32"), 0);
	CHECK_STR(errors_of(&f.rs), "");
	CHECK_STR(space_of(&f.c.space), "2001:db8::/32 203.0.113.0/24");
	CHECK_STR(entries_of(&f.c),
		  "2001:db8::/32 2001:db8:1::/48 203.0.113.0/24 203.0.113.0/25 203.0.113.5/32");
	CHECK_STR(sids_at(&f.c, "203.0.113.5/32"), "2 3 1 4 5");
	CHECK_STR(sids_at(&f.c, "203.0.113.0/25"), "1 4 5");
	CHECK_STR(sids_at(&f.c, "203.0.113.0/24"), "4 5");
	CHECK_STR(sids_at(&f.c, "2001:db8:1::/48"), "3");
	CHECK_STR(sids_at(&f.c, "2001:db8::/32"), "");
	/* Each candidate knows its rule's index. */
	for (size_t i = 0; i < f.c.ndst; i++)
		for (size_t j = 0; j < f.c.dst[i].n; j++)
			CHECK_INT(f.rs.rules[f.c.dst[i].cand[j].rule].sid,
				  f.c.dst[i].cand[j].c.sid);
	release(&f);

	/* Sinkhole prefixes inside another one are dropped. */
	CHECK_INT(build(&f, "", "203.0.113.0/25,203.0.113.0/24,203.0.113.0/24"), 0);
	CHECK_STR(space_of(&f.c.space), "203.0.113.0/24");
	CHECK_STR(entries_of(&f.c), "203.0.113.0/24");
	CHECK_STR(sids_at(&f.c, "203.0.113.0/24"), "");
	release(&f);
}

/* A more specific entry falls back on the covering prefix's rules. */
static void test_fallback(void)
{
	static const char rules[] = "alert tcp any any -> 203.0.113.0/24 [80,443] (sid:10;)\n"
				    "alert tcp any any -> 203.0.113.7 8080 (sid:20;)\n"
				    "alert ip any any -> any any (sid:30;)\n";
	struct fixture f;

	CHECK_INT(build(&f, rules, SPACE), 0);
	CHECK_STR(entries_of(&f.c), "203.0.113.0/24 203.0.113.7/32");
	CHECK_STR(cands_at(&f.c, "203.0.113.7/32"),
		  "20 m 0-65535 8080-8080; 10 m 0-65535 80-80; 10 m 0-65535 443-443; "
		  "30 m 0-65535 0-65535");
	CHECK_STR(cands_at(&f.c, "203.0.113.0/24"),
		  "10 m 0-65535 80-80; 10 m 0-65535 443-443; 30 m 0-65535 0-65535");
	release(&f);
}

static void test_negated_destination(void)
{
	static const char rules[] =
		"alert tcp any any -> [203.0.113.0/24,!203.0.113.5] any (sid:1;)\n"
		"alert tcp any any -> $HOME_NET 80 (sid:2;)\n"
		"alert tcp any any -> [$HOME_NET,!203.0.113.0/28] 443 (sid:3;)\n";
	struct fixture f;

	CHECK_INT(build(&f, rules, SPACE), 0);
	CHECK_STR(entries_of(&f.c), "203.0.113.0/24 203.0.113.0/28 203.0.113.5/32");
	CHECK_STR(sids_at(&f.c, "203.0.113.0/24"), "1 2 3");
	CHECK_STR(sids_at(&f.c, "203.0.113.0/28"), "1 2");
	CHECK_STR(sids_at(&f.c, "203.0.113.5/32"), "2");
	release(&f);
}

static void test_no_sinkhole(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.0/24 any (sid:1;)\n"
		"alert tcp any any -> 203.0.113.9 any (sid:2;)\n"
		"alert udp any any -> [198.51.100.0/24,!198.51.100.1] 53 (sid:3;)\n"
		"alert tcp any any -> 2001:db8::/48 any (sid:4;)\n";
	static const char bad[] = "alert tcp any any -> 203.0.113.0/24 any (sid:1;)\n"
				  "alert tcp any any -> any any (sid:2;)\n"
				  "alert tcp any any -> $HOME_NET any (sid:3;)\n"
				  "# only a negation: everything else\n"
				  "alert tcp any any -> !203.0.113.5 any (sid:4;)\n";
	struct fixture f;

	CHECK_INT(build(&f, rules, NULL), 0);
	CHECK_STR(space_of(&f.c.space), "2001:db8::/48 198.51.100.0/24 203.0.113.0/24");
	CHECK_STR(entries_of(&f.c), "2001:db8::/48 198.51.100.0/24 203.0.113.0/24 "
				    "198.51.100.1/32 203.0.113.9/32");
	CHECK_STR(sids_at(&f.c, "203.0.113.9/32"), "2 1");
	CHECK_STR(sids_at(&f.c, "198.51.100.1/32"), "");
	CHECK_STR(sids_at(&f.c, "198.51.100.0/24"), "3");
	release(&f);

	CHECK_INT(build(&f, bad, NULL), -1);
	CHECK_STR(
		errors_of(&f.rs),
		"2: destination 'any', a variable or a negation means the whole sinkhole space: give --sinkhole"
		" | 3: destination 'any', a variable or a negation means the whole sinkhole space: give --sinkhole"
		" | 5: destination 'any', a variable or a negation means the whole sinkhole space: give --sinkhole");
	release(&f);

	CHECK_INT(build(&f, "# nothing\n", NULL), -1);
	CHECK_STR(errors_of(&f.rs),
		  "0: no sinkhole space: give --sinkhole or rules with destination prefixes");
	release(&f);
}

static void test_outside_sinkhole(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.5 any (sid:1;)\n"
		"alert tcp any any -> 198.51.100.0/24 any (sid:2;)\n"
		"alert tcp any any -> [192.0.2.1,198.51.100.7] any (sid:3;)\n"
		"alert tcp any any -> 2001:db8::1 any (sid:4;)\n"
		"alert tcp any any -> [198.51.100.9,203.0.113.9] any (sid:5;)\n";
	struct fixture f;

	CHECK_INT(build(&f, rules, SPACE), -1);
	CHECK_STR(errors_of(&f.rs),
		  "2: destination 198.51.100.0/24 is outside the sinkhole space (--sinkhole)"
		  " | 3: destination 192.0.2.1/32 is outside the sinkhole space (--sinkhole)"
		  " | 4: destination 2001:db8::1/128 is outside the sinkhole space (--sinkhole)");
	release(&f);
}

static void test_never_matches(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.0/24 any (sid:1;)\n"
		"alert tcp 2001:db8::/32 any -> 203.0.113.5 any (sid:9;)\n"
		"alert tcp [2001:db8::/32,!10.0.0.0/8] any -> 203.0.113.0/24 any (sid:8;)\n";
	struct fixture f;

	CHECK_INT(build(&f, rules, SPACE), -1);
	CHECK_STR(
		errors_of(&f.rs),
		"2: rule sid 9 can never match inside the sinkhole space (check its source and destination families)"
		" | 3: rule sid 8 can never match inside the sinkhole space (check its source and destination families)");
	release(&f);

	/* The same IPv6 source is fine where the space has IPv6. */
	CHECK_INT(build(&f, "alert tcp 2001:db8::/32 any -> any any (sid:9;)\n",
			"203.0.113.0/24,2001:db8::/32"),
		  0);
	CHECK_STR(cands_at(&f.c, "2001:db8::/32"), "9 s 2001:db8::/32 0-65535 0-65535");
	CHECK_STR(cands_at(&f.c, "203.0.113.0/24"), "");
	release(&f);
}

static void test_sources(void)
{
	static const char rules[] =
		"alert tcp [10.0.0.0/8,!10.1.0.0/16,!10.2.0.0/16,192.168.1.7/24] [1000,2000:2001] "
		"-> 203.0.113.5 [80,443] (flags:S; sid:7;)\n"
		"alert udp !192.0.2.0/24 any -> 203.0.113.0/24 53 (sid:8;)\n"
		"alert tcp any any -> 203.0.113.5 22 (sid:6;)\n";
	static const char dual[] =
		"alert tcp [10.0.0.0/8,2001:db8:9::/48,!10.9.0.0/16,!2001:db8:9:1::/64] any "
		"-> any 80 (sid:9;)\n";
	static const uint8_t addr10[16] = { [10] = 0xff, [11] = 0xff, [12] = 10 };
	static const uint8_t mask8[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const struct dst_entry *e;
	struct fixture f;

	CHECK_INT(build(&f, rules, SPACE), 0);
	CHECK_STR(cands_at(&f.c, "203.0.113.5/32"),
		  "6 m 0-65535 22-22; "
		  "7 s 192.168.1.0/24 1000-1000 80-80; 7 s 192.168.1.0/24 1000-1000 443-443; "
		  "7 s 192.168.1.0/24 2000-2001 80-80; 7 s 192.168.1.0/24 2000-2001 443-443; "
		  "7 x 10.2.0.0/16; 7 x 10.1.0.0/16; "
		  "7 s 10.0.0.0/8 1000-1000 80-80; 7 s 10.0.0.0/8 1000-1000 443-443; "
		  "7 s 10.0.0.0/8 2000-2001 80-80; 7 s 10.0.0.0/8 2000-2001 443-443; "
		  "8 x 192.0.2.0/24; 8 m 0-65535 53-53");
	CHECK_STR(cands_at(&f.c, "203.0.113.0/24"), "8 x 192.0.2.0/24; 8 m 0-65535 53-53");
	e = find_entry(&f.c, "203.0.113.5/32");
	if (e && at_rank(e, 12) && !at_rank(e, 13)) {
		CHECK(memcmp(at_rank(e, 7)->src_addr, addr10, 16) == 0);
		CHECK(memcmp(at_rank(e, 7)->src_mask, mask8, 16) == 0);
		for (__u32 i = 1; i < 11; i++) {
			CHECK_INT(at_rank(e, i)->proto, IPPROTO_TCP);
			CHECK_INT(at_rank(e, i)->flags_op, BOTSINK_FLAGS_EQ);
			CHECK_INT(at_rank(e, i)->flags_mask, 0xff);
			CHECK_INT(at_rank(e, i)->flags_value, 0x02);
		}
		CHECK_INT(at_rank(e, 12)->proto, IPPROTO_UDP);
		CHECK_INT(at_rank(e, 12)->flags_op, BOTSINK_FLAGS_ANY);
		for (int b = 0; b < 16; b++)
			CHECK_INT(at_rank(e, 12)->src_mask[b], 0);
		/* Rule 7 names two ports: its entries are in their port lists. */
		CHECK_INT(e->nports, 4); /* tcp 22, 80, 443; udp 53 */
		CHECK_INT(e->n, 0);
	} else {
		CHECK(0);
	}
	release(&f);

	/* Each address family's entries get that family's sources only. */
	CHECK_INT(build(&f, dual, "203.0.113.0/24,2001:db8::/32"), 0);
	CHECK_STR(cands_at(&f.c, "203.0.113.0/24"),
		  "9 x 10.9.0.0/16; 9 s 10.0.0.0/8 0-65535 80-80");
	CHECK_STR(cands_at(&f.c, "2001:db8::/32"),
		  "9 x 2001:db8:9:1::/64; 9 s 2001:db8:9::/48 0-65535 80-80");
	release(&f);
}

/* "[1,3,5,...]": n single ports that cannot merge into ranges. */
static const char *port_list(int n)
{
	static char buf[1024];
	size_t len = 0;

	buf[len++] = '[';
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%d", i ? "," : "",
					2 * i + 1);
	snprintf(buf + len, sizeof(buf) - len, "]");
	return buf;
}

static void test_candidate_limit(void)
{
	char rules[2048];
	struct fixture f;
	const struct dst_entry *e;

	snprintf(rules, sizeof(rules), "alert tcp any any -> 203.0.113.0/24 %s (sid:1;)\n",
		 port_list(BOTSINK_MAX_CANDIDATES));
	CHECK_INT(build(&f, rules, SPACE), 0);
	e = find_entry(&f.c, SPACE);
	CHECK(e && e->n == BOTSINK_MAX_CANDIDATES);
	if (e && e->n == BOTSINK_MAX_CANDIDATES)
		CHECK_INT(e->cand[BOTSINK_MAX_CANDIDATES - 1].c.dport_lo,
			  2 * BOTSINK_MAX_CANDIDATES - 1);
	release(&f);

	/* The /32's own rule plus the /24's 64 entries is one too many. */
	snprintf(rules, sizeof(rules),
		 "alert tcp any any -> 203.0.113.5 9990:9999 (sid:2;)\n"
		 "alert tcp any any -> 203.0.113.0/24 %s (sid:1;)\n",
		 port_list(BOTSINK_MAX_CANDIDATES));
	CHECK_INT(build(&f, rules, SPACE), -1);
	CHECK_STR(
		errors_of(&f.rs),
		"2: sid 1: destination 203.0.113.5/32: more than 64 candidate entries walked for every packet (header-only rules, and those an empty payload can match); each port range and source prefix of a rule is one");
	release(&f);

	/* Sources times ports count too: 5 x 17 = 85 (17 ports: not dispatched by port). */
	snprintf(rules, sizeof(rules),
		 "alert tcp [10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5] any "
		 "-> 203.0.113.0/24 %s (sid:3;)\n",
		 port_list(BOTSINK_PORT_FANOUT + 1));
	CHECK_INT(build(&f, rules, SPACE), -1);
	CHECK(strstr(errors_of(&f.rs), "1: sid 3: destination 203.0.113.0/24: more than 64") ==
	      out);
	release(&f);

	/* With 16 ports the rule is in 16 port lists of 5 entries each. */
	snprintf(rules, sizeof(rules),
		 "alert tcp [10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5] any "
		 "-> 203.0.113.0/24 %s (sid:3;)\n",
		 port_list(BOTSINK_PORT_FANOUT));
	CHECK_INT(build(&f, rules, SPACE), 0);
	e = find_entry(&f.c, SPACE);
	CHECK(e && e->n == 0 && e->nports == BOTSINK_PORT_FANOUT && e->ports[0].n == 5);
	release(&f);

	/* Only the overflow: the rule it cuts off (sid 3) is not "never matching" too. */
	snprintf(rules, sizeof(rules),
		 "alert tcp any any -> 203.0.113.5 9999 (sid:2;)\n"
		 "alert tcp any any -> 203.0.113.5 %s (sid:1;)\n"
		 "alert tcp any any -> 203.0.113.5 any (sid:3;)\n",
		 port_list(BOTSINK_MAX_CANDIDATES));
	CHECK_INT(build(&f, rules, SPACE), -1);
	CHECK_STR(
		errors_of(&f.rs),
		"3: sid 3: destination 203.0.113.5/32: more than 64 candidate entries walked for every packet (header-only rules, and those an empty payload can match); each port range and source prefix of a rule is one");
	release(&f);
}

/* A bad domain list names its file and line, under the rule that uses it. */
static void test_domain_list_errors(void)
{
	char path[] = "/tmp/botsink-test-domains-XXXXXX", rules[256];
	int fd = mkstemp(path);
	struct fixture f;

	if (fd < 0 || write(fd, "ok.example\nbad..example\n", 24) != 24) {
		CHECK(0);
		return;
	}
	close(fd);
	snprintf(rules, sizeof(rules),
		 "alert dns any any -> any 53 (msg:\"x\"; domains:%s; sid:1;)\n", path);
	CHECK_INT(build(&f, rules, SPACE), -1);
	snprintf(rules, sizeof(rules),
		 "1: sid 1: %s:2: 'bad..example' is not a domain name (empty label)", path);
	CHECK_STR(errors_of(&f.rs), rules);
	release(&f);
	unlink(path);
}

/* Rules on one or a few exact ports: one list per port, so thousands fit. */
static void test_port_lists(void)
{
	size_t cap = 3000 * 80, len = 0;
	char *rules = malloc(cap);
	const struct dst_entry *e;
	struct fixture f;

	if (!rules) {
		CHECK(0);
		return;
	}
	for (int i = 0; i < 3000; i++)
		len += (size_t)snprintf(rules + len, cap - len,
					"alert tcp any any -> 203.0.113.0/24 %d (sid:%d;)\n",
					10000 + i, i + 1);
	len += (size_t)snprintf(rules + len, cap - len,
				"alert udp any any -> 203.0.113.0/24 [53,5353] (sid:9000;)\n"
				"alert ip any any -> 203.0.113.0/24 any (sid:9001;)\n");
	CHECK_INT(build(&f, rules, SPACE), 0);
	CHECK_STR(errors_of(&f.rs), "");
	e = find_entry(&f.c, SPACE);
	if (e) {
		CHECK_INT(e->nports, 3002);
		CHECK_INT(e->n, 1); /* sid 9001: any port */
		CHECK_INT(e->cand[0].c.sid, 9001);
		CHECK_INT(e->cand[0].c.rank, 3002); /* after every exact-port rule */
		CHECK_INT(e->ports[0].proto, IPPROTO_TCP);
		CHECK_INT(e->ports[0].port, 10000);
		CHECK_INT(e->ports[3000].proto, IPPROTO_UDP);
		CHECK_INT(e->ports[3000].port, 53);
		CHECK_INT(e->ports[3001].cand[0].c.sid, 9000);
	} else {
		CHECK(0);
	}
	CHECK_INT(f.c.nlists, 3003);
	release(&f);

	/*
	 * Header-only rules on one port: the first that takes every packet
	 * ends the list, however many follow it (they can never win).
	 */
	len = 0;
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(rules + len, cap - len,
					"alert tcp any any -> 203.0.113.0/24 80 (sid:%d;)\n",
					i + 1);
	CHECK_INT(build(&f, rules, SPACE), 0);
	e = find_entry(&f.c, SPACE);
	CHECK(e && e->nports == 1 && e->ports[0].n == 1000 && e->ports[0].runs.reached == 1 &&
	      e->ports[0].cand[0].c.sid == 1);
	release(&f);

	/* Walked for every packet: 65 header-only rules that each narrow (flags) are one too many. */
	len = 0;
	for (int i = 0; i < 65; i++)
		len += (size_t)snprintf(
			rules + len, cap - len,
			"alert tcp any any -> 203.0.113.0/24 80 (flags:S,%d; sid:%d;)\n",
			i % 2 ? 12 : 1, i + 1);
	CHECK_INT(build(&f, rules, SPACE), -1);
	CHECK_STR(
		errors_of(&f.rs),
		"65: sid 65: destination 203.0.113.0/24 port tcp/80: more than 64 candidate entries walked for every packet (header-only rules, and those an empty payload can match); each port range and source prefix of a rule is one");
	release(&f);
	free(rules);
}

static void test_sinkhole_list(void)
{
	struct addr_set s;
	char *bad = NULL;

	CHECK_INT(parse_sinkhole("203.0.113.0/24, 2001:db8::/32", &s, &bad), 0);
	CHECK(bad == NULL);
	CHECK_STR(space_of(&s), "2001:db8::/32 203.0.113.0/24");
	addr_set_free(&s);

	CHECK_INT(parse_sinkhole("203.0.113.77/24,198.51.100.1", &s, &bad), 0);
	CHECK_STR(space_of(&s), "203.0.113.0/24 198.51.100.1/32");
	addr_set_free(&s);

	/* A management address taken out of the sinkhole prefix. */
	CHECK_INT(parse_sinkhole("203.0.113.0/24,!203.0.113.250", &s, &bad), 0);
	CHECK_STR(space_of(&s), "203.0.113.0/24 !203.0.113.250/32");
	addr_set_free(&s);

	CHECK_INT(parse_sinkhole("1.2.3.4/33", &s, &bad), -1);
	CHECK_STR(bad, "1.2.3.4/33");
	free(bad);

	CHECK_INT(parse_sinkhole("203.0.113.0/24, bogus", &s, &bad), -1);
	CHECK_STR(bad, "bogus");
	free(bad);

	CHECK_INT(parse_sinkhole("!203.0.113.0/24", &s, &bad), -1);
	CHECK_STR(bad, "!203.0.113.0/24");
	free(bad);

	CHECK_INT(parse_sinkhole("", &s, &bad), -1);
	free(bad);
}

/* A hole in the space is an entry of its own, with no list: not sinkhole traffic. */
static void test_sinkhole_holes(void)
{
	static const char rules[] = "alert tcp any any -> $HOME_NET 23 (sid:1;)\n"
				    "alert tcp any any -> 203.0.113.250 22 (sid:2;)\n";
	struct fixture f;

	CHECK_INT(build(&f, "alert tcp any any -> $HOME_NET 23 (sid:1;)\n",
			"203.0.113.0/24,!203.0.113.250"),
		  0);
	CHECK_STR(entries_of(&f.c), "203.0.113.0/24 203.0.113.250/32");
	CHECK_STR(sids_at(&f.c, "203.0.113.0/24"), "1");
	CHECK_STR(sids_at(&f.c, "203.0.113.250/32"), "");
	CHECK(find_entry(&f.c, "203.0.113.0/24")->list != 0);
	CHECK_INT(find_entry(&f.c, "203.0.113.250/32")->list, 0);
	release(&f);

	/* A rule for the excluded address is outside the space. */
	CHECK_INT(build(&f, rules, "203.0.113.0/24,!203.0.113.250"), -1);
	CHECK_STR(errors_of(&f.rs),
		  "2: destination 203.0.113.250/32 is outside the sinkhole space (--sinkhole)");
	release(&f);
}

/*
 * endswith, dotprefix and the size checks: their chunks in rule order,
 * relative checks anchored on the last content of their buffer, and a
 * fast pattern without a '.' that dotprefix may have put there.
 */
static void test_size_checks(void)
{
	static const char rules[] =
		"alert http any any -> 203.0.113.5 80 (http.uri; content:\"/a\"; isdataat:2,relative; "
		"bsize:!3-6; content:\".php\"; endswith; urilen:<9; sid:1;)\n"
		"alert http any any -> 203.0.113.6 80 (http.host; dotprefix; content:\".example.com\"; "
		"endswith; sid:2;)\n"
		"alert http any any -> 203.0.113.7 80 (http.host; dotprefix; content:\"example.com\"; "
		"endswith; sid:3;)\n";
	const struct botsink_content *k;
	char *text = NULL;
	size_t len = 0;
	struct fixture f;
	FILE *dump;

	if (build(&f, rules, SPACE))
		return;
	CHECK_INT(f.c.payload[0].nchunks, 5);
	k = &f.c.contents[f.c.payload[0].content];
	CHECK_INT(k[1].flags, BOTSINK_CONTENT_SIZE | BOTSINK_CONTENT_RELATIVE);
	CHECK_INT(k[1].anchor, 0);
	CHECK_INT(k[1].start, 2);
	CHECK_INT(k[1].limit, 0x7fffffff);
	CHECK_INT(k[2].flags, BOTSINK_CONTENT_SIZE | BOTSINK_CONTENT_NEGATED);
	CHECK_INT(k[2].start, 4);
	CHECK_INT(k[2].limit, 5);
	CHECK_INT(k[3].flags, BOTSINK_CONTENT_ENDSWITH);
	CHECK_INT(k[4].flags, BOTSINK_CONTENT_SIZE);
	CHECK_INT(k[4].limit, 8);
	CHECK_INT(f.c.payload[0].fastpat, 3);
	k = &f.c.contents[f.c.payload[1].content];
	CHECK_INT(k[0].flags,
		  BOTSINK_CONTENT_NOCASE | BOTSINK_CONTENT_DOTPREFIX | BOTSINK_CONTENT_ENDSWITH);
	/* Its '.' may not be on the wire: the pattern is what follows it. */
	CHECK_INT(f.c.payload[1].fastpat, 0);
	CHECK_INT(f.c.payload[1].fastpat_start, 1);
	CHECK_INT(f.c.payload[1].fastpat_len, 11);
	CHECK_INT(f.c.payload[2].fastpat, 0);
	dump = open_memstream(&text, &len);
	compiled_dump(dump, &f.rs, &f.c);
	fclose(dump);
	CHECK(text &&
	      strstr(text, " http 5 content chunks [1: size of http.uri after 0 2-2147483647]"
			   " [2: size of http.uri not 4-5] [3: http.uri endswith]"
			   " [4: size of http.uri 0-8] ("));
	CHECK(text && strstr(text, " http 1 content chunk [0: http.host dotprefix endswith] ("));
	free(text);
	release(&f);
}

int main(void)
{
	test_rank_prefix();
	test_rank_port();
	test_rank_payload();
	test_rank_proto_flags_sid();
	test_rank_precedence();
	test_entries();
	test_fallback();
	test_negated_destination();
	test_no_sinkhole();
	test_outside_sinkhole();
	test_never_matches();
	test_sources();
	test_candidate_limit();
	test_port_lists();
	test_domain_list_errors();
	test_sinkhole_list();
	test_sinkhole_holes();
	test_size_checks();
	return unit_report("test_compile");
}
