// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Payload keywords: content (and uricontent) in Suricata's string syntax,
 * the modifiers that place a content (offset, depth, distance, within,
 * nocase, ...), the buffers contents are searched in (sticky buffers and
 * the legacy http_* modifiers), and dsize. Positions are only checked
 * here; the compiler decides how they are matched. Each setup parses its
 * value only: the option walk (rule_options.c) has checked whether it has
 * one, and found the content a modifier applies to.
 */
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "botsink_abi.h"
#include "lib/parse.h"
#include "lib/util.h"
#include "rules/rule_parser.h"

/* Suricata keeps offset and depth in 16 bits; distance and within alike. */
#define POS_MAX 65535

#define MOD_ABSOLUTE (MOD_OFFSET | MOD_DEPTH)
#define MOD_RELATIVE (MOD_DISTANCE | MOD_WITHIN)
#define MOD_POSITION (MOD_ABSOLUTE | MOD_RELATIVE)

/* ---- content strings ---- */

/* The |...| section that starts at body[at], for error messages. */
static int hex_section_len(const char *body, size_t n, size_t at)
{
	size_t end = at + 1;

	while (end < n && body[end] != '|')
		end++;
	return (int)(end - at - 1);
}

/*
 * Decode the inside of a quoted content string into out (room for n
 * bytes): \" \\ \; \: stand for the character, and |..| holds hex byte
 * pairs, spaces allowed between them. Returns the length, or -1 (failed).
 */
static long decode_string(struct parser *p, const char *key, const char *body, size_t n,
			  uint8_t *out)
{
	size_t o = 0, hex_at = 0;
	bool hex = false;
	int high = -1;

	for (size_t i = 0; i < n; i++) {
		char c = body[i];
		int v;

		if (c == '|') {
			if (hex && high >= 0) {
				parser_fail(p, "%s: odd number of hex digits in '|%.*s|'", key,
					    hex_section_len(body, n, hex_at), body + hex_at + 1);
				return -1;
			}
			hex = !hex;
			hex_at = i;
			continue;
		}
		if (hex) {
			if (c == ' ' || c == '\t')
				continue;
			v = hex_digit((unsigned char)c);
			if (v < 0) {
				parser_fail(p, "%s: '%c' is not a hex digit in '|%.*s|'", key, c,
					    hex_section_len(body, n, hex_at), body + hex_at + 1);
				return -1;
			}
			if (high < 0) {
				high = v;
			} else {
				out[o++] = (uint8_t)(high << 4 | v);
				high = -1;
			}
			continue;
		}
		if (c == '\\') {
			if (i + 1 == n) {
				parser_fail(p, "%s: '\\' at the end escapes the closing quote",
					    key);
				return -1;
			}
			c = body[++i];
			if (!strchr("\"\\;:", c)) {
				parser_fail(
					p,
					"%s: '\\%c' is not an escape (\\\" \\\\ \\; \\: or |hex|)",
					key, c);
				return -1;
			}
		} else if (c == '"') {
			parser_fail(p, "unescaped '\"' in %s", key);
			return -1;
		}
		out[o++] = (uint8_t)c;
	}
	if (hex) {
		parser_fail(p, "%s: '|' is not closed", key);
		return -1;
	}
	return (long)o;
}

/* [!]"string": the decoded bytes (malloc'd), or NULL (failed). */
static uint8_t *parse_string(struct parser *p, const char *key, const char *value, bool *negated,
			     size_t *len)
{
	const char *s = value ? value : "";
	uint8_t *bytes;
	size_t n;
	long got;

	*negated = *s == '!';
	if (*negated)
		s += 1 + strspn(s + 1, " \t");
	n = strlen(s);
	if (n < 2 || s[0] != '"' || s[n - 1] != '"') {
		parser_fail(p, "%s must be a quoted string", key);
		return NULL;
	}
	bytes = malloc(n);
	if (!bytes) {
		parser_fail(p, "out of memory");
		return NULL;
	}
	got = decode_string(p, key, s + 1, n - 2, bytes);
	if (got == 0)
		parser_fail(p, "%s is empty", key);
	if (got <= 0) {
		free(bytes);
		return NULL;
	}
	*len = (size_t)got;
	return bytes;
}

/* ---- contents ---- */

