// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: encap_rcv of the shared UDP sockets. Validates the GENEVE
 * header, finds the device by VNI, applies its allow-list, strips the
 * outer headers, checks the inner source (edge, source check on) and then
 * delivers the inner packet into the device (edge) or hands it to the
 * relay (gateway).
 *
 * Runs in softirq under rcu_read_lock() (the UDP receive path). Every
 * packet is consumed: drops before the device is known are counted in
 * the namespace's counters, later ones in the device's.
 *
 * Per-peer receive counters: a packet that passed every check creates
 * the (on-demand) peer of its outer source, so a gateway counts what each
 * node sent it even if it never sends back. Forged sources can at most
 * fill the table to XCLOUD_RX_PEERS_MAX peers (reaped when idle), and an
 * allow-list keeps them out altogether.
 *
 * Source check (IFLA_XCLOUD_SOURCE_CHECK, on by default): the allow-list
 * is enforced even when empty (then nothing is accepted), and an edge
 * checks that the inner source is routed to the sending peer
 * (xcloud_source_decide): one more longest-prefix lookup per packet.
 */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/inet_ecn.h>
#include <net/ip_tunnels.h>
#include <net/udp_tunnel.h>

#include "addr.h"
#include "common.h"
#include "encap.h"
#include "liveness.h"
#include "peer.h"
#include "receive.h"
#include "send.h"
#include "source.h"
#include "stats.h"
#include "table.h"
#include "xcloud.h"

static void count_ns(struct sock *sk, unsigned int reason)
{
	xcloud_stats_inc(xcloud_pernet(sock_net(sk))->stats, reason);
}

/* The outer source address and DS field; data is at the UDP header. */
static void outer_info(struct sk_buff *skb, struct xcloud_addr *src,
		       u8 *dsfield)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		xcloud_addr_set4(src, ip_hdr(skb)->saddr);
		*dsfield = ip_hdr(skb)->tos;
	} else {
		xcloud_addr_set6(src, &ipv6_hdr(skb)->saddr);
		*dsfield = ipv6_get_dsfield(ipv6_hdr(skb));
	}
}

/* The outer source is on the allow-list (or need not be). */
static bool source_allowed(struct xcloud_dev *xd,
			   const struct xcloud_addr *src, bool check)
{
	bool found;

	if (!check && !READ_ONCE(xd->allowed.count))
		return true;
	xcloud_table_lookup(&xd->allowed, src, &found);
	return found;
}

static bool route_has_nexthop(const struct xcloud_nexthops *nh,
			      const struct xcloud_addr *a)
{
	unsigned int i;

	for (i = 0; i < nh->count; i++)
		if (xcloud_addr_equal(&nh->addr[i], a))
			return true;
	return false;
}

unsigned int xcloud_source_decide(const struct xcloud_table *routes,
				  const struct xcloud_gateways *gws,
				  const struct xcloud_addr *peer,
				  const struct xcloud_addr *src)
{
	const struct xcloud_nexthops *nh;
	bool found;

	nh = xcloud_table_lookup(routes, src, &found);
	if (!found)
		return XCLOUD_STATS_A_RX_SRC_UNROUTED;
	if (!nh)
		return XCLOUD_STATS_A_RX_SRC_MISMATCH;
	switch (nh->type) {
	case XCLOUD_ROUTE_NODE:
		if (route_has_nexthop(nh, peer))
			return 0;
		break;
	case XCLOUD_ROUTE_GATEWAY:
		/* relayed by the local cloud's gateway, whichever it names */
		if (xcloud_gateways_has(gws, peer))
			return 0;
		break;
	}
	return XCLOUD_STATS_A_RX_SRC_MISMATCH;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_source_decide);

/* The inner source address; the inner header has been checked. */
static void inner_src(struct sk_buff *skb, struct xcloud_addr *src)
{
	if (skb->protocol == htons(ETH_P_IP))
		xcloud_addr_set4(src, ip_hdr(skb)->saddr);
	else
		xcloud_addr_set6(src, &ipv6_hdr(skb)->saddr);
}

/* The inner IP header is there and its version matches the protocol. */
static bool inner_header_ok(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return pskb_may_pull(skb, sizeof(struct iphdr)) &&
		       ip_hdr(skb)->version == 4;
	return pskb_may_pull(skb, sizeof(struct ipv6hdr)) &&
	       ipv6_hdr(skb)->version == 6;
}

