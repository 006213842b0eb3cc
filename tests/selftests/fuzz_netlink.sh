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
# kernel log. XCLOUD_FUZZ_NL messages (50000; make fuzz sends 1000000
# on the debug kernel), XCLOUD_FUZZ_SEED to reproduce a run.
source "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
XCLOUDCTL=${XCLOUDCTL:-$REPO/userspace/xcloudctl/xcloudctl}
NLFUZZ=$REPO/tests/fuzz/nlfuzz

require_cmd ip
[[ -x $XCLOUDCTL ]] || skip_all "xcloudctl not built"
[[ -x $NLFUZZ ]] || skip_all "tests/fuzz/nlfuzz not built (make)"
[[ -d /sys/module/xcloud ]] || modprobe xcloud 2>/dev/null ||
	skip_all "xcloud module not loaded"

COUNT=${XCLOUD_FUZZ_NL:-50000}
SEED=${XCLOUD_FUZZ_SEED:-0}

plan 5

NS=xcfz-nl-$$
netns_add "$NS"
xc() { "$XCLOUDCTL" -n "$NS" "$@"; }

setup() {
	in_ns "$NS" ip link add fzother type dummy
	in_ns "$NS" ip link set fzother up
	xc link add xcfz0 vni 100
	xc link add xcfz1 vni 101 mode gateway tunnels eager local 192.0.2.1 \
		gateways 192.0.2.7
	xc link add xcfzc vni 102 port 6999
	for d in xcfz0 xcfz1 xcfzc; do in_ns "$NS" ip link set "$d" up; done
}
check -d "setup: two fuzz devices, a control device, a dummy" setup

out=/tmp/$NS.out
rc=0
in_ns "$NS" "$NLFUZZ" --fuzz xcfz0,xcfz1 --control xcfzc --other fzother \
	--seed "$SEED" --count "$COUNT" >"$out" 2>&1 || rc=$?
diag "$(cat "$out")"
summary=$(grep '^nlfuzz: seed .* messages ' "$out" || true)
num() { sed -n "s/.* $1 \([0-9]*\).*/\1/p" <<<"$summary"; }

if ((rc == 0)) && [[ $(num messages) == "$COUNT" ]]; then
	ok "nlfuzz: $COUNT messages answered, no hang ($(sed -n 's/.*(\([0-9]*\/s\)).*/\1/p' <<<"$summary"))"
else
	not_ok "nlfuzz: $COUNT messages answered, no hang (exit $rc)"
fi
if [[ -n $summary ]] && (($(num without-extack) == 0)); then
	ok "every refusal by the family carries an extack message (rejected $(num rejected), by the core $(num core))"
else
	not_ok "every refusal by the family carries an extack message (without: $(num without-extack))"
fi
if [[ -n $summary ]] && (($(num valid) > 0 && $(num valid-failed) == 0)); then
	ok "positive control: $(num valid) valid requests, all succeeded; accepted overall $(num accepted)"
else
	not_ok "positive control: valid requests all succeed (valid $(num valid), failed $(num valid-failed))"
fi
rm -f "$out"

# The devices still work, and the namespace goes away cleanly (the
# harness's kmemleak scan and log check see what it leaves).
after() {
	xc route add 10.77.0.0/16 type node via 192.0.2.9 dev xcfzc
	xc route show dev xcfzc | grep -q 10.77.0.0/16
	xc link show xcfz0 >/dev/null
	ip netns del "$NS"
}
check -d "after the fuzz: the control device takes a route, the namespace goes" after
