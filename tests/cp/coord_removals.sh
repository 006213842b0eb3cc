#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The coordinator removes a remote entry once: an entry's older version
# read or watched after the coordinator deleted it (its own write's echo
# held up by a slow etcd) does not bring it back to be removed again.
# Cloud A's etcd is stopped for a moment while an entry is added and
# removed, so the echo of the add reaches the coordinator after the
# removal. The removals are counted in the coordinator's log. Two clouds,
# one etcd each; no delay before removals. TAP.
. "$(dirname "$0")/lib.sh"

bind() { kv_put B "/xcloud/bindings/$1" '{"node":"cn1","underlay":"10.255.1.9"}'; }
entry() { kv_dump A /xcloud/remote/ | grep -q "remote/$1 "; }
removals() { grep -c "cloud A: removed remote $1 " "$CP_TMP/coord.log"; }

echo "TAP version 13"
for c in A B; do etcd_start $c || exit 1; done
i=0
for c in A B; do
	kv_put $c /xcloud/networks/100 '{"prefixes":["10.1.0.0/16"]}'
	kv_put $c /xcloud/underlay/$c "{\"prefixes\":[\"10.255.$i.0/24\"]}"
	kv_put $c /xcloud/gateways/gw1 "{\"underlay\":\"10.255.$i.1\"}"
	i=$((i + 1))
done
coord_config A B
printf '[coord]\nremove-delay = 0\n' >>"$CP_TMP/coord.conf"
coord_start

# The control: a binding added and removed at leisure, removed once.
bind 100/10.1.0.5
check "B's binding reaches A" wait_for 5 entry 100/10.1.0.5
kv_del B /xcloud/bindings/100/10.1.0.5
check "... and leaves it with the binding" wait_for 5 eval '! entry 100/10.1.0.5'
sleep 0.5
ok "$([ "$(removals 100/10.1.0.5)" = 1 ]; echo $?)" "... removed once (the control)"

# Added and removed while A's etcd is stopped: both writes wait, then the
# echo of the add arrives after the removal was made.
kill -STOP "${ETCD_PID[A]}"
bind 100/10.1.0.6
wait_for 5 grep -q "cloud A: added remote 100/10.1.0.6 " "$CP_TMP/coord.log"
kv_del B /xcloud/bindings/100/10.1.0.6
wait_for 5 grep -q "cloud A: removed remote 100/10.1.0.6 " "$CP_TMP/coord.log"
sleep 0.3
kill -CONT "${ETCD_PID[A]}"
sleep 1.5
check "the entry added and removed under a stopped etcd is not in A" eval '! entry 100/10.1.0.6'
n=$(removals 100/10.1.0.6)
diag "removals of 100/10.1.0.6: $n"
ok "$([ "$n" = 1 ]; echo $?)" "... removed once, not again when the echo of its add arrives"
check "coordinator still running" kill -0 "$COORD_PID"
[ "$T_FAILED" -ne 0 ] || [ -n "${CP_VERBOSE:-}" ] && sed 's/^/# /' "$CP_TMP/coord.log"
cp_done
