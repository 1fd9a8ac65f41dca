#!/bin/bash
# The verdict for sinkhole traffic, seen by a real TCP client in the bots
# namespace: with pass the sinkhole's kernel answers (connection refused);
# with drop nothing answers (timeout) but the SYN is counted. Traffic that
# is not for the sinkhole (ARP, ping, TCP to the link address) always passes.
. "$(dirname "$0")/lib.sh"

lab_up "bsv$$"
lab_bots ip route add 203.0.113.0/24 via "$LAB_LINK_SINK"

# connect ADDR PORT: "refused", "timeout" or "connected", within 0.5 s
# (before the first SYN retransmission, so exactly one SYN is sent).
connect() {
	lab_bots "$PY" - "$1" "$2" <<'PYEOF'
import socket, sys
s = socket.socket()
s.settimeout(0.5)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("connected")
except ConnectionRefusedError:
    print("refused")
except (socket.timeout, TimeoutError):
    print("timeout")
PYEOF
}

for verdict in pass drop; do
	start_daemon -r "$ROOT/tests/e2e/lab.rules" --sinkhole 203.0.113.0/24,2001:db8:5::/48 --anon none \
		--verdict "$verdict" --interval 0.2 --feed "$WORK/$verdict.jsonl" || finish
	want=$([ $verdict = pass ] && echo refused || echo timeout)
	expect_eq "$verdict: TCP to the sinkhole" "$(connect 203.0.113.10 80)" "$want"
	expect_eq "$verdict: TCP to the link address" "$(connect "$LAB_LINK_SINK" 80)" refused
	lab_bots ping -c 1 -W 1 "$LAB_LINK_SINK" >/dev/null && pass "$verdict: ping (ARP, ICMP) passes" ||
		fail "$verdict: ping to $LAB_LINK_SINK failed"
	stop_daemon TERM
	expect_eq "$verdict: daemon exit status" "$?" 0
	expect_eq "$verdict: the SYN is counted" "$(feed_sums "$WORK/$verdict.jsonl" | tr '\n' ';')" \
		"$LAB_LINK_BOTS 1000001 1 74 1;"
done

# A management address taken out of the sinkhole space: never counted,
# never dropped, while the rest of the prefix is.
start_daemon -r "$ROOT/tests/e2e/lab.rules" --sinkhole '203.0.113.0/24,!203.0.113.250,2001:db8:5::/48' \
	--anon none --verdict drop --interval 0.2 --feed "$WORK/hole.jsonl" || finish
expect_eq "excluded address: TCP" "$(connect 203.0.113.250 23)" refused
expect_eq "the rest of the prefix: TCP" "$(connect 203.0.113.11 23)" timeout
stop_daemon TERM
expect_eq "hole: daemon exit status" "$?" 0
expect_eq "hole: only the sinkhole address is counted" \
	"$(feed_sums "$WORK/hole.jsonl" | tr '\n' ';')" "$LAB_LINK_BOTS 1000030 1 74 1;"
finish
