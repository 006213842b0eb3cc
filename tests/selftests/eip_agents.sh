#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# EIP access over BGP driven by the store (seed 004, docs/eip-bgp.md):
# etcd on the aggregation node, xcloudd in role aggregation on agg and in
# role router on vr1 and vr2, nothing else configured by hand. Writing
# /xcloud/eip/pools/* and /xcloud/eip/addrs/* makes the switches learn the
# pools and the EIP /32s (/128s) with next hop = the aggregation node and
# the internet host reach the VMs; a new pool leaves every BGP session up;
# moving an EIP to another router is one store write and carries new
# connections; a NAT table deleted by hand comes back; deleting an EIP
# withdraws it; a restarted BIRD gets everything back; a lost etcd
# changes nothing; malformed values are logged and skipped beside good
# ones, and a pool naming agg's own subnet never takes over its route.
# Topology: lib/bgp.sh + lib/eip.sh.
DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/lib.sh
source "$DIR/lib.sh"
# shellcheck source=tests/selftests/lib/bgp.sh
source "$DIR/lib/bgp.sh"
# shellcheck source=tests/selftests/lib/eip.sh
source "$DIR/lib/eip.sh"

require_cmd bird birdc nft python3 etcd curl
[[ -x $XCLOUDCTL && -x $XCLOUDD ]] || skip_all "xcloudctl or xcloudd not built"
[[ -d /sys/module/xcloud ]] || skip_all "xcloud module not loaded"
eip_supported || skip_all "xcloud module or xcloudctl without eip routes"

plan 29

# The aggregation agent keeps its device's ingress device (eip-ingress).
EIP_AGG_INGRESS=eth0

if bgp_up; then ok "topology up, BGP sessions established"
else
	not_ok "topology up, BGP sessions established"
	skip_all "no BGP topology"
fi
# Not in a check: the VM namespaces and daemons must outlive it.
eip_etcd_launch	# starts while the devices are made
if eip_devices && eip_agents_up; then ok "xcloud devices, VMs, etcd on agg, xcloudd on agg, vr1, vr2"
else
	not_ok "xcloud devices, VMs, etcd on agg, xcloudd on agg, vr1, vr2"
	skip_all "no store or agents"
fi
explain() { bgp_explain; for h in agg vr1 vr2; do diag "$(sed "s/^/$h: /" "$BGP_RUN/$h/xcloudd.log")"; done; }

pools_learned() {
	bgp_learned_via_agg sw1 "$BGP_POOL4" && bgp_learned_via_agg sw2 "$BGP_POOL4" &&
		bgp_learned_via_agg sw1 "$BGP_POOL6" && bgp_learned_via_agg sw2 "$BGP_POOL6"
}
eip_pool p4 "$BGP_POOL4" && eip_pool p6 "$BGP_POOL6"
check -d "pools written to the store: both switches learn them via the aggregation node" \
	bgp_wait_or_explain 30 pools_learned
check -d "... and the aggregation node routes them into its device (proto 78)" \
	eval 'bgp_nsx agg ip route show proto 78 | grep -q "^$BGP_POOL4 dev $EIP_DEV"'

eips_learned() {
	bgp_learned_via_agg sw1 "$EIP2/32" && bgp_learned_via_agg sw2 "$EIP2/32" &&
		bgp_learned_via_agg sw1 "$EIP2_6/128" && bgp_learned_via_agg sw1 "$EIPM/32"
}
eip_bind "$EIP2" vr2 "$VM4" && eip_bind "$EIP2_6" vr2 "$VM6" && eip_bind "$EIPM" vr1 "$VM4"
check -d "EIPs written to the store: switches learn each /32 and /128 via the aggregation node" \
	bgp_wait_or_explain 30 eips_learned
check -d "... eip entries on the aggregation node point to the routers' nodes" \
	eval 'xce agg route show dev "$EIP_DEV" | grep "$EIP2" | grep -q "$(bgp_addr vr2 4)"'

ingress_set() {
	xce agg link show "$EIP_DEV" | grep -q " ingress eth0" &&
		grep -q "$EIP_DEV takes EIP packets at eth0" "$BGP_RUN/agg/xcloudd.log"
}
check -d "aggregation agent set its eip-ingress: agg's device takes EIP packets at eth0" \
	bgp_wait 15 ingress_set
