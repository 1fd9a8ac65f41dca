// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The BPF_PROG_TEST_RUN harness (harness.h). */
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
#include "kernel/counters.h"
#include "kernel/install.h"
#include "kernel/loader.h"
#include "kernel/map_io.h"
#include "lib/log.h"
#include "lib/util.h"
#include "rules/compile.h"
#include "rules/rules.h"
#include "frames.h"
#include "harness.h"

/* The rule set most parse tests use. */
const char base_rules[] =
	"alert tcp any any -> 203.0.113.10 80 (msg:\"ET TROJAN Zeus gate check-in\"; sid:1001; rev:1;)\n"
	"alert udp any any -> 203.0.113.0/24 53 (msg:\"Sality DNS beacon\"; sid:1002; rev:1;)\n"
	"alert tcp any any -> 2001:db8:5::10 80 (msg:\"Zeus gate check-in (IPv6)\"; sid:1003;)\n"
	"alert udp any any -> 2001:db8:5::/48 53 (msg:\"Sality DNS beacon (IPv6)\"; sid:1004;)\n";

/* ---- checks ---- */

const char *cur_test;
unsigned int cur_checks, cur_failures;

bool __attribute__((format(printf, 3, 4))) check_at(int line, bool ok, const char *fmt, ...)
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

bool check_eq_at(int line, const char *what, unsigned long long got, unsigned long long want)
{
	return check_at(line, got == want, "%s is %llu, expected %llu", what, got, want);
}

/* ---- the environment of one test ---- */

struct env env;

static uint8_t frame_bufs[NFRAMES][FRAME_MAX];
static struct frame frame_ring[NFRAMES];
static unsigned int frame_next;

/* A fresh frame; the last NFRAMES stay valid. */
struct frame *new_frame(void)
{
	unsigned int i = frame_next++ % NFRAMES;

	frame_init(&frame_ring[i], frame_bufs[i], FRAME_MAX);
	return &frame_ring[i];
}

void read_stats(__u64 out[BOTSINK_NSTATS])
{
	const struct botsink_stats *s = env.percpu;
	__u32 zero = 0;

	memset(out, 0, BOTSINK_NSTATS * sizeof(*out));
	if (bpf_map_lookup_elem(env.l.maps.stats, &zero, env.percpu))
		return;
	for (int cpu = 0; cpu < env.ncpus; cpu++)
		for (int i = 0; i < BOTSINK_NSTATS; i++)
			out[i] += ((const __u64 *)&s[cpu])[i];
}

void read_hits(struct botsink_rule_hits *out)
{
	size_t per_slot = (size_t)env.ncpus * sizeof(struct botsink_rule_hits);
	struct botsink_rule_hits *all = calloc(BOTSINK_MAX_RULES, per_slot);

	memset(out, 0, BOTSINK_MAX_RULES * sizeof(*out));
	if (!all || array_read_all(env.l.maps.hits, BOTSINK_MAX_RULES, all, per_slot)) {
		check_at(0, false, "cannot read botsink_hits");
		free(all);
		return;
	}
	for (__u32 slot = 0; slot < BOTSINK_MAX_RULES; slot++) {
		for (int cpu = 0; cpu < env.ncpus; cpu++) {
			const struct botsink_rule_hits *h = &all[(size_t)slot * env.ncpus + cpu];

			out[slot].packets += h->packets;
			out[slot].bytes += h->bytes;
			out[slot].checkins += h->checkins;
			out[slot].checkins_verified += h->checkins_verified;
		}
	}
	free(all);
}

void read_slots(void)
{
	struct botsink_rule_info *info = calloc(BOTSINK_MAX_RULES, sizeof(*info));

	if (!info || array_read_all(env.l.maps.rules, BOTSINK_MAX_RULES, info, sizeof(*info)))
		check_at(0, false, "cannot read botsink_rules");
	for (__u32 slot = 0; slot < BOTSINK_MAX_RULES; slot++)
		env.slot_sid[slot] = info ? info[slot].sid : 0;
	free(info);
}

