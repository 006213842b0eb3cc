// SPDX-License-Identifier: GPL-2.0
/* Device and namespace counters (STATS_GET). */
#include <errno.h>
#include <string.h>

#include "internal.h"

static void xc_stats_parse(struct nlattr *nest, struct xc_stats *s)
{
	struct nlattr *nla;
	int rem;

	memset(s, 0, sizeof(*s));
	if (!nest)
		return;
	nla_for_each_nested(nla, nest, rem) {
		int t = nla_type(nla);

		if (t <= XCLOUD_STATS_A_PAD || t > XCLOUD_STATS_A_MAX ||
		    nla_len(nla) != sizeof(uint64_t))
			continue;
		s->v[t] = nla_get_u64(nla);
		s->present |= 1ULL << t;
	}
}

struct xc_stats_ctx {
	struct xc_stats *dev, *ns;
};

static int xc_stats_reply(struct nlmsghdr *nlh, void *arg)
{
	struct xc_stats_ctx *ctx = arg;
	struct nlattr *tb[XCLOUD_A_MAX + 1];

	if (xc_genl_parse(nlh, tb, NULL) < 0)
		return -EBADMSG;
	if (ctx->dev)
		xc_stats_parse(tb[XCLOUD_A_STATS], ctx->dev);
	if (ctx->ns)
		xc_stats_parse(tb[XCLOUD_A_NS_STATS], ctx->ns);
	return 0;
}

int xc_stats_get(struct xc *h, int ifindex, struct xc_stats *dev,
		 struct xc_stats *ns)
{
	struct xc_stats_ctx ctx = { dev, ns };
	struct nl_msg *msg;
	int err;

	xc_err_reset(h);
	if (dev)
		memset(dev, 0, sizeof(*dev));
	if (ns)
		memset(ns, 0, sizeof(*ns));
	msg = xc_genl_msg(h, XCLOUD_CMD_STATS_GET, 0, ifindex);
	if (!msg)
		return h->family ? -ENOMEM : -ENOENT;
	err = xc_transact(h, h->gn, msg, xc_stats_reply, &ctx);
	nlmsg_free(msg);
	return err;
}
