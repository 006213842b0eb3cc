#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unprivileged users. Every change of an xcloud device (genl ROUTE_*,
# TUNNEL_*, ALLOW_* commands; rtnetlink newlink, changelink, dellink),
# the reads that show traffic (TUNNEL_GET, ALLOW_GET, STATS_GET) and the
# events group are refused to uid 65534 and to the root of a user
# namespace that does not own the device's network namespace; nothing
# they tried changed anything. Controls: root does each of them, and so
# does the root of a user namespace in a network namespace it owns.
# Then a user namespace in a memory-limited cgroup floods routes,
# tunnels and allow-list prefixes: it hits the device limits (max-routes,
# max-tunnels, max-allowed), each with a clear message; what it got in is
# charged to its cgroup; no OOM kill; the host stays usable and the
# memory is given back with the devices. (The cgroup's memory.max itself
# is not driven to exhaustion: there the kernel refuses the next route
# with -ENOMEM, but the flooder's own next page fault then wakes the
# memcg OOM killer, whose report fails the run.)

# The checks eval single-quoted code: its variables expand when it runs.
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=tests/selftests/lib.sh
source "$(dirname "$0")/lib.sh"

XC=${XCLOUDCTL:-$PWD/userspace/xcloudctl/xcloudctl}
[[ -x $XC ]] || skip_all "xcloudctl not built ($XC)"
require_cmd ip setpriv unshare python3 jq timeout
[[ -d /sys/module/xcloud ]] || modprobe xcloud 2>/dev/null ||
	[[ -d /sys/module/xcloud ]] || skip_all "xcloud module not loaded"

NS=xu-unpriv
netns_add "$NS"
tmp=$(mktemp -d)
chmod 755 "$tmp"	# uid 65534 reads the batch file
on_exit rm -rf "$tmp"
xc() { "$XC" -n "$NS" "$@"; }
# JSON field of `link show DEV` in namespace NS (- for the current one).
jfield() {
	local ns=$1 dev=$2 field=$3
	if [[ $ns == - ]]; then "$XC" -j link show "$dev"; else "$XC" -n "$ns" -j link show "$dev"; fi |
		json_field "$field"
}

xc link add xu0 vni 300
xc route add 10.1.0.1 type node via 192.0.2.1 dev xu0
xc tunnel add 192.0.2.9 dev xu0
xc allow add 192.0.2.0/24 dev xu0
state() {
	echo "$(jfield "$NS" xu0 mode) $(jfield "$NS" xu0 route_count)" \
		"$(jfield "$NS" xu0 tunnel_count) $(jfield "$NS" xu0 allow_count)"
}
check -d "link show prints the default limits next to the counts" \
	bash -c "$XC -n $NS link show xu0 | grep -qF 'allow-count 1 max-routes 2097152 max-tunnels 65536 max-allowed 262144'"
check -d "link set changes a limit, the rest stays" eval '
	xc link set xu0 max-tunnels 1000 && [[ $(jfield "$NS" xu0 max_tunnels) == 1000 ]] &&
	[[ $(jfield "$NS" xu0 max_routes) == 2097152 ]] && xc link set xu0 max-tunnels 65536'
before=$(state)
diag "xu0 before: mode, routes, tunnels, allowed: $before"

# uid 65534 without capabilities, in the device's namespace
nobody() {
	timeout 30 ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 \
		--clear-groups --inh-caps=-all "$@"
}
# root of a new user namespace, still in the device's network namespace
# (owned by the initial user namespace)
foreign() { timeout 30 ip netns exec "$NS" unshare -U -r "$@"; }

OPS=(
	"link add xu9 vni 309"
	"link set xu0 mode gateway"
	"link del xu0"
	"route add 10.2.0.1 type node via 192.0.2.1 dev xu0"
	"route del 10.1.0.1 dev xu0"
	"route flush dev xu0"
	"tunnel add 192.0.2.50 dev xu0"
	"tunnel del 192.0.2.9 dev xu0"
	"allow add 198.51.100.0/24 dev xu0"
	"allow del 192.0.2.0/24 dev xu0"
	"tunnel show dev xu0"
	"allow show dev xu0"
	"stats dev xu0"
)
printf '%s\n' "${OPS[@]}" >"$tmp/ops.batch"
# One process per identity runs every op (-batch -force goes on after a
# failure); each refused line is reported as FILE:LINE after its message.
for who in nobody foreign; do
	rc=0
	$who "$XC" -force -batch "$tmp/ops.batch" >"$tmp/$who.out" 2>&1 || rc=$?
	diag "$who: -batch exit $rc, $(grep -c "Operation not permitted" "$tmp/$who.out") of ${#OPS[@]} refused"
	for i in "${!OPS[@]}"; do
		check -d "$who: ${OPS[i]} refused (Operation not permitted)" \
			eval 'grep -B1 -x "Command failed $tmp/ops.batch:$((i + 1))" "$tmp/$who.out" |
			      grep -q "Operation not permitted"'
	done
	expect_fail_msg -d "$who: monitor cannot subscribe to the events" \
		"Operation not permitted" $who "$XC" monitor
	check -d "$who: route show (no traffic in it) still answers" \
		$who "$XC" route show dev xu0
