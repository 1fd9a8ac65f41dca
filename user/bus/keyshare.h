/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The hubs' shared keys: every key of the ipcrypt modes in the KV bucket
 * BUS_KEYS_BUCKET, which only hubs may read, one entry a key:
 * "MODE.START" (e.g. ipcrypt-pfx.1733500800) -> the key file's text.
 *
 * A hub's key directory mirrors the bucket. Before the hub asks its
 * keyring for an epoch's key, keyshare_sync() adds the key rotation wants
 * to the bucket if it is missing (create-if-absent: of hubs racing for
 * it, the one that won gives every hub its key), then writes the bucket's
 * keys as key files and deletes the key files the bucket does not hold.
 * The local keyring so never creates a key itself: every hub has the
 * same key for the same period and rotates at the same boundary. Keys
 * past their retention are deleted from the bucket as the keyring
 * deletes them from a directory. The hubs' clocks must agree (NTP).
 */
#ifndef BOTSINK_KEYSHARE_H
#define BOTSINK_KEYSHARE_H

#include <stddef.h>
#include "bus/conn.h"
#include "privacy/anon.h"
#include "privacy/keyring.h"

#define KEYSHARE_MAX_VALUE 256 /* bytes of one bucket entry */

struct keyshare;

/* What keyshare_sync() found of the key rotation wants. */
enum keyshare_outcome {
	KEYSHARE_PRESENT, /* in the bucket already */
	KEYSHARE_CREATED, /* created by this hub */
	KEYSHARE_TAKEN, /* created by another hub at the same time: theirs is used */
};

/*
 * Bind to the bucket, creating it if missing (history 1, file storage,
 * `replicas` copies, no TTL: a key must outlive every epoch that may be
 * written again); keys_dir (created 0700 if missing) is the mirror.
 * retention_s as for keyring_open(). NULL with a reason (a principal
 * without access to the bucket: the server's permissions error).
 */
struct keyshare *keyshare_open(struct bus *b, const char *keys_dir, int replicas,
			       long long retention_s, char *err, size_t errlen);
/*
 * Make the bucket hold the key `rotate` wants for the later of t and now
 * (a key is never created for a period that has ended: an epoch
 * processed late gets the key every hub gives it), and the key files of
 * `mode` in keys_dir be the bucket's. An enum keyshare_outcome, or -1
 * with a reason.
 */
int keyshare_sync(struct keyshare *ks, enum anon_mode mode, enum key_rotate rotate, long long t,
		  char *err, size_t errlen);
/*
 * A new key of `mode` in the bucket, in use from the next second (and
 * after the newest key there): every hub takes it from its next sync.
 * id_out gets its id. 0, or -1 with a reason.
 */
int keyshare_rotate_now(struct keyshare *ks, enum anon_mode mode, char id_out[ANON_KEY_ID_LEN + 1],
			char *err, size_t errlen);
void keyshare_close(struct keyshare *ks);

#endif
