/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The metrics endpoint: GET /metrics in the Prometheus text format,
 * served by libmicrohttpd on its own thread, so that a scrape never waits
 * for the drain or the packet path, nor they for it. Each scrape calls
 * render() on that thread, one at a time; render must take only short
 * locks (a snapshot's copy), never one held across a drain.
 *
 * Plain HTTP on a loopback address only (a local Prometheus or proxy).
 * Any other address needs TLS with client certificates: cert and key,
 * and the CA whose certificates the scrapers must present (a scraper
 * without one, or with one the CA did not sign for client use, gets 403),
 * so that every remote principal is authenticated and every hop
 * encrypted. On loopback, cert and key alone give TLS without client
 * certificates.
 */
#ifndef BOTSINK_METRICS_SERVER_H
#define BOTSINK_METRICS_SERVER_H

#include <stddef.h>
#include "lib/strbuf.h"

struct metrics_config {
	const char *listen; /* ADDR:PORT or [ADDR]:PORT, numeric */
	const char *cert, *key; /* PEM: the server's certificate chain and key; NULL: plain */
	const char *ca; /* PEM: the CA of the scrapers' client certificates */
};

/* Appends the exposition (metrics/expo.h) to out. */
typedef void (*metrics_render_fn)(void *arg, struct strbuf *out);

struct metrics_server;

/*
 * Listen and serve. NULL with the reason in err, which names the option
 * (--metrics ...): a bad address, a non-loopback one without TLS, a
 * certificate that cannot be read, a port that cannot be bound. Each is a
 * configuration error (exit 2).
 */
struct metrics_server *metrics_start(const struct metrics_config *cfg, metrics_render_fn render,
				     void *arg, char *err, size_t errlen);
/* Stops serving (waits for a scrape in progress) and frees. NULL: nothing. */
void metrics_stop(struct metrics_server *s);

#endif
