// SPDX-License-Identifier: GPL-2.0
/* The allow-list of underlay source prefixes of a device. */
#include <errno.h>
#include <string.h>

#include "internal.h"

static int xc_allow_change(struct xc *h, uint8_t cmd, int ifindex,
			   const struct xc_prefix *p, size_t n)
{
	struct nl_msg *msg;
	struct nlattr *list, *e;
	int err = -EMSGSIZE;

	xc_err_reset(h);
	msg = xc_genl_msg(h, cmd, 0, ifindex);
	if (!msg)
		return h->family ? -ENOMEM : -ENOENT;
	list = xc_nest_start(msg, XCLOUD_A_ALLOWED);
	if (!list)
		goto out;
	for (size_t i = 0; i < n; i++) {
		e = xc_nest_start(msg, XCLOUD_A_PREFIX);
		if (!e || xc_put_addr(msg, XCLOUD_PREFIX_A_ADDR, &p[i].addr) < 0 ||
		    nla_put_u8(msg, XCLOUD_PREFIX_A_PREFIXLEN, p[i].len) < 0)
			goto out;
		nla_nest_end(msg, e);
	}
	nla_nest_end(msg, list);
	err = xc_transact(h, h->gn, msg, NULL, NULL);
out:
	nlmsg_free(msg);
	return err;
}

int xc_allow_add(struct xc *h, int ifindex, const struct xc_prefix *p,
		 size_t n)
{
	return xc_allow_change(h, XCLOUD_CMD_ALLOW_NEW, ifindex, p, n);
}

int xc_allow_del(struct xc *h, int ifindex, const struct xc_prefix *p,
		 size_t n)
{
	return xc_allow_change(h, XCLOUD_CMD_ALLOW_DEL, ifindex, p, n);
}

int xc_parse_prefix(const struct nlattr *nla, struct xc_prefix *p)
{
	struct nlattr *tb[XCLOUD_PREFIX_A_MAX + 1];

	memset(p, 0, sizeof(*p));
	if (nla_parse_nested(tb, XCLOUD_PREFIX_A_MAX, (struct nlattr *)nla,
			     NULL) < 0 || !tb[XCLOUD_PREFIX_A_ADDR] ||
	    xc_get_addr(tb[XCLOUD_PREFIX_A_ADDR], &p->addr) < 0)
		return -EBADMSG;
	p->len = tb[XCLOUD_PREFIX_A_PREFIXLEN] ?
		nla_get_u8(tb[XCLOUD_PREFIX_A_PREFIXLEN]) :
		xc_addr_len(&p->addr) * 8;
	return 0;
}

struct xc_prefix_ctx {
	xc_prefix_cb cb;
	void *arg;
};

static int xc_prefix_item(const struct nlattr *nla, void *arg)
{
	struct xc_prefix_ctx *ctx = arg;
	struct xc_prefix p;
	int err = xc_parse_prefix(nla, &p);

	return err ? err : ctx->cb(&p, ctx->arg);
}

static int xc_allow_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[XCLOUD_A_MAX + 1];

	if (xc_genl_parse(nlh, tb, NULL) < 0)
		return -EBADMSG;
	return xc_for_each_item(tb, XCLOUD_A_ALLOWED, XCLOUD_A_PREFIX,
				xc_prefix_item, arg);
}

int xc_allow_dump(struct xc *h, int ifindex, xc_prefix_cb cb, void *arg)
{
	struct xc_prefix_ctx ctx = { cb, arg };
	struct nl_msg *msg;
	int err;

	xc_err_reset(h);
	msg = xc_genl_msg(h, XCLOUD_CMD_ALLOW_GET, 0, ifindex);
	if (!msg)
		return h->family ? -ENOMEM : -ENOENT;
	err = xc_dump(h, msg, xc_allow_reply, &ctx);
	nlmsg_free(msg);
	return err;
}
