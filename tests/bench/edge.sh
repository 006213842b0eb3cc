#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# edge_encap_vs_geneve: packets per second a compute node encapsulates.
# pktgen injects UDP from vmA1 to vmB1 into cnA1's v-vmA1 (the node is
# the limit, see inject_pps); cnA1 routes it into xc100 (xcloud, type
# gateway via gwB) or into a kernel geneve device gnb (innerprotoinherit,
# remote gwB); gwB drops it all at ingress. The route on cnA1 is switched
# between the two every round, BENCH_ROUNDS rounds; the ratio is the
# median of the rounds' ratios, the rates the best rounds.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
trap bench_cleanup EXIT

bench_topo || exit 1
have_xcloud=0
have_xcloud && have_xcloud=1
# dstport 6082: 6081 belongs to xcloud's socket in this namespace
nsx cnA1 ip link add gnb type geneve id "$TOPO_VNI" remote "$(ul_addr gwB)" \
	dstport 6082 innerprotoinherit || exit 1
on_done nsx cnA1 ip link del gnb
on_done nsx cnA1 ip route del "$(vm_addr vmB1 4)/32"
nsx cnA1 ip link set gnb mtu 1464 up
sink gwB
dst=$(vm_addr vmB1 4)
src=$(vm_addr vmA1 4)

gen_veth cnA1 gen0 || exit 1

# One round through DEV (see lib.sh: record); g is the round's generator.
measure() {
	nsx cnA1 ip route replace "$dst/32" dev "$2"
	record "$1" "$(inject_pps gwB eth0 cnA1 v-vmA1 "$src" "$dst")" "$g"
}
for ((round = 1; round <= BENCH_ROUNDS; round++)); do
	g=$(gen_pps cnA1 gen0 "$src" "$dst")
	((have_xcloud)) && measure xcloud "xc$TOPO_VNI"
	measure geneve gnb
done

report_rate edge_encap_pps xcloud
report_rate geneve_encap_pps geneve
report_ratio edge_encap_vs_geneve xcloud geneve
exit 0
