// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ipcrypt-pfx and ipcrypt-deterministic against the draft's published
 * vectors, text output by mode, truncation, key files, key ids.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/addr.h"
#include "lib/util.h"
#include "privacy/anon.h"
#include "unit.h"

static void hex_bytes(const char *hex, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		sscanf(hex + 2 * i, "%2hhx", &out[i]);
}

static void hex_key(const char *hex, uint8_t key[32])
{
	hex_bytes(hex, key, 32);
}

static const char *encrypt_text(const struct ipcrypt_pfx *c, const char *ip, char *buf)
{
	struct in6_addr in, out, back;

	if (addr_parse(ip, &in))
		return "(bad input)";
	ipcrypt_pfx_encrypt(c, &in, &out);
	ipcrypt_pfx_decrypt(c, &out, &back);
	CHECK(memcmp(&in, &back, 16) == 0);
	addr_format(&out, buf, ADDR_TEXT_LEN);
	return buf;
}

#define KEY_BASIC "0123456789abcdeffedcba98765432101032547698badcfeefcdab8967452301"
#define KEY_PREFIX "2b7e151628aed2a6abf7158809cf4f3ca9f5ba40db214c3798f2e1c23456789a"

/*
 * draft-denis-ipcrypt-11, ipcrypt-pfx test vectors: the four basic ones,
 * then the prefix-preserving ones (IPv4 /24, /16; IPv6 /64, /32).
 */
static void test_vectors(void)
{
	static const struct {
		const char *key, *in, *out;
	} v[] = {
		{ KEY_BASIC, "0.0.0.0", "151.82.155.134" },
		{ KEY_BASIC, "255.255.255.255", "94.185.169.89" },
		{ KEY_BASIC, "192.0.2.1", "100.115.72.131" },
		{ KEY_BASIC, "2001:db8::1", "c180:5dd4:2587:3524:30ab:fa65:6ab6:f88" },
		{ KEY_PREFIX, "10.0.0.47", "19.214.210.244" },
		{ KEY_PREFIX, "10.0.0.129", "19.214.210.80" },
		{ KEY_PREFIX, "10.0.0.234", "19.214.210.30" },
		{ KEY_PREFIX, "172.16.5.193", "210.78.229.136" },
		{ KEY_PREFIX, "172.16.97.42", "210.78.179.241" },
		{ KEY_PREFIX, "172.16.248.177", "210.78.121.215" },
		{ KEY_PREFIX, "2001:db8::a5c9:4e2f:bb91:5a7d",
		  "7cec:702c:1243:f70:1956:125:b9bd:1aba" },
		{ KEY_PREFIX, "2001:db8::7234:d8f1:3c6e:9a52",
		  "7cec:702c:1243:f70:a3ef:c8e:95c1:cd0d" },
		{ KEY_PREFIX, "2001:db8::f1e0:937b:26d4:8c1a",
		  "7cec:702c:1243:f70:443c:c8e:6a62:b64d" },
		{ KEY_PREFIX, "2001:db8:3a5c::e7d1:4b9f:2c8a:f673",
		  "7cec:702c:3503:bef:e616:96bd:be33:a9b9" },
		{ KEY_PREFIX, "2001:db8:9f27::b4e2:7a3d:5f91:c8e6",
		  "7cec:702c:a504:b74e:194a:3d90:b047:2d1a" },
		{ KEY_PREFIX, "2001:db8:d8b4::193c:a5e7:8b2f:46d1",
		  "7cec:702c:f840:aa67:1b8:e84f:ac9d:77fb" },
	};
	char buf[ADDR_TEXT_LEN], err[128];

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct ipcrypt_pfx c;
		uint8_t key[32];

		hex_key(v[i].key, key);
		CHECK(ipcrypt_pfx_init(&c, key, err, sizeof(err)) == 0);
		CHECK_STR(encrypt_text(&c, v[i].in, buf), v[i].out);
		ipcrypt_pfx_free(&c);
	}
}

