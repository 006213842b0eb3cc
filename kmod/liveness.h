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

#include <linux/types.h>

struct sk_buff;
struct xcloud_addr;
struct xcloud_dev;

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

#endif /* _XCLOUD_LIVENESS_H */
