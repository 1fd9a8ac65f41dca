// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/counters.h"
#include "kernel/install.h"
#include "kernel/map_io.h"
#include "lib/addr.h"
#include "lib/log.h"
#include "lib/util.h"
#include "rules/dir4.h"

const struct keyword verdict_names[] = {
	{ "pass", BOTSINK_VERDICT_PASS },
	{ "drop", BOTSINK_VERDICT_DROP },
	{ NULL, 0 },
};

const struct keyword respond_names[] = {
	{ "none", BOTSINK_RESPOND_NONE },
	{ "tcp", BOTSINK_RESPOND_TCP },
	{ "http", BOTSINK_RESPOND_HTTP },
	{ NULL, 0 },
};

static void fill_info(struct botsink_rule_info *info, const struct rule *r)
{
	memset(info, 0, sizeof(*info));
	info->sid = r->sid;
	info->rev = r->rev;
	info->live = 1;
	snprintf(info->family, sizeof(info->family), "%s", r->family);
	snprintf(info->msg, sizeof(info->msg), "%s", r->msg ? r->msg : "");
}

/* Array elements cannot be deleted (-EINVAL): zero every CPU's share. */
static int reset_hits(int hits_fd, __u32 slot)
{
	int ncpus = libbpf_num_possible_cpus();
	struct botsink_rule_hits *zero;
	int ret;

	if (ncpus <= 0)
		return -EINVAL;
	zero = calloc((size_t)ncpus, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	ret = bpf_map_update_elem(hits_fd, &slot, zero, BPF_ANY) ? -errno : 0;
	free(zero);
	return ret;
}

/*
 * Keep each sid in the slot it had; give new sids a free slot, or else the
 * slot of a sid no longer loaded (its totals are reset). Only past 32,767
 * sids seen does a slot change hands, and then the old rule's last packets
 * before the swap may land in the new rule's totals (never in the feed,
 * which is keyed by sid).
 */
struct sid_slot {
	__u32 sid;
	__u32 slot;
};

static int cmp_sid_slot(const void *a, const void *b)
{
	const struct sid_slot *x = a, *y = b;

	return x->sid < y->sid ? -1 : x->sid > y->sid;
}

/* The slot holding `sid` (sorted table), or 0. */
static __u32 find_slot(const struct sid_slot *table, size_t n, __u32 sid)
{
	struct sid_slot key = { .sid = sid };
	const struct sid_slot *hit = bsearch(&key, table, n, sizeof(*table), cmp_sid_slot);

	return hit ? hit->slot : 0;
}

static int assign_slots(int rules_fd, int hits_fd, const struct rule_set *rs, __u16 *slot_of,
			char *err, size_t errlen)
{
	struct botsink_rule_info *info = calloc(BOTSINK_MAX_RULES, sizeof(*info));
	struct sid_slot *held = calloc(BOTSINK_MAX_RULES, sizeof(*held));
	bool *taken = calloc(BOTSINK_MAX_RULES, sizeof(*taken));
	__u32 next[2] = { 1, 1 }; /* where each pass's search for a slot resumes */
	size_t nheld = 0;
	int ret = -1;

	if (!info || !held || !taken) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (array_read_all(rules_fd, BOTSINK_MAX_RULES, info, sizeof(*info))) {
		snprintf(err, errlen, "cannot read botsink_rules: %s", strerror(errno));
		goto out;
	}
	for (__u32 i = 1; i < BOTSINK_MAX_RULES; i++) {
		if (!info[i].sid)
			continue;
		held[nheld].sid = info[i].sid;
		held[nheld++].slot = i;
	}
	qsort(held, nheld, sizeof(*held), cmp_sid_slot);
	for (size_t r = 0; r < rs->n; r++) {
		slot_of[r] = (__u16)find_slot(held, nheld, rs->rules[r].sid);
		taken[slot_of[r]] = true;
	}
	/* New sids: a never used slot first, else one of a sid no longer loaded. */
	for (size_t r = 0; r < rs->n; r++) {
		for (int pass = 0; pass < 2 && !slot_of[r]; pass++) {
			for (__u32 i = next[pass]; i < BOTSINK_MAX_RULES && !slot_of[r]; i++) {
				next[pass] = i + 1;
				if (taken[i] || (pass == 0 && info[i].sid))
					continue;
				slot_of[r] = (__u16)i;
				taken[i] = true;
				if (info[i].sid && reset_hits(hits_fd, i))
					log_warn("rule slot %u keeps the totals of sid %u", i,
						 info[i].sid);
			}
		}
		if (!slot_of[r]) {
			snprintf(err, errlen, "more than %d rules", BOTSINK_MAX_RULES - 1);
			goto out;
		}
	}
	ret = 0;
out:
	free(info);
	free(held);
	free(taken);
	return ret;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Slots of sids no longer loaded: kept for their totals, marked retired. */
static int retire_slots(int rules_fd, const struct rule_set *rs)
{
	__u32 *sids = calloc(rs->n ? rs->n : 1, sizeof(*sids));
	struct botsink_rule_info *info = calloc(BOTSINK_MAX_RULES, sizeof(*info));
	int ret = sids && info ? 0 : -ENOMEM;

	if (!ret)
		ret = array_read_all(rules_fd, BOTSINK_MAX_RULES, info, sizeof(*info));
	for (size_t i = 0; i < rs->n && !ret; i++)
		sids[i] = rs->rules[i].sid;
	if (!ret)
		qsort(sids, rs->n, sizeof(*sids), cmp_u32);
	for (__u32 slot = 1; slot < BOTSINK_MAX_RULES && !ret; slot++) {
		if (!info[slot].sid || !info[slot].live ||
		    bsearch(&info[slot].sid, sids, rs->n, sizeof(*sids), cmp_u32))
			continue;
		info[slot].live = 0;
		if (bpf_map_update_elem(rules_fd, &slot, &info[slot], BPF_ANY))
			ret = -errno;
	}
	free(sids);
	free(info);
	return ret;
}

/* Slot 0 (unclassified) and every rule's slot, in one batch. */
static int write_rule_info(int rules_fd, const struct rule_set *rs, const __u16 *slot_of)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct botsink_rule_info *info = calloc(rs->n + 1, sizeof(*info));
	__u32 *slots = calloc(rs->n + 1, sizeof(*slots)), count = (__u32)rs->n + 1;
	int ret = info && slots ? 0 : -ENOMEM;

	if (!ret) {
		slots[0] = BOTSINK_SLOT_UNCLASSIFIED;
		snprintf(info[0].family, sizeof(info[0].family), "unclassified");
		info[0].live = 1;
		for (size_t r = 0; r < rs->n; r++) {
			slots[r + 1] = slot_of[r];
			fill_info(&info[r + 1], &rs->rules[r]);
		}
		if (bpf_map_update_batch(rules_fd, slots, info, &count, &opts))
			ret = -errno;
	}
	free(info);
	free(slots);
	return ret;
}

/* A rule set's list index (see botsink_lists in include/botsink_abi.h); 0: none. */
static __u32 list_index(__u8 ruleset, unsigned int list)
{
	return list ? (__u32)ruleset * BOTSINK_MAX_LISTS + list : 0;
}

/* Delete one rule set's entries from the IPv6 trie. */
static int clear_v6(int fd, __u8 ruleset)
{
	struct botsink_dst6_key cur, next, *doomed = NULL;
	bool started = false;
	size_t n = 0;
	int ret = 0;

	/* Collect first: deleting while walking a trie would restart the walk. */
	while (!bpf_map_get_next_key(fd, started ? &cur : NULL, &next)) {
		cur = next;
		started = true;
		if (cur.ruleset != ruleset)
			continue;
		if (!array_grow((void **)&doomed, n + 1, sizeof(*doomed))) {
			free(doomed);
			return -ENOMEM;
		}
		doomed[n++] = cur;
	}
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, &doomed[i]) && errno != ENOENT)
			ret = -errno;
	free(doomed);
	return ret;
}

