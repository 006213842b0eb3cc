#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Control-plane convergence: from a VM port coming up (its interface on a
# compute node of cloud B goes up) until the compute node of cloud A (and
# the gateway of cloud B) has the VM's route, through xcloudd (publish the
# binding), xcloud-coord (remote entry in cloud A) and xcloudd (program the
# table). Ports are dummy interfaces. Prints
#   BENCH converge_p50_ms <v> ms     (1,000 VMs, one every 20 ms)
#   BENCH converge_p99_ms <v> ms
#   BENCH converge_10k_vms_s <v> s   (10,000 VMs up at once, until every
#                                     watched table has all of them)
# "# stage" notes: when each step of the way happened (p50/p99 after the
# port came up), from the daemons' time-stamped logs.
# BENCH_LOGS=1 keeps the daemons' logs (with monotonic time stamps) and
# each VM's times in $XCLOUD_OUT/control-logs (tests/bench/run: the
# host's directory BENCH_OUT), to see where the time goes.
# BENCH_ETCD_PPROF=1 (with tests/bench/run's BENCH_OUT) starts the etcds
# with --enable-pprof and keeps a CPU profile of each over the paced part
# ($XCLOUD_OUT/etcd-A|B.pprof; read with `go tool pprof -top FILE`: Go
# symbolizes it, the binary is not needed).
# BENCH_ETCD_ENV is put in the etcds' environment: by default each etcd
# runs Go on one CPU (GOMAXPROCS=1), a controller of one core, as two
# clouds' etcds and every agent share the guest's two vCPUs; under TCG
# Go's idle processors spinning for work cost each etcd a quarter of its
# CPU per small transaction. BENCH_ETCD_ENV= (empty) leaves Go's default.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

