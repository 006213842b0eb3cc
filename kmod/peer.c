// SPDX-License-Identifier: GPL-2.0
/*
 * Tunnel peers: one per remote underlay address.
 *
 * Locking: peers->lock (BH-safe spinlock) serialises every change of the
 * hash table, the list, the flags and route_refs, because the data path
 * creates peers in softirq. The data path looks peers up under RCU and a
 * removed peer is freed after a grace period. TUNNEL_* commands and the
 * table ops also hold the device's update_lock, which keeps route_refs
 * consistent with the route table.
 *
 * A peer is removed by exactly one of: the reaper (idle, neither static
 * nor held by routes), TUNNEL_DEL, the last next-hop set dropping it
 * (eager, or probed: a multi-path set names it in either policy) or
 * xcloud_peers_destroy(). peer_unlink() marks it removed under
 * the lock, so whoever comes second sees that and leaves it alone.
 */
#include <linux/jhash.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "addr.h"
#include "common.h"
#include "netlink.h"
#include "peer.h"
#include "stats.h"
#include "table.h"
#include "xcloud.h"

/*
 * Hash and compare only the address's own bytes: every packet looks a
 * peer up (twice on a gateway), and jhash plus memcmp over the whole
 * 20-byte key cost more than the rest of the lookup.
 */
static u32 peer_hashfn(const void *data, u32 len, u32 seed)
{
	const struct xcloud_addr *a = data;

	if (a->family == AF_INET)
		return jhash_1word((__force u32)a->ip4, seed);
	return jhash2((const u32 *)a->ip6.s6_addr32, 4, seed ^ AF_INET6);
}

static int peer_cmpfn(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct xcloud_peer *peer = obj;

	/* 0 for a match, as memcmp() */
	return !xcloud_addr_equal(arg->key, &peer->remote);
}

static const struct rhashtable_params peer_params = {
	.head_offset = offsetof(struct xcloud_peer, node),
	.key_offset = offsetof(struct xcloud_peer, remote),
	.key_len = sizeof(struct xcloud_addr),
	.hashfn = peer_hashfn,
	.obj_cmpfn = peer_cmpfn,
	.automatic_shrinking = true,
};

static struct xcloud_peer *peer_alloc(const struct xcloud_addr *a, gfp_t gfp)
{
	struct xcloud_peer *peer = kzalloc(sizeof(*peer), gfp);

	if (!peer)
		return NULL;
	peer->stats = alloc_percpu_gfp(struct xcloud_peer_stats, gfp);
	if (!peer->stats)
		goto err_peer;
	if (dst_cache_init(&peer->dst_cache, gfp))
		goto err_stats;
	/* stored clean (bytes past an IPv4 address zero) for the dumps */
	if (a->family == AF_INET)
		xcloud_addr_set4(&peer->remote, a->ip4);
	else
		xcloud_addr_set6(&peer->remote, &a->ip6);
	peer->created = get_jiffies_64();
	peer->last_used = (unsigned long)peer->created;
	peer->last_reply = peer->last_used;
	peer->down_at = peer->last_used;
	atomic64_set(&peer->probes_sent, 0);
	atomic64_set(&peer->probe_replies, 0);
	atomic64_set(&peer->state_changes, 0);
	return peer;

err_stats:
	free_percpu(peer->stats);
err_peer:
	kfree(peer);
	return NULL;
}

static void peer_free(struct xcloud_peer *peer)
{
	dst_cache_destroy(&peer->dst_cache);
	free_percpu(peer->stats);
	kfree(peer);
}

static void peer_free_rcu(struct rcu_head *rcu)
{
	peer_free(container_of(rcu, struct xcloud_peer, rcu));
}

static unsigned long reaper_interval(const struct xcloud_peers *peers)
{
	unsigned long t = READ_ONCE(peers->xd->cfg.idle_timeout) * HZ;

	/* A quarter of the timeout: a peer lives at most 1.25x its idle. */
	return clamp(t / 4, (unsigned long)HZ / 4, 60UL * HZ);
}

static void peer_unlink(struct xcloud_peers *peers, struct xcloud_peer *peer)
{
	lockdep_assert_held(&peers->lock);
	rhashtable_remove_fast(&peers->ht, &peer->node, peer_params);
	list_del_rcu(&peer->list);
	peer->removed = true;
	WRITE_ONCE(peers->count, peers->count - 1);
	xcloud_generation_bump(&peers->generation);
}