/* One rule set's half of the IPv4 table (all zero for an empty rule set). */
static int write_v4(const struct botsink_maps *m, const struct compiled *c, __u8 ruleset)
{
	struct dir4 *d = malloc(sizeof(*d));
	int ret;

	if (!d)
		return -ENOMEM;
	ret = compiled_v4_table(c, (__u32)ruleset * BOTSINK_MAX_LISTS,
				(__u32)ruleset * (BOTSINK_V4_GROUPS / 2), d);
	for (size_t g = 0; !ret && g < d->ngroups; g++)
		ret = map_write_range(m->v4_groups, (d->group_base + (__u32)g) << 8, d->groups[g],
				      256);
	/* The first-level half last: it is what makes the groups reachable. */
	if (!ret)
		ret = map_write_range(m->v4, (__u32)ruleset << 16, d->l1, 1 << 16);
	dir4_free(d);
	free(d);
	return ret;
}

/* The runs of a list's rules with fast patterns, keyed by list and slot. */
static int write_stamped(const struct botsink_maps *m, const struct compiled_candidate *cand,
			 size_t n, const struct list_runs *runs, const __u16 *slot_of,
			 const struct botsink_list *list)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct botsink_stamped_key *keys = calloc(runs->stamped ? runs->stamped : 1, sizeof(*keys));
	struct botsink_run *values = calloc(runs->stamped ? runs->stamped : 1, sizeof(*values));
	__u32 count = 0;
	int ret = keys && values ? 0 : -ENOMEM;

	for (size_t i = runs->walk + runs->payload; i < n && !ret; i++) {
		if (count && cand[i].rule == cand[i - 1].rule) {
			values[count - 1].count++;
			continue;
		}
		if (count == runs->stamped) {
			ret = -EINVAL;
			break;
		}
		keys[count] = (struct botsink_stamped_key){ list->id, slot_of[cand[i].rule] };
		values[count++] = (struct botsink_run){ list->first + (__u32)i, 1 };
	}
	if (!ret && count && bpf_map_update_batch(m->stamped, keys, values, &count, &opts))
		ret = -errno;
	free(keys);
	free(values);
	return ret;
}

