#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Virtual router failure (docs/eip-bgp.md, "Virtual
# router failure"). EIP ES belongs to vr1 with vr2 as standby router, EIP
# EN to vr1 without one. The router agents keep their liveness keys under
# their lease (lease-ttl 10 s, the default: a 3-s lease expired now and
# then in the loaded TCG guest, its keep-alives late behind BIRD reloads
# and nft runs of a second or more); two aggregation agents (agg, and aggb beside it on sw1)
# watch them. vr1's node dies (agent and BIRD killed, link down): its key
# ends with the lease, ES moves to vr2 in exactly one store write although
# both aggregation agents decide it, vr2 announces and NATs it, and the
# internet host's pings and connections reach vm2. EN (no standby) stays
# on vr1 (positive control). vr1 comes back: it does not take ES back.
# A malformed standby list is logged with its key and skipped.
# Topology: lib/bgp.sh + lib/eip.sh, plus aggb (an aggregation agent with
# its own device and a BIRD without sessions).
# xcloud-kernels: stock
# xcloud-run: alone (it times a rehome)
DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/lib.sh
source "$DIR/lib.sh"
# shellcheck source=tests/selftests/lib/bgp.sh
source "$DIR/lib/bgp.sh"
# shellcheck source=tests/selftests/lib/eip.sh
source "$DIR/lib/eip.sh"

require_cmd bird birdc nft jq etcd curl ping
[[ -x $XCLOUDCTL && -x $XCLOUDD ]] || skip_all "xcloudctl or xcloudd not built"
[[ -d /sys/module/xcloud ]] || skip_all "xcloud module not loaded"
eip_supported || skip_all "xcloud module or xcloudctl without eip routes"

plan 15

ES=203.0.113.40		# vr1's, standby vr2; NAT to VM4 (vm1, then vm2)
EN=203.0.113.41		# vr1's, no standby; NAT to VM4B (vm1)
EBAD=203.0.113.42	# a malformed standby list
EIP_LEASE_TTL=10
BGP_SW[aggb]=sw1 BGP_IDX[aggb]=14

bgp_up || bail_out "no BGP topology"
eip_etcd_launch
{ eip_devices && eip_agents_up; } || bail_out "no store or agents"

# aggb: a second aggregation agent deciding the same moves. Its BIRD has
# no sessions (its pools go nowhere); its device holds the entries.
aggb_up() {
	local d=$BGP_RUN/aggb
	bgp_ns_add aggb && bgp_link sw1 p-aggb aggb eth0 || return 1
	bgp_nsx sw1 ip link set p-aggb master br0
	bgp_addrs aggb eth0 "$(bgp_addr aggb 4)/24" "$(bgp_addr aggb 6)/64"
	bgp_nsx aggb ip route add default via "$(bgp_addr sw1 4)"
	xce aggb link add "$EIP_DEV" vni "$EIP_VNI" local "$(bgp_addr aggb 4)" mode edge &&
		bgp_nsx aggb ip link set "$EIP_DEV" up || return 1
	mkdir -p "$d" && : >"$d/eip.conf"
	printf 'router id %s;\nprotocol device {}\ninclude "%s";\n' \
		"$(bgp_addr aggb 4)" "$d/eip.conf" >"$d/bird.conf"
	bgp_bird_start aggb && eip_agent_start aggb
}
aggb_up || bail_out "no second aggregation agent"
on_exit eip_stop aggb

explain() {
	local h
	diag "store: $(eip_dump /xcloud/eip/ | tr '\n' ' ')"
	for h in agg aggb vr1 vr2; do
		diag "$h: $(tail -n 20 "$BGP_RUN/$h/xcloudd.log" | tr '\n' '|')"
	done
}
router_of() { eip_value "/xcloud/eip/addrs/$1" | jq -r .router; }
moves_logged() { cat "$BGP_RUN"/{agg,aggb}/xcloudd.log | grep -c "EIP $1: router vr1 is gone; moved it to standby router vr2" || true; }

eip_pool p4 "$BGP_POOL4"
eip_put "/xcloud/eip/addrs/$ES" \
	"{\"router\":\"vr1\",\"node\":\"$(bgp_addr vr1 4)\",\"private\":\"$VM4\",\"standby\":[{\"router\":\"vr2\",\"node\":\"$(bgp_addr vr2 4)\"}]}"
eip_bind "$EN" vr1 "$VM4B"
eip_put "/xcloud/eip/addrs/$EBAD" \
	"{\"router\":\"vr1\",\"node\":\"$(bgp_addr vr1 4)\",\"private\":\"10.200.0.7\",\"standby\":[{\"router\":\"vr2\",\"node\":null}]}"
live_keys() { [[ -n $(eip_value /xcloud/eip/routers/vr1) && -n $(eip_value /xcloud/eip/routers/vr2) ]]; }
check -d "router agents publish their liveness keys /xcloud/eip/routers/vr1, vr2" \
	wait_until 60 live_keys
check -d "bad standby list: logged with its key by both aggregation agents, skipped" \
	wait_until 30 eval "grep -qF 'malformed /xcloud/eip/addrs/$EBAD: \"standby\"[0]: \"node\" is null, not a string' '$BGP_RUN/agg/xcloudd.log' && grep -qF 'malformed /xcloud/eip/addrs/$EBAD' '$BGP_RUN/aggb/xcloudd.log'"
