# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The EIP-over-BGP topology (seed 004, DESIGN.md §1, §3, §4) out of network
# namespaces, each router running its own BIRD. Sourced, not run; used by
# tests/selftests/eip_*.sh, tests/bench/eip.sh and `make demo`.
#
#                 inet (internet host) 198.51.100.2 / 2001:db8:ff::2
#                   |
#        AS 65001  sw1 ------------------------- sw2  AS 65002
#                   | LAN1 (bridge in sw1)        | LAN2 (bridge in sw2)
#                   | 10.1.0.0/24 fd00:1::/64     | 10.2.0.0/24 fd00:2::/64
#             +-----+------+                      |
#            agg          vr1                    vr2
#   AS 65100 .10         65101 .11              65102 .12
#
#   sw1-sw2   10.0.12.1/.2 (/30), fd00:12::1/::2 (/64)
#   inet-sw1  198.51.100.1/.2 (/24), 2001:db8:ff::1/::2 (/64)
#
# Every router has one eBGP session per family to its switch; the switches
# peer with each other and install what they learn into their kernel
# tables. The aggregation node announces the EIP pools, the virtual
# routers their EIPs (/32, /128) with next hop = the aggregation address
# (bgp_agg_addr). agg, vr1, vr2 reach everything else by a default route
# to their switch.
#
# bgp_second_agg (before bgp_up) adds a second aggregation node, agg2
# (10.1.0.13, fd00:1::13, AS 65100 like agg) under sw1: the aggregation
# address is then 10.1.0.100 / fd00:1::100, which sw1 routes to agg and
# agg2 by a static multipath route with BFD on each next hop; sw1 merges
# the pools both announce into multipath routes (docs/eip-bgp.md,
# "Several aggregation nodes"), and runs BFD with them (with a single
# aggregation node it does not: nothing to fail over to). BGP_BFD=off
# (when a switch's bird.conf is written) turns BFD off on its side of the
# aggregation nodes' sessions and next hops: the positive control of a
# failover test.
#
# Namespaces are "$BGP_ID-<host>"; bgp_down (run at exit: through lib.sh's
# on_exit when the caller uses lib.sh, an EXIT trap otherwise) stops every
# BIRD and deletes them. Safe under `set -euo pipefail`. Each host's BIRD files live in
# $BGP_RUN/<host>/ (bird.conf, eip.conf, bird.ctl, bird.pid, bird.log).
#
# Feeding BIRD: bgp_set_routes writes a host's eip.conf (static protocols
# xc_eip4/xc_eip6), checks the configuration with `configure check`, and
# loads it with `configure soft`: BGP sessions stay up (docs/eip-bgp.md).

BGP_ID=${BGP_ID:-xb$$}
BGP_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BGP_REPO=$(cd "$BGP_LIB_DIR/../../.." && pwd)
BGP_CONF_DIR=${BGP_CONF_DIR:-$BGP_REPO/bird-conf}
BGP_RUN=${BGP_RUN:-/tmp/$BGP_ID-bird}

BGP_AGGS=(agg)
BGP_ROUTERS=(agg vr1 vr2)
BGP_SWITCHES=(sw1 sw2)
BGP_HOSTS=(sw1 sw2 agg vr1 vr2 inet)
BGP_BFD=${BGP_BFD:-on}

declare -A BGP_AS=([sw1]=65001 [sw2]=65002 [agg]=65100 [vr1]=65101
	[vr2]=65102)
declare -A BGP_SW=([agg]=sw1 [vr1]=sw1 [vr2]=sw2)
declare -A BGP_LAN=([sw1]=1 [sw2]=2)
declare -A BGP_IDX=([agg]=10 [vr1]=11 [vr2]=12)

# Pools and EIPs the tests use (documentation and test ranges).
BGP_POOL4=203.0.113.0/24
BGP_POOL6=2001:db8:e1::/48
BGP_POOL4_NEW=192.0.2.0/24
BGP_POOL6_NEW=2001:db8:e2::/48

# The aggregation address with several aggregation nodes.
BGP_AGG_ANY4=10.1.0.100
BGP_AGG_ANY6=fd00:1::100

BGP_NS_LIST=()

bgp_second_agg() {
	BGP_AGGS=(agg agg2)
	BGP_ROUTERS=(agg agg2 vr1 vr2)
	BGP_HOSTS=(sw1 sw2 agg agg2 vr1 vr2 inet)
	BGP_AS[agg2]=65100 BGP_SW[agg2]=sw1 BGP_IDX[agg2]=13
}

