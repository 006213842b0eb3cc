/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forwarding table: IPv4 and IPv6 prefixes (host routes and shorter), the
 * longest match wins. Readers look up under RCU without locks; writers
 * hold the owner's lock (the device's update_lock), passed in at init so
 * the rule can be asserted.
 *
 * The same structure, with no next hops, is the receive allow-list.
 */
#ifndef _XCLOUD_TABLE_H
#define _XCLOUD_TABLE_H

#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <uapi/linux/xcloud.h>

#include "addr.h"

struct xcloud_table;

/*
 * An immutable set of next hops with a route type. Equal sets are shared
 * by all routes that use them (a million VMs behind a few gateways cost a
 * few sets), so a route is a key and one pointer.
 */
struct xcloud_nexthops {
	struct rhash_head node;		/* xcloud_table::nexthops */
	refcount_t refs;		/* routes using it */
	struct rcu_head rcu;
	u8 type;			/* enum xcloud_route_type */
	u8 count;			/* 1..XCLOUD_MAX_NEXTHOPS */
	struct xcloud_addr addr[];	/* sorted: one set, one order */
};

/* Called under the table lock when a set is created or freed. */
struct xcloud_table_ops {
	int (*nexthops_new)(struct xcloud_table *t,
			    const struct xcloud_nexthops *nh,
			    struct netlink_ext_ack *extack);
	void (*nexthops_del)(struct xcloud_table *t,
			     const struct xcloud_nexthops *nh);
};

/* A route as userspace states it. */
struct xcloud_route_spec {
	struct xcloud_addr dst;
	u8 prefixlen;
	u8 type;
	u8 count;
	struct xcloud_addr nh[XCLOUD_MAX_NEXTHOPS];
};

struct xcloud_route;	/* private to table.c */

struct xcloud_table {
	struct mutex *lock;		/* the owner's writer lock */
	const struct xcloud_table_ops *ops;	/* may be NULL */
	void *priv;			/* for ops */
	void *impl;			/* private to table.c */
	u32 generation;			/* bumped by every change, for dumps */
	u32 count;			/* routes */
};

int xcloud_table_init(struct xcloud_table *t, struct mutex *lock,
		      const struct xcloud_table_ops *ops, void *priv);
/* Frees everything; no reader may be left (after synchronize_rcu). */
void xcloud_table_destroy(struct xcloud_table *t);

/*
 * Insert @spec. With @replace an existing route for the prefix is
 * replaced, otherwise it is -EEXIST. spec->count == 0 is allowed only for
 * tables without next hops (the allow-list). Messages go to @extack.
 */
int xcloud_table_insert(struct xcloud_table *t,
			const struct xcloud_route_spec *spec, bool replace,
			struct netlink_ext_ack *extack);
/* -ENOENT if the exact prefix is not there. */
int xcloud_table_remove(struct xcloud_table *t, const struct xcloud_addr *dst,
			u8 prefixlen);
void xcloud_table_flush(struct xcloud_table *t);

/*
 * Longest-prefix match, under rcu_read_lock(). Returns the route's next
 * hops (NULL for allow-list entries and misses); @found tells a match.
 */
const struct xcloud_nexthops *
xcloud_table_lookup(const struct xcloud_table *t, const struct xcloud_addr *dst,
		    bool *found);

/* ECMP: the next hop for a flow hash; stable while the set is. */
static inline const struct xcloud_addr *
xcloud_nexthops_pick(const struct xcloud_nexthops *nh, u32 hash)
{
	return &nh->addr[reciprocal_scale(hash, nh->count)];
}

/* Exact or longest match as a spec (for ROUTE_GET), under the lock. */
int xcloud_table_get(struct xcloud_table *t, const struct xcloud_addr *dst,
		     bool exact, u8 prefixlen, struct xcloud_route_spec *out);

/*
 * Resumable walk for netlink dumps, under the table lock. @cursor starts
 * zeroed and is owned by the caller (netlink_callback::ctx). @fn returns
 * non-zero to stop (message full); the same route is offered again on the
 * next call. Returns 0 when the walk is complete, 1 if stopped.
 */
struct xcloud_table_cursor {
	u64 pos[2];
};

int xcloud_table_walk(struct xcloud_table *t,
		      struct xcloud_table_cursor *cursor,
		      int (*fn)(void *arg, const struct xcloud_route_spec *r),
		      void *arg);

/* Bytes of kernel memory the table holds, for `bytes_per_route`. */
size_t xcloud_table_memory(const struct xcloud_table *t);

#endif /* _XCLOUD_TABLE_H */
