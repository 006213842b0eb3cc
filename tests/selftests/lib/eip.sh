# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The EIP data path on top of lib/bgp.sh's topology: one xcloud device
# (vni 4000) on agg, vr1 and vr2, a VM namespace behind each router, TCP
# and counter probes, and the store (etcd on the aggregation node) with
# xcloudd's aggregation and router agents. Sourced after lib/bgp.sh; used
# by tests/selftests/eip_*.sh, tests/bench/eip.sh and `make demo`.

XCLOUDCTL=${XCLOUDCTL:-$BGP_REPO/userspace/xcloudctl/xcloudctl}
XCLOUDD=${XCLOUDD:-$BGP_REPO/userspace/xcloudd/xcloudd}
EIPTOOL=$BGP_REPO/userspace/eip/xcloud-eip
JFIELD=$BGP_LIB_DIR/jfield.py
EIP_VNI=4000
EIP_DEV=xceip

EIP2=203.0.113.20       # vr2's, NAT to vm2
EIP2_6=2001:db8:e1::20
EIPM=203.0.113.30       # starts on vr1 (vm1), moves to vr2 (vm2)
VM4=10.200.0.5          # each router's VM has the same private address:
VM6=fd00:200::5         # private networks overlap, the EIP tells them apart
VM4B=10.200.0.6         # vm2's second address, for the moved EIP (1:1 NAT)
EIP_PORT=8080

# xcloudctl in the BGP topology's host $1 (xce: topo.sh has its own xc).
xce() { local h=$1; shift; "$XCLOUDCTL" -n "$(bgp_ns "$h")" "$@"; }

# Does this module know `eip` routes? Probe in a scratch namespace.
eip_supported() {
	local ns=$BGP_ID-probe rc=0
	ip netns add "$ns" || return 1
	"$XCLOUDCTL" -n "$ns" link add xcprobe vni 1 local 192.0.2.1 >/dev/null 2>&1 &&
		"$XCLOUDCTL" -n "$ns" route add 192.0.2.9/32 type eip via 192.0.2.2 \
			dev xcprobe >/dev/null 2>&1 || rc=1
	ip netns del "$ns"
	return $rc
}

# A VM behind router $1: namespace vm$N, veth, VM4/VM6, default via the
# router. A TCP server answers every connection with the VM's name.
eip_add_vm() {
	local r=$1 vm=vm${1#vr}
	bgp_ns_add "$vm" || return 1
	bgp_link "$r" "v-$vm" "$vm" eth0 || return 1
	bgp_addrs "$r" "v-$vm" 10.200.0.1/24 fd00:200::1/64
	bgp_addrs "$vm" eth0 "$VM4/24" "$VM6/64"
	bgp_nsx "$vm" ip addr add "$VM4B/24" dev eth0
	bgp_nsx "$vm" ip route add default via 10.200.0.1
	bgp_nsx "$vm" ip -6 route add default via fd00:200::1
	eip_vm_serve "$vm"
}

# A TCP server in VM namespace $1 answering every connection (port
# EIP_PORT, IPv4 and IPv6) with the VM's name.
eip_vm_serve() {
	local vm=$1
	bgp_nsx "$vm" python3 -c '
import socket, sys, threading
def serve(fam, addr):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, int(sys.argv[2]))); s.listen(16)
    while True:
        c, _ = s.accept(); c.sendall(sys.argv[1].encode()); c.close()
threading.Thread(target=serve, args=(socket.AF_INET6, "::"), daemon=True).start()
serve(socket.AF_INET, "0.0.0.0")' "$vm" "$EIP_PORT" </dev/null >/dev/null 2>&1 &
}

# eip_dev_opts HOST: the options of HOST's device beyond vni and local. A
# virtual router's node receives internet traffic from the aggregation
# node: its inner sources are arbitrary by design, so no source check
# (the aggregation node's device receives no tunnel traffic and keeps it).
eip_dev_opts() { [[ $1 == agg* ]] || echo "source-check off"; }

