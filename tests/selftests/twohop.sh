#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two-hop inter-cloud forwarding: VMs in cloud A and cloud B reach each
# other (ping, TCP, IPv4 and IPv6 overlay) over an IPv4 and an IPv6
# underlay; the tunnel counters show every packet went compute node ->
# remote gateway -> compute node and nowhere else; the wire carries GENEVE
# with the device's VNI; oversize DF packets get the ICMP error back.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd python3 ping tshark
xcloud_available || skip_all "xcloud module or xcloudctl not available"

# Bytes per TCP transfer (XCLOUD_XFER_BYTES): less takes the same paths
# (GSO, GRO, both hops) in a fraction of the time, for a run on the
# KASAN-instrumented debug kernel by hand.
XFER_BYTES=${XFER_BYTES:-${XCLOUD_XFER_BYTES:-2000000}}
PINGS=10
# On-demand tunnels that outlive the suite: the debug kernel's guest takes
# more than the default 300 s between a same-cloud ping and the next path
# check, and a tunnel reaped between two snapshots reads as its counters
# going back. tunnels.sh tests the reaping.
IDLE=86400

# Snapshot of the counters the path check compares, as NAME=VALUE lines.
path_counters() {
	local h dir=/tmp/$TOPO_ID-counters args=() stats tunnels
	mkdir -p "$dir"
	for h in cnA1 cnA2 cnB1 gwA gwB; do
		# one xcloudctl for both dumps (a JSON document a line each)
		{ IFS= read -r stats; IFS= read -r tunnels; } < <(
			printf 'stats dev xc%s\ntunnel show dev xc%s\n' "$TOPO_VNI" "$TOPO_VNI" |
				xc "$h" -j -s -batch -)
		printf '%s\n' "$stats" >"$dir/$h.stats"
		printf '%s\n' "$tunnels" >"$dir/$h.tunnels"
		args+=("$h=$(ul_addr "$h")")
	done
	python3 "$TOPO_LIB_DIR/jfield.py" snapshot "$dir" "${args[@]}"
}

# path_check FAM: $PINGS echo requests vmA1 -> vmB1 and as many replies
# back must move exactly these counters by $PINGS, and nothing else.
path_check() {
	local fam=$1 before after k n bad=0
	local -A b a want
	# Warm up (on-demand tunnels, neighbours), then let stray packets pass.
	vm_ping vmA1 vmB1 "$fam" 1
	sleep 0.5
	before=$(path_counters)
	nsx vmA1 ping -"$fam" -q -c $PINGS -i 0.05 -W 2 "$(vm_addr vmB1 "$fam")" >/dev/null
	sleep 0.3
	after=$(path_counters)
	while IFS="=" read -r k n; do b[$k]=$n; done <<<"$before"
	while IFS="=" read -r k n; do a[$k]=$n; done <<<"$after"
	# request: cnA1 -> gwB -> cnB1; reply: cnB1 -> gwA -> cnA1
	want=([cnA1\>gwB.tx]=$PINGS [gwB\<cnA1.rx]=$PINGS [gwB.relayed]=$PINGS
		[gwB\>cnB1.tx]=$PINGS [cnB1\<gwB.rx]=$PINGS
		[cnB1\>gwA.tx]=$PINGS [gwA\<cnB1.rx]=$PINGS [gwA.relayed]=$PINGS
		[gwA\>cnA1.tx]=$PINGS [cnA1\<gwA.rx]=$PINGS
		[cnA1.tx]=$PINGS [cnA1.rx]=$PINGS [cnB1.tx]=$PINGS [cnB1.rx]=$PINGS)
	for k in "${!a[@]}"; do
		n=$((a[$k] - b[$k]))
		# Device tx/rx of a gateway count its relay work; only the
		# relayed counter and tunnels are asserted there.
		[[ $k == gw?.tx || $k == gw?.rx ]] && continue
		if ((n != ${want[$k]:-0})); then
			echo "$k moved by $n, expected ${want[$k]:-0}"
			bad=1
		fi
	done
	return $bad
}

# A GENEVE packet captured on the underlay bridge carries VNI $TOPO_VNI.
capture_check() {
	local fam=$1 cap=/tmp/$TOPO_ID-geneve.pcap log=/tmp/$TOPO_ID-dumpcap.log pid out sport dec
	nsx ul dumpcap -q -i br0 -f "udp dst port 6081" -c 4 -w "$cap" 2>"$log" &
	pid=$!
	wait_until 60 grep -q "Capturing on" "$log" || true
	for _ in 1 2 3 4 5; do
		nsx vmA1 ping -"$fam" -q -c 2 -i 0.2 -W 2 "$(vm_addr vmB1 "$fam")" >/dev/null
		[[ -s $cap ]] && ! kill -0 "$pid" 2>/dev/null && break
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	# The outer source port is a flow hash over the whole port range;
	# tshark decodes by the lower port first, so a hash that lands on
	# another protocol's port (gsmtap's 4729, say) hides the GENEVE
	# header.  Decode every captured source port as GENEVE too.
	dec=()
	for sport in $(tshark -r "$cap" -T fields -e udp.srcport 2>/dev/null | sort -u); do
		dec+=(-d "udp.port==$sport,geneve")
	done
	out=$(tshark -r "$cap" "${dec[@]}" -T fields -e frame.protocols \
		-e geneve.vni -e geneve.proto_type 2>/dev/null)
	rm -f "$cap" "$log"
	echo "$out"
	grep -q ":geneve:" <<<"$out" || return 1
	awk -v vni="$TOPO_VNI" '$2 != vni { bad = 1 } END { exit bad }' <<<"$out"
}

