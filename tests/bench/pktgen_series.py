#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Packet rates of several paths, measured in alternation by pktgen.

Each KIND is one path: pktgen, on one CPU of a namespace, injects IPv4/UDP
packets into a device's receive path (xmit_mode netif_receive), and the
packets are counted where they leave the node (a sink device, in any
namespace), or, without a sink, as pktgen made them (the generator alone).
The node is the limit by construction: the same CPU builds each packet and
forwards it synchronously, so a faster sender cannot hide its cost.

Every round measures every kind once for SECS, in the given order in odd
rounds (the first) and the reverse in even ones. Kinds compared with each other run
seconds apart in each round, with nothing but pktgen's configuration
between them: a TCG host whose speed drifts from one round to the next
moves both alike, so their ratio per round keeps still.

A kind is one argument, shell words:
    NAME ns=NETNS dev=DEV src=ADDR dst=ADDR[-ADDR] [sink=NETNS/DEV]
         [on=COMMAND] [off=COMMAND]
dst=A-B draws a destination per packet; on/off are run (by sh) right
before and after each of the kind's runs.

Prints one line per run: NAME ROUND RATE SENT ARRIVED USEC, RATE being
arrived (or, without a sink, sent) packets per second of pktgen's time.
"""
import argparse
import ctypes
import fcntl
import os
import shlex
import socket
import struct
import subprocess
import sys
import threading
import time

PG = "/proc/net/pktgen"
SIOCGIFHWADDR = 0x8927
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    """os.setns() is Python 3.12's; Debian 12 has 3.11."""
    if libc.setns(fd, CLONE_NEWNET):
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


class Kind:
    def __init__(self, spec):
        words = shlex.split(spec)
        self.name = words[0]
        bad = [w for w in words[1:] if "=" not in w]
        if bad:
            sys.exit("pktgen_series: %s: not KEY=VALUE: %s" % (self.name, bad[0]))
        opts = dict(w.split("=", 1) for w in words[1:])
        try:
            self.ns, self.dev, self.src = opts["ns"], opts["dev"], opts["src"]
            self.dst_min, _, dst_max = opts["dst"].partition("-")
        except KeyError as e:
            sys.exit("pktgen_series: %s: no %s=" % (self.name, e.args[0]))
        self.dst_max = dst_max or self.dst_min
        self.sink = opts.get("sink")
        self.on, self.off = opts.get("on"), opts.get("off")
        self.counter = None


def enter(ns):
    """Moves this thread into namespace NS (threads made after inherit it)."""
    with open("/run/netns/" + ns) as f:
        setns(f.fileno())


def mac_of(dev):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        r = fcntl.ioctl(s, SIOCGIFHWADDR, struct.pack("256s", dev.encode()))
    return ":".join("%02x" % b for b in r[18:24])


class Counter:
    """Packets received by a sink device, in its own namespace.

    /proc/self/net/dev, opened while in the sink's namespace, keeps showing
    that namespace's devices when read again from another one."""

    def __init__(self, sink):
        ns, self.dev = sink.split("/", 1)
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        enter(ns)
        try:
            self.f = open("/proc/self/net/dev")
        finally:
            setns(home)
            os.close(home)

    def rx_packets(self):
        self.f.seek(0)
        for line in self.f:
            name, sep, rest = line.partition(":")
            if sep and name.strip() == self.dev:
                return int(rest.split()[1])
        sys.exit("pktgen_series: no device %s at the sink" % self.dev)


def write(path, text):
    with open(path, "w") as f:
        f.write(text + "\n")


