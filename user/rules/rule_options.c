// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Rule options. As in Suricata, an option ends at an unescaped ';' and a
 * string escapes '"', '\' and ';' with a backslash. Every keyword is in
 * one table, as in Suricata's sigmatch_table: its flags say what the
 * walk checks (a value or none, once per rule, a preceding content,
 * support in XDP) before its setup parses the value. The setups are in
 * rule_keywords.c and rule_content.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "botsink_abi.h"
#include "lib/util.h"
#include "rules/rule_parser.h"

/* offset, depth, distance, within */
#define KW_POSITION (KW_MODIFIER | KW_VALUE_OR_EMPTY)
/* nocase, http_uri, ... */
#define KW_BARE_MODIFIER (KW_MODIFIER | KW_NO_VALUE)

/* One line each: clang-format would spread a braced macro body over four. */
/* clang-format off */
/* Describes the rule only, or never narrows what it matches: accepted as it is. */
#define IGNORED(name) { name, NULL, 0, NULL, 0 }
/* A sticky buffer: every content after it, up to the next one. */
#define STICKY(name, buffer) { name, NULL, KW_NO_VALUE, setup_sticky, buffer }
/* A legacy modifier: it moves the content before it to its buffer. */
#define LEGACY(name, buffer) { name, NULL, KW_BARE_MODIFIER, setup_legacy_buffer, buffer }
/* A legacy modifier for a buffer botsink does not have: the content goes with it. */
#define LEGACY_MISSING(name) { name, NULL, KW_BARE_MODIFIER | KW_UNSUPPORTED, setup_drop_legacy, 0 }
/* clang-format on */

