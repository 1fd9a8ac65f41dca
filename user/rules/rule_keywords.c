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

/*
 * metadata: key value, key value -- family from the first malware_family
 * that is not generic ("malware_family Ransomware" leaves it to msg).
 */
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
		if (r->family && family_is_generic(r->family)) {
			free(r->family);
			r->family = NULL;
			continue;
		}
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

/* clang-format off */
/* Platforms ET writes before a name: "Win32/Pikabot", "Win32.Zbot". */
static const char *const platforms[] = {
	"win32", "win64", "w32", "w64", "win", "msil", "android", "elf",
	"linux", "unix", "js", "vbs", "vba", "osx", "macos", "ios", "java",
	"jar", "php", "ps", "python", "py", "perl", "symbos", "html", "pdf",
	"doc", "xls", "hta", "powershell",
};

/* ET's category words: the prefix of every ET msg, never a family. */
static const char *const categories[] = {
	"et", "etpro", "gpl", "malware", "trojan", "cnc", "info", "policy",
	"exploit_kit", "mobile_malware", "phishing", "current_events",
	"hunting", "attack_response", "web_client", "web_server",
	"web_specific_apps", "user_agents", "adware_pup", "ja3",
	"ta_abused_services", "coinminer", "worm", "exploit", "scan", "dos",
	"games", "chat", "p2p", "voip", "shellcode", "netbios", "rpc", "sql",
	"telnet", "tftp", "ftp", "imap", "pop3", "smtp", "snmp",
	"inappropriate", "deleted", "compromised", "drop", "dshield", "ciarmy",
	"tor", "botcc", "sinkhole",
};

/*
 * Words ET msgs use around names, from the shared ET Open sets: never a
 * family. family_is_generic() also counts the platforms and categories.
 */
static const char *const generic[] = {
	"request", "query", "successful", "observed", "activity", "checkin",
	"check-in", "c2", "dns", "http", "https", "tls", "sni", "domain",
	"lookup", "response", "inbound", "outbound", "malicious", "suspicious",
	"possible", "possibly", "likely", "probable", "potential", "suspected",
	"known", "backdoor", "downloader", "dropper", "generic", "variant",
	"user-agent", "ua", "post", "get", "beacon", "ssl", "certificate",
	"cert", "to", "for", "of", "in", "on", "the", "a", "an", "and", "or",
	"with", "from", "by", "via", "at", "is", "as", "no", "not", "fake",
	"server", "client", "reported", "tracker", "group", "related",
	"retrieving", "download", "downloading", "attempt", "exe", "file",
	"payload", "traffic", "connection", "connectivity", "session", "data",
	"information", "host", "ip", "external", "internal", "remote", "new",
	"old", "alt", "common", "multiple", "various", "adware", "spyware",
	"ransomware", "rat", "bot", "botnet", "stealer", "loader", "keylogger",
	"toolbar", "pup", "miner", "apt", "targeted", "mobile", "windows",
	"hash", "fingerprint", "executable", "script", "encoded", "base64",
	"url", "uri", "header", "body", "string", "version", "command",
	"update", "report", "upload", "sending", "send", "sent", "receiving",
	"likely_bad", "bad", "blocklisted", "listed", "tcp", "udp", "icmp",
	"port", "irc", "dyndns", "dynamic", "free", "dynamic_dns", "ddns",
	"xor", "key", "spy", "hack", "abuse", "abused", "sharing", "shortener",
	"shortening", "operation", "zipped", "user", "double", "reply", "tld",
	"over", "commonly", "check", "proxy", "attacker", "cloud", "document",
	"hostile", "hosting", "minimal", "nick", "commands", "internet",
	"serving", "system", "traversal", "address", "cname", "detected",
	"install", "peer", "anonymous", "general", "online", "value",
	"filename", "out-of-band", "volatile", "terse", "socksv4", "socksv5",
	"iot", "chrome", "mozilla", "microsoft", "apache", "cisco", "fireeye",
	"us-cert", "ptsecurity", "banker", "trojan-banker", "trojanspy",
	"trojan-spy", "trojandropper", "infostealer", "banking_trojan",
	"service", "source", "attack", "extension", "office", "phish",
	"utilities", "blacklist", "explorer", "names", "named", "cookies",
	"net", "site", "compatible", "google", "headers", "interaction",
	"original", "screenshot", "infection", "level", "av", "based",
	"hacktool", "rogue", "ipconfig", "winver", "wmic", "nt", "arm",
	"telegram", "onion", "simulation", "campaigns", "campaign", "nat",
	"requset", "family", "agent", "training", "web", "prompt", "code",
	"architecture", "requesting", "stun", "automated", "content", "context", "installer",
	"hello", "ext", "accessing",
};
/* clang-format on */

