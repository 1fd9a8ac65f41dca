/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Source address anonymization. ipcrypt-pfx is the prefix-preserving mode
 * of draft-denis-ipcrypt-11 (two AES-128 keys; IPv4 stays IPv4).
 */
#ifndef BOTSINK_ANON_H
#define BOTSINK_ANON_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPCRYPT_PFX_KEY_LEN 32
#define ANON_KEY_FILE "ipcrypt-pfx.key"

enum anon_mode {
	ANON_IPCRYPT_PFX = 0,
	ANON_TRUNCATE,
	ANON_NONE,
};

struct ipcrypt_pfx {
	void *k1, *k2; /* EVP_CIPHER_CTX, AES-128-ECB */
	struct pfx_cache_entry *cache; /* IPv4 /24s already encrypted (anon.c) */
};

struct anonymizer {
	enum anon_mode mode;
	struct ipcrypt_pfx pfx;
	unsigned int truncate_v4; /* prefix bits kept */
	unsigned int truncate_v6;
};

int anon_parse_mode(const char *text, enum anon_mode *mode);
const char *anon_mode_name(enum anon_mode mode);

/* 0, or -1 with a reason in err (the key's two halves must differ). */
int ipcrypt_pfx_init(struct ipcrypt_pfx *c, const uint8_t key[IPCRYPT_PFX_KEY_LEN], char *err,
		     size_t errlen);
void ipcrypt_pfx_free(struct ipcrypt_pfx *c);
/* 16-byte form in and out; IPv4-mapped input gives IPv4-mapped output. */
void ipcrypt_pfx_encrypt(const struct ipcrypt_pfx *c, const struct in6_addr *in,
			 struct in6_addr *out);
/* The same, one AES block per call (the reference walk; slower). */
void ipcrypt_pfx_encrypt_serial(const struct ipcrypt_pfx *c, const struct in6_addr *in,
				struct in6_addr *out);
void ipcrypt_pfx_decrypt(const struct ipcrypt_pfx *c, const struct in6_addr *in,
			 struct in6_addr *out);

/*
 * Key file: 64 hex digits (white space around them allowed) or 32 raw
 * bytes; refused when group or others have any access to it.
 */
int anon_key_load(const char *path, uint8_t key[IPCRYPT_PFX_KEY_LEN], char *err, size_t errlen);
/* state_dir/ipcrypt-pfx.key, created (mode 0600) with a random key if missing. */
int anon_key_load_or_create(const char *state_dir, uint8_t key[IPCRYPT_PFX_KEY_LEN], char *err,
			    size_t errlen);

int anon_init(struct anonymizer *a, enum anon_mode mode, const uint8_t *key, unsigned int v4_bits,
	      unsigned int v6_bits, char *err, size_t errlen);
void anon_apply(const struct anonymizer *a, const struct in6_addr *in, struct in6_addr *out);
/*
 * A prefix of `bits` (IPv4: of the IPv4 address) as the mode shows it:
 * ipcrypt-pfx preserves prefixes, so it is the prefix of its members'
 * pseudonyms; truncate never shows more than its own prefix. Returns the
 * prefix length shown.
 */
unsigned int anon_apply_prefix(const struct anonymizer *a, const struct in6_addr *in,
			       unsigned int bits, struct in6_addr *out);
void anon_free(struct anonymizer *a);

#endif
