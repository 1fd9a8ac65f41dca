// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "bus/keyshare.h"
#include "lib/parse.h"
#include "lib/util.h"

#define KV_TIMEOUT_MS 5000
#define MAX_REPLICAS 5 /* JetStream's limit */
#define ENTRY_NAME_LEN 64
#define CREATE_TRIES 1000 /* rotate now: start+1 per entry another hub took first */

/* A key of the bucket as installed here: its id tells whether the file is still it. */
struct shared_key {
	long long start;
	char id[ANON_KEY_ID_LEN + 1];
};

struct keyshare {
	struct bus *b;
	kvStore *kv;
	char dir[PATH_MAX];
	long long retention_s;
	struct shared_key *known[2]; /* per ipcrypt mode (mode_slot), by start */
	size_t nknown[2];
};

static int mode_slot(enum anon_mode mode)
{
	return mode == ANON_IPCRYPT_PFX ? 0 : 1;
}

static void entry_name(char *buf, size_t len, enum anon_mode mode, long long start)
{
	snprintf(buf, len, "%s.%lld", anon_mode_name(mode), start);
}

/*
 * "MODE.START" of this mode: 1, START in *start; 0, another entry; -1,
 * this mode's but START not as entry_name() writes it.
 */
static int parse_entry_name(const char *name, enum anon_mode mode, long long *start)
{
	const char *m = anon_mode_name(mode), *digits;
	size_t mlen = strlen(m), ndigits;
	uint64_t v;

	if (strncmp(name, m, mlen) || name[mlen] != '.')
		return 0;
	digits = name + mlen + 1;
	ndigits = strlen(digits);
	if (!ndigits || ndigits > 18 || (digits[0] == '0' && ndigits > 1) ||
	    parse_uint_n(digits, ndigits, LLONG_MAX, &v))
		return -1;
	*start = (long long)v;
	return 1;
}

