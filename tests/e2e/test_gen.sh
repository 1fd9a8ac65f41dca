#!/bin/bash
# The lab's traffic generator (tests/gen/botsink-gen), which test_load and
# make bench count on: the frames it says it sent are the frames that
# arrived, in order and well formed (every checksum; source first + n % K;
# each source's SYNs numbered 1, 2, ...), TCP and UDP over IPv4 and IPv6,
# through AF_PACKET and, where the kernel allows them, live frames. At a
# given rate it never runs ahead; interrupted, it says what it sent. On a
# kernel that refuses BPF_PROG_TEST_RUN (no_test_run.py), --mode auto falls
# back to AF_PACKET and says so, and --mode live fails saying why.
. "$(dirname "$0")/lib.sh"

GEN="$ROOT/${BUILD:-build}/tests/botsink-gen"
NO_TEST_RUN="$ROOT/tests/e2e/no_test_run.py"
"$PY" -c 'import seccomp' 2>/dev/null || { echo "test_gen: python3-seccomp is missing (scripts/setup.sh installs it)" >&2; exit 1; }
TD_PID=
EXTRA_CLEANUP='[ -n "$TD_PID" ] && kill -INT $TD_PID 2>/dev/null && wait $TD_PID'

lab_up "bsg$$"
[ -x "$GEN" ] || { fail "no generator at $GEN (make $GEN)"; finish; }
# Frames sent with XDP_TX (live frames) reach a veth that has NAPI: GRO on.
lab_sink ethtool -K sink0 gro on >/dev/null
BOTS_MAC=$(lab_bots ip -br link show bots0 | awk '{print $3}')

# capture NAME N [WRAPPER...] -- GEN-ARGS...: the generator (under WRAPPER)
# while tcpdump captures the N frames sink0 should receive; the generator's
# stdout, stderr and exit status in $WORK/NAME.{out,err,rc}, the frames in
# NAME.pcap. sink0's RX counter must move by N too (no frame more).
capture() {
	local name=$1 n=$2 wrap=() rx0 rx1
	shift 2
	while [ "$1" != -- ]; do wrap+=("$1"); shift; done
	shift
	read -r rx0 _ <<<"$(lab_link_stats)"
	# Short slots in a large buffer: immediate mode gives each frame a slot
	# of the snap length, and a default ring holds only a few dozen.
	nsenter --net="/run/netns/$LAB_SINK" tcpdump --immediate-mode -s 256 -B 16384 -Z root -Q in \
		-i sink0 -c "$((n > 0 ? n : 1))" -w "$WORK/$name.pcap" 2>"$WORK/$name.td" &
	TD_PID=$!
	for _ in $(seq 100); do grep -q listening "$WORK/$name.td" && break; sleep 0.05; done
	nsenter --net="/run/netns/$LAB_BOTS" "${wrap[@]}" "$GEN" -i bots0 --dst-mac "$LAB_SINK_MAC" "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err"
	echo $? >"$WORK/$name.rc"
	# tcpdump stops by itself after N frames; if fewer came, after 5 s
	# (0.5 s when none should).
	for _ in $(seq $((n > 0 ? 50 : 5))); do kill -0 $TD_PID 2>/dev/null || break; sleep 0.1; done
	kill -INT $TD_PID 2>/dev/null
	wait $TD_PID
	TD_PID=
	grep -q "^0 packets dropped by kernel" "$WORK/$name.td" ||
		fail "$name: the capture lost frames: $(cat "$WORK/$name.td")"
	read -r rx1 _ <<<"$(lab_link_stats)"
	expect_eq "$name: sink0 received" $((rx1 - rx0)) "$n"
}

