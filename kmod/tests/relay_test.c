// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the two-hop rule of a gateway, over every combination of
 * (route found, route type, packet already relayed), and a walk through
 * configured loops showing that no packet takes a third tunnel hop.
 */
#include <kunit/test.h>
#include <uapi/linux/xcloud.h>

#include "relay.h"

/* The rule, stated independently: relay only a fresh packet over node. */
static unsigned int expected(bool found, u8 type, bool relayed)
{
	if (relayed)
		return XCLOUD_STATS_A_RX_HOP_LIMIT;
	if (!found)
		return XCLOUD_STATS_A_RX_NO_ROUTE;
	return type == XCLOUD_ROUTE_NODE ? 0 : XCLOUD_STATS_A_RX_HOP_LIMIT;
}

static void relay_test_every_combination(struct kunit *test)
{
	unsigned int type, f, r, relays = 0;

	/* Every u8, not only the defined types: unknown ones never relay. */
	for (type = 0; type <= 0xff; type++)
		for (f = 0; f < 2; f++)
			for (r = 0; r < 2; r++) {
				unsigned int got = xcloud_relay_decide(f, type, r);

				KUNIT_EXPECT_EQ_MSG(test, got,
						    expected(f, type, r),
						    "found %u type %u relayed %u",
						    f, type, r);
				relays += !got;
			}
	/* Exactly one combination relays. */
	KUNIT_EXPECT_EQ(test, relays, 1U);
}

static void relay_test_named_cases(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xcloud_relay_decide(true, XCLOUD_ROUTE_NODE,
						  false), 0U);
	KUNIT_EXPECT_EQ(test, xcloud_relay_decide(true, XCLOUD_ROUTE_NODE,
						  true),
			XCLOUD_STATS_A_RX_HOP_LIMIT);
	KUNIT_EXPECT_EQ(test, xcloud_relay_decide(true, XCLOUD_ROUTE_GATEWAY,
						  false),
			XCLOUD_STATS_A_RX_HOP_LIMIT);
	KUNIT_EXPECT_EQ(test, xcloud_relay_decide(true, XCLOUD_ROUTE_EIP,
						  false),
			XCLOUD_STATS_A_RX_HOP_LIMIT);
	KUNIT_EXPECT_EQ(test, xcloud_relay_decide(false, XCLOUD_ROUTE_UNSPEC,
						  false),
			XCLOUD_STATS_A_RX_NO_ROUTE);
	KUNIT_EXPECT_EQ(test, xcloud_relay_decide(false, XCLOUD_ROUTE_NODE,
						  true),
			XCLOUD_STATS_A_RX_HOP_LIMIT);
}

/*
 * Gateways whose tables point at each other with every route type (the
 * worst misconfiguration): follow a packet; it is relayed at most once,
 * so it crosses at most two tunnels (edge to gateway, gateway onwards).
 */
static void relay_test_loop_terminates(struct kunit *test)
{
	static const u8 types[] = {
		XCLOUD_ROUTE_GATEWAY, XCLOUD_ROUTE_NODE, XCLOUD_ROUTE_EIP,
	};
	unsigned int a, b, c;

	for (a = 0; a < ARRAY_SIZE(types); a++)
		for (b = 0; b < ARRAY_SIZE(types); b++)
			for (c = 0; c < ARRAY_SIZE(types); c++) {
				/* gateway i's route for the destination */
				const u8 route[3] = { types[a], types[b],
						      types[c] };
				unsigned int hops = 1, gw = 0;
				bool relayed = false;

				while (hops < 10 &&
				       !xcloud_relay_decide(true, route[gw],
							    relayed)) {
					relayed = true;	/* the relay adds it */
					hops++;
					gw = (gw + 1) % 3;
				}
				KUNIT_EXPECT_LE(test, hops, 2U);
			}
}

static struct kunit_case relay_test_cases[] = {
	KUNIT_CASE(relay_test_every_combination),
	KUNIT_CASE(relay_test_named_cases),
	KUNIT_CASE(relay_test_loop_terminates),
	{}
};

static struct kunit_suite relay_test_suite = {
	.name = "xcloud_relay",
	.test_cases = relay_test_cases,
};

kunit_test_suites(&relay_test_suite);
