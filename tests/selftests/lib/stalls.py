#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Record the times this process was not scheduled for long.

Usage: stalls.py OUT [MIN_MS]. Sleeps 10 ms at a time and appends
"EPOCH_SECONDS GAP_MS" to OUT (line-buffered) whenever a sleep overran by
at least MIN_MS (default 100) ms. In an emulated guest on a loaded host
every process stops together: a timing test reads OUT to tell a stall of
the whole machine from a failure of what it tests.
"""
import sys
import time


def main():
    out = open(sys.argv[1], "a", buffering=1, encoding="ascii")
    min_gap = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.1
    step = 0.01
    last = time.monotonic()
    while True:
        time.sleep(step)
        now = time.monotonic()
        gap = now - last - step
        if gap >= min_gap:
            out.write("%.3f %d\n" % (time.time(), gap * 1000))
        last = now


if __name__ == "__main__":
    main()
