#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xcloudd's Prometheus metrics (docs/control-plane.md, "Metrics") against a
# real etcd and a real BIRD, without the kernel module: the router role in
# a network namespace of its own, scraped with curl and checked with
# promtool. Off unless configured; the page passes `promtool check
# metrics` with no lint complaint; the agent's state is right (etcd up,
# down when etcd stops, up again when it is back; BIRD up and its
# protocols, down when BIRD stops; the router's EIPs); a client that never
# finishes its request holds nothing; wrong paths and methods are refused
# and logged; a bad address is a configuration error naming its line; a
# taken port stops the start with the reason. The kernel's series
# (devices, drops, peers) are the guest's (tests/selftests/agent.sh).
CP_NETNS=xcloud-met-$$
. "$(dirname "$0")/lib.sh"
# lib.sh: XCLOUDD, B (BIRD's files), nx, bird_start, bird_stop.
HOLD_PID=
# A port of its own next to etcd's (lib.sh draws CP_PORT at random).
MPORT=$((CP_PORT + 100))
URL=http://127.0.0.1:$MPORT/metrics

agent_stop() {
	[ -n "$AGENT_PID" ] || return 0
	kill "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
}
cleanup() {
	[ -n "$HOLD_PID" ] && kill "$HOLD_PID" 2>/dev/null
	agent_stop
	bird_stop
	cp_cleanup
	ip netns del "$CP_NETNS" 2>/dev/null
}
trap cleanup EXIT

# tests/tools/deps unpacks promtool there (Debian's comes with a server)
PATH=$PATH:${XCLOUD_CACHE:-/var/cache/xcloud}/promtool
echo "TAP version 13"
for t in curl promtool bird nft; do
	command -v $t >/dev/null || { echo "1..0 # SKIP $t missing (tests/tools/deps test)"; exit 0; }
done
ip netns add "$CP_NETNS" || { echo "1..0 # SKIP cannot create a network namespace"; exit 0; }
nx ip link set lo up
mkdir -p "$B"
cat >"$B/bird.conf" <<EOC
router id 192.0.2.1;
protocol device {}
include "$B/eip.conf";
EOC
printf 'protocol static xc_eip4 { ipv4; }\nprotocol static xc_eip6 { ipv6; }\n' >"$B/eip.conf"
nx bird -c "$B/bird.conf" -s "$B/bird.ctl" -P "$B/bird.pid" ||
	{ echo "1..0 # SKIP BIRD does not start"; exit 0; }
etcd_start A || exit 1
E=${ETCD_URL[A]}

conf() {	# conf [EXTRA LINE...]: the router agent's file
	printf '[agent]\nrole = router\nrouter = vr1\ncloud = A\netcd = %s\n' "$E"
	printf 'bird-socket = %s\nbird-config = %s\nbird-include = %s\n' \
		"$B/bird.ctl" "$B/bird.conf" "$B/eip.conf"
	printf '%s\n' "$@"
}
# Not through nx: $! must be the agent's own pid (signals, ss -p).
agent_start() {	# agent_start FILE: in the namespace, debug log in x.log
	ip netns exec "$CP_NETNS" "$XCLOUDD" -c "$1" --status-socket "$CP_TMP/x.sock" \
		--log-level debug >>"$CP_TMP/x.log" 2>&1 &
	AGENT_PID=$!
}
scrape() { nx curl -sf --max-time 5 "$URL" >"$CP_TMP/m.txt"; }
# value NAME: the value of the sample NAME (labels included) of the last scrape
value() { awk -v n="$1" '$1 == n { print $2 }' "$CP_TMP/m.txt"; }
is() {	# is NAME VALUE: scrapes, then compares
	scrape && [ "$(value "$1")" = "$2" ]
}
listens() {	# listens: the agent has a TCP socket listening
	nx ss -Hltnp | grep -q "pid=$AGENT_PID,"
}

# Off by default: nothing listens; the positive control below listens.
conf >"$CP_TMP/off.conf"
check "xcloudd -t without metrics-listen: metrics off" eval \
	'"$XCLOUDD" -t -c "$CP_TMP/off.conf" | grep -qx "metrics off"'
: >"$CP_TMP/x.log"
agent_start "$CP_TMP/off.conf"
wait_for 10 test -S "$CP_TMP/x.sock"
check "... the agent runs (status socket)" test -S "$CP_TMP/x.sock"
sleep 0.5
check "... and listens on no TCP port" eval '! listens'
agent_stop

conf "metrics-listen = 127.0.0.1:$MPORT" >"$CP_TMP/on.conf"
check "xcloudd -t with metrics-listen: the address" eval \
	'"$XCLOUDD" -t -c "$CP_TMP/on.conf" | grep -qx "metrics http://127.0.0.1:$MPORT/metrics max-peers 1000"'
: >"$CP_TMP/x.log"
agent_start "$CP_TMP/on.conf"
check "control: configured, the agent listens" wait_for 10 listens
check "... on 127.0.0.1:$MPORT only" eval \
	'nx ss -Hltnp | grep "pid=$AGENT_PID," | awk "{print \$4}" | grep -qx "127.0.0.1:$MPORT"'
