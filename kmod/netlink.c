// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "xcloud": policies, the ops table, device
 * lookup, DEV_GET, STATS_GET and events. The ROUTE_*, ALLOW_*, NHGROUP_*
 * and TUNNEL_* handlers live in netlink_route.c, netlink_nhgroup.c and
 * netlink_tunnel.c.
 *
 * Every command has its own strict policy: an attribute it does not take
 * is refused. Change commands, the reads that show traffic (TUNNEL_GET,
 * ALLOW_GET, STATS_GET) and the events group need CAP_NET_ADMIN in the
 * user namespace of the socket's network namespace, which is the
 * device's.
 */
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netns/generic.h>

#include "addr.h"
#include "netlink.h"
#include "netlink_family.h"
#include "source.h"
#include "stats.h"
#include "xcloud.h"

static const struct nla_policy xcloud_dev_policy[XCLOUD_A_IFNAME + 1] = {
	[XCLOUD_A_IFINDEX]	= { .type = NLA_U32 },
	[XCLOUD_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

static const struct nla_policy xcloud_routes_policy[XCLOUD_A_ROUTE + 1] = {
	[XCLOUD_A_ROUTE]	= NLA_POLICY_NESTED(xcloud_route_policy),
};

static const struct nla_policy xcloud_route_cmd_policy[XCLOUD_A_REPLACE + 1] = {
	[XCLOUD_A_IFINDEX]	= { .type = NLA_U32 },
	[XCLOUD_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[XCLOUD_A_ROUTES]	= NLA_POLICY_NESTED(xcloud_routes_policy),
	[XCLOUD_A_DST]		= XCLOUD_ADDR_POLICY,
	[XCLOUD_A_REPLACE]	= { .type = NLA_FLAG },
};

static const struct nla_policy xcloud_nhgroups_policy[XCLOUD_A_NHGROUP + 1] = {
	[XCLOUD_A_NHGROUP]	= NLA_POLICY_NESTED(xcloud_nhgroup_policy),
};

static const struct nla_policy xcloud_nhgroup_cmd_policy[XCLOUD_A_NHGROUPS + 1] = {
	[XCLOUD_A_IFINDEX]	= { .type = NLA_U32 },
	[XCLOUD_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[XCLOUD_A_REPLACE]	= { .type = NLA_FLAG },
	[XCLOUD_A_NHGROUPS]	= NLA_POLICY_NESTED(xcloud_nhgroups_policy),
};

static const struct nla_policy xcloud_tunnels_policy[XCLOUD_A_TUNNEL + 1] = {
	[XCLOUD_A_TUNNEL]	= NLA_POLICY_NESTED(xcloud_tunnel_policy),
};

static const struct nla_policy xcloud_tunnel_cmd_policy[XCLOUD_A_TUNNELS + 1] = {
	[XCLOUD_A_IFINDEX]	= { .type = NLA_U32 },
	[XCLOUD_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[XCLOUD_A_TUNNELS]	= NLA_POLICY_NESTED(xcloud_tunnels_policy),
};

static const struct nla_policy xcloud_allowed_policy[XCLOUD_A_PREFIX + 1] = {
	[XCLOUD_A_PREFIX]	= NLA_POLICY_NESTED(xcloud_prefix_policy),
};

static const struct nla_policy xcloud_allow_cmd_policy[XCLOUD_A_PREFIX + 1] = {
	[XCLOUD_A_IFINDEX]	= { .type = NLA_U32 },
	[XCLOUD_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[XCLOUD_A_ALLOWED]	= NLA_POLICY_NESTED(xcloud_allowed_policy),
};

/* ---- helpers shared with netlink_route.c and netlink_tunnel.c ---- */

/*
 * No RTNL here: a reference keeps the device's memory (and so its
 * update_lock) until xcloud_genl_dev_unlock(); the lock, and xd->dead
 * which ndo_uninit sets under it, tell whether it is still registered.
 */
struct xcloud_dev *xcloud_genl_dev_lock(struct net *net, struct nlattr **attrs,
					struct netlink_ext_ack *extack)
{
	struct nlattr *ifindex = attrs[XCLOUD_A_IFINDEX];
	struct nlattr *ifname = attrs[XCLOUD_A_IFNAME];
	struct net_device *dev, *named;
	struct xcloud_dev *xd;

	if (!ifindex && !ifname) {
		NL_SET_ERR_MSG(extack, "device required (IFINDEX or IFNAME)");
		return ERR_PTR(-EINVAL);
	}

	if (ifindex)
		dev = dev_get_by_index(net, nla_get_u32(ifindex));
	else
		dev = dev_get_by_name(net, nla_data(ifname));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: ifname, "no such device");
		return ERR_PTR(-ENODEV);
	}
	if (ifindex && ifname) {
		/* Compared as devices: the name may change without RTNL. */
		rcu_read_lock();
		named = dev_get_by_name_rcu(net, nla_data(ifname));
		rcu_read_unlock();
		if (named != dev) {
			NL_SET_ERR_MSG_ATTR(extack, ifname,
					    "IFINDEX and IFNAME name different devices");
			dev_put(dev);
			return ERR_PTR(-EINVAL);
		}
	}
	if (!xcloud_is_dev(dev)) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: ifname,
				    "not an xcloud device");
		dev_put(dev);
		return ERR_PTR(-EOPNOTSUPP);
	}
	xd = netdev_priv(dev);
	mutex_lock(&xd->update_lock);
	if (xd->dead) {
		mutex_unlock(&xd->update_lock);
		dev_put(dev);
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: ifname,
				    "device is being deleted");
		return ERR_PTR(-ENODEV);
	}
	return xd;
}

void xcloud_genl_dev_unlock(struct xcloud_dev *xd)
{
	struct net_device *dev = xd->dev;

	lockdep_assert_held(&xd->update_lock);
	mutex_unlock(&xd->update_lock);
	dev_put(dev);
}

int xcloud_nla_validate_addr(const struct nlattr *nla,
			     struct netlink_ext_ack *extack)
{
	if (nla_len(nla) == sizeof(struct in_addr) ||
	    nla_len(nla) == sizeof(struct in6_addr))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, nla,
			    "address must be 4 (IPv4) or 16 (IPv6) bytes");
	return -EINVAL;
}

