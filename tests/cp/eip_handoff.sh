#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xcloudd's router role with eip-handoff (docs/ovn.md, "The gateway
# chassis"): on an OVN gateway chassis it does no NAT, it routes each of
# its EIPs onto OVN's provider bridge. Against a real etcd and a real BIRD
# in one network namespace on this host, a Linux bridge standing in for
# br-ex (what is checked is the host's side: routes, announcements, no
# NAT table). Records naming this router get a host route onto the bridge
# (proto 78) and are announced, others not; two EIPs of one VM address
# are both kept (OVN NATs per logical router); a NAT table left from
# NATing is removed; a route deleted by hand and a bridge made anew get
# their routes back within a second or two; a missing bridge holds the
# announcements back until it exists.
CP_NETNS=xcloud-eiph-$$
. "$(dirname "$0")/lib.sh"
router_node_up
LOG=$CP_TMP/agent.log

agent_start() { router_agent_start --eip-handoff br-ex; }
routed() {	# routed EIP: the host route onto br-ex is there
	local fam=-4
	case $1 in *:*) fam=-6 ;; esac
	nx ip "$fam" route show proto 78 dev br-ex | grep -q "^$1 "
}
not_routed() { ! routed "$1"; }
log_has() { grep -qF -- "$1" "$LOG"; }

nx "$XCLOUDD" -c - -r aggregation --eip-device xceip --eip-handoff br-ex -e "$E" 2>"$CP_TMP/err"
check "eip-handoff refused for the aggregation role" grep -q "eip-handoff is a key of role router" "$CP_TMP/err"
check "-t shows eip-handoff" eval 'nx "$XCLOUDD" -t -c - -r router --router vr2 -e "$E" --eip-handoff br-ex | grep -q "eip-handoff br-ex"'

# Left from when this node NATed: it must not NAT any more.
nx nft -f - <<EOF
table inet xcloud_eip {
	map dnat_ip {
		type ipv4_addr : ipv4_addr
		elements = { 203.0.113.20 : 10.200.0.5 }
	}
}
EOF
eip 203.0.113.20 vr2 10.200.0.5
eip 203.0.113.21 vr2 10.200.0.5		# another logical router's VM, same address
eip 2001:db8:e1::20 vr2 fd00:200::5
eip 203.0.113.30 vr1 10.200.0.5
agent_start
check "no provider bridge yet: said so, nothing announced" \
	eval 'wait_for 5 log_has "eip-handoff br-ex: No such device" && sleep 0.5 && not_announced 203.0.113.20/32'
nx ip link add br-ex type bridge
nx ip link set br-ex up
check "bridge there: own EIPs routed onto it (proto 78, /32 and /128) and announced" \
	wait_for 10 eval 'routed 203.0.113.20 && routed 2001:db8:e1::20 && announced 203.0.113.20/32 && announced 2001:db8:e1::20/128'
check "... two EIPs of one VM address both kept (OVN NATs per router)" \
	eval 'routed 203.0.113.21 && announced 203.0.113.21/32 && ! log_has "already has EIP"'
check "... another router's EIP neither routed nor announced" \
	eval 'not_routed 203.0.113.30 && not_announced 203.0.113.30/32'
check "the NAT table left from NATing is removed, and logged" \
	eval '! nx nft list table inet xcloud_eip >/dev/null 2>&1 && log_has "removed table inet xcloud_eip (eip-handoff br-ex"'
check "... and no NAT table made" eval 'sleep 1.5; ! nx nft list table inet xcloud_eip >/dev/null 2>&1'

eip 203.0.113.40 vr2 10.200.0.7
check "a new record: routed and announced" wait_for 5 eval 'routed 203.0.113.40 && announced 203.0.113.40/32'
kv_del A /xcloud/eip/addrs/203.0.113.40
check "record deleted: route removed, withdrawn" wait_for 5 eval 'not_routed 203.0.113.40 && not_announced 203.0.113.40/32'
eip 203.0.113.21 vr1 10.200.0.5
check "record moved to another router: route removed, withdrawn" \
	wait_for 5 eval 'not_routed 203.0.113.21 && not_announced 203.0.113.21/32'

nx ip route del 203.0.113.20 dev br-ex proto 78
check "a route deleted by hand: back at the next poll, logged" \
	wait_for 5 eval 'routed 203.0.113.20 && log_has "handoff: routes onto br-ex changed by someone else (1 missing, 0 stale); put right"'
nx ip link del br-ex
nx ip link add br-ex type bridge
nx ip link set br-ex up
check "the bridge made anew (an OVS restart): its routes back" \
	wait_for 10 eval 'routed 203.0.113.20 && routed 2001:db8:e1::20'
check "... announcements unchanged throughout" eval 'announced 203.0.113.20/32 && announced 2001:db8:e1::20/128'
check "agent still running" kill -0 "$AGENT_PID"
[ "$T_FAILED" -ne 0 ] || [ -n "${CP_VERBOSE:-}" ] && sed 's/^/# /' "$LOG"
cp_done
