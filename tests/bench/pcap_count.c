// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The libpcap baseline of the rate bench: count packets per IPv4 source on
 * an interface, with a 256 MB capture buffer, until SIGINT or SIGTERM;
 * then print the packets counted and the distinct sources.
 *   pcap_count IFACE
 */
#include <pcap/pcap.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS (1 << 20) /* open addressing, power of two */

struct slot {
	uint32_t addr; /* 0: empty */
	uint64_t packets;
};

static struct slot *table;
static uint64_t counted, sources;
static volatile sig_atomic_t stop;
static pcap_t *pcap;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
	pcap_breakloop(pcap);
}

static void count(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	uint32_t addr, i;

	(void)user;
	if (h->caplen < 14 + 20 || bytes[12] != 0x08 || bytes[13] != 0x00)
		return;
	memcpy(&addr, bytes + 14 + 12, 4);
	for (i = (addr * 2654435761u) & (SLOTS - 1); table[i].addr && table[i].addr != addr;
	     i = (i + 1) & (SLOTS - 1))
		;
	if (!table[i].addr) {
		table[i].addr = addr;
		sources++;
	}
	table[i].packets++;
	counted++;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_count IFACE\n");
		return 2;
	}
	table = calloc(SLOTS, sizeof(*table));
	pcap = pcap_create(argv[1], err);
	if (!table || !pcap || pcap_set_buffer_size(pcap, 256 << 20) ||
	    pcap_set_snaplen(pcap, 64) || pcap_set_timeout(pcap, 100) || pcap_activate(pcap) < 0) {
		fprintf(stderr, "pcap_count: %s\n", pcap ? pcap_geterr(pcap) : err);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "pcap_count: capturing\n");
	while (!stop)
		if (pcap_dispatch(pcap, -1, count, NULL) < 0 && !stop)
			break;
	printf("%llu %llu\n", (unsigned long long)counted, (unsigned long long)sources);
	pcap_close(pcap);
	free(table);
	return 0;
}
