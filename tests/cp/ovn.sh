#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xcloud-ovn (docs/ovn.md) against a real OVN and a real etcd, on this
# host: NB and SB ovsdb-servers and ovn-northd in a temp dir, a logical
# router whose gateway port's chassisredirect binding OVN binds to a
# chassis (real chassis with ovn-controller and ovs-vswitchd's userspace
# datapath when ovn-host is installed, else rows bound with ovn-sbctl).
# The store follows NATs added, changed and removed and the gateway port
# moving, each within a second; a hand-written record is never touched, also not when
# OVN has a NAT of the same EIP; malformed NATs and NATs outside every
# pool are logged with their UUID and skipped while good ones go on; NB
# and SB restarted and xcloud-ovn restarted change nothing that still
# exists, and a NAT removed while xcloud-ovn was down goes at its start.
. "$(dirname "$0")/lib.sh"
OVN=${XCLOUD_OVN:-$REPO/userspace/ovn/xcloud-ovn}
D=$CP_TMP/ovn
NB_PID= SB_PID= NORTHD_PID= AGENT_PID= WATCH_PID= TWO_PID=
CH_OC1= CH_OC2= CH_VS1= CH_VS2= CH_DB1= CH_DB2= SBMON_PID= FAKE_PID= FAKEOVN_PID=
export OVS_RUNDIR=$D OVS_LOGDIR=$D OVS_DBDIR=$D OVN_RUNDIR=$D OVN_LOGDIR=$D OVN_DBDIR=$D

stop() {	# stop VAR: kills the process whose pid VAR holds
	local pid=${!1}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	printf -v "$1" ''
}
cleanup() {
	stop WATCH_PID
	stop TWO_PID
	stop AGENT_PID
	for v in FAKEOVN_PID FAKE_PID SBMON_PID CH_OC1 CH_OC2 CH_VS1 CH_VS2 CH_DB1 CH_DB2; do stop $v; done
	ip netns del "xcovn-$$-gw1" 2>/dev/null
	ip netns del "xcovn-$$-gw2" 2>/dev/null
	stop NORTHD_PID
	stop NB_PID
	stop SB_PID
	cp_cleanup
}
trap cleanup EXIT

echo "TAP version 13"
command -v ovsdb-server >/dev/null && command -v ovn-northd >/dev/null ||
	{ echo "1..0 # SKIP ovsdb-server or ovn-northd missing (ovn-central)"; exit 0; }
mkdir -p "$D"

db_start() {	# db_start nb|sb
	local db=$1 pidvar=${1^^}_PID remotes=(--remote="punix:$D/$1.sock")
	# NB also listens where its NB_Global.connections say (TCP, below).
	[ "$db" = nb ] && remotes+=(--remote=db:OVN_Northbound,NB_Global,connections)
	"${CP_EXEC[@]}" ovsdb-server "$D/$db.db" "${remotes[@]}" \
		--unixctl="$D/$db.ctl" --pidfile="$D/$db.pid" \
		--log-file="$D/$db.log" >/dev/null 2>&1 &
	printf -v "$pidvar" '%s' $!
	wait_for 10 test -S "$D/$db.sock"
}
ovsdb-tool create "$D/nb.db" /usr/share/ovn/ovn-nb.ovsschema
ovsdb-tool create "$D/sb.db" /usr/share/ovn/ovn-sb.ovsschema
db_start nb && db_start sb || { echo "1..0 # SKIP ovsdb-server does not start"; exit 0; }
ovn-northd --ovnnb-db="unix:$D/nb.sock" --ovnsb-db="unix:$D/sb.sock" \
	--unixctl="$D/northd.ctl" --pidfile="$D/northd.pid" \
	--log-file="$D/northd.log" >/dev/null 2>&1 &
NORTHD_PID=$!
nbctl() { ovn-nbctl --db="unix:$D/nb.sock" "$@"; }
sbctl() { ovn-sbctl --db="unix:$D/sb.sock" "$@"; }
etcd_start A || exit 1
# xcloud-ovn reads NB over TCP, whose connections ovsdb-server probes
# every second (a client that does not answer its echo is dropped), and
# SB over its Unix socket.
NB_PORT=$CP_PORT
CP_PORT=$((CP_PORT + 1))
nbctl init
nbctl set-connection "ptcp:$NB_PORT:127.0.0.1" -- set connection . inactivity_probe=1000

