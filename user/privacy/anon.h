/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Source address anonymization, after draft-denis-ipcrypt-11:
 * ipcrypt-pfx is prefix-preserving (two AES-128 keys; IPv4 stays IPv4),
 * ipcrypt-deterministic is one AES-128 block over the 16-byte form (an
 * exact-match pseudonym with no prefix structure; always IPv6 notation).
 */
#ifndef BOTSINK_ANON_H
#define BOTSINK_ANON_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/keywords.h"

#define IPCRYPT_PFX_KEY_LEN 32
#define IPCRYPT_DET_KEY_LEN 16
#define ANON_KEY_MAX_LEN 32
#define ANON_KEY_ID_LEN 16 /* hex digits, without the NUL */
#define ANON_KEY_TEXT_LEN (32 + 2 * ANON_KEY_MAX_LEN) /* "MODE HEX\n" and a NUL */

enum anon_mode {
	ANON_IPCRYPT_PFX = 0,
	ANON_TRUNCATE,
	ANON_NONE,
	ANON_IPCRYPT_DETERMINISTIC,
};

struct ipcrypt_pfx {
	void *k1, *k2; /* EVP_CIPHER_CTX, AES-128-ECB */
	struct pfx_cache_entry *cache; /* IPv4 /24s already encrypted (anon.c) */
};

struct ipcrypt_det {
	void *enc, *dec; /* EVP_CIPHER_CTX, AES-128-ECB, one per direction */
};

/* The prefix lengths truncate keeps (and shown beside a pseudonym). */
struct truncate_bits {
	unsigned int v4, v6;
};

/* --truncate's default: an IPv4 /24, an IPv6 /48. */
#define ANON_TRUNCATE_DEFAULT \
	{                     \
		24, 48        \
	}

struct anonymizer {
	enum anon_mode mode;
	struct ipcrypt_pfx pfx;
	struct ipcrypt_det det;
	unsigned int truncate_v4; /* prefix bits kept */
	unsigned int truncate_v6;
};

/* The modes' names, in the order help and errors list them. */
extern const struct keyword anon_modes[];
int anon_parse_mode(const char *text, enum anon_mode *mode);
const char *anon_mode_name(enum anon_mode mode);
/*
 * "V4,V6": the prefix lengths truncate keeps, short of whole addresses
 * (keeping every bit would publish raw addresses as "truncate"). 0 or -1.
 */
int anon_parse_truncate(const char *text, struct truncate_bits *out);
/* Whether the mode is keyed (ipcrypt); an int for keyword filters. */
bool anon_mode_has_key(int mode);
/* The key length a mode takes: 32 (pfx), 16 (deterministic), 0 (no key). */
size_t anon_key_len(enum anon_mode mode);

/* 0, or -1 with a reason in err (the key's two halves must differ). */
int ipcrypt_pfx_init(struct ipcrypt_pfx *c, const uint8_t key[IPCRYPT_PFX_KEY_LEN], char *err,
		     size_t errlen);
void ipcrypt_pfx_free(struct ipcrypt_pfx *c);
/* 16-byte form in and out; IPv4-mapped input gives IPv4-mapped output. */
void ipcrypt_pfx_encrypt(const struct ipcrypt_pfx *c, const struct in6_addr *in,
			 struct in6_addr *out);
/*
 * Start loading the cache entry ipcrypt_pfx_encrypt will want for `in`:
 * a drain anonymizes a million sources in its table's order, and the
 * /24 cache's entry is a miss to memory for most of them.
 */
void ipcrypt_pfx_prefetch(const struct ipcrypt_pfx *c, const struct in6_addr *in);
/* The same, one AES block per call (the reference walk; slower). */
void ipcrypt_pfx_encrypt_serial(const struct ipcrypt_pfx *c, const struct in6_addr *in,
				struct in6_addr *out);
void ipcrypt_pfx_decrypt(const struct ipcrypt_pfx *c, const struct in6_addr *in,
			 struct in6_addr *out);

/* 0, or -1 with a reason in err. */
int ipcrypt_det_init(struct ipcrypt_det *c, const uint8_t key[IPCRYPT_DET_KEY_LEN], char *err,
		     size_t errlen);
void ipcrypt_det_free(struct ipcrypt_det *c);
/* 16-byte form in, any 16 bytes out (IPv4 sources are not IPv4 any more). */
void ipcrypt_det_encrypt(const struct ipcrypt_det *c, const struct in6_addr *in,
			 struct in6_addr *out);
