// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "bus/publish.h"
#include "feed/record.h"
#include "kernel/counters.h"
#include "lib/log.h"
#include "lib/util.h"
#include "sensor/daemon.h"
#include "sensor/metrics.h"

/* The counter tables by kind, as the metrics name them. */
static const char *const table_names[BOTSINK_KINDS] = {
	[BOTSINK_KIND_SOURCES] = "sources",
	[BOTSINK_KIND_UNCLASSIFIED] = "unclassified",
	[BOTSINK_KIND_OVERFLOW] = "overflow",
	[BOTSINK_KIND_UNCL_OVERFLOW] = "unclassified_overflow",
};

/* The labels of sm->epochs and sm->reloads. */
static const char *const epoch_outcomes[] = { "committed", "held" };
static const char *const reload_results[] = { "applied", "refused" };

_Static_assert(ARRAY_SIZE(epoch_outcomes) == ARRAY_SIZE(((struct sensor_metrics *)0)->epochs),
	       "a label per epoch outcome");
_Static_assert(ARRAY_SIZE(reload_results) == ARRAY_SIZE(((struct sensor_metrics *)0)->reloads),
	       "a label per reload result");

static void render_frames(struct strbuf *out, const struct botsink_maps *m)
{
	__u64 v[BOTSINK_NSTATS];

	if (census_stats(m, v))
		return;
	expo_family(out, "botsink_frames_total", EXPO_COUNTER,
		    "Frames the XDP program saw, by bucket; each frame is in exactly one.");
	for (int i = 0; i < BOTSINK_CLASS_COUNT; i++)
		expo_u64(out, "botsink_frames_total", EXPO_LABELS("bucket", botsink_stat_names[i]),
			 v[i]);
	expo_family(
		out, "botsink_frame_events_total", EXPO_COUNTER,
		"Frames counted once more: overflow, uncounted, VLAN tag, handshake proven, answered, cookie failed, verification refused.");
	for (int i = BOTSINK_CLASS_COUNT; i < BOTSINK_NSTATS; i++)
		expo_u64(out, "botsink_frame_events_total",
			 EXPO_LABELS("event", botsink_stat_names[i]), v[i]);
}

static int refresh_rules(struct sensor_metrics *sm, const struct botsink_maps *m)
{
	unsigned int version = atomic_load(&sm->rules_version);

	struct census_rule *r;
	size_t n;

	if (sm->rules && version == sm->rules_seen)
		return census_hits(m, sm->rules, sm->nrules);
	if (census_rules(m, &r, &n))
		return -1;
	free(sm->rules);
	sm->rules = r;
	sm->nrules = n;
	sm->rules_seen = version;
	return 0;
}

/* The per-rule totals (botsink_hits), per family and per loaded rule (no bytes per rule). */
static const struct {
	struct expo_field family, rule;
} hit_metrics[] = {
	{ { "botsink_checkins_total", "Check-ins per family (SYNs, data segments once, datagrams).",
	    offsetof(struct botsink_rule_hits, checkins) },
	  { "botsink_rule_checkins_total", "Check-ins per rule loaded (sid 0: unclassified).",
	    offsetof(struct botsink_rule_hits, checkins) } },
	{ { "botsink_verified_checkins_total",
	    "Check-ins per family whose TCP handshake a SYN cookie proved.",
	    offsetof(struct botsink_rule_hits, checkins_verified) },
	  { "botsink_rule_verified_checkins_total", "Verified check-ins per rule loaded.",
	    offsetof(struct botsink_rule_hits, checkins_verified) } },
	{ { "botsink_packets_total", "Packets per family.",
	    offsetof(struct botsink_rule_hits, packets) },
	  { "botsink_rule_packets_total", "Packets per rule loaded.",
	    offsetof(struct botsink_rule_hits, packets) } },
	{ { "botsink_bytes_total", "Bytes per family (frames as XDP saw them).",
	    offsetof(struct botsink_rule_hits, bytes) },
	  { NULL, NULL, 0 } },
};

/* Per family: every slot, retired ones too, so that a total never shrinks. */
static void render_families(const struct sensor_metrics *sm, struct strbuf *out)
{
	struct census_family *fam;
	size_t nfam;

	if (census_families(sm->rules, sm->nrules, &fam, &nfam))
		return;
	for (size_t m = 0; m < ARRAY_SIZE(hit_metrics); m++) {
		const struct expo_field *f = &hit_metrics[m].family;

		expo_family(out, f->name, EXPO_COUNTER, f->help);
		for (size_t i = 0; i < nfam; i++)
			expo_u64(out, f->name, EXPO_LABELS("family", fam[i].name),
				 expo_field_value(&fam[i].hits, f));
	}
	free(fam);
}

