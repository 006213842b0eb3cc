# shellcheck shell=bash
# TAP 13 helpers for the kselftest-style scripts tests/selftests/*.sh.
# Source it first:  source "$(dirname "$0")/lib.sh"
#
#   plan N                 announce N tests up front (else the plan is
#                          printed at the end)
#   ok DESC | not_ok DESC  record a result
#   skip DESC [REASON]     record a skipped test
#   skip_all REASON        skip the whole script (exit 4, kselftest's skip)
#   diag TEXT...           "# " comment lines
#   check [-d DESC] CMD... ok if CMD exits 0; its output is shown on failure
#   check_fail [-d DESC] CMD...               ok if CMD exits non-zero
#   expect_fail_msg [-d DESC] MSG CMD...      ok if CMD exits non-zero AND
#                          its output (stdout+stderr) contains MSG
#   wait_until SECS CMD... retry CMD every 0.2 s until it succeeds
#   XCLOUD_TEST_TIMES=1    a "# time: Ns" line before each result: seconds
#                          since the previous one (finding slow steps)
#   require_cmd CMD...     skip_all unless every CMD is installed
#   netns_add NS...        create network namespaces, deleted at exit
#   in_ns NS CMD...        run CMD in NS
#   veth NS1 IF1 NS2 IF2   a veth pair between two namespaces
#   on_exit CMD...         run CMD at exit (last registered runs first)
#
# CMD in check & co. runs with `set -e` in a subshell, so a failing step
# inside a shell function fails the check. Don't start daemons inside a
# check (their output pipe would keep it waiting); start them before.
# Exit status: 0 if no test failed, 1 otherwise; a script that dies
# half-way gets a "not ok" for it, so an abort is never a silent pass.

set -euo pipefail

_tap_n=0
_tap_failed=0
_tap_plan=
_tap_done=0
_tap_cleanups=()
_tap_netns=()

echo "TAP version 13"

plan() { _tap_plan=$1; echo "1..$1"; }

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }

not_ok() {
	_tap_n=$((_tap_n + 1)) _tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $*"
}

skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP ${2:-}"; }

diag() {
	local line
	while IFS= read -r line; do echo "# $line"; done <<<"$*"
}

skip_all() {
	if ((_tap_n == 0)) && [[ -z $_tap_plan ]]; then
		echo "1..0 # SKIP $*"
		_tap_done=1
		exit 4
	fi
	# Tests already ran: skip the rest of the plan, if there is one.
	while [[ -n $_tap_plan ]] && ((_tap_n < _tap_plan)); do skip "not run" "$*"; done
	[[ -n $_tap_plan ]] || diag "skipping the rest: $*"
	exit 0
}

bail_out() { echo "Bail out! $*"; _tap_failed=$((_tap_failed + 1)); _tap_done=1; exit 1; }

# Run "$@" with errexit inside a subshell, capturing its output; sets
# _tap_rc and _tap_out.
_tap_run() {
	local had_e=0
	[[ $- == *e* ]] && had_e=1
	set +e
	_tap_out=$(set -e; "$@" 2>&1)
	_tap_rc=$?
	((had_e)) && set -e
	return 0
}

_tap_t0=${EPOCHREALTIME/,/.}
_tap_report() { # PASSED DESC
	if [[ ${XCLOUD_TEST_TIMES:-0} == 1 ]]; then
		local now=${EPOCHREALTIME/,/.}
		diag "$(awk -v a="$_tap_t0" -v b="$now" 'BEGIN { printf "time: %.1fs", b - a }')"
		_tap_t0=$now
	fi
	if (($1)); then
		ok "$2"
		[[ ${XCLOUD_TEST_VERBOSE:-0} != 1 || -z $_tap_out ]] || diag "$_tap_out"
	else
		not_ok "$2"
		diag "exit status $_tap_rc"
		[[ -z $_tap_out ]] || diag "$_tap_out"
	fi
}

