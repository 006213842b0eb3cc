/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UDP sockets, one per (netns, port, family), shared by every device of
 * the namespace on that port; received packets find their device by VNI.
 */
#ifndef _XCLOUD_SOCKET_H
#define _XCLOUD_SOCKET_H

#include <linux/hashtable.h>
#include <linux/refcount.h>
#include <net/sock.h>

struct xcloud_dev;

struct xcloud_sock {
	struct list_head list;		/* xcloud_net::socks, under RTNL */
	struct socket *sock;
	__be16 port;
	u16 family;
	unsigned int users;		/* devices bound, under RTNL */
	DECLARE_HASHTABLE(vni_hash, 8);	/* devices by VNI, RCU readers */
	struct rcu_head rcu;
};

/* Bind @xd's sockets (both families unless local says one), under RTNL. */
int xcloud_sock_open(struct xcloud_dev *xd, struct netlink_ext_ack *extack);
/*
 * For newlink/changelink, which ndo_open cannot report to: would a device
 * on @port with local address family @family (0: both) get its sockets?
 * For each family without an xcloud socket on @port in @net, binds a
 * socket and releases it. -EADDRINUSE, with an extack message pointing at
 * @attr (may be NULL), if another socket of the namespace has the port;
 * 0 otherwise. Under RTNL.
 */
int xcloud_sock_check_port(struct net *net, __be16 port, u16 family,
			   const struct nlattr *attr,
			   struct netlink_ext_ack *extack);
/* Unbind and drop @xd's sockets, under RTNL. */
void xcloud_sock_close(struct xcloud_dev *xd);
/* The device bound to @vni on @xs, under rcu_read_lock(); NULL if none. */
struct xcloud_dev *xcloud_sock_lookup_vni(struct xcloud_sock *xs, u32 vni);

#endif /* _XCLOUD_SOCKET_H */
