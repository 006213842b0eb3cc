#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Teardown under traffic: 50 cycles, each building two
# namespaces joined by a veth with an xcloud device each (a tunnel
# between them, 5,000 routes in one table), then, while namespace b
# pings a's device every 10 ms, `xcloudctl route show` of the big table
# runs in a loop and `xcloudctl monitor` listens on a, tearing a down in
# turn by: deleting the device, deleting the namespace, unloading the
# module (rmmod, retried while a dump holds it; insmod again). Every
# cycle's flow must have had replies and its dumps must have completed
# (the positive control); the kernel log is checked for splats and, on
# the debug kernel, kmemleak by the harness at the end.
# XCLOUD_TEARDOWN_CYCLES (50), XCLOUD_TEARDOWN_ROUTES (5000).
# xcloud-kernels: debug
# xcloud-run: alone (it unloads the module)
source "$(dirname "$0")/lib.sh"

XC=${XCLOUDCTL:-$PWD/userspace/xcloudctl/xcloudctl}
[[ -x $XC ]] || skip_all "xcloudctl not built ($XC)"
require_cmd ping
[[ -d /sys/module/xcloud ]] || modprobe xcloud 2>/dev/null ||
	skip_all "xcloud module not loaded"
CYCLES=${XCLOUD_TEARDOWN_CYCLES:-50}
ROUTES=${XCLOUD_TEARDOWN_ROUTES:-5000}
TMP=$(mktemp -d /tmp/xcloud-teardown.XXXXXX)
A=td-a B=td-b
can_unload=1
if [[ -d /sys/module/xcloud_kunit ]]; then
	can_unload=0 why="xcloud_kunit holds the module"
elif [[ ! -f ${XCLOUD_MODDIR:-}/xcloud.ko ]]; then
	can_unload=0 why="no XCLOUD_MODDIR/xcloud.ko to load again"
