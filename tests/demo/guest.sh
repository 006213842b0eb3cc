#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`, the guest side: the whole xcloud story on one machine.
#
#   1. two clouds (A: gwA, cnA1, cnA2; B: gwB, cnB1), one etcd per cloud,
#      xcloud-coord and an xcloudd per node; the VMs come up under the
#      control plane, no route is typed by hand
#   2. a cross-cloud ping vmA1 -> vmB1 in two hops (cnA1 -> gwB -> cnB1):
#      the tables and the tunnel counters of each hop
#   2c. cloud B gets a second gateway, gwB2; the one carrying a 10 ms
#      flow vmA1 -> vmB1 dies (its link cut): the flow moves to the other
#      within the probes' detection time, and back when it returns
#   3. EIP: two switches running BIRD, the aggregation node and virtual
#      router 1 under sw1, virtual router 2 under sw2, an etcd and an
#      xcloudd per node (roles aggregation and router); the pool and an EIP
#      of vr2 are written into the store and the EIP is pinged from the
#      internet host: inet -> sw1 -> agg -> (tunnel) -> vr2 -> VM, replies
#      vr2 -> sw2 -> sw1 -> inet
#   4. EIP through OVN: vr1 and vr2 become OVN gateway chassis (NB, SB,
#      ovn-northd; ovs-vswitchd and ovn-controller on each), a logical
#      router with a VM bound on vr1 and its gateway port on vr2;
#      xcloud-ovn turns OVN's NAT into vr2's EIP record, vr2's agent hands
#      the EIP to OVN's provider bridge: inet -> sw1 -> agg -> (tunnel) ->
#      vr2 -> OVN -> (OVN's Geneve) -> vr1 -> VM, replies back through vr2
#      (OVN's SNAT) -> sw2 -> sw1 -> inet
#
# Writes $XCLOUD_OUT/report.txt and $XCLOUD_OUT/topology.dot (the host
# renders it). Exits non-zero naming the step that failed. Namespaces,
# daemons and temporary files are removed at exit.
set -uo pipefail

DEMO_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$DEMO_DIR/../.." && pwd)
OUT=${XCLOUD_OUT:-/tmp/xcloud-demo}
mkdir -p "$OUT"
REPORT=$OUT/report.txt
DOT=$OUT/topology.dot
: >"$REPORT"