done
check -d "nothing the refused ones tried changed anything ($before)" \
	test "$(state)" = "$before"

# --- controls -------------------------------------------------------------
root_monitor() {
	local rc=0
	timeout 2 "$XC" -n "$NS" monitor >"$tmp/mon" 2>&1 || rc=$?
	cat "$tmp/mon"
	((rc == 124))
}
check -d "root: tunnel show, allow show, stats, route show answer" \
	eval 'xc tunnel show dev xu0 | grep -q 192.0.2.9 &&
	      xc allow show dev xu0 | grep -q 192.0.2.0/24 &&
	      xc stats dev xu0 >/dev/null && xc route show dev xu0 | grep -q 10.1.0.1'
check -d "root: monitor subscribes" root_monitor
check -d "root: every change op succeeds" eval '
	xc link add xu9 vni 309 && xc link set xu0 mode gateway &&
	xc route add 10.2.0.1 type node via 192.0.2.1 dev xu0 &&
	xc route del 10.1.0.1 dev xu0 && xc route flush dev xu0 &&
	xc tunnel add 192.0.2.50 dev xu0 && xc tunnel del 192.0.2.9 dev xu0 &&
	xc allow add 198.51.100.0/24 dev xu0 && xc allow del 192.0.2.0/24 dev xu0 &&
	xc link del xu9 && xc link del xu0'

# The root of a user namespace in a network namespace it owns does it all.
cat >"$tmp/owner.sh" <<EOF
set -eu
XC=$XC
ip link set lo up
\$XC link add xo0 vni 400
\$XC link set xo0 mode gateway
\$XC route add 10.2.0.1 type node via 192.0.2.1 dev xo0
\$XC route del 10.2.0.1 dev xo0
\$XC route add 10.2.0.2 type node via 192.0.2.1 dev xo0
\$XC route flush dev xo0
\$XC tunnel add 192.0.2.50 dev xo0
\$XC tunnel show dev xo0 | grep -q 192.0.2.50
\$XC tunnel del 192.0.2.50 dev xo0
\$XC allow add 198.51.100.0/24 dev xo0
\$XC allow show dev xo0 | grep -q 198.51.100.0/24
\$XC allow del 198.51.100.0/24 dev xo0
\$XC stats dev xo0 >/dev/null
rc=0; timeout 2 \$XC monitor >/dev/null 2>&1 || rc=\$?
[ \$rc -eq 124 ]
\$XC link del xo0
echo "owner: all ops done"
EOF
check -d "root of a userns owning its netns: every op and read succeeds" \
	timeout 60 unshare -U -r -n sh "$tmp/owner.sh"

# --- floods in a memory-limited cgroup -----------------------------------
CG=/sys/fs/cgroup
if ! grep -q "^cgroup2 $CG " /proc/mounts; then
	mount -t cgroup2 none "$CG"
fi
grep -qw memory "$CG/cgroup.controllers" || skip_all "no memory controller"
grep -qw memory "$CG/cgroup.subtree_control" ||
	echo +memory >"$CG/cgroup.subtree_control"
cg=$CG/xcloud-unpriv-$$
mkdir "$cg"
on_exit rmdir "$cg"
LIMIT_MB=64
echo $((LIMIT_MB << 20)) >"$cg/memory.max"
echo 0 >"$cg/memory.swap.max" 2>/dev/null || true

# Routes to flood: more than the second device's max-routes.
FLOOD=110000 MAXR=100000
python3 - "$FLOOD" >"$tmp/flood.batch" <<'EOF'
import sys
for i in range(int(sys.argv[1])):
    print("route add 10.%d.%d.%d type node via 192.0.2.1 dev xf1"
          % (64 + (i >> 16), (i >> 8) & 255, i & 255))
