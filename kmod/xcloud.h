/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The xcloud device: one per (node, virtual network). This header is the
 * map of the module; each part has its own file and header.
 *
 *   main.c       module init/exit, per-netns state
 *   device.c     the "xcloud" link type and net_device ops
 *   socket.c     UDP sockets shared per (netns, port, family), VNI demux
 *   encap.c      GENEVE header build and parse (pure, KUnit-tested)
 *   send.c       transmit: table lookup, ECMP, encapsulation
 *   receive.c    receive: validation, allow-list, inner source check,
 *                deliver or relay
 *   ingress.c    EIP packets tunnelled at an uplink's netdev ingress hook
 *   table.c      forwarding table and allow-list: RCU longest-prefix match
 *   peer.c       tunnel peers: route cache, counters, on-demand reaping
 *   liveness.c   probes of multi-path next hops; dead ones leave ECMP
 *   netlink*.c   the generic netlink family
 *   stats.h      per-cpu counters of xcloud's own drop reasons and events
 *
 * Locking: RTNL guards device config and the device/socket lists.
 * xd->update_lock, the device's own mutex, serialises writers of table,
 * allow-list and peers: the ROUTE_*, ALLOW_* and TUNNEL_* commands and
 * their dumps take it without RTNL (netlink.c), after taking a reference
 * on the device, and give up if xd->dead is set; ndo_uninit sets it under
 * the same mutex. Lock order: RTNL, then update_lock. The data path
 * reads under RCU (BH).
 */
#ifndef _XCLOUD_H
#define _XCLOUD_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <net/gro_cells.h>
#include <net/netns/generic.h>
#include <uapi/linux/xcloud.h>

#include "addr.h"
#include "liveness.h"
#include "peer.h"
#include "source.h"
#include "stats.h"
#include "table.h"

struct xcloud_sock;

/*
 * Internal functions the KUnit module (xcloud-kunit.ko) calls are
 * exported to it, in their own namespace, only in test builds.
 */
#ifdef XCLOUD_KUNIT
#define EXPORT_SYMBOL_IF_XCLOUD_KUNIT(sym) EXPORT_SYMBOL_NS_GPL(sym, XCLOUD_KUNIT)
#else
#define EXPORT_SYMBOL_IF_XCLOUD_KUNIT(sym)
#endif

/*
 * Long-lived allocations made for a netlink request (routes, next-hop
 * sets, peers, gateways): charged to the requester's memory cgroup, and
 * at its limit they fail with -ENOMEM after reclaim instead of invoking
 * the OOM killer on the requester (which would be forced through).
 */
#define XCLOUD_GFP_ACCOUNT (GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | \
			    __GFP_NOWARN)

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

/* Per network namespace. */
struct xcloud_net {
	struct list_head devices;	/* under RTNL */
	struct list_head socks;		/* under RTNL */
	struct xcloud_stats __percpu *stats;	/* drops before VNI demux */
	u32 generation;			/* device list/config, for dumps; RTNL */
};

/*
 * Dump generations: bumped on every change and never 0, which would
 * switch off genl_dump_check_consistent().
 */
static inline void xcloud_generation_bump(u32 *gen)
{
	if (!++*gen)
		*gen = 1;
}

extern unsigned int xcloud_net_id;

static inline struct xcloud_net *xcloud_pernet(const struct net *net)
{
	return net_generic(net, xcloud_net_id);
}

/* device.c */
int xcloud_device_init(void);
void xcloud_device_uninit(void);
bool xcloud_is_dev(const struct net_device *dev);
/*
 * The device's XCLOUD_STATS_A_* counters into @c[__XCLOUD_STATS_A_MAX]:
 * xcloud's own, and packets, bytes and underlay drops from the core's
 * tunnel counters.
 */
void xcloud_dev_counters(struct net_device *dev, u64 *c);
void xcloud_net_exit_devices(struct net *net, struct list_head *kill);
void xcloud_cfg_init(struct xcloud_cfg *cfg);
int xcloud_cfg_parse(struct xcloud_cfg *cfg, struct nlattr *data[],
		     bool create, struct netlink_ext_ack *extack);
int xcloud_link_validate(struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack);
int xcloud_gateways_new(const struct nlattr *nest,
			struct xcloud_gateways **out);
int xcloud_put_gateways(struct sk_buff *skb, const struct xcloud_dev *xd,
			int nest_type, int type);

/*
 * send.c: ndo_start_xmit, the gateway's relay from the receive path and
 * the forwarding of packets taken at the ingress device
 */
netdev_tx_t xcloud_xmit(struct sk_buff *skb, struct net_device *dev);
void xcloud_relay(struct xcloud_dev *xd, struct sk_buff *skb, bool relayed,
		  __be16 entropy);
void xcloud_forward(struct xcloud_dev *xd, struct sk_buff *skb,
		    const struct xcloud_nexthops *nh);
bool xcloud_ip_dst(struct sk_buff *skb, struct xcloud_addr *dst);
int xcloud_oam_send(struct xcloud_dev *xd, const struct xcloud_addr *remote,
		    struct dst_cache *cache, const void *payload,
		    unsigned int len);

/* ingress.c */
int xcloud_ingress_init(void);
void xcloud_ingress_exit(void);
struct net_device *xcloud_ingress_resolve(struct net *net,
					  const struct nlattr *nla,
					  struct netlink_ext_ack *extack);
int xcloud_ingress_set(struct xcloud_dev *xd, struct net_device *dev);
bool xcloud_ingress_may_take(const struct sk_buff *skb, unsigned int mtu);

/* receive.c: encap_rcv of the shared UDP sockets */
int xcloud_udp_encap_recv(struct sock *sk, struct sk_buff *skb);

/* Bytes the underlay adds: outer IP + UDP + GENEVE + relayed option. */
#define XCLOUD_OVERHEAD4 (20 + 8 + 8 + 4)
#define XCLOUD_OVERHEAD6 (40 + 8 + 8 + 4)

/* netlink.c */
int xcloud_genl_init(void);
void xcloud_genl_uninit(void);

#endif /* _XCLOUD_H */
