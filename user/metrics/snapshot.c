// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "metrics/snapshot.h"

void snapshot_init(struct metrics_snapshot *s)
{
	*s = (struct metrics_snapshot){ .text = { 0 } };
	pthread_mutex_init(&s->lock, NULL);
}

void snapshot_publish(struct metrics_snapshot *s, struct strbuf *fresh)
{
	struct strbuf old;

	if (fresh->oom) {
		sb_reset(fresh); /* incomplete: the scrapes keep the last one */
		return;
	}
	pthread_mutex_lock(&s->lock);
	old = s->text;
	s->text = *fresh;
	pthread_mutex_unlock(&s->lock);
	*fresh = old;
	sb_reset(fresh);
}

void snapshot_copy(struct metrics_snapshot *s, struct strbuf *out)
{
	pthread_mutex_lock(&s->lock);
	if (s->text.len)
		sb_append(out, s->text.buf, s->text.len);
	pthread_mutex_unlock(&s->lock);
}

void snapshot_free(struct metrics_snapshot *s)
{
	sb_free(&s->text);
	pthread_mutex_destroy(&s->lock);
}
