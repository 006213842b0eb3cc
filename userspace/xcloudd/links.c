// SPDX-License-Identifier: GPL-2.0
/*
 * Interfaces going up and down, from libnl-route's cache manager (an
 * rtnetlink link cache kept current by RTNLGRP_LINK notifications), read
 * from the libev loop. The state of each interface is kept here, taken
 * from the notification itself: libnl calls back before its own cache
 * holds the new state.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include "agent.h"

struct link_state {
	char name[IF_NAMESIZE];
	int ifindex;
	bool up;
};

struct xd_links {
	struct ev_loop *ev;
	struct nl_cache_mngr *mngr;
	struct nl_cache *cache;
	struct nl_sock *sk;	/* to read all links again after an overrun */
	ev_io io;
	xd_link_cb changed;
	void *arg;
	struct link_state *s;
	size_t n, cap;
};

static struct link_state *state_by_ifindex(struct xd_links *l, int ifindex)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->s[i].ifindex == ifindex)
			return &l->s[i];
	return NULL;
}

/* Records what a link message says; returns the name it had before a
 * rename (or NULL). */
static void state_update(struct xd_links *l, struct rtnl_link *link,
			 bool gone, char *oldname)
{
	int ifindex = rtnl_link_get_ifindex(link);
	unsigned int flags = rtnl_link_get_flags(link);
	const char *name = rtnl_link_get_name(link);
	struct link_state *st = state_by_ifindex(l, ifindex);

	oldname[0] = '\0';
	if (gone) {
		if (st)
			*st = l->s[--l->n];
		return;
	}
	if (!st) {
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 64;
			struct link_state *ns = realloc(l->s, cap * sizeof(*ns));

			if (!ns)
				return;
			l->s = ns;
			l->cap = cap;
		}
		st = &l->s[l->n++];
		memset(st, 0, sizeof(*st));
		st->ifindex = ifindex;
	} else if (strcmp(st->name, name)) {
		snprintf(oldname, IF_NAMESIZE, "%s", st->name);
	}
	snprintf(st->name, sizeof(st->name), "%s", name);
	/* Up and with carrier: a veth whose VM end is down is not up. */
	st->up = (flags & IFF_UP) && (flags & IFF_RUNNING);
}

static void link_change(struct nl_cache *cache, struct nl_object *obj,
			int action, void *arg)
{
	struct xd_links *l = arg;
	struct rtnl_link *link = (struct rtnl_link *)obj;
	char name[IF_NAMESIZE], oldname[IF_NAMESIZE];

	(void)cache;
	if (!rtnl_link_get_name(link))
		return;
	snprintf(name, sizeof(name), "%s", rtnl_link_get_name(link));
	state_update(l, link, action == NL_ACT_DEL, oldname);
	if (oldname[0])
		l->changed(oldname, l->arg);
	l->changed(name, l->arg);
}

static void state_fill(struct nl_object *obj, void *arg)
{
	char oldname[IF_NAMESIZE];

	state_update(arg, (struct rtnl_link *)obj, false, oldname);
}

static void drain(int fd)
{
	char buf[8192];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0 ||
	       errno == ENOBUFS || errno == EINTR)
		;
}

static void links_readable(struct ev_loop *ev, ev_io *io, int revents)
{
	struct xd_links *l = io->data;
	int r;

	(void)ev;
	(void)revents;
	r = nl_cache_mngr_data_ready(l->mngr);
	if (r < 0) {
		/* Notifications were lost (socket overrun): read it all. */
		struct link_state *old = l->s;
		size_t n = l->n;

		xd_log("rtnetlink: %s; reading all links again", nl_geterror(r));
		/* What is still queued is older than the dump: applied
		 * after it, it would undo newer state (a port seen down). */
		drain(nl_cache_mngr_get_fd(l->mngr));
		r = nl_cache_refill(l->sk, l->cache);
		if (r < 0) {
			xd_log("rtnetlink: cannot read links: %s", nl_geterror(r));
			return;
		}
		l->s = NULL;
		l->n = l->cap = 0;
		nl_cache_foreach(l->cache, state_fill, l);
		/* Links gone meanwhile, then every link there now. */
		for (size_t i = 0; i < n; i++)
			if (!xd_link_up(l, old[i].name))
				l->changed(old[i].name, l->arg);
		free(old);
		for (size_t i = 0; i < l->n; i++)
			l->changed(l->s[i].name, l->arg);
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
	l->sk = nl_socket_alloc();
	if (!l->sk) {
		snprintf(err, errlen, "out of memory");
		xd_links_free(l);
		return NULL;
	}
	r = nl_connect(l->sk, NETLINK_ROUTE);
	if (!r)
		r = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, NL_AUTO_PROVIDE,
					&l->mngr);
	if (!r)
		r = nl_cache_mngr_add(l->mngr, "route/link", link_change, l,
				      &l->cache);
	if (r) {
		snprintf(err, errlen, "rtnetlink link cache: %s",
			 nl_geterror(r));
		xd_links_free(l);
		return NULL;
	}
	nl_cache_foreach(l->cache, state_fill, l);
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
	nl_socket_free(l->sk);
	free(l->s);
	free(l);
}

int xd_link_up(struct xd_links *l, const char *ifname)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->s[i].name, ifname))
			return l->s[i].up ? l->s[i].ifindex : 0;
	return 0;
}
