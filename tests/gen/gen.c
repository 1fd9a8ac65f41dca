// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * botsink-gen: send N frames from K sources out of an interface, at full
 * speed or at a given rate: TCP SYNs (each a new check-in) or UDP
 * datagrams of 32 bytes, IPv4 or IPv6 (gen_frame.h says what frame n is).
 * For labs only: run it in a network namespace of your own, towards
 * addresses inside it.
 *
 * Two ways to send:
 *  - live: BPF_PROG_TEST_RUN in live-frames mode (gen.bpf.c), the fastest;
 *    some kernels refuse it (EPERM on 6.18 here; EINVAL before 5.18);
 *  - af_packet: an AF_PACKET socket bound to the interface, past the qdisc
 *    (PACKET_QDISC_BYPASS), frames in sendmmsg batches.
 * --mode auto (the default) tries live frames and, if the kernel refuses
 * BPF_PROG_TEST_RUN before anything was sent, says so and uses af_packet.
 *
 * Prints one line to stdout:
 *   N frames from K sources in S s (R Mpps), mode M[, F retries]
 * With af_packet, N frames reached the peer: a veth whose peer's ring is
 * full refuses a frame (ENOBUFS; its tx_dropped counts it), and the frame
 * is sent again; F counts the retries. With live frames, N frames were
 * given to XDP_TX; a veth drops those its peer's ring has no room for,
 * which the peer's rx_dropped counts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/util.h"
#include "frames.h"
#include "gen_frame.h"
#include "gen.skel.h"

#define LIVE_CHUNK (1U << 20) /* frames per live BPF_PROG_TEST_RUN call at full speed */
#define PACKET_BATCH 64 /* frames per sendmmsg */
#define PACE_SLICE_NS 100000ULL /* a paced sender wakes about this often */
#define STUCK_NS 1000000000ULL /* af_packet gives up after this long without a frame taken */

static const char STEP_TEST_RUN[] = "BPF_PROG_TEST_RUN"; /* the step a kernel may refuse */

enum gen_mode { MODE_AUTO, MODE_LIVE, MODE_PACKET };
static const char *const mode_names[] = { "auto", "live", "af_packet" };

struct gen_opts {
	const char *ifname, *src, *dst;
	unsigned char dst_mac[6];
	unsigned long long frames, rate;
	unsigned long long sources, dport;
	enum gen_mode mode;
	bool udp;
};

/* The options, once: parsing and --help come from this table. */
enum opt_key {
	OPT_IFACE = 'i',
	OPT_FRAMES = 'n',
	OPT_HELP = 'h',
	OPT_DST_MAC = 256,
	OPT_SRC,
	OPT_DST,
	OPT_DPORT,
	OPT_SOURCES,
	OPT_UDP,
	OPT_RATE,
	OPT_MODE
};
static const struct gen_option {
	const char *name;
	int key;
	const char *arg; /* NULL: a flag */
	const char *help;
} gen_options[] = {
	{ "iface", OPT_IFACE, "IFACE", "send out of this interface (required)" },
	{ "dst-mac", OPT_DST_MAC, "MAC", "the receiver's MAC address (required)" },
	{ "src", OPT_SRC, "ADDR", "the first source, IPv4 or IPv6 (required)" },
	{ "dst", OPT_DST, "ADDR", "the destination, same family (required)" },
	{ "dport", OPT_DPORT, "PORT", "the destination port (required)" },
	{ "frames", OPT_FRAMES, "N", "frames to send (required)" },
	{ "sources", OPT_SOURCES, "K", "distinct sources, from --src on (default 1)" },
	{ "udp", OPT_UDP, NULL, "UDP datagrams of 32 bytes instead of TCP SYNs" },
	{ "rate", OPT_RATE, "PPS", "frames per second (default: as fast as it can)" },
	{ "mode", OPT_MODE, "M", "auto (default), live or af_packet" },
	{ "help", OPT_HELP, NULL, "this text" },
};
#define NOPTS ARRAY_SIZE(gen_options)

