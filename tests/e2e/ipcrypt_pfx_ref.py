#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Reference ipcrypt-pfx (draft-denis-ipcrypt-11), independent of botsink's C
code: `ipcrypt_pfx_ref.py KEYHEX ADDR...` prints one pseudonym per line.
It checks itself against the draft's test vectors first."""
import ipaddress
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

VECTORS = [("0.0.0.0", "151.82.155.134"), ("255.255.255.255", "94.185.169.89"),
           ("192.0.2.1", "100.115.72.131"),
           ("2001:db8::1", "c180:5dd4:2587:3524:30ab:fa65:6ab6:f88")]
VECTOR_KEY = "0123456789abcdeffedcba98765432101032547698badcfeefcdab8967452301"


def encrypt(key, addr):
    ip = ipaddress.ip_address(addr)
    # The 16-byte form: IPv4 is IPv4-mapped (::ffff:a.b.c.d).
    b = ipaddress.IPv6Address("::ffff:" + addr).packed if ip.version == 4 else ip.packed
    e1 = Cipher(algorithms.AES(key[:16]), modes.ECB()).encryptor()
    e2 = Cipher(algorithms.AES(key[16:]), modes.ECB()).encryptor()
    n = int.from_bytes(b, "big")
    start = 96 if ip.version == 4 else 0
    out = n
    for pos in range(start, 128):
        prefix = n >> (128 - pos)  # the first `pos` bits of the input
        padded = ((1 << pos) | prefix).to_bytes(16, "big")  # zeros || 1 || prefix
        bit = (e1.update(padded)[15] ^ e2.update(padded)[15]) & 1
        out ^= bit << (127 - pos)
    res = ipaddress.IPv6Address(out.to_bytes(16, "big"))
    return str(res.ipv4_mapped) if ip.version == 4 else str(res)


def main():
    vkey = bytes.fromhex(VECTOR_KEY)
    for a, want in VECTORS:
        assert encrypt(vkey, a) == want, (a, encrypt(vkey, a), want)
    key = bytes.fromhex(sys.argv[1])
    for a in sys.argv[2:]:
        print(encrypt(key, a))


if __name__ == "__main__":
    main()