/* Under rcu_read_lock() or update_lock: @peer may be removed, not freed. */
static void peer_notify(struct xcloud_peers *peers, struct xcloud_peer *peer,
			u8 cmd)
{
	xcloud_nl_tunnel_notify(peers->xd, peer, cmd);
}

static void peer_created(struct xcloud_peers *peers, struct xcloud_peer *peer)
{
	xcloud_stats_inc(peers->xd->stats, XCLOUD_STATS_A_TUNNELS_CREATED);
	peer_notify(peers, peer, XCLOUD_CMD_TUNNEL_NEW);
}

/*
 * What the control plane holds a peer by, applied under peers->lock so
 * that the reaper, which only takes peers with no flags, cannot free it
 * between lookup and claim.
 */
struct peer_claim {
	u32 flags;		/* XCLOUD_TUNNEL_F_* to set */
	bool route_ref;		/* one more next-hop set holds it */
	bool probe_ref;		/* one more multi-path set names it */
};

static void peer_apply_claim(struct xcloud_peers *peers,
			     struct xcloud_peer *peer,
			     const struct peer_claim *claim)
{
	lockdep_assert_held(&peers->lock);
	if (!claim)
		return;
	/* Newly probed: a full detection time before it can be down. */
	if (claim->flags & ~peer->flags & XCLOUD_TUNNEL_F_PROBED)
		WRITE_ONCE(peer->last_reply, jiffies);
	WRITE_ONCE(peer->flags, peer->flags | claim->flags);
	if (claim->route_ref)
		peer->route_refs++;
	if (claim->probe_ref)
		peer->probe_refs++;
	xcloud_generation_bump(&peers->generation);
}

/* The most peers the device may hold: its max_tunnels, or @cap. */
static u32 peers_limit(const struct xcloud_peers *peers, u32 cap)
{
	return min(READ_ONCE(peers->xd->cfg.max_tunnels), cap);
}

/*
 * Insert @new unless a peer for its address exists, and apply @claim
 * (may be NULL) to whichever is in the table. Returns that peer (@new is
 * freed if it lost), ERR_PTR(-ENOSPC) if @limit peers exist, or NULL if
 * the device is going away or the hash table cannot grow. *@created
 * tells whether @new went in.
 */
static struct xcloud_peer *peer_insert(struct xcloud_peers *peers,
				       struct xcloud_peer *new,
				       const struct peer_claim *claim,
				       u32 limit, bool *created)
{
	struct xcloud_peer *old;

	*created = false;
	spin_lock_bh(&peers->lock);
	if (peers->dead) {
		old = NULL;
		goto free;
	}
	old = rhashtable_lookup_fast(&peers->ht, &new->remote, peer_params);
	if (old) {
		peer_apply_claim(peers, old, claim);
		goto free;
	}
	if (peers->count >= limit) {
		old = ERR_PTR(-ENOSPC);
		goto free;
	}
	old = rhashtable_lookup_get_insert_fast(&peers->ht, &new->node,
						peer_params);
	if (IS_ERR(old)) {
		old = NULL;
		goto free;
	}
	/* Writers hold peers->lock: nobody inserted it since the lookup. */
	if (WARN_ON_ONCE(old)) {
		peer_apply_claim(peers, old, claim);
		goto free;
	}
	list_add_tail_rcu(&new->list, &peers->list);
	WRITE_ONCE(peers->count, peers->count + 1);
	xcloud_generation_bump(&peers->generation);
	peer_apply_claim(peers, new, claim);
	/* A no-op while pending; re-armed by the reaper itself. */
	queue_delayed_work(system_power_efficient_wq, &peers->reaper,
			   reaper_interval(peers));
	spin_unlock_bh(&peers->lock);
	*created = true;
	return new;

free:
	spin_unlock_bh(&peers->lock);
	peer_free(new);		/* never visible to readers */
	return old;
}

struct xcloud_peer *xcloud_peer_lookup(struct xcloud_peers *peers,
				       const struct xcloud_addr *remote)
{
	return rhashtable_lookup(&peers->ht, remote, peer_params);
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_peer_lookup);

