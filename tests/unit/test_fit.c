// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fitting a rule set (rules/fit.c): exactly which rules are left out, and
 * why, for each reason (a destination outside the sinkhole, too many
 * content chunks in one rule, a full candidate list, a limit of the whole
 * set, a rule the whole set's error hid), and the rest compiles. The
 * counts come from botsink_abi.h, so the tests follow its limits.
 */
#include "botsink_abi.h"
#include "rules/compile.h"
#include "rules/fit.h"
#include "rules/rules.h"
#include "unit.h"

struct fitted {
	struct rule_set rs;
	struct rule_fit fit;
	char *text;
	size_t len;
	FILE *f;
};

static void begin(struct fitted *t)
{
	memset(t, 0, sizeof(*t));
	t->f = open_memstream(&t->text, &t->len);
}

/* Parse (which must succeed), fit against `sinkhole` (NULL: none). */
static void fit(struct fitted *t, const char *sinkhole)
{
	struct addr_set space = { 0 };
	char *bad = NULL;

	fclose(t->f);
	rules_parse_buffer("t.rules", t->text, &t->rs);
	CHECK_INT(t->rs.nerrors, 0);
	if (sinkhole) {
		CHECK_INT(parse_sinkhole(sinkhole, &space, &bad), 0);
		free(bad);
	}
	CHECK_INT(compile_fit(&t->rs, sinkhole ? &space : NULL, &t->fit), 0);
	/* What is left compiles. */
	if (!t->rs.nerrors) {
		struct compiled c;

		CHECK_INT(compile_rules(&t->rs, sinkhole ? &space : NULL, &c), 0);
		for (size_t i = 0; i < t->rs.nerrors; i++)
			fprintf(stderr, "  line %u: %s\n", t->rs.errors[i].line,
				t->rs.errors[i].reason);
		compiled_free(&c);
	}
	addr_set_free(&space);
}

static void end(struct fitted *t)
{
	rule_fit_free(&t->fit);
	rules_free(&t->rs);
	free(t->text);
}

/* "sid:class sid:class": the rules left out. */
static char *left_out(const struct rule_fit *fit)
{
	static char buf[4096];
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < fit->nleft && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%u:%s", i ? " " : "",
				      fit->left[i].sid, fit->left[i].class);
	return buf;
}

/* One rule of each per-rule reason among rules that fit. */
static void test_per_rule(void)
{
	struct fitted t;
	char want[512];

	begin(&t);
	fprintf(t.f, "alert tcp any any -> 203.0.113.1 80 (content:\"a\"; sid:1;)\n");
	fprintf(t.f, "alert tcp any any -> 198.51.100.1 80 (content:\"a\"; sid:2;)\n");
	fprintf(t.f, "alert tcp any any -> 203.0.113.2 80 (");
	for (int i = 0; i <= BOTSINK_RULE_CONTENTS; i++)
		fprintf(t.f, "content:\"c%02d\"; ", i);
	fprintf(t.f, "sid:3;)\n");
	/* One candidate each, ranked by sid: the last two do not fit. */
	for (int i = 0; i < BOTSINK_MAX_CANDIDATES + 2; i++)
		fprintf(t.f, "alert tcp any any -> 203.0.113.7 any (sid:%d;)\n", 100 + i);
	fprintf(t.f, "alert tcp any any -> 203.0.113.3 80 (content:\"b\"; sid:4;)\n");
	fit(&t, "203.0.113.0/24");
	snprintf(
		want, sizeof(want),
		"2:destination outside the sinkhole 3:limit: content chunks per rule "
		"%d:limit: header-only rules per destination %d:limit: header-only rules per destination",
		100 + BOTSINK_MAX_CANDIDATES, 101 + BOTSINK_MAX_CANDIDATES);
	CHECK_STR(left_out(&t.fit), want);
	CHECK_INT(t.rs.n, 2 + BOTSINK_MAX_CANDIDATES);
	CHECK(t.fit.nleft && strstr(t.fit.left[0].reason, "198.51.100.1/32 is outside"));
	CHECK(t.fit.nleft > 1 && strstr(t.fit.left[1].reason, "chunks (of"));
	end(&t);

	/* Without --sinkhole the space is the rules' own prefixes: 'any' cannot be placed. */
	begin(&t);
	fprintf(t.f, "alert tcp any any -> 203.0.113.1 80 (sid:1;)\n");
	fprintf(t.f, "alert tcp any any -> any 80 (sid:2;)\n");
	fit(&t, NULL);
	CHECK_STR(left_out(&t.fit), "2:destination any without --sinkhole");
	CHECK_INT(t.rs.n, 1);
	end(&t);

	/* A set that fits loses nothing. */
	begin(&t);
	fprintf(t.f, "alert tcp any any -> 203.0.113.1 80 (sid:1;)\n");
	fit(&t, "203.0.113.0/24");
	CHECK_INT(t.fit.nleft, 0);
	CHECK_INT(t.rs.n, 1);
	end(&t);
}

