/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Liveness of the next hops of multi-path routes, in the style of BFD:
 * a device probes each peer that a next-hop set of two or more members
 * names (XCLOUD_TUNNEL_F_PROBED) every probe interval with a GENEVE OAM
 * frame; the remote device of the same VNI answers. A peer unheard for
 * multiplier intervals is down and left out of ECMP selection until an
 * answer comes back.
 *
 * One writer of the state: the device's probe work decides up and down
 * (and sends the events); the receive path only records when a reply came.
 */
#ifndef _XCLOUD_LIVENESS_H
#define _XCLOUD_LIVENESS_H

#include <linux/atomic.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>

#include "addr.h"

struct xcloud_dev;
struct xcloud_peer;

struct xcloud_liveness {
	struct delayed_work work;	/* runs while the device is up */
	u32 token[2];			/* random; replies echo it */
	u32 seq;			/* of the next round, work only */
	unsigned long since;		/* jiffies probing (re)started */
	u32 down_count;			/* peers down, work only; read racily */
	atomic64_t reply_tat;		/* GCRA of replies sent, ns */
};

void xcloud_liveness_init(struct xcloud_dev *xd);
/* Under RTNL: the device came up, went down, or its timers changed. */
void xcloud_liveness_start(struct xcloud_dev *xd);
void xcloud_liveness_stop(struct xcloud_dev *xd);
void xcloud_liveness_changed(struct xcloud_dev *xd);

/*
 * Receive path (softirq, RCU): an OAM frame whose outer source @src
 * passed the allow-list; data at the UDP header, @hdrlen bytes of GENEVE
 * header after it. Answers probes and records replies; consumes @skb.
 */
void xcloud_liveness_rcv(struct xcloud_dev *xd, struct sk_buff *skb,
			 const struct xcloud_addr *src, unsigned int hdrlen);

/*
 * The member of a set of @count next hops to use for flow @hash when the
 * members with their bit set in @down are dead: the plain pick if it is
 * alive (so flows on live members never move), else a pick by the hash
 * among the live ones, else (all down) the plain pick. Pure; KUnit.
 */
unsigned int xcloud_nexthops_pick_live(unsigned int count, u32 hash,
				       unsigned long down);

/* The peer of @remote is known to be down; RCU read side. */
bool xcloud_liveness_peer_down(struct xcloud_dev *xd,
			       const struct xcloud_addr *remote);

#endif /* _XCLOUD_LIVENESS_H */