# Two gateway chassis: gw1 by default (router = its name, node = its
# Encap ip), gw2 mapped in the configuration. Real ones where OVN's
# chassis side runs (ovn-host: an ovsdb-server, ovs-vswitchd with the
# userspace datapath and ovn-controller per chassis, each in its network
# namespace): their ovn-controller registers the chassis and binds the
# gateway port. Else the rows are made and bound with ovn-sbctl.
REAL=false
if command -v ovn-controller >/dev/null && command -v ovs-vswitchd >/dev/null &&
	ip netns add "xcovn-$$-gw1" 2>/dev/null; then
	ip netns del "xcovn-$$-gw1"
	REAL=true
fi
chassis_up() {	# chassis_up N ENCAP-IP: chassis gwN, real
	local c=$D/gw$1 ns=xcovn-$$-gw$1
	mkdir -p "$c"
	ip netns add "$ns"
	ovsdb-tool create "$c/conf.db" /usr/share/openvswitch/vswitch.ovsschema
	OVS_RUNDIR=$c ovsdb-server "$c/conf.db" --remote="punix:$c/db.sock" \
		--unixctl="$c/ovsdb.ctl" --log-file="$c/ovsdb.log" >/dev/null 2>&1 &
	printf -v "CH_DB$1" '%s' $!
	wait_for 10 test -S "$c/db.sock" || return 1
	ovs-vsctl --db="unix:$c/db.sock" --no-wait init -- set Open_vSwitch . \
		external_ids:system-id="gw$1" external_ids:ovn-remote="unix:$D/sb.sock" \
		external_ids:ovn-encap-type=geneve external_ids:ovn-encap-ip="$2" \
		external_ids:ovn-bridge-datapath-type=netdev
	OVS_RUNDIR=$c ip netns exec "$ns" ovs-vswitchd "unix:$c/db.sock" \
		--unixctl="$c/vswitchd.ctl" --log-file="$c/vswitchd.log" >/dev/null 2>&1 &
	printf -v "CH_VS$1" '%s' $!
	OVS_RUNDIR=$c OVN_RUNDIR=$c ip netns exec "$ns" ovn-controller "unix:$c/db.sock" \
		--log-file="$c/ovn-controller.log" >/dev/null 2>&1 &
	printf -v "CH_OC$1" '%s' $!
}
chassis_of_cr() { sbctl --bare --columns chassis find Port_Binding logical_port=cr-lr0-pub; }
uuid_of() { sbctl --bare --columns _uuid find Chassis "name=$1"; }
if $REAL; then
	diag "chassis: real (ovn-controller, ovs-vswitchd with datapath netdev)"
	chassis_up 1 10.2.0.11 && chassis_up 2 10.2.0.22 &&
		wait_for 20 eval '[ -n "$(uuid_of gw1)" ] && [ -n "$(uuid_of gw2)" ]' ||
		{ diag "the chassis did not register"; exit 1; }
else
	diag "chassis: Chassis rows made and bound with ovn-sbctl (no ovn-host)"
	sbctl chassis-add gw1 geneve 10.2.0.11
	sbctl chassis-add gw2 geneve 10.2.0.22
fi
# One gateway chassis at a time: with two, OVN makes one active only once
# BFD runs between them over their tunnels, which these have not.
nbctl lr-add lr0 -- lrp-add lr0 lr0-pub 00:00:00:00:ff:01 172.16.0.1/24 \
	-- lrp-set-gateway-chassis lr0-pub gw1 10 \
	-- lrp-add lr0 lr0-in 00:00:00:00:ff:02 10.0.0.1/24
wait_for 10 eval 'sbctl --bare --columns type find Port_Binding logical_port=cr-lr0-pub | grep -q chassisredirect' ||
	{ diag "northd made no chassisredirect binding"; exit 1; }
$REAL || sbctl lsp-bind cr-lr0-pub gw1
check "the gateway port is bound to gw1" wait_for 20 eval '[ "$(chassis_of_cr)" = "$(uuid_of gw1)" ]'

kv_put A /xcloud/eip/pools/v4 '{"prefix":"203.0.113.0/24"}'
kv_put A /xcloud/eip/pools/v6 '{"prefix":"2001:db8:e1::/48"}'
HAND='{"router":"vr9","node":"10.2.0.99","private":"10.0.0.99"}'
kv_put A /xcloud/eip/addrs/203.0.113.99 "$HAND"

