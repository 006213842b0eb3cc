#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the coordinator believes of a cloud: a binding only inside the VM
# prefixes the cloud declares for its network (networks/<vni> in its own
# store), a gateway only inside its declared underlay (underlay/<cloud>),
# and of two clouds claiming one VM address, the first. A refused claim
# changes nothing in any other cloud, and is logged and counted; each
# case has its positive control. Three clouds, one etcd each. TAP.
. "$(dirname "$0")/lib.sh"

bind() { kv_put "$1" "/xcloud/bindings/$2" '{"node":"cn1","underlay":"10.255.9.9"}'; }
gw() { kv_put "$1" "/xcloud/gateways/$2" "{\"underlay\":\"$3\"}"; }
entry() { kv_dump "$1" /xcloud/remote/ | grep "remote/$2 " | cut -d' ' -f2-; }
has() {	# has CLOUD SUFFIX VALUE-PART: the entry is there and says so
	entry "$1" "$2" | grep -qF "$3"
}
refused() { grep -c "$1" "$CP_TMP/coord.log"; }

echo "TAP version 13"
for c in A B C; do etcd_start $c || exit 1; done
i=0
for c in A B C; do
	kv_put $c /xcloud/networks/100 "{\"prefixes\":[\"10.$((i + 1)).0.0/16\"]}"
	# network 200: A and B both declare 10.20.0.0/16 (two clouds may)
	kv_put $c /xcloud/networks/200 '{"prefixes":["10.20.0.0/16","fd20::/64"]}'
	kv_put $c /xcloud/underlay/$c "{\"prefixes\":[\"10.255.$i.0/24\"]}"
	gw $c gw1 10.255.$i.1
	i=$((i + 1))
done
coord_config A B C
coord_start

# VM prefixes
bind A 100/10.1.0.5
check "a binding inside its cloud's prefix reaches B" wait_for 5 has B 100/10.1.0.5 '"cloud":"A"'
check "... and C" wait_for 5 has C 100/10.1.0.5 '"cloud":"A"'
bind B 100/10.1.0.6
bind B 100/10.2.0.6
check "a binding of B inside B's prefix reaches A (the control)" wait_for 5 has A 100/10.2.0.6 '"cloud":"B"'
ok "$(entry A 100/10.1.0.6; entry C 100/10.1.0.6 | grep -q .; echo $(( $? == 0 )))" \
	"B's binding of 10.1.0.6, outside B's 10.2.0.0/16, reaches no cloud"
check "... logged with the key and the reason" \
	grep -q "cloud B: binding 100/10.1.0.6 refused: the address is outside" "$CP_TMP/coord.log"
check "... and counted" grep -q "cloud B: binding 100/10.1.0.6 refused: .*(1 refused so far)" "$CP_TMP/coord.log"
bind C 300/10.3.0.9
sleep 0.5
ok "$(entry A 300/10.3.0.9 | grep -q .; echo $(( $? == 0 )))" "a binding in a network its cloud does not declare reaches no cloud"

# Two clouds claiming one VM address: the first keeps it.
bind A 200/10.20.0.7
check "A's VM 10.20.0.7 reaches C (the control)" wait_for 5 has C 200/10.20.0.7 '"cloud":"A"'
wait_for 5 has B 200/10.20.0.7 '"cloud":"A"'
before=$(kv_dump C /xcloud/remote/ rev; kv_dump A /xcloud/remote/ rev)
bind B 200/10.20.0.7
check "B claiming A's VM address is refused and logged" \
	wait_for 5 grep -q "cloud B: binding 200/10.20.0.7 refused: cloud A claims that VM address (1 conflicts so far)" "$CP_TMP/coord.log"
sleep 2.5	# longer than remove-delay: nothing waits to move
after=$(kv_dump C /xcloud/remote/ rev; kv_dump A /xcloud/remote/ rev)
ok "$([ "$before" = "$after" ]; echo $?)" "... and changes nothing in A or C (every entry, revisions included)"
check "... B's own entry still names A" has B 200/10.20.0.7 '"cloud":"A"'
bind B 200/fd20::8
check "a VM address only B claims in the shared network reaches A (the control)" \
	wait_for 5 has A 200/fd20::8 '"cloud":"B"'

# Gateways only inside the cloud's underlay.
before=$(kv_dump A /xcloud/remote/ rev; kv_dump C /xcloud/remote/ rev
	kv_dump A /xcloud/groups/ rev; kv_dump C /xcloud/groups/ rev)
gw B gw9 192.0.2.9
check "a gateway of B outside B's underlay is refused and logged" \
	wait_for 5 grep -q 'cloud B: gateways refused (outside /xcloud/underlay/B): \["192.0.2.9"\]' "$CP_TMP/coord.log"
sleep 0.5
after=$(kv_dump A /xcloud/remote/ rev; kv_dump C /xcloud/remote/ rev
	kv_dump A /xcloud/groups/ rev; kv_dump C /xcloud/groups/ rev)
ok "$([ "$before" = "$after" ]; echo $?)" "... and no entry or group of another cloud changes"
gw B gw2 10.255.1.2
check "a second gateway inside B's underlay reaches A (the control)" \
	wait_for 5 eval '[ "$(kv_dump A /xcloud/groups/B)" = "/xcloud/groups/B {\"gateways\":[\"10.255.1.1\",\"10.255.1.2\"]}" ]'

# A declaration that shrinks takes back what it no longer covers.
kv_put B /xcloud/networks/100 '{"prefixes":["10.2.1.0/24"]}'
check "B's narrower network: its binding outside leaves A" wait_for 5 eval '! has A 100/10.2.0.6 cloud'
check "coordinator still running" kill -0 "$COORD_PID"
diag "refusals logged: $(refused 'refused')"
[ "$T_FAILED" -ne 0 ] || [ -n "${CP_VERBOSE:-}" ] && sed 's/^/# /' "$CP_TMP/coord.log"
cp_done
