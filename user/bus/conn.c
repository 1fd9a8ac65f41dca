// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "bus/conn.h"
#include "lib/log.h"
#include "lib/util.h"

#define CONNECT_TIMEOUT_MS 5000
#define RECONNECT_WAIT_MS 1000
#define BUS_CLOSE_WAIT_MS 2000 /* for libnats' closed callback, at most */
#define PING_INTERVAL_MS 5000
#define BUS_MAX_URLS 16

static pthread_mutex_t async_lock = PTHREAD_MUTEX_INITIALIZER;

bool bus_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > BUS_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    c != '_' && c != '-')
			return false;
	}
	return true;
}

struct creds_parse {
	struct bus_credentials *c;
	char reason[128];
};

static int creds_key(void *user, const char *section, const char *name, const char *value)
{
	struct creds_parse *p = user;
	struct {
		const char *key;
		char *dst;
		size_t len;
	} keys[] = {
		{ "user", p->c->user, sizeof(p->c->user) },
		{ "password", p->c->password, sizeof(p->c->password) },
		{ "inbox_prefix", p->c->inbox_prefix, sizeof(p->c->inbox_prefix) },
	};

	if (section[0]) {
		snprintf(p->reason, sizeof(p->reason), "no sections in a credentials file");
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (strcmp(name, keys[i].key))
			continue;
		if (keys[i].dst[0]) {
			snprintf(p->reason, sizeof(p->reason), "%s given twice", name);
			return 0;
		}
		if (!value[0] || strlen(value) >= keys[i].len) {
			snprintf(p->reason, sizeof(p->reason), "%s: empty or longer than %zu bytes",
				 name, keys[i].len - 1);
			return 0;
		}
		memcpy(keys[i].dst, value, strlen(value) + 1);
		return 1;
	}
	snprintf(p->reason, sizeof(p->reason), "unknown key '%.40s' (user, password, inbox_prefix)",
		 name);
	return 0;
}

