// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "addr.h"
#include "anon.h"

static const char *const mode_names[] = {
	[ANON_IPCRYPT_PFX] = "ipcrypt-pfx",
	[ANON_TRUNCATE] = "truncate",
	[ANON_NONE] = "none",
};

int anon_parse_mode(const char *text, enum anon_mode *mode)
{
	for (int i = 0; i <= ANON_NONE; i++) {
		if (strcmp(text, mode_names[i]) == 0) {
			*mode = (enum anon_mode)i;
			return 0;
		}
	}
	return -1;
}

const char *anon_mode_name(enum anon_mode mode)
{
	return mode_names[mode];
}

static EVP_CIPHER_CTX *aes128_ecb(const uint8_t *key)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (!ctx)
		return NULL;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * ipcrypt-pfx is prefix-preserving: the first 24 output bits of an IPv4
 * address depend on its /24 only. Sources cluster in /24s (an ISP's pool,
 * a hosting range), so the encrypted /24s are kept in a direct-mapped
 * cache; an address whose /24 is there costs 8 AES blocks per key, not 32.
 */
#define PFX_CACHE_SIZE 65536
#define PFX_CACHE_VALID 0x80000000U

struct pfx_cache_entry {
	uint32_t prefix; /* the /24 (address >> 8) | PFX_CACHE_VALID */
	uint32_t out; /* its encryption, the same 24 bits */
};

int ipcrypt_pfx_init(struct ipcrypt_pfx *c, const uint8_t key[IPCRYPT_PFX_KEY_LEN], char *err,
		     size_t errlen)
{
	memset(c, 0, sizeof(*c));
	if (CRYPTO_memcmp(key, key + 16, 16) == 0) {
		snprintf(err, errlen, "the two halves of an ipcrypt-pfx key must differ");
		return -1;
	}
	c->k1 = aes128_ecb(key);
	c->k2 = aes128_ecb(key + 16);
	c->cache = calloc(PFX_CACHE_SIZE, sizeof(*c->cache));
	if (!c->k1 || !c->k2 || !c->cache) {
		ipcrypt_pfx_free(c);
		snprintf(err, errlen, "cannot set up AES-128 (OpenSSL)");
		return -1;
	}
	return 0;
}

void ipcrypt_pfx_free(struct ipcrypt_pfx *c)
{
	EVP_CIPHER_CTX_free(c->k1);
	EVP_CIPHER_CTX_free(c->k2);
	free(c->cache);
	c->k1 = c->k2 = NULL;
	c->cache = NULL;
}

static void aes_block(void *ctx, const uint8_t in[16], uint8_t out[16])
{
	int len = 16;

	/* One ECB block with a valid key cannot fail. */
	EVP_EncryptUpdate(ctx, out, &len, in, 16);
}

/* Bit `pos` counted from the most significant bit of byte 0. */
static unsigned int get_bit(const uint8_t *b, unsigned int pos)
{
	return (b[pos / 8] >> (7 - pos % 8)) & 1;
}

static void set_bit(uint8_t *b, unsigned int pos, unsigned int v)
{
	uint8_t m = (uint8_t)(1 << (7 - pos % 8));

	b[pos / 8] = v ? (b[pos / 8] | m) : (b[pos / 8] & (uint8_t)~m);
}

/* padded <<= 1, then the new low bit is `bit`. */
static void shift_in(uint8_t padded[16], unsigned int bit)
{
	for (int i = 0; i < 15; i++)
		padded[i] = (uint8_t)(padded[i] << 1 | padded[i + 1] >> 7);
	padded[15] = (uint8_t)(padded[15] << 1 | bit);
}

/*
 * For each bit, from the first one after the IPv4-mapped prefix (IPv4) or
 * the very first (IPv6): the prefix seen so far, padded as
 * zeros || 1 || prefix, goes through AES(K1) xor AES(K2); the low bit of
 * the result flips (or not) the address bit. Decryption runs the same walk
 * on the recovered plaintext bits.
 */
static void pfx_walk(const struct ipcrypt_pfx *c, const struct in6_addr *in, struct in6_addr *out,
		     bool decrypt)
{
	uint8_t padded[16] = { 0 }, e1[16], e2[16];
	const uint8_t *src = in->s6_addr;
	uint8_t *dst = out->s6_addr;
	unsigned int start = 0;

	if (addr_is_v4(in)) {
		start = V4_MAPPED_BITS;
		/* zeros || 1 || the 96-bit prefix 0...0ffff */
		padded[3] = 0x01;
		padded[14] = 0xff;
		padded[15] = 0xff;
	} else {
		padded[15] = 0x01;
	}
	memcpy(dst, src, 16);
	for (unsigned int pos = start; pos < 128; pos++) {
		unsigned int in_bit = get_bit(src, pos), flip, plain;

		aes_block(c->k1, padded, e1);
		aes_block(c->k2, padded, e2);
		flip = (e1[15] ^ e2[15]) & 1;
		set_bit(dst, pos, in_bit ^ flip);
		plain = decrypt ? in_bit ^ flip : in_bit;
		shift_in(padded, plain);
	}
}

