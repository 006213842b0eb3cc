#!/bin/bash
# The xcloud link type: create, configure, dump and delete devices; the
# defaults; every bad attribute refused with its message; the shared UDP
# socket following the devices up and down; the source check and the
# gateways (also as rtnetlink reports them); a UDP port another socket of
# the namespace holds refused at creation and change, with its message.
set -euo pipefail
# shellcheck source=tests/selftests/lib.sh
source "$(dirname "$0")/lib.sh"

XC=${XCLOUDCTL:-$PWD/userspace/xcloudctl/xcloudctl}
[[ -x $XC ]] || skip_all "xcloudctl not built ($XC)"
require_cmd ip ss python3 jq

NS=xl-link
netns_add "$NS"
xc() { "$XC" -n "$NS" "$@"; }
# DEV's `xcloudctl link show` / `ip link show` line contains TEXT.
has() { local dev=$1; shift; xc link show "$dev" | grep -qF -- "$*"; }
ip_has() { local dev=$1; shift; ip -n "$NS" -d link show "$dev" | grep -qF -- "$*"; }
# A JSON field of `xcloudctl -j link show DEV`.
jfield() { xc -j link show "$1" | json_field "$2"; }
udp_listening() { # PORT
	[[ -n $(in_ns "$NS" ss -Hlun "sport = :$1") ]]
}

# --- creation and defaults -------------------------------------------------
expect_fail_msg -d "ip link add without attributes is refused: VNI required" \
	"VNI is required" in_ns "$NS" ip link add xc0 type xcloud
check -d "link add xc0 vni 100" xc link add xc0 vni 100
check -d "defaults: port 6081, mode edge, tunnels ondemand, idle 300" \
	has xc0 "vni 100 port 6081 mode edge tunnels ondemand idle-timeout 300"
check -d "route and tunnel counts start at 0" \
	has xc0 "route-count 0 tunnel-count 0"
check -d "JSON dump has the device" test "$(jfield xc0 vni)" = 100
check -d "ip -d link shows kind xcloud" \
	ip_has xc0 "xcloud"
check -d "L3 device: link/none, POINTOPOINT,NOARP" \
	eval 'ip_has xc0 "POINTOPOINT,NOARP" && ip_has xc0 "link/none"'
check -d "default MTU leaves room for an IPv6 underlay (1440)" \
	ip_has xc0 "mtu 1440 "
check -d "IPv4 local: MTU 1460" xc link add xc4 vni 104 local 192.0.2.1
check -d "local shown, MTU 1460" \
	eval 'ip_has xc4 "mtu 1460 " && has xc4 "local 192.0.2.1"'
check -d "IPv6 local accepted and shown" \
	eval 'xc link add xc6 vni 106 local 2001:db8::6 && has xc6 "local 2001:db8::6"'
check -d "all attributes at creation" \
	xc link add xc7 vni 16777215 port 4789 mode gateway tunnels eager idle-timeout 86400
check -d "all attributes shown" \
	has xc7 "vni 16777215 port 4789 mode gateway tunnels eager idle-timeout 86400"
check -d "MTU can be raised to 9000" ip -n "$NS" link set xc0 mtu 9000
check_fail -d "MTU above the maximum is refused" ip -n "$NS" link set xc0 mtu 65535
check_fail -d "a link-layer address is refused" \
	ip -n "$NS" link set xc0 address 02:00:00:00:00:01

# --- refused attributes: the kernel's messages -----------------------------
expect_fail_msg -d "duplicate (VNI, port) refused" \
	"a device with this VNI and port exists in the namespace" xc link add xc1 vni 100
check -d "same VNI on another port is fine" xc link add xc1 vni 100 port 4790
expect_fail_msg -d "local 224.0.0.1 refused" "local IPv4 address must be unicast" \
	xc link add xc2 vni 2 local 224.0.0.1
expect_fail_msg -d "local 0.0.0.0 refused" "local IPv4 address must be unicast" \
	xc link add xc2 vni 2 local 0.0.0.0
expect_fail_msg -d "local 255.255.255.255 refused" "local IPv4 address must be unicast" \
	xc link add xc2 vni 2 local 255.255.255.255
expect_fail_msg -d "local ff02::1 refused" "local IPv6 address must not be multicast" \
	xc link add xc2 vni 2 local ff02::1
expect_fail_msg -d "local :: refused" "local IPv6 address must not be ::" \
	xc link add xc2 vni 2 local ::
expect_fail_msg -d "local ::ffff:192.0.2.1 refused" "must not be v4-mapped" \
	xc link add xc2 vni 2 local ::ffff:192.0.2.1
