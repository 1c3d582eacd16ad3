#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A legitimate client: COUNT short connections, one after the other.

    legit_client.py HOST PORT [--count N | --seconds S] [--timeout S]
                              [--parallel P]

With --seconds it keeps connecting until S seconds have passed, however
many connections that makes (pausing 50 ms after a failed one). With
--parallel, P clients share the work at once, each one connection after
the other: a run whose connections mostly time out then takes a P-th of
the time.

Each connection connects, sends a line and waits for the server to echo
it. Prints one JSON object: {"ok": N, "total": N, "p50_ms": F,
"p99_ms": F}; latencies are connect times of the successful ones.
"""

import argparse
import json
import socket
import sys
import threading
import time


def one(host, port, timeout):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        t0 = time.monotonic()
        s.connect((host, port))
        t1 = time.monotonic()
        msg = b"synguard says hello\n"
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            chunk = s.recv(len(msg) - len(got))
            if not chunk:
                break
            got += chunk
        if got != msg:
            raise IOError("echo mismatch")
        return (t1 - t0) * 1000.0


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    i = min(len(sorted_vals) - 1, int(round(p / 100.0 * (len(sorted_vals) - 1))))
    return round(sorted_vals[i], 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--parallel", type=int, default=1)
    a = ap.parse_args()

    lat = []
    total = [0]
    lock = threading.Lock()
    end = time.monotonic() + a.seconds if a.seconds else None

    def take():
        with lock:
            if end is None and total[0] >= a.count:
                return False
            total[0] += 1
            return True

    def client():
        while (end is None or time.monotonic() < end) and take():
            try:
                ms = one(a.host, a.port, a.timeout)
                with lock:
                    lat.append(ms)
            except (OSError, IOError):
                # A refused connection fails at once: do not spin on it.
                if end is not None:
                    time.sleep(0.05)

    workers = [threading.Thread(target=client)
               for _ in range(max(1, a.parallel))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    total = total[0]
    lat.sort()
    print(json.dumps({"ok": len(lat), "total": total,
                      "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