/*
 * Content chunks in all: rules of BOTSINK_RULE_CONTENTS chunks each, on
 * destinations of their own (any port: no port lists, a limit of their
 * own), two more than fit. One rule in the middle is
 * outside the sinkhole, an error the chunk limit hides (it stops compiling
 * first): it goes for its own reason, and then only the last rule of the
 * file has to go for the limit.
 */
static void test_whole_set(void)
{
	int per = BOTSINK_RULE_CONTENTS, n = BOTSINK_MAX_CONTENTS / BOTSINK_RULE_CONTENTS + 2;
	struct fitted t;
	char want[256];

	begin(&t);
	for (int i = 0; i < n; i++) {
		if (i == n / 2)
			fprintf(t.f, "alert tcp any any -> 198.51.100.1 any (");
		else
			fprintf(t.f, "alert tcp any any -> 10.%d.%d.%d any (", i >> 16,
				(i >> 8) & 255, i & 255);
		for (int k = 0; k < per; k++)
			fprintf(t.f, "content:\"r%dk%d\"; ", i, k);
		fprintf(t.f, "sid:%d;)\n", i + 1);
	}
	fit(&t, "10.0.0.0/8");
	snprintf(want, sizeof(want),
		 "%d:destination outside the sinkhole %d:limit: content chunks in all", n / 2 + 1,
		 n);
	CHECK_STR(left_out(&t.fit), want);
	CHECK_INT(t.rs.n, n - 2);
	CHECK(t.fit.nleft == 2 && strstr(t.fit.left[1].reason, "content chunks; the limit is"));
	end(&t);
}

static void test_classes(void)
{
	CHECK_STR(
		fit_error_class("protocol 'tls' is not supported (tcp, udp, ip, http, dns)", false),
		"unsupported protocol");
	CHECK_STR(fit_error_class("keyword 'pcre' is not supported in XDP", false),
		  "unsupported keyword");
	CHECK_STR(fit_error_class("rule has no '(...)' options", false), "parse error");
	CHECK_STR(fit_error_class("45577 content chunks; the limit is 32768", true),
		  "limit: content chunks in all");
	CHECK_STR(fit_error_class("something new", true), "limit: other");
}

/*
 * fit_import: the left-out rules are reported, counted, and not printed;
 * among them one --lenient cut down to its request method (every POST).
 */
static void test_import(void)
{
	static const char text[] =
		"alert tcp any any -> 203.0.113.1 80 (msg:\"ET MALWARE Win32/Pikabot CnC\"; sid:1;)\n"
		"alert tls any any -> 203.0.113.1 443 (sid:2;)\n"
		"alert tcp any any -> 198.51.100.1 80 (sid:3;)\n"
		"alert tcp any any -> 203.0.113.1 81 (content:\"abcd\"; pcre:\"/a/\"; sid:4;)\n"
		"alert http any any -> 203.0.113.1 82 (content:\"POST\"; http_method; "
		"content:\"a\"; http_uri; pcre:\"/a/U\"; sid:5;)\n";
	char *out = NULL, *err = NULL;
	size_t out_len = 0, err_len = 0;
	FILE *fo = open_memstream(&out, &out_len), *fe = open_memstream(&err, &err_len);
	struct import_summary sum;
	struct addr_set space;
	struct rule_set rs;
	char *bad = NULL;

	CHECK_INT(parse_sinkhole("203.0.113.0/24", &space, &bad), 0);
	rules_parse_buffer_opts("t.rules", text, true, &rs);
	CHECK_INT(fit_import(&rs, text, &space, true, fo, fe, &sum), 0);
	fclose(fo);
	fclose(fe);
	CHECK_STR(out, "alert tcp any any -> 203.0.113.1 80 (msg:\"ET MALWARE Win32/Pikabot CnC\"; "
		       "sid:1;)\n"
		       "# botsink: sid 4: dropped pcre\n"
		       "alert tcp any any -> 203.0.113.1 81 (content:\"abcd\"; sid:4;)\n");
	CHECK_STR(err, "t.rules:2: protocol 'tls' is not supported (tcp, udp, ip, http, dns)\n"
		       "t.rules:3: sid 3: left out: destination 198.51.100.1/32 is outside the "
		       "sinkhole space (--sinkhole)\n"
		       "t.rules:5: sid 5: left out: too little left to match after dropping pcre: "
		       "no content of 4 bytes or more beyond the request method\n"
		       "t.rules: 1 imported whole, 1 partly, 2 left out, 1 skipped\n"
		       "t.rules: not imported: 1 destination outside the sinkhole\n"
		       "t.rules: not imported: 1 too little left after dropping\n"
		       "t.rules: not imported: 1 unsupported protocol\n"
		       "t.rules: family: 1 pikabot\n"
		       "t.rules: family: 1 unknown\n"
		       "t.rules: imported 2 of 5 rules (3 skipped)\n");
	CHECK_INT(sum.whole + sum.partly + sum.left_out + sum.skipped, 5);
	addr_set_free(&space);
	rules_free(&rs);
	free(out);
	free(err);
}

int main(void)
{
	test_per_rule();
	test_whole_set();
	test_classes();
	test_import();
	return unit_report("test_fit");
}
