// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include "hub/metrics.h"
#include "lib/util.h"

/* An epoch's end to its records stored: the interval, the hub's batch, the bus. */
static const double delay_bounds[] = { 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900 };

static const char *const error_names[HUB_ERRORS] = {
	[HUB_ERR_BAD_LINE] = "bad_line", [HUB_ERR_NO_ID] = "no_id",
	[HUB_ERR_VERSION] = "version",	 [HUB_ERR_VIEW] = "view",
	[HUB_ERR_PUBLISH] = "publish",	 [HUB_ERR_REFUSED] = "refused",
	[HUB_ERR_FILE] = "file",	 [HUB_ERR_CONSUMER] = "consumer",
	[HUB_ERR_FETCH] = "fetch",
};

/* The labels of hm->naks and hm->publish. */
static const char *const nak_reasons[] = { "failed", "version" };
static const char *const publish_results[] = { "stored", "duplicate", "refused" };

_Static_assert(ARRAY_SIZE(nak_reasons) == ARRAY_SIZE(((struct hub_metrics *)0)->naks),
	       "a label per nak reason");
_Static_assert(ARRAY_SIZE(publish_results) == ARRAY_SIZE(((struct hub_metrics *)0)->publish),
	       "a label per publish result");

static void render(void *arg, struct strbuf *out)
{
	struct hub_metrics *hm = arg;

	snapshot_copy(&hm->ep.snap, out);
}

int hub_metrics_start(struct hub_metrics *hm, const struct metrics_config *cfg, char *err,
		      size_t errlen)
{
	*hm = (struct hub_metrics){ 0 };
	histogram_init(&hm->publish_seconds, expo_work_seconds, expo_work_seconds_n);
	histogram_init(&hm->record_delay, delay_bounds, ARRAY_SIZE(delay_bounds));
	return endpoint_start(&hm->ep, cfg, render, hm, err, errlen);
}

int hub_metrics_view(struct hub_metrics *hm, const char *label)
{
	if (!array_grow((void **)&hm->views, hm->nviews + 1, sizeof(*hm->views)))
		return -1;
	hm->views[hm->nviews] = (struct hub_view_totals){ 0 };
	snprintf(hm->views[hm->nviews].name, sizeof(hm->views->name), "%s", label);
	hm->nviews++;
	return 0;
}

static void render_consumer(const struct hub_metrics *hm, struct strbuf *sb)
{
	if (!hm->consumer_known)
		return;
	expo_family(sb, "botsink_hub_consumer_pending_messages", EXPO_GAUGE,
		    "Messages of counts in the stream not yet delivered to a hub.");
	expo_u64(sb, "botsink_hub_consumer_pending_messages", NULL, hm->pending);
	expo_family(sb, "botsink_hub_consumer_ack_pending_messages", EXPO_GAUGE,
		    "Messages of counts delivered to the hubs and not yet acknowledged.");
	expo_u64(sb, "botsink_hub_consumer_ack_pending_messages", NULL, (uint64_t)hm->ack_pending);
	expo_family(sb, "botsink_hub_consumer_redelivered_messages", EXPO_GAUGE,
		    "Of those, messages delivered more than once.");
	expo_u64(sb, "botsink_hub_consumer_redelivered_messages", NULL, (uint64_t)hm->redelivered);
	if (hm->oldest_age < 0)
		return; /* pending, but its message is gone or unreadable: no age to show */
	expo_family(
		sb, "botsink_hub_oldest_pending_age_seconds", EXPO_GAUGE,
		"Seconds since the oldest unacknowledged message of counts was stored (0: none).");
	expo_double(sb, "botsink_hub_oldest_pending_age_seconds", NULL, hm->oldest_age);
}

static void render_flow(const struct hub_metrics *hm, struct strbuf *sb)
{
	expo_family(sb, "botsink_hub_acked_messages_total", EXPO_COUNTER,
		    "Messages of counts acknowledged once their records were stored.");
	expo_u64(sb, "botsink_hub_acked_messages_total", NULL, hm->acked);
	expo_family(sb, "botsink_hub_records_in_total", EXPO_COUNTER,
		    "Counts read from acknowledged messages (one per source, rule and epoch).");
	expo_u64(sb, "botsink_hub_records_in_total", NULL, hm->records_in);
	expo_family(sb, "botsink_hub_nacked_messages_total", EXPO_COUNTER,
		    "Messages of counts sent back to the stream, by reason.");
	expo_u64_labelled(sb, "botsink_hub_nacked_messages_total", "reason", nak_reasons, hm->naks,
			  ARRAY_SIZE(nak_reasons));
	expo_family(sb, "botsink_hub_redeliveries_total", EXPO_COUNTER,
		    "Messages of counts this hub received that had been delivered before.");
	expo_u64(sb, "botsink_hub_redeliveries_total", NULL, hm->redeliveries);
	expo_family(sb, "botsink_hub_records_out_total", EXPO_COUNTER,
		    "Records published per view (public, or a partner).");
	for (size_t i = 0; i < hm->nviews; i++)
		expo_u64(sb, "botsink_hub_records_out_total",
			 EXPO_LABELS("view", hm->views[i].name), hm->views[i].records);
	expo_family(sb, "botsink_hub_messages_out_total", EXPO_COUNTER,
		    "Record messages published per view.");
	for (size_t i = 0; i < hm->nviews; i++)
		expo_u64(sb, "botsink_hub_messages_out_total",
			 EXPO_LABELS("view", hm->views[i].name), hm->views[i].messages);
	expo_family(sb, "botsink_hub_publish_acks_total", EXPO_COUNTER,
		    "Acknowledgements of record messages: stored, repeats dropped, refused.");
	expo_u64_labelled(sb, "botsink_hub_publish_acks_total", "result", publish_results,
			  hm->publish, ARRAY_SIZE(publish_results));
}

static void render_latency(const struct hub_metrics *hm, struct strbuf *sb)
{
	expo_family(sb, "botsink_hub_publish_seconds", EXPO_HISTOGRAM,
		    "A batch's record messages, from the first sent to the last stored.");
	expo_histogram(sb, "botsink_hub_publish_seconds", NULL, &hm->publish_seconds);
	expo_family(sb, "botsink_hub_record_delay_seconds", EXPO_HISTOGRAM,
		    "From an epoch's end at its sensor to its records stored for the partners.");
	expo_histogram(sb, "botsink_hub_record_delay_seconds", NULL, &hm->record_delay);
}

void hub_metrics_publish(struct hub_metrics *hm)
{
	struct strbuf *sb = &hm->ep.scratch;

	if (!hm->ep.server)
		return;
	expo_family(sb, "botsink_hub_start_time_seconds", EXPO_GAUGE,
		    "When this hub started, Unix time.");
	expo_double(sb, "botsink_hub_start_time_seconds", NULL, hm->ep.started);
	render_consumer(hm, sb);
	render_flow(hm, sb);
	render_latency(hm, sb);
	expo_family(sb, "botsink_hub_errors_total", EXPO_COUNTER, "Errors by kind.");
	expo_u64_labelled(sb, "botsink_hub_errors_total", "kind", error_names, hm->errors,
			  HUB_ERRORS);
	endpoint_publish(&hm->ep);
}

void hub_metrics_stop(struct hub_metrics *hm)
{
	if (!hm->ep.live)
		return;
	endpoint_stop(&hm->ep);
	free(hm->views);
	hm->views = NULL;
}
