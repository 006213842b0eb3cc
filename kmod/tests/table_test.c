// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the forwarding table against a reference model (an array with a
 * linear longest match) under randomized insert/replace/delete/lookup,
 * plus ECMP, next-hop interning, the dump walk and validation.
 */
#include <kunit/test.h>
#include <linux/jhash.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "table.h"

#define MODEL_MAX 512

struct model_route {
	struct xcloud_route_spec spec;	/* next hops sorted */
};

struct table_ctx {
	struct mutex lock;		/* the table's writer lock */
	struct xcloud_table t;
	struct model_route *model;
	unsigned int n;
	struct rnd_state rnd;
	unsigned int nh_new, nh_del;	/* hook calls */
	bool fail_new;
};

static int hook_new(struct xcloud_table *t, const struct xcloud_nexthops *nh,
		    struct netlink_ext_ack *extack)
{
	struct table_ctx *ctx = t->priv;

	lockdep_assert_held(t->lock);
	if (ctx->fail_new) {
		NL_SET_ERR_MSG(extack, "test: refused");
		return -ENOSPC;
	}
	ctx->nh_new++;
	return 0;
}

static void hook_del(struct xcloud_table *t, const struct xcloud_nexthops *nh)
{
	struct table_ctx *ctx = t->priv;

	ctx->nh_del++;
}

static const struct xcloud_table_ops test_ops = {
	.nexthops_new = hook_new,
	.nexthops_del = hook_del,
};

static int table_test_init(struct kunit *test)
{
	struct table_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->model = kunit_kcalloc(test, MODEL_MAX, sizeof(*ctx->model),
				   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->model);
	mutex_init(&ctx->lock);
	prandom_seed_state(&ctx->rnd, 0x78636c6f7564ULL);
	KUNIT_ASSERT_EQ(test, xcloud_table_init(&ctx->t, &ctx->lock,
						&test_ops, ctx), 0);
	test->priv = ctx;
	return 0;
}

static void table_test_exit(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;

	mutex_lock(&ctx->lock);
	xcloud_table_destroy(&ctx->t);
	mutex_unlock(&ctx->lock);
	/* Every set created was handed back. */
	KUNIT_EXPECT_EQ(test, ctx->nh_new, ctx->nh_del);
	mutex_destroy(&ctx->lock);
}

/* ---- helpers ---- */

static u32 rnd(struct table_ctx *ctx, u32 n)
{
	return prandom_u32_state(&ctx->rnd) % n;
}

static void addr4(struct xcloud_addr *a, u8 a0, u8 a1, u8 a2, u8 a3)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->bytes[0] = a0;
	a->bytes[1] = a1;
	a->bytes[2] = a2;
	a->bytes[3] = a3;
}

static void addr6(struct xcloud_addr *a, u16 w0, u16 w1, u16 w6, u16 w7)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	a->ip6.s6_addr16[0] = htons(w0);
	a->ip6.s6_addr16[1] = htons(w1);
	a->ip6.s6_addr16[6] = htons(w6);
	a->ip6.s6_addr16[7] = htons(w7);
}

static void mask(struct xcloud_addr *a, unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (plen >= 8) {
			plen -= 8;
		} else {
			a->bytes[i] &= (u8)(0xff00 >> plen);
			plen = 0;
		}
	}
}

static bool match(const struct xcloud_route_spec *r,
		  const struct xcloud_addr *a)
{
	struct xcloud_addr m = *a;

	if (r->dst.family != a->family)
		return false;
	mask(&m, r->prefixlen);
	return !memcmp(m.bytes, r->dst.bytes, 16);
}

static int nh_cmp(const struct xcloud_addr *x, const struct xcloud_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->bytes, y->bytes, 16);
}

static void sort_nh(struct xcloud_route_spec *s)
{
	struct xcloud_addr tmp;
	unsigned int i, j;

	for (i = 1; i < s->count; i++)
		for (j = i; j > 0 && nh_cmp(&s->nh[j - 1], &s->nh[j]) > 0;
		     j--) {
			tmp = s->nh[j];
			s->nh[j] = s->nh[j - 1];
			s->nh[j - 1] = tmp;
		}
}

static bool same_nh(const struct xcloud_route_spec *a,
		    const struct xcloud_route_spec *b)
{
	unsigned int i;

	if (a->type != b->type || a->count != b->count)
		return false;
	for (i = 0; i < a->count; i++)
		if (nh_cmp(&a->nh[i], &b->nh[i]))
			return false;
	return true;
}

/* A pool of underlay addresses, both families. */
static void pool_addr(struct xcloud_addr *a, unsigned int i)
{
	if (i < 4)
		addr4(a, 192, 0, 2, 1 + i);
	else
		addr6(a, 0x2001, 0xdb8, 0xffff, i);
}

/* A random destination in a small space, so prefixes overlap. */
static void random_dst(struct table_ctx *ctx, struct xcloud_addr *a)
{
	if (rnd(ctx, 2))
		addr4(a, 10, rnd(ctx, 2), rnd(ctx, 4), rnd(ctx, 8));
	else
		addr6(a, 0x2001, 0xdb8 + rnd(ctx, 2), rnd(ctx, 3),
		      rnd(ctx, 8));
}

