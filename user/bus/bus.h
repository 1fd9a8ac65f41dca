/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The message bus between sensors, hubs and partners: NATS JetStream.
 * Every name on the bus is defined here, once: streams, subjects,
 * consumers, the key bucket, and the principals nats-config creates.
 *
 *   sensor NAME   publishes  botsink.counts.NAME   -> stream BOTSINK_COUNTS
 *   hub           consumes   BOTSINK_COUNTS (durable pull consumer botsink-hub)
 *                 publishes  botsink.partner.NAME, botsink.public
 *                                                  -> stream BOTSINK_PARTNERS
 *                 reads/writes the key bucket BOTSINK_KEYS (hubs only)
 *   partner NAME  consumes   botsink.partner.NAME  (its consumer partner-NAME)
 *   public        consumes   botsink.public        (consumer public)
 *
 * A principal's credentials file is INI (libinih), mode 0600:
 *   user = sensor-s1
 *   password = SECRET
 *   inbox_prefix = _INBOX_sensor-s1     (the only inbox it may subscribe to)
 */
#ifndef BOTSINK_BUS_H
#define BOTSINK_BUS_H

#define BUS_COUNTS_STREAM "BOTSINK_COUNTS"
#define BUS_COUNTS_SUBJECT "botsink.counts." /* + sensor name */
#define BUS_PARTNERS_STREAM "BOTSINK_PARTNERS"
#define BUS_PARTNER_SUBJECT "botsink.partner." /* + partner name */
#define BUS_PUBLIC_SUBJECT "botsink.public"
/*
 * A partner's or the public view's message header: its records' format
 * (jsonl, shadowserver-csv, shadowserver-http-csv, intelmq), so that a
 * reader knows the lines, and botsink pull can start a CSV output with
 * its column names.
 */
#define BUS_FORMAT_HEADER "Botsink-Format"
#define BUS_HUB_CONSUMER "botsink-hub"
#define BUS_PARTNER_CONSUMER "partner-" /* + partner name */
#define BUS_PUBLIC_CONSUMER "public"
#define BUS_KEYS_BUCKET "BOTSINK_KEYS"

/* Principals (NATS user names). */
#define BUS_SENSOR_USER "sensor-" /* + sensor name */
#define BUS_HUB_USER "hub"
#define BUS_PARTNER_USER "partner-" /* + partner name */
#define BUS_PUBLIC_USER "public"
#define BUS_INBOX_PREFIX "_INBOX_" /* + user name */

/* A name that goes into a subject: [A-Za-z0-9_-], 1-64 characters. */
#define BUS_NAME_MAX 64

#endif
