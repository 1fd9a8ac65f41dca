/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The payload window and its buffers: the first BOTSINK_WINDOW payload
 * bytes copied into the per-CPU scratch space, an HTTP request line and
 * headers parsed from them, or a DNS question. The DNS name and the Host
 * value are copied out of the window, each after a '.' that dotprefix
 * views them with. Every index into the
 * scratch space is masked, so the verifier sees each access in bounds.
 */
#ifndef BOTSINK_PAYLOAD_BPF_H
#define BOTSINK_PAYLOAD_BPF_H

#include "botsink_abi.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "scratch.bpf.h"

/* ASCII A-Z to a-z in all eight bytes at once; other bytes unchanged. */
static __always_inline __u64 lower64(__u64 x)
{
	__u64 heptets = x & 0x7f7f7f7f7f7f7f7fULL;
	__u64 from_a = heptets + 0x3f3f3f3f3f3f3f3fULL; /* high bit: byte >= 'A' */
	__u64 past_z = heptets + 0x2525252525252525ULL; /* high bit: byte > 'Z' */
	__u64 upper = from_a & ~past_z & ~x & 0x8080808080808080ULL;

	return x | (upper >> 2);
}

/*
 * index & mask, done where the verifier sees it: clang drops a mask it can
 * prove redundant, and the verifier may not have tracked that proof.
 */
static __always_inline __u64 bound(__u64 index, const __u64 mask)
{
	asm volatile("%[i] &= %[m]" : [i] "+r"(index) : [m] "i"(mask));
	return index;
}

static __always_inline __u64 load64(const struct payload_state *st, __u32 index)
{
	return *(const __u64 *)&st->buf[bound(index, SCRATCH_MASK)];
}

#define ONES64 0x0101010101010101ULL
#define HIGHS64 0x8080808080808080ULL

/* 0x80 in each byte of x that equals c; the lowest such flag is exact. */
static __always_inline __u64 bytes_equal(__u64 x, __u8 c)
{
	x ^= ONES64 * c;
	return (x - ONES64) & ~x & HIGHS64;
}

/* The byte index (0-7) of the lowest flag in a non-zero bytes_equal() mask. */
static __always_inline __u32 first_flag(__u64 flags)
{
	__u64 low = flags & -flags;
	__u32 n = 0;

	if (low >> 32) {
		n += 4;
		low >>= 32;
	}
	if (low >> 16) {
		n += 2;
		low >>= 16;
	}
	if (low >> 8)
		n += 1;
	return n;
}

/* Does chunk c occur at buf[p]? The caller checked p + len is in its buffer. */
static __always_inline bool chunk_at(const struct payload_state *st, __u32 p,
				     const struct botsink_content *c)
{
	__u32 len = c->len;

#pragma unroll
	for (__u32 w = 0; w < BOTSINK_CONTENT_MAX / 8; w++) {
		__u64 a, b, mask = ~0ULL;

		if (w * 8 >= len)
			break;
		a = *(const __u64 *)&st->buf[bound(p, SCRATCH_MASK) + w * 8];
		b = *(const __u64 *)&c->bytes[w * 8];
		if (c->flags & BOTSINK_CONTENT_NOCASE)
			a = lower64(a);
		if (len - w * 8 < 8)
			mask = (1ULL << ((len - w * 8) * 8)) - 1;
		if ((a ^ b) & mask)
			return false;
	}
	return true;
}

static __always_inline void set_buffer(struct payload_state *st, __u32 b, __u32 lo, __u32 hi)
{
	b = bound(b, BOTSINK_BUF_COUNT - 1);
	st->lo[b] = lo;
	st->hi[b] = hi;
}

/* Copy the first payload bytes; every buffer but the payload starts empty. */
static __always_inline void load_window(struct xdp_md *ctx, struct payload_state *st,
					const struct packet *pkt)
{
	__u32 len = pkt->payload_len;

	st->ready |= READY_WINDOW;
	st->plen = len;
	__builtin_memset(st->lo, 0, sizeof(st->lo) + sizeof(st->hi));
	if (len > BOTSINK_WINDOW)
		len = BOTSINK_WINDOW;
	if (len == 0 || bpf_xdp_load_bytes(ctx, pkt->payload_off, st->buf, len))
		len = 0;
	st->wlen = len;
	set_buffer(st, BOTSINK_BUF_PAYLOAD, 0, len);
}