# Cleanups, last registered first. topo.sh and bgp.sh register theirs
# through on_exit when it exists (each would otherwise take the EXIT trap).
_demo_cleanups=()
on_exit() { _demo_cleanups+=("$*"); }
_demo_exit() {
	local i
	for ((i = ${#_demo_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_demo_cleanups[i]}" >/dev/null 2>&1 || true
	done
}
trap _demo_exit EXIT

TOPO_ID=xdc
BGP_ID=xde
# shellcheck source=tests/selftests/lib/topo.sh
source "$REPO/tests/selftests/lib/topo.sh"
# shellcheck source=tests/selftests/lib/bgp.sh
source "$REPO/tests/selftests/lib/bgp.sh"
CP_NAME=demo-cp
# The agents' lease: xcloudd's default; act 2c's cut stays well inside it.
CP_LEASE=10
# shellcheck source=tests/selftests/lib/cp.sh
source "$REPO/tests/selftests/lib/cp.sh"
# shellcheck source=tests/selftests/lib/eip.sh
source "$REPO/tests/selftests/lib/eip.sh"
OVN_VM=ovm
# shellcheck source=tests/selftests/lib/ovn.sh
source "$REPO/tests/selftests/lib/ovn.sh"

T0=$SECONDS
STEP=
section() {
	printf '\n== [%3ds] %s\n' $((SECONDS - T0)) "$*"
	printf '\n== %s\n' "$*" >>"$REPORT"
}
# rsection: a heading in the report only (what follows is report-only).
rsection() { printf '\n== %s\n' "$*" >>"$REPORT"; }
say() { echo "   $*"; }
# step NAME CMD...: run CMD; on failure the demo stops, naming the step.
step() {
	STEP=$1
	shift
	local t=$SECONDS
	if "$@"; then
		say "ok: $STEP ($((SECONDS - t)) s)"
	else
		echo "demo: FAILED at step: $STEP" >&2
		{
			echo "demo: FAILED at step: $STEP"
			echo "-- last lines of the daemons' logs"
			cp_logs 20
		} >>"$REPORT" 2>&1
		exit 1
	fi
}
# report CMD...: CMD's output into the report (the host prints it at the
# end; live, only the headings, the steps and the per-hop counts are shown).
report() { "$@" >>"$REPORT" 2>&1; }

# counted_ping DIFF COUNTERS KEYS CMD...: CMD (a ping; its output in
# PING_OUT, its status in PING_RC) between two readings of COUNTERS
# ("key=n" lines). DIFF, an associative array, gets how far each of KEYS
# moved (a key a reading missed counts 0 in it).
counted_ping() {
	local -n _diff=$1
	local fn=$2 keys=$3 k n
	local -A c0=() c1=()
	shift 3
	for k in $keys; do c0[$k]=0 c1[$k]=0; done
	while IFS="=" read -r k n; do c0[$k]=$n; done < <("$fn")
	PING_RC=0
	PING_OUT=$("$@" 2>&1) || PING_RC=$?
	sleep 0.3
	while IFS="=" read -r k n; do c1[$k]=$n; done < <("$fn")
	for k in "${!c1[@]}"; do _diff[$k]=$((c1[$k] - ${c0[$k]:-0})); done
}
# show: stdin to the terminal and the report
show() { tee -a "$REPORT" | sed 's/^/   /'; }
# wait_for SECONDS CMD...: retry CMD every 0.2 s.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < end)) || return 1
		sleep 0.2
	done
}
num() { [[ $1 =~ ^[0-9]+$ ]] && echo "$1" || echo 0; }

for c in etcd bird birdc nft python3 ping curl; do
	command -v "$c" >/dev/null || { echo "demo: $c not installed" >&2; exit 1; }
done
for c in ovsdb-server ovs-vswitchd ovn-northd ovn-controller ovn-nbctl; do
	command -v "$c" >/dev/null || { echo "demo: $c not installed (ovn-central, ovn-host)" >&2; exit 1; }
done
modprobe openvswitch || { echo "demo: no openvswitch module (act 4's OVN chassis)" >&2; exit 1; }
for f in "$XCLOUDCTL" "$XCLOUDD" "$COORD" "$XCOVN"; do
	[[ -x $f ]] || { echo "demo: $f not built (run make)" >&2; exit 1; }
done

# ======================================================================
section "1. Two clouds under the control plane"
say "cloud A: gateway gwA, compute nodes cnA1 cnA2 (VMs vmA1, vmA2)"
say "cloud B: gateway gwB, compute node cnB1 (VM vmB1)"
say "one etcd per cloud (ctlA, ctlB), xcloud-coord, an xcloudd per node"
# Tenant 2 (VNI 200): the same addresses as vmA1 and vmB1, on the same
# nodes (act 2b).
TOPO_VMS+=(vm2A1 vm2B1)
TOPO_VM_NODE+=([vm2A1]=cnA1 [vm2B1]=cnB1)
TOPO_CLOUD+=([vm2A1]=A [vm2B1]=B)
TOPO_VM4+=([vm2A1]=${TOPO_VM4[vmA1]} [vm2B1]=${TOPO_VM4[vmB1]})
# gwB2: cloud B's second gateway, its agent started in act 2c.
TOPO_HOSTS+=(gwB2)
TOPO_IDX[gwB2]=3
TOPO_CLOUD[gwB2]=B
step "underlay, VM namespaces" cp_topology
step "etcd of cloud A" cp_start_etcd A
step "etcd of cloud B" cp_start_etcd B
declare_networks() { cp_declare_network 100 && cp_declare_network 200; }
step "store: networks 100 and 200 ($TOPO_OVERLAY4), each cloud's underlay" declare_networks
cp_start_coord
for h in "${TOPO_HOSTS[@]}"; do [[ $h == gwB2 ]] || cp_start_agent "$h"; done
say "xcloud-coord and $((${#TOPO_HOSTS[@]} - 1)) xcloudd started (their configuration files: in the report)"
# conf_files FILE...: each file whole, as a reader would copy it.
conf_files() {
	local f
	for f; do
		printf -- '-- %s\n' "$f"
		cat "$f"
	done >>"$REPORT"
}
rsection "configuration files: xcloud-coord (/etc/xcloud/coord.conf) and one xcloudd per node (/etc/xcloud/xcloudd.conf)"
conf_files "$CP_TMP/coord.conf" "$CP_TMP/gwA.conf" "$CP_TMP/cnA1.conf"
plug_all() {
	local vm
	for vm in "${TOPO_VMS[@]}"; do
		if [[ $vm == vm2* ]]; then
			cp_kv_put "${TOPO_CLOUD[$vm]}" "/xcloud/ports/200/$(vm_addr "$vm" 4)" \
				"{\"ifname\":\"v-$vm\",\"node\":\"${TOPO_VM_NODE[$vm]}\"}"
		else
			cp_declare_port "$vm" "${TOPO_VM_NODE[$vm]}"
		fi && cp_vm_plug "$vm" "${TOPO_VM_NODE[$vm]}" || return 1
	done
}
step "VMs declared in the store and plugged in" plug_all
A1=$(vm_addr vmA1 4) B1=$(vm_addr vmB1 4)
step "agents published the bindings" \
	wait_for 60 eval 'cp_has_key A /xcloud/bindings/100/$A1 && cp_has_key B /xcloud/bindings/100/$B1'
step "coordinator copied vmB1 into cloud A" wait_for 30 cp_has_key A /xcloud/remote/100/$B1
step "cnA1 routes vmB1 to gateway gwB" wait_for 30 cp_route_is cnA1 "$B1" "$(ul_addr gwB)"
step "gwB routes vmB1 to node cnB1" wait_for 30 cp_route_is gwB "$B1" "$(ul_addr cnB1)"
step "cnB1 routes vmA1 to gateway gwA" wait_for 30 cp_route_is cnB1 "$A1" "$(ul_addr gwA)"
rsection "store: what the control plane wrote"
echo "-- etcd of cloud A" >>"$REPORT"
report cp_kv_dump A /xcloud/
echo "-- etcd of cloud B" >>"$REPORT"
report cp_kv_dump B /xcloud/

# ======================================================================
section "2. Cross-cloud ping vmA1 -> vmB1, two hops"
PINGS=10
step "first ping (tunnels come up on demand)" wait_for 30 vm_ping vmA1 vmB1 4 1
sleep 0.5
# path counters: request cnA1 -> gwB -> cnB1, reply cnB1 -> gwA -> cnA1
link_stat() { nsx "$1" cat "/sys/class/net/$2/statistics/$3" 2>/dev/null; }
# Counters of hosts' xcloud devices in one python run: snap_json DEV HOST
# (namespace prefix from xcfn) saves the JSON, counters.py reads it.
SNAP=$(mktemp -d /tmp/xcloud-demo-snap.XXXXXX)
on_exit rm -rf "$SNAP"
COUNTERS=$DEMO_DIR/counters.py
path_counters() {
	local h
	for h in cnA1 gwB cnB1 gwA; do
		xc "$h" -j -s tunnel show dev xc$TOPO_VNI >"$SNAP/$h.tun.json" 2>/dev/null
		xc "$h" -j stats dev xc$TOPO_VNI >"$SNAP/$h.stats.json" 2>/dev/null
	done
	echo "vmA1_cnA1=$(num "$(link_stat cnA1 v-vmA1 rx_packets)")"
	echo "cnB1_vmB1=$(num "$(link_stat cnB1 v-vmB1 tx_packets)")"
	python3 "$COUNTERS" "$SNAP" \
		"cnA1_gwB_tx=cnA1:tunnel:$(ul_addr gwB):tx_packets" \
		"gwB_cnA1_rx=gwB:tunnel:$(ul_addr cnA1):rx_packets" \
		"gwB_relayed=gwB:stat:relayed_packets" \
		"gwB_cnB1_tx=gwB:tunnel:$(ul_addr cnB1):tx_packets" \
		"cnB1_gwB_rx=cnB1:tunnel:$(ul_addr gwB):rx_packets" \
		"cnB1_gwA_tx=cnB1:tunnel:$(ul_addr gwA):tx_packets" \
		"gwA_relayed=gwA:stat:relayed_packets" \
		"gwA_cnA1_tx=gwA:tunnel:$(ul_addr cnA1):tx_packets" \
		"cnA1_gwA_rx=cnA1:tunnel:$(ul_addr gwA):rx_packets"
}
declare -A D
counted_ping D path_counters "vmA1_cnA1 cnB1_vmB1 cnA1_gwB_tx gwB_cnA1_rx gwB_relayed gwB_cnB1_tx
	cnB1_gwB_rx cnB1_gwA_tx gwA_relayed gwA_cnA1_tx cnA1_gwA_rx" \
	nsx vmA1 ping -4 -c "$PINGS" -i 0.1 -W 2 "$B1"
report echo "$PING_OUT"
step "$PINGS pings vmA1 -> vmB1 answered" test "$PING_RC" -eq 0

rsection "cnA1: xcloudctl route show (vmB1 via cloud B's gateway)"
report xc cnA1 route show dev xc$TOPO_VNI
rsection "gwB: xcloudctl route show (vmB1 via its compute node)"
report xc gwB route show dev xc$TOPO_VNI
rsection "tunnels with counters (xcloudctl -s tunnel show)"
for h in cnA1 gwB cnB1 gwA; do
	echo "-- $h" >>"$REPORT"
	report xc "$h" -s tunnel show dev xc$TOPO_VNI
done
rsection "gwB: device counters that are not zero (xcloudctl stats dev xc$TOPO_VNI)"
stats_nonzero() { xc "$1" stats dev xc$TOPO_VNI | awk 'NF == 1 || $2 != 0'; }
report stats_nonzero gwB
section "packets of the $PINGS pings vmA1 -> vmB1, per hop"
{
	echo "request  vmA1 -> cnA1 -> gwB : cnA1 tunnel to gwB tx ${D[cnA1_gwB_tx]}, gwB rx from cnA1 ${D[gwB_cnA1_rx]}"
	echo "request  gwB relays          : gwB relayed ${D[gwB_relayed]}"
	echo "request  gwB -> cnB1 -> vmB1 : gwB tunnel to cnB1 tx ${D[gwB_cnB1_tx]}, cnB1 rx from gwB ${D[cnB1_gwB_rx]}"
	echo "reply    cnB1 -> gwA -> cnA1 : cnB1 tx ${D[cnB1_gwA_tx]}, gwA relayed ${D[gwA_relayed]}, gwA tx ${D[gwA_cnA1_tx]}, cnA1 rx ${D[cnA1_gwA_rx]}"
} | show
two_hops() {
	local k
	for k in cnA1_gwB_tx gwB_relayed gwB_cnB1_tx cnB1_gwA_tx gwA_relayed gwA_cnA1_tx; do
		((D[$k] >= PINGS)) || { echo "counter $k moved by ${D[$k]}" >&2; return 1; }
	done
}
step "counters: every request took cnA1 -> gwB -> cnB1, every reply cnB1 -> gwA -> cnA1" two_hops

# ======================================================================
section "2b. A second tenant with the same addresses"
say "tenant 2 (VNI 200): vm2A1 on cnA1 and vm2B1 on cnB1, the addresses of vmA1 and vmB1"
say "every node has a VRF per network, made by its agent: xvrf100 with xc100, xvrf200 with xc200"
# Echo requests VM received (its namespace's Icmp InEchos): not the ARP
# probes of its node, which a loaded host times into the pings.
vm_rx() {
	nsx "$1" awk '/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i; h = 1 } else print $c }' /proc/net/snmp
}
own_only() {	# own_only VM PEER OTHER: PEER gets VM's pings, OTHER none
	local p0 o0
	p0=$(vm_rx "$2") o0=$(vm_rx "$3")
	nsx "$1" ping -4 -q -c 5 -i 0.1 -W 2 "$(vm_addr "$2" 4)" >/dev/null || return 1
	say "$2 received $(($(vm_rx "$2") - p0)) echo requests, $3 (same address, other tenant) $(($(vm_rx "$3") - o0))"
	(($(vm_rx "$2") - p0 >= 5 && $(vm_rx "$3") == o0))
}
step "tenant 2's ping vm2A1 -> vm2B1 ($B1) answered" wait_for 60 vm_ping vm2A1 vm2B1 4 1
step "tenant 1: vmA1 -> $B1 reaches vmB1 only" own_only vmA1 vmB1 vm2B1
step "tenant 2: vm2A1 -> $B1 reaches vm2B1 only" own_only vm2A1 vm2B1 vmB1
step "vmA1 cannot reach its own node's underlay address $(ul_addr cnA1)" \
	eval '! nsx vmA1 ping -q -c 1 -W 1 $(ul_addr cnA1) >/dev/null 2>&1'
rsection "cnA1: the tenants' VRFs (ip vrf; ip route show vrf ...)"
report nsx cnA1 ip vrf
for v in 100 200; do
	echo "-- ip route show vrf xvrf$v" >>"$REPORT"
	report nsx cnA1 ip route show vrf "xvrf$v"
done
echo "-- ip rule" >>"$REPORT"
report nsx cnA1 ip rule

# ======================================================================
section "2c. Cloud B's second gateway; the one carrying a flow dies"
say "gwB2 $(ul_addr gwB2) joins: its agent publishes it, the coordinator names both gateways in cloud A"
cp_start_agent gwB2
both_gws() { cp_route_is cnA1 "$B1" "$(ul_addr gwB)" && cp_route_is cnA1 "$B1" "$(ul_addr gwB2)"; }
step "cnA1 routes vmB1 through gwB and gwB2" wait_for 60 both_gws
gw_state() { [[ $(xc_tunnel_stat cnA1 "$(ul_addr "$1")" state) == "$2" ]]; }
step "cnA1 probes both (100 ms x 3): both up" wait_for 30 eval 'gw_state gwB up && gw_state gwB2 up'
rsection "cnA1: xcloudctl route show (vmB1 through both gateways of cloud B)"
report xc cnA1 route show dev xc$TOPO_VNI
relayed() { xc_stat "$1" relayed_packets 2>/dev/null || echo 0; }
# fo_flow NAME SECONDS ACTION...: a 10 ms ping flow vmA1 -> vmB1 while
# ACTION runs 1 s in; FO[NAME_gwB], FO[NAME_gwB2]: what each relayed of
# it; FO[NAME_lost], FO[NAME_gap]: packets lost, longest gap in ms.
declare -A FO
fo_flow() {
	local name=$1 secs=$2 g b0 b1 out=$SNAP/fo-$1
	shift 2
	b0=$(relayed gwB) b1=$(relayed gwB2)
	nsx vmA1 ping -D -c $((secs * 100)) -i 0.01 -W 1 "$B1" >"$out" 2>&1 &
	g=$!
	sleep 1
	"$@"
	wait $g
	FO[${name}_gwB]=$(($(relayed gwB) - b0))
	FO[${name}_gwB2]=$(($(relayed gwB2) - b1))
	FO[${name}_lost]=$(awk '/packets transmitted/ { print $1 - $4 }' "$out")
	FO[${name}_gap]=$(awk '/bytes from/ { t = substr($1, 2, length($1) - 2) + 0
		if (n++ && t - last > max) max = t - last; last = t }
		END { printf "%d", max * 1000 }' "$out")
	report cat "$out"
}
fo_flow before 2 true
FC=gwB FO_OTHER=gwB2
((FO[before_gwB2] > FO[before_gwB])) && FC=gwB2 FO_OTHER=gwB
say "the flow goes through $FC (relayed ${FO[before_$FC]} of 200)"
down_until_out() { nsx "$FC" ip link set eth0 down; wait_for 10 gw_state "$FC" down; }
fo_flow down 3 down_until_out
say "$FC's link cut: cnA1's probes found it down; the flow moved to $FO_OTHER"
say "  relayed by $FC ${FO[down_$FC]}, by $FO_OTHER ${FO[down_$FO_OTHER]}; lost ${FO[down_lost]}, longest gap ${FO[down_gap]} ms"
# (gateway_ha.sh asserts the 500 ms; a loaded host stretches a demo's.)
step "the flow went on through $FO_OTHER (longest gap ${FO[down_gap]} ms)" \
	eval '((FO[down_gap] < 2000 && FO[down_$FO_OTHER] >= 100))'
up_again() { nsx "$FC" ip link set eth0 up; wait_for 10 gw_state "$FC" up; }
fo_flow back 3 up_again
say "$FC's link up: answering probes again; lost ${FO[back_lost]}"
say "  relayed by $FC ${FO[back_$FC]}, by $FO_OTHER ${FO[back_$FO_OTHER]}"
step "$FC back: cnA1 routes through both, $FC answers probes" \
	wait_for 20 eval 'both_gws && gw_state $FC up'
step "nothing lost while $FC came back" eval '((FO[back_lost] == 0))'
rsection "cnA1: tunnel state events and probes (xcloudctl -s tunnel show)"
report xc cnA1 -s tunnel show dev xc$TOPO_VNI

# ======================================================================
section "3. EIP: from the internet to virtual router 2 under switch 2"
say "sw1 (AS 65001) and sw2 (AS 65002) run BIRD; aggregation node agg and vr1 under sw1, vr2 under sw2"
say "an etcd on agg (the EIP store), xcloudd: role aggregation on agg, role router on vr1 and vr2"
DEV=$EIP_DEV
EIP=$EIP2
# Act 4 makes vr1 and vr2 OVN gateway chassis, whose Geneve holds 6081:
# xcloud's EIP devices use 6082 from the start.
EIP_UDP_PORT=6082
step "switches, aggregation node, virtual routers: BIRD up, BGP sessions established" bgp_up
eip_etcd_launch	# starts while the devices are made
step "xcloud devices on agg, vr1, vr2; VMs behind the routers" eip_devices
EIP_AGG_INGRESS=eth0	# the aggregation agent's eip-ingress
step "etcd on agg; xcloudd aggregation agent on agg, router agents on vr1 and vr2" eip_agents_up
step "agg's agent made eth0 (its uplink to sw1) the ingress device: EIP packets tunnelled where they arrive" \
	wait_for 15 eval 'xce agg link show "$DEV" | grep -q " ingress eth0"'
write_store() {
	eip_put_all /xcloud/eip/pools/pool4 "{\"prefix\":\"$BGP_POOL4\"}" \
		/xcloud/eip/pools/pool6 "{\"prefix\":\"$BGP_POOL6\"}" \
		"/xcloud/eip/addrs/$EIP" "$(eip_record vr2 "$VM4")"
}
step "store: pools $BGP_POOL4 $BGP_POOL6, EIP $EIP -> vr2 (VM $VM4)" write_store
learned() {
	bgp_learned_via_agg sw1 "$BGP_POOL4" && bgp_learned_via_agg sw2 "$BGP_POOL4" &&
		bgp_learned_via_agg sw1 "$EIP/32" && bgp_learned_via_agg sw2 "$EIP/32"
}
step "both switches learned the pool and $EIP/32, next hop = agg $(bgp_addr agg 4)" bgp_wait_or_explain 30 learned
step "agg's eip entry sends $EIP to vr2's node" \
	wait_for 30 eval 'xce agg route show dev $DEV | grep "$EIP" | grep -q "$(bgp_addr vr2 4)"'
rsection "configuration files: xcloudd on agg and vr2, BIRD on sw1, agg and vr2 (eip.conf: what xcloudd generated for BIRD)"
conf_files "$BGP_RUN/agg/xcloudd.conf" "$BGP_RUN/vr2/xcloudd.conf" "$BGP_RUN/sw1/bird.conf" \
	"$BGP_RUN/agg/bird.conf" "$BGP_RUN/agg/eip.conf" "$BGP_RUN/vr2/bird.conf" "$BGP_RUN/vr2/eip.conf"
rsection "EIP store (etcd on agg)"
report eip_dump
rsection "what the agents did (xcloudd logs)"
for h in agg vr2; do
	echo "-- $h" >>"$REPORT"
	report sed 's/^xcloudd: //' "$BGP_RUN/$h/xcloudd.log"
done

# switch_counters TABLE EIP PREFIX: the switches' counters of an EIP's
# path (internet -> sw1 -> aggregation node, vr2 -> sw2 -> sw1 -> internet),
# each rule's comment its key with PREFIX.
switch_counters() {
	bgp_nsx sw1 nft -f - <<-EOF || return 1
		table inet $1 {
			chain count {
				type filter hook forward priority 0; policy accept;
				ip daddr $2 iifname "inet" counter comment "$3inet_sw1"
				ip daddr $2 oifname "br0" counter comment "$3sw1_agg"
				ip saddr $2 iifname "sw2" counter comment "$3sw2_sw1"
				ip saddr $2 oifname "inet" counter comment "$3sw1_inet"
			}
		}
	EOF
	bgp_nsx sw2 nft -f - <<-EOF
		table inet $1 {
			chain count {
				type filter hook forward priority 0; policy accept;
				ip saddr $2 iifname "br0" counter comment "$3vr2_sw2"
			}
		}
	EOF
}
# nft_counters FILE...: KEY=PACKETS of each rule whose comment is KEY.
nft_counters() {
	awk '/comment "/ {
		n = 0
		for (i = 1; i < NF; i++) if ($i == "packets") n = $(i + 1)
		c = $0; sub(/.*comment "/, "", c); sub(/".*/, "", c)
		print c "=" n
	}' "$@"
}
# Counters along the path: nftables on the switches and on vr2.
eip_counters() {
	switch_counters xdemo "$EIP" "" || return 1
	bgp_nsx vr2 nft -f - <<-EOF
		table inet xdemo {
			chain count {
				type filter hook forward priority 10; policy accept;
				ip daddr $VM4 oifname "v-vm2" counter comment "vr2_vm"
			}
		}
	EOF
}
step "nftables counters on sw1, sw2 and vr2" eip_counters
eip_path() {
	xce agg -j -s tunnel show dev $DEV >"$SNAP/agg.tun.json" 2>/dev/null
	xce agg -j stats dev $DEV >"$SNAP/agg.stats.json" 2>/dev/null
	xce vr2 -j stats dev $DEV >"$SNAP/vr2.stats.json" 2>/dev/null
	python3 "$COUNTERS" "$SNAP" "agg_vr2=agg:tunnel:$(bgp_addr vr2 4):tx_packets" \
		"agg_in=agg:stat:ingress_packets" "vr2_rx=vr2:stat:rx_packets"
	bgp_nsx sw1 nft list table inet xdemo 2>/dev/null >"$SNAP/sw1.nft"
	bgp_nsx sw2 nft list table inet xdemo 2>/dev/null >"$SNAP/sw2.nft"
	bgp_nsx vr2 nft list table inet xdemo 2>/dev/null >"$SNAP/vr2.nft"
	nft_counters "$SNAP/sw1.nft" "$SNAP/sw2.nft" "$SNAP/vr2.nft"
}
declare -A ED
counted_ping ED eip_path "inet_sw1 sw1_agg agg_in agg_vr2 vr2_rx vr2_vm vr2_sw2 sw2_sw1 sw1_inet" \
	bgp_nsx inet ping -4 -c "$PINGS" -i 0.1 -W 2 "$EIP"
report echo "$PING_OUT"
step "$PINGS pings inet -> EIP $EIP answered (by vm2 $VM4)" test "$PING_RC" -eq 0

rsection "routes the switches learned (BIRD, then the kernel table)"
for sw in sw1 sw2; do
	echo "-- $sw: birdc show route $EIP/32 all" >>"$REPORT"
	report bgp_birdc "$sw" show route "$EIP/32" all
	echo "-- $sw: ip route show proto bird" >>"$REPORT"
	report bgp_nsx "$sw" ip route show proto bird
done
rsection "agg: xcloudctl link show, route show (pool and eip entries), stats"
report xce agg link show $DEV
report xce agg route show dev $DEV
report xce agg stats dev $DEV
rsection "agg: tunnels with counters"
report xce agg -s tunnel show dev $DEV
rsection "vr2: 1:1 NAT (nftables)"
report bgp_nsx vr2 nft list table inet xcloud_eip
section "packets of the $PINGS pings inet -> $EIP, per hop"
{
	echo "request inet -> sw1          : ${ED[inet_sw1]}"
	echo "request sw1 -> agg           : ${ED[sw1_agg]}"
	echo "request agg -> vr2 (tunnel)  : ${ED[agg_vr2]} (taken at agg's eth0: ${ED[agg_in]}; vr2 decapsulated ${ED[vr2_rx]})"
	echo "request vr2 -> vm2 (after NAT): ${ED[vr2_vm]}"
	echo "reply   vr2 -> sw2           : ${ED[vr2_sw2]}"
	echo "reply   sw2 -> sw1           : ${ED[sw2_sw1]}"
	echo "reply   sw1 -> inet          : ${ED[sw1_inet]}"
} | show
eip_hops() {
	local k
	for k in inet_sw1 sw1_agg agg_in agg_vr2 vr2_rx vr2_vm vr2_sw2 sw2_sw1 sw1_inet; do
		((ED[$k] >= PINGS)) || { echo "counter $k moved by ${ED[$k]}" >&2; return 1; }
	done
}
step "counters: inet -> sw1 -> agg -> vr2 -> vm2, replies vr2 -> sw2 -> inet" eip_hops

# ======================================================================
section "4. EIP through OVN: the virtual routers become OVN gateway chassis"
EIPO=203.0.113.40
say "OVN from Debian's packages: NB, SB and ovn-northd; on vr1 and vr2 ovs-vswitchd and ovn-controller"
say "logical router lr0: VM $OVN_VM ($VM4) bound on vr1, gateway port in an HA chassis group vr2 (20) > vr1 (10)"
say "xcloud-ovn on agg turns the NAT $EIPO <-> $VM4 into vr2's EIP record; vr2's agent hands it to OVN (br-ex)"
ovn_chassis() { ovn_chassis_up vr1 && ovn_chassis_up vr2; }
step "OVN central: NB and SB ovsdb-servers, ovn-northd" ovn_central_up
step "gateway chassis vr1 and vr2: ovsdb-server, ovs-vswitchd (kernel datapath), ovn-controller" ovn_chassis
ovn_logical() { ovn_vm vr1 "$OVN_VM" "$OVN_VM_MAC" "$VM4/24" 10.200.0.1 && ovn_logical_up vr2 vr1; }
step "VM $OVN_VM on vr1; logical switch and router, gateway port on br-ex's network" ovn_logical
gw_on() { [[ $(ovn_gw_chassis) == "$1" ]]; }
step "OVN bound the gateway port to vr2 (its chassisredirect port)" wait_for 120 gw_on vr2
# vr1 and vr2's agents again, as OVN gateway chassis: no NAT of their
# own, the EIPs routed onto OVN's provider bridge.
handoff_agents() {
	eip_unbind "$EIP" && eip_stop vr1 && eip_stop vr2 || return 1
	EIP_HANDOFF=br-ex eip_agent_start vr1 && EIP_HANDOFF=br-ex eip_agent_start vr2
}
step "act 3's EIP removed; router agents on vr1, vr2 again with eip-handoff = br-ex" handoff_agents
on_exit ovn_source_stop
step "xcloud-ovn on agg (NB, SB -> the EIP store)" ovn_source_start
step "NAT in OVN: ovn-nbctl lr-nat-add lr0 dnat_and_snat $EIPO $VM4" \
	nbctl lr-nat-add lr0 dnat_and_snat "$EIPO" "$VM4"
ovn_learned() {
	bgp_learned_via_agg sw1 "$EIPO/32" && bgp_learned_via_agg sw2 "$EIPO/32" &&
		bgp_nsx vr2 ip route show proto 78 | grep -q "^$EIPO dev br-ex"
}
step "record of vr2 in the store; both switches learned $EIPO/32 via agg; vr2 routes it onto br-ex" \
	bgp_wait_or_explain 60 ovn_learned
step "no NAT of xcloud's on vr2 (OVN NATs)" eval '! bgp_nsx vr2 nft list table inet xcloud_eip >/dev/null 2>&1'
# Counters: the switches as in act 3; OVN's Geneve between the chassis
# (requests vr2 -> vr1, replies vr1 -> vr2) counted where it arrives.
ovn_counters() {
	switch_counters xdemo_ovn "$EIPO" o_ || return 1
	bgp_nsx vr1 nft -f - <<-EOF || return 1
		table inet xdemo_ovn {
			chain count {
				type filter hook input priority 0; policy accept;
				ip saddr $(bgp_addr vr2 4) udp dport 6081 counter comment "o_vr2_vr1"
			}
		}
	EOF
	bgp_nsx vr2 nft -f - <<-EOF
		table inet xdemo_ovn {
			chain count {
				type filter hook input priority 0; policy accept;
				ip saddr $(bgp_addr vr1 4) udp dport 6081 counter comment "o_vr1_vr2"
			}
		}
	EOF
}
step "nftables counters on sw1, sw2, vr1, vr2" ovn_counters
ovn_path() {
	local h
	xce agg -j -s tunnel show dev $DEV >"$SNAP/agg.tun.json" 2>/dev/null
	xce vr2 -j stats dev $DEV >"$SNAP/vr2.stats.json" 2>/dev/null
	python3 "$COUNTERS" "$SNAP" "o_agg_vr2=agg:tunnel:$(bgp_addr vr2 4):tx_packets" \
		"o_vr2_rx=vr2:stat:rx_packets"
	echo "o_vr2_brex=$(num "$(link_stat_bgp vr2 br-ex tx_packets)")"
	echo "o_vr1_vm=$(num "$(link_stat_bgp vr1 "p-$OVN_VM" tx_packets)")"
	for h in sw1 sw2 vr1 vr2; do
		bgp_nsx "$h" nft list table inet xdemo_ovn 2>/dev/null
	done >"$SNAP/ovn.nft"
	nft_counters "$SNAP/ovn.nft"
}
link_stat_bgp() { bgp_nsx "$1" cat "/sys/class/net/$2/statistics/$3" 2>/dev/null; }
# The first packets take OVS's slow path (an upcall to ovs-vswitchd,
# seconds under TCG): one ping answered before the counted ones.
step "first ping inet -> $EIPO answered (OVS's flows set up)" \
	wait_for 60 bgp_nsx inet ping -c 1 -W 3 "$EIPO"
OK_KEYS=(o_inet_sw1 o_sw1_agg o_agg_vr2 o_vr2_rx o_vr2_brex o_vr2_vr1 o_vr1_vm o_vr1_vr2 o_vr2_sw2 o_sw2_sw1 o_sw1_inet)
declare -A OD
counted_ping OD ovn_path "${OK_KEYS[*]}" bgp_nsx inet ping -4 -c "$PINGS" -i 0.1 -W 2 "$EIPO"
report echo "$PING_OUT"
step "$PINGS pings inet -> $EIPO answered (by $OVN_VM $VM4, through OVN)" test "$PING_RC" -eq 0
by_ovm() { [[ $(tcp_who "$EIPO" 2>&1) == "$OVN_VM" ]]; }
step "TCP inet -> $EIPO:$EIP_PORT answered by $OVN_VM" wait_for 30 by_ovm

rsection "OVN: ovn-nbctl show, the NAT, where the gateway port is bound (ovn-sbctl show)"
report nbctl show
report nbctl lr-nat-list lr0
report sbctl show
rsection "xcloud-ovn's log and the EIP store (etcd on agg)"
report sed 's/^xcloud-ovn: //' "$BGP_RUN/ovn.log"
report eip_dump
rsection "vr2: the EIP routed onto OVN's provider bridge (ip route show proto 78), no xcloud NAT table"
report bgp_nsx vr2 ip route show proto 78
rsection "vr2's agent (eip-handoff = br-ex)"
report sed 's/^xcloudd: //' "$BGP_RUN/vr2/xcloudd.log"
section "packets of the $PINGS pings inet -> $EIPO (OVN), per hop"
{
	echo "request inet -> sw1 -> agg        : ${OD[o_inet_sw1]}, ${OD[o_sw1_agg]}"
	echo "request agg -> vr2 (xcloud tunnel): ${OD[o_agg_vr2]} (vr2 decapsulated ${OD[o_vr2_rx]})"
	echo "request vr2 -> br-ex (into OVN)   : ${OD[o_vr2_brex]}"
	echo "request vr2 -> vr1 (OVN's Geneve) : ${OD[o_vr2_vr1]} (after OVN's DNAT on vr2)"
	echo "request vr1 -> $OVN_VM              : ${OD[o_vr1_vm]}"
	echo "reply   vr1 -> vr2 (OVN's Geneve) : ${OD[o_vr1_vr2]} (to the gateway chassis: OVN's SNAT)"
	echo "reply   vr2 -> sw2 -> sw1 -> inet : ${OD[o_vr2_sw2]}, ${OD[o_sw2_sw1]}, ${OD[o_sw1_inet]}"
} | show
ovn_hops() {
	local k
	for k in "${OK_KEYS[@]}"; do
		((OD[$k] >= PINGS)) || { echo "counter $k moved by ${OD[$k]}" >&2; return 1; }
	done
}
step "counters: inet -> sw1 -> agg -> vr2 -> OVN -> vr1 -> $OVN_VM, replies vr1 -> vr2 -> sw2 -> inet" ovn_hops

# ======================================================================
section "topology picture"
# shellcheck source=tests/demo/dot.sh
source "$DEMO_DIR/dot.sh"
demo_dot >"$DOT"
say "wrote topology.dot (edge labels from the counters above)"
section "demo finished in $((SECONDS - T0)) s"
