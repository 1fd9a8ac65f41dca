#!/bin/bash
# Spoof-proof check-ins with real TCP clients (the Linux stack in the bots
# namespace), IPv4 and IPv6:
#  - pass verdict: a listener in the sink namespace, whose kernel answers
#    with SYN cookies (botsink run sets net.ipv4.tcp_syncookies=2);
#  - drop verdict with --respond tcp and --respond http: nothing listens,
#    XDP itself answers.
# Each real connection's check-in is counted exactly once as verified.
# Forged data segments (guessed acknowledgement numbers, spoofed sources)
# and a SYN flood are counted, never verified, and never reach a
# verified-only partner; UDP reaches it marked unverifiable.
. "$(dirname "$0")/lib.sh"

SINKHOLE=203.0.113.0/24,2001:db8:5::/48
lab_up "bsy$$"
# Real clients: routes to the sinkhole, and IPv6 on the link.
lab_bots sysctl -qw net.ipv6.conf.bots0.disable_ipv6=0
lab_bots ip addr add 2001:db8:1::2/64 dev bots0 nodad
lab_bots ip addr add 198.18.0.3/24 dev bots0
lab_sink ip addr add 2001:db8:1::1/64 dev sink0 nodad
lab_bots ip route add 203.0.113.0/24 via "$LAB_LINK_SINK"
lab_bots ip -6 route add 2001:db8:5::/48 via 2001:db8:1::1
# XDP_TX sends the responder's replies into bots0: a veth end takes them
# at once only while it runs XDP itself (tests/e2e/xdp_pass.bpf.c).
lab_bots ip link set dev bots0 xdpdrv obj "$ROOT/${BUILD:-build}/tests/xdp_pass.bpf.o" sec xdp

cat >"$WORK/rules" <<'RULES'
alert tcp any any -> 203.0.113.0/24 80 (msg:"Gate check-in"; content:"/gate.php"; sid:2000001; metadata:malware_family testbot;)
alert tcp any any -> 2001:db8:5::/48 80 (msg:"Gate check-in (IPv6)"; content:"/gate.php"; sid:2000002; metadata:malware_family testbot;)
alert udp any any -> 203.0.113.0/24 16000:16999 (msg:"P2P hello"; content:"HELLO"; sid:2000003; metadata:malware_family testbot;)
RULES
cat >"$WORK/partners" <<PARTNERS
[cert-all]
scope = 0.0.0.0/0, ::/0
anon = none
output = $WORK/partner.jsonl
PARTNERS

# A listener for the pass verdict: answers one HTTP request per connection.
cat >"$WORK/server.py" <<'PYEOF'
import socket, sys, threading
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 80))
s.listen(64)
print("listening", flush=True)
def serve(c):
    c.settimeout(5)
    try:
        c.recv(4096)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    finally:
        c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PYEOF

# A bot: connect from SRC to DST:80, POST to the gate, read the answer.
# Prints one word per connection: "200" (an HTTP 200), "reset", "eof"
# (closed without an answer), "timeout" or "error:...".
cat >"$WORK/client.py" <<'PYEOF'
import socket, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
family = socket.AF_INET6 if ":" in dst else socket.AF_INET
for i in range(n):
    c = socket.socket(family)
    c.settimeout(3)
    try:
        c.bind((src, 0))
        c.connect((dst, 80))
        c.sendall(b"POST /gate.php HTTP/1.1\r\nHost: c2.example\r\nContent-Length: 0\r\n\r\n")
        data = c.recv(4096)
        print("200" if data.startswith(b"HTTP/1.1 200") else "eof" if not data else "other")
    except ConnectionResetError:
        print("reset")
    except (socket.timeout, TimeoutError):
        print("timeout")
    except OSError as e:
        print("error:%s" % e.strerror)
    finally:
        c.close()
PYEOF

# bots EXPECT: three real bots, 5 connections in all (3 + 1 IPv4, 1 IPv6).
bots() {
	local out
	out=$(lab_bots "$PY" "$WORK/client.py" 198.18.0.2 203.0.113.10 3)
	out+=" $(lab_bots "$PY" "$WORK/client.py" 198.18.0.3 203.0.113.20 1)"
	out+=" $(lab_bots "$PY" "$WORK/client.py" 2001:db8:1::2 2001:db8:5::10 1)"
	expect_eq "$MODE: what the bots' connections got" "$(echo $out)" "$1 $1 $1 $1 $1"
}