check_fail -d "no device left behind by refusals" ip -n "$NS" link show xc2
# Out-of-range values never reach the kernel through xcloudctl; the
# kernel's own messages for them are checked by KUnit (xcloud_link).
expect_fail_msg -d "xcloudctl: vni 16777216 refused" "bad vni" xc link add xc2 vni 16777216
expect_fail_msg -d "xcloudctl: port 0 refused" "bad port" xc link add xc2 vni 2 port 0
expect_fail_msg -d "xcloudctl: unknown mode refused" "mode" xc link add xc2 vni 2 mode router
expect_fail_msg -d "xcloudctl: idle-timeout 0 refused" "bad idle-timeout" \
	xc link add xc2 vni 2 idle-timeout 0

# --- changes ---------------------------------------------------------------
check -d "mode, tunnels, idle timeout change" \
	xc link set xc0 mode gateway tunnels eager idle-timeout 60
check -d "changes shown" \
	has xc0 "mode gateway tunnels eager idle-timeout 60"
check -d "device comes up" ip -n "$NS" link set xc0 up
check -d "its UDP socket listens on 6081" udp_listening 6081
expect_fail_msg -d "VNI change refused while up" \
	"VNI, port and local address change only while the device is down" \
	xc link set xc0 vni 101
expect_fail_msg -d "port change refused while up" "only while the device is down" \
	xc link set xc0 port 4000
check -d "mode changes while up" xc link set xc0 mode edge
check -d "down, then VNI and port change" \
	eval 'ip -n "$NS" link set xc0 down && xc link set xc0 vni 101 port 4000'
check_fail -d "socket on 6081 released at the last close" udp_listening 6081
expect_fail_msg -d "change into a taken (VNI, port) refused" \
	"a device with this VNI and port exists" xc link set xc0 vni 100 port 4790
check -d "VNI/port shown after change" \
	has xc0 "vni 101 port 4000"

# --- sockets shared per (port, family) -------------------------------------
check -d "two devices on one port come up" \
	eval 'ip -n "$NS" link set xc4 up && ip -n "$NS" link set xc6 up'
check -d "one socket per family on 6081" \
	test "$(in_ns "$NS" ss -Hlun 'sport = :6081' | wc -l)" -eq 2
check -d "one device down: the socket stays" \
	ip -n "$NS" link set xc6 down
check -d "the IPv4 socket is still there" udp_listening 6081
check -d "last device down: no socket" ip -n "$NS" link set xc4 down
check_fail -d "6081 is free again" udp_listening 6081

# --- dumps and counters ----------------------------------------------------
check -d "dump lists every device" \
	test "$(xc link show | wc -l)" -eq 5
check -d "STATS_GET answers for a device" xc stats dev xc0
check -d "device comes up in a netns with IPv6 disabled" \
	eval 'in_ns "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 && ip -n "$NS" link set xc1 up && ip -n "$NS" link set xc1 down'

# --- deletion --------------------------------------------------------------
check -d "link del" xc link del xc0
check_fail -d "deleted device gone" ip -n "$NS" link show xc0
check -d "ip link del works too (device up)" \
	eval 'ip -n "$NS" link set xc7 up && ip -n "$NS" link del xc7'
check -d "delete the rest" \
	eval 'xc link del xc1 && xc link del xc4 && xc link del xc6'
check -d "dump is empty" test -z "$(xc link show)"
check -d "a deleted (VNI, port) can be used again" xc link add xc0 vni 100

# --- source check and gateways ---------------------------------------------
LINKINFO=$(dirname "$0")/lib/linkinfo.py
# DEV's IFLA_INFO_DATA, as rtnetlink reports it, contains TEXT.
linkinfo_has() { local dev=$1; shift; in_ns "$NS" python3 "$LINKINFO" "$dev" | grep -qF -- "$*"; }
no_gateways() { ! xc link show "$1" | grep -q " gateways "; }
check -d "source check on by default, no gateways" \
	eval 'has xc0 "source-check on" && no_gateways xc0'
# json_gws_are DEV SOURCE_CHECK GATEWAYS: the JSON fields, as json_field prints them
json_gws_are() { [[ $(jfield "$1" source_check) == "$2" && $(jfield "$1" gateways) == "$3" ]]; }
check -d "JSON: source_check true, gateways []" json_gws_are xc0 true ""
check -d "rtnetlink (IFLA_INFO_DATA) carries them too" \
	linkinfo_has xc0 "source_check=1 gateways=none"
check -d "link set gateways (IPv4 and IPv6) and source-check off" \
	xc link set xc0 gateways 192.0.2.1,2001:db8::1 source-check off
check -d "shown: source-check off gateways 192.0.2.1,2001:db8::1" \
	has xc0 "source-check off gateways 192.0.2.1,2001:db8::1"
check -d "JSON: source_check false, both gateways" \
	json_gws_are xc0 false "192.0.2.1 2001:db8::1"
check -d "rtnetlink: source_check=0 gateways=192.0.2.1,2001:db8::1" \
	linkinfo_has xc0 "source_check=0 gateways=192.0.2.1,2001:db8::1"
check -d "a change replaces the whole set, the rest stays" \
	eval 'xc link set xc0 gateways 198.51.100.7 && has xc0 "vni 100 " &&
		has xc0 "source-check off gateways 198.51.100.7" && ! has xc0 192.0.2.1'
