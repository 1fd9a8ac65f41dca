// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The hubs' shared keys (user/bus/keyshare.c) on a real NATS cluster,
 * which tests/nats/test_keyshare.sh starts (nats-config's principals):
 *   keyshare URLS CA CREDS_DIR WORKDIR REPLICAS
 * Hubs are keyshares over connections of their own (as the hub), each
 * with its own key directory; the keyring then reads those directories as
 * a hub would. A sensor and a partner are refused the bucket.
 */
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "bus/conn.h"
#include "bus/keyshare.h"
#include "lib/util.h"
#include "privacy/keyring.h"
#include "unit.h"

#define HOUR 3600LL
#define RACES 16 /* periods both racers create at once */
#define PFX_HEX_TAIL "23456789abcdeffedcba98765432101032547698badcfeefcdab8967452301"
#define PFX_HEX "01" PFX_HEX_TAIL

static const char *url, *ca, *creds_dir, *work;
static int replicas;
static long long now, period; /* now's hour */

struct hub {
	struct bus *bus;
	struct keyshare *ks;
	char dir[256];
};

/* A connection as principal `user` (its credentials file in creds_dir). */
static struct bus *connect_as(const char *user, const char *name)
{
	char err[512], creds[512];
	struct bus_config cfg = { .urls = url, .auth_file = creds, .ca_file = ca, .name = name };
	struct bus *b;
	int code;

	snprintf(creds, sizeof(creds), "%s/%s.creds", creds_dir, user);
	b = bus_connect(&cfg, &code, err, sizeof(err));
	if (!b)
		fprintf(stderr, "connect as %s: %s\n", name, err);
	return b;
}

static bool hub_open(struct hub *h, const char *name, long long retention)
{
	char err[512];

	snprintf(h->dir, sizeof(h->dir), "%s/%s", work, name);
	h->bus = connect_as(BUS_HUB_USER, name);
	if (!h->bus)
		return false;
	h->ks = keyshare_open(h->bus, h->dir, replicas, retention, err, sizeof(err));
	if (!h->ks)
		fprintf(stderr, "keyshare_open %s: %s\n", name, err);
	return h->ks != NULL;
}

static void hub_close(struct hub *h)
{
	keyshare_close(h->ks);
	bus_close(h->bus);
}

static int sync_at(struct hub *h, enum anon_mode mode, enum key_rotate rotate, long long t)
{
	char err[512] = "";
	int ret = keyshare_sync(h->ks, mode, rotate, t, err, sizeof(err));

	if (ret < 0)
		fprintf(stderr, "keyshare_sync %s at %lld: %s\n", h->dir, t, err);
	return ret;
}

/* The files of dir named PREFIX..., "NAME=CONTENTS\n..." sorted by name (malloc'd). */
static char *dir_listing(const char *dir, const char *prefix)
{
	struct dirent **names;
	char *out = NULL, path[512], *text;
	size_t len = 0, tlen;
	FILE *f = open_memstream(&out, &len);
	int n = scandir(dir, &names, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' &&
		    !strncmp(names[i]->d_name, prefix, strlen(prefix))) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			text = read_file(path, SIZE_MAX, &tlen);
			fprintf(f, "%s=%s", names[i]->d_name, text ? text : "(unreadable)\n");
			free(text);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	fclose(f);
	return out;
}

static size_t count_files(const char *dir, const char *prefix)
{
	char *list = dir_listing(dir, prefix);
	size_t n = 0;

	for (char *p = list; p && *p; p++)
		n += *p == '\n';
	free(list);
	return n;
}

/* The key files of `mode` the same in both directories, names and contents. */
static void check_same_keys(const char *a, const char *b, enum anon_mode mode)
{
	char *x = dir_listing(a, anon_mode_name(mode)), *y = dir_listing(b, anon_mode_name(mode));

	CHECK(x && y && x[0]);
	CHECK_STR(x, y);
	free(x);
	free(y);
}

static bool has_key_file(const char *dir, enum anon_mode mode, long long start)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s-%lld.key", dir, anon_mode_name(mode), start);
	return access(path, F_OK) == 0;
}

/*
 * The id of the key the keyring of dir gives time t, as a hub would ask
 * after keyshare_sync(): the keyring must not create a key of its own.
 */