/* The dropped sticky buffer's entry says how many contents went with it. */
static void count_sticky_drop(struct rule *r, struct content_state *ps)
{
	struct rule_dropped *d = &r->dropped[ps->sticky_record];
	char *text;

	ps->sticky_count++;
	if (asprintf(&text, "%s (%u content%s)", ps->sticky, ps->sticky_count,
		     ps->sticky_count == 1 ? "" : "s") < 0)
		return;
	free(d->keyword);
	d->keyword = text;
}

/* content / uricontent: `bufmod` names what placed it outside the sticky buffer. */
static void add_content(struct parser *p, struct rule *r, struct rule_option *o, uint8_t buffer,
			const char *bufmod)
{
	struct content_state *ps = &p->content;
	struct rule_content *c;
	bool negated;
	size_t len;
	uint8_t *bytes = parse_string(p, o->key, o->value, &negated, &len);

	if (!bytes)
		return;
	ps->have_last = true;
	ps->last_mods = 0;
	ps->last_bufmod = bufmod;
	ps->last_anchor = ps->anchor;
	ps->anchor = NULL;
	ps->last_dropped = ps->sticky_dropped && !bufmod;
	if (ps->last_dropped) {
		count_sticky_drop(r, ps);
		o->cut = true;
		free(bytes);
		return;
	}
	if (!array_grow((void **)&r->contents, r->ncontents + 1, sizeof(*r->contents))) {
		parser_fail(p, "out of memory");
		free(bytes);
		return;
	}
	c = &r->contents[r->ncontents];
	memset(c, 0, sizeof(*c));
	c->bytes = bytes;
	c->len = len;
	c->buffer = buffer;
	c->negated = negated;
	c->dotprefix = ps->dotprefix && !bufmod;
	ps->sticky_used = true;
	o->owner = (long)r->ncontents++;
}

void setup_content(struct parser *p, struct rule *r, struct rule_option *o)
{
	add_content(p, r, o, p->content.buffer, NULL);
}

void setup_uricontent(struct parser *p, struct rule *r, struct rule_option *o)
{
	add_content(p, r, o, BOTSINK_BUF_HTTP_URI, "uricontent");
}

/* The content a modifier applies to: the walk found it (KW_MODIFIER). */
static struct rule_content *modified(struct rule *r, const struct rule_option *o)
{
	return &r->contents[o->owner];
}

/* A modifier that may be given once per content. */
static bool modifier_once(struct parser *p, struct content_state *ps, struct rule_option *o,
			  unsigned int bit)
{
	if (ps->last_mods & bit) {
		parser_fail(p, "'%s' given twice on one content", o->key);
		return false;
	}
	ps->last_mods |= bit;
	return true;
}

/* ---- positions: offset, depth, distance, within ---- */

static const struct position {
	const char *key;
	unsigned int bit;
	long min;
} positions[] = {
	{ "offset", MOD_OFFSET, 0 },
	{ "depth", MOD_DEPTH, 0 },
	{ "distance", MOD_DISTANCE, -POS_MAX },
	{ "within", MOD_WITHIN, 0 },
};

static const struct position *find_position(unsigned int bits)
{
	for (size_t i = 0; i < ARRAY_SIZE(positions); i++)
		if (bits & positions[i].bit)
			return &positions[i];
	return NULL;
}

static const char *position_name(unsigned int bits)
{
	const struct position *pos = find_position(bits);

	return pos ? pos->key : "?";
}

/* A byte_extract variable: Suricata lets positions name one. */
static bool is_variable(const char *v)
{
	if (!isalpha((unsigned char)*v) && *v != '_')
		return false;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && *v != '_')
			return false;
	return true;
}

/*
 * A position or a size: [-]digits from min to max. "-0" reads as 0 even
 * where nothing negative is allowed, as strtol read it: a rule that
 * loaded still does. *out is set only on success.
 */
static bool parse_number(const char *v, long min, long max, long *out)
{
	long long n;

	if (parse_int(v, min < 0 ? min : -1, max, &n) || n < min)
		return false;
	*out = (long)n;
	return true;
}

