// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "botsink_abi.h"
#include "kernel/loader.h"
#include "lib/log.h"
#include "lib/util.h"
#include "botsink.skel.h"

const struct keyword xdp_modes[] = {
	{ "native", XDP_MODE_NATIVE },
	{ "skb", XDP_MODE_SKB },
	{ NULL, 0 },
};

#define MAP_NAME(map, fd) #map,
static const char *const map_names[BOTSINK_NMAPS] = { BOTSINK_PINNED_MAPS(MAP_NAME) };

/* The fd field of map i (in BOTSINK_PINNED_MAPS order). */
static int *map_slot(struct botsink_maps *m, size_t i)
{
#define MAP_SLOT(map, fd) &m->fd,
	int *slots[BOTSINK_NMAPS] = { BOTSINK_PINNED_MAPS(MAP_SLOT) };

	return slots[i];
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *dir)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
}

int ensure_bpffs_dir(const char *dir, char *err, size_t errlen)
{
	if (!is_bpffs("/sys/fs/bpf") && mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		snprintf(err, errlen,
			 "/sys/fs/bpf is not a BPF filesystem and mounting one failed: %s",
			 strerror(errno));
		return -1;
	}
	if (mkdir_p(dir)) {
		snprintf(err, errlen, "cannot create pin directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!is_bpffs(dir)) {
		snprintf(err, errlen, "pin directory %s is not on a BPF filesystem", dir);
		return -1;
	}
	return 0;
}

/* Each map's fd, through the skeleton's typed handles. */
static void maps_from_skel(struct botsink *skel, struct botsink_maps *m)
{
#define MAP_FD(map, fd) m->fd = bpf_map__fd(skel->maps.map);
	BOTSINK_PINNED_MAPS(MAP_FD)
}

static bool pinned(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/*
 * One run per pin directory: two daemons draining the same generations
 * would each see a share of the counts and could drain a generation the
 * other just made live. The lock lasts as long as the process.
 */
static int lock_pin_dir(struct loader *l, const char *pin_dir, char *err, size_t errlen)
{
	l->lock_fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->lock_fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", pin_dir, strerror(errno));
		return -1;
	}
	if (flock(l->lock_fd, LOCK_EX | LOCK_NB)) {
		snprintf(err, errlen,
			 errno == EWOULDBLOCK ? "another botsink run is using the maps under %s" :
						"cannot lock %s: %s",
			 pin_dir, strerror(errno));
		close(l->lock_fd);
		l->lock_fd = -1;
		return -1;
	}
	return 0;
}

static __u32 pinned_entries(const char *dir, const char *name)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.max_entries = 0;
	close(fd);
	return info.max_entries;
}

/*
 * Size one kind's two tables (or one map, gen1 NULL): `want` entries (0: as
 * pinned, else the object's default). Pinned tables of another size cannot
 * be reused. `option` sets per_entry units per entry (to say its value).
 */
static int size_tables(const char *pin_dir, struct bpf_map *gen0, struct bpf_map *gen1, __u32 want,
		       const char *option, __u32 per_entry, char *err, size_t errlen)
{
	__u32 have = pin_dir ? pinned_entries(pin_dir, bpf_map__name(gen0)) : 0;

	if (want && have && want != have) {
		snprintf(
			err, errlen,
			"the maps pinned under %s were made for %s %u, not %u: start with that, or remove the pins (their counts are lost)",
			pin_dir, option, have * per_entry, want * per_entry);
		return -1;
	}
	if (!want)
		want = have ? have : bpf_map__max_entries(gen0);
	if (bpf_map__set_max_entries(gen0, want) ||
	    (gen1 && bpf_map__set_max_entries(gen1, want))) {
		snprintf(err, errlen, "cannot size %s: %s", bpf_map__name(gen0), strerror(errno));
		return -1;
	}
	return 0;
}