/* Writers are excluded by the lock; the table's accessors still want RCU. */
struct xcloud_peer *xcloud_peer_lookup_locked(struct xcloud_peers *peers,
					      const struct xcloud_addr *remote)
{
	lockdep_assert_held(&peers->lock);
	return rhashtable_lookup_fast(&peers->ht, remote, peer_params);
}

static struct xcloud_peer *lookup_create(struct xcloud_peers *peers,
					 const struct xcloud_addr *remote,
					 unsigned int limit)
{
	struct xcloud_peer *peer, *new;
	bool created;

	peer = rhashtable_lookup(&peers->ht, remote, peer_params);
	if (likely(peer))
		return peer;
	if (READ_ONCE(peers->count) >= limit)
		return NULL;

	new = peer_alloc(remote, GFP_ATOMIC);
	if (!new)
		return NULL;
	peer = peer_insert(peers, new, NULL, limit, &created);
	if (IS_ERR(peer))
		return NULL;
	if (created)
		peer_created(peers, peer);
	return peer;
}

struct xcloud_peer *xcloud_peer_lookup_create(struct xcloud_peers *peers,
					      const struct xcloud_addr *remote)
{
	/* Transmit: the next hops the routes name, up to max_tunnels. */
	return lookup_create(peers, remote, peers_limit(peers, U32_MAX));
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_peer_lookup_create);

struct xcloud_peer *xcloud_peer_lookup_create_rx(struct xcloud_peers *peers,
						 const struct xcloud_addr *src)
{
	return lookup_create(peers, src,
			     peers_limit(peers, XCLOUD_RX_PEERS_MAX));
}

/*
 * Under update_lock: find or create @remote and apply @claim to it. The
 * claimed peer stays until the control plane (holding update_lock)
 * releases it, so it may be used after peers->lock is dropped. A new
 * peer is charged to the requester's memory cgroup. Returns the peer or
 * an ERR_PTR, with a message in @extack.
 */
static struct xcloud_peer *peer_get_claimed(struct xcloud_peers *peers,
					    const struct xcloud_addr *remote,
					    const struct peer_claim *claim,
					    bool *created,
					    struct netlink_ext_ack *extack)
{
	struct xcloud_peer *peer, *new;

	lockdep_assert_held(&peers->xd->update_lock);
	*created = false;
	spin_lock_bh(&peers->lock);
	peer = rhashtable_lookup_fast(&peers->ht, remote, peer_params);
	if (peer)
		peer_apply_claim(peers, peer, claim);
	spin_unlock_bh(&peers->lock);
	if (peer)
		return peer;
	new = peer_alloc(remote, XCLOUD_GFP_ACCOUNT);
	if (!new) {
		NL_SET_ERR_MSG(extack,
			       "out of memory for the tunnel (memory cgroup limit?)");
		return ERR_PTR(-ENOMEM);
	}
	peer = peer_insert(peers, new, claim,
			   peers_limit(peers, U32_MAX), created);
	if (IS_ERR(peer)) {
		NL_SET_ERR_MSG(extack,
			       "tunnel limit reached (the device's max-tunnels)");
		return peer;
	}
	if (!peer) {
		NL_SET_ERR_MSG(extack, "cannot create tunnel");
		return ERR_PTR(-ENOMEM);
	}
	return peer;
}

int xcloud_peer_add_static(struct xcloud_peers *peers,
			   const struct xcloud_addr *remote,
			   struct netlink_ext_ack *extack)
{
	static const struct peer_claim claim = {
		.flags = XCLOUD_TUNNEL_F_STATIC,
	};
	struct xcloud_peer *peer;
	bool created;

	peer = peer_get_claimed(peers, remote, &claim, &created, extack);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	if (created)
		peer_created(peers, peer);
	return 0;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_peer_add_static);

int xcloud_peer_del(struct xcloud_peers *peers,
		    const struct xcloud_addr *remote,
		    struct netlink_ext_ack *extack)
{
	struct xcloud_peer *peer;

	lockdep_assert_held(&peers->xd->update_lock);
	spin_lock_bh(&peers->lock);
	peer = rhashtable_lookup_fast(&peers->ht, remote, peer_params);
	if (!peer) {
		spin_unlock_bh(&peers->lock);
		NL_SET_ERR_MSG(extack, "no such tunnel");
		return -ENOENT;
	}
	if (peer->route_refs || peer->probe_refs) {
		spin_unlock_bh(&peers->lock);
		NL_SET_ERR_MSG(extack, "tunnel is used by routes");
		return -EBUSY;
	}
	peer_unlink(peers, peer);
	spin_unlock_bh(&peers->lock);
	/* update_lock is a mutex: enter RCU so the peer stays for the event */
	rcu_read_lock();
	peer_notify(peers, peer, XCLOUD_CMD_TUNNEL_DEL);
	rcu_read_unlock();
	call_rcu(&peer->rcu, peer_free_rcu);
	return 0;
}

