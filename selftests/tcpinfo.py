#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What each end of one TCP connection agreed on, from TCP_INFO.

    tcpinfo.py server ADDR PORT [--mss N] [--rcvbuf N] [--tos N] [--ttl N]
                                [--priority N]
    tcpinfo.py client ADDR PORT [--tos N]

The server accepts one connection, the client makes one; each prints a
JSON object with the options (ts, sack, wscale, ecn), its send and
receive window scale and its send MSS, then waits for the other side to
close. --tos, --ttl and --priority set IP_TOS or IPV6_TCLASS, IP_TTL or
IPV6_UNICAST_HOPS, and SO_PRIORITY on the socket before it listens or
connects. Use only addresses inside namespaces the test created.
"""

import argparse
import json
import socket
import struct
import sys

TCPI_OPT_TIMESTAMPS, TCPI_OPT_SACK, TCPI_OPT_WSCALE, TCPI_OPT_ECN = 1, 2, 4, 8


def info(s):
    raw = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    opts, wscale = raw[5], raw[6]
    _rto, _ato, snd_mss, rcv_mss = struct.unpack_from("=IIII", raw, 8)
    return {
        "ts": bool(opts & TCPI_OPT_TIMESTAMPS),
        "sack": bool(opts & TCPI_OPT_SACK),
        "wscale_ok": bool(opts & TCPI_OPT_WSCALE),
        "ecn": bool(opts & TCPI_OPT_ECN),
        "snd_wscale": wscale & 0xF,
        "rcv_wscale": wscale >> 4,
        "snd_mss": snd_mss,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=["server", "client"])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--mss", type=int)
    ap.add_argument("--rcvbuf", type=int)
    ap.add_argument("--tos", type=lambda v: int(v, 0))
    ap.add_argument("--ttl", type=int)
    ap.add_argument("--priority", type=int)
    a = ap.parse_args()

    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(20)
    v6 = fam == socket.AF_INET6
    if a.tos is not None:
        s.setsockopt(*((socket.IPPROTO_IPV6, socket.IPV6_TCLASS) if v6 else
                       (socket.IPPROTO_IP, socket.IP_TOS)), a.tos)
    if a.ttl is not None:
        s.setsockopt(*((socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS) if v6
                       else (socket.IPPROTO_IP, socket.IP_TTL)), a.ttl)
    if a.priority is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, a.priority)
    if a.role == "server":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if a.mss:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, a.mss)
        if a.rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
        s.bind((a.addr, a.port))
        s.listen(8)
        c, _ = s.accept()
        c.settimeout(20)
        print(json.dumps(info(c)), flush=True)
        c.recv(1)
        c.close()
    else:
        s.connect((a.addr, a.port))
        print(json.dumps(info(s)), flush=True)
        s.sendall(b"x")
        s.recv(1)
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
