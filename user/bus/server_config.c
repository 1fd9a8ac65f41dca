// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * botsink nats-config's files: the node configurations of a nats-server
 * 2.9 cluster and the principals' credentials (server_config.h says who
 * may do what).
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include "bus/conn.h"
#include "bus/server_config.h"
#include "lib/parse.h"
#include "lib/util.h"

#define KV_STREAM "KV_" BUS_KEYS_BUCKET /* the stream behind the key bucket */
#define ROUTE_USER "route" /* what nodes log in to each other's cluster port as */
#define JS_KEY_BYTES 32 /* a node's store encryption key */
#define MAX_SUBJECTS 8

enum bus_role { BUS_ROLE_SENSOR, BUS_ROLE_HUB, BUS_ROLE_PARTNER, BUS_ROLE_PUBLIC };

/*
 * Each role's permissions. A subject template may hold {name} (the
 * sensor's or partner's name), {user} and {consumer} (the durable
 * consumer the principal reads from).
 */
struct bus_role_def {
	const char *user_prefix; /* the user is this + name */
	const char *consumer_prefix; /* the consumer is this + name; NULL: none */
	const char *publish[MAX_SUBJECTS];
	const char *publish_deny[MAX_SUBJECTS];
};

/*
 * A reader of its own durable pull consumer on BOTSINK_PARTNERS, and
 * nothing else. It may not create consumers, not even its own: a create
 * request may ask for a push consumer, whose messages nats-server then
 * publishes to the request's deliver subject on the reader's behalf, past
 * the reader's own publish permissions (any subject with a subscriber:
 * another principal's inbox). `botsink streams` and the hubs create it.
 */
#define CONSUMER_READER                                                          \
	.publish = { "$JS.API.CONSUMER.INFO." BUS_PARTNERS_STREAM ".{consumer}", \
		     "$JS.API.CONSUMER.MSG.NEXT." BUS_PARTNERS_STREAM ".{consumer}", \
		     "$JS.ACK." BUS_PARTNERS_STREAM ".{consumer}.>" }

static const struct bus_role_def roles[] = {
	[BUS_ROLE_SENSOR] = {
		.user_prefix = BUS_SENSOR_USER,
		.publish = { BUS_COUNTS_SUBJECT "{name}",
			     "$JS.API.DIRECT.GET." BUS_COUNTS_STREAM "." BUS_COUNTS_SUBJECT "{name}",
			     "$JS.API.STREAM.INFO." BUS_COUNTS_STREAM },
	},
	[BUS_ROLE_HUB] = {
		.user_prefix = BUS_HUB_USER,
		.publish = { "$JS.API.>", "$JS.ACK." BUS_COUNTS_STREAM "." BUS_HUB_CONSUMER ".>",
			     "$KV." BUS_KEYS_BUCKET ".>", "$JS.FC." KV_STREAM ".>",
			     BUS_PARTNER_SUBJECT ">", BUS_PUBLIC_SUBJECT },
		.publish_deny = { BUS_COUNTS_SUBJECT ">" },
	},
	[BUS_ROLE_PARTNER] = {
		.user_prefix = BUS_PARTNER_USER,
		.consumer_prefix = BUS_PARTNER_CONSUMER,
		CONSUMER_READER,
	},
	[BUS_ROLE_PUBLIC] = {
		.user_prefix = BUS_PUBLIC_USER,
		.consumer_prefix = BUS_PUBLIC_CONSUMER,
		CONSUMER_READER,
	},
};

struct bus_principal {
	enum bus_role role;
	char name[BUS_NAME_MAX + 1]; /* the sensor's or partner's; "" for hub and public */
	char user[BUS_NAME_MAX + 16];
	char password[2 * SERVER_CONFIG_PASSWORD_BYTES + 1];
	char hash[SERVER_CONFIG_HASH_MAX]; /* bcrypt ($2b$) */
};

/* ---- checks ---- */

/* Is s a host name, an IPv4 or an IPv6 address (without brackets)? */
static bool host_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 254 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789.-:") == n &&
	       s[0] != '-' && s[0] != '.';
}

/* Can s go between double quotes in a node file (absolute, no quote, backslash or control)? */
static bool path_valid(const char *s)
{
	if (!s || s[0] != '/')
		return false;
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int check_names(const char *what, const char *const *names, size_t n, char *err,
		       size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (!bus_name_valid(names[i])) {
			snprintf(
				err, errlen,
				"%s name '%s' cannot be part of a subject ([A-Za-z0-9_-], 1-%d characters)",
				what, names[i], BUS_NAME_MAX);
			return -1;
		}
		for (size_t k = 0; k < i; k++) {
			if (!strcmp(names[i], names[k])) {
				snprintf(err, errlen, "%s '%s' is named twice", what, names[i]);
				return -1;
			}
		}
	}
	return 0;
}