check "... and says where" grep -q "metrics: Prometheus text format at $URL" "$CP_TMP/x.log"

# The page: Prometheus' own checker, lint included.
check "GET /metrics: 200 with the text format's content type" eval '
	nx curl -sf --max-time 5 -o "$CP_TMP/m.txt" -D "$CP_TMP/h.txt" "$URL" &&
	grep -qi "^Content-Type: text/plain; version=0.0.4; charset=utf-8" "$CP_TMP/h.txt"'
promtool check metrics <"$CP_TMP/m.txt" >"$CP_TMP/lint.txt" 2>&1
ok $? "promtool check metrics: the format is right"
check "... and no lint complaint" test ! -s "$CP_TMP/lint.txt"
sed 's/^/#   /' "$CP_TMP/lint.txt"
check "every family has HELP and TYPE" eval '
	[ "$(grep -c "^# HELP " "$CP_TMP/m.txt")" = "$(grep -c "^# TYPE " "$CP_TMP/m.txt")" ]'
check "xcloud_agent_info: role, node, cloud" grep -q \
	'^xcloud_agent_info{role="router",node="vr1",cloud="A",version="[^"]*"} 1$' "$CP_TMP/m.txt"
check "no kernel series in the router role" eval '! grep -q "^xcloud_device_\|^xcloud_kernel_" "$CP_TMP/m.txt"'

# The agent's state.
check "xcloud_agent_etcd_up 1" wait_for 5 is xcloud_agent_etcd_up 1
check "xcloud_agent_synced 1, last in line 0 s ago" eval '
	wait_for 5 is xcloud_agent_synced 1 &&
	[ "$(value xcloud_agent_last_sync_age_seconds)" = 0.000 ]'
check "xcloud_bird_up 1, 3 protocols up (device, xc_eip4, xc_eip6), no BGP" eval '
	wait_for 5 is xcloud_bird_up 1 && wait_for 5 is xcloud_bird_protocols 3 &&
	[ "$(value xcloud_bird_protocols_up)" = 3 ] &&
	[ "$(value xcloud_bird_bgp_sessions)" = 0 ] &&
	[ "$(value xcloud_bird_bgp_sessions_established)" = 0 ]'
check "xcloud_eip_addresses 0 before any record" is xcloud_eip_addresses 0
kv_put A /xcloud/eip/addrs/203.0.113.7 '{"router":"vr1","node":"10.2.0.12","private":"10.200.0.7"}'
kv_put A /xcloud/eip/addrs/203.0.113.8 '{"router":"vr9","node":"10.2.0.13","private":"10.200.0.8"}'
check "an EIP of vr1 and one of vr9: xcloud_eip_addresses 1, 1 prefix" eval '
	wait_for 5 is xcloud_eip_addresses 1 && [ "$(value xcloud_eip_prefixes)" = 1 ]'

etcd_stop A
t0=$(date +%s%N)
check "etcd stopped: xcloud_agent_etcd_up 0 within 5 s" wait_for 5 is xcloud_agent_etcd_up 0
diag "etcd_up 0 after $((($(date +%s%N) - t0) / 1000000)) ms"
check "... the page still passes promtool" eval 'promtool check metrics <"$CP_TMP/m.txt"'
etcd_start A || exit 1
t0=$(date +%s%N)
check "etcd back: xcloud_agent_etcd_up 1 within 10 s" wait_for 10 is xcloud_agent_etcd_up 1
diag "etcd_up 1 after $((($(date +%s%N) - t0) / 1000000)) ms"

bird_stop
check "BIRD stopped: xcloud_bird_up 0, its protocol counts left out" eval '
	wait_for 5 is xcloud_bird_up 0 && ! grep -q "^xcloud_bird_protocols" "$CP_TMP/m.txt"'

# Nothing blocks the loop: a client that sends half a request and waits.
nx bash -c "exec 3<>/dev/tcp/127.0.0.1/$MPORT; printf 'GET /metr' >&3; sleep 30" &
HOLD_PID=$!
sleep 0.3
t0=$(date +%s%N)
check "a client stuck mid-request: scrapes still answer" scrape
check "... and so does xcloudd --status" eval \
	'"$XCLOUDD" --status --status-socket "$CP_TMP/x.sock" | grep -q "^etcd: .*reachable"'
ms=$((($(date +%s%N) - t0) / 1000000))
diag "both in $ms ms"
ok $((ms < 5000 ? 0 : 1)) "... at once (under 5 s; a blocked loop would wait out the 10 s timeout)"
kill "$HOLD_PID" 2>/dev/null; wait "$HOLD_PID" 2>/dev/null; HOLD_PID=

# Nor a BIRD that accepts and never answers: the agent's probe of BIRD
# waits on the loop, not in it.
rm -f "$B/bird.ctl"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
held = []
while True:
    held.append(s.accept()[0])
' "$B/bird.ctl" &
HOLD_PID=$!
sleep 1.5
worst=0
for i in 1 2 3; do
	t0=$(date +%s%N)
	scrape || worst=99999
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -gt "$worst" ] && worst=$ms
	sleep 0.4
