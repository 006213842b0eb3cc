/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * xcloud: inter-cloud virtual network tunnels.
 *
 * The one definition of xcloud's netlink API and wire constants, shared by
 * the kernel module and userspace.
 *
 * Two netlink surfaces:
 *
 *  - rtnetlink link type "xcloud" (IFLA_XCLOUD_*): a device per (node,
 *    virtual network), created with `ip link add NAME type xcloud vni N`.
 *
 *  - generic netlink family "xcloud" (XCLOUD_CMD_*, XCLOUD_A_*): forwarding
 *    table, tunnel peers, allow-list, counters and events of a device.
 *
 * Addresses (underlay or overlay) travel as NLA_BINARY of 4 bytes (IPv4) or
 * 16 bytes (IPv6), network byte order; the length gives the family.
 */
#ifndef _UAPI_LINUX_XCLOUD_H
#define _UAPI_LINUX_XCLOUD_H

#include <linux/types.h>

#define XCLOUD_GENL_NAME	"xcloud"
#define XCLOUD_GENL_VERSION	1
#define XCLOUD_MCGRP_EVENTS	"events"

/* Wire format: GENEVE (RFC 8926) carrying L3 payload. */
#define XCLOUD_DEFAULT_PORT	6081
#define XCLOUD_VNI_MAX		0xffffff
#define XCLOUD_MAX_NEXTHOPS	8
#define XCLOUD_MAX_GATEWAYS	16	/* IFLA_XCLOUD_GATEWAYS entries */
#define XCLOUD_DEFAULT_IDLE_TIMEOUT 300	/* seconds, on-demand tunnels */
#define XCLOUD_MAX_IDLE_TIMEOUT	86400

/*
 * Per-device limits (IFLA_XCLOUD_MAX_*, below). The route default is
 * twice the million routes the benchmark loads (about 170 MB at 82 bytes
 * a route); a peer costs about 1 KB with its per-cpu counters and route
 * cache, so 65536 tunnels are some 64 MB.
 */
#define XCLOUD_DEFAULT_MAX_ROUTES	2097152
#define XCLOUD_DEFAULT_MAX_TUNNELS	65536
#define XCLOUD_DEFAULT_MAX_ALLOWED	262144
#define XCLOUD_LIMIT_MAX		16777216	/* largest settable */

/*
 * GENEVE option a gateway adds when it relays a packet. A gateway never
 * relays a packet that carries it, so no packet takes a third tunnel hop.
 * Class 0xfff0 is in RFC 8926's experimental range; the type's high bit
 * (critical) is clear, so other GENEVE receivers ignore it.
 */
#define XCLOUD_GENEVE_OPT_CLASS	0xfff0
#define XCLOUD_GENEVE_OPT_RELAYED 0x01

/*
 * Liveness probes (BFD-like): a GENEVE frame with the OAM bit set and
 * protocol type XCLOUD_GENEVE_OAM_PROTO (IEEE 802 local experimental
 * EtherType 1) carrying struct xcloud_probe. A device sends a probe every
 * IFLA_XCLOUD_PROBE_INTERVAL ms to each next hop of its multi-path routes;
 * the device of the same VNI at the remote answers with a reply to the
 * probe's outer source. A next hop not heard for PROBE_MULTIPLIER
 * intervals is down and out of ECMP selection until it answers again.
 */
#define XCLOUD_GENEVE_OAM_PROTO	0x88b5
#define XCLOUD_PROBE_MAGIC	0x58434c50	/* "XCLP" */
#define XCLOUD_DEFAULT_PROBE_INTERVAL	100	/* ms; 0: off */
#define XCLOUD_DEFAULT_PROBE_MULTIPLIER	3
#define XCLOUD_MIN_PROBE_INTERVAL	10	/* ms */
#define XCLOUD_MAX_PROBE_INTERVAL	60000

enum xcloud_probe_type {
	XCLOUD_PROBE_REQUEST = 1,
	XCLOUD_PROBE_REPLY = 2,
};

/* Payload of an OAM frame, network byte order, 20 bytes. */
struct xcloud_probe {
	__be32 magic;		/* XCLOUD_PROBE_MAGIC */
	__u8 type;		/* enum xcloud_probe_type */
	__u8 pad[3];		/* zero */
	__be32 token[2];	/* the prober's, echoed in the reply */
	__be32 seq;		/* the prober's, echoed */
};

/* ---- rtnetlink link attributes: IFLA_INFO_DATA of kind "xcloud" ---- */

