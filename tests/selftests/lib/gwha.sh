# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Cloud B with two gateways, gwB and gwB2, driven by the control plane
# (lib/cp.sh: an etcd per cloud, xcloud-coord, an xcloudd per node), a
# 10 ms ping flow vmA1 -> vmB1, and the three ways a gateway dies: for
# tests/selftests/gateway_ha.sh, tests/bench/gwha.sh and the demo.
# Sourced after lib/topo.sh and lib/cp.sh (and an on_exit function).
#
#   GWHA_TMP   where the flows' outputs go (default $CP_TMP)

TOPO_HOSTS=(gwA cnA1 gwB gwB2 cnB1)
TOPO_VMS=(vmA1 vmB1)
TOPO_IDX[gwB2]=3
TOPO_CLOUD[gwB2]=B
GWHA_TMP=${GWHA_TMP:-$CP_TMP}
GWHA_DST=$(vm_addr vmB1 4)

# gwha_up: the topology, both etcds, the coordinator, every agent and
# the VMs' ports; returns once cnA1 routes vmB1 through both gateways
# and vmA1 pings vmB1. Errors on stderr.
gwha_up() {
	local vm h
	cp_topology || { echo "topology failed" >&2; return 1; }
	cp_start_etcd A && cp_start_etcd B || { echo "etcd did not start" >&2; return 1; }
	cp_declare_network || { echo "cannot declare the network" >&2; return 1; }
	cp_start_coord
	for h in "${TOPO_HOSTS[@]}"; do cp_start_agent "$h"; done
	for vm in "${TOPO_VMS[@]}"; do
		cp_declare_port "$vm" "${TOPO_VM_NODE[$vm]}" &&
			cp_vm_plug "$vm" "${TOPO_VM_NODE[$vm]}" || return 1
	done
	gwha_wait 60 gwha_both || { echo "cnA1 does not route vmB1 through gwB and gwB2" >&2; return 1; }
	gwha_wait 30 vm_ping vmA1 vmB1 4 2 || { echo "vmA1 does not reach vmB1" >&2; return 1; }
}

# gwha_wait SECS CMD...: lib.sh's wait_until, for the bench and demo too.
gwha_wait() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < end)) || return 1
		sleep 0.2
	done
}

# cnA1's route to vmB1 names gateway GW / both gateways.
gwha_via() { cp_route_is cnA1 "$GWHA_DST" "$(ul_addr "$1")"; }
gwha_both() { gwha_via gwB && gwha_via gwB2; }
gwha_only() { gwha_via "$1" && ! gwha_via "$(gwha_other "$1")"; }
gwha_other() { if [[ $1 == gwB ]]; then echo gwB2; else echo gwB; fi; }

gwha_relayed() { xc_stat "$1" relayed_packets 2>/dev/null || echo 0; }

# gwha_carrier: which of gwB, gwB2 relays the flow vmA1 -> vmB1 (the one
# whose relayed counter moves with most of 20 pings; a loaded guest may
# lose one, so up to three tries).
gwha_carrier() {
	local b1 b2 d1 d2 _
	for _ in 1 2 3; do
		b1=$(gwha_relayed gwB)
		b2=$(gwha_relayed gwB2)
		ip netns exec "$(ns vmA1)" ping -q -c 20 -i 0.02 -W 2 "$GWHA_DST" >/dev/null || true
		d1=$(($(gwha_relayed gwB) - b1)) d2=$(($(gwha_relayed gwB2) - b2))
		if ((d1 >= 15 && d1 > d2)); then
			echo gwB
			return 0
		elif ((d2 >= 15 && d2 > d1)); then
			echo gwB2
			return 0
		fi
	done
	return 1
}

