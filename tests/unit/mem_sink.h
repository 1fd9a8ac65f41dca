/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A sink that keeps its records as jsonl in memory (unit tests of the feed). */
#ifndef BOTSINK_TEST_MEM_SINK_H
#define BOTSINK_TEST_MEM_SINK_H

#include "feed/record.h"
#include "feed/sink.h"
#include "lib/strbuf.h"

struct mem_sink {
	struct sink s;
	struct strbuf out;
};

static inline int mem_emit(struct sink *s, const struct feed_record *recs, size_t n)
{
	struct mem_sink *m = (struct mem_sink *)s;

	for (size_t i = 0; i < n; i++)
		record_to_json(&recs[i], &m->out);
	return m->out.oom ? -1 : 0;
}

static inline void mem_close(struct sink *s)
{
	(void)s;
}

static const struct sink_ops mem_ops = { .emit = mem_emit, .close = mem_close };

#endif
