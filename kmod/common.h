/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Conventions every unit follows: KUnit exports, allocations made for
 * requests, dump generations. Includes no other xcloud header, so that
 * any unit, the pure ones too, can use it without depending on another.
 */
#ifndef _XCLOUD_COMMON_H
#define _XCLOUD_COMMON_H

#include <linux/gfp.h>
#include <linux/export.h>
#include <linux/types.h>

/*
 * Internal functions the KUnit module (xcloud-kunit.ko) calls are
 * exported to it, in their own namespace, only in test builds.
 */
#ifdef XCLOUD_KUNIT
#define EXPORT_SYMBOL_IF_XCLOUD_KUNIT(sym) EXPORT_SYMBOL_NS_GPL(sym, XCLOUD_KUNIT)
#else
#define EXPORT_SYMBOL_IF_XCLOUD_KUNIT(sym)
#endif

/*
 * Long-lived allocations made for a netlink request (routes, next-hop
 * sets, peers, gateways): charged to the requester's memory cgroup, and
 * at its limit they fail with -ENOMEM after reclaim instead of invoking
 * the OOM killer on the requester (which would be forced through).
 */
#define XCLOUD_GFP_ACCOUNT (GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | \
			    __GFP_NOWARN)

/*
 * Dump generations: bumped on every change and never 0, which would
 * switch off genl_dump_check_consistent().
 */
static inline void xcloud_generation_bump(u32 *gen)
{
	if (!++*gen)
		*gen = 1;
}

#endif /* _XCLOUD_COMMON_H */
