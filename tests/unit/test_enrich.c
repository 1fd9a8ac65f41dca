// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Enrichment against the small databases the Makefile writes with
 * tests/gen/make_mmdb.pl into TEST_MMDB_DIR: exact ASN, name, country and
 * network length for IPv4 and IPv6, nested networks, unknown addresses, an
 * IPv4-only tree, long UTF-8 names, the files refused at open, the private
 * copy a file changed in place cannot reach, and reloads.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "enrich/enrich.h"
#include "lib/addr.h"
#include "lib/log.h"
#include "lib/util.h"
#include "unit.h"

#ifndef TEST_MMDB_DIR
#error "TEST_MMDB_DIR: the directory of the test databases (see the Makefile)"
#endif

#define ASN_DB TEST_MMDB_DIR "/asn.mmdb"
#define ASN4_DB TEST_MMDB_DIR "/asn4.mmdb"
#define COUNTRY_DB TEST_MMDB_DIR "/country.mmdb"
#define CITY_DB TEST_MMDB_DIR "/city.mmdb"

/* 253 bytes, then "é" (2 bytes) or "€" (3 bytes): see the Makefile. */
#define PAD253                                                                                      \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static char tmp_dir[] = "/tmp/botsink-test-enrich-XXXXXX";
static char err[512];

/* The lookup of `text`; fields start as garbage to show that all are set. */
static struct enrichment look(const struct enricher *e, const char *text)
{
	struct enrichment out;
	struct in6_addr a;

	memset(&out, 0x5a, sizeof(out));
	if (addr_parse(text, &a)) {
		fprintf(stderr, "bad test address %s\n", text);
		unit_failures++;
		memset(&out, 0, sizeof(out));
		return out;
	}
	enricher_lookup(e, &a, &out);
	return out;
}

#define CHECK_LOOKUP(e, addr, want_asn, want_len, want_name, want_geo) \
	do {                                                           \
		struct enrichment _r = look(e, addr);                  \
		CHECK_INT(_r.asn, want_asn);                           \
		CHECK_INT(_r.asn_len, want_len);                       \
		CHECK_STR(_r.as_name, want_name);                      \
		CHECK_STR(_r.geo, want_geo);                           \
	} while (0)

static void open_ok(struct enricher *e, const char *asn, const char *geo)
{
	err[0] = '\0';
	CHECK_INT(enricher_open(e, asn, geo, err, sizeof(err)), 0);
	CHECK_STR(err, "");
}

/*
 * An IPv6 tree with IPv4 at ::/96. 198.51.100.128/25 splits the /24 around
 * it, so the lower half answers from 198.51.100.0/25: 96 + 25 = 121.
 */
static void test_asn(void)
{
	struct enricher e;

	open_ok(&e, ASN_DB, NULL);
	CHECK(enricher_has_asn(&e));
	CHECK(!enricher_has_geo(&e));
	CHECK_LOOKUP(&e, "198.51.100.7", 64500, 121, "Example Net", "");
	CHECK_LOOKUP(&e, "198.51.100.127", 64500, 121, "Example Net", "");
	CHECK_LOOKUP(&e, "198.51.100.128", 64501, 121, "Inner Net", "");
	CHECK_LOOKUP(&e, "198.51.100.255", 64501, 121, "Inner Net", "");
	CHECK_LOOKUP(&e, "2001:db8:a::1", 64510, 49, "Six Net", "");
	CHECK_LOOKUP(&e, "2001:db8:a:7fff:ffff:ffff:ffff:ffff", 64510, 49, "Six Net", "");
	CHECK_LOOKUP(&e, "2001:db8:a:8000::1", 64511, 49, "Six Inner", "");
	/* A record without a number: the name alone. */
	CHECK_LOOKUP(&e, "10.1.2.3", 0, 104, "Name Only", "");
	/* 6to4 of 198.51.100.7, aliased into the IPv4 tree: 16 + 25 bits. */
	CHECK_LOOKUP(&e, "2002:c633:6407::1", 64500, 41, "Example Net", "");
	/* In no network: the empty network's length (203/8 parts from 198/8 after 4 bits). */
	CHECK_LOOKUP(&e, "203.0.113.9", 0, 101, "", "");
	CHECK_LOOKUP(&e, "2001:db8:b::1", 0, 48, "", "");
	enricher_close(&e);
	CHECK(!enricher_has_asn(&e));
}

/* 255 bytes fit whole; at 256 the 3-byte character that does not fit goes. */
static void test_long_names(void)
{
	struct enricher e;
	struct enrichment r;

	open_ok(&e, ASN_DB, NULL);
	r = look(&e, "192.0.2.1");
	CHECK_INT(r.asn, 64502);
	CHECK_INT(strlen(r.as_name), 255);
	CHECK_STR(r.as_name, PAD253 "\xc3\xa9");
	r = look(&e, "192.0.2.200");
	CHECK_INT(r.asn, 64503);
	CHECK_INT(strlen(r.as_name), 253);
	CHECK_STR(r.as_name, PAD253);
	enricher_close(&e);
}

