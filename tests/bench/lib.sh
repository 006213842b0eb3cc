# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the benchmark parts (sourced inside the guest).
#
# Output: one `BENCH <name> <value> <unit>` line per figure; anything else
# is a "# " comment. Packet rates are counted where the traffic ends (the
# sink's veth rx counter, which counts what was queued to the sink, before
# a tc drop throws it away), over the middle of a run, after a warm-up.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../selftests/lib/topo.sh
source "$BENCH_DIR/../selftests/lib/topo.sh"
BENCH_SECS=${BENCH_SECS:-2}	# measured seconds of each packet-rate run
BENCH_ROUNDS=${BENCH_ROUNDS:-7}	# alternating rounds (see paired_ratio)
BENCH_TCP_SECS=${BENCH_TCP_SECS:-5}
BENCH_TMP=$(mktemp -d /tmp/xcloud-bench.XXXXXX)

bench() { printf 'BENCH %s %s %s\n' "$1" "$2" "$3"; }
note() { echo "# $*"; }

# The larger of two numbers (either may be empty).
max() {
	if [[ -z $1 ]]; then echo "$2"; elif [[ -z $2 ]]; then echo "$1";
	elif (($1 > $2)); then echo "$1"; else echo "$2"; fi
}

# paired_ratio "A1 A2 ..." "B1 B2 ..." ["GA1 GA2 ..." "GB1 GB2 ..."]: the
# median of Ai/Bi ("n/a" if there is no pair). The parts measure A and B
# alternately, so the two of a pair ran seconds apart under the same host
# load; the median of the pairs resists the load of a shared TCG host
# drifting during the run, where a ratio of two bests taken minutes apart
# does not. With the generator's own rates GA and GB (gen_pps), the
# ratio is of the node's own rates (node_pps) instead.
paired_ratio() {
	python3 -c 'import statistics, sys
cols = [[float(x) for x in a.split()] for a in sys.argv[1:]]
if len(cols) == 4:
    cols = [[1 / (1 / r - 1 / g) if 0 < r < g else 0 for r, g in zip(c, gc)]
            for c, gc in zip(cols[:2], cols[2:])]
r = [x / y for x, y in zip(*cols) if x > 0 and y > 0]
print("%.2f" % statistics.median(r) if r else "n/a")' "$@"
}

# node_pps RATE GEN: the node's own packet rate, from a rate measured with
# the generator on the same CPU (inject_pps) and the generator's own rate
# (gen_pps): each packet cost 1/RATE, of which 1/GEN was the generator's.
node_pps() {
	python3 -c 'import sys
r, g = map(float, sys.argv[1:])
print(int(1 / (1 / r - 1 / g)) if 0 < r < g else 0)' "$1" "$2"
}

