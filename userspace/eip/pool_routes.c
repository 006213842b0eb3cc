// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel routes of the EIP agents, into one device each:
 *  - aggregation agent: each EIP pool into the xcloud device, so traffic
 *    the switches deliver for a pool enters the device and meets its
 *    `eip` entries;
 *  - router agent with eip-handoff: each EIP (/32, /128) onto OVN's
 *    provider bridge, where the logical router's gateway port answers
 *    ARP/ND for it and does the NAT (docs/ovn.md).
 * Marked with their own route protocol number, so the agent only ever
 * touches its own routes: a prefix whose destination already has another
 * owner's route in the main table (the node's own subnet, say, from a
 * store value nobody checked against it) is left alone, never replaced.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>

#include "eip.h"

struct pool_scan {
	int ifindex;
	const struct xc_prefix *want;
	size_t n;
	bool *present;
	bool *foreign;		/* another owner's route has that destination */
	struct rtnl_route **stale;
	size_t n_stale, cap_stale;
	int err;
};

static bool same_prefix(struct nl_addr *dst, const struct xc_prefix *p)
{
	size_t len = p->addr.family == AF_INET ? 4 : 16;

	return nl_addr_get_family(dst) == p->addr.family &&
	       nl_addr_get_prefixlen(dst) == p->len &&
	       nl_addr_get_len(dst) == len &&
	       !memcmp(nl_addr_get_binary_addr(dst), p->addr.bytes, len);
}

static void scan_route(struct nl_object *obj, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct pool_scan *s = arg;
	struct rtnl_nexthop *nh;
	size_t i;

	if (rtnl_route_get_table(r) != RT_TABLE_MAIN)
		return;
	if (rtnl_route_get_protocol(r) != EIP_RTPROT) {
		for (i = 0; i < s->n; i++)
			if (same_prefix(rtnl_route_get_dst(r), &s->want[i]))
				s->foreign[i] = true;
		return;
	}
	if (rtnl_route_get_nnexthops(r) != 1)
		return;
	nh = rtnl_route_nexthop_n(r, 0);
	if (rtnl_route_nh_get_ifindex(nh) == s->ifindex) {
		for (i = 0; i < s->n; i++) {
			if (same_prefix(rtnl_route_get_dst(r), &s->want[i])) {
				s->present[i] = true;
				return;
			}
		}
	}
	/* Ours but not wanted (or on another device): remove it. */
	if (s->n_stale == s->cap_stale) {
		size_t cap = s->cap_stale ? 2 * s->cap_stale : 16;
		struct rtnl_route **st = realloc(s->stale, cap * sizeof(*st));

		if (!st) {
			s->err = -ENOMEM;
			return;
		}
		s->stale = st;
		s->cap_stale = cap;
	}
	nl_object_get(obj);
	s->stale[s->n_stale++] = r;
}

/* libnl's NLE_* codes as the errno values the rest of the library uses. */
static int nlerr(int e)
{
	switch (e) {
	case 0: return 0;
	case -NLE_NOMEM: return -ENOMEM;
	case -NLE_PERM: return -EPERM;
	case -NLE_NODEV: return -ENODEV;
	case -NLE_EXIST: return -EEXIST;
	case -NLE_INVAL: return -EINVAL;
	default: return e < 0 ? -EIO : 0;
	}
}

static int add_route(struct nl_sock *sk, int ifindex, const struct xc_prefix *p)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst;
	int err;

	if (!r || !nh) {
		rtnl_route_put(r);
		rtnl_route_nh_free(nh);
		return -ENOMEM;
	}
	dst = nl_addr_build(p->addr.family, p->addr.bytes,
			    p->addr.family == AF_INET ? 4 : 16);
	if (!dst) {
		rtnl_route_put(r);
		rtnl_route_nh_free(nh);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(dst, p->len);
	rtnl_route_set_family(r, p->addr.family);
	rtnl_route_set_dst(r, dst);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, EIP_RTPROT);
	rtnl_route_set_scope(r, RT_SCOPE_LINK);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(r, nh);
	err = rtnl_route_add(sk, r, NLM_F_CREATE | NLM_F_REPLACE);
	nl_addr_put(dst);
	rtnl_route_put(r);
	return nlerr(err);
}

int eip_sync_device_routes(int ifindex, const struct xc_prefix *pfx,
			   size_t n, bool *refused, struct eip_route_stats *st)
{
	struct pool_scan s = { .ifindex = ifindex, .want = pfx, .n = n };
	bool any_refused = false;
	struct nl_cache *cache = NULL;
	struct nl_sock *sk = NULL;
	size_t i;
	int err = -ENOMEM;

	if (st)
		memset(st, 0, sizeof(*st));
	if (refused)
		memset(refused, 0, n * sizeof(*refused));
	s.present = calloc(n + 1, sizeof(bool));
	s.foreign = calloc(n + 1, sizeof(bool));
	if (!s.present || !s.foreign)
		goto out;
	sk = nl_socket_alloc();
	if (!sk)
		goto out;
	err = nlerr(nl_connect(sk, NETLINK_ROUTE));
	if (err)
		goto out;
	err = nlerr(rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &cache));
	if (err)
		goto out;
	nl_cache_foreach(cache, scan_route, &s);
	err = s.err;
	for (i = 0; !err && i < n; i++) {
		if (s.present[i])
			continue;
		if (s.foreign[i]) {
			/* NLM_F_REPLACE would take that route over. */
			any_refused = true;
			if (refused)
				refused[i] = true;
			continue;
		}
		err = add_route(sk, ifindex, &pfx[i]);
		if (!err && st)
			st->added++;
	}
	for (i = 0; i < s.n_stale; i++) {
		if (!err) {
			int e = rtnl_route_delete(sk, s.stale[i], 0);

			if (!e && st)
				st->removed++;
			else if (e != -NLE_OBJ_NOTFOUND)
				err = nlerr(e);
		}
		rtnl_route_put(s.stale[i]);
	}
	if (!err && any_refused && !refused)
		err = -EEXIST;
out:
	if (cache)
		nl_cache_free(cache);
	nl_socket_free(sk);
	free(s.stale);
	free(s.present);
	free(s.foreign);
	return err;
}

int eip_agg_sync_pool_routes(int ifindex, const struct xc_prefix *pools,
			     size_t n, bool *refused)
{
	if (n > EIP_MAX_POOLS)
		return -E2BIG;
	return eip_sync_device_routes(ifindex, pools, n, refused, NULL);
}
