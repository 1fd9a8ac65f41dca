/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The kernel/user ABI of botsink: every type that crosses the boundary
 * between the XDP program and userspace is defined here, once.
 *
 * Addresses are always 16 bytes. IPv4 uses the IPv4-mapped form
 * ::ffff:a.b.c.d, so one key type and one trie serve both families;
 * the XDP program counts an IPv6 packet whose source or destination is
 * IPv4-mapped as malformed, so the forms cannot be confused.
 */
#ifndef BOTSINK_ABI_H
#define BOTSINK_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Pinned map names (LIBBPF_PIN_BY_NAME: they are the pin file names). */
#define BOTSINK_MAP_CONFIG "botsink_config"
#define BOTSINK_MAP_STATS "botsink_stats"
#define BOTSINK_MAP_V4 "botsink_v4"
#define BOTSINK_MAP_V4_GROUPS "botsink_v4_grp"
#define BOTSINK_MAP_DST6 "botsink_dst6"
#define BOTSINK_MAP_LISTS "botsink_lists"
#define BOTSINK_MAP_ACTIVE "botsink_active"
#define BOTSINK_MAP_GEN0 "botsink_gen0"
#define BOTSINK_MAP_GEN1 "botsink_gen1"
#define BOTSINK_MAP_RULES "botsink_rules"
#define BOTSINK_MAP_HITS "botsink_hits"
#define BOTSINK_PROG_NAME "botsink_xdp"

/* Capacities. Candidates: rule entries scanned for one destination. */
#define BOTSINK_MAX_CANDIDATES 64
#define BOTSINK_MAX_RULES 8192
#define BOTSINK_MAX_DESTINATIONS 16384 /* IPv6 trie entries, both rule sets */
#define BOTSINK_MAX_LISTS 1024 /* candidate lists per rule set (0: none) */
#define BOTSINK_V4_GROUPS 4096 /* 256-entry IPv4 table groups, both rule sets */
#define BOTSINK_MAX_SOURCES 65536
/* IPv6 extension headers skipped before giving up (malformed). */
#define BOTSINK_MAX_EXT_HEADERS 6

/* Rule slot 0 counts sinkhole traffic that no rule matched. */
#define BOTSINK_SLOT_UNCLASSIFIED 0

enum botsink_verdict {
	BOTSINK_VERDICT_PASS = 0, /* the kernel or a sinkhole server answers */
	BOTSINK_VERDICT_DROP = 1, /* count only */
};

/* botsink_config[0]: written by userspace, read by every packet. */
struct botsink_config {
	__u32 verdict; /* enum botsink_verdict */
	__u32 ruleset; /* 0 or 1: which rule set is live */
};

/*
 * Statistics buckets. Every frame lands in exactly one of the first six
 * (they add up to the frames seen); table_full and vlan are extra counts.
 * The fields of struct botsink_stats follow this order.
 */
enum botsink_class {
	BOTSINK_NON_IP = 0,
	BOTSINK_NON_SINKHOLE,
	BOTSINK_MALFORMED,
	BOTSINK_FRAGMENT,
	BOTSINK_MATCHED,
	BOTSINK_UNCLASSIFIED,
	BOTSINK_CLASS_COUNT,
};

/* botsink_stats[0], per CPU. */
struct botsink_stats {
	__u64 non_ip; /* not IPv4/IPv6 (ARP, LLDP, ...) */
	__u64 non_sinkhole; /* destination outside the sinkhole space, or ND */
	__u64 malformed; /* truncated or inconsistent headers */
	__u64 fragment; /* later fragment, or first one without the L4 header */
	__u64 matched; /* attributed to a rule */
	__u64 unclassified; /* sinkhole traffic no rule matched */
	__u64 table_full; /* of matched+unclassified: no free counter slot */
	__u64 vlan; /* frames that carried an 802.1Q/802.1ad tag */
};

