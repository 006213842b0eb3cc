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

xc_pps='' gn_pps='' xc_all='' gn_all=''
for ((round = 1; round <= BENCH_ROUNDS; round++)); do
	if ((have_xcloud)); then
		nsx cnA1 ip route replace "$dst/32" dev "xc$TOPO_VNI"
		r=$(inject_pps gwB eth0 cnA1 v-vmA1 "$src" "$dst")
		note "round $round: xcloud edge $(head -n1 <<<"$r") pps, $(tail -n1 <<<"$r")"
		xc_pps=$(max "$xc_pps" "$(head -n1 <<<"$r")")
		xc_all+=" $(head -n1 <<<"$r")"
	fi
	nsx cnA1 ip route replace "$dst/32" dev gnb
	r=$(inject_pps gwB eth0 cnA1 v-vmA1 "$src" "$dst")
	note "round $round: geneve $(head -n1 <<<"$r") pps, $(tail -n1 <<<"$r")"
	gn_pps=$(max "$gn_pps" "$(head -n1 <<<"$r")")
	gn_all+=" $(head -n1 <<<"$r")"
done

if ((have_xcloud)); then
	bench edge_encap_pps "$xc_pps" pps
else
	note "edge_encap_pps: xcloud not available"
fi
bench geneve_encap_pps "$gn_pps" pps
((have_xcloud)) && bench edge_encap_vs_geneve "$(paired_ratio "$xc_all" "$gn_all")" x
exit 0
