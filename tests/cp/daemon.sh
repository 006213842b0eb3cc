#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The daemons as systemd runs them, against a real etcd, on this host:
# sd_notify (READY=1 once serving, STATUS=, WATCHDOG=1 from the loop,
# RELOADING=1, STOPPING=1) read from a notify socket of our own; journal
# priorities when stderr is the journal's stream (JOURNAL_STREAM), plain
# lines otherwise; SIGHUP with a good, a changed-but-fixed and a broken
# file; `xcloudd --status`. xcloudd runs in the router role (no kernel
# module needed) in a network namespace of its own; the networks' part of
# a reload is the guest's (tests/cp/xcloudd.sh, tests/selftests/agent.sh).
CP_NETNS=xcloud-dmn-$$
. "$(dirname "$0")/lib.sh"
XCLOUDD=${XCLOUDD:-$REPO/userspace/xcloudd/xcloudd}
AGENT_PID= LISTEN_PID=
N=$CP_TMP/notify.log

cleanup() {
	[ -n "$AGENT_PID" ] && kill -9 "$AGENT_PID" 2>/dev/null
	[ -n "$LISTEN_PID" ] && kill "$LISTEN_PID" 2>/dev/null
	cp_cleanup
	ip netns del "$CP_NETNS" 2>/dev/null
}
trap cleanup EXIT

echo "TAP version 13"
ip netns add "$CP_NETNS" || { echo "1..0 # SKIP cannot create a network namespace"; exit 0; }
ip netns exec "$CP_NETNS" ip link set lo up
etcd_start A || exit 1
E=${ETCD_URL[A]}

# The service manager's end of sd_notify: one line per datagram.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", ";") + "\n")
' "$CP_TMP/notify.sock" "$N" &
LISTEN_PID=$!
wait_for 10 test -S "$CP_TMP/notify.sock" || { echo "Bail out! no notify socket"; exit 1; }

conf() {	# conf [EXTRA LINE...]: the router agent's file
	printf '[agent]\nrole = router\nrouter = vr1\netcd = %s\n' "$E"
	printf 'bird-socket = %s\nbird-config = %s\nbird-include = %s\n' \
		"$CP_TMP/none.ctl" "$CP_TMP/bird.conf" "$CP_TMP/eip.conf"
	printf '%s\n' "$@"
}
: >"$CP_TMP/bird.conf"
conf >"$CP_TMP/x.conf"
: >"$CP_TMP/x.log"
S=$CP_TMP/x.sock
# stderr is "the journal": JOURNAL_STREAM names the log file's dev:ino.
ip netns exec "$CP_NETNS" env NOTIFY_SOCKET="$CP_TMP/notify.sock" \
	WATCHDOG_USEC=400000 JOURNAL_STREAM="$(stat -c %d:%i "$CP_TMP/x.log")" \
	"$XCLOUDD" -c "$CP_TMP/x.conf" --status-socket "$S" 2>>"$CP_TMP/x.log" &
AGENT_PID=$!
t0=$(date +%s%N)
check "READY=1 with a STATUS= once the store was read" wait_for 10 grep -q "^READY=1;STATUS=router agent, in line" "$N"
diag "READY=1 after $((($(date +%s%N) - t0) / 1000000)) ms"
sleep 1
w=$(grep -c "^WATCHDOG=1$" "$N")
diag "WATCHDOG=1 pings in the first second or so: $w (WatchdogSec 0.4 s)"
ok $(( w >= 4 ? 0 : 1 )) "WATCHDOG=1 from the loop at half the watchdog interval"
check "stderr is the journal: every line starts with a priority" \
	eval '[ -s "$CP_TMP/x.log" ] && ! grep -qv "^<[0-7]>" "$CP_TMP/x.log"'
check "... info for the start line" grep -q "^<6>router agent of node vr1" "$CP_TMP/x.log"
check "xcloudd --status: etcd reachable, in line, log level" eval '
	"$XCLOUDD" --status --status-socket "$S" >"$CP_TMP/st" &&
	sed "s/^/# /" "$CP_TMP/st" && grep -q "^etcd: .*reachable" "$CP_TMP/st" &&
	grep -q "^in line: *yes" "$CP_TMP/st" && grep -q "^log level: info" "$CP_TMP/st"'
check "... the socket is 0660" eval '[ "$(stat -c %a "$S")" = 660 ]'
"$XCLOUDD" --status --status-socket "$CP_TMP/nothing.sock" 2>"$CP_TMP/err"
ok $(( $? == 1 ? 0 : 1 )) "--status without an agent: exit 1, $(cat "$CP_TMP/err")"