agg_tun0=$(tunnel_tx agg "$(bgp_addr vr2 4)")
vr1_rx0=$(stat_of vr1 rx_packets)
agg_in0=$(stat_of agg ingress_packets)
check -d "ping inet -> EIP of vr2 (IPv4) reaches vm2 and returns" \
	bgp_nsx inet ping -c 5 -i 0.2 -W 2 "$EIP2"
check -d "ping inet -> EIP of vr2 (IPv6) reaches vm2 and returns" \
	bgp_nsx inet ping -6 -c 5 -i 0.2 -W 2 "$EIP2_6"
check -d "TCP inet -> EIP of vr2 is answered by vm2" test "$(tcp_who "$EIP2")" = vm2
agg_tun1=$(tunnel_tx agg "$(bgp_addr vr2 4)")
vr1_rx1=$(stat_of vr1 rx_packets)
diag "agg->vr2 tunnel tx $agg_tun0->$agg_tun1, vr1 rx $vr1_rx0->$vr1_rx1"
check -d "counters: the aggregation node tunnelled them to vr2, vr1 saw none" \
	test $((agg_tun1 - agg_tun0)) -ge 10 -a $((vr1_rx1 - vr1_rx0)) -eq 0
agg_in1=$(stat_of agg ingress_packets)
check -d "counters: ... taken at agg's eth0 (ingress_packets $agg_in0 -> $agg_in1)" \
	test $((agg_in1 - agg_in0)) -ge 10
ingress_back() {
	xce agg link show "$EIP_DEV" | grep -q " ingress eth0" &&
		(($(grep -c "$EIP_DEV takes EIP packets at eth0" "$BGP_RUN/agg/xcloudd.log") == 2))
}
check -d "ingress device removed by hand: the aggregation agent sets it again" \
	eval 'xce agg link set "$EIP_DEV" ingress none && bgp_wait 15 ingress_back'

since_sw1=$(bgp_sessions_since sw1) since_sw2=$(bgp_sessions_since sw2)
t0=$(date +%s.%N)
new_pool_learned() { bgp_learned_via_agg sw1 "$BGP_POOL4_NEW" && bgp_learned_via_agg sw2 "$BGP_POOL4_NEW"; }
eip_pool new4 "$BGP_POOL4_NEW"
check -d "new pool written: announced to both switches" bgp_wait_or_explain 30 new_pool_learned
# A since-time after t0 is a reset; BIRD's since-times wobble by a few
# milliseconds between two reads under TCG, so they are not compared as text.
same_since() {
	local reset
	reset=$(bgp_restarted_after "$t0" sw1 sw2)
	[[ -z $reset ]] && return 0
	printf 'before:\n%s\n%s\nafter:\n%s\n%s\nrestarted:\n%s\n' "$since_sw1" "$since_sw2" \
		"$(bgp_sessions_since sw1)" "$(bgp_sessions_since sw2)" "$reset"
	return 1
}
check -d "... with every BGP session's uptime unchanged" same_since
eip_pool_del new4
check -d "pool deleted: withdrawn from both switches" \
	bgp_wait_or_explain 30 eval 'bgp_no_route sw1 "$BGP_POOL4_NEW" && bgp_no_route sw2 "$BGP_POOL4_NEW"'

# Malformed and harmful values beside a good new pool: each
# logged by the aggregation agent with its key and the reason and skipped;
# a pool naming agg's own subnet leaves its connected route alone (the
# route would have been replaced) and is not announced.
agg_lan=$(bgp_addr agg 4)
agg_lan=${agg_lan%.*}.0/24
bad_keys=(/xcloud/eip/pools/bad-null /xcloud/eip/pools/bad-default
	/xcloud/eip/pools/bad-lan /xcloud/eip/addrs/203.0.113.250)
eip_put "${bad_keys[0]}" '{"prefix":null}'
eip_put "${bad_keys[1]}" '{"prefix":"0.0.0.0/0"}'
eip_put "${bad_keys[2]}" "{\"prefix\":\"$agg_lan\"}"
eip_put "${bad_keys[3]}" '{"router":"vr2","node":null,"private":"10.200.0.250"}'
new6_learned() { bgp_learned_via_agg sw1 "$BGP_POOL6_NEW" && bgp_learned_via_agg sw2 "$BGP_POOL6_NEW"; }
eip_pool new6 "$BGP_POOL6_NEW"
check -d "malformed values beside a new pool: the new pool is announced" \
	bgp_wait_or_explain 30 new6_learned
