#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pps_1m_vs_1k_routes and bytes_per_route. cnA1 gets a second xcloud
# device (xc101) next to xc100: xc100 holds 1,000 host routes, xc101
# 1,000,000, all 10.192.0.0 + i via gwB. pktgen injects packets into cnA1
# (as if from vmA1) to a random one of those destinations per packet, and
# cnA1's kernel route for 10.192.0.0/12 is switched between the two
# devices round by round, so both tables are measured alternately in the
# same conditions. One fixed destination (one flow, the table's lookup
# path always in cache) is measured the same way. bytes_per_route: kernel
# memory (unreclaimable slab + vmalloc + per-cpu) growth over xc101's
# 1,000,000 routes, installed with xcloudctl -batch.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
trap bench_cleanup EXIT

TOTAL=${BENCH_ROUTES:-1000000}
FIRST=1000
bench_topo || exit 1
if ! have_xcloud; then
	note "pps_1m_vs_1k_routes, bytes_per_route: xcloud not available"
	exit 0
fi
BIG=xc$((TOPO_VNI + 1))
xc cnA1 link add "$BIG" vni $((TOPO_VNI + 1)) local "$(ul_addr cnA1)" \
	mode edge || exit 1
on_done nsx cnA1 ip link del "$BIG"
nsx cnA1 ip link set "$BIG" up || exit 1
on_done nsx cnA1 ip route del 10.192.0.0/12
sink gwB

# Host routes 10.192.0.0 + i, outside the VMs' 10.100/16.
python3 - "$BENCH_TMP" "$FIRST" "$TOTAL" "$(ul_addr gwB)" "xc$TOPO_VNI" "$BIG" <<'PY'
import sys
tmp, first, total, via, small, big = sys.argv[1:]
def write(name, n, dev):
    with open("%s/%s" % (tmp, name), "w") as f:
        for i in range(n):
            a = (10 << 24) | (192 << 16) | i
            f.write("route add %d.%d.%d.%d/32 type gateway via %s dev %s\n" % (
                a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, via, dev))
write("small", int(first), small)
write("big", int(total), big)
PY
addr_of() { python3 -c 'import ipaddress, sys; print(ipaddress.ip_address("10.192.0.0") + int(sys.argv[1]))' "$1"; }
LAST_SMALL=$(addr_of $((FIRST - 1)))
LAST_BIG=$(addr_of $((TOTAL - 1)))

xc cnA1 -batch "$BENCH_TMP/small" || exit 1
sync
m0=$(kmem_bytes)
t0=$(date +%s.%N)
xc cnA1 -batch "$BENCH_TMP/big" || exit 1
t1=$(date +%s.%N)
sleep 1
m1=$(kmem_bytes)
rm -f "$BENCH_TMP/big" "$BENCH_TMP/small"
note "route counts: xc$TOPO_VNI $(xc cnA1 -j link show "xc$TOPO_VNI" |
	python3 "$TOPO_LIB_DIR/jfield.py" stat route_count), $BIG $(xc cnA1 -j \
	link show "$BIG" | python3 "$TOPO_LIB_DIR/jfield.py" stat route_count)"
rate=$(python3 -c 'import sys; print(int(float(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2]))))' "$TOTAL" "$t0" "$t1")

# measure NAME DEV GEN DSTMIN [DSTMAX]: one round through DEV's table
# (see lib.sh: record), GEN the generator's rate for those destinations.
gen_veth cnA1 gen0 || exit 1
measure() {
	local name=$1 dev=$2 g=$3
	shift 3
	nsx cnA1 ip route replace 10.192.0.0/12 dev "$dev"
	record "$name" "$(inject_pps gwB eth0 cnA1 v-vmA1 "$(vm_addr vmA1 4)" "$@")" "$g"
}
for ((round = 1; round <= BENCH_ROUNDS; round++)); do
	g=$(gen_pps cnA1 gen0 "$(vm_addr vmA1 4)" 10.192.0.0 "$LAST_BIG")
	g1=$(gen_pps cnA1 gen0 "$(vm_addr vmA1 4)" 10.192.0.5)
	measure 1k "xc$TOPO_VNI" "$g" 10.192.0.0 "$LAST_SMALL"
	measure 1m "$BIG" "$g" 10.192.0.0 "$LAST_BIG"
	measure 1k_1flow "xc$TOPO_VNI" "$g1" 10.192.0.5
	measure 1m_1flow "$BIG" "$g1" 10.192.0.5
done

report_rate pps_1k_routes 1k
report_rate pps_1m_routes 1m
report_ratio pps_1m_vs_1k_routes 1m 1k
report_rate pps_1k_routes_1flow 1k_1flow
report_rate pps_1m_routes_1flow 1m_1flow
report_ratio pps_1m_vs_1k_routes_1flow 1m_1flow 1k_1flow
bench bytes_per_route $(((m1 - m0) / TOTAL)) B
bench route_install_rate "$rate" routes/s
