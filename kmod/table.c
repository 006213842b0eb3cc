// SPDX-License-Identifier: GPL-2.0
/*
 * Forwarding table and allow-list: longest-prefix match over one hash of
 * (family, prefixlen, masked address), probing the prefix lengths present
 * from the longest. Next-hop sets are interned and shared; next-hop groups
 * are named sets that routes point at through the group. Readers use RCU;
 * writers hold t->lock. See table.h and docs/forwarding-table.md.
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/hash.h>
#include <linux/in.h>
#include <linux/jhash.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/ipv6.h>

#include "addr.h"
#include "common.h"
#include "table.h"

/*
 * A route: 64 bytes. Readers touch node, nh and key; list and id are the
 * writers' and share their memory with the rcu_head, which is used only
 * once the route is unlinked from both.
 */
struct xcloud_route {
	struct rhash_head node;			/* xcloud_table::routes */
	struct xcloud_nexthops __rcu *nh;	/* NULL in the allow-list */
	struct xcloud_route_key key;
	union {
		struct {
			struct list_head list;	/* xcloud_table::list */
			u64 id;			/* insertion order */
		};
		struct rcu_head rcu;
	};
};

/* Lookup key of a next-hop set: normalised and sorted. */
struct xcloud_nh_key {
	u8 type;
	u8 count;
	struct xcloud_addr addr[XCLOUD_MAX_NEXTHOPS];
};

/*
 * Every packet hashes and compares a route key (once with host routes
 * only): for IPv4 only the first two of its five words count, and the
 * default memcmp() is a byte loop on x86.
 */
static u32 route_hashfn(const void *data, u32 len, u32 seed)
{
	const struct xcloud_route_key *k = data;
	const u32 *w = data;

	if (k->family == AF_INET)
		return jhash_2words(w[0], w[1], seed);
	return jhash2(w, sizeof(*k) / sizeof(u32), seed);
}

static int route_cmpfn(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct xcloud_route *r = obj;
	const u32 *a = arg->key, *b = (const u32 *)&r->key;
	unsigned int words = r->key.family == AF_INET ? 2 : 5;

	/* the first word holds family and prefix length */
	while (words--)
		if (a[words] != b[words])
			return 1;
	return 0;
}

static const struct rhashtable_params route_params = {
	.head_offset = offsetof(struct xcloud_route, node),
	.key_offset = offsetof(struct xcloud_route, key),
	.key_len = sizeof(struct xcloud_route_key),
	.hashfn = route_hashfn,
	.obj_cmpfn = route_cmpfn,
	.automatic_shrinking = true,
};

static_assert(sizeof(struct xcloud_route_key) == 5 * sizeof(u32));

static u32 nh_hash(u8 type, u8 count, const struct xcloud_addr *addr,
		   u32 seed)
{
	u32 hash = jhash_2words(type, count, seed);
	unsigned int i;

	for (i = 0; i < count; i++)
		hash = jhash(addr[i].bytes, sizeof(addr[i].bytes),
			     hash ^ addr[i].family);
	return hash;
}

static u32 nh_key_hashfn(const void *data, u32 len, u32 seed)
{
	const struct xcloud_nh_key *k = data;

	return nh_hash(k->type, k->count, k->addr, seed);
}

static u32 nh_obj_hashfn(const void *data, u32 len, u32 seed)
{
	const struct xcloud_nexthops *nh = data;

	return nh_hash(nh->type, nh->count, nh->addr, seed);
}

static bool addr_same(const struct xcloud_addr *a, const struct xcloud_addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, 16);
}

static int nh_obj_cmpfn(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct xcloud_nh_key *k = arg->key;
	const struct xcloud_nexthops *nh = obj;
	unsigned int i;

	if (k->type != nh->type || k->count != nh->count)
		return 1;
	for (i = 0; i < k->count; i++)
		if (!addr_same(&k->addr[i], &nh->addr[i]))
			return 1;
	return 0;
}

static const struct rhashtable_params nh_params = {
	.head_offset = offsetof(struct xcloud_nexthops, node),
	.hashfn = nh_key_hashfn,
	.obj_hashfn = nh_obj_hashfn,
	.obj_cmpfn = nh_obj_cmpfn,
	.automatic_shrinking = true,
};

