#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The evidence in the views a hub made, against what the bots sent
(tests/nats/test_bus_evidence.sh).

  check_evidence.py WORK arrived full|host   every view has that phase's check-ins
  check_evidence.py WORK check               every view shows exactly what it may

WORK holds `received` (the listener's "tcp|udp ADDR PORT HEX" lines) and
pulled-VIEW.jsonl for public (anon none, evidence none), raw_full (anon
none, full), raw_path (anon none, path) and anon_full (ipcrypt-pfx, full).
The User-Agent of the first bot is in $UA. Exit 0 when all holds, 1 otherwise.
"""
import base64
import json
import os
import sys

FIELDS = ["src_port", "http_method", "http_url", "http_host", "http_agent", "http_referer",
          "dns_query", "payload"]
HOST = {"src_port", "http_method", "http_host", "http_agent", "dns_query"}
PATH = HOST | {"http_url", "http_referer"}
LEVELS = {"none": set(), "host": HOST, "path": PATH, "full": set(FIELDS)}
ORDER = ["none", "host", "path", "full"]
# Each bot: its phase (the sensor's --publish-evidence), sid, and what it sent
# but the payload (the listener's bytes).
BOTS = {
    "198.18.0.2": ("full", 3000001, dict(
        src_port=41001, http_method="POST", http_url="/gate.php?id=PC-1234&user=alice",
        http_host="c2.example.net:8080", http_agent=os.environ.get("UA"),
        http_referer="http://ref.example/r?s=1#top")),
    "198.18.0.3": ("full", 3000001, dict(
        src_port=41002, http_method="GET", http_url="/gate.php?ip=198.18.0.3",
        http_host="198.18.0.3", http_agent="bot/3")),
    "2001:db8:1::2": ("full", 3000002, dict(
        src_port=41004, http_method="GET", http_url="/gate.php?v=6",
        http_host="[2001:db8:5::10]", http_agent="bot/6")),
    "198.18.0.5": ("full", 3000003, dict(src_port=41005, dns_query="x1.dga-example.test")),
    "198.18.0.6": ("host", 3000001, dict(
        src_port=41006, http_method="POST", http_url="/gate.php?id=E-6&k=v",
        http_host="c2.example.org", http_agent="bot/e", http_referer="http://ref.example/e?q=2")),
    "198.18.0.7": ("host", 3000003, dict(src_port=41007, dns_query="y2.dga-example.test")),
}
# What only a full view may show: queries and fragments.
QUERIES = ["id=PC-1234", "user=alice", "s=1", "#top", "ip=198", "v=6", "id=E-6", "k=v", "q=2"]
VIEWS = {"public": ("none", False), "raw_full": ("full", False), "raw_path": ("path", False),
         "anon_full": ("full", True)}

work = sys.argv[1]
bad = 0


def check(what, got, want):
    global bad
    if got != want:
        bad += 1
        print(f"  FAIL: {what}:\n    got  {got!r}\n    want {want!r}", file=sys.stderr)


def received():
    got = {}
    try:
        for line in open(os.path.join(work, "received")):
            proto, addr, port, data = line.split()
            got[addr] = bytes.fromhex(data)
    except FileNotFoundError:
        pass
    return got


def want(src, level):
    """What a raw view at `level` shows of src's check-in (the sensor's level caps it)."""
    phase, _, sent = BOTS[src]
    level = ORDER[min(ORDER.index(level), ORDER.index(phase))]
    full = dict(sent, payload=RECEIVED[src][:256])
    if level != "full":
        for k in ("http_url", "http_referer"):
            if full.get(k):
                full[k] = full[k].split("?")[0].split("#")[0]
    return {k: (full.get(k) if k in LEVELS[level] else None) for k in FIELDS}


def evidence(rec):
    ev = {k: rec.get(k, "(missing)") for k in FIELDS}
    if ev["payload"] not in (None, "(missing)"):
        ev["payload"] = base64.b64decode(ev["payload"])
    return ev


def load(view):
    path = os.path.join(work, f"pulled-{view}.jsonl")
    try:
        text = open(path, encoding="utf-8").read()
    except FileNotFoundError:
        return [], ""
    return [json.loads(l) for l in text.splitlines() if l.strip()], text


def key(view, rec):
    """A record's bot: its source, or in the anonymized view what it sent."""
    if not VIEWS[view][1]:
        return rec["src_ip"], rec["sid"]
    shown = rec.get("http_agent") or rec.get("dns_query")
    for src, (_, sid, sent) in BOTS.items():
        if shown and rec["sid"] == sid and shown in (sent.get("http_agent"), sent.get("dns_query")):
            return src, sid
    return None, rec["sid"]


RECEIVED = received()

if sys.argv[2] == "arrived":
    missing = []
    for view in VIEWS:
        recs, _ = load(view)
        have = {key(view, r) for r in recs}
        missing += [f"{view}: {src} sid {sid}" for src, (phase, sid, _) in BOTS.items()
                    if phase == sys.argv[3] and (src, sid) not in have]
    if missing:
        print("records missing: " + ", ".join(missing))
    sys.exit(1 if missing else 0)

for view, (level, anon) in VIEWS.items():
    before = bad
    recs, text = load(view)
    byk = {}
    for r in recs:
        byk.setdefault(key(view, r), []).append(r)
    for src, (phase, sid, sent) in BOTS.items():
        got = byk.get((src, sid), [])
        check(f"{view}: records of {src} sid {sid}", len(got), 1)
        if not got:
            continue
        ev = evidence(got[0])
        if anon:
            check(f"{view}: {src} is not shown raw", got[0]["src_ip"] != src, True)
        exp = want(src, level)
        if anon and src == "198.18.0.3":
            # Its Host is its own address: shown as its source is; its URL
            # and payload hold the address: left out.
            exp.update(http_host=got[0]["src_ip"], http_url=None, payload=None)
        check(f"{view} (evidence {level}): {src} sid {sid} ({phase} published)", ev, exp)
    # The SYNs (unclassified): the source port alone, at any level but none.
    ports = {sent["src_port"] for _, _, sent in BOTS.values()}
    for (src, sid), rs in byk.items():
        for r in rs if sid == 0 else []:
            ev = evidence(r)
            port = ev["src_port"] if level != "none" else None
            if not anon:
                port = BOTS[src][2]["src_port"] if src in BOTS and level != "none" else None
            check(f"{view}: {src or r['src_ip']}'s SYN (sid 0)", ev,
                  dict({k: None for k in FIELDS}, src_port=port))
            if level != "none":
                check(f"{view}: {src or r['src_ip']}'s SYN: a bot's port", port in ports, True)
    others = sorted({f"{s} sid {sid}" for (s, sid) in byk
                     if s not in BOTS and not (anon and sid == 0)})
    check(f"{view}: records of no bot", others, [])
    if level != "full":
        check(f"{view}: a query or fragment in its records", [q for q in QUERIES if q in text], [])
        check(f"{view}: payloads", [r["src_ip"] for r in recs if r.get("payload") is not None], [])
    if level == "none":
        check(f"{view}: evidence shown", [(r["src_ip"], r["sid"]) for r in recs
                                          if any(r.get(k, "") is not None for k in FIELDS)], [])
    if anon:
        raw = [a for a in BOTS if a in text]
        raw += [f"{a} in a payload" for r in recs if r.get("payload")
                for a in BOTS if a.encode() in base64.b64decode(r["payload"])]
        check(f"{view}: raw source addresses", raw, [])
    if bad == before:
        print(f"  ok: {view} (evidence {level}{', anonymized' if anon else ''}): {len(recs)} records")
sys.exit(1 if bad else 0)
