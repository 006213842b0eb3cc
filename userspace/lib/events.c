// SPDX-License-Identifier: GPL-2.0
/* Events of the "events" multicast group: routes, tunnels, misses. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/genl/ctrl.h>

#include "internal.h"

/* Receive buffer for one event datagram (see xc_events_subscribe). */
#define XC_EVENT_BUF	(64 * 1024)

int xc_events_subscribe(struct xc *h)
{
	int family = xc_family(h), grp, err;

	if (family < 0)
		return family;
	grp = genl_ctrl_resolve_grp(h->gn, XCLOUD_GENL_NAME,
				    XCLOUD_MCGRP_EVENTS);
	if (grp < 0)
		return xc_err_set(h, -ENOENT, "no \"events\" multicast group");
	h->ev = nl_socket_alloc();
	if (!h->ev)
		return -ENOMEM;
	/* Events are not replies to anything we sent. */
	nl_socket_disable_seq_check(h->ev);
	/*
	 * One recvmsg() per event, not a peek for its size and then the
	 * read: an event is a few hundred bytes, far below the buffer, and a
	 * burst of thousands of route events is read at half the cost.
	 */
	nl_socket_set_msg_buf_size(h->ev, XC_EVENT_BUF);
	if (nl_connect(h->ev, NETLINK_GENERIC) < 0)
		return -EPROTONOSUPPORT;
	nl_socket_set_buffer_size(h->ev, 4 << 20, 0);
	/* SO_RCVBUF stops at net.core.rmem_max (208 KiB by default): a
	 * batch of thousands of routes would overrun it. Root may exceed. */
	setsockopt(nl_socket_get_fd(h->ev), SOL_SOCKET, SO_RCVBUFFORCE,
		   &(int){ 32 << 20 }, sizeof(int));
	/* Not nl_socket_add_membership(): it loses the errno. */
	if (setsockopt(nl_socket_get_fd(h->ev), SOL_NETLINK,
		       NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0) {
		err = -errno;
		if (err == -EPERM)
			return xc_err_set(h, err,
					  "listening to xcloud events needs CAP_NET_ADMIN");
		return err;
	}
	return 0;
}

int xc_events_fd(const struct xc *h)
{
	return h->ev ? nl_socket_get_fd(h->ev) : -1;
}

struct xc_event_ctx {
	struct xc *h;
	xc_event_cb cb;
	void *arg;
	int err;
};

static int xc_event_route(const struct nlattr *nla, void *arg)
{
	return xc_parse_route(nla, arg);
}

static int xc_event_nhgroup(const struct nlattr *nla, void *arg)
{
	return xc_parse_nhgroup(nla, arg);
}

static int xc_event_tunnel(const struct nlattr *nla, void *arg)
{
	return xc_parse_tunnel(nla, arg);
}

static int xc_event_msg(struct nl_msg *msg, void *arg)
{
	struct xc_event_ctx *ctx = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[XCLOUD_A_MAX + 1];
	struct xc_event ev;
	int err = 0;

	if (nlh->nlmsg_type != ctx->h->family || ctx->err)
		return NL_SKIP;
	memset(&ev, 0, sizeof(ev));
	if (xc_genl_parse(nlh, tb, &ev.cmd) < 0)
		return NL_SKIP;
	if (tb[XCLOUD_A_IFINDEX])
		ev.ifindex = nla_get_u32(tb[XCLOUD_A_IFINDEX]);
	switch (ev.cmd) {
	case XCLOUD_CMD_ROUTE_NEW:
	case XCLOUD_CMD_ROUTE_DEL:
		err = xc_for_each_item(tb, XCLOUD_A_ROUTES, XCLOUD_A_ROUTE,
				       xc_event_route, &ev.route);
		break;
	case XCLOUD_CMD_NHGROUP_NEW:
	case XCLOUD_CMD_NHGROUP_DEL:
		err = xc_for_each_item(tb, XCLOUD_A_NHGROUPS, XCLOUD_A_NHGROUP,
				       xc_event_nhgroup, &ev.nhgroup);
		break;
	case XCLOUD_CMD_TUNNEL_NEW:
	case XCLOUD_CMD_TUNNEL_DEL:
	case XCLOUD_CMD_TUNNEL_STATE:
		err = xc_for_each_item(tb, XCLOUD_A_TUNNELS, XCLOUD_A_TUNNEL,
				       xc_event_tunnel, &ev.tunnel);
		break;
	case XCLOUD_CMD_MISS:
		if (tb[XCLOUD_A_DST])
			err = xc_get_addr(tb[XCLOUD_A_DST], &ev.dst);
		break;
	default:
		return NL_SKIP;
	}
	if (!err)
		ctx->err = ctx->cb(&ev, ctx->arg);
	return NL_OK;
}

int xc_events_recv(struct xc *h, xc_event_cb cb, void *arg)
{
	struct xc_event_ctx ctx = { h, cb, arg, 0 };
	struct nl_cb *nlcb;
	int err;

	if (!h->ev)
		return -EINVAL;
	nlcb = nl_cb_clone(nl_socket_get_cb(h->ev));
	if (!nlcb)
		return -ENOMEM;
	nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, xc_event_msg, &ctx);
	err = nl_recvmsgs(h->ev, nlcb);
	nl_cb_put(nlcb);
	if (ctx.err)
		return ctx.err;
	if (err == -NLE_NOMEM)
		return -ENOBUFS;	/* overrun: events were lost */
	if (err == -NLE_AGAIN)
		return -EAGAIN;		/* non-blocking, and nothing queued */
	return err < 0 ? -EIO : 0;
}
