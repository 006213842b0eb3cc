#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Receive hardening. The source check (on by default): a device accepts
# tunnels only from its allow-list (an empty one accepts none), and an
# edge device delivers a packet only if its inner source is routed to the
# peer that sent it (a node route through that node, or a gateway route
# and the peer one of the own cloud's gateways); everything else is
# dropped and counted by reason, crafted GENEVE from inside and outside
# the clouds alike, while legitimate traffic still flows. Malformed
# GENEVE packets (truncated, wrong version, unknown VNI, wrong protocol
# type, unknown critical option) are dropped and counted by reason; a
# routing loop configured on purpose between the two gateways drops each
# packet once (rx_hop_limit), no storm.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd python3 ping
xcloud_available || skip_all "xcloud module or xcloudctl not available"

DEV=xc$TOPO_VNI
N=5
# The clouds' underlay hosts (.1 .. .21, ::1 .. ::21) but not "evil"
# (.99, ::99), an underlay host that is no part of any cloud.
TOPO_ALLOW="10.255.0.0/26 fd00:ff::/122"
NOROUTE4=10.9.9.9 NOROUTE6=fd00:9::9

# craft FROM TO CASE [VNI] [FAM] [INNER_SRC]: N crafted packets from host
# FROM to TO:6081, an ICMP echo request inside from INNER_SRC (a VM name
# or an address; vmA1 by default) to a VM TO routes to or hosts (vmB1 on
# cnB1 and gwB, vmA1 on cnA1, else vmA2).
craft() {
	local from=$1 to=$2 case=$3 vni=${4:-$TOPO_VNI} fam=${5:-4} src=${6:-vmA1} vm=vmA2
	[[ $to == cnB1 || $to == gwB ]] && vm=vmB1
	[[ $to == cnA1 ]] && vm=vmA1
	[[ $src == vm* ]] && src=$(vm_addr "$src" "$fam")
	nsx "$from" python3 "$TOPO_LIB_DIR/geneve_send.py" --dst "$(ul_addr "$to")" \
		--vni "$vni" --case "$case" --count $N \
		--inner-src "$src" --inner-dst "$(vm_addr "$vm" "$fam")"
}

# dropped_as FROM TO COUNTER CASE [VNI] [FAM] [INNER_SRC]: the N packets
# move COUNTER by exactly N and deliver nothing (rx_packets unchanged).
dropped_as() {
	local from=$1 to=$2 counter=$3 c0 c1 r0 r1
	shift 3
	c0=$(xc_statsum "$to" "$counter") r0=$(xc_stat "$to" rx_packets)
	craft "$from" "$to" "$@"
	sleep 0.5
	c1=$(xc_statsum "$to" "$counter") r1=$(xc_stat "$to" rx_packets)
	echo "$counter: $c0 -> $c1, rx_packets: $r0 -> $r1"
	((c1 - c0 == N && r1 == r0))
}

# accepted FROM TO CASE [VNI] [FAM] [INNER_SRC]: N packets are received.
accepted() {
	local from=$1 to=$2 r0 r1
	shift 2
	r0=$(xc_stat "$to" rx_packets)
	craft "$from" "$to" "$@"
	sleep 0.5
	r1=$(xc_stat "$to" rx_packets)
	echo "rx_packets: $r0 -> $r1"
	((r1 - r0 == N))
}

# relayed GW FROM TO CASE [VNI] [FAM] [INNER_SRC]: GW (= TO) relays the N
# packets: its relayed_packets moves by N.
relayed() {
	local gw=$1 r0 r1
	shift
	r0=$(xc_stat "$gw" relayed_packets)
	craft "$@"
	sleep 0.5
	r1=$(xc_stat "$gw" relayed_packets)
	echo "$gw relayed_packets: $r0 -> $r1"
	((r1 - r0 == N))
}

topo_build
topo_underlay_host evil 99
topo_xcloud ondemand

