#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Pick fields out of `xcloudctl -j` output for the selftests.

  jfield.py stat NAME            counter NAME (device first, then netns)
  jfield.py statsum NAME         counter NAME, device and netns summed
  jfield.py tunnel REMOTE NAME   field NAME of the tunnel to REMOTE (0 if none)
  jfield.py remotes              the tunnels' remote addresses, one a line

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
    doc = json.load(sys.stdin) if sys.stdin.readable() else None
    cmd = sys.argv[1]
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
    if cmd == "remotes":
        for d in walk(doc):
            if "remote" in d:
                print(d["remote"])
        return 0
    print("jfield: unknown command %s" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
