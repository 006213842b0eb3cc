// SPDX-License-Identifier: GPL-2.0
/*
 * Local delivery of a VM behind its port: the port enslaved to its
 * network's VRF, a host route to the VM through the port in the VRF's
 * table, proxy ARP on the port, so a VM that ARPs for an address of its
 * subnet reaches the node, and strict reverse-path filtering, so it can
 * send only from the addresses routed to its port.
 *
 * Requests are built with libnl and sent to the kernel together, many
 * messages per datagram on a plain rtnetlink socket: thousands of ports
 * coming up at once cost a few system calls per batch, not several per
 * port. Only the last
 * message of a datagram asks for an acknowledgement; the kernel answers
 * a failed request with an error of its own sequence number whether asked
 * or not, and handles the messages in order, so once that last one is
 * acknowledged every error of the datagram is in hand, each for its port.
 * Proxy ARP is set over rtnetlink too (IFLA_AF_SPEC, AF_INET,
 * IFLA_INET_CONF), in the same datagram as the route.
 *
 * The answers are read on the libev loop, never waited for: a commit
 * sends its batch's first datagram and returns; each acknowledgement
 * sends the next, and the last calls the batch's callbacks. Batches
 * committed meanwhile wait their turn, in order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/ip.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include "agent.h"

/* Per datagram: well under the socket's send buffer, and few enough
 * answers (errors) to fit its receive buffer; one datagram of a batch is
 * on its way at a time, so they never pile up there. */
#define XD_LOCAL_DGRAM 16384
#define XD_LOCAL_RCVBUF (1 << 20)

enum req_kind { REQ_MASTER, REQ_ROUTE, REQ_PROXY_ARP, REQ_UNROUTE };

struct req {
	enum req_kind kind;
	bool answered;
	size_t item;
};

struct item {
	void *cookie;		/* NULL: a removal, nobody waits for it */
	char addr[INET6_ADDRSTRLEN];
	char ifname[IF_NAMESIZE];
	bool failed;		/* the route: proxy ARP failing is only logged */
};

/* The requests of one commit, numbered from seq: their answers are told
 * from other batches' (a failed one's late answers) by that alone. */
struct batch {
	struct batch *next;
	uint32_t seq;		/* of the first request */
	char *buf;		/* the messages */
	size_t len, cap;
	struct req *req;	/* by sequence number - seq */
	size_t nreq, capreq;
	struct item *item;
	size_t nitem, capitem;
	size_t off, sent;	/* in buf, in req: sent before these */
	size_t settled;		/* requests before it: all answered */
	uint32_t last;		/* the acknowledgement awaited */
	bool waiting;		/* for it */
	xd_local_done done;
	xd_local_end end;
	void *arg;
};

struct xd_local {
	struct ev_loop *ev;
	int fd;
	ev_io io;
	uint32_t seq;		/* for the next batch's first request */
	struct batch *fill;	/* being queued */
	struct batch *head;	/* committed, in order: the first on its way */
	struct batch **tail;
	int err;		/* the head's datagram could not be sent */
};

static void readable(struct ev_loop *ev, ev_io *io, int revents);

struct xd_local *xd_local_new(struct ev_loop *ev, char *err, size_t errlen)
{
	struct xd_local *l = calloc(1, sizeof(*l));
	int one = 1, size = XD_LOCAL_RCVBUF;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->ev = ev;
	l->seq = 1;
	l->tail = &l->head;
	l->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       NETLINK_ROUTE);
	if (l->fd < 0) {
		snprintf(err, errlen, "rtnetlink socket: %s", strerror(errno));
		free(l);
		return NULL;
	}
	/* Errors without the request echoed, with the kernel's message. */
	setsockopt(l->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(l->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	ev_io_init(&l->io, readable, l->fd, EV_READ);
	l->io.data = l;
	ev_io_start(ev, &l->io);
	return l;
}

static void batch_free(struct batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->req);
	free(b->item);
	free(b);
}

