// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests: the real XDP program, verified and run by the
 * running kernel, with the real rule compiler, installer and drain.
 *
 * Every test gets freshly loaded private maps (nothing pinned). Each frame
 * sent is checked at once: the XDP verdict and the exact statistics delta
 * (one bucket, plus vlan for tagged frames). Frames that are counted also
 * add to an expected table of per-(source, sid) counters and per-slot rule
 * hits; at the end of every test the drain must return exactly that table,
 * every rule slot must hold exactly the expected hits, and the statistics
 * buckets must add up to the number of frames sent.
 *
 * Run as root: build/tests/prog_test [TEST...]
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "botsink_abi.h"
#include "compile.h"
#include "counters.h"
#include "frames.h"
#include "install.h"
#include "loader.h"
#include "log.h"
#include "rules.h"
#include "util.h"

#define SINKHOLE "203.0.113.0/24,2001:db8:5::/48"
#define SRC4 "198.51.100.7"
#define SRC6 "2001:db8:aaaa::7"
#define HOST4 "203.0.113.10"
#define HOST6 "2001:db8:5::10"
#define SPORT 40000
#define NSTATS 8 /* the fields of struct botsink_stats */
#define VLAN_STAT 7
#define TABLE_FULL_STAT 6
#define MAX_WANT 256
#define NFRAMES 4

_Static_assert(sizeof(struct botsink_stats) == NSTATS * sizeof(__u64), "stats layout");

static const char *const stat_names[NSTATS] = {
	"non_ip",  "non_sinkhole", "malformed",	 "fragment",
	"matched", "unclassified", "table_full", "vlan",
};

/* The rule set most parse tests use. */
static const char base_rules[] =
	"alert tcp any any -> 203.0.113.10 80 (msg:\"ET TROJAN Zeus gate check-in\"; sid:1001; rev:1;)\n"
	"alert udp any any -> 203.0.113.0/24 53 (msg:\"Sality DNS beacon\"; sid:1002; rev:1;)\n"
	"alert tcp any any -> 2001:db8:5::10 80 (msg:\"Zeus gate check-in (IPv6)\"; sid:1003;)\n"
	"alert udp any any -> 2001:db8:5::/48 53 (msg:\"Sality DNS beacon (IPv6)\"; sid:1004;)\n";

/* ---- checks ---- */

static const char *cur_test;
static unsigned int cur_checks, cur_failures;

