// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the counts format's reader, which a hub runs on what
 * arrives from the bus. Arbitrary bytes as one line: refused, or read
 * into a count that, written again, is one line that reads back to the
 * same count (strings, numbers, source and flags, and a C2 line's
 * evidence), and is written the same way again; nothing leaks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "feed/counts.h"
#include "feed/record.h"

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The count as a record the format writes: its source and evidence shown raw. */
static void as_record(struct feed_count *c)
{
	const struct evidence *e = c->ev;

	if (c->rec.overflow)
		prefix_format(&c->src, c->rec.src_ip, sizeof(c->rec.src_ip));
	else
		addr_format(&c->src.addr, c->rec.src_ip, sizeof(c->rec.src_ip));
	if (!e)
		return;
	c->rec.ev = (struct record_evidence){
		.has_src_port = e->has_src_port,
		.src_port = e->src_port,
		.http_method = e->text[EVIDENCE_HTTP_METHOD],
		.http_url = e->text[EVIDENCE_HTTP_URL],
		.http_host = e->text[EVIDENCE_HTTP_HOST],
		.http_agent = e->text[EVIDENCE_HTTP_AGENT],
		.http_referer = e->text[EVIDENCE_HTTP_REFERER],
		.dns_query = e->text[EVIDENCE_DNS_QUERY],
		.payload = e->payload,
		.payload_len = e->payload_len,
	};
}

/* A URL's cut copy: the URL up to its query or fragment. */
static void check_cut(const char *full, const char *cut)
{
	if (!full != !cut ||
	    (full && (strlen(cut) != strcspn(full, "?#") || strncmp(full, cut, strlen(cut)))))
		abort();
}

/* Evidence read back the same; none and one with nothing in it (written C1) alike. */
static void check_same_evidence(const struct evidence *a, const struct evidence *b)
{
	static const struct evidence nothing;

	if (!a)
		a = &nothing;
	if (!b)
		b = &nothing;
	if (a->has_src_port != b->has_src_port || a->src_port != b->src_port ||
	    !a->payload != !b->payload || a->payload_len != b->payload_len ||
	    (a->payload_len && memcmp(a->payload, b->payload, a->payload_len)))
		abort();
	for (int i = 0; i < EVIDENCE_TEXTS; i++)
		if (!same(a->text[i], b->text[i]))
			abort();
	check_cut(a->text[EVIDENCE_HTTP_URL], a->url_path);
	check_cut(a->text[EVIDENCE_HTTP_REFERER], a->referer_path);
	if (a->payload_len > EVIDENCE_PAYLOAD_MAX)
		abort();
}

static void check_same(const struct feed_count *a, const struct feed_count *b)
{
	const struct feed_record *x = &a->rec, *y = &b->rec;

	if (!same(x->record_id, y->record_id) || !same(x->sensor, y->sensor) ||
	    !same(x->family, y->family) || !same(x->tag, y->tag) ||
	    !same(x->classtype, y->classtype) || x->packets != y->packets || x->bytes != y->bytes ||
	    x->syns != y->syns || x->checkins != y->checkins ||
	    x->checkins_tcp != y->checkins_tcp || x->checkins_verified != y->checkins_verified ||
	    x->sid != y->sid || x->protocol != y->protocol || x->dst_port != y->dst_port ||
	    x->dns_qtype != y->dns_qtype || x->overflow != y->overflow ||
	    x->any_sid != y->any_sid || memcmp(&x->dst_ip, &y->dst_ip, sizeof(x->dst_ip)) ||
	    a->src.len != b->src.len || memcmp(&a->src.addr, &b->src.addr, sizeof(a->src.addr)) ||
	    x->timestamp.tv_sec != y->timestamp.tv_sec ||
	    x->timestamp.tv_nsec != y->timestamp.tv_nsec ||
	    x->first_seen.tv_nsec != y->first_seen.tv_nsec ||
	    x->last_seen.tv_sec != y->last_seen.tv_sec)
		abort();
	check_same_evidence(a->ev, b->ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf once = { 0 }, twice = { 0 };
	struct feed_count c = { 0 }, again = { 0 };
	char err[160], *line = malloc(size + 1), *copy = NULL;

	if (!line)
		return 0;
	memcpy(line, data, size);
	if (counts_parse(line, size, &c, err, sizeof(err))) {
		if (c.ev)
			abort(); /* refused, and yet evidence kept */
		goto out;
	}
	as_record(&c);
	record_format(FORMAT_COUNTS, &c.rec, &once);
	if (once.oom || !once.len || once.buf[once.len - 1] != '\n' ||
	    memchr(once.buf, '\n', once.len - 1))
		abort();
	copy = malloc(once.len);
	if (!copy)
		goto out;
	memcpy(copy, once.buf, once.len);
	if (counts_parse(copy, once.len - 1, &again, err, sizeof(err)))
		abort();
	check_same(&c, &again);
	as_record(&again);
	record_format(FORMAT_COUNTS, &again.rec, &twice);
	if (twice.len != once.len || memcmp(twice.buf, once.buf, once.len))
		abort();
out:
	counts_release(&c, 1);
	counts_release(&again, 1);
	sb_free(&once);
	sb_free(&twice);
	free(copy);
	free(line);
	return 0;
}
