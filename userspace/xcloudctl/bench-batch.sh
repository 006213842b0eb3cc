#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xcloudctl -batch against ip -batch: install BENCH_ROUTES (default
# 1,000,000) host routes into an xcloud device with xcloudctl, and as many
# /32 routes into a kernel routing table (on a dummy device) with ip, in
# one fresh namespace each; print BENCH lines. Run in the guest:
#   tests/vm/run -- userspace/xcloudctl/bench-batch.sh
set -euo pipefail

N=${BENCH_ROUTES:-1000000}
XC=${XCLOUDCTL:-$(cd "$(dirname "$0")" && pwd)/xcloudctl}
NS=xcbench$$
TMP=$(mktemp -d)
cleanup() { ip netns del "$NS" 2>/dev/null || true; ip netns del "$NS-ip" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

python3 - "$N" "$TMP" <<'PY'
import sys
n, tmp = int(sys.argv[1]), sys.argv[2]
with open(tmp + "/xc", "w") as xc, open(tmp + "/ip", "w") as ip:
    for i in range(n):
        a = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        xc.write("route add %s/32 type node via 192.0.2.1 dev xc0\n" % a)
        ip.write("route add %s/32 dev dummy0\n" % a)
PY

secs() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }

# ip first, in its own namespace, freed before xcloud's turn (2 GiB guest).
ip netns add "$NS-ip"
ip -n "$NS-ip" link add dummy0 type dummy
ip -n "$NS-ip" link set dummy0 up
# ip -batch grows to ~1.7 GiB over a million lines (OOM in the guest):
# feed it 100,000 lines per process; process start-up is noise here.
split -l 100000 "$TMP/ip" "$TMP/ip."
ip_batches() { local f; for f in "$TMP"/ip.*; do ip -n "$NS-ip" -batch "$f" || return 1; done; }
t_ip=$(secs ip_batches)
n_ip=$(ip -n "$NS-ip" route show | grep -c dummy0)
[[ $n_ip -ge $N ]] || { echo "kernel table has $n_ip routes, wanted $N" >&2; exit 1; }
ip netns del "$NS-ip"
rm -f "$TMP"/ip*
sleep 2

ip netns add "$NS"
"$XC" -n "$NS" link add xc0 vni 1
t_xc=$(secs "$XC" -n "$NS" -batch "$TMP/xc")
rm -f "$TMP/xc"
count=$("$XC" -n "$NS" -j link show xc0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["route_count"])')
[[ $count == "$N" ]] || { echo "xcloud device has $count routes, wanted $N" >&2; exit 1; }
t_dump=$(secs sh -c "'$XC' -n '$NS' route show dev xc0 | wc -l > '$TMP/dumped'")
[[ $(cat "$TMP/dumped") == "$N" ]] || { echo "dump listed $(cat "$TMP/dumped") routes, wanted $N" >&2; exit 1; }
printf 'BENCH batch_1m_routes_s %.2f s\n' "$t_xc"
printf 'BENCH ip_batch_1m_routes_s %.2f s\n' "$t_ip"
printf 'BENCH batch_1m_vs_ip_batch %.1f x\n' "$(echo "$t_ip / $t_xc" | bc -l)"
printf 'BENCH route_dump_1m_s %.2f s\n' "$t_dump"
