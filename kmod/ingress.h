/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ingress device (IFLA_XCLOUD_INGRESS, ingress.c): EIP packets taken
 * at an uplink's netdev ingress hook and forwarded into the tunnel.
 */
#ifndef _XCLOUD_INGRESS_H
#define _XCLOUD_INGRESS_H

#include <linux/types.h>

struct net;
struct net_device;
struct netlink_ext_ack;
struct nlattr;
struct sk_buff;
struct xcloud_dev;

int xcloud_ingress_init(void);
void xcloud_ingress_exit(void);
/* Under RTNL: the uplink IFLA_XCLOUD_INGRESS names in @net. */
struct net_device *xcloud_ingress_resolve(struct net *net,
					  const struct nlattr *nla,
					  struct netlink_ext_ack *extack);
/* Under RTNL: move the hook to @dev (NULL: none). */
int xcloud_ingress_set(struct xcloud_dev *xd, struct net_device *dev);
/*
 * May the hook take @skb (data at its IP header) for a device of inner
 * MTU @mtu? Pure; KUnit.
 */
bool xcloud_ingress_may_take(const struct sk_buff *skb, unsigned int mtu);

#endif /* _XCLOUD_INGRESS_H */