static int by_value(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/*
 * The starts of the bucket's keys of `mode`, oldest first, in a malloc'd
 * array with room for one more. 0, or -1 with a reason.
 */
static int bucket_starts(struct keyshare *ks, enum anon_mode mode, long long **starts, size_t *n,
			 char *err, size_t errlen)
{
	kvKeysList list = { 0 };
	kvWatchOptions o;
	natsStatus s;
	int ret = -1, kind;

	*n = 0;
	kvWatchOptions_Init(&o);
	o.Timeout = KV_TIMEOUT_MS;
	s = kvStore_Keys(&list, ks->kv, &o);
	if (s != NATS_OK && s != NATS_NOT_FOUND) { /* not found: an empty bucket */
		snprintf(err, errlen, "key bucket %s: %s", BUS_KEYS_BUCKET, bus_error(ks->b, s));
		return -1;
	}
	*starts = malloc(((size_t)list.Count + 1) * sizeof(**starts));
	if (!*starts) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (int i = 0; i < list.Count; i++) {
		kind = parse_entry_name(list.Keys[i], mode, &(*starts)[*n]);
		if (kind < 0) {
			snprintf(err, errlen, "key bucket %s: entry %.64s is not named %s.START",
				 BUS_KEYS_BUCKET, list.Keys[i], anon_mode_name(mode));
			goto out;
		}
		*n += (size_t)kind;
	}
	qsort(*starts, *n, sizeof(**starts), by_value);
	ret = 0;
out:
	kvKeysList_Destroy(&list);
	if (ret) {
		free(*starts);
		*starts = NULL;
	}
	return ret;
}

/*
 * An entry the bucket holds (it was listed, or a create said it exists).
 * Gets may be answered by any replica (direct gets), and one that has not
 * caught up yet says "not found" for a moment: asked again, for up to
 * KEYSHARE_GET_TRIES * KEYSHARE_GET_PAUSE_MS.
 */
#define KEYSHARE_GET_TRIES 40
#define KEYSHARE_GET_PAUSE_MS 50

static natsStatus get_entry(struct keyshare *ks, const char *name, kvEntry **e)
{
	natsStatus s = NATS_NOT_FOUND;

	for (int i = 0; i < KEYSHARE_GET_TRIES && s == NATS_NOT_FOUND; i++) {
		if (i)
			nats_Sleep(KEYSHARE_GET_PAUSE_MS);
		s = kvStore_Get(e, ks->kv, name);
	}
	return s;
}

/*
 * A fresh key created in the bucket as MODE.START unless the entry exists:
 * KEYSHARE_CREATED (its id in id_out), KEYSHARE_TAKEN (another hub's is
 * there), or -1 with a reason.
 */
static int add_key(struct keyshare *ks, enum anon_mode mode, long long start,
		   char id_out[ANON_KEY_ID_LEN + 1], char *err, size_t errlen)
{
	char text[ANON_KEY_TEXT_LEN], name[ENTRY_NAME_LEN];
	size_t len = anon_key_len(mode);
	uint8_t key[ANON_KEY_MAX_LEN];
	kvEntry *e = NULL;
	natsStatus s;
	int ret = -1;

	if (anon_key_generate(mode, key, err, errlen))
		return -1;
	entry_name(name, sizeof(name), mode, start);
	anon_key_format(mode, key, len, text, sizeof(text));
	s = kvStore_CreateString(NULL, ks->kv, name, text);
	if (s == NATS_OK) {
		anon_key_id(mode, key, len, id_out);
		ret = KEYSHARE_CREATED;
		goto out;
	}
	snprintf(err, errlen, "key bucket %s: cannot create %s: %s", BUS_KEYS_BUCKET, name,
		 bus_error(ks->b, s));
	/*
	 * Lost the race: the entry is there now. Or won it, the answer lost
	 * on the way (a timeout): then the entry holds this key.
	 */
	if (get_entry(ks, name, &e) == NATS_OK) {
		ret = KEYSHARE_TAKEN;
		if ((size_t)kvEntry_ValueLen(e) == strlen(text) &&
		    !memcmp(kvEntry_Value(e), text, strlen(text))) {
			anon_key_id(mode, key, len, id_out);
			ret = KEYSHARE_CREATED;
		}
	}
	kvEntry_Destroy(e);
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(text, sizeof(text));
	return ret;
}

/* Deletes the entries past their retention (never the newest); *n shrinks. */
static int purge_expired(struct keyshare *ks, enum anon_mode mode, long long *starts, size_t *n,
			 char *err, size_t errlen)
{
	long long now = (long long)time(NULL);
	char name[ENTRY_NAME_LEN];
	size_t kept = 0;
	natsStatus s;

	for (size_t i = 0; i < *n; i++) {
		if (i + 1 == *n || !keyring_expired(ks->retention_s, starts[i + 1], now)) {
			starts[kept++] = starts[i];
			continue;
		}
		entry_name(name, sizeof(name), mode, starts[i]);
		s = kvStore_Purge(ks->kv, name, NULL);
		if (s != NATS_OK) {
			snprintf(err, errlen, "key bucket %s: cannot delete %s: %s",
				 BUS_KEYS_BUCKET, name, bus_error(ks->b, s));
			return -1;
		}
	}
	*n = kept;
	return 0;
}

/* The key of entry MODE.START, checked as a key file's contents are. */
static int fetch_key(struct keyshare *ks, enum anon_mode mode, long long start,
		     uint8_t key[ANON_KEY_MAX_LEN], size_t *len, char *err, size_t errlen)
{
	char name[ENTRY_NAME_LEN], what[128];
	kvEntry *e = NULL;
	natsStatus s;
	int ret;

	entry_name(name, sizeof(name), mode, start);
	snprintf(what, sizeof(what), "key bucket %s entry %s", BUS_KEYS_BUCKET, name);
	s = get_entry(ks, name, &e);
	if (s != NATS_OK) {
		snprintf(err, errlen, "%s: %s", what, bus_error(ks->b, s));
		return -1;
	}
	ret = anon_key_parse(what, kvEntry_Value(e), (size_t)kvEntry_ValueLen(e), mode, key, len,
			     err, errlen);
	kvEntry_Destroy(e);
	return ret;
}

static const struct key_entry *find_local(const struct key_entry *local, size_t n, long long start)
{
	for (size_t i = 0; i < n; i++)
		if (local[i].start == start)
			return &local[i];
	return NULL;
}

static const struct shared_key *find_known(const struct keyshare *ks, enum anon_mode mode,
					   long long start)
{
	int slot = mode_slot(mode);

	for (size_t i = 0; i < ks->nknown[slot]; i++)
		if (ks->known[slot][i].start == start)
			return &ks->known[slot][i];
	return NULL;
}

/*
 * Make the key file of entry MODE.START the bucket's: fetched unless the
 * file is the key installed before. Its id in k.
 */
static int mirror_key(struct keyshare *ks, enum anon_mode mode, const struct key_entry *local,
		      struct shared_key *k, char *err, size_t errlen)
{
	const struct shared_key *was = find_known(ks, mode, k->start);
	uint8_t key[ANON_KEY_MAX_LEN];
	size_t len;
	int ret = 0;

	if (local && was && !strcmp(local->id, was->id)) {
		memcpy(k->id, was->id, sizeof(k->id));
		return 0;
	}
	if (fetch_key(ks, mode, k->start, key, &len, err, errlen))
		return -1;
	anon_key_id(mode, key, len, k->id);
	if (!local || strcmp(local->id, k->id))
		ret = keyring_install(ks->dir, mode, k->start, key, len, err, errlen);
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

/* The key files of `mode` made the bucket's keys (starts[0..n)). */
static int mirror(struct keyshare *ks, enum anon_mode mode, const long long *starts, size_t n,
		  char *err, size_t errlen)
{
	struct shared_key *keys = calloc(n ? n : 1, sizeof(*keys));
	struct key_entry *local = NULL;
	int slot = mode_slot(mode), ret = -1;
	size_t nlocal = 0;

	if (!keys) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (keyring_list(ks->dir, mode, &local, &nlocal, err, errlen))
		goto out;
	for (size_t i = 0; i < nlocal; i++)
		if (!bsearch(&local[i].start, starts, n, sizeof(*starts), by_value) &&
		    keyring_remove(ks->dir, &local[i], err, errlen))
			goto out;
	for (size_t i = 0; i < n; i++) {
		keys[i].start = starts[i];
		if (mirror_key(ks, mode, find_local(local, nlocal, starts[i]), &keys[i], err,
			       errlen))
			goto out;
	}
	free(ks->known[slot]);
	ks->known[slot] = keys;
	ks->nknown[slot] = n;
	keys = NULL;
	ret = 0;
out:
	free(local);
	free(keys);
	return ret;
}

static int check_mode(enum anon_mode mode, char *err, size_t errlen)
{
	if (anon_key_len(mode))
		return 0;
	snprintf(err, errlen, "anonymization mode %s takes no key", anon_mode_name(mode));
	return -1;
}

int keyshare_sync(struct keyshare *ks, enum anon_mode mode, enum key_rotate rotate, long long t,
		  char *err, size_t errlen)
{
	long long now = (long long)time(NULL), *starts = NULL, start;
	char id[ANON_KEY_ID_LEN + 1];
	int ret = KEYSHARE_PRESENT;
	size_t n;

	if (check_mode(mode, err, errlen) || bucket_starts(ks, mode, &starts, &n, err, errlen))
		return -1;
	/* Due after the newest: the array stays sorted. */
	if (keyring_key_due(rotate, n > 0, n ? starts[n - 1] : 0, t > now ? t : now, &start)) {
		ret = add_key(ks, mode, start, id, err, errlen);
		if (ret < 0)
			goto out;
		starts[n++] = start;
	}
	if (purge_expired(ks, mode, starts, &n, err, errlen) ||
	    mirror(ks, mode, starts, n, err, errlen))
		ret = -1;
out:
	free(starts);
	return ret;
}

int keyshare_rotate_now(struct keyshare *ks, enum anon_mode mode, char id_out[ANON_KEY_ID_LEN + 1],
			char *err, size_t errlen)
{
	long long *starts = NULL, start;
	int ret = -1;
	size_t n;

	if (check_mode(mode, err, errlen) || bucket_starts(ks, mode, &starts, &n, err, errlen))
		return -1;
	start = keyring_rotate_start(n > 0, n ? starts[n - 1] : 0, (long long)time(NULL));
	for (int tries = 0; tries < CREATE_TRIES; tries++, start++) {
		ret = add_key(ks, mode, start, id_out, err, errlen);
		if (ret != KEYSHARE_TAKEN)
			break;
	}
	free(starts);
	if (ret == KEYSHARE_TAKEN)
		snprintf(err, errlen, "key bucket %s: %d entries in a row taken", BUS_KEYS_BUCKET,
			 CREATE_TRIES);
	return ret == KEYSHARE_CREATED ? 0 : -1;
}

/* A bucket with a TTL would drop keys that epochs written again still need. */
static int check_bucket(struct keyshare *ks, char *err, size_t errlen)
{
	kvStatus *st = NULL;
	natsStatus s = kvStore_Status(&st, ks->kv);
	int ret = -1;

	if (s != NATS_OK)
		snprintf(err, errlen, "key bucket %s: %s", BUS_KEYS_BUCKET, bus_error(ks->b, s));
	else if (kvStatus_TTL(st))
		snprintf(err, errlen,
			 "key bucket %s expires its entries: a key must outlive every epoch that "
			 "may be written again; create it without a TTL",
			 BUS_KEYS_BUCKET);
	else
		ret = 0;
	kvStatus_Destroy(st);
	return ret;
}

/* The bucket created (or, created by another hub meanwhile, bound to). */
static natsStatus create_bucket(struct keyshare *ks, int replicas, char *err, size_t errlen)
{
	kvConfig cfg;
	natsStatus s;

	kvConfig_Init(&cfg);
	cfg.Bucket = BUS_KEYS_BUCKET;
	cfg.Description = "botsink: the hubs' anonymization keys";
	cfg.History = 1;
	cfg.StorageType = js_FileStorage;
	cfg.Replicas = replicas;
	cfg.MaxValueSize = KEYSHARE_MAX_VALUE;
	s = js_CreateKeyValue(&ks->kv, ks->b->js, &cfg);
	if (s == NATS_OK)
		return s;
	snprintf(err, errlen, "key bucket %s: cannot create it: %s", BUS_KEYS_BUCKET,
		 bus_error(ks->b, s));
	return js_KeyValue(&ks->kv, ks->b->js, BUS_KEYS_BUCKET) == NATS_OK ? NATS_OK : s;
}

static int bind_bucket(struct keyshare *ks, int replicas, char *err, size_t errlen)
{
	natsStatus s = js_KeyValue(&ks->kv, ks->b->js, BUS_KEYS_BUCKET);

	if (s == NATS_NOT_FOUND)
		s = create_bucket(ks, replicas, err, errlen);
	else if (s != NATS_OK)
		snprintf(err, errlen, "key bucket %s: %s", BUS_KEYS_BUCKET, bus_error(ks->b, s));
	return s == NATS_OK ? check_bucket(ks, err, errlen) : -1;
}

struct keyshare *keyshare_open(struct bus *b, const char *keys_dir, int replicas,
			       long long retention_s, char *err, size_t errlen)
{
	struct keyshare *ks;
	int fd;

	if (replicas < 1 || replicas > MAX_REPLICAS) {
		snprintf(err, errlen, "key bucket replicas: 1 to %d, not %d", MAX_REPLICAS,
			 replicas);
		return NULL;
	}
	ks = calloc(1, sizeof(*ks));
	if (!ks) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ks->b = b;
	ks->retention_s = retention_s;
	if (snprintf(ks->dir, sizeof(ks->dir), "%s", keys_dir) >= (int)sizeof(ks->dir)) {
		snprintf(err, errlen, "key directory path too long");
		goto fail;
	}
	fd = private_dir_open(keys_dir, "key directory", true, err, errlen);
	if (fd < 0)
		goto fail;
	close(fd); /* checked and made here; the keyring holds its own */
	if (bind_bucket(ks, replicas, err, errlen))
		goto fail;
	return ks;
fail:
	keyshare_close(ks);
	return NULL;
}

void keyshare_close(struct keyshare *ks)
{
	if (!ks)
		return;
	kvStore_Destroy(ks->kv);
	for (int i = 0; i < 2; i++)
		free(ks->known[i]);
	free(ks);
}
