// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The partners file: the example, defaults and comments, every
 * refused line with its line number and reason, outputs that are one file
 * under two names, and which sources are inside a partner's scope.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "feed/partners.h"
#include "lib/util.h"
#include "unit.h"

#define FILE_NAME "p.ini" /* in the test's directory, which is the working one */

static char dir[] = "/tmp/botsink-partners-XXXXXX";
static char err_text[16384];

static void write_text(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

/* Load `text` as FILE_NAME; what went to the error stream is in err_text. */
static int load_main(const char *text, bool asn_db, const char *main_feed, struct partner_set *ps)
{
	FILE *errors;
	int ret;

	err_text[0] = '\0';
	errors = fmemopen(err_text, sizeof(err_text), "w");
	write_text(FILE_NAME, text);
	ret = partners_load(FILE_NAME, asn_db, main_feed, ps, errors);
	fclose(errors);
	return ret;
}

static int load(const char *text, bool asn_db, struct partner_set *ps)
{
	return load_main(text, asn_db, NULL, ps);
}

/* The errors a refused file gives ("" when it loads). */
static const char *errors_of(const char *text)
{
	struct partner_set ps;
	int ret = load(text, true, &ps);

	CHECK_INT(ret, err_text[0] ? -1 : 0);
	if (ret)
		CHECK(ps.p == NULL && ps.n == 0);
	partners_free(&ps);
	return err_text;
}

static const char *prefix_text(const struct prefix *p)
{
	static char buf[PREFIX_TEXT_LEN];

	prefix_format(p, buf, sizeof(buf));
	return buf;
}

static void test_example(void)
{
	struct partner_set ps;
	const struct partner *p;

	CHECK_INT(
		load("[isp-a]\n"
		     "scope  = 198.51.100.0/24, 2001:db8:a::/48, AS64500\n"
		     "anon   = none               # ipcrypt-pfx | ipcrypt-deterministic | truncate | none\n"
		     "format = shadowserver-csv   # jsonl | shadowserver-csv | intelmq\n"
		     "output = /var/lib/botsink/partners/isp-a.csv\n",
		     true, &ps),
		0);
	CHECK_STR(err_text, "");
	CHECK_INT(ps.n, 1);
	if (ps.n != 1)
		return;
	p = &ps.p[0];
	CHECK_STR(p->name, "isp-a");
	CHECK_INT(p->line, 1);
	CHECK_INT(p->nprefixes, 2);
	if (p->nprefixes == 2) {
		CHECK_STR(prefix_text(&p->prefixes[0]), "198.51.100.0/24");
		CHECK_INT(p->prefixes[0].len, 96 + 24);
		CHECK_STR(prefix_text(&p->prefixes[1]), "2001:db8:a::/48");
		CHECK_INT(p->prefixes[1].len, 48);
	}
	CHECK_INT(p->nasns, 1);
	if (p->nasns == 1)
		CHECK_INT(p->asns[0], 64500);
	CHECK_STR(anon_mode_name(p->anon), "none");
	CHECK_STR(record_format_name(p->format), "shadowserver-csv");
	CHECK_STR(p->output, "/var/lib/botsink/partners/isp-a.csv");
	CHECK(p->verified_only); /* the default */
	CHECK(partners_use_asn(&ps));
	partners_free(&ps);
	CHECK(ps.p == NULL && ps.n == 0);

	/* Without --mmdb-asn the same file is refused, at the AS entry's line. */
	CHECK_INT(load("[isp-a]\n"
		       "scope  = 198.51.100.0/24, 2001:db8:a::/48, AS64500\n"
		       "output = /var/lib/botsink/partners/isp-a.csv\n",
		       false, &ps),
		  -1);
	CHECK_STR(err_text, "p.ini:2: AS64500: an ASN scope needs --mmdb-asn\n");
	CHECK(ps.p == NULL && ps.n == 0);
}

static void test_defaults_and_comments(void)
{
	struct partner_set ps;

	CHECK_INT(load("\xef\xbb\xbf; a comment\n"
		       "  # indented comment\n"
		       "\n"
		       "[ cert.example_1 ]   ; the section\r\n"
		       "\tscope=192.0.2.1,2001:db8::1 ,as3, AS1,AS2 , AS3,AS4294967295\n"
		       "output = out#1;2.jsonl # '#' and ';' inside a value are kept\n"
		       "[b]\n"
		       "scope = 10.0.0.0/8\n"
		       "anon = ipcrypt-deterministic\n"
		       "format = intelmq\n"
		       "output = b.jsonl\n"
		       "[c]\n"
		       "scope = 10.0.0.0/8\n"
		       "anon = truncate\n"
		       "format = jsonl\n"
		       "output = c.jsonl",
		       true, &ps),
		  0);
	CHECK_STR(err_text, "");
	CHECK_INT(ps.n, 3);
	if (ps.n != 3)
		return;
	CHECK_STR(ps.p[0].name, "cert.example_1");
	CHECK_INT(ps.p[0].line, 4);
	CHECK_STR(anon_mode_name(ps.p[0].anon), "ipcrypt-pfx");
	CHECK_STR(record_format_name(ps.p[0].format), "jsonl");
	CHECK_STR(ps.p[0].output, "out#1;2.jsonl");
	CHECK_INT(ps.p[0].nprefixes, 2);
	if (ps.p[0].nprefixes == 2) {
		CHECK_STR(prefix_text(&ps.p[0].prefixes[0]), "192.0.2.1/32");
		CHECK_STR(prefix_text(&ps.p[0].prefixes[1]), "2001:db8::1/128");
	}
	/* Sorted and unique. */
	CHECK_INT(ps.p[0].nasns, 4);
	if (ps.p[0].nasns == 4) {
		CHECK_INT(ps.p[0].asns[0], 1);
		CHECK_INT(ps.p[0].asns[1], 2);
		CHECK_INT(ps.p[0].asns[2], 3);
		CHECK_INT(ps.p[0].asns[3], 4294967295u);
	}
	CHECK_STR(anon_mode_name(ps.p[1].anon), "ipcrypt-deterministic");
	CHECK_STR(record_format_name(ps.p[1].format), "intelmq");
	CHECK_INT(ps.p[1].nasns, 0);
	CHECK_STR(anon_mode_name(ps.p[2].anon), "truncate");
	CHECK_STR(record_format_name(ps.p[2].format), "jsonl");
	CHECK_STR(ps.p[2].output, "c.jsonl");
	CHECK_INT(ps.p[2].line, 12);
	for (size_t i = 0; i < ps.n; i++)
		CHECK(ps.p[i].verified_only);
	partners_free(&ps);

	CHECK_INT(load("[a]\nscope = 10.0.0.0/8\noutput = a.jsonl\n", false, &ps), 0);
	CHECK(!partners_use_asn(&ps));
	partners_free(&ps);
}

static struct prefix pfx(const char *text)
{
	struct prefix p = { 0 };

	CHECK_INT(prefix_parse(text, &p), 0);
	return p;
}

static void test_overlapping(void)
{
	struct partner_set ps;
	struct prefix in_both = pfx("198.51.100.7"), in_b = pfx("198.51.5.5");
	struct prefix agg_a = pfx("198.51.100.0/24"), agg_b = pfx("198.51.0.0/20");

	CHECK_INT(load("[a]\nscope = 198.51.100.0/24\noutput = a.jsonl\n"
		       "[b]\nscope = 198.51.0.0/16, 198.51.100.0/24\noutput = b.jsonl\n",
		       false, &ps),
		  0);
	CHECK_STR(err_text, "");
	CHECK_INT(ps.n, 2);
	if (ps.n != 2)
		return;
	CHECK(partner_in_scope(&ps.p[0], &in_both, 0, 0));
	CHECK(partner_in_scope(&ps.p[1], &in_both, 0, 0));
	CHECK(!partner_in_scope(&ps.p[0], &in_b, 0, 0));
	CHECK(partner_in_scope(&ps.p[1], &in_b, 0, 0));
	CHECK(partner_in_scope(&ps.p[0], &agg_a, 0, 0));
	CHECK(partner_in_scope(&ps.p[1], &agg_a, 0, 0));
	CHECK(!partner_in_scope(&ps.p[0], &agg_b, 0, 0));
	CHECK(partner_in_scope(&ps.p[1], &agg_b, 0, 0));
	partners_free(&ps);
}

#define OK_REST "scope = 10.0.0.0/8\noutput = a.out\n"

static void test_key_errors(void)
{
	CHECK_STR(errors_of("[a]\n" OK_REST "formt = jsonl\n"),
		  "p.ini:4: unknown key 'formt' (scope, anon, format, output, verified_only, evidence)\n");
	CHECK_STR(errors_of("[a]\n" OK_REST "Scope = 10.1.0.0/16\n"),
		  "p.ini:4: unknown key 'Scope' (scope, anon, format, output, verified_only, evidence)\n");
	CHECK_STR(errors_of("[a]\n" OK_REST "\nscope = 10.1.0.0/16\n"),
		  "p.ini:5: 'scope' given twice (first at line 2)\n");
	CHECK_STR(errors_of("[a]\n" OK_REST "output = b.out\n"),
		  "p.ini:4: 'output' given twice (first at line 3)\n");
	CHECK_STR(errors_of("# the partners\nformat = jsonl\n[a]\n" OK_REST),
		  "p.ini:2: 'format' before any [partner] section\n");
	CHECK_STR(
		errors_of("[a]\n" OK_REST "anon = ipcrypt\n"),
		"p.ini:4: anon 'ipcrypt' is not ipcrypt-pfx, ipcrypt-deterministic, truncate or none\n");
	CHECK_STR(errors_of("[a]\n" OK_REST "anon =\n"),
		  "p.ini:4: anon '' is not ipcrypt-pfx, ipcrypt-deterministic, truncate or none\n");
	CHECK_STR(
		errors_of("[a]\n" OK_REST "format = csv\n"),
		"p.ini:4: format 'csv' is not jsonl, shadowserver-csv, shadowserver-http-csv or intelmq\n");
	CHECK_STR(errors_of("[a]\n" OK_REST "just words\n"),
		  "p.ini:4: expected '[partner]' or 'key = value'\n");
	CHECK_STR(errors_of("[a]\n" OK_REST " = x\n"), "p.ini:4: '=' without a key before it\n");
}

/* verified_only: yes by default; every spelling of yes and no, in any case. */
static void test_verified_only(void)
{
	static const struct {
		const char *value;
		bool want;
	} words[] = {
		{ "yes", true },
		{ "no", false },
		{ "true", true },
		{ "false", false },
		{ "on", true },
		{ "off", false },
		{ "1", true },
		{ "0", false },
		{ "Yes", true },
		{ "NO", false },
		{ "True", true },
		{ "oFF", false },
		{ "yes  # a comment", true },
	};
	struct partner_set ps;
	char text[256];

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		snprintf(text, sizeof(text),
			 "[a]\n" OK_REST "verified_only = %s\n[b]\n"
			 "scope = 10.0.0.0/8\noutput = b.out\n",
			 words[i].value);
		CHECK_INT(load(text, false, &ps), 0);
		CHECK_STR(err_text, "");
		CHECK_INT(ps.n, 2);
		if (ps.n != 2)
			continue;
		if (ps.p[0].verified_only != words[i].want)
			fprintf(stderr, "  verified_only = %s\n", words[i].value);
		CHECK(ps.p[0].verified_only == words[i].want);
		CHECK(ps.p[1].verified_only); /* a section's own, not the one before */
		partners_free(&ps);
	}
	CHECK_STR(errors_of("[a]\n" OK_REST "verified_only = maybe\n"),
		  "p.ini:4: verified_only 'maybe' is not yes or no (true/false, on/off, 1/0)\n");
	CHECK_STR(errors_of("[a]\n" OK_REST "verified_only =\n"),
		  "p.ini:4: verified_only '' is not yes or no (true/false, on/off, 1/0)\n");
	CHECK_STR(errors_of("[a]\n" OK_REST "verified_only = yes no\n"),
		  "p.ini:4: verified_only 'yes no' is not yes or no (true/false, on/off, 1/0)\n");
	CHECK_STR(errors_of("[a]\nverified_only = 2\n" OK_REST),
		  "p.ini:2: verified_only '2' is not yes or no (true/false, on/off, 1/0)\n");
	CHECK_STR(errors_of("[a]\n" OK_REST "verified_only = y\n"),
		  "p.ini:4: verified_only 'y' is not yes or no (true/false, on/off, 1/0)\n");
	CHECK_STR(errors_of("[a]\nverified_only = no\n" OK_REST "verified_only = no\n"),
		  "p.ini:5: 'verified_only' given twice (first at line 2)\n");
	CHECK_STR(errors_of("verified_only = no\n[a]\n" OK_REST),
		  "p.ini:1: 'verified_only' before any [partner] section\n");
	CHECK_STR(
		errors_of("[a]\n" OK_REST "verified-only = no\n"),
		"p.ini:4: unknown key 'verified-only' (scope, anon, format, output, verified_only, evidence)\n");
}

