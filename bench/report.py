#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the guest's raw.json into the benchmark's outputs.

    report.py RAW.json --out DIR [--benchmarks BENCHMARKS.md]
              [--smp N] [--load-start "1 5 15"] [--command CMD]
              [--against OTHER/results.json]

Writes DIR/results.json, DIR/results.md and DIR/legit_success.png (with
gnuplot), prints the markdown table, and, for a full run (at least 5 runs
of every defence and gateway row, default vCPUs), replaces the text
between the markers in BENCHMARKS.md. Every figure is the median over
runs. --against sets the CPU per SYN of another report (its
results.json: the 2-vCPU run beside a 4-vCPU one) beside this one's.
"""

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys

DEFENCES = ["none", "kernel_cookies", "nft_synproxy", "synguard_always",
            "synguard_auto"]
DEFENCES += [d + "_conntrack" for d in DEFENCES]
EXTRA = ["kernel_cookies_2"]
# A forwarded, DNATed service (run.py's gateway rows): reported in a table
# of their own, and in results.json beside the defences.
GATEWAY = ["gw_none", "gw_nft_synproxy", "gw_synguard_auto"]
# gw_synguard_unlearned: synguard always with the backend silent, so the
# published destination is never learned (CPU per SYN only; run.py checks
# after each point that it stayed unlearned, and a run in which it did
# not is left out of its figures).
GW_UNLEARNED = "gw_synguard_unlearned"
GW_EXTRA = ["gw_synguard_always", GW_UNLEARNED]
# Every SYN dropped in raw prerouting: the cost of receiving one (CPU per
# SYN only). Each defence's cost above it is taken within each run.
FLOOR = "floor"
# The rows with CPU per SYN only: no capacity, clients or memory.
CPU_ONLY = [FLOOR, GW_UNLEARNED]
# The guest's vCPUs in the runs that replace the recorded figures
# (bench.sh's default for each generator).
DEFAULT_CPUS = {"host": 2, "guest": 3}
BASE = "kernel_cookies"
# The kinds of point the defence tables are made of; the busy-server rows
# (kinds "detect" and "legit_load") are summarised apart.
MAIN_KINDS = ("cpu", "ladder", "saturate", "calibrate")
BUSY_DEFENCES = ["kernel_cookies", "synguard_auto"]
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
GW_COUNTERS = ["gateway_cookies", "gateway_opened", "gateway_refused",
               "gateway_learned"]


def median(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def rnd(v, nd=0):
    if v is None:
        return None
    return round(v, nd) if nd else int(round(v))


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def learned(p):
    """A CPU point of the unlearned row whose destination was found learned
    (run.py's gw_check): not a figure for that row."""
    return (p["defence"] == GW_UNLEARNED and
            (p.get("gw_check") or {}).get("unlearned") is False)


def summarise(raw):
    pts = [p for p in raw["points"] if not learned(p)]
    mem = raw.get("memory", {})
    out = {}
    for d in [FLOOR] + DEFENCES + EXTRA + GATEWAY + GW_EXTRA:
        mine = [p for p in pts
                if p["defence"] == d and p["kind"] in MAIN_KINDS]
        checked = [p for p in raw["points"]
                   if p["defence"] == d and p.get("gw_check")]
        if not mine and not checked:
            continue
        cpu = [p for p in mine if p["kind"] == "cpu"]
        lad = [p for p in mine if p["kind"] == "ladder"]
        sat = [p for p in mine if p["kind"] == "saturate"]
        caps = raw["capacity"].get(d, [])
        s = {"runs": len({p["run"] for p in cpu})}
        s["cpu_ns_per_syn"] = rnd(median(p["cpu_ns_per_syn"] for p in cpu))
        s["busy_ns_per_syn"] = rnd(median(p["busy_ns_per_syn"] for p in cpu))
        s["cpu_runs"] = [p["cpu_ns_per_syn"] for p in cpu]
        s["cpu_rate_pps"] = rnd(median(p["handled_pps"] for p in cpu))
        # The share of the time the host ran the server's vCPU.
        s["vcpu_ran"] = median(p["cpu"].get("ran") for p in mine)
        s["capacity_pps"] = rnd(median(c["pps"] for c in caps))
        s["capacity_runs"] = [c["pps"] for c in caps]
        s["capacity_generator_limited"] = any(c["generator_limited"]
                                              for c in caps)
        s["capacity_limited_runs"] = sum(c["generator_limited"] for c in caps)
        by_rate = {}
        for p in lad:
            by_rate.setdefault(p["rate"], []).append(p)
        s["legit"] = {}
        for rate in sorted(by_rate):
            ps = by_rate[rate]
            # A rung past the first failure is only run in some runs.
            if len(ps) < math.ceil(s["runs"] / 2):
                continue
            s["legit"][rate] = {
                "mult": ps[0].get("mult"),
                "n": len(ps),
                "success": round(median(p["legit"]["success"] for p in ps), 3),
                "p50_ms": rnd(median(p["legit"]["p50_ms"] for p in ps), 2),
                "p99_ms": rnd(median(p["legit"]["p99_ms"] for p in ps), 2),
                "gen_pps": rnd(median(p["gen"]["pps"] for p in ps)),
                "handled_pps": rnd(median(p["handled_pps"] for p in ps)),
                "conntrack": rnd(median(p["conntrack"] for p in ps)),
                "conntrack_peak": rnd(median(p.get("conntrack_peak")
                                             for p in ps)),
                "sg": {k: rnd(median(p["sg"].get(k) for p in ps))
                       for k in GW_COUNTERS if k in ps[0]["sg"]},
            }
        if sat:
            p = sat[0]
            sent = p["gen"]["sent"]
            dropped = p["dropped"]
            c = p["cpu"]
            busy = c["busy_s"] / ((c["busy_s"] + c["idle_s"]) or 1)
            s["saturation"] = {
                "offered_pps": p["rate"],
                "gen_pps": p["gen"]["pps"], "handled_pps": p["handled_pps"],
                "dropped": dropped, "sent": sent,
                "server_cpu_busy": round(busy, 2),
                # The server, not the path to it, was the bottleneck.
                "outran": bool(sent and dropped > 0.02 * sent and busy >= 0.75),
            }
        s["bytes_per_halfopen"] = halfopen_bytes(d, mem)
        # The host's conntrack peak during the CPU point (gateway rows).
        s["cpu_conntrack_peak"] = rnd(median(p.get("conntrack_peak")
                                             for p in cpu))
        if checked:
            v = [(p.get("gw_check") or {}).get("unlearned") for p in checked]
            s["unlearned"] = {
                "runs": len(v), "unlearned": v.count(True),
                "learned": v.count(False), "unchecked": v.count(None),
                "gateway_learned_runs": [
                    p["gw_check"]["since_load"].get("gateway_learned")
                    for p in checked],
                "gateway_cookies_share": rnd(median(
                    p["gw_check"]["point_gateway_cookies"] /
                    p["gw_check"]["point_syns"] for p in checked
                    if p["gw_check"].get("point_gateway_cookies") is not None
                    and p["gw_check"].get("point_syns")), 3)}
        out[d] = s
    floor = cpu_by_run(pts, FLOOR)
    for d, s in out.items():
        mine = cpu_by_run(pts, d)
        diffs = [v - floor[r] for r, v in mine.items() if r in floor]
        s["cpu_above_floor_runs"] = diffs
        s["cpu_above_floor"] = rnd(median(diffs))
    for d, s in out.items():
        b = out.get(BASE, {})
        s["cpu_ratio"] = ratio(s["cpu_ns_per_syn"], b.get("cpu_ns_per_syn"))
        s["cpu_above_floor_ratio"] = ratio(s["cpu_above_floor"],
                                           b.get("cpu_above_floor"))
        s["capacity_ratio"] = ratio(s["capacity_pps"], b.get("capacity_pps"))
    return out


def cpu_by_run(pts, d):
    """run -> CPU ns per SYN of defence d's CPU point in that run."""
    return {p["run"]: p["cpu_ns_per_syn"] for p in pts
            if p["defence"] == d and p["kind"] == "cpu" and
            p["cpu_ns_per_syn"] is not None}


def halfopen_bytes(d, mem):
    """Bytes the server holds per half-open the defence keeps state for."""
    base = d.replace("_conntrack", "")
    ct = d.endswith("_conntrack")
    # The objects' sizes (slabinfo); the slab deltas are kept beside them
    # in results.json as the cross-check (SLUB's active-object count is
    # approximate: partly used slabs absorb some of the new objects).
    rq = mem.get("kernel_cookies", {}).get("request_sock_objsize")
    ctb = mem.get("kernel_cookies_conntrack", {}).get("nf_conntrack_objsize")
    if base in ("none", "kernel_cookies", "kernel_cookies_2"):
        if base == "kernel_cookies_2":
            return 0            # every SYN gets a cookie
        if rq is None:
            return None
        return rq + (ctb or 0) if ct else rq
    if base in ("nft_synproxy", "synguard_always"):
        return 0                # stateless: cookies only
    if base == "synguard_auto":
        return mem.get("synguard", {}).get("documented", 53)
    return None


def summarise_busy(raw):
    """The busy-server rows: per defence, medians over runs of the time to
    detect and to recover at each flood rate, and of what legitimate load
    alone got."""
    out = {}
    for d in BUSY_DEFENCES:
        det = [p for p in raw["points"]
               if p["defence"] == d and p["kind"] == "detect"]
        load = [p for p in raw["points"]
                if p["defence"] == d and p["kind"] == "legit_load"]
        if not det and not load:
            continue
        v = {"detect": {}, "legit_load": None}
        by_rate = {}
        for p in det:
            by_rate.setdefault(p["rate"], []).append(p)
        for rate in sorted(by_rate):
            ps = by_rate[rate]
            got = [p for p in ps if p.get("detect_ms") is not None]
            rec = [p for p in ps if p.get("recover_ms") is not None]
            ext = [p for p in ps if p.get("exit_ms") is not None]
            v["detect"][rate] = {
                "n": len(ps), "flood_s": ps[0]["flood_s"],
                "detected": len(got),
                "detect_ms": rnd(median(p["detect_ms"] for p in got), 1),
                "detect_ms_runs": [p.get("detect_ms") for p in ps],
                "detect_gap_ms": rnd(median(p["detect_gap_ms"]
                                            for p in got), 1),
                "entry_ms": rnd(median(p.get("entry_ms") for p in ps), 1),
                "recovered": len(rec),
                "recover_ms": rnd(median(p["recover_ms"] for p in rec)),
                "recover_ms_runs": [p.get("recover_ms") for p in ps],
                "exit_ms": rnd(median(p["exit_ms"] for p in ext)),
                "exit_ms_runs": [p.get("exit_ms") for p in ps],
                "recover_max_s": max(p.get("recover_waited_s") or 0
                                     for p in ps),
                "probe_failed": sum(p.get("probe_failed", 0) for p in ps),
                "exits_in_flood": max(p.get("exits_in_flood", 0) for p in ps),
                "poll_ms": rnd(median(p["poll_ms"]["median"] for p in ps
                                      if p.get("poll_ms")), 2),
                "poll_max_ms": max((p["poll_ms"]["max"] for p in ps
                                    if p.get("poll_ms")), default=None),
                "gen_pps": rnd(median(p["gen"].get("pps") for p in ps)),
            }
        if load:
            med = lambda f: rnd(median(f(p) for p in load))  # noqa: E731
            v["legit_load"] = {
                "n": len(load),
                "rate": load[0]["load_rate"], "secs": load[0]["load_secs"],
                "delay_ms": load[0]["delay_ms"],
                "synguard_cookies_sent": med(
                    lambda p: p["sg"].get("cookies_sent", 0)),
                "synguard_cookies_runs": [p["sg"].get("cookies_sent", 0)
                                          for p in load],
                "cookie_mode_entries": med(
                    lambda p: p["sg"].get("cookie_mode_entries", 0)),
                "cookie_mode_exits": med(
                    lambda p: p["sg"].get("cookie_mode_exits", 0)),
                "cookies_second_half": med(second_half),
                "kernel_syncookies_sent": med(
                    lambda p: p["netstat"]["SyncookiesSent"]),
                "kernel_syncookies_runs": [p["netstat"]["SyncookiesSent"]
                                           for p in load],
                "ok": med(lambda p: p["legit"]["ok"]),
                "total": med(lambda p: p["legit"]["total"]),
                "rate_started": rnd(median(p["legit"].get("rate")
                                           for p in load), 1),
                "p99_ms": rnd(median(p["legit"]["p99_ms"] for p in load), 1),
                "max_inflight": med(lambda p: p["legit"]["max_inflight"]),
                "peak_syn_recv": med(lambda p: p["peak_syn_recv"]),
                "peak_tracked": med(lambda p: p["peak_tracked"]),
                "cpu_busy": [median(p["cpu_busy"][i] for p in load)
                             for i in range(len(load[0].get("cpu_busy", [])))],
            }
        out[d] = v
    return out


def second_half(p):
    """Cookies (both kinds) sent in the second half of a legitimate load
    (of the time until its last connection ended), from its samples
    every 0.5 s; None without them."""
    ser = p.get("cookie_series") or []
    half = [c for t, c in ser
            if t >= p.get("load_wall_s", p["load_secs"]) / 2]
    if not half:
        return None
    end = (p["sg"].get("cookies_sent", 0) +
           p["netstat"]["SyncookiesSent"])
    return end - half[0]


def secs(ms):
    return "-" if ms is None else (
        "%g ms" % ms if ms < 1000 else "%.1f s" % (ms / 1000.0))


def busy_table(raw, b):
    if not b:
        return ""
    rates = sorted({r for v in b.values() for r in v["detect"]})
    lines = []
    if rates:
        head = ["defence"] + ["detect @%d pps" % r for r in rates]
        head += ["recover after @%d pps" % r for r in rates]
        lines += ["| " + " | ".join(head) + " |",
                  "|" + "|".join(["---"] * len(head)) + "|"]
        for d, v in b.items():
            row = [d]
            for r in rates:
                x = v["detect"].get(r)
                if not x:
                    row.append("-")
                elif not x["detected"]:
                    row.append("none in %g s" % x["flood_s"])
                else:
                    row.append("%s (±%s)%s" % (
                        secs(x["detect_ms"]), secs(x["detect_gap_ms"]),
                        "" if x["detected"] == x["n"] else
                        " in %d/%d" % (x["detected"], x["n"])))
            for r in rates:
                x = v["detect"].get(r)
                if not x or not x["detected"]:
                    row.append("-")
                    continue
                cell = ("not in %g s" % x["recover_max_s"]
                        if not x["recovered"] else secs(x["recover_ms"]))
                if x["recovered"] and x["recovered"] < x["detected"]:
                    cell += " in %d/%d" % (x["recovered"], x["detected"])
                if x["exit_ms"] is not None:
                    cell += " (exits: %s)" % secs(x["exit_ms"])
                row.append(cell)
            lines.append("| " + " | ".join(row) + " |")
        cfgb = raw["config"].get("busy_config", {})
        polls = [x["poll_ms"] for v in b.values() for x in v["detect"].values()
                 if x["poll_ms"] is not None]
        pmax = [x["poll_max_ms"] for v in b.values()
                for x in v["detect"].values() if x["poll_max_ms"] is not None]
        lines += ["", "Detect: from the flood's first SYN (the server's Ip "
                  "InReceives, less what the client sent it, moving) to "
                  "its first cookie (synguard's cookies_sent, the kernel's "
                  "TcpExt SyncookiesSent moving), both seen in the guest "
                  "by reading the counters every %g ms (achieved: median "
                  "%s ms, at worst %s ms); ± is the median of the larger "
                  "of the two sampling gaps. Each flood lasts %g s against "
                  "a fresh listener (and a freshly loaded module). "
                  "Recover: from the flood's last SYN to the first of %d probe "
                  "connections in a row (one every %g ms) answered "
                  "without a cookie; for synguard, in brackets, to its "
                  "cookie_mode_exits counter moving." % (
                      cfgb.get("poll_ms"), rnd(median(polls), 1),
                      max(pmax) if pmax else "-", cfgb.get("flood_s"),
                      cfgb.get("probes_clean"), cfgb.get("probe_ms"))]
    loads = {d: v["legit_load"] for d, v in b.items() if v["legit_load"]}
    if loads:
        x0 = next(iter(loads.values()))
        lines += ["", "| defence (legitimate load only) | cookies: synguard "
                  "| cookies: kernel | in the second half | cookie mode "
                  "entries/exits | connections ok (started a second) | p99 "
                  "connect | "
                  "half-opens, peak (request sockets / tracked) |",
                  "|---|---|---|---|---|---|---|---|"]
        for d, x in loads.items():
            sgd = d.startswith("synguard")
            row = [d, fmt(x["synguard_cookies_sent"]) if sgd else "-",
                   fmt(x["kernel_syncookies_sent"]),
                   fmt(x["cookies_second_half"]),
                   "%s/%s" % (fmt(x["cookie_mode_entries"]),
                              fmt(x["cookie_mode_exits"])) if sgd else "-",
                   "%s/%s (%s/s)" % (fmt(x["ok"]), fmt(x["total"]),
                                     fmt(x["rate_started"])),
                   "%s ms" % fmt(x["p99_ms"]),
                   "%s / %s" % (fmt(x["peak_syn_recv"]),
                                fmt(x["peak_tracked"]) if sgd else "-")]
            lines.append("| " + " | ".join(row) + " |")
        lines += ["", "Legitimate load only: tools/legitload, %g "
                  "connections a second for %g s from 254 sources, %d ms of netem delay on the client's "
                  "side, against legitload serve (one server, each "
                  "defence in turn; synguard loaded just before its "
                  "load); no flood. Any cookie is a false positive; the "
                  "second half (of the time until the last connection "
                  "ended) shows whether they went on once the load was "
                  "steady. Half-opens: the server's request sockets "
                  "(SYN_RECV) and synguard's tracked ones "
                  "(halfopen_current), sampled every 0.5 s.%s" % (
                      x0["rate"], x0["secs"], x0["delay_ms"],
                      " The client's vCPU was %d%% busy, the server's %d%% "
                      "(median)." % tuple(round(100 * median(
                          x["cpu_busy"][i] for x in loads.values()))
                          for i in (0, 1))
                      if all(len(x.get("cpu_busy") or []) >= 2
                             for x in loads.values()) else "")]
    return "\n".join(lines)


def goals(s, mem):
    g = []
    a, k, p = (s.get(x, {}) for x in ("synguard_always", BASE, "nft_synproxy"))

    def check(text, ok, have):
        g.append({"goal": text, "met": ok, "measured": have})

    if a.get("cpu_ns_per_syn") and k.get("cpu_ns_per_syn"):
        r = a["cpu_ns_per_syn"] / k["cpu_ns_per_syn"]
        check("synguard always: CPU/SYN <= 2/3 of kernel cookies", r <= 2 / 3,
              "%.2fx" % r)
    if a.get("cpu_ns_per_syn") and p.get("cpu_ns_per_syn"):
        r = a["cpu_ns_per_syn"] / p["cpu_ns_per_syn"]
        check("synguard always: CPU/SYN <= 1/2 of nft synproxy", r <= 0.5,
              "%.2fx" % r)
    if a.get("capacity_pps") is not None and k.get("capacity_pps"):
        r = a["capacity_pps"] / k["capacity_pps"]
        check("synguard always: capacity >= 1.5x kernel cookies", r >= 1.5,
              "%.2fx" % r)
    for d in ("synguard_always", "synguard_auto"):
        plain, ct = s.get(d), s.get(d + "_conntrack")
        if not plain or not ct:
            continue
        bad = [r for r, v in plain["legit"].items() if v["success"] >= 0.99 and
               (r not in ct["legit"] or ct["legit"][r]["success"] < 0.99)]
        check("%s with conntrack: >= 99%% legit wherever it is without" % d,
              not bad, "fails at %s pps" % bad if bad else "holds at every rate")
    b = s.get("synguard_auto", {}).get("bytes_per_halfopen")
    alloc = mem.get("synguard", {}).get("allocated_per_slot")
    if b is not None:
        check("synguard: <= 64 bytes per tracked half-open (as designed)",
              b <= 64, "%d bytes documented" % b)
    if alloc is not None:
        check("synguard: <= 64 bytes per tracked half-open (as allocated)",
              alloc <= 64, "%g bytes measured" % alloc)
    return g


def fmt(v, unit=""):
    return "-" if v is None else "%s%s" % (v, unit)


def legit_cell(v):
    if not v:
        return "-"
    p50 = "-" if v["p50_ms"] is None else "%g" % v["p50_ms"]
    p99 = "-" if v["p99_ms"] is None else "%g" % v["p99_ms"]
    return "%d%% (%s/%s)" % (round(v["success"] * 100), p50, p99)


def table(raw, s):
    cap = raw.get("kernel_capacity_calibrated")
    rates = [round(m * cap) for m in raw["config"]["legit_points"]]
    lines = []
    head = ["defence", "CPU ns/SYN", "x kernel", "above floor", "x kernel",
            "capacity pps", "x kernel"]
    head += ["legit @%d pps" % r for r in rates]
    head += ["bytes/half-open"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(["---"] * len(head)) + "|")
    for d in [FLOOR] + DEFENCES + EXTRA:
        if d not in s:
            continue
        v = s[d]
        capv = v["capacity_pps"]
        capt = fmt(capv)
        if capv == 0:
            capt = "< %d" % round(raw["config"]["rungs"][0] * cap)
        if v["capacity_limited_runs"]:
            capt += " (%d†)" % v["capacity_limited_runs"]
        row = [("*%s*" % d) if d in EXTRA + [FLOOR] else d,
               fmt(v["cpu_ns_per_syn"]), fmt(v["cpu_ratio"]),
               fmt(v["cpu_above_floor"]), fmt(v["cpu_above_floor_ratio"]),
               capt, fmt(v["capacity_ratio"])]
        row += [legit_cell(v["legit"].get(r)) for r in rates]
        b = v["bytes_per_halfopen"]
        row += ["0 (cookies)" if b == 0 else fmt(b)]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append("† runs in which the harness, not the server, ended the "
                 "ladder (frames lost before the server while it still had "
                 "idle time: the host did not run the guest or QEMU); the "
                 "capacity of such a run is the last rung passed before.")
    return "\n".join(lines)


def gw_table(raw, s):
    """The gateway rows: CPU per SYN, capacity, and at each legit point the
    clients' success and the host's conntrack peak."""
    cap = raw.get("kernel_capacity_calibrated")
    gc = raw["config"].get("gateway_config", {})
    rates = [round(m * cap) for m in gc.get("legit_points",
                                             raw["config"]["legit_points"])]
    rungs = gc.get("rungs", raw["config"]["rungs"])
    ctmax = raw["config"]["conntrack_max"]
    head = ["forwarded service", "CPU ns/SYN", "above floor", "capacity pps"]
    head += ["legit @%d pps (conntrack peak)" % r for r in rates]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---"] * len(head)) + "|"]
    for d in GATEWAY + GW_EXTRA:
        if d not in s:
            continue
        v = s[d]
        capt = fmt(v["capacity_pps"])
        if v["capacity_pps"] == 0:
            capt = "< %d" % round(rungs[0] * cap)
        if v["capacity_limited_runs"]:
            capt += " (%d†)" % v["capacity_limited_runs"]
        row = [("*%s*" % d) if d in CPU_ONLY else d,
               fmt(v["cpu_ns_per_syn"]), fmt(v["cpu_above_floor"]), capt]
        for r in rates:
            x = v["legit"].get(r)
            row.append("%s (%s/%d)" % (legit_cell(x), fmt(x["conntrack_peak"]),
                                       ctmax) if x else "-")
        lines.append("| " + " | ".join(row) + " |")
    sg = [(r, x["sg"]) for r, x in
          sorted(s.get("gw_synguard_auto", {}).get("legit", {}).items())
          if x.get("sg")]
    lines += ["", "The server's namespace as a Docker host: %s. The flood "
              "and the clients at the published port; the backend's echo "
              "server answers. The ladder's rungs: %s x the kernel's "
              "capacity. gw_none: no defence on the host (the "
              "backend's tcp_syncookies=1); gw_nft_synproxy: raw notrack "
              "for SYNs from outside, `ct state invalid,untracked synproxy "
              "mss 1460 wscale 7 timestamp sack-perm` in %s, "
              "nf_conntrack_tcp_loose=0; gw_synguard_auto (_always): synguard "
              "loaded in auto (always), gateway mode on. CPU per SYN includes "
              "whatever the backend spends on the SYNs that reach it (its "
              "receive processing runs on the same CPU). Conntrack peak: "
              "the host's table, sampled every 0.1 s during each point, of "
              "nf_conntrack_max. The flood: %s, so that every flood SYN is "
              "for one entry of synguard's table of gateway "
              "destinations." % (
                  gc.get("topology", "?"),
                  ", ".join("%g" % m for m in rungs),
                  " and ".join(gc.get("synproxy_chains", ["?"])),
                  gc.get("flood") or "%s, to the published port" %
                  raw["config"].get("syn", "?"))]
    u = s.get(GW_UNLEARNED)
    if u:
        chk = u.get("unlearned", {})
        n = chk.get("runs", 0)
        lines += ["", "*%s*: synguard loaded in always, gateway mode on, the "
                  "backend silent (%s), so that the published destination "
                  "is never learned: every flood SYN takes the path of a "
                  "destination not learned yet (one SYN a second let "
                  "through to learn from, within the namespace's budget; "
                  "cookies with conservative options for the rest). CPU "
                  "per SYN only, as the floor: no client gets through a "
                  "silent backend (capacity and clients -). The destination "
                  "was checked after each point (synguard's "
                  "gateway_learned since it was loaded, and the "
                  "destination's entry in `synguardctl -j backends`): "
                  "unlearned in %d of %d run(s)%s%s; gateway cookies for "
                  "%s of the SYNs received (median); the host's conntrack "
                  "peak during the point %s/%d." % (
                      GW_UNLEARNED,
                      "nft in its namespace drops what it receives on, and "
                      "sends from, the service's port",
                      chk.get("unlearned", 0), n,
                      ", learned in %d, left out of the figures" %
                      chk["learned"] if chk.get("learned") else "",
                      ", not checked in %d" % chk["unchecked"]
                      if chk.get("unchecked") else "",
                      "-" if chk.get("gateway_cookies_share") is None else
                      "%d%%" % round(100 * chk["gateway_cookies_share"]),
                      fmt(u.get("cpu_conntrack_peak")), ctmax)]
    if sg:
        lines += ["gw_synguard_auto's counters at each rung: " +
                  "; ".join("@%d pps %s" % (r, ", ".join(
                      "%s +%s" % (k, fmt(n)) for k, n in c.items()))
                      for r, c in sg) + "."]
    return "\n".join(lines)


def gen_table(s):
    lines = ["| defence | offered pps | generator sent pps | server received "
             "pps | lost | server CPU busy | generator outran server |",
             "|---|---|---|---|---|---|---|"]
    for d in DEFENCES + EXTRA + GATEWAY + GW_EXTRA:
        v = s.get(d, {}).get("saturation")
        if v:
            lines.append("| %s | %d | %d | %d | %d | %d%% | %s |" % (
                d, v["offered_pps"], v["gen_pps"], v["handled_pps"],
                v["dropped"],
                round(v["server_cpu_busy"] * 100),
                "yes" if v["outran"] else "**no**"))
    return "\n".join(lines)


def host_info(args, raw):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        qemu = subprocess.run(["qemu-system-x86_64", "--version"],
                              capture_output=True, text=True).stdout.split("\n")[0]
    except OSError:
        qemu = "unknown"
    return {
        "host_cpu": cpu, "host_cpus": os.cpu_count(),
        "host_kernel": platform.release(),
        "host_load_start": args.load_start,
        "host_load_end": args.load_end or " ".join(
            "%.2f" % x for x in os.getloadavg()),
        "qemu": qemu + ", TCG (no KVM)", "guest_vcpus": args.smp,
        "guest_kernel": raw["kernel"],
    }


def plot(raw, s, outdir):
    gp = shutil.which("gnuplot")
    # Names relative to outdir, where gnuplot runs: no paths of this
    # machine in the files.
    dat = "legit_success.dat"
    names = [d for d in DEFENCES + EXTRA if d in s and s[d]["legit"]]
    if not names:
        return True             # nothing measured under flood to plot
    with open(os.path.join(outdir, dat), "w") as f:
        for d in names:
            f.write("# %s\n" % d)
            for rate, v in sorted(s[d]["legit"].items()):
                f.write("%g %g\n" % (rate / 1000.0, v["success"] * 100))
            f.write("\n\n")
    cap = raw.get("kernel_capacity_calibrated") or 0
    script = [
        "set terminal pngcairo size 1100,650 font ',10'" if gp else "",
        "set output 'legit_success.png'",
        "set title 'Legitimate connections under a spoofed SYN flood "
        "(%s, QEMU TCG, median of %d runs)'" % (raw["kernel"],
                                                 raw["config"]["runs"]),
        "set xlabel 'flood rate offered (kpps)'",
        "set ylabel 'legitimate connections that succeed (%)'",
        "set yrange [-5:105]", "set xrange [0:*]", "set grid",
        "set key outside right",
        "set arrow from %g, graph 0 to %g, graph 1 nohead dt 3" % (
            cap / 1000.0, cap / 1000.0),
        "set label 'kernel capacity' at %g, graph 0.04 offset 0.5,0" %
        (cap / 1000.0),
    ]
    # One colour a defence; with conntrack dashed, with open points.
    colour = {"none": "#000000", "kernel_cookies": "#d62728",
              "nft_synproxy": "#1f77b4", "synguard_always": "#2ca02c",
              "synguard_auto": "#ff7f0e", "kernel_cookies_2": "#7f7f7f"}
    point = {"none": 5, "kernel_cookies": 7, "nft_synproxy": 9,
             "synguard_always": 13, "synguard_auto": 11,
             "kernel_cookies_2": 15}
    styles = []
    for i, d in enumerate(names):
        base = d.replace("_conntrack", "")
        ct = d != base
        styles.append("'%s' index %d with linespoints lw 2 dt %d lc rgb '%s' "
                      "pt %d ps 1.3 title '%s'" % (
                          dat, i, 2 if ct else 1, colour.get(base, "#8c564b"),
                          point.get(base, 1) - (1 if ct else 0),
                          d.replace("_", " ")))
    script.append("plot " + ", \\\n     ".join(styles))
    gpfile = os.path.join(outdir, "legit_success.gp")
    with open(gpfile, "w") as f:
        f.write("\n".join(x for x in script if x) + "\n")
    if not gp:
        print("report: gnuplot not found; wrote %s only" % gpfile,
              file=sys.stderr)
        return False
    r = subprocess.run([gp, "legit_success.gp"], capture_output=True,
                       text=True, cwd=outdir)
    if r.returncode:
        # pngcairo may be missing: the plain png terminal will do.
        with open(gpfile) as f:
            text = f.read().replace("set terminal pngcairo", "set terminal png")
        with open(gpfile, "w") as f:
            f.write(text)
        r = subprocess.run([gp, "legit_success.gp"], capture_output=True,
                           text=True, cwd=outdir)
    if r.returncode:
        print("report: gnuplot failed: %s" % r.stderr, file=sys.stderr)
        return False
    return True


def floor_text(s):
    what = ("Above floor: CPU ns/SYN minus that of *floor* (every SYN "
            "dropped in raw prerouting: the cost of receiving it) in the "
            "same run, median over runs; its x kernel is the ratio of those "
            "to kernel_cookies'.")
    if FLOOR not in s:
        return what + " This run measured no floor: those columns are -."
    return what + (" *floor* has no clients, capacity or memory figures "
                   "(-): every SYN is dropped.")


def against(other, s):
    """CPU per SYN here against another report's results.json (the 2-vCPU
    run beside a 4-vCPU one): the rows both have, the floor first."""
    if not other:
        return None
    det = other.get("details", {})
    rows = []
    for d in [FLOOR] + DEFENCES + EXTRA + GATEWAY + GW_EXTRA:
        if d not in s or d not in det:
            continue
        here, there = s[d], det[d]
        rows.append({
            "defence": d,
            "cpu_ns_per_syn": [here["cpu_ns_per_syn"],
                               there.get("cpu_ns_per_syn")],
            "cpu_above_floor": [here["cpu_above_floor"],
                                there.get("cpu_above_floor")],
            "runs": [here["runs"], there.get("runs")]})
    cond = other.get("conditions", {})
    return {"guest_vcpus": cond.get("guest_vcpus"),
            "kernel": other.get("kernel"),
            "timestamp": other.get("timestamp"),
            "module_rev": cond.get("config", {}).get("module_rev"),
            "cpu_rate_pps": cond.get("cpu_rate_pps"),
            "rows": rows}


def against_text(a, info, raw):
    if not a or not a["rows"]:
        return []
    lines = ["", "Against another run: %s vCPUs, kernel %s, measured %s%s, "
             "CPU cost at %s pps (this run: %s vCPUs, %s pps). Each run's "
             "figures are against its own floor; ratios are this run's "
             "over the other's." % (
                 a["guest_vcpus"], a["kernel"], a["timestamp"],
                 ", module %s" % a["module_rev"] if a["module_rev"] else "",
                 a["cpu_rate_pps"], info["guest_vcpus"], raw.get("cpu_rate")),
             "",
             "| row | CPU ns/SYN | other run | ratio | above floor | other "
             "run | ratio | runs (this/other) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in a["rows"]:
        c, f = r["cpu_ns_per_syn"], r["cpu_above_floor"]
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s/%s |" % (
            r["defence"], fmt(c[0]), fmt(c[1]), fmt(ratio(c[0], c[1])),
            fmt(f[0]), fmt(f[1]), fmt(ratio(f[0], f[1])),
            fmt(r["runs"][0]), fmt(r["runs"][1])))
    return lines


