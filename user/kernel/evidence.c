// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/evidence.h"

/* One generation's samples: open addressing on (source, sid), linear probing. */
struct evidence_slot {
	struct botsink_source_key key;
	struct evidence *ev; /* NULL: empty */
};

struct evidence_table {
	struct evidence_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

struct evidence_store {
	struct ring_buffer *ring;
	bool keep_payload;
	int error; /* of the last sample kept (-ENOMEM) */
	uint64_t since[2]; /* when each generation became the active one (evidence_store_since) */
	struct evidence_table gen[2];
};

/* Every key bit into the low bits the table uses (murmur3's finalizer on a fold). */
static size_t key_hash(const struct botsink_source_key *k)
{
	uint64_t w[2], h;

	memcpy(w, k->addr, sizeof(w));
	h = w[0] ^ (w[1] * 0x9e3779b97f4a7c15ULL) ^ k->sid;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (size_t)h;
}

static struct evidence_slot *slot_of(const struct evidence_table *t,
				     const struct botsink_source_key *k)
{
	size_t mask = t->cap - 1;

	for (size_t i = key_hash(k) & mask;; i = (i + 1) & mask) {
		struct evidence_slot *s = &t->slots[i];

		if (!s->ev || !memcmp(&s->key, k, sizeof(*k)))
			return s;
	}
}

static int table_grow(struct evidence_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	struct evidence_table bigger = { .cap = cap, .n = t->n };

	bigger.slots = calloc(cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].ev)
			*slot_of(&bigger, &t->slots[i].key) = t->slots[i];
	free(t->slots);
	*t = bigger;
	return 0;
}

static void table_clear(struct evidence_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].ev);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* A range of the window, or a part not seen. */
static struct evidence_part window_part(const struct botsink_evidence *e, int f)
{
	unsigned int lo = e->lo[f], hi = e->hi[f];

	if (!(e->flags & BOTSINK_EV_HTTP) || hi <= lo || hi > e->window_len ||
	    hi > sizeof(e->window))
		return (struct evidence_part){ 0 };
	return (struct evidence_part){ e->window + lo, hi - lo };
}

struct evidence *evidence_from_sample(const struct botsink_evidence *e, bool keep_payload)
{
	static const int fields[] = {
		[EVIDENCE_HTTP_METHOD] = BOTSINK_EV_HTTP_METHOD,
		[EVIDENCE_HTTP_URL] = BOTSINK_EV_HTTP_URI,
		[EVIDENCE_HTTP_HOST] = BOTSINK_EV_HTTP_HOST,
		[EVIDENCE_HTTP_AGENT] = BOTSINK_EV_HTTP_AGENT,
		[EVIDENCE_HTTP_REFERER] = BOTSINK_EV_HTTP_REFERER,
	};
	struct evidence_part text[EVIDENCE_TEXTS] = { 0 }, payload = { 0 };
	size_t window = e->window_len < sizeof(e->window) ? e->window_len : sizeof(e->window);

	for (int i = EVIDENCE_HTTP_METHOD; i <= EVIDENCE_HTTP_REFERER; i++)
		text[i] = window_part(e, fields[i]);
	if ((e->flags & BOTSINK_EV_DNS) && e->dns_len && e->dns_len <= sizeof(e->dns_name))
		text[EVIDENCE_DNS_QUERY] = (struct evidence_part){ e->dns_name, e->dns_len };
	if (keep_payload && window)
		payload = (struct evidence_part){ e->window, window < EVIDENCE_PAYLOAD_MAX ?
								     window :
								     EVIDENCE_PAYLOAD_MAX };
	return evidence_new(e->protocol == IPPROTO_TCP || e->protocol == IPPROTO_UDP, e->src_port,
			    text, payload);
}

int evidence_store_add(struct evidence_store *s, const struct botsink_evidence *sample)
{
	struct evidence_table *t = &s->gen[sample->gen & 1];
	struct botsink_source_key key = { .sid = sample->sid };
	struct evidence_slot *slot;

	memcpy(key.addr, sample->src_addr, sizeof(key.addr));
	if (sample->time_ns < s->since[sample->gen & 1])
		return 0; /* a stale sample of the generation's previous interval */
	if ((t->n + 1) * 2 > t->cap && table_grow(t))
		return -ENOMEM;
	slot = slot_of(t, &key);
	if (slot->ev)
		return 0; /* the key's first sample stays */
	slot->ev = evidence_from_sample(sample, s->keep_payload);
	if (!slot->ev)
		return -ENOMEM;
	slot->key = key;
	t->n++;
	return 0;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct evidence_store *s = ctx;

	if (size < sizeof(struct botsink_evidence))
		return 0;
	/* Out of memory: this sample is lost, its count is not. */
	if (evidence_store_add(s, data))
		s->error = -ENOMEM;
	return 0;
}

struct evidence_store *evidence_store_open(int ring_fd, bool keep_payload, char *err, size_t errlen)
{
	struct evidence_store *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "evidence: %s", strerror(ENOMEM));
		return NULL;
	}
	s->keep_payload = keep_payload;
	if (ring_fd < 0)
		return s; /* samples come from evidence_store_add only */
	s->ring = ring_buffer__new(ring_fd, on_sample, s, NULL);
	if (!s->ring) {
		snprintf(err, errlen, "evidence: reading botsink_evidence: %s", strerror(errno));
		free(s);
		return NULL;
	}
	return s;
}

void evidence_store_since(struct evidence_store *s, int gen, uint64_t mono_ns)
{
	s->since[gen & 1] = mono_ns;
}

void evidence_store_keep_payload(struct evidence_store *s, bool keep)
{
	s->keep_payload = keep;
}

int evidence_enable(const struct botsink_maps *m, bool on)
{
	struct botsink_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->config, &zero, &cfg))
		return -errno;
	if (cfg.evidence == (__u32)on)
		return 0;
	cfg.evidence = on;
	return bpf_map_update_elem(m->config, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

int evidence_store_fd(const struct evidence_store *s)
{
	return s->ring ? ring_buffer__epoll_fd(s->ring) : -1;
}

int evidence_store_collect(struct evidence_store *s)
{
	int n;

	if (!s->ring)
		return 0;
	s->error = 0;
	n = ring_buffer__consume(s->ring);
	return n < 0 ? n : s->error ? s->error : n;
}

const struct evidence *evidence_store_find(const struct evidence_store *s, int gen,
					   const struct botsink_source_key *key)
{
	const struct evidence_table *t = &s->gen[gen & 1];

	return t->cap ? slot_of(t, key)->ev : NULL;
}

size_t evidence_store_count(const struct evidence_store *s, int gen)
{
	return s->gen[gen & 1].n;
}

void evidence_store_forget(struct evidence_store *s, int gen)
{
	table_clear(&s->gen[gen & 1]);
}

void evidence_store_close(struct evidence_store *s)
{
	if (!s)
		return;
	ring_buffer__free(s->ring);
	table_clear(&s->gen[0]);
	table_clear(&s->gen[1]);
	free(s);
}