static void test_scope_errors(void)
{
	CHECK_STR(errors_of("[a]\nscope = 10.0.0.0/33\noutput = a.out\n"),
		  "p.ini:2: '10.0.0.0/33' is neither a prefix nor an AS number\n");
	CHECK_STR(errors_of("[a]\nscope = 10.0.0.0/8, example.com\noutput = a.out\n"),
		  "p.ini:2: 'example.com' is neither a prefix nor an AS number\n");
	CHECK_STR(errors_of("[a]\nscope = ::ffff:10.0.0.0/104\noutput = a.out\n"),
		  "p.ini:2: '::ffff:10.0.0.0/104' is neither a prefix nor an AS number\n");
	CHECK_STR(errors_of("[a]\nscope = 198.51.100.7/24\noutput = a.out\n"),
		  "p.ini:2: '198.51.100.7/24' has host bits set (the prefix is 198.51.100.0/24)\n");
	CHECK_STR(
		errors_of("[a]\nscope = 2001:db8:a::1/48\noutput = a.out\n"),
		"p.ini:2: '2001:db8:a::1/48' has host bits set (the prefix is 2001:db8:a::/48)\n");
	CHECK_STR(
		errors_of("[a]\nscope = AS0, ASx, AS4294967296, AS, AS-1, AS 5\noutput = a.out\n"),
		"p.ini:2: 'AS0' is not an AS number (AS1 to AS4294967295)\n"
		"p.ini:2: 'ASx' is not an AS number (AS1 to AS4294967295)\n"
		"p.ini:2: 'AS4294967296' is not an AS number (AS1 to AS4294967295)\n"
		"p.ini:2: 'AS' is not an AS number (AS1 to AS4294967295)\n"
		"p.ini:2: 'AS-1' is not an AS number (AS1 to AS4294967295)\n"
		"p.ini:2: 'AS 5' is not an AS number (AS1 to AS4294967295)\n");
	CHECK_STR(errors_of("[a]\nscope = 10.0.0.0/8,, AS1,\noutput = a.out\n"),
		  "p.ini:2: empty entry in scope\np.ini:2: empty entry in scope\n");
	/* Empty or missing scope and a missing output: at the section's line. */
	CHECK_STR(errors_of("# x\n[a]\nscope =   # nothing yet\noutput = a.out\n"),
		  "p.ini:2: partner 'a' has an empty scope\n");
	CHECK_STR(errors_of("[a]\noutput = a.out\n[b]\nscope = 10.0.0.0/8\n"),
		  "p.ini:1: partner 'a' has no scope\np.ini:3: partner 'b' has no output\n");
	CHECK_STR(errors_of("[a]\nscope = 10.0.0.0/8\noutput =\n"),
		  "p.ini:1: partner 'a' has no output\n");
	CHECK_STR(errors_of("[a]\n"), "p.ini:1: partner 'a' has no scope\n"
				      "p.ini:1: partner 'a' has no output\n");
}

