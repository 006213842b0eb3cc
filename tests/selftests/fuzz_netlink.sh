#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzzer (tests/fuzz/nlfuzz, docs/fuzzing.md): random and mutated
# raw requests for every command of the xcloud genl family and for xcloud
# links (RTM_NEWLINK/SETLINK/DELLINK with IFLA_INFO_DATA), in a namespace
# of their own, with a positive control (valid requests on a device the
# fuzz does not touch must all succeed). Every refusal must carry an
# extack message, unless the netlink core refused the request before the
# family saw it; the harness fails the run on any splat or leak in the
# kernel log. XCLOUD_FUZZ_NL messages in all (200000, as in make check;
# make fuzz 1000000 on the debug kernel) over XCLOUD_FUZZ_NL_JOBS workers
# (twice the guest's CPUs), XCLOUD_FUZZ_SEED to reproduce a run.
# xcloud-run: alone (its workers take every vCPU)
source "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
XCLOUDCTL=${XCLOUDCTL:-$REPO/userspace/xcloudctl/xcloudctl}
NLFUZZ=$REPO/tests/fuzz/nlfuzz

require_cmd ip
[[ -x $XCLOUDCTL ]] || skip_all "xcloudctl not built"
[[ -x $NLFUZZ ]] || skip_all "tests/fuzz/nlfuzz not built (make)"
[[ -d /sys/module/xcloud ]] || modprobe xcloud 2>/dev/null ||
	skip_all "xcloud module not loaded"

COUNT=${XCLOUD_FUZZ_NL:-200000}
SEED=${XCLOUD_FUZZ_SEED:-0}
# Workers side by side, each in a namespace and on devices of its own:
# the family runs its ops in parallel (parallel_ops), so the workers'
# requests race each other in the module's shared code (the route slab,
# the genl and rtnetlink paths). Two per vCPU, 8 at most: a worker waits
# on its requests' device and namespace changes (RCU grace periods) as
# long as it computes; on the debug kernel under TCG, 4 workers on 2
# vCPUs sent 1,321 messages/s, 2 sent 906/s.
JOBS=$(nproc)
JOBS=${XCLOUD_FUZZ_NL_JOBS:-$((JOBS > 4 ? 8 : JOBS * 2))}
((JOBS >= 1 && JOBS <= 8)) || JOBS=1

plan 5

xc() { local ns=$1; shift; "$XCLOUDCTL" -n "$ns" "$@"; }

setup() {
	local ns=$1
	netns_add "$ns"
	in_ns "$ns" ip link add fzother type dummy
	in_ns "$ns" ip link set fzother up
	xc "$ns" link add xcfz0 vni 100
	xc "$ns" link add xcfz1 vni 101 mode gateway tunnels eager \
		local 192.0.2.1 gateways 192.0.2.7
	xc "$ns" link add xcfzc vni 102 port 6999
	for d in xcfz0 xcfz1 xcfzc; do in_ns "$ns" ip link set "$d" up; done
}
setup_all() {
	local i
	for ((i = 0; i < JOBS; i++)); do setup "xcfz-nl-$$-$i" || return; done
}
check -d "setup: $JOBS namespace(s), each with two fuzz devices, a control device, a dummy" setup_all

# Worker i sends its share with seed SEED+i (random if SEED is 0): its
# summary line names the seed that replays it.
declare -a pids outs
for ((i = 0; i < JOBS; i++)); do
	n=$((COUNT / JOBS + (i < COUNT % JOBS)))
	s=$((SEED ? SEED + i : 0))
	outs[i]=/tmp/xcfz-nl-$$-$i.out
	in_ns "xcfz-nl-$$-$i" "$NLFUZZ" --fuzz xcfz0,xcfz1 --control xcfzc \
		--other fzother --seed "$s" --count "$n" >"${outs[i]}" 2>&1 &
	pids[i]=$!
done
rc=0
for ((i = 0; i < JOBS; i++)); do
	wait "${pids[i]}" || rc=$?
	diag "worker $i: $(cat "${outs[i]}")"
done

# The workers' summaries added up, field by field.
SUMMARY='^nlfuzz: seed [0-9]* messages '
sum() {
	local f=$1 t=0 v i
	for ((i = 0; i < JOBS; i++)); do
		v=$(sed -n "/$SUMMARY/s/.* $f \([0-9]*\).*/\1/p" "${outs[i]}")
		[[ -n $v ]] || { echo -1; return; }
		t=$((t + v))
	done
	echo "$t"
}
rate=$(for ((i = 0; i < JOBS; i++)); do
	sed -n "/$SUMMARY/s/.*(\([0-9]*\)\/s).*/\1/p" "${outs[i]}"
done | awk '{ t += $1 } END { print t + 0 }')

if ((rc == 0)) && [[ $(sum messages) == "$COUNT" ]]; then
	ok "nlfuzz: $COUNT messages answered by $JOBS worker(s), no hang ($rate/s)"
else
	not_ok "nlfuzz: $COUNT messages answered, no hang (exit $rc, answered $(sum messages))"
fi
if (($(sum without-extack) == 0)); then
	ok "every refusal by the family carries an extack message (rejected $(sum rejected), by the core $(sum core))"
else
	not_ok "every refusal by the family carries an extack message (without: $(sum without-extack))"
fi
if (($(sum valid) > 0 && $(sum valid-failed) == 0)); then
	ok "positive control: $(sum valid) valid requests, all succeeded; accepted overall $(sum accepted)"
else
	not_ok "positive control: valid requests all succeed (valid $(sum valid), failed $(sum valid-failed))"
fi
rm -f "${outs[@]}"

# The devices still work, and the namespace goes away cleanly (the
# harness's kmemleak scan and log check see what it leaves).
after() {
	local ns i
	for ((i = 0; i < JOBS; i++)); do
		ns=xcfz-nl-$$-$i
		xc "$ns" route add 10.77.0.0/16 type node via 192.0.2.9 dev xcfzc &&
		xc "$ns" route show dev xcfzc | grep -q 10.77.0.0/16 &&
		xc "$ns" link show xcfz0 >/dev/null &&
		ip netns del "$ns" || return
	done
}
check -d "after the fuzz: each control device takes a route, the namespaces go" after
