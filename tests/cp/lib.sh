# shellcheck shell=bash
# Helpers of the host-side control-plane tests: real etcd processes on
# 127.0.0.1 (one per cloud, own ports and data dirs under a temp dir), the
# daemons under test, and TAP output. Sourced, not run.

CP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$CP_DIR/../.." && pwd)
COORD=${COORD:-$REPO/userspace/coord/xcloud-coord}
CP_TMP=$(mktemp -d /tmp/xcloud-cp.XXXXXX)
# The agents' runtime files (the lease a restart keeps) stay with the test.
export RUNTIME_DIRECTORY=$CP_TMP
# Random base so parallel runs do not collide; each etcd takes two ports.
CP_PORT=${CP_PORT:-$((20000 + RANDOM % 20000))}
declare -A ETCD_PID ETCD_URL ETCD_PEER
COORD_PID=
# CP_NETNS: run etcd and the store calls inside that network namespace.
CP_EXEC=()
[ -n "${CP_NETNS:-}" ] && CP_EXEC=(ip netns exec "$CP_NETNS")
T_N=0
T_FAILED=0

cp_cleanup() {
	[ -n "$COORD_PID" ] && kill "$COORD_PID" 2>/dev/null
	for c in "${!ETCD_PID[@]}"; do
		kill "${ETCD_PID[$c]}" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$CP_TMP"
}
trap cp_cleanup EXIT

ok() {	# ok COND-STATUS DESCRIPTION
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# todo COND-STATUS DESCRIPTION REASON: a known bug's check; a failure is
# reported "not ok ... # TODO REASON", which no runner counts as failed.
todo() {
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2 # TODO $3"
	fi
}

check() {	# check DESCRIPTION CMD...: ok if CMD succeeds
	local what=$1
	shift
	"$@"
	ok $? "$what"
}

diag() { printf '# %s\n' "$*"; }

cp_done() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
}

# etcd_start CLOUD: one single-member etcd for CLOUD. (Up to 30 s: a
# starved guest running two scripts at once has taken more than 10.)
etcd_start() {
	local c=$1 url peer
	if [ -z "${ETCD_URL[$c]}" ]; then
		ETCD_URL[$c]=http://127.0.0.1:$CP_PORT
		ETCD_PEER[$c]=http://127.0.0.1:$((CP_PORT + 1))
		CP_PORT=$((CP_PORT + 2))
	fi
	url=${ETCD_URL[$c]}
	peer=${ETCD_PEER[$c]}
	"${CP_EXEC[@]}" etcd --name "$c" --data-dir "$CP_TMP/etcd-$c" \
		--listen-client-urls "$url" --advertise-client-urls "$url" \
		--listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
		--initial-cluster "$c=$peer" >>"$CP_TMP/etcd-$c.log" 2>&1 &
	ETCD_PID[$c]=$!
	wait_for 30 kv_ready "$c" || { diag "etcd $c did not start"; return 1; }
}

etcd_stop() {
	kill "${ETCD_PID[$1]}" 2>/dev/null
	wait "${ETCD_PID[$1]}" 2>/dev/null
	unset "ETCD_PID[$1]"
}

# shellcheck source=tests/selftests/lib/etcd.sh
source "$REPO/tests/selftests/lib/etcd.sh"
b64() { etcd_b64 "$1"; }

# A production etcd (etcd_ha.sh): CP_CURL holds curl's TLS arguments, and
# ETCD_AUTH[CLOUD]="USER PASSWORD" makes every call authenticate first.
CP_CURL=()
declare -A ETCD_AUTH

kv_token() {	# kv_token CLOUD: a token of ETCD_AUTH[CLOUD]
	local u p
	read -r u p <<<"${ETCD_AUTH[$1]}"
	"${CP_EXEC[@]}" curl -sf --max-time 5 "${CP_CURL[@]}" "${ETCD_URL[$1]}/v3/auth/authenticate" \
		-d "{\"name\":\"$u\",\"password\":\"$p\"}" |
		sed -n 's/.*"token":"\([^"]*\)".*/\1/p' | grep .
}

kv_call() {	# kv_call CLOUD PATH JSON
	local auth=()
	[ -n "${ETCD_AUTH[$1]:-}" ] && auth=(-H "Authorization: $(kv_token "$1")")
	"${CP_EXEC[@]}" curl -sf --max-time 5 "${CP_CURL[@]}" "${auth[@]}" "${ETCD_URL[$1]}$2" -d "$3"
}

kv_ready() { kv_call "$1" /v3/kv/range "{\"key\":\"$(b64 /)\"}" >/dev/null; }

kv_put() {	# kv_put CLOUD KEY VALUE [LEASE]
	local lease=
	[ -n "$4" ] && lease=",\"lease\":\"$4\""
	kv_call "$1" /v3/kv/put \
		"{\"key\":\"$(b64 "$2")\",\"value\":\"$(b64 "$3")\"$lease}" >/dev/null
}

kv_del() {	# kv_del CLOUD KEY
	kv_call "$1" /v3/kv/deleterange "{\"key\":\"$(b64 "$2")\"}" >/dev/null
}

