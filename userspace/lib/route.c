// SPDX-License-Identifier: GPL-2.0
/*
 * Routes: ROUTE_NEW/DEL pack many XCLOUD_A_ROUTE nests per message, so a
 * million routes take a few hundred round trips, not a million.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Worst case of one route nest: dst, prefixlen, type, 8 IPv6 next hops. */
#define XC_ROUTE_MAX_BYTES \
	(4 + 20 + 8 + 8 + 8 + 4 + XCLOUD_MAX_NEXTHOPS * 20)

static int xc_put_route(struct nl_msg *msg, const struct xc_route *r,
			bool del)
{
	struct nlattr *route, *nhs;

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
	if (!del && r->n_nexthops) {
		nhs = xc_nest_start(msg, XCLOUD_ROUTE_A_NEXTHOPS);
		if (!nhs)
			return -EMSGSIZE;
		for (int i = 0; i < r->n_nexthops; i++)
			if (xc_put_addr(msg, XCLOUD_ROUTE_A_NEXTHOP,
					&r->nexthops[i]) < 0)
				return -EMSGSIZE;
		nla_nest_end(msg, nhs);
	}
	nla_nest_end(msg, route);
	return 0;
}

int xc_route_change(struct xc *h, int ifindex, enum xc_route_op op,
		    const struct xc_route *routes, size_t n)
{
	uint8_t cmd = op == XC_ROUTE_DEL ? XCLOUD_CMD_ROUTE_DEL :
					   XCLOUD_CMD_ROUTE_NEW;
	/* Offset of each route nest in the current message, for extack. */
	uint32_t *offs = malloc(sizeof(*offs) * (XC_MSG_MAX / 16));
	size_t i = 0;
	int err = 0;

	xc_err_reset(h);
	if (!offs)
		return -ENOMEM;
	while (!err && i < n) {
		/* genl allows no NLM_F_REPLACE: replacing is an attribute. */
		struct nl_msg *msg = xc_genl_msg(h, cmd, 0, ifindex);
		struct nlattr *list;
		size_t first = i, k = 0;

		if (!msg) {
			err = h->family ? -ENOMEM : -ENOENT;
			break;
		}
		if (op == XC_ROUTE_REPLACE &&
		    nla_put_flag(msg, XCLOUD_A_REPLACE) < 0)
			err = -EMSGSIZE;
		list = xc_nest_start(msg, XCLOUD_A_ROUTES);
		if (!list)
			err = -EMSGSIZE;
		while (!err && i < n &&
		       nlmsg_hdr(msg)->nlmsg_len + XC_ROUTE_MAX_BYTES <=
		       XC_MSG_MAX) {
			offs[k++] = nlmsg_hdr(msg)->nlmsg_len;
			err = xc_put_route(msg, &routes[i++],
					   op == XC_ROUTE_DEL);
		}
		if (!err) {
			nla_nest_end(msg, list);
			err = xc_transact(h, h->gn, msg, NULL, NULL);
		}
		if (err && h->erroff >= 0) {
			/* The last route nest starting at or before it. */
			for (size_t j = k; j-- > 0;)
				if (offs[j] <= (uint32_t)h->erroff) {
					h->erridx = first + j;
					break;
				}
		}
		if (err && h->erridx < 0)
			h->erridx = first;	/* at least the message */
		nlmsg_free(msg);
	}
	free(offs);
	return err;
}

static int xc_parse_addr_cb(const struct nlattr *nla, struct xc_addr *a)
{
	return xc_get_addr(nla, a);
}

int xc_parse_route(const struct nlattr *nla, struct xc_route *r)
{
	struct nlattr *tb[XCLOUD_ROUTE_A_MAX + 1], *nh;
	int rem;

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
	if (tb[XCLOUD_ROUTE_A_NEXTHOPS]) {
		nla_for_each_nested(nh, tb[XCLOUD_ROUTE_A_NEXTHOPS], rem) {
			if (r->n_nexthops == XCLOUD_MAX_NEXTHOPS)
				break;
			if (!xc_parse_addr_cb(nh, &r->nexthops[r->n_nexthops]))
				r->n_nexthops++;
		}
	}
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
