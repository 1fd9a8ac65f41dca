// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include "lib/keywords.h"
#include "lib/parse.h"
#include "lib/util.h"
#include "privacy/keyring.h"

#define HOUR 3600LL
#define DAY 86400LL
#define CREATE_TRIES 1000 /* start+1 per file another process took first */
#define STALE_TMP_S 3600 /* a temporary key file this old was left by a crash */

/*
 * The key directory, dir (its path, for messages) held open as fd: every
 * file in it is reached through fd.
 */
struct key_dir {
	const char *path;
	int fd;
};

struct keyring {
	char dir[PATH_MAX - KEY_FILE_NAME_LEN - 1]; /* room for "/FILE" */
	struct key_dir kd; /* dir held open (private_dir_open); fd AT_FDCWD with a --key file */
	char fixed_path[PATH_MAX]; /* "": keys from dir */
	enum anon_mode mode;
	enum key_rotate rotate;
	long long retention_s;
	unsigned int truncate_v4, truncate_v6;
	struct anon_key **keys; /* oldest first */
	size_t n;
	struct stat seen; /* the directory when it was last read */
	bool unsure; /* read in the timestamp tick of its last change: read again */
	bool read_only; /* keyring_open_readonly: never create, tidy or delete a file */
	unsigned long long choices;
	char reported[256]; /* the failure keyring_news last called news; "": none since */
};

const struct keyword key_rotations[] = {
	{ "daily", KEY_ROTATE_DAILY },
	{ "hourly", KEY_ROTATE_HOURLY },
	{ "never", KEY_ROTATE_NEVER },
	{ NULL, 0 },
};

const char *key_rotate_name(enum key_rotate rotate)
{
	return keyword_name(key_rotations, (int)rotate, "?");
}

/* The first second of the UTC hour or day that holds t. */
static long long period_start(enum key_rotate rotate, long long t)
{
	long long len = rotate == KEY_ROTATE_HOURLY ? HOUR : DAY;

	return t - ((t % len) + len) % len;
}

/*
 * "MODE-START.key" of this mode: 1, START in *start; 0, another file;
 * -1, named like a key of this mode but not as one is named.
 */
static int parse_name(const char *name, enum anon_mode mode, long long *start)
{
	const char *m = anon_mode_name(mode), *digits;
	size_t mlen = strlen(m), len = strlen(name), ndigits;
	uint64_t v;

	if (len < mlen + 5 || strncmp(name, m, mlen) || name[mlen] != '-' ||
	    strcmp(name + len - 4, ".key"))
		return 0;
	digits = name + mlen + 1;
	ndigits = len - mlen - 5;
	/* One spelling per START: no sign, no leading zero, no overflow. */
	if (!ndigits || ndigits > 18 || (digits[0] == '0' && ndigits > 1))
		return -1;
	if (parse_uint_n(digits, ndigits, LLONG_MAX, &v))
		return -1;
	*start = (long long)v;
	return 1;
}

static void key_file_name(char *buf, size_t len, enum anon_mode mode, long long start)
{
	snprintf(buf, len, "%s-%lld.key", anon_mode_name(mode), start);
}

/* A temporary file of create_key() that a crash left behind. */
static void remove_if_stale_tmp(const struct key_dir *kd, const char *name, enum anon_mode mode)
{
	const char *m = anon_mode_name(mode);
	size_t mlen = strlen(m), len = strlen(name);
	struct stat st;

	if (name[0] != '.' || strncmp(name + 1, m, mlen) || len < 4 ||
	    strcmp(name + len - 4, ".tmp"))
		return;
	if (!fstatat(kd->fd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode) &&
	    time(NULL) - st.st_mtime > STALE_TMP_S)
		unlinkat(kd->fd, name, 0);
}

/* Reads one key file: its id, nothing of the key kept. */
static int read_entry(const struct key_dir *kd, const char *name, enum anon_mode mode,
		      long long start, struct key_entry *e, char *err, size_t errlen)
{
	uint8_t key[ANON_KEY_MAX_LEN];
	char path[PATH_MAX];
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", kd->path, name);
	if (anon_key_load(kd->fd, path, mode, key, &len, err, errlen))
		return -1;
	memset(e, 0, sizeof(*e));
	e->mode = mode;
	e->start = start;
	anon_key_id(mode, key, len, e->id);
	snprintf(e->file, sizeof(e->file), "%s", name);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}