static void random_spec(struct table_ctx *ctx, struct xcloud_route_spec *s)
{
	static const u8 plens4[] = { 0, 8, 15, 16, 24, 29, 30, 31, 32, 32 };
	static const u8 plens6[] = { 0, 31, 32, 64, 96, 125, 127, 128, 128 };
	unsigned int i, want;
	bool dup;

	memset(s, 0, sizeof(*s));
	random_dst(ctx, &s->dst);
	s->prefixlen = s->dst.family == AF_INET ?
		       plens4[rnd(ctx, ARRAY_SIZE(plens4))] :
		       plens6[rnd(ctx, ARRAY_SIZE(plens6))];
	mask(&s->dst, s->prefixlen);
	s->type = 1 + rnd(ctx, XCLOUD_ROUTE_MAX);
	want = 1 + rnd(ctx, 3);
	while (s->count < want) {
		pool_addr(&s->nh[s->count], rnd(ctx, 8));
		for (dup = false, i = 0; i < s->count; i++)
			dup |= !nh_cmp(&s->nh[i], &s->nh[s->count]);
		if (!dup)
			s->count++;
	}
}

static int model_find(struct table_ctx *ctx, const struct xcloud_route_spec *s)
{
	unsigned int i;

	for (i = 0; i < ctx->n; i++) {
		const struct xcloud_route_spec *m = &ctx->model[i].spec;

		if (m->prefixlen == s->prefixlen &&
		    m->dst.family == s->dst.family &&
		    !memcmp(m->dst.bytes, s->dst.bytes, 16))
			return i;
	}
	return -1;
}

static const struct xcloud_route_spec *
model_lookup(struct table_ctx *ctx, const struct xcloud_addr *a)
{
	const struct xcloud_route_spec *best = NULL;
	unsigned int i;

	for (i = 0; i < ctx->n; i++) {
		const struct xcloud_route_spec *m = &ctx->model[i].spec;

		if (match(m, a) && (!best || m->prefixlen > best->prefixlen))
			best = m;
	}
	return best;
}

static unsigned int model_sets(struct table_ctx *ctx)
{
	unsigned int i, j, sets = 0;

	for (i = 0; i < ctx->n; i++) {
		for (j = 0; j < i; j++)
			if (same_nh(&ctx->model[i].spec, &ctx->model[j].spec))
				break;
		sets += j == i;
	}
	return sets;
}

static int insert(struct table_ctx *ctx, const struct xcloud_route_spec *s,
		  bool replace)
{
	struct netlink_ext_ack extack = {};
	int ret;

	mutex_lock(&ctx->lock);
	ret = xcloud_table_insert(&ctx->t, s, replace, &extack);
	mutex_unlock(&ctx->lock);
	return ret;
}

static int tremove(struct table_ctx *ctx, const struct xcloud_addr *dst,
		   u8 plen)
{
	int ret;

	mutex_lock(&ctx->lock);
	ret = xcloud_table_remove(&ctx->t, dst, plen, NULL, NULL);
	mutex_unlock(&ctx->lock);
	return ret;
}

static void check_lookup(struct kunit *test, struct table_ctx *ctx,
			 const struct xcloud_addr *a)
{
	const struct xcloud_route_spec *want = model_lookup(ctx, a);
	const struct xcloud_nexthops *nh;
	struct xcloud_route_spec got = {};
	bool found;

	rcu_read_lock();
	nh = xcloud_table_lookup(&ctx->t, a, &found);
	KUNIT_EXPECT_EQ(test, found, !!want);
	if (found && want) {
		KUNIT_ASSERT_NOT_NULL(test, nh);
		got.type = nh->type;
		got.count = nh->count;
		memcpy(got.nh, nh->addr, nh->count * sizeof(nh->addr[0]));
		KUNIT_EXPECT_TRUE(test, same_nh(&got, want));
	}
	rcu_read_unlock();
}

/* ---- cases ---- */

