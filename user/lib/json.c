// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "lib/json.h"

/* What RFC 8259 requires escaped (quote, backslash, control characters), and DEL. */
static const struct text_escapes json_escapes = {
	.ascii = {
		['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n", ['\t'] = "\\t", ['\r'] = "\\r",
		[0x01] = "\\u0001", [0x02] = "\\u0002", [0x03] = "\\u0003", [0x04] = "\\u0004",
		[0x05] = "\\u0005", [0x06] = "\\u0006", [0x07] = "\\u0007", [0x08] = "\\u0008",
		[0x0b] = "\\u000b", [0x0c] = "\\u000c", [0x0e] = "\\u000e", [0x0f] = "\\u000f",
		[0x10] = "\\u0010", [0x11] = "\\u0011", [0x12] = "\\u0012", [0x13] = "\\u0013",
		[0x14] = "\\u0014", [0x15] = "\\u0015", [0x16] = "\\u0016", [0x17] = "\\u0017",
		[0x18] = "\\u0018", [0x19] = "\\u0019", [0x1a] = "\\u001a", [0x1b] = "\\u001b",
		[0x1c] = "\\u001c", [0x1d] = "\\u001d", [0x1e] = "\\u001e", [0x1f] = "\\u001f",
		[0x7f] = "\\u007f",
	},
	.invalid = "\\ufffd",
};

void json_put_text(struct strbuf *sb, const char *s)
{
	sb_put_text(sb, s, &json_escapes);
}

void json_put_string(struct strbuf *sb, const char *s)
{
	if (!s) {
		sb_lit(sb, "null");
		return;
	}
	sb_lit(sb, "\"");
	sb_put_text(sb, s, &json_escapes);
	sb_lit(sb, "\"");
}
