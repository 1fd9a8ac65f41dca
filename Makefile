# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
#   make          build/botsink and build/botsink.bpf.o
#   make test     every test (root, real kernel): unit (ASan/UBSan), BPF_PROG_TEST_RUN, lab
#   make demo     a veth lab with simulated bots, end to end
#   make bench    ns/packet under BPF_PROG_TEST_RUN beside baselines (the responder's cost
#                 per SYN included); the counted rate on the veth lab beside an XDP
#                 counter, libpcap and nftables; the bus: a sensor's publisher, the hub,
#                 check-in to partner record latency, stream sizes; the drain with
#                 and without a metrics scraper; the daemon's CPU at idle (root)
#   make fuzz     the libFuzzer targets (rule parser, record formatter), longer
#   make vmlinux  regenerate vmlinux/vmlinux.h from the running kernel

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
BUILD := build

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(BUILD)
LDLIBS := -lxdp -lbpf -lelf -lz -lcrypto -lmaxminddb -lnats -llz4 -linih -lcrypt -lmicrohttpd -lgnutls
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_CFLAGS := -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -Ivmlinux -Iinclude -Ibpf
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Userspace, one folder per concern (README: Architecture). Everything but
# main() is shared by the binary, the unit and fuzz builds, the prog tests
# and the bench.
USER_SRCS := $(wildcard user/*/*.c)
MAIN_SRC := user/cli/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(USER_SRCS))
LIB_OBJS := $(patsubst user/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
MAIN_OBJ := $(patsubst user/%.c,$(BUILD)/obj/%.o,$(MAIN_SRC))
HEADERS := $(wildcard include/*.h user/*/*.h) $(BUILD)/botsink.skel.h $(BUILD)/collect.skel.h
BPF_HEADERS := $(wildcard bpf/*.h include/*.h)

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
SAN_LIB_OBJS := $(patsubst user/%.c,$(BUILD)/san/%.o,$(LIB_SRCS))

.PHONY: all test unit fuzzers fuzz demo bench vmlinux clean format check-format
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/botsink $(BUILD)/botsink.bpf.o

$(BUILD)/botsink.bpf.o: bpf/botsink.bpf.c $(BPF_HEADERS) vmlinux/vmlinux.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/botsink.skel.h: $(BUILD)/botsink.bpf.o
	$(BPFTOOL) gen skeleton $< name botsink > $@

# The collector, built into the daemon: reads drained generations out.
$(BUILD)/collect.bpf.o: bpf/collect.bpf.c $(BPF_HEADERS) vmlinux/vmlinux.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/collect.skel.h: $(BUILD)/collect.bpf.o
	$(BPFTOOL) gen skeleton $< name collect > $@

$(BUILD)/obj/%.o: user/%.c $(HEADERS) | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/botsink: $(MAIN_OBJ) $(LIB_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# Unit tests: the library sources again, under ASan and UBSan.
$(BUILD)/san/%.o: user/%.c $(HEADERS) | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/unit.h $(SAN_LIB_OBJS) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(UNIT_DEFS) -Itests/unit $< $(SAN_LIB_OBJS) -o $@ $(LDLIBS) -ljansson

# Checking programs of tests/nats/test_*.sh, which start the cluster they
# need (lib.sh): the library under ASan/UBSan. Not named test_*: alone
# they cannot run.
NATS_TESTS := $(BUILD)/tests/nats/keyshare

$(BUILD)/tests/nats/%: tests/nats/%.c tests/unit/unit.h $(SAN_LIB_OBJS) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -Itests/unit $< $(SAN_LIB_OBJS) -o $@ $(LDLIBS)

# The enrichment test's MaxMind-format databases; test_enrich.c checks these
# values. The long AS names are 253 'x' and then a 2-byte and a 3-byte character
# (255 and 256 bytes).
MMDB_DIR := $(BUILD)/tests/mmdb
MMDB_GEN := tests/gen/make_mmdb.pl
TEST_MMDBS := $(addprefix $(MMDB_DIR)/,asn.mmdb asn4.mmdb country.mmdb city.mmdb)
PAD253 := $$(printf 'x%.0s' $$(seq 253))

$(MMDB_DIR)/asn.mmdb: $(MMDB_GEN) Makefile
	@mkdir -p $(@D)
	$(MMDB_GEN) asn $@ '198.51.100.0/24=64500:Example Net' \
		'198.51.100.128/25=64501:Inner Net' '2001:db8:a::/48=64510:Six Net' \
		'2001:db8:a:8000::/49=64511:Six Inner' '10.0.0.0/8=:Name Only' \
		"192.0.2.0/25=64502:$(PAD253)é" "192.0.2.128/25=64503:$(PAD253)€"

$(MMDB_DIR)/asn4.mmdb: $(MMDB_GEN) Makefile
	@mkdir -p $(@D)
	$(MMDB_GEN) -4 asn $@ '198.51.100.0/24=64500:Example Net'

$(MMDB_DIR)/country.mmdb: $(MMDB_GEN) Makefile
	@mkdir -p $(@D)
	$(MMDB_GEN) country $@ 198.51.100.0/24=DE 2001:db8:a::/48=NL 203.0.113.0/24=/FR \
		100.64.0.0/16=de 100.65.0.0/16=X1 100.66.0.0/16=9Z/SE

$(MMDB_DIR)/city.mmdb: $(MMDB_GEN) Makefile
	@mkdir -p $(@D)
	$(MMDB_GEN) city $@ 198.51.100.0/24=US 2001:db8:a::/48=JP

$(BUILD)/tests/test_enrich: $(TEST_MMDBS)
$(BUILD)/tests/test_enrich: UNIT_DEFS := -DTEST_MMDB_DIR='"$(abspath $(MMDB_DIR))"'

# BPF_PROG_TEST_RUN tests and the benchmark run the real object.
PROG_TEST_SRCS := $(filter-out %.bpf.c,$(wildcard tests/prog/*.c))

$(BUILD)/slow_writer.bpf.o: tests/prog/slow_writer.bpf.c $(BPF_HEADERS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/slow_writer.skel.h: $(BUILD)/slow_writer.bpf.o
	$(BPFTOOL) gen skeleton $< name slow_writer > $@

$(BUILD)/tests/prog_test: $(PROG_TEST_SRCS) $(wildcard tests/prog/*.h) $(LIB_OBJS) $(HEADERS) \
		$(BUILD)/slow_writer.skel.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/prog $(PROG_TEST_SRCS) $(LIB_OBJS) -o $@ $(LDLIBS)

$(BUILD)/baseline.bpf.o: tests/bench/baseline.bpf.c $(BPF_HEADERS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/baseline.skel.h: $(BUILD)/baseline.bpf.o
	$(BPFTOOL) gen skeleton $< name baseline > $@

BENCH_SYNTH := tests/bench/synth.c tests/bench/synth.h

$(BUILD)/bench: tests/bench/bench.c $(BENCH_SYNTH) tests/prog/frames.h $(BUILD)/baseline.skel.h \
		$(LIB_OBJS) $(HEADERS)
	$(CC) $(CFLAGS) -Itests/prog $< tests/bench/synth.c $(LIB_OBJS) -o $@ $(LDLIBS)

# The bus bench's client (tests/bench/bus.sh): publisher, hub's consumer, reader.
$(BUILD)/tests/bus_bench: tests/bench/bus_bench.c $(BENCH_SYNTH) $(LIB_OBJS) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< tests/bench/synth.c $(LIB_OBJS) -o $@ $(LDLIBS) -ljansson

# The NATS tests' client (tests/nats): one request as one principal.
$(BUILD)/tests/bus_tool: tests/nats/bus_tool.c $(LIB_OBJS) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(LIB_OBJS) -o $@ $(LDLIBS)

# The README's partner reader, libnats alone (tests/nats/test_cluster.sh).
$(BUILD)/tests/partner_client: tests/nats/partner_client.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ -lnats

# For the lab's bots end (tests/e2e/test_verify.sh).
$(BUILD)/tests/xdp_pass.bpf.o: tests/e2e/xdp_pass.bpf.c | $(BUILD)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The lab traffic generator: AF_PACKET, or live frames (BPF_PROG_TEST_RUN)
# where the kernel allows them; gen_frame.h defines its frames for both.
$(BUILD)/gen.bpf.o: tests/gen/gen.bpf.c tests/gen/gen_frame.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/gen.skel.h: $(BUILD)/gen.bpf.o
	$(BPFTOOL) gen skeleton $< name gen > $@

$(BUILD)/tests/botsink-gen: tests/gen/gen.c tests/gen/gen_frame.h tests/prog/frames.h $(BUILD)/gen.skel.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/prog $< -o $@ $(LDLIBS)

# The rate bench's baselines: the one-map XDP counter and libpcap.
$(BUILD)/tests/xdp_count: tests/bench/xdp_count.c $(BUILD)/baseline.skel.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

$(BUILD)/tests/pcap_count: tests/bench/pcap_count.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ -lpcap

# The rate bench's frame path: a relay veth pair whose receiving end
# redirects the generator's frames into the lab's sender end.
$(BUILD)/relay.bpf.o: tests/bench/relay.bpf.c | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/relay.skel.h: $(BUILD)/relay.bpf.o
	$(BPFTOOL) gen skeleton $< name relay > $@

$(BUILD)/tests/xdp_relay: tests/bench/xdp_relay.c $(BUILD)/relay.skel.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

unit: $(UNIT_TESTS)

# libFuzzer targets (clang): the library again, instrumented.
FUZZ_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
FUZZ_LIB_OBJS := $(patsubst user/%.c,$(BUILD)/fuzzobj/%.o,$(LIB_SRCS))
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 120

$(BUILD)/fuzzobj/%.o: user/%.c $(HEADERS) | $(BUILD)
	@mkdir -p $(@D)
	$(CLANG) $(CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS) $(HEADERS)
	@mkdir -p $(@D)
	$(CLANG) $(CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJS) -o $@ $(LDLIBS) -ljansson

fuzzers: $(FUZZERS)

# Each target for FUZZ_SECONDS from the seed corpus (new finds go to $(BUILD)/fuzz-corpus/).
fuzz: $(FUZZERS)
	for f in $(FUZZERS); do \
		name=$$(basename $$f); mkdir -p $(BUILD)/fuzz-corpus/$$name; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			$(BUILD)/fuzz-corpus/$$name tests/fuzz/corpus/$${name#fuzz_} || exit 1; \
	done

test: all unit fuzzers $(BUILD)/tests/prog_test $(BUILD)/tests/botsink-gen \
		$(BUILD)/tests/xdp_pass.bpf.o $(BUILD)/tests/bus_tool $(BUILD)/tests/partner_client \
		$(NATS_TESTS)
	BUILD=$(BUILD) tests/run.sh

demo:
	scripts/demo.sh

# make bench's enrichment databases over its sources (10.0.0.0/8): an AS and a
# country per /16.
BENCH_MMDB := $(BUILD)/bench-mmdb

$(BENCH_MMDB)/asn.mmdb: $(MMDB_GEN)
	@mkdir -p $(@D)
	seq 0 255 | awk '{ printf "10.%d.0.0/16=%d:Bench AS %d\n", $$1, 64512 + $$1, $$1 }' | \
		perl $(MMDB_GEN) asn $@ -

$(BENCH_MMDB)/geo.mmdb: $(MMDB_GEN)
	@mkdir -p $(@D)
	seq 0 255 | awk '{ printf "10.%d.0.0/16=%s\n", $$1, substr("NLDEFRUS", $$1 % 4 * 2 + 1, 2) }' | \
		perl $(MMDB_GEN) country $@ -

bench: all $(BUILD)/bench $(BUILD)/tests/botsink-gen $(BUILD)/tests/xdp_count $(BUILD)/tests/pcap_count \
		$(BUILD)/tests/xdp_relay $(BUILD)/tests/bus_bench $(BUILD)/tests/bus_tool $(BENCH_MMDB)/asn.mmdb $(BENCH_MMDB)/geo.mmdb
	BENCH_MMDB_ASN=$(BENCH_MMDB)/asn.mmdb BENCH_MMDB_GEO=$(BENCH_MMDB)/geo.mmdb $(BUILD)/bench
	BUILD=$(BUILD) tests/bench/rate.sh
	BUILD=$(BUILD) BENCH_MMDB_ASN=$(BENCH_MMDB)/asn.mmdb BENCH_MMDB_GEO=$(BENCH_MMDB)/geo.mmdb \
		tests/bench/bus.sh
	BUILD=$(BUILD) tests/bench/metrics.sh
	BUILD=$(BUILD) tests/bench/idle.sh

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h.tmp
	mv vmlinux/vmlinux.h.tmp vmlinux/vmlinux.h

format:
	clang-format -i bpf/*.c bpf/*.h user/*/*.c user/*/*.h include/*.h tests/*/*.c tests/*/*.h

check-format:
	clang-format --dry-run --Werror bpf/*.c bpf/*.h user/*/*.c user/*/*.h include/*.h tests/*/*.c tests/*/*.h

$(BUILD):
	mkdir -p $@

clean:
	rm -rf $(BUILD)
