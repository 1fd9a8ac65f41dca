// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The command line and the daemon's steps that need no kernel: botsink
 * run's option table parsed into its config (defaults, every kind of
 * value, the errors and exit codes), the checks across options, the
 * README's synopsis against the tables, and daemon_prepare/release on a
 * real rules file, state directory and partners file.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/commands.h"
#include "lib/util.h"
#include "sensor/daemon.h"
#include "unit.h"

#define MAX_ARGS 64

/* argv from a line of words, argv[0] the command's last word. */
static int split(char *line, char **argv)
{
	int argc = 0;

	for (char *w = strtok(line, " "); w && argc < MAX_ARGS - 1; w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc] = NULL;
	return argc;
}

/* Parse "run ARGS" into cfg: opt_parse's result, then run_check's. */
/* cfg points into the words until the next call: they must outlive this one. */
static int parse_run(const char *words, struct sensor_config *cfg)
{
	static char line[1024];
	char *argv[MAX_ARGS], **args;
	int argc, ret;

	snprintf(line, sizeof(line), "run %s", words);
	argc = split(line, argv);
	ret = opt_parse(&run_command, argc, argv, cfg, &args);
	if (!ret)
		ret = run_check(cfg);
	return ret;
}

static void release_run(struct sensor_config *cfg)
{
	run_command.release(cfg);
}

static void test_run_defaults(void)
{
	struct sensor_config cfg;

	CHECK_INT(parse_run("-i lo -r rules/sinkhole.rules", &cfg), EXIT_OK);
	CHECK_STR(cfg.ifname, "lo");
	CHECK_STR(cfg.rules_path, "rules/sinkhole.rules");
	CHECK_STR(cfg.feed_path, "-");
	CHECK_STR(cfg.state_dir, "/var/lib/botsink");
	CHECK_STR(cfg.pin_dir, "/sys/fs/bpf/botsink");
	CHECK(cfg.interval == 1.0);
	CHECK_INT(cfg.anon, ANON_IPCRYPT_PFX);
	CHECK_INT(cfg.format, FORMAT_JSONL);
	CHECK_INT(cfg.key_rotate, KEY_ROTATE_NEVER);
	CHECK_INT(cfg.key_retention, 7 * 86400);
	CHECK_INT(cfg.truncate.v4, 24);
	CHECK_INT(cfg.truncate.v6, 48);
	CHECK_INT(cfg.xdp_mode, XDP_MODE_NATIVE);
	CHECK_INT(cfg.verdict, BOTSINK_VERDICT_PASS);
	CHECK_INT(cfg.respond, BOTSINK_RESPOND_NONE);
	CHECK_INT(cfg.spool_max, 256 << 20);
	CHECK_INT(cfg.rotate_size, 0);
	CHECK_INT(cfg.caps.sources, 0);
	CHECK(!cfg.sinkhole.given && !cfg.lenient && !cfg.no_attach && !cfg.verbose);
	CHECK(cfg.ifindex > 0);
	CHECK(cfg.sensor[0] != '\0'); /* the host name */
	release_run(&cfg);
	/* An empty --sensor is no name: the host name again. */
	CHECK_INT(parse_run("-i lo -r r --sensor=", &cfg), EXIT_OK);
	CHECK(cfg.sensor[0] != '\0');
	release_run(&cfg);
}

