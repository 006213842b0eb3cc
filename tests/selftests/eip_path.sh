#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# EIP access over BGP, the data path (seed 004): traffic from the internet
# host to an EIP owned by virtual router 2 (under switch 2) goes
# inet -> sw1 -> aggregation node (xcloud device, `eip` entry) -> tunnel ->
# vr2 (xcloud device, nftables 1:1 NAT) -> VM, and the replies leave
# through vr2 to sw2. Topology: lib/bgp.sh, plus one xcloud device (vni
# 4000) on agg, vr1 and vr2 and a VM namespace behind each router.
#
# The EIP agents' steps are run with userspace/eip/xcloud-eip (the
# library xcloudd uses): `bird` (announcements), `routes` (eip entries),
# `nat` (nftables).
DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/lib.sh
source "$DIR/lib.sh"
# shellcheck source=tests/selftests/lib/bgp.sh
source "$DIR/lib/bgp.sh"

XCLOUDCTL=${XCLOUDCTL:-$BGP_REPO/userspace/xcloudctl/xcloudctl}
EIPTOOL=$BGP_REPO/userspace/eip/xcloud-eip
JFIELD=$DIR/lib/jfield.py
VNI=4000
DEV=xceip

EIP2=203.0.113.20       # vr2's, NAT to vm2
EIP2_6=2001:db8:e1::20
EIPM=203.0.113.30       # starts on vr1 (vm1), moves to vr2 (vm2)
VM4=10.200.0.5          # each router's VM has the same private address:
VM6=fd00:200::5         # private networks overlap, the EIP tells them apart
VM4B=10.200.0.6         # vm2's second address, for the moved EIP (1:1 NAT)
PORT=8080

require_cmd bird birdc nft python3
[[ -x $XCLOUDCTL && -x $EIPTOOL ]] || skip_all "xcloudctl or xcloud-eip not built"
[[ -d /sys/module/xcloud ]] || skip_all "xcloud module not loaded"

xc() { local h=$1; shift; "$XCLOUDCTL" -n "$(bgp_ns "$h")" "$@"; }
eipt() { local h=$1; shift; bgp_nsx "$h" "$EIPTOOL" "$@"; }
bird_set() {
	local h=$1
	shift
	"$EIPTOOL" bird -s "$BGP_RUN/$h/bird.ctl" -c "$BGP_RUN/$h/bird.conf" \
		-f "$BGP_RUN/$h/eip.conf" "$@"
}

# Does this module know `eip` routes? Probe in a scratch namespace.
eip_supported() {
	local ns=$BGP_ID-probe rc=0
	ip netns add "$ns" || return 1
	"$XCLOUDCTL" -n "$ns" link add xcprobe vni 1 local 192.0.2.1 >/dev/null 2>&1 &&
		"$XCLOUDCTL" -n "$ns" route add 192.0.2.9/32 type eip via 192.0.2.2 \
			dev xcprobe >/dev/null 2>&1 || rc=1
	ip netns del "$ns"
	return $rc
}
eip_supported || skip_all "xcloud module or xcloudctl without eip routes"

# A VM behind router $1: namespace vm$N, veth, VM4/VM6, default via the
# router. A TCP server answers every connection with the VM's name.
add_vm() {
	local r=$1 vm=vm${1#vr}
	bgp_ns_add "$vm" || return 1
	bgp_link "$r" "v-$vm" "$vm" eth0 || return 1
	bgp_addrs "$r" "v-$vm" 10.200.0.1/24 fd00:200::1/64
	bgp_addrs "$vm" eth0 "$VM4/24" "$VM6/64"
	bgp_nsx "$vm" ip addr add "$VM4B/24" dev eth0
	bgp_nsx "$vm" ip route add default via 10.200.0.1
	bgp_nsx "$vm" ip -6 route add default via fd00:200::1
	bgp_nsx "$vm" python3 -c '
import socket, sys, threading
def serve(fam, addr):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, int(sys.argv[2]))); s.listen(16)
    while True:
        c, _ = s.accept(); c.sendall(sys.argv[1].encode()); c.close()
