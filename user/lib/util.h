/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef BOTSINK_UTIL_H
#define BOTSINK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
/* Whole file, NUL-terminated; NULL with errno set on failure. */
char *read_file(const char *path, size_t *len);
/*
 * A directory whose files are trusted (keys, control files): this user's,
 * and no one else may write to it; created 0700 first with `create`.
 * `what` names it in errors ("state directory"). 0, or -1 with a reason.
 */
int private_dir(const char *dir, const char *what, bool create, char *err, size_t errlen);
/* Clock `id` now, in ns. */
uint64_t clock_ns(clockid_t id);

#endif
