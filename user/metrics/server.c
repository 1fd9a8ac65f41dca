// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libmicrohttpd with one internal polling thread: every connection is
 * served there, so render() runs one scrape at a time and never on the
 * caller's threads. MHD blocks SIGPIPE in the threads it starts and
 * sends with MSG_NOSIGNAL (MHD_FEATURE_AUTOSUPPRESS_SIGPIPE), so a
 * scraper gone mid-response is an error on its connection only.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h> /* GNUTLS_KP_TLS_WWW_CLIENT */
#include <microhttpd.h>
#include "lib/log.h"
#include "lib/util.h"
#include "metrics/expo.h"
#include "metrics/server.h"

#define METRICS_PATH "/metrics"
/* Prometheus scrapes with one connection; a few more for people and proxies. */
#define MAX_CONNECTIONS 16u
/* Per address: one peer (refused or not) cannot hold every slot. */
#define MAX_CONNECTIONS_PER_ADDRESS 4u
/* Seconds a connection may stay idle, so a silent peer cannot hold a slot. */
#define CONNECTION_TIMEOUT 10u
#define LISTEN_BACKLOG 64
/* At most one warning of a kind this often: a refused scraper retries every scrape. */
#define WARN_INTERVAL_NS (10 * 1000000000ULL)

struct ratelimit {
	pthread_mutex_t lock; /* MHD logs from its thread and, starting and stopping, ours */
	uint64_t next_ns; /* CLOCK_MONOTONIC: the next warning may go from then */
	unsigned long missed; /* warnings not written since the last one */
};

struct listen_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} u;
	socklen_t len;
};

struct metrics_server {
	struct MHD_Daemon *daemon;
	metrics_render_fn render;
	void *arg;
	bool verify; /* a CA was given: scrapers must present a certificate it signed */
	/* PEM, NUL-terminated: MHD was given pointers to them, so they live as long as it. */
	char *cert, *key, *ca;
	struct ratelimit refused, mhd_log;
};

static void ratelimit_init(struct ratelimit *rl)
{
	pthread_mutex_init(&rl->lock, NULL);
	rl->next_ns = 0;
	rl->missed = 0;
}

/*
 * "metrics: " prefix msg, unless a warning of rl went less than
 * WARN_INTERVAL_NS ago: then only counted, and the next one says how many.
 */
static void ratelimit_warn(struct ratelimit *rl, const char *prefix, const char *msg)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	unsigned long missed = 0;
	bool pass;

	pthread_mutex_lock(&rl->lock);
	pass = now >= rl->next_ns;
	if (pass) {
		missed = rl->missed;
		rl->missed = 0;
		rl->next_ns = now + WARN_INTERVAL_NS;
	} else {
		rl->missed++;
	}
	pthread_mutex_unlock(&rl->lock);
	if (!pass)
		return;
	if (missed)
		log_warn("metrics: %s%s (%lu more not logged)", prefix, msg, missed);
	else
		log_warn("metrics: %s%s", prefix, msg);
}

/*
 * MHD's messages may quote what a peer sent: each byte that is not
 * printable ASCII becomes '?', and the trailing newline goes.
 */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct metrics_server *s = cls;
	char msg[256];
	size_t len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		msg[--len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (!isprint((unsigned char)msg[i]))
			msg[i] = '?';
	ratelimit_warn(&s->mhd_log, "", msg);
}

