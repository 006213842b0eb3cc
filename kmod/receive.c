// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: encap_rcv of the shared UDP sockets. Validates the GENEVE
 * header, finds the device by VNI, applies its allow-list, strips the
 * outer headers and then delivers the inner packet into the device (edge)
 * or hands it to the relay (gateway).
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
 */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/inet_ecn.h>
#include <net/ip_tunnels.h>
#include <net/udp_tunnel.h>

#include "encap.h"
#include "socket.h"
#include "xcloud.h"

/* The most a GENEVE header can be: base and 63 words of options. */
#define GENEVE_MAX_HLEN	(XCLOUD_GENEVE_HLEN + 63 * 4)

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

static bool source_allowed(struct xcloud_dev *xd,
			   const struct xcloud_addr *src)
{
	bool found;

	if (!READ_ONCE(xd->allowed.count))
		return true;
	xcloud_table_lookup(&xd->allowed, src, &found);
	return found;
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
	xcloud_stats_inc(xd->stats, XCLOUD_STATS_A_RX_PACKETS);
	xcloud_stats_add(xd->stats, XCLOUD_STATS_A_RX_BYTES, len);
}

int xcloud_udp_encap_recv(struct sock *sk, struct sk_buff *skb)
{
	struct xcloud_geneve_info gi;
	struct xcloud_peer *peer;
	struct xcloud_addr src;
	struct xcloud_sock *xs;
	struct xcloud_dev *xd;
	unsigned int reason, avail;
	__be16 entropy;
	u8 outer_ds;
	int err;

	if (skb->len < sizeof(struct udphdr) + XCLOUD_GENEVE_HLEN) {
		count_ns(sk, XCLOUD_STATS_A_RX_TRUNCATED);
		goto drop;
	}
	avail = min_t(unsigned int, skb->len - sizeof(struct udphdr),
		      GENEVE_MAX_HLEN);
	if (!pskb_may_pull(skb, sizeof(struct udphdr) + avail))
		goto drop;

	reason = xcloud_geneve_parse(skb->data + sizeof(struct udphdr), avail,
				     &gi);
	/* Without a known version there is no VNI to trust. */
	if (reason == XCLOUD_STATS_A_RX_BAD_VERSION) {
		count_ns(sk, reason);
		goto drop;
	}
	xs = rcu_dereference_sk_user_data(sk);
	xd = xs ? xcloud_sock_lookup_vni(xs, gi.vni) : NULL;
	if (!xd) {
		count_ns(sk, XCLOUD_STATS_A_RX_UNKNOWN_VNI);
		goto drop;
	}
	if (reason)
		goto drop_dev;

	outer_info(skb, &src, &outer_ds);
	entropy = udp_hdr(skb)->source;
	if (!source_allowed(xd, &src)) {
		reason = XCLOUD_STATS_A_RX_SPOOFED;
		goto drop_dev;
	}

	err = iptunnel_pull_header(skb, sizeof(struct udphdr) + gi.hdrlen,
				   gi.proto,
				   !net_eq(xd->net, dev_net(xd->dev)));
	if (err) {
		dev_core_stats_rx_dropped_inc(xd->dev);
		goto drop;
	}
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	if (!inner_header_ok(skb)) {
		reason = XCLOUD_STATS_A_RX_BAD_PROTO;
		goto drop_dev;
	}
	err = INET_ECN_decapsulate(skb, outer_ds,
				   ip_tunnel_get_dsfield(ip_hdr(skb), skb));
	if (err > 1) {		/* CE outside, not-ECT inside */
		dev_core_stats_rx_dropped_inc(xd->dev);
		goto drop;
	}

	peer = xcloud_peer_lookup_create_rx(&xd->peers, &src);
	if (peer) {
		xcloud_peer_touch(peer);
		xcloud_peer_count_rx(peer, skb->len);
	}

	if (xd->cfg.mode == XCLOUD_MODE_GATEWAY)
		xcloud_relay(xd, skb, gi.relayed, entropy);
	else
		deliver(xd, skb);
	return 0;

drop_dev:
	xcloud_stats_inc(xd->stats, reason);
drop:
	kfree_skb(skb);
	return 0;
}
