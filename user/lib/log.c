// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "lib/log.h"

static enum log_level current_level = LOG_INFO;
static bool libbpf_failures_expected;

static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warning",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
	current_level = level;
}

static void log_vmsg(enum log_level level, const char *prefix, const char *fmt, va_list ap)
{
	if (level > current_level)
		return;
	/* One line whole: the metrics server's thread logs too. */
	flockfile(stderr);
	fprintf(stderr, "botsink: %s: %s", level_names[level], prefix);
	vfprintf(stderr, fmt, ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
	funlockfile(stderr);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, "", fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	bool warn = level == LIBBPF_WARN && !libbpf_failures_expected;

	log_vmsg(warn ? LOG_WARN : LOG_DEBUG, "", fmt, ap);
	return 0;
}

void log_libbpf_expect_failures(bool expected)
{
	libbpf_failures_expected = expected;
}

/*
 * libxdp warns about what botsink handles itself (the multi-program
 * dispatcher cannot load here and it falls back to a single program).
 */
static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	log_vmsg(LOG_DEBUG, "", fmt, ap);
	return 0;
}

void log_route_libraries(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}
