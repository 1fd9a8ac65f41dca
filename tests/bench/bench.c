// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * make bench: ns/packet of the botsink XDP program under BPF_PROG_TEST_RUN
 * for a few kinds of packet, beside two baselines measured in the same run
 * on the same frames: a bare XDP_DROP and a minimal one-map per-source
 * counter (tests/bench/baseline.bpf.c). Each figure is the best of several
 * rounds of BENCH_REPEAT runs (default 5,000,000), interleaved so drift
 * hits every program alike.
 *
 * Then the stateless responder (drop verdict, --respond tcp): what
 * answering a SYN (a Linux client's, with options; IPv4 and IPv6) with a
 * cookie SYN-ACK costs, beside the same SYN counted and dropped and the
 * one-map counter. The responder rewrites the frame in place, and a test
 * run repeats the program on that one buffer (after the first run it sees
 * the SYN-ACK, which is not for the sinkhole), so the responder is timed
 * in single runs beside the drop timed the same way: their difference is
 * what answering adds. And the SYN cookie check on a check-in (pass
 * verdict): the first data segment after a handshake with the responder,
 * with a valid cookie, with a wrong acknowledgement, and a control that
 * skips the check. Every figure is checked first: the XDP action, the
 * reply, and the statistics (matched, verified, responses).
 *
 * Then two tables of botsink alone: the cost of a matching SYN against the
 * number of port-dispatched rules (10 to 10,000), and the cost of a payload
 * scan: an HTTP POST whose match lies at the end of the BOTSINK_WINDOW-byte
 * window, with 1 and with 1,000 payload rules on its port.
 *
 * Last, what reading a 64 MiB MMDB into private memory costs at open.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <time.h>
#include <unistd.h>
#include "botsink_abi.h"
#include "enrich/enrich.h"
#include "feed/feed.h"
#include "feed/partners.h"
#include "feed/sink.h"
#include "kernel/census.h"
#include "kernel/counters.h"
#include "kernel/evidence.h"
#include "kernel/install.h"
#include "kernel/loader.h"
#include "lib/log.h"
#include "lib/util.h"
#include "privacy/anon.h"
#include "rules/compile.h"
#include "rules/fit.h"
#include "rules/rules.h"
#include "baseline.skel.h"
#include "frames.h"
#include "synth.h"

#define ROUNDS 5

static const char bench_rules[] =
	"alert tcp any any -> 203.0.113.10 [80,8080] (msg:\"Zeus gate check-in\"; flags:S,12; sid:1000001; metadata:malware_family zeus;)\n"
	"alert tcp any any -> 203.0.113.64/26 443 (msg:\"Necurs CnC\"; flags:S,12; sid:1000010;)\n"
	"alert udp any any -> 203.0.113.0/24 16000:16999 (msg:\"Sality P2P hello\"; sid:1000020; metadata:malware_family sality;)\n"
	"alert tcp any any -> $HOME_NET [23,2323] (msg:\"Mirai telnet scan\"; flags:S; sid:1000030; metadata:malware_family mirai;)\n"
	"alert tcp any any -> 2001:db8:5::10 80 (msg:\"Zeus gate check-in (IPv6)\"; flags:S,12; sid:1000002;)\n";

/*
 * Added to bench_rules for the responder's tables: the gate's data segments
 * (PSH and ACK set, others allowed), so that a check-in after the
 * handshake is matched.
 */
static const char checkin_rules[] =
	"alert tcp any any -> 203.0.113.10 80 (msg:\"Zeus gate POST\"; flags:+PA; sid:1000003;)\n"
	"alert tcp any any -> 2001:db8:5::10 80 (msg:\"Zeus gate POST (IPv6)\"; flags:+PA; sid:1000004;)\n";

struct kind {
	const char *name;
	enum botsink_stat bucket; /* where botsink must put it */
	uint8_t buf[FRAME_MAX];
	size_t len;
	size_t l4; /* the TCP header's offset (the responder's frames) */
};

enum { PROG_DROP, PROG_COUNTER, PROG_BOTSINK, NPROGS };

static const char *const prog_names[NPROGS] = { "xdp_drop", "one-map counter", "botsink" };

/* An IPv4 TCP frame without payload from src to dst:dport. */
static void tcp4_kind(struct kind *k, const char *name, enum botsink_stat bucket, const char *src,
		      const char *dst, uint16_t dport, uint8_t flags)
{
	struct frame f;

	k->name = name;
	k->bucket = bucket;
	frame_init(&f, k->buf, sizeof(k->buf));
	k->len = frame_tcp_ip(&f, 4, src, dst, 40000, dport, flags);
}

/* The test_run table's packets. */
#define NKINDS 6

static void build_kinds(struct kind *k)
{
	struct frame f;

	tcp4_kind(&k[0], "sinkhole TCP SYN, matched", BOTSINK_MATCHED, "198.18.1.1", "203.0.113.10",
		  80, TH_SYN);
	/* ECN setup's SYN matches the same rule, through the walk (struct botsink_list syn_rule). */
	tcp4_kind(&k[5], "SYN+ECE+CWR, walked", BOTSINK_MATCHED, "198.18.1.5", "203.0.113.10", 80,
		  TH_SYN | TH_ECE | TH_CWR);

	k[1].name = "sinkhole UDP, matched";
	k[1].bucket = BOTSINK_MATCHED;
	frame_init(&f, k[1].buf, sizeof(k[1].buf));
	k[1].len = frame_udp_ip(&f, 4, "198.18.1.2", "203.0.113.77", 40000, 16001, 18);

	tcp4_kind(&k[2], "sinkhole TCP, unclassified", BOTSINK_UNCLASSIFIED, "198.18.1.3",
		  "203.0.113.10", 22, TH_SYN);
	tcp4_kind(&k[3], "not for the sinkhole", BOTSINK_NON_SINKHOLE, "198.18.1.4", "198.51.100.1",
		  80, TH_SYN);

	k[4].name = "IPv6 TCP SYN, matched";
	k[4].bucket = BOTSINK_MATCHED;
	frame_init(&f, k[4].buf, sizeof(k[4].buf));
	k[4].len = frame_tcp_ip(&f, 6, "2001:db8:99::1", "2001:db8:5::10", 40000, 80, TH_SYN);
}

/* A kind's botsink figure at most `ratio` times the one-map counter's, from the same run. */
static bool ratio_at_most(const __u32 *best, double ratio)
{
	return (double)best[PROG_BOTSINK] <= ratio * (double)best[PROG_COUNTER];
}

static int run(int prog_fd, const struct kind *k, __u32 repeat, __u32 *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = k->buf, .data_size_in = (__u32)k->len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*ns = opts.duration;
	return 0;
}

/* A field of struct botsink_stats, as the index stat_total takes. */
#define STAT(field) (offsetof(struct botsink_stats, field) / sizeof(__u64))

/* One field of botsink_stats (a bucket, or STAT(field)), summed over CPUs. */
static __u64 stat_total(int stats_fd, size_t field)
{
	int ncpus = libbpf_num_possible_cpus();
	struct botsink_stats *st = calloc((size_t)ncpus, sizeof(*st));
	__u32 zero = 0;
	__u64 sum = 0;

	if (st && !bpf_map_lookup_elem(stats_fd, &zero, st))
		for (int cpu = 0; cpu < ncpus; cpu++)
			sum += ((__u64 *)&st[cpu])[field];
	free(st);
	return sum;
}

/* Which rule a frame goes to: sent once more, the slot whose packets grew. */
static void name_rule(const struct loader *l, const struct kind *k)
{
	struct census_rule *r = NULL;
	__u64 *before;
	size_t n = 0;
	__u32 ns;

	if (census_rules(&l->maps, &r, &n))
		return;
	before = calloc(n ? n : 1, sizeof(*before));
	for (size_t j = 0; before && j < n; j++)
		before[j] = r[j].hits.packets;
	if (before && !run(loader_prog_fd(l), k, 1, &ns) && !census_hits(&l->maps, r, n))
		for (size_t j = 0; j < n; j++)
			if (r[j].hits.packets != before[j])
				fprintf(stderr, "bench: '%s' went to sid %u (%s)\n", k->name,
					r[j].info.sid, r[j].info.msg);
	free(before);
	free(r);
}

/* Each kind must take the path its name says, or the figure means nothing. */
static int check_paths(const struct loader *l, const struct kind *k, size_t n)
{
	__u64 before[BOTSINK_CLASS_COUNT];
	size_t i;
	__u32 ns;

	for (i = 0; i < n; i++) {
		for (int b = 0; b < BOTSINK_CLASS_COUNT; b++)
			before[b] = stat_total(l->maps.stats, (size_t)b);
		if (!k[i].len || run(loader_prog_fd(l), &k[i], 1, &ns))
			goto fail;
		if (stat_total(l->maps.stats, k[i].bucket) == before[k[i].bucket] + 1)
			continue;
		for (int b = 0; b < BOTSINK_CLASS_COUNT; b++)
			if (stat_total(l->maps.stats, (size_t)b) != before[b])
				fprintf(stderr, "bench: '%s' is counted as %s, not %s\n", k[i].name,
					botsink_stat_names[b], botsink_stat_names[k[i].bucket]);
		name_rule(l, &k[i]);
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "bench: '%s' does not take the expected path\n", k[i].name);
	return -1;
}

/*
 * Compile and install rules (replacing the running set). Lenient: as an
 * operator loads an ET set, keywords XDP cannot enforce are dropped, and
 * what the parser refuses or does not fit is left out. *loaded (when not
 * NULL): the rules installed.
 */
static int install_set(struct loader *l, const char *text, size_t len, bool lenient, size_t *loaded)
{
	struct addr_set space = { 0 };
	struct rule_fit fit = { 0 };
	struct rule_set rs;
	struct compiled c = { 0 };
	char err[512] = "", *bad = NULL;
	int ret = -1;

	rules_parse_text("bench.rules", text, len, lenient, &rs);
	parse_sinkhole("203.0.113.0/24,2001:db8:5::/48", &space, &bad);
	for (size_t i = 0; lenient && i < rs.nerrors; i++)
		free(rs.errors[i].reason);
	if (lenient)
		rs.nerrors = 0;
	if (!rs.nerrors && !(lenient && compile_fit(&rs, &space, &fit)) &&
	    !compile_rules(&rs, &space, &c) &&
	    !install_rules(&l->maps, &rs, &c, BOTSINK_VERDICT_PASS, BOTSINK_RESPOND_NONE, err,
			   sizeof(err)))
		ret = 0;
	if (ret) {
		rules_print_errors(&rs);
		fprintf(stderr, "bench: cannot set up the rules: %s\n", err);
	}
	if (loaded)
		*loaded = rs.n;
	compiled_free(&c);
	rule_fit_free(&fit);
	rules_free(&rs);
	addr_set_free(&space);
	return ret;
}

static int install_text(struct loader *l, const char *rules)
{
	return install_set(l, rules, strlen(rules), false, NULL);
}

static int setup_botsink(struct loader *l)
{
	char err[512];

	if (loader_open(l, NULL, LOADER_PROGRAM | LOADER_NO_PINS, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return -1;
	}
	return install_text(l, bench_rules);
}

/* The best of ROUNDS runs of one frame. */
static int best_of(int fd, const struct kind *k, __u32 repeat, __u32 *best)
{
	__u32 ns = 0;

	*best = ~0U;
	for (int round = 0; round < ROUNDS; round++) {
		if (run(fd, k, repeat, &ns))
			return -1;
		if (ns < *best)
			*best = ns;
	}
	return 0;
}

/* ---- the responder and the cookie check ---- */

#define GATE4 "203.0.113.10"
#define GATE6 "2001:db8:5::10"
#define CLIENT4 "198.18.2.1"
#define CLIENT6 "2001:db8:99::2"
#define SYNACK_HLEN 24 /* the responder's SYN-ACK: a TCP header with the MSS option */
#define REQUEST "POST /gate.php HTTP/1.1\r\nHost: c2.example\r\n\r\n"

/* What a test run left: its time per run, verdict and frame. */
struct outcome {
	__u32 ns, retval, len;
	__u8 out[FRAME_MAX];
};

static int run_out(int prog_fd, const struct kind *k, __u32 repeat, struct outcome *o)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = k->buf, .data_size_in = (__u32)k->len,
		    .data_out = o->out, .data_size_out = sizeof(o->out), .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	o->ns = opts.duration;
	o->retval = opts.retval;
	o->len = opts.data_size_out;
	return 0;
}

/* Switch the running rule set's verdict and responder, as install_rules sets them. */
static int set_mode(const struct loader *l, enum botsink_verdict verdict,
		    enum botsink_respond respond)
{
	struct botsink_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(l->maps.config, &zero, &cfg))
		return -1;
	cfg.verdict = verdict;
	cfg.respond = verdict == BOTSINK_VERDICT_DROP ? respond : BOTSINK_RESPOND_NONE;
	if (bpf_map_update_elem(l->maps.config, &zero, &cfg, BPF_ANY)) {
		fprintf(stderr, "bench: cannot set the verdict: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The retransmission filter's set mask: ~0U makes every set lookup miss,
 * so every run of a repeated segment is a new check-in (and checked).
 */
static int set_recent_mask(const struct loader *l, __u32 mask)
{
	struct botsink_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(l->maps.config, &zero, &cfg))
		return -1;
	cfg.recent_mask = mask;
	return bpf_map_update_elem(l->maps.config, &zero, &cfg, BPF_ANY);
}

/* Zero every element of an array map. */
static int clear_array(int fd, size_t value_size)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	void *zero = calloc(1, value_size);
	int ret = -1;

	if (zero && !bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = 0;
		for (__u32 i = 0; i < info.max_entries && !ret; i++)
			ret = bpf_map_update_elem(fd, &i, zero, BPF_ANY);
	}
	free(zero);
	return ret;
}

/* Forget the segments the retransmission filter remembers, and the failed checks. */
static int forget_segments(const struct loader *l)
{
	if (!clear_array(l->maps.recent, sizeof(struct botsink_recent_set)) &&
	    !clear_array(l->maps.guard, sizeof(struct botsink_guard)))
		return 0;
	fprintf(stderr, "bench: cannot clear botsink_recent and botsink_vguard: %s\n",
		strerror(errno));
	return -1;
}

static __u32 get32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/* Ethernet, then IPv4 or IPv6 by the form of `dst`. */
static void gate_ip(struct frame *f, struct kind *k, const char *src, const char *dst)
{
	frame_init(f, k->buf, sizeof(k->buf));
	frame_eth(f);
	if (strchr(dst, ':'))
		frame_ipv6(f, src, dst);
	else
		frame_ipv4(f, src, dst);
}

/* A SYN to the gate's port 80 with a Linux client's options (MSS, SACK, TS, WS). */
static void gate_syn(struct kind *k, const char *name, const char *src, const char *dst)
{
	struct frame f;

	k->name = name;
	k->bucket = BOTSINK_MATCHED;
	gate_ip(&f, k, src, dst);
	frame_tcp_opt(&f, 40000, 80, TH_SYN, frame_syn_options, sizeof(frame_syn_options));
	k->len = frame_ok(&f) ? f.len : 0;
	k->l4 = f.l4;
}

/*
 * The client's first data segment (a POST) after the handshake `syn`
 * began: sequence ISN + 1, acknowledging `ack` (the cookie + 1 for a real
 * client), with `flags`.
 */
static void gate_checkin(struct kind *k, const char *name, const struct kind *syn, const char *src,
			 const char *dst, __u8 flags, __u32 ack)
{
	struct frame f;

	k->name = name;
	k->bucket = BOTSINK_MATCHED;
	gate_ip(&f, k, src, dst);
	frame_tcp(&f, 40000, 80, flags);
	frame_put32(&f, f.l4 + 4, get32(syn->buf + syn->l4 + 4) + 1);
	frame_put32(&f, f.l4 + 8, ack);
	frame_payload(&f, REQUEST, sizeof(REQUEST) - 1);
	k->len = frame_ok(&f) ? f.len : 0;
	k->l4 = f.l4;
}

/* The responder's answer to `syn`: XDP_TX and a SYN-ACK in place of the SYN. */
static bool is_syn_ack(const struct kind *syn, const struct outcome *o)
{
	return o->retval == XDP_TX && o->len == syn->l4 + SYNACK_HLEN &&
	       o->out[syn->l4 + 13] == (TH_SYN | TH_ACK);
}

/* The statistics that show a frame's path. */
struct path {
	__u64 matched, verified, responses;
};

static void path_now(const struct loader *l, struct path *p)
{
	p->matched = stat_total(l->maps.stats, BOTSINK_MATCHED);
	p->verified = stat_total(l->maps.stats, STAT(verified));
	p->responses = stat_total(l->maps.stats, STAT(responses));
}

/* Whether the statistics moved by exactly `d` since `before`; else says how. */
static bool path_moved(const struct loader *l, const struct path *before, const struct path *d,
		       const char *what)
{
	struct path now;

	path_now(l, &now);
	if (now.matched - before->matched == d->matched &&
	    now.verified - before->verified == d->verified &&
	    now.responses - before->responses == d->responses)
		return true;
	fprintf(stderr,
		"bench: %s: matched +%llu, verified +%llu, responses +%llu; expected +%llu, +%llu, +%llu\n",
		what, (unsigned long long)(now.matched - before->matched),
		(unsigned long long)(now.verified - before->verified),
		(unsigned long long)(now.responses - before->responses),
		(unsigned long long)d->matched, (unsigned long long)d->verified,
		(unsigned long long)d->responses);
	return false;
}

/*
 * One run of `k` (repeat 1) must return `action`, leave `len` bytes (with
 * XDP_TX: a SYN-ACK) and move the statistics by `d`.
 */
static int check_once(const struct loader *l, const struct kind *k, __u32 action, size_t len,
		      const struct path *d, struct outcome *o)
{
	struct path before;
	char what[128];

	snprintf(what, sizeof(what), "'%s' does not take the expected path", k->name);
	path_now(l, &before);
	if (!k->len || run_out(loader_prog_fd(l), k, 1, o)) {
		fprintf(stderr, "bench: %s: %s\n", what, k->len ? strerror(errno) : "no frame");
		return -1;
	}
	if (o->retval != action || o->len != len || (action == XDP_TX && !is_syn_ack(k, o))) {
		fprintf(stderr, "bench: %s (XDP action %u, %u bytes; expected %u, %zu)\n", what,
			o->retval, o->len, action, len);
		return -1;
	}
	return path_moved(l, &before, d, what) ? 0 : -1;
}

/*
 * The best of `calls` single runs (repeat 1) of `syn`, each checked: with
 * `answered`, a SYN-ACK sent back, else the SYN dropped as it came.
 */
static int best_single(int fd, const struct kind *syn, __u32 calls, bool answered, __u32 *best)
{
	struct outcome o;

	for (__u32 i = 0; i < calls; i++) {
		if (run_out(fd, syn, 1, &o))
			return -1;
		if (answered ? !is_syn_ack(syn, &o) : o.retval != XDP_DROP || o.len != syn->len) {
			fprintf(stderr, "bench: '%s' was %s (XDP action %u)\n", syn->name,
				answered ? "not answered with a SYN-ACK" : "not dropped", o.retval);
			return -1;
		}
		if (o.ns < *best)
			*best = o.ns;
	}
	return 0;
}

enum { SYN_COUNTER, SYN_DROP, SYN_DROP1, SYN_RESPOND1, SYN_COLS };

/*
 * The responder's cost per SYN (drop verdict, --respond tcp) beside the
 * same SYN counted and dropped, and the one-map counter. The responder
 * rewrites the frame in place into its SYN-ACK, and a test run repeats
 * the program on that one buffer: after the first run it sees the
 * SYN-ACK, which is not for the sinkhole. So the responder is timed in
 * single runs (repeat 1, the best of many calls), beside the plain drop
 * timed the same way; their difference is what answering adds to a SYN.
 * A single run's figure includes the test run's own overhead (two clock
 * reads), which the difference cancels.
 */
static int bench_respond(const struct loader *l, int counter_fd, __u32 repeat, struct kind *syns)
{
	const __u32 calls = repeat / 100 ?: 1;
	const int fd = loader_prog_fd(l);
	__u32 best[2][SYN_COLS];
	struct path before, d = { 0 };
	struct outcome o;

	gate_syn(&syns[0], "IPv4 SYN, Linux options", CLIENT4, GATE4);
	gate_syn(&syns[1], "IPv6 SYN, Linux options", CLIENT6, GATE6);
	for (int s = 0; s < 2; s++) {
		d = (struct path){ .matched = 1 };
		if (set_mode(l, BOTSINK_VERDICT_DROP, BOTSINK_RESPOND_NONE) ||
		    check_once(l, &syns[s], XDP_DROP, syns[s].len, &d, &o))
			return -1;
		d.responses = 1;
		if (set_mode(l, BOTSINK_VERDICT_DROP, BOTSINK_RESPOND_TCP) ||
		    check_once(l, &syns[s], XDP_TX, syns[s].l4 + SYNACK_HLEN, &d, &o))
			return -1;
	}
	memset(best, 0xff, sizeof(best));
	path_now(l, &before);
	for (int round = 0; round < ROUNDS; round++)
		for (int s = 0; s < 2; s++) {
			if (run_out(counter_fd, &syns[s], repeat, &o))
				return -1;
			if (o.ns < best[s][SYN_COUNTER])
				best[s][SYN_COUNTER] = o.ns;
			if (set_mode(l, BOTSINK_VERDICT_DROP, BOTSINK_RESPOND_NONE) ||
			    run_out(fd, &syns[s], repeat, &o))
				return -1;
			if (o.retval != XDP_DROP) {
				fprintf(stderr, "bench: '%s' was not dropped (XDP action %u)\n",
					syns[s].name, o.retval);
				return -1;
			}
			if (o.ns < best[s][SYN_DROP])
				best[s][SYN_DROP] = o.ns;
			if (best_single(fd, &syns[s], calls, false, &best[s][SYN_DROP1]) ||
			    set_mode(l, BOTSINK_VERDICT_DROP, BOTSINK_RESPOND_TCP) ||
			    best_single(fd, &syns[s], calls, true, &best[s][SYN_RESPOND1]))
				return -1;
		}
	/* Every run counted the SYN; every single run of the responder answered it. */
	d = (struct path){ .matched = (__u64)ROUNDS * 2 * (repeat + 2ULL * calls),
			   .responses = (__u64)ROUNDS * 2 * calls };
	if (!path_moved(l, &before, &d, "the responder's SYNs"))
		return -1;
	printf("\nresponder (drop verdict, --respond tcp): a SYN to a rule port, ns/packet,\n"
	       "best of %d rounds of %u runs; 1 run: best of %d x %u single runs\n",
	       ROUNDS, repeat, ROUNDS, calls);
	printf("%-24s %16s %8s %11s %14s %15s %14s\n", "packet", "one-map counter", "drop",
	       "drop, 1 run", "respond, 1 run", "respond - drop", "respond (est.)");
	for (int s = 0; s < 2; s++) {
		long diff = (long)best[s][SYN_RESPOND1] - (long)best[s][SYN_DROP1];

		printf("%-24s %16u %8u %11u %14u %+15ld %14ld\n", syns[s].name,
		       best[s][SYN_COUNTER], best[s][SYN_DROP], best[s][SYN_DROP1],
		       best[s][SYN_RESPOND1], diff, (long)best[s][SYN_DROP] + diff);
	}
	printf("drop: counted and dropped; respond: the same, and a SYN-ACK with a cookie built in\n"
	       "place and returned with XDP_TX. The responder rewrites the frame, and a test run\n"
	       "repeats the program on that one buffer, so it is timed in single runs (each checked\n"
	       "to return a SYN-ACK) beside the drop timed the same way; a single run includes the\n"
	       "test run's clock reads and starts with colder caches. respond (est.) = drop +\n"
	       "(respond - drop). The SYN repeats: after its first run it is a retransmission, not\n"
	       "counted again as a check-in.\n");
	return 0;
}

enum { SEG_VALID, SEG_WRONG, SEG_CONTROL, SEG_KINDS };

/*
 * The cookie check on a check-in (pass verdict): the first data segment
 * after a handshake with the responder, acknowledging its cookie, beside
 * the same segment acknowledging a wrong number (the check fails), and a
 * control the check skips: the same segment with RST also set
 * (handshake_proven returns before the helper; the same rule matches it).
 * Only check-ins are checked, so while timing the retransmission filter
 * misses on purpose (set_recent_mask): every run is a new check-in. Past
 * BOTSINK_GUARD_FAILURES wrong acks, valid cookies from the same source are
 * checked and refused (botsink_vguard): the same cost.
 */
static int bench_cookie_check(const struct loader *l, int counter_fd, __u32 repeat,
			      const struct kind *syns)
{
	static const char *const names[2][SEG_KINDS] = {
		{ "IPv4, valid cookie", "IPv4, wrong ack", "IPv4, no check (RST)" },
		{ "IPv6, valid cookie", "IPv6, wrong ack", "IPv6, no check (RST)" },
	};
	static const __u64 verifies[SEG_KINDS] = { 1, 0, 0 };
	const int fd = loader_prog_fd(l);
	struct kind segs[2][SEG_KINDS];
	__u32 best[2][SEG_KINDS][2];
	struct botsink_config cfg;
	struct path before, d;
	struct outcome o;
	__u32 zero = 0, recent_mask;
	__u64 refused;

	if (bpf_map_lookup_elem(l->maps.config, &zero, &cfg))
		return -1;
	recent_mask = cfg.recent_mask;
	for (int s = 0; s < 2; s++) {
		const char *src = s ? CLIENT6 : CLIENT4, *dst = s ? GATE6 : GATE4;
		__u32 cookie;

		d = (struct path){ .matched = 1, .responses = 1 };
		if (set_mode(l, BOTSINK_VERDICT_DROP, BOTSINK_RESPOND_TCP) ||
		    check_once(l, &syns[s], XDP_TX, syns[s].l4 + SYNACK_HLEN, &d, &o))
			return -1;
		cookie = get32(o.out + syns[s].l4 + 4);
		gate_checkin(&segs[s][SEG_VALID], names[s][SEG_VALID], &syns[s], src, dst,
			     TH_PSH | TH_ACK, cookie + 1);
		/* Off in the cookie's age bits: the check fails at its first hash. */
		gate_checkin(&segs[s][SEG_WRONG], names[s][SEG_WRONG], &syns[s], src, dst,
			     TH_PSH | TH_ACK, cookie + 1 + 0x5a5a5a5a);
		gate_checkin(&segs[s][SEG_CONTROL], names[s][SEG_CONTROL], &syns[s], src, dst,
			     TH_RST | TH_PSH | TH_ACK, cookie + 1);
	}
	if (set_mode(l, BOTSINK_VERDICT_PASS, BOTSINK_RESPOND_NONE))
		return -1;
	/* Twice: before the timing, and after it (forgotten), so the cookies were valid all along. */
	for (int pass = 0; pass < 2; pass++) {
		for (int s = 0; s < 2; s++)
			for (int i = 0; i < SEG_KINDS; i++) {
				d = (struct path){ .matched = 1, .verified = verifies[i] };
				if (check_once(l, &segs[s][i], XDP_PASS, segs[s][i].len, &d, &o))
					return -1;
			}
		if (pass)
			break;
		memset(best, 0xff, sizeof(best));
		path_now(l, &before);
		refused = stat_total(l->maps.stats, STAT(verify_refused));
		if (set_recent_mask(l, ~0U))
			return -1;
		for (int round = 0; round < ROUNDS; round++)
			for (int s = 0; s < 2; s++)
				for (int i = 0; i < SEG_KINDS; i++) {
					if (run_out(counter_fd, &segs[s][i], repeat, &o))
						return -1;
					if (o.ns < best[s][i][0])
						best[s][i][0] = o.ns;
					if (run_out(fd, &segs[s][i], repeat, &o))
						return -1;
					if (o.retval != XDP_PASS) {
						fprintf(stderr, "bench: '%s' was not passed\n",
							segs[s][i].name);
						return -1;
					}
					if (o.ns < best[s][i][1])
						best[s][i][1] = o.ns;
				}
		/* Every valid run verified, or (the guard) refused. */
		refused = stat_total(l->maps.stats, STAT(verify_refused)) - refused;
		d = (struct path){ .matched = (__u64)ROUNDS * 2 * SEG_KINDS * repeat,
				   .verified = (__u64)ROUNDS * 2 * repeat - refused };
		if (set_recent_mask(l, recent_mask) ||
		    !path_moved(l, &before, &d, "the check-ins") || forget_segments(l))
			return -1;
	}
	printf("\ncookie check on a check-in (pass verdict): the first data segment after a\n"
	       "handshake with the responder, PSH|ACK, a %zu-byte POST, ns/packet\n",
	       sizeof(REQUEST) - 1);
	printf("%-24s %16s %10s %18s\n", "packet", "one-map counter", "botsink", "over no check");
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < SEG_KINDS; i++)
			printf("%-24s %16u %10u %+18ld\n", segs[s][i].name, best[s][i][0],
			       best[s][i][1], (long)best[s][i][1] - (long)best[s][SEG_CONTROL][1]);
	printf("valid cookie: verified; wrong ack: the check fails at its first hash;\n"
	       "no check: RST set too, so the check is skipped (the same rule matches it). Each\n"
	       "run is a new check-in (the retransmission filter misses on purpose).\n");
	return 0;
}

