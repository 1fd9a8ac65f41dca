// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "feed/outputs.h"
#include "lib/util.h"

struct keyring *key_store_get(struct key_store *ks, enum anon_mode mode, char *err, size_t errlen)
{
	struct keyring **ring = mode == ANON_IPCRYPT_PFX ? &ks->pfx : &ks->deterministic;
	const char *fixed = ks->fixed_key && ks->fixed_mode == mode ? ks->fixed_key : NULL;

	if (!*ring && ks->read_only)
		*ring = keyring_open_readonly(ks->dir, mode, fixed, ks->truncate_v4,
					      ks->truncate_v6, err, errlen);
	else if (!*ring)
		*ring = keyring_open(ks->dir, mode, fixed ? KEY_ROTATE_NEVER : ks->rotate,
				     ks->retention, fixed, ks->truncate_v4, ks->truncate_v6, err,
				     errlen);
	return *ring;
}

void key_store_close(struct key_store *ks)
{
	if (ks->pfx)
		keyring_close(ks->pfx);
	if (ks->deterministic)
		keyring_close(ks->deterministic);
	ks->pfx = ks->deterministic = NULL;
}

static void output_close(struct drain_output *o)
{
	if (!o->borrowed)
		sink_close(o->sink);
	sink_close(o->spool);
	free(o->label);
	free(o->name);
	free(o->spool_path);
	free(o->spool_name);
	memset(o, 0, sizeof(*o));
}

void output_set_close(struct output_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		output_close(&set->out[i]);
		feed_view_free(&set->views[i]);
	}
	free(set->out);
	free(set->views);
	free(set->reuse);
	partners_free(&set->partners);
	memset(set, 0, sizeof(*set));
}

/*
 * The output of `prev` this one can go on with: same name, file and format.
 * Its sink and spool only: the view (scope, anon, verified_only) is always
 * the new set's, so a changed one applies from the next epoch on.
 */
static struct drain_output *reusable(struct output_set *prev, const char *name, const char *path,
				     enum record_format format)
{
	for (size_t i = 0; prev && i < prev->n; i++) {
		struct drain_output *o = &prev->out[i];

		if (o->sink && !strcmp(o->name, name) && !strcmp(o->sink->name, path) &&
		    o->format == format)
			return o;
	}
	return NULL;
}

int output_check_partner_path(const char *path, char *err, size_t errlen)
{
	if (!strcmp(path, "-")) {
		snprintf(err, errlen, "partner output %s is not a regular file", path);
		return -1;
	}
	return 0;
}

/* --feed none: records go nowhere, and nothing ever waits for it. */
static int discard_emit(struct sink *s, const struct feed_record *recs, size_t n)
{
	(void)s, (void)recs, (void)n;
	return 0;
}

static void discard_close(struct sink *s)
{
	(void)s;
}

static const struct sink_ops discard_ops = { .emit = discard_emit, .close = discard_close };
static struct sink discard_sink = { .ops = &discard_ops, .name = OUTPUT_FEED_NONE };

/* Open an output's sink (unless it has one) and spool; its strings are set by the caller. */
static int output_open(struct drain_output *o, const char *path, enum record_format format,
		       bool partner, int state_fd, char *err, size_t errlen)
{
	char why[512];

	/* A partner's output: a regular file only (a pipe could stall). */
	if (!o->sink)
		o->sink =
			sink_file_open(path, format, partner ? SINK_REGULAR : 0, why, sizeof(why));
	if (!o->sink) {
		snprintf(err, errlen, "%s: %s", o->label, why);
		return -1;
	}
	/* Opened with --spool-max 0 too: what an earlier run spooled is delivered. */
	o->spool =
		sink_spool_open(state_fd, o->spool_name, o->spool_path, format, why, sizeof(why));
	if (!o->spool) {
		snprintf(err, errlen, "spool of %s: %s", o->label, why);
		return -1;
	}
	o->fresh = true;
	return 0;
}

/* The output after the partners': the publisher's. */
static bool is_publisher(const struct output_set *set, size_t i)
{
	return i == 1 + set->partners.n;
}

/* Output i's partner (NULL: the feed or the publisher), name, format and path. */
struct output_target {
	const struct partner *p;
	const char *name, *path;
	enum record_format format;
	bool publisher;
};

