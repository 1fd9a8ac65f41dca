/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * botsink top without the terminal: samples of the pinned maps (what
 * kernel/census.h reads, and the drain state), the rates between two
 * samples, the sources of the interval being counted shown as the run's
 * feed shows them, and the screen as lines of text. cmd_top.c draws the
 * lines and reads the keys.
 */
#ifndef BOTSINK_TOP_H
#define BOTSINK_TOP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "botsink_abi.h"
#include "bus/publish.h"
#include "feed/feed.h"
#include "feed/outputs.h"
#include "kernel/census.h"
#include "kernel/loader.h"
#include "lib/strbuf.h"
#include "sensor/control.h"

/* What the sources pane ranks by (the key `s` goes round them). */
enum top_sort {
	TOP_BY_CHECKINS,
	TOP_BY_PACKETS,
	TOP_BY_BYTES,
	TOP_SORTS,
};

#define TOP_MAX_ATTACHED 4 /* interfaces named in the header */
#define TOP_PIPE_ROWS 10 /* sources shown when no terminal says how many fit */

/* One look at the maps. */
struct top_sample {
	uint64_t mono_ns; /* CLOCK_MONOTONIC when taken: the rates' clock */
	uint64_t coarse_ns; /* CLOCK_MONOTONIC_COARSE then: the drain state's clock */
	struct timespec wall;
	struct botsink_config cfg;
	struct botsink_drain_state drain;
	__u64 stats[BOTSINK_NSTATS];
	struct census_rule *rules; /* slot order */
	size_t nrules;
	/* The generation being counted: its sources with packets, of every kind. */
	struct botsink_source_count *sources;
	size_t nsources;
	size_t entries[BOTSINK_KINDS]; /* in each of its tables, catch-alls included */
	__u32 capacity[BOTSINK_KINDS];
	struct xdp_attachment attached[TOP_MAX_ATTACHED];
	size_t nattached; /* may exceed TOP_MAX_ATTACHED: the rest are counted */
	struct publish_status publisher;
	bool have_publisher;
};

/*
 * How the sources pane shows a source: as the run's public feed does, from
 * the view file it left in the state directory, with its keys opened
 * read-only. Without a usable key no source is shown.
 */
struct top_privacy {
	struct control_view run;
	struct feed feed; /* its truncation lengths */
	char keys_dir[PATH_MAX];
	struct key_store keys;
	struct feed_view view;
	bool ready; /* view is set up; else why says what is missing */
	char why[512];
};

struct top {
	const char *pin_dir, *state_dir;
	double interval;
	struct botsink_maps maps;
	bool maps_gone; /* the pins cannot be opened again: these are the last maps */
	enum top_sort sort;
	char family[BOTSINK_FAMILY_LEN]; /* the family filter; "": all */
	struct top_sample cur, prev;
	unsigned int samples; /* taken so far: prev is valid from 2 on */
	struct top_privacy privacy;
};

/* The maps under pin_dir, and the run's view: 0, or -1 with a reason. */
int top_open(struct top *t, const char *pin_dir, const char *state_dir, double interval, char *err,
	     size_t errlen);
/* A new sample; the one before stays for the rates. 0 or -errno. */
int top_refresh(struct top *t);
/*
 * The screen, lines ending in '\n', into out (emptied first). rows: the
 * terminal's height, for the sources pane (0: TOP_PIPE_ROWS sources);
 * keys: name the keys in the header.
 */
void top_render(struct top *t, struct strbuf *out, unsigned int rows, bool keys);
void top_next_sort(struct top *t);
/* The family filter: all, then each family by name, then all again. */
void top_next_family(struct top *t);
void top_close(struct top *t);

/* The helpers, for the tests. */
/* Per second, from two readings of a counter `seconds` apart (a counter that went back: 0). */
double top_rate(uint64_t now, uint64_t before, double seconds);
/* Highest first by the column, then by packets, then by key: the same order every time. */
void top_rank(struct botsink_source_count *s, size_t n, enum top_sort sort);
const char *top_sort_name(enum top_sort sort);

#endif
