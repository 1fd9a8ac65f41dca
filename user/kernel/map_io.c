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

int clear_hash(int fd, size_t key_size, size_t value_size, __u8 ruleset,
	       bool (*belongs)(const void *key, const void *value, __u8 ruleset))
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	const __u32 batch = 4096;
	char *keys = malloc(batch * key_size), *values = malloc(batch * value_size);
	char *doomed = NULL;
	__u32 token = 0, count, ndoomed = 0;
	bool first = true, last = false;
	int ret = keys && values ? 0 : -ENOMEM;

	/* Read everything in batches first: deleting while walking a hash may restart the walk. */
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
		for (__u32 i = 0; i < count && !ret; i++) {
			if (!belongs(keys + i * key_size, values + i * value_size, ruleset))
				continue;
			if (!array_grow((void **)&doomed, ((size_t)ndoomed + 1) * key_size, 1))
				ret = -ENOMEM;
			else
				memcpy(doomed + (size_t)ndoomed++ * key_size, keys + i * key_size,
				       key_size);
		}
	}
	if (!ret && ndoomed && bpf_map_delete_batch(fd, doomed, &ndoomed, &opts))
		ret = -errno;
	free(doomed);
	free(keys);
	free(values);
	return ret;
}