/* "1".."65535", digits only: 0 if it is one, else -1; *range: digits, but out of range. */
static int parse_port(const char *text, uint16_t *port, bool *range)
{
	unsigned long v = 0;
	size_t n = strspn(text, "0123456789");

	*range = false;
	if (!n || text[n] || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned long)(text[i] - '0');
	if (v < 1 || v > 65535) {
		*range = true;
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/* The host part (brackets taken off) and the port text of "ADDR:PORT" or "[ADDR]:PORT". */
static int split_listen(const char *text, char *host, size_t hostlen, const char **port)
{
	const char *end;
	size_t n;

	if (text[0] == '[') {
		end = strchr(text, ']');
		if (!end || end[1] != ':')
			return -1;
		text++;
		*port = end + 2;
	} else {
		end = strrchr(text, ':');
		if (!end)
			return -1;
		*port = end + 1;
	}
	n = (size_t)(end - text);
	if (n >= hostlen)
		return -1;
	memcpy(host, text, n);
	host[n] = '\0';
	return 0;
}

/* A bracketed host is IPv6, an unbracketed one IPv4: "::1:80" cannot be read two ways. */
static int parse_listen(const char *text, struct listen_addr *la, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN];
	const char *port_text;
	bool range = false;
	uint16_t port;

	memset(la, 0, sizeof(*la));
	if (split_listen(text, host, sizeof(host), &port_text) ||
	    parse_port(port_text, &port, &range))
		goto bad;
	if (text[0] == '[' && inet_pton(AF_INET6, host, &la->u.v6.sin6_addr) == 1) {
		la->u.v6.sin6_family = AF_INET6;
		la->u.v6.sin6_port = htons(port);
		la->len = sizeof(la->u.v6);
		return 0;
	}
	if (text[0] != '[' && inet_pton(AF_INET, host, &la->u.v4.sin_addr) == 1) {
		la->u.v4.sin_family = AF_INET;
		la->u.v4.sin_port = htons(port);
		la->len = sizeof(la->u.v4);
		return 0;
	}
bad:
	if (range)
		snprintf(err, errlen, "--metrics '%s': the port must be 1 to 65535", text);
	else
		snprintf(err, errlen,
			 "--metrics '%s': not ADDR:PORT (a numeric address and a port)", text);
	return -1;
}

/* 127.0.0.0/8, ::1, and 127.0.0.0/8 mapped into IPv6. */
static bool is_loopback(const struct listen_addr *la)
{
	const struct in6_addr *a6 = &la->u.v6.sin6_addr;

	if (la->u.sa.sa_family == AF_INET)
		return (ntohl(la->u.v4.sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(a6) || (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
}

/* Which TLS options go together, and where plain HTTP is allowed. */
static int check_options(const struct metrics_config *cfg, const struct listen_addr *la, char *err,
			 size_t errlen)
{
	if (!cfg->cert != !cfg->key) {
		snprintf(err, errlen, "--metrics-cert and --metrics-key go together: give both");
		return -1;
	}
	if (cfg->ca && !cfg->cert) {
		snprintf(err, errlen,
			 "--metrics-ca needs --metrics-cert and --metrics-key (the server's own)");
		return -1;
	}
	if (!cfg->ca && !is_loopback(la)) {
		snprintf(
			err, errlen,
			"--metrics %s is not a loopback address: give --metrics-cert, --metrics-key "
			"and --metrics-ca (scrapers must present a client certificate)",
			cfg->listen);
		return -1;
	}
	return 0;
}

static char *read_pem(const char *option, const char *path, char *err, size_t errlen)
{
	char *pem = read_file(path, CONFIG_FILE_MAX, NULL);
	char why[64];

	if (!pem)
		snprintf(err, errlen, "%s %s: %s", option, path,
			 read_file_strerror(errno, CONFIG_FILE_MAX, why, sizeof(why)));
	return pem;
}

static gnutls_datum_t datum(const char *pem)
{
	return (gnutls_datum_t){ .data = (unsigned char *)pem, .size = (unsigned int)strlen(pem) };
}

/*
 * What MHD will do with the files, done first on throwaway credentials:
 * MHD would only say "Failed to initialize TLS support", without the file
 * or the reason.
 */
static int check_pems(const struct metrics_server *s, const struct metrics_config *cfg, char *err,
		      size_t errlen)
{
	gnutls_datum_t cert = datum(s->cert), key = datum(s->key), ca;
	gnutls_certificate_credentials_t cred;
	int ret;

	ret = gnutls_certificate_allocate_credentials(&cred);
	if (ret < 0) {
		snprintf(err, errlen, "--metrics-cert %s: %s", cfg->cert, gnutls_strerror(ret));
		return -1;
	}
	ret = gnutls_certificate_set_x509_key_mem(cred, &cert, &key, GNUTLS_X509_FMT_PEM);
	if (ret < 0) {
		snprintf(err, errlen, "--metrics-cert %s, --metrics-key %s: %s", cfg->cert,
			 cfg->key, gnutls_strerror(ret));
		goto out;
	}
	if (!s->ca)
		goto out;
	ca = datum(s->ca);
	ret = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
	if (ret <= 0) {
		snprintf(err, errlen, "--metrics-ca %s: %s", cfg->ca,
			 ret < 0 ? gnutls_strerror(ret) : "no PEM certificate in it");
		ret = -1;
	}
out:
	gnutls_certificate_free_credentials(cred);
	return ret < 0 ? -1 : 0;
}

static int load_tls(struct metrics_server *s, const struct metrics_config *cfg, char *err,
		    size_t errlen)
{
	if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		snprintf(err, errlen, "--metrics-cert: this libmicrohttpd was built without TLS");
		return -1;
	}
	s->cert = read_pem("--metrics-cert", cfg->cert, err, errlen);
	if (!s->cert)
		return -1;
	s->key = read_pem("--metrics-key", cfg->key, err, errlen);
	if (!s->key)
		return -1;
	if (cfg->ca) {
		s->ca = read_pem("--metrics-ca", cfg->ca, err, errlen);
		if (!s->ca)
			return -1;
		s->verify = true;
	}
	return check_pems(s, cfg, err, errlen);
}

/*
 * Bound here rather than by MHD, so that a port in use or an address
 * the machine does not have is said as such.
 */
static int listen_socket(const struct listen_addr *la, const char *text, char *err, size_t errlen)
{
	int one = 1, saved, fd;

	fd = socket(la->u.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	/* Restarting must not wait for the last run's connections in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, &la->u.sa, la->len) || listen(fd, LISTEN_BACKLOG))
		goto fail;
	return fd;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	snprintf(err, errlen, "--metrics %s: cannot listen: %s", text, strerror(saved));
	return -1;
}

/*
 * Did the scraper present a certificate that the CA signed, valid now and
 * for client authentication? If not, why not (GnuTLS's words, never the
 * certificate's own fields).
 */
static bool scraper_verified(struct MHD_Connection *conn, char *why, size_t whylen)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_typed_vdata_st purpose = {
		.type = GNUTLS_DT_KEY_PURPOSE_OID,
		.data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT,
	};
	gnutls_datum_t text;
	unsigned int status;
	int ret;

	if (!ci || !ci->tls_session) {
		snprintf(why, whylen, "no TLS session");
		return false;
	}
	ret = gnutls_certificate_verify_peers(ci->tls_session, &purpose, 1, &status);
	if (ret == GNUTLS_E_NO_CERTIFICATE_FOUND) {
		snprintf(why, whylen, "no client certificate");
		return false;
	}
	if (ret < 0) {
		snprintf(why, whylen, "%s", gnutls_strerror(ret));
		return false;
	}
	if (!status)
		return true;
	if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) < 0) {
		snprintf(why, whylen, "the certificate is not trusted");
		return false;
	}
	snprintf(why, whylen, "%s", str_trim((char *)text.data, WHITESPACE));
	gnutls_free(text.data);
	return false;
}

/*
 * Without the peer's address: off loopback anyone may knock, a bot too,
 * and no source address goes to the logs (the firewall's log has them).
 */
static void warn_refused(struct metrics_server *s, const char *why)
{
	ratelimit_warn(&s->refused, "refused a scraper: ", why);
}

/* A short text answer; header and value: one more header, or NULL. */
static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *body, const char *header, const char *value)
{
	struct MHD_Response *r;
	enum MHD_Result ret = MHD_NO;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	if (!MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8"))
		goto out;
	if (header && !MHD_add_response_header(r, header, value))
		goto out;
	ret = MHD_queue_response(conn, status, r);
out:
	MHD_destroy_response(r);
	return ret;
}

/* The exposition, rendered now; the response owns the buffer and frees it. */
static enum MHD_Result reply_metrics(struct metrics_server *s, struct MHD_Connection *conn)
{
	struct strbuf sb = { 0 };
	struct MHD_Response *r;
	enum MHD_Result ret = MHD_NO;

	s->render(s->arg, &sb);
	/* sb_grow(0): a buffer even when render wrote nothing. */
	if (sb.oom || !sb_grow(&sb, 0)) {
		sb_free(&sb);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", NULL,
				  NULL);
	}
	r = MHD_create_response_from_buffer_with_free_callback(sb.len, sb.buf, free);
	if (!r) {
		sb_free(&sb);
		return MHD_NO;
	}
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, EXPO_CONTENT_TYPE))
		ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * Called once a request's headers are in. Every answer is queued then,
 * so a request body is never read: refused and wrong requests cost
 * nothing more. The client's certificate comes first, so that a peer
 * without one learns nothing, not even which paths exist.
 */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct metrics_server *s = cls;
	char why[256];

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (s->verify && !scraper_verified(conn, why, sizeof(why))) {
		warn_refused(s, why);
		/* Closed after the answer: one refusal, and one warning at most, per connection. */
		return reply_text(conn, MHD_HTTP_FORBIDDEN, "a client certificate is required\n",
				  MHD_HTTP_HEADER_CONNECTION, "close");
	}
	if (strcmp(url, METRICS_PATH))
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found: try " METRICS_PATH "\n",
				  NULL, NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
				  MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	return reply_metrics(s, conn);
}

