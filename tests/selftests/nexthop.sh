#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Next-hop groups (docs/forwarding-table.md, "Next-hop groups"). Cloud B
# has two gateways, gwB and gwB2. cnA1 holds group 1 of cloud B's
# gateways and 1000 routes naming it (vmB1 and 999 more); one `nexthop
# replace` moves all of them from one gateway to the other, which ping
# and the gateways' relayed counters show. A group routes name is not
# deleted (extack), an unused one is; a route naming no group is refused.
# With both gateways in the group, the members are probed: a silent one
# leaves the selection and traffic goes on through the other.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd ping awk jq
xcloud_available || skip_all "xcloud module or xcloudctl not available"

TOPO_UL=4
TOPO_HOSTS=(gwA cnA1 gwB gwB2 cnB1)
TOPO_VMS=(vmA1 vmB1)
TOPO_IDX[gwB2]=3
TOPO_CLOUD[gwB2]=B
DEV=xc$TOPO_VNI
DST=$(vm_addr vmB1 4)
GW1=$(ul_addr gwB)
GW2=$(ul_addr gwB2)
tmp=$(mktemp -d)
on_exit rm -rf "$tmp"

plan 22

setup() {
	topo_build && topo_xcloud ondemand || return 1
	# cnB1 accepts what either gateway relays (its inner source check).
	xc cnB1 link set "$DEV" gateways "$GW1,$GW2" || return 1
	vm_ping vmA1 vmB1 4
}

# routes N: vmB1 and N-1 more host routes naming group 1, as one batch.
routes_lines() {
	local i
	echo "route replace $DST nhid 1 dev $DEV"
	for ((i = 1; i < $1; i++)); do
		echo "route add 10.200.$((i / 250)).$((i % 250 + 1)) nhid 1 dev $DEV"
	done
}

# through GW: 20 pings vmA1 -> vmB1, at least 10 answered (a slow guest
# may lose a few), each relayed by gateway GW and none by the other.
through() {
	local other=gwB2 b o rcv dthis dother
	[[ $1 == gwB2 ]] && other=gwB
	b=$(xc_stat "$1" relayed_packets)
	o=$(xc_stat "$other" relayed_packets)
	rcv=$(nsx vmA1 ping -q -c 20 -i 0.02 -W 2 "$DST" |
		awk '/packets transmitted/ { print $4 }') || true
	dthis=$(($(xc_stat "$1" relayed_packets) - b))
	dother=$(($(xc_stat "$other" relayed_packets) - o))
	echo "replies ${rcv:-0}/20, relayed by $1: $dthis, by $other: $dother"
	((${rcv:-0} >= 10 && dthis >= rcv && dother == 0))
}

# nhfield FIELD: field FIELD of group 1 in `nexthop show -j`.
nhfield() {
	xc cnA1 -j nexthop show id 1 dev "$DEV" | json_field "$1"
}

# The routes naming group 1, from the route dump.
named() { xc cnA1 route show dev "$DEV" | grep -c " nhid 1 " || true; }

state_is() { [[ $(xc_tunnel_stat cnA1 "$(ul_addr "$1")" state) == "$2" ]]; }

if ! setup; then
	bail_out "cannot build the two-gateway topology"
fi

# ms COMMAND...: run COMMAND, print how long it took in ms.
ms() {
	local t0=$EPOCHREALTIME
	"$@" >/dev/null || return 1
	echo $(((${EPOCHREALTIME/./} - ${t0/./}) / 1000))
}

# The monitor is listening once it reports a change made after it started.
monitor_ready() {
	xc cnA1 nexthop add id 9 via "$GW1" dev "$DEV" &&
		xc cnA1 nexthop del id 9 dev "$DEV" &&
		grep -q "nexthop del id 9" "$tmp/events"
}
xc cnA1 monitor dev "$DEV" >"$tmp/events" 2>&1 &
wait_until 60 monitor_ready || bail_out "xcloudctl monitor reports no event"

check -d "nexthop add: group 1 of gateway gwB" \
	xc cnA1 nexthop add id 1 type gateway via "$GW1" dev "$DEV"