/* The rule slot (botsink_rules, botsink_hits) of a sid; 0: unclassified; -1: none. */
int slot_of(__u32 sid)
{
	if (!sid)
		return BOTSINK_SLOT_UNCLASSIFIED;
	for (int slot = 1; slot < BOTSINK_MAX_RULES; slot++)
		if (env.slot_sid[slot] == sid)
			return slot;
	return -1;
}

int count_keys(int fd, size_t key_size)
{
	__u8 cur[64], next[64];
	int n = 0;

	if (key_size > sizeof(cur))
		return -1;
	for (void *prev = NULL; !bpf_map_get_next_key(fd, prev, next); prev = cur, n++)
		memcpy(cur, next, key_size);
	return n;
}

struct botsink_config read_config(void)
{
	struct botsink_config cfg = { 0 };
	__u32 zero = 0;

	bpf_map_lookup_elem(env.l.maps.config, &zero, &cfg);
	return cfg;
}

void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

bool env_setup(__u32 max_sources)
{
	const struct loader_caps caps = { .sources = max_sources,
					  .unclassified = TEST_MAX_SOURCES };
	char err[512];

	memset(&env.l, 0, sizeof(env.l));
	if (loader_open_sized(&env.l, NULL, LOADER_PROGRAM | LOADER_NO_PINS, &caps, err,
			      sizeof(err))) {
		check_at(0, false, "loader_open: %s", err);
		return false;
	}
	/* As the daemon does: catch-alls in the overflow tables. */
	for (int gen = 0; gen < 2; gen++)
		if (counters_prepare(&env.l.maps, gen)) {
			check_at(0, false, "counters_prepare: %s", strerror(errno));
			return false;
		}
	env.verdict = BOTSINK_VERDICT_PASS;
	env.respond = BOTSINK_RESPOND_NONE;
	env.frames = 0;
	env.nseen = 0;
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

void env_teardown(void)
{
	rules_free(&env.rs);
	compiled_free(&env.c);
	loader_close(&env.l, false);
	pin_cpu(env.home_cpu);
}

/* ---- rules ---- */

bool install_at(int line, const char *rules, enum botsink_verdict verdict)
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
	if (install_rules(&env.l.maps, &env.rs, &env.c, verdict, env.respond, err, sizeof(err)))
		return check_at(line, false, "install_rules: %s", err);
	env.verdict = verdict;
	read_slots();
	return true;
}

/* ---- sending frames ---- */

bool run_prog(int line, const void *data, size_t len, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = (__u32)len,
		    .data_out = env.out, .data_size_out = sizeof(env.out), .repeat = 1);
	int err = bpf_prog_test_run_opts(loader_prog_fd(&env.l), &opts);

	if (!check_at(line, !err, "BPF_PROG_TEST_RUN with %zu bytes: %s", len, strerror(-err)))
		return false;
	*retval = opts.retval;
	env.out_len = opts.data_size_out;
	return true;
}

bool is_tagged(const uint8_t *data, size_t len)
{
	uint16_t type = len >= ETH_LEN ? (uint16_t)(data[12] << 8 | data[13]) : 0;

	return type == FR_ETH_P_8021Q || type == FR_ETH_P_8021AD;
}

int implied_action(int bucket)
{
	if (env.verdict != BOTSINK_VERDICT_DROP)
		return XDP_PASS;
	if (bucket == BOTSINK_FRAGMENT || bucket == BOTSINK_MATCHED ||
	    bucket == BOTSINK_UNCLASSIFIED)
		return XDP_DROP;
	return XDP_PASS;
}

const char *action_name(__u32 action)
{
	return action == XDP_PASS ? "XDP_PASS" : action == XDP_DROP ? "XDP_DROP" : "other";
}

