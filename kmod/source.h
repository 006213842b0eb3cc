/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inner source check of an edge device (IFLA_XCLOUD_SOURCE_CHECK), as
 * a pure decision (KUnit-tested): like WireGuard's allowed IPs, a tunnel
 * peer may only send from the addresses routed to it, adapted to the
 * two-hop path (a VM of another cloud arrives relayed by the local cloud's
 * gateway).
 */
#ifndef _XCLOUD_SOURCE_H
#define _XCLOUD_SOURCE_H

#include <linux/rcupdate.h>
#include <linux/types.h>

#include "addr.h"
#include "table.h"

/*
 * The device's own cloud's gateways (IFLA_XCLOUD_GATEWAYS). Immutable
 * once published: a change swaps in a new object under RTNL and frees the
 * old one after a grace period. The receive path reads it under RCU.
 */
struct xcloud_gateways {
	struct rcu_head rcu;
	unsigned int count;		/* 0..XCLOUD_MAX_GATEWAYS */
	struct xcloud_addr addr[];
};

static inline bool xcloud_gateways_has(const struct xcloud_gateways *gws,
				       const struct xcloud_addr *a)
{
	unsigned int i;

	if (!gws)
		return false;
	for (i = 0; i < gws->count; i++)
		if (xcloud_addr_equal(&gws->addr[i], a))
			return true;
	return false;
}

/*
 * May @peer (the outer source) send a packet from @src (the inner
 * source)? One longest-prefix lookup of @src in @routes, under
 * rcu_read_lock(); @gws may be NULL (no gateways). Returns 0 to deliver,
 * or the XCLOUD_STATS_A_* drop reason: RX_SRC_UNROUTED (no route for
 * @src) or RX_SRC_MISMATCH (routed, but not to @peer: another node, a
 * `gateway` route from a peer that is not an own gateway, an `eip` route).
 */
unsigned int xcloud_source_decide(const struct xcloud_table *routes,
				  const struct xcloud_gateways *gws,
				  const struct xcloud_addr *peer,
				  const struct xcloud_addr *src);

#endif /* _XCLOUD_SOURCE_H */
