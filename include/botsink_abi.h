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

/*
 * The pinned maps (LIBBPF_PIN_BY_NAME: each name is its pin file's name),
 * listed once: X(map, fd) names the map as bpf/maps.bpf.h defines it (and
 * so the skeleton's handle, skel->maps.map) and the field of struct
 * botsink_maps (user/kernel/loader.h) that holds its file descriptor.
 */
#define BOTSINK_PINNED_MAPS(X)                                    \
	X(botsink_config, config)                                 \
	X(botsink_stats, stats)                                   \
	X(botsink_v4, v4)                                         \
	X(botsink_v4_grp, v4_groups)                              \
	X(botsink_dst6, dst6)                                     \
	X(botsink_lists, lists)                                   \
	X(botsink_active, active)                                 \
	X(botsink_gen0, counters[BOTSINK_KIND_SOURCES][0])        \
	X(botsink_gen1, counters[BOTSINK_KIND_SOURCES][1])        \
	X(botsink_ucl0, counters[BOTSINK_KIND_UNCLASSIFIED][0])   \
	X(botsink_ucl1, counters[BOTSINK_KIND_UNCLASSIFIED][1])   \
	X(botsink_ovf0, counters[BOTSINK_KIND_OVERFLOW][0])       \
	X(botsink_ovf1, counters[BOTSINK_KIND_OVERFLOW][1])       \
	X(botsink_uovf0, counters[BOTSINK_KIND_UNCL_OVERFLOW][0]) \
	X(botsink_uovf1, counters[BOTSINK_KIND_UNCL_OVERFLOW][1]) \
	X(botsink_touched, touched)                               \
	X(botsink_rules, rules)                                   \
	X(botsink_hits, hits)                                     \
	X(botsink_contents, contents)                             \
	X(botsink_gram_filter, gram_filter)                       \
	X(botsink_grams, grams)                                   \
	X(botsink_fastpats, fastpats)                             \
	X(botsink_domains, domains)                               \
	X(botsink_recent, recent)                                 \
	X(botsink_cands, cands)                                   \
	X(botsink_stamped, stamped)                               \
	X(botsink_port1, port1)                                   \
	X(botsink_port2, port2)                                   \
	X(botsink_drain, drain)                                   \
	X(botsink_tcp_ports, tcp_ports)                           \
	X(botsink_vguard, guard)                                  \
	X(botsink_evidence, evidence)

/*
 * Capacities. Candidates: rule entries for one destination. Those walked
 * for every packet are bounded; rules reached through the prefilter are not.
 */
#define BOTSINK_MAX_CANDIDATES 64 /* entries in one walked run, and in one rule's run */
#define BOTSINK_MAX_CANDS 65536 /* candidate entries per rule set, all lists */
#define BOTSINK_PORT_TABLES 256 /* destination lists with port lists, per rule set (0: none) */
#define BOTSINK_PORT_GROUPS 4096 /* 256-port blocks holding port lists, per rule set (0: none) */
#define BOTSINK_MAX_RULES 32768
#define BOTSINK_MAX_DESTINATIONS 16384 /* IPv6 trie entries, both rule sets */
#define BOTSINK_MAX_LISTS 32768 /* candidate lists per rule set (0: none) */
#define BOTSINK_V4_GROUPS 4096 /* 256-entry IPv4 table groups, both rule sets */
#define BOTSINK_MAX_SOURCES 65536 /* default (source, sid) counters per generation */
#define BOTSINK_MAX_UNCLASSIFIED 65536 /* default unclassified sources per generation */
#define BOTSINK_OVERFLOW_ENTRIES (16384 + 2) /* prefix aggregates, and the two catch-alls */

/*
 * The counter tables of one generation. A source that finds its table full
 * is counted in the overflow table of its kind, under its /24 (IPv4) or /48
 * (IPv6) prefix; when that is full too, under the catch-all of its address
 * family (the prefix ::/0 or ::ffff:0.0.0.0/96, sid BOTSINK_SID_ANY), which
 * userspace keeps in every overflow table. Unclassified traffic has its own
 * tables, so a flood of it cannot push check-ins into overflow.
 */