eip_unbind "$EBAD"
to_vm1() { [[ $(tcp_who "$ES" 2>/dev/null) == vm1 && $(tcp_who "$EN" 2>/dev/null) == vm1 ]]; }
check -d "both EIPs answered by vm1 behind vr1" wait_until 60 to_vm1
check -d "ping inet -> ES" bgp_nsx inet ping -c 3 -i 0.3 -W 2 "$ES"

read -r ver0 _ < <(eip_meta "/xcloud/eip/addrs/$ES")
read -r ven0 _ < <(eip_meta "/xcloud/eip/addrs/$EN")
# A flow running across the death: NAT is decided at a flow's first
# packet, so vr2's agent deletes the un-NATed conntrack entry its packets
# made before vr2 had the EIP's NAT rule.
bgp_nsx inet ping -i 0.1 -W 1 "$ES" >"$BGP_RUN/flow" 2>&1 &
flow_pid=$!
on_exit kill "$flow_pid"
# vr1's node dies: agent and BIRD gone without a word, link down.
kill -9 "${EIP_PID[vr1]}" 2>/dev/null || true; wait "${EIP_PID[vr1]}" 2>/dev/null || true
unset "EIP_PID[vr1]"
kill -9 "$(cat "$BGP_RUN/vr1/bird.pid")" 2>/dev/null || true
rm -f "$BGP_RUN/vr1/bird.pid"
bgp_nsx vr1 ip link set eth0 down
t0=$SECONDS
moved() { [[ $(router_of "$ES") == vr2 ]]; }
check -d "vr1 dies: its lease ends, ES's record names vr2" wait_until 60 moved
diag "moved $((SECONDS - t0)) s after vr1 died (lease-ttl $EIP_LEASE_TTL s)"
to_vm2() { [[ $(tcp_who "$ES" 2>/dev/null) == vm2 ]]; }
check -d "... vr2 announces and NATs it: connections to ES reach vm2" wait_until 60 to_vm2
check -d "... pings to ES resume" bgp_nsx inet ping -c 3 -i 0.3 -W 2 "$ES"
replies() { grep -c "bytes from" "$BGP_RUN/flow" || true; }
n1=$(replies)
check -d "... and so does the ping flow running since before vr1 died" \
	wait_until 30 eval '(($(replies) >= n1 + 5))'
kill "$flow_pid" 2>/dev/null || true
diag "vr2: $(grep "conntrack entr" "$BGP_RUN/vr2/xcloudd.log" | tr '\n' '|')"
# Let both agents' decisions and the watch settle, then count.
sleep 2
read -r ver1 _ < <(eip_meta "/xcloud/eip/addrs/$ES")
n_moves=$(moves_logged "$ES")
diag "ES version $ver0 -> $ver1, moves logged $n_moves, conflicts: $(cat "$BGP_RUN"/{agg,aggb}/xcloudd.log | grep -c "EIP $ES: not moved" || true)"
check -d "two aggregation agents decided it: exactly one store write (version +1), one move logged" \
	test "$((ver1 - ver0))" -eq 1 -a "$n_moves" -eq 1
expect_standby() {
	eip_value "/xcloud/eip/addrs/$ES" | jq -e --arg node "$(bgp_addr vr2 4)" --arg vm "$VM4" \
		'.node == $node and .private == $vm and ([.standby[].router] == ["vr1"])' >/dev/null
}
check -d "... the record: vr2's node, the same VM address, vr1 now its standby" expect_standby
read -r ven1 _ < <(eip_meta "/xcloud/eip/addrs/$EN")
check -d "positive control: EN (no standby) stays on vr1, its record not written" \
	test "$(router_of "$EN")" = vr1 -a "$ven0" = "$ven1"

# vr1 comes back: it does not take ES back; EN is answered again.
bgp_nsx vr1 ip link set eth0 up
# (The link going down took its routes; the connected ones come back
# with the carrier.)
bgp_wait 20 bgp_nsx vr1 ip route replace default via "$(bgp_addr sw1 4)" 2>/dev/null ||
	diag "vr1: no IPv4 default route"
bgp_wait 20 bgp_nsx vr1 ip -6 route replace default via "$(bgp_addr sw1 6)" 2>/dev/null ||
	diag "vr1: no IPv6 default route"
bgp_bird_start vr1 || diag "vr1's BIRD did not start"
eip_agent_start vr1
check -d "vr1 back: its liveness key again" wait_until 60 eval '[[ -n $(eip_value /xcloud/eip/routers/vr1) ]]'
check -d "... EN answered by vm1 again" wait_until 60 eval '[[ $(tcp_who "$EN" 2>/dev/null) == vm1 ]]'
sleep 2
read -r ver2 _ < <(eip_meta "/xcloud/eip/addrs/$ES")
vr1_not_es() {
	[[ -z $(bgp_birdc vr1 show route "$ES/32" | grep "^$ES") ]] &&
		! bgp_nsx vr1 nft list table inet xcloud_eip | grep -q "$ES"
}
check -d "... ES stays on vr2 (record not written again), vr1 neither announces nor NATs it" \
	eval '[[ $ver2 == "$ver1" && $(router_of "$ES") == vr2 ]] && vr1_not_es && [[ $(tcp_who "$ES") == vm2 ]]'
check -d "agents running, no move failed" \
	eval 'for h in agg aggb vr1 vr2; do kill -0 "${EIP_PID[$h]}" || exit 1; done; ! grep -h "moving it from router" "$BGP_RUN"/{agg,aggb}/xcloudd.log'
((_tap_failed == 0)) || explain