static bool __attribute__((format(printf, 3, 4))) check_at(int line, bool ok, const char *fmt, ...)
{
	va_list ap;

	cur_checks++;
	if (ok)
		return true;
	cur_failures++;
	fprintf(stderr, "  %s: line %d: ", cur_test, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

static bool check_eq_at(int line, const char *what, unsigned long long got, unsigned long long want)
{
	return check_at(line, got == want, "%s is %llu, expected %llu", what, got, want);
}

#define CHECK(cond) check_at(__LINE__, (cond), "%s", #cond)
#define CHECK_EQ(a, b) check_eq_at(__LINE__, #a, (unsigned long long)(a), (unsigned long long)(b))

/* ---- the environment of one test ---- */

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
};

struct expect {
	int bucket;
	int action; /* XDP_*, or -1: what the installed verdict implies */
	bool table_full; /* no free counter slot: hits count, the counter does not */
	const struct hit *hit; /* matched/unclassified */
};

static struct env {
	struct loader l;
	int ncpus;
	cpu_set_t all_cpus; /* the affinity we started with */
	int home_cpu; /* where tests run, so "last seen" is well defined */
	struct addr_set sinkhole;
	struct rule_set rs;
	struct compiled c;
	enum botsink_verdict verdict;
	__u64 stats_base[NSTATS];
	__u64 stats_want[NSTATS]; /* expected delta */
	__u64 frames;
	struct want_counter want[MAX_WANT];
	size_t nwant;
	__u32 slot_sid[BOTSINK_MAX_RULES]; /* botsink_rules[slot].sid */
	struct botsink_rule_hits hits_base[BOTSINK_MAX_RULES];
	struct botsink_rule_hits hits_want[BOTSINK_MAX_RULES]; /* expected delta */
	void *percpu; /* scratch: one map value per possible CPU */
} env;

static uint8_t frame_bufs[NFRAMES][FRAME_MAX];
static struct frame frame_ring[NFRAMES];
static unsigned int frame_next;

/* A fresh frame; the last NFRAMES stay valid. */
static struct frame *new_frame(void)
{
	unsigned int i = frame_next++ % NFRAMES;

	frame_init(&frame_ring[i], frame_bufs[i], FRAME_MAX);
	return &frame_ring[i];
}

static void read_stats(__u64 out[NSTATS])
{
	const struct botsink_stats *s = env.percpu;
	__u32 zero = 0;

	memset(out, 0, NSTATS * sizeof(*out));
	if (bpf_map_lookup_elem(env.l.maps.stats, &zero, env.percpu))
		return;
	for (int cpu = 0; cpu < env.ncpus; cpu++)
		for (int i = 0; i < NSTATS; i++)
			out[i] += ((const __u64 *)&s[cpu])[i];
}

static void read_hits(struct botsink_rule_hits *out)
{
	const struct botsink_rule_hits *h = env.percpu;

	memset(out, 0, BOTSINK_MAX_RULES * sizeof(*out));
	for (__u32 slot = 0; slot < BOTSINK_MAX_RULES; slot++) {
		if (bpf_map_lookup_elem(env.l.maps.hits, &slot, env.percpu))
			continue;
		for (int cpu = 0; cpu < env.ncpus; cpu++) {
			out[slot].packets += h[cpu].packets;
			out[slot].bytes += h[cpu].bytes;
		}
	}
}

static void read_slots(void)
{
	struct botsink_rule_info info;

	for (__u32 slot = 0; slot < BOTSINK_MAX_RULES; slot++) {
		env.slot_sid[slot] = 0;
		if (!bpf_map_lookup_elem(env.l.maps.rules, &slot, &info))
			env.slot_sid[slot] = info.sid;
	}
}

/* The rule slot (botsink_rules, botsink_hits) of a sid; 0: unclassified; -1: none. */
static int slot_of(__u32 sid)
{
	if (!sid)
		return BOTSINK_SLOT_UNCLASSIFIED;
	for (int slot = 1; slot < BOTSINK_MAX_RULES; slot++)
		if (env.slot_sid[slot] == sid)
			return slot;
	return -1;
}

static int count_keys(int fd, size_t key_size)
{
	__u8 cur[64], next[64];
	int n = 0;

	if (key_size > sizeof(cur))
		return -1;
	for (void *prev = NULL; !bpf_map_get_next_key(fd, prev, next); prev = cur, n++)
		memcpy(cur, next, key_size);
	return n;
}

static struct botsink_config read_config(void)
{
	struct botsink_config cfg = { 0 };
	__u32 zero = 0;

	bpf_map_lookup_elem(env.l.maps.config, &zero, &cfg);
	return cfg;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static bool env_setup(void)
{
	char err[512];

	memset(&env.l, 0, sizeof(env.l));
	if (loader_open(&env.l, NULL, LOADER_PROGRAM | LOADER_NO_PINS, err, sizeof(err))) {
		check_at(0, false, "loader_open: %s", err);
		return false;
	}
	env.verdict = BOTSINK_VERDICT_PASS;
	env.frames = 0;
	env.nwant = 0;
	memset(env.stats_want, 0, sizeof(env.stats_want));
	memset(env.hits_want, 0, sizeof(env.hits_want));
	memset(&env.rs, 0, sizeof(env.rs));
	memset(&env.c, 0, sizeof(env.c));
	read_stats(env.stats_base);
	read_hits(env.hits_base);
	read_slots();
	return true;
}

static void env_teardown(void)
{
	rules_free(&env.rs);
	compiled_free(&env.c);
	loader_close(&env.l, false);
	pin_cpu(env.home_cpu);
}

/* ---- rules ---- */

static bool install_at(int line, const char *rules, enum botsink_verdict verdict)
{
	char err[512];

	rules_free(&env.rs);
	compiled_free(&env.c);
	rules_parse_buffer("test.rules", rules, &env.rs);
	if (!env.rs.nerrors)
		compile_rules(&env.rs, &env.sinkhole, &env.c);
	if (env.rs.nerrors) {
		rules_print_errors(&env.rs);
		return check_at(line, false, "the test rules do not compile");
	}
	if (install_rules(&env.l.maps, &env.rs, &env.c, verdict, err, sizeof(err)))
		return check_at(line, false, "install_rules: %s", err);
	env.verdict = verdict;
	read_slots();
	return true;
}

#define INSTALL(rules, verdict) install_at(__LINE__, (rules), (verdict))

/* ---- sending frames ---- */

static bool run_prog(int line, const void *data, size_t len, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = (__u32)len,
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(loader_prog_fd(&env.l), &opts);

	if (!check_at(line, !err, "BPF_PROG_TEST_RUN with %zu bytes: %s", len, strerror(-err)))
		return false;
	*retval = opts.retval;
	return true;
}

static bool is_tagged(const uint8_t *data, size_t len)
{
	uint16_t type = len >= ETH_LEN ? (uint16_t)(data[12] << 8 | data[13]) : 0;

	return type == FR_ETH_P_8021Q || type == FR_ETH_P_8021AD;
}

static int implied_action(int bucket)
{
	if (env.verdict != BOTSINK_VERDICT_DROP)
		return XDP_PASS;
	if (bucket == BOTSINK_FRAGMENT || bucket == BOTSINK_MATCHED ||
	    bucket == BOTSINK_UNCLASSIFIED)
		return XDP_DROP;
	return XDP_PASS;
}

static const char *action_name(__u32 action)
{
	return action == XDP_PASS ? "XDP_PASS" : action == XDP_DROP ? "XDP_DROP" : "other";
}

static struct want_counter *find_want(const struct botsink_source_key *key)
{
	for (size_t i = 0; i < env.nwant; i++)
		if (!memcmp(&env.want[i].key, key, sizeof(*key)))
			return &env.want[i];
	return NULL;
}

static void expect_counted(int line, const struct hit *h, size_t len, bool table_full)
{
	struct want_counter *w = find_want(&h->key);
	int slot = slot_of(h->key.sid);

	if (check_at(line, slot >= 0, "sid %u has no rule slot", h->key.sid)) {
		env.hits_want[slot].packets++;
		env.hits_want[slot].bytes += len;
	}
	if (table_full)
		return;
	if (!w) {
		if (!check_at(line, env.nwant < MAX_WANT, "too many expected counters"))
			return;
		w = &env.want[env.nwant++];
		memset(w, 0, sizeof(*w));
		w->key = h->key;
	}
	w->c.packets++;
	w->c.bytes += len;
	w->c.syns += h->syn;
	memcpy(w->c.dst_addr, h->dst, 16);
	w->c.dst_port = h->dport;
	w->c.protocol = h->proto;
}

/* Run one frame; check its verdict and its exact statistics delta. */
static void send_at(int line, const void *data, size_t len, const struct expect *x)
{
	int action = x->action >= 0 ? x->action : implied_action(x->bucket);
	__u64 before[NSTATS], after[NSTATS], want[NSTATS] = { 0 };
	bool same = true;
	__u32 retval;

	read_stats(before);
	if (!run_prog(line, data, len, &retval))
		return;
	read_stats(after);
	env.frames++;
	check_at(line, retval == (__u32)action, "%zu-byte frame: verdict %s, expected %s", len,
		 action_name(retval), action_name((__u32)action));
	want[x->bucket] = 1;
	want[VLAN_STAT] = is_tagged(data, len);
	want[TABLE_FULL_STAT] = x->table_full;
	for (int i = 0; i < NSTATS; i++) {
		same &= after[i] - before[i] == want[i];
		env.stats_want[i] += want[i];
	}
	if (!check_at(line, same, "%zu-byte frame: expected bucket %s%s%s; statistics moved:", len,
		      stat_names[x->bucket], want[VLAN_STAT] ? " + vlan" : "",
		      x->table_full ? " + table_full" : ""))
		for (int i = 0; i < NSTATS; i++)
			if (after[i] != before[i])
				fprintf(stderr, "    %s +%llu\n", stat_names[i],
					(unsigned long long)(after[i] - before[i]));
	if (x->hit)
		expect_counted(line, x->hit, len, x->table_full);
}

static void set_addr(__u8 out[16], const char *text)
{
	struct in6_addr a = { 0 };

	if (addr_parse(text, &a))
		fprintf(stderr, "  bad address in a test: %s\n", text);
	memcpy(out, &a, 16);
}

/* The counter a frame built with frames.h adds to. */
static void frame_hit(const struct frame *f, __u32 sid, struct hit *h)
{
	const uint8_t *ip = f->buf + f->l3;
	uint32_t v4[2];

	memset(h, 0, sizeof(*h));
	h->key.sid = sid;
	if (f->ip_version == 4) {
		memcpy(v4, ip + IP4_OFF_SADDR, sizeof(v4));
		addr_from_v4((struct in6_addr *)h->key.addr, v4[0]);
		addr_from_v4((struct in6_addr *)h->dst, v4[1]);
	} else {
		memcpy(h->key.addr, ip + IP6_OFF_SADDR, 16);
		memcpy(h->dst, ip + IP6_OFF_DADDR, 16);
	}
	h->proto = f->l4_proto;
	h->dport = f->dport;
	h->syn = f->l4_proto == FR_IPPROTO_TCP && (f->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN;
}

static void send_frame_at(int line, const struct frame *f, size_t len, int bucket, __u32 sid,
			  int action, bool table_full)
{
	struct expect x = { .bucket = bucket, .action = action, .table_full = table_full };
	struct hit h;

	if (!check_at(line, frame_ok(f), "the test frame does not fit"))
		return;
	if (bucket == BOTSINK_MATCHED || bucket == BOTSINK_UNCLASSIFIED) {
		frame_hit(f, sid, &h);
		x.hit = &h;
	}
	send_at(line, f->buf, len, &x);
}

static int sid_bucket(__u32 sid)
{
	return sid ? BOTSINK_MATCHED : BOTSINK_UNCLASSIFIED;
}

/* A frame that is not attributed: non_ip, non_sinkhole, malformed, fragment. */
#define SEND(f, bucket) send_frame_at(__LINE__, (f), (f)->len, (bucket), 0, -1, false)
/* A frame attributed to `sid`; 0: unclassified. */
#define SEND_SID(f, sid) send_frame_at(__LINE__, (f), (f)->len, sid_bucket(sid), (sid), -1, false)
/* The first `len` bytes of a frame. */
#define SEND_CUT(f, len, bucket) send_frame_at(__LINE__, (f), (len), (bucket), 0, -1, false)

/* A capture: raw bytes; counted ones name their counter. */
static void send_raw_at(int line, const uint8_t *data, size_t len, int bucket, const char *src,
			__u32 sid, const char *dst, __u16 dport, __u8 proto, bool syn)
{
	struct expect x = { .bucket = bucket, .action = -1 };
	struct hit h = { .key.sid = sid, .dport = dport, .proto = proto, .syn = syn };

	if (src) {
		set_addr(h.key.addr, src);
		set_addr(h.dst, dst);
		x.hit = &h;
	}
	send_at(line, data, len, &x);
}

#define SEND_RAW(data, bucket) \
	send_raw_at(__LINE__, data, sizeof(data), bucket, NULL, 0, NULL, 0, 0, 0)
#define SEND_RAW_SID(data, src, sid, dst, dport, proto, syn) \
	send_raw_at(__LINE__, data, sizeof(data), sid_bucket(sid), src, sid, dst, dport, proto, syn)

/* ---- end-of-test checks ---- */

static void format_key(const struct botsink_source_key *k, char *buf, size_t len)
{
	char addr[ADDR_TEXT_LEN];

	addr_format((const struct in6_addr *)k->addr, addr, sizeof(addr));
	snprintf(buf, len, "(%s, sid %u)", addr, k->sid);
}

static void check_drained(int line, const struct want_counter *w, const struct drain_result *r)
{
	const struct botsink_counter *got = NULL;
	char key[96], dst[ADDR_TEXT_LEN];
	int found = 0;

	format_key(&w->key, key, sizeof(key));
	for (size_t i = 0; i < r->n; i++) {
		if (memcmp(&r->items[i].key, &w->key, sizeof(w->key)))
			continue;
		got = &r->items[i].total;
		found++;
	}
	if (!check_at(line, found == 1, "%s drained %d times, expected once", key, found))
		return;
	addr_format((const struct in6_addr *)got->dst_addr, dst, sizeof(dst));
	check_at(line,
		 got->packets == w->c.packets && got->bytes == w->c.bytes && got->syns == w->c.syns,
		 "%s: %llu packets, %llu bytes, %llu syns; expected %llu, %llu, %llu", key,
		 (unsigned long long)got->packets, (unsigned long long)got->bytes,
		 (unsigned long long)got->syns, (unsigned long long)w->c.packets,
		 (unsigned long long)w->c.bytes, (unsigned long long)w->c.syns);
	check_at(line,
		 !memcmp(got->dst_addr, w->c.dst_addr, 16) && got->dst_port == w->c.dst_port &&
			 got->protocol == w->c.protocol,
		 "%s: last destination %s port %u protocol %u; expected port %u protocol %u", key,
		 dst, got->dst_port, got->protocol, w->c.dst_port, w->c.protocol);
	check_at(line, got->first_seen_ns && got->first_seen_ns <= got->last_seen_ns,
		 "%s: first seen %llu, last seen %llu", key, (unsigned long long)got->first_seen_ns,
		 (unsigned long long)got->last_seen_ns);
}

/*
 * Drain through the real API and compare with the expected counters:
 * every expected (source, sid) exactly once with its exact sums, and
 * nothing else. The expectations start again empty. `keep` receives the
 * result when not NULL.
 */
static void check_drain_at(int line, struct drain_result *keep)
{
	struct drain_result r = { 0 };
	int ret = counters_drain(&env.l.maps, &r);
	size_t unexpected = 0;
	char key[96];

	check_at(line, !ret, "counters_drain: %s", strerror(-ret));
	check_at(line, r.n == env.nwant,
		 "the drain returned %zu (source, sid) counters, expected %zu", r.n, env.nwant);
	for (size_t i = 0; i < env.nwant; i++)
		check_drained(line, &env.want[i], &r);
	for (size_t i = 0; i < r.n; i++) {
		if (find_want(&r.items[i].key) || unexpected++ >= 8)
			continue;
		format_key(&r.items[i].key, key, sizeof(key));
		check_at(line, false, "unexpected counter %s: %llu packets", key,
			 (unsigned long long)r.items[i].total.packets);
	}
	env.nwant = 0;
	if (keep)
		*keep = r;
	else
		drain_result_free(&r);
}

#define CHECK_DRAIN() check_drain_at(__LINE__, NULL)

/* Every rule slot holds exactly the expected hits. */
static void check_hits_at(int line)
{
	static struct botsink_rule_hits now[BOTSINK_MAX_RULES];
	int bad = 0;

	read_hits(now);
	for (__u32 slot = 0; slot < BOTSINK_MAX_RULES; slot++) {
		__u64 packets = now[slot].packets - env.hits_base[slot].packets;
		__u64 bytes = now[slot].bytes - env.hits_base[slot].bytes;

		if (packets == env.hits_want[slot].packets && bytes == env.hits_want[slot].bytes)
			continue;
		if (bad++ < 8)
			check_at(
				line, false,
				"botsink_hits[%u] (sid %u): %llu packets, %llu bytes; expected %llu, %llu",
				slot, env.slot_sid[slot], (unsigned long long)packets,
				(unsigned long long)bytes,
				(unsigned long long)env.hits_want[slot].packets,
				(unsigned long long)env.hits_want[slot].bytes);
	}
	check_at(line, !bad, "%d rule slots with unexpected hits", bad);
}

#define CHECK_HITS() check_hits_at(__LINE__)

/* The statistics moved exactly as expected, and the buckets add up. */
static void check_totals_at(int line)
{
	__u64 now[NSTATS], sum = 0;

	read_stats(now);
	for (int i = 0; i < NSTATS; i++) {
		__u64 delta = now[i] - env.stats_base[i];

		check_at(line, delta == env.stats_want[i],
			 "statistics: %s moved by %llu, expected %llu", stat_names[i],
			 (unsigned long long)delta, (unsigned long long)env.stats_want[i]);
		if (i < BOTSINK_CLASS_COUNT)
			sum += delta;
	}
	check_at(line, sum == env.frames, "the buckets add up to %llu, but %llu frames were sent",
		 (unsigned long long)sum, (unsigned long long)env.frames);
}

static __u64 stat_delta(int i)
{
	__u64 now[NSTATS];

	read_stats(now);
	return now[i] - env.stats_base[i];
}

/* ---- frames used by many tests ---- */

static struct frame *tcp4(const char *src, const char *dst, uint16_t dport, uint8_t flags)
{
	struct frame *f = new_frame();

	frame_tcp4(f, src, dst, SPORT, dport, flags);
	return f;
}

static struct frame *tcp6(const char *src, const char *dst, uint16_t dport, uint8_t flags)
{
	struct frame *f = new_frame();

	frame_tcp6(f, src, dst, SPORT, dport, flags);
	return f;
}

static struct frame *udp4(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	struct frame *f = new_frame();

	frame_udp4(f, src, dst, sport, dport, 16);
	return f;
}

static struct frame *udp6(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	struct frame *f = new_frame();

	frame_udp6(f, src, dst, sport, dport, 16);
	return f;
}

static struct frame *arp(const char *target)
{
	struct frame *f = new_frame();

	frame_eth(f);
	frame_arp(f, "203.0.113.1", target);
	frame_pad(f, FRAME_ETH_MIN);
	return f;
}

#define HBH 0xff /* FR_IPPROTO_HOPOPTS is 0, the list terminator */

/* IPv6 with the given extension headers (0-terminated list) then TCP. */
static struct frame *tcp6_ext(const char *dst, const uint8_t *ext, uint16_t dport)
{
	struct frame *f = new_frame();

	frame_eth(f);
	frame_ipv6(f, SRC6, dst);
	for (; *ext; ext++) {
		if (*ext == FR_IPPROTO_FRAGMENT)
			frame_ipv6_frag(f, 0, false); /* atomic */
		else
			frame_ipv6_ext(f, *ext == HBH ? FR_IPPROTO_HOPOPTS : *ext, 8);
	}
	frame_tcp(f, SPORT, dport, TH_SYN);
	return f;
}

/* ---- tests: frames.h itself ---- */

static bool sums_to_zero(const struct frame *f, size_t off, size_t len, uint32_t sum)
{
	return frame_fold(frame_sum(sum, f->buf + off, len)) == 0;
}

static void test_frame_builder(void)
{
	struct frame *f = tcp4(SRC4, HOST4, 80, TH_SYN), tiny;
	uint8_t small[40];

	CHECK_EQ(f->len, ETH_LEN + IP4_LEN + TCP_LEN);
	CHECK_EQ(frame_get16(f, ETH_OFF_TYPE), FR_ETH_P_IP);
	CHECK_EQ(frame_get16(f, f->l3 + IP4_OFF_TOT_LEN), IP4_LEN + TCP_LEN);
	CHECK_EQ(f->buf[f->l3 + IP4_OFF_PROTO], FR_IPPROTO_TCP);
	CHECK(sums_to_zero(f, f->l3, IP4_LEN, 0));
	CHECK(sums_to_zero(f, f->l4, TCP_LEN, frame_pseudo_sum(f, FR_IPPROTO_TCP, TCP_LEN)));

	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021AD, 10);
	frame_vlan(f, FR_ETH_P_8021Q, 20);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_ext(f, FR_IPPROTO_HOPOPTS, 8);
	frame_ipv6_frag(f, 0, true);
	frame_udp(f, 5353, 53);
	frame_fill(f, 11);
	CHECK_EQ(frame_get16(f, ETH_OFF_TYPE), FR_ETH_P_8021AD);
	CHECK_EQ(frame_get16(f, ETH_LEN + 2), FR_ETH_P_8021Q);
	CHECK_EQ(frame_get16(f, ETH_LEN + 6), FR_ETH_P_IPV6);
	CHECK_EQ(f->buf[f->l3 + IP6_OFF_NEXT], FR_IPPROTO_HOPOPTS);
	CHECK_EQ(f->buf[f->l3 + IP6_LEN], FR_IPPROTO_FRAGMENT);
	CHECK_EQ(f->buf[f->l3 + IP6_LEN + 8], FR_IPPROTO_UDP);
	CHECK_EQ(frame_get16(f, f->l3 + IP6_OFF_PLEN), 8 + 8 + UDP_LEN + 11);
	CHECK_EQ(frame_get16(f, f->l4 + UDP_OFF_LEN), UDP_LEN + 11);
	CHECK(sums_to_zero(f, f->l4, UDP_LEN + 11,
			   frame_pseudo_sum(f, FR_IPPROTO_UDP, UDP_LEN + 11)));

	f = arp(HOST4);
	CHECK_EQ(f->len, FRAME_ETH_MIN);
	CHECK_EQ(frame_get16(f, ETH_OFF_TYPE), FR_ETH_P_ARP);

	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_icmp(f, 8, 0);
	frame_fill(f, 7);
	frame_pad(f, FRAME_ETH_MIN);
	CHECK_EQ(f->len, FRAME_ETH_MIN);
	CHECK_EQ(frame_get16(f, f->l3 + IP4_OFF_TOT_LEN), IP4_LEN + ICMP_LEN + 7);
	CHECK(sums_to_zero(f, f->l4, ICMP_LEN + 7, 0));

	/* A buffer too small: the frame stops growing and says so. */
	frame_init(&tiny, small, sizeof(small));
	CHECK_EQ(frame_tcp4(&tiny, SRC4, HOST4, SPORT, 80, TH_SYN), 0);
	CHECK(!frame_ok(&tiny));
	CHECK_EQ(tiny.len, ETH_LEN + IP4_LEN);
}

/* ---- tests: parse paths ---- */

static void test_no_rule_set(void)
{
	/* Fresh maps: the tables are empty, nothing is sinkhole traffic yet. */
	SEND(tcp4(SRC4, HOST4, 80, TH_SYN), BOTSINK_NON_SINKHOLE);
	SEND(tcp6(SRC6, HOST6, 80, TH_SYN), BOTSINK_NON_SINKHOLE);
	SEND(arp(HOST4), BOTSINK_NON_IP);
	CHECK_EQ(counters_active(&env.l.maps), 0);
}

static void test_sinkhole_without_rules(void)
{
	if (!INSTALL("# no rules\n", BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 0);
	SEND_SID(udp6(SRC6, "2001:db8:5:1::1", 5353, 53), 0);
	SEND(tcp4(SRC4, "198.51.100.200", 80, TH_SYN), BOTSINK_NON_SINKHOLE);
}

static void test_ipv4(void)
{
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	f = tcp4(SRC4, HOST4, 80, TH_PSH | TH_ACK);
	frame_fill(f, 300);
	SEND_SID(f, 1001);
	SEND_SID(tcp4("198.51.100.8", HOST4, 80, TH_SYN), 1001);
	SEND_SID(tcp4(SRC4, HOST4, 81, TH_SYN), 0);
	SEND_SID(udp4(SRC4, "203.0.113.99", 5353, 53), 1002);
	SEND_SID(udp4(SRC4, "203.0.113.255", 5353, 54), 0);

	/* Fragment offset 0 without DF or MF: a whole datagram. */
	f = tcp4(SRC4, HOST4, 80, TH_SYN);
	frame_ipv4_frag(f, 0, false);
	SEND_SID(f, 1001);

	/* Ethernet padding after the IP datagram: counted in bytes. */
	f = tcp4(SRC4, HOST4, 80, TH_RST);
	frame_pad(f, FRAME_ETH_MIN);
	CHECK_EQ(frame_get16(f, f->l3 + IP4_OFF_TOT_LEN), IP4_LEN + TCP_LEN);
	SEND_SID(f, 1001);

	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_icmp(f, 8, 0);
	frame_fill(f, 56);
	SEND_SID(f, 0);

	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_ip_proto(f, FR_IPPROTO_GRE, 24);
	SEND_SID(f, 0);
}

static void test_ipv4_options(void)
{
	static const uint8_t router_alert[] = { 0x94, 0x04, 0x00, 0x00 };
	static const uint8_t nops[] = { 0x01, 0x01, 0x01, 0x01, 0x01 };
	uint8_t record_route[39] = { 0x07, 39, 4 };
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_ipv4_options(f, router_alert, sizeof(router_alert));
	frame_tcp(f, SPORT, 80, TH_SYN);
	CHECK_EQ(f->buf[f->l3] & 0x0f, 6);
	SEND_SID(f, 1001);

	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_ipv4_options(f, record_route, sizeof(record_route));
	frame_tcp_opt(f, SPORT, 80, TH_SYN, frame_syn_options, sizeof(frame_syn_options));
	CHECK_EQ(f->buf[f->l3] & 0x0f, 15);
	SEND_SID(f, 1001);

	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, "203.0.113.77");
	frame_ipv4_options(f, nops, sizeof(nops));
	frame_udp(f, 5353, 53);
	frame_fill(f, 33);
	CHECK_EQ(f->buf[f->l3] & 0x0f, 7);
	SEND_SID(f, 1002);
}

static void test_ipv6(void)
{
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	SEND_SID(tcp6(SRC6, HOST6, 80, TH_SYN), 1003);
	f = tcp6(SRC6, HOST6, 80, TH_ACK);
	frame_fill(f, 500);
	SEND_SID(f, 1003);
	SEND_SID(tcp6(SRC6, HOST6, 443, TH_SYN), 0);
	SEND_SID(udp6(SRC6, "2001:db8:5:ffff:ffff:ffff:ffff:ffff", 5353, 53), 1004);
	SEND_SID(udp6("2001:db8:aaaa::8", "2001:db8:5::99", 5353, 53), 1004);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_icmp6(f, 128, 0); /* echo request */
	frame_fill(f, 56);
	SEND_SID(f, 0);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ip_proto(f, FR_IPPROTO_NONE, 0);
	SEND_SID(f, 0);
}

static void test_ipv6_ext_headers(void)
{
	static const uint8_t hbh[] = { HBH, 0 };
	static const uint8_t dst[] = { FR_IPPROTO_DSTOPTS, 0 };
	static const uint8_t rt[] = { FR_IPPROTO_ROUTING, 0 };
	static const uint8_t frag[] = { FR_IPPROTO_FRAGMENT, 0 };
	static const uint8_t chain[] = { HBH,
					 FR_IPPROTO_DSTOPTS,
					 FR_IPPROTO_ROUTING,
					 FR_IPPROTO_FRAGMENT,
					 FR_IPPROTO_DSTOPTS,
					 0 };
	static const uint8_t six[] = { HBH,
				       FR_IPPROTO_DSTOPTS,
				       FR_IPPROTO_ROUTING,
				       FR_IPPROTO_FRAGMENT,
				       FR_IPPROTO_DSTOPTS,
				       FR_IPPROTO_DSTOPTS,
				       0 };
	static const struct {
		uint8_t type;
		size_t len;
	} big[] = {
		{ FR_IPPROTO_HOPOPTS, 256 },
		{ FR_IPPROTO_ROUTING, 2048 },
		{ FR_IPPROTO_DSTOPTS, 1024 },
	};
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp6_ext(HOST6, hbh, 80), 1003);
	SEND_SID(tcp6_ext(HOST6, dst, 80), 1003);
	SEND_SID(tcp6_ext(HOST6, rt, 80), 1003);
	SEND_SID(tcp6_ext(HOST6, frag, 80), 1003); /* atomic fragment: whole */
	SEND_SID(tcp6_ext(HOST6, chain, 80), 1003);
	SEND_SID(tcp6_ext(HOST6, six, 80), 1003); /* BOTSINK_MAX_EXT_HEADERS */
	SEND_SID(tcp6_ext(HOST6, chain, 81), 0);

	for (size_t i = 0; i < ARRAY_SIZE(big); i++) {
		f = new_frame();
		frame_eth(f);
		frame_ipv6(f, SRC6, HOST6);
		frame_ipv6_ext(f, big[i].type, big[i].len);
		frame_tcp(f, SPORT, 80, TH_SYN);
		SEND_SID(f, 1003);
	}

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, "2001:db8:5::53");
	frame_ipv6_ext(f, FR_IPPROTO_HOPOPTS, 16);
	frame_ipv6_ext(f, FR_IPPROTO_ROUTING, 40);
	frame_ipv6_frag(f, 0, false);
	frame_udp(f, 5353, 53);
	frame_fill(f, 40);
	SEND_SID(f, 1004);
}

