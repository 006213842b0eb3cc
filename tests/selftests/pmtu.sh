#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Path MTU over the underlay. A router rt joins the underlay bridge; the
# path from compute node cnA1 to the remote gateway gwB and the path from
# gateway gwA to cnA1 cross it and leave it over a narrower link (FAR_MTU),
# while every host's own interface stays at 1500:
#
#   cnA1 -- br0 -- rt ==f1== gwB -- br0 -- cnB1    vmA1 -> vmB1: the edge
#   cnB1 -- br0 -- gwA -- br0 -- rt ==f2== cnA1    vmB1 -> vmA1: the relay
#
# The edge (cnA1) must learn the path MTU from rt's ICMP error and answer
# the VM's next oversize packet itself (tx_too_big), so the VM's TCP
# adapts; the relay (gwA) must learn it too and fragment its outer
# packets. 2 MB TCP transfers, IPv4 and IPv6 inner over IPv4 and IPv6
# underlays, both directions; first over 1500-byte far links (the
# control: nothing learnt, nothing counted), then over FAR_MTU ones.
# Over the IPv6 underlay, forged packet-too-big errors that quote no
# packet of the device (wrong VNI, another GENEVE version, a destination
# that is no peer) must change nothing, and one that does must.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd python3 ping
xcloud_available || skip_all "xcloud module or xcloudctl not available"

# Bytes per TCP transfer (XCLOUD_XFER_BYTES; less for a run on the debug
# kernel by hand).
XFER_BYTES=${XFER_BYTES:-${XCLOUD_XFER_BYTES:-2000000}}
# The control only shows the path carries TCP at all: a fraction will do.
CONTROL_BYTES=$((XFER_BYTES / 8))
FAR_MTU=${FAR_MTU:-1300}
TOPO_HOSTS=(gwA cnA1 gwB cnB1)
TOPO_VMS=(vmA1 vmB1)
# the far links: rt's end and the host at the other
declare -A FAR_HOST=([f1]=gwB [f2]=cnA1)
declare -A FAR_NET=([f1]=1 [f2]=2)

# far_addr LINK END FAM: address of END (1: rt, 2: the host) on LINK
far_addr() {
	if [[ $3 == 6 ]]; then echo "fd00:fe:${FAR_NET[$1]}::$2"
	else echo "10.254.${FAR_NET[$1]}.$2"; fi
}

pmtu_build() {
	local l h fam
	topo_build && topo_underlay_host rt 99 || return 1
	for l in f1 f2; do
		h=${FAR_HOST[$l]}
		ip link add "$l" netns "$(ns rt)" type veth peer name "$l" \
			netns "$(ns "$h")" || return 1
		nsx_batch rt <<-EOF || return 1
			addr add $(far_addr $l 1 4)/30 dev $l
			addr add $(far_addr $l 1 6)/64 dev $l nodad
			link set $l up
			route add $(ul_addr "$h" 4) via $(far_addr $l 2 4)
			route add $(ul_addr "$h" 6) via $(far_addr $l 2 6)
		EOF
		nsx_batch "$h" <<-EOF || return 1
			addr add $(far_addr $l 2 4)/30 dev $l
			addr add $(far_addr $l 2 6)/64 dev $l nodad
			link set $l up
		EOF
	done
	for fam in 4 6; do
		nsx cnA1 ip route add "$(ul_addr gwB $fam)" via "$(ul_addr rt $fam)" &&
			nsx gwA ip route add "$(ul_addr cnA1 $fam)" via "$(ul_addr rt $fam)" ||
			return 1
	done
}

far_mtu() {
	local l
	for l in f1 f2; do
		nsx rt ip link set "$l" mtu "$1" && nsx "${FAR_HOST[$l]}" ip link set "$l" mtu "$1" ||
			return 1
	done
}

# route_mtu HOST DST: the path MTU HOST has learnt toward DST (empty: none)
route_mtu() {
	nsx "$1" ip route get "$(ul_addr "$2")" |
		awk '{ for (i = 1; i < NF; i++) if ($i == "mtu") print $(i + 1) }'
}

# learnt HOST DST MTU: HOST's route toward DST has path MTU MTU ("" none)
learnt() {
	local got
	got=$(route_mtu "$1" "$2")
	echo "$1 -> $2 ($(ul_addr "$2")): path MTU ${got:-not learnt}"
	[[ $got == "$3" ]]
}

