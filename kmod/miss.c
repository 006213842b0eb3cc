// SPDX-License-Identifier: GPL-2.0
/*
 * MISS events: a packet the device sends has no route. The control plane
 * learns of the destination from the event; a flood of them to unrouted
 * destinations is capped per device, the rest only counted.
 */
#include <linux/atomic.h>
#include <linux/jiffies.h>

#include "miss.h"
#include "netlink.h"
#include "stats.h"
#include "xcloud.h"

/* Miss events: 10 per second per device, bursts of up to 6. */
#define MISS_INTERVAL	(HZ / 10)
#define MISS_BURST	5

/*
 * Generic cell rate algorithm on one word: miss_next is the theoretical
 * arrival time of the next event. Lock-free; a value out of range (never
 * set, or jiffies wrapped past it) counts as an idle bucket.
 */
static bool miss_allowed(struct xcloud_dev *xd)
{
	unsigned long now = jiffies, old, tat;
	long ahead;

	do {
		old = READ_ONCE(xd->miss_next);
		ahead = (long)(old - now);
		tat = old;
		if (ahead < 0 || ahead > (MISS_BURST + 1) * MISS_INTERVAL)
			tat = now;
		else if (ahead > MISS_BURST * MISS_INTERVAL)
			return false;
	} while (cmpxchg(&xd->miss_next, old, tat + MISS_INTERVAL) != old);
	return true;
}

void xcloud_miss(struct xcloud_dev *xd, const struct xcloud_addr *dst)
{
	xcloud_stats_inc(xd->stats, XCLOUD_STATS_A_TX_NO_ROUTE);
	if (!miss_allowed(xd)) {
		xcloud_stats_inc(xd->stats, XCLOUD_STATS_A_MISS_SUPPRESSED);
		return;
	}
	xcloud_stats_inc(xd->stats, XCLOUD_STATS_A_MISS_EVENTS);
	xcloud_nl_miss_notify(xd, dst);
}