void xd_local_free(struct xd_local *l)
{
	if (!l)
		return;
	ev_io_stop(l->ev, &l->io);
	close(l->fd);
	batch_free(l->fill);
	while (l->head) {
		struct batch *b = l->head;

		l->head = b->next;
		batch_free(b);
	}
	free(l);
}

bool xd_local_busy(const struct xd_local *l)
{
	return l->head != NULL;
}

/*
 * Appends @msg (built with libnl) to the batch as the request for the item
 * being queued, numbered in sequence; frees @msg.
 */
static int queue_msg(struct batch *b, enum req_kind kind, struct nl_msg *msg)
{
	struct nlmsghdr *m = msg ? nlmsg_hdr(msg) : NULL;
	size_t len = m ? NLMSG_ALIGN(m->nlmsg_len) : 0;
	int r = -ENOMEM;

	if (m && xd_grow((void **)&b->buf, &b->cap, b->len + len, 1) &&
	    xd_grow((void **)&b->req, &b->capreq, b->nreq, sizeof(*b->req))) {
		m->nlmsg_flags |= NLM_F_REQUEST;
		m->nlmsg_seq = b->seq + (uint32_t)b->nreq;
		memcpy(b->buf + b->len, m, len);
		b->len += len;
		b->req[b->nreq++] = (struct req){ .kind = kind,
						  .item = b->nitem };
		r = 0;
	}
	nlmsg_free(msg);
	return r;
}

static int route_msg(struct batch *b, enum req_kind kind,
		     const char *addr, int ifindex, uint32_t table)
{
	struct rtmsg rtm = {
		.rtm_table = RT_TABLE_UNSPEC,	/* RTA_TABLE says */
		.rtm_protocol = XD_RTPROT,
		.rtm_scope = RT_SCOPE_LINK,
		.rtm_type = RTN_UNICAST,
	};
	struct nl_msg *msg;
	struct xc_addr dst;

	if (xc_addr_parse(addr, &dst))
		return -EINVAL;
	rtm.rtm_family = dst.family;
	rtm.rtm_dst_len = (unsigned char)(xc_addr_len(&dst) * 8);
	msg = kind == REQ_ROUTE ?
	      nlmsg_alloc_simple(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE) :
	      nlmsg_alloc_simple(RTM_DELROUTE, 0);
	if (msg && (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
		    nla_put_u32(msg, RTA_TABLE, table ? table : RT_TABLE_MAIN) < 0 ||
		    nla_put(msg, RTA_DST, (int)xc_addr_len(&dst), dst.bytes) < 0 ||
		    nla_put_u32(msg, RTA_OIF, (uint32_t)ifindex) < 0)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return queue_msg(b, kind, msg);
}

/* The port into its VRF: IFLA_MASTER (the same master again changes
 * nothing; a new one cycles the port, before its route is added). */
static int master_msg(struct batch *b, int ifindex, int vrf)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_SETLINK, 0);

	if (msg && (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
		    nla_put_u32(msg, IFLA_MASTER, (uint32_t)vrf) < 0)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return queue_msg(b, REQ_MASTER, msg);
}

/* IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF: proxy ARP and strict
 * reverse-path filtering (a VM sends only from what routes to its port) */
static int proxy_arp_msg(struct batch *b, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_SETLINK, 0);
	struct nlattr *spec, *inet, *conf;

	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    !(spec = nla_nest_start(msg, IFLA_AF_SPEC)) ||
	    !(inet = nla_nest_start(msg, AF_INET)) ||
	    !(conf = nla_nest_start(msg, IFLA_INET_CONF)) ||
	    nla_put_u32(msg, IPV4_DEVCONF_PROXY_ARP, 1) < 0 ||
	    nla_put_u32(msg, IPV4_DEVCONF_RP_FILTER, 1) < 0) {
		nlmsg_free(msg);
		return queue_msg(b, REQ_PROXY_ARP, NULL);
	}
	nla_nest_end(msg, conf);
	nla_nest_end(msg, inet);
	nla_nest_end(msg, spec);
	return queue_msg(b, REQ_PROXY_ARP, msg);
}