static void test_run_values(void)
{
	struct sensor_config cfg;

	CHECK_INT(
		parse_run(
			"--interface lo --rules r --lenient --sinkhole 203.0.113.0/24,!203.0.113.1"
			" --feed /tmp/f --format intelmq --verified-only --interval 0.25"
			" --anon truncate --truncate 16,32 --key-rotate daily --key-retention 2h"
			" --state-dir /tmp/s --sensor s1 --xdp-mode skb --verdict drop"
			" --respond http --pin-dir /sys/fs/bpf/x --no-attach"
			" --feed-rotate-size 3K --feed-rotate-interval 60 --max-sources 100"
			" --max-unclassified 200 --retransmit-memory 1024 --spool-max 0 -v",
			&cfg),
		EXIT_OK);
	CHECK(cfg.lenient && cfg.sinkhole.given && cfg.verified_only && cfg.no_attach &&
	      cfg.verbose);
	CHECK_STR(cfg.feed_path, "/tmp/f");
	CHECK_INT(cfg.format, FORMAT_INTELMQ);
	CHECK(cfg.interval == 0.25);
	CHECK_INT(cfg.anon, ANON_TRUNCATE);
	CHECK_INT(cfg.truncate.v4, 16);
	CHECK_INT(cfg.truncate.v6, 32);
	CHECK_INT(cfg.key_rotate, KEY_ROTATE_DAILY);
	CHECK_INT(cfg.key_retention, 7200);
	CHECK_STR(cfg.sensor, "s1");
	CHECK_INT(cfg.xdp_mode, XDP_MODE_SKB);
	CHECK_INT(cfg.verdict, BOTSINK_VERDICT_DROP);
	CHECK_INT(cfg.respond, BOTSINK_RESPOND_HTTP);
	CHECK_INT(cfg.rotate_size, 3072);
	CHECK(cfg.rotate_interval == 60);
	CHECK_INT(cfg.caps.sources, 100);
	CHECK_INT(cfg.caps.unclassified, 200);
	CHECK_INT(cfg.caps.recent_sets, 1024 / BOTSINK_RECENT_WAYS);
	CHECK_INT(cfg.spool_max, 0);
	release_run(&cfg);
	/* Given twice: the last one counts, and the first one's set is freed (ASan). */
	CHECK_INT(parse_run("-i lo -r r --sinkhole 10.0.0.0/8 --sinkhole 2001:db8::/32", &cfg), 0);
	release_run(&cfg);
}

/* Every bad value is a usage error (exit 2), and nothing runs. */
static void test_run_errors(void)
{
	static const char *const bad[] = {
		"-i lo",
		"-r r",
		"-i lo -r r extra",
		"-i nosuch0 -r r",
		"-i lo -r r --interval 0",
		"-i lo -r r --interval 86401",
		"-i lo -r r --interval 1s",
		"-i lo -r r --anon ipcrypt",
		"-i lo -r r --format xml",
		"-i lo -r r --key-rotate weekly",
		"-i lo -r r --key-retention 0",
		"-i lo -r r --truncate 32,48",
		"-i lo -r r --truncate 24",
		"-i lo -r r --truncate 24,",
		"-i lo -r r --truncate ,48",
		"-i lo -r r --truncate 24,128",
		"-i lo -r r --truncate 24,48,",
		"-i lo -r r --xdp-mode hw",
		"-i lo -r r --verdict maybe",
		"-i lo -r r --respond tcp",
		"-i lo -r r --verdict drop --no-syncookies",
		"-i lo -r r --feed-rotate-size 1M",
		"-i lo -r r --feed f --feed-rotate-size 0",
		"-i lo -r r --feed f --feed-rotate-size 9223372036854775807G",
		"-i lo -r r --feed f --feed-rotate-size 1048577G",
		"-i lo -r r --feed f --feed-rotate-interval 0.5",
		"-i lo -r r --spool-max -1",
		"-i lo -r r --max-sources 0",
		"-i lo -r r --max-unclassified 16777217",
		"-i lo -r r --retransmit-memory 3",
		"-i lo -r r --retransmit-memory 33554432",
		"-i lo -r r --key k --key-rotate daily",
		"-i lo -r r --sinkhole 10.0.0.0/33",
		"-i lo -r r --sinkhole 10.0.0.0/8,!10.0.0.0/8",
		"-i lo -r r --no-such-option",
	};
	struct sensor_config cfg;
	FILE *saved = stderr;

	stderr = fopen("/dev/null", "w"); /* the errors are the point, not the noise */
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = parse_run(bad[i], &cfg);

		if (ret != EXIT_USAGE)
			fprintf(saved, "run %s: %d, not a usage error\n", bad[i], ret);
		CHECK_INT(ret, EXIT_USAGE);
		release_run(&cfg);
	}
	fclose(stderr);
	stderr = saved;
	CHECK_INT(parse_run("-i lo -r r --help", &cfg), OPT_HELP_ASKED);
	release_run(&cfg);
}

