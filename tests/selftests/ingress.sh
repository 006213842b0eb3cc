#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The ingress device (IFLA_XCLOUD_INGRESS) of an aggregation node: packets
# for an EIP arriving on its uplink are tunnelled there, before the IP
# stack (no FORWARD, no ip_forward()); what the hook must not take (TTL 1,
# too big, IPv6 link-local addresses) gets the stack's answer; the hook follows its devices through
# deletion, namespace moves and reconfiguration under traffic. Runs on the
# debug kernel too (KASAN, lockdep, kmemleak watch the hook's teardown).
#
#   inet (eth0) --- (up0) agg [xc0: eip entries, ingress up0] (ul0) --- (ul0) vr [xc0]
#
# The EIPs live on vr's loopback, so vr itself answers; vr's replies go
# back through agg as plain IP.
source "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
XCLOUDCTL=${XCLOUDCTL:-$REPO/userspace/xcloudctl/xcloudctl}
JFIELD=$(dirname "$0")/lib/jfield.awk

require_cmd ip ping awk python3
[[ -x $XCLOUDCTL ]] || skip_all "xcloudctl not built"
[[ -d /sys/module/xcloud ]] || modprobe xcloud 2>/dev/null ||
	skip_all "xcloud module not loaded"

plan 21

INET=xcin-inet-$$ AGG=xcin-agg-$$ VR=xcin-vr-$$ AWAY=xcin-away-$$
EIP=203.0.113.7 EIP6=2001:db8:77::7
netns_add "$INET" "$AGG" "$VR" "$AWAY"
xa() { "$XCLOUDCTL" -n "$AGG" "$@"; }
stat_agg() { xa -j stats dev xc0 | awk -f "$JFIELD" -v cmd=stat -v name="$1"; }
# IP (or Ip6) forwarded datagrams of agg's stack
forwarded() {
	in_ns "$AGG" awk '$1 == "Ip:" && $2 ~ /^[0-9]/ { print $7 }' /proc/net/snmp
}
forwarded6() { in_ns "$AGG" awk '$1 == "Ip6OutForwDatagrams" { print $2 }' /proc/net/snmp6; }

setup() {
	veth "$INET" eth0 "$AGG" up0 && veth "$AGG" ul0 "$VR" ul0 || return 1
	local h
	for h in "$INET" "$AGG" "$VR"; do
		in_ns "$h" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	done
	in_ns "$INET" ip addr add 10.9.1.2/24 dev eth0
	in_ns "$INET" ip addr add fd09:1::2/64 dev eth0 nodad
	in_ns "$INET" ip link set eth0 up
	in_ns "$INET" ip route add default via 10.9.1.1
	in_ns "$INET" ip -6 route add default via fd09:1::1
	in_ns "$AGG" ip addr add 10.9.1.1/24 dev up0
	in_ns "$AGG" ip addr add fd09:1::1/64 dev up0 nodad
	in_ns "$AGG" ip addr add 10.9.2.1/24 dev ul0
	in_ns "$AGG" ip addr add fd09:2::1/64 dev ul0 nodad
	in_ns "$AGG" ip link set up0 up
	in_ns "$AGG" ip link set ul0 up
	in_ns "$VR" ip addr add 10.9.2.2/24 dev ul0
	in_ns "$VR" ip link set ul0 up
	in_ns "$VR" ip addr add fd09:2::2/64 dev ul0 nodad
	in_ns "$VR" ip route add default via 10.9.2.1
	in_ns "$VR" ip -6 route add default via fd09:2::1
	in_ns "$VR" ip addr add "$EIP/32" dev lo
	in_ns "$VR" ip addr add "$EIP6/128" dev lo
	# vr receives internet sources from agg: no inner source check, and
	# tunnels from agg only
	"$XCLOUDCTL" -n "$VR" link add xc0 vni 77 local 10.9.2.2 source-check off &&
		"$XCLOUDCTL" -n "$VR" allow add 10.9.2.1/32 dev xc0 &&
		in_ns "$VR" ip link set xc0 up || return 1
	xa link add xc0 vni 77 local 10.9.2.1 ingress up0 &&
		in_ns "$AGG" ip link set xc0 up &&
		xa route add "$EIP" type eip via 10.9.2.2 dev xc0 &&
		xa route add "$EIP6" type eip via 10.9.2.2 dev xc0 &&
		in_ns "$AGG" ip route add "$EIP/32" dev xc0 &&
		in_ns "$AGG" ip -6 route add "$EIP6/128" dev xc0
}
check -d "topology: inet - agg (xcloud device created with 'ingress up0') - vr" setup
check -d "link show names the ingress device" \
	eval 'xa link show xc0 | grep -q " ingress up0"'

