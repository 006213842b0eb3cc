#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# eip_rehome_ms: how long an EIP whose virtual router dies is unreachable
# once the router's lease has ended (docs/eip-bgp.md, "Virtual router
# failure"). EIP ES (203.0.113.40, NAT to VM4) belongs to one router with
# the other as standby; a 10 ms ping flow from the internet host runs
# while its router's node dies: link down, agent killed with -9 and its
# lease revoked at the same moment (standing in for the lease-ttl seconds
# a real death waits for the lease to end). The aggregation agent sees
# the liveness key go, writes the move, and the standby's agent NATs the
# EIP: the figure is the flow's loss window (packets lost x 10 ms), from
# the link going down to the first reply through the standby, the
# revoke's own time included (as agg.sh's). The notes also give the time
# from etcd's answer to the revoke to the first reply after it (ping -D's
# stamps); in a loaded TCG guest the ping stalls now and then, which
# makes that one noisy. The router comes back and the next round
# kills the other one (the EIP moves back). Median (and max) of
# BENCH_REHOME_ROUNDS (5) rounds. A real death costs lease-ttl (10 s by
# default) more.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/selftests/lib/bgp.sh
source "$here/../selftests/lib/bgp.sh"
# shellcheck source=tests/selftests/lib/eip.sh
source "$here/../selftests/lib/eip.sh"
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"

ROUNDS=${BENCH_REHOME_ROUNDS:-5}
ES=203.0.113.40
[[ -x $XCLOUDD && -d /sys/module/xcloud ]] || { echo "# eip_rehome: no xcloudd or module"; exit 1; }
for c in bird etcd nft curl; do
	command -v $c >/dev/null || { echo "# eip_rehome: $c not installed"; exit 1; }
done

EIP_AGG_INGRESS=eth0
bgp_up || { echo "# eip_rehome: BGP topology did not come up"; exit 1; }
trap 'eip_agents_down; bgp_down; rm -rf "$BENCH_TMP"' EXIT
eip_etcd_launch
{ eip_devices && eip_agents_up; } || { echo "# eip_rehome: no store or agents"; exit 1; }
live() { [[ -n $(eip_value "/xcloud/eip/routers/$1") ]]; }
eip_pool p4 "$BGP_POOL4"
eip_put "/xcloud/eip/addrs/$ES" \
	"{\"router\":\"vr1\",\"node\":\"$(bgp_addr vr1 4)\",\"private\":\"$VM4\",\"standby\":[{\"router\":\"vr2\",\"node\":\"$(bgp_addr vr2 4)\"}]}"
if ! bgp_wait 60 eval 'live vr1 && live vr2' ||
	! bgp_wait 60 bgp_nsx inet ping -c 1 -W 1 "$ES" >/dev/null; then
	echo "# eip_rehome: EIP not reachable"
	exit 1
fi

