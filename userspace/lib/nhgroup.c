// SPDX-License-Identifier: GPL-2.0
/*
 * Next-hop groups: NHGROUP_NEW/DEL pack many XCLOUD_A_NHGROUP nests per
 * message, as routes do (batch.c); NHGROUP_GET dumps them in id order.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* Worst case of one group nest: id, type, 8 IPv6 members. */
#define XC_NHGROUP_MAX_BYTES (4 + 8 + 8 + 4 + XCLOUD_MAX_NEXTHOPS * 20)

static int xc_put_nhgroup(struct nl_msg *msg, const void *item, bool del)
{
	const struct xc_nhgroup *g = item;
	struct nlattr *group;

	group = xc_nest_start(msg, XCLOUD_A_NHGROUP);
	if (!group || nla_put_u32(msg, XCLOUD_NHGROUP_A_ID, g->id) < 0)
		return -EMSGSIZE;
	if (!del && g->type &&
	    nla_put_u8(msg, XCLOUD_NHGROUP_A_TYPE, g->type) < 0)
		return -EMSGSIZE;
	if (!del &&
	    xc_put_addrs(msg, XCLOUD_NHGROUP_A_MEMBERS, XCLOUD_NHGROUP_A_MEMBER,
			 g->members, g->n_members) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, group);
	return 0;
}

int xc_nhgroup_change(struct xc *h, int ifindex, enum xc_route_op op,
		      const struct xc_nhgroup *groups, size_t n)
{
	const struct xc_batch b = {
		.cmd = op == XC_ROUTE_DEL ? XCLOUD_CMD_NHGROUP_DEL :
					    XCLOUD_CMD_NHGROUP_NEW,
		.list = XCLOUD_A_NHGROUPS,
		.replace = op == XC_ROUTE_REPLACE,
		.del = op == XC_ROUTE_DEL,
		.item_size = sizeof(*groups),
		.max_bytes = XC_NHGROUP_MAX_BYTES,
		.put = xc_put_nhgroup,
	};

	return xc_batch_send(h, ifindex, &b, groups, n);
}

int xc_parse_nhgroup(const struct nlattr *nla, struct xc_nhgroup *g)
{
	struct nlattr *tb[XCLOUD_NHGROUP_A_MAX + 1];

	memset(g, 0, sizeof(*g));
	if (nla_parse_nested(tb, XCLOUD_NHGROUP_A_MAX, (struct nlattr *)nla,
			     NULL) < 0 || !tb[XCLOUD_NHGROUP_A_ID])
		return -EBADMSG;
	g->id = nla_get_u32(tb[XCLOUD_NHGROUP_A_ID]);
	if (tb[XCLOUD_NHGROUP_A_TYPE])
		g->type = nla_get_u8(tb[XCLOUD_NHGROUP_A_TYPE]);
	if (tb[XCLOUD_NHGROUP_A_ROUTES])
		g->routes = nla_get_u32(tb[XCLOUD_NHGROUP_A_ROUTES]);
	if (tb[XCLOUD_NHGROUP_A_MEMBERS])
		xc_get_addrs(tb[XCLOUD_NHGROUP_A_MEMBERS], g->members,
			     &g->n_members);
	return 0;
}

struct xc_nhgroup_ctx {
	xc_nhgroup_cb cb;
	void *arg;
};

static int xc_nhgroup_item(const struct nlattr *nla, void *arg)
{
	struct xc_nhgroup_ctx *ctx = arg;
	struct xc_nhgroup g;
	int err = xc_parse_nhgroup(nla, &g);

	return err ? err : ctx->cb(&g, ctx->arg);
}

static int xc_nhgroup_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[XCLOUD_A_MAX + 1];

	if (xc_genl_parse(nlh, tb, NULL) < 0)
		return -EBADMSG;
	return xc_for_each_item(tb, XCLOUD_A_NHGROUPS, XCLOUD_A_NHGROUP,
				xc_nhgroup_item, arg);
}

int xc_nhgroup_dump(struct xc *h, int ifindex, xc_nhgroup_cb cb, void *arg)
{
	struct xc_nhgroup_ctx ctx = { .cb = cb, .arg = arg };
	struct nl_msg *msg;
	int err;

	xc_err_reset(h);
	msg = xc_genl_msg(h, XCLOUD_CMD_NHGROUP_GET, 0, ifindex);
	if (!msg)
		return h->family ? -ENOMEM : -ENOENT;
	err = xc_dump(h, msg, xc_nhgroup_reply, &ctx);
	nlmsg_free(msg);
	return err;
}

int xc_nhgroup_flush(struct xc *h, int ifindex)
{
	struct nl_msg *msg;
	int err;

	xc_err_reset(h);
	msg = xc_genl_msg(h, XCLOUD_CMD_NHGROUP_FLUSH, 0, ifindex);
	if (!msg)
		return h->family ? -ENOMEM : -ENOENT;
	err = xc_transact(h, h->gn, msg, NULL, NULL);
	nlmsg_free(msg);
	return err;
}
