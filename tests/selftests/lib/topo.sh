# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Two clouds built out of network namespaces, for the data-plane and
# control-plane selftests and the benchmarks. Sourced, not run.
#
#   underlay  one bridge (namespace "ul") every host hangs off by a veth
#             "eth0"; IPv4 10.255.0.N/24 and IPv6 fd00:ff::N/64 on each
#   cloud A   gateway gwA (N=1), compute nodes cnA1 (11), cnA2 (12)
#   cloud B   gateway gwB (N=2), compute node cnB1 (21)
#   VMs       vmA1 on cnA1, vmA2 on cnA2, vmB1 on cnB1: namespaces behind
#             a veth, routed (L3): the node has a host route to the VM via
#             the veth, the VM a default route via the veth to the node
#             (169.254.1.1 / fe80::1 on the node's side of every veth)
#
# The overlay is then one of:
#   topo_xcloud         one xcloud device per node (vni 100), the two tables
#   topo_geneve_direct  baseline: one-hop L3 geneve cnA1 <-> cnB1
#   topo_vxlan_route    baseline: vxlan to the remote gateway, which
#                       decapsulates, routes, and re-encapsulates in vxlan
#
# Underlay family: TOPO_UL=4 (default) or 6, read by the overlay builders.
# Every namespace is named "$TOPO_ID-<host>"; topo_cleanup (installed as an
# EXIT trap by topo_underlay) deletes them all.

TOPO_ID=${TOPO_ID:-xt$$}
TOPO_UL=${TOPO_UL:-4}
TOPO_VNI=${TOPO_VNI:-100}
TOPO_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOPO_REPO=$(cd "$TOPO_LIB_DIR/../../.." && pwd)
XCLOUDCTL=${XCLOUDCTL:-$TOPO_REPO/userspace/xcloudctl/xcloudctl}

TOPO_HOSTS=(gwA cnA1 cnA2 gwB cnB1)
TOPO_VMS=(vmA1 vmA2 vmB1)

declare -A TOPO_IDX=([gwA]=1 [cnA1]=11 [cnA2]=12 [gwB]=2 [cnB1]=21)
declare -A TOPO_CLOUD=([gwA]=A [cnA1]=A [cnA2]=A [gwB]=B [cnB1]=B
	[vmA1]=A [vmA2]=A [vmB1]=B)
declare -A TOPO_GW=([A]=gwA [B]=gwB)
declare -A TOPO_VM_NODE=([vmA1]=cnA1 [vmA2]=cnA2 [vmB1]=cnB1)
declare -A TOPO_VM4=([vmA1]=10.100.1.1 [vmA2]=10.100.1.2 [vmB1]=10.100.2.1)
declare -A TOPO_VM6=([vmA1]=fd00:100::a:1 [vmA2]=fd00:100::a:2
	[vmB1]=fd00:100::b:1)
TOPO_OVERLAY4=10.100.0.0/16
TOPO_OVERLAY6=fd00:100::/64
# What topo_xcloud's devices accept tunnels from (their allow-list): the
# whole underlay by default. Devices check inner sources (the source
# check is on by default) and an empty allow-list would accept nothing.
TOPO_ALLOW=${TOPO_ALLOW:-10.255.0.0/24 fd00:ff::/64}
TOPO_NS_LIST=()

ns() { echo "$TOPO_ID-$1"; }
# shellcheck source=tests/selftests/lib/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"
# Run a command in host $1's namespace (lib/netns.sh).
nsx() { ns_run "$(ns "$1")" "${@:2}"; }
xc() { local h=$1; shift; "$XCLOUDCTL" -n "$(ns "$h")" "$@"; }

# Underlay address of a host in family ${2:-$TOPO_UL}.
ul_addr() {
	local fam=${2:-$TOPO_UL}
	if [[ $fam == 6 ]]; then echo "fd00:ff::${TOPO_IDX[$1]}"
	else echo "10.255.0.${TOPO_IDX[$1]}"; fi
}

# Overlay address of a VM in family $2 (4 or 6).
vm_addr() {
	if [[ $2 == 6 ]]; then echo "${TOPO_VM6[$1]}"; else echo "${TOPO_VM4[$1]}"; fi
}

topo_log() { echo "# topo: $*" >&2; }