struct want_counter *find_want(const struct botsink_source_key *key)
{
	for (size_t i = 0; i < env.nwant; i++)
		if (!memcmp(&env.want[i].key, key, sizeof(*key)))
			return &env.want[i];
	return NULL;
}

/*
 * The XDP program's check-in rule: UDP and other protocols always; TCP a
 * SYN or a segment with data, the first time its (source, destination,
 * ports, sequence) is seen (tests run well inside the retransmission window).
 */
bool expect_checkin(const struct hit *h)
{
	struct segment_id k = { .seq = h->seq, .sport = h->sport, .dport = h->dport };

	if (h->proto != FR_IPPROTO_TCP)
		return true;
	if (!h->syn && !h->payload_len)
		return false;
	memcpy(k.src, h->key.addr, 16);
	memcpy(k.dst, h->dst, 16);
	for (size_t i = 0; i < env.nseen; i++)
		if (!memcmp(&env.seen[i], &k, sizeof(k)))
			return false;
	if (env.nseen < MAX_SEEN)
		env.seen[env.nseen++] = k;
	return true;
}

/* The model forgets a segment the program no longer remembers. */
void forget_segment(const struct hit *h)
{
	struct segment_id k = { .seq = h->seq, .sport = h->sport, .dport = h->dport };

	memcpy(k.src, h->key.addr, 16);
	memcpy(k.dst, h->dst, 16);
	for (size_t i = 0; i < env.nseen; i++)
		if (!memcmp(&env.seen[i], &k, sizeof(k)))
			env.seen[i] = env.seen[--env.nseen];
}

