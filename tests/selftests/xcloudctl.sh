#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xcloudctl, verb by verb, in a network namespace: links, routes (one by
# one, -batch and route sync), tunnels, allow-list, counters, monitor; and refusals
# (bad arguments refused before anything is sent with exit 1, kernel
# errors with the kernel's message and exit 2, no CAP_NET_ADMIN: changes,
# the traffic reads and the events group refused, with controls as root).
DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/lib.sh
source "$DIR/lib.sh"

XC=${XCLOUDCTL:-$DIR/../../userspace/xcloudctl/xcloudctl}
[[ -x $XC ]] || skip_all "xcloudctl not built ($XC)"
NS=xcctl$$
TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
netns_add "$NS"

xc() { "$XC" -n "$NS" "$@"; }
# Exit status of a command, as text, for checks on ip-style exit codes.
status_is() { local want=$1; shift; local rc=0; "$@" >/dev/null 2>&1 || rc=$?; [[ $rc == "$want" ]]; }

# ---- link ----
check -d "link add with every option" \
	xc link add xc0 vni 100 port 6081 local 192.0.2.1 mode edge tunnels ondemand idle-timeout 60
check -d "link show prints the attributes" \
	bash -c "$(declare -f xc); XC=$XC NS=$NS; xc link show xc0 | grep -q 'xc0: vni 100 port 6081 local 192.0.2.1 mode edge tunnels ondemand idle-timeout 60'"
check -d "link set changes vni and mode (-j link show)" bash -c "
	$XC -n $NS link set xc0 vni 101 mode gateway &&
	[[ \$($XC -n $NS -j link show | jq -r '.[0] | \"\\(.vni) \\(.mode)\"') == '101 gateway' ]]"
check -d "link add eager IPv6 device" xc link add xc6 vni 200 local 2001:db8::1 tunnels eager
check -d "link show: source check on by default" bash -c "$XC -n $NS link show xc6 | grep -q 'idle-timeout 300 source-check on route-count'"
check -d "link set gateways, source-check off (-j link show)" bash -c "
	$XC -n $NS link set xc6 gateways 2001:db8::a,192.0.2.200 source-check off &&
	[[ \$($XC -n $NS -j link show xc6 | jq -c '.[0] | [.source_check, .gateways]') == '[false,[\"2001:db8::a\",\"192.0.2.200\"]]' ]]"
check -d "link show prints them" bash -c "$XC -n $NS link show xc6 | grep -q 'source-check off gateways 2001:db8::a,192.0.2.200 route-count'"
check -d "gateways none clears them" bash -c "
	$XC -n $NS link set xc6 gateways none && ! $XC -n $NS link show xc6 | grep -q gateways"
expect_fail_msg -d "link set: bad gateway refused before sending" 'bad gateway address "x"' xc link set xc6 gateways x
expect_fail_msg -d "link add: vni out of range refused before sending" "bad vni" xc link add xc9 vni 16777216
check -d "link add: bad vni exits 1" status_is 1 xc link add xc9 vni -1
expect_fail_msg -d "link add: vni required" "vni is required" xc link add xc9
expect_fail_msg -d "link add: duplicate name is a kernel error" "File exists" xc link add xc0 vni 5
check -d "link add: kernel error exits 2" status_is 2 xc link add xc0 vni 5
expect_fail_msg -d "link del: unknown device" 'Cannot find device "nope"' xc link del nope
expect_fail_msg -d "link show: non-xcloud device refused by the kernel" "Error" xc link show lo
check -d "link del" xc link del xc6
check -d "link show lists only what is left" bash -c "[[ \$($XC -n $NS -j link show | jq length) == 1 ]]"

# ---- route ----
check -d "route add host route" xc route add 10.1.0.1 type node via 192.0.2.10 dev xc0
check -d "route add IPv6 prefix, two next hops" \
	xc route add 2001:db8:1::/64 type gateway via 192.0.2.11 via 192.0.2.12 dev xc0
check -d "route add /16 (type defaults to node)" xc route add 10.1.0.0/16 via 192.0.2.13 dev xc0
check -d "route show lists the three routes" bash -c "
	out=\$($XC -n $NS route show dev xc0 | sort)
	[[ \$out == *'10.1.0.1 type node via 192.0.2.10 dev xc0'* &&
	   \$out == *'10.1.0.0/16 type node via 192.0.2.13 dev xc0'* &&
	   \$out == *'2001:db8:1::/64 type gateway via 192.0.2.11 via 192.0.2.12 dev xc0'* ]]"