kv_rev() {	# kv_rev CLOUD: current store revision
	kv_call "$1" /v3/kv/range "{\"key\":\"$(b64 /)\"}" |
		jq -r .header.revision
}

kv_compact() {	# kv_compact CLOUD: compacts to the current revision
	kv_call "$1" /v3/kv/compaction "{\"revision\":\"$(kv_rev "$1")\"}" >/dev/null
}

lease_grant() {	# lease_grant CLOUD TTL: prints the lease ID
	kv_call "$1" /v3/lease/grant "{\"TTL\":$2}" |
		jq -r .ID
}

lease_revoke() { kv_call "$1" /v3/lease/revoke "{\"ID\":\"$2\"}" >/dev/null; }

# kv_dump CLOUD PREFIX [FIELDS]: "key value" lines, sorted; with FIELDS
# "key value mod_revision".
kv_dump() {
	kv_call "$1" /v3/kv/range "$(etcd_prefix_range "$2")" | etcd_kvs ${3:+--rev}
}

# wait_for SECONDS CMD...: polls CMD every 50 ms.
wait_for() {
	local t=$1 end
	shift
	end=$(($(date +%s%N) + t * 1000000000))
	until "$@"; do
		[ "$(date +%s%N)" -gt "$end" ] && return 1
		sleep 0.05
	done
}

# coord_config CLOUD...: writes the coordinator's INI file for the clouds.
coord_config() {
	local c
	: >"$CP_TMP/coord.conf"
	for c in "$@"; do
		printf '[cloud %s]\netcd = %s\n\n' "$c" "${ETCD_URL[$c]}" >>"$CP_TMP/coord.conf"
	done
}

coord_start() {
	"$COORD" -c "$CP_TMP/coord.conf" >>"$CP_TMP/coord.log" 2>&1 &
	COORD_PID=$!
}

coord_kill() {	# coord_kill [SIGNAL]
	kill "-${1:-TERM}" "$COORD_PID" 2>/dev/null
	wait "$COORD_PID" 2>/dev/null
	COORD_PID=
}

# expect_remote CLOUD "key value" lines...: the remote entries are exactly these.
remote_is() {
	local c=$1 want got
	shift
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
	got=$(kv_dump "$c" /xcloud/remote/)
	[ "$want" = "$got" ]
}

# ---- a virtual router's node (eip_router.sh, eip_handoff.sh) ----
# One network namespace ($CP_NETNS, set before sourcing) with a real BIRD
# whose static protocols xc_eip4/xc_eip6 stand for what the uplinks
# would export, the etcd of cloud A ($E), and the router agent of vr2
# (router_agent_start [ARGS...], its log $CP_TMP/agent.log).
XCLOUDD=${XCLOUDD:-$REPO/userspace/xcloudd/xcloudd}
AGENT_PID=
B=$CP_TMP/bird
nx() { ip netns exec "$CP_NETNS" "$@"; }

bird_start() { nx bird -c "$B/bird.conf" -s "$B/bird.ctl" -P "$B/bird.pid"; }
bird_stop() {
	local pid
	[ -s "$B/bird.pid" ] || return 0
	pid=$(cat "$B/bird.pid")
	kill "$pid" 2>/dev/null
	wait_for 5 eval "! kill -0 $pid 2>/dev/null"
	rm -f "$B/bird.pid"
}

router_cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	bird_stop
	cp_cleanup
	ip netns del "$CP_NETNS" 2>/dev/null
}

# router_node_up: prints TAP's header; skips the whole test (exit 0)
# where BIRD, nft or namespaces are missing.
router_node_up() {
	trap router_cleanup EXIT
	echo "TAP version 13"
	command -v bird >/dev/null && command -v nft >/dev/null ||
		{ echo "1..0 # SKIP bird or nft missing"; exit 0; }
	ip netns add "$CP_NETNS" || { echo "1..0 # SKIP cannot create a network namespace"; exit 0; }
	nx ip link set lo up
	mkdir -p "$B"
	cat >"$B/bird.conf" <<EOC
router id 192.0.2.1;
protocol device {}
include "$B/eip.conf";
EOC
	printf 'protocol static xc_eip4 { ipv4; }\nprotocol static xc_eip6 { ipv6; }\n' >"$B/eip.conf"
	bird_start || { echo "1..0 # SKIP BIRD does not start"; exit 0; }
	etcd_start A || exit 1
	E=${ETCD_URL[A]}
}

router_agent_start() {
	ip netns exec "$CP_NETNS" "$XCLOUDD" -c - -r router --router vr2 -e "$E" \
		"$@" --bird-socket "$B/bird.ctl" --bird-config "$B/bird.conf" \
		--bird-include "$B/eip.conf" >>"$CP_TMP/agent.log" 2>&1 &
	AGENT_PID=$!
}
eip() { kv_put A "/xcloud/eip/addrs/$1" "{\"router\":\"$2\",\"node\":\"10.2.0.12\",\"private\":\"$3\"}"; }
announced() { birdc -s "$B/bird.ctl" show route "$1" 2>/dev/null | grep -q "^$1 "; }
not_announced() { ! announced "$1"; }