/*
 * One list: its candidates at botsink_cands[*cursor...], its rules' runs,
 * its botsink_lists entry; the entry is also returned (port tables hold it).
 */
static int write_list(const struct botsink_maps *m, const struct compiled_candidate *cand, size_t n,
		      const struct list_runs *runs, unsigned int list, unsigned int port_table,
		      __u16 syn_rule, const __u16 *slot_of, __u8 ruleset, __u32 *cursor,
		      struct botsink_list *out)
{
	struct botsink_list value = {
		.first = (__u32)ruleset * BOTSINK_MAX_CANDS + *cursor,
		.count = (__u16)runs->walk,
		.payload_count = (__u16)runs->payload,
		.port_table = (__u16)port_table,
		.stamped = (__u16)runs->stamped,
		.id = list_index(ruleset, list),
		.dns_rank = runs->dns_rank,
	};
	struct botsink_candidate *values = calloc(n ? n : 1, sizeof(*values));
	int ret = values ? 0 : -ENOMEM;

	if (syn_rule)
		value.syn_rule = syn_rule; /* a port list: it has no port table */
	if (!ret && *cursor + n > BOTSINK_MAX_CANDS)
		ret = -ENOSPC;
	for (size_t j = 0; j < n && !ret; j++) {
		values[j] = cand[j].c;
		values[j].slot = slot_of[cand[j].rule];
		if (values[j].ncontents)
			values[j].content += (__u32)ruleset * BOTSINK_MAX_CONTENTS;
	}
	if (!ret)
		ret = map_write_range(m->cands, value.first, values, (__u32)n);
	if (!ret && runs->stamped)
		ret = write_stamped(m, cand, n, runs, slot_of, &value);
	if (!ret && bpf_map_update_elem(m->lists, &value.id, &value, BPF_ANY))
		ret = -errno;
	*cursor += (__u32)n;
	if (out)
		*out = value;
	free(values);
	return ret;
}

static bool stamped_in(const void *key, const void *value, __u8 ruleset)
{
	(void)value;
	return ((const struct botsink_stamped_key *)key)->list / BOTSINK_MAX_LISTS == ruleset;
}

