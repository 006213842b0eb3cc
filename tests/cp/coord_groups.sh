#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The groups the coordinator writes are groups the agents take (the rule
# of lib/values.c: 1 to 8 distinct unicast addresses, the kernel's
# next-hop limit): a cloud with more gateways than a group holds has its
# first 8 by address in the group, the rest logged and counted as left
# out; one gateway written twice (two spellings of one IPv6 address) is
# in the group once. A gateway new to a cloud that has gateways is in its
# group elsewhere only join-delay later; a cloud's first gateway at once.
# Each with its control. Two clouds, one etcd each. TAP.
. "$(dirname "$0")/lib.sh"

gw() { kv_put B "/xcloud/gateways/$1" "{\"underlay\":\"$2\"}"; }
group() { kv_dump A /xcloud/groups/B | cut -d' ' -f2-; }
group_is() { [ "$(group)" = "{\"gateways\":[$1]}" ]; }
# gws N...: the JSON list of B's gateways 10.255.1.N...
gws() { printf '"10.255.1.%s",' "$@" | sed 's/,$//'; }

echo "TAP version 13"
for c in A B; do etcd_start $c || exit 1; done
kv_put A /xcloud/underlay/A '{"prefixes":["10.255.0.0/24"]}'
kv_put B /xcloud/underlay/B '{"prefixes":["10.255.1.0/24","fd55::/64"]}'
kv_put A /xcloud/gateways/gw1 '{"underlay":"10.255.0.1"}'
for i in 1 2 3 4 5 6 7 8; do gw gw$i 10.255.1.$i; done
coord_config A B
coord_start

check "B's 8 gateways: its group in A holds all 8 (the control)" \
	wait_for 5 group_is "$(gws 1 2 3 4 5 6 7 8)"
ok "$(grep -q "left out" "$CP_TMP/coord.log"; echo $(( $? == 0 )))" "... and nothing is said left out"
# 10.255.1.10 sorts before .2 as text: the order is the addresses'.
gw gw9 10.255.1.10
gw gw10 10.255.1.9
check "a 9th and a 10th gateway are logged and counted as left out, the last by address" \
	wait_for 5 grep -q 'cloud B: gateways left out of its group (a group holds 8, the first by address): \["10.255.1.9","10.255.1.10"\] ([0-9]* left out so far)' "$CP_TMP/coord.log"
sleep 0.5
check "... and the group in A still holds 8, the first by address" group_is "$(gws 1 2 3 4 5 6 7 8)"
n0=$(wc -l <"$CP_TMP/coord.log")
kv_del B /xcloud/gateways/gw3
check "one of the 8 leaves: the first left out takes its place" \
	wait_for 5 group_is "$(gws 1 2 4 5 6 7 8 9)"
check "... and only the last is left out now" \
	wait_for 5 eval 'tail -n +$((n0 + 1)) "$CP_TMP/coord.log" |
		grep -q "left out of its group .*: \[\"10.255.1.10\"\] ([0-9]* left out so far)"'
for g in gw1 gw2 gw4 gw5 gw6 gw7 gw8 gw9 gw10; do kv_del B /xcloud/gateways/$g; done
gw gw6a fd55::1
check "one IPv6 gateway: the group holds it (the control)" wait_for 5 group_is '"fd55::1"'
gw gw6b fd55:0:0::1
gw gw6c fd55::2
check "the same address spelt otherwise is in the group once" \
	wait_for 5 group_is '"fd55::1","fd55::2"'
# A gateway new to a cloud with gateways: its own cloud's switches
# accept it before any other cloud routes to it (join-delay, 2 s).
n0=$(wc -l <"$CP_TMP/coord.log")
t0=$(date +%s.%N)
gw gw6d fd55::3
check "a gateway joining a cloud with gateways is logged as held for join-delay" \
	wait_for 5 eval 'tail -n +$((n0 + 1)) "$CP_TMP/coord.log" |
		grep -q "cloud B: gateway /xcloud/gateways/gw6d joins its group in the other clouds in 2 s"'
check "... its group in A does not name it yet" group_is '"fd55::1","fd55::2"'
check "... and names it after the delay (the control)" \
	wait_for 6 group_is '"fd55::1","fd55::2","fd55::3"'
held=$(awk -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f", t1 - t0 }')
check "... not before 2 s (${held} s)" awk -v h="$held" 'BEGIN { exit !(h >= 2) }'
# A cloud's first gateway is not held: nothing else would carry its flows.
for g in gw6a gw6b gw6c gw6d; do kv_del B /xcloud/gateways/$g; done
sleep 1
n0=$(wc -l <"$CP_TMP/coord.log")
gw gw7a 10.255.1.7
check "a cloud's first gateway is in its group at once (not held)" \
	wait_for 5 group_is '"10.255.1.7"'
check "... and nothing was said held" \
	eval '! tail -n +$((n0 + 1)) "$CP_TMP/coord.log" | grep -q "joins its group"'
check "coordinator still running" kill -0 "$COORD_PID"
[ "$T_FAILED" -ne 0 ] || [ -n "${CP_VERBOSE:-}" ] && sed 's/^/# /' "$CP_TMP/coord.log"
cp_done
