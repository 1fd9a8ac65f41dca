// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: messages of counts packed and unpacked (bus/pack.h),
 * which a hub unpacks from what arrives on the bus. The first byte picks:
 * even, the rest is text that, packed, unpacks to itself; odd, the rest
 * is a frame that unpacks or is refused, never overflowing, and what
 * unpacks packs and unpacks to itself again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bus/pack.h"

static void round_trip(const char *in, size_t len)
{
	struct strbuf packed = { 0 }, out = { 0 };
	char err[160];

	if (bus_pack(in, len, &packed))
		abort();
	if (bus_unpack(packed.buf, packed.len, &out, err, sizeof(err)) ?
		    len != 0 :
		    out.len != len || memcmp(out.buf, in, len))
		abort(); /* empty text has no content size: refused, nothing lost */
	sb_free(&packed);
	sb_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = { 0 };
	char err[160];

	if (!size)
		return 0;
	if (!(data[0] & 1)) {
		round_trip((const char *)data + 1, size - 1);
		return 0;
	}
	if (!bus_unpack((const char *)data + 1, size - 1, &out, err, sizeof(err)))
		round_trip(out.buf, out.len);
	else if (out.len || !strstr(err, "packed counts: "))
		abort();
	sb_free(&out);
	return 0;
}