static void key_id_at(const char *dir, enum anon_mode mode, enum key_rotate rotate, long long t,
		      char id[ANON_KEY_ID_LEN + 1])
{
	size_t before = count_files(dir, "");
	const struct anon_key *k;
	struct keyring *kr;
	char err[512];

	id[0] = '\0';
	kr = keyring_open(dir, mode, rotate, KEYRING_KEEP_FOREVER, NULL, 24, 48, err, sizeof(err));
	CHECK(kr != NULL);
	if (!kr) {
		fprintf(stderr, "keyring_open %s: %s\n", dir, err);
		return;
	}
	k = keyring_key_for(kr, t, err, sizeof(err));
	CHECK(k != NULL);
	if (k)
		memcpy(id, k->id, ANON_KEY_ID_LEN + 1);
	keyring_close(kr);
	CHECK_INT(count_files(dir, ""), before);
}

static void put_entry(struct hub *h, const char *name, const char *text)
{
	kvStore *kv = NULL;

	CHECK(js_KeyValue(&kv, h->bus->js, BUS_KEYS_BUCKET) == NATS_OK);
	CHECK(kv && kvStore_PutString(NULL, kv, name, text) == NATS_OK);
	kvStore_Destroy(kv);
}

static bool entry_exists(struct hub *h, const char *name)
{
	kvEntry *e = NULL;
	kvStore *kv = NULL;
	bool found;

	CHECK(js_KeyValue(&kv, h->bus->js, BUS_KEYS_BUCKET) == NATS_OK);
	found = kv && kvStore_Get(&e, kv, name) == NATS_OK;
	kvEntry_Destroy(e);
	kvStore_Destroy(kv);
	return found;
}

static void write_key_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
}

/*
 * Two hubs, one period: the first creates the key, the second takes it;
 * the bucket's keys replace what the directories held (a stray key, a
 * different key of the same start), keys past the retention (1 h) leave
 * the bucket, and both keyrings give the same key without making one.
 */
static void test_same_period(struct hub *a, struct hub *b)
{
	char name[64], ida[ANON_KEY_ID_LEN + 1], idb[ANON_KEY_ID_LEN + 1];
	const char *text = "ipcrypt-pfx " PFX_HEX "\n";

	/* Older keys some hub made before: one past the retention, one not. */
	snprintf(name, sizeof(name), "ipcrypt-pfx.%lld", period - 3 * HOUR);
	put_entry(a, name, text);
	snprintf(name, sizeof(name), "ipcrypt-pfx.%lld", period - 2 * HOUR);
	put_entry(a, name, text);
	/* b's directory: a key the bucket lacks, and its own key for 2 h ago. */
	mkdir(b->dir, 0700);
	snprintf(name, sizeof(name), "ipcrypt-pfx-%lld.key", period - HOUR);
	write_key_file(b->dir, name, "ipcrypt-pfx 11" PFX_HEX_TAIL "\n");
	snprintf(name, sizeof(name), "ipcrypt-pfx-%lld.key", period - 2 * HOUR);
	write_key_file(b->dir, name, "ipcrypt-pfx 22" PFX_HEX_TAIL "\n");

	CHECK_INT(sync_at(a, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, now), KEYSHARE_CREATED);
	CHECK_INT(sync_at(b, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, now), KEYSHARE_PRESENT);
	check_same_keys(a->dir, b->dir, ANON_IPCRYPT_PFX);
	CHECK(has_key_file(b->dir, ANON_IPCRYPT_PFX, period));
	CHECK(has_key_file(b->dir, ANON_IPCRYPT_PFX, period - 2 * HOUR));
	CHECK(!has_key_file(b->dir, ANON_IPCRYPT_PFX, period - HOUR));
	CHECK(!has_key_file(b->dir, ANON_IPCRYPT_PFX, period - 3 * HOUR));
	CHECK_INT(count_files(b->dir, "ipcrypt-pfx"), 2);
	snprintf(name, sizeof(name), "ipcrypt-pfx.%lld", period - 3 * HOUR);
	CHECK(!entry_exists(a, name));

	key_id_at(a->dir, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, now, ida);
	key_id_at(b->dir, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, now, idb);
	CHECK(ida[0] != '\0');
	CHECK_STR(ida, idb);
	/* A second sync changes nothing. */
	CHECK_INT(sync_at(b, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, now), KEYSHARE_PRESENT);
	check_same_keys(a->dir, b->dir, ANON_IPCRYPT_PFX);
}

