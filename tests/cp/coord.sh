#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xcloud-coord against real etcds (one per cloud) on loopback: remote
# entries follow bindings, each cloud's group key follows its gateways (a
# gateway change is one write per other cloud, the entries untouched),
# entries of the form before groups are rewritten, restarts of the coordinator and of
# an etcd converge with no stale or missing entry, a restart with nothing
# changed writes nothing. TAP.
. "$(dirname "$0")/lib.sh"

bind() { kv_put "$1" "/xcloud/bindings/$2" "{\"node\":\"cn1\",\"underlay\":\"$3\"}"; }
unbind() { kv_del "$1" "/xcloud/bindings/$2"; }
gw() { kv_put "$1" "/xcloud/gateways/$2" "{\"underlay\":\"$3\"}"; }
r() { echo "/xcloud/remote/$1 {\"cloud\":\"$2\"}"; }
g() { echo "/xcloud/groups/$1 {\"gateways\":[$2]}"; }
groups_is() {	# groups_is CLOUD "key value" lines...: exactly these groups
	local c=$1 want got
	shift
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
	got=$(kv_dump "$c" /xcloud/groups/)
	[ "$want" = "$got" ]
}
# rev_of CLOUD KEY: the key's mod_revision
rev_of() { kv_dump "$1" "$2" rev | awk -v k="$2" '$1 == k { print $NF }'; }
GA='"10.0.1.1"'
GB='"10.0.2.1"'
GC='"10.0.3.1"'

UA='"10.0.1.0/24"'
UB='"10.0.2.0/24","fd00:2::/64"'
UC='"10.0.3.0/24"'

echo "TAP version 13"
for c in A B C; do etcd_start $c || exit 1; done
# What each cloud declares: its networks' VM prefixes and its underlay
# (claims outside them are refused: claims.sh).
for c in A B C; do
	for v in 100 200 300; do
		kv_put $c /xcloud/networks/$v '{"prefixes":["10.0.0.0/8"]}'
	done
done
kv_put A /xcloud/underlay/A "{\"prefixes\":[$UA]}"
kv_put B /xcloud/underlay/B "{\"prefixes\":[$UB]}"
kv_put C /xcloud/underlay/C "{\"prefixes\":[$UC]}"
gw A gw1 10.0.1.1
gw B gw1 10.0.2.1
gw C gw1 10.0.3.1
coord_config A B C

"$COORD" -c /nonexistent.conf 2>"$CP_TMP/err"
ok $(( $? == 0 )) "missing config file is an error"
check "... and says which file" grep -q "nonexistent.conf: cannot open" "$CP_TMP/err"
printf '[cloud A]\netcd = 127.0.0.1:1\n[cloud B]\netcd = http://x\n' >"$CP_TMP/bad.conf"
"$COORD" -c "$CP_TMP/bad.conf" 2>"$CP_TMP/err"
ok $(( $? == 0 )) "bad etcd URL is an error"
check "... with its line" grep -q "line 2: etcd must be an http" "$CP_TMP/err"

# Present before the coordinator starts: one binding, one stale entry.
# The entry of the binding is of the form before groups (an upgrade).
bind A 100/10.0.0.1 192.168.1.11
kv_put B /xcloud/remote/100/10.9.9.9 '{"cloud":"A","gateways":["10.0.1.1"]}'
kv_put B /xcloud/remote/100/10.0.0.1 '{"cloud":"A","gateways":["10.0.1.1"]}'
coord_start
check "existing binding reaches cloud B" wait_for 5 remote_is B "$(r 100/10.0.0.1 A "$GA")"
check "... and cloud C" wait_for 5 remote_is C "$(r 100/10.0.0.1 A "$GA")"
check "no remote entry in the VM's own cloud" remote_is A
check "each cloud holds the groups of the other two" \
	eval 'groups_is A "$(g B "$GB")" "$(g C "$GC")" &&
		groups_is B "$(g A "$GA")" "$(g C "$GC")" &&
		groups_is C "$(g A "$GA")" "$(g B "$GB")"'
gr=$(rev_of B /xcloud/groups/A) er=$(rev_of B /xcloud/remote/100/10.0.0.1)
diag "upgrade: group A in B at revision $gr, the rewritten entry at $er"
check "an entry of the older form is rewritten, not before the group it names" \
	test -n "$gr" -a -n "$er" -a "${gr:-0}" -le "${er:-0}"

bind B 100/10.0.0.2 192.168.2.11
check "new binding in B appears in A" wait_for 5 remote_is A "$(r 100/10.0.0.2 B "$GB")"
check "... and in C" wait_for 5 remote_is C "$(r 100/10.0.0.1 A "$GA")" "$(r 100/10.0.0.2 B "$GB")"

unbind A 100/10.0.0.1
check "deleted binding vanishes from B" wait_for 5 remote_is B
check "... and from C" wait_for 5 remote_is C "$(r 100/10.0.0.2 B "$GB")"