threading.Thread(target=serve, args=(socket.AF_INET6, "::"), daemon=True).start()
serve(socket.AF_INET, "0.0.0.0")' "$vm" "$PORT" </dev/null >/dev/null 2>&1 &
}

# Name of the VM answering a new TCP connection from inet to $1.
tcp_who() {
	bgp_nsx inet python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
print(s.recv(64).decode())' "$1" "$PORT"
}

# Counters; -1 when they cannot be read (the checks then fail, with the
# numbers in a diag line).
stat_of() { # HOST COUNTER
	xc "$1" -j stats dev "$DEV" | python3 "$JFIELD" stat "$2" 2>/dev/null || echo -1
}
tunnel_tx() { # HOST REMOTE
	xc "$1" -j -s tunnel show dev "$DEV" |
		python3 "$JFIELD" tunnel "$2" tx_packets 2>/dev/null || echo -1
}
link_rx() { # HOST IFNAME
	bgp_nsx "$1" cat "/sys/class/net/$2/statistics/rx_packets" || echo -1
}

plan 17

if bgp_up; then ok "topology up, BGP sessions established"
else
	not_ok "topology up, BGP sessions established"
	skip_all "no BGP topology"
fi

# Not in a check: the VM namespaces must be known to bgp_down.
setup_xcloud() {
	local h
	for h in agg vr1 vr2; do
		xc "$h" link add "$DEV" vni "$VNI" local "$(bgp_addr "$h" 4)" mode edge &&
			bgp_nsx "$h" ip link set "$DEV" up || return 1
	done
	# The pools point into the aggregation node's device (agent's step).
	eipt agg pools -d "$DEV" "$BGP_POOL4" "$BGP_POOL6" || return 1
	# Decapsulated traffic on the routers is routed to the VM after NAT.
	add_vm vr1 && add_vm vr2
}
if setup_xcloud; then ok "xcloud devices on agg, vr1, vr2; VMs behind the routers"
else not_ok "xcloud devices on agg, vr1, vr2; VMs behind the routers"; fi

announce() {
	bird_set agg "$BGP_POOL4" "$BGP_POOL6"
	bird_set vr1 "$EIPM/32"
	bird_set vr2 "$EIP2/32" "$EIP2_6/128"
	eipt agg routes -d "$DEV" "$EIP2=$(bgp_addr vr2 4)" \
		"$EIP2_6=$(bgp_addr vr2 4)" "$EIPM=$(bgp_addr vr1 4)"
	eipt vr1 nat "$EIPM=$VM4"
	eipt vr2 nat "$EIP2=$VM4" "$EIP2_6=$VM6"
	learned() {
		bgp_learned_via_agg sw1 "$EIP2/32" && bgp_learned_via_agg sw2 "$EIP2/32" &&
			bgp_learned_via_agg sw1 "$EIP2_6/128" && bgp_learned_via_agg sw1 "$EIPM/32"
	}
	bgp_wait_or_explain 30 learned
}
check -d "agents: pools and EIPs announced, eip entries, NAT rules" announce