static void test_section_errors(void)
{
	char name65[128], text[256];

	CHECK_STR(errors_of("[a]\n" OK_REST "[b]\nscope = 10.0.0.0/8\noutput = b.out\n"
			    "[a]\nscope = 10.0.0.0/8\noutput = c.out\n"),
		  "p.ini:7: duplicate partner 'a' (first at line 1)\n");
	CHECK_STR(errors_of("[isp a]\n" OK_REST),
		  "p.ini:1: partner name: ' ' is not allowed (A-Z a-z 0-9 . _ - only)\n");
	CHECK_STR(errors_of("[isp/a]\n" OK_REST),
		  "p.ini:1: partner name: '/' is not allowed (A-Z a-z 0-9 . _ - only)\n");
	CHECK_STR(errors_of("[isp\x01]\n" OK_REST),
		  "p.ini:1: partner name: byte 0x01 is not allowed (A-Z a-z 0-9 . _ - only)\n");
	CHECK_STR(errors_of("[ ]\n" OK_REST), "p.ini:1: empty partner name\n");
	memset(name65, 'n', 65);
	name65[65] = '\0';
	snprintf(text, sizeof(text), "[%s]\n" OK_REST, name65);
	CHECK_STR(errors_of(text), "p.ini:1: partner name longer than 64 characters\n");
	name65[64] = '\0';
	snprintf(text, sizeof(text), "[%s]\n" OK_REST, name65);
	CHECK_STR(errors_of(text), "");
	/* The keys under a refused header belong to no partner: no more errors from them. */
	CHECK_STR(errors_of("[a\n" OK_REST "anon = x\n"), "p.ini:1: '[' without ']'\n");
	CHECK_STR(errors_of("[a]\n" OK_REST "[b] x\n" OK_REST "colour = red\n[c]\n" OK_REST),
		  "p.ini:4: unexpected text after ']'\n"
		  "p.ini:7: unknown key 'colour' (scope, anon, format, output, verified_only, evidence)\n"
		  "p.ini:10: partner 'c' has the same output as partner 'a' (line 3)\n");
	CHECK_STR(errors_of("[a]\nscope = 10.0.0.0/8\n[b\noutput = b.out\n"),
		  "p.ini:1: partner 'a' has no output\np.ini:3: '[' without ']'\n");
	CHECK_STR(errors_of("# only comments\n\n"), "p.ini: no [partner] sections\n");
	CHECK_STR(errors_of(""), "p.ini: no [partner] sections\n");
}