static const struct rule_keyword keywords[] = {
	/* The rule's own. */
	{ "msg", NULL, KW_ONCE | KW_VALUE, setup_msg, 0 },
	{ "sid", NULL, KW_ONCE | KW_VALUE_OR_EMPTY, setup_sid, 0 },
	{ "rev", NULL, KW_ONCE | KW_VALUE_OR_EMPTY, setup_rev, 0 },
	{ "classtype", NULL, KW_ONCE | KW_VALUE | KW_NONEMPTY, setup_classtype, 0 },
	{ "metadata", NULL, KW_VALUE | KW_NONEMPTY, setup_metadata, 0 },
	/* Only the values that never narrow a check-in to the sinkhole are kept. */
	{ "flow", NULL, KW_VALUE | KW_NONEMPTY, setup_flow, 0 },
	{ "flowbits", NULL, KW_VALUE | KW_NONEMPTY, setup_flowbits, 0 },
	IGNORED("detection_filter"),
	IGNORED("gid"),
	IGNORED("priority"),
	IGNORED("reference"),
	IGNORED("tag"),
	IGNORED("target"),
	IGNORED("threshold"),
	/* A helper rule Suricata never reports: counted here, it would be a check-in. */
	{ "noalert", NULL, KW_REFUSED, NULL, 0 },
	/* botsink's own: a list of names for dns.query. */
	{ "domains", NULL, KW_VALUE | KW_ONCE_AFTER_VALUE, setup_domains, 0 },
	/* The TCP header's. */
	{ "flags", "tcp.flags", KW_ONCE | KW_VALUE_OR_EMPTY, setup_flags, 0 },
	/* The payload: its size, contents and what places them. */
	{ "dsize", NULL, KW_ONCE | KW_VALUE_OR_EMPTY, setup_dsize, 0 },
	{ "content", NULL, KW_VALUE_OR_EMPTY, setup_content, 0 },
	{ "uricontent", NULL, KW_VALUE_OR_EMPTY, setup_uricontent, 0 },
	{ "offset", NULL, KW_POSITION, setup_position, MOD_OFFSET },
	{ "depth", NULL, KW_POSITION, setup_position, MOD_DEPTH },
	{ "distance", NULL, KW_POSITION, setup_position, MOD_DISTANCE },
	{ "within", NULL, KW_POSITION, setup_position, MOD_WITHIN },
	{ "nocase", NULL, KW_BARE_MODIFIER, setup_nocase, 0 },
	{ "fast_pattern", NULL, KW_MODIFIER, setup_fast_pattern, 0 },
	{ "rawbytes", NULL, KW_BARE_MODIFIER, setup_rawbytes, 0 },
	{ "startswith", NULL, KW_BARE_MODIFIER, setup_startswith, 0 },
	/* Dropping it only widens the match. */
	{ "endswith", NULL, KW_BARE_MODIFIER | KW_UNSUPPORTED, NULL, 0 },
	/* They move Suricata's match cursor: relative contents follow them. */
	{ "pcre", NULL, KW_UNSUPPORTED, setup_anchor, 0 },
	{ "byte_jump", NULL, KW_UNSUPPORTED, setup_anchor, 0 },
	{ "byte_extract", NULL, KW_UNSUPPORTED, setup_anchor, 0 },
	STICKY("pkt_data", BOTSINK_BUF_PAYLOAD), /* back to the payload */
	STICKY("http.method", BOTSINK_BUF_HTTP_METHOD),
	STICKY("http.uri", BOTSINK_BUF_HTTP_URI),
	STICKY("http.uri.raw", BOTSINK_BUF_HTTP_URI),
	STICKY("http.header", BOTSINK_BUF_HTTP_HEADER),
	STICKY("http.header.raw", BOTSINK_BUF_HTTP_HEADER),
	STICKY("http.user_agent", BOTSINK_BUF_HTTP_USER_AGENT),
	STICKY("http.host", BOTSINK_BUF_HTTP_HOST),
	STICKY("http.request_body", BOTSINK_BUF_HTTP_BODY),
	STICKY("dns.query", BOTSINK_BUF_DNS_QUERY),
	STICKY("dns_query", BOTSINK_BUF_DNS_QUERY), /* sticky since Suricata 5 */
	LEGACY("http_method", BOTSINK_BUF_HTTP_METHOD),
	LEGACY("http_uri", BOTSINK_BUF_HTTP_URI),
	LEGACY("http_raw_uri", BOTSINK_BUF_HTTP_URI),
	LEGACY("http_header", BOTSINK_BUF_HTTP_HEADER),
	LEGACY("http_raw_header", BOTSINK_BUF_HTTP_HEADER),
	LEGACY("http_user_agent", BOTSINK_BUF_HTTP_USER_AGENT),
	LEGACY("http_host", BOTSINK_BUF_HTTP_HOST),
	LEGACY("http_client_body", BOTSINK_BUF_HTTP_BODY),
	LEGACY_MISSING("http_cookie"),
	LEGACY_MISSING("http_raw_cookie"),
	LEGACY_MISSING("http_raw_host"),
	LEGACY_MISSING("http_stat_code"),
	LEGACY_MISSING("http_stat_msg"),
	LEGACY_MISSING("http_server_body"),
};

/*
 * Without a value, these name sticky buffers botsink does not have (and
 * so does any other dotted name but the dotted_flags): every content in
 * them is dropped with them. With a value they are unknown keywords.
 */
static const char *const missing_buffers[] = {
	"file_data",
	"base64_data",
	"tls_sni",
	"tls_cert_subject",
	"tls_cert_issuer",
	"tls_cert_serial",
	"tls_cert_fingerprint",
	"ja3_hash",
	"ja3_string",
	"ja3s_hash",
	"ja3s_string",
	"ssh_proto",
	"ssh_software",
	"http_accept",
	"http_accept_enc",
	"http_accept_lang",
	"http_connection",
	"http_content_len",
	"http_content_type",
	"http_header_names",
	"http_location",
	"http_origin",
	"http_referer",
	"http_request_line",
	"http_response_line",
	"http_server",
	"http_protocol",
	"http_start",
	"krb5_cname",
	"krb5_sname",
	"smb_named_pipe",
	"smb_share",
};

