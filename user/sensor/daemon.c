// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* botsink run's daemon: load, attach, drain every interval, write the feed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <linux/bpf.h>
#include "bus/publish.h"
#include "kernel/counters.h"
#include "kernel/evidence.h"
#include "kernel/install.h"
#include "lib/keywords.h"
#include "lib/log.h"
#include "lib/util.h"
#include "rules/fit.h"
#include "sensor/control.h"
#include "sensor/daemon.h"

/*
 * Parse and compile a rules file; errors are printed as file:line: reason,
 * and also written to `errors` when it is not NULL. With --lenient the
 * rules that cannot be placed are left out (rules/fit.h), as `rules check
 * --lenient` and `rules import` do, each printed.
 */
int daemon_load_rules(const struct sensor_config *o, const char *path, struct rule_set *rs,
		      struct compiled *c, FILE *errors)
{
	const struct addr_set *space = o->sinkhole.given ? &o->sinkhole.set : NULL;
	struct rule_fit fit = { 0 };
	char buf[64];
	const char *why;

	memset(c, 0, sizeof(*c));
	if (rules_load_opts(path, o->lenient, rs)) {
		why = read_file_strerror(errno, RULES_FILE_MAX, buf, sizeof(buf));
		log_error("cannot read %s: %s", path, why);
		if (errors)
			fprintf(errors, "cannot read %s: %s\n", path, why);
		return -1;
	}
	if (!rs->nerrors && o->lenient && compile_fit(rs, space, &fit))
		rules_add_error(rs, 0, "out of memory");
	fit_write_left(path, &fit, stderr);
	rule_fit_free(&fit);
	if (!rs->nerrors)
		compile_rules(rs, space, c);
	if (!rs->nerrors)
		rules_print_dropped(rs);
	if (rs->nerrors) {
		rules_print_errors(rs);
		if (errors)
			rules_write_errors(rs, errors);
		rules_free(rs);
		compiled_free(c);
		return -1;
	}
	return 0;
}

/*
 * The state directory (a key or a control file others could have planted
 * is no key), this run's alone: locked before any file in it is read or
 * written, as two runs would deliver, and cut, each other's spools. And
 * where the keys are generated. An exit code.
 */
static int setup_state(struct daemon *d)
{
	const struct sensor_config *o = d->cfg;
	char err[PATH_MAX + 256];
	int ret;

	ret = control_start(o->state_dir, &d->state_fd, &d->control_fd, err, sizeof(err));
	if (ret) {
		log_error("%s", err);
		return ret == -2 ? EXIT_RUNTIME : EXIT_USAGE;
	}
	snprintf(d->keys_dir, sizeof(d->keys_dir), "%s/keys", o->state_dir);
	snprintf(d->outputs_path, sizeof(d->outputs_path), "%s/%s", o->state_dir,
		 OUTPUT_STATE_FILE);
	d->keys = (struct key_store){ .dir = d->keys_dir,
				      .fixed_key = o->key_path,
				      .fixed_mode = o->anon,
				      .rotate = o->key_rotate,
				      .retention = o->key_retention,
				      .truncate_v4 = o->truncate.v4,
				      .truncate_v6 = o->truncate.v6 };
	return EXIT_OK;
}

/* The partners file (or none), errors printed as file:line: reason. */
static int load_partners(const struct daemon *d, struct partner_set *ps, FILE *errors)
{
	const struct sensor_config *o = d->cfg;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int ret;

	memset(ps, 0, sizeof(*ps));
	if (!o->partners_path)
		return 0;
	mem = open_memstream(&text, &len);
	ret = partners_load(o->partners_path, enricher_has_asn(&d->enrich), o->feed_path, ps,
			    mem ? mem : stderr);
	if (mem) {
		fclose(mem);
		fputs(text, stderr);
		if (errors)
			fputs(text, errors);
		free(text);
	}
	return ret;
}

