#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A userspace NFQUEUE verdict program: accepts every packet of a queue.

    nfqueue.py QUEUE

Binds queue QUEUE over nfnetlink (no library: the messages are packed
here), asks for packet metadata only, and answers each packet with
NF_ACCEPT. The verdict makes the kernel reinject the packet into the
hooks after the queueing one, from this process's sendmsg(): process
context, bottom halves enabled. The queue fails open when full, so a
flood cannot starve it. Prints "bound" once the queue is ready and the
number of verdicts given when killed with SIGTERM.
"""

import signal
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_MASK = 4
NFQA_CFG_FLAGS = 5
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_CFG_F_FAIL_OPEN = 1
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
NF_ACCEPT = 1


def attr(kind, data):
    n = 4 + len(data)
    return struct.pack("=HH", n, kind) + data + b"\0" * (-n % 4)


def msg(kind, queue, attrs, flags=NLM_F_REQUEST):
    body = struct.pack("!BBH", socket.AF_UNSPEC, 0, queue) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body),
                       (NFNL_SUBSYS_QUEUE << 8) | kind, flags, 0, 0) + body


def config(sock, queue, attrs):
    sock.send(msg(NFQNL_MSG_CONFIG, queue, attrs, NLM_F_REQUEST | NLM_F_ACK))
    data = sock.recv(65536)
    length, kind = struct.unpack_from("=IH", data)
    if kind == NLMSG_ERROR:
        err = struct.unpack_from("=i", data, 16)[0]
        if err:
            raise OSError(-err, "nfqueue config: " + str(-err))


def packet_ids(data):
    """The packet ids of the NFQNL_MSG_PACKET messages in DATA."""
    off = 0
    while off + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, off)
        if length < 16:
            return
        if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
            a = off + 20
            while a + 4 <= off + length:
                alen, atype = struct.unpack_from("=HH", data, a)
                if alen < 4:
                    break
                if atype & 0x7fff == NFQA_PACKET_HDR:
                    yield struct.unpack_from("!I", data, a + 4)[0]
                a += (alen + 3) & ~3
        off += (length + 3) & ~3


def main():
    queue = int(sys.argv[1])
    done = 0

    def stop(*_):
        print("verdicts", done, flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    sock.bind((0, 0))
    config(sock, queue, [attr(NFQA_CFG_CMD, struct.pack(
        "!BBH", NFQNL_CFG_CMD_BIND, 0, socket.AF_UNSPEC))])
    config(sock, queue, [
        attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)),
        attr(NFQA_CFG_MASK, struct.pack("!I", NFQA_CFG_F_FAIL_OPEN)),
        attr(NFQA_CFG_FLAGS, struct.pack("!I", NFQA_CFG_F_FAIL_OPEN)),
    ])
    print("bound", flush=True)
    while True:
        try:
            data = sock.recv(1 << 16)
        except OSError:
            continue        # ENOBUFS: the queue failed open meanwhile
        for pid in packet_ids(data):
            sock.send(msg(NFQNL_MSG_VERDICT, queue, [
                attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, pid))]))
            done += 1


if __name__ == "__main__":
    main()