/* The next hour: one new key, the same on both hubs, from its first second. */
static void test_boundary(struct hub *a, struct hub *b)
{
	char before[ANON_KEY_ID_LEN + 1], ida[ANON_KEY_ID_LEN + 1], idb[ANON_KEY_ID_LEN + 1];
	long long next = period + HOUR;

	CHECK_INT(sync_at(b, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, next + 5), KEYSHARE_CREATED);
	CHECK_INT(sync_at(a, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, next + 5), KEYSHARE_PRESENT);
	check_same_keys(a->dir, b->dir, ANON_IPCRYPT_PFX);
	CHECK(has_key_file(a->dir, ANON_IPCRYPT_PFX, next));
	key_id_at(a->dir, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, next - 1, before);
	key_id_at(a->dir, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, next, ida);
	key_id_at(b->dir, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, next, idb);
	CHECK_STR(ida, idb);
	CHECK(strcmp(before, ida) != 0);
	key_id_at(b->dir, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, next - 1, idb);
	CHECK_STR(before, idb);
	/* An epoch of the past hour, processed late, creates nothing. */
	CHECK_INT(sync_at(a, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, period - 2 * HOUR),
		  KEYSHARE_PRESENT);
	check_same_keys(a->dir, b->dir, ANON_IPCRYPT_PFX);
}

struct racer {
	struct hub hub;
	pthread_barrier_t *go;
	int outcome[RACES];
};

static void *race(void *arg)
{
	struct racer *r = arg;

	for (int i = 0; i < RACES; i++) {
		pthread_barrier_wait(r->go);
		r->outcome[i] = sync_at(&r->hub, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY,
					period + (2 + i) * HOUR);
	}
	return NULL;
}

/* Two hubs creating the same period's key at once: one key, the winner's, on both. */
static void test_race(struct hub *a)
{
	struct racer r[2] = { 0 };
	pthread_barrier_t go;
	pthread_t th[2];
	int created = 0, taken = 0;

	pthread_barrier_init(&go, NULL, 2);
	for (int i = 0; i < 2; i++) {
		r[i].go = &go;
		if (!hub_open(&r[i].hub, i ? "racer2" : "racer1", 3600)) {
			CHECK(!"racer opened");
			return;
		}
	}
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, race, &r[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < RACES; i++) {
		int o0 = r[0].outcome[i], o1 = r[1].outcome[i];

		CHECK(o0 >= 0 && o1 >= 0);
		CHECK_INT((o0 == KEYSHARE_CREATED) + (o1 == KEYSHARE_CREATED), 1);
		created += (o0 == KEYSHARE_CREATED) + (o1 == KEYSHARE_CREATED);
		taken += (o0 == KEYSHARE_TAKEN) + (o1 == KEYSHARE_TAKEN);
	}
	printf("  race: %d periods, %d keys created, %d lost races\n", RACES, created, taken);
	CHECK(taken > 0); /* both went for the same entry at least once */
	check_same_keys(r[0].hub.dir, r[1].hub.dir, ANON_IPCRYPT_PFX);
	/* The other hubs take the racers' keys. */
	CHECK_INT(sync_at(a, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, now), KEYSHARE_PRESENT);
	check_same_keys(a->dir, r[0].hub.dir, ANON_IPCRYPT_PFX);
	CHECK_INT(count_files(a->dir, "ipcrypt-pfx"), 3 + RACES); /* 2 h ago, now, next hour */
	for (int i = 0; i < 2; i++)
		hub_close(&r[i].hub);
	pthread_barrier_destroy(&go);
}

/* No rotation: one key for good; keyshare_rotate_now starts a new one for all hubs. */
static void test_rotate_now(struct hub *a, struct hub *b)
{
	char id[ANON_KEY_ID_LEN + 1], ida[ANON_KEY_ID_LEN + 1], idb[ANON_KEY_ID_LEN + 1];
	char old[ANON_KEY_ID_LEN + 1], err[512];
	enum anon_mode det = ANON_IPCRYPT_DETERMINISTIC;
	long long t;

	/* The bucket is empty still. */
	CHECK_INT(sync_at(a, det, KEY_ROTATE_NEVER, now), KEYSHARE_CREATED);
	CHECK_INT(sync_at(b, det, KEY_ROTATE_NEVER, now), KEYSHARE_PRESENT);
	check_same_keys(a->dir, b->dir, det);
	CHECK(has_key_file(b->dir, det, 0));
	key_id_at(a->dir, det, KEY_ROTATE_NEVER, now, old);

	CHECK(keyshare_rotate_now(a->ks, det, id, err, sizeof(err)) == 0);
	t = (long long)time(NULL) + 2;
	CHECK_INT(sync_at(b, det, KEY_ROTATE_NEVER, t), KEYSHARE_PRESENT);
	CHECK_INT(sync_at(a, det, KEY_ROTATE_NEVER, t), KEYSHARE_PRESENT);
	check_same_keys(a->dir, b->dir, det);
	key_id_at(a->dir, det, KEY_ROTATE_NEVER, t, ida);
	key_id_at(b->dir, det, KEY_ROTATE_NEVER, t, idb);
	CHECK_STR(ida, id);
	CHECK_STR(idb, id);
	CHECK(strcmp(old, id) != 0);
	key_id_at(b->dir, det, KEY_ROTATE_NEVER, now, idb);
	CHECK_STR(idb, old);
	CHECK_INT(count_files(b->dir, ""), 2);
}

