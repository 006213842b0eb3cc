#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xcloudd's switch agent against a real etcd, without the kernel module:
# everything (etcd, agent, VM ports as veths) in one network namespace on
# this host. Ports going up publish bindings under a lease with a host
# route and proxy ARP; going down withdraws them; stale bindings of this
# node are removed at start, other nodes' never; a moved VM's binding is
# not deleted by its old node; kill -9 lets the lease expire, a restart
# publishes again; bad configuration and unreachable etcd are reported.
CP_NETNS=xcloud-cp-$$
. "$(dirname "$0")/lib.sh"
XCLOUDD=${XCLOUDD:-$REPO/userspace/xcloudd/xcloudd}
AGENT_PID=

xd_cleanup() {
	[ -n "$AGENT_PID" ] && kill -9 "$AGENT_PID" 2>/dev/null
	cp_cleanup
	ip netns del "$CP_NETNS" 2>/dev/null
}
trap xd_cleanup EXIT
nx() { ip netns exec "$CP_NETNS" "$@"; }

echo "TAP version 13"
ip netns add "$CP_NETNS" || { echo "1..0 # SKIP cannot create a network namespace"; exit 0; }
# The agent puts each network's ports into a VRF: on a kernel without
# VRFs (this host's, maybe) the guest runs it (tests/selftests/agent.sh).
if ! nx ip link add vrf-probe type vrf table 4242 2>/dev/null; then
	echo "1..0 # SKIP no VRF in this kernel (tests/selftests/agent.sh runs it in the guest)"
	exit 0
fi
nx ip link del vrf-probe
nx ip link set lo up
for i in 1 2 3; do
	nx ip link add "v-vm$i" type veth peer name "e-vm$i"
	nx ip link set "e-vm$i" up	# the VM's end; v-vm$i is the port
done
etcd_start A || exit 1
E=${ETCD_URL[A]}

agent_start() {
	# Not through nx: $! must be the agent itself.
	ip netns exec "$CP_NETNS" "$XCLOUDD" -c - -r switch -n cn1 -u 192.168.1.11 -C A -e "$E" \
		-d 100=xc100 -l "${AGENT_TTL:-2}" >>"$CP_TMP/agent.log" 2>&1 &
	AGENT_PID=$!
}
port() { kv_put A "/xcloud/ports/100/$1" "{\"ifname\":\"$2\",\"node\":\"$3\"}"; }
bindings() { kv_dump A /xcloud/bindings/; }
has_binding() { bindings | grep -q "^/xcloud/bindings/100/$1 {\"node\":\"$2\""; }
no_binding() { ! bindings | grep -q "^/xcloud/bindings/100/$1 "; }
# Local delivery lives in the network's VRF (xvrf100), never in main.
has_route() { nx ip route show vrf xvrf100 "$1" | grep -q "dev $2 .*proto 77"; }
no_route() { [ -z "$(nx ip route show vrf xvrf100 "$1" 2>/dev/null)$(nx ip route show "$1")" ]; }

nx "$XCLOUDD" -c /nonexistent.conf 2>"$CP_TMP/err"
ok $(( $? == 0 )) "missing config file is an error"
nx "$XCLOUDD" -c - -r bogus 2>"$CP_TMP/err"
check "bad role is refused with the reason" grep -q "role must be switch, gateway, aggregation or router" "$CP_TMP/err"
nx "$XCLOUDD" -c - -r switch -n cn1 -u 1.2.3.4 -e "$E" -d 0=xc0 2>"$CP_TMP/err"
check "VNI 0 is refused" grep -q "VNI must be 1..16777215" "$CP_TMP/err"
nx ip route add table 1000005 unreachable 192.0.2.0/24
timeout 30 ip netns exec "$CP_NETNS" "$XCLOUDD" -c - -r switch -n cn1 -u 1.2.3.4 -e "$E" -d 100=xc100 >"$CP_TMP/err" 2>&1
ok $(( $? == 0 )) "a table-range that collides with a table in use stops the agent"
check "... naming the table" grep -q "collides with table 1000005" "$CP_TMP/err"
check "... having touched nothing" eval '! nx ip link show xvrf100 2>/dev/null && nx ip rule show | grep -q "^0:"'
nx ip route del table 1000005 unreachable 192.0.2.0/24
nx ip link add xvrf100 type dummy
agent_start
check "a name taken by something else: refused, named, not touched" \
	wait_for 10 grep -q "xvrf100 exists and is not a VRF" "$CP_TMP/agent.log"
