// SPDX-License-Identifier: GPL-2.0
/*
 * Interfaces going up and down, from RTNLGRP_LINK notifications read on
 * the libev loop. Only what the agent needs is kept (ifindex, name, up):
 * a plain socket and a parse of ifinfomsg and IFLA_IFNAME, not libnl's
 * link cache, which parses every attribute of every message and, with
 * thousands of VM ports, spent seconds per burst (and blocked the loop
 * for tens of seconds re-reading after an overrun).
 *
 * The first read of every link, at start, waits for the kernel: the
 * agent starts from it, before it serves. A read again after an overrun
 * goes on the loop, into a set of its own that replaces the agent's once
 * whole; notifications wait in their socket meanwhile and are applied
 * on top of it.
 */
#include <errno.h>
#include <net/if.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "agent.h"

/* A burst of link changes (thousands of VM ports coming up at once) must
 * not overrun the socket; root may exceed rmem_max (SO_RCVBUFFORCE). */
#define XD_LINKS_RCVBUF (32 << 20)
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
struct link_set {
	void *by_index, *by_name;
	size_t n;
};

struct xd_links {
	struct ev_loop *ev;
	int fd;			/* notifications */
	ev_io io;
	xd_link_cb changed;
	void *arg;
	struct link_set set;	/* what the agent sees */
	struct link_set next;	/* a dump being read */
	int dfd;		/* its socket, or -1 */
	ev_io dio;		/* ...read on the loop (a re-read) */
	int tries;
	char *buf;
};

#define XD_LINKS_BUF 65536

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

static struct link_state *state_by_ifindex(struct link_set *l, int ifindex)
{
	struct link_state probe = { .ifindex = ifindex }, **p;

	p = tfind(&probe, &l->by_index, index_cmp);
	return p ? *p : NULL;
}

static struct link_state *state_by_name(struct link_set *l, const char *name)
{
	struct link_state probe, **p;

	snprintf(probe.name, sizeof(probe.name), "%s", name);
	p = tfind(&probe, &l->by_name, name_cmp);
	return p ? *p : NULL;
}

/* The name tree holds the newest link of each name (a rename may briefly
 * reuse one). */
static void name_unlink(struct link_set *l, struct link_state *st)
{
	if (state_by_name(l, st->name) == st)
		tdelete(st, &l->by_name, name_cmp);
}

static void name_link(struct link_set *l, struct link_state *st)
{
	struct link_state **p = tsearch(st, &l->by_name, name_cmp);

	if (p)
		*p = st;	/* same name: the tree order holds */
}

static void state_drop(struct link_set *l, struct link_state *st)
{
	name_unlink(l, st);
	tdelete(st, &l->by_index, index_cmp);
	free(st);
	l->n--;
}

static void links_clear(struct link_set *l)
{
	tdestroy(l->by_name, xd_free_nothing);
	tdestroy(l->by_index, free);
	l->by_name = l->by_index = NULL;
	l->n = 0;
}

/* Records what a link message says; oldname gets the name it had before
 * a rename (else ""). False if nothing the agent looks at changed (a
 * notification of a change of something else: proxy ARP set, operstate,
 * addresses). */
static bool state_update(struct link_set *l, int ifindex, const char *name,
			 unsigned int flags, bool gone, char *oldname)
{
	struct link_state *st = state_by_ifindex(l, ifindex);

	oldname[0] = '\0';
	if (gone) {
		if (st)
			state_drop(l, st);
		return true;
	}
	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st)
			return true;
		st->ifindex = ifindex;
		if (!tsearch(st, &l->by_index, index_cmp)) {
			free(st);
			return true;
		}
		l->n++;
	} else if (!strcmp(st->name, name) &&
		   st->up == ((flags & IFF_UP) && (flags & IFF_LOWER_UP)) &&
		   state_by_name(l, name) == st) {
		return false;
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
	return true;
}

