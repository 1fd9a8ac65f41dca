/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The Prometheus text exposition format (version 0.0.4), written into a
 * strbuf: a family's HELP and TYPE lines, then its samples. Label values
 * are escaped as the format says, and always valid UTF-8, whatever a rule
 * file held.
 */
#ifndef BOTSINK_EXPO_H
#define BOTSINK_EXPO_H

#include <stddef.h>
#include <stdint.h>
#include "lib/strbuf.h"

#define EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum expo_type {
	EXPO_COUNTER, /* its name ends in _total */
	EXPO_GAUGE,
	EXPO_HISTOGRAM,
};

/* A family's header: name, type and help (one line, no backslash or newline). */
void expo_family(struct strbuf *sb, const char *name, enum expo_type type, const char *help);
/*
 * One sample. labels: NULL, or name and value pairs ending in NULL, such
 * as (const char *[]){ "family", f, NULL }.
 */
void expo_u64(struct strbuf *sb, const char *name, const char *const *labels, uint64_t v);
void expo_double(struct strbuf *sb, const char *name, const char *const *labels, double v);
/* One sample of name per count: values[i] with the label key=labels[i], for i < n. */
void expo_u64_labelled(struct strbuf *sb, const char *name, const char *key,
		       const char *const *labels, const uint64_t *values, size_t n);

/*
 * A counter kept in a struct as a uint64_t at `offset`: a table of them
 * renders in one loop (expo_field_value reads one).
 */
struct expo_field {
	const char *name, *help;
	size_t offset;
};

static inline uint64_t expo_field_value(const void *base, const struct expo_field *f)
{
	return *(const uint64_t *)((const char *)base + f->offset);
}

/* A sample's labels: EXPO_LABELS("family", f, "sid", s). */
#define EXPO_LABELS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Bucket bounds of a histogram, at most EXPO_BUCKETS, rising. */
#define EXPO_BUCKETS 16
/* Durations of work done in one go (a drain step, a batch): 1 ms to 30 s. */
extern const double expo_work_seconds[];
extern const size_t expo_work_seconds_n;

struct histogram {
	const double *bounds;
	size_t n;
	uint64_t counts[EXPO_BUCKETS]; /* observations <= bounds[i] and > bounds[i-1] */
	uint64_t count; /* all of them: the +Inf bucket */
	double sum;
};

void histogram_init(struct histogram *h, const double *bounds, size_t n);
void histogram_observe(struct histogram *h, double v);
/* A histogram's samples (_bucket cumulative, _sum, _count) under `name`. */
void expo_histogram(struct strbuf *sb, const char *name, const char *const *labels,
		    const struct histogram *h);

#endif