expect_fail_msg -d "route add existing route: kernel error" "File exists" \
	xc route add 10.1.0.1 via 192.0.2.10 dev xc0
check -d "route replace" xc route replace 10.1.0.1 type eip via 192.0.2.20 dev xc0
check -d "route get: exact match" bash -c "[[ \$($XC -n $NS route get 10.1.0.1 dev xc0) == '10.1.0.1 type eip via 192.0.2.20 dev xc0' ]]"
check -d "route get: longest prefix match (-j)" bash -c "[[ \$($XC -n $NS -j route get 10.1.7.7 dev xc0 | jq -r .dst) == 10.1.0.0/16 ]]"
check -d "route del" xc route del 10.1.0.1 dev xc0
check -d "route get after del falls back to the /16" bash -c "$XC -n $NS route get 10.1.0.1 dev xc0 | grep -q '^10.1.0.0/16 '"
expect_fail_msg -d "route del of a missing route: kernel error" "Error" xc route del 10.9.9.9 dev xc0
check -d "route del of a missing route exits 2" status_is 2 xc route del 10.9.9.9 dev xc0
check -d "abbreviations: r a / r sh / r d" bash -c "
	$XC -n $NS r a 10.2.0.1 v 192.0.2.30 d xc0 && $XC -n $NS r sh d xc0 | grep -q '^10.2.0.1 ' &&
	$XC -n $NS r d 10.2.0.1 d xc0"
expect_fail_msg -d "ambiguous verb refused" 'ambiguous' xc link s
expect_fail_msg -d "bad prefix refused" 'bad prefix "10.0.0.1/8"' xc route add 10.0.0.1/8 via 192.0.2.1 dev xc0
check -d "bad prefix exits 1" status_is 1 xc route add 10.0.0.300 via 192.0.2.1 dev xc0
expect_fail_msg -d "bad next hop refused" 'bad address' xc route add 10.0.0.1 via 192.0.2 dev xc0
expect_fail_msg -d "unknown type refused" 'unknown route type' xc route add 10.0.0.1 type x via 192.0.2.1 dev xc0
expect_fail_msg -d "missing dev refused" 'dev DEV' xc route add 10.0.0.1 via 192.0.2.1
expect_fail_msg -d "9 next hops refused" 'at most 8 next hops' xc route add 10.0.0.0/8 \
	via 192.0.2.1 via 192.0.2.2 via 192.0.2.3 via 192.0.2.4 via 192.0.2.5 \
	via 192.0.2.6 via 192.0.2.7 via 192.0.2.8 via 192.0.2.9 dev xc0
check -d "8 next hops accepted" xc route add 10.0.0.0/8 \
	via 192.0.2.1 via 192.0.2.2 via 192.0.2.3 via 192.0.2.4 via 192.0.2.5 \
	via 192.0.2.6 via 192.0.2.7 via 192.0.2.8 dev xc0
expect_fail_msg -d "unknown device refused" 'Cannot find device "xc7"' xc route add 10.0.0.1 via 192.0.2.1 dev xc7
expect_fail_msg -d "no CAP_NET_ADMIN: Operation not permitted" "Operation not permitted" \
	ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$XC" route add 10.3.0.1 via 192.0.2.1 dev xc0
check -d "no CAP_NET_ADMIN: route show still works" \
	ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$XC" route show dev xc0
# The reads that show traffic and the events need CAP_NET_ADMIN too.
nobody() {
	timeout 20 ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all "$XC" "$@"
}
check -d "no CAP_NET_ADMIN: link show still works" nobody link show xc0
expect_fail_msg -d "no CAP_NET_ADMIN: tunnel show (per-peer traffic) refused" \
	"Operation not permitted" nobody tunnel show dev xc0
expect_fail_msg -d "no CAP_NET_ADMIN: allow show refused" \
	"Operation not permitted" nobody allow show dev xc0
expect_fail_msg -d "no CAP_NET_ADMIN: stats refused" \
	"Operation not permitted" nobody stats dev xc0
expect_fail_msg -d "no CAP_NET_ADMIN: monitor cannot subscribe to the events (EPERM)" \
	"Operation not permitted: listening to xcloud events needs CAP_NET_ADMIN" nobody monitor
check -d "as root (control): tunnel show, allow show, stats answer" \
	eval 'xc tunnel show dev xc0 && xc allow show dev xc0 && xc stats dev xc0 >/dev/null'
