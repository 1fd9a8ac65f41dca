// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/collect.h"
#include "lib/parse.h"
#include "collect.skel.h"

/* The mapped array's stride is the value size rounded up to 8. */
_Static_assert(sizeof(struct botsink_source_count) % 8 == 0, "botsink_source_count stride");

/*
 * The program visits CPUs 0 to N-1 by id: the possible CPUs must be just
 * those ("0" or "0-N", as on every machine seen so far). N, or -1 and err.
 */
static int possible_cpus(char *err, size_t errlen)
{
	static const char path[] = "/sys/devices/system/cpu/possible";
	char buf[64] = "";
	FILE *f = fopen(path, "r");
	uint64_t n;
	long last = -1;

	if (f && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (!strcmp(buf, "0"))
			last = 0;
		else if (!strncmp(buf, "0-", 2) && !parse_uint(buf + 2, INT_MAX - 1, &n))
			last = (long)n;
	}
	if (f)
		fclose(f);
	if (last < 0)
		snprintf(err, errlen, "%s says \"%s\": only CPU ids 0 to N are supported", path,
			 buf);
	return last < 0 ? -1 : (int)last + 1;
}

int collector_open(struct collector *c, int active_fd, __u32 entries, char *err, size_t errlen)
{
	void *counts;
	int ret;

	memset(c, 0, sizeof(*c));
	c->ncpus = possible_cpus(err, errlen);
	if (c->ncpus < 0)
		return -1;
	c->skel = collect__open();
	if (!c->skel) {
		snprintf(err, errlen, "cannot open the collector: %s", strerror(errno));
		goto fail;
	}
	c->counts_bytes = sizeof(struct botsink_source_count) * entries;
	ret = bpf_map__reuse_fd(c->skel->maps.botsink_active, active_fd);
	if (!ret)
		ret = bpf_map__set_max_entries(c->skel->maps.botsink_collected, entries);
	if (!ret)
		ret = collect__load(c->skel);
	if (ret) {
		snprintf(err, errlen,
			 "cannot load the collector: %s (it needs Linux 5.19 or later)",
			 strerror(-ret));
		goto fail;
	}
	counts = mmap(NULL, c->counts_bytes, PROT_READ, MAP_SHARED,
		      bpf_map__fd(c->skel->maps.botsink_collected), 0);
	if (counts == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the collector's output: %s", strerror(errno));
		goto fail;
	}
	c->counts = counts;
	return 0;
fail:
	collector_close(c);
	return -1;
}

/* Run `prog` on table args->slot. 0 or -errno. */
static int run(struct bpf_program *prog, struct botsink_collect_args *args)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(*args));

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		return -errno;
	return -(int)opts.retval;
}

int collector_read(const struct collector *c, __u32 slot, __u32 base, size_t *n)
{
	struct botsink_collect_args args = { .slot = slot, .ncpus = (__u32)c->ncpus, .base = base };
	int ret = run(c->skel->progs.botsink_collect, &args);

	*n = ret ? 0 : args.count;
	return ret;
}

int collector_clear(const struct collector *c, __u32 slot)
{
	struct botsink_collect_args args = { .slot = slot };

	return run(c->skel->progs.botsink_clear, &args);
}

void collector_close(struct collector *c)
{
	if (c->counts)
		munmap((void *)c->counts, c->counts_bytes);
	c->counts = NULL;
	collect__destroy(c->skel);
	c->skel = NULL;
}
