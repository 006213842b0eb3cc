#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gateway_failover_ms: the loss window of a 10 ms ping flow vmA1 -> vmB1
# when the gateway of cloud B carrying it dies (its underlay link cut),
# with two gateways published by their agents through the control plane
# (tests/selftests/lib/gwha.sh; docs/control-plane.md, "Gateway
# failover"): the longest time between two replies with requests lost
# between them, from the cut on. Median and max of
# BENCH_GWHA_ROUNDS (5) rounds; after each the link comes back and the
# packets lost meanwhile are counted (gateway_return_lost, the most of
# any round; target 0). Target < 500 ms.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"
ROUNDS=${BENCH_GWHA_ROUNDS:-5}
for c in etcd curl; do
	command -v $c >/dev/null || { echo "# gwha: $c not installed"; exit 1; }
done
[[ -d /sys/module/xcloud ]] || { echo "# gwha: no module"; exit 1; }

TOPO_ID=xgwha
# The link stays down well inside the lease: the data plane's failover
# alone (the lease's expiry cuts nothing: gateway_ha.sh).
CP_LEASE=10
CP_NAME=gwha-bench
on_exit_cmds=()
on_exit() { on_exit_cmds+=("$*"); }
run_on_exit() {
	local i
	for ((i = ${#on_exit_cmds[@]} - 1; i >= 0; i--)); do eval "${on_exit_cmds[i]}"; done
	rm -rf "$BENCH_TMP"
}
trap run_on_exit EXIT
# shellcheck source=tests/selftests/lib/cp.sh
source "$here/../selftests/lib/cp.sh"
# shellcheck source=tests/selftests/lib/gwha.sh
source "$here/../selftests/lib/gwha.sh"
[[ -x $XCLOUDD && -x $COORD ]] || { echo "# gwha: no xcloudd or xcloud-coord"; exit 1; }

gwha_up 2>"$CP_TMP/up.err" || { echo "# gwha: two gateways did not come up: $(cat "$CP_TMP/up.err")"; exit 1; }
up() { [[ $(xc_tunnel_stat cnA1 "$(ul_addr "$1")" state) == up ]]; }

figs=() backs=()
for ((i = 0; i < ROUNDS; i++)); do
	gwha_wait 20 eval 'up gwB && up gwB2' || { note "gwha: round $i: a gateway is not up"; continue; }
	gwha_flow 30 cut
	sleep 0.5
	# The flow's gateway: ICMP hashes by its addresses alone.
	C=$(gwha_flow_carrier) || { gwha_flow_stop; note "gwha: round $i: no gateway carries the flow"; continue; }
	t0=$(date +%s.%N)
	gwha_link_down "$C"
	gwha_wait 10 eval '! up $C'
	sleep 1
	gwha_flow_stop
	ms=$(gwha_gap_ms cut "$t0")
	m0=$(xc_stat cnB1 rx_src_mismatch)
	gwha_flow 30 back
	sleep 0.5
	t1=$(date +%s.%N)
	gwha_link_up "$C"
	gwha_wait 10 up "$C"
	sleep 1
	gwha_flow_stop
	back=$(gwha_lost back)
	note "gwha: round $i: $C cut: ${ms:-?} ms loss window ($(gwha_lost cut) lost); back: ${back:-?} lost"
	note "$(gwha_windows cut "$t0" | sed 's/^/  cut (s from the cut): /')"
	[[ $back == 0 ]] || note "$(gwha_windows back "$t1" | sed 's/^/  back (s from link up): /'); cnB1 rx_src_mismatch +$(($(xc_stat cnB1 rx_src_mismatch) - m0))"
	[[ -n $ms ]] && figs+=("$ms")
	[[ -n $back ]] && backs+=("$back")
done
((${#figs[@]})) || { echo "# gwha: no round"; exit 1; }
read -r med mx < <(printf '%s\n' "${figs[@]}" | sort -n |
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[NR] }')
worst=$(printf '%s\n' "${backs[@]}" | sort -n | tail -n 1)
note "gwha: failover over ${#figs[@]} rounds: ${figs[*]} ms (max $mx); lost on return: ${backs[*]}"
bench gateway_failover_ms "$med" ms
bench gateway_failover_max_ms "$mx" ms
bench gateway_return_lost "${worst:-n/a}" packets
