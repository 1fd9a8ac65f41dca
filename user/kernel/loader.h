/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Opening the XDP object (libbpf skeleton), its pinned maps, and attaching
 * it with libxdp.
 */
#ifndef BOTSINK_LOADER_H
#define BOTSINK_LOADER_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <xdp/libxdp.h>
#include "kernel/collect.h"
#include "lib/keywords.h"

#define BOTSINK_DEFAULT_PIN_DIR "/sys/fs/bpf/botsink"
#define BOTSINK_IPROUTE2_PIN_DIR "/sys/fs/bpf/xdp/globals"
#define BOTSINK_MAP_ONE(map, fd) +1
enum { BOTSINK_NMAPS = 0 BOTSINK_PINNED_MAPS(BOTSINK_MAP_ONE) };

/* The attach modes botsink run offers (enum xdp_attach_mode), by name. */
extern const struct keyword xdp_modes[];

struct botsink_maps {
	int config, stats, v4, v4_groups, dst6, lists, active, rules, hits;
	int counters[BOTSINK_KINDS][2]; /* [kind][generation] */
	int touched; /* botsink_touched: which counter tables the program wrote */
	int contents, gram_filter, grams, fastpats, domains, recent, cands, stamped, port1, port2,
		drain, tcp_ports, guard;
	int evidence; /* botsink_evidence: the ring buffer of evidence samples */
	struct collector collector; /* reads idle generations out (loader_open only) */
};

enum loader_flags {
	LOADER_PROGRAM = 1 << 0, /* load the XDP program, not only the maps */
	LOADER_ADOPT = 1 << 1, /* every map must already be pinned (ip link loaded it) */
	LOADER_NO_PINS = 1 << 2, /* private maps, nothing pinned (tests, bench) */
};

struct botsink;

struct loader {
	struct botsink *skel;
	struct botsink_maps maps;
	char pin_dir[PATH_MAX / 2];
	bool pin_created[BOTSINK_NMAPS]; /* pins this process made (or owns) */
	bool dir_created; /* the pin directory too */
	struct xdp_program *xdp;
	int lock_fd; /* flock on the pin directory */
	int ifindex;
	enum xdp_attach_mode mode;
};

int loader_open(struct loader *l, const char *pin_dir, unsigned int flags, char *err,
		size_t errlen);

/* Table sizes, entries per generation; 0: as pinned, else the default. */
struct loader_caps {
	__u32 sources; /* --max-sources */
	__u32 unclassified; /* --max-unclassified */
	__u32 recent_sets; /* --retransmit-memory / BOTSINK_RECENT_WAYS */
};

/* loader_open with the counter tables sized. */
int loader_open_sized(struct loader *l, const char *pin_dir, unsigned int flags,
		      const struct loader_caps *caps, char *err, size_t errlen);
int loader_prog_fd(const struct loader *l);
/*
 * What to do about a failed load (errno `err`): the map sizes for a lack
 * of memory, the old pins when reused ones do not fit (EINVAL), else -v.
 * Returns a constant or buf.
 */
const char *loader_hint(int err, bool reused, const char *pin_dir, char *buf, size_t len);
int loader_attach(struct loader *l, int ifindex, enum xdp_attach_mode mode, char *err,
		  size_t errlen);
/*
 * Take over a botsink program of an earlier run attached to ifindex and
 * using these maps, replacing it atomically: 1. 0: there is none and
 * nothing else is attached. -1: something else is in the way (err says).
 */
int loader_adopt(struct loader *l, int ifindex, char *err, size_t errlen);
void loader_detach(struct loader *l);
/* 0 when nothing is attached to ifindex; else -1 and what is in the way. */
int loader_check_interface(const struct loader *l, int ifindex, char *err, size_t errlen);
/* Removes the pins this process created when `unpin` is set. */
void loader_close(struct loader *l, bool unpin);

/*
 * The XDP program attached to `ifindex` (any mode) that uses these maps:
 * its id (0: none), and its mode ("native", "skb", "offload") and name.
 */
__u32 find_attached(int ifindex, const struct botsink_maps *m, const char **mode, char *name,
		    size_t namelen);

/* An interface of this network namespace the program using some maps is attached to. */
struct xdp_attachment {
	char ifname[IF_NAMESIZE];
	unsigned int ifindex;
	const char *mode; /* as find_attached says */
	char prog[BPF_OBJ_NAME_LEN];
	__u32 id;
};

/* Up to `max` of them, in interface order, into out: how many there are. */
size_t find_attachments(const struct botsink_maps *m, struct xdp_attachment *out, size_t max);

/* Mount /sys/fs/bpf if it is not a bpffs yet; create `dir` inside it. */
int ensure_bpffs_dir(const char *dir, char *err, size_t errlen);
/* The maps pinned under `pin_dir`, without loading anything. */
int maps_open_pinned(const char *pin_dir, struct botsink_maps *m, char *err, size_t errlen);
void maps_close(struct botsink_maps *m);

#endif
