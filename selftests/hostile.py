#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hostile TCP/IP frames for synguard's hostile_packets selftest.

    hostile.py cases --iface IF --dmac MAC --dst4 A --dst6 A --port P
                     --closed-port Q --src4 NET --src6 NET
                     [--count N] [--flips N] [--only NAME,...]
    hostile.py handshake --iface IF --dmac MAC --dst A --port P --src NET
                     --opts SPEC [--ext hbh,dst,rt0,...]

Frames leave through an AF_PACKET socket on IF, the client's end of a
veth, so the client's own IP stack never touches them: truncated and
malformed headers go out exactly as built. Sources are random addresses
in NET, which the server routes back through the client, where they are
blackholed; replies are read from the same interface.

`cases` sends each named case and prints one line per case:

    case NAME class=CLASS n=SENT synacks=K bcast=B [pred_syn=S
        pred_cookie=C] ms=T settled=Z COUNTER=+DELTA ...

with the change of each synguard counter in /sys/kernel/synguard/stats
while the case ran, the SYN-ACKs that came back for its segments (a
retransmission of the kernel's counted once), any
TCP frame the server sent to a broadcast or multicast MAC, and for the
random bit-flip cases the number of segments synguard should count as
SYNs and answer in `always` (pred_*); T is how long sending and settling
took, Z 1 if the echo request sent after the case came back answered
(so the server had dealt with all of it; 0 if not within 10 s). The
test decides from CLASS what each mode must show.

`handshake` completes one connection by hand with the SYN options in
SPEC (comma-separated: mss=N (repeatable), ws=N, sack, ts), sends
"hello\\n", and prints a JSON object with what the SYN-ACK offered and
whether the data was acknowledged. Use only addresses inside network
namespaces the test created.
"""

import argparse
import ipaddress
import json
import os
import random
import select
import socket
import struct
import sys
import time

from pkt import csum  # the Internet checksum, shared with pkt.py

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
SOL_PACKET = 263
PACKET_IGNORE_OUTGOING = 23

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

COUNTERS = ("syn_received", "syn_passed", "cookies_sent", "bad_checksum",
            "cookies_validated", "cookies_rejected", "halfopen_added",
            "synack_unroutable")
SYSFS = "/sys/kernel/synguard/stats/"

# A Linux SYN's options: MSS 1460, SACK_PERM, TS, NOP, WS 7.
LINUX_OPTS = (b"\x02\x04\x05\xb4\x04\x02\x08\x0a" + b"\0" * 8 +
              b"\x01\x03\x03\x07")


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def ts_opts(opts):
    """LINUX_OPTS-style options with a fresh timestamp value."""
    return opts[:8] + struct.pack("!I", random.getrandbits(32)) + opts[12:]


class Tcp:
    """A TCP segment, its checksum computed for SRC/DST unless told."""

    def __init__(self, src, dst, sport, dport, flags, seq=None, ack=0,
                 opts=LINUX_OPTS, data=b"", doff=None, bad=False,
                 win=64240):
        if opts == LINUX_OPTS:
            opts = ts_opts(opts)
        self.src, self.dst = src, dst
        self.sport, self.dport = sport, dport
        self.seq = random.getrandbits(32) if seq is None else seq
        doff = (20 + len(opts)) // 4 if doff is None else doff
        hdr = struct.pack("!HHIIBBHHH", sport, dport, self.seq, ack,
                          (doff & 0xF) << 4, flags, win, 0, 0) + opts
        self.raw = fix_tcp_csum(src, dst, hdr + data, bad)
        self.tsval = synack_tsval(opts) or 0


def pseudo(src, dst, length):
    if src.version == 4:
        return src.packed + dst.packed + struct.pack("!BBH", 0, 6, length)
    return src.packed + dst.packed + struct.pack("!IxxxB", length, 6)


def fix_tcp_csum(src, dst, seg, bad=False):
    seg = seg[:16] + b"\0\0" + seg[18:]
    c = csum(pseudo(src, dst, len(seg)) + seg)
    if bad:
        c ^= 0x5A5A
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def ip4(src, dst, payload, proto=6, opts=b"", frag=0x4000, ident=None,
        tot_len=None, ihl=None, bad_csum=False):
    ihl = (20 + len(opts)) // 4 if ihl is None else ihl
    tot_len = 20 + len(opts) + len(payload) if tot_len is None else tot_len
    ident = random.getrandbits(16) if ident is None else ident
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | (ihl & 0xF), 0, tot_len,
                      ident, frag, 64, proto, 0, src.packed,
                      dst.packed) + opts
    c = csum(hdr)
    if bad_csum:
        c ^= 0x1234
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def ip6(src, dst, payload, nh=6, plen=None):
    plen = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 6 << 28, plen & 0xFFFF, nh, 64,
                       src.packed, dst.packed) + payload


def ext6(nh, body):
    """An extension header: next header, length, BODY (6 + 8k bytes)."""
    assert (len(body) + 2) % 8 == 0
    return bytes([nh, (len(body) + 2) // 8 - 1]) + body


PADN4 = b"\x01\x04\0\0\0\0"             # PadN: 6 bytes of option space
RH0 = b"\x00\x00" + b"\0" * 4           # type 0, segments left 0
RH0_LEFT1 = b"\x00\x01" + b"\0" * 4     # type 0, segments left 1


def ip6_ext(src, dst, seg, exts):
    """SEG (TCP) behind the extension headers named in EXTS."""
    codes = {"hbh": (0, PADN4), "dst": (60, PADN4), "rt0": (43, RH0),
             "rt0left1": (43, RH0_LEFT1)}
    payload, nh = seg, 6
    for name in reversed(exts):
        code, body = codes[name]
        payload = ext6(nh, body) + payload
        nh = code
    return ip6(src, dst, payload, nh=nh)


class Wire:
    """The client's end of the veth: send frames, read what comes back.

    Sent from one CPU only: a veth hands each frame to the sending CPU's
    backlog, so the server's receive path runs them in the order sent,
    and settle()'s last one after all the others."""

    def __init__(self, iface, dmac):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                               socket.htons(ETH_P_ALL))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        try:
            self.s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        except OSError:
            pass
        self.s.bind((iface, ETH_P_ALL))
        self.s.setblocking(False)
        self.smac = self.s.getsockname()[4]
        self.dmac = mac(dmac)

    def send(self, l3):
        etype = ETH_P_IP if l3[0] >> 4 == 4 else ETH_P_IPV6
        self.send_raw(etype, l3)

    def send_raw(self, etype, l3):
        frame = self.dmac + self.smac + struct.pack("!H", etype) + l3
        self.s.send(frame)

    def frames(self):
        """Every frame received since the last call (incoming only)."""
        out = []
        while True:
            try:
                data, addr = self.s.recvfrom(65535)
            except BlockingIOError:
                return out
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            out.append(data)


