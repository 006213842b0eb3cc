#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# edge_encap_vs_geneve: packets per second a compute node encapsulates.
# pktgen injects UDP from vmA1 to vmB1 into cnA1's v-vmA1 (the node is
# the limit, see inject_pps); cnA1 routes it into xc100 (xcloud, type
# gateway via gwB) or into a kernel geneve device gnb (innerprotoinherit,
# remote gwB); gwB drops it all at ingress. The route on cnA1 is switched
# between the two every round, BENCH_ROUNDS rounds; the ratio is the
# median of the rounds' ratios, the rates the best rounds.
#
# edge_encap_vs_geneve_vrf: the same right after, BENCH_VRF_ROUNDS rounds,
# with v-vmA1, xc100 and gnb in a VRF on cnA1 (lib.sh: vrf_enter), the
# routes in the VRF's table: vmA1's, the overlay's into xc100, vmB1's.
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

# One round through DEV [in VRF] (see lib.sh: record); g is the round's
# generator.
measure() {
	nsx cnA1 ip route replace "$dst/32" dev "$2" ${3:+vrf "$3"}
	record "$1" "$(inject_pps gwB eth0 cnA1 v-vmA1 "$src" "$dst")" "$g"
}
for ((round = 1; round <= BENCH_ROUNDS; round++)); do
	g=$(gen_pps cnA1 gen0 "$src" "$dst")
	((have_xcloud)) && measure xcloud "xc$TOPO_VNI"
	measure geneve gnb
done

# The same with cnA1's devices in a VRF (see lib.sh: vrf_enter).
if ((BENCH_VRF_ROUNDS > 0)); then
	devs=(v-vmA1 gnb)
	((have_xcloud)) && devs+=("xc$TOPO_VNI")
	if vrf_enter cnA1 "${devs[@]}" &&
		nsx cnA1 ip route add "$src/32" dev v-vmA1 vrf "$BENCH_VRF" &&
		{ ((!have_xcloud)) || nsx cnA1 ip route add "$TOPO_OVERLAY4" \
			dev "xc$TOPO_VNI" vrf "$BENCH_VRF"; }; then
		for ((round = 1; round <= BENCH_VRF_ROUNDS; round++)); do
			g=$(gen_pps cnA1 gen0 "$src" "$dst")
			((have_xcloud)) && measure xcloud_vrf "xc$TOPO_VNI" "$BENCH_VRF"
			measure geneve_vrf gnb "$BENCH_VRF"
		done
	else
		note "edge: the VRF on cnA1 could not be set up: no VRF rounds"
	fi
	vrf_leave
fi

report_rate edge_encap_pps xcloud
report_rate geneve_encap_pps geneve
report_ratio edge_encap_vs_geneve xcloud geneve
report_rate edge_encap_vrf_pps xcloud_vrf
report_rate geneve_encap_vrf_pps geneve_vrf
report_ratio edge_encap_vs_geneve_vrf xcloud_vrf geneve_vrf
exit 0
