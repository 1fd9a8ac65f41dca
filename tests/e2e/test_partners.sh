#!/bin/bash
# Partner feeds: each partner's output holds exactly the records of sources
# in its scope (prefixes, overlapping, and an AS number from a test MMDB),
# in its format and anonymization; no output or log holds a raw address
# outside what it may show. Records are enriched (ASN, AS name, country).
# A bad partners file is refused (exit 2, file:line); SIGHUP reloads rules
# and partners together, or neither. Partners are verified-only unless they
# say otherwise: a source with no check-in left is withheld, also after a
# reload changes it; the lab completes no handshake, so nothing is verified.
. "$(dirname "$0")/lib.sh"

RULES="$WORK/lab.rules"
SINKHOLE=203.0.113.0/24,2001:db8:5::/48
KEY=00112233445566778899aabbccddeeff0f1e2d3c4b5a69788796a5b4c3d2e1f0
MMDB="$ROOT/tests/gen/make_mmdb.pl"

# Sources, and the partners whose scope holds each (see partners.ini).
declare -A SCOPE=(
	[198.18.10.5]="isp-a cert-c"
	[198.18.10.200]="isp-a isp-b cert-c"
	[198.18.20.7]="isp-b cert-c"
	[198.18.30.9]="cert-c"
	[2001:db8:a::5]="isp-a"
	[2001:db8:b::7]="isp-b"
	[2001:db8:d::9]="isp-d"
	[2001:db8:99::1]=""
)
PARTNERS="isp-a isp-b cert-c isp-d"
# Only SYN-ACKs (no check-in): withheld from verified-only views (isp-d's).
SYNACK_ONLY=2001:db8:d::a

cat "$ROOT/tests/e2e/lab.rules" >"$RULES"
cat >>"$RULES" <<'RULES'
alert dns any any -> 203.0.113.53 53 (msg:"Conficker DGA lookup"; dns.query; content:"dga-example.test"; sid:1000040; rev:1; metadata:malware_family conficker;)
RULES

# AS64501 holds 198.18.20.0/24 and 2001:db8:b::/48; countries for some.
perl "$MMDB" asn "$WORK/asn.mmdb" 198.18.10.0/24=64500:"Example A, Inc." \
	198.18.20.0/24=64501:"Example B" 2001:db8:b::/48=64501:"Example B" \
	2001:db8:a::/48=64500:"Example A, Inc." || fail "cannot build the ASN database"
perl "$MMDB" country "$WORK/geo.mmdb" 198.18.10.0/24=NL 198.18.20.0/24=DE \
	2001:db8:a::/48=NL || fail "cannot build the country database"

cat >"$WORK/partners.ini" <<EOF2
# Partners of the lab
[isp-a]
scope  = 198.18.10.0/24, 2001:db8:a::/48
anon   = none               # raw addresses of its own scope
format = shadowserver-csv
verified_only = no          # its SYN check-ins are counted below
output = $WORK/isp-a.csv

[isp-b]
scope  = 198.18.10.128/25, AS64501   ; overlaps isp-a
anon   = ipcrypt-pfx
format = intelmq
verified_only = off
output = $WORK/isp-b.jsonl

[cert-c]
scope  = 198.18.0.0/15
anon   = truncate
verified_only = false
output = $WORK/cert-c.jsonl

[isp-d]
scope  = 2001:db8:d::/48
anon   = ipcrypt-deterministic     # verified_only: yes by default
output = $WORK/isp-d.jsonl
EOF2