/* ---- HTTP ---- */

enum http_phase {
	HTTP_METHOD = 0,
	HTTP_URI,
	HTTP_VERSION,
	HTTP_LINE_START,
	HTTP_LINE,
	HTTP_DONE,
};

enum http_header_kind {
	HEADER_OTHER = 0,
	HEADER_HOST,
	HEADER_USER_AGENT,
	HEADER_REFERER, /* for evidence only: no rule buffer */
};

/*
 * The walk's state is in the scratch space: h_phase, h_mark (start of the
 * URI, the version, or a header value), h_kind (enum http_header_kind of
 * the current line), h_colon (Host: where the port starts, or 0).
 */
struct walk {
	struct payload_state *st;
};

#define LE_HTTP_SLASH 0x2f50545448ULL /* "HTTP/" */
#define LE_HOST 0x3a74736f68ULL /* "host:" */
#define LE_USER_AGE 0x6567612d72657375ULL /* "user-age" */
#define LE_NT_COLON 0x3a746eULL /* "nt:" */
#define LE_REFERER 0x3a72657265666572ULL /* "referer:" */

static __always_inline __u32 header_kind(const struct payload_state *st, __u32 i, __u32 *value)
{
	__u64 head = lower64(load64(st, i));

	if (i + 5 <= st->wlen && (head & 0xffffffffffULL) == LE_HOST) {
		*value = i + 5;
		return HEADER_HOST;
	}
	if (i + 11 <= st->wlen && head == LE_USER_AGE &&
	    (lower64(load64(st, i + 8)) & 0xffffff) == LE_NT_COLON) {
		*value = i + 11;
		return HEADER_USER_AGENT;
	}
	if (i + 8 <= st->wlen && head == LE_REFERER) {
		*value = i + 8;
		return HEADER_REFERER;
	}
	return HEADER_OTHER;
}

static __always_inline void end_header_line(struct payload_state *st, __u32 i)
{
	__u32 end = i;

	if (i > 0 && st->buf[bound(i - 1, WINDOW_MASK)] == '\r')
		end--;
	if (end < st->h_mark)
		end = st->h_mark;
	if (st->h_kind == HEADER_HOST) {
		set_buffer(st, BOTSINK_BUF_HTTP_HOST, SCRATCH_HOST,
			   SCRATCH_HOST + (st->h_colon ? st->h_colon : end) - st->h_mark);
		st->e_host_lo = st->h_mark;
		st->e_host_hi = end;
	} else if (st->h_kind == HEADER_REFERER) {
		st->e_ref_lo = st->h_mark;
		st->e_ref_hi = end;
	} else if (st->h_kind == HEADER_USER_AGENT)
		set_buffer(st, BOTSINK_BUF_HTTP_USER_AGENT, st->h_mark, end);
	st->h_kind = HEADER_OTHER;
	st->h_colon = 0;
	st->h_phase = HTTP_LINE_START;
}

static __always_inline long http_header_byte(struct payload_state *st, __u32 i, __u8 c)
{
	if (st->h_phase == HTTP_LINE_START) {
		if (c == '\r' || c == '\n') {
			__u32 body = i + (c == '\r' ? 2 : 1);

			st->hi[BOTSINK_BUF_HTTP_HEADER] = i;
			if (body > st->wlen)
				body = st->wlen;
			set_buffer(st, BOTSINK_BUF_HTTP_BODY, body, st->wlen);
			st->h_phase = HTTP_DONE;
			return 1;
		}
		st->h_kind = header_kind(st, i, &st->h_mark);
		st->h_phase = HTTP_LINE;
		return 0;
	}
	/* The Host value is copied out, after a '.' for dotprefix. */
	if (st->h_kind == HEADER_HOST && i >= st->h_mark)
		st->buf[SCRATCH_HOST + bound(i - st->h_mark, SCRATCH_HOST_MASK)] = c;
	if (st->h_kind && i == st->h_mark && (c == ' ' || c == '\t'))
		st->h_mark++;
	else if (c == ':' && st->h_kind == HEADER_HOST && !st->h_colon && i > st->h_mark)
		st->h_colon = i;
	else if (c == '\n')
		end_header_line(st, i);
	return 0;
}

