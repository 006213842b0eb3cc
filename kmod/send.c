// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: the device's ndo_start_xmit (edge: look the inner destination
 * up, pick a next hop by flow hash, encapsulate) and the gateway's relay
 * (the same for a packet just decapsulated, with the two-hop rule); the
 * ingress forward (ingress.c) and the probes (liveness.c) send through
 * it too.
 *
 * Both run under rcu_read_lock() with BH disabled; the table, the peers
 * and the device's sockets are read under RCU.
 */
#include <linux/hash.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <net/dst_cache.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "addr.h"
#include "common.h"
#include "encap.h"
#include "miss.h"
#include "peer.h"
#include "relay.h"
#include "send.h"
#include "stats.h"
#include "table.h"
#include "xcloud.h"

unsigned int xcloud_relay_decide(bool found, u8 type, bool relayed)
{
	/* Checked first: a relayed packet never leaves a gateway again. */
	if (relayed)
		return XCLOUD_STATS_A_RX_HOP_LIMIT;
	if (!found)
		return XCLOUD_STATS_A_RX_NO_ROUTE;
	/* gateway or eip routes would make this a third tunnel hop */
	if (type != XCLOUD_ROUTE_NODE)
		return XCLOUD_STATS_A_RX_HOP_LIMIT;
	return 0;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_relay_decide);

/*
 * The destination of @skb (data at its IP header), after checking that
 * the header is there and matches skb->protocol: what the device sends,
 * what a gateway relays, what the ingress hook looks at.
 */
bool xcloud_ip_dst(struct sk_buff *skb, struct xcloud_addr *dst)
{
	skb_reset_network_header(skb);
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		if (!pskb_may_pull(skb, sizeof(struct iphdr)) ||
		    ip_hdr(skb)->version != 4 || ip_hdr(skb)->ihl < 5)
			return false;
		xcloud_addr_set4(dst, ip_hdr(skb)->daddr);
		return true;
	case htons(ETH_P_IPV6):
		if (!pskb_may_pull(skb, sizeof(struct ipv6hdr)) ||
		    ipv6_hdr(skb)->version != 6)
			return false;
		xcloud_addr_set6(dst, &ipv6_hdr(skb)->daddr);
		return true;
	}
	return false;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_ip_dst);

/*
 * The inner flow's hash, for the next hop and the outer source port:
 * addresses, protocol and, for TCP, UDP and SCTP, the ports; fragments
 * by addresses only, so that all of a datagram takes one path. Much
 * cheaper than the flow dissector, whose generality a tunnel does not
 * need. A hash the packet carries already (a NIC's, a socket's) stays.
 * The data is at the inner IP header, checked by xcloud_ip_dst().
 */
static u32 inner_flow_hash(struct sk_buff *skb)
{
	static u32 seed __read_mostly;
	__be32 _ports, *ports = NULL;
	unsigned int thoff;
	u8 proto;
	u32 h;

	if (skb->l4_hash || skb->sw_hash)
		return skb->hash;
	net_get_random_once(&seed, sizeof(seed));
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		h = jhash_2words((__force u32)iph->saddr,
				 (__force u32)iph->daddr, seed);
		proto = ip_is_fragment(iph) ? 0 : iph->protocol;
		thoff = iph->ihl * 4;
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		/* saddr and daddr, side by side */
		h = jhash2((const u32 *)&ip6h->saddr, 8, seed);
		proto = ip6h->nexthdr;
		thoff = sizeof(*ip6h);
	}
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_SCTP)
		ports = skb_header_pointer(skb, thoff, sizeof(_ports), &_ports);
	if (ports)
		h = jhash_2words(h, (__force u32)*ports, proto);
	/* 0 means "no hash" to skb_get_hash() */
	h = h ?: 1;
	skb_set_hash(skb, h, ports ? PKT_HASH_TYPE_L4 : PKT_HASH_TYPE_L3);
	return h;
}

/*
 * @skb does not fit the underlay path (@mtu bytes of inner packet). Tell
 * the sender and return true to drop it; false to send it anyway with DF
 * clear (IPv4 without DF, or an IPv6 packet under the IPv6 minimum MTU),
 * leaving fragmentation to the underlay.
 */
