#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make demo: a veth lab with simulated bots checking in to a sinkhole,
# botsink counting them with XDP, the feed records and a per-family summary.
# Everything runs in two network namespaces created here and removed at
# the end; nothing is sent anywhere else.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

"$ROOT/scripts/setup.sh"
make -s all

# shellcheck source=lab.sh
. "$ROOT/scripts/lab.sh"
WORK=$(mktemp -d /tmp/botsink-demo-XXXXXX)
PIN_DIR=/sys/fs/bpf/botsink-demo-$$
DAEMON=
cleanup() {
	[ -n "$DAEMON" ] && kill -KILL "$DAEMON" 2>/dev/null
	lab_down
	rm -rf "$WORK" "$PIN_DIR"
}
lab_on_exit cleanup
lab_up "botsink-demo"
lab_bots ip route add 203.0.113.0/24 via "$LAB_LINK_SINK"

echo "== botsink run (rules/sinkhole.rules, sinkhole 203.0.113.0/24, ipcrypt-pfx)"
nsenter --net="/run/netns/$LAB_SINK" build/botsink run -i sink0 -r rules/sinkhole.rules \
	--sinkhole 203.0.113.0/24 --interval 0.5 --feed "$WORK/feed.jsonl" --sensor demo \
	--state-dir "$WORK/state" --pin-dir "$PIN_DIR" 2>"$WORK/daemon.log" &
DAEMON=$!
for _ in $(seq 100); do
	grep -q "counting on" "$WORK/daemon.log" && break
	kill -0 "$DAEMON" 2>/dev/null || break
	sleep 0.1
done
grep -q "counting on" "$WORK/daemon.log" || { cat "$WORK/daemon.log"; exit 1; }
sed 's/^/   /' "$WORK/daemon.log"

echo "== the bots check in (and some ordinary traffic passes by)"
"/usr/bin/python3" - >"$WORK/plan.json" <<'PY'
import json, random
random.seed(7)
plan = []
def add(src, dst, proto, count, **kw):
    plan.append(dict(src=src, dst=dst, proto=proto, count=count, **kw))
for i in range(1, 21):  # Zeus: HTTP gate on 80/8080
    add(f"198.18.10.{i}", "203.0.113.10", "tcp", random.randint(1, 6), dport=random.choice([80, 8080]), flags="S")
for i in range(1, 9):  # Necurs: DGA domains resolving into 203.0.113.64/26
    add(f"198.18.20.{i}", f"203.0.113.{random.randint(64, 127)}", "tcp", random.randint(1, 4), dport=443, flags="S")
for i in range(1, 13):  # Sality P2P over UDP
    add(f"198.19.{i}.7", f"203.0.113.{random.randint(1, 254)}", "udp", random.randint(1, 3), dport=random.randint(16000, 16999))
for i in range(1, 7):  # Mirai telnet scanners, some behind a VLAN tag
    add(f"198.18.30.{i}", f"203.0.113.{random.randint(1, 200)}", "tcp", 2, dport=random.choice([23, 2323]), flags="S", vlan=[42] if i % 2 else [])
for i in range(1, 5):  # Blackshades: its HTTP check-in, sent twice (a retransmission)
    add(f"198.18.60.{i}", "203.0.113.10", "tcp", 2, dport=80, flags="PA", seq=5000 + i,
        payload="POST /gate.php HTTP/1.1\r\nHost: c2.example\r\nContent-Length: 12\r\n\r\ncrypt=abc123")
def dns_query(name):
    wire = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return (b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + wire + b"\x00\x01\x00\x01").hex()
for i, name in enumerate(["qxbmvtnwak.example", "www.KSNWLRBVQZ.example", "a.c2-pool.example"], 1):
    add(f"198.18.70.{i}", "203.0.113.53", "udp", 1, dport=53, payload_hex=dns_query(name))
add("198.18.40.1", "203.0.113.5", "tcp", 3, dport=22, flags="S")     # a scanner: unclassified
add("198.18.40.2", "203.0.113.1", "icmp", 2)                         # a ping: unclassified
add("198.18.50.1", "198.51.100.7", "tcp", 5, dport=80, flags="S")    # not for the sinkhole
add("198.18.50.2", "198.18.0.1", "arp", 1)                           # not IP
print(json.dumps(plan))
PY
sent=$(lab_bots /usr/bin/python3 scripts/lab_send.py --iface bots0 --dst-mac "$LAB_SINK_MAC" <"$WORK/plan.json")
echo "   $sent frames sent from the bots namespace"
# A real client too: its SYN reaches the sinkhole, whose kernel answers (pass).
lab_bots /usr/bin/python3 -c '
import socket; s = socket.socket(); s.settimeout(1)
try: s.connect(("203.0.113.10", 80))
except OSError as e: print("   a real TCP client to 203.0.113.10:80:", e.strerror or e)'
sleep 1

echo "== botsink status"
lab_sink build/botsink status --pin-dir "$PIN_DIR" | sed 's/^/   /'
kill -TERM "$DAEMON"
if ! wait "$DAEMON"; then
	echo "botsink exited with an error:" >&2
	cat "$WORK/daemon.log" >&2
	exit 1
fi
DAEMON=

echo "== the feed ($(wc -l <"$WORK/feed.jsonl") records, JSON Lines; the first 5)"
head -5 "$WORK/feed.jsonl"
echo "== per family"
/usr/bin/python3 - "$WORK/feed.jsonl" <<'PY'
import json, sys
from collections import defaultdict
fam = defaultdict(lambda: [set(), 0, 0, 0])
for line in open(sys.argv[1]):
    r = json.loads(line)
    f = fam[r["family"]]
    f[0].add(r["src_ip"]); f[1] += r["packets"]; f[2] += r["syns"]; f[3] += r["checkins"]
print("   %-14s %8s %8s %6s %9s" % ("family", "sources", "packets", "syns", "check-ins"))
for name, (srcs, pkts, syns, checkins) in sorted(fam.items(), key=lambda kv: -kv[1][1]):
    print("   %-14s %8d %8d %6d %9d" % (name, len(srcs), pkts, syns, checkins))
PY
echo "== done: lab removed, nothing left behind"