/* Addresses sharing a /n share exactly a /n after encryption. */
static void test_prefix_preserved(void)
{
	struct ipcrypt_pfx c;
	struct in6_addr a, b, ea, eb;
	uint8_t key[32];
	char err[128];

	hex_key(KEY_PREFIX, key);
	CHECK(ipcrypt_pfx_init(&c, key, err, sizeof(err)) == 0);
	addr_parse("10.0.0.47", &a);
	addr_parse("10.0.0.129", &b);
	ipcrypt_pfx_encrypt(&c, &a, &ea);
	ipcrypt_pfx_encrypt(&c, &b, &eb);
	CHECK(addr_is_v4(&ea) && addr_is_v4(&eb));
	CHECK(memcmp(ea.s6_addr, eb.s6_addr, 15) == 0);
	/* 10.0.0.47 and 10.0.0.129 differ in the first bit of the last byte. */
	CHECK(((ea.s6_addr[15] ^ eb.s6_addr[15]) & 0x80) != 0);
	addr_parse("2001:db8:a::1", &a);
	addr_parse("2001:db8:b::1", &b);
	ipcrypt_pfx_encrypt(&c, &a, &ea);
	ipcrypt_pfx_encrypt(&c, &b, &eb);
	CHECK(!addr_is_v4(&ea));
	CHECK(memcmp(ea.s6_addr, eb.s6_addr, 5) == 0); /* 2001:0db8:00 (the first 44 bits agree) */
	CHECK(memcmp(ea.s6_addr, eb.s6_addr, 6) != 0);
	ipcrypt_pfx_free(&c);
}

static void test_equal_halves_refused(void)
{
	struct ipcrypt_pfx c;
	uint8_t key[32];
	char err[128] = "";

	memset(key, 7, sizeof(key));
	CHECK(ipcrypt_pfx_init(&c, key, err, sizeof(err)) == -1);
	CHECK(strstr(err, "halves") != NULL);
}

static void test_truncate(void)
{
	struct anonymizer a;
	struct in6_addr in, out;
	char buf[ADDR_TEXT_LEN], err[64];

	CHECK(anon_init(&a, ANON_TRUNCATE, NULL, 0, 24, 48, err, sizeof(err)) == 0);
	addr_parse("198.51.100.77", &in);
	anon_apply(&a, &in, &out);
	addr_format(&out, buf, sizeof(buf));
	CHECK_STR(buf, "198.51.100.0");
	addr_parse("2001:db8:1:2:3:4:5:6", &in);
	anon_apply(&a, &in, &out);
	addr_format(&out, buf, sizeof(buf));
	CHECK_STR(buf, "2001:db8:1::");
	anon_free(&a);
	CHECK(anon_init(&a, ANON_TRUNCATE, NULL, 0, 16, 32, err, sizeof(err)) == 0);
	addr_parse("198.51.100.77", &in);
	anon_apply(&a, &in, &out);
	addr_format(&out, buf, sizeof(buf));
	CHECK_STR(buf, "198.51.0.0");
	anon_free(&a);
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "wb");
	fwrite(data, 1, len, f);
	fclose(f);
	chmod(path, mode);
}

#define DET_KEY_1 "0123456789abcdeffedcba9876543210"
#define DET_KEY_2 "1032547698badcfeefcdab8967452301"
#define DET_KEY_3 "2b7e151628aed2a6abf7158809cf4f3c"

/* draft-denis-ipcrypt-11, appendix A.1: every ipcrypt-deterministic vector. */
static void test_det_vectors(void)
{
	static const struct {
		const char *key, *in, *out;
	} v[] = {
		{ DET_KEY_1, "0.0.0.0", "bde9:6789:d353:824c:d7c6:f58a:6bd2:26eb" },
		{ DET_KEY_2, "255.255.255.255", "aed2:92f6:ea23:58c3:48fd:8b8:74e8:45d8" },
		{ DET_KEY_3, "192.0.2.1", "1dbd:c1b9:fff1:7586:7d0b:67b4:e76e:4777" },
	};
	char buf[ADDR_TEXT_LEN], err[128];

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct in6_addr in, out, back, expect;
		struct anonymizer a;
		uint8_t key[16];

		hex_bytes(v[i].key, key, sizeof(key));
		CHECK(anon_init(&a, ANON_IPCRYPT_DETERMINISTIC, key, sizeof(key), 0, 0, err,
				sizeof(err)) == 0);
		CHECK(addr_parse(v[i].in, &in) == 0);
		anon_format(&a, &in, buf, sizeof(buf));
		CHECK_STR(buf, v[i].out);
		/* Decryption: the published output back to the input. */
		CHECK(inet_pton(AF_INET6, v[i].out, &expect) == 1);
		ipcrypt_det_encrypt(&a.det, &in, &out);
		CHECK(memcmp(&out, &expect, 16) == 0);
		ipcrypt_det_decrypt(&a.det, &expect, &back);
		CHECK(memcmp(&back, &in, 16) == 0);
		anon_free(&a);
	}
}