check "... the dummy is still there" eval 'nx ip -d link show xvrf100 | grep -q dummy'
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
nx ip link del xvrf100

port 10.1.0.1 v-vm1 cn1
port 10.1.0.2 v-vm2 cn1
port 10.1.0.3 v-vm3 cn2		# declared on another node
kv_put A /xcloud/bindings/100/10.1.0.9 '{"node":"cn1","underlay":"192.168.1.11"}'
kv_put A /xcloud/bindings/100/10.2.0.1 '{"node":"cn2","underlay":"192.168.1.12"}'
nx ip link set v-vm3 up
agent_start
check "stale binding of this node removed at start" wait_for 5 no_binding 10.1.0.9
check "other nodes' bindings untouched" has_binding 10.2.0.1 cn2
check "no binding for a port that is down" no_binding 10.1.0.1
check "no binding for a port declared on another node" no_binding 10.1.0.3

nx ip link set v-vm1 up
check "port up: binding published" wait_for 5 has_binding 10.1.0.1 cn1
check "... with the node's underlay address" eval 'bindings | grep -q "10.1.0.1 {\"node\":\"cn1\",\"underlay\":\"192.168.1.11\"}"'
check "... under a lease" eval 'kv_dump A /xcloud/bindings/100/10.1.0.1 rev >/dev/null && kv_call A /v3/kv/range "{\"key\":\"$(b64 /xcloud/bindings/100/10.1.0.1)\"}" | grep -q "\"lease\""'
check "... host route to the VM via its port" wait_for 5 has_route 10.1.0.1 v-vm1
check "... proxy ARP on the port" eval '[ "$(nx cat /proc/sys/net/ipv4/conf/v-vm1/proxy_arp)" = 1 ]'
check "... strict reverse-path filter on the port" eval '[ "$(nx cat /proc/sys/net/ipv4/conf/v-vm1/rp_filter)" = 1 ]'
check "... the port is in the network's VRF" eval 'nx ip -o link show v-vm1 | grep -q "master xvrf100"'
check "... the VRF's table ends in unreachable defaults" eval 'nx ip route show vrf xvrf100 | grep -q "^unreachable default" && nx ip -6 route show vrf xvrf100 | grep -q "^unreachable default"'

nx ip link set v-vm1 down
check "port down: binding withdrawn" wait_for 5 no_binding 10.1.0.1
check "... host route removed" wait_for 5 no_route 10.1.0.1

nx ip link set v-vm2 up
check "second port up: published" wait_for 5 has_binding 10.1.0.2 cn1
# The VM moves: the port is declared on cn2, cn2 binds it.
port 10.1.0.2 v-vm2 cn2
check "moved VM: the old node withdraws its binding" wait_for 5 no_binding 10.1.0.2
check "... and drops its local route" wait_for 5 no_route 10.1.0.2
kv_put A /xcloud/bindings/100/10.1.0.2 '{"node":"cn2","underlay":"192.168.1.12"}'
sleep 1
check "... and leaves the new node's binding alone" has_binding 10.1.0.2 cn2
port 10.1.0.2 v-vm2 cn1
check "moved back: this node binds it again" wait_for 5 has_binding 10.1.0.2 cn1

# Restarted within the TTL, the agent keeps its lease alive (the ID in
# $RUNTIME_DIRECTORY/lease.cn1): nothing under it expires meanwhile. A
# TTL of 6 s here, which a loaded TCG guest's restart stays well inside;
# the lease of the 2-s agent is not taken over (the TTL is part of it).
lease_of() {
	kv_call A /v3/kv/range "{\"key\":\"$(b64 "/xcloud/bindings/100/$1")\"}" |
		jq -r '.kvs[0].lease // empty'
}
L2=$(lease_of 10.1.0.2)
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
AGENT_TTL=6 agent_start
check "restarted with another TTL: a new lease" \
	wait_for 5 eval '[ -n "$(lease_of 10.1.0.2)" ] && [ "$(lease_of 10.1.0.2)" != "$L2" ]'
