/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two-hop rule of a gateway, as a pure decision (KUnit-tested):
 * a decapsulated packet is relayed only over a `node` route and only if
 * no gateway has relayed it before.
 */
#ifndef _XCLOUD_RELAY_H
#define _XCLOUD_RELAY_H

#include <linux/types.h>

/*
 * @found: the gateway's table has a route for the inner destination;
 * @type: its enum xcloud_route_type; @relayed: the packet carries the
 * relayed option. Returns 0 to relay, or the XCLOUD_STATS_A_* drop
 * reason (RX_NO_ROUTE or RX_HOP_LIMIT).
 */
unsigned int xcloud_relay_decide(bool found, u8 type, bool relayed);

#endif /* _XCLOUD_RELAY_H */