/* The outputs for `ps` (taken over), reusing what runs; 0 or -1 (said). */
static int open_outputs(struct daemon *d, struct partner_set *ps, struct output_set *set,
			struct output_set *prev, FILE *errors)
{
	const struct output_config cfg = { .feed_path = d->cfg->feed_path,
					   .format = d->cfg->format,
					   .anon = d->cfg->anon,
					   .verified_only = d->cfg->verified_only,
					   .evidence = d->cfg->evidence,
					   .publish_evidence = d->cfg->publish_evidence,
					   .state_dir = d->cfg->state_dir,
					   .state_fd = d->state_fd,
					   .publisher = d->publisher };
	char err[1024];

	if (!output_set_open(set, &cfg, ps, &d->feed, &d->keys, prev, err, sizeof(err)))
		return 0;
	log_error("%s", err);
	if (errors)
		fprintf(errors, "%s\n", err);
	return -1;
}

/* The drainer writes to the outputs of `set`. */
static void use_outputs(struct daemon *d)
{
	d->drainer.out = d->outputs.out;
	d->drainer.nout = d->outputs.n;
}

/*
 * Evidence as the views ask: samples from the program only while some view
 * shows any, with their payload bytes only while one shows them all. 0, or
 * -1 (said) when the samples cannot be read.
 */
static int use_evidence(struct daemon *d)
{
	enum evidence_level most = EVIDENCE_NONE;
	char err[256];
	int ret;

	for (size_t i = 0; i < d->outputs.n; i++)
		if (d->outputs.views[i].evidence > most)
			most = d->outputs.views[i].evidence;
	if (most && !d->evidence) {
		d->evidence = evidence_store_open(d->loader.maps.evidence, false, err, sizeof(err));
		if (!d->evidence) {
			log_error("%s", err);
			return -1;
		}
	}
	if (d->evidence) {
		evidence_store_keep_payload(d->evidence, most == EVIDENCE_FULL);
		for (int gen = 0; gen < 2; gen++)
			evidence_store_since(d->evidence, gen, d->drainer.active_since[gen]);
		/* Off: what it kept would be a stale interval's when it comes back on. */
		if (!most) {
			evidence_store_forget(d->evidence, 0);
			evidence_store_forget(d->evidence, 1);
		}
	}
	d->drainer.evidence = most ? d->evidence : NULL;
	/* Also off when no view shows any: an earlier run's setting is pinned. */
	ret = evidence_enable(&d->loader.maps, most != EVIDENCE_NONE);
	if (ret)
		log_error("asking the program for evidence: %s", strerror(-ret));
	return ret ? -1 : 0;
}

/* The signals the daemon reads from its signalfd. */
static void daemon_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGHUP);
	sigaddset(mask, SIGUSR1);
}

/*
 * Blocked before any thread starts (libnats starts its own in
 * daemon_prepare): a thread that did not block them would take them, and
 * die of them, instead of the signalfd.
 */
static int block_signals(void)
{
	sigset_t mask;

	daemon_signals(&mask);
	return pthread_sigmask(SIG_BLOCK, &mask, NULL) ? -1 : 0;
}

static int setup_signals(struct daemon *d)
{
	struct itimerspec its = { 0 };
	sigset_t mask;

	daemon_signals(&mask);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (d->sigfd < 0 || d->timerfd < 0)
		return -1;
	its.it_interval.tv_sec = (time_t)d->cfg->interval;
	its.it_interval.tv_nsec = (long)((d->cfg->interval - (double)its.it_interval.tv_sec) * 1e9);
	its.it_value = its.it_interval;
	return timerfd_settime(d->timerfd, 0, &its, NULL);
}

static bool publish_stats_same(const struct publish_stats *a, const struct publish_stats *b)
{
	return a->messages == b->messages && a->acked == b->acked &&
	       a->duplicates == b->duplicates && a->failed == b->failed &&
	       a->skipped == b->skipped && a->acked_epoch == b->acked_epoch &&
	       a->connected == b->connected && !strcmp(a->last_acked, b->last_acked);
}

/*
 * The publisher's state, for botsink status (best effort); not rewritten
 * while nothing changes, as at idle.
 */
