// SPDX-License-Identifier: GPL-2.0
/*
 * Aggregation agent: the `eip` entries of the aggregation node's xcloud
 * device, EIP/32 (/128) -> node of the owning virtual router.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eip.h"

static bool addr_eq(const struct xc_addr *a, const struct xc_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

static bool prefix_eq(const struct xc_prefix *a, const struct xc_prefix *b)
{
	return a->len == b->len && addr_eq(&a->addr, &b->addr);
}

struct current {
	struct xc_route *r;
	size_t n, cap;
};

static int collect_eip(const struct xc_route *r, void *arg)
{
	struct current *cur = arg;

	if (r->type != XCLOUD_ROUTE_EIP)
		return 0;
	if (cur->n == cur->cap) {
		size_t cap = cur->cap ? cur->cap * 2 : 16;
		struct xc_route *nr = realloc(cur->r, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		cur->r = nr;
		cur->cap = cap;
	}
	cur->r[cur->n++] = *r;
	return 0;
}

static struct xc_route want_route(const struct eip_record *rec)
{
	struct xc_route r = {
		.dst = eip_host_prefix(&rec->eip),
		.type = XCLOUD_ROUTE_EIP,
		.n_nexthops = 1,
	};

	r.nexthops[0] = rec->router_node;
	return r;
}

int eip_agg_sync_routes(const struct eip_dp *dp, const struct eip_record *r,
			size_t n, struct eip_agg_stats *st)
{
	struct xc_route *add = NULL, *repl = NULL, *del = NULL;
	size_t n_add = 0, n_repl = 0, n_del = 0, i, j;
	struct current cur = { 0 };
	struct eip_agg_stats s = { 0 };
	bool *seen = NULL;
	int err;

	for (i = 0; i < n; i++)
		if (!r[i].eip.family || (r[i].router_node.family != AF_INET &&
					  r[i].router_node.family != AF_INET6))
			return -EINVAL;
	err = dp->ops->dump(dp->ctx, collect_eip, &cur);
	if (err)
		goto out;
	err = -ENOMEM;
	add = calloc(n + 1, sizeof(*add));
	repl = calloc(n + 1, sizeof(*repl));
	del = calloc(cur.n + 1, sizeof(*del));
	seen = calloc(cur.n + 1, sizeof(*seen));
	if (!add || !repl || !del || !seen)
		goto out;

	for (i = 0; i < n; i++) {
		struct xc_route w = want_route(&r[i]);
		bool dup = false;

		/* The store may list an EIP twice; the first one wins. */
		for (j = 0; j < i; j++)
			if (addr_eq(&r[j].eip, &r[i].eip))
				dup = true;
		if (dup)
			continue;
		for (j = 0; j < cur.n; j++)
			if (prefix_eq(&cur.r[j].dst, &w.dst))
				break;
		if (j == cur.n) {
			add[n_add++] = w;
			continue;
		}
		seen[j] = true;
		if (cur.r[j].n_nexthops == 1 &&
		    addr_eq(&cur.r[j].nexthops[0], &w.nexthops[0]))
			s.kept++;
		else
			repl[n_repl++] = w;	/* the EIP moved */
	}
	for (j = 0; j < cur.n; j++)
		if (!seen[j])
			del[n_del++] = cur.r[j];

	/* Moves first: they must never black-hole an EIP in between. */
	err = n_repl ? dp->ops->change(dp->ctx, XC_ROUTE_REPLACE, repl, n_repl) : 0;
	if (!err && n_add)
		err = dp->ops->change(dp->ctx, XC_ROUTE_ADD, add, n_add);
	if (!err && n_del)
		err = dp->ops->change(dp->ctx, XC_ROUTE_DEL, del, n_del);
	if (!err) {
		s.added = n_add;
		s.replaced = n_repl;
		s.removed = n_del;
	}
out:
	if (st)
		*st = s;
	free(cur.r);
	free(add);
	free(repl);
	free(del);
	free(seen);
	return err;
}

static int xcloud_dump(void *ctx, xc_route_cb cb, void *arg)
{
	struct eip_dp_xcloud *x = ctx;

	return xc_route_dump(x->h, x->ifindex, cb, arg);
}

static int xcloud_change(void *ctx, enum xc_route_op op,
			 const struct xc_route *routes, size_t n)
{
	struct eip_dp_xcloud *x = ctx;

	return xc_route_change(x->h, x->ifindex, op, routes, n);
}

const struct eip_dp_ops eip_dp_xcloud_ops = {
	.dump = xcloud_dump,
	.change = xcloud_change,
};