static void test_vlan(void)
{
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv4(f, SRC4, HOST4);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND_SID(f, 1001);

	/* QinQ: 802.1ad service tag, then 802.1Q customer tag. */
	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021AD, 10);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv4(f, SRC4, HOST4);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND_SID(f, 1001);

	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021Q, 10);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv4(f, SRC4, HOST4);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND_SID(f, 1001);

	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021AD, 10);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv6(f, SRC6, "2001:db8:5::53");
	frame_udp(f, 5353, 53);
	SEND_SID(f, 1004);

	/* A third tag is more than the program unwraps. */
	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021AD, 10);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_vlan(f, FR_ETH_P_8021Q, 200);
	frame_ipv4(f, SRC4, HOST4);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND(f, BOTSINK_NON_IP);

	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_arp(f, "203.0.113.1", HOST4);
	SEND(f, BOTSINK_NON_IP);

	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv4(f, SRC4, "198.51.100.200");
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND(f, BOTSINK_NON_SINKHOLE);

	f = new_frame();
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv4(f, SRC4, HOST4);
	frame_put8(f, f->l3, 0x44); /* ihl 4 */
	SEND(f, BOTSINK_MALFORMED);

	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001); /* untagged: no vlan */
	CHECK_EQ(stat_delta(VLAN_STAT), 8);
}

/* ---- tests: fragments ---- */

static void test_fragments_ipv4(void)
{
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	/* Later fragments: never attributed, whatever they carry. */
	f = tcp4(SRC4, HOST4, 80, TH_SYN);
	frame_fill(f, 40);
	frame_ipv4_frag(f, 1480, false);
	SEND(f, BOTSINK_FRAGMENT);
	f = tcp4(SRC4, HOST4, 80, TH_SYN);
	frame_ipv4_frag(f, 8, true);
	SEND(f, BOTSINK_FRAGMENT);
	f = udp4(SRC4, "203.0.113.99", 5353, 53);
	frame_ipv4_frag(f, 65528, false);
	SEND(f, BOTSINK_FRAGMENT);
	f = tcp4(SRC4, "198.51.100.200", 80, TH_SYN);
	frame_ipv4_frag(f, 1480, false);
	SEND(f, BOTSINK_NON_SINKHOLE);

	/* A first fragment with the whole TCP header is attributed. */
	f = tcp4(SRC4, HOST4, 80, TH_SYN);
	frame_fill(f, 1000);
	frame_ipv4_frag(f, 0, true);
	SEND_SID(f, 1001);

	/* First fragment with only 8 bytes of TCP. */
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_ipv4_frag(f, 0, true);
	frame_ip_proto(f, FR_IPPROTO_TCP, 8);
	frame_put16(f, f->l4 + TCP_OFF_SPORT, SPORT);
	frame_put16(f, f->l4 + TCP_OFF_DPORT, 80);
	SEND(f, BOTSINK_FRAGMENT);
	/* The same without MF: a datagram too short for TCP. */
	frame_ipv4_frag(f, 0, false);
	SEND(f, BOTSINK_MALFORMED);

	/* First fragment: 24 bytes of a 40-byte TCP header (doff 10). */
	f = tcp4(SRC4, HOST4, 80, TH_SYN);
	frame_fill(f, 4);
	frame_ipv4_frag(f, 0, true);
	frame_put8(f, f->l4 + TCP_OFF_DOFF, 10 << 4);
	SEND(f, BOTSINK_FRAGMENT);

	/* A first UDP fragment: its length is the whole datagram's. */
	f = udp4(SRC4, "203.0.113.99", 5353, 53);
	frame_fill(f, 100);
	frame_ipv4_frag(f, 0, true);
	frame_put16(f, f->l4 + UDP_OFF_LEN, 1480);
	SEND_SID(f, 1002);
	frame_put16(f, f->l4 + UDP_OFF_LEN, 7);
	SEND(f, BOTSINK_MALFORMED);
	/* First fragment with 4 bytes of UDP. */
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, "203.0.113.99");
	frame_ipv4_frag(f, 0, true);
	frame_ip_proto(f, FR_IPPROTO_UDP, 4);
	SEND(f, BOTSINK_FRAGMENT);
}

static void test_fragments_ipv6(void)
{
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 1232, false);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND(f, BOTSINK_FRAGMENT);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 8, true);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND(f, BOTSINK_FRAGMENT);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_ext(f, FR_IPPROTO_HOPOPTS, 8);
	frame_ipv6_ext(f, FR_IPPROTO_DSTOPTS, 8);
	frame_ipv6_frag(f, 2464, true);
	frame_udp(f, 5353, 53);
	SEND(f, BOTSINK_FRAGMENT);

	/*
	 * A later fragment whose fragment header names a destination options
	 * header: that header is in the first fragment; these bytes are
	 * data from the middle of the datagram.
	 */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 1232, false);
	frame_ip_proto(f, FR_IPPROTO_DSTOPTS, 64);
	SEND(f, BOTSINK_FRAGMENT);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, "2001:db8:6::1");
	frame_ipv6_frag(f, 1232, false);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND(f, BOTSINK_NON_SINKHOLE);

	/* First fragments with the whole transport header are attributed. */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 0, true);
	frame_tcp(f, SPORT, 80, TH_SYN);
	frame_fill(f, 1200);
	SEND_SID(f, 1003);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_ext(f, FR_IPPROTO_HOPOPTS, 8);
	frame_ipv6_frag(f, 0, true);
	frame_ipv6_ext(f, FR_IPPROTO_DSTOPTS, 16);
	frame_tcp(f, SPORT, 80, TH_SYN);
	SEND_SID(f, 1003);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, "2001:db8:5::53");
	frame_ipv6_frag(f, 0, true);
	frame_udp(f, 5353, 53);
	frame_fill(f, 100);
	frame_put16(f, f->l4 + UDP_OFF_LEN, 3000);
	SEND_SID(f, 1004);

	/* First fragments without the whole transport header. */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 0, true);
	frame_ip_proto(f, FR_IPPROTO_TCP, 8);
	SEND(f, BOTSINK_FRAGMENT);

	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 0, true);
	frame_ip_proto(f, FR_IPPROTO_ICMPV6, 0);
	SEND(f, BOTSINK_FRAGMENT);

	/* The same 8 bytes of TCP in an atomic fragment: malformed. */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_frag(f, 0, false);
	frame_ip_proto(f, FR_IPPROTO_TCP, 8);
	SEND(f, BOTSINK_MALFORMED);
}

