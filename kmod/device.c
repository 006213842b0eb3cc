// SPDX-License-Identifier: GPL-2.0
/*
 * The "xcloud" link type: an L3 tunnel device (no link-layer header, like
 * WireGuard) per (node, virtual network).
 *
 * Lifetime: ndo_init allocates everything the device owns; ndo_uninit
 * (RTNL, readers may remain) unhooks it from its namespace and stops its
 * GRO cells; priv_destructor, run after the unregister path's grace
 * periods, frees what RCU readers may have been looking at. Each piece
 * has exactly one teardown.
 *
 * Configuration (xd->cfg) is written under RTNL. VNI, port and local
 * address select the socket and the demux slot, so they change only while
 * the device is down; mode and idle timeout change at any time (the data
 * path reads them with READ_ONCE); the tunnel policy changes only while
 * the device has no routes nor next-hop groups, since eager peers are
 * held by their next-hop sets. The
 * source check and the gateways change at any time: the receive path
 * reads the one with READ_ONCE and the other under RCU (a new set is
 * swapped in, the old one freed after a grace period). The probe timers
 * change at any time: the probe work reads them and is kicked to start
 * a new round with them (liveness.c); it runs only while the device is
 * up, stopped by ndo_stop before the device can go away.
 */
#include <linux/if_arp.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/rtnetlink.h>

#include "addr.h"
#include "common.h"
#include "device.h"
#include "encap.h"
#include "ingress.h"
#include "liveness.h"
#include "netlink.h"
#include "peer.h"
#include "send.h"
#include "socket.h"
#include "source.h"
#include "stats.h"
#include "table.h"
#include "xcloud.h"

/* Types only: the values get their own messages in xcloud_link_validate. */
static const struct nla_policy xcloud_link_policy[IFLA_XCLOUD_MAX + 1] = {
	[IFLA_XCLOUD_VNI]		= { .type = NLA_U32 },
	[IFLA_XCLOUD_PORT]		= { .type = NLA_BE16 },
	[IFLA_XCLOUD_LOCAL]		= { .type = NLA_BE32 },
	[IFLA_XCLOUD_LOCAL6]		= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[IFLA_XCLOUD_MODE]		= { .type = NLA_U8 },
	[IFLA_XCLOUD_TUNNELS]		= { .type = NLA_U8 },
	[IFLA_XCLOUD_IDLE_TIMEOUT]	= { .type = NLA_U32 },
	[IFLA_XCLOUD_INGRESS]		= { .type = NLA_U32 },
	[IFLA_XCLOUD_SOURCE_CHECK]	= { .type = NLA_U8 },
	[IFLA_XCLOUD_GATEWAYS]		= { .type = NLA_NESTED },
	[IFLA_XCLOUD_MAX_ROUTES]	= { .type = NLA_U32 },
	[IFLA_XCLOUD_MAX_TUNNELS]	= { .type = NLA_U32 },
	[IFLA_XCLOUD_MAX_ALLOWED]	= { .type = NLA_U32 },
	[IFLA_XCLOUD_PROBE_INTERVAL]	= { .type = NLA_U32 },
	[IFLA_XCLOUD_PROBE_MULTIPLIER]	= { .type = NLA_U8 },
};

void xcloud_cfg_init(struct xcloud_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = htons(XCLOUD_DEFAULT_PORT);
	cfg->mode = XCLOUD_MODE_EDGE;
	cfg->tunnels = XCLOUD_TUNNELS_ONDEMAND;
	cfg->idle_timeout = XCLOUD_DEFAULT_IDLE_TIMEOUT;
	cfg->source_check = 1;
	cfg->max_routes = XCLOUD_DEFAULT_MAX_ROUTES;
	cfg->max_tunnels = XCLOUD_DEFAULT_MAX_TUNNELS;
	cfg->max_allowed = XCLOUD_DEFAULT_MAX_ALLOWED;
	cfg->probe_interval = XCLOUD_DEFAULT_PROBE_INTERVAL;
	cfg->probe_multiplier = XCLOUD_DEFAULT_PROBE_MULTIPLIER;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_cfg_init);

static int xcloud_validate_local6(const struct nlattr *nla,
				  struct netlink_ext_ack *extack)
{
	struct in6_addr ip6 = nla_get_in6_addr(nla);
	int type = ipv6_addr_type(&ip6);

