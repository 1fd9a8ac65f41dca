#!/bin/bash
# The real daemon on a veth lab: IPv4, IPv6 with extension headers, VLAN and
# QinQ frames from many sources, drained every 0.2 s while traffic flows;
# the feed's per-source sums must equal exactly what was sent.
. "$(dirname "$0")/lib.sh"

SINKHOLE=203.0.113.0/24,2001:db8:5::/48
lab_up "bst$$"
start_daemon -r "$ROOT/tests/e2e/lab.rules" --sinkhole "$SINKHOLE" --anon none \
	--interval 0.2 --feed "$WORK/feed.jsonl" --sensor lab-sensor || finish

# Ten bots checking in i times each to the Zeus gate, in three waves so
# drains happen between them; one more bot checks in 4 times in every wave.
for wave in 1 2 3; do
	plan="[{\"src\":\"198.18.1.11\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":4},"
	for i in $(seq 1 10); do
		[ $((i % 3 + 1)) -eq "$wave" ] || continue
		port=$([ $((i % 2)) -eq 0 ] && echo 80 || echo 8080)
		plan+="{\"src\":\"198.18.1.$i\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":$port,\"flags\":\"S\",\"count\":$i},"
	done
	echo "${plan%,}]" | send_plan >/dev/null
	sleep 0.3
done

cat >"$WORK/plan.json" <<'PLAN'
[
 {"src":"198.18.2.1","dst":"203.0.113.10","proto":"tcp","dport":80,"flags":"SA","count":3},
 {"src":"198.18.2.2","dst":"203.0.113.77","proto":"udp","dport":16001,"count":4,"vlan":[10]},
 {"src":"198.18.2.3","dst":"203.0.113.77","proto":"udp","dport":16001,"count":2,"vlan":[100,10]},
 {"src":"2001:db8:99::1","dst":"2001:db8:5::10","proto":"tcp","dport":80,"flags":"S","count":3,"ext":["hop","dst"]},
 {"src":"2001:db8:99::2","dst":"2001:db8:5::99","proto":"tcp","dport":23,"flags":"S","count":2},
 {"src":"2001:db8:99::3","dst":"2001:db8:5::1","proto":"udp","dport":16500,"count":5,"vlan":[7]},
 {"src":"198.18.3.1","dst":"203.0.113.5","proto":"icmp","count":2},
 {"src":"198.18.4.1","dst":"198.51.100.1","proto":"tcp","dport":80,"flags":"S","count":3},
 {"src":"198.18.0.2","dst":"198.18.0.1","proto":"arp","count":2},
 {"src":"198.18.5.1","dst":"203.0.113.10","proto":"tcp","dport":80,"flags":"S","frag":"later","count":1}
]
PLAN
sent=$(send_plan <"$WORK/plan.json")
expect_eq "frames sent by the second plan" "$sent" 27
sleep 0.5

# 1+..+10 + 12 = 67 Zeus SYNs, 6 + 5 UDP, 3 + 2 IPv6 SYNs = 83 matched.
expect_eq "matched" "$(bucket matched)" 83
expect_eq "unclassified (SYN-ACK, ICMP)" "$(bucket unclassified)" 5
expect_eq "non_sinkhole" "$(bucket non_sinkhole)" 3
expect_eq "non_ip (ARP)" "$(bucket non_ip)" 2
expect_eq "fragment" "$(bucket fragment)" 1
expect_eq "malformed" "$(bucket malformed)" 0
expect_eq "vlan" "$(bucket vlan)" 11
expect_eq "table_full" "$(bucket table_full)" 0

stop_daemon TERM
expect_eq "daemon exit status" "$?" 0
[ -e "$PIN_DIR/botsink_stats" ] && fail "pins left behind in $PIN_DIR"
lab_sink ip link show sink0 | grep -q "xdp" && fail "XDP still attached after exit"

expected="198.18.1.1 1000001 1 54 1
198.18.1.10 1000001 10 540 10
198.18.1.11 1000001 12 648 12
198.18.1.2 1000001 2 108 2
198.18.1.3 1000001 3 162 3
198.18.1.4 1000001 4 216 4
198.18.1.5 1000001 5 270 5
198.18.1.6 1000001 6 324 6
198.18.1.7 1000001 7 378 7
198.18.1.8 1000001 8 432 8
198.18.1.9 1000001 9 486 9
198.18.2.1 0 3 162 0
198.18.2.2 1000020 4 184 0
198.18.2.3 1000020 2 100 0
198.18.3.1 0 2 84 0
2001:db8:99::1 1000002 3 270 3
2001:db8:99::2 1000030 2 148 2
2001:db8:99::3 1000021 5 330 0"
actual=$(feed_sums "$WORK/feed.jsonl")
if [ "$actual" == "$expected" ]; then
	pass "per-source packets, bytes and SYNs in the feed equal what was sent"
else
	fail "per-source sums differ:"
	diff <(echo "$expected") <(echo "$actual") >&2
fi

records=$(grep -c '"src_ip":"198.18.1.11"' "$WORK/feed.jsonl")
[ "$records" -ge 2 ] && pass "198.18.1.11's check-ins span $records drains" ||
	fail "198.18.1.11 appears in $records record(s); the waves should span drains"

# Every record has every field; families, tags and protocol come from the rules.
"$PY" - "$WORK/feed.jsonl" <<'PYEOF' || fail "record schema"
import json, sys
fields = ["timestamp", "first_seen", "last_seen", "src_ip", "src_port", "anon_mode", "anon_key_id",
          "src_asn", "src_as_name", "src_geo", "protocol", "dst_ip",
          "dst_port", "family", "tag", "sid", "classtype", "http_method", "http_url", "http_host",
          "http_agent", "http_referer", "dns_query", "payload", "packets", "bytes", "syns", "checkins",
          "checkins_verified", "verification", "dns_qtype", "overflow", "sensor", "record_id"]
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    n += 1
    assert list(r) == fields, list(r)
    assert r["sensor"] == "lab-sensor" and r["anon_mode"] == "none"
    # No key in anon none; no enrichment without databases.
    assert [r[k] for k in ("anon_key_id", "src_asn", "src_as_name", "src_geo")] == [None] * 4, r
    assert r["first_seen"] <= r["last_seen"] <= r["timestamp"], r
    assert 0 <= r["checkins"] <= r["packets"] and r["dns_qtype"] is None, r
    if r["protocol"] == "udp":
        assert r["checkins"] == r["packets"], r
    # The lab completes no handshake: nothing is verified, TCP says so.
    assert r["checkins_verified"] == 0, r
    assert r["verification"] == ("unverified" if r["protocol"] == "tcp" else "unverifiable"), r
    want = {0: ("unclassified", None), 1000001: ("zeus", "Zeus gate check-in"),
            1000020: ("sality", "Sality P2P hello"), 1000030: ("mirai", "Mirai telnet scan")}
    if r["sid"] in want:
        assert (r["family"], r["tag"]) == want[r["sid"]], r
    if r["src_ip"] == "198.18.3.1":
        assert r["protocol"] == "icmp" and r["dst_port"] is None and r["dst_ip"] == "203.0.113.5", r
    if r["src_ip"] == "2001:db8:99::3":
        assert r["protocol"] == "udp" and r["dst_port"] == 16500 and r["dst_ip"] == "2001:db8:5::1", r
assert n >= 19
print("  ok: %d records, all fields present and consistent" % n)
PYEOF
finish
