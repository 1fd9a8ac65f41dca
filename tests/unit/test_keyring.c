// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The keyring: the key chosen for a time, scheduled and forced rotation,
 * retention, key files (0600, one mode each), bad files refused by name.
 * Times are given, not slept through; everything lives under a temporary
 * directory, removed at the end.
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>
#include <openssl/crypto.h>
#include "lib/addr.h"
#include "lib/parse.h"
#include "privacy/anon.h"
#include "privacy/keyring.h"
#include "unit.h"

#define T0 1767225600LL /* 2026-01-01T00:00:00Z, a day's (and an hour's) first second */
#define HOUR 3600LL
#define DAY 86400LL
#define PFX_HEX "0123456789abcdeffedcba98765432101032547698badcfeefcdab8967452301"

static char base[] = "/tmp/botsink-keyring-XXXXXX";

static void sub(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", base, name);
}

static bool has_file(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void write_text(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* A key file: mode 0600, one line "MODE HEX" of this mode and no other. */
static void check_key_file(const char *dir, const char *name, enum anon_mode mode)
{
	const char *other = mode == ANON_IPCRYPT_PFX ? "ipcrypt-deterministic" : "ipcrypt-pfx";
	char path[512], text[256] = "", expect_prefix[64];
	size_t n, hexlen = 2 * anon_key_len(mode);
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	snprintf(expect_prefix, sizeof(expect_prefix), "%s ", anon_mode_name(mode));
	CHECK_INT(n, strlen(expect_prefix) + hexlen + 1);
	CHECK(strncmp(text, expect_prefix, strlen(expect_prefix)) == 0);
	CHECK(strspn(text + strlen(expect_prefix), "0123456789abcdef") == hexlen);
	CHECK(text[n - 1] == '\n');
	CHECK(strstr(text, other) == NULL);
}

static void pseudonym(const struct anon_key *k, const char *ip, char *buf)
{
	struct in6_addr in;

	addr_parse(ip, &in);
	anon_format(&k->anon, &in, buf, ADDR_TEXT_LEN);
}

static size_t count_keys(const char *dir, enum anon_mode mode)
{
	struct key_entry *e;
	char err[512];
	size_t n = 0;

	if (keyring_list(dir, mode, &e, &n, err, sizeof(err)))
		return (size_t)-1;
	free(e);
	return n;
}

/* --key-retention and --key-rotate, through the parsers botsink run uses. */
static void test_parse(void)
{
	long long s = -1;
	int r = -1;

	CHECK(parse_duration("90", 0, LLONG_MAX, &s) == 0);
	CHECK_INT(s, 90);
	CHECK(parse_duration("90s", 0, LLONG_MAX, &s) == 0);
	CHECK_INT(s, 90);
	CHECK(parse_duration("12h", 0, LLONG_MAX, &s) == 0);
	CHECK_INT(s, 12 * HOUR);
	CHECK(parse_duration("7d", 0, LLONG_MAX, &s) == 0);
	CHECK_INT(s, 7 * DAY);
	CHECK(parse_duration("0", 0, LLONG_MAX, &s) == 0);
	CHECK_INT(s, 0);
	CHECK(parse_duration("", 0, LLONG_MAX, &s) == -1);
	CHECK(parse_duration("d", 0, LLONG_MAX, &s) == -1);
	CHECK(parse_duration("-5", 0, LLONG_MAX, &s) == -1);
	CHECK(parse_duration("7x", 0, LLONG_MAX, &s) == -1);
	CHECK(parse_duration("7dd", 0, LLONG_MAX, &s) == -1);
	CHECK(parse_duration(" 7", 0, LLONG_MAX, &s) == -1);
	CHECK(parse_duration("999999999999999999d", 0, LLONG_MAX, &s) == -1);
	CHECK(keyword_parse(key_rotations, "hourly", &r) == 0);
	CHECK_INT(r, KEY_ROTATE_HOURLY);
	CHECK(keyword_parse(key_rotations, "daily", &r) == 0);
	CHECK_INT(r, KEY_ROTATE_DAILY);
	CHECK(keyword_parse(key_rotations, "never", &r) == 0);
	CHECK_INT(r, KEY_ROTATE_NEVER);
	CHECK(keyword_parse(key_rotations, "weekly", &r) == -1);
	CHECK_STR(key_rotate_name(KEY_ROTATE_DAILY), "daily");
}

/*
 * A ring on dir without a fixed key, truncating to /24 and /48 where it
 * does; checked to open.
 */
static struct keyring *open_ring(const char *dir, enum anon_mode mode, enum key_rotate rotate,
				 long long retention_s)
{
	char err[512];
	struct keyring *kr =
		keyring_open(dir, mode, rotate, retention_s, NULL, 24, 48, err, sizeof(err));

	CHECK(kr != NULL);
	return kr;
}

/* Daily rotation: one key per UTC day, each time the same key for the same t. */
static void test_daily(void)
{
	char dir[256], err[512], id0[17], p0[ADDR_TEXT_LEN], p[ADDR_TEXT_LEN];
	const struct anon_key *k;
	struct keyring *kr;
	struct stat st;

	sub(dir, sizeof(dir), "daily");
	kr = open_ring(dir, ANON_IPCRYPT_PFX, KEY_ROTATE_DAILY, KEYRING_KEEP_FOREVER);
	if (!kr)
		return;
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700);
	k = keyring_key_for(kr, T0 + 100, err, sizeof(err));
	CHECK(k != NULL);
	if (!k)
		goto out;
	CHECK_INT(k->start, T0);
	CHECK_INT(strlen(k->id), 16);
	snprintf(id0, sizeof(id0), "%s", k->id);
	pseudonym(k, "198.51.100.7", p0);
	CHECK(strcmp(p0, "198.51.100.7") != 0);
	check_key_file(dir, "ipcrypt-pfx-1767225600.key", ANON_IPCRYPT_PFX);

	/* The same t again, and later the same day: the same key, the same pseudonym. */
	k = keyring_key_for(kr, T0 + 100, err, sizeof(err));
	CHECK(k && !strcmp(k->id, id0));
	k = keyring_key_for(kr, T0 + DAY - 1, err, sizeof(err));
	CHECK(k && !strcmp(k->id, id0) && k->start == T0);
	if (k) {
		pseudonym(k, "198.51.100.7", p);
		CHECK_STR(p, p0);
	}
	CHECK_INT(count_keys(dir, ANON_IPCRYPT_PFX), 1);

	/* Across midnight: a new key from the boundary on. */
	k = keyring_key_for(kr, T0 + DAY + 5, err, sizeof(err));
	CHECK(k != NULL);
	if (!k)
		goto out;
	CHECK_INT(k->start, T0 + DAY);
	CHECK(strcmp(k->id, id0) != 0);
	pseudonym(k, "198.51.100.7", p);
	CHECK(strcmp(p, p0) != 0);
	check_key_file(dir, "ipcrypt-pfx-1767312000.key", ANON_IPCRYPT_PFX);
	CHECK_INT(count_keys(dir, ANON_IPCRYPT_PFX), 2);

	/* An epoch of the first day, written again: the first key. */
	k = keyring_key_for(kr, T0 + 100, err, sizeof(err));
	CHECK(k && !strcmp(k->id, id0) && k->start == T0);
	if (k) {
		pseudonym(k, "198.51.100.7", p);
		CHECK_STR(p, p0);
	}
	/* Before every key: the oldest. */
	k = keyring_key_for(kr, T0 - 5000, err, sizeof(err));
	CHECK(k && !strcmp(k->id, id0));
	CHECK_INT(count_keys(dir, ANON_IPCRYPT_PFX), 2);
	keyring_close(kr);

	/* After a restart (a crash): byte-identical pseudonyms for the same t. */
	kr = open_ring(dir, ANON_IPCRYPT_PFX, KEY_ROTATE_DAILY, KEYRING_KEEP_FOREVER);
	if (!kr)
		return;
	k = keyring_key_for(kr, T0 + 100, err, sizeof(err));
	CHECK(k && !strcmp(k->id, id0));
	if (k) {
		pseudonym(k, "198.51.100.7", p);
		CHECK_STR(p, p0);
	}
out:
	keyring_close(kr);
}

/* Hourly, ipcrypt-deterministic: IPv6 notation, its own file names. */
static void test_hourly_deterministic(void)
{
	char dir[256], err[512], id0[17], p[ADDR_TEXT_LEN];
	const struct anon_key *k;
	struct keyring *kr;

	sub(dir, sizeof(dir), "hourly");
	kr = open_ring(dir, ANON_IPCRYPT_DETERMINISTIC, KEY_ROTATE_HOURLY, KEYRING_KEEP_FOREVER);
	if (!kr)
		return;
	k = keyring_key_for(kr, T0 + HOUR - 1, err, sizeof(err));
	CHECK(k && k->start == T0);
	if (!k)
		goto out;
	snprintf(id0, sizeof(id0), "%s", k->id);
	pseudonym(k, "198.51.100.7", p);
	CHECK(strchr(p, ':') && !strchr(p, '.'));
	k = keyring_key_for(kr, T0 + HOUR, err, sizeof(err));
	CHECK(k && k->start == T0 + HOUR && strcmp(k->id, id0));
	k = keyring_key_for(kr, T0 + HOUR - 1, err, sizeof(err));
	CHECK(k && !strcmp(k->id, id0));
	check_key_file(dir, "ipcrypt-deterministic-1767225600.key", ANON_IPCRYPT_DETERMINISTIC);
	check_key_file(dir, "ipcrypt-deterministic-1767229200.key", ANON_IPCRYPT_DETERMINISTIC);
	CHECK_INT(count_keys(dir, ANON_IPCRYPT_DETERMINISTIC), 2);
	CHECK_INT(count_keys(dir, ANON_IPCRYPT_PFX), 0);
out:
	keyring_close(kr);
}

/* Without rotation: one key, start 0, for every time. */
static void test_never(void)
{
	char dir[256], err[512], id0[17];
	const struct anon_key *k;
	struct keyring *kr;

	sub(dir, sizeof(dir), "never");
	kr = open_ring(dir, ANON_IPCRYPT_PFX, KEY_ROTATE_NEVER, 0);
	if (!kr)
		return;
	k = keyring_key_for(kr, T0, err, sizeof(err));
	CHECK(k && k->start == 0);
	if (k)
		snprintf(id0, sizeof(id0), "%s", k->id);
	k = keyring_key_for(kr, T0 + 400 * DAY, err, sizeof(err));
	CHECK(k && !strcmp(k->id, id0));
	CHECK(has_file(dir, "ipcrypt-pfx-0.key"));
	CHECK_INT(count_keys(dir, ANON_IPCRYPT_PFX), 1);
	keyring_close(kr);
}

/* `botsink keys rotate` from another process: the open ring takes it for later t. */
static void test_forced_rotation(void)
{
	char dir[256], err[512], id0[17], id1[17] = "", id2[17] = "", idd[17] = "", path[512];
	const struct anon_key *k;
	uint8_t key[32];
	struct key_entry *e = NULL;
	struct keyring *kr;
	long long before;
	size_t n = 0;

	sub(dir, sizeof(dir), "forced");
	kr = open_ring(dir, ANON_IPCRYPT_PFX, KEY_ROTATE_DAILY, KEYRING_KEEP_FOREVER);
	if (!kr)
		return;
	k = keyring_key_for(kr, T0 + 100, err, sizeof(err));
	CHECK(k != NULL);
	if (!k)
		goto out;
	snprintf(id0, sizeof(id0), "%s", k->id);

	before = (long long)time(NULL);
	CHECK(keyring_rotate_now(dir, ANON_IPCRYPT_PFX, id1, err, sizeof(err)) == 0);
	CHECK(keyring_rotate_now(dir, ANON_IPCRYPT_PFX, id2, err, sizeof(err)) == 0);
	CHECK(keyring_rotate_now(dir, ANON_IPCRYPT_DETERMINISTIC, idd, err, sizeof(err)) == 0);
	CHECK(strcmp(id1, id0) && strcmp(id2, id1) && strlen(id1) == 16);
	CHECK(keyring_list(dir, ANON_IPCRYPT_PFX, &e, &n, err, sizeof(err)) == 0);
	CHECK_INT(n, 3);
	if (n != 3)
		goto out;
	CHECK_STR(e[1].id, id1);
	CHECK_STR(e[2].id, id2);
	/* From the next second, each strictly after the newest. */
	CHECK(e[1].start >= before + 1 && e[1].start <= (long long)time(NULL) + 1);
	CHECK_INT(e[2].start, e[1].start + 1);
	check_key_file(dir, e[2].file, ANON_IPCRYPT_PFX);

	/* Seen by the open ring at once (same second: the mtime alone cannot tell). */
	k = keyring_key_for(kr, e[2].start, err, sizeof(err));
	CHECK(k && !strcmp(k->id, id2));
	k = keyring_key_for(kr, e[1].start, err, sizeof(err));
	CHECK(k && !strcmp(k->id, id1));
	k = keyring_key_for(kr, e[1].start - 1, err, sizeof(err));
	CHECK(k && !strcmp(k->id, id0));
	CHECK_INT(count_keys(dir, ANON_IPCRYPT_DETERMINISTIC), 1);

	/* After the newest even when it starts later than now. */
	snprintf(path, sizeof(path), "%s/ipcrypt-pfx-%lld.key", dir, e[2].start + 1000);
	CHECK(anon_key_generate(ANON_IPCRYPT_PFX, key, err, sizeof(err)) == 0);
	CHECK(anon_key_write(AT_FDCWD, path, ANON_IPCRYPT_PFX, key, 32, err, sizeof(err)) == 0);
	CHECK(keyring_rotate_now(dir, ANON_IPCRYPT_PFX, id1, err, sizeof(err)) == 0);
	free(e);
	e = NULL;
	CHECK(keyring_list(dir, ANON_IPCRYPT_PFX, &e, &n, err, sizeof(err)) == 0);
	CHECK(n == 5 && e[4].start == e[2].start + 1001 && !strcmp(e[4].id, id1));
out:
	free(e);
	keyring_close(kr);
}

/*
 * A key added within the timestamp tick of the ring's last read leaves the
 * directory's mtime as the ring saw it (set back here to make it so): the
 * ring must read the directory again all the same.
 */
static void test_same_tick(void)
{
	char dir[256], err[512], id1[17] = "";
	struct timespec times[2];
	const struct anon_key *k;
	struct keyring *kr;
	struct stat st;

	sub(dir, sizeof(dir), "tick");
	kr = open_ring(dir, ANON_IPCRYPT_PFX, KEY_ROTATE_NEVER, KEYRING_KEEP_FOREVER);
	if (!kr)
		return;
	CHECK(keyring_key_for(kr, T0, err, sizeof(err)) != NULL);
	CHECK(stat(dir, &st) == 0);
	CHECK(keyring_rotate_now(dir, ANON_IPCRYPT_PFX, id1, err, sizeof(err)) == 0);
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	CHECK(utimensat(AT_FDCWD, dir, times, 0) == 0);
	k = keyring_key_for(kr, (long long)time(NULL) + 10, err, sizeof(err));
	CHECK(k && !strcmp(k->id, id1));
	keyring_close(kr);
}

static const char *key_name(char *buf, long long start)
{
	snprintf(buf, 64, "ipcrypt-pfx-%lld.key", start);
	return buf;
}

/* Keys superseded more than the retention ago go; loaded ones and the newest stay. */
static void test_retention(void)
{
	char dir[256], err[512], name[64], id2[17] = "";
	const struct anon_key *k;
	struct keyring *kr;
	uint8_t key[32];

	sub(dir, sizeof(dir), "retention");
	kr = open_ring(dir, ANON_IPCRYPT_PFX, KEY_ROTATE_DAILY, DAY);
	if (!kr)
		return;
	CHECK(keyring_key_for(kr, T0 + 10, err, sizeof(err)) != NULL);
	CHECK(keyring_key_for(kr, T0 + DAY + 10, err, sizeof(err)) != NULL);
	/* Superseded long ago, but still loaded: kept. */
	CHECK(has_file(dir, key_name(name, T0)));
	k = keyring_key_for(kr, T0 + 2 * DAY + 10, err, sizeof(err));
	CHECK(k != NULL);
	if (k)
		snprintf(id2, sizeof(id2), "%s", k->id);
	/* Unloaded now (two loaded at most): deleted. */
	CHECK(!has_file(dir, key_name(name, T0)));
	CHECK(has_file(dir, key_name(name, T0 + DAY)));
	CHECK(has_file(dir, key_name(name, T0 + 2 * DAY)));
	CHECK(keyring_key_for(kr, T0 + 3 * DAY + 10, err, sizeof(err)) != NULL);
	CHECK(!has_file(dir, key_name(name, T0 + DAY)));
	CHECK(has_file(dir, key_name(name, T0 + 2 * DAY)));
	CHECK(has_file(dir, key_name(name, T0 + 3 * DAY)));
	/* Before every key left: the oldest left. */
	k = keyring_key_for(kr, T0 + 10, err, sizeof(err));
	CHECK(k && !strcmp(k->id, id2));
	keyring_close(kr);

	/* The newest stays even when unloaded and long superseded... by nothing. */
	sub(dir, sizeof(dir), "retention0");
	CHECK(mkdir(dir, 0700) == 0);
	for (int i = 0; i < 3; i++) {
		char path[512];

		CHECK(anon_key_generate(ANON_IPCRYPT_PFX, key, err, sizeof(err)) == 0);
		snprintf(path, sizeof(path), "%s/%s", dir, key_name(name, T0 + i * DAY));
		CHECK(anon_key_write(AT_FDCWD, path, ANON_IPCRYPT_PFX, key, 32, err, sizeof(err)) ==
		      0);
	}
	kr = open_ring(dir, ANON_IPCRYPT_PFX, KEY_ROTATE_NEVER, 0);
	if (!kr)
		return;
	k = keyring_key_for(kr, T0 + DAY + 10, err, sizeof(err));
	CHECK(k && k->start == T0 + DAY);
	CHECK(!has_file(dir, key_name(name, T0)));
	CHECK(has_file(dir, key_name(name, T0 + DAY))); /* in use */
	CHECK(has_file(dir, key_name(name, T0 + 2 * DAY))); /* the newest */
	CHECK_INT(count_keys(dir, ANON_IPCRYPT_PFX), 2);
	keyring_close(kr);
}

/*
 * The read-only ring (botsink top): no directory, no key, no deletion, no
 * tidying; the keys there are, chosen as the writing ring chooses them.
 */
static void test_read_only(void)
{
	char dir[256], err[512], name[64], p[ADDR_TEXT_LEN], pw[ADDR_TEXT_LEN], tmp[512];
	const struct anon_key *k;
	struct keyring *kr, *w;
	struct stat st;

	sub(dir, sizeof(dir), "readonly");
	kr = keyring_open_readonly(dir, ANON_IPCRYPT_PFX, NULL, 24, 48, err, sizeof(err));
	CHECK(kr == NULL && stat(dir, &st) != 0);
	CHECK(mkdir(dir, 0700) == 0);
	kr = keyring_open_readonly(dir, ANON_IPCRYPT_PFX, NULL, 24, 48, err, sizeof(err));
	CHECK(kr != NULL);
	if (!kr)
		return;
	CHECK(keyring_key_for(kr, T0, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "no key") != NULL);
	CHECK_INT(count_keys(dir, ANON_IPCRYPT_PFX), 0);

	/* Keys of two days, the first long superseded; a stale temporary file. */
	w = open_ring(dir, ANON_IPCRYPT_PFX, KEY_ROTATE_DAILY, 0);
	if (!w)
		goto out;
	CHECK(keyring_key_for(w, T0 + 10, err, sizeof(err)) != NULL);
	k = keyring_key_for(w, T0 + DAY + 10, err, sizeof(err));
	CHECK(k != NULL);
	if (k)
		pseudonym(k, "198.51.100.7", pw);
	snprintf(tmp, sizeof(tmp), "%s/.ipcrypt-pfx-1-0011223344556677.tmp", dir);
	write_text(dir, ".ipcrypt-pfx-1-0011223344556677.tmp", "x", 0600);
	{
		struct timespec old[2] = { { .tv_sec = 1 }, { .tv_sec = 1 } };

		CHECK(utimensat(AT_FDCWD, tmp, old, 0) == 0);
	}
	/* Days later, with rotation due and the first key past retention: nothing changes. */
	k = keyring_key_for(kr, T0 + 5 * DAY, err, sizeof(err));
	CHECK(k && k->start == T0 + DAY);
	if (k) {
		pseudonym(k, "198.51.100.7", p);
		CHECK_STR(p, pw);
	}
	CHECK(has_file(dir, key_name(name, T0)));
	CHECK(has_file(dir, ".ipcrypt-pfx-1-0011223344556677.tmp"));
	CHECK_INT(count_keys(dir, ANON_IPCRYPT_PFX), 2);
	k = keyring_key_for(kr, T0 + 10, err, sizeof(err));
	CHECK(k && k->start == T0);
	keyring_close(w);
out:
	keyring_close(kr);
}

static void expect_open_error(const char *dir, enum anon_mode mode, const char *expect)
{
	struct keyring *kr;
	char err[1024] = "";

	kr = keyring_open(dir, mode, KEY_ROTATE_DAILY, KEYRING_KEEP_FOREVER, NULL, 24, 48, err,
			  sizeof(err));
	CHECK(kr == NULL);
	CHECK_STR(err, expect);
	CHECK(!strstr(err, PFX_HEX) && !strstr(err, "0123456789ab"));
	keyring_close(kr);
}

/* A bad or unsafe key file fails the open, by name; other files are not keys. */
static void test_bad_files(void)
{
	char dir[256], expect[1024], err[1024];
	struct timespec times[2];
	const struct anon_key *k;
	struct keyring *kr;
	FILE *f;

	sub(dir, sizeof(dir), "bad");
	CHECK(mkdir(dir, 0700) == 0);
	write_text(dir, "README", "not a key\n", 0644);
	write_text(dir, "ipcrypt-deterministic-5.key",
		   "ipcrypt-deterministic 000102030405060708090a0b0c0d0e0f\n", 0600);
	/* Another mode's key and other files: not this ring's. */
	kr = open_ring(dir, ANON_IPCRYPT_PFX, KEY_ROTATE_DAILY, KEYRING_KEEP_FOREVER);

	write_text(dir, "ipcrypt-pfx-5.key",
		   "ipcrypt-deterministic 0123456789abcdeffedcba9876543210\n", 0600);
	snprintf(expect, sizeof(expect),
		 "key file %s/ipcrypt-pfx-5.key is for ipcrypt-deterministic, not ipcrypt-pfx",
		 dir);
	expect_open_error(dir, ANON_IPCRYPT_PFX, expect);
	/* The open ring sees it too, at its next choice. */
	if (kr) {
		k = keyring_key_for(kr, T0, err, sizeof(err));
		CHECK(k == NULL);
		CHECK_STR(err, expect);
		keyring_close(kr);
	}

	write_text(dir, "ipcrypt-pfx-5.key", "ipcrypt-pfx " PFX_HEX "\n", 0644);
	snprintf(
		expect, sizeof(expect),
		"key file %s/ipcrypt-pfx-5.key: group or others have access (mode 0644); run chmod 600 %s/ipcrypt-pfx-5.key",
		dir, dir);
	expect_open_error(dir, ANON_IPCRYPT_PFX, expect);
	write_text(dir, "ipcrypt-pfx-5.key", "ipcrypt-pfx " PFX_HEX "\n", 0600);

	write_text(dir, "ipcrypt-pfx-007.key", "ipcrypt-pfx " PFX_HEX "\n", 0600);
	snprintf(
		expect, sizeof(expect),
		"key file %s/ipcrypt-pfx-007.key: not a key file name (expected ipcrypt-pfx-START.key, START in Unix seconds); move it out of %s",
		dir, dir);
	expect_open_error(dir, ANON_IPCRYPT_PFX, expect);
	snprintf(expect, sizeof(expect), "%s/ipcrypt-pfx-007.key", dir);
	unlink(expect);

	/*
	 * A copy beside a key (cp -p): an open ring fails closed at its next
	 * choice, naming the copy; the reason is news once, until a key is
	 * chosen again once it is moved away.
	 */
	kr = open_ring(dir, ANON_IPCRYPT_PFX, KEY_ROTATE_NEVER, KEYRING_KEEP_FOREVER);
	write_text(dir, "ipcrypt-pfx-5 (copy).key", "ipcrypt-pfx " PFX_HEX "\n", 0600);
	snprintf(
		expect, sizeof(expect),
		"key file %s/ipcrypt-pfx-5 (copy).key: not a key file name (expected ipcrypt-pfx-START.key, START in Unix seconds); move it out of %s",
		dir, dir);
	if (kr) {
		CHECK(keyring_key_for(kr, T0, err, sizeof(err)) == NULL);
		CHECK_STR(err, expect);
		CHECK(keyring_news(kr, err));
		CHECK(keyring_key_for(kr, T0 + 60, err, sizeof(err)) == NULL);
		CHECK_STR(err, expect);
		CHECK(!keyring_news(kr, err));
		snprintf(expect, sizeof(expect), "%s/ipcrypt-pfx-5 (copy).key", dir);
		unlink(expect);
		CHECK(keyring_key_for(kr, T0 + 120, err, sizeof(err)) != NULL);
		CHECK(keyring_news(kr, "key file again"));
		keyring_close(kr);
	}

	/* A directory others can write to. */
	chmod(dir, 0770);
	snprintf(
		expect, sizeof(expect),
		"key directory %s must be a directory of this user that no one else can write to (owner uid 0, mode 0770)",
		dir);
	expect_open_error(dir, ANON_IPCRYPT_PFX, expect);
	chmod(dir, 0700);

	/* And now it opens: ipcrypt-pfx-5.key is this ring's only key. */
	kr = open_ring(dir, ANON_IPCRYPT_PFX, KEY_ROTATE_NEVER, KEYRING_KEEP_FOREVER);
	k = kr ? keyring_key_for(kr, T0, err, sizeof(err)) : NULL;
	CHECK(k && k->start == 5 && !strcmp(k->id, "89b3d0a65b82b767"));
	keyring_close(kr);

	/* Overwritten in place (the directory unchanged): refused, not used. */
	times[0] = times[1] = (struct timespec){ .tv_sec = T0 };
	CHECK(utimensat(AT_FDCWD, dir, times, 0) == 0);
	kr = open_ring(dir, ANON_IPCRYPT_PFX, KEY_ROTATE_NEVER, KEYRING_KEEP_FOREVER);
	snprintf(expect, sizeof(expect), "%s/ipcrypt-pfx-5.key", dir);
	f = fopen(expect, "r+");
	CHECK(f &&
	      fputs("ipcrypt-pfx 1123456789abcdeffedcba98765432101032547698badcfeefcdab8967452301",
		    f) >= 0);
	if (f)
		fclose(f);
	k = kr ? keyring_key_for(kr, T0, err, sizeof(err)) : NULL;
	CHECK(k == NULL);
	snprintf(expect, sizeof(expect),
		 "key file %s/ipcrypt-pfx-5.key was replaced by another key", dir);
	CHECK_STR(err, expect);
	keyring_close(kr);
	CHECK(keyring_open(dir, ANON_TRUNCATE, KEY_ROTATE_NEVER, 0, NULL, 24, 48, err,
			   sizeof(err)) == NULL);
	CHECK_STR(err, "anonymization mode truncate takes no key");
}

/* --key FILE: that one key for every t; it cannot rotate. */
static void test_fixed(void)
{
	char path[256], err[1024];
	const struct anon_key *k;
	struct keyring *kr;

	sub(path, sizeof(path), "fixed.key");
	write_text(base, "fixed.key", PFX_HEX "\n", 0600); /* the legacy form */
	kr = keyring_open(NULL, ANON_IPCRYPT_PFX, KEY_ROTATE_DAILY, DAY, path, 24, 48, err,
			  sizeof(err));
	CHECK(kr == NULL);
	CHECK(strstr(err, "cannot rotate") != NULL);
	kr = keyring_open(NULL, ANON_IPCRYPT_PFX, KEY_ROTATE_NEVER, DAY, path, 24, 48, err,
			  sizeof(err));
	CHECK(kr != NULL);
	if (kr) {
		k = keyring_key_for(kr, 0, err, sizeof(err));
		CHECK(k && k->start == 0 && !strcmp(k->id, "89b3d0a65b82b767"));
		k = keyring_key_for(kr, T0 + 1000 * DAY, err, sizeof(err));
		CHECK(k && !strcmp(k->id, "89b3d0a65b82b767"));
		keyring_close(kr);
	}
	/* A bare key is no ipcrypt-deterministic key. */
	kr = keyring_open(NULL, ANON_IPCRYPT_DETERMINISTIC, KEY_ROTATE_NEVER, DAY, path, 24, 48,
			  err, sizeof(err));
	CHECK(kr == NULL);
	CHECK(strstr(err, "does not say its mode") != NULL);
}

/* The rules keyshare follows too: a key due, a key expired, a rotation's start. */
static void test_rules(void)
{
	long long s = -1;

	CHECK(keyring_key_due(KEY_ROTATE_HOURLY, false, 0, T0 + 5, &s));
	CHECK_INT(s, T0);
	CHECK(!keyring_key_due(KEY_ROTATE_HOURLY, true, T0, T0 + HOUR - 1, &s));
	CHECK(keyring_key_due(KEY_ROTATE_HOURLY, true, T0, T0 + HOUR, &s));
	CHECK_INT(s, T0 + HOUR);
	/* A key forced in after the period began is the period's. */
	CHECK(!keyring_key_due(KEY_ROTATE_HOURLY, true, T0 + 7, T0 + HOUR - 1, &s));
	CHECK(!keyring_key_due(KEY_ROTATE_DAILY, true, T0, T0 + DAY - 1, &s));
	CHECK(keyring_key_due(KEY_ROTATE_DAILY, true, T0, T0 + DAY + HOUR, &s));
	CHECK_INT(s, T0 + DAY);
	CHECK(keyring_key_due(KEY_ROTATE_NEVER, false, 0, T0, &s));
	CHECK_INT(s, 0);
	CHECK(!keyring_key_due(KEY_ROTATE_NEVER, true, 0, T0, &s));

	CHECK(!keyring_expired(KEYRING_KEEP_FOREVER, 0, T0));
	CHECK(!keyring_expired(10, 100, 110));
	CHECK(keyring_expired(10, 100, 111));
	CHECK(!keyring_expired(0, 100, 100));

	CHECK_INT(keyring_rotate_start(false, 0, T0), T0 + 1);
	CHECK_INT(keyring_rotate_start(true, T0 - HOUR, T0), T0 + 1);
	CHECK_INT(keyring_rotate_start(true, T0 + 1, T0), T0 + 2);
	CHECK_INT(keyring_rotate_start(true, T0 + HOUR, T0), T0 + HOUR + 1);
}

/* Keys written as another holder has them: installed (or replaced) and removed by name. */
static void test_install(void)
{
	char dir[256], err[512], name[64], id[ANON_KEY_ID_LEN + 1];
	uint8_t key[ANON_KEY_MAX_LEN];
	const struct anon_key *k;
	struct key_entry *e = NULL;
	struct keyring *kr;
	size_t n = 0;

	sub(dir, sizeof(dir), "install");
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	anon_key_id(ANON_IPCRYPT_DETERMINISTIC, key, 16, id);
	CHECK(mkdir(dir, 0700) == 0);
	CHECK(keyring_install(dir, ANON_IPCRYPT_DETERMINISTIC, T0, key, 16, err, sizeof(err)) == 0);
	snprintf(name, sizeof(name), "ipcrypt-deterministic-%lld.key", T0);
	check_key_file(dir, name, ANON_IPCRYPT_DETERMINISTIC);
	kr = open_ring(dir, ANON_IPCRYPT_DETERMINISTIC, KEY_ROTATE_HOURLY, KEYRING_KEEP_FOREVER);
	k = kr ? keyring_key_for(kr, T0 + 5, err, sizeof(err)) : NULL;
	CHECK(k && !strcmp(k->id, id));

	/* Replaced: the running keyring takes the new key. */
	key[0] = 0xff;
	anon_key_id(ANON_IPCRYPT_DETERMINISTIC, key, 16, id);
	CHECK(keyring_install(dir, ANON_IPCRYPT_DETERMINISTIC, T0, key, 16, err, sizeof(err)) == 0);
	k = kr ? keyring_key_for(kr, T0 + 5, err, sizeof(err)) : NULL;
	CHECK(k && !strcmp(k->id, id));
	CHECK_INT(count_keys(dir, ANON_IPCRYPT_DETERMINISTIC), 1);
	keyring_close(kr);

	CHECK(keyring_install(dir, ANON_IPCRYPT_PFX, T0, key, 16, err, sizeof(err)) == -1);
	CHECK_STR(err, "a key of 16 bytes is no ipcrypt-pfx key");
	CHECK(keyring_list(dir, ANON_IPCRYPT_DETERMINISTIC, &e, &n, err, sizeof(err)) == 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(e[0].id, id);
		CHECK(keyring_remove(dir, &e[0], err, sizeof(err)) == 0);
		CHECK(!has_file(dir, name));
		CHECK(keyring_remove(dir, &e[0], err, sizeof(err)) == 0); /* gone already */
	}
	free(e);
	OPENSSL_cleanse(key, sizeof(key));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_base(void)
{
	CHECK(nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0);
}

static const unit_fn tests[] = {
	test_parse,	test_daily,	      test_hourly_deterministic,
	test_never,	test_forced_rotation, test_same_tick,
	test_retention, test_read_only,	      test_bad_files,
	test_fixed,	test_rules,	      test_install,
	NULL,
};

int main(void)
{
	return unit_run("test_keyring", base, NULL, tests, remove_base);
}