lan_kept() {
	bgp_nsx agg ip route show "$agg_lan" | grep -q "proto kernel" &&
		[[ -z $(bgp_nsx agg ip route show proto 78 "$agg_lan") ]] &&
		! grep -qF "$agg_lan" "$BGP_RUN/agg/eip.conf"
}
check -d "... a pool naming agg's subnet $agg_lan: connected route kept, not announced" lan_kept
agg_logged() { grep -qF -- "$1" "$BGP_RUN/agg/xcloudd.log"; }
bad_logged() {
	agg_logged 'malformed /xcloud/eip/pools/bad-null: "prefix" is null, not a string' &&
		agg_logged 'malformed /xcloud/eip/pools/bad-default: "prefix" 0.0.0.0/0 overlaps 0.0.0.0/8' &&
		agg_logged 'malformed /xcloud/eip/addrs/203.0.113.250: "node" is null, not a string' &&
		agg_logged "skipping $agg_lan (the main table has another owner's route for it)"
}
check -d "... each bad value logged by agg with its key and the reason" bad_logged
for k in "${bad_keys[@]}"; do eip_del "$k"; done
eip_pool_del new6
check -d "bad values and the new pool deleted: pool withdrawn, agg skips nothing any more" \
	bgp_wait_or_explain 30 eval 'bgp_no_route sw1 "$BGP_POOL6_NEW" && agg_logged "store: no value skipped any more"'

check -d "EIP of vr1 answered by vm1 before the move" test "$(tcp_who "$EIPM")" = vm1
eip_bind "$EIPM" vr2 "$VM4B"
moved_to_vm2() { test "$(tcp_who "$EIPM" 2>/dev/null)" = vm2; }
check -d "EIP moved to vr2 by one store write: new connections reach vm2" \
	bgp_wait 30 moved_to_vm2
# vr1's agent reads the same write on its own: give it its own time.
vr1_let_go() {
	[[ -z $(bgp_birdc vr1 show route "$EIPM/32" | grep "^$EIPM") ]] &&
		! bgp_nsx vr1 nft list table inet xcloud_eip | grep -q "$EIPM"
}
check -d "... vr1 withdrew it and dropped its NAT rule" bgp_wait 30 vr1_let_go

# An operator deletes the NAT table by hand: vr2's agent notices at its
# next poll (1 s) and applies it again; the EIP answers again.
nat_restored() {
	bgp_nsx vr2 nft list table inet xcloud_eip 2>/dev/null | grep -q "$EIPM" &&
		grep -q "table inet xcloud_eip was missing; restored it" "$BGP_RUN/vr2/xcloudd.log" &&
		test "$(tcp_who "$EIPM" 2>/dev/null)" = vm2
}
check -d "NAT table deleted by hand on vr2: the agent restores it, the EIP answers again" \
	eval 'bgp_nsx vr2 nft delete table inet xcloud_eip && bgp_wait 15 nat_restored'

eip_unbind "$EIP2"
check -d "EIP deleted: withdrawn from both switches" \
	bgp_wait_or_explain 30 eval 'bgp_no_route sw1 "$EIP2/32" && bgp_no_route sw2 "$EIP2/32"'

bgp_bird_stop agg || true
bgp_bird_start agg || diag "BIRD on agg did not start again"
check -d "aggregation node's BIRD restarted: pools learned again, traffic back" \
	bgp_wait_or_explain 60 eval 'pools_learned && bgp_nsx inet ping -c 1 -W 1 "$EIPM" >/dev/null'

eip_stop etcd
store_lost() { grep -q "store: lost" "$BGP_RUN/vr2/xcloudd.log"; }
check -d "etcd stopped: agents log it and traffic still flows" \
	eval 'bgp_wait 30 store_lost && bgp_nsx inet ping -c 3 -i 0.3 -W 2 "$EIPM" >/dev/null'
check -d "agents still running, no failure in their logs" \
	eval 'for h in agg vr1 vr2; do kill -0 "${EIP_PID[$h]}" || exit 1; done; ! grep -h "retrying$" "$BGP_RUN"/{agg,vr1,vr2}/xcloudd.log | grep -v "store: lost"'
check -d "BIRD restarts seen: agg's one, none spurious" \
	eval '[[ $(grep -c "(re)started" "$BGP_RUN/agg/xcloudd.log") == 1 && $(cat "$BGP_RUN"/vr{1,2}/xcloudd.log | grep -c "(re)started") == 0 ]]'
((_tap_failed == 0)) || explain