def markdown(raw, s, g, info, args, b=None, a=None):
    cap = raw.get("kernel_capacity_calibrated")
    cfg = raw["config"]
    lines = [
        "Kernel %s, %s; measured %s." % (raw["kernel"], info["qemu"],
                                          raw.get("finished", raw["updated"])),
        "Host: %s, %d CPUs, load average %s at the start and %s at the end." % (
            info["host_cpu"], info["host_cpus"], info["host_load_start"],
            info["host_load_end"]),
        "Guest: %s vCPUs: the server's receive processing on CPU %s, "
        "everything else on CPU %s%s; the flood from %s. Command: `%s`." % (
            info["guest_vcpus"], cfg["cpu_layout"]["server"],
            cfg["cpu_layout"]["housekeeping"],
            " (CPU %s: no interrupt and nothing the benchmark starts)" %
            ", ".join(str(c) for c in cfg["cpu_layout"]["spare"])
            if cfg["cpu_layout"].get("spare") else "",
            "the host (tools/synflood.c into the server's virtio NIC)"
            if cfg.get("generator", "host") == "host" else
            "CPU %s of the guest (veth, RPS)" % cfg["cpu_layout"]["generator"],
            args.command),
    ]
    if cfg.get("module_rev"):
        lines[-1] += " Module: %s." % cfg["module_rev"]
    if s:
        lines += [
            "",
            "Medians of %d runs. Kernel capacity (calibration): %s pps; CPU "
            "cost measured at %s pps; legitimate clients: %g connections/s "
            "for %g s at each rate, %g s timeout; success = at least %d%%." % (
                cfg["runs"], cap, raw.get("cpu_rate"), cfg["legit_rate"],
                cfg["legit_secs"], cfg["legit_timeout_s"], cfg["pass"] * 100),
            "Legit cells: success (p50/p99 connect ms). The host ran the "
            "server's vCPU %d%% of the time (median over all points; the "
            "rest went to other work on the machine)." % round(100 * (median(
                p["cpu"].get("ran") for p in raw["points"] if "cpu" in p)
                or 0)),
            floor_text(s),
            "",
            table(raw, s),
            "",
            "Did the generator outrun the server? The flood at the top rung "
            "(%gx the kernel's capacity), without clients; outran: frames "
            "were lost before the server while it was at least 75%% busy." %
            cfg["rungs"][-1],
            "",
            gen_table(s),
        ]
        if any(d in s for d in GATEWAY + GW_EXTRA):
            lines += ["", "A forwarded service (gateway rows): medians of "
                      "%d runs, the same flood, clients and ladder." %
                      cfg["runs"], "", gw_table(raw, s)]
        lines += against_text(a, info, raw)
        lines += ["", "Goals:", ""]
        for x in g:
            lines.append("- %s %s: %s" % ("MET" if x["met"] else "MISSED",
                                          x["goal"], x["measured"]))
    if b:
        n = max(x["n"] for v in b.values()
                for x in list(v["detect"].values()) +
                ([v["legit_load"]] if v["legit_load"] else []))
        lines += ["", "Busy servers: when cookies start and stop, and "
                  "legitimate load alone (%s)." % (
                      "medians of %d runs" % n if n > 1 else "one run"),
                  "", busy_table(raw, b)]
    mem = raw.get("memory", {})
    sg = mem.get("synguard", {})
    kc, kct = mem.get("kernel_cookies", {}), mem.get("kernel_cookies_conntrack", {})
    if kc:
        lines += ["", "Memory: a request_sock_TCP is %s bytes and an "
                  "nf_conntrack entry %s (slabinfo); %d spoofed SYNs added "
                  "%d request sockets (slab delta %d objects), %d more with "
                  "conntrack added %d entries (slab delta %d objects)." % (
                      kc.get("request_sock_objsize"),
                      kct.get("nf_conntrack_objsize"), kc.get("syns", 0),
                      kc.get("halfopen", 0), kc.get("request_sock_objs", 0),
                      kct.get("syns", 0), kct.get("conntrack_entries", 0),
                      kct.get("nf_conntrack_objs", 0))]
    if sg:
        lines += ["synguard's table: %s bytes per slot documented; "
                  "allocated, from namespaces with 4096 and 65536 slots "
                  "(slab + vmalloc deltas): %s bytes per slot." % (
                      sg.get("documented"), sg.get("allocated_per_slot"))]
    return "\n".join(lines) + "\n"