/* Dotted keywords without a value that are not buffers. */
static const char *const dotted_flags[] = {
	"tls.store",
	"tls.cert_expired",
	"tls.cert_valid",
};

/* What find_keyword gives for a name that is not in the table. */
static const struct rule_keyword missing_buffer = { "", NULL, KW_UNSUPPORTED, setup_drop_sticky,
						    0 };
static const struct rule_keyword unknown_keyword = { "", NULL, KW_UNSUPPORTED, NULL, 0 };

static bool in_list(const char *key, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(key, list[i]) == 0)
			return true;
	return false;
}

static bool is_missing_buffer(const struct rule_option *o)
{
	if (o->value)
		return false;
	if (in_list(o->key, missing_buffers, ARRAY_SIZE(missing_buffers)))
		return true;
	return strchr(o->key, '.') && !in_list(o->key, dotted_flags, ARRAY_SIZE(dotted_flags));
}

/* Its entry in the table; what is not there cannot be enforced in XDP. */
static const struct rule_keyword *find_keyword(const struct rule_option *o)
{
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++) {
		const struct rule_keyword *kw = &keywords[i];

		if (strcmp(o->key, kw->name) == 0 || (kw->alias && strcmp(o->key, kw->alias) == 0))
			return kw;
	}
	return is_missing_buffer(o) ? &missing_buffer : &unknown_keyword;
}

/* KW_MODIFIER: it applies to the last content, and is dropped with it. */
static bool modifier_target(struct parser *p, struct rule *r, struct rule_option *o)
{
	if (!p->content.have_last) {
		parser_fail(p, "'%s' needs a preceding content", o->key);
		return false;
	}
	if (p->content.last_dropped) {
		o->cut = true;
		return false;
	}
	o->owner = (long)r->ncontents - 1;
	return true;
}

/* KW_ONCE and KW_ONCE_AFTER_VALUE (table entries only): seen[] is indexed like keywords[]. */
static bool once(struct parser *p, const struct rule_keyword *kw, bool *seen)
{
	if (seen[kw - keywords]) {
		parser_fail(p, "%s given twice", kw->name);
		return false;
	}
	seen[kw - keywords] = true;
	return true;
}

/* The checks of the keyword's flags, in the order of enum keyword_flag. */
static bool check_keyword(struct parser *p, struct rule *r, struct rule_option *o, bool *seen)
{
	unsigned int flags = o->kw->flags;

	if (flags & KW_REFUSED) {
		parser_fail(p, "keyword '%s' is not supported in XDP", o->key);
		return false;
	}
	if ((flags & KW_MODIFIER) && !modifier_target(p, r, o))
		return false;
	if ((flags & KW_ONCE) && !once(p, o->kw, seen))
		return false;
	if ((flags & KW_VALUE) && !o->value) {
		parser_fail(p, "%s needs a value", o->key);
		return false;
	}
	if ((flags & KW_ONCE_AFTER_VALUE) && !once(p, o->kw, seen))
		return false;
	if ((flags & KW_NO_VALUE) && o->value) {
		parser_fail(p, "'%s' takes no value", o->key);
		return false;
	}
	if ((flags & KW_VALUE_OR_EMPTY) && !o->value)
		o->value = "";
	if (flags & KW_UNSUPPORTED) {
		o->dropped = parser_unsupported(p, r, "%s", o->key);
		if (o->dropped < 0)
			return false;
		o->cut = true;
	}
	return true;
}

static void apply_option(struct parser *p, struct rule *r, struct rule_option *o, bool *seen)
{
	o->kw = find_keyword(o);
	if (!check_keyword(p, r, o, seen))
		return;
	if (o->kw->setup)
		o->kw->setup(p, r, o);
	if ((o->kw->flags & KW_NONEMPTY) && !*o->value)
		parser_fail(p, "%s needs a value", o->key);
}

