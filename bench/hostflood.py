#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The host half of the benchmark's flood: runs synflood at the guest's word.

    hostflood.py CONTROL QEMU_STREAM SYNFLOOD

Under QEMU TCG a generator inside the guest costs about as much CPU per
SYN as the server spends answering it, so it can never outrun the
server. This one runs natively on the host: it connects once to QEMU's
"-netdev stream" socket QEMU_STREAM and hands the connection to each
synflood -F, which writes frames into it; a QEMU hub delivers them to
the server's virtio NIC (and to the client's, whose MAC filter drops
them inside QEMU). A stream, unlike a datagram socket, lets QEMU read
many frames at a time.

The guest (bench/run.py) drives it over a virtio-serial port whose host
side is the unix socket CONTROL, one line each way:

    hello                                 -> ok
    start RATE SECS COUNT MAC DST PORT SRC -> started
    stop                                  -> synflood's JSON line
    bye                                   -> (exits)

RATE 0 floods flat out; SECS and COUNT 0 mean no limit. What the
guest's NICs send towards the generator is read and thrown away, so
QEMU never waits for us.
"""

import signal
import socket
import subprocess
import sys
import threading
import time


def drain(sock):
    while sock.recv(65536):
        pass


def connect(path, wait=120):
    end = time.monotonic() + wait
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    control, qemu, synflood = sys.argv[1:]
    nic = connect(qemu)
    threading.Thread(target=drain, args=(nic,), daemon=True).start()
    conn = connect(control)
    f = conn.makefile("rw", buffering=1)
    proc = None

    def reply(text):
        f.write(text + "\n")
        f.flush()

    for line in f:
        words = line.split()
        if not words:
            continue
        if words[0] == "hello":
            reply("ok")
        elif words[0] == "start" and len(words) == 8:
            rate, secs, count, mac, dst, port, src = words[1:]
            cmd = [synflood, "-F", str(nic.fileno()), "-m", mac, "-d", dst,
                   "-p", port, "-s", src, "-r", rate]
            if float(secs):
                cmd += ["-t", secs]
            if int(count):
                cmd += ["-c", count]
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                                    pass_fds=[nic.fileno()])
            reply("started")
        elif words[0] == "stop":
            if not proc:
                reply("{}")
                continue
            if proc.poll() is None and words[1:] != ["wait"]:
                proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate()
            proc = None
            reply(out.strip() or "{}")
        elif words[0] == "bye":
            break
        else:
            reply("error: " + line.strip())
    if proc and proc.poll() is None:
        proc.kill()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BrokenPipeError, ConnectionResetError):
        sys.exit(0)
