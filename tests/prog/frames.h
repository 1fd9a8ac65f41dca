/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A small frame builder for BPF_PROG_TEST_RUN tests and the benchmark.
 *
 * Layers are appended in wire order into a caller buffer:
 *
 *	uint8_t buf[FRAME_MAX];
 *	struct frame f;
 *
 *	frame_init(&f, buf, sizeof(buf));
 *	frame_eth(&f);
 *	frame_vlan(&f, ETH_P_8021Q, 100);
 *	frame_ipv4(&f, "198.51.100.7", "203.0.113.10");
 *	frame_tcp(&f, 40000, 80, TH_SYN);
 *
 * Each layer writes its own type into the previous layer's type field
 * (ethertype, IP protocol, IPv6 next header), and after every call the
 * IPv4 total length and header checksum, the IPv6 payload length, the UDP
 * length and the TCP/UDP/ICMP/ICMPv6 checksums are recomputed. To build a
 * broken frame, change fields after the last append (frame_put8/16/32 at
 * the offsets below).
 *
 * No allocation; when the buffer is too small the frame is marked
 * overflowed (frame_ok() is false) and stops growing.
 */
#ifndef BOTSINK_FRAMES_H
#define BOTSINK_FRAMES_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FRAME_MAX 3072 /* BPF_PROG_TEST_RUN takes up to ~3.5 KiB linear XDP data */
#define FRAME_ETH_MIN 60 /* shortest Ethernet frame without the FCS */

#define FR_ETH_P_IP 0x0800
#define FR_ETH_P_ARP 0x0806
#define FR_ETH_P_8021Q 0x8100
#define FR_ETH_P_8021AD 0x88A8
#define FR_ETH_P_IPV6 0x86DD
#define FR_ETH_P_LLDP 0x88CC

#define FR_IPPROTO_HOPOPTS 0
#define FR_IPPROTO_ICMP 1
#define FR_IPPROTO_TCP 6
#define FR_IPPROTO_UDP 17
#define FR_IPPROTO_ROUTING 43
#define FR_IPPROTO_FRAGMENT 44
#define FR_IPPROTO_GRE 47
#define FR_IPPROTO_ICMPV6 58
#define FR_IPPROTO_NONE 59
#define FR_IPPROTO_DSTOPTS 60

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

#define FR_IP_DF 0x4000
#define FR_IP_MF 0x2000

/* Header sizes and field offsets, from the start of each header. */
#define ETH_LEN 14
#define ETH_OFF_TYPE 12
#define VLAN_LEN 4
#define ARP_LEN 28
#define IP4_LEN 20
#define IP4_OFF_VER_IHL 0
#define IP4_OFF_TOT_LEN 2
#define IP4_OFF_FRAG 6
#define IP4_OFF_PROTO 9
#define IP4_OFF_CSUM 10
#define IP4_OFF_SADDR 12
#define IP4_OFF_DADDR 16
#define IP6_LEN 40
#define IP6_OFF_VER 0
#define IP6_OFF_PLEN 4
#define IP6_OFF_NEXT 6
#define IP6_OFF_SADDR 8
#define IP6_OFF_DADDR 24
#define IP6_EXT_OFF_LEN 1
#define IP6_FRAG_LEN 8
#define TCP_LEN 20
#define TCP_OFF_SPORT 0
#define TCP_OFF_DPORT 2
#define TCP_OFF_DOFF 12
#define TCP_OFF_FLAGS 13
#define TCP_OFF_CSUM 16
#define UDP_LEN 8
#define UDP_OFF_LEN 4
#define UDP_OFF_CSUM 6
#define ICMP_LEN 8
#define ICMP_OFF_CSUM 2