/* The responder's tables, on bench_rules and checkin_rules. */
static int bench_responder(struct loader *l, int counter_fd, __u32 repeat)
{
	struct kind syns[2];
	char *rules;
	int ret = -1;

	if (asprintf(&rules, "%s%s", bench_rules, checkin_rules) < 0)
		return -1;
	if (!install_text(l, rules) && !bench_respond(l, counter_fd, repeat, syns) &&
	    !bench_cookie_check(l, counter_fd, repeat, syns))
		ret = 0;
	free(rules);
	return ret;
}

/* N rules, each a SYN to its own port of the /24: all in port lists. */
static char *port_rules(unsigned int n)
{
	size_t cap = (size_t)n * 120 + 1, len = 0;
	char *text = malloc(cap);

	for (unsigned int i = 0; text && i < n; i++)
		len += (size_t)snprintf(
			text + len, cap - len,
			"alert tcp any any -> 203.0.113.0/24 %u (msg:\"bot %u\"; flags:S,12; sid:%u;)\n",
			10000 + i, i, i + 1);
	return text;
}

static int bench_rule_count(struct loader *l, __u32 repeat)
{
	static const unsigned int counts[] = { 10, 1000, 10000 };
	__u32 best[3];
	struct kind k = { .name = "SYN", .bucket = BOTSINK_MATCHED };
	struct frame f;
	bool flat = true;

	for (int i = 0; i < 3; i++) {
		char *rules = port_rules(counts[i]);
		int ret = rules ? install_text(l, rules) : -1;

		free(rules);
		frame_init(&f, k.buf, sizeof(k.buf));
		k.len = frame_tcp_ip(&f, 4, "198.18.1.1", "203.0.113.10", 40000,
				     (uint16_t)(10000 + counts[i] / 2), TH_SYN);
		if (ret || check_paths(l, &k, 1) ||
		    best_of(loader_prog_fd(l), &k, repeat, &best[i]))
			return -1;
	}
	printf("\nmatching SYN against the number of port-dispatched rules, ns/packet\n");
	for (int i = 0; i < 3; i++) {
		double off = 100.0 * ((double)best[i] - best[0]) / (double)(best[0] ?: 1);

		printf("%6u rules %10u  (%+.1f%% against 10 rules)\n", counts[i], best[i], off);
		flat = flat && off <= 10.0 && off >= -10.0;
	}
	printf("target (issue 21): within 10%% from 10 to 10,000 rules: %s\n",
	       flat ? "met" : "missed");
	return 0;
}