check -d "a change of something else keeps the gateways" \
	eval 'xc link set xc0 idle-timeout 77 && has xc0 "gateways 198.51.100.7"'
check -d "source check and gateways change while up" \
	eval 'ip -n "$NS" link set xc0 up && xc link set xc0 source-check on gateways 198.51.100.8 &&
		has xc0 "source-check on gateways 198.51.100.8" && ip -n "$NS" link set xc0 down'
check -d "gateways none clears them" \
	eval 'xc link set xc0 gateways none && no_gateways xc0 && linkinfo_has xc0 "gateways=none"'
check -d "link add with gateways and source-check off" \
	eval 'xc link add xg vni 900 gateways 10.255.0.1,fd00:ff::1 source-check off &&
		has xg "source-check off gateways 10.255.0.1,fd00:ff::1"'
sixteen=$(printf '198.51.100.%d,' $(seq 1 16))
check -d "16 gateways accepted" \
	eval 'xc link set xg gateways "${sixteen%,}" && has xg "198.51.100.1,198.51.100.2," &&
		[[ $(xc -j link show xg | jq ".[0].gateways | length") == 16 ]]'
expect_fail_msg -d "xcloudctl: 17 gateways refused" "too many gateways (at most 16)" \
	xc link set xg gateways "${sixteen}198.51.100.17"
expect_fail_msg -d "duplicate gateway refused by the kernel" "duplicate gateway address" \
	xc link set xg gateways 10.0.0.1,10.0.0.2,10.0.0.1
expect_fail_msg -d "multicast gateway refused" "gateway address must be unicast" \
	xc link set xg gateways 224.0.0.5
expect_fail_msg -d "unspecified gateway refused" "gateway address must be unicast" \
	xc link set xg gateways ::
expect_fail_msg -d "v4-mapped gateway refused" "must not be v4-mapped" \
	xc link set xg gateways ::ffff:10.0.0.1
expect_fail_msg -d "xcloudctl: bad gateway address" 'bad gateway address "10.0.0"' \
	xc link set xg gateways 10.0.0.1,10.0.0
expect_fail_msg -d "xcloudctl: bad source-check value" 'unknown source-check value "maybe"' \
	xc link set xg source-check maybe
check -d "refused changes changed nothing" has xg "source-check off gateways 198.51.100.1,"
check -d "link del of a device with gateways" xc link del xg

# --- UDP port taken by another socket -------------------------------------
MSG_INUSE="UDP port is in use by another socket in this namespace (OVS/OVN's GENEVE uses 6081): choose another port"
PORTS=$(mktemp)
on_exit rm -f "$PORTS"
# hold_port 4|6 PORT: a plain UDP socket (IPv6: v6only) bound to PORT in
# $NS until the test ends.
hold_port() {
	in_ns "$NS" python3 -c '
import socket, sys, time
six = sys.argv[1] == "6"
s = socket.socket(socket.AF_INET6 if six else socket.AF_INET, socket.SOCK_DGRAM)
if six:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("::" if six else "0.0.0.0", int(sys.argv[2])))
with open(sys.argv[3], "a") as f:
    f.write("%s/%s\n" % (sys.argv[1], sys.argv[2]))
time.sleep(3600)' "$1" "$2" "$PORTS" </dev/null >/dev/null 2>&1 &
	wait_until 60 grep -qx "$1/$2" "$PORTS"
}
check -d "another program binds UDP 6081 (IPv4)" hold_port 4 6081
expect_fail_msg -d "link add on 6081 refused: the port is in use" "$MSG_INUSE" \
	xc link add xp vni 500
check -d "... and nothing was created" eval '! ip -n "$NS" link show xp 2>/dev/null'
check -d "the same device on another port is created and comes up" \
	eval 'xc link add xp vni 500 port 6090 && ip -n "$NS" link set xp up && udp_listening 6090'
expect_fail_msg -d "link set to the taken port refused" "$MSG_INUSE" \
	eval 'ip -n "$NS" link set xp down && xc link set xp port 6081'
check -d "... and the port stays" has xp "port 6090"
check -d "an IPv6-only device may take 6081 (the holder is IPv4)" \
	eval 'xc link add xp6 vni 501 local 2001:db8::5 && ip -n "$NS" link set xp6 up'
check -d "another program binds UDP 6092 (IPv6, v6only)" hold_port 6 6092
expect_fail_msg -d "a device of both families on 6092 refused" "$MSG_INUSE" \
	xc link add xq vni 502 port 6092
check -d "an IPv4-only device on 6092 is fine" \
	eval 'xc link add xq vni 502 port 6092 local 192.0.2.9 && ip -n "$NS" link set xq up'
check -d "a port xcloud's own socket holds is not 'in use'" \
	eval 'xc link add xr vni 503 port 6092 local 192.0.2.10 && ip -n "$NS" link set xr up'