static int check_hosts(const struct server_config *c, char *err, size_t errlen)
{
	if (c->nhosts != 1 && c->nhosts != c->nodes) {
		snprintf(err, errlen, "%zu hosts for %u nodes: give one for all or one per node",
			 c->nhosts, c->nodes);
		return -1;
	}
	for (size_t i = 0; i < c->nhosts; i++) {
		if (!host_valid(c->hosts[i])) {
			snprintf(err, errlen, "'%s' is not a host name or address", c->hosts[i]);
			return -1;
		}
		for (size_t k = 0; k < i; k++) {
			if (!strcmp(c->hosts[i], c->hosts[k])) {
				snprintf(
					err, errlen,
					"host %s is given twice: give one host for all nodes (their ports then step by one) or one per node",
					c->hosts[i]);
				return -1;
			}
		}
	}
	return 0;
}

/* The ports of a node: base + i on a shared host, base itself on a host of its own. */
static unsigned int node_port(const struct server_config *c, unsigned int base, unsigned int i)
{
	return c->nhosts == 1 ? base + i : base;
}

static const char *node_host(const struct server_config *c, unsigned int i)
{
	return c->hosts[c->nhosts == 1 ? 0 : i];
}

/* Every node's three ports fit, and no two of a host's ports are the same. */
static int check_ports(const struct server_config *c, char *err, size_t errlen)
{
	const unsigned int base[] = { c->client_port, c->cluster_port, c->monitor_port };
	const unsigned int span = c->nhosts == 1 ? c->nodes : 1;

	for (size_t a = 0; a < ARRAY_SIZE(base); a++) {
		if (base[a] < 1 || base[a] + span - 1 > 65535) {
			snprintf(err, errlen, "port %u and the %u after it do not fit below 65536",
				 base[a], span - 1);
			return -1;
		}
		for (size_t b = 0; b < a; b++) {
			if (base[a] < base[b] + span && base[b] < base[a] + span) {
				snprintf(
					err, errlen,
					"ports %u and %u overlap (a shared host takes %u ports from each)",
					base[b], base[a], span);
				return -1;
			}
		}
	}
	return 0;
}

int server_config_check(const struct server_config *c, char *err, size_t errlen)
{
	const char *paths[] = { c->dir, c->tls_cert, c->tls_key, c->tls_ca };

	if (c->nodes < 1 || c->nodes > SERVER_CONFIG_MAX_NODES) {
		snprintf(err, errlen, "%u nodes: 1 to %d", c->nodes, SERVER_CONFIG_MAX_NODES);
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		if (!path_valid(paths[i])) {
			snprintf(
				err, errlen,
				"path '%s' must be absolute, without '\"', '\\' or control characters",
				paths[i] ? paths[i] : "");
			return -1;
		}
	}
	if (check_names("sensor", c->sensors, c->nsensors, err, errlen) ||
	    check_names("partner", c->partners, c->npartners, err, errlen) ||
	    check_hosts(c, err, errlen) || check_ports(c, err, errlen))
		return -1;
	return 0;
}

/* ---- secrets ---- */

static int random_hex(char *out, size_t bytes, char *err, size_t errlen)
{
	unsigned char buf[64];

	if (bytes > sizeof(buf) || RAND_bytes(buf, (int)bytes) != 1) {
		snprintf(err, errlen, "no randomness from OpenSSL");
		return -1;
	}
	hex_encode(buf, bytes, out);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/* A new password and its bcrypt hash. */
static int new_secret(char *password, char hash[SERVER_CONFIG_HASH_MAX], char *err, size_t errlen)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *data;
	const char *h;
	int ret = -1;

	if (random_hex(password, SERVER_CONFIG_PASSWORD_BYTES, err, errlen))
		return -1;
	data = calloc(1, sizeof(*data));
	if (!data) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* $2b$: nats-server 2.9 takes $2a$, $2b$ and $2y$ as bcrypt. */
	if (!crypt_gensalt_rn("$2b$", SERVER_CONFIG_BCRYPT_COST, NULL, 0, salt, sizeof(salt))) {
		snprintf(err, errlen, "cannot make a bcrypt salt: %s", strerror(errno));
		goto out;
	}
	h = crypt_rn(password, salt, data, sizeof(*data));
	if (!h || h[0] == '*' || strlen(h) >= SERVER_CONFIG_HASH_MAX) {
		snprintf(err, errlen, "bcrypt failed: %s", strerror(errno));
		goto out;
	}
	strcpy(hash, h);
	ret = 0;
out:
	OPENSSL_cleanse(data, sizeof(*data));
	free(data);
	return ret;
}

