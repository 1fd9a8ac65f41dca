// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Rule options. As in Suricata, an option ends at an unescaped ';' and a
 * string escapes '"', '\' and ';' with a backslash. The payload keywords
 * are in rule_content.c.
 */
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "botsink_abi.h"
#include "rules/rule_parser.h"
#include "lib/parse.h"
#include "lib/util.h"

/* ---- options ---- */

/* Suricata's escapes: \" \\ \; (and \: , \| , \' left as they are). */
/*
 * Texts that every record of the rule carries (msg, classtype, family)
 * are bounded, so a record line stays far below what a pipe holds.
 */
#define RULE_TEXT_MAX 1024

static void check_text(struct parser *p, const char *what, const char *text)
{
	if (text && strlen(text) > RULE_TEXT_MAX)
		parser_fail(p, "%s is longer than %d bytes", what, RULE_TEXT_MAX);
}

static char *unescape(struct parser *p, const char *value, const char *keyword)
{
	size_t n = strlen(value);
	char *out, *o;

	if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
		value++;
		n -= 2;
	} else if (strcmp(keyword, "msg") == 0) {
		parser_fail(p, "msg must be a quoted string");
		return NULL;
	}
	out = o = malloc(n + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (value[i] == '\\' && i + 1 < n &&
		    (value[i + 1] == '"' || value[i + 1] == '\\' || value[i + 1] == ';'))
			i++;
		else if (value[i] == '"') {
			parser_fail(p, "unescaped '\"' in %s", keyword);
			free(out);
			return NULL;
		}
		*o++ = value[i];
	}
	*o = '\0';
	return out;
}

