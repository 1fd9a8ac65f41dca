// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The counts format both ways (feed/counts.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "feed/counts.h"
#include "feed/record.h"
#include "lib/parse.h"

static uint64_t ns_of(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

static struct timespec ts_of(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000ULL),
				  .tv_nsec = (long)(ns % 1000000000ULL) };
}

/* A text field, escaped, after its tab. */
static void put_text(struct strbuf *sb, const char *s)
{
	const char *run = s;

	sb_lit(sb, "\t");
	if (!s) {
		sb_lit(sb, "\\N");
		return;
	}
	for (; *s; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n" :
				  *s == '\r' ? "\\r" : NULL;

		if (!esc)
			continue;
		sb_append(sb, run, (size_t)(s - run));
		sb_append(sb, esc, 2);
		run = s + 1;
	}
	sb_append(sb, run, (size_t)(s - run));
}

static void put_u64(struct strbuf *sb, uint64_t v)
{
	sb_lit(sb, "\t");
	sb_put_u64(sb, v);
}

static bool has_evidence(const struct record_evidence *ev)
{
	return ev->has_src_port || ev->http_method || ev->http_url || ev->http_host ||
	       ev->http_agent || ev->http_referer || ev->dns_query || ev->payload;
}

static void put_evidence(struct strbuf *sb, const struct record_evidence *ev)
{
	char hex[2 * EVIDENCE_PAYLOAD_MAX + 1];

	if (ev->has_src_port)
		put_u64(sb, ev->src_port);
	else
		put_text(sb, NULL);
	put_text(sb, ev->http_method);
	put_text(sb, ev->http_url);
	put_text(sb, ev->http_host);
	put_text(sb, ev->http_agent);
	put_text(sb, ev->http_referer);
	put_text(sb, ev->dns_query);
	if (!ev->payload) {
		put_text(sb, NULL);
		return;
	}
	hex_encode(ev->payload, ev->payload_len < EVIDENCE_PAYLOAD_MAX ? ev->payload_len :
									 EVIDENCE_PAYLOAD_MAX,
		   hex);
	put_text(sb, hex);
}

void record_to_counts(const struct feed_record *r, struct strbuf *sb)
{
	char dst[ADDR_TEXT_LEN];
	bool evidence = has_evidence(&r->ev);

	sb_append(sb, evidence ? COUNTS_TAG_EVIDENCE : COUNTS_TAG, sizeof(COUNTS_TAG) - 1);
	put_text(sb, r->record_id);
	put_text(sb, r->sensor);
	put_u64(sb, ns_of(&r->timestamp));
	put_u64(sb, ns_of(&r->first_seen));
	put_u64(sb, ns_of(&r->last_seen));
	put_text(sb, r->src_ip);
	put_text(sb, r->overflow ? (r->any_sid ? "oa" : "o") : r->any_sid ? "a" : "-");
	put_u64(sb, r->protocol);
	addr_format(&r->dst_ip, dst, sizeof(dst));
	put_text(sb, dst);
	put_u64(sb, r->dst_port);
	put_u64(sb, r->sid);
	put_text(sb, r->family);
	put_text(sb, r->tag);
	put_text(sb, r->classtype);
	put_u64(sb, r->packets);
	put_u64(sb, r->bytes);
	put_u64(sb, r->syns);
	put_u64(sb, r->checkins);
	put_u64(sb, r->checkins_tcp);
	put_u64(sb, r->checkins_verified);
	put_u64(sb, r->dns_qtype);
	if (evidence)
		put_evidence(sb, &r->ev);
	sb_lit(sb, "\n");
}

bool counts_version_known(const char *line, size_t len)
{
	return len >= 3 && (!memcmp(line, COUNTS_TAG "\t", 3) ||
			    !memcmp(line, COUNTS_TAG_EVIDENCE "\t", 3));
}

size_t counts_line_id(const char *line, size_t len, const char **id)
{
	size_t start = sizeof(COUNTS_TAG); /* the tag and its tab */
	const char *end;

	if (len <= start || !counts_version_known(line, len))
		return 0;
	end = memchr(line + start, '\t', len - start);
	if (!end)
		return 0;
	*id = line + start;
	return (size_t)(end - *id);
}

/* The fields of a line, NUL-terminated in place. */
#define COUNTS_FIELDS_MAX (COUNTS_FIELDS + COUNTS_EVIDENCE_FIELDS)

