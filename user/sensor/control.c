// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lib/parse.h"
#include "lib/util.h"
#include "sensor/control.h"

/* A small file of this user in dir that only it can change, read whole; NULL otherwise. */
static char *read_trusted(int dir, const char *name)
{
	struct stat st;
	char *text = NULL;
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	    !(st.st_mode & (S_IWGRP | S_IWOTH)) && st.st_size <= PATH_MAX + 64) {
		text = calloc(1, (size_t)st.st_size + 1);
		if (text && read(fd, text, (size_t)st.st_size) != st.st_size) {
			free(text);
			text = NULL;
		}
	}
	close(fd);
	return text;
}

int control_start(const char *state_dir, int *dir, int *lock_fd, char *err, size_t errlen)
{
	int ret;

	*lock_fd = -1;
	*dir = private_dir_open(state_dir, "state directory", true, err, errlen);
	if (*dir < 0)
		return -1;
	ret = dir_lock(*dir, state_dir, CONTROL_PID_FILE, "state directory", lock_fd, err, errlen);
	if (ret) {
		close(*dir);
		*dir = -1;
		return ret;
	}
	/* A request left from before this run is nobody's to answer. */
	unlinkat(*dir, CONTROL_REQUEST_FILE, 0);
	return 0;
}

void control_stop(int dir, int lock_fd)
{
	if (dir < 0)
		return;
	dir_unlock(dir, CONTROL_PID_FILE, lock_fd);
	close(dir);
}

char *control_take_request(int dir, unsigned long *nonce)
{
	char *text, *pid, *rules = NULL, *end;
	uint64_t n;

	/* Only a request this user wrote and no one else could change. */
	text = read_trusted(dir, CONTROL_REQUEST_FILE);
	if (!text)
		return NULL;
	unlinkat(dir, CONTROL_REQUEST_FILE, 0);
	pid = strchr(text, '\n');
	if (pid) {
		*pid++ = '\0';
		if (parse_uint(text, ULONG_MAX, &n))
			goto out; /* not written by botsink */
		*nonce = (unsigned long)n;
		rules = strchr(pid, '\n');
	}
	if (rules) {
		*rules++ = '\0';
		end = strchr(rules, '\n');
		if (end)
			*end = '\0';
		/* Addressed to this process, with a path: else not ours to load. */
		if (!parse_uint(pid, UINT32_MAX, &n) && n == (uint64_t)getpid() && *rules && end)
			rules = strdup(rules);
		else
			rules = NULL;
	}
out:
	free(text);
	return rules;
}

int control_answer(int dir, unsigned long nonce, bool ok, const char *text)
{
	char *answer;
	int ret;

	if (asprintf(&answer, "%lu\n%s\n%s", nonce, ok ? "ok" : "refused", text) < 0)
		return -1;
	ret = write_private_file(dir, CONTROL_RESULT_FILE, answer, strlen(answer), false);
	free(answer);
	return ret;
}

/* The daemon's answer to `nonce`, if it is there yet: 1 ok, 0 refused, -1 not yet. */
static int read_answer(int dir, unsigned long nonce, char **answer)
{
	char *text, *status, *body;
	uint64_t n;
	int ret = -1;

	text = read_trusted(dir, CONTROL_RESULT_FILE);
	if (!text)
		return -1;
	status = strchr(text, '\n');
	body = status ? strchr(status + 1, '\n') : NULL;
	if (body) {
		*status = '\0';
		if (parse_uint(text, ULONG_MAX, &n) || n != nonce)
			body = NULL; /* another request's answer */
	}
	if (body) {
		*body++ = '\0';
		ret = !strcmp(status + 1, "ok");
		*answer = strdup(body);
	}
	free(text);
	return ret;
}