static void save_publish_status(struct daemon *d)
{
	const struct drain_output *o = &d->outputs.out[d->outputs.n - 1];
	unsigned long long spool = o->pos.spool_size - o->pos.spool_head;
	struct publish_stats st;

	if (!d->publisher)
		return;
	publisher_stats(d->publisher, &st);
	if (d->publish_status_saved && spool == d->publish_saved_spool &&
	    publish_stats_same(&st, &d->publish_saved))
		return;
	d->publish_status_saved =
		!publish_status_save(d->state_fd, PUBLISH_STATUS_FILE, &st, spool);
	d->publish_saved = st;
	d->publish_saved_spool = spool;
}

/* One interval: swap generations and write the epoch (or retry a held one). */
static int drain_once(struct daemon *d)
{
	uint64_t began = clock_ns(CLOCK_MONOTONIC);
	int outcome = drainer_step(&d->drainer);

	sensor_metrics_drained(&d->metrics, d, outcome,
			       (double)(clock_ns(CLOCK_MONOTONIC) - began) / 1e9);
	save_publish_status(d);
	return outcome == DRAIN_BROKEN ? -1 : 0;
}

/*
 * Rules and partners are reloaded together: both new, or both as they
 * were. Counts taken before the swap are written with the old labels and
 * to the old partners: drain first, then install and switch.
 */
static int reload_from(struct daemon *d, const char *path, FILE *errors)
{
	struct partner_set ps;
	struct output_set set;
	struct rule_set rs;
	struct compiled c;
	char err[256];

	if (daemon_load_rules(d->cfg, path, &rs, &c, errors)) {
		log_error("%s has errors; keeping the running rules and partners", path);
		sensor_metrics_reloaded(&d->metrics, d, false);
		return -1;
	}
	if (load_partners(d, &ps, errors) || open_outputs(d, &ps, &set, &d->outputs, errors)) {
		log_error("%s has errors; keeping the running rules and partners",
			  d->cfg->partners_path ? d->cfg->partners_path : "the outputs");
		partners_free(&ps);
		goto fail;
	}
	drain_once(d);
	if (install_rules(&d->loader.maps, &rs, &c, d->cfg->verdict, d->cfg->respond, err,
			  sizeof(err))) {
		log_error(
			"cannot install the new rules (%s); keeping the running rules and partners",
			err);
		if (errors)
			fprintf(errors, "cannot install the rules: %s\n", err);
		output_set_close(&set);
		goto fail;
	}
	output_set_take(&set);
	output_set_close(&d->outputs);
	d->outputs = set;
	use_outputs(d);
	use_evidence(d);
	if (drainer_outputs_changed(&d->drainer) == DRAIN_BROKEN)
		log_error("the new outputs' positions could not be saved");
	if (feed_learn_rules(&d->feed, &rs))
		log_error("out of memory: records of the new rules may say family 'unknown'");
	rules_free(&d->rules);
	compiled_free(&d->compiled);
	d->rules = rs;
	d->compiled = c;
	log_info("rules reloaded: %zu rules, %zu destination entries; %zu partners", rs.n, c.ndst,
		 d->outputs.partners.n);
	sensor_metrics_reloaded(&d->metrics, d, true);
	return 0;
fail:
	rules_free(&rs);
	compiled_free(&c);
	sensor_metrics_reloaded(&d->metrics, d, false);
	return -1;
}

/*
 * SIGHUP: the file `botsink rules load` asked for (answering it), or the
 * rules file in use. A file loaded that way stays the one SIGHUP reloads.
 */
static void reload_rules(struct daemon *d)
{
	unsigned long nonce = 0;
	char *path = control_take_request(d->state_fd, &nonce), *text = NULL;
	size_t len = 0;
	FILE *errors;
	int ret;

	if (!path) {
		log_info("SIGHUP: reloading %s",
			 d->rules_path ? d->rules_path : d->cfg->rules_path);
		reload_from(d, d->rules_path ? d->rules_path : d->cfg->rules_path, NULL);
		return;
	}
	log_info("rules load: loading %s", path);
	errors = open_memstream(&text, &len);
	ret = reload_from(d, path, errors);
	if (!ret)
		fprintf(errors ? errors : stderr, "%zu rules loaded from %s\n", d->rules.n, path);
	if (errors)
		fclose(errors);
	if (control_answer(d->state_fd, nonce, !ret, text ? text : ""))
		log_warn("cannot answer rules load: %s", strerror(errno));
	free(text);
	if (ret) {
		free(path);
		return;
	}
	free(d->rules_path);
	d->rules_path = path;
}