def parse_tcp(frame):
    """(dmac, src, dst, tcp header fields dict) of a TCP frame, or None."""
    etype = struct.unpack("!H", frame[12:14])[0]
    l3 = frame[14:]
    if etype == ETH_P_IP and len(l3) >= 20 and l3[9] == 6:
        ihl = (l3[0] & 0xF) * 4
        src = ipaddress.ip_address(l3[12:16])
        dst = ipaddress.ip_address(l3[16:20])
        seg = l3[ihl:]
    elif etype == ETH_P_IPV6 and len(l3) >= 40 and l3[6] == 6:
        src = ipaddress.ip_address(l3[8:24])
        dst = ipaddress.ip_address(l3[24:40])
        seg = l3[40:]
    else:
        return None
    if len(seg) < 20:
        return None
    sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", seg[:14])
    return frame[:6], src, dst, {
        "sport": sport, "dport": dport, "seq": seq, "ack": ack,
        "flags": flags, "opts": seg[20:(off >> 4) * 4],
        "len": len(seg) - (off >> 4) * 4}


def read_counters():
    vals = {}
    for name in COUNTERS:
        try:
            with open(SYSFS + name) as f:
                vals[name] = int(f.read())
        except OSError:
            vals[name] = 0
    return vals


class Env:
    def __init__(self, a):
        self.a = a
        self.wire = Wire(a.iface, a.dmac)
        self.dst4 = ipaddress.ip_address(a.dst4) if a.dst4 else None
        self.dst6 = ipaddress.ip_address(a.dst6) if a.dst6 else None
        self.net4 = ipaddress.ip_network(a.src4) if a.src4 else None
        self.net6 = ipaddress.ip_network(a.src6) if a.src6 else None

    def barrier_src(self, v):
        """A source of NET that no case draws: settle()'s echo requests."""
        return (self.net4 if v == 4 else self.net6)[-2]

    def src(self, v):
        net = self.net4 if v == 4 else self.net6
        return net[random.randrange(1, min(net.num_addresses - 2, 1 << 62))]

    def dst(self, v):
        return self.dst4 if v == 4 else self.dst6