/*
 * Encryption, batched: every block depends only on the original address
 * (its prefix before each bit), so all of an address's blocks are built
 * first and go through each key in one ECB call, not one call per block.
 * The result is the walk's, bit for bit (the unit tests hold both to the
 * draft's vectors).
 */
/*
 * Bits [first, 128) of `in`: `padded` is the block for bit `first`; each
 * later block follows by shifting the bit in. All blocks go through each
 * key in one ECB call.
 */
static void pfx_encrypt_from(const struct ipcrypt_pfx *c, const struct in6_addr *in,
			     struct in6_addr *out, unsigned int first, uint8_t padded[16])
{
	uint8_t blocks[128][16], e1[128][16], e2[128][16];
	const uint8_t *src = in->s6_addr;
	unsigned int n = 128 - first;
	int len;

	if (first >= 128)
		return;
	for (unsigned int i = 0; i < n; i++) {
		memcpy(blocks[i], padded, 16);
		shift_in(padded, get_bit(src, first + i));
	}
	len = (int)n * 16;
	EVP_EncryptUpdate(c->k1, &e1[0][0], &len, &blocks[0][0], (int)n * 16);
	len = (int)n * 16;
	EVP_EncryptUpdate(c->k2, &e2[0][0], &len, &blocks[0][0], (int)n * 16);
	for (unsigned int i = 0; i < n; i++)
		set_bit(out->s6_addr, first + i,
			get_bit(src, first + i) ^ ((e1[i][15] ^ e2[i][15]) & 1));
}

void ipcrypt_pfx_encrypt(const struct ipcrypt_pfx *c, const struct in6_addr *in,
			 struct in6_addr *out)
{
	uint8_t padded[16] = { 0 };
	const uint8_t *a = in->s6_addr;
	struct pfx_cache_entry *e;
	uint32_t p24;

	memcpy(out->s6_addr, a, 16);
	if (!addr_is_v4(in)) {
		padded[15] = 0x01;
		pfx_encrypt_from(c, in, out, 0, padded);
		return;
	}
	p24 = (uint32_t)a[12] << 16 | (uint32_t)a[13] << 8 | a[14];
	e = c->cache ? &c->cache[(p24 * 2654435761U) >> 16] : NULL;
	if (e && e->prefix == (p24 | PFX_CACHE_VALID)) {
		/* zeros || 1 || ::ffff:a.b.c, the block for the last byte's first bit */
		padded[0] = 0x01;
		padded[11] = 0xff;
		padded[12] = 0xff;
		memcpy(&padded[13], &a[12], 3);
		out->s6_addr[12] = (uint8_t)(e->out >> 16);
		out->s6_addr[13] = (uint8_t)(e->out >> 8);
		out->s6_addr[14] = (uint8_t)e->out;
		pfx_encrypt_from(c, in, out, V4_MAPPED_BITS + 24, padded);
		return;
	}
	/* zeros || 1 || the 96-bit prefix 0...0ffff */
	padded[3] = 0x01;
	padded[14] = 0xff;
	padded[15] = 0xff;
	pfx_encrypt_from(c, in, out, V4_MAPPED_BITS, padded);
	if (e) {
		e->prefix = p24 | PFX_CACHE_VALID;
		e->out = (uint32_t)out->s6_addr[12] << 16 | (uint32_t)out->s6_addr[13] << 8 |
			 out->s6_addr[14];
	}
}

/* The walk one block at a time, for `make bench` to compare with. */
void ipcrypt_pfx_encrypt_serial(const struct ipcrypt_pfx *c, const struct in6_addr *in,
				struct in6_addr *out)
{
	pfx_walk(c, in, out, false);
}

void ipcrypt_pfx_decrypt(const struct ipcrypt_pfx *c, const struct in6_addr *in,
			 struct in6_addr *out)
{
	pfx_walk(c, in, out, true);
}