/* ---- principals ---- */

static void principal_init(struct bus_principal *p, enum bus_role role, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->role = role;
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->user, sizeof(p->user), "%s%s", roles[role].user_prefix, name);
}

/* The hub, each sensor, each partner, public: each with a new secret. */
static struct bus_principal *principals(const struct server_config *c, size_t *n, char *err,
					size_t errlen)
{
	struct bus_principal *p = calloc(c->nsensors + c->npartners + 2, sizeof(*p));
	size_t k = 0;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	principal_init(&p[k++], BUS_ROLE_HUB, "");
	for (size_t i = 0; i < c->nsensors; i++)
		principal_init(&p[k++], BUS_ROLE_SENSOR, c->sensors[i]);
	for (size_t i = 0; i < c->npartners; i++)
		principal_init(&p[k++], BUS_ROLE_PARTNER, c->partners[i]);
	principal_init(&p[k++], BUS_ROLE_PUBLIC, "");
	for (size_t i = 0; i < k; i++) {
		if (new_secret(p[i].password, p[i].hash, err, errlen)) {
			OPENSSL_cleanse(p, k * sizeof(*p));
			free(p);
			return NULL;
		}
	}
	*n = k;
	return p;
}

/* The value of the placeholder at tmpl ("{name}"...) into sb: its length, or 0 (not one). */
static size_t put_placeholder(struct strbuf *sb, const char *tmpl, const struct bus_principal *p)
{
	const struct bus_role_def *r = &roles[p->role];
	const struct {
		const char *key, *prefix;
	} vars[] = {
		{ "{name}", "" },
		{ "{user}", r->user_prefix },
		{ "{consumer}", r->consumer_prefix },
	};

	for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
		size_t n = strlen(vars[i].key);

		if (vars[i].prefix && !strncmp(tmpl, vars[i].key, n)) {
			sb_printf(sb, "%s%s", vars[i].prefix, p->name);
			return n;
		}
	}
	return 0;
}

/* tmpl with its placeholders replaced. */
static void put_subject(struct strbuf *sb, const char *tmpl, const struct bus_principal *p)
{
	while (*tmpl) {
		const char *open = strchrnul(tmpl, '{');
		size_t n;

		sb_append(sb, tmpl, (size_t)(open - tmpl));
		tmpl = open;
		if (!*tmpl)
			break;
		n = put_placeholder(sb, tmpl, p);
		if (!n)
			sb_append(sb, tmpl, n = 1);
		tmpl += n;
	}
}

/* ["a", "b"] */
static void put_subjects(struct strbuf *sb, const char *const *tmpls, const struct bus_principal *p)
{
	sb_lit(sb, "[");
	for (size_t i = 0; i < MAX_SUBJECTS && tmpls[i]; i++) {
		sb_puts(sb, i ? ", \"" : "\"");
		put_subject(sb, tmpls[i], p);
		sb_lit(sb, "\"");
	}
	sb_lit(sb, "]");
}

static void put_user(struct strbuf *sb, const struct bus_principal *p)
{
	const struct bus_role_def *r = &roles[p->role];
	const char *inbox[] = { BUS_INBOX_PREFIX "{user}.>", NULL };

	sb_printf(sb, "      {\n        user: \"%s\"\n        password: \"%s\"\n", p->user,
		  p->hash);
	sb_lit(sb, "        permissions: {\n          publish: { allow: ");
	put_subjects(sb, r->publish, p);
	if (r->publish_deny[0]) {
		sb_lit(sb, ", deny: ");
		put_subjects(sb, r->publish_deny, p);
	}
	sb_lit(sb, " }\n          subscribe: { allow: ");
	put_subjects(sb, inbox, p);
	sb_lit(sb, " }\n        }\n      }\n");
}

/* ---- node files ---- */

/* "host:port", IPv6 in brackets. */
static void put_addr(struct strbuf *sb, const char *host, unsigned int port)
{
	if (strchr(host, ':'))
		sb_printf(sb, "[%s]:%u", host, port);
	else
		sb_printf(sb, "%s:%u", host, port);
}

void server_config_urls(const struct server_config *c, struct strbuf *sb)
{
	for (unsigned int i = 0; i < c->nodes; i++) {
		sb_puts(sb, i ? ",tls://" : "tls://");
		put_addr(sb, node_host(c, i), node_port(c, c->client_port, i));
	}
}

