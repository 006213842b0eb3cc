/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forwarding table: IPv4 and IPv6 prefixes (host routes and shorter), the
 * longest match wins. Readers look up under RCU without locks; writers
 * hold the owner's lock (the device's update_lock), passed in at init so
 * the rule can be asserted.
 *
 * The same structure, with no next hops, is the receive allow-list: its
 * entries have type XCLOUD_ROUTE_UNSPEC and count 0. A route table's
 * entries have a valid type and 1..XCLOUD_MAX_NEXTHOPS next hops. Which
 * kind a table holds is up to its user (netlink_route.c never mixes them).
 *
 * Layout: one rhashtable of routes keyed by (family, prefixlen, masked
 * address), and per family a bitmap of the prefix lengths present. A
 * lookup probes the lengths present, longest first, so with host routes
 * only it is one hash probe whatever the table's size. See
 * docs/forwarding-table.md.
 */
#ifndef _XCLOUD_TABLE_H
#define _XCLOUD_TABLE_H

#include <linux/bitops.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/reciprocal_div.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/xarray.h>
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
	refcount_t refs;		/* routes and groups using it; lock */
	struct rcu_head rcu;
	u8 type;			/* enum xcloud_route_type */
	u8 count;			/* 1..XCLOUD_MAX_NEXTHOPS; 0: group */
	struct xcloud_addr addr[];	/* sorted: one set, one order */
};

/*
 * A next-hop group: an id and an interned set of members. A route naming
 * it points at its @head, a set of count 0 standing for the group, so a
 * route is still a key and one pointer; readers follow head to @members.
 * Replacing @members re-points every route naming the group at once.
 */
struct xcloud_nhgroup {
	u32 id;
	u32 routes;			/* routes naming it, under the lock */
	struct xcloud_nexthops __rcu *members;	/* type: the group's */
	struct rcu_head rcu;
	struct xcloud_nexthops head;	/* count 0, type; last (addr[]) */
};

/* A group as userspace states it. */
struct xcloud_nhgroup_spec {
	u32 id;
	u8 type;
	u8 count;
	u32 routes;			/* out: routes naming it */
	struct xcloud_addr member[XCLOUD_MAX_NEXTHOPS];
};

/*
 * Called under the table lock when a set is created (before any route
 * uses it; an error fails the insert) or when its last route is gone
 * (readers may still see it until an RCU grace period has passed).
 */
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
	u8 count;			/* 0 with @nhid */
	u32 nhid;			/* a group instead of @nh, or 0 */
	struct xcloud_addr nh[XCLOUD_MAX_NEXTHOPS];
};

/* The hash key of a route: 20 bytes, hashed as five words. */
struct xcloud_route_key {
	u8 family;			/* AF_INET or AF_INET6 */
	u8 prefixlen;
	u8 pad[2];			/* zero */
	u8 addr[16];			/* masked; IPv4 in the first 4 */
} __aligned(4);				/* hashed and compared as words */

struct xcloud_table {
	struct mutex *lock;		/* the owner's writer lock */
	const struct xcloud_table_ops *ops;	/* may be NULL */
	void *priv;			/* for ops */

	struct rhashtable routes;	/* struct xcloud_route, by key */
	struct rhashtable nexthops;	/* interned sets, writers only */
	struct list_head list;		/* routes in insertion (id) order */
	u64 next_id;			/* id of the next inserted route */

	/* Prefix lengths present, read locklessly by lookups. */
	DECLARE_BITMAP(plens4, 33);
	DECLARE_BITMAP(plens6, 129);
	u32 plen_count4[33];		/* routes per length, under the lock */
	u32 plen_count6[129];

	u32 generation;			/* bumped by every change, never 0 */
	u32 count;			/* routes */
	u32 max;			/* most routes; U32_MAX after init */
	u32 nh_count;			/* interned next-hop sets */

	struct xarray groups;		/* struct xcloud_nhgroup, by id */
	u32 group_count;
	u32 group_max;			/* XCLOUD_MAX_NHGROUPS after init */
	u32 group_generation;		/* bumped by group changes, never 0 */
};

/* The route slab cache, for the module's lifetime (main.c). */
int xcloud_table_module_init(void);
void xcloud_table_module_exit(void);

int xcloud_table_init(struct xcloud_table *t, struct mutex *lock,
		      const struct xcloud_table_ops *ops, void *priv);
/*
 * Frees everything; no reader may be left (after synchronize_rcu). Calls
 * ops->nexthops_del for every set still present. Takes no lock.
 */
void xcloud_table_destroy(struct xcloud_table *t);

/*
 * Insert @spec. With @replace an existing route for the prefix is
 * replaced, otherwise it is -EEXIST. spec->count == 0 is allowed only for
 * tables without next hops (the allow-list). A destination with host bits
 * set beyond the prefix length is refused (-EINVAL), as ip-route does.
 * A new route beyond t->max is -ENOSPC (replacing one is not refused).
 * Messages go to @extack. Returns 1 if a route was replaced, 0 if added.
 */