	if (type == IPV6_ADDR_ANY) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "local IPv6 address must not be ::");
		return -EINVAL;
	}
	if (type & IPV6_ADDR_MULTICAST) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "local IPv6 address must not be multicast");
		return -EINVAL;
	}
	if (type & IPV6_ADDR_MAPPED) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "local IPv6 address must not be v4-mapped (use LOCAL)");
		return -EINVAL;
	}
	return 0;
}

static int xcloud_validate_local(const struct nlattr *nla,
				 struct netlink_ext_ack *extack)
{
	__be32 ip = nla_get_in_addr(nla);

	if (ipv4_is_zeronet(ip) || ipv4_is_multicast(ip) ||
	    ipv4_is_lbcast(ip)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "local IPv4 address must be unicast");
		return -EINVAL;
	}
	return 0;
}

/* One IFLA_XCLOUD_GATEWAY entry: 4 or 16 bytes, unicast; into @a. */
static int xcloud_gateway_get(const struct nlattr *nla, struct xcloud_addr *a,
			      struct netlink_ext_ack *extack)
{
	struct in6_addr ip6;
	int type;

	if (nla_type(nla) != IFLA_XCLOUD_GATEWAY) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "the gateway list holds GATEWAY entries only");
		return -EINVAL;
	}
	switch (nla_len(nla)) {
	case sizeof(__be32):
		xcloud_addr_set4(a, nla_get_in_addr(nla));
		if (ipv4_is_zeronet(a->ip4) || ipv4_is_multicast(a->ip4) ||
		    ipv4_is_lbcast(a->ip4))
			goto not_unicast;
		return 0;
	case sizeof(struct in6_addr):
		ip6 = nla_get_in6_addr(nla);
		xcloud_addr_set6(a, &ip6);
		type = ipv6_addr_type(&ip6);
		if (type == IPV6_ADDR_ANY || (type & IPV6_ADDR_MULTICAST))
			goto not_unicast;
		if (type & IPV6_ADDR_MAPPED) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "gateway IPv6 address must not be v4-mapped (give it as IPv4)");
			return -EINVAL;
		}
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, nla,
			    "gateway address must be 4 (IPv4) or 16 (IPv6) bytes");
	return -EINVAL;

not_unicast:
	NL_SET_ERR_MSG_ATTR(extack, nla,
			    "gateway address must be unicast (not unspecified, multicast or broadcast)");
	return -EINVAL;
}

/* IFLA_XCLOUD_GATEWAYS: at most XCLOUD_MAX_GATEWAYS, no duplicates. */
static int xcloud_validate_gateways(const struct nlattr *nest,
				    struct netlink_ext_ack *extack)
{
	struct xcloud_addr seen[XCLOUD_MAX_GATEWAYS];
	const struct nlattr *nla;
	unsigned int n = 0, i;
	int rem, ret;

	nla_for_each_nested(nla, nest, rem) {
		if (n == XCLOUD_MAX_GATEWAYS) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "too many gateways (at most 16)");
			return -EINVAL;
		}
		ret = xcloud_gateway_get(nla, &seen[n], extack);
		if (ret)
			return ret;
		for (i = 0; i < n; i++) {
			if (xcloud_addr_equal(&seen[i], &seen[n])) {
				NL_SET_ERR_MSG_ATTR(extack, nla,
						    "duplicate gateway address");
				return -EINVAL;
			}
		}
		n++;
	}
	if (rem > 0) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "malformed gateway list (trailing bytes)");
		return -EINVAL;
	}
	return 0;
}

/*
 * The set a validated IFLA_XCLOUD_GATEWAYS nest gives, in @out; NULL
 * for an empty nest. Returns 0 or -ENOMEM.
 */
int xcloud_gateways_new(const struct nlattr *nest,
			struct xcloud_gateways **out)
{
	struct xcloud_gateways *gws;
	const struct nlattr *nla;
	unsigned int n = 0;
	int rem;

	*out = NULL;
	nla_for_each_nested(nla, nest, rem)
		n++;
	if (!n)
		return 0;
	gws = kzalloc(struct_size(gws, addr, n), XCLOUD_GFP_ACCOUNT);
	if (!gws)
		return -ENOMEM;
	nla_for_each_nested(nla, nest, rem)
		if (!xcloud_gateway_get(nla, &gws->addr[gws->count], NULL))
			gws->count++;
	*out = gws;
	return 0;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_gateways_new);

/* A per-device limit given and not in 1..XCLOUD_LIMIT_MAX? */
static bool xcloud_limit_bad(const struct nlattr *nla)
{
	return nla && (!nla_get_u32(nla) || nla_get_u32(nla) > XCLOUD_LIMIT_MAX);
}

