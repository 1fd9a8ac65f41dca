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

static void path_of(char *buf, size_t len, const char *dir, const char *name)
{
	if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len)
		buf[0] = '\0'; /* too long: opening "" fails cleanly */
}

/* Write a whole file under a fresh temporary name, then rename it into place. */
static int write_atomically(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	size_t n = strlen(text);
	int fd, ret = 0;

	path_of(path, sizeof(path), dir, name);
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp); /* O_EXCL, mode 0600: nothing planted is followed */
	if (fd < 0)
		return -1;
	if (write(fd, text, n) != (ssize_t)n)
		ret = -1;
	if (close(fd))
		ret = -1;
	if (!ret && rename(tmp, path))
		ret = -1;
	if (ret)
		unlink(tmp);
	return ret;
}

/* A small file of this user that only it can change, read whole; NULL otherwise. */
static char *read_trusted(const char *path)
{
	struct stat st;
	char *text = NULL;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

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

int control_start(const char *state_dir, int *lock_fd, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int ret;

	*lock_fd = -1;
	if (private_dir(state_dir, "state directory", true, err, errlen))
		return -1;
	ret = dir_lock(state_dir, CONTROL_PID_FILE, "state directory", lock_fd, err, errlen);
	if (ret)
		return ret;
	/* A request left from before this run is nobody's to answer. */
	path_of(path, sizeof(path), state_dir, CONTROL_REQUEST_FILE);
	unlink(path);
	return 0;
}

void control_stop(const char *state_dir, int lock_fd)
{
	dir_unlock(state_dir, CONTROL_PID_FILE, lock_fd);
}

char *control_take_request(const char *state_dir, unsigned long *nonce)
{
	char path[PATH_MAX], *text, *pid, *rules = NULL, *end;
	uint64_t n;

	path_of(path, sizeof(path), state_dir, CONTROL_REQUEST_FILE);
	/* Only a request this user wrote and no one else could change. */
	text = read_trusted(path);
	if (!text)
		return NULL;
	unlink(path);
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

int control_answer(const char *state_dir, unsigned long nonce, bool ok, const char *text)
{
	char *answer;
	int ret;

	if (asprintf(&answer, "%lu\n%s\n%s", nonce, ok ? "ok" : "refused", text) < 0)
		return -1;
	ret = write_atomically(state_dir, CONTROL_RESULT_FILE, answer);
	free(answer);
	return ret;
}

/* The daemon's answer to `nonce`, if it is there yet: 1 ok, 0 refused, -1 not yet. */
static int read_answer(const char *state_dir, unsigned long nonce, char **answer)
{
	char path[PATH_MAX], *text, *status, *body;
	uint64_t n;
	int ret = -1;

	path_of(path, sizeof(path), state_dir, CONTROL_RESULT_FILE);
	text = read_trusted(path);
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
static pid_t running_pid(const char *state_dir)
{
	char path[PATH_MAX];
	long pid;
	int fd;

	path_of(path, sizeof(path), state_dir, CONTROL_PID_FILE);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
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
static int request_load(const char *state_dir, const char *rules_path, unsigned int timeout_ms,
			char **answer)
{
	char path[PATH_MAX], abs[PATH_MAX], *request;
	struct timespec ts;
	unsigned long nonce;
	pid_t pid;
	int ret;

	pid = running_pid(state_dir);
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
	ret = write_atomically(state_dir, CONTROL_REQUEST_FILE, request);
	free(request);
	if (ret || kill(pid, SIGHUP))
		ret = fail_with(answer, "cannot ask the botsink run (process %d): %s", (int)pid,
				strerror(errno));
	for (unsigned int waited = 0; !ret && waited < timeout_ms; waited += 50) {
		ret = read_answer(state_dir, nonce, answer);
		if (ret >= 0)
			return ret;
		ret = 0;
		usleep(50 * 1000);
	}
	/* Not answered: withdraw the request, so no later SIGHUP acts on it. */
	path_of(path, sizeof(path), state_dir, CONTROL_REQUEST_FILE);
	unlink(path);
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
	char path[PATH_MAX], err[PATH_MAX + 200];
	int ret, lock_fd;

	*answer = NULL;
	if (private_dir(state_dir, "state directory", false, err, sizeof(err)))
		return fail_with(answer, "%s", err);
	/*
	 * One request at a time: two would overwrite each other's request
	 * file, and the one left unanswered would withdraw the other's.
	 */
	path_of(path, sizeof(path), state_dir, CONTROL_CLIENT_LOCK);
	lock_fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX))
		ret = fail_with(answer, "%s: %s", path, strerror(errno));
	else
		ret = request_load(state_dir, rules_path, timeout_ms, answer);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}

int control_save_view(const char *state_dir, enum anon_mode anon,
		      const struct truncate_bits *truncate, const char *key_path, char *err,
		      size_t errlen)
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
	ret = write_atomically(state_dir, CONTROL_VIEW_FILE, text);
	free(text);
	if (ret)
		snprintf(err, errlen, "%s/%s: %s", state_dir, CONTROL_VIEW_FILE, strerror(errno));
	return ret;
}

void control_drop_view(const char *state_dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", state_dir, CONTROL_VIEW_FILE);
	unlink(path);
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
	char path[PATH_MAX], *text, *line, *next;
	int ret = 1;

	*v = defaults;
	path_of(path, sizeof(path), state_dir, CONTROL_VIEW_FILE);
	/* Only a file the run's user wrote and no one else could change. */
	text = read_trusted(path);
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
