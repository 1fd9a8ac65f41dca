// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dir_lock: one process per directory. The holder's pid is in the file
 * and in the refusal another process gets (a POSIX lock does not refuse
 * its own process: the other is a child); the file is 0600, let go and
 * removed by dir_unlock, and never taken through a symbolic link.
 * create_private: a state file's new version, 0600 whatever the umask,
 * replacing a stale one by name, refusing a symbolic link.
 * private_dir_open: the directory and every parent up to / checked, and
 * the directory held: one renamed in later under its name is not used.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/util.h"
#include "unit.h"

/* dir_lock's return value in a child process; its reason in `err`. */
static int child_lock(const char *dir, char *err, size_t errlen)
{
	int pipefd[2], status, ret = 99;
	ssize_t n;
	pid_t pid;

	if (pipe(pipefd))
		return 99;
	pid = fork();
	if (!pid) {
		int fd;

		close(pipefd[0]);
		ret = dir_lock(open(dir, O_RDONLY | O_DIRECTORY), dir, "x.pid", "state directory",
			       &fd, err, errlen);
		if (write(pipefd[1], err, strlen(err)) < 0)
			ret = 99;
		_exit(ret + 10);
	}
	close(pipefd[1]);
	n = read(pipefd[0], err, errlen - 1);
	err[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		ret = WEXITSTATUS(status) - 10;
	return ret;
}

static void test_lock(void)
{
	char dir[] = "/tmp/botsink-lock-XXXXXX", path[PATH_MAX], link[PATH_MAX],
	     want[PATH_MAX + 128], err[PATH_MAX + 128] = "";
	struct stat st;
	char text[32];
	ssize_t n;
	int fd, pid, dfd;

	CHECK(mkdtemp(dir) != NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof(path), "%s/x.pid", dir);
	CHECK_INT(dir_lock(dfd, dir, "x.pid", "state directory", &fd, err, sizeof(err)), 0);
	CHECK(fd >= 0);
	/* Read through fd: closing any other fd of the file would let the lock go. */
	n = pread(fd, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	pid = atoi(text);
	CHECK_INT(pid, (int)getpid());
	CHECK(!stat(path, &st) && (st.st_mode & 07777) == 0600);
	CHECK_INT((int)lock_holder(fd), 0); /* its own lock is no other's */

	/* Another process: refused, told who holds it. */
	CHECK_INT(child_lock(dir, err, sizeof(err)), -2);
	snprintf(want, sizeof(want),
		 "state directory %s is in use by botsink pid %d (its lock on %s)", dir,
		 (int)getpid(), path);
	CHECK_STR(err, want);

	/* Let go: the file is gone, and the next one takes it. */
	dir_unlock(dfd, "x.pid", fd);
	CHECK(access(path, F_OK) && errno == ENOENT);
	CHECK_INT(child_lock(dir, err, sizeof(err)), 0);
	unlink(path);

	/* A link planted at the file: not followed, its target not made. */
	snprintf(link, sizeof(link), "%s/elsewhere", dir);
	CHECK(!symlink(link, path));
	CHECK_INT(dir_lock(dfd, dir, "x.pid", "state directory", &fd, err, sizeof(err)), -1);
	CHECK_INT(fd, -1);
	CHECK(access(link, F_OK) && errno == ENOENT);
	unlink(path);
	close(dfd);
	rmdir(dir);
}

/* path's text, up to 63 bytes; "" when it cannot be read. */
static const char *text_of(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f && !fgets(buf, (int)len, f))
		buf[0] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static void test_create_private(void)
{
	char dir[] = "/tmp/botsink-new-XXXXXX", path[PATH_MAX], other[PATH_MAX], buf[64];
	struct stat st;
	mode_t old = umask(022);
	FILE *f;
	int dfd;

	CHECK(mkdtemp(dir) != NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof(path), "%s/outputs.state.new", dir);
	snprintf(other, sizeof(other), "%s/outside", dir);
	f = create_private(dfd, "outputs.state.new");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	CHECK(!stat(path, &st) && (st.st_mode & 07777) == 0600);

	/* A stale one, hard-linked elsewhere: replaced, the other name keeps its text. */
	unlink(path);
	f = fopen(other, "w");
	CHECK(f && fputs("precious\n", f) >= 0);
	if (f)
		fclose(f);
	CHECK(!link(other, path));
	f = create_private(dfd, "outputs.state.new");
	CHECK(f != NULL);
	if (f) {
		fputs("new\n", f);
		fclose(f);
	}
	CHECK_STR(text_of(path, buf, sizeof(buf)), "new\n");
	CHECK_STR(text_of(other, buf, sizeof(buf)), "precious\n");
	CHECK(!stat(path, &st) && (st.st_mode & 07777) == 0600);

	/* A symbolic link: refused, its target untouched. */
	unlink(path);
	CHECK(!symlink(other, path));
	errno = 0;
	CHECK(create_private(dfd, "outputs.state.new") == NULL);
	CHECK_INT(errno, ELOOP);
	CHECK_STR(text_of(other, buf, sizeof(buf)), "precious\n");
	unlink(path);
	unlink(other);
	close(dfd);
	rmdir(dir);
	umask(old);
}

/* private_dir_open's answer for path: 0 opened (and closed), -1 refused (err says why). */
static int try_open(const char *path, bool create, char *err, size_t errlen)
{
	int fd = private_dir_open(path, "state directory", create, err, errlen);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void test_private_dir(void)
{
	char top[] = "/tmp/botsink-dir-XXXXXX", a[64], b[64], c[128], err[PATH_MAX + 256] = "",
	     want[512];
	struct stat st;
	int fd, probe;

	CHECK(mkdtemp(top) != NULL);
	snprintf(a, sizeof(a), "%s/state", top);
	/* Made 0700, whatever the umask; opened. */
	fd = private_dir_open(a, "state directory", true, err, sizeof(err));
	CHECK(fd >= 0);
	CHECK(!stat(a, &st) && (st.st_mode & 07777) == 0700);

	/* Held: the directory renamed away and another put in its place is not the one used. */
	snprintf(b, sizeof(b), "%s/state.old", top);
	CHECK(!rename(a, b));
	CHECK(!mkdir(a, 0700));
	probe = openat(fd, "probe", O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(probe >= 0);
	close(probe);
	close(fd);
	snprintf(c, sizeof(c), "%s/probe", b);
	CHECK(!access(c, F_OK));
	snprintf(c, sizeof(c), "%s/probe", a);
	CHECK(access(c, F_OK) && errno == ENOENT);
	snprintf(c, sizeof(c), "%s/probe", b);
	unlink(c);
	rmdir(b);

	/* A directory others can write to: refused. */
	CHECK(!chmod(a, 0770));
	CHECK_INT(try_open(a, false, err, sizeof(err)), -1);
	CHECK(strstr(err, "must be a directory of this user") != NULL);
	CHECK(!chmod(a, 0700));

	/* A parent others can write to: whoever can rename in it can swap the directory. */
	CHECK(!chmod(top, 0777));
	CHECK_INT(try_open(a, false, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "state directory %s: its parent %s is not safe", a, top);
	CHECK(!strncmp(err, want, strlen(want)));
	/* Sticky, as /tmp: no one renames what is not theirs. */
	CHECK(!chmod(top, 01777));
	CHECK_INT(try_open(a, false, err, sizeof(err)), 0);
	CHECK(!chmod(top, 0700));

	/* A parent of another user: refused. */
	snprintf(b, sizeof(b), "%s/theirs", top);
	snprintf(c, sizeof(c), "%s/theirs/state", top);
	CHECK(!mkdir(b, 0755) && !mkdir(c, 0700));
	CHECK(!chown(b, 65534, 65534));
	CHECK_INT(try_open(c, false, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "state directory %s: its parent %s is not safe (owner uid 65534",
		 c, b);
	CHECK(!strncmp(err, want, strlen(want)));
	rmdir(c);
	rmdir(b);

	/* A symbolic link in the path (as /var/run): the directory it names, checked. */
	snprintf(b, sizeof(b), "%s/link", top);
	CHECK(!symlink(a, b));
	CHECK_INT(try_open(b, false, err, sizeof(err)), 0);
	unlink(b);

	/* Not a directory; no path at all. */
	snprintf(b, sizeof(b), "%s/file", top);
	fclose(fopen(b, "w"));
	CHECK_INT(try_open(b, false, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "state directory %s: file is not a directory", b);
	CHECK_STR(err, want);
	unlink(b);
	CHECK_INT(try_open("", true, err, sizeof(err)), -1);
	CHECK_STR(err, "state directory: an empty path");

	/* Missing without create; and a missing parent is not made. */
	snprintf(b, sizeof(b), "%s/none", top);
	CHECK_INT(try_open(b, false, err, sizeof(err)), -1);
	snprintf(b, sizeof(b), "%s/none/state", top);
	CHECK_INT(try_open(b, true, err, sizeof(err)), -1);
	rmdir(a);
	rmdir(top);
}

int main(void)
{
	test_lock();
	test_private_dir();
	test_create_private();
	return unit_report("dir_lock");
}
