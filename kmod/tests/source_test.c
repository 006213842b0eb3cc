// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the inner source check of an edge device (xcloud_source_decide).
 * One table as a compute node of cloud A has it (its cloud's VMs on their
 * nodes, cloud B's VMs behind cloud B's gateways, an EIP, prefix routes,
 * IPv4 and IPv6 overlay and underlay), and packets from every kind of
 * peer: the right node, another node, the own gateway, the remote
 * gateway, an unknown host.
 */
#include <kunit/test.h>
#include <linux/inet.h>
#include <linux/slab.h>

#include "source.h"
#include "table.h"

/* Underlay: nodes of cloud A, its gateways, cloud B's gateways. */
#define N1	"10.255.0.11"
#define N2	"10.255.0.12"
#define N3_6	"fd00:ff::13"
#define GA	"10.255.0.1"		/* own gateway */
#define GA_6	"fd00:ff::1"		/* own gateway, IPv6 underlay */
#define GB	"10.255.0.2"		/* cloud B's gateways */
#define GB2	"10.255.0.3"
#define GB_6	"fd00:ff::2"
#define EVIL	"10.255.0.99"

struct route_def {
	const char *dst;	/* ADDR/LEN */
	u8 type;
	const char *via[3];
};

static const struct route_def routes[] = {
	/* cloud A's VMs on their nodes */
	{ "10.100.1.2/32", XCLOUD_ROUTE_NODE, { N2 } },
	{ "fd00:100::a:2/128", XCLOUD_ROUTE_NODE, { N2 } },
	{ "fd00:100::c:1/128", XCLOUD_ROUTE_NODE, { N3_6 } },
	/* a prefix on N2 with one address moved to N1 */
	{ "10.100.3.0/24", XCLOUD_ROUTE_NODE, { N2 } },
	{ "10.100.3.7/32", XCLOUD_ROUTE_NODE, { N1 } },
	{ "fd00:100:3::/48", XCLOUD_ROUTE_NODE, { N2 } },
	/* anycast behind two nodes (ECMP) */
	{ "10.100.4.0/24", XCLOUD_ROUTE_NODE, { N1, N2 } },
	/* cloud B's VMs behind cloud B's gateways */
	{ "10.100.2.1/32", XCLOUD_ROUTE_GATEWAY, { GB, GB2 } },
	{ "10.100.2.0/24", XCLOUD_ROUTE_GATEWAY, { GB } },
	{ "fd00:100::b:1/128", XCLOUD_ROUTE_GATEWAY, { GB_6 } },
	{ "fd00:100:b::/48", XCLOUD_ROUTE_GATEWAY, { GB } },
	/* an EIP served by a virtual router on N1 */
	{ "203.0.113.20/32", XCLOUD_ROUTE_EIP, { N1 } },
	{ "2001:db8:e1::20/128", XCLOUD_ROUTE_EIP, { N1 } },
};

static const char *const own_gateways[] = { GA, GA_6 };

struct source_case {
	const char *desc;
	const char *peer;	/* outer source */
	const char *src;	/* inner source */
	unsigned int want;	/* 0: deliver */
};

#define OK		0
#define UNROUTED	XCLOUD_STATS_A_RX_SRC_UNROUTED
#define MISMATCH	XCLOUD_STATS_A_RX_SRC_MISMATCH