# forge: what a spoofer can send. Sources in 198.51.100.0/24 and
# 2001:db8:66::/48, which no lab host has: no reply reaches anyone.
forge() {
	local sent
	sent=$(send_plan <<'PLAN'
[
 {"src":"198.51.100.50","dst":"203.0.113.10","proto":"tcp","dport":80,"flags":"PA","ack":"random","payload":"POST /gate.php HTTP/1.1\r\n\r\n","count":4},
 {"src":"198.18.0.2","dst":"203.0.113.10","proto":"tcp","dport":80,"flags":"PA","ack":"random","sport":41000,"payload":"POST /gate.php HTTP/1.1\r\n\r\n","count":2},
 {"src":"2001:db8:66::50","dst":"2001:db8:5::10","proto":"tcp","dport":80,"flags":"PA","ack":"random","payload":"POST /gate.php HTTP/1.1\r\n\r\n","count":3},
 {"src":"198.51.100.60","dst":"203.0.113.10","proto":"tcp","dport":80,"flags":"S","count":10},
 {"src":"198.51.100.61","dst":"203.0.113.10","proto":"tcp","dport":80,"flags":"S","count":10},
 {"src":"2001:db8:66::61","dst":"2001:db8:5::10","proto":"tcp","dport":80,"flags":"S","count":5},
 {"src":"198.51.100.70","dst":"203.0.113.30","proto":"udp","dport":16001,"payload":"HELLO","count":2}
]
PLAN
)
	expect_eq "$MODE: forged frames sent" "$sent" 36
}

# sums FEED: "src sid checkins checkins_verified verification" per record
# (one epoch holds everything: the tests drain once, at exit).
sums() {
	"$PY" - "$1" <<'PYEOF'
import json, sys
from collections import defaultdict
rows = defaultdict(lambda: [0, 0, set()])
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["sid"] in (None, 0):
        continue
    row = rows[(r["src_ip"], r["sid"])]
    row[0] += r["checkins"]; row[1] += r["checkins_verified"]; row[2].add(r["verification"])
for (src, sid), (c, v, how) in sorted(rows.items()):
    print(src, sid, c, v, ",".join(sorted(how)))
PYEOF
}

# check_feeds: the public feed shows everything as it was; the
# verified-only partner only what was proven, and the UDP hello.
check_feeds() {
	local feed
	feed=$(sums "$WORK/$MODE.jsonl" | tr '\n' ';')
	expect_eq "$MODE: feed (src sid checkins verified verification)" "$feed" \
"198.18.0.2 2000001 5 3 verified;\
198.18.0.3 2000001 1 1 verified;\
198.51.100.50 2000001 4 0 unverified;\
198.51.100.70 2000003 2 0 unverifiable;\
2001:db8:1::2 2000002 1 1 verified;\
2001:db8:66::50 2000002 3 0 unverified;"
	feed=$(sums "$WORK/partner-$MODE.jsonl" | tr '\n' ';')
	expect_eq "$MODE: verified-only partner" "$feed" \
"198.18.0.2 2000001 3 3 verified;\
198.18.0.3 2000001 1 1 verified;\
198.51.100.70 2000003 2 0 unverifiable;\
2001:db8:1::2 2000002 1 1 verified;"
	grep -q '"src_ip":"198.51.100.6' "$WORK/partner-$MODE.jsonl" &&
		fail "$MODE: a SYN flood source reached the verified-only partner"
	grep -q '"src_ip":"2001:db8:66::' "$WORK/partner-$MODE.jsonl" &&
		fail "$MODE: a forged IPv6 source reached the verified-only partner"
	return 0
}

run_mode() { # MODE DAEMON-ARGS...
	MODE=$1
	shift
	sed "s|$WORK/partner[^ ]*\.jsonl|$WORK/partner-$MODE.jsonl|" -i "$WORK/partners"
	start_daemon -r "$WORK/rules" --sinkhole "$SINKHOLE" --anon none --interval 60 \
		--feed "$WORK/$MODE.jsonl" --partners "$WORK/partners" "$@" || finish
}

# ---- pass verdict: the kernel's SYN cookies ----
lab_sink sysctl -qw net.ipv4.tcp_syncookies=1
# nsenter execs the listener: $! is its PID (lab_sink would be a subshell).
nsenter --net="/run/netns/$LAB_SINK" "$PY" "$WORK/server.py" >"$WORK/server.out" 2>&1 &
SERVER_PID=$!
EXTRA_CLEANUP='kill $SERVER_PID 2>/dev/null'
for _ in $(seq 50); do grep -q listening "$WORK/server.out" && break; sleep 0.1; done
run_mode pass
expect_eq "pass: net.ipv4.tcp_syncookies" "$(lab_sink sysctl -n net.ipv4.tcp_syncookies)" 2
grep -q "set net.ipv4.tcp_syncookies=2 (was 1)" "$WORK/daemon.err" && pass "pass: the daemon says it set the sysctl" ||
	fail "pass: no log line about net.ipv4.tcp_syncookies"