/*
 * Deterministic output is IPv6 text, even where inet_ntop would write a
 * dotted-quad tail: each target is decrypted to the input that yields it.
 */
static void test_det_format(void)
{
	static const char *const targets[][2] = {
		{ "::ffff:1.2.3.4", "::ffff:102:304" },
		{ "::1.2.3.4", "::102:304" },
		{ "2001:db8::1", "2001:db8::1" },
		{ "1:0:0:2:0:0:0:3", "1:0:0:2::3" },
		{ "1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0" },
		{ "::", "::" },
		{ "1::", "1::" },
		{ "1:0:0:2:0:0:3:4", "1::2:0:0:3:4" },
	};
	char buf[ADDR_TEXT_LEN], err[128];
	struct in6_addr target, in;
	struct anonymizer a;
	uint8_t key[16];

	hex_bytes(DET_KEY_3, key, sizeof(key));
	CHECK(anon_init(&a, ANON_IPCRYPT_DETERMINISTIC, key, sizeof(key), 0, 0, err, sizeof(err)) ==
	      0);
	for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
		CHECK(inet_pton(AF_INET6, targets[i][0], &target) == 1);
		ipcrypt_det_decrypt(&a.det, &target, &in);
		anon_format(&a, &in, buf, sizeof(buf));
		CHECK_STR(buf, targets[i][1]);
	}
	anon_free(&a);
}

/* Aggregates as text, per mode; values from the vectors and openssl enc. */
static void test_format_prefix(void)
{
	char buf[PREFIX_TEXT_LEN], other[PREFIX_TEXT_LEN], err[128];
	struct anonymizer a;
	struct in6_addr in;
	uint8_t key[32];

	hex_key(KEY_PREFIX, key);
	CHECK(anon_init(&a, ANON_IPCRYPT_PFX, key, 32, 24, 48, err, sizeof(err)) == 0);
	addr_parse("10.0.0.47", &in);
	CHECK_INT(anon_format_prefix(&a, &in, 24, buf, sizeof(buf)), 24);
	CHECK_STR(buf, "19.214.210.0/24");
	anon_format(&a, &in, buf, sizeof(buf));
	CHECK_STR(buf, "19.214.210.244");
	anon_free(&a);

	CHECK(anon_init(&a, ANON_TRUNCATE, NULL, 0, 16, 32, err, sizeof(err)) == 0);
	addr_parse("198.51.100.77", &in);
	CHECK_INT(anon_format_prefix(&a, &in, 24, buf, sizeof(buf)), 16);
	CHECK_STR(buf, "198.51.0.0/16");
	anon_free(&a);

	CHECK(anon_init(&a, ANON_NONE, NULL, 0, 0, 0, err, sizeof(err)) == 0);
	addr_parse("2001:db8:1:2::9", &in);
	CHECK_INT(anon_format_prefix(&a, &in, 48, buf, sizeof(buf)), 48);
	CHECK_STR(buf, "2001:db8:1::/48");
	anon_free(&a);

	/* Deterministic: the pseudonym of the network address, then the length. */
	hex_bytes(DET_KEY_3, key, 16);
	CHECK(anon_init(&a, ANON_IPCRYPT_DETERMINISTIC, key, 16, 24, 48, err, sizeof(err)) == 0);
	addr_parse("10.0.0.47", &in);
	CHECK_INT(anon_format_prefix(&a, &in, 24, buf, sizeof(buf)), 24);
	CHECK_STR(buf, "1126:6e95:4f0f:7d92:bbe3:d61f:95a5:43b0/24");
	addr_parse("10.0.0.200", &in);
	anon_format_prefix(&a, &in, 24, other, sizeof(other));
	CHECK_STR(other, buf);
	addr_parse("10.0.0.0", &in);
	anon_format(&a, &in, other, sizeof(other));
	CHECK_STR(other, "1126:6e95:4f0f:7d92:bbe3:d61f:95a5:43b0");
	addr_parse("2001:db8:ffff::1", &in);
	CHECK_INT(anon_format_prefix(&a, &in, 32, buf, sizeof(buf)), 32);
	CHECK_STR(buf, "641a:a59d:5dbe:c59:534a:360b:e89c:af73/32");
	anon_free(&a);
}

