#!/bin/bash
# xcloud devices and network namespaces: the same VNI in several
# namespaces, independent; devices stay in their namespace (moving is
# refused) and go away with it; unloading the module with devices in
# several namespaces, then loading it again.
# xcloud-run: alone (it unloads the module)
set -euo pipefail
# shellcheck source=tests/selftests/lib.sh
source "$(dirname "$0")/lib.sh"

XC=${XCLOUDCTL:-$PWD/userspace/xcloudctl/xcloudctl}
[[ -x $XC ]] || skip_all "xcloudctl not built ($XC)"
require_cmd ip ss

NSS=(xn-a xn-b xn-c)
netns_add "${NSS[@]}"
# DEV's `xcloudctl link show` line in NS contains TEXT.
has() { local ns=$1 dev=$2; shift 2; "$XC" -n "$ns" link show "$dev" | grep -qF -- "$*"; }
listening() { [[ -n $(ip netns exec "$1" ss -Hlun "sport = :$2") ]]; }
add_up() { # NS DEV VNI
	"$XC" -n "$1" link add "$2" vni "$3" && ip -n "$1" link set "$2" up
}
each_ns() { local ns; for ns in "${NSS[@]}"; do "$@" "$ns"; done; }
up_with_socket() { # NS
	ip -n "$1" link show xc0 | grep -q ',UP' && listening "$1" 6081
}

# --- the same VNI in every namespace ----------------------------------------
for ns in "${NSS[@]}"; do
	check -d "$ns: xc0 vni 100 created and up" add_up "$ns" xc0 100
done
check -d "each namespace has its own socket on 6081" each_ns up_with_socket
check -d "each namespace dumps only its own device" \
	test "$("$XC" -n xn-a link show | wc -l)" -eq 1
check -d "a second VNI next to it" add_up xn-a xc1 200
check -d "mode change in one namespace" "$XC" -n xn-a link set xc0 mode gateway
check -d "... is not seen in another" has xn-b xc0 "vni 100 port 6081 mode edge"
eval_check() { eval "$1"; }
check -d "VNI change in xn-b (down, change, up)" eval_check \
	'ip -n xn-b link set xc0 down && "$XC" -n xn-b link set xc0 vni 300 && ip -n xn-b link set xc0 up'
check -d "xn-a and xn-c keep VNI 100" \
	eval_check 'has xn-a xc0 "vni 100" && has xn-c xc0 "vni 100"'

# --- devices stay in their namespace --------------------------------------
check_fail -d "moving a device to another namespace is refused" \
	ip -n xn-a link set xc1 netns xn-b
check -d "it is still in xn-a" ip -n xn-a link show xc1
check_fail -d "and not in xn-b" ip -n xn-b link show xc1

# --- a namespace deleted with its devices ---------------------------------
check -d "xn-c gets more devices, up" \
	eval_check 'add_up xn-c xc1 101 && add_up xn-c xc2 102'
check -d "delete xn-c while its devices are up" ip netns del xn-c
check_fail -d "xn-c is gone" ip -n xn-c link show
netns_add xn-d
check -d "a new namespace reuses the names and VNIs" \
	eval_check 'add_up xn-d xc0 100 && add_up xn-d xc1 101 && up_with_socket xn-d'
check -d "the other namespaces are untouched" \
	eval_check 'up_with_socket xn-a && has xn-b xc0 "vni 300"'
check -d "delete a namespace with a device down" \
	eval_check '"$XC" -n xn-d link add xc9 vni 9 && ip netns del xn-d'

# --- unload with devices in several namespaces, then reload ----------------
if [[ -d /sys/module/xcloud_kunit ]]; then
	skip "rmmod with devices present" "xcloud_kunit holds the module"
elif [[ ! -f ${XCLOUD_MODDIR:-}/xcloud.ko ]]; then
	skip "rmmod with devices present" "no XCLOUD_MODDIR/xcloud.ko to load again"
else
	check -d "rmmod xcloud with devices in xn-a and xn-b" rmmod xcloud
	check_fail -d "their devices are gone (xn-a)" ip -n xn-a link show xc0
	check_fail -d "their devices are gone (xn-b)" ip -n xn-b link show xc0
	check_fail -d "the sockets are closed" listening xn-a 6081
	check -d "insmod xcloud again" insmod "$XCLOUD_MODDIR/xcloud.ko"
	check -d "devices again in both namespaces" \
		eval_check 'add_up xn-a xc0 100 && add_up xn-b xc0 100'
	check -d "and they have their sockets" \
		eval_check 'up_with_socket xn-a && up_with_socket xn-b'
fi
