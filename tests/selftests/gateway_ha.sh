#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Gateways, active-active, through the control plane (docs/control-plane.md,
# "Gateway failover"). Cloud B has two gateways, gwB and gwB2, each
# published by its agent; the coordinator makes both next hops of cloud
# A's entry for vmB1, and cnA1's agent programs them. A 10 ms ping flow
# vmA1 -> vmB1 takes one; that gateway dies three ways in turn:
#   (a) its underlay link goes down (until its lease has expired and the
#       coordinator dropped it), then up again;
#   (b) kill -9 of its agent: the kernel keeps relaying, and when the
#       lease expires the coordinator drops it: cnB1 refuses nothing it
#       relays meanwhile (the grace); the agent is started again;
#   (c) the whole node: agent killed, namespace deleted; then built again
#       from nothing while cnB1's agent is held up (SIGSTOP) until 0.5 s
#       after the gateway published itself: the coordinator adds it to
#       cloud A's group only join-delay (2 s) after its record appeared,
#       so cnB1 accepts what it relays before cloud A sends through it.
# Each time the flow continues within XCLOUD_GWHA_LIMIT_MS (500 ms) of
# loss, from the death until the coordinator's rewrite is in, and loses
# nothing when the gateway comes back. (Probing off losing the flow,
# the control of the loss window, is liveness.sh's.)
# xcloud-kernels: stock
# xcloud-run: alone (it measures loss windows)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd etcd curl python3 ping awk
xcloud_available || skip_all "xcloud module or xcloudctl not available"
CP_LEASE=${XCLOUD_GWHA_LEASE:-4}
CP_NAME=gwha
# shellcheck source=tests/selftests/lib/cp.sh
source "$(dirname "$0")/lib/cp.sh"
# cnB1's agent is held up for seconds in (c): its lease must outlast that.
CP_LEASE_OF[cnB1]=30
# shellcheck source=tests/selftests/lib/gwha.sh
source "$(dirname "$0")/lib/gwha.sh"
[[ -x $XCLOUDD && -x $COORD ]] || skip_all "xcloudd or xcloud-coord not built"
LIMIT_MS=${XCLOUD_GWHA_LIMIT_MS:-500}

gwha_logs() {
	cp_kill_all
	if [[ ${XCLOUD_TEST_VERBOSE:-0} == 1 || $_tap_failed -ne 0 ]]; then
		cp_logs 30 | sed 's/^/# /'
	fi
}
on_exit gwha_logs

plan 27

# Not in a subshell: the daemons' pids are kept for cp_kill.
gwha_up 2>"$CP_TMP/up.err" || bail_out "two gateways did not come up: $(cat "$CP_TMP/up.err")"
diag "control plane and both gateways up at ${SECONDS}s"
# cnA1's liveness events, for the diagnostics of each death.
"$XCLOUDCTL" -n "$(ns cnA1)" monitor dev xc100 >"$CP_TMP/events" 2>&1 &
MON=$!
on_exit kill "$MON"
events_since() { tail -n +$(($1 + 1)) "$CP_TMP/events" | grep 'tunnel state' | tr '\n' ';'; }

check -d "both gateway agents published themselves in cloud B" \
	eval 'cp_has_key B /xcloud/gateways/gwB && cp_has_key B /xcloud/gateways/gwB2'
check -d "the coordinator names both in cloud B's group in cloud A; cnA1 routes through both" \
	eval 'cp_kv_dump A /xcloud/groups/B | grep -q "\"gateways\":\[\"$(ul_addr gwB)\",\"$(ul_addr gwB2)\"\]" && gwha_both'
tstate() { xc_tunnel_stat cnA1 "$(ul_addr "$1")" state; }
check -d "cnA1 probes both gateways; both up" \
	wait_until 30 eval '[[ $(tstate gwB) == up && $(tstate gwB2) == up ]]'