/* One byte of the request line or headers; returns 1 to stop. */
/*
 * Where the walk must look next: in a URI only at ' ', CR and LF, in the
 * version and in headers other than Host and User-Agent only at LF, so up
 * to 8 bytes are passed over at once. Returns the position, or the first
 * one past the 8 bytes looked at.
 */
static __always_inline __u32 http_next(const struct payload_state *st, __u32 i)
{
	__u64 word = load64(st, i), flags;

	if (st->h_phase == HTTP_URI)
		flags = bytes_equal(word, ' ') | bytes_equal(word, '\r') | bytes_equal(word, '\n');
	else if (st->h_phase == HTTP_VERSION ||
		 (st->h_phase == HTTP_LINE && st->h_kind == HEADER_OTHER))
		flags = bytes_equal(word, '\n');
	else
		return i;
	return flags ? i + first_flag(flags) : i + 8;
}

static long http_step(__u64 index, void *arg)
{
	struct payload_state *st = ((struct walk *)arg)->st;
	__u32 i = st->h_pos, next;
	__u8 c;

	(void)index;
	if (i >= st->wlen || i >= BOTSINK_WINDOW)
		return 1;
	next = http_next(st, i);
	if (next >= i + 8) {
		st->h_pos = i + 8; /* nothing to look at in these 8 bytes */
		return 0;
	}
	i = next;
	if (i >= st->wlen || i >= BOTSINK_WINDOW)
		return 1;
	st->h_pos = i + 1;
	c = st->buf[bound(i, WINDOW_MASK)];
	switch (st->h_phase) {
	case HTTP_METHOD:
		if (c == ' ' && i > 0) {
			set_buffer(st, BOTSINK_BUF_HTTP_METHOD, 0, i);
			st->h_phase = HTTP_URI;
			st->h_mark = i + 1;
			return 0;
		}
		return c < 'A' || c > 'Z' || i >= HTTP_METHOD_MAX;
	case HTTP_URI:
		if (c == ' ' && i > st->h_mark) {
			set_buffer(st, BOTSINK_BUF_HTTP_URI, st->h_mark, i);
			st->h_phase = HTTP_VERSION;
			st->h_mark = i + 1;
			return 0;
		}
		return c == ' ' || c == '\r' || c == '\n';
	case HTTP_VERSION:
		if (c != '\n')
			return 0;
		if (i < st->h_mark + 5 ||
		    (load64(st, st->h_mark) & 0xffffffffffULL) != LE_HTTP_SLASH)
			return 1;
		st->lo[BOTSINK_BUF_HTTP_HEADER] = i + 1;
		st->hi[BOTSINK_BUF_HTTP_HEADER] = i + 1;
		st->h_phase = HTTP_LINE_START;
		return 0;
	default:
		return http_header_byte(st, i, c);
	}
}

/*
 * A segment that starts with a complete request line ("METHOD URI
 * HTTP/x"). Headers cut by the end of the window end there; the body is
 * what follows the blank line inside the window.
 */
static __always_inline void parse_http(struct payload_state *st)
{
	struct walk w = { .st = st };

	st->ready |= READY_HTTP;
	st->h_phase = HTTP_METHOD;
	st->h_pos = 0;
	st->h_mark = 0;
	st->h_kind = HEADER_OTHER;
	st->h_colon = 0;
	st->e_host_lo = st->e_host_hi = st->e_ref_lo = st->e_ref_hi = 0;
	st->buf[SCRATCH_HOST - 1] = '.';
	bpf_loop(BOTSINK_WINDOW, http_step, &w, 0);
	st->http_ok = st->h_phase >= HTTP_LINE_START;
	if (!st->http_ok) {
		__builtin_memset(st->lo, 0, sizeof(st->lo) + sizeof(st->hi));
		set_buffer(st, BOTSINK_BUF_PAYLOAD, 0, st->wlen);
	} else if (st->h_phase != HTTP_DONE) {
		st->hi[BOTSINK_BUF_HTTP_HEADER] = st->wlen;
	}
}

/* ---- DNS ---- */

