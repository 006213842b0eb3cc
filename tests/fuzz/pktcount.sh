#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Counter snapshot for fuzz_packet.sh, one "NAME VALUE" line each:
#
#   pktcount.sh NS SINK_NS EDGE_DEV
#
#   drops      every drop of a received packet xcloud counts in NS: the
#              namespace's rx_* counters (no device known yet), each
#              device's rx_errors + rx_dropped as `ip -s link` shows them
#              (the device's drop reasons, and drops without a reason of
#              their own, e.g. a failed decapsulation), and the devices'
#              tx_errors + tx_too_big (a relay or hook that could not send)
#   delivered  packets up EDGE_DEV (its tc ingress matchall count, or
#              where the kernel has no tc, the device's rx_packets) plus
#              what reached SINK_NS's "sink" rule (what a gateway
#              relayed, what the ingress hook tunnelled)
#   unreasoned the part of the devices' rx_errors + rx_dropped that no
#              xcloud drop reason counted
#   and, for the report, every xcloud counter (NAME.DEV or NAME.ns).
set -euo pipefail

ns=$1 sink=$2 edge=$3
XCLOUDCTL=${XCLOUDCTL:-$(dirname "$0")/../../userspace/xcloudctl/xcloudctl}

# Plain output and awk: jq and python cost seconds a call in a TCG guest.
{
	"$XCLOUDCTL" -n "$ns" stats | awk '
		/^[^ ].*:$/ { d = substr($0, 1, length($0) - 1); if (d == "namespace") d = "ns"; next }
		NF == 2 { print "x", $1 "." d, $2 }'
	ip netns exec "$ns" awk '{ split(FILENAME, p, "/"); print "ip", p[5], $1 }' \
		$(ip -n "$ns" -o link show type xcloud |
			awk -F': ' '{ sub(/@.*/, "", $2); print "/sys/class/net/" $2 "/statistics/rx_errors /sys/class/net/" $2 "/statistics/rx_dropped" }')
	if tc -n "$ns" qdisc show dev "$edge" 2>/dev/null | grep -q clsact; then
		tc -n "$ns" -s filter show dev "$edge" ingress |
			awk '$1 == "Sent" { n += $4 } END { print "tc", n + 0 }'
	else
		echo "tc $(ip netns exec "$ns" cat "/sys/class/net/$edge/statistics/rx_packets")"
	fi
	ip netns exec "$sink" nft list chain inet xcfuzz pre |
		awk '/comment "sink"/ { for (i = 1; i < NF; i++) if ($i == "packets") print "sink", $(i + 1) }'
} | awk '
	$1 == "x" {
		split($2, k, ".")
		print $2, $3
		if (k[2] == "ns" && k[1] ~ /^rx_/ && k[1] != "rx_packets" &&
		    k[1] != "rx_bytes")
			drops += $3
		else if (k[1] == "tx_errors" || k[1] == "tx_too_big")
			drops += $3
		else if (k[1] ~ /^rx_/ && k[1] != "rx_packets" && k[1] != "rx_bytes")
			reasons += $3
		if (k[1] ~ /^(rx_packets|relayed_packets|ingress_packets|ingress_passed)$/)
			sum[k[1]] += $3
	}
	$1 == "ip" { drops += $3; devdrops += $3 }
	$1 == "tc" { tc = $2 }
	$1 == "sink" { sink = $2 }
	END {
		print "drops", drops + 0
		print "delivered", tc + sink
		print "unreasoned", devdrops - reasons
		print "tc_edge", tc + 0
		print "sink", sink + 0
		for (s in sum) print s, sum[s]
	}'