rx_packets() { nsx "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }
mac_of() { nsx "$1" cat "/sys/class/net/$2/address"; }

# A sink: host $1 drops every IPv4 packet arriving on its eth0 right at
# ingress (ARP still passes, so neighbours resolve).
sink() {
	nsx "$1" tc qdisc add dev eth0 clsact
	on_done unsink "$1"
	nsx "$1" tc filter add dev eth0 ingress protocol ip matchall action drop
}

# cpu_mark FILE / cpu_report FILE: "# cpu:" notes on the CPU time used
# between the two calls (see cpu_use.py).
cpu_mark() { python3 "$(dirname "${BASH_SOURCE[0]}")/cpu_use.py" mark "$1"; }
cpu_report() { python3 "$(dirname "${BASH_SOURCE[0]}")/cpu_use.py" report "$1"; }

# inject_pps SINKHOST SINKDEV HOST DEV SRC DSTMIN [DSTMAX]: packets per
# second arriving at SINKHOST's SINKDEV while the kernel's pktgen, on CPU 1
# of HOST's namespace, injects IPv4/UDP packets SRC -> DSTMIN (or a random
# address in DSTMIN..DSTMAX per packet) into DEV's receive path
# (xmit_mode netif_receive) for BENCH_SECS: one run of pktgen_series.py,
# which says why the node under test is the limit. INJECT_PORT (9) and
# INJECT_SIZE (64, bytes from the Ethernet header on) set the UDP
# destination port and the frame size. Prints the rate, then a note. With
# INJECT_GEN=1 the rate is what pktgen made, for gen_pps.
inject_pps() {
	local sink="" dst=$6${7:+-$7}
	[[ ${INJECT_GEN:-0} != 0 ]] || sink=" sink=$(ns "$1")/$2"
	pktgen_series --secs "$BENCH_SECS" --port "${INJECT_PORT:-9}" \
		--size "${INJECT_SIZE:-64}" "x ns=$(ns "$3") dev=$4 src=$5 dst=$dst$sink" |
		while read -r _ _ rate sent arrived usec _; do
			series_result "$rate" "$sent" "$arrived" "$usec"
		done
	perf_reports "$3-$4"
}

# pktgen_series ARGS...: pktgen_series.py ARGS on CPU 1, profiled when
# BENCH_PERF is set (perf_reports prints it).
pktgen_series() {
	local perf=()
	[[ -z ${BENCH_PERF:-} ]] || perf=(--perf "$BENCH_TMP")
	python3 "$BENCH_DIR/pktgen_series.py" --cpu 1 "${perf[@]}" "$@"
}

# series PART KIND...: one pktgen_series.py series of the KINDs (see there
# for their form), BENCH_SERIES_ROUNDS rounds (15) of BENCH_SERIES_SECS
# (1 s) per run, into $BENCH_TMP/series (and $XCLOUD_OUT/PART-series.txt).
series() {
	local part=$1
	shift
	pktgen_series --rounds "${BENCH_SERIES_ROUNDS:-15}" \
		--secs "${BENCH_SERIES_SECS:-1}" "$@" >"$BENCH_TMP/series" ||
		note "$part: the packet rates' series failed"
	perf_reports "$part"
	[[ -z ${XCLOUD_OUT:-} ]] || cp "$BENCH_TMP/series" "$XCLOUD_OUT/$part-series.txt"
}

# series_report ITEM...: the BENCH figures of that series (series_report.py).
series_report() { python3 "$BENCH_DIR/series_report.py" "$BENCH_TMP/series" "$@"; }

# series_result RATE SENT ARRIVED USEC: a run of pktgen_series.py as
# inject_pps prints it, the rate and then a note.
series_result() {
	echo "$1"
	python3 -c 'import sys; sent, arrived, usec = map(float, sys.argv[1:])
print("injected %d pps over %.1f s, %d of %d arrived" % (
      sent / usec * 1e6 if usec else 0, usec / 1e6, arrived, sent))' "$2" "$3" "$4"
}

# gen_pps HOST DEV SRC DSTMIN [DSTMAX]: the generator's own rate, the same
# packets made by pktgen on CPU 1 and dropped at DEV's ingress (gen_veth,
# or a pedit_payload filter with "drop") before the node sees them.
# Subtracting its cost per packet from a measured one leaves the node's
# (node_pps): a real node's CPU does not build the packets it forwards.
gen_pps() {
	INJECT_GEN=1 inject_pps "$1" "$2" "$1" "$2" "${@:3}" | sed -n 1p # reads all: no EPIPE
}

# Per kind of run (a path, a table size): every round's measured rate and
# generator rate, the best measured and the best of the node's own.
declare -gA ALL GEN BEST NODE

# record KIND RESULT GEN: one round of KIND (RESULT: inject_pps's output,
# GEN: the round's gen_pps), noted and added to the tables above.
record() {
	local rate n
	rate=$(head -n1 <<<"$2")
	n=$(node_pps "$rate" "$3")
	note "round $round: $1 $rate pps, $(tail -n1 <<<"$2"); generator alone $3 pps; the node's own $n pps"
	ALL[$1]+=" $rate" GEN[$1]+=" $3"
	BEST[$1]=$(max "${BEST[$1]:-}" "$rate")
	NODE[$1]=$(max "${NODE[$1]:-}" "$n")
}

# report_rate NAME KIND: figure NAME (the node's own rate) and the same
# with "_with_generator" before its "_pps" (or after it, without one),
# or a note when KIND was not measured.
report_rate() {
	if [[ -z ${ALL[$2]:-} ]]; then
		note "$1: not measured"
		return
	fi
	bench "$1" "${NODE[$2]}" pps
	if [[ $1 == *_pps ]]; then
		bench "${1%_pps}_with_generator_pps" "${BEST[$2]}" pps
	else
		bench "${1}_with_generator" "${BEST[$2]}" pps
	fi
}

# report_ratio NAME KIND_A KIND_B: NAME (of the node's own rates) and
# NAME_with_generator, when both were measured.
report_ratio() {
	[[ -n ${ALL[$2]:-} && -n ${ALL[$3]:-} ]] || return 0
	bench "$1" "$(paired_ratio "${ALL[$2]}" "${ALL[$3]}" "${GEN[$2]}" "${GEN[$3]}")" x
	bench "${1}_with_generator" "$(paired_ratio "${ALL[$2]}" "${ALL[$3]}")" x
}

# gen_veth HOST DEV: a veth pair DEV, DEV-p in HOST whose DEV drops every
# IPv4 packet at ingress: where gen_pps injects plain packets.
gen_veth() {
	nsx "$1" ip link add "$2" type veth peer name "$2-p" || return 1
	on_done nsx "$1" ip link del "$2"
	nsx "$1" ip link set "$2-p" up && nsx "$1" ip link set "$2" up &&
		nsx "$1" tc qdisc add dev "$2" clsact &&
		nsx "$1" tc filter add dev "$2" ingress protocol ip matchall action drop
}

# perf_reports LABEL: pktgen_series.py's profiles of CPU 1 (pktgen's, so
# the node's), as "# perf:" notes, hottest symbols first, and the whole
# report with call chains in $XCLOUD_OUT/perf-LABEL-KIND-ROUND.txt
# (inclusive costs in ...-children.txt). A developer's tool:
# `BENCH_PERF=DIR tests/bench/run PART`, the reports land in DIR.
perf_reports() {
	local data file
	for data in "$BENCH_TMP"/perf-*.data; do
		[[ -e $data ]] || return 0
		perf report -i "$data" --stdio --no-children --sort sym -g none \
			--percent-limit 0.7 2>/dev/null | grep -v '^#' | grep . |
			head -n 45 | sed 's/^/# perf: /' >&2
		if [[ -n ${XCLOUD_OUT:-} ]]; then
			file=$XCLOUD_OUT/$(basename "$data" .data)
			file=${file/perf-/perf-$1-}
			perf report -i "$data" --stdio --no-children --sort sym \
				-g caller --percent-limit 0.5 >"$file.txt" 2>/dev/null
			# Inclusive costs (a function with everything it calls), flat.
			perf report -i "$data" --stdio --children --sort sym -g none \
				--percent-limit 0.5 >"$file-children.txt" 2>/dev/null
		fi
		rm -f "$data"
	done
}

# pedit_payload HOST DEV FILE [drop]: every IPv4 packet arriving on HOST's
# DEV gets FILE's bytes written over its UDP payload (tc matchall + pedit
# at ingress, one 32-bit word per key), and with "drop" is dropped right
# after (the generator's baseline, gen_pps). With inject_pps this makes the
# kernel's packet generator send a tunnel packet (FILE: a GENEVE or VXLAN
# header and the inner packet, from frames.py), which it cannot build
# itself. The frame must be at least 42 bytes (Ethernet, IPv4, UDP)
# longer than FILE (INJECT_SIZE).
pedit_payload() {
	local keys
	keys=$(python3 -c 'import sys
data = open(sys.argv[1], "rb").read()
data += bytes(-len(data) % 4)
print(" ".join("munge offset %d u32 set 0x%s" % (28 + i, data[i:i + 4].hex())
               for i in range(0, len(data), 4)))' "$3") || return 1
	nsx "$1" tc qdisc add dev "$2" clsact || return 1
	on_done nsx "$1" tc qdisc del dev "$2" clsact
	local then=()
	[[ ${4:-} != drop ]] || then=(pipe action drop)
	# shellcheck disable=SC2086 # one word per key
	nsx "$1" tc filter add dev "$2" ingress protocol ip matchall \
		action pedit $keys "${then[@]}"
}

# iperf3 TCP from VM $1 to VM $2 (IPv4 overlay), in Mbit/s.
tcp_mbps() {
	local addr pid out
	addr=$(vm_addr "$2" 4)
	nsx "$2" iperf3 -s -1 -B "$addr" >/dev/null 2>&1 &
	pid=$!
	sleep 1
	# bounded: a path that drops the handshake must not hang the bench
	out=$(nsx "$1" timeout $((BENCH_TCP_SECS + 30)) iperf3 -c "$addr" \
		-t "$BENCH_TCP_SECS" -O 1 --connect-timeout 5000 -J 2>/dev/null)
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	python3 -c 'import json, sys
d = json.loads(sys.argv[1])
print("%.1f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))' "$out" 2>/dev/null || echo ""
}

# Kernel memory the allocators report: unreclaimable slab, vmalloc and
# per-cpu, in bytes.
kmem_bytes() {
	awk '/^(SUnreclaim|VmallocUsed|Percpu):/ { s += $2 } END { print s * 1024 }' /proc/meminfo
}

# The topology is built once by the runner (BENCH_SHARED=1, fixed
# TOPO_ID) and shared by the parts, each of which undoes what it added; a
# part run on its own builds and removes its own.
BENCH_OWN_TOPO=0
bench_topo() {
	local vm
	if [[ ${BENCH_SHARED:-0} == 1 ]] && ip netns list | grep -q "^$TOPO_ID-ul\b"; then
		TOPO_NS_LIST=() # not ours to delete
	else
		BENCH_OWN_TOPO=1
		topo_build >/dev/null || return 1
		if xcloud_available; then topo_xcloud ondemand || return 1; fi
	fi
	# warm up neighbours (the sinks will drop IPv4, not ARP)
	for vm in "${TOPO_VMS[@]}"; do vm_ping "$vm" vmA1 4 1 || true; done
}

# Whether this topology has xcloud devices.
have_xcloud() { nsx cnA1 ip link show "xc$TOPO_VNI" >/dev/null 2>&1; }

unsink() { nsx "$1" tc qdisc del dev eth0 clsact 2>/dev/null || true; }

BENCH_UNDO=()
on_done() { BENCH_UNDO+=("$*"); }
bench_cleanup() {
	local i
	for ((i = ${#BENCH_UNDO[@]} - 1; i >= 0; i--)); do eval "${BENCH_UNDO[i]}"; done
	((BENCH_OWN_TOPO)) && topo_cleanup
	rm -rf "$BENCH_TMP"
}

# ---- the same paths with the node's devices in a VRF (the *_vrf figures) ----
#
# On a real node each virtual network is a VRF (docs/tenants.md). edge.sh
# and gateway.sh measure their paths as ever (no VRF), then, right after,
# BENCH_VRF_ROUNDS more rounds (0: none) with the node's devices, xcloud's
# and the baseline's alike, in a VRF. Not alternated with the plain
# rounds: the first VRF of a namespace gives it the kernel's l3mdev rule,
# and from then on its IPv4 lookups take the path for custom rules (local
# and main tables split; fib_validate_source's full reverse lookup on every
# forwarded packet, rp_filter or not) for good, which no undo reverts. So
# the plain rounds run as before; the parts after edge and gateway find
# cnA1 and gwB in that state (BENCH_VRF_ROUNDS=0 to have them as before).
BENCH_VRF_ROUNDS=${BENCH_VRF_ROUNDS:-$BENCH_ROUNDS}
BENCH_VRF=xbvrf
BENCH_VRF_TABLE=${BENCH_VRF_TABLE:-2000100}	# outside xcloudd's table-range
VRF_HOST="" VRF_DEVS=()

# vrf_state HOST: HOST's routes (every table), rules and addresses, sorted:
# what vrf_leave compares.
vrf_state() {
	local f
	for f in 4 6; do
		nsx "$1" ip -$f route show table all
		nsx "$1" ip -$f rule show
		nsx "$1" ip -$f -o addr show
	done | sort
}

# vrf_enter HOST DEV...: HOST as xcloudd sets up a node for one virtual
# network (IPv4, what the parts measure): VRF $BENCH_VRF with table
# $BENCH_VRF_TABLE, whose default is unreachable (metric 4278198272), the
# local table's rule moved behind the kernel's l3mdev rule (0 -> 1001;
# l3mdev at 1000), the DEVs enslaved. Enslaving cycles a device, which
# flushes the routes through it and its IPv6 addresses (keep_addr_on_down
# is 0): the caller adds the routes its path needs to the VRF's table
# (`ip route add ... vrf $BENCH_VRF`); vrf_leave restores the main
# table's and the addresses from the saves taken here.
vrf_enter() {
	local h=$1 d f
	shift
	VRF_HOST=$h VRF_DEVS=("$@")
	vrf_state "$h" >"$BENCH_TMP/vrf-before"
	for d; do
		for f in 4 6; do
			nsx "$h" ip -$f route save table main dev "$d" \
				>"$BENCH_TMP/vrf-route$f-$d" || return 1
		done
		nsx "$h" ip -6 addr save dev "$d" >"$BENCH_TMP/vrf-addr-$d" || return 1
	done
	on_done vrf_leave
	{
		echo "link add $BENCH_VRF type vrf table $BENCH_VRF_TABLE"
		echo "link set $BENCH_VRF up"
		echo "route add unreachable default metric 4278198272 table $BENCH_VRF_TABLE"
		echo "rule add pref 1001 table local"
		echo "rule del pref 0 table local"
		for d; do echo "link set $d master $BENCH_VRF"; done
	} | nsx_batch "$h"
}

# vrf_leave: undoes vrf_enter (if it ran; again, nothing), restores what
# enslaving flushed and notes what is not as before, but for the l3mdev
# rule: it stays, as the kernel adds it only with a namespace's first VRF.
vrf_leave() {
	local h=$VRF_HOST d f diffs
	[[ -n $h ]] || return 0
	VRF_HOST=""
	{
		for d in "${VRF_DEVS[@]}"; do echo "link set $d nomaster"; done
		echo "link del $BENCH_VRF"
		echo "route flush table $BENCH_VRF_TABLE"
		echo "rule add pref 0 table local"
		echo "rule del pref 1001 table local"
	} | ip -n "$(ns "$h")" -force -batch - 2>/dev/null # each, whatever fails
	# What the devices had; restore skips what exists (the kernel's own).
	for d in "${VRF_DEVS[@]}"; do
		nsx "$h" ip -6 addr restore <"$BENCH_TMP/vrf-addr-$d" 2>/dev/null
		for f in 4 6; do
			nsx "$h" ip -$f route restore <"$BENCH_TMP/vrf-route$f-$d" 2>/dev/null
		done
	done
	diffs=$(vrf_state "$h" | diff "$BENCH_TMP/vrf-before" - | grep '^[<>]' |
		grep -v 'lookup \[l3mdev-table\]')
	[[ -z $diffs ]] || {
		note "vrf: $h is not as before the VRF rounds (< before, > now):"
		sed 's/^/# /' <<<"$diffs"
	}
}
