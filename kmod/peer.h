/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tunnel peers: one per remote underlay address a device talks to, with
 * its cached underlay route, counters and times. Looked up under RCU by
 * the data path; created there on demand (GFP_ATOMIC) or eagerly with the
 * routes that use them; freed after an RCU grace period.
 */
#ifndef _XCLOUD_PEER_H
#define _XCLOUD_PEER_H

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable-types.h>
#include <linux/u64_stats_sync.h>
#include <net/dst_cache.h>

#include "addr.h"

struct netlink_ext_ack;
struct sk_buff;
struct xcloud_dev;
struct xcloud_peers;

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
	u32 flags;			/* XCLOUD_TUNNEL_F_*, peers::lock */
	u32 route_refs;			/* next-hop sets holding it (eager) */
	u32 probe_refs;			/* multi-path sets naming it; lock */
	bool removed;			/* unhashed, freed after RCU; lock */
	u64 created;			/* get_jiffies_64() */
	unsigned long last_used;	/* jiffies, written racily */

	/* Liveness (liveness.c): state written by the probe work only. */
	bool down;			/* out of ECMP selection */
	unsigned long down_at;		/* jiffies it went down */
	unsigned long last_reply;	/* jiffies, written by receive */
	atomic64_t probes_sent;
	atomic64_t probe_replies;
	atomic64_t state_changes;
	struct rcu_head rcu;
};

/*
 * Forwarding-table hooks of the device's route table: in eager mode the
 * peers of a next-hop set exist as long as the set (route_refs).
 */
struct xcloud_table_ops;
extern const struct xcloud_table_ops xcloud_peer_table_ops;

int xcloud_peers_init(struct xcloud_peers *peers, struct xcloud_dev *xd);
/* Frees every peer; the device is down and the reaper stopped. */
void xcloud_peers_destroy(struct xcloud_peers *peers);

/* RCU read side. */
struct xcloud_peer *xcloud_peer_lookup(struct xcloud_peers *peers,
				       const struct xcloud_addr *remote);
/* Under peers->lock. */
struct xcloud_peer *xcloud_peer_lookup_locked(struct xcloud_peers *peers,
					      const struct xcloud_addr *remote);
/* RCU read side, BH: on-demand creation at the first packet. */
struct xcloud_peer *xcloud_peer_lookup_create(struct xcloud_peers *peers,
					      const struct xcloud_addr *remote);

/*
 * RCU read side, BH: the peer of an outer source whose packet passed
 * every check (header, VNI, allow-list), created as an on-demand peer so
 * its receive counters exist. Creation stops at XCLOUD_RX_PEERS_MAX
 * peers: beyond it a flood of forged sources costs lookups, not memory.
 */
#define XCLOUD_RX_PEERS_MAX 4096
struct xcloud_peer *xcloud_peer_lookup_create_rx(struct xcloud_peers *peers,
						 const struct xcloud_addr *src);

/*
 * TUNNEL_NEW: find or create @remote and mark it static; update_lock.
 * Creation beyond the device's max_tunnels is -ENOSPC, as is that of an
 * eager peer for a route.
 */
int xcloud_peer_add_static(struct xcloud_peers *peers,
			   const struct xcloud_addr *remote,
			   struct netlink_ext_ack *extack);
/* TUNNEL_DEL: remove @remote unless routes hold it; update_lock. */
int xcloud_peer_del(struct xcloud_peers *peers,
		    const struct xcloud_addr *remote,
		    struct netlink_ext_ack *extack);

/*
 * The peer of @remote is known to be down (liveness.c): ECMP leaves it
 * out. RCU read side.
 */
bool xcloud_peer_down(struct xcloud_peers *peers,
		      const struct xcloud_addr *remote);

/* Summed per-cpu counters, for dumps. */
struct xcloud_peer_counters {
	u64 tx_packets, tx_bytes, rx_packets, rx_bytes, tx_errors;
};

void xcloud_peer_read_stats(const struct xcloud_peer *peer,
			    struct xcloud_peer_counters *out);

/*
 * Age and idle time in milliseconds at @now (get_jiffies_64()), in 64
 * bits: jiffies_to_msecs() is 32 bits and wraps after 49.7 days.
 */
void xcloud_peer_times(const struct xcloud_peer *peer, u64 now,
		       u64 *age_ms, u64 *idle_ms);

static inline void xcloud_peer_touch(struct xcloud_peer *peer)
{
	unsigned long now = jiffies;

	/* Racy by design; skip the store to keep the line shared. */
	if (READ_ONCE(peer->last_used) != now)
		WRITE_ONCE(peer->last_used, now);
}

static inline void xcloud_peer_count_tx(struct xcloud_peer *peer,
					unsigned int len)
{
	struct xcloud_peer_stats *s = get_cpu_ptr(peer->stats);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&s->syncp);
	u64_stats_inc(&s->tx_packets);
	u64_stats_add(&s->tx_bytes, len);
	u64_stats_update_end_irqrestore(&s->syncp, flags);
	put_cpu_ptr(peer->stats);
}

static inline void xcloud_peer_count_rx(struct xcloud_peer *peer,
					unsigned int len)
{
	struct xcloud_peer_stats *s = get_cpu_ptr(peer->stats);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&s->syncp);
	u64_stats_inc(&s->rx_packets);
	u64_stats_add(&s->rx_bytes, len);
	u64_stats_update_end_irqrestore(&s->syncp, flags);
	put_cpu_ptr(peer->stats);
}

static inline void xcloud_peer_count_tx_error(struct xcloud_peer *peer)
{
	struct xcloud_peer_stats *s = get_cpu_ptr(peer->stats);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&s->syncp);
	u64_stats_inc(&s->tx_errors);
	u64_stats_update_end_irqrestore(&s->syncp, flags);
	put_cpu_ptr(peer->stats);
}

#endif /* _XCLOUD_PEER_H */