/* Options of a Linux SYN: MSS 1460, SACK permitted, timestamps, window scale 7. */
static const uint8_t frame_syn_options[20] = {
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x6b, 0x2c,
	0x31, 0x77, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

enum frame_type_field {
	FRAME_TYPE_NONE = 0,
	FRAME_TYPE_ETHER, /* 16-bit ethertype */
	FRAME_TYPE_IP, /* 8-bit IP protocol / IPv6 next header */
};

struct frame {
	uint8_t *buf;
	size_t cap;
	size_t len;
	size_t end; /* end of the IP packet once padded; 0: len */
	size_t type_at; /* the type field the next layer fills in */
	enum frame_type_field type_kind;
	size_t l3, l4; /* header offsets; 0: absent */
	uint8_t ip_version; /* 4, 6 or 0 */
	uint8_t l4_proto;
	uint16_t sport, dport; /* of the last TCP/UDP header */
	uint8_t tcp_flags;
	bool overflow;
};

static inline void frame_put8(struct frame *f, size_t off, uint8_t v)
{
	if (off < f->len)
		f->buf[off] = v;
}

static inline void frame_put16(struct frame *f, size_t off, uint16_t v)
{
	frame_put8(f, off, (uint8_t)(v >> 8));
	frame_put8(f, off + 1, (uint8_t)v);
}

static inline void frame_put32(struct frame *f, size_t off, uint32_t v)
{
	frame_put16(f, off, (uint16_t)(v >> 16));
	frame_put16(f, off + 2, (uint16_t)v);
}

static inline uint16_t frame_get16(const struct frame *f, size_t off)
{
	return (uint16_t)(f->buf[off] << 8 | f->buf[off + 1]);
}

static inline void frame_init(struct frame *f, void *buf, size_t cap)
{
	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->cap = cap;
}

static inline bool frame_ok(const struct frame *f)
{
	return !f->overflow;
}

/* Append n zero bytes; returns their offset, or 0 when out of room. */
static inline size_t frame_grow(struct frame *f, size_t n)
{
	size_t off = f->len;

	if (f->overflow || f->end || f->len + n > f->cap) {
		f->overflow = true;
		return 0;
	}
	memset(f->buf + off, 0, n);
	f->len += n;
	return off;
}

/* ---- checksums and lengths ---- */

static inline uint32_t frame_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

static inline uint16_t frame_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The IPv4 or IPv6 pseudo-header sum for an upper-layer length. */
static inline uint32_t frame_pseudo_sum(const struct frame *f, uint8_t proto, size_t len)
{
	const uint8_t *ip = f->buf + f->l3;
	uint32_t sum = proto;

	if (f->ip_version == 4)
		return frame_sum(sum + (uint32_t)len, ip + IP4_OFF_SADDR, 8);
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	return frame_sum(sum, ip + IP6_OFF_SADDR, 32);
}

static inline void frame_ipv4_checksum(struct frame *f)
{
	size_t hlen = (size_t)(f->buf[f->l3] & 0x0f) * 4;

	if (hlen < IP4_LEN || f->l3 + hlen > f->len)
		hlen = IP4_LEN;
	frame_put16(f, f->l3 + IP4_OFF_CSUM, 0);
	frame_put16(f, f->l3 + IP4_OFF_CSUM, frame_fold(frame_sum(0, f->buf + f->l3, hlen)));
}

static inline void frame_l4_checksum(struct frame *f, size_t end)
{
	size_t at, len = end - f->l4;
	uint16_t csum;

	switch (f->l4_proto) {
	case FR_IPPROTO_TCP:
		at = TCP_OFF_CSUM;
		break;
	case FR_IPPROTO_UDP:
		at = UDP_OFF_CSUM;
		break;
	case FR_IPPROTO_ICMP:
	case FR_IPPROTO_ICMPV6:
		at = ICMP_OFF_CSUM;
		break;
	default:
		return;
	}
	if (len < at + 2)
		return;
	frame_put16(f, f->l4 + at, 0);
	csum = frame_fold(frame_sum(
		f->l4_proto == FR_IPPROTO_ICMP ? 0 : frame_pseudo_sum(f, f->l4_proto, len),
		f->buf + f->l4, len));
	if (!csum && f->l4_proto == FR_IPPROTO_UDP)
		csum = 0xffff;
	frame_put16(f, f->l4 + at, csum);
}

/* Recompute every length and checksum from the bytes appended so far. */
static inline void frame_fixup(struct frame *f)
{
	size_t end = f->end ? f->end : f->len;

	if (!f->l3 || f->overflow)
		return;
	if (f->ip_version == 4)
		frame_put16(f, f->l3 + IP4_OFF_TOT_LEN, (uint16_t)(end - f->l3));
	else
		frame_put16(f, f->l3 + IP6_OFF_PLEN, (uint16_t)(end - f->l3 - IP6_LEN));
	if (f->l4 && f->l4_proto == FR_IPPROTO_UDP && end - f->l4 >= UDP_LEN)
		frame_put16(f, f->l4 + UDP_OFF_LEN, (uint16_t)(end - f->l4));
	if (f->l4)
		frame_l4_checksum(f, end);
	if (f->ip_version == 4)
		frame_ipv4_checksum(f);
}

/* Fill the previous layer's type field, and make `at` the next one's. */
static inline void frame_chain(struct frame *f, enum frame_type_field kind, uint16_t type,
			       enum frame_type_field next_kind, size_t next_at)
{
	if (f->type_kind == FRAME_TYPE_ETHER && kind == FRAME_TYPE_ETHER)
		frame_put16(f, f->type_at, type);
	else if (f->type_kind == FRAME_TYPE_IP && kind == FRAME_TYPE_IP)
		frame_put8(f, f->type_at, (uint8_t)type);
	f->type_kind = next_kind;
	f->type_at = next_at;
}

/* ---- link layer ---- */

static const uint8_t frame_dst_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t frame_src_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

/* Ethernet header; the next layer sets its ethertype. */
static inline void frame_eth(struct frame *f)
{
	size_t off = frame_grow(f, ETH_LEN);

	if (f->overflow)
		return;
	memcpy(f->buf + off, frame_dst_mac, 6);
	memcpy(f->buf + off + 6, frame_src_mac, 6);
	f->type_kind = FRAME_TYPE_ETHER;
	f->type_at = off + ETH_OFF_TYPE;
}

/* An 802.1Q (FR_ETH_P_8021Q) or 802.1ad (FR_ETH_P_8021AD) tag. */
static inline void frame_vlan(struct frame *f, uint16_t tpid, uint16_t vid)
{
	size_t off = frame_grow(f, VLAN_LEN);

	if (f->overflow)
		return;
	frame_chain(f, FRAME_TYPE_ETHER, tpid, FRAME_TYPE_ETHER, off + 2);
	frame_put16(f, off, vid & 0x0fff);
}

/* Any other ethertype, with `n` bytes of 0x5a as its payload. */
static inline void frame_ethertype(struct frame *f, uint16_t type, size_t n)
{
	size_t off = frame_grow(f, n);

	if (f->overflow)
		return;
	frame_chain(f, FRAME_TYPE_ETHER, type, FRAME_TYPE_NONE, 0);
	memset(f->buf + off, 0x5a, n);
}

/* ARP request (Ethernet/IPv4): who has `target`? tell `sender`. */
static inline void frame_arp(struct frame *f, const char *sender, const char *target)
{
	size_t off = frame_grow(f, ARP_LEN);

	if (f->overflow)
		return;
	frame_chain(f, FRAME_TYPE_ETHER, FR_ETH_P_ARP, FRAME_TYPE_NONE, 0);
	frame_put16(f, off, 1); /* hardware: Ethernet */
	frame_put16(f, off + 2, FR_ETH_P_IP);
	f->buf[off + 4] = 6;
	f->buf[off + 5] = 4;
	frame_put16(f, off + 6, 1); /* request */
	memcpy(f->buf + off + 8, frame_src_mac, 6);
	inet_pton(AF_INET, sender, f->buf + off + 14);
	inet_pton(AF_INET, target, f->buf + off + 24);
}

/* ---- network layer ---- */

/*
 * What IPv4 and IPv6 headers share: `len` bytes after the link layer, no next
 * protocol yet (at proto_at), the addresses from saddr_at on. Returns the
 * header's offset; an address that is not of the version overflows the frame.
 */
static inline size_t frame_ip(struct frame *f, int version, size_t len, size_t proto_at,
			      size_t saddr_at, const char *src, const char *dst)
{
	int af = version == 6 ? AF_INET6 : AF_INET;
	size_t alen = version == 6 ? 16 : 4;
	size_t off = frame_grow(f, len);

	if (f->overflow)
		return off;
	frame_chain(f, FRAME_TYPE_ETHER, version == 6 ? FR_ETH_P_IPV6 : FR_ETH_P_IP, FRAME_TYPE_IP,
		    off + proto_at);
	f->l3 = off;
	f->ip_version = (uint8_t)version;
	f->buf[off + proto_at] = FR_IPPROTO_NONE;
	if (inet_pton(af, src, f->buf + off + saddr_at) != 1 ||
	    inet_pton(af, dst, f->buf + off + saddr_at + alen) != 1)
		f->overflow = true;
	return off;
}

static inline void frame_ipv4(struct frame *f, const char *src, const char *dst)
{
	size_t off = frame_ip(f, 4, IP4_LEN, IP4_OFF_PROTO, IP4_OFF_SADDR, src, dst);

	if (f->overflow)
		return;
	f->buf[off] = 0x45;
	frame_put16(f, off + 4, 0x1c46); /* identification */
	frame_put16(f, off + IP4_OFF_FRAG, FR_IP_DF);
	f->buf[off + 8] = 64; /* TTL */
	frame_fixup(f);
}

/*
 * IPv4 options, right after frame_ipv4(): padded with end-of-list to a
 * multiple of 4 bytes (at most 40); the IHL follows.
 */
static inline void frame_ipv4_options(struct frame *f, const uint8_t *opt, size_t n)
{
	size_t padded = (n + 3) & ~(size_t)3;
	size_t off;

	if (f->ip_version != 4 || f->l4 || f->len != f->l3 + IP4_LEN || padded > 40) {
		f->overflow = true;
		return;
	}
	off = frame_grow(f, padded);
	if (f->overflow)
		return;
	memcpy(f->buf + off, opt, n);
	f->buf[f->l3] = (uint8_t)(0x40 | (IP4_LEN + padded) / 4);
	frame_fixup(f);
}

/* Fragment offset (bytes, a multiple of 8) and flags of the IPv4 header. */
static inline void frame_ipv4_frag(struct frame *f, unsigned int offset, bool more)
{
	if (f->ip_version != 4)
		return;
	frame_put16(f, f->l3 + IP4_OFF_FRAG, (uint16_t)((offset / 8) | (more ? FR_IP_MF : 0)));
	frame_fixup(f);
}

static inline void frame_ipv6(struct frame *f, const char *src, const char *dst)
{
	size_t off = frame_ip(f, 6, IP6_LEN, IP6_OFF_NEXT, IP6_OFF_SADDR, src, dst);

	if (f->overflow)
		return;
	frame_put32(f, off, 0x60000000);
	f->buf[off + 7] = 64; /* hop limit */
	frame_fixup(f);
}

/*
 * An IPv6 hop-by-hop (FR_IPPROTO_HOPOPTS), routing (FR_IPPROTO_ROUTING) or
 * destination options (FR_IPPROTO_DSTOPTS) header of `len` bytes (a
 * multiple of 8, at least 8). Options are PadN; a routing header is an
 * empty segment routing header with no segments left.
 */
static inline void frame_ipv6_ext(struct frame *f, uint8_t type, size_t len)
{
	size_t off;

	if (len < 8 || len % 8 || len > 2048) {
		f->overflow = true;
		return;
	}
	off = frame_grow(f, len);
	if (f->overflow)
		return;
	frame_chain(f, FRAME_TYPE_IP, type, FRAME_TYPE_IP, off);
	f->buf[off] = FR_IPPROTO_NONE;
	f->buf[off + IP6_EXT_OFF_LEN] = (uint8_t)(len / 8 - 1);
	if (type == FR_IPPROTO_ROUTING) {
		f->buf[off + 2] = 4; /* segment routing */
		f->buf[off + 3] = 0; /* segments left */
	} else {
		f->buf[off + 2] = 1; /* PadN */
		f->buf[off + 3] = (uint8_t)(len - 4);
	}
	frame_fixup(f);
}

/* An IPv6 fragment header: offset in bytes (a multiple of 8), M flag. */
static inline void frame_ipv6_frag(struct frame *f, unsigned int offset, bool more)
{
	size_t off = frame_grow(f, IP6_FRAG_LEN);

	if (f->overflow)
		return;
	frame_chain(f, FRAME_TYPE_IP, FR_IPPROTO_FRAGMENT, FRAME_TYPE_IP, off);
	f->buf[off] = FR_IPPROTO_NONE;
	frame_put16(f, off + 2, (uint16_t)((offset & ~7u) | (more ? 1 : 0)));
	frame_put32(f, off + 4, 0x2b1de0c5); /* identification */
	frame_fixup(f);
}

/* ---- transport layer ---- */

static inline size_t frame_l4(struct frame *f, uint8_t proto, size_t len)
{
	size_t off = frame_grow(f, len);

	if (f->overflow)
		return 0;
	frame_chain(f, FRAME_TYPE_IP, proto, FRAME_TYPE_NONE, 0);
	f->l4 = off;
	f->l4_proto = proto;
	f->sport = f->dport = 0;
	f->tcp_flags = 0;
	return off;
}

/* TCP with options (padded with NOP... end-of-list to a multiple of 4). */
static inline void frame_tcp_opt(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags,
				 const uint8_t *opt, size_t n)
{
	size_t padded = (n + 3) & ~(size_t)3;
	size_t off;

	if (padded > 40) {
		f->overflow = true;
		return;
	}
	off = frame_l4(f, FR_IPPROTO_TCP, TCP_LEN + padded);
	if (f->overflow)
		return;
	f->sport = sport;
	f->dport = dport;
	f->tcp_flags = flags;
	frame_put16(f, off + TCP_OFF_SPORT, sport);
	frame_put16(f, off + TCP_OFF_DPORT, dport);
	frame_put32(f, off + 4, 0x9a3c5e01); /* sequence number */
	frame_put32(f, off + 8, flags & TH_ACK ? 0x51f0a2b7 : 0);
	f->buf[off + TCP_OFF_DOFF] = (uint8_t)((TCP_LEN + padded) / 4 << 4);
	f->buf[off + TCP_OFF_FLAGS] = flags;
	frame_put16(f, off + 14, 64240); /* window */
	if (n)
		memcpy(f->buf + off + TCP_LEN, opt, n);
	frame_fixup(f);
}

static inline void frame_tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags)
{
	frame_tcp_opt(f, sport, dport, flags, NULL, 0);
}

