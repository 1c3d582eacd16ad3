#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The guest side of `make bench`: measure every defence, write raw.json.

Run by selftests/qemu/bench.sh inside the QEMU guest (never on a real
host: it loads modules, changes global sysctls and IRQ affinities).
Settings come from bench.env in the results directory (see bench.sh);
everything measured goes to raw.json there, written again after every
defence so a crash keeps what was done. bench/report.py turns it into
the tables, results.json and the plot.

Two ways to flood (BENCH_GEN):

host (default): synflood runs natively on the host (bench/hostflood.py,
  driven from here over a virtio-serial port) and writes into a QEMU hub
  that joins two virtio NICs:

    host: synflood -F --> [QEMU hub] -+-> NIC ..:02  srv eth0 10.0.1.2
                                      +-> NIC ..:03  cli eth0 10.0.1.3

  Flood and legitimate clients share the server's NIC and its queue, as
  on a real server; its interrupts and so its NAPI polling are on CPU 1.
  Everything else runs on CPU 0.

guest: synflood runs in the guest (CPU 0), on veth, and RPS sends the
  server's receive processing to CPU 1:

    att veth0 10.0.1.1 -- veth0 10.0.1.2 srv veth1 10.0.2.2 -- veth0 10.0.2.1 cli

  Under TCG the generator then costs about as much per SYN as the server
  does, so it cannot outrun it; kept for machines with real CPUs.

Either way srv routes the spoofed sources (10.128.0.0/9) through a
gateway on a dummy device: a SYN-ACK costs the server its making and
sending, and nothing else. The server's cost is read from CPU 1's
/proc/stat (the guest is booted with nohz=off, so every tick samples
what the CPU was doing).
"""

import ctypes
import glob
import json
import os
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time

REPO = os.environ["SYNGUARD_REPO"]
OUT = os.environ["SYNGUARD_RESULTS"]
KREL = os.uname().release
KO = os.path.join(REPO, "build", "bench", KREL, "synguard.ko")
SYNFLOOD = os.path.join(REPO, "build", "synflood")
LEGIT = os.path.join(REPO, "bench", "legit.py")
LOAD = os.path.join(REPO, "build", "legitload")

ATT, CLI, SRV = "sgb-att", "sgb-cli", "sgb-srv"
# The gateway rows: srv as a Docker host that publishes PORT by DNAT to a
# backend namespace behind a veth, a container's echo server on BE_PORT:
#
#   cli --> srv eth0 10.0.1.2:8080 --DNAT, forward--> gw0 172.31.0.1
#                                        -- eth0 172.31.0.2:80 be
BE = "sgb-be"
GW_IF, GW_IP, BE_IP, BE_PORT = "gw0", "172.31.0.1", "172.31.0.2", 80
SPOOF = "10.128.0.0/9"
PORT = 8080
BACKLOG = 1024
USER_HZ = os.sysconf("SC_CLK_TCK")

DEFENCES = ["none", "kernel_cookies", "nft_synproxy", "synguard_always",
            "synguard_auto"]
DEFENCES += [d + "_conntrack" for d in DEFENCES]
# Not in results.json's "defences" (its names are fixed), reported beside;
# measured in the first run only.
EXTRA = ["kernel_cookies_2"]
# Not a defence: every SYN to the port dropped in raw prerouting, the cost
# of receiving one. Measured first in every run (whatever BENCH_DEFENCES
# says), CPU per SYN only: no client gets through, so no capacity ladder.
FLOOR = "floor"

# The gateway rows (BENCH_GATEWAY): a forwarded, DNATed service, the
# flood at the published port, with no defence on the host, nft synproxy,
# and synguard's gateway mode. Reported beside the defences. The flood's
# SYNs come from random sources in SPOOF (random source ports), all to
# the one published destination, SRV_IP:PORT: every one of them is for
# the same entry of synguard's table of gateway destinations.
GATEWAY = ["gw_none", "gw_nft_synproxy", "gw_synguard_auto"]
# synguard's gateway mode in always with the backend silent (it answers
# neither SYN-ACK nor RST, NFT_BE_SILENT): the destination is never
# learned, and every flood SYN takes the path for an unlearned
# destination (one a second let through to learn from, within the
# namespace's budget; cookies with conservative options for the rest).
# CPU per SYN only, as the floor: no client gets through a silent
# backend. After the point the destination is checked to have stayed
# unlearned (gw_unlearned_check()).
GW_UNLEARNED = "gw_synguard_unlearned"
# Measured only when BENCH_DEFENCES names them.
GW_EXTRA = ["gw_synguard_always", GW_UNLEARNED]
# The gateway rows' ladder starts lower: forwarding, DNAT and a conntrack
# lookup cost a SYN more than a local listener's answer (at half the
# kernel's capacity the gateway's CPU is about full, whatever the
# defence).
GW_RUNGS = [0.125, 0.25, 0.375, 0.5, 0.75, 1.0]
GW_LEGIT_POINTS = [0.125, 0.25, 0.5]

# The rows with no clients (CPU per SYN only: no saturation point, no
# capacity ladder): the floor and the unlearned gateway destination.
CPU_ONLY = [FLOOR, GW_UNLEARNED]

# Capacity ladder, in multiples of the kernel's capacity; the legitimate
# client figures are read at LEGIT_POINTS.
RUNGS = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0]
LEGIT_POINTS = [0.5, 1.0, 1.5]

NETSTAT_KEYS = ["SyncookiesSent", "SyncookiesRecv", "SyncookiesFailed",
                "ListenOverflows", "ListenDrops", "TCPReqQFullDoCookies",
                "TCPReqQFullDrop", "PassiveOpens", "OutRsts"]
SG_KEYS = ["syn_received", "syn_passed", "cookies_sent", "cookies_validated",
           "cookies_rejected", "cookie_mode_entries", "cookie_mode_exits",
           "halfopen_added", "table_full",
           # Read where the module has them (sg_stats() skips the rest).
           "halfopen_completed", "source_limit_hits", "listener_full",
           "acks_unmatched", "gateway_cookies", "gateway_opened",
           "gateway_refused", "gateway_learned", "gateway_unlisted"]


def env_cfg():
    cfg = {}
    path = os.path.join(OUT, "bench.env")
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                cfg[k.strip()] = v.strip()
    return cfg


CFG = env_cfg()


def cfg(name, default, conv=float):
    v = CFG.get(name, os.environ.get(name, ""))
    return conv(v) if v != "" else default


RUNS = cfg("BENCH_RUNS", 5, int)
SECS = cfg("BENCH_SECS", 2.0)            # legit window per flood point
CPU_SECS = cfg("BENCH_CPU_SECS", 3.0)    # flood per CPU-cost point
LEGIT_RATE = cfg("BENCH_LEGIT_RATE", 25.0)
LEGIT_TIMEOUT = cfg("BENCH_LEGIT_TIMEOUT", 2.0)
WARM = cfg("BENCH_WARM", 0.5)            # flood before the clients start
CT_MAX = cfg("BENCH_CT_MAX", 512, int)
CAP_FIXED = cfg("BENCH_CAPACITY_PPS", 0.0)
CPU_FRACTION = cfg("BENCH_CPU_FRACTION", 0.5)
ONLY = [d for d in CFG.get("BENCH_DEFENCES", "").replace(",", " ").split() if d]
# 1: the gateway rows after the defences in every run; 0: not; only: the
# floor and the gateway rows and nothing else (no memory, no busy rows).
GATEWAY_ON = CFG.get("BENCH_GATEWAY", "1") or "1"
PASS = 0.99

GEN = CFG.get("BENCH_GEN", "host")
SRV_NIC_MAC = CFG.get("BENCH_SRV_NIC", "52:54:00:5b:00:02")
CLI_NIC_MAC = CFG.get("BENCH_CLI_NIC", "52:54:00:5b:00:03")
NCPU = os.cpu_count()
SRV_CPU = 1
if GEN == "host":
    GEN_CPU, HK_CPU = None, 0
    SRV_IF, SRV_IP, LEGIT_DST = "eth0", "10.0.1.2", "10.0.1.2"
    CLI_IF, CLI_IP = "eth0", "10.0.1.3"
else:
    GEN_CPU, HK_CPU = 0, (2 if NCPU >= 3 else 0)
    SRV_IF, SRV_IP, LEGIT_DST = "veth0", "10.0.1.2", "10.0.2.2"
    CLI_IF, CLI_IP = "veth0", "10.0.2.1"

# Busy servers (issue 12): time to detect and to recover, and cookies
# under legitimate load only. BENCH_BUSY=1 measures them after the
# defences in each of the first BENCH_BUSY_RUNS runs, 0 skips them, "only"
# measures nothing else.
BUSY = CFG.get("BENCH_BUSY", "1") or "1"
BUSY_DEFENCES = ["kernel_cookies", "synguard_auto"]
BUSY_RUNS = cfg("BENCH_BUSY_RUNS", 3, int)   # in the first this many runs
# Flood rates for detection: BENCH_DETECT_RATES (pps), else a slow flood
# and the CPU-cost rate (half the kernel's capacity).
DETECT_RATES = [int(float(x)) for x in
                CFG.get("BENCH_DETECT_RATES", "").replace(",", " ").split()]
DETECT_SLOW = 2000
DETECT_SECS = cfg("BENCH_DETECT_SECS", 3.0)   # length of each flood
POLL_S = cfg("BENCH_POLL_MS", 2.0) / 1000     # counter sampling period
PROBE_S = cfg("BENCH_PROBE_MS", 100.0) / 1000  # probe SYN period
PROBES_CLEAN = 3                  # probes without a cookie in a row: out
RECOVER_MAX = cfg("BENCH_RECOVER_MAX", 60.0)  # give up waiting after this
LOAD_RATE = cfg("BENCH_LOAD_RATE", 300.0)     # legitload connections/s
LOAD_SECS = cfg("BENCH_LOAD_SECS", 12.0)
LOAD_RAMP = cfg("BENCH_LOAD_RAMP", 4.0)     # seconds to reach LOAD_RATE
LOAD_DELAY_MS = cfg("BENCH_LOAD_DELAY_MS", 500, int)  # client-side netem
LOAD_SOURCES = "10.0.5.0/24"      # the client's AnyIP sources
# synguardctl, for the unlearned row's check of the gateway table (the
# guest's init names it; else the tree's, if built).
SG_CTL = os.environ.get("SYNGUARD_CTL") or os.path.join(REPO, "tools",
                                                        "synguardctl")


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def sh(cmd, ns=None, check=True, capture=True, timeout=60):
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    r = subprocess.run(cmd, stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.PIPE if capture else None,
                       text=True, timeout=timeout)
    if check and r.returncode:
        raise RuntimeError("%s: %s" % (" ".join(cmd), (r.stderr or "").strip()))
    return r.stdout if capture else ""


def write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def nswrite(ns, path, value):
    sh(["sh", "-c", "echo %s > %s" % (value, path)], ns=ns)


def sysctl(ns, **kv):
    args = ["sysctl", "-qw"] + ["%s=%s" % (k.replace("__", "."), v)
                                for k, v in kv.items()]
    sh(args, ns=ns)


# --------------------------------------------------------------------------
# Counters

def cpu_ticks(cpu):
    """user, nice, system, idle, iowait, irq, softirq, steal of one CPU."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu%d " % cpu):
                v = [int(x) for x in line.split()[1:9]]
                return v
    raise RuntimeError("no cpu%d in /proc/stat" % cpu)