static bool parse_u32(const char *text, uint32_t *out)
{
	uint64_t v;

	if (parse_uint(text, UINT32_MAX, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static uint8_t flag_bit(char ch)
{
	switch (toupper((unsigned char)ch)) {
	case 'F':
		return BOTSINK_TCP_FIN;
	case 'S':
		return BOTSINK_TCP_SYN;
	case 'R':
		return BOTSINK_TCP_RST;
	case 'P':
		return BOTSINK_TCP_PSH;
	case 'A':
		return BOTSINK_TCP_ACK;
	case 'U':
		return BOTSINK_TCP_URG;
	case 'E':
	case '2':
		return BOTSINK_TCP_ECE;
	case 'C':
	case '1':
		return BOTSINK_TCP_CWR;
	default:
		return 0;
	}
}

/*
 * flags:[!+*]<flags>[,<ignored>] with Suricata's semantics: no modifier
 * means exactly these (after dropping ignored bits), '+' these and maybe
 * others, '*' any of these, '!' not all of these; '0' means no flag.
 * Compiled to (packet & mask) ==/!= value.
 */
static void parse_flags(struct parser *p, struct rule *r, const char *value)
{
	uint8_t flags = 0, ignored = 0;
	bool zero = false, seen = false;
	const char *comma = strchr(value, ',');
	size_t end = comma ? (size_t)(comma - value) : strlen(value);
	char modifier = 0;

	if (r->has_flags) {
		parser_fail(p, "flags given twice");
		return;
	}
	for (size_t i = 0; i < end; i++) {
		char ch = value[i];

		if (isspace((unsigned char)ch))
			continue;
		if (ch == '!' || ch == '+' || ch == '*') {
			if (modifier) {
				parser_fail(p, "flags: only one modifier is allowed");
				return;
			}
			modifier = ch;
		} else if (ch == '0') {
			zero = seen = true;
		} else if (flag_bit(ch)) {
			flags |= flag_bit(ch);
			seen = true;
		} else {
			parser_fail(p, "flags: unknown flag '%c'", ch);
			return;
		}
	}
	if (!seen || (zero && flags)) {
		parser_fail(p, "flags: invalid value '%s'", value);
		return;
	}
	for (const char *c = comma ? comma + 1 : ""; *c; c++) {
		if (isspace((unsigned char)*c))
			continue;
		if (!flag_bit(*c)) {
			parser_fail(p, "flags: unknown flag '%c' in the ignore mask", *c);
			return;
		}
		ignored |= flag_bit(*c);
	}
	if (comma && !ignored) {
		parser_fail(p, "flags: empty ignore mask");
		return;
	}
	r->has_flags = true;
	if (!flags) {
		/* Suricata compares the unmasked flags against 0 here. */
		if (modifier == '*') {
			parser_fail(p, "flags: '*0' can never match");
			return;
		}
		r->flags_op = modifier == '!' ? BOTSINK_FLAGS_NE : BOTSINK_FLAGS_EQ;
		r->flags_mask = 0xff;
		r->flags_value = 0;
		return;
	}
	switch (modifier) {
	case 0:
		r->flags_op = BOTSINK_FLAGS_EQ;
		r->flags_mask = (uint8_t)~ignored;
		r->flags_value = flags;
		break;
	case '+':
		r->flags_op = BOTSINK_FLAGS_EQ;
		r->flags_mask = flags & (uint8_t)~ignored;
		r->flags_value = flags;
		break;
	case '*':
		r->flags_op = BOTSINK_FLAGS_NE;
		r->flags_mask = flags & (uint8_t)~ignored;
		r->flags_value = 0;
		break;
	case '!':
		r->flags_op = BOTSINK_FLAGS_NE;
		r->flags_mask = flags & (uint8_t)~ignored;
		r->flags_value = flags;
		break;
	}
	if ((r->flags_value & ~r->flags_mask) && r->flags_op == BOTSINK_FLAGS_EQ)
		parser_fail(p, "flags: '%s' ignores a flag it requires: it can never match", value);
}

/* metadata: key value, key value -- family from malware_family. */
static void parse_metadata(struct parser *p, struct rule *r, const char *value, bool *family_set)
{
	char *copy = strdup(value), *save = NULL;

	if (!copy) {
		parser_fail(p, "out of memory");
		return;
	}
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *key = item + strspn(item, " \t");
		char *val = key + strcspn(key, " \t");

		if (*val)
			*val++ = '\0';
		val += strspn(val, " \t");
		if (strcmp(key, "malware_family") != 0 || !*val || *family_set)
			continue;
		free(r->family);
		r->family = strndup_trim(val, strlen(val));
		if (r->family)
			str_lower(r->family);
		check_text(p, "malware_family", r->family);
		*family_set = true;
	}
	free(copy);
}

/*
 * flow: only the values that never narrow a check-in to the sinkhole.
 * Under --lenient the others are dropped, and the whole option with them
 * (what is left of it is ignored anyway).
 */
static void check_flow(struct parser *p, struct rule *r, struct rule_option *o)
{
	char *copy = strdup(o->value), *save = NULL;

	if (!copy) {
		parser_fail(p, "out of memory");
		return;
	}
	for (char *item = strtok_r(copy, ",", &save); item && !p->failed;
	     item = strtok_r(NULL, ",", &save)) {
		char *v = strndup_trim(item, strlen(item));

		if (v && strcmp(v, "to_server") && strcmp(v, "from_client") &&
		    strcmp(v, "established") && strcmp(v, "stateless") &&
		    parser_unsupported(p, r, "flow:%s", v) >= 0)
			o->cut = true;
		free(v);
	}
	free(copy);
}

/*
 * Setting bits never narrows a match. Testing them would need flow state;
 * noalert marks a helper rule Suricata never reports, which would be
 * counted here as a check-in of its own: refused even under --lenient.
 */
static void check_flowbits(struct parser *p, struct rule *r, struct rule_option *o)
{
	static const char *const harmless[] = { "set", "unset", "toggle" };
	const char *value = o->value;
	int n = (int)strcspn(value, ",");

	for (size_t i = 0; i < ARRAY_SIZE(harmless); i++)
		if (strlen(harmless[i]) == (size_t)n && !strncmp(value, harmless[i], (size_t)n))
			return;
	if (strncmp(value, "noalert", (size_t)n) == 0 && n == 7)
		parser_fail(p, "keyword 'flowbits:noalert' is not supported in XDP");
	else if (parser_unsupported(p, r, "flowbits:%.*s", n, value) >= 0)
		o->cut = true;
}

/*
 * domains:FILE, botsink's own: a list of sinkholed names for dns.query,
 * loaded by the compiler. A relative FILE is next to the rules file.
 */
static void parse_domains(struct parser *p, struct rule *r, const char *value)
{
	size_t n = strlen(value);

	if (r->domains) {
		parser_fail(p, "domains given twice");
		return;
	}
	if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
		value++;
		n -= 2;
	}
	if (!n) {
		parser_fail(p, "domains needs a value");
		return;
	}
	if (asprintf(&r->domains, "%s%.*s", value[0] == '/' ? "" : p->dir, (int)n, value) < 0) {
		r->domains = NULL;
		parser_fail(p, "out of memory");
	}
}

/* Keywords that describe a rule or never narrow what it matches. */
static const char *const ignored_keywords[] = {
	"detection_filter", "gid", "priority", "reference", "tag", "target", "threshold",
};

struct option_state {
	bool sid, rev, msg, family, classtype;
	struct content_state payload;
};

/* The keywords that take a value and describe the rule; false: not one. */
static bool apply_rule_option(struct parser *p, struct rule *r, struct rule_option *o,
			      struct option_state *seen)
{
	const char *key = o->key, *value = o->value;
	bool *once = strcmp(key, "msg") == 0	   ? &seen->msg :
		     strcmp(key, "sid") == 0	   ? &seen->sid :
		     strcmp(key, "rev") == 0	   ? &seen->rev :
		     strcmp(key, "classtype") == 0 ? &seen->classtype :
						     NULL;
	bool repeated = once && *once;

	if (once)
		*once = true;
	if (strcmp(key, "msg") == 0) {
		if (repeated)
			parser_fail(p, "msg given twice");
		else if (value)
			r->msg = unescape(p, value, key);
		check_text(p, "msg", r->msg);
	} else if (strcmp(key, "sid") == 0) {
		if (repeated)
			parser_fail(p, "sid given twice");
		else if (!value || !parse_u32(value, &r->sid) || r->sid == 0 ||
			 r->sid == BOTSINK_SID_ANY)
			parser_fail(p, "sid must be an integer from 1 to 4294967294");
	} else if (strcmp(key, "rev") == 0) {
		if (repeated)
			parser_fail(p, "rev given twice");
		else if (!value || !parse_u32(value, &r->rev))
			parser_fail(p, "rev must be a non-negative integer");
	} else if (strcmp(key, "metadata") == 0) {
		if (value)
			parse_metadata(p, r, value, &seen->family);
	} else if (strcmp(key, "classtype") == 0) {
		if (repeated)
			parser_fail(p, "classtype given twice");
		else if (value)
			r->classtype = strdup(value);
		check_text(p, "classtype", r->classtype);
	} else if (strcmp(key, "flow") == 0) {
		if (value)
			check_flow(p, r, o);
	} else if (strcmp(key, "flowbits") == 0) {
		if (value)
			check_flowbits(p, r, o);
	} else if (strcmp(key, "domains") == 0) {
		if (value)
			parse_domains(p, r, value);
	} else {
		return false;
	}
	if (!value || !*value)
		parser_fail(p, "%s needs a value", key);
	return true;
}

static void apply_option(struct parser *p, struct rule *r, struct rule_option *o,
			 struct option_state *seen)
{
	if (strcmp(o->key, "flags") == 0 || strcmp(o->key, "tcp.flags") == 0) {
		parse_flags(p, r, o->value ? o->value : "");
		return;
	}
	if (apply_rule_option(p, r, o, seen))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(ignored_keywords); i++)
		if (strcmp(o->key, ignored_keywords[i]) == 0)
			return;
	if (strcmp(o->key, "noalert") == 0) {
		parser_fail(p, "keyword 'noalert' is not supported in XDP");
		return;
	}
	if (apply_payload_option(p, r, &seen->payload, o))
		return;
	if (parser_unsupported(p, r, "%s", o->key) < 0)
		return;
	o->cut = true;
	payload_anchor_dropped(&seen->payload, o->key);
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
			struct option_state *seen, struct option_span **spans, size_t *nspans)
{
	struct rule_option o = { .owner = -1, .dropped_content = -1 };
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
	struct option_state seen = { .payload = { .sticky_record = -1 } };
	struct option_span *spans = NULL;
	size_t i = 0, nspans = 0;