/* `checkin`: expect_checkin's answer (remembered even when the table is full). */
void expect_counted(int line, const struct hit *h, size_t len, bool table_full, bool checkin)
{
	struct want_counter *w = find_want(&h->key);
	int slot = slot_of(h->key.sid);
	bool verified = checkin && cookie_checked(h) && h->verified && !h->refused;

	if (check_at(line, slot >= 0, "sid %u has no rule slot", h->key.sid)) {
		env.hits_want[slot].packets++;
		env.hits_want[slot].bytes += len;
		env.hits_want[slot].checkins += checkin;
		env.hits_want[slot].checkins_verified += verified;
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
	w->c.checkins += checkin;
	w->c.checkins_tcp += checkin && h->proto == FR_IPPROTO_TCP;
	w->c.checkins_verified += verified;
	if (h->dns_qtype)
		w->c.dns_qtype = h->dns_qtype;
	memcpy(w->c.dst_addr, h->dst, 16);
	w->c.dst_port = h->dport;
	w->c.protocol = h->proto;
}

/*
 * The program checks a TCP check-in's cookie when it carries data and a
 * SYN-ACK with a cookie may have been sent: the pass verdict (the kernel's),
 * or the responder's port.
 */
bool cookie_checked(const struct hit *h)
{
	bool can = env.verdict == BOTSINK_VERDICT_PASS ||
		   (env.respond != BOTSINK_RESPOND_NONE && h->responder_port);

	return can && h->proto == FR_IPPROTO_TCP && h->payload_len;
}

/* Run one frame; check its verdict and its exact statistics delta. */
void send_at(int line, const void *data, size_t len, const struct expect *x)
{
	int action = x->action >= 0 ? x->action : implied_action(x->bucket);
	__u64 before[BOTSINK_NSTATS], after[BOTSINK_NSTATS], want[BOTSINK_NSTATS] = { 0 };
	bool same = true, checkin = false;
	__u32 retval;

	read_stats(before);
	if (!run_prog(line, data, len, &retval))
		return;
	read_stats(after);
	env.frames++;
	check_at(line, retval == (__u32)action, "%zu-byte frame: verdict %s, expected %s", len,
		 action_name(retval), action_name((__u32)action));
	want[x->bucket] = 1;
	want[BOTSINK_VLAN] = is_tagged(data, len);
	want[BOTSINK_TABLE_FULL] = x->table_full;
	if (x->hit)
		checkin = expect_checkin(x->hit);
	if (checkin && cookie_checked(x->hit)) {
		want[BOTSINK_VERIFIED] = x->hit->verified && !x->hit->refused;
		want[BOTSINK_COOKIE_FAILED] = !x->hit->verified;
		want[BOTSINK_VERIFY_REFUSED] = x->hit->verified && x->hit->refused;
	}
	want[BOTSINK_RESPONSES] = x->responded;
	want[BOTSINK_PREFILTER_FULL] = x->prefilter_full;
	want[BOTSINK_EVIDENCE] = x->evidence;
	want[BOTSINK_EVIDENCE_LOST] = x->evidence_lost;
	for (int i = 0; i < BOTSINK_NSTATS; i++) {
		same &= after[i] - before[i] == want[i];
		env.stats_want[i] += want[i];
	}
	if (!check_at(line, same, "%zu-byte frame: expected bucket %s%s%s; statistics moved:", len,
		      botsink_stat_names[x->bucket], want[BOTSINK_VLAN] ? " + vlan" : "",
		      x->table_full ? " + table_full" : ""))
		for (int i = 0; i < BOTSINK_NSTATS; i++)
			if (after[i] != before[i])
				fprintf(stderr, "    %s +%llu\n", botsink_stat_names[i],
					(unsigned long long)(after[i] - before[i]));
	if (x->hit)
		expect_counted(line, x->hit, len, x->table_full, checkin);
}

void set_addr(__u8 out[16], const char *text)
{
	struct in6_addr a = { 0 };

	if (addr_parse(text, &a))
		fprintf(stderr, "  bad address in a test: %s\n", text);
	memcpy(out, &a, 16);
}

/* The counter a frame built with frames.h adds to. */
void frame_hit(const struct frame *f, __u32 sid, struct hit *h)
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
	h->sport = f->sport;
	h->syn = f->l4_proto == FR_IPPROTO_TCP && (f->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN;
	if (f->l4_proto == FR_IPPROTO_TCP) {
		size_t hlen = (size_t)(f->buf[f->l4 + TCP_OFF_DOFF] >> 4) * 4;
		size_t end = f->end ? f->end : f->len;

		h->seq = (uint32_t)f->buf[f->l4 + 4] << 24 | (uint32_t)f->buf[f->l4 + 5] << 16 |
			 (uint32_t)f->buf[f->l4 + 6] << 8 | f->buf[f->l4 + 7];
		h->payload_len = end > f->l4 + hlen ? (uint32_t)(end - f->l4 - hlen) : 0;
	}
}

/* A raw frame's TCP segment (Ethernet, tags, IPv4 or plain IPv6): its hit fields. */
static void raw_segment(const uint8_t *d, size_t len, struct hit *h)
{
	size_t off = ETH_LEN, l4, end;
	uint16_t type = len >= ETH_LEN ? (uint16_t)(d[12] << 8 | d[13]) : 0;

	while ((type == FR_ETH_P_8021Q || type == FR_ETH_P_8021AD) && off + 4 <= len) {
		type = (uint16_t)(d[off + 2] << 8 | d[off + 3]);
		off += VLAN_LEN;
	}
	if (type == FR_ETH_P_IP && off + IP4_LEN <= len &&
	    d[off + IP4_OFF_PROTO] == FR_IPPROTO_TCP) {
		l4 = off + (size_t)(d[off] & 0xf) * 4;
		end = off + (size_t)(d[off + IP4_OFF_TOT_LEN] << 8 | d[off + IP4_OFF_TOT_LEN + 1]);
	} else if (type == FR_ETH_P_IPV6 && off + IP6_LEN <= len &&
		   d[off + IP6_OFF_NEXT] == FR_IPPROTO_TCP) {
		l4 = off + IP6_LEN;
		end = l4 + (size_t)(d[off + IP6_OFF_PLEN] << 8 | d[off + IP6_OFF_PLEN + 1]);
	} else {
		return;
	}
	if (l4 + TCP_LEN > len || end > len)
		return;
	h->sport = (uint16_t)(d[l4] << 8 | d[l4 + 1]);
	h->seq = (uint32_t)d[l4 + 4] << 24 | (uint32_t)d[l4 + 5] << 16 | (uint32_t)d[l4 + 6] << 8 |
		 d[l4 + 7];
	h->payload_len = (uint32_t)(end - l4 - (size_t)(d[l4 + TCP_OFF_DOFF] >> 4) * 4);
}

void send_frame_at(int line, const struct frame *f, size_t len, int bucket, __u32 sid, int action,
		   bool table_full)
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

int sid_bucket(__u32 sid)
{
	return sid ? BOTSINK_MATCHED : BOTSINK_UNCLASSIFIED;
}

/* A frame that is not attributed: non_ip, non_sinkhole, malformed, fragment. */
/* A frame attributed to `sid`; 0: unclassified. */
/* The first `len` bytes of a frame. */

/* A capture: raw bytes; counted ones name their counter. */
void send_raw_at(int line, const uint8_t *data, size_t len, int bucket, const char *src, __u32 sid,
		 const char *dst, __u16 dport, __u8 proto, bool syn)
{
	struct expect x = { .bucket = bucket, .action = -1 };
	struct hit h = { .key.sid = sid, .dport = dport, .proto = proto, .syn = syn };

	raw_segment(data, len, &h);
	if (src) {
		set_addr(h.key.addr, src);
		set_addr(h.dst, dst);
		x.hit = &h;
	}
	send_at(line, data, len, &x);
}

/* ---- end-of-test checks ---- */

void format_key(const struct botsink_source_key *k, char *buf, size_t len)
{
	char addr[ADDR_TEXT_LEN];

	addr_format((const struct in6_addr *)k->addr, addr, sizeof(addr));
	snprintf(buf, len, "(%s, sid %u)", addr, k->sid);
}

void check_drained(int line, const struct want_counter *w, const struct drain_result *r)
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
	check_at(line,
		 got->checkins_tcp == w->c.checkins_tcp &&
			 got->checkins_verified == w->c.checkins_verified,
		 "%s: %llu TCP check-ins, %llu verified; expected %llu, %llu", key,
		 (unsigned long long)got->checkins_tcp, (unsigned long long)got->checkins_verified,
		 (unsigned long long)w->c.checkins_tcp, (unsigned long long)w->c.checkins_verified);
	check_at(line, got->checkins == w->c.checkins && got->dns_qtype == w->c.dns_qtype,
		 "%s: %llu check-ins, DNS query type %u; expected %llu, %u", key,
		 (unsigned long long)got->checkins, got->dns_qtype,
		 (unsigned long long)w->c.checkins, w->c.dns_qtype);
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
void check_drain_at(int line, struct drain_result *keep)
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
}