static void test_init_key_length(void)
{
	struct anonymizer a;
	uint8_t key[32] = { 1, 2, 3 };
	char err[128] = "";

	CHECK(anon_init(&a, ANON_IPCRYPT_DETERMINISTIC, key, 32, 0, 0, err, sizeof(err)) == -1);
	CHECK_STR(err, "ipcrypt-deterministic takes a 16-byte key");
	CHECK(anon_init(&a, ANON_IPCRYPT_PFX, key, 16, 0, 0, err, sizeof(err)) == -1);
	CHECK_STR(err, "ipcrypt-pfx takes a 32-byte key");
	CHECK(anon_init(&a, ANON_IPCRYPT_PFX, NULL, 32, 0, 0, err, sizeof(err)) == -1);
	CHECK_INT(anon_key_len(ANON_TRUNCATE), 0);
	CHECK_INT(anon_key_len(ANON_IPCRYPT_DETERMINISTIC), 16);
	CHECK_INT(anon_key_len(ANON_IPCRYPT_PFX), 32);
}

static void test_mode_names(void)
{
	enum anon_mode m = ANON_NONE;

	CHECK(anon_parse_mode("ipcrypt-deterministic", &m) == 0);
	CHECK_INT(m, ANON_IPCRYPT_DETERMINISTIC);
	CHECK_STR(anon_mode_name(m), "ipcrypt-deterministic");
	CHECK(anon_parse_mode("ipcrypt-pfx", &m) == 0);
	CHECK_INT(m, ANON_IPCRYPT_PFX);
	CHECK(anon_parse_mode("ipcrypt", &m) == -1);
}

static char key_dir[] = "/tmp/botsink-anon-XXXXXX";

#define PFX_HEX "0123456789abcdeffedcba98765432101032547698badcfeefcdab8967452301"
#define DET_HEX "000102030405060708090a0b0c0d0e0f"

/* Loads text as the key file of `mode`: 0 or -1, the reason in err. */
static int load_text(const char *text, mode_t fmode, enum anon_mode mode, uint8_t key[32],
		     size_t *len, char *err, size_t errlen)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "%s/k", key_dir);
	write_file(path, text, strlen(text), fmode);
	err[0] = '\0';
	ret = anon_key_load(AT_FDCWD, path, mode, key, len, err, errlen);
	/* Whatever the outcome, no reason shows key material. */
	CHECK(!strstr(err, PFX_HEX) && !strstr(err, DET_HEX) && !strstr(err, "0123456789ab"));
	return ret;
}

