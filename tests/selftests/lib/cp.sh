# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The control plane on the two clouds of lib/topo.sh, for
# tests/selftests/control.sh and the demo (tests/demo/guest.sh): one etcd
# per cloud in namespaces ctlA and ctlB on the underlay, xcloud-coord, an
# xcloudd per node, VM ports. Sourced, not run; needs lib/topo.sh sourced
# first and an on_exit function (lib.sh's, or the demo's).
#
#   CP_LEASE   the agents' lease in seconds (default 3); CP_LEASE_OF[HOST]
#              one agent's own
#   CP_NAME    the temporary directory is /tmp/xcloud-$CP_NAME.XXXXXX
#              (default cp); the daemons' logs are kept there
#
# The daemons are killed (kill -9) and the directory removed at exit.

XCLOUDD=$TOPO_REPO/userspace/xcloudd/xcloudd
COORD=$TOPO_REPO/userspace/coord/xcloud-coord
CP_LEASE=${CP_LEASE:-3}
declare -A CP_LEASE_OF
CP_TMP=$(mktemp -d "/tmp/xcloud-${CP_NAME:-cp}.XXXXXX")
# The agents' runtime files (the lease a restart keeps) stay with the test.
export RUNTIME_DIRECTORY=$CP_TMP
declare -A CP_PID CP_ETCD=([A]=http://10.255.0.101:2379 [B]=http://10.255.0.102:2379)
declare -A CP_CTL=([A]=ctlA [B]=ctlB)

# cp_kill_all: kill -9 every daemon started here and reap it.
cp_kill_all() {
	local p
	for p in "${CP_PID[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	CP_PID=()
}
cp_stop_all() {
	cp_kill_all
	rm -rf "$CP_TMP"
}
on_exit cp_stop_all

# cp_logs [N]: the last N (20) lines of each daemon's log.
cp_logs() { tail -n "${1:-20}" "$CP_TMP"/*.log 2>/dev/null; }

# ---- the store (from the cloud's controller namespace) ----
# shellcheck source=tests/selftests/lib/etcd.sh
source "$(dirname "${BASH_SOURCE[0]}")/etcd.sh"
cp_b64() { etcd_b64 "$1"; }
cp_kv() {	# cp_kv CLOUD PATH JSON
	nsx "${CP_CTL[$1]}" curl -sf --max-time 5 "${CP_ETCD[$1]}$2" -d "$3"
}
cp_kv_put() {	# cp_kv_put CLOUD KEY VALUE
	cp_kv "$1" /v3/kv/put "{\"key\":\"$(cp_b64 "$2")\",\"value\":\"$(cp_b64 "$3")\"}" >/dev/null
}
cp_kv_dump() {	# cp_kv_dump CLOUD PREFIX: "key value" lines of the prefix
	cp_kv "$1" /v3/kv/range "$(etcd_prefix_range "$2")" | etcd_kvs
}
cp_has_key() {	# cp_has_key CLOUD KEY
	cp_kv "$1" /v3/kv/range "{\"key\":\"$(cp_b64 "$2")\"}" | grep -q '"kvs"'
}
cp_no_key() { ! cp_has_key "$@"; }

# ---- topology: underlay with ctlA and ctlB, VMs without a route ----
# cp_topology: lib/topo.sh's underlay (TOPO_HOSTS, plus the controllers
# ctlA and ctlB) and the VMs' namespaces, not plugged in. The agents make
# each node's VRF and xcloud device from what cp_declare_network writes.
cp_topology() {
	local vm
	topo_underlay || return 1
	topo_underlay_host ctlA 101 && topo_underlay_host ctlB 102 || return 1
	for vm in "${TOPO_VMS[@]}"; do topo_ns_add "$vm" || return 1; done
}

# cp_declare_network [VNI]: what a cloud's controller writes in every
# cloud: the virtual network VNI (default TOPO_VNI) with the overlay
# prefixes, and each cloud's underlay (the agents accept tunnels from
# there; the coordinator copies it to the other clouds).
cp_declare_network() {
	local vni=${1:-$TOPO_VNI} c
	for c in A B; do
		cp_kv_put "$c" "/xcloud/networks/$vni" \
			"{\"prefixes\":[\"$TOPO_OVERLAY4\",\"$TOPO_OVERLAY6\"]}" || return 1
		cp_kv_put "$c" "/xcloud/underlay/$c" \
			'{"prefixes":["10.255.0.0/24","fd00:ff::/64"]}' || return 1
	done
}

# ---- daemons ----
# Not through nsx (a function): $! must be the daemon itself.
cp_start_etcd() {	# cp_start_etcd CLOUD: returns once it answers (180 s at most)
	local c=$1 ip=${CP_ETCD[$1]#http://} end
	ip=${ip%:*}
	ip netns exec "$(ns "${CP_CTL[$c]}")" etcd --name "$c" --data-dir "$CP_TMP/etcd-$c" \
		--listen-client-urls "${CP_ETCD[$c]}" --advertise-client-urls "${CP_ETCD[$c]}" \
		--listen-peer-urls "http://$ip:2380" --initial-advertise-peer-urls "http://$ip:2380" \
		--initial-cluster "$c=http://$ip:2380" >>"$CP_TMP/etcd-$c.log" 2>&1 &
	CP_PID[etcd$c]=$!
	end=$((SECONDS + 180))
	until cp_kv "$c" /v3/kv/range "{\"key\":\"$(cp_b64 /)\"}" >/dev/null 2>&1; do
		if ((SECONDS >= end)); then
			tail -n 5 "$CP_TMP/etcd-$c.log" >&2
			return 1
		fi
		sleep 0.2
	done
}

cp_start_coord() {
	printf '[coord]\nremove-delay = 5\n[cloud A]\netcd = %s\n[cloud B]\netcd = %s\n' \
		"${CP_ETCD[A]}" "${CP_ETCD[B]}" >"$CP_TMP/coord.conf"
	ip netns exec "$(ns ctlA)" "$COORD" -c "$CP_TMP/coord.conf" >>"$CP_TMP/coord.log" 2>&1 &
	CP_PID[coord]=$!
}

# cp_agent_conf HOST: the node's xcloudd.conf, as an operator writes it
# (gw*: role gateway, else switch).
cp_agent_conf() {
	local h=$1 role=switch
	[[ $h == gw* ]] && role=gateway
	cat <<-EOF
		[agent]
		role = $role
		cloud = ${TOPO_CLOUD[$h]}
		node = $h
		underlay = $(ul_addr "$h")
		etcd = ${CP_ETCD[${TOPO_CLOUD[$h]}]}
		lease-ttl = ${CP_LEASE_OF[$h]:-$CP_LEASE}
	EOF
}

cp_start_agent() {	# cp_start_agent HOST: xcloudd -c $CP_TMP/HOST.conf
	local h=$1
	cp_agent_conf "$h" >"$CP_TMP/$h.conf"
	ip netns exec "$(ns "$h")" "$XCLOUDD" -c "$CP_TMP/$h.conf" \
		>>"$CP_TMP/agent-$h.log" 2>&1 &
	CP_PID[$h]=$!
}

# cp_kill NAME [SIGNAL]: stop one daemon (etcdA, etcdB, coord or a host
# name) with SIGNAL (TERM) and reap it.
cp_kill() {
	kill "-${2:-TERM}" "${CP_PID[$1]}" 2>/dev/null || true
	wait "${CP_PID[$1]}" 2>/dev/null || true
	unset "CP_PID[$1]"
}

# ---- VM ports ----
# cp_vm_plug VM NODE: the VM's port on NODE (veth "v-VM"), link up; the
# agent on NODE sees it and publishes the binding.
cp_vm_plug() {
	local vm=$1 node=$2
	ip link add "v-$vm" netns "$(ns "$node")" type veth peer name eth0 \
		netns "$(ns "$vm")" || return 1
	nsx "$node" ip addr add 169.254.1.1/32 dev "v-$vm"
	nsx "$vm" ip link set eth0 up
	nsx "$vm" ip addr add "$(vm_addr "$vm" 4)/32" dev eth0
	nsx "$vm" ip route add default via 169.254.1.1 dev eth0 onlink
	nsx "$node" ip link set "v-$vm" up
}
cp_declare_port() {	# cp_declare_port VM NODE: what the cloud's API writes
	cp_kv_put "${TOPO_CLOUD[$1]}" "/xcloud/ports/$TOPO_VNI/$(vm_addr "$1" 4)" \
		"{\"ifname\":\"v-$1\",\"node\":\"$2\"}"
}

# ---- the agents' work ----
cp_device_up() {	# cp_device_up HOST [VNI]: the agent made the VNI's device, up, in its VRF
	local v=${2:-$TOPO_VNI}
	nsx "$1" ip -o link show "xc$v" 2>/dev/null | grep "master xvrf$v " | grep -q "[<,]UP[,>]"
}
# cp_route_of HOST ADDR [VNI]: HOST's xcloud route for ADDR, or nothing; a
# route naming a next-hop group is followed by the group ("... nhid N id N
# type gateway via X ..."), so "via X" matches either form.
cp_route_of() {
	local r id dev=xc${3:-$TOPO_VNI}
	r=$(xc "$1" route show dev "$dev" | awk -v a="$2" '$1 == a || $1 == a"/32"')
	id=$(sed -n 's/.* nhid \([0-9]*\).*/\1/p' <<<"$r")
	[[ -n $id ]] && r="$r $(xc "$1" nexthop show id "$id" dev "$dev")"
	[[ -z $r ]] || echo "$r"
}
cp_route_is() { cp_route_of "$1" "$2" "${4-}" | grep -qw -- "via $3"; }	# HOST ADDR NEXTHOP [VNI]
cp_no_route() { [[ -z $(cp_route_of "$1" "$2") ]]; }
