#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The hubs' shared keys on a 3-node cluster as botsink nats-config writes
# it (TLS, each principal's own permissions; lib.sh): the key bucket with 3
# replicas, hubs as the hub principal, and a sensor's and a partner's
# refusal. $BUILD/tests/nats/keyshare does the checking.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BIN=$ROOT/${BUILD:-build}/tests/nats/keyshare
[ -x "$BIN" ] || { echo "$TEST_NAME: $BIN missing: make $BIN" >&2; exit 1; }

tls_setup
printf '[A]\nscope = 198.51.100.0/24\n' >"$WORK/partners.ini"
nats_config 3 "$WORK/partners.ini" s1
cluster_start
pass "3 nodes ready"
if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$BIN" "$NATS_URLS" "$CA" "$CREDS" "$WORK" 3; then
	pass "keyshare"
else
	fail "keyshare (exit $?)"
fi
# The bucket as the first hub made it: 3 replicas, history 1, files, no TTL.
bucket=$(jsz 1 'accounts=true&streams=true&config=true' | python3 -c '
import json, sys
for a in json.load(sys.stdin).get("account_details", []):
    for d in a.get("stream_detail", []):
        if d["name"] == "KV_BOTSINK_KEYS":
            c = d["config"]
            print(c["num_replicas"], c["max_msgs_per_subject"], c["storage"], c["max_age"])')
expect_eq "the key bucket (replicas, history, storage, TTL)" "$bucket" "3 1 file 0"
finish