def userspace_cpus(cpus):
    """Every user task's threads may run on CPUS only (kernel threads stay)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if not f.read(1):
                    continue
            for tid in os.listdir("/proc/%s/task" % pid):
                os.sched_setaffinity(int(tid), cpus)
        except OSError:
            pass


def shell(cmd):
    if cmd and subprocess.run(cmd, shell=True).returncode:
        sys.exit("pktgen_series: failed: %s" % cmd)


def sofar(dev):
    """Packets pktgen has made so far on DEV, while it runs."""
    with open("%s/%s" % (PG, dev)) as f:
        for line in f:
            if "pkts-sofar:" in line:
                return int(line.split()[1])
    return 0


def sample(kind, args):
    """The packet rate in each slice of the run (sink's count, or pktgen's)."""
    count = kind.counter.rx_packets if kind.counter else lambda: sofar(kind.dev)
    rates = []
    t, c = time.monotonic(), count()
    end = t + args.secs
    while t < end:
        time.sleep(min(args.slice, end - t))
        t1, c1 = time.monotonic(), count()
        if t1 - t >= args.slice / 2:
            rates.append((c1 - c) / (t1 - t))
        t, c = t1, c1
    return rates


def run(kind, args, rnd):
    """One run of KIND: returns (rate, sent, arrived, usec)."""
    shell(kind.on)
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    enter(kind.ns)
    try:
        thread = "%s/kpktgend_%d" % (PG, args.cpu)
        write(thread, "rem_device_all")
        write(thread, "add_device " + kind.dev)
        conf = ["count 0", "pkt_size %d" % args.size, "clone_skb 0",
                "delay 0", "dst_mac " + mac_of(kind.dev),
                "src_min " + kind.src, "src_max " + kind.src,
                "dst_min " + kind.dst_min, "dst_max " + kind.dst_max,
                "udp_dst_min %d" % args.port, "udp_dst_max %d" % args.port,
                "xmit_mode netif_receive",
                # TCG's HPET made the clock read 4-7 % of it all
                "flag NO_TIMESTAMP"]
        if kind.dst_max != kind.dst_min:
            conf.append("flag IPDST_RND")
        for c in conf:
            write("%s/%s" % (PG, kind.dev), c)
        c0 = kind.counter.rx_packets() if kind.counter else 0
        # "start" returns when the run is stopped; the thread inherits
        # this namespace, whose pktgen it starts.
        starter = threading.Thread(target=write, args=(PG + "/pgctrl", "start"))
        starter.start()
        slices = []
        if args.perf:
            time.sleep(0.3)  # pktgen's start-up is not the node's cost
            subprocess.run(["perf", "record", "-q", "-C", str(args.cpu), "-g",
                            "-o", "%s/perf-%s-%d.data" % (args.perf, kind.name, rnd),
                            "--", "sleep", str(args.secs)],
                           stderr=subprocess.DEVNULL)
        else:
            slices = sample(kind, args)
        write(PG + "/pgctrl", "stop")
        starter.join()
        time.sleep(0.3)  # the last packets out of the sink's backlog
        c1 = kind.counter.rx_packets() if kind.counter else 0
        # "Result: OK: 3152351(c3138378+d13973) usec, 56029 (64byte,0frags)"
        result = ""
        with open("%s/%s" % (PG, kind.dev)) as f:
            for line in f:
                if line.startswith("Result: OK:"):
                    result = line.split()
        write(thread, "rem_device_all")
    finally:
        setns(home)
        os.close(home)
    shell(kind.off)
    if not result:
        sys.exit("pktgen_series: %s: pktgen gave no result" % kind.name)
    usec = int(result[2].split("(")[0])
    sent = int(result[4])
    arrived = c1 - c0 if kind.counter else sent
    whole = int(arrived / usec * 1e6) if usec else 0
    return whole, sent, arrived, usec, slices


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--secs", type=float, default=2)
    p.add_argument("--size", type=int, default=64,
                   help="frame size from the Ethernet header on")
    p.add_argument("--port", type=int, default=9, help="UDP destination port")
    p.add_argument("--cpu", type=int, default=1,
                   help="pktgen's CPU, which user tasks keep off meanwhile")
    p.add_argument("--slice", type=float, default=0.1,
                   help="seconds per rate sample within a run")
    p.add_argument("--perf", metavar="DIR",
                   help="perf record the CPU during each run, into DIR")
    p.add_argument("kinds", nargs="+", metavar="KIND")
    args = p.parse_args()
    kinds = [Kind(k) for k in args.kinds]
    for k in kinds:
        if k.sink:
            k.counter = Counter(k.sink)
    subprocess.run(["modprobe", "pktgen"], check=True)
    everywhere = set(range(os.cpu_count()))
    userspace_cpus(everywhere - {args.cpu} or everywhere)
    try:
        for rnd in range(1, args.rounds + 1):
            for k in kinds if rnd % 2 else reversed(kinds):
                whole, sent, arrived, usec, slices = run(k, args, rnd)
                print(k.name, rnd, whole, sent, arrived, usec,
                      " ".join("%d" % r for r in slices), flush=True)
    finally:
        userspace_cpus(everywhere)


if __name__ == "__main__":
    main()
