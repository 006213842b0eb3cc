#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Faults of the EIP side under traffic. A ping flow every
# 20 ms from the internet host to vr2's EIP (inet -> sw1 -> agg -> tunnel
# -> vr2 -> NAT -> vm2, the replies through sw2) while, one at a time, the
# aggregation agent (agg), the router agent (vr2) and vr2's BIRD are
# killed with kill -9 and started again 1 s later, then etcd of the EIP
# store. Each must lose no packet, and what the EIP side programs (agg's
# eip entries, vr2's NAT table, the switches' routes) must be as before;
# a 1-s cut at vr2 first shows that the flow counts losses.
# (What the aggregation node's own BIRD restart costs is eip_agents.sh's
# and docs/eip-bgp.md's; with two nodes, agg_ha.sh's.)
# Topology: lib/bgp.sh + lib/eip.sh.
# xcloud-kernels: stock
# xcloud-run: alone (it asserts no loss across restarts)
DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/lib.sh
source "$DIR/lib.sh"
# shellcheck source=tests/selftests/lib/bgp.sh
source "$DIR/lib/bgp.sh"
# shellcheck source=tests/selftests/lib/eip.sh
source "$DIR/lib/eip.sh"

require_cmd bird birdc nft python3 etcd curl ping
[[ -x $XCLOUDCTL && -x $XCLOUDD ]] || skip_all "xcloudctl or xcloudd not built"
[[ -d /sys/module/xcloud ]] || skip_all "xcloud module not loaded"
eip_supported || skip_all "xcloud module or xcloudctl without eip routes"

EIP_AGG_INGRESS=eth0
bgp_up || bail_out "no BGP topology"
eip_etcd_launch
{ eip_devices && eip_agents_up; } || bail_out "no store or agents"

learned() {
	bgp_learned_via_agg sw1 "$BGP_POOL4" && bgp_learned_via_agg sw2 "$BGP_POOL4" &&
		bgp_learned_via_agg sw1 "$EIP2/32" && bgp_learned_via_agg sw2 "$EIP2/32"
}
eip_pool p4 "$BGP_POOL4" && eip_pool p6 "$BGP_POOL6" &&
	eip_bind "$EIP2" vr2 "$VM4"
check -d "EIP $EIP2 of vr2 announced, reachable from the internet host" \
	eval 'bgp_wait_or_explain 60 learned && bgp_wait 30 bgp_nsx inet ping -c 1 -W 1 "$EIP2"'

# What the EIP side made, as sets (a dump's order is no state).
snapshot() {
	{
		xce agg route show dev "$EIP_DEV"
		bgp_nsx vr2 nft -s list table inet xcloud_eip
		bgp_nsx sw1 ip route show proto bird
		bgp_nsx sw2 ip route show proto bird
	} 2>&1 | sort
}
# The flow inet -> vr2's EIP (lib.sh's flow_start/flow_end).
flow() { flow_start "$1" "$BGP_RUN/ping.out" "$EIP2" ip netns exec "$(bgp_ns inet)"; }
bird_kill() {	# kill -9: no Cease to the switches, which keep its routes
	local pidf=$BGP_RUN/$1/bird.pid
	kill -9 "$(cat "$pidf")" 2>/dev/null || true
	rm -f "$pidf"
}
kill_restart() {
	case $1 in
	bird-vr2)
		bird_kill vr2
		sleep 1
		bgp_bird_start vr2
		;;
	etcd)
		kill -9 "${EIP_PID[etcd]}"
		wait "${EIP_PID[etcd]}" 2>/dev/null || true
		unset "EIP_PID[etcd]"
		sleep 1
		eip_etcd_launch
		;;
	*)
		kill -9 "${EIP_PID[$1]}"
		wait "${EIP_PID[$1]}" 2>/dev/null || true
		unset "EIP_PID[$1]"
		sleep 1
		eip_agent_start "$1"
		;;
	esac
}

# Positive control: the flow sees a one-second cut (vr2 dropping
# everything from the tunnel for 1 s, by an nftables table of its own).
cut() {
	bgp_nsx vr2 nft -f - <<-EOF
		table inet xcfault {
			chain in { type filter hook prerouting priority -400; udp dport 6081 drop; }
		}
	EOF
	sleep 1
	bgp_nsx vr2 nft delete table inet xcfault
}
flow 3
cut
if flow_end; then not_ok "positive control: a 1-s cut at vr2 is seen by the flow"
else ok "positive control: a 1-s cut at vr2 is seen by the flow"; fi
diag "$LOSS"

sleep 1
steady=$(snapshot)
diag "$(wc -l <<<"$steady") lines of EIP state on agg, vr2, sw1 and sw2"
same_state() { [[ "$steady" == "$(snapshot)" ]]; }
for d in agg vr2 bird-vr2 etcd; do
	t=$SECONDS
	flow 5
	kill_restart "$d"
	if flow_end; then ok "kill -9 $d, restart after 1 s: no packet lost"
	else not_ok "kill -9 $d, restart after 1 s: no packet lost"; fi
	diag "$LOSS"
	if bgp_wait 30 same_state; then
		ok "... the EIP state as before ($((SECONDS - t)) s)"
	else
		not_ok "... the EIP state as before"
		diag "$(diff <(echo "$steady") <(snapshot) | head -20)"
	fi
done
check -d "the agents are running" \
	eval 'for h in agg vr1 vr2; do kill -0 "${EIP_PID[$h]}" || exit 1; done'
