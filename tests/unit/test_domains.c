// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Domain lists (domains:FILE): the three forms, normalization, merged
 * duplicates, each refused line with its message, and a list of a few
 * hundred thousand lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "lib/util.h"
#include "rules/domains.h"
#include "unit.h"

#define FILE_NAME "test.domains"

static char text_buf[4096];

/* "a.example= b.example* c.example.": exact '=', subdomains '*', tree '.' */
static const char *entries_of(const char *text)
{
	struct domain_list dl;
	size_t len = 0;

	text_buf[0] = '\0';
	domains_parse_buffer(FILE_NAME, text, &dl);
	if (dl.nerrors)
		snprintf(text_buf, sizeof(text_buf), "error %u: %s", dl.errors[0].line,
			 dl.errors[0].reason ? dl.errors[0].reason : "(null)");
	for (size_t i = 0; i < dl.n && !dl.nerrors; i++) {
		char kind = dl.entries[i].kind == DOMAIN_EXACT	    ? '=' :
			    dl.entries[i].kind == DOMAIN_SUBDOMAINS ? '*' :
			    dl.entries[i].kind == DOMAIN_TREE	    ? '.' :
								      '?';

		len += (size_t)snprintf(text_buf + len, sizeof(text_buf) - len, "%s%s%c",
					i ? " " : "", dl.entries[i].name, kind);
		if (len >= sizeof(text_buf))
			break;
	}
	domains_free(&dl);
	return text_buf;
}

static void test_forms(void)
{
	CHECK_STR(entries_of("example.com\n"), "example.com=");
	CHECK_STR(entries_of("*.example.com\n"), "example.com*");
	CHECK_STR(entries_of(".example.com\n"), "example.com.");
	CHECK_STR(entries_of("localhost"), "localhost=");
	CHECK_STR(entries_of("Example.COM.\n"), "example.com=");
	CHECK_STR(entries_of("*.Example.com.\n"), "example.com*");
	CHECK_STR(entries_of("  spaced.example \t\r\n"), "spaced.example=");
	CHECK_STR(entries_of("_dmarc.x-y.example\n"), "_dmarc.x-y.example=");
	CHECK_STR(entries_of("xn--bcher-kva.example\n"), "xn--bcher-kva.example=");
	CHECK_STR(entries_of("\xef\xbb\xbf"
			     "bom.example\n"),
		  "bom.example=");
	CHECK_STR(entries_of("# comment\n\n   \n  # indented\nb.example\na.example\n"),
		  "a.example= b.example=");
	CHECK_STR(entries_of(""), "");
}