/* A TCP data segment to port 80 of the gate carrying BOTSINK_WINDOW bytes of `payload`. */
static void post80_frame(struct kind *k, const char *payload)
{
	struct frame f;

	frame_init(&f, k->buf, sizeof(k->buf));
	frame_eth(&f);
	frame_ipv4(&f, "198.18.1.1", "203.0.113.10");
	frame_tcp(&f, 40000, 80, TH_PSH | TH_ACK);
	frame_payload(&f, payload, BOTSINK_WINDOW);
	k->len = frame_ok(&f) ? f.len : 0;
}

/* An HTTP POST whose body ends with the matching content, BOTSINK_WINDOW bytes of payload. */
static void post_frame(struct kind *k)
{
	static const char head[] = "POST /gate.php HTTP/1.1\r\nHost: c2.example\r\n"
				   "User-Agent: Mozilla/4.0\r\nContent-Length: 400\r\n\r\n";
	char payload[BOTSINK_WINDOW];

	memset(payload, 'a', sizeof(payload));
	memcpy(payload, head, sizeof(head) - 1);
	memcpy(payload + sizeof(payload) - 12, "botid=123456", 12);
	post80_frame(k, payload);
}

/* The matching rule plus `others` payload rules on port 80 that do not match. */
static char *http_rules(unsigned int others)
{
	size_t cap = (size_t)(others + 1) * 200, len = 0;
	char *text = malloc(cap);

	if (!text)
		return NULL;
	len += (size_t)snprintf(
		text, cap,
		"alert http any any -> 203.0.113.0/24 80 (msg:\"gate\"; content:\"POST\"; http_method; http.request_body; content:\"botid=\"; sid:1;)\n");
	for (unsigned int i = 0; i < others; i++)
		len += (size_t)snprintf(
			text + len, cap - len,
			"alert http any any -> 203.0.113.%u 80 (msg:\"other %u\"; http.uri; content:\"/panel%04u/login.php\"; sid:%u;)\n",
			10 + i / 60, i, i, i + 2);
	return text;
}

