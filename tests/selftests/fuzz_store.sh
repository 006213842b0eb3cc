#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Store fuzzer: 10,000 malformed values (null, wrong types,
# huge strings and arrays, bad and non-unicast addresses and prefixes,
# invalid JSON, deep nesting, keys with odd bytes; tests/fuzz/store_gen.py)
# under every prefix the daemons read, groups/ included, written to the
# real etcds of two clouds while a switch agent (cnA1), a gateway agent
# (gwA), the coordinator and an EIP router agent (ctlA) run. Good entries
# written between the bad ones are the positive control, and a second
# gateway of cloud B joins mid-run (its group, rewritten by the
# coordinator, must reach cnA1's kernel). Asserted: every daemon keeps its
# pid; the good entries reach the kernel tables (xcloudctl route show,
# nexthop show) and the coordinator's remote entries, the EIP router's NAT
# table; no bad binding becomes a route or a remote entry, no bad gateway
# record a trusted gateway; each bad value is logged with its key.
# XCLOUD_FUZZ_VALUES scales the run (default 10000).
# xcloud-kernels: stock
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd etcd curl python3 nft
xcloud_available || skip_all "xcloud module or xcloudctl not available"
CP_LEASE=10
CP_NAME=fuzz
# shellcheck source=tests/selftests/lib/cp.sh
source "$(dirname "$0")/lib/cp.sh"
[[ -x $XCLOUDD && -x $COORD ]] || skip_all "xcloudd or xcloud-coord not built"
# The stores' calls of the script itself, retried: on a loaded host a
# guest's etcd may take more than cp.sh's 5 s to answer (puts and reads
# alike are idempotent).
cp_kv() {
	local i
	for i in 1 2 3; do
		nsx "${CP_CTL[$1]}" curl -sf --max-time 10 "${CP_ETCD[$1]}$2" -d "$3" &&
			return 0
	done
	return 1
}
GEN=$TOPO_REPO/tests/fuzz/store_gen.py
N=${XCLOUD_FUZZ_VALUES:-10000}
TOPO_HOSTS=(gwA cnA1)
TOPO_VMS=(vmA1)

fuzz_logs() {
	cp_kill_all
	if [[ ${XCLOUD_TEST_VERBOSE:-0} == 1 || $_tap_failed -ne 0 ]]; then
		cp_logs 30 | cut -c1-300 | sed 's/^/# /'
	fi
}
on_exit fuzz_logs

cp_topology || bail_out "the topology could not be built"
for c in A B; do
	cp_start_etcd "$c" 2>/dev/null || bail_out "etcd of cloud $c did not start"
done
cp_declare_network || bail_out "cannot declare the network in the stores"
cp_kv_put B /xcloud/gateways/gwB '{"underlay":"10.255.0.2"}'
cp_start_coord
for h in "${TOPO_HOSTS[@]}"; do cp_start_agent "$h"; done
ip netns exec "$(ns ctlA)" "$XCLOUDD" -c - -r router --router vr1 -e "${CP_ETCD[A]}" \
	--bird-socket "$CP_TMP/bird.ctl" --bird-config "$CP_TMP/bird.conf" \
	--bird-include "$CP_TMP/eip.conf" >>"$CP_TMP/agent-vr1.log" 2>&1 &
CP_PID[vr1]=$!
cp_declare_port vmA1 cnA1
cp_vm_plug vmA1 cnA1
A1=$(vm_addr vmA1 4)
check -d "before: vmA1 bound, xc100 up on cnA1 and gwA" \
	wait_until 180 eval 'cp_has_key A /xcloud/bindings/100/$A1 && cp_device_up cnA1 && cp_device_up gwA'
declare -A PID0
for d in "${!CP_PID[@]}"; do PID0[$d]=${CP_PID[$d]}; done