static const struct source_case source_cases[] = {
	{ "node route, from its node", N2, "10.100.1.2", OK },
	{ "node route, from another node", N1, "10.100.1.2", MISMATCH },
	{ "node route, from the own gateway", GA, "10.100.1.2", MISMATCH },
	{ "node route, from the remote gateway", GB, "10.100.1.2", MISMATCH },
	{ "node route, from an unknown host", EVIL, "10.100.1.2", MISMATCH },
	{ "gateway route, relayed by the own gateway", GA, "10.100.2.1", OK },
	{ "gateway route, from a gateway it names", GB, "10.100.2.1", MISMATCH },
	{ "gateway route, from its other gateway", GB2, "10.100.2.1", MISMATCH },
	{ "gateway route, from a node", N1, "10.100.2.1", MISMATCH },
	{ "gateway prefix, relayed by the own gateway", GA, "10.100.2.77", OK },
	{ "gateway prefix, from the remote gateway", GB, "10.100.2.77", MISMATCH },
	{ "no route, from a node", N1, "10.9.9.9", UNROUTED },
	{ "no route, from the own gateway", GA, "10.9.9.9", UNROUTED },
	{ "no route, from an unknown host", EVIL, "192.0.2.1", UNROUTED },
	{ "eip route, from its next hop", N1, "203.0.113.20", MISMATCH },
	{ "eip route, from the own gateway", GA, "203.0.113.20", MISMATCH },
	{ "prefix route, from its node", N2, "10.100.3.5", OK },
	{ "prefix route, from another node", N1, "10.100.3.5", MISMATCH },
	{ "longer match wins: its node", N1, "10.100.3.7", OK },
	{ "longer match wins: the prefix's node", N2, "10.100.3.7", MISMATCH },
	{ "ECMP node route, first node", N1, "10.100.4.9", OK },
	{ "ECMP node route, second node", N2, "10.100.4.9", OK },
	{ "ECMP node route, a third host", EVIL, "10.100.4.9", MISMATCH },
	/* IPv6 overlay over an IPv4 underlay */
	{ "IPv6: node route, from its node", N2, "fd00:100::a:2", OK },
	{ "IPv6: node route, from another node", N1, "fd00:100::a:2", MISMATCH },
	{ "IPv6: prefix node route", N2, "fd00:100:3::42", OK },
	{ "IPv6: gateway prefix, own gateway", GA, "fd00:100:b::1", OK },
	{ "IPv6: gateway prefix, remote gateway", GB, "fd00:100:b::1", MISMATCH },
	{ "IPv6: no route", N1, "fd00:dead::1", UNROUTED },
	{ "IPv6: eip route", N1, "2001:db8:e1::20", MISMATCH },
	/* IPv6 underlay */
	{ "IPv6 underlay: node route, from its node", N3_6, "fd00:100::c:1", OK },
	{ "IPv6 underlay: node route, another node", "fd00:ff::12",
	  "fd00:100::c:1", MISMATCH },
	{ "IPv6 underlay: gateway route, own gateway", GA_6, "fd00:100::b:1",
	  OK },
	{ "IPv6 underlay: gateway route, remote gateway", GB_6,
	  "fd00:100::b:1", MISMATCH },
	{ "IPv6 underlay: IPv4 overlay, own gateway", GA_6, "10.100.2.1", OK },
	/* a node's address in the other family is another peer */
	{ "IPv6 next hop, the node's IPv4 address", "10.255.0.13",
	  "fd00:100::c:1", MISMATCH },
};

static void parse_addr(struct kunit *test, const char *s,
		       struct xcloud_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (in4_pton(s, -1, a->bytes, -1, NULL)) {
		a->family = AF_INET;
		return;
	}
	KUNIT_ASSERT_TRUE_MSG(test, in6_pton(s, -1, a->bytes, -1, NULL),
			      "bad address %s", s);
	a->family = AF_INET6;
}

struct source_ctx {
	struct mutex lock;		/* the table's writer lock */
	struct xcloud_table t;
	struct xcloud_gateways *gws;
};

static int source_test_init(struct kunit *test)
{
	struct netlink_ext_ack extack = {};
	struct source_ctx *ctx;
	unsigned int i, j;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	mutex_init(&ctx->lock);
	KUNIT_ASSERT_EQ(test, xcloud_table_init(&ctx->t, &ctx->lock, NULL,
						NULL), 0);
	test->priv = ctx;

	for (i = 0; i < ARRAY_SIZE(routes); i++) {
		struct xcloud_route_spec s = { .type = routes[i].type };
		char dst[64], *slash;
		int ret, len;

		strscpy(dst, routes[i].dst, sizeof(dst));
		slash = strchr(dst, '/');
		KUNIT_ASSERT_NOT_NULL(test, slash);
		*slash = '\0';
		parse_addr(test, dst, &s.dst);
		KUNIT_ASSERT_EQ(test, kstrtoint(slash + 1, 10, &len), 0);
		s.prefixlen = len;
		for (j = 0; j < ARRAY_SIZE(routes[i].via) && routes[i].via[j];
		     j++)
			parse_addr(test, routes[i].via[j], &s.nh[s.count++]);
		mutex_lock(&ctx->lock);
		ret = xcloud_table_insert(&ctx->t, &s, false, &extack);
		mutex_unlock(&ctx->lock);
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "route %s", routes[i].dst);
	}

	ctx->gws = kunit_kzalloc(test, struct_size(ctx->gws, addr,
						   ARRAY_SIZE(own_gateways)),
				 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->gws);
	for (i = 0; i < ARRAY_SIZE(own_gateways); i++)
		parse_addr(test, own_gateways[i],
			   &ctx->gws->addr[ctx->gws->count++]);
	return 0;
}