/*
 * SIGHUP: the databases again, from the files now at their paths (the
 * supported update: rename a new file over the old). Records written after
 * this use them. A failed reload keeps the running ones.
 */
static void reload_databases(struct daemon *d)
{
	const struct sensor_config *o = d->cfg;
	char err[PATH_MAX + 256];

	if (!o->mmdb_asn && !o->mmdb_geo)
		return;
	if (enricher_reload(&d->enrich, o->mmdb_asn, o->mmdb_geo, err, sizeof(err))) {
		log_error("%s; keeping the running databases", err);
		return;
	}
	log_info("databases reloaded:%s%s%s%s", o->mmdb_asn ? " ASN " : "",
		 o->mmdb_asn ? o->mmdb_asn : "", o->mmdb_geo ? " geo " : "",
		 o->mmdb_geo ? o->mmdb_geo : "");
}

/*
 * Last drain. With the program detached first, both generations can be
 * written out completely. If the feed cannot take them, they stay in the
 * pinned maps for the next run. Returns 0, or -1: pins kept.
 */
static int final_drain(struct daemon *d)
{
	int ret = DRAIN_DONE;

	if (!d->cfg->no_attach)
		loader_detach(&d->loader);
	/* The pending or the last epoch, then the other generation. */
	for (int i = 0; i < 2 && ret == DRAIN_DONE; i++)
		ret = drainer_step(&d->drainer);
	if (ret == DRAIN_DONE && !drainer_spool_waiting(&d->drainer))
		return 0;
	log_error(
		"the counts not written to every output are kept in the maps pinned under %s for the next botsink run",
		d->cfg->pin_dir);
	return -1;
}

static void rotate_feed(struct daemon *d, const char *why)
{
	char rotated[PATH_MAX], err[PATH_MAX + 128];

	if (sink_rotate(d->outputs.out[0].sink, rotated, sizeof(rotated), err, sizeof(err))) {
		log_error("%s", err);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &d->rotated_at);
	drainer_rotated(&d->drainer);
	log_info("feed rotated (%s): %s", why, rotated);
}

