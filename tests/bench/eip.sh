#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# EIP announcement latency (seed 004): from the router agent's call
# (xcloud-eip bird: include file written, `configure check`,
# `configure soft`) until BOTH switches have the EIP /32 in their kernel
# tables (vr2 is under sw2; sw1 learns it through sw2), and the same for a
# withdrawal. Median of $EIP_BENCH_ROUNDS rounds. Prints
#   BENCH eip_announce_ms <v> ms
#   BENCH eip_withdraw_ms <v> ms
# Polls the kernel tables every few ms, so the figures include up to one
# poll interval (and TCG's slowness: compare, don't quote as hardware).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/lib/bgp.sh
source "$here/../selftests/lib/bgp.sh"

TOOL=$BGP_REPO/userspace/eip/xcloud-eip
ROUNDS=${EIP_BENCH_ROUNDS:-7}
[[ -x $TOOL ]] || { echo "# eip: $TOOL not built"; exit 1; }
command -v bird >/dev/null || { echo "# eip: bird not installed"; exit 1; }

bgp_up || { echo "# eip: BGP topology did not come up"; exit 1; }

set_vr2() {
	"$TOOL" bird -s "$BGP_RUN/vr2/bird.ctl" -c "$BGP_RUN/vr2/bird.conf" \
		-f "$BGP_RUN/vr2/eip.conf" "$@"
}
both_have() { [[ -n $(bgp_kroute sw1 "$1") && -n $(bgp_kroute sw2 "$1") ]]; }
none_has() { [[ -z $(bgp_kroute sw1 "$1") && -z $(bgp_kroute sw2 "$1") ]]; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_ms PRED PREFIX: ms until PRED holds (-1 after 20 s)
wait_ms() {
	local t0=$1 end=$(($1 + 20000))
	shift
	until "$@"; do
		(($(now_ms) < end)) || { echo -1; return; }
		sleep 0.005
	done
	echo $(($(now_ms) - t0))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : -1) }'; }

ann=() wd=()
for ((i = 1; i <= ROUNDS; i++)); do
	eip=203.0.113.$((100 + i))/32
	t0=$(now_ms)
	set_vr2 "$eip" || { echo "# eip: announce failed"; exit 1; }
	ann+=("$(wait_ms "$t0" both_have "$eip")")
	t0=$(now_ms)
	set_vr2 || { echo "# eip: withdraw failed"; exit 1; }
	wd+=("$(wait_ms "$t0" none_has "$eip")")
done
echo "# eip: announce ms per round: ${ann[*]}"
echo "# eip: withdraw ms per round: ${wd[*]}"
echo "BENCH eip_announce_ms $(printf '%s\n' "${ann[@]}" | median) ms"
echo "BENCH eip_withdraw_ms $(printf '%s\n' "${wd[@]}" | median) ms"
bgp_down
trap - EXIT
