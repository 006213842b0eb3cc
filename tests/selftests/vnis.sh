#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Many virtual networks on one node through the agent: XCLOUD_VNIS (1,000)
# networks declared in the store in one transaction; xcloudd makes a VRF
# and an xcloud device for each, with its table's routes and allow-list.
# Prints the time it took and the kernel memory it cost (the figures
# `make bench` reports as vnis_1k_setup_s and vnis_1k_kernel_kib); then
# the networks are deleted and nothing may be left behind: no VRF, no
# device, no route in any table of the range, no rule but the node's.
source "$(dirname "$0")/lib.sh"

require_cmd etcd python3 ip
[[ -d /sys/module/xcloud ]] || modprobe xcloud 2>/dev/null ||
	skip_all "xcloud module not available"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
XCLOUDD=$REPO/userspace/xcloudd/xcloudd
[[ -x $XCLOUDD ]] || skip_all "xcloudd not built"
N=${XCLOUD_VNIS:-1000}
FIRST=2000
NS=xt-vnis-$$
TMP=$(mktemp -d /tmp/xcloud-vnis.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [[ ${XCLOUD_TEST_VERBOSE:-0} == 1 || $_tap_failed -ne 0 ]]; then
		tail -n 20 "$TMP/agent.log" | sed 's/^/# /'
	fi
	rm -rf "$TMP"
}
on_exit cleanup
netns_add "$NS"
in_ns "$NS" ip link set lo up
in_ns "$NS" ip link add ul0 type dummy
in_ns "$NS" ip addr add 10.255.0.11/24 dev ul0
in_ns "$NS" ip link set ul0 up
ip link add xt-vrf-probe netns "$NS" type vrf table 4242 2>/dev/null ||
	skip_all "no VRF support in this kernel"
in_ns "$NS" ip link del xt-vrf-probe

E=http://127.0.0.1:2379
ip netns exec "$NS" etcd --data-dir "$TMP/etcd" --listen-client-urls "$E" \
	--advertise-client-urls "$E" --listen-peer-urls http://127.0.0.1:2380 \
	--max-txn-ops $((N + 1)) >"$TMP/etcd.log" 2>&1 &
PIDS+=($!)

# store OP: one transaction of N puts (put) or the prefix deleted (del)
store() {
	ip netns exec "$NS" python3 - "$1" "$N" "$FIRST" <<'PY'
import base64, json, sys, urllib.request
op, n, first = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = lambda s: base64.b64encode(s.encode()).decode()
def call(path, body):
    req = urllib.request.Request("http://127.0.0.1:2379" + path, json.dumps(body).encode())
    return json.load(urllib.request.urlopen(req, timeout=30))
if op == "ready":
    call("/v3/kv/range", {"key": b("/")})
elif op == "put":
    ops = [{"requestPut": {"key": b("/xcloud/networks/%d" % (first + i)),
            "value": b(json.dumps({"prefixes": ["10.%d.%d.0/24" % ((i >> 8) & 255, i & 255)]}))}}
           for i in range(n)]
    ops.append({"requestPut": {"key": b("/xcloud/underlay/A"),
                "value": b('{"prefixes":["10.255.0.0/24"]}')}})
    call("/v3/kv/txn", {"success": ops})
else:
    call("/v3/kv/deleterange", {"key": b("/xcloud/networks/"), "range_end": b("/xcloud/networks0")})
PY
}
check -d "etcd answers" wait_until 60 store ready

kmem() { awk '/^(SUnreclaim|VmallocUsed|Percpu):/ { s += $2 } END { print s }' /proc/meminfo; }
ready() { [[ $(grep -c "ready: xc" "$TMP/agent.log") -ge $N ]]; }
vrfs() { ip -n "$NS" -o link show type vrf | wc -l; }
xcdevs() { ip -n "$NS" -o link show type xcloud | wc -l; }

k0=$(kmem)
ip netns exec "$NS" "$XCLOUDD" -c - -r switch -n n1 -u 10.255.0.11 -C A -e "$E" \
	-l 10 >"$TMP/agent.log" 2>&1 &
PIDS+=($!)
sleep 1
t0=$(date +%s.%N)
store put
check -d "$N networks: a VRF and a device each" wait_until 900 ready
t1=$(date +%s.%N)
k1=$(kmem)
setup=$(awk -v a="$t0" -v b="$t1" "BEGIN { printf \"%.1f\", b - a }")
kib=$((k1 - k0))
diag "vnis_setup_s $setup ($N networks)"
diag "vnis_kernel_kib $kib ($((kib * 1024 / N)) bytes per network)"
check -d "$N VRFs and $N xcloud devices in the namespace" \
	eval '[[ $(vrfs) -eq $N && $(xcdevs) -eq $N ]]'
last=$((FIRST + N - 1))
check -d "the last network's device is up in its VRF with its overlay route and allow-list" \
	eval 'ip -n $NS -o link show xc$last | grep -q "master xvrf$last" &&
	      ip -n $NS route show vrf xvrf$last | grep -q "dev xc$last" &&
	      "$REPO/userspace/xcloudctl/xcloudctl" -n $NS allow show dev xc$last | grep -q 10.255.0.0/24'
check -d "every VRF has a table of its own" \
	eval '[[ $(ip -n $NS -d -o link show type vrf | grep -o "table [0-9]*" | sort -u | wc -l) -eq $N ]]'
check -d "the agent is still running" kill -0 "${PIDS[1]}"

store del
gone() { [[ $(vrfs) -eq 0 && $(xcdevs) -eq 0 ]]; }
check -d "networks deleted: no VRF and no xcloud device left" wait_until 900 gone
check -d "... no route left in any table but the node's own" eval '
	[[ -z $(ip -n $NS route show table all | grep -v "table local\|^local\|^broadcast" | grep -v "dev ul0\|dev lo") ]] &&
	[[ -z $(ip -n $NS -6 route show table all | grep -v "table local\|^local\|^multicast\|^anycast" | grep -v "dev ul0\|dev lo") ]]'
check -d "... the rules are the node's (local behind the VRFs' l3mdev)" eval '
	ip -n $NS rule show | grep -q "^1001:.*lookup local" && ! ip -n $NS rule show | grep -q "^0:"'