/* Whether the position can be set on the content; false: failed or dropped. */
static bool position_allowed(struct parser *p, struct rule *r, struct content_state *ps,
			     struct rule_option *o, const struct position *pos)
{
	unsigned int other = pos->bit & MOD_ABSOLUTE ? MOD_RELATIVE : MOD_ABSOLUTE;

	if (ps->last_mods & MOD_STARTSWITH) {
		parser_fail(p, "'%s' cannot be combined with startswith", o->key);
		return false;
	}
	if (ps->last_mods & other) {
		parser_fail(p, "'%s' and '%s' on one content mix absolute and relative positions",
			    position_name(ps->last_mods & other), o->key);
		return false;
	}
	if (!modifier_once(p, ps, o, pos->bit))
		return false;
	/*
	 * Relative to a pcre or byte_jump that --lenient dropped: relative to
	 * the previous content instead it could match less than the rule did.
	 */
	if ((pos->bit & MOD_RELATIVE) && ps->last_anchor) {
		if (parser_unsupported(p, r, "%s (after %s)", o->key, ps->last_anchor) >= 0)
			o->cut = true;
		return false;
	}
	return true;
}

static void set_position(struct rule_content *c, unsigned int bit, int32_t n)
{
	if (bit == MOD_OFFSET) {
		c->has_offset = true;
		c->offset = n;
	} else if (bit == MOD_DEPTH) {
		c->has_depth = true;
		c->depth = n;
	} else if (bit == MOD_DISTANCE) {
		c->has_distance = true;
		c->distance = n;
	} else {
		c->has_within = true;
		c->within = n;
	}
}

/* The keyword's table entry names its MOD_* bit. */
void setup_position(struct parser *p, struct rule *r, struct rule_option *o)
{
	const struct position *pos = find_position(o->kw->arg);
	struct rule_content *c = modified(r, o);
	const char *v = o->value;
	long n;

	if (is_variable(v)) {
		if (parser_unsupported(p, r, "%s:%s", o->key, v) >= 0)
			o->cut = true;
		return;
	}
	if (!parse_number(v, pos->min, POS_MAX, &n)) {
		parser_fail(p, "%s: '%s' is not an integer from %ld to %d", o->key, v, pos->min,
			    POS_MAX);
		return;
	}
	if ((pos->bit & (MOD_DEPTH | MOD_WITHIN)) && (size_t)n < c->len) {
		parser_fail(p, "%s %ld is less than the content's length (%zu)", o->key, n, c->len);
		return;
	}
	if (position_allowed(p, r, &p->content, o, pos))
		set_position(c, pos->bit, (int32_t)n);
}

/*
 * A pcre, byte_jump, ... that --lenient dropped: the next content follows
 * it, and a relative position on that content cannot be kept.
 */
void setup_anchor(struct parser *p, struct rule *r __attribute__((unused)), struct rule_option *o)
{
	p->content.anchor = o->kw->name;
}

/* ---- flag modifiers ---- */

void setup_nocase(struct parser *p, struct rule *r, struct rule_option *o)
{
	if (modifier_once(p, &p->content, o, MOD_NOCASE))
		modified(r, o)->nocase = true;
}

/* No decoding happens here anyway: only once per content is checked. */
void setup_rawbytes(struct parser *p, struct rule *r __attribute__((unused)), struct rule_option *o)
{
	modifier_once(p, &p->content, o, MOD_RAWBYTES);
}

/* fast_pattern, fast_pattern:only, fast_pattern:X,Y: a hint to Suricata only. */
static bool fast_pattern_value(const char *v)
{
	size_t digits = strspn(v, "0123456789");

	if (strcmp(v, "only") == 0)
		return true;
	return digits && v[digits] == ',' && v[digits + 1] &&
	       strspn(v + digits + 1, "0123456789") == strlen(v + digits + 1);
}

void setup_fast_pattern(struct parser *p, struct rule *r, struct rule_option *o)
{
	if (o->value && !fast_pattern_value(o->value))
		parser_fail(p, "fast_pattern: invalid value '%s' (only, or offset,length)",
			    o->value);
	else if (modifier_once(p, &p->content, o, MOD_FAST_PATTERN))
		modified(r, o)->fast_pattern = true;
}