enum xcloud_mode {
	XCLOUD_MODE_EDGE,	/* decapsulated packets go up the device */
	XCLOUD_MODE_GATEWAY,	/* decapsulated packets are relayed to nodes */
	__XCLOUD_MODE_MAX,
};

#define XCLOUD_MODE_MAX (__XCLOUD_MODE_MAX - 1)

enum xcloud_tunnel_policy {
	XCLOUD_TUNNELS_ONDEMAND, /* peers created at first packet, reaped idle */
	XCLOUD_TUNNELS_EAGER,	/* peers created with the routes using them */
	__XCLOUD_TUNNELS_MAX,
};

#define XCLOUD_TUNNELS_MAX (__XCLOUD_TUNNELS_MAX - 1)

enum {
	IFLA_XCLOUD_UNSPEC,
	IFLA_XCLOUD_VNI,		/* u32, 0..XCLOUD_VNI_MAX, required */
	IFLA_XCLOUD_PORT,		/* __be16 UDP port, default 6081 */
	IFLA_XCLOUD_LOCAL,		/* __be32, IPv4 underlay source */
	IFLA_XCLOUD_LOCAL6,		/* struct in6_addr, IPv6 underlay source */
	IFLA_XCLOUD_MODE,		/* u8, enum xcloud_mode */
	IFLA_XCLOUD_TUNNELS,		/* u8, enum xcloud_tunnel_policy */
	IFLA_XCLOUD_IDLE_TIMEOUT,	/* u32 seconds, 1..XCLOUD_MAX_IDLE_TIMEOUT */
	IFLA_XCLOUD_INGRESS,		/* u32 ifindex, 0: none (see below) */
	IFLA_XCLOUD_SOURCE_CHECK,	/* u8 0 off, 1 on; default 1 (below) */
	IFLA_XCLOUD_GATEWAYS,		/* nest of IFLA_XCLOUD_GATEWAY (below) */
	IFLA_XCLOUD_MAX_ROUTES,		/* u32, 1..XCLOUD_LIMIT_MAX (below) */
	IFLA_XCLOUD_MAX_TUNNELS,	/* u32, 1..XCLOUD_LIMIT_MAX */
	IFLA_XCLOUD_MAX_ALLOWED,	/* u32, 1..XCLOUD_LIMIT_MAX */
	IFLA_XCLOUD_PROBE_INTERVAL,	/* u32 ms, 0 (off) or 10..60000; 100 */
	IFLA_XCLOUD_PROBE_MULTIPLIER,	/* u8, 1..255; default 3 */
	__IFLA_XCLOUD_MAX
};

#define IFLA_XCLOUD_MAX (__IFLA_XCLOUD_MAX - 1)

/* The entries of IFLA_XCLOUD_GATEWAYS. */
enum {
	IFLA_XCLOUD_GATEWAY_UNSPEC,
	IFLA_XCLOUD_GATEWAY,		/* address (underlay), unicast */
	__IFLA_XCLOUD_GATEWAY_MAX
};

#define IFLA_XCLOUD_GATEWAY_MAX (__IFLA_XCLOUD_GATEWAY_MAX - 1)