static void table_test_random_vs_model(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	struct xcloud_route_spec s;
	struct xcloud_addr a;
	unsigned int op;
	int i, ret;

	for (op = 0; op < 6000; op++) {
		unsigned int what = rnd(ctx, 10);

		random_spec(ctx, &s);
		sort_nh(&s);
		i = model_find(ctx, &s);
		if (what < 4) {			/* add, exclusive */
			ret = insert(ctx, &s, false);
			if (i >= 0) {
				KUNIT_EXPECT_EQ(test, ret, -EEXIST);
			} else if (ctx->n < MODEL_MAX) {
				KUNIT_EXPECT_EQ(test, ret, 0);
				ctx->model[ctx->n++].spec = s;
			} else {
				tremove(ctx, &s.dst, s.prefixlen);
			}
		} else if (what < 6) {		/* replace */
			ret = insert(ctx, &s, true);
			if (i >= 0) {
				KUNIT_EXPECT_EQ(test, ret, 1);
				ctx->model[i].spec = s;
			} else if (ctx->n < MODEL_MAX) {
				KUNIT_EXPECT_EQ(test, ret, 0);
				ctx->model[ctx->n++].spec = s;
			} else {
				tremove(ctx, &s.dst, s.prefixlen);
			}
		} else if (what < 8) {		/* delete */
			if (ctx->n && rnd(ctx, 2)) {
				i = rnd(ctx, ctx->n);
				s = ctx->model[i].spec;
			}
			ret = tremove(ctx, &s.dst, s.prefixlen);
			KUNIT_EXPECT_EQ(test, ret, i >= 0 ? 0 : -ENOENT);
			if (i >= 0)
				ctx->model[i] = ctx->model[--ctx->n];
		} else {			/* lookups */
			for (i = 0; i < 8; i++) {
				random_dst(ctx, &a);
				check_lookup(test, ctx, &a);
			}
		}
		KUNIT_ASSERT_EQ(test, ctx->t.count, ctx->n);
		if (op % 64 == 0)
			KUNIT_ASSERT_EQ(test, ctx->t.nh_count, model_sets(ctx));
	}
	/* Every stored route is found by its own address and by get. */
	for (i = 0; i < ctx->n; i++) {
		struct xcloud_route_spec got;

		check_lookup(test, ctx, &ctx->model[i].spec.dst);
		mutex_lock(&ctx->lock);
		ret = xcloud_table_get(&ctx->t, &ctx->model[i].spec.dst, true,
				       ctx->model[i].spec.prefixlen, &got,
				       NULL);
		mutex_unlock(&ctx->lock);
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_TRUE(test, same_nh(&got, &ctx->model[i].spec));
	}
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, model_sets(ctx));
	KUNIT_EXPECT_EQ(test, ctx->nh_new - ctx->nh_del, ctx->t.nh_count);
	kunit_info(test, "%u routes, %u sets after 6000 ops", ctx->n,
		   ctx->t.nh_count);
}

static void table_test_default_route(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	struct xcloud_route_spec s = {}, host = {};
	const struct xcloud_nexthops *nh;
	struct xcloud_addr a;
	bool found;

	addr4(&s.dst, 0, 0, 0, 0);
	s.prefixlen = 0;
	s.type = XCLOUD_ROUTE_GATEWAY;
	s.count = 1;
	pool_addr(&s.nh[0], 0);
	KUNIT_ASSERT_EQ(test, insert(ctx, &s, false), 0);
	host = s;
	addr4(&host.dst, 10, 1, 2, 3);
	host.prefixlen = 32;
	host.type = XCLOUD_ROUTE_NODE;
	KUNIT_ASSERT_EQ(test, insert(ctx, &host, false), 0);

	rcu_read_lock();
	addr4(&a, 203, 0, 113, 9);
	nh = xcloud_table_lookup(&ctx->t, &a, &found);
	KUNIT_EXPECT_TRUE(test, found);
	KUNIT_ASSERT_NOT_NULL(test, nh);
	KUNIT_EXPECT_EQ(test, nh->type, XCLOUD_ROUTE_GATEWAY);
	nh = xcloud_table_lookup(&ctx->t, &host.dst, &found);
	KUNIT_ASSERT_NOT_NULL(test, nh);
	KUNIT_EXPECT_EQ(test, nh->type, XCLOUD_ROUTE_NODE);
	/* An IPv4 default route does not catch IPv6. */
	addr6(&a, 0x2001, 0xdb8, 0, 1);
	nh = xcloud_table_lookup(&ctx->t, &a, &found);
	KUNIT_EXPECT_FALSE(test, found);
	KUNIT_EXPECT_NULL(test, nh);
	rcu_read_unlock();
	/* Same next hop, different types: two sets. */
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 2U);
}

static void table_test_ecmp(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	const struct xcloud_addr *first[16];
	const struct xcloud_nexthops *nh;
	struct xcloud_route_spec s = {};
	unsigned int hits[XCLOUD_MAX_NEXTHOPS] = {};
	unsigned int i, j;
	bool found;

	addr6(&s.dst, 0x2001, 0xdb8, 0, 0x42);
	s.prefixlen = 128;
	s.type = XCLOUD_ROUTE_NODE;
	for (i = 0; i < XCLOUD_MAX_NEXTHOPS; i++)
		pool_addr(&s.nh[s.count++], i);
	KUNIT_ASSERT_EQ(test, insert(ctx, &s, false), 0);

	rcu_read_lock();
	nh = xcloud_table_lookup(&ctx->t, &s.dst, &found);
	KUNIT_ASSERT_NOT_NULL(test, nh);
	KUNIT_ASSERT_EQ(test, nh->count, XCLOUD_MAX_NEXTHOPS);
	for (i = 0; i < ARRAY_SIZE(first); i++)
		first[i] = xcloud_nexthops_pick(nh, jhash_1word(i, 1));
	for (i = 0; i < 8000; i++) {
		u32 h = prandom_u32_state(&ctx->rnd);

		j = xcloud_nexthops_pick(nh, h) - nh->addr;
		KUNIT_ASSERT_LT(test, j, XCLOUD_MAX_NEXTHOPS);
		hits[j]++;
	}
	/* Stable per flow hash. */
	for (i = 0; i < ARRAY_SIZE(first); i++)
		KUNIT_EXPECT_PTR_EQ(test, first[i],
				    xcloud_nexthops_pick(nh, jhash_1word(i, 1)));
	rcu_read_unlock();
	/* Spread over all: each gets a fair share (1000 expected). */
	for (i = 0; i < XCLOUD_MAX_NEXTHOPS; i++) {
		KUNIT_EXPECT_GT(test, hits[i], 800U);
		KUNIT_EXPECT_LT(test, hits[i], 1200U);
	}

	/* The same set in another order is the same object, same picks. */
	s.dst.bytes[15] = 0x43;
	swap(s.nh[0], s.nh[7]);
	swap(s.nh[2], s.nh[5]);
	KUNIT_ASSERT_EQ(test, insert(ctx, &s, false), 0);
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 1U);
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, xcloud_table_lookup(&ctx->t, &s.dst, &found),
			    nh);
	rcu_read_unlock();
}

