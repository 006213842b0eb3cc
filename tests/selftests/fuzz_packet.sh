#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packet fuzzer (tests/fuzz/pktfuzz, docs/fuzzing.md): mutated GENEVE
# datagrams (header, options, lengths, versions, VNIs, truncation, inner
# IPv4/IPv6 headers, fragments) into an edge and a gateway device, from
# an allowed underlay address and from one that is not, and mutated
# IPv4/IPv6 frames into an ingress device's hook. Per phase, every packet
# sent is either delivered (up the edge device, or relayed/tunnelled to
# the sink) or counted as a drop by xcloud: sent = delivered + drops.
# The harness fails the run on any splat or leak in the kernel log.
#
#   sink [s0: .2 allowed, .3 not] ---- [r0: .1] rx: xce (edge, vni 200)
#                                                  xcg (gateway, vni 201)
#                                                  xci (eip, vni 202, ingress r0)
#
# XCLOUD_FUZZ_PKT packets over all phases (default 20000 on the stock
# kernel, 30000 on the debug one; make fuzz: 1000000), XCLOUD_FUZZ_SEED.
source "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
export XCLOUDCTL=${XCLOUDCTL:-$REPO/userspace/xcloudctl/xcloudctl}
PKTFUZZ=$REPO/tests/fuzz/pktfuzz
COUNTER=$REPO/tests/fuzz/pktcount.sh

require_cmd ip nft awk
[[ -x $XCLOUDCTL ]] || skip_all "xcloudctl not built"
[[ -x $PKTFUZZ ]] || skip_all "tests/fuzz/pktfuzz not built (make)"
[[ -d /sys/module/xcloud ]] || modprobe xcloud 2>/dev/null ||
	skip_all "xcloud module not loaded"

if [[ ${XCLOUD_KERNEL:-} == debug ]]; then
	TOTAL=${XCLOUD_FUZZ_PKT:-30000}
else
	TOTAL=${XCLOUD_FUZZ_PKT:-20000}
fi
SEED=${XCLOUD_FUZZ_SEED:-0}

plan 7

S=xcfz-s-$$ R=xcfz-r-$$
netns_add "$S" "$R"
xc() { "$XCLOUDCTL" -n "$R" "$@"; }

# Nothing may be lost on the way: a full backlog would be a drop that is
# neither xcloud's nor a delivery.
backlog=$(sysctl -n net.core.netdev_max_backlog)
on_exit sysctl -qw net.core.netdev_max_backlog="$backlog"
sysctl -qw net.core.netdev_max_backlog=100000

setup() {
	veth "$S" s0 "$R" r0
	in_ns "$S" ip addr add 10.70.0.2/24 dev s0
	in_ns "$S" ip addr add 10.70.0.3/24 dev s0
	in_ns "$S" ip link set s0 up
	in_ns "$R" ip addr add 10.70.0.1/24 dev r0
	in_ns "$R" ip link set r0 up
	# the sink: what xcloud sends to 10.70.0.2 is counted and dropped
	in_ns "$S" nft -f - <<-EOF
		table inet xcfuzz {
			chain pre {
				type filter hook prerouting priority -300;
				ip saddr 10.70.0.1 udp dport 6081 counter drop comment sink
			}
		}
	EOF
	xc -batch - <<-EOF
		link add xce vni 200 local 10.70.0.1
		allow add 10.70.0.2/32 dev xce
		route add 10.200.0.0/16 type node via 10.70.0.2 dev xce
		route add fd00:200::/32 type node via 10.70.0.2 dev xce
		link add xcg vni 201 local 10.70.0.1 mode gateway
		allow add 10.70.0.2/32 dev xcg
		route add 10.201.0.0/16 type node via 10.70.0.2 dev xcg
		route add fd00:201::/32 type node via 10.70.0.2 dev xcg
		link add xci vni 202 local 10.70.0.1 ingress r0
		route add 203.0.113.0/24 type eip via 10.70.0.2 dev xci
		route add 2001:db8:203::/48 type eip via 10.70.0.2 dev xci
	EOF
	for d in xce xcg xci; do in_ns "$R" ip link set "$d" up; done
	# What the edge delivers, counted outside xcloud by tc; a kernel
	# without tc (the debug kernel's config) has the device's own count.
	if tc -n "$R" qdisc add dev xce clsact 2>/dev/null; then
		tc -n "$R" filter add dev xce ingress matchall action pass
	else
		diag "no tc here: the edge's deliveries are its own rx_packets"
	fi
}
check -d "setup: sender/sink and receiver namespaces, edge, gateway and ingress devices" setup

snap() { "$COUNTER" "$R" "$S" xce; }

# The veth stops moving (one cheap read a step), then one snapshot: the
# last packet is through. Sets $last.
moved() {
	in_ns "$R" cat /sys/class/net/r0/statistics/rx_packets \
		/sys/class/net/r0/statistics/tx_packets
}
settle() {
	local a b
	a=$(moved)
	for _ in $(seq 20); do
		sleep 0.5
		b=$(moved)
		[[ $a == "$b" ]] && break
		a=$b
	done
	last=$(snap)
}

