/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A reference base64 encoder (RFC 4648, padded), a byte at a time: what
 * the unit and fuzz tests hold sb_put_base64 to. out: (n + 2) / 3 * 4 + 1
 * bytes.
 */
#ifndef BOTSINK_TEST_BASE64_REF_H
#define BOTSINK_TEST_BASE64_REF_H

#include <stddef.h>
#include <stdint.h>

static inline void base64_ref(const uint8_t *p, size_t n, char *out)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t bits = 0;
	size_t nbits = 0, o = 0;

	for (size_t i = 0; i < n; i++) {
		bits = bits << 8 | p[i];
		nbits += 8;
		while (nbits >= 6) {
			nbits -= 6;
			out[o++] = abc[(bits >> nbits) & 63];
		}
	}
	if (nbits)
		out[o++] = abc[(bits << (6 - nbits)) & 63];
	while (o % 4)
		out[o++] = '=';
	out[o] = '\0';
}

#endif
