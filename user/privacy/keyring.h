/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The keys of one ipcrypt mode, one file each in a directory: MODE-START.key
 * (START: the Unix second from which the key is in use), content as for
 * anon_key_load ("MODE HEX"), mode 0600. A key is chosen by time, so that
 * an epoch written again after a crash gets the key it had: the newest key
 * that started at or before the epoch's end. New keys come from scheduled
 * rotation (the daemon) or `botsink keys rotate` (another process), or on
 * a hub from the bucket all hubs share (bus/keyshare.c: keyring_install);
 * keys superseded longer than the retention ago are deleted.
 */
#ifndef BOTSINK_KEYRING_H
#define BOTSINK_KEYRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/keywords.h"
#include "privacy/anon.h"

#define KEYRING_DIR "keys" /* under the state directory */
#define KEYRING_KEEP_FOREVER (-1LL) /* retention: never delete a key */
#define KEYRING_MAX_LOADED 2 /* anonymizers set up at once (pfx: 512 KB each) */
#define KEY_FILE_NAME_LEN 64

enum key_rotate {
	KEY_ROTATE_NEVER,
	KEY_ROTATE_HOURLY,
	KEY_ROTATE_DAILY,
};

/* "daily", "hourly", "never" */
extern const struct keyword key_rotations[];
const char *key_rotate_name(enum key_rotate rotate);

/* A key file as listed: no key material. */
struct key_entry {
	enum anon_mode mode;
	long long start;
	char id[ANON_KEY_ID_LEN + 1];
	char file[KEY_FILE_NAME_LEN]; /* name in the directory */
};

struct anon_key {
	struct anonymizer anon; /* set up while loaded (recently chosen) */
	char id[ANON_KEY_ID_LEN + 1];
	long long start;
	char file[KEY_FILE_NAME_LEN];
	bool loaded;
	unsigned long long used; /* the ring's choice counter when last chosen */
};

struct keyring;

/*
 * The key files of `mode` in dir, oldest first (malloc'd; *n may be 0).
 * Each file is read and checked; a bad one fails the listing, by name.
 * 0, or -1 with a reason.
 */
int keyring_list(const char *dir, enum anon_mode mode, struct key_entry **entries, size_t *n,
		 char *err, size_t errlen);

/*
 * The ring of `mode` (an ipcrypt mode) in dir, created 0700 if missing and
 * refused if group or others can write to it. retention_s: how long a key
 * is kept after its successor started (KEYRING_KEEP_FOREVER: always).
 * With fixed_key_path (the --key option) the ring is that one key, for
 * every time, and rotate must be KEY_ROTATE_NEVER; dir is then unused.
 * A bad or unsafe key file fails the open, by name. NULL with a reason.
 */
struct keyring *keyring_open(const char *dir, enum anon_mode mode, enum key_rotate rotate,
			     long long retention_s, const char *fixed_key_path,
			     unsigned int truncate_v4, unsigned int truncate_v6, char *err,
			     size_t errlen);
/*
 * The same ring for a reader that must change nothing (botsink top): the
 * directory is not created, no key is created, rotated or deleted, no
 * stale temporary file removed; keyring_key_for() only picks among the
 * keys there are (none: NULL, "no key"). Files are checked as above.
 */
struct keyring *keyring_open_readonly(const char *dir, enum anon_mode mode,
				      const char *fixed_key_path, unsigned int truncate_v4,
				      unsigned int truncate_v6, char *err, size_t errlen);
/*
 * The key for an epoch that ended at wall time t (Unix seconds): the newest
 * key that started at or before t (before every key: the oldest). First the
 * directory is read again if it changed, the key of t's hour or day is
 * created when rotation is due (any key at all, when there is none: start 0
 * without rotation), and keys superseded more than the retention ago are
 * deleted (never the newest, never a loaded one). The key is loaded; the
 * least recently chosen beyond KEYRING_MAX_LOADED are unloaded. The pointer
 * is valid until the next keyring_key_for() or keyring_close(). NULL with
 * a reason.
 */
const struct anon_key *keyring_key_for(struct keyring *kr, long long t, char *err, size_t errlen);
/*
 * Whether a reason keyring_key_for failed with is news: not the one last
 * called news since a key was last chosen. A stray file in the directory
 * fails every epoch until it is moved away; its reason is logged once.
 */
bool keyring_news(struct keyring *kr, const char *err);
/*
 * A new key of `mode` in dir, in use from the next second (and after the
 * newest key there): a running daemon takes it from its next epoch.
 * id_out gets its id. 0, or -1 with a reason.
 */
int keyring_rotate_now(const char *dir, enum anon_mode mode, char id_out[ANON_KEY_ID_LEN + 1],
		       char *err, size_t errlen);
void keyring_close(struct keyring *kr);

/*
 * The rules a keyring follows, for whoever keeps its keys elsewhere too
 * (bus/keyshare.c: the hubs' shared bucket).
 *
 * keyring_key_due: is a key to be created for time t, the newest key
 * having started at `newest` (have_key false: there is none)? Its start
 * in *start: hourly or daily, the first second of t's UTC hour or day
 * (due when the newest started before it); never, 0 (due only when there
 * is no key at all).
 */
bool keyring_key_due(enum key_rotate rotate, bool have_key, long long newest, long long t,
		     long long *start);
/* Is a key whose successor started at successor_start past its retention at `now`? */
bool keyring_expired(long long retention_s, long long successor_start, long long now);
/* The start of a key rotated in at `now`: the next second, and after the newest. */
long long keyring_rotate_start(bool have_key, long long newest, long long now);
/*
 * Write a key as dir/MODE-START.key (written and fsync'd under a temporary
 * name, then renamed): a file of that name is replaced, so a running
 * keyring takes the new key from its next keyring_key_for(). 0, or -1
 * with a reason.
 */
int keyring_install(const char *dir, enum anon_mode mode, long long start, const uint8_t *key,
		    size_t keylen, char *err, size_t errlen);
/* Delete a listed key file (gone already: fine). 0, or -1 with a reason. */
int keyring_remove(const char *dir, const struct key_entry *e, char *err, size_t errlen);

#endif
