// SPDX-License-Identifier: GPL-2.0
/*
 * The ingress device (IFLA_XCLOUD_INGRESS): on an aggregation node, packets
 * for the device's EIP routes are tunnelled where they arrive, from a
 * netfilter netdev ingress hook on the uplink, instead of going through
 * ip_rcv(), the FIB, ip_forward() and a second transmit into the device.
 * Whatever the hook does not take goes on to the stack unchanged, which
 * routes it into the device as without an ingress device.
 *
 * The hook runs after every nftables netdev ingress chain of the uplink
 * (and after tc ingress): that is where operators filter EIP traffic.
 *
 * Lifetime: xd->ingress is set and cleared under RTNL, together with the
 * hook's registration. The hook is removed when the xcloud device goes
 * (ndo_uninit), when the uplink goes or leaves the namespace (netdevice
 * notifier) and when the configuration changes. No reference is held on
 * the uplink: the notifier is what keeps the pointer valid.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_netdev.h>
#include <linux/rtnetlink.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "addr.h"
#include "common.h"
#include "ingress.h"
#include "send.h"
#include "stats.h"
#include "table.h"
#include "xcloud.h"

/* After nftables' netdev chains, whatever their priority. */
#define XCLOUD_INGRESS_PRIORITY INT_MAX

static bool fits(const struct sk_buff *skb, unsigned int len, unsigned int mtu)
{
	if (skb_is_gso(skb))
		return skb_gso_validate_network_len(skb, mtu);
	return len <= mtu;
}

/*
 * An EIP packet the ingress hook took (checked by xcloud_ingress_may_take,
 * data at its IP header) goes on as ip_forward() would send it into the
 * device: its own copy of the header, the padding off, the TTL or hop
 * limit decremented, then sent as the device sends (xcloud_send()).
 * Consumes @skb; under rcu_read_lock().
 */
static void xcloud_forward(struct xcloud_dev *xd, struct sk_buff *skb,
			   const struct xcloud_nexthops *nh)
{
	unsigned int len;

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb))
		goto err;
	if (skb->protocol == htons(ETH_P_IP))
		len = ntohs(ip_hdr(skb)->tot_len);
	else
		len = sizeof(struct ipv6hdr) + ntohs(ipv6_hdr(skb)->payload_len);
	if (unlikely(pskb_trim_rcsum(skb, len) ||
		     skb_cow_head(skb, xd->dev->needed_headroom)))
		goto err_free;
	skb_forward_csum(skb);
	if (skb->protocol == htons(ETH_P_IP))
		ip_decrease_ttl(ip_hdr(skb));
	else
		ipv6_hdr(skb)->hop_limit--;
	skb_clear_tstamp(skb);
	xcloud_set_transport_header(skb);
	xcloud_send(xd, skb, nh);
	return;

err_free:
	kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM);
err:
	xcloud_stats_inc(xd->stats, XCLOUD_STATS_A_TX_ERRORS);
}

/*
 * Whether the hook may forward @skb (its header checked by
 * xcloud_ip_dst()) as a router would, or must leave it to the stack:
 * the TTL or hop limit would expire (ICMP time exceeded), IPv4 options or
 * IPv6 hop-by-hop options need the stack, a bad checksum or length is the
 * stack's to count and drop, a martian source its to refuse, and a packet
 * over @mtu gets its ICMP error there (with a route to answer through).
 * Link-local addresses never leave their link (the stack answers a
 * link-local source with "beyond scope"), nor do multicast destinations.
 * LRO packets are not forwardable at all.
 */
bool xcloud_ingress_may_take(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb_is_gso(skb) && !skb_shinfo(skb)->gso_type)
		return false;
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);
		unsigned int len = ntohs(iph->tot_len);

		if (iph->ihl != 5 || iph->ttl <= 1 ||
		    ip_fast_csum((const u8 *)iph, iph->ihl))
			return false;
		if (len < sizeof(*iph) || len > skb->len || !fits(skb, len, mtu))
			return false;
		/* 0/8 as a whole: 6.1's ipv4_is_zeronet() is 0.0.0.0 only */
		return !(ipv4_is_multicast(iph->saddr) ||
			 ipv4_is_lbcast(iph->saddr) ||
			 ipv4_is_loopback(iph->saddr) ||
			 !(iph->saddr & htonl(0xff000000)) ||
			 ipv4_is_multicast(iph->daddr) ||
			 ipv4_is_lbcast(iph->daddr));
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		unsigned int len = sizeof(*ip6h) + ntohs(ip6h->payload_len);
		int stype = ipv6_addr_type(&ip6h->saddr);
		int dtype = ipv6_addr_type(&ip6h->daddr);

		/* payload_len 0: a jumbogram, or a hop-by-hop option anyway */
		if (ip6h->nexthdr == NEXTHDR_HOP || ip6h->hop_limit <= 1 ||
		    !ip6h->payload_len)
			return false;
		if (len > skb->len || !fits(skb, len, mtu))
			return false;
		return !(stype & (IPV6_ADDR_MULTICAST | IPV6_ADDR_LOOPBACK |
				  IPV6_ADDR_LINKLOCAL)) &&
		       !ipv6_addr_any(&ip6h->saddr) &&
		       !(dtype & (IPV6_ADDR_MULTICAST | IPV6_ADDR_LINKLOCAL));
	}
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_ingress_may_take);