static bool too_big(struct xcloud_dev *xd, struct sk_buff *skb,
		    unsigned int mtu)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		if (!(iph->frag_off & htons(IP_DF)))
			return false;
		/* Taken at the ingress device: ICMP needs the input route. */
		if (!skb_dst(skb) && skb->dev &&
		    ip_route_input_noref(skb, iph->daddr, iph->saddr,
					 iph->tos, skb->dev))
			goto counted;
		skb_dst_update_pmtu_no_confirm(skb, mtu);
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			      htonl(mtu));
	} else {
		if (mtu < IPV6_MIN_MTU)
			return false;
		skb_dst_update_pmtu_no_confirm(skb, mtu);
		icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	}
counted:
	xcloud_stats_inc(xd->stats, XCLOUD_STATS_A_TX_TOO_BIG);
	return true;
}

/*
 * Checks the path MTU of an edge packet against the whole overhead
 * (@hlen: XCLOUD_OVERHEAD4/6, the relayed option included, so that the
 * gateway's relay fits an equal underlay too). Returns 0 to send, or
 * -EMSGSIZE if the packet was answered with an ICMP error. *@df says
 * whether the outer header may carry DF.
 */
static int check_pmtu(struct xcloud_dev *xd, struct sk_buff *skb,
		      struct dst_entry *dst, unsigned int hlen, bool *df)
{
	unsigned int mtu = dst_mtu(dst) > hlen ? dst_mtu(dst) - hlen : 0;

	*df = skb->protocol == htons(ETH_P_IPV6) ||
	      (ip_hdr(skb)->frag_off & htons(IP_DF));
	if (skb->len <= mtu ||
	    (skb_is_gso(skb) && skb_gso_validate_network_len(skb, mtu)))
		return 0;
	if (too_big(xd, skb, mtu))
		return -EMSGSIZE;
	*df = false;
	return 0;
}

/*
 * Push the GENEVE header and prepare offloads; consumes nothing. The
 * caller has scrubbed @skb, or leaves it to the tunnel's transmit
 * (iptunnel_xmit() does it for IPv4).
 */
static int push_geneve(struct xcloud_dev *xd, struct sk_buff *skb,
		       struct dst_entry *dst, unsigned int iphlen,
		       bool relayed, bool udp_csum)
{
	struct xcloud_geneve_info gi = {
		.vni = READ_ONCE(xd->cfg.vni),
		.proto = skb->protocol,
		.relayed = relayed,
	};
	unsigned int headroom;
	int err;

	headroom = LL_RESERVED_SPACE(dst->dev) + dst->header_len + iphlen +
		   sizeof(struct udphdr) + XCLOUD_GENEVE_HLEN +
		   XCLOUD_GENEVE_OPT_HLEN;
	err = skb_cow_head(skb, headroom);
	if (unlikely(err))
		return err;
	/* Inner headers for GSO: no link header, data at the IP header. */
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	err = udp_tunnel_handle_offloads(skb, udp_csum);
	if (unlikely(err))
		return err;
	xcloud_geneve_build(__skb_push(skb, relayed ? XCLOUD_GENEVE_HLEN +
					    XCLOUD_GENEVE_OPT_HLEN :
					    XCLOUD_GENEVE_HLEN), &gi);
	skb_set_inner_protocol(skb, gi.proto);
	return 0;
}

/* Outer DSCP copied from the inner packet, ECN per RFC 6040. */
static u8 outer_dsfield(struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);

	return ip_tunnel_ecn_encap(ip_tunnel_get_dsfield(iph, skb), iph, skb);
}

/* The underlay route to @daddr, through @cache (may be NULL). */
static struct rtable *route4(struct xcloud_dev *xd, struct dst_cache *cache,
			     __be32 daddr, __be16 sport, struct flowi4 *fl4)
{
	struct rtable *rt;

	memset(fl4, 0, sizeof(*fl4));
	fl4->flowi4_proto = IPPROTO_UDP;
	fl4->daddr = daddr;
	if (xd->cfg.local.family == AF_INET)
		fl4->saddr = xd->cfg.local.ip4;
	fl4->fl4_dport = xd->cfg.port;
	fl4->fl4_sport = sport;

	rt = cache ? dst_cache_get_ip4(cache, &fl4->saddr) : NULL;
	if (rt)
		return rt;
	rt = ip_route_output_key(xd->net, fl4);
	if (IS_ERR(rt))
		return ERR_PTR(-ENETUNREACH);
	if (rt->dst.dev == xd->dev) {
		ip_rt_put(rt);
		return ERR_PTR(-ELOOP);
	}
	if (cache)
		dst_cache_set_ip4(cache, &rt->dst, fl4->saddr);
	return rt;
}

