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
# shellcheck source=tests/selftests/lib/eip.sh
source "$DIR/lib/eip.sh"

eipt() { local h=$1; shift; bgp_nsx "$h" "$EIPTOOL" "$@"; }
bird_set() {
	local h=$1
	shift
	"$EIPTOOL" bird -s "$BGP_RUN/$h/bird.ctl" -c "$BGP_RUN/$h/bird.conf" \
		-f "$BGP_RUN/$h/eip.conf" "$@"
}

require_cmd bird birdc nft python3
[[ -x $XCLOUDCTL && -x $EIPTOOL ]] || skip_all "xcloudctl or xcloud-eip not built"
[[ -d /sys/module/xcloud ]] || skip_all "xcloud module not loaded"

eip_supported || skip_all "xcloud module or xcloudctl without eip routes"

plan 26

if bgp_up; then ok "topology up, BGP sessions established"
else
	not_ok "topology up, BGP sessions established"
	skip_all "no BGP topology"
fi

# Not in a check: the VM namespaces must be known to bgp_down.
setup_xcloud() {
	eip_devices || return 1
	# The pools point into the aggregation node's device (agent's step).
	eipt agg pools -d "$EIP_DEV" "$BGP_POOL4" "$BGP_POOL6"
}
if setup_xcloud; then ok "xcloud devices on agg, vr1, vr2; VMs behind the routers"
else not_ok "xcloud devices on agg, vr1, vr2; VMs behind the routers"; fi

announce() {
	bird_set agg "$BGP_POOL4" "$BGP_POOL6"
	bird_set vr1 "$EIPM/32"
	bird_set vr2 "$EIP2/32" "$EIP2_6/128"
	eipt agg routes -d "$EIP_DEV" "$EIP2=$(bgp_addr vr2 4)" \
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
# What agg routes through its FORWARD chain towards vr2's EIP: all of it
# without an ingress device, none of it with one.
bgp_nsx agg nft -f - <<-EOF || diag "agg forward counter could not be set up"
	table inet xeip_count {
		chain count {
			type filter hook forward priority 0; policy accept;
			ip daddr $EIP2 counter comment "fwd4"
			ip6 daddr $EIP2_6 counter comment "fwd6"
		}
	}
EOF

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
fwd0=$(switch_count agg fwd4) fwd6_0=$(switch_count agg fwd6)
check -d "counters: without an ingress device agg forwarded them (FORWARD chain: ${fwd0:-?} IPv4, ${fwd6_0:-?} IPv6)" \
	test "${fwd0:-0}" -ge 5 -a "${fwd6_0:-0}" -ge 5

# ---- the ingress device: EIP packets tunnelled where they arrive ----
ingress_shown() { xce agg link show "$EIP_DEV" | grep -q " ingress eth0"; }
check -d "ingress: 'link set $EIP_DEV ingress eth0' on agg, shown by link show" \
	eval 'xce agg link set "$EIP_DEV" ingress eth0 && ingress_shown'
refused() {
	local err
	err=$(xce agg link set "$EIP_DEV" ingress "$EIP_DEV" 2>&1) && return 1
	diag "$err"
	[[ $err == *"cannot be an ingress device"* ]] && ingress_shown
}
check -d "ingress: an xcloud device is refused, with the kernel's reason; eth0 stays" refused
in0=$(stat_of agg ingress_packets) pass0=$(stat_of agg ingress_passed)
tun0=$(tunnel_tx agg "$(bgp_addr vr2 4)")
fwd1=$(switch_count agg fwd4) fwd6_1=$(switch_count agg fwd6)
through_ingress() {
	bgp_nsx inet ping -c 5 -i 0.2 -W 2 "$EIP2" &&
		bgp_nsx inet ping -6 -c 5 -i 0.2 -W 2 "$EIP2_6" &&
		test "$(tcp_who "$EIP2")" = vm2 && test "$(tcp_who "$EIP2_6")" = vm2
}
check -d "ingress: ping and TCP to vr2's EIP (IPv4, IPv6) reach vm2" through_ingress
in1=$(stat_of agg ingress_packets) tun1=$(tunnel_tx agg "$(bgp_addr vr2 4)")
fwd2=$(switch_count agg fwd4) fwd6_2=$(switch_count agg fwd6)
diag "agg ingress_packets $in0->$in1, tunnel tx $tun0->$tun1, FORWARD $fwd1->$fwd2 / $fwd6_1->$fwd6_2"
check -d "ingress: agg tunnelled them at eth0 (ingress_packets, tunnel tx), its FORWARD chain saw none" \
	test $((in1 - in0)) -ge 10 -a $((tun1 - tun0)) -ge 10 -a \
	"${fwd2:-x}" = "${fwd1:-y}" -a "${fwd6_2:-x}" = "${fwd6_1:-y}"
ttl_out=$(bgp_nsx inet ping -c 1 -W 2 -t 2 "$EIP2" 2>&1) || true
diag "${ttl_out//$'\n'/ | }"
check -d "ingress: a TTL expiring at agg is answered by the stack (time exceeded)" \
	grep -qi "time to live exceeded" <<<"$ttl_out"
big_out=$(bgp_nsx inet ping -c 1 -W 2 -M do -s 1472 "$EIP2" 2>&1) || true
diag "${big_out//$'\n'/ | }"
check -d "ingress: a packet over the device's MTU gets frag-needed from the stack" \
	grep -qiE "frag needed|mtu = 14" <<<"$big_out"
pass1=$(stat_of agg ingress_passed)
check -d "ingress: ingress_passed counted what it left to the stack ($pass0 -> $pass1)" \
	test $((pass1 - pass0)) -ge 2

check -d "EIP of vr1 answered by vm1 before the move" test "$(tcp_who "$EIPM")" = vm1

move_eip() {
	# Router agents first withdraw and announce, then the aggregation
	# agent moves the entry, as xcloudd does on an ownership change.
	bird_set vr1
	eipt vr1 nat
	bird_set vr2 "$EIP2/32" "$EIP2_6/128" "$EIPM/32"
	eipt vr2 nat "$EIP2=$VM4" "$EIP2_6=$VM6" "$EIPM=$VM4B"
	eipt agg routes -d "$EIP_DEV" "$EIP2=$(bgp_addr vr2 4)" \
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

# The uplink going away takes the hook with it; the stack's path remains.
ingress_gone() {
	bgp_nsx agg ip link add xin0 type dummy &&
		xce agg link set "$EIP_DEV" ingress xin0 &&
		xce agg link show "$EIP_DEV" | grep -q " ingress xin0" &&
		bgp_nsx agg ip link del xin0 &&
		! xce agg link show "$EIP_DEV" | grep -q " ingress " &&
		bgp_nsx inet ping -c 2 -i 0.2 -W 2 "$EIP2"
}
check -d "ingress: deleting the ingress device unhooks it; traffic takes the stack's path" ingress_gone