/* An IPv4-only tree answers IPv4 (lengths from 96) and nothing for IPv6. */
static void test_ipv4_only(void)
{
	struct enricher e;

	open_ok(&e, ASN4_DB, NULL);
	CHECK_LOOKUP(&e, "198.51.100.7", 64500, 120, "Example Net", "");
	CHECK_LOOKUP(&e, "198.51.100.255", 64500, 120, "Example Net", "");
	CHECK_LOOKUP(&e, "203.0.113.9", 0, 101, "", "");
	CHECK_LOOKUP(&e, "2001:db8:a::1", 0, 0, "", "");
	CHECK_LOOKUP(&e, "2002:c633:6407::1", 0, 0, "", "");
	enricher_close(&e);
}

/* country.iso_code, else registered_country.iso_code; two letters only. */
static void test_country(void)
{
	struct enricher e;

	open_ok(&e, NULL, COUNTRY_DB);
	CHECK(!enricher_has_asn(&e));
	CHECK(enricher_has_geo(&e));
	CHECK_LOOKUP(&e, "198.51.100.7", 0, 0, "", "DE");
	CHECK_LOOKUP(&e, "2001:db8:a::1", 0, 0, "", "NL");
	CHECK_LOOKUP(&e, "2001:db8:a:8000::1", 0, 0, "", "NL");
	CHECK_LOOKUP(&e, "203.0.113.5", 0, 0, "", "FR");
	CHECK_LOOKUP(&e, "100.64.1.1", 0, 0, "", "DE");
	CHECK_LOOKUP(&e, "100.65.1.1", 0, 0, "", "");
	CHECK_LOOKUP(&e, "100.66.1.1", 0, 0, "", "SE");
	CHECK_LOOKUP(&e, "192.0.2.1", 0, 0, "", "");
	CHECK_LOOKUP(&e, "2001:db8:b::1", 0, 0, "", "");
	enricher_close(&e);
}

static void test_both(void)
{
	struct enricher e;

	open_ok(&e, ASN_DB, CITY_DB);
	CHECK(enricher_has_asn(&e));
	CHECK(enricher_has_geo(&e));
	CHECK_LOOKUP(&e, "198.51.100.200", 64501, 121, "Inner Net", "US");
	CHECK_LOOKUP(&e, "2001:db8:a:8000::1", 64511, 49, "Six Inner", "JP");
	CHECK_LOOKUP(&e, "10.9.9.9", 0, 104, "Name Only", "");
	CHECK_LOOKUP(&e, "203.0.113.9", 0, 101, "", "");
	enricher_close(&e);

	open_ok(&e, NULL, NULL);
	CHECK(!enricher_has_asn(&e));
	CHECK(!enricher_has_geo(&e));
	CHECK_LOOKUP(&e, "198.51.100.7", 0, 0, "", "");
	enricher_close(&e);
}

static char *tmp_path(const char *name)
{
	static char path[4][256];
	static unsigned int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", tmp_dir, name);
	return p;
}

/* The first `len` bytes of `from` (all when len is -1), then `patch` at `at`. */
static void write_copy(const char *from, const char *to, long len, long at, const char *patch,
		       size_t patch_len)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[4096];
	long done = 0;
	size_t n;

	CHECK(in && out);
	if (!in || !out)
		goto out;
	while ((len < 0 || done < len) && (n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (len >= 0 && (long)n > len - done)
			n = (size_t)(len - done);
		CHECK(fwrite(buf, 1, n, out) == n);
		done += (long)n;
	}
	if (patch) {
		CHECK(fseek(out, at, SEEK_SET) == 0);
		CHECK(fwrite(patch, 1, patch_len, out) == patch_len);
	}
out:
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_size;
}

/* The refusal of asn_path / geo_path: -1, the message, nothing left open. */
static const char *refusal(const char *asn_path, const char *geo_path)
{
	struct enricher e;

	err[0] = '\0';
	CHECK_INT(enricher_open(&e, asn_path, geo_path, err, sizeof(err)), -1);
	CHECK(!enricher_has_asn(&e));
	CHECK(!enricher_has_geo(&e));
	return err;
}