L0=$(lease_of 10.1.0.2)
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
AGENT_TTL=6 agent_start
sleep 8
check "kill -9 and restart within the TTL: the same lease ($L0), binding kept past the TTL" \
	eval '[ -n "$L0" ] && [ "$(lease_of 10.1.0.2)" = "$L0" ] && has_binding 10.1.0.2 cn1'
check "... the lease file names the lease" grep -qi "^$(printf %x "$L0") 6 A " "$CP_TMP/lease.cn1"
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
agent_start
check "back to a 2-s TTL: published again" \
	wait_for 5 eval '[ -n "$(lease_of 10.1.0.2)" ] && [ "$(lease_of 10.1.0.2)" != "$L0" ]'

kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
check "kill -9: route stays in the kernel" has_route 10.1.0.2 v-vm2
check "... binding expires with the lease" wait_for 8 no_binding 10.1.0.2
agent_start
check "restart: binding published again" wait_for 5 has_binding 10.1.0.2 cn1
check "... under a new lease: the old one had expired" eval '[ "$(lease_of 10.1.0.2)" != "$L0" ]'

etcd_stop A
sleep 1
nx ip link set v-vm1 up
check "etcd down: the agent says so" wait_for 5 grep -q "store: lost" "$CP_TMP/agent.log"
check "... and keeps the local route of a port that came up" wait_for 5 has_route 10.1.0.1 v-vm1
etcd_start A
check "etcd back: the port that came up meanwhile is published" wait_for 10 has_binding 10.1.0.1 cn1
check "... and the others are still there" has_binding 10.1.0.2 cn1

# ---- devices deleted under the running agent (ip link del, a module
# reload): made again at once, with their routes and ports ----
XCLOUDCTL=${XCLOUDCTL:-$REPO/userspace/xcloudctl/xcloudctl}
# How long the kernel was without the device: from its RTM_DELLINK to the
# first RTM_NEWLINK of the new one up in its VRF (ip -ts monitor's clock).
# mon_mark FILE: returns once the monitor writing FILE hears the kernel
# (lo's alias changed: a link message to wait for, filtered out below).
mon_mark() {
	nx ip link set dev lo alias "xcmark$RANDOM"
	wait_for 20 grep -q " lo:" "$1"
}
mon_quiet() { ! grep -v -e " lo:" -e link/loopback "$1" | grep -q .; }
mon_start() {	# not through nx: $! must be ip itself
	ip netns exec "$CP_NETNS" ip -ts monitor link >"$CP_TMP/mon" 2>&1 &
	MON_PID=$!
	mon_mark "$CP_TMP/mon"
}
gap_ms() {	# gap_ms DEV: prints the gap, in ms
	kill "$MON_PID"; wait "$MON_PID" 2>/dev/null
	python3 - "$1" "$CP_TMP/mon" <<'PY'
import re, sys
from datetime import datetime
dev, t_del = sys.argv[1], None
for l in open(sys.argv[2]):
    m = re.match(r"\[([0-9T:.-]+)\] (Deleted )?\d+: ([^:@]+)[:@].*", l)
    if not m or m.group(3) != dev:
        continue
    t = datetime.fromisoformat(m.group(1))
    if m.group(2) and t_del is None:
        t_del = t
    elif t_del and not m.group(2) and ("master xvrf100" in l or dev.startswith("xvrf")) and re.search(r"[<,]UP[,>]", l):
        print(int((t - t_del).total_seconds() * 1000))
        break
else:
    print(99999)
PY
}
rev_of() { kv_dump A "/xcloud/bindings/100/$1" rev | awk '{ print $3 }'; }
xc_has() { nx "$XCLOUDCTL" route show dev xc100 2>/dev/null | grep -q "^$1"; }
dev_back() {
	nx ip -o link show xc100 2>/dev/null | grep "master xvrf100" | grep -q "[<,]UP[,>]" &&
		xc_has 10.2.0.1
}
# cn2's VM 10.2.0.1, bound since the start, is a route of xc100.
check "xc100 routes cn2's VM 10.2.0.1" wait_for 5 xc_has 10.2.0.1
idx=$(nx cat /sys/class/net/xc100/ifindex)
# vm1's binding as it stands once the agent is done with etcd's restart
# (a lease that expired meanwhile is granted anew and the bindings
# written again under it, a second later).
rev=$(rev_of 10.1.0.1)
for _ in 1 2 3 4 5 6 7 8 9 10; do
	sleep 1.5
	[ "$(rev_of 10.1.0.1)" = "$rev" ] && break
	rev=$(rev_of 10.1.0.1)