static void test_output_errors(void)
{
	struct partner_set ps;
	char path[128], text[512];

	CHECK_STR(errors_of("[a]\nscope = 10.0.0.0/8\noutput = out//a.csv\n"
			    "[b]\nscope = 10.0.0.0/8\noutput = ./out/./a.csv\n"),
		  "p.ini:6: partner 'b' has the same output as partner 'a' (line 3)\n");
	/* Not a file yet, but the same directory by its real path. */
	snprintf(text, sizeof(text),
		 "[a]\nscope = 10.0.0.0/8\noutput = a.csv\n"
		 "[b]\nscope = 10.0.0.0/8\noutput = %s/a.csv\n",
		 dir);
	CHECK_STR(errors_of(text),
		  "p.ini:6: partner 'b' has the same output as partner 'a' (line 3)\n");
	/*
	 * A symbolic link, to an existing file or dangling, is never written
	 * through: refused with its line (and not taken for a second name).
	 */
	write_text("real.csv", "");
	CHECK_INT(symlink("real.csv", "link.csv"), 0);
	CHECK_INT(symlink("none.csv", "dangling.csv"), 0);
	CHECK_STR(
		errors_of("[a]\nscope = 10.0.0.0/8\noutput = real.csv\n"
			  "[b]\nscope = 10.0.0.0/8\noutput = dangling.csv\n"
			  "[c]\nscope = 10.0.0.0/8\noutput = link.csv\n"),
		"p.ini:6: output 'dangling.csv' is a symbolic link: refused (outputs are never written through one)\n"
		"p.ini:9: output 'link.csv' is a symbolic link: refused (outputs are never written through one)\n");
	CHECK(access("none.csv", F_OK) != 0);
	unlink("dangling.csv");
	unlink("link.csv");
	unlink("real.csv");
	CHECK_STR(errors_of("[a]\nscope = 10.0.0.0/8\noutput = -\n"),
		  "p.ini:3: output '-' (standard output) is not allowed: give a file path\n");
	CHECK_STR(errors_of("[a]\nscope = 10.0.0.0/8\noutput = /tmp\n"),
		  "p.ini:3: output '/tmp' is a directory\n");

	/* The main feed: its own path, another name for it, or standard output. */
	CHECK_INT(load_main("[a]\n" OK_REST "[b]\nscope = 10.0.0.0/8\noutput = feed.jsonl\n", false,
			    "./feed.jsonl", &ps),
		  -1);
	CHECK_STR(err_text, "p.ini:6: output 'feed.jsonl' is the main feed (--feed)\n");
	snprintf(path, sizeof(path), "%s//feed.jsonl", dir);
	CHECK_INT(load_main("[b]\nscope = 10.0.0.0/8\noutput = feed.jsonl\n", false, path, &ps),
		  -1);
	CHECK_STR(err_text, "p.ini:3: output 'feed.jsonl' is the main feed (--feed)\n");
	CHECK_INT(load_main("[b]\nscope = 10.0.0.0/8\noutput = feed.jsonl\n", false, "-", &ps), 0);
	CHECK_STR(err_text, "");
	partners_free(&ps);
}