fi
BG=()
# stop_bg: the monitor and the dump loop first, b's flow 0.3 s later: a
# namespace deleted with them in it is dismantled when they leave, and
# traffic still arrives then. SIGINT for ping, which prints its summary
# then; SIGTERM for the rest: a background job of a script ignores SIGINT
# unless it sets a handler, as xcloudctl monitor does not.
stop_bg() {
	local i sig
	for ((i = ${#BG[@]} - 1; i >= 0; i--)); do
		sig=TERM
		((i > 0)) || { sleep 0.3; sig=INT; }
		kill -$sig "${BG[i]}" 2>/dev/null || true
		wait "${BG[i]}" 2>/dev/null || true
	done
	BG=()
}
cleanup() {
	stop_bg
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	[[ -d /sys/module/xcloud || $can_unload == 0 ]] || insmod "$XCLOUD_MODDIR/xcloud.ko"
	rm -rf "$TMP"
}
on_exit cleanup

# The routes of a's big table, once: a batch file for xcloudctl.
for ((i = 0; i < ROUTES; i++)); do
	echo "route add 10.200.$((i / 250)).$((i % 250 + 1)) via 10.9.0.2 dev xc0"
done >"$TMP/routes"

# build: a and b, underlay 10.9.0.1/.2, xc0 vni 100 with inner address
# 10.100.0.1/.2, a tunnel each way, a's big table.
build() {
	ip netns add $A && ip netns add $B || return 1
	ip link add ul netns $A type veth peer name ul netns $B || return 1
	local ns n o
	for n in 1 2; do
		ns=$A o=2
		((n == 1)) || ns=$B o=1
		ip -n $ns -batch - <<-EOF || return 1
			link set lo up
			addr add 10.9.0.$n/24 dev ul
			link set ul up
		EOF
		"$XC" -n $ns link add xc0 vni 100 local 10.9.0.$n source-check off || return 1
		"$XC" -n $ns allow add 10.9.0.0/24 dev xc0 || return 1
		"$XC" -n $ns route add 10.100.0.$o via 10.9.0.$o dev xc0 || return 1
		ip -n $ns -batch - <<-EOF || return 1
			addr add 10.100.0.$n/32 dev xc0
			link set xc0 up
			route add 10.100.0.$o/32 dev xc0
		EOF
	done
	"$XC" -n $A -batch "$TMP/routes" >/dev/null
}

# The load on a: b's ping flow, a dump loop, a monitor.
load_start() {
	ip netns exec $B ping -q -i 0.01 -W 1 10.100.0.1 >"$TMP/ping" 2>&1 &
	BG+=($!)
	(
		n=0
		trap 'echo $n >"$TMP/dumps"; exit 0' INT TERM
		while :; do
			[[ $("$XC" -n $A route show dev xc0 2>/dev/null | wc -l) -lt $ROUTES ]] ||
				n=$((n + 1))
			echo $n >"$TMP/dumps"
		done
	) &
	BG+=($!)
	"$XC" -n $A monitor >/dev/null 2>&1 &
	BG+=($!)
}

unload() {	# rmmod, retried while a dump in progress holds the module
	local tries=0
	until rmmod xcloud 2>/dev/null; do
		((++tries < 200)) || return 1
		sleep 0.05
	done
	echo $tries >"$TMP/tries"
	insmod "$XCLOUD_MODDIR/xcloud.ko"
}

declare -A done_by=([dev]=0 [netns]=0 [module]=0) failed_by=([dev]=0 [netns]=0 [module]=0)
nodump=0 noreply=0 busy=0 t0=$SECONDS
for ((c = 0; c < CYCLES; c++)); do
	how=(dev netns module)
	how=${how[c % 3]}
	[[ $how != module || $can_unload == 1 ]] || how=dev
	if ! build; then
		not_ok "cycle $c: could not build the namespaces"
		break
	fi
	: >"$TMP/dumps"
	load_start
	# Let the flow and the dumps get going (a dump takes a while under TCG).
	for ((w = 0; w < 50; w++)); do
		[[ $(cat "$TMP/dumps" 2>/dev/null) -ge 1 ]] && break
		sleep 0.1
	done
	sleep 0.2
	case $how in
	dev) ip -n $A link del xc0 ;;
	netns) ip netns del $A ;;
	module) unload && busy=$((busy + $(cat "$TMP/tries"))) ;;
	esac && done_by[$how]=$((done_by[$how] + 1)) ||
		failed_by[$how]=$((failed_by[$how] + 1))
	sleep 0.2
	stop_bg
	# Positive control: the flow had replies and dumps completed.
	grep -qE ' [1-9][0-9]* received' "$TMP/ping" || noreply=$((noreply + 1))
	[[ $(cat "$TMP/dumps") -ge 1 ]] || nodump=$((nodump + 1))
	ip netns del $A 2>/dev/null || true
	ip netns del $B
done
dt=$((SECONDS - t0))
diag "$CYCLES cycles in $dt s: device delete ${done_by[dev]}, netns delete ${done_by[netns]}, module unload ${done_by[module]} (rmmod retries while a dump held it: $busy)"
check -d "every teardown succeeded" \
	eval '((failed_by[dev] + failed_by[netns] + failed_by[module] == 0))'
check -d "$CYCLES cycles done" eval '((done_by[dev] + done_by[netns] + done_by[module] == CYCLES))'
if ((can_unload)); then
	check -d "module unloaded and loaded again under traffic ${done_by[module]} times" \
		eval '((done_by[module] >= CYCLES / 3))'
else
	skip "module unload under traffic" "$why"
fi
check -d "positive control: every cycle's flow got replies ($noreply without)" eval '((noreply == 0))'
check -d "positive control: every cycle completed a dump of $ROUTES routes ($nodump without)" eval '((nodump == 0))'
check -d "module loaded, working: a device can be made" \
	eval 'ip netns add $A && "$XC" -n $A link add xc0 vni 100 && ip netns del $A'