static void table_test_interning(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	struct xcloud_route_spec s = {};
	unsigned int i;

	s.type = XCLOUD_ROUTE_GATEWAY;
	s.count = 2;
	pool_addr(&s.nh[0], 1);
	pool_addr(&s.nh[1], 5);
	for (i = 0; i < 300; i++) {
		addr4(&s.dst, 10, 9, i >> 8, i);
		s.prefixlen = 32;
		KUNIT_ASSERT_EQ(test, insert(ctx, &s, false), 0);
	}
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 1U);
	KUNIT_EXPECT_EQ(test, ctx->nh_new, 1U);

	/* Replace one route with another set: two sets; back: one. */
	s.type = XCLOUD_ROUTE_EIP;
	KUNIT_ASSERT_EQ(test, insert(ctx, &s, true), 1);
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 2U);
	s.type = XCLOUD_ROUTE_GATEWAY;
	KUNIT_ASSERT_EQ(test, insert(ctx, &s, true), 1);
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 1U);
	KUNIT_EXPECT_EQ(test, ctx->nh_del, 1U);

	/* A hook refusing a new set fails the insert and leaves nothing. */
	ctx->fail_new = true;
	addr4(&s.dst, 10, 8, 0, 1);
	s.type = XCLOUD_ROUTE_NODE;
	KUNIT_EXPECT_EQ(test, insert(ctx, &s, false), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ctx->t.count, 300U);
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 1U);
	/* ... but an existing set needs no hook. */
	s.type = XCLOUD_ROUTE_GATEWAY;
	KUNIT_EXPECT_EQ(test, insert(ctx, &s, false), 0);
	ctx->fail_new = false;

	for (i = 0; i < 300; i++) {
		addr4(&s.dst, 10, 9, i >> 8, i);
		KUNIT_ASSERT_EQ(test, tremove(ctx, &s.dst, 32), 0);
	}
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 1U);
	addr4(&s.dst, 10, 8, 0, 1);
	KUNIT_ASSERT_EQ(test, tremove(ctx, &s.dst, 32), 0);
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 0U);
	KUNIT_EXPECT_EQ(test, ctx->nh_new, ctx->nh_del);
}

static void table_test_validation(struct kunit *test)
{
	static const struct {
		u8 a[4];
	} bad4[] = {
		{ { 0, 0, 0, 0 } }, { { 0, 1, 2, 3 } }, { { 224, 0, 0, 1 } },
		{ { 255, 255, 255, 255 } }, { { 127, 0, 0, 1 } },
	};
	struct table_ctx *ctx = test->priv;
	struct netlink_ext_ack extack = {};
	struct xcloud_route_spec s = {};
	unsigned int i;

	s.type = XCLOUD_ROUTE_NODE;
	s.count = 1;
	pool_addr(&s.nh[0], 0);
	mutex_lock(&ctx->lock);

	addr4(&s.dst, 10, 0, 0, 1);
	s.prefixlen = 24;		/* host bits set */
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, &extack),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "xcloud: invalid prefix for given prefix length");
	s.prefixlen = 33;
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, &extack),
			-EINVAL);
	addr6(&s.dst, 0x2001, 0xdb8, 0, 1);
	s.prefixlen = 129;
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, &extack),
			-EINVAL);
	s.prefixlen = 128;

	/* Overlay and underlay families may differ; bad next hops may not. */
	for (i = 0; i < ARRAY_SIZE(bad4); i++) {
		addr4(&s.nh[0], bad4[i].a[0], bad4[i].a[1], bad4[i].a[2],
		      bad4[i].a[3]);
		extack._msg = NULL;
		KUNIT_EXPECT_EQ(test,
				xcloud_table_insert(&ctx->t, &s, false, &extack),
				-EINVAL);
		KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	}
	addr6(&s.nh[0], 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, &extack),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg, "xcloud: next hop is unspecified");
	addr6(&s.nh[0], 0xff02, 0, 0, 1);
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, &extack),
			-EINVAL);
	addr6(&s.nh[0], 0, 0, 0, 1);
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, &extack),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg, "xcloud: next hop is loopback");

	/* Type and next hops go together; no duplicates. */
	pool_addr(&s.nh[0], 0);
	s.type = XCLOUD_ROUTE_UNSPEC;
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, &extack),
			-EINVAL);
	s.type = XCLOUD_ROUTE_MAX + 1;
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, &extack),
			-EINVAL);
	s.type = XCLOUD_ROUTE_NODE;
	s.count = 0;
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, &extack),
			-EINVAL);
	s.count = 2;
	s.nh[1] = s.nh[0];
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, &extack),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg, "xcloud: duplicate next hop");
	KUNIT_EXPECT_EQ(test, ctx->t.count, 0U);
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 0U);

	/* IPv6 overlay over an IPv4 underlay; exclusive vs replace. */
	s.count = 1;
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, &extack),
			0);
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, &extack),
			-EEXIST);
	KUNIT_EXPECT_STREQ(test, extack._msg, "xcloud: route exists");
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, true, &extack),
			1);
	KUNIT_EXPECT_EQ(test, xcloud_table_remove(&ctx->t, &s.dst, 64, NULL,
						  &extack), -EINVAL);
	KUNIT_EXPECT_EQ(test, xcloud_table_remove(&ctx->t, &s.nh[0], 32, NULL,
						  &extack), -ENOENT);
	KUNIT_EXPECT_STREQ(test, extack._msg, "xcloud: no such route");
	KUNIT_EXPECT_EQ(test, xcloud_table_remove(&ctx->t, &s.dst, 128, NULL,
						  &extack), 0);
	mutex_unlock(&ctx->lock);
}

