// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Rule options. As in Suricata, an option ends at an unescaped ';' and a
 * string escapes '"', '\' and ';' with a backslash. Every keyword is in
 * one table, as in Suricata's sigmatch_table: its flags say what the
 * walk checks (a value or none, once per rule, a preceding content,
 * support in XDP) before its setup parses the value. The setups are in
 * rule_keywords.c and rule_content.c. The table holds every keyword
 * Suricata has, so a name it lacks is a typo: an error in every mode.
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
#define IGNORED(name) { name, NULL, KW_IGNORED, NULL, 0 }
/* Narrows a match in a way XDP cannot check: refused, or dropped under --lenient. */
#define UNSUPPORTED(name) { name, NULL, KW_UNSUPPORTED, NULL, 0 }
/* A sticky buffer: every content after it, up to the next one. */
#define STICKY(name, buffer) { name, NULL, KW_NO_VALUE, setup_sticky, buffer }
/* A sticky buffer botsink does not have: every content in it is dropped with it. */
#define MISSING(name) { name, NULL, KW_NO_VALUE | KW_UNSUPPORTED, setup_drop_sticky, 0 }
/* A legacy modifier: it moves the content before it to its buffer. */
#define LEGACY(name, buffer) { name, NULL, KW_BARE_MODIFIER, setup_legacy_buffer, buffer }
/* A legacy modifier for a buffer botsink does not have: the content goes with it. */
#define LEGACY_MISSING(name) { name, NULL, KW_BARE_MODIFIER | KW_UNSUPPORTED, setup_drop_legacy, 0 }
/* clang-format on */

/*
 * Every keyword Suricata knows (its user guide, and every one the ET Open
 * sets use), so that any other name is a typo: an error in every mode.
 */
