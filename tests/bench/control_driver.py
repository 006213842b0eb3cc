#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Control-plane convergence driver (runs inside the guest, in the netns of
cloud B's etcd). Declares VM ports in cloud B's store, brings their
interfaces (dummies on a compute node of cloud B) up through one `ip -batch`
process, and timestamps the `route add` events that `xcloudctl monitor`
reports on the watched nodes. Prints BENCH lines."""
import argparse
import base64
import json
import os
import resource
import subprocess
import sys
import threading
import time
import urllib.request

import cpu_use
import etcd_use


def b64(s):
    return base64.b64encode(s.encode()).decode()


def declare(etcd, ports, batch=500):
    """Writes {"ifname","node"} for every (addr, ifname, node), in txns."""
    for i in range(0, len(ports), batch):
        ops = [{"request_put": {"key": b64("/xcloud/ports/100/%s" % a),
                                "value": b64(json.dumps({"ifname": ifn, "node": node}))}}
               for a, ifn, node in ports[i:i + batch]]
        req = urllib.request.Request(etcd + "/v3/kv/txn",
                                     data=json.dumps({"success": ops}).encode())
        urllib.request.urlopen(req, timeout=30).read()


class Monitor:
    """First `route add` time of each address on one node. The monitor's
    output is read in chunks, as it comes (it writes each burst at once):
    a line is stamped with the time its chunk arrived."""

    def __init__(self, xcloudctl, netns, wanted):
        self.seen = {}
        self.wanted = set(wanted)
        self.done = threading.Event()
        self.proc = subprocess.Popen([xcloudctl, "-n", netns, "monitor"],
                                     stdout=subprocess.PIPE)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        fd, rest = self.proc.stdout.fileno(), b""
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return
            now = time.monotonic()
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for line in lines:
                f = line.split()
                if len(f) >= 3 and f[0] == b"route" and f[1] == b"add":
                    addr = f[2].split(b"/")[0].decode()
                    if addr in self.wanted and addr not in self.seen:
                        self.seen[addr] = now
            if len(self.seen) == len(self.wanted):
                self.done.set()

    def stop(self):
        self.proc.terminate()


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--etcd", required=True)
    ap.add_argument("--node", required=True, help="compute node of the ports")
    ap.add_argument("--node-ns", required=True)
    ap.add_argument("--watch-ns", action="append", required=True)
    ap.add_argument("--xcloudctl", required=True)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--pace-ms", type=float, default=0, help="0: all at once")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--etcd-stats", action="append", default=[], metavar="NAME=URL",
                    help="note what this etcd did while the ports came up")
    ap.add_argument("--dump", help="file for each VM's times (monotonic s): "
                    "addr, up, then the route's arrival per watched node")
    args = ap.parse_args()

    idx = range(args.first, args.first + args.count)
    addrs = ["10.100.%d.%d" % (128 + i // 250, i % 250 + 1) for i in idx]
    ports = [(a, "d%d" % i, args.node) for a, i in zip(addrs, idx)]
    t = time.monotonic()
    declare(args.etcd, ports)
    print("# declared %d ports in %.1f s" % (len(ports), time.monotonic() - t))
    time.sleep(2)  # let the agents take the declarations in

    mons = [Monitor(args.xcloudctl, ns, addrs) for ns in args.watch_ns]
    time.sleep(1)
    # Only the timed part: from the first port up to the last route.
    etcds = [e.split("=", 1) for e in args.etcd_stats]
    stats = [etcd_use.mark(url) for _, url in etcds]
    cpu = cpu_use.snapshot()
    ipb = subprocess.Popen(["ip", "-n", args.node_ns, "-batch", "-"],
                           stdin=subprocess.PIPE, text=True)
    t0 = {}
    start = time.monotonic()
    for (a, ifn, _) in ports:
        t0[a] = time.monotonic()
        ipb.stdin.write("link set %s up\n" % ifn)
        if args.pace_ms:
            ipb.stdin.flush()
            time.sleep(args.pace_ms / 1000.0)
    ipb.stdin.close()
    ip_done = []
    ip_waiter = threading.Thread(
        target=lambda: (ipb.wait(), ip_done.append(time.monotonic())), daemon=True)
    ip_waiter.start()
    deadline = start + args.timeout
    for m in mons:
        m.done.wait(max(0, deadline - time.monotonic()))
    end = max((max(m.seen.values()) for m in mons if m.seen), default=start)
    cpu_use.report(cpu, cpu_use.snapshot())
    ipb.wait()
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # ip alone, so far
    print("# cpu: ip -batch %.1f s (the kernel bringing the links up, mostly)"
          % (ru.ru_utime + ru.ru_stime))
    for (name, url), before in zip(etcds, stats):
        etcd_use.report(name, before, etcd_use.mark(url))
    ip_waiter.join()
    if ip_done:
        # How fast the kernel (and ip) could bring the ports up at all.
        print("# ip -batch brought the %d ports up in %.2f s" % (len(ports), ip_done[0] - start))
    for m in mons:
        m.stop()
    missing = sum(len(m.wanted) - len(m.seen) for m in mons)
    if missing:
        print("# %d routes did not arrive within %.0f s" % (missing, args.timeout))
    # Latency of a VM: until the last watched node has its route.
    lat = []
    for a in addrs:
        times = [m.seen.get(a) for m in mons]
        if all(times):
            lat.append((max(times) - t0[a]) * 1000.0)
    if args.dump:
        with open(args.dump, "w") as f:
            for a in addrs:
                f.write("%s %.3f %s\n" % (a, t0[a], " ".join(
                    "%.3f" % m.seen[a] if a in m.seen else "-" for m in mons)))
    result = {"n": len(lat), "missing": missing, "total_s": end - start}
    if lat:
        result["p50_ms"] = pct(lat, 50)
        result["p99_ms"] = pct(lat, 99)
    print(json.dumps(result))
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
