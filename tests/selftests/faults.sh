#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Faults under traffic, on the two clouds of lib/cp.sh driven
# by the real control plane. A ping flow every 20 ms from vmA1 to vmB1
# over the two-hop path (vmA1 -> cnA1 -> gwB -> cnB1 -> vmB1) while one
# daemon at a time is killed with kill -9 and restarted 1 s later: the
# switch agents (cnA1, cnB1), the gateway agents (gwA, gwB), the
# coordinator, then etcd of each cloud. Each must lose no packet, and the
# kernel state of every node (xcloudctl route, tunnel and allow-list
# dumps and link of every device; ip link, rules and routes of the VRFs)
# must be the same before and after. Then a switch agent dies for good:
# its entries leave its gateway's table within its lease TTL + 1 s, and
# the other cloud's within TTL + the coordinator's remove-delay + 1 s
# (measured in the kernel); restarted, it puts them back.
# xcloud-kernels: stock
# xcloud-run: alone (it asserts no loss across restarts)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd etcd curl python3 ping
xcloud_available || skip_all "xcloud module or xcloudctl not available"
# A restarted agent keeps its lease alive (lease.NODE) if it is back
# within the TTL: the default TTL, which the kill, the second and a start
# under TCG (some 2 s) stay well inside.
CP_LEASE=10
CP_NAME=faults
# shellcheck source=tests/selftests/lib/cp.sh
source "$(dirname "$0")/lib/cp.sh"
[[ -x $XCLOUDD && -x $COORD ]] || skip_all "xcloudd or xcloud-coord not built"
TOPO_HOSTS=(gwA cnA1 gwB cnB1)
TOPO_VMS=(vmA1 vmB1)
REMOVE_DELAY=5	# lib/cp.sh's coordinator

faults_logs() {
	cp_kill_all
	if [[ ${XCLOUD_TEST_VERBOSE:-0} == 1 || $_tap_failed -ne 0 ]]; then
		cp_logs 30 | sed 's/^/# /'
	fi
}
on_exit faults_logs

cp_topology || bail_out "the topology could not be built"
for c in A B; do
	cp_start_etcd "$c" 2>/dev/null || bail_out "etcd of cloud $c did not start"
done
cp_declare_network || bail_out "cannot declare the network in the stores"
cp_start_coord
for h in "${TOPO_HOSTS[@]}"; do cp_start_agent "$h"; done
for vm in "${TOPO_VMS[@]}"; do
	cp_declare_port "$vm" "${TOPO_VM_NODE[$vm]}"
	cp_vm_plug "$vm" "${TOPO_VM_NODE[$vm]}"
done
A1=$(vm_addr vmA1 4) B1=$(vm_addr vmB1 4)
check -d "control plane up: vmA1 -> vmB1 over cnA1 -> gwB -> cnB1" \
	wait_until 60 eval 'cp_route_is cnA1 $B1 $(ul_addr gwB) && cp_route_is gwB $B1 $(ul_addr cnB1) && vm_ping vmA1 vmB1 4 2'
diag "up at ${SECONDS}s"

# The kernel state the control plane made, on every node, as sets: a
# dump's order (a hash table's) is no state.
snapshot() {
	local h
	for h in "${TOPO_HOSTS[@]}"; do
		{
			xc "$h" link show
			xc "$h" route show
			# without the ages: they tick
			xc "$h" tunnel show | sed 's/ age [0-9]*ms idle [0-9]*ms//'
			xc "$h" allow show
			nsx "$h" ip -o link show | sed 's/^[0-9]*: //'
			nsx "$h" ip rule show
			nsx "$h" ip -6 rule show
			nsx "$h" ip route show vrf xvrf100
			nsx "$h" ip -6 route show vrf xvrf100
		} 2>&1 | sed "s/^/$h: /" | sort
	done
}

# The flow vmA1 -> vmB1 (lib.sh's flow_start/flow_end).
flow() { flow_start "$1" "$CP_TMP/ping.out" "$B1" ip netns exec "$(ns vmA1)"; }
# kill_restart NAME: kill -9, restart 1 s later.
kill_restart() {
	cp_kill "$1" KILL
	sleep 1
	case $1 in
	coord) cp_start_coord ;;
	etcd?) cp_start_etcd "${1#etcd}" ;;
	*) cp_start_agent "$1" ;;
	esac
}

sleep 1
steady=$(snapshot)
diag "$(wc -l <<<"$steady") lines of kernel state on ${#TOPO_HOSTS[@]} nodes"
same_state() { [[ "$steady" == "$(snapshot)" ]]; }
for d in cnA1 gwB cnB1 gwA coord etcdA etcdB; do
	t=$SECONDS
	flow 5
	kill_restart "$d"
	if flow_end; then ok "kill -9 $d, restart after 1 s: no packet lost"
	else not_ok "kill -9 $d, restart after 1 s: no packet lost"; fi
	diag "$LOSS"
	# Restarted daemons read the store again; the tables must not move.
	if wait_until 20 same_state; then
		ok "... kernel state of every node as before ($((SECONDS - t)) s)"
	else
		not_ok "... kernel state of every node as before"
		diag "$(diff <(echo "$steady") <(snapshot) | head -20)"
	fi
done
check -d "the agents logged the lost etcd" grep -q "store: lost" "$CP_TMP/agent-cnB1.log"

# A switch agent that stays dead: its binding goes with the lease.
gone_from() { cp_no_route "$1" "$B1"; }
cp_kill cnB1 KILL
t0=$EPOCHREALTIME
wait_until $((CP_LEASE + REMOVE_DELAY + 10)) gone_from gwB
t_gw=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
wait_until $((CP_LEASE + REMOVE_DELAY + 10)) gone_from cnA1
t_cn=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
check -d "dead cnB1 agent: vmB1 gone from gwB's table in $t_gw s (lease $CP_LEASE s + 1)" \
	eval 'gone_from gwB && awk -v t=$t_gw -v l=$CP_LEASE "BEGIN { exit !(t <= l + 1) }"'
check -d "... and from cnA1's in $t_cn s (lease + remove-delay $REMOVE_DELAY s + 1)" \
	eval 'gone_from cnA1 && awk -v t=$t_cn -v l=$((CP_LEASE + REMOVE_DELAY)) "BEGIN { exit !(t <= l + 1) }"'
check -d "... the VM's local route stays on cnB1" \
	eval 'nsx cnB1 ip route show vrf xvrf100 $B1 | grep -q v-vmB1'
cp_start_agent cnB1
check -d "restarted: routes back, traffic flows" \
	wait_until 30 eval 'cp_route_is cnA1 $B1 $(ul_addr gwB) && cp_route_is gwB $B1 $(ul_addr cnB1) && vm_ping vmA1 vmB1 4 2'
check -d "... kernel state as at the start" wait_until 20 same_state
diag "faults: ${SECONDS} s"