static bool vanished(const struct key_dir *kd, const char *name)
{
	struct stat st;

	return fstatat(kd->fd, name, &st, AT_SYMLINK_NOFOLLOW) && errno == ENOENT;
}

static int by_start(const void *a, const void *b)
{
	const struct key_entry *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* A fresh listing of kd: its own open file, so each scan starts at the top. */
static DIR *list_dir(const struct key_dir *kd)
{
	int fd = openat(kd->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d && fd >= 0)
		close(fd);
	return d;
}

static int scan_dir(const struct key_dir *kd, enum anon_mode mode, bool tidy,
		    struct key_entry **entries, size_t *n, char *err, size_t errlen)
{
	const char *dir = kd->path;
	struct key_entry *list = NULL, *grown;
	size_t count = 0, cap = 0;
	struct dirent *de;
	long long start;
	DIR *d;
	int ret = -1, kind;

	d = list_dir(kd);
	if (!d) {
		snprintf(err, errlen, "key directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (tidy)
			remove_if_stale_tmp(kd, de->d_name, mode);
		kind = parse_name(de->d_name, mode, &start);
		if (kind < 0) {
			snprintf(err, errlen,
				 "key file %s/%s: not a key file name (expected %s-START.key, "
				 "START in Unix seconds); move it out of %s",
				 dir, de->d_name, anon_mode_name(mode), dir);
			goto out;
		}
		if (!kind)
			continue;
		if (count == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			list = grown;
		}
		if (read_entry(kd, de->d_name, mode, start, &list[count], err, errlen)) {
			if (vanished(kd, de->d_name))
				continue; /* deleted meanwhile (retention, another process) */
			goto out;
		}
		count++;
	}
	if (count)
		qsort(list, count, sizeof(*list), by_start);
	ret = 0;
out:
	closedir(d);
	if (ret) {
		free(list);
		list = NULL;
		count = 0;
	}
	*entries = list;
	*n = count;
	return ret;
}

/*
 * The key directory dir opened into kd (created with `create`), checked
 * as private_dir_open checks. 0, or -1 with a reason.
 */
static int key_dir_open(struct key_dir *kd, const char *dir, bool create, char *err, size_t errlen)
{
	kd->path = dir;
	kd->fd = private_dir_open(dir, "key directory", create, err, errlen);
	return kd->fd < 0 ? -1 : 0;
}

int keyring_list(const char *dir, enum anon_mode mode, struct key_entry **entries, size_t *n,
		 char *err, size_t errlen)
{
	struct key_dir kd;
	int ret;

	*entries = NULL;
	*n = 0;
	if (key_dir_open(&kd, dir, false, err, errlen))
		return -1;
	ret = scan_dir(&kd, mode, false, entries, n, err, errlen);
	close(kd.fd);
	return ret;
}

/* Link tmp as MODE-START.key, START moving on past names already taken. */
static int publish(const char *tmp, const struct key_dir *kd, enum anon_mode mode, long long *start,
		   char *err, size_t errlen)
{
	char name[KEY_FILE_NAME_LEN];

	for (int tries = 0; tries < CREATE_TRIES; tries++, (*start)++) {
		key_file_name(name, sizeof(name), mode, *start);
		if (!linkat(kd->fd, tmp, kd->fd, name, 0))
			return 0;
		if (errno != EEXIST) {
			snprintf(err, errlen, "cannot create key file %s/%s: %s", kd->path, name,
				 strerror(errno));
			return -1;
		}
	}
	snprintf(err, errlen, "cannot create a key file in %s: %d names in a row taken", kd->path,
		 CREATE_TRIES);
	return -1;
}

/*
 * A key written and fsync'd under a temporary name in kd, tmp (NAME_MAX + 1
 * bytes) set to that name. 0, or -1 with a reason.
 */
static int write_tmp(const struct key_dir *kd, enum anon_mode mode, const uint8_t *key, size_t len,
		     char *tmp, char *err, size_t errlen)
{
	char path[PATH_MAX];
	uint8_t nonce[8];

	if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
		snprintf(err, errlen, "cannot write a key: no randomness from OpenSSL");
		return -1;
	}
	snprintf(tmp, NAME_MAX + 1, ".%s-%d-%02x%02x%02x%02x%02x%02x%02x%02x.tmp",
		 anon_mode_name(mode), (int)getpid(), nonce[0], nonce[1], nonce[2], nonce[3],
		 nonce[4], nonce[5], nonce[6], nonce[7]);
	snprintf(path, sizeof(path), "%s/%s", kd->path, tmp);
	return anon_key_write(kd->fd, path, mode, key, len, err, errlen);
}

static int sync_dir(const struct key_dir *kd, char *err, size_t errlen)
{
	if (!fsync(kd->fd))
		return 0;
	snprintf(err, errlen, "key directory %s: fsync: %s", kd->path, strerror(errno));
	return -1;
}

/*
 * A fresh key published as dir/MODE-START.key: written and fsync'd under a
 * temporary name, then linked. link() fails on an existing name (O_EXCL's
 * guarantee), so a key file is never overwritten, nor seen half written by
 * another process; a START another process took first moves to START+1.
 */
static int create_key(const struct key_dir *kd, enum anon_mode mode, long long *start,
		      char id[ANON_KEY_ID_LEN + 1], char *err, size_t errlen)
{
	uint8_t key[ANON_KEY_MAX_LEN];
	size_t len = anon_key_len(mode);
	char tmp[NAME_MAX + 1];
	int ret = -1;

	if (anon_key_generate(mode, key, err, errlen) ||
	    write_tmp(kd, mode, key, len, tmp, err, errlen))
		goto out;
	ret = publish(tmp, kd, mode, start, err, errlen);
	unlinkat(kd->fd, tmp, 0);
	if (!ret)
		ret = sync_dir(kd, err, errlen);
	if (!ret)
		anon_key_id(mode, key, len, id);
out:
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int keyring_install(const char *dir, enum anon_mode mode, long long start, const uint8_t *key,
		    size_t keylen, char *err, size_t errlen)
{
	char tmp[NAME_MAX + 1], name[KEY_FILE_NAME_LEN];
	struct key_dir kd;
	int ret = -1;

	if (keylen != anon_key_len(mode) || !keylen) {
		snprintf(err, errlen, "a key of %zu bytes is no %s key", keylen,
			 anon_mode_name(mode));
		return -1;
	}
	if (key_dir_open(&kd, dir, true, err, errlen))
		return -1;
	if (write_tmp(&kd, mode, key, keylen, tmp, err, errlen))
		goto out;
	key_file_name(name, sizeof(name), mode, start);
	if (renameat(kd.fd, tmp, kd.fd, name)) {
		snprintf(err, errlen, "cannot install key file %s/%s: %s", dir, name,
			 strerror(errno));
		unlinkat(kd.fd, tmp, 0);
		goto out;
	}
	ret = sync_dir(&kd, err, errlen);
out:
	close(kd.fd);
	return ret;
}

int keyring_remove(const char *dir, const struct key_entry *e, char *err, size_t errlen)
{
	struct key_dir kd;
	int ret = -1;

	if (key_dir_open(&kd, dir, false, err, errlen))
		return -1;
	if (unlinkat(kd.fd, e->file, 0) && errno != ENOENT)
		snprintf(err, errlen, "cannot delete key file %s/%s: %s", dir, e->file,
			 strerror(errno));
	else
		ret = sync_dir(&kd, err, errlen);
	close(kd.fd);
	return ret;
}

static void key_unload(struct anon_key *k)
{
	if (!k->loaded)
		return;
	anon_free(&k->anon);
	OPENSSL_cleanse(&k->anon, sizeof(k->anon));
	k->loaded = false;
}

static void key_free(struct anon_key *k)
{
	if (!k)
		return;
	key_unload(k);
	free(k);
}

/* Sets up the key's anonymizer from its file (which must still be the key listed). */
static int key_load(struct keyring *kr, struct anon_key *k, char *err, size_t errlen)
{
	char path[PATH_MAX], id[ANON_KEY_ID_LEN + 1];
	uint8_t key[ANON_KEY_MAX_LEN];
	size_t len;
	int ret = -1;

	if (kr->fixed_path[0])
		snprintf(path, sizeof(path), "%s", kr->fixed_path);
	else
		snprintf(path, sizeof(path), "%s/%s", kr->dir, k->file);
	if (anon_key_load(kr->kd.fd, path, kr->mode, key, &len, err, errlen))
		return -1;
	anon_key_id(kr->mode, key, len, id);
	if (k->id[0] && strcmp(id, k->id)) {
		snprintf(err, errlen, "key file %s was replaced by another key", path);
		goto out;
	}
	if (anon_init(&k->anon, kr->mode, key, len, kr->truncate_v4, kr->truncate_v6, err, errlen))
		goto out;
	memcpy(k->id, id, sizeof(id));
	k->loaded = true;
	ret = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

static struct anon_key *take_match(struct keyring *kr, const struct key_entry *e)
{
	for (size_t i = 0; i < kr->n; i++) {
		struct anon_key *k = kr->keys[i];

		if (k && !strcmp(k->file, e->file) && !strcmp(k->id, e->id)) {
			kr->keys[i] = NULL;
			return k;
		}
	}
	return NULL;
}

/* The ring from the directory again; keys still there keep their anonymizer. */
static int rescan(struct keyring *kr, char *err, size_t errlen)
{
	struct key_entry *entries;
	struct anon_key **keys;
	struct timespec now;
	struct stat st;
	size_t n;

	/* stat first: a change while reading shows as a newer mtime next time. */
	if (fstat(kr->kd.fd, &st)) {
		snprintf(err, errlen, "key directory %s: %s", kr->dir, strerror(errno));
		return -1;
	}
	if (scan_dir(&kr->kd, kr->mode, !kr->read_only, &entries, &n, err, errlen))
		return -1;
	keys = calloc(n ? n : 1, sizeof(*keys));
	if (!keys) {
		free(entries);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		keys[i] = take_match(kr, &entries[i]);
		if (!keys[i])
			keys[i] = calloc(1, sizeof(*keys[i]));
		if (!keys[i])
			continue;
		memcpy(keys[i]->id, entries[i].id, sizeof(keys[i]->id));
		memcpy(keys[i]->file, entries[i].file, sizeof(keys[i]->file));
		keys[i]->start = entries[i].start;
	}
	free(entries);
	for (size_t i = 0; i < kr->n; i++)
		key_free(kr->keys[i]);
	free(kr->keys);
	kr->keys = keys;
	kr->n = 0;
	for (size_t i = 0; i < n; i++) /* out of memory: the keys that could be kept */
		if (keys[i])
			keys[kr->n++] = keys[i];
	if (kr->n < n) {
		snprintf(err, errlen, "out of memory");
		kr->unsure = true;
		return -1;
	}
	kr->seen = st;
	/* Changes within one timestamp tick leave mtime as it was. */
	clock_gettime(CLOCK_REALTIME, &now);
	kr->unsure = now.tv_sec - st.st_mtim.tv_sec < 2;
	return 0;
}

static int refresh(struct keyring *kr, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(kr->kd.fd, &st)) {
		snprintf(err, errlen, "key directory %s: %s", kr->dir, strerror(errno));
		return -1;
	}
	if (!kr->unsure && st.st_ino == kr->seen.st_ino && st.st_dev == kr->seen.st_dev &&
	    st.st_mtim.tv_sec == kr->seen.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == kr->seen.st_mtim.tv_nsec)
		return 0;
	return rescan(kr, err, errlen);
}

bool keyring_key_due(enum key_rotate rotate, bool have_key, long long newest, long long t,
		     long long *start)
{
	if (!have_key) {
		*start = rotate == KEY_ROTATE_NEVER ? 0 : period_start(rotate, t);
		return true;
	}
	if (rotate == KEY_ROTATE_NEVER)
		return false;
	*start = period_start(rotate, t);
	return newest < *start;
}

/* Is a key to be created for t? Its start in *start. */
static bool key_due(const struct keyring *kr, long long t, long long *start)
{
	long long newest = kr->n ? kr->keys[kr->n - 1]->start : 0;

	return keyring_key_due(kr->rotate, kr->n > 0, newest, t, start);
}

bool keyring_expired(long long retention_s, long long successor_start, long long now)
{
	return retention_s >= 0 && now - successor_start > retention_s;
}

/* The newest key started at or before t; before every key, the oldest. */
static struct anon_key *choose(const struct keyring *kr, long long t)
{
	size_t i = kr->n;

	while (i > 1 && kr->keys[i - 1]->start > t)
		i--;
	return kr->keys[i - 1];
}

static void evict(struct keyring *kr, const struct anon_key *keep)
{
	for (;;) {
		struct anon_key *lru = NULL;
		size_t loaded = 0;

		for (size_t i = 0; i < kr->n; i++) {
			struct anon_key *k = kr->keys[i];

			if (!k->loaded)
				continue;
			loaded++;
			if (k != keep && (!lru || k->used < lru->used))
				lru = k;
		}
		if (loaded <= KEYRING_MAX_LOADED || !lru)
			return;
		key_unload(lru);
	}
}

/*
 * Deletes the keys whose successor started more than the retention ago,
 * by the wall clock; never the newest, never a loaded one. A key that
 * cannot be deleted now is tried again next time.
 */
static void prune(struct keyring *kr)
{
	long long now = (long long)time(NULL);
	size_t kept = 0;
	bool gone = false;

	if (kr->retention_s < 0)
		return;
	for (size_t i = 0; i < kr->n; i++) {
		struct anon_key *k = kr->keys[i];
		bool expired = i + 1 < kr->n && !k->loaded &&
			       keyring_expired(kr->retention_s, kr->keys[i + 1]->start, now);

		if (expired && (!unlinkat(kr->kd.fd, k->file, 0) || errno == ENOENT)) {
			key_free(k);
			gone = true;
			continue;
		}
		kr->keys[kept++] = k;
	}
	kr->n = kept;
	if (gone)
		fsync(kr->kd.fd);
}

const struct anon_key *keyring_key_for(struct keyring *kr, long long t, char *err, size_t errlen)
{
	char id[ANON_KEY_ID_LEN + 1];
	struct anon_key *k;
	long long start;

	if (!kr->fixed_path[0]) {
		if (refresh(kr, err, errlen))
			return NULL;
		if (!kr->read_only && key_due(kr, t, &start) &&
		    (create_key(&kr->kd, kr->mode, &start, id, err, errlen) ||
		     rescan(kr, err, errlen)))
			return NULL;
		if (!kr->n) {
			snprintf(err, errlen, "key directory %s: %s", kr->dir,
				 kr->read_only ? "no key" : "the new key is gone");
			return NULL;
		}
	}
	k = choose(kr, t);
	if (!k->loaded && key_load(kr, k, err, errlen))
		return NULL;
	k->used = ++kr->choices;
	kr->reported[0] = '\0';
	evict(kr, k);
	if (!kr->fixed_path[0] && !kr->read_only)
		prune(kr);
	return k;
}

bool keyring_news(struct keyring *kr, const char *err)
{
	if (!strncmp(kr->reported, err, sizeof(kr->reported) - 1))
		return false;
	snprintf(kr->reported, sizeof(kr->reported), "%s", err);
	return true;
}

static int open_fixed(struct keyring *kr, const char *path, char *err, size_t errlen)
{
	const char *base = strrchr(path, '/');

	if (snprintf(kr->fixed_path, sizeof(kr->fixed_path), "%s", path) >=
	    (int)sizeof(kr->fixed_path)) {
		snprintf(err, errlen, "key file path too long");
		return -1;
	}
	kr->keys = calloc(1, sizeof(*kr->keys));
	if (kr->keys)
		kr->keys[0] = calloc(1, sizeof(*kr->keys[0]));
	if (!kr->keys || !kr->keys[0]) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	kr->n = 1;
	snprintf(kr->keys[0]->file, sizeof(kr->keys[0]->file), "%s", base ? base + 1 : path);
	return key_load(kr, kr->keys[0], err, errlen);
}

/* keyring_open, or with read_only its read-only twin. */
static struct keyring *ring_open(const char *dir, enum anon_mode mode, enum key_rotate rotate,
				 long long retention_s, const char *fixed_key_path,
				 unsigned int truncate_v4, unsigned int truncate_v6, bool read_only,
				 char *err, size_t errlen)
{
	struct keyring *kr;
	int ret;

	if (!anon_key_len(mode)) {
		snprintf(err, errlen, "anonymization mode %s takes no key", anon_mode_name(mode));
		return NULL;
	}
	if (fixed_key_path && rotate != KEY_ROTATE_NEVER) {
		snprintf(err, errlen, "a key file given (%s) is one key for good: it cannot rotate",
			 fixed_key_path);
		return NULL;
	}
	kr = calloc(1, sizeof(*kr));
	if (!kr) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	kr->mode = mode;
	kr->rotate = rotate;
	kr->retention_s = retention_s;
	kr->truncate_v4 = truncate_v4;
	kr->truncate_v6 = truncate_v6;
	kr->read_only = read_only;
	kr->kd = (struct key_dir){ .path = kr->dir, .fd = AT_FDCWD }; /* --key: its path as given */
	if (fixed_key_path) {
		ret = open_fixed(kr, fixed_key_path, err, errlen);
	} else if (snprintf(kr->dir, sizeof(kr->dir), "%s", dir) >= (int)sizeof(kr->dir)) {
		snprintf(err, errlen, "key directory path too long");
		ret = -1;
	} else {
		ret = key_dir_open(&kr->kd, kr->dir, !read_only, err, errlen) ||
				      rescan(kr, err, errlen) ?
			      -1 :
			      0;
	}
	if (ret) {
		keyring_close(kr);
		return NULL;
	}
	return kr;
}

struct keyring *keyring_open(const char *dir, enum anon_mode mode, enum key_rotate rotate,
			     long long retention_s, const char *fixed_key_path,
			     unsigned int truncate_v4, unsigned int truncate_v6, char *err,
			     size_t errlen)
{
	return ring_open(dir, mode, rotate, retention_s, fixed_key_path, truncate_v4, truncate_v6,
			 false, err, errlen);
}

struct keyring *keyring_open_readonly(const char *dir, enum anon_mode mode,
				      const char *fixed_key_path, unsigned int truncate_v4,
				      unsigned int truncate_v6, char *err, size_t errlen)
{
	return ring_open(dir, mode, KEY_ROTATE_NEVER, KEYRING_KEEP_FOREVER, fixed_key_path,
			 truncate_v4, truncate_v6, true, err, errlen);
}

long long keyring_rotate_start(bool have_key, long long newest, long long now)
{
	/* Strictly after the newest: the rotation is never a step back. */
	return have_key && newest >= now + 1 ? newest + 1 : now + 1;
}

int keyring_rotate_now(const char *dir, enum anon_mode mode, char id_out[ANON_KEY_ID_LEN + 1],
		       char *err, size_t errlen)
{
	struct key_entry *entries;
	struct key_dir kd;
	long long start;
	size_t n;
	int ret = -1;

	if (!anon_key_len(mode)) {
		snprintf(err, errlen, "anonymization mode %s takes no key", anon_mode_name(mode));
		return -1;
	}
	if (key_dir_open(&kd, dir, true, err, errlen))
		return -1;
	if (scan_dir(&kd, mode, false, &entries, &n, err, errlen))
		goto out;
	start = keyring_rotate_start(n > 0, n ? entries[n - 1].start : 0, (long long)time(NULL));
	free(entries);
	ret = create_key(&kd, mode, &start, id_out, err, errlen);
out:
	close(kd.fd);
	return ret;
}

void keyring_close(struct keyring *kr)
{
	if (!kr)
		return;
	for (size_t i = 0; i < kr->n; i++)
		key_free(kr->keys[i]);
	free(kr->keys);
	if (kr->kd.fd >= 0)
		close(kr->kd.fd);
	free(kr);
}
