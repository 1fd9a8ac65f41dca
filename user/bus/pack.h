/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Messages of counts travel packed: an LZ4 frame (liblz4) of the counts
 * lines, named by the message's BUS_FORMAT_HEADER (BUS_COUNTS_PACKED). A
 * message of 1,000 counts lines is about 175 KB, mostly the same labels
 * and times again; packed, about a sixth of it. Every byte of the counts
 * stream is sent over TLS, encrypted at rest and replicated to every
 * node, so the nodes' work (the publish's and the hub's bound) shrinks
 * with it, and so does the stream on disk. A message without the header
 * holds plain lines (sensors before packing).
 */
#ifndef BOTSINK_BUS_PACK_H
#define BOTSINK_BUS_PACK_H

#include <stddef.h>
#include "lib/strbuf.h"

#define BUS_COUNTS_PACKED "counts+lz4"
/* No message of counts unpacks to more: max_payload (server_config.h), as a plain one. */
#define BUS_UNPACKED_MAX (8u << 20)

/* in, packed, into out (replaced). 0, or -1 (ENOMEM). */
int bus_pack(const char *in, size_t len, struct strbuf *out);
/*
 * A packed message into out (replaced), with one byte to spare after it.
 * 0, or -1 with the reason in err and errno: EBADMSG (corrupt, larger
 * than BUS_UNPACKED_MAX: it never will), ENOMEM (it may, later).
 */
int bus_unpack(const char *in, size_t len, struct strbuf *out, char *err, size_t errlen);

#endif