static void test_key_files(void)
{
	static const char hex[] = "  " PFX_HEX "\n";
	char path[256], err[256];
	uint8_t key[32], raw[32];
	struct stat st;
	size_t len = 0;

	CHECK(mkdtemp(key_dir) != NULL);
	snprintf(path, sizeof(path), "%s/k", key_dir);

	/* The legacy forms: 64 hex digits alone, 32 raw bytes. */
	CHECK(load_text(hex, 0600, ANON_IPCRYPT_PFX, key, &len, err, sizeof(err)) == 0);
	CHECK(key[0] == 0x01 && key[31] == 0x01 && key[16] == 0x10);
	CHECK_INT(len, 32);
	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)(i * 7 + 1);
	write_file(path, raw, sizeof(raw), 0600);
	CHECK(anon_key_load(AT_FDCWD, path, ANON_IPCRYPT_PFX, key, &len, err, sizeof(err)) == 0);
	CHECK(memcmp(key, raw, 32) == 0);

	/* MODE HEX, white space around. */
	CHECK(load_text("\tipcrypt-pfx  " PFX_HEX " \n\n", 0600, ANON_IPCRYPT_PFX, key, &len, err,
			sizeof(err)) == 0);
	CHECK(key[0] == 0x01 && key[15] == 0x10 && key[16] == 0x10 && key[31] == 0x01);
	CHECK_INT(len, 32);
	memset(key, 0, sizeof(key));
	CHECK(load_text("ipcrypt-deterministic " DET_HEX "\n", 0600, ANON_IPCRYPT_DETERMINISTIC,
			key, &len, err, sizeof(err)) == 0);
	CHECK_INT(len, 16);
	for (int i = 0; i < 16; i++)
		CHECK_INT(key[i], i);
	CHECK(load_text("ipcrypt-deterministic 000102030405060708090A0B0C0D0E0F", 0600,
			ANON_IPCRYPT_DETERMINISTIC, key, &len, err, sizeof(err)) == 0);
	CHECK_INT(key[15], 15);

	/* Written as "MODE HEX\n", 0600, and read back. */
	unlink(path);
	for (int i = 0; i < 16; i++)
		raw[i] = (uint8_t)i;
	CHECK(anon_key_write(AT_FDCWD, path, ANON_IPCRYPT_DETERMINISTIC, raw, 16, err,
			     sizeof(err)) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	{
		char text[128] = "";
		FILE *f = fopen(path, "r");

		CHECK(f && fread(text, 1, sizeof(text) - 1, f) == 55);
		if (f)
			fclose(f);
		CHECK_STR(text, "ipcrypt-deterministic " DET_HEX "\n");
	}
	CHECK(anon_key_write(AT_FDCWD, path, ANON_IPCRYPT_DETERMINISTIC, raw, 16, err,
			     sizeof(err)) == -1);
	CHECK(strstr(err, "File exists") != NULL);
	unlink(path);
}

