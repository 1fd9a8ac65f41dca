/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Diagnostics go to stderr; records never do. */
#ifndef BOTSINK_LOG_H
#define BOTSINK_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Route libbpf's and libxdp's own messages through log_msg. */
void log_route_libraries(void);
/*
 * While set, libbpf's warnings count as debug messages: libxdp probes its
 * dispatcher through libbpf and the failure it then handles is expected.
 */
void log_libbpf_expect_failures(bool expected);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
