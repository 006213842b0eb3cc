#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Pick fields out of `xcloudctl -j` output for the selftests.

  jfield.py stat NAME            counter NAME (device first, then netns)
  jfield.py statsum NAME         counter NAME, device and netns summed
  jfield.py tunnel REMOTE NAME   field NAME of the tunnel to REMOTE (0 if none)
  jfield.py remotes              the tunnels' remote addresses, one a line
  jfield.py snapshot DIR H=ADDR.. counters of several hosts (see below)

The JSON is read from stdin. Lookups search the whole document, so they do
not depend on how the CLI nests device and namespace counters.
"""
import ipaddress
import json
import sys


def walk(node):
    """Every dict in the document, depth first, in document order."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def same_addr(a, b):
    try:
        return ipaddress.ip_address(str(a)) == ipaddress.ip_address(str(b))
    except ValueError:
        return str(a) == str(b)


def main():
    cmd = sys.argv[1]
    doc = None if cmd == "snapshot" else json.load(sys.stdin)
    if cmd == "stat":
        name = sys.argv[2]
        for d in walk(doc):
            if name in d and isinstance(d[name], int):
                print(d[name])
                return 0
        print("jfield: no counter %s" % name, file=sys.stderr)
        return 1
    if cmd == "statsum":
        name = sys.argv[2]
        print(sum(d[name] for d in walk(doc)
                  if isinstance(d.get(name), int)))
        return 0
    if cmd == "tunnel":
        remote, name = sys.argv[2], sys.argv[3]
        for d in walk(doc):
            if "remote" in d and same_addr(d["remote"], remote):
                for sub in walk(d):
                    if name in sub:
                        print(sub[name])
                        return 0
                print(0)
                return 0
        print(0)
        return 0
    if cmd == "snapshot":
        # snapshot DIR HOST=ADDR...: DIR/HOST.stats and DIR/HOST.tunnels
        # hold `-j stats` and `-j -s tunnel show` of each HOST; prints
        # HOST.relayed|reaped|tx|rx=N and HOST>PEER.tx=N, HOST<PEER.rx=N
        # lines.
        d, hosts = sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
        for h in hosts:
            with open("%s/%s.stats" % (d, h)) as f:
                st = next(walk(json.load(f)["devices"]))
            print("%s.relayed=%d" % (h, st["relayed_packets"]))
            print("%s.reaped=%d" % (h, st["tunnels_reaped"]))
            print("%s.tx=%d" % (h, st["tx_packets"]))
            print("%s.rx=%d" % (h, st["rx_packets"]))
            with open("%s/%s.tunnels" % (d, h)) as f:
                tuns = [t for t in walk(json.load(f)) if "remote" in t]
            for peer, addr in hosts.items():
                if peer == h:
                    continue
                tx = rx = 0
                for t in tuns:
                    if same_addr(t["remote"], addr):
                        tx, rx = t["stats"]["tx_packets"], t["stats"]["rx_packets"]
                print("%s>%s.tx=%d" % (h, peer, tx))
                print("%s<%s.rx=%d" % (h, peer, rx))
        return 0
    if cmd == "remotes":
        for d in walk(doc):
            if "remote" in d:
                print(d["remote"])
        return 0
    print("jfield: unknown command %s" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