/* An error names the option and the value, and says where help is. */
static void test_error_text(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *saved = stderr;
	struct sensor_config cfg;

	stderr = open_memstream(&text, &len);
	parse_run("-i lo -r r --anon ipcrypt", &cfg);
	parse_run("-i lo -r r --sinkhole 10.0.0.0/8,nonsense", &cfg);
	release_run(&cfg);
	parse_run("-i lo", &cfg);
	fclose(stderr);
	stderr = saved;
	CHECK_STR(text, "botsink run: --anon: 'ipcrypt' is not ipcrypt-pfx, ipcrypt-deterministic, "
			"truncate or none\nTry 'botsink run --help'.\n"
			"botsink run: --sinkhole: 'nonsense' is not an IPv4 or IPv6 prefix, or "
			"leaves nothing\nTry 'botsink run --help'.\n"
			"botsink run: -r RULES is required\nTry 'botsink run --help'.\n");
	free(text);
}

/* Whitespace runs as one space, none at the ends, for comparing wrapped text. */
static void squeeze(char *s)
{
	char *out = s, *start = s;
	bool space = false;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t') {
			space = out != start;
			continue;
		}
		if (space)
			*out++ = ' ';
		space = false;
		*out++ = *s;
	}
	*out = '\0';
}

/* The README's "Commands" block: every command's full synopsis, in table order. */
static void test_readme_synopsis(void)
{
	char *readme = read_file("README.md", SIZE_MAX, NULL), *start, *end, *want = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(readme != NULL);
	if (!readme)
		return;
	start = strstr(readme, "## Commands\n\n");
	end = start ? strstr(start + strlen("## Commands\n\n"), "\n\n") : NULL;
	CHECK(start && end);
	if (!start || !end)
		goto out;
	start += strlen("## Commands\n\n");
	*end = '\0';
	f = open_memstream(&want, &len);
	for (size_t i = 0; i < ncommands; i++) {
		opt_synopsis(f, commands[i], false);
		fputc('\n', f);
	}
	fclose(f);
	squeeze(start);
	squeeze(want);
	if (strcmp(start, want))
		fprintf(stderr,
			"README.md's synopsis differs from the option tables; they say:\n%s\n",
			want);
	CHECK_STR(start, want);
	free(want);
out:
	free(readme);
}

/* Every table's rows set fields of the size their kind writes. */
static void test_tables(void)
{
	for (size_t c = 0; c < ncommands; c++) {
		const char *bad = opt_table_check(commands[c]);

		if (bad)
			fprintf(stderr, "botsink %s: option %s\n", commands[c]->name, bad);
		CHECK(!bad);
	}
}

/* --help: every option of every command, once per group. */
static void test_help(void)
{
	for (size_t c = 0; c < ncommands; c++) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		opt_help(f, commands[c], commands, ncommands);
		fclose(f);
		CHECK(!strncmp(text, "Usage: botsink ", 15));
		for (const struct opt *o = commands[c]->opts; o->name; o++) {
			char name[64];

			snprintf(name, sizeof(name), "--%s", o->name);
			if (!strstr(text, name))
				fprintf(stderr, "botsink %s --help lacks %s\n", commands[c]->name,
					name);
			CHECK(strstr(text, name) != NULL);
		}
		CHECK(strstr(text, "  -h, --help ") != NULL);
		free(text);
	}
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* botsink run WORDS up to daemon_prepare: its exit code. */
static int prepare(const char *words, struct daemon *d, struct sensor_config *cfg)
{
	int ret = parse_run(words, cfg);

	daemon_init(d, cfg);
	return ret ? ret : daemon_prepare(d);
}