# Forwarding counters on the switches (nftables, their own table): where
# the requests to vr2's EIP leave sw1, where its replies enter sw2.
switch_counters() {
	bgp_nsx sw1 nft -f - <<-EOF
		table inet xeip_count {
			chain count {
				type filter hook forward priority 0; policy accept;
				ip daddr $EIP2 oifname "br0" counter comment "to_agg"
				ip daddr $EIP2 oifname "sw2" counter comment "to_sw2"
			}
		}
	EOF
	bgp_nsx sw2 nft -f - <<-EOF
		table inet xeip_count {
			chain count {
				type filter hook forward priority 0; policy accept;
				ip saddr $EIP2 iifname "br0" counter comment "from_vr2"
			}
		}
	EOF
}
# packets of the counter rule with comment $2 on switch $1
switch_count() {
	bgp_nsx "$1" nft list table inet xeip_count 2>/dev/null |
		awk -v c="\"$2\"" '$0 ~ c { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}
switch_counters || diag "switch counters could not be set up"

agg_tx0=$(stat_of agg tx_packets)
tun0=$(tunnel_tx agg "$(bgp_addr vr2 4)")
vr2_rx0=$(stat_of vr2 rx_packets)
vr1_rx0=$(stat_of vr1 rx_packets)
sw2_from_vr2_0=$(link_rx sw2 p-vr2)

check -d "ping inet -> EIP of vr2 (IPv4) reaches vm2 and returns" \
	bgp_nsx inet ping -c 5 -i 0.2 -W 2 "$EIP2"
check -d "ping inet -> EIP of vr2 (IPv6) reaches vm2 and returns" \
	bgp_nsx inet ping -6 -c 5 -i 0.2 -W 2 "$EIP2_6"
check -d "TCP inet -> EIP of vr2 is answered by vm2" \
	test "$(tcp_who "$EIP2")" = vm2
check -d "TCP inet -> IPv6 EIP of vr2 is answered by vm2" \
	test "$(tcp_who "$EIP2_6")" = vm2

agg_tx1=$(stat_of agg tx_packets)
tun1=$(tunnel_tx agg "$(bgp_addr vr2 4)")
vr2_rx1=$(stat_of vr2 rx_packets)
vr1_rx1=$(stat_of vr1 rx_packets)
sw2_from_vr2_1=$(link_rx sw2 p-vr2)
diag "agg tx $agg_tx0->$agg_tx1, agg->vr2 tunnel tx $tun0->$tun1," \
	"vr2 rx $vr2_rx0->$vr2_rx1, vr1 rx $vr1_rx0->$vr1_rx1," \
	"sw2 rx from vr2 $sw2_from_vr2_0->$sw2_from_vr2_1"
check -d "counters: aggregation node tunnelled the requests to vr2 (>= 10 packets)" \
	test $((tun1 - tun0)) -ge 10 -a $((agg_tx1 - agg_tx0)) -ge 10
check -d "counters: vr2 decapsulated them, vr1 saw none" \
	test $((vr2_rx1 - vr2_rx0)) -ge 10 -a $((vr1_rx1 - vr1_rx0)) -eq 0
check -d "counters: replies left vr2 to its own switch sw2" \
	test $((sw2_from_vr2_1 - sw2_from_vr2_0)) -ge 10
to_agg=$(switch_count sw1 to_agg) to_sw2=$(switch_count sw1 to_sw2)
from_vr2=$(switch_count sw2 from_vr2)
diag "sw1: requests to vr2's EIP sent to agg ${to_agg:-?}, to sw2 ${to_sw2:-?};" \
	"sw2: replies from vr2's EIP ${from_vr2:-?}"
check -d "counters: sw1 sent every request for vr2's EIP to the aggregation node, none to sw2" \
	test "${to_agg:-0}" -ge 5 -a "${to_sw2:-1}" -eq 0
check -d "counters: the replies came from vr2 into sw2 (EIP source)" \
	test "${from_vr2:-0}" -ge 5

check -d "EIP of vr1 answered by vm1 before the move" test "$(tcp_who "$EIPM")" = vm1

move_eip() {
	# Router agents first withdraw and announce, then the aggregation
	# agent moves the entry, as xcloudd does on an ownership change.
	bird_set vr1
	eipt vr1 nat
	bird_set vr2 "$EIP2/32" "$EIP2_6/128" "$EIPM/32"
	eipt vr2 nat "$EIP2=$VM4" "$EIP2_6=$VM6" "$EIPM=$VM4B"
	eipt agg routes -d "$DEV" "$EIP2=$(bgp_addr vr2 4)" \
		"$EIP2_6=$(bgp_addr vr2 4)" "$EIPM=$(bgp_addr vr2 4)"
}
check -d "EIP moved from vr1 to vr2" move_eip
moved_to_vm2() { test "$(tcp_who "$EIPM" 2>/dev/null)" = vm2; }
check -d "new connections to the moved EIP reach vm2" bgp_wait 10 moved_to_vm2

# BIRD is a daemon: started outside a check.
bgp_bird_stop agg || true
bgp_bird_start agg || diag "BIRD on agg did not start again"
check -d "aggregation node's BIRD restarted, sessions re-established" \
	bgp_wait 60 bgp_established agg
check -d "traffic to the EIP comes back by itself after the restart" \
	bgp_wait 30 bgp_nsx inet ping -c 1 -W 1 "$EIP2"