/*
 * IFLA_XCLOUD_INGRESS: a device of the same namespace (an aggregation
 * node's uplink) whose received packets for an EIP route of this device
 * are tunnelled right where they arrive, before the IP stack: no
 * PREROUTING, FORWARD or POSTROUTING for the inner packet, the TTL or hop
 * limit decremented by xcloud. A packet it should not take (TTL or hop
 * limit 1, IPv4 options, IPv6 hop-by-hop options, larger than the
 * device's MTU, not addressed to this host) goes on to the stack, which
 * routes it into the device as before.
 *
 * IFLA_XCLOUD_SOURCE_CHECK (u8, 1 when absent at creation; changes at any
 * time): which tunnelled packets a device accepts.
 *
 *  - On: the allow-list (XCLOUD_CMD_ALLOW_*) is enforced on every device,
 *    edge or gateway, and an empty allow-list accepts no tunnel at all
 *    (XCLOUD_STATS_A_RX_SPOOFED). An edge device then also checks the
 *    inner source S of a packet from tunnel peer P (the outer source), as
 *    WireGuard checks a peer's allowed IPs: the longest match of S in its
 *    table must be a `node` route whose next hops include P (a VM of this
 *    cloud on node P), or a `gateway` route with P one of the device's own
 *    cloud's gateways (IFLA_XCLOUD_GATEWAYS: a VM of another cloud arrives
 *    relayed by the local cloud's gateway, not by the gateways the route
 *    names). No route for S: XCLOUD_STATS_A_RX_SRC_UNROUTED; any other
 *    route (another node, a gateway route from a peer that is not an own
 *    gateway, an `eip` route): XCLOUD_STATS_A_RX_SRC_MISMATCH. Gateway
 *    devices relay and do not check inner sources.
 *  - Off: no inner source check, and an empty allow-list accepts every
 *    source. For devices whose inner sources are arbitrary by design: an
 *    EIP virtual router's node, which receives internet traffic from the
 *    aggregation node.
 *
 * IFLA_XCLOUD_GATEWAYS: the underlay addresses of the device's own cloud's
 * gateways, up to XCLOUD_MAX_GATEWAYS IFLA_XCLOUD_GATEWAY entries (4 or 16
 * bytes each, unicast, no duplicates). Given on creation or change, it
 * replaces the whole set; an empty nest clears it. Read by the edge's
 * inner source check only.
 *
 * IFLA_XCLOUD_MAX_ROUTES, _MAX_TUNNELS, _MAX_ALLOWED (u32, defaults
 * XCLOUD_DEFAULT_MAX_*; change at any time): the most routes, tunnel
 * peers and allow-list prefixes the device holds. A request that would
 * go beyond one fails with -ENOSPC and an extack naming the limit; the
 * items before it in the request stay applied. Lowering a limit below
 * the current count removes nothing, it only refuses new entries. The
 * data path creates no on-demand peer beyond MAX_TUNNELS either.
 */

/* ---- generic netlink ---- */

enum xcloud_cmd {
	XCLOUD_CMD_UNSPEC,
	XCLOUD_CMD_DEV_GET,	/* do (XCLOUD_A_IFINDEX|IFNAME) or dump */
	XCLOUD_CMD_ROUTE_NEW,	/* XCLOUD_A_ROUTES; XCLOUD_A_REPLACE replaces */
	XCLOUD_CMD_ROUTE_DEL,	/* XCLOUD_A_ROUTES (dst/prefixlen only) */
	XCLOUD_CMD_ROUTE_GET,	/* do: longest match of one dst; dump: all */
	XCLOUD_CMD_ROUTE_FLUSH,	/* all routes of the device */
	XCLOUD_CMD_TUNNEL_NEW,	/* XCLOUD_A_TUNNELS: pre-create peers */
	XCLOUD_CMD_TUNNEL_DEL,
	XCLOUD_CMD_TUNNEL_GET,	/* dump */
	XCLOUD_CMD_ALLOW_NEW,	/* XCLOUD_A_ALLOWED */
	XCLOUD_CMD_ALLOW_DEL,
	XCLOUD_CMD_ALLOW_GET,	/* dump */
	XCLOUD_CMD_STATS_GET,	/* do: device and namespace counters */
	XCLOUD_CMD_MISS,	/* event: no route for a destination */
	XCLOUD_CMD_TUNNEL_STATE, /* event: a probed tunnel went up or down */
	XCLOUD_CMD_NHGROUP_NEW,	/* XCLOUD_A_NHGROUPS; XCLOUD_A_REPLACE replaces */
	XCLOUD_CMD_NHGROUP_DEL,	/* XCLOUD_A_NHGROUPS (id only) */
	XCLOUD_CMD_NHGROUP_GET,	/* dump */
	XCLOUD_CMD_NHGROUP_FLUSH, /* every group no route names */
	__XCLOUD_CMD_MAX
};

#define XCLOUD_CMD_MAX (__XCLOUD_CMD_MAX - 1)

/*
 * Events on XCLOUD_MCGRP_EVENTS: XCLOUD_CMD_ROUTE_NEW/ROUTE_DEL (one
 * XCLOUD_A_ROUTES entry each), XCLOUD_CMD_TUNNEL_NEW/TUNNEL_DEL,
 * XCLOUD_CMD_TUNNEL_STATE (one XCLOUD_A_TUNNELS entry with its state and
 * liveness counters), XCLOUD_CMD_NHGROUP_NEW/NHGROUP_DEL (one
 * XCLOUD_A_NHGROUPS entry: a group added or replaced, or removed) and
 * XCLOUD_CMD_MISS, all with XCLOUD_A_IFINDEX.
 *
 * Permissions: subscribing to XCLOUD_MCGRP_EVENTS, every change command,
 * and the reads that show traffic (TUNNEL_GET: the per-peer traffic
 * matrix; ALLOW_GET; STATS_GET) need CAP_NET_ADMIN in the user namespace
 * owning the network namespace. DEV_GET, ROUTE_GET and NHGROUP_GET do not.
 */