# die WAY NAME ACTION: a flow runs; ACTION kills C, the gateway that
# carries it (O is the other), and the flow goes on until cloud A routes
# vmB1 through O alone (the lease expired, the coordinator dropped C);
# then the checks of the loss window.
die() {
	local way=$1 name=$2 window o0
	shift 2
	gwha_flow 90 "$name"
	sleep 0.5
	C=$(gwha_flow_carrier) || { gwha_flow_stop; bail_out "neither gateway relays the flow"; }
	O=$(gwha_other "$C")
	diag "the flow vmA1 -> vmB1 goes through $C; the other gateway is $O"
	o0=$(gwha_relayed "$O")
	mism0=$(xc_stat cnB1 rx_src_mismatch)
	ev0=$(wc -l <"$CP_TMP/events")
	t0=$(date +%s.%N)
	"$@" "$C"
	wait_until 40 gwha_only "$O" || true
	t1=$(date +%s.%N)
	# At least 1 s more on O alone: after kill -9 of C's agent, C's kernel
	# relays the flow until the coordinator's rewrite, and O's counter
	# must then see some 100 packets of it.
	sleep 1.5
	gwha_flow_stop
	diag "$(grep 'packets transmitted' "$GWHA_TMP/$name")"
	diag "$C killed at 0 s; cloud A's route without it seen at $(awk "BEGIN { printf \"%.3f\", $t1 - $t0 }") s"
	diag "$(gwha_windows "$name" "$t0")"
	diag "cnA1's tunnel state events meanwhile: $(events_since "$ev0")"
	# From the death on, the coordinator's rewrite included.
	window=$(gwha_gap_ms "$name" "$t0")
	check -d "($way) $C dies: the flow goes on within ${LIMIT_MS} ms (loss window ${window} ms; $(gwha_lost "$name") lost in all)" \
		eval "((window < LIMIT_MS))"
	check -d "($way) ... through $O (its relayed counter moved)" \
		eval "(($(gwha_relayed "$O") - o0 >= 100))"
	check -d "($way) ... $C's lease expired: the coordinator dropped it, cnA1 routes through $O alone" \
		gwha_only "$O"
}

# back WAY NAME ACTION: the flow runs while ACTION brings C back, until
# cloud A routes vmB1 through both again; nothing may be lost.
back() {
	local way=$1 name=$2 m0 t0 ev0 up0 lost stats0
	shift 2
	m0=$(xc_stat cnB1 rx_src_mismatch)
	ev0=$(wc -l <"$CP_TMP/events")
	stats0="cnA1: $(xc cnA1 stats dev xc100 | tr -s ' \n' ' '); cnB1: $(xc cnB1 stats dev xc100 | tr -s ' \n' ' ')"
	up0=$(cut -d' ' -f1 /proc/uptime)
	gwha_flow 90 "$name"
	t0=$(date +%s.%N)
	"$@" "$C"
	wait_until 40 gwha_both || true
	sleep 1
	gwha_flow_stop
	diag "$(grep 'packets transmitted' "$GWHA_TMP/$name"); cnB1 refused $(($(xc_stat cnB1 rx_src_mismatch) - m0)) (rx_src_mismatch)"
	diag "$(gwha_windows "$name" "$t0")"
	check -d "($way) $C back: published again, cnA1 routes through both" gwha_both
	lost=$(gwha_lost "$name")
	check -d "($way) ... no packet lost while it came back ($lost lost)" \
		eval "((lost == 0))"
	((lost == 0)) || back_diag "$ev0" "$up0"
}

