#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Send lab frames described by a JSON plan (stdin), or a capture file
(--pcap), out of one interface.

Each plan item: {"src": ADDR, "dst": ADDR, "proto": "tcp"|"udp"|"icmp"|"arp"
|"raw", "sport": N, "dport": N, "flags": "S", "seq": N, "ack": N|"random",
"count": N,
"vlan": [ids], "payload": "text", "payload_hex": "hex bytes",
"hex": "raw frame hex (proto raw)", "frag": "first"|"later",
"ext": ["hop", "dst", "routing", "frag"]}. Frames go out in plan order;
the total is printed. Run it in the lab's bots namespace only.
"""
import argparse
import ipaddress
import json
import logging
import random
import sys

# Frames go out at layer 2: scapy's routing warnings do not apply.
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import (ARP, Dot1AD, Dot1Q, Ether, ICMP, IP, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw, TCP, UDP,
                       conf, rdpcap, sendp)


def l3(item):
    src, dst = item["src"], item["dst"]
    if ipaddress.ip_address(dst).version == 4:
        ip = IP(src=src, dst=dst)
        if item.get("frag") == "first":
            ip.flags = "MF"
        elif item.get("frag") == "later":
            ip.frag = 64
        return ip
    ip = IPv6(src=src, dst=dst)
    for ext in item.get("ext", []):
        ip = ip / {"hop": IPv6ExtHdrHopByHop(), "dst": IPv6ExtHdrDestOpt(),
                   "routing": IPv6ExtHdrRouting(),
                   "frag": IPv6ExtHdrFragment(m=1 if item.get("frag") == "first" else 0,
                                              offset=8 if item.get("frag") == "later" else 0)}[ext]
    return ip


def l4(item):
    proto = item["proto"]
    payload = bytes.fromhex(item["payload_hex"]) if "payload_hex" in item \
        else item.get("payload", "").encode()
    if proto == "tcp":
        ack = item.get("ack", 0)
        seg = TCP(sport=item.get("sport", 40000), dport=item["dport"],
                  flags=item.get("flags", "S"), seq=item.get("seq", 1000),
                  ack=random.getrandbits(32) if ack == "random" else ack)
    elif proto == "udp":
        seg = UDP(sport=item.get("sport", 40000), dport=item["dport"])
    elif proto == "icmp":
        seg = ICMP()
    else:
        raise ValueError(f"unknown proto {proto}")
    return seg / Raw(payload) if payload else seg


def frame(item, dst_mac):
    eth = Ether(dst=dst_mac)
    if item["proto"] == "raw":
        return Ether(bytes.fromhex(item["hex"]))
    if item["proto"] == "arp":
        return Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=item["src"], pdst=item["dst"])
    tags = item.get("vlan", [])
    for i, vid in enumerate(tags):
        outer = i == 0 and len(tags) == 2
        eth = eth / (Dot1AD(vlan=vid) if outer else Dot1Q(vlan=vid))
    return eth / l3(item) / l4(item)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--iface", required=True)
    ap.add_argument("--dst-mac")
    ap.add_argument("--pcap", help="send this capture's frames as they are")
    ap.add_argument("--pps", type=float, help="pace: at most this many frames a second")
    args = ap.parse_args()
    conf.verb = 0
    frames = []
    if args.pcap:
        frames = list(rdpcap(args.pcap))
    else:
        for item in json.load(sys.stdin):
            # Copies of a TCP segment are new segments (sequence numbers
            # 1000, 1001, ...) unless "seq" is given: then retransmissions.
            for k in range(item.get("count", 1)):
                fixed = "seq" in item or item["proto"] != "tcp"
                frames.append(frame(item if fixed else dict(item, seq=1000 + k), args.dst_mac))
    sendp(frames, iface=args.iface, verbose=False, inter=1 / args.pps if args.pps else 0)
    print(len(frames))


if __name__ == "__main__":
    main()