/* ---- tests: malformed frames ---- */

/* Cuts shorter than an Ethernet header never reach the program. */
static void check_too_short_rejected(int line, const struct frame *f)
{
	__u64 before[NSTATS], after[NSTATS];

	read_stats(before);
	for (size_t cut = 1; cut < ETH_LEN; cut++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->buf, .data_size_in = (__u32)cut);
		int err = bpf_prog_test_run_opts(loader_prog_fd(&env.l), &opts);

		check_at(line, err == -EINVAL, "BPF_PROG_TEST_RUN took %zu bytes: %d", cut, err);
	}
	read_stats(after);
	check_at(line, !memcmp(before, after, sizeof(before)), "rejected runs moved statistics");
}

static void test_truncated_vlan_ipv4_tcp(void)
{
	static const uint8_t router_alert[] = { 0x94, 0x04, 0x00, 0x00 };
	struct frame *f = new_frame();

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_ipv4(f, SRC4, HOST4);
	frame_ipv4_options(f, router_alert, sizeof(router_alert));
	frame_tcp_opt(f, SPORT, 80, TH_SYN, frame_syn_options, sizeof(frame_syn_options));
	frame_fill(f, 12);
	/* Inside and at the end of every header: all malformed, vlan counted. */
	for (size_t cut = ETH_LEN; cut < f->len; cut++)
		SEND_CUT(f, cut, BOTSINK_MALFORMED);
	SEND_SID(f, 1001);
	CHECK_EQ(stat_delta(VLAN_STAT), f->len - ETH_LEN + 1);
	CHECK_EQ(stat_delta(BOTSINK_MALFORMED), f->len - ETH_LEN);
	check_too_short_rejected(__LINE__, f);
}

static void test_truncated_ipv6_ext_udp(void)
{
	struct frame *f = new_frame();

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	frame_eth(f);
	frame_ipv6(f, SRC6, "2001:db8:5::53");
	frame_ipv6_ext(f, FR_IPPROTO_HOPOPTS, 8);
	frame_ipv6_ext(f, FR_IPPROTO_DSTOPTS, 16);
	frame_ipv6_ext(f, FR_IPPROTO_ROUTING, 24);
	frame_ipv6_frag(f, 0, false);
	frame_udp(f, 5353, 53);
	frame_fill(f, 20);
	for (size_t cut = ETH_LEN; cut < f->len; cut++)
		SEND_CUT(f, cut, BOTSINK_MALFORMED);
	SEND_SID(f, 1004);
	CHECK_EQ(stat_delta(BOTSINK_MALFORMED), f->len - ETH_LEN);
	check_too_short_rejected(__LINE__, f);
}

static void test_truncated_qinq_arp(void)
{
	struct frame *f = new_frame();
	size_t tags_end = ETH_LEN + 2 * VLAN_LEN;

	frame_eth(f);
	frame_vlan(f, FR_ETH_P_8021AD, 10);
	frame_vlan(f, FR_ETH_P_8021Q, 100);
	frame_arp(f, "203.0.113.1", HOST4);
	/* Cut inside the tags: malformed; after them ARP is not looked into. */
	for (size_t cut = ETH_LEN; cut < f->len; cut++)
		SEND_CUT(f, cut, cut < tags_end ? BOTSINK_MALFORMED : BOTSINK_NON_IP);
	SEND(f, BOTSINK_NON_IP);
}

/* A good SYN to HOST4:80, for breaking. */
static struct frame *syn4_to_break(void)
{
	return tcp4(SRC4, HOST4, 80, TH_SYN);
}

static void test_malformed_ipv4(void)
{
	/* Versions 5, 6, 3; IHL 4, 0, and 15 (60 bytes) in a 40-byte datagram. */
	static const uint8_t bad_ver_ihl[] = { 0x55, 0x65, 0x35, 0x44, 0x40, 0x4f };
	/* Total length beyond the frame, below the header, short of TCP. */
	static const uint16_t bad_len[] = { IP4_LEN + TCP_LEN + 1, 1500, 19, 0, IP4_LEN,
					    IP4_LEN + TCP_LEN - 1 };
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(bad_ver_ihl); i++) {
		f = syn4_to_break();
		frame_put8(f, f->l3 + IP4_OFF_VER_IHL, bad_ver_ihl[i]);
		SEND(f, BOTSINK_MALFORMED);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_len); i++) {
		f = syn4_to_break();
		frame_put16(f, f->l3 + IP4_OFF_TOT_LEN, bad_len[i]);
		SEND(f, BOTSINK_MALFORMED);
	}
	/* IPv4 header checks come before the destination lookup. */
	f = tcp4(SRC4, "198.51.100.200", 80, TH_SYN);
	frame_put8(f, f->l3 + IP4_OFF_VER_IHL, 0x44);
	SEND(f, BOTSINK_MALFORMED);
	/* Nothing but an Ethernet header and the IPv4 ethertype. */
	f = new_frame();
	frame_eth(f);
	frame_put16(f, ETH_OFF_TYPE, FR_ETH_P_IP);
	SEND(f, BOTSINK_MALFORMED);
	/* Checksums are not verified: a wrong one is still counted. */
	f = syn4_to_break();
	frame_put16(f, f->l3 + IP4_OFF_CSUM, 0xdead);
	SEND_SID(f, 1001);
}

static void test_malformed_transport(void)
{
	static const uint8_t bad_doff[] = { 0, 4 << 4, 6 << 4, 15 << 4 };
	static const uint16_t bad_udp_len[] = { 0, 7, UDP_LEN + 17, 0xffff };
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(bad_doff); i++) {
		f = syn4_to_break();
		frame_put8(f, f->l4 + TCP_OFF_DOFF, bad_doff[i]);
		SEND(f, BOTSINK_MALFORMED);
		f = tcp6(SRC6, HOST6, 80, TH_SYN);
		frame_put8(f, f->l4 + TCP_OFF_DOFF, bad_doff[i]);
		SEND(f, BOTSINK_MALFORMED);
	}
	/* The transport of non-sinkhole traffic is not looked at. */
	f = tcp4(SRC4, "198.51.100.200", 80, TH_SYN);
	frame_put8(f, f->l4 + TCP_OFF_DOFF, 4 << 4);
	SEND(f, BOTSINK_NON_SINKHOLE);
	/* doff 8 with 12 bytes of options present: fine. */
	f = tcp4(SRC4, HOST4, 80, TH_SYN);
	frame_fill(f, 12);
	frame_put8(f, f->l4 + TCP_OFF_DOFF, 8 << 4);
	SEND_SID(f, 1001);

	for (size_t i = 0; i < ARRAY_SIZE(bad_udp_len); i++) {
		f = udp4(SRC4, "203.0.113.99", 5353, 53); /* 16 bytes of payload */
		frame_put16(f, f->l4 + UDP_OFF_LEN, bad_udp_len[i]);
		SEND(f, BOTSINK_MALFORMED);
		f = udp6(SRC6, "2001:db8:5::53", 5353, 53);
		frame_put16(f, f->l4 + UDP_OFF_LEN, bad_udp_len[i]);
		SEND(f, BOTSINK_MALFORMED);
	}
	/* A UDP length shorter than the datagram is accepted. */
	f = udp4(SRC4, "203.0.113.99", 5353, 53);
	frame_put16(f, f->l4 + UDP_OFF_LEN, UDP_LEN);
	SEND_SID(f, 1002);
	/* Seven bytes of UDP. */
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, "203.0.113.99");
	frame_ip_proto(f, FR_IPPROTO_UDP, 7);
	SEND(f, BOTSINK_MALFORMED);
	/* An ICMPv6 packet with no type byte. */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ip_proto(f, FR_IPPROTO_ICMPV6, 0);
	SEND(f, BOTSINK_MALFORMED);
}

static void test_malformed_ipv6(void)
{
	static const uint8_t seven[] = { HBH,
					 FR_IPPROTO_DSTOPTS,
					 FR_IPPROTO_ROUTING,
					 FR_IPPROTO_FRAGMENT,
					 FR_IPPROTO_DSTOPTS,
					 FR_IPPROTO_DSTOPTS,
					 FR_IPPROTO_DSTOPTS,
					 0 };
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	f = tcp6(SRC6, HOST6, 80, TH_SYN);
	frame_put8(f, f->l3 + IP6_OFF_VER, 0x40);
	SEND(f, BOTSINK_MALFORMED);
	f = tcp6(SRC6, HOST6, 80, TH_SYN);
	frame_put16(f, f->l3 + IP6_OFF_PLEN, TCP_LEN + 1);
	SEND(f, BOTSINK_MALFORMED);
	f = tcp6(SRC6, HOST6, 80, TH_SYN);
	frame_put16(f, f->l3 + IP6_OFF_PLEN, TCP_LEN - 1);
	SEND(f, BOTSINK_MALFORMED);

	/* An extension header longer than the payload. */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, SRC6, HOST6);
	frame_ipv6_ext(f, FR_IPPROTO_DSTOPTS, 8);
	frame_tcp(f, SPORT, 80, TH_SYN);
	frame_put8(f, f->l3 + IP6_LEN + IP6_EXT_OFF_LEN, 3); /* 32 bytes > 28 */
	SEND(f, BOTSINK_MALFORMED);

	/* One extension header more than BOTSINK_MAX_EXT_HEADERS. */
	_Static_assert(BOTSINK_MAX_EXT_HEADERS == 6, "the chain below has 7 headers");
	SEND(tcp6_ext(HOST6, seven, 80), BOTSINK_MALFORMED);
	/* Extension headers of non-sinkhole traffic are not walked. */
	SEND(tcp6_ext("2001:db8:6::1", seven, 80), BOTSINK_NON_SINKHOLE);

	/* IPv4-mapped addresses would pass for IPv4 hosts. */
	SEND(tcp6("::ffff:198.51.100.7", HOST6, 80, TH_SYN), BOTSINK_MALFORMED);
	SEND(tcp6("::ffff:198.51.100.7", "2001:db8:6::1", 80, TH_SYN), BOTSINK_MALFORMED);
	SEND(tcp6(SRC6, "::ffff:203.0.113.10", 80, TH_SYN), BOTSINK_MALFORMED);
	/* IPv4-compatible (deprecated) is just an IPv6 address. */
	SEND(tcp6(SRC6, "::203.0.113.10", 80, TH_SYN), BOTSINK_NON_SINKHOLE);
}

/* ---- tests: non-sinkhole traffic, neighbour discovery ---- */

static void test_non_sinkhole(void)
{
	static const char *const v4[] = { "198.51.100.200", "203.0.112.255", "203.0.114.0",
					  "224.0.0.251", "255.255.255.255" };
	static const char *const v6[] = { "2001:db8:4:ffff:ffff:ffff:ffff:ffff",
					  "2001:db8:6::", "ff02::fb", "fe80::1" };
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(v4); i++) {
		SEND(tcp4(SRC4, v4[i], 80, TH_SYN), BOTSINK_NON_SINKHOLE);
		SEND(udp4(SRC4, v4[i], 5353, 53), BOTSINK_NON_SINKHOLE);
	}
	for (size_t i = 0; i < ARRAY_SIZE(v6); i++) {
		SEND(tcp6(SRC6, v6[i], 80, TH_SYN), BOTSINK_NON_SINKHOLE);
		SEND(udp6(SRC6, v6[i], 5353, 53), BOTSINK_NON_SINKHOLE);
	}
	SEND(arp(HOST4), BOTSINK_NON_IP);
	f = new_frame();
	frame_eth(f);
	frame_ethertype(f, FR_ETH_P_LLDP, 46);
	SEND(f, BOTSINK_NON_IP);
	f = new_frame();
	frame_eth(f);
	frame_ethertype(f, 0x9000, 46); /* loopback */
	SEND(f, BOTSINK_NON_IP);
	/* No per-source state for any of it. */
	CHECK_EQ(count_keys(env.l.maps.gen[0], sizeof(struct botsink_source_key)), 0);
	CHECK_EQ(count_keys(env.l.maps.gen[1], sizeof(struct botsink_source_key)), 0);
}

static struct frame *icmp6_to(const char *src, const char *dst, uint8_t type)
{
	struct frame *f = new_frame();
	struct in6_addr target;

	inet_pton(AF_INET6, dst, &target);
	frame_eth(f);
	frame_ipv6(f, src, dst);
	frame_icmp6(f, type, 0);
	frame_payload(f, &target, sizeof(target));
	return f;
}