static int hex_value(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* 64 hex digits, optionally surrounded by white space. */
static bool decode_hex_key(const uint8_t *buf, size_t len, uint8_t key[IPCRYPT_PFX_KEY_LEN])
{
	size_t i = 0, k = 0;

	while (i < len && isspace(buf[i]))
		i++;
	for (; k < IPCRYPT_PFX_KEY_LEN; k++, i += 2) {
		int hi = i + 1 < len ? hex_value(buf[i]) : -1;
		int lo = i + 1 < len ? hex_value(buf[i + 1]) : -1;

		if (hi < 0 || lo < 0)
			return false;
		key[k] = (uint8_t)(hi << 4 | lo);
	}
	while (i < len && isspace(buf[i]))
		i++;
	return i == len;
}

int anon_key_load(const char *path, uint8_t key[IPCRYPT_PFX_KEY_LEN], char *err, size_t errlen)
{
	uint8_t buf[160];
	struct stat st;
	ssize_t n;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "key file %s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
			 "key file %s: group or others have access (mode %04o); run chmod 600 %s",
			 path, (unsigned int)(st.st_mode & 07777), path);
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (n == IPCRYPT_PFX_KEY_LEN && !decode_hex_key(buf, (size_t)n, key))
		memcpy(key, buf, IPCRYPT_PFX_KEY_LEN);
	else if (!decode_hex_key(buf, (size_t)n, key)) {
		snprintf(err, errlen, "key file %s: expected 64 hex digits or 32 raw bytes", path);
		goto out;
	}
	if (CRYPTO_memcmp(key, key + 16, 16) == 0) {
		snprintf(err, errlen, "key file %s: the two halves of the key must differ", path);
		goto out;
	}
	ret = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return ret;
}

static int create_key(const char *path, uint8_t key[IPCRYPT_PFX_KEY_LEN], char *err, size_t errlen)
{
	char hex[2 * IPCRYPT_PFX_KEY_LEN + 2];
	int fd, ret = -1;

	do {
		if (RAND_bytes(key, IPCRYPT_PFX_KEY_LEN) != 1) {
			snprintf(err, errlen, "cannot generate a key: no randomness from OpenSSL");
			return -1;
		}
	} while (CRYPTO_memcmp(key, key + 16, 16) == 0);
	for (int i = 0; i < IPCRYPT_PFX_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	hex[2 * IPCRYPT_PFX_KEY_LEN] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (write(fd, hex, sizeof(hex) - 1) != (ssize_t)sizeof(hex) - 1 || fsync(fd)) {
		snprintf(err, errlen, "cannot write key file %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		goto out;
	}
	close(fd);
	ret = 0;
out:
	OPENSSL_cleanse(hex, sizeof(hex));
	return ret;
}

int anon_key_load_or_create(const char *state_dir, uint8_t key[IPCRYPT_PFX_KEY_LEN], char *err,
			    size_t errlen)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", state_dir, ANON_KEY_FILE);
	if (access(path, F_OK) == 0)
		return anon_key_load(path, key, err, errlen);
	if (mkdir(state_dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create state directory %s: %s", state_dir,
			 strerror(errno));
		return -1;
	}
	return create_key(path, key, err, errlen);
}

int anon_init(struct anonymizer *a, enum anon_mode mode, const uint8_t *key, unsigned int v4_bits,
	      unsigned int v6_bits, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->mode = mode;
	a->truncate_v4 = v4_bits;
	a->truncate_v6 = v6_bits;
	if (mode == ANON_IPCRYPT_PFX)
		return ipcrypt_pfx_init(&a->pfx, key, err, errlen);
	return 0;
}

void anon_apply(const struct anonymizer *a, const struct in6_addr *in, struct in6_addr *out)
{
	switch (a->mode) {
	case ANON_IPCRYPT_PFX:
		ipcrypt_pfx_encrypt(&a->pfx, in, out);
		break;
	case ANON_TRUNCATE:
		*out = *in;
		addr_mask(out, addr_is_v4(in) ? V4_MAPPED_BITS + a->truncate_v4 : a->truncate_v6);
		break;
	case ANON_NONE:
		*out = *in;
		break;
	}
}

unsigned int anon_apply_prefix(const struct anonymizer *a, const struct in6_addr *in,
			       unsigned int bits, struct in6_addr *out)
{
	bool v4 = addr_is_v4(in);
	unsigned int keep = v4 ? a->truncate_v4 : a->truncate_v6;

	if (a->mode == ANON_TRUNCATE && keep < bits)
		bits = keep;
	anon_apply(a, in, out);
	addr_mask(out, v4 ? V4_MAPPED_BITS + bits : bits);
	return bits;
}

void anon_free(struct anonymizer *a)
{
	ipcrypt_pfx_free(&a->pfx);
}
