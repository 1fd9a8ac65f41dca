#!/bin/bash
# Evidence: what each bot sent in its first check-in, in the records. Real
# clients from the bots namespace (curl over IPv4 and IPv6, dig), a real
# listener in the sink namespace that keeps the bytes it received. Every
# format (jsonl, shadowserver-csv, shadowserver-http-csv, intelmq) at every
# evidence level (none, host, path, full) must show exactly what was sent
# and no more: no query string at path, and in an anonymized view no raw
# source address (a Host that is the bot's address is anonymized as the
# source is; a URL or payload that holds it, or a payload naming a client
# in X-Forwarded-For, is left out).
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || { echo "$TEST_NAME: skipped (no curl)"; exit 0; }
command -v dig >/dev/null || { echo "$TEST_NAME: skipped (no dig)"; exit 0; }

SINKHOLE=203.0.113.0/24,2001:db8:5::/48
lab_up "bev$$"
lab_bots sysctl -qw net.ipv6.conf.bots0.disable_ipv6=0
lab_bots ip addr add 2001:db8:1::2/64 dev bots0 nodad
for a in 3 4 5; do lab_bots ip addr add "198.18.0.$a/24" dev bots0; done
lab_sink ip addr add 2001:db8:1::1/64 dev sink0 nodad
lab_bots ip route add 203.0.113.0/24 via "$LAB_LINK_SINK"
lab_bots ip -6 route add 2001:db8:5::/48 via 2001:db8:1::1

cat >"$WORK/rules" <<'RULES'
alert tcp any any -> 203.0.113.10 80 (msg:"Gate check-in"; content:"/gate.php"; http_uri; sid:3000001; metadata:malware_family testbot;)
alert tcp any any -> 2001:db8:5::10 80 (msg:"Gate check-in (IPv6)"; content:"/gate.php"; http_uri; sid:3000002; metadata:malware_family testbot;)
alert dns any any -> 203.0.113.53 53 (msg:"DGA lookup"; dns.query; content:"dga-example.test"; sid:3000003; metadata:malware_family testdga;)
RULES

# A view per format and level; dflt says no evidence: partners get path.
{
	while read -r name anon level format; do
		printf '[%s]\nscope = 0.0.0.0/0, ::/0\nanon = %s\nformat = %s\n' "$name" "$anon" "$format"
		printf 'verified_only = no\noutput = %s\n' "$WORK/$name.out"
		[ "$level" = - ] || printf 'evidence = %s\n' "$level"
	done <<'VIEWS'
raw_full none full jsonl
raw_host none host shadowserver-csv
raw_path none path shadowserver-http-csv
raw_intelmq none full intelmq
anon_full ipcrypt-pfx full jsonl
anon_intelmq ipcrypt-pfx full intelmq
dflt none - jsonl
VIEWS
} >"$WORK/partners"

# The listener keeps what each connection and datagram brought (tests/e2e/evidence_listener.py).
nsenter --net="/run/netns/$LAB_SINK" "$PY" "$ROOT/tests/e2e/evidence_listener.py" "$WORK/received" >"$WORK/server.out" 2>&1 &
SERVER_PID=$!
EXTRA_CLEANUP='kill $SERVER_PID 2>/dev/null'
for _ in $(seq 50); do grep -q listening "$WORK/server.out" && break; sleep 0.1; done

start_daemon -r "$WORK/rules" --sinkhole "$SINKHOLE" --anon none --interval 60 \
	--feed "$WORK/public.out" --partners "$WORK/partners" || finish

UA='Mozilla/5.0 (Windows NT 6.1; "bot", v2) PC-1234 '"$(printf 'X%.0s' $(seq 150))"
bot_curl() { # SRC PORT CURL-ARGS...
	local src=$1 port=$2
	shift 2
	lab_bots curl -s -o /dev/null -w '%{http_code}' --max-time 3 --interface "$src" \
		--local-port "$port" "$@"
}
out=$(bot_curl 198.18.0.2 41001 -A "$UA" -e 'http://ref.example/r?s=1#top' \
	-H 'Host: c2.example.net:8080' -d 'id=PC-1234' \
	'http://203.0.113.10/gate.php?id=PC-1234&user=alice')
out+=" $(bot_curl 198.18.0.3 41002 -A 'bot/3' -H 'Host: 198.18.0.3' \
	'http://203.0.113.10/gate.php?ip=198.18.0.3')"
out+=" $(bot_curl 198.18.0.4 41003 -A 'bot/4' -H 'X-Forwarded-For: 10.9.8.7' -d 'x=1' \
	'http://203.0.113.10/gate.php?n=4')"