static void put_listen(struct strbuf *sb, const char *indent, const char *key, const char *host,
		       unsigned int port)
{
	sb_printf(sb, "%s%s: \"", indent, key);
	put_addr(sb, host, port);
	sb_lit(sb, "\"\n");
}

static void put_tls(struct strbuf *sb, const struct server_config *c, const char *indent)
{
	sb_printf(sb,
		  "%stls {\n%s  cert_file: \"%s\"\n%s  key_file: \"%s\"\n%s  ca_file: \"%s\"\n"
		  "%s  timeout: %d\n%s}\n",
		  indent, indent, c->tls_cert, indent, c->tls_key, indent, c->tls_ca, indent,
		  SERVER_CONFIG_TLS_TIMEOUT, indent);
}

struct route_secret {
	char password[2 * SERVER_CONFIG_PASSWORD_BYTES + 1];
	char hash[SERVER_CONFIG_HASH_MAX];
};

/* Routes to every other node, TLS both ways, each node logging in as ROUTE_USER. */
static void put_cluster(struct strbuf *sb, const struct server_config *c, unsigned int i,
			const struct route_secret *route)
{
	sb_printf(sb, "\ncluster {\n  name: \"%s\"\n", SERVER_CONFIG_CLUSTER);
	put_listen(sb, "  ", "listen", node_host(c, i), node_port(c, c->cluster_port, i));
	put_tls(sb, c, "  ");
	sb_printf(sb, "  authorization {\n    user: \"%s\"\n    password: \"%s\"\n  }\n",
		  ROUTE_USER, route->hash);
	sb_lit(sb, "  routes: [\n");
	for (unsigned int k = 0; k < c->nodes; k++) {
		if (k == i)
			continue;
		sb_printf(sb, "    \"nats-route://%s:%s@", ROUTE_USER, route->password);
		put_addr(sb, node_host(c, k), node_port(c, c->cluster_port, k));
		sb_lit(sb, "\"\n");
	}
	sb_lit(sb, "  ]\n}\n");
}

static void put_node(struct strbuf *sb, const struct server_config *c, unsigned int i,
		     const char *js_key, const struct route_secret *route,
		     const struct bus_principal *p, size_t np)
{
	sb_printf(sb,
		  "# botsink nats-config: node %u of %u, for nats-server 2.9.\n"
		  "# It holds this node's JetStream encryption key: keep it (mode 0600) and\n"
		  "# keep it with the store; a store cannot be read without its key.\n"
		  "server_name: \"botsink-%u\"\n",
		  i + 1, c->nodes, i + 1);
	put_listen(sb, "", "listen", node_host(c, i), node_port(c, c->client_port, i));
	put_listen(sb, "", "https", node_host(c, i), node_port(c, c->monitor_port, i));
	sb_printf(sb, "max_payload: %s\n\n# Clients: TLS required.\n", SERVER_CONFIG_MAX_PAYLOAD);
	put_tls(sb, c, "");
	if (c->nodes > 1)
		put_cluster(sb, c, i, route);
	sb_printf(sb, "\njetstream {\n  store_dir: \"%s/data/node-%u\"\n  key: \"%s\"\n}\n", c->dir,
		  i + 1, js_key);
	sb_printf(sb, "\naccounts {\n  %s {\n    jetstream: enabled\n    users: [\n",
		  SERVER_CONFIG_ACCOUNT);
	for (size_t k = 0; k < np; k++)
		put_user(sb, &p[k]);
	sb_lit(sb, "    ]\n  }\n}\n");
}

static void put_creds(struct strbuf *sb, const struct bus_principal *p)
{
	sb_printf(sb,
		  "; botsink nats-config: the NATS credentials of %s (keep it mode 0600)\n"
		  "user = %s\npassword = %s\ninbox_prefix = %s%s\n",
		  p->user, p->user, p->password, BUS_INBOX_PREFIX, p->user);
}

/* A new file of `files`, named by fmt: its text, or NULL (no memory). */
static struct strbuf *add_file(struct server_files *files, const char *fmt, const char *arg)
{
	struct server_file *f;

	if (!array_grow((void **)&files->f, files->n + 1, sizeof(*files->f)))
		return NULL;
	f = &files->f[files->n];
	memset(f, 0, sizeof(*f));
	if (asprintf(&f->path, fmt, arg) < 0)
		return NULL;
	files->n++;
	return &f->text;
}

static int render_nodes(const struct server_config *c, const struct bus_principal *p, size_t np,
			struct server_files *out, char *err, size_t errlen)
{
	struct route_secret route;
	char key[2 * JS_KEY_BYTES + 1], num[16];
	int ret = -1;