static void test_key_file_refusals(void)
{
	static const struct {
		const char *text;
		enum anon_mode mode;
		const char *reason;
	} v[] = {
		{ "ipcrypt-deterministic " DET_HEX "\n", ANON_IPCRYPT_PFX,
		  " is for ipcrypt-deterministic, not ipcrypt-pfx" },
		{ "ipcrypt-pfx " PFX_HEX "\n", ANON_IPCRYPT_DETERMINISTIC,
		  " is for ipcrypt-pfx, not ipcrypt-deterministic" },
		{ "ipcrypt-deterministic " PFX_HEX "\n", ANON_IPCRYPT_DETERMINISTIC,
		  ": an ipcrypt-deterministic key is 32 hex digits, this one has 64" },
		{ "ipcrypt-pfx " DET_HEX "\n", ANON_IPCRYPT_PFX,
		  ": an ipcrypt-pfx key is 64 hex digits, this one has 32" },
		{ "ipcrypt-deterministic 000102030405060708090a0b0c0d0e0g\n",
		  ANON_IPCRYPT_DETERMINISTIC, ": the key is not hexadecimal" },
		{ "ipcrypt-pfx " PFX_HEX " extra\n", ANON_IPCRYPT_PFX,
		  ": expected one line 'MODE HEX', MODE ipcrypt-pfx or ipcrypt-deterministic" },
		{ "truncate " DET_HEX "\n", ANON_IPCRYPT_DETERMINISTIC,
		  ": expected one line 'MODE HEX', MODE ipcrypt-pfx or ipcrypt-deterministic" },
		{ PFX_HEX " ipcrypt-pfx\n", ANON_IPCRYPT_PFX,
		  ": expected one line 'MODE HEX', MODE ipcrypt-pfx or ipcrypt-deterministic" },
		{ DET_HEX "\n", ANON_IPCRYPT_DETERMINISTIC,
		  " holds a key that does not say its mode; write 'ipcrypt-deterministic HEX'" },
		{ PFX_HEX "\n", ANON_IPCRYPT_DETERMINISTIC,
		  " holds a key that does not say its mode; write 'ipcrypt-deterministic HEX'" },
		{ DET_HEX "\n", ANON_IPCRYPT_PFX,
		  ": expected 'ipcrypt-pfx HEX', 64 hex digits or 32 raw bytes" },
		/* 32 bytes of text are text, not a raw key. */
		{ "ipcrypt-deterministic 0123456789", ANON_IPCRYPT_PFX,
		  " is for ipcrypt-deterministic, not ipcrypt-pfx" },
		{ DET_HEX, ANON_IPCRYPT_PFX,
		  ": expected 'ipcrypt-pfx HEX', 64 hex digits or 32 raw bytes" },
		{ "0123", ANON_IPCRYPT_PFX,
		  ": expected 'ipcrypt-pfx HEX', 64 hex digits or 32 raw bytes" },
		{ "", ANON_IPCRYPT_PFX,
		  ": expected one line 'MODE HEX', MODE ipcrypt-pfx or ipcrypt-deterministic" },
		{ "ipcrypt-pfx 4242424242424242424242424242424242424242424242424242424242424242",
		  ANON_IPCRYPT_PFX, ": the two halves of the key must differ" },
	};
	char path[128], expect[512], err[512];
	uint8_t key[32], raw[32];
	size_t len;

	snprintf(path, sizeof(path), "%s/k", key_dir);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		CHECK(load_text(v[i].text, 0600, v[i].mode, key, &len, err, sizeof(err)) == -1);
		snprintf(expect, sizeof(expect), "key file %s%s", path, v[i].reason);
		CHECK_STR(err, expect);
	}

	/* Group or others have access: refused, whatever the contents. */
	CHECK(load_text("ipcrypt-deterministic " DET_HEX "\n", 0640, ANON_IPCRYPT_DETERMINISTIC,
			key, &len, err, sizeof(err)) == -1);
	snprintf(expect, sizeof(expect),
		 "key file %s: group or others have access (mode 0640); run chmod 600 %s", path,
		 path);
	CHECK_STR(err, expect);
	CHECK(load_text("ipcrypt-pfx " PFX_HEX "\n", 0644, ANON_IPCRYPT_PFX, key, &len, err,
			sizeof(err)) == -1);
	CHECK(strstr(err, "(mode 0644); run chmod 600") != NULL);

	/* Group-writable; owned by another user; a link; a FIFO, at once. */
	CHECK(load_text("ipcrypt-pfx " PFX_HEX "\n", 0620, ANON_IPCRYPT_PFX, key, &len, err,
			sizeof(err)) == -1);
	CHECK(strstr(err, "(mode 0620); run chmod 600") != NULL);
	CHECK(load_text("ipcrypt-pfx " PFX_HEX "\n", 0600, ANON_IPCRYPT_PFX, key, &len, err,
			sizeof(err)) == 0);
	if (geteuid() == 0) {
		CHECK(chown(path, 65534, 65534) == 0);
		CHECK(anon_key_load(AT_FDCWD, path, ANON_IPCRYPT_PFX, key, &len, err,
				    sizeof(err)) == -1);
		snprintf(expect, sizeof(expect),
			 "key file %s: owned by uid 65534, not by root or this user (uid 0)", path);
		CHECK_STR(err, expect);
		CHECK(chown(path, 0, 0) == 0);
	}
	{
		char link_path[160];

		snprintf(link_path, sizeof(link_path), "%s/l", key_dir);
		CHECK(symlink(path, link_path) == 0);
		CHECK(anon_key_load(AT_FDCWD, link_path, ANON_IPCRYPT_PFX, key, &len, err,
				    sizeof(err)) == -1);
		snprintf(expect, sizeof(expect),
			 "key file %s: a symbolic link; give the key file itself", link_path);
		CHECK_STR(err, expect);
		unlink(link_path);
		snprintf(link_path, sizeof(link_path), "%s/fifo", key_dir);
		CHECK(mkfifo(link_path, 0600) == 0);
		CHECK(anon_key_load(AT_FDCWD, link_path, ANON_IPCRYPT_PFX, key, &len, err,
				    sizeof(err)) == -1);
		snprintf(expect, sizeof(expect), "key file %s: not a regular file (a FIFO)",
			 link_path);
		CHECK_STR(err, expect);
		unlink(link_path);
		CHECK(anon_key_load(AT_FDCWD, "/dev/null", ANON_IPCRYPT_PFX, key, &len, err,
				    sizeof(err)) == -1);
		CHECK_STR(err, "key file /dev/null: not a regular file (a device)");
	}

	/* 32 raw bytes are an ipcrypt-pfx key; equal halves and other modes refused. */
	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)(0x80 + i);
	write_file(path, raw, sizeof(raw), 0600);
	CHECK(anon_key_load(AT_FDCWD, path, ANON_IPCRYPT_DETERMINISTIC, key, &len, err,
			    sizeof(err)) == -1);
	CHECK(strstr(err, "does not say its mode") != NULL);
	memset(raw, 0x92, sizeof(raw));
	write_file(path, raw, sizeof(raw), 0600);
	CHECK(anon_key_load(AT_FDCWD, path, ANON_IPCRYPT_PFX, key, &len, err, sizeof(err)) == -1);
	CHECK(strstr(err, "halves") != NULL);

	/* Too large, and a mode without keys. */
	{
		char big[400];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK(load_text(big, 0600, ANON_IPCRYPT_PFX, key, &len, err, sizeof(err)) == -1);
		snprintf(expect, sizeof(expect), "key file %s: too large for a key file", path);
		CHECK_STR(err, expect);
	}
	CHECK(anon_key_load(AT_FDCWD, path, ANON_TRUNCATE, key, &len, err, sizeof(err)) == -1);
	CHECK_STR(err, "anonymization mode truncate takes no key");
	unlink(path);
	CHECK(rmdir(key_dir) == 0);
}

