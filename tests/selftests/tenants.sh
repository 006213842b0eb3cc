#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two tenants with the same addresses, under the real control plane: VNIs
# 100 and 200 on the same compute nodes and gateways of two clouds, each a
# VRF the agents make from the store. Each tenant's cross-cloud ping and
# TCP transfer reach its own VM only (the other tenant's port and device
# counters do not move); a VM reaches neither the other tenant, nor any
# node's or gateway's underlay address, nor etcd, nor (with crafted
# GENEVE) a node's tunnel socket. Positive controls show each blocked path
# would have been seen.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd etcd curl python3 jq ping
xcloud_available || skip_all "xcloud module or xcloudctl not available"
ip link add xt-vrf-probe type vrf table 4242 2>/dev/null ||
	skip_all "no VRF support in this kernel"
ip link del xt-vrf-probe
CP_LEASE=6
CP_NAME=tenants
# shellcheck source=tests/selftests/lib/cp.sh
source "$(dirname "$0")/lib/cp.sh"
[[ -x $XCLOUDD && -x $COORD ]] || skip_all "xcloudd or xcloud-coord not built"

tenant_logs() {
	cp_kill_all
	if [[ ${XCLOUD_TEST_VERBOSE:-0} == 1 || $_tap_failed -ne 0 ]]; then
		cp_logs 30 | sed 's/^/# /'
	fi
}
on_exit tenant_logs

# Tenant 2: the same addresses as tenant 1's vmA1 and vmB1, on the same
# nodes, and one VM (vm2A9) whose address tenant 1 does not have.
TOPO_VMS+=(vm2A1 vm2B1 vm2A9)
TOPO_VM_NODE+=([vm2A1]=cnA1 [vm2B1]=cnB1 [vm2A9]=cnA2)
TOPO_CLOUD+=([vm2A1]=A [vm2B1]=B [vm2A9]=A)
TOPO_VM4+=([vm2A1]=${TOPO_VM4[vmA1]} [vm2B1]=${TOPO_VM4[vmB1]} [vm2A9]=10.100.1.9)
TOPO_VM6+=([vm2A1]=${TOPO_VM6[vmA1]} [vm2B1]=${TOPO_VM6[vmB1]} [vm2A9]=fd00:100::a:9)
declare -A VNI_OF=([vmA1]=100 [vmA2]=100 [vmB1]=100 [vm2A1]=200 [vm2B1]=200 [vm2A9]=200)

declare_port() {	# declare_port VM: what the cloud's API writes
	local vm=$1 fam
	for fam in 4 6; do
		cp_kv_put "${TOPO_CLOUD[$vm]}" "/xcloud/ports/${VNI_OF[$vm]}/$(vm_addr "$vm" $fam)" \
			"{\"ifname\":\"v-$vm\",\"node\":\"${TOPO_VM_NODE[$vm]}\"}"
	done
}
plug6() {	# plug6 VM: the VM's IPv6 address and default route
	nsx "${TOPO_VM_NODE[$1]}" ip addr add fe80::1/64 dev "v-$1" nodad
	nsx "$1" ip addr add "$(vm_addr "$1" 6)/128" dev eth0 nodad
	nsx "$1" ip -6 route add default via fe80::1 dev eth0
}

cp_topology || bail_out "the topology could not be built"
cp_start_etcd A || bail_out "etcd of cloud A did not start"
cp_start_etcd B || bail_out "etcd of cloud B did not start"
cp_declare_network 100 && cp_declare_network 200 ||
	bail_out "cannot declare the networks"
cp_start_coord
for h in "${TOPO_HOSTS[@]}"; do cp_start_agent "$h"; done
for vm in "${TOPO_VMS[@]}"; do
	declare_port "$vm"
	cp_vm_plug "$vm" "${TOPO_VM_NODE[$vm]}" && plug6 "$vm" ||
		bail_out "cannot plug $vm"
done

both_vrfs() {
	local h
	for h in "${TOPO_HOSTS[@]}"; do
		cp_device_up "$h" 100 && cp_device_up "$h" 200 || return 1
	done
}
check -d "every node has xvrf100 with xc100 and xvrf200 with xc200" wait_until 30 both_vrfs
check -d "the two VRFs have tables of their own" \
	eval '[[ $(nsx cnA1 ip -d link show xvrf100 | grep -o "table [0-9]*") != $(nsx cnA1 ip -d link show xvrf200 | grep -o "table [0-9]*") ]]'
