// SPDX-License-Identifier: GPL-2.0
/*
 * Liveness probes of multi-path next hops (see liveness.h).
 *
 * Timers: one delayed work per device, every probe interval while the
 * device is up and the interval is not 0. Each round it first decides
 * every probed peer's state from the time of its last reply, then sends
 * the round's probes. A peer is down when no reply came for multiplier
 * intervals (and as long since probing started); it is up again at the
 * first round after a reply newer than the moment it went down.
 *
 * Answering: any device answers a probe for its VNI from a source its
 * allow-list accepts (the receive path checks that before handing the
 * frame here), with a reply of the same size to the outer source: no
 * amplification, and at most REPLY_RATE replies a second per device so
 * that forged probes cannot make it a reflector. Answering creates no
 * peer or other state.
 */
#include <linux/random.h>
#include <linux/udp.h>

#include "addr.h"
#include "liveness.h"
#include "netlink.h"
#include "peer.h"
#include "send.h"
#include "stats.h"
#include "xcloud.h"

/* Replies per device: 20,000 a second, bursts of 2,000. */
#define REPLY_RATE	20000
#define REPLY_BURST	2000
#define REPLY_NS	(NSEC_PER_SEC / REPLY_RATE)

static unsigned long interval_jiffies(const struct xcloud_dev *xd)
{
	return max(msecs_to_jiffies(READ_ONCE(xd->cfg.probe_interval)), 1UL);
}

/* The work, under RCU: change @peer's state, count and tell. */
static void set_down(struct xcloud_dev *xd, struct xcloud_peer *peer,
		     bool down)
{
	struct xcloud_liveness *lv = &xd->liveness;

	if (down) {
		peer->down_at = jiffies;
		/* Before the peer reads as down: see xcloud_nexthop_pick(). */
		WRITE_ONCE(lv->down_count, lv->down_count + 1);
	}
	WRITE_ONCE(peer->down, down);
	atomic64_inc(&peer->state_changes);
	xcloud_nl_tunnel_state_notify(xd, peer);
}

static void send_probe(struct xcloud_dev *xd, struct xcloud_peer *peer)
{
	struct xcloud_liveness *lv = &xd->liveness;
	struct xcloud_probe p = {
		.magic = htonl(XCLOUD_PROBE_MAGIC),
		.type = XCLOUD_PROBE_REQUEST,
		.token = { htonl(lv->token[0]), htonl(lv->token[1]) },
		.seq = htonl(lv->seq),
	};

	if (!xcloud_oam_send(xd, &peer->remote, &peer->dst_cache, &p,
			     sizeof(p)))
		atomic64_inc(&peer->probes_sent);
}

static void liveness_work(struct work_struct *work)
{
	struct xcloud_liveness *lv = container_of(to_delayed_work(work),
						  struct xcloud_liveness,
						  work);
	struct xcloud_dev *xd = container_of(lv, struct xcloud_dev, liveness);
	unsigned long ival = interval_jiffies(xd), now = jiffies, detect;
	bool on = READ_ONCE(xd->cfg.probe_interval);
	struct xcloud_peer *peer;
	u32 down = 0;

	detect = ival * READ_ONCE(xd->cfg.probe_multiplier);
	rcu_read_lock();
	list_for_each_entry_rcu(peer, &xd->peers.list, list) {
		bool probed = on && (READ_ONCE(peer->flags) &
				     XCLOUD_TUNNEL_F_PROBED);
		unsigned long heard = READ_ONCE(peer->last_reply);

		if (!probed) {
			/* Off, or no multi-path set names it any more. */
			if (peer->down)
				set_down(xd, peer, false);
			continue;
		}
		if (!peer->down && time_after(now, heard + detect) &&
		    time_after(now, READ_ONCE(lv->since) + detect))
			set_down(xd, peer, true);
		else if (peer->down && time_after(heard, peer->down_at))
			set_down(xd, peer, false);
		down += peer->down;
		local_bh_disable();
		send_probe(xd, peer);
		local_bh_enable();
	}
	rcu_read_unlock();
	/* Recounted: a peer removed while down leaves no stale count. */
	WRITE_ONCE(lv->down_count, down);
	lv->seq++;
	if (on)
		queue_delayed_work(system_power_efficient_wq, &lv->work, ival);
}