bool xcloud_peer_down(struct xcloud_peers *peers,
		      const struct xcloud_addr *remote)
{
	struct xcloud_peer *peer;

	peer = xcloud_peer_lookup(peers, remote);
	return peer && READ_ONCE(peer->down);
}

void xcloud_peer_read_stats(const struct xcloud_peer *peer,
			    struct xcloud_peer_counters *out)
{
	int cpu;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(cpu) {
		const struct xcloud_peer_stats *s = per_cpu_ptr(peer->stats, cpu);
		u64 txp, txb, rxp, rxb, txe;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			txp = u64_stats_read(&s->tx_packets);
			txb = u64_stats_read(&s->tx_bytes);
			rxp = u64_stats_read(&s->rx_packets);
			rxb = u64_stats_read(&s->rx_bytes);
			txe = u64_stats_read(&s->tx_errors);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		out->tx_packets += txp;
		out->tx_bytes += txb;
		out->rx_packets += rxp;
		out->rx_bytes += rxb;
		out->tx_errors += txe;
	}
}

void xcloud_peer_times(const struct xcloud_peer *peer, u64 now,
		       u64 *age_ms, u64 *idle_ms)
{
	unsigned long idle = (unsigned long)now - READ_ONCE(peer->last_used);

	*age_ms = jiffies64_to_msecs(now - peer->created);
	*idle_ms = jiffies64_to_msecs(idle);
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_peer_times);

/* Removes on-demand peers idle longer than the device's idle timeout. */
static void peer_reaper(struct work_struct *work)
{
	struct xcloud_peers *peers = container_of(to_delayed_work(work),
						  struct xcloud_peers, reaper);
	unsigned long idle = READ_ONCE(peers->xd->cfg.idle_timeout) * HZ;
	struct xcloud_peer *peer;
	bool rearm;

	rcu_read_lock();
	list_for_each_entry_rcu(peer, &peers->list, list) {
		if (READ_ONCE(peer->flags) ||
		    time_before(jiffies, READ_ONCE(peer->last_used) + idle))
			continue;
		spin_lock_bh(&peers->lock);
		/* Recheck: it may have become static or been removed. */
		if (peer->removed || peer->flags) {
			spin_unlock_bh(&peers->lock);
			continue;
		}
		peer_unlink(peers, peer);
		spin_unlock_bh(&peers->lock);
		xcloud_stats_inc(peers->xd->stats,
				 XCLOUD_STATS_A_TUNNELS_REAPED);
		peer_notify(peers, peer, XCLOUD_CMD_TUNNEL_DEL);
		call_rcu(&peer->rcu, peer_free_rcu);
	}
	rcu_read_unlock();

	/* Keep running while on-demand peers remain; creation re-arms. */
	spin_lock_bh(&peers->lock);
	rearm = false;
	list_for_each_entry(peer, &peers->list, list) {
		if (!peer->flags) {
			rearm = true;
			break;
		}
	}
	if (rearm && !peers->dead)
		queue_delayed_work(system_power_efficient_wq, &peers->reaper,
				   reaper_interval(peers));
	spin_unlock_bh(&peers->lock);
}

int xcloud_peers_init(struct xcloud_peers *peers, struct xcloud_dev *xd)
{
	int err;

	memset(peers, 0, sizeof(*peers));
	peers->xd = xd;
	peers->generation = 1;
	spin_lock_init(&peers->lock);
	INIT_LIST_HEAD(&peers->list);
	INIT_DELAYED_WORK(&peers->reaper, peer_reaper);
	err = rhashtable_init(&peers->ht, &peer_params);
	return err;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_peers_init);