/* An item of the batch being queued (a new batch if none is). */
static struct batch *item_new(struct xd_local *l, void *cookie,
			      const char *addr, const char *ifname)
{
	struct batch *b = l->fill;
	struct item *it;

	if (!b && (b = l->fill = calloc(1, sizeof(*b))))
		b->seq = l->seq;
	if (!b || !xd_grow((void **)&b->item, &b->capitem, b->nitem,
			   sizeof(*b->item)))
		return NULL;
	it = &b->item[b->nitem];
	*it = (struct item){ .cookie = cookie };
	snprintf(it->addr, sizeof(it->addr), "%s", addr);
	snprintf(it->ifname, sizeof(it->ifname), "%s", ifname);
	return b;
}

int xd_local_install(struct xd_local *l, void *cookie, const char *addr,
		     int ifindex, const char *ifname, int vrf, uint32_t table)
{
	struct batch *b = item_new(l, cookie, addr, ifname);
	size_t len = b ? b->len : 0, nreq = b ? b->nreq : 0;
	int r = b ? 0 : -ENOMEM;

	if (!r && vrf)
		r = master_msg(b, ifindex, vrf);
	if (!r)
		r = route_msg(b, REQ_ROUTE, addr, ifindex, table);
	if (!r && !strchr(addr, ':'))
		r = proxy_arp_msg(b, ifindex);
	if (r) {
		if (b) {	/* the item's messages taken back */
			b->len = len;
			b->nreq = nreq;
		}
		return r;
	}
	b->nitem++;
	return 0;
}

int xd_local_remove(struct xd_local *l, const char *addr, int ifindex,
		    const char *ifname, uint32_t table)
{
	struct batch *b = item_new(l, NULL, addr, ifname);
	int r = b ? route_msg(b, REQ_UNROUTE, addr, ifindex, table) : -ENOMEM;

	if (!r)
		b->nitem++;
	return r;
}

/* What the kernel said about one request (err: -errno, or 0). */
static void req_result(struct batch *b, const struct req *q, int err,
		       const char *why)
{
	struct item *it = &b->item[q->item];
	const char *what = why && *why ? why : strerror(-err);

	if (!err)
		return;
	switch (q->kind) {
	case REQ_MASTER:
		xd_log("cannot put %s into its network's VRF: %s", it->ifname,
		       what);
		it->failed = true;
		break;
	case REQ_ROUTE:
		if (!it->failed)
			xd_log("cannot add route %s dev %s: %s", it->addr,
			       it->ifname, what);
		it->failed = true;
		break;
	case REQ_PROXY_ARP:
		/* After a refused route: said already, and tried again. */
		if (!it->failed)
			xd_log("cannot enable proxy ARP on %s: %s", it->ifname,
			       what);
		break;
	case REQ_UNROUTE:
		/* Gone already (the interface went away with its routes):
		 * fine. */
		if (err != -ESRCH && err != -ENOENT && err != -ENODEV)
			xd_log("cannot remove route %s dev %s: %s", it->addr,
			       it->ifname, what);
		break;
	}
}

/* The kernel's message in an extended error, if any. */
static const char *ext_msg(const struct nlmsghdr *nh)
{
	const char *msg;
	int64_t off;

	xc_extack(nh, &msg, &off);
	return msg;
}

/* Sends the head's next datagram: whole messages, at most
 * XD_LOCAL_DGRAM, the last one asking for an acknowledgement. A failure
 * is reported from the watcher, never from xd_local_commit(). */
static void send_next(struct xd_local *l)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct batch *b = l->head;
	size_t end = b ? b->off : 0, last = end;
	struct nlmsghdr *m;
	ssize_t n;

	if (!b || b->waiting || l->err || b->sent == b->nreq)
		return;
	while (b->sent < b->nreq) {
		size_t len = NLMSG_ALIGN(((struct nlmsghdr *)
					  (b->buf + end))->nlmsg_len);

		if (end > b->off && end + len - b->off > XD_LOCAL_DGRAM)
			break;
		last = end;
		end += len;
		b->sent++;
	}
	m = (struct nlmsghdr *)(b->buf + last);
	m->nlmsg_flags |= NLM_F_ACK;
	do {
		n = sendto(l->fd, b->buf + b->off, end - b->off, 0,
			   (struct sockaddr *)&kernel, sizeof(kernel));
	} while (n < 0 && errno == EINTR);
	b->off = end;
	b->last = m->nlmsg_seq;
	b->waiting = n >= 0;
	if (n < 0) {
		l->err = -errno;
		ev_feed_event(l->ev, &l->io, EV_READ);
	}
}