/* An entry not named as keyshare names one fails the sync, by name. */
static void test_bad_entry(struct hub *a)
{
	char err[512];

	kvStore *kv = NULL;

	put_entry(a, "ipcrypt-pfx.0123", "ipcrypt-pfx " PFX_HEX "\n");
	CHECK(keyshare_sync(a->ks, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, now, err, sizeof(err)) ==
	      -1);
	CHECK(strstr(err, "entry ipcrypt-pfx.0123 is not named ipcrypt-pfx.START") != NULL);
	CHECK(js_KeyValue(&kv, a->bus->js, BUS_KEYS_BUCKET) == NATS_OK);
	CHECK(kv && kvStore_Purge(kv, "ipcrypt-pfx.0123", NULL) == NATS_OK);
	kvStore_Destroy(kv);
	CHECK_INT(sync_at(a, ANON_IPCRYPT_PFX, KEY_ROTATE_HOURLY, now), KEYSHARE_PRESENT);
}

struct refusal {
	const char *user;
	char err[512];
	bool opened;
};

static void *try_open(void *arg)
{
	struct refusal *r = arg;
	struct bus *b = connect_as(r->user, r->user);
	struct keyshare *ks;
	char dir[256];

	if (!b)
		return NULL;
	snprintf(dir, sizeof(dir), "%s/%s", work, r->user);
	ks = keyshare_open(b, dir, replicas, 3600, r->err, sizeof(r->err));
	r->opened = ks != NULL;
	keyshare_close(ks);
	bus_close(b);
	return NULL;
}

/* A sensor and a partner are refused the bucket, and told why (side by side: each waits). */
static void test_no_permission(void)
{
	struct refusal r[2] = { { .user = BUS_SENSOR_USER "s1" },
				{ .user = BUS_PARTNER_USER "A" } };
	pthread_t th[2];
	char dir[256];

	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, try_open, &r[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++) {
		printf("  %s: %s\n", r[i].user, r[i].err);
		CHECK(!r[i].opened);
		CHECK(strstr(r[i].err, "key bucket " BUS_KEYS_BUCKET ": ") == r[i].err);
		CHECK(strstr(r[i].err, "Permissions Violation") != NULL);
		snprintf(dir, sizeof(dir), "%s/%s", work, r[i].user);
		CHECK_INT(count_files(dir, ""), 0);
	}
}

int main(int argc, char **argv)
{
	struct hub a = { 0 }, b = { 0 };

	if (argc != 6) {
		fprintf(stderr, "usage: %s URLS CA CREDS_DIR WORKDIR REPLICAS\n", argv[0]);
		return 2;
	}
	url = argv[1];
	ca = argv[2];
	creds_dir = argv[3];
	work = argv[4];
	replicas = atoi(argv[5]);
	/* The whole test within one hour: expiry by the wall clock is part of it. */
	now = (long long)time(NULL);
	if (now % HOUR > HOUR - 60)
		sleep((unsigned int)(HOUR - now % HOUR + 1));
	now = (long long)time(NULL);
	period = now - now % HOUR;
	if (!hub_open(&a, "hub1", 3600) || !hub_open(&b, "hub2", 3600))
		return 1;
	test_rotate_now(&a, &b);
	test_same_period(&a, &b);
	test_boundary(&a, &b);
	test_race(&a);
	test_bad_entry(&a);
	test_no_permission();
	hub_close(&a);
	hub_close(&b);
	nats_Close();
	return unit_report("keyshare");
}