enum botsink_counter_kind {
	BOTSINK_KIND_SOURCES = 0, /* (source, sid) of matched traffic */
	BOTSINK_KIND_UNCLASSIFIED = 1, /* (source, 0) */
	BOTSINK_KIND_OVERFLOW = 2, /* (prefix, sid) when BOTSINK_KIND_SOURCES is full */
	BOTSINK_KIND_UNCL_OVERFLOW = 3, /* (prefix, 0) when BOTSINK_KIND_UNCLASSIFIED is full */
	BOTSINK_KINDS = 4,
};

/* botsink_active[BOTSINK_SLOT(kind, gen)]: the counter table of a kind and generation. */
#define BOTSINK_SLOT(kind, gen) ((kind)*2 + (gen))
#define BOTSINK_SLOT_KIND(slot) ((slot) / 2)
/*
 * botsink_touched[BOTSINK_SLOT(kind, gen)], per CPU, a __u64 that only
 * grows: the times the program created a key in that table or wrote one
 * of its catch-alls. Every other key it writes is one it created in the
 * same generation, as a generation starts out empty but for its
 * catch-alls: a table whose count did not move since it was emptied
 * holds no count, and its drain can skip it (user/feed/drain.c).
 */
#define BOTSINK_OVERFLOW_V4_BITS 24
#define BOTSINK_OVERFLOW_V6_BITS 48
#define BOTSINK_SID_ANY 0xffffffffU /* a catch-all's sid: any rule */
/* IPv6 extension headers skipped before giving up (malformed). */
#define BOTSINK_MAX_EXT_HEADERS 6

/*
 * Payload matching. Contents are searched in the first BOTSINK_WINDOW bytes
 * of the TCP/UDP payload; a content longer than BOTSINK_CONTENT_MAX is
 * split into chunks that must follow each other.
 */
#define BOTSINK_WINDOW 512
#define BOTSINK_CONTENT_MAX 64
#define BOTSINK_RULE_CONTENTS 16 /* content chunks per rule */
#define BOTSINK_MAX_CONTENTS 32768 /* content chunks per rule set */
#define BOTSINK_MAX_FASTPATS 32768 /* prefilter patterns per rule set */
#define BOTSINK_GRAM_PATTERNS 64 /* fast patterns verified per gram bucket */
#define BOTSINK_PREFILTER_HITS 256 /* rules one packet's fast patterns may name */
#define BOTSINK_MAX_DOMAINS 262144 /* domain-list keys per rule set */
/* Steps (one content at one position) a rule's payload check may take. */
#define BOTSINK_MATCH_STEPS 4096
/* A TCP segment seen again (source, ports, sequence) within this is a retransmission. */
#define BOTSINK_RETRANSMIT_NS (120ULL * 1000000000ULL)
#define BOTSINK_RECENT_SETS 16384 /* default; of BOTSINK_RECENT_WAYS entries */
#define BOTSINK_RECENT_WAYS 2

/* Where a content is searched (Suricata's sticky buffers). */
enum botsink_buffer {
	BOTSINK_BUF_PAYLOAD = 0, /* the TCP/UDP payload */
	BOTSINK_BUF_HTTP_METHOD, /* request line: the method */
	BOTSINK_BUF_HTTP_URI, /* request line: the URI, raw */
	BOTSINK_BUF_HTTP_HOST, /* Host header value without the port, compared lowercase */
	BOTSINK_BUF_HTTP_USER_AGENT, /* User-Agent header value */
	BOTSINK_BUF_HTTP_HEADER, /* the header lines after the request line, raw */
	BOTSINK_BUF_HTTP_BODY, /* request body bytes in this segment */
	BOTSINK_BUF_DNS_QUERY, /* the question name, dotted, as sent */
	BOTSINK_BUF_COUNT,
};

enum botsink_content_flags {
	BOTSINK_CONTENT_NOCASE = 1, /* bytes are lowercase; compare ASCII letters caselessly */
	BOTSINK_CONTENT_NEGATED = 2, /* must not occur where it is searched */
	BOTSINK_CONTENT_RELATIVE = 4, /* placed after the end of content `anchor` */
	BOTSINK_CONTENT_LIMITED = 8, /* `limit` bounds where it may end */
	BOTSINK_CONTENT_ENDSWITH = 16, /* it must end where its buffer ends */
	BOTSINK_CONTENT_DOTPREFIX = 32, /* in its buffer with a '.' before it (dotprefix) */
	BOTSINK_CONTENT_SIZE = 64, /* no bytes (len 0): a size check, see below */
};