def cpu_delta(a, b, wall):
    """Seconds of each kind of CPU time, from /proc/stat's tick samples.

    The guest runs with nohz=off, so every tick samples what the CPU is
    doing. A tick the vCPU misses while the host is not running it is
    lost rather than misfiled: the samples add up to the time the vCPU
    actually ran, not to the time that passed (the rest is host
    contention, which the guest cannot see as steal time under TCG).
    "ran" is the fraction of the elapsed time the samples cover."""
    d = [(y - x) / USER_HZ for x, y in zip(a, b)]
    total = sum(d)
    return {"softirq_s": round(d[6], 3), "irq_s": round(d[5], 3),
            "system_s": round(d[2], 3), "user_s": round(d[0] + d[1], 3),
            "idle_s": round(d[3] + d[4], 3),
            "busy_s": round(total - d[3] - d[4], 3),
            "ran": round(total / wall, 3) if wall else None}


# Namespaces are read through /proc/PID/net of a process that lives in
# them (an "anchor"), which costs no fork of `ip netns exec`.
ANCHOR = {}


def nsproc(ns, path):
    return open("/proc/%d/%s" % (ANCHOR[ns].pid, path)).read()


def link_stats(ns, dev):
    for line in nsproc(ns, "net/dev").splitlines():
        name, _, rest = line.partition(":")
        if name.strip() == dev:
            v = [int(x) for x in rest.split()]
            return {"rx_packets": v[1], "rx_dropped": v[3],
                    "tx_packets": v[9], "tx_dropped": v[11]}
    raise RuntimeError("no %s in %s" % (dev, ns))


def softnet(cpu):
    """processed and dropped of one CPU's backlog (/proc/net/softnet_stat)."""
    with open("/proc/net/softnet_stat") as f:
        rows = [line.split() for line in f]
    for row in rows:
        # Since 6.x the CPU number is the 13th column; older: row order.
        if len(row) >= 13 and int(row[12], 16) == cpu:
            return int(row[0], 16), int(row[1], 16)
    return int(rows[cpu][0], 16), int(rows[cpu][1], 16)


def netstat(ns):
    vals = {}
    for f in ("net/netstat", "net/snmp"):
        lines = nsproc(ns, f).splitlines()
        for head, body in zip(lines[0::2], lines[1::2]):
            for k, v in zip(head.split()[1:], body.split()[1:]):
                vals[k] = int(v)
    return {k: vals.get(k, 0) for k in NETSTAT_KEYS}


def sg_stats():
    d = "/sys/kernel/synguard/stats"
    if not os.path.isdir(d):
        return {}
    return {k: int(open(os.path.join(d, k)).read()) for k in SG_KEYS
            if os.path.exists(os.path.join(d, k))}


def ct_count(ns):
    """Conntrack entries in ns (the first column of any row)."""
    try:
        rows = nsproc(ns, "net/stat/nf_conntrack").splitlines()
        return int(rows[1].split()[0], 16)
    except (OSError, IndexError, ValueError):
        return 0


TCP_STATES = {"01": "established", "03": "syn_recv", "06": "time_wait",
              "08": "close_wait", "09": "last_ack", "0A": "listen"}


def tcp_states(ns):
    """How many IPv4 TCP sockets ns has in each state."""
    n = {}
    for line in nsproc(ns, "net/tcp").splitlines()[1:]:
        st = TCP_STATES.get(line.split()[3], line.split()[3])
        n[st] = n.get(st, 0) + 1
    return n


def syn_recv(ns):
    """Request sockets (SYN_RECV, state 03) in ns."""
    return sum(1 for line in nsproc(ns, "net/tcp").splitlines()[1:]
               if line.split()[3] == "03")


def diff(a, b):
    return {k: b[k] - a.get(k, 0) for k in b}


def slab(name):
    """(active objects, object size) from /proc/slabinfo."""
    with open("/proc/slabinfo") as f:
        for line in f:
            p = line.split()
            if p and p[0] == name:
                return int(p[1]), int(p[3])
    return 0, 0


def meminfo():
    m = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":")
            m[k] = int(v.split()[0]) * 1024
    return m


# --------------------------------------------------------------------------
# The machine

def pin_housekeeping():
    """Everything that is not the flood or the server away from CPU 1."""
    mask = "%x" % (1 << HK_CPU)
    for f in glob.glob("/proc/irq/*/smp_affinity"):
        try:
            write(f, mask)
        except OSError:
            pass
    for f in ("/proc/irq/default_smp_affinity",
              "/sys/devices/virtual/workqueue/cpumask"):
        try:
            write(f, mask)
        except OSError:
            pass
    # Move every movable task off CPU 1 too.
    others = set(range(NCPU)) - {SRV_CPU}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                os.sched_setaffinity(int(pid), others)
            except OSError:
                pass
    os.sched_setaffinity(0, {HK_CPU})


def modprobe(*mods):
    for m in mods:
        sh(["modprobe", m], check=False)


def sg_unload():
    if os.path.isdir("/sys/module/synguard"):
        sh(["rmmod", "synguard"])


def sg_load(*params):
    sg_unload()
    sh(["insmod", KO] + list(params))


# --------------------------------------------------------------------------
# Topology

def ns_del_all():
    SERVER.stop()
    BE_SERVER.stop()
    LEGIT_CLIENT.stop()
    for p in ANCHOR.values():
        p.kill()
        p.wait()
    ANCHOR.clear()
    for ns in (BE, ATT, CLI, SRV):
        if os.path.exists("/run/netns/" + ns):
            if GEN == "host" and ns != BE:
                # Hand the NIC back now, not when the namespace is gone
                # (and under a name no other NIC has).
                sh(["ip", "-n", ns, "link", "set", "eth0", "name", ns],
                   check=False)
                sh(["ip", "-n", ns, "link", "set", ns, "netns", "1"],
                   check=False)
            pids = sh(["ip", "netns", "pids", ns], check=False).split()
            for p in pids:
                try:
                    os.kill(int(p), signal.SIGKILL)
                except OSError:
                    pass
            sh(["ip", "netns", "del", ns], check=False)


def rps(ns, dev, cpu):
    nswrite(ns, "/sys/class/net/%s/queues/rx-0/rps_cpus" % dev,
            "%x" % (1 << cpu))