static bool in_list(const char *const *list, size_t n, const char *word, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && !strncasecmp(word, list[i], len))
			return true;
	return false;
}

bool family_is_generic(const char *word)
{
	size_t n = strlen(word);

	/* "Binding", "Creating", "Observed ... Downloading": verbs, not names. */
	if (n >= 6 && !strcasecmp(word + n - 3, "ing"))
		return true;
	return in_list(platforms, ARRAY_SIZE(platforms), word, n) ||
	       in_list(categories, ARRAY_SIZE(categories), word, n) ||
	       in_list(generic, ARRAY_SIZE(generic), word, n);
}

/*
 * The name at s, lower-cased, if it is one: letters, digits, '-' and '_'
 * up to the first other character, at least three long, with a letter, and
 * not generic. NULL otherwise.
 */
static char *name_at(const char *s)
{
	size_t n = 0;
	bool letter = false;
	char *name;

	while (isalnum((unsigned char)s[n]) || s[n] == '-' || s[n] == '_')
		letter |= isalpha((unsigned char)s[n++]);
	if (n < 3 || !letter || !isalnum((unsigned char)s[0]))
		return NULL;
	name = strndup(s, n);
	if (name && family_is_generic(name)) {
		free(name);
		return NULL;
	}
	if (name)
		str_lower(name);
	return name;
}

/* Whether the word at s opens with a platform and then sep: "Win32/". */
static size_t platform_len(const char *s, char sep)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

	return s[n] == sep && in_list(platforms, ARRAY_SIZE(platforms), s, n) ? n + 1 : 0;
}

/* Whether s, after a dot, is a variant suffix in capitals: "ABCG" in "Spy.Banker.ABCG". */
static bool is_variant(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

	return n <= 4 && !isalnum((unsigned char)s[n]) && s[n] != '-' && s[n] != '_';
}

/*
 * The name in "Platform/Name" at s: the first of its dot-separated parts
 * that is a name and no variant ("Win32/Adware.Kraddare.FJ" ->
 * "kraddare"), or NULL.
 */
static char *platform_name(const char *s)
{
	size_t n = platform_len(s, '/');
	char *name = NULL;

	for (s += n; n && !name && *s && !strchr(" \t", *s); s += strcspn(s, ". \t")) {
		if (*s == '.' && is_variant(++s))
			continue;
		name = name_at(s);
	}
	return name;
}

/*
 * Without metadata malware_family (rules.c, which takes the first), the
 * family is, in order:
 *   1. the Name of a "Platform/Name" word anywhere in msg: "ET MALWARE
 *      Win32/Pikabot CnC Checkin" -> "pikabot";
 *   2. the first name-like word of msg that is neither a category word nor
 *      generic ("ET CNC Feodo Tracker Reported CnC Server" -> "feodo", "ET
 *      INFO Observed DNS Query to .cloud TLD" -> none), a platform dropped
 *      ("Win32.Zbot" -> "zbot") and cut at the first character other than
 *      a letter, digit, '-' or '_' ("PCRat/Gh0st" -> "pcrat");
 *   3. "unknown".
 */
char *family_from_msg(const char *msg)
{
	char *family = NULL;

	for (const char *w = msg; !family && *w; w += strcspn(w, " \t")) {
		w += strspn(w, " \t");
		family = platform_name(w + strspn(w, "(\"'["));
	}
	for (const char *w = msg; !family && *w; w += strcspn(w, " \t")) {
		w += strspn(w, " \t(\"'[");
		family = name_at(w + platform_len(w, '.'));
	}
	return family ? family : strdup("unknown");
}
