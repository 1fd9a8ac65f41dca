/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* JSON text, written into a strbuf. */
#ifndef BOTSINK_JSON_H
#define BOTSINK_JSON_H

#include "lib/strbuf.h"

/*
 * A JSON string literal, or null for NULL. Control characters are escaped;
 * bytes that are not valid UTF-8 become U+FFFD, so the output is always
 * valid JSON whatever a rule file contained.
 */
void json_put_string(struct strbuf *sb, const char *s);

#endif
