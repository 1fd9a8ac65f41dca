// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * botsink keys list: the ipcrypt keys of a state directory, by id.
 * botsink keys rotate: a new key, which a running daemon takes from its
 * next epoch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "bus/keyshare.h"
#include "bus/topology.h"
#include "cli/commands.h"
#include "lib/util.h"
#include "privacy/anon.h"
#include "privacy/keyring.h"
#include "sensor/control.h"

static const struct command_group keys_group = {
	.intro = "The keys of the ipcrypt anonymization modes live in DIR/" KEYRING_DIR
		 " (DIR: the run's\n"
		 "--state-dir, default " DEFAULT_STATE_DIR
		 "), one file per key named MODE-START.key\n"
		 "(START: the Unix second from which the key is in use), mode 0600, holding\n"
		 "one line 'MODE HEX'. Keys are never printed: a key is known by its id, 16 hex\n"
		 "digits of a SHA-256 fingerprint, which records carry as anon_key_id.\n"
		 "Pseudonyms made with different keys do not link.\n"
		 "\n"
		 "list: one line per key, oldest first: mode, id, start (UTC, ISO 8601) and\n"
		 "file name. A key file that is unsafe (group or others have access) or\n"
		 "unreadable as a key is reported by name, and the exit status is 1.\n"
		 "\n"
		 "rotate: create a new key, in use from the next second (and after the newest\n"
		 "key of its mode), and print its mode and id. A running botsink run takes it\n"
		 "from its next epoch; its scheduled rotation (--key-rotate) goes on from there.\n"
		 "With --nats, the key goes into the hubs' key bucket (BOTSINK_KEYS) instead,\n"
		 "where every hub takes it within 10 s: a hub's key directory mirrors\n"
		 "the bucket, and a key made in it alone would be deleted.\n",
	.outro = "Exit status: 0 done, 1 a key or the key directory could not be read or\n"
		 "written, 2 bad usage.\n",
	.column = 28,
};

struct keys_opts {
	const char *state_dir;
	int mode; /* enum anon_mode; -1: every mode with keys */
	const char *urls, *auth_file, *ca_file; /* --nats: the hubs' bucket */
};

static const char state_dir_help[] = "the run's --state-dir\n";

static const struct opt list_opts[] = {
	OPT_ROW(struct keys_opts, "state-dir", "DIR", OPT_STRING, state_dir,
		.help = state_dir_help),
	OPT_END,
};

static const struct opt rotate_opts[] = {
	OPT_ROW(struct keys_opts, "state-dir", "DIR", OPT_STRING, state_dir,
		.help = state_dir_help),
	OPT_ROW(struct keys_opts, "mode", "MODE", OPT_KEYWORD, mode, .keywords = anon_modes,
		.accept = anon_mode_has_key,
		.help = "rotate: ipcrypt-pfx or ipcrypt-deterministic\n"
			"(default: every mode that has keys in the\n"
			"directory; with none, ipcrypt-pfx)\n"),
	OPT_ROW(struct keys_opts, "nats", "URL[,URL...]", OPT_STRING, urls,
		.help = "rotate in the hubs' key bucket instead, on this\n"
			"cluster (DIR: a hub's --state-dir, its mirror):\n"
			"every hub takes the key within 10 s\n"),
	OPT_ROW(struct keys_opts, "auth", "FILE", OPT_STRING, auth_file,
		.help = "with --nats: the hub's credentials file\n"),
	OPT_ROW(struct keys_opts, "ca", "FILE", OPT_STRING, ca_file,
		.help = "with --nats: the cluster's CA (default: the system's)\n"),
	OPT_END,
};

static const struct keys_opts keys_defaults = { .state_dir = DEFAULT_STATE_DIR, .mode = -1 };

static const enum anon_mode key_modes[] = { ANON_IPCRYPT_PFX, ANON_IPCRYPT_DETERMINISTIC };

static void key_dir(const struct keys_opts *o, char *dir, size_t len)
{
	snprintf(dir, len, "%s/%s", o->state_dir, KEYRING_DIR);
}