/* Entries of one generation's tables together. */
static __u32 generation_entries(const struct botsink *skel)
{
	return bpf_map__max_entries(skel->maps.botsink_gen0) +
	       bpf_map__max_entries(skel->maps.botsink_ucl0) +
	       bpf_map__max_entries(skel->maps.botsink_ovf0) +
	       bpf_map__max_entries(skel->maps.botsink_uovf0);
}

const char *loader_hint(int err, bool reused, const char *pin_dir, char *buf, size_t len)
{
	if (err == ENOMEM || err == E2BIG)
		return "the kernel could not allocate the maps: lower --max-sources, "
		       "--max-unclassified or --retransmit-memory";
	if (reused && err == EINVAL) {
		snprintf(
			buf, len,
			"pinned maps of an older botsink under %s do not fit this one: remove them",
			pin_dir);
		return buf;
	}
	return "run with -v for libbpf's details";
}

/* Did the load find maps already pinned (from an earlier run) to reuse? */
static bool reused_pins(const struct loader *l, const char *pin_dir)
{
	if (!pin_dir)
		return false;
	for (size_t i = 0; i < BOTSINK_NMAPS; i++)
		if (!l->pin_created[i])
			return true;
	return false;
}

int loader_open(struct loader *l, const char *pin_dir, unsigned int flags, char *err, size_t errlen)
{
	return loader_open_sized(l, pin_dir, flags, NULL, err, errlen);
}

int loader_open_sized(struct loader *l, const char *pin_dir, unsigned int flags,
		      const struct loader_caps *caps, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	const char *pins = flags & LOADER_NO_PINS ? NULL : pin_dir;
	struct bpf_map *map;
	char hint[PATH_MAX / 2 + 80];
	int ret;

	memset(l, 0, sizeof(*l));
	l->ifindex = -1;
	l->lock_fd = -1;
	if (!(flags & LOADER_NO_PINS)) {
		if (snprintf(l->pin_dir, sizeof(l->pin_dir), "%s", pin_dir) >=
		    (int)sizeof(l->pin_dir)) {
			snprintf(err, errlen, "pin directory name too long: %s", pin_dir);
			return -1;
		}
		l->dir_created = access(pin_dir, F_OK) != 0;
		if (ensure_bpffs_dir(pin_dir, err, errlen) || lock_pin_dir(l, pin_dir, err, errlen))
			return -1;
		opts.pin_root_path = l->pin_dir;
		for (size_t i = 0; i < BOTSINK_NMAPS; i++) {
			l->pin_created[i] = !pinned(pin_dir, map_names[i]);
			if ((flags & LOADER_ADOPT) && l->pin_created[i]) {
				snprintf(
					err, errlen,
					"no botsink map %s under %s: load the object first (ip link set dev IFACE xdp obj botsink.bpf.o sec xdp)",
					map_names[i], pin_dir);
				return -1;
			}
		}
	}
	l->skel = botsink__open_opts(&opts);
	if (!l->skel) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		loader_close(l, true);
		return -1;
	}
	if (flags & LOADER_NO_PINS)
		bpf_object__for_each_map(map, l->skel->obj) bpf_map__set_pin_path(map, NULL);
	if (size_tables(pins, l->skel->maps.botsink_gen0, l->skel->maps.botsink_gen1,
			caps ? caps->sources : 0, "--max-sources", 1, err, errlen) ||
	    size_tables(pins, l->skel->maps.botsink_ucl0, l->skel->maps.botsink_ucl1,
			caps ? caps->unclassified : 0, "--max-unclassified", 1, err, errlen) ||
	    size_tables(pins, l->skel->maps.botsink_recent, NULL, caps ? caps->recent_sets : 0,
			"--retransmit-memory", BOTSINK_RECENT_WAYS, err, errlen)) {
		loader_close(l, true);
		return -1;
	}
	bpf_program__set_autoload(l->skel->progs.botsink_xdp, flags & LOADER_PROGRAM);
	ret = botsink__load(l->skel);
	if (ret) {
		snprintf(err, errlen, "cannot load the BPF object: %s (%s)", strerror(-ret),
			 loader_hint(-ret, reused_pins(l, pins), pin_dir, hint, sizeof(hint)));
		loader_close(l, true);
		return -1;
	}
	maps_from_skel(l->skel, &l->maps);
	if (collector_open(&l->maps.collector, l->maps.active, generation_entries(l->skel), err,
			   errlen)) {
		loader_close(l, true);
		return -1;
	}
	return 0;
}

