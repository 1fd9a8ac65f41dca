// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <ctype.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lib/util.h"

bool array_grow(void **arr, size_t need, size_t elem_size)
{
	size_t cap = *arr ? malloc_usable_size(*arr) / elem_size : 0;
	void *p;

	if (need <= cap)
		return true;
	cap = cap < 8 ? 8 : cap;
	while (cap < need)
		cap *= 2;
	if (cap > SIZE_MAX / elem_size)
		return false;
	p = realloc(*arr, cap * elem_size);
	if (!p)
		return false;
	*arr = p;
	return true;
}

/*
 * text[0..*len) without the bytes of `set` at either end: the new start,
 * and *len the new length. A NUL is never in the set (strchr would find
 * the set's own terminator).
 */
static const char *trim_span(const char *text, size_t *len, const char *set)
{
	size_t n = *len;

	while (n && *text && strchr(set, *text)) {
		text++;
		n--;
	}
	while (n && text[n - 1] && strchr(set, text[n - 1]))
		n--;
	*len = n;
	return text;
}

/* Bytes that would not show, or would move the cursor, in a terminal. */
static bool shows(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

/* One run of non-blank bytes, escaped, cut after TOKEN_SHOW_MAX of them. */
static void put_token(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len && i < TOKEN_SHOW_MAX; i++) {
		if (shows((unsigned char)s[i]))
			fputc(s[i], f);
		else
			fprintf(f, "\\x%02x", (unsigned char)s[i]);
	}
	if (len > TOKEN_SHOW_MAX)
		fprintf(f, " ... (%zu bytes)", len); /* apart: cutting again keeps it */
}

char *str_printable(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	while (*s) {
		size_t blanks = strspn(s, " "), run;

		fwrite(s, 1, blanks, f);
		s += blanks;
		run = strcspn(s, " ");
		put_token(f, s, run);
		s += run;
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

char *vformat_printable(const char *fmt, va_list ap)
{
	char *raw, *text;

	if (vasprintf(&raw, fmt, ap) < 0)
		return NULL;
	text = str_printable(raw);
	free(raw);
	return text;
}

char *str_trim(char *s, const char *set)
{
	size_t len = strlen(s);

	s += trim_span(s, &len, set) - s;
	s[len] = '\0';
	return s;
}

char *strndup_trim(const char *text, size_t len)
{
	text = trim_span(text, &len, WHITESPACE);
	return strndup(text, len);
}

void str_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Refuse what is not a regular file before reading: a FIFO or a device never ends. */
static int open_regular(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	int err = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st))
		err = errno;
	else if (S_ISDIR(st.st_mode))
		err = EISDIR;
	else if (!S_ISREG(st.st_mode))
		err = ENODEV;
	else if ((uint64_t)st.st_size > max)
		err = EFBIG;
	if (err) {
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Reads up to max + 1 bytes: a file that grew past the cap after fstat is refused too. */
static int read_all(int fd, size_t max, char **buf, size_t *n)
{
	for (;;) {
		ssize_t got;

		if (!array_grow((void **)buf, *n + 4096 + 1, 1))
			return ENOMEM;
		got = read(fd, *buf + *n, 4096);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return errno;
		if (!got)
			return 0;
		*n += (size_t)got;
		if (*n > max)
			return EFBIG;
	}
}

char *read_file(const char *path, size_t max, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	int fd = open_regular(path, max);
	int err;

	if (fd < 0)
		return NULL;
	err = read_all(fd, max, &buf, &n);
	close(fd);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

size_t utf8_bom_len(const char *text, size_t len)
{
	return len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

const char *read_file_strerror(int err, size_t max, char *buf, size_t buflen)
{
	if (err == EISDIR)
		return "is a directory";
	if (err == ENODEV)
		return "is not a regular file";
	if (err != EFBIG)
		return strerror(err);
	if (max % (1u << 20))
		snprintf(buf, buflen, "larger than the cap of %zu bytes", max);
	else
		snprintf(buf, buflen, "larger than the cap of %zu MiB", max >> 20);
	return buf;
}

uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A parent no one else can change: root's or ours, written only by them, or sticky (as /tmp). */
static bool parent_safe(const struct stat *st)
{
	return (st->st_uid == 0 || st->st_uid == geteuid()) &&
	       (!(st->st_mode & (S_IWGRP | S_IWOTH)) || (st->st_mode & S_ISVTX));
}

/* Private: a directory of ours, written by no one else. 0, or -1 with why. */
static int check_private(const struct stat *st, const char *what, const char *dir, char *err,
			 size_t errlen)
{
	if (S_ISDIR(st->st_mode) && st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH)))
		return 0;
	snprintf(err, errlen,
		 "%s %s must be a directory of this user that no one else can write to "
		 "(owner uid %u, mode %04o)",
		 what, dir, (unsigned int)st->st_uid, (unsigned int)(st->st_mode & 07777));
	return -1;
}

int private_subdir_check(int dirfd, const char *name, const char *what, const char *shown,
			 char *err, size_t errlen)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		snprintf(err, errlen, "%s %s: %s", what, shown, strerror(errno));
		return -1;
	}
	return check_private(&st, what, shown, err, errlen);
}

