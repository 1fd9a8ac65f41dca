/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Diagnostics go to stderr; records never do. */
#ifndef BOTSINK_LOG_H
#define BOTSINK_LOG_H

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Route libbpf's and libxdp's own messages through log_msg. */
void log_route_libraries(void);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