/*
 * rtnl_link_ops::validate, for creation and change alike: every value
 * given must make sense. Presence (the VNI on creation) and conflicts
 * with other devices are checked by newlink/changelink.
 */
int xcloud_link_validate(struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	struct nlattr *nla;
	int ret;

	if (tb && tb[IFLA_ADDRESS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
				    "xcloud devices have no link-layer address");
		return -EINVAL;
	}
	if (!data)
		return 0;

	nla = data[IFLA_XCLOUD_VNI];
	if (nla && nla_get_u32(nla) > XCLOUD_VNI_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "VNI out of range (0-16777215)");
		return -ERANGE;
	}
	nla = data[IFLA_XCLOUD_PORT];
	if (nla && !nla_get_be16(nla)) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "UDP port must not be 0");
		return -EINVAL;
	}
	if (data[IFLA_XCLOUD_LOCAL] && data[IFLA_XCLOUD_LOCAL6]) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_XCLOUD_LOCAL6],
				    "give LOCAL or LOCAL6, not both");
		return -EINVAL;
	}
	if (data[IFLA_XCLOUD_LOCAL]) {
		ret = xcloud_validate_local(data[IFLA_XCLOUD_LOCAL], extack);
		if (ret)
			return ret;
	}
	if (data[IFLA_XCLOUD_LOCAL6]) {
		ret = xcloud_validate_local6(data[IFLA_XCLOUD_LOCAL6], extack);
		if (ret)
			return ret;
	}
	nla = data[IFLA_XCLOUD_MODE];
	if (nla && nla_get_u8(nla) > XCLOUD_MODE_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "unknown mode (edge|gateway)");
		return -EINVAL;
	}
	nla = data[IFLA_XCLOUD_TUNNELS];
	if (nla && nla_get_u8(nla) > XCLOUD_TUNNELS_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "unknown tunnel policy (ondemand|eager)");
		return -EINVAL;
	}
	nla = data[IFLA_XCLOUD_IDLE_TIMEOUT];
	if (nla && (!nla_get_u32(nla) ||
		    nla_get_u32(nla) > XCLOUD_MAX_IDLE_TIMEOUT)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "idle timeout out of range (1-86400 seconds)");
		return -ERANGE;
	}
	nla = data[IFLA_XCLOUD_SOURCE_CHECK];
	if (nla && nla_get_u8(nla) > 1) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "source check is 0 (off) or 1 (on)");
		return -EINVAL;
	}
	nla = data[IFLA_XCLOUD_MAX_ROUTES];
	if (xcloud_limit_bad(nla)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "max-routes out of range (1-16777216)");
		return -ERANGE;
	}
	nla = data[IFLA_XCLOUD_MAX_TUNNELS];
	if (xcloud_limit_bad(nla)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "max-tunnels out of range (1-16777216)");
		return -ERANGE;
	}
	nla = data[IFLA_XCLOUD_MAX_ALLOWED];
	if (xcloud_limit_bad(nla)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "max-allowed out of range (1-16777216)");
		return -ERANGE;
	}
	nla = data[IFLA_XCLOUD_PROBE_INTERVAL];
	if (nla && nla_get_u32(nla) &&
	    (nla_get_u32(nla) < XCLOUD_MIN_PROBE_INTERVAL ||
	     nla_get_u32(nla) > XCLOUD_MAX_PROBE_INTERVAL)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "probe interval out of range (0 for off, or 10-60000 ms)");
		return -ERANGE;
	}
	nla = data[IFLA_XCLOUD_PROBE_MULTIPLIER];
	if (nla && !nla_get_u8(nla)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "probe multiplier out of range (1-255)");
		return -ERANGE;
	}
	if (data[IFLA_XCLOUD_GATEWAYS])
		return xcloud_validate_gateways(data[IFLA_XCLOUD_GATEWAYS],
						extack);
	return 0;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_link_validate);

/*
 * Apply validated attributes to @cfg. On creation the VNI is required.
 * Giving LOCAL or LOCAL6 replaces the local address (and so its family).
 */
