#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The two-cloud topology driven only by the control plane: one etcd per
# cloud (namespaces ctlA, ctlB on the underlay), xcloud-coord, an xcloudd
# on every node. No route is typed by hand: VMs come up -> cross-cloud
# ping works; a VM moves between compute nodes of cloud B -> cloud A's
# tables do not change and traffic follows; a VM goes down -> its entries
# vanish; kill -9 of an agent -> flows keep working, its entries expire
# with the lease and come back when it restarts; coordinator and etcd
# restarts -> no packet lost on a running flow, no duplicates or stale
# entries afterwards. A device deleted under its agent is back, routing,
# within a second.
# xcloud-run: alone (it asserts no loss across restarts)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd etcd curl python3 ping
xcloud_available || skip_all "xcloud module or xcloudctl not available"
# Long enough that a loaded TCG guest still pings right after the kill
# and before the lease runs out.
CP_LEASE=6
CP_NAME=control
# shellcheck source=tests/selftests/lib/cp.sh
source "$(dirname "$0")/lib/cp.sh"
[[ -x $XCLOUDD && -x $COORD ]] || skip_all "xcloudd or xcloud-coord not built"
TOPO_HOSTS+=(cnB2)
TOPO_IDX[cnB2]=22
TOPO_CLOUD[cnB2]=B

# Runs before lib/cp.sh's cleanup, which removes the logs.
control_logs() {
	cp_kill_all
	if [[ ${XCLOUD_TEST_VERBOSE:-0} == 1 || $_tap_failed -ne 0 ]]; then
		cp_logs 40 | sed 's/^/# /'
	fi
}
on_exit control_logs

start_etcd() {	# start_etcd CLOUD
	cp_start_etcd "$1" 2>/dev/null ||
		bail_out "etcd of cloud $1 did not start: $(tail -n 5 "$CP_TMP/etcd-$1.log")"
}

# ---- topology: underlay, devices, VMs without any route ----
cp_topology || bail_out "the topology could not be built"
diag "topology built at ${SECONDS}s"

start_etcd A
start_etcd B
cp_declare_network || bail_out "cannot declare the network in the stores"
cp_start_coord
for h in "${TOPO_HOSTS[@]}"; do cp_start_agent "$h"; done
for vm in "${TOPO_VMS[@]}"; do
	cp_declare_port "$vm" "${TOPO_VM_NODE[$vm]}"
	cp_vm_plug "$vm" "${TOPO_VM_NODE[$vm]}"
done

diag "control plane started at ${SECONDS}s"
A1=$(vm_addr vmA1 4) A2=$(vm_addr vmA2 4) B1=$(vm_addr vmB1 4)

check -d "bindings published in both clouds" \
	wait_until 30 eval 'cp_has_key A /xcloud/bindings/100/$A1 && cp_has_key A /xcloud/bindings/100/$A2 && cp_has_key B /xcloud/bindings/100/$B1'
check -d "coordinator wrote cloud B's VM into cloud A" wait_until 20 cp_has_key A /xcloud/remote/100/$B1
check -d "cnA1: gateway route to vmB1 via gwB" wait_until 20 cp_route_is cnA1 "$B1" "$(ul_addr gwB)"
check -d "gwB: node route to vmB1 via cnB1" wait_until 20 cp_route_is gwB "$B1" "$(ul_addr cnB1)"
check -d "cnA1: node route to vmA2 via cnA2" wait_until 20 cp_route_is cnA1 "$A2" "$(ul_addr cnA2)"
check -d "cnB1: gateway route to vmA1 via gwA" wait_until 20 cp_route_is cnB1 "$A1" "$(ul_addr gwA)"
all_devices_up() { local h; for h in "${TOPO_HOSTS[@]}"; do cp_device_up "$h" || return 1; done; }
check -d "every agent made VRF xvrf100 and device xc100 in it" wait_until 20 all_devices_up
check -d "local delivery route for vmA1 on cnA1, in the VRF's table only" \
	eval 'nsx cnA1 ip route show vrf xvrf100 $A1 | grep -q "dev v-vmA1" && ! nsx cnA1 ip route show table main | grep -q "^$A1 "'
