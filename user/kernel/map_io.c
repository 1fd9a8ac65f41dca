// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Whole ranges of BPF maps in batch calls: one system call, not one per element. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/map_io.h"
#include "lib/util.h"

int map_write_range(int fd, __u32 first, const void *values, __u32 n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 *keys, count = n;
	int ret;

	if (!n)
		return 0;
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (__u32 i = 0; i < n; i++)
		keys[i] = first + i;
	ret = bpf_map_update_batch(fd, keys, values, &count, &opts) ? -errno : 0;
	free(keys);
	return ret;
}

int array_read_all(int fd, __u32 n, void *values, size_t value_size)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 *keys = calloc(n ? n : 1, sizeof(*keys)), done = 0, out = 0;
	int ret = keys ? 0 : -ENOMEM;

	while (!ret && done < n) {
		__u32 count = n - done;

		ret = bpf_map_lookup_batch(fd, done ? &out : NULL, &out, keys,
					   (char *)values + (size_t)done * value_size, &count,
					   &opts);
		if (ret && errno == ENOENT)
			ret = 0; /* the last batch */
		else if (ret)
			ret = -errno;
		done += count;
		if (!count)
			break;
	}
	free(keys);
	return ret;
}

/* Keys and values read per batch call: up to this many bytes, 64 to 4096 entries. */
#define WALK_BATCH_BYTES (4U << 20)

int hash_walk(int fd, size_t key_size, size_t value_size,
	      int (*fn)(const void *key, const void *value, void *ctx), void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t fit = WALK_BATCH_BYTES / (key_size + value_size);
	const __u32 batch = fit < 64 ? 64 : fit > 4096 ? 4096 : (__u32)fit;
	char *keys = malloc(batch * key_size), *values = malloc(batch * value_size);
	__u32 token = 0, count;
	bool first = true, last = false;
	int ret = keys && values ? 0 : -ENOMEM;

	while (!ret && !last) {
		count = batch;
		if (bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, values, &count,
					 &opts)) {
			if (errno != ENOENT) {
				ret = -errno;
				break;
			}
			last = true; /* the final, maybe partial, batch */
		}
		first = false;
		for (__u32 i = 0; i < count && !ret; i++)
			ret = fn(keys + i * key_size, values + i * value_size, ctx);
	}
	free(keys);
	free(values);
	return ret;
}

/* What clear_hash collects while it walks. */
struct doomed {
	bool (*belongs)(const void *key, const void *value, __u8 ruleset);
	__u8 ruleset;
	size_t key_size;
	char *keys;
	__u32 n;
};

static int doom(const void *key, const void *value, void *ctx)
{
	struct doomed *d = ctx;

	if (!d->belongs(key, value, d->ruleset))
		return 0;
	if (!array_grow((void **)&d->keys, ((size_t)d->n + 1) * d->key_size, 1))
		return -ENOMEM;
	memcpy(d->keys + (size_t)d->n++ * d->key_size, key, d->key_size);
	return 0;
}

int clear_hash(int fd, size_t key_size, size_t value_size, __u8 ruleset,
	       bool (*belongs)(const void *key, const void *value, __u8 ruleset))
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct doomed d = { .belongs = belongs, .ruleset = ruleset, .key_size = key_size };
	/* Read everything first: deleting while walking a hash may restart the walk. */
	int ret = hash_walk(fd, key_size, value_size, doom, &d);

	if (!ret && d.n && bpf_map_delete_batch(fd, d.keys, &d.n, &opts))
		ret = -errno;
	free(d.keys);
	return ret;
}