/* Per sid: the rules loaded now, and slot 0 (sid 0: unclassified). */
static void render_sids(const struct sensor_metrics *sm, struct strbuf *out)
{
	char sid[16];

	for (size_t m = 0; m < ARRAY_SIZE(hit_metrics); m++) {
		const struct expo_field *f = &hit_metrics[m].rule;

		if (!f->name)
			continue;
		expo_family(out, f->name, EXPO_COUNTER, f->help);
		for (size_t i = 0; i < sm->nrules; i++) {
			const struct census_rule *r = &sm->rules[i];

			if (r->slot && !r->info.live)
				continue;
			snprintf(sid, sizeof(sid), "%u", r->info.sid);
			expo_u64(out, f->name, EXPO_LABELS("sid", sid, "family", r->info.family),
				 expo_field_value(&r->hits, f));
		}
	}
}

static void render_live_drain(const struct sensor_metrics *sm, struct strbuf *out)
{
	double since = (double)(clock_ns(CLOCK_MONOTONIC) - atomic_load(&sm->commit_mono_ns)) / 1e9;

	expo_family(
		out, "botsink_drain_last_commit_age_seconds", EXPO_GAUGE,
		"Seconds since this run last committed an epoch (before its first: since it started).");
	expo_double(out, "botsink_drain_last_commit_age_seconds", NULL, since);
}

static void render(void *arg, struct strbuf *out)
{
	struct sensor_metrics *sm = arg;
	const struct botsink_maps *m = atomic_load(&sm->maps);

	if (m) {
		render_frames(out, m);
		if (!refresh_rules(sm, m)) {
			render_families(sm, out);
			render_sids(sm, out);
		}
		render_live_drain(sm, out);
	}
	snapshot_copy(&sm->ep.snap, out);
}

int sensor_metrics_start(struct sensor_metrics *sm, const struct metrics_config *cfg, char *err,
			 size_t errlen)
{
	*sm = (struct sensor_metrics){ 0 };
	/* A run that never commits ages from its start: the alert sees it. */
	atomic_store(&sm->commit_mono_ns, clock_ns(CLOCK_MONOTONIC));
	histogram_init(&sm->epoch_seconds, expo_work_seconds, expo_work_seconds_n);
	return endpoint_start(&sm->ep, cfg, render, sm, err, errlen);
}

static void render_drain(const struct sensor_metrics *sm, const struct daemon *d, struct strbuf *sb)
{
	expo_family(sb, "botsink_drain_interval_seconds", EXPO_GAUGE,
		    "The drain interval (--interval): an epoch every so often.");
	expo_double(sb, "botsink_drain_interval_seconds", NULL, d->cfg->interval);
	expo_family(sb, "botsink_drain_last_epoch", EXPO_GAUGE,
		    "The last epoch committed (its records are in every output or its spool).");
	expo_u64(sb, "botsink_drain_last_epoch", NULL, sm->epoch);
	expo_family(sb, "botsink_drain_last_commit_timestamp_seconds", EXPO_GAUGE,
		    "When the last epoch was committed, Unix time (0: none yet in this run).");
	expo_double(sb, "botsink_drain_last_commit_timestamp_seconds", NULL,
		    (double)sm->commit_wall_ns / 1e9);
	expo_family(
		sb, "botsink_drain_epoch_duration_seconds", EXPO_HISTOGRAM,
		"How long a drain step took: swap, read, write to every output, commit, clear.");
	expo_histogram(sb, "botsink_drain_epoch_duration_seconds", NULL, &sm->epoch_seconds);
	expo_family(
		sb, "botsink_drain_epochs_total", EXPO_COUNTER,
		"Drain steps: committed, or held (an output failed; the counts wait in the kernel).");
	expo_u64_labelled(sb, "botsink_drain_epochs_total", "outcome", epoch_outcomes, sm->epochs,
			  ARRAY_SIZE(epoch_outcomes));
	expo_family(sb, "botsink_drain_epoch_records", EXPO_GAUGE,
		    "Records (source, rule counts) in the last epoch read out.");
	expo_u64(sb, "botsink_drain_epoch_records", NULL, d->drainer.last.records);
	expo_family(sb, "botsink_drain_records_total", EXPO_COUNTER,
		    "Records (source, rule counts) read out of the kernel in this run.");
	expo_u64(sb, "botsink_drain_records_total", NULL, sm->records);
}