/*
 * Destinations. Each rule set (0 or 1) has its own half of every table:
 * userspace fills the idle half, then flips botsink_config.ruleset, so a
 * packet sees either the old or the new rule set, never a mix.
 *
 * The tables lead to a list index: an index into botsink_lists, whose
 * rule set r part is [r * BOTSINK_MAX_LISTS, (r + 1) * BOTSINK_MAX_LISTS);
 * index 0 of each part is unused, so 0 means "not sinkhole traffic".
 *
 * IPv4: a DIR-16-8-8 table (as in DPDK's rte_lpm): three array lookups at
 * most, no trie walk. botsink_v4[(ruleset << 16) | (daddr >> 16)] holds a
 * list index, or BOTSINK_V4_GROUP | g: then botsink_v4_grp[(g << 8) | the
 * third byte] decides the same way, and a group there the fourth byte.
 *
 * IPv6: an LPM trie on (ruleset, destination); prefixlen counts the ruleset
 * byte: 8 + the prefix length. The value is the list index.
 */
#define BOTSINK_V4_GROUP 0x80000000U

struct botsink_dst6_key {
	__u32 prefixlen;
	__u8 ruleset;
	__u8 addr[16];
	__u8 pad[3];
};

enum botsink_flags_op {
	BOTSINK_FLAGS_ANY = 0, /* the rule has no flags keyword */
	BOTSINK_FLAGS_EQ = 1, /* (tcp_flags & mask) == value */
	BOTSINK_FLAGS_NE = 2, /* (tcp_flags & mask) != value */
};

enum botsink_cand_kind {
	BOTSINK_CAND_MATCH = 0, /* header fields match: the rule matches (any source) */
	BOTSINK_CAND_MATCH_SRC = 1, /* the same, and the source is inside src_addr/src_mask */
	BOTSINK_CAND_EXCLUDE_SRC = 2, /* source inside: the rule's later entries do not apply */
};

/*
 * One entry of a destination's ranked candidate list. A rule with port
 * lists or source prefixes becomes several consecutive entries.
 */
struct botsink_candidate {
	__u8 src_addr[16]; /* source prefix, host bits zero */
	__u8 src_mask[16];
	__u32 sid;
	__u16 slot; /* index in botsink_rules and botsink_hits */
	__u16 sport_lo;
	__u16 sport_hi;
	__u16 dport_lo;
	__u16 dport_hi;
	__u8 proto; /* IPPROTO_TCP, IPPROTO_UDP, or 0 for any */
	__u8 kind; /* enum botsink_cand_kind */
	__u8 flags_op; /* enum botsink_flags_op; implies TCP */
	__u8 flags_mask;
	__u8 flags_value;
	__u8 pad[5];
};

struct botsink_dst {
	__u32 count;
	__u32 pad;
	struct botsink_candidate cand[BOTSINK_MAX_CANDIDATES];
};

/* Counter key: one per (source, rule). sid 0 is unclassified. */
struct botsink_source_key {
	__u8 addr[16];
	__u32 sid;
};

/* Counter value, per CPU. Times are CLOCK_MONOTONIC_COARSE, ns. */
struct botsink_counter {
	__u64 packets;
	__u64 bytes; /* frame length as seen by XDP */
	__u64 syns; /* TCP SYN without ACK */
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	__u8 dst_addr[16]; /* last seen */
	__u16 dst_port; /* last seen; 0 when not TCP/UDP */
	__u8 protocol; /* last seen IP protocol */
	__u8 pad[5];
};

/* botsink_hits[slot], per CPU: totals since the maps were created. */
struct botsink_rule_hits {
	__u64 packets;
	__u64 bytes;
};

#define BOTSINK_FAMILY_LEN 48
#define BOTSINK_MSG_LEN 160

/* botsink_rules[slot]: what a slot counts, for `botsink status` and bpftool. */
struct botsink_rule_info {
	__u32 sid; /* 0: slot unused (slot 0: unclassified) */
	__u32 rev;
	__u32 live; /* 1: in the running rule set; 0: retired (its totals stay) */
	char family[BOTSINK_FAMILY_LEN];
	char msg[BOTSINK_MSG_LEN]; /* truncated copy, for display only */
};

#endif /* BOTSINK_ABI_H */