# xcloud devices on the aggregation nodes, vr1, vr2 and the VMs behind
# the routers; on UDP port EIP_UDP_PORT if set (6082 where the routers
# become OVN gateway chassis: OVN's Geneve holds 6081).
eip_devices() {
	local h
	for h in "${BGP_AGGS[@]}" vr1 vr2; do
		# shellcheck disable=SC2046 # eip_dev_opts' words
		xce "$h" link add "$EIP_DEV" vni "$EIP_VNI" ${EIP_UDP_PORT:+port "$EIP_UDP_PORT"} \
			local "$(bgp_addr "$h" 4)" mode edge $(eip_dev_opts "$h") &&
			bgp_nsx "$h" ip link set "$EIP_DEV" up || return 1
	done
	eip_add_vm vr1 && eip_add_vm vr2
}

# Name of the VM answering a new TCP connection from inet to $1.
tcp_who() {
	bgp_nsx inet python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
print(s.recv(64).decode())' "$1" "$EIP_PORT"
}

# Counters; -1 when they cannot be read (the checks then fail, with the
# numbers in a diag line).
stat_of() { # HOST COUNTER
	xce "$1" -j stats dev "$EIP_DEV" | python3 "$JFIELD" stat "$2" 2>/dev/null || echo -1
}
tunnel_tx() { # HOST REMOTE
	xce "$1" -j -s tunnel show dev "$EIP_DEV" |
		python3 "$JFIELD" tunnel "$2" tx_packets 2>/dev/null || echo -1
}
link_rx() { # HOST IFNAME
	bgp_nsx "$1" cat "/sys/class/net/$2/statistics/rx_packets" || echo -1
}

# ---- the store and the agents (xcloudd roles) ----

EIP_ETCD=http://$(bgp_addr agg 4):2379
declare -A EIP_PID=()

