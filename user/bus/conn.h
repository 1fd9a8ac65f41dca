/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A connection to the NATS cluster (libnats), as one principal: its
 * credentials file, TLS with the given CA, every URL of the cluster.
 * Asynchronous errors the server sends (a permissions violation) are kept,
 * so that a request that timed out can say why.
 */
#ifndef BOTSINK_BUS_CONN_H
#define BOTSINK_BUS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <nats/nats.h>
#include "bus/bus.h"

#define BUS_SECRET_MAX 128

struct bus_credentials {
	char user[BUS_NAME_MAX + 16];
	char password[BUS_SECRET_MAX];
	char inbox_prefix[BUS_NAME_MAX + 32];
};

struct bus_config {
	const char *urls; /* "tls://H:P[,tls://H:P...]" (nats:// is upgraded: TLS is required) */
	const char *auth_file; /* the credentials file */
	const char *ca_file; /* NULL: the system's trust store */
	const char *name; /* the connection's name in the server's logs */
	/*
	 * Unreachable at start: go on connecting in the background (a sensor
	 * counts on). Else an unreachable cluster fails the connect.
	 */
	bool retry_unreachable;
};

#define BUS_WATCH_REASONS 4

struct bus {
	natsConnection *nc;
	jsCtx *js;
	struct bus_credentials creds;
	char async_error[256]; /* the last error the server sent, "" if none */
	bool connected; /* false: still trying (retry_unreachable) */
	/*
	 * libnats called its closed callback: no callback of this connection
	 * (they get this struct) comes after it, so the struct may be freed.
	 */
	bool closed;
	/*
	 * bus_watch: the outage said, and the reasons said in it (nodes that
	 * fail differently take turns: each reason is said once).
	 */
	bool said_away;
	unsigned int nsaid;
	char said_why[BUS_WATCH_REASONS][160];
};

/*
 * Read a credentials file: "FILE:LINE: reason" in err on failure (a
 * missing key: "FILE: reason"). A file that group or others can read is
 * refused. 0 or -1.
 */
int bus_credentials_load(const char *path, struct bus_credentials *c, char *err, size_t errlen);

/*
 * Connect and open a JetStream context. NULL with a reason in err and
 * *exit_code 2 (bad credentials file, refused credentials, an untrusted
 * or unusable certificate: configuration) or 1 (unreachable, runtime).
 */
struct bus *bus_connect(const struct bus_config *cfg, int *exit_code, char *err, size_t errlen);
/*
 * The server's last asynchronous error (said once, then forgotten), or
 * the library's last error, or the status's text.
 */
const char *bus_error(struct bus *b, natsStatus s);
/* The server's last asynchronous error (said once, then forgotten), or NULL. */
const char *bus_server_said(struct bus *b);
void bus_close(struct bus *b);
/*
 * Is the connection up? While it is not, "WHO: not connected (REASON);
 * WAITING" is logged once, and again for each new reason libnats gives
 * (a refused handshake comes after the loss), up to BUS_WATCH_REASONS an
 * outage; its return is logged once.
 */
bool bus_watch(struct bus *b, const char *who, const char *waiting);

/* Is `name` usable in a subject ([A-Za-z0-9_-], 1-BUS_NAME_MAX characters)? */
bool bus_name_valid(const char *name);

/*
 * When the stream stored m, a message a direct get returned (its
 * Nats-Time-Stamp header): Unix seconds, 0 if unknown.
 */
time_t bus_stored_at(natsMsg *m);

#endif
