/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transmit (send.c): the device's ndo_start_xmit, the gateway's relay of
 * a packet just decapsulated, and the encapsulation both share with the
 * ingress forward and the liveness probes. Under rcu_read_lock() with
 * BH disabled.
 */
#ifndef _XCLOUD_SEND_H
#define _XCLOUD_SEND_H

#include <linux/netdevice.h>
#include <linux/types.h>

struct dst_cache;
struct sk_buff;
struct xcloud_addr;
struct xcloud_dev;
struct xcloud_nexthops;

netdev_tx_t xcloud_xmit(struct sk_buff *skb, struct net_device *dev);
void xcloud_relay(struct xcloud_dev *xd, struct sk_buff *skb, bool relayed,
		  __be16 entropy);
void xcloud_forward(struct xcloud_dev *xd, struct sk_buff *skb,
		    const struct xcloud_nexthops *nh);
/*
 * The destination of @skb (data at its IP header), after checking that
 * the header is there and matches skb->protocol.
 */
bool xcloud_ip_dst(struct sk_buff *skb, struct xcloud_addr *dst);
int xcloud_oam_send(struct xcloud_dev *xd, const struct xcloud_addr *remote,
		    struct dst_cache *cache, const void *payload,
		    unsigned int len);

#endif /* _XCLOUD_SEND_H */