check -d "vmA1 and vm2A1 (same address) each have their host route in their VRF" \
	eval 'nsx cnA1 ip route show vrf xvrf100 | grep -q "^${TOPO_VM4[vmA1]} dev v-vmA1" &&
	      nsx cnA1 ip route show vrf xvrf200 | grep -q "^${TOPO_VM4[vmA1]} dev v-vm2A1"'
check -d "cnA1: both tenants' routes to the same address via gwB, in their own devices" \
	wait_until 30 eval 'cp_route_is cnA1 ${TOPO_VM4[vmB1]} $(ul_addr gwB) &&
		cp_route_is cnA1 ${TOPO_VM4[vmB1]} $(ul_addr gwB) 200'

# rx packets of a VM's interface (what reached it)
vm_rx() { nsx "$1" cat /sys/class/net/eth0/statistics/rx_packets; }

# only_own VM PEER OTHER FAM: VM pings PEER's address 5 times; PEER
# received them, OTHER (the other tenant's VM with the same address) did
# not, and OTHER's tenant's devices relayed nothing.
only_own() {
	local vm=$1 peer=$2 other=$3 fam=$4 p0 o0 p1 o1 ov=${VNI_OF[$3]} r0 r1
	p0=$(vm_rx "$peer") o0=$(vm_rx "$other")
	r0=$(xc_stat gwB relayed_packets "xc$ov")
	nsx "$vm" ping -"$fam" -q -c 5 -i 0.2 -W 2 "$(vm_addr "$peer" "$fam")" >/dev/null
	p1=$(vm_rx "$peer") o1=$(vm_rx "$other")
	r1=$(xc_stat gwB relayed_packets "xc$ov")
	echo "$peer rx $p0 -> $p1, $other rx $o0 -> $o1, gwB xc$ov relayed $r0 -> $r1"
	((p1 - p0 >= 5 && o1 == o0 && r1 == r0))
}
for fam in 4 6; do
	check -d "IPv$fam: tenant 1 vmA1 -> vmB1 reaches vmB1 only" \
		wait_until 30 only_own vmA1 vmB1 vm2B1 $fam
	check -d "IPv$fam: tenant 2 vm2A1 -> vm2B1 (same address) reaches vm2B1 only" \
		wait_until 30 only_own vm2A1 vm2B1 vmB1 $fam
done
XFER=${XCLOUD_XFER_BYTES:-1000000}
check -d "TCP $XFER bytes, tenant 1 vmA1 -> vmB1" tcp_transfer vmA1 vmB1 4 "$XFER"
check -d "TCP $XFER bytes, tenant 2 vm2A1 -> vm2B1" tcp_transfer vm2A1 vm2B1 4 "$XFER"
check -d "TCP $XFER bytes over IPv6, tenant 2 vm2B1 -> vm2A1" tcp_transfer vm2B1 vm2A1 6 "$XFER"

# ---- what a VM must not reach ----
unreachable() {	# unreachable VM ADDR: no answer to 2 pings
	! nsx "$1" ping -q -c 2 -i 0.2 -W 1 "$2" >/dev/null 2>&1
}
check -d "control: tenant 2 reaches its own vm2A9" vm_ping vm2A1 vm2A9 4 2
check -d "tenant 1 cannot reach tenant 2's vm2A9 (an address only tenant 2 has)" \
	unreachable vmA1 "$(vm_addr vm2A9 4)"
check -d "control: vmA1 answers from its node's port address 169.254.1.1" \
	nsx vmA1 ping -q -c 1 -W 2 169.254.1.1
check -d "control: cnA1 itself reaches gwA's and gwB's underlay" \
	eval 'nsx cnA1 ping -q -c 1 -W 2 $(ul_addr gwA) >/dev/null && nsx cnA1 ping -q -c 1 -W 2 $(ul_addr gwB) >/dev/null'
for h in cnA1 cnA2 gwA gwB; do
	check -d "vmA1 cannot reach $h's underlay address (IPv4)" unreachable vmA1 "$(ul_addr "$h" 4)"
	check -d "vmA1 cannot reach $h's underlay address (IPv6)" unreachable vmA1 "$(ul_addr "$h" 6)"
done
check -d "control: cnA1 reaches cloud A's etcd" \
	nsx cnA1 curl -sf --max-time 3 -o /dev/null "${CP_ETCD[A]}/version"
check_fail -d "vmA1 cannot reach cloud A's etcd" \
	nsx vmA1 curl -sf --max-time 3 -o /dev/null "${CP_ETCD[A]}/version"