static void test_neighbour_discovery(void)
{
	struct frame *f;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	/* Router/neighbour solicitation and advertisement, redirect: passed. */
	for (uint8_t type = 133; type <= 137; type++) {
		SEND(icmp6_to("fe80::1", HOST6, type), BOTSINK_NON_SINKHOLE);
		SEND(icmp6_to("2001:db8:5::1", "2001:db8:5::99", type), BOTSINK_NON_SINKHOLE);
	}
	/* Behind an extension header too. */
	f = new_frame();
	frame_eth(f);
	frame_ipv6(f, "fe80::1", HOST6);
	frame_ipv6_ext(f, FR_IPPROTO_DSTOPTS, 8);
	frame_icmp6(f, 135, 0);
	SEND(f, BOTSINK_NON_SINKHOLE);
	/* Its neighbours in the type space are ordinary sinkhole traffic. */
	SEND_SID(icmp6_to("fe80::1", HOST6, 132), 0);
	SEND_SID(icmp6_to("fe80::1", HOST6, 138), 0);
	SEND_SID(icmp6_to(SRC6, HOST6, 128), 0);
	/* IPv4 has no neighbour discovery: protocol 58 there is just data. */
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, HOST4);
	frame_ip_proto(f, FR_IPPROTO_ICMPV6, 24);
	frame_put8(f, f->l4, 135);
	SEND_SID(f, 0);
	CHECK_EQ(stat_delta(BOTSINK_NON_SINKHOLE), 11);
}

/* ---- tests: verdict ---- */

static struct frame *v_arp(void)
{
	return arp(HOST4);
}

static struct frame *v_outside(void)
{
	return tcp4(SRC4, "198.51.100.200", 80, TH_SYN);
}

static struct frame *v_malformed(void)
{
	struct frame *f = tcp4(SRC4, HOST4, 80, TH_SYN);

	frame_put8(f, f->l4 + TCP_OFF_DOFF, 4 << 4);
	return f;
}

static struct frame *v_fragment(void)
{
	struct frame *f = tcp4(SRC4, HOST4, 80, TH_SYN);

	frame_ipv4_frag(f, 1480, false);
	return f;
}

static struct frame *v_matched(void)
{
	return tcp4(SRC4, HOST4, 80, TH_SYN);
}

static struct frame *v_unclassified(void)
{
	return udp6(SRC6, HOST6, 5353, 5353);
}

static struct frame *v_nd(void)
{
	return icmp6_to("fe80::1", HOST6, 135);
}

static void test_verdict(void)
{
	static const struct {
		struct frame *(*build)(void);
		int bucket;
		__u32 sid;
		__u32 drop; /* the action under the drop verdict */
	} cases[] = {
		{ v_arp, BOTSINK_NON_IP, 0, XDP_PASS },
		{ v_outside, BOTSINK_NON_SINKHOLE, 0, XDP_PASS },
		{ v_malformed, BOTSINK_MALFORMED, 0, XDP_PASS },
		{ v_fragment, BOTSINK_FRAGMENT, 0, XDP_DROP },
		{ v_matched, BOTSINK_MATCHED, 1001, XDP_DROP },
		{ v_unclassified, BOTSINK_UNCLASSIFIED, 0, XDP_DROP },
		{ v_nd, BOTSINK_NON_SINKHOLE, 0, XDP_PASS },
	};

	for (int round = 0; round < 3; round++) {
		bool drop = round != 1;

		if (!INSTALL(base_rules, drop ? BOTSINK_VERDICT_DROP : BOTSINK_VERDICT_PASS))
			return;
		CHECK_EQ(read_config().verdict, drop);
		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			struct frame *f = cases[i].build();

			send_frame_at(__LINE__, f, f->len, cases[i].bucket, cases[i].sid,
				      drop ? (int)cases[i].drop : XDP_PASS, false);
		}
	}
}

/* ---- tests: attribution and ranking ---- */

static void test_rank_prefix_port(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.0/24 any (msg:\"net any\"; sid:2001;)\n"
		"alert tcp any any -> 203.0.113.0/24 80 (msg:\"net http\"; sid:2002;)\n"
		"alert tcp any any -> 203.0.113.10 8080 (msg:\"host 8080\"; sid:2003;)\n"
		"alert tcp any any -> 203.0.113.10 8000:8100 (msg:\"host range\"; sid:2000;)\n"
		"alert tcp any any -> 203.0.113.10 [80,443] (msg:\"host list\"; sid:2004;)\n";

	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp4(SRC4, HOST4, 8080, TH_SYN), 2003); /* exact beats range (lower sid) */
	SEND_SID(tcp4(SRC4, HOST4, 8050, TH_SYN), 2000);
	SEND_SID(tcp4(SRC4, HOST4, 8000, TH_SYN), 2000);
	SEND_SID(tcp4(SRC4, HOST4, 8100, TH_SYN), 2000);
	SEND_SID(tcp4(SRC4, HOST4, 8101, TH_SYN), 2001); /* /32 misses: the /24 */
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 2004); /* the /32 list beats the /24 exact */
	SEND_SID(tcp4(SRC4, HOST4, 443, TH_SYN), 2004);
	SEND_SID(tcp4(SRC4, HOST4, 22, TH_SYN), 2001);
	SEND_SID(tcp4(SRC4, "203.0.113.11", 80, TH_SYN), 2002); /* exact beats any */
	SEND_SID(tcp4(SRC4, "203.0.113.11", 8080, TH_SYN), 2001);
	SEND_SID(udp4(SRC4, HOST4, 5353, 80), 0);
	SEND_SID(tcp6(SRC6, HOST6, 80, TH_SYN), 0);
}

static void test_rank_proto_flags_sid(void)
{
	static const char rules[] =
		"alert ip any any -> 203.0.113.30 any (msg:\"any protocol\"; sid:3000;)\n"
		"alert tcp any any -> 203.0.113.30 any (msg:\"tcp\"; sid:3005;)\n"
		"alert tcp any any -> 203.0.113.30 any (msg:\"tcp syn\"; flags:S; sid:3009;)\n"
		"alert udp any any -> 203.0.113.30 any (msg:\"udp b\"; sid:3007;)\n"
		"alert udp any any -> 203.0.113.30 any (msg:\"udp a\"; sid:3006;)\n";
	struct frame *f;

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	SEND_SID(tcp4(SRC4, "203.0.113.30", 80, TH_SYN), 3009); /* flags first */
	SEND_SID(tcp4(SRC4, "203.0.113.30", 80, TH_ACK), 3005); /* tcp before ip */
	SEND_SID(udp4(SRC4, "203.0.113.30", 5353, 53), 3006); /* then the lower sid */
	f = new_frame();
	frame_eth(f);
	frame_ipv4(f, SRC4, "203.0.113.30");
	frame_icmp(f, 8, 0);
	SEND_SID(f, 3000);
	SEND_SID(tcp4(SRC4, "203.0.113.31", 80, TH_SYN), 0);
}

static void test_negated_source(void)
{
	static const char rules[] =
		"alert tcp ![198.51.100.0/28,2001:db8:bad::/48] any -> [203.0.113.40,2001:db8:5::40] any (msg:\"not the lab\"; sid:4001;)\n"
		"alert tcp any any -> 203.0.113.40 any (msg:\"anyone\"; sid:4002;)\n"
		"alert tcp [198.51.100.64/26,!198.51.100.70] any -> 203.0.113.41 any (msg:\"a /26 but one\"; sid:4003;)\n";

	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp4("198.51.100.5", "203.0.113.40", 80, TH_SYN), 4002);
	SEND_SID(tcp4("198.51.100.0", "203.0.113.40", 80, TH_SYN), 4002);
	SEND_SID(tcp4("198.51.100.15", "203.0.113.40", 80, TH_SYN), 4002);
	SEND_SID(tcp4("198.51.100.16", "203.0.113.40", 80, TH_SYN), 4001);
	SEND_SID(tcp4("203.0.113.99", "203.0.113.40", 80, TH_SYN), 4001);

	SEND_SID(tcp4("198.51.100.65", "203.0.113.41", 80, TH_SYN), 4003);
	SEND_SID(tcp4("198.51.100.64", "203.0.113.41", 80, TH_SYN), 4003);
	SEND_SID(tcp4("198.51.100.127", "203.0.113.41", 80, TH_SYN), 4003);
	SEND_SID(tcp4("198.51.100.70", "203.0.113.41", 80, TH_SYN), 0);
	SEND_SID(tcp4("198.51.100.63", "203.0.113.41", 80, TH_SYN), 0);
	SEND_SID(tcp4("198.51.100.128", "203.0.113.41", 80, TH_SYN), 0);
	SEND_SID(tcp6(SRC6, "2001:db8:5::41", 80, TH_SYN), 0);

	SEND_SID(tcp6("2001:db8:bad::1", "2001:db8:5::40", 80, TH_SYN), 0);
	SEND_SID(tcp6("2001:db8:bad:ffff::1", "2001:db8:5::40", 80, TH_SYN), 0);
	SEND_SID(tcp6("2001:db8:bae::1", "2001:db8:5::40", 80, TH_SYN), 4001);
	SEND_SID(tcp6(SRC6, "2001:db8:5::40", 80, TH_SYN), 4001);
}

static void test_tcp_flags(void)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.50 1001 (msg:\"exactly S\"; flags:S; sid:5001;)\n"
		"alert tcp any any -> 203.0.113.50 1002 (msg:\"S, ECN ignored\"; flags:S,12; sid:5002;)\n"
		"alert tcp any any -> 203.0.113.50 1003 (msg:\"S and A\"; flags:SA+; sid:5003;)\n"
		"alert tcp any any -> 203.0.113.50 1004 (msg:\"not R\"; flags:!R; sid:5004;)\n"
		"alert tcp any any -> 203.0.113.50 1005 (msg:\"F or R\"; flags:*FR; sid:5005;)\n"
		"alert tcp any any -> 203.0.113.50 1006 (msg:\"none\"; flags:0; sid:5006;)\n"
		"alert ip any any -> 203.0.113.50 any (msg:\"ip with flags\"; flags:U+; sid:5007;)\n";
	static const struct {
		uint16_t port;
		uint8_t flags;
		__u32 sid;
	} cases[] = {
		{ 1001, TH_SYN, 5001 },
		{ 1001, TH_SYN | TH_ACK, 0 },
		{ 1001, TH_SYN | TH_ECE | TH_CWR, 0 },
		{ 1001, TH_SYN | TH_PSH, 0 },
		{ 1002, TH_SYN, 5002 },
		{ 1002, TH_SYN | TH_ECE | TH_CWR, 5002 },
		{ 1002, TH_SYN | TH_ECE, 5002 },
		{ 1002, TH_SYN | TH_ACK, 0 },
		{ 1002, TH_SYN | TH_ACK | TH_ECE, 0 },
		{ 1003, TH_SYN | TH_ACK, 5003 },
		{ 1003, TH_SYN | TH_ACK | TH_PSH | TH_ECE, 5003 },
		{ 1003, TH_SYN, 0 },
		{ 1003, TH_ACK, 0 },
		{ 1004, TH_SYN, 5004 },
		{ 1004, TH_ACK, 5004 },
		{ 1004, 0, 5004 },
		{ 1004, TH_RST, 0 },
		{ 1004, TH_RST | TH_ACK, 0 },
		{ 1005, TH_FIN | TH_ACK, 5005 },
		{ 1005, TH_RST, 5005 },
		{ 1005, TH_ACK, 0 },
		{ 1006, 0, 5006 },
		{ 1006, TH_SYN, 0 },
		{ 2000, TH_URG | TH_ACK, 5007 },
		{ 2000, TH_ACK, 0 },
	};
	struct frame *f;

	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		f = tcp4(SRC4, "203.0.113.50", cases[i].port, cases[i].flags);
		send_frame_at(__LINE__, f, f->len, sid_bucket(cases[i].sid), cases[i].sid, -1,
			      false);
	}
	/* A flags rule never matches UDP, even under `ip`. */
	SEND_SID(udp4(SRC4, "203.0.113.50", 5353, 2000), 0);
}