static int bench_payload(struct loader *l, int counter_fd, __u32 repeat)
{
	static const unsigned int others[] = { 0, 599 };
	struct kind k = { .name = "POST", .bucket = BOTSINK_MATCHED };
	__u32 best[2], counter;

	post_frame(&k);
	for (int i = 0; i < 2; i++) {
		char *rules = http_rules(others[i]);
		int ret = rules ? install_text(l, rules) : -1;

		free(rules);
		if (ret || check_paths(l, &k, 1) ||
		    best_of(loader_prog_fd(l), &k, repeat, &best[i]))
			return -1;
	}
	if (best_of(counter_fd, &k, repeat, &counter))
		return -1;
	printf("\npayload scan: HTTP POST, %d payload bytes, the match at the window's end, ns/packet\n",
	       BOTSINK_WINDOW);
	printf("one-map counter %10u\n", counter);
	for (int i = 0; i < 2; i++)
		printf("%4u HTTP rules %9u  (%.2fx the counter)\n", others[i] + 1, best[i],
		       (double)best[i] / (double)(counter ?: 1));
	return 0;
}

/* ---- evidence ---- */

#define EVIDENCE_CALLS 8000 /* new keys per figure: fewer than the ring's 19,418 samples */

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Best and median of single runs of k, each from a new source when `fresh`. */
static int evidence_runs(int fd, struct kind *k, bool fresh, __u32 *best, __u32 *median)
{
	__u32 *ns = calloc(EVIDENCE_CALLS, sizeof(*ns));
	int ret = ns ? 0 : -1;

	for (__u32 i = 0; i < EVIDENCE_CALLS && !ret; i++) {
		__u32 src = htonl(0xc6120000 + 0x100 + i); /* 198.18.x.y, none seen before */

		if (fresh)
			memcpy(k->buf + 14 + 12, &src, 4);
		ret = run(fd, k, 1, &ns[i]);
	}
	if (!ret) {
		qsort(ns, EVIDENCE_CALLS, sizeof(*ns), cmp_u32);
		*best = ns[0];
		*median = ns[EVIDENCE_CALLS / 2];
	}
	free(ns);
	return ret;
}