static void finish(struct daemon *d, struct sensor_config *cfg)
{
	daemon_release(d);
	release_run(cfg);
}

/* daemon_prepare: rules, state, partners and outputs, no kernel; daemon_release frees all (ASan). */
static void test_prepare(void)
{
	char dir[] = "/tmp/botsink-cli-XXXXXX", rules[128], bad_rules[128], partners[128],
	     state[128], feed[128], line[1024];
	struct sensor_config cfg;
	struct daemon d;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(rules, sizeof(rules), "%s/r.rules", dir);
	snprintf(bad_rules, sizeof(bad_rules), "%s/bad.rules", dir);
	snprintf(partners, sizeof(partners), "%s/p.ini", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(feed, sizeof(feed), "%s/feed.jsonl", dir);
	write_text(rules, "alert tcp any any -> 203.0.113.10 80 (msg:\"Zeus gate\"; sid:1001;)\n"
			  "alert udp any any -> 203.0.113.0/24 53 (msg:\"Sality\"; sid:1002;)\n");
	write_text(bad_rules, "alert tcp any any -> 203.0.113.10 80 (msg:\"x\"; sid:1;\n");
	snprintf(line, sizeof(line),
		 "[isp]\nscope = 198.51.100.0/24\nanon = none\noutput = %s/isp.jsonl\n", dir);
	write_text(partners, line);

	snprintf(line, sizeof(line), "-i lo -r %s --state-dir %s --feed %s --partners %s", rules,
		 state, feed, partners);
	CHECK_INT(prepare(line, &d, &cfg), EXIT_OK);
	CHECK_INT(d.rules.n, 2);
	CHECK_INT(d.outputs.n, 2); /* the feed and the partner */
	CHECK(access(state, F_OK) == 0); /* the state directory, made private */
	snprintf(line, sizeof(line), "%s/keys", state);
	CHECK_STR(d.keys_dir, line);
	CHECK_INT(d.drainer.nout, 2);
	CHECK(d.drainer.spool_max == 256 << 20);
	finish(&d, &cfg);

	/* A rules file with errors: a configuration error, nothing left open. */
	snprintf(line, sizeof(line), "-i lo -r %s --state-dir %s", bad_rules, state);
	CHECK_INT(prepare(line, &d, &cfg), EXIT_USAGE);
	finish(&d, &cfg);

	/* So is a partner file with an error. */
	write_text(partners, "[isp]\nscope = nonsense\n");
	snprintf(line, sizeof(line), "-i lo -r %s --state-dir %s --partners %s", rules, state,
		 partners);
	CHECK_INT(prepare(line, &d, &cfg), EXIT_USAGE);
	finish(&d, &cfg);
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void test_handshake_mode(void)
{
	struct sensor_config cfg = { .verdict = BOTSINK_VERDICT_DROP,
				     .respond = BOTSINK_RESPOND_HTTP };

	CHECK_STR(daemon_handshake_mode(&cfg), "responder http (SYN cookies, 200 OK)");
	cfg.respond = BOTSINK_RESPOND_NONE;
	CHECK_STR(daemon_handshake_mode(&cfg), "no handshakes (SYNs only: nothing verified)");
	cfg.verdict = BOTSINK_VERDICT_PASS;
	CHECK_STR(daemon_handshake_mode(&cfg), "handshakes verified by the kernel's SYN cookies");
}

int main(void)
{
	test_run_defaults();
	test_run_values();
	test_run_errors();
	test_error_text();
	test_readme_synopsis();
	test_tables();
	test_help();
	test_prepare();
	test_handshake_mode();
	return unit_report("cli");
}
