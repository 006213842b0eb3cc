// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: tunnel peers as the control plane makes them. The dump
 * generation never reads 0 (which switches the dump consistency check
 * off), the device's max-tunnels refuses the peer beyond it, and ages
 * and idle times do not wrap after 49.7 days.
 */
#include <kunit/test.h>
#include <linux/netlink.h>
#include <net/net_namespace.h>

#include "device.h"
#include "peer.h"
#include "stats.h"
#include "xcloud.h"

struct peer_ctx {
	struct xcloud_dev *xd;
};

/* A device's peer state without the device: no one listens to events. */
static int peer_test_init(struct kunit *test)
{
	struct peer_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct xcloud_dev *xd;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	xd = kunit_kzalloc(test, sizeof(*xd), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, xd);
	xd->stats = netdev_alloc_pcpu_stats(struct xcloud_stats);
	KUNIT_ASSERT_NOT_NULL(test, xd->stats);
	xd->net = &init_net;
	xcloud_cfg_init(&xd->cfg);
	mutex_init(&xd->update_lock);
	KUNIT_ASSERT_EQ(test, xcloud_peers_init(&xd->peers, xd), 0);
	ctx->xd = xd;
	test->priv = ctx;
	return 0;
}

static void peer_test_exit(struct kunit *test)
{
	struct peer_ctx *ctx = test->priv;
	struct xcloud_dev *xd = ctx->xd;

	xcloud_peers_destroy(&xd->peers);
	rcu_barrier();		/* peers are freed after a grace period */
	free_percpu(xd->stats);
	mutex_destroy(&xd->update_lock);
}

static int add(struct xcloud_dev *xd, u8 last, struct netlink_ext_ack *ext)
{
	struct xcloud_addr a;
	int ret;

	xcloud_addr_set4(&a, htonl(0xc0000200 | last));	/* 192.0.2.x */
	mutex_lock(&xd->update_lock);
	ret = xcloud_peer_add_static(&xd->peers, &a, ext);
	mutex_unlock(&xd->update_lock);
	return ret;
}

static void peer_test_generation(struct kunit *test)
{
	struct peer_ctx *ctx = test->priv;
	struct xcloud_peers *peers = &ctx->xd->peers;

	/* A dump of a device that never had a peer is checked too. */
	KUNIT_EXPECT_NE(test, peers->generation, 0U);
	peers->generation = U32_MAX;
	KUNIT_EXPECT_EQ(test, add(ctx->xd, 1, NULL), 0);
	kunit_info(test, "generation after U32_MAX: %u\n", peers->generation);
	KUNIT_EXPECT_NE(test, peers->generation, 0U);
	KUNIT_EXPECT_EQ(test, peers->count, 1U);
}

static void peer_test_limit(struct kunit *test)
{
	struct peer_ctx *ctx = test->priv;
	struct netlink_ext_ack extack = {};

	ctx->xd->cfg.max_tunnels = 2;
	KUNIT_EXPECT_EQ(test, add(ctx->xd, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, add(ctx->xd, 2, NULL), 0);
	KUNIT_EXPECT_EQ(test, add(ctx->xd, 3, &extack), -ENOSPC);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "tunnel limit reached (the device's max-tunnels)");
	/* an existing peer is no new one */
	KUNIT_EXPECT_EQ(test, add(ctx->xd, 2, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->xd->peers.count, 2U);
	/* nor does the data path go beyond it (softirq, under RCU) */
	local_bh_disable();
	rcu_read_lock();
	{
		struct xcloud_addr a;

		xcloud_addr_set4(&a, htonl(0xc0000209));
		KUNIT_EXPECT_NULL(test,
				  xcloud_peer_lookup_create(&ctx->xd->peers, &a));
	}
	rcu_read_unlock();
	local_bh_enable();
	KUNIT_EXPECT_EQ(test, ctx->xd->peers.count, 2U);
}

static void peer_test_times(struct kunit *test)
{
	const u64 days50 = 50ULL * 86400 * HZ;
	struct peer_ctx *ctx = test->priv;
	struct xcloud_peer *peer;
	struct xcloud_addr a;
	u64 age, idle;

	KUNIT_ASSERT_EQ(test, add(ctx->xd, 1, NULL), 0);
	xcloud_addr_set4(&a, htonl(0xc0000201));
	rcu_read_lock();
	peer = xcloud_peer_lookup(&ctx->xd->peers, &a);
	KUNIT_ASSERT_NOT_NULL(test, peer);
	xcloud_peer_times(peer, peer->created + days50, &age, &idle);
	rcu_read_unlock();
	kunit_info(test, "50 days: age %llu ms, idle %llu ms\n", age, idle);
	KUNIT_EXPECT_EQ(test, age, 50ULL * 86400 * 1000);
	KUNIT_EXPECT_EQ(test, idle, 50ULL * 86400 * 1000);
}

static struct kunit_case peer_test_cases[] = {
	KUNIT_CASE(peer_test_generation),
	KUNIT_CASE(peer_test_limit),
	KUNIT_CASE(peer_test_times),
	{}
};

static struct kunit_suite peer_test_suite = {
	.name = "xcloud_peer",
	.init = peer_test_init,
	.exit = peer_test_exit,
	.test_cases = peer_test_cases,
};

kunit_test_suites(&peer_test_suite);
