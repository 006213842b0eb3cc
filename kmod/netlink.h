/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "xcloud" as the rest of the module sees it:
 * its registration, the events other units send and the attributes the
 * device's rtnetlink info shares with it. Every message is built in
 * netlink*.c; netlink_family.h is what those files share.
 */
#ifndef _XCLOUD_NETLINK_H
#define _XCLOUD_NETLINK_H

#include <linux/types.h>

struct sk_buff;
struct xcloud_addr;
struct xcloud_dev;
struct xcloud_peer;

int xcloud_genl_init(void);
void xcloud_genl_uninit(void);

/*
 * IFLA_XCLOUD_GATEWAYS (device.c's link info) or XCLOUD_A_GATEWAYS: the
 * nest @nest_type of @xd's gateways, as attributes @type, even if empty.
 */
int xcloud_put_gateways(struct sk_buff *skb, const struct xcloud_dev *xd,
			int nest_type, int type);

/*
 * TUNNEL_NEW or TUNNEL_DEL (@cmd): @peer was created or removed. Under
 * rcu_read_lock() or update_lock; @peer may be removed, not freed.
 */
void xcloud_nl_tunnel_notify(struct xcloud_dev *xd,
			     const struct xcloud_peer *peer, u8 cmd);
/* TUNNEL_STATE: @peer went up or down; with its liveness counters. */
void xcloud_nl_tunnel_state_notify(struct xcloud_dev *xd,
				   const struct xcloud_peer *peer);

/* MISS: no route for @dst. Data path (softirq or xmit), under RCU. */
void xcloud_nl_miss_notify(struct xcloud_dev *xd,
			   const struct xcloud_addr *dst);

#endif /* _XCLOUD_NETLINK_H */
