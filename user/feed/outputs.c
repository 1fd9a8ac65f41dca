// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "feed/outputs.h"

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
		       bool partner, char *err, size_t errlen)
{
	char why[512];

	/* A partner's output: a regular file only (a pipe could stall). */
	if (!o->sink)
		o->sink = sink_file_open(path, format, partner ? SINK_REGULAR : 0, why,
					 sizeof(why));
	if (!o->sink) {
		snprintf(err, errlen, "%s: %s", o->label, why);
		return -1;
	}
	/* Opened with --spool-max 0 too: what an earlier run spooled is delivered. */
	o->spool = sink_file_open(o->spool_path, format, SINK_NO_HEADER | SINK_REGULAR, why,
				  sizeof(why));
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

static int describe(struct drain_output *o, const struct output_config *cfg,
		    const struct partner *p, bool publisher)
{
	int ret;

	if (publisher) {
		o->name = strdup(OUTPUT_PUBLISH_NAME);
		ret = asprintf(&o->label, "publisher %s", cfg->publisher->name);
		if (ret >= 0)
			ret = asprintf(&o->spool_path, "%s/%s", cfg->state_dir,
				       OUTPUT_PUBLISH_SPOOL);
	} else if (!p) {
		o->name = strdup("feed");
		ret = asprintf(&o->label, "feed %s", cfg->feed_path);
		if (ret >= 0)
			ret = asprintf(&o->spool_path, "%s/%s", cfg->state_dir, OUTPUT_MAIN_SPOOL);
	} else {
		o->name = strdup(p->name);
		ret = asprintf(&o->label, "partner %s (%s)", p->name, p->output);
		if (ret >= 0)
			ret = asprintf(&o->spool_path, "%s/%s/%s.spool", cfg->state_dir,
				       OUTPUT_PARTNER_DIR, p->name);
	}
	return ret < 0 || !o->name ? -1 : 0;
}

/* Output i of the set: reused from prev, or opened. */
static int setup_output(struct output_set *set, size_t i, const struct output_config *cfg,
			const struct feed *f, struct key_store *ks, struct output_set *prev,
			char *err, size_t errlen)
{
	bool publisher = is_publisher(set, i);
	const struct partner *p = i && !publisher ? &set->partners.p[i - 1] : NULL;
	struct drain_output *o = &set->out[i];
	/* The publisher's view shows counts raw: they go to the operator's own hub. */
	enum record_format format = publisher ? FORMAT_COUNTS : p ? p->format : cfg->format;
	enum anon_mode anon = publisher ? ANON_NONE : p ? p->anon : cfg->anon;
	bool verified_only = !publisher && (p ? p->verified_only : cfg->verified_only);
	struct keyring *keys = NULL;
	const char *path = publisher ? cfg->publisher->name : p ? p->output : cfg->feed_path;

	if (describe(o, cfg, p, publisher)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (anon_key_len(anon) && !(keys = key_store_get(ks, anon, err, errlen)))
		return -1;
	if (feed_view_init(&set->views[i], f, o->name, p, anon, keys, format, verified_only, err,
			   errlen))
		return -1;
	o->view = &set->views[i];
	o->format = format;
	set->reuse[i] = reusable(prev, o->name, path, format);
	if (set->reuse[i])
		return 0;
	if (p && output_check_partner_path(path, err, errlen))
		return -1;
	if (publisher) {
		o->sink = cfg->publisher;
		o->borrowed = true;
	} else if (!p && !strcmp(path, OUTPUT_FEED_NONE)) {
		o->sink = &discard_sink;
		o->borrowed = true;
		o->fresh = true;
		return 0; /* never refuses an epoch: no spool */
	}
	return output_open(o, path, format, p != NULL, err, errlen);
}

int output_set_open(struct output_set *set, const struct output_config *cfg,
		    struct partner_set *partners, const struct feed *f, struct key_store *ks,
		    struct output_set *prev, char *err, size_t errlen)
{
	char dir[4096];

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
	snprintf(dir, sizeof(dir), "%s/%s", cfg->state_dir, OUTPUT_PARTNER_DIR);
	if (set->n > 1 && mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < set->n; i++)
		if (setup_output(set, i, cfg, f, ks, prev, err, errlen))
			goto fail;
	return 0;
fail:
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