check -d "a 'nexthop add id 1' event with its member and no route" \
	wait_until 10 grep -q "nexthop add id 1 type gateway via $GW1 dev $DEV routes 0" "$tmp/events"
check -d "1000 routes naming group 1 (one batch)" \
	eval 'routes_lines 1000 | xc cnA1 -batch -'
check -d "the route dump shows 1000 routes with nhid 1" \
	eval '(($(named) == 1000))'
check -d "nexthop show: group 1 counts its 1000 routes" \
	eval '[[ $(nhfield routes) == 1000 && $(nhfield via) == "$GW1" ]]'
check -d "vmA1 -> vmB1 goes through gwB" through gwB

base=$(ms xc cnA1 nexthop show id 1 dev "$DEV")
took=$(ms xc cnA1 nexthop replace id 1 via "$GW2" dev "$DEV") || took=
check -d "one nexthop replace moves group 1 to gwB2" test -n "$took"
diag "nexthop replace of a group 1000 routes name: $took ms (a nexthop show: $base ms)"
check -d "vmA1 -> vmB1 now goes through gwB2 (its relayed counter moved, gwB's did not)" \
	through gwB2
check -d "the 1000 routes still name group 1, whose member is gwB2" \
	eval '(($(named) == 1000)) && [[ $(nhfield via) == "$GW2" ]]'
check -d "a 'nexthop add id 1' event for the replace, with the new member and the 1000 routes" \
	wait_until 20 grep -q "nexthop add id 1 type gateway via $GW2 dev $DEV routes 1000" "$tmp/events"

# ---- refusals, with their positive controls ----
expect_fail_msg -d "deleting a group routes name is refused" \
	"next-hop group in use: routes name it" \
	xc cnA1 nexthop del id 1 dev "$DEV"
check -d "control: an unused group (2) is added and deleted" \
	eval 'xc cnA1 nexthop add id 2 via "$GW1" dev "$DEV" &&
		xc cnA1 nexthop del id 2 dev "$DEV"'
check -d "a 'nexthop del id 2' event" \
	wait_until 10 grep -q "nexthop del id 2" "$tmp/events"
expect_fail_msg -d "a route naming an unknown group is refused" \
	"no such next-hop group" \
	xc cnA1 route add 10.201.0.1 nhid 99 dev "$DEV"
expect_fail_msg -d "a group's type does not change while routes name it" \
	"cannot change the type of a next-hop group routes name" \
	xc cnA1 nexthop replace id 1 type node via "$GW2" dev "$DEV"
check -d "control: a route naming group 1 with its type is added" \
	xc cnA1 route add 10.201.0.1 type gateway nhid 1 dev "$DEV"

# ---- liveness of the members ----
check -d "group 1 with both gateways: both probed and up" \
	eval 'xc cnA1 nexthop replace id 1 via "$GW1" via "$GW2" dev "$DEV" &&
		wait_until 30 state_is gwB up && wait_until 30 state_is gwB2 up'
# The flow vmA1 -> vmB1 hashes to one member; silence that one.
if through gwB >/dev/null; then C=gwB O=gwB2; else C=gwB2 O=gwB; fi
diag "the flow goes through $C"
nsx "$C" ip link set eth0 down
check -d "$C silent: cnA1 marks it down" wait_until 20 state_is "$C" down
check -d "the flow goes on through $O" through "$O"
nsx "$C" ip link set eth0 up
check -d "$C answers again: up" wait_until 20 state_is "$C" up

# ---- teardown ----
check -d "route flush, then nexthop flush leaves no group" \
	eval 'xc cnA1 route flush dev "$DEV" && xc cnA1 nexthop flush dev "$DEV" &&
		[[ -z $(xc cnA1 nexthop show dev "$DEV") ]]'
# The debug kernel checks a device deleted with groups and routes for
# leaks.
check -d "deleting a device that holds groups and routes naming them" \
	eval 'xc gwA nexthop add id 5 via "$GW1" dev "$DEV" &&
		xc gwA route add 10.202.0.1 nhid 5 dev "$DEV" &&
		xc gwA link del "$DEV"'