# frames NAME SRC DST PROTO DPORT K N: every frame captured, checked against
# what frame n must be; prints "N frames as sent" or what differs.
frames() {
	"$PY" - "$WORK/$1.pcap" "$LAB_SINK_MAC" "$BOTS_MAC" "${@:2}" <<'PYEOF' 2>&1
import ipaddress, sys
from scapy.all import Ether, IP, IPv6, TCP, UDP, rdpcap
path, dmac, smac, src, dst, proto, dport, k, n = sys.argv[1:]
dport, k, n = int(dport), int(k), int(n)
first = ipaddress.ip_address(src)
frames = rdpcap(path)
bad = []
for i, p in enumerate(frames):
    ip = p[IPv6] if first.version == 6 else p[IP]
    l4 = p[TCP] if proto == "tcp" else p[UDP]
    want_src = str(first + i % k)
    if (p.dst, p.src) != (dmac, smac) or ip.src != want_src or ip.dst != dst or l4.dport != dport:
        bad.append(f"frame {i}: {p.summary()}, source {ip.src} (want {want_src})")
    if proto == "tcp" and (str(l4.flags) != "S" or l4.seq != i // k + 1):
        bad.append(f"frame {i}: flags {l4.flags}, seq {l4.seq} (want S, {i // k + 1})")
    if proto == "udp" and len(l4.payload) != 32:
        bad.append(f"frame {i}: {len(l4.payload)} bytes of payload")
    # Every checksum as the receiving stack computes it.
    sums = [(l4, l4.chksum)] + ([(ip, ip.chksum)] if first.version == 4 else [])
    again = Ether(bytes(p))
    for layer, got in sums:
        name = type(layer).__name__
        del again[name].chksum
    again = Ether(bytes(again))
    for layer, got in sums:
        name = type(layer).__name__
        if again[name].chksum != got:
            bad.append(f"frame {i}: {name} checksum {got:#06x}, want {again[name].chksum:#06x}")
if len(frames) != n:
    bad.append(f"{len(frames)} frames captured")
print("; ".join(bad[:3]) if bad else f"{n} frames as sent")
PYEOF
}

# sent NAME: the frame count the generator printed.
sent() { awk '{ print $1 }' "$WORK/$1.out"; }

# ---- every kind of frame, through AF_PACKET ----
# 7 sources that cross a 16-bit word of the address (carries in the
# checksums), 200 frames (not a multiple of 7).
for kind in tcp4 udp4 tcp6 udp6; do
	case $kind in
	*4) src=198.18.255.252 dst=203.0.113.10 ;;
	*6) src=2001:db8:99::1:fffc dst=2001:db8:5::10 ;;
	esac
	proto=${kind%?}
	dport=$([ "$proto" = tcp ] && echo 80 || echo 16001)
	capture "$kind" 200 -- --mode af_packet --src $src --dst $dst --dport $dport --sources 7 -n 200 \
		$([ "$proto" = udp ] && echo --udp)
	expect_eq "$kind: exit status" "$(cat "$WORK/$kind.rc")" 0
	expect_eq "$kind: the generator says" "$(sent "$kind")" 200
	expect_eq "$kind: frames" "$(frames "$kind" $src $dst "$proto" $dport 7 200)" "200 frames as sent"
done
grep -q "mode af_packet, 0 retries$" "$WORK/tcp4.out" && pass "the line names the mode" ||
	fail "tcp4: $(cat "$WORK/tcp4.out")"

# ---- auto: live frames where the kernel has them, else AF_PACKET ----
capture auto 100 -- --src 198.18.16.1 --dst 203.0.113.10 --dport 80 --sources 5 -n 100
expect_eq "auto: exit status" "$(cat "$WORK/auto.rc")" 0
expect_eq "auto: frames" "$(frames auto 198.18.16.1 203.0.113.10 tcp 80 5 100)" "100 frames as sent"
if grep -q "mode live" "$WORK/auto.out"; then
	pass "auto: this kernel has live frames"
	capture live-udp4 200 -- --mode live --udp --src 198.18.255.252 --dst 203.0.113.10 --dport 16001 \
		--sources 7 -n 200
	expect_eq "live udp4: frames" "$(frames live-udp4 198.18.255.252 203.0.113.10 udp 16001 7 200)" \
		"200 frames as sent"
	capture live-tcp6 200 -- --mode live --src 2001:db8:99::1:fffc --dst 2001:db8:5::10 --dport 80 \
		--sources 7 -n 200
	expect_eq "live tcp6: frames" "$(frames live-tcp6 2001:db8:99::1:fffc 2001:db8:5::10 tcp 80 7 200)" \
		"200 frames as sent"
else
	grep -q "no live frames here (BPF_PROG_TEST_RUN: .*): sending with AF_PACKET" "$WORK/auto.err" &&
		pass "auto: no live frames on this kernel, and it says so: $(cat "$WORK/auto.err")" ||
		fail "auto: $(cat "$WORK/auto.out" "$WORK/auto.err")"
fi

# ---- a kernel that refuses BPF_PROG_TEST_RUN ----
capture refused 50 "$NO_TEST_RUN" -- --src 2001:db8:99::1 --dst 2001:db8:5::10 --dport 16001 --udp \
	--sources 3 -n 50
expect_eq "refused: exit status" "$(cat "$WORK/refused.rc")" 0
grep -q "^50 frames .*, mode af_packet" "$WORK/refused.out" && pass "refused: sent with AF_PACKET" ||
	fail "refused: $(cat "$WORK/refused.out")"
expect_eq "refused: what it says" "$(cat "$WORK/refused.err")" \
	"botsink-gen: no live frames here (BPF_PROG_TEST_RUN: Operation not permitted): sending with AF_PACKET"
expect_eq "refused: frames" "$(frames refused 2001:db8:99::1 2001:db8:5::10 udp 16001 3 50)" \
	"50 frames as sent"
