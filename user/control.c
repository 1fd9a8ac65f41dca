// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "control.h"
#include "util.h"

static void path_of(char *buf, size_t len, const char *dir, const char *name)
{
	if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len)
		buf[0] = '\0'; /* too long: opening "" fails cleanly */
}

/* Write a whole file under a temporary name, then rename it into place. */
static int write_atomically(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	size_t n = strlen(text);
	int fd, ret = 0;

	path_of(path, sizeof(path), dir, name);
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
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

int control_write_pid(const char *state_dir)
{
	char text[32];

	if (mkdir(state_dir, 0700) && errno != EEXIST)
		return -1;
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	return write_atomically(state_dir, CONTROL_PID_FILE, text);
}

void control_remove_pid(const char *state_dir)
{
	char path[PATH_MAX], *text;

	path_of(path, sizeof(path), state_dir, CONTROL_PID_FILE);
	text = read_file(path, NULL);
	/* Only our own: a later daemon may have taken the directory over. */
	if (text && atoi(text) == (int)getpid())
		unlink(path);
	free(text);
}

char *control_take_request(const char *state_dir, unsigned long *nonce)
{
	char path[PATH_MAX], *text, *line, *rules = NULL;
	struct stat st;
	int fd;

	path_of(path, sizeof(path), state_dir, CONTROL_REQUEST_FILE);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	/*
	 * Only a request its own user wrote, that nobody else could have
	 * changed: in a state directory others can write to, a planted
	 * request would have the daemon read any file.
	 */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) || st.st_size > PATH_MAX + 32) {
		close(fd);
		return NULL;
	}
	text = calloc(1, (size_t)st.st_size + 1);
	if (!text || read(fd, text, (size_t)st.st_size) != st.st_size) {
		free(text);
		close(fd);
		return NULL;
	}
	close(fd);
	unlink(path);
	line = strchr(text, '\n');
	if (line) {
		*line++ = '\0';
		*nonce = strtoul(text, NULL, 10);
		line[strcspn(line, "\n")] = '\0';
		if (*line)
			rules = strdup(line);
	}
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
	int ret = -1;

	path_of(path, sizeof(path), state_dir, CONTROL_RESULT_FILE);
	text = read_file(path, NULL);
	if (!text)
		return -1;
	status = strchr(text, '\n');
	body = status ? strchr(status + 1, '\n') : NULL;
	if (body && strtoul(text, NULL, 10) == nonce) {
		*body++ = '\0';
		ret = !strcmp(status + 1, "ok");
		*answer = strdup(body);
	}
	free(text);
	return ret;
}

int control_load(const char *state_dir, const char *rules_path, unsigned int timeout_ms,
		 char **answer)
{
	char path[PATH_MAX], abs[PATH_MAX], *text, *request;
	struct timespec ts;
	unsigned long nonce;
	pid_t pid;
	int ret;

	*answer = NULL;
	path_of(path, sizeof(path), state_dir, CONTROL_PID_FILE);
	text = read_file(path, NULL);
	pid = text ? (pid_t)atoi(text) : 0;
	free(text);
	if (pid <= 0 || kill(pid, 0)) {
		if (asprintf(answer, "no botsink run with state directory %s is running",
			     state_dir) < 0)
			*answer = NULL;
		return -1;
	}
	if (!realpath(rules_path, abs)) {
		if (asprintf(answer, "%s: %s", rules_path, strerror(errno)) < 0)
			*answer = NULL;
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	nonce = (unsigned long)ts.tv_sec * 1000003UL ^ (unsigned long)ts.tv_nsec ^
		(unsigned long)getpid();
	if (asprintf(&request, "%lu\n%s\n", nonce, abs) < 0)
		return -1;
	ret = write_atomically(state_dir, CONTROL_REQUEST_FILE, request);
	free(request);
	if (ret || kill(pid, SIGHUP)) {
		if (asprintf(answer, "cannot ask process %d: %s", (int)pid, strerror(errno)) < 0)
			*answer = NULL;
		return -1;
	}
	for (unsigned int waited = 0; waited < timeout_ms; waited += 50) {
		ret = read_answer(state_dir, nonce, answer);
		if (ret >= 0)
			return ret;
		usleep(50 * 1000);
	}
	if (asprintf(answer, "process %d did not answer within %u ms", (int)pid, timeout_ms) < 0)
		*answer = NULL;
	return -1;
}
