#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A 3-node nats-server cluster as botsink nats-config writes it (TLS for
# clients and routes, encrypted JetStream), the streams with 3 replicas
# made by botsink streams, and every principal held to its permissions:
# a partner reads its own consumer and nothing else, a sensor publishes
# only its own subject, the hub never publishes counts; a wrong password
# and an untrusted CA are refused (exit 2, and why); a node killed with
# -9 loses nothing.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

tls_setup
printf '[A]\nscope = 198.51.100.0/24\noutput = %s/a.jsonl\n\n[B]\nscope = 203.0.113.0/24\noutput = %s/b.jsonl\n' \
	"$WORK" "$WORK" >"$WORK/partners.ini"
nats_config 3 "$WORK/partners.ini" s1,s2
expect_eq "credentials files of mode 0600" "$(find "$CREDS" -name '*.creds' -perm 0600 | wc -l)" 6
expect_eq "the directory's mode" "$(stat -c %a "$NATS_DIR")" 700
expect "nats-config again into the same directory" 2 "exists" \
	"$BOTSINK" nats-config --partners "$WORK/partners.ini" --sensors s1 --out "$NATS_DIR"
printf '[ok]\noutput = %s/ok.jsonl\nscope = 10.0.0.0/8\n\n[bad.name]\noutput = %s/x.jsonl\nscope = 10.0.0.0/8\n' \
	"$WORK" "$WORK" >"$WORK/bad.ini"
expect "a partner name not valid in a subject" 2 "bad\.ini:5: partner name 'bad\.name'" \
	"$BOTSINK" nats-config --partners "$WORK/bad.ini" --sensors s1 --out "$WORK/other" \
	--tls-cert "$TLS_DIR/server.pem" --tls-key "$TLS_DIR/server.key" --tls-ca "$CA"

cluster_start
pass "3 nodes ready (TLS routes, https monitoring)"

# Called through expect, eventually and in_parallel:
# shellcheck disable=SC2317
as() { # as USER CMD ARGS...: bus_tool as USER
	local user=$1
	shift
	"$BUS_TOOL" "$NATS_URLS" "$CREDS/$user.creds" "$CA" "$@"
}
# shellcheck disable=SC2317
pull() { # pull USER ARGS...
	local user=$1
	shift
	"$BOTSINK" pull --nats "$NATS_URLS" --auth "$CREDS/$user.creds" --ca "$CA" "$@"
}

expect "streams as the hub" 0 "" \
	"$BOTSINK" streams --nats "$NATS_URLS" --auth "$CREDS/hub.creds" --ca "$CA" \
	--partners "$WORK/partners.ini"
expect_eq "streams and consumers created" "$(grep -c ': created$' <<<"$OUT")" 6
replicas=$(jsz 1 'accounts=true&streams=true&config=true' | grep -o '"num_replicas": *3' | wc -l)
expect_eq "both streams with 3 replicas" "$replicas" 2

expect "the hub publishes for partner A" 0 "" as hub pub botsink.partner.A $'a1\na2\n'
expect "the hub publishes for partner B" 0 "" as hub pub botsink.partner.B $'b1\n'
expect "the hub publishes the public feed" 0 "" as hub pub botsink.public 'p1'
expect "partner A pulls its records" 0 "2 records in 1 messages" pull partner-A --idle 1
expect_eq "partner A's records" "$OUT" $'a1\na2'
expect "public pulls its records (no newline at the end: one added)" 0 "1 records" pull public --idle 1
expect_eq "public's records" "$OUT" "p1"
# The README's reader, libnats alone, given the lines of the partner's
# credentials file: its own records, acknowledged (none the second time).
creds_line() { sed -n "s/^$2 = //p" "$CREDS/$1.creds"; }
# shellcheck disable=SC2317
plain_client() {
	"$PARTNER_CLIENT" "$NATS_URLS" "$CA" "$(creds_line "$1" user)" "$(creds_line "$1" password)" \
		"$(creds_line "$1" inbox_prefix)"
}
expect "the hub publishes for partner A again" 0 "" as hub pub botsink.partner.A $'c1\nc2\n'
expect "partner A's records through a plain libnats client" 0 "2 records" plain_client partner-A
expect_eq "the plain client's records" "$OUT" $'c1\nc2'
expect "the plain client again: nothing left" 0 "0 records" plain_client partner-A

