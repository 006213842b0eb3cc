/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tunnel peers: one per remote underlay address a device talks to, with
 * its cached underlay route, counters and times. Looked up under RCU by
 * the data path; created there on demand (GFP_ATOMIC) or eagerly with the
 * routes that use them; freed after an RCU grace period.
 */
#ifndef _XCLOUD_PEER_H
#define _XCLOUD_PEER_H

#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/dst_cache.h>

#include "addr.h"

struct xcloud_dev;

struct xcloud_peer_stats {
	u64_stats_t tx_packets, tx_bytes, rx_packets, rx_bytes, tx_errors;
	struct u64_stats_sync syncp;
};

struct xcloud_peer {
	struct rhash_head node;		/* xcloud_peers::ht */
	struct list_head list;		/* xcloud_peers::list, for dumps */
	struct xcloud_addr remote;
	struct dst_cache dst_cache;
	struct xcloud_peer_stats __percpu *stats;
	u32 flags;			/* XCLOUD_TUNNEL_F_* */
	u32 route_refs;			/* next-hop sets holding it (eager) */
	unsigned long created;		/* jiffies */
	unsigned long last_used;	/* jiffies, written racily */
	struct rcu_head rcu;
};

struct xcloud_peers {
	struct xcloud_dev *xd;
	spinlock_t lock;		/* writers; BH-safe, datapath creates */
	struct rhashtable ht;
	struct list_head list;
	u32 count;
	u32 generation;			/* for consistent dumps */
	struct delayed_work reaper;	/* on-demand idle reaping */
};

int xcloud_peers_init(struct xcloud_peers *peers, struct xcloud_dev *xd);
/* Frees every peer; the device is down and the reaper stopped. */
void xcloud_peers_destroy(struct xcloud_peers *peers);

/* RCU read side. */
struct xcloud_peer *xcloud_peer_lookup(struct xcloud_peers *peers,
				       const struct xcloud_addr *remote);
/* RCU read side, BH: on-demand creation at the first packet. */
struct xcloud_peer *xcloud_peer_lookup_create(struct xcloud_peers *peers,
					      const struct xcloud_addr *remote);

#endif /* _XCLOUD_PEER_H */
