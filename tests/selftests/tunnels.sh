#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tunnel peers: on-demand peers appear at the first packet and are reaped
# after the idle timeout; eager peers exist as soon as a route uses them
# and stay while it does; pre-created (static) peers stay until deleted.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd python3 ping
xcloud_available || skip_all "xcloud module or xcloudctl not available"

# Long enough that a check under a slow emulator finishes before the
# tunnel it looks at goes idle.
IDLE=5
DEV=xc$TOPO_VNI

# has_tunnel HOST REMOTEHOST: HOST's device has a peer for REMOTEHOST.
has_tunnel() {
	local want
	want=$(ul_addr "$2")
	xc_tunnels "$1" | grep -qxF "$want"
}
no_tunnel() { ! has_tunnel "$@"; }
no_tunnels() { [[ -z $(xc_tunnels "$1") ]]; }
tunnel_kind() {
	xc_tunnel_stat "$1" "$(ul_addr "$2")" kind
}

# The kind of HOST's tunnel to REMOTEHOST is KIND.
kind_is() { [[ $(tunnel_kind "$1" "$2") == "$3" ]]; }

# remove the xcloud devices (and the routes into them) from every host
drop_devices() {
	local h
	for h in "${TOPO_HOSTS[@]}"; do
		nsx "$h" ip link del "$DEV"
	done
}

topo_build

# fresh traffic vmA1 -> vmB1, then CMD (so CMD looks at a tunnel that
# cannot have gone idle yet)
ping_then() { vm_ping vmA1 vmB1 4 1 && "$@"; }
# each looked at right after fresh traffic: on a slow guest the two
# lookups can be more than the idle timeout apart
reply_tunnels() { ping_then has_tunnel cnB1 gwA && ping_then has_tunnel gwA cnA1; }
v6_brings_back() { vm_ping vmA1 vmB1 6 1 && has_tunnel cnA1 gwB; }
gwA_eager() { has_tunnel gwA cnA1 && has_tunnel gwA cnA2; }

# ---- on demand ----
topo_xcloud ondemand $IDLE
reaped0=$(xc_stat cnA1 tunnels_reaped)
check -d "on demand: no tunnel on cnA1 before any traffic" no_tunnels cnA1
check -d "on demand: no tunnel on gwB before any traffic" no_tunnels gwB
check -d "on demand: first packet goes through" vm_ping vmA1 vmB1 4 1
check -d "on demand: cnA1 has a tunnel to gwB after the first packet" \
	has_tunnel cnA1 gwB
check -d "on demand: gwB has a tunnel to cnB1 after the first packet" \
	ping_then has_tunnel gwB cnB1
check -d "on demand: cnB1 and gwA have them for the reply (cnB1 -> gwA -> cnA1)" \
	reply_tunnels

check -d "on demand: the tunnel is of kind ondemand" \
	ping_then kind_is cnA1 gwB ondemand
check -d "on demand: cnA1 has no tunnel to cnA2 (never used)" no_tunnel cnA1 cnA2
check -d "on demand: cnA1's tunnel to gwB is reaped within idle-timeout ($IDLE s) + 10 s" \
	wait_until $((IDLE + 10)) no_tunnel cnA1 gwB
check -d "on demand: gwB's tunnel to cnB1 is reaped too" \
	wait_until $((IDLE + 10)) no_tunnel gwB cnB1
reaped1=$(xc_stat cnA1 tunnels_reaped)
check -d "on demand: tunnels_reaped counted it ($reaped0 -> $reaped1)" \
	test "$reaped1" -gt "$reaped0"
check -d "on demand: IPv6 traffic brings the tunnel back" \
	v6_brings_back
# Busy tunnels stay: ping for longer than the idle timeout. A static
# tunnel made meanwhile (nothing uses it) sits idle just as long.
nsx vmA1 ping -q -c $((IDLE * 4 + 4)) -i 0.5 "$(vm_addr vmB1 4)" >/dev/null 2>&1 &
pinger=$!
busy_until=$((SECONDS + IDLE * 2 + 2))

# ---- pre-created (static) on an on-demand device ----
check -d "tunnel add: pre-create a tunnel cnA1 -> cnA2" \
	xc cnA1 tunnel add "$(ul_addr cnA2)" dev "$DEV"
static_until=$((SECONDS + IDLE + 3))
check -d "tunnel add: it exists before any traffic" has_tunnel cnA1 cnA2
check -d "tunnel add: it is of kind static" kind_is cnA1 cnA2 static
((SECONDS >= busy_until)) || sleep $((busy_until - SECONDS))
check -d "on demand: a tunnel in use is not reaped" has_tunnel cnA1 gwB
wait $pinger || true
((SECONDS >= static_until)) || sleep $((static_until - SECONDS))
check -d "tunnel add: a static tunnel is not reaped when idle" has_tunnel cnA1 cnA2
check -d "tunnel add: same-cloud traffic uses it" vm_ping vmA1 vmA2 4 2
check -d "tunnel add: it counted the packets" \
	test "$(xc_tunnel_stat cnA1 "$(ul_addr cnA2)" tx_packets)" -ge 2
check -d "tunnel del: delete it" xc cnA1 tunnel del "$(ul_addr cnA2)" dev "$DEV"
check -d "tunnel del: it is gone" no_tunnel cnA1 cnA2
check_fail -d "tunnel del: deleting it again fails" \
	xc cnA1 tunnel del "$(ul_addr cnA2)" dev "$DEV"
drop_devices

# ---- eager ----
topo_xcloud eager $IDLE
check -d "eager: cnA1 has a tunnel to gwB before any traffic" has_tunnel cnA1 gwB
check -d "eager: cnA1 has a tunnel to cnA2 before any traffic" has_tunnel cnA1 cnA2
check -d "eager: gwB has a tunnel to cnB1 before any traffic" has_tunnel gwB cnB1
check -d "eager: gwA has tunnels to cnA1 and cnA2" \
	gwA_eager
check -d "eager: the tunnel is of kind eager" kind_is cnA1 gwB eager
check -d "eager: traffic flows" vm_ping vmA1 vmB1 4 2
sleep $((IDLE + 3))
check -d "eager: an idle eager tunnel is kept while a route uses it" \
	has_tunnel cnA1 gwB
del_vmB1_routes() {
	xc cnA1 route del "$(vm_addr vmB1 4)" dev "$DEV" &&
		xc cnA1 route del "$(vm_addr vmB1 6)" dev "$DEV"
}
add_vmB1_route() {
	xc cnA1 route add "$(vm_addr vmB1 4)" type gateway via "$(ul_addr gwB)" \
		dev "$DEV" && has_tunnel cnA1 gwB
}
check -d "eager: deleting the routes to vmB1 (v4, v6)" del_vmB1_routes
check -d "eager: the tunnel no route uses any more goes away" \
	wait_until $((IDLE + 10)) no_tunnel cnA1 gwB
check -d "eager: cnA1's tunnel to cnA2 (still referenced) stays" has_tunnel cnA1 cnA2
check -d "eager: a new route brings its tunnel back at once" add_vmB1_route