done
log_at=$(wc -l <"$CP_TMP/agent.log")
mon_start
nx ip link del xc100
check "xc100 deleted under the agent: up again in xvrf100, its table back" wait_for 5 dev_back
gap=$(gap_ms xc100)
check "... within 1 s: ${gap} ms from its deletion to the new one up in xvrf100 (ifindex $idx -> $(nx cat /sys/class/net/xc100/ifindex))" \
	eval '((gap <= 1000))'
check "... the agent logged it" grep -q "network 100: xc100 (ifindex $idx) is gone: making it again" "$CP_TMP/agent.log"
vrf_back() { dev_back && nx ip -o link show v-vm1 | grep -q "master xvrf100" && has_route 10.1.0.1 v-vm1; }
mon_start
nx ip link del xvrf100
check "xvrf100 deleted: back with xc100, the ports and their routes in it" wait_for 5 vrf_back
gap=$(gap_ms xvrf100)
check "... within 1 s: ${gap} ms from its deletion to the new one up" eval '((gap <= 1000))'
check "... vm1's binding was not withdrawn or written meanwhile (mod_revision $rev)" \
	eval '[ "$(rev_of 10.1.0.1)" = "$rev" ]'
if [ "$(rev_of 10.1.0.1)" != "$rev" ]; then
	diag "the agent since: $(tail -n "+$((log_at + 1))" "$CP_TMP/agent.log" | tr '\n' '|')"
fi

# ---- SIGHUP: the file again; what did not change is not touched ----
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
xconf() {	# xconf [LINES...]: the agent's file, then LINES
	printf '[agent]\nrole = switch\nnode = cn1\nunderlay = 192.168.1.11\ncloud = A\n'
	printf 'etcd = %s\nlease-ttl = 2\n\n[vni 100]\ndevice = xc100\n' "$E"
	printf '%s\n' "$@"
}
xconf >"$CP_TMP/xd.conf"
ip netns exec "$CP_NETNS" "$XCLOUDD" -c "$CP_TMP/xd.conf" --status-socket "$CP_TMP/xd.sock" \
	>>"$CP_TMP/agent.log" 2>&1 &
AGENT_PID=$!
check "agent with a file: running, vm1 bound" wait_for 10 eval \
	'"$XCLOUDD" --status --status-socket "$CP_TMP/xd.sock" | grep -q "^in line: *yes" && has_binding 10.1.0.1 cn1'
hup() {	# hup WHAT: SIGHUP, until the agent logged WHAT; the kernel's messages meanwhile in $CP_TMP/mon
	local n want=$1
	n=$(wc -l <"$CP_TMP/agent.log")
	ip netns exec "$CP_NETNS" ip monitor link route >"$CP_TMP/mon" 2>&1 &
	local mon=$!
	mon_mark "$CP_TMP/mon"
	kill -HUP "$AGENT_PID"
	wait_for 5 eval 'tail -n +$((n + 1)) "$CP_TMP/agent.log" | grep -qF -- "$want"'
	local r=$?
	# What the reload queued is done once the agent is in line again.
	wait_for 10 eval '"$XCLOUDD" --status --status-socket "$CP_TMP/xd.sock" | grep -q "^in line: *yes"'
	sleep 0.3
	kill "$mon"; wait "$mon" 2>/dev/null
	return $r
}
check "SIGHUP, file unchanged: nothing to change" hup "reload: nothing to change"
check "... not one link or route message in the namespace" mon_quiet "$CP_TMP/mon"
xconf "[vni 300]" "prefixes = 10.30.0.0/16" >"$CP_TMP/xd.conf"
check "SIGHUP, [vni 300] added: applied" hup "reload: done"
check "... xc300 up in xvrf300 with its overlay route" wait_for 5 eval \
	'nx ip -o link show xc300 | grep -q "master xvrf300" && nx ip route show vrf xvrf300 | grep -q "^10.30.0.0/16 dev xc300 proto 77"'
