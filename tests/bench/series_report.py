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
reaches in some of its slices. A note says when one did in few: the
upper decile is then at the edge of the fast level and the figure less
sure (tests/bench/eip.sh's paths came within 10 % of it in 11-47 % of
their slices; routes.sh's, tried, in 11-18 %, and that part stays with
paired whole runs). The median over rounds of the whole runs' paired
ratios, the figure before this, is printed as a note.

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

    def own(kind, rates):
        """KIND's node-own rate from RATES (a kind -> rate map)."""
        return node(rates.get(kind, 0), rates.get(args.gen, 0))

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
            print("BENCH %s %d pps" % (name, own(kinds, fast)))
            print("BENCH %s %d pps" % (with_generator(name), fast[kinds]))
        elif what == "ratio":
            a, _, b = kinds.partition("/")
            if a not in fast or b not in fast or not own(b, fast):
                continue
            for k in (a, b):
                if share[k] < 0.15:
                    print("# %s: only %d%% of %s's samples are near its fast-speed rate;"
                          " the figure is less sure" % (name, 100 * share[k], k))
            print("BENCH %s %.2f x" % (name, own(a, fast) / own(b, fast)))
            print("BENCH %s %.2f x" % (with_generator(name), fast[a] / fast[b]))
            rounds = [{k: w[r] for k, w in whole.items() if r in w} for r in whole[a]]
            owns = [own(a, w) / own(b, w) for w in rounds if own(a, w) and own(b, w)]
            measured = [w[a] / w[b] for w in rounds if w.get(a) and w.get(b)]
            if owns and measured:
                print("# %s: median of the rounds' ratios of whole runs %.2f x, with the generator %.2f x"
                      % (name, statistics.median(owns), statistics.median(measured)))
        else:
            sys.exit("series_report: %s: not rate: or ratio:" % item)


if __name__ == "__main__":
    main()