/*
 * Routes come from one slab cache of exactly their size, which lives as
 * long as the module: created at its init, destroyed at its exit after
 * the rcu_barrier() that waits for the last route_free_rcu().
 */
static struct kmem_cache *route_cache __read_mostly;

int __init xcloud_table_module_init(void)
{
	route_cache = KMEM_CACHE(xcloud_route, 0);
	return route_cache ? 0 : -ENOMEM;
}

void xcloud_table_module_exit(void)
{
	kmem_cache_destroy(route_cache);
}

static void route_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(route_cache, container_of(rcu, struct xcloud_route,
						  rcu));
}

static void bump_generation(struct xcloud_table *t)
{
	if (!++t->generation)
		t->generation = 1;
}

int xcloud_table_init(struct xcloud_table *t, struct mutex *lock,
		      const struct xcloud_table_ops *ops, void *priv)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->lock = lock;
	t->ops = ops;
	t->priv = priv;
	t->generation = 1;
	t->next_id = 1;
	t->max = U32_MAX;
	t->group_max = XCLOUD_MAX_NHGROUPS;
	t->group_generation = 1;
	INIT_LIST_HEAD(&t->list);
	xa_init(&t->groups);

	ret = rhashtable_init(&t->routes, &route_params);
	if (ret)
		return ret;
	ret = rhashtable_init(&t->nexthops, &nh_params);
	if (ret)
		rhashtable_destroy(&t->routes);
	return ret;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_table_init);

/* ---- keys and validation ---- */

static void mask_addr(u8 *out, const u8 *in, unsigned int plen)
{
	unsigned int full = plen / 8, rem = plen % 8;

	memset(out, 0, 16);
	memcpy(out, in, full);
	if (rem)
		out[full] = in[full] & (u8)(0xff00 >> rem);
}

static void make_key(struct xcloud_route_key *key, const struct xcloud_addr *a,
		     u8 plen)
{
	memset(key, 0, sizeof(*key));
	key->family = a->family;
	key->prefixlen = plen;
	mask_addr(key->addr, a->bytes, plen);
}

static int check_prefix(const struct xcloud_addr *dst, u8 plen,
			struct netlink_ext_ack *extack)
{
	struct xcloud_route_key key;

	if (dst->family != AF_INET && dst->family != AF_INET6) {
		NL_SET_ERR_MSG_MOD(extack, "unknown address family");
		return -EAFNOSUPPORT;
	}
	if (plen > xcloud_addr_bits(dst->family)) {
		if (dst->family == AF_INET)
			NL_SET_ERR_MSG_MOD(extack, "prefix length exceeds 32");
		else
			NL_SET_ERR_MSG_MOD(extack, "prefix length exceeds 128");
		return -EINVAL;
	}
	make_key(&key, dst, plen);
	if (memcmp(key.addr, dst->bytes, xcloud_addr_len(dst->family))) {
		NL_SET_ERR_MSG_MOD(extack,
				   "invalid prefix for given prefix length");
		return -EINVAL;
	}
	return 0;
}

static int check_nexthop(const struct xcloud_addr *a,
			 struct netlink_ext_ack *extack)
{
	if (a->family == AF_INET) {
		/* ipv4_is_zeronet() is only 0.0.0.0 since 5.x: test /8. */
		if ((a->ip4 & htonl(0xff000000)) == 0) {
			NL_SET_ERR_MSG_MOD(extack,
					   "next hop is unspecified (0.0.0.0/8)");
			return -EINVAL;
		}
		if (ipv4_is_multicast(a->ip4) || ipv4_is_lbcast(a->ip4)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "next hop is multicast or broadcast");
			return -EINVAL;
		}
		if (ipv4_is_loopback(a->ip4)) {
			NL_SET_ERR_MSG_MOD(extack, "next hop is loopback");
			return -EINVAL;
		}
		return 0;
	}
	if (a->family == AF_INET6) {
		if (ipv6_addr_any(&a->ip6)) {
			NL_SET_ERR_MSG_MOD(extack, "next hop is unspecified");
			return -EINVAL;
		}
		if (ipv6_addr_is_multicast(&a->ip6)) {
			NL_SET_ERR_MSG_MOD(extack, "next hop is multicast");
			return -EINVAL;
		}
		if (ipv6_addr_loopback(&a->ip6)) {
			NL_SET_ERR_MSG_MOD(extack, "next hop is loopback");
			return -EINVAL;
		}
		return 0;
	}
	NL_SET_ERR_MSG_MOD(extack, "unknown next hop address family");
	return -EAFNOSUPPORT;
}