f0=$(forwarded) f6_0=$(forwarded6) in0=$(stat_agg ingress_packets)
pings() {
	in_ns "$INET" ping -c 5 -i 0.2 -W 2 "$EIP" >/dev/null &&
		in_ns "$INET" ping -6 -c 5 -i 0.2 -W 2 "$EIP6" >/dev/null
}
check -d "ping inet -> EIP (IPv4, IPv6) through agg's tunnel is answered" pings
f1=$(forwarded) f6_1=$(forwarded6) in1=$(stat_agg ingress_packets)
diag "ingress_packets $in0 -> $in1; agg forwarded IPv4 $f0 -> $f1, IPv6 $f6_0 -> $f6_1 (the replies)"
# The 5+5 replies from vr are forwarded by agg's stack; the 10 requests are not.
check -d "the requests were tunnelled at up0 (ingress_packets +10), not forwarded by the stack" \
	test $((in1 - in0)) -eq 10 -a $((f1 - f0)) -eq 5 -a $((f6_1 - f6_0)) -eq 5

p0=$(stat_agg ingress_passed)
ttl=$(in_ns "$INET" ping -c 1 -W 2 -t 1 "$EIP" 2>&1) || true
check -d "TTL 1 at agg: the stack answers time exceeded" \
	grep -qi "time to live exceeded" <<<"$ttl"
ttl6=$(in_ns "$INET" ping -6 -c 1 -W 2 -t 1 "$EIP6" 2>&1) || true
check -d "hop limit 1 at agg: the stack answers time exceeded (IPv6)" \
	grep -qi "time exceeded" <<<"$ttl6"
big=$(in_ns "$INET" ping -c 1 -W 2 -M do -s 1472 "$EIP" 2>&1) || true
check -d "over the device's MTU with DF: the stack answers frag-needed (mtu 1460)" \
	grep -q "mtu = 1460" <<<"$big"
p1=$(stat_agg ingress_passed)
check -d "ingress_passed counted the three ($p0 -> $p1)" test $((p1 - p0)) -eq 3

# Link-local addresses never leave their link: the hook leaves a packet
# from or to one to the stack (which refuses it) and counts it passed,
# even where an eip route covers the destination.
udp6() { # SRC DST: one datagram from inet (scope eth0 for link-local)
	in_ns "$INET" python3 -c '
import socket, sys
idx = socket.if_nametoindex("eth0")
scope = lambda a: idx if a.startswith("fe80:") else 0
src, dst = sys.argv[1:3]
with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
    s.bind((src, 0, 0, scope(src)))
    s.sendto(b"xcloud", (dst, 9, 0, scope(dst)))
' "$1" "$2"
}
hook_moves() { # SRC DST TAKEN PASSED: the hook's counters move by these
	local t0 p0 t1 p1
	t0=$(stat_agg ingress_packets) p0=$(stat_agg ingress_passed)
	udp6 "$1" "$2"
	sleep 0.2
	t1=$(stat_agg ingress_packets) p1=$(stat_agg ingress_passed)
	echo "$1 -> $2: ingress_packets $t0 -> $t1, ingress_passed $p0 -> $p1"
	((t1 - t0 == $3 && p1 - p0 == $4))
}
linklocal_setup() {
	in_ns "$INET" ip addr add fe80::99/64 dev eth0 nodad &&
		in_ns "$INET" ip -6 neigh add fe80::7 dev eth0 \
			lladdr "$(in_ns "$AGG" cat /sys/class/net/up0/address)" &&
		xa route add fe80::7 type eip via 10.9.2.2 dev xc0
}
check -d "link-local setup: inet's fe80::99, an eip route for fe80::7 on agg" linklocal_setup
check -d "control: a datagram from inet's global address to the EIP is tunnelled" \
	hook_moves fd09:1::2 "$EIP6" 1 0
check -d "a link-local source is left to the stack, counted ingress_passed" \
	hook_moves fe80::99 "$EIP6" 0 1
check -d "a link-local destination (with an eip route) is left to the stack, counted ingress_passed" \
	hook_moves fd09:1::2 fe80::7 0 1

