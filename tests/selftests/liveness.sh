#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Liveness of multi-path next hops (docs/datapath.md, "Liveness"). Cloud B
# has two gateways, gwB and gwB2, both next hops of cnA1's route to vmB1.
# A 10 ms ping flow vmA1 -> vmB1 takes one of them; that gateway's
# underlay link goes down: cnA1's probes find it silent within
# probe-interval x multiplier (100 ms x 3, the defaults) and the flow goes
# on through the other gateway, with a loss window under 500 ms. The
# gateway comes back: it is up again (event, counters) and the flow loses
# nothing. Control: with probing off (probe-interval 0) the same cut loses
# the flow until the link is back, so the test can fail.
# xcloud-run: alone (it measures a loss window)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd ping awk
xcloud_available || skip_all "xcloud module or xcloudctl not available"

TOPO_UL=4
TOPO_HOSTS=(gwA cnA1 gwB gwB2 cnB1)
TOPO_VMS=(vmA1 vmB1)
TOPO_IDX[gwB2]=3
TOPO_CLOUD[gwB2]=B
DEV=xc$TOPO_VNI
DST=$(vm_addr vmB1 4)
LIMIT_MS=${XCLOUD_LIVENESS_LIMIT_MS:-500}
tmp=$(mktemp -d)
on_exit rm -rf "$tmp"

plan 18

setup() {
	topo_build && topo_xcloud ondemand || return 1
	# Both of cloud B's gateways carry cloud A's traffic to vmB1, and
	# cnB1 accepts what either relays (its inner source check).
	xc cnA1 route replace "$DST" type gateway via "$(ul_addr gwB)" \
		via "$(ul_addr gwB2)" dev "$DEV" || return 1
	xc cnB1 link set "$DEV" \
		gateways "$(ul_addr gwB),$(ul_addr gwB2)" || return 1
	vm_ping vmA1 vmB1 4
}

# state GW: cnA1's liveness state of gateway GW's tunnel.
state() { xc_tunnel_stat cnA1 "$(ul_addr "$1")" state; }
state_is() { [[ $(state "$1") == "$2" ]]; }
tstat() { xc_tunnel_stat cnA1 "$(ul_addr "$1")" "$2"; }

both_up() {
	wait_until 30 state_is gwB up && wait_until 30 state_is gwB2 up &&
		(($(tstat gwB probe_replies) > 0 && $(tstat gwB2 probe_replies) > 0))
}

defaults_shown() {
	local out
	out=$(xc cnA1 link show "$DEV")
	echo "$out"
	[[ $out == *"probe-interval 100"* && $out == *"probe-multiplier 3"* ]]
}

# Which of gwB, gwB2 relays the flow vmA1 -> vmB1: the one whose relayed
# counter moves with 20 pings.
carrier() {
	local b1 b2
	b1=$(xc_stat gwB relayed_packets)
	b2=$(xc_stat gwB2 relayed_packets)
	nsx vmA1 ping -q -c 20 -i 0.02 -W 2 "$DST" >/dev/null || return 1
	if (($(xc_stat gwB relayed_packets) - b1 >= 20)); then
		echo gwB
	elif (($(xc_stat gwB2 relayed_packets) - b2 >= 20)); then
		echo gwB2
	else
		return 1
	fi
}

# flow SECONDS NAME: a 10 ms ping flow vmA1 -> vmB1 in the background,
# each reply with its time, into $tmp/NAME.
flow() {
	nsx vmA1 ping -D -c "$(($1 * 100))" -i 0.01 -W 1 "$DST" \
		>"$tmp/$2" 2>&1 &
	FLOW=$!
	sleep 0.3
}

# The longest time in ms between two replies of flow NAME (with none
# lost it is about the 10 ms interval): the loss window.
gap_ms() {
	awk '/bytes from/ {
		t = substr($1, 2, length($1) - 2) + 0
		if (n++ && t - last > max) max = t - last
		last = t
	} END { printf "%d\n", max * 1000 }' "$tmp/$1"
}

