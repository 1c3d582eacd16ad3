#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One TCP peer for the policy tests, with what socat cannot set.

    peer.py serve ADDR PORT [--md5 KEY --md5-peer ADDR] [--dev DEV] [--tfo]
                            [--transparent] [--name NAME]
    peer.py connect ADDR PORT [--md5 KEY] [--bind ADDR] [--timeout S]
                              [--tfo] [--ip-options] [--dst-options]
                              [--hold S] [--again S]
    peer.py many ADDR[,ADDR...] PORT [--count N] [--timeout S]

serve: an echo server (a thread per connection) until killed; prints
"listening" once it listens. --dev binds it to a device (SO_BINDTODEVICE:
a VRF), --tfo accepts TCP Fast Open. --md5 sets a TCP-MD5 key for --md5-peer (TCP_MD5SIG), as a BGP
speaker does. --transparent makes it a transparent listener
(IP_TRANSPARENT, IPV6_TRANSPARENT), which a TPROXY rule may hand
connections to any address and port. --name NAME puts "NAME: " before
each connection's echo, so that the client can tell who answered.

connect: one connection that sends a line and reads its echo. --hold S
keeps it open S seconds more, idle, once it has printed "ok" and its
local port. --again S prints "open" and its local port once the echo is
in, waits S seconds, idle, and sends the line once more: the outcome is
that of the second echo (the caller flushes conntrack meanwhile, say).
--tfo sends the line in the SYN (TCP Fast Open), --ip-options gives the
SYN IPv4 options (NOPs), --dst-options an IPv6 destination options
header (PadN).
Prints one word, the outcome as a user meets it, and exits 0 whatever it
is:
  ok        connected and the line came back intact
  ok:NAME   ...from a server started with --name NAME
  refused   a RST answered the SYN
  timeout   nothing answered within --timeout seconds (default 3)
  reset     connected, then reset or closed before the echo
  error:... anything else

connect also exists in C, as tools/peerprobe ADDR PORT [ARGS...], with
the same options (but --again) and output: the selftests probe with it (lib.sh's
sg_probe), as under QEMU TCG Python's start-up made each probe here cost
most of a second. Keep the two alike: connect stays here for many.

many: COUNT connections (one to each ADDR by default), all at once, each
as connect makes it; prints how many had each outcome, as
"OUTCOME=N" words in the order above ("ok=150", "timeout=40").
"""

import argparse
import errno
import socket
import struct
import sys
import threading
import time

TCP_MD5SIG = 14
IP_TRANSPARENT = 19
IPV6_TRANSPARENT = 75
IP_OPTIONS = 4
IPV6_DSTOPTS = 59
NOPS = b"\x01\x01\x01\x00"
PADN6 = b"\x00\x00\x01\x04\x00\x00\x00\x00"
MSG = b"synguard policy probe\n"


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def md5sig(peer, key):
    """struct tcp_md5sig for PEER: sockaddr_storage, flags, prefixlen,
    keylen, ifindex, key[80]."""
    fam = family(peer)
    if fam == socket.AF_INET:
        sa = struct.pack("=H2s4s", fam, b"\0\0", socket.inet_pton(fam, peer))
    else:
        sa = struct.pack("=H2s4s16s4s", fam, b"\0\0", b"\0" * 4,
                         socket.inet_pton(fam, peer), b"\0" * 4)
    sa = sa.ljust(128, b"\0")
    k = key.encode()
    return sa + struct.pack("=BBHi", 0, 0, len(k), 0) + k.ljust(80, b"\0")


def echo(conn, name):
    with conn:
        try:
            if name:
                conn.sendall(name.encode() + b": ")
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                conn.sendall(data)
        except OSError:
            return


def serve(a):
    s = socket.socket(family(a.addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.dev:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE,
                     a.dev.encode())
    if a.md5:
        s.setsockopt(socket.IPPROTO_TCP, TCP_MD5SIG, md5sig(a.md5_peer, a.md5))
    if a.tfo:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
    if a.transparent:
        if s.family == socket.AF_INET:
            s.setsockopt(socket.SOL_IP, IP_TRANSPARENT, 1)
        else:
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_TRANSPARENT, 1)
    s.bind((a.addr, a.port))
    s.listen(1024)
    print("listening", flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=echo, args=(conn, a.name),
                         daemon=True).start()


def read_line(s):
    """Up to the end of the line: a named server's echo is longer."""
    got = b""
    while not got.endswith(b"\n") and len(got) < 256:
        chunk = s.recv(256 - len(got))
        if not chunk:
            break
        got += chunk
    return got