int xcloud_cfg_parse(struct xcloud_cfg *cfg, struct nlattr *data[],
		     bool create, struct netlink_ext_ack *extack)
{
	if (create && (!data || !data[IFLA_XCLOUD_VNI])) {
		NL_SET_ERR_MSG(extack, "VNI is required (vni 0-16777215)");
		return -EINVAL;
	}
	if (!data)
		return 0;
	if (data[IFLA_XCLOUD_VNI])
		cfg->vni = nla_get_u32(data[IFLA_XCLOUD_VNI]);
	if (data[IFLA_XCLOUD_PORT])
		cfg->port = nla_get_be16(data[IFLA_XCLOUD_PORT]);
	if (data[IFLA_XCLOUD_LOCAL])
		xcloud_addr_set4(&cfg->local,
				 nla_get_in_addr(data[IFLA_XCLOUD_LOCAL]));
	if (data[IFLA_XCLOUD_LOCAL6]) {
		struct in6_addr ip6 = nla_get_in6_addr(data[IFLA_XCLOUD_LOCAL6]);

		xcloud_addr_set6(&cfg->local, &ip6);
	}
	if (data[IFLA_XCLOUD_MODE])
		cfg->mode = nla_get_u8(data[IFLA_XCLOUD_MODE]);
	if (data[IFLA_XCLOUD_TUNNELS])
		cfg->tunnels = nla_get_u8(data[IFLA_XCLOUD_TUNNELS]);
	if (data[IFLA_XCLOUD_IDLE_TIMEOUT])
		cfg->idle_timeout = nla_get_u32(data[IFLA_XCLOUD_IDLE_TIMEOUT]);
	if (data[IFLA_XCLOUD_SOURCE_CHECK])
		cfg->source_check = nla_get_u8(data[IFLA_XCLOUD_SOURCE_CHECK]);
	if (data[IFLA_XCLOUD_MAX_ROUTES])
		cfg->max_routes = nla_get_u32(data[IFLA_XCLOUD_MAX_ROUTES]);
	if (data[IFLA_XCLOUD_MAX_TUNNELS])
		cfg->max_tunnels = nla_get_u32(data[IFLA_XCLOUD_MAX_TUNNELS]);
	if (data[IFLA_XCLOUD_MAX_ALLOWED])
		cfg->max_allowed = nla_get_u32(data[IFLA_XCLOUD_MAX_ALLOWED]);
	if (data[IFLA_XCLOUD_PROBE_INTERVAL])
		cfg->probe_interval =
			nla_get_u32(data[IFLA_XCLOUD_PROBE_INTERVAL]);
	if (data[IFLA_XCLOUD_PROBE_MULTIPLIER])
		cfg->probe_multiplier =
			nla_get_u8(data[IFLA_XCLOUD_PROBE_MULTIPLIER]);
	return 0;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_cfg_parse);

/* Another device of the namespace on the same (VNI, port)? Under RTNL. */
static bool xcloud_cfg_taken(struct xcloud_net *xn,
			     const struct xcloud_dev *self,
			     const struct xcloud_cfg *cfg)
{
	struct xcloud_dev *xd;

	ASSERT_RTNL();
	list_for_each_entry(xd, &xn->devices, list)
		if (xd != self && xd->cfg.vni == cfg->vni &&
		    xd->cfg.port == cfg->port)
			return true;
	return false;
}

/*
 * What the underlay's family costs: the largest MTU it leaves room for,
 * and the headroom a packet routed into the device should already have
 * (an Ethernet underlay, as the kernel's geneve assumes; a deeper lower
 * device costs one reallocation in push_geneve). LL_MAX_HEADER here made
 * ip_forward() reallocate nearly every packet from a NIC.
 */
static void xcloud_set_underlay_sizes(struct net_device *dev,
				      const struct xcloud_cfg *cfg)
{
	unsigned int overhead = cfg->local.family == AF_INET ?
				XCLOUD_OVERHEAD4 : XCLOUD_OVERHEAD6;

	dev->needed_headroom = ETH_HLEN + overhead;
	dev->max_mtu = IP_MAX_MTU - overhead;
	if (dev->mtu > dev->max_mtu)
		dev->mtu = dev->max_mtu;
}