# ---- legitimate traffic (controls) ----
for fam in 4 6; do
	check -d "IPv$fam: the two-hop path works with the source check on (cnA1 -> gwB -> cnB1 and back)" \
		vm_ping vmA1 vmB1 "$fam"
	check -d "IPv$fam: same-cloud traffic works (cnA1 -> cnA2, node routes)" \
		vm_ping vmA1 vmA2 "$fam"
	check -d "IPv$fam: crafted packet from vmA1's own node cnA1 to cnA2: delivered" \
		accepted cnA1 cnA2 good "$TOPO_VNI" "$fam" vmA1
	check -d "IPv$fam: crafted packet from vmB1 relayed by cnA2's own gateway gwA: delivered" \
		accepted gwA cnA2 good "$TOPO_VNI" "$fam" vmB1
done

# ---- malformed, cnA1 -> cnA2 ----
check -d "truncated (shorter than the GENEVE header): dropped, rx_truncated" \
	dropped_as cnA1 cnA2 rx_truncated truncated
check -d "truncated (options announced, missing): dropped, rx_truncated" \
	dropped_as cnA1 cnA2 rx_truncated truncopts
check -d "GENEVE version 1: dropped, rx_bad_version" \
	dropped_as cnA1 cnA2 rx_bad_version version
check -d "unknown VNI: dropped, rx_unknown_vni" \
	dropped_as cnA1 cnA2 rx_unknown_vni good 4242
check -d "protocol type Ethernet (0x6558): dropped, rx_bad_proto" \
	dropped_as cnA1 cnA2 rx_bad_proto proto
check -d "protocol type IPv6 carrying IPv4: dropped, rx_bad_proto" \
	dropped_as cnA1 cnA2 rx_bad_proto mismatch
check -d "protocol type IPv4 carrying IPv6: dropped, rx_bad_proto" \
	dropped_as cnA1 cnA2 rx_bad_proto mismatch "$TOPO_VNI" 6
check -d "unknown critical option: dropped, rx_critical_opt" \
	dropped_as cnA1 cnA2 rx_critical_opt critical
check -d "unknown non-critical option: accepted" accepted cnA1 cnA2 noncritical

# ---- (a) an underlay host in no table ----
for fam in 4 6; do
	check -d "IPv$fam: from evil (not on the allow-list) to an edge: dropped, rx_spoofed" \
		dropped_as evil cnA2 rx_spoofed good "$TOPO_VNI" "$fam"
	check -d "IPv$fam: from evil to a gateway: dropped, rx_spoofed (allow-list enforced on gateways)" \
		dropped_as evil gwA rx_spoofed good "$TOPO_VNI" "$fam"
done
evil_prefixes() { echo "$(ul_addr evil 4)/32 $(ul_addr evil 6)/128"; }
# shellcheck disable=SC2046 # two prefixes
check -d "allow-list of cnA2 opened to evil" xc cnA2 allow add $(evil_prefixes) dev "$DEV"
for fam in 4 6; do
	src=$NOROUTE4
	[[ $fam == 6 ]] && src=$NOROUTE6
	check -d "IPv$fam: allowed evil, inner source with no route: dropped, rx_src_unrouted" \
		dropped_as evil cnA2 rx_src_unrouted good "$TOPO_VNI" "$fam" "$src"
	check -d "IPv$fam: allowed evil, inner source of a VM on cnA1: dropped, rx_src_mismatch" \
		dropped_as evil cnA2 rx_src_mismatch good "$TOPO_VNI" "$fam" vmA1
done
# shellcheck disable=SC2046
check -d "allow-list of cnA2 closed to evil again" xc cnA2 allow del $(evil_prefixes) dev "$DEV"
check -d "evil is refused again (rx_spoofed)" dropped_as evil cnA2 rx_spoofed good

# ---- (b) a node of the cloud, with a source routed elsewhere ----
# A VM of cloud A on a node that is not in the topology (10.255.0.13):
# only that node may send from it.
OTHERVM=10.100.1.50
check -d "cnA2 routes $OTHERVM to another node of cloud A" \
	xc cnA2 route add $OTHERVM type node via 10.255.0.13 dev "$DEV"
