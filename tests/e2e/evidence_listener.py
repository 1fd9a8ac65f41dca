#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The evidence tests' listener, in the lab's sink namespace: answers HTTP
on port 80 (IPv4 and IPv6) and refuses DNS queries to 203.0.113.53 (so dig
ends at once), and keeps what each connection and datagram brought in
FILE (argv[1]) as "tcp|udp ADDR PORT HEX" lines. Prints "listening" when
ready. Used by tests/e2e/test_evidence.sh and tests/nats/test_bus_evidence.sh.
"""
import socket, sys, threading
lock = threading.Lock()
def keep(proto, peer, data):
    with lock, open(sys.argv[1], "a") as f:
        print(proto, peer[0].removeprefix("::ffff:"), peer[1], data.hex(), file=f)
def serve(c, peer):
    c.settimeout(3)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    finally:
        c.close()
    keep("tcp", peer, data)
def dns():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("203.0.113.53", 53))
    while True:
        data, peer = u.recvfrom(4096)
        keep("udp", peer, data)
        end = data.index(b"\0", 12) + 5 # the question
        u.sendto(data[:2] + b"\x81\x85\x00\x01\x00\x00\x00\x00\x00\x00" + data[12:end], peer)
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 80))
s.listen(64)
threading.Thread(target=dns, daemon=True).start()
print("listening", flush=True)
while True:
    c, peer = s.accept()
    threading.Thread(target=serve, args=(c, peer), daemon=True).start()