static int xcloud_dev_init(struct net_device *dev)
{
	struct xcloud_dev *xd = netdev_priv(dev);
	int ret;

	dev->tstats = __netdev_alloc_pcpu_stats(struct pcpu_sw_netstats,
						XCLOUD_GFP_ACCOUNT);
	if (!dev->tstats)
		return -ENOMEM;
	xd->stats = __netdev_alloc_pcpu_stats(struct xcloud_stats,
					      XCLOUD_GFP_ACCOUNT);
	if (!xd->stats) {
		ret = -ENOMEM;
		goto err_tstats;
	}
	ret = gro_cells_init(&xd->gro_cells, dev);
	if (ret)
		goto err_stats;
	mutex_init(&xd->update_lock);
	xcloud_liveness_init(xd);
	ret = xcloud_table_init(&xd->routes, &xd->update_lock,
				&xcloud_peer_table_ops, xd);
	if (ret)
		goto err_gro;
	ret = xcloud_table_init(&xd->allowed, &xd->update_lock, NULL, xd);
	if (ret)
		goto err_routes;
	ret = xcloud_peers_init(&xd->peers, xd);
	if (ret)
		goto err_allowed;
	/* No command can reach the device before it is registered. */
	xd->routes.max = xd->cfg.max_routes;
	xd->allowed.max = xd->cfg.max_allowed;
	return 0;

err_allowed:
	mutex_lock(&xd->update_lock);
	xcloud_table_destroy(&xd->allowed);
	mutex_unlock(&xd->update_lock);
err_routes:
	mutex_lock(&xd->update_lock);
	xcloud_table_destroy(&xd->routes);
	mutex_unlock(&xd->update_lock);
err_gro:
	mutex_destroy(&xd->update_lock);
	gro_cells_destroy(&xd->gro_cells);
err_stats:
	free_percpu(xd->stats);
	xd->stats = NULL;
err_tstats:
	free_percpu(dev->tstats);
	dev->tstats = NULL;
	return ret;
}

/*
 * Under RTNL, after ndo_stop; data path readers may remain. Commands
 * that found the device before it was unlisted hold a reference and wait
 * for update_lock: they see xd->dead and give up, so none touches the
 * tables after this.
 */
static void xcloud_dev_uninit(struct net_device *dev)
{
	struct xcloud_dev *xd = netdev_priv(dev);

	mutex_lock(&xd->update_lock);
	xd->dead = true;
	mutex_unlock(&xd->update_lock);
	xcloud_ingress_set(xd, NULL);
	list_del_init(&xd->list);
	xcloud_generation_bump(&xcloud_pernet(dev_net(dev))->generation);
	gro_cells_destroy(&xd->gro_cells);
}

/*
 * priv_destructor: after unregistration and its grace periods (or when
 * register_netdevice() failed after ndo_init), so no reader is left.
 */
static void xcloud_dev_free(struct net_device *dev)
{
	struct xcloud_dev *xd = netdev_priv(dev);

	/*
	 * Routes hold eager peers: drop them before the peers go. The
	 * table's hooks assert update_lock, nobody else can contend here.
	 */
	mutex_lock(&xd->update_lock);
	xcloud_table_destroy(&xd->routes);
	xcloud_table_destroy(&xd->allowed);
	mutex_unlock(&xd->update_lock);
	xcloud_peers_destroy(&xd->peers);
	kfree(rcu_dereference_protected(xd->gateways, true));
	free_percpu(xd->stats);
	free_percpu(dev->tstats);
	mutex_destroy(&xd->update_lock);
}

static int xcloud_dev_open(struct net_device *dev)
{
	struct xcloud_dev *xd = netdev_priv(dev);
	int ret;

	ret = xcloud_sock_open(xd, NULL);
	if (!ret)
		xcloud_liveness_start(xd);
	return ret;
}

static int xcloud_dev_stop(struct net_device *dev)
{
	struct xcloud_dev *xd = netdev_priv(dev);

	/* The probe work sends on the sockets: stopped first. */
	xcloud_liveness_stop(xd);
	xcloud_sock_close(xd);
	return 0;
}

/*
 * Packets and bytes, and the underlay's drops, are the core's tunnel
 * counters (iptunnel_xmit() counts them in dev->tstats and dev->stats);
 * the drops xcloud itself decides fold into errors and drops.
 */
static void xcloud_get_stats64(struct net_device *dev,
			       struct rtnl_link_stats64 *s)
{
	struct xcloud_dev *xd = netdev_priv(dev);
	u64 c[__XCLOUD_STATS_A_MAX];

	dev_get_tstats64(dev, s);
	xcloud_stats_read(xd->stats, c);
	s->tx_errors += c[XCLOUD_STATS_A_TX_ERRORS];
	s->tx_dropped += c[XCLOUD_STATS_A_TX_NO_ROUTE] +
			 c[XCLOUD_STATS_A_TX_TOO_BIG];
	s->rx_errors += c[XCLOUD_STATS_A_RX_TRUNCATED] +
			c[XCLOUD_STATS_A_RX_BAD_VERSION] +
			c[XCLOUD_STATS_A_RX_BAD_PROTO] +
			c[XCLOUD_STATS_A_RX_CRITICAL_OPT];
	s->rx_dropped += c[XCLOUD_STATS_A_RX_SPOOFED] +
			 c[XCLOUD_STATS_A_RX_NO_ROUTE] +
			 c[XCLOUD_STATS_A_RX_HOP_LIMIT] +
			 c[XCLOUD_STATS_A_RX_SRC_UNROUTED] +
			 c[XCLOUD_STATS_A_RX_SRC_MISMATCH];
}

