#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Next-hop groups through the control plane (docs/control-plane.md,
# "Gateway groups"): the coordinator writes cloud B's gateways once, in
# /xcloud/groups/B of cloud A, and cnA1's agent makes it one kernel group
# that every route to a VM of cloud B names. With 11 VMs of B, a gateway
# of B joining and leaving is one group change each in cnA1's kernel and
# no route change. A group made wrong by hand is repaired by the agent's
# sync at its restart, a stale group of the agent's range removed, one
# made by hand (a low id) left alone. Upgrade: an entry of the older form
# ({"cloud", "gateways"}) is routed through its own gateways, and once
# the coordinator runs again it names the group again.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd etcd curl python3 ping
xcloud_available || skip_all "xcloud module or xcloudctl not available"
CP_LEASE=6
CP_NAME=cpgroups
# shellcheck source=tests/selftests/lib/cp.sh
source "$(dirname "$0")/lib/cp.sh"
[[ -x $XCLOUDD && -x $COORD ]] || skip_all "xcloudd or xcloud-coord not built"

plan 14

groups_logs() {
	cp_kill_all
	if [[ ${XCLOUD_TEST_VERBOSE:-0} == 1 || $_tap_failed -ne 0 ]]; then
		cp_logs 40 | sed 's/^/# /'
	fi
}
on_exit groups_logs

cp_topology || bail_out "the topology could not be built"
for c in A B; do cp_start_etcd "$c" 2>/dev/null || bail_out "etcd of cloud $c did not start"; done
cp_declare_network || bail_out "cannot declare the network in the stores"
cp_start_coord
for h in "${TOPO_HOSTS[@]}"; do cp_start_agent "$h"; done
for vm in "${TOPO_VMS[@]}"; do
	cp_declare_port "$vm" "${TOPO_VM_NODE[$vm]}"
	cp_vm_plug "$vm" "${TOPO_VM_NODE[$vm]}"
done
A1=$(vm_addr vmA1 4) B1=$(vm_addr vmB1 4)
DEV=xc$TOPO_VNI
GWB=$(ul_addr gwB)
GWX=10.255.0.99		# a gateway record of B with no node behind it

# Ten more VMs of cloud B, bound to a node that has no agent (cnB9, with
# cnB1's underlay), so that "routes untouched" means something.
for i in $(seq 1 10); do
	cp_kv_put B "/xcloud/bindings/$TOPO_VNI/10.100.9.$i" \
		"{\"node\":\"cnB9\",\"underlay\":\"$(ul_addr cnB1)\"}"
done

# b_routes: cnA1's routes to the 11 VMs of B, one line each.
b_routes() { xc cnA1 route show dev "$DEV" | grep -E "^($B1|10\.100\.9\.[0-9]+)(/32)? " || true; }
# gid: the group id cnA1's route to vmB1 names.
gid() { cp_route_of cnA1 "$B1" | sed -n 's/.* nhid \([0-9]*\).*/\1/p' || true; }
members() { xc cnA1 nexthop show id "$(gid)" dev "$DEV" 2>/dev/null | grep -o "via [^ ]*" | tr '\n' ' ' || true; }
eleven_name_group() {
	local id
	id=$(gid)
	[[ -n $id ]] && (($(b_routes | grep -c " nhid $id ") == 11))
}

check -d "cnA1: the 11 routes to cloud B's VMs name one group, of gwB" \
	wait_until 60 eval 'eleven_name_group && [[ $(members) == "via $GWB " ]]'
check -d "vmA1 -> vmB1 through it" wait_until 20 vm_ping vmA1 vmB1 4 2
check -d "cloud A holds B's group once: {\"gateways\":[gwB]}" \
	eval '[[ $(cp_kv_dump A /xcloud/groups/) == "/xcloud/groups/B {\"gateways\":[\"$GWB\"]}" ]]'
diag "group id $(gid): $(members)"

# ---- a gateway of B joins and leaves: one group change each ----
mon=$CP_TMP/monitor
xc cnA1 monitor dev "$DEV" >"$mon" 2>&1 &
monpid=$!
sleep 1
before=$(b_routes)
remote_revs=$(cp_kv_dump A /xcloud/remote/ | md5sum)
cp_kv_put B /xcloud/gateways/gwX "{\"underlay\":\"$GWX\"}"
check -d "gateway gwX joins B: cnA1's group has both" \
	wait_until 30 eval '[[ $(members) == "via $GWB via $GWX " ]]'
cp_kv "B" /v3/kv/deleterange "{\"key\":\"$(cp_b64 /xcloud/gateways/gwX)\"}" >/dev/null
check -d "gwX leaves: cnA1's group has gwB alone" \
	wait_until 30 eval '[[ $(members) == "via $GWB " ]]'
sleep 1
kill "$monpid" 2>/dev/null || true
wait "$monpid" 2>/dev/null || true
nh=$(grep -c "^nexthop " "$mon" || true) rt=$(grep -c "^route " "$mon" || true)
diag "events on cnA1 for the join and the leave: $nh nexthop, $rt route"
check -d "... exactly two group changes in the kernel (one each), no route event" \
	eval '((nh == 2 && rt == 0))'
check -d "... the 11 routes as they were, the remote entries too" \
	eval '[[ $before == "$(b_routes)" && $remote_revs == "$(cp_kv_dump A /xcloud/remote/ | md5sum)" ]]'
check -d "vmA1 -> vmB1 still (the control)" wait_until 20 vm_ping vmA1 vmB1 4 2

# ---- the agent's sync repairs the kernel's groups ----
id=$(gid)
cp_kill cnA1 TERM
xc cnA1 nexthop replace id "${id:-1}" via 10.255.0.77 dev "$DEV" || true
xc cnA1 nexthop add id 4000000000 via "$GWB" dev "$DEV" || true	# ours, stale
xc cnA1 nexthop add id 7 via "$GWB" dev "$DEV" || true		# by hand
cp_start_agent cnA1
check -d "restarted cnA1: its group's wrong member repaired" \
	wait_until 30 eval '[[ $(members) == "via $GWB " ]]'
check -d "... the stale group of its range removed" \
	wait_until 30 eval '! xc cnA1 nexthop show dev "$DEV" | grep -q "^id 4000000000 "'
check -d "... a group made by hand (id 7) left alone, the routes still name group $id" \
	eval 'xc cnA1 nexthop show dev "$DEV" | grep -q "^id 7 " && [[ $(gid) == "$id" ]] && eleven_name_group'

# ---- upgrade path: entries of the older form ----
cp_kill coord TERM
cp_kv_put A "/xcloud/remote/$TOPO_VNI/$B1" "{\"cloud\":\"B\",\"gateways\":[\"$GWB\"]}"
check -d "an entry of the older form: cnA1 routes vmB1 via its gateways, without a group" \
	wait_until 30 eval 'cp_route_of cnA1 "$B1" | grep -qw "via $GWB" && ! cp_route_of cnA1 "$B1" | grep -q nhid'
check -d "... traffic flows" wait_until 20 vm_ping vmA1 vmB1 4 2
cp_start_coord
check -d "coordinator back: the entry rewritten as {\"cloud\":\"B\"}, the route names the group again" \
	wait_until 30 eval 'cp_kv_dump A /xcloud/remote/$TOPO_VNI/$B1 | grep -q "{\"cloud\":\"B\"}$" && eleven_name_group'