XCLOUDD=$TOPO_REPO/userspace/xcloudd/xcloudd
COORD=$TOPO_REPO/userspace/coord/xcloud-coord
N1=${BENCH_CONVERGE_VMS:-1000}
N2=${BENCH_CONVERGE_BULK_VMS:-10000}
PPROF=
[[ -z ${BENCH_ETCD_PPROF:-} || -z ${XCLOUD_OUT:-} ]] || PPROF=--enable-pprof
declare -A ETCD=([A]=http://10.255.0.101:2379 [B]=http://10.255.0.102:2379)
declare -A CTL=([A]=ctlA [B]=ctlB)
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [[ -n ${BENCH_LOGS:-} && -n ${XCLOUD_OUT:-} ]]; then
		mkdir -p "$XCLOUD_OUT/control-logs"
		cp "$BENCH_TMP"/*.log "$BENCH_TMP"/times-* "$XCLOUD_OUT/control-logs"/ 2>/dev/null
	fi
	topo_cleanup
	rm -rf "$BENCH_TMP"
}
trap cleanup EXIT

topo_underlay || exit 1
trap cleanup EXIT	# topo_underlay set its own
topo_underlay_host ctlA 101 && topo_underlay_host ctlB 102 || exit 1
for h in "${TOPO_HOSTS[@]}"; do
	mode=edge
	[[ $h == gw* ]] && mode=gateway
	xc "$h" link add xc100 vni 100 local "$(ul_addr "$h")" mode $mode || exit 1
	nsx "$h" ip link set xc100 up
done
for c in A B; do
	ip=${ETCD[$c]#http://}
	ip=${ip%:*}
	ip netns exec "$(ns "${CTL[$c]}")" env ${BENCH_ETCD_ENV-GOMAXPROCS=1} etcd --name $c --data-dir "$BENCH_TMP/etcd-$c" \
		--listen-client-urls "${ETCD[$c]}" --advertise-client-urls "${ETCD[$c]}" \
		--listen-peer-urls "http://$ip:2380" --initial-advertise-peer-urls "http://$ip:2380" \
		--initial-cluster "$c=http://$ip:2380" --max-txn-ops 1000 \
		--quota-backend-bytes 4294967296 $PPROF >"$BENCH_TMP/etcd-$c.log" 2>&1 &
	PIDS+=($!)
done
note "etcd's environment: ${BENCH_ETCD_ENV-GOMAXPROCS=1}"
for c in A B; do
	for _ in $(seq 150); do
		nsx "${CTL[$c]}" curl -sf "${ETCD[$c]}/v3/kv/range" -d '{"key":"Lw=="}' >/dev/null && break
		sleep 0.2
	done
done
# What each cloud declares: the coordinator takes bindings only inside
# the network's prefixes, gateways only inside the cloud's underlay.
b64() { printf '%s' "$1" | base64 -w0; }
for c in A B; do
	for kv in "/xcloud/networks/100 {\"prefixes\":[\"10.100.0.0/16\"]}" \
		  "/xcloud/underlay/$c {\"prefixes\":[\"10.255.0.0/24\"]}"; do
		nsx "${CTL[$c]}" curl -sf "${ETCD[$c]}/v3/kv/put" \
			-d "{\"key\":\"$(b64 "${kv%% *}")\",\"value\":\"$(b64 "${kv#* }")\"}" >/dev/null || exit 1
	done
done
export XCLOUD_LOG_TIMES=1
printf '[cloud A]\netcd = %s\n[cloud B]\netcd = %s\n' "${ETCD[A]}" "${ETCD[B]}" >"$BENCH_TMP/coord.conf"
ip netns exec "$(ns ctlA)" "$COORD" -c "$BENCH_TMP/coord.conf" >"$BENCH_TMP/coord.log" 2>&1 &
PIDS+=($!)
for h in cnA1 gwB cnB1; do
	role=switch
	[[ $h == gw* ]] && role=gateway
	c=${TOPO_CLOUD[$h]}
	ip netns exec "$(ns "$h")" "$XCLOUDD" -c - -r $role -n "$h" -u "$(ul_addr "$h")" -C "$c" \
		-e "${ETCD[$c]}" -d 100=xc100 >"$BENCH_TMP/agent-$h.log" 2>&1 &
	PIDS+=($!)
done

# The VMs' ports: dummies on cnB1, down, without IPv6: addrconf on every
# link going up (link-local address, DAD, MLD) is most of the emulated
# kernel's time per port and no part of the control plane.
for i in $(seq 0 $((N1 + N2 - 1))); do echo "link add d$i type dummy"; done >"$BENCH_TMP/links"
nsx cnB1 sysctl -qw net.ipv6.conf.default.disable_ipv6=1
nsx cnB1 ip -batch "$BENCH_TMP/links" || exit 1
nsx cnB1 sysctl -qw net.ipv6.conf.default.disable_ipv6=0
cpu_mark "$BENCH_TMP/cpu"
sleep 5
note "idle, all daemons up:"
cpu_report "$BENCH_TMP/cpu"

run_driver() {
	nsx ctlB python3 "$here/control_driver.py" --etcd "${ETCD[B]}" --node cnB1 \
		--node-ns "$(ns cnB1)" --watch-ns "$(ns cnA1)" --watch-ns "$(ns gwB)" \
		--xcloudctl "$XCLOUDCTL" --etcd-stats "A=${ETCD[A]}" \
		--etcd-stats "B=${ETCD[B]}" "$@"
}
stages() {
	python3 "$here/control_stages.py" "$BENCH_TMP/times-$1" "$BENCH_TMP/agent-cnB1.log" \
		"$BENCH_TMP/coord.log" "$BENCH_TMP/agent-cnA1.log" "$BENCH_TMP/agent-gwB.log"
}
# field NAME DECIMALS: NAME of the JSON object on the last line of stdin
field() { tail -n1 | jq -r --arg f "$1" ".[\$f]" | xargs printf "%.${2}f\n"; }

if [[ -n $PPROF ]]; then
	for c in A B; do
		nsx "${CTL[$c]}" curl -s -o "$XCLOUD_OUT/etcd-$c.pprof" \
			"${ETCD[$c]}/debug/pprof/profile?seconds=20" &
	done
fi
out=$(run_driver --first 0 --count "$N1" --pace-ms 20 --timeout 120 --dump "$BENCH_TMP/times-paced")
echo "$out" | grep '^#'
stages paced
if r=$(echo "$out" | tail -n1 | grep '^{'); then
	bench converge_p50_ms "$(echo "$r" | field p50_ms 1)" ms
	bench converge_p99_ms "$(echo "$r" | field p99_ms 1)" ms
fi
out=$(run_driver --first "$N1" --count "$N2" --timeout 600 --dump "$BENCH_TMP/times-bulk")
echo "$out" | grep '^#'
stages bulk
if r=$(echo "$out" | tail -n1 | grep '^{'); then
	if [[ $(echo "$r" | field missing 0) == 0 ]]; then
		bench converge_10k_vms_s "$(echo "$r" | field total_s 2)" s
	else
		note "converge_10k_vms_s: not all routes arrived: $r"
	fi
fi
