/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "xcloud", as its files share it (the rest
 * of the module sees netlink.h). netlink.c owns the family, its
 * policies and ops table, device lookup, DEV_GET, STATS_GET and events;
 * netlink_route.c the ROUTE_* and ALLOW_* commands; netlink_nhgroup.c the
 * NHGROUP_* commands; netlink_tunnel.c the TUNNEL_* commands.
 *
 * The family has parallel_ops: every handler holds a reference on its
 * device and the device's update_lock (xcloud_genl_dev_lock()), not
 * RTNL, so a long command on one device holds up no other device and no
 * rtnetlink user. DEV_GET also takes RTNL (before update_lock), for the
 * config. Change commands need CAP_NET_ADMIN in the device's namespace
 * (GENL_UNS_ADMIN_PERM).
 */
#ifndef _XCLOUD_NETLINK_FAMILY_H
#define _XCLOUD_NETLINK_FAMILY_H

#include <net/genetlink.h>
#include <uapi/linux/xcloud.h>

#include "addr.h"

struct xcloud_dev;

extern struct genl_family xcloud_genl_family;

extern const struct nla_policy xcloud_route_policy[XCLOUD_ROUTE_A_MAX + 1];
extern const struct nla_policy xcloud_tunnel_policy[XCLOUD_TUNNEL_A_MAX + 1];
extern const struct nla_policy xcloud_prefix_policy[XCLOUD_PREFIX_A_MAX + 1];
extern const struct nla_policy
xcloud_nhgroup_policy[XCLOUD_NHGROUP_A_MAX + 1];

/*
 * Find the device named by XCLOUD_A_IFINDEX or XCLOUD_A_IFNAME in
 * @attrs, in @net. On success a reference on it and xd->update_lock are
 * held and it is not being deleted (!xd->dead); release with
 * xcloud_genl_dev_unlock(). On failure sets extack, returns ERR_PTR.
 */
struct xcloud_dev *xcloud_genl_dev_lock(struct net *net, struct nlattr **attrs,
					struct netlink_ext_ack *extack);
void xcloud_genl_dev_unlock(struct xcloud_dev *xd);

/*
 * The policy of every address attribute of the family: 4 (IPv4) or 16
 * (IPv6) bytes, any other length refused with the attribute named.
 */
int xcloud_nla_validate_addr(const struct nlattr *nla,
			     struct netlink_ext_ack *extack);
#define XCLOUD_ADDR_POLICY \
	NLA_POLICY_VALIDATE_FN(NLA_BINARY, xcloud_nla_validate_addr)

/* Parse an address attribute (4 or 16 bytes) into @addr. */
int xcloud_nla_get_addr(const struct nlattr *nla, struct xcloud_addr *addr,
			struct netlink_ext_ack *extack);
int xcloud_nla_put_addr(struct sk_buff *skb, int type,
			const struct xcloud_addr *addr);

/*
 * A next-hop list: @nest holds up to XCLOUD_MAX_NEXTHOPS addresses of
 * attribute type @type, parsed into @addrs[*@count]. Put: @count of them
 * in a nest @nest_type.
 */
int xcloud_nla_get_nexthops(const struct nlattr *nest, int type,
			    struct xcloud_addr *addrs, u8 *count,
			    struct netlink_ext_ack *extack);
int xcloud_nla_put_nexthops(struct sk_buff *skb, int nest_type, int type,
			    const struct xcloud_addr *addrs,
			    unsigned int count);

/*
 * A change command's batch: @one applied to each attribute nested in
 * info->attrs[@list], in order, under the device's lock. The first
 * failure stops the batch and is reported on that item's attribute; the
 * items before it stay applied, as with ip -batch.
 */
int xcloud_genl_batch(struct genl_info *info, int list,
		      int (*one)(struct xcloud_dev *xd, struct nlattr *item,
				 struct genl_info *info));

/* Multicast an event built by @fill to XCLOUD_MCGRP_EVENTS, if listened. */
void xcloud_genl_notify(struct xcloud_dev *xd, u8 cmd,
			int (*fill)(struct sk_buff *skb, const void *arg),
			const void *arg);

/* netlink_route.c */
int xcloud_nl_route_new(struct sk_buff *skb, struct genl_info *info);
int xcloud_nl_route_del(struct sk_buff *skb, struct genl_info *info);
int xcloud_nl_route_get_doit(struct sk_buff *skb, struct genl_info *info);
int xcloud_nl_route_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);
int xcloud_nl_route_flush(struct sk_buff *skb, struct genl_info *info);
int xcloud_nl_allow_new(struct sk_buff *skb, struct genl_info *info);
int xcloud_nl_allow_del(struct sk_buff *skb, struct genl_info *info);
int xcloud_nl_allow_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);

/* netlink_nhgroup.c */
int xcloud_nl_nhgroup_new(struct sk_buff *skb, struct genl_info *info);
int xcloud_nl_nhgroup_del(struct sk_buff *skb, struct genl_info *info);
int xcloud_nl_nhgroup_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb);
int xcloud_nl_nhgroup_flush(struct sk_buff *skb, struct genl_info *info);

/* netlink_tunnel.c */
int xcloud_nl_tunnel_new(struct sk_buff *skb, struct genl_info *info);
int xcloud_nl_tunnel_del(struct sk_buff *skb, struct genl_info *info);
int xcloud_nl_tunnel_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);

#endif /* _XCLOUD_NETLINK_FAMILY_H */