# ---- the fuzz: NAME CLOUD PREFIX SHARE [GOOD-EVERY GOOD-TEMPLATE] ----
GOOD_A='/xcloud/bindings/100/10.100.9.{i}={"node":"cnX9","underlay":"10.255.0.19"}'
GOOD_B='/xcloud/bindings/100/10.100.8.{i}={"node":"cnB9","underlay":"10.255.0.29"}'
GOOD_EIP='/xcloud/eip/addrs/203.0.113.{i}={"router":"vr1","node":"10.255.0.19","private":"10.100.9.{i}"}'
RUNS=(
	"A networks/ 10"
	"A underlay/ 7.5"
	"A gateways/ 7.5"
	"A ports/ 12.5"
	"A bindings/ 15 100 $GOOD_A"
	"A remote/ 12.5"
	"A groups/ 7.5"
	"A eip/pools/ 5"
	"A eip/addrs/ 10 100 $GOOD_EIP"
	"B bindings/ 5 50 $GOOD_B"
	"B gateways/ 2.5"
	"B underlay/ 2.5"
	"B groups/ 2.5"
)
GWB2=10.255.0.3
t0=$SECONDS
total=0
for r in "${RUNS[@]}"; do
	read -r c kind share every tmpl <<<"$r"
	n=$(awk -v n="$N" -v s="$share" 'BEGIN { printf "%d", n * s / 100 }')
	total=$((total + n))
	t1=$SECONDS
	out=$(nsx "${CP_CTL[$c]}" python3 "$GEN" "${CP_ETCD[$c]}" "$kind" "$n" 17 \
		"$CP_TMP/keys-$c-${kind//\//_}" ${every:+"$every" "$tmpl"}) ||
		bail_out "the generator failed on $c $kind"
	diag "cloud $c $out ($((SECONDS - t1)) s)"
	# Amid the groups fuzz, cloud B gets a second gateway: the good
	# group the coordinator writes must still reach cnA1's kernel.
	[[ $c$kind == Agroups/ ]] &&
		cp_kv_put B /xcloud/gateways/gwB2 "{\"underlay\":\"$GWB2\"}"
done
twrite=$((SECONDS - t0))
diag "$total malformed values written in $twrite s"
NGOOD_A=$((N * 15 / 100 / 100)) NGOOD_B=$((N * 5 / 100 / 50)) NGOOD_EIP=$((N * 10 / 100 / 100))

# Good entries: every one in the kernel tables, the remote entries, NAT.
# A route naming a next-hop group is shown with the group's members
# ("nhid N" -> "via A via B"), as a route through them.
routes_of() {
	local groups
	groups=$(xc "$1" nexthop show dev xc100 | awk '{ v = ""
		for (i = 1; i < NF; i++) if ($i == "via") v = v " via " $(i + 1)
		print $2 "\t" v }')
	xc "$1" route show dev xc100 | awk -F'\n' -v g="$groups" '
		BEGIN { n = split(g, l, "\n"); for (i = 1; i <= n; i++) {
			split(l[i], f, "\t"); m[f[1]] = f[2] } }
		{ if (match($0, / nhid [0-9]+/)) {
			id = substr($0, RSTART + 6, RLENGTH - 6)
			$0 = substr($0, 1, RSTART - 1) m[id] substr($0, RSTART + RLENGTH) }
		  print }'
}
count_via() {	# count_via HOST PREFIX NEXTHOP: routes to PREFIX.* via NEXTHOP
	routes_of "$1" | awk -v p="$2" -v h="$3" 'index($1, p) == 1 && / via / {
		for (i = 1; i < NF; i++) if ($i == "via" && $(i + 1) == h) { n++; break } }
		END { print n + 0 }'
}
have_all() { [[ $(count_via "$1" "$2" "$3") == "$4" ]]; }
check -d "$NGOOD_A good bindings of cloud A in cnA1's table via their node" \
	wait_until 120 have_all cnA1 10.100.9. 10.255.0.19 "$NGOOD_A"