static int clear_stamped(const struct botsink_maps *m, __u8 ruleset)
{
	return clear_hash(m->stamped, sizeof(struct botsink_stamped_key),
			  sizeof(struct botsink_run), ruleset, stamped_in);
}

/* botsink_port1's slot for a port table's block of 256 ports (see the ABI). */
static __u32 port_block(__u8 ruleset, unsigned int table, __u8 proto, __u16 port)
{
	return (((__u32)ruleset * BOTSINK_PORT_TABLES + table) * 2 + (proto == IPPROTO_UDP)) << 8 |
	       port >> 8;
}

/*
 * An entry's port lists in its port table: a group of 256 slots per block
 * of ports that has any, then the block's first-level slot.
 */
static int write_port_table(const struct botsink_maps *m, const struct dst_entry *e,
			    const struct botsink_list *lists, __u8 ruleset, __u32 *group)
{
	struct botsink_list slots[256];
	__u32 block = 0;
	int ret = 0;

	for (size_t k = 0; k < e->nports && !ret;) {
		block = port_block(ruleset, e->port_table, e->ports[k].proto, e->ports[k].port);
		memset(slots, 0, sizeof(slots));
		while (k < e->nports && port_block(ruleset, e->port_table, e->ports[k].proto,
						   e->ports[k].port) == block) {
			slots[e->ports[k].port & 0xff] = lists[k];
			k++;
		}
		++*group;
		ret = map_write_range(m->port2, *group << 8, slots, 256);
		if (!ret && bpf_map_update_elem(m->port1, &block, group, BPF_ANY))
			ret = -errno;
	}
	return ret;
}

/* Empty one rule set's half of the port tables: its groups become unreachable. */
static int clear_port_tables(const struct botsink_maps *m, __u8 ruleset)
{
	__u32 n = BOTSINK_PORT_TABLES * 2 * 256;
	__u32 *zero = calloc(n, sizeof(*zero));
	int ret =
		zero ? map_write_range(m->port1, port_block(ruleset, 0, IPPROTO_TCP, 0), zero, n) :
		       -ENOMEM;

	free(zero);
	return ret;
}

/* Each entry's port lists and port table, then its own list, which leads to them. */
static int write_lists(const struct botsink_maps *m, const struct compiled *c, const __u16 *slot_of,
		       __u8 ruleset)
{
	__u32 cursor = 0, group = (__u32)ruleset * BOTSINK_PORT_GROUPS;
	int ret = 0;

	for (size_t i = 0; i < c->ndst && !ret; i++) {
		const struct dst_entry *e = &c->dst[i];
		struct botsink_list *lists;

		if (!e->list || e->shared)
			continue;
		lists = calloc(e->nports ? e->nports : 1, sizeof(*lists));
		if (!lists)
			return -ENOMEM;
		for (size_t k = 0; k < e->nports && !ret; k++)
			ret = write_list(m, e->ports[k].cand, e->ports[k].runs.reached,
					 &e->ports[k].runs, e->ports[k].list, 0,
					 e->ports[k].syn_rule, slot_of, ruleset, &cursor,
					 &lists[k]);
		if (!ret && e->nports)
			ret = write_port_table(m, e, lists, ruleset, &group);
		free(lists);
		if (!ret)
			ret = write_list(m, e->cand, e->runs.reached, &e->runs, e->list,
					 e->port_table, 0, slot_of, ruleset, &cursor, NULL);
	}
	return ret;
}