dev_mtu() { nsx "$1" cat "/sys/class/net/$2/mtu"; }

# A DF packet of exactly the device MTU crosses both hops.
mtu_fits() {
	local fam=$1 mtu hdr=28
	mtu=$(dev_mtu cnA1 "xc$TOPO_VNI")
	[[ $fam == 6 ]] && hdr=48
	nsx vmA1 ping -"$fam" -M "do" -s $((mtu - hdr)) -c 2 -i 0.2 -W 2 \
		"$(vm_addr vmB1 "$fam")"
}

# One byte more than the device MTU: Frag needed / Packet too big.
mtu_too_big() {
	local fam=$1 mtu hdr=28 out
	mtu=$(dev_mtu cnA1 "xc$TOPO_VNI")
	[[ $fam == 6 ]] && hdr=48
	out=$(nsx vmA1 ping -"$fam" -M "do" -s $((mtu - hdr + 1)) -c 2 -i 0.2 \
		-W 2 "$(vm_addr vmB1 "$fam")" 2>&1) && return 1
	echo "$out"
	grep -Eqi "mtu ?[=:] ?$mtu" <<<"$out"
}

# The device MTU forced above what the underlay carries: the device
# itself must send the ICMP error (and count it) instead of fragmenting.
mtu_device_too_big() {
	local fam=$1 before after out hdr=28 ulmtu=1500 over=40
	[[ $fam == 6 ]] && hdr=48
	[[ $TOPO_UL == 6 ]] && over=60
	nsx cnA1 ip link set "xc$TOPO_VNI" mtu 1500 || return 2
	# forget the path MTU the tests before learnt
	nsx vmA1 ip -"$fam" route flush cache
	before=$(xc_stat cnA1 tx_too_big)
	out=$(nsx vmA1 ping -"$fam" -M "do" -s $((ulmtu - hdr)) -c 2 -i 0.2 -W 2 \
		"$(vm_addr vmB1 "$fam")" 2>&1) && { echo "$out"; return 1; }
	after=$(xc_stat cnA1 tx_too_big)
	echo "$out"
	echo "tx_too_big: $before -> $after"
	((after > before)) || return 1
	grep -qi "frag needed\|packet too big\|mtu = $((ulmtu - over))" <<<"$out"
}

run_underlay() {
	local ul=$1 fam src dst
	TOPO_UL=$ul
	diag "underlay IPv$ul"
	topo_build
	topo_xcloud ondemand "$IDLE"
	for fam in 4 6; do
		check -d "IPv$fam overlay, IPv$ul underlay: ping vmA1 -> vmB1" \
			vm_ping vmA1 vmB1 "$fam"
		check -d "IPv$fam overlay, IPv$ul underlay: ping vmB1 -> vmA1" \
			vm_ping vmB1 vmA1 "$fam"
		for src in vmA1 vmB1; do
			dst=vmB1
			[[ $src == vmB1 ]] && dst=vmA1
			check -d "IPv$fam overlay, IPv$ul underlay: TCP $XFER_BYTES bytes $src -> $dst" \
				tcp_transfer "$src" "$dst" "$fam" "$XFER_BYTES"
		done
		check -d "IPv$fam overlay, IPv$ul underlay: each packet took cnA1 -> gwB -> cnB1 and back cnB1 -> gwA -> cnA1, nothing else moved" \
			path_check "$fam"
		check -d "IPv$fam overlay, IPv$ul underlay: same-cloud ping vmA1 -> vmA2 (one hop, type node)" \
			vm_ping vmA1 vmA2 "$fam"
		check -d "IPv$fam overlay, IPv$ul underlay: captured packet is GENEVE with VNI $TOPO_VNI" \
			capture_check "$fam"
		check -d "IPv$fam overlay, IPv$ul underlay: DF packet of the device MTU crosses both hops" \
			mtu_fits "$fam"
		check -d "IPv$fam overlay, IPv$ul underlay: DF packet over the device MTU gets the ICMP error" \
			mtu_too_big "$fam"
	done
	for fam in 4 6; do
		_tap_run mtu_device_too_big "$fam"
		if ((_tap_rc == 2)); then
			skip "IPv$fam overlay, IPv$ul underlay: device MTU above the underlay's" \
				"the device refuses mtu 1500"
		else
			_tap_report "$((_tap_rc == 0))" \
				"IPv$fam overlay, IPv$ul underlay: device MTU above the underlay's: the device sends the ICMP error and counts tx_too_big"
		fi
		nsx cnA1 ip link set "xc$TOPO_VNI" mtu "$(dev_mtu cnA2 "xc$TOPO_VNI")" || true
	done
	topo_cleanup
}

run_underlay 4
run_underlay 6
