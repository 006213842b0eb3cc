// SPDX-License-Identifier: GPL-2.0
/*
 * Links: RTM_NEWLINK/RTM_DELLINK with IFLA_INFO_KIND "xcloud" over
 * rtnetlink; their state through the genl command DEV_GET.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "internal.h"

static int xc_put_link_data(struct nl_msg *msg, const struct xc_link *l)
{
	struct nlattr *info, *data;

	info = nla_nest_start(msg, IFLA_LINKINFO);
	if (!info || nla_put_string(msg, IFLA_INFO_KIND, "xcloud") < 0)
		return -EMSGSIZE;
	data = nla_nest_start(msg, IFLA_INFO_DATA);
	if (!data)
		return -EMSGSIZE;
	if ((l->mask & XC_LINK_VNI) &&
	    nla_put_u32(msg, IFLA_XCLOUD_VNI, l->vni) < 0)
		return -EMSGSIZE;
	if ((l->mask & XC_LINK_PORT) &&
	    nla_put_u16(msg, IFLA_XCLOUD_PORT, htons(l->port)) < 0)
		return -EMSGSIZE;
	if (l->mask & XC_LINK_LOCAL) {
		int type = l->local.family == AF_INET6 ? IFLA_XCLOUD_LOCAL6 :
							 IFLA_XCLOUD_LOCAL;

		if (xc_put_addr(msg, type, &l->local) < 0)
			return -EMSGSIZE;
	}
	if ((l->mask & XC_LINK_MODE) &&
	    nla_put_u8(msg, IFLA_XCLOUD_MODE, l->mode) < 0)
		return -EMSGSIZE;
	if ((l->mask & XC_LINK_TUNNELS) &&
	    nla_put_u8(msg, IFLA_XCLOUD_TUNNELS, l->tunnels) < 0)
		return -EMSGSIZE;
	if ((l->mask & XC_LINK_IDLE_TIMEOUT) &&
	    nla_put_u32(msg, IFLA_XCLOUD_IDLE_TIMEOUT, l->idle_timeout) < 0)
		return -EMSGSIZE;
	if ((l->mask & XC_LINK_INGRESS) &&
	    nla_put_u32(msg, IFLA_XCLOUD_INGRESS, l->ingress) < 0)
		return -EMSGSIZE;
	if ((l->mask & XC_LINK_SOURCE_CHECK) &&
	    nla_put_u8(msg, IFLA_XCLOUD_SOURCE_CHECK, l->source_check) < 0)
		return -EMSGSIZE;
	if ((l->mask & XC_LINK_MAX_ROUTES) &&
	    nla_put_u32(msg, IFLA_XCLOUD_MAX_ROUTES, l->max_routes) < 0)
		return -EMSGSIZE;
	if ((l->mask & XC_LINK_MAX_TUNNELS) &&
	    nla_put_u32(msg, IFLA_XCLOUD_MAX_TUNNELS, l->max_tunnels) < 0)
		return -EMSGSIZE;
	if ((l->mask & XC_LINK_MAX_ALLOWED) &&
	    nla_put_u32(msg, IFLA_XCLOUD_MAX_ALLOWED, l->max_allowed) < 0)
		return -EMSGSIZE;
	if ((l->mask & XC_LINK_PROBE_INTERVAL) &&
	    nla_put_u32(msg, IFLA_XCLOUD_PROBE_INTERVAL, l->probe_interval) < 0)
		return -EMSGSIZE;
	if ((l->mask & XC_LINK_PROBE_MULTIPLIER) &&
	    nla_put_u8(msg, IFLA_XCLOUD_PROBE_MULTIPLIER,
		       l->probe_multiplier) < 0)
		return -EMSGSIZE;
	if (l->mask & XC_LINK_GATEWAYS) {
		struct nlattr *gws;

		if (l->n_gateways > XCLOUD_MAX_GATEWAYS)
			return -EINVAL;
		gws = xc_nest_start(msg, IFLA_XCLOUD_GATEWAYS);
		if (!gws)
			return -EMSGSIZE;
		for (unsigned int i = 0; i < l->n_gateways; i++)
			if (xc_put_addr(msg, IFLA_XCLOUD_GATEWAY,
					&l->gateways[i]) < 0)
				return -EMSGSIZE;
		/* Empty, it clears the set: libnl's nla_nest_end() drops it. */
		nla_nest_end_keep_empty(msg, gws);
	}
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	return 0;
}