/* The allow-list: entries without next hops. */
static void table_test_allowlist(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	struct xcloud_route_spec s = {};
	struct xcloud_addr a;
	bool found;

	addr4(&s.dst, 192, 0, 2, 0);
	s.prefixlen = 24;
	KUNIT_ASSERT_EQ(test, insert(ctx, &s, false), 0);
	rcu_read_lock();
	addr4(&a, 192, 0, 2, 77);
	KUNIT_EXPECT_NULL(test, xcloud_table_lookup(&ctx->t, &a, &found));
	KUNIT_EXPECT_TRUE(test, found);
	addr4(&a, 192, 0, 3, 77);
	xcloud_table_lookup(&ctx->t, &a, &found);
	KUNIT_EXPECT_FALSE(test, found);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 0U);
}

struct walk_arg {
	unsigned int budget;	/* routes accepted per call */
	unsigned int taken;
	unsigned long *seen;
	struct kunit *test;
	bool dup;
};

static int walk_fn(void *arg, const struct xcloud_route_spec *r)
{
	struct walk_arg *w = arg;
	unsigned int idx;

	if (w->taken == w->budget)
		return 1;
	w->taken++;
	/* Routes are 10.1.x.y/32 with index x * 256 + y. */
	idx = r->dst.bytes[2] * 256 + r->dst.bytes[3];
	if (test_and_set_bit(idx, w->seen))
		w->dup = true;
	return 0;
}

static void fill_hosts(struct kunit *test, struct table_ctx *ctx,
		       unsigned int n)
{
	struct xcloud_route_spec s = {};
	unsigned int i;

	s.type = XCLOUD_ROUTE_NODE;
	s.count = 1;
	s.prefixlen = 32;
	for (i = 0; i < n; i++) {
		addr4(&s.dst, 10, 1, i >> 8, i);
		pool_addr(&s.nh[0], i % 8);
		KUNIT_ASSERT_EQ(test, insert(ctx, &s, false), 0);
	}
}

static void table_test_walk(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	const unsigned int n = 40;
	struct xcloud_table_cursor cur;
	struct walk_arg w = { .test = test };
	struct xcloud_addr a;
	unsigned int budget, calls;

	w.seen = kunit_kzalloc(test, BITS_TO_LONGS(512) * sizeof(long),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w.seen);
	fill_hosts(test, ctx, n);

	/* Stop after every possible number of routes: each seen once. */
	for (budget = 1; budget <= n + 1; budget++) {
		memset(&cur, 0, sizeof(cur));
		bitmap_zero(w.seen, 512);
		w.budget = budget;
		w.dup = false;
		calls = 0;
		mutex_lock(&ctx->lock);
		do {
			w.taken = 0;
			calls++;
		} while (xcloud_table_walk(&ctx->t, &cur, walk_fn, &w));
		KUNIT_EXPECT_EQ(test, xcloud_table_walk(&ctx->t, &cur, walk_fn,
							&w), 0);
		mutex_unlock(&ctx->lock);
		KUNIT_EXPECT_FALSE(test, w.dup);
		KUNIT_EXPECT_EQ(test, bitmap_weight(w.seen, 512), n);
		KUNIT_EXPECT_EQ(test, calls, DIV_ROUND_UP(n, budget));
	}

	/*
	 * Remove the route the cursor rests on at every point: the walk
	 * goes on with the next one, nothing twice, nothing else lost.
	 */
	for (budget = 1; budget < n; budget++) {
		mutex_lock(&ctx->lock);
		xcloud_table_flush(&ctx->t, NULL, NULL);
		mutex_unlock(&ctx->lock);
		fill_hosts(test, ctx, n);
		memset(&cur, 0, sizeof(cur));
		bitmap_zero(w.seen, 512);
		w.budget = budget;
		w.taken = 0;
		w.dup = false;
		mutex_lock(&ctx->lock);
		KUNIT_ASSERT_EQ(test, xcloud_table_walk(&ctx->t, &cur, walk_fn,
							&w), 1);
		/* The cursor rests on route index @budget: remove it. */
		addr4(&a, 10, 1, 0, budget);
		KUNIT_ASSERT_EQ(test, xcloud_table_remove(&ctx->t, &a, 32, NULL,
							  NULL), 0);
		w.budget = n;
		w.taken = 0;
		KUNIT_EXPECT_EQ(test, xcloud_table_walk(&ctx->t, &cur, walk_fn,
							&w), 0);
		mutex_unlock(&ctx->lock);
		KUNIT_EXPECT_FALSE(test, test_bit(budget, w.seen));
		KUNIT_EXPECT_FALSE(test, w.dup);
		KUNIT_EXPECT_EQ(test, bitmap_weight(w.seen, 512), n - 1);
	}
}