/* The head is done with (err: -errno if the socket failed, its requests
 * not answered then counting as failed: a retry replaces the route, and
 * proxy ARP on twice is on); the next batch goes. */
static void batch_end(struct xd_local *l, int err)
{
	struct batch *b = l->head;
	size_t lost = 0;

	l->head = b->next;
	if (!l->head)
		l->tail = &l->head;
	for (size_t k = b->settled; err && k < b->nreq; k++) {
		const struct req *q = &b->req[k];

		if (q->answered)
			continue;
		/* One line for them all, not one per port. */
		if (q->kind == REQ_MASTER || q->kind == REQ_ROUTE)
			b->item[q->item].failed = true;
		lost++;
	}
	if (err)
		xd_log("rtnetlink: %s: %zu requests of local delivery unanswered, counted failed",
		       strerror(-err), lost);
	send_next(l);	/* before the callbacks: they may commit */
	for (size_t k = 0; k < b->nitem; k++)
		if (b->item[k].cookie)
			b->done(b->item[k].cookie, !b->item[k].failed, b->arg);
	if (b->end)
		b->end(b->arg);
	batch_free(b);
}

/* The answers in one datagram from the kernel. */
static void answers(struct xd_local *l, const char *buf, size_t len)
{
	for (const struct nlmsghdr *nh = (const void *)buf;
	     NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		const struct nlmsgerr *e = NLMSG_DATA(nh);
		struct batch *b = l->head;
		uint32_t i = b ? nh->nlmsg_seq - b->seq : 0;

		if (!b || nh->nlmsg_type != NLMSG_ERROR || i >= b->nreq)
			continue;	/* not ours: a failed batch's */
		b->req[i].answered = true;
		req_result(b, &b->req[i], e->error, ext_msg(nh));
		if (!b->waiting || nh->nlmsg_seq != b->last)
			continue;
		/* The kernel handles a datagram's messages in order and
		 * answers every failed one: the unanswered ones went in. */
		b->waiting = false;
		b->settled = b->sent;
		if (b->sent < b->nreq)
			send_next(l);
		else
			batch_end(l, 0);
	}
}

static void readable(struct ev_loop *ev, ev_io *io, int revents)
{
	struct xd_local *l = io->data;
	char buf[8192];

	(void)ev;
	(void)revents;
	for (;;) {
		ssize_t n;
		int err = l->err;

		l->err = 0;
		if (err && l->head) {
			batch_end(l, err);
			continue;
		}
		n = recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n >= 0) {
			answers(l, buf, (size_t)n);
			continue;
		}
		err = -errno;
		if (err == -EINTR)
			continue;
		if (err == -EAGAIN)
			return;
		/* ENOBUFS: answers were lost, the head's cannot be told
		 * any more (the rest of them, coming still, are then a past
		 * batch's). Else the socket failed. */
		if (!l->head) {
			xd_log("rtnetlink: %s", strerror(-err));
			return;
		}
		l->err = err;
	}
}

bool xd_local_commit(struct xd_local *l, xd_local_done done, xd_local_end end,
		     void *arg)
{
	struct batch *b = l->fill;

	if (!b || !b->nreq) {
		/* Only refused items, or none: nothing to answer. */
		if (b)
			b->nitem = 0;
		return false;
	}
	l->fill = NULL;
	l->seq += (uint32_t)b->nreq + 1;
	b->done = done;
	b->end = end;
	b->arg = arg;
	*l->tail = b;
	l->tail = &b->next;
	send_next(l);
	return true;
}
