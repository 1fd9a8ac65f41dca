// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "lib/keywords.h"

int keyword_parse(const struct keyword *kw, const char *text, int *value)
{
	for (; kw->name; kw++) {
		if (!strcmp(kw->name, text)) {
			*value = kw->value;
			return 0;
		}
	}
	return -1;
}

const char *keyword_name(const struct keyword *kw, int value, const char *fallback)
{
	for (; kw->name; kw++)
		if (kw->value == value)
			return kw->name;
	return fallback;
}

const char *keyword_list(const struct keyword *kw, const char *sep, const char *last, char *buf,
			 size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; kw[i].name && used < len; i++) {
		const char *join = !i ? "" : !last ? sep : kw[i + 1].name ? ", " : last;
		int n = snprintf(buf + used, len - used, "%s%s", join, kw[i].name);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}