# A gateway change of B: one write in A and one in C (their stores'
# revisions move by one each), the remote entries untouched. More VMs of
# B first, so that "untouched" means something.
for i in 1 2 3 4 5 6 7 8 9 10; do bind B 100/10.0.9.$i 192.168.2.11; done
wait_for 5 eval '[ "$(kv_dump A /xcloud/remote/ | grep -c "\"cloud\":\"B\"")" = 11 ]'
sleep 0.5
remA=$(kv_dump A /xcloud/remote/ rev) remC=$(kv_dump C /xcloud/remote/ rev)
ra=$(kv_rev A) rc=$(kv_rev C)
gw B gw2 10.0.2.2
check "second gateway: B's group in A lists both" \
	wait_for 5 groups_is A "$(g B "$GB,\"10.0.2.2\"")" "$(g C "$GC")"
check "... and in C" wait_for 5 groups_is C "$(g A "$GA")" "$(g B "$GB,\"10.0.2.2\"")"
sleep 0.5
ra=$(($(kv_rev A) - ra)) rc=$(($(kv_rev C) - rc))
diag "a gateway joining B: $ra revisions in A, $rc in C, for 11 VMs of B"
ok "$([ "$ra" = 1 ] && [ "$rc" = 1 ]; echo $?)" "... one write per other cloud"
ok "$([ "$remA" = "$(kv_dump A /xcloud/remote/ rev)" ] &&
	[ "$remC" = "$(kv_dump C /xcloud/remote/ rev)" ]; echo $?)" \
	"... and no remote entry rewritten"
ra=$(kv_rev A)
kv_del B /xcloud/gateways/gw1
check "first gateway gone: only the second" \
	wait_for 5 groups_is A "$(g B '"10.0.2.2"')" "$(g C "$GC")"
sleep 0.5
ra=$(($(kv_rev A) - ra))
ok "$([ "$ra" = 1 ] && [ "$remA" = "$(kv_dump A /xcloud/remote/ rev)" ]; echo $?)" \
	"a gateway leaving: one write in A ($ra), no entry rewritten"
gw B gw1 10.0.2.1
wait_for 5 groups_is A "$(g B "$GB,\"10.0.2.2\"")" "$(g C "$GC")"
for i in 1 2 3 4 5 6 7 8 9 10; do unbind B 100/10.0.9.$i; done
wait_for 5 remote_is A "$(r 100/10.0.0.2 B)"
GB2="$GB,\"10.0.2.2\""

# A cloud left with no gateway keeps its group and entries (a gateway
# agent restarting must not cut traffic).
grevs=$(kv_dump A /xcloud/groups/ rev)
kv_del C /xcloud/gateways/gw1
sleep 0.5
check "C without gateways: the groups of C in A and B stay as they were" \
	eval '[ "$grevs" = "$(kv_dump A /xcloud/groups/ rev)" ] &&
		groups_is B "$(g A "$GA")" "$(g C "$GC")"'
gw C gw1 10.0.3.1
sleep 0.3
check "... and its gateway back rewrites nothing (the control: same value)" \
	eval '[ "$grevs" = "$(kv_dump A /xcloud/groups/ rev)" ]'

# A VM moving between nodes of its cloud is unbound for a moment: the
# other clouds' entries must not change.
before=$(kv_dump A /xcloud/remote/ rev)
unbind B 100/10.0.0.2
sleep 0.3
kv_put B /xcloud/bindings/100/10.0.0.2 '{"node":"cn2","underlay":"192.168.2.12"}'
sleep 2.5
ok "$([ "$before" = "$(kv_dump A /xcloud/remote/ rev)" ]; echo $?)" \
	"VM moving inside its cloud: other clouds' entries untouched"

# Lease expiry of a binding (a dead switch agent) removes its entries.
L=$(lease_grant C 60)
kv_put C /xcloud/bindings/200/10.0.0.3 '{"node":"cn9","underlay":"192.168.3.11"}' "$L"
check "leased binding arrives" wait_for 5 remote_is A "$(r 100/10.0.0.2 B "$GB2")" "$(r 200/10.0.0.3 C "$GC")"
lease_revoke C "$L"
check "binding whose lease ends is removed" wait_for 5 remote_is A "$(r 100/10.0.0.2 B "$GB2")"

# Tampering with a remote entry is undone.
kv_put A /xcloud/remote/100/10.0.0.2 '{"cloud":"B","gateways":["1.2.3.4"]}'
kv_put A /xcloud/remote/100/10.7.7.7 '{"cloud":"B","gateways":["1.2.3.4"]}'
check "edited and foreign remote entries are repaired" \
	wait_for 5 remote_is A "$(r 100/10.0.0.2 B "$GB2")"
kv_put A /xcloud/groups/B '{"gateways":["1.2.3.4"]}'
kv_put A /xcloud/groups/A '{"gateways":["1.2.3.4"]}'
kv_put A /xcloud/groups/Z '{"gateways":["1.2.3.4"]}'
check "edited groups, the cloud's own and unknown clouds' are repaired" \
	wait_for 5 groups_is A "$(g B "$GB2")" "$(g C "$GC")"

