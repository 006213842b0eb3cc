#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the convergence time goes: reads the driver's per-VM times (--dump)
and the daemons' logs (XCLOUD_LOG_TIMES=1 stamps, the same monotonic clock)
and prints, per stage, the p50/p99 of the time since the VM's port came up.
Usage: control_stages.py TIMES AGENT-LOG-cnB1 COORD-LOG AGENT-LOG-cnA1
       [AGENT-LOG-gwB]"""
import re
import sys

STAMP = re.compile(r"^\S+ \[(\d+\.\d+)\] (.*)$")


def first_times(path, pattern):
    """addr -> first stamp of a line matching pattern (group 1: addr)."""
    out = {}
    rx = re.compile(pattern)
    try:
        f = open(path)
    except OSError:
        return out
    with f:
        for line in f:
            m = STAMP.match(line)
            if not m:
                continue
            r = rx.search(m.group(2))
            if r and r.group(1) not in out:
                out[r.group(1)] = float(m.group(1))
    return out


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    up, seen = {}, {}
    for line in open(sys.argv[1]):
        f = line.split()
        up[f[0]] = float(f[1])
        times = [float(x) for x in f[2:] if x != "-"]
        if len(times) == len(f) - 2:
            seen[f[0]] = max(times)
    stages = [
        ("port seen up by cnB1", first_times(sys.argv[2], r"port \d+/(\S+): \S+ is up")),
        ("binding queued (cnB1)", first_times(sys.argv[2], r"port \d+/(\S+): (?:.*; )?publishing binding")),
        ("remote queued (coord)", first_times(sys.argv[3], r"cloud A: added remote \d+/(\S+) ")),
        ("route in cnA1 (agent)", first_times(sys.argv[4], r"route (\S+) -> gateway")),
    ]
    if len(sys.argv) > 5:
        stages.append(("route in gwB (agent)", first_times(sys.argv[5], r"route (\S+) -> node")))
    stages.append(("route seen (monitors)", seen))
    for name, t in stages:
        d = [(t[a] - up[a]) * 1000.0 for a in up if a in t]
        if d:
            print("# stage %-24s p50 %7.1f ms  p99 %7.1f ms  (%d VMs)"
                  % (name, pct(d, 50), pct(d, 99), len(d)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
