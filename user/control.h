/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `botsink rules load FILE` and the running daemon, through its state
 * directory: the daemon keeps its pid in botsink.pid; the command writes
 * the file's path to rules.request and sends SIGHUP; the daemon loads that
 * file instead of its own (and keeps it for later reloads) and answers in
 * rules.result. A nonce ties the answer to the request.
 */
#ifndef BOTSINK_CONTROL_H
#define BOTSINK_CONTROL_H

#include <stdbool.h>

#define DEFAULT_STATE_DIR "/var/lib/botsink"
#define CONTROL_PID_FILE "botsink.pid"
#define CONTROL_REQUEST_FILE "rules.request"
#define CONTROL_RESULT_FILE "rules.result"

/* Daemon side. 0, or -1 (errno set). */
int control_write_pid(const char *state_dir);
void control_remove_pid(const char *state_dir);
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
