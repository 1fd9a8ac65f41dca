/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What both benches (bench.c, bus_bench.c) start from: a million synthetic
 * drained counts, and the public file feed they are written to, so that
 * the bus's figures stand beside the file feed's measured the same way.
 */
#ifndef BOTSINK_BENCH_SYNTH_H
#define BOTSINK_BENCH_SYNTH_H

#include <stdint.h>
#include <time.h>
#include "feed/feed.h"
#include "kernel/counters.h"
#include "privacy/anon.h"
#include "rules/rules.h"

#define SOURCES 1000000

double seconds_since(const struct timespec *t0);

/*
 * A sink on a new file named in `path` (64 bytes), on tmpfs when there is
 * one: the figure is botsink's, not the disk's. The caller unlinks it.
 */
struct sink *temp_sink(char *path, const char *name);

/* The bench's fixed ipcrypt-pfx key. */
void bench_key(uint8_t key[IPCRYPT_PFX_KEY_LEN]);

/*
 * The public view as the daemon has it: ipcrypt-pfx, the same fixed key
 * from a key file in `dir` (64 bytes, a new directory: bench_view_free
 * removes it).
 */
int bench_view(const struct feed *feed, struct feed_view *v, struct keyring **keys, char *dir);
void bench_view_free(struct feed_view *v, struct keyring *keys, const char *dir);

/* A feed of one rule (sid 1000001, the synthetic counts') for `sensor`. 0 or -1. */
int bench_feed(struct feed *feed, struct rule_set *rs, const char *sensor);

/* A million distinct IPv4 sources of one rule, as a drain returns them; free() them. */
struct botsink_source_count *synthetic_drain(struct drain_result *r);

/*
 * The file feed: r as one epoch through `view` into a new file (its name in
 * `path`, 64 bytes; removed after), then fsync. Seconds, or -1.
 */
double bench_file_feed(struct feed *feed, const struct feed_view *view,
		       const struct drain_result *r, char *path);

#endif
