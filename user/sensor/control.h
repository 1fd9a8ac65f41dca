/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `botsink rules load FILE` and the running daemon, through its state
 * directory: the daemon holds a lock on botsink.pid (its pid inside); the
 * command finds the holder, writes (nonce, pid, path) to rules.request
 * and sends SIGHUP; the daemon loads that file instead of its own (and
 * keeps it for later reloads) and answers in rules.result under the same
 * nonce. The daemon also leaves how it shows sources there, in the view
 * file botsink top reads. Only files of the daemon's user are trusted.
 */
#ifndef BOTSINK_CONTROL_H
#define BOTSINK_CONTROL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include "privacy/anon.h"

#define DEFAULT_STATE_DIR "/var/lib/botsink"
#define CONTROL_PID_FILE "botsink.pid"
#define CONTROL_REQUEST_FILE "rules.request"
#define CONTROL_RESULT_FILE "rules.result"
#define CONTROL_CLIENT_LOCK "rules.lock" /* one rules load at a time */
#define CONTROL_VIEW_FILE "view" /* how the public feed shows sources, for botsink top */

/*
 * Daemon side, first in the state directory: create/check it, lock and
 * fill the pid file (one run per directory; the lock also tells `rules
 * load` this run is alive), drop a request left from before. 0; -1 with
 * a reason (a bad directory); -2 with a reason naming the holder's pid
 * when another run holds the pid file. *dir holds the directory open
 * (private_dir_open): the run's every state file is reached through it.
 * control_stop: at the very end; it closes *dir.
 */
int control_start(const char *state_dir, int *dir, int *lock_fd, char *err, size_t errlen);
void control_stop(int dir, int lock_fd);
/* The requested rules file (malloc'd) and its nonce; NULL without a request. */
char *control_take_request(int dir, unsigned long *nonce);
int control_answer(int dir, unsigned long nonce, bool ok, const char *text);

/*
 * How the run's public feed shows sources, so that botsink top, which
 * reads the maps without the daemon, shows them no plainer: STATE_DIR/view,
 * lines "anon MODE", "truncate V4,V6" and, with --key, "key PATH".
 */
struct control_view {
	enum anon_mode anon;
	struct truncate_bits truncate;
	char key_path[PATH_MAX]; /* --key, absolute; "": the keys in STATE_DIR/keys */
};

/* Daemon side: the file replaced whole (mode 0600). 0, or -1 with a reason. */
int control_save_view(int dir, enum anon_mode anon,
		      const struct truncate_bits *truncate, const char *key_path, char *err,
		      size_t errlen);
/*
 * No view file: an earlier run's (which may say anon none) must not stand
 * for this one's when this one's could not be written.
 */
void control_drop_view(int dir);
/*
 * Command side: the view of the run, or when there is no file this user
 * wrote (or it does not read as one) the default ipcrypt-pfx, 24,48, the
 * state directory's keys. 1 read from the file, 0 the default.
 */
int control_read_view(const char *state_dir, struct control_view *v);

/*
 * Command side: ask the daemon to load `rules_path` and wait for its
 * answer. Returns 1 loaded, 0 refused (*answer says why), -1 no answer
 * (*answer says why). *answer is malloc'd.
 */
int control_load(const char *state_dir, const char *rules_path, unsigned int timeout_ms,
		 char **answer);

#endif
