// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Ranking: for one destination entry, a rule's candidates come before
 * another's when it has
 *   1. the longer destination prefix covering the entry (any/variables last),
 *   2. the more exact destination port (one port, then list/range, then any),
 *   3. payload constraints (content, dsize, an HTTP/DNS protocol, a domain list),
 *   4. a specific protocol (tcp/udp before ip),
 *   5. a flags keyword,
 *   6. the lower sid.
 * The first candidate that matches a packet wins, so a more specific prefix
 * whose rules fail on port or flags falls back to the covering rules.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "rules/compile.h"
#include "rules/dir4.h"

struct ranked {
	size_t rule;
	int dst_len; /* -1: any/variable */
	const struct rule *r;
};

static int cmp_prefix(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(&x->addr, &y->addr, sizeof(x->addr));
}

static bool push_prefix(struct prefix **arr, size_t *n, const struct prefix *p)
{
	if (!array_grow((void **)arr, *n + 1, sizeof(**arr)))
		return false;
	(*arr)[(*n)++] = *p;
	return true;
}

static bool in_space(const struct compiled *c, const struct prefix *p)
{
	return addr_set_contains(&c->space, p, NULL);
}

static bool overlaps_space(const struct compiled *c, const struct prefix *p)
{
	return addr_set_meets(&c->space, p);
}

/* The rules' destination prefixes, as one set of `in` items to normalise. */
static int dst_prefixes(const struct rule_set *rs, struct addr_set *all)
{
	memset(all, 0, sizeof(*all));
	for (size_t i = 0; i < rs->n; i++) {
		const struct addr_set *dst = &rs->rules[i].dst;

		for (size_t j = 0; j < dst->n; j++) {
			if (!dst->items[j].in)
				continue;
			if (!array_grow((void **)&all->items, all->n + 1, sizeof(*all->items)))
				return -1;
			all->items[all->n++] = dst->items[j];
		}
	}
	return 0;
}

/* The space as given, or the union of the rules' destination prefixes. */
static int build_space(struct rule_set *rs, const struct addr_set *sinkhole, struct compiled *c)
{
	struct addr_set prefixes;
	int err = 0;

	if (sinkhole)
		return addr_set_union(&c->space, sinkhole) ? -1 : 0;
	for (size_t i = 0; i < rs->n; i++) {
		if (!rs->rules[i].dst.dflt)
			continue;
		rules_add_error(
			rs, rs->rules[i].line,
			"destination 'any', a variable or a negation means the whole sinkhole space: give --sinkhole");
		err = -1;
	}
	if (dst_prefixes(rs, &prefixes) || addr_set_build(&c->space, &prefixes, 1, NULL, 0)) {
		addr_set_free(&prefixes);
		return -1;
	}
	addr_set_free(&prefixes);
	if (!err && addr_set_is_empty(&c->space)) {
		rules_add_error(
			rs, 0,
			"no sinkhole space: give --sinkhole or rules with destination prefixes");
		err = -1;
	}
	return err;
}

/*
 * Entries: the space's prefixes, the holes taken out of it, and every rule
 * prefix inside the space.
 */
static int build_entries(struct rule_set *rs, struct compiled *c, struct prefix **out, size_t *n)
{
	int err = 0;

	for (size_t i = 0; i < c->space.n; i++)
		if (!push_prefix(out, n, &c->space.items[i].prefix))
			return -1;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->rules[i];
		const struct addr_item *first_in = NULL;
		bool reachable = r->dst.dflt;
		char text[PREFIX_TEXT_LEN];

		for (size_t j = 0; j < r->dst.n; j++) {
			const struct addr_item *it = &r->dst.items[j];

			if (it->in && !first_in)
				first_in = it;
			reachable |= it->in && overlaps_space(c, &it->prefix);
			if (in_space(c, &it->prefix) && !push_prefix(out, n, &it->prefix))
				return -1;
		}
		if (!reachable && first_in) {
			prefix_format(&first_in->prefix, text, sizeof(text));
			rules_add_error(rs, r->line,
					"destination %s is outside the sinkhole space (--sinkhole)",
					text);
			err = -1;
		}
	}
	qsort(*out, *n, sizeof(**out), cmp_prefix);
	for (size_t i = 1, k = 1; i <= *n; i++) {
		if (i == *n) {
			*n = k;
			break;
		}
		if (!prefix_equal(&(*out)[i], &(*out)[k - 1]))
			(*out)[k++] = (*out)[i];
	}
	/* Both rule sets live in the trie while one replaces the other. */
	if (*n > BOTSINK_MAX_DESTINATIONS / 2) {
		rules_add_error(rs, 0, "%zu destination prefixes; the limit is %d", *n,
				BOTSINK_MAX_DESTINATIONS / 2);
		err = -1;
	}
	return err;
}

/*
 * Does the rule cover the entry's addresses? -2: no; else the length of
 * the rule prefix that covers them (-1: any, a variable, a negation).
 */