/*
 * One content chunk of a rule. Absolute: it must start at or after
 * buffer start + start and, when BOTSINK_CONTENT_LIMITED, end at or before
 * buffer start + limit. Relative: the same, counted from the end of the
 * anchor's match (start and limit may be negative there). Never outside
 * the buffer.
 *
 * A size check (BOTSINK_CONTENT_SIZE: bsize, urilen, isdataat) has no
 * bytes: the bytes its buffer holds after the end of the anchor's match
 * (relative) or in all (absolute) must be in [start, limit], or outside
 * that range when BOTSINK_CONTENT_NEGATED. A buffer that the payload
 * window cuts has a size the program cannot always know: a check it
 * cannot decide fails.
 */
struct botsink_content {
	__u8 bytes[BOTSINK_CONTENT_MAX]; /* zero after len */
	__u8 len;
	__u8 buffer; /* enum botsink_buffer */
	__u8 flags; /* enum botsink_content_flags */
	__u8 anchor; /* relative: the rule's chunk (0-based) it follows */
	__s32 start;
	__s32 limit;
};

/*
 * Prefilter. Each payload rule with a content of at least 4 bytes that
 * appears verbatim in the payload has one fast pattern (a DNS name: its
 * longest dot-free part). One pass over the payload tests, at each
 * position, the lowercased 4-byte gram in the rule set's filter
 * (botsink_gram_filter[ruleset], one bit per botsink_gram_hash); a hit
 * reads the gram's bucket, botsink_grams[ruleset << BOTSINK_GRAM_BUCKET_BITS
 * | botsink_gram_bucket], which names the fast patterns whose chosen gram
 * falls there, each at its `offset`; each found is verified and names its
 * rule, once per packet, in a list of at most BOTSINK_PREFILTER_HITS. Only
 * rules so named are checked through botsink_stamped, so the cost of a
 * packet follows the patterns it holds, not the rules loaded.
 */
#define BOTSINK_GRAM_FILTER_BITS 20
#define BOTSINK_GRAM_BUCKET_BITS 16

struct botsink_gram_filter {
	__u64 bits[(1U << BOTSINK_GRAM_FILTER_BITS) / 64];
};

static inline __u32 botsink_gram_hash(__u32 gram)
{
	return (gram * 0x9e3779b1U) >> (32 - BOTSINK_GRAM_FILTER_BITS);
}

static inline __u32 botsink_gram_bucket(__u32 gram)
{
	return botsink_gram_hash(gram) >> (BOTSINK_GRAM_FILTER_BITS - BOTSINK_GRAM_BUCKET_BITS);
}

struct botsink_gram_patterns {
	__u32 first; /* index in botsink_fastpats, rule set half included */
	__u32 count; /* 0: no pattern */
};

struct botsink_fastpat {
	__u32 content; /* the chunk to verify, index in botsink_contents */
	__u16 hit; /* the rule it names: its slot, | BOTSINK_HIT_PORTS */
	__u8 offset; /* the gram starts this many bytes into the chunk */
	__u8 same; /* 1: the previous entry's chunk: its verdict stands */
};

/*
 * In a named rule (botsink_fastpat.hit, the prefilter's list): its runs are
 * in port lists, not in destinations' own lists (a rule is in one kind or
 * the other), so one lookup finds it. Slots are below BOTSINK_MAX_RULES.
 */
#define BOTSINK_HIT_PORTS 0x8000U
#define BOTSINK_HIT_SLOT(hit) ((hit) & (BOTSINK_HIT_PORTS - 1))
_Static_assert(BOTSINK_MAX_RULES <= BOTSINK_HIT_PORTS, "a slot fits beside BOTSINK_HIT_PORTS");

/*
 * Domain lists: 128 bits of hash over the lowercased name, folded from its
 * last byte to its first, seeded with the rule set. "example.com" is
 * stored hashed as itself (that name), ".example.com" (with the dot) for
 * every name below it; a query is looked up whole and at every dot. Each
 * distinct list of a rule set has a number (0 to 63); the value holds the
 * lists the key is in, and the rule set, so that userspace can remove a
 * replaced rule set's entries. A name is in a list when any of its keys
 * is.
 */
struct botsink_domain_key {
	__u64 h1;
	__u64 h2;
};

#define BOTSINK_DOMAIN_LISTS 64 /* distinct domain lists per rule set */

struct botsink_domain_value {
	__u64 lists; /* bit n: in list n */
	__u32 ruleset;
	__u32 pad;
};

