#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# twohop_tcp_vs_onehop_geneve and twohop_tcp_vs_vxlan_route: iperf3 TCP
# throughput vmA1 -> vmB1 (IPv4 overlay and underlay) through
#   xcloud        cnA1 -> gwB -> cnB1 (replies cnB1 -> gwA -> cnA1)
#   geneve        a direct one-hop geneve tunnel cnA1 <-> cnB1
#                 (innerprotoinherit: L3, like xcloud)
#   vxlan+route   vxlan to the remote gateway, routed, vxlan to the node
# All three are set up side by side; host routes for the two VMs on cnA1
# and cnB1 pick one per run. BENCH_TCP_ROUNDS rounds go through all three
# in turn; a ratio is the median of the rounds' ratios (paired_ratio), a
# rate the best round.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
trap bench_cleanup EXIT

ROUNDS=${BENCH_TCP_ROUNDS:-5}
bench_topo || exit 1
have_xcloud=0
have_xcloud && have_xcloud=1
# 6081 belongs to xcloud's socket in these namespaces
topo_geneve_direct cnA1 cnB1 6082 || exit 1
on_done 'nsx cnA1 ip link del gn0; nsx cnB1 ip link del gn0'
topo_vxlan_route || exit 1
on_done 'for l in "cnA1 gwB 101" "gwB cnB1 102" "cnB1 gwA 103" "gwA cnA1 104"; do
	set -- $l; nsx $1 ip link del vx$3; nsx $2 ip link del vx$3; done'
A=$(vm_addr vmA1 4) B=$(vm_addr vmB1 4)
on_done "nsx cnA1 ip route del $B/32; nsx cnB1 ip route del $A/32"

# via NAME: the path vmA1 <-> vmB1 takes from now on.
via() {
	local ra rb
	case $1 in
	xcloud) ra="dev xc$TOPO_VNI" rb="dev xc$TOPO_VNI" ;;
	geneve) ra="dev gn0" rb="dev gn0" ;;
	vxlan) ra="via 192.168.101.2" rb="via 192.168.103.2" ;;
	esac
	nsx cnA1 ip route replace "$B/32" $ra && nsx cnB1 ip route replace "$A/32" $rb
}

paths=(geneve vxlan)
((have_xcloud)) && paths=(xcloud geneve vxlan)
declare -A BEST ALL
for ((round = 1; round <= ROUNDS; round++)); do
	for p in "${paths[@]}"; do
		via "$p" || exit 1
		vm_ping vmA1 vmB1 4 2 || note "$p: ping vmA1 -> vmB1 failed"
		r=$(tcp_mbps vmA1 vmB1)
		note "round $round: $p ${r:-failed} Mbit/s"
		ALL[$p]+=" ${r:-0}"
		[[ -n $r ]] && BEST[$p]=$(python3 -c 'import sys
print(max(sys.argv[1:], key=float))' "$r" ${BEST[$p]:-})
	done
done

((have_xcloud)) && bench twohop_tcp_mbps "${BEST[xcloud]:-n/a}" Mbit/s
bench onehop_geneve_tcp_mbps "${BEST[geneve]:-n/a}" Mbit/s
bench vxlan_route_tcp_mbps "${BEST[vxlan]:-n/a}" Mbit/s
if ((have_xcloud)); then
	bench twohop_tcp_vs_onehop_geneve "$(paired_ratio "${ALL[xcloud]}" "${ALL[geneve]}")" x
	bench twohop_tcp_vs_vxlan_route "$(paired_ratio "${ALL[xcloud]}" "${ALL[vxlan]}")" x
fi
bench vxlan_route_tcp_vs_onehop_geneve "$(paired_ratio "${ALL[vxlan]}" "${ALL[geneve]}")" x
exit 0