# Each source: a check-in SYN (twice) and a Sality hello; one DNS lookup.
dns_query_hex() {
	local name=$1 hex="12340100000100000000000" label
	hex+="0"
	for label in ${name//./ }; do
		hex+=$(printf '%02x' ${#label})$(printf '%s' "$label" | od -An -tx1 | tr -d ' \n')
	done
	echo "${hex}0000010001"
}

plan() {
	local p="[" s dst
	for s in "${!SCOPE[@]}"; do
		case $s in *:*) dst=2001:db8:5::10 ;; *) dst=203.0.113.10 ;; esac
		p+="{\"src\":\"$s\",\"dst\":\"$dst\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":2},"
		p+="{\"src\":\"$s\",\"dst\":\"$dst\",\"proto\":\"udp\",\"dport\":16001,\"count\":1},"
	done
	p+="{\"src\":\"$SYNACK_ONLY\",\"dst\":\"2001:db8:5::10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"SA\",\"count\":2},"
	p+="{\"src\":\"198.18.20.7\",\"dst\":\"203.0.113.53\",\"proto\":\"udp\",\"dport\":53,\"payload_hex\":\"$(dns_query_hex dga-example.test)\",\"count\":1}"
	echo "$p]"
}

run_args=(-r "$RULES" --sinkhole "$SINKHOLE" --interval 0.2 --key "$WORK/key"
	--mmdb-asn "$WORK/asn.mmdb" --mmdb-geo "$WORK/geo.mmdb" --partners "$WORK/partners.ini"
	--feed "$WORK/feed.jsonl")

lab_up "bpa$$"
printf '%s\n' "$KEY" >"$WORK/key"
chmod 600 "$WORK/key"

start_daemon -v "${run_args[@]}" || finish
plan | send_plan >/dev/null
sleep 0.5
stop_daemon TERM
expect_eq "daemon exit status" "$?" 0

# Everything is checked by one script: exact records per output.
"$PY" - "$WORK" "$KEY" "$ROOT" "$SYNACK_ONLY" <<'PYEOF' || fail "partner outputs (see above)"
import csv, ipaddress, json, os, sys, subprocess
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

work, key = sys.argv[1], sys.argv[2]
root, synack_only = sys.argv[3], sys.argv[4]
bad = []

def check(what, got, want):
    if got != want:
        bad.append(f"{what}: got {got!r}, expected {want!r}")

scope = {
    "198.18.10.5": {"isp-a", "cert-c"}, "198.18.10.200": {"isp-a", "isp-b", "cert-c"},
    "198.18.20.7": {"isp-b", "cert-c"}, "198.18.30.9": {"cert-c"},
    "2001:db8:a::5": {"isp-a"}, "2001:db8:b::7": {"isp-b"}, "2001:db8:d::9": {"isp-d"},
    "2001:db8:99::1": set(),
}
asn = {"198.18.10.5": (64500, "Example A, Inc."), "198.18.10.200": (64500, "Example A, Inc."),
       "198.18.20.7": (64501, "Example B"), "2001:db8:b::7": (64501, "Example B"),
       "2001:db8:a::5": (64500, "Example A, Inc.")}
geo = {"198.18.10.5": "NL", "198.18.10.200": "NL", "198.18.20.7": "DE", "2001:db8:a::5": "NL"}

def pfx(addr):
    out = subprocess.run([sys.executable, os.path.join(root, "tests/e2e/ipcrypt_pfx_ref.py"), key, addr],
                         capture_output=True, text=True, check=True).stdout.split()
    return out[0]

def det(addr, keyhex):
    a = ipaddress.ip_address(addr)
    b = (ipaddress.IPv6Address("::ffff:" + addr) if a.version == 4 else a).packed
    enc = Cipher(algorithms.AES(bytes.fromhex(keyhex)), modes.ECB()).encryptor()
    return str(ipaddress.IPv6Address(enc.update(b) + enc.finalize()))

def trunc(addr):
    a = ipaddress.ip_address(addr)
    return str(ipaddress.ip_network(f"{addr}/{24 if a.version == 4 else 48}", strict=False).network_address)

# The public feed: every source, enriched, pseudonyms of the --key.
feed = [json.loads(l) for l in open(f"{work}/feed.jsonl")]
by_src = {}
for r in feed:
    by_src.setdefault(r["src_ip"], []).append(r)
