// SPDX-License-Identifier: GPL-2.0
/*
 * Per-cpu counters: the reader's side. Writers are in stats.h.
 */
#include <linux/string.h>

#include "stats.h"

void xcloud_stats_read(struct xcloud_stats __percpu *stats, u64 *out)
{
	u64 snap[__XCLOUD_STATS_A_MAX];
	unsigned int start, i;
	int cpu;

	memset(out, 0, sizeof(snap));
	for_each_possible_cpu(cpu) {
		const struct xcloud_stats *s = per_cpu_ptr(stats, cpu);

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < __XCLOUD_STATS_A_MAX; i++)
				snap[i] = u64_stats_read(&s->c[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = 0; i < __XCLOUD_STATS_A_MAX; i++)
			out[i] += snap[i];
	}
}