static int addr_cmp(const void *a, const void *b)
{
	const struct xcloud_addr *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->bytes, y->bytes, 16);
}

/* Validate @count next hops @addr into a normalised, sorted @key. */
static int make_nh_key(struct xcloud_nh_key *key, u8 type, u8 count,
		       const struct xcloud_addr *addr,
		       struct netlink_ext_ack *extack)
{
	unsigned int i;
	int ret;

	memset(key, 0, sizeof(*key));
	if (count > XCLOUD_MAX_NEXTHOPS) {
		NL_SET_ERR_MSG_MOD(extack, "more than 8 next hops");
		return -E2BIG;
	}
	if (!count) {
		if (type != XCLOUD_ROUTE_UNSPEC) {
			NL_SET_ERR_MSG_MOD(extack, "route needs a next hop");
			return -EINVAL;
		}
		return 0;
	}
	if (type == XCLOUD_ROUTE_UNSPEC || type > XCLOUD_ROUTE_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "invalid route type");
		return -EINVAL;
	}
	key->type = type;
	key->count = count;
	for (i = 0; i < count; i++) {
		ret = check_nexthop(&addr[i], extack);
		if (ret)
			return ret;
		key->addr[i].family = addr[i].family;
		memcpy(key->addr[i].bytes, addr[i].bytes,
		       xcloud_addr_len(addr[i].family));
	}
	sort(key->addr, key->count, sizeof(key->addr[0]), addr_cmp, NULL);
	for (i = 1; i < key->count; i++) {
		if (!addr_cmp(&key->addr[i - 1], &key->addr[i])) {
			NL_SET_ERR_MSG_MOD(extack, "duplicate next hop");
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- next-hop sets ---- */

static size_t nh_size(unsigned int count)
{
	return struct_size((struct xcloud_nexthops *)NULL, addr, count);
}

static struct xcloud_nexthops *nh_get(struct xcloud_table *t,
				      const struct xcloud_nh_key *key,
				      struct netlink_ext_ack *extack)
{
	struct xcloud_nexthops *nh;
	int ret;

	lockdep_assert_held(t->lock);
	if (!key->count)
		return NULL;
	nh = rhashtable_lookup_fast(&t->nexthops, key, nh_params);
	if (nh) {
		refcount_inc(&nh->refs);
		return nh;
	}

	nh = kzalloc(nh_size(key->count), XCLOUD_GFP_ACCOUNT);
	if (!nh) {
		NL_SET_ERR_MSG_MOD(extack,
				   "out of memory for next hops (memory cgroup limit?)");
		return ERR_PTR(-ENOMEM);
	}
	refcount_set(&nh->refs, 1);
	nh->type = key->type;
	nh->count = key->count;
	memcpy(nh->addr, key->addr, key->count * sizeof(key->addr[0]));

	if (t->ops && t->ops->nexthops_new) {
		ret = t->ops->nexthops_new(t, nh, extack);
		if (ret)
			goto err_free;
	}
	ret = rhashtable_insert_fast(&t->nexthops, &nh->node, nh_params);
	if (ret)
		goto err_del;
	t->nh_count++;
	return nh;

err_del:
	if (t->ops && t->ops->nexthops_del)
		t->ops->nexthops_del(t, nh);
err_free:
	kfree(nh);
	return ERR_PTR(ret);
}

static void nh_put(struct xcloud_table *t, struct xcloud_nexthops *nh)
{
	lockdep_assert_held(t->lock);
	if (!nh || !refcount_dec_and_test(&nh->refs))
		return;
	rhashtable_remove_fast(&t->nexthops, &nh->node, nh_params);
	if (t->ops && t->ops->nexthops_del)
		t->ops->nexthops_del(t, nh);
	t->nh_count--;
	kfree_rcu(nh, rcu);
}

/* ---- what routes hold: a set, or a group by its head ---- */

static struct xcloud_nhgroup *nhgroup_of(const struct xcloud_nexthops *head)
{
	return container_of(head, struct xcloud_nhgroup, head);
}

static struct xcloud_nexthops *
group_members(struct xcloud_table *t, struct xcloud_nhgroup *g)
{
	return rcu_dereference_protected(g->members, lockdep_is_held(t->lock));
}

/*
 * What a route of @spec points at, with a reference taken: its group's
 * head (the group counts its routes) or the interned set of @nh_key.
 */
static struct xcloud_nexthops *route_nh_get(struct xcloud_table *t,
					    const struct xcloud_route_spec *spec,
					    const struct xcloud_nh_key *nh_key,
					    struct netlink_ext_ack *extack)
{
	struct xcloud_nhgroup *g;

	if (!spec->nhid)
		return nh_get(t, nh_key, extack);
	if (spec->count) {
		NL_SET_ERR_MSG_MOD(extack,
				   "a route names a next-hop group or next hops, not both");
		return ERR_PTR(-EINVAL);
	}
	g = xa_load(&t->groups, spec->nhid);
	if (!g) {
		NL_SET_ERR_MSG_MOD(extack, "no such next-hop group");
		return ERR_PTR(-ENOENT);
	}
	if (spec->type && spec->type != g->head.type) {
		NL_SET_ERR_MSG_MOD(extack,
				   "route type differs from its next-hop group's");
		return ERR_PTR(-EINVAL);
	}
	g->routes++;
	return &g->head;
}

static void route_nh_put(struct xcloud_table *t, struct xcloud_nexthops *nh)
{
	if (nh && !nh->count) {
		nhgroup_of(nh)->routes--;
		return;
	}
	nh_put(t, nh);
}

/* ---- prefix-length bitmaps ---- */

static void plen_add(struct xcloud_table *t, const struct xcloud_route_key *k)
{
	if (k->family == AF_INET) {
		if (!t->plen_count4[k->prefixlen]++)
			set_bit(k->prefixlen, t->plens4);
	} else {
		if (!t->plen_count6[k->prefixlen]++)
			set_bit(k->prefixlen, t->plens6);
	}
}

static void plen_del(struct xcloud_table *t, const struct xcloud_route_key *k)
{
	if (k->family == AF_INET) {
		if (!--t->plen_count4[k->prefixlen])
			clear_bit(k->prefixlen, t->plens4);
	} else {
		if (!--t->plen_count6[k->prefixlen])
			clear_bit(k->prefixlen, t->plens6);
	}
}

/* ---- writers ---- */

static struct xcloud_route *route_find(struct xcloud_table *t,
				       const struct xcloud_route_key *key)
{
	lockdep_assert_held(t->lock);
	return rhashtable_lookup_fast(&t->routes, key, route_params);
}

static struct xcloud_nexthops *route_nh(struct xcloud_table *t,
					struct xcloud_route *r)
{
	return rcu_dereference_protected(r->nh, lockdep_is_held(t->lock));
}

int xcloud_table_insert(struct xcloud_table *t,
			const struct xcloud_route_spec *spec, bool replace,
			struct netlink_ext_ack *extack)
{
	struct xcloud_nexthops *nh, *old;
	struct xcloud_route_key key;
	struct xcloud_nh_key nh_key;
	struct xcloud_route *r;
	int ret;

	lockdep_assert_held(t->lock);
	ret = check_prefix(&spec->dst, spec->prefixlen, extack);
	if (ret)
		return ret;
	/* Validated before the route is looked at, as before groups. */
	if (!spec->nhid) {
		ret = make_nh_key(&nh_key, spec->type, spec->count, spec->nh,
				  extack);
		if (ret)
			return ret;
	}
	make_key(&key, &spec->dst, spec->prefixlen);

	r = route_find(t, &key);
	if (r && !replace) {
		NL_SET_ERR_MSG_MOD(extack, "route exists");
		return -EEXIST;
	}
	if (!r && t->count >= t->max) {
		NL_SET_ERR_MSG_MOD(extack, "table full (the device's limit)");
		return -ENOSPC;
	}
	nh = route_nh_get(t, spec, &nh_key, extack);
	if (IS_ERR(nh))
		return PTR_ERR(nh);

	if (r) {
		old = route_nh(t, r);
		rcu_assign_pointer(r->nh, nh);
		route_nh_put(t, old);
		bump_generation(t);
		return 1;
	}

	r = kmem_cache_alloc(route_cache, XCLOUD_GFP_ACCOUNT);
	if (!r) {
		NL_SET_ERR_MSG_MOD(extack,
				   "out of memory for the route (memory cgroup limit?)");
		ret = -ENOMEM;
		goto err_nh;
	}
	r->key = key;
	RCU_INIT_POINTER(r->nh, nh);
	r->id = t->next_id++;
	/* The length is visible before the route, so no reader skips it. */
	plen_add(t, &key);
	ret = rhashtable_insert_fast(&t->routes, &r->node, route_params);
	if (ret) {
		plen_del(t, &key);
		kmem_cache_free(route_cache, r);
		NL_SET_ERR_MSG_MOD(extack, "cannot grow the route hash table");
		goto err_nh;
	}
	list_add_tail(&r->list, &t->list);
	WRITE_ONCE(t->count, t->count + 1);
	bump_generation(t);
	return 0;

err_nh:
	route_nh_put(t, nh);
	return ret;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_table_insert);

/* Unlink @r; readers may still hold it until a grace period passes. */
static void route_unlink(struct xcloud_table *t, struct xcloud_route *r)
{
	rhashtable_remove_fast(&t->routes, &r->node, route_params);
	plen_del(t, &r->key);
	/* list and id share memory with rcu: unlink without poisoning. */
	__list_del_entry(&r->list);
	route_nh_put(t, route_nh(t, r));
	WRITE_ONCE(t->count, t->count - 1);
	call_rcu(&r->rcu, route_free_rcu);
}

static void route_to_spec(struct xcloud_table *t, struct xcloud_route *r,
			  struct xcloud_route_spec *out);

int xcloud_table_remove(struct xcloud_table *t, const struct xcloud_addr *dst,
			u8 prefixlen, struct xcloud_route_spec *old,
			struct netlink_ext_ack *extack)
{
	struct xcloud_route_key key;
	struct xcloud_route *r;
	int ret;

	lockdep_assert_held(t->lock);
	ret = check_prefix(dst, prefixlen, extack);
	if (ret)
		return ret;
	make_key(&key, dst, prefixlen);
	r = route_find(t, &key);
	if (!r) {
		NL_SET_ERR_MSG_MOD(extack, "no such route");
		return -ENOENT;
	}
	if (old)
		route_to_spec(t, r, old);
	route_unlink(t, r);
	bump_generation(t);
	return 0;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_table_remove);

static void route_to_spec(struct xcloud_table *t, struct xcloud_route *r,
			  struct xcloud_route_spec *out)
{
	const struct xcloud_nexthops *nh = route_nh(t, r);

	memset(out, 0, sizeof(*out));
	out->dst.family = r->key.family;
	memcpy(out->dst.bytes, r->key.addr, sizeof(r->key.addr));
	out->prefixlen = r->key.prefixlen;
	if (nh && !nh->count) {
		out->type = nh->type;
		out->nhid = nhgroup_of(nh)->id;
	} else if (nh) {
		out->type = nh->type;
		out->count = nh->count;
		memcpy(out->nh, nh->addr, nh->count * sizeof(nh->addr[0]));
	}
}

void xcloud_table_flush(struct xcloud_table *t,
			void (*fn)(void *arg, const struct xcloud_route_spec *r),
			void *arg)
{
	struct xcloud_route_spec spec;
	struct xcloud_route *r, *tmp;

	lockdep_assert_held(t->lock);
	if (!t->count)
		return;
	list_for_each_entry_safe(r, tmp, &t->list, list) {
		if (fn) {
			route_to_spec(t, r, &spec);
			fn(arg, &spec);
		}
		route_unlink(t, r);
		cond_resched();
	}
	bump_generation(t);
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_table_flush);

bool xcloud_table_flush_batch(struct xcloud_table *t, u64 end,
			      unsigned int budget,
			      void (*fn)(void *arg,
					 const struct xcloud_route_spec *r),
			      void *arg)
{
	struct xcloud_route_spec spec;
	struct xcloud_route *r, *tmp;
	bool more = false, removed = false;

	lockdep_assert_held(t->lock);
	list_for_each_entry_safe(r, tmp, &t->list, list) {
		if (r->id >= end)
			break;
		if (!budget--) {
			more = true;
			break;
		}
		if (fn) {
			route_to_spec(t, r, &spec);
			fn(arg, &spec);
		}
		route_unlink(t, r);
		removed = true;
	}
	if (removed)
		bump_generation(t);
	return more;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_table_flush_batch);

static void nh_destroy_one(void *ptr, void *arg)
{
	struct xcloud_table *t = arg;
	struct xcloud_nexthops *nh = ptr;

	if (t->ops && t->ops->nexthops_del)
		t->ops->nexthops_del(t, nh);
	kfree(nh);
}

static void route_destroy_one(void *ptr, void *arg)
{
	kmem_cache_free(route_cache, ptr);
}

void xcloud_table_destroy(struct xcloud_table *t)
{
	struct xcloud_nhgroup *g;
	unsigned long id;

	rhashtable_free_and_destroy(&t->routes, route_destroy_one, NULL);
	/* Their member sets are in t->nexthops, freed next. */
	xa_for_each(&t->groups, id, g)
		kfree(g);
	xa_destroy(&t->groups);
	t->group_count = 0;
	rhashtable_free_and_destroy(&t->nexthops, nh_destroy_one, t);
	INIT_LIST_HEAD(&t->list);
	WRITE_ONCE(t->count, 0);
	t->nh_count = 0;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_table_destroy);

/* ---- readers ---- */

static struct xcloud_route *
lookup_family(const struct xcloud_table *t, const struct xcloud_addr *dst,
	      const unsigned long *plens, unsigned int bits)
{
	struct xcloud_route_key key;
	unsigned int plen, next;
	struct xcloud_route *r;

	memset(&key, 0, sizeof(key));
	key.family = dst->family;
	/* Longest first: with host routes only, one probe. */
	plen = find_last_bit(plens, bits + 1);
	if (plen > bits)
		return NULL;
	for (;;) {
		key.prefixlen = plen;
		mask_addr(key.addr, dst->bytes, plen);
		/* The table is not modified: rhashtable takes it non-const. */
		r = rhashtable_lookup((struct rhashtable *)&t->routes, &key,
				      route_params);
		if (r)
			return r;
		/* find_last_bit() returns its size when no bit is set. */
		next = plen ? find_last_bit(plens, plen) : plen;
		if (next >= plen)
			return NULL;
		plen = next;
	}
}

static struct xcloud_route *lookup(const struct xcloud_table *t,
				   const struct xcloud_addr *dst)
{
	if (dst->family == AF_INET)
		return lookup_family(t, dst, t->plens4, 32);
	if (dst->family == AF_INET6)
		return lookup_family(t, dst, t->plens6, 128);
	return NULL;
}

const struct xcloud_nexthops *
xcloud_table_lookup(const struct xcloud_table *t, const struct xcloud_addr *dst,
		    bool *found)
{
	const struct xcloud_nexthops *nh = NULL;
	struct xcloud_route *r;

	/*
	 * Callers are in an RCU section of some flavour (the xmit path runs
	 * under rcu_read_lock_bh()); nest a plain one so lockdep sees it.
	 */
	rcu_read_lock();
	r = lookup(t, dst);
	if (r)
		nh = rcu_dereference(r->nh);
	/* A group's head: its members as they are now. */
	if (nh && !nh->count)
		nh = rcu_dereference(nhgroup_of(nh)->members);
	rcu_read_unlock();
	*found = !!r;
	return nh;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_table_lookup);

int xcloud_table_get(struct xcloud_table *t, const struct xcloud_addr *dst,
		     bool exact, u8 prefixlen, struct xcloud_route_spec *out,
		     struct netlink_ext_ack *extack)
{
	struct xcloud_route_key key;
	struct xcloud_route *r;
	int ret;

	lockdep_assert_held(t->lock);
	if (exact) {
		ret = check_prefix(dst, prefixlen, extack);
		if (ret)
			return ret;
		make_key(&key, dst, prefixlen);
		r = route_find(t, &key);
	} else {
		rcu_read_lock();
		r = lookup(t, dst);
		rcu_read_unlock();
	}
	if (!r) {
		if (exact)
			NL_SET_ERR_MSG_MOD(extack, "no such route");
		else
			NL_SET_ERR_MSG_MOD(extack, "no route to destination");
		return -ENOENT;
	}
	route_to_spec(t, r, out);
	return 0;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_table_get);

int xcloud_table_walk(struct xcloud_table *t,
		      struct xcloud_table_cursor *cursor,
		      int (*fn)(void *arg, const struct xcloud_route_spec *r),
		      void *arg)
{
	struct xcloud_route_spec spec;
	struct xcloud_route *r;

	lockdep_assert_held(t->lock);
	switch (cursor->state) {
	case XCLOUD_CURSOR_START:
		r = list_first_entry(&t->list, struct xcloud_route, list);
		break;
	case XCLOUD_CURSOR_RESUME:
		r = route_find(t, &cursor->key);
		if (r && r->id == cursor->id)
			break;
		/* Removed since: resume at the first route inserted after. */
		list_for_each_entry(r, &t->list, list)
			if (r->id > cursor->id)
				break;
		break;
	default:
		return 0;
	}

	for (; !list_entry_is_head(r, &t->list, list);
	     r = list_next_entry(r, list)) {
		route_to_spec(t, r, &spec);
		if (fn(arg, &spec)) {
			cursor->key = r->key;
			cursor->id = r->id;
			cursor->state = XCLOUD_CURSOR_RESUME;
			return 1;
		}
	}
	cursor->state = XCLOUD_CURSOR_DONE;
	return 0;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_table_walk);

/* ---- next-hop groups ---- */

static void group_to_spec(struct xcloud_table *t, struct xcloud_nhgroup *g,
			  struct xcloud_nhgroup_spec *out)
{
	const struct xcloud_nexthops *nh = group_members(t, g);

	memset(out, 0, sizeof(*out));
	out->id = g->id;
	out->type = g->head.type;
	out->routes = g->routes;
	out->count = nh->count;
	memcpy(out->member, nh->addr, nh->count * sizeof(nh->addr[0]));
}

int xcloud_nhgroup_set(struct xcloud_table *t,
		       const struct xcloud_nhgroup_spec *spec, bool replace,
		       struct netlink_ext_ack *extack)
{
	struct xcloud_nexthops *nh, *old;
	struct xcloud_nh_key key;
	struct xcloud_nhgroup *g;
	u8 type;
	int ret;

	lockdep_assert_held(t->lock);
	if (!spec->id) {
		NL_SET_ERR_MSG_MOD(extack, "next-hop group id 0 is reserved");
		return -EINVAL;
	}
	if (!spec->count) {
		NL_SET_ERR_MSG_MOD(extack, "next-hop group needs a member");
		return -EINVAL;
	}
	g = xa_load(&t->groups, spec->id);
	if (g && !replace) {
		NL_SET_ERR_MSG_MOD(extack, "next-hop group exists");
		return -EEXIST;
	}
	if (!g && t->group_count >= t->group_max) {
		NL_SET_ERR_MSG_MOD(extack,
				   "next-hop group limit reached (XCLOUD_MAX_NHGROUPS)");
		return -ENOSPC;
	}
	/* No type: a gateway group, or on replace the group's own. */
	type = spec->type ?: (g ? g->head.type : XCLOUD_ROUTE_GATEWAY);
	if (g && g->routes && type != g->head.type) {
		NL_SET_ERR_MSG_MOD(extack,
				   "cannot change the type of a next-hop group routes name");
		return -EBUSY;
	}
	ret = make_nh_key(&key, type, spec->count, spec->member, extack);
	if (ret)
		return ret;
	nh = nh_get(t, &key, extack);
	if (IS_ERR(nh))
		return PTR_ERR(nh);

	if (g) {
		/* One store moves every route naming the group. */
		old = group_members(t, g);
		g->head.type = type;
		rcu_assign_pointer(g->members, nh);
		nh_put(t, old);
		xcloud_generation_bump(&t->group_generation);
		return 1;
	}

	g = kzalloc(sizeof(*g), XCLOUD_GFP_ACCOUNT);
	if (!g) {
		NL_SET_ERR_MSG_MOD(extack,
				   "out of memory for the next-hop group (memory cgroup limit?)");
		ret = -ENOMEM;
		goto err_nh;
	}
	g->id = spec->id;
	g->head.type = type;
	RCU_INIT_POINTER(g->members, nh);
	ret = xa_insert(&t->groups, g->id, g, XCLOUD_GFP_ACCOUNT);
	if (ret) {
		NL_SET_ERR_MSG_MOD(extack,
				   "out of memory for the next-hop group index");
		kfree(g);
		goto err_nh;
	}
	t->group_count++;
	xcloud_generation_bump(&t->group_generation);
	return 0;

err_nh:
	nh_put(t, nh);
	return ret;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_nhgroup_set);

/* No route names @g; readers may hold it until a grace period passes. */
static void group_free(struct xcloud_table *t, struct xcloud_nhgroup *g)
{
	xa_erase(&t->groups, g->id);
	nh_put(t, group_members(t, g));
	t->group_count--;
	kfree_rcu(g, rcu);
	xcloud_generation_bump(&t->group_generation);
}

int xcloud_nhgroup_del(struct xcloud_table *t, u32 id,
		       struct xcloud_nhgroup_spec *old,
		       struct netlink_ext_ack *extack)
{
	struct xcloud_nhgroup *g;

	lockdep_assert_held(t->lock);
	g = id ? xa_load(&t->groups, id) : NULL;
	if (!g) {
		NL_SET_ERR_MSG_MOD(extack, "no such next-hop group");
		return -ENOENT;
	}
	if (g->routes) {
		NL_SET_ERR_MSG_MOD(extack,
				   "next-hop group in use: routes name it");
		return -EBUSY;
	}
	if (old)
		group_to_spec(t, g, old);
	group_free(t, g);
	return 0;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_nhgroup_del);

unsigned int xcloud_nhgroup_flush(struct xcloud_table *t,
				  void (*fn)(void *arg,
					     const struct xcloud_nhgroup_spec *g),
				  void *arg)
{
	struct xcloud_nhgroup_spec spec;
	struct xcloud_nhgroup *g;
	unsigned int kept = 0;
	unsigned long id;

	lockdep_assert_held(t->lock);
	xa_for_each(&t->groups, id, g) {
		if (g->routes) {
			kept++;
			continue;
		}
		if (fn) {
			group_to_spec(t, g, &spec);
			fn(arg, &spec);
		}
		group_free(t, g);
		cond_resched();
	}
	return kept;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_nhgroup_flush);

int xcloud_nhgroup_get(struct xcloud_table *t, u32 id,
		       struct xcloud_nhgroup_spec *out)
{
	struct xcloud_nhgroup *g;

	lockdep_assert_held(t->lock);
	g = id ? xa_load(&t->groups, id) : NULL;
	if (!g)
		return -ENOENT;
	group_to_spec(t, g, out);
	return 0;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_nhgroup_get);

int xcloud_nhgroup_walk(struct xcloud_table *t, unsigned long *next,
			int (*fn)(void *arg,
				  const struct xcloud_nhgroup_spec *g),
			void *arg)
{
	struct xcloud_nhgroup_spec spec;
	struct xcloud_nhgroup *g;
	unsigned long id;

	lockdep_assert_held(t->lock);
	xa_for_each_start(&t->groups, id, g, *next) {
		group_to_spec(t, g, &spec);
		if (fn(arg, &spec)) {
			*next = id;
			return 1;
		}
	}
	return 0;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_nhgroup_walk);

unsigned int xcloud_nexthops_pick_live(unsigned int count, u32 hash,
				       unsigned long down)
{
	unsigned int first = reciprocal_scale(hash, count);
	unsigned int live, n, i;

	down &= BIT(count) - 1;
	if (!(down & BIT(first)))
		return first;
	live = count - hweight_long(down);
	if (!live)
		return first;	/* probes lost, not members: no black hole */
	/* Another draw of the hash, so a dead member's flows spread. */
	n = reciprocal_scale(hash_32(hash, 32), live);
	for (i = 0; i < count; i++) {
		if (down & BIT(i))
			continue;
		if (!n--)
			return i;
	}
	return first;		/* not reached */
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_nexthops_pick_live);