def wait_up(ns, dev):
    for _ in range(100):
        if "state UP" in sh(["ip", "-n", ns, "link", "show", dev]):
            return
        time.sleep(0.1)
    raise RuntimeError("%s in %s does not come up" % (dev, ns))


def server_common():
    """What both topologies give the server: the sink for its SYN-ACKs.

    Through a gateway, as on a real server: a route straight onto the
    device would make the kernel create a neighbour entry for every
    spoofed address it answers, a cost no real server pays."""
    sh(["ip", "-n", SRV, "link", "add", "sink0", "type", "dummy"])
    sh(["ip", "-n", SRV, "addr", "add", "10.0.9.1/24", "dev", "sink0"])
    sh(["ip", "-n", SRV, "link", "set", "sink0", "up"])
    sh(["ip", "-n", SRV, "route", "add", SPOOF, "via", "10.0.9.2"])
    sysctl(SRV, net__ipv4__conf__all__rp_filter=0,
           net__ipv4__conf__default__rp_filter=0)


def topology_guest():
    for ns in (ATT, CLI, SRV):
        sh(["ip", "netns", "add", ns])
        sh(["ip", "-n", ns, "link", "set", "lo", "up"])
    sh(["ip", "link", "add", "sgbA", "netns", ATT, "type", "veth", "peer",
        "name", "sgbS0", "netns", SRV])
    sh(["ip", "link", "add", "sgbC", "netns", CLI, "type", "veth", "peer",
        "name", "sgbS1", "netns", SRV])
    sh(["ip", "-n", ATT, "link", "set", "sgbA", "name", "veth0"])
    sh(["ip", "-n", CLI, "link", "set", "sgbC", "name", "veth0"])
    sh(["ip", "-n", SRV, "link", "set", "sgbS0", "name", "veth0"])
    sh(["ip", "-n", SRV, "link", "set", "sgbS1", "name", "veth1"])
    for ns, dev, addr in ((ATT, "veth0", "10.0.1.1/24"),
                          (SRV, "veth0", "10.0.1.2/24"),
                          (SRV, "veth1", "10.0.2.2/24"),
                          (CLI, "veth0", "10.0.2.1/24")):
        sh(["ip", "-n", ns, "addr", "add", addr, "dev", dev])
        sh(["ip", "-n", ns, "link", "set", dev, "up"])
    server_common()
    sysctl(SRV, net__ipv4__conf__veth0__rp_filter=0)
    rps(SRV, "veth0", SRV_CPU)
    rps(SRV, "veth1", SRV_CPU)
    rps(ATT, "veth0", GEN_CPU)
    rps(CLI, "veth0", HK_CPU)
    wait_up(SRV, "veth0")
    wait_up(SRV, "veth1")


def nic_by_mac(mac, wait=60):
    """The name of the NIC with this MAC in the initial namespace."""
    end = time.monotonic() + wait
    while True:
        for dev in os.listdir("/sys/class/net"):
            try:
                if open("/sys/class/net/%s/address" % dev).read().strip() == mac:
                    return dev
            except OSError:
                pass
        # A deleted namespace hands its NICs back asynchronously.
        if time.monotonic() > end:
            raise RuntimeError("no NIC with MAC %s" % mac)
        time.sleep(0.1)


def nic_irqs(dev):
    """The interrupts of a virtio NIC, from /proc/interrupts."""
    virtio = os.path.basename(os.readlink("/sys/class/net/%s/device" % dev))
    irqs = []
    for line in open("/proc/interrupts"):
        if re.search(r"\b%s-" % virtio, line):
            irqs.append(line.split(":")[0].strip())
    return irqs


def pin_nics():
    """The server NIC's interrupts (so its NAPI polling) on CPU 1."""
    for mac, cpu in ((SRV_NIC_MAC, SRV_CPU), (CLI_NIC_MAC, HK_CPU)):
        dev = nic_by_mac(mac)
        for irq in nic_irqs(dev):
            try:
                write("/proc/irq/%s/smp_affinity_list" % irq, cpu)
            except OSError as e:
                log("cannot pin IRQ %s of %s: %s" % (irq, dev, e))


def topology_host():
    for ns in (CLI, SRV):
        sh(["ip", "netns", "add", ns])
        sh(["ip", "-n", ns, "link", "set", "lo", "up"])
    for ns, mac, addr in ((SRV, SRV_NIC_MAC, SRV_IP + "/24"),
                          (CLI, CLI_NIC_MAC, "10.0.1.3/24")):
        dev = nic_by_mac(mac)
        sh(["ip", "link", "set", dev, "netns", ns])
        sh(["ip", "-n", ns, "link", "set", dev, "name", "eth0"])
        sysctl(ns, net__ipv6__conf__eth0__disable_ipv6=1)
        sh(["ip", "-n", ns, "addr", "add", addr, "dev", "eth0"])
        sh(["ip", "-n", ns, "link", "set", "eth0", "up"])
    server_common()
    sysctl(SRV, net__ipv4__conf__eth0__rp_filter=0)
    wait_up(SRV, "eth0")
    wait_up(CLI, "eth0")
    # The first packets would otherwise wait for ARP.
    sh(["ping", "-c", "1", "-W", "2", SRV_IP], ns=CLI, check=False)


def topology():
    ns_del_all()
    if GEN == "host":
        topology_host()
    else:
        topology_guest()
    for ns in (SRV, CLI):
        ANCHOR[ns] = subprocess.Popen(["ip", "netns", "exec", ns, "sleep",
                                       "infinity"])
    LEGIT_CLIENT.start()


def gw_topology():
    """The backend namespace, behind srv's gw0, once a topology."""
    if BE in ANCHOR:
        return
    sh(["ip", "netns", "add", BE])
    sh(["ip", "-n", BE, "link", "set", "lo", "up"])
    sh(["ip", "link", "add", "sgbG", "netns", SRV, "type", "veth", "peer",
        "name", "sgbB", "netns", BE])
    sh(["ip", "-n", SRV, "link", "set", "sgbG", "name", GW_IF])
    sh(["ip", "-n", BE, "link", "set", "sgbB", "name", "eth0"])
    for ns, dev, addr in ((SRV, GW_IF, GW_IP + "/24"),
                          (BE, "eth0", BE_IP + "/24")):
        sysctl(ns, **{"net__ipv6__conf__%s__disable_ipv6" % dev: 1})
        sh(["ip", "-n", ns, "addr", "add", addr, "dev", dev])
        sh(["ip", "-n", ns, "link", "set", dev, "up"])
    sh(["ip", "-n", BE, "route", "add", "default", "via", GW_IP])
    wait_up(SRV, GW_IF)
    wait_up(BE, "eth0")
    ANCHOR[BE] = subprocess.Popen(["ip", "netns", "exec", BE, "sleep",
                                   "infinity"])


def srv_mac():
    return sh(["cat", "/sys/class/net/%s/address" % SRV_IF],
              ns=SRV).strip()


NFT_FW = """
table inet fw {
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related accept
		ct state invalid drop
		tcp dport %d ct state new accept
	}
}
""" % PORT

# The kernel selftest's synproxy setup (nft_synproxy.sh), for a local
# server: SYNs from outside are not tracked, and whatever conntrack
# cannot place (the cookie ACK, with tcp_loose=0) goes to synproxy,
# which runs before the firewall.
NFT_SYNPROXY = """
table inet sgb_synproxy {
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		iifname != "lo" tcp dport %d tcp flags & (syn | ack) == syn notrack
	}
	chain input {
		type filter hook input priority filter - 1; policy accept;
		tcp dport %d ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm
		ct state invalid drop
	}
}
""" % (PORT, PORT)


# The gateway rows' host: Docker's nat rules for a published port (DNAT
# in nat prerouting, and in nat output for the host's own connections),
# and its forward filter with the conntrack rules.
NFT_GW = """
table ip sgb_gw {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local tcp dport %(port)d dnat to %(be)s:%(bport)d
	}
	chain output {
		type nat hook output priority -100; policy accept;
		ip daddr != 127.0.0.0/8 fib daddr type local tcp dport %(port)d dnat to %(be)s:%(bport)d
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		ct state invalid drop
		ip daddr %(be)s tcp dport %(bport)d ct state new accept
		iifname "%(gw)s" accept
	}
}
""" % {"port": PORT, "be": BE_IP, "bport": BE_PORT, "gw": GW_IF}

# SYNPROXY for forwarded traffic: SYNs from outside not tracked, and
# what conntrack cannot place (untracked SYNs, the cookie ACK with
# tcp_loose=0) to synproxy, ahead of the forward filter. An untracked
# packet is never NATed, so the SYN and the ACK for a DNATed port stay
# addressed to the host and arrive at input, not forward: the rule is in
# both (GW_SYNPROXY_CHAINS). synproxy's own SYN to the server, sent from
# the host, is DNATed in nat output.
NFT_GW_SYNPROXY_HEAD = """
table ip sgb_gw_synproxy {
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		iifname != { "lo", "%s" } tcp dport %d tcp flags & (syn | ack) == syn notrack
	}
""" % (GW_IF, PORT)
NFT_GW_SYNPROXY_CHAIN = """
	chain %s {
		type filter hook %s priority filter - 1; policy accept;
		ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm
		ct state invalid drop
	}
"""


