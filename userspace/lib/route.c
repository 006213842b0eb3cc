// SPDX-License-Identifier: GPL-2.0
/*
 * Routes: ROUTE_NEW/DEL pack many XCLOUD_A_ROUTE nests per message
 * (batch.c); ROUTE_GET reads one route or dumps them all.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* Worst case of one route nest: dst, prefixlen, type, 8 IPv6 next hops. */
#define XC_ROUTE_MAX_BYTES \
	(4 + 20 + 8 + 8 + 8 + 4 + XCLOUD_MAX_NEXTHOPS * 20)

static int xc_put_route(struct nl_msg *msg, const void *item, bool del)
{
	const struct xc_route *r = item;
	struct nlattr *route;

	route = xc_nest_start(msg, XCLOUD_A_ROUTE);
	if (!route || xc_put_addr(msg, XCLOUD_ROUTE_A_DST, &r->dst.addr) < 0 ||
	    nla_put_u8(msg, XCLOUD_ROUTE_A_PREFIXLEN, r->dst.len) < 0)
		return -EMSGSIZE;
	if (!del && r->type &&
	    nla_put_u8(msg, XCLOUD_ROUTE_A_TYPE, r->type) < 0)
		return -EMSGSIZE;
	if (!del && r->nhid &&
	    nla_put_u32(msg, XCLOUD_ROUTE_A_NHID, r->nhid) < 0)
		return -EMSGSIZE;
	if (!del && r->n_nexthops &&
	    xc_put_addrs(msg, XCLOUD_ROUTE_A_NEXTHOPS, XCLOUD_ROUTE_A_NEXTHOP,
			 r->nexthops, r->n_nexthops) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, route);
	return 0;
}

int xc_route_change(struct xc *h, int ifindex, enum xc_route_op op,
		    const struct xc_route *routes, size_t n)
{
	const struct xc_batch b = {
		.cmd = op == XC_ROUTE_DEL ? XCLOUD_CMD_ROUTE_DEL :
					    XCLOUD_CMD_ROUTE_NEW,
		.list = XCLOUD_A_ROUTES,
		.replace = op == XC_ROUTE_REPLACE,
		.del = op == XC_ROUTE_DEL,
		.item_size = sizeof(*routes),
		.max_bytes = XC_ROUTE_MAX_BYTES,
		.put = xc_put_route,
	};

	return xc_batch_send(h, ifindex, &b, routes, n);
}

int xc_parse_route(const struct nlattr *nla, struct xc_route *r)
{
	struct nlattr *tb[XCLOUD_ROUTE_A_MAX + 1];

	memset(r, 0, sizeof(*r));
	if (nla_parse_nested(tb, XCLOUD_ROUTE_A_MAX, (struct nlattr *)nla,
			     NULL) < 0 || !tb[XCLOUD_ROUTE_A_DST] ||
	    xc_get_addr(tb[XCLOUD_ROUTE_A_DST], &r->dst.addr) < 0)
		return -EBADMSG;
	r->dst.len = tb[XCLOUD_ROUTE_A_PREFIXLEN] ?
		nla_get_u8(tb[XCLOUD_ROUTE_A_PREFIXLEN]) :
		xc_addr_len(&r->dst.addr) * 8;
	if (tb[XCLOUD_ROUTE_A_TYPE])
		r->type = nla_get_u8(tb[XCLOUD_ROUTE_A_TYPE]);
	if (tb[XCLOUD_ROUTE_A_NHID])
		r->nhid = nla_get_u32(tb[XCLOUD_ROUTE_A_NHID]);
	if (tb[XCLOUD_ROUTE_A_NEXTHOPS])
		xc_get_addrs(tb[XCLOUD_ROUTE_A_NEXTHOPS], r->nexthops,
			     &r->n_nexthops);
	return 0;
}

struct xc_route_ctx {
	xc_route_cb cb;
	void *arg;
	struct xc_route *out;
};

static int xc_route_item(const struct nlattr *nla, void *arg)
{
	struct xc_route_ctx *ctx = arg;
	struct xc_route r;
	int err = xc_parse_route(nla, &r);

	if (err)
		return err;
	if (ctx->out) {
		*ctx->out = r;
		return 0;
	}
	return ctx->cb(&r, ctx->arg);
}

static int xc_route_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[XCLOUD_A_MAX + 1];

	if (xc_genl_parse(nlh, tb, NULL) < 0)
		return -EBADMSG;
	return xc_for_each_item(tb, XCLOUD_A_ROUTES, XCLOUD_A_ROUTE,
				xc_route_item, arg);
}

int xc_route_get(struct xc *h, int ifindex, const struct xc_addr *dst,
		 struct xc_route *out)
{
	struct xc_route_ctx ctx = { .out = out };
	struct nl_msg *msg;
	int err;

	xc_err_reset(h);
	msg = xc_genl_msg(h, XCLOUD_CMD_ROUTE_GET, 0, ifindex);
	if (!msg)
		return h->family ? -ENOMEM : -ENOENT;
	memset(out, 0, sizeof(*out));
	if (xc_put_addr(msg, XCLOUD_A_DST, dst) < 0)
		err = -EMSGSIZE;
	else
		err = xc_transact(h, h->gn, msg, xc_route_reply, &ctx);
	if (!err && !out->dst.addr.family)
		err = -ENOENT;
	nlmsg_free(msg);
	return err;
}

int xc_route_dump(struct xc *h, int ifindex, xc_route_cb cb, void *arg)
{
	struct xc_route_ctx ctx = { .cb = cb, .arg = arg };
	struct nl_msg *msg;
	int err;

	xc_err_reset(h);
	msg = xc_genl_msg(h, XCLOUD_CMD_ROUTE_GET, 0, ifindex);
	if (!msg)
		return h->family ? -ENOMEM : -ENOENT;
	err = xc_dump(h, msg, xc_route_reply, &ctx);
	nlmsg_free(msg);
	return err;
}

int xc_route_flush(struct xc *h, int ifindex)
{
	struct nl_msg *msg;
	int err;

	xc_err_reset(h);
	msg = xc_genl_msg(h, XCLOUD_CMD_ROUTE_FLUSH, 0, ifindex);
	if (!msg)
		return h->family ? -ENOMEM : -ENOENT;
	err = xc_transact(h, h->gn, msg, NULL, NULL);
	nlmsg_free(msg);
	return err;
}
