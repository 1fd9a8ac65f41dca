// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <malloc.h>
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

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;
	int err = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		if (!array_grow((void **)&buf, n + 4096 + 1, 1)) {
			err = ENOMEM;
			break;
		}
		got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got < 4096) {
			if (ferror(f))
				err = EIO;
			break;
		}
	}
	fclose(f);
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

uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int private_dir(const char *dir, const char *what, bool create, char *err, size_t errlen)
{
	struct stat st;

	if (create && mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s %s: %s", what, dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st)) {
		snprintf(err, errlen, "%s %s: %s", what, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(
			err, errlen,
			"%s %s must be a directory of this user that no one else can write to (mode %04o)",
			what, dir, (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}