static void test_udp_and_port_ranges(void)
{
	static const char rules[] =
		"alert udp any any -> 203.0.113.0/24 16000:16999 (msg:\"Sality P2P hello\"; sid:6001;)\n"
		"alert udp any 53 -> 203.0.113.60 any (msg:\"DNS answers\"; sid:6002;)\n"
		"alert tcp any any -> 203.0.113.0/24 [23,2323] (msg:\"Mirai telnet\"; sid:6003;)\n"
		"alert udp any any -> 203.0.113.0/24 ![0:1023,16000:16999] (msg:\"high UDP\"; sid:6004;)\n"
		"alert udp any [1000:1999,!1500] -> 2001:db8:5::/48 :99 (msg:\"low v6\"; sid:6005;)\n";
	static const struct {
		const char *dst;
		uint16_t sport, dport;
		__u32 sid;
	} udp[] = {
		{ "203.0.113.61", 5353, 16000, 6001 }, { "203.0.113.61", 5353, 16999, 6001 },
		{ "203.0.113.61", 5353, 17000, 6004 }, { "203.0.113.61", 5353, 15999, 6004 },
		{ "203.0.113.61", 5353, 1024, 6004 },  { "203.0.113.61", 5353, 65535, 6004 },
		{ "203.0.113.61", 5353, 1023, 0 },     { "203.0.113.61", 5353, 0, 0 },
		{ "203.0.113.60", 53, 16500, 6002 },   { "203.0.113.60", 53, 53, 6002 },
		{ "203.0.113.60", 54, 16500, 6001 },   { "203.0.113.60", 54, 53, 0 },
		{ "2001:db8:5::1", 1000, 99, 6005 },   { "2001:db8:5::1", 1999, 0, 6005 },
		{ "2001:db8:5::1", 1500, 53, 0 },      { "2001:db8:5::1", 999, 53, 0 },
		{ "2001:db8:5::1", 1000, 100, 0 },
	};

	if (!INSTALL(rules, BOTSINK_VERDICT_PASS))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(udp); i++) {
		bool v6 = strchr(udp[i].dst, ':');
		struct frame *f = v6 ? udp6(SRC6, udp[i].dst, udp[i].sport, udp[i].dport) :
				       udp4(SRC4, udp[i].dst, udp[i].sport, udp[i].dport);

		send_frame_at(__LINE__, f, f->len, sid_bucket(udp[i].sid), udp[i].sid, -1, false);
	}
	SEND_SID(tcp4(SRC4, "203.0.113.61", 23, TH_SYN), 6003);
	SEND_SID(tcp4(SRC4, "203.0.113.61", 2323, TH_SYN), 6003);
	SEND_SID(tcp4(SRC4, "203.0.113.61", 2324, TH_SYN), 0);
	SEND_SID(tcp4(SRC4, "203.0.113.61", 16000, TH_SYN), 0);
	SEND_SID(udp4(SRC4, "203.0.113.61", 5353, 23), 0);
}

static void test_destination_negation(void)
{
	static const char rules[] =
		"alert tcp any any -> [$HOME_NET,!203.0.113.250] [23,2323] (msg:\"Mirai telnet scan\"; flags:S; sid:7001;)\n"
		"alert tcp any any -> [2001:db8:5::/48,!2001:db8:5:1::/64] 23 (msg:\"v6 telnet\"; sid:7002;)\n";

	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp4(SRC4, "203.0.113.250", 23, TH_SYN), 0);
	SEND_SID(tcp4(SRC4, "203.0.113.251", 23, TH_SYN), 7001);
	SEND_SID(tcp4(SRC4, "203.0.113.249", 2323, TH_SYN), 7001);
	SEND_SID(tcp6(SRC6, "2001:db8:5::23", 23, TH_SYN), 7002); /* /48 beats any */
	SEND_SID(tcp6(SRC6, "2001:db8:5::23", 23, TH_ACK), 7002);
	SEND_SID(tcp6(SRC6, "2001:db8:5:1::23", 23, TH_SYN), 7001);
	SEND_SID(tcp6(SRC6, "2001:db8:5:1::23", 23, TH_ACK), 0);
	SEND_SID(tcp6(SRC6, "2001:db8:5:2::23", 2323, TH_SYN), 7001);
}

static void test_families(void)
{
	static const char rules[] =
		"alert tcp any any -> 2001:db8:5::/48 80 (msg:\"v6 net http\"; sid:8001;)\n"
		"alert tcp any any -> 2001:db8:5::80 80 (msg:\"v6 host http\"; sid:8002;)\n"
		"alert tcp 198.51.100.0/24 any -> any any (msg:\"from a v4 net\"; sid:8003;)\n"
		"alert udp 2001:db8:aaaa::/48 any -> any 53 (msg:\"from a v6 net\"; sid:8004;)\n";

	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp6(SRC6, "2001:db8:5::80", 80, TH_SYN), 8002);
	SEND_SID(tcp6(SRC6, "2001:db8:5::81", 80, TH_SYN), 8001);
	SEND_SID(tcp6(SRC6, "2001:db8:5::81", 81, TH_SYN), 0);
	SEND_SID(tcp4(SRC4, HOST4, 22, TH_SYN), 8003);
	SEND_SID(tcp4("198.18.0.1", HOST4, 22, TH_SYN), 0);
	SEND_SID(udp6(SRC6, "2001:db8:5::53", 5353, 53), 8004);
	SEND_SID(udp6("2001:db8:bbbb::1", "2001:db8:5::53", 5353, 53), 0);
	SEND_SID(udp4(SRC4, "203.0.113.53", 5353, 53), 0);
}

/* "[1,3,5,...]": n odd ports, one candidate each. */
static void odd_ports(char *buf, size_t len, unsigned int n)
{
	size_t used = (size_t)snprintf(buf, len, "[");

	for (unsigned int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? "," : "", 2 * i + 1);
	if (used < len)
		snprintf(buf + used, len - used, "]");
}

/*
 * The first candidates are checked inline, the rest in bpf_loop: matches
 * and exclusions on both sides of the boundary, and the longest list.
 */
static void test_long_candidate_lists(void)
{
	char rules[2048], p4[32], p5[32], p64[300], p65[300];
	struct rule_set rs;
	struct compiled c;

	odd_ports(p4, sizeof(p4), 4);
	odd_ports(p5, sizeof(p5), 5);
	odd_ports(p64, sizeof(p64), BOTSINK_MAX_CANDIDATES);
	odd_ports(p65, sizeof(p65), BOTSINK_MAX_CANDIDATES + 1);
	snprintf(
		rules, sizeof(rules),
		"alert tcp ![198.51.100.1,198.51.100.2,198.51.100.3,198.51.100.4,198.51.100.5] any -> 203.0.113.90 any (msg:\"five exclusions\"; sid:9101;)\n"
		"alert tcp any any -> 203.0.113.90 any (msg:\"fallback\"; sid:9102;)\n"
		"alert udp any any -> 203.0.113.91 %s (msg:\"longest list\"; sid:9103;)\n"
		"alert udp any any -> 203.0.113.92 %s (msg:\"four\"; sid:9104;)\n"
		"alert udp any any -> 203.0.113.93 %s (msg:\"five\"; sid:9105;)\n",
		p64, p4, p5);
	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_SID(tcp4("198.51.100.1", "203.0.113.90", 80, TH_SYN), 9102); /* excluded inline */
	SEND_SID(tcp4("198.51.100.4", "203.0.113.90", 80, TH_SYN), 9102);
	SEND_SID(tcp4("198.51.100.5", "203.0.113.90", 80, TH_SYN), 9102); /* in bpf_loop */
	SEND_SID(tcp4("198.51.100.6", "203.0.113.90", 80, TH_SYN), 9101); /* 6th entry */

	SEND_SID(udp4(SRC4, "203.0.113.91", 5353, 1), 9103);
	SEND_SID(udp4(SRC4, "203.0.113.91", 5353, 7), 9103);
	SEND_SID(udp4(SRC4, "203.0.113.91", 5353, 9), 9103);
	SEND_SID(udp4(SRC4, "203.0.113.91", 5353, 2 * BOTSINK_MAX_CANDIDATES - 1), 9103);
	SEND_SID(udp4(SRC4, "203.0.113.91", 5353, 2 * BOTSINK_MAX_CANDIDATES + 1), 0);
	SEND_SID(udp4(SRC4, "203.0.113.91", 5353, 64), 0);
	SEND_SID(udp4(SRC4, "203.0.113.92", 5353, 7), 9104); /* the last of four */
	SEND_SID(udp4(SRC4, "203.0.113.92", 5353, 9), 0);
	SEND_SID(udp4(SRC4, "203.0.113.93", 5353, 9), 9105); /* the first after them */
	SEND_SID(udp4(SRC4, "203.0.113.93", 5353, 11), 0);

	/* The compiler refuses a list the program would cut short. */
	snprintf(rules, sizeof(rules), "alert udp any any -> 203.0.113.94 %s (sid:9106;)\n", p65);
	rules_parse_buffer("long.rules", rules, &rs);
	CHECK_EQ(rs.nerrors, 0);
	CHECK(compile_rules(&rs, &env.sinkhole, &c) && rs.nerrors);
	compiled_free(&c);
	rules_free(&rs);
}

/* ---- tests: rule sets, slots and generations ---- */

/* The compiled entry of an IPv6 trie key, or -1. */
static int find_v6_entry(const struct botsink_dst6_key *key)
{
	struct prefix p = { .len = key->prefixlen - 8 };

	memcpy(&p.addr, key->addr, 16);
	for (size_t i = 0; i < env.c.ndst; i++)
		if (prefix_equal(&p, &env.c.dst[i].prefix))
			return (int)i;
	return -1;
}

/* botsink_lists holds entry i's candidates at the live rule set's index. */
static void check_list(int line, int i, __u32 ruleset)
{
	const struct dst_entry *e = &env.c.dst[i];
	struct botsink_dst *value = calloc(1, sizeof(*value));
	__u32 key = ruleset * BOTSINK_MAX_LISTS + e->list;

	if (!value || bpf_map_lookup_elem(env.l.maps.lists, &key, value))
		goto out;
	check_at(line, value->count == e->n, "destination entry %d: %u candidates, not %zu", i,
		 value->count, e->n);
	for (size_t j = 0; j < e->n && j < value->count; j++)
		check_at(line, value->cand[j].sid == e->cand[j].c.sid,
			 "destination entry %d: candidate %zu is sid %u, not %u", i, j,
			 value->cand[j].sid, e->cand[j].c.sid);
out:
	free(value);
}

/* The IPv6 trie: every key is an entry of the live rule set, once. */
static size_t check_v6_trie(int line, __u32 ruleset, bool *seen)
{
	struct botsink_dst6_key cur, next;
	size_t n = 0;

	for (void *prev = NULL; !bpf_map_get_next_key(env.l.maps.dst6, prev, &next);
	     prev = &cur, n++) {
		__u32 list = 0;
		int i;

		cur = next;
		check_at(line, cur.ruleset == ruleset,
			 "botsink_dst6: an entry of ruleset %u, the live one is %u", cur.ruleset,
			 ruleset);
		i = find_v6_entry(&cur);
		if (!check_at(line, i >= 0, "botsink_dst6: an entry not in the rule set"))
			continue;
		check_at(line, !seen[i], "destination entry %d twice", i);
		seen[i] = true;
		bpf_map_lookup_elem(env.l.maps.dst6, &cur, &list);
		check_at(line, list == ruleset * BOTSINK_MAX_LISTS + env.c.dst[i].list,
			 "destination entry %d: list index %u", i, list);
		check_list(line, i, ruleset);
	}
	return n;
}

static __u32 read_u32(int fd, __u32 key)
{
	__u32 v = 0xdeadbeef;

	bpf_map_lookup_elem(fd, &key, &v);
	return v;
}

/* The kernel's IPv4 table for one address, walked as the XDP program walks it. */
static __u32 kernel_v4_lookup(__u32 ruleset, __u32 a)
{
	__u32 v = read_u32(env.l.maps.v4, ruleset << 16 | a >> 16);

	if (v & BOTSINK_V4_GROUP)
		v = read_u32(env.l.maps.v4_groups, (v & ~BOTSINK_V4_GROUP) << 8 | (a >> 8 & 0xff));
	if (v & BOTSINK_V4_GROUP)
		v = read_u32(env.l.maps.v4_groups, (v & ~BOTSINK_V4_GROUP) << 8 | (a & 0xff));
	return v;
}

static __u32 v4_of(const struct prefix *p)
{
	__u32 be;

	memcpy(&be, p->addr.s6_addr + 12, 4);
	return ntohl(be);
}

/* The list index the longest compiled IPv4 entry holding `a` asks for. */
static __u32 expected_v4_lookup(__u32 ruleset, __u32 a)
{
	int best = -1;

	for (size_t i = 0; i < env.c.ndst; i++) {
		const struct prefix *p = &env.c.dst[i].prefix;
		unsigned int len = p->len - V4_MAPPED_BITS;
		__u32 mask = len ? 0xffffffffU << (32 - len) : 0;

		if (!prefix_is_v4(p) || (a & mask) != v4_of(p))
			continue;
		if (best < 0 || p->len > env.c.dst[best].prefix.len)
			best = (int)i;
	}
	if (best < 0 || !env.c.dst[best].list)
		return 0;
	return ruleset * BOTSINK_MAX_LISTS + env.c.dst[best].list;
}

/*
 * The IPv4 table, against a brute-force longest-prefix match over the
 * compiled entries: every entry's first and last address and the ones
 * just outside; and the idle half is all zero.
 */
static size_t check_v4_table(int line, __u32 ruleset, bool *seen)
{
	size_t n = 0, bad = 0;

	for (size_t i = 0; i < env.c.ndst; i++) {
		const struct prefix *p = &env.c.dst[i].prefix;
		unsigned int len = p->len - V4_MAPPED_BITS;
		__u32 first, last, probe[4];

		if (!prefix_is_v4(p))
			continue;
		n++;
		seen[i] = true;
		if (env.c.dst[i].list)
			check_list(line, (int)i, ruleset);
		first = v4_of(p);
		last = first | (len ? ~(0xffffffffU << (32 - len)) : 0xffffffffU);
		probe[0] = first;
		probe[1] = last;
		probe[2] = first - 1;
		probe[3] = last + 1;
		for (int k = 0; k < 4; k++)
			bad += kernel_v4_lookup(ruleset, probe[k]) !=
			       expected_v4_lookup(ruleset, probe[k]);
	}
	for (__u32 k = 0; k < (1 << 16); k++)
		bad += read_u32(env.l.maps.v4, (ruleset ^ 1) << 16 | k) != 0;
	check_at(line, bad == 0, "botsink_v4/botsink_v4_grp: %zu lookups differ", bad);
	return n;
}

