#!/bin/bash
# MMDBs updated in place under a running daemon, while traffic flows: a
# truncate, then a cp over the live files, never kill it (it serves the
# copy it read at start: no SIGBUS, same enrichment); SIGHUP then reads the
# files now at the paths. A truncated ASN file or a FIFO at SIGHUP is
# refused, logged, and the running databases stay (the geo one too).
. "$(dirname "$0")/lib.sh"

SINKHOLE=203.0.113.0/24,2001:db8:5::/48
MMDB="$ROOT/tests/gen/make_mmdb.pl"
SRC=198.18.10.5
SENDER=

# A and B differ for the source: which one a record was enriched from.
build_dbs() {
	perl "$MMDB" asn "$WORK/asn-a.mmdb" 198.18.10.0/24=64500:"Alpha Net" &&
		perl "$MMDB" country "$WORK/geo-a.mmdb" 198.18.10.0/24=NL &&
		perl "$MMDB" asn "$WORK/asn-b.mmdb" 198.18.0.0/16=64999:"Beta Net" \
			198.19.0.0/16=65000:"Gamma" &&
		perl "$MMDB" country "$WORK/geo-b.mmdb" 198.18.10.0/24=DE 198.19.0.0/16=FR
}
build_dbs || {
	fail "cannot build the databases"
	finish
}
cp "$WORK/asn-a.mmdb" "$WORK/asn.mmdb"
cp "$WORK/geo-a.mmdb" "$WORK/geo.mmdb"

stop_sender() {
	[ -n "$SENDER" ] && kill "$SENDER" 2>/dev/null && wait "$SENDER" 2>/dev/null
	SENDER=
}
# shellcheck disable=SC2034 # run by lib.sh's cleanup
EXTRA_CLEANUP=stop_sender

# records_since N ASN NAME GEO: the complete records after line N carry
# these values (at least 2 of them, within 5 s).
records_since() {
	local from=$1 want="$2|$3|$4" got
	for _ in $(seq 50); do
		got=$("$PY" - "$WORK/feed.jsonl" "$from" <<'PYEOF'
import json, sys
lines = open(sys.argv[1]).read().split("\n")[:-1][int(sys.argv[2]):]
print(len(lines), " ".join(sorted({f'{r["src_asn"]}|{r["src_as_name"]}|{r["src_geo"]}'
                                   for r in map(json.loads, lines)})))
PYEOF
		)
		[ "${got%% *}" -ge 2 ] && break
		sleep 0.1
	done
	expect_eq "enrichment of records after line $from" "${got#* }" "$want"
}

# records_now ASN NAME GEO: as records_since, from the feed's end now.
records_now() {
	records_since "$(wc -l <"$WORK/feed.jsonl")" "$@"
}

# wait_log TEXT: TEXT appears in the daemon's log within 5 s.
wait_log() {
	for _ in $(seq 50); do
		grep -qF -- "$1" "$WORK/daemon.err" && return 0
		sleep 0.1
	done
	fail "no '$1' in the log: $(tail -5 "$WORK/daemon.err")"
}

# alive WHEN: the daemon still runs; else nothing more to check.
alive() {
	kill -0 "$DAEMON_PID" 2>/dev/null && return 0
	wait "$DAEMON_PID"
	fail "daemon died $1 (exit status $?): $(tail -3 "$WORK/daemon.err")"
	DAEMON_PID=
	finish
}

lab_up "bmm$$"
start_daemon -r "$ROOT/tests/e2e/lab.rules" --sinkhole "$SINKHOLE" --interval 0.2 \
	--mmdb-asn "$WORK/asn.mmdb" --mmdb-geo "$WORK/geo.mmdb" --feed "$WORK/feed.jsonl" ||
	finish
# Sality hellos, 40 a second for 30 s at most: records every interval.
echo "[{\"src\":\"$SRC\",\"dst\":\"203.0.113.10\",\"proto\":\"udp\",\"dport\":16001,\"count\":1200}]" |
	timeout 40 nsenter --net="/run/netns/$LAB_BOTS" "$PY" "$ROOT/scripts/lab_send.py" \
		--iface bots0 --dst-mac "$LAB_SINK_MAC" --pps 40 >/dev/null &
SENDER=$!

records_since 0 64500 "Alpha Net" NL
truncate -s 0 "$WORK/asn.mmdb" "$WORK/geo.mmdb"
sleep 0.5
alive "after a truncate in place"
records_now 64500 "Alpha Net" NL
# cp truncates and writes the same inode: what a mapping of it would see.
cp "$WORK/asn-b.mmdb" "$WORK/asn.mmdb"
cp "$WORK/geo-b.mmdb" "$WORK/geo.mmdb"
sleep 0.5
alive "after a cp over the files"
records_now 64500 "Alpha Net" NL

kill -HUP "$DAEMON_PID"
wait_log "databases reloaded: ASN $WORK/asn.mmdb geo $WORK/geo.mmdb"
records_now 64999 "Beta Net" DE

# A truncated ASN file: refused as a whole (the good geo file too).
cp "$WORK/geo-a.mmdb" "$WORK/geo.mmdb.tmp" && mv "$WORK/geo.mmdb.tmp" "$WORK/geo.mmdb"
truncate -s 0 "$WORK/asn.mmdb"
kill -HUP "$DAEMON_PID"
wait_log "ASN database $WORK/asn.mmdb: empty, not a MaxMind DB file; keeping the running databases"
records_now 64999 "Beta Net" DE
# A FIFO in its place: refused without waiting for a writer.
rm "$WORK/asn.mmdb" && mkfifo "$WORK/asn.mmdb"
kill -HUP "$DAEMON_PID"
wait_log "ASN database $WORK/asn.mmdb: not a regular file; keeping the running databases"
records_now 64999 "Beta Net" DE
alive "after the refused reloads"

# Update by rename, the supported way: taken on the next SIGHUP.
cp "$WORK/asn-a.mmdb" "$WORK/asn.mmdb.tmp" && mv "$WORK/asn.mmdb.tmp" "$WORK/asn.mmdb"
kill -HUP "$DAEMON_PID"
wait_log "databases reloaded" # the first one's line would do: count them
for _ in $(seq 50); do
	[ "$(grep -c "databases reloaded" "$WORK/daemon.err")" -ge 2 ] && break
	sleep 0.1
done
records_now 64500 "Alpha Net" NL

stop_sender
stop_daemon TERM
expect_eq "daemon exit status" "$?" 0
expect_eq "records with a record_id twice" "$(ids_twice "$WORK/feed.jsonl")" 0
finish
