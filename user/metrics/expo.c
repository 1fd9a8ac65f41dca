// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include "lib/util.h"
#include "metrics/expo.h"

const double expo_work_seconds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
				     0.25,  0.5,    1,     2.5,  5,     10,   30 };
const size_t expo_work_seconds_n = ARRAY_SIZE(expo_work_seconds);

static const char *const type_names[] = {
	[EXPO_COUNTER] = "counter",
	[EXPO_GAUGE] = "gauge",
	[EXPO_HISTOGRAM] = "histogram",
};

/* Label values: backslash, double quote and newline escaped. */
static const struct text_escapes label_escapes = {
	.ascii = { ['\\'] = "\\\\", ['"'] = "\\\"", ['\n'] = "\\n" },
	.invalid = "\xef\xbf\xbd", /* U+FFFD */
};

void expo_family(struct strbuf *sb, const char *name, enum expo_type type, const char *help)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type_names[type]);
}

/* name{k="v",...} with `extra` (le="...") last, when given. */
static void put_series(struct strbuf *sb, const char *name, const char *suffix,
		       const char *const *labels, const char *extra)
{
	bool any = false;

	sb_puts(sb, name);
	sb_puts(sb, suffix);
	for (; labels && labels[0] && labels[1]; labels += 2) {
		sb_puts(sb, any ? "," : "{");
		sb_puts(sb, labels[0]);
		sb_lit(sb, "=\"");
		sb_put_text(sb, labels[1], &label_escapes);
		sb_lit(sb, "\"");
		any = true;
	}
	if (extra) {
		sb_puts(sb, any ? "," : "{");
		sb_puts(sb, extra);
		any = true;
	}
	if (any)
		sb_lit(sb, "}");
	sb_lit(sb, " ");
}

void expo_u64(struct strbuf *sb, const char *name, const char *const *labels, uint64_t v)
{
	put_series(sb, name, "", labels, NULL);
	sb_put_u64(sb, v);
	sb_lit(sb, "\n");
}

void expo_u64_labelled(struct strbuf *sb, const char *name, const char *key,
		       const char *const *labels, const uint64_t *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expo_u64(sb, name, EXPO_LABELS(key, labels[i]), values[i]);
}

/* The shortest of %.15g and %.17g that reads back as v. */
static void format_double(char out[32], double v)
{
	if (isnan(v)) {
		snprintf(out, 32, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, 32, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	snprintf(out, 32, "%.15g", v);
	if (strtod(out, NULL) != v)
		snprintf(out, 32, "%.17g", v);
}

static void put_double(struct strbuf *sb, double v)
{
	char text[32];

	format_double(text, v);
	sb_puts(sb, text);
}

void expo_double(struct strbuf *sb, const char *name, const char *const *labels, double v)
{
	put_series(sb, name, "", labels, NULL);
	put_double(sb, v);
	sb_lit(sb, "\n");
}

void histogram_init(struct histogram *h, const double *bounds, size_t n)
{
	*h = (struct histogram){ .bounds = bounds, .n = n < EXPO_BUCKETS ? n : EXPO_BUCKETS };
}

void histogram_observe(struct histogram *h, double v)
{
	for (size_t i = 0; i < h->n; i++) {
		if (v <= h->bounds[i]) {
			h->counts[i]++;
			break;
		}
	}
	h->count++;
	h->sum += v;
}

void expo_histogram(struct strbuf *sb, const char *name, const char *const *labels,
		    const struct histogram *h)
{
	uint64_t cumulative = 0;
	char le[48], bound[32];

	for (size_t i = 0; i < h->n; i++) {
		cumulative += h->counts[i];
		format_double(bound, h->bounds[i]);
		snprintf(le, sizeof(le), "le=\"%s\"", bound);
		put_series(sb, name, "_bucket", labels, le);
		sb_put_u64(sb, cumulative);
		sb_lit(sb, "\n");
	}
	put_series(sb, name, "_bucket", labels, "le=\"+Inf\"");
	sb_put_u64(sb, h->count);
	sb_lit(sb, "\n");
	put_series(sb, name, "_sum", labels, NULL);
	put_double(sb, h->sum);
	sb_lit(sb, "\n");
	put_series(sb, name, "_count", labels, NULL);
	sb_put_u64(sb, h->count);
	sb_lit(sb, "\n");
}