cat >"$CP_TMP/ovn.conf" <<EOF
[ovn]
nb = tcp:127.0.0.1:$NB_PORT
sb = unix:$D/sb.sock
etcd = ${ETCD_URL[A]}
probe = 1

[chassis gw2]
router = vr2
node = 10.2.0.12
EOF
agent_start() {
	"$OVN" -c "$CP_TMP/ovn.conf" >>"$CP_TMP/ovn.log" 2>&1 &
	AGENT_PID=$!
}
LOG=$CP_TMP/ovn.log
log_has() { grep -qF -- "$1" "$LOG"; }

check "-t shows the configuration" eval '"$OVN" -t -c "$CP_TMP/ovn.conf" | grep -q "chassis gw2: router vr2 node 10.2.0.12"'
printf '[ovn]\netcd = http://127.0.0.1:1\nnb = ovnnb.sock\n' >"$CP_TMP/bad.conf"
check "a remote that is not unix: or tcp: is refused, with its line" \
	eval '! "$OVN" -t -c "$CP_TMP/bad.conf" >/dev/null 2>&1 && "$OVN" -t -c "$CP_TMP/bad.conf" 2>&1 | grep -q "line 3: nb and sb are unix:PATH"'

nat_uuid() { nbctl --bare --columns _uuid find NAT "external_ip=\"$1\""; }
# The store read with curl and sed alone: python's start takes seconds on
# a loaded host, and these run in polling loops.
rec() {		# rec EIP: its record's value, empty if none
	kv_call A /v3/kv/range "{\"key\":\"$(b64 "/xcloud/eip/addrs/$1")\"}" |
		sed -n 's/.*"value":"\([^"]*\)".*/\1/p' | base64 -d
}
rec_is() { [ "$(rec "$1")" = "$2" ]; }
keys() {	# the keys under /xcloud/eip/addrs/, sorted
	kv_call A /v3/kv/range "{\"key\":\"$(b64 /xcloud/eip/addrs/)\",\"range_end\":\"$(b64 /xcloud/eip/addrs0)\",\"keys_only\":true}" |
		grep -o '"key":"[^"]*"' | cut -d'"' -f4 |
		while read -r k; do printf '%s\n' "$k" | base64 -d; echo; done | sort
}
store_rev() {	# the store's revision: unchanged = nothing written
	kv_call A /v3/kv/range "{\"key\":\"$(b64 /)\"}" |
		sed -n 's/.*"revision":"\([0-9]*\)".*/\1/p'
}
want() {	# want EIP ROUTER NODE PRIVATE: the record OVN's NAT makes
	printf '{"router":"%s","node":"%s","private":"%s","source":"ovn","nat":"%s"}' \
		"$2" "$3" "$4" "$(nat_uuid "$1")"
}
# Every change of the records, time-stamped as it arrives: how long a
# change in OVN takes to reach the store, measured on the store's side.
W=$CP_TMP/watch.log
mkfifo "$CP_TMP/watch.fifo"
ETCDCTL_API=3 etcdctl --endpoints "${ETCD_URL[A]}" watch --prefix /xcloud/eip/addrs/ \
	>"$CP_TMP/watch.fifo" 2>/dev/null &
WATCH_PID=$!
while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done \
	<"$CP_TMP/watch.fifo" >"$W" &
# changed DESC KEY CMD...: runs CMD (a change in OVN) and checks that an
# event of KEY reaches the store within a second of CMD's return (its
# change committed in OVN). The log gives both bounds: from CMD's start
# and from its return.
changed() {
	local what=$1 key=$2 t0 t1 t from="the command returned"
	shift 2
	t0=$EPOCHREALTIME
	"$@"
	t1=$EPOCHREALTIME
	# SINCE_SB=UUID: from when SB binds the gateway port to that chassis
	# (ovn-northd's and ovn-controller's part is OVN's, not ours).
	if [ -n "${SINCE_SB:-}" ]; then
		wait_for 10 grep -qs "$SINCE_SB" "$SBW" &&
			t1=$(awk -v t0="$t0" -v u="$SINCE_SB" '$1 > t0 && index($0, u) { print $1; exit }' "$SBW")
		from="SB bound the port"
		diag "$what: SB bound the port $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }') ms after the command started"
	fi
	if ! wait_for 10 awk -v t0="$t0" -v k="$key" \
		'$1 > t0 && $2 == k { f = 1 } END { exit !f }' "$W"; then
		ok 1 "$what within a second (no event of $key at all)"
		return
	fi
	t=$(awk -v t0="$t0" -v k="$key" '$1 > t0 && $2 == k { print $1; exit }' "$W")
	diag "$what: $(awk -v a="$t1" -v b="$t" 'BEGIN { printf "%d", (b - a) * 1000 }') ms after $from ($(awk -v a="$t0" -v b="$t" 'BEGIN { printf "%d", (b - a) * 1000 }') ms after it started)"
	awk -v a="$t1" -v b="$t" 'BEGIN { exit !(b - a < 1) }'
	ok $? "$what within a second"
}

