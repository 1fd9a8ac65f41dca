// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The keywords that describe a rule (msg, sid, rev, metadata, classtype)
 * or never narrow a check-in to the sinkhole (flow, flowbits), botsink's
 * domains, and the TCP flags; and the family a rule's msg names. Each
 * setup parses its value only: the option walk (rule_options.c) has
 * checked whether it has one and whether it was given before.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "botsink_abi.h"
#include "lib/parse.h"
#include "lib/util.h"
#include "rules/rule_parser.h"

/* ---- the rule's own: msg, sid, rev, classtype, metadata ---- */

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

/* Suricata's escapes: \" \\ \; (and \: , \| , \' left as they are). */
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

/* sid and rev: digits only, up to 2^32 - 1. */
static bool parse_u32(const char *text, uint32_t *out)
{
	uint64_t v;

	if (parse_uint(text, UINT32_MAX, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

void setup_msg(struct parser *p, struct rule *r, struct rule_option *o)
{
	r->msg = unescape(p, o->value, "msg");
	check_text(p, "msg", r->msg);
}

void setup_sid(struct parser *p, struct rule *r, struct rule_option *o)
{
	if (!parse_u32(o->value, &r->sid) || r->sid == 0 || r->sid == BOTSINK_SID_ANY)
		parser_fail(p, "sid must be an integer from 1 to 4294967294");
}

void setup_rev(struct parser *p, struct rule *r, struct rule_option *o)
{
	if (!parse_u32(o->value, &r->rev))
		parser_fail(p, "rev must be a non-negative integer");
}

void setup_classtype(struct parser *p, struct rule *r, struct rule_option *o)
{
	r->classtype = strdup(o->value);
	check_text(p, "classtype", r->classtype);
}

/* metadata: key value, key value -- family from malware_family. */
void setup_metadata(struct parser *p, struct rule *r, struct rule_option *o)
{
	char *copy = strdup(o->value), *save = NULL;

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
		if (strcmp(key, "malware_family") != 0 || !*val || p->family_set)
			continue;
		free(r->family);
		r->family = strndup_trim(val, strlen(val));
		if (r->family)
			str_lower(r->family);
		check_text(p, "malware_family", r->family);
		p->family_set = true;
	}
	free(copy);
}

/* ---- flow, flowbits, domains ---- */

/*
 * flow: only the values that never narrow a check-in to the sinkhole.
 * Under --lenient the others are dropped, and the whole option with them
 * (what is left of it is ignored anyway).
 */
void setup_flow(struct parser *p, struct rule *r, struct rule_option *o)
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
void setup_flowbits(struct parser *p, struct rule *r, struct rule_option *o)
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
void setup_domains(struct parser *p, struct rule *r, struct rule_option *o)
{
	const char *value = o->value;
	size_t n = strlen(value);

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

/* ---- TCP flags ---- */

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

/* The flags before the comma, and the modifier among them. */
static bool read_flags(struct parser *p, const char *value, size_t end, uint8_t *flags,
		       char *modifier)
{
	bool zero = false, seen = false;

	for (size_t i = 0; i < end; i++) {
		char ch = value[i];

		if (isspace((unsigned char)ch))
			continue;
		if (ch == '!' || ch == '+' || ch == '*') {
			if (*modifier) {
				parser_fail(p, "flags: only one modifier is allowed");
				return false;
			}
			*modifier = ch;
		} else if (ch == '0') {
			zero = seen = true;
		} else if (flag_bit(ch)) {
			*flags |= flag_bit(ch);
			seen = true;
		} else {
			parser_fail(p, "flags: unknown flag '%c'", ch);
			return false;
		}
	}
	if (!seen || (zero && *flags)) {
		parser_fail(p, "flags: invalid value '%s'", value);
		return false;
	}
	return true;
}

/* The ignore mask after the comma, when there is one. */
static bool read_ignored(struct parser *p, const char *comma, uint8_t *ignored)
{
	for (const char *c = comma ? comma + 1 : ""; *c; c++) {
		if (isspace((unsigned char)*c))
			continue;
		if (!flag_bit(*c)) {
			parser_fail(p, "flags: unknown flag '%c' in the ignore mask", *c);
			return false;
		}
		*ignored |= flag_bit(*c);
	}
	if (comma && !*ignored) {
		parser_fail(p, "flags: empty ignore mask");
		return false;
	}
	return true;
}

static void set_flags(struct rule *r, uint8_t op, uint8_t mask, uint8_t value)
{
	r->flags_op = op;
	r->flags_mask = mask;
	r->flags_value = value;
}

/*
 * flags:[!+*]<flags>[,<ignored>] with Suricata's semantics: no modifier
 * means exactly these (after dropping ignored bits), '+' these and maybe
 * others, '*' any of these, '!' not all of these; '0' means no flag.
 * Compiled to (packet & mask) ==/!= value.
 */
void setup_flags(struct parser *p, struct rule *r, struct rule_option *o)
{
	const char *value = o->value, *comma = strchr(value, ',');
	size_t end = comma ? (size_t)(comma - value) : strlen(value);
	uint8_t flags = 0, ignored = 0, kept;
	char modifier = 0;

	if (!read_flags(p, value, end, &flags, &modifier) || !read_ignored(p, comma, &ignored))
		return;
	r->has_flags = true;
	kept = flags & (uint8_t)~ignored;
	if (!flags && modifier == '*') {
		parser_fail(p, "flags: '*0' can never match");
		return;
	}
	if (!flags) /* Suricata compares the unmasked flags against 0 here. */
		set_flags(r, modifier == '!' ? BOTSINK_FLAGS_NE : BOTSINK_FLAGS_EQ, 0xff, 0);
	else if (!modifier)
		set_flags(r, BOTSINK_FLAGS_EQ, (uint8_t)~ignored, flags);
	else if (modifier == '+')
		set_flags(r, BOTSINK_FLAGS_EQ, kept, flags);
	else if (modifier == '*')
		set_flags(r, BOTSINK_FLAGS_NE, kept, 0);
	else
		set_flags(r, BOTSINK_FLAGS_NE, kept, flags);
	if ((r->flags_value & ~r->flags_mask) && r->flags_op == BOTSINK_FLAGS_EQ)
		parser_fail(p, "flags: '%s' ignores a flag it requires: it can never match", value);
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