static int covering_length(const struct rule *r, const struct prefix *entry)
{
	int len;

	return addr_set_contains(&r->dst, entry, &len) ? len : -2;
}

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	enum port_class px = port_class(&x->r->dport), py = port_class(&y->r->dport);

	if (x->dst_len != y->dst_len)
		return x->dst_len > y->dst_len ? -1 : 1;
	if (px != py)
		return px < py ? -1 : 1;
	if (rule_has_payload(x->r) != rule_has_payload(y->r))
		return rule_has_payload(x->r) ? -1 : 1;
	if (!x->r->proto != !y->r->proto)
		return x->r->proto ? -1 : 1;
	if (x->r->has_flags != y->r->has_flags)
		return x->r->has_flags ? -1 : 1;
	return x->r->sid < y->r->sid ? -1 : x->r->sid > y->r->sid;
}

static bool same_family(const struct prefix *a, const struct prefix *b)
{
	return prefix_is_v4(a) == prefix_is_v4(b);
}

static struct botsink_candidate header_fields(const struct compiled *cc, const struct rule *r,
					      size_t rule)
{
	struct botsink_candidate c = {
		.sid = r->sid,
		.proto = r->proto,
		.flags_op = r->flags_op,
		.flags_mask = r->flags_mask,
		.flags_value = r->flags_value,
	};

	payload_candidate(cc, rule, &c);
	return c;
}

static void set_source(struct botsink_candidate *c, const struct prefix *p)
{
	memcpy(c->src_addr, &p->addr, 16);
	prefix_netmask(p->len, c->src_mask);
}

static bool push_candidate(struct dst_entry *e, const struct botsink_candidate *c, size_t rule)
{
	if (!array_grow((void **)&e->cand, e->n + 1, sizeof(*e->cand)))
		return false;
	e->cand[e->n].c = *c;
	e->cand[e->n].rule = rule;
	e->n++;
	return true;
}

static bool push_sources(const struct compiled *cc, struct dst_entry *e, const struct rule *r,
			 size_t rule, const struct prefix *src)
{
	for (size_t i = 0; i < r->sport.n; i++) {
		for (size_t j = 0; j < r->dport.n; j++) {
			struct botsink_candidate c = header_fields(cc, r, rule);

			c.sport_lo = r->sport.ranges[i].lo;
			c.sport_hi = r->sport.ranges[i].hi;
			c.dport_lo = r->dport.ranges[j].lo;
			c.dport_hi = r->dport.ranges[j].hi;
			if (src) {
				c.kind = BOTSINK_CAND_MATCH_SRC;
				set_source(&c, src);
			}
			if (!push_candidate(e, &c, rule))
				return false;
		}
	}
	return true;
}

/*
 * A rule's entries for one destination, its source set most specific
 * prefix first, so the first source entry that contains a packet's source
 * decides: an `in` prefix (one entry per port range pair) matches, an `out`
 * prefix rules the rest of the rule out. Then, when the set's default is
 * `in`, entries for any source. Source prefixes of the other address
 * family can never match here: left out.
 */
static bool expand_rule(const struct compiled *cc, struct dst_entry *e, const struct rule *r,
			size_t rule)
{
	size_t start = e->n;

	for (size_t k = r->src.n; k-- > 0;) {
		const struct addr_item *it = &r->src.items[k];
		struct botsink_candidate c = header_fields(cc, r, rule);

		if (!same_family(&it->prefix, &e->prefix))
			continue;
		if (it->in) {
			if (!push_sources(cc, e, r, rule, &it->prefix))
				return false;
			continue;
		}
		c.kind = BOTSINK_CAND_EXCLUDE_SRC;
		set_source(&c, &it->prefix);
		if (!push_candidate(e, &c, rule))
			return false;
	}
	if (r->src.dflt && !push_sources(cc, e, r, rule, NULL))
		return false;
	/* Nothing can match from this family: drop the exclusions too. */
	for (size_t i = start; i < e->n; i++)
		if (e->cand[i].c.kind != BOTSINK_CAND_EXCLUDE_SRC)
			return true;
	e->n = start;
	return true;
}

