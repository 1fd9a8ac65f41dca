// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <time.h>
#include "lib/util.h"
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

int endpoint_start(struct metrics_endpoint *ep, const struct metrics_config *cfg,
		   metrics_render_fn render, void *arg, char *err, size_t errlen)
{
	*ep = (struct metrics_endpoint){ .live = true,
					 .started = (double)clock_ns(CLOCK_REALTIME) / 1e9 };
	snapshot_init(&ep->snap);
	if (!cfg->listen)
		return 0;
	ep->server = metrics_start(cfg, render, arg, err, errlen);
	return ep->server ? 0 : -1;
}

void endpoint_publish(struct metrics_endpoint *ep)
{
	snapshot_publish(&ep->snap, &ep->scratch);
}

void endpoint_stop(struct metrics_endpoint *ep)
{
	if (!ep->live)
		return;
	ep->live = false;
	metrics_stop(ep->server);
	ep->server = NULL;
	snapshot_free(&ep->snap);
	sb_free(&ep->scratch);
}