/*
 * What a sample costs: a matched HTTP check-in (the POST of the payload
 * scan) that creates its key, without and with evidence; the same
 * packet again on its known key, which must not change; and the daemon's
 * side, taking the samples out of the ring. Single runs (repeat 1: each
 * from a new source), best and median; the table is emptied between the
 * figures, and the ring read out.
 */
static int bench_evidence(struct loader *l, int counter_fd, __u32 repeat)
{
	struct kind k = { .name = "POST", .bucket = BOTSINK_MATCHED };
	__u32 fresh[2][2], known[2][2], rep[2], counter[2];
	struct evidence_store *store;
	double take = 0;
	char err[256], *rules;
	int ret, gen;

	post_frame(&k);
	rules = http_rules(0);
	ret = rules ? install_text(l, rules) : -1;
	free(rules);
	store = ret ? NULL : evidence_store_open(l->maps.evidence, true, err, sizeof(err));
	if (!store || check_paths(l, &k, 1) ||
	    evidence_runs(counter_fd, &k, true, &counter[0], &counter[1]))
		goto fail;
	for (int on = 0; on < 2; on++) {
		struct timespec t0;

		gen = counters_active(&l->maps);
		if (gen < 0 || evidence_enable(&l->maps, on) || counters_clear(&l->maps, !gen) ||
		    evidence_runs(loader_prog_fd(l), &k, true, &fresh[on][0], &fresh[on][1]) ||
		    evidence_runs(loader_prog_fd(l), &k, false, &known[on][0], &known[on][1]) ||
		    best_of(loader_prog_fd(l), &k, repeat, &rep[on]))
			goto fail;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ret = evidence_store_collect(store);
		if (on)
			take = seconds_since(&t0);
		if (ret != (on ? EVIDENCE_CALLS : 0)) {
			fprintf(stderr, "bench: %d evidence samples, not %d\n", ret,
				on ? EVIDENCE_CALLS : 0);
			goto fail;
		}
		evidence_store_forget(store, gen);
		/* Empty again for the next figure, and for the benches after this one. */
		if (counters_swap(&l->maps) < 0 || counters_clear(&l->maps, gen))
			goto fail;
	}
	evidence_enable(&l->maps, false);
	evidence_store_close(store);
	printf("\nevidence: a matched HTTP check-in (POST, %d payload bytes), single runs, ns/packet\n",
	       BOTSINK_WINDOW);
	printf("%-36s %8s %8s\n", "", "best", "median");
	printf("%-36s %8u %8u\n", "one-map counter, new source", counter[0], counter[1]);
	printf("%-36s %8u %8u\n", "new key, evidence off", fresh[0][0], fresh[0][1]);
	printf("%-36s %8u %8u  (%+d ns median: the sample)\n", "new key, evidence on", fresh[1][0],
	       fresh[1][1], (int)fresh[1][1] - (int)fresh[0][1]);
	printf("%-36s %8u %8u\n", "known key, evidence off", known[0][0], known[0][1]);
	printf("%-36s %8u %8u  (%+d ns median)\n", "known key, evidence on", known[1][0],
	       known[1][1], (int)known[1][1] - (int)known[0][1]);
	printf("known key, repeat %u: %u ns off, %u ns on (%+d)\n", repeat, rep[0], rep[1],
	       (int)rep[1] - (int)rep[0]);
	printf("daemon: %d samples taken from the ring and kept in %.1f ms (%.0f ns each)\n",
	       EVIDENCE_CALLS, take * 1e3, take * 1e9 / EVIDENCE_CALLS);
	printf("target: a known key's packet costs the same with evidence on (the sample is a new key's)\n");
	return 0;
fail:
	fprintf(stderr, "bench: the evidence figures failed\n");
	evidence_store_close(store);
	return -1;
}

/* ---- a whole ET set on one destination ---- */

/* The ET Open files the bench loads, under $BOTSINK_SHARED (default ../shared). */
static const char *const et_files[] = {
	"rules/et-open/2019/emerging-trojan.rules",
	"rules/et-open/2019/emerging-malware.rules",
};

/* Both files as one text; NULL (and why on stderr) when they are absent. */
static char *et_text(void)
{
	const char *shared = getenv("BOTSINK_SHARED") ? getenv("BOTSINK_SHARED") : "../shared";
	char *text = NULL, *part, path[PATH_MAX];
	size_t len = 0, n;

	for (size_t i = 0; i < ARRAY_SIZE(et_files); i++) {
		snprintf(path, sizeof(path), "%s/%s", shared, et_files[i]);
		part = rules_read(path, &n);
		if (!part || !array_grow((void **)&text, len + n + 1, 1)) {
			fprintf(stderr, "bench: ET set skipped: cannot read %s\n", path);
			free(part);
			free(text);
			return NULL;
		}
		memcpy(text + len, part, n);
		len += n;
		text[len] = '\0';
		free(part);
	}
	return text;
}

/* The ET set (--lenient, fitted to the sinkhole space), or its first `first` rules (0: all). */
static int install_et(struct loader *l, const char *text, size_t first, size_t *loaded)
{
	size_t len = strlen(text);

	/* The first rules: up to the line after the first-th active one. */
	for (const char *p = text; first && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "") {
		if (!strncmp(p, "alert", 5) && !--first) {
			len = (size_t)(strchrnul(p, '\n') - text);
			break;
		}
	}
	return install_set(l, text, len, true, loaded);
}

/*
 * A 512-byte HTTP POST to port 80: `head`, then a form value up to the
 * window's end, base64 as bots send their reports (the same every run).
 */
static void et_post(struct kind *k, const char *name, enum botsink_stat bucket, const char *head)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char payload[BOTSINK_WINDOW];
	__u32 x = 2463534242U;

	k->name = name;
	k->bucket = bucket;
	for (size_t i = 0; i < sizeof(payload); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		payload[i] = b64[x % 64];
	}
	memcpy(payload, head, strlen(head));
	post80_frame(k, payload);
}

static void et_kinds(struct kind *k)
{
	/* ET 2014963, W32/Armageddon CnC Checkin: POST, its User-Agent, a body starting GetList=. */
	et_post(&k[0], "POST check-in, matched", BOTSINK_MATCHED,
		"POST /index.php HTTP/1.1\r\nHost: c2.example\r\nUser-Agent: ArmageddoN\r\n"
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 400\r\n\r\n"
		"GetList=1&d=");
	et_post(&k[1], "POST, unclassified", BOTSINK_UNCLASSIFIED,
		"POST /cart/update HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: curl/8.5.0\r\n"
		"Accept: */*\r\nContent-Type: application/x-www-form-urlencoded\r\n"
		"Content-Length: 400\r\n\r\nitem=");
	tcp4_kind(&k[2], "SYN to port 80", BOTSINK_UNCLASSIFIED, "198.18.1.3", "203.0.113.10", 80,
		  TH_SYN);
	tcp4_kind(&k[3], "SYN to port 9", BOTSINK_UNCLASSIFIED, "198.18.1.3", "203.0.113.10", 9,
		  TH_SYN);
}

