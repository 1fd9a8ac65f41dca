// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The synthetic million and the file feed of both benches (synth.h). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "feed/sink.h"
#include "lib/addr.h"
#include "privacy/keyring.h"
#include "synth.h"

double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

struct sink *temp_sink(char *path, const char *name)
{
	char err[256];
	int fd;

	snprintf(path, 64, "%s/botsink-bench-%s-XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm", name);
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	close(fd);
	return sink_file_open(path, FORMAT_JSONL, 0, err, sizeof(err));
}

void bench_key(uint8_t key[IPCRYPT_PFX_KEY_LEN])
{
	for (int i = 0; i < IPCRYPT_PFX_KEY_LEN; i++)
		key[i] = (uint8_t)(i * 37 + 1);
}

int bench_view(const struct feed *feed, struct feed_view *v, struct keyring **keys, char *dir)
{
	uint8_t key[IPCRYPT_PFX_KEY_LEN];
	char path[96], err[256];

	snprintf(dir, 64, "/tmp/botsink-bench-keys-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/bench.key", dir);
	bench_key(key);
	*keys = NULL;
	if (!anon_key_write(AT_FDCWD, path, ANON_IPCRYPT_PFX, key, sizeof(key), err, sizeof(err)))
		*keys = keyring_open(dir, ANON_IPCRYPT_PFX, KEY_ROTATE_NEVER, KEYRING_KEEP_FOREVER,
				     path, 24, 48, err, sizeof(err));
	if (!*keys || feed_view_init(v, feed, "feed", NULL, ANON_IPCRYPT_PFX, *keys, FORMAT_JSONL,
				     false, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		if (*keys)
			keyring_close(*keys);
		unlink(path);
		rmdir(dir);
		return -1;
	}
	return 0;
}

void bench_view_free(struct feed_view *v, struct keyring *keys, const char *dir)
{
	char path[96];

	feed_view_free(v);
	if (keys)
		keyring_close(keys);
	snprintf(path, sizeof(path), "%s/bench.key", dir);
	unlink(path);
	rmdir(dir);
}

int bench_feed(struct feed *feed, struct rule_set *rs, const char *sensor)
{
	static const char rules[] =
		"alert tcp any any -> 203.0.113.10 80 (msg:\"Zeus gate check-in\"; sid:1000001;)\n";

	rules_parse_buffer("bench.rules", rules, rs);
	feed_init(feed, NULL, 24, 48, sensor);
	return rs->nerrors || feed_learn_rules(feed, rs) ? -1 : 0;
}

struct botsink_source_count *synthetic_drain(struct drain_result *r)
{
	struct botsink_source_count *items = calloc(SOURCES, sizeof(*items));

	r->items = items;
	r->n = items ? SOURCES : 0;
	for (size_t i = 0; i < r->n; i++) {
		struct botsink_source_count *sc = &items[i];

		addr_from_v4((struct in6_addr *)sc->key.addr, htonl(0x0a000000 + (uint32_t)i * 7));
		sc->key.sid = 1000001;
		sc->total.packets = sc->total.checkins = 1 + i % 5;
		sc->total.bytes = 74 * sc->total.packets;
		sc->total.first_seen_ns = sc->total.last_seen_ns = 1;
		sc->total.protocol = 6;
		sc->total.dst_port = 80;
	}
	return items;
}

double bench_file_feed(struct feed *feed, const struct feed_view *view,
		       const struct drain_result *r, char *path)
{
	struct epoch e = { .incarnation = 1, .number = 1 };
	struct feed_target t = { .view = view, .sink = temp_sink(path, "feed") };
	struct timespec t0;
	double secs = -1;

	if (!t.sink)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!feed_write_epoch(feed, &e, r, &t, 1) && !sink_sync(t.sink))
		secs = seconds_since(&t0);
	sink_close(t.sink);
	unlink(path);
	return secs;
}
