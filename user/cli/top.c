// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* botsink top's samples, rates and screen; cmd_top.c is the terminal side. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "cli/top.h"
#include "kernel/counters.h"
#include "kernel/install.h"
#include "lib/keywords.h"
#include "lib/utc.h"
#include "lib/util.h"

/* The rule list is read whole this often (and when the rule set changes); else only the hits. */
#define RULES_REREAD 16
#define FAMILY_WIDTH 24

static const char *const sort_names[TOP_SORTS] = { "check-ins", "packets", "bytes" };
static const char *const kind_names[BOTSINK_KINDS] = { "sources", "unclassified", "overflow",
						       "unclassified overflow" };

const char *top_sort_name(enum top_sort sort)
{
	return sort < TOP_SORTS ? sort_names[sort] : "?";
}

double top_rate(uint64_t now, uint64_t before, double seconds)
{
	if (now < before || seconds <= 0)
		return 0;
	return (double)(now - before) / seconds;
}

static uint64_t sort_value(const struct botsink_source_count *s, enum top_sort sort)
{
	return sort == TOP_BY_BYTES   ? s->total.bytes :
	       sort == TOP_BY_PACKETS ? s->total.packets :
					s->total.checkins;
}

static int by_column(const void *a, const void *b, void *arg)
{
	const struct botsink_source_count *x = a, *y = b;
	enum top_sort sort = *(const enum top_sort *)arg;
	uint64_t vx = sort_value(x, sort), vy = sort_value(y, sort);

	if (vx != vy)
		return vx > vy ? -1 : 1;
	if (x->total.packets != y->total.packets)
		return x->total.packets > y->total.packets ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

void top_rank(struct botsink_source_count *s, size_t n, enum top_sort sort)
{
	qsort_r(s, n, sizeof(*s), by_column, &sort);
}

/* The privacy side: the run's view file, its keys (read-only). */

static void privacy_close(struct top_privacy *p)
{
	if (p->ready)
		feed_view_free(&p->view);
	key_store_close(&p->keys);
	p->ready = false;
}

static void privacy_open(struct top_privacy *p, const char *state_dir,
			 const struct control_view *run)
{
	struct keyring *kr = NULL;

	p->run = *run;
	p->why[0] = '\0';
	feed_init(&p->feed, NULL, run->truncate.v4, run->truncate.v6, "");
	snprintf(p->keys_dir, sizeof(p->keys_dir), "%s/%s", state_dir, KEYRING_DIR);
	p->keys = (struct key_store){ .dir = p->keys_dir,
				      .fixed_key = run->key_path[0] ? run->key_path : NULL,
				      .fixed_mode = run->anon,
				      .truncate_v4 = run->truncate.v4,
				      .truncate_v6 = run->truncate.v6,
				      .read_only = true };
	if (anon_key_len(run->anon) &&
	    !(kr = key_store_get(&p->keys, run->anon, p->why, sizeof(p->why))))
		return;
	p->ready = !feed_view_init(&p->view, &p->feed, "top", NULL, run->anon, kr, FORMAT_JSONL,
				   false, p->why, sizeof(p->why));
}

/* The view file read again: a new run may show sources otherwise; a key may have come. */
static void privacy_refresh(struct top_privacy *p, const char *state_dir)
{
	struct control_view run;

	control_read_view(state_dir, &run);
	if (p->ready && !memcmp(&run, &p->run, sizeof(run)))
		return;
	privacy_close(p);
	privacy_open(p, state_dir, &run);
}

/* Reading the maps. */

static void sample_free(struct top_sample *s)
{
	free(s->rules);
	free(s->sources);
	memset(s, 0, sizeof(*s));
}

/*
 * The rule list: read whole now and then, after a reload (the rule set
 * changed) and on new maps (another incarnation); else the last one with
 * its hits read again, which reads only up to the last slot in use.
 */
static int sample_rules(struct top *t, struct top_sample *s)
{
	const struct top_sample *p = &t->cur;
	bool whole = !t->samples || p->cfg.ruleset != s->cfg.ruleset ||
		     p->drain.incarnation != s->drain.incarnation ||
		     t->samples % RULES_REREAD == 0;

	if (whole)
		return census_rules(&t->maps, &s->rules, &s->nrules);
	s->rules = malloc((p->nrules ? p->nrules : 1) * sizeof(*s->rules));
	if (!s->rules)
		return -ENOMEM;
	memcpy(s->rules, p->rules, p->nrules * sizeof(*s->rules));
	s->nrules = p->nrules;
	return census_hits(&t->maps, s->rules, s->nrules);
}

/* One table of the generation being counted: its entries counted, those with packets kept. */
static int sample_table(const struct botsink_maps *m, struct top_sample *s, int kind, int gen)
{
	struct botsink_source_count *items;
	size_t n;
	int ret = census_table(m, kind, gen, &items, &n);

	if (ret)
		return ret;
	s->entries[kind] = n;
	s->capacity[kind] = census_capacity(m, kind, gen);
	if (!array_grow((void **)&s->sources, s->nsources + n, sizeof(*s->sources))) {
		free(items);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (items[i].total.packets)
			s->sources[s->nsources++] = items[i];
	free(items);
	return 0;
}

static int sample_take(struct top *t, struct top_sample *s)
{
	const struct botsink_maps *m = &t->maps;
	char path[PATH_MAX];
	__u32 zero = 0;
	int ret, gen;

	s->mono_ns = clock_ns(CLOCK_MONOTONIC);
	s->coarse_ns = clock_ns(CLOCK_MONOTONIC_COARSE);
	clock_gettime(CLOCK_REALTIME, &s->wall);
	if (bpf_map_lookup_elem(m->config, &zero, &s->cfg) ||
	    bpf_map_lookup_elem(m->drain, &zero, &s->drain))
		return -errno;
	ret = census_stats(m, s->stats);
	if (!ret)
		ret = sample_rules(t, s);
	gen = (int)(s->cfg.generation & 1);
	for (int kind = 0; kind < BOTSINK_KINDS && !ret; kind++)
		ret = sample_table(m, s, kind, gen);
	if (ret)
		return ret;
	s->nattached = find_attachments(m, s->attached, TOP_MAX_ATTACHED);
	snprintf(path, sizeof(path), "%s/%s", t->state_dir, PUBLISH_STATUS_FILE);
	s->have_publisher = !publish_status_read(path, &s->publisher);
	return 0;
}

/* The pins opened again: a new run may have made new maps. */
static void reopen_maps(struct top *t)
{
	struct botsink_maps m;
	char err[512];

	t->maps_gone = maps_open_pinned(t->pin_dir, &m, err, sizeof(err)) != 0;
	if (t->maps_gone)
		return;
	maps_close(&t->maps);
	t->maps = m;
}

int top_open(struct top *t, const char *pin_dir, const char *state_dir, double interval, char *err,
	     size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->pin_dir = pin_dir;
	t->state_dir = state_dir;
	t->interval = interval;
	if (maps_open_pinned(pin_dir, &t->maps, err, errlen))
		return -1;
	privacy_refresh(&t->privacy, state_dir);
	return 0;
}

int top_refresh(struct top *t)
{
	struct top_sample s = { 0 };
	int ret;

	if (t->samples)
		reopen_maps(t);
	privacy_refresh(&t->privacy, t->state_dir);
	ret = sample_take(t, &s);
	if (ret) {
		sample_free(&s);
		return ret;
	}
	sample_free(&t->prev);
	t->prev = t->cur;
	t->cur = s;
	t->samples++;
	return 0;
}

void top_close(struct top *t)
{
	sample_free(&t->cur);
	sample_free(&t->prev);
	privacy_close(&t->privacy);
	maps_close(&t->maps);
}

/* The screen. */

/* Text from the maps (a rule's family), control bytes made harmless to a terminal. */
static void put_name(struct strbuf *sb, const char *s, int width)
{
	int n = 0;

	for (; *s; s++, n++) {
		unsigned char c = (unsigned char)*s;
		char safe = c < 0x20 || c == 0x7f ? '?' : (char)c;

		sb_append(sb, &safe, 1);
	}
	for (; n < width; n++)
		sb_lit(sb, " ");
}

static double elapsed(const struct top *t)
{
	return t->samples < 2 ? 0 : (double)(t->cur.mono_ns - t->prev.mono_ns) / 1e9;
}

/* A rate in a column of `width`; "-" until there are two samples. */
static void put_rate(struct strbuf *sb, const struct top *t, uint64_t now, uint64_t before,
		     int width)
{
	if (t->samples < 2)
		sb_printf(sb, "%*s", width, "-");
	else
		sb_printf(sb, "%*.1f", width, top_rate(now, before, elapsed(t)));
}

static void render_header(const struct top *t, struct strbuf *sb, bool keys)
{
	const struct top_sample *s = &t->cur;
	char when[32];

	format_utc_seconds(&s->wall, ' ', " UTC", when, sizeof(when));
	sb_printf(sb, "botsink top  %s  every %g s%s\n", when, t->interval,
		  keys ? "  (q quit, s sort, f family)" : "");
	sb_printf(sb, "pins:      %s%s\n", t->pin_dir,
		  t->maps_gone ? "  (gone: the last maps are shown)" : "");
	for (size_t i = 0; i < s->nattached && i < TOP_MAX_ATTACHED; i++)
		sb_printf(sb, "%-11s%s (ifindex %u): %s XDP, program %s id %u\n",
			  i ? "" : "attached:", s->attached[i].ifname, s->attached[i].ifindex,
			  s->attached[i].mode, s->attached[i].prog, s->attached[i].id);
	if (s->nattached > TOP_MAX_ATTACHED)
		sb_printf(sb, "%-11sand %zu more\n", "", s->nattached - TOP_MAX_ATTACHED);
	if (!s->nattached)
		sb_lit(sb, "attached:  nowhere in this network namespace\n");
	sb_printf(sb,
		  "config:    verdict %s, responder %s, rule set %u, counting into generation %u\n",
		  keyword_name(verdict_names, (int)s->cfg.verdict, "pass"),
		  keyword_name(respond_names, (int)s->cfg.respond, "none"), s->cfg.ruleset,
		  s->cfg.generation & 1);
}

static void render_drain(const struct top *t, struct strbuf *sb)
{
	static const char *const phases[] = { "idle", "writing", "clearing" };
	const struct top_sample *s = &t->cur;
	const struct botsink_drain_state *d = &s->drain;
	const struct publish_status *p = &s->publisher;

	if (!d->mono_ns)
		sb_lit(sb, "drain:     no daemon drained yet\n");
	else
		sb_printf(
			sb,
			"drain:     epoch %llu committed, %s; generation %u counting for %.1f s\n",
			(unsigned long long)d->epoch, d->phase < 3 ? phases[d->phase] : "?",
			s->cfg.generation & 1,
			s->coarse_ns > d->mono_ns ? (double)(s->coarse_ns - d->mono_ns) / 1e9 :
						    0.0);
	sb_printf(sb, "spool:     %llu bytes waiting for the feed\n",
		  (unsigned long long)(d->spool_size - d->spool_head));
	if (!s->have_publisher)
		return;
	sb_printf(sb, "publisher: %s; ", p->connected ? "connected" : "away");
	if (p->have_epoch)
		sb_printf(sb, "last acknowledged epoch %llu; ", p->last_epoch);
	sb_printf(sb, "%llu published, %llu acknowledged, %llu refused; spool %llu bytes\n",
		  p->messages, p->acked, p->failed, p->spool_bytes);
}

/* The buckets and their total on the left, the other counts on the right. */
static void render_stats(const struct top *t, struct strbuf *sb)
{
	const __u64 *now = t->cur.stats, *before = t->prev.stats;
	const int extras = BOTSINK_NSTATS - BOTSINK_CLASS_COUNT;
	const int rows = BOTSINK_CLASS_COUNT + 1 > extras ? BOTSINK_CLASS_COUNT + 1 : extras;
	__u64 total = 0, total_before = 0;

	for (int i = 0; i < BOTSINK_CLASS_COUNT; i++) {
		total += now[i];
		total_before += before[i];
	}
	sb_printf(sb, "\n%-14s%10s%14s   %-14s%10s%14s\n", "FRAMES", "/s", "total", "EVENTS", "/s",
		  "total");
	for (int r = 0; r < rows; r++) {
		int x = BOTSINK_CLASS_COUNT + r;

		if (r < BOTSINK_CLASS_COUNT) {
			sb_printf(sb, "%-14s", botsink_stat_names[r]);
			put_rate(sb, t, now[r], before[r], 10);
			sb_printf(sb, "%14llu   ", (unsigned long long)now[r]);
		} else if (r == BOTSINK_CLASS_COUNT) {
			sb_printf(sb, "%-14s", "total");
			put_rate(sb, t, total, total_before, 10);
			sb_printf(sb, "%14llu   ", (unsigned long long)total);
		} else {
			sb_printf(sb, "%41s", "");
		}
		if (x < BOTSINK_NSTATS) {
			sb_printf(sb, "%-14s", botsink_stat_names[x]);
			put_rate(sb, t, now[x], before[x], 10);
			sb_printf(sb, "%14llu", (unsigned long long)now[x]);
		}
		sb_lit(sb, "\n");
	}
}

/* A family's totals and what they grew by since the last sample. */
struct family_row {
	const struct census_family *now, *grown;
};

static int by_growth(const void *a, const void *b)
{
	const struct family_row *x = a, *y = b;

	if (x->grown->hits.checkins != y->grown->hits.checkins)
		return x->grown->hits.checkins > y->grown->hits.checkins ? -1 : 1;
	if (x->now->hits.checkins != y->now->hits.checkins)
		return x->now->hits.checkins > y->now->hits.checkins ? -1 : 1;
	return strcmp(x->now->name, y->now->name);
}

/* The hits of the last sample's slot holding the same sid; NULL: none (a new rule). */
static const struct botsink_rule_hits *hits_before(const struct top_sample *p,
						   const struct census_rule *r)
{
	size_t lo = 0, hi = p->nrules;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->rules[mid].slot == r->slot)
			return p->rules[mid].info.sid == r->info.sid ? &p->rules[mid].hits : NULL;
		if (p->rules[mid].slot < r->slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static __u64 grown(__u64 now, __u64 before)
{
	return now > before ? now - before : 0;
}

/* The rule list with each slot's hits since the last sample. */
static struct census_rule *rules_grown(const struct top *t)
{
	const struct top_sample *s = &t->cur;
	struct census_rule *g = malloc((s->nrules ? s->nrules : 1) * sizeof(*g));

	for (size_t i = 0; g && i < s->nrules; i++) {
		const struct botsink_rule_hits *b =
			t->samples < 2 ? NULL : hits_before(&t->prev, &s->rules[i]);
		const struct botsink_rule_hits *h = &s->rules[i].hits;

		g[i] = s->rules[i];
		memset(&g[i].hits, 0, sizeof(g[i].hits));
		if (!b)
			continue;
		g[i].hits.packets = grown(h->packets, b->packets);
		g[i].hits.bytes = grown(h->bytes, b->bytes);
		g[i].hits.checkins = grown(h->checkins, b->checkins);
		g[i].hits.checkins_verified = grown(h->checkins_verified, b->checkins_verified);
	}
	return g;
}

static void render_family_row(const struct top *t, struct strbuf *sb, const struct family_row *f)
{
	put_name(sb, f->now->name, FAMILY_WIDTH);
	put_rate(sb, t, f->grown->hits.checkins, 0, 13);
	put_rate(sb, t, f->grown->hits.packets, 0, 12);
	put_rate(sb, t, f->grown->hits.checkins_verified, 0, 12);
	sb_printf(sb, "%14llu\n", (unsigned long long)f->now->hits.checkins);
}

static const char *filter_name(const struct top *t)
{
	return t->family[0] ? t->family : "all";
}

/* Each family's check-ins, packets and verified check-ins per second, busiest first. */
static void render_families(const struct top *t, struct strbuf *sb)
{
	const struct top_sample *s = &t->cur;
	struct census_rule *g = rules_grown(t);
	struct census_family *now = NULL, *more = NULL;
	struct family_row *rows = NULL;
	size_t n = 0, m = 0;

	sb_printf(sb, "\n%-*s%13s%12s%12s%14s   family: ", FAMILY_WIDTH, "FAMILY", "CHECK-INS/s",
		  "PACKETS/s", "VERIFIED/s", "CHECK-INS");
	put_name(sb, filter_name(t), 0);
	sb_lit(sb, "\n");
	if (!g || census_families(s->rules, s->nrules, &now, &n) ||
	    census_families(g, s->nrules, &more, &m) || m != n ||
	    !(rows = calloc(n ? n : 1, sizeof(*rows)))) {
		sb_lit(sb, "(out of memory)\n");
		goto out;
	}
	/* Both lists come from the same slots: the families are in the same order. */
	for (size_t i = 0; i < n; i++)
		rows[i] = (struct family_row){ &now[i], &more[i] };
	qsort(rows, n, sizeof(*rows), by_growth);
	for (size_t i = 0; i < n; i++)
		if (!t->family[0] || !strcmp(t->family, rows[i].now->name))
			render_family_row(t, sb, &rows[i]);
out:
	free(rows);
	free(now);
	free(more);
	free(g);
}

/* How full each table of the generation being counted is. */
static void render_tables(const struct top *t, struct strbuf *sb)
{
	const struct top_sample *s = &t->cur;

	sb_printf(sb, "\nTABLES     generation %u:", s->cfg.generation & 1);
	for (int kind = 0; kind < BOTSINK_KINDS; kind++) {
		double fill = s->capacity[kind] ?
				      100.0 * (double)s->entries[kind] / (double)s->capacity[kind] :
				      0.0;

		if (kind == BOTSINK_KINDS / 2)
			sb_lit(sb, ",\n          ");
		else if (kind)
			sb_lit(sb, ",");
		sb_printf(sb, " %s %zu of %u (%.1f%%)", kind_names[kind], s->entries[kind],
			  s->capacity[kind], fill);
	}
	sb_lit(sb, "\n");
}

/* A sid's family, from the rule list sorted by sid. */
struct sid_family {
	__u32 sid;
	const char *family;
};

static int by_sid(const void *a, const void *b)
{
	const struct sid_family *x = a, *y = b;

	return (x->sid > y->sid) - (x->sid < y->sid);
}

static struct sid_family *sid_index(const struct top_sample *s)
{
	struct sid_family *idx = malloc((s->nrules ? s->nrules : 1) * sizeof(*idx));

	for (size_t i = 0; idx && i < s->nrules; i++)
		idx[i] = (struct sid_family){ s->rules[i].info.sid, s->rules[i].info.family };
	if (idx)
		qsort(idx, s->nrules, sizeof(*idx), by_sid);
	return idx;
}

static const char *family_of(const struct sid_family *idx, size_t n, __u32 sid)
{
	struct sid_family want = { .sid = sid }, *found;

	if (sid == BOTSINK_SID_ANY)
		return "(any)"; /* a catch-all: every rule of an address family */
	found = bsearch(&want, idx, n, sizeof(*idx), by_sid);
	return found ? found->family : "unknown";
}

/* The sources in the family filter, ranked: malloc'd, *n of them. */
static struct botsink_source_count *ranked(const struct top *t, const struct sid_family *idx,
					   size_t *n)
{
	const struct top_sample *s = &t->cur;
	struct botsink_source_count *r = malloc((s->nsources ? s->nsources : 1) * sizeof(*r));

	*n = 0;
	for (size_t i = 0; r && i < s->nsources; i++)
		if (!t->family[0] ||
		    !strcmp(t->family, family_of(idx, s->nrules, s->sources[i].key.sid)))
			r[(*n)++] = s->sources[i];
	if (r)
		top_rank(r, *n, t->sort);
	return r;
}

/*
 * The anonymizer's key for now (ipcrypt modes), or NULL; *hidden when no
 * source may be shown (no key), with the reason in the privacy's why.
 */
static const struct anon_key *key_now(struct top *t, bool *hidden)
{
	struct top_privacy *p = &t->privacy;
	const struct anon_key *key = NULL;

	*hidden = !p->ready;
	if (p->ready && p->view.keys) {
		key = keyring_key_for(p->view.keys, (long long)t->cur.wall.tv_sec, p->why,
				      sizeof(p->why));
		*hidden = !key;
	}
	return key;
}

/* How the sources below are shown: as the run's feed shows them. */
static void render_privacy(const struct top *t, struct strbuf *sb, const struct anon_key *key,
			   bool hidden)
{
	const struct control_view *run = &t->privacy.run;

	sb_printf(sb, "sources:   as the feed shows them, %s", anon_mode_name(run->anon));
	if (hidden)
		sb_printf(sb, "; no key, so none shown (%s)", t->privacy.why);
	else if (key)
		sb_printf(sb, ", key %s", key->id);
	else if (run->anon == ANON_TRUNCATE)
		sb_printf(sb, " %u,%u", run->truncate.v4, run->truncate.v6);
	else
		sb_lit(sb, ": raw addresses");
	sb_lit(sb, "\n");
}

/* A column's heading, marked when the sources are ranked by it. */
static void put_heading(struct strbuf *sb, const struct top *t, enum top_sort col, const char *name,
			int width)
{
	char text[32];

	snprintf(text, sizeof(text), "%s%s", name, t->sort == col ? "*" : "");
	sb_printf(sb, " %*s", width, text);
}

#define SOURCE_MIN_WIDTH 15 /* "255.255.255.255" */

/* The busiest sources of the interval being counted, as many as fit. */
static void render_sources(struct top *t, struct strbuf *sb, size_t limit,
			   const struct anon_key *key, bool hidden)
{
	struct sid_family *idx = sid_index(&t->cur);
	struct botsink_source_count *r = NULL;
	char(*text)[PREFIX_TEXT_LEN] = NULL;
	int width = SOURCE_MIN_WIDTH;
	size_t n = 0;

	if (idx)
		r = ranked(t, idx, &n);
	limit = n < limit ? n : limit;
	text = calloc(limit ? limit : 1, sizeof(*text));
	sb_printf(sb, "\nSOURCES    %zu this interval, by %s; family: ", n, top_sort_name(t->sort));
	put_name(sb, filter_name(t), 0);
	sb_lit(sb, "\n");
	if (!idx || !r || !text) {
		sb_lit(sb, "(out of memory)\n");
		goto out;
	}
	for (size_t i = 0; i < limit; i++) {
		if (hidden)
			snprintf(text[i], sizeof(text[i]), "(no key)");
		else
			feed_view_source(&t->privacy.view, key, &r[i], text[i], sizeof(text[i]));
		if ((int)strlen(text[i]) > width)
			width = (int)strlen(text[i]);
	}
	sb_printf(sb, "%-*s %10s %-16s", width, "SOURCE", "SID", "FAMILY");
	put_heading(sb, t, TOP_BY_CHECKINS, "CHECK-INS", 11);
	put_heading(sb, t, TOP_BY_PACKETS, "PACKETS", 11);
	put_heading(sb, t, TOP_BY_BYTES, "BYTES", 14);
	sb_lit(sb, "\n");
	for (size_t i = 0; i < limit; i++) {
		const struct botsink_source_count *c = &r[i];

		sb_printf(sb, "%-*s ", width, text[i]);
		if (c->key.sid == BOTSINK_SID_ANY)
			sb_printf(sb, "%10s ", "any");
		else
			sb_printf(sb, "%10u ", c->key.sid);
		put_name(sb, family_of(idx, t->cur.nrules, c->key.sid), 16);
		sb_printf(sb, " %11llu %11llu %14llu\n", (unsigned long long)c->total.checkins,
			  (unsigned long long)c->total.packets, (unsigned long long)c->total.bytes);
	}
out:
	free(text);
	free(r);
	free(idx);
}

static size_t lines_in(const struct strbuf *sb)
{
	size_t n = 0;

	for (size_t i = 0; i < sb->len; i++)
		n += sb->buf[i] == '\n';
	return n;
}

void top_render(struct top *t, struct strbuf *out, unsigned int rows, bool keys)
{
	size_t used, limit = TOP_PIPE_ROWS;
	bool hidden;
	const struct anon_key *key = key_now(t, &hidden);

	sb_reset(out);
	render_header(t, out, keys);
	render_drain(t, out);
	render_privacy(t, out, key, hidden);
	render_stats(t, out);
	render_families(t, out);
	render_tables(t, out);
	/* The sources pane: its heading, column names, and what fits below. */
	used = lines_in(out) + 3;
	if (rows)
		limit = rows > used ? rows - used : 0;
	render_sources(t, out, limit, key, hidden);
}

void top_next_sort(struct top *t)
{
	t->sort = (t->sort + 1) % TOP_SORTS;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct census_family *)a)->name,
		      ((const struct census_family *)b)->name);
}

void top_next_family(struct top *t)
{
	struct census_family *fam;
	size_t n, i;

	if (census_families(t->cur.rules, t->cur.nrules, &fam, &n))
		return;
	qsort(fam, n, sizeof(*fam), by_name);
	/* After the filter's family (none: before the first), the next one; after the last, all. */
	for (i = 0; t->family[0] && i < n && strcmp(fam[i].name, t->family) <= 0; i++)
		;
	snprintf(t->family, sizeof(t->family), "%s", i < n ? fam[i].name : "");
	free(fam);
}