static void render_tables(const struct daemon *d, struct strbuf *sb)
{
	const struct botsink_maps *m = &d->loader.maps;

	expo_family(
		sb, "botsink_table_entries", EXPO_GAUGE,
		"Entries of a counter table when its generation was last read out (its fullest).");
	for (int k = 0; k < BOTSINK_KINDS; k++)
		expo_u64(sb, "botsink_table_entries", EXPO_LABELS("table", table_names[k]),
			 d->drainer.last.entries[k]);
	expo_family(sb, "botsink_table_capacity", EXPO_GAUGE,
		    "Entries a counter table can hold (per generation).");
	for (int k = 0; k < BOTSINK_KINDS; k++)
		expo_u64(sb, "botsink_table_capacity", EXPO_LABELS("table", table_names[k]),
			 census_capacity(m, k, 0));
}

/* An output's label: feed, publish, or partner:NAME. */
static void output_label(const struct drain_output *o, bool first, char *buf, size_t len)
{
	if (first)
		snprintf(buf, len, "feed");
	else if (!strcmp(o->name, OUTPUT_PUBLISH_NAME))
		snprintf(buf, len, "publish");
	else
		snprintf(buf, len, "partner:%s", o->name);
}

static void render_outputs(const struct daemon *d, struct strbuf *sb)
{
	char label[BUS_NAME_MAX + 16];

	expo_family(sb, "botsink_spool_bytes", EXPO_GAUGE,
		    "Bytes of records committed to an output's spool and not yet delivered to it.");
	for (size_t i = 0; i < d->drainer.nout; i++) {
		const struct drain_output *o = &d->drainer.out[i];

		output_label(o, i == 0, label, sizeof(label));
		expo_u64(sb, "botsink_spool_bytes", EXPO_LABELS("output", label),
			 o->pos.spool_size - o->pos.spool_head);
	}
	expo_family(sb, "botsink_output_failing", EXPO_GAUGE,
		    "1 while an output refuses writes (its epochs go to its spool).");
	for (size_t i = 0; i < d->drainer.nout; i++) {
		output_label(&d->drainer.out[i], i == 0, label, sizeof(label));
		expo_u64(sb, "botsink_output_failing", EXPO_LABELS("output", label),
			 d->drainer.out[i].failing);
	}
}

static void render_publisher(const struct sensor_metrics *sm, const struct daemon *d,
			     struct strbuf *sb)
{
	static const struct expo_field counts[] = {
		{ "botsink_publish_messages_total", "Messages of counts published to the bus.",
		  offsetof(struct publish_stats, messages) },
		{ "botsink_publish_acked_messages_total", "Of them, stored by the stream.",
		  offsetof(struct publish_stats, acked) },
		{ "botsink_publish_duplicate_messages_total",
		  "Of those, repeats the stream dropped (an epoch published again).",
		  offsetof(struct publish_stats, duplicates) },
		{ "botsink_publish_failed_messages_total",
		  "Messages refused or not acknowledged in time (their epoch waits in the spool).",
		  offsetof(struct publish_stats, failed) },
		{ "botsink_publish_skipped_messages_total",
		  "Messages the stream held already before a restart: not published again.",
		  offsetof(struct publish_stats, skipped) },
	};
	struct publish_stats st;
	uint64_t since; /* epochs up to it are not waiting in this run's spool */
	bool waiting;

	if (!d->publisher)
		return;
	publisher_stats(d->publisher, &st);
	expo_family(sb, "botsink_publish_connected", EXPO_GAUGE,
		    "1 while the publisher is connected to the cluster.");
	expo_u64(sb, "botsink_publish_connected", NULL, st.connected);
	for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
		expo_family(sb, counts[i].name, EXPO_COUNTER, counts[i].help);
		expo_u64(sb, counts[i].name, NULL, expo_field_value(&st, &counts[i]));
	}
	since = st.acked_epoch > sm->epoch_at_start ? st.acked_epoch : sm->epoch_at_start;
	/* The publisher is the last output. */
	waiting = d->drainer.out[d->drainer.nout - 1].pos.spool_size >
		  d->drainer.out[d->drainer.nout - 1].pos.spool_head;
	expo_family(sb, "botsink_publish_acked_epoch", EXPO_GAUGE,
		    "The last epoch of which a message was acknowledged (0: none in this run).");
	expo_u64(sb, "botsink_publish_acked_epoch", NULL, st.acked_epoch);
	expo_family(
		sb, "botsink_publish_pending_epochs", EXPO_GAUGE,
		"Epochs committed to the publisher's spool and not yet acknowledged (at most).");
	expo_u64(sb, "botsink_publish_pending_epochs", NULL,
		 waiting && sm->epoch > since ? sm->epoch - since : 0);
}

