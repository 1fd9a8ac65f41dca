/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The XDP program's evidence samples (botsink_evidence, see the ABI), read
 * as they come and kept by generation and key until that generation's
 * epoch is committed: a drain finds each count's sample here.
 *
 * A generation's samples are all in once it is swapped out (the swap waits
 * out every program that could still write it), so the drain collects,
 * then reads. A sample is the key's first check-in of the interval: the
 * one that created the key, which is where the program can take one at
 * no cost to repeated packets.
 */
#ifndef BOTSINK_KERNEL_EVIDENCE_H
#define BOTSINK_KERNEL_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "botsink_abi.h"
#include "kernel/loader.h"
#include "lib/evidence.h"

struct evidence_store;

/*
 * Samples from the ring buffer map ring_fd; keep_payload: keep the first
 * payload bytes too (a view shows evidence full). NULL with a reason in err.
 */
struct evidence_store *evidence_store_open(int ring_fd, bool keep_payload, char *err,
					   size_t errlen);
/*
 * Generation gen became the active one at mono_ns (CLOCK_MONOTONIC_COARSE,
 * taken before the flip): a sample of it from before then is a stale one
 * of its previous interval (left in the ring while samples were not read)
 * and is dropped.
 */
void evidence_store_since(struct evidence_store *s, int gen, uint64_t mono_ns);
/* From now on, keep the payload bytes of the samples read, or not. */
void evidence_store_keep_payload(struct evidence_store *s, bool keep);
/* Ask the program for samples (botsink_config.evidence), or not. 0 or -errno. */
int evidence_enable(const struct botsink_maps *m, bool on);
/* Readable when samples wait: poll it. */
int evidence_store_fd(const struct evidence_store *s);
/* Take every sample waiting. The number taken, or -errno. */
int evidence_store_collect(struct evidence_store *s);
/* Keep one sample (collect does, for each it reads). 0 or -ENOMEM. */
int evidence_store_add(struct evidence_store *s, const struct botsink_evidence *sample);
/* The sample of a key of generation gen, or NULL. */
const struct evidence *evidence_store_find(const struct evidence_store *s, int gen,
					   const struct botsink_source_key *key);
/* Samples kept of generation gen. */
size_t evidence_store_count(const struct evidence_store *s, int gen);
/* Drop generation gen's samples: its epoch is committed and its tables emptied. */
void evidence_store_forget(struct evidence_store *s, int gen);
void evidence_store_close(struct evidence_store *s);

/* A sample as struct evidence (NULL: out of memory). */
struct evidence *evidence_from_sample(const struct botsink_evidence *e, bool keep_payload);

#endif