out+=" $(bot_curl 2001:db8:1::2 41004 -g -A 'bot/6' 'http://[2001:db8:5::10]/gate.php?v=6')"
expect_eq "what the bots' connections got" "$out" "200 200 200 200"
lab_bots dig -b 198.18.0.5#41005 @203.0.113.53 +tries=1 +time=1 x1.dga-example.test TXT \
	>/dev/null 2>&1
for _ in $(seq 50); do [ "$(grep -c '^tcp' "$WORK/received" 2>/dev/null)" = 4 ] && break; sleep 0.1; done
# Each connection: its SYN (unclassified) and its request; the query.
expect_eq "evidence samples (status)" "$(bucket evidence)" 9
expect_eq "evidence samples lost (status)" "$(bucket evidence_lost)" 0
stop_daemon TERM
expect_eq "daemon exit status" "$?" 0

UA="$UA" "$PY" - "$WORK" <<'PYEOF' || fail "the records' evidence (above)"
import base64, csv, json, os, sys

work = sys.argv[1]
ua = os.environ["UA"]
FIELDS = ["src_port", "http_method", "http_url", "http_host", "http_agent", "http_referer",
          "dns_query", "payload"]
HOST = {"src_port", "http_method", "http_host", "http_agent", "dns_query"}
PATH = HOST | {"http_url", "http_referer"}
LEVELS = {"none": set(), "host": HOST, "path": PATH, "full": set(FIELDS)}
received = {}
for line in open(os.path.join(work, "received")):
    proto, addr, port, data = line.split()
    if proto == "tcp":
        received[addr] = bytes.fromhex(data)

def want(src, level):
    """What a raw view at `level` must show of the source's first check-in."""
    full = {
        "198.18.0.2": dict(src_port=41001, http_method="POST",
                           http_url="/gate.php?id=PC-1234&user=alice",
                           http_host="c2.example.net:8080", http_agent=ua,
                           http_referer="http://ref.example/r?s=1#top"),
        "198.18.0.3": dict(src_port=41002, http_method="GET", http_url="/gate.php?ip=198.18.0.3",
                           http_host="198.18.0.3", http_agent="bot/3"),
        "198.18.0.4": dict(src_port=41003, http_method="POST", http_url="/gate.php?n=4",
                           http_host="203.0.113.10", http_agent="bot/4"),
        "2001:db8:1::2": dict(src_port=41004, http_method="GET", http_url="/gate.php?v=6",
                              http_host="[2001:db8:5::10]", http_agent="bot/6"),
        "198.18.0.5": dict(src_port=41005, dns_query="x1.dga-example.test"),
    }[src]
    if src in received:
        full["payload"] = received[src][:256]
    if src == "198.18.0.5":
        full["payload"] = "a DNS query for x1.dga-example.test"
    if level != "full":
        for k in ("http_url", "http_referer"):
            if full.get(k):
                full[k] = full[k].split("?")[0].split("#")[0]
    return {k: (full.get(k) if k in LEVELS[level] else None) for k in FIELDS}

def none_if_empty(v):
    return v if v not in ("", None) else None

def from_jsonl(rec):
    ev = {k: rec.get(k) for k in FIELDS}
    ev["payload"] = base64.b64decode(ev["payload"]) if ev["payload"] else None
    return rec["src_ip"], rec["sid"], ev

def from_csv(rec):
    ev = {k: none_if_empty(rec.get(k)) for k in FIELDS}
    ev["src_port"] = int(ev["src_port"]) if ev["src_port"] else None
    ev["payload"] = base64.b64decode(ev["payload"]) if ev["payload"] else None
    return rec["src_ip"], int(rec["sid"]), ev

def from_intelmq(rec):
    ev = {"src_port": rec.get("source.port"), "http_method": rec.get("extra.http_method"),
          "http_url": rec.get("destination.urlpath"), "http_agent": rec.get("extra.user_agent"),
          "http_referer": rec.get("extra.http_referer"), "dns_query": rec.get("extra.dns_query"),
          "payload": base64.b64decode(rec["extra.payload"]) if "extra.payload" in rec else None}
    url, path = rec.get("destination.url"), rec.get("destination.urlpath")
    ev["http_host"] = url[len("http://"):len(url) - len(path)] if url and path else None
    # An anonymized view's IntelMQ source is a pseudonym, not source.ip.
    src = rec.get("source.ip", rec.get("extra.source_pseudonym"))
    return src, int(rec.get("extra.sid", 0)), ev