enum xcloud_attr {
	XCLOUD_A_UNSPEC,
	XCLOUD_A_IFINDEX,	/* u32 */
	XCLOUD_A_IFNAME,	/* string */
	XCLOUD_A_VNI,		/* u32 */
	XCLOUD_A_PORT,		/* u16, host order */
	XCLOUD_A_LOCAL,		/* address */
	XCLOUD_A_MODE,		/* u8, enum xcloud_mode */
	XCLOUD_A_TUNNEL_POLICY,	/* u8, enum xcloud_tunnel_policy */
	XCLOUD_A_IDLE_TIMEOUT,	/* u32 seconds */
	XCLOUD_A_ROUTES,	/* nest of XCLOUD_A_ROUTE */
	XCLOUD_A_ROUTE,		/* nest of XCLOUD_ROUTE_A_* */
	XCLOUD_A_TUNNELS,	/* nest of XCLOUD_A_TUNNEL */
	XCLOUD_A_TUNNEL,	/* nest of XCLOUD_TUNNEL_A_* */
	XCLOUD_A_ALLOWED,	/* nest of XCLOUD_A_PREFIX */
	XCLOUD_A_PREFIX,	/* nest of XCLOUD_PREFIX_A_* */
	XCLOUD_A_STATS,		/* nest of XCLOUD_STATS_A_*: device */
	XCLOUD_A_NS_STATS,	/* nest of XCLOUD_STATS_A_*: namespace */
	XCLOUD_A_DST,		/* address: ROUTE_GET do, MISS event */
	XCLOUD_A_ROUTE_COUNT,	/* u32 */
	XCLOUD_A_TUNNEL_COUNT,	/* u32 */
	/* 20: unused (no 64-bit attribute here needs a pad) */
	XCLOUD_A_REPLACE = 21,	/* flag: ROUTE_NEW replaces existing routes */
	XCLOUD_A_INGRESS,	/* u32 ifindex: IFLA_XCLOUD_INGRESS, if set */
	XCLOUD_A_SOURCE_CHECK,	/* u8: IFLA_XCLOUD_SOURCE_CHECK */
	XCLOUD_A_GATEWAYS,	/* nest of XCLOUD_A_GATEWAY: IFLA_XCLOUD_GATEWAYS */
	XCLOUD_A_GATEWAY,	/* address (underlay) */
	XCLOUD_A_MAX_ROUTES,	/* u32: IFLA_XCLOUD_MAX_ROUTES */
	XCLOUD_A_MAX_TUNNELS,	/* u32: IFLA_XCLOUD_MAX_TUNNELS */
	XCLOUD_A_MAX_ALLOWED,	/* u32: IFLA_XCLOUD_MAX_ALLOWED */
	XCLOUD_A_ALLOW_COUNT,	/* u32: allow-list prefixes */
	XCLOUD_A_PROBE_INTERVAL, /* u32 ms: IFLA_XCLOUD_PROBE_INTERVAL */
	XCLOUD_A_PROBE_MULTIPLIER, /* u8: IFLA_XCLOUD_PROBE_MULTIPLIER */
	XCLOUD_A_NHGROUPS,	/* nest of XCLOUD_A_NHGROUP */
	XCLOUD_A_NHGROUP,	/* nest of XCLOUD_NHGROUP_A_* */
	XCLOUD_A_NHGROUP_COUNT,	/* u32: next-hop groups */
	__XCLOUD_A_MAX
};

#define XCLOUD_A_MAX (__XCLOUD_A_MAX - 1)

enum xcloud_route_type {
	XCLOUD_ROUTE_UNSPEC,
	XCLOUD_ROUTE_GATEWAY,	/* VM -> its cloud's gateway(s) (first table) */
	XCLOUD_ROUTE_NODE,	/* VM -> its compute node (second table) */
	XCLOUD_ROUTE_EIP,	/* EIP -> its virtual router's node */
	__XCLOUD_ROUTE_MAX
};

#define XCLOUD_ROUTE_MAX (__XCLOUD_ROUTE_MAX - 1)