	while (next_option(p, r, text, len, &i, &seen, &spans, &nspans))
		;
	if (!p->failed && !seen.sid)
		parser_fail(p, "rule has no sid");
	for (size_t k = 0; k < nspans && !p->failed; k++)
		if (spans[k].cut)
			add_cut(p, r, text, len, &spans[k]);
	free(spans);
}

/* ---- family ---- */

/* Platform prefixes ET names carry before the family: "Win32.Zbot". */
static const char *const platforms[] = {
	"win32", "w32",	  "win64", "w64",     "msil", "js",
	"vbs",	 "linux", "elf",   "android", "osx",  "macos",
};

/* "Win32/Zbot" -> "zbot", "W32.Blackshades/Shadesrat" -> "shadesrat". */
static char *family_from_word(const char *word, size_t n)
{
	char *family, *slash, *dot;

	family = strndup(word, n);
	if (!family)
		return NULL;
	/* Keep letters, digits and . _ - / */
	for (char *c = family; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("._-/", *c))
			*c = '\0';
	str_lower(family);
	slash = strrchr(family, '/');
	if (slash)
		memmove(family, slash + 1, strlen(slash + 1) + 1);
	dot = strchr(family, '.');
	for (size_t i = 0; dot && i < ARRAY_SIZE(platforms); i++) {
		if (strlen(platforms[i]) == (size_t)(dot - family) &&
		    !strncmp(family, platforms[i], (size_t)(dot - family))) {
			memmove(family, dot + 1, strlen(dot + 1) + 1);
			break;
		}
	}
	if (*family)
		return family;
	free(family);
	return NULL;
}