static void source_test_exit(struct kunit *test)
{
	struct source_ctx *ctx = test->priv;

	mutex_lock(&ctx->lock);
	xcloud_table_destroy(&ctx->t);
	mutex_unlock(&ctx->lock);
	mutex_destroy(&ctx->lock);
}

static unsigned int decide(struct kunit *test,
			   const struct xcloud_gateways *gws,
			   const char *peer, const char *src)
{
	struct source_ctx *ctx = test->priv;
	struct xcloud_addr p, s;
	unsigned int ret;

	parse_addr(test, peer, &p);
	parse_addr(test, src, &s);
	rcu_read_lock();
	ret = xcloud_source_decide(&ctx->t, gws, &p, &s);
	rcu_read_unlock();
	return ret;
}

static void source_case_desc(const struct source_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(source, source_cases, source_case_desc);

static void source_decide_test(struct kunit *test)
{
	const struct source_case *c = test->param_value;
	struct source_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ_MSG(test, decide(test, ctx->gws, c->peer, c->src),
			    c->want, "peer %s, inner source %s", c->peer,
			    c->src);
}

/* Without gateways no gateway route is deliverable; node routes still are. */
static void source_no_gateways_test(struct kunit *test)
{
	struct xcloud_gateways *none;

	KUNIT_EXPECT_EQ(test, decide(test, NULL, GA, "10.100.2.1"), MISMATCH);
	KUNIT_EXPECT_EQ(test, decide(test, NULL, GB, "10.100.2.1"), MISMATCH);
	KUNIT_EXPECT_EQ(test, decide(test, NULL, N2, "10.100.1.2"), 0U);
	KUNIT_EXPECT_EQ(test, decide(test, NULL, N1, "10.9.9.9"), UNROUTED);

	none = kunit_kzalloc(test, sizeof(*none), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, none);
	KUNIT_EXPECT_EQ(test, decide(test, none, GA, "10.100.2.1"), MISMATCH);
}

/* The set is replaced as a whole: the old gateway is no longer trusted. */
static void source_gateway_moves_test(struct kunit *test)
{
	struct xcloud_gateways *gws;

	gws = kunit_kzalloc(test, struct_size(gws, addr, 1), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gws);
	parse_addr(test, "10.255.0.5", &gws->addr[0]);
	gws->count = 1;
	KUNIT_EXPECT_EQ(test, decide(test, gws, "10.255.0.5", "10.100.2.1"),
			0U);
	KUNIT_EXPECT_EQ(test, decide(test, gws, GA, "10.100.2.1"), MISMATCH);
}

/* An empty table: every source is unrouted, whoever sends it. */
static void source_empty_table_test(struct kunit *test)
{
	struct source_ctx *ctx = test->priv;

	mutex_lock(&ctx->lock);
	xcloud_table_flush(&ctx->t, NULL, NULL);
	mutex_unlock(&ctx->lock);
	KUNIT_EXPECT_EQ(test, decide(test, ctx->gws, N2, "10.100.1.2"),
			UNROUTED);
	KUNIT_EXPECT_EQ(test, decide(test, ctx->gws, GA, "fd00:100::b:1"),
			UNROUTED);
}

static struct kunit_case source_test_cases[] = {
	KUNIT_CASE_PARAM(source_decide_test, source_gen_params),
	KUNIT_CASE(source_no_gateways_test),
	KUNIT_CASE(source_gateway_moves_test),
	KUNIT_CASE(source_empty_table_test),
	{}
};

static struct kunit_suite source_test_suite = {
	.name = "xcloud_source",
	.init = source_test_init,
	.exit = source_test_exit,
	.test_cases = source_test_cases,
};

kunit_test_suites(&source_test_suite);
