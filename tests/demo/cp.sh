# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Control-plane helpers for the demo: etcd per cloud in namespaces ctlA and
# ctlB, xcloud-coord, an xcloudd per node, VM ports. The same steps as
# tests/selftests/control.sh's helpers (duplicated: those live inside the
# selftest, which must keep running unchanged), without the TAP library.
# Needs lib/topo.sh sourced first, and on_exit.

XCLOUDD=$TOPO_REPO/userspace/xcloudd/xcloudd
COORD=$TOPO_REPO/userspace/coord/xcloud-coord
CP_LEASE=${CP_LEASE:-3}
CP_TMP=$(mktemp -d /tmp/xcloud-demo-cp.XXXXXX)
declare -A CP_PID CP_ETCD=([A]=http://10.255.0.101:2379 [B]=http://10.255.0.102:2379)
declare -A CP_CTL=([A]=ctlA [B]=ctlB)

cp_stop_all() {
	local p
	for p in "${CP_PID[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$CP_TMP"
}
on_exit cp_stop_all

# Logs of the daemons, for a failed demo.
cp_logs() { tail -n 20 "$CP_TMP"/*.log 2>/dev/null; }

cp_b64() { printf '%s' "$1" | base64 -w0; }
cp_kv() {	# cp_kv CLOUD PATH JSON
	nsx "${CP_CTL[$1]}" curl -sf --max-time 5 "${CP_ETCD[$1]}$2" -d "$3"
}
cp_kv_put() {
	cp_kv "$1" /v3/kv/put "{\"key\":\"$(cp_b64 "$2")\",\"value\":\"$(cp_b64 "$3")\"}" >/dev/null
}
cp_kv_dump() {	# cp_kv_dump CLOUD PREFIX: "key value" lines of the prefix
	local end last
	# range end: the prefix with its last character incremented
	last=$(printf '%d' "'${2: -1}")
	end=${2%?}$(printf "\\$(printf '%03o' $((last + 1)))")
	cp_kv "$1" /v3/kv/range "{\"key\":\"$(cp_b64 "$2")\",\"range_end\":\"$(cp_b64 "$end")\"}" |
		python3 -c '
import base64, json, sys
for kv in json.load(sys.stdin).get("kvs", []):
    print(base64.b64decode(kv["key"]).decode(), base64.b64decode(kv.get("value", "")).decode())' |
		sort
}
cp_has_key() { cp_kv "$1" /v3/kv/range "{\"key\":\"$(cp_b64 "$2")\"}" | grep -q '"kvs"'; }

cp_start_etcd() {	# cp_start_etcd CLOUD
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

cp_start_agent() {	# cp_start_agent HOST
	local h=$1 role=switch
	[[ $h == gw* ]] && role=gateway
	ip netns exec "$(ns "$h")" "$XCLOUDD" -c - -r $role -n "$h" -u "$(ul_addr "$h")" \
		-C "${TOPO_CLOUD[$h]}" -e "${CP_ETCD[${TOPO_CLOUD[$h]}]}" \
		-d "$TOPO_VNI=xc$TOPO_VNI" -l "$CP_LEASE" >>"$CP_TMP/agent-$h.log" 2>&1 &
	CP_PID[$h]=$!
}

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

cp_route_of() {	# cp_route_of HOST ADDR: host's xcloud route for ADDR
	xc "$1" route show dev xc$TOPO_VNI | awk -v a="$2" '$1 == a || $1 == a"/32"'
}
cp_route_is() { cp_route_of "$1" "$2" | grep -qw -- "via $3"; }