check -d "from cnA1, a source routed to another node: dropped, rx_src_mismatch" \
	dropped_as cnA1 cnA2 rx_src_mismatch good "$TOPO_VNI" 4 $OTHERVM
for fam in 4 6; do
	check -d "IPv$fam: from cnA1, a source in cloud B (routed to gwB): dropped, rx_src_mismatch" \
		dropped_as cnA1 cnA2 rx_src_mismatch good "$TOPO_VNI" "$fam" vmB1
	check -d "IPv$fam: from cnA2 to cnA1, cnA1's own VM as source (unrouted there): dropped, rx_src_unrouted" \
		dropped_as cnA2 cnA1 rx_src_unrouted good "$TOPO_VNI" "$fam" vmA1
	check -d "IPv$fam: from the own gateway gwA, a VM of its own cloud (node route to cnA1): dropped, rx_src_mismatch" \
		dropped_as gwA cnA2 rx_src_mismatch good "$TOPO_VNI" "$fam" vmA1
done

# ---- (c) the remote cloud's gateway or nodes, any source ----
for fam in 4 6; do
	check -d "IPv$fam: from gwB (remote gateway), vmB1 as source: dropped, rx_src_mismatch" \
		dropped_as gwB cnA2 rx_src_mismatch good "$TOPO_VNI" "$fam" vmB1
	check -d "IPv$fam: from gwB, vmA1 as source: dropped, rx_src_mismatch" \
		dropped_as gwB cnA2 rx_src_mismatch good "$TOPO_VNI" "$fam" vmA1
	check -d "IPv$fam: from cnB1 (remote node) directly, its own vmB1 as source: dropped, rx_src_mismatch" \
		dropped_as cnB1 cnA2 rx_src_mismatch good "$TOPO_VNI" "$fam" vmB1
done

# ---- (d) a source the edge has no route for ----
for fam in 4 6; do
	src=$NOROUTE4
	[[ $fam == 6 ]] && src=$NOROUTE6
	for from in cnA1 gwA gwB cnB1; do
		check -d "IPv$fam: from $from, a source without a route: dropped, rx_src_unrouted" \
			dropped_as "$from" cnA2 rx_src_unrouted good "$TOPO_VNI" "$fam" "$src"
	done
done

# ---- gateways relay without looking at inner sources ----
check -d "gwB relays a crafted packet from cnA1 (its allow-list admits cnA1)" \
	relayed gwB cnA1 gwB good "$TOPO_VNI" 4 vmA1
check -d "after all that, the clouds still talk" vm_ping vmA1 vmB1 4

# ---- the source check switched off: the old rules ----
check -d "cnA2: source-check off" xc cnA2 link set "$DEV" source-check off
check -d "link show says so" eval 'xc cnA2 link show "$DEV" | grep -q "source-check off"'
check -d "source check off: a source without a route is delivered" \
	accepted cnA1 cnA2 good "$TOPO_VNI" 4 $NOROUTE4
check -d "source check off: a non-empty allow-list is still enforced (evil: rx_spoofed)" \
	dropped_as evil cnA2 rx_spoofed good
# shellcheck disable=SC2086 # TOPO_ALLOW's prefixes
check -d "cnA2's allow-list emptied" xc cnA2 allow del $TOPO_ALLOW dev "$DEV"
check -d "source check off, empty allow-list: every source accepted (evil too)" \
	accepted evil cnA2 good "$TOPO_VNI" 4 $NOROUTE4
check -d "cnA2: source-check on" xc cnA2 link set "$DEV" source-check on
check -d "source check on, empty allow-list: nothing accepted, even from the right node (rx_spoofed)" \
	dropped_as cnA1 cnA2 rx_spoofed good "$TOPO_VNI" 4 vmA1
check -d "... nor relayed by the own gateway" \
	dropped_as gwA cnA2 rx_spoofed good "$TOPO_VNI" 4 vmB1