/* Netfilter calls it under rcu_read_lock(), in softirq context. */
static unsigned int xcloud_ingress_hook(void *priv, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	struct xcloud_dev *xd = priv;
	const struct xcloud_nexthops *nh;
	struct xcloud_addr dst;
	bool found;

	if (skb->pkt_type != PACKET_HOST || !netif_running(xd->dev) ||
	    !xcloud_ip_dst(skb, &dst))
		return NF_ACCEPT;
	nh = xcloud_table_lookup(&xd->routes, &dst, &found);
	if (!nh || nh->type != XCLOUD_ROUTE_EIP)
		return NF_ACCEPT;
	if (!xcloud_ingress_may_take(skb, READ_ONCE(xd->dev->mtu))) {
		xcloud_stats_inc(xd->stats, XCLOUD_STATS_A_INGRESS_PASSED);
		return NF_ACCEPT;
	}
	xcloud_stats_inc(xd->stats, XCLOUD_STATS_A_INGRESS_PACKETS);
	xcloud_forward(xd, skb, nh);
	return NF_STOLEN;
}

/*
 * The device @nla names, if it may be an ingress device: NULL for 0
 * (none), an ERR_PTR with the reason (in @extack) if it may not.
 */
struct net_device *xcloud_ingress_resolve(struct net *net,
					  const struct nlattr *nla,
					  struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	u32 ifindex = nla_get_u32(nla);

	ASSERT_RTNL();
	if (!ifindex)
		return NULL;
	if (!IS_ENABLED(CONFIG_NETFILTER_INGRESS)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "ingress devices need a kernel with CONFIG_NETFILTER_INGRESS");
		return ERR_PTR(-EOPNOTSUPP);
	}
	dev = __dev_get_by_index(net, ifindex);
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "no such ingress device in the namespace");
		return ERR_PTR(-ENODEV);
	}
	if (xcloud_is_dev(dev)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "an xcloud device cannot be an ingress device");
		return ERR_PTR(-EINVAL);
	}
	return dev;
}

static void xcloud_ingress_detach(struct xcloud_dev *xd)
{
	ASSERT_RTNL();
	if (!xd->ingress)
		return;
	/*
	 * Readers still inside the hook finish within the grace period
	 * before netfilter frees its old entries; the device itself is
	 * freed later still (netdev_run_todo()'s rcu_barrier()).
	 */
	nf_unregister_net_hook(dev_net(xd->ingress), &xd->ingress_ops);
	xd->ingress = NULL;
}

/*
 * Makes @dev (NULL: none, as ndo_uninit does) the ingress device of @xd;
 * under RTNL. The old hook goes first: meanwhile packets take the stack's
 * path, which works. On an error @xd is left without an ingress device.
 */
int xcloud_ingress_set(struct xcloud_dev *xd, struct net_device *dev)
{
	int ret;

	ASSERT_RTNL();
	if (dev == xd->ingress)
		return 0;
	xcloud_ingress_detach(xd);
	if (!dev)
		return 0;
	xd->ingress_ops = (struct nf_hook_ops) {
		.hook = xcloud_ingress_hook,
		.priv = xd,
		.pf = NFPROTO_NETDEV,
		.hooknum = NF_NETDEV_INGRESS,
		.priority = XCLOUD_INGRESS_PRIORITY,
		.dev = dev,
	};
	ret = nf_register_net_hook(dev_net(dev), &xd->ingress_ops);
	if (ret)
		return ret;
	xd->ingress = dev;
	return 0;
}

/* The uplink goes away (or to another namespace): unhook from it. */
static int xcloud_ingress_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct xcloud_dev *xd;

	if (event != NETDEV_UNREGISTER || xcloud_is_dev(dev))
		return NOTIFY_DONE;
	list_for_each_entry(xd, &xcloud_pernet(dev_net(dev))->devices, list) {
		if (xd->ingress != dev)
			continue;
		netdev_info(xd->dev, "ingress device %s is going away\n",
			    dev->name);
		xcloud_ingress_detach(xd);
		xcloud_generation_bump(&xcloud_pernet(dev_net(dev))->generation);
	}
	return NOTIFY_DONE;
}

static struct notifier_block xcloud_ingress_notifier = {
	.notifier_call = xcloud_ingress_event,
};

int __init xcloud_ingress_init(void)
{
	return register_netdevice_notifier(&xcloud_ingress_notifier);
}

void xcloud_ingress_exit(void)
{
	unregister_netdevice_notifier(&xcloud_ingress_notifier);
}