# The refusals, side by side: each waits for its request's timeout.
in_parallel <<'EOF'
"streams as a partner" 2 "permission denied: .*STREAM" "$BOTSINK" streams --nats "$NATS_URLS" --auth "$CREDS/partner-A.creds" --ca "$CA"
"partner A pulls B's consumer" 2 "permission denied: Permissions Violation.*partner-B" pull partner-A --consumer partner-B --idle 1
"partner A subscribes to B's subject" 2 "Permissions Violation for Subscription to \"botsink.partner.B\"" as partner-A sub botsink.partner.B
"partner A creates a consumer on B's subject" 2 "Permissions Violation.*CONSUMER.CREATE.BOTSINK_PARTNERS.partner-A.botsink.partner.B" as partner-A create partner-A botsink.partner.B
"partner A creates a pull consumer on its own subject" 2 "Permissions Violation.*CONSUMER.CREATE.BOTSINK_PARTNERS.mine.botsink.partner.A" as partner-A create mine botsink.partner.A
"partner A creates a push consumer onto the hub's inbox" 2 "Permissions Violation.*CONSUMER.CREATE.BOTSINK_PARTNERS.push.botsink.partner.A" as partner-A create push botsink.partner.A _INBOX_hub.x
"partner A publishes to its own subject" 2 "Permissions Violation for Publish" as partner-A corepub botsink.partner.A forged
"sensor s1 publishes as s2" 2 "Permissions Violation for Publish to \"botsink.counts.s2\"" as sensor-s1 pub botsink.counts.s2 forged
"sensor s1 reads s2's last message" 2 "Permissions Violation.*DIRECT.GET.BOTSINK_COUNTS.botsink.counts.s2" as sensor-s1 last botsink.counts.s2
"the hub publishes counts" 2 "Permissions Violation for Publish to \"botsink.counts.s1\"" as hub pub botsink.counts.s1 forged
EOF

expect "sensor s1 publishes its counts" 0 "" as sensor-s1 pub botsink.counts.s1 'epoch 1'
expect "sensor s1 reads its last message back" 0 "" as sensor-s1 last botsink.counts.s1
expect_eq "its last message" "$OUT" "epoch 1"
expect "partner B pulls only its records" 0 "" pull partner-B --idle 1
expect_eq "partner B's records" "$OUT" "b1"
expect "the hub's key bucket: create, put, get, watch" 0 "" as hub kv

sed 's/^password = ./password = x/' "$CREDS/partner-A.creds" >"$WORK/wrong.creds"
chmod 600 "$WORK/wrong.creds"
expect "a wrong password" 2 "authorization" \
	"$BOTSINK" pull --nats "$NATS_URLS" --auth "$WORK/wrong.creds" --ca "$CA" --idle 1
expect "a client that trusts only the rogue CA" 2 "certificate" \
	"$BOTSINK" pull --nats "$NATS_URLS" --auth "$CREDS/partner-A.creds" --ca "$ROGUE_CA" --idle 1

# One node killed: the other two hold every message and serve the clients.
node_kill 1
# The same message id each try: a publish stored but not acknowledged is not stored twice.
eventually "the hub publishes with node 1 down" 20 as hub pub botsink.partner.A 'a3' a3
eventually "partner A pulls with node 1 down" 20 pull partner-A --idle 2
expect_eq "partner A's record" "$OUT" "a3"
node_start 1
# Back: JetStream up and the meta leader known. An idle consumer (botsink-hub)
# may report itself not current for a minute on nats-server 2.9; the pulls
# below show that nothing was lost.
if node_ready 1 40 js-server-only=true; then pass "node 1 back"; else fail "node 1 back"; fi
expect "partner A pulls after node 1 came back: nothing new" 0 "0 records" pull partner-A --idle 1

# A partner's consumer deleted: its pull cannot make it again; botsink streams does.
expect "the hub deletes partner A's consumer" 0 "" as hub delete partner-A
expect "partner A pulls a consumer that is gone" 2 "consumer partner-A on BOTSINK_PARTNERS does not exist" pull partner-A --idle 1
expect "streams makes it again" 0 "" \
	"$BOTSINK" streams --nats "$NATS_URLS" --auth "$CREDS/hub.creds" --ca "$CA" \
	--partners "$WORK/partners.ini"
expect_eq "what streams created" "$(grep ': created$' <<<"$OUT")" "consumer partner-A: created"
expect "partner A pulls again, from the start (a1, a2, c1, c2, a3)" 0 "5 records" pull partner-A --idle 1

finish