static const struct rule_keyword keywords[] = {
	/* The rule's own. */
	{ "msg", NULL, KW_IGNORED | KW_ONCE | KW_VALUE, setup_msg, 0 },
	{ "sid", NULL, KW_IGNORED | KW_ONCE | KW_VALUE_OR_EMPTY, setup_sid, 0 },
	{ "rev", NULL, KW_IGNORED | KW_ONCE | KW_VALUE_OR_EMPTY, setup_rev, 0 },
	{ "classtype", NULL, KW_IGNORED | KW_ONCE | KW_VALUE | KW_NONEMPTY, setup_classtype, 0 },
	{ "metadata", NULL, KW_IGNORED | KW_VALUE | KW_NONEMPTY, setup_metadata, 0 },
	/* Only the values that never narrow a check-in to the sinkhole are kept. */
	{ "flow", NULL, KW_IGNORED | KW_VALUE | KW_NONEMPTY, setup_flow, 0 },
	{ "flowbits", NULL, KW_IGNORED | KW_VALUE | KW_NONEMPTY, setup_flowbits, 0 },
	IGNORED("detection_filter"),
	IGNORED("gid"),
	IGNORED("priority"),
	IGNORED("reference"),
	IGNORED("tag"),
	IGNORED("target"),
	IGNORED("threshold"),
	IGNORED("prefilter"), /* a hint to Suricata's prefilter engine */
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
	{ "fast_pattern", NULL, KW_IGNORED | KW_MODIFIER, setup_fast_pattern, 0 },
	{ "rawbytes", NULL, KW_IGNORED | KW_BARE_MODIFIER, setup_rawbytes, 0 },
	{ "startswith", NULL, KW_BARE_MODIFIER, setup_startswith, 0 },
	{ "endswith", NULL, KW_BARE_MODIFIER, setup_endswith, 0 },
	/* Sizes: of the sticky buffer, of the URI, of what is left of a buffer. */
	{ "bsize", NULL, KW_VALUE, setup_bsize, 0 },
	{ "urilen", NULL, KW_VALUE, setup_urilen, 0 },
	{ "isdataat", NULL, KW_VALUE, setup_isdataat, 0 },
	/* A transform: the sticky buffer with a '.' before it. */
	{ "dotprefix", NULL, KW_NO_VALUE, setup_dotprefix, 0 },
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
	/* Suricata's other payload keywords and transforms. */
	UNSUPPORTED("absent"),
	UNSUPPORTED("byte_math"),
	UNSUPPORTED("byte_test"),
	UNSUPPORTED("entropy"),
	UNSUPPORTED("replace"),
	UNSUPPORTED("rpc"),
	UNSUPPORTED("compress_whitespace"),
	UNSUPPORTED("domain"),
	UNSUPPORTED("from_base64"),
	UNSUPPORTED("gunzip"),
	UNSUPPORTED("header_lowercase"),
	UNSUPPORTED("luaxform"),
	UNSUPPORTED("pcrexform"),
	UNSUPPORTED("strip_pseudo_headers"),
	UNSUPPORTED("strip_whitespace"),
	UNSUPPORTED("subslice"),
	UNSUPPORTED("tld"),
	UNSUPPORTED("to_lowercase"),
	UNSUPPORTED("to_md5"),
	UNSUPPORTED("to_sha1"),
	UNSUPPORTED("to_sha256"),
	UNSUPPORTED("to_uppercase"),
	UNSUPPORTED("url_decode"),
	UNSUPPORTED("xor"),
	UNSUPPORTED("zlib_deflate"),
	/* The IP, TCP, UDP and ICMP headers' other fields. */
	UNSUPPORTED("fragbits"),
	UNSUPPORTED("fragoffset"),
	UNSUPPORTED("geoip"),
	UNSUPPORTED("id"),
	UNSUPPORTED("ip_proto"),
	UNSUPPORTED("ipopts"),
	UNSUPPORTED("ipv4-csum"),
	UNSUPPORTED("sameip"),
	UNSUPPORTED("tos"),
	UNSUPPORTED("ttl"),
	UNSUPPORTED("ack"),
	UNSUPPORTED("seq"),
	UNSUPPORTED("tcp.mss"),
	UNSUPPORTED("tcpv4-csum"),
	UNSUPPORTED("tcpv6-csum"),
	UNSUPPORTED("window"),
	UNSUPPORTED("udpv4-csum"),
	UNSUPPORTED("udpv6-csum"),
	UNSUPPORTED("icmp_id"),
	UNSUPPORTED("icmp_seq"),
	UNSUPPORTED("icmpv4-csum"),
	UNSUPPORTED("icmpv6-csum"),
	UNSUPPORTED("icmpv6.mtu"),
	UNSUPPORTED("icode"),
	UNSUPPORTED("itype"),
	UNSUPPORTED("vlan.id"),
	UNSUPPORTED("vlan.layers"),
	MISSING("ipv4.hdr"),
	MISSING("ipv6.hdr"),
	MISSING("tcp.hdr"),
	MISSING("udp.hdr"),
	MISSING("icmpv4.hdr"),
	MISSING("icmpv6.hdr"),
	/* Flow state, counters and what Suricata does besides alerting. */
	UNSUPPORTED("bypass"),
	UNSUPPORTED("flow.age"),
	UNSUPPORTED("flow.bytes"),
	UNSUPPORTED("flow.bytes_toclient"),
	UNSUPPORTED("flow.bytes_toserver"),
	UNSUPPORTED("flow.pkts"),
	UNSUPPORTED("flow.pkts_toclient"),
	UNSUPPORTED("flow.pkts_toserver"),
	UNSUPPORTED("flowint"),
	UNSUPPORTED("flowvar"),
	UNSUPPORTED("hostbits"),
	UNSUPPORTED("pktvar"),
	UNSUPPORTED("stream_size"),
	UNSUPPORTED("xbits"),
	UNSUPPORTED("app-layer-event"),
	UNSUPPORTED("app-layer-protocol"),
	UNSUPPORTED("app-layer-state"),
	UNSUPPORTED("decode-event"),
	UNSUPPORTED("stream-event"),
	UNSUPPORTED("config"),
	UNSUPPORTED("dataset"),
	UNSUPPORTED("datarep"),
	UNSUPPORTED("iprep"),
	UNSUPPORTED("lua"),
	UNSUPPORTED("luajit"),
	UNSUPPORTED("requires"),
	/* HTTP buffers botsink does not have. */
	MISSING("http.accept"),
	MISSING("http.accept_enc"),
	MISSING("http.accept_lang"),
	MISSING("http.connection"),
	MISSING("http.content_len"),
	MISSING("http.content_type"),
	MISSING("http.cookie"),
	MISSING("http.header_names"),
	MISSING("http.host.raw"),
	MISSING("http.location"),
	MISSING("http.protocol"),
	MISSING("http.referer"),
	MISSING("http.request_header"),
	MISSING("http.request_line"),
	MISSING("http.response_body"),
	MISSING("http.response_header"),
	MISSING("http.response_line"),
	MISSING("http.server"),
	MISSING("http.start"),
	MISSING("http.stat_code"),
	MISSING("http.stat_msg"),
	MISSING("http_accept"),
	MISSING("http_accept_enc"),
	MISSING("http_accept_lang"),
	MISSING("http_connection"),
	MISSING("http_content_len"),
	MISSING("http_content_type"),
	MISSING("http_header_names"),
	MISSING("http_location"),
	MISSING("http_origin"),
	MISSING("http_protocol"),
	MISSING("http_referer"),
	MISSING("http_request_line"),
	MISSING("http_response_line"),
	MISSING("http_server"),
	MISSING("http_start"),
	MISSING("http2.header"),
	MISSING("http2.header_name"),
	UNSUPPORTED("http2.errorcode"),
	UNSUPPORTED("http2.frametype"),
	UNSUPPORTED("http2.priority"),
	UNSUPPORTED("http2.settings"),
	UNSUPPORTED("http2.size_update"),
	UNSUPPORTED("http2.window"),
	/* Files. */
	MISSING("file.data"),
	MISSING("file_data"),
	MISSING("file.magic"),
	MISSING("file.name"),
	UNSUPPORTED("fileext"),
	UNSUPPORTED("filemagic"),
	UNSUPPORTED("filemd5"),
	UNSUPPORTED("filename"),
	UNSUPPORTED("filesha1"),
	UNSUPPORTED("filesha256"),
	UNSUPPORTED("filesize"),
	UNSUPPORTED("filestore"),
	MISSING("base64_data"),
	UNSUPPORTED("base64_decode"),
	/* DNS beyond the first question's name. */
	MISSING("dns.additionals.rrname"),
	MISSING("dns.answer.name"),
	MISSING("dns.answers.rrname"),
	MISSING("dns.authorities.rrname"),
	MISSING("dns.queries.rrname"),
	MISSING("dns.query.name"),
	MISSING("dns.response.rrname"),
	UNSUPPORTED("dns.opcode"),
	UNSUPPORTED("dns.rcode"),
	UNSUPPORTED("dns.rrtype"),
	/* TLS, JA3/JA4, SSH, QUIC. */
	MISSING("tls.alpn"),
	MISSING("tls.cert_fingerprint"),
	MISSING("tls.cert_issuer"),
	MISSING("tls.cert_serial"),
	MISSING("tls.cert_subject"),
	MISSING("tls.certs"),
	MISSING("tls.random"),
	MISSING("tls.random_bytes"),
	MISSING("tls.random_time"),
	MISSING("tls.sni"),
	MISSING("tls.subjectaltname"),
	MISSING("tls_cert_fingerprint"),
	MISSING("tls_cert_issuer"),
	MISSING("tls_cert_serial"),
	MISSING("tls_cert_subject"),
	MISSING("tls_sni"),
	UNSUPPORTED("ssl_state"),
	UNSUPPORTED("ssl_version"),
	UNSUPPORTED("tls.cert_chain_len"),
	UNSUPPORTED("tls.cert_expired"),
	UNSUPPORTED("tls.cert_valid"),
	UNSUPPORTED("tls.fingerprint"),
	UNSUPPORTED("tls.issuerdn"),
	UNSUPPORTED("tls.store"),
	UNSUPPORTED("tls.subject"),
	UNSUPPORTED("tls.version"),
	MISSING("ja3.hash"),
	MISSING("ja3.string"),
	MISSING("ja3s.hash"),
	MISSING("ja3s.string"),
	MISSING("ja4.hash"),
	MISSING("ja3_hash"),
	MISSING("ja3_string"),
	MISSING("ja3s_hash"),
	MISSING("ja3s_string"),
	MISSING("ssh.hassh"),
	MISSING("ssh.hassh.server"),
	MISSING("ssh.hassh.server.string"),
	MISSING("ssh.hassh.string"),
	MISSING("ssh.proto"),
	MISSING("ssh.software"),
	MISSING("ssh_proto"),
	MISSING("ssh_software"),
	UNSUPPORTED("ssh.protoversion"),
	UNSUPPORTED("ssh.softwareversion"),
	MISSING("quic.cyu.hash"),
	MISSING("quic.cyu.string"),
	MISSING("quic.sni"),
	MISSING("quic.ua"),
	MISSING("quic.version"),
	/* Other application protocols. */
	UNSUPPORTED("cip_service"),
	UNSUPPORTED("dce_iface"),
	UNSUPPORTED("dce_opnum"),
	MISSING("dce_stub_data"),
	UNSUPPORTED("dhcp.leasetime"),
	UNSUPPORTED("dhcp.rebinding_time"),
	UNSUPPORTED("dhcp.renewal_time"),
	MISSING("dnp3_data"),
	UNSUPPORTED("dnp3_func"),
	UNSUPPORTED("dnp3_ind"),
	UNSUPPORTED("dnp3_obj"),
	UNSUPPORTED("enip_command"),
	MISSING("email.cc"),
	MISSING("email.date"),
	MISSING("email.from"),
	MISSING("email.message_id"),
	MISSING("email.received"),
	MISSING("email.subject"),
	MISSING("email.to"),
	MISSING("email.url"),
	MISSING("email.x_mailer"),
	/* A sticky buffer named by its value (frame:http.request). */
	{ "frame", NULL, KW_VALUE | KW_UNSUPPORTED, setup_drop_sticky, 0 },
	MISSING("ftp.command"),
	MISSING("ftp.command_data"),
	MISSING("ftp.completion_code"),
	MISSING("ftp.reply"),
	UNSUPPORTED("ftpbounce"),
	UNSUPPORTED("ftpdata_command"),
	MISSING("ike.init_spi"),
	MISSING("ike.key_exchange_payload"),
	MISSING("ike.nonce_payload"),
	MISSING("ike.resp_spi"),
	MISSING("ike.vendor"),
	UNSUPPORTED("ike.chosen_sa_attribute"),
	UNSUPPORTED("ike.exchtype"),
	UNSUPPORTED("ike.key_exchange_payload_length"),
	UNSUPPORTED("ike.nonce_payload_length"),
	MISSING("krb5_cname"),
	MISSING("krb5_sname"),
	UNSUPPORTED("krb5.ticket_encryption"),
	UNSUPPORTED("krb5.weak_encryption"),
	UNSUPPORTED("krb5_err_code"),
	UNSUPPORTED("krb5_msg_type"),
	UNSUPPORTED("modbus"),
	MISSING("mqtt.connect.clientid"),
	MISSING("mqtt.connect.password"),
	MISSING("mqtt.connect.username"),
	MISSING("mqtt.connect.willmessage"),
	MISSING("mqtt.connect.willtopic"),
	MISSING("mqtt.publish.message"),
	MISSING("mqtt.publish.topic"),
	MISSING("mqtt.subscribe.topic"),
	MISSING("mqtt.unsubscribe.topic"),
	UNSUPPORTED("mqtt.connack.session_present"),
	UNSUPPORTED("mqtt.connect.flags"),
	UNSUPPORTED("mqtt.flags"),
	UNSUPPORTED("mqtt.protocol_version"),
	UNSUPPORTED("mqtt.qos"),
	UNSUPPORTED("mqtt.reason_code"),
	UNSUPPORTED("mqtt.type"),
	UNSUPPORTED("nfs.version"),
	UNSUPPORTED("nfs_procedure"),
	MISSING("rfb.name"),
	UNSUPPORTED("rfb.secresult"),
	UNSUPPORTED("rfb.sectype"),
	MISSING("sip.content_length"),
	MISSING("sip.content_type"),
	MISSING("sip.from"),
	MISSING("sip.method"),
	MISSING("sip.protocol"),
	MISSING("sip.request_line"),
	MISSING("sip.response_line"),
	MISSING("sip.stat_code"),
	MISSING("sip.stat_msg"),
	MISSING("sip.to"),
	MISSING("sip.uri"),
	MISSING("sip.user_agent"),
	MISSING("sip.via"),
	MISSING("smb.named_pipe"),
	MISSING("smb.ntlmssp_domain"),
	MISSING("smb.ntlmssp_user"),
	MISSING("smb.share"),
	MISSING("smb_named_pipe"),
	MISSING("smb_share"),
	UNSUPPORTED("smb.version"),
	MISSING("smtp.helo"),
	MISSING("smtp.mail_from"),
	MISSING("smtp.rcpt_to"),
	MISSING("snmp.community"),
	MISSING("snmp.usm"),
	UNSUPPORTED("snmp.pdu_type"),
	UNSUPPORTED("snmp.version"),
	MISSING("websocket.payload"),
	UNSUPPORTED("websocket.flags"),
	UNSUPPORTED("websocket.mask"),
	UNSUPPORTED("websocket.opcode"),
};