enum xcloud_route_attr {
	XCLOUD_ROUTE_A_UNSPEC,
	XCLOUD_ROUTE_A_DST,		/* address */
	XCLOUD_ROUTE_A_PREFIXLEN,	/* u8; default: host route */
	XCLOUD_ROUTE_A_TYPE,		/* u8, enum xcloud_route_type */
	XCLOUD_ROUTE_A_NEXTHOPS,	/* nest of XCLOUD_ROUTE_A_NEXTHOP */
	XCLOUD_ROUTE_A_NEXTHOP,		/* address (underlay) */
	XCLOUD_ROUTE_A_NHID,		/* u32: a next-hop group (below) */
	__XCLOUD_ROUTE_A_MAX
};

#define XCLOUD_ROUTE_A_MAX (__XCLOUD_ROUTE_A_MAX - 1)

/*
 * Next-hop groups (XCLOUD_CMD_NHGROUP_*): a device's table holds groups
 * as objects, as ip-nexthop does: an id (1..2^32-1), a route type and
 * 1..XCLOUD_MAX_NEXTHOPS members (underlay addresses, unicast, no
 * duplicates). A route names a group with XCLOUD_ROUTE_A_NHID instead of
 * XCLOUD_ROUTE_A_NEXTHOPS (one or the other); its type is the group's
 * (XCLOUD_ROUTE_A_TYPE may be given, and must then be equal). The route
 * holds the group, not a copy of its members: NHGROUP_NEW with
 * XCLOUD_A_REPLACE changes the members of every route naming the group
 * at once. Dumps show such a route with its NHID and type, without next
 * hops.
 *
 * Refusals, each with an extack message: a route naming an unknown group
 * (-ENOENT); deleting a group that routes name (-EBUSY: delete or
 * replace the routes first); changing the type of a group in use
 * (-EBUSY); an existing id without XCLOUD_A_REPLACE (-EEXIST); more than
 * XCLOUD_MAX_NHGROUPS groups on a device (-ENOSPC). Groups of two or more
 * members are probed like multi-path routes (XCLOUD_TUNNEL_F_PROBED):
 * a silent member leaves the selection of every route naming the group.
 * NHGROUP_FLUSH deletes every group no route names; if some are named,
 * they stay and it fails with -EBUSY.
 */
#define XCLOUD_MAX_NHGROUPS	65536	/* per device */

enum xcloud_nhgroup_attr {
	XCLOUD_NHGROUP_A_UNSPEC,
	XCLOUD_NHGROUP_A_ID,		/* u32, 1..U32_MAX */
	XCLOUD_NHGROUP_A_TYPE,		/* u8, enum xcloud_route_type */
	XCLOUD_NHGROUP_A_MEMBERS,	/* nest of XCLOUD_NHGROUP_A_MEMBER */
	XCLOUD_NHGROUP_A_MEMBER,	/* address (underlay) */
	XCLOUD_NHGROUP_A_ROUTES,	/* u32, read only: routes naming it */
	__XCLOUD_NHGROUP_A_MAX
};

#define XCLOUD_NHGROUP_A_MAX (__XCLOUD_NHGROUP_A_MAX - 1)

enum xcloud_tunnel_flags {
	XCLOUD_TUNNEL_F_STATIC = 1U << 0,	/* created by TUNNEL_NEW */
	XCLOUD_TUNNEL_F_EAGER = 1U << 1,	/* held by routes (eager policy) */
	XCLOUD_TUNNEL_F_PROBED = 1U << 2,	/* next hop of a multi-path set */
};

/* XCLOUD_TUNNEL_A_STATE: liveness of a probed tunnel. */
enum xcloud_tunnel_state {
	XCLOUD_TUNNEL_STATE_UNPROBED,	/* not probed (single-path only) */
	XCLOUD_TUNNEL_STATE_UP,		/* answering, or not yet timed out */
	XCLOUD_TUNNEL_STATE_DOWN,	/* silent: out of ECMP selection */
};

enum xcloud_tunnel_attr {
	XCLOUD_TUNNEL_A_UNSPEC,
	XCLOUD_TUNNEL_A_REMOTE,		/* address (underlay) */
	XCLOUD_TUNNEL_A_FLAGS,		/* u32, enum xcloud_tunnel_flags */
	XCLOUD_TUNNEL_A_ROUTE_REFS,	/* u32 */
	XCLOUD_TUNNEL_A_TX_PACKETS,	/* u64 */
	XCLOUD_TUNNEL_A_TX_BYTES,	/* u64 */
	XCLOUD_TUNNEL_A_RX_PACKETS,	/* u64 */
	XCLOUD_TUNNEL_A_RX_BYTES,	/* u64 */
	XCLOUD_TUNNEL_A_TX_ERRORS,	/* u64 */
	XCLOUD_TUNNEL_A_AGE_MS,		/* u64: time since creation */
	XCLOUD_TUNNEL_A_IDLE_MS,	/* u64: time since last packet */
	XCLOUD_TUNNEL_A_PAD,
	XCLOUD_TUNNEL_A_STATE,		/* u8, enum xcloud_tunnel_state */
	XCLOUD_TUNNEL_A_PROBES_SENT,	/* u64 */
	XCLOUD_TUNNEL_A_PROBE_REPLIES,	/* u64: replies received */
	XCLOUD_TUNNEL_A_STATE_CHANGES,	/* u64: up/down transitions */
	__XCLOUD_TUNNEL_A_MAX
};