def sport():
    return random.randint(1024, 65535)


# ---------------------------------------------------------------------------
# The cases. Each returns (class, [(l3 bytes, (src, sport)), ...]); the
# (src, sport) pairs are what a SYN-ACK for the packet would go back to.


def syn(env, v, flags=SYN, opts=LINUX_OPTS, data=b"", bad=False, doff=None,
        dport=None, src=None):
    src = src or env.src(v)
    sp = sport()
    seg = Tcp(src, env.dst(v), sp, dport or env.a.port, flags, opts=opts,
              data=data, bad=bad, doff=doff)
    return src, sp, seg.raw


def l3(env, v, src, seg, **kw):
    if v == 4:
        return ip4(src, env.dst(v), seg, **kw)
    return ip6(src, env.dst(v), seg, **kw)


def plain(env, v, n, **kw):
    out = []
    for _ in range(n):
        src, sp, seg = syn(env, v, **kw)
        out.append((l3(env, v, src, seg), (src, sp)))
    return out


def c_trunc_ip(env, v, n):
    out = []
    for _ in range(n):
        src, sp, seg = syn(env, v)
        pkt = l3(env, v, src, seg)
        out.append((pkt[:12] if v == 4 else pkt[:30], (src, sp)))
    return "invisible", out


def c_ihl(env, v, n):
    out = []
    for i in range(n):
        src, sp, seg = syn(env, 4)
        out.append((ip4(src, env.dst4, seg, ihl=(4, 15, 3, 0)[i % 4]),
                    (src, sp)))
    return "invisible", out


def c_len_long(env, v, n):
    out = []
    for _ in range(n):
        src, sp, seg = syn(env, v)
        if v == 4:
            pkt = ip4(src, env.dst4, seg, tot_len=20 + len(seg) + 100)
        else:
            pkt = ip6(src, env.dst6, seg, plen=len(seg) + 100)
        out.append((pkt, (src, sp)))
    return "invisible", out


def c_bad_ipcsum(env, v, n):
    out = []
    for _ in range(n):
        src, sp, seg = syn(env, 4)
        out.append((ip4(src, env.dst4, seg, bad_csum=True), (src, sp)))
    return "invisible", out


def c_trunc_tcp(env, v, n):
    """A SYN cut inside its fixed header (the IP length says so too)."""
    out = []
    for i in range(n):
        src, sp, seg = syn(env, v)
        out.append((l3(env, v, src, seg[:(14, 19, 8, 1)[i % 4]]),
                    (src, sp)))
    return "invisible", out


def c_doff_small(env, v, n):
    out = []
    for i in range(n):
        src, sp, seg = syn(env, v, doff=i % 5)
        out.append((l3(env, v, src, seg), (src, sp)))
    return "invisible", out


def c_doff_past_end(env, v, n):
    """doff says more options than the segment holds."""
    out = []
    for i in range(n):
        opts = (b"", b"\x02\x04\x05\xb4", LINUX_OPTS[:12])[i % 3]
        src, sp, seg = syn(env, v, opts=opts, doff=(15, 9, 9)[i % 3])
        out.append((l3(env, v, src, seg), (src, sp)))
    return "invisible", out


def c_syn_fin(env, v, n):
    return "notsyn", plain(env, v, n, flags=SYN | FIN)


def c_syn_rst(env, v, n):
    return "notsyn", plain(env, v, n, flags=SYN | RST)


def c_syn_fin_rst_ack(env, v, n):
    return "notsyn", plain(env, v, n, flags=SYN | FIN | RST | ACK | PSH)