bool rule_in_port_lists(const struct rule *r)
{
	if (r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		return false;
	if (!r->dport.n || r->dport.n > BOTSINK_PORT_FANOUT)
		return false;
	for (size_t i = 0; i < r->dport.n; i++)
		if (r->dport.ranges[i].lo != r->dport.ranges[i].hi)
			return false;
	return true;
}

static struct port_list *port_list_for(struct dst_entry *e, __u8 proto, __u16 port)
{
	struct port_list *pl;

	for (size_t i = 0; i < e->nports; i++)
		if (e->ports[i].proto == proto && e->ports[i].port == port)
			return &e->ports[i];
	if (!array_grow((void **)&e->ports, e->nports + 1, sizeof(*e->ports)))
		return NULL;
	pl = &e->ports[e->nports++];
	memset(pl, 0, sizeof(*pl));
	pl->proto = proto;
	pl->port = port;
	return pl;
}

static bool push_to(struct compiled_candidate **arr, size_t *n, const struct compiled_candidate *c)
{
	if (!array_grow((void **)arr, *n + 1, sizeof(**arr)))
		return false;
	(*arr)[(*n)++] = *c;
	return true;
}

/*
 * Split the entry's full ranked order: entries of port-dispatched rules go
 * to the port lists of their ports (an exclusion entry to each of its
 * rule's ports), the rest stay in the destination's list. Ranks are
 * positions in the full order, so the XDP program can tell which of two
 * lists' matches comes first.
 */
static int split_ports(const struct rule_set *rs, struct dst_entry *e)
{
	struct compiled_candidate *full = e->cand;
	size_t n = e->n;
	int ret = 0;

	e->cand = NULL;
	e->n = 0;
	for (size_t i = 0; i < n && !ret; i++) {
		const struct rule *r = &rs->rules[full[i].rule];
		struct port_list *pl;

		full[i].c.rank = (__u32)i;
		if (!rule_in_port_lists(r)) {
			ret = push_to(&e->cand, &e->n, &full[i]) ? 0 : -1;
			continue;
		}
		for (size_t k = 0; k < r->dport.n && !ret; k++) {
			__u16 port = r->dport.ranges[k].lo;

			if (full[i].c.kind != BOTSINK_CAND_EXCLUDE_SRC &&
			    full[i].c.dport_lo != port)
				continue;
			pl = port_list_for(e, r->proto, port);
			if (!pl || !push_to(&pl->cand, &pl->n, &full[i]))
				ret = -1;
		}
	}
	free(full);
	return ret;
}

/*
 * The prefilter pays one pass over the payload to spare each rule's own
 * search; in a list with few rules for it to name the rules search alone.
 */
#define PREFILTER_MIN_RULES 4

enum run_kind {
	RUN_WALK, /* walked for every packet */
	RUN_PAYLOAD, /* walked for packets with payload */
	RUN_STAMPED, /* a rule's own run, when the prefilter names it */
	RUN_KINDS,
};

static enum run_kind run_of(const struct compiled *cc, size_t rule, bool stamping)
{
	const struct rule_payload *p = &cc->payload[rule];

	if (!p->needs_data)
		return RUN_WALK;
	return stamping && p->prefilter ? RUN_STAMPED : RUN_PAYLOAD;
}

static bool rule_starts(const struct compiled_candidate *cand, size_t i)
{
	return i == 0 || cand[i].rule != cand[i - 1].rule;
}

/* Each rule with entries past the bound of run cand[start, end). */
static int check_run(struct rule_set *rs, const struct compiled_candidate *cand, size_t start,
		     size_t end, enum run_kind kind, const char *where)
{
	static const char *const what[RUN_KINDS] = {
		[RUN_WALK] =
			"walked for every packet (header-only rules, and those an empty payload can match)",
		[RUN_PAYLOAD] =
			"walked for packets with payload (rules without a 4-byte fast pattern)",
		[RUN_STAMPED] = "for one rule",
	};
	int err = 0;

	for (size_t i = start + BOTSINK_MAX_CANDIDATES; i < end; i++) {
		const struct rule *r = &rs->rules[cand[i].rule];

		if (i != start + BOTSINK_MAX_CANDIDATES && !rule_starts(cand, i))
			continue;
		rules_add_error(
			rs, r->line,
			"sid %u: %s: more than %d candidate entries %s; each port range and source prefix of a rule is one",
			r->sid, where, BOTSINK_MAX_CANDIDATES, what[kind]);
		err = -1;
	}
	return err;
}

static void describe_list(const struct dst_entry *e, const struct port_list *pl, char *out,
			  size_t len)
{
	char text[PREFIX_TEXT_LEN];

	prefix_format(&e->prefix, text, sizeof(text));
	if (pl)
		snprintf(out, len, "destination %s port %s/%u", text, rule_proto_name(pl->proto),
			 pl->port);
	else
		snprintf(out, len, "destination %s", text);
}

/* Ports lo..hi in a port bitmap. */
static void set_ports(__u64 *bits, unsigned int lo, unsigned int hi)
{
	for (unsigned int p = lo; p <= hi; p++) {
		if (p % 64 == 0 && p + 63 <= hi) {
			bits[p / 64] = ~0ULL;
			p += 63;
			continue;
		}
		bits[p / 64] |= 1ULL << (p % 64);
	}
}

static void add_tcp_ports(__u64 *bits, const struct compiled_candidate *cand, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct botsink_candidate *c = &cand[i].c;

		if (c->kind != BOTSINK_CAND_EXCLUDE_SRC && c->proto == IPPROTO_TCP)
			set_ports(bits, c->dport_lo, c->dport_hi);
	}
}

/*
 * Does entry i match every packet that reaches its list (a header-only
 * rule's first entry, from any source and port, without flags)? Then no
 * entry ranked after it can ever win.
 */
/* Any source port: the entry does not look at it. */
static bool any_sport(const struct botsink_candidate *c)
{
	return c->sport_lo == 0 && c->sport_hi == 65535;
}

/* The entry checks the payload (the program's has_payload_checks). */
static bool payload_checked(const struct botsink_candidate *c)
{
	return c->app || c->ncontents || c->dsize_op || c->domains;
}

static bool takes_all(const struct compiled *cc, const struct compiled_candidate *cand, size_t i,
		      const struct port_list *pl)
{
	const struct botsink_candidate *c = &cand[i].c;

	if (!rule_starts(cand, i) || c->kind != BOTSINK_CAND_MATCH ||
	    cc->payload[cand[i].rule].needs_data)
		return false;
	if (payload_checked(c) || c->flags_op != BOTSINK_FLAGS_ANY || !any_sport(c))
		return false;
	if (pl)
		return !c->proto || c->proto == pl->proto;
	return !c->proto && c->dport_lo == 0 && c->dport_hi == 65535;
}