EOF
python3 - >"$tmp/limit.batch" <<'EOF'
for i in range(2100):
    print("route add 10.1.%d.%d type node via 192.0.2.1 dev xf0"
          % (i >> 8, i & 255))
for i in range(7):      # 350 tunnels, 50 a line
    print("tunnel add %s dev xf0" % " ".join(
        "172.16.%d.%d" % (j >> 8, j & 255) for j in range(50 * i, 50 * i + 50)))
for i in range(121):
    print("allow add 198.51.%d.0/24 dev xf0" % i)
EOF
cat >"$tmp/flood.sh" <<EOF
set -u
XC=$XC
ip link set lo up
\$XC link add xf0 vni 500 max-routes 2000 max-tunnels 300 max-allowed 100
\$XC -force -batch $tmp/limit.batch 2>&1 | sed 's/:[0-9]*$/:N/' | sort | uniq -c
\$XC -j link show xf0 >$tmp/xf0.json
\$XC link add xf1 vni 501 max-routes $MAXR
cat $cg/memory.current >$tmp/mem0
\$XC -batch $tmp/flood.batch 2>&1
cat $cg/memory.current >$tmp/mem1
\$XC -j link show xf1 >$tmp/xf1.json
EOF
before_kb=$(awk '/^(Slab|Percpu):/ {s += $2} END {print s}' /proc/meminfo)
start=$SECONDS
# shellcheck disable=SC2016
timeout 120 bash -c 'echo $$ >"$1/cgroup.procs" && exec unshare -U -r -n bash "$2"' \
	bash "$cg" "$tmp/flood.sh" >"$tmp/flood.out" 2>&1 || true
diag "flood ran $((SECONDS - start)) s; its output:"
cut -c1-160 "$tmp/flood.out" | while read -r l; do diag "  $l"; done
field() { json_field "$2" <"$1"; }	# field FILE FIELD

check -d "routes stop at max-routes 2000 with its message" eval '
	grep -q "route limit reached (the device'"'"'s max-routes)" "$tmp/flood.out" &&
	[[ $(field "$tmp/xf0.json" route_count) == 2000 ]]'
check -d "tunnels stop at max-tunnels 300 with its message" eval '
	grep -q "tunnel limit reached (the device'"'"'s max-tunnels)" "$tmp/flood.out" &&
	[[ $(field "$tmp/xf0.json" tunnel_count) == 300 ]]'
check -d "the allow-list stops at max-allowed 100 with its message" eval '
	grep -q "allow-list limit reached (the device'"'"'s max-allowed)" "$tmp/flood.out" &&
	[[ $(field "$tmp/xf0.json" allow_count) == 100 ]]'
routes=$(field "$tmp/xf1.json" route_count 2>/dev/null || echo 0)
mem0=$(cat "$tmp/mem0" 2>/dev/null || echo 0) mem1=$(cat "$tmp/mem1" 2>/dev/null || echo 0)
diag "route flood: $routes of $FLOOD routes in; cgroup memory.current" \
	"$((mem0 >> 10)) KB -> $((mem1 >> 10)) KB: $(((mem1 - mem0) / (routes ? routes : 1))) bytes a route charged"
check -d "the route flood stops at max-routes $MAXR" \
	eval '[[ $routes == "$MAXR" ]]'
check -d "the routes are charged to the flooder's memory cgroup (>= 48 bytes each)" \
	eval '(((mem1 - mem0) >= 48 * MAXR))'
check -d "no OOM kill in the cgroup" \
	eval '! grep -q "^oom_kill [1-9]" "$cg/memory.events"'
wait_until 10 test ! -s "$cg/cgroup.procs" || true
after_kb=$(awk '/^(Slab|Percpu):/ {s += $2} END {print s}' /proc/meminfo)
memcg_kb=$(($(cat "$cg/memory.current") >> 10))
diag "after the flood's namespace is gone: cgroup memory.current $memcg_kb KB;" \
	"slab+percpu $before_kb KB before, $after_kb KB after"
check -d "memory given back with the devices (cgroup under 4 MB)" \
	wait_until 20 bash -c "(( \$(cat $cg/memory.current) < 4 << 20 ))"
check -d "the host stays usable: root adds a device and a route" eval '
	xc link add xu1 vni 301 && xc route add 10.9.0.1 type node via 192.0.2.1 dev xu1 &&
	[[ $(jfield "$NS" xu1 route_count) == 1 ]] && xc link del xu1'
