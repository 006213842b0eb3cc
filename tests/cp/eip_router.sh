#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xcloudd's router role (docs/eip-bgp.md) against a real etcd and a real
# BIRD (no BGP: the static protocols xc_eip4/xc_eip6 are what the uplinks
# would export), without the kernel module: everything in one network
# namespace on this host. Records naming this router are announced and
# NATed, others' are not; a write, a delete and a move are followed; a NAT
# table deleted or changed by hand is restored; a BIRD restart is noticed
# and everything announced again; a configuration BIRD refuses leaves
# the last good include file in place until a retry succeeds; etcd going away changes nothing; bad
# configuration is refused; malformed store values (null, wrong types,
# huge, bad or special addresses, odd bytes in keys, a VM address behind
# two EIPs) are logged with key and reason and skipped while the good
# ones keep being announced and NATed.
CP_NETNS=xcloud-eipr-$$
. "$(dirname "$0")/lib.sh"
router_node_up

agent_start() { router_agent_start; }
natted() { nx nft list map inet xcloud_eip "$2" 2>/dev/null | grep -q "$1 : "; }
not_natted() { ! natted "$@"; }

nx "$XCLOUDD" -c - -r router -e "$E" 2>"$CP_TMP/err"
check "router role without a router name is refused" grep -q "needs router" "$CP_TMP/err"
nx "$XCLOUDD" -c - -r router --router vr2 -e "$E" --bird-config etc/bird.conf 2>"$CP_TMP/err"
check "relative BIRD path is refused" grep -q "bird-config must be an absolute path" "$CP_TMP/err"
nx "$XCLOUDD" -c - -r aggregation -e "$E" 2>"$CP_TMP/err"
check "aggregation role without eip-device is refused" grep -q "needs eip-device" "$CP_TMP/err"

eip 203.0.113.20 vr2 10.200.0.5
eip 2001:db8:e1::20 vr2 fd00:200::5
eip 203.0.113.30 vr1 10.200.0.5
kv_put A /xcloud/eip/addrs/203.0.113.99 'not json'
agent_start
check "start: own EIP announced as /32" wait_for 5 announced 203.0.113.20/32
check "... and as /128" announced 2001:db8:e1::20/128
check "... with 1:1 NAT" wait_for 5 natted 203.0.113.20 dnat_ip
check "... IPv6 too" natted 2001:db8:e1::20 dnat_ip6
check "... another router's EIP is not announced" not_announced 203.0.113.30/32
check "... malformed record logged" grep -q "ignoring malformed /xcloud/eip/addrs/203.0.113.99" "$CP_TMP/agent.log"
leased() {	# leased KEY: KEY exists, under a lease
	kv_call A /v3/kv/range "{\"key\":\"$(b64 "$1")\"}" |
		jq -e '(.kvs[0].lease // "0" | tonumber) != 0' >/dev/null
}
check "... its liveness key /xcloud/eip/routers/vr2 under a lease" wait_for 5 leased /xcloud/eip/routers/vr2

eip 203.0.113.31 vr2 10.200.0.6
check "new record: announced" wait_for 5 announced 203.0.113.31/32
check "... NATed" wait_for 5 natted 203.0.113.31 dnat_ip
kv_del A /xcloud/eip/addrs/203.0.113.31
check "deleted record: withdrawn" wait_for 5 not_announced 203.0.113.31/32
check "... NAT rule gone" wait_for 5 not_natted 203.0.113.31 dnat_ip
eip 203.0.113.30 vr2 10.200.0.6
check "EIP moved to this router: announced" wait_for 5 announced 203.0.113.30/32
eip 203.0.113.30 vr1 10.200.0.6
check "EIP moved away: withdrawn" wait_for 5 not_announced 203.0.113.30/32

# Malformed values while the agent runs, then a good one.
A_=/xcloud/eip/addrs
rec() { echo "{\"router\":$1,\"node\":$2,\"private\":$3}"; }
BAD_KEYS=("$A_/203.0.113.41" "$A_/203.0.113.42" "$A_/203.0.113.43" "$A_/203.0.113.44"
	"$A_/203.0.113.45" "$A_/203.0.113.46"$'\n' "$A_/2001:DB8:E1::20" "$A_/203.0.113.47"
	"$A_/203.0.113.48" /xcloud/eip/pools/bad)
kv_put A "${BAD_KEYS[0]}" null
kv_put A "${BAD_KEYS[1]}" "$(rec null '"10.2.0.12"' '"10.200.0.42"')"
kv_put A "${BAD_KEYS[2]}" "$(rec '"vr2"' 5 '"10.200.0.43"')"
V44=$(rec '"vr2"' '"10.2.0.12"' "\"$(printf '%*s' 5000 '' | tr ' ' x)\"")
kv_put A "${BAD_KEYS[3]}" "$V44"
kv_put A "${BAD_KEYS[4]}" "$(rec '"vr2"' '"127.0.0.1"' '"10.200.0.45"')"
kv_put A "${BAD_KEYS[5]}" "$(rec '"vr2"' '"10.2.0.12"' '"10.200.0.46"')"
kv_put A "${BAD_KEYS[6]}" "$(rec '"vr2"' '"10.2.0.12"' '"fd00:200::99"')"
kv_put A "${BAD_KEYS[7]}" "$(rec '"vr2"' '"10.2.0.12"' '"10.200.0.5"')"
kv_put A "${BAD_KEYS[8]}" "$(rec '"vr2"' '"10.2.0.12"' '"10.200.0.48"') trailing"
kv_put A "${BAD_KEYS[9]}" '{"prefix":null}'
eip 203.0.113.49 vr2 10.200.0.49
check "malformed values: a good EIP written after them is announced" wait_for 5 announced 203.0.113.49/32
check "... and NATed" wait_for 5 natted 203.0.113.49 dnat_ip
check "... the good ones before them stay announced and NATed" eval \
	'announced 203.0.113.20/32 && announced 2001:db8:e1::20/128 && natted 203.0.113.20 dnat_ip && natted 2001:db8:e1::20 dnat_ip6'
