// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Hostile rule files and domain lists: NUL bytes, a byte order mark,
 * continuation lines, control characters and long tokens in messages, a
 * port list without its brackets, the capped error list, and the bounded
 * reader that refuses directories, FIFOs and devices before reading.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lib/util.h"
#include "rules/domains.h"
#include "rules/rules.h"
#include "unit.h"

#define RULE(sid) "alert tcp any any -> 203.0.113.1 80 (msg:\"x\"; flags:S; sid:" #sid ";)\n"

static char tmpdir[] = "/tmp/test_rules_hostile.XXXXXX";

/* "line: reason" of error i, or "(none)". */
static const char *error_at(const struct rule_set *rs, size_t i)
{
	static char buf[1024];

	if (i >= rs->nerrors)
		return "(none)";
	snprintf(buf, sizeof(buf), "%u: %s", rs->errors[i].line,
		 rs->errors[i].reason ? rs->errors[i].reason : "(null)");
	return buf;
}

/* The first error of a one-rule text, or "(none)". */
static const char *first_error(const char *text)
{
	static char buf[1024];
	struct rule_set rs;

	rules_parse_buffer("t.rules", text, &rs);
	snprintf(buf, sizeof(buf), "%s", error_at(&rs, 0));
	rules_free(&rs);
	return buf;
}

static void test_nul(void)
{
	static const char text[] = RULE(1) "alert\0" RULE(2) RULE(3);
	struct rule_set rs;

	CHECK_INT(rules_parse_text("t.rules", text, sizeof(text) - 1, false, &rs), 0);
	CHECK_INT(rs.nerrors, 1);
	CHECK_STR(error_at(&rs, 0), "2: NUL byte in column 6: a rules file is text");
	/* The rules after it are still read: none vanishes silently. */
	CHECK_INT(rs.n, 2);
	CHECK_INT(rs.n == 2 ? rs.rules[1].sid : 0, 3);
	rules_free(&rs);
}

/* A rule continued onto a NUL line ends before it, and is reported first. */
static void test_nul_in_continuation(void)
{
	static const char text[] = "alert tcp any any -> 203.0.113.1 80 \\\n(msg\0\n" RULE(5);
	struct rule_set rs;

	rules_parse_text("t.rules", text, sizeof(text) - 1, false, &rs);
	CHECK_INT(rs.nerrors, 2);
	CHECK_STR(error_at(&rs, 0), "1: rule has no '(...)' options");
	CHECK_STR(error_at(&rs, 1), "2: NUL byte in column 5: a rules file is text");
	CHECK_INT(rs.n, 1);
	rules_free(&rs);
}

static void test_nul_domains(void)
{
	static const char text[] = "a.example\nb.exa\0mple\nc.example\n";
	struct domain_list dl;

	CHECK_INT(domains_parse_text("d.txt", text, sizeof(text) - 1, &dl), 0);
	CHECK_INT(dl.nerrors, 1);
	CHECK_INT(dl.nerrors ? dl.errors[0].line : 0, 2);
	CHECK_STR(dl.nerrors ? dl.errors[0].reason : NULL,
		  "NUL byte in column 6: a domain list is text");
	CHECK_INT(dl.n, 2);
	domains_free(&dl);
}

static void test_bom(void)
{
	struct rule_set rs;

	rules_parse_buffer("t.rules", "\xef\xbb\xbf" RULE(1), &rs);
	CHECK_INT(rs.nerrors, 0);
	CHECK_INT(rs.n, 1);
	rules_free(&rs);
	/* Anywhere else it is a stray byte sequence, shown as such. */
	CHECK_STR(first_error(RULE(1) "\xef\xbb\xbf" RULE(2)),
		  "2: action '\\xef\\xbb\\xbfalert' is not supported (alert, drop, reject)");
}

/* As in Suricata: a line ending in '\' goes on; errors name the first line. */
static void test_continuation(void)
{
	struct rule_set rs;

	rules_parse_buffer_opts("t.rules",
				"alert tcp any any -> 203.0.113.1 81 (msg:\"x\"; \\\n"
				"  flags:S; pcre:\"/a/\"; \\\n"
				"  content:\"abc\"; sid:2;)\n",
				true, &rs);
	CHECK_INT(rs.nerrors, 0);
	CHECK_INT(rs.n, 1);
	CHECK_INT(rs.n ? rs.rules[0].line : 0, 1);
	CHECK_INT(rs.n ? rs.rules[0].ndropped : 0, 1);
	CHECK_STR(rs.n && rs.rules[0].ndropped ? rs.rules[0].dropped[0].keyword : NULL, "pcre");
	rules_free(&rs);
	CHECK_STR(first_error(RULE(1) "alert tcp any any -> 203.0.113.1 80 (msg:\"x\"; \\\n"
				      "  flags:S; \\\n  sid:1;)\n"),
		  "2: duplicate sid 1 (first defined at line 1)");
}

static void test_escaped(void)
{
	CHECK_STR(first_error("alert\x01\x1b tcp any any -> any 80 (sid:1;)\n"),
		  "1: action 'alert\\x01\\x1b' is not supported (alert, drop, reject)");
	CHECK_STR(first_error("alert t\x7f"
			      "cp any any -> any 80 (sid:1;)\n"),
		  "1: protocol 't\\x7fcp' is not supported (tcp, udp, ip, http, dns)");
}