def connect(a):
    s = socket.socket(family(a.addr), socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    try:
        if a.md5:
            s.setsockopt(socket.IPPROTO_TCP, TCP_MD5SIG, md5sig(a.addr, a.md5))
        if a.bind:
            s.bind((a.bind, 0))
        if a.ip_options:
            s.setsockopt(socket.IPPROTO_IP, IP_OPTIONS, NOPS)
        if a.dst_options:
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_DSTOPTS, PADN6)
        try:
            if a.tfo:
                # Blocking, bounded by SO_SNDTIMEO: a non-blocking
                # sendto() would only start the handshake.
                s.settimeout(None)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                             struct.pack("=qq", int(a.timeout), 0))
                s.sendto(MSG, socket.MSG_FASTOPEN, (a.addr, a.port))
                s.settimeout(a.timeout)
            else:
                s.connect((a.addr, a.port))
        except ConnectionRefusedError:
            return "refused"
        except (socket.timeout, TimeoutError):
            return "timeout"
        try:
            if not a.tfo:
                s.sendall(MSG)
            got = read_line(s)
        except (ConnectionResetError, socket.timeout, TimeoutError):
            return "reset"
        outcome = "ok"
        name, sep, rest = got.partition(b": ")
        if sep and rest == MSG and name.isalnum():
            outcome, got = "ok:" + name.decode(), rest
        if got != MSG:
            return "reset"
        if a.hold:
            # The connection stays up, idle, while the caller looks at
            # it (conntrack -L): the outcome goes out first.
            print(outcome, s.getsockname()[1], flush=True)
            time.sleep(a.hold)
            return None
        if a.again:
            print("open", s.getsockname()[1], flush=True)
            time.sleep(a.again)
            try:
                s.sendall(MSG)
                got = read_line(s)
            except (ConnectionResetError, BrokenPipeError, socket.timeout,
                    TimeoutError):
                return "reset"
            if not got.endswith(MSG):
                return "reset"
        return outcome
    except OSError as e:
        if e.errno == errno.EINPROGRESS:
            return "timeout"
        return "error:" + errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()


OUTCOMES = ("ok", "refused", "timeout", "reset")


def many(a):
    addrs = a.addr.split(",")
    count = a.count or len(addrs)
    got = [None] * count

    def one(i):
        b = argparse.Namespace(**vars(a))
        b.addr = addrs[i % len(addrs)]
        got[i] = connect(b)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kinds = sorted(set(got), key=lambda o: (OUTCOMES.index(o)
                                           if o in OUTCOMES else 9, o))
    return " ".join("%s=%d" % (o, got.count(o)) for o in kinds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("serve", "connect", "many"))
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--md5")
    ap.add_argument("--md5-peer")
    ap.add_argument("--dev")
    ap.add_argument("--bind")
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--tfo", action="store_true")
    ap.add_argument("--ip-options", action="store_true")
    ap.add_argument("--dst-options", action="store_true")
    ap.add_argument("--hold", type=float, default=0.0)
    ap.add_argument("--again", type=float, default=0.0)
    ap.add_argument("--transparent", action="store_true")
    ap.add_argument("--name")
    ap.add_argument("--count", type=int, default=0)
    a = ap.parse_args()
    if a.what == "serve":
        serve(a)
    elif a.what == "many":
        print(many(a))
    else:
        outcome = connect(a)
        if outcome is not None:
            print(outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())
