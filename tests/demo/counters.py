#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read many xcloud counters at once for the demo (one python start-up
instead of one per counter: under TCG each costs seconds).

  counters.py DIR KEY=HOST:tunnel:REMOTE:FIELD | KEY=HOST:stat:NAME ...

DIR holds HOST.tun.json (`xcloudctl -j -s tunnel show`) and HOST.stats.json
(`xcloudctl -j stats dev DEV`) per host. Prints KEY=VALUE lines; a counter
that cannot be found is 0 (the demo's checks then fail, showing it).
"""
import json
import os
import sys

# The selftests' JSON helpers: the same walk over the CLI's documents.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "selftests", "lib"))
from jfield import same_addr, walk  # noqa: E402


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def tunnel(doc, remote, field):
    for d in walk(doc):
        if "remote" in d and same_addr(d["remote"], remote):
            for sub in walk(d):
                if isinstance(sub.get(field), int):
                    return sub[field]
    return 0


def stat(doc, name):
    for d in walk(doc):
        if isinstance(d.get(name), int):
            return d[name]
    return 0


def main():
    top = sys.argv[1]
    cache = {}
    for spec in sys.argv[2:]:
        key, what = spec.split("=", 1)
        parts = what.split(":")
        host, kind = parts[0], parts[1]
        fname = "%s.%s.json" % (host, "tun" if kind == "tunnel" else "stats")
        if fname not in cache:
            cache[fname] = load(os.path.join(top, fname))
        doc = cache[fname]
        if kind == "tunnel":
            # REMOTE may be IPv6 (colons): the field is the last part
            val = tunnel(doc, ":".join(parts[2:-1]), parts[-1])
        else:
            val = stat(doc, parts[2])
        print("%s=%d" % (key, val))
    return 0


if __name__ == "__main__":
    sys.exit(main())
