// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of the real XDP program (harness.h): the header
 * path (header_tests.c), payload matching (payload_tests.c), handshake
 * verification and the responder (respond_tests.c), content
 * matching against a reference (fuzz_tests.c) and the evidence samples
 * of new keys (evidence_tests.c).
 *
 * Run as root: build/tests/prog_test [TEST...]
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "lib/log.h"
#include "lib/util.h"
#include "harness.h"

extern const struct test header_tests[], payload_tests[], respond_tests[], fuzz_tests[],
	evidence_tests[];
extern const size_t n_header_tests, n_payload_tests, n_respond_tests, n_fuzz_tests,
	n_evidence_tests;

static const struct suite {
	const struct test *tests;
	const size_t *n;
} suites[] = {
	{ header_tests, &n_header_tests },     { payload_tests, &n_payload_tests },
	{ respond_tests, &n_respond_tests },   { fuzz_tests, &n_fuzz_tests },
	{ evidence_tests, &n_evidence_tests },
};

static bool selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

/* One test on fresh maps, then the checks every test ends with. */
static bool run_test(const struct test *t)
{
	cur_test = t->name;
	cur_checks = cur_failures = 0;
	if (env_setup(t->max_sources ? t->max_sources : TEST_MAX_SOURCES)) {
		t->fn();
		check_drain_at(0, NULL);
		check_hits_at(0);
		check_totals_at(0);
		env_teardown();
	}
	if (cur_failures)
		printf("FAIL  %s (%u of %u checks failed)\n", t->name, cur_failures, cur_checks);
	else
		printf("ok    %s (%u checks, %llu frames)\n", t->name, cur_checks,
		       (unsigned long long)env.frames);
	fflush(stdout);
	return !cur_failures;
}

static int setup_once(void)
{
	char *bad = NULL;

	env.ncpus = libbpf_num_possible_cpus();
	if (env.ncpus <= 0) {
		fprintf(stderr, "prog_test: cannot count the possible CPUs\n");
		return -1;
	}
	env.percpu = calloc((size_t)env.ncpus, PERCPU_VALUE_MAX);
	if (!env.percpu || parse_sinkhole(SINKHOLE, &env.sinkhole, &bad)) {
		fprintf(stderr, "prog_test: setup failed\n");
		free(bad);
		return -1;
	}
	if (sched_getaffinity(0, sizeof(env.all_cpus), &env.all_cpus)) {
		perror("prog_test: sched_getaffinity");
		return -1;
	}
	for (env.home_cpu = 0; !CPU_ISSET(env.home_cpu, &env.all_cpus); env.home_cpu++)
		;
	pin_cpu(env.home_cpu);
	log_route_libraries();
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int passed = 0, failed = 0;

	_Static_assert(PERCPU_VALUE_MAX >= sizeof(struct botsink_counter) &&
			       PERCPU_VALUE_MAX >= sizeof(struct botsink_stats) &&
			       PERCPU_VALUE_MAX >= sizeof(struct botsink_rule_hits),
		       "the per-CPU scratch holds any value");
	if (geteuid()) {
		fprintf(stderr, "prog_test: run as root (BPF_PROG_TEST_RUN on the real program)\n");
		return 1;
	}
	if (setup_once())
		return 1;
	for (size_t s = 0; s < ARRAY_SIZE(suites); s++) {
		for (size_t i = 0; i < *suites[s].n; i++) {
			const struct test *t = &suites[s].tests[i];

			if (!selected(t->name, argc, argv))
				continue;
			if (run_test(t))
				passed++;
			else
				failed++;
		}
	}
	printf("prog_test: %u passed, %u failed\n", passed, failed);
	addr_set_free(&env.sinkhole);
	free(env.percpu);
	return failed || !passed ? 1 : 0;
}
