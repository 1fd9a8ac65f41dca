// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Messages of counts packed in LZ4 frames (pack.h). */
#include <errno.h>
#include <stdio.h>
#include <lz4frame.h>
#include "bus/pack.h"

int bus_pack(const char *in, size_t len, struct strbuf *out)
{
	/* The size in the frame: the reader knows the room it needs at once. */
	LZ4F_preferences_t prefs = { .frameInfo = { .contentSize = len } };
	size_t bound = LZ4F_compressFrameBound(len, &prefs), n;

	sb_reset(out);
	if (!sb_room(out, bound)) {
		errno = ENOMEM;
		return -1;
	}
	n = LZ4F_compressFrame(out->buf, bound, in, len, &prefs);
	if (LZ4F_isError(n)) {
		errno = ENOMEM; /* only a bound too small fails: not here */
		return -1;
	}
	sb_wrote(out, n);
	return 0;
}

int bus_unpack(const char *in, size_t len, struct strbuf *out, char *err, size_t errlen)
{
	LZ4F_dctx *d = NULL;
	LZ4F_frameInfo_t info;
	size_t used = len, want, ret = 0;
	const char *why = NULL;
	int err_no = EBADMSG;

	sb_reset(out);
	if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION))) {
		why = "no memory";
		err_no = ENOMEM;
		goto out;
	}
	ret = LZ4F_getFrameInfo(d, &info, in, &used);
	if (LZ4F_isError(ret)) {
		why = LZ4F_getErrorName(ret);
		goto out;
	}
	if (!info.contentSize || info.contentSize > BUS_UNPACKED_MAX) {
		why = info.contentSize ? "larger than any message of counts" : "no content size";
		goto out;
	}
	want = (size_t)info.contentSize;
	if (!sb_room(out, want + 1)) {
		why = "no memory";
		err_no = ENOMEM;
		goto out;
	}
	in += used;
	len -= used;
	while (len && ret) {
		size_t room = want - out->len, got = len;

		ret = LZ4F_decompress(d, out->buf + out->len, &room, in, &got, NULL);
		if (LZ4F_isError(ret)) {
			why = LZ4F_getErrorName(ret);
			goto out;
		}
		out->len += room;
		in += got;
		len -= got;
		if (!got && !room)
			break;
	}
	if (ret || out->len != want)
		why = "truncated";
	else if (len)
		why = "bytes after the frame";
out:
	LZ4F_freeDecompressionContext(d);
	if (why) {
		snprintf(err, errlen, "packed counts: %s", why);
		sb_reset(out);
		errno = err_no;
		return -1;
	}
	out->buf[out->len] = '\0';
	return 0;
}
