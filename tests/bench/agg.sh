#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# aggregator_failover_ms: the loss window of a 10 ms ping flow from the
# internet host to vr2's EIP when the aggregation node carrying it dies
# (its switch port down, its BIRD and agent killed with -9), with two
# aggregation nodes (lib/bgp.sh's bgp_second_agg; docs/eip-bgp.md,
# "Several aggregation nodes"): packets lost x 10 ms. Median (and max) of
# BENCH_AGG_ROUNDS (5) rounds; after each the node comes back and the
# loss of that return is noted. Target < 1,000 ms.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/lib/bgp.sh
source "$here/../selftests/lib/bgp.sh"
# shellcheck source=tests/selftests/lib/eip.sh
source "$here/../selftests/lib/eip.sh"
# shellcheck source=tests/selftests/lib/agg.sh
source "$here/../selftests/lib/agg.sh"
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"

ROUNDS=${BENCH_AGG_ROUNDS:-5}
[[ -x $XCLOUDD && -d /sys/module/xcloud ]] || { echo "# agg: no xcloudd or module"; exit 1; }
for c in bird etcd nft curl; do
	command -v $c >/dev/null || { echo "# agg: $c not installed"; exit 1; }
done

EIP_AGG_INGRESS=eth0
bgp_second_agg
bgp_up || { echo "# agg: BGP topology did not come up"; exit 1; }
trap 'eip_agents_down; bgp_down; rm -rf "$BENCH_TMP"' EXIT
eip_etcd_launch
{ eip_devices && eip_agents_up; } || { echo "# agg: no store or agents"; exit 1; }
eip_pool p4 "$BGP_POOL4" && eip_pool p6 "$BGP_POOL6" &&
	eip_bind "$EIP2" vr2 "$VM4" && eip_bind "$EIP2_6" vr2 "$VM6"
if ! bgp_wait 120 agg_spread || ! bgp_wait 30 bgp_nsx inet ping -c 1 -W 1 "$EIP2"; then
	echo "# agg: EIP not spread over both nodes"
	exit 1
fi

# lost_ms SECONDS ACTION...: a 10 ms flow for SECONDS, ACTION 1 s in;
# prints the packets lost x 10 ms.
lost_ms() {
	local secs=$1 out=$BENCH_TMP/ping pid
	shift
	ip netns exec "$(bgp_ns inet)" ping -q -c "$((secs * 100))" -i 0.01 -W 2 \
		"$EIP2" >"$out" 2>&1 &
	pid=$!
	sleep 1
	"$@"
	wait "$pid"
	awk '/packets transmitted/ { print ($1 - $4) * 10 }' "$out"
}
revive_and_settle() { agg_revive "$1" && bgp_wait 60 agg_spread; }

figs=() backs=() resets=0
for ((i = 0; i < ROUNDS; i++)); do
	agg_carrier || { note "agg: round $i: no node carries the flow"; continue; }
	t=$(date +%s.%N)
	ms=$(lost_ms 5 agg_die "$AGG_CARRIER")
	r=$(agg_others_reset "$t" "$AGG_CARRIER")
	[[ -z $r ]] || { resets=$((resets + 1)); note "agg: round $i: sessions reset: ${r//$'\n'/; }"; }
	back=$(lost_ms 8 revive_and_settle "$AGG_CARRIER")
	note "agg: round $i: $AGG_CARRIER died: ${ms:-?} ms lost; back: ${back:-?} ms lost"
	[[ -n $ms ]] && figs+=("$ms")
	[[ -n $back ]] && backs+=("$back")
	bgp_wait 60 agg_spread || note "agg: round $i: not spread again"
done
((${#figs[@]})) || { echo "# agg: no round"; exit 1; }
read -r med mx < <(printf '%s\n' "${figs[@]}" | sort -n |
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[NR] }')
note "agg: failover over ${#figs[@]} rounds: ${figs[*]} ms (max $mx); return: ${backs[*]} ms; rounds with another session reset: $resets"
bench aggregator_failover_ms "$med" ms
bench aggregator_failover_max_ms "$mx" ms
