/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-cpu counters of xcloud's own drop reasons and events, indexed by
 * the uapi's XCLOUD_STATS_A_* so that one netlink fill serves the device
 * and the namespace sets. A device's packets and bytes are not here: the
 * core counts them in dev->tstats (xcloud_dev_counters()).
 */
#ifndef _XCLOUD_STATS_H
#define _XCLOUD_STATS_H

#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>
#include <uapi/linux/xcloud.h>

struct xcloud_stats {
	u64_stats_t c[__XCLOUD_STATS_A_MAX];
	struct u64_stats_sync syncp;
};

static inline void xcloud_stats_add(struct xcloud_stats __percpu *stats,
				    unsigned int idx, u64 n)
{
	struct xcloud_stats *s = get_cpu_ptr(stats);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&s->syncp);
	u64_stats_add(&s->c[idx], n);
	u64_stats_update_end_irqrestore(&s->syncp, flags);
	put_cpu_ptr(stats);
}

static inline void xcloud_stats_inc(struct xcloud_stats __percpu *stats,
				    unsigned int idx)
{
	xcloud_stats_add(stats, idx, 1);
}

/* Sum over all cpus into @out[__XCLOUD_STATS_A_MAX]. */
void xcloud_stats_read(struct xcloud_stats __percpu *stats, u64 *out);

#endif /* _XCLOUD_STATS_H */
