// SPDX-License-Identifier: GPL-2.0
/*
 * Route sync: dump a device's table, diff it against what the caller
 * wants (route_diff.c) and send only the difference through the batched
 * sender, deletions first (they make room under the device's max-routes).
 * A refused route is reported and the rest go on, as with xcloudctl
 * -batch -force: one bad route must not keep a table from the others.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

struct xc_routes {
	struct xc_route *r;
	size_t n, cap;
};

static int routes_add(const struct xc_route *r, void *arg)
{
	struct xc_routes *rs = arg;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 256;
		struct xc_route *p = realloc(rs->r, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		rs->r = p;
		rs->cap = cap;
	}
	rs->r[rs->n++] = *r;
	return 0;
}

struct xc_sync {
	struct xc *h;
	int ifindex;
	const struct xc_route *want, *cur;
	xc_sync_cb cb;
	void *arg;
	size_t *count;
	int err;			/* the first refusal */
};

static void report(struct xc_sync *s, const struct xc_sync_op *op, int err)
{
	struct xc_sync_item it = {
		.act = op->act,
		.want = op->want == SIZE_MAX ? NULL : &s->want[op->want],
		.cur = op->cur == SIZE_MAX ? NULL : &s->cur[op->cur],
		.idx = op->want,
		.err = err,
		.msg = err ? xc_errmsg(s->h) : "",
	};

	if (err && !s->err)
		s->err = err;
	if (!err && s->count)
		s->count[op->act]++;
	if (s->cb)
		s->cb(&it, s->arg);
}

static const enum xc_route_op route_ops[XC_SYNC_ACTS] = {
	[XC_SYNC_ADD] = XC_ROUTE_ADD, [XC_SYNC_REPLACE] = XC_ROUTE_REPLACE,
	[XC_SYNC_DEL] = XC_ROUTE_DEL,
};

/* Send @n ops of one act (@rs their routes), going on after a refusal. */
static void send_ops(struct xc_sync *s, const struct xc_sync_op *ops,
		     size_t n, const struct xc_route *rs)
{
	enum xc_route_op op = route_ops[ops[0].act];
	size_t done = 0;

	while (done < n) {
		int err = xc_route_change(s->h, s->ifindex, op, rs + done,
					  n - done);
		size_t bad = n - done;
		int idx = xc_erridx(s->h);

		if (err)
			bad = idx < 0 || (size_t)idx >= n - done ? 0 :
			      (size_t)idx;
		for (size_t i = 0; i < bad; i++)
			report(s, &ops[done + i], 0);
		done += bad;
		if (!err)
			break;
		/* Gone already is what a deletion wants. */
		report(s, &ops[done++], op == XC_ROUTE_DEL && err == -ENOENT ?
					0 : err);
	}
}

static int sync_apply(struct xc_sync *s, const struct xc_sync_op *ops,
		      size_t nops)
{
	struct xc_route *rs = malloc(sizeof(*rs) * (nops ? nops : 1));

	if (!rs)
		return -ENOMEM;
	for (size_t i = 0, j; i < nops; i = j) {
		bool send = ops[i].act != XC_SYNC_SAME &&
			    ops[i].act != XC_SYNC_KEEP;

		for (j = i; j < nops && ops[j].act == ops[i].act; j++) {
			if (!send)
				report(s, &ops[j], 0);
			else if (ops[j].act == XC_SYNC_DEL)
				rs[j - i] = s->cur[ops[j].cur];
			else
				rs[j - i] = s->want[ops[j].want];
		}
		if (send)
			send_ops(s, ops + i, j - i, rs);
	}
	free(rs);
	return s->err;
}

int xc_route_sync(struct xc *h, int ifindex, const struct xc_route *want,
		  size_t n, const struct xc_route_filter *f, xc_sync_cb cb,
		  void *arg, size_t count[XC_SYNC_ACTS])
{
	struct xc_routes cur = { 0 };
	struct xc_sync s = { h, ifindex, want, NULL, cb, arg, count, 0 };
	struct xc_sync_op *ops;
	size_t nops, bad;
	int err;

	if (count)
		for (int a = 0; a < XC_SYNC_ACTS; a++)
			count[a] = 0;
	err = xc_route_dump(h, ifindex, routes_add, &cur);
	if (err)
		goto out;
	err = xc_route_diff(want, n, cur.r, cur.n, f, &ops, &nops, &bad);
	if (err == -EINVAL || err == -EEXIST) {
		h->erridx = (int)bad;
		xc_err_set(h, err, err == -EINVAL ?
			   "a route of a kind this sync does not manage" :
			   "a prefix listed twice");
	}
	if (!err) {
		s.cur = cur.r;
		err = sync_apply(&s, ops, nops);
		free(ops);
	}
out:
	free(cur.r);
	return err;
}