static int xc_link_req(struct xc *h, int type, int flags, int ifindex,
		       const char *name, const struct xc_link *l)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_msg *msg;
	int err = -EMSGSIZE;

	xc_err_reset(h);
	msg = nlmsg_alloc_simple(type, flags);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
		goto out;
	if (name && nla_put_string(msg, IFLA_IFNAME, name) < 0)
		goto out;
	if (l && (err = xc_put_link_data(msg, l)) < 0)
		goto out;
	err = xc_transact(h, h->rt, msg, NULL, NULL);
out:
	nlmsg_free(msg);
	return err;
}

int xc_link_add(struct xc *h, const struct xc_link *l)
{
	return xc_link_req(h, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0,
			   l->name, l);
}

int xc_link_set(struct xc *h, const struct xc_link *l)
{
	int ifindex = if_nametoindex(l->name);

	xc_err_reset(h);
	if (!ifindex)
		return -ENODEV;
	return xc_link_req(h, RTM_NEWLINK, 0, ifindex, NULL, l);
}

int xc_link_del(struct xc *h, const char *name)
{
	int ifindex = if_nametoindex(name);

	xc_err_reset(h);
	if (!ifindex)
		return -ENODEV;
	return xc_link_req(h, RTM_DELLINK, 0, ifindex, NULL, NULL);
}

static int xc_link_parse(struct nlmsghdr *nlh, struct xc_link *l)
{
	struct nlattr *tb[XCLOUD_A_MAX + 1];

	memset(l, 0, sizeof(*l));
	if (xc_genl_parse(nlh, tb, NULL) < 0)
		return -EBADMSG;
	if (tb[XCLOUD_A_IFINDEX])
		l->ifindex = nla_get_u32(tb[XCLOUD_A_IFINDEX]);
	if (tb[XCLOUD_A_IFNAME])
		nla_strlcpy(l->name, tb[XCLOUD_A_IFNAME], sizeof(l->name));
	else if (!if_indextoname(l->ifindex, l->name))
		snprintf(l->name, sizeof(l->name), "if%d", l->ifindex);
	if (tb[XCLOUD_A_VNI]) {
		l->vni = nla_get_u32(tb[XCLOUD_A_VNI]);
		l->mask |= XC_LINK_VNI;
	}
	if (tb[XCLOUD_A_PORT]) {
		l->port = nla_get_u16(tb[XCLOUD_A_PORT]);
		l->mask |= XC_LINK_PORT;
	}
	if (tb[XCLOUD_A_LOCAL] && !xc_get_addr(tb[XCLOUD_A_LOCAL], &l->local))
		l->mask |= XC_LINK_LOCAL;
	if (tb[XCLOUD_A_MODE]) {
		l->mode = nla_get_u8(tb[XCLOUD_A_MODE]);
		l->mask |= XC_LINK_MODE;
	}
	if (tb[XCLOUD_A_TUNNEL_POLICY]) {
		l->tunnels = nla_get_u8(tb[XCLOUD_A_TUNNEL_POLICY]);
		l->mask |= XC_LINK_TUNNELS;
	}
	if (tb[XCLOUD_A_IDLE_TIMEOUT]) {
		l->idle_timeout = nla_get_u32(tb[XCLOUD_A_IDLE_TIMEOUT]);
		l->mask |= XC_LINK_IDLE_TIMEOUT;
	}
	if (tb[XCLOUD_A_ROUTE_COUNT]) {
		l->route_count = nla_get_u32(tb[XCLOUD_A_ROUTE_COUNT]);
		l->mask |= XC_LINK_ROUTE_COUNT;
	}
	if (tb[XCLOUD_A_TUNNEL_COUNT]) {
		l->tunnel_count = nla_get_u32(tb[XCLOUD_A_TUNNEL_COUNT]);
		l->mask |= XC_LINK_TUNNEL_COUNT;
	}
	if (tb[XCLOUD_A_ALLOW_COUNT]) {
		l->allow_count = nla_get_u32(tb[XCLOUD_A_ALLOW_COUNT]);
		l->mask |= XC_LINK_ALLOW_COUNT;
	}
	if (tb[XCLOUD_A_MAX_ROUTES]) {
		l->max_routes = nla_get_u32(tb[XCLOUD_A_MAX_ROUTES]);
		l->mask |= XC_LINK_MAX_ROUTES;
	}
	if (tb[XCLOUD_A_MAX_TUNNELS]) {
		l->max_tunnels = nla_get_u32(tb[XCLOUD_A_MAX_TUNNELS]);
		l->mask |= XC_LINK_MAX_TUNNELS;
	}
	if (tb[XCLOUD_A_MAX_ALLOWED]) {
		l->max_allowed = nla_get_u32(tb[XCLOUD_A_MAX_ALLOWED]);
		l->mask |= XC_LINK_MAX_ALLOWED;
	}
	if (tb[XCLOUD_A_PROBE_INTERVAL]) {
		l->probe_interval = nla_get_u32(tb[XCLOUD_A_PROBE_INTERVAL]);
		l->mask |= XC_LINK_PROBE_INTERVAL;
	}
	if (tb[XCLOUD_A_PROBE_MULTIPLIER]) {
		l->probe_multiplier = nla_get_u8(tb[XCLOUD_A_PROBE_MULTIPLIER]);
		l->mask |= XC_LINK_PROBE_MULTIPLIER;
	}
	if (tb[XCLOUD_A_INGRESS]) {
		l->ingress = nla_get_u32(tb[XCLOUD_A_INGRESS]);
		l->mask |= XC_LINK_INGRESS;
	}
	if (tb[XCLOUD_A_SOURCE_CHECK]) {
		l->source_check = nla_get_u8(tb[XCLOUD_A_SOURCE_CHECK]);
		l->mask |= XC_LINK_SOURCE_CHECK;
	}
	if (tb[XCLOUD_A_GATEWAYS]) {
		struct nlattr *nla;
		int rem;

		nla_for_each_nested(nla, tb[XCLOUD_A_GATEWAYS], rem) {
			if (nla_type(nla) != XCLOUD_A_GATEWAY ||
			    l->n_gateways == XCLOUD_MAX_GATEWAYS)
				continue;
			if (!xc_get_addr(nla, &l->gateways[l->n_gateways]))
				l->n_gateways++;
		}
		l->mask |= XC_LINK_GATEWAYS;
	}
	return 0;
}

