// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * botsink nats-config's files (bus/server_config.c): the checks of names,
 * hosts, ports and paths; every node file's addresses, routes, store and
 * key; each principal's exact permissions; credentials whose password is
 * what the node files' bcrypt hash says; modes; and that nothing is ever
 * overwritten.
 */
#include <crypt.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bus/server_config.h"
#include "lib/util.h"
#include "unit.h"

static const char *const one_host[] = { "127.0.0.1" };
static const char *const sensors[] = { "s1", "s-2_x" };
static const char *const partners[] = { "A", "isp_b" };

static struct server_config base(void)
{
	return (struct server_config){
		.dir = "/tmp/botsink-nats",
		.nodes = 3,
		.hosts = one_host,
		.nhosts = 1,
		.client_port = 4222,
		.cluster_port = 6222,
		.monitor_port = 8222,
		.tls_cert = "/etc/botsink/server.pem",
		.tls_key = "/etc/botsink/server.key",
		.tls_ca = "/etc/botsink/ca.pem",
		.sensors = sensors,
		.nsensors = 2,
		.partners = partners,
		.npartners = 2,
	};
}

static int check(const struct server_config *c)
{
	char err[512];

	return server_config_check(c, err, sizeof(err));
}

static void test_check(void)
{
	static const char *const two[] = { "10.0.0.1", "10.0.0.2" };
	static const char *const same[] = { "10.0.0.1", "10.0.0.2", "10.0.0.1" };
	static const char *const bad_host[] = { "a b" };
	static const char *const bad_sensor[] = { "s.1" };
	static const char *const twice[] = { "s1", "s1" };
	static const char *const long_name[] = {
		"x123456789012345678901234567890123456789012345678901234567890123456"
	};
	struct server_config c = base();

	CHECK_INT(check(&c), 0);
	c.nodes = 0;
	CHECK_INT(check(&c), -1);
	c.nodes = SERVER_CONFIG_MAX_NODES + 1;
	CHECK_INT(check(&c), -1);
	c = base();
	c.hosts = two, c.nhosts = 2; /* 2 hosts for 3 nodes */
	CHECK_INT(check(&c), -1);
	c.hosts = same, c.nhosts = 3;
	CHECK_INT(check(&c), -1);
	c.hosts = bad_host, c.nhosts = 1;
	CHECK_INT(check(&c), -1);
	c = base();
	c.cluster_port = 4224; /* 4222-4224 and 4224-4226 on one host */
	CHECK_INT(check(&c), -1);
	c.cluster_port = 4225;
	CHECK_INT(check(&c), 0);
	c.monitor_port = 65534; /* 65534-65536 */
	CHECK_INT(check(&c), -1);
	c = base();
	c.dir = "relative";
	CHECK_INT(check(&c), -1);
	c.dir = "/tmp/a\"b";
	CHECK_INT(check(&c), -1);
	c = base();
	c.tls_ca = "/tmp/a\nb";
	CHECK_INT(check(&c), -1);
	c = base();
	c.sensors = bad_sensor, c.nsensors = 1;
	CHECK_INT(check(&c), -1);
	c.sensors = twice, c.nsensors = 2;
	CHECK_INT(check(&c), -1);
	c.sensors = long_name, c.nsensors = 1;
	CHECK_INT(check(&c), -1);
	c = base();
	c.partners = bad_sensor, c.npartners = 1;
	CHECK_INT(check(&c), -1);
}

static const char *file_text(const struct server_files *f, const char *path)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->f[i].path, path))
			return f->f[i].text.buf;
	fprintf(stderr, "no file %s\n", path);
	return "";
}

static bool has(const char *text, const char *line)
{
	bool found = strstr(text, line) != NULL;

	if (!found)
		fprintf(stderr, "not found: %s\n", line);
	return found;
}

/* The value of "KEY: \"VALUE\"" (or "KEY = VALUE") in text, into out. */
static void value_of(const char *text, const char *key, char *out, size_t len)
{
	const char *p = strstr(text, key);
	size_t n;

	out[0] = '\0';
	if (!p)
		return;
	p += strlen(key);
	n = strcspn(p, "\"\n");
	snprintf(out, len, "%.*s", (int)n, p);
}

static int count(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, what)); p++)
		n++;
	return n;
}

/* crypt(password, hash) gives the hash back. */
static bool verifies(const char *password, const char *hash)
{
	struct crypt_data *d = calloc(1, sizeof(*d));
	const char *h = d ? crypt_r(password, hash, d) : NULL;
	bool ok = h && !strcmp(h, hash);

	free(d);
	return ok;
}

