#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Craft single TCP segments for synguard's selftests.

    pkt.py syn|ack SRC DST DPORT [--count N] [--bad-checksum] [--sport P]
                                 [--src-net PREFIX] [--interval SECONDS]
                                 [--dst-options]

Sends COUNT segments from a raw socket with the given flags, random
sequence and acknowledgement numbers and random source ports, or, with
--sport, source ports P, P+1, P+2 and so on. IPv4 or IPv6 follows from
the addresses; --dst-options puts an IPv6 destination options header
(PadN) before the TCP header. Use only addresses inside network namespaces the test
created.

The tests count these segments exactly, so a send that fails is an
error (exit 1), never a shorter burst. hping3 is no substitute for
counted bursts: it sends from a SIGALRM handler and now and then aborts
part-way through (glibc heap check) when replies arrive at the same
time.
"""

import argparse
import ipaddress
import random
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_segment(src, dst, sport, dport, flags, seq, ack, opts, bad):
    doff = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4,
                      flags, 64240, 0, 0) + opts
    if src.version == 4:
        pseudo = src.packed + dst.packed + struct.pack("!BBH", 0, 6, len(hdr))
    else:
        pseudo = src.packed + dst.packed + struct.pack("!IxxxB", len(hdr), 6)
    c = csum(pseudo + hdr)
    if bad:
        c ^= 0x5A5A
    return hdr[:16] + struct.pack("!H", c) + hdr[18:]


# An IPv6 destination options header: next header TCP, PadN to 8 bytes.
DSTOPTS = b"\x06\x00\x01\x04\x00\x00\x00\x00"


def ip_packet(src, dst, payload, dstopts=False):
    if src.version == 4:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload),
                          random.getrandbits(16), 0x4000, 64, 6, 0,
                          src.packed, dst.packed)
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        return hdr + payload
    if dstopts:
        return struct.pack("!IHBB16s16s", 6 << 28, len(DSTOPTS + payload),
                           60, 64, src.packed, dst.packed) + DSTOPTS + payload
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), 6, 64,
                       src.packed, dst.packed) + payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["syn", "ack"])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("dport", type=int)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--sport", type=int,
                    help="first source port; each segment takes the next")
    ap.add_argument("--interval", type=float, default=0,
                    help="seconds between segments")
    ap.add_argument("--bad-checksum", action="store_true")
    ap.add_argument("--src-net",
                    help="a random source in this prefix for each segment")
    ap.add_argument("--dst-options", action="store_true",
                    help="IPv6: a destination options header before TCP")
    a = ap.parse_args()

    src = ipaddress.ip_address(a.src)
    dst = ipaddress.ip_address(a.dst)
    fam = socket.AF_INET if src.version == 4 else socket.AF_INET6
    s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
    # MSS 1460, SACK permitted, timestamps, window scale 7: a Linux SYN.
    synopts = (b"\x02\x04\x05\xb4\x04\x02\x08\x0a" +
               struct.pack("!II", random.getrandbits(32), 0) +
               b"\x01\x03\x03\x07")
    net = ipaddress.ip_network(a.src_net) if a.src_net else None
    # Distinct source ports: a repeated 4-tuple would be a retransmission,
    # which the tests' exact counts do not expect.
    ports = random.sample(range(1024, 65536), min(a.count, 64512))
    for i in range(a.count):
        if net:
            src = net[random.randrange(1, net.num_addresses - 1)]
        if a.sport:
            sport = (a.sport + i - 1) % 65535 + 1
        else:
            sport = ports[i % len(ports)]
        if a.kind == "syn":
            seg = tcp_segment(src, dst, sport, a.dport, 0x02,
                              random.getrandbits(32), 0, synopts,
                              a.bad_checksum)
        else:
            seg = tcp_segment(src, dst, sport, a.dport, 0x10,
                              random.getrandbits(32),
                              random.getrandbits(32), b"", a.bad_checksum)
        s.sendto(ip_packet(src, dst, seg, a.dst_options), (a.dst, 0))
        if a.interval:
            time.sleep(a.interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