struct counts_fields {
	char *f[COUNTS_FIELDS_MAX];
	size_t len[COUNTS_FIELDS_MAX];
	size_t n;
	const char *bad; /* the first field that failed */
};

static const char *const field_names[COUNTS_FIELDS_MAX] = {
	"format",   "record_id", "sensor",	 "timestamp", "first_seen", "last_seen",
	"src",	    "flags",	 "protocol",	 "dst_ip",    "dst_port",   "sid",
	"family",   "tag",	 "classtype",	 "packets",   "bytes",	    "syns",
	"checkins", "checkins_tcp", "checkins_verified", "dns_qtype", "src_port",
	"http_method", "http_url", "http_host", "http_agent", "http_referer", "dns_query",
	"payload",
};

enum {
	F_TAG, F_ID, F_SENSOR, F_TS, F_FIRST, F_LAST, F_SRC, F_FLAGS, F_PROTO, F_DST, F_DPORT,
	F_SID, F_FAMILY, F_RULE_TAG, F_CLASSTYPE, F_PACKETS, F_BYTES, F_SYNS, F_CHECKINS,
	F_CHECKINS_TCP, F_CHECKINS_VERIFIED, F_QTYPE, F_SRC_PORT, F_EVIDENCE_TEXT,
	F_PAYLOAD = F_EVIDENCE_TEXT + EVIDENCE_TEXTS,
};

static int split(char *line, size_t len, struct counts_fields *fs)
{
	size_t n = 0;
	char *p = line, *end = line + len;

	for (;;) {
		char *tab = memchr(p, '\t', (size_t)(end - p));
		char *stop = tab ? tab : end;

		if (n == COUNTS_FIELDS_MAX)
			return -1;
		fs->f[n] = p;
		fs->len[n++] = (size_t)(stop - p);
		*stop = '\0'; /* a tab, or the byte after the line: the caller's newline */
		if (!tab)
			break;
		p = tab + 1;
	}
	fs->n = n;
	return n == COUNTS_FIELDS || n == COUNTS_FIELDS_MAX ? 0 : -1;
}

/* A text field unescaped in place; NULL for \N. */
static const char *text(struct counts_fields *fs, int i)
{
	char *s = fs->f[i], *out = s;

	if (!strcmp(s, "\\N"))
		return NULL;
	for (; *s; s++) {
		if (*s != '\\') {
			*out++ = *s;
			continue;
		}
		s++;
		switch (*s) {
		case '\\': *out++ = '\\'; break;
		case 't': *out++ = '\t'; break;
		case 'n': *out++ = '\n'; break;
		case 'r': *out++ = '\r'; break;
		default:
			if (!fs->bad)
				fs->bad = field_names[i];
			*out = '\0';
			return fs->f[i];
		}
	}
	*out = '\0';
	return fs->f[i];
}

static uint64_t number(struct counts_fields *fs, int i, uint64_t max)
{
	uint64_t v = 0;

	if (parse_uint_n(fs->f[i], fs->len[i], max, &v) && !fs->bad)
		fs->bad = field_names[i];
	return v;
}

/* The source: a host, or an aggregate's prefix. */
static int parse_source(struct feed_count *c, const char *src)
{
	if (!src)
		return -1;
	if (!c->rec.overflow) {
		c->src.len = 128;
		c->bits = 0;
		return addr_parse(src, &c->src.addr);
	}
	if (prefix_parse(src, &c->src))
		return -1;
	c->bits = prefix_is_v4(&c->src) ? c->src.len - V4_MAPPED_BITS : c->src.len;
	return 0;
}