topo_ns_add() {
	ip netns add "$(ns "$1")" || return 1
	TOPO_NS_LIST+=("$1")
	nsx "$1" ip link set lo up
	nsx "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

topo_cleanup() {
	local h
	for h in "${TOPO_NS_LIST[@]}"; do
		ip netns pids "$(ns "$h")" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$(ns "$h")" 2>/dev/null
	done
	TOPO_NS_LIST=()
}

# nsx_batch HOST: the `ip` commands on stdin (one a line, no `ip`) in
# HOST's namespace, one process for all of them (each exec costs a good
# fraction of a second under TCG); stops at the first that fails.
nsx_batch() { ip -n "$(ns "$1")" -batch -; }

# Attach host $1 to the underlay bridge with index $2 (TOPO_IDX).
topo_underlay_host() {
	local h=$1
	TOPO_IDX[$h]=$2
	topo_ns_add "$h" || return 1
	ip link add "ul-$h" netns "$(ns ul)" type veth peer name eth0 \
		netns "$(ns "$h")" || return 1
	nsx ul ip link set "ul-$h" master br0 up
	nsx_batch "$h" <<-EOF
		addr add $(ul_addr "$h" 4)/24 dev eth0
		addr add $(ul_addr "$h" 6)/64 dev eth0 nodad
		link set eth0 up
	EOF
}

topo_underlay() {
	local h
	# lib.sh owns the EXIT trap when it is loaded.
	if declare -F on_exit >/dev/null; then
		on_exit topo_cleanup
	else
		trap topo_cleanup EXIT
	fi
	topo_ns_add ul || return 1
	nsx ul ip link add br0 type bridge
	nsx ul ip link set br0 up
	for h in "${TOPO_HOSTS[@]}"; do
		topo_underlay_host "$h" "${TOPO_IDX[$h]}" || return 1
	done
}

topo_vms() {
	local vm node
	for vm in "${TOPO_VMS[@]}"; do
		node=${TOPO_VM_NODE[$vm]}
		topo_ns_add "$vm" || return 1
		ip link add "v-$vm" netns "$(ns "$node")" type veth peer name eth0 \
			netns "$(ns "$vm")" || return 1
		nsx_batch "$node" <<-EOF || return 1
			link set v-$vm up
			addr add 169.254.1.1/32 dev v-$vm
			addr add fe80::1/64 dev v-$vm nodad
			route add ${TOPO_VM4[$vm]}/32 dev v-$vm
			route add ${TOPO_VM6[$vm]}/128 dev v-$vm
		EOF
		nsx_batch "$vm" <<-EOF || return 1
			link set eth0 up
			addr add ${TOPO_VM4[$vm]}/32 dev eth0
			addr add ${TOPO_VM6[$vm]}/128 dev eth0 nodad
			route add default via 169.254.1.1 dev eth0 onlink
			route add ::/0 via fe80::1 dev eth0
		EOF
	done
}

# Underlay and VMs; the overlay comes from one of the builders below.
topo_build() {
	topo_underlay && topo_vms
}

# Route the whole overlay of node $1 into device $2 (host routes to its
# own VMs are more specific and win).
topo_overlay_routes() {
	nsx "$1" ip route add "$TOPO_OVERLAY4" dev "$2" &&
		nsx "$1" ip -6 route add "$TOPO_OVERLAY6" dev "$2"
}

# ---- xcloud ----

# topo_xcloud [ondemand|eager] [IDLE_SECONDS]
# One device xc100 per node, configured as a real node's: the allow-list
# TOPO_ALLOW, and on compute nodes their own cloud's gateway (both
# families) as "gateways", for the inner source check. Compute nodes:
# remote-cloud VMs -> that cloud's gateway (type gateway), same-cloud VMs
# -> their node (type node); gateways: their cloud's VMs -> their node
# (type node).
topo_xcloud() {
	local policy=${1:-ondemand} idle=${2:-} h mode gws
	for h in "${TOPO_HOSTS[@]}"; do
		mode=edge gws=()
		if [[ $h == gw* ]]; then
			mode=gateway
		else
			gws=(gateways "$(topo_own_gateways "$h")")
		fi
		xc "$h" link add xc"$TOPO_VNI" vni "$TOPO_VNI" local "$(ul_addr "$h")" \
			mode "$mode" tunnels "$policy" ${idle:+idle-timeout "$idle"} \
			"${gws[@]}" || return 1
		{
			echo "link set xc$TOPO_VNI up"
			# what topo_overlay_routes does
			[[ $mode != edge ]] || printf 'route add %s dev xc%s\n' \
				"$TOPO_OVERLAY4" "$TOPO_VNI" "$TOPO_OVERLAY6" "$TOPO_VNI"
		} | nsx_batch "$h" || return 1
	done
	for h in "${TOPO_HOSTS[@]}"; do
		topo_xcloud_table "$h" || return 1
	done
}

# The underlay addresses (both families) of host $1's cloud's gateway,
# as `xcloudctl link ... gateways` takes them.
topo_own_gateways() {
	local gw=${TOPO_GW[${TOPO_CLOUD[$1]}]}
	echo "$(ul_addr "$gw" 4),$(ul_addr "$gw" 6)"
}

# The allow-list of node $1's device, one `allow add` line each.
topo_xcloud_allow_lines() {
	local p
	for p in $TOPO_ALLOW; do
		echo "allow add $p dev xc$TOPO_VNI"
	done
}

# The routes node $1 gets, one `route add` line each (for xcloudctl -batch).
topo_xcloud_table_lines() {
	local h=$1 vm node fam type via
	for vm in "${TOPO_VMS[@]}"; do
		node=${TOPO_VM_NODE[$vm]}
		[[ $node == "$h" ]] && continue
		if [[ $h == gw* ]]; then
			[[ ${TOPO_CLOUD[$vm]} == "${TOPO_CLOUD[$h]}" ]] || continue
			type=node via=$node
		elif [[ ${TOPO_CLOUD[$vm]} == "${TOPO_CLOUD[$h]}" ]]; then
			type=node via=$node
		else
			type=gateway via=${TOPO_GW[${TOPO_CLOUD[$vm]}]}
		fi
		for fam in 4 6; do
			echo "route add $(vm_addr "$vm" $fam) type $type via $(ul_addr "$via") dev xc$TOPO_VNI"
		done
	done
}

topo_xcloud_table() {
	{ topo_xcloud_allow_lines "$1" && topo_xcloud_table_lines "$1"; } |
		xc "$1" -batch - ||
		{ topo_log "$1: xcloudctl -batch of its routes failed"; return 1; }
}

# ---- baselines with the kernel's own devices ----

# One-hop L3 geneve (innerprotoinherit) between $1 and $2 (cnA1 and cnB1),
# device gn0, UDP port $3 (6081; another where xcloud holds 6081).
topo_geneve_direct() {
	local a=${1:-cnA1} b=${2:-cnB1} port=${3:-6081} h peer vm
	for h in "$a" "$b"; do
		peer=$b
		[[ $h == "$b" ]] && peer=$a
		nsx "$h" ip link add gn0 type geneve id "$TOPO_VNI" \
			remote "$(ul_addr "$peer")" dstport "$port" \
			innerprotoinherit || return 1
		# outer IP + UDP + GENEVE, no inner Ethernet
		nsx "$h" ip link set gn0 mtu $((TOPO_UL == 6 ? 1444 : 1464)) up
		for vm in "${TOPO_VMS[@]}"; do
			[[ ${TOPO_VM_NODE[$vm]} == "$peer" ]] || continue
			nsx "$h" ip route add "${TOPO_VM4[$vm]}/32" dev gn0
			nsx "$h" ip -6 route add "${TOPO_VM6[$vm]}/128" dev gn0
		done
	done
}

# A point-to-point vxlan link with VNI $3 (< 256) between hosts $1 and $2,
# device vx$3, transit 192.168.$3.1/30 (on $1) and .2 (on $2),
# fd00:$3::1/64 and ::2.
topo_vxlan_link() {
	local a=$1 b=$2 vni=$3 h peer i=1
	for h in "$a" "$b"; do
		peer=$b
		[[ $h == "$b" ]] && peer=$a
		nsx "$h" ip link add "vx$vni" type vxlan id "$vni" dstport 4789 \
			local "$(ul_addr "$h")" remote "$(ul_addr "$peer")" \
			nolearning || return 1
		# outer IP + UDP + VXLAN + inner Ethernet
		nsx "$h" ip link set "vx$vni" mtu $((TOPO_UL == 6 ? 1430 : 1450))
		nsx "$h" ip addr add "192.168.$vni.$i/30" dev "vx$vni"
		nsx "$h" ip addr add "fd00:$vni::$i/64" dev "vx$vni" nodad
		nsx "$h" ip link set "vx$vni" up
		i=2
	done
}

# What an operator builds without xcloud: cnA1 -> gwB -> cnB1 and
# cnB1 -> gwA -> cnA1, each hop a vxlan link; the gateways decapsulate,
# route (host routes to the remote nodes' VMs), and encapsulate again.
topo_vxlan_route() {
	topo_vxlan_link cnA1 gwB 101 && topo_vxlan_link gwB cnB1 102 &&
		topo_vxlan_link cnB1 gwA 103 && topo_vxlan_link gwA cnA1 104 ||
		return 1
	# forward: cnA1 -> gwB -> cnB1
	nsx cnA1 ip route add 10.100.2.0/24 via 192.168.101.2
	nsx cnA1 ip -6 route add fd00:100::b:0/112 via fd00:101::2
	nsx gwB ip route add "${TOPO_VM4[vmB1]}/32" via 192.168.102.2
	nsx gwB ip -6 route add "${TOPO_VM6[vmB1]}/128" via fd00:102::2
	# reverse: cnB1 -> gwA -> cnA1
	nsx cnB1 ip route add 10.100.1.0/24 via 192.168.103.2
	nsx cnB1 ip -6 route add fd00:100::a:0/112 via fd00:103::2
	nsx gwA ip route add "${TOPO_VM4[vmA1]}/32" via 192.168.104.2
	nsx gwA ip -6 route add "${TOPO_VM6[vmA1]}/128" via fd00:104::2
}

# ---- helpers for tests ----

# vm_ping VM DSTVM FAM [COUNT]: quiet ping from VM to DSTVM's overlay address.
vm_ping() {
	local c=${4:-3}
	if [[ $3 == 6 ]]; then
		nsx "$1" ping -6 -q -c "$c" -i 0.2 -W 2 "$(vm_addr "$2" 6)" >/dev/null
	else
		nsx "$1" ping -4 -q -c "$c" -i 0.2 -W 2 "$(vm_addr "$2" 4)" >/dev/null
	fi
}

# tcp_transfer SRCVM DSTVM FAM BYTES: sends BYTES over TCP, checks that the
# receiver got exactly that many bytes with the right checksum.
tcp_transfer() {
	python3 "$TOPO_LIB_DIR/tcpxfer.py" --netns-src "$(ns "$1")" \
		--netns-dst "$(ns "$2")" --addr "$(vm_addr "$2" "$3")" --bytes "$4"
}

# (These helpers are polled in loops: they parse with jfield.awk, which
# starts ten times faster than python under TCG; jfield.py does the rest.)
#
# One counter out of `xcloudctl -j stats dev DEV` on host $1: $2 is the
# uapi name without prefix, lower case (tx_packets, relayed_packets,
# rx_hop_limit, ...); device counters first, then the namespace's.
xc_stat() {
	local dev=${3:-xc$TOPO_VNI}
	xc "$1" -j stats dev "$dev" | awk -f "$TOPO_LIB_DIR/jfield.awk" -v cmd=stat -v name="$2"
}

# Counter $2 of host $1's device plus its namespace's (drops that happen
# before the VNI is known are only counted in the namespace).
xc_statsum() {
	local dev=${3:-xc$TOPO_VNI}
	xc "$1" -j stats dev "$dev" | awk -f "$TOPO_LIB_DIR/jfield.awk" -v cmd=statsum -v name="$2"
}

# A tunnel counter out of `xcloudctl -j tunnel show -s` on host $1 for
# remote underlay address $2 (0 if the tunnel does not exist).
xc_tunnel_stat() {
	xc "$1" -j -s tunnel show |
		awk -f "$TOPO_LIB_DIR/jfield.awk" -v cmd=tunnel -v remote="$2" -v name="$3"
}

# Remote addresses of host $1's tunnels, one a line.
xc_tunnels() {
	xc "$1" -j tunnel show | awk -f "$TOPO_LIB_DIR/jfield.awk" -v cmd=remotes
}

# Whether the xcloud module and CLI are there to test.
xcloud_available() {
	[[ -x $XCLOUDCTL ]] || return 1
	[[ -d /sys/module/xcloud ]] || modprobe xcloud 2>/dev/null ||
		return 1
	ip netns add "$TOPO_ID-probe" || return 1
	"$XCLOUDCTL" -n "$TOPO_ID-probe" link add xcprobe vni 1 2>/dev/null
	local rc=$?
	ip netns del "$TOPO_ID-probe"
	return $rc
}