# transfers WHAT BYTES: for each inner family, BYTES over TCP vmA1 -> vmB1
# and vmB1 -> vmA1 at the same time (they share no link direction that
# matters here, and the guest has two CPUs).
transfers() {
	local what=$1 bytes=$2 fam src dst out=/tmp/$TOPO_ID-xfer pids=() i
	local -a srcs=(vmA1 vmB1) dsts=(vmB1 vmA1)
	for fam in 4 6; do
		pids=()
		for i in 0 1; do
			tcp_transfer "${srcs[i]}" "${dsts[i]}" "$fam" "$bytes" >"$out$i" 2>&1 &
			pids+=($!)
		done
		for i in 0 1; do
			src=${srcs[i]} dst=${dsts[i]}
			wait "${pids[i]}" && echo 0 >"$out$i.rc" || echo $? >"$out$i.rc"
			check -d "$what, IPv$fam overlay, IPv$TOPO_UL underlay: TCP $bytes bytes $src -> $dst" \
				eval "cat $out$i; exit \$(cat $out$i.rc)"
		done
	done
	rm -f "$out"*
}

too_big_is() {
	local n
	n=$(xc_stat cnA1 tx_too_big)
	echo "cnA1 tx_too_big: $n"
	eval "(($n $1))"
}

# forged MTU DST ARGS...: rt sends cnA1 a packet too big (mtu 1400)
# quoting cnA1's packet to host DST with ARGS (icmp_too_big.py's); then
# cnA1's path MTU toward DST must be MTU ("": none learnt).
forged() {
	local want=$1 dst=$2
	shift 2
	nsx rt python3 "$TOPO_LIB_DIR/icmp_too_big.py" --to "$(ul_addr cnA1)" \
		--quoted-src "$(ul_addr cnA1)" --quoted-dst "$(ul_addr "$dst")" \
		--mtu 1400 "$@"
	sleep 0.2
	learnt cnA1 "$dst" "$want"
}

# The VMs forget the path MTUs the last underlay taught them (their
# routes' exceptions go with the routes).
vm_routes_reset() {
	local vm
	for vm in "${TOPO_VMS[@]}"; do
		nsx_batch "$vm" <<-EOF || return 1
			route del default
			route add default via 169.254.1.1 dev eth0 onlink
			route del ::/0
			route add ::/0 via fe80::1 dev eth0
		EOF
	done
}

run_underlay() {
	local fam h
	TOPO_UL=$1
	diag "underlay IPv$TOPO_UL, far links 1500 then $FAR_MTU"
	topo_xcloud ondemand && far_mtu 1500 && vm_routes_reset
	for fam in 4 6; do
		vm_ping vmA1 vmB1 "$fam" 1 && vm_ping vmB1 vmA1 "$fam" 1
	done
	transfers "control: far links 1500" "$CONTROL_BYTES"
	check -d "control, IPv$TOPO_UL underlay: no path MTU learnt, tx_too_big stays 0" \
		eval 'learnt cnA1 gwB "" && learnt gwA cnA1 "" && too_big_is "== 0"'
	if [[ $TOPO_UL == 6 ]]; then
		TOPO_IDX+=([nopeer]=77)	# fd00:ff::77: no host, no peer
		check -d "IPv6 underlay: a packet too big quoting VNI 101 (not the device's) is not claimed" \
			forged "" gwB --vni 101
		check -d "IPv6 underlay: a packet too big quoting GENEVE version 1 is not claimed" \
			forged "" gwB --version 1
		check -d "IPv6 underlay: a packet too big quoting a destination that is no peer is not claimed" \
			forged "" nopeer
		check -d "IPv6 underlay: a packet too big quoting the device's own packet to gwB is claimed: path MTU 1400" \
			forged 1400 gwB
	fi
	far_mtu "$FAR_MTU"
	transfers "far links $FAR_MTU" "$XFER_BYTES"
	check -d "IPv$TOPO_UL underlay: the edge cnA1 learnt path MTU $FAR_MTU toward gwB and answered its VMs (tx_too_big > 0)" \
		eval "learnt cnA1 gwB $FAR_MTU && too_big_is '> 0'"
	if [[ $TOPO_UL == 6 ]]; then
		check -d "IPv6 underlay: the relay gwA learnt path MTU $FAR_MTU toward cnA1" \
			learnt gwA cnA1 "$FAR_MTU"
	else
		# DF is clear on relayed IPv4: rt fragments, nobody is told
		diag "$(learnt gwA cnA1 "" || true) (IPv4 relay: DF clear, rt fragments)"
	fi
	for h in "${TOPO_HOSTS[@]}"; do
		nsx "$h" ip link del "xc$TOPO_VNI"
	done
}

pmtu_build
# Over IPv4 first: the VMs' inner path MTU from it (1260) would still be
# too big for the IPv6 underlay's 1240, even if the reset missed it.
run_underlay 4
run_underlay 6