/*
 * ET 2019 trojan and malware (--lenient) on the sinkhole /24, against its
 * first 10 rules: the payload rules come through the prefilter, so a
 * packet's cost follows what it holds, not the rules loaded.
 */
static int bench_et(struct loader *l, __u32 repeat)
{
	enum { KINDS = 4, FEW = 10 };
	static const size_t sets[2] = { FEW, 0 };
	__u32 best[2][KINDS];
	size_t loaded[2] = { 0 };
	struct kind *k = calloc(KINDS, sizeof(*k));
	char *text = et_text();
	int ret = -1;

	if (!text || !k) {
		free(k);
		free(text);
		return text ? -1 : 0; /* no ET files: skipped */
	}
	et_kinds(k);
	for (int set = 0; set < 2; set++) {
		/* With the first 10 rules nothing matches the check-in. */
		k[0].bucket = set ? BOTSINK_MATCHED : BOTSINK_UNCLASSIFIED;
		if (install_et(l, text, sets[set], &loaded[set]) || check_paths(l, k, KINDS))
			goto out;
		for (int i = 0; i < KINDS; i++)
			if (best_of(loader_prog_fd(l), &k[i], repeat, &best[set][i]))
				goto out;
	}
	printf("\nET 2019 trojan + malware (--lenient), %zu rules, on one /24, against its first %zu, ns/packet\n",
	       loaded[1], loaded[0]);
	printf("%-28s %7s %zu %10s\n", "packet", "first", loaded[0], "ET set");
	for (int i = 0; i < KINDS; i++)
		printf("%-28s %10u %10u  (%+.1f%%)\n", k[i].name, best[0][i], best[1][i],
		       100.0 * ((double)best[1][i] - best[0][i]) / (double)(best[0][i] ?: 1));
	printf("target: each POST <= 5000 ns with the ET set; SYNs no slower than with 10 rules\n");
	ret = 0;
out:
	free(k);
	free(text);
	return ret;
}

/* ipcrypt-pfx with a fixed key. 0 or -1. */
static int bench_anonymizer(struct anonymizer *anon)
{
	uint8_t key[IPCRYPT_PFX_KEY_LEN];
	char err[256];

	bench_key(key);
	return anon_init(anon, ANON_IPCRYPT_PFX, key, sizeof(key), 24, 48, err, sizeof(err));
}

/*
 * Four partners over the synthetic sources (10.0.0.0 to 10.106.x.x), one
 * per anonymization, scopes by prefix and by AS.
 */
static const char bench_partners[] =
	"[raw]\nscope = 10.0.0.0/10\nanon = none\n"
	"format = shadowserver-csv\noutput = /bench/raw\n"
	"[pfx]\nscope = 10.32.0.0/11, AS64600\nformat = intelmq\n"
	"output = /bench/pfx\n"
	"[trunc]\nscope = 10.0.0.0/8\nanon = truncate\noutput = /bench/trunc\n"
	"[det]\nscope = 10.64.0.0/10\nanon = ipcrypt-deterministic\n"
	"output = /bench/det\n";

#define BENCH_TARGETS 5

/* Remove a key directory of the bench, with what is in it. */
static void remove_dir(const char *dir)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "bench: cannot remove %s\n", dir);
}

/*
 * The public view and the four partners' into temporary files: what a
 * drain of the same million counts costs with enrichment (the databases
 * `make bench` builds) and partner feeds. Seconds, or a negative number.
 */
static double bench_partner_views(struct feed *feed, const struct drain_result *r,
				  const struct feed_view *public_view, struct keyring *pfx,
				  long long *bytes)
{
	static const enum record_format formats[] = { FORMAT_JSONL, FORMAT_SHADOWSERVER_CSV,
						      FORMAT_INTELMQ, FORMAT_JSONL, FORMAT_JSONL };
	struct feed_target t[BENCH_TARGETS] = { { .view = public_view } };
	struct feed_view views[BENCH_TARGETS];
	char paths[BENCH_TARGETS][64], err[256] = "", keydir[] = "/tmp/botsink-bench-det-XXXXXX";
	struct keyring *det = NULL;
	struct partner_set ps = { 0 };
	struct epoch e = { .incarnation = 1, .number = 2 };
	FILE *devnull = fopen("/dev/null", "w");
	double secs = -1;
	struct timespec t0;
	size_t nviews = 0;
	bool dir = false;

	if (!devnull || !(dir = mkdtemp(keydir)))
		goto out;
	det = keyring_open(keydir, ANON_IPCRYPT_DETERMINISTIC, KEY_ROTATE_NEVER,
			   KEYRING_KEEP_FOREVER, NULL, 24, 48, err, sizeof(err));
	if (!det || partners_parse_buffer("bench.ini", bench_partners, strlen(bench_partners), true,
					  NULL, &ps, devnull))
		goto out;
	for (; nviews < ps.n; nviews++) {
		const struct partner *p = &ps.p[nviews];
		enum anon_mode mode = p->anon;

		if (feed_view_init(&views[nviews], feed, p->name, p, mode,
				   mode == ANON_IPCRYPT_PFX ? pfx : det, formats[nviews + 1],
				   p->verified_only, err, sizeof(err)))
			goto out;
		t[nviews + 1].view = &views[nviews];
	}
	for (size_t i = 0; i < BENCH_TARGETS; i++) {
		struct sink *s = temp_sink(paths[i], "partner");

		/* Reopened in the target's format. */
		sink_close(s);
		t[i].sink = s ? sink_file_open(paths[i], formats[i], 0, err, sizeof(err)) : NULL;
		if (!t[i].sink)
			goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (feed_write_epoch(feed, &e, r, t, BENCH_TARGETS))
		goto out;
	for (size_t i = 0; i < BENCH_TARGETS; i++)
		if (sink_sync(t[i].sink))
			goto out;
	secs = seconds_since(&t0);
out:
	if (secs < 0)
		fprintf(stderr, "bench: partner views failed %s\n", err);
	*bytes = 0;
	for (size_t i = 0; i < BENCH_TARGETS; i++) {
		if (t[i].sink) {
			*bytes += sink_size(t[i].sink);
			sink_close(t[i].sink);
			unlink(paths[i]);
		}
	}
	for (size_t i = 0; i < nviews; i++)
		feed_view_free(&views[i]);
	partners_free(&ps);
	if (det)
		keyring_close(det);
	if (dir)
		remove_dir(keydir);
	if (devnull)
		fclose(devnull);
	return secs;
}

/*
 * Userspace: ipcrypt-pfx for a million sources, batched (one ECB call per
 * key and address) beside the walk one block at a time; then a million
 * drained counts turned into anonymized records and written to a file.
 */
static int bench_userspace(void)
{
	struct botsink_source_count *items;
	char path[64];
	struct drain_result r = { 0 };
	double batched, serial, records = -1, views = -1;
	long long view_bytes = 0;
	const char *asn_db = getenv("BENCH_MMDB_ASN"), *geo_db = getenv("BENCH_MMDB_GEO");
	struct enricher enrich = { 0 };
	char err[256];
	struct anonymizer anon;
	struct in6_addr out;
	struct rule_set rs;
	struct feed feed;
	struct feed_view view;
	struct keyring *keys = NULL;
	char keydir[64];
	struct timespec t0;
	int ret = -1;

	items = synthetic_drain(&r);
	if (!items || bench_anonymizer(&anon)) {
		free(items);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < r.n; i++)
		ipcrypt_pfx_encrypt(&anon.pfx, (const struct in6_addr *)r.items[i].key.addr, &out);
	batched = seconds_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < r.n; i++)
		ipcrypt_pfx_encrypt_serial(&anon.pfx, (const struct in6_addr *)r.items[i].key.addr,
					   &out);
	serial = seconds_since(&t0);
	if (!bench_feed(&feed, &rs, "bench") && !bench_view(&feed, &view, &keys, keydir)) {
		records = bench_file_feed(&feed, &view, &r, path);
		ret = records < 0 ? -1 : 0;
		if (asn_db && geo_db && enricher_open(&enrich, asn_db, geo_db, err, sizeof(err)))
			fprintf(stderr, "bench: %s\n", err);
		else if (asn_db && geo_db) {
			feed.enrich = &enrich;
			views = bench_partner_views(&feed, &r, &view, keys, &view_bytes);
			enricher_close(&enrich);
		}
		bench_view_free(&view, keys, keydir);
	}
	feed_free(&feed);
	rules_free(&rs);
	anon_free(&anon);
	free(items);
	if (ret) {
		fprintf(stderr, "bench: the userspace figures failed\n");
		return -1;
	}
	printf("\nuserspace, %d IPv4 sources\n", SOURCES);
	printf("ipcrypt-pfx, batched, /24 cache      %8.0f ms\n", batched * 1e3);
	printf("ipcrypt-pfx, one AES block per call  %8.0f ms  (%.1fx)\n", serial * 1e3,
	       serial / batched);
	printf("drained counts -> records -> file    %8.0f ms  (%s)\n", records * 1e3, path);
	if (views >= 0)
		printf("the same, enriched (ASN, country),\n"
		       "  + 4 partner views (scopes by prefix\n"
		       "  and AS; CSV, IntelMQ, jsonl x2)     %8.0f ms  (%.2fx; %lld MB written)\n",
		       views * 1e3, views / records, view_bytes >> 20);
	else
		printf("enriched + partner views: skipped (BENCH_MMDB_ASN, BENCH_MMDB_GEO unset, or failed)\n");
	if (views >= 0)
		printf("target (issue 21): the enriched 4-view drain <= 3,000 ms: %s\n",
		       views <= 3.0 ? "met" : "missed");
	printf("target: 1,000,000 sources anonymized and written in <= 2 s (1 s stretch)\n");
	return 0;
}