static void test_nodes(const struct server_files *f)
{
	const char *n2 = file_text(f, "node-2.conf");
	char key1[128], key2[128];

	CHECK(has(n2, "server_name: \"botsink-2\"\n"));
	CHECK(has(n2, "\nlisten: \"127.0.0.1:4223\"\n"));
	CHECK(has(n2, "\nhttps: \"127.0.0.1:8223\"\n"));
	CHECK(!strstr(n2, "\nhttp:"));
	CHECK(has(n2, "max_payload: 8MB\n"));
	CHECK(has(n2, "tls {\n  cert_file: \"/etc/botsink/server.pem\"\n"
		      "  key_file: \"/etc/botsink/server.key\"\n"
		      "  ca_file: \"/etc/botsink/ca.pem\"\n"));
	CHECK(has(n2, "cluster {\n  name: \"botsink\"\n  listen: \"127.0.0.1:6223\"\n  tls {\n"));
	CHECK(has(n2, "@127.0.0.1:6222\"\n"));
	CHECK(has(n2, "@127.0.0.1:6224\"\n"));
	CHECK(!strstr(n2, "@127.0.0.1:6223\""));
	CHECK(has(n2, "store_dir: \"/tmp/botsink-nats/data/node-2\"\n"));
	CHECK(has(n2, "accounts {\n  BOTSINK {\n    jetstream: enabled\n"));
	value_of(file_text(f, "node-1.conf"), "  key: \"", key1, sizeof(key1));
	value_of(n2, "  key: \"", key2, sizeof(key2));
	CHECK_INT(strlen(key1), 64);
	CHECK(strcmp(key1, key2) != 0); /* a key of each node's own */
}

/* The route password in the URLs is the one the authorization block's hash is of. */
static void test_routes(const struct server_files *f)
{
	const char *n1 = file_text(f, "node-1.conf");
	char hash[SERVER_CONFIG_HASH_MAX], pw[128];

	value_of(n1, "    user: \"route\"\n    password: \"", hash, sizeof(hash));
	value_of(n1, "\"nats-route://route:", pw, sizeof(pw));
	*strchrnul(pw, '@') = '\0';
	CHECK_INT(strlen(pw), 2 * SERVER_CONFIG_PASSWORD_BYTES);
	CHECK(!strncmp(hash, "$2b$10$", 7));
	CHECK(verifies(pw, hash));
}

/* Each principal: its block in every node file, its credentials, the password the hash is of. */
static void check_principal(const struct server_files *f, const char *user, const char *perms)
{
	char block[4096], path[128], creds_user[128], pw[128], inbox[128], hash[128], key[160];
	const char *creds;

	snprintf(path, sizeof(path), "creds/%s.creds", user);
	creds = file_text(f, path);
	value_of(creds, "\nuser = ", creds_user, sizeof(creds_user));
	value_of(creds, "\npassword = ", pw, sizeof(pw));
	value_of(creds, "\ninbox_prefix = ", inbox, sizeof(inbox));
	CHECK_STR(creds_user, user);
	CHECK_INT(strlen(pw), 2 * SERVER_CONFIG_PASSWORD_BYTES);
	snprintf(block, sizeof(block), "_INBOX_%s", user);
	CHECK_STR(inbox, block);
	snprintf(key, sizeof(key), "        user: \"%s\"\n        password: \"", user);
	for (unsigned int i = 1; i <= 3; i++) {
		snprintf(path, sizeof(path), "node-%u.conf", i);
		value_of(file_text(f, path), key, hash, sizeof(hash));
		CHECK(verifies(pw, hash));
		snprintf(block, sizeof(block),
			 "        user: \"%s\"\n        password: \"%s\"\n"
			 "        permissions: {\n          publish: { allow: %s }\n"
			 "          subscribe: { allow: [\"_INBOX_%s.>\"] }\n        }\n",
			 user, hash, perms, user);
		CHECK(has(file_text(f, path), block));
	}
}

static void test_principals(const struct server_files *f)
{
	CHECK_INT(f->n, 3 + 1 + 2 + 2 + 1);
	check_principal(f, "sensor-s1",
			"[\"botsink.counts.s1\", "
			"\"$JS.API.DIRECT.GET.BOTSINK_COUNTS.botsink.counts.s1\", "
			"\"$JS.API.STREAM.INFO.BOTSINK_COUNTS\"]");
	check_principal(f, "sensor-s-2_x",
			"[\"botsink.counts.s-2_x\", "
			"\"$JS.API.DIRECT.GET.BOTSINK_COUNTS.botsink.counts.s-2_x\", "
			"\"$JS.API.STREAM.INFO.BOTSINK_COUNTS\"]");
	check_principal(f, "hub",
			"[\"$JS.API.>\", \"$JS.ACK.BOTSINK_COUNTS.botsink-hub.>\", "
			"\"$KV.BOTSINK_KEYS.>\", \"$JS.FC.KV_BOTSINK_KEYS.>\", "
			"\"botsink.partner.>\", \"botsink.public\"], "
			"deny: [\"botsink.counts.>\"]");
	check_principal(
		f, "partner-isp_b",
		"[\"$JS.API.CONSUMER.INFO.BOTSINK_PARTNERS.partner-isp_b\", "
		"\"$JS.API.CONSUMER.MSG.NEXT.BOTSINK_PARTNERS.partner-isp_b\", "
		"\"$JS.ACK.BOTSINK_PARTNERS.partner-isp_b.>\"]");
	check_principal(f, "public",
			"[\"$JS.API.CONSUMER.INFO.BOTSINK_PARTNERS.public\", "
			"\"$JS.API.CONSUMER.MSG.NEXT.BOTSINK_PARTNERS.public\", "
			"\"$JS.ACK.BOTSINK_PARTNERS.public.>\"]");
	/* Six users in a node file (and the route's): no one else. */
	CHECK_INT(count(file_text(f, "node-3.conf"), "        user: \""), 6);
	CHECK_INT(count(file_text(f, "node-3.conf"), "    user: \"route\""), 1);
}

