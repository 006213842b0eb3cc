// SPDX-License-Identifier: GPL-2.0
/*
 * The pure part of a route sync: the wanted routes against a dump of the
 * kernel's, as the operations that make one the other. No kernel
 * involved, so that test_route_diff can hold it to its word.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int addr_cmp(const struct xc_addr *a, const struct xc_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, xc_addr_len(a));
}

static int dst_cmp(const struct xc_route *a, const struct xc_route *b)
{
	int c = addr_cmp(&a->dst.addr, &b->dst.addr);

	if (c)
		return c;
	return a->dst.len == b->dst.len ? 0 : a->dst.len < b->dst.len ? -1 : 1;
}

/* Index order of routes by prefix; equal prefixes by index. */
static int idx_cmp(const void *x, const void *y, void *arg)
{
	const struct xc_route *r = arg;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int c = dst_cmp(&r[i], &r[j]);

	return c ? c : i < j ? -1 : i > j;
}

static int nh_cmp(const void *x, const void *y)
{
	return addr_cmp(x, y);
}

/* The kernel keeps next hops in its own order: compare them as sets. */
static bool nexthops_equal(const struct xc_route *a, const struct xc_route *b)
{
	struct xc_addr x[XCLOUD_MAX_NEXTHOPS], y[XCLOUD_MAX_NEXTHOPS];
	size_t n = a->n_nexthops;

	if (n != b->n_nexthops || n > XCLOUD_MAX_NEXTHOPS)
		return false;
	memcpy(x, a->nexthops, n * sizeof(x[0]));
	memcpy(y, b->nexthops, n * sizeof(y[0]));
	qsort(x, n, sizeof(x[0]), nh_cmp);
	qsort(y, n, sizeof(y[0]), nh_cmp);
	for (size_t i = 0; i < n; i++)
		if (addr_cmp(&x[i], &y[i]))
			return false;
	return true;
}

/* A wanted route naming a group may leave the type to the group's. */
static bool route_same(const struct xc_route *want, const struct xc_route *cur)
{
	return want->nhid == cur->nhid &&
	       (want->type == cur->type || (!want->type && want->nhid)) &&
	       nexthops_equal(want, cur);
}

static bool managed(const struct xc_route_filter *f, const struct xc_route *r)
{
	if (r->type && (r->type >= 32 || !(f->types & (1U << r->type))))
		return false;
	return !f->host_only || r->dst.len == xc_addr_len(&r->dst.addr) * 8;
}

/* Sorted indices of the routes of @r the filter manages; NULL: no memory. */
static size_t *sorted(const struct xc_route *r, size_t n,
		      const struct xc_route_filter *f, size_t *out)
{
	size_t *idx = malloc(sizeof(*idx) * (n ? n : 1));

	*out = 0;
	if (!idx)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!f || managed(f, &r[i]))
			idx[(*out)++] = i;
	qsort_r(idx, *out, sizeof(*idx), idx_cmp, (void *)r);
	return idx;
}

/*
 * The first wanted route (by index) the filter does not manage (-EINVAL)
 * or whose prefix an earlier one has (-EEXIST): its error, *@bad its index.
 */
static int want_bad(const struct xc_route *want, size_t nw,
		    const size_t *wi, const struct xc_route_filter *f,
		    size_t *bad)
{
	int err = 0;

	for (size_t i = 0; i < nw; i++) {
		if (!managed(f, &want[i]) && i < *bad) {
			*bad = i;
			err = -EINVAL;
		}
		if (i && !dst_cmp(&want[wi[i - 1]], &want[wi[i]]) &&
		    wi[i] < *bad) {
			*bad = wi[i];
			err = -EEXIST;
		}
	}
	return err;
}

static const int act_rank[XC_SYNC_ACTS] = {
	[XC_SYNC_DEL] = 0, [XC_SYNC_REPLACE] = 1, [XC_SYNC_ADD] = 2,
	[XC_SYNC_SAME] = 3, [XC_SYNC_KEEP] = 4,
};

/* Merge the two sorted lists into ops, then order them by act. */
static int merge(const struct xc_route *want, const size_t *wi, size_t nw,
		 const struct xc_route *cur, const size_t *ci, size_t nc,
		 const struct xc_route_filter *f, struct xc_sync_op *ops,
		 size_t *nops)
{
	struct xc_sync_op *tmp = malloc(sizeof(*tmp) * (nw + nc + 1));
	size_t at[XC_SYNC_ACTS] = { 0 }, i = 0, j = 0, n = 0;

	if (!tmp)
		return -ENOMEM;
	while (i < nw || j < nc) {
		int c = i == nw ? 1 : j == nc ? -1 :
			dst_cmp(&want[wi[i]], &cur[ci[j]]);
		struct xc_sync_op *op = &tmp[n++];

		op->want = c <= 0 ? wi[i++] : SIZE_MAX;
		op->cur = c >= 0 ? ci[j++] : SIZE_MAX;
		if (op->cur != SIZE_MAX && f->keep &&
		    f->keep(&cur[op->cur], f->arg)) {
			op->act = XC_SYNC_KEEP;
			op->want = SIZE_MAX;
		} else if (op->cur == SIZE_MAX) {
			op->act = XC_SYNC_ADD;
		} else if (op->want == SIZE_MAX) {
			op->act = XC_SYNC_DEL;
		} else {
			op->act = route_same(&want[op->want], &cur[op->cur]) ?
				  XC_SYNC_SAME : XC_SYNC_REPLACE;
		}
	}
	/* A counting sort: prefix order stays within each act. */
	for (size_t k = 0; k < n; k++)
		for (int a = 0; a < XC_SYNC_ACTS; a++)
			if (act_rank[a] > act_rank[tmp[k].act])
				at[a]++;
	for (size_t k = 0; k < n; k++)
		ops[at[tmp[k].act]++] = tmp[k];
	*nops = n;
	free(tmp);
	return 0;
}

int xc_route_diff(const struct xc_route *want, size_t nw,
		  const struct xc_route *cur, size_t nc,
		  const struct xc_route_filter *f, struct xc_sync_op **ops,
		  size_t *nops, size_t *bad)
{
	size_t *wi, *ci, nwi, nci;
	int err = -ENOMEM;

	*ops = NULL;
	*nops = 0;
	*bad = SIZE_MAX;
	wi = sorted(want, nw, NULL, &nwi);
	ci = sorted(cur, nc, f, &nci);
	if (!wi || !ci)
		goto out;
	err = want_bad(want, nw, wi, f, bad);
	if (err)
		goto out;
	err = -ENOMEM;
	*ops = malloc(sizeof(**ops) * (nw + nci + 1));
	if (!*ops)
		goto out;
	err = merge(want, wi, nw, cur, ci, nci, f, *ops, nops);
	if (err) {
		free(*ops);
		*ops = NULL;
	}
out:
	free(wi);
	free(ci);
	return err;
}