static void deliver(struct xcloud_dev *xd, struct sk_buff *skb)
{
	unsigned int len = skb->len;

	skb->dev = xd->dev;
	skb->pkt_type = PACKET_HOST;
	if (gro_cells_receive(&xd->gro_cells, skb) != NET_RX_SUCCESS) {
		dev_core_stats_rx_dropped_inc(xd->dev);
		return;
	}
	dev_sw_netstats_rx_add(xd->dev, len);
}

int xcloud_udp_encap_recv(struct sock *sk, struct sk_buff *skb)
{
	struct xcloud_addr src, inner;
	struct xcloud_geneve_info gi;
	struct xcloud_peer *peer;
	struct xcloud_sock *xs;
	struct xcloud_dev *xd;
	unsigned int reason, avail;
	enum skb_drop_reason why;
	bool check, edge;
	__be16 entropy;
	u8 outer_ds;
	int err;

	if (skb->len < sizeof(struct udphdr) + XCLOUD_GENEVE_HLEN) {
		reason = XCLOUD_STATS_A_RX_TRUNCATED;
		goto drop_ns;
	}
	avail = min_t(unsigned int, skb->len - sizeof(struct udphdr),
		      XCLOUD_GENEVE_MAX_HLEN);
	/* The length is there: only memory can fail. */
	if (!pskb_may_pull(skb, sizeof(struct udphdr) + avail)) {
		why = SKB_DROP_REASON_NOMEM;
		goto drop;
	}

	reason = xcloud_geneve_parse(skb->data + sizeof(struct udphdr), avail,
				     &gi);
	/* Without a known version there is no VNI to trust. */
	if (reason == XCLOUD_STATS_A_RX_BAD_VERSION)
		goto drop_ns;
	xs = rcu_dereference_sk_user_data(sk);
	xd = xs ? xcloud_sock_lookup_vni(xs, gi.vni) : NULL;
	if (!xd) {
		reason = XCLOUD_STATS_A_RX_UNKNOWN_VNI;
		goto drop_ns;
	}
	if (reason)
		goto drop_dev;

	outer_info(skb, &src, &outer_ds);
	entropy = udp_hdr(skb)->source;
	check = READ_ONCE(xd->cfg.source_check);
	edge = READ_ONCE(xd->cfg.mode) == XCLOUD_MODE_EDGE;
	if (!source_allowed(xd, &src, check)) {
		reason = XCLOUD_STATS_A_RX_SPOOFED;
		goto drop_dev;
	}
	/* A probe or reply: answered only past the allow-list, as data. */
	if (gi.oam) {
		xcloud_liveness_rcv(xd, skb, &src, gi.hdrlen);
		return 0;
	}

	err = iptunnel_pull_header(skb, sizeof(struct udphdr) + gi.hdrlen,
				   gi.proto,
				   !net_eq(xd->net, dev_net(xd->dev)));
	if (err) {
		dev_core_stats_rx_dropped_inc(xd->dev);
		why = SKB_DROP_REASON_NOMEM;
		goto drop;
	}
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	if (!inner_header_ok(skb)) {
		reason = XCLOUD_STATS_A_RX_BAD_PROTO;
		goto drop_dev;
	}
	/* A gateway relays; the allow-list is its protection. */
	if (check && edge) {
		inner_src(skb, &inner);
		reason = xcloud_source_decide(&xd->routes,
					      rcu_dereference(xd->gateways),
					      &src, &inner);
		if (reason)
			goto drop_dev;
	}
	err = INET_ECN_decapsulate(skb, outer_ds,
				   ip_tunnel_get_dsfield(ip_hdr(skb), skb));
	if (err > 1) {		/* CE outside, not-ECT inside */
		dev_core_stats_rx_dropped_inc(xd->dev);
		why = SKB_DROP_REASON_NOT_SPECIFIED;
		goto drop;
	}

	peer = xcloud_peer_lookup_create_rx(&xd->peers, &src);
	if (peer) {
		xcloud_peer_touch(peer);
		xcloud_peer_count_rx(peer, skb->len);
	}

	if (edge)
		deliver(xd, skb);
	else
		xcloud_relay(xd, skb, gi.relayed, entropy);
	return 0;

drop_ns:
	count_ns(sk, reason);
	kfree_skb_reason(skb, xcloud_drop_reason(reason));
	return 0;
drop_dev:
	xcloud_stats_inc(xd->stats, reason);
	kfree_skb_reason(skb, xcloud_drop_reason(reason));
	return 0;
drop:
	kfree_skb_reason(skb, why);
	return 0;
}
