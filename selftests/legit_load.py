#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A busy day: many legitimate clients at once, and the server they use.

    legit_load.py serve ADDR PORT [--backlog N]
    legit_load.py load ADDR PORT --rate R --seconds S [--ramp S]
                  [--sources CIDR] [--timeout S] [--bytes N] [--started FILE]

serve: an asyncio echo server (backlog 4096 by default), the way a
Python service is written. Each connection gets back what it sends,
until the client closes.

load: opens R connections a second for S seconds (reaching R over the
first --ramp seconds, linearly, as a busy day's load arrives), each
from the next
address of CIDR (bound before connect; the namespace routes CIDR to lo,
AnyIP), so that the server sees a few hundred sources. Each connection
sends N bytes (64 by default), reads them back, checks them, and
closes. Connections overlap freely: their number in flight is the rate
times the round trip. --started FILE: FILE is created when the first
connection starts, for a caller that times something from then. Prints
one JSON object when the last one ended:

    {"ok": N, "failed": N, "timeouts": N, "total": N, "rate": F,
     "plateau_rate": F, "max_connecting": N, "errors": {"ERR": N},
     "p50_ms": F, "p99_ms": F, "max_inflight": N}

"rate" is connections scheduled over the whole run, ramp included.
"plateau_rate" is the rate after the ramp that connect() was really
called at: a client too slow for R (Python under emulation) falls
behind there. "max_connecting" is the most connections that were
waiting for their SYN-ACK at once: the server cannot have held more of
this load's half-opens. p50/p99 are connect times of the successful
ones.
"""

import argparse
import asyncio
import ipaddress
import json
import os
import resource
import socket
import sys
import time


async def echo(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def serve(args):
    fam = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.addr, args.port))
    sock.listen(args.backlog)
    server = await asyncio.start_server(echo, sock=sock,
                                        backlog=args.backlog)
    async with server:
        await server.serve_forever()


class Load:
    def __init__(self, args):
        self.args = args
        self.ok = self.failed = self.timeouts = self.total = 0
        self.errors = {}
        self.lat = []
        self.inflight = self.max_inflight = 0
        self.connecting = self.max_connecting = 0
        self.t_connect = []
        self.fam = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
        self.sources = None
        if args.sources:
            net = ipaddress.ip_network(args.sources, strict=False)
            hosts = list(net.hosts()) or [net.network_address]
            self.sources = [str(h) for h in hosts]
        self.payload = os.urandom(args.bytes)

    async def one(self, i):
        loop = asyncio.get_running_loop()
        sock = None
        self.inflight += 1
        self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            sock = socket.socket(self.fam, socket.SOCK_STREAM)
            sock.setblocking(False)
            if self.sources:
                sock.bind((self.sources[i % len(self.sources)], 0))
            t0 = time.monotonic()
            if not self.t_connect and self.args.started:
                open(self.args.started, "w").close()
            self.t_connect.append(t0)
            # Counted from before the SYN to after its SYN-ACK was seen:
            # never shorter than the handshake.
            self.connecting += 1
            self.max_connecting = max(self.max_connecting, self.connecting)
            try:
                await asyncio.wait_for(
                    loop.sock_connect(sock, (self.args.addr, self.args.port)),
                    self.args.timeout)
            finally:
                self.connecting -= 1
            t1 = time.monotonic()
            await asyncio.wait_for(loop.sock_sendall(sock, self.payload),
                                   self.args.timeout)
            got = b""
            while len(got) < len(self.payload):
                chunk = await asyncio.wait_for(
                    loop.sock_recv(sock, len(self.payload) - len(got)),
                    self.args.timeout)
                if not chunk:
                    break
                got += chunk
            if got != self.payload:
                raise ConnectionError("echo mismatch")
            self.ok += 1
            self.lat.append((t1 - t0) * 1000.0)
        except asyncio.TimeoutError:
            self.timeouts += 1
            self.failed += 1
        except OSError as e:
            name = type(e).__name__
            self.errors[name] = self.errors.get(name, 0) + 1
            self.failed += 1
        finally:
            self.inflight -= 1
            if sock:
                sock.close()

    def due(self, t):
        """Connections started by time t: the integral of the rate."""
        r, ramp = self.args.rate, self.args.ramp
        if t < ramp:
            return r * t * t / (2 * ramp)
        return r * (t - ramp / 2)

    async def run(self):
        tasks = set()
        start = time.monotonic()
        end = start + self.args.seconds
        i = 0
        while True:
            now = time.monotonic()
            if now >= end:
                break
            due = int(self.due(now - start))
            while i < due:
                t = asyncio.ensure_future(self.one(i))
                tasks.add(t)
                t.add_done_callback(tasks.discard)
                i += 1
            await asyncio.sleep(0.005)
        self.total = i
        started = time.monotonic() - start
        if tasks:
            await asyncio.wait(list(tasks))
        lat = sorted(self.lat)
        # The plateau: from the end of the ramp to the end of the run.
        p0 = start + min(self.args.ramp, self.args.seconds)
        plateau = sum(1 for t in self.t_connect if p0 <= t < end)
        plateau_rate = plateau / (end - p0) if end > p0 else 0.0

        def pct(p):
            if not lat:
                return None
            return round(lat[min(len(lat) - 1, int(p / 100 * len(lat)))], 1)

        return {"ok": self.ok, "failed": self.failed,
                "timeouts": self.timeouts, "total": self.total,
                "rate": round(self.total / started, 1),
                "plateau_rate": round(plateau_rate, 1),
                "max_connecting": self.max_connecting,
                "errors": self.errors, "p50_ms": pct(50), "p99_ms": pct(99),
                "max_inflight": self.max_inflight}


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("addr")
    s.add_argument("port", type=int)
    s.add_argument("--backlog", type=int, default=4096)
    c = sub.add_parser("load")
    c.add_argument("addr")
    c.add_argument("port", type=int)
    c.add_argument("--rate", type=float, required=True)
    c.add_argument("--seconds", type=float, required=True)
    c.add_argument("--ramp", type=float, default=0.0)
    c.add_argument("--sources")
    c.add_argument("--timeout", type=float, default=10.0)
    c.add_argument("--bytes", type=int, default=64)
    c.add_argument("--started")
    args = ap.parse_args()
    # A socket per connection in flight: a busy day needs more than 1024.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.cmd == "serve":
        asyncio.run(serve(args))
        return 0
    res = asyncio.run(Load(args).run())
    json.dump(res, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