static void flush_count(void *arg, const struct xcloud_route_spec *r)
{
	(*(unsigned int *)arg)++;
}

static void table_test_flush(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	unsigned int seen = 0;
	u32 gen;

	fill_hosts(test, ctx, 100);
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 8U);
	gen = ctx->t.generation;
	mutex_lock(&ctx->lock);
	xcloud_table_flush(&ctx->t, flush_count, &seen);
	mutex_unlock(&ctx->lock);
	KUNIT_EXPECT_EQ(test, seen, 100U);
	KUNIT_EXPECT_EQ(test, ctx->t.count, 0U);
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 0U);
	KUNIT_EXPECT_NE(test, ctx->t.generation, gen);
	KUNIT_EXPECT_EQ(test, ctx->nh_del, 8U);
	/* Usable again. */
	fill_hosts(test, ctx, 10);
	KUNIT_EXPECT_EQ(test, ctx->t.count, 10U);
}

/* Batches end at the routes present when the flush began. */
static void table_test_flush_batch(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	struct xcloud_route_spec s = {};
	unsigned int seen = 0, steps = 0;
	bool found, more;
	u64 end;

	fill_hosts(test, ctx, 100);
	end = ctx->t.next_id;
	do {
		mutex_lock(&ctx->lock);
		more = xcloud_table_flush_batch(&ctx->t, end, 30, flush_count,
						&seen);
		mutex_unlock(&ctx->lock);
		steps++;
		/* one added between steps stays */
		if (steps == 1) {
			s.type = XCLOUD_ROUTE_NODE;
			s.count = 1;
			s.prefixlen = 32;
			addr4(&s.dst, 10, 9, 9, 9);
			pool_addr(&s.nh[0], 0);
			KUNIT_ASSERT_EQ(test, insert(ctx, &s, false), 0);
		}
	} while (more && steps < 10);
	kunit_info(test, "flushed %u routes in %u steps\n", seen, steps);
	KUNIT_EXPECT_EQ(test, seen, 100U);
	KUNIT_EXPECT_EQ(test, steps, 4U);
	KUNIT_EXPECT_EQ(test, ctx->t.count, 1U);
	rcu_read_lock();
	xcloud_table_lookup(&ctx->t, &s.dst, &found);
	rcu_read_unlock();
	KUNIT_EXPECT_TRUE(test, found);
}

/* The limit refuses a new route, not a replacement or a removal. */
static void table_test_limit(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	struct netlink_ext_ack extack = {};
	struct xcloud_route_spec s = {};

	fill_hosts(test, ctx, 10);
	ctx->t.max = 10;
	s.type = XCLOUD_ROUTE_NODE;
	s.count = 1;
	s.prefixlen = 32;
	addr4(&s.dst, 10, 2, 0, 1);
	pool_addr(&s.nh[0], 0);
	mutex_lock(&ctx->lock);
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, &extack),
			-ENOSPC);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "xcloud: table full (the device's limit)");
	KUNIT_EXPECT_EQ(test, ctx->t.count, 10U);
	/* a replacement is no new route */
	addr4(&s.dst, 10, 1, 0, 3);
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, true, NULL), 1);
	KUNIT_EXPECT_EQ(test, xcloud_table_remove(&ctx->t, &s.dst, 32, NULL,
						  NULL), 0);
	addr4(&s.dst, 10, 2, 0, 1);
	KUNIT_EXPECT_EQ(test, xcloud_table_insert(&ctx->t, &s, false, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->t.count, 10U);
	mutex_unlock(&ctx->lock);
}

/* ---- next-hop groups ---- */

static int group_set(struct table_ctx *ctx, u32 id, u8 type, unsigned int n,
		     unsigned int first, bool replace, const char **msg)
{
	struct netlink_ext_ack extack = {};
	struct xcloud_nhgroup_spec g = { .id = id, .type = type, .count = n };
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++)
		pool_addr(&g.member[i], first + i);
	mutex_lock(&ctx->lock);
	ret = xcloud_nhgroup_set(&ctx->t, &g, replace, &extack);
	mutex_unlock(&ctx->lock);
	if (msg)
		*msg = extack._msg;
	return ret;
}