/* The pid of the run that holds the lock on the pid file, or 0. */
static pid_t running_pid(int dir)
{
	long pid;
	int fd;

	fd = openat(dir, CONTROL_PID_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	pid = lock_holder(fd);
	close(fd);
	return (pid_t)pid;
}

static int fail_with(char **answer, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail_with(char **answer, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(answer, fmt, ap) < 0)
		*answer = NULL;
	va_end(ap);
	return -1;
}

/* control_load, holding the client lock. */
static int request_load(int dir, const char *state_dir, const char *rules_path,
			unsigned int timeout_ms, char **answer)
{
	char abs[PATH_MAX], *request;
	struct timespec ts;
	unsigned long nonce;
	pid_t pid;
	int ret;

	pid = running_pid(dir);
	if (pid <= 0)
		return fail_with(answer, "no botsink run with state directory %s is running",
				 state_dir);
	if (!realpath(rules_path, abs))
		return fail_with(answer, "%s: %s", rules_path, strerror(errno));
	if (strchr(abs, '\n'))
		return fail_with(answer, "%s: a path with a line break", rules_path);
	clock_gettime(CLOCK_REALTIME, &ts);
	nonce = (unsigned long)ts.tv_sec * 1000003UL ^ (unsigned long)ts.tv_nsec ^
		(unsigned long)getpid();
	if (asprintf(&request, "%lu\n%d\n%s\n", nonce, (int)pid, abs) < 0)
		return -1;
	ret = write_private_file(dir, CONTROL_REQUEST_FILE, request, strlen(request), false);
	free(request);
	if (ret || kill(pid, SIGHUP))
		ret = fail_with(answer, "cannot ask the botsink run (process %d): %s", (int)pid,
				strerror(errno));
	for (unsigned int waited = 0; !ret && waited < timeout_ms; waited += 50) {
		ret = read_answer(dir, nonce, answer);
		if (ret >= 0)
			return ret;
		ret = 0;
		usleep(50 * 1000);
	}
	/* Not answered: withdraw the request, so no later SIGHUP acts on it. */
	unlinkat(dir, CONTROL_REQUEST_FILE, 0);
	if (!*answer)
		fail_with(
			answer,
			"the botsink run (process %d) did not answer: it may or may not load the file",
			(int)pid);
	return -1;
}

int control_load(const char *state_dir, const char *rules_path, unsigned int timeout_ms,
		 char **answer)
{
	char err[PATH_MAX + 300];
	int ret, lock_fd, dir;

	*answer = NULL;
	dir = private_dir_open(state_dir, "state directory", false, err, sizeof(err));
	if (dir < 0)
		return fail_with(answer, "%s", err);
	/*
	 * One request at a time: two would overwrite each other's request
	 * file, and the one left unanswered would withdraw the other's.
	 */
	lock_fd = openat(dir, CONTROL_CLIENT_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX))
		ret = fail_with(answer, "%s/%s: %s", state_dir, CONTROL_CLIENT_LOCK,
				strerror(errno));
	else
		ret = request_load(dir, state_dir, rules_path, timeout_ms, answer);
	if (lock_fd >= 0)
		close(lock_fd);
	close(dir);
	return ret;
}

int control_save_view(int dir, enum anon_mode anon, const struct truncate_bits *truncate,
		      const char *key_path, char *err, size_t errlen)
{
	char abs[PATH_MAX] = "", *text;
	int ret;

	if (key_path && !realpath(key_path, abs)) {
		snprintf(err, errlen, "%s: %s", key_path, strerror(errno));
		return -1;
	}
	if (strchr(abs, '\n')) {
		snprintf(err, errlen, "%s: a path with a line break", key_path);
		return -1;
	}
	if (asprintf(&text, "anon %s\ntruncate %u,%u\n%s%s%s", anon_mode_name(anon), truncate->v4,
		     truncate->v6, abs[0] ? "key " : "", abs, abs[0] ? "\n" : "") < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ret = write_private_file(dir, CONTROL_VIEW_FILE, text, strlen(text), false);
	free(text);
	if (ret)
		snprintf(err, errlen, "%s: %s", CONTROL_VIEW_FILE, strerror(errno));
	return ret;
}

void control_drop_view(int dir)
{
	unlinkat(dir, CONTROL_VIEW_FILE, 0);
}

/* One "WORD VALUE" line of the view file into v; -1 when it is none. */
static int view_line(char *line, struct control_view *v)
{
	char *value = strchr(line, ' ');

	if (!value)
		return -1;
	*value++ = '\0';
	if (!strcmp(line, "anon"))
		return anon_parse_mode(value, &v->anon);
	if (!strcmp(line, "truncate"))
		return anon_parse_truncate(value, &v->truncate);
	if (!strcmp(line, "key") && value[0] == '/')
		return snprintf(v->key_path, sizeof(v->key_path), "%s", value) <
				       (int)sizeof(v->key_path) ?
			       0 :
			       -1;
	return -1;
}

int control_read_view(const char *state_dir, struct control_view *v)
{
	static const struct control_view defaults = { .anon = ANON_IPCRYPT_PFX,
						      .truncate = ANON_TRUNCATE_DEFAULT };
	char err[PATH_MAX + 300], *text, *line, *next;
	int ret = 1, dir;

	*v = defaults;
	/* Only a file the run's user wrote and no one else could change. */
	dir = private_dir_open(state_dir, "state directory", false, err, sizeof(err));
	if (dir < 0)
		return 0;
	text = read_trusted(dir, CONTROL_VIEW_FILE);
	close(dir);
	if (!text)
		return 0;
	for (line = text; ret && *line; line = next) {
		next = strchr(line, '\n');
		if (!next) {
			ret = 0; /* cut short */
			break;
		}
		*next++ = '\0';
		if (view_line(line, v))
			ret = 0;
	}
	free(text);
	if (!ret)
		*v = defaults;
	return ret;
}