/* BENCH_MMDB_ASN with PAD_MIB of unused bytes before its metadata: a valid database. */
#define PAD_MIB 64

static int padded_mmdb(const char *from, char *path)
{
	static const char marker[] = "\xab\xcd\xefMaxMind.com";
	size_t len, head, pad = (size_t)PAD_MIB << 20;
	char *text = read_file(from, 64u << 20, &len), *zeros = calloc(1, pad);
	const char *meta = text ? memmem(text, len, marker, sizeof(marker) - 1) : NULL;
	int fd = meta && zeros ? mkstemps(path, 5) : -1;
	int ret = -1;

	if (fd < 0)
		goto out;
	head = (size_t)(meta - text);
	if (write(fd, text, head) == (ssize_t)head && write(fd, zeros, pad) == (ssize_t)pad &&
	    write(fd, meta, len - head) == (ssize_t)(len - head))
		ret = 0;
	close(fd);
out:
	free(text);
	free(zeros);
	return ret;
}

/*
 * What reading a database into private memory costs at open (and on each
 * SIGHUP), the file in the page cache: the copy alone, and the whole open
 * (copy, then every tree record checked: few here). Best of 5.
 */
static void bench_mmdb_copy(void)
{
	const char *asn_db = getenv("BENCH_MMDB_ASN"), *problem;
	char path[] = "/tmp/botsink-bench-XXXXXX.mmdb", err[512];
	double copy = 1e9, open = 1e9;
	struct enricher e;
	struct timespec t0;
	double t;
	int fd;

	if (!asn_db || padded_mmdb(asn_db, path)) {
		printf("MMDB copy: skipped (BENCH_MMDB_ASN unset, or no padded copy of it)\n");
		return;
	}
	for (int i = 0; i < 5; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		fd = enrich_copy_file(path, &problem);
		t = seconds_since(&t0);
		copy = t < copy ? t : copy;
		if (fd >= 0)
			close(fd);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (enricher_open(&e, path, NULL, err, sizeof(err))) {
			fprintf(stderr, "bench: %s\n", err);
			break;
		}
		t = seconds_since(&t0);
		open = t < open ? t : open;
		enricher_close(&e);
	}
	unlink(path);
	printf("\nMMDB read into private memory, a %d MiB database in the page cache\n", PAD_MIB);
	printf("copy (sendfile into a sealed memfd)  %8.1f ms\n", copy * 1e3);
	printf("whole open (copy, checks)            %8.1f ms  (memory: the file's size, per database)\n",
	       open * 1e3);
}

/* Fill generation 0's source table with SOURCES counters, a share on every CPU. */
static int fill_generation(const struct loader *l, int ncpus)
{
	const __u32 batch = 8192;
	struct botsink_source_key *keys = calloc(batch, sizeof(*keys));
	struct botsink_counter *values = calloc((size_t)batch * (size_t)ncpus, sizeof(*values));
	int ret = keys && values ? 0 : -1;

	for (__u32 done = 0; done < SOURCES && !ret;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 count = SOURCES - done < batch ? SOURCES - done : batch;

		for (__u32 i = 0; i < count; i++) {
			addr_from_v4((struct in6_addr *)keys[i].addr,
				     htonl(0x0a000000 + (done + i) * 7));
			keys[i].sid = 1000001;
			for (int cpu = 0; cpu < ncpus; cpu++) {
				struct botsink_counter *c = &values[(size_t)i * ncpus + cpu];

				c->packets = c->checkins = 1 + cpu;
				c->bytes = 74 * c->packets;
				c->first_seen_ns = c->last_seen_ns = 1;
				c->protocol = 6;
				c->dst_port = 80;
			}
		}
		ret = bpf_map_update_batch(l->maps.counters[BOTSINK_KIND_SOURCES][0], keys, values,
					   &count, &opts);
		done += count;
	}
	free(keys);
	free(values);
	return ret;
}

struct drain_times {
	double read, write, clear;
	long long bytes; /* written */
};

/* One drain of generation 0 as the daemon does it: read, records + fsync, clear. */
static int drain_once(const struct loader *l, struct feed *feed, struct feed_target *target,
		      const struct evidence_store *ev, struct drain_result *r,
		      struct drain_times *t)
{
	struct epoch e = { .incarnation = 1, .number = 1 };
	struct timespec t0;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = counters_read(&l->maps, 0, r);
	r->evidence = ev;
	r->gen = 0;
	t->read = seconds_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!ret)
		ret = feed_write_epoch(feed, &e, r, target, 1) || sink_sync(target->sink);
	t->write = seconds_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!ret)
		ret = counters_clear(&l->maps, 0);
	t->clear = seconds_since(&t0);
	return ret || r->n != SOURCES ? -1 : 0;
}

/* drain_once into a new file, removed after it: the next round's writes reuse its pages. */
static int drain_round(const struct loader *l, struct feed *feed, const struct feed_view *view,
		       const struct evidence_store *ev, struct drain_result *r,
		       struct drain_times *t)
{
	struct feed_target target = { .view = view };
	char path[64];
	int ret = -1;

	target.sink = temp_sink(path, "drain");
	if (target.sink) {
		ret = drain_once(l, feed, &target, ev, r, t);
		t->bytes = sink_size(target.sink);
		sink_close(target.sink);
	}
	unlink(path);
	return ret;
}

/*
 * A sample for each of fill_generation's keys, as the ring hands them: an
 * HTTP check-in with a query and 200 bytes of headers. Its time: taking
 * the samples in.
 */
static struct evidence_store *fill_evidence(double *seconds)
{
	static const char req[] =
		"POST /gate.php?id=PC-1234&os=win10 HTTP/1.1\r\nHost: c2.example.net\r\n"
		"User-Agent: Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1)\r\n"
		"Referer: http://c2.example.net/\r\nContent-Length: 16\r\n\r\nbotid=1234567890";
	struct botsink_evidence *e = calloc(1, sizeof(*e));
	struct evidence_store *store = evidence_store_open(-1, true, NULL, 0);
	const char *at = req;
	struct timespec t0;

	if (!e || !store)
		goto fail;
	e->protocol = 6;
	e->dst_port = 80;
	e->flags = BOTSINK_EV_HTTP;
	e->sid = 1000001;
	e->window_len = sizeof(req) - 1;
	e->payload_len = e->window_len;
	memcpy(e->window, req, sizeof(req) - 1);
	/* method, target, Host, User-Agent, Referer */
	e->lo[BOTSINK_EV_HTTP_METHOD] = 0, e->hi[BOTSINK_EV_HTTP_METHOD] = 4;
	e->lo[BOTSINK_EV_HTTP_URI] = 5, e->hi[BOTSINK_EV_HTTP_URI] = 34;
	at = strstr(req, "Host: ") + 6;
	e->lo[BOTSINK_EV_HTTP_HOST] = at - req,
	e->hi[BOTSINK_EV_HTTP_HOST] = strchr(at, '\r') - req;
	at = strstr(req, "Agent: ") + 7;
	e->lo[BOTSINK_EV_HTTP_AGENT] = at - req,
	e->hi[BOTSINK_EV_HTTP_AGENT] = strchr(at, '\r') - req;
	at = strstr(req, "Referer: ") + 9;
	e->lo[BOTSINK_EV_HTTP_REFERER] = at - req,
	e->hi[BOTSINK_EV_HTTP_REFERER] = strchr(at, '\r') - req;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (__u32 i = 0; i < SOURCES; i++) {
		addr_from_v4((struct in6_addr *)e->src_addr, htonl(0x0a000000 + i * 7));
		e->src_port = (__u16)(1024 + i);
		if (evidence_store_add(store, e))
			goto fail;
	}
	*seconds = seconds_since(&t0);
	free(e);
	return store;
fail:
	free(e);
	evidence_store_close(store);
	return NULL;
}