/*
 * dir's absolute spelling with no link in it, into real (PATH_MAX). With
 * `create`, a missing last part is kept as given: its parent must exist.
 */
static int resolve_dir(const char *dir, bool create, char *real)
{
	char parent[PATH_MAX];
	const char *last;
	char *slash;
	size_t len = strlen(dir);

	if (realpath(dir, real))
		return 0;
	if (!create || errno != ENOENT)
		return -1;
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len >= sizeof(parent)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(parent, dir, len);
	parent[len] = '\0';
	slash = strrchr(parent, '/');
	last = slash ? slash + 1 : parent;
	if (slash)
		*slash = '\0';
	if (!realpath(!slash ? "." : slash == parent ? "/" : parent, real))
		return -1;
	if (!strcmp(last, ".") || !strcmp(last, "..")) {
		errno = EINVAL;
		return -1;
	}
	len = strlen(real);
	if (len > 1)
		real[len++] = '/';
	if (len + strlen(last) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(real + len, last);
	return 0;
}

/* The next part below *fd, in its place: never through a link (one put there since realpath). */
static int step_down(int *fd, const char *part, bool last, bool create)
{
	int flags = O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | (last ? O_RDONLY : O_PATH);
	int next = openat(*fd, part, flags);

	if (next < 0 && last && create && errno == ENOENT) {
		if (mkdirat(*fd, part, 0700) && errno != EEXIST)
			return -1;
		next = openat(*fd, part, flags);
	}
	if (next < 0)
		return -1;
	close(*fd);
	*fd = next;
	return 0;
}

int private_dir_open(const char *dir, const char *what, bool create, char *err, size_t errlen)
{
	char real[PATH_MAX], path[PATH_MAX], *part, *next;
	int held = 1; /* path[0, held) names the directory fd holds */
	struct stat st;
	int fd;

	if (!*dir) {
		snprintf(err, errlen, "%s: an empty path", what);
		return -1;
	}
	if (resolve_dir(dir, create, real)) {
		snprintf(err, errlen, "%s %s: %s", what, dir, strerror(errno));
		return -1;
	}
	memcpy(path, real, sizeof(path));
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* readable: "/" may be all there is */
	for (part = real + 1; fd >= 0 && *part; part = next) {
		next = strchrnul(part, '/');
		if (*next)
			*next++ = '\0';
		/* Whoever can rename in a parent can swap everything below it. */
		if (fstat(fd, &st))
			break;
		if (!parent_safe(&st)) {
			snprintf(err, errlen,
				 "%s %s: its parent %.*s is not safe (owner uid %u, mode %04o): "
				 "it must belong to root or this user and be writable by no one "
				 "else (or be sticky, as /tmp)",
				 what, dir, held, path, (unsigned int)st.st_uid,
				 (unsigned int)(st.st_mode & 07777));
			close(fd);
			return -1;
		}
		if (step_down(&fd, part, !*next, create)) {
			int e = errno;

			snprintf(err, errlen, "%s %s: %s%s", what, dir, part,
				 e == ELOOP ? " is a symbolic link (made since it was resolved?)" :
				 e == ENOTDIR ? " is not a directory" :
						""); /* strerror below */
			if (e != ELOOP && e != ENOTDIR)
				snprintf(err + strlen(err), errlen - strlen(err), ": %s",
					 strerror(e));
			close(fd);
			return -1;
		}
		held = (int)(next - real) - (*next ? 1 : 0);
	}
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "%s %s: %s", what, dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (check_private(&st, what, dir, err, errlen)) {
		close(fd);
		return -1;
	}
	return fd;
}

long lock_holder(int fd)
{
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	/* l_pid is 0 for a holder in a PID namespace not visible from here. */
	if (fcntl(fd, F_GETLK, &lk) || lk.l_type == F_UNLCK)
		return 0;
	return lk.l_pid;
}

FILE *create_private(int dirfd, const char *name)
{
	struct stat st;
	FILE *f;
	int fd;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		if (!fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode)) {
			errno = ELOOP;
			return NULL;
		}
		unlinkat(dirfd, name, 0); /* by name: a hard link's other names keep their text */
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
	}
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

