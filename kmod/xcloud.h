/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The xcloud device: one per (node, virtual network). This header holds
 * the state the units share and nothing else: a device's (struct
 * xcloud_dev, with the per-device state of its peers and liveness that
 * it embeds), a network namespace's (struct xcloud_net, main.c) and a
 * shared UDP socket's (struct xcloud_sock, socket.c). Nearly every unit
 * reaches its own part through the device, and the units call each
 * other: were these structs in the units' headers, those headers would
 * include each other in a circle. Here, as data with no functions, they
 * depend only on addr.h and table.h, and every unit's own header
 * declares what that unit exports:
 *
 *   common.h     conventions: KUnit exports, request allocations, dump
 *                generations
 *   device.h     the "xcloud" link type and net_device ops (device.c)
 *   socket.h     UDP sockets shared per (netns, port, family), VNI demux
 *   encap.h      GENEVE header build and parse (pure, KUnit-tested)
 *   send.h       transmit and the gateway's relay: table lookup, ECMP,
 *                encapsulation (send.c)
 *   relay.h      the two-hop rule of the relay (pure, KUnit-tested)
 *   miss.h       MISS events of unrouted destinations, rate-limited
 *   receive.h    receive: validation, allow-list, inner source check,
 *                deliver or relay (receive.c)
 *   source.h     the inner source check (pure, KUnit-tested)
 *   ingress.h    EIP packets taken at an uplink's netdev ingress hook
 *                and forwarded into the tunnel (ingress.c)
 *   table.h      forwarding table and allow-list: RCU longest-prefix match
 *   peer.h       tunnel peers: route cache, counters, on-demand reaping
 *   liveness.h   probes of multi-path next hops; dead ones leave ECMP
 *   netlink.h    the generic netlink family: init and the events other
 *                units send; netlink_family.h is its commands' own
 *   stats.h      per-cpu counters of xcloud's own drop reasons and events
 *   addr.h       underlay and inner addresses of either family
 *
 * Locking: RTNL guards device config and the device/socket lists.
 * xd->update_lock, the device's own mutex, serialises writers of table,
 * allow-list and peers: the ROUTE_*, ALLOW_* and TUNNEL_* commands and
 * their dumps take it without RTNL (netlink*.c), after taking a reference
 * on the device, and give up if xd->dead is set; ndo_uninit sets it under
 * the same mutex. Lock order: RTNL, then update_lock. The data path
 * reads under RCU (BH).
 */
#ifndef _XCLOUD_H
#define _XCLOUD_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/gro_cells.h>
#include <net/netns/generic.h>

#include "addr.h"
#include "table.h"

struct xcloud_gateways;
struct xcloud_stats;

/* The device's tunnel peers (peer.c). */
struct xcloud_peers {
	struct xcloud_dev *xd;
	spinlock_t lock;		/* writers; BH-safe, datapath creates */
	struct rhashtable ht;
	struct list_head list;
	u32 count;
	u32 generation;			/* for consistent dumps, never 0 */
	bool dead;			/* device going away: no new peers */
	struct delayed_work reaper;	/* on-demand idle reaping */
};

/* The device's probes of multi-path next hops (liveness.c). */
struct xcloud_liveness {
	struct delayed_work work;	/* runs while the device is up */
	u32 token[2];			/* random; replies echo it */
	u32 seq;			/* of the next round, work only */
	unsigned long since;		/* jiffies probing (re)started */
	u32 down_count;			/* peers down, work only; read racily */
	atomic64_t reply_tat;		/* GCRA of replies sent, ns */
};

/*
 * A UDP socket, one per (netns, port, family), shared by every device of
 * the namespace on that port (socket.c); received packets find their
 * device by VNI.
 */
struct xcloud_sock {
	struct list_head list;		/* xcloud_net::socks, under RTNL */
	struct socket *sock;
	__be16 port;
	u16 family;
	unsigned int users;		/* devices bound, under RTNL */
	DECLARE_HASHTABLE(vni_hash, 8);	/* devices by VNI, RCU readers */
	struct rcu_head rcu;
};

struct xcloud_cfg {
	u32 vni;
	__be16 port;
	struct xcloud_addr local;	/* family 0: chosen by the route */
	u8 mode;			/* enum xcloud_mode */
	u8 tunnels;			/* enum xcloud_tunnel_policy */
	u32 idle_timeout;		/* seconds */
	u8 source_check;		/* IFLA_XCLOUD_SOURCE_CHECK, 0 or 1 */
	u32 max_routes;			/* IFLA_XCLOUD_MAX_*; update_lock too */
	u32 max_tunnels;
	u32 max_allowed;
	u32 probe_interval;		/* ms, 0: off; read by the probe work */
	u8 probe_multiplier;
};

struct xcloud_dev {
	struct net_device *dev;
	struct net *net;
	struct list_head list;		/* xcloud_net::devices, under RTNL */
	struct xcloud_cfg cfg;		/* under RTNL; read by datapath */

	/* Sockets exist while the device is up; set/cleared under RTNL. */
	struct xcloud_sock __rcu *sock4;
	struct xcloud_sock __rcu *sock6;
	struct hlist_node vni_node4;	/* xcloud_sock::vni_hash */
	struct hlist_node vni_node6;

	struct mutex update_lock;	/* writers of routes, allowed, peers */
	bool dead;			/* unregistering; under update_lock */
	struct xcloud_table routes;
	struct xcloud_table allowed;	/* empty: none, or all (check off) */
	struct xcloud_peers peers;
	/* Own cloud's gateways; replaced under RTNL, read under RCU. */
	struct xcloud_gateways __rcu *gateways;

	/* Set with the hook registered on it, under RTNL (ingress.c). */
	struct net_device *ingress;
	struct nf_hook_ops ingress_ops;

	struct xcloud_liveness liveness;

	struct gro_cells gro_cells;
	struct xcloud_stats __percpu *stats;
	unsigned long miss_next;	/* jiffies; miss event rate limit */
};

/* The link type (device.c): a device is an xcloud device if it has it. */
extern struct rtnl_link_ops xcloud_link_ops;

static inline bool xcloud_is_dev(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &xcloud_link_ops;
}

/* Per network namespace. */
struct xcloud_net {
	struct list_head devices;	/* under RTNL */
	struct list_head socks;		/* under RTNL */
	struct xcloud_stats __percpu *stats;	/* drops before VNI demux */
	u32 generation;			/* device list/config, for dumps; RTNL */
};

extern unsigned int xcloud_net_id;

static inline struct xcloud_net *xcloud_pernet(const struct net *net)
{
	return net_generic(net, xcloud_net_id);
}

/* The device bound to @vni on @xs, under rcu_read_lock(); NULL if none. */
static inline struct xcloud_dev *
xcloud_sock_lookup_vni(struct xcloud_sock *xs, u32 vni)
{
	struct xcloud_dev *xd;

	if (xs->family == AF_INET) {
		hash_for_each_possible_rcu(xs->vni_hash, xd, vni_node4, vni)
			if (READ_ONCE(xd->cfg.vni) == vni)
				return xd;
	} else {
		hash_for_each_possible_rcu(xs->vni_hash, xd, vni_node6, vni)
			if (READ_ONCE(xd->cfg.vni) == vni)
				return xd;
	}
	return NULL;
}

#endif /* _XCLOUD_H */