def c_syn_payload(env, v, n):
    return "validsyn", plain(env, v, n, data=os.urandom(100))


def opts_case(optbytes, klass="validsyn"):
    def case(env, v, n):
        pad = optbytes + b"\0" * (-len(optbytes) % 4)
        return klass, plain(env, v, n, opts=pad)
    return case


c_mss0 = opts_case(b"\x02\x04\x00\x00\x01\x03\x03\x07")
c_mss65535 = opts_case(b"\x02\x04\xff\xff")
c_ws15 = opts_case(b"\x02\x04\x05\xb4\x01\x03\x03\x0f")
c_ws255 = opts_case(b"\x01\x03\x03\xff")
c_opt_len0 = opts_case(b"\x02\x04\x05\xb4\x03\x00\x07\x01")
c_opt_len1 = opts_case(b"\x02\x04\x05\xb4\x08\x01\x04\x02")
c_opt_overlong = opts_case(b"\x04\x02\x08\x28" + b"\x11" * 12)
c_opt_lone_kind = opts_case(b"\x02\x04\x05\xb4\x01\x01\x01\x08")
c_opt_forty = opts_case(b"\x01" * 39 + b"\x03")
c_mss_dup0 = opts_case(b"\x02\x04\x05\xb4\x02\x04\x00\x00")


def c_opt_random(env, v, n):
    out = []
    for _ in range(n):
        src, sp, seg = syn(env, v, opts=os.urandom(4 * random.randint(1, 10)))
        out.append((l3(env, v, src, seg), (src, sp)))
    return "validsyn", out


def c_bad_tcpcsum(env, v, n):
    return "badcsum", plain(env, v, n, bad=True)


def c_closed_port(env, v, n):
    return "nolistener", plain(env, v, n, dport=env.a.closed_port)


def c_ipopts(env, v, n):
    """Well-formed IPv4 options: NOPs, and a record route with room."""
    out = []
    for i in range(n):
        src, sp, seg = syn(env, 4)
        opts = (b"\x01\x01\x01\x00",
                b"\x07\x0b\x04" + b"\0" * 8 + b"\x00")[i % 2]
        out.append((ip4(src, env.dst4, seg, opts=opts), (src, sp)))
    return "validsyn", out


def c_ipopts_bad(env, v, n):
    """Malformed IPv4 options, which ip_rcv_options() rejects after
    PREROUTING: zero length, overlong, and a source route."""
    out = []
    for i in range(n):
        src, sp, seg = syn(env, 4)
        opts = (b"\x07\x00\x04\x00", b"\x44\x28\x05\x00",
                b"\x83\x07\x04" + env.dst4.packed + b"\x00")[i % 3]
        out.append((ip4(src, env.dst4, seg, opts=opts), (src, sp)))
    return "kernel_drops", out


def ext_case(exts, klass="validsyn"):
    def case(env, v, n):
        out = []
        for _ in range(n):
            src, sp, seg = syn(env, 6)
            out.append((ip6_ext(src, env.dst6, seg, exts), (src, sp)))
        return klass, out
    return case


c_ext_hbh = ext_case(["hbh"])
c_ext_dst = ext_case(["dst"])
c_ext_rt0 = ext_case(["rt0"])
c_ext_chain = ext_case(["hbh", "dst", "rt0", "dst"])
c_ext_rt0_left1 = ext_case(["rt0left1"], "kernel_drops")


