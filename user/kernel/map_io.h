/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Batch reads, writes and deletes on BPF maps; each returns 0 or -errno. */
#ifndef BOTSINK_MAP_IO_H
#define BOTSINK_MAP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Write n consecutive array elements from index `first`, in one call. */
int map_write_range(int fd, __u32 first, const void *values, __u32 n);
/*
 * Elements [0, n) of an array map in one batch call: `values` holds n
 * values of value_size (for per-CPU arrays, each is ncpus * round_up(size, 8)).
 */
int array_read_all(int fd, __u32 n, void *values, size_t value_size);
/* Delete the hash entries that `belongs` says are in `ruleset`. */
int clear_hash(int fd, size_t key_size, size_t value_size, __u8 ruleset,
	       bool (*belongs)(const void *key, const void *value, __u8 ruleset));

#endif