void xcloud_peers_destroy(struct xcloud_peers *peers)
{
	struct xcloud_peer *peer, *tmp;

	/* No new peers, no re-arming; then wait out a running reaper. */
	spin_lock_bh(&peers->lock);
	peers->dead = true;
	spin_unlock_bh(&peers->lock);
	cancel_delayed_work_sync(&peers->reaper);

	spin_lock_bh(&peers->lock);
	list_for_each_entry_safe(peer, tmp, &peers->list, list) {
		peer_unlink(peers, peer);
		call_rcu(&peer->rcu, peer_free_rcu);
	}
	spin_unlock_bh(&peers->lock);
	rhashtable_destroy(&peers->ht);
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_peers_destroy);

/* ---- eager tunnels: peers follow the next-hop sets of the routes ---- */

/* Undo @claim (route and probe references) on @remote's peer. */
static void peer_release(struct xcloud_peers *peers,
			 const struct xcloud_addr *remote,
			 const struct peer_claim *claim)
{
	struct xcloud_peer *peer;
	bool dropped = false, gone = false;

	spin_lock_bh(&peers->lock);
	peer = rhashtable_lookup_fast(&peers->ht, remote, peer_params);
	if (peer && claim->route_ref && peer->route_refs &&
	    !--peer->route_refs) {
		WRITE_ONCE(peer->flags, peer->flags & ~XCLOUD_TUNNEL_F_EAGER);
		dropped = true;
	}
	if (peer && claim->probe_ref && peer->probe_refs &&
	    !--peer->probe_refs) {
		WRITE_ONCE(peer->flags, peer->flags & ~XCLOUD_TUNNEL_F_PROBED);
		dropped = true;
	}
	if (dropped) {
		xcloud_generation_bump(&peers->generation);
		/* Nothing holds it any more: it goes with its last holder. */
		if (!peer->flags) {
			peer_unlink(peers, peer);
			gone = true;
		}
	}
	spin_unlock_bh(&peers->lock);
	if (gone) {
		rcu_read_lock();
		peer_notify(peers, peer, XCLOUD_CMD_TUNNEL_DEL);
		rcu_read_unlock();
		call_rcu(&peer->rcu, peer_free_rcu);
	}
}

/*
 * What a next-hop set holds its peers by: eager devices hold every
 * next hop; a set of two or more holds them for probing, whatever the
 * policy. Both depend only on things fixed while the set exists (the
 * policy changes only without routes), so new and del stay balanced.
 */
static void nexthops_claim(const struct xcloud_dev *xd,
			   const struct xcloud_nexthops *nh,
			   struct peer_claim *claim)
{
	memset(claim, 0, sizeof(*claim));
	if (xd->cfg.tunnels == XCLOUD_TUNNELS_EAGER) {
		claim->flags |= XCLOUD_TUNNEL_F_EAGER;
		claim->route_ref = true;
	}
	if (nh->count > 1) {
		claim->flags |= XCLOUD_TUNNEL_F_PROBED;
		claim->probe_ref = true;
	}
}

static int peer_nexthops_new(struct xcloud_table *t,
			     const struct xcloud_nexthops *nh,
			     struct netlink_ext_ack *extack)
{
	struct xcloud_dev *xd = t->priv;
	struct xcloud_peers *peers = &xd->peers;
	struct xcloud_peer *peer;
	struct peer_claim claim;
	unsigned int i;

	lockdep_assert_held(&xd->update_lock);
	nexthops_claim(xd, nh, &claim);
	if (!claim.flags)
		return 0;

	for (i = 0; i < nh->count; i++) {
		bool created;

		peer = peer_get_claimed(peers, &nh->addr[i], &claim, &created,
					extack);
		if (IS_ERR(peer))
			goto unwind;
		if (created)
			peer_created(peers, peer);
	}
	return 0;

unwind:
	while (i--)
		peer_release(peers, &nh->addr[i], &claim);
	return PTR_ERR(peer);
}

static void peer_nexthops_del(struct xcloud_table *t,
			      const struct xcloud_nexthops *nh)
{
	struct xcloud_dev *xd = t->priv;
	struct peer_claim claim;
	unsigned int i;

	lockdep_assert_held(&xd->update_lock);
	nexthops_claim(xd, nh, &claim);
	if (!claim.flags)
		return;
	for (i = 0; i < nh->count; i++)
		peer_release(&xd->peers, &nh->addr[i], &claim);
}

const struct xcloud_table_ops xcloud_peer_table_ops = {
	.nexthops_new = peer_nexthops_new,
	.nexthops_del = peer_nexthops_del,
};