/*
 * Header-only rules are resolved here, once: the destination and port
 * tables already lead a packet to the rules of its destination and port,
 * and the first entry there that takes every packet ends the list.
 * Returns the entries kept.
 */
static size_t resolve_headers(const struct compiled *cc, const struct compiled_candidate *cand,
			      size_t n, const struct port_list *pl)
{
	for (size_t i = 0; i < n; i++)
		if (takes_all(cc, cand, i, pl))
			return i + 1;
	return n;
}

/* Does any query to port 53 meet entry i of a named DNS rule by its header? */
static bool meets_any_query(const struct compiled_candidate *cand, size_t i)
{
	const struct botsink_candidate *c = &cand[i].c;

	return c->app == BOTSINK_APP_DNS && rule_starts(cand, i) && c->kind == BOTSINK_CAND_MATCH &&
	       c->flags_op == BOTSINK_FLAGS_ANY && any_sport(c) && c->dport_lo <= 53 &&
	       c->dport_hi >= 53 && c->proto != IPPROTO_TCP;
}

/*
 * Order a list's candidates into its runs (struct list_runs), each still
 * in rank order, and check their bounds.
 */
static int arrange_list(struct rule_set *rs, struct compiled *cc, const struct dst_entry *e,
			const struct port_list *pl, struct compiled_candidate *cand, size_t all,
			struct list_runs *runs)
{
	size_t n;
	struct compiled_candidate *by_run = malloc((all ? all : 1) * sizeof(*by_run));
	size_t count[RUN_KINDS] = { 0 }, at[RUN_KINDS], named = 0;
	char where[PREFIX_TEXT_LEN + 32];
	bool stamping;
	int err = 0;

	if (!by_run)
		return -1;
	add_tcp_ports(cc->tcp_ports, cand, all);
	n = runs->reached = resolve_headers(cc, cand, all, pl);
	for (size_t i = 0; i < n; i++)
		named += rule_starts(cand, i) && run_of(cc, cand[i].rule, true) == RUN_STAMPED;
	stamping = named >= PREFILTER_MIN_RULES;
	for (size_t i = 0; i < n; i++)
		count[run_of(cc, cand[i].rule, stamping)]++;
	at[RUN_WALK] = 0;
	at[RUN_PAYLOAD] = count[RUN_WALK];
	at[RUN_STAMPED] = count[RUN_WALK] + count[RUN_PAYLOAD];
	for (size_t i = 0; i < n; i++)
		by_run[at[run_of(cc, cand[i].rule, stamping)]++] = cand[i];
	if (n)
		memcpy(cand, by_run, n * sizeof(*cand));
	free(by_run);
	runs->walk = count[RUN_WALK];
	runs->payload = count[RUN_PAYLOAD];
	runs->stamped = stamping ? named : 0;
	runs->dns_rank = ~0U;
	for (size_t i = runs->walk + runs->payload; i < n; i++)
		if (meets_any_query(cand, i) && cand[i].c.rank < runs->dns_rank)
			runs->dns_rank = cand[i].c.rank;
	describe_list(e, pl, where, sizeof(where));
	err |= check_run(rs, cand, 0, runs->walk, RUN_WALK, where);
	err |= check_run(rs, cand, runs->walk, runs->walk + runs->payload, RUN_PAYLOAD, where);
	for (size_t i = runs->walk + runs->payload, end; i < n; i = end) {
		for (end = i + 1; end < n && !rule_starts(cand, end);)
			end++;
		err |= check_run(rs, cand, i, end, RUN_STAMPED, where);
	}
	return err;
}

