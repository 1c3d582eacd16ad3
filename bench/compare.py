#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Before and after: CPU per SYN of two builds of synguard, in one boot.

Run by `make bench` in the guest in place of run.py:

    BENCH_GUEST_SCRIPT=$PWD/bench/compare.py \\
    BENCH_KO_BEFORE=/path/to/other/synguard.ko BENCH_CAPACITY_PPS=26527 \\
    make bench

Each run measures, back to back at the same flood rate (BENCH_CPU_FRACTION
of BENCH_CAPACITY_PPS), the kernel's cookies, synguard `always` from
BENCH_KO_BEFORE, synguard `always` from this tree, and nft synproxy, so
that the machine's noise falls on all four alike. Prints the median CPU
per SYN of each, and the median of the per-run ratios to the kernel's
cookies; with BENCH_PERF=1 it also profiles both builds (perf on the
server CPU) into the results directory.
"""

import os
import statistics
import subprocess
import sys

import run


def profile(name, ko, rate):
    run.KO = ko
    ct = run.defence_setup("synguard_always")
    run.SERVER.start()
    fl = run.flood_start(rate)
    data = "/tmp/perf-%s.data" % name
    subprocess.run(["perf", "record", "-e", "cpu-clock", "-C",
                    str(run.SRV_CPU), "-g", "-o", data, "--", "sleep", "4"],
                   check=False)
    run.flood_end(fl)
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio",
                          "--children", "--percent-limit", "0.25",
                          "-g", "none", "--sort", "sym"],
                         capture_output=True, text=True, check=False)
    with open(os.path.join(run.OUT, "perf-%s.txt" % name), "w") as f:
        f.write(rep.stdout + rep.stderr)
    run.log("profile of %s in perf-%s.txt" % (name, name))


def main():
    before = run.CFG.get("BENCH_KO_BEFORE")
    cap = int(run.CAP_FIXED)
    if not before or not os.path.exists(before) or not cap:
        run.log("compare: needs BENCH_KO_BEFORE (an existing .ko) and "
                "BENCH_CAPACITY_PPS")
        return 1
    after = run.KO
    rate = round(run.CPU_FRACTION * cap)
    run.modprobe("nf_conntrack", "nft_ct", "nf_synproxy_core",
                 "nft_synproxy", "veth", "dummy", "virtio_net",
                 "virtio_console")
    run.pin_housekeeping()
    run.pin_nics()
    run.FLOOD = run.HostFlood()
    run.topology()
    run.MAC = run.srv_mac()

    variants = [("kernel_cookies", None), ("before", before),
                ("after", after), ("nft_synproxy", None)]
    ns = {v: [] for v, _ in variants}
    for r in range(1, run.RUNS + 1):
        for v, ko in variants:
            run.KO = ko or after
            ct = run.defence_setup("synguard_always" if ko else v)
            run.SERVER.start()
            m = run.point(rate, ct, legit=False)
            ns[v].append(m["cpu_ns_per_syn"])
            run.log("%-15s run %d: %s" % (v, r, run.fmt_point(m)))
    base = ns["kernel_cookies"]
    for v, _ in variants:
        ratios = [a / b for a, b in zip(ns[v], base)]
        run.log("%-15s median %6d ns/SYN, median ratio to kernel cookies "
                "%.2f (runs: %s)" % (v, statistics.median(ns[v]),
                                     statistics.median(ratios), ns[v]))
    if run.cfg("BENCH_PERF", 0, int):
        profile("before", before, rate)
        profile("after", after, rate)
    run.ns_del_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