def busy_json(v):
    """The busy-server figures of one defence, as results.json has them."""
    out = {}
    if v["detect"]:
        out["time_to_detect_ms"] = {str(r): x["detect_ms"]
                                    for r, x in v["detect"].items()}
        out["time_to_recover_ms"] = {str(r): x["recover_ms"]
                                     for r, x in v["detect"].items()}
        if any(x["exit_ms"] is not None for x in v["detect"].values()):
            out["cookie_mode_exit_ms"] = {str(r): x["exit_ms"]
                                          for r, x in v["detect"].items()}
    x = v["legit_load"]
    if x:
        out["legit_load_cookies_sent"] = (
            (x["synguard_cookies_sent"] or 0) + (x["kernel_syncookies_sent"]
                                                 or 0))
        out["legit_load_connections"] = {"ok": x["ok"], "total": x["total"]}
    return out


def results_json(raw, s, g, info, b=None, a=None):
    b = b or {}
    defences = {}
    for d in DEFENCES:
        if d not in s and d not in b:
            continue
        defences[d] = {}
        if d in s:
            v = s[d]
            defences[d] = {
                "cpu_ns_per_syn": v["cpu_ns_per_syn"],
                "cpu_ns_per_syn_above_floor": v["cpu_above_floor"],
                "capacity_pps": v["capacity_pps"],
                "legit_success": {str(r): x["success"]
                                  for r, x in v["legit"].items()},
                "p99_connect_ms": {str(r): x["p99_ms"]
                                   for r, x in v["legit"].items()},
                "bytes_per_halfopen": v["bytes_per_halfopen"],
            }
        if d in b:
            defences[d].update(busy_json(b[d]))
    details = {d: {k: v for k, v in s[d].items()} for d in s}
    for d, v in b.items():
        details.setdefault(d, {})["busy"] = v
    gateway = {d: {
        "cpu_ns_per_syn": s[d]["cpu_ns_per_syn"],
        "cpu_ns_per_syn_above_floor": s[d]["cpu_above_floor"],
        "capacity_pps": s[d]["capacity_pps"],
        "legit_success": {str(r): x["success"]
                          for r, x in s[d]["legit"].items()},
        "conntrack_peak": {str(r): x["conntrack_peak"]
                           for r, x in s[d]["legit"].items()},
        "cpu_point_conntrack_peak": s[d]["cpu_conntrack_peak"],
    } for d in GATEWAY + GW_EXTRA if d in s}
    if GW_UNLEARNED in gateway:
        gateway[GW_UNLEARNED]["unlearned"] = s[GW_UNLEARNED].get("unlearned")
    return {
        "kernel": raw["kernel"],
        "timestamp": raw.get("finished", raw["updated"]),
        "defences": defences,
        "gateway": gateway,
        "units": {"cpu_ns_per_syn": "ns of softirq time on the server's "
                  "CPU per SYN received",
                  "cpu_ns_per_syn_above_floor": "cpu_ns_per_syn minus that "
                  "of the floor (every SYN dropped in raw prerouting) in the "
                  "same run, median over runs",
                  "capacity_pps": "highest offered "
                  "flood rate with >= 99% legitimate success",
                  "legit_success": "offered flood pps -> fraction",
                  "p99_connect_ms": "offered flood pps -> ms",
                  "bytes_per_halfopen": "bytes of server state per "
                  "half-open the defence tracks; 0 = cookies only",
                  "time_to_detect_ms": "flood pps -> ms from the flood's "
                  "first SYN to the first cookie, counters sampled in the "
                  "guest (details: busy, detect_gap_ms is the resolution)",
                  "time_to_recover_ms": "flood pps -> ms from the flood's "
                  "last SYN to the first of several probe connections in a "
                  "row answered without a cookie",
                  "cookie_mode_exit_ms": "flood pps -> ms from the flood's "
                  "last SYN to synguard's cookie_mode_exits moving",
                  "legit_load_cookies_sent": "cookies (synguard's and the "
                  "kernel's) sent during legitimate load only: false "
                  "positives",
                  "legit_load_connections": "legitimate-load connections "
                  "that succeeded, of those started",
                  "gateway": "a DNATed service behind this host (the "
                  "gateway rows), figures as the defences'; conntrack_peak: "
                  "offered flood pps -> the host's conntrack entries at "
                  "most during the point; cpu_point_conntrack_peak: the "
                  "same during the CPU-cost point; unlearned (%s only): "
                  "in how many runs the published destination was found "
                  "unlearned after the point (runs found learned are left "
                  "out of its figures)" % GW_UNLEARNED},
        "conditions": dict(info, **{
            "runs": raw["config"]["runs"],
            "kernel_capacity_pps": raw.get("kernel_capacity_calibrated"),
            "cpu_rate_pps": raw.get("cpu_rate"),
            "generator_max_pps": raw.get("generator_max_pps"),
            "config": raw["config"]}),
        "details": details,
        "memory": raw.get("memory"),
        "goals": g,
        "against": a,
    }