int bus_credentials_load(const char *path, struct bus_credentials *c, char *err, size_t errlen)
{
	struct creds_parse p = { .c = c };
	struct stat st;
	FILE *f;
	int line, fd;

	memset(c, 0, sizeof(*c));
	/* O_NONBLOCK: a FIFO is refused below at once, not waited on. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "%s: %s", path,
			 errno == ELOOP ? "a symbolic link; give the file itself" :
					  strerror(errno));
		goto fail_fd;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		snprintf(err, errlen, "%s: %s", path,
			 S_ISREG(st.st_mode) ? "readable by group or others: chmod 600 it" :
					       "not a regular file");
		goto fail_fd;
	}
	f = fdopen(fd, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail_fd;
	}
	line = ini_parse_file(f, creds_key, &p);
	fclose(f);
	if (line) {
		snprintf(err, errlen, "%s:%d: %s", path, line,
			 p.reason[0] ? p.reason : "not a 'key = value' line");
		goto fail;
	}
	if (!c->user[0] || !c->password[0]) {
		snprintf(err, errlen, "%s: needs both 'user' and 'password'", path);
		goto fail;
	}
	return 0;
fail_fd:
	if (fd >= 0)
		close(fd);
fail:
	explicit_bzero(c, sizeof(*c));
	return -1;
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus s, void *closure)
{
	struct bus *b = closure;
	const char *text = NULL;

	(void)sub;
	natsConnection_GetLastError(nc, &text);
	pthread_mutex_lock(&async_lock);
	snprintf(b->async_error, sizeof(b->async_error), "%s",
		 text && text[0] ? text : natsStatus_GetText(s));
	pthread_mutex_unlock(&async_lock);
}

/* A connection back: an error the server sent before is no longer news. */
static void on_reconnected(natsConnection *nc, void *closure)
{
	struct bus *b = closure;

	(void)nc;
	pthread_mutex_lock(&async_lock);
	b->async_error[0] = '\0';
	pthread_mutex_unlock(&async_lock);
}

static void on_closed(natsConnection *nc, void *closure)
{
	struct bus *b = closure;

	(void)nc;
	__atomic_store_n(&b->closed, true, __ATOMIC_RELEASE);
}

static void on_connected(natsConnection *nc, void *closure)
{
	struct bus *b = closure;

	(void)nc;
	__atomic_store_n(&b->connected, true, __ATOMIC_RELEASE);
}

/* Was this reason said in this outage? If not, it is now (while there is room). */
static bool said_before(struct bus *b, const char *text)
{
	for (unsigned int i = 0; i < b->nsaid; i++)
		if (!strcmp(b->said_why[i], text))
			return true;
	if (b->nsaid == BUS_WATCH_REASONS)
		return true;
	snprintf(b->said_why[b->nsaid++], sizeof(b->said_why[0]), "%s", text);
	return false;
}

bool bus_watch(struct bus *b, const char *who, const char *waiting)
{
	const char *last = NULL;
	char text[sizeof(b->said_why[0])];

	if (natsConnection_Status(b->nc) == NATS_CONN_STATUS_CONNECTED) {
		if (b->said_away)
			log_info("%s: connected again", who);
		b->said_away = false;
		b->nsaid = 0;
		return true;
	}
	/* libnats's reconnecting thread rewrites it: copied at once. */
	natsConnection_GetLastError(b->nc, &last);
	snprintf(text, sizeof(text), "%s", last ? last : "");
	/* libnats clears its reason between attempts: only a new one is said. */
	if (b->said_away && (!text[0] || said_before(b, text)))
		return false;
	if (!b->said_away && text[0])
		said_before(b, text);
	log_warn("%s: not connected%s%s%s; %s", who, text[0] ? " (" : "", text, text[0] ? ")" : "",
		 waiting);
	b->said_away = true;
	return false;
}

const char *bus_server_said(struct bus *b)
{
	static __thread char text[320];
	bool said;

	pthread_mutex_lock(&async_lock);
	said = b && b->async_error[0];
	if (said) {
		/* Said once: a later failure is not this one. */
		snprintf(text, sizeof(text), "%s", b->async_error);
		b->async_error[0] = '\0';
	}
	pthread_mutex_unlock(&async_lock);
	return said ? text : NULL;
}

const char *bus_error(struct bus *b, natsStatus s)
{
	static __thread char text[320];
	const char *said = bus_server_said(b), *last = nats_GetLastError(NULL);

	if (said)
		return said;
	snprintf(text, sizeof(text), "%s", last && last[0] ? last : natsStatus_GetText(s));
	return text;
}

/* The URLs, split at commas; nats:// becomes tls:// (TLS is required). */
static int split_urls(const char *urls, char *buf, size_t buflen, const char **out, int *n,
		      char *err, size_t errlen)
{
	char *save = NULL, *tok;

	*n = 0;
	if (strlen(urls) >= buflen) {
		snprintf(err, errlen, "server list longer than %zu bytes", buflen - 1);
		return -1;
	}
	strcpy(buf, urls);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == BUS_MAX_URLS) {
			snprintf(err, errlen, "more than %d servers", BUS_MAX_URLS);
			return -1;
		}
		if (strncmp(tok, "nats://", 7) && strncmp(tok, "tls://", 6)) {
			snprintf(err, errlen,
				 "'%s': a server is nats://HOST:PORT or tls://HOST:PORT", tok);
			return -1;
		}
		out[(*n)++] = tok;
	}
	if (!*n) {
		snprintf(err, errlen, "no server given");
		return -1;
	}
	return 0;
}

static natsStatus set_options(natsOptions *o, const struct bus_config *cfg, struct bus *b,
			      const char **urls, int nurls)
{
	natsStatus s = natsOptions_SetServers(o, urls, nurls);

	if (s == NATS_OK)
		s = natsOptions_SetSecure(o, true);
	if (s == NATS_OK && cfg->ca_file)
		s = natsOptions_LoadCATrustedCertificates(o, cfg->ca_file);
	if (s == NATS_OK)
		s = natsOptions_SetUserInfo(o, b->creds.user, b->creds.password);
	if (s == NATS_OK && b->creds.inbox_prefix[0])
		s = natsOptions_SetCustomInboxPrefix(o, b->creds.inbox_prefix);
	if (s == NATS_OK && cfg->name)
		s = natsOptions_SetName(o, cfg->name);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, CONNECT_TIMEOUT_MS);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(o, -1); /* forever: a sensor outlives outages */
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(o, RECONNECT_WAIT_MS);
	/* A server gone without a word is noticed in seconds, not minutes. */
	if (s == NATS_OK)
		s = natsOptions_SetPingInterval(o, PING_INTERVAL_MS);
	if (s == NATS_OK)
		s = natsOptions_SetMaxPingsOut(o, 2);
	if (s == NATS_OK)
		s = natsOptions_SetErrorHandler(o, on_async_error, b);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(o, on_reconnected, b);
	if (s == NATS_OK)
		s = natsOptions_SetClosedCB(o, on_closed, b);
	return s;
}

