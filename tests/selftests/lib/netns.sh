# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# ns_run NS CMD...: CMD in network namespace NS. `ip` goes through its own
# -n: one program started instead of two, which a loaded TCG guest feels
# in every poll and in a topology's setup. Sourced by lib/topo.sh and
# lib/bgp.sh.
ns_run() {
	local ns=$1
	shift
	if [[ $1 == ip ]]; then
		shift
		ip -n "$ns" "$@"
	else
		ip netns exec "$ns" "$@"
	fi
}