/* Hedges before a family name in ET messages: "Possible Hiloti ...". */
static const char *const hedges[] = {
	"possible",  "possibly",   "likely", "probable", "potential",
	"suspected", "suspicious", "known",  "generic",	 "observed",
};

static bool is_hedge(const char *word, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(hedges); i++)
		if (strlen(hedges[i]) == n && !strncasecmp(word, hedges[i], n))
			return true;
	return false;
}

/*
 * Without metadata malware_family, the family is the first word of msg
 * after an ET-style prefix (ET, ETPRO, GPL and all-caps category words
 * such as TROJAN or MOBILE_MALWARE) and hedges such as "Possible",
 * lower-cased and without a platform prefix: "ET TROJAN Zeus gate" gives
 * "zeus", "ET MALWARE Win32/Zbot" gives "zbot", "ET TROJAN Possible Hiloti
 * DNS Checkin" gives "hiloti". A msg of category words only gives the last
 * of them.
 */
char *family_from_msg(const char *msg)
{
	const char *word = msg, *last = NULL;
	size_t last_n = 0;
	char *family;

	for (;;) {
		size_t n;
		bool upper = true;

		word += strspn(word, " \t");
		n = strcspn(word, " \t");
		if (!n)
			break;
		for (size_t i = 0; i < n; i++)
			if (!isupper((unsigned char)word[i]) && word[i] != '_')
				upper = false;
		if (!upper && is_hedge(word, n) && word[n]) {
			word += n;
			continue;
		}
		last = word;
		last_n = n;
		if (!upper || n < 2)
			break;
		word += n;
	}
	family = last ? family_from_word(last, last_n) : NULL;
	return family ? family : strdup("unknown");
}