/* Refused credentials and certificates are configuration: exit 2. */
static int exit_code_of(natsStatus s)
{
	switch (s) {
	case NATS_CONNECTION_AUTH_FAILED:
	case NATS_NOT_PERMITTED:
	case NATS_SSL_ERROR:
	case NATS_SECURE_CONNECTION_REQUIRED:
	case NATS_INVALID_ARG:
		return 2;
	default:
		return 1;
	}
}

struct bus *bus_connect(const struct bus_config *cfg, int *exit_code, char *err, size_t errlen)
{
	struct bus *b = calloc(1, sizeof(*b));
	const char *urls[BUS_MAX_URLS];
	char buf[2048];
	natsOptions *o = NULL;
	natsStatus s;
	int nurls;

	*exit_code = 2;
	if (!b) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		*exit_code = 1;
		return NULL;
	}
	if (bus_credentials_load(cfg->auth_file, &b->creds, err, errlen) ||
	    split_urls(cfg->urls, buf, sizeof(buf), urls, &nurls, err, errlen))
		goto fail;
	s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = set_options(o, cfg, b, urls, nurls);
	if (s != NATS_OK) {
		snprintf(err, errlen, "%s%s%s", cfg->ca_file ? cfg->ca_file : "",
			 cfg->ca_file ? ": " : "", bus_error(NULL, s));
		goto fail;
	}
	s = natsConnection_Connect(&b->nc, o);
	if (s == NATS_NO_SERVER && cfg->retry_unreachable) {
		/* Counting goes on; the publisher spools until the cluster is back. */
		s = natsOptions_SetRetryOnFailedConnect(o, true, on_connected, b);
		if (s == NATS_OK)
			s = natsConnection_Connect(&b->nc, o);
		if (s == NATS_NOT_YET_CONNECTED)
			s = NATS_OK;
	} else if (s == NATS_OK) {
		b->connected = true;
	}
	if (s != NATS_OK) {
		snprintf(err, errlen, "%s as %s: %s", cfg->urls, b->creds.user, bus_error(b, s));
		*exit_code = exit_code_of(s);
		goto fail;
	}
	s = natsConnection_JetStream(&b->js, b->nc, NULL);
	if (s != NATS_OK) {
		snprintf(err, errlen, "JetStream: %s", bus_error(b, s));
		*exit_code = 1;
		goto fail;
	}
	natsOptions_Destroy(o);
	return b;
fail:
	natsOptions_Destroy(o);
	bus_close(b);
	return NULL;
}

void bus_close(struct bus *b)
{
	if (!b)
		return;
	jsCtx_Destroy(b->js);
	if (b->nc) {
		natsConnection_Close(b->nc);
		/* Its callbacks get b: the closed one is the last (bounded wait). */
		for (int ms = 0;
		     ms < BUS_CLOSE_WAIT_MS && !__atomic_load_n(&b->closed, __ATOMIC_ACQUIRE); ms++)
			nats_Sleep(1);
		natsConnection_Destroy(b->nc);
	}
	explicit_bzero(&b->creds, sizeof(b->creds));
	free(b);
}

time_t bus_stored_at(natsMsg *m)
{
	const char *stamp = NULL;
	struct tm tm = { 0 };

	if (natsMsgHeader_Get(m, "Nats-Time-Stamp", &stamp) != NATS_OK || !stamp ||
	    !strptime(stamp, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return timegm(&tm);
}
