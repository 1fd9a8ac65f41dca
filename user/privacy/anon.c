// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include "lib/addr.h"
#include "lib/keywords.h"
#include "lib/parse.h"
#include "privacy/anon.h"

const struct keyword anon_modes[] = {
	{ "ipcrypt-pfx", ANON_IPCRYPT_PFX },
	{ "ipcrypt-deterministic", ANON_IPCRYPT_DETERMINISTIC },
	{ "truncate", ANON_TRUNCATE },
	{ "none", ANON_NONE },
	{ NULL, 0 },
};

int anon_parse_mode(const char *text, enum anon_mode *mode)
{
	int v;

	if (keyword_parse(anon_modes, text, &v))
		return -1;
	*mode = (enum anon_mode)v;
	return 0;
}

const char *anon_mode_name(enum anon_mode mode)
{
	return keyword_name(anon_modes, (int)mode, "?");
}

int anon_parse_truncate(const char *text, struct truncate_bits *out)
{
	const char *comma = strchr(text, ',');
	uint64_t v4, v6;

	if (!comma || parse_uint_n(text, (size_t)(comma - text), 31, &v4) ||
	    parse_uint(comma + 1, 127, &v6))
		return -1;
	out->v4 = (unsigned int)v4;
	out->v6 = (unsigned int)v6;
	return 0;
}

bool anon_mode_has_key(int mode)
{
	return anon_key_len((enum anon_mode)mode) > 0;
}

size_t anon_key_len(enum anon_mode mode)
{
	switch (mode) {
	case ANON_IPCRYPT_PFX:
		return IPCRYPT_PFX_KEY_LEN;
	case ANON_IPCRYPT_DETERMINISTIC:
		return IPCRYPT_DET_KEY_LEN;
	case ANON_TRUNCATE:
	case ANON_NONE:
		break;
	}
	return 0;
}