/*
 * State in the scratch space: d_label_left (bytes of the current label
 * still to copy), d_out (dotted name length so far), d_end (wire offset
 * after the name, once complete), d_malformed.
 */
static long dns_name_step(__u64 index, void *arg)
{
	struct payload_state *st = ((struct walk *)arg)->st;
	__u32 p = DNS_HEADER_LEN + (__u32)index;
	__u8 c;

	if (p >= st->wlen || st->d_out > DNS_NAME_MAX) {
		st->d_malformed = 1;
		return 1;
	}
	c = st->buf[bound(p, WINDOW_MASK)];
	if (st->d_label_left) {
		st->buf[SCRATCH_DNS + bound(st->d_out, 0xff)] = c;
		st->d_out++;
		st->d_label_left--;
		return 0;
	}
	if (c == 0) {
		st->d_end = p + 1;
		return 1;
	}
	/* A compression pointer (or a reserved label type) in a question. */
	if (c & 0xc0) {
		st->d_malformed = 1;
		return 1;
	}
	if (st->d_out) {
		st->buf[SCRATCH_DNS + bound(st->d_out, 0xff)] = '.';
		st->d_out++;
	}
	st->d_label_left = c;
	return 0;
}

/* A UDP DNS query (QR 0, at least one question): its first question. */
static __always_inline void parse_dns(struct payload_state *st)
{
	struct walk w = { .st = st };
	__u32 qdcount, end;

	st->ready |= READY_DNS;
	st->dns = DNS_NONE;
	if (st->wlen < DNS_HEADER_LEN)
		return;
	qdcount = (__u32)st->buf[4] << 8 | st->buf[5];
	if ((st->buf[2] & 0x80) || qdcount == 0)
		return;
	st->d_label_left = 0;
	st->d_out = 0;
	st->d_end = 0;
	st->d_malformed = 0;
	st->buf[SCRATCH_DNS - 1] = '.'; /* dotprefix */
	bpf_loop(DNS_WIRE_MAX + 1, dns_name_step, &w, 0);
	end = st->d_end;
	if (st->d_malformed || !end || st->d_out > DNS_NAME_MAX || end + 2 > st->wlen) {
		st->dns = DNS_MALFORMED;
		return;
	}
	st->dns = DNS_OK;
	st->dns_qtype =
		(__u32)st->buf[bound(end, WINDOW_MASK)] << 8 | st->buf[bound(end + 1, WINDOW_MASK)];
	set_buffer(st, BOTSINK_BUF_DNS_QUERY, SCRATCH_DNS, SCRATCH_DNS + st->d_out);
}

/* One byte of the name, from its end; at each dot, the names below that. */
static long domain_step(__u64 index, void *arg)
{
	struct payload_state *st = ((struct walk *)arg)->st;
	__u32 i = st->d_len - 1 - (__u32)index;
	__u8 c = st->buf[SCRATCH_DNS + bound(i, 0xff)];
	struct botsink_domain_value *v;
	struct botsink_domain_key key;

	botsink_domain_fold(&st->d_key, c);
	if (c == '.') {
		key = st->d_key;
		v = bpf_map_lookup_elem(&botsink_domains, &key);
		if (v)
			st->d_lists |= v->lists;
	}
	return 0;
}

/* The domain lists that hold the query name: by itself or under a suffix. */
static __always_inline void lookup_domain(struct payload_state *st)
{
	struct walk w = { .st = st };
	struct botsink_domain_value *v;
	struct botsink_domain_key key;
	__u32 len;

	st->ready |= READY_DOMAIN;
	st->domain_lists = 0;
	if (st->dns != DNS_OK)
		return;
	len = st->hi[BOTSINK_BUF_DNS_QUERY] - st->lo[BOTSINK_BUF_DNS_QUERY];
	if (len == 0 || len > DNS_NAME_MAX)
		return;
	st->d_len = len;
	st->d_lists = 0;
	botsink_domain_seed(&st->d_key, st->ruleset);
	bpf_loop(len, domain_step, &w, 0);
	key = st->d_key;
	v = bpf_map_lookup_elem(&botsink_domains, &key);
	st->domain_lists = st->d_lists | (v ? v->lists : 0);
}

#endif /* BOTSINK_PAYLOAD_BPF_H */