root_monitor() {
	local rc=0
	timeout 2 "$XC" -n "$NS" monitor >"$TMP/mon0" 2>&1 || rc=$?
	cat "$TMP/mon0"
	((rc == 124)) && [[ ! -s $TMP/mon0 ]]
}
check -d "as root (control): monitor subscribes and waits for events" root_monitor
check -d "route flush" bash -c "$XC -n $NS route flush dev xc0 && [[ -z \$($XC -n $NS route show dev xc0) ]]"

# ---- batch ----
N=20000
python3 -c "
for i in range($N):
    print('route add 10.%d.%d.%d via 192.0.2.%d dev xc0' % (i >> 16 & 255, i >> 8 & 255, i & 255, i % 200 + 1))
" >"$TMP/routes"
check -d "-batch: $N routes" xc -batch "$TMP/routes"
check -d "-batch: route show lists each route exactly once" bash -c "
	$XC -n $NS route show dev xc0 >$TMP/shown && [[ \$(wc -l <$TMP/shown) == $N && -z \$(sort $TMP/shown | uniq -d) ]]"
check -d "link show counts them" bash -c "$XC -n $NS -j link show xc0 | grep -q '\"route_count\":$N'"
# A change during a dump: every stable route still appears exactly once.
( for i in $(seq 1 300); do "$XC" -n "$NS" route add 10.250.0.$((i % 250)) via 192.0.2.1 dev xc0 2>/dev/null
	"$XC" -n "$NS" route del 10.250.0.$((i % 250)) dev xc0 2>/dev/null; done ) &
churn=$!
on_exit kill "$churn"
check -d "dump under concurrent changes: no duplicates, nothing missing" bash -c "
	for k in 1 2 3; do
		$XC -n $NS route show dev xc0 | grep -v '^10.250.0' >$TMP/shown2
		[[ \$(wc -l <$TMP/shown2) == $N && -z \$(sort $TMP/shown2 | uniq -d) ]] || exit 1
	done"
kill "$churn" 2>/dev/null; wait "$churn" 2>/dev/null || true
printf 'route del 10.0.0.5 dev xc0\nroute del 10.0.0.6 dev xc0\nroute del 10.0.0.6 dev xc0\nroute del 10.0.0.7 dev xc0\n' >"$TMP/bad"
expect_fail_msg -d "-batch: kernel error inside a coalesced message names its line" \
	"Command failed $TMP/bad:3" xc -batch "$TMP/bad"
check -d "-batch: routes before the failing line stay deleted, after it untouched" bash -c "
	! $XC -n $NS route get 10.0.0.6 dev xc0 2>/dev/null | grep -q '^10.0.0.6 ' &&
	$XC -n $NS route get 10.0.0.7 dev xc0 | grep -q '^10.0.0.7 '"
printf 'route add 10.5.0.1 via 192.0.2.1 dev xc0\nroute add 10.5.0.2/8 via 192.0.2.1 dev xc0\n' >"$TMP/bad2"
expect_fail_msg -d "-batch: bad argument names its line" "Command failed $TMP/bad2:2" xc -batch "$TMP/bad2"
check -d "-batch -force goes on after an error" bash -c "
	printf 'route del 10.0.0.6 dev xc0\nroute del 10.0.0.8 dev xc0\n' | $XC -n $NS -force -batch - ;
	! $XC -n $NS route get 10.0.0.8 dev xc0 2>/dev/null | grep -q '^10.0.0.8 '"
check -d "-batch - (stdin), mixed objects" bash -c "
	printf 'link show\nroute add 10.6.0.1 via 192.0.2.1 dev xc0\nroute get 10.6.0.1 dev xc0\n' | $XC -n $NS -batch - | grep -q '^10.6.0.1 type node'"
check -d "route flush of $N routes" bash -c "$XC -n $NS route flush dev xc0 && [[ -z \$($XC -n $NS route show dev xc0) ]]"

# ---- route sync ----
# Before: one route to replace, one right already, one to remove, a
# multi-path one, and an eip route, which is not sync's to touch.
check -d "route sync: the routes before" eval '
	xc route add 10.7.0.1 via 192.0.2.1 dev xc0 &&
	xc route add 10.7.0.2 via 192.0.2.2 dev xc0 &&
	xc route add 10.7.0.0/24 type gateway via 192.0.2.3 dev xc0 &&
	xc route add 10.7.2.0/24 type gateway via 192.0.2.6 via 192.0.2.7 dev xc0 &&
	xc route add 10.7.0.9 type eip via 192.0.2.9 dev xc0'