/* startswith: the content is at the start of its buffer, offset 0 depth len. */
void setup_startswith(struct parser *p, struct rule *r, struct rule_option *o)
{
	struct content_state *ps = &p->content;
	struct rule_content *c = modified(r, o);

	if (ps->last_mods & MOD_POSITION) {
		parser_fail(p, "'startswith' cannot be combined with %s",
			    position_name(ps->last_mods & MOD_POSITION));
		return;
	}
	if (!modifier_once(p, ps, o, MOD_STARTSWITH))
		return;
	c->has_offset = c->has_depth = true;
	c->offset = 0;
	c->depth = (int32_t)c->len;
}

/* endswith: the content ends where its buffer does (negated: it does not end it). */
void setup_endswith(struct parser *p, struct rule *r, struct rule_option *o)
{
	if (modifier_once(p, &p->content, o, MOD_ENDSWITH))
		modified(r, o)->endswith = true;
}

/* ---- buffers ---- */

bool sticky_in_force(struct parser *p, struct rule_option *o, const char *examples)
{
	const struct content_state *ps = &p->content;

	if (!*ps->sticky) {
		parser_fail(p, "%s needs a sticky buffer (%s) before it", o->key, examples);
		return false;
	}
	if (ps->sticky_dropped)
		o->cut = true; /* goes with its buffer */
	return !ps->sticky_dropped;
}

static void set_sticky(struct content_state *ps, const char *name, uint8_t buffer)
{
	snprintf(ps->sticky, sizeof(ps->sticky), "%s", name);
	ps->buffer = buffer;
	ps->sticky_dropped = false;
	ps->sticky_used = false;
	ps->dotprefix = false;
}

/* A sticky buffer (the table entry names it); pkt_data goes back to the payload. */
void setup_sticky(struct parser *p, struct rule *r __attribute__((unused)), struct rule_option *o)
{
	uint8_t buffer = (uint8_t)o->kw->arg;

	set_sticky(&p->content, buffer == BOTSINK_BUF_PAYLOAD ? "" : o->kw->name, buffer);
}

/* A buffer botsink does not have, dropped: every content in it goes too. */
void setup_drop_sticky(struct parser *p, struct rule *r __attribute__((unused)),
		       struct rule_option *o)
{
	struct content_state *ps = &p->content;

	set_sticky(ps, o->key, BOTSINK_BUF_PAYLOAD);
	ps->sticky_dropped = true;
	ps->sticky_record = o->dropped;
	ps->sticky_count = 0;
}

/*
 * dotprefix: the sticky buffer is seen with a '.' before it, so that
 * content:".example.com"; endswith; matches example.com and its
 * subdomains only. botsink has the '.' before the DNS name and the Host
 * value; on another buffer the buffer is dropped with its contents.
 */
void setup_dotprefix(struct parser *p, struct rule *r, struct rule_option *o)
{
	struct content_state *ps = &p->content;
	char name[sizeof(ps->sticky)];

	if (!sticky_in_force(p, o, "dns.query, http.host"))
		return;
	if (ps->sticky_used || ps->dotprefix) {
		parser_fail(p, "dotprefix must directly follow its sticky buffer '%s'", ps->sticky);
		return;
	}
	if (ps->buffer == BOTSINK_BUF_DNS_QUERY || ps->buffer == BOTSINK_BUF_HTTP_HOST) {
		ps->dotprefix = true;
		return;
	}
	o->dropped = parser_unsupported(p, r, "dotprefix (on %s)", ps->sticky);
	if (o->dropped < 0)
		return;
	o->cut = true;
	snprintf(name, sizeof(name), "%s", ps->sticky);
	snprintf(ps->sticky, sizeof(ps->sticky), "%.30s; dotprefix", name);
	ps->sticky_dropped = true;
	ps->sticky_record = o->dropped;
	ps->sticky_count = 0;
}

/* http_uri and the like: the previous content is searched in that buffer. */
void setup_legacy_buffer(struct parser *p, struct rule *r, struct rule_option *o)
{
	struct content_state *ps = &p->content;

	if (*ps->sticky) {
		parser_fail(p, "'%s' cannot follow the sticky buffer '%s' (pkt_data resets it)",
			    o->key, ps->sticky);
		return;
	}
	if (ps->last_bufmod) {
		if (strcmp(ps->last_bufmod, o->key) == 0)
			parser_fail(p, "'%s' given twice on one content", o->key);
		else
			parser_fail(p, "'%s' on a content already placed by '%s'", o->key,
				    ps->last_bufmod);
		return;
	}
	ps->last_bufmod = o->kw->name;
	modified(r, o)->buffer = (uint8_t)o->kw->arg;
}

