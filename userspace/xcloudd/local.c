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
 * answers (errors) to fit its receive buffer. */
#define XD_LOCAL_DGRAM 16384
#define XD_LOCAL_RCVBUF (1 << 20)

enum req_kind { REQ_MASTER, REQ_ROUTE, REQ_PROXY_ARP, REQ_UNROUTE };

struct req {
	enum req_kind kind;
	size_t item;
};

struct item {
	void *cookie;		/* NULL: a removal, nobody waits for it */
	char addr[INET6_ADDRSTRLEN];
	char ifname[IF_NAMESIZE];
	bool failed;		/* the route: proxy ARP failing is only logged */
};

struct xd_local {
	int fd;
	uint32_t seq;		/* of the first request of the batch */
	char *buf;		/* the batch's messages */
	size_t len, cap;
	struct req *req;	/* by sequence number - seq */
	size_t nreq, capreq;
	struct item *item;
	size_t nitem, capitem;
};

struct xd_local *xd_local_new(char *err, size_t errlen)
{
	struct xd_local *l = calloc(1, sizeof(*l));
	int one = 1, size = XD_LOCAL_RCVBUF;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->seq = 1;
	l->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
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
	return l;
}

void xd_local_free(struct xd_local *l)
{
	if (!l)
		return;
	close(l->fd);
	free(l->buf);
	free(l->req);
	free(l->item);
	free(l);
}

/*
 * Appends @msg (built with libnl) to the batch as the request for the item
 * being queued, numbered in sequence; frees @msg.
 */
static int queue_msg(struct xd_local *l, enum req_kind kind,
		     struct nl_msg *msg)
{
	struct nlmsghdr *m = msg ? nlmsg_hdr(msg) : NULL;
	size_t len = m ? NLMSG_ALIGN(m->nlmsg_len) : 0;
	int r = -ENOMEM;

	if (m && xd_grow((void **)&l->buf, &l->cap, l->len + len, 1) &&
	    xd_grow((void **)&l->req, &l->capreq, l->nreq, sizeof(*l->req))) {
		m->nlmsg_flags |= NLM_F_REQUEST;
		m->nlmsg_seq = l->seq + (uint32_t)l->nreq;
		memcpy(l->buf + l->len, m, len);
		l->len += len;
		l->req[l->nreq++] = (struct req){ kind, l->nitem };
		r = 0;
	}
	nlmsg_free(msg);
	return r;
}

static int route_msg(struct xd_local *l, enum req_kind kind,
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
	return queue_msg(l, kind, msg);
}

/* The port into its VRF: IFLA_MASTER (the same master again changes
 * nothing; a new one cycles the port, before its route is added). */
static int master_msg(struct xd_local *l, int ifindex, int vrf)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_SETLINK, 0);

	if (msg && (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
		    nla_put_u32(msg, IFLA_MASTER, (uint32_t)vrf) < 0)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return queue_msg(l, REQ_MASTER, msg);
}

/* IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF: proxy ARP and strict
 * reverse-path filtering (a VM sends only from what routes to its port) */
static int proxy_arp_msg(struct xd_local *l, int ifindex)
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
		return queue_msg(l, REQ_PROXY_ARP, NULL);
	}
	nla_nest_end(msg, conf);
	nla_nest_end(msg, inet);
	nla_nest_end(msg, spec);
	return queue_msg(l, REQ_PROXY_ARP, msg);
}

static int item_new(struct xd_local *l, void *cookie, const char *addr,
		    const char *ifname)
{
	struct item *it;

	if (!xd_grow((void **)&l->item, &l->capitem, l->nitem, sizeof(*l->item)))
		return -ENOMEM;
	it = &l->item[l->nitem];
	*it = (struct item){ .cookie = cookie };
	snprintf(it->addr, sizeof(it->addr), "%s", addr);
	snprintf(it->ifname, sizeof(it->ifname), "%s", ifname);
	return 0;
}

/* Takes back the messages of an item that could not be queued whole. */
static void item_undo(struct xd_local *l, size_t len, size_t nreq)
{
	l->len = len;
	l->nreq = nreq;
}