void ipcrypt_det_decrypt(const struct ipcrypt_det *c, const struct in6_addr *in,
			 struct in6_addr *out);

/*
 * Key file: one line "MODE HEX" (white space around allowed), e.g.
 * "ipcrypt-deterministic 000102030405060708090a0b0c0d0e0f". Also taken as
 * an ipcrypt-pfx key, as --key always has: 64 hex digits alone, or exactly
 * 32 raw bytes. Refused, with a reason that names the file but shows none
 * of its contents: a symbolic link, not a regular file (a FIFO is refused
 * without waiting for a writer), owned by someone other than root or this
 * user, group or others have access, the file is for another
 * mode, a wrong length for the mode, bad hex, equal pfx halves, a bare key
 * when `mode` is ipcrypt-deterministic. key holds ANON_KEY_MAX_LEN bytes;
 * *keylen is set to anon_key_len(mode). 0 or -1. With dir other than
 * AT_FDCWD, path's last part is the file opened in the directory dir
 * holds (path names it in messages).
 */
int anon_key_load(int dir, const char *path, enum anon_mode mode, uint8_t key[ANON_KEY_MAX_LEN],
		  size_t *keylen, char *err, size_t errlen);
/*
 * A key's text, as a key file holds it, checked as anon_key_load checks a
 * file's contents; `what` names it in a reason ("key file PATH"), which
 * shows no word of the text. 0 or -1.
 */
int anon_key_parse(const char *what, const void *text, size_t len, enum anon_mode mode,
		   uint8_t key[ANON_KEY_MAX_LEN], size_t *keylen, char *err, size_t errlen);
/*
 * The text of a key file, "MODE HEX\n", in buf (ANON_KEY_TEXT_LEN bytes at
 * least: less gives ""), NUL-terminated. Its length without the NUL.
 */
size_t anon_key_format(enum anon_mode mode, const uint8_t *key, size_t keylen, char *buf,
		       size_t len);
/* A fresh random key for an ipcrypt mode (pfx halves differ). 0 or -1. */
int anon_key_generate(enum anon_mode mode, uint8_t key[ANON_KEY_MAX_LEN], char *err, size_t errlen);
/*
 * Write anon_key_format's text to a new file (O_EXCL, mode 0600), fsync'd;
 * dir and path as for anon_key_load. 0 or -1 (errno kept).
 */
int anon_key_write(int dir, const char *path, enum anon_mode mode, const uint8_t *key,
		   size_t keylen, char *err, size_t errlen);
/*
 * The key's public name: 16 hex digits of SHA-256 over a domain label,
 * the mode name and the key. It tells keys apart; it does not reveal them.
 */
void anon_key_id(enum anon_mode mode, const uint8_t *key, size_t len, char id[ANON_KEY_ID_LEN + 1]);

/* keylen must be anon_key_len(mode); key may be NULL for truncate and none. */
int anon_init(struct anonymizer *a, enum anon_mode mode, const uint8_t *key, size_t keylen,
	      unsigned int v4_bits, unsigned int v6_bits, char *err, size_t errlen);
void anon_apply(const struct anonymizer *a, const struct in6_addr *in, struct in6_addr *out);
/* A hint: `in` is to be anonymized soon (ipcrypt_pfx_prefetch); nothing in other modes. */
void anon_prefetch(const struct anonymizer *a, const struct in6_addr *in);
/*
 * anon_apply, as text: ipcrypt-deterministic always in IPv6 notation
 * (IPv4 sources included, as the draft specifies), the other modes
 * dotted-quad for IPv4. buf: ADDR_TEXT_LEN bytes.
 */
void anon_format(const struct anonymizer *a, const struct in6_addr *in, char *buf, size_t len);
/*
 * An aggregate as "ADDR/LEN" (LEN native: 24 for an IPv4 /24); returns LEN. With ipcrypt-deterministic ADDR is a
 * pseudonym of the network, in IPv6 notation, not a prefix: "/LEN" only
 * says how large the network was. buf: PREFIX_TEXT_LEN bytes.
 */
unsigned int anon_format_prefix(const struct anonymizer *a, const struct in6_addr *in,
				unsigned int bits, char *buf, size_t len);
void anon_free(struct anonymizer *a);

#endif
