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
/*
 * Every entry of a hash map, read in batch calls, handed to fn (value_size:
 * for per-CPU maps, ncpus * round_up(size, 8)); a nonzero return of fn
 * stops the walk and is returned. A map that changes meanwhile gives each
 * key at most once (batches go bucket by bucket); keys added may be missed.
 */
int hash_walk(int fd, size_t key_size, size_t value_size,
	      int (*fn)(const void *key, const void *value, void *ctx), void *ctx);
/* Delete the hash entries that `belongs` says are in `ruleset`. */
int clear_hash(int fd, size_t key_size, size_t value_size, __u8 ruleset,
	       bool (*belongs)(const void *key, const void *value, __u8 ruleset));

#endif