/* The tables hold exactly the installed rule set, in the live half. */
static void check_dst_table_at(int line)
{
	bool *seen = calloc(env.c.ndst + 1, sizeof(*seen));
	__u32 ruleset = read_config().ruleset;
	size_t n;

	if (!seen)
		return;
	n = check_v4_table(line, ruleset, seen);
	n += check_v6_trie(line, ruleset, seen);
	check_at(line, n == env.c.ndst, "the tables hold %zu entries, the rule set %zu", n,
		 env.c.ndst);
	free(seen);
}

#define CHECK_DST_TABLE() check_dst_table_at(__LINE__)

static void test_ruleset_swap(void)
{
	static const char set_a[] =
		"alert tcp any any -> 203.0.113.10 80 (msg:\"a: host http\"; sid:6001;)\n"
		"alert udp any any -> 203.0.113.0/25 any (msg:\"a: low half udp\"; sid:6002;)\n"
		"alert tcp any any -> 2001:db8:5::10 any (msg:\"a: v6 host\"; sid:6003;)\n";
	static const char set_b[] =
		"alert tcp any any -> 203.0.113.0/24 80 (msg:\"b: net http\"; sid:6101;)\n"
		"alert tcp any any -> 203.0.113.20 443 (msg:\"b: host https\"; sid:6102;)\n"
		"alert ip any any -> 2001:db8:5:1::/64 any (msg:\"b: v6 net\"; sid:6103;)\n"
		"alert tcp any any -> 203.0.113.10 80 (msg:\"b: host http\"; sid:6001;)\n";
	static const char set_c[] =
		"alert tcp any any -> 203.0.113.0/24 80 (msg:\"c: net http\"; sid:6101;)\n";
	int slot_6001, slot_6101;

	if (!INSTALL(set_a, BOTSINK_VERDICT_DROP))
		return;
	CHECK_EQ(read_config().ruleset, 1);
	CHECK_DST_TABLE();
	slot_6001 = slot_of(6001);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 6001);
	SEND_SID(udp4(SRC4, "203.0.113.5", 5353, 53), 6002);
	SEND_SID(tcp6(SRC6, HOST6, 443, TH_SYN), 6003);
	SEND_SID(tcp4(SRC4, "203.0.113.20", 443, TH_SYN), 0);

	if (!INSTALL(set_b, BOTSINK_VERDICT_DROP))
		return;
	CHECK_EQ(read_config().ruleset, 0);
	CHECK_DST_TABLE();
	CHECK_EQ(slot_of(6001), slot_6001); /* the sid keeps its slot */
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 6001);
	SEND_SID(tcp4(SRC4, "203.0.113.11", 80, TH_SYN), 6101);
	SEND_SID(udp4(SRC4, "203.0.113.5", 5353, 53), 0);
	SEND_SID(tcp6(SRC6, HOST6, 443, TH_SYN), 0);
	SEND_SID(tcp6(SRC6, "2001:db8:5:1::10", 443, TH_SYN), 6103);
	SEND_SID(tcp4(SRC4, "203.0.113.20", 443, TH_SYN), 6102);
	slot_6101 = slot_of(6101);

	if (!INSTALL(set_c, BOTSINK_VERDICT_PASS))
		return;
	CHECK_EQ(read_config().ruleset, 1);
	CHECK_DST_TABLE();
	CHECK_EQ(slot_of(6101), slot_6101);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 6101);
	SEND_SID(tcp4(SRC4, "203.0.113.20", 443, TH_SYN), 0);
	SEND_SID(tcp6(SRC6, "2001:db8:5:1::10", 443, TH_SYN), 0);

	if (!INSTALL(set_a, BOTSINK_VERDICT_DROP))
		return;
	CHECK_EQ(read_config().ruleset, 0);
	CHECK_DST_TABLE();
	CHECK_EQ(slot_of(6001), slot_6001);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 6001);
	SEND_SID(tcp6(SRC6, HOST6, 443, TH_SYN), 6003);
}

static void test_rule_slots(void)
{
	static const char set_a[] =
		"alert tcp any any -> 203.0.113.10 80 (msg:\"ET TROJAN Zeus gate check-in\"; sid:10; rev:3;)\n"
		"alert udp any any -> 203.0.113.0/24 53 (msg:\"x\"; metadata:malware_family Sality; sid:20;)\n";
	static const char set_b[] =
		"alert tcp any any -> 203.0.113.0/24 443 (msg:\"new\"; sid:30;)\n"
		"alert udp any any -> 203.0.113.0/24 53 (msg:\"x\"; sid:20;)\n"
		"alert tcp any any -> 203.0.113.10 80 (msg:\"Zeus\"; sid:10;)\n";
	struct botsink_rule_info info;
	__u32 slot;

	if (!INSTALL(set_a, BOTSINK_VERDICT_PASS))
		return;
	/* Fresh maps: sids take the first free slots in file order. */
	CHECK_EQ(slot_of(10), 1);
	CHECK_EQ(slot_of(20), 2);
	slot = 0;
	CHECK(!bpf_map_lookup_elem(env.l.maps.rules, &slot, &info) &&
	      !strcmp(info.family, "unclassified") && !info.sid);
	slot = 1;
	CHECK(!bpf_map_lookup_elem(env.l.maps.rules, &slot, &info) && info.sid == 10 &&
	      info.rev == 3 && !strcmp(info.family, "zeus"));
	slot = 2;
	CHECK(!bpf_map_lookup_elem(env.l.maps.rules, &slot, &info) &&
	      !strcmp(info.family, "sality"));
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 10);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 10);
	SEND_SID(udp4(SRC4, HOST4, 5353, 53), 20);
	SEND_SID(udp4(SRC4, HOST4, 5353, 54), 0);
	CHECK_HITS();

	/* A reload keeps each sid's slot and totals; a new sid takes a free slot. */
	if (!INSTALL(set_b, BOTSINK_VERDICT_PASS))
		return;
	CHECK_EQ(slot_of(10), 1);
	CHECK_EQ(slot_of(20), 2);
	CHECK_EQ(slot_of(30), 3);
	SEND_SID(tcp4(SRC4, "203.0.113.99", 443, TH_SYN), 30);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 10);
	CHECK_HITS();
}

static char *many_rules(unsigned int n)
{
	size_t cap = (size_t)n * 80 + 1, len = 0;
	char *text = malloc(cap);

	for (unsigned int sid = 1; text && sid <= n; sid++)
		len += (size_t)snprintf(text + len, cap - len,
					"alert tcp any any -> 2001:db8:5::%x any (sid:%u;)\n",
					(sid - 1) / 63 + 1, sid);
	return text;
}

/*
 * Once every slot has held a sid, a new sid takes the slot of one no
 * longer loaded, and that slot's totals must start again from zero.
 */
static void test_rule_slot_reuse(void)
{
	char *all = many_rules(BOTSINK_MAX_RULES - 1);
	struct botsink_rule_hits *h = env.percpu;
	__u64 packets = 0;
	__u32 slot = 1;

	if (!CHECK(all) || !INSTALL(all, BOTSINK_VERDICT_PASS))
		goto out;
	CHECK_EQ(slot_of(1), 1);
	CHECK_EQ(slot_of(BOTSINK_MAX_RULES - 1), BOTSINK_MAX_RULES - 1);
	SEND_SID(tcp6(SRC6, "2001:db8:5::1", 80, TH_SYN), 1);
	SEND_SID(tcp6(SRC6, "2001:db8:5::83", 80, TH_SYN), BOTSINK_MAX_RULES - 1);
	CHECK_HITS();

	if (!INSTALL("alert tcp any any -> 2001:db8:5::1 any (sid:9001;)\n", BOTSINK_VERDICT_PASS))
		goto out;
	CHECK_EQ(slot_of(9001), 1);
	if (!bpf_map_lookup_elem(env.l.maps.hits, &slot, h))
		for (int cpu = 0; cpu < env.ncpus; cpu++)
			packets += h[cpu].packets;
	CHECK_EQ(packets, 0);
	/* The harness's expectation for the slot starts again too. */
	env.hits_want[1].packets = env.hits_want[1].bytes = 0;
	SEND_SID(tcp6(SRC6, "2001:db8:5::1", 80, TH_SYN), 9001);
out:
	free(all);
}

static int gen_keys(int gen)
{
	return count_keys(env.l.maps.gen[gen], sizeof(struct botsink_source_key));
}

static void test_generations(void)
{
	if (!INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	CHECK_EQ(counters_active(&env.l.maps), 0);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_ACK), 1001);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	SEND_SID(tcp4("198.51.100.8", HOST4, 81, TH_SYN), 0);
	CHECK_EQ(gen_keys(0), 2);
	CHECK_EQ(gen_keys(1), 0);

	CHECK_DRAIN(); /* (SRC4, 1001) x3 and (.8, 0) x1, once each */
	CHECK_EQ(counters_active(&env.l.maps), 1);
	CHECK_EQ(gen_keys(0), 0);
	CHECK_EQ(gen_keys(1), 0);

	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	SEND_SID(udp6(SRC6, "2001:db8:5::53", 5353, 53), 1004);
	CHECK_EQ(gen_keys(0), 0);
	CHECK_EQ(gen_keys(1), 2);
	CHECK_DRAIN();
	CHECK_EQ(counters_active(&env.l.maps), 0);
	CHECK_EQ(gen_keys(1), 0);

	CHECK_DRAIN(); /* nothing: an empty drain still swaps */
	CHECK_EQ(counters_active(&env.l.maps), 1);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	CHECK_EQ(gen_keys(1), 1);
	CHECK_EQ(gen_keys(0), 0);

	/* counters_sync rewrites the active slot: nothing moves. */
	CHECK_EQ(counters_sync(&env.l.maps), 0);
	CHECK_EQ(counters_active(&env.l.maps), 1);
	CHECK_EQ(gen_keys(1), 1);
}

/* The same (source, sid) counted on several CPUs drains as one sum. */
static void test_drain_sums_cpus(void)
{
	const struct botsink_counter *pc = env.percpu;
	struct botsink_source_key key = { .sid = 1001 };
	struct drain_result r = { 0 };
	__u64 first = 0, last = 0;
	int cpus[4], n = 0;

	for (int cpu = 0; cpu < CPU_SETSIZE && n < 4; cpu++)
		if (CPU_ISSET(cpu, &env.all_cpus))
			cpus[n++] = cpu;
	if (!INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	if (n < 2)
		fprintf(stderr, "  %s: one CPU only: the sum is over one CPU\n", cur_test);
	for (int i = 0; i < n; i++) {
		pin_cpu(cpus[i]);
		for (int k = 0; k <= i; k++)
			SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	}
	pin_cpu(env.home_cpu);

	set_addr(key.addr, SRC4);
	if (!CHECK(!bpf_map_lookup_elem(env.l.maps.gen[0], &key, env.percpu)))
		return;
	for (int i = 0; i < n; i++) {
		const struct botsink_counter *c = &pc[cpus[i]];

		CHECK_EQ(c->packets, (unsigned int)i + 1);
		CHECK_EQ(c->syns, (unsigned int)i + 1);
		if (!first || c->first_seen_ns < first)
			first = c->first_seen_ns;
		if (c->last_seen_ns > last)
			last = c->last_seen_ns;
	}
	check_drain_at(__LINE__, &r);
	if (CHECK_EQ(r.n, 1)) {
		CHECK_EQ(r.items[0].total.packets, n * (n + 1) / 2);
		CHECK_EQ(r.items[0].total.first_seen_ns, first);
		CHECK_EQ(r.items[0].total.last_seen_ns, last);
	}
	drain_result_free(&r);
}

/* What a daemon puts back at exit is drained, with what came since, next time. */
static void test_put_back(void)
{
	struct drain_result r = { 0 };
	struct want_counter saved;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_PASS))
		return;
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_ACK), 1001);
	saved = env.want[0];
	check_drain_at(__LINE__, &r);
	if (!CHECK_EQ(r.n, 1))
		goto out;
	CHECK_EQ(counters_active(&env.l.maps), 1);
	CHECK_EQ(counters_put_back(&env.l.maps, 1, r.items, r.n), 0);
	env.want[env.nwant++] = saved;
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001);
	CHECK_DRAIN(); /* 3 packets, 2 syns */
out:
	drain_result_free(&r);
}