nbctl lr-nat-add lr0 dnat_and_snat 203.0.113.20 10.0.0.5
agent_start
check "at start, the NAT's EIP is gw1's (router = chassis name, node = Encap ip)" \
	wait_for 10 rec_is 203.0.113.20 "$(want 203.0.113.20 gw1 10.2.0.11 10.0.0.5)"
check "the hand-written record is untouched" rec_is 203.0.113.99 "$HAND"

changed "a NAT added reaches the store" /xcloud/eip/addrs/203.0.113.21 \
	nbctl lr-nat-add lr0 dnat_and_snat 203.0.113.21 10.0.0.6
check "... as gw1's record" rec_is 203.0.113.21 "$(want 203.0.113.21 gw1 10.2.0.11 10.0.0.6)"
nbctl lr-nat-add lr0 dnat_and_snat 2001:db8:e1::21 fd00::6
check "an IPv6 NAT too" \
	wait_for 2 rec_is 2001:db8:e1::21 "$(want 2001:db8:e1::21 gw1 10.2.0.11 fd00::6)"

u=$(nat_uuid 203.0.113.21)
changed "external_ip changed: the new EIP" /xcloud/eip/addrs/203.0.113.22 \
	nbctl set NAT "$u" external_ip=203.0.113.22
check "... its record right" rec_is 203.0.113.22 "$(want 203.0.113.22 gw1 10.2.0.11 10.0.0.6)"
check "... and the old one gone" wait_for 2 eval '[ -z "$(rec 203.0.113.21)" ]'

changed "a NAT removed leaves the store" /xcloud/eip/addrs/203.0.113.22 \
	nbctl lr-nat-del lr0 dnat_and_snat 203.0.113.22
check "... gone" eval '[ -z "$(rec 203.0.113.22)" ]'

if $REAL; then
	# OVN moves it: gw1's ovn-controller releases it, gw2's claims it;
	# the time counts from SB's change (an ovsdb-client monitor of it).
	SBW=$CP_TMP/sb-watch.log
	mkfifo "$CP_TMP/sb.fifo"
	stdbuf -oL ovsdb-client monitor "unix:$D/sb.sock" OVN_Southbound Port_Binding \
		logical_port,chassis --format=csv >"$CP_TMP/sb.fifo" 2>/dev/null &
	SBMON_PID=$!
	while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done \
		<"$CP_TMP/sb.fifo" >"$SBW" &
	wait_for 5 grep -qs cr-lr0-pub "$SBW"
	SINCE_SB=$(uuid_of gw2) changed "the gateway port moved to gw2 (by OVN): its EIPs follow" \
		/xcloud/eip/addrs/203.0.113.20 \
		nbctl lrp-set-gateway-chassis lr0-pub gw2 30 -- lrp-del-gateway-chassis lr0-pub gw1
	stop SBMON_PID
else
	changed "the gateway port moved to gw2: its EIPs follow" /xcloud/eip/addrs/203.0.113.20 \
		sbctl lsp-unbind cr-lr0-pub -- lsp-bind cr-lr0-pub gw2
fi
check "... vr2's now (the mapping in [chassis gw2])" \
	rec_is 203.0.113.20 "$(want 203.0.113.20 vr2 10.2.0.12 10.0.0.5)"
check "... the IPv6 one too" wait_for 2 rec_is 2001:db8:e1::21 "$(want 2001:db8:e1::21 vr2 10.2.0.12 fd00::6)"
if $REAL; then
	# gw2's ovn-controller leaves for good: its chassis goes, and with it
	# the binding.
	ovn-appctl -t "$D/gw2/ovn-controller.$CH_OC2.ctl" exit
	wait "$CH_OC2" 2>/dev/null
	CH_OC2=
	wait_for 10 eval '[ -z "$(chassis_of_cr)" ]'