static void usage(FILE *out)
{
	fprintf(out, "usage: botsink-gen -i IFACE --dst-mac MAC --src ADDR --dst ADDR --dport PORT "
		     "-n N [OPTIONS]\n");
	for (size_t i = 0; i < NOPTS; i++) {
		const struct gen_option *o = &gen_options[i];
		char left[40], shortopt[5] = "";

		if (o->key < 256)
			snprintf(shortopt, sizeof(shortopt), "-%c, ", o->key);
		snprintf(left, sizeof(left), "%s--%s %s", shortopt, o->name, o->arg ? o->arg : "");
		fprintf(out, "  %-26s %s\n", left, o->help);
	}
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int bad(const char *what, const char *value)
{
	fprintf(stderr, "botsink-gen: bad %s '%s' (--help)\n", what, value);
	return 2;
}

/* A decimal number in [min, max]. */
static bool number(const char *s, unsigned long long min, unsigned long long max,
		   unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end && *out >= min && *out <= max;
}

static int parse_one(struct gen_opts *o, int key, const char *arg)
{
	switch (key) {
	case OPT_IFACE:
		o->ifname = arg;
		return 0;
	case OPT_FRAMES:
		return number(arg, 1, 1ULL << 48, &o->frames) ? 0 : bad("frame count", arg);
	case OPT_DST_MAC:
		return sscanf(arg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &o->dst_mac[0], &o->dst_mac[1],
			      &o->dst_mac[2], &o->dst_mac[3], &o->dst_mac[4], &o->dst_mac[5]) == 6 ?
			       0 :
			       bad("MAC address", arg);
	case OPT_SRC:
		o->src = arg;
		return 0;
	case OPT_DST:
		o->dst = arg;
		return 0;
	case OPT_DPORT:
		return number(arg, 1, 65535, &o->dport) ? 0 : bad("port", arg);
	case OPT_SOURCES:
		return number(arg, 1, UINT32_MAX, &o->sources) ? 0 : bad("source count", arg);
	case OPT_UDP:
		o->udp = true;
		return 0;
	case OPT_RATE:
		return number(arg, 1, 1000000000, &o->rate) ? 0 : bad("rate", arg);
	case OPT_MODE:
		for (size_t m = 0; m < ARRAY_SIZE(mode_names); m++) {
			if (!strcmp(arg, mode_names[m])) {
				o->mode = (enum gen_mode)m;
				return 0;
			}
		}
		return bad("mode", arg);
	case OPT_HELP:
		usage(stdout);
		return -1;
	default:
		usage(stderr);
		return 2;
	}
}

/* 0, 2 (usage) or -1 (--help: exit 0). */
static int parse(int argc, char **argv, struct gen_opts *o)
{
	struct option longopts[NOPTS + 1];
	char shortopts[2 * NOPTS + 1], *s = shortopts;
	int key, ret;

	for (size_t i = 0; i < NOPTS; i++) {
		const struct gen_option *g = &gen_options[i];

		longopts[i] = (struct option){ g->name, g->arg ? required_argument : no_argument,
					       NULL, g->key };
		if (g->key < 256) {
			*s++ = (char)g->key;
			if (g->arg)
				*s++ = ':';
		}
	}
	longopts[NOPTS] = (struct option){ 0 };
	*s = '\0';
	*o = (struct gen_opts){ .sources = 1 };
	while ((key = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1)
		if ((ret = parse_one(o, key, optarg)))
			return ret;
	if (optind < argc)
		return bad("argument", argv[optind]);
	if (!o->ifname || !o->src || !o->dst || !o->frames || !o->dport ||
	    !(o->dst_mac[0] | o->dst_mac[1] | o->dst_mac[2] | o->dst_mac[3] | o->dst_mac[4] |
	      o->dst_mac[5])) {
		fprintf(stderr, "botsink-gen: -i, --dst-mac, --src, --dst, --dport and -n are "
				"required (--help)\n");
		return 2;
	}
	return 0;
}

/* ---- the template ---- */

struct template_frame {
	struct gen_template t; /* what the live program gets too */
	uint8_t frame[GEN_FRAME_MAX]; /* frame 0 */
};

static int template_build(struct template_frame *tp, const struct gen_opts *o,
			  const unsigned char src_mac[6])
{
	struct gen_template *t = &tp->t;
	bool v6 = strchr(o->src, ':');
	uint8_t zeroed[GEN_FRAME_MAX];
	struct in6_addr a;
	struct frame f, z;
	size_t len;

	if (inet_pton(v6 ? AF_INET6 : AF_INET, o->src, &a) != 1)
		return bad("--src", o->src);
	if (inet_pton(v6 ? AF_INET6 : AF_INET, o->dst, &a) != 1)
		return bad("--dst (not the family of --src)", o->dst);
	memset(tp, 0, sizeof(*tp));
	frame_init(&f, tp->frame, sizeof(tp->frame));
	if (o->udp)
		len = frame_udp_ip(&f, v6 ? 6 : 4, o->src, o->dst, 40000, (uint16_t)o->dport, 32);
	else
		len = frame_tcp_ip(&f, v6 ? 6 : 4, o->src, o->dst, 40000, (uint16_t)o->dport,
				   TH_SYN);
	if (!len)
		return 1;
	memcpy(tp->frame, o->dst_mac, 6);
	memcpy(tp->frame + 6, src_mac, 6);
	t->len = (__u32)len;
	t->sources = (__u32)o->sources;
	t->saddr_off = (__u32)(f.l3 + (v6 ? IP6_OFF_SADDR + 12 : IP4_OFF_SADDR));
	t->ip_csum_off = v6 ? 0 : (__u32)(f.l3 + IP4_OFF_CSUM);
	t->l4_csum_off = (__u32)(f.l4 + (o->udp ? UDP_OFF_CSUM : TCP_OFF_CSUM));
	t->seq_off = o->udp ? 0 : (__u32)(f.l4 + 4);
	t->first_source =
		(__u32)frame_get16(&f, t->saddr_off) << 16 | frame_get16(&f, t->saddr_off + 2);
	if (t->first_source + (t->sources - 1) < t->first_source) {
		fprintf(stderr,
			"botsink-gen: %s and %u sources run past the end of the address "
			"space\n",
			o->src, t->sources);
		return 2;
	}
	/* The partial sums: the frame with the varying fields zeroed. */
	memcpy(zeroed, tp->frame, len);
	z = f;
	z.buf = zeroed;
	frame_put32(&z, t->saddr_off, 0);
	frame_put16(&z, t->l4_csum_off, 0);
	if (t->seq_off)
		frame_put32(&z, t->seq_off, 0);
	if (!v6) {
		frame_put16(&z, t->ip_csum_off, 0);
		t->ip_sum = frame_sum(0, zeroed + f.l3, IP4_LEN);
	}
	t->l4_sum =
		frame_sum(frame_pseudo_sum(&z, f.l4_proto, len - f.l4), zeroed + f.l4, len - f.l4);
	return 0;
}

/* Frame n, into out (t->len bytes). */
static void frame_write(const struct template_frame *tp, __u64 n, uint8_t *out)
{
	const struct gen_template *t = &tp->t;
	struct frame f = { .buf = out, .len = t->len };
	struct gen_fields g;

	memcpy(out, tp->frame, t->len);
	gen_fields(t, n, &g);
	frame_put32(&f, t->saddr_off, g.saddr);
	frame_put16(&f, t->l4_csum_off, g.l4_csum);
	if (t->ip_csum_off)
		frame_put16(&f, t->ip_csum_off, g.ip_csum);
	if (t->seq_off)
		frame_put32(&f, t->seq_off, g.seq);
}

/* ---- senders ---- */

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

struct sender {
	const struct template_frame *tmpl;
	int ifindex;
	__u64 refused; /* af_packet: refusals by the device, each followed by a retry */
	__u64 taken_ns; /* af_packet: when the device last took a frame */
	const char *step; /* what failed: STEP_TEST_RUN, or another step */
	/* live */
	struct gen *skel;
	/* af_packet */
	int fd;
	uint8_t bufs[PACKET_BATCH][GEN_FRAME_MAX];
	struct iovec iov[PACKET_BATCH];
	struct mmsghdr msgs[PACKET_BATCH];
};

static int live_run(struct sender *s, __u32 repeat, __u32 flags, void *out, __u32 *out_len)
{
	struct xdp_md ctx = { .data_end = s->tmpl->t.len, .ingress_ifindex = (__u32)s->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = s->tmpl->frame,
		    .data_size_in = s->tmpl->t.len, .data_out = out,
		    .data_size_out = out_len ? *out_len : 0, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = repeat, .flags = flags,
		    .batch_size = flags ? 64 : 0);
	int err = bpf_prog_test_run_opts(bpf_program__fd(s->skel->progs.gen_frame), &run);

	if (err)
		return -errno;
	if (out_len)
		*out_len = run.data_size_out;
	return flags || run.retval == XDP_TX ? 0 : -EPROTO;
}

/*
 * The live program must build the frames the AF_PACKET sender builds:
 * run it without the live flag, which returns the frame, for a few n
 * (a source's first SYN, the next source, the next round, a sequence
 * number that wraps).
 */
static int live_check(struct sender *s)
{
	const struct gen_template *t = &s->tmpl->t;
	const __u64 ns[] = { 0,
			     1,
			     t->sources - 1ULL,
			     t->sources,
			     3ULL * t->sources + 2,
			     0xffffffffULL * t->sources + 1 };
	uint8_t got[GEN_FRAME_MAX + 256], want[GEN_FRAME_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		__u32 len = sizeof(got);
		int err;

		s->skel->bss->sent = ns[i];
		err = live_run(s, 1, 0, got, &len);
		if (err)
			return err;
		frame_write(s->tmpl, ns[i], want);
		if (len != t->len || memcmp(got, want, t->len)) {
			fprintf(stderr,
				"botsink-gen: the live-frames program builds frame %llu "
				"unlike the AF_PACKET sender\n",
				(unsigned long long)ns[i]);
			return -EPROTO;
		}
	}
	s->skel->bss->sent = 0;
	return 0;
}

static int live_open(struct sender *s)
{
	s->step = "loading the program";
	s->skel = gen__open();
	if (!s->skel)
		return -errno;
	s->skel->rodata->tmpl = s->tmpl->t;
	if (gen__load(s->skel))
		return -errno;
	s->step = STEP_TEST_RUN;
	return live_check(s);
}

/* Frames [n, n + count) or an error; *done says how many went. */
static int live_send(struct sender *s, __u64 n, __u32 count, __u32 *done)
{
	__u64 before = s->skel->bss->sent;
	int err;

	(void)n; /* the program numbers the frames itself */
	err = live_run(s, count, BPF_F_TEST_XDP_LIVE_FRAMES, NULL, NULL);
	*done = (__u32)(s->skel->bss->sent - before);
	return err;
}

static int packet_open(struct sender *s)
{
	struct sockaddr_ll addr = { .sll_family = AF_PACKET, .sll_ifindex = s->ifindex };
	int one = 1;

	s->step = "socket";
	s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); /* protocol 0: receives nothing */
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    setsockopt(s->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		return -errno;
	for (int i = 0; i < PACKET_BATCH; i++) {
		s->iov[i] = (struct iovec){ s->bufs[i], s->tmpl->t.len };
		s->msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &s->iov[i], .msg_iovlen = 1 };
	}
	return 0;
}

/*
 * A device that cannot take a frame (a veth whose peer's ring is full)
 * refuses it with ENOBUFS, and sendmmsg stops there (returning the frames
 * before it, or -1): that frame and the rest are sent again, so every
 * frame counted was taken. One that refuses everything for STUCK_NS (its
 * link is down, say) ends the run.
 */
static int packet_send(struct sender *s, __u64 n, __u32 count, __u32 *done)
{
	__u32 i = 0;
	int r;

	if (count > PACKET_BATCH)
		count = PACKET_BATCH;
	for (__u32 k = 0; k < count; k++)
		frame_write(s->tmpl, n + k, s->bufs[k]);
	if (!s->taken_ns)
		s->taken_ns = now_ns();
	while (i < count && !stop) {
		r = sendmmsg(s->fd, s->msgs + i, count - i, 0);
		if (r < 0 && errno != ENOBUFS && errno != EINTR) {
			s->step = "sendmmsg";
			*done = i;
			return -errno;
		}
		if (r > 0) {
			i += (__u32)r;
			s->taken_ns = now_ns();
		}
		if (i == count)
			break;
		s->refused += r > 0 || errno == ENOBUFS;
		if (now_ns() - s->taken_ns > STUCK_NS) {
			s->step = "the device took no frame for a second (is its link down?)";
			*done = i;
			return -ENOBUFS;
		}
		sched_yield();
	}
	*done = i;
	return 0;
}

static const struct send_mode {
	const char *name;
	int (*open)(struct sender *s);
	int (*send)(struct sender *s, __u64 n, __u32 count, __u32 *done);
	__u32 batch; /* frames per call at full speed */
} send_modes[] = {
	[MODE_LIVE] = { "live", live_open, live_send, LIVE_CHUNK },
	[MODE_PACKET] = { "af_packet", packet_open, packet_send, PACKET_BATCH },
};

/*
 * Whether the kernel refused live frames (before 5.18 the flag is unknown:
 * EINVAL; some 6.18 kernels: EPERM), as opposed to a program that does not
 * load or builds the wrong frames, which must not pass unnoticed.
 */
static bool live_refused(const struct sender *s, int err)
{
	return s->step == STEP_TEST_RUN && (err == -EPERM || err == -EINVAL || err == -EOPNOTSUPP ||
					    err == -524 /* ENOTSUPP */);
}

static void sender_close(struct sender *s)
{
	gen__destroy(s->skel);
	s->skel = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->step = NULL;
}

/*
 * Send o->frames frames; at o->rate, each batch waits for its due time
 * (t0 + frames before it / rate), so the average never runs ahead.
 * Returns 0, or a negative errno with *sent frames gone.
 */
static int run(struct sender *s, const struct send_mode *m, const struct gen_opts *o, __u64 *sent)
{
	__u32 batch = m->batch, done;
	__u64 t0 = now_ns();
	int err = 0;

	if (o->rate) {
		__u64 per_slice = o->rate * PACE_SLICE_NS / 1000000000ULL;

		batch = per_slice < 1 ? 1 : per_slice < batch ? (__u32)per_slice : batch;
	}
	*sent = 0;
	while (*sent < o->frames && !stop && !err) {
		__u64 left = o->frames - *sent;
		__u32 count = left < batch ? (__u32)left : batch;

		if (o->rate) {
			__u64 due = t0 + (__u64)((double)*sent * 1e9 / (double)o->rate);
			struct timespec ts = { .tv_sec = (time_t)(due / 1000000000ULL),
					       .tv_nsec = (long)(due % 1000000000ULL) };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
		err = m->send(s, *sent, count, &done);
		*sent += done;
	}
	return err;
}

static int interface_mac(const char *ifname, unsigned char mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ret = fd < 0 ? -1 : ioctl(fd, SIOCGIFHWADDR, &ifr);
	if (fd >= 0)
		close(fd);
	if (ret)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

int main(int argc, char **argv)
{
	static struct sender s = { .fd = -1 };
	static struct template_frame tmpl;
	const struct send_mode *m;
	unsigned char src_mac[6];
	struct gen_opts o;
	__u64 t0, sent = 0;
	double secs;
	int err, ret = parse(argc, argv, &o);

	if (ret)
		return ret < 0 ? 0 : ret;
	s.ifindex = (int)if_nametoindex(o.ifname);
	if (!s.ifindex || interface_mac(o.ifname, src_mac)) {
		fprintf(stderr, "botsink-gen: no interface %s in this network namespace\n",
			o.ifname);
		return 2;
	}
	ret = template_build(&tmpl, &o, src_mac);
	if (ret)
		return ret;
	s.tmpl = &tmpl;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	libbpf_set_print(NULL);

	m = &send_modes[o.mode == MODE_PACKET ? MODE_PACKET : MODE_LIVE];
	err = m->open(&s);
	t0 = now_ns();
	if (!err)
		err = run(&s, m, &o, &sent);
	if (err == -EINTR && stop)
		err = 0; /* a signal ended a live run */
	if (o.mode == MODE_AUTO && live_refused(&s, err) && !sent) {
		fprintf(stderr,
			"botsink-gen: no live frames here (%s: %s): sending with AF_PACKET\n",
			s.step, strerror(-err));
		sender_close(&s);
		m = &send_modes[MODE_PACKET];
		err = m->open(&s);
		t0 = now_ns();
		if (!err)
			err = run(&s, m, &o, &sent);
	}
	secs = (double)(now_ns() - t0) / 1e9;
	if (err)
		fprintf(stderr, "botsink-gen: %s: %s%s%s\n", m->name, s.step ? s.step : "",
			s.step ? ": " : "", strerror(-err));
	else if (stop)
		fprintf(stderr, "botsink-gen: interrupted\n");
	printf("%llu frames from %u sources in %.3f s (%.2f Mpps), mode %s",
	       (unsigned long long)sent, tmpl.t.sources, secs,
	       secs > 0 ? (double)sent / secs / 1e6 : 0, m->name);
	if (m == &send_modes[MODE_PACKET])
		printf(", %llu retries", (unsigned long long)s.refused);
	printf("\n");
	sender_close(&s);
	return err || stop ? 1 : 0;
}