static int xc_link_get_cb(struct nlmsghdr *nlh, void *arg)
{
	return xc_link_parse(nlh, arg);
}

int xc_link_get(struct xc *h, const char *name, struct xc_link *out)
{
	struct nl_msg *msg;
	int err;

	xc_err_reset(h);
	msg = xc_genl_msg(h, XCLOUD_CMD_DEV_GET, 0, 0);
	if (!msg)
		return h->family ? -ENOMEM : -ENOENT;
	memset(out, 0, sizeof(*out));
	if (nla_put_string(msg, XCLOUD_A_IFNAME, name) < 0)
		err = -EMSGSIZE;
	else
		err = xc_transact(h, h->gn, msg, xc_link_get_cb, out);
	nlmsg_free(msg);
	return err;
}

struct xc_link_dump_ctx {
	xc_link_cb cb;
	void *arg;
};

static int xc_link_dump_cb(struct nlmsghdr *nlh, void *arg)
{
	struct xc_link_dump_ctx *ctx = arg;
	struct xc_link l;
	int err = xc_link_parse(nlh, &l);

	return err ? err : ctx->cb(&l, ctx->arg);
}

int xc_link_dump(struct xc *h, xc_link_cb cb, void *arg)
{
	struct xc_link_dump_ctx ctx = { cb, arg };
	struct nl_msg *msg;
	int err;

	xc_err_reset(h);
	msg = xc_genl_msg(h, XCLOUD_CMD_DEV_GET, 0, 0);
	if (!msg)
		return h->family ? -ENOMEM : -ENOENT;
	err = xc_dump(h, msg, xc_link_dump_cb, &ctx);
	nlmsg_free(msg);
	return err;
}
