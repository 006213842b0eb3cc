/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transmit (send.c): the device's ndo_start_xmit, the gateway's relay of
 * a packet just decapsulated, and the encapsulation they share with the
 * ingress forward and the liveness probes. Under rcu_read_lock() with
 * BH disabled.
 */
#ifndef _XCLOUD_SEND_H
#define _XCLOUD_SEND_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/types.h>

struct dst_cache;
struct xcloud_addr;
struct xcloud_dev;
struct xcloud_nexthops;

netdev_tx_t xcloud_xmit(struct sk_buff *skb, struct net_device *dev);
void xcloud_relay(struct xcloud_dev *xd, struct sk_buff *skb, bool relayed,
		  __be16 entropy);
/*
 * Encapsulate @skb (data at its inner IP header, checked by
 * xcloud_ip_dst()) to the next hop of @nh that its flow hash picks;
 * consumes it. Under rcu_read_lock().
 */
void xcloud_send(struct xcloud_dev *xd, struct sk_buff *skb,
		 const struct xcloud_nexthops *nh);
/*
 * The destination of @skb (data at its IP header), after checking that
 * the header is there and matches skb->protocol.
 */
bool xcloud_ip_dst(struct sk_buff *skb, struct xcloud_addr *dst);
int xcloud_oam_send(struct xcloud_dev *xd, const struct xcloud_addr *remote,
		    struct dst_cache *cache, const void *payload,
		    unsigned int len);

/* Set the inner transport header, for checksum offload of the outer. */
static inline void xcloud_set_transport_header(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		skb_set_transport_header(skb, ip_hdr(skb)->ihl * 4);
	else
		skb_set_transport_header(skb, sizeof(struct ipv6hdr));
}

#endif /* _XCLOUD_SEND_H */