/* A key's text without a file: as a file's is checked, named by `what`. */
static void test_key_text(void)
{
	char text[ANON_KEY_TEXT_LEN], small[8], err[256];
	uint8_t raw[32], key[32];
	size_t len = 0;

	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)(i * 5 + 3);
	CHECK_INT(anon_key_format(ANON_IPCRYPT_PFX, raw, 32, text, sizeof(text)), 12 + 64 + 1);
	CHECK(strncmp(text, "ipcrypt-pfx 03080d12", 20) == 0 && text[76] == '\n' && !text[77]);
	CHECK(anon_key_parse("entry x", text, strlen(text), ANON_IPCRYPT_PFX, key, &len, err,
			     sizeof(err)) == 0);
	CHECK_INT(len, 32);
	CHECK(memcmp(key, raw, 32) == 0);
	CHECK(anon_key_parse("entry x", text, strlen(text), ANON_IPCRYPT_DETERMINISTIC, key, &len,
			     err, sizeof(err)) == -1);
	CHECK_STR(err, "entry x is for ipcrypt-pfx, not ipcrypt-deterministic");
	CHECK(anon_key_parse("entry y", "ipcrypt-pfx 00", 14, ANON_IPCRYPT_PFX, key, &len, err,
			     sizeof(err)) == -1);
	CHECK_STR(err, "entry y: an ipcrypt-pfx key is 64 hex digits, this one has 2");
	CHECK(anon_key_parse("entry z", "", 0, ANON_TRUNCATE, key, &len, err, sizeof(err)) == -1);
	CHECK_STR(err, "anonymization mode truncate takes no key");
	CHECK_INT(anon_key_format(ANON_IPCRYPT_PFX, raw, 32, small, sizeof(small)), 0);
	CHECK_STR(small, "");
}

/* SHA-256("botsink anon_key_id v1\0" MODE "\0" KEY), first 8 bytes (Python hashlib). */
static void test_key_ids(void)
{
	char id[ANON_KEY_ID_LEN + 1], again[ANON_KEY_ID_LEN + 1], det[ANON_KEY_ID_LEN + 1];
	uint8_t key[32];

	hex_key(KEY_BASIC, key);
	anon_key_id(ANON_IPCRYPT_PFX, key, 32, id);
	CHECK_STR(id, "89b3d0a65b82b767");
	anon_key_id(ANON_IPCRYPT_PFX, key, 32, again);
	CHECK_STR(again, id);
	/* The same 16 bytes under either mode: two ids. */
	anon_key_id(ANON_IPCRYPT_DETERMINISTIC, key, 16, det);
	CHECK_STR(det, "17532ba6ba0180d0");
	anon_key_id(ANON_IPCRYPT_PFX, key, 16, again);
	CHECK_STR(again, "a746b694e5e03679");
	/* One bit of the key: another id. */
	key[31] ^= 1;
	anon_key_id(ANON_IPCRYPT_PFX, key, 32, again);
	CHECK(strcmp(again, id) != 0);
	CHECK_INT(strlen(again), 16);
}