static int xmit4(struct xcloud_dev *xd, struct xcloud_peer *peer,
		 struct sk_buff *skb, bool relayed)
{
	struct xcloud_sock *xs = rcu_dereference(xd->sock4);
	bool xnet = !net_eq(xd->net, dev_net(xd->dev));
	struct flowi4 fl4;
	bool df = false;
	struct rtable *rt;
	__be16 sport;
	u8 tos, ttl;
	int err;

	if (unlikely(!xs))
		return -EAFNOSUPPORT;
	sport = udp_flow_src_port(xd->net, skb, 1, USHRT_MAX, true);
	rt = route4(xd, &peer->dst_cache, peer->remote.ip4, sport, &fl4);
	if (IS_ERR(rt))
		return PTR_ERR(rt);

	/* A relayed packet is not ours to refuse: the underlay fragments. */
	if (!relayed) {
		err = check_pmtu(xd, skb, &rt->dst, XCLOUD_OVERHEAD4, &df);
		if (err)
			goto err_rt;
	}
	tos = outer_dsfield(skb);
	ttl = ip4_dst_hoplimit(&rt->dst);
	err = push_geneve(xd, skb, &rt->dst, sizeof(struct iphdr), relayed,
			  false);
	if (err)
		goto err_rt;
	/*
	 * iptunnel_xmit() counts into skb->dev: the packet as sent, or an
	 * underlay drop as tx_dropped. A packet taken at the ingress device
	 * still has the uplink there.
	 */
	skb->dev = xd->dev;
	udp_tunnel_xmit_skb(rt, xs->sock->sk, skb, fl4.saddr, fl4.daddr, tos,
			    ttl, df ? htons(IP_DF) : 0, sport, xd->cfg.port,
			    xnet, true);
	return 0;

err_rt:
	ip_rt_put(rt);
	return err;
}

#if IS_ENABLED(CONFIG_IPV6)
/* The underlay route to @daddr, through @cache (may be NULL). */
static struct dst_entry *route6(struct xcloud_dev *xd, struct xcloud_sock *xs,
				struct dst_cache *cache,
				const struct in6_addr *daddr, __be16 sport,
				struct flowi6 *fl6)
{
	struct dst_entry *dst;

	memset(fl6, 0, sizeof(*fl6));
	fl6->flowi6_proto = IPPROTO_UDP;
	fl6->daddr = *daddr;
	if (xd->cfg.local.family == AF_INET6)
		fl6->saddr = xd->cfg.local.ip6;
	fl6->fl6_dport = xd->cfg.port;
	fl6->fl6_sport = sport;

	dst = cache ? dst_cache_get_ip6(cache, &fl6->saddr) : NULL;
	if (dst)
		return dst;
	dst = ipv6_stub->ipv6_dst_lookup_flow(xd->net, xs->sock->sk, fl6,
					      NULL);
	if (IS_ERR(dst))
		return ERR_PTR(-ENETUNREACH);
	if (dst->dev == xd->dev) {
		dst_release(dst);
		return ERR_PTR(-ELOOP);
	}
	if (cache)
		dst_cache_set_ip6(cache, dst, &fl6->saddr);
	return dst;
}

static int xmit6(struct xcloud_dev *xd, struct xcloud_peer *peer,
		 struct sk_buff *skb, bool relayed)
{
	struct xcloud_sock *xs = rcu_dereference(xd->sock6);
	struct dst_entry *dst;
	struct flowi6 fl6;
	bool df = false;
	__be16 sport;
	u8 prio, ttl;
	int err;

	if (unlikely(!xs))
		return -EAFNOSUPPORT;
	sport = udp_flow_src_port(xd->net, skb, 1, USHRT_MAX, true);
	dst = route6(xd, xs, &peer->dst_cache, &peer->remote.ip6, sport, &fl6);
	if (IS_ERR(dst))
		return PTR_ERR(dst);

	if (!relayed) {
		err = check_pmtu(xd, skb, dst, XCLOUD_OVERHEAD6, &df);
		if (err)
			goto err_dst;
	}
	prio = outer_dsfield(skb);
	ttl = ip6_dst_hoplimit(dst);
	/* udp_tunnel6_xmit_skb() does not scrub, unlike the IPv4 path */
	skb_scrub_packet(skb, !net_eq(xd->net, dev_net(xd->dev)));
	/*
	 * Local fragmentation of the outer packet, if it must be (a relay
	 * over a narrower path); after the scrub, which clears ignore_df.
	 */
	skb->ignore_df = !df;
	err = push_geneve(xd, skb, dst, sizeof(struct ipv6hdr), relayed, true);
	if (err)
		goto err_dst;
	/* Counted as sent, or as an underlay drop, on the device. */
	udp_tunnel6_xmit_skb(dst, xs->sock->sk, skb, xd->dev, &fl6.saddr,
			     &fl6.daddr, prio, ttl, 0, sport, xd->cfg.port,
			     false);
	return 0;

err_dst:
	dst_release(dst);
	return err;
}
#else
static int xmit6(struct xcloud_dev *xd, struct xcloud_peer *peer,
		 struct sk_buff *skb, bool relayed)
{
	return -EAFNOSUPPORT;
}
#endif

