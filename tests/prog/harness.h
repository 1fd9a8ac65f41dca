/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The BPF_PROG_TEST_RUN harness: the real XDP program, verified and run by
 * the running kernel, with the real rule compiler, installer and drain.
 *
 * Every test gets freshly loaded private maps (nothing pinned). Each frame
 * sent is checked at once: the XDP verdict and the exact statistics delta
 * (one bucket, plus vlan for tagged frames). Frames that are counted also
 * add to an expected table of per-(source, sid) counters and per-slot rule
 * hits; at the end of every test the drain must return exactly that table,
 * every rule slot must hold exactly the expected hits, and the statistics
 * buckets must add up to the number of frames sent.
 */
#ifndef BOTSINK_HARNESS_H
#define BOTSINK_HARNESS_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <bpf/bpf.h>
#include "botsink_abi.h"
#include "kernel/counters.h"
#include "kernel/loader.h"
#include "rules/compile.h"
#include "rules/rules.h"
#include "frames.h"

#define SINKHOLE "203.0.113.0/24,2001:db8:5::/48"
#define SRC4 "198.51.100.7"
#define SRC6 "2001:db8:aaaa::7"
#define HOST4 "203.0.113.10"
#define HOST6 "2001:db8:5::10"
#define SPORT 40000
#define MAX_WANT 256
#define MAX_SEEN 1024 /* TCP check-in segments remembered by one test */
#define NFRAMES 4
#define PERCPU_VALUE_MAX 256 /* bytes: the largest per-CPU map value read (env.percpu) */
extern const char base_rules[];
extern const char *cur_test;
extern unsigned int cur_checks, cur_failures;
#define CHECK(cond) check_at(__LINE__, (cond), "%s", #cond)
#define CHECK_EQ(a, b) check_eq_at(__LINE__, #a, (unsigned long long)(a), (unsigned long long)(b))

struct want_counter {
	struct botsink_source_key key;
	struct botsink_counter c; /* dst_addr, dst_port, protocol: the last frame's */
};

/* What a counted frame adds to its (source, sid). */
struct hit {
	struct botsink_source_key key;
	__u8 dst[16];
	__u16 dport;
	__u8 proto;
	bool syn;
	/* For the check-in count: a TCP segment's identity and data size. */
	__u16 sport;
	__u32 seq;
	__u32 payload_len;
	__u16 dns_qtype; /* expected in the counter when not 0 */
	bool verified; /* acknowledges a valid SYN cookie: a verified check-in if a check-in */
	bool responder_port; /* drop verdict: the responder answers on its port */
	bool refused; /* a valid cookie the guard refuses (its source failed too often) */
};

struct expect {
	int bucket;
	int action; /* XDP_*, or -1: what the installed verdict implies */
	bool table_full; /* no free counter slot: hits count, the counter does not */
	bool responded; /* the responder answers it (XDP_TX) */
	bool prefilter_full; /* its fast patterns name more rules than are checked */
	bool evidence; /* it creates a key with botsink_config.evidence set: a sample */
	bool evidence_lost; /* ... and botsink_evidence is full: the sample is lost */
	const struct hit *hit; /* matched/unclassified */
};

/* A TCP segment's identity for the retransmission check. */
struct segment_id {
	__u8 src[16];
	__u8 dst[16];
	__u32 seq;
	__u16 sport;
	__u16 dport;
};

/*
 * The counter tables the tests load: the daemon's defaults (65,536 per
 * generation) cost 0.3 s of map allocation per test and nothing more to
 * test; table-full tests fill whatever size was loaded.
 */
#define TEST_MAX_SOURCES 4096

struct env {
	struct loader l;
	int ncpus;
	cpu_set_t all_cpus; /* the affinity we started with */
	int home_cpu; /* where tests run, so "last seen" is well defined */
	struct addr_set sinkhole;
	struct rule_set rs;
	struct compiled c;
	enum botsink_verdict verdict;
	enum botsink_respond respond; /* what install_at asks for */
	__u64 stats_base[BOTSINK_NSTATS];
	__u64 stats_want[BOTSINK_NSTATS]; /* expected delta */
	__u64 frames;
	struct want_counter want[MAX_WANT];
	struct segment_id seen[MAX_SEEN]; /* TCP check-ins so far */
	size_t nseen;
	size_t nwant;
	__u32 slot_sid[BOTSINK_MAX_RULES]; /* botsink_rules[slot].sid */
	struct botsink_rule_hits hits_base[BOTSINK_MAX_RULES];
	struct botsink_rule_hits hits_want[BOTSINK_MAX_RULES]; /* expected delta */
	void *percpu; /* scratch: one map value per possible CPU */
	uint8_t out[FRAME_MAX + 512]; /* the last frame as the program left it (XDP_TX) */
	size_t out_len;
};
extern struct env env;
#define INSTALL(rules, verdict) install_at(__LINE__, (rules), (verdict))
#define SEND(f, bucket) send_frame_at(__LINE__, (f), (f)->len, (bucket), 0, -1, false)
#define SEND_SID(f, sid) send_frame_at(__LINE__, (f), (f)->len, sid_bucket(sid), (sid), -1, false)
#define SEND_CUT(f, len, bucket) send_frame_at(__LINE__, (f), (len), (bucket), 0, -1, false)
#define SEND_RAW(data, bucket) \
	send_raw_at(__LINE__, data, sizeof(data), bucket, NULL, 0, NULL, 0, 0, 0)