else
	sbctl lsp-unbind cr-lr0-pub
fi
sleep 0.5
check "the port unbound (moving): the records stay as they are" \
	rec_is 203.0.113.20 "$(want 203.0.113.20 vr2 10.2.0.12 10.0.0.5)"
check "... and the log says why" \
	log_has "gateway port cr-lr0-pub is bound to no chassis (moving?); its record stays as it is"
if $REAL; then
	nbctl lrp-set-gateway-chassis lr0-pub gw1 40 -- lrp-del-gateway-chassis lr0-pub gw2
else
	sbctl lsp-bind cr-lr0-pub gw1
fi
check "bound to gw1 again: gw1's" \
	wait_for 2 rec_is 203.0.113.20 "$(want 203.0.113.20 gw1 10.2.0.11 10.0.0.5)"

# Bad input from OVN: logged with the NAT's UUID and skipped, the rest
# goes on (the good NAT after them is the positive control).
bad=$(nbctl --id=@n create NAT type=dnat_and_snat external_ip=not-an-ip \
	logical_ip=10.0.0.7 -- add Logical_Router lr0 nat @n)
nbctl lr-nat-add lr0 dnat_and_snat 198.51.100.7 10.0.0.8
nl=$(nbctl --id=@n create NAT type=dnat_and_snat 'external_ip="bad\nxcloud-ovn: EIP forged"' \
	logical_ip=10.0.0.7 -- add Logical_Router lr0 nat @n)
nbctl lr-nat-add lr0 dnat_and_snat 203.0.113.99 10.0.0.9
nbctl lr-nat-add lr0 dnat_and_snat 203.0.113.30 10.0.0.10
check "a good NAT after malformed ones is written" \
	wait_for 2 rec_is 203.0.113.30 "$(want 203.0.113.30 gw1 10.2.0.11 10.0.0.10)"
check "a NAT whose external_ip is no address: logged with its UUID" \
	wait_for 2 log_has "skipping NAT $bad: external_ip \"not-an-ip\" is not an IPv4 or IPv6 address"
check "a newline in external_ip does not make a log line of its own" \
	eval 'log_has "skipping NAT $nl: external_ip \"bad?xcloud-ovn: EIP forged\" is not" && ! grep -q "^xcloud-ovn: EIP forged" "$LOG"'
check "a NAT outside every pool: logged with its UUID, not written" \
	eval 'log_has "skipping NAT $(nat_uuid 198.51.100.7): external_ip 198.51.100.7 is in no EIP pool" && [ -z "$(rec 198.51.100.7)" ]'
check "a NAT of a hand-written EIP: logged, the record left alone" \
	eval 'log_has "skipping NAT $(nat_uuid 203.0.113.99): /xcloud/eip/addrs/203.0.113.99 holds a record that is not ours" && rec_is 203.0.113.99 "$HAND"'
check "each reason is logged once, not at every change" \
	eval '[ "$(grep -c "skipping NAT $bad" "$LOG")" = 1 ]'
check "the counters of skipped NATs, per reason, logged as they change" \
	wait_for 2 log_has "NATs skipped: bad_address=2 no_pool=1 not_ours=1"
nbctl lr-nat-del lr0 dnat_and_snat 203.0.113.99
check "its NAT removed: the hand-written record still there" \
	eval 'sleep 0.3; rec_is 203.0.113.99 "$HAND"'
check "... and its counter back to 0" \
	wait_for 2 grep -q "NATs skipped: bad_address=2 no_pool=1$" "$LOG"

# Databases restarted: nothing withdrawn, nothing rewritten.
before=$(store_rev)
stop NB_PID
stop SB_PID
check "NB and SB gone: said so" wait_for 5 eval 'log_has "NB: " && grep -q "SB: .*EIP records stay as they are" "$LOG"'
sleep 1
check "... and the store unchanged" eval '[ "$(store_rev)" = "$before" ]'
db_start nb
db_start sb
check "NB and SB back: read again in full" \
	wait_for 10 eval '[ "$(grep -c "connected again" "$LOG")" -ge 2 ]'