/* An OAM frame (GENEVE header pushed) to @remote; consumes @skb. */
static int oam_xmit(struct xcloud_dev *xd, const struct xcloud_addr *remote,
		    struct dst_cache *cache, struct sk_buff *skb, __be16 sport)
{
	bool xnet = !net_eq(xd->net, dev_net(xd->dev));
	struct xcloud_sock *xs;
	int err = -EAFNOSUPPORT;

	if (remote->family == AF_INET) {
		struct flowi4 fl4;
		struct rtable *rt;

		xs = rcu_dereference(xd->sock4);
		if (!xs)
			goto drop;
		rt = route4(xd, cache, remote->ip4, sport, &fl4);
		if (IS_ERR(rt)) {
			err = PTR_ERR(rt);
			goto drop;
		}
		udp_tunnel_xmit_skb(rt, xs->sock->sk, skb, fl4.saddr,
				    fl4.daddr, 0, ip4_dst_hoplimit(&rt->dst),
				    htons(IP_DF), sport, xd->cfg.port, xnet,
				    true);
		return 0;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (remote->family == AF_INET6) {
		struct dst_entry *dst;
		struct flowi6 fl6;

		xs = rcu_dereference(xd->sock6);
		if (!xs)
			goto drop;
		dst = route6(xd, xs, cache, &remote->ip6, sport, &fl6);
		if (IS_ERR(dst)) {
			err = PTR_ERR(dst);
			goto drop;
		}
		udp_tunnel6_xmit_skb(dst, xs->sock->sk, skb, NULL, &fl6.saddr,
				     &fl6.daddr, 0, ip6_dst_hoplimit(dst), 0,
				     sport, xd->cfg.port, false);
		return 0;
	}
#endif
drop:
	kfree_skb(skb);
	return err;
}

int xcloud_oam_send(struct xcloud_dev *xd, const struct xcloud_addr *remote,
		    struct dst_cache *cache, const void *payload,
		    unsigned int len)
{
	struct xcloud_geneve_info gi = {
		.vni = READ_ONCE(xd->cfg.vni),
		.proto = htons(XCLOUD_GENEVE_OAM_PROTO),
		.oam = true,
	};
	unsigned int hroom = LL_MAX_HEADER + sizeof(struct ipv6hdr) +
			     sizeof(struct udphdr) + XCLOUD_GENEVE_HLEN;
	struct sk_buff *skb;
	__be16 sport;

	skb = alloc_skb(hroom + len, GFP_ATOMIC);
	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, hroom);
	skb_put_data(skb, payload, len);
	xcloud_geneve_build(__skb_push(skb, XCLOUD_GENEVE_HLEN), &gi);
	/* A source port per remote, as a flow's would be. */
	skb_set_hash(skb, jhash(remote->bytes, sizeof(remote->bytes), gi.vni),
		     PKT_HASH_TYPE_L4);
	sport = udp_flow_src_port(xd->net, skb, 1, USHRT_MAX, true);
	return oam_xmit(xd, remote, cache, skb, sport);
}

/*
 * The next hop of @nh for flow @hash: the plain pick unless its peer is
 * down (liveness.c), then one of the live members. While no peer of the
 * device is down, this costs one read more than the plain pick.
 */
static const struct xcloud_addr *
pick_nexthop(struct xcloud_dev *xd, const struct xcloud_nexthops *nh, u32 hash)
{
	const struct xcloud_addr *a = xcloud_nexthops_pick(nh, hash);
	unsigned long down = 0;
	unsigned int i;

	if (nh->count == 1 || !READ_ONCE(xd->liveness.down_count) ||
	    !xcloud_peer_down(&xd->peers, a))
		return a;
	for (i = 0; i < nh->count; i++)
		if (xcloud_peer_down(&xd->peers, &nh->addr[i]))
			down |= BIT(i);
	return &nh->addr[xcloud_nexthops_pick_live(nh->count, hash, down)];
}