/* The batched encryption gives the walk's result for any address. */
static void test_batched_equals_walk(void)
{
	struct in6_addr in, batched, walked, back;
	struct ipcrypt_pfx c;
	unsigned int seed = 1;
	uint8_t key[32];
	char err[128];
	int same = 0;

	hex_key(KEY_PREFIX, key);
	CHECK(ipcrypt_pfx_init(&c, key, err, sizeof(err)) == 0);
	for (int i = 0; i < 2000; i++) {
		for (int b = 0; b < 16; b++) {
			seed = seed * 1103515245u + 12345u;
			in.s6_addr[b] = (uint8_t)(seed >> 16);
		}
		if (i % 2) /* IPv4-mapped half the time */
			addr_from_v4(&in, *(uint32_t *)&in.s6_addr[12]);
		ipcrypt_pfx_encrypt(&c, &in, &batched);
		ipcrypt_pfx_encrypt_serial(&c, &in, &walked);
		ipcrypt_pfx_decrypt(&c, &batched, &back);
		same += !memcmp(&batched, &walked, 16) && !memcmp(&back, &in, 16);
	}
	CHECK_INT(same, 2000);
	/* Addresses sharing /24s: the cache of encrypted /24s answers most. */
	same = 0;
	for (int i = 0; i < 3000; i++) {
		seed = seed * 1103515245u + 12345u;
		addr_from_v4(&in, htonl(0xc6336400u | (seed >> 16) % 8 << 8 | (seed >> 8 & 0xff)));
		ipcrypt_pfx_encrypt(&c, &in, &batched);
		ipcrypt_pfx_encrypt_serial(&c, &in, &walked);
		same += !memcmp(&batched, &walked, 16);
	}
	CHECK_INT(same, 3000);
	ipcrypt_pfx_free(&c);
}

/* addr_format spells every IPv4 address as inet_ntop does, and never overruns. */
static void test_format_v4(void)
{
	char want[INET_ADDRSTRLEN], got[INET_ADDRSTRLEN + 4];
	struct in6_addr a;
	uint32_t x = 0x9e3779b9U;
	size_t bad = 0;

	for (uint32_t i = 0; i < 200000; i++) {
		/* Every byte value in every position, then a pseudo-random spread. */
		uint32_t v = i < 1024 ? (i & 0xff) * 0x01010101U >> (8 * (i >> 8)) |
						(i & 0xff) << (8 * (i >> 8)) :
					(x = x * 1664525U + 1013904223U);

		addr_from_v4(&a, v);
		inet_ntop(AF_INET, &v, want, sizeof(want));
		addr_format(&a, got, sizeof(got));
		bad += strcmp(got, want) != 0;
	}
	CHECK(bad == 0);
	addr_from_v4(&a, htonl(0xc6336417)); /* 198.51.100.23: 14 bytes with its NUL */
	memset(got, 'x', sizeof(got));
	addr_format(&a, got, 13);
	CHECK(got[0] == '\0' && got[1] == 'x');
	addr_format(&a, got, 14);
	CHECK(!strcmp(got, "198.51.100.23") && got[14] == 'x');
	addr_from_v4(&a, 0);
	addr_format(&a, got, sizeof(got));
	CHECK(!strcmp(got, "0.0.0.0"));
}

int main(void)
{
	test_format_v4();
	test_vectors();
	test_batched_equals_walk();
	test_prefix_preserved();
	test_equal_halves_refused();
	test_truncate();
	test_mode_names();
	test_det_vectors();
	test_det_format();
	test_format_prefix();
	test_init_key_length();
	test_key_files();
	test_key_text();
	test_key_file_refusals();
	test_key_ids();
	return unit_report("test_anon");
}