def jsonable(o):
    if isinstance(o, dict):
        return {str(k): jsonable(v) for k, v in o.items()}
    if isinstance(o, list):
        return [jsonable(v) for v in o]
    return o


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("--out", required=True)
    ap.add_argument("--benchmarks")
    ap.add_argument("--smp", default="?")
    ap.add_argument("--load-start", default="?")
    ap.add_argument("--load-end", help="default: now")
    ap.add_argument("--command", default="make bench")
    ap.add_argument("--against", metavar="RESULTS.json",
                    help="another report's results.json: CPU per SYN of "
                    "the rows both have, side by side")
    args = ap.parse_args()

    with open(args.raw) as f:
        raw = json.load(f)
    other = None
    if args.against:
        try:
            with open(args.against) as f:
                other = json.load(f)
        except (OSError, ValueError) as e:
            print("report: cannot read %s (%s): nothing to set beside" %
                  (args.against, e), file=sys.stderr)
    s = summarise(raw)
    b = summarise_busy(raw)
    g = goals(s, raw.get("memory", {}))
    info = host_info(args, raw)
    a = against(other, s)
    os.makedirs(args.out, exist_ok=True)
    res = jsonable(results_json(raw, s, g, info, b, a))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    md = markdown(raw, s, g, info, args, b, a)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(md)
    plotted = plot(raw, s, args.out)
    print(md)

    cfg = raw["config"]
    full = (cfg["runs"] >= 5 and all(d in s for d in DEFENCES) and
            cfg.get("busy", "1") == "1" and
            all(d in s for d in GATEWAY) and
            cfg.get("cpus", 2) == DEFAULT_CPUS.get(cfg.get("generator",
                                                           "host")))
    if args.benchmarks and full and os.path.exists(args.benchmarks):
        with open(args.benchmarks) as f:
            text = f.read()
        if BEGIN in text and END in text:
            pre, rest = text.split(BEGIN, 1)
            _, post = rest.split(END, 1)
            with open(args.benchmarks, "w") as f:
                f.write(pre + BEGIN + "\n" + md + END + post)
            print("report: figures written to %s" % args.benchmarks)
    elif args.benchmarks:
        print("report: not a full run (BENCH_RUNS >= 5, every defence, "
              "the busy-server rows, the gateway rows, the default "
              "vCPUs); %s left as it is" % args.benchmarks)
    return 0 if plotted else 1


if __name__ == "__main__":
    sys.exit(main())