void xcloud_liveness_init(struct xcloud_dev *xd)
{
	struct xcloud_liveness *lv = &xd->liveness;

	INIT_DELAYED_WORK(&lv->work, liveness_work);
	get_random_bytes(lv->token, sizeof(lv->token));
	atomic64_set(&lv->reply_tat, 0);
}

void xcloud_liveness_start(struct xcloud_dev *xd)
{
	ASSERT_RTNL();
	WRITE_ONCE(xd->liveness.since, jiffies);
	/* Even when off: one round clears states left from before. */
	mod_delayed_work(system_power_efficient_wq, &xd->liveness.work, 0);
}

void xcloud_liveness_stop(struct xcloud_dev *xd)
{
	ASSERT_RTNL();
	cancel_delayed_work_sync(&xd->liveness.work);
}

void xcloud_liveness_changed(struct xcloud_dev *xd)
{
	ASSERT_RTNL();
	if (!netif_running(xd->dev))
		return;
	/* One more round also clears every state when turned off. */
	WRITE_ONCE(xd->liveness.since, jiffies);
	mod_delayed_work(system_power_efficient_wq, &xd->liveness.work, 0);
}

/* GCRA over ktime: may the device send one more reply now? */
static bool reply_allowed(struct xcloud_liveness *lv)
{
	s64 now = ktime_get_ns(), old, tat;

	old = atomic64_read(&lv->reply_tat);
	do {
		tat = max(old, now);
		if (tat - now > (s64)REPLY_BURST * REPLY_NS)
			return false;
	} while (!atomic64_try_cmpxchg(&lv->reply_tat, &old, tat + REPLY_NS));
	return true;
}

static bool token_ours(const struct xcloud_liveness *lv,
		       const struct xcloud_probe *p)
{
	return ntohl(p->token[0]) == lv->token[0] &&
	       ntohl(p->token[1]) == lv->token[1];
}

void xcloud_liveness_rcv(struct xcloud_dev *xd, struct sk_buff *skb,
			 const struct xcloud_addr *src, unsigned int hdrlen)
{
	struct xcloud_liveness *lv = &xd->liveness;
	unsigned int off = sizeof(struct udphdr) + hdrlen;
	struct xcloud_peer *peer;
	struct xcloud_probe p;

	if (skb_copy_bits(skb, off, &p, sizeof(p)) ||
	    p.magic != htonl(XCLOUD_PROBE_MAGIC))
		goto bad;

	switch (p.type) {
	case XCLOUD_PROBE_REQUEST:
		if (!reply_allowed(lv)) {
			xcloud_stats_inc(xd->stats,
					 XCLOUD_STATS_A_PROBES_LIMITED);
			break;
		}
		p.type = XCLOUD_PROBE_REPLY;
		if (!xcloud_oam_send(xd, src, NULL, &p, sizeof(p)))
			xcloud_stats_inc(xd->stats,
					 XCLOUD_STATS_A_PROBES_ANSWERED);
		break;
	case XCLOUD_PROBE_REPLY:
		/* Only our own probes' answers, from a peer we probe. */
		peer = xcloud_peer_lookup(&xd->peers, src);
		if (!peer || !token_ours(lv, &p))
			goto bad;
		WRITE_ONCE(peer->last_reply, jiffies);
		atomic64_inc(&peer->probe_replies);
		break;
	default:
		goto bad;
	}
	consume_skb(skb);
	return;

bad:
	xcloud_stats_inc(xd->stats, XCLOUD_STATS_A_RX_BAD_PROBE);
	kfree_skb_reason(skb, SKB_DROP_REASON_UNHANDLED_PROTO);
}