check -d "... and in gwA's table" wait_until 30 have_all gwA 10.100.9. 10.255.0.19 "$NGOOD_A"
check -d "$NGOOD_B good bindings of cloud B: in cnA1's table via gwB (coordinator, remote entries)" \
	wait_until 60 have_all cnA1 10.100.8. 10.255.0.2 "$NGOOD_B"
n_remote_good() { cp_kv_dump B /xcloud/remote/100/10.100.9. | grep -c '"cloud":"A"' || true; }
check -d "... and cloud A's good ones are remote entries in cloud B" \
	wait_until 30 eval '[[ $(n_remote_good) == $NGOOD_A ]]'
nat_has() { nsx ctlA nft list table inet xcloud_eip 2>/dev/null | grep -c '203\.0\.113\.' || true; }
check -d "$NGOOD_EIP good EIPs of router vr1 in its NAT table" \
	wait_until 60 eval '(( $(nat_has) >= NGOOD_EIP ))'
check -d "vmA1 still bound, its route and port in the VRF" \
	eval 'cp_has_key A /xcloud/bindings/100/$A1 && nsx cnA1 ip route show vrf xvrf100 $A1 | grep -q v-vmA1'
check -d "xc100 still up, allow-list still the underlay" \
	eval 'cp_device_up cnA1 && cp_device_up gwA && xc cnA1 allow show dev xc100 | grep -q 10.255.0.0/24'
GWA=$(ul_addr gwA)
check -d "cnA1 trusts gwA ($GWA) as its cloud's only gateway, no fuzzed record" \
	eval 'xc cnA1 link show xc100 | grep -qE "gateways $GWA( |\$)"'