/*
 * A generation of a million (source, sid) counters in the kernel (as
 * --max-sources 1048576 sizes it), each with a share on every CPU: the
 * time to read it out, turn it into anonymized records in a file, and
 * clear it. The table is filled from userspace; the program is not run.
 * Twice: the first drain after start touches its buffers for the first
 * time, the daemon's later drains reuse them.
 */
static int bench_kernel_drain(void)
{
	static const char *const rounds[] = { "first drain", "later drains", "with evidence" };
	const struct loader_caps caps = { .sources = 1 << 20, .unclassified = 1024 };
	int ncpus = libbpf_num_possible_cpus(), ret = -1;
	struct drain_times t[3];
	struct drain_result r = { 0 };
	struct evidence_store *ev = NULL;
	double kept = 0;
	struct keyring *keys = NULL;
	struct feed_view view;
	struct feed feed;
	char err[256], keydir[64];
	struct loader l;

	if (loader_open_sized(&l, NULL, LOADER_NO_PINS, &caps, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		goto out_free;
	}
	feed_init(&feed, NULL, 24, 48, "bench");
	if (bench_view(&feed, &view, &keys, keydir))
		goto out;
	ret = 0;
	for (int i = 0; i < 2 && !ret; i++)
		ret = fill_generation(&l, ncpus) || drain_round(&l, &feed, &view, NULL, &r, &t[i]);
	/* The same, each record with a sample, shown whole (evidence full). */
	ev = ret ? NULL : fill_evidence(&kept);
	view.evidence = EVIDENCE_FULL;
	ret = ret || !ev || fill_generation(&l, ncpus) ||
	      drain_round(&l, &feed, &view, ev, &r, &t[2]);
	evidence_store_close(ev);
	bench_view_free(&view, keys, keydir);
	feed_free(&feed);
	if (!ret) {
		printf("\nkernel drain, %d (source, sid) counters x %d CPUs, ms\n", SOURCES, ncpus);
		printf("%-38s %12s %12s %14s\n", "", rounds[0], rounds[1], rounds[2]);
		printf("%-38s %12.0f %12.0f %14.0f\n", "read the generation (collector)",
		       t[0].read * 1e3, t[1].read * 1e3, t[2].read * 1e3);
		printf("%-38s %12.0f %12.0f %14.0f\n", "records -> anonymized -> file, fsync",
		       t[0].write * 1e3, t[1].write * 1e3, t[2].write * 1e3);
		printf("%-38s %12.0f %12.0f %14.0f\n", "clear the generation (collector)",
		       t[0].clear * 1e3, t[1].clear * 1e3, t[2].clear * 1e3);
		printf("%-38s %12.0f %12.0f %14.0f\n", "to synced records (read + records)",
		       (t[0].read + t[0].write) * 1e3, (t[1].read + t[1].write) * 1e3,
		       (t[2].read + t[2].write) * 1e3);
		printf("%-38s %12.0f %12.0f %14.0f\n", "total, with the clear",
		       (t[0].read + t[0].write + t[0].clear) * 1e3,
		       (t[1].read + t[1].write + t[1].clear) * 1e3,
		       (t[2].read + t[2].write + t[2].clear) * 1e3);
		printf("%-38s %12lld %12lld %14lld\n", "MB written", t[0].bytes >> 20,
		       t[1].bytes >> 20, t[2].bytes >> 20);
		printf("with evidence: every record with an HTTP sample, evidence full (URL, Host,\n"
		       "User-Agent, Referer, 204 payload bytes in base64); the %d samples were\n"
		       "taken in (as from the ring) in %.0f ms beforehand, over the interval\n",
		       SOURCES, kept * 1e3);
		printf("target (issue 21): from the kernel table to synced records <= 1,500 ms the\n"
		       "first drain (%s), <= 1,000 ms later (%s), stretch 500 ms; the clear comes\n"
		       "after the commit, off that path (the generation is next used an interval later)\n",
		       t[0].read + t[0].write <= 1.5 ? "met" : "missed",
		       t[1].read + t[1].write <= 1.0 ? "met" : "missed");
	}
out:
	loader_close(&l, false);
out_free:
	if (ret)
		fprintf(stderr, "bench: the kernel drain figures failed\n");
	return ret ? -1 : 0;
}

int main(void)
{
	const char *env = getenv("BENCH_REPEAT"), *only = getenv("BENCH_ONLY");
	__u32 repeat = env ? (__u32)strtoul(env, NULL, 10) : 5000000;
	__u32 best[NKINDS][NPROGS], ns = 0;
	struct baseline *base = NULL;
	struct kind kinds[NKINDS];
	struct loader l;
	int fds[NPROGS], ret = 1;

	log_route_libraries();
	log_set_level(LOG_WARN);
	/* BENCH_ONLY=drain or userspace: that part alone (measuring a change to it). */
	if (only && !strcmp(only, "drain"))
		return bench_kernel_drain() ? 1 : 0;
	if (only && !strcmp(only, "userspace"))
		return bench_userspace() ? 1 : 0;
	build_kinds(kinds);
	if (setup_botsink(&l))
		return 1;
	base = baseline__open_and_load();
	if (!base) {
		fprintf(stderr, "bench: cannot load the baselines: %s\n", strerror(errno));
		goto out;
	}
	fds[PROG_DROP] = bpf_program__fd(base->progs.baseline_drop);
	fds[PROG_COUNTER] = bpf_program__fd(base->progs.baseline_count);
	fds[PROG_BOTSINK] = loader_prog_fd(&l);
	if (check_paths(&l, kinds, NKINDS))
		goto out;
	memset(best, 0xff, sizeof(best));
	for (int round = 0; round < ROUNDS; round++)
		for (int k = 0; k < NKINDS; k++)
			for (int p = 0; p < NPROGS; p++) {
				if (run(fds[p], &kinds[k], repeat, &ns)) {
					fprintf(stderr, "bench: test run failed: %s\n",
						strerror(errno));
					goto out;
				}
				if (ns < best[k][p])
					best[k][p] = ns;
			}
	printf("BPF_PROG_TEST_RUN, ns/packet, best of %d rounds of %u runs\n", ROUNDS, repeat);
	printf("%-28s %10s %16s %10s %18s\n", "packet", prog_names[0], prog_names[1], prog_names[2],
	       "botsink / counter");
	for (int k = 0; k < NKINDS; k++)
		printf("%-28s %10u %16u %10u %17.2fx\n", kinds[k].name, best[k][PROG_DROP],
		       best[k][PROG_COUNTER], best[k][PROG_BOTSINK],
		       (double)best[k][PROG_BOTSINK] / (double)(best[k][PROG_COUNTER] ?: 1));
	printf("target (issue 21): botsink <= 2.5x the one-map counter on a matched IPv4 SYN\n"
	       "(stretch 2x): %s; IPv6 SYN, UDP, unclassified and walked in the same band: %s;\n"
	       "not for the sinkhole <= 1x: %s\n",
	       ratio_at_most(best[0], 2.5) ? "met" : "missed",
	       ratio_at_most(best[1], 2.5) && ratio_at_most(best[2], 2.5) &&
			       ratio_at_most(best[4], 2.5) && ratio_at_most(best[5], 2.5) ?
		       "met" :
		       "missed",
	       ratio_at_most(best[3], 1.0) ? "met" : "missed");
	/* BENCH_ONLY=testrun: this table alone (measuring a change to the program). */
	if (only && !strcmp(only, "testrun")) {
		ret = 0;
		goto out;
	}
	if (bench_responder(&l, fds[PROG_COUNTER], repeat) || bench_rule_count(&l, repeat / 5) ||
	    bench_payload(&l, fds[PROG_COUNTER], repeat / 50) ||
	    bench_evidence(&l, fds[PROG_COUNTER], repeat / 50) || bench_et(&l, repeat / 50) ||
	    bench_userspace() || bench_kernel_drain())
		goto out;
	bench_mmdb_copy();
	ret = 0;
out:
	baseline__destroy(base);
	loader_close(&l, false);
	return ret;
}