int loader_prog_fd(const struct loader *l)
{
	return bpf_program__fd(l->skel->progs.botsink_xdp);
}

static void describe_attached(int ifindex, char *buf, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info), id = 0;
	int fd;

	snprintf(buf, len, "an XDP program");
	if (bpf_xdp_query_id(ifindex, 0, &id) || !id)
		return;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &info_len))
		snprintf(buf, len, "XDP program %s (id %u)", info.name, id);
	close(fd);
}

int loader_check_interface(const struct loader *l, int ifindex, char *err, size_t errlen)
{
	char ifname[IF_NAMESIZE] = "?", what[64], name[BPF_OBJ_NAME_LEN];
	const char *mode;
	__u32 id = 0;

	if (bpf_xdp_query_id(ifindex, 0, &id) || !id)
		return 0;
	if_indextoname((unsigned int)ifindex, ifname);
	if (find_attached(ifindex, &l->maps, &mode, name, sizeof(name))) {
		snprintf(
			err, errlen,
			"a botsink program from an earlier run is still attached to %s and counting into the maps under %s: detach it with 'ip link set dev %s xdp off' (its counts stay in the maps and this run writes them), or keep it and run with --no-attach",
			ifname, l->pin_dir, ifname);
		return -1;
	}
	describe_attached(ifindex, what, sizeof(what));
	snprintf(err, errlen,
		 "%s already has %s; detach it with 'ip link set dev %s xdp off' first", ifname,
		 what, ifname);
	return -1;
}

/* From here on the attached program and the pins are this run's. */
static int take_program(struct loader *l, int ifindex, enum xdp_attach_mode mode, char *err,
			size_t errlen)
{
	if (!l->xdp)
		l->xdp = xdp_program__from_fd(loader_prog_fd(l));
	if (!l->xdp || libxdp_get_error(l->xdp)) {
		l->xdp = NULL;
		snprintf(err, errlen, "libxdp cannot use the program");
		return -1;
	}
	l->ifindex = ifindex;
	l->mode = mode;
	for (size_t i = 0; l->pin_dir[0] && i < BOTSINK_NMAPS; i++)
		l->pin_created[i] = true;
	return 0;
}

/*
 * libxdp tries its multi-program dispatcher first; where freplace is not
 * allowed (kernel lockdown) it falls back to attaching the program alone.
 */
int loader_attach(struct loader *l, int ifindex, enum xdp_attach_mode mode, char *err,
		  size_t errlen)
{
	char ifname[IF_NAMESIZE] = "?";
	int ret;

	if_indextoname((unsigned int)ifindex, ifname);
	if (loader_check_interface(l, ifindex, err, errlen))
		return -1;
	l->xdp = xdp_program__from_fd(loader_prog_fd(l));
	if (!l->xdp || libxdp_get_error(l->xdp)) {
		l->xdp = NULL;
		snprintf(err, errlen, "libxdp cannot use the program");
		return -1;
	}
	log_libbpf_expect_failures(true);
	ret = xdp_program__attach(l->xdp, ifindex, mode, 0);
	log_libbpf_expect_failures(false);
	if (ret) {
		snprintf(err, errlen, "cannot attach XDP (%s mode) to %s: %s",
			 mode == XDP_MODE_SKB ? "skb" : "native", ifname, strerror(-ret));
		xdp_program__close(l->xdp);
		l->xdp = NULL;
		return -1;
	}
	/* Attached by this run: its pin directory is its own, removed on exit. */
	return take_program(l, ifindex, mode, err, errlen);
}