diag "cnA1: $(xc cnA1 link show xc100 | grep -o 'gateways [^ ]*')"
# The group of cloud B (id 0x80000000 | FNV-1a("B")), both gateways.
GID_B=$(python3 -c 'h = 2166136261
for c in b"B": h = ((h ^ c) * 16777619) % 2**32
print(h | 0x80000000)')
group_b() { xc cnA1 nexthop show dev xc100 | awk -v id="$GID_B" '$2 == id'; }
check -d "cloud B's group $GID_B in cnA1's kernel: gwB and gwB2 ($GWB2), joined mid-fuzz" \
	wait_until 60 eval 'g=$(group_b); [[ $g == *" 10.255.0.2"* && $g == *" $GWB2"* ]]'
diag "group of cloud B: $(group_b); groups in xc100: $(xc cnA1 nexthop show dev xc100 | wc -l)"
diag "good entries programmed $((SECONDS - t0)) s after the first write"

# Bad ones: no route or remote entry from a malformed binding or key.
bad_routes() { for h in cnA1 gwA; do routes_of "$h"; done | grep -E '^10\.77\.|^10\.100\.(1[0-9][0-9]|2[0-4][0-9])\.' || true; }
bad=$(bad_routes)
check -d "no route from a malformed binding, port or remote entry" eval '[[ -z $bad ]]'
[[ -z $bad ]] || diag "$(head -n 10 <<<"$bad")"
diag "routes: cnA1 $(routes_of cnA1 | wc -l), gwA $(routes_of gwA | wc -l)"
bad_remote() { cp_kv_dump B /xcloud/remote/ | grep -vE '^/xcloud/remote/100/(10\.100\.9\.[0-9]+|'"$A1"') ' || true; }
check -d "no remote entry in cloud B from a malformed binding of cloud A" \
	eval '[[ -z $(bad_remote) ]]'
vrfs=$(nsx cnA1 ip -o link show type vrf | wc -l)
check -d "no VRF from a malformed network declaration (cnA1 has $vrfs)" eval '((vrfs == 1))'
((vrfs == 1)) || diag "$(nsx cnA1 ip -o link show type vrf | cut -d' ' -f2 | head -n 5)"

# Every daemon is the same process as before.
for d in "${!PID0[@]}"; do
	check -d "$d still running, same pid ${PID0[$d]}" kill -0 "${PID0[$d]}"
done

# Each bad value logged with its key (keys of printable ASCII; the others
# are counted). Which daemons read which prefix: the logs to search.
declare -A READERS=(
	[A-networks_]="agent-cnA1 agent-gwA" [A-underlay_]="agent-cnA1 agent-gwA coord"
	[A-gateways_]="agent-cnA1 coord" [A-ports_]="agent-cnA1"
	[A-bindings_]="agent-cnA1 agent-gwA coord" [A-remote_]="agent-cnA1 coord"
	[A-groups_]="agent-cnA1 coord" [B-groups_]="coord"
	[A-eip_pools_]="agent-vr1" [A-eip_addrs_]="agent-vr1"
	[B-bindings_]="coord" [B-gateways_]="coord" [B-underlay_]="coord")
# One pass over the logs (they hold tens of thousands of lines).
# (The script as an argument: stdin is the list.)
read -r -d '' find_keys <<'PY' || true
import re, sys
tmp = sys.argv[1]
words = {}
def words_of(log):
    if log not in words:
        w = set()
        for line in open("%s/%s.log" % (tmp, log), errors="replace"):
            for x in line.split():
                w.add(x)
                w.add(x[:-1])	# "KEY:" and "KEY,"
        words[log] = w
    return words[log]
for spec in sys.stdin:
    k, *logs = spec.split()
    keys = [x.rstrip("\n") for x in open("%s/keys-%s" % (tmp, k))]
    seen = set().union(*(words_of(l) for l in logs))
    kind = k[2:].replace("_", "/")
    pfx = "/xcloud/" + kind
    checked = found = 0
    missing = []
    for key in keys:
        if not re.fullmatch(r"[!-~]{1,80}", key) or "\\" in key:
            continue
        checked += 1
        if key in seen or key[len(pfx):] in seen:
            found += 1
        elif len(missing) < 3:
            missing.append(key)
    print(k[0], kind, len(keys), checked, found, " ".join(missing))
PY
logged=$(for k in "${!READERS[@]}"; do echo "$k ${READERS[$k]}"; done |
	python3 -c "$find_keys" "$CP_TMP")
diag "cloud, prefix, values, keys checked, keys found in the logs, first missing:"
diag "$logged"
# One row per prefix, each with keys to check: an empty answer is no pass.
check -d "every bad value with a printable key is logged with its key ($(awk '{ n += $4 } END { print n + 0 }' <<<"$logged") keys under ${#READERS[@]} prefixes)" \
	eval '(($(grep -c . <<<"$logged") == ${#READERS[@]})) &&
		awk "\$4 == 0 || \$4 != \$5 { bad = 1 } END { exit bad }" <<<"$logged"'
lines=$(cat "$CP_TMP"/agent-*.log "$CP_TMP"/coord.log | wc -l)
diag "log lines: $lines ($(for f in "$CP_TMP"/*.log; do printf '%s %s ' "$(basename "$f" .log)" "$(wc -l <"$f")"; done))"
check -d "logs stay bounded: at most 6 lines per value written ($lines for $total)" \
	eval '((lines <= 6 * total))'
# What the lines say, by shape (keys, values and numbers blanked), most
# frequent first: where a bound is broken, which message breaks it.
for f in "$CP_TMP"/agent-*.log "$CP_TMP"/coord.log; do
	diag "most frequent lines of $(basename "$f" .log):"
	sed -E 's/"[^"]*"/""/g; s/[0-9a-fA-F.:\/%-]{4,}/_/g' "$f" | cut -c1-100 |
		sort | uniq -c | sort -rn | sed -n 1,6p | sed 's/^/#   /'
done
rejected=$(awk '{ s += $5 } END { print s + 0 }' <<<"$logged")
diag "fuzz_store: $total values written in $twrite s, $rejected rejections logged with their key, $lines log lines, $SECONDS s in all"
