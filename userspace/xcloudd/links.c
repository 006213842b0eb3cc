// SPDX-License-Identifier: GPL-2.0
/*
 * Interfaces going up and down, from libnl-route's cache manager (an
 * rtnetlink link cache kept current by RTNLGRP_LINK notifications), read
 * from the libev loop.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include "agent.h"

struct xd_links {
	struct ev_loop *ev;
	struct nl_cache_mngr *mngr;
	struct nl_cache *cache;
	ev_io io;
	xd_link_cb changed;
	void *arg;
};

static void link_change(struct nl_cache *cache, struct nl_object *obj,
			int action, void *arg)
{
	struct xd_links *l = arg;
	const char *name = rtnl_link_get_name((struct rtnl_link *)obj);

	(void)cache;
	(void)action;
	if (name)
		l->changed(name, l->arg);
}

static void links_readable(struct ev_loop *ev, ev_io *io, int revents)
{
	struct xd_links *l = io->data;
	int r;

	(void)ev;
	(void)revents;
	r = nl_cache_mngr_data_ready(l->mngr);
	if (r < 0)
		xd_log("rtnetlink: %s; resynchronising links", nl_geterror(r));
	if (r == -NLE_NOMEM || r == -NLE_DUMP_INTR) {
		/* Notifications were lost (socket overrun): read it all. */
		nl_cache_refill(NULL, l->cache);
	}
}

struct xd_links *xd_links_new(struct ev_loop *ev, xd_link_cb changed,
			      void *arg, char *err, size_t errlen)
{
	struct xd_links *l = calloc(1, sizeof(*l));
	int r;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->ev = ev;
	l->changed = changed;
	l->arg = arg;
	r = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, NL_AUTO_PROVIDE, &l->mngr);
	if (!r)
		r = nl_cache_mngr_add(l->mngr, "route/link", link_change, l,
				      &l->cache);
	if (r) {
		snprintf(err, errlen, "rtnetlink link cache: %s",
			 nl_geterror(r));
		xd_links_free(l);
		return NULL;
	}
	ev_io_init(&l->io, links_readable, nl_cache_mngr_get_fd(l->mngr),
		   EV_READ);
	l->io.data = l;
	ev_io_start(ev, &l->io);
	return l;
}

void xd_links_free(struct xd_links *l)
{
	if (!l)
		return;
	if (l->mngr) {
		ev_io_stop(l->ev, &l->io);
		nl_cache_mngr_free(l->mngr);
	}
	free(l);
}

int xd_link_up(struct xd_links *l, const char *ifname)
{
	struct rtnl_link *link = rtnl_link_get_by_name(l->cache, ifname);
	unsigned int flags;
	int ifindex;

	if (!link)
		return 0;
	flags = rtnl_link_get_flags(link);
	ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	/* Up and with carrier: a veth whose VM end is down is not up. */
	return (flags & IFF_UP) && (flags & IFF_RUNNING) ? ifindex : 0;
}
