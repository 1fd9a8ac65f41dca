/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Command-line options as data (as xdp-tools' params): each command's
 * table gives the parsing (into a field of its options struct), the check
 * of the value, the error, --help and the synopsis. -h/--help is every
 * command's and is not in the tables.
 */
#ifndef BOTSINK_OPTIONS_H
#define BOTSINK_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "lib/keywords.h"

enum opt_kind {
	OPT_FLAG, /* bool: set */
	OPT_STRING, /* const char *: the argument */
	OPT_KEYWORD, /* int (an enum): the value of one of .keywords */
	OPT_SECONDS, /* double: seconds, fractions allowed, from .min to .max */
	OPT_DURATION, /* long long: seconds, or with s, h or d, from .min to .max */
	OPT_SIZE, /* uint64_t: bytes, or with K, M or G, from .min to .max */
	OPT_UINT32, /* __u32, from .min to .max */
	OPT_CUSTOM, /* .parse */
};

struct opt {
	const char *name; /* the long option */
	char short_name; /* 0: none */
	const char *arg; /* the argument's name in --help; NULL: none (flags) */
	enum opt_kind kind;
	size_t offset; /* of the field in the options struct */
	size_t size; /* of that field: opt_table_check matches it to the kind */
	long double min, max; /* the range of numbers (exact up to 2^64) */
	const struct keyword *keywords; /* OPT_KEYWORD */
	bool (*accept)(int value); /* OPT_KEYWORD: which keywords this option takes; NULL: all */
	/*
	 * OPT_CUSTOM: parse arg into the field; 0, or -1 with the part that
	 * is wrong in `shown` (left empty: the whole argument).
	 */
	int (*parse)(const char *arg, void *field, char *shown, size_t len);
	const char *expect; /* the error: "--name: 'ARG' is not <expect>" (keywords: listed) */
	const char *help; /* lines, each ending in '\n' */
	bool required;
};

/* Each option table ends with OPT_END. */
#define OPT_END              \
	{                    \
		.name = NULL \
	}
/*
 * A table row (as xdp-tools' DEFINE_OPTION): the options struct's TYPE,
 * the option's NAME, its ARG (NULL: a flag), KIND and the FIELD it sets,
 * then any other member (.help, .short_name, .min, .keywords, ...).
 */
#define OPT_ROW(TYPE, NAME, ARG, KIND, FIELD, ...)                                       \
	{                                                                                \
		.name = NAME, .arg = ARG, .kind = KIND, .offset = offsetof(TYPE, FIELD), \
		.size = sizeof(((TYPE *)0)->FIELD), __VA_ARGS__                          \
	}

/* The help of commands that share a first word ("rules"): one text. */
struct command_group {
	const char *intro; /* after the usage lines; NULL: none */
	const char *outro; /* the end (exit status); NULL: none */
	int column; /* where option help starts */
};

/* A command as the command table knows it (cli/commands.c). */
struct command {
	const char *name; /* "run", "rules check" */
	const char *summary; /* for botsink --help */
	const char *args; /* positional arguments in the synopsis ("FILE"); NULL: none */
	size_t nargs; /* how many, exactly */
	const struct opt *opts;
	size_t opts_size; /* of the options struct */
	const void *defaults; /* its defaults (opts_size bytes) */
	/* The command, once its options are parsed: an exit code. */
	int (*run)(void *opts, char **args);
	/* Frees what parsing allocated (run or not); NULL: nothing. */
	void (*release)(void *opts);
	const char *about; /* its paragraph in the help of its group; NULL: none */
	const struct command_group *group;
};

/*
 * A command (as xdp-tools' cmds[]): the options struct TYPE, the NAME,
 * the option table, the defaults, what runs it and its help group, then
 * any other member (.summary, .args, .about, ...).
 */
#define COMMAND(TYPE, NAME, OPTS, DEFAULTS, RUN, GROUP, ...)                                 \
	{                                                                                    \
		.name = NAME, .opts = OPTS, .opts_size = sizeof(TYPE), .defaults = DEFAULTS, \
		.run = RUN, .group = GROUP, __VA_ARGS__                                      \
	}

/*
 * --nats, --auth and --ca of a command that connects to the NATS cluster,
 * into the fields URLS, AUTH and CA of TYPE; AUTH_HELP says whose
 * credentials.
 */
#define OPT_BUS_ROWS(TYPE, URLS, AUTH, CA, AUTH_HELP)                             \
	OPT_ROW(TYPE, "nats", "URL[,URL...]", OPT_STRING, URLS, .required = true, \
		.help = "the cluster: tls://HOST:PORT of one or more nodes\n"),   \
		OPT_ROW(TYPE, "auth", "FILE", OPT_STRING, AUTH, .required = true, \
			.help = AUTH_HELP),                                       \
		OPT_ROW(TYPE, "ca", "FILE", OPT_STRING, CA,                       \
			.help = "the CA that signed the cluster's certificates\n" \
				"(default: the system's)\n")

/*
 * --metrics and its TLS files (run, hub), into FIELD, a struct
 * metrics_config (metrics/server.h) of TYPE.
 */
#define OPT_METRICS_ROWS(TYPE, FIELD)                                              \
	OPT_ROW(TYPE, "metrics", "ADDR:PORT", OPT_STRING, FIELD.listen,            \
		.help = "serve Prometheus metrics on GET /metrics (README:\n"      \
			"Metrics); plain HTTP on a loopback address only,\n"       \
			"elsewhere TLS with client certificates\n"),               \
		OPT_ROW(TYPE, "metrics-cert", "FILE", OPT_STRING, FIELD.cert,      \
			.help = "the metrics server's certificate chain (PEM)\n"), \
		OPT_ROW(TYPE, "metrics-key", "FILE", OPT_STRING, FIELD.key,        \
			.help = "its private key (PEM)\n"),                        \
		OPT_ROW(TYPE, "metrics-ca", "FILE", OPT_STRING, FIELD.ca,          \
			.help = "the CA of the client certificates scrapers present\n")
/* The TLS files of OPT_METRICS_ROWS without --metrics: a usage error (EXIT_USAGE), else 0. */
struct metrics_config;
int opt_check_metrics(const struct command *cmd, const struct metrics_config *m);

/*
 * --pin-dir of a command that reads the maps another run pinned, into the
 * field FIELD of TYPE; the command's help says the default.
 */
#define OPT_PIN_DIR_ROW(TYPE, FIELD)                       \
	OPT_ROW(TYPE, "pin-dir", "DIR", OPT_STRING, FIELD, \
		.help = "where the maps are pinned (default: see above)\n")

/* opt_parse: -h or --help was given (nothing else is checked). */
#define OPT_HELP_ASKED (-1)

/*
 * Parse argv (argv[0] is the command's last word) into opts, which is
 * first set to the defaults; the positional arguments go to *args. 0,
 * OPT_HELP_ASKED, or EXIT_USAGE (the error printed as "botsink CMD: ...").
 */
int opt_parse(const struct command *cmd, int argc, char **argv, void *opts, char ***args);
/* What is wrong with cmd's option table (the option's name), or NULL. */
const char *opt_table_check(const struct command *cmd);
/* A usage error of cmd, printed with the hint to --help: EXIT_USAGE. */
int opt_usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * One command's synopsis after "botsink ": with `brief`, options as --help
 * shows them (ARG names; many options are "[OPTIONS]"); else every option,
 * keywords spelled out, as the README lists them.
 */
void opt_synopsis(FILE *f, const struct command *cmd, bool brief);
/*
 * The help of the commands of `cmds` in cmd's group: usage lines, intro,
 * each command's about and options, outro.
 */
void opt_help(FILE *f, const struct command *cmd, const struct command *const *cmds, size_t n);

/* --sinkhole PREFIXES, for every command that takes it: into a struct sinkhole_space. */
int opt_parse_sinkhole(const char *arg, void *field, char *shown, size_t len);
#define OPT_SINKHOLE_EXPECT "an IPv4 or IPv6 prefix, or leaves nothing"
/* Its row in the table of a TYPE that has it as `sinkhole`; then .help. */
#define OPT_SINKHOLE_ROW(TYPE, ...)                                                              \
	OPT_ROW(TYPE, "sinkhole", "PREFIXES", OPT_CUSTOM, sinkhole, .parse = opt_parse_sinkhole, \
		.expect = OPT_SINKHOLE_EXPECT, __VA_ARGS__)
/* --truncate V4,V6 (run, hub): into a struct truncate_bits. */
int opt_parse_truncate(const char *arg, void *field, char *shown, size_t len);
#define OPT_TRUNCATE_EXPECT "V4,V6 prefix lengths such as 24,48"
/* Its row in the table of a TYPE that has it as `truncate`; then .help. */
#define OPT_TRUNCATE_ROW(TYPE, ...)                                                           \
	OPT_ROW(TYPE, "truncate", "V4,V6", OPT_CUSTOM, truncate, .parse = opt_parse_truncate, \
		.expect = OPT_TRUNCATE_EXPECT, __VA_ARGS__)

#endif