check -d "vmA1's port is in the VRF" eval 'nsx cnA1 ip -o link show v-vmA1 | grep -q "master xvrf100"'
check -d "cnA1's xc100 names its own cloud's gateway and allows the underlay" \
	eval 'xc cnA1 link show xc100 | grep -q "gateways $(ul_addr gwA)" && xc cnA1 allow show dev xc100 | grep -q 10.255.0.0/24'
check -d "the coordinator copied cloud B's underlay into cloud A" \
	wait_until 10 cp_has_key A /xcloud/underlay/B
check -d "proxy ARP on vmA1's port on cnA1" eval '[[ $(nsx cnA1 cat /proc/sys/net/ipv4/conf/v-vmA1/proxy_arp) == 1 ]]'
check -d "cross-cloud ping vmA1 -> vmB1, no hand-made routes" wait_until 20 vm_ping vmA1 vmB1 4 2
check -d "cross-cloud ping vmB1 -> vmA2" vm_ping vmB1 vmA2 4 2
check -d "same-cloud ping vmA1 -> vmA2" vm_ping vmA1 vmA2 4 2

# ---- a device deleted under its running agent (ip link del, a module
# reload, a DKMS upgrade): made again, with its table, within 1 s ----
dev_back() { cp_device_up "$1" && cp_route_of "$1" "$B1" | grep -q via; }
# gap_ms FILE: ms from xc100's RTM_DELLINK to the new one up in xvrf100,
# by the kernel's notifications (ip -ts monitor), not this script's clock.
gap_ms() {
	python3 - "$1" <<'PY'
import re, sys
from datetime import datetime
t_del = None
for l in open(sys.argv[1]):
    m = re.match(r"\[([0-9T:.-]+)\] (Deleted )?\d+: xc100[:@]", l)
    if not m:
        continue
    t = datetime.fromisoformat(m.group(1))
    if m.group(2) and t_del is None:
        t_del = t
    elif t_del and not m.group(2) and "master xvrf100" in l and re.search(r"[<,]UP[,>]", l):
        print(int((t - t_del).total_seconds() * 1000))
        break
else:
    print(99999)
PY
}
for h in cnA1 gwB; do
	ip -n "$(ns "$h")" -ts monitor link >"$CP_TMP/mon-$h" 2>&1 &
	mon=$!
	# Listening once it hears lo's alias change.
	nsx "$h" ip link set dev lo alias "xcmark$RANDOM"
	wait_until 20 grep -q " lo:" "$CP_TMP/mon-$h" || true
	nsx "$h" ip link del xc100
	wait_until 10 dev_back "$h" || true
	kill "$mon"
	wait "$mon" 2>/dev/null || true
	gap=$(gap_ms "$CP_TMP/mon-$h")
	check -d "$h: xc100 deleted under its agent: up in its VRF again in $gap ms (<= 1000), routing vmB1" \
		eval "((gap <= 1000)) && dev_back $h"
	check -d "... vmA1 -> vmB1 pings through the new device" wait_until 5 vm_ping vmA1 vmB1 4 2
done

# ---- a VM moves inside cloud B ----
# A cold move: unplugged from cnB1, declared on and plugged into cnB2.
# The coordinator keeps cloud A's entry through the moment the VM is
# unbound (remove-delay), so cloud A sees nothing at all.
snap_a() { for h in cnA1 cnA2 gwA; do xc "$h" route show dev xc$TOPO_VNI | sed "s/^/$h /"; done | sort; }
before=$(snap_a)
nsx cnB1 ip link del v-vmB1
cp_declare_port vmB1 cnB2
cp_vm_plug vmB1 cnB2
check -d "after the move gwB routes vmB1 to cnB2" wait_until 20 cp_route_is gwB "$B1" "$(ul_addr cnB2)"
check -d "traffic follows the move" wait_until 20 vm_ping vmA1 vmB1 4 2
check -d "cloud A's tables did not change" eval '[[ "$before" == "$(snap_a)" ]]'
check -d "the binding names the new node" eval 'cp_kv_dump B /xcloud/bindings/ | grep -q "\"node\":\"cnB2\""'