# A good file: the log level changes; a changed etcd needs a restart.
conf "log-level = debug" | sed "s|^etcd = .*|etcd = http://127.0.0.1:1|" >"$CP_TMP/x.conf"
kill -HUP "$AGENT_PID"
check "SIGHUP: RELOADING=1, then READY=1 again" \
	wait_for 5 eval 'grep -A3 "^RELOADING=1" "$N" | grep -q "^READY=1"'
check "... log-level info -> debug applied (notice)" \
	grep -q "^<5>reload: log-level info -> debug" "$CP_TMP/x.log"
check "... etcd changed: a warning that it needs a restart, old one kept" \
	grep -q "^<4>reload: etcd changed (${E} -> http://127.0.0.1:1): needs a restart; keeping ${E}" "$CP_TMP/x.log"
check "... the agent reports debug and the first etcd, still reachable" eval '
	"$XCLOUDD" --status --status-socket "$S" >"$CP_TMP/st" &&
	grep -q "^log level: debug" "$CP_TMP/st" && grep -q "^etcd: *$E, reachable" "$CP_TMP/st"'
# A broken file: file, line, reason; nothing changes.
conf "log-level = warning" "bogus-key = 1" >"$CP_TMP/x.conf"
kill -HUP "$AGENT_PID"
check "SIGHUP with a broken file: error with file, line and reason" \
	wait_for 5 grep -q "^<3>reload: $CP_TMP/x.conf: line 9: unknown key in \[agent\]; keeping the running configuration" "$CP_TMP/x.log"
check "... agent still running" kill -0 "$AGENT_PID"
check "... log level still debug (line 8 of the broken file not taken)" eval '
	"$XCLOUDD" --status --status-socket "$S" | grep -q "^log level: debug"'
conf >"$CP_TMP/x.conf"
kill -HUP "$AGENT_PID"
check "control: the file fixed, log level back to info" \
	wait_for 5 grep -q "^<5>reload: log-level debug -> info" "$CP_TMP/x.log"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
ok $? "SIGTERM: exit 0"
AGENT_PID=
check "... STOPPING=1" grep -q "^STOPPING=1" "$N"
check "... status socket removed" eval '! [ -e "$S" ]'

# Not the journal: plain lines, no priorities (the same binary).
ip netns exec "$CP_NETNS" "$XCLOUDD" -c "$CP_TMP/x.conf" --status-socket - \
	>"$CP_TMP/plain.log" 2>&1 &
AGENT_PID=$!
check "stderr not the journal: plain \"xcloudd: \" lines" \
	wait_for 5 grep -q "^xcloudd: router agent of node vr1" "$CP_TMP/plain.log"
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=

# xcloud-coord: READY=1, SIGHUP unchanged / changed / broken.
etcd_start B || exit 1
coord_config A B
: >"$N"
: >"$CP_TMP/c.log"
ip netns exec "$CP_NETNS" env NOTIFY_SOCKET="$CP_TMP/notify.sock" \
	JOURNAL_STREAM="$(stat -c %d:%i "$CP_TMP/c.log")" "$COORD" -c "$CP_TMP/coord.conf" 2>>"$CP_TMP/c.log" &
COORD_PID=$!
check "xcloud-coord: READY=1 with a STATUS=" wait_for 10 grep -q "^READY=1;STATUS=coordinating 2 clouds under /xcloud/, 0 unreachable" "$N"
kill -HUP "$COORD_PID"
check "... SIGHUP, file unchanged: nothing to do" wait_for 5 grep -q "^<6>reload: .* unchanged, nothing to do" "$CP_TMP/c.log"
printf '[cloud C]\netcd = %s\n' "$E" >>"$CP_TMP/coord.conf"
kill -HUP "$COORD_PID"
check "... file changed: needs a restart (warning)" wait_for 5 grep -q "^<4>reload: .* changed: needs a restart" "$CP_TMP/c.log"
printf 'junk\n' >>"$CP_TMP/coord.conf"
kill -HUP "$COORD_PID"
check "... file broken: error with the line, running on" \
	eval 'wait_for 5 grep -q "^<3>reload: .*coord.conf: line 9" "$CP_TMP/c.log" && kill -0 $COORD_PID'
[ "$T_FAILED" -eq 0 ] || sed 's/^/# /' "$CP_TMP/x.log" "$CP_TMP/c.log" "$N"
cp_done
