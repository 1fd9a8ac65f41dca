/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef BOTSINK_UTIL_H
#define BOTSINK_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h> /* clockid_t */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* A macro's value as a string literal: STRINGIFY(MAX) is "16777216". */
#define STRINGIFY(x) STRINGIFY_(x)
#define STRINGIFY_(x) #x

/* Exit codes: what a caller can rely on. */
enum exit_code {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1, /* something failed while running */
	EXIT_USAGE = 2, /* bad command line, configuration or input file */
};

/*
 * Make room for `need` elements in a heap array, growing geometrically.
 * Returns false (the array untouched) when out of memory.
 */
bool array_grow(void **arr, size_t need, size_t elem_size);
/* What the trims below take off: blanks only, or all of isspace() (the C locale's). */
#define BLANKS " \t"
#define WHITESPACE " \t\n\v\f\r"
/* s without leading and trailing bytes of `set`, in place: a pointer into s. */
char *str_trim(char *s, const char *set);
/* Copy of text[0..len) without leading and trailing WHITESPACE. */
char *strndup_trim(const char *text, size_t len);
void str_lower(char *s);
/*
 * An error message fit for a terminal, malloc'd (NULL: out of memory):
 * bytes other than printable ASCII as \xNN, and each word (run of
 * non-blanks) longer than TOKEN_SHOW_MAX bytes cut to its first
 * TOKEN_SHOW_MAX, then " ... (N bytes)", so that a hostile file cannot
 * flood the screen with one token or hide what it holds. Long enough for
 * a path named in a message.
 */
#define TOKEN_SHOW_MAX 128
char *str_printable(const char *s);
/* vasprintf, then str_printable: for messages that quote a file's text. */
char *vformat_printable(const char *fmt, va_list ap);
/*
 * What read_file reads at most: README "Hostile rule files". A bigger
 * file is refused rather than read until memory runs out.
 */
#define RULES_FILE_MAX (64u << 20)
#define DOMAIN_LIST_MAX (64u << 20)
#define CONFIG_FILE_MAX (16u << 20) /* partners files, PEM certificates and keys */
/*
 * A whole regular file of at most `max` bytes, NUL-terminated (*len: its
 * length, which a NUL byte inside it does not end). NULL with errno set on
 * failure: EISDIR a directory, ENODEV a FIFO, device or socket (refused
 * before reading: it may never end), EFBIG over `max`.
 */
char *read_file(const char *path, size_t max, size_t *len);
/* 3 when text starts with a UTF-8 byte order mark (editors write one), else 0. */
size_t utf8_bom_len(const char *text, size_t len);
/* read_file's errno as "is a directory", "larger than the cap of 64 MiB", ... */
const char *read_file_strerror(int err, size_t max, char *buf, size_t buflen);
/*
 * A directory whose files are trusted (state, keys, control files), opened
 * (O_RDONLY): this user's, no one else may write to it, and neither can
 * anyone else rename or replace a directory above it (each parent up to /
 * is root's or this user's and writable by no one else, or sticky, as sshd
 * checks); created 0700 first with `create`. Its files are then reached
 * through the fd (openat): a directory swapped in later under its name is
 * never used. `what` names it in errors ("state directory"). The fd, or
 * -1 with a reason.
 */
int private_dir_open(const char *dir, const char *what, bool create, char *err, size_t errlen);
/*
 * NAME in the held directory dirfd (shown in errors as `what shown`) is a
 * private directory as private_dir_open requires, not a link: 0, or -1
 * with a reason. Held directories are this user's alone, so it stays so.
 */
int private_subdir_check(int dirfd, const char *name, const char *what, const char *shown,
			 char *err, size_t errlen);
/*
 * A state file's new version, for a write renamed into place: created
 * 0600, write-only. One left by a write that died is replaced; a symbolic
 * link there is refused (ELOOP), never followed: it would write, or cut,
 * a file elsewhere. NULL with errno.
 */
FILE *create_private(int dirfd, const char *name);
/*
 * A whole state file (n bytes of text) in dirfd: written to NAME.new
 * (create_private), synced first if sync, then renamed over NAME, so a
 * reader sees the old file or the new one, never a part. 0, or -1 with
 * errno (NAME.new removed).
 */
int write_private_file(int dirfd, const char *name, const char *text, size_t n, bool sync);
/*
 * One process per directory: a POSIX lock (its holder's pid can be asked
 * for) on NAME in dirfd (DIR in messages), this process's pid written inside; taken before any
 * other file there is read or written. The process must not open NAME
 * again: closing any fd of the file lets a POSIX lock go. 0 with *fd holding it; -1 with a
 * reason; -2 with a reason naming the holder when another process has it.
 */
int dir_lock(int dirfd, const char *dir, const char *name, const char *what, int *fd, char *err,
	     size_t errlen);
/*
 * The pid of the process holding dir_lock's lock on fd's file (any fd of
 * it); 0 when none does (a file left by a run that is gone), or it is
 * in a PID namespace not visible from here.
 */
long lock_holder(int fd);
/* The lock file removed and let go; fd -1: nothing. */
void dir_unlock(int dirfd, const char *name, int fd);
/* Clock `id` now, in ns. */
uint64_t clock_ns(clockid_t id);
/*
 * Fault injection for the crash tests: BOTSINK_FAILPOINT names the point
 * where the process kills itself (SIGKILL, nothing flushed).
 */
bool failpoint_armed(const char *name);
void failpoint(const char *name); /* SIGKILL when armed */

#endif