# Drops name their reason to drop monitors: a tunnel packet for a VNI
# vr has no device for is freed as NO_SOCKET by the receive path (the
# kernel's skb:kfree_skb tracepoint, in a trace instance of our own).
TRACE=/sys/kernel/debug/tracing/instances/xcin-$$
drop_reason() {
	local u0 u1 out
	[[ -d $TRACE ]] || mkdir "$TRACE"
	echo 1 >"$TRACE/events/skb/kfree_skb/enable"
	u0=$("$XCLOUDCTL" -n "$VR" -j stats dev xc0 | awk -f "$JFIELD" -v cmd=statsum -v name=rx_unknown_vni)
	in_ns "$AGG" python3 "$(dirname "$0")/lib/geneve_send.py" --dst 10.9.2.2 \
		--vni 78 --case good --inner-src 10.9.1.2 --inner-dst "$EIP"
	sleep 0.2
	u1=$("$XCLOUDCTL" -n "$VR" -j stats dev xc0 | awk -f "$JFIELD" -v cmd=statsum -v name=rx_unknown_vni)
	echo 0 >"$TRACE/events/skb/kfree_skb/enable"
	# The location is the caller's address as %pS, which need not name
	# xcloud_udp_encap_recv (inlining): the reason tells.
	out=$(grep "kfree_skb:" "$TRACE/trace" || true)
	echo "rx_unknown_vni $u0 -> $u1; trace: ${out:-no kfree_skb}"
	((u1 == u0 + 1)) && grep -q "reason: NO_SOCKET" <<<"$out"
}
if [[ -d /sys/kernel/debug/tracing/instances ]]; then
	on_exit rmdir "$TRACE"
	check -d "a packet for an unknown VNI is counted (rx_unknown_vni) and freed with reason NO_SOCKET" drop_reason
else
	skip "drop reason of an unknown VNI" "no tracefs"
fi

# Reconfiguration under traffic: the hook goes and comes back 20 times
# while inet pings every 50 ms; packets between take the stack's path.
toggle() {
	local i
	for ((i = 0; i < 20; i++)); do
		xa link set xc0 ingress none && xa link set xc0 ingress up0 || return 1
	done
}
toggles() {
	local out pid
	out=$(mktemp)
	in_ns "$INET" ping -c 80 -i 0.05 -W 1 "$EIP" >"$out" 2>&1 &
	pid=$!
	toggle || { wait "$pid"; rm -f "$out"; return 1; }
	wait "$pid"
	grep -q " 0% packet loss" "$out"
	local rc=$?
	grep 'packet loss' "$out"
	rm -f "$out"
	return $rc
}
check -d "ingress switched off and on 20 times under traffic: no packet lost" toggles

expect_fail_msg -d "an xcloud device cannot be its own ingress device" \
	"cannot be an ingress device" xa link set xc0 ingress xc0
expect_fail_msg -d "an unknown device is refused by xcloudctl" \
	"no ingress device" xa link set xc0 ingress nosuch0

gone() {
	in_ns "$AGG" ip link add dm0 type dummy && xa link set xc0 ingress dm0 &&
		in_ns "$AGG" ip link del dm0 && ! xa link show xc0 | grep -q " ingress "
}
check -d "deleting the ingress device unhooks it; link show has none" gone
moved() {
	in_ns "$AGG" ip link add dm1 type dummy && xa link set xc0 ingress dm1 &&
		in_ns "$AGG" ip link set dm1 netns "$AWAY" &&
		! xa link show xc0 | grep -q " ingress "
}
check -d "moving the ingress device to another namespace unhooks it" moved
check -d "traffic still reaches the EIP through the stack's path" \
	in_ns "$INET" ping -c 2 -i 0.2 -W 2 "$EIP"

# Teardown under traffic: the xcloud device, then the whole namespace,
# go while inet floods the EIP through the hook.
flood() { in_ns "$INET" ping -f -w 3 "$EIP" >/dev/null 2>&1 & }
del_dev() {
	xa link set xc0 ingress up0 || return 1
	flood
	sleep 1
	in_ns "$AGG" ip link del xc0 || return 1
	wait
	xa link add xc0 vni 77 local 10.9.2.1 ingress up0 &&
		in_ns "$AGG" ip link set xc0 up &&
		xa route add "$EIP" type eip via 10.9.2.2 dev xc0 &&
		in_ns "$AGG" ip route add "$EIP/32" dev xc0 &&
		in_ns "$INET" ping -c 2 -i 0.2 -W 2 "$EIP" >/dev/null
}
check -d "the xcloud device deleted under a flood through its hook, made again, works" del_dev
del_ns() {
	flood
	sleep 1
	ip netns del "$AGG" || return 1
	wait
	sleep 1
	! ip netns list | grep -q "^$AGG\b"
}
check -d "agg's namespace deleted under a flood, with its ingress device hooked" del_ns
