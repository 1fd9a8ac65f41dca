#!/bin/bash
# More sources than the counter tables hold (--max-sources 16,
# --max-unclassified 8): the sources beyond them are counted under their
# /24 or /48 in records with "overflow": true, table_full counts them, and
# the feed's totals stay exact. Unclassified traffic fills only its own
# table. With ipcrypt-pfx an overflow prefix is the prefix of its members'
# pseudonyms, and no raw address appears.
. "$(dirname "$0")/lib.sh"

RULES="$ROOT/tests/e2e/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
KEY=00112233445566778899aabbccddeeff0f1e2d3c4b5a69788796a5b4c3d2e1f0

# 60 bots x 2 SYNs, 20 IPv6 bots x 1 SYN, 30 scanners x 1 SYN to port 22.
plan() {
	local p="[" i
	for i in $(seq 1 60); do
		p+="{\"src\":\"198.18.7.$i\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":2},"
	done
	for i in $(seq 1 20); do
		p+="{\"src\":\"2001:db8:77:$i::1\",\"dst\":\"2001:db8:5::10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":1},"
	done
	for i in $(seq 1 30); do
		p+="{\"src\":\"198.18.8.$i\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":22,\"flags\":\"S\",\"count\":1},"
	done
	echo "${p%,}]"
}

# kind packets: "overflow" or "source" records, per (sid, family of src).
summary() {
	"$PY" - "$1" <<'PYEOF'
import json, sys
from collections import defaultdict
sums = defaultdict(int)
for line in open(sys.argv[1]):
    r = json.loads(line)
    kind = "overflow" if r["overflow"] else "source"
    sums[(r["sid"], kind)] += r["packets"]
for (sid, kind), p in sorted(sums.items()):
    print(sid, kind, p)
PYEOF
}

lab_up "bso$$"
# One drain holds everything: the tables fill within one interval.
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --anon none --interval 30 \
	--max-sources 16 --max-unclassified 8 --feed "$WORK/none.jsonl" || finish
plan | send_plan >/dev/null
expect_eq "table_full counts what went to overflow" "$(bucket table_full)" $((88 + 20 + 22))
stop_daemon TERM
expect_eq "exit status" "$?" 0
# 16 sources fit: the first 16 check-ins; the other 44 IPv4 bots (88 SYNs)
# and 20 IPv6 bots went to overflow; 8 scanners fit, 22 did not.
expect_eq "totals per sid, sources and overflow" "$(summary "$WORK/none.jsonl" | tr '\n' ';')" \
	"0 overflow 22;0 source 8;1000001 overflow $((60 * 2 - 32));1000001 source 32;1000002 overflow 20;"
expect_eq "overflow records: prefixes" \
	"$("$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["overflow"]: print(r["src_ip"], r["sid"], r["packets"], r["family"])' "$WORK/none.jsonl" | sort | tr '\n' ';')" \
	"198.18.7.0/24 1000001 88 zeus;198.18.8.0/24 0 22 unclassified;2001:db8:77::/48 1000002 20 zeus;"
expect_eq "no record id twice" \
	"$(ids_twice "$WORK/none.jsonl")" 0

# The same with ipcrypt-pfx: an overflow prefix is the prefix of its
# members' pseudonyms, and no raw address leaves the process.
echo $KEY >"$WORK/key"
chmod 600 "$WORK/key"
: >"$WORK/daemon.err"
start_daemon -r "$RULES" --sinkhole "$SINKHOLE" --interval 30 --key "$WORK/key" \
	--max-sources 16 --max-unclassified 8 --feed "$WORK/pfx.jsonl" || finish
plan | send_plan >/dev/null
stop_daemon TERM
expect_eq "ipcrypt-pfx: exit status" "$?" 0
expect_eq "ipcrypt-pfx: totals" "$(summary "$WORK/pfx.jsonl" | tr '\n' ';')" \
	"0 overflow 22;0 source 8;1000001 overflow 88;1000001 source 32;1000002 overflow 20;"
"$PY" - "$WORK/pfx.jsonl" <<'PYEOF' && pass "overflow prefixes are the members' pseudonym prefixes" || fail "prefixes"
import ipaddress, json, sys
members, prefixes = {}, {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["overflow"]:
        prefixes[r["sid"]] = r["src_ip"]
    else:
        members.setdefault(r["sid"], set()).add(r["src_ip"])
for sid in (0, 1000001):
    net = ipaddress.ip_network(prefixes[sid])
    assert net.prefixlen == 24, net
    assert members[sid] and all(ipaddress.ip_address(m) in net for m in members[sid]), (sid, net)
PYEOF
grep -q "198\.18\.\|2001:db8:77" "$WORK/pfx.jsonl" "$WORK/daemon.err" &&
	fail "a raw source address left the process" || pass "no raw source address in the feed or the log"
finish