static void read_fields(struct counts_fields *fs, struct feed_count *c)
{
	struct feed_record *r = &c->rec;
	const char *id = text(fs, F_ID), *flags = text(fs, F_FLAGS), *dst = text(fs, F_DST);

	if (id && strlen(id) < sizeof(c->id))
		memcpy(c->id, id, strlen(id) + 1);
	else if (!fs->bad)
		fs->bad = "record_id";
	r->record_id = c->id;
	r->sensor = text(fs, F_SENSOR);
	r->timestamp = ts_of(number(fs, F_TS, UINT64_MAX));
	r->first_seen = ts_of(number(fs, F_FIRST, UINT64_MAX));
	r->last_seen = ts_of(number(fs, F_LAST, UINT64_MAX));
	if (!flags || strspn(flags, "-oa") != strlen(flags)) {
		if (!fs->bad)
			fs->bad = "flags";
	} else {
		r->overflow = strchr(flags, 'o') != NULL;
		r->any_sid = strchr(flags, 'a') != NULL;
	}
	r->protocol = (uint8_t)number(fs, F_PROTO, UINT8_MAX);
	if ((!dst || addr_parse(dst, &r->dst_ip)) && !fs->bad)
		fs->bad = "dst_ip";
	r->dst_port = (uint16_t)number(fs, F_DPORT, UINT16_MAX);
	r->has_port = r->protocol == IPPROTO_TCP || r->protocol == IPPROTO_UDP;
	r->sid = (uint32_t)number(fs, F_SID, UINT32_MAX);
	r->family = text(fs, F_FAMILY);
	r->tag = text(fs, F_RULE_TAG);
	r->classtype = text(fs, F_CLASSTYPE);
	r->packets = number(fs, F_PACKETS, UINT64_MAX);
	r->bytes = number(fs, F_BYTES, UINT64_MAX);
	r->syns = number(fs, F_SYNS, UINT64_MAX);
	r->checkins = number(fs, F_CHECKINS, UINT64_MAX);
	r->checkins_tcp = number(fs, F_CHECKINS_TCP, UINT64_MAX);
	r->checkins_verified = number(fs, F_CHECKINS_VERIFIED, UINT64_MAX);
	r->dns_qtype = (uint16_t)number(fs, F_QTYPE, UINT16_MAX);
	r->verification =
		record_verification_of(r->protocol, r->checkins_tcp, r->checkins_verified);
	if (!r->sensor && !fs->bad)
		fs->bad = "sensor";
	if (parse_source(c, text(fs, F_SRC)) && !fs->bad)
		fs->bad = "src";
}

/* A C2 line's evidence, allocated (counts_release frees it). */
static void read_evidence(struct counts_fields *fs, struct feed_count *c)
{
	struct evidence_part parts[EVIDENCE_TEXTS] = { 0 }, payload = { 0 };
	const char *port = text(fs, F_SRC_PORT), *hex = text(fs, F_PAYLOAD);
	uint64_t src_port = port ? number(fs, F_SRC_PORT, UINT16_MAX) : 0;
	uint8_t bytes[EVIDENCE_PAYLOAD_MAX];
	size_t n = fs->len[F_PAYLOAD] / 2;

	for (int i = 0; i < EVIDENCE_TEXTS; i++) {
		const char *t = text(fs, F_EVIDENCE_TEXT + i);

		if (t)
			parts[i] = (struct evidence_part){ t, strlen(t) };
	}
	if (hex) {
		if (n <= sizeof(bytes) && hex_decode(hex, fs->len[F_PAYLOAD], bytes, n))
			payload = (struct evidence_part){ bytes, n };
		else if (!fs->bad)
			fs->bad = "payload";
	}
	if (fs->bad)
		return;
	c->ev = evidence_new(port != NULL, (uint16_t)src_port, parts, payload);
	if (!c->ev)
		fs->bad = "evidence (out of memory)";
}

int counts_parse(char *line, size_t len, struct feed_count *c, char *err, size_t errlen)
{
	struct counts_fields fs = { 0 };
	bool evidence;

	memset(c, 0, sizeof(*c));
	if (split(line, len, &fs)) {
		snprintf(err, errlen, "not %d (or %d) tab-separated fields", COUNTS_FIELDS,
			 COUNTS_FIELDS_MAX);
		return -1;
	}
	evidence = !strcmp(fs.f[F_TAG], COUNTS_TAG_EVIDENCE);
	if (evidence ? fs.n != COUNTS_FIELDS_MAX :
		       strcmp(fs.f[F_TAG], COUNTS_TAG) || fs.n != COUNTS_FIELDS) {
		snprintf(err, errlen, "not a counts line of version %s or %s", COUNTS_TAG,
			 COUNTS_TAG_EVIDENCE);
		return -1;
	}
	read_fields(&fs, c);
	if (evidence && !fs.bad)
		read_evidence(&fs, c);
	if (fs.bad) {
		counts_release(c, 1);
		snprintf(err, errlen, "field %s is not valid", fs.bad);
		return -1;
	}
	return 0;
}

void counts_release(struct feed_count *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((void *)c[i].ev);
		c[i].ev = NULL;
	}
}
