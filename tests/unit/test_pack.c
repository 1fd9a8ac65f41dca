// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Messages of counts packed and unpacked (bus/pack.h), good and hostile. */
#include <errno.h>
#include <lz4frame.h>
#include "bus/pack.h"
#include "unit.h"

/* n counts-like lines: the labels repeat, the addresses and ids do not. */
static void lines(struct strbuf *sb, int n)
{
	sb_reset(sb);
	for (int i = 0; i < n; i++)
		sb_printf(
			sb,
			"C1\ta:00000000000000aa:7:%d\ta\t1796643158910051501\t1796643158150051%03d\t"
			"1796643158150051501\t10.%d.%d.%d\t-\t6\t203.0.113.10\t80\t1000001\tzeus\t"
			"Zeus gate check-in\t\\N\t2\t108\t2\t2\t2\t0\t0\n",
			i, i % 1000, i >> 16 & 255, i >> 8 & 255, i & 255);
}

static void test_round_trip(void)
{
	struct strbuf in = { 0 }, packed = { 0 }, out = { 0 };
	char err[160];

	for (int n = 1; n <= 1000; n *= 10) {
		lines(&in, n);
		CHECK(!bus_pack(in.buf, in.len, &packed));
		CHECK(!bus_unpack(packed.buf, packed.len, &out, err, sizeof(err)));
		CHECK_INT(out.len, in.len);
		CHECK(out.len == in.len && !memcmp(out.buf, in.buf, in.len));
		CHECK(out.cap > out.len + 1); /* a byte to spare after it, and the NUL */
	}
	/* 1,000 lines: well under a third of their size. */
	CHECK(packed.len * 3 < in.len);
	sb_free(&in);
	sb_free(&packed);
	sb_free(&out);
}

/* Each broken frame: refused with a reason, out left empty. */
static void expect_refused(const char *what, const char *data, size_t len, const char *reason)
{
	struct strbuf out = { 0 };
	char err[160] = "";

	CHECK(bus_unpack(data, len, &out, err, sizeof(err)) == -1);
	CHECK_INT(errno, EBADMSG); /* never will: skipped, not tried again */
	CHECK_INT(out.len, 0);
	if (!strstr(err, reason))
		fprintf(stderr, "%s: '%s' lacks '%s'\n", what, err, reason);
	CHECK(strstr(err, reason) != NULL);
	sb_free(&out);
}

static void test_hostile(void)
{
	struct strbuf in = { 0 }, packed = { 0 }, big = { 0 };
	LZ4F_preferences_t none = { 0 };
	char *copy;

	lines(&in, 100);
	CHECK(!bus_pack(in.buf, in.len, &packed));
	expect_refused("empty", "", 0, "packed counts:");
	expect_refused("plain lines", in.buf, in.len, "packed counts:");
	expect_refused("cut in half", packed.buf, packed.len / 2, "truncated");
	copy = malloc(packed.len + 4);
	memcpy(copy, packed.buf, packed.len);
	memcpy(copy + packed.len, "junk", 4);
	expect_refused("bytes after the frame", copy, packed.len + 4, "after the frame");
	/* A flipped byte in the middle: the checksum-less frame still fails or differs; never overflows. */
	copy[packed.len / 2] ^= 0x55;
	{
		struct strbuf out = { 0 };
		char err[160];
		int r = bus_unpack(copy, packed.len, &out, err, sizeof(err));

		CHECK(r == -1 || out.len == in.len);
		sb_free(&out);
	}
	free(copy);
	/* A frame without its content size: refused, not guessed. */
	sb_reset(&big);
	sb_room(&big, LZ4F_compressFrameBound(in.len, &none));
	big.len = LZ4F_compressFrame(big.buf, big.cap, in.buf, in.len, &none);
	CHECK(!LZ4F_isError(big.len));
	expect_refused("no content size", big.buf, big.len, "no content size");
	/* One that says it holds more than any message: refused before allocating it. */
	{
		LZ4F_preferences_t huge = { .frameInfo = { .contentSize =
								   BUS_UNPACKED_MAX + 1ull } };
		char hdr[LZ4F_HEADER_SIZE_MAX];
		LZ4F_cctx *c = NULL;
		size_t n;

		CHECK(!LZ4F_isError(LZ4F_createCompressionContext(&c, LZ4F_VERSION)));
		n = LZ4F_compressBegin(c, hdr, sizeof(hdr), &huge);
		CHECK(!LZ4F_isError(n));
		expect_refused("a content size past the bound", hdr, n, "larger than any");
		LZ4F_freeCompressionContext(c);
	}
	sb_free(&in);
	sb_free(&packed);
	sb_free(&big);
}

int main(void)
{
	test_round_trip();
	test_hostile();
	return unit_report("pack");
}