router_of() { eip_value "/xcloud/eip/addrs/$ES" | jq -r .router; }
lease_of() {
	bgp_nsx agg curl -sf --max-time 5 "$EIP_ETCD/v3/kv/range" \
		-d "{\"key\":\"$(eip_b64 "/xcloud/eip/routers/$1")\"}" |
		jq -r '.kvs[0].lease'
}
# Lease IDs in, one line each: revoked, and "SENT ANSWERED" (wall clock)
# out. Started once, so a round pays no process start: the answer comes
# when etcd has ended the lease and deleted its keys.
coproc REVOKER {
	bgp_nsx agg python3 -u -c '
import json, sys, time, urllib.request
url = sys.argv[1] + "/v3/lease/revoke"
for line in sys.stdin:
    req = urllib.request.Request(url, data=json.dumps({"ID": line.strip()}).encode())
    t0 = time.time()
    try:
        urllib.request.urlopen(req, timeout=5).read()
    except OSError as e:
        print("0 0", flush=True)
        continue
    print(t0, time.time(), flush=True)' "$EIP_ETCD"
}
# The node of router $1 dies, and its lease ends with it: link down, agent
# killed, lease revoked. Sets T_SENT, T_END.
die() {
	local r=$1 lease=$2
	bgp_nsx "$r" ip link set eth0 down
	kill -9 "${EIP_PID[$r]}" 2>/dev/null
	echo "$lease" >&"${REVOKER[1]}"
	read -r T_SENT T_END <&"${REVOKER[0]}"
}
revive() {
	local r=$1
	wait "${EIP_PID[$r]}" 2>/dev/null
	unset "EIP_PID[$r]"
	bgp_nsx "$r" ip link set eth0 up
	# (The link going down took its routes; the connected ones come
	# back with the carrier.)
	bgp_wait 20 bgp_nsx "$r" ip route replace default via "$(bgp_addr "${BGP_SW[$r]}" 4)" 2>/dev/null
	bgp_wait 20 bgp_nsx "$r" ip -6 route replace default via "$(bgp_addr "${BGP_SW[$r]}" 6)" 2>/dev/null
	eip_agent_start "$r"
	bgp_wait 60 live "$r"
}
# round FROM LEASE: a 10 ms flow for 6 s, FROM dies 1 s in; sets MS (ms
# from the lease's end to the first reply after it) and LOST (packets lost
# x 10 ms).
round() {
	local out=$BENCH_TMP/ping pid
	ip netns exec "$(bgp_ns inet)" ping -D -c 600 -i 0.01 -W 2 "$ES" >"$out" 2>&1 &
	pid=$!
	sleep 1
	die "$1" "$2"
	wait "$pid"
	read -r MS LOST < <(python3 - "$T_END" "$out" <<-'EOF'
		import re, sys
		t, first, sent, recv = float(sys.argv[1]), None, 0, 0
		for line in open(sys.argv[2]):
		    m = re.match(r"\[(\d+\.\d+)\] \d+ bytes from", line)
		    if m and first is None and float(m.group(1)) > t:
		        first = float(m.group(1))
		    m = re.search(r"(\d+) packets transmitted, (\d+) received", line)
		    if m:
		        sent, recv = int(m.group(1)), int(m.group(2))
		print(round((first - t) * 1000) if first and t else -1, (sent - recv) * 10)
	EOF
	)
}

figs=() ends=()
for ((i = 0; i < ROUNDS; i++)); do
	from=$(router_of) || { note "eip_rehome: round $i: no record"; break; }
	to=vr2
	[[ $from == vr1 ]] || to=vr1
	lease=$(lease_of "$from") || { note "eip_rehome: round $i: $from has no liveness key"; break; }
	round "$from" "$lease"
	ms=$MS lost=$LOST
	got=$(router_of)
	note "eip_rehome: round $i: $from died: first reply through $got ${ms:-?} ms after its lease ended (revoke answered in $(python3 -c "print(round(($T_END - $T_SENT) * 1000))") ms); ${lost:-?} ms lost in all"
	[[ $got == "$to" && -n $lost ]] && figs+=("$lost") && ends+=("$ms")
	revive "$from" || { note "eip_rehome: round $i: $from did not come back"; break; }
done
((${#figs[@]})) || { echo "# eip_rehome: no round"; exit 1; }
read -r med mx < <(printf '%s\n' "${figs[@]}" | sort -n |
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[NR] }')
note "eip_rehome: loss windows over ${#figs[@]} rounds: ${figs[*]} ms (max $mx); lease's end to first reply: ${ends[*]} ms"
grep -h "moved it to standby" "$BGP_RUN/agg/xcloudd.log" | sed 's/^/# agg: /'
grep -h "conntrack entr" "$BGP_RUN"/vr{1,2}/xcloudd.log | sed 's/^/# routers: /'
bench eip_rehome_ms "$med" ms
bench eip_rehome_max_ms "$mx" ms