int xd_local_install(struct xd_local *l, void *cookie, const char *addr,
		     int ifindex, const char *ifname, int vrf, uint32_t table)
{
	size_t len = l->len, nreq = l->nreq;
	int r = item_new(l, cookie, addr, ifname);

	if (!r && vrf)
		r = master_msg(l, ifindex, vrf);
	if (!r)
		r = route_msg(l, REQ_ROUTE, addr, ifindex, table);
	if (!r && !strchr(addr, ':'))
		r = proxy_arp_msg(l, ifindex);
	if (r) {
		item_undo(l, len, nreq);
		return r;
	}
	l->nitem++;
	return 0;
}

int xd_local_remove(struct xd_local *l, const char *addr, int ifindex,
		    const char *ifname, uint32_t table)
{
	size_t len = l->len, nreq = l->nreq;
	int r = item_new(l, NULL, addr, ifname);

	if (!r)
		r = route_msg(l, REQ_UNROUTE, addr, ifindex, table);
	if (r) {
		item_undo(l, len, nreq);
		return r;
	}
	l->nitem++;
	return 0;
}

/* What the kernel said about one request (err: -errno, or 0). */
static void req_result(struct xd_local *l, const struct req *q, int err,
		       const char *why)
{
	struct item *it = &l->item[q->item];
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

/* Reads answers until the one of sequence number last; 0, or -errno if
 * the socket failed (requests not answered count as failed). */
static int read_answers(struct xd_local *l, uint32_t last, bool *answered)
{
	char buf[8192];

	for (;;) {
		ssize_t n = recv(l->fd, buf, sizeof(buf), 0);
		size_t len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len = (size_t)n;
		for (const struct nlmsghdr *nh = (const void *)buf;
		     NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);
			uint32_t i = nh->nlmsg_seq - l->seq;

			if (nh->nlmsg_type != NLMSG_ERROR || i >= l->nreq)
				continue;	/* not ours: an old batch's */
			answered[i] = true;
			req_result(l, &l->req[i], e->error, ext_msg(nh));
			if (nh->nlmsg_seq == last)
				return 0;
		}
	}
}

/* Sends the messages in buf[off, end) as one datagram, the one at last
 * asking for an acknowledgement, and reads the answers. */
static int send_dgram(struct xd_local *l, size_t off, size_t end, size_t last,
		      bool *answered)
{
	struct nlmsghdr *m = (struct nlmsghdr *)(l->buf + last);
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	m->nlmsg_flags |= NLM_F_ACK;
	do {
		n = sendto(l->fd, l->buf + off, end - off, 0,
			   (struct sockaddr *)&kernel, sizeof(kernel));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return read_answers(l, m->nlmsg_seq, answered);
}

void xd_local_commit(struct xd_local *l, xd_local_done done, void *arg)
{
	bool *answered = calloc(l->nreq ? l->nreq : 1, sizeof(*answered));
	size_t off = 0, i = 0, settled = 0;
	int r = answered ? 0 : -ENOMEM;

	/* Datagrams of whole messages, each of at most XD_LOCAL_DGRAM. */
	while (!r && i < l->nreq) {
		size_t end = off, last = off;

		while (i < l->nreq) {
			size_t len = NLMSG_ALIGN(((struct nlmsghdr *)
						  (l->buf + end))->nlmsg_len);

			if (end > off && end + len - off > XD_LOCAL_DGRAM)
				break;
			last = end;
			end += len;
			i++;
		}
		r = send_dgram(l, off, end, last, answered);
		if (!r)
			settled = i;	/* unanswered before i: done fine */
		off = end;
	}
	if (r) {
		/* Not known to be done: failed (a retry replaces the route,
		 * and proxy ARP on twice is on). */
		xd_log("rtnetlink: %s", strerror(-r));
		for (size_t k = settled; k < l->nreq; k++)
			if (!answered || !answered[k])
				req_result(l, &l->req[k], r, NULL);
	}
	for (size_t k = 0; k < l->nitem; k++)
		if (l->item[k].cookie)
			done(l->item[k].cookie, !l->item[k].failed, arg);
	free(answered);
	l->seq += (uint32_t)l->nreq + 1;
	l->len = l->nreq = l->nitem = 0;
}