#define SEND_RAW_SID(data, src, sid, dst, dport, proto, syn) \
	send_raw_at(__LINE__, data, sizeof(data), sid_bucket(sid), src, sid, dst, dport, proto, syn)
#define CHECK_DRAIN() check_drain_at(__LINE__, NULL)
#define CHECK_HITS() check_hits_at(__LINE__)
#define HBH 0xff /* FR_IPPROTO_HOPOPTS is 0, the list terminator */

struct test {
	const char *name;
	void (*fn)(void);
	__u32 max_sources; /* the counter tables' size; 0: TEST_MAX_SOURCES */
};

#define TEST(name)                    \
	{                             \
#name, test_##name, 0 \
	}
/* A test that needs more (source, sid) keys than TEST_MAX_SOURCES. */
#define TEST_SIZED(name, sources)             \
	{                                     \
#name, test_##name, (sources) \
	}

bool __attribute__((format(printf, 3, 4))) check_at(int line, bool ok, const char *fmt, ...);
bool check_eq_at(int line, const char *what, unsigned long long got, unsigned long long want);
struct frame *new_frame(void);
void read_stats(__u64 out[BOTSINK_NSTATS]);
void read_hits(struct botsink_rule_hits *out);
void read_slots(void);
int slot_of(__u32 sid);
int count_keys(int fd, size_t key_size);
struct botsink_config read_config(void);
void pin_cpu(int cpu);
bool env_setup(__u32 max_sources);
void env_teardown(void);
bool install_at(int line, const char *rules, enum botsink_verdict verdict);
bool run_prog(int line, const void *data, size_t len, __u32 *retval);
bool is_tagged(const uint8_t *data, size_t len);
int implied_action(int bucket);
const char *action_name(__u32 action);
struct want_counter *find_want(const struct botsink_source_key *key);
bool expect_checkin(const struct hit *h);
bool cookie_checked(const struct hit *h);
void forget_segment(const struct hit *h);
void expect_counted(int line, const struct hit *h, size_t len, bool table_full, bool checkin);
void send_at(int line, const void *data, size_t len, const struct expect *x);
void set_addr(__u8 out[16], const char *text);
void frame_hit(const struct frame *f, __u32 sid, struct hit *h);
void send_frame_at(int line, const struct frame *f, size_t len, int bucket, __u32 sid, int action,
		   bool table_full);
int sid_bucket(__u32 sid);
void send_raw_at(int line, const uint8_t *data, size_t len, int bucket, const char *src, __u32 sid,
		 const char *dst, __u16 dport, __u8 proto, bool syn);
void format_key(const struct botsink_source_key *k, char *buf, size_t len);
void check_drained(int line, const struct want_counter *w, const struct drain_result *r);
void check_drain_at(int line, struct drain_result *keep);
void check_hits_at(int line);
void check_totals_at(int line);
__u64 stat_delta(int i);
struct frame *tcp4(const char *src, const char *dst, uint16_t dport, uint8_t flags);
struct frame *tcp6(const char *src, const char *dst, uint16_t dport, uint8_t flags);
struct frame *udp4(const char *src, const char *dst, uint16_t sport, uint16_t dport);
struct frame *udp6(const char *src, const char *dst, uint16_t sport, uint16_t dport);
struct frame *tcp_segment(int family, const char *src, const char *dst, uint16_t dport,
			  uint8_t flags, uint32_t seq, const void *data, size_t n);
struct frame *udp4_data(const char *dst, uint16_t dport, const void *data, size_t n);
struct frame *arp(const char *target);
struct frame *tcp6_ext(const char *dst, const uint8_t *ext, uint16_t dport);

/* A dotted name ("www.example.com") in DNS wire form; returns its length. */
size_t dns_wire_name(const char *dotted, uint8_t *out);

#endif