capture refused-live 0 "$NO_TEST_RUN" -- --mode live --src 198.18.16.1 --dst 203.0.113.10 --dport 80 -n 5
expect_eq "refused, --mode live: exit status" "$(cat "$WORK/refused-live.rc")" 1
expect_eq "refused, --mode live: what it says" "$(cat "$WORK/refused-live.err")" \
	"botsink-gen: live: BPF_PROG_TEST_RUN: Operation not permitted"
expect_eq "refused, --mode live: frames" "$(sent refused-live)" 0

# ---- at a rate ----
# 10,000 frames at 20,000/s: the last batch is due after 0.4999 s.
read -r rx0 _ <<<"$(lab_link_stats)"
lab_bots "$GEN" -i bots0 --dst-mac "$LAB_SINK_MAC" --src 198.18.16.1 --dst 203.0.113.10 \
	--dport 80 --sources 100 -n 10000 --rate 20000 --mode af_packet >"$WORK/rate.out" ||
	fail "--rate: $(cat "$WORK/rate.out")"
lab_wait_rx $((rx0 + 10000))
read -r rx1 _ <<<"$(lab_link_stats)"
secs=$(awk '{ print $7 }' "$WORK/rate.out")
awk -v s="$secs" 'BEGIN { exit !(s >= 0.499 && s < 2) }' && pass "--rate 20000: 10,000 frames in $secs s" ||
	fail "--rate 20000: $(cat "$WORK/rate.out")"
expect_eq "--rate: sink0 received" $((rx1 - rx0)) 10000

# ---- interrupted: it says what it sent, exactly ----
read -r rx0 _ <<<"$(lab_link_stats)"
nsenter --net="/run/netns/$LAB_BOTS" "$GEN" -i bots0 --dst-mac "$LAB_SINK_MAC" --src 198.18.16.1 \
	--dst 203.0.113.10 --dport 80 -n 100000 --rate 5000 --mode af_packet \
	>"$WORK/int.out" 2>"$WORK/int.err" &
pid=$!
lab_wait_rx $((rx0 + 500)) # sending, so past installing its handler
kill -INT $pid
wait $pid
expect_eq "interrupted: exit status" "$?" 1
n=$(sent int)
[ "$n" -ge 500 ] && [ "$n" -lt 100000 ] && pass "interrupted after $n frames" || fail "interrupted: $(cat "$WORK/int.out")"
lab_wait_rx $((rx0 + n))
read -r rx1 _ <<<"$(lab_link_stats)"
expect_eq "interrupted: sink0 received what it says it sent" $((rx1 - rx0)) "$n"
expect_eq "interrupted: what it says" "$(cat "$WORK/int.err")" "botsink-gen: interrupted"

# ---- usage ----
usage() { # EXPECTED-STATUS MESSAGE ARGS...
	local want=$1 msg=$2
	shift 2
	lab_bots "$GEN" "$@" >"$WORK/usage.out" 2>"$WORK/usage.err"
	expect_eq "usage: $*: exit status" "$?" "$want"
	grep -q -- "$msg" "$WORK/usage.out" "$WORK/usage.err" || fail "usage: $*: $(cat "$WORK/usage.err")"
}
base=(-i bots0 --dst-mac "$LAB_SINK_MAC" --dport 80 -n 1)
usage 0 "--rate PPS" --help
usage 2 "are required" -i bots0
usage 2 "bad mode 'fast'" "${base[@]}" --src 198.18.16.1 --dst 203.0.113.10 --mode fast
usage 2 "not the family of --src" "${base[@]}" --src 198.18.16.1 --dst 2001:db8:5::10
usage 2 "run past the end" "${base[@]}" --src 255.255.255.250 --dst 203.0.113.10 --sources 10
usage 2 "bad frame count '0'" -i bots0 --dst-mac "$LAB_SINK_MAC" --dport 80 -n 0 --src 198.18.16.1 \
	--dst 203.0.113.10
usage 2 "bad port '65536'" "${base[@]}" --src 198.18.16.1 --dst 203.0.113.10 --dport 65536
usage 2 "no interface nope0" -i nope0 --dst-mac "$LAB_SINK_MAC" --src 198.18.16.1 --dst 203.0.113.10 \
	--dport 80 -n 1

# ---- a device that takes nothing: the generator gives up, and says why ----
lab_sink ip link set sink0 down
lab_bots "$GEN" -i bots0 --dst-mac "$LAB_SINK_MAC" --src 198.18.16.1 --dst 203.0.113.10 --dport 80 \
	-n 10 --mode af_packet >"$WORK/down.out" 2>"$WORK/down.err"
expect_eq "peer down: exit status" "$?" 1
expect_eq "peer down: frames sent" "$(sent down)" 0
grep -q "the device took no frame for a second (is its link down?)" "$WORK/down.err" &&
	pass "peer down: it says why" || fail "peer down: $(cat "$WORK/down.err")"
finish
