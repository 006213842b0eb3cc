// SPDX-License-Identifier: GPL-2.0
/* Names of uapi enum values and address helpers; no kernel involved. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "libxcloud.h"

const char *xc_mode_name(unsigned int mode)
{
	static const char *const names[] = {
		[XCLOUD_MODE_EDGE] = "edge",
		[XCLOUD_MODE_GATEWAY] = "gateway",
	};

	return mode <= XCLOUD_MODE_MAX ? names[mode] : "unknown";
}

const char *xc_tunnels_name(unsigned int policy)
{
	static const char *const names[] = {
		[XCLOUD_TUNNELS_ONDEMAND] = "ondemand",
		[XCLOUD_TUNNELS_EAGER] = "eager",
	};

	return policy <= XCLOUD_TUNNELS_MAX ? names[policy] : "unknown";
}

const char *xc_route_type_name(unsigned int type)
{
	static const char *const names[] = {
		[XCLOUD_ROUTE_UNSPEC] = "unspec",
		[XCLOUD_ROUTE_GATEWAY] = "gateway",
		[XCLOUD_ROUTE_NODE] = "node",
		[XCLOUD_ROUTE_EIP] = "eip",
	};

	return type <= XCLOUD_ROUTE_MAX ? names[type] : "unknown";
}

const char *xc_stats_name(int i)
{
	static const char *const names[XCLOUD_STATS_A_MAX + 1] = {
		[XCLOUD_STATS_A_TX_PACKETS] = "tx_packets",
		[XCLOUD_STATS_A_TX_BYTES] = "tx_bytes",
		[XCLOUD_STATS_A_RX_PACKETS] = "rx_packets",
		[XCLOUD_STATS_A_RX_BYTES] = "rx_bytes",
		[XCLOUD_STATS_A_RELAYED_PACKETS] = "relayed_packets",
		[XCLOUD_STATS_A_RELAYED_BYTES] = "relayed_bytes",
		[XCLOUD_STATS_A_TX_NO_ROUTE] = "tx_no_route",
		[XCLOUD_STATS_A_TX_ERRORS] = "tx_errors",
		[XCLOUD_STATS_A_TX_TOO_BIG] = "tx_too_big",
		[XCLOUD_STATS_A_RX_TRUNCATED] = "rx_truncated",
		[XCLOUD_STATS_A_RX_BAD_VERSION] = "rx_bad_version",
		[XCLOUD_STATS_A_RX_BAD_PROTO] = "rx_bad_proto",
		[XCLOUD_STATS_A_RX_CRITICAL_OPT] = "rx_critical_opt",
		[XCLOUD_STATS_A_RX_UNKNOWN_VNI] = "rx_unknown_vni",
		[XCLOUD_STATS_A_RX_SPOOFED] = "rx_spoofed",
		[XCLOUD_STATS_A_RX_NO_ROUTE] = "rx_no_route",
		[XCLOUD_STATS_A_RX_HOP_LIMIT] = "rx_hop_limit",
		[XCLOUD_STATS_A_MISS_EVENTS] = "miss_events",
		[XCLOUD_STATS_A_MISS_SUPPRESSED] = "miss_suppressed",
		[XCLOUD_STATS_A_TUNNELS_CREATED] = "tunnels_created",
		[XCLOUD_STATS_A_TUNNELS_REAPED] = "tunnels_reaped",
		[XCLOUD_STATS_A_INGRESS_PACKETS] = "ingress_packets",
		[XCLOUD_STATS_A_INGRESS_PASSED] = "ingress_passed",
		[XCLOUD_STATS_A_RX_SRC_UNROUTED] = "rx_src_unrouted",
		[XCLOUD_STATS_A_RX_SRC_MISMATCH] = "rx_src_mismatch",
		[XCLOUD_STATS_A_PROBES_ANSWERED] = "probes_answered",
		[XCLOUD_STATS_A_PROBES_LIMITED] = "probes_limited",
		[XCLOUD_STATS_A_RX_BAD_PROBE] = "rx_bad_probe",
	};

	if (i < 0 || i > XCLOUD_STATS_A_MAX)
		return NULL;
	return names[i];
}

size_t xc_addr_len(const struct xc_addr *a)
{
	return a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
}

int xc_addr_from_bytes(struct xc_addr *a, const void *data, size_t len)
{
	memset(a, 0, sizeof(*a));
	if (len == 4)
		a->family = AF_INET;
	else if (len == 16)
		a->family = AF_INET6;
	else
		return -EINVAL;
	memcpy(a->bytes, data, len);
	return 0;
}

const char *xc_addr_str(const struct xc_addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, a->bytes, buf, len))
		buf[0] = '\0';
	return buf;
}