for s in scope:
    rs = by_src.get(pfx(s), [])
    check(f"feed: records of {s}", sorted(r["sid"] for r in rs),
          sorted([1000001 if ":" not in s else 1000002, 1000020 if ":" not in s else 1000021]
                 + ([1000040] if s == "198.18.20.7" else [])))
    for r in rs:
        check(f"feed: src_asn of {s}", (r["src_asn"], r["src_as_name"]), asn.get(s, (None, None)))
        check(f"feed: src_geo of {s}", r["src_geo"], geo.get(s))
        check(f"feed: anon_key_id of {s}", bool(r["anon_key_id"]), True)

# No handshake in the lab: nothing verified; TCP says unverified, the rest unverifiable.
def expect_unverified(what, proto, verified, verification):
    check(f"{what}: checkins_verified", verified, 0)
    check(f"{what}: verification", verification, "unverified" if proto == "tcp" else "unverifiable")

for r in feed:
    expect_unverified(f"feed: {r['src_ip']}", r["protocol"], r["checkins_verified"], r["verification"])
# Not verified-only: the source without check-ins is there.
check(f"feed: {synack_only} (SYN-ACKs only)",
      {(r["checkins"], r["protocol"]) for r in by_src.get(pfx(synack_only), [])}, {(0, "tcp")})

def expect_sources(name, got):
    want = sorted(s for s, p in scope.items() if name in p)
    check(f"{name}: sources", sorted(got), want)

# isp-a: Shadowserver CSV, raw addresses of its scope.
rows = list(csv.DictReader(open(f"{work}/isp-a.csv", newline="")))
check("isp-a: first columns", list(rows[0].keys())[:4] if rows else None,
      ["timestamp", "protocol", "src_ip", "src_port"])
expect_sources("isp-a", {r["src_ip"] for r in rows})
counts = {}
for r in rows:
    k = (r["src_ip"], r["protocol"])
    counts[k] = counts.get(k, 0) + int(r["count"])
    check(f"isp-a: src_asn of {r['src_ip']}", r["src_asn"], str(asn[r["src_ip"]][0]))
    check(f"isp-a: src_geo of {r['src_ip']}", r["src_geo"], geo.get(r["src_ip"], ""))
    expect_unverified(f"isp-a: {r['src_ip']}", r["protocol"], int(r["checkins_verified"]), r["verification"])
check("isp-a: check-ins per source and protocol", counts,
      {(s, p): 2 if p == "tcp" else 1 for s in scope if "isp-a" in scope[s] for p in ("tcp", "udp")})

# isp-b: IntelMQ, pseudonyms; never source.ip; the DNS lookup is not an infection.
events = [json.loads(l) for l in open(f"{work}/isp-b.jsonl")]
rev = {pfx(s): s for s in scope}
expect_sources("isp-b", {rev.get(e["extra.source_pseudonym"], "?") for e in events})
for e in events:
    s = rev.get(e.get("extra.source_pseudonym"), "?")
    check(f"isp-b: source.ip absent for {s}", "source.ip" in e, False)
    check(f"isp-b: source.network of {s}", e.get("source.network"),
          f"{trunc(s)}/{24 if ':' not in s else 48}")
    check(f"isp-b: source.asn of {s}", e.get("source.asn"), asn.get(s, (None,))[0])
    dns = e.get("extra.dns_qtype") is not None
    check(f"isp-b: classification.type of {s} (dns {dns})",
          e["classification.type"] == "infected-system", not dns)
    check(f"isp-b: no null in {s}", any(v is None for v in e.values()), False)
    expect_unverified(f"isp-b: {s}", e["protocol.transport"], e["extra.checkins_verified"], e["extra.verification"])
check("isp-b: (source, sid) pairs", len({(e["extra.source_pseudonym"], e["extra.sid"]) for e in events}), 3 * 2 + 1)

# cert-c: truncated addresses only.
recs = [json.loads(l) for l in open(f"{work}/cert-c.jsonl")]
check("cert-c: sources", sorted({r["src_ip"] for r in recs}), sorted({"198.18.10.0", "198.18.20.0", "198.18.30.0"}))
check("cert-c: packets", sum(r["packets"] for r in recs), 4 * 3 + 1)

