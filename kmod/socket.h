/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UDP sockets, one per (netns, port, family), shared by every device of
 * the namespace on that port; received packets find their device by VNI
 * (struct xcloud_sock and its VNI lookup are in xcloud.h).
 */
#ifndef _XCLOUD_SOCKET_H
#define _XCLOUD_SOCKET_H

#include <linux/types.h>

struct net;
struct netlink_ext_ack;
struct nlattr;
struct xcloud_dev;

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

#endif /* _XCLOUD_SOCKET_H */