static inline void frame_udp(struct frame *f, uint16_t sport, uint16_t dport)
{
	size_t off = frame_l4(f, FR_IPPROTO_UDP, UDP_LEN);

	if (f->overflow)
		return;
	f->sport = sport;
	f->dport = dport;
	frame_put16(f, off, sport);
	frame_put16(f, off + 2, dport);
	frame_fixup(f);
}

/* An ICMP or ICMPv6 (proto) header: type, code and a 4-byte rest of header. */
static inline void frame_icmp_header(struct frame *f, uint8_t proto, uint8_t type, uint8_t code,
				     uint32_t rest)
{
	size_t off = frame_l4(f, proto, ICMP_LEN);

	if (f->overflow)
		return;
	f->buf[off] = type;
	f->buf[off + 1] = code;
	frame_put32(f, off + 4, rest);
	frame_fixup(f);
}

/* ICMP (IPv4) with a 4-byte rest of header: identifier 0x1234, sequence 1. */
static inline void frame_icmp(struct frame *f, uint8_t type, uint8_t code)
{
	frame_icmp_header(f, FR_IPPROTO_ICMP, type, code, 0x12340001);
}

/*
 * ICMPv6 with a 4-byte message body (zero: the reserved word of neighbour
 * discovery, or echo identifier/sequence 0); append the rest with
 * frame_payload(), e.g. a neighbour solicitation's 16-byte target.
 */
