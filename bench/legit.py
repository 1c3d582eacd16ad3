#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Legitimate clients at a steady rate, for the benchmark.

    legit.py HOST PORT [--rate R] [--duration S] [--timeout T] [--delay D]
    legit.py HOST PORT --serve

After D seconds, opens R connections a second for S seconds, each on its
own schedule whatever happened to the others (unlike
selftests/legit_client.py, which runs them one after the other, so a
point of the benchmark takes the same time whether clients succeed or
time out). Each connection connects, sends a line and waits for the
echo; it succeeds if all of that takes at most T seconds. Prints one
JSON object, with the fields of legit_client.py and a few more:
{"ok": N, "total": N, "p50_ms": F, "p99_ms": F, "timeouts": N,
"errors": N}; latencies are connect times of the successful ones.

With --serve it does that once for each line "R S T D" read from stdin,
so the benchmark pays for starting Python once, not at every point.
"""

import argparse
import errno
import json
import os
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "selftests"))
from legit_client import pct  # noqa: E402  same percentile definition

MSG = b"synguard says hello\n"


class Conn:
    def __init__(self, fam, addr):
        self.sock = socket.socket(fam, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.t0 = time.monotonic()
        self.connect_ms = None
        self.got = b""
        rc = self.sock.connect_ex(addr)
        if rc not in (0, errno.EINPROGRESS):
            raise OSError(rc, os.strerror(rc))


def run(host, port, rate, duration, timeout, delay):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    addr = (host, port)
    total = max(1, int(round(rate * duration)))
    sel = selectors.DefaultSelector()
    live = {}
    lat = []
    timeouts = errors = 0

    # ok: True on success, False on an error, None on a timeout.
    def finish(c, ok):
        nonlocal errors
        sel.unregister(c.sock)
        c.sock.close()
        del live[id(c)]
        if ok:
            lat.append(c.connect_ms)
        elif ok is False:
            errors += 1

    time.sleep(delay)
    start = time.monotonic()
    started = 0
    while started < total or live:
        now = time.monotonic()
        while started < total and now >= start + started / rate:
            try:
                c = Conn(fam, addr)
            except OSError:
                errors += 1
            else:
                live[id(c)] = c
                sel.register(c.sock, selectors.EVENT_WRITE, c)
            started += 1
        for c in list(live.values()):
            if now - c.t0 > timeout:
                timeouts += 1
                finish(c, None)
        if started < total:
            wait = start + started / rate - now
        else:
            wait = 0.05
        for key, _ in sel.select(timeout=max(0.0, min(wait, 0.05))):
            c = key.data
            try:
                if c.connect_ms is None:
                    err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        raise OSError(err, os.strerror(err))
                    c.connect_ms = (time.monotonic() - c.t0) * 1000.0
                    c.sock.send(MSG)
                    sel.modify(c.sock, selectors.EVENT_READ, c)
                    continue
                chunk = c.sock.recv(len(MSG) - len(c.got))
                if not chunk:
                    raise OSError("closed before the echo")
                c.got += chunk
                if len(c.got) == len(MSG):
                    finish(c, c.got == MSG)
            except OSError:
                finish(c, False)
    sel.close()
    lat.sort()
    return {"ok": len(lat), "total": total, "p50_ms": pct(lat, 50),
            "p99_ms": pct(lat, 99), "timeouts": timeouts, "errors": errors}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--rate", type=float, default=25.0)
    ap.add_argument("--duration", type=float, default=2.0)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--serve", action="store_true")
    a = ap.parse_args()

    if not a.serve:
        print(json.dumps(run(a.host, a.port, a.rate, a.duration, a.timeout,
                             a.delay)))
        return 0
    for line in sys.stdin:
        try:
            rate, duration, timeout, delay = (float(x) for x in line.split())
        except ValueError:
            print(json.dumps({"error": "want: RATE DURATION TIMEOUT DELAY"}),
                  flush=True)
            continue
        print(json.dumps(run(a.host, a.port, rate, duration, timeout, delay)),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