#define XCLOUD_TUNNEL_A_MAX (__XCLOUD_TUNNEL_A_MAX - 1)

enum xcloud_prefix_attr {
	XCLOUD_PREFIX_A_UNSPEC,
	XCLOUD_PREFIX_A_ADDR,		/* address */
	XCLOUD_PREFIX_A_PREFIXLEN,	/* u8 */
	__XCLOUD_PREFIX_A_MAX
};

#define XCLOUD_PREFIX_A_MAX (__XCLOUD_PREFIX_A_MAX - 1)

/*
 * Counters, u64 each. Device counters are reported in XCLOUD_A_STATS; the
 * ones that cannot be pinned on a device (the packet is dropped before its
 * VNI is known) in XCLOUD_A_NS_STATS for the device's namespace.
 */
enum xcloud_stats_attr {
	XCLOUD_STATS_A_UNSPEC,
	XCLOUD_STATS_A_PAD,
	XCLOUD_STATS_A_TX_PACKETS,
	XCLOUD_STATS_A_TX_BYTES,
	XCLOUD_STATS_A_RX_PACKETS,
	XCLOUD_STATS_A_RX_BYTES,
	XCLOUD_STATS_A_RELAYED_PACKETS,	/* gateway: re-encapsulated */
	XCLOUD_STATS_A_RELAYED_BYTES,
	XCLOUD_STATS_A_TX_NO_ROUTE,	/* miss on transmit */
	XCLOUD_STATS_A_TX_ERRORS,	/* no underlay route, xmit failure */
	XCLOUD_STATS_A_TX_TOO_BIG,	/* ICMP frag-needed / pkt-too-big sent */
	XCLOUD_STATS_A_RX_TRUNCATED,	/* shorter than its headers */
	XCLOUD_STATS_A_RX_BAD_VERSION,	/* GENEVE version != 0 */
	XCLOUD_STATS_A_RX_BAD_PROTO,	/* payload not IPv4/IPv6 or mismatch */
	XCLOUD_STATS_A_RX_CRITICAL_OPT,	/* unknown critical option */
	XCLOUD_STATS_A_RX_UNKNOWN_VNI,	/* no device for the VNI */
	XCLOUD_STATS_A_RX_SPOOFED,	/* outer source not on allow-list */
	XCLOUD_STATS_A_RX_NO_ROUTE,	/* gateway: no route for inner dst */
	XCLOUD_STATS_A_RX_HOP_LIMIT,	/* gateway: would take a third hop */
	XCLOUD_STATS_A_MISS_EVENTS,	/* miss events sent */
	XCLOUD_STATS_A_MISS_SUPPRESSED,	/* miss events rate-limited away */
	XCLOUD_STATS_A_TUNNELS_CREATED,
	XCLOUD_STATS_A_TUNNELS_REAPED,
	XCLOUD_STATS_A_INGRESS_PACKETS,	/* tunnelled at the ingress device */
	XCLOUD_STATS_A_INGRESS_PASSED,	/* EIP-bound, left to the IP stack */
	XCLOUD_STATS_A_RX_SRC_UNROUTED,	/* edge: inner source has no route */
	XCLOUD_STATS_A_RX_SRC_MISMATCH,	/* edge: ... routed, not to the peer */
	XCLOUD_STATS_A_PROBES_ANSWERED,	/* liveness replies sent */
	XCLOUD_STATS_A_PROBES_LIMITED,	/* probes not answered: rate limit */
	XCLOUD_STATS_A_RX_BAD_PROBE,	/* OAM frames malformed or unsolicited */
	__XCLOUD_STATS_A_MAX
};

#define XCLOUD_STATS_A_MAX (__XCLOUD_STATS_A_MAX - 1)

#endif /* _UAPI_LINUX_XCLOUD_H */