static inline void frame_icmp6(struct frame *f, uint8_t type, uint8_t code)
{
	frame_icmp_header(f, FR_IPPROTO_ICMPV6, type, code, 0);
}

/* Any other IP protocol: `n` bytes of 0x5a as its header. */
static inline void frame_ip_proto(struct frame *f, uint8_t proto, size_t n)
{
	size_t off = frame_l4(f, proto, n);

	if (f->overflow)
		return;
	memset(f->buf + off, 0x5a, n);
	frame_fixup(f);
}

/* ---- payload and padding ---- */

static inline void frame_payload(struct frame *f, const void *data, size_t n)
{
	size_t off = frame_grow(f, n);

	if (f->overflow)
		return;
	memcpy(f->buf + off, data, n);
	frame_fixup(f);
}

/* `n` bytes of a counting pattern (0x00, 0x01, ...). */
static inline void frame_fill(struct frame *f, size_t n)
{
	size_t off = frame_grow(f, n);

	if (f->overflow)
		return;
	for (size_t i = 0; i < n; i++)
		f->buf[off + i] = (uint8_t)i;
	frame_fixup(f);
}

/* Zero padding up to `min` bytes, outside the IP lengths; the last call. */
static inline void frame_pad(struct frame *f, size_t min)
{
	size_t end = f->len;

	if (f->len >= min)
		return;
	frame_grow(f, min - f->len);
	f->end = end;
	frame_fixup(f);
}

/* ---- whole frames ---- */

/* Ethernet, then IPv4 (family 4) or IPv6 (family 6) from src to dst. */
static inline void frame_eth_ip(struct frame *f, int family, const char *src, const char *dst)
{
	frame_eth(f);
	if (family == 6)
		frame_ipv6(f, src, dst);
	else
		frame_ipv4(f, src, dst);
}

/* Ethernet/IP/TCP with no payload, e.g. a SYN: flags TH_SYN. */
static inline size_t frame_tcp_ip(struct frame *f, int family, const char *src, const char *dst,
				  uint16_t sport, uint16_t dport, uint8_t flags)
{
	frame_eth_ip(f, family, src, dst);
	frame_tcp(f, sport, dport, flags);
	return frame_ok(f) ? f->len : 0;
}

/* Ethernet/IP/UDP with `n` bytes of payload. */
static inline size_t frame_udp_ip(struct frame *f, int family, const char *src, const char *dst,
				  uint16_t sport, uint16_t dport, size_t n)
{
	frame_eth_ip(f, family, src, dst);
	frame_udp(f, sport, dport);
	frame_fill(f, n);
	return frame_ok(f) ? f->len : 0;
}

#endif /* BOTSINK_FRAMES_H */