static void test_refused(void)
{
	char junk[4096], want[512], *path;
	unsigned int seed = 1;

	CHECK_STR(refusal(tmp_path("missing.mmdb"), NULL),
		  strcat(strcpy(want, "ASN database "),
			 strcat(tmp_path("missing.mmdb"), ": No such file or directory")));

	path = tmp_path("random.mmdb");
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(rand_r(&seed) >> 7);
	write_copy("/dev/null", path, -1, 0, junk, sizeof(junk));
	snprintf(want, sizeof(want), "geo database %s: not a MaxMind DB file (no valid metadata)",
		 path);
	CHECK_STR(refusal(NULL, path), want);

	path = tmp_path("empty.mmdb");
	write_copy("/dev/null", path, -1, 0, NULL, 0);
	snprintf(want, sizeof(want), "ASN database %s: empty, not a MaxMind DB file", path);
	CHECK_STR(refusal(path, NULL), want);
	snprintf(want, sizeof(want), "ASN database %s: not a regular file", tmp_dir);
	CHECK_STR(refusal(tmp_dir, NULL), want);

	/* Cut short, the metadata at the end is gone. */
	path = tmp_path("truncated.mmdb");
	write_copy(ASN_DB, path, file_size(ASN_DB) / 2, 0, NULL, 0);
	snprintf(want, sizeof(want), "ASN database %s: not a MaxMind DB file (no valid metadata)",
		 path);
	CHECK_STR(refusal(path, NULL), want);

	/* Whole, but the first nodes point past the end of the data. */
	path = tmp_path("bad-tree.mmdb");
	memset(junk, 0xff, 64);
	write_copy(ASN_DB, path, -1, 0, junk, 64);
	snprintf(
		want, sizeof(want),
		"ASN database %s: corrupt MaxMind DB file (The MaxMind DB file's search tree is corrupt)",
		path);
	CHECK_STR(refusal(path, NULL), want);
}

/* Each database checked for its own kind; a good ASN one is closed again. */
static void test_wrong_kind(void)
{
	char want[512];

	snprintf(want, sizeof(want),
		 "ASN database %s: a GeoLite2-Country database, expected one with "
		 "autonomous_system_number records (GeoLite2-ASN)",
		 COUNTRY_DB);
	CHECK_STR(refusal(COUNTRY_DB, NULL), want);
	snprintf(want, sizeof(want),
		 "ASN database %s: a GeoLite2-City database, expected one with "
		 "autonomous_system_number records (GeoLite2-ASN)",
		 CITY_DB);
	CHECK_STR(refusal(CITY_DB, COUNTRY_DB), want);
	snprintf(want, sizeof(want),
		 "geo database %s: a GeoLite2-ASN database, expected one with country or "
		 "registered_country records (GeoLite2-Country or -City)",
		 ASN_DB);
	CHECK_STR(refusal(ASN_DB, ASN_DB), want);
}

static int saved_stderr = -1;

static void stderr_to(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	CHECK(fd >= 0 && saved_stderr >= 0 && dup2(fd, STDERR_FILENO) == STDERR_FILENO);
	if (fd >= 0)
		close(fd);
}

static void stderr_back(void)
{
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
}

/*
 * A file overwritten, then truncated, after it was opened: lookups read the
 * private copy, so every answer, cached or not, is the one of the file as
 * it was (libmaxminddb mapping the file itself would see garbage, then
 * SIGBUS). Nothing is logged.
 */
static void test_changed_later(void)
{
	char *path = tmp_path("later.mmdb"), *ff, *logged;
	long size = file_size(ASN_DB);
	struct enricher e;
	int fd;

	CHECK(size > 0);
	if (size <= 0)
		return;
	write_copy(ASN_DB, path, -1, 0, NULL, 0);
	open_ok(&e, path, NULL);
	CHECK_LOOKUP(&e, "198.51.100.7", 64500, 121, "Example Net", "");
	ff = malloc((size_t)size);
	memset(ff, 0xff, (size_t)size);
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, ff, (size_t)size, 0) == (ssize_t)size);
	if (fd >= 0)
		close(fd);
	free(ff);

	log_set_level(LOG_DEBUG);
	stderr_to(tmp_path("log"));
	CHECK_LOOKUP(&e, "198.51.100.7", 64500, 121, "Example Net", "");
	CHECK_LOOKUP(&e, "10.1.99.99", 0, 104, "Name Only", "");
	CHECK(truncate(path, 0) == 0);
	CHECK_LOOKUP(&e, "2001:db8:a::ffff", 64510, 49, "Six Net", "");
	CHECK_LOOKUP(&e, "198.51.100.200", 64501, 121, "Inner Net", "");
	stderr_back();
	log_set_level(LOG_INFO);
	logged = read_file(tmp_path("log"), SIZE_MAX, NULL);
	CHECK_STR(logged, "");
	free(logged);
	enricher_close(&e);
}