check "... the connection failures counted" \
	eval 'grep -q "NB: connected again, read in full (.*connection failures so far: [1-9]" "$LOG"'
check "... and in step without a write (the store's revision unchanged)" \
	eval 'sleep 0.5; [ "$(store_rev)" = "$before" ]'
nbctl lr-nat-add lr0 dnat_and_snat 203.0.113.31 10.0.0.11
check "a NAT added after the restart is followed" \
	wait_for 2 rec_is 203.0.113.31 "$(want 203.0.113.31 gw1 10.2.0.11 10.0.0.11)"

# Keepalive. SB hangs (SIGSTOP): noticed after two silent probe
# intervals (probe = 1 s), nothing written; it answers again: read again.
before=$(store_rev)
kill -STOP "$SB_PID"
check "SB hung: noticed by the echo keepalive" wait_for 6 log_has "SB: no answer for"
check "... the store unchanged" eval '[ "$(store_rev)" = "$before" ]'
kill -CONT "$SB_PID"
check "SB answers again: read again in full" \
	wait_for 10 eval '[ "$(grep -c "SB: connected again" "$LOG")" -ge 2 ]'
check "... nothing written" eval 'sleep 0.5; [ "$(store_rev)" = "$before" ]'
# The server's probe: a TCP client that says nothing is sent an echo and
# dropped after 2 s (the positive control); xcloud-ovn, silent itself
# (probe = 30 s in a second instance on another prefix), answers the
# echo and keeps its connection.
sed -e 's/^probe = 1$/probe = 30/' -e 's/^etcd = .*/&\nprefix = \/two\nsource = two/' \
	"$CP_TMP/ovn.conf" >"$CP_TMP/two.conf"
kv_put A /two/eip/pools/v4 '{"prefix":"203.0.113.0/24"}'
"$OVN" -c "$CP_TMP/two.conf" >>"$CP_TMP/two.log" 2>&1 &
TWO_PID=$!
two_has() {
	kv_call A /v3/kv/range "{\"key\":\"$(b64 /two/eip/addrs/203.0.113.20)\"}" |
		sed -n 's/.*"value":"\([^"]*\)".*/\1/p' | base64 -d | grep -q '"source":"two"'
}
check "a second instance (source two, prefix /two) writes its own records" wait_for 10 two_has
exec 5<>"/dev/tcp/127.0.0.1/$NB_PORT"
timeout 5 cat <&5 >"$CP_TMP/silent.out"
check "the server drops a TCP client that does not answer its echo" \
	eval '[ $? -ne 124 ] && grep -q "\"method\":\"echo\"" "$CP_TMP/silent.out"'
exec 5<&-
check "... but not xcloud-ovn, which answers it" \
	eval 'grep -q "NB: connected," "$CP_TMP/two.log" && ! grep -q "NB: .*retrying" "$CP_TMP/two.log"'
stop TWO_PID

# A database that speaks the protocol wrong (a fake NB, one fault per
# connection): each is logged with its reason, the connection made again,
# and nothing written: a record of this instance's stays.
cat >"$CP_TMP/fake_nb.py" <<'PY'
import json, os, socket, sys
path, count = sys.argv[1], sys.argv[2]
faults = [b"this is not JSON", b"[1,2]",
          None,  # monitor refused
          b'{"id":ID,"result":{"NAT":[1]},"error":null}',
          b'{"id":ID,"result":{"Nope":{}},"error":null}']
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(8)
n = 0
while True:
    c, _ = s.accept()
    n += 1
    with open(count, "w") as f:
        f.write(str(n))
    req = json.loads(c.recv(65536).decode())
    f = faults[(n - 1) % len(faults)]
    if f is None:
        f = json.dumps({"id": req["id"], "result": None,
                        "error": {"error": "unknown database"}}).encode()
    c.sendall(f.replace(b"ID", str(req["id"]).encode()))
    c.close()
PY
python3 "$CP_TMP/fake_nb.py" "$D/fake.sock" "$CP_TMP/fake.count" &
FAKE_PID=$!
sed -e "s|^nb = .*|nb = unix:$D/fake.sock|" -e 's/^etcd = .*/&\nprefix = \/fake\nsource = fake/' \
	"$CP_TMP/ovn.conf" >"$CP_TMP/fake.conf"