static struct output_target target_of(const struct output_set *set, size_t i,
				      const struct output_config *cfg)
{
	struct output_target t = { .publisher = is_publisher(set, i) };

	t.p = i && !t.publisher ? &set->partners.p[i - 1] : NULL;
	t.name = t.publisher ? OUTPUT_PUBLISH_NAME : t.p ? t.p->name : "feed";
	/* The publisher's view shows counts raw: they go to the operator's own hub. */
	t.format = t.publisher ? FORMAT_COUNTS : t.p ? t.p->format : cfg->format;
	t.path = t.publisher ? cfg->publisher->name : t.p ? t.p->output : cfg->feed_path;
	return t;
}

static int describe(struct drain_output *o, const struct output_config *cfg,
		    const struct output_target *t)
{
	int ret;

	o->name = strdup(t->name);
	if (t->publisher) {
		ret = asprintf(&o->label, "publisher %s", cfg->publisher->name);
		if (ret >= 0)
			ret = asprintf(&o->spool_name, "%s", OUTPUT_PUBLISH_SPOOL);
	} else if (!t->p) {
		ret = asprintf(&o->label, "feed %s", cfg->feed_path);
		if (ret >= 0)
			ret = asprintf(&o->spool_name, "%s", OUTPUT_MAIN_SPOOL);
	} else {
		ret = asprintf(&o->label, "partner %s (%s)", t->p->name, t->p->output);
		if (ret >= 0)
			ret = asprintf(&o->spool_name, "%s/%s.spool", OUTPUT_PARTNER_DIR,
				       t->p->name);
	}
	if (ret >= 0)
		ret = asprintf(&o->spool_path, "%s/%s", cfg->state_dir, o->spool_name);
	return ret < 0 || !o->name ? -1 : 0;
}

/* Output i of the set: reused from prev, or opened. */
static int setup_output(struct output_set *set, size_t i, const struct output_config *cfg,
			const struct feed *f, struct key_store *ks, struct output_set *prev,
			char *err, size_t errlen)
{
	const struct output_target t = target_of(set, i, cfg);
	const struct partner *p = t.p;
	struct drain_output *o = &set->out[i];
	enum anon_mode anon = t.publisher ? ANON_NONE : p ? p->anon : cfg->anon;
	bool verified_only = !t.publisher && (p ? p->verified_only : cfg->verified_only);
	struct keyring *keys = NULL;

	if (describe(o, cfg, &t)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (anon_key_len(anon) && !(keys = key_store_get(ks, anon, err, errlen)))
		return -1;
	if (feed_view_init(&set->views[i], f, o->name, p, anon, keys, t.format, verified_only, err,
			   errlen))
		return -1;
	set->views[i].evidence = t.publisher ? cfg->publish_evidence :
				 p	     ? p->evidence :
					       cfg->evidence;
	o->view = &set->views[i];
	o->format = t.format;
	set->reuse[i] = reusable(prev, o->name, t.path, t.format);
	if (set->reuse[i])
		return 0;
	if (p && output_check_partner_path(t.path, err, errlen))
		return -1;
	if (t.publisher) {
		o->sink = cfg->publisher;
		o->borrowed = true;
	} else if (!p && !strcmp(t.path, OUTPUT_FEED_NONE)) {
		o->sink = &discard_sink;
		o->borrowed = true;
		o->fresh = true;
		return 0; /* never refuses an epoch: no spool */
	}
	return output_open(o, t.path, t.format, p != NULL, cfg->state_fd, err, errlen);
}

/*
 * The fds the daemon holds besides its outputs: 53 with one partner, on a
 * running sensor (BPF maps and programs, the pid file's lock, signalfd,
 * timerfd, the metrics server's), rounded up for the sockets of metrics
 * scrapers and the bus.
 */
#define OUTPUT_FD_MARGIN 64

/* The fds open now; 0 when that cannot be read. */
static size_t fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n > 3 ? n - 3 : 0; /* ".", ".." and the directory's own */
}

/* What opening the set opens: a file and a spool per output that is not reused. */
static size_t fds_to_open(const struct output_set *set, const struct output_config *cfg,
			  struct output_set *prev)
{
	size_t n = 0;

	for (size_t i = 0; i < set->n; i++) {
		struct output_target t = target_of(set, i, cfg);

		if (reusable(prev, t.name, t.path, t.format))
			continue;
		if (t.publisher)
			n += 1; /* its spool */
		else if (t.p || strcmp(t.path, OUTPUT_FEED_NONE))
			n += 2;
	}
	return n;
}