static void test_file_errors(void)
{
	struct partner_set ps;
	char *text = malloc(8192), expected[8192];
	FILE *errors;
	size_t n = 0;

	if (!text)
		return;
	/* 4096 bytes is the longest line; CR LF endings do not count. */
	n = (size_t)snprintf(text, 8192, "[a]\n" OK_REST "# ");
	memset(text + n, 'x', 4094);
	strcpy(text + n + 4094, "\r\n");
	CHECK_STR(errors_of(text), "");
	strcpy(text + n + 4094, "x\n[b]\n");
	CHECK_STR(errors_of(text), "p.ini:4: line longer than 4096 bytes\n"
				   "p.ini:5: partner 'b' has no scope\n"
				   "p.ini:5: partner 'b' has no output\n");

	/* Every error up to 100, in line order, then the file is given up on. */
	n = 0;
	expected[0] = '\0';
	for (int i = 1; i <= 150; i++)
		n += (size_t)snprintf(text + n, 8192 - n, "junk\n");
	for (int i = 1; i <= 100; i++)
		snprintf(expected + strlen(expected), sizeof(expected) - strlen(expected),
			 "p.ini:%d: expected '[partner]' or 'key = value'\n", i);
	strcat(expected, "p.ini: too many errors, stopped after 100\n");
	CHECK_STR(errors_of(text), expected);
	free(text);

	err_text[0] = '\0';
	errors = fmemopen(err_text, sizeof(err_text), "w");
	CHECK_INT(partners_load("missing.ini", false, NULL, &ps, errors), -1);
	fclose(errors);
	CHECK_STR(err_text, "missing.ini: No such file or directory\n");
	CHECK(ps.p == NULL && ps.n == 0);

	/* A NUL byte does not end the file early. */
	err_text[0] = '\0';
	errors = fmemopen(err_text, sizeof(err_text), "w");
	CHECK_INT(partners_parse_buffer("mem.ini", "[a]\n" OK_REST "x\0y\n",
					sizeof("[a]\n" OK_REST "x\0y\n") - 1, false, NULL, &ps,
					errors),
		  -1);
	fclose(errors);
	CHECK_STR(err_text, "mem.ini:4: NUL byte in the line\n");
}

