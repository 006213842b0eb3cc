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
# entries afterwards.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd etcd curl python3 ping
xcloud_available || skip_all "xcloud module or xcloudctl not available"
XCLOUDD=$TOPO_REPO/userspace/xcloudd/xcloudd
COORD=$TOPO_REPO/userspace/coord/xcloud-coord
[[ -x $XCLOUDD && -x $COORD ]] || skip_all "xcloudd or xcloud-coord not built"

# Long enough that a loaded TCG guest still pings right after the kill
# and before the lease runs out.
LEASE=6
TMPD=$(mktemp -d /tmp/xcloud-control.XXXXXX)
declare -A PID ETCD=([A]=http://10.255.0.101:2379 [B]=http://10.255.0.102:2379)
declare -A CTL=([A]=ctlA [B]=ctlB)
TOPO_HOSTS+=(cnB2)
TOPO_IDX[cnB2]=22
TOPO_CLOUD[cnB2]=B

stop_all() {
	local p
	for p in "${PID[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [[ ${XCLOUD_TEST_VERBOSE:-0} == 1 || $_tap_failed -ne 0 ]]; then
		tail -n 40 "$TMPD"/*.log | sed 's/^/# /'
	fi
	rm -rf "$TMPD"
}
on_exit stop_all

# ---- store access (from the cloud's controller namespace) ----
b64() { printf '%s' "$1" | base64 -w0; }
kv() {	# kv CLOUD PATH JSON
	nsx "${CTL[$1]}" curl -sf --max-time 5 "${ETCD[$1]}$2" -d "$3"
}
kv_put() { kv "$1" /v3/kv/put "{\"key\":\"$(b64 "$2")\",\"value\":\"$(b64 "$3")\"}" >/dev/null; }
kv_dump() {	# kv_dump CLOUD PREFIX: "key value" lines of the prefix
	local end
	end=$(python3 -c 'import sys; p=sys.argv[1]; print(p[:-1]+chr(ord(p[-1])+1))' "$2")
	kv "$1" /v3/kv/range "{\"key\":\"$(b64 "$2")\",\"range_end\":\"$(b64 "$end")\"}" |
		python3 -c '
import base64, json, sys
for kv in json.load(sys.stdin).get("kvs", []):
    print(base64.b64decode(kv["key"]).decode(), base64.b64decode(kv.get("value", "")).decode())' |
		sort
}
has_key() {	# has_key CLOUD KEY
	kv "$1" /v3/kv/range "{\"key\":\"$(b64 "$2")\"}" | grep -q '"kvs"'
}
no_key() { ! has_key "$@"; }

# ---- processes ----
start_etcd() {	# start_etcd CLOUD
	local c=$1 ip=${ETCD[$1]#http://}
	ip=${ip%:*}
	# Not through nsx (a function): $! must be the daemon itself.
	ip netns exec "$(ns "${CTL[$c]}")" etcd --name "$c" --data-dir "$TMPD/etcd-$c" \
		--listen-client-urls "${ETCD[$c]}" --advertise-client-urls "${ETCD[$c]}" \
		--listen-peer-urls "http://$ip:2380" --initial-advertise-peer-urls "http://$ip:2380" \
		--initial-cluster "$c=http://$ip:2380" >>"$TMPD/etcd-$c.log" 2>&1 &
	PID[etcd$c]=$!
	wait_until 180 kv "$c" /v3/kv/range "{\"key\":\"$(b64 /)\"}" ||
		bail_out "etcd of cloud $c did not start: $(tail -n 5 "$TMPD/etcd-$c.log")"
}

start_coord() {
	printf '[coord]\nremove-delay = 5\n[cloud A]\netcd = %s\n[cloud B]\netcd = %s\n' \
		"${ETCD[A]}" "${ETCD[B]}" >"$TMPD/coord.conf"
	ip netns exec "$(ns ctlA)" "$COORD" -c "$TMPD/coord.conf" >>"$TMPD/coord.log" 2>&1 &
	PID[coord]=$!
}

start_agent() {	# start_agent HOST
	local h=$1 role=switch
	[[ $h == gw* ]] && role=gateway
	ip netns exec "$(ns "$h")" "$XCLOUDD" -c - -r $role -n "$h" -u "$(ul_addr "$h")" \
		-C "${TOPO_CLOUD[$h]}" -e "${ETCD[${TOPO_CLOUD[$h]}]}" \
		-d "$TOPO_VNI=xc$TOPO_VNI" -l $LEASE >>"$TMPD/agent-$h.log" 2>&1 &
	PID[$h]=$!
}

kill_pid() {	# kill_pid NAME [SIGNAL]
	kill "-${2:-TERM}" "${PID[$1]}" 2>/dev/null || true
	wait "${PID[$1]}" 2>/dev/null || true
	unset "PID[$1]"
}

# ---- topology: underlay, devices, VMs without any route ----
topo_underlay
topo_underlay_host ctlA 101
topo_underlay_host ctlB 102
for h in "${TOPO_HOSTS[@]}"; do
	mode=edge
	[[ $h == gw* ]] && mode=gateway
	xc "$h" link add xc$TOPO_VNI vni $TOPO_VNI local "$(ul_addr "$h")" mode $mode
	nsx "$h" ip link set xc$TOPO_VNI up
	[[ $mode == edge ]] && topo_overlay_routes "$h" xc$TOPO_VNI
done

# vm_plug VM NODE: the VM's port on NODE (veth "v-VM"), link up.
vm_plug() {
	local vm=$1 node=$2
	ip link add "v-$vm" netns "$(ns "$node")" type veth peer name eth0 netns "$(ns "$vm")"
	nsx "$node" ip addr add 169.254.1.1/32 dev "v-$vm"
	nsx "$vm" ip link set eth0 up
	nsx "$vm" ip addr add "$(vm_addr "$vm" 4)/32" dev eth0
	nsx "$vm" ip route add default via 169.254.1.1 dev eth0 onlink
	nsx "$node" ip link set "v-$vm" up
}
declare_port() {	# declare_port VM NODE
	kv_put "${TOPO_CLOUD[$1]}" "/xcloud/ports/$TOPO_VNI/$(vm_addr "$1" 4)" \
		"{\"ifname\":\"v-$1\",\"node\":\"$2\"}"
}

for vm in "${TOPO_VMS[@]}"; do topo_ns_add "$vm"; done
diag "topology built at ${SECONDS}s"

start_etcd A
start_etcd B
start_coord
for h in "${TOPO_HOSTS[@]}"; do start_agent "$h"; done
for vm in "${TOPO_VMS[@]}"; do
	declare_port "$vm" "${TOPO_VM_NODE[$vm]}"
	vm_plug "$vm" "${TOPO_VM_NODE[$vm]}"
done

diag "control plane started at ${SECONDS}s"
A1=$(vm_addr vmA1 4) A2=$(vm_addr vmA2 4) B1=$(vm_addr vmB1 4)
route_of() {	# route_of HOST ADDR: "type nexthop..." or nothing
	xc "$1" route show dev xc$TOPO_VNI | awk -v a="$2" '$1 == a || $1 == a"/32"'
}
route_is() { route_of "$1" "$2" | grep -qw -- "via $3"; }
no_route() { [[ -z $(route_of "$1" "$2") ]]; }

check -d "bindings published in both clouds" \
	wait_until 30 eval 'has_key A /xcloud/bindings/100/$A1 && has_key A /xcloud/bindings/100/$A2 && has_key B /xcloud/bindings/100/$B1'
check -d "coordinator wrote cloud B's VM into cloud A" wait_until 20 has_key A /xcloud/remote/100/$B1
check -d "cnA1: gateway route to vmB1 via gwB" wait_until 20 route_is cnA1 "$B1" "$(ul_addr gwB)"
check -d "gwB: node route to vmB1 via cnB1" wait_until 20 route_is gwB "$B1" "$(ul_addr cnB1)"
check -d "cnA1: node route to vmA2 via cnA2" wait_until 20 route_is cnA1 "$A2" "$(ul_addr cnA2)"
check -d "cnB1: gateway route to vmA1 via gwA" wait_until 20 route_is cnB1 "$A1" "$(ul_addr gwA)"
check -d "local delivery route for vmA1 on cnA1" eval 'nsx cnA1 ip route show $A1 | grep -q "dev v-vmA1"'
check -d "cross-cloud ping vmA1 -> vmB1, no hand-made routes" wait_until 20 vm_ping vmA1 vmB1 4 2
check -d "cross-cloud ping vmB1 -> vmA2" vm_ping vmB1 vmA2 4 2
check -d "same-cloud ping vmA1 -> vmA2" vm_ping vmA1 vmA2 4 2

# ---- a VM moves inside cloud B ----
# A cold move: unplugged from cnB1, declared on and plugged into cnB2.
# The coordinator keeps cloud A's entry through the moment the VM is
# unbound (remove-delay), so cloud A sees nothing at all.
snap_a() { for h in cnA1 cnA2 gwA; do xc "$h" route show dev xc$TOPO_VNI | sed "s/^/$h /"; done | sort; }
before=$(snap_a)
nsx cnB1 ip link del v-vmB1
declare_port vmB1 cnB2
vm_plug vmB1 cnB2
check -d "after the move gwB routes vmB1 to cnB2" wait_until 20 route_is gwB "$B1" "$(ul_addr cnB2)"
check -d "traffic follows the move" wait_until 20 vm_ping vmA1 vmB1 4 2
check -d "cloud A's tables did not change" eval '[[ "$before" == "$(snap_a)" ]]'
check -d "the binding names the new node" eval 'kv_dump B /xcloud/bindings/ | grep -q "\"node\":\"cnB2\""'

# ---- a VM goes down ----
nsx cnA2 ip link set v-vmA2 down
check -d "vmA2 down: binding withdrawn" wait_until 20 no_key A /xcloud/bindings/100/$A2
check -d "... remote entry gone from cloud B" wait_until 20 no_key B /xcloud/remote/100/$A2
check -d "... route gone from cnB1, cnB2, gwA, cnA1" \
	wait_until 20 eval 'no_route cnB1 $A2 && no_route cnB2 $A2 && no_route gwA $A2 && no_route cnA1 $A2'
nsx cnA2 ip link set v-vmA2 up
check -d "vmA2 up again: reachable from cloud B" wait_until 20 vm_ping vmB1 vmA2 4 2

# ---- kill -9 of an agent ----
kill_pid cnB2 KILL
check -d "kill -9 of cnB2's agent: flows keep working" vm_ping vmA1 vmB1 4 3
check -d "... its binding expires with the lease" wait_until $((LEASE * 4)) no_key B /xcloud/bindings/100/$B1
check -d "... and cloud A's remote entry with it" wait_until 20 no_key A /xcloud/remote/100/$B1
start_agent cnB2
check -d "restarted agent publishes again" wait_until 20 has_key B /xcloud/bindings/100/$B1
check -d "... remote entry back in cloud A" wait_until 20 has_key A /xcloud/remote/100/$B1
check -d "... cnA1 routes vmB1 again" wait_until 20 route_is cnA1 "$B1" "$(ul_addr gwB)"
check -d "... traffic flows again" wait_until 20 vm_ping vmA1 vmB1 4 2

# ---- restarts under a running flow: no packet lost ----
# flow_during CMD...: 60 pings at 50 ms while CMD runs; loss must be 0.
flow_during() {
	local out=$TMPD/ping.out
	nsx vmA1 ping -q -c 60 -i 0.05 -W 2 "$B1" >"$out" 2>&1 &
	local p=$!
	sleep 0.5
	"$@"
	wait $p
	grep -q " 0% packet loss" "$out"
}
restart_coord() { kill_pid coord TERM; start_coord; }
restart_etcd_b() { kill_pid etcdB TERM; start_etcd B; }
snapshot() {
	kv_dump A /xcloud/; kv_dump B /xcloud/remote/; kv_dump B /xcloud/bindings/
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
check -d "agents logged the lost etcd" grep -q "store: lost" "$TMPD/agent-cnB1.log"
check -d "coordinator logged the lost etcd" grep -q "cloud B: lost" "$TMPD/coord.log"
check -d "one coordinator and one agent per node running" \
	eval '[[ $(pgrep -c -x xcloud-coord) == 1 && $(pgrep -c -x xcloudd) == ${#TOPO_HOSTS[@]} ]]'