FAKE_REC='{"router":"gw1","node":"10.2.0.11","private":"10.0.0.5","source":"fake","nat":"x"}'
kv_put A /fake/eip/pools/v4 '{"prefix":"203.0.113.0/24"}'
kv_put A /fake/eip/addrs/203.0.113.77 "$FAKE_REC"
wait_for 10 test -S "$D/fake.sock"
"$OVN" -c "$CP_TMP/fake.conf" >>"$CP_TMP/fake.log" 2>&1 &
FAKEOVN_PID=$!
fake_logged() { grep -qF "NB: $1" "$CP_TMP/fake.log"; }
check "a fake NB sends no JSON: logged, made again" wait_for 15 fake_logged "not JSON"
check "... a JSON array: logged" wait_for 15 fake_logged "server sent a JSON array, not an object"
check "... the monitor refused: logged with the server's error" \
	wait_for 15 fake_logged 'monitor refused: {"error":"unknown database"}'
check "... a malformed monitor reply: logged with what is wrong" \
	wait_for 15 fake_logged "malformed monitor reply (a table's rows not an object)"
check "... a reply with a table not asked for: logged" \
	wait_for 15 fake_logged "malformed monitor reply (a table that is not monitored)"
check "... and each fault once (no log line per retry)" \
	eval 'wait_for 10 eval "[ \$(cat $CP_TMP/fake.count) -ge 6 ]" && [ "$(grep -c "NB: not JSON" "$CP_TMP/fake.log")" -eq 1 ]'
check "nothing written meanwhile: this instance's record stays" \
	eval 'kv_call A /v3/kv/range "{\"key\":\"$(b64 /fake/eip/addrs/203.0.113.77)\"}" | grep -q "\"value\":\"$(b64 "$FAKE_REC")\""'
stop FAKEOVN_PID
stop FAKE_PID

# xcloud-ovn restarted: a NAT removed meanwhile goes, the rest stays.
stop AGENT_PID
nbctl lr-nat-del lr0 dnat_and_snat 203.0.113.31
before=$(store_rev)
agent_start
check "restarted: the NAT removed while it was down is gone" \
	wait_for 10 eval '[ -z "$(rec 203.0.113.31)" ]'
check "... with one write, the rest not rewritten" \
	eval 'sleep 0.3; [ "$(store_rev)" = $((before + 1)) ]'
check "... the hand-written one untouched" rec_is 203.0.113.99 "$HAND"

# A router without a gateway port: its NAT is skipped, nothing else goes.
nbctl lr-add lr1 -- lr-nat-add lr1 dnat_and_snat 203.0.113.40 10.1.0.5
check "a router with no gateway port: its NAT logged and skipped" \
	wait_for 2 log_has "skipping NAT $(nat_uuid 203.0.113.40): router lr1 has no gateway port"
check "... and counted" wait_for 2 log_has "NATs skipped: bad_address=2 no_pool=1 no_gateway_port=1"
check "... the other EIPs stay" rec_is 203.0.113.20 "$(want 203.0.113.20 gw1 10.2.0.11 10.0.0.5)"

nbctl lr-del lr0
check "the router deleted: its EIPs leave the store, the hand-written one stays" \
	wait_for 2 eval '[ "$(keys)" = /xcloud/eip/addrs/203.0.113.99 ]'
kill -HUP "$AGENT_PID"
check "SIGHUP with the file unchanged: nothing to do" wait_for 5 log_has "reload: $CP_TMP/ovn.conf unchanged"
echo "; a comment" >>"$CP_TMP/ovn.conf"
kill -HUP "$AGENT_PID"
check "SIGHUP with the file changed: says it needs a restart" \
	wait_for 5 log_has "reload: $CP_TMP/ovn.conf changed: needs a restart"
echo "garbage" >>"$CP_TMP/ovn.conf"
kill -HUP "$AGENT_PID"
check "SIGHUP with a broken file: its line, and running on" \
	wait_for 5 eval 'grep -q "reload: $CP_TMP/ovn.conf: line [0-9]*: .*; keeping the running configuration" "$LOG" && kill -0 $AGENT_PID'
kill "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
check "exits on SIGTERM with status 0" eval '[ $rc -eq 0 ] && [ "$(grep -c "signal 15, exiting" "$LOG")" -eq 2 ]'
[ "$T_FAILED" -eq 0 ] || { diag "xcloud-ovn's logs:"; sed 's/^/#   /' "$LOG" "$CP_TMP/two.log"; }
cp_done