# The next hop the virtual routers give their EIPs, family $1: the
# aggregation node's address, or the aggregation address with several.
bgp_agg_addr() {
	if ((${#BGP_AGGS[@]} > 1)); then
		if [[ $1 == 6 ]]; then echo "$BGP_AGG_ANY6"; else echo "$BGP_AGG_ANY4"; fi
	else
		bgp_addr agg "$1"
	fi
}

bgp_ns() { echo "$BGP_ID-$1"; }
# shellcheck source=tests/selftests/lib/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"
bgp_nsx() { ns_run "$(bgp_ns "$1")" "${@:2}"; }
bgp_log() { echo "# bgp: $*" >&2; }

# Underlay address of router/switch $1 in family $2 (4 or 6) on its LAN.
bgp_addr() {
	local h=$1 fam=$2 lan idx
	if [[ -n ${BGP_LAN[$h]:-} ]]; then
		lan=${BGP_LAN[$h]} idx=1
	else
		lan=${BGP_LAN[${BGP_SW[$h]}]} idx=${BGP_IDX[$h]}
	fi
	if [[ $fam == 6 ]]; then echo "fd00:$lan::$idx"; else echo "10.$lan.0.$idx"; fi
}

bgp_inet_addr() { if [[ $1 == 6 ]]; then echo 2001:db8:ff::2; else echo 198.51.100.2; fi; }

# birdc against host $1's BIRD (the control socket is a file; no netns
# needed to reach it).
bgp_birdc() { local h=$1; shift; birdc -s "$BGP_RUN/$h/bird.ctl" "$@"; }

bgp_ns_add() {
	ip netns add "$(bgp_ns "$1")" || return 1
	BGP_NS_LIST+=("$1")
	bgp_nsx "$1" ip link set lo up
	bgp_nsx "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# Point-to-point veth: bgp_link A IFA B IFB
bgp_link() {
	ip link add "$2" netns "$(bgp_ns "$1")" type veth peer name "$4" \
		netns "$(bgp_ns "$3")" || return 1
	bgp_nsx "$1" ip link set "$2" up && bgp_nsx "$3" ip link set "$4" up
}

bgp_addrs() {
	local h=$1 dev=$2 a4=$3 a6=$4
	bgp_nsx "$h" ip addr add "$a4" dev "$dev" &&
		bgp_nsx "$h" ip addr add "$a6" dev "$dev" nodad
}

bgp_down() {
	local h pid
	for h in "${BGP_NS_LIST[@]}"; do
		bgp_bird_stop "$h" || true
	done
	for h in "${BGP_NS_LIST[@]}"; do
		for pid in $(ip netns pids "$(bgp_ns "$h")" 2>/dev/null); do
			kill "$pid" 2>/dev/null || true
		done
		ip netns del "$(bgp_ns "$h")" 2>/dev/null || true
	done
	BGP_NS_LIST=()
	if [[ $BGP_RUN == /tmp/* ]]; then rm -rf "$BGP_RUN"; fi
}

# Namespaces, links, addresses and static routes; no BIRD yet.
bgp_net() {
	local h sw
	for h in "${BGP_HOSTS[@]}"; do
		bgp_ns_add "$h" || return 1
	done
	for sw in "${BGP_SWITCHES[@]}"; do
		bgp_nsx "$sw" ip link add br0 type bridge || return 1
		bgp_nsx "$sw" ip link set br0 up
		bgp_addrs "$sw" br0 "$(bgp_addr "$sw" 4)/24" "$(bgp_addr "$sw" 6)/64"
	done
	for h in "${BGP_ROUTERS[@]}"; do
		sw=${BGP_SW[$h]}
		bgp_link "$sw" "p-$h" "$h" eth0 || return 1
		bgp_nsx "$sw" ip link set "p-$h" master br0
		bgp_addrs "$h" eth0 "$(bgp_addr "$h" 4)/24" "$(bgp_addr "$h" 6)/64"
		bgp_nsx "$h" ip route add default via "$(bgp_addr "$sw" 4)"
		bgp_nsx "$h" ip -6 route add default via "$(bgp_addr "$sw" 6)"
	done
	bgp_link sw1 sw2 sw2 sw1 || return 1
	bgp_addrs sw1 sw2 10.0.12.1/30 fd00:12::1/64
	bgp_addrs sw2 sw1 10.0.12.2/30 fd00:12::2/64
	bgp_link sw1 inet inet eth0 || return 1
	bgp_addrs sw1 inet 198.51.100.1/24 2001:db8:ff::1/64
	bgp_addrs inet eth0 198.51.100.2/24 2001:db8:ff::2/64
	bgp_nsx inet ip route add default via 198.51.100.1
	bgp_nsx inet ip -6 route add default via 2001:db8:ff::1
}

# One BGP session pair (v4 and v6) in a node's bird.conf:
# bgp_conf_session NAME TEMPLATE_BASE PEER4 PEER6 PEER_AS [OPTIONS]
bgp_conf_session() {
	printf 'protocol bgp %s_v4 from %s4 { neighbor %s as %s; %s}\n' "$1" "$2" "$3" "$5" "${6:-}"
	printf 'protocol bgp %s_v6 from %s6 { neighbor %s as %s; %s}\n' "$1" "$2" "$4" "$5" "${6:-}"
}

# A switch's static multipath route to the aggregation address: one next
# hop per aggregation node under switch $1, each with BFD (BGP_BFD).
bgp_conf_agg_addr() {
	local sw=$1 fam a v4='' v6='' bfd=' bfd'
	((${#BGP_AGGS[@]} > 1)) || return 0
	[[ $BGP_BFD == on ]] || bfd=''
	for a in "${BGP_AGGS[@]}"; do
		[[ ${BGP_SW[$a]} == "$sw" ]] || continue
		v4+=" via $(bgp_addr "$a" 4)$bfd" v6+=" via $(bgp_addr "$a" 6)$bfd"
	done
	[[ -n $v4 ]] || return 0
	for fam in 4 6; do
		if [[ $fam == 4 ]]; then
			echo "protocol static xc_agg_addr4 { ipv4; route $BGP_AGG_ANY4/32$v4; }"
		else
			echo "protocol static xc_agg_addr6 { ipv6; route $BGP_AGG_ANY6/128$v6; }"
		fi
	done
}

# Write host $1's bird.conf: the shared file of its role from bird-conf/,
# the node's constants and sessions, and (routers) the generated eip.conf.
bgp_conf() {
	local h=$1 dir=$BGP_RUN/$1 sw r tmpl opt
	mkdir -p "$dir"
	{
		echo "# generated by tests/selftests/lib/bgp.sh for $h"
		echo "log \"$dir/bird.log\" all;"
		case $h in
		sw1 | sw2)
			echo "router id $(bgp_addr "$h" 4);"
			echo "define XC_AS = ${BGP_AS[$h]};"
			echo "include \"$BGP_CONF_DIR/switch.conf\";"
			for r in "${BGP_ROUTERS[@]}"; do
				[[ ${BGP_SW[$r]} == "$h" ]] || continue
				# BFD with the aggregation nodes when there are
				# several: with one, there is nothing to fail over
				# to (docs/eip-bgp.md).
				tmpl=xc_sw_down opt=''
				if [[ $r == agg* ]] && ((${#BGP_AGGS[@]} > 1)); then
					tmpl=xc_sw_agg
					[[ $BGP_BFD == on ]] || opt='bfd off; '
				fi
				bgp_conf_session "$r" "$tmpl" "$(bgp_addr "$r" 4)" \
					"$(bgp_addr "$r" 6)" "${BGP_AS[$r]}" "$opt"
			done
			bgp_conf_agg_addr "$h"
			# The fabric's IGP: the other switch's LAN, by a static route.
			local o=sw2 o4=10.0.12.2 o6=fd00:12::2
			[[ $h == sw2 ]] && o=sw1 o4=10.0.12.1 o6=fd00:12::1
			bgp_conf_session "$o" xc_sw_peer "$o4" "$o6" "${BGP_AS[$o]}"
			echo "protocol static xc_underlay4 { ipv4; route 10.${BGP_LAN[$o]}.0.0/24 via $o4; }"
			echo "protocol static xc_underlay6 { ipv6; route fd00:${BGP_LAN[$o]}::/64 via $o6; }"
			;;
		agg*)
			echo "router id $(bgp_addr "$h" 4);"
			echo "define XC_AS = ${BGP_AS[$h]};"
			echo "include \"$BGP_CONF_DIR/aggregation.conf\";"
			echo "include \"eip.conf\";"
			sw=${BGP_SW[$h]}
			bgp_conf_session "$sw" xc_agg_uplink "$(bgp_addr "$sw" 4)" \
				"$(bgp_addr "$sw" 6)" "${BGP_AS[$sw]}"
			;;
		vr*)
			echo "router id $(bgp_addr "$h" 4);"
			echo "define XC_AS = ${BGP_AS[$h]};"
			echo "define XC_AGG4 = $(bgp_agg_addr 4);"
			echo "define XC_AGG6 = $(bgp_agg_addr 6);"
			echo "include \"$BGP_CONF_DIR/vrouter.conf\";"
			echo "include \"eip.conf\";"
			sw=${BGP_SW[$h]}
			bgp_conf_session "$sw" xc_vr_uplink "$(bgp_addr "$sw" 4)" \
				"$(bgp_addr "$sw" 6)" "${BGP_AS[$sw]}"
			;;
		esac
	} >"$dir/bird.conf"
	if [[ $h != sw* && ! -e $dir/eip.conf ]]; then
		bgp_eip_conf >"$dir/eip.conf"
	fi
}

# The generated part of a router's configuration: static protocols xc_eip4
# and xc_eip6 with a blackhole route per prefix given (IPv4 and IPv6 mixed).
# The same text userspace/eip renders (eip_bird_render).
bgp_eip_conf() {
	local p v4='' v6=''
	for p in "$@"; do
		if [[ $p == *:* ]]; then v6+="	route $p blackhole;"$'\n'
		else v4+="	route $p blackhole;"$'\n'; fi
	done
	printf '# generated by xcloud; do not edit\n'
	printf 'protocol static xc_eip4 {\n\tipv4;\n%s}\n' "$v4"
	printf 'protocol static xc_eip6 {\n\tipv6;\n%s}\n' "$v6"
}

bgp_bird_start() { bgp_bird_launch "$1" && bgp_bird_wait "$1"; }
# The same in two steps: several BIRDs start side by side.
bgp_bird_launch() {
	local h=$1 dir=$BGP_RUN/$1
	bgp_nsx "$h" bird -c "$dir/bird.conf" -s "$dir/bird.ctl" -P "$dir/bird.pid"
}
bgp_bird_wait() { bgp_wait 10 bgp_birdc "$1" show status >/dev/null; }

bgp_bird_stop() {
	local h=$1 pidf=$BGP_RUN/$1/bird.pid pid i
	[[ -s $pidf ]] || return 0
	pid=$(cat "$pidf")
	kill "$pid" 2>/dev/null || { rm -f "$pidf"; return 0; }
	# (BIRD removes neither its pid file nor its socket on SIGTERM.)
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$pidf"
}

# The whole topology with every BIRD running, its sessions coming up
# (bgp_wait_established waits for them): a test can set up more
# meanwhile. No pools and no EIPs announced yet.
bgp_start() { bgp_start_net && bgp_start_birds; }
# The same in two steps: the namespaces and links (bgp_start_net), then
# the BIRDs (bgp_start_birds); a test can start its own daemons in the
# namespaces in between, side by side with the BIRDs.
bgp_start_net() {
	if declare -F on_exit >/dev/null; then on_exit bgp_down; else trap bgp_down EXIT; fi
	bgp_net
}
bgp_start_birds() {
	local h
	for h in "${BGP_SWITCHES[@]}" "${BGP_ROUTERS[@]}"; do
		bgp_conf "$h" && bgp_bird_launch "$h" || {
			bgp_log "BIRD on $h did not start"
			return 1
		}
	done
	for h in "${BGP_SWITCHES[@]}" "${BGP_ROUTERS[@]}"; do
		bgp_bird_wait "$h" || { bgp_log "BIRD on $h does not answer"; return 1; }
	done
}

# The same, sessions established.
bgp_up() { bgp_start && bgp_wait_established 60; }

# bgp_wait SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
bgp_wait() {
	local t=$1 end
	shift
	end=$((SECONDS + t))
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.1
	done
}

# All BGP sessions of host $1 are Established.
bgp_established() {
	local out
	out=$(bgp_birdc "$1" show protocols 2>/dev/null) || return 1
	! awk '$2 == "BGP" && !/Established/ { bad = 1 } END { exit !bad }' \
		<<<"$out"
}

bgp_all_established() {
	local h
	for h in "${BGP_SWITCHES[@]}" "${BGP_ROUTERS[@]}"; do
		bgp_established "$h" || return 1
	done
}

bgp_wait_established() { bgp_wait "${1:-60}" bgp_all_established; }

# "name since" of host $1's BGP sessions, one a line (timeformat iso long:
# the since column is a date and a time).
bgp_sessions_since() {
	bgp_birdc "$1" show protocols | awk '$2 == "BGP" { print $1, $4, $5, $6, $7 }'
}

# bgp_restarted_after T HOST...: the hosts' BGP sessions whose since-time
# is after T (seconds since the epoch, date +%s.%N), "host name state
# info" a line. BIRD derives its wall-clock since-times from a monotonic
# clock, so under TCG they wobble by a few milliseconds between two reads:
# a reset (or a session going down) shows as a time after T.
bgp_restarted_after() {
	local t=$1 h name state d tm info s
	shift
	for h; do
		while read -r name state d tm info; do
			s=$(date -d "$d $tm" +%s.%N)
			awk -v s="$s" -v t="$t" 'BEGIN { exit !(s > t) }' && echo "$h $name $state $info"
		done < <(bgp_sessions_since "$h")
	done
	return 0
}

# Write host $1's eip.conf from the remaining arguments, check it, load it
# with a soft reconfiguration. Fails (leaving the old file) if BIRD rejects
# it.
bgp_set_routes() {
	local h=$1 dir=$BGP_RUN/$1 out
	shift
	cp "$dir/eip.conf" "$dir/eip.conf.old" 2>/dev/null || true
	bgp_eip_conf "$@" >"$dir/eip.conf.tmp" && mv "$dir/eip.conf.tmp" "$dir/eip.conf"
	out=$(bgp_birdc "$h" configure check "\"$dir/bird.conf\"")
	if ! grep -q 'Configuration OK' <<<"$out"; then
		bgp_log "$h: configure check failed: $out"
		mv "$dir/eip.conf.old" "$dir/eip.conf"
		return 1
	fi
	out=$(bgp_birdc "$h" configure soft "\"$dir/bird.conf\"")
	grep -Eq 'Reconfigur(ed|ation in progress)' <<<"$out" || {
		bgp_log "$h: configure soft failed: $out"
		return 1
	}
}

# The kernel route host $1 has for prefix $2: "via GW" or "" if none.
bgp_kroute() {
	local fam=-4
	[[ $2 == *:* ]] && fam=-6
	bgp_nsx "$1" ip "$fam" route show exact "$2" proto bird 2>/dev/null |
		awk '/via/ { for (i = 1; i < NF; i++) if ($i == "via") print "via", $(i + 1); exit }'
}

# The BGP next hop BIRD on host $1 selected for prefix $2 ("" if none).
bgp_next_hop() {
	bgp_birdc "$1" show route "$2" all 2>/dev/null |
		awk -v p="$2" '$1 == p { found = 1 } found && $1 == "BGP.next_hop:" { print $2; exit }'
}

# The switch has a kernel route for the prefix (route reached the
# forwarding plane) and BIRD's best route's BGP next hop is an
# aggregation node or the aggregation address.
bgp_learned_via_agg() {
	local sw=$1 p=$2 fam=4 nh a
	[[ $p == *:* ]] && fam=6
	[[ -n $(bgp_kroute "$sw" "$p") ]] || return 1
	nh=$(bgp_next_hop "$sw" "$p")
	[[ $nh == "$(bgp_agg_addr $fam)" ]] && return 0
	for a in "${BGP_AGGS[@]}"; do
		[[ $nh == "$(bgp_addr "$a" $fam)" ]] && return 0
	done
	return 1
}

# The gateways of host $1's kernel route for prefix $2, sorted, one a line
# (a multipath route has several).
bgp_kroute_gws() {
	local fam=-4
	[[ $2 == *:* ]] && fam=-6
	bgp_nsx "$1" ip "$fam" route show exact "$2" 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "via") print $(i + 1) }' | sort
}

bgp_no_route() { [[ -z $(bgp_kroute "$1" "$2") ]]; }

# What the switches know, for a failed test's diagnostics.
bgp_explain() {
	local h
	for h in "${BGP_SWITCHES[@]}"; do
		echo "== $h: show protocols"
		bgp_birdc "$h" show protocols 2>&1 || true
		echo "== $h: show route all"
		bgp_birdc "$h" show route all 2>&1 | grep -E '^[0-9a-f]|via|next_hop|unreach' || true
		echo "== $h: kernel"
		bgp_nsx "$h" ip route show proto bird 2>&1 || true
		bgp_nsx "$h" ip -6 route show proto bird 2>&1 || true
	done
}

# bgp_wait_or_explain SECONDS CMD...: bgp_wait, and on failure what the
# switches know.
bgp_wait_or_explain() {
	bgp_wait "$@" && return 0
	bgp_explain
	return 1
}
