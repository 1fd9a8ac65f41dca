#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""What a reader pulled from the bus against what the sensors counted.

  check_views.py VIEW PULLED FEED... [--scope PREFIX,...] [--pseudonyms]

FEED: the sensors' local feeds (jsonl, anon none): the ground truth. The
view must hold exactly the feed records whose source is in the scope (all
of them without --scope), each once (no record_id twice), with the same
sid and counts, and the source as the feed has it, or (--pseudonyms) one
pseudonym per source and key, different sources never sharing one. Prints one
line per finding; exit 0 when the view is exact, 1 otherwise.
"""
import argparse
import ipaddress
import json
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def in_scope(src, scope):
    if not scope:
        return True
    addr = ipaddress.ip_address(src)
    return any(addr.version == net.version and addr in net for net in scope)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("view")
    ap.add_argument("pulled")
    ap.add_argument("feeds", nargs="+")
    ap.add_argument("--scope", default="")
    ap.add_argument("--pseudonyms", action="store_true",
                    help="one pseudonym per source and key, whichever hub made it")
    ap.add_argument("--keys", default="",
                    help="with --pseudonyms: these key ids (comma-separated) must all be used")
    ap.add_argument("--at-least-once", action="store_true",
                    help="a record may repeat, with the same counts (a hub's file output)")
    a = ap.parse_args()
    scope = [ipaddress.ip_network(p) for p in a.scope.split(",") if p]
    want = {}
    for feed in a.feeds:
        for r in load(feed):
            if in_scope(r["src_ip"], scope):
                want[r["record_id"]] = r
    got, twice, problems = {}, 0, []
    for r in load(a.pulled):
        if r["record_id"] in got:
            twice += 1
            if a.at_least_once and got[r["record_id"]] != r:
                problems.append(f"{r['record_id']}: repeated with other content")
        got[r["record_id"]] = r
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    if missing:
        problems.append(f"{len(missing)} records missing, e.g. {missing[0]}")
    if extra:
        problems.append(f"{len(extra)} records not in its scope or not counted, e.g. {extra[0]}")
    if twice and not a.at_least_once:
        problems.append(f"{twice} record_ids twice")
    pseudonym_of, source_of, keys = {}, {}, set()
    for rid in set(want) & set(got):
        w, g = want[rid], got[rid]
        for k in ("sid", "packets", "bytes", "checkins", "sensor"):
            if w[k] != g[k]:
                problems.append(f"{rid}: {k} {g[k]} != {w[k]}")
                break
        if not a.pseudonyms:
            if w["src_ip"] != g["src_ip"]:
                problems.append(f"{rid}: src_ip differs")
            continue
        key = g.get("anon_key_id")
        if pseudonym_of.setdefault((w["src_ip"], key), g["src_ip"]) != g["src_ip"]:
            problems.append(f"{rid}: a source with two pseudonyms under one key")
        if source_of.setdefault((g["src_ip"], key), w["src_ip"]) != w["src_ip"]:
            problems.append(f"{rid}: two sources with one pseudonym")
        keys.add(key)
    for k in filter(None, a.keys.split(",")):
        if k not in keys:
            problems.append(f"key {k} used by no record (keys used: {sorted(map(str, keys))})")
    for p in problems[:10]:
        print(f"{a.view}: {p}")
    if problems:
        return 1
    print(f"{a.view}: {len(got)} records, exactly the {len(want)} counted in its scope, "
          + (f"{twice} repeated whole" if a.at_least_once else "no record_id twice")
          + (f", {len(pseudonym_of)} pseudonyms of sources under {len(keys)} keys" if a.pseudonyms else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