int xcloud_nla_get_addr(const struct nlattr *nla, struct xcloud_addr *addr,
			struct netlink_ext_ack *extack)
{
	switch (nla_len(nla)) {
	case sizeof(struct in_addr):
		xcloud_addr_set4(addr, nla_get_in_addr(nla));
		return 0;
	case sizeof(struct in6_addr): {
		struct in6_addr ip6 = nla_get_in6_addr(nla);

		xcloud_addr_set6(addr, &ip6);
		return 0;
	}
	}
	NL_SET_ERR_MSG_ATTR(extack, nla,
			    "address must be 4 (IPv4) or 16 (IPv6) bytes");
	return -EINVAL;
}

int xcloud_nla_put_addr(struct sk_buff *skb, int type,
			const struct xcloud_addr *addr)
{
	return nla_put(skb, type, xcloud_addr_len(addr->family), addr->bytes);
}

int xcloud_nla_get_nexthops(const struct nlattr *nest, int type,
			    struct xcloud_addr *addrs, u8 *count,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *nla;
	int rem, ret;

	nla_for_each_nested(nla, nest, rem) {
		if (nla_type(nla) != type) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "unexpected attribute in a next-hop list");
			return -EINVAL;
		}
		if (*count == XCLOUD_MAX_NEXTHOPS) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "more than 8 addresses in a next-hop list");
			return -E2BIG;
		}
		ret = xcloud_nla_get_addr(nla, &addrs[*count], extack);
		if (ret)
			return ret;
		(*count)++;
	}
	return 0;
}

int xcloud_nla_put_nexthops(struct sk_buff *skb, int nest_type, int type,
			    const struct xcloud_addr *addrs,
			    unsigned int count)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, nest_type);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < count; i++) {
		if (xcloud_nla_put_addr(skb, type, &addrs[i])) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

int xcloud_genl_batch(struct genl_info *info, int list,
		      int (*one)(struct xcloud_dev *xd, struct nlattr *item,
				 struct genl_info *info))
{
	struct xcloud_dev *xd;
	struct nlattr *nla;
	int rem, ret = 0;

	if (GENL_REQ_ATTR_CHECK(info, list)) {
		/* The extack names the missing attribute's type. */
		NL_SET_ERR_MSG_MOD(info->extack, "missing the batch's list");
		return -EINVAL;
	}
	xd = xcloud_genl_dev_lock(genl_info_net(info), info->attrs,
				  info->extack);
	if (IS_ERR(xd))
		return PTR_ERR(xd);
	nla_for_each_nested(nla, info->attrs[list], rem) {
		ret = one(xd, nla, info);
		if (ret < 0) {
			NL_SET_BAD_ATTR(info->extack, nla);
			break;
		}
		ret = 0;
		cond_resched();
	}
	xcloud_genl_dev_unlock(xd);
	return ret;
}

/* May run in the data path (BH): atomic allocation, nothing waits. */
void xcloud_genl_notify(struct xcloud_dev *xd, u8 cmd,
			int (*fill)(struct sk_buff *skb, const void *arg),
			const void *arg)
{
	struct net *net = xd->net;
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&xcloud_genl_family, net, 0))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &xcloud_genl_family, 0, cmd);
	if (!hdr)
		goto err;
	if (nla_put_u32(skb, XCLOUD_A_IFINDEX, xd->dev->ifindex) ||
	    (fill && fill(skb, arg)))
		goto err;
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&xcloud_genl_family, net, skb, 0, 0,
				GFP_ATOMIC);
	return;
