#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The control plane on a production etcd: cloud A's etcd is 3 members,
# cloud B's one, both with TLS (certificates made here with openssl; the
# clients must show one) and authentication, users and roles made by
# tools/xcloud-etcd-roles. Each role may do what its daemon does and
# nothing else; a switch agent's load (xcetcd_ha: lease, bindings, a
# watch) and two coordinators run while the member they talk to, the
# raft leader, is killed; the standby coordinator takes over when the
# leader dies, and a coordinator frozen past its lease stops writing. TAP.
. "$(dirname "$0")/lib.sh"
command -v etcdctl >/dev/null && command -v openssl >/dev/null ||
	{ echo "1..0 # SKIP needs etcdctl (Debian etcd-client) and openssl"; exit 0; }
make -s -C "$CP_DIR" xcetcd_ha >&2 || exit 1
ROLES=$REPO/tools/xcloud-etcd-roles
PKI=$CP_TMP/pki
PW=$CP_TMP/pw
TTL=5	# the coordinators' election-ttl (the default)
declare -A MEMBER_PID MEMBER_URL
COORDS=()

ha_cleanup() {
	local p
	for p in "${MEMBER_PID[@]}" "${COORDS[@]}" ${AGENT_PID:-}; do
		kill -CONT "$p" 2>/dev/null
		kill "$p" 2>/dev/null
	done
	cp_cleanup
}
trap ha_cleanup EXIT
echo "TAP version 13"

# ---- certificates: a CA, a certificate per member, one for the clients
mkdir -p "$PKI" "$PW"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=xcloud-test-ca \
	-keyout "$PKI/ca-key.pem" -out "$PKI/ca.pem" 2>/dev/null || exit 1
