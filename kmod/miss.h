/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MISS events of unrouted destinations (miss.c), rate-limited per device.
 */
#ifndef _XCLOUD_MISS_H
#define _XCLOUD_MISS_H

struct xcloud_addr;
struct xcloud_dev;

/*
 * The device has no route for @dst: count it, and send a MISS event
 * unless the device's rate of them is used up. Data path, under RCU.
 */
void xcloud_miss(struct xcloud_dev *xd, const struct xcloud_addr *dst);

#endif /* _XCLOUD_MISS_H */