# shellcheck disable=SC2086
check -d "cnA2's allow-list restored" xc cnA2 allow add $TOPO_ALLOW dev "$DEV"
check -d "then cnA1's packets are delivered again" \
	accepted cnA1 cnA2 good "$TOPO_VNI" 4 vmA1

# ---- the gateways: without them, nothing of another cloud gets in ----
check -d "cnA2: gateways none" xc cnA2 link set "$DEV" gateways none
check -d "without gateways, vmB1 relayed by gwA: dropped, rx_src_mismatch" \
	dropped_as gwA cnA2 rx_src_mismatch good "$TOPO_VNI" 4 vmB1
check -d "cnA2: its gateways back" \
	xc cnA2 link set "$DEV" gateways "$(topo_own_gateways cnA2)"
check -d "vmB1 relayed by gwA delivered again" \
	accepted gwA cnA2 good "$TOPO_VNI" 4 vmB1

# ---- a narrower allow-list: cnB1 accepts only its gateway ----
# shellcheck disable=SC2086
check -d "allow-list: cnB1 keeps gwB's underlay addresses only" \
	eval 'xc cnB1 allow del $TOPO_ALLOW dev "$DEV" &&
		xc cnB1 allow add "$(ul_addr gwB 4)/32" "$(ul_addr gwB 6)/128" dev "$DEV"'
allow_shown() { xc cnB1 allow show dev "$DEV" | grep -qF "$(ul_addr gwB)"; }
no_ping() { ! vm_ping "$@"; }
check -d "allow-list: shown" allow_shown
check -d "allow-list: traffic relayed by gwB passes" vm_ping vmA1 vmB1 4
check -d "allow-list: IPv6 overlay traffic relayed by gwB passes" vm_ping vmA1 vmB1 6
check -d "allow-list: a packet from cnA1 (now not allowed) is dropped, rx_spoofed" \
	dropped_as cnA1 cnB1 rx_spoofed good
check -d "allow-list: ... also with an IPv6 overlay packet" \
	dropped_as cnA1 cnB1 rx_spoofed good "$TOPO_VNI" 6
check -d "allow-list: removing the entry" \
	xc cnB1 allow del "$(ul_addr gwB)/$((TOPO_UL == 4 ? 32 : 128))" dev "$DEV"
check -d "allow-list: with gwB removed (only its other family left), gwB's traffic is dropped" \
	no_ping vmA1 vmB1 4 2

# ---- a routing loop between the gateways ----
# Both gateways send 10.100.9.9 to the other as if it were a compute node:
# gwA relays the packet once (marking it relayed), gwB must drop it.
LOOP4=10.100.9.9
xc cnA1 route add $LOOP4 type gateway via "$(ul_addr gwA)" dev "$DEV"
xc gwA route add $LOOP4 type node via "$(ul_addr gwB)" dev "$DEV"
xc gwB route add $LOOP4 type node via "$(ul_addr gwA)" dev "$DEV"
loop_check() {
	local a0 b0 h0 t0 a1 b1 h1 t1 pings=10
	a0=$(xc_stat gwA relayed_packets) b0=$(xc_stat gwB relayed_packets)
	h0=$(xc_stat gwB rx_hop_limit) t0=$(xc_tunnel_stat gwA "$(ul_addr gwB)" tx_packets)
	nsx vmA1 ping -q -c $pings -i 0.1 -W 1 $LOOP4 >/dev/null 2>&1 || true
	sleep 1
	a1=$(xc_stat gwA relayed_packets) b1=$(xc_stat gwB relayed_packets)
	h1=$(xc_stat gwB rx_hop_limit) t1=$(xc_tunnel_stat gwA "$(ul_addr gwB)" tx_packets)
	echo "gwA relayed $((a1 - a0)), gwA->gwB tx $((t1 - t0)), gwB relayed $((b1 - b0)), gwB rx_hop_limit $((h1 - h0))"
	((a1 - a0 == pings && t1 - t0 == pings && b1 == b0 && h1 - h0 == pings))
}
check -d "routing loop gwA <-> gwB: each packet relayed once, then dropped once (rx_hop_limit), no storm" \
	loop_check
