// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * botsink keys list: the ipcrypt keys of a state directory, by id.
 * botsink keys rotate: a new key, which a running daemon takes from its
 * next epoch.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "privacy/anon.h"
#include "cli/commands.h"
#include "sensor/control.h"
#include "privacy/keyring.h"
#include "lib/util.h"

static const char keys_usage[] =
	"Usage: botsink keys list [--state-dir DIR]\n"
	"       botsink keys rotate [--state-dir DIR] [--mode MODE]\n"
	"\n"
	"The keys of the ipcrypt anonymization modes live in DIR/" KEYRING_DIR " (DIR: the run's\n"
	"--state-dir, default " DEFAULT_STATE_DIR "), one file per key named MODE-START.key\n"
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
	"\n"
	"      --state-dir DIR       the run's --state-dir\n"
	"      --mode MODE           rotate: ipcrypt-pfx or ipcrypt-deterministic\n"
	"                            (default: every mode that has keys in the\n"
	"                            directory; with none, ipcrypt-pfx)\n"
	"  -h, --help                this help\n"
	"\n"
	"Exit status: 0 done, 1 a key or the key directory could not be read or\n"
	"written, 2 bad usage.\n";

static const enum anon_mode key_modes[] = { ANON_IPCRYPT_PFX, ANON_IPCRYPT_DETERMINISTIC };

struct keys_opts {
	const char *state_dir;
	enum anon_mode mode;
	bool have_mode;
	char dir[4096];
};

/* EXIT_OK to go on, else the exit code. */
static int parse_opts(int argc, char **argv, bool allow_mode, struct keys_opts *o)
{
	static const struct option options[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	o->state_dir = DEFAULT_STATE_DIR;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 's') {
			o->state_dir = optarg;
		} else if (opt == 'm' && allow_mode) {
			if (anon_parse_mode(optarg, &o->mode) || !anon_key_len(o->mode)) {
				fprintf(stderr,
					"botsink keys: --mode: '%s' is not ipcrypt-pfx or ipcrypt-deterministic\n",
					optarg);
				return EXIT_USAGE;
			}
			o->have_mode = true;
		} else if (opt == 'h') {
			fputs(keys_usage, stdout);
			return -1;
		} else {
			fputs(keys_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(keys_usage, stderr);
		return EXIT_USAGE;
	}
	snprintf(o->dir, sizeof(o->dir), "%s/%s", o->state_dir, KEYRING_DIR);
	return EXIT_OK;
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

static int keys_list(int argc, char **argv)
{
	struct keys_opts o = { 0 };
	int ret = parse_opts(argc, argv, false, &o);
	char err[4352];
	struct stat st;

	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	if (stat(o.dir, &st)) {
		fprintf(stderr, "botsink keys list: key directory %s: %s\n", o.dir,
			strerror(errno));
		return EXIT_RUNTIME;
	}
	for (size_t m = 0; m < ARRAY_SIZE(key_modes); m++) {
		struct key_entry *entries;
		size_t n;

		if (keyring_list(o.dir, key_modes[m], &entries, &n, err, sizeof(err))) {
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

static int rotate_one(const char *dir, enum anon_mode mode)
{
	char id[ANON_KEY_ID_LEN + 1], err[4352];

	if (keyring_rotate_now(dir, mode, id, err, sizeof(err))) {
		fprintf(stderr, "botsink keys rotate: %s\n", err);
		return EXIT_RUNTIME;
	}
	printf("%s %s\n", anon_mode_name(mode), id);
	return EXIT_OK;
}

static int keys_rotate(int argc, char **argv)
{
	struct keys_opts o = { 0 };
	int ret = parse_opts(argc, argv, true, &o), found = 0;
	char err[4352];

	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	if (o.have_mode)
		return rotate_one(o.dir, o.mode);
	for (size_t m = 0; m < ARRAY_SIZE(key_modes) && !ret; m++) {
		int has = has_keys(o.dir, key_modes[m], err, sizeof(err));

		if (has < 0) {
			fprintf(stderr, "botsink keys rotate: %s\n", err);
			return EXIT_RUNTIME;
		}
		if (has) {
			ret = rotate_one(o.dir, key_modes[m]);
			found++;
		}
	}
	if (!found)
		ret = rotate_one(o.dir, ANON_IPCRYPT_PFX);
	return ret;
}

int cmd_keys(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "list"))
		return keys_list(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "rotate"))
		return keys_rotate(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(keys_usage, stdout);
		return EXIT_OK;
	}
	fputs(keys_usage, stderr);
	return EXIT_USAGE;
}