check_fail -d "vmA1 cannot connect to a TCP service of its own node's underlay address" \
	nsx vmA1 curl -sf --max-time 3 -o /dev/null "http://$(ul_addr cnA1 4):2379/"

# Crafted GENEVE from a VM to its own node's and a gateway's tunnel
# socket: nothing arrives there. Control: the same packets sent from
# cnA2 (an allowed node, the inner source one of its VMs) are delivered.
rx_all() {	# rx_all HOST: everything HOST's xc100 and namespace counted on receive
	xc "$1" -j stats dev xc100 | jq '[(.devices[0], .namespace // {}) | to_entries[] |
		select((.key | test("^(rx_|relayed)")) and .key != "rx_bytes") | .value] | add'
}
craft() {	# craft FROM TOHOST: 5 GENEVE packets, inner vmA2 -> vmA1
	nsx "$1" python3 "$TOPO_LIB_DIR/geneve_send.py" --dst "$(ul_addr "$2")" \
		--vni 100 --case good --count 5 \
		--inner-src "$(vm_addr vmA2 4)" --inner-dst "$(vm_addr vmA1 4)"
}
nothing_from_vm() {	# nothing_from_vm TOHOST
	local c0 c1
	c0=$(rx_all "$1")
	craft vmA1 "$1" 2>/dev/null || true
	sleep 0.5
	c1=$(rx_all "$1")
	echo "$1 receive counters: $c0 -> $c1"
	((c1 == c0))
}
check -d "control: crafted GENEVE from cnA2 to cnA1 is delivered and counted" eval '
	r0=$(xc_stat cnA1 rx_packets) c0=$(rx_all cnA1); craft cnA2 cnA1; sleep 0.5
	r1=$(xc_stat cnA1 rx_packets) c1=$(rx_all cnA1)
	echo "rx_packets $r0 -> $r1, receive counters $c0 -> $c1"; ((r1 - r0 == 5 && c1 - c0 >= 5))'
check -d "control: crafted GENEVE from cnA2 to gwA is counted there" eval '
	c0=$(rx_all gwA); craft cnA2 gwA; sleep 0.5; c1=$(rx_all gwA)
	echo "receive counters $c0 -> $c1"; ((c1 - c0 >= 5))'
check -d "crafted GENEVE from vmA1 to its own node's socket never arrives" nothing_from_vm cnA1
check -d "crafted GENEVE from vmA1 to gwA's socket never arrives" nothing_from_vm gwA

# ---- a network goes away ----
tbl=$(nsx cnA1 ip -d link show xvrf200 | grep -o "table [0-9]*" | cut -d' ' -f2)
for vm in vm2A1 vm2B1 vm2A9; do nsx "${TOPO_VM_NODE[$vm]}" ip link del "v-$vm"; done
nsx ctlA curl -sf --max-time 5 "${CP_ETCD[A]}/v3/kv/deleterange" \
	-d "{\"key\":\"$(cp_b64 /xcloud/networks/200)\"}" >/dev/null
gone200() {
	! nsx cnA1 ip link show xvrf200 >/dev/null 2>&1 &&
		! nsx cnA1 ip link show xc200 >/dev/null 2>&1 &&
		[[ -z $(nsx cnA1 ip route show table "$tbl") ]] &&
		[[ -z $(nsx cnA1 ip -6 route show table "$tbl") ]]
}
check -d "network 200 deleted in cloud A: cnA1's VRF, device and table $tbl are gone" \
	wait_until 20 gone200
check -d "... tenant 1 still talks across the clouds" vm_ping vmA1 vmB1 4 2
check -d "... cloud B keeps network 200 (declared there)" cp_device_up cnB1 200

# ---- a network whose prefixes include no VM's address ----
# One multicast prefix beside a good one: the declaration is refused
# whole (no VRF, a logged reason); corrected, the network is made.
cp_kv_put A /xcloud/networks/300 '{"prefixes":["10.30.0.0/16","224.0.0.1/32"]}'
check -d "network 300 with 224.0.0.1/32 among its prefixes: refused with its reason" \
	wait_until 20 grep -q "network /xcloud/networks/300: prefix 1 224.0.0.1/32 is in 224.0.0.0/4 (multicast)" \
	"$CP_TMP/agent-cnA1.log"
check -d "... cnA1 made no VRF for it" eval '! nsx cnA1 ip link show xvrf300 >/dev/null 2>&1'
cp_kv_put A /xcloud/networks/300 '{"prefixes":["10.30.0.0/16"]}'
check -d "... corrected: cnA1 makes xvrf300" wait_until 20 nsx cnA1 ip link show xvrf300
