// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ipcrypt-pfx against the draft's published vectors, truncation, key files. */
#include <sys/stat.h>
#include <unistd.h>
#include "addr.h"
#include "anon.h"
#include "unit.h"

static void hex_key(const char *hex, uint8_t key[32])
{
	for (int i = 0; i < 32; i++)
		sscanf(hex + 2 * i, "%2hhx", &key[i]);
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

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
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

	CHECK(anon_init(&a, ANON_TRUNCATE, NULL, 24, 48, err, sizeof(err)) == 0);
	addr_parse("198.51.100.77", &in);
	anon_apply(&a, &in, &out);
	addr_format(&out, buf, sizeof(buf));
	CHECK_STR(buf, "198.51.100.0");
	addr_parse("2001:db8:1:2:3:4:5:6", &in);
	anon_apply(&a, &in, &out);
	addr_format(&out, buf, sizeof(buf));
	CHECK_STR(buf, "2001:db8:1::");
	anon_free(&a);
	CHECK(anon_init(&a, ANON_TRUNCATE, NULL, 16, 32, err, sizeof(err)) == 0);
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

static void test_key_files(void)
{
	char dir[] = "/tmp/botsink-anon-XXXXXX", path[256], err[256];
	static const char hex[] =
		"  0123456789abcdeffedcba98765432101032547698badcfeefcdab8967452301\n";
	uint8_t key[32], key2[32], raw[32];
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/k", dir);

	write_file(path, hex, strlen(hex), 0600);
	CHECK(anon_key_load(path, key, err, sizeof(err)) == 0);
	CHECK(key[0] == 0x01 && key[31] == 0x01 && key[16] == 0x10);

	write_file(path, hex, strlen(hex), 0640);
	CHECK(anon_key_load(path, key, err, sizeof(err)) == -1);
	CHECK(strstr(err, "chmod 600") != NULL);

	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)(i * 7 + 1);
	write_file(path, raw, sizeof(raw), 0600);
	CHECK(anon_key_load(path, key, err, sizeof(err)) == 0);
	CHECK(memcmp(key, raw, 32) == 0);

	memset(raw, 0x42, sizeof(raw));
	write_file(path, raw, sizeof(raw), 0600);
	CHECK(anon_key_load(path, key, err, sizeof(err)) == -1);
	CHECK(strstr(err, "halves") != NULL);

	write_file(path, "0123", 4, 0600);
	CHECK(anon_key_load(path, key, err, sizeof(err)) == -1);
	CHECK(strstr(err, "64 hex digits") != NULL);
	unlink(path);

	/* Generated once in the state directory, mode 0600, then reused. */
	snprintf(path, sizeof(path), "%s/state", dir);
	CHECK(anon_key_load_or_create(path, key, err, sizeof(err)) == 0);
	snprintf(path, sizeof(path), "%s/state/%s", dir, ANON_KEY_FILE);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	snprintf(path, sizeof(path), "%s/state", dir);
	CHECK(anon_key_load_or_create(path, key2, err, sizeof(err)) == 0);
	CHECK(memcmp(key, key2, 32) == 0);
	snprintf(path, sizeof(path), "%s/state/%s", dir, ANON_KEY_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state", dir);
	rmdir(path);
	rmdir(dir);
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

int main(void)
{
	test_vectors();
	test_batched_equals_walk();
	test_prefix_preserved();
	test_equal_halves_refused();
	test_truncate();
	test_key_files();
	return unit_report("test_anon");
}