/*
 * Encapsulate @skb to @remote; consumes it. The tunnel's transmit counts
 * the device's packets; this counts the peer's and the relayed ones.
 */
static void encap_xmit(struct xcloud_dev *xd, struct sk_buff *skb,
		       const struct xcloud_addr *remote, bool relayed)
{
	unsigned int len = skb->len;
	struct xcloud_peer *peer;
	int err;

	peer = xcloud_peer_lookup_create(&xd->peers, remote);
	if (unlikely(!peer)) {
		err = -ENOMEM;
		goto drop;
	}
	xcloud_peer_touch(peer);
	if (remote->family == AF_INET)
		err = xmit4(xd, peer, skb, relayed);
	else
		err = xmit6(xd, peer, skb, relayed);
	if (unlikely(err)) {
		/* Too big is the sender's problem, not the tunnel's. */
		if (err != -EMSGSIZE)
			xcloud_peer_count_tx_error(peer);
		goto drop;
	}
	xcloud_peer_count_tx(peer, len);
	if (relayed) {
		xcloud_stats_inc(xd->stats, XCLOUD_STATS_A_RELAYED_PACKETS);
		xcloud_stats_add(xd->stats, XCLOUD_STATS_A_RELAYED_BYTES, len);
	}
	return;

drop:
	/* Too big was answered and counted already. */
	if (err == -EMSGSIZE) {
		kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_BIG);
		return;
	}
	xcloud_stats_inc(xd->stats, XCLOUD_STATS_A_TX_ERRORS);
	net_dbg_ratelimited("%s: tunnel error %d\n", xd->dev->name, err);
	kfree_skb_reason(skb, err == -ENOMEM ? SKB_DROP_REASON_NOMEM :
			 err == -ENETUNREACH ? SKB_DROP_REASON_IP_OUTNOROUTES :
			 SKB_DROP_REASON_NOT_SPECIFIED);
}

void xcloud_send(struct xcloud_dev *xd, struct sk_buff *skb,
		 const struct xcloud_nexthops *nh)
{
	encap_xmit(xd, skb, pick_nexthop(xd, nh, inner_flow_hash(skb)), false);
}

netdev_tx_t xcloud_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct xcloud_dev *xd = netdev_priv(dev);
	const struct xcloud_nexthops *nh;
	struct xcloud_addr dst;
	bool found;

	if (unlikely(!xcloud_ip_dst(skb, &dst))) {
		xcloud_stats_inc(xd->stats, XCLOUD_STATS_A_TX_ERRORS);
		kfree_skb_reason(skb, SKB_DROP_REASON_INVALID_PROTO);
		return NETDEV_TX_OK;
	}

	rcu_read_lock();
	nh = xcloud_table_lookup(&xd->routes, &dst, &found);
	if (unlikely(!nh)) {
		xcloud_miss(xd, &dst);
		kfree_skb_reason(skb, SKB_DROP_REASON_IP_OUTNOROUTES);
	} else {
		xcloud_send(xd, skb, nh);
	}
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

void xcloud_relay(struct xcloud_dev *xd, struct sk_buff *skb, bool relayed,
		  __be16 entropy)
{
	const struct xcloud_nexthops *nh;
	struct xcloud_addr dst;
	unsigned int reason;
	bool found;
	u32 hash;

	/* receive.c has checked the inner header. */
	if (unlikely(!xcloud_ip_dst(skb, &dst))) {
		reason = XCLOUD_STATS_A_RX_BAD_PROTO;
		goto drop;
	}
	nh = xcloud_table_lookup(&xd->routes, &dst, &found);
	reason = xcloud_relay_decide(found && nh, nh ? nh->type : 0, relayed);
	if (unlikely(reason))
		goto drop;
	skb->dev = xd->dev;
	xcloud_set_transport_header(skb);
	/*
	 * The flow of the inner packet picks the node, as on an edge: the
	 * first hop put its hash of the inner flow into the outer source
	 * port (RFC 8926 section 3.3), so the relay takes it from there
	 * rather than dissecting the inner headers again. It is stable per
	 * flow and also becomes the second hop's source port.
	 */
	hash = hash_32((__force u32)entropy, 32);
	skb_set_hash(skb, hash, PKT_HASH_TYPE_L4);
	skb_forward_csum(skb);
	encap_xmit(xd, skb, pick_nexthop(xd, nh, hash), true);
	return;

drop:
	xcloud_stats_inc(xd->stats, reason);
	kfree_skb_reason(skb, xcloud_drop_reason(reason));
}
