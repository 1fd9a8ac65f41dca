/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * botsink hub: the sensors' raw counts (stream BOTSINK_COUNTS) turned into
 * records, as a sensor's feed would have them, for each partner
 * (botsink.partner.NAME) and the public (botsink.public), into stream
 * BOTSINK_PARTNERS, with one keyring shared by every hub.
 *
 * Exactly once: a message of counts is acknowledged only after every
 * record message made from it is stored. A hub killed before that gets
 * the message redelivered (to it or another hub) after the consumer's ack
 * wait, and makes the same record messages with the same ids, which the
 * stream drops as repeats within its duplicate window.
 */
#ifndef BOTSINK_HUB_H
#define BOTSINK_HUB_H

#include <stdbool.h>
#include <stdint.h>
#include "feed/record.h"
#include "metrics/server.h"
#include "privacy/anon.h"
#include "privacy/keyring.h"

#define DEFAULT_HUB_STATE_DIR "/var/lib/botsink-hub"
#define HUB_PID_FILE "hub.pid" /* locked by the hub using the state directory */
#define HUB_BATCH_MAX 1024 /* --batch: messages fetched at a time, at most */

struct hub_config {
	const char *urls, *auth_file, *ca_file;
	const char *partners_path;
	const char *mmdb_asn, *mmdb_geo;
	const char *state_dir;
	const char *name; /* in the servers' connection lists: the host name */
	enum anon_mode anon; /* the public view's */
	enum record_format format; /* the public view's */
	bool verified_only; /* the public view's */
	enum evidence_level evidence; /* the public view's (none) */
	bool no_public; /* no public view at all */
	enum key_rotate key_rotate;
	long long key_retention;
	struct truncate_bits truncate;
	uint32_t batch; /* messages fetched at a time */
	uint32_t replicas; /* of the streams the hub creates */
	long long counts_max_age; /* seconds: how long raw counts stay in BOTSINK_COUNTS */
	struct metrics_config metrics; /* --metrics; listen NULL: none */
	bool verbose;
};

/* The hub's whole life: an exit code (0, 1 runtime, 2 configuration). */
int hub_run(const struct hub_config *cfg);

#endif