/* After a drain: rotate the feed file if it is due. */
static void maybe_rotate(struct daemon *d)
{
	const struct sensor_config *o = d->cfg;
	struct timespec now;

	if (d->outputs.out[0].failing || (!o->rotate_size && !o->rotate_interval))
		return;
	if (o->rotate_size && sink_size(d->outputs.out[0].sink) >= (long long)o->rotate_size) {
		rotate_feed(d, "size");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (o->rotate_interval &&
	    (double)(now.tv_sec - d->rotated_at.tv_sec) +
			    (double)(now.tv_nsec - d->rotated_at.tv_nsec) / 1e9 >=
		    o->rotate_interval)
		rotate_feed(d, "interval");
}

static int event_loop(struct daemon *d)
{
	struct pollfd fds[3] = { { .fd = d->sigfd, .events = POLLIN },
				 { .fd = d->timerfd, .events = POLLIN },
				 { .fd = -1, .events = POLLIN } };

	for (;;) {
		struct signalfd_siginfo si;
		uint64_t ticks;

		/* Samples are taken as they come: the ring has room for a burst, not an interval. */
		fds[2].fd = d->drainer.evidence ? evidence_store_fd(d->evidence) : -1;
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			return -1;
		}
		if ((fds[2].revents & POLLIN) && evidence_store_collect(d->evidence) < 0)
			log_warn("evidence samples: %s: some records go without", strerror(ENOMEM));
		if ((fds[1].revents & POLLIN) && read(d->timerfd, &ticks, sizeof(ticks)) > 0) {
			if (drain_once(d) < 0)
				return -1; /* the sink is gone: shut down, keeping the counts */
			maybe_rotate(d);
		}
		if (!(fds[0].revents & POLLIN) || read(d->sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			reload_rules(d);
			reload_databases(d);
			continue;
		}
		if (si.ssi_signo == SIGUSR1) {
			rotate_feed(d, "SIGUSR1");
			continue;
		}
		log_info("%s: draining a last time", strsignal((int)si.ssi_signo));
		return 0;
	}
}

/* How TCP check-ins are verified, for the start-up line. */
const char *daemon_handshake_mode(const struct sensor_config *o)
{
	if (o->verdict == BOTSINK_VERDICT_PASS)
		return o->no_syncookies ?
			       "handshakes verified only when the kernel uses SYN cookies" :
			       "handshakes verified by the kernel's SYN cookies";
	switch (o->respond) {
	case BOTSINK_RESPOND_TCP:
		return "responder tcp (SYN cookies, RST)";
	case BOTSINK_RESPOND_HTTP:
		return "responder http (SYN cookies, 200 OK)";
	default:
		return "no handshakes (SYNs only: nothing verified)";
	}
}

#define SYNCOOKIES_SYSCTL "/proc/sys/net/ipv4/tcp_syncookies"

/*
 * Pass verdict: net.ipv4.tcp_syncookies=2 in this network namespace (it
 * covers IPv6 too), so that every SYN-ACK the kernel sends carries a cookie
 * and XDP can prove each TCP check-in's handshake. Left set on exit: the
 * program may go on counting.
 */
static int enable_syncookies(void)
{
	char was[16] = "";
	FILE *f = fopen(SYNCOOKIES_SYSCTL, "r");

	if (f && !fgets(was, sizeof(was), f))
		was[0] = '\0';
	if (f)
		fclose(f);
	was[strcspn(was, "\n")] = '\0';
	if (strcmp(was, "2") == 0)
		return 0;
	f = fopen(SYNCOOKIES_SYSCTL, "w");
	if (!f || fputs("2\n", f) == EOF || fflush(f)) {
		log_error(
			"cannot set net.ipv4.tcp_syncookies=2 in this network namespace (%s: %s): TCP check-ins could not be verified; fix that, or pass --no-syncookies to count them unverified",
			SYNCOOKIES_SYSCTL, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	log_info(
		"set net.ipv4.tcp_syncookies=2 (was %s) in this network namespace: every SYN-ACK carries a SYN cookie, so TCP check-ins can be verified",
		was[0] ? was : "unreadable");
	return 0;
}

static int start(struct daemon *d)
{
	struct sensor_config *o = d->cfg;
	unsigned int flags = o->no_attach ? LOADER_ADOPT : LOADER_PROGRAM;
	char err[512], name[BPF_OBJ_NAME_LEN];
	const char *mode;
	int adopted;

	/* First: a run that cannot verify must not have changed anything. */
	if (o->verdict == BOTSINK_VERDICT_PASS && !o->no_syncookies && enable_syncookies())
		return -1;
	if (loader_open_sized(&d->loader, o->pin_dir, flags, &o->caps, err, sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	/* Catch-alls before anything counts: a full overflow table keeps them. */
	for (int gen = 0; gen < 2; gen++) {
		int ret = counters_prepare(&d->loader.maps, gen);

		if (ret)
			log_warn(
				"overflow tables of generation %d: no room for the catch-alls (%s); the uncounted statistic shows what they would have held",
				gen, strerror(-ret));
	}
	/* A program of an earlier run counting into these maps is taken over. */
	adopted = o->no_attach ? 0 : loader_adopt(&d->loader, o->ifindex, err, sizeof(err));
	if (adopted < 0) {
		log_error("%s", err);
		return -1;
	}
	if (o->no_attach &&
	    !find_attached(o->ifindex, &d->loader.maps, &mode, name, sizeof(name))) {
		log_error(
			"no XDP program using the maps under %s is attached to %s (ip link set dev %s xdp obj botsink.bpf.o sec xdp)",
			o->pin_dir, o->ifname, o->ifname);
		return -1;
	}
	if (install_rules(&d->loader.maps, &d->rules, &d->compiled, o->verdict, o->respond, err,
			  sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	if (!o->no_attach && !adopted &&
	    loader_attach(&d->loader, o->ifindex, o->xdp_mode, err, sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	if (use_evidence(d))
		return -1;
	if (drainer_recover(&d->drainer) == DRAIN_BROKEN)
		return -1;
	sensor_metrics_ready(&d->metrics, d);
	if (control_save_view(d->state_fd, o->anon, &o->truncate, o->key_path, err, sizeof(err))) {
		control_drop_view(d->state_fd);
		log_warn("botsink top will show sources as with ipcrypt-pfx: %s", err);
	}
	log_info(
		"counting on %s (%s), %zu rules, %zu destination entries, verdict %s, %s; feed %s (%s), anonymization %s, evidence %s, %zu partners",
		o->ifname,
		o->no_attach		       ? "program attached by ip link" :
		d->loader.mode == XDP_MODE_SKB ? "skb XDP" :
						 "native XDP",
		d->rules.n, d->compiled.ndst, keyword_name(verdict_names, (int)o->verdict, "?"),
		daemon_handshake_mode(o), o->feed_path, record_format_name(o->format),
		anon_mode_name(o->anon), keyword_name(evidence_levels, (int)o->evidence, "?"),
		d->outputs.partners.n);
	if (d->publisher)
		log_info("publishing raw counts to %s as %s%s", o->publish_urls, BUS_COUNTS_SUBJECT,
			 o->sensor);
	return 0;
}

/*
 * Verified-only views withhold unverified TCP check-ins: say so where
 * this run can verify none (or few), or they would go quiet unexplained.
 */
static void warn_unverifiable(const struct sensor_config *o, const struct partner_set *ps)
{
	const char *why = NULL, *who = o->verified_only ? "the feed" : NULL;

	for (size_t i = 0; i < ps->n && !who; i++)
		if (ps->p[i].verified_only)
			who = ps->p[i].name; /* the first one is enough to name */
	if (!who)
		return;
	if (o->verdict == BOTSINK_VERDICT_DROP && o->respond == BOTSINK_RESPOND_NONE)
		why = "with --verdict drop and no --respond no handshake completes, so no TCP check-in can be verified";
	else if (o->no_syncookies)
		why = "with --no-syncookies only connections the kernel happens to answer with a cookie are verified";
	if (why)
		log_warn(
			"%s: verified-only views (%s, ...) show TCP check-ins only when verified; UDP and DNS ones as they are",
			why, who);
}

void daemon_init(struct daemon *d, struct sensor_config *cfg)
{
	*d = (struct daemon){
		.cfg = cfg, .sigfd = -1, .timerfd = -1, .state_fd = -1, .control_fd = -1
	};
	d->loader.lock_fd = -1; /* loader_close after a start that never opened it */
}

/*
 * --feed none after a run whose feed's spool still holds records: they
 * would wait there for good (the none output has no spool). Refused.
 */
static int check_feed_none(const struct daemon *d)
{
	const struct sensor_config *o = d->cfg;
	struct stat st;

	if (strcmp(o->feed_path, OUTPUT_FEED_NONE))
		return 0;
	if (fstatat(d->state_fd, OUTPUT_MAIN_SPOOL, &st, AT_SYMLINK_NOFOLLOW) || !st.st_size)
		return 0;
	log_error(
		"--feed none, but %s/%s holds %lld bytes of records for the feed of an earlier run: deliver them (run with that --feed) or move the file away",
		o->state_dir, OUTPUT_MAIN_SPOOL, (long long)st.st_size);
	return -1;
}

/* --publish: connect to the cluster (refused credentials: a usage error). */
static int open_publisher(struct daemon *d)
{
	const struct sensor_config *o = d->cfg;
	struct publish_config pc = { .bus = { .urls = o->publish_urls,
					      .auth_file = o->publish_auth,
					      .ca_file = o->publish_ca,
					      .name = o->sensor },
				     .sensor = o->sensor,
				     .state_fd = d->state_fd };
	char err[512];
	int ret;

	if (!o->publish_urls)
		return EXIT_OK;
	d->publisher = publisher_open(&pc, &ret, err, sizeof(err));
	if (d->publisher)
		return EXIT_OK;
	log_error("--publish: %s", err);
	return ret;
}

int daemon_prepare(struct daemon *d)
{
	struct sensor_config *cfg = d->cfg;
	struct partner_set ps;
	char err[512];
	int ret;

	if (daemon_load_rules(cfg, cfg->rules_path, &d->rules, &d->compiled, NULL))
		return EXIT_USAGE;
	/*
	 * The metrics port first: a bad --metrics or a port in use is a usage
	 * error that leaves nothing behind, not even the state directory. It
	 * touches nothing in the directory, whose lock comes next, before
	 * anything there is read or written.
	 */
	if (sensor_metrics_start(&d->metrics, &cfg->metrics, err, sizeof(err))) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	ret = setup_state(d);
	if (ret)
		return ret;
	if (check_feed_none(d))
		return EXIT_USAGE;
	if (enricher_open(&d->enrich, cfg->mmdb_asn, cfg->mmdb_geo, err, sizeof(err))) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	feed_init(&d->feed, &d->enrich, cfg->truncate.v4, cfg->truncate.v6, cfg->sensor);
	if (load_partners(d, &ps, NULL))
		return EXIT_USAGE;
	warn_unverifiable(cfg, &ps);
	ret = open_publisher(d);
	if (ret) {
		partners_free(&ps);
		return ret;
	}
	if (open_outputs(d, &ps, &d->outputs, NULL, NULL))
		return EXIT_USAGE;
	d->drainer = (struct drainer){ .maps = &d->loader.maps,
				       .feed = &d->feed,
				       .spool_max = cfg->spool_max,
				       .state_fd = d->state_fd,
				       .outputs_path = d->outputs_path };
	use_outputs(d);
	if (feed_learn_rules(&d->feed, &d->rules)) {
		log_error("setting up: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

void daemon_release(struct daemon *d)
{
	sensor_metrics_stop(&d->metrics);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->timerfd >= 0)
		close(d->timerfd);
	d->sigfd = d->timerfd = -1;
	output_set_close(&d->outputs);
	evidence_store_close(d->evidence);
	d->evidence = NULL;
	sink_close(d->publisher);
	d->publisher = NULL;
	feed_free(&d->feed);
	key_store_close(&d->keys);
	enricher_close(&d->enrich);
	free(d->rules_path);
	d->rules_path = NULL;
	rules_free(&d->rules);
	compiled_free(&d->compiled);
	/* Last: the spool and positions are written up to here. */
	control_stop(d->state_fd, d->control_fd);
	d->state_fd = d->control_fd = -1;
}

int sensor_run(struct sensor_config *cfg)
{
	struct daemon d;
	int ret, ret_final;

	/* A closed feed pipe is an error to handle, not a reason to die. */
	signal(SIGPIPE, SIG_IGN);
	log_route_libraries();
	daemon_init(&d, cfg);
	if (block_signals()) {
		log_error("setting up: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	ret = daemon_prepare(&d);
	if (ret)
		goto out;
	ret = EXIT_RUNTIME;
	if (setup_signals(&d)) {
		log_error("setting up: %s", strerror(errno));
		goto out;
	}
	if (start(&d)) {
		sensor_metrics_stop(&d.metrics); /* before the maps close */
		loader_close(&d.loader, true);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &d.rotated_at);
	ret = event_loop(&d) ? EXIT_RUNTIME : EXIT_OK;
	ret_final = final_drain(&d);
	sensor_metrics_stop(&d.metrics); /* before the maps close */
	/* No one reads samples now: a program that stays (ip link, kept pins) takes none. */
	evidence_enable(&d.loader.maps, false);
	if (ret_final) {
		/* The counts went back into the maps: keep the pins for the next run. */
		loader_close(&d.loader, false);
		ret = EXIT_RUNTIME;
	} else {
		loader_close(&d.loader, true);
	}
out:
	daemon_release(&d);
	return ret;
}