static const struct net_device_ops xcloud_netdev_ops = {
	.ndo_init		= xcloud_dev_init,
	.ndo_uninit		= xcloud_dev_uninit,
	.ndo_open		= xcloud_dev_open,
	.ndo_stop		= xcloud_dev_stop,
	.ndo_start_xmit		= xcloud_xmit,
	.ndo_get_stats64	= xcloud_get_stats64,
};

static const struct device_type xcloud_device_type = {
	.name = "xcloud",
};

#define XCLOUD_FEATURES (NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM | \
			 NETIF_F_HIGHDMA | NETIF_F_GSO_SOFTWARE)

static void xcloud_setup(struct net_device *dev)
{
	struct xcloud_dev *xd = netdev_priv(dev);

	dev->netdev_ops = &xcloud_netdev_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = xcloud_dev_free;
	SET_NETDEV_DEVTYPE(dev, &xcloud_device_type);

	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = ETH_HLEN + XCLOUD_OVERHEAD6;

	dev->features |= NETIF_F_LLTX | NETIF_F_NETNS_LOCAL | XCLOUD_FEATURES;
	dev->hw_features |= XCLOUD_FEATURES;
	dev->hw_enc_features |= XCLOUD_FEATURES;

	/* IPv6 underlay unless a local IPv4 address says otherwise. */
	dev->mtu = ETH_DATA_LEN - XCLOUD_OVERHEAD6;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - XCLOUD_OVERHEAD4;

	/* ICMP errors for tunnelled packets need the dst. */
	netif_keep_dst(dev);

	xd->dev = dev;
	INIT_LIST_HEAD(&xd->list);
}

static int xcloud_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	struct xcloud_dev *xd = netdev_priv(dev);
	struct net *net = dev_net(dev);
	struct xcloud_net *xn = xcloud_pernet(net);
	struct xcloud_gateways *gws = NULL;
	struct net_device *ingress = NULL;
	int ret;

	xcloud_cfg_init(&xd->cfg);
	ret = xcloud_cfg_parse(&xd->cfg, data, true, extack);
	if (ret)
		return ret;
	if (data[IFLA_XCLOUD_INGRESS]) {
		ingress = xcloud_ingress_resolve(net, data[IFLA_XCLOUD_INGRESS],
						 extack);
		if (IS_ERR(ingress))
			return PTR_ERR(ingress);
	}
	if (xcloud_cfg_taken(xn, xd, &xd->cfg)) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_XCLOUD_VNI],
				    "a device with this VNI and port exists in the namespace");
		return -EEXIST;
	}
	ret = xcloud_sock_check_port(net, xd->cfg.port, xd->cfg.local.family,
				     data[IFLA_XCLOUD_PORT], extack);
	if (ret)
		return ret;
	if (data[IFLA_XCLOUD_GATEWAYS]) {
		ret = xcloud_gateways_new(data[IFLA_XCLOUD_GATEWAYS], &gws);
		if (ret)
			return ret;
	}
	xd->net = net;
	if (!tb[IFLA_MTU] && xd->cfg.local.family == AF_INET)
		dev->mtu = ETH_DATA_LEN - XCLOUD_OVERHEAD4;
	xcloud_set_underlay_sizes(dev, &xd->cfg);

	ret = register_netdevice(dev);
	if (ret) {
		kfree(gws);
		return ret;
	}
	/* Down and under RTNL: no reader yet; priv_destructor frees it. */
	rcu_assign_pointer(xd->gateways, gws);
	list_add_tail(&xd->list, &xn->devices);
	xcloud_generation_bump(&xn->generation);
	ret = xcloud_ingress_set(xd, ingress);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot hook the ingress device");
		/* registered: the caller would not unregister it */
		unregister_netdevice(dev);
	}
	return ret;
}