def records(name, fmt):
    text = open(os.path.join(work, name + ".out"), newline="").read()
    if fmt.endswith("csv"):
        return [from_csv(r) for r in csv.DictReader(text.splitlines())], text
    rows = [json.loads(l) for l in text.splitlines()]
    return [(from_intelmq if fmt == "intelmq" else from_jsonl)(r) for r in rows], text

def norm(src, ev):
    """dig's query has a random id: its payload is checked for the name it asks."""
    if ev and src == "198.18.0.5" and ev.get("payload"):
        wire = b"\x02x1\x0bdga-example\x04test\x00\x00\x10"
        if wire in ev["payload"]:
            ev = dict(ev, payload="a DNS query for x1.dga-example.test")
    return ev

bad = 0
def check(what, got, exp):
    global bad
    if got != exp:
        bad += 1
        print(f"  FAIL: {what}:\n    got  {got}\n    want {exp}", file=sys.stderr)

SID = {"198.18.0.5": 3000003, "2001:db8:1::2": 3000002}
views = [("public", "jsonl", "none"), ("raw_full", "jsonl", "full"),
         ("raw_host", "csv", "host"), ("raw_path", "http-csv", "path"),
         ("dflt", "jsonl", "path")]
for name, fmt, level in views:
    recs, text = records(name, fmt)
    byk = {(src, sid): ev for src, sid, ev in recs}
    for src in ("198.18.0.2", "198.18.0.3", "198.18.0.4", "2001:db8:1::2", "198.18.0.5"):
        sid = SID.get(src, 3000001)
        check(f"{name} ({fmt}, {level}): {src} sid {sid}", norm(src, byk.get((src, sid))),
              want(src, level))
    if level != "full":
        check(f"{name}: a query string", [q for q in ("PC-1234&", "s=1", "ip=198", "n=4", "v=6")
                                          if q in text], [])
    print(f"  ok: {name} ({fmt}, evidence {level}): {len(recs)} records")

# IntelMQ, raw: fqdn is the Host without its port, when it is a name.
recs, _ = records("raw_intelmq", "intelmq")
rows = [json.loads(l) for l in open(os.path.join(work, "raw_intelmq.out"))]
for src, sid, ev in recs:
    if sid and (src in received or src == "198.18.0.5"):
        check(f"raw_intelmq: {src} sid {sid}", norm(src, ev), want(src, "full"))
fq = {r["source.ip"]: r.get("destination.fqdn") for r in rows
      if r.get("extra.http_method") or r.get("extra.dns_query")}
print("  ok: raw_intelmq (intelmq, evidence full): evidence checked")
check("raw_intelmq: destination.fqdn", fq, {"198.18.0.2": "c2.example.net", "198.18.0.3": None,
                                            "198.18.0.4": None, "2001:db8:1::2": None,
                                            "198.18.0.5": "x1.dga-example.test"})

# Anonymized views: no raw source address anywhere; what names it is hidden.
for name, fmt in (("anon_full", "jsonl"), ("anon_intelmq", "intelmq")):
    recs, text = records(name, fmt)
    check(f"{name}: raw addresses in the file",
          [a for a in ("198.18.0.2", "198.18.0.3", "198.18.0.4", "198.18.0.5", "2001:db8:1::2")
           if a in text], [])
    byagent = {ev["http_agent"] or ev["dns_query"]: (src, ev) for src, sid, ev in recs
               if ev["http_agent"] or ev["dns_query"]}
    src_b, ev_b = byagent["bot/3"]
    # IntelMQ has no field for a Host that is an address but destination.url.
    check(f"{name}: bot 3's Host (its own address) as its source is shown", ev_b["http_host"],
          None if fmt == "intelmq" else src_b)
    check(f"{name}: bot 3's URL and payload (they hold its address)",
          (ev_b["http_url"], ev_b["payload"]), (None, None))
    src_c, ev_c = byagent["bot/4"]
    check(f"{name}: bot 4's payload (X-Forwarded-For)", ev_c["payload"], None)
    check(f"{name}: bot 4's URL", ev_c["http_url"], "/gate.php?n=4")
    _, ev_a = byagent[ua]
    check(f"{name}: bot 2's evidence", ev_a, want("198.18.0.2", "full"))
    _, ev_6 = byagent["bot/6"]
    check(f"{name}: the IPv6 bot's Host (the sinkhole's address stays)", ev_6["http_host"],
          "[2001:db8:5::10]")
    print(f"  ok: {name} ({fmt}): {len(recs)} records")
sys.exit(1 if bad else 0)
PYEOF
finish