none_announced() {
	local i
	for i in 41 42 43 44 45 46 47 48; do not_announced 203.0.113.$i/32 || return 1; done
}
check "... none of the malformed ones is announced" none_announced
check "... none NATed, the VM address behind a second EIP neither" eval \
	'not_natted 203.0.113.47 dnat_ip && not_natted fd00:200::99 dnat_ip6 && not_natted 10.200.0.45 snat_ip'
logged() { grep -qF -- "$1" "$CP_TMP/agent.log"; }
check "... each logged with its key and the reason" eval '
	logged "ignoring malformed $A_/203.0.113.41: not a JSON object but null" &&
	logged "ignoring malformed $A_/203.0.113.42: \"router\" is null, not a string" &&
	logged "ignoring malformed $A_/203.0.113.43: \"node\" is int, not a string" &&
	logged "ignoring malformed $A_/203.0.113.44: value of ${#V44} bytes, at most 4096" &&
	logged "ignoring malformed $A_/203.0.113.45: \"node\" 127.0.0.1 is in 127.0.0.0/8 (loopback)" &&
	logged "ignoring malformed $A_/203.0.113.46\\x0a: key does not end in an IP address" &&
	logged "ignoring malformed $A_/2001:DB8:E1::20: key'"'"'s EIP 2001:DB8:E1::20 is not written as 2001:db8:e1::20" &&
	logged "ignoring malformed $A_/203.0.113.48: not JSON: text after the value" &&
	logged "ignoring malformed /xcloud/eip/pools/bad: \"prefix\" is null, not a string" &&
	logged "skipping $A_/203.0.113.47 (VM address 10.200.0.5 already has EIP 203.0.113.20)"'
check "... a huge value is not copied into the log" eval '! grep -q xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx "$CP_TMP/agent.log"'
check "... the agent is still running" kill -0 "$AGENT_PID"
for k in "${BAD_KEYS[@]}"; do kv_del A "$k"; done
check "bad values deleted: the agent says nothing is skipped any more" \
	wait_for 5 logged "store: no value skipped any more"

nx nft delete table inet xcloud_eip
check "NAT table deleted by hand: the agent restores it" wait_for 5 natted 203.0.113.20 dnat_ip
check "... and says so" grep -q "table inet xcloud_eip was missing; restored it" "$CP_TMP/agent.log"
nx nft add element inet xcloud_eip dnat_ip '{ 198.51.100.9 : 10.200.0.9 }'
check "NAT map element added by hand: the agent removes it" wait_for 5 not_natted 198.51.100.9 dnat_ip
check "... and says so" grep -q "table inet xcloud_eip had been changed; restored it" "$CP_TMP/agent.log"

cp "$B/bird.conf" "$CP_TMP/bird.conf.good"
echo 'this is not BIRD;' >>"$B/bird.conf"
eip 203.0.113.34 vr2 10.200.0.10
check "BIRD refuses its configuration: the agent says so, with BIRD's words" \
	wait_for 5 grep -q "BIRD at .* refused .*eip.conf: Remote I/O error: .*syntax error" "$CP_TMP/agent.log"
check "... the new EIP is not announced, the others stay" eval \
	'not_announced 203.0.113.34/32 && announced 203.0.113.20/32'
check "... the previous include file is put back" eval \
	'! grep -q 203.0.113.34 "$B/eip.conf" && grep -q 203.0.113.20 "$B/eip.conf"'
check "... the agent is still running" kill -0 "$AGENT_PID"
cp "$CP_TMP/bird.conf.good" "$B/bird.conf"
check "configuration fixed: the retry announces it" wait_for 10 announced 203.0.113.34/32
check "... and says the state is applied again" grep -q "EIP state applied again" "$CP_TMP/agent.log"

bird_stop
eip 203.0.113.32 vr2 10.200.0.7
check "BIRD down: the agent says so" wait_for 5 grep -q "BIRD at .* does not answer" "$CP_TMP/agent.log"
check "... and still applies NAT" wait_for 5 natted 203.0.113.32 dnat_ip
bird_start
check "BIRD restarted: the agent notices it" wait_for 5 grep -q "(re)started" "$CP_TMP/agent.log"
check "... everything announced again, the change made meanwhile too" wait_for 5 \
	eval 'announced 203.0.113.20/32 && announced 203.0.113.32/32 && announced 2001:db8:e1::20/128'

etcd_stop A
check "etcd down: the agent says so" wait_for 10 grep -q "store: lost" "$CP_TMP/agent.log"
sleep 1
check "... and keeps announcing and NATing" eval 'announced 203.0.113.20/32 && natted 203.0.113.20 dnat_ip'
etcd_start A
eip 203.0.113.33 vr2 10.200.0.8
check "etcd back: changes followed again" wait_for 10 announced 203.0.113.33/32

kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
reloads() { grep -c "prefix(es) in\|NAT: " "$CP_TMP/agent.log"; }
n=$(reloads)
agent_start
sleep 2
check "restart with nothing changed: BIRD not reloaded, only NAT checked" \
	test "$(reloads)" -eq $((n + 1))
check "one BIRD restart seen, no spurious one" test "$(grep -c "(re)started" "$CP_TMP/agent.log")" -eq 1
check "agent still running" kill -0 "$AGENT_PID"
[ "$T_FAILED" -ne 0 ] || [ -n "${CP_VERBOSE:-}" ] && sed 's/^/# /' "$CP_TMP/agent.log"
cp_done