# ---- a VM goes down ----
nsx cnA2 ip link set v-vmA2 down
check -d "vmA2 down: binding withdrawn" wait_until 20 cp_no_key A /xcloud/bindings/100/$A2
check -d "... remote entry gone from cloud B" wait_until 20 cp_no_key B /xcloud/remote/100/$A2
check -d "... route gone from cnB1, cnB2, gwA, cnA1" \
	wait_until 20 eval 'cp_no_route cnB1 $A2 && cp_no_route cnB2 $A2 && cp_no_route gwA $A2 && cp_no_route cnA1 $A2'
nsx cnA2 ip link set v-vmA2 up
check -d "vmA2 up again: reachable from cloud B" wait_until 20 vm_ping vmB1 vmA2 4 2

# ---- kill -9 of an agent ----
cp_kill cnB2 KILL
check -d "kill -9 of cnB2's agent: flows keep working" vm_ping vmA1 vmB1 4 3
check -d "... its binding expires with the lease" wait_until $((CP_LEASE * 4)) cp_no_key B /xcloud/bindings/100/$B1
check -d "... and cloud A's remote entry with it" wait_until 20 cp_no_key A /xcloud/remote/100/$B1
cp_start_agent cnB2
check -d "restarted agent publishes again" wait_until 20 cp_has_key B /xcloud/bindings/100/$B1
check -d "... remote entry back in cloud A" wait_until 20 cp_has_key A /xcloud/remote/100/$B1
check -d "... cnA1 routes vmB1 again" wait_until 20 cp_route_is cnA1 "$B1" "$(ul_addr gwB)"
check -d "... traffic flows again" wait_until 20 vm_ping vmA1 vmB1 4 2

# ---- restarts under a running flow: no packet lost ----
# flow_during CMD...: 60 pings at 50 ms while CMD runs; loss must be 0.
flow_during() {
	local out=$CP_TMP/ping.out
	nsx vmA1 ping -q -c 60 -i 0.05 -W 2 "$B1" >"$out" 2>&1 &
	local p=$!
	sleep 0.5
	"$@"
	wait $p
	grep -q " 0% packet loss" "$out"
}
restart_coord() { cp_kill coord TERM; cp_start_coord; }
restart_etcd_b() { cp_kill etcdB TERM; start_etcd B; }
snapshot() {
	cp_kv_dump A /xcloud/; cp_kv_dump B /xcloud/remote/; cp_kv_dump B /xcloud/bindings/
	for h in "${TOPO_HOSTS[@]}"; do xc "$h" route show dev xc$TOPO_VNI | sed "s/^/$h /"; done | sort
}
sleep 1
steady=$(snapshot)
check -d "coordinator restart: no packet lost" flow_during restart_coord
check -d "etcd of cloud B restarts: no packet lost" flow_during restart_etcd_b
# Agents and the coordinator resynchronise; then everything is as before
# (no duplicates, nothing stale, nothing missing).
check -d "after the restarts: store and tables exactly as before" \
	wait_until 30 eval '[[ "$steady" == "$(snapshot)" ]]'
check -d "agents logged the lost etcd" grep -q "store: lost" "$CP_TMP/agent-cnB1.log"
check -d "coordinator logged the lost etcd" grep -q "cloud B: lost" "$CP_TMP/coord.log"
check -d "one coordinator and one agent per node running" \
	eval '[[ $(pgrep -c -x xcloud-coord) == 1 && $(pgrep -c -x xcloudd) == ${#TOPO_HOSTS[@]} ]]'