done
diag "scrapes with BIRD silent: slowest $worst ms"
ok $((worst < 1000 ? 0 : 1)) "BIRD accepting but silent: scrapes answer at once (a blocked loop waits out the 5 s probe)"
check "... and xcloud_bird_up stays 0: no greeting, no BIRD" wait_for 8 is xcloud_bird_up 0
kill "$HOLD_PID" 2>/dev/null; wait "$HOLD_PID" 2>/dev/null; HOLD_PID=
rm -f "$B/bird.ctl"

# Wrong requests: refused, with the reason in the (debug) log.
code=$(nx curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$MPORT/")
ok $([ "$code" = 404 ]; echo $?) "GET /: 404"
check "... logged with path, client and reason" \
	grep -q '^xcloudd: metrics: 404 for GET / from 127.0.0.1: not /metrics' "$CP_TMP/x.log"
code=$(nx curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -d x=1 "$URL")
ok $([ "$code" = 405 ]; echo $?) "POST /metrics: 405"
check "... logged" grep -q '^xcloudd: metrics: 405 for POST /metrics from 127.0.0.1: only GET and HEAD' "$CP_TMP/x.log"
check "control: GET /metrics still 200" scrape

# A second agent on the same port: the start fails with the reason.
nx "$XCLOUDD" -c "$CP_TMP/on.conf" --status-socket - >"$CP_TMP/second.log" 2>&1
rc=$?
ok $([ $rc = 1 ]; echo $?) "port taken: a second agent exits 1"
check "... saying where and why" grep -q "metrics: cannot listen on 127.0.0.1:$MPORT: .*[Aa]ddress already in use" "$CP_TMP/second.log"
sed 's/^/#   /' "$CP_TMP/second.log" | grep metrics

# SIGHUP does not move the listener: a restart does (logged).
conf "metrics-listen = 127.0.0.1:$((MPORT + 1))" >"$CP_TMP/on.conf"
kill -HUP "$AGENT_PID"
check "SIGHUP with another metrics-listen: needs a restart, kept" wait_for 5 grep -q \
	"reload: metrics-listen changed (127.0.0.1:$MPORT -> 127.0.0.1:$((MPORT + 1))): needs a restart" "$CP_TMP/x.log"
check "... still served where it was" scrape
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
ok $? "SIGTERM: exit 0"
AGENT_PID=
check "... the port is free again" eval '! nx ss -Hltn | grep -q "127.0.0.1:$MPORT "'

# IPv6, where the namespace has ::1.
if nx ip -6 addr show dev lo | grep -q "::1/128"; then
	conf "metrics-listen = [::1]:$MPORT" >"$CP_TMP/v6.conf"
	agent_start "$CP_TMP/v6.conf"
	check "metrics-listen = [::1]:$MPORT serves" \
		wait_for 10 eval 'nx curl -sf --max-time 5 "http://[::1]:$MPORT/metrics" | grep -q "^xcloud_agent_etcd_up 1"'
	agent_stop
else
	ok 0 "metrics-listen = [::1]:PORT # SKIP no IPv6 on lo"
fi

# A bad address: a configuration error naming file, line and reason.
for bad in "127.0.0.1" "localhost:9100" "0.0.0.0:70000" "::1:9100"; do
	conf "metrics-listen = $bad" >"$CP_TMP/bad.conf"
	"$XCLOUDD" -t -c "$CP_TMP/bad.conf" >/dev/null 2>"$CP_TMP/err"
	rc=$?
	ok $([ $rc = 1 ] && grep -q "^xcloudd: $CP_TMP/bad.conf: line 9: metrics-listen must be ADDR:PORT or \[ADDR6\]:PORT" "$CP_TMP/err"; echo $?) \
		"metrics-listen = $bad refused: $(cat "$CP_TMP/err")"
done
"$XCLOUDD" -t -c "$CP_TMP/off.conf" --metrics-listen 127.0.0.1 >/dev/null 2>"$CP_TMP/err"
ok $([ $? = 2 ] && grep -q "^xcloudd: --metrics-listen 127.0.0.1: metrics-listen must be" "$CP_TMP/err"; echo $?) \
	"--metrics-listen 127.0.0.1 refused (exit 2)"
check "control: --metrics-listen 127.0.0.1:9 accepted" eval \
	'"$XCLOUDD" -t -c "$CP_TMP/off.conf" --metrics-listen 127.0.0.1:9 | grep -qx "metrics http://127.0.0.1:9/metrics max-peers 1000"'
conf "metrics-listen = 127.0.0.1:$MPORT" "metrics-max-peers = lots" >"$CP_TMP/bad.conf"
"$XCLOUDD" -t -c "$CP_TMP/bad.conf" >/dev/null 2>"$CP_TMP/err"
ok $([ $? = 1 ] && grep -q "line 10: metrics-max-peers must be 0..1000000" "$CP_TMP/err"; echo $?) \
	"metrics-max-peers = lots refused with its line"

[ "$T_FAILED" -eq 0 ] || sed 's/^/# /' "$CP_TMP/x.log"
cp_done
