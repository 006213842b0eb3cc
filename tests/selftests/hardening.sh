#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Receive hardening: packets from underlay sources outside the allow-list
# are dropped and counted; malformed GENEVE packets (truncated, wrong
# version, unknown VNI, wrong protocol type, unknown critical option) are
# dropped and counted by reason; a routing loop configured on purpose
# between the two gateways drops each packet once (rx_hop_limit), no storm.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd python3 ping
xcloud_available || skip_all "xcloud module or xcloudctl not available"

DEV=xc$TOPO_VNI
N=5

# craft FROMHOST TOHOST CASE [VNI] [FAM]: N crafted packets to TOHOST:6081,
# an ICMP echo request vmB1 -> (TOHOST's VM) inside.
craft() {
	local from=$1 to=$2 case=$3 vni=${4:-$TOPO_VNI} fam=${5:-4} vm=vmA2
	[[ $to == cnB1 ]] && vm=vmB1
	nsx "$from" python3 "$TOPO_LIB_DIR/geneve_send.py" --dst "$(ul_addr "$to")" \
		--vni "$vni" --case "$case" --count $N \
		--inner-src "$(vm_addr vmA1 "$fam")" --inner-dst "$(vm_addr "$vm" "$fam")"
}

# dropped_as TOHOST COUNTER CASE [VNI] [FAM]: the N packets of CASE move
# COUNTER by exactly N and deliver nothing (rx_packets unchanged).
dropped_as() {
	local to=$1 counter=$2 c0 c1 r0 r1
	shift 2
	c0=$(xc_statsum "$to" "$counter") r0=$(xc_stat "$to" rx_packets)
	craft evil "$to" "$@"
	sleep 0.5
	c1=$(xc_statsum "$to" "$counter") r1=$(xc_stat "$to" rx_packets)
	echo "$counter: $c0 -> $c1, rx_packets: $r0 -> $r1"
	((c1 - c0 == N && r1 == r0))
}

# accepted TOHOST CASE [VNI] [FAM]: N packets of CASE are received.
accepted() {
	local to=$1 r0 r1
	shift
	r0=$(xc_stat "$to" rx_packets)
	craft evil "$to" "$@"
	sleep 0.5
	r1=$(xc_stat "$to" rx_packets)
	echo "rx_packets: $r0 -> $r1"
	((r1 - r0 == N))
}

topo_build
topo_underlay_host evil 99 # an underlay host that is no part of any cloud
topo_xcloud ondemand
for fam in 4 6; do
	check -d "IPv$fam: a well-formed packet from any source is accepted without allow-list" \
		accepted cnA2 good "$TOPO_VNI" "$fam"
done

# ---- malformed, to cnA2 (no allow-list) ----
check -d "truncated (shorter than the GENEVE header): dropped, rx_truncated" \
	dropped_as cnA2 rx_truncated truncated
check -d "truncated (options announced, missing): dropped, rx_truncated" \
	dropped_as cnA2 rx_truncated truncopts
check -d "GENEVE version 1: dropped, rx_bad_version" \
	dropped_as cnA2 rx_bad_version version
check -d "unknown VNI: dropped, rx_unknown_vni" \
	dropped_as cnA2 rx_unknown_vni good 4242
check -d "protocol type Ethernet (0x6558): dropped, rx_bad_proto" \
	dropped_as cnA2 rx_bad_proto proto
check -d "protocol type IPv6 carrying IPv4: dropped, rx_bad_proto" \
	dropped_as cnA2 rx_bad_proto mismatch
check -d "protocol type IPv4 carrying IPv6: dropped, rx_bad_proto" \
	dropped_as cnA2 rx_bad_proto mismatch "$TOPO_VNI" 6
check -d "unknown critical option: dropped, rx_critical_opt" \
	dropped_as cnA2 rx_critical_opt critical
check -d "unknown non-critical option: accepted" accepted cnA2 noncritical
check -d "after all that, the clouds still talk" vm_ping vmA1 vmA2 4

# ---- spoofing: cnB1 accepts only its gateway ----
for fam in 4 6; do
	check -d "allow-list: cnB1 allows gwB's underlay address (IPv$fam)" \
		xc cnB1 allow add "$(ul_addr gwB "$fam")/$((fam == 4 ? 32 : 128))" dev "$DEV"
done
allow_shown() { xc cnB1 allow show dev "$DEV" | grep -qF "$(ul_addr gwB)"; }
no_ping() { ! vm_ping "$@"; }
check -d "allow-list: shown" allow_shown
check -d "allow-list: traffic relayed by gwB passes" vm_ping vmA1 vmB1 4
check -d "allow-list: IPv6 overlay traffic relayed by gwB passes" vm_ping vmA1 vmB1 6
check -d "allow-list: a well-formed packet from another underlay host is dropped, rx_spoofed" \
	dropped_as cnB1 rx_spoofed good
check -d "allow-list: ... also with an IPv6 overlay packet" \
	dropped_as cnB1 rx_spoofed good "$TOPO_VNI" 6
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