static int xcloud_changelink(struct net_device *dev, struct nlattr *tb[],
			     struct nlattr *data[],
			     struct netlink_ext_ack *extack)
{
	struct xcloud_dev *xd = netdev_priv(dev);
	struct xcloud_net *xn = xcloud_pernet(dev_net(dev));
	struct xcloud_gateways *gws = NULL, *old_gws;
	struct net_device *ingress = xd->ingress;
	struct xcloud_cfg cfg = xd->cfg;
	bool tunnels_changed;
	int ret;

	ret = xcloud_cfg_parse(&cfg, data, false, extack);
	if (ret)
		return ret;
	if (data && data[IFLA_XCLOUD_INGRESS]) {
		ingress = xcloud_ingress_resolve(dev_net(dev),
						 data[IFLA_XCLOUD_INGRESS],
						 extack);
		if (IS_ERR(ingress))
			return PTR_ERR(ingress);
	}

	if (cfg.vni != xd->cfg.vni || cfg.port != xd->cfg.port ||
	    !xcloud_addr_equal(&cfg.local, &xd->cfg.local)) {
		if (dev->flags & IFF_UP) {
			NL_SET_ERR_MSG(extack,
				       "VNI, port and local address change only while the device is down");
			return -EBUSY;
		}
		if (xcloud_cfg_taken(xn, xd, &cfg)) {
			NL_SET_ERR_MSG(extack,
				       "a device with this VNI and port exists in the namespace");
			return -EEXIST;
		}
		if (cfg.port != xd->cfg.port ||
		    cfg.local.family != xd->cfg.local.family) {
			ret = xcloud_sock_check_port(dev_net(dev), cfg.port,
						     cfg.local.family,
						     data ? data[IFLA_XCLOUD_PORT] : NULL,
						     extack);
			if (ret)
				return ret;
		}
	}
	if (data && data[IFLA_XCLOUD_GATEWAYS]) {
		ret = xcloud_gateways_new(data[IFLA_XCLOUD_GATEWAYS], &gws);
		if (ret)
			return ret;
	}

	/* The commands read the policy and the limits under update_lock. */
	mutex_lock(&xd->update_lock);
	tunnels_changed = cfg.tunnels != xd->cfg.tunnels;
	if (tunnels_changed) {
		/*
		 * Eager peers are held by the next-hop sets of routes and
		 * groups; the policy is fixed while they exist.
		 */
		if (xd->routes.count || xd->routes.group_count) {
			mutex_unlock(&xd->update_lock);
			kfree(gws);
			NL_SET_ERR_MSG(extack,
				       "tunnel policy changes only while the device has no routes nor next-hop groups");
			return -EBUSY;
		}
		WRITE_ONCE(xd->cfg.tunnels, cfg.tunnels);
	}
	xd->cfg.max_routes = cfg.max_routes;
	xd->routes.max = cfg.max_routes;
	WRITE_ONCE(xd->cfg.max_tunnels, cfg.max_tunnels);
	xd->cfg.max_allowed = cfg.max_allowed;
	xd->allowed.max = cfg.max_allowed;
	mutex_unlock(&xd->update_lock);

	/* The device is down if any of these changed: no reader of them. */
	WRITE_ONCE(xd->cfg.vni, cfg.vni);
	xd->cfg.port = cfg.port;
	xd->cfg.local = cfg.local;
	WRITE_ONCE(xd->cfg.mode, cfg.mode);
	WRITE_ONCE(xd->cfg.idle_timeout, cfg.idle_timeout);
	WRITE_ONCE(xd->cfg.source_check, cfg.source_check);
	if (cfg.probe_interval != xd->cfg.probe_interval ||
	    cfg.probe_multiplier != xd->cfg.probe_multiplier) {
		WRITE_ONCE(xd->cfg.probe_interval, cfg.probe_interval);
		WRITE_ONCE(xd->cfg.probe_multiplier, cfg.probe_multiplier);
		xcloud_liveness_changed(xd);
	}
	if (data && data[IFLA_XCLOUD_GATEWAYS]) {
		old_gws = rtnl_dereference(xd->gateways);
		rcu_assign_pointer(xd->gateways, gws);
		if (old_gws)
			kfree_rcu(old_gws, rcu);
	}
	xcloud_set_underlay_sizes(dev, &xd->cfg);
	xcloud_generation_bump(&xn->generation);
	/* Last: nothing above fails, so an error here changes only this. */
	ret = xcloud_ingress_set(xd, ingress);
	if (ret)
		NL_SET_ERR_MSG(extack,
			       "cannot hook the ingress device; it has none now");
	return ret;
}