# back_diag EVENTS0 UPTIME0: where a return lost packets: cnA1's tunnel
# state events, the counters of cnA1, the gateway and cnB1 (cnA1's and
# cnB1's also from before), and the agents' and coordinator's lines since
# (monotonic stamps, /proc/uptime at 0 s).
back_diag() {
	local h
	diag "back began at uptime $2 s; cnA1's tunnel state events since: $(events_since "$1")"
	diag "counters before: $stats0"
	for h in cnA1 "$C" cnB1; do
		diag "$h's counters: $(xc "$h" stats dev xc100 | tr -s ' \n' ' ')"
	done
	diag "cnA1's tunnels: $(xc cnA1 -s tunnel show | tr -s ' \n' ' ')"
	diag "cnA1's neighbour $(ul_addr "$C"): $(nsx cnA1 ip neigh show "$(ul_addr "$C")"); $C's MAC: $(nsx "$C" cat /sys/class/net/eth0/address)"
	for h in "agent-$C" agent-cnA1 agent-cnB1 coord; do
		[[ -f $CP_TMP/$h.log ]] || continue
		tail -n 25 "$CP_TMP/$h.log" | sed "s/^/# $h: /"
	done
}

# Steady state first: with both gateways up a flow loses nothing (if it
# does, the host is too loaded for the loss windows below to mean much).
gwha_flow 60 steady
sleep 3
gwha_flow_stop
diag "$(grep 'packets transmitted' "$GWHA_TMP/steady")"
check -d "steady state: a 10 ms flow over both gateways loses nothing ($(gwha_lost steady) lost)" \
	eval "(($(gwha_lost steady) == 0))"

# ---- (a) underlay link down ----
die a link-cut gwha_link_down
back a link-back gwha_link_up
check -d "(a) cnA1's probes find $C up again" wait_until 20 eval '[[ $(tstate $C) == up ]]'

# ---- (b) kill -9 of the agent ----
die b agent-kill gwha_agent_kill
check -d "(b) cnB1 refused nothing relayed by $C meanwhile (rx_src_mismatch unchanged)" \
	eval "(($(xc_stat cnB1 rx_src_mismatch) == mism0))"
back b agent-back gwha_agent_start

# ---- (c) the whole node ----
die c node-gone gwha_node_kill
# cnB1 accepts what GW relays: GW is in its device's gateways.
accepts() {
	xc cnB1 link show xc100 | grep -oE 'gateways [^ ]+' | cut -d' ' -f2 |
		tr , '\n' | grep -qx "$(ul_addr "$1")"
}
check -d "(c) cnB1 stops accepting the gone $C once its grace (10 s) is over" \
	wait_until 20 eval "! accepts $C"
log=$CP_TMP/agent-$C.log
lines=$(wc -l <"$log")
# The node built again while cnB1's agent is held up, until 0.5 s after
# the gateway said it published itself (its record in the store).
rebuild_slow_switch() {
	kill -STOP "${CP_PID[cnB1]}"
	gwha_node_build "$1"
	wait_until 60 eval 'tail -n +$((lines + 1)) "$log" | grep -q "published gateway"' || true
	sleep 0.5
	kill -CONT "${CP_PID[cnB1]}"
}
mism0=$(xc_stat cnB1 rx_src_mismatch)
back c node-rebuilt rebuild_slow_switch
check -d "(c) cnB1, its agent held up past the record, refused nothing the rebuilt $C relayed (rx_src_mismatch unchanged)" \
	eval "(($(xc_stat cnB1 rx_src_mismatch) == mism0))"
# Published only once its device relays: no flow hashed to it is lost.
published_after_route() {
	tail -n +$((lines + 1)) "$log" | awk -v vm="route $GWHA_DST " '
		index($0, vm) && !r { r = NR }
		/published gateway/ && !p { p = NR }
		END { exit !(r && p && r < p) }'
}
check -d "(c) the rebuilt $C published itself only after its device had the route to vmB1" \
	published_after_route
check -d "(c) cnB1 accepts the rebuilt $C again" accepts "$C"
check -d "(c) cnA1's probes find the rebuilt $C up" wait_until 20 eval '[[ $(tstate $C) == up ]]'
check -d "(c) vmA1 -> vmB1 still pings" vm_ping vmA1 vmB1 4 3
diag "done at ${SECONDS}s"