err:
	nlmsg_free(skb);
}

/* IFLA_XCLOUD_GATEWAYS, or XCLOUD_A_GATEWAYS: a nest, even if empty. */
int xcloud_put_gateways(struct sk_buff *skb, const struct xcloud_dev *xd,
			int nest_type, int type)
{
	const struct xcloud_gateways *gws;
	struct nlattr *nest;
	unsigned int i;
	int ret = 0;

	nest = nla_nest_start(skb, nest_type);
	if (!nest)
		return -EMSGSIZE;
	rcu_read_lock();
	gws = rcu_dereference(xd->gateways);
	for (i = 0; gws && i < gws->count && !ret; i++)
		ret = nla_put(skb, type, xcloud_addr_len(gws->addr[i].family),
			      gws->addr[i].bytes);
	rcu_read_unlock();
	if (ret) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* ---- DEV_GET ---- */

/* Under RTNL (the config) and update_lock (the counts). */
static int xcloud_dev_fill(struct sk_buff *skb, struct xcloud_dev *xd,
			   u32 portid, u32 seq, int flags,
			   struct netlink_callback *cb)
{
	const struct xcloud_cfg *cfg = &xd->cfg;
	void *hdr;

	ASSERT_RTNL();
	lockdep_assert_held(&xd->update_lock);
	hdr = genlmsg_put(skb, portid, seq, &xcloud_genl_family, flags,
			  XCLOUD_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_u32(skb, XCLOUD_A_IFINDEX, xd->dev->ifindex) ||
	    nla_put_string(skb, XCLOUD_A_IFNAME, xd->dev->name) ||
	    nla_put_u32(skb, XCLOUD_A_VNI, cfg->vni) ||
	    nla_put_u16(skb, XCLOUD_A_PORT, ntohs(cfg->port)) ||
	    nla_put_u8(skb, XCLOUD_A_MODE, cfg->mode) ||
	    nla_put_u8(skb, XCLOUD_A_TUNNEL_POLICY, cfg->tunnels) ||
	    nla_put_u32(skb, XCLOUD_A_IDLE_TIMEOUT, cfg->idle_timeout) ||
	    nla_put_u8(skb, XCLOUD_A_SOURCE_CHECK, cfg->source_check) ||
	    xcloud_put_gateways(skb, xd, XCLOUD_A_GATEWAYS, XCLOUD_A_GATEWAY) ||
	    nla_put_u32(skb, XCLOUD_A_ROUTE_COUNT, xd->routes.count) ||
	    nla_put_u32(skb, XCLOUD_A_TUNNEL_COUNT,
			READ_ONCE(xd->peers.count)) ||
	    nla_put_u32(skb, XCLOUD_A_ALLOW_COUNT, xd->allowed.count) ||
	    nla_put_u32(skb, XCLOUD_A_NHGROUP_COUNT, xd->routes.group_count) ||
	    nla_put_u32(skb, XCLOUD_A_MAX_ROUTES, cfg->max_routes) ||
	    nla_put_u32(skb, XCLOUD_A_MAX_TUNNELS, cfg->max_tunnels) ||
	    nla_put_u32(skb, XCLOUD_A_MAX_ALLOWED, cfg->max_allowed) ||
	    nla_put_u32(skb, XCLOUD_A_PROBE_INTERVAL, cfg->probe_interval) ||
	    nla_put_u8(skb, XCLOUD_A_PROBE_MULTIPLIER, cfg->probe_multiplier))
		goto err;
	if (cfg->local.family &&
	    xcloud_nla_put_addr(skb, XCLOUD_A_LOCAL, &cfg->local))
		goto err;
	if (xd->ingress &&
	    nla_put_u32(skb, XCLOUD_A_INGRESS, xd->ingress->ifindex))
		goto err;
	genlmsg_end(skb, hdr);
	return 0;
err:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int xcloud_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct xcloud_dev *xd;
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	/* The config is RTNL's; lock order: RTNL, then update_lock. */
	rtnl_lock();
	xd = xcloud_genl_dev_lock(genl_info_net(info), info->attrs,
				  info->extack);
	if (IS_ERR(xd)) {
		rtnl_unlock();
		nlmsg_free(msg);
		return PTR_ERR(xd);
	}
	ret = xcloud_dev_fill(msg, xd, info->snd_portid, info->snd_seq, 0,
			      NULL);
	xcloud_genl_dev_unlock(xd);
	rtnl_unlock();
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/*
 * Devices are few per namespace: the cursor is a position in the list,
 * and the namespace's generation flags a dump that raced with a change.
 */
static int xcloud_nl_dev_get_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct xcloud_net *xn = xcloud_pernet(sock_net(skb->sk));
	long skip = cb->args[0], pos = 0;
	struct xcloud_dev *xd;
	int ret = 0;

	rtnl_lock();
	cb->seq = xn->generation;
	list_for_each_entry(xd, &xn->devices, list) {
		if (pos++ < skip)
			continue;
		mutex_lock(&xd->update_lock);
		ret = xcloud_dev_fill(skb, xd, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		mutex_unlock(&xd->update_lock);
		if (ret) {
			pos--;
			break;
		}
	}
	rtnl_unlock();
	cb->args[0] = pos;
	/* Full with nothing in it: the message can never hold a device. */
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

/* ---- STATS_GET ---- */

/*
 * The device's XCLOUD_STATS_A_* counters into @c[__XCLOUD_STATS_A_MAX]:
 * xcloud's own, and packets, bytes and underlay drops from the core's
 * tunnel counters.
 */
static void xcloud_dev_counters(struct net_device *dev, u64 *c)
{
	struct xcloud_dev *xd = netdev_priv(dev);
	struct rtnl_link_stats64 s = {};

	xcloud_stats_read(xd->stats, c);
	dev_fetch_sw_netstats(&s, dev->tstats);
	c[XCLOUD_STATS_A_TX_PACKETS] = s.tx_packets;
	c[XCLOUD_STATS_A_TX_BYTES] = s.tx_bytes;
	c[XCLOUD_STATS_A_RX_PACKETS] = s.rx_packets;
	c[XCLOUD_STATS_A_RX_BYTES] = s.rx_bytes;
	/* The underlay's drops, counted by the tunnel's transmit. */
	c[XCLOUD_STATS_A_TX_ERRORS] += DEV_STATS_READ(dev, tx_errors) +
				       DEV_STATS_READ(dev, tx_dropped);
}

static int xcloud_put_stats(struct sk_buff *skb, int type, const u64 *c)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	for (i = XCLOUD_STATS_A_PAD + 1; i <= XCLOUD_STATS_A_MAX; i++) {
		if (nla_put_u64_64bit(skb, i, c[i], XCLOUD_STATS_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int xcloud_nl_stats_get_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	u64 dev_c[__XCLOUD_STATS_A_MAX], ns_c[__XCLOUD_STATS_A_MAX];
	struct xcloud_dev *xd;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	xd = xcloud_genl_dev_lock(genl_info_net(info), info->attrs,
				  info->extack);
	if (IS_ERR(xd)) {
		nlmsg_free(msg);
		return PTR_ERR(xd);
	}
	xcloud_dev_counters(xd->dev, dev_c);
	xcloud_stats_read(xcloud_pernet(xd->net)->stats, ns_c);
	ret = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &xcloud_genl_family, 0,
				XCLOUD_CMD_STATS_GET);
	if (hdr &&
	    !nla_put_u32(msg, XCLOUD_A_IFINDEX, xd->dev->ifindex) &&
	    !xcloud_put_stats(msg, XCLOUD_A_STATS, dev_c) &&
	    !xcloud_put_stats(msg, XCLOUD_A_NS_STATS, ns_c)) {
		genlmsg_end(msg, hdr);
		ret = 0;
	}
	xcloud_genl_dev_unlock(xd);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/* ---- the family ---- */

static const struct genl_ops xcloud_genl_ops[] = {
	{
		.cmd = XCLOUD_CMD_DEV_GET,
		.doit = xcloud_nl_dev_get_doit,
		.dumpit = xcloud_nl_dev_get_dumpit,
		.policy = xcloud_dev_policy,
		.maxattr = ARRAY_SIZE(xcloud_dev_policy) - 1,
	},
	{
		.cmd = XCLOUD_CMD_ROUTE_NEW,
		.doit = xcloud_nl_route_new,
		.policy = xcloud_route_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_route_cmd_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XCLOUD_CMD_ROUTE_DEL,
		.doit = xcloud_nl_route_del,
		.policy = xcloud_route_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_route_cmd_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XCLOUD_CMD_ROUTE_GET,
		.doit = xcloud_nl_route_get_doit,
		.dumpit = xcloud_nl_route_get_dumpit,
		.policy = xcloud_route_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_route_cmd_policy) - 1,
	},
	{
		.cmd = XCLOUD_CMD_ROUTE_FLUSH,
		.doit = xcloud_nl_route_flush,
		.policy = xcloud_route_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_route_cmd_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XCLOUD_CMD_NHGROUP_NEW,
		.doit = xcloud_nl_nhgroup_new,
		.policy = xcloud_nhgroup_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_nhgroup_cmd_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XCLOUD_CMD_NHGROUP_DEL,
		.doit = xcloud_nl_nhgroup_del,
		.policy = xcloud_nhgroup_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_nhgroup_cmd_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XCLOUD_CMD_NHGROUP_GET,
		.dumpit = xcloud_nl_nhgroup_get_dumpit,
		.policy = xcloud_nhgroup_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_nhgroup_cmd_policy) - 1,
	},
	{
		.cmd = XCLOUD_CMD_NHGROUP_FLUSH,
		.doit = xcloud_nl_nhgroup_flush,
		.policy = xcloud_nhgroup_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_nhgroup_cmd_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XCLOUD_CMD_TUNNEL_NEW,
		.doit = xcloud_nl_tunnel_new,
		.policy = xcloud_tunnel_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_tunnel_cmd_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XCLOUD_CMD_TUNNEL_DEL,
		.doit = xcloud_nl_tunnel_del,
		.policy = xcloud_tunnel_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_tunnel_cmd_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XCLOUD_CMD_TUNNEL_GET,
		.dumpit = xcloud_nl_tunnel_get_dumpit,
		.policy = xcloud_tunnel_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_tunnel_cmd_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XCLOUD_CMD_ALLOW_NEW,
		.doit = xcloud_nl_allow_new,
		.policy = xcloud_allow_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_allow_cmd_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XCLOUD_CMD_ALLOW_DEL,
		.doit = xcloud_nl_allow_del,
		.policy = xcloud_allow_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_allow_cmd_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XCLOUD_CMD_ALLOW_GET,
		.dumpit = xcloud_nl_allow_get_dumpit,
		.policy = xcloud_allow_cmd_policy,
		.maxattr = ARRAY_SIZE(xcloud_allow_cmd_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XCLOUD_CMD_STATS_GET,
		.doit = xcloud_nl_stats_get_doit,
		.policy = xcloud_dev_policy,
		.maxattr = ARRAY_SIZE(xcloud_dev_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	/* XCLOUD_CMD_MISS is an event only: no request handler. */
};

/*
 * Events name traffic destinations: listening needs CAP_NET_ADMIN over
 * the namespace (genl_bind() checks ns_capable(net->user_ns, ...) in the
 * binding process's context). A group's flags are GENL_MCAST_CAP_*, not
 * the ops' GENL_*_PERM, which genl_bind() ignores. Kernels without
 * GENL_MCAST_CAP_NET_ADMIN (mainline before 6.7, 6.1 before the stable
 * backport of "genetlink: add CAP_NET_ADMIN test for multicast bind")
 * have neither this check nor a family bind hook to make one.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "xcloud needs GENL_MCAST_CAP_NET_ADMIN (Linux 6.7, or its 6.1 stable backport)"
#endif

static const struct genl_multicast_group xcloud_genl_mcgrps[] = {
	{ .name = XCLOUD_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family xcloud_genl_family __ro_after_init = {
	.name		= XCLOUD_GENL_NAME,
	.version	= XCLOUD_GENL_VERSION,
	.maxattr	= XCLOUD_A_MAX,
	.netnsok	= true,
	/*
	 * Not serialised by genl_mutex: each command locks its device
	 * (xcloud_genl_dev_lock()), DEV_GET also RTNL.
	 */
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= xcloud_genl_ops,
	.n_ops		= ARRAY_SIZE(xcloud_genl_ops),
	.mcgrps		= xcloud_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(xcloud_genl_mcgrps),
};

int __init xcloud_genl_init(void)
{
	return genl_register_family(&xcloud_genl_family);
}

void xcloud_genl_uninit(void)
{
	genl_unregister_family(&xcloud_genl_family);
}
