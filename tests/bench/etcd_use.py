#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What an etcd did between two points, from its /metrics: requests by
method, puts, transactions, watch events and messages, WAL syncs, Go GCs
and its CPU time. For control_driver.py (--etcd-stats)."""
import collections
import re
import urllib.request

COUNTS = (("watch msgs", r'grpc_server_msg_sent_total\{.*grpc_method="Watch".*'),
          ("puts", r"etcd_mvcc_put_total"),
          ("deletes", r"etcd_mvcc_delete_total"),
          ("events", r"etcd_debugging_mvcc_events_total"),
          ("fsyncs", r"etcd_disk_wal_fsync_duration_seconds_count"),
          ("GCs", r"go_gc_duration_seconds_count"))
METHOD = re.compile(r'grpc_server_handled_total\{.*grpc_method="(\w+)".*')


def mark(url):
    m = collections.Counter()
    with urllib.request.urlopen(url + "/metrics", timeout=10) as f:
        for line in f.read().decode().splitlines():
            if line.startswith("#"):
                continue
            name, _, v = line.rpartition(" ")
            m[name] = float(v)
    return m


def report(label, a, b):
    d = {k: b[k] - a[k] for k in b if b[k] != a[k]}
    out = ["cpu %.1f s" % d.get("process_cpu_seconds_total", 0)]
    methods = collections.Counter()
    for k, v in d.items():
        m = METHOD.fullmatch(k)
        if m:
            methods[m.group(1)] += v
    out += ["%s %d" % kv for kv in sorted(methods.items())]
    for name, rx in COUNTS:
        v = sum(x for k, x in d.items() if re.fullmatch(rx, k))
        if v:
            out.append("%s %d" % (name, v))
    print("# etcd %s: %s" % (label, ", ".join(out)))