#define BOTSINK_DOMAIN_SEED1 0xcbf29ce484222325ULL
#define BOTSINK_DOMAIN_SEED2 0x84222325cbf29ce4ULL
#define BOTSINK_DOMAIN_MUL1 0x100000001b3ULL
#define BOTSINK_DOMAIN_MUL2 0xff51afd7ed558ccdULL

static inline __u8 botsink_lower(__u8 c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static inline void botsink_domain_seed(struct botsink_domain_key *k, __u32 ruleset)
{
	k->h1 = BOTSINK_DOMAIN_SEED1 ^ ruleset;
	k->h2 = BOTSINK_DOMAIN_SEED2 ^ ((__u64)ruleset << 32);
}

static inline void botsink_domain_fold(struct botsink_domain_key *k, __u8 c)
{
	c = botsink_lower(c);
	k->h1 = (k->h1 ^ c) * BOTSINK_DOMAIN_MUL1;
	k->h2 = ((k->h2 ^ c) * BOTSINK_DOMAIN_MUL2) ^ (k->h2 >> 29);
}

/*
 * Retransmission filter: a check-in segment's identity and when it was
 * last seen. Entries live in sets of BOTSINK_RECENT_WAYS, one cache line.
 */
struct botsink_recent_entry {
	__u8 addr[16]; /* source */
	__u32 seq;
	__u16 sport;
	__u16 dport;
	__u32 dst; /* the destination folded to 32 bits (IPv4: the address) */
	__u32 stamp; /* BOTSINK_RECENT_STAMP(ns) when last seen; 0: empty */
};

struct botsink_recent_set {
	struct botsink_recent_entry way[BOTSINK_RECENT_WAYS];
};

/* Stamps count 2^20 ns (~1 ms) units; wrapping after 52 days is harmless. */
#define BOTSINK_RECENT_STAMP(ns) ((__u32)((ns) >> 20) | 1)
#define BOTSINK_RECENT_WINDOW ((__u32)(BOTSINK_RETRANSMIT_NS >> 20))

static inline __u32 botsink_recent_fold(const __u32 addr[4])
{
	return addr[0] ^ addr[1] ^ addr[2] ^ addr[3];
}

/*
 * The set a segment belongs to: a hash of every field but the stamp, under
 * botsink_config.recent_mask (the number of sets, a power of two, less one).
 */
/* A multiplicative hash of n 32-bit words (table indexes, not secrets). */
static inline __u32 botsink_hash_words(const __u32 *w, int n)
{
	__u32 h = 0;

	for (int i = 0; i < n; i++)
		h = (h ^ w[i]) * 0x9e3779b1;
	return h ^ h >> 15;
}

static inline __u32 botsink_recent_set_of(const struct botsink_recent_entry *e, __u32 mask)
{
	__u32 w[7];

	__builtin_memcpy(w, e, sizeof(w));
	return botsink_hash_words(w, 7) & mask;
}

/* Rule slot 0 counts sinkhole traffic that no rule matched. */
#define BOTSINK_SLOT_UNCLASSIFIED 0

enum botsink_verdict {
	BOTSINK_VERDICT_PASS = 0, /* the kernel or a sinkhole server answers */
	BOTSINK_VERDICT_DROP = 1, /* count only */
};

/*
 * The stateless responder (drop verdict only). A SYN to a sinkhole address
 * on a port in botsink_tcp_ports is answered, with XDP_TX, by a SYN-ACK
 * whose sequence number is a SYN cookie; a data segment that acknowledges a
 * valid cookie is a verified check-in and is answered as below. Nothing is
 * remembered between packets.
 */
enum botsink_respond {
	BOTSINK_RESPOND_NONE = 0,
	BOTSINK_RESPOND_TCP = 1, /* a verified check-in gets a RST */
	BOTSINK_RESPOND_HTTP = 2, /* ... an ACK, "HTTP/1.1 200 OK" (no body) and FIN */
};

/*
 * botsink_tcp_ports[ruleset * BOTSINK_TCP_PORT_WORDS + port / 64], bit
 * port % 64: a TCP rule of that rule set names the port (`any`: all).
 * The responder answers only there.
 */
#define BOTSINK_TCP_PORT_WORDS (65536 / 64)

/*
 * A random acknowledgement number passes a SYN cookie check with
 * probability about 2^-29, so a spoofer could make a chosen address look
 * verified by sending enough guesses. botsink_vguard bounds that: each
 * source address hashes to one of BOTSINK_GUARD_BUCKETS buckets, which
 * counts the failed checks of its sources in the current window of
 * 2^BOTSINK_GUARD_WINDOW_SHIFT ns (about 69 s); a valid cookie from a
 * bucket with more than BOTSINK_GUARD_FAILURES failures in the window is
 * not counted as verified. A forger then needs about 2^19 windows (a year)
 * per address; real hosts fail checks only with later data segments of
 * their connections (pass verdict). Collisions can only raise a count.
 */
#define BOTSINK_GUARD_BUCKETS (1 << 18)
#define BOTSINK_GUARD_WINDOW_SHIFT 36
#define BOTSINK_GUARD_FAILURES 1024

struct botsink_guard {
	__u32 window; /* now >> BOTSINK_GUARD_WINDOW_SHIFT, truncated */
	__u32 failures; /* failed cookie checks in that window */
};

/* botsink_config[0]: written by userspace, read by every packet. */
struct botsink_config {
	__u32 verdict; /* enum botsink_verdict */
	__u32 ruleset; /* 0 or 1: which rule set is live */
	__u32 generation; /* 0 or 1: which counter generation the program writes */
	__u32 recent_mask; /* botsink_recent's sets less one; 0: BOTSINK_RECENT_SETS - 1 */
	__u32 respond; /* enum botsink_respond; only with BOTSINK_VERDICT_DROP */
	__u32 evidence; /* 1: hand a sample of each new key's check-in to botsink_evidence */
};

/*
 * botsink_drain[0]: the daemon's progress through drain epochs, pinned so a
 * daemon restarted after a crash knows what the feed already holds. The
 * program does not use it. An epoch is one drained generation: its records
 * are written (and synced) to the feed, or while the feed fails to the
 * spool file in the state directory, then the epoch is committed here, and
 * only then is the generation cleared.
 */
enum botsink_drain_phase {
	BOTSINK_DRAIN_IDLE = 0, /* no epoch in progress */
	BOTSINK_DRAIN_WRITING = 1, /* generation `gen` swapped out, epoch+1 not yet committed */
	BOTSINK_DRAIN_CLEARING = 2, /* epoch committed; generation `gen` still to be cleared */
};

struct botsink_drain_state {
	__u64 incarnation; /* random, chosen when the state is new: ids never repeat across runs */
	__u64 epoch; /* the last committed epoch; 0: none yet */
	__u64 feed_size; /* the feed file's size once that epoch was written */
	__u64 feed_dev, feed_ino; /* which file that was; 0: not a file */
	__u64 wall_ns, mono_ns; /* CLOCK_REALTIME/MONOTONIC when the pending epoch began */
	__u32 phase; /* enum botsink_drain_phase */
	__u32 gen; /* the generation of the pending epoch */
	__u64 spool_head, spool_size; /* of the spool file: delivered to the feed, committed */
};

/*
 * Statistics: botsink_stats[0], per CPU, one __u64 per entry below, in
 * this order. Every frame lands in exactly one of the first
 * BOTSINK_CLASS_COUNT, the buckets (they add up to the frames seen); the
 * others are extra counts. X(field, NAME): the field of struct
 * botsink_stats and its index BOTSINK_NAME.
 */
#define BOTSINK_STATS(X)                                                                           \
	X(non_ip, NON_IP) /* not IPv4/IPv6 (ARP, LLDP, ...) */                                     \
	X(non_sinkhole, NON_SINKHOLE) /* destination outside the sinkhole space, or ND */          \
	X(malformed, MALFORMED) /* truncated or inconsistent headers */                            \
	X(fragment, FRAGMENT) /* later fragment, or first one without the L4 header */             \
	X(matched, MATCHED) /* attributed to a rule */                                             \
	X(unclassified, UNCLASSIFIED) /* sinkhole traffic no rule matched */                       \
	X(table_full, TABLE_FULL) /* of matched+unclassified: counted in an overflow table */      \
	X(vlan, VLAN) /* frames that carried an 802.1Q/802.1ad tag */                              \
	X(uncounted, UNCOUNTED) /* of table_full: no catch-all either (no daemon set them up) */   \
	X(verified, VERIFIED) /* TCP check-ins whose handshake a SYN cookie proved */              \
	X(responses, RESPONSES) /* frames answered by the responder (XDP_TX) */                    \
	X(cookie_failed, COOKIE_FAILED) /* TCP check-ins (data) whose cookie check failed */       \
	X(verify_refused, VERIFY_REFUSED) /* valid cookies not counted: source failed too often */ \
	X(prefilter_full,                                                                          \
	  PREFILTER_FULL) /* packets naming more than BOTSINK_PREFILTER_HITS rules */              \
	X(evidence, EVIDENCE) /* evidence samples handed to userspace (new keys) */                \
	X(evidence_lost, EVIDENCE_LOST) /* new keys without a sample: botsink_evidence was full */

#define BOTSINK_STAT_INDEX(field, NAME) BOTSINK_##NAME,
#define BOTSINK_STAT_FIELD(field, NAME) __u64 field;
#define BOTSINK_STAT_OFFSET(field, NAME)                                  \
	_Static_assert(__builtin_offsetof(struct botsink_stats, field) == \
			       BOTSINK_##NAME * sizeof(__u64),            \
		       "struct botsink_stats: " #field " is not at index BOTSINK_" #NAME);

enum botsink_stat {
	BOTSINK_STATS(BOTSINK_STAT_INDEX) BOTSINK_NSTATS,
};

#define BOTSINK_CLASS_COUNT (BOTSINK_UNCLASSIFIED + 1) /* the buckets */

/* botsink_stats[0], per CPU: bpftool shows each count by name. */
struct botsink_stats {
	BOTSINK_STATS(BOTSINK_STAT_FIELD)
};

/* The program may count by index (a frame's bucket): fields and indexes agree. */
BOTSINK_STATS(BOTSINK_STAT_OFFSET)
_Static_assert(sizeof(struct botsink_stats) == BOTSINK_NSTATS * sizeof(__u64),
	       "struct botsink_stats: only the fields of BOTSINK_STATS");

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
 *
 * A list holds candidates in botsink_cands, ranked: a destination's list
 * holds its rules that are not tied to a few exact ports; those (TCP/UDP
 * rules naming at most BOTSINK_PORT_FANOUT single ports) are in port
 * lists, so a packet meets only the rules of its port however many there
 * are. A list's candidates come in three parts:
 *   - a walked run for every packet: header-only rules, and payload rules
 *     that can match an empty payload;
 *   - a walked run for packets with payload: payload rules without a fast
 *     pattern (or in a list with too few of them to pay for the prefilter);
 *   - one run per rule with a fast pattern, reached only when the
 *     prefilter names the rule: botsink_stamped[{list id, slot}].
 * Each run is ranked best first, ranks are positions in the destination's
 * full order (port lists included), and a packet's rule is the best ranked
 * (lowest rank) match over all of its lists' runs: the first match, as if
 * one list were walked in order.
 *
 * Port lists are found like IPv4 destinations, in two array steps: a
 * destination list with port lists names a port table t (1..); then
 * botsink_port1[((ruleset * BOTSINK_PORT_TABLES + t) * 2 + udp) << 8 |
 * port >> 8] holds a group g (0: none), and botsink_port2[g << 8 | port &
 * 0xff] the port list itself (count 0: none), saving a lookup in
 * botsink_lists. Group ids include the rule set's half: g in
 * [ruleset * BOTSINK_PORT_GROUPS, ...).
 */
#define BOTSINK_V4_GROUP 0x80000000U

struct botsink_dst6_key {
	__u32 prefixlen;
	__u8 ruleset;
	__u8 addr[16];
	__u8 pad[3];
};

/* TCP header flag bits: what the XDP program reads, what a rule's flags name. */
#define BOTSINK_TCP_FIN 0x01
#define BOTSINK_TCP_SYN 0x02
#define BOTSINK_TCP_RST 0x04
#define BOTSINK_TCP_PSH 0x08
#define BOTSINK_TCP_ACK 0x10
#define BOTSINK_TCP_URG 0x20
#define BOTSINK_TCP_ECE 0x40
#define BOTSINK_TCP_CWR 0x80

enum botsink_flags_op {
	BOTSINK_FLAGS_ANY = 0, /* the rule has no flags keyword */
	BOTSINK_FLAGS_EQ = 1, /* (tcp_flags & mask) == value */
	BOTSINK_FLAGS_NE = 2, /* (tcp_flags & mask) != value */
};

enum botsink_app {
	BOTSINK_APP_NONE = 0,
	BOTSINK_APP_HTTP = 1, /* a segment starting with an HTTP request line */
	BOTSINK_APP_DNS = 2, /* a UDP DNS query */
};

enum botsink_dsize_op {
	BOTSINK_DSIZE_ANY = 0,
	BOTSINK_DSIZE_IN = 1, /* dsize_lo <= payload size <= dsize_hi */
	BOTSINK_DSIZE_OUT = 2, /* outside that range */
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
	__u8 app; /* enum botsink_app: the payload must parse as this protocol */
	__u8 ncontents; /* chunks at botsink_contents[content] */
	__u8 dsize_op; /* enum botsink_dsize_op */
	__u8 pad8;
	__u8 domains; /* n + 1: the DNS name must be in domain list n; 0: none */
	__u16 dsize_lo;
	__u16 dsize_hi;
	__u32 content; /* first chunk, rule set half included */
	__u32 rank; /* position in the destination's full ranked order */
	__u32 pad;
};

#define BOTSINK_PORT_FANOUT 16

struct botsink_list {
	__u32 first; /* index in botsink_cands, rule set half included */
	__u16 count; /* the run walked for every packet */
	__u16 payload_count; /* after it, the run walked for packets with payload */
	union {
		__u16 port_table; /* a destination's list: 0: no port lists under it */
		__u16 syn_rule; /* a port list: see BOTSINK_SYN_WALK */
	};
	__u16 stamped; /* rules reached through the prefilter; 0: none */
	__u32 id; /* its list index, rule set half included: its runs' key */
	/*
	 * The best rank of a DNS rule among them that any query to port 53
	 * meets by its header (~0U: none): there a question that cannot be
	 * read is malformed, as a walked DNS rule would find it.
	 */
	__u32 dns_rank;
};

/*
 * A port list's syn_rule: the outcome of the search for a plain SYN (TCP
 * flags SYN alone, no payload) to its port, decided when the rule set is
 * installed from its walked run and its destination's, where no entry
 * before the winner depends on the source, the source port or the payload.
 * The most common check-in then skips the walks: one candidate lookup.
 * BOTSINK_SYN_WALK: undecided, walk; BOTSINK_SYN_NO_RULE: no rule matches;
 * else the winner, BOTSINK_SYN_IN_DEST if in the destination's walked run
 * (else in the port list's), at (syn_rule & BOTSINK_SYN_INDEX) - 1 in it.
 */
#define BOTSINK_SYN_WALK 0
#define BOTSINK_SYN_NO_RULE 0xffff
#define BOTSINK_SYN_IN_DEST 0x8000
#define BOTSINK_SYN_INDEX 0x7fff

/* botsink_stamped: one rule's run in one list. */
struct botsink_stamped_key {
	__u32 list; /* struct botsink_list id */
	__u32 slot;
};

struct botsink_run {
	__u32 first; /* index in botsink_cands, rule set half included */
	__u32 count;
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
	__u64 checkins; /* SYNs and data segments (retransmissions once), datagrams */
	__u64 checkins_tcp; /* of checkins: TCP ones (SYNs, data segments) */
	/*
	 * Of checkins_tcp: data segments acknowledging a valid SYN cookie, so
	 * the source completed a handshake: its address is not spoofed.
	 */
	__u64 checkins_verified;
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	__u8 dst_addr[16]; /* last seen */
	__u16 dst_port; /* last seen; 0 when not TCP/UDP */
	__u8 protocol; /* last seen IP protocol */
	__u8 pad;
	__u16 dns_qtype; /* last seen DNS query type; 0 when not DNS */
	__u8 pad2[2];
};

/*
 * One CPU's share of a key's counter added to the key's total, the same in
 * the collector and in userspace's live reads (kernel/census.c): counts add
 * up, first and last seen are the earliest and latest, the destination,
 * port and protocol are the latest share's (at equal times the later CPU's),
 * and the DNS query type the latest share's that has one (*qtype_seen: the
 * last seen of that share). Shares without packets are empty.
 */
static inline void botsink_counter_add(struct botsink_counter *t, const struct botsink_counter *c,
				       __u64 *qtype_seen)
{
	if (!c->packets)
		return;
	if (!t->packets || c->first_seen_ns < t->first_seen_ns)
		t->first_seen_ns = c->first_seen_ns;
	if (c->last_seen_ns >= t->last_seen_ns) {
		t->last_seen_ns = c->last_seen_ns;
		__builtin_memcpy(t->dst_addr, c->dst_addr, sizeof(t->dst_addr));
		t->dst_port = c->dst_port;
		t->protocol = c->protocol;
	}
	t->packets += c->packets;
	t->bytes += c->bytes;
	t->syns += c->syns;
	t->checkins += c->checkins;
	t->checkins_tcp += c->checkins_tcp;
	t->checkins_verified += c->checkins_verified;
	if (c->dns_qtype && (!t->dns_qtype || c->last_seen_ns >= *qtype_seen)) {
		t->dns_qtype = c->dns_qtype;
		*qtype_seen = c->last_seen_ns;
	}
}

/*
 * Reading a drained generation out (bpf/collect.bpf.c, run with
 * BPF_PROG_TEST_RUN): the program walks table botsink_active[slot] and
 * writes each key that has packets, with its counters summed over CPUs,
 * into botsink_collected from entry `base` on. The loader sizes
 * botsink_collected to hold a whole generation, which userspace then reads
 * in place.
 */
struct botsink_collect_args {
	__u32 slot; /* in: BOTSINK_SLOT(kind, gen) */
	__u32 ncpus; /* in: possible CPUs */
	__u32 base; /* in: the first entry to write */
	__u32 count; /* out: entries written (botsink_clear: keys deleted) */
};

/*
 * Evidence: with botsink_config.evidence set, the program hands userspace
 * one sample of the check-in that created a (source, sid) key in a source
 * table of the active generation (never an aggregate's), through the ring
 * buffer botsink_evidence: so a sample costs new keys only, and a
 * generation holds at most as many as its tables hold keys. A full ring
 * loses the sample (stats evidence_lost), never the count.
 *
 * The sample holds the payload window as loaded for matching and, as
 * ranges of it, the HTTP request line's method and target and the Host,
 * User-Agent and Referer values (a line the window cuts is not there);
 * a DNS query's name, dotted, and type. Bytes of window past window_len,
 * and of dns_name past dns_len, are not the packet's.
 */
#define BOTSINK_EVIDENCE_RING (16U << 20) /* bytes: 19,418 samples in flight */

enum botsink_evidence_field {
	BOTSINK_EV_HTTP_METHOD = 0,
	BOTSINK_EV_HTTP_URI,
	BOTSINK_EV_HTTP_HOST, /* the whole value: port included */
	BOTSINK_EV_HTTP_AGENT,
	BOTSINK_EV_HTTP_REFERER,
	BOTSINK_EV_FIELDS,
};

enum botsink_evidence_flags {
	BOTSINK_EV_HTTP = 1, /* the window starts with an HTTP request line */
	BOTSINK_EV_DNS = 2, /* a DNS query whose question was read */
};

struct botsink_evidence {
	__u8 src_addr[16];
	__u32 sid; /* 0: unclassified */
	__u32 gen; /* the generation whose table got the key */
	__u64 time_ns; /* CLOCK_MONOTONIC_COARSE, as the counters' */
	__u8 dst_addr[16];
	__u16 src_port;
	__u16 dst_port;
	__u8 protocol;
	__u8 flags; /* enum botsink_evidence_flags */
	__u16 dns_qtype;
	__u32 payload_len; /* as the headers say (a first fragment: its own) */
	__u16 window_len; /* of which window[0, window_len) holds the first bytes */
	__u16 dns_len;
	__u16 lo[BOTSINK_EV_FIELDS]; /* field f is window[lo[f], hi[f]); empty: not seen */
	__u16 hi[BOTSINK_EV_FIELDS];
	__u8 dns_name[256];
	__u8 window[BOTSINK_WINDOW];
};

/* One (source, sid) of a drained generation, summed over CPUs. */
struct botsink_source_count {
	struct botsink_source_key key; /* an overflow kind: a prefix, or a catch-all */
	__u32 kind; /* enum botsink_counter_kind */
	struct botsink_counter total; /* first/last seen: min/max; dst: the latest */
};

/*
 * botsink_hits[slot], per CPU: totals since the maps were created (or the
 * slot went to another sid), what the metrics and botsink top read live.
 * Check-ins as in struct botsink_counter (also those an overflow table
 * took).
 */
struct botsink_rule_hits {
	__u64 packets;
	__u64 bytes;
	__u64 checkins;
	__u64 checkins_verified;
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