/* Fill the active generation from userspace up to `n` entries. */
static int prefill(int gen, __u32 n)
{
	const __u32 batch = 4096;
	struct botsink_source_key *keys = calloc(batch, sizeof(*keys));
	struct botsink_counter *values = calloc((size_t)batch * env.ncpus, sizeof(*values));
	int ret = -ENOMEM, retries = 0;

	if (!keys || !values)
		goto out;
	for (__u32 done = 0; done < n;) {
		__u32 count = n - done < batch ? n - done : batch;
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		for (__u32 i = 0; i < count; i++) {
			__u32 id = done + i;

			set_addr(keys[i].addr, "2001:db8:ffff::");
			memcpy(keys[i].addr + 12, &id, sizeof(id));
			keys[i].sid = 1001;
			values[(size_t)i * env.ncpus].packets = 1;
			values[(size_t)i * env.ncpus].bytes = 100;
			values[(size_t)i * env.ncpus].first_seen_ns = 1;
			values[(size_t)i * env.ncpus].last_seen_ns = 1;
		}
		ret = bpf_map_update_batch(env.l.maps.gen[gen], keys, values, &count, &opts);
		/*
		 * BPF_F_NO_PREALLOC elements come from a per-CPU cache that is
		 * refilled asynchronously: a long batch can find it empty.
		 */
		if (ret == -ENOMEM && retries++ < 1000) {
			usleep(1000);
			ret = 0;
		}
		if (ret)
			goto out;
		done += count;
	}
	ret = 0;
out:
	free(keys);
	free(values);
	return ret;
}

/*
 * A full generation: new sources are counted as table_full (and still in
 * their bucket, with their verdict and rule hit); known ones are counted.
 * The drain empties all of it, in batches, and the next generation has room.
 */
static void test_table_full(void)
{
	struct botsink_source_key known = { .sid = 1001 };
	struct drain_result r = { 0 };
	struct frame *f;
	size_t prefilled = 0;
	int ret;

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	ret = prefill(0, BOTSINK_MAX_SOURCES - 1);
	if (!check_at(__LINE__, !ret, "filling botsink_gen0: %s", strerror(-ret)))
		return;
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_SYN), 1001); /* takes the last entry */
	f = tcp4("198.51.100.8", HOST4, 80, TH_SYN);
	send_frame_at(__LINE__, f, f->len, BOTSINK_MATCHED, 1001, -1, true);
	f = tcp4("198.51.100.9", HOST4, 81, TH_SYN);
	send_frame_at(__LINE__, f, f->len, BOTSINK_UNCLASSIFIED, 0, -1, true);
	SEND_SID(tcp4(SRC4, HOST4, 80, TH_ACK), 1001); /* a known key still counts */
	CHECK_EQ(gen_keys(0), BOTSINK_MAX_SOURCES);

	ret = counters_drain(&env.l.maps, &r);
	CHECK_EQ(ret, 0);
	CHECK_EQ(r.n, BOTSINK_MAX_SOURCES);
	set_addr(known.addr, SRC4);
	for (size_t i = 0; i < r.n; i++) {
		const struct source_count *sc = &r.items[i];

		if (!memcmp(&sc->key, &known, sizeof(known))) {
			CHECK(sc->total.packets == 2 && sc->total.syns == 1);
			continue;
		}
		prefilled +=
			sc->key.sid == 1001 && sc->total.packets == 1 && sc->total.bytes == 100;
	}
	CHECK_EQ(prefilled, BOTSINK_MAX_SOURCES - 1);
	drain_result_free(&r);
	env.nwant = 0; /* checked above */
	CHECK_EQ(gen_keys(0), 0);
	SEND_SID(tcp4("198.51.100.8", HOST4, 80, TH_SYN), 1001);
}

/* ---- tests: captures ---- */

/* Linux SYN with MSS, SACK, timestamps and window scale options. */
static const uint8_t cap_syn4[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x08, 0x00, 0x45,
	0x00, 0x00, 0x3c, 0x8c, 0x1f, 0x40, 0x00, 0x40, 0x06, 0x48, 0x47, 0xc6, 0x33, 0x64, 0x17,
	0xcb, 0x00, 0x71, 0x0a, 0xc8, 0x22, 0x00, 0x50, 0x5f, 0x3b, 0x2a, 0x91, 0x00, 0x00, 0x00,
	0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x5e, 0x22, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
	0x08, 0x0a, 0x0a, 0x1b, 0x2c, 0x3d, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* The same on VLAN 100. */
static const uint8_t cap_syn4_vlan[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x81,
	0x00, 0x00, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x8c, 0x20, 0x40, 0x00,
	0x40, 0x06, 0x48, 0x45, 0xc6, 0x33, 0x64, 0x18, 0xcb, 0x00, 0x71, 0x0a, 0xc8,
	0x24, 0x00, 0x50, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
	0xfa, 0xf0, 0xa3, 0x85, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08,
	0x0a, 0x0a, 0x1b, 0x2c, 0x3d, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* RST,ACK: 54 bytes, padded to the Ethernet minimum. */
static const uint8_t cap_rst4_padded[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x08, 0x00, 0x45,
	0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0xd4, 0x78, 0xc6, 0x33, 0x64, 0x19,
	0xcb, 0x00, 0x71, 0x0a, 0xc8, 0x28, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c,
	0x0d, 0x50, 0x14, 0x00, 0x00, 0x66, 0xe2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* DNS query for www.example.com A. */
static const uint8_t cap_dns4[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x08, 0x00, 0x45,
	0x00, 0x00, 0x3d, 0x3e, 0x21, 0x40, 0x00, 0x40, 0x11, 0x96, 0x23, 0xc6, 0x33, 0x64, 0x17,
	0xcb, 0x00, 0x71, 0x35, 0x9c, 0xbb, 0x00, 0x35, 0x00, 0x29, 0x3e, 0x3d, 0x4a, 0x7e, 0x01,
	0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x77, 0x77, 0x77, 0x07, 0x65,
	0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* ping: echo request with a timestamp and the usual 0x10.. pattern. */
static const uint8_t cap_ping4[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x08, 0x00, 0x45,
	0x00, 0x00, 0x4c, 0x5d, 0x2e, 0x40, 0x00, 0x40, 0x01, 0x77, 0x39, 0xc6, 0x33, 0x64, 0x17,
	0xcb, 0x00, 0x71, 0x0a, 0x08, 0x00, 0x13, 0xa2, 0x0c, 0x3b, 0x00, 0x01, 0x65, 0xa1, 0xf3,
	0xb2, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
	0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
	0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* ARP who-has 203.0.113.10, broadcast, padded. */
static const uint8_t cap_arp[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x08, 0x06, 0x00,
	0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0xcb, 0x00,
	0x71, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xcb, 0x00, 0x71, 0x0a, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t cap_syn6[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x86, 0xdd,
	0x60, 0x05, 0xc3, 0xa1, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xaa,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xc8, 0x32,
	0x00, 0x50, 0x7a, 0x6b, 0x5c, 0x4d, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfd, 0x20,
	0x04, 0x3e, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x0a, 0x1b,
	0x2c, 0x3d, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

static const uint8_t cap_dns6[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x86, 0xdd,
	0x60, 0x05, 0xc3, 0xa1, 0x00, 0x29, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xaa,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x9c, 0xbc,
	0x00, 0x35, 0x00, 0x29, 0x15, 0x48, 0x4a, 0x7e, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70,
	0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* Neighbour solicitation for 2001:db8:5::10 (unicast, reachability). */
static const uint8_t cap_ns6[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x86, 0xdd, 0x60,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x87, 0x00, 0x15, 0x3c, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x10, 0x01, 0x01, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c,
};

static const uint8_t cap_ping6[] = {
	0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x86, 0xdd, 0x60,
	0x0a, 0x2b, 0x3c, 0x00, 0x40, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xaa, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x80, 0x00, 0x4e, 0x4f, 0x1f, 0x2e,
	0x00, 0x01, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c,
	0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b,
	0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a,
	0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
};

static void test_captures(void)
{
	const char *src4 = "198.51.100.23", *src6 = "2001:db8:aaaa::23";

	if (!INSTALL(base_rules, BOTSINK_VERDICT_DROP))
		return;
	SEND_RAW_SID(cap_syn4, src4, 1001, HOST4, 80, FR_IPPROTO_TCP, true);
	SEND_RAW_SID(cap_syn4_vlan, "198.51.100.24", 1001, HOST4, 80, FR_IPPROTO_TCP, true);
	SEND_RAW_SID(cap_rst4_padded, "198.51.100.25", 1001, HOST4, 80, FR_IPPROTO_TCP, false);
	SEND_RAW_SID(cap_dns4, src4, 1002, "203.0.113.53", 53, FR_IPPROTO_UDP, false);
	SEND_RAW_SID(cap_ping4, src4, 0, HOST4, 0, FR_IPPROTO_ICMP, false);
	SEND_RAW(cap_arp, BOTSINK_NON_IP);
	SEND_RAW_SID(cap_syn6, src6, 1003, HOST6, 80, FR_IPPROTO_TCP, true);
	SEND_RAW_SID(cap_dns6, src6, 1004, "2001:db8:5::53", 53, FR_IPPROTO_UDP, false);
	SEND_RAW_SID(cap_ping6, src6, 0, HOST6, 0, FR_IPPROTO_ICMPV6, false);
	SEND_RAW(cap_ns6, BOTSINK_NON_SINKHOLE);
	CHECK_EQ(stat_delta(VLAN_STAT), 1);
}

/* ---- runner ---- */

struct test {
	const char *name;
	void (*fn)(void);
};

#define TEST(name)                 \
	{                          \
#name, test_##name \
	}

static const struct test tests[] = {
	TEST(frame_builder),
	TEST(no_rule_set),
	TEST(sinkhole_without_rules),
	TEST(ipv4),
	TEST(ipv4_options),
	TEST(ipv6),
	TEST(ipv6_ext_headers),
	TEST(vlan),
	TEST(fragments_ipv4),
	TEST(fragments_ipv6),
	TEST(truncated_vlan_ipv4_tcp),
	TEST(truncated_ipv6_ext_udp),
	TEST(truncated_qinq_arp),
	TEST(malformed_ipv4),
	TEST(malformed_transport),
	TEST(malformed_ipv6),
	TEST(non_sinkhole),
	TEST(neighbour_discovery),
	TEST(verdict),
	TEST(rank_prefix_port),
	TEST(rank_proto_flags_sid),
	TEST(negated_source),
	TEST(tcp_flags),
	TEST(udp_and_port_ranges),
	TEST(destination_negation),
	TEST(families),
	TEST(long_candidate_lists),
	TEST(ruleset_swap),
	TEST(rule_slots),
	TEST(rule_slot_reuse),
	TEST(generations),
	TEST(drain_sums_cpus),
	TEST(put_back),
	TEST(table_full),
	TEST(captures),
};

static bool selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

/* One test on fresh maps, then the checks every test ends with. */
static bool run_test(const struct test *t)
{
	cur_test = t->name;
	cur_checks = cur_failures = 0;
	if (env_setup()) {
		t->fn();
		check_drain_at(0, NULL);
		check_hits_at(0);
		check_totals_at(0);
		env_teardown();
	}
	if (cur_failures)
		printf("FAIL  %s (%u of %u checks failed)\n", t->name, cur_failures, cur_checks);
	else
		printf("ok    %s (%u checks, %llu frames)\n", t->name, cur_checks,
		       (unsigned long long)env.frames);
	fflush(stdout);
	return !cur_failures;
}

static int setup_once(void)
{
	char *bad = NULL;

	env.ncpus = libbpf_num_possible_cpus();
	if (env.ncpus <= 0) {
		fprintf(stderr, "prog_test: cannot count the possible CPUs\n");
		return -1;
	}
	env.percpu = calloc((size_t)env.ncpus, sizeof(struct botsink_counter));
	if (!env.percpu || parse_sinkhole(SINKHOLE, &env.sinkhole, &bad)) {
		fprintf(stderr, "prog_test: setup failed\n");
		free(bad);
		return -1;
	}
	if (sched_getaffinity(0, sizeof(env.all_cpus), &env.all_cpus)) {
		perror("prog_test: sched_getaffinity");
		return -1;
	}
	for (env.home_cpu = 0; !CPU_ISSET(env.home_cpu, &env.all_cpus); env.home_cpu++)
		;
	pin_cpu(env.home_cpu);
	log_route_libraries();
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int passed = 0, failed = 0;

	_Static_assert(sizeof(struct botsink_counter) >= sizeof(struct botsink_stats),
		       "the per-CPU scratch holds any value");
	_Static_assert(sizeof(struct botsink_counter) >= sizeof(struct botsink_rule_hits),
		       "the per-CPU scratch holds any value");
	if (geteuid()) {
		fprintf(stderr, "prog_test: run as root (BPF_PROG_TEST_RUN on the real program)\n");
		return 1;
	}
	if (setup_once())
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(tests); i++) {
		if (!selected(tests[i].name, argc, argv))
			continue;
		if (run_test(&tests[i]))
			passed++;
		else
			failed++;
	}
	printf("prog_test: %u passed, %u failed\n", passed, failed);
	addr_set_free(&env.sinkhole);
	free(env.percpu);
	return failed || !passed ? 1 : 0;
}