/* The copy: the file's bytes, sealed against any change; a FIFO refused at once. */
static void test_copy(void)
{
	long size = file_size(ASN_DB);
	const char *problem;
	char *want, *got;
	int fd;

	fd = enrich_copy_file(ASN_DB, &problem);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(problem == NULL);
	CHECK_INT(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	CHECK(ftruncate(fd, 0) != 0 && write(fd, "x", 1) < 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	got = malloc((size_t)size + 1);
	CHECK(got && pread(fd, got, (size_t)size + 1, 0) == size);
	close(fd);
	want = read_file(ASN_DB, SIZE_MAX, NULL);
	CHECK(want && got && memcmp(want, got, (size_t)size) == 0);
	free(want);
	free(got);

	CHECK(mkfifo(tmp_path("fifo.mmdb"), 0600) == 0);
	CHECK_INT(enrich_copy_file(tmp_path("fifo.mmdb"), &problem), -1);
	CHECK_STR(problem, "not a regular file");
}

/* A reload takes the files now at the paths, or (refused) keeps every database. */
static void test_reload(void)
{
	char *path = tmp_path("reload.mmdb"), want[512];
	struct enricher e;

	write_copy(COUNTRY_DB, path, -1, 0, NULL, 0);
	open_ok(&e, ASN_DB, path);
	CHECK_LOOKUP(&e, "198.51.100.7", 64500, 121, "Example Net", "DE");
	write_copy(CITY_DB, path, -1, 0, NULL, 0);
	CHECK_INT(enricher_reload(&e, ASN_DB, path, err, sizeof(err)), 0);
	CHECK_LOOKUP(&e, "198.51.100.7", 64500, 121, "Example Net", "US");
	write_copy("/dev/null", path, -1, 0, NULL, 0);
	CHECK_INT(enricher_reload(&e, ASN_DB, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "geo database %s: empty, not a MaxMind DB file", path);
	CHECK_STR(err, want);
	CHECK(enricher_has_asn(&e) && enricher_has_geo(&e));
	CHECK_LOOKUP(&e, "198.51.100.7", 64500, 121, "Example Net", "US");
	enricher_close(&e);
}

/* The same answers from the cache, however lookups interleave. */
static void test_cache_order(void)
{
	struct enricher e;

	open_ok(&e, ASN_DB, COUNTRY_DB);
	for (int round = 0; round < 3; round++) {
		CHECK_LOOKUP(&e, "198.51.100.7", 64500, 121, "Example Net", "DE");
		CHECK_LOOKUP(&e, "198.51.100.200", 64501, 121, "Inner Net", "DE");
		CHECK_LOOKUP(&e, "198.51.100.8", 64500, 121, "Example Net", "DE");
		CHECK_LOOKUP(&e, "10.1.2.3", 0, 104, "Name Only", "");
		CHECK_LOOKUP(&e, "10.1.2.4", 0, 104, "Name Only", "");
		CHECK_LOOKUP(&e, "203.0.113.9", 0, 101, "", "FR");
		CHECK_LOOKUP(&e, "203.0.114.9", 0, 101, "", "");
		CHECK_LOOKUP(&e, "2001:db8:a:8000::1", 64511, 49, "Six Inner", "NL");
		CHECK_LOOKUP(&e, "2001:db8:a::1", 64510, 49, "Six Net", "NL");
		CHECK_LOOKUP(&e, "2002:c633:6407::1", 64500, 41, "Example Net", "DE");
		CHECK_LOOKUP(&e, "2002:c633:64c8::1", 64501, 41, "Inner Net", "DE");
	}
	enricher_close(&e);
}

/*
 * One address in each IPv4 /16, twice: 65,536 network prefixes for as many
 * slots, so slots are shared and overwritten. Only 10/8 has a name.
 */
static void test_cache_collisions(void)
{
	unsigned int wrong = 0;
	struct enrichment r;
	struct in6_addr a;
	struct enricher e;

	open_ok(&e, ASN_DB, NULL);
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < 65536; i++) {
			addr_from_v4(&a, htonl(i << 16 | 1));
			enricher_lookup(&e, &a, &r);
			if (i >> 8 == 10 ? strcmp(r.as_name, "Name Only") || r.asn_len != 104 :
					   r.as_name[0] != '\0')
				wrong++;
		}
	}
	CHECK_INT(wrong, 0);
	enricher_close(&e);
}

static void remove_tmp(void)
{
	static const char *const names[] = { "random.mmdb",   "empty.mmdb", "truncated.mmdb",
					     "bad-tree.mmdb", "later.mmdb", "log",
					     "fifo.mmdb",     "reload.mmdb" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		unlink(tmp_path(names[i]));
	rmdir(tmp_dir);
}

static const unit_fn tests[] = {
	test_asn,  test_long_names, test_ipv4_only,   test_country,
	test_both, test_refused,    test_wrong_kind,  test_changed_later,
	test_copy, test_reload,	    test_cache_order, test_cache_collisions,
	NULL,
};

int main(void)
{
	return unit_run("test_enrich", tmp_dir, NULL, tests, remove_tmp);
}