def frag4(src, dst, seg, first):
    ident = random.getrandbits(16)
    return [ip4(src, dst, seg[:first], frag=0x2000, ident=ident),
            ip4(src, dst, seg[first:], frag=first // 8, ident=ident)]


def frag6(src, dst, seg, first):
    ident = random.getrandbits(32)
    if first is None:   # an atomic fragment: offset 0, no more fragments
        return [ip6(src, dst, struct.pack("!BxHI", 6, 0, ident) + seg,
                    nh=44)]
    return [ip6(src, dst, struct.pack("!BxHI", 6, 1, ident) + seg[:first],
                nh=44),
            ip6(src, dst, struct.pack("!BxHI", 6, first, ident) +
                seg[first:], nh=44)]


def c_frag(env, v, n):
    """A SYN in two fragments, the first holding the whole TCP header."""
    out = []
    for _ in range(n):
        src, sp, seg = syn(env, v)
        pkts = frag4(src, env.dst4, seg, 24) if v == 4 else \
            frag6(src, env.dst6, seg, 24)
        out += [(p, (src, sp)) for p in pkts]
    return "frag", out


def c_frag_tiny(env, v, n):
    """IPv4: a first fragment of 8 bytes, without the TCP flags."""
    out = []
    for _ in range(n):
        src, sp, seg = syn(env, 4)
        out += [(p, (src, sp)) for p in frag4(src, env.dst4, seg, 8)]
    return "frag", out


def c_frag_atomic(env, v, n):
    out = []
    for _ in range(n):
        src, sp, seg = syn(env, 6)
        out += [(p, (src, sp)) for p in frag6(src, env.dst6, seg, None)]
    return "frag", out


def c_martian(env, v, n):
    """SYNs from sources the kernel never answers on the wire: IPv4
    martians it drops once it routes them, after PREROUTING; IPv6 ::,
    v4-mapped and its own address (that one it answers over loopback)."""
    if v == 4:
        # Not the subnet's broadcast address: with rp_filter off the
        # kernel answers that one itself, to the link's broadcast MAC.
        srcs = ["255.255.255.255", "224.0.0.1", "0.0.0.0", "127.0.0.1",
                str(env.dst4)]
    else:
        srcs = ["::", "::ffff:10.9.0.1", str(env.dst6)]
    out = []
    for i in range(max(n, len(srcs))):
        src = ipaddress.ip_address(srcs[i % len(srcs)])
        _, sp, seg = syn(env, v, src=src)
        out.append((l3(env, v, src, seg), (src, sp)))
    return "martian", out


# --- random bit flips

def flip(buf, lo, hi, nflips):
    b = bytearray(buf)
    for _ in range(nflips):
        i = random.randrange(lo, hi)
        b[i] ^= 1 << random.randrange(8)
    return bytes(b)


def predict(seg, port):
    """(is a SYN synguard classifies, gets a cookie in always) for a TCP
    segment with a good checksum to a local listener address."""
    if len(seg) < 20:
        return False, False
    doff = seg[12] >> 4
    flags = seg[13]
    if doff < 5 or doff * 4 > len(seg):
        return False, False
    if flags & RST or not flags & SYN or flags & (ACK | FIN):
        return False, False
    dport = struct.unpack("!H", seg[2:4])[0]
    return True, dport == port


def base_ack(env, v):
    """A SYN, and the ACK that completes it from the SYN-ACK that comes
    back (a cookie or the kernel's own); None if nothing came back."""
    src = env.src(v)
    sp = sport()
    s = Tcp(src, env.dst(v), sp, env.a.port, SYN)
    env.wire.frames()
    env.wire.send(l3(env, v, src, s.raw))
    sa = wait_synack(env, src, sp, 2.0)
    if not sa:
        return None
    opts = ack_opts(s, sa)
    a = Tcp(src, env.dst(v), sp, env.a.port, ACK,
            seq=(s.seq + 1) & 0xFFFFFFFF, ack=(sa["seq"] + 1) & 0xFFFFFFFF,
            opts=opts)
    return src, sp, a.raw


def c_ack_bad_tcpcsum(env, v, n):
    """The ACK that completes a handshake, with a bad TCP checksum."""
    base = base_ack(env, v)
    if base is None:
        return "badcsum_ack", []
    src, sp, seg = base
    seg = fix_tcp_csum(src, env.dst(v), seg, bad=True)
    return "badcsum_ack", [(l3(env, v, src, seg), (src, sp))] * n


def c_flip_raw(kind):
    """One bit flipped anywhere a checksum covers: every one of them is
    bad, so none may be answered."""
    def case(env, v, n):
        out = []
        base = None
        for i in range(n):
            if kind == "ack" and (base is None or i % 50 == 0):
                base = base_ack(env, v) or base
                if base is None:
                    return "flip_raw", out
            if kind == "syn":
                src, sp, seg = syn(env, v)
            else:
                src, sp, seg = base
            pkt = l3(env, v, src, seg)
            # IPv4: the IP header and TCP; IPv6: the addresses, payload
            # length and next header (in the pseudo-header) and TCP.
            if v == 4:
                pkt = flip(pkt, 0, len(pkt), 1)
            else:
                lo = random.choice([4, 8, 40, 40, 40])
                pkt = flip(pkt, lo, 7 if lo == 4 else len(pkt), 1)
            out.append((pkt, (src, sp)))
        return "flip_raw", out
    return case


def c_flip_fixed(kind):
    """One to four bits flipped in the TCP header and options, checksum
    recomputed: the predicted SYNs must be counted, and in always
    answered."""
    def case(env, v, n):
        out = []
        syns = cookies = 0
        base = None
        for i in range(n):
            if kind == "ack" and (base is None or i % 50 == 0):
                base = base_ack(env, v) or base
                if base is None:
                    break
            if kind == "syn":
                src, sp, seg = syn(env, v)
            else:
                src, sp, seg = base
            seg = flip(seg, 0, len(seg), random.randint(1, 4))
            seg = fix_tcp_csum(src, env.dst(v), seg)
            s, c = predict(seg, env.a.port)
            syns += s
            cookies += c
            out.append((l3(env, v, src, seg),
                        (src, struct.unpack("!H", seg[:2])[0])))
        return "flip_fixed", out, {"pred_syn": syns, "pred_cookie": cookies}
    return case


# name: (function, address families)
CASES = {
    "trunc_ip": (c_trunc_ip, (4, 6)),
    "ihl_bad": (c_ihl, (4,)),
    "len_past_end": (c_len_long, (4, 6)),
    "bad_ip_checksum": (c_bad_ipcsum, (4,)),
    "trunc_tcp": (c_trunc_tcp, (4, 6)),
    "doff_small": (c_doff_small, (4, 6)),
    "doff_past_end": (c_doff_past_end, (4, 6)),
    "frag": (c_frag, (4, 6)),
    "frag_tiny": (c_frag_tiny, (4,)),
    "frag_atomic": (c_frag_atomic, (6,)),
    "syn_fin": (c_syn_fin, (4, 6)),
    "syn_rst": (c_syn_rst, (4, 6)),
    "syn_all_flags": (c_syn_fin_rst_ack, (4,)),
    "closed_port": (c_closed_port, (4, 6)),
    "syn_payload": (c_syn_payload, (4, 6)),
    "mss0": (c_mss0, (4, 6)),
    "mss65535": (c_mss65535, (4,)),
    "mss1460_mss0": (c_mss_dup0, (4,)),
    "wscale15": (c_ws15, (4, 6)),
    "wscale255": (c_ws255, (4,)),
    "opt_len0": (c_opt_len0, (4, 6)),
    "opt_len1": (c_opt_len1, (4,)),
    "opt_overlong": (c_opt_overlong, (4, 6)),
    "opt_lone_kind": (c_opt_lone_kind, (4,)),
    "opt_40_bytes": (c_opt_forty, (4,)),
    "opt_random": (c_opt_random, (4, 6)),
    "ip_options": (c_ipopts, (4,)),
    "ip_options_bad": (c_ipopts_bad, (4,)),
    "ext_hbh": (c_ext_hbh, (6,)),
    "ext_dst": (c_ext_dst, (6,)),
    "ext_rt0": (c_ext_rt0, (6,)),
    "ext_chain": (c_ext_chain, (6,)),
    "ext_rt0_segleft1": (c_ext_rt0_left1, (6,)),
    "bad_tcp_checksum": (c_bad_tcpcsum, (4, 6)),
    "ack_bad_tcp_checksum": (c_ack_bad_tcpcsum, (4, 6)),
    "martian_source": (c_martian, (4, 6)),
    "flip_syn": (c_flip_raw("syn"), (4, 6)),
    "flip_ack": (c_flip_raw("ack"), (4, 6)),
    "flip_syn_fixed": (c_flip_fixed("syn"), (4, 6)),
    "flip_ack_fixed": (c_flip_fixed("ack"), (4, 6)),
}
FLIP_CASES = ("flip_syn", "flip_ack", "flip_syn_fixed", "flip_ack_fixed")


def wait_synack(env, src, sp, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        select.select([env.wire.s], [], [], 0.05)
        for f in env.wire.frames():
            p = parse_tcp(f)
            if p and p[2] == src and p[3]["dport"] == sp and \
                    p[3]["flags"] & (SYN | ACK) == SYN | ACK:
                return p[3]
    return None


def ack_opts(syn_seg, synack):
    """The timestamp option of the ACK that answers SYNACK: our clock one
    tick after the SYN's (PAWS), the server's value echoed."""
    ts = synack_tsval(synack["opts"])
    if ts is None:
        return b""
    return b"\x01\x01\x08\x0a" + struct.pack(
        "!II", (syn_seg.tsval + 1) & 0xFFFFFFFF, ts)


def synack_tsval(opts):
    i = 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        if kind == 8 and opts[i + 1] == 10:
            return struct.unpack("!I", opts[i + 2:i + 6])[0]
        i += opts[i + 1]
    return None


def echo_request(env, v, ident):
    """An ICMP echo request to the server from the barrier source."""
    src, dst = env.barrier_src(v), env.dst(v)
    if v == 4:
        msg = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"barrier"
        msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
        return ip4(src, dst, msg, proto=1)
    msg = struct.pack("!BBHHH", 128, 0, 0, ident, 1) + b"barrier"
    ph = src.packed + dst.packed + struct.pack("!IxxxB", len(msg), 58)
    msg = msg[:2] + struct.pack("!H", csum(ph + msg)) + msg[4:]
    return ip6(src, dst, msg, nh=58)


def is_echo_reply(frame, ident):
    etype = struct.unpack("!H", frame[12:14])[0]
    l3 = frame[14:]
    if etype == ETH_P_IP and len(l3) >= 28 and l3[9] == 1:
        icmp = l3[(l3[0] & 0xF) * 4:]
        typ = 0
    elif etype == ETH_P_IPV6 and len(l3) >= 48 and l3[6] == 58:
        icmp = l3[40:]
        typ = 129
    else:
        return False
    return len(icmp) >= 8 and icmp[0] == typ and \
        struct.unpack("!H", icmp[4:6])[0] == ident


def settle(env, v, limit=10.0):
    """Counters once the server has dealt with every packet sent before:
    an echo request goes last, and its reply comes back only after the
    server's receive path (one CPU's backlog, in order: see Wire) has
    run every packet before it to the end, counters, answers and all.
    Also collects what came back meanwhile, and whether the reply did."""
    ident = random.getrandbits(16)
    env.wire.send(echo_request(env, v, ident))
    frames = []
    end = time.monotonic() + limit
    settled = False
    while not settled and time.monotonic() < end:
        select.select([env.wire.s], [], [], 0.05)
        new = env.wire.frames()
        settled = any(is_echo_reply(f, ident) for f in new)
        frames += new
    return read_counters(), frames, settled


def run_case(env, name, v, n):
    func, _ = CASES[name]
    res = func(env, v, n)
    klass, pkts = res[0], res[1]
    extra = res[2] if len(res) > 2 else {}
    env.wire.frames()
    t0 = time.monotonic()
    before = read_counters()
    for pkt, _ in pkts:
        env.wire.send(pkt)
    after, frames, settled = settle(env, v)
    extra["ms"] = int((time.monotonic() - t0) * 1000)
    extra["settled"] = int(settled)
    want = {key for _, key in pkts}
    synacks = set()
    bcast = 0
    for f in frames:
        p = parse_tcp(f)
        if not p:
            continue
        dmac, src, dst, t = p
        if dmac[0] & 1:
            bcast += 1
        if t["flags"] & (SYN | ACK) == SYN | ACK and (dst, t["dport"]) in want:
            synacks.add((dst, t["dport"], t["seq"], t["ack"]))
    fields = ["case %s%d" % (name, v), "class=%s" % klass,
              "n=%d" % len(pkts), "synacks=%d" % len(synacks),
              "bcast=%d" % bcast]
    fields += ["%s=%d" % kv for kv in extra.items()]
    fields += ["%s=+%d" % (c, after[c] - before[c]) for c in COUNTERS]
    print(" ".join(fields), flush=True)


def cmd_cases(a):
    env = Env(a)
    names = a.only.split(",") if a.only else list(CASES)
    for name in names:
        if name not in CASES:
            print("hostile.py: no case %s" % name, file=sys.stderr)
            return 2
        for v in CASES[name][1]:
            if (v == 4 and not a.dst4) or (v == 6 and not a.dst6):
                continue
            run_case(env, name, v, a.flips if name in FLIP_CASES
                     else a.count)
    return 0


def parse_spec(spec):
    opts = b""
    ts = False
    for item in spec.split(","):
        key, _, val = item.partition("=")
        if key == "mss":
            opts += struct.pack("!BBH", 2, 4, int(val))
        elif key == "ws":
            opts += struct.pack("!BBBB", 1, 3, 3, int(val))
        elif key == "sack":
            opts += b"\x04\x02"
        elif key == "ts":
            ts = True
        elif key:
            raise ValueError("unknown option %s" % key)
    if ts:
        opts += b"\x01\x01\x08\x0a" + struct.pack(
            "!II", random.getrandbits(32), 0)
    return opts + b"\x01" * (-len(opts) % 4)


def cmd_handshake(a):
    env = Env(a)
    v = ipaddress.ip_address(a.dst).version
    dst = ipaddress.ip_address(a.dst)
    src = ipaddress.ip_address(a.src) if "/" not in a.src else \
        ipaddress.ip_network(a.src)[random.randrange(1, 250)]
    exts = a.ext.split(",") if a.ext else []

    def out(seg):
        if v == 4:
            return ip4(src, dst, seg)
        return ip6_ext(src, dst, seg, exts) if exts else ip6(src, dst, seg)

    sp = sport()
    opts = parse_spec(a.opts)
    s = Tcp(src, dst, sp, a.port, SYN, opts=opts)
    env.wire.frames()
    env.wire.send(out(s.raw))
    sa = wait_synack(env, src, sp, 3.0)
    res = {"src": str(src), "sport": sp, "synack": bool(sa)}
    if sa:
        res["synack_ts"] = synack_tsval(sa["opts"]) is not None
        res["synack_opts"] = sa["opts"].hex()
        aopts = ack_opts(s, sa)
        seq, ack = (s.seq + 1) & 0xFFFFFFFF, (sa["seq"] + 1) & 0xFFFFFFFF
        env.wire.send(out(Tcp(src, dst, sp, a.port, ACK, seq=seq, ack=ack,
                              opts=aopts).raw))
        data = b"hello\n"
        env.wire.send(out(Tcp(src, dst, sp, a.port, ACK | PSH, seq=seq,
                              ack=ack, opts=aopts, data=data).raw))
        acked = False
        end = time.monotonic() + 3.0
        while time.monotonic() < end and not acked:
            select.select([env.wire.s], [], [], 0.05)
            for f in env.wire.frames():
                p = parse_tcp(f)
                if p and p[2] == src and p[3]["dport"] == sp and \
                        p[3]["flags"] & ACK and \
                        p[3]["ack"] == (seq + len(data)) & 0xFFFFFFFF:
                    acked = True
        res["data_acked"] = acked
    print(json.dumps(res), flush=True)
    return 0 if res.get("data_acked") else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cases")
    c.add_argument("--iface", required=True)
    c.add_argument("--dmac", required=True)
    c.add_argument("--dst4")
    c.add_argument("--dst6")
    c.add_argument("--src4")
    c.add_argument("--src6")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--closed-port", type=int, required=True)
    c.add_argument("--count", type=int, default=4)
    c.add_argument("--flips", type=int, default=300)
    c.add_argument("--only")
    c.add_argument("--seed", type=int)
    h = sub.add_parser("handshake")
    h.add_argument("--iface", required=True)
    h.add_argument("--dmac", required=True)
    h.add_argument("--dst", required=True)
    h.add_argument("--src", required=True)
    h.add_argument("--port", type=int, required=True)
    h.add_argument("--opts", required=True)
    h.add_argument("--ext")
    h.add_argument("--seed", type=int)
    a = ap.parse_args()
    if a.seed is not None:
        random.seed(a.seed)
    if a.cmd == "cases":
        return cmd_cases(a)
    a.dst4 = a.dst6 = a.src4 = a.src6 = None
    return cmd_handshake(a)


if __name__ == "__main__":
    sys.exit(main())