# gwha_flow_carrier: which of gwB, gwB2 relays the running flow (the
# one whose relayed counter moves more over a second of it). ICMP hashes
# by its addresses alone (kmod/send.c): every ping vmA1 -> vmB1 takes
# the same gateway of the same members.
gwha_flow_carrier() {
	local b1 b2 d1 d2
	b1=$(gwha_relayed gwB)
	b2=$(gwha_relayed gwB2)
	sleep 1
	d1=$(($(gwha_relayed gwB) - b1)) d2=$(($(gwha_relayed gwB2) - b2))
	if ((d1 >= 10 && d1 > d2)); then
		echo gwB
	elif ((d2 >= 10 && d2 > d1)); then
		echo gwB2
	else
		return 1
	fi
}

# gwha_flow SECONDS NAME: a 10 ms ping flow vmA1 -> vmB1 in the
# background (pid in GWHA_FLOW), each reply with its time, into
# $GWHA_TMP/NAME; returns once it runs.
gwha_flow() {
	# Not through nsx (a function): $! must be ping itself.
	ip netns exec "$(ns vmA1)" ping -D -c "$(($1 * 100))" -i 0.01 -W 1 \
		"$GWHA_DST" >"$GWHA_TMP/$2" 2>&1 &
	GWHA_FLOW=$!
	sleep 0.3
}

# gwha_flow_stop: ends the flow (SIGINT: ping prints its summary).
gwha_flow_stop() {
	kill -INT "$GWHA_FLOW" 2>/dev/null || true
	wait "$GWHA_FLOW" 2>/dev/null || true
}

# gwha_gap_ms NAME [FROM]: the loss window of flow NAME in ms: the
# longest time between two replies with requests lost between them (by
# icmp_seq; 0 if none was lost), of those after FROM (date +%s.%N; a
# reply up to 0.5 s before it: the last one before a cut). A stall of a
# loaded guest that loses nothing is not a loss window.
gwha_gap_ms() {
	awk -v from="${2:-0}" '/bytes from/ {
		t = substr($1, 2, length($1) - 2) + 0
		seq = $0; sub(/.*icmp_seq=/, "", seq); seq += 0
		if (n++ && seq > last_seq + 1 && last >= from - 0.5 && t - last > max)
			max = t - last
		last = t; last_seq = seq
	} END { printf "%d\n", max * 1000 }' "$GWHA_TMP/$1"
}

# gwha_windows NAME T0: each run of lost requests of flow NAME, in
# seconds from T0 (date +%s.%N): where a loss window lies.
gwha_windows() {
	awk -v t0="$2" '/bytes from/ {
		t = substr($1, 2, length($1) - 2) + 0
		seq = $0; sub(/.*icmp_seq=/, "", seq); seq += 0
		if (n++ && seq > last_seq + 1)
			printf "lost %d-%d: %.3f .. %.3f s\n", last_seq + 1, seq - 1, last - t0, t - t0
		last = t; last_seq = seq
	}' "$GWHA_TMP/$1"
}

# gwha_lost NAME: requests of flow NAME lost: the sequence numbers
# missing between its first and its last reply (the request on its way
# when the flow was stopped is not lost).
gwha_lost() {
	awk '/bytes from/ {
		seq = $0; sub(/.*icmp_seq=/, "", seq); seq += 0
		if (!(seq in got)) { got[seq] = 1; n++ }
		if (n == 1 || seq < first) first = seq
		if (seq > last) last = seq
	} END { print n ? last - first + 1 - n : 0 }' "$GWHA_TMP/$1"
}

# ---- the three deaths, and the returns ----

# (a) the gateway's underlay link down / up; its agent keeps running.
gwha_link_down() { nsx "$1" ip link set eth0 down; }
gwha_link_up() { nsx "$1" ip link set eth0 up; }

# (b) kill -9 of its agent (the kernel keeps forwarding) / started again.
gwha_agent_kill() { cp_kill "$1" KILL; }
gwha_agent_start() { cp_start_agent "$1"; }

# (c) the whole node gone: its agent killed, its namespace (and so its
# device and underlay link) deleted / the node built again from nothing
# and its agent started.
gwha_node_kill() {
	cp_kill "$1" KILL
	ip netns del "$(ns "$1")"
}
gwha_node_build() {
	topo_underlay_host "$1" "${TOPO_IDX[$1]}" && cp_start_agent "$1"
}
