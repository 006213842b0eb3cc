// SPDX-License-Identifier: GPL-2.0
/*
 * Next-hop groups: NHGROUP_NEW/DEL pack many XCLOUD_A_NHGROUP nests per
 * message, as routes do; NHGROUP_GET dumps them in id order.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* Worst case of one group nest: id, type, 8 IPv6 members. */
#define XC_NHGROUP_MAX_BYTES (4 + 8 + 8 + 4 + XCLOUD_MAX_NEXTHOPS * 20)

static int xc_put_nhgroup(struct nl_msg *msg, const struct xc_nhgroup *g,
			  bool del)
{
	struct nlattr *group, *members;

	group = xc_nest_start(msg, XCLOUD_A_NHGROUP);
	if (!group || nla_put_u32(msg, XCLOUD_NHGROUP_A_ID, g->id) < 0)
		return -EMSGSIZE;
	if (!del && g->type &&
	    nla_put_u8(msg, XCLOUD_NHGROUP_A_TYPE, g->type) < 0)
		return -EMSGSIZE;
	if (!del) {
		members = xc_nest_start(msg, XCLOUD_NHGROUP_A_MEMBERS);
		if (!members)
			return -EMSGSIZE;
		for (int i = 0; i < g->n_members; i++)
			if (xc_put_addr(msg, XCLOUD_NHGROUP_A_MEMBER,
					&g->members[i]) < 0)
				return -EMSGSIZE;
		nla_nest_end(msg, members);
	}
	nla_nest_end(msg, group);
	return 0;
}

int xc_nhgroup_change(struct xc *h, int ifindex, enum xc_route_op op,
		      const struct xc_nhgroup *groups, size_t n)
{
	uint8_t cmd = op == XC_ROUTE_DEL ? XCLOUD_CMD_NHGROUP_DEL :
					   XCLOUD_CMD_NHGROUP_NEW;
	uint32_t offs[XC_MSG_MAX / XC_NHGROUP_MAX_BYTES + 1];
	size_t i = 0;
	int err = 0;

	xc_err_reset(h);
	while (!err && i < n) {
		struct nl_msg *msg = xc_genl_msg(h, cmd, 0, ifindex);
		struct nlattr *list;
		size_t first = i, k = 0;

		if (!msg)
			return h->family ? -ENOMEM : -ENOENT;
		if (op == XC_ROUTE_REPLACE &&
		    nla_put_flag(msg, XCLOUD_A_REPLACE) < 0)
			err = -EMSGSIZE;
		list = xc_nest_start(msg, XCLOUD_A_NHGROUPS);
		if (!list)
			err = -EMSGSIZE;
		while (!err && i < n && k < sizeof(offs) / sizeof(offs[0]) &&
		       nlmsg_hdr(msg)->nlmsg_len + XC_NHGROUP_MAX_BYTES <=
		       XC_MSG_MAX) {
			offs[k++] = nlmsg_hdr(msg)->nlmsg_len;
			err = xc_put_nhgroup(msg, &groups[i++],
					     op == XC_ROUTE_DEL);
		}
		if (!err) {
			nla_nest_end(msg, list);
			err = xc_transact(h, h->gn, msg, NULL, NULL);
		}
		if (err && h->erroff >= 0) {
			for (size_t j = k; j-- > 0;)
				if (offs[j] <= (uint32_t)h->erroff) {
					h->erridx = first + j;
					break;
				}
		}
		if (err && h->erridx < 0)
			h->erridx = first;
		nlmsg_free(msg);
	}
	return err;
}

int xc_parse_nhgroup(const struct nlattr *nla, struct xc_nhgroup *g)
{
	struct nlattr *tb[XCLOUD_NHGROUP_A_MAX + 1], *m;
	int rem;

	memset(g, 0, sizeof(*g));
	if (nla_parse_nested(tb, XCLOUD_NHGROUP_A_MAX, (struct nlattr *)nla,
			     NULL) < 0 || !tb[XCLOUD_NHGROUP_A_ID])
		return -EBADMSG;
	g->id = nla_get_u32(tb[XCLOUD_NHGROUP_A_ID]);
	if (tb[XCLOUD_NHGROUP_A_TYPE])
		g->type = nla_get_u8(tb[XCLOUD_NHGROUP_A_TYPE]);
	if (tb[XCLOUD_NHGROUP_A_ROUTES])
		g->routes = nla_get_u32(tb[XCLOUD_NHGROUP_A_ROUTES]);
	if (tb[XCLOUD_NHGROUP_A_MEMBERS]) {
		nla_for_each_nested(m, tb[XCLOUD_NHGROUP_A_MEMBERS], rem) {
			if (g->n_members == XCLOUD_MAX_NEXTHOPS)
				break;
			if (!xc_get_addr(m, &g->members[g->n_members]))
				g->n_members++;
		}
	}
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