	if (new_secret(route.password, route.hash, err, errlen))
		return -1;
	for (unsigned int i = 0; i < c->nodes; i++) {
		struct strbuf *sb;

		snprintf(num, sizeof(num), "%u", i + 1);
		if (random_hex(key, JS_KEY_BYTES, err, errlen))
			goto out;
		sb = add_file(out, "node-%s.conf", num);
		if (!sb)
			goto oom;
		put_node(sb, c, i, key, &route, p, np);
		if (sb->oom)
			goto oom;
	}
	ret = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	OPENSSL_cleanse(&route, sizeof(route));
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

static int render_creds(const struct bus_principal *p, size_t np, struct server_files *out,
			char *err, size_t errlen)
{
	for (size_t i = 0; i < np; i++) {
		struct strbuf *sb = add_file(out, "creds/%s.creds", p[i].user);

		if (sb)
			put_creds(sb, &p[i]);
		if (!sb || sb->oom) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

int server_config_render(const struct server_config *c, struct server_files *out, char *err,
			 size_t errlen)
{
	struct bus_principal *p;
	size_t np = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	p = principals(c, &np, err, errlen);
	if (!p)
		return -1;
	ret = render_nodes(c, p, np, out, err, errlen) || render_creds(p, np, out, err, errlen) ?
		      -1 :
		      0;
	OPENSSL_cleanse(p, np * sizeof(*p));
	free(p);
	if (ret)
		server_files_free(out);
	return ret;
}

void server_files_free(struct server_files *files)
{
	for (size_t i = 0; i < files->n; i++) {
		struct strbuf *sb = &files->f[i].text;

		if (sb->buf)
			OPENSSL_cleanse(sb->buf, sb->cap);
		sb_free(sb);
		free(files->f[i].path);
	}
	free(files->f);
	files->f = NULL;
	files->n = 0;
}

/* ---- writing ---- */

/* The names nats-config writes that must not exist yet: node files, creds/, data/. */
static int refuse_existing(const struct server_config *c, char *err, size_t errlen)
{
	char path[4096];
	struct stat st;

	for (unsigned int i = 0; i <= c->nodes + 1; i++) {
		if (i < c->nodes)
			snprintf(path, sizeof(path), "%s/node-%u.conf", c->dir, i + 1);
		else
			snprintf(path, sizeof(path), "%s/%s", c->dir,
				 i == c->nodes ? "creds" : "data");
		if (!lstat(path, &st)) {
			snprintf(
				err, errlen,
				"%s exists: nats-config writes only into a directory without node files, creds/ and data/ (a node's store is encrypted with the key in its file)",
				path);
			return -1;
		}
	}
	return 0;
}

static int write_file(const char *dir, const struct server_file *f, char *err, size_t errlen)
{
	char path[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, f->path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	n = write(fd, f->text.buf, f->text.len);
	if (n != (ssize_t)f->text.len || fsync(fd)) {
		snprintf(err, errlen, "cannot write %s: %s", path,
			 n >= 0 && n != (ssize_t)f->text.len ? "short write" : strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/* Takes back the first n files of `files` and the directories. */
static void remove_written(const char *dir, const struct server_files *files, size_t n)
{
	char path[4096];

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files->f[i].path);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/creds", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/data", dir);
	rmdir(path);
}

static int make_dirs(const char *dir, char *err, size_t errlen)
{
	const char *subs[] = { "creds", "data" };
	char path[4096];
	int fd = private_dir_open(dir, "output directory", true, err, errlen);

	if (fd < 0)
		return -1;
	close(fd);
	if (chmod(dir, 0700)) {
		snprintf(err, errlen, "cannot make %s private: %s", dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subs[i]);
		if (mkdir(path, 0700)) {
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int server_config_write(const struct server_config *c, FILE *report, char *err, size_t errlen)
{
	struct server_files files;
	size_t written = 0;
	int ret = EXIT_RUNTIME;

	if (server_config_check(c, err, errlen) || refuse_existing(c, err, errlen))
		return EXIT_USAGE;
	if (server_config_render(c, &files, err, errlen))
		return EXIT_RUNTIME;
	if (make_dirs(c->dir, err, errlen))
		goto out;
	for (; written < files.n; written++)
		if (write_file(c->dir, &files.f[written], err, errlen))
			goto out;
	for (size_t i = 0; report && i < files.n; i++)
		fprintf(report, "%s/%s\n", c->dir, files.f[i].path);
	ret = EXIT_OK;
out:
	if (ret)
		remove_written(c->dir, &files, written);
	server_files_free(&files);
	return ret;
}