cat >"$TMP/sync" <<'ROUTES'
# what xc0 should hold
10.7.0.1 via 192.0.2.5
10.7.0.2 type node via 192.0.2.2 dev xc0
10.7.1.0/24 type gateway via 192.0.2.6

2001:db8:7::1 via 192.0.2.8   # IPv6
10.7.2.0/24 type gateway via 192.0.2.7 via 192.0.2.6
ROUTES
cat >"$TMP/sync.want" <<'ROUTES'
10.7.0.1 type node via 192.0.2.5 dev xc0
10.7.0.2 type node via 192.0.2.2 dev xc0
10.7.0.9 type eip via 192.0.2.9 dev xc0
10.7.1.0/24 type gateway via 192.0.2.6 dev xc0
2001:db8:7::1 type node via 192.0.2.8 dev xc0
ROUTES
# sync_says SUMMARY FILE: xc0 synced to FILE, with that summary.
sync_says() { [[ $(xc route sync dev xc0 "$2") == "$1" ]]; }
# routes_are FILE: xc0's routes are FILE's lines, but for the multi-path
# one, whose next hops are in the kernel's order.
routes_are() { diff -u <(sort "$1") <(xc route show dev xc0 | grep -v '^10.7.2.0/24 ' | sort); }
multipath_kept() {
	local r
	r=$(xc route show dev xc0 | grep '^10.7.2.0/24 type gateway ')
	[[ $r == *' via 192.0.2.6'* && $r == *' via 192.0.2.7'* ]]
}
check -d "route sync: adds, replaces, removes, keeps; the summary counts them" \
	sync_says "added 2, replaced 1, removed 1, unchanged 2" "$TMP/sync"
check -d "route sync: the device holds exactly the file's routes, and its eip route" \
	routes_are "$TMP/sync.want"
check -d "route sync: the multi-path route as it was (next hops are a set)" multipath_kept
check -d "route sync again: nothing to do" \
	sync_says "added 0, replaced 0, removed 0, unchanged 5" "$TMP/sync"
xc route show dev xc0 | grep -v ' type eip ' >"$TMP/sync.shown"
sync_json() { [[ $(xc -j route sync dev xc0 - <"$1" | jq -c "[.added, .replaced, .removed, .unchanged, .failed]") == "$2" ]]; }
check -d "route sync -: route show's output (less eip routes) reads back; -j counts" \
	sync_json "$TMP/sync.shown" "[0,0,0,5,0]"
xc route show dev xc0 | sort >"$TMP/sync.before"
printf '10.7.0.1 via 192.0.2.1\n10.7.3.1 via 192.0.2.300\n' >"$TMP/sync.bad"
expect_fail_msg -d "route sync: a bad line is named" \
	"$TMP/sync.bad:2: bad address \"192.0.2.300\"" xc route sync dev xc0 "$TMP/sync.bad"
check -d "route sync: a bad line exits 1" status_is 1 xc route sync dev xc0 "$TMP/sync.bad"
printf '10.7.0.1 via 192.0.2.1\n10.7.0.2 via 192.0.2.2 dev xc6\n' >"$TMP/sync.dev"
expect_fail_msg -d "route sync: a line of another device is named" \
	"$TMP/sync.dev:2: a route of dev xc6, not xc0" xc route sync dev xc0 "$TMP/sync.dev"
printf '10.7.0.1 via 192.0.2.1\n10.7.0.9 type eip via 192.0.2.1\n' >"$TMP/sync.eip"
expect_fail_msg -d "route sync: an eip route in the file is named" \
	"$TMP/sync.eip:2: eip routes are not route sync's" xc route sync dev xc0 "$TMP/sync.eip"
printf '10.7.0.1 via 192.0.2.1\n10.7.0.3 via 192.0.2.3\n10.7.0.1 via 192.0.2.4\n' >"$TMP/sync.twice"
expect_fail_msg -d "route sync: a prefix twice is named at its second line" \
	"$TMP/sync.twice:3: a prefix listed twice" xc route sync dev xc0 "$TMP/sync.twice"
check -d "route sync: a prefix twice exits 1" status_is 1 xc route sync dev xc0 "$TMP/sync.twice"
check -d "route sync: after the refused files, nothing changed" \
	diff -u "$TMP/sync.before" <(xc route show dev xc0 | sort)
