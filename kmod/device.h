/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "xcloud" link type (device.c): rtnetlink ops, net_device ops and
 * the device's config (IFLA_XCLOUD_*).
 */
#ifndef _XCLOUD_DEVICE_H
#define _XCLOUD_DEVICE_H

#include <linux/list.h>
#include <linux/types.h>

struct net;
struct netlink_ext_ack;
struct nlattr;
struct xcloud_cfg;
struct xcloud_gateways;

int xcloud_device_init(void);
void xcloud_device_uninit(void);
void xcloud_net_exit_devices(struct net *net, struct list_head *kill);
void xcloud_cfg_init(struct xcloud_cfg *cfg);
int xcloud_cfg_parse(struct xcloud_cfg *cfg, struct nlattr *data[],
		     bool create, struct netlink_ext_ack *extack);
int xcloud_link_validate(struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack);
int xcloud_gateways_new(const struct nlattr *nest,
			struct xcloud_gateways **out);

#endif /* _XCLOUD_DEVICE_H */