/* The text of one option, for --lenient import: offsets in p->base. */
struct option_span {
	size_t start, end;
	long owner; /* the content it belongs to, -1: none */
	bool cut;
};

/*
 * A cut option takes the blanks after it, or before it when it is the
 * last one, so that what is left reads as if it had never been there.
 */
static void add_cut(struct parser *p, struct rule *r, const char *text, size_t len,
		    const struct option_span *o)
{
	size_t start = o->start, end = o->end;
	size_t off = (size_t)(text - p->base);

	while (end < len && (text[end] == ' ' || text[end] == '\t'))
		end++;
	if (end == len)
		while (start > 0 && (text[start - 1] == ' ' || text[start - 1] == '\t'))
			start--;
	if (!array_grow((void **)&r->cuts, r->ncuts + 1, sizeof(*r->cuts))) {
		parser_fail(p, "out of memory");
		return;
	}
	r->cuts[r->ncuts].start = off + start;
	r->cuts[r->ncuts].end = off + end;
	r->ncuts++;
}

static void record_option(struct parser *p, struct option_span **spans, size_t *n,
			  const struct rule_option *o, size_t start, size_t end)
{
	if (!array_grow((void **)spans, *n + 1, sizeof(**spans))) {
		parser_fail(p, "out of memory");
		return;
	}
	(*spans)[*n] = (struct option_span){ start, end, o->owner, o->cut };
	(*n)++;
	if (o->dropped_content < 0)
		return;
	for (size_t i = 0; i < *n; i++)
		if ((*spans)[i].owner == o->dropped_content)
			(*spans)[i].cut = true;
}

/* One "key[:value];" at text[*i]; returns false at the end or on an error. */
static bool next_option(struct parser *p, struct rule *r, const char *text, size_t len, size_t *i,
			bool *seen, struct option_span **spans, size_t *nspans)
{
	struct rule_option o = { .dropped = -1, .owner = -1, .dropped_content = -1 };
	size_t start, key_end, value_start = 0;
	bool has_value = false;
	char *key, *value = NULL;

	while (*i < len && isspace((unsigned char)text[*i]))
		(*i)++;
	if (*i >= len)
		return false;
	start = *i;
	while (*i < len && text[*i] != ':' && text[*i] != ';')
		(*i)++;
	key_end = *i;
	if (*i < len && text[*i] == ':') {
		has_value = true;
		value_start = ++(*i);
		while (*i < len && !(text[*i] == ';' && text[*i - 1] != '\\'))
			(*i)++;
	}
	if (*i >= len) {
		parser_fail(p, "option '%.*s' is not terminated by ';'", (int)(*i - start),
			    text + start);
		return false;
	}
	key = strndup_trim(text + start, key_end - start);
	if (has_value)
		value = strndup_trim(text + value_start, *i - value_start);
	(*i)++; /* the ';' */
	o.key = key;
	o.value = value;
	if (key && *key)
		apply_option(p, r, &o, seen);
	else
		parser_fail(p, "empty option");
	if (p->lenient)
		record_option(p, spans, nspans, &o, start, *i);
	free(key);
	free(value);
	return !p->failed;
}

/* Walk "key:value; key; ..." up to the closing ')'. */
void parse_options(struct parser *p, struct rule *r, const char *text, size_t len)
{
	bool seen[ARRAY_SIZE(keywords)] = { 0 };
	struct option_span *spans = NULL;
	size_t i = 0, nspans = 0;

	p->content = (struct content_state){ .sticky_record = -1 };
	p->family_set = false;
	while (next_option(p, r, text, len, &i, seen, &spans, &nspans))
		;
	/* sid 0 is refused: without an error, 0 means none was given. */
	if (!p->failed && !r->sid)
		parser_fail(p, "rule has no sid");
	for (size_t k = 0; k < nspans && !p->failed; k++)
		if (spans[k].cut)
			add_cut(p, r, text, len, &spans[k]);
	free(spans);
}