static int group_del(struct table_ctx *ctx, u32 id, const char **msg)
{
	struct netlink_ext_ack extack = {};
	int ret;

	mutex_lock(&ctx->lock);
	ret = xcloud_nhgroup_del(&ctx->t, id, NULL, &extack);
	mutex_unlock(&ctx->lock);
	if (msg)
		*msg = extack._msg;
	return ret;
}

/* The members a lookup of @dst resolves to, as @count and first member. */
static void expect_members(struct kunit *test, struct table_ctx *ctx,
			   const struct xcloud_addr *dst, u8 type,
			   unsigned int count, unsigned int first)
{
	const struct xcloud_nexthops *nh;
	struct xcloud_addr want;
	bool found;

	pool_addr(&want, first);
	rcu_read_lock();
	nh = xcloud_table_lookup(&ctx->t, dst, &found);
	KUNIT_ASSERT_TRUE(test, found);
	KUNIT_ASSERT_NOT_NULL(test, nh);
	KUNIT_EXPECT_EQ(test, nh->type, type);
	KUNIT_EXPECT_EQ(test, nh->count, count);
	KUNIT_EXPECT_EQ(test, memcmp(&nh->addr[0], &want, sizeof(want)), 0);
	rcu_read_unlock();
}

/*
 * Routes naming a group follow its members: a replace moves all of them,
 * a group in use is not deleted nor retyped, an unknown one not named.
 */
