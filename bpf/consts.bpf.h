/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The XDP program's constants in one place (as Katran's balancer_consts.h):
 * what the kernel's UAPI headers would give but vmlinux.h does not (its
 * types only), and the program's own limits. The kernel/user ABI's are in
 * include/botsink_abi.h.
 */
#ifndef BOTSINK_CONSTS_BPF_H
#define BOTSINK_CONSTS_BPF_H

/* errno values helpers return (negated) */
#define ENOENT 2
#define E2BIG 7
#define EBUSY 16
#define EEXIST 17

/* Ethernet */
#define ETH_ALEN 6
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
/* Ethernet and two VLAN tags: the furthest an IP header can start. */
#define BOTSINK_MAX_L3_OFF 22

/* IPv4 fragment bits of frag_off (host order), and don't-fragment */
#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF
#define IP4_DF 0x4000

/* IPv6 next headers walked or recognized */
#define IPV6_NEXTHDR_HOP 0
#define IPV6_NEXTHDR_ROUTING 43
#define IPV6_NEXTHDR_FRAGMENT 44
#define IPV6_NEXTHDR_DEST 60
#define IPV6_NEXTHDR_ICMP 58
/* Neighbour discovery: ICMPv6 types 133 to 137 are never sinkhole traffic. */
#define ICMPV6_ND_FIRST 133 /* router solicitation */
#define ICMPV6_ND_LAST 137 /* redirect */
/* A packet offset the verifier can bound: headers start below it. */
#define BOTSINK_MAX_HEADER_OFFSET 0x1FFF

/* TCP (the flag bits are the ABI's: BOTSINK_TCP_*) */
#define TCP_MIN_HLEN 20
#define TCP_MAX_HLEN 60
#define TCP_SYNACK_HLEN 24 /* with the MSS option */
#define TCPOPT_MSS 2

/* The responder's replies */
#define RESPOND_TTL 64
#define RESPOND_WINDOW 65535

/* Payload parsing */
#define HTTP_METHOD_MAX 16
#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX 253 /* dotted, without the root */
#define DNS_WIRE_MAX 255

/* Per-CPU scratch space (scratch.bpf.h) */
#define SCRATCH_SIZE 2048
#define SCRATCH_MASK (SCRATCH_SIZE - 1)
#define SCRATCH_DNS 1024 /* where the dotted DNS name is written */
#define SCRATCH_HOST 1536 /* where the Host header value is copied */
#define SCRATCH_HOST_MASK 511

/* Candidates checked before handing the rest of the list to bpf_loop. */
#define BOTSINK_INLINE_CANDIDATES 4

#endif
