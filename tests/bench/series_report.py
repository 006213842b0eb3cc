#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""BENCH figures from a pktgen_series.py output file.

The host runs the guest's vCPU at one of two speeds, about 1.4x apart, and
switches between them at random, several times a second at times: each
run's 0.1-s slices (pktgen_series.py) sit at one level or the other, for
every path alike. A rate compared across runs at different speeds
measures the host, not the path. So a kind's rate is the upper QUANTILE
(0.9) of all its slices over all rounds (each run's first slice, pktgen
starting, left out): its rate at the host's fast speed, which every kind
reaches in some of its slices. The median over rounds of the whole runs'
paired ratios, the figure before this, is printed as a note.

Items:
    rate:NAME=KIND     BENCH NAME (the node's own rate: the generator's
                       cost per packet taken out) and NAME with
                       "_with_generator" (the rate measured with it)
    ratio:NAME=A/B     BENCH NAME (of the node's own rates) and
                       NAME_with_generator
--gen KIND names the generator alone (no figure of its own).
"""
import argparse
import statistics
import sys


def quantile(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))] if v else 0


def node(rate, gen):
    """The node's own rate: each packet cost 1/rate, 1/gen of it pktgen's."""
    return 1 / (1 / rate - 1 / gen) if 0 < rate < gen else 0


def with_generator(name):
    if name.endswith("_pps"):
        return name[:-4] + "_with_generator_pps"
    return name + "_with_generator"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("file")
    p.add_argument("--gen", required=True)
    p.add_argument("--quantile", type=float, default=0.9)
    p.add_argument("items", nargs="*")
    args = p.parse_intermixed_args()

    slices, whole = {}, {}
    for line in open(args.file):
        f = line.split()
        kind, rnd, rate, sent, arrived = f[0], int(f[1]), int(f[2]), int(f[3]), int(f[4])
        s = [float(x) for x in f[6:]]
        slices.setdefault(kind, []).extend(s[1:])
        whole.setdefault(kind, {})[rnd] = rate
        print("# round %d: %s %d pps over the run (slices %s), %d of %d arrived"
              % (rnd, kind, rate, "-".join("%d" % x for x in
                                           (min(s[1:]), max(s[1:]))) if len(s) > 1 else "n/a",
                 arrived, sent))
    if args.gen not in slices:
        sys.exit("series_report: no runs of the generator (%s)" % args.gen)
    fast = {k: quantile(v, args.quantile) for k, v in slices.items()}
    g = fast[args.gen]
    # A kind that never ran at the fast speed would be compared at the
    # slow one: say how many of its slices came within 10 % of its rate.
    share = {k: sum(x >= 0.9 * fast[k] for x in v) / len(v) if v else 0
             for k, v in slices.items()}
    print("# rates at the host's fast speed (quantile %.2f of the 0.1-s slices;"
          " the share of slices within 10 %% of it):" % args.quantile,
          ", ".join("%s %d pps (%d%% of %d)" % (k, fast[k], 100 * share[k], len(slices[k]))
                    for k in sorted(fast)))
    for item in args.items:
        what, _, spec = item.partition(":")
        name, _, kinds = spec.partition("=")
        if what == "rate":
            if kinds not in fast:
                print("# %s: not measured" % name)
                continue
            print("BENCH %s %d pps" % (name, node(fast[kinds], g)))
            print("BENCH %s %d pps" % (with_generator(name), fast[kinds]))
        elif what == "ratio":
            a, _, b = kinds.partition("/")
            if a not in fast or b not in fast or not node(fast[b], g):
                continue
            print("BENCH %s %.2f x" % (name, node(fast[a], g) / node(fast[b], g)))
            print("BENCH %s %.2f x" % (with_generator(name), fast[a] / fast[b]))
            gen = whole[args.gen]
            pairs = [(whole[a][r], whole[b][r], gen.get(r, 0)) for r in whole[a] if r in whole[b]]
            own = [node(x, w) / node(y, w) for x, y, w in pairs if node(x, w) and node(y, w)]
            measured = [x / y for x, y, _ in pairs if x and y]
            if own and measured:
                print("# %s: median of the rounds' ratios of whole runs %.2f x, with the generator %.2f x"
                      % (name, statistics.median(own), statistics.median(measured)))
        else:
            sys.exit("series_report: %s: not rate: or ratio:" % item)


if __name__ == "__main__":
    main()