# delta BEFORE AFTER: "name after-before" for every counter that moved
delta() {
	awk 'NR == FNR { b[$1] = $2; next } { d = $2 - b[$1]; if (d) print $1, d }' \
		<(echo "$1") <(echo "$2")
}
get() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' <<<"$2"; }

# phase NAME SHARE CHECK PKTFUZZ-ARGS...: send SHARE percent of TOTAL,
# then check the counters (CHECK: allowed, denied or ingress).
phase() {
	local name=$1 share=$2 kind=$3 count before after d sent out
	shift 3
	count=$((TOTAL * share / 100))
	before=$last
	out=$(in_ns "$S" "$PKTFUZZ" "$@" --count "$count" --seed "$SEED" 2>&1) || {
		not_ok "$name: pktfuzz failed"
		diag "$out"
		return
	}
	settle
	after=$last
	d=$(delta "$before" "$after")
	sent=$(sed -n 's/^pktfuzz: sent \([0-9]*\) .*/\1/p' <<<"$out")
	diag "$out"
	diag "$name: counters moved: $(tr '\n' ' ' <<<"$d")"
	local delivered drops
	delivered=$(get delivered "$d") drops=$(get drops "$d")
	case $kind in
	allowed)
		if ((sent > 0 && delivered + drops == sent && delivered > 0)); then
			ok "$name: sent $sent = delivered $delivered + counted drops $drops ($(get unreasoned "$d") of them without a reason counter)"
		else
			not_ok "$name: sent $sent != delivered $delivered + counted drops $drops (uncounted: $((sent - delivered - drops)))"
		fi ;;
	denied)
		if ((sent > 0 && delivered == 0 && drops == sent)); then
			ok "$name: sent $sent, all dropped and counted (rx_spoofed $(($(get rx_spoofed.xce "$d") + $(get rx_spoofed.xcg "$d"))))"
		else
			not_ok "$name: sent $sent, delivered $delivered (want 0), counted drops $drops (uncounted: $((sent - delivered - drops)))"
		fi ;;
	ingress)
		# The hook declines what it cannot read (no IP header, not an
		# EIP) without a count: that goes to the stack, which drops it.
		local taken passed
		taken=$(get ingress_packets "$d") passed=$(get ingress_passed "$d")
		if ((taken > 0 && delivered + drops == taken && taken + passed <= sent)); then
			ok "$name: sent $sent, tunnelled by the hook $taken = delivered $delivered + counted drops $drops; left to the stack $passed, declined $((sent - taken - passed))"
		else
			not_ok "$name: sent $sent, taken $taken != delivered $delivered + drops $drops (passed $passed)"
		fi ;;
	esac
}

EDGE_NETS=(--inner-src 10.200.0.0/16,fd00:200::/32 --inner-dst 10.99.0.0/16,fd00:99::/32)
GW_NETS=(--inner-src 10.99.0.0/16,fd00:99::/32 --inner-dst 10.201.0.0/16,fd00:201::/32)
start=$SECONDS
last=$(snap)
phase "edge, allowed peer" 35 allowed geneve --src 10.70.0.2 --dst 10.70.0.1 \
	--vni 200 "${EDGE_NETS[@]}"
phase "edge, disallowed peer" 10 denied geneve --src 10.70.0.3 --dst 10.70.0.1 \
	--vni 200 "${EDGE_NETS[@]}"
phase "gateway, allowed peer" 30 allowed geneve --src 10.70.0.2 --dst 10.70.0.1 \
	--vni 201 "${GW_NETS[@]}"
phase "gateway, disallowed peer" 5 denied geneve --src 10.70.0.3 --dst 10.70.0.1 \
	--vni 201 "${GW_NETS[@]}"
mac=$(in_ns "$R" cat /sys/class/net/r0/address)
phase "ingress hook" 20 ingress eth --ifname s0 --dst-mac "$mac" \
	--inner-src 198.51.100.0/24,2001:db8:51::/48 \
	--inner-dst 203.0.113.0/24,2001:db8:203::/48
diag "$TOTAL packets in $((SECONDS - start)) s"

# The edge still works: of 50 more (mutated) packets, some are delivered.
after() {
	local b a
	b=$(get tc_edge "$(snap)")
	in_ns "$S" "$PKTFUZZ" geneve --src 10.70.0.2 --dst 10.70.0.1 --vni 200 \
		--inner-src 10.200.0.0/16,fd00:200::/32 \
		--inner-dst 10.99.0.0/16,fd00:99::/32 --count 50 --seed 1 >/dev/null
	sleep 1
	a=$(get tc_edge "$(snap)")
	echo "delivered $((a - b)) of 50 mutated"
	((a > b))
}
check -d "after the fuzz: the edge still delivers" after