# A clean restart with nothing changed writes nothing.
sleep 0.3
before=$(for c in A B C; do kv_dump $c /xcloud/remote/ rev; kv_dump $c /xcloud/groups/ rev; done)
coord_kill TERM
coord_start
sleep 1.5
after=$(for c in A B C; do kv_dump $c /xcloud/remote/ rev; kv_dump $c /xcloud/groups/ rev; done)
ok "$([ "$before" = "$after" ]; echo $?)" "restart with nothing changed rewrites nothing"

# Killed while bindings change: converges on restart.
coord_kill KILL
bind A 100/10.0.1.1 192.168.1.12
bind A 100/10.0.1.2 192.168.1.12
bind C 300/10.0.3.3 192.168.3.12
unbind B 100/10.0.0.2
kv_put B /xcloud/remote/300/10.8.8.8 '{"cloud":"C","gateways":["10.0.3.1"]}'
coord_start
WANT_A="$(r 300/10.0.3.3 C "$GC")"
WANT_B="$(r 100/10.0.1.1 A "$GA")
$(r 100/10.0.1.2 A "$GA")
$(r 300/10.0.3.3 C "$GC")"
WANT_C="$(r 100/10.0.1.1 A "$GA")
$(r 100/10.0.1.2 A "$GA")"
check "after kill -9 and restart: cloud A exact" wait_for 5 remote_is A "$WANT_A"
check "... cloud B exact (stale removed)" wait_for 5 remote_is B "$WANT_B"
check "... cloud C exact" wait_for 5 remote_is C "$WANT_C"

# The etcd of cloud B restarts; changes made meanwhile elsewhere arrive.
etcd_stop B
bind A 100/10.0.1.3 192.168.1.12
unbind A 100/10.0.1.1
sleep 0.5
check "coordinator logs that cloud B is unreachable" grep -q "cloud B: lost" "$CP_TMP/coord.log"
check "... and keeps cloud A right meanwhile" remote_is A "$WANT_A"
etcd_start B
WANT_B="$(r 100/10.0.1.2 A "$GA")
$(r 100/10.0.1.3 A "$GA")
$(r 300/10.0.3.3 C "$GC")"
check "cloud B converges after its etcd restarts" wait_for 10 remote_is B "$WANT_B"
bind B 100/10.0.2.5 192.168.2.11
check "cloud B's new bindings flow again" wait_for 10 remote_is A "$WANT_A" "$(r 100/10.0.2.5 B "$GB2")"

# Compaction while watching: the coordinator keeps following.
for c in A B C; do kv_compact $c; done
unbind B 100/10.0.2.5
bind C 300/10.0.3.4 192.168.3.12
check "after compaction: deletions still flow" wait_for 5 remote_is A "$(r 300/10.0.3.3 C "$GC")" "$(r 300/10.0.3.4 C "$GC")"
check "... and additions" wait_for 5 remote_is B "$WANT_B" "$(r 300/10.0.3.4 C "$GC")"
# Underlay declarations: each cloud's own, copied to the others; a key
# naming another cloud is never taken from the wrong cloud.
ul() { echo "/xcloud/underlay/$1 {\"prefixes\":[$2]}"; }
underlay_is() {	# underlay_is CLOUD "key value" lines...
	local c=$1 want got
	shift
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
	got=$(kv_dump "$c" /xcloud/underlay/)
	[ "$want" = "$got" ]
}
ALL=("$(ul A "$UA")" "$(ul B "$UB")" "$(ul C "$UC")")
all_underlays() { underlay_is A "${ALL[@]}" && underlay_is B "${ALL[@]}" && underlay_is C "${ALL[@]}"; }
check "each cloud's underlay reaches the others" wait_for 5 all_underlays
kv_put C /xcloud/underlay/A '{"prefixes":["0.0.0.0/0"]}'
check "cloud C claiming A's underlay is put back" wait_for 5 underlay_is C "${ALL[@]}"
check "... and A's own is untouched" underlay_is A "${ALL[@]}"
kv_put A /xcloud/underlay/Z '{"prefixes":["0.0.0.0/0"]}'
check "an underlay of a cloud the coordinator does not know is removed" \
	wait_for 5 underlay_is A "${ALL[@]}"
kv_put B /xcloud/underlay/B '{"prefixes":null}'
sleep 0.5
check "a malformed declaration is not copied (the last good one stays)" \
	underlay_is A "${ALL[@]}"
check "... and the coordinator says why" grep -q 'underlay /xcloud/underlay/B is not' "$CP_TMP/coord.log"
kv_del B /xcloud/underlay/B
check "a withdrawn declaration leaves the other clouds" \
	wait_for 5 underlay_is A "$(ul A "$UA")" "$(ul C "$UC")"
check "coordinator still running" kill -0 "$COORD_PID"
[ "$T_FAILED" -ne 0 ] || [ -n "$CP_VERBOSE" ] && sed 's/^/# /' "$CP_TMP/coord.log"
cp_done