/*
 * A botsink program of an earlier run (killed, say) still attached and
 * counting into these maps is replaced by this run's in one atomic step
 * (XDP_FLAGS_REPLACE): not one packet goes uncounted.
 */
int loader_adopt(struct loader *l, int ifindex, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	char ifname[IF_NAMESIZE] = "?", name[BPF_OBJ_NAME_LEN];
	const char *mode = NULL;
	__u32 old = find_attached(ifindex, &l->maps, &mode, name, sizeof(name)), flags;
	int ret;

	if (!old)
		return loader_check_interface(l, ifindex, err, errlen);
	if_indextoname((unsigned int)ifindex, ifname);
	if (strcmp(mode, "native") && strcmp(mode, "skb")) {
		snprintf(
			err, errlen,
			"a botsink program from an earlier run is attached to %s in %s mode, which this run cannot take over: detach it with 'ip link set dev %s xdp off' (its counts stay in the maps and this run writes them)",
			ifname, mode, ifname);
		return -1;
	}
	flags = XDP_FLAGS_REPLACE | (strcmp(mode, "skb") ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
	opts.old_prog_fd = bpf_prog_get_fd_by_id(old);
	if (opts.old_prog_fd < 0) {
		snprintf(err, errlen, "cannot open the program attached to %s: %s", ifname,
			 strerror(errno));
		return -1;
	}
	ret = bpf_xdp_attach(ifindex, loader_prog_fd(l), flags, &opts);
	close(opts.old_prog_fd);
	if (ret) {
		snprintf(err, errlen, "cannot take over the program attached to %s: %s", ifname,
			 strerror(-ret));
		return -1;
	}
	if (take_program(l, ifindex, strcmp(mode, "skb") ? XDP_MODE_NATIVE : XDP_MODE_SKB, err,
			 errlen))
		return -1;
	log_info(
		"took over the botsink program (id %u) an earlier run left attached to %s (%s mode)",
		old, ifname, mode);
	return 1;
}

void loader_detach(struct loader *l)
{
	int ret;

	if (!l->xdp)
		return;
	ret = xdp_program__detach(l->xdp, l->ifindex, l->mode, 0);
	if (ret)
		log_warn("detaching XDP from ifindex %d: %s", l->ifindex, strerror(-ret));
	xdp_program__close(l->xdp);
	l->xdp = NULL;
}

void loader_close(struct loader *l, bool unpin)
{
	loader_detach(l);
	for (size_t i = 0; l->skel && unpin && l->pin_dir[0] && i < BOTSINK_NMAPS; i++) {
		char path[PATH_MAX];

		if (!l->pin_created[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", l->pin_dir, map_names[i]);
		if (unlink(path) && errno != ENOENT)
			log_warn("cannot remove pin %s: %s", path, strerror(errno));
	}
	if (unpin && l->dir_created)
		rmdir(l->pin_dir); /* only when empty */
	if (l->lock_fd >= 0)
		close(l->lock_fd);
	l->lock_fd = -1;
	collector_close(&l->maps.collector);
	botsink__destroy(l->skel);
	l->skel = NULL;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static bool prog_uses_map(__u32 id, __u32 wanted, char *name, size_t namelen)
{
	__u32 ids[64], len = sizeof(struct bpf_prog_info);
	struct bpf_prog_info info = {
		.nr_map_ids = 64,
		.map_ids = (__u64)(unsigned long)ids,
	};
	bool found = false;
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0)
		return false;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		for (__u32 i = 0; i < info.nr_map_ids && i < 64; i++)
			found |= ids[i] == wanted;
		snprintf(name, namelen, "%s", info.name);
	}
	close(fd);
	return found;
}

/* Behind libxdp's multi-program dispatcher, where the kernel allows it. */
static __u32 find_in_dispatcher(int ifindex, __u32 stats, const char **mode, char *name,
				size_t namelen)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	__u32 found = 0;

	if (!mp || libxdp_get_error(mp))
		return 0;
	for (struct xdp_program *p = xdp_multiprog__next_prog(NULL, mp); p && !found;
	     p = xdp_multiprog__next_prog(p, mp))
		if (prog_uses_map(xdp_program__id(p), stats, name, namelen))
			found = xdp_program__id(p);
	if (found)
		*mode = xdp_multiprog__attach_mode(mp) == XDP_MODE_SKB ?
				"skb (libxdp dispatcher)" :
				"native (libxdp dispatcher)";
	xdp_multiprog__close(mp);
	return found;
}

__u32 find_attached(int ifindex, const struct botsink_maps *m, const char **mode, char *name,
		    size_t namelen)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 stats = map_id(m->stats), ids[3];
	static const char *const modes[3] = { "native", "skb", "offload" };

	if (!stats || bpf_xdp_query(ifindex, 0, &q))
		return 0;
	ids[0] = q.drv_prog_id;
	ids[1] = q.skb_prog_id;
	ids[2] = q.hw_prog_id;
	for (size_t i = 0; i < 3; i++) {
		if (ids[i] && prog_uses_map(ids[i], stats, name, namelen)) {
			*mode = modes[i];
			return ids[i];
		}
	}
	if (!ids[0] && !ids[1] && !ids[2])
		return 0;
	return find_in_dispatcher(ifindex, stats, mode, name, namelen);
}

