#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# gateway_relay_vs_vxlan_route: packets per second a gateway forwards
# from one tunnel to another. xcloud: gwB (mode gateway) relays GENEVE
# to cnB1 in its receive path. Baseline, what an operator builds without
# xcloud: gwB decapsulates vxlan (vx101), routes, and encapsulates again
# in vxlan (vx102) to cnB1. Both are configured on gwB at once and
# measured alternately, BENCH_ROUNDS times each; the ratio is the median
# of the rounds' ratios, the rates the best rounds.
#
# The tunnel packets come from pktgen injecting into gwB (the node is the
# limit, see inject_pps), their UDP payload rewritten into a GENEVE packet
# on inj0 or a VXLAN packet on inj1 by tc pedit (pedit_payload: 9 and 13
# words; inner IPv4/UDP with an empty payload).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
trap bench_cleanup EXIT

bench_topo || exit 1
# The injector's two veths into gwB: GENEVE arrives on inj0, VXLAN on inj1.
topo_ns_add inj
on_done ip netns del "$(ns inj)"
for i in 0 1; do
	ip link add "inj$i" netns "$(ns gwB)" type veth peer name "eth$i" \
		netns "$(ns inj)"
	nsx gwB ip addr add "10.254.$i.1/30" dev "inj$i"
	nsx gwB ip link set "inj$i" up
	nsx inj ip addr add "10.254.$i.2/30" dev "eth$i"
	nsx inj ip link set "eth$i" up
done
have_xcloud=0
have_xcloud && have_xcloud=1
on_done 'for h in cnA1 gwB; do nsx $h ip link del vx101; done; for h in gwB cnB1; do nsx $h ip link del vx102; done'
topo_vxlan_link cnA1 gwB 101 && topo_vxlan_link gwB cnB1 102 || exit 1
nsx gwB ip route add "$(vm_addr vmB1 4)/32" via 192.168.102.2
# cnB1 will drop everything: resolve its vxlan neighbour on gwB for good.
mac=$(nsx cnB1 cat /sys/class/net/vx102/address)
nsx gwB ip neigh replace 192.168.102.2 lladdr "$mac" dev vx102 nud permanent
sink cnB1

export FRAMES_PAYLOAD_LEN=0
python3 "$BENCH_DIR/frames.py" geneve "$TOPO_VNI" "$(vm_addr vmA1 4)" \
	"$(vm_addr vmB1 4)" "$BENCH_TMP/geneve.in"
python3 "$BENCH_DIR/frames.py" vxlan 101 "$(mac_of gwB vx101)" \
	"$(vm_addr vmA1 4)" "$(vm_addr vmB1 4)" "$BENCH_TMP/vxlan.in"
pedit_payload gwB inj0 "$BENCH_TMP/geneve.in" || exit 1
pedit_payload gwB inj1 "$BENCH_TMP/vxlan.in" || exit 1
gn_size=$((46 + $(stat -c %s "$BENCH_TMP/geneve.in")))
vx_size=$((46 + $(stat -c %s "$BENCH_TMP/vxlan.in")))

xc_pps='' vx_pps='' xc_all='' vx_all=''
for ((round = 1; round <= BENCH_ROUNDS; round++)); do
	if ((have_xcloud)); then
		r=$(INJECT_PORT=6081 INJECT_SIZE=$gn_size inject_pps cnB1 eth0 \
			gwB inj0 10.254.0.2 10.254.0.1)
		note "round $round: xcloud gateway relay $(head -n1 <<<"$r") pps, $(tail -n1 <<<"$r")"
		xc_pps=$(max "$xc_pps" "$(head -n1 <<<"$r")")
		xc_all+=" $(head -n1 <<<"$r")"
	fi
	r=$(INJECT_PORT=4789 INJECT_SIZE=$vx_size inject_pps cnB1 eth0 \
		gwB inj1 10.254.1.2 10.254.1.1)
	note "round $round: vxlan+route $(head -n1 <<<"$r") pps, $(tail -n1 <<<"$r")"
	vx_pps=$(max "$vx_pps" "$(head -n1 <<<"$r")")
	vx_all+=" $(head -n1 <<<"$r")"
done
((have_xcloud)) && note "gwB relayed_packets total: $(xc_stat gwB relayed_packets)"
note "gwB vx101 rx $(rx_packets gwB vx101), vx102 tx $(nsx gwB cat /sys/class/net/vx102/statistics/tx_packets), cnB1 eth0 rx $(rx_packets cnB1 eth0)"

if ((have_xcloud)); then
	bench gateway_relay_pps "$xc_pps" pps
else
	note "gateway_relay_pps: xcloud not available"
fi
bench vxlan_route_pps "$vx_pps" pps
((have_xcloud)) && bench gateway_relay_vs_vxlan_route "$(paired_ratio "$xc_all" "$vx_all")" x
exit 0