static void table_test_nhgroups(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	struct xcloud_route_spec s = {}, got;
	struct xcloud_nhgroup_spec g;
	const char *msg = NULL;
	unsigned int i;

	KUNIT_ASSERT_EQ(test,
			group_set(ctx, 7, XCLOUD_ROUTE_GATEWAY, 2, 0, false,
				  NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->t.group_count, 1U);
	KUNIT_EXPECT_EQ(test, ctx->nh_new, 1U);
	/* Its own set is shared with routes of the same hops. */
	s.type = XCLOUD_ROUTE_GATEWAY;
	s.count = 2;
	pool_addr(&s.nh[0], 0);
	pool_addr(&s.nh[1], 1);
	addr4(&s.dst, 10, 7, 0, 1);
	s.prefixlen = 32;
	KUNIT_ASSERT_EQ(test, insert(ctx, &s, false), 0);
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 1U);
	KUNIT_ASSERT_EQ(test, tremove(ctx, &s.dst, 32), 0);

	/* An existing id needs replace; id 0 and no members are refused. */
	KUNIT_EXPECT_EQ(test, group_set(ctx, 7, 0, 1, 0, false, &msg),
			-EEXIST);
	KUNIT_EXPECT_STREQ(test, msg, "xcloud: next-hop group exists");
	KUNIT_EXPECT_EQ(test, group_set(ctx, 0, 0, 1, 0, false, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, group_set(ctx, 8, 0, 0, 0, false, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->t.group_count, 1U);

	memset(&s, 0, sizeof(s));
	s.nhid = 7;
	for (i = 0; i < 100; i++) {
		addr4(&s.dst, 10, 7, 1, i);
		s.prefixlen = 32;
		KUNIT_ASSERT_EQ(test, insert(ctx, &s, false), 0);
	}
	expect_members(test, ctx, &s.dst, XCLOUD_ROUTE_GATEWAY, 2, 0);
	mutex_lock(&ctx->lock);
	KUNIT_ASSERT_EQ(test, xcloud_table_get(&ctx->t, &s.dst, true, 32, &got,
					       NULL), 0);
	KUNIT_ASSERT_EQ(test, xcloud_nhgroup_get(&ctx->t, 7, &g), 0);
	mutex_unlock(&ctx->lock);
	KUNIT_EXPECT_EQ(test, got.nhid, 7U);
	KUNIT_EXPECT_EQ(test, got.count, 0);
	KUNIT_EXPECT_EQ(test, got.type, XCLOUD_ROUTE_GATEWAY);
	KUNIT_EXPECT_EQ(test, g.routes, 100U);
	KUNIT_EXPECT_EQ(test, g.count, 2);

	/* Refusals: unknown group, vias with it, another type. */
	s.nhid = 9;
	addr4(&s.dst, 10, 7, 2, 1);
	KUNIT_EXPECT_EQ(test, insert(ctx, &s, false), -ENOENT);
	s.nhid = 7;
	s.count = 1;
	pool_addr(&s.nh[0], 0);
	KUNIT_EXPECT_EQ(test, insert(ctx, &s, false), -EINVAL);
	s.count = 0;
	s.type = XCLOUD_ROUTE_NODE;
	KUNIT_EXPECT_EQ(test, insert(ctx, &s, false), -EINVAL);
	s.type = 0;
	KUNIT_EXPECT_EQ(test, ctx->t.count, 100U);

	/* One replace moves every route; the old set goes. */
	KUNIT_ASSERT_EQ(test, group_set(ctx, 7, 0, 3, 4, true, NULL), 1);
	for (i = 0; i < 100; i++) {
		addr4(&s.dst, 10, 7, 1, i);
		expect_members(test, ctx, &s.dst, XCLOUD_ROUTE_GATEWAY, 3, 4);
	}
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 1U);
	KUNIT_EXPECT_EQ(test, ctx->nh_del, 1U);

	/* In use: no delete, no type change. */
	KUNIT_EXPECT_EQ(test, group_del(ctx, 7, &msg), -EBUSY);
	KUNIT_EXPECT_STREQ(test, msg,
			   "xcloud: next-hop group in use: routes name it");
	KUNIT_EXPECT_EQ(test, group_set(ctx, 7, XCLOUD_ROUTE_NODE, 1, 0, true,
					NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, group_del(ctx, 9, NULL), -ENOENT);
	mutex_lock(&ctx->lock);
	KUNIT_EXPECT_EQ(test, xcloud_nhgroup_flush(&ctx->t, NULL, NULL), 1U);
	mutex_unlock(&ctx->lock);
	KUNIT_EXPECT_EQ(test, ctx->t.group_count, 1U);

	/* A route moved off the group to vias releases it. */
	addr4(&s.dst, 10, 7, 1, 0);
	s.nhid = 0;
	s.type = XCLOUD_ROUTE_NODE;
	s.count = 1;
	pool_addr(&s.nh[0], 2);
	KUNIT_ASSERT_EQ(test, insert(ctx, &s, true), 1);
	expect_members(test, ctx, &s.dst, XCLOUD_ROUTE_NODE, 1, 2);
	for (i = 1; i < 100; i++) {
		addr4(&s.dst, 10, 7, 1, i);
		KUNIT_ASSERT_EQ(test, tremove(ctx, &s.dst, 32), 0);
	}
	/* Unused: retyped, then deleted; the route's own set stays. */
	KUNIT_EXPECT_EQ(test, group_set(ctx, 7, XCLOUD_ROUTE_NODE, 1, 0, true,
					NULL), 1);
	KUNIT_EXPECT_EQ(test, group_del(ctx, 7, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->t.group_count, 0U);
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 1U);
	addr4(&s.dst, 10, 7, 1, 0);
	KUNIT_ASSERT_EQ(test, tremove(ctx, &s.dst, 32), 0);
	KUNIT_EXPECT_EQ(test, ctx->t.nh_count, 0U);
	KUNIT_EXPECT_EQ(test, ctx->nh_new, ctx->nh_del);
}

static int group_walk_fn(void *arg, const struct xcloud_nhgroup_spec *g)
{
	u32 *ids = arg;

	if (ids[0] == 3)
		return 1;	/* "full" after three: resume next call */
	ids[++ids[0]] = g->id;
	return 0;
}

/* Limit, dump walk in id order, flush; the table's teardown frees the rest. */
static void table_test_nhgroup_walk(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	u32 ids[4], seen = 0, last = 0;
	unsigned long next = 0;
	const char *msg = NULL;
	unsigned int i;
	int more;

	ctx->t.group_max = 10;
	for (i = 10; i >= 1; i--)
		KUNIT_ASSERT_EQ(test, group_set(ctx, i * 1000, 0, 1, i % 8,
						false, NULL), 0);
	KUNIT_EXPECT_EQ(test, group_set(ctx, 1, 0, 1, 0, false, &msg),
			-ENOSPC);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, msg);
	/* A replace is not a new group. */
	KUNIT_EXPECT_EQ(test, group_set(ctx, 1000, 0, 2, 0, true, NULL), 1);

	do {
		ids[0] = 0;
		mutex_lock(&ctx->lock);
		more = xcloud_nhgroup_walk(&ctx->t, &next, group_walk_fn, ids);
		mutex_unlock(&ctx->lock);
		for (i = 1; i <= ids[0]; i++) {
			KUNIT_EXPECT_GT(test, ids[i], last);
			last = ids[i];
			seen++;
		}
	} while (more);
	KUNIT_EXPECT_EQ(test, seen, 10U);

	mutex_lock(&ctx->lock);
	KUNIT_EXPECT_EQ(test, xcloud_nhgroup_flush(&ctx->t, NULL, NULL), 0U);
	mutex_unlock(&ctx->lock);
	KUNIT_EXPECT_EQ(test, ctx->t.group_count, 0U);
	KUNIT_EXPECT_EQ(test, ctx->nh_new, ctx->nh_del);

	/* Left for xcloud_table_destroy() (kmemleak checks it frees them). */
	KUNIT_ASSERT_EQ(test, group_set(ctx, 5, 0, 2, 0, false, NULL), 0);
}

static struct kunit_case table_test_cases[] = {
	KUNIT_CASE(table_test_random_vs_model),
	KUNIT_CASE(table_test_default_route),
	KUNIT_CASE(table_test_ecmp),
	KUNIT_CASE(table_test_interning),
	KUNIT_CASE(table_test_validation),
	KUNIT_CASE(table_test_allowlist),
	KUNIT_CASE(table_test_walk),
	KUNIT_CASE(table_test_flush_batch),
	KUNIT_CASE(table_test_limit),
	KUNIT_CASE(table_test_flush),
	KUNIT_CASE(table_test_nhgroups),
	KUNIT_CASE(table_test_nhgroup_walk),
	{}
};

static struct kunit_suite table_test_suite = {
	.name = "xcloud_table",
	.init = table_test_init,
	.exit = table_test_exit,
	.test_cases = table_test_cases,
};

kunit_test_suites(&table_test_suite);