# isp-d: ipcrypt-deterministic with the generated key.
keydir = f"{work}/state/keys"
dk = [f for f in os.listdir(keydir) if f.startswith("ipcrypt-deterministic-")]
check("isp-d: one deterministic key", len(dk), 1)
if dk:
    mode, hexkey = open(os.path.join(keydir, dk[0])).read().split()
    recs = [json.loads(l) for l in open(f"{work}/isp-d.jsonl")]
    check("isp-d: sources", sorted({r["src_ip"] for r in recs}), [det("2001:db8:d::9", hexkey)])
    check("isp-d: anon_mode", {r["anon_mode"] for r in recs}, {"ipcrypt-deterministic"})
    # Verified-only: the SYN-ACKs' source is withheld, and no record is left without check-ins.
    check(f"isp-d: {synack_only} withheld", det(synack_only, hexkey) in {r["src_ip"] for r in recs}, False)
    check("isp-d: records without check-ins", [r for r in recs if not r["checkins"]], [])

for b in bad:
    print("  FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF

# No raw address outside what each output may show: isp-a its own scope.
for f in feed.jsonl isp-b.jsonl cert-c.jsonl isp-d.jsonl isp-a.csv daemon.err; do
	leaked=
	for s in "${!SCOPE[@]}"; do
		[ "$f" == isp-a.csv ] && [[ " ${SCOPE[$s]} " == *" isp-a "* ]] && continue
		grep -qwF "$s" "$WORK/$f" && leaked+=" $s"
	done
	[ -z "$leaked" ] && pass "no raw address $f may not hold" || fail "raw addresses in $f:$leaked"
done

# A bad partners file: file:line: reason, exit 2, nothing started.
refused() { # WHAT FILE EXPECTED-MESSAGE [ARGS...]
	local what=$1 file=$2 msg=$3
	shift 3
	nsenter --net="/run/netns/$LAB_SINK" "$BOTSINK" run -i sink0 -r "$RULES" \
		--sinkhole "$SINKHOLE" --pin-dir "$PIN_DIR" --state-dir "$WORK/state" \
		--feed "$WORK/x.jsonl" --partners "$file" "$@" 2>"$WORK/err.txt"
	expect_eq "$what: exit status" "$?" 2
	grep -qF "$msg" "$WORK/err.txt" && pass "$what: says $msg" ||
		fail "$what: $(cat "$WORK/err.txt")"
	[ -e "$PIN_DIR/botsink_stats" ] && fail "$what: a refused start left pins"
}
printf '[isp-x]\nscope = 198.18.10.0/24\nformat = xml\noutput = %s/x.csv\n' "$WORK" >"$WORK/bad.ini"
refused "unknown format" "$WORK/bad.ini" "$WORK/bad.ini:3:"
printf '[isp-y]\nscope = AS64500\noutput = %s/y.csv\n' "$WORK" >"$WORK/asn.ini"
refused "AS scope without --mmdb-asn" "$WORK/asn.ini" "$WORK/asn.ini:2:"

# SIGHUP: rules and partners together, or neither.
cp "$WORK/partners.ini" "$WORK/live.ini"
cp "$RULES" "$WORK/live.rules"
: >"$WORK/daemon.err"
start_daemon -r "$WORK/live.rules" --sinkhole "$SINKHOLE" --interval 0.2 --key "$WORK/key" \
	--mmdb-asn "$WORK/asn.mmdb" --partners "$WORK/live.ini" --feed "$WORK/feed2.jsonl" \
	--verified-only || finish
one_checkin() { # SRC
	echo "[{\"src\":\"$1\",\"dst\":\"203.0.113.10\",\"proto\":\"udp\",\"dport\":16002,\"count\":1}]" |
		send_plan >/dev/null
	sleep 0.5
}
hup() { # wait for the reload's outcome in the log
	local n
	n=$(grep -c "reloaded\|keeping the running" "$WORK/daemon.err")
	kill -HUP "$DAEMON_PID"
	for _ in $(seq 50); do
		[ "$(grep -c "reloaded\|keeping the running" "$WORK/daemon.err")" -gt "$n" ] && return
		sleep 0.1
	done
	fail "no answer to SIGHUP"
}
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
# New partners (cert-c gone, isp-e for 198.18.30.0/24) with broken rules: neither.
printf '[isp-e]\nscope = 198.18.30.0/24\nanon = none\noutput = %s/isp-e.jsonl\n' "$WORK" >"$WORK/live.ini"
echo 'alert tcp any any -> 203.0.113.10 80 (msg:"broken"; sid:1;' >>"$WORK/live.rules"
c0=$(lines "$WORK/cert-c.jsonl")
hup
one_checkin 198.18.30.9
expect_eq "bad rules: cert-c still gets 198.18.30.9" "$(($(lines "$WORK/cert-c.jsonl") - c0))" 1
expect_eq "bad rules: no isp-e yet" "$(lines "$WORK/isp-e.jsonl")" 0
# Good rules, broken partners: neither.
cp "$RULES" "$WORK/live.rules"
printf '[isp-e]\nscope = 198.18.30.0/24\nanon = sometimes\noutput = %s/isp-e.jsonl\n' "$WORK" >"$WORK/live.ini"
hup
grep -q "live.ini:3:" "$WORK/daemon.err" && pass "the reload names live.ini:3" || fail "no file:line for the partners"
one_checkin 198.18.30.9
expect_eq "bad partners: cert-c still gets 198.18.30.9" "$(($(lines "$WORK/cert-c.jsonl") - c0))" 2
# Both good: both new.
printf '[isp-e]\nscope = 198.18.30.0/24\nanon = none\noutput = %s/isp-e.jsonl\n' "$WORK" >"$WORK/live.ini"
hup
one_checkin 198.18.30.9
expect_eq "reloaded: cert-c gets nothing more" "$(($(lines "$WORK/cert-c.jsonl") - c0))" 2
expect_eq "reloaded: isp-e gets 198.18.30.9" \
	"$("$PY" -c 'import json,sys; print(" ".join(json.loads(l)["src_ip"] for l in open(sys.argv[1])))' "$WORK/isp-e.jsonl")" \
	198.18.30.9
# A reload that changes verified_only: the same output (name, file and
# format) goes on, with the new setting. SYN-ACKs are no check-in.
synack() { # SRC
	echo "[{\"src\":\"$1\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"SA\",\"count\":1}]" |
		send_plan >/dev/null
	sleep 0.5
}
e0=$(lines "$WORK/isp-e.jsonl")
synack 198.18.30.9
expect_eq "isp-e, verified-only by default: no record without check-ins" \
	"$(($(lines "$WORK/isp-e.jsonl") - e0))" 0
printf '[isp-e]\nscope = 198.18.30.0/24\nanon = none\nverified_only = no\noutput = %s/isp-e.jsonl\n' \
	"$WORK" >"$WORK/live.ini"
hup
synack 198.18.30.9
expect_eq "isp-e reloaded with verified_only = no: the SYN-ACKs' record" \
	"$("$PY" -c 'import json,sys; print([(r["src_ip"], r["checkins"], r["packets"]) for r in map(json.loads, open(sys.argv[1]))][-1])' "$WORK/isp-e.jsonl")" \
	"('198.18.30.9', 0, 1)"
# --verified-only: the public feed has the check-ins, without the SYN-ACKs' records.
expect_eq "--verified-only feed: records with check-ins, and without" \
	"$("$PY" -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(sum(x["checkins"] > 0 for x in r) > 0, sum(x["checkins"] == 0 for x in r))' "$WORK/feed2.jsonl")" \
	"True 0"
stop_daemon TERM
expect_eq "daemon exit status after reloads" "$?" 0
finish