static size_t xcloud_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u32)) +		/* VNI */
	       nla_total_size(sizeof(__be16)) +		/* PORT */
	       nla_total_size(sizeof(struct in6_addr)) + /* LOCAL or LOCAL6 */
	       nla_total_size(sizeof(u8)) +		/* MODE */
	       nla_total_size(sizeof(u8)) +		/* TUNNELS */
	       nla_total_size(sizeof(u32)) +		/* IDLE_TIMEOUT */
	       nla_total_size(sizeof(u32)) +		/* INGRESS */
	       nla_total_size(sizeof(u8)) +		/* SOURCE_CHECK */
	       3 * nla_total_size(sizeof(u32)) +	/* MAX_* */
	       nla_total_size(sizeof(u32)) +		/* PROBE_INTERVAL */
	       nla_total_size(sizeof(u8)) +		/* PROBE_MULTIPLIER */
	       nla_total_size(0) +			/* GATEWAYS */
	       XCLOUD_MAX_GATEWAYS *			/* GATEWAY */
			nla_total_size(sizeof(struct in6_addr));
}

static int xcloud_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	const struct xcloud_dev *xd = netdev_priv(dev);
	const struct xcloud_cfg *cfg = &xd->cfg;

	if (nla_put_u32(skb, IFLA_XCLOUD_VNI, cfg->vni) ||
	    nla_put_be16(skb, IFLA_XCLOUD_PORT, cfg->port) ||
	    nla_put_u8(skb, IFLA_XCLOUD_MODE, cfg->mode) ||
	    nla_put_u8(skb, IFLA_XCLOUD_TUNNELS, cfg->tunnels) ||
	    nla_put_u32(skb, IFLA_XCLOUD_IDLE_TIMEOUT, cfg->idle_timeout) ||
	    nla_put_u8(skb, IFLA_XCLOUD_SOURCE_CHECK, cfg->source_check) ||
	    xcloud_put_gateways(skb, xd, IFLA_XCLOUD_GATEWAYS,
				IFLA_XCLOUD_GATEWAY) ||
	    nla_put_u32(skb, IFLA_XCLOUD_MAX_ROUTES, cfg->max_routes) ||
	    nla_put_u32(skb, IFLA_XCLOUD_MAX_TUNNELS, cfg->max_tunnels) ||
	    nla_put_u32(skb, IFLA_XCLOUD_MAX_ALLOWED, cfg->max_allowed) ||
	    nla_put_u32(skb, IFLA_XCLOUD_PROBE_INTERVAL, cfg->probe_interval) ||
	    nla_put_u8(skb, IFLA_XCLOUD_PROBE_MULTIPLIER,
		       cfg->probe_multiplier))
		return -EMSGSIZE;
	if (cfg->local.family == AF_INET &&
	    nla_put_in_addr(skb, IFLA_XCLOUD_LOCAL, cfg->local.ip4))
		return -EMSGSIZE;
	if (cfg->local.family == AF_INET6 &&
	    nla_put_in6_addr(skb, IFLA_XCLOUD_LOCAL6, &cfg->local.ip6))
		return -EMSGSIZE;
	if (xd->ingress &&
	    nla_put_u32(skb, IFLA_XCLOUD_INGRESS, xd->ingress->ifindex))
		return -EMSGSIZE;
	return 0;
}

struct rtnl_link_ops xcloud_link_ops __read_mostly = {
	.kind		= "xcloud",
	.priv_size	= sizeof(struct xcloud_dev),
	.setup		= xcloud_setup,
	.maxtype	= IFLA_XCLOUD_MAX,
	.policy		= xcloud_link_policy,
	.validate	= xcloud_link_validate,
	.newlink	= xcloud_newlink,
	.changelink	= xcloud_changelink,
	.dellink	= unregister_netdevice_queue,
	.get_size	= xcloud_get_size,
	.fill_info	= xcloud_fill_info,
};

/* Queue every device of a dying namespace on @kill, under RTNL. */
void xcloud_net_exit_devices(struct net *net, struct list_head *kill)
{
	struct xcloud_net *xn = xcloud_pernet(net);
	struct xcloud_dev *xd;

	ASSERT_RTNL();
	list_for_each_entry(xd, &xn->devices, list)
		unregister_netdevice_queue(xd->dev, kill);
}

int __init xcloud_device_init(void)
{
	return rtnl_link_register(&xcloud_link_ops);
}

void xcloud_device_uninit(void)
{
	/* Deletes the devices of every namespace. */
	rtnl_link_unregister(&xcloud_link_ops);
}