/* http_cookie and the like, dropped: the previous content goes with it. */
void setup_drop_legacy(struct parser *p, struct rule *r, struct rule_option *o)
{
	struct rule_dropped *d = &r->dropped[o->dropped];

	o->dropped_content = (long)--r->ncontents;
	free(r->contents[r->ncontents].bytes);
	p->content.last_dropped = true;
	free(d->keyword);
	if (asprintf(&d->keyword, "%s (1 content)", o->key) < 0)
		d->keyword = NULL;
}

/* ---- after the options ---- */

static bool is_http_buffer(uint8_t buffer)
{
	return buffer >= BOTSINK_BUF_HTTP_METHOD && buffer <= BOTSINK_BUF_HTTP_BODY;
}

static bool has_upper(const struct rule_content *c)
{
	for (size_t i = 0; i < c->len; i++)
		if (isupper(c->bytes[i]))
			return true;
	return false;
}

/*
 * The buffers decide the application protocol: HTTP over TCP, DNS over
 * UDP. The Host buffer is lowercased before matching, as in Suricata.
 */
static void buffer_app(struct parser *p, struct rule *r, uint8_t buffer)
{
	if (is_http_buffer(buffer)) {
		if (r->proto != IPPROTO_TCP)
			parser_fail(p, "http buffers need protocol tcp or http");
		else
			r->app = RULE_APP_HTTP;
	} else if (buffer == BOTSINK_BUF_DNS_QUERY) {
		if (r->proto != IPPROTO_UDP)
			parser_fail(p, "dns.query is matched over UDP only");
		else
			r->app = RULE_APP_DNS;
	}
}

void check_payload(struct parser *p, struct rule *r)
{
	for (size_t i = 0; i < r->nchecks && !p->failed; i++)
		buffer_app(p, r, r->checks[i].buffer);
	for (size_t i = 0; i < r->ncontents && !p->failed; i++) {
		const struct rule_content *c = &r->contents[i];

		buffer_app(p, r, c->buffer);
		if (c->buffer == BOTSINK_BUF_HTTP_HOST && !c->nocase && has_upper(c))
			parser_fail(
				p,
				"http.host content must be lowercase (the buffer is normalized)");
	}
}

/* ---- dsize ---- */

static bool dsize_number(const char *text, size_t len, long *out)
{
	char *s = strndup_trim(text, len);
	bool ok = s && parse_number(s, 0, 65535, out);

	free(s);
	return ok;
}

/*
 * dsize:N, <N, <=N, >N, >=N, A<>B (exclusive, as in Suricata) and !N,
 * kept as the inclusive range [lo, hi] (or outside it, for !N).
 */
void setup_dsize(struct parser *p, struct rule *r, struct rule_option *o)
{
	const char *v = o->value;
	const char *range = strstr(v, "<>");
	long lo = 0, hi = 65535, a = 0, b = 0;
	bool ok;

	if (range) {
		ok = dsize_number(v, (size_t)(range - v), &a) &&
		     dsize_number(range + 2, strlen(range + 2), &b);
		lo = a + 1;
		hi = b - 1;
	} else if (*v == '<' || *v == '>') {
		bool eq = v[1] == '=';

		ok = dsize_number(v + 1 + eq, strlen(v + 1 + eq), &a);
		if (*v == '<')
			hi = eq ? a : a - 1;
		else
			lo = eq ? a : a + 1;
	} else {
		bool not = *v == '!';

		ok = dsize_number(v + not, strlen(v + not ), &a);
		lo = hi = a;
		r->dsize_not = not ;
	}
	if (!ok) {
		parser_fail(p, "dsize: '%s' is not a size (N, <N, >N, A<>B or !N, from 0 to 65535)",
			    v);
		return;
	}
	if (lo > hi) {
		parser_fail(p, "dsize:%s can never match", v);
		return;
	}
	r->has_dsize = true;
	r->dsize_lo = (uint16_t)lo;
	r->dsize_hi = (uint16_t)hi;
}