static struct MHD_Daemon *start_daemon(struct metrics_server *s, int fd, int family)
{
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	/* With a CA, MHD asks every client for a certificate; handle() checks it. */
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, s->key },
		{ s->ca ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, s->ca },
		{ MHD_OPTION_END, 0, NULL },
	};
	struct MHD_OptionItem plain[] = { { MHD_OPTION_END, 0, NULL } };

	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (s->cert)
		flags |= MHD_USE_TLS;
	/* The logger first, so that MHD's own start-up messages go through it too. */
	return MHD_start_daemon(flags, 0, NULL, NULL, handle, s, MHD_OPTION_EXTERNAL_LOGGER,
				mhd_log, s, MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_CONNECTION_LIMIT, MAX_CONNECTIONS,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, MAX_CONNECTIONS_PER_ADDRESS,
				MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT, MHD_OPTION_ARRAY,
				s->cert ? tls : plain, MHD_OPTION_END);
}

/*
 * MHD closes the socket it was given when it fails to start, but an
 * early failure might leave it open: closed here only if fd is still
 * that socket (the same inode), never a descriptor reused since.
 */
static void close_if_ours(int fd, ino_t ino)
{
	struct stat st;

	if (!fstat(fd, &st) && S_ISSOCK(st.st_mode) && st.st_ino == ino)
		close(fd);
}

