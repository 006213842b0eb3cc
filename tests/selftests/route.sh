#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Forwarding table and allow-list through xcloudctl: add, replace, del,
# get (longest match), show (dump), flush; the kernel's refusals and their
# messages; 100,000 routes in few messages (-batch) and a dump that
# returns each exactly once, also while the table changes; the allow-list.
source "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
XCLOUDCTL=${XCLOUDCTL:-$REPO/userspace/xcloudctl/xcloudctl}
BULK=${ROUTE_BULK:-${XCLOUD_ROUTE_BULK:-100000}}

require_cmd ip python3 jq sort
[[ -x $XCLOUDCTL ]] || skip_all "xcloudctl not built"
[[ -d /sys/module/xcloud ]] || modprobe xcloud 2>/dev/null ||
	skip_all "xcloud module not loaded"

NS=xcroute-$$
netns_add "$NS"
xc() { "$XCLOUDCTL" -n "$NS" "$@"; }
tmp=$(mktemp -d)
on_exit rm -rf "$tmp"

# show_is WANT...: `route show dev xc0` is exactly these lines, any order.
lines() { (($#)) && printf '%s\n' "$@" | sort; true; }
show_is() { diff <(lines "$@") <(xc route show dev xc0 | sort); }
get_is() { [[ $(xc route get "$1" dev xc0) == "$2" ]]; }

check -d "create an xcloud device" xc link add xc0 vni 100
check -d "an empty table dumps nothing" show_is

# ---- add, replace, get, del ----
check -d "add a host route" \
	xc route add 10.0.0.1/32 type node via 192.0.2.1 dev xc0
check -d "the host route is there (shown without /32, as ip does)" \
	get_is 10.0.0.1 "10.0.0.1 type node via 192.0.2.1 dev xc0"
expect_fail_msg -d "adding it again is refused (exists)" "route exists" \
	xc route add 10.0.0.1 type node via 192.0.2.9 dev xc0
check -d "replace it" \
	xc route replace 10.0.0.1 type node via 192.0.2.2 dev xc0
check -d "replace changed the next hop" \
	get_is 10.0.0.1 "10.0.0.1 type node via 192.0.2.2 dev xc0"
check -d "replace creates a route that is not there" \
	xc route replace 10.0.0.2 type node via 192.0.2.2 dev xc0
check -d "prefix route, ECMP over IPv4 and IPv6 underlay" \
	xc route add 10.1.0.0/16 type gateway via 192.0.2.3 via 2001:db8::3 dev xc0
check -d "longest match: /16 for an address inside it" \
	get_is 10.1.2.3 "10.1.0.0/16 type gateway via 192.0.2.3 via 2001:db8::3 dev xc0"
check -d "a longer prefix inside it" \
	xc route add 10.1.2.0/24 type eip via 192.0.2.4 dev xc0
check -d "longest match: now the /24" \
	get_is 10.1.2.3 "10.1.2.0/24 type eip via 192.0.2.4 dev xc0"
check -d "longest match: still the /16 outside the /24" \
	get_is 10.1.3.3 "10.1.0.0/16 type gateway via 192.0.2.3 via 2001:db8::3 dev xc0"
expect_fail_msg -d "no match without a default route" \
	"no route to destination" xc route get 203.0.113.1 dev xc0
check -d "a default route" \
	xc route add 0.0.0.0/0 type gateway via 192.0.2.5 dev xc0
check -d "the default route catches the rest" \
	get_is 203.0.113.1 "0.0.0.0/0 type gateway via 192.0.2.5 dev xc0"
check -d "IPv6 overlay over IPv4 underlay" \
	xc route add 2001:db8:1::1 type node via 192.0.2.6 dev xc0
check -d "IPv6 prefix over IPv6 underlay" \
	xc route add 2001:db8:2::/48 type gateway via 2001:db8::7 dev xc0
check -d "IPv6 longest match" \
	get_is 2001:db8:2::99 "2001:db8:2::/48 type gateway via 2001:db8::7 dev xc0"
expect_fail_msg -d "the IPv4 default does not catch IPv6" \
	"no route to destination" xc route get 2001:db8:3::1 dev xc0
check -d "show lists every route once" show_is \
	"10.0.0.1 type node via 192.0.2.2 dev xc0" \
	"10.0.0.2 type node via 192.0.2.2 dev xc0" \
	"10.1.0.0/16 type gateway via 192.0.2.3 via 2001:db8::3 dev xc0" \
	"10.1.2.0/24 type eip via 192.0.2.4 dev xc0" \
	"0.0.0.0/0 type gateway via 192.0.2.5 dev xc0" \
	"2001:db8:1::1 type node via 192.0.2.6 dev xc0" \
	"2001:db8:2::/48 type gateway via 2001:db8::7 dev xc0"
check -d "delete the /24" xc route del 10.1.2.0/24 dev xc0
check -d "the /16 matches again" \
	get_is 10.1.2.3 "10.1.0.0/16 type gateway via 192.0.2.3 via 2001:db8::3 dev xc0"
expect_fail_msg -d "deleting it again is refused" "no such route" \
	xc route del 10.1.2.0/24 dev xc0

# ---- refusals ----
# xcloudctl refuses host bits itself ("bad prefix"); the kernel's own
# refusal ("invalid prefix for given prefix length") is covered by KUnit.
expect_fail_msg -d "host bits set beyond the prefix length" "bad prefix" \
	xc route add 10.2.0.1/24 type node via 192.0.2.1 dev xc0
expect_fail_msg -d "next hop unspecified" "next hop is unspecified" \
	xc route add 10.2.0.1 type node via 0.0.0.0 dev xc0
expect_fail_msg -d "next hop loopback (IPv4)" "next hop is loopback" \
	xc route add 10.2.0.1 type node via 127.0.0.1 dev xc0
expect_fail_msg -d "next hop loopback (IPv6)" "next hop is loopback" \
	xc route add 10.2.0.1 type node via ::1 dev xc0
expect_fail_msg -d "next hop multicast (IPv4)" "next hop is multicast" \
	xc route add 10.2.0.1 type node via 239.1.1.1 dev xc0
expect_fail_msg -d "next hop multicast (IPv6)" "next hop is multicast" \
	xc route add 10.2.0.1 type node via ff02::1 dev xc0
expect_fail_msg -d "duplicate next hop" "duplicate next hop" \
	xc route add 10.2.0.1 type node via 192.0.2.1 via 192.0.2.1 dev xc0
expect_fail_msg -d "route on a device that is not xcloud" \
	"not an xcloud device" xc route add 10.2.0.1 via 192.0.2.1 dev lo
check -d "nothing refused went in" \
	bash -c "! $XCLOUDCTL -n $NS route show dev xc0 | grep -q '^10\.2\.'"

# A batch stops at the first refusal and names its line; the lines
# before it are in.
printf '%s\n' "route add 10.3.0.1 type node via 192.0.2.1 dev xc0" \
	"route add 10.3.0.2 type node via 192.0.2.1 dev xc0" \
	"route add 10.3.0.1 type node via 192.0.2.1 dev xc0" \
	"route add 10.3.0.3 type node via 192.0.2.1 dev xc0" >"$tmp/dup.batch"
expect_fail_msg -d "batch: a refused route names its line" \
	"dup.batch:3" xc -batch "$tmp/dup.batch"
check -d "batch: the routes before it went in" \
	bash -c "[[ \$($XCLOUDCTL -n $NS route show dev xc0 | grep -c '^10\.3\.') == 2 ]]"

check -d "flush" xc route flush dev xc0
check -d "flush left nothing" show_is

# ---- many routes per message ----
python3 - "$BULK" >"$tmp/bulk.batch" <<'EOF'
import sys
n = int(sys.argv[1])
for i in range(n):
    a = "10.%d.%d.%d" % (64 + (i >> 16), (i >> 8) & 255, i & 255)
    print("route add %s type node via 192.0.2.%d dev xc0" % (a, 1 + i % 8))
EOF
start=$(date +%s.%N)
check -d "add $BULK routes with -batch" xc -batch "$tmp/bulk.batch"
end=$(date +%s.%N)
diag "$BULK routes added in $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }') s"
check -d "link show counts $BULK routes" \
	eval '[[ $(xc -j link show xc0 | json_field route_count) == "$BULK" ]]'
dump_once() {
	xc route show dev xc0 >"$tmp/dump"
	[[ $(wc -l <"$tmp/dump") == "$1" ]] &&
		[[ $(sort -u "$tmp/dump" | wc -l) == "$1" ]]
}
check -d "a dump returns each of the $BULK routes exactly once" \
	dump_once "$BULK"
# The last of them, as the batch above wrote it.
i=$((BULK - 1))
last=10.$((64 + (i >> 16))).$(((i >> 8) & 255)).$((i & 255))
check -d "get finds one of them ($last)" \
	get_is "$last" "$last type node via 192.0.2.$((1 + i % 8)) dev xc0"

# Dumps while routes of another range come and go: a dump either
# completes with every stable route exactly once, or reports that it was
# interrupted; never a silent duplicate or loss.
# Stopped by a file, not a signal: a killed loop left its last
# `route add` running, which could land after the flush below.
churn() {
	local i
	for ((i = 0; ; i++)); do
		[[ ! -e $tmp/churn.stop ]] || break
		xc route add 10.200.0.$((i % 200 + 1)) type node via 192.0.2.1 dev xc0
		xc route del 10.200.0.$((i % 200 + 1)) dev xc0
	done >/dev/null 2>&1
}
churn &
churn_pid=$!
on_exit kill "$churn_pid"
dump_under_churn() {
	local i rc clean=0
	for i in 1 2 3; do
		rc=0
		xc route show dev xc0 >"$tmp/dump" 2>"$tmp/err" || rc=$?
		if ((rc == 0)); then
			grep -v '^10\.200\.' "$tmp/dump" | sort >"$tmp/stable"
			[[ $(wc -l <"$tmp/stable") == "$BULK" ]] || return 1
			[[ $(uniq <"$tmp/stable" | wc -l) == "$BULK" ]] || return 1
			clean=$((clean + 1))
		else
			grep -qi "interrupt" "$tmp/err" || return 1
		fi
	done
	echo "clean dumps: $clean of 3"
}
check -d "dumps under concurrent change: consistent or flagged" \
	dump_under_churn
touch "$tmp/churn.stop"
wait "$churn_pid" 2>/dev/null || true
check -d "flush $BULK routes" xc route flush dev xc0
check -d "the table is empty" show_is

# ---- allow-list ----
allow_is() { diff <(lines "$@") <(xc allow show dev xc0 | sort); }
check -d "allow-list starts empty" allow_is
check -d "allow two prefixes" \
	xc allow add 192.0.2.0/24 2001:db8::/32 dev xc0
check -d "allow show lists them" \
	allow_is "192.0.2.0/24 dev xc0" "2001:db8::/32 dev xc0"
check -d "allow a host" xc allow add 198.51.100.7 dev xc0
expect_fail_msg -d "allow: host bits beyond the prefix are refused" \
	"bad prefix" xc allow add 198.51.100.1/24 dev xc0
expect_fail_msg -d "allow: an existing prefix is refused" \
	"prefix already allowed" xc allow add 192.0.2.0/24 dev xc0
check -d "allow del" xc allow del 192.0.2.0/24 dev xc0
expect_fail_msg -d "allow del of a missing prefix" "no such route" \
	xc allow del 192.0.2.0/24 dev xc0
check -d "allow show after del" \
	allow_is "2001:db8::/32 dev xc0" "198.51.100.7 dev xc0"
check -d "routes and allow-list are separate tables" show_is

check -d "delete the device with routes in it" \
	bash -c "$XCLOUDCTL -n $NS route add 10.0.0.1 type node via 192.0.2.1 dev xc0 && $XCLOUDCTL -n $NS link del xc0"