static int cmp_port_list(const void *a, const void *b)
{
	const struct port_list *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

/*
 * Which rules can cover an entry: those whose destination defaults to `in`,
 * and those with an `in` prefix that contains it, found by length and
 * address. Asking every rule about every entry was rules x entries.
 */
struct dst_key {
	struct prefix prefix;
	size_t rule;
};

struct dst_index {
	struct dst_key *keys; /* by prefix (cmp_prefix), then rule */
	size_t n;
	size_t *open; /* rules whose destination defaults to `in` */
	size_t nopen;
	size_t *found; /* room for every rule of both */
};

static int cmp_dst_key(const void *a, const void *b)
{
	const struct dst_key *x = a, *y = b;
	int c = cmp_prefix(&x->prefix, &y->prefix);

	return c ? c : (x->rule > y->rule) - (x->rule < y->rule);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

static void dst_index_free(struct dst_index *x)
{
	free(x->keys);
	free(x->open);
	free(x->found);
}

static int dst_index_add(struct dst_index *x, const struct rule *r, size_t rule)
{
	if (r->dst.dflt) {
		if (!array_grow((void **)&x->open, x->nopen + 1, sizeof(*x->open)))
			return -1;
		x->open[x->nopen++] = rule;
		return 0;
	}
	for (size_t j = 0; j < r->dst.n; j++) {
		if (!r->dst.items[j].in)
			continue;
		if (!array_grow((void **)&x->keys, x->n + 1, sizeof(*x->keys)))
			return -1;
		x->keys[x->n++] = (struct dst_key){ r->dst.items[j].prefix, rule };
	}
	return 0;
}

static int dst_index_build(const struct rule_set *rs, struct dst_index *x)
{
	memset(x, 0, sizeof(*x));
	for (size_t i = 0; i < rs->n; i++)
		if (dst_index_add(x, &rs->rules[i], i))
			return -1;
	if (x->n)
		qsort(x->keys, x->n, sizeof(*x->keys), cmp_dst_key);
	x->found = malloc((x->n + x->nopen + 1) * sizeof(*x->found));
	return x->found ? 0 : -1;
}

/* The first of keys[0..n) not below `key`. */
static size_t dst_key_bound(const struct dst_key *keys, size_t n, const struct dst_key *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_dst_key(&keys[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The keys of one length, [start, end): those equal to the entry's prefix of that length. */
static void dst_index_block(struct dst_index *x, size_t start, size_t end, const struct prefix *e,
			    size_t *n)
{
	struct dst_key key = { .prefix = { .addr = e->addr, .len = x->keys[start].prefix.len } };

	if (key.prefix.len > e->len)
		return;
	addr_mask(&key.prefix.addr, key.prefix.len);
	for (size_t k = start + dst_key_bound(x->keys + start, end - start, &key);
	     k < end && prefix_equal(&x->keys[k].prefix, &key.prefix); k++)
		if (prefix_contains(&key.prefix, e))
			x->found[(*n)++] = x->keys[k].rule;
}

/* The rules that may cover the entry, in x->found, in rule order, each once. */
static size_t dst_index_find(struct dst_index *x, const struct prefix *e)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < x->nopen; i++)
		x->found[n++] = x->open[i];
	for (size_t end = x->n, start; end; end = start) {
		struct dst_key first = { .prefix = { .len = x->keys[end - 1].prefix.len } };

		start = dst_key_bound(x->keys, end, &first);
		dst_index_block(x, start, end, e, &n);
	}
	qsort(x->found, n, sizeof(*x->found), cmp_size);
	for (size_t i = 0; i < n; i++)
		if (!k || x->found[k - 1] != x->found[i])
			x->found[k++] = x->found[i];
	return k;
}

_Static_assert(BOTSINK_MAX_CANDIDATES < BOTSINK_SYN_INDEX,
	       "every entry of a walked run has a syn_rule index");

/* What a plain SYN to `port` (TCP flags SYN alone, no payload) makes of a candidate. */
enum syn_fate { SYN_MISSES, SYN_MATCHES, SYN_DEPENDS };

static enum syn_fate syn_meets(const struct botsink_candidate *c, __u16 port)
{
	/* An exclusion applies by the source alone, before any header check. */
	if (c->kind == BOTSINK_CAND_EXCLUDE_SRC)
		return SYN_DEPENDS;
	if ((c->proto && c->proto != IPPROTO_TCP) || port < c->dport_lo || port > c->dport_hi)
		return SYN_MISSES;
	if (c->flags_op != BOTSINK_FLAGS_ANY &&
	    ((BOTSINK_TCP_SYN & c->flags_mask) == c->flags_value) !=
		    (c->flags_op == BOTSINK_FLAGS_EQ))
		return SYN_MISSES;
	/* The source, its port or the (empty) payload decide: only a walk can tell. */
	if (c->kind != BOTSINK_CAND_MATCH || !any_sport(c) || payload_checked(c))
		return SYN_DEPENDS;
	return SYN_MATCHES;
}

/*
 * A port list's syn_rule (see BOTSINK_SYN_WALK): the two walked runs
 * merged in rank order, as the program's search takes them; the first
 * entry a plain SYN matches wins, unless one before it depends on more.
 */
static __u16 syn_outcome(const struct dst_entry *e, const struct port_list *pl)
{
	size_t i = 0, j = 0;

	if (pl->proto != IPPROTO_TCP)
		return BOTSINK_SYN_WALK;
	while (i < pl->runs.walk || j < e->runs.walk) {
		bool port_first = j >= e->runs.walk ||
				  (i < pl->runs.walk && pl->cand[i].c.rank < e->cand[j].c.rank);
		const struct botsink_candidate *c = port_first ? &pl->cand[i].c : &e->cand[j].c;
		size_t at = port_first ? i++ : j++;

		switch (syn_meets(c, pl->port)) {
		case SYN_MISSES:
			continue;
		case SYN_DEPENDS:
			return BOTSINK_SYN_WALK;
		case SYN_MATCHES:
			if (at + 1 >= BOTSINK_SYN_INDEX) /* 0x7fff | IN_DEST is NO_RULE */
				return BOTSINK_SYN_WALK;
			return (__u16)((port_first ? 0 : BOTSINK_SYN_IN_DEST) | (at + 1));
		}
	}
	return BOTSINK_SYN_NO_RULE;
}

static int fill_entry(struct rule_set *rs, struct compiled *cc, struct dst_index *x,
		      struct dst_entry *e, bool *used)
{
	size_t nfound = dst_index_find(x, &e->prefix);
	struct ranked *ranked = calloc(nfound ? nfound : 1, sizeof(*ranked));
	size_t n = 0;
	int err = 0;

	if (!ranked)
		return -1;
	for (size_t k = 0; k < nfound; k++) {
		size_t i = x->found[k];
		int len = covering_length(&rs->rules[i], &e->prefix);

		if (len == -2)
			continue;
		ranked[n].rule = i;
		ranked[n].dst_len = len;
		ranked[n].r = &rs->rules[i];
		n++;
	}
	qsort(ranked, n, sizeof(*ranked), cmp_ranked);
	for (size_t i = 0; i < n && !err; i++) {
		size_t before = e->n;

		if (!expand_rule(cc, e, ranked[i].r, ranked[i].rule)) {
			err = -1;
			break;
		}
		if (e->n > before)
			used[ranked[i].rule] = true;
	}
	free(ranked);
	if (err || split_ports(rs, e))
		return -1;
	if (e->nports)
		qsort(e->ports, e->nports, sizeof(*e->ports), cmp_port_list);
	err = arrange_list(rs, cc, e, NULL, e->cand, e->n, &e->runs);
	for (size_t i = 0; i < e->nports; i++)
		err |= arrange_list(rs, cc, e, &e->ports[i], e->ports[i].cand, e->ports[i].n,
				    &e->ports[i].runs);
	for (size_t i = 0; i < e->nports && !err; i++)
		e->ports[i].syn_rule = syn_outcome(e, &e->ports[i]);
	return err;
}

static bool same_candidates(const struct compiled_candidate *a, size_t na,
			    const struct compiled_candidate *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (memcmp(&a[i].c, &b[i].c, sizeof(a[i].c)) || a[i].rule != b[i].rule)
			return false;
	return true;
}

static bool same_entry(const struct dst_entry *a, const struct dst_entry *b)
{
	if (a->nports != b->nports || !same_candidates(a->cand, a->n, b->cand, b->n))
		return false;
	for (size_t i = 0; i < a->nports; i++)
		if (a->ports[i].proto != b->ports[i].proto ||
		    a->ports[i].port != b->ports[i].port ||
		    !same_candidates(a->ports[i].cand, a->ports[i].n, b->ports[i].cand,
				     b->ports[i].n))
			return false;
	return true;
}

/*
 * Entries with the same lists share them in the kernel: the destination's
 * list, and under its index the port lists. Port lists are numbered after.
 */
static int assign_lists(struct rule_set *rs, struct compiled *c)
{
	size_t ncands = 0;

	for (size_t i = 0; i < c->ndst; i++) {
		struct dst_entry *e = &c->dst[i];

		e->list = 0;
		e->shared = false;
		e->port_table = 0;
		if (!in_space(c, &e->prefix))
			continue; /* a hole: list 0 */
		for (size_t j = 0; j < i && !e->list; j++) {
			if (!c->dst[j].list || c->dst[j].shared || !same_entry(e, &c->dst[j]))
				continue;
			e->list = c->dst[j].list;
			e->shared = true;
			e->port_table = c->dst[j].port_table;
			for (size_t k = 0; k < e->nports; k++)
				e->ports[k].list = c->dst[j].ports[k].list;
		}
		if (e->list)
			continue;
		e->list = (unsigned int)++c->nlists;
		ncands += e->runs.reached;
		for (size_t k = 0; k < e->nports; k++) {
			e->ports[k].list = (unsigned int)++c->nlists;
			ncands += e->ports[k].runs.reached;
			/* Sorted by protocol and port: a new block starts a group. */
			if (!k || e->ports[k].proto != e->ports[k - 1].proto ||
			    e->ports[k].port >> 8 != e->ports[k - 1].port >> 8)
				c->nport_groups++;
		}
		if (e->nports)
			e->port_table = (unsigned int)++c->nport_tables;
		c->nports += e->nports;
	}
	if (c->nport_tables >= BOTSINK_PORT_TABLES || c->nport_groups >= BOTSINK_PORT_GROUPS) {
		rules_add_error(
			rs, 0,
			"%zu destinations with port lists over %zu blocks of 256 ports; the limits are %d and %d",
			c->nport_tables, c->nport_groups, BOTSINK_PORT_TABLES - 1,
			BOTSINK_PORT_GROUPS - 1);
		return -1;
	}
	if (ncands > BOTSINK_MAX_CANDS) {
		rules_add_error(rs, 0, "%zu candidate entries in all; the limit is %d", ncands,
				BOTSINK_MAX_CANDS);
		return -1;
	}
	if (c->nlists < BOTSINK_MAX_LISTS)
		return 0;
	rules_add_error(rs, 0, "%zu different candidate lists; the limit is %d", c->nlists,
			BOTSINK_MAX_LISTS - 1);
	return -1;
}

int compiled_v4_table(const struct compiled *c, __u32 list_base, __u32 group_base, struct dir4 *d)
{
	struct dir4_route *routes = calloc(c->ndst ? c->ndst : 1, sizeof(*routes));
	size_t n = 0;
	int ret;

	if (!routes) {
		memset(d, 0, sizeof(*d));
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->ndst; i++) {
		if (!prefix_is_v4(&c->dst[i].prefix))
			continue;
		routes[n].prefix = c->dst[i].prefix;
		routes[n++].value = c->dst[i].list ? list_base + c->dst[i].list : 0;
	}
	ret = dir4_build(d, routes, n, group_base, BOTSINK_V4_GROUPS / 2);
	free(routes);
	return ret;
}

/* The IPv4 destinations must fit in one rule set's share of table groups. */
static int check_v4_table(struct rule_set *rs, const struct compiled *c)
{
	struct dir4 *d = malloc(sizeof(*d));
	int ret = d ? compiled_v4_table(c, 0, 0, d) : -ENOMEM;

	if (d)
		dir4_free(d);
	free(d);
	if (ret == -ENOSPC)
		rules_add_error(
			rs, 0,
			"the IPv4 destinations need more than %d table groups (each /16 holding longer prefixes takes one, each /24 holding longer prefixes another)",
			BOTSINK_V4_GROUPS / 2);
	return ret ? -1 : 0;
}

int compile_rules(struct rule_set *rs, const struct addr_set *sinkhole, struct compiled *out)
{
	struct prefix *entries = NULL;
	size_t nentries = 0;
	bool *used = NULL, *shadowed = NULL;
	struct dst_index index = { 0 };
	int err;

	memset(out, 0, sizeof(*out));
	if (rs->n >= BOTSINK_MAX_RULES) {
		rules_add_error(rs, rs->rules[BOTSINK_MAX_RULES - 1].line,
				"more than %d rules: the rules from here on do not fit",
				BOTSINK_MAX_RULES - 1);
		return -1;
	}
	err = build_space(rs, sinkhole, out);
	if (!err)
		err = compile_payload(rs, out);
	for (size_t i = 0; !err && i < out->nfastpats; i++)
		out->fastpats[i].ports = rule_in_port_lists(&rs->rules[out->fastpats[i].rule]);
	if (!err)
		err = build_entries(rs, out, &entries, &nentries);
	if (err)
		goto out;
	out->tcp_ports = calloc(BOTSINK_TCP_PORT_WORDS, sizeof(*out->tcp_ports));
	used = calloc(rs->n ? rs->n : 1, sizeof(*used));
	shadowed = calloc(nentries ? nentries : 1, sizeof(*shadowed));
	out->dst = calloc(nentries ? nentries : 1, sizeof(*out->dst));
	if (!used || !shadowed || !out->dst || !out->tcp_ports ||
	    prefixes_covered(entries, nentries, shadowed) || dst_index_build(rs, &index)) {
		err = -1;
		goto out;
	}
	for (size_t i = 0; i < nentries; i++) {
		/* An entry covered by longer ones never sees a packet: skip it. */
		if (shadowed[i])
			continue;
		out->dst[out->ndst].prefix = entries[i];
		/* A hole taken out of the space: no list, not sinkhole traffic. */
		if (!in_space(out, &entries[i])) {
			out->ndst++;
			continue;
		}
		if (fill_entry(rs, out, &index, &out->dst[out->ndst++], used))
			err = -1;
	}
	if (!err)
		err = assign_lists(rs, out);
	if (!err)
		err = check_v4_table(rs, out);
	if (err)
		goto out;
	/* Every rule that is never used, not only the first. */
	for (size_t i = 0; i < rs->n; i++) {
		if (used[i])
			continue;
		rules_add_error(
			rs, rs->rules[i].line,
			"rule sid %u can never match inside the sinkhole space (check its source and destination families)",
			rs->rules[i].sid);
		err = -1;
	}
out:
	free(entries);
	free(used);
	free(shadowed);
	dst_index_free(&index);
	if (err && !rs->nerrors)
		rules_add_error(rs, 0, "out of memory");
	return err ? -1 : 0;
}

void compiled_free(struct compiled *c)
{
	for (size_t i = 0; i < c->ndst; i++) {
		for (size_t k = 0; k < c->dst[i].nports; k++)
			free(c->dst[i].ports[k].cand);
		free(c->dst[i].ports);
		free(c->dst[i].cand);
	}
	free(c->dst);
	free(c->tcp_ports);
	compiled_payload_free(c);
	addr_set_free(&c->space);
	memset(c, 0, sizeof(*c));
}

static void dump_flags(FILE *f, const struct botsink_candidate *c)
{
	if (c->flags_op == BOTSINK_FLAGS_ANY)
		return;
	fprintf(f, " flags&0x%02x%s0x%02x", c->flags_mask,
		c->flags_op == BOTSINK_FLAGS_EQ ? "==" : "!=", c->flags_value);
}

/*
 * What a chunk checks beyond its bytes: "[2: size of http.uri 1-1]",
 * "[3: size of dns.query after 2 not 0-4]", "[0: dns.query dotprefix endswith]".
 */
static void dump_chunk(FILE *f, unsigned int j, const struct botsink_content *k)
{
	const char *buf = rule_buffer_name(k->buffer);
	const char *dot = k->flags & BOTSINK_CONTENT_DOTPREFIX ? " dotprefix" : "";

	if (k->flags & BOTSINK_CONTENT_SIZE) {
		fprintf(f, " [%u: size of %s%s", j, buf, dot);
		if (k->flags & BOTSINK_CONTENT_RELATIVE)
			fprintf(f, " after %u", k->anchor);
		fprintf(f, "%s %d-%d]", k->flags & BOTSINK_CONTENT_NEGATED ? " not" : "", k->start,
			k->limit);
	} else if (k->flags & (BOTSINK_CONTENT_ENDSWITH | BOTSINK_CONTENT_DOTPREFIX)) {
		fprintf(f, " [%u: %s%s%s]", j, buf, dot,
			k->flags & BOTSINK_CONTENT_ENDSWITH ? " endswith" : "");
	}
}

static void dump_payload(FILE *f, const struct compiled *comp, const struct botsink_candidate *c)
{
	if (c->app)
		fprintf(f, " %s", c->app == BOTSINK_APP_HTTP ? "http" : "dns");
	if (c->dsize_op)
		fprintf(f, " dsize%s%u-%u", c->dsize_op == BOTSINK_DSIZE_OUT ? " not " : " ",
			c->dsize_lo, c->dsize_hi);
	if (c->ncontents)
		fprintf(f, " %u content chunk%s", c->ncontents, c->ncontents > 1 ? "s" : "");
	for (unsigned int j = 0; j < c->ncontents && c->content + j < comp->ncontents; j++)
		dump_chunk(f, j, &comp->contents[c->content + j]);
	if (c->domains)
		fprintf(f, " domain list");
}

/* A run's heading, when it is not empty. */
static void dump_run(FILE *f, const char *indent, size_t n, const char *what)
{
	if (n)
		fprintf(f, "%s%s:\n", indent, what);
}

static void dump_list(FILE *f, const struct rule_set *rs, const struct compiled *comp,
		      const struct compiled_candidate *list, size_t n, const struct list_runs *runs,
		      const char *indent)
{
	char text[PREFIX_TEXT_LEN];

	for (size_t j = 0; j < n; j++) {
		const struct botsink_candidate *cand = &list[j].c;
		const struct rule *r = &rs->rules[list[j].rule];
		struct prefix src = { .len = 0 };

		if (j == 0)
			dump_run(f, indent, runs->walk, "walked");
		if (j == runs->walk)
			dump_run(f, indent, runs->payload, "walked for payload");
		if (j == runs->walk + runs->payload)
			dump_run(f, indent, runs->reached - j, "named by the prefilter");
		if (j == runs->reached)
			dump_run(f, indent, n - j,
				 "never reached (an entry above takes every packet)");

		fprintf(f, "%s%2u. sid %u %s", indent, cand->rank + 1, cand->sid,
			rule_proto_name(cand->proto));
		if (cand->kind != BOTSINK_CAND_MATCH) {
			memcpy(&src.addr, cand->src_addr, 16);
			for (int b = 0; b < 16; b++)
				src.len += (unsigned int)__builtin_popcount(cand->src_mask[b]);
			prefix_format(&src, text, sizeof(text));
			fprintf(f, " %s%s",
				cand->kind == BOTSINK_CAND_EXCLUDE_SRC ? "not from " : "from ",
				text);
		}
		if (cand->kind != BOTSINK_CAND_EXCLUDE_SRC) {
			fprintf(f, " sport %u-%u dport %u-%u", cand->sport_lo, cand->sport_hi,
				cand->dport_lo, cand->dport_hi);
			dump_flags(f, cand);
			dump_payload(f, comp, cand);
		}
		fprintf(f, " (%s, line %u)\n", r->family, r->line);
	}
}

/* Numbers are ranks: the order the candidates of a destination are tried in. */
void compiled_dump(FILE *f, const struct rule_set *rs, const struct compiled *c)
{
	char text[PREFIX_TEXT_LEN];

	for (size_t i = 0; i < c->ndst; i++) {
		const struct dst_entry *e = &c->dst[i];

		prefix_format(&e->prefix, text, sizeof(text));
		fprintf(f, "%s%s\n", text, e->list ? "" : " (taken out of the sinkhole space)");
		dump_list(f, rs, c, e->cand, e->n, &e->runs, "  ");
		for (size_t k = 0; k < e->nports; k++) {
			fprintf(f, "  port %s/%u:\n", rule_proto_name(e->ports[k].proto),
				e->ports[k].port);
			dump_list(f, rs, c, e->ports[k].cand, e->ports[k].n, &e->ports[k].runs,
				  "    ");
		}
	}
}

int parse_sinkhole(const char *text, struct addr_set *out, char **bad)
{
	char *copy = strdup(text), *save = NULL;
	struct addr_item *items[2] = { NULL, NULL }; /* plain, then negated */
	size_t n[2] = { 0, 0 };
	int err = copy ? 0 : -1;

	memset(out, 0, sizeof(*out));
	*bad = NULL;
	for (char *item = copy ? strtok_r(copy, ",", &save) : NULL; item && !err;
	     item = strtok_r(NULL, ",", &save)) {
		char *t = strndup_trim(item, strlen(item));
		bool neg = t && t[0] == '!';
		struct prefix p;

		if (!t || prefix_parse(t + neg, &p)) {
			*bad = t;
			err = -1;
			break;
		}
		free(t);
		if (!array_grow((void **)&items[neg], n[neg] + 1, sizeof(**items)))
			err = -1;
		else
			items[neg][n[neg]++] = (struct addr_item){ .prefix = p, .in = true };
	}
	if (!err) {
		struct addr_set plus = { .items = items[0], .n = n[0] };
		struct addr_set minus = { .items = items[1], .n = n[1] };

		err = addr_set_build(out, &plus, 1, &minus, 1) ? -1 : 0;
	}
	if (!err && addr_set_is_empty(out)) {
		*bad = strdup(text);
		err = -1;
	}
	free(copy);
	free(items[0]);
	free(items[1]);
	if (err)
		addr_set_free(out);
	return err;
}