bots 200
forge
expect_eq "pass: verified check-ins (status)" "$(bucket verified)" 5
expect_eq "pass: failed cookie checks (the forged data)" "$(bucket cookie_failed)" 9
stop_daemon TERM
expect_eq "pass: daemon exit status" "$?" 0
check_feeds
kill $SERVER_PID 2>/dev/null
wait $SERVER_PID 2>/dev/null
EXTRA_CLEANUP=

# ---- drop verdict: the XDP responder, nothing listens ----
for respond in tcp http; do
	want=$([ $respond = tcp ] && echo reset || echo 200)
	run_mode "$respond" --verdict drop --respond "$respond"
	bots "$want"
	forge
	expect_eq "$respond: verified check-ins (status)" "$(bucket verified)" 5
	expect_eq "$respond: failed cookie checks (the forged data)" "$(bucket cookie_failed)" 9
	responses=$(bucket responses)
	# SYN-ACKs: 5 bots + 25 flood SYNs; 5 answers to the check-ins; forged
	# data gets nothing; http: RSTs to the bots' FINs after ours (5).
	expect_eq "$respond: frames answered" "$responses" "$([ $respond = tcp ] && echo 35 || echo 40)"
	stop_daemon TERM
	expect_eq "$respond: daemon exit status" "$?" 0
	check_feeds
done
# Generic (skb) XDP answers the same way.
MODE=skb
run_mode skb --verdict drop --respond http --xdp-mode skb
lab_sink "$BOTSINK" status --pin-dir "$PIN_DIR" | grep -q "verdict drop, responder http" &&
	pass "skb: botsink status shows the responder" || fail "skb: status does not show the responder"
expect_eq "skb: a bot's connection" "$(lab_bots "$PY" "$WORK/client.py" 198.18.0.2 203.0.113.10 1)" 200
expect_eq "skb: verified check-ins (status)" "$(bucket verified)" 1
stop_daemon TERM
if command -v curl >/dev/null; then
	MODE=curl
	run_mode curl --verdict drop --respond http
	out=$(lab_bots curl -s -o /dev/null -w '%{http_code}' --max-time 3 -d x http://203.0.113.10/gate.php)
	expect_eq "curl against the responder" "$out" 200
	stop_daemon TERM
	"$PY" -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print([(x["checkins"],x["checkins_verified"]) for x in r if x["sid"]==2000001])' \
		"$WORK/curl.jsonl" | grep -qx '\[(1, 1)\]' && pass "curl: one verified check-in" ||
		fail "curl: $(cat "$WORK/curl.jsonl")"
fi

# ---- configuration ----
MODE=usage
nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$WORK/rules" --respond tcp \
	--pin-dir "$PIN_DIR" --state-dir "$WORK/state" 2>"$WORK/usage.err"
expect_eq "--respond without --verdict drop: exit status" "$?" 2
grep -q "needs --verdict drop" "$WORK/usage.err" || fail "usage: $(cat "$WORK/usage.err")"

nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$WORK/rules" --verdict drop \
	--no-syncookies --pin-dir "$PIN_DIR" --state-dir "$WORK/state" 2>"$WORK/usage.err"
expect_eq "--no-syncookies with --verdict drop: exit status" "$?" 2

# Drop without the responder: nothing can be verified, and the log says so.
MODE=quiet
run_mode quiet --verdict drop
grep -q "no TCP check-in can be verified" "$WORK/daemon.err" &&
	pass "drop without --respond: the verified-only partner's warning" ||
	fail "drop without --respond: no warning about verified-only views"
stop_daemon TERM

# --no-syncookies leaves the sysctl alone.
lab_sink sysctl -qw net.ipv4.tcp_syncookies=1
run_mode keep --no-syncookies
expect_eq "--no-syncookies: net.ipv4.tcp_syncookies" "$(lab_sink sysctl -n net.ipv4.tcp_syncookies)" 1
stop_daemon TERM

# Where the sysctl cannot be written (read-only /proc/sys, as in many
# containers), the pass verdict refuses to start unverified.
unshare --mount --propagation private bash -c '
	mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys &&
	exec nsenter --net="/run/netns/$1" "$2" run -i sink0 -r "$3" --sinkhole "$4" \
		--pin-dir "$5" --state-dir "$6" --feed /dev/null' \
	- "$LAB_SINK" "$BOTSINK" "$WORK/rules" "$SINKHOLE" "$PIN_DIR" "$WORK/state" 2>"$WORK/ro.err"
expect_eq "read-only sysctl: exit status" "$?" 1
grep -q "cannot set net.ipv4.tcp_syncookies=2.*--no-syncookies" "$WORK/ro.err" &&
	pass "read-only sysctl: the error says why and what to do" || fail "read-only: $(cat "$WORK/ro.err")"
[ -e "$PIN_DIR/botsink_stats" ] && fail "read-only sysctl: pins left behind"
finish