check() {
	local desc=''
	if [[ $1 == -d ]]; then desc=$2; shift 2; fi
	_tap_run "$@"
	_tap_report "$((_tap_rc == 0))" "${desc:-$*}"
}

check_fail() {
	local desc=''
	if [[ $1 == -d ]]; then desc=$2; shift 2; fi
	_tap_run "$@"
	_tap_report "$((_tap_rc != 0))" "${desc:-fails: $*}"
}

expect_fail_msg() {
	local desc='' msg passed=0
	if [[ $1 == -d ]]; then desc=$2; shift 2; fi
	msg=$1; shift
	_tap_run "$@"
	if ((_tap_rc != 0)) && [[ $_tap_out == *"$msg"* ]]; then passed=1; fi
	((passed)) || [[ $_tap_out == *"$msg"* ]] || _tap_out+=$'\n'"(expected message: $msg)"
	_tap_report "$passed" "${desc:-refuses with \"$msg\": $*}"
}

wait_until() {
	local secs=$1 end
	shift
	end=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		((SECONDS < end)) || return 1
		sleep 0.2
	done
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip_all "$c not installed"
	done
}

on_exit() { _tap_cleanups+=("$(printf '%q ' "$@")"); }

# json_field FIELD: FIELD of the JSON object on stdin (of its first
# element if it is an array, as xcloudctl -j prints lists); a list as its
# items separated by spaces, nothing if absent.
json_field() {
	jq -r --arg f "$1" '(if type == "array" then .[0] else . end)[$f] |
		if . == null then "" elif type == "array" then join(" ") else tostring end'
}

# flow_start SECONDS OUT DEST CMD...: a ping flow to DEST for SECONDS,
# one every FLOW_MS ms (20 unless set), run as CMD... ping (e.g. ip netns
# exec NS), its summary in OUT; flow_end waits for it, sets LOSS to the
# summary and LOST_MS to the packets lost times FLOW_MS, and fails on any
# loss. Run in the test's own shell (not in a check), so that daemons it
# kills and starts meanwhile keep their pids.
flow_start() {
	local secs=$1 dest=$3 ms=${FLOW_MS:-20}
	FLOW_OUT=$2
	shift 3
	"$@" ping -q -c "$((secs * 1000 / ms))" -i "$(printf '0.%03d' "$ms")" -W 2 \
		"$dest" >"$FLOW_OUT" 2>&1 &
	FLOW=$!
	sleep 0.5
}
flow_end() {
	local tx rx
	wait "$FLOW" || true
	LOSS=$(grep 'packets transmitted' "$FLOW_OUT")
	read -r tx rx < <(awk '/packets transmitted/ { print $1, $4 }' "$FLOW_OUT")
	LOST_MS=$(((${tx:-0} - ${rx:-0}) * ${FLOW_MS:-20}))
	[[ -n $LOSS ]] || LOST_MS=-1
	grep -q ' 0% packet loss' "$FLOW_OUT"
}

netns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns"
		_tap_netns+=("$ns")
		ip -n "$ns" link set lo up
	done
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

veth() { ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"; }

_tap_netns_cleanup() {
	local ns pids
	for ns in "${_tap_netns[@]}"; do
		mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
		((${#pids[@]} == 0)) || kill "${pids[@]}" 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
}

_tap_exit() {
	local rc=$? i
	set +e
	for ((i = ${#_tap_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_tap_cleanups[i]}" >/dev/null 2>&1
	done
	_tap_netns_cleanup
	((_tap_done)) && exit "$rc"
	if ((rc != 0)); then
		not_ok "$(basename "$0") exited with status $rc after test $_tap_n"
	fi
	if [[ -z $_tap_plan ]]; then
		echo "1..$_tap_n"
	elif ((_tap_plan != _tap_n)); then
		diag "planned $_tap_plan tests but ran $_tap_n"
		_tap_failed=$((_tap_failed + 1))
	fi
	((_tap_failed == 0)) || exit 1
	exit 0
}
trap _tap_exit EXIT