int xcloud_table_insert(struct xcloud_table *t,
			const struct xcloud_route_spec *spec, bool replace,
			struct netlink_ext_ack *extack);
/*
 * Remove exactly @dst/@prefixlen; the route removed is copied to @old
 * (may be NULL). -ENOENT if it is not there; -EINVAL for a bad prefix.
 */
int xcloud_table_remove(struct xcloud_table *t, const struct xcloud_addr *dst,
			u8 prefixlen, struct xcloud_route_spec *old,
			struct netlink_ext_ack *extack);
/*
 * Remove every route; @fn (may be NULL) sees each one as it goes, e.g.
 * to send an event.
 */
void xcloud_table_flush(struct xcloud_table *t,
			void (*fn)(void *arg, const struct xcloud_route_spec *r),
			void *arg);

/*
 * Remove up to @budget routes inserted before route id @end (a value of
 * t->next_id), in insertion order, so that a flush in several locked
 * steps ends even while routes are added between them. Returns true if
 * such routes remain.
 */
bool xcloud_table_flush_batch(struct xcloud_table *t, u64 end,
			      unsigned int budget,
			      void (*fn)(void *arg,
					 const struct xcloud_route_spec *r),
			      void *arg);

/*
 * Longest-prefix match. The caller is in an RCU read-side section (plain
 * or BH) and may use the result until it leaves it. Returns the route's
 * next hops, for a route naming a group its members as they are now
 * (NULL for allow-list entries and misses); @found tells a match.
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

/*
 * For ROUTE_GET, under the lock: with @exact the route for exactly
 * @dst/@prefixlen, otherwise the longest match of @dst. -ENOENT if none.
 */
int xcloud_table_get(struct xcloud_table *t, const struct xcloud_addr *dst,
		     bool exact, u8 prefixlen, struct xcloud_route_spec *out,
		     struct netlink_ext_ack *extack);

/*
 * Resumable walk for netlink dumps, under the table lock. @cursor starts
 * zeroed and is owned by the caller (netlink_callback::ctx). @fn returns
 * non-zero to stop (message full); the same route is offered again on the
 * next call. Returns 0 when the walk is complete, 1 if stopped.
 *
 * Routes are kept on a list in insertion order, each with a unique id.
 * The cursor names the route to resume at by key and id and finds it
 * again with one hash probe. Only if that route was removed in between
 * (the generation has changed, so the dump is flagged interrupted) does
 * the walk scan the list for the first route inserted after it.
 */
enum xcloud_cursor_state {
	XCLOUD_CURSOR_START,		/* zeroed: the first route */
	XCLOUD_CURSOR_RESUME,		/* at @key and @id */
	XCLOUD_CURSOR_DONE,
};

struct xcloud_table_cursor {
	struct xcloud_route_key key;	/* route to resume at */
	u32 state;			/* enum xcloud_cursor_state */
	u64 id;
};

int xcloud_table_walk(struct xcloud_table *t,
		      struct xcloud_table_cursor *cursor,
		      int (*fn)(void *arg, const struct xcloud_route_spec *r),
		      void *arg);

/*
 * Next-hop groups, under the table lock. Add (or with @replace, replace)
 * @spec: -EEXIST for an existing id without @replace, -ENOSPC beyond
 * t->group_max, -EBUSY for a type change of a group routes name. Returns
 * 1 if replaced, 0 if added.
 */
int xcloud_nhgroup_set(struct xcloud_table *t,
		       const struct xcloud_nhgroup_spec *spec, bool replace,
		       struct netlink_ext_ack *extack);
/* Delete group @id, copied to @old (may be NULL); -EBUSY while named. */
int xcloud_nhgroup_del(struct xcloud_table *t, u32 id,
		       struct xcloud_nhgroup_spec *old,
		       struct netlink_ext_ack *extack);
/*
 * Delete every group no route names, @fn seeing each; returns how many
 * stay because routes name them.
 */
unsigned int xcloud_nhgroup_flush(struct xcloud_table *t,
				  void (*fn)(void *arg,
					     const struct xcloud_nhgroup_spec *g),
				  void *arg);
/* Group @id as it is; -ENOENT if none. */
int xcloud_nhgroup_get(struct xcloud_table *t, u32 id,
		       struct xcloud_nhgroup_spec *out);
/*
 * Dump walk in id order from *@next (0 at the start); @fn returns
 * non-zero to stop, and that group is offered again on the next call,
 * from the *@next it leaves. Returns 1 if stopped, 0 when done.
 */
int xcloud_nhgroup_walk(struct xcloud_table *t, unsigned long *next,
			int (*fn)(void *arg,
				  const struct xcloud_nhgroup_spec *g),
			void *arg);

/*
 * The member of a set of @count next hops to use for flow @hash when the
 * members with their bit set in @down are dead: the plain pick if it is
 * alive (so flows on live members never move), else a pick by the hash
 * among the live ones, else (all down) the plain pick. Pure; KUnit.
 */
unsigned int xcloud_nexthops_pick_live(unsigned int count, u32 hash,
				       unsigned long down);

#endif /* _XCLOUD_TABLE_H */
