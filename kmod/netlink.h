/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "xcloud" as the rest of the module sees it:
 * its registration and the events other units send. Every message is
 * built in netlink*.c; netlink_family.h is what those files share.
 */
#ifndef _XCLOUD_NETLINK_H
#define _XCLOUD_NETLINK_H

struct xcloud_addr;
struct xcloud_dev;

int xcloud_genl_init(void);
void xcloud_genl_uninit(void);

/* MISS: no route for @dst. Data path (softirq or xmit), under RCU. */
void xcloud_nl_miss_notify(struct xcloud_dev *xd,
			   const struct xcloud_addr *dst);

#endif /* _XCLOUD_NETLINK_H */