/* Sorted, one entry per name: both forms make the whole tree. */
static void test_merge(void)
{
	CHECK_STR(entries_of("b.example\na.example\nb.example\n"), "a.example= b.example=");
	CHECK_STR(entries_of("example.com\n*.example.com\n"), "example.com.");
	CHECK_STR(entries_of("*.example.com\nEXAMPLE.com.\n"), "example.com.");
	CHECK_STR(entries_of("*.example.com\n*.example.com\n"), "example.com*");
	CHECK_STR(entries_of(".example.com\nexample.com\n"), "example.com.");
	CHECK_STR(entries_of("a.example\n*.a.example\nb.a.example\n"), "a.example. b.a.example=");
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_lengths(void)
{
	char *l63 = repeat('a', 63), *l64 = repeat('a', 64);
	char name[600], want[800];

	snprintf(name, sizeof(name), "%s.example", l63);
	snprintf(want, sizeof(want), "%s=", name);
	CHECK_STR(entries_of(name), want);
	snprintf(name, sizeof(name), "%s.example", l64);
	snprintf(want, sizeof(want),
		 "error 1: '%s' is not a domain name (label longer than 63 characters)", name);
	CHECK_STR(entries_of(name), want);
	/* 4 x 63 + 3 dots = 255 > 253; 63+63+63+61 + 3 = 253 fits. */
	snprintf(name, sizeof(name), "%s.%s.%s.%s", l63, l63, l63, l63);
	/* Echoed cut to TOKEN_SHOW_MAX bytes (the quote and 127 of its own). */
	snprintf(
		want, sizeof(want),
		"error 1: '%.127s ... (257 bytes) is not a domain name (longer than 253 characters)",
		name);
	CHECK_STR(entries_of(name), want);
	snprintf(name, sizeof(name), "%s.%s.%s.%.61s.", l63, l63, l63, l63);
	CHECK_INT(strlen(entries_of(name)), 253 + 1);
	free(l63);
	free(l64);
}

/* Each refused line, with its line number. */
static void test_errors(void)
{
	static const char text[] = "good.example\n"
				   "a..b\n"
				   "# fine\n"
				   "a b.example\n"
				   "exa$mple.com\n"
				   "*\n"
				   "*.\n"
				   ".\n"
				   "*.*.example\n"
				   "b\xc3\xbc"
				   "cher.example\n"
				   "http://x.example/\n"
				   "..example\n"
				   "also-good.example\n";
	static const struct {
		unsigned int line;
		const char *reason;
	} want[] = {
		{ 2, "'a..b' is not a domain name (empty label)" },
		{ 4, "'a b.example' is not a domain name (' ' is not allowed)" },
		{ 5, "'exa$mple.com' is not a domain name ('$' is not allowed)" },
		{ 6, "'*' is not a domain name ('*' is not allowed)" },
		{ 7, "'*.' is not a domain name (empty)" },
		{ 8, "'.' is not a domain name (empty)" },
		{ 9, "'*.*.example' is not a domain name ('*' is not allowed)" },
		{ 10, "'b\\xc3\\xbccher.example' is not a domain name (byte 0xc3 is not allowed "
		      "(use the xn-- form))" },
		{ 11, "'http://x.example/' is not a domain name (':' is not allowed)" },
		{ 12, "'..example' is not a domain name (empty label)" },
	};
	struct domain_list dl;

	CHECK_INT(domains_parse_buffer(FILE_NAME, text, &dl), 0);
	CHECK_INT(dl.nerrors, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want) && i < dl.nerrors; i++) {
		CHECK_INT(dl.errors[i].line, want[i].line);
		CHECK_STR(dl.errors[i].reason, want[i].reason);
	}
	CHECK_INT(dl.n, 2);
	if (dl.n == 2) {
		CHECK_STR(dl.entries[0].name, "also-good.example");
		CHECK_STR(dl.entries[1].name, "good.example");
	}
	CHECK_STR(dl.path, FILE_NAME);
	domains_free(&dl);
}

/* 300,000 lines, a third of them duplicates in another form, in well under a second. */
static void test_large(void)
{
	const size_t lines = 300000, names = 200000;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct domain_list dl;
	struct timespec t0, t1;
	size_t trees = 0;
	double secs;

	for (size_t i = 0; i < lines; i++)
		fprintf(f, "%shost%zu.Example.NET\n", i >= names ? "*." : "", i % names);
	fclose(f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	domains_parse_buffer(FILE_NAME, text, &dl);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK_INT(dl.nerrors, 0);
	CHECK_INT(dl.n, names);
	for (size_t i = 1; i < dl.n; i++)
		if (strcmp(dl.entries[i - 1].name, dl.entries[i].name) >= 0)
			CHECK(0);
	CHECK_STR(dl.entries[0].name, "host0.example.net");
	CHECK_INT(dl.entries[0].kind, DOMAIN_TREE);
	for (size_t i = 0; i < dl.n; i++)
		trees += dl.entries[i].kind == DOMAIN_TREE;
	CHECK_INT(trees, lines - names);
	printf("test_domains: %zu lines in %.3f s (ASan)\n", lines, secs);
	CHECK(secs < 5.0);
	domains_free(&dl);
	free(text);
}

static void test_load(void)
{
	char path[] = "/tmp/botsink-test-domains-XXXXXX";
	int fd = mkstemp(path);
	struct domain_list dl;
	FILE *f;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	fputs("# sinkholed\nc2.example\n*.dga.example\nbad..name\n", f);
	fclose(f);
	CHECK_INT(domains_load(path, &dl), 0);
	CHECK_INT(dl.n, 2);
	CHECK_INT(dl.nerrors, 1);
	if (dl.nerrors)
		CHECK_INT(dl.errors[0].line, 4);
	CHECK_STR(dl.path, path);
	domains_free(&dl);
	unlink(path);
	errno = 0;
	CHECK_INT(domains_load(path, &dl), -1);
	CHECK_INT(errno, ENOENT);
}

int main(void)
{
	test_forms();
	test_merge();
	test_lengths();
	test_errors();
	test_large();
	test_load();
	return unit_report("test_domains");
}
