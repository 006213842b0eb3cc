#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# twohop_tcp_vs_onehop_geneve and twohop_tcp_vs_vxlan_route: iperf3 TCP
# throughput vmA1 -> vmB1 (IPv4 overlay and underlay) through
#   xcloud        cnA1 -> gwB -> cnB1 (replies cnB1 -> gwA -> cnA1)
#   geneve        a direct one-hop geneve tunnel cnA1 <-> cnB1
#                 (innerprotoinherit: L3, like xcloud)
#   vxlan+route   vxlan to the remote gateway, routed, vxlan to the node
set -uo pipefail
source "$(dirname "$0")/lib.sh"
trap bench_cleanup EXIT

bench_topo || exit 1
xc_tcp=''
if have_xcloud; then
	vm_ping vmA1 vmB1 4 2 || note "xcloud: ping vmA1 -> vmB1 failed"
	xc_tcp=$(tcp_mbps vmA1 vmB1)
	note "xcloud two hops: ${xc_tcp:-failed} Mbit/s"
	drop_xcloud
fi
topo_geneve_direct || exit 1
vm_ping vmA1 vmB1 4 2 || note "geneve: ping vmA1 -> vmB1 failed"
gn_tcp=$(tcp_mbps vmA1 vmB1)
note "geneve one hop: ${gn_tcp:-failed} Mbit/s"
nsx cnA1 ip link del gn0
nsx cnB1 ip link del gn0
topo_vxlan_route || exit 1
vm_ping vmA1 vmB1 4 2 || note "vxlan+route: ping vmA1 -> vmB1 failed"
vx_tcp=$(tcp_mbps vmA1 vmB1)
note "vxlan+route: ${vx_tcp:-failed} Mbit/s"

[[ -n $xc_tcp ]] && bench twohop_tcp_mbps "$xc_tcp" Mbit/s
bench onehop_geneve_tcp_mbps "${gn_tcp:-n/a}" Mbit/s
bench vxlan_route_tcp_mbps "${vx_tcp:-n/a}" Mbit/s
if [[ -n $xc_tcp ]]; then
	bench twohop_tcp_vs_onehop_geneve "$(ratio "$xc_tcp" "$gn_tcp")" x
	bench twohop_tcp_vs_vxlan_route "$(ratio "$xc_tcp" "$vx_tcp")" x
fi
bench vxlan_route_tcp_vs_onehop_geneve "$(ratio "$vx_tcp" "$gn_tcp")" x
exit 0