static void server_free(struct metrics_server *s)
{
	if (s->key)
		explicit_bzero(s->key, strlen(s->key));
	free(s->cert);
	free(s->key);
	free(s->ca);
	pthread_mutex_destroy(&s->refused.lock);
	pthread_mutex_destroy(&s->mhd_log.lock);
	free(s);
}

struct metrics_server *metrics_start(const struct metrics_config *cfg, metrics_render_fn render,
				     void *arg, char *err, size_t errlen)
{
	const char *text = cfg->listen ? cfg->listen : "";
	struct metrics_server *s;
	struct listen_addr la;
	struct stat st;
	int fd;

	/* Everything about the options is checked before a socket is made. */
	if (parse_listen(text, &la, err, errlen) || check_options(cfg, &la, err, errlen))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "--metrics %s: out of memory", text);
		return NULL;
	}
	s->render = render;
	s->arg = arg;
	ratelimit_init(&s->refused);
	ratelimit_init(&s->mhd_log);
	if (cfg->cert && load_tls(s, cfg, err, errlen))
		goto fail;
	fd = listen_socket(&la, text, err, errlen);
	if (fd < 0)
		goto fail;
	if (fstat(fd, &st))
		st.st_ino = 0;
	s->daemon = start_daemon(s, fd, la.u.sa.sa_family);
	if (!s->daemon) {
		close_if_ours(fd, st.st_ino);
		snprintf(err, errlen, "--metrics %s: libmicrohttpd could not start (see above)",
			 text);
		goto fail;
	}
	return s;
fail:
	server_free(s);
	return NULL;
}

void metrics_stop(struct metrics_server *s)
{
	if (!s)
		return;
	/* Joins MHD's thread (a scrape in progress ends first) and closes the socket. */
	MHD_stop_daemon(s->daemon);
	server_free(s);
}
