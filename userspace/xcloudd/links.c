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
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include "agent.h"

#define XD_LINKS_RCVBUF (16 << 20)
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000	/* <linux/if.h>, which <net/if.h> excludes */
#endif

struct link_state {
	char name[IF_NAMESIZE];
	int ifindex;
	bool up;
};

/* Links by ifindex and by name (tsearch trees of the same entries): a
 * node with thousands of VM ports looks one up per notification. */
struct xd_links {
	struct ev_loop *ev;
	struct nl_cache_mngr *mngr;
	struct nl_cache *cache;
	struct nl_sock *sk;	/* to read all links again after an overrun */
	ev_io io;
	xd_link_cb changed;
	void *arg;
	void *by_index, *by_name;
	size_t n;
};

static int index_cmp(const void *a, const void *b)
{
	const struct link_state *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct link_state *)a)->name,
		      ((const struct link_state *)b)->name);
}

static struct link_state *state_by_ifindex(struct xd_links *l, int ifindex)
{
	struct link_state probe = { .ifindex = ifindex }, **p;

	p = tfind(&probe, &l->by_index, index_cmp);
	return p ? *p : NULL;
}

static struct link_state *state_by_name(struct xd_links *l, const char *name)
{
	struct link_state probe, **p;

	snprintf(probe.name, sizeof(probe.name), "%s", name);
	p = tfind(&probe, &l->by_name, name_cmp);
	return p ? *p : NULL;
}

/* The name tree holds an entry only while no other link has its name
 * (a rename may briefly reuse one); lookups by name see the newest. */
static void name_unlink(struct xd_links *l, struct link_state *st)
{
	if (state_by_name(l, st->name) == st)
		tdelete(st, &l->by_name, name_cmp);
}

static void name_link(struct xd_links *l, struct link_state *st)
{
	struct link_state **p = tsearch(st, &l->by_name, name_cmp);

	if (p)
		*p = st;	/* same name: the tree order holds */
}

static void state_drop(struct xd_links *l, struct link_state *st)
{
	name_unlink(l, st);
	tdelete(st, &l->by_index, index_cmp);
	free(st);
	l->n--;
}

/* Records what a link message says; oldname gets the name it had before
 * a rename (else ""). */
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
			state_drop(l, st);
		return;
	}
	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st)
			return;
		st->ifindex = ifindex;
		if (!tsearch(st, &l->by_index, index_cmp)) {
			free(st);
			return;
		}
		l->n++;
	} else if (strcmp(st->name, name)) {
		snprintf(oldname, IF_NAMESIZE, "%s", st->name);
		name_unlink(l, st);
	}
	snprintf(st->name, sizeof(st->name), "%s", name);
	if (state_by_name(l, st->name) != st)
		name_link(l, st);
	/*
	 * Up and with carrier: a veth whose VM end is down is not up.
	 * IFF_LOWER_UP is the carrier itself, set in the very notification
	 * of the link going up; IFF_RUNNING (operstate) only follows from
	 * the kernel's linkwatch, which runs at most once a second: waiting
	 * for it cost a VM up to a second before anything else happened.
	 */
	st->up = (flags & IFF_UP) && (flags & IFF_LOWER_UP);
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

static void free_nothing(void *p)
{
	(void)p;
}

static void drain(int fd)
{
	char buf[8192];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0 ||
	       errno == ENOBUFS || errno == EINTR)
		;
}

struct names {
	char (*name)[IF_NAMESIZE];
	size_t n;
};

static void name_collect(const void *nodep, VISIT v, void *arg)
{
	struct names *ns = arg;

	if (v == postorder || v == leaf)
		memcpy(ns->name[ns->n++],
		       (*(struct link_state * const *)nodep)->name, IF_NAMESIZE);
}

static void links_clear(struct xd_links *l)
{
	tdestroy(l->by_name, free_nothing);
	tdestroy(l->by_index, free);
	l->by_name = l->by_index = NULL;
	l->n = 0;
}

static void links_readable(struct ev_loop *ev, ev_io *io, int revents)
{
	struct xd_links *l = io->data;
	struct names old = { 0 }, now = { 0 };
	int r;

	(void)ev;
	(void)revents;
	r = nl_cache_mngr_data_ready(l->mngr);
	if (r >= 0)
		return;
	/* Notifications were lost (socket overrun): read it all. */
	xd_log("rtnetlink: %s; reading all links again", nl_geterror(r));
	/* What is still queued is older than the dump: applied after it,
	 * it would undo newer state (a port seen down). */
	drain(nl_cache_mngr_get_fd(l->mngr));
	r = nl_cache_refill(l->sk, l->cache);
	if (r < 0) {
		xd_log("rtnetlink: cannot read links: %s", nl_geterror(r));
		return;
	}
	old.name = malloc((l->n ? l->n : 1) * IF_NAMESIZE);
	if (!old.name)
		return;
	twalk_r(l->by_name, name_collect, &old);
	links_clear(l);
	nl_cache_foreach(l->cache, state_fill, l);
	now.name = malloc((l->n ? l->n : 1) * IF_NAMESIZE);
	if (now.name)
		twalk_r(l->by_name, name_collect, &now);
	/* Links gone meanwhile, then every link there now (the agent
	 * queues the work: this returns quickly even for many links). */
	for (size_t i = 0; i < old.n; i++)
		if (!xd_link_up(l, old.name[i]))
			l->changed(old.name[i], l->arg);
	for (size_t i = 0; i < now.n; i++)
		l->changed(now.name[i], l->arg);
	free(old.name);
	free(now.name);
}

/*
 * A burst of link changes (thousands of VM ports coming up at once) must
 * not overrun the socket: libnl's default buffer holds a few hundred
 * notifications. Root may exceed rmem_max (SO_RCVBUFFORCE).
 */
static void links_grow_rcvbuf(int fd)
{
	int size = XD_LINKS_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
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
	links_grow_rcvbuf(nl_cache_mngr_get_fd(l->mngr));
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
	links_clear(l);
	free(l);
}

int xd_link_up(struct xd_links *l, const char *ifname)
{
	struct link_state *st = state_by_name(l, ifname);

	return st && st->up ? st->ifindex : 0;
}