# The clients' certificate has no CN: etcd's JSON gateway refuses one with
# a CN when --client-cert-auth is on (the CN would not be the user).
cert() {	# cert NAME SUBJECT: NAME.pem and NAME-key.pem, for 127.0.0.1
	openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$PKI/$1-key.pem" \
		-out "$PKI/$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca-key.pem" \
		-CAcreateserial -days 1 -out "$PKI/$1.pem" -extfile <(printf '%s\n' \
		"subjectAltName=IP:127.0.0.1" "extendedKeyUsage=serverAuth,clientAuth") 2>/dev/null
}
cert member /CN=member && cert client /O=xcloud/OU=clients || exit 1
# HTTP/1.1: etcd hands HTTP/2 to its gRPC server, not to the JSON gateway.
TLS=(--http1.1 --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client-key.pem")

# ---- the clusters: A1..A3 and B1, on loopback ports from CP_PORT
member_start() {	# member_start NAME CLUSTER: start (or restart) one member
	local m=$1 port=${MEMBER_URL[$1]##*:}
	etcd --name "$m" --data-dir "$CP_TMP/etcd-$m" \
		--listen-client-urls "${MEMBER_URL[$m]}" --advertise-client-urls "${MEMBER_URL[$m]}" \
		--listen-peer-urls "http://127.0.0.1:$((port + 1))" \
		--initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
		--initial-cluster "$2" --initial-cluster-token "xc-$CP_PORT" \
		--cert-file "$PKI/member.pem" --key-file "$PKI/member-key.pem" \
		--trusted-ca-file "$PKI/ca.pem" --client-cert-auth \
		--heartbeat-interval 50 --election-timeout 500 \
		--auth-token-ttl 5 >>"$CP_TMP/etcd-$m.log" 2>&1 &
	MEMBER_PID[$m]=$!
}
cluster() {	# cluster CLOUD N: the members' URLs; INITIAL: the cluster
	local i
	INITIAL=
	for i in $(seq "$2"); do
		MEMBER_URL[$1$i]=https://127.0.0.1:$CP_PORT
		INITIAL+=${INITIAL:+,}$1$i=http://127.0.0.1:$((CP_PORT + 1))
		CP_PORT=$((CP_PORT + 2))
	done
}
cluster A 3
for m in A1 A2 A3; do member_start $m "$INITIAL"; done
cluster B 1
member_start B1 "$INITIAL"
ENDPOINTS_A=${MEMBER_URL[A1]},${MEMBER_URL[A2]},${MEMBER_URL[A3]}
ETCD_URL[A]=${MEMBER_URL[A1]}
ETCD_URL[B]=${MEMBER_URL[B1]}
CP_CURL=("${TLS[@]}")
t0=$(date +%s%N)
wait_for 30 eval 'kv_ready A && kv_ready B' || { diag "etcd did not start"; tail "$CP_TMP"/etcd-A1.log; exit 1; }
diag "4 TLS members up in $((($(date +%s%N) - t0) / 1000000)) ms"

# ---- roles, users, auth on
for c in A B; do
	eps=$ENDPOINTS_A
	[ $c = B ] && eps=${MEMBER_URL[B1]}
	ETCDCTL_ENDPOINTS=$eps ETCDCTL_CACERT=$PKI/ca.pem ETCDCTL_CERT=$PKI/client.pem \
		ETCDCTL_KEY=$PKI/client-key.pem "$ROLES" -u "$PW/$c" -e "$c" >"$CP_TMP/roles-$c.log" 2>&1
	ok $? "xcloud-etcd-roles makes cloud $c's roles and users and turns auth on"
done
as() { ETCD_AUTH[$2]="$1 $(cat "$PW/$2/$1.password")"; }	# as USER CLOUD

# Without a token: refused; root's token: served (the control).
ETCD_AUTH=()
kv_call A /v3/kv/put "{\"key\":\"$(b64 /xcloud/ports/x)\",\"value\":\"$(b64 x)\"}" >/dev/null
ok $(( $? == 0 )) "a request without a token is refused"
as root A
check "... and served with root's token" kv_put A /xcloud/networks/100 '{"prefixes":["10.1.0.0/16"]}'
curl -sf --max-time 5 --http1.1 --cacert "$PKI/ca.pem" "${MEMBER_URL[A1]}/v3/kv/range" -d '{"key":"Lw=="}' >/dev/null
ok $(( $? == 0 )) "a client without a certificate is refused"

# What a cloud controller writes, as root.
kv_put A /xcloud/underlay/A '{"prefixes":["10.255.0.0/24"]}'
as root B
kv_put B /xcloud/networks/100 '{"prefixes":["10.2.0.0/16"]}'
kv_put B /xcloud/underlay/B '{"prefixes":["10.255.1.0/24"]}'

# Least privilege: each role against a key it owns and one it does not.
perm() {	# perm USER CLOUD KEY: can USER write KEY?
	as "$1" "$2"
	kv_put "$2" "$3" '{"underlay":"10.255.1.1"}'
}
check "the gateway role writes gateways/" perm xcloud-gateway B /xcloud/gateways/gwB
! perm xcloud-gateway B /xcloud/bindings/100/10.2.0.9
ok $? "... and cannot write bindings/"
as xcloud-gateway A
kv_put A /xcloud/gateways/gwA '{"underlay":"10.255.0.1"}'
check "the switch role writes bindings/" perm xcloud-switch A /xcloud/bindings/100/10.1.9.9
! perm xcloud-switch A /xcloud/remote/100/10.2.0.9
ok $? "... and cannot write remote/"
! perm xcloud-switch A /xcloud/networks/100
ok $? "... nor networks/"
check "the coordinator role writes remote/" perm xcloud-coord B /xcloud/remote/100/10.9.9.9
check "... and another cloud's underlay copy" perm xcloud-coord B /xcloud/underlay/A
! perm xcloud-coord B /xcloud/underlay/B
ok $? "... but not the cloud's own underlay declaration"
! perm xcloud-router A /xcloud/eip/addrs/x
ok $? "the router role cannot write eip/addrs/"
check "... but its liveness key in eip/routers/" perm xcloud-router A /xcloud/eip/routers/vr1
check "the aggregation role writes eip/addrs/ (a dead router's EIP moved)" \
	perm xcloud-aggregation A /xcloud/eip/addrs/x
! perm xcloud-aggregation A /xcloud/eip/pools/x
ok $? "... and cannot write eip/pools/"
as root B
kv_del B /xcloud/remote/100/10.9.9.9
as root A
kv_del A /xcloud/bindings/100/10.1.9.9
kv_del A /xcloud/eip/addrs/x
kv_del A /xcloud/eip/routers/vr1

# ---- coordinators: two, cloud A's members listed leader first
leader_of() {	# leader_of CLOUD: the member that leads its raft group
	local m st tok
	tok=$(kv_token "$1") || return 1
	for m in "${!MEMBER_URL[@]}"; do
		[[ $m == "$1"* && -n ${MEMBER_PID[$m]:-} ]] || continue
		st=$(curl -sf --max-time 2 "${TLS[@]}" -H "Authorization: $tok" \
			"${MEMBER_URL[$m]}/v3/maintenance/status" -d '{}') || continue
		jq -e '.leader == .header.member_id' >/dev/null <<<"$st" &&
			{ echo "$m"; return 0; }
	done
	return 1
}
as root A
LEADER=$(leader_of A) || { diag "no leader in cloud A"; exit 1; }
EPS=${MEMBER_URL[$LEADER]}
for m in A1 A2 A3; do [ $m = "$LEADER" ] || EPS+=,${MEMBER_URL[$m]}; done
diag "cloud A's raft leader: $LEADER; clients list it first: $EPS"
coord_conf() {	# coord_conf NAME
	cat <<-EOC
	[coord]
	name = $1
	election-ttl = $TTL
	remove-delay = 1
	[cloud A]
	etcd = $EPS
	cacert = $PKI/ca.pem
	cert = $PKI/client.pem
	key = $PKI/client-key.pem
	user = xcloud-coord
	password-file = $PW/A/xcloud-coord.password
	[cloud B]
	etcd = ${MEMBER_URL[B1]}
	cacert = $PKI/ca.pem
	cert = $PKI/client.pem
	key = $PKI/client-key.pem
	user = xcloud-coord
	password-file = $PW/B/xcloud-coord.password
	EOC
}
for n in 1 2; do
	coord_conf c$n >"$CP_TMP/c$n.conf"
	${COORD_WRAP:-} "$COORD" -c "$CP_TMP/c$n.conf" >>"$CP_TMP/c$n.log" 2>&1 &
	COORDS[n]=$!
	[ $n = 1 ] && wait_for 5 grep -q "c1 leads" "$CP_TMP/c1.log"
done
check "coordinator c1 leads" grep -q "c1 leads" "$CP_TMP/c1.log"
sleep 1
ok "$(grep -q 'leads' "$CP_TMP/c2.log"; echo $(( $? == 0 )))" "... and c2 stands by"
"$COORD" -t -c "$CP_TMP/c1.conf" >"$CP_TMP/t.out" 2>&1
check "xcloud-coord -t shows three members, TLS and a user" \
	grep -q "cloud A: $EPS (TLS client certificate) (user)" "$CP_TMP/t.out"

# ---- a switch agent's load; the raft leader dies under it
N=400
"$CP_DIR/xcetcd_ha" -e "$EPS" -C "$PKI/ca.pem" -c "$PKI/client.pem" -k "$PKI/client-key.pem" \
	-u xcloud-switch -p "$PW/A/xcloud-switch.password" -n $N -r 25 -l 10 \
	>"$CP_TMP/agent.out" 2>"$CP_TMP/agent.log" &
AGENT_PID=$!
as root B
remote_count() { kv_dump B /xcloud/remote/ | grep -c '"cloud":"A"'; }
as root A
wait_for 30 eval '[ "$(kv_dump A /xcloud/bindings/ | wc -l)" -ge 10 ]'
as root B
check "bindings reach cloud B under load" wait_for 30 eval '[ "$(remote_count)" -ge 1 ]'
t0=$(date +%s%N)
kill -9 "${MEMBER_PID[$LEADER]}"
wait "${MEMBER_PID[$LEADER]}" 2>/dev/null
unset "MEMBER_PID[$LEADER]"
diag "killed $LEADER (the raft leader) with $(remote_count) of $N remote entries in cloud B"
ETCD_URL[A]=${EPS#*,}
ETCD_URL[A]=${ETCD_URL[A]%%,*}
check "every binding reaches cloud B after the kill" wait_for 60 eval '[ "$(remote_count)" -eq $N ]'
diag "all $N in cloud B $((($(date +%s%N) - t0) / 1000000)) ms after the kill"
as root A
new=$(leader_of A) && diag "new raft leader: $new"
# A watch resumed on another member may still be catching up.
wait_for 20 grep -q "saw all" "$CP_TMP/agent.log" || true
kill "$AGENT_PID"
wait "$AGENT_PID"
read -r line <"$CP_TMP/agent.out"
diag "agent: $line"
eval "${line// /;}"
ok $(( written != N )) "the agent wrote all $N bindings ($failed writes failed and were retried)"
ok $(( fresh != 1 )) "... under its first lease: no lease was lost in the switch"
ok $(( seen != N )) "its watch saw every binding"
ok $(( lost < 1 || switches < 1 )) "... resuming after the member died ($lost streams resumed, $switches switches)"
check "the coordinators moved to another member" grep -q "xcetcd: A: ${MEMBER_URL[$LEADER]} failed" "$CP_TMP/c1.log"

# ---- auth tokens expire (--auth-token-ttl 5): the coordinator, idle in
# cloud B (watches do not renew a token), gets another on its next write
sleep 6
as root A
kv_put A /xcloud/bindings/100/10.1.200.1 '{"node":"cnA2","underlay":"10.255.0.12"}'
as root B
check "after 6 s idle the coordinator still writes (cloud B gets the binding)" \
	wait_for 30 eval 'kv_dump B /xcloud/remote/ | grep -q 10.1.200.1'
check "... having authenticated again" grep -q "xcetcd: B: .* refused the token" "$CP_TMP/c1.log"

# ---- the leading coordinator dies: the standby takes over within the TTL
t0=$(date +%s%N)
kill -9 "${COORDS[1]}"
wait "${COORDS[1]}" 2>/dev/null
check "c2 takes over within the election TTL ($TTL s)" wait_for $((TTL + 1)) grep -q "c2 leads" "$CP_TMP/c2.log"
diag "takeover $((($(date +%s%N) - t0) / 1000000)) ms after kill -9 of the leader (TTL $TTL s)"
as root A
kv_put A /xcloud/bindings/100/10.1.200.2 '{"node":"cnA2","underlay":"10.255.0.12"}'
as root B
check "... and the new leader's writes reach cloud B" \
	wait_for 30 eval 'kv_dump B /xcloud/remote/ | grep -q 10.1.200.2'

# ---- a leader frozen past its lease stops writing when it wakes
"$COORD" -c "$CP_TMP/c1.conf" >>"$CP_TMP/c1.log" 2>&1 &
COORDS[1]=$!
sleep 1
kill -STOP "${COORDS[2]}"
check "c1 takes over from a frozen c2" wait_for $((TTL + 2)) eval '[ "$(grep -c "c1 leads" "$CP_TMP/c1.log")" -ge 2 ]'
kill -CONT "${COORDS[2]}"
check "c2, woken, stops writing" wait_for 3 grep -q "standing by" "$CP_TMP/c2.log"
as root A
kv_put A /xcloud/bindings/100/10.1.200.3 '{"node":"cnA2","underlay":"10.255.0.12"}'
as root B
check "... and c1's writes reach cloud B" \
	wait_for 30 eval 'kv_dump B /xcloud/remote/ | grep -q 10.1.200.3'

for n in 1 2; do kill "${COORDS[n]}" 2>/dev/null; wait "${COORDS[n]}" 2>/dev/null; done
[ "$T_FAILED" -ne 0 ] || [ -n "${CP_VERBOSE:-}" ] && for f in c1 c2 agent; do
	sed "s/^/# $f: /" "$CP_TMP/$f.log"
done
cp_done