int write_private_file(int dirfd, const char *name, const char *text, size_t n, bool sync)
{
	char tmp[NAME_MAX + 1];
	FILE *f;
	int ret = 0, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", name) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	f = create_private(dirfd, tmp);
	if (!f)
		return -1;
	if (fwrite(text, 1, n, f) != n || fflush(f) || (sync && fsync(fileno(f))))
		ret = -1;
	saved = errno;
	if (fclose(f))
		ret = -1;
	else
		errno = saved;
	if (!ret && renameat(dirfd, tmp, dirfd, name))
		ret = -1;
	if (ret) {
		saved = errno;
		unlinkat(dirfd, tmp, 0);
		errno = saved;
	}
	return ret;
}

/* fd's file is still the one at name: not unlinked by a holder going away. */
static bool still_there(int fd, int dirfd, const char *name)
{
	struct stat a, b;

	return !fstat(fd, &a) && !fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) &&
	       S_ISREG(a.st_mode) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * Open and lock dirfd's name into *fd: 0; -1 (errno); -2 another process holds
 * it (*fd left open, to ask which).
 */
static int lock_file(int dirfd, const char *name, int *fd)
{
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	for (int tries = 0; tries < 8; tries++) {
		/* O_NOFOLLOW: a link planted there would lock, and fill, another file. */
		*fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (*fd < 0)
			return -1;
		if (fcntl(*fd, F_SETLK, &lk))
			return errno == EAGAIN || errno == EACCES ? -2 : -1;
		if (still_there(*fd, dirfd, name))
			return 0;
		close(*fd);
		*fd = -1;
	}
	errno = EBUSY; /* unlinked under it each time */
	return -1;
}

int dir_lock(int dirfd, const char *dir, const char *name, const char *what, int *fd, char *err,
	     size_t errlen)
{
	char path[PATH_MAX], text[32];
	ssize_t n;
	long pid;
	int ret;

	*fd = -1;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s %s: %s", what, dir, strerror(ENAMETOOLONG));
		return -1;
	}
	ret = lock_file(dirfd, name, fd);
	if (ret == -2) {
		pid = lock_holder(*fd);
		if (pid > 0)
			snprintf(err, errlen, "%s %s is in use by botsink pid %ld (its lock on %s)",
				 what, dir, pid, path);
		else
			snprintf(err, errlen, "%s %s is in use by another botsink (its lock on %s)",
				 what, dir, path);
	}
	if (!ret) {
		snprintf(text, sizeof(text), "%d\n", (int)getpid());
		n = ftruncate(*fd, 0) ? -1 : pwrite(*fd, text, strlen(text), 0);
		if (n != (ssize_t)strlen(text)) {
			if (n >= 0)
				errno = EIO; /* short: no errno of its own */
			ret = -1;
		}
	}
	if (ret == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (ret && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return ret;
}

void dir_unlock(int dirfd, const char *name, int fd)
{
	if (fd < 0)
		return;
	/* Unlinked before it is let go: a run that waits for it finds it gone (still_there). */
	unlinkat(dirfd, name, 0);
	close(fd);
}

bool failpoint_armed(const char *name)
{
	const char *fp = getenv("BOTSINK_FAILPOINT");

	return fp && !strcmp(fp, name);
}

void failpoint(const char *name)
{
	if (failpoint_armed(name))
		raise(SIGKILL);
}