size_t find_attachments(const struct botsink_maps *m, struct xdp_attachment *out, size_t max)
{
	struct if_nameindex *ifs = if_nameindex();
	size_t n = 0;

	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		struct xdp_attachment a = { .ifindex = i->if_index };

		a.id = find_attached((int)i->if_index, m, &a.mode, a.prog, sizeof(a.prog));
		if (!a.id)
			continue;
		snprintf(a.ifname, sizeof(a.ifname), "%s", i->if_name);
		if (n < max)
			out[n] = a;
		n++;
	}
	if (ifs)
		if_freenameindex(ifs);
	return n;
}

/*
 * Pins of another botsink version hold values of another size (the ABI's
 * types): read with this one's, every number would be wrong.
 */
static int check_value_sizes(const char *pin_dir, struct botsink_maps *m, char *err, size_t errlen)
{
	const struct {
		const char *name;
		int fd;
		__u32 size;
	} maps[] = {
		{ "botsink_stats", m->stats, sizeof(struct botsink_stats) },
		{ "botsink_hits", m->hits, sizeof(struct botsink_rule_hits) },
		{ "botsink_drain", m->drain, sizeof(struct botsink_drain_state) },
		{ "botsink_rules", m->rules, sizeof(struct botsink_rule_info) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(maps[i].fd, &info, &len) ||
		    info.value_size == maps[i].size)
			continue;
		snprintf(
			err, errlen,
			"%s/%s holds %u-byte values, this botsink's are %u bytes: the maps of another botsink version",
			pin_dir, maps[i].name, info.value_size, maps[i].size);
		maps_close(m);
		return -1;
	}
	return 0;
}

int maps_open_pinned(const char *pin_dir, struct botsink_maps *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < BOTSINK_NMAPS; i++)
		*map_slot(m, i) = -1;
	for (size_t i = 0; i < BOTSINK_NMAPS; i++) {
		char path[PATH_MAX];
		int fd;

		snprintf(path, sizeof(path), "%s/%s", pin_dir, map_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
			maps_close(m);
			return -1;
		}
		*map_slot(m, i) = fd;
	}
	return check_value_sizes(pin_dir, m, err, errlen);
}

void maps_close(struct botsink_maps *m)
{
	for (size_t i = 0; i < BOTSINK_NMAPS; i++) {
		if (*map_slot(m, i) >= 0)
			close(*map_slot(m, i));
		*map_slot(m, i) = -1;
	}
}
