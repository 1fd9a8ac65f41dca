/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A minimal test harness: CHECK records a failure and carries on. */
#ifndef BOTSINK_UNIT_H
#define BOTSINK_UNIT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failures;
static int unit_checks;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		unit_checks++;                                                                   \
		if (!(cond)) {                                                                   \
			unit_failures++;                                                         \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                                \
	} while (0)

#define CHECK_STR(a, b)                                                                  \
	do {                                                                             \
		const char *_a = (a), *_b = (b);                                         \
		unit_checks++;                                                           \
		if (!_a || !_b || strcmp(_a, _b)) {                                      \
			unit_failures++;                                                 \
			fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
				_a ? _a : "(null)", _b ? _b : "(null)");                 \
		}                                                                        \
	} while (0)

#define CHECK_INT(a, b)                                                                           \
	do {                                                                                      \
		long long _a = (long long)(a), _b = (long long)(b);                               \
		unit_checks++;                                                                    \
		if (_a != _b) {                                                                   \
			unit_failures++;                                                          \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, \
				#a, _a, _b);                                                      \
		}                                                                                 \
	} while (0)

/* CHECK(pred(obj, key)) for each key (strings) in turn: a check each. */
#define CHECK_EACH(pred, obj, ...)                                                                 \
	do {                                                                                       \
		static const char *const _keys[] = { __VA_ARGS__ };                                \
		for (size_t _i = 0; _i < sizeof(_keys) / sizeof(_keys[0]); _i++) {                 \
			unit_checks++;                                                             \
			if (!pred(obj, _keys[_i])) {                                               \
				unit_failures++;                                                   \
				fprintf(stderr, "%s:%d: check failed: %s(%s, \"%s\")\n", __FILE__, \
					__LINE__, #pred, #obj, _keys[_i]);                         \
			}                                                                          \
		}                                                                                  \
	} while (0)

/* Appends printf-style text to the string in buf (size bytes), cut short where it does not fit. */
static inline void unit_append(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void unit_append(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

/* The lines of a test's output. */
static inline size_t count_lines(const char *text)
{
	size_t n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

static inline int unit_report(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, unit_checks, unit_failures);
	return unit_failures ? 1 : 0;
}

typedef void (*unit_fn)(void);

/*
 * Runs a test program: makes the temporary directory tmp_dir (a mkdtemp template, or NULL: none),
 * calls setup, the tests in order (a list ending with NULL) and teardown (either NULL: none), then
 * reports. main's exit status; 1 as well when the directory could not be made.
 */
static inline int unit_run(const char *name, char *tmp_dir, unit_fn setup, const unit_fn *tests,
			   unit_fn teardown)
{
	if (tmp_dir && !mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 1;
	}
	if (setup)
		setup();
	for (; *tests; tests++)
		(*tests)();
	if (teardown)
		teardown();
	return unit_report(name);
}

#endif