static void render_rules(const struct sensor_metrics *sm, const struct daemon *d, struct strbuf *sb)
{
	expo_family(sb, "botsink_rules_loaded", EXPO_GAUGE, "Rules in the running rule set.");
	expo_u64(sb, "botsink_rules_loaded", NULL, d->rules.n);
	expo_family(sb, "botsink_rule_reloads_total", EXPO_COUNTER,
		    "Rule (and partner) reloads: applied, or refused and the running ones kept.");
	expo_u64_labelled(sb, "botsink_rule_reloads_total", "result", reload_results, sm->reloads,
			  ARRAY_SIZE(reload_results));
}

/* The key each keyed view used for the last epoch (key ids are public: records carry them). */
static void render_keys(const struct sensor_metrics *sm, const struct daemon *d, struct strbuf *sb)
{
	long long t = (long long)(sm->epoch_end_ns / 1000000000ULL);
	char err[256], label[BUS_NAME_MAX + 16];

	if (!t)
		return; /* no epoch drained in this run: no key chosen yet */
	expo_family(
		sb, "botsink_anon_key_info", EXPO_GAUGE,
		"The pseudonyms' key each output used for the last epoch (1), by mode and key id.");
	for (size_t i = 0; i < d->drainer.nout; i++) {
		const struct drain_output *o = &d->drainer.out[i];
		const struct anon_key *k;

		if (!o->view || !o->view->keys)
			continue;
		/* The key the drain chose for that epoch: nothing new is made. */
		k = keyring_key_for(o->view->keys, t, err, sizeof(err));
		if (!k)
			continue;
		output_label(o, i == 0, label, sizeof(label));
		expo_u64(sb, "botsink_anon_key_info",
			 EXPO_LABELS("output", label, "mode", anon_mode_name(o->view->anon),
				     "key_id", k->id),
			 1);
	}
}

static void publish_snapshot(struct sensor_metrics *sm, const struct daemon *d)
{
	struct strbuf *sb = &sm->ep.scratch;

	expo_family(sb, "botsink_start_time_seconds", EXPO_GAUGE,
		    "When this botsink run started, Unix time.");
	expo_double(sb, "botsink_start_time_seconds", NULL, sm->ep.started);
	render_drain(sm, d, sb);
	render_tables(d, sb);
	render_outputs(d, sb);
	render_publisher(sm, d, sb);
	render_rules(sm, d, sb);
	render_keys(sm, d, sb);
	endpoint_publish(&sm->ep);
}

void sensor_metrics_drained(struct sensor_metrics *sm, const struct daemon *d, int outcome,
			    double seconds)
{
	struct botsink_drain_state st;
	__u32 zero = 0;

	if (!sm->ep.server)
		return;
	histogram_observe(&sm->epoch_seconds, seconds);
	if (outcome == DRAIN_HELD)
		sm->epochs[1]++;
	/* A step may only clear or deliver spools: a commit moves the epoch. */
	if (outcome == DRAIN_DONE && !bpf_map_lookup_elem(d->loader.maps.drain, &zero, &st) &&
	    st.epoch != sm->epoch) {
		sm->epoch = st.epoch;
		sm->epoch_end_ns = st.wall_ns;
		sm->epochs[0]++;
		sm->records += d->drainer.last.records;
		sm->commit_wall_ns = clock_ns(CLOCK_REALTIME);
		atomic_store(&sm->commit_mono_ns, clock_ns(CLOCK_MONOTONIC));
	}
	publish_snapshot(sm, d);
}

void sensor_metrics_ready(struct sensor_metrics *sm, const struct daemon *d)
{
	struct botsink_drain_state st;
	__u32 zero = 0;

	if (!sm->ep.server)
		return;
	/* Pins kept from an earlier run hold its epochs: they are not this run's commits. */
	if (!bpf_map_lookup_elem(d->loader.maps.drain, &zero, &st))
		sm->epoch = sm->epoch_at_start = st.epoch;
	atomic_store(&sm->maps, &d->loader.maps);
	publish_snapshot(sm, d);
}

void sensor_metrics_reloaded(struct sensor_metrics *sm, const struct daemon *d, bool applied)
{
	if (!sm->ep.server)
		return;
	sm->reloads[!applied]++;
	if (applied)
		atomic_fetch_add(&sm->rules_version, 1);
	publish_snapshot(sm, d);
}

void sensor_metrics_stop(struct sensor_metrics *sm)
{
	if (!sm->ep.live)
		return;
	endpoint_stop(&sm->ep);
	free(sm->rules);
	sm->rules = NULL;
}