static void test_render(void)
{
	struct server_config c = base();
	struct server_files f;
	char err[512];

	CHECK_INT(server_config_render(&c, &f, err, sizeof(err)), 0);
	test_nodes(&f);
	test_routes(&f);
	test_principals(&f);
	server_files_free(&f);
}

/* One host per node: the ports themselves; IPv6 in brackets; one node: no cluster. */
static void test_hosts(void)
{
	static const char *const hosts[] = { "10.0.0.1", "::1", "nats3.example" };
	struct server_config c = base();
	struct strbuf urls = { 0 };
	struct server_files f;
	char err[512];

	c.hosts = hosts;
	c.nhosts = 3;
	CHECK_INT(server_config_render(&c, &f, err, sizeof(err)), 0);
	CHECK(has(file_text(&f, "node-2.conf"), "\nlisten: \"[::1]:4222\"\n"));
	CHECK(has(file_text(&f, "node-2.conf"), "@10.0.0.1:6222\"\n"));
	CHECK(has(file_text(&f, "node-2.conf"), "@nats3.example:6222\"\n"));
	server_files_free(&f);
	server_config_urls(&c, &urls);
	CHECK_STR(urls.buf, "tls://10.0.0.1:4222,tls://[::1]:4222,tls://nats3.example:4222");
	sb_free(&urls);
	c = base();
	c.nodes = 1;
	CHECK_INT(server_config_render(&c, &f, err, sizeof(err)), 0);
	CHECK_INT(f.n, 1 + 6);
	CHECK(!strstr(file_text(&f, "node-1.conf"), "cluster {"));
	server_files_free(&f);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static unsigned int mode_of(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) ? 0 : st.st_mode & 07777;
}

/* Written with their modes; never over what exists. */
static void test_write(void)
{
	char tmp[] = "/tmp/botsink-nats-XXXXXX", dir[256], err[512], path[512];
	struct server_config c = base();
	FILE *saved = stdout;

	CHECK(mkdtemp(tmp) != NULL);
	snprintf(dir, sizeof(dir), "%s/out", tmp);
	c.dir = dir;
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/tls", dir); /* other files may be there */
	mkdir(path, 0700);
	stdout = fopen("/dev/null", "w");
	CHECK_INT(server_config_write(&c, stdout, err, sizeof(err)), EXIT_OK);
	CHECK_INT(mode_of(dir, ""), 0700); /* tightened */
	CHECK_INT(mode_of(dir, "creds"), 0700);
	CHECK_INT(mode_of(dir, "data"), 0700);
	CHECK_INT(mode_of(dir, "node-1.conf"), 0600);
	CHECK_INT(mode_of(dir, "node-3.conf"), 0600);
	CHECK_INT(mode_of(dir, "creds/hub.creds"), 0600);
	CHECK_INT(mode_of(dir, "creds/partner-isp_b.creds"), 0600);
	/* Again: refused, naming the file. */
	CHECK_INT(server_config_write(&c, stdout, err, sizeof(err)), EXIT_USAGE);
	CHECK(strstr(err, "/out/node-1.conf exists") != NULL);
	/* Only data/ left from an earlier cluster: refused too. */
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/data", dir);
	mkdir(path, 0700);
	CHECK_INT(server_config_write(&c, stdout, err, sizeof(err)), EXIT_USAGE);
	CHECK(strstr(err, "/out/data exists") != NULL);
	CHECK_INT(mode_of(dir, "node-1.conf"), 0);
	/* A configuration error writes nothing. */
	rmdir(path);
	c.nodes = 0;
	CHECK_INT(server_config_write(&c, stdout, err, sizeof(err)), EXIT_USAGE);
	CHECK_INT(mode_of(dir, "creds"), 0);
	fclose(stdout);
	stdout = saved;
	nftw(tmp, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	test_check();
	test_render();
	test_hosts();
	test_write();
	return unit_report("nats_config");
}
