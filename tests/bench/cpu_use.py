#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""CPU time used between two points, from /proc: where a TCG guest's CPU
goes is what bounds the control plane's figures.

  cpu_use.py mark FILE     remember the counters now
  cpu_use.py report FILE   print "# cpu:" notes on what was used since:
                           the whole guest (user, system, softirq, idle)
                           and each process that used at least 1% of it
                           (a process that ended in between is missed)
"""
import collections
import json
import os
import sys


def procs():
    out = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().split(b"\0")
            with open("/proc/%s/stat" % pid) as f:
                st = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if not cmd[0]:
            continue  # a kernel thread
        name = os.path.basename(cmd[0].decode(errors="replace"))
        if name.startswith("python") and len(cmd) > 1:
            name = os.path.basename(cmd[1].decode(errors="replace"))
        if b"--name" in cmd[:-1]:  # etcd's member name: which cloud
            name += "-" + cmd[cmd.index(b"--name") + 1].decode(errors="replace")
        elif b"monitor" in cmd:
            name += "-monitor"
        # utime and stime, in ticks
        out[pid] = ["%s(%s)" % (name, pid), int(st[11]) + int(st[12])]
    return out


def snapshot():
    with open("/proc/stat") as f:
        total = [int(x) for x in f.readline().split()[1:]]
    return {"total": total, "procs": procs()}


def report(a, b):
    hz = os.sysconf("SC_CLK_TCK")
    # user nice system idle iowait irq softirq steal
    t = [y - x for x, y in zip(a["total"], b["total"])]
    print("# cpu: guest %.1f s user, %.1f s system, %.1f s softirq, %.1f s idle"
          % ((t[0] + t[1]) / hz, t[2] / hz, t[6] / hz, (t[3] + t[4]) / hz))
    use = collections.Counter()
    for pid, (name, ticks) in b["procs"].items():
        use[name] += ticks - a["procs"].get(pid, [name, 0])[1]
    busy = sum(t) - t[3] - t[4]
    print("# cpu: by process: " + ", ".join(
        "%s %.1f s" % (n, v / hz) for n, v in use.most_common() if v > busy / 100))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("mark", "report"):
        sys.exit(__doc__)
    if sys.argv[1] == "mark":
        with open(sys.argv[2], "w") as f:
            json.dump(snapshot(), f)
    else:
        with open(sys.argv[2]) as f:
            report(json.load(f), snapshot())
    return 0


if __name__ == "__main__":
    sys.exit(main())