lost() {
	awk '/packets transmitted/ { print $1 - $4 }' "$tmp/$1"
}

cut() { nsx "$1" ip link set eth0 down; }
heal() { nsx "$1" ip link set eth0 up; }

if ! setup; then
	bail_out "cannot build the two-gateway topology"
fi

xc cnA1 monitor dev "$DEV" >"$tmp/events" 2>&1 &

check -d "defaults: probe-interval 100 ms, multiplier 3 (link show)" \
	defaults_shown
check -d "cnA1 probes both gateways of the multi-path route; both answer (up, replies counted)" \
	both_up
check -d "the gateways answered probes (probes_answered counted)" \
	eval '(($(xc_stat gwB probes_answered) > 0 && $(xc_stat gwB2 probes_answered) > 0))'

C=$(carrier) || C=
if [[ -z $C ]]; then
	bail_out "neither gateway relays the flow"
fi
O=gwB2
[[ $C == gwB2 ]] && O=gwB
diag "the flow vmA1 -> vmB1 goes through $C; the other gateway is $O"

# ---- the carrier dies ----
other_before=$(xc_stat "$O" relayed_packets)
changes_before=$(tstat "$C" state_changes)
flow 5 cut
sleep 1.5
cut "$C"
check -d "$C's link down: cnA1 marks it down" wait_until 20 state_is "$C" down
wait "$FLOW" || true
diag "$(grep 'packets transmitted' "$tmp/cut")"
window=$(gap_ms cut)
diag "loss window with probes: ${window} ms (limit ${LIMIT_MS} ms)"
check -d "loss window of the flow under ${LIMIT_MS} ms (measured ${window} ms)" \
	eval "((window > 0 && window < LIMIT_MS))"
check -d "the flow continued through $O (its relayed counter moved by the flow's packets)" \
	eval "(($(xc_stat "$O" relayed_packets) - other_before >= 200))"
check -d "$O stays up" state_is "$O" up
check -d "the state change is counted on cnA1's tunnel to $C" \
	eval "(($(tstat "$C" state_changes) > changes_before))"
check -d "a 'tunnel state ... down' event for $C" \
	wait_until 10 grep -q "tunnel state $(ul_addr "$C") dev $DEV down" "$tmp/events"

# ---- it comes back ----
carrier_before=$(xc_stat "$C" relayed_packets)
flow 4 back
sleep 0.5
heal "$C"
check -d "$C's link up: it is up again" wait_until 20 state_is "$C" up
wait "$FLOW" || true
diag "$(grep 'packets transmitted' "$tmp/back")"
check -d "no loss while $C comes back" eval '(($(lost back) == 0))'
check -d "a 'tunnel state ... up' event for $C" \
	wait_until 10 grep -q "tunnel state $(ul_addr "$C") dev $DEV up" "$tmp/events"
check -d "the flow is back on $C (its relayed counter moved)" \
	eval "(($(xc_stat "$C" relayed_packets) - carrier_before >= 20))"

# ---- control: probing off, the same cut loses the flow ----
xc cnA1 link set "$DEV" probe-interval 0
check -d "probe-interval 0: the tunnels are no longer probed" \
	wait_until 10 state_is "$C" unprobed
flow 3 off
sleep 1
cut "$C"
wait "$FLOW" || true
heal "$C"
diag "$(grep 'packets transmitted' "$tmp/off")"
window=$(gap_ms off)
diag "loss window without probes: ${window} ms"
check -d "control: without probes the cut loses the rest of the flow (at least 100 of 300 pings lost)" \
	eval "(($(lost off) >= 100))"

# ---- and back on ----
xc cnA1 link set "$DEV" probe-interval 100
check -d "probe-interval 100 again: both gateways up" both_up

# Teardown under probing (the debug kernel checks it for leaks, lockdep
# and KASAN): the probing device and a device probes go to, deleted.
check -d "deleting a device while it probes" xc cnA1 link del "$DEV"
check -d "deleting a device while it is probed" xc gwB2 link del "$DEV"
