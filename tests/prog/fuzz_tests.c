// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fuzzing the XDP program.
 *
 * content_fuzz: content matching against a reference: random rules (1 to 3
 * contents of "abAB" letters with offset/depth, distance/within, negative
 * distances, negation, nocase), ten to a port so the prefilter runs, and
 * random payloads; the XDP program must pick the same rule as a plain
 * recursive matcher that tries every position (Suricata's semantics).
 *
 * frame_fuzz: a million frames (BOTSINK_FRAME_FUZZ changes the number)
 * mutated from a corpus of every kind the program parses (truncations, bit
 * flips, bogus length fields, random bytes), with header, HTTP, DNS and
 * domain-list rules loaded; after every batch the statistics buckets add
 * up to the frames sent, and at the end the drained counters and the
 * per-rule totals account for every matched and unclassified frame.
 *
 * Seeds are fixed (BOTSINK_FUZZ_SEED overrides them) so a failure repeats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "kernel/install.h"
#include "lib/util.h"
#include "harness.h"

struct fz_content {
	char s[8];
	int len;
	bool neg, nocase, has_off, has_dep, has_dist, has_within;
	int off, dep, dist, within;
};
struct fz_rule {
	struct fz_content c[4];
	int n;
};

static unsigned fz_seed = 12345;
static unsigned fz_rand(void)
{
	fz_seed = fz_seed * 1103515245u + 12345u;
	return (fz_seed >> 16) & 0x7fff;
}

static int fz_lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

static bool fz_at(const char *buf, int blen, int p, const struct fz_content *c)
{
	if (p < 0 || p + c->len > blen)
		return false;
	for (int i = 0; i < c->len; i++) {
		int a = (unsigned char)buf[p + i], b = (unsigned char)c->s[i];
		if (c->nocase ? fz_lower(a) != fz_lower(b) : a != b)
			return false;
	}
	return true;
}

/* window of content k given anchor end `base` (-1: none) */
static void fz_window(const struct fz_content *c, int base, int blen, int *from, int *limit)
{
	bool rel = c->has_dist || c->has_within;
	if (rel) {
		int b = base < 0 ? 0 : base;
		int d = c->has_dist ? c->dist : 0;
		*from = b + d < 0 ? 0 : b + d;
		*limit = c->has_within ? b + d + c->within : blen;
	} else {
		*from = c->has_off ? c->off : 0;
		*limit = c->has_dep ? *from + c->dep : blen;
	}
	if (*limit > blen)
		*limit = blen;
}

static bool fz_match(const struct fz_rule *r, int k, const int *ends, const char *buf, int blen)
{
	int e[4], base = -1, from, limit;

	if (k == r->n)
		return true;
	for (int j = k - 1; j >= 0; j--)
		if (!r->c[j].neg) {
			base = ends[j];
			break;
		}
	memcpy(e, ends, sizeof(e));
	fz_window(&r->c[k], base, blen, &from, &limit);
	if (r->c[k].neg) {
		for (int p = from; p + r->c[k].len <= limit; p++)
			if (fz_at(buf, blen, p, &r->c[k]))
				return false;
		e[k] = -1;
		return fz_match(r, k + 1, e, buf, blen);
	}
	for (int p = from; p + r->c[k].len <= limit; p++) {
		if (!fz_at(buf, blen, p, &r->c[k]))
			continue;
		e[k] = p + r->c[k].len;
		if (fz_match(r, k + 1, e, buf, blen))
			return true;
	}
	return false;
}

static void fz_gen(struct fz_rule *r)
{
	static const char alpha[] = "abAB";
	bool have_pos = false;

	r->n = 1 + (int)(fz_rand() % 3);
	for (int k = 0; k < r->n; k++) {
		struct fz_content *c = &r->c[k];
		memset(c, 0, sizeof(*c));
		c->len = 1 + (int)(fz_rand() % 5);
		for (int i = 0; i < c->len; i++)
			c->s[i] = alpha[fz_rand() % 4];
		c->neg = k > 0 && fz_rand() % 4 == 0;
		c->nocase = fz_rand() % 3 == 0;
		switch (fz_rand() % 3) {
		case 0:
			break;
		case 1:
			if (fz_rand() % 2) {
				c->has_off = true;
				c->off = (int)(fz_rand() % 6);
			}
			if (fz_rand() % 2) {
				c->has_dep = true;
				c->dep = c->len + (int)(fz_rand() % 5);
			}
			break;
		case 2:
			if (fz_rand() % 2 || !k) {
				c->has_dist = true;
				c->dist = (int)(fz_rand() % 7) - 3;
			}
			if (fz_rand() % 2) {
				c->has_within = true;
				c->within = c->len + (int)(fz_rand() % 5);
			}
			if (!c->has_dist && !c->has_within) {
				c->has_dist = true;
				c->dist = 0;
			}
			break;
		}
		if (!c->neg)
			have_pos = true;
	}
	(void)have_pos;
}

static int fz_print(char *out, size_t cap, const struct fz_rule *r, int port, int sid)
{
	int n = snprintf(out, cap, "alert udp any any -> 203.0.113.80 %d (msg:\"fz\"; ", port);
	for (int k = 0; k < r->n; k++) {
		const struct fz_content *c = &r->c[k];
		n += snprintf(out + n, cap - (size_t)n, "content:%s\"%.*s\"; ", c->neg ? "!" : "",
			      c->len, c->s);
		if (c->nocase)
			n += snprintf(out + n, cap - (size_t)n, "nocase; ");
		if (c->has_off)
			n += snprintf(out + n, cap - (size_t)n, "offset:%d; ", c->off);
		if (c->has_dep)
			n += snprintf(out + n, cap - (size_t)n, "depth:%d; ", c->dep);
		if (c->has_dist)
			n += snprintf(out + n, cap - (size_t)n, "distance:%d; ", c->dist);
		if (c->has_within)
			n += snprintf(out + n, cap - (size_t)n, "within:%d; ", c->within);
	}
	n += snprintf(out + n, cap - (size_t)n, "sid:%d;)\n", sid);
	return n;
}

static void test_content_fuzz(void)
{
	enum { NRULES = 150, NPAY = 12 };
	static struct fz_rule rules[NRULES];
	size_t cap = NRULES * 400, len = 0;
	char *text = malloc(cap);
	unsigned mismatches = 0, total = 0, fz_matched = 0;
	const char *seed_env = getenv("BOTSINK_FUZZ_SEED");

	fz_seed = seed_env ? (unsigned)atoi(seed_env) : 12345;
	for (int i = 0; i < NRULES; i++) {
		fz_gen(&rules[i]);
		len += (size_t)fz_print(text + len, cap - len, &rules[i], 20000 + i / 10,
					90000 + i);
	}
	if (!INSTALL(text, BOTSINK_VERDICT_PASS)) {
		fputs(text, stdout);
		free(text);
		return;
	}
	for (int g = 0; g < NRULES / 10; g++) {
		for (int j = 0; j < NPAY * 10; j++) {
			static const char alpha[] = "ababaAB";
			char buf[40];
			int blen = 1 + (int)(fz_rand() % 24);
			int want = -1;
			unsigned before = cur_failures;

			for (int q = 0; q < blen; q++)
				buf[q] = alpha[fz_rand() % 7];
			for (int i = g * 10; i < g * 10 + 10 && want < 0; i++) {
				int ends[4] = { -1, -1, -1, -1 };
				if (fz_match(&rules[i], 0, ends, buf, blen))
					want = i;
			}
			SEND_SID(
				udp4_data("203.0.113.80", (uint16_t)(20000 + g), buf, (size_t)blen),
				want >= 0 ? 90000u + (unsigned)want : 0);
			total++;
			fz_matched += want >= 0;
			if (cur_failures != before) {
				mismatches++;
				fprintf(stderr, "  rules %d..%d, payload \"%.*s\": expected %d\n",
					g * 10, g * 10 + 9, blen, buf, want);
			}
		}
	}
	/* Both outcomes must have been exercised for the comparison to mean much. */
	CHECK(fz_matched > total / 10 && fz_matched < total - total / 10);
	CHECK_EQ(mismatches, 0);
	free(text);
}

/* ---- frames ---- */

#define CORPUS_MAX 24
#define FUZZ_BATCH 10000

struct seed {
	uint8_t buf[FRAME_MAX];
	size_t len;
};

static unsigned int corpus_tcp(struct seed *s, int family, const char *dst, uint16_t dport,
			       uint8_t flags, const char *payload)
{
	struct frame f;

	frame_init(&f, s->buf, sizeof(s->buf));
	frame_eth_ip(&f, family, family == 6 ? SRC6 : SRC4, dst);
	frame_tcp_opt(&f, SPORT, dport, flags, frame_syn_options, sizeof(frame_syn_options));
	if (payload)
		frame_payload(&f, payload, strlen(payload));
	s->len = frame_ok(&f) ? f.len : 0;
	return s->len ? 1 : 0;
}

static unsigned int corpus_udp(struct seed *s, int family, const char *dst, uint16_t dport,
			       const void *payload, size_t n)
{
	struct frame f;

	frame_init(&f, s->buf, sizeof(s->buf));
	frame_eth_ip(&f, family, family == 6 ? SRC6 : SRC4, dst);
	frame_udp(&f, 5353, dport);
	frame_payload(&f, payload, n);
	s->len = frame_ok(&f) ? f.len : 0;
	return s->len ? 1 : 0;
}

/* One of each kind of frame the program parses. */
static size_t build_corpus(struct seed *c)
{
	static const char dns[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
				  "\x03www\x04"
				  "dga1\x07"
				  "example\x00\x00\x01\x00\x01";
	static const char post[] = "POST /gate.php HTTP/1.1\r\nHost: evil.example:8080\r\n"
				   "User-Agent: KUKU v5\r\nContent-Length: 9\r\n\r\ncrypt=abc";
	size_t n = 0;
	struct frame f;

	n += corpus_tcp(&c[n], 4, "203.0.113.10", 80, TH_SYN, NULL);
	n += corpus_tcp(&c[n], 4, "203.0.113.10", 80, TH_PSH | TH_ACK, post);
	n += corpus_tcp(&c[n], 6, "2001:db8:5::10", 80, TH_PSH | TH_ACK, post);
	n += corpus_tcp(&c[n], 4, "203.0.113.20", 4433, TH_PSH | TH_ACK, "ANABILGI|x|y");
	n += corpus_udp(&c[n], 4, "203.0.113.53", 53, dns, sizeof(dns) - 1);
	n += corpus_udp(&c[n], 6, "2001:db8:5::53", 53, dns, sizeof(dns) - 1);
	n += corpus_udp(&c[n], 4, "203.0.113.77", 16001, "hello", 5);
	n += corpus_tcp(&c[n], 4, "198.51.100.1", 80, TH_SYN, NULL);
	/* VLAN, QinQ, IPv4 options and fragments, IPv6 extension headers, ICMP, ARP. */
	frame_init(&f, c[n].buf, FRAME_MAX);
	frame_eth(&f);
	frame_vlan(&f, FR_ETH_P_8021AD, 10);
	frame_vlan(&f, FR_ETH_P_8021Q, 20);
	frame_ipv4(&f, SRC4, "203.0.113.10");
	frame_tcp(&f, SPORT, 80, TH_SYN);
	c[n++].len = frame_ok(&f) ? f.len : 0;
	frame_init(&f, c[n].buf, FRAME_MAX);
	frame_eth(&f);
	frame_ipv4(&f, SRC4, "203.0.113.53");
	frame_ipv4_options(&f, (const uint8_t *)"\x94\x04\x00\x00", 4);
	frame_ipv4_frag(&f, 0, true);
	frame_udp(&f, 5353, 53);
	frame_payload(&f, dns, sizeof(dns) - 1);
	c[n++].len = frame_ok(&f) ? f.len : 0;
	frame_init(&f, c[n].buf, FRAME_MAX);
	frame_eth(&f);
	frame_ipv6(&f, SRC6, "2001:db8:5::10");
	frame_ipv6_ext(&f, FR_IPPROTO_HOPOPTS, 8);
	frame_ipv6_ext(&f, FR_IPPROTO_ROUTING, 16);
	frame_ipv6_frag(&f, 0, false);
	frame_tcp(&f, SPORT, 80, TH_SYN);
	c[n++].len = frame_ok(&f) ? f.len : 0;
	frame_init(&f, c[n].buf, FRAME_MAX);
	frame_eth(&f);
	frame_ipv4(&f, SRC4, "203.0.113.10");
	frame_icmp(&f, 8, 0);
	c[n++].len = frame_ok(&f) ? f.len : 0;
	frame_init(&f, c[n].buf, FRAME_MAX);
	frame_eth(&f);
	frame_arp(&f, "203.0.113.1", "203.0.113.10");
	frame_pad(&f, FRAME_ETH_MIN);
	c[n++].len = frame_ok(&f) ? f.len : 0;
	return n;
}

static unsigned int rnd(void)
{
	fz_seed = fz_seed * 1103515245u + 12345u;
	return fz_seed >> 8;
}

/* Offsets of length fields worth lying in: IPv4 IHL/total length, IPv6 payload length, TCP data offset, UDP length, a DNS label. */
static const size_t length_fields[] = { 14, 16, 17, 18, 19, 34, 38, 46, 58, 60, 66, 74 };

/* A mutant of a corpus frame into out; returns its length. */
static size_t mutate(const struct seed *s, uint8_t *out)
{
	size_t len = s->len;

	memcpy(out, s->buf, len);
	switch (rnd() % 6) {
	case 0: /* truncation */
		return rnd() % (len + 1);
	case 1: /* bit flips */
		for (unsigned int i = 1 + rnd() % 4; i > 0; i--)
			out[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
		return len;
	case 2: /* a bogus length field */
		out[length_fields[rnd() % ARRAY_SIZE(length_fields)] % len] = (uint8_t)rnd();
		return len;
	case 3: /* random bytes from some offset on */
		for (size_t i = rnd() % len; i < len; i++)
			out[i] = (uint8_t)rnd();
		return len;
	case 4: /* longer: random bytes appended */
		for (size_t n = rnd() % 200; n > 0 && len < FRAME_MAX; n--)
			out[len++] = (uint8_t)rnd();
		return len;
	default: /* a random frame altogether */
		len = 1 + rnd() % 200;
		for (size_t i = 0; i < len; i++)
			out[i] = (uint8_t)rnd();
		return len;
	}
}

static __u64 bucket_sum(const __u64 *stats)
{
	__u64 sum = 0;

	for (int i = 0; i < BOTSINK_CLASS_COUNT; i++)
		sum += stats[i];
	return sum;
}

static void test_frame_fuzz(void)
{
	static const char domains[] = "dga1.example\n.example\n";
	const char *env_n = getenv("BOTSINK_FRAME_FUZZ"), *seed_env = getenv("BOTSINK_FUZZ_SEED");
	unsigned long frames = env_n ? strtoul(env_n, NULL, 10) : 1000000;
	static struct seed corpus[CORPUS_MAX];
	static struct botsink_rule_hits hits[BOTSINK_MAX_RULES];
	char path[] = "/tmp/botsink-fuzz-domains-XXXXXX", rules[2048];
	__u64 before[BOTSINK_NSTATS], after[BOTSINK_NSTATS], counted = 0, overflowed = 0,
							     hit_packets = 0;
	__u64 checkins = 0, verified = 0, hit_checkins = 0, hit_verified = 0;
	struct drain_result r = { 0 };
	uint8_t buf[FRAME_MAX];
	size_t ncorpus = build_corpus(corpus);
	int fd = mkstemp(path), prog = loader_prog_fd(&env.l);

	fz_seed = seed_env ? (unsigned)atoi(seed_env) : 777;
	if (!CHECK(fd >= 0 && write(fd, domains, sizeof(domains) - 1) > 0))
		return;
	close(fd);
	snprintf(
		rules, sizeof(rules),
		"alert tcp any any -> 203.0.113.10 80 (msg:\"syn\"; flags:S; sid:1;)\n"
		"alert http any any -> any 80 (msg:\"gate\"; content:\"POST\"; http_method; content:\"/gate\"; http_uri; http.host; content:\"evil\"; http.user_agent; content:\"kuku\"; nocase; http.request_body; content:\"crypt=\"; depth:6; sid:2;)\n"
		"alert tcp any any -> any 4433 (msg:\"rat\"; content:\"ANABILGI|7c|\"; depth:9; content:!\"zz\"; distance:0; sid:3;)\n"
		"alert dns any any -> any 53 (msg:\"dga\"; domains:%s; sid:4;)\n"
		"alert dns any any -> any any (msg:\"dns\"; dns.query; content:\"www\"; sid:5;)\n"
		"alert udp any any -> any 16000:16999 (msg:\"p2p\"; dsize:<100; sid:6;)\n"
		"alert ip any any -> 203.0.113.0/24 any (msg:\"any\"; sid:7;)\n",
		path);
	if (!INSTALL(rules, BOTSINK_VERDICT_DROP))
		goto out;
	CHECK(ncorpus > 10);
	read_stats(before);
	for (unsigned long sent = 0; sent < frames;) {
		unsigned long batch = frames - sent < FUZZ_BATCH ? frames - sent : FUZZ_BATCH;

		for (unsigned long i = 0; i < batch; i++) {
			size_t len = mutate(&corpus[rnd() % ncorpus], buf);
			LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf,
				    .data_size_in = (__u32)len, .repeat = 1);

			/* Frames shorter than Ethernet are refused by the kernel itself. */
			if (len < ETH_LEN) {
				i--;
				continue;
			}
			if (bpf_prog_test_run_opts(prog, &opts) ||
			    (opts.retval != XDP_PASS && opts.retval != XDP_DROP)) {
				check_at(__LINE__, false,
					 "frame %lu: test run failed or verdict %u", sent + i,
					 opts.retval);
				goto out;
			}
		}
		sent += batch;
		read_stats(after);
		if (!check_at(__LINE__, bucket_sum(after) - bucket_sum(before) == sent,
			      "after %lu frames the buckets add up to %llu", sent,
			      (unsigned long long)(bucket_sum(after) - bucket_sum(before))))
			goto out;
	}
	/* The harness's end-of-test checks expect exactly this. */
	for (int i = 0; i < BOTSINK_NSTATS; i++)
		env.stats_want[i] += after[i] - before[i];
	env.frames += frames;
	/* Every counted frame is in a counter; those of full tables in an overflow one. */
	CHECK_EQ(counters_drain(&env.l.maps, &r), 0);
	for (size_t i = 0; i < r.n; i++) {
		counted += r.items[i].total.packets;
		checkins += r.items[i].total.checkins;
		verified += r.items[i].total.checkins_verified;
		if (r.items[i].kind >= BOTSINK_KIND_OVERFLOW)
			overflowed += r.items[i].total.packets;
	}
	CHECK_EQ(counted, after[BOTSINK_MATCHED] - before[BOTSINK_MATCHED] +
				  after[BOTSINK_UNCLASSIFIED] - before[BOTSINK_UNCLASSIFIED]);
	CHECK_EQ(overflowed, after[BOTSINK_TABLE_FULL] - before[BOTSINK_TABLE_FULL]);
	/* And every one in its rule's totals. */
	read_hits(hits);
	for (__u32 slot = 0; slot < BOTSINK_MAX_RULES; slot++) {
		struct botsink_rule_hits *w = &env.hits_want[slot];

		w->packets = hits[slot].packets - env.hits_base[slot].packets;
		w->bytes = hits[slot].bytes - env.hits_base[slot].bytes;
		w->checkins = hits[slot].checkins - env.hits_base[slot].checkins;
		w->checkins_verified =
			hits[slot].checkins_verified - env.hits_base[slot].checkins_verified;
		hit_packets += w->packets;
		hit_checkins += w->checkins;
		hit_verified += w->checkins_verified;
	}
	CHECK_EQ(hit_packets, after[BOTSINK_MATCHED] - before[BOTSINK_MATCHED] +
				      after[BOTSINK_UNCLASSIFIED] - before[BOTSINK_UNCLASSIFIED]);
	/* The rules' check-ins are the counters' (overflow tables included). */
	CHECK_EQ(hit_checkins, checkins);
	CHECK_EQ(hit_verified, verified);
	/* Each kind of outcome was reached. */
	for (int i = 0; i < BOTSINK_CLASS_COUNT; i++)
		check_at(__LINE__, after[i] > before[i], "no frame landed in %s",
			 botsink_stat_names[i]);
out:
	unlink(path);
}

const struct test fuzz_tests[] = {
	TEST(content_fuzz),
	TEST(frame_fuzz),
};
const size_t n_fuzz_tests = ARRAY_SIZE(fuzz_tests);