static EVP_CIPHER_CTX *aes128_ecb_dir(const uint8_t *key, int encrypt)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (!ctx)
		return NULL;
	if (EVP_CipherInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL, encrypt) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static EVP_CIPHER_CTX *aes128_ecb(const uint8_t *key)
{
	return aes128_ecb_dir(key, 1);
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

/* OpenSSL clears a context's key schedule as it frees it (aes_freectx), here and below. */
void ipcrypt_pfx_free(struct ipcrypt_pfx *c)
{
	EVP_CIPHER_CTX_free(c->k1);
	EVP_CIPHER_CTX_free(c->k2);
	if (c->cache) /* which /24 became which: as secret as the key */
		OPENSSL_cleanse(c->cache, PFX_CACHE_SIZE * sizeof(*c->cache));
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

/* The /24 cache's entry for an IPv4 address's first three bytes. */
static struct pfx_cache_entry *pfx_cache_entry(const struct ipcrypt_pfx *c, uint32_t p24)
{
	return c->cache ? &c->cache[(p24 * 2654435761U) >> 16] : NULL;
}

static uint32_t prefix24(const uint8_t *a)
{
	return (uint32_t)a[12] << 16 | (uint32_t)a[13] << 8 | a[14];
}

void ipcrypt_pfx_prefetch(const struct ipcrypt_pfx *c, const struct in6_addr *in)
{
	if (c->cache && addr_is_v4(in))
		__builtin_prefetch(pfx_cache_entry(c, prefix24(in->s6_addr)));
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
	p24 = prefix24(a);
	e = pfx_cache_entry(c, p24);
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

int ipcrypt_det_init(struct ipcrypt_det *c, const uint8_t key[IPCRYPT_DET_KEY_LEN], char *err,
		     size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->enc = aes128_ecb_dir(key, 1);
	c->dec = aes128_ecb_dir(key, 0);
	if (!c->enc || !c->dec) {
		ipcrypt_det_free(c);
		snprintf(err, errlen, "cannot set up AES-128 (OpenSSL)");
		return -1;
	}
	return 0;
}

void ipcrypt_det_free(struct ipcrypt_det *c)
{
	EVP_CIPHER_CTX_free(c->enc);
	EVP_CIPHER_CTX_free(c->dec);
	c->enc = c->dec = NULL;
}

/* One AES block either way: the whole of ipcrypt-deterministic. */
static void det_block(void *ctx, const struct in6_addr *in, struct in6_addr *out)
{
	int len = 16;

	/* One ECB block with a valid key cannot fail. */
	EVP_CipherUpdate(ctx, out->s6_addr, &len, in->s6_addr, 16);
}

void ipcrypt_det_encrypt(const struct ipcrypt_det *c, const struct in6_addr *in,
			 struct in6_addr *out)
{
	det_block(c->enc, in, out);
}

void ipcrypt_det_decrypt(const struct ipcrypt_det *c, const struct in6_addr *in,
			 struct in6_addr *out)
{
	det_block(c->dec, in, out);
}

static bool all_hex(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (hex_digit(s[i]) < 0)
			return false;
	return true;
}

/*
 * The words of buf, split at white space: at most 3 are recorded, the
 * count says whether there were more. A third word is never valid.
 */
static int split_words(const uint8_t *buf, size_t len, const uint8_t *word[3], size_t wlen[3])
{
	size_t i = 0;
	int n = 0;

	while (i < len && n < 3) {
		while (i < len && isspace(buf[i]))
			i++;
		if (i == len)
			break;
		word[n] = buf + i;
		while (i < len && !isspace(buf[i]))
			i++;
		wlen[n] = (size_t)(buf + i - word[n]);
		n++;
	}
	return n;
}

/* Printable or white space: a random 32-byte key is not (odds 1 in 10^14). */
static bool is_text(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isprint(buf[i]) && !isspace(buf[i]))
			return false;
	return true;
}

static bool parse_mode_word(const uint8_t *w, size_t len, enum anon_mode *mode)
{
	for (const struct keyword *k = anon_modes; k->name; k++) {
		if (strlen(k->name) == len && memcmp(w, k->name, len) == 0) {
			*mode = (enum anon_mode)k->value;
			return true;
		}
	}
	return false;
}

/* Reasons name the text (what), never a word of it (a word may be the key). */
static int parse_key(const char *what, const uint8_t *buf, size_t n, enum anon_mode want,
		     uint8_t *key, char *err, size_t errlen)
{
	const char *name = anon_mode_name(want);
	size_t keylen = anon_key_len(want), wlen[3];
	const uint8_t *word[3];
	enum anon_mode mode;
	int nw;

	if (n == IPCRYPT_PFX_KEY_LEN && !is_text(buf, n)) {
		/* 32 raw bytes: the ipcrypt-pfx key --key has always taken. */
		if (want != ANON_IPCRYPT_PFX)
			goto bare;
		memcpy(key, buf, IPCRYPT_PFX_KEY_LEN);
		return 0;
	}
	nw = split_words(buf, n, word, wlen);
	if (nw == 1) {
		if (want != ANON_IPCRYPT_PFX)
			goto bare;
		if (hex_decode((const char *)word[0], wlen[0], key, keylen))
			return 0;
		snprintf(err, errlen,
			 "%s: expected 'ipcrypt-pfx HEX', 64 hex digits or 32 raw bytes", what);
		return -1;
	}
	if (nw != 2 || !parse_mode_word(word[0], wlen[0], &mode) || !anon_key_len(mode)) {
		snprintf(
			err, errlen,
			"%s: expected one line 'MODE HEX', MODE ipcrypt-pfx or ipcrypt-deterministic",
			what);
		return -1;
	}
	if (mode != want) {
		snprintf(err, errlen, "%s is for %s, not %s", what, anon_mode_name(mode), name);
		return -1;
	}
	if (!all_hex(word[1], wlen[1])) {
		snprintf(err, errlen, "%s: the key is not hexadecimal", what);
		return -1;
	}
	if (!hex_decode((const char *)word[1], wlen[1], key, keylen)) {
		snprintf(err, errlen, "%s: an %s key is %zu hex digits, this one has %zu", what,
			 name, 2 * keylen, wlen[1]);
		return -1;
	}
	return 0;
bare:
	snprintf(err, errlen, "%s holds a key that does not say its mode; write '%s HEX'", what,
		 name);
	return -1;
}

/* The whole file, if it is a small one. 0, or -1 with a reason. */
static int read_small(int fd, const char *path, uint8_t *buf, size_t size, size_t *len, char *err,
		      size_t errlen)
{
	ssize_t r;

	*len = 0;
	while ((r = read(fd, buf + *len, size - *len)) > 0)
		*len += (size_t)r;
	if (r < 0) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (*len == size) {
		snprintf(err, errlen, "key file %s: too large for a key file", path);
		return -1;
	}
	return 0;
}

/* The key length of an ipcrypt mode; -1 for a mode that takes no key. */
static int key_len_of(enum anon_mode mode, size_t *keylen, char *err, size_t errlen)
{
	*keylen = anon_key_len(mode);
	if (*keylen)
		return 0;
	snprintf(err, errlen, "anonymization mode %s takes no key", anon_mode_name(mode));
	return -1;
}

int anon_key_parse(const char *what, const void *text, size_t len, enum anon_mode mode,
		   uint8_t key[ANON_KEY_MAX_LEN], size_t *keylen, char *err, size_t errlen)
{
	if (key_len_of(mode, keylen, err, errlen))
		return -1;
	if (parse_key(what, text, len, mode, key, err, errlen))
		goto fail;
	if (mode == ANON_IPCRYPT_PFX && CRYPTO_memcmp(key, key + 16, 16) == 0) {
		snprintf(err, errlen, "%s: the two halves of the key must differ", what);
		goto fail;
	}
	return 0;
fail:
	OPENSSL_cleanse(key, ANON_KEY_MAX_LEN);
	return -1;
}

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a plain file";
}

/* The name to open for anon_key_load's (dir, path). */
static const char *name_in(int dir, const char *path)
{
	const char *slash = strrchr(path, '/');

	return dir == AT_FDCWD || !slash ? path : slash + 1;
}

int anon_key_load(int dir, const char *path, enum anon_mode mode, uint8_t key[ANON_KEY_MAX_LEN],
		  size_t *keylen, char *err, size_t errlen)
{
	char what[PATH_MAX + 16];
	uint8_t buf[256];
	struct stat st;
	size_t n = 0;
	int fd, ret = -1;

	if (key_len_of(mode, keylen, err, errlen))
		return -1;
	/*
	 * O_NOFOLLOW: the file checked below is the file read, not what a link
	 * points to today. O_NONBLOCK: a FIFO is refused at once, not waited on.
	 */
	fd = openat(dir, name_in(dir, path), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "key file %s: %s", path,
			 errno == ELOOP ? "a symbolic link; give the key file itself" :
					  strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "key file %s: not a regular file (%s)", path,
			 file_kind(st.st_mode));
		goto out;
	}
	/* Whoever owns the file can change the key: only root and this user may. */
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen,
			 "key file %s: owned by uid %u, not by root or this user (uid %u)", path,
			 (unsigned int)st.st_uid, (unsigned int)geteuid());
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
			 "key file %s: group or others have access (mode %04o); run chmod 600 %s",
			 path, (unsigned int)(st.st_mode & 07777), path);
		goto out;
	}
	if (read_small(fd, path, buf, sizeof(buf), &n, err, errlen))
		goto out;
	snprintf(what, sizeof(what), "key file %s", path);
	ret = anon_key_parse(what, buf, n, mode, key, keylen, err, errlen);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return ret;
}