# The kernel refuses a route naming a group that does not exist: that
# route is named with the kernel's message, the others go in.
printf '10.7.0.1 via 192.0.2.1\n10.7.4.1 nhid 999\n10.7.4.2 via 192.0.2.2\n' >"$TMP/sync.nhid"
printf '%s\n' "10.7.0.1 type node via 192.0.2.1 dev xc0" "10.7.0.9 type eip via 192.0.2.9 dev xc0" \
	"10.7.4.2 type node via 192.0.2.2 dev xc0" >"$TMP/sync.nhid.want"
expect_fail_msg -d "route sync: a route the kernel refuses is named by its line" \
	"$TMP/sync.nhid:2: cannot add route 10.7.4.1 nhid 999: " xc route sync dev xc0 "$TMP/sync.nhid"
check -d "route sync: ... the others are done" routes_are "$TMP/sync.nhid.want"
check -d "route sync: ... exits 2" status_is 2 xc route sync dev xc0 "$TMP/sync.nhid"
check -d "route sync: ... the summary counts the failure" \
	sync_says "added 0, replaced 0, removed 0, unchanged 2, failed 1" "$TMP/sync.nhid"
echo "10.7.0.9 type eip via 192.0.2.9 dev xc0" >"$TMP/sync.eip.want"
check -d "route sync of an empty file: removes the node and gateway routes" \
	sync_says "added 0, replaced 0, removed 2, unchanged 0" /dev/null
check -d "route sync: ... the eip route stays" routes_are "$TMP/sync.eip.want"
check -d "route sync: flush" xc route flush dev xc0

# ---- tunnel ----
check -d "tunnel add" xc tunnel add 192.0.2.40 192.0.2.41 dev xc0
check -d "tunnel show" bash -c "$XC -n $NS tunnel show dev xc0 | grep -q '^192.0.2.40 dev xc0 static'"
check -d "tunnel show -s has counters" bash -c "$XC -n $NS -s tunnel show dev xc0 | grep -q 'tx 0 packets'"
check -d "tunnel show -j -s" bash -c "[[ \$($XC -n $NS -j -s tunnel show dev xc0 | jq length) == 2 ]]"
check -d "tunnel del" bash -c "$XC -n $NS tunnel del 192.0.2.41 dev xc0 && ! $XC -n $NS tunnel show dev xc0 | grep -q 192.0.2.41"
expect_fail_msg -d "tunnel add: bad address refused" "bad address" xc tunnel add 192.0.2 dev xc0

# ---- allow ----
check -d "allow add" xc allow add 192.0.2.0/24 2001:db8::/32 dev xc0
check -d "allow show" bash -c "[[ \$($XC -n $NS allow show dev xc0 | sort | tr '\n' ' ') == '192.0.2.0/24 dev xc0 2001:db8::/32 dev xc0 ' ]]"
check -d "allow del" bash -c "$XC -n $NS allow del 2001:db8::/32 dev xc0 && [[ \$($XC -n $NS allow show dev xc0) == '192.0.2.0/24 dev xc0' ]]"
expect_fail_msg -d "allow add: bad prefix refused" "bad prefix" xc allow add 192.0.2.1/24 dev xc0

# ---- stats ----
check -d "stats dev xc0 names the counters" bash -c "$XC -n $NS stats dev xc0 | grep -q 'tx_packets' && $XC -n $NS stats | grep -q '^namespace:'"
check -d "stats -j has device and namespace counters" bash -c "
	$XC -n $NS -j stats | jq -e '.devices[0].ifname == \"xc0\" and (.namespace | has(\"rx_unknown_vni\"))' >/dev/null"

# ---- monitor ----
xc monitor >"$TMP/mon" 2>&1 &
mon=$!
on_exit kill "$mon"
sleep 1
xc route add 10.7.0.1 type gateway via 192.0.2.50 dev xc0
xc route replace 10.7.0.1 type node via 192.0.2.51 dev xc0
xc route del 10.7.0.1 dev xc0
xc tunnel add 192.0.2.60 dev xc0
xc tunnel del 192.0.2.60 dev xc0
sleep 1
kill "$mon"; wait "$mon" 2>/dev/null || true
cat >"$TMP/mon.want" <<'WANT'
route add 10.7.0.1 type gateway via 192.0.2.50 dev xc0
route add 10.7.0.1 type node via 192.0.2.51 dev xc0
route del 10.7.0.1 type node via 192.0.2.51 dev xc0
tunnel add 192.0.2.60 dev xc0
tunnel del 192.0.2.60 dev xc0
WANT
check -d "monitor prints the changes in order" diff -u "$TMP/mon.want" "$TMP/mon"