const struct rule_keyword *rule_keyword_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++) {
		const struct rule_keyword *kw = &keywords[i];

		if (strcmp(name, kw->name) == 0 || (kw->alias && strcmp(name, kw->alias) == 0))
			return kw;
	}
	return NULL;
}

/* The first sticky keyword of a buffer names it ("payload" for pkt_data's). */
const char *rule_buffer_name(uint8_t buffer)
{
	if (buffer == BOTSINK_BUF_PAYLOAD)
		return "payload";
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++)
		if (keywords[i].setup == setup_sticky && keywords[i].arg == buffer)
			return keywords[i].name;
	return "?";
}

const struct rule_keyword *rule_keyword_at(size_t i)
{
	return i < ARRAY_SIZE(keywords) ? &keywords[i] : NULL;
}

/* Longer names are no typo of a keyword: they get no suggestion. */
#define TYPO_MAX 64

/*
 * Edit distance with adjacent transpositions (optimal string alignment),
 * so that "nocsae" is one edit from "nocase", as a typist sees it.
 */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[TYPO_MAX + 1][TYPO_MAX + 1];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/* The known name nearest to a typo, within two edits; NULL when none is. */
static const char *nearest_keyword(const char *name)
{
	const char *best = NULL;
	size_t best_d = 3;

	if (strlen(name) > TYPO_MAX)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++) {
		const char *names[] = { keywords[i].name, keywords[i].alias };

		for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
			size_t d;

			if (!names[k] || strlen(names[k]) > TYPO_MAX)
				continue;
			d = edit_distance(name, names[k]);
			if (d < best_d) {
				best = names[k];
				best_d = d;
			}
		}
	}
	return best;
}

static void unknown_keyword(struct parser *p, const char *name)
{
	const char *near = nearest_keyword(name);

	if (near)
		parser_fail(p, "unknown keyword '%s' (did you mean '%s'?)", name, near);
	else
		parser_fail(p, "unknown keyword '%s'", name);
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
	o->kw = rule_keyword_find(o->key);
	if (!o->kw) {
		unknown_keyword(p, o->key);
		return;
	}
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