static void print_entry(const struct key_entry *e)
{
	time_t start = (time_t)e->start;
	char when[32] = "?";
	struct tm tm;

	if (gmtime_r(&start, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%-21s  %s  %-20s  %s\n", anon_mode_name(e->mode), e->id, when, e->file);
}

static int keys_list(void *opts, char **args)
{
	char dir[4096], err[4352];
	int ret = EXIT_OK;
	struct stat st;

	(void)args;
	key_dir(opts, dir, sizeof(dir));
	if (stat(dir, &st)) {
		fprintf(stderr, "botsink keys list: key directory %s: %s\n", dir, strerror(errno));
		return EXIT_RUNTIME;
	}
	for (size_t m = 0; m < ARRAY_SIZE(key_modes); m++) {
		struct key_entry *entries;
		size_t n;

		if (keyring_list(dir, key_modes[m], &entries, &n, err, sizeof(err))) {
			fprintf(stderr, "botsink keys list: %s\n", err);
			ret = EXIT_RUNTIME;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			print_entry(&entries[i]);
		free(entries);
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "botsink keys list: writing the list: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	return ret;
}

/* Does dir hold keys of mode? -1 when it cannot be read. */
static int has_keys(const char *dir, enum anon_mode mode, char *err, size_t errlen)
{
	struct key_entry *entries;
	struct stat st;
	size_t n;

	if (stat(dir, &st) && errno == ENOENT)
		return 0;
	if (keyring_list(dir, mode, &entries, &n, err, errlen))
		return -1;
	free(entries);
	return n > 0;
}


/* A new key of mode, in the bucket (ks) or the directory. */
static int rotate_one(const char *dir, struct keyshare *ks, enum anon_mode mode)
{
	char id[ANON_KEY_ID_LEN + 1], err[4352];

	if (ks ? keyshare_rotate_now(ks, mode, id, err, sizeof(err)) :
		 keyring_rotate_now(dir, mode, id, err, sizeof(err))) {
		fprintf(stderr, "botsink keys rotate: %s\n", err);
		return EXIT_RUNTIME;
	}
	printf("%s %s\n", anon_mode_name(mode), id);
	return EXIT_OK;
}

/* --nats: the hubs' bucket, mirrored in dir. NULL (said) with *ret set. */
static struct keyshare *open_bucket(const struct keys_opts *o, const char *dir, struct bus **b,
				    int *ret)
{
	struct bus_config bc = { .urls = o->urls, .auth_file = o->auth_file, .ca_file = o->ca_file,
				 .name = "botsink keys rotate" };
	struct keyshare *ks;
	char err[1024];

	*b = bus_connect(&bc, ret, err, sizeof(err));
	if (!*b) {
		fprintf(stderr, "botsink keys rotate: %s\n", err);
		return NULL;
	}
	ks = keyshare_open(*b, dir, TOPOLOGY_REPLICAS, KEYRING_KEEP_FOREVER, err, sizeof(err));
	if (!ks) {
		fprintf(stderr, "botsink keys rotate: %s\n", err);
		*ret = strstr(err, "ermission") ? EXIT_USAGE : EXIT_RUNTIME;
	}
	return ks;
}

static int keys_rotate(void *opts, char **args)
{
	const struct keys_opts *o = opts;
	char dir[4096], err[4352];
	int ret = EXIT_OK, found = 0;
	struct keyshare *ks = NULL;
	struct bus *b = NULL;

	(void)args;
	if (!o->urls != !o->auth_file || (o->ca_file && !o->urls)) {
		fprintf(stderr, "botsink keys rotate: --nats and --auth go together (and --ca with them)\n");
		return EXIT_USAGE;
	}
	key_dir(o, dir, sizeof(dir));
	if (o->urls && !(ks = open_bucket(o, dir, &b, &ret)))
		goto out;
	if (o->mode >= 0) {
		ret = rotate_one(dir, ks, (enum anon_mode)o->mode);
		goto out;
	}
	for (size_t m = 0; m < ARRAY_SIZE(key_modes) && !ret; m++) {
		int has = has_keys(dir, key_modes[m], err, sizeof(err));

		if (has < 0) {
			fprintf(stderr, "botsink keys rotate: %s\n", err);
			ret = EXIT_RUNTIME;
			goto out;
		}
		if (has) {
			ret = rotate_one(dir, ks, key_modes[m]);
			found++;
		}
	}
	if (!found)
		ret = rotate_one(dir, ks, ANON_IPCRYPT_PFX);
out:
	keyshare_close(ks);
	bus_close(b);
	return ret;
}

const struct command keys_list_command =
	COMMAND(struct keys_opts, "keys list", list_opts, &keys_defaults, keys_list, &keys_group,
		.summary = "the ipcrypt keys of the state directory, by id (never the key)");

const struct command keys_rotate_command =
	COMMAND(struct keys_opts, "keys rotate", rotate_opts, &keys_defaults, keys_rotate,
		&keys_group, .summary = "a new ipcrypt key, used from the daemon's next epoch");