def nft_gw_synproxy():
    chains = CFG.get("BENCH_GW_SYNPROXY_CHAINS", "input forward").split()
    return NFT_GW_SYNPROXY_HEAD + "".join(
        NFT_GW_SYNPROXY_CHAIN % (c, c) for c in chains) + "}\n"


# The backend made silent (GW_UNLEARNED): the SYNs synguard lets through
# to learn from are dropped on arrival, and nothing it might send leaves,
# so the gateway sees neither a SYN-ACK nor a RST from it.
NFT_BE_SILENT = """
table inet sgb_silent {
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport %d drop
	}
	chain output {
		type filter hook output priority filter; policy accept;
		tcp sport %d drop
	}
}
""" % (BE_PORT, BE_PORT)


NFT_FLOOR = """
table inet sgb_floor {
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		tcp dport %d tcp flags & (syn | ack) == syn drop
	}
}
""" % PORT


def nft(ns, rules):
    r = subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"],
                       input=rules, text=True, capture_output=True)
    if r.returncode:
        raise RuntimeError("nft in %s: %s" % (ns, r.stderr))


def defence_setup(name):
    """Configure srv for a defence, undoing whatever the last one set up;
    returns whether conntrack is on. A gateway row (gw_*) makes srv the
    gateway to the backend, and its echo server the one point() uses;
    GW_UNLEARNED is gw_synguard_always with the backend silent."""
    global ECHO
    gw = name.startswith("gw_")
    silent = name == GW_UNLEARNED
    base = name[len("gw_"):] if gw else name.replace("_conntrack", "")
    if silent:
        base = "synguard_always"
    ct = name.endswith("_conntrack")
    SERVER.stop()
    BE_SERVER.stop()
    sg_unload()
    rules = "flush ruleset\n"
    if gw:
        gw_topology()
        nft(BE, "flush ruleset\n" + (NFT_BE_SILENT if silent else ""))
        rules += NFT_GW
        if base == "nft_synproxy":
            rules += nft_gw_synproxy()
    else:
        if base == "nft_synproxy":
            rules += NFT_SYNPROXY
        if base == FLOOR:
            rules += NFT_FLOOR
        if ct:
            rules += NFT_FW
    nft(SRV, rules)
    sh(["conntrack", "-F"], ns=SRV, check=False)
    sysctl(SRV, net__ipv4__ip_forward=int(gw))
    ECHO = BE_SERVER if gw else SERVER
    # A gateway's own cookies are for its own listeners: it has none here.
    sysctl(SRV, net__ipv4__tcp_syncookies=1 if gw else {
        "none": 0, "kernel_cookies_2": 2}.get(base, 1))
    if os.path.exists("/proc/%d/net/stat/nf_conntrack" % ANCHOR[SRV].pid):
        sysctl(SRV, net__netfilter__nf_conntrack_tcp_loose=int(
            base != "nft_synproxy"))
    if base.startswith("synguard_"):
        sg_load("mode=" + base[len("synguard_"):])
    return ct or gw or base == "nft_synproxy"


def wait_listen(ns, port, secs):
    want = ":%04X 00000000:0000 0A" % port      # listening on port
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if want in nsproc(ns, "net/tcp"):
            return True
        time.sleep(0.02)
    return False


class Server:
    """The echo server; restarted between points to drop its SYN queue."""

    def __init__(self, ns=SRV, port=PORT):
        self.ns, self.port = ns, port
        self.p = None

    def start(self):
        self.stop()
        self.p = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "taskset", "-c", str(HK_CPU),
             "socat", "TCP4-LISTEN:%d,reuseaddr,fork,backlog=%d" %
             (self.port, BACKLOG), "PIPE"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        if not wait_listen(self.ns, self.port, 4):
            raise RuntimeError("echo server did not start in " + self.ns)

    def stop(self):
        if self.p:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except OSError:
                pass
            self.p.wait()
            self.p = None


SERVER = Server()
# The container's, behind the gateway (the gateway rows).
BE_SERVER = Server(BE, BE_PORT)
# The one the clients reach through PORT: defence_setup() picks it.
ECHO = SERVER