/* Errors from all over the file, in line order, each once. */
static void test_many_errors(void)
{
	CHECK_STR(errors_of("[a]\n"
			    "scope = 10.0.0.1/8, AS0\n"
			    "colour = blue\n"
			    "[a]\n"
			    "scope = 10.0.0.0/8\n"
			    "output = x.out\n"
			    "output = y.out\n"
			    "[c d]\n"
			    "scope = 10.0.0.0/8\n"
			    "output = x.out\n"),
		  "p.ini:1: partner 'a' has no output\n"
		  "p.ini:2: '10.0.0.1/8' has host bits set (the prefix is 10.0.0.0/8)\n"
		  "p.ini:2: 'AS0' is not an AS number (AS1 to AS4294967295)\n"
		  "p.ini:3: unknown key 'colour' (scope, anon, format, output, verified_only, evidence)\n"
		  "p.ini:4: duplicate partner 'a' (first at line 1)\n"
		  "p.ini:7: 'output' given twice (first at line 6)\n"
		  "p.ini:8: partner name: ' ' is not allowed (A-Z a-z 0-9 . _ - only)\n"
		  "p.ini:10: partner 'c d' has the same output as partner 'a' (line 6)\n");
}

static void test_scope(void)
{
	struct partner_set ps;
	struct prefix v4_host = pfx("198.51.100.7"), v4_out = pfx("203.0.113.9");
	struct prefix v6_host = pfx("2001:db8:a:1::5"), v6_out = pfx("2001:db8:b::5");
	struct prefix agg24 = pfx("198.51.100.0/24"), agg24_v6 = pfx("2001:db8:a::/48");
	struct prefix agg16 = pfx("198.51.0.0/16");

	CHECK_INT(load("[p]\nscope = 198.51.0.0/16, 2001:db8:a::/48, AS64500\noutput = p.out\n"
		       "[all6]\nscope = ::/0\noutput = all6.out\n"
		       "[all4]\nscope = 0.0.0.0/0\noutput = all4.out\n"
		       "[narrow]\nscope = 198.51.100.0/26\noutput = narrow.out\n"
		       "[asn]\nscope = AS64500, AS64496\noutput = asn.out\n",
		       true, &ps),
		  0);
	CHECK_STR(err_text, "");
	CHECK_INT(ps.n, 5);
	if (ps.n != 5)
		return;
	/* Hosts in and out, each family. */
	CHECK(partner_in_scope(&ps.p[0], &v4_host, 0, 0));
	CHECK(!partner_in_scope(&ps.p[0], &v4_out, 0, 0));
	CHECK(partner_in_scope(&ps.p[0], &v6_host, 0, 0));
	CHECK(!partner_in_scope(&ps.p[0], &v6_out, 0, 0));
	/* ::/0 holds no IPv4 source, 0.0.0.0/0 no IPv6 one. */
	CHECK(!partner_in_scope(&ps.p[1], &v4_host, 0, 0));
	CHECK(partner_in_scope(&ps.p[1], &v6_host, 0, 0));
	CHECK(partner_in_scope(&ps.p[2], &v4_host, 0, 0));
	CHECK(!partner_in_scope(&ps.p[2], &v6_host, 0, 0));
	/* Aggregates: in only when all of them is. */
	CHECK(partner_in_scope(&ps.p[0], &agg24, 0, 0));
	CHECK(partner_in_scope(&ps.p[0], &agg24_v6, 0, 0));
	CHECK(!partner_in_scope(&ps.p[3], &agg24, 0, 0));
	CHECK(partner_in_scope(&ps.p[3], &v4_host, 0, 0));
	CHECK(!partner_in_scope(&ps.p[0], &(struct prefix){ agg16.addr, 96 + 15 }, 0, 0));

	/* ASN: the source's network must hold the whole aggregate. */
	CHECK(partner_in_scope(&ps.p[4], &v4_out, 64500, 96 + 24));
	CHECK(partner_in_scope(&ps.p[4], &v4_out, 64496, 96 + 32));
	CHECK(!partner_in_scope(&ps.p[4], &v4_out, 64501, 96 + 24));
	CHECK(!partner_in_scope(&ps.p[4], &v4_out, 0, 96 + 24));
	CHECK(partner_in_scope(&ps.p[4], &agg24, 64500, 96 + 16));
	CHECK(partner_in_scope(&ps.p[4], &agg24, 64500, 96 + 24));
	CHECK(!partner_in_scope(&ps.p[4], &agg24, 64500, 96 + 25));
	CHECK(partner_in_scope(&ps.p[4], &agg24_v6, 64496, 32));
	CHECK(!partner_in_scope(&ps.p[4], &agg24_v6, 64496, 56));
	/* The prefix scope decides alone when the ASN is unknown. */
	CHECK(partner_in_scope(&ps.p[0], &v4_host, 0, 0));
	CHECK(!partner_in_scope(&ps.p[3], &v4_out, 64500, 96 + 24));
	partners_free(&ps);
}

int main(void)
{
	char cwd[4096];

	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(chdir(dir), 0);
	test_example();
	test_defaults_and_comments();
	test_overlapping();
	test_key_errors();
	test_verified_only();
	test_scope_errors();
	test_section_errors();
	test_output_errors();
	test_file_errors();
	test_many_errors();
	test_scope();
	unlink(FILE_NAME);
	CHECK_INT(chdir(cwd), 0);
	CHECK_INT(rmdir(dir), 0);
	return unit_report("test_partners");
}
