/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `botsink rules load FILE` and the running daemon, through its state
 * directory: the daemon holds a lock on botsink.pid (its pid inside); the
 * command finds the holder, writes (nonce, pid, path) to rules.request
 * and sends SIGHUP; the daemon loads that file instead of its own (and
 * keeps it for later reloads) and answers in rules.result under the same
 * nonce. Only files of the daemon's user are trusted.
 */
#ifndef BOTSINK_CONTROL_H
#define BOTSINK_CONTROL_H

#include <stdbool.h>

#define DEFAULT_STATE_DIR "/var/lib/botsink"
#define CONTROL_PID_FILE "botsink.pid"
#define CONTROL_REQUEST_FILE "rules.request"
#define CONTROL_RESULT_FILE "rules.result"
#define CONTROL_CLIENT_LOCK "rules.lock" /* one rules load at a time */

/*
 * Daemon side: create/check the state directory, lock and fill the pid
 * file (the lock tells `rules load` this run is alive), drop a request
 * left from before. 0; -1 with a reason (a bad directory); -2 with a
 * reason when another run holds the pid file.
 */
int control_start(const char *state_dir, int *lock_fd, char *err, size_t errlen);
void control_stop(const char *state_dir, int lock_fd);
/* The requested rules file (malloc'd) and its nonce; NULL without a request. */
char *control_take_request(const char *state_dir, unsigned long *nonce);
int control_answer(const char *state_dir, unsigned long nonce, bool ok, const char *text);

/*
 * Command side: ask the daemon to load `rules_path` and wait for its
 * answer. Returns 1 loaded, 0 refused (*answer says why), -1 no answer
 * (*answer says why). *answer is malloc'd.
 */
int control_load(const char *state_dir, const char *rules_path, unsigned int timeout_ms,
		 char **answer);

#endif