int anon_key_generate(enum anon_mode mode, uint8_t key[ANON_KEY_MAX_LEN], char *err, size_t errlen)
{
	size_t len;

	if (key_len_of(mode, &len, err, errlen))
		return -1;
	do {
		if (RAND_bytes(key, (int)len) != 1) {
			snprintf(err, errlen, "cannot generate a key: no randomness from OpenSSL");
			return -1;
		}
	} while (mode == ANON_IPCRYPT_PFX && CRYPTO_memcmp(key, key + 16, 16) == 0);
	return 0;
}

size_t anon_key_format(enum anon_mode mode, const uint8_t *key, size_t keylen, char *buf,
		       size_t len)
{
	size_t n;

	if (len < ANON_KEY_TEXT_LEN || keylen > ANON_KEY_MAX_LEN) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	n = (size_t)snprintf(buf, len, "%s ", anon_mode_name(mode));
	for (size_t i = 0; i < keylen; i++)
		n += (size_t)snprintf(buf + n, len - n, "%02x", key[i]);
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

int anon_key_write(int dir, const char *path, enum anon_mode mode, const uint8_t *key,
		   size_t keylen, char *err, size_t errlen)
{
	char text[ANON_KEY_TEXT_LEN];
	size_t n;
	int fd, ret = -1, saved;

	n = anon_key_format(mode, key, keylen, text, sizeof(text));
	fd = openat(dir, name_in(dir, path), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0) {
		saved = errno;
		snprintf(err, errlen, "cannot create key file %s: %s", path, strerror(saved));
		errno = saved;
		goto out;
	}
	if (write(fd, text, n) != (ssize_t)n || fsync(fd)) {
		saved = errno;
		snprintf(err, errlen, "cannot write key file %s: %s", path, strerror(saved));
		close(fd);
		unlinkat(dir, name_in(dir, path), 0);
		errno = saved;
		goto out;
	}
	close(fd);
	ret = 0;
out:
	OPENSSL_cleanse(text, sizeof(text));
	return ret;
}

void anon_key_id(enum anon_mode mode, const uint8_t *key, size_t len, char id[ANON_KEY_ID_LEN + 1])
{
	/* The label keeps this hash apart from any other use of the key. */
	static const char label[] = "botsink anon_key_id v1";
	const char *name = anon_mode_name(mode);
	uint8_t msg[sizeof(label) + 32 + ANON_KEY_MAX_LEN], md[SHA256_DIGEST_LENGTH];
	size_t n = 0, name_len = strlen(name) + 1;

	if (len > ANON_KEY_MAX_LEN || name_len > 32) {
		snprintf(id, ANON_KEY_ID_LEN + 1, "%0*d", ANON_KEY_ID_LEN, 0);
		return;
	}
	memcpy(msg, label, sizeof(label)); /* NULs end the label and the name */
	n += sizeof(label);
	memcpy(msg + n, name, name_len);
	n += name_len;
	memcpy(msg + n, key, len);
	n += len;
	/* Only out of memory fails: an id of zeros then, never a wrong key's. */
	if (!SHA256(msg, n, md))
		memset(md, 0, sizeof(md));
	for (int i = 0; i < ANON_KEY_ID_LEN / 2; i++)
		snprintf(id + 2 * i, 3, "%02x", md[i]);
	OPENSSL_cleanse(msg, sizeof(msg));
}

int anon_init(struct anonymizer *a, enum anon_mode mode, const uint8_t *key, size_t keylen,
	      unsigned int v4_bits, unsigned int v6_bits, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->mode = mode;
	a->truncate_v4 = v4_bits;
	a->truncate_v6 = v6_bits;
	if (anon_key_len(mode) && (!key || keylen != anon_key_len(mode))) {
		snprintf(err, errlen, "%s takes a %zu-byte key", anon_mode_name(mode),
			 anon_key_len(mode));
		return -1;
	}
	if (mode == ANON_IPCRYPT_PFX)
		return ipcrypt_pfx_init(&a->pfx, key, err, errlen);
	if (mode == ANON_IPCRYPT_DETERMINISTIC)
		return ipcrypt_det_init(&a->det, key, err, errlen);
	return 0;
}

void anon_apply(const struct anonymizer *a, const struct in6_addr *in, struct in6_addr *out)
{
	switch (a->mode) {
	case ANON_IPCRYPT_PFX:
		ipcrypt_pfx_encrypt(&a->pfx, in, out);
		break;
	case ANON_IPCRYPT_DETERMINISTIC:
		ipcrypt_det_encrypt(&a->det, in, out);
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

void anon_prefetch(const struct anonymizer *a, const struct in6_addr *in)
{
	if (a->mode == ANON_IPCRYPT_PFX)
		ipcrypt_pfx_prefetch(&a->pfx, in);
}

/*
 * A prefix of `bits` (IPv4: of the IPv4 address) as the mode shows it:
 * ipcrypt-pfx preserves prefixes, so it is the prefix of its members'
 * pseudonyms; truncate never shows more than its own prefix;
 * ipcrypt-deterministic gives the pseudonym of the network address (not a
 * prefix: host bits are not zero). Returns the prefix length shown.
 */
static unsigned int anon_apply_prefix(const struct anonymizer *a, const struct in6_addr *in,
				      unsigned int bits, struct in6_addr *out)
{
	bool v4 = addr_is_v4(in);
	unsigned int keep = v4 ? a->truncate_v4 : a->truncate_v6;
	struct in6_addr net = *in;

	if (a->mode == ANON_IPCRYPT_DETERMINISTIC) {
		/* No prefix to keep: the network address stands for the network. */
		addr_mask(&net, v4 ? V4_MAPPED_BITS + bits : bits);
		ipcrypt_det_encrypt(&a->det, &net, out);
		return bits;
	}
	if (a->mode == ANON_TRUNCATE && keep < bits)
		bits = keep;
	anon_apply(a, in, out);
	addr_mask(out, v4 ? V4_MAPPED_BITS + bits : bits);
	return bits;
}

/*
 * RFC 5952 text of all 16 bytes, never with a dotted-quad tail: a
 * pseudonym must not read as an IPv4 address.
 */
static void format_v6(const struct in6_addr *a, char *buf, size_t len)
{
	unsigned int w[8], best = 8, best_len = 0;
	char text[ADDR_TEXT_LEN];
	size_t n = 0;

	for (unsigned int i = 0; i < 8; i++)
		w[i] = (unsigned int)a->s6_addr[2 * i] << 8 | a->s6_addr[2 * i + 1];
	for (unsigned int i = 0, j; i < 8; i = j + 1) {
		for (j = i; j < 8 && !w[j]; j++)
			;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
	}
	for (unsigned int i = 0; i < 8; i++) {
		if (i == best) {
			n += (size_t)snprintf(text + n, sizeof(text) - n, "::");
			i += best_len - 1;
			continue;
		}
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%x",
				      i && i != best + best_len ? ":" : "", w[i]);
	}
	snprintf(buf, len, "%s", text);
}

static void format_out(const struct anonymizer *a, const struct in6_addr *out, char *buf,
		       size_t len)
{
	if (a->mode == ANON_IPCRYPT_DETERMINISTIC)
		format_v6(out, buf, len);
	else
		addr_format(out, buf, len);
}

void anon_format(const struct anonymizer *a, const struct in6_addr *in, char *buf, size_t len)
{
	struct in6_addr out;

	anon_apply(a, in, &out);
	format_out(a, &out, buf, len);
}

unsigned int anon_format_prefix(const struct anonymizer *a, const struct in6_addr *in,
				unsigned int bits, char *buf, size_t len)
{
	char text[ADDR_TEXT_LEN];
	struct in6_addr out;

	bits = anon_apply_prefix(a, in, bits, &out);
	format_out(a, &out, text, sizeof(text));
	snprintf(buf, len, "%s/%u", text, bits);
	return bits;
}

void anon_free(struct anonymizer *a)
{
	ipcrypt_pfx_free(&a->pfx);
	ipcrypt_det_free(&a->det);
}
