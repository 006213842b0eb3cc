# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Two aggregation nodes under traffic, on top of lib/bgp.sh (after
# bgp_second_agg) and lib/eip.sh: which node carries a flow, killing and
# reviving a node, a ping flow's loss window. Used by
# tests/selftests/agg_ha.sh and tests/bench/agg.sh.

# sw1's kernel route for prefix $1 (family $2) has both nodes as next
# hops. (IPv6 routes BGP learned from them go by their link-local
# addresses: two distinct next hops on br0.)
agg_both_paths() {
	local gws
	gws=$(bgp_kroute_gws sw1 "$1")
	if [[ $2 == 6 && $gws == fe80:* ]]; then
		[[ $(sort -u <<<"$gws" | wc -l) == 2 ]]
	else
		[[ $gws == "$(bgp_addr agg "$2")"$'\n'"$(bgp_addr agg2 "$2")" ]]
	fi
}
# ... only node $3.
agg_one_path() { [[ "$(bgp_kroute_gws sw1 "$1")" == "$(bgp_addr "$3" "$2")" ]]; }

# The pools and vr2's EIPs spread over both nodes at sw1, known at sw2.
agg_spread() {
	agg_both_paths "$BGP_POOL4" 4 && agg_both_paths "$BGP_POOL6" 6 &&
		agg_both_paths "$EIP2/32" 4 && agg_both_paths "$EIP2_6/128" 6 &&
		bgp_learned_via_agg sw2 "$BGP_POOL4" && bgp_learned_via_agg sw2 "$EIP2/32"
}

# Packets node $1 tunnelled to vr2's node (the ingress path counts no
# device tx).
agg_tun() { tunnel_tx "$1" "$(bgp_addr vr2 4)"; }

# AGG_CARRIER: the node carrying inet's flow to vr2's EIP; AGG_OTHER.
# shellcheck disable=SC2034 # used by the scripts sourcing this file
AGG_CARRIER=agg AGG_OTHER=agg2
# shellcheck disable=SC2034
agg_carrier() {
	local a0 b0
	a0=$(agg_tun agg) b0=$(agg_tun agg2)
	bgp_nsx inet ping -q -c 10 -i 0.02 -W 2 "$EIP2" >/dev/null || true
	if (($(agg_tun agg) - a0 >= 5)); then
		AGG_CARRIER=agg AGG_OTHER=agg2
	elif (($(agg_tun agg2) - b0 >= 5)); then
		AGG_CARRIER=agg2 AGG_OTHER=agg
	else
		return 1
	fi
}

agg_bird_kill() {
	local pidf=$BGP_RUN/$1/bird.pid
	kill -9 "$(cat "$pidf")" 2>/dev/null || true
	rm -f "$pidf"
}
agg_bird_gone() { ! kill -0 "$(cat "$BGP_RUN/$1/bird.pid")" 2>/dev/null; }
agg_agent_kill() {
	[[ -n ${EIP_PID[$1]:-} ]] || return 0
	kill -9 "${EIP_PID[$1]}" 2>/dev/null || true
	wait "${EIP_PID[$1]}" 2>/dev/null || true
	unset "EIP_PID[$1]"
}
# Node $1 dies: no FIN, no Cease, no BFD AdminDown reaches its switch.
# Its switch port goes first, then its BIRD and agent (kill -9); its
# kernel state stays, as a node that lost power and came back would not.
agg_die() {
	bgp_nsx sw1 ip link set "p-$1" down
	agg_bird_kill "$1"
	agg_agent_kill "$1"
}
agg_revive() {
	bgp_nsx sw1 ip link set "p-$1" up
	bgp_bird_start "$1" && eip_agent_start "$1"
}

# BGP sessions of anyone but node $2 (and sw1's with it) whose state
# changed after $1 (date +%s.%N), "host name state info" a line.
agg_others_reset() {
	local t=$1 dead=$2 h hosts=()
	for h in sw1 sw2 "${BGP_ROUTERS[@]}"; do [[ $h == "$dead" ]] || hosts+=("$h"); done
	bgp_restarted_after "$t" "${hosts[@]}" | grep -v "^sw1 ${dead}_v[46] " || true
}