/*
 * Room for every output's fds, checked before any file is made: a run
 * with too many partners is refused, not left failing half-way with files
 * behind. The soft limit is raised up to the hard one when that is enough.
 */
static int check_fd_budget(const struct output_set *set, const struct output_config *cfg,
			   struct output_set *prev, char *err, size_t errlen)
{
	size_t need = fds_open() + fds_to_open(set, cfg, prev) + OUTPUT_FD_MARGIN;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY || need <= rl.rlim_cur)
		return 0;
	if (rl.rlim_max == RLIM_INFINITY || need <= rl.rlim_max) {
		struct rlimit up = { .rlim_cur = rl.rlim_max == RLIM_INFINITY ? need : rl.rlim_max,
				     .rlim_max = rl.rlim_max };

		if (!setrlimit(RLIMIT_NOFILE, &up))
			return 0;
	}
	snprintf(
		err, errlen,
		"%zu partners need %zu open files (a file and a spool per output, and %d for the rest of the daemon), more than the limit of %llu (hard limit %llu): raise it (LimitNOFILE= in the systemd unit, ulimit -n in a shell) or give fewer partners",
		set->partners.n, need, OUTPUT_FD_MARGIN, (unsigned long long)rl.rlim_cur,
		(unsigned long long)rl.rlim_max);
	return -1;
}

/*
 * A set that failed half-way: remove the files this call made (empty, at
 * their names), so that a failed start leaves nothing behind. Never one
 * that was there before: an earlier run's spool keeps its records.
 */
static void unmake_files(struct output_set *set, bool made_dir, int state_fd)
{
	for (size_t i = 0; i < set->n; i++) {
		struct drain_output *o = &set->out[i];

		if (set->reuse[i])
			continue;
		if (!o->borrowed)
			sink_file_unmake(o->sink);
		sink_file_unmake(o->spool);
	}
	if (made_dir)
		unlinkat(state_fd, OUTPUT_PARTNER_DIR, AT_REMOVEDIR); /* only when empty */
}

/* The partners' spool directory, found in place: private, not a link. */
static int check_partner_dir(const struct output_config *cfg, char *err, size_t errlen)
{
	char shown[PATH_MAX];

	snprintf(shown, sizeof(shown), "%s/%s", cfg->state_dir, OUTPUT_PARTNER_DIR);
	return private_subdir_check(cfg->state_fd, OUTPUT_PARTNER_DIR, "partners' spool directory",
				    shown, err, errlen);
}

int output_set_open(struct output_set *set, const struct output_config *cfg,
		    struct partner_set *partners, const struct feed *f, struct key_store *ks,
		    struct output_set *prev, char *err, size_t errlen)
{
	bool made_dir = false;

	memset(set, 0, sizeof(*set));
	set->partners = *partners;
	memset(partners, 0, sizeof(*partners));
	set->n = 1 + set->partners.n + (cfg->publisher != NULL);
	set->out = calloc(set->n, sizeof(*set->out));
	set->views = calloc(set->n, sizeof(*set->views));
	set->reuse = calloc(set->n, sizeof(*set->reuse));
	if (!set->out || !set->views || !set->reuse) {
		snprintf(err, errlen, "out of memory");
		set->n = 0;
		goto fail;
	}
	if (check_fd_budget(set, cfg, prev, err, errlen))
		goto fail;
	if (set->n > 1) {
		made_dir = !mkdirat(cfg->state_fd, OUTPUT_PARTNER_DIR, 0700);
		if (!made_dir && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s/%s: %s", cfg->state_dir,
				 OUTPUT_PARTNER_DIR, strerror(errno));
			goto fail;
		}
		if (check_partner_dir(cfg, err, errlen))
			goto fail;
	}
	for (size_t i = 0; i < set->n; i++)
		if (setup_output(set, i, cfg, f, ks, prev, err, errlen))
			goto fail;
	return 0;
fail:
	if (set->n)
		unmake_files(set, made_dir, cfg->state_fd);
	/* Nothing of prev was taken: this closes only what this call opened. */
	output_set_close(set);
	return -1;
}

void output_set_take(struct output_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct drain_output *o = &set->out[i], *old = set->reuse[i];

		if (!old)
			continue;
		o->sink = old->sink;
		o->borrowed = old->borrowed;
		o->spool = old->spool;
		o->pos = old->pos;
		o->failing = old->failing;
		o->spool_full = old->spool_full;
		old->sink = old->spool = NULL;
		set->reuse[i] = NULL;
	}
}
