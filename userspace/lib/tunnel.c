// SPDX-License-Identifier: GPL-2.0
/* Tunnel peers: pre-create, delete, dump with counters. */
#include <errno.h>
#include <string.h>

#include "internal.h"

static int xc_tunnel_change(struct xc *h, uint8_t cmd, int ifindex,
			    const struct xc_addr *remotes, size_t n)
{
	struct nl_msg *msg;
	struct nlattr *list, *t;
	int err = -EMSGSIZE;

	xc_err_reset(h);
	msg = xc_genl_msg(h, cmd, 0, ifindex);
	if (!msg)
		return h->family ? -ENOMEM : -ENOENT;
	list = xc_nest_start(msg, XCLOUD_A_TUNNELS);
	if (!list)
		goto out;
	for (size_t i = 0; i < n; i++) {
		t = xc_nest_start(msg, XCLOUD_A_TUNNEL);
		if (!t || xc_put_addr(msg, XCLOUD_TUNNEL_A_REMOTE,
				      &remotes[i]) < 0)
			goto out;
		nla_nest_end(msg, t);
	}
	nla_nest_end(msg, list);
	err = xc_transact(h, h->gn, msg, NULL, NULL);
out:
	nlmsg_free(msg);
	return err;
}

int xc_tunnel_add(struct xc *h, int ifindex, const struct xc_addr *remotes,
		  size_t n)
{
	return xc_tunnel_change(h, XCLOUD_CMD_TUNNEL_NEW, ifindex, remotes, n);
}

int xc_tunnel_del(struct xc *h, int ifindex, const struct xc_addr *remotes,
		  size_t n)
{
	return xc_tunnel_change(h, XCLOUD_CMD_TUNNEL_DEL, ifindex, remotes, n);
}

static uint64_t xc_u64(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u64(tb[type]) : 0;
}

int xc_parse_tunnel(const struct nlattr *nla, struct xc_tunnel *t)
{
	struct nlattr *tb[XCLOUD_TUNNEL_A_MAX + 1];

	memset(t, 0, sizeof(*t));
	if (nla_parse_nested(tb, XCLOUD_TUNNEL_A_MAX, (struct nlattr *)nla,
			     NULL) < 0 || !tb[XCLOUD_TUNNEL_A_REMOTE] ||
	    xc_get_addr(tb[XCLOUD_TUNNEL_A_REMOTE], &t->remote) < 0)
		return -EBADMSG;
	if (tb[XCLOUD_TUNNEL_A_FLAGS])
		t->flags = nla_get_u32(tb[XCLOUD_TUNNEL_A_FLAGS]);
	if (tb[XCLOUD_TUNNEL_A_ROUTE_REFS])
		t->route_refs = nla_get_u32(tb[XCLOUD_TUNNEL_A_ROUTE_REFS]);
	t->tx_packets = xc_u64(tb, XCLOUD_TUNNEL_A_TX_PACKETS);
	t->tx_bytes = xc_u64(tb, XCLOUD_TUNNEL_A_TX_BYTES);
	t->rx_packets = xc_u64(tb, XCLOUD_TUNNEL_A_RX_PACKETS);
	t->rx_bytes = xc_u64(tb, XCLOUD_TUNNEL_A_RX_BYTES);
	t->tx_errors = xc_u64(tb, XCLOUD_TUNNEL_A_TX_ERRORS);
	t->age_ms = xc_u64(tb, XCLOUD_TUNNEL_A_AGE_MS);
	t->idle_ms = xc_u64(tb, XCLOUD_TUNNEL_A_IDLE_MS);
	if (tb[XCLOUD_TUNNEL_A_STATE])
		t->state = nla_get_u8(tb[XCLOUD_TUNNEL_A_STATE]);
	t->probes_sent = xc_u64(tb, XCLOUD_TUNNEL_A_PROBES_SENT);
	t->probe_replies = xc_u64(tb, XCLOUD_TUNNEL_A_PROBE_REPLIES);
	t->state_changes = xc_u64(tb, XCLOUD_TUNNEL_A_STATE_CHANGES);
	return 0;
}

struct xc_tunnel_ctx {
	xc_tunnel_cb cb;
	void *arg;
};

static int xc_tunnel_item(const struct nlattr *nla, void *arg)
{
	struct xc_tunnel_ctx *ctx = arg;
	struct xc_tunnel t;
	int err = xc_parse_tunnel(nla, &t);

	return err ? err : ctx->cb(&t, ctx->arg);
}

static int xc_tunnel_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[XCLOUD_A_MAX + 1];

	if (xc_genl_parse(nlh, tb, NULL) < 0)
		return -EBADMSG;
	return xc_for_each_item(tb, XCLOUD_A_TUNNELS, XCLOUD_A_TUNNEL,
				xc_tunnel_item, arg);
}

int xc_tunnel_dump(struct xc *h, int ifindex, xc_tunnel_cb cb, void *arg)
{
	struct xc_tunnel_ctx ctx = { cb, arg };
	struct nl_msg *msg;
	int err;

	xc_err_reset(h);
	msg = xc_genl_msg(h, XCLOUD_CMD_TUNNEL_GET, 0, ifindex);
	if (!msg)
		return h->family ? -ENOMEM : -ENOENT;
	err = xc_dump(h, msg, xc_tunnel_reply, &ctx);
	nlmsg_free(msg);
	return err;
}
