#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# EIP access over BGP, the routing half (seed 004): two switches, the
# aggregation node and two virtual routers, each a namespace running BIRD
# with the configurations of bird-conf/ (topology: lib/bgp.sh).
#
# Asserts that the switches learn every EIP pool and every EIP /32 (/128)
# with next hop = the aggregation node, wherever the announcing router
# sits; that a new pool is announced and a removed EIP withdrawn without
# resetting any BGP session; that after the aggregation node's BIRD
# restarts its routes come back by themselves. No xcloud module needed.
#
# Set XCLOUD_EIP_TOOL=0 to feed BIRD from the shell helpers instead of the
# userspace/eip tool (xcloud-eip bird).
DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/lib.sh
source "$DIR/lib.sh"
# shellcheck source=tests/selftests/lib/bgp.sh
source "$DIR/lib/bgp.sh"

EIP1=203.0.113.10     # owned by vr1 (under sw1, like agg)
EIP2=203.0.113.20     # owned by vr2 (under sw2)
EIP2_6=2001:db8:e1::20
EIP3=203.0.113.30     # vr2, removed during the test

require_cmd bird birdc
plan 17

# Feed the routers' BIRDs: the C tool when built (the code xcloudd runs),
# the shell helper otherwise.
TOOL=$BGP_REPO/userspace/eip/xcloud-eip
set_routes() {
	local h=$1
	shift
	if [[ ${XCLOUD_EIP_TOOL:-1} == 1 && -x $TOOL ]]; then
		"$TOOL" bird -s "$BGP_RUN/$h/bird.ctl" -c "$BGP_RUN/$h/bird.conf" \
			-f "$BGP_RUN/$h/eip.conf" "$@"
	else
		bgp_set_routes "$h" "$@"
	fi
}
if [[ ${XCLOUD_EIP_TOOL:-1} == 1 && -x $TOOL ]]; then
	echo "# feeding BIRD with $TOOL"
else
	echo "# feeding BIRD with bgp_set_routes (shell)"
fi

if bgp_up; then ok "topology up, every BGP session established"
else
	not_ok "topology up, every BGP session established"
	for h in sw1 sw2 agg vr1 vr2; do diag "$(bgp_birdc "$h" show protocols 2>&1)"; done
fi

check -d "aggregation node announces the pools" \
	set_routes agg "$BGP_POOL4" "$BGP_POOL6"
check -d "vr1 announces its EIP" set_routes vr1 "$EIP1/32"
check -d "vr2 announces its EIPs" set_routes vr2 "$EIP2/32" "$EIP3/32" "$EIP2_6/128"

all_learned() {
	local sw p
	for sw in sw1 sw2; do
		for p in "$BGP_POOL4" "$BGP_POOL6" "$EIP1/32" "$EIP2/32" \
			"$EIP3/32" "$EIP2_6/128"; do
			bgp_learned_via_agg "$sw" "$p" || return 1
		done
	done
}
check -d "both switches learn pools and EIPs (v4, v6) with next hop = aggregation node" \
	bgp_wait_or_explain 20 all_learned

# What the forwarding plane does with it: sw1 sends EIP traffic straight to
# the aggregation node, sw2 towards sw1 (the aggregation node's switch),
# even for the EIP of vr2, its own downstream router.
check -d "sw1 forwards vr2's EIP to the aggregation node" \
	test "$(bgp_kroute sw1 "$EIP2/32")" = "via $(bgp_addr agg 4)"
check -d "sw2 forwards vr2's EIP towards sw1" \
	test "$(bgp_kroute sw2 "$EIP2/32")" = "via 10.0.12.1"
check -d "sw1 forwards vr2's IPv6 EIP to the aggregation node" \
	test "$(bgp_kroute sw1 "$EIP2_6/128")" = "via $(bgp_addr agg 6)"

sessions() { for h in sw1 sw2 agg vr1 vr2; do bgp_sessions_since "$h"; done; }
# A loaded TCG guest may still be settling a connection collision when the
# routes arrive: take the reference once every session is Established and
# its since-time has held still for two seconds.
sessions_settled() {
	local a
	a=$(sessions)
	[[ $(grep -cv ' up .* Established$' <<<"$a") == 0 ]] || return 1
	sleep 2
	[[ $a == "$(sessions)" ]]
}
bgp_wait 60 sessions_settled || diag "sessions did not settle: $(sessions)"
before=$(sessions)
t0=$(date +%s.%N)	# a reset: a since-time after it (bgp_restarted_after)
diag "sessions before the changes (name, since):" "$before"

check -d "a new pool is announced" \
	set_routes agg "$BGP_POOL4" "$BGP_POOL6" "$BGP_POOL4_NEW" "$BGP_POOL6_NEW"
new_pool_learned() {
	bgp_learned_via_agg sw1 "$BGP_POOL4_NEW" && bgp_learned_via_agg sw2 "$BGP_POOL4_NEW" &&
		bgp_learned_via_agg sw1 "$BGP_POOL6_NEW" && bgp_learned_via_agg sw2 "$BGP_POOL6_NEW"
}
check -d "both switches learn the new pool" bgp_wait_or_explain 20 new_pool_learned

check -d "vr2 withdraws one EIP" set_routes vr2 "$EIP2/32" "$EIP2_6/128"
eip3_gone() { bgp_no_route sw1 "$EIP3/32" && bgp_no_route sw2 "$EIP3/32"; }
check -d "both switches drop the withdrawn EIP" bgp_wait 20 eip3_gone
others_stay() {
	local sw
	for sw in sw1 sw2; do
		bgp_learned_via_agg "$sw" "$EIP2/32" && bgp_learned_via_agg "$sw" "$EIP1/32" || return 1
	done
}
check -d "the other EIPs stay" others_stay

after=$(sessions)
reset=$(bgp_restarted_after "$t0" sw1 sw2 agg vr1 vr2)
[[ -z $reset ]] || diag "sessions before:" "$before" "sessions after:" "$after"
check -d "no BGP session was reset by the route changes (since-times unchanged)" \
	eval '[[ -z $reset && $(grep -c " up .* Established$" <<<"$after") == $(wc -l <<<"$before") ]]'

bad_conf_rejected() {
	# A configuration BIRD refuses is not loaded and the old one stays.
	! set_routes vr1 "$EIP1/33" 2>/dev/null && bgp_learned_via_agg sw1 "$EIP1/32"
}
check -d "an invalid route set is refused, the announced one kept" \
	bad_conf_rejected

bgp_bird_stop agg || true
pools_gone() { bgp_no_route sw1 "$BGP_POOL4" && bgp_no_route sw2 "$BGP_POOL4"; }
check -d "aggregation node's BIRD stopped: its pools are withdrawn" bgp_wait 20 pools_gone
bgp_bird_start agg || diag "BIRD on agg did not start again"
pools_back() {
	local sw p
	for sw in sw1 sw2; do
		for p in "$BGP_POOL4" "$BGP_POOL6" "$BGP_POOL4_NEW" "$BGP_POOL6_NEW"; do
			bgp_learned_via_agg "$sw" "$p" || return 1
		done
	done
}
check -d "aggregation node's BIRD restarted: every pool comes back by itself" \
	bgp_wait 30 pools_back