# etcd on the aggregation node (the cloud controller's store; routers
# reach it through the switches). Launched in the background, so a caller
# can build something else while it starts (slow under TCG).
eip_etcd_launch() {
	local ip=${EIP_ETCD#http://}
	ip=${ip%:*}
	[[ -z ${EIP_PID[etcd]:-} ]] || return 0
	mkdir -p "$BGP_RUN" || return 1
	# Not through bgp_nsx (a function): $! must be the daemon itself.
	ip netns exec "$(bgp_ns agg)" etcd --name eip --data-dir "$BGP_RUN/etcd" \
		--listen-client-urls "$EIP_ETCD" --advertise-client-urls "$EIP_ETCD" \
		--listen-peer-urls "http://$ip:2380" --initial-advertise-peer-urls "http://$ip:2380" \
		--initial-cluster "eip=http://$ip:2380" >>"$BGP_RUN/etcd.log" 2>&1 &
	EIP_PID[etcd]=$!
}

# Polled every 0.5 s: each curl costs the TCG guest a lot of CPU.
eip_etcd_wait() {
	local end=$((SECONDS + 180))
	until eip_kv /v3/kv/range "{\"key\":\"$(eip_b64 /)\"}"; do
		((SECONDS < end)) || return 1
		sleep 0.5
	done
}

eip_etcd_start() { eip_etcd_launch && eip_etcd_wait; }

# shellcheck source=tests/selftests/lib/etcd.sh
source "$(dirname "${BASH_SOURCE[0]}")/etcd.sh"
eip_b64() { etcd_b64 "$1"; }
eip_kv() { bgp_nsx agg curl -sf --max-time 5 "$EIP_ETCD$1" -d "$2" >/dev/null; }
eip_put() { eip_kv /v3/kv/put "{\"key\":\"$(eip_b64 "$1")\",\"value\":\"$(eip_b64 "$2")\"}"; }
# eip_put_all KEY VALUE...: one transaction, one request.
eip_put_all() {
	local ops='' sep=''
	while (($# >= 2)); do
		ops+="$sep{\"request_put\":{\"key\":\"$(eip_b64 "$1")\",\"value\":\"$(eip_b64 "$2")\"}}"
		sep=, && shift 2
	done
	eip_kv /v3/kv/txn "{\"success\":[$ops]}"
}
eip_del() { eip_kv /v3/kv/deleterange "{\"key\":\"$(eip_b64 "$1")\"}"; }

# "key value" lines under prefix $1 (default /xcloud/eip/), sorted.
eip_dump() {
	bgp_nsx agg curl -sf --max-time 5 "$EIP_ETCD/v3/kv/range" \
		-d "$(etcd_prefix_range "${1:-/xcloud/eip/}")" | etcd_kvs
}

# "version mod_revision" of key $1 ("0 0" if absent): how often it was
# written.
eip_meta() {
	bgp_nsx agg curl -sf --max-time 5 "$EIP_ETCD/v3/kv/range" \
		-d "{\"key\":\"$(eip_b64 "$1")\"}" |
		jq -r '.kvs[0] // {} | "\(.version // 0) \(.mod_revision // 0)"'
}

# The value of key $1 (empty if absent).
eip_value() { eip_dump "$1" | awk -v k="$1" '$1 == k { sub(/^[^ ]* /, ""); print }'; }

# eip_pool NAME PREFIX / eip_pool_del NAME
eip_pool() { eip_put "/xcloud/eip/pools/$1" "{\"prefix\":\"$2\"}"; }
eip_pool_del() { eip_del "/xcloud/eip/pools/$1"; }
# eip_bind EIP ROUTER PRIVATE: the EIP belongs to ROUTER's VM PRIVATE
# (one store write, also to move it) / eip_unbind EIP
eip_record() { echo "{\"router\":\"$1\",\"node\":\"$(bgp_addr "$1" 4)\",\"private\":\"$2\"}"; }
eip_bind() { eip_put "/xcloud/eip/addrs/$1" "$(eip_record "$2" "$3")"; }
eip_unbind() { eip_del "/xcloud/eip/addrs/$1"; }

# xcloudd on host $1 (agg: aggregation role; vr*: router role), feeding
# that host's BIRD through its eip.conf; log in $BGP_RUN/$1/xcloudd.log.
# Its configuration: $BGP_RUN/$1/xcloudd.conf.
eip_agent_conf() {
	local h=$1
	echo "[agent]"
	if [[ $h == agg* ]]; then
		echo "role = aggregation"
		echo "eip-device = $EIP_DEV"
		[[ -z ${EIP_AGG_INGRESS:-} ]] || echo "eip-ingress = $EIP_AGG_INGRESS"
	else
		echo "role = router"
		echo "router = $h"
		# An OVN gateway chassis: OVN NATs (docs/ovn.md).
		[[ -z ${EIP_HANDOFF:-} ]] || echo "eip-handoff = $EIP_HANDOFF"
	fi
	# Router agents' liveness keys end lease-ttl after their agent.
	[[ -z ${EIP_LEASE_TTL:-} ]] || echo "lease-ttl = $EIP_LEASE_TTL"
	cat <<-EOF
		etcd = $EIP_ETCD
		bird-socket = $BGP_RUN/$h/bird.ctl
		bird-config = $BGP_RUN/$h/bird.conf
		bird-include = $BGP_RUN/$h/eip.conf
	EOF
}

eip_agent_start() {
	local h=$1
	eip_agent_conf "$h" >"$BGP_RUN/$h/xcloudd.conf"
	# Its lease file in its own directory: not a previous test's.
	RUNTIME_DIRECTORY=$BGP_RUN/$h ip netns exec "$(bgp_ns "$h")" "$XCLOUDD" \
		-c "$BGP_RUN/$h/xcloudd.conf" >>"$BGP_RUN/$h/xcloudd.log" 2>&1 &
	EIP_PID[$h]=$!
}

eip_stop() { # eip_stop NAME: an agent (host name) or etcd
	[[ -n ${EIP_PID[$1]:-} ]] || return 0
	kill "${EIP_PID[$1]}" 2>/dev/null || true
	wait "${EIP_PID[$1]}" 2>/dev/null || true
	unset "EIP_PID[$1]"
}

# Everything started here, agents first; registered by eip_agents_up.
eip_agents_down() {
	local n
	for n in "${BGP_AGGS[@]}" vr1 vr2 etcd; do eip_stop "$n"; done
}

# etcd and the agents (every aggregation node, vr1, vr2), stopped at exit
# before the topology goes.
eip_agents_up() {
	local a
	if declare -F on_exit >/dev/null; then on_exit eip_agents_down
	else trap 'eip_agents_down; bgp_down' EXIT; fi
	eip_etcd_start || return 1
	for a in "${BGP_AGGS[@]}"; do eip_agent_start "$a" || return 1; done
	eip_agent_start vr1 && eip_agent_start vr2
}