class LegitClient:
    """bench/legit.py --serve in the client namespace, on the CPU for the
    rest; one run of clients a line."""

    def __init__(self):
        self.p = None

    def start(self):
        self.stop()
        self.p = subprocess.Popen(
            ["ip", "netns", "exec", CLI, "taskset", "-c", str(HK_CPU),
             "python3", LEGIT, LEGIT_DST, str(PORT), "--serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, delay):
        self.p.stdin.write("%g %g %g %g\n" % (LEGIT_RATE, SECS,
                                              LEGIT_TIMEOUT, delay))
        self.p.stdin.flush()
        res = json.loads(self.p.stdout.readline())
        res["success"] = res["ok"] / res["total"]
        return res

    def stop(self):
        if self.p:
            self.p.kill()
            self.p.wait()
            self.p = None


LEGIT_CLIENT = LegitClient()


# --------------------------------------------------------------------------
# One measurement

class GuestFlood:
    """synflood in the attacker namespace, on CPU 0."""

    def start(self, rate, secs=0, count=0):
        cmd = ["ip", "netns", "exec", ATT, "taskset", "-c", str(GEN_CPU),
               SYNFLOOD, "-i", "veth0", "-m", MAC, "-d", SRV_IP,
               "-p", str(PORT), "-s", SPOOF, "-r", str(int(rate))]
        if secs:
            cmd += ["-t", str(secs)]
        if count:
            cmd += ["-c", str(count)]
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)

    def end(self, stop=True):
        if stop and self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
        out, _ = self.p.communicate(timeout=60)
        return json.loads(out)


class HostFlood:
    """synflood on the host, over the virtio-serial port "synflood"."""

    def __init__(self):
        dev = None
        for _ in range(100):
            for name in glob.glob("/sys/class/virtio-ports/*/name"):
                if open(name).read().strip() == "synflood":
                    dev = "/dev/" + name.split("/")[-2]
            if dev and os.path.exists(dev):
                break
            time.sleep(0.1)
        if not dev:
            raise RuntimeError("no virtio port named synflood")
        self.fd = os.open(dev, os.O_RDWR)
        self.buf = b""
        if self.cmd("hello") != "ok":
            raise RuntimeError("the host's flood controller does not answer")

    def cmd(self, line):
        os.write(self.fd, (line + "\n").encode())
        while b"\n" not in self.buf:
            chunk = os.read(self.fd, 4096)
            if not chunk:
                raise RuntimeError("the host's flood controller went away")
            self.buf += chunk
        reply, self.buf = self.buf.split(b"\n", 1)
        return reply.decode().strip()

    def start(self, rate, secs=0, count=0):
        r = self.cmd("start %d %g %d %s %s %d %s" % (
            rate, secs, count, MAC, SRV_IP, PORT, SPOOF))
        if r != "started":
            raise RuntimeError("host flood: " + r)

    def end(self, stop=True):
        return json.loads(self.cmd("stop" if stop else "stop wait"))


FLOOD = None


def flood_start(rate, secs=0, count=0):
    FLOOD.start(rate, secs, count)
    return FLOOD


def flood_end(f, stop=True):
    return f.end(stop)


def snapshot():
    return {"t": time.monotonic(), "cpu": cpu_ticks(SRV_CPU),
            "link": link_stats(SRV, SRV_IF), "softnet": softnet(SRV_CPU),
            "netstat": netstat(SRV), "sg": sg_stats()}


def measure(a, b, gen, ct):
    m = {"wall_s": round(b["t"] - a["t"], 3)}
    m["cpu"] = cpu_delta(a["cpu"], b["cpu"], b["t"] - a["t"])
    m["link"] = diff(a["link"], b["link"])
    m["softnet_processed"] = b["softnet"][0] - a["softnet"][0]
    m["softnet_dropped"] = b["softnet"][1] - a["softnet"][1]
    m["netstat"] = diff(a["netstat"], b["netstat"])
    m["sg"] = diff(a["sg"], b["sg"])
    m["gen"] = gen
    handled = m["link"]["rx_packets"]
    m["syns_handled"] = handled
    if GEN == "host":
        # Lost in QEMU's queue for the NIC, or in the NIC's ring.
        m["dropped"] = max(0, gen["sent"] - handled) + m["link"]["rx_dropped"]
    else:
        m["dropped"] = m["link"]["rx_dropped"] + m["softnet_dropped"]
    m["handled_pps"] = round(handled / gen["seconds"]) if gen["seconds"] else 0
    m["cpu_ns_per_syn"] = (round(m["cpu"]["softirq_s"] * 1e9 / handled)
                           if handled else None)
    m["busy_ns_per_syn"] = (round(m["cpu"]["busy_s"] * 1e9 / handled)
                            if handled else None)
    m["conntrack"] = ct_count(SRV) if ct else 0
    return m


def quiesce(limit=5.0):
    """Wait until the server has received everything still queued for it
    (QEMU holds up to 10000 frames for a NIC that cannot keep up)."""
    end = time.monotonic() + limit
    last = link_stats(SRV, SRV_IF)["rx_packets"]
    while time.monotonic() < end:
        time.sleep(0.2)
        now = link_stats(SRV, SRV_IF)["rx_packets"]
        if now - last < 10:
            return
        last = now


def reset(ct):
    """A fresh listener (no SYN queue) and, with conntrack, no entries."""
    ECHO.start()
    if ct:
        sh(["conntrack", "-F"], ns=SRV, check=False)


class CtPeak(threading.Thread):
    """The largest conntrack count of srv, sampled every 0.1 s from this
    process (on the housekeeping CPU) until stopped."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, ct_count(SRV))
            self.done.wait(0.1)

    def stop(self):
        self.done.set()
        self.join()
        return max(self.peak, ct_count(SRV))


def point(rate, ct, legit=True, secs=None):
    """A flood at rate (0: flat out); legitimate clients during it. On a
    gateway row the conntrack peak during the flood too."""
    reset(ct)
    peak = CtPeak() if ECHO is BE_SERVER else None
    a = snapshot()
    if peak:
        peak.start()
    fl = flood_start(rate)
    res = None
    if legit:
        res = LEGIT_CLIENT.run(WARM)
    else:
        time.sleep(secs or CPU_SECS)
    gen = flood_end(fl)
    quiesce()
    b = snapshot()
    m = measure(a, b, gen, ct)
    if peak:
        m["conntrack_peak"] = peak.stop()
    m["rate"] = int(rate)
    m["legit"] = res
    if res and res["success"] < PASS:
        m["srv_tcp_states"] = tcp_states(SRV)
    return m


def gw_unlearned_check(m):
    """After GW_UNLEARNED's CPU point m: did the published destination stay
    unlearned, so that the figure is for that path? synguard's counters
    since defence_setup() loaded it (totals over every namespace: only
    srv forwards), gateway_learned above all, which every backend's
    SYN-ACK or refusing RST the gateway learns from moves; and, where
    synguardctl is at hand, srv's table of gateway destinations
    (`synguardctl -j backends`): the published destination's entry, if
    it has one, must say learned false and mss 0. Also whether the flood
    got gateway cookies (not passed to the backend while gateway mode
    started). "unlearned": True, False, or None if nothing could tell."""
    total = sg_stats()
    keys = ("syn_received", "syn_passed", "gateway_cookies",
            "gateway_unlisted", "gateway_learned", "gateway_refused")
    c = {"since_load": {k: total.get(k) for k in keys},
         "point_gateway_cookies": m["sg"].get("gateway_cookies"),
         "point_syn_passed": m["sg"].get("syn_passed"),
         "point_syns": m["syns_handled"]}
    verdicts = []
    if total.get("gateway_learned") is not None:
        verdicts.append(total["gateway_learned"] == 0)
    if os.access(SG_CTL, os.X_OK):
        rows, err = None, ""
        try:
            r = subprocess.run(["ip", "netns", "exec", SRV, SG_CTL, "-j",
                                "backends"], capture_output=True, text=True,
                               timeout=30)
            err = (r.stderr or r.stdout).strip()[-300:]
            if r.returncode == 0:
                rows = json.loads(r.stdout)
        except (OSError, ValueError, subprocess.TimeoutExpired) as e:
            err = str(e)
        if not isinstance(rows, list):
            c["backends_error"] = err or "no answer"
        else:
            mine = [b for b in rows if b.get("addr") == SRV_IP and
                    b.get("port") == PORT]
            c["backends"] = mine
            c["destinations"] = len(rows)
            verdicts.append(not any(b.get("learned") or b.get("mss")
                                    for b in mine))
    else:
        c["backends_error"] = "no synguardctl"
    c["unlearned"] = all(verdicts) if verdicts else None
    return c


def fmt_point(m):
    s = "rate %6d: gen %6d pps, srv %6d pps, drop %6d, softirq %5.2fs" % (
        m["rate"], m["gen"]["pps"], m["handled_pps"],
        m["dropped"], m["cpu"]["softirq_s"])
    if m["cpu_ns_per_syn"]:
        s += ", %d ns/SYN" % m["cpu_ns_per_syn"]
    s += ", ran %d%%" % round(100 * (m["cpu"]["ran"] or 0))
    if m["legit"]:
        s += ", legit %d/%d p99 %s ms" % (m["legit"]["ok"], m["legit"]["total"],
                                         m["legit"]["p99_ms"])
    if "conntrack_peak" in m:
        s += ", conntrack peak %d" % m["conntrack_peak"]
    c = m.get("gw_check")
    if c:
        s += ", destination %s (gateway_learned %s, cookies %s, %s)" % (
            {True: "unlearned", False: "LEARNED",
             None: "not checked"}[c["unlearned"]],
            c["since_load"].get("gateway_learned"),
            c["point_gateway_cookies"],
            "backends: %s" % (", ".join(
                "%s:%s learned %s mss %s" % (b.get("addr"), b.get("port"),
                                             b.get("learned"), b.get("mss"))
                for b in c["backends"]) or "no entry")
            if "backends" in c else c.get("backends_error"))
    return s


# --------------------------------------------------------------------------
# The phases

RAW = {"kernel": KREL, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
       "config": {}, "points": [], "capacity": {}, "memory": {}}


def save():
    RAW["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    tmp = os.path.join(OUT, "raw.json.tmp")
    with open(tmp, "w") as f:
        json.dump(RAW, f, indent=1)
    os.rename(tmp, os.path.join(OUT, "raw.json"))


def record(defence, run, kind, m):
    m.update({"defence": defence, "run": run, "kind": kind})
    RAW["points"].append(m)
    log("  %-24s %-6s %s" % (defence, kind, fmt_point(m)))


def calibrate():
    """The kernel's capacity: a coarse geometric search, then one halving."""
    ct = defence_setup("kernel_cookies")
    rate, good, bad = 2000, 0, 0
    while True:
        m = point(rate, ct)
        record("kernel_cookies", 0, "calibrate", m)
        why = harness_limit(m, rate)
        if why:
            log("calibration: %s" % why)
            break
        if m["legit"]["success"] < PASS:
            bad = rate
            break
        good = rate
        rate = round(rate * 1.6)
    if bad and good:
        mid = round((good * bad) ** 0.5)
        m = point(mid, ct)
        record("kernel_cookies", 0, "calibrate", m)
        if m["legit"]["success"] >= PASS:
            good = mid
    good = good or rate
    log("kernel capacity (calibration): %d pps" % good)
    return good


def busy_fraction(m):
    c = m["cpu"]
    return c["busy_s"] / ((c["busy_s"] + c["idle_s"]) or 1)


def harness_limit(m, rate):
    """Why a point measured the harness rather than the server, or None:
    the generator fell 15% short of the rate, or frames were lost on the
    way (QEMU's queue for the NIC) while the server still had time."""
    if m["gen"]["pps"] < 0.85 * rate:
        return "the generator reached %d of %d pps" % (m["gen"]["pps"], rate)
    if m["dropped"] > 0.02 * m["gen"]["sent"] and busy_fraction(m) < 0.75:
        return ("%d frames lost before the server, which was only %d%% busy" %
                (m["dropped"], round(100 * busy_fraction(m))))
    return None


def ladder(defence, run, ct, cap):
    """Rungs up to the first failure past the legit points; the capacity.

    A rung the harness could not deliver ends the ladder: from there on
    the generator or QEMU, not the server, would be measured."""
    capacity, failed, limited = 0, False, False
    rungs, points = RUNGS, LEGIT_POINTS
    if defence in GATEWAY + GW_EXTRA:
        rungs, points = GW_RUNGS, GW_LEGIT_POINTS
    for mult in rungs:
        if failed and mult not in points:
            if mult > max(points):
                break
            continue
        rate = round(mult * cap)
        m = point(rate, ct)
        m["mult"] = mult
        record(defence, run, "ladder", m)
        why = harness_limit(m, rate)
        if why:
            m["harness_limited"] = why
            limited = not failed
            log("  %s: %s; stopping here" % (defence, why))
            break
        if m["legit"]["success"] >= PASS and not failed:
            capacity = rate
        elif not failed:
            failed = True
    return capacity, limited


def saturation(defence, ct, cap):
    """The top rung, without clients: did the generator outrun the
    server? (Not flat out: that would only bury QEMU in frames to drop,
    and the server would wait for QEMU.)"""
    m = point(RUNGS[-1] * cap, ct, legit=False, secs=2)
    record(defence, 0, "saturate", m)
    RAW["generator_max_pps"] = max(RAW.get("generator_max_pps", 0),
                                   m["gen"]["pps"])


def memory():
    """Bytes per half-open: slab deltas, and synguard's table."""
    mem = {}
    # request_sock_TCP (and nf_conntrack), for a known number of half-opens
    for name in ("kernel_cookies", "kernel_cookies_conntrack"):
        ct = defence_setup(name)
        SERVER.start()
        rq0, ct0 = slab("request_sock_TCP"), slab("nf_conntrack")
        n = 400 if not ct else CT_MAX // 2
        fl = flood_start(2000, count=n)
        flood_end(fl, stop=False)
        time.sleep(0.5)
        rq1, ct1 = slab("request_sock_TCP"), slab("nf_conntrack")
        halfopen = syn_recv(SRV)
        cts = ct_count(SRV) if ct else 0
        e = {"syns": n, "halfopen": halfopen, "conntrack_entries": cts,
             "request_sock_objsize": rq1[1], "nf_conntrack_objsize": ct1[1],
             "request_sock_objs": rq1[0] - rq0[0],
             "nf_conntrack_objs": ct1[0] - ct0[0]}
        e["request_sock_bytes"] = round(
            (rq1[0] - rq0[0]) * rq1[1] / halfopen) if halfopen else None
        e["nf_conntrack_bytes"] = round(
            (ct1[0] - ct0[0]) * ct1[1] / cts) if cts else None
        mem[name] = e
        log("memory %s: %s" % (name, e))
    defence_setup("none")

    # synguard: the table is allocated per namespace when it appears, so
    # compare namespaces made with two table sizes.
    def ns_cost(size, n=8):
        sg_load("mode=auto", "table_size=%d" % size)
        time.sleep(1)
        m0 = meminfo()
        for i in range(n):
            sh(["ip", "netns", "add", "sgb-mem%d" % i])
        time.sleep(1)
        m1 = meminfo()
        for i in range(n):
            sh(["ip", "netns", "del", "sgb-mem%d" % i])
        sg_unload()
        time.sleep(2)
        return {k: (m0[k] - m1[k] if k == "MemFree" else m1[k] - m0[k]) / n
                for k in ("MemFree", "VmallocUsed", "SUnreclaim")}

    small, big = ns_cost(4096), ns_cost(65536)
    per_slot = {k: round((big[k] - small[k]) / (65536 - 4096), 1)
                for k in small}
    # The table is kvzalloc()ed: slab pages or vmalloc, whichever it got.
    alloc = round(per_slot["SUnreclaim"] + per_slot["VmallocUsed"], 1)
    mem["synguard"] = {"documented": 53, "allocated_per_slot": alloc,
                       "per_slot_deltas": per_slot,
                       "per_netns_4096": small, "per_netns_65536": big}
    log("memory synguard: %s bytes allocated per slot (%s)" %
        (alloc, per_slot))

    # synguard tracks without allocating: slab and memory do not move
    defence_setup("synguard_auto")
    SERVER.start()
    m0, s0 = meminfo(), sg_stats()
    fl = flood_start(1000, count=100)
    flood_end(fl, stop=False)
    time.sleep(0.3)
    m1, s1 = meminfo(), sg_stats()
    cur = "/sys/kernel/synguard/stats/halfopen_current"
    mem["synguard"]["tracked_100"] = {
        "memfree_delta": m0["MemFree"] - m1["MemFree"],
        "halfopen_added": (s1.get("halfopen_added", 0) -
                           s0.get("halfopen_added", 0)),
        "halfopen_current": (int(open(cur).read())
                             if os.path.exists(cur) else None),
        "request_socks": syn_recv(SRV)}
    defence_setup("none")
    RAW["memory"] = mem


# --------------------------------------------------------------------------
# Busy servers (issue 12): when a defence starts answering with cookies,
# when it stops, and whether legitimate load alone starts it.

LIBC = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
SELF_NS = None


def ns_socket(ns):
    """A TCP socket in namespace ns, made without a fork: this thread (the
    only one) enters ns, makes the socket and comes back."""
    global SELF_NS
    if SELF_NS is None:
        SELF_NS = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if LIBC.setns(fd, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns " + ns)
        try:
            return socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        finally:
            if LIBC.setns(SELF_NS, CLONE_NEWNET):
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(fd)


def probe(timeout=1.0):
    """One connection from the client to the echo server, reset at once;
    (time its SYN was sent, whether the handshake completed)."""
    s = ns_socket(CLI)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.settimeout(timeout)
    t = time.monotonic()
    try:
        s.connect((LEGIT_DST, PORT))
        ok = True
    except OSError:
        ok = False
    s.close()
    return t, ok


class Counters:
    """The counters that show cookies starting and stopping, each read with
    one pread of a file kept open (no fork, no open), so that they can be
    sampled every few milliseconds:

      flood   the server namespace's Ip InReceives (IP packets received,
              not ARP) less the client namespace's Ip OutRequests (what
              the probes sent it): the flood's SYNs
      kernel  the server's TcpExt SyncookiesSent (the kernel's cookies)
      sg, entries, exits
              synguard's sysfs cookies_sent, cookie_mode_entries and
              cookie_mode_exits (totals over every namespace: only the
              server's receives SYNs here)"""

    NAMES = ("t", "flood", "kernel", "sg", "entries", "exits")
    SG = ("cookies_sent", "cookie_mode_entries", "cookie_mode_exits")

    def __init__(self, sg):
        srv = "/proc/%d/net/" % ANCHOR[SRV].pid
        cli = "/proc/%d/net/" % ANCHOR[CLI].pid
        self.fds = [os.open(srv + "snmp", os.O_RDONLY),
                    os.open(srv + "netstat", os.O_RDONLY),
                    os.open(cli + "snmp", os.O_RDONLY)]
        self.sg = [os.open("/sys/kernel/synguard/stats/" + k, os.O_RDONLY)
                   for k in self.SG] if sg else []
        ip = self.rows(self.fds[0], "Ip:")[0]
        self.in_i, self.out_i = ip.index("InReceives"), ip.index("OutRequests")
        tcpext = self.rows(self.fds[1], "TcpExt:")[0]
        self.sc_i = tcpext.index("SyncookiesSent")

    @staticmethod
    def rows(fd, prefix):
        """The header and the values of one protocol in a /proc snmp file."""
        lines = [line for line in os.pread(fd, 1 << 16, 0).decode().split("\n")
                 if line.startswith(prefix + " ")]
        return lines[0].split(), lines[1].split()

    def read(self):
        t = time.monotonic()
        rx = int(self.rows(self.fds[0], "Ip:")[1][self.in_i])
        kc = int(self.rows(self.fds[1], "TcpExt:")[1][self.sc_i])
        tx = int(self.rows(self.fds[2], "Ip:")[1][self.out_i])
        sg = [int(os.pread(fd, 32, 0)) for fd in self.sg] or [0, 0, 0]
        return dict(zip(self.NAMES, [t, rx - tx, kc] + sg))

    def close(self):
        for fd in self.fds + self.sg:
            os.close(fd)


def cookies_of(s, sg):
    """Cookies sent for the server: synguard's and the kernel's."""
    return s["kernel"] + (s["sg"] if sg else 0)


def busy_trial(defence, rate):
    """A flood of DETECT_SECS at rate against a fresh listener (and, for
    synguard, a freshly loaded module): how long after the flood's first
    SYN the first cookie left, and how long after its last SYN a new SYN
    was answered without a cookie again.

    Every end of those intervals is found the same way: the first sample
    (every POLL_S) in which a counter has moved (for the flood: risen
    above its highest yet, as a probe's packet in flight lowers it for a
    moment). The time since the sample before bounds the error of each
    end ("gap"). Once the flood's time is up the server is probed: every
    PROBE_S a connection from the client, which got a cookie if a cookie
    counter moved while it was made (nothing else sends the server SYNs
    then). Recovered: the first of the PROBES_CLEAN or more probes in a
    row, after the flood's last SYN, that completed without a cookie. For
    synguard the time its cookie_mode_exits moved is kept beside."""
    sg = defence.startswith("synguard")
    key = "sg" if sg else "kernel"
    defence_setup(defence)
    SERVER.start()
    c = Counters(sg)
    time.sleep(0.2)
    base = prev = c.read()
    ev, exits, gaps, probes = {}, [], [], []
    clean = []                  # times of the current run of clean probes
    top = base["flood"]
    last_flood = None           # (t, gap): the flood's last rise

    FLOOD.start(rate, DETECT_SECS)
    t_cmd = time.monotonic()
    t_over = t_cmd + DETECT_SECS
    next_probe = t_over
    while True:
        now = time.monotonic()
        probed = None
        if now >= next_probe and "cookie" in ev:
            before = c.read()
            tp, ok = probe()
            s = c.read()
            got = cookies_of(s, sg) > cookies_of(before, sg)
            probed = (tp, ok, got)
            probes.append(probed)
            clean = clean + [tp] if ok and not got else []
            next_probe = tp + PROBE_S
        else:
            if "cookie" in ev and now > t_over:
                time.sleep(max(0.0, min(POLL_S, next_probe - now)))
            else:
                time.sleep(POLL_S)
            s = c.read()
        gap = s["t"] - prev["t"]
        if not probed:
            gaps.append(gap)
        if s["flood"] > top:
            top = s["flood"]
            last_flood = (s["t"], gap)
            ev.setdefault("syn", last_flood)
        if "cookie" not in ev and s[key] > base[key]:
            ev["cookie"] = (s["t"], gap)
        if "entry" not in ev and s["entries"] > base["entries"]:
            ev["entry"] = (s["t"], gap)
        if s["exits"] > prev["exits"]:
            exits.append((s["t"], gap))
        prev = s
        if now < t_over:
            continue
        quiet = last_flood and s["t"] - last_flood[0] > 0.3
        if "cookie" not in ev and (quiet or now > t_over + 10):
            break               # no cookie: nothing to recover from
        if last_flood and now - last_flood[0] > RECOVER_MAX:
            break
        if quiet and len(clean) >= PROBES_CLEAN and clean[0] > last_flood[0] \
                and (not sg or (exits and exits[-1][0] > last_flood[0])):
            break
    gen = FLOOD.end(stop=False)
    c.close()
    SERVER.stop()

    m = {"rate": int(rate), "flood_s": DETECT_SECS, "gen": gen,
         "syns": top - base["flood"],
         "cookies": cookies_of(prev, sg) - cookies_of(base, sg) -
         sum(1 for p in probes if p[2]),
         "poll_ms": {"median": round(1000 * statistics.median(gaps), 2),
                     "max": round(1000 * max(gaps), 2)} if gaps else None}
    if "syn" in ev:
        m["first_syn_after_start_ms"] = round(1000 * (ev["syn"][0] - t_cmd), 1)
    if "syn" in ev and "cookie" in ev:
        m["detect_ms"] = round(1000 * (ev["cookie"][0] - ev["syn"][0]), 1)
        m["detect_gap_ms"] = round(1000 * max(ev["cookie"][1],
                                              ev["syn"][1]), 1)
    if "syn" in ev and "entry" in ev:
        m["entry_ms"] = round(1000 * (ev["entry"][0] - ev["syn"][0]), 1)
    if not last_flood:
        return m
    t_last = last_flood[0]
    m["last_syn_gap_ms"] = round(1000 * last_flood[1], 1)
    m["exits_in_flood"] = sum(1 for t, _ in exits if t <= t_last)
    after = [(t, g) for t, g in exits if t > t_last]
    if after:
        m["exit_ms"] = round(1000 * (after[0][0] - t_last), 1)
        m["exit_gap_ms"] = round(1000 * after[0][1], 1)
    if probes:
        m["probes"] = len(probes)
        m["probe_cookies"] = sum(1 for p in probes if p[2])
        m["probe_failed"] = sum(1 for p in probes if not p[1])
        # When the answers changed: [s after the last SYN, got a cookie]
        m["probe_changes"] = [[round(p[0] - t_last, 3), p[2]]
                              for i, p in enumerate(probes)
                              if i == 0 or p[2] != probes[i - 1][2]]
        r = recovered(probes, t_last)
        if r:
            m["recover_ms"] = round(1000 * (r - t_last), 1)
        m["recover_waited_s"] = round(probes[-1][0] - t_last, 1)
    return m


def recovered(probes, t_last):
    """When the last run of clean probes (completed, no cookie) began, if
    it has PROBES_CLEAN of them and began after t_last; else None."""
    run = []
    for p in probes:
        run = run + [p] if p[1] and not p[2] else []
    if len(run) >= PROBES_CLEAN and run[0][0] > t_last:
        return run[0][0]
    return None


def fmt_busy(m):
    if m["kind"] == "detect":
        s = "flood %d pps for %gs (%d SYNs): " % (m["rate"], m["flood_s"],
                                                  m["syns"])
        s += ("detect %s ms (+-%s)" % (m["detect_ms"], m["detect_gap_ms"])
              if "detect_ms" in m else "no cookie")
        if "recover_ms" in m:
            s += ", recover %s ms (%d probes, %d with a cookie)" % (
                m["recover_ms"], m["probes"], m["probe_cookies"])
        elif "probes" in m:
            s += ", not recovered after %ss" % m["recover_waited_s"]
        if "exit_ms" in m:
            s += ", exit counter %s ms" % m["exit_ms"]
        if m.get("poll_ms"):
            s += ", poll %s ms (max %s)" % (m["poll_ms"]["median"],
                                            m["poll_ms"]["max"])
        return s
    r = m["legit"]
    return ("legit_load %g/s (ramp %gs) for %gs, netem %d ms: %d/%d ok, p99 %s ms, "
            "cookies: synguard %d, kernel %d; half-opens peak: %d request "
            "sockets, %d tracked; CPUs busy %s" % (
                LOAD_RATE, LOAD_RAMP, LOAD_SECS, LOAD_DELAY_MS, r["ok"],
                r["total"],
                r["p99_ms"], m["sg"].get("cookies_sent", 0),
                m["netstat"]["SyncookiesSent"], m["peak_syn_recv"],
                m["peak_tracked"], m["cpu_busy"]))


def record_busy(defence, run, kind, m):
    m.update({"defence": defence, "run": run, "kind": kind})
    RAW["points"].append(m)
    log("  %-24s %s" % (defence, fmt_busy(m)))


def legit_load(defences):
    """Legitimate load only: tools/legitload, LOAD_RATE connections
    a second (reached over LOAD_RAMP seconds, as a busy day's load
    arrives) from LOAD_SOURCES (AnyIP in the client's namespace) for
    LOAD_SECS, with LOAD_DELAY_MS of netem delay on the client's side, so
    that rate x delay half-opens are in flight at the server; its echo
    server (legitload serve, backlog 4096) on the server's CPU, one
    for all the defences, measured in turn. Counts the cookies each
    defence sent: any is a false positive. The server's request sockets
    (SYN_RECV) and synguard's tracked half-opens are sampled every 0.5 s
    for their peaks. Returns {defence: measurement}."""
    defence_setup(defences[0])
    srv = subprocess.Popen(
        ["ip", "netns", "exec", SRV, "taskset", "-c", str(SRV_CPU),
         LOAD, "serve", SRV_IP, str(PORT)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    added, out = [], {}
    try:
        if not wait_listen(SRV, PORT, 30):
            raise RuntimeError("legitload serve did not start")
        for ns, cmd in (
                (CLI, ["tc", "qdisc", "add", "dev", CLI_IF, "root", "netem",
                       "delay", "%dms" % LOAD_DELAY_MS, "limit", "100000"]),
                (CLI, ["ip", "route", "add", "local", LOAD_SOURCES,
                       "dev", "lo"]),
                (SRV, ["ip", "route", "add", LOAD_SOURCES, "via", CLI_IP])):
            sh(cmd, ns=ns)
            added.append((ns, cmd))
        for d in defences:
            # defence_setup() leaves this server alone (it is not SERVER)
            if d != defences[0]:
                defence_setup(d)
            out[d] = legit_load_one()
    finally:
        try:
            os.killpg(srv.pid, signal.SIGKILL)
        except OSError:
            pass
        srv.wait()
        for ns, cmd in reversed(added):
            if cmd[0] == "tc":
                sh(["tc", "qdisc", "del", "dev", CLI_IF, "root"], ns=ns,
                   check=False)
            else:
                sh(["ip", "route", "del"] + cmd[3:], ns=ns, check=False)
    return out


def legit_load_one():
    """One legitimate load against whatever defence is set up. This
    process samples from the server's CPU meanwhile: reading the server's
    sockets costs more than the rest of the load's CPU has to spare."""
    gauge = "/sys/kernel/synguard/stats/halfopen_current"
    a_net, a_sg = netstat(SRV), sg_stats()
    t0, a_cpu = time.monotonic(), [cpu_ticks(i) for i in range(NCPU)]
    cl = subprocess.Popen(
        ["ip", "netns", "exec", CLI, "taskset", "-c", str(HK_CPU),
         LOAD, "load", LEGIT_DST, str(PORT),
         "--rate", "%g" % LOAD_RATE, "--seconds", "%g" % LOAD_SECS,
         "--ramp", "%g" % LOAD_RAMP, "--sources", LOAD_SOURCES],
        stdout=subprocess.PIPE, text=True)
    peak_rq = peak_sg = 0
    series = []                 # [s, cookies so far] every 0.5 s
    end = time.monotonic() + LOAD_SECS + 60
    os.sched_setaffinity(0, {SRV_CPU})
    while cl.poll() is None and time.monotonic() < end:
        peak_rq = max(peak_rq, syn_recv(SRV))
        if os.path.exists(gauge):
            peak_sg = max(peak_sg, int(open(gauge).read()))
        cookies = (netstat(SRV)["SyncookiesSent"] - a_net["SyncookiesSent"] +
                   sg_stats().get("cookies_sent", 0) -
                   a_sg.get("cookies_sent", 0))
        series.append([round(time.monotonic() - t0, 2), cookies])
        time.sleep(0.5)
    os.sched_setaffinity(0, {HK_CPU})
    if cl.poll() is None:
        cl.kill()
    res = cl.communicate()[0]
    b_net, b_sg = netstat(SRV), sg_stats()
    wall, b_cpu = time.monotonic() - t0, [cpu_ticks(i) for i in range(NCPU)]
    return {"legit": json.loads(res.strip().splitlines()[-1]),
            "netstat": diff(a_net, b_net), "sg": diff(a_sg, b_sg),
            "peak_syn_recv": peak_rq, "peak_tracked": peak_sg,
            "cookie_series": series, "load_wall_s": round(wall, 2),
            # How busy each vCPU was (the client on HK_CPU, the server's
            # receive path and legitload serve on SRV_CPU).
            "cpu_busy": [round(busy_fraction({"cpu": cpu_delta(x, y, wall)}),
                               2) for x, y in zip(a_cpu, b_cpu)],
            "load_rate": LOAD_RATE, "load_secs": LOAD_SECS,
            "delay_ms": LOAD_DELAY_MS}


def busy(run, rates):
    """The busy-server rows of one run: every flood rate against each
    defence, then legitimate load only against each."""
    for d in BUSY_DEFENCES:
        for rate in rates:
            record_busy(d, run, "detect", busy_trial(d, rate))
            save()
    if os.path.exists(LOAD):
        for d, m in legit_load(BUSY_DEFENCES).items():
            record_busy(d, run, "legit_load", m)
        save()
    else:
        log("  no %s: no legitimate-load rows" % LOAD)
    sg_unload()


def main():
    global MAC, FLOOD
    log("bench: kernel %s, %d CPUs: server %d, rest %d; flood from the %s%s" %
        (KREL, NCPU, SRV_CPU, HK_CPU, GEN,
         "" if GEN == "host" else " (CPU %d)" % GEN_CPU))
    if NCPU < 2:
        log("bench: needs at least 2 CPUs")
        return 1
    modprobe("nf_conntrack", "nft_ct", "nf_synproxy_core", "nft_synproxy",
             "veth", "dummy", "virtio_net", "virtio_console")
    pin_housekeeping()
    if GEN == "host":
        pin_nics()
        FLOOD = HostFlood()
    else:
        FLOOD = GuestFlood()
    write("/proc/sys/net/netfilter/nf_conntrack_max", CT_MAX)

    RAW["config"] = {
        "runs": RUNS, "legit_secs": SECS, "cpu_secs": CPU_SECS,
        "legit_rate": LEGIT_RATE, "legit_timeout_s": LEGIT_TIMEOUT,
        "warm_s": WARM, "conntrack_max": CT_MAX, "backlog": BACKLOG,
        "pass": PASS, "rungs": RUNGS, "legit_points": LEGIT_POINTS,
        "cpus": NCPU, "generator": GEN,
        "cpu_layout": {"generator": GEN_CPU if GEN == "guest" else "host",
                       "server": SRV_CPU, "housekeeping": HK_CPU,
                       # No IRQ, and nothing run.py starts, on these.
                       "spare": sorted(set(range(NCPU)) -
                                       {SRV_CPU, HK_CPU, GEN_CPU})},
        "syn": "IPv4, options MSS/SACK/TS/WS, random source in %s, "
               "random sport/seq" % SPOOF,
        "user_hz": USER_HZ, "busy": BUSY,
        "module_rev": CFG.get("BENCH_MODULE_REV"),
        "gateway": GATEWAY_ON}
    if BUSY not in ("0", "1", "only"):
        log("bench: BENCH_BUSY is 0, 1 or only")
        return 1
    if GATEWAY_ON not in ("0", "1", "only"):
        log("bench: BENCH_GATEWAY is 0, 1 or only")
        return 1
    if BUSY == "only" and GATEWAY_ON == "only":
        log("bench: BENCH_BUSY=only and BENCH_GATEWAY=only exclude each other")
        return 1
    only_busy = BUSY == "only"
    only_gw = GATEWAY_ON == "only"
    busy_mode = "0" if only_gw else BUSY
    RAW["config"]["busy"] = busy_mode
    if GATEWAY_ON != "0":
        RAW["config"]["gateway_config"] = {
            "defences": GATEWAY,
            "topology": "client -> srv %s:%d, DNAT (nat prerouting and "
                        "output, as Docker) -> veth -> backend %s:%d; srv's "
                        "forward filter: policy drop, ct state rules" % (
                            SRV_IP, PORT, BE_IP, BE_PORT),
            "synproxy_chains": CFG.get("BENCH_GW_SYNPROXY_CHAINS",
                                       "input forward").split(),
            "synproxy_tcp_loose": 0,
            "flood": "random sources in %s, random source ports, all to "
                     "%s:%d (one destination)" % (SPOOF, SRV_IP, PORT),
            "extra": [d for d in GW_EXTRA if d in ONLY],
            "unlearned": "%s: synguard always, the backend silent (nft in "
                         "its namespace: tcp dport %d drop in input, tcp "
                         "sport %d drop in output); CPU per SYN only" % (
                             GW_UNLEARNED, BE_PORT, BE_PORT),
            "rungs": GW_RUNGS, "legit_points": GW_LEGIT_POINTS}
    if busy_mode != "0":
        RAW["config"]["busy_config"] = {
            "defences": BUSY_DEFENCES, "runs": min(RUNS, BUSY_RUNS),
            "flood_s": DETECT_SECS,
            "poll_ms": POLL_S * 1000, "probe_ms": PROBE_S * 1000,
            "probes_clean": PROBES_CLEAN, "recover_max_s": RECOVER_MAX,
            "load_rate": LOAD_RATE, "load_secs": LOAD_SECS,
            "load_delay_ms": LOAD_DELAY_MS, "load_sources": LOAD_SOURCES}
    topology()
    MAC = srv_mac()

    gws = []
    if GATEWAY_ON != "0":
        gws = GATEWAY + [d for d in GW_EXTRA if d in ONLY]
    defences = [FLOOR] + [d for d in DEFENCES + EXTRA + gws
                          if not ONLY or d in ONLY]
    if only_busy:
        defences = []
    if only_gw:
        defences = [FLOOR] + [d for d in gws if not ONLY or d in ONLY]
    t0 = time.monotonic()
    if cfg("BENCH_MEMORY", 1, int) and not only_busy and not only_gw:
        memory()
    save()

    cap = int(CAP_FIXED)
    if not cap and (defences or not DETECT_RATES):
        cap = calibrate()
    RAW["kernel_capacity_calibrated"] = cap or None
    cpu_rate = round(CPU_FRACTION * cap)
    RAW["cpu_rate"] = cpu_rate or None
    rates = DETECT_RATES or [DETECT_SLOW, cpu_rate]
    if busy_mode != "0":
        RAW["config"]["busy_config"]["detect_rates"] = rates
    save()
    log("phase 2: %d runs of %s%s; CPU cost at %d pps" %
        (RUNS, " ".join(defences),
         "" if busy_mode == "0" else " busy (flood at %s pps)" %
         " and ".join(str(r) for r in rates), cpu_rate))

    for run in range(1, RUNS + 1):
        # One set of namespaces a run; defence_setup() resets the server.
        topology()
        MAC = srv_mac()
        for d in defences:
            if d in EXTRA and run > 1:
                continue
            ct = defence_setup(d)
            ECHO.start()
            m = point(cpu_rate, ct, legit=False)
            if d == GW_UNLEARNED:
                m["gw_check"] = gw_unlearned_check(m)
            record(d, run, "cpu", m)
            if d in CPU_ONLY:
                save()
                continue
            if run == 1:
                saturation(d, ct, cap)
            c, limited = ladder(d, run, ct, cap)
            RAW["capacity"].setdefault(d, []).append(
                {"run": run, "pps": c, "generator_limited": limited})
            log("  %-24s run %d capacity %d pps%s" %
                (d, run, c, " (generator-limited)" if limited else ""))
            save()
        if busy_mode != "0" and run <= BUSY_RUNS:
            busy(run, rates)
        sg_unload()
        log("run %d done after %ds" % (run, time.monotonic() - t0))
    ns_del_all()
    RAW["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    RAW["elapsed_s"] = round(time.monotonic() - t0)
    save()
    log("bench: done in %ds" % RAW["elapsed_s"])
    return 0


MAC = None

if __name__ == "__main__":
    sys.exit(main())
