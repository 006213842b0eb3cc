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
# The tunnel packets come from pktgen injecting into gwB (see inject_pps),
# their UDP payload rewritten into a GENEVE packet on inj0 or a VXLAN
# packet on inj1 by tc pedit (pedit_payload: 9 and 13 words; inner
# IPv4/UDP with an empty payload). pktgen and pedit run on the node's CPU:
# each round also measures them alone (gen_pps) and the ratio is of the
# node's own rates (node_pps); the figures with the generator's cost in
# are printed too (*_with_generator).
#
# gateway_relay_vs_vxlan_route_vrf: the same right after, BENCH_VRF_ROUNDS
# rounds, with xc100, vx101 and vx102 in a VRF on gwB (lib.sh: vrf_enter),
# the route to vmB1 via vx102 in the VRF's table. The underlay (inj*, out0,
# the tunnels' sockets and outer routes) stays in the main table.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
trap bench_cleanup EXIT

bench_topo || exit 1
# The injector's veths into gwB: GENEVE arrives on inj0, VXLAN on inj1;
# inj2 and inj3 drop them as soon as they are made (gen_pps).
topo_ns_add inj
on_done ip netns del "$(ns inj)"
for i in 0 1 2 3; do
	ip link add "inj$i" netns "$(ns gwB)" type veth peer name "eth$i" \
		netns "$(ns inj)"
	nsx gwB ip addr add "10.254.$i.1/30" dev "inj$i"
	nsx gwB ip link set "inj$i" up
	nsx inj ip addr add "10.254.$i.2/30" dev "eth$i"
	nsx inj ip link set "eth$i" up
done
have_xcloud=0
have_xcloud && have_xcloud=1
# The injector's GENEVE comes from 10.254.0.2: gwB's allow-list must take
# it (with the source check on, the default, it is enforced on gateways).
if ((have_xcloud)); then
	xc gwB allow add 10.254.0.0/22 dev "xc$TOPO_VNI" || exit 1
	on_done xc gwB allow del 10.254.0.0/22 dev "xc$TOPO_VNI"
fi
on_done 'for h in cnA1 gwB; do nsx $h ip link del vx101; done; for h in gwB cnB1; do nsx $h ip link del vx102; done'
topo_vxlan_link cnA1 gwB 101 && topo_vxlan_link gwB cnB1 102 || exit 1
nsx gwB ip route add "$(vm_addr vmB1 4)/32" via 192.168.102.2
# cnB1 will drop everything: resolve its vxlan neighbour on gwB for good.
mac=$(nsx cnB1 cat /sys/class/net/vx102/address)
nsx gwB ip neigh replace 192.168.102.2 lladdr "$mac" dev vx102 nud permanent
# What gwB sends to cnB1 leaves on a veth of its own into "snk", which
# drops it at ingress: the underlay's bridge and cnB1 are the test's
# switch and receiver, not the gateway, and would run on the same CPU.
# Both paths (xcloud's relay and vx102) reach cnB1's underlay address.
topo_ns_add snk
on_done ip netns del "$(ns snk)"
ip link add out0 netns "$(ns gwB)" type veth peer name eth0 netns "$(ns snk)"
nsx gwB ip link set out0 up
nsx snk ip link set eth0 up
host=$(ul_addr cnB1)/$((TOPO_UL == 6 ? 128 : 32))
nsx gwB ip route add "$host" dev out0
on_done nsx gwB ip route del "$host" dev out0
nsx gwB ip neigh replace "$(ul_addr cnB1)" lladdr "$(mac_of snk eth0)" \
	dev out0 nud permanent
sink snk

export FRAMES_PAYLOAD_LEN=0
python3 "$BENCH_DIR/frames.py" geneve "$TOPO_VNI" "$(vm_addr vmA1 4)" \
	"$(vm_addr vmB1 4)" "$BENCH_TMP/geneve.in"
python3 "$BENCH_DIR/frames.py" vxlan 101 "$(mac_of gwB vx101)" \
	"$(vm_addr vmA1 4)" "$(vm_addr vmB1 4)" "$BENCH_TMP/vxlan.in"
pedit_payload gwB inj0 "$BENCH_TMP/geneve.in" || exit 1
pedit_payload gwB inj1 "$BENCH_TMP/vxlan.in" || exit 1
# the generator alone: the same packets, dropped as soon as they are made
pedit_payload gwB inj2 "$BENCH_TMP/geneve.in" drop || exit 1
pedit_payload gwB inj3 "$BENCH_TMP/vxlan.in" drop || exit 1
gn_size=$((46 + $(stat -c %s "$BENCH_TMP/geneve.in")))
vx_size=$((46 + $(stat -c %s "$BENCH_TMP/vxlan.in")))

# One round: KIND PORT SIZE DEV GENDEV (see lib.sh: record).
measure() {
	local kind=$1 port=$2 size=$3 dev=$4 gdev=$5 r g i=${4#inj}
	r=$(INJECT_PORT=$port INJECT_SIZE=$size inject_pps snk eth0 \
		gwB "$dev" "10.254.$i.2" "10.254.$i.1")
	g=$(INJECT_PORT=$port INJECT_SIZE=$size gen_pps gwB "$gdev" \
		"10.254.${gdev#inj}.2" "10.254.${gdev#inj}.1")
	record "$kind" "$r" "$g"
}
for ((round = 1; round <= BENCH_ROUNDS; round++)); do
	((have_xcloud)) && measure relay 6081 "$gn_size" inj0 inj2
	measure vxlan 4789 "$vx_size" inj1 inj3
done
counts() {
	((have_xcloud)) && note "gwB relayed_packets total: $(xc_stat gwB relayed_packets)"
	note "gwB vx101 rx $(rx_packets gwB vx101), vx102 tx $(nsx gwB cat /sys/class/net/vx102/statistics/tx_packets), snk eth0 rx $(rx_packets snk eth0)"
}
counts

# The same with gwB's devices in a VRF (see lib.sh: vrf_enter).
if ((BENCH_VRF_ROUNDS > 0)); then
	devs=(vx101 vx102)
	((have_xcloud)) && devs+=("xc$TOPO_VNI")
	# enslaving flushed vx102's neighbours: cnB1's again
	if vrf_enter gwB "${devs[@]}" &&
		nsx gwB ip neigh replace 192.168.102.2 lladdr "$mac" dev vx102 nud permanent &&
		nsx gwB ip route add "$(vm_addr vmB1 4)/32" via 192.168.102.2 vrf "$BENCH_VRF"; then
		for ((round = 1; round <= BENCH_VRF_ROUNDS; round++)); do
			((have_xcloud)) && measure relay_vrf 6081 "$gn_size" inj0 inj2
			measure vxlan_vrf 4789 "$vx_size" inj1 inj3
		done
		note "after the VRF rounds:"
		counts
	else
		note "gateway: the VRF on gwB could not be set up: no VRF rounds"
	fi
	vrf_leave
	nsx gwB ip neigh replace 192.168.102.2 lladdr "$mac" dev vx102 nud permanent
fi

report_rate gateway_relay_pps relay
report_rate vxlan_route_pps vxlan
report_ratio gateway_relay_vs_vxlan_route relay vxlan
report_rate gateway_relay_vrf_pps relay_vrf
report_rate vxlan_route_vrf_pps vxlan_vrf
report_ratio gateway_relay_vs_vxlan_route_vrf relay_vrf vxlan_vrf
exit 0