/* Every rule slot holds exactly the expected hits. */
void check_hits_at(int line)
{
	static struct botsink_rule_hits now[BOTSINK_MAX_RULES];
	int bad = 0;

	read_hits(now);
	for (__u32 slot = 0; slot < BOTSINK_MAX_RULES; slot++) {
		const struct botsink_rule_hits *want = &env.hits_want[slot];
		struct botsink_rule_hits got = {
			.packets = now[slot].packets - env.hits_base[slot].packets,
			.bytes = now[slot].bytes - env.hits_base[slot].bytes,
			.checkins = now[slot].checkins - env.hits_base[slot].checkins,
			.checkins_verified =
				now[slot].checkins_verified - env.hits_base[slot].checkins_verified,
		};

		if (!memcmp(&got, want, sizeof(got)))
			continue;
		if (bad++ < 8)
			check_at(
				line, false,
				"botsink_hits[%u] (sid %u): %llu packets, %llu bytes, %llu check-ins (%llu verified); expected %llu, %llu, %llu (%llu)",
				slot, env.slot_sid[slot], (unsigned long long)got.packets,
				(unsigned long long)got.bytes, (unsigned long long)got.checkins,
				(unsigned long long)got.checkins_verified,
				(unsigned long long)want->packets, (unsigned long long)want->bytes,
				(unsigned long long)want->checkins,
				(unsigned long long)want->checkins_verified);
	}
	check_at(line, !bad, "%d rule slots with unexpected hits", bad);
}