/* One RTM_NEWLINK/RTM_DELLINK into set; report: tell the agent. */
static void link_msg(struct xd_links *l, struct link_set *set,
		     const struct nlmsghdr *nh, bool report)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
	char name[IF_NAMESIZE] = "", oldname[IF_NAMESIZE];

	if (len < 0)
		return;
	for (const struct rtattr *rta = IFLA_RTA(ifi); RTA_OK(rta, len);
	     rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_IFNAME) {
			snprintf(name, sizeof(name), "%.*s",
				 (int)RTA_PAYLOAD(rta), (const char *)RTA_DATA(rta));
			break;
		}
	}
	if (!name[0])
		return;
	if (!state_update(set, ifi->ifi_index, name, ifi->ifi_flags,
			  nh->nlmsg_type == RTM_DELLINK, oldname) || !report)
		return;
	if (oldname[0])
		l->changed(oldname, l->arg);
	l->changed(name, l->arg);
}

/* A dump's end, telling it was interrupted (links changed meanwhile). */
#define DUMP_INTR 2

/* Applies the link messages of one datagram to set; 1 at NLMSG_DONE,
 * DUMP_INTR at one of an interrupted dump, -errno on an error message. */
static int links_parse(struct xd_links *l, struct link_set *set,
		       const char *buf, size_t len, bool report)
{
	for (const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;
	     NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		if (nh->nlmsg_type == NLMSG_DONE)
			return nh->nlmsg_flags & NLM_F_DUMP_INTR ?
			       DUMP_INTR : 1;
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			return e->error ? e->error : -EIO;
		}
		if (nh->nlmsg_type == RTM_NEWLINK ||
		    nh->nlmsg_type == RTM_DELLINK)
			link_msg(l, set, nh, report);
	}
	return 0;
}

static void dump_close(struct xd_links *l)
{
	if (l->dfd < 0)
		return;
	ev_io_stop(l->ev, &l->dio);
	close(l->dfd);
	l->dfd = -1;
}

/* Asks for every link, on a socket of its own, into l->next. */
static int dump_start(struct xd_links *l, int flags)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.ifi = { .ifi_family = AF_UNSPEC },
	};

	dump_close(l);
	links_clear(&l->next);
	l->dfd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | flags,
			NETLINK_ROUTE);
	if (l->dfd < 0)
		return -errno;
	if (send(l->dfd, &req, sizeof(req), 0) < 0) {
		int r = -errno;

		dump_close(l);
		return r;
	}
	return 0;
}

/* Reads the dump as far as it came: 0 if more is to come (a
 * non-blocking socket), else as links_parse(). */
static int dump_read(struct xd_links *l)
{
	for (;;) {
		ssize_t n = recv(l->dfd, l->buf, XD_LINKS_BUF, 0);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		r = links_parse(l, &l->next, l->buf, (size_t)n, false);
		if (r)
			return r;
	}
}

/* The dump read becomes what the agent sees. */
static void set_adopt(struct xd_links *l)
{
	links_clear(&l->set);
	l->set = l->next;
	l->next = (struct link_set){ 0 };
}