static int write_v6(const struct botsink_maps *m, const struct compiled *c, __u8 ruleset)
{
	for (size_t i = 0; i < c->ndst; i++) {
		const struct dst_entry *e = &c->dst[i];
		struct botsink_dst6_key key = {
			.prefixlen = 8 + e->prefix.len,
			.ruleset = ruleset,
		};
		__u32 list = list_index(ruleset, e->list);

		if (prefix_is_v4(&e->prefix))
			continue;
		memcpy(key.addr, &e->prefix.addr, 16);
		if (bpf_map_update_elem(m->dst6, &key, &list, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* One rule set's half of botsink_tcp_ports: where the responder answers. */
static int write_tcp_ports(const struct botsink_maps *m, const struct compiled *c, __u8 ruleset)
{
	__u64 *zero = c->tcp_ports ? NULL : calloc(BOTSINK_TCP_PORT_WORDS, sizeof(*zero));
	const __u64 *bits = c->tcp_ports ? c->tcp_ports : zero;
	int ret;

	if (!bits)
		return -ENOMEM;
	ret = map_write_range(m->tcp_ports, (__u32)ruleset * BOTSINK_TCP_PORT_WORDS, bits,
			      BOTSINK_TCP_PORT_WORDS);
	free(zero);
	return ret;
}

/* Everything a rule set needs, in its idle half: lists first, then tables. */
static int write_destinations(const struct botsink_maps *m, const struct compiled *c,
			      const __u16 *slot_of, __u8 ruleset)
{
	int ret = clear_v6(m->dst6, ruleset); /* leftovers of an interrupted install */

	if (!ret)
		ret = clear_port_tables(m, ruleset);
	if (!ret)
		ret = clear_stamped(m, ruleset);
	if (!ret)
		ret = write_payload(m, c, slot_of, ruleset);
	if (!ret)
		ret = write_lists(m, c, slot_of, ruleset);
	if (!ret)
		ret = write_tcp_ports(m, c, ruleset);
	if (!ret)
		ret = write_v6(m, c, ruleset);
	if (!ret)
		ret = write_v4(m, c, ruleset);
	return ret;
}

/* Empty one rule set's tables (its lists and groups become unreachable). */
static int clear_ruleset(const struct botsink_maps *m, __u8 ruleset)
{
	struct compiled none = { 0 };
	int ret = clear_v6(m->dst6, ruleset);

	if (!ret)
		ret = write_v4(m, &none, ruleset);
	if (!ret)
		ret = clear_port_tables(m, ruleset);
	if (!ret)
		ret = write_tcp_ports(m, &none, ruleset);
	if (!ret)
		ret = clear_stamped(m, ruleset);
	return ret ? ret : clear_payload(m, ruleset);
}

/* The sets of botsink_recent as the map was created (a power of two). */
static __u32 recent_sets(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.max_entries & (info.max_entries - 1))
		return BOTSINK_RECENT_SETS;
	return info.max_entries;
}

int install_rules(const struct botsink_maps *m, const struct rule_set *rs, struct compiled *c,
		  enum botsink_verdict verdict, enum botsink_respond respond, char *err,
		  size_t errlen)
{
	struct botsink_config cfg = { 0 };
	__u16 *slot_of = calloc(rs->n ? rs->n : 1, sizeof(*slot_of));
	__u32 zero = 0;
	__u8 next;
	int ret = -1;

	if (!slot_of) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (bpf_map_lookup_elem(m->config, &zero, &cfg)) {
		snprintf(err, errlen, "cannot read botsink_config: %s", strerror(errno));
		goto out;
	}
	next = cfg.ruleset ? 0 : 1;
	if (assign_slots(m->rules, m->hits, rs, slot_of, err, errlen))
		goto out;
	ret = write_destinations(m, c, slot_of, next);
	if (ret) {
		snprintf(err, errlen, "cannot write the destination table: %s", strerror(-ret));
		clear_ruleset(m, next);
		ret = -1;
		goto out;
	}
	ret = write_rule_info(m->rules, rs, slot_of);
	cfg.ruleset = next;
	cfg.verdict = verdict;
	cfg.respond = verdict == BOTSINK_VERDICT_DROP ? respond : BOTSINK_RESPOND_NONE;
	cfg.recent_mask = recent_sets(m->recent) - 1;
	if (!ret && bpf_map_update_elem(m->config, &zero, &cfg, BPF_ANY))
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "cannot switch rule sets: %s", strerror(-ret));
		clear_ruleset(m, next);
		ret = -1;
		goto out;
	}
	/* No packet still looks at the old entries after the grace period. */
	ret = counters_sync(m);
	if (!ret)
		ret = clear_ruleset(m, !next);
	if (!ret)
		ret = retire_slots(m->rules, rs);
	if (ret)
		log_warn("the old rule set's destinations may remain in the tables: %s",
			 strerror(-ret));
	ret = 0;
out:
	free(slot_of);
	return ret;
}