/* The statistics moved exactly as expected, and the buckets add up. */
void check_totals_at(int line)
{
	__u64 now[BOTSINK_NSTATS], sum = 0;

	read_stats(now);
	for (int i = 0; i < BOTSINK_NSTATS; i++) {
		__u64 delta = now[i] - env.stats_base[i];

		check_at(line, delta == env.stats_want[i],
			 "statistics: %s moved by %llu, expected %llu", botsink_stat_names[i],
			 (unsigned long long)delta, (unsigned long long)env.stats_want[i]);
		if (i < BOTSINK_CLASS_COUNT)
			sum += delta;
	}
	check_at(line, sum == env.frames, "the buckets add up to %llu, but %llu frames were sent",
		 (unsigned long long)sum, (unsigned long long)env.frames);
}

__u64 stat_delta(int i)
{
	__u64 now[BOTSINK_NSTATS];

	read_stats(now);
	return now[i] - env.stats_base[i];
}

/* ---- frames used by many tests ---- */

struct frame *tcp4(const char *src, const char *dst, uint16_t dport, uint8_t flags)
{
	struct frame *f = new_frame();

	frame_tcp_ip(f, 4, src, dst, SPORT, dport, flags);
	return f;
}

struct frame *tcp6(const char *src, const char *dst, uint16_t dport, uint8_t flags)
{
	struct frame *f = new_frame();

	frame_tcp_ip(f, 6, src, dst, SPORT, dport, flags);
	return f;
}

struct frame *udp4(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	struct frame *f = new_frame();

	frame_udp_ip(f, 4, src, dst, sport, dport, 16);
	return f;
}

struct frame *udp6(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	struct frame *f = new_frame();

	frame_udp_ip(f, 6, src, dst, sport, dport, 16);
	return f;
}

/* Ethernet/IPv4/UDP from SRC4, source port 5353, with this payload. */
/* A TCP segment with these flags, sequence number and payload (frames.h's ack). */
struct frame *tcp_segment(int family, const char *src, const char *dst, uint16_t dport,
			  uint8_t flags, uint32_t seq, const void *data, size_t n)
{
	struct frame *f = new_frame();

	frame_eth_ip(f, family, src, dst);
	frame_tcp(f, SPORT, dport, flags);
	frame_put32(f, f->l4 + 4, seq);
	if (n)
		frame_payload(f, data, n);
	else
		frame_fixup(f);
	return f;
}

struct frame *udp4_data(const char *dst, uint16_t dport, const void *data, size_t n)
{
	struct frame *f = new_frame();

	frame_eth(f);
	frame_ipv4(f, SRC4, dst);
	frame_udp(f, 5353, dport);
	frame_payload(f, data, n);
	return f;
}

struct frame *arp(const char *target)
{
	struct frame *f = new_frame();

	frame_eth(f);
	frame_arp(f, "203.0.113.1", target);
	frame_pad(f, FRAME_ETH_MIN);
	return f;
}

/* IPv6 with the given extension headers (0-terminated list) then TCP. */
struct frame *tcp6_ext(const char *dst, const uint8_t *ext, uint16_t dport)
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

/* "www.example.com" -> wire form; returns its length. */
size_t dns_wire_name(const char *dotted, uint8_t *out)
{
	size_t n = 0;

	while (*dotted) {
		size_t label = strcspn(dotted, ".");

		out[n++] = (uint8_t)label;
		memcpy(out + n, dotted, label);
		n += label;
		dotted += label + (dotted[label] == '.');
	}
	out[n++] = 0;
	return n;
}