/* The first read of every link, waited for (see the top). */
static int links_dump(struct xd_links *l)
{
	int r = 0;

	for (int tries = 0; tries < 5; tries++) {
		r = dump_start(l, 0);
		if (!r)
			r = dump_read(l);
		dump_close(l);
		if (r != DUMP_INTR)	/* interrupted dump: again */
			break;
	}
	set_adopt(l);
	return r < 0 ? r : 0;
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

static struct names names_of(struct link_set *l)
{
	struct names ns = { .name = malloc((l->n ? l->n : 1) * IF_NAMESIZE) };

	if (ns.name)
		twalk_r(l->by_name, name_collect, &ns);
	return ns;
}

static void links_readable(struct ev_loop *ev, ev_io *io, int revents);

/* A re-read is over (err: -errno if it failed, the links then as they
 * were): the agent hears of every link, and of those gone meanwhile (it
 * queues the work: this is quick); notifications are read again. */
static void resync_end(struct xd_links *l, int err)
{
	struct names old = names_of(&l->set), now;

	dump_close(l);
	if (err) {
		xd_log("rtnetlink: cannot read links: %s", strerror(-err));
		links_clear(&l->next);
	} else {
		set_adopt(l);
	}
	now = names_of(&l->set);
	for (size_t i = 0; i < old.n; i++)
		if (!xd_link_up(l, old.name[i]))
			l->changed(old.name[i], l->arg);
	for (size_t i = 0; i < now.n; i++)
		l->changed(now.name[i], l->arg);
	free(old.name);
	free(now.name);
	ev_io_start(l->ev, &l->io);
}

/* A re-read's dump asked for, read on the loop; -errno if not. */
static int resync_dump(struct xd_links *l)
{
	int r = dump_start(l, SOCK_NONBLOCK);

	if (!r) {
		ev_io_set(&l->dio, l->dfd, EV_READ);
		ev_io_start(l->ev, &l->dio);
	}
	return r;
}

static void dump_readable(struct ev_loop *ev, ev_io *io, int revents)
{
	struct xd_links *l = io->data;
	int r = dump_read(l);

	(void)ev;
	(void)revents;
	if (!r)
		return;
	if (r == DUMP_INTR && ++l->tries < 5) {
		r = resync_dump(l);
		if (!r)
			return;
	}
	resync_end(l, r < 0 ? r : 0);
}

/* Notifications were lost (socket overrun): every link read again, on
 * the loop. */
static void links_resync(struct xd_links *l)
{
	char buf[8192];
	int r;

	/* What is still queued is older than the dump: applied after it,
	 * it would undo newer state (a port seen down). What comes from now
	 * on waits for the dump, then goes on top of it. */
	ev_io_stop(l->ev, &l->io);
	while (recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0 ||
	       errno == ENOBUFS || errno == EINTR)
		;
	l->tries = 0;
	r = resync_dump(l);
	if (r)
		resync_end(l, r);
}

static void links_readable(struct ev_loop *ev, ev_io *io, int revents)
{
	struct xd_links *l = io->data;

	(void)ev;
	(void)revents;
	for (;;) {
		ssize_t n = recv(l->fd, l->buf, XD_LINKS_BUF, MSG_DONTWAIT);

		if (n >= 0) {
			links_parse(l, &l->set, l->buf, (size_t)n, true);
		} else if (errno == ENOBUFS) {
			xd_log("rtnetlink: notifications lost (receive buffer overrun); reading all links again");
			links_resync(l);
			return;
		} else if (errno != EINTR) {
			return;	/* EAGAIN: all read */
		}
	}
}

struct xd_links *xd_links_new(struct ev_loop *ev, xd_link_cb changed,
			      void *arg, char *err, size_t errlen)
{
	struct xd_links *l = calloc(1, sizeof(*l));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK };
	int size = XD_LINKS_RCVBUF, r;

	if (!l || !(l->buf = malloc(XD_LINKS_BUF))) {
		snprintf(err, errlen, "out of memory");
		free(l);
		return NULL;
	}
	l->ev = ev;
	l->changed = changed;
	l->arg = arg;
	l->dfd = -1;
	ev_init(&l->dio, dump_readable);
	l->dio.data = l;
	l->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       NETLINK_ROUTE);
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(err, errlen, "rtnetlink socket: %s", strerror(errno));
		xd_links_free(l);
		return NULL;
	}
	if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* Subscribed first, then dumped: nothing falls in between. */
	r = links_dump(l);
	if (r) {
		snprintf(err, errlen, "rtnetlink: cannot read links: %s",
			 strerror(-r));
		xd_links_free(l);
		return NULL;
	}
	ev_io_init(&l->io, links_readable, l->fd, EV_READ);
	l->io.data = l;
	ev_io_start(ev, &l->io);
	return l;
}

void xd_links_free(struct xd_links *l)
{
	if (!l)
		return;
	if (l->fd >= 0) {
		ev_io_stop(l->ev, &l->io);
		close(l->fd);
	}
	dump_close(l);
	links_clear(&l->set);
	links_clear(&l->next);
	free(l->buf);
	free(l);
}

int xd_link_up(struct xd_links *l, const char *ifname)
{
	struct link_state *st = state_by_name(&l->set, ifname);

	return st && st->up ? st->ifindex : 0;
}

int xd_link_index(struct xd_links *l, const char *ifname)
{
	struct link_state *st = state_by_name(&l->set, ifname);

	return st ? st->ifindex : 0;
}