check "... the monitor saw them (control: it sees what changes)" grep -q xc300 "$CP_TMP/mon"
check "... and nothing of network 100 or its ports" eval '! grep -E "xc100|xvrf100|v-vm" "$CP_TMP/mon"'
xconf "[vni 300]" "prefixes = 10.30.0.0/16" "[agent]" "port = 99999" >"$CP_TMP/xd.conf"
check "SIGHUP, broken file: file, line and reason; running configuration kept" \
	hup "reload: $CP_TMP/xd.conf: line 14: port must be 1..65535; keeping the running configuration"
check "... agent running, xc300 and xc100 untouched" eval 'kill -0 $AGENT_PID && mon_quiet "$CP_TMP/mon"'
idx=$(nx cat /sys/class/net/xc100/ifindex)
overlay100() { nx ip route show vrf xvrf100 | grep -q "^10.100.0.0/16 dev xc100 proto 77"; }
xconf "[vni 100]" "prefixes = 10.100.0.0/16" >"$CP_TMP/xd.conf"
check "SIGHUP, [vni 300] removed, [vni 100] prefixes: applied" hup "reload: done, 2 changes"
check "... xc300 and xvrf300 gone" wait_for 5 eval '! nx ip link show xc300 2>/dev/null && ! nx ip link show xvrf300 2>/dev/null'
check "... xc100's overlay route 10.100.0.0/16" wait_for 5 overlay100
xconf "[vni 100]" "prefixes = 10.100.0.0/16" "[agent]" "port = 6082" "tunnels = eager" "node = cn9" >"$CP_TMP/xd.conf"
check "SIGHUP, port 6082: applied" hup "reload: done, 1 change"
check "... xc100 moved to port 6082, up again in xvrf100, its table and overlay route back" wait_for 5 eval \
	'nx "$XCLOUDCTL" link show xc100 | grep -q "port 6082" && dev_back && overlay100'
check "... node and tunnels: logged as needing a restart, kept" eval \
	'grep -q "reload: node changed (cn1 -> cn9): needs a restart; keeping cn1" "$CP_TMP/agent.log" &&
	grep -q "reload: tunnels changed (ondemand -> eager): needs a restart" "$CP_TMP/agent.log" &&
	nx "$XCLOUDCTL" link show xc100 | grep -q "tunnels ondemand"'
check "... xc100 stayed (ifindex $idx), vm1 still bound to cn1" eval \
	'[ "$(nx cat /sys/class/net/xc100/ifindex)" = "$idx" ] && has_binding 10.1.0.1 cn1'
"$XCLOUDD" --status --status-socket "$CP_TMP/xd.sock" | sed 's/^/# /'

# Many ports at once: the link notifications overrun the agent's rtnetlink
# socket, it reads all links again and publishes every binding.
N=${XCLOUD_AGENT_PORTS:-2000}
port_addr() { echo "10.3.$((${1} / 256)).$((${1} % 256))"; }
nx python3 - "$E" "$N" <<'PY'
import base64, json, sys, urllib.request
url, n = sys.argv[1], int(sys.argv[2])
b64 = lambda s: base64.b64encode(s.encode()).decode()
for i in range(n):
    v = json.dumps({"ifname": "v-m%d" % i, "node": "cn1"})
    k = "/xcloud/ports/100/10.3.%d.%d" % (i // 256, i % 256)
    urllib.request.urlopen(url + "/v3/kv/put", json.dumps(
        {"key": b64(k), "value": b64(v)}).encode()).read()
PY
for i in $(seq 0 $((N - 1))); do
	echo "link add v-m$i type veth peer name e-m$i"
	echo "link set e-m$i up"
	echo "link set v-m$i up"
done >"$CP_TMP/links"
nx ip -batch "$CP_TMP/links"
many_bound() { [ "$(bindings | grep -c '^/xcloud/bindings/100/10\.3\..* {"node":"cn1"')" -eq "$N" ]; }
check "$N ports up at once: $N bindings published" wait_for 60 many_bound
check "... routes to the first and the last" eval 'has_route "$(port_addr 0)" v-m0 && has_route "$(port_addr $((N - 1)))" v-m$((N - 1))'
check "agent still running" kill -0 "$AGENT_PID"
[ "$T_FAILED" -ne 0 ] || [ -n "${CP_VERBOSE:-}" ] && sed 's/^/# /' "$CP_TMP/agent.log"
cp_done