static void test_long_token(void)
{
	char *text = malloc(2100), want[512];

	memcpy(text, "alert ", 6);
	memset(text + 6, 'a', 2000);
	strcpy(text + 2006, " any any -> any 80 (sid:1;)\n");
	/* The quote and 127 of the 2000 bytes, then the word's length. */
	snprintf(want, sizeof(want),
		 "1: protocol '%.127s ... (2002 bytes) is not supported (tcp, udp, ip, http, dns)",
		 text + 6);
	CHECK_STR(first_error(text), want);
	free(text);
}

static void test_printable(void)
{
	char *s = str_printable("a\tb\n 'x\xff' ");

	CHECK_STR(s, "a\\x09b\\x0a 'x\\xff' ");
	free(s);
}

static void test_bare_port_list(void)
{
	CHECK_STR(first_error("alert tcp any any -> 203.0.113.1 !80,!443 (flags:S; sid:1;)\n"),
		  "1: port list '!80,!443' needs brackets: '[!80,!443]'");
	CHECK_STR(first_error("alert tcp any any -> 203.0.113.1 [!80,!443] (flags:S; sid:1;)\n"),
		  "(none)");
}

/* 2^32-1 is botsink's own catch-all sid (BOTSINK_SID_ANY): README says so. */
static void test_sid_range(void)
{
	CHECK_STR(first_error("alert tcp any any -> 203.0.113.1 80 (flags:S; sid:4294967295;)\n"),
		  "1: sid must be an integer from 1 to 4294967294");
	CHECK_STR(first_error("alert tcp any any -> 203.0.113.1 80 (flags:S; sid:4294967294;)\n"),
		  "(none)");
}

static void test_error_cap(void)
{
	size_t want = ERRORS_SHOWN + 50, len = 0;
	char *text = NULL, *out = NULL;
	struct rule_set rs;
	FILE *f = open_memstream(&text, &len);

	for (size_t i = 0; i < want; i++)
		fputs("bogus\n", f);
	fclose(f);
	rules_parse_buffer("t.rules", text, &rs);
	CHECK_INT(rs.nerrors, want);
	f = open_memstream(&out, &len);
	rules_write_errors(&rs, f);
	fclose(f);
	CHECK_INT(count_lines(out), ERRORS_SHOWN + 1);
	CHECK(strstr(out, "t.rules:100: rule has no '(...)' options\n"
			  "t.rules: ... and 50 more errors\n") != NULL);
	free(out);
	f = open_memstream(&out, &len);
	CHECK_INT(rules_import(&rs, text, stdout, f), 150);
	fclose(f);
	CHECK_INT(count_lines(out), ERRORS_SHOWN + 1);
	CHECK(strstr(out, "t.rules: ... and 50 more errors\n") != NULL);
	free(out);
	free(text);
	rules_free(&rs);
}

static char *tmp_path(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static const char *read_error(const char *path, size_t max)
{
	static char buf[64];
	char *text;

	errno = 0;
	text = read_file(path, max, NULL);
	free(text);
	return text ? "(read)" : read_file_strerror(errno, max, buf, sizeof(buf));
}

static void test_reader(void)
{
	FILE *f;
	time_t start = time(NULL);
	struct rule_set rs;

	CHECK_STR(read_error(tmpdir, RULES_FILE_MAX), "is a directory");
	CHECK_STR(read_error("/dev/zero", RULES_FILE_MAX), "is not a regular file");
	CHECK_INT(mkfifo(tmp_path("fifo"), 0600), 0);
	/* No writer: a blocking open or read would wait for ever. */
	CHECK_STR(read_error(tmp_path("fifo"), RULES_FILE_MAX), "is not a regular file");
	CHECK(time(NULL) - start < 3);
	f = fopen(tmp_path("big"), "w");
	fputs("0123456789", f);
	fclose(f);
	CHECK_STR(read_error(tmp_path("big"), 10), "(read)");
	CHECK_STR(read_error(tmp_path("big"), 9), "larger than the cap of 9 bytes");
	CHECK_STR(read_file_strerror(EFBIG, RULES_FILE_MAX, (char[64]){ 0 }, 64),
		  "larger than the cap of 64 MiB");
	CHECK_STR(read_error(tmp_path("none"), 9), "No such file or directory");
	CHECK_INT(rules_load(tmp_path("fifo"), &rs), -1);
	CHECK_INT(errno, ENODEV);
	unlink(tmp_path("fifo"));
	unlink(tmp_path("big"));
}

static void remove_tmpdir(void)
{
	rmdir(tmpdir);
}

static const unit_fn tests[] = {
	test_nul,
	test_nul_in_continuation,
	test_nul_domains,
	test_bom,
	test_continuation,
	test_escaped,
	test_long_token,
	test_printable,
	test_bare_port_list,
	test_sid_range,
	test_error_cap,
	test_reader,
	NULL,
};

int main(void)
{
	return unit_run("test_rules_hostile", tmpdir, NULL, tests, remove_tmpdir);
}
