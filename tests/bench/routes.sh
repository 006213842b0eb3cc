#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pps_1m_vs_1k_routes and bytes_per_route: the edge encapsulation rate
# (as in edge.sh) with 1,000 and then 1,000,000 host routes in cnA1's
# table, installed with xcloudctl -batch; kernel memory (unreclaimable
# slab + vmalloc + per-cpu) before and after the 999,000 extra routes.
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
# Back to the topology's table: remove the device and build cnA1's again.
restore_cnA1() {
	local TOPO_HOSTS=(cnA1)
	nsx cnA1 ip link del "xc$TOPO_VNI"
	topo_xcloud ondemand
}
on_done restore_cnA1

sink gwB
steer_cpu1 cnA1 v-vmA1
dst=$(vm_addr vmB1 4)
python3 "$BENCH_DIR/frames.py" plain "$BENCH_TMP/plain"
frame "$BENCH_TMP/udp" cnA1 v-vmA1 vmA1 eth0 "$(vm_addr vmA1 4)" "$dst" 9 \
	"$BENCH_TMP/plain"

# Host routes 10.192.0.0 + i (outside the VMs' 10.100/16), via cnA2.
python3 - "$BENCH_TMP" "$FIRST" "$TOTAL" "$(ul_addr cnA2)" "xc$TOPO_VNI" <<'PY'
import sys
tmp, first, total, via, dev = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
def write(name, lo, hi):
    with open("%s/%s" % (tmp, name), "w") as f:
        for i in range(lo, hi):
            a = (10 << 24) | (192 << 16) | i
            f.write("route add %d.%d.%d.%d/32 type node via %s dev %s\n" % (
                a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, via, dev))
write("first", 0, first)
write("rest", first, total)
PY

# best of BENCH_ROUNDS runs (notes to fd 3: the result is captured)
exec 3>&1
best_pps() {
	local best='' r round
	for ((round = 1; round <= BENCH_ROUNDS; round++)); do
		r=$(pps gwB eth0 vmA1 eth0 "$BENCH_TMP/udp")
		note "$1 routes, round $round: $(head -n1 <<<"$r") pps, $(tail -n1 <<<"$r")" >&3
		best=$(max "$best" "$(head -n1 <<<"$r")")
	done
	echo "$best"
}

xc cnA1 -batch "$BENCH_TMP/first" || exit 1
pps_1k=$(best_pps $FIRST)

sync
m0=$(kmem_bytes)
t0=$(date +%s.%N)
xc cnA1 -batch "$BENCH_TMP/rest" || exit 1
t1=$(date +%s.%N)
sleep 1
m1=$(kmem_bytes)
rm -f "$BENCH_TMP/rest"
n=$((TOTAL - FIRST))
note "route count now: $(xc cnA1 -j link show "xc$TOPO_VNI" 2>/dev/null |
	python3 "$TOPO_LIB_DIR/jfield.py" stat route_count 2>/dev/null)"
rate=$(python3 -c 'import sys; print(int(float(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2]))))' "$n" "$t0" "$t1")

pps_1m=$(best_pps "$TOTAL")

bench pps_1k_routes "$pps_1k" pps
bench pps_1m_routes "$pps_1m" pps
bench pps_1m_vs_1k_routes "$(ratio "$pps_1m" "$pps_1k")" x
bench bytes_per_route $(((m1 - m0) / n)) B
bench route_install_rate "$rate" routes/s
exit 0
