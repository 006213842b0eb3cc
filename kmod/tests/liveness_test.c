// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: ECMP selection with dead members (xcloud_nexthops_pick_live).
 * What a user relies on: with nothing down it is the plain pick; a flow
 * whose member is alive never moves when others die; a dead member's
 * flows go to live members only, spread over all of them; with every
 * member down the plain pick stands (lost probes black-hole nothing).
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/reciprocal_div.h>
#include <uapi/linux/xcloud.h>

#include "liveness.h"
#include "table.h"

#define FLOWS 1024

static u32 flow_hash(struct rnd_state *rnd)
{
	return prandom_u32_state(rnd);
}

static void liveness_test_none_down(struct kunit *test)
{
	struct rnd_state rnd;
	unsigned int count, f;

	prandom_seed_state(&rnd, 1);
	for (count = 1; count <= XCLOUD_MAX_NEXTHOPS; count++)
		for (f = 0; f < FLOWS; f++) {
			u32 h = flow_hash(&rnd);

			KUNIT_ASSERT_EQ(test,
					xcloud_nexthops_pick_live(count, h, 0),
					reciprocal_scale(h, count));
		}
}

/* Every down mask of every set size: the four rules above. */
static void liveness_test_every_mask(struct kunit *test)
{
	struct rnd_state rnd;
	unsigned int count;

	prandom_seed_state(&rnd, 2);
	for (count = 2; count <= XCLOUD_MAX_NEXTHOPS; count++) {
		unsigned long all = BIT(count) - 1, down;

		for (down = 0; down <= all; down++) {
			unsigned int hits[XCLOUD_MAX_NEXTHOPS] = {};
			unsigned int f, i, live = count - hweight_long(down);
			unsigned int moved = 0;

			for (f = 0; f < FLOWS; f++) {
				u32 h = flow_hash(&rnd);
				unsigned int plain = reciprocal_scale(h, count);
				unsigned int got;

				got = xcloud_nexthops_pick_live(count, h, down);
				KUNIT_ASSERT_LT(test, got, count);
				if (!(down & BIT(plain)) || down == all) {
					/* stays where it was */
					KUNIT_ASSERT_EQ_MSG(test, got, plain,
							    "count %u down %#lx",
							    count, down);
					continue;
				}
				/* moved, and only to a live member */
				KUNIT_ASSERT_FALSE_MSG(test, down & BIT(got),
						       "count %u down %#lx",
						       count, down);
				hits[got]++;
				moved++;
			}
			if (down == all || !moved)
				continue;
			/* the dead members' flows reach every live one */
			for (i = 0; i < count; i++)
				if (!(down & BIT(i)) && moved >= 64 * live)
					KUNIT_EXPECT_GT_MSG(test, hits[i], 0U,
							    "count %u down %#lx member %u",
							    count, down, i);
		}
	}
}

/* Bits beyond the set's size are ignored (a stale mask cannot hurt). */
static void liveness_test_mask_beyond_count(struct kunit *test)
{
	u32 h;

	for (h = 0; h < 1000; h++)
		KUNIT_EXPECT_EQ(test,
				xcloud_nexthops_pick_live(2, h * 2654435761U,
							  ~0UL << 2),
				reciprocal_scale(h * 2654435761U, 2));
}

/* Two gateways, one dies: its flows all go to the other; back: home. */
static void liveness_test_two_gateways(struct kunit *test)
{
	u32 h;

	for (h = 0; h < 1000; h++) {
		u32 hash = h * 2654435761U;
		unsigned int plain = reciprocal_scale(hash, 2);

		KUNIT_EXPECT_EQ(test,
				xcloud_nexthops_pick_live(2, hash, BIT(plain)),
				1 - plain);
		KUNIT_EXPECT_EQ(test,
				xcloud_nexthops_pick_live(2, hash,
							  BIT(1 - plain)),
				plain);
	}
}

static struct kunit_case liveness_test_cases[] = {
	KUNIT_CASE(liveness_test_none_down),
	KUNIT_CASE(liveness_test_every_mask),
	KUNIT_CASE(liveness_test_mask_beyond_count),
	KUNIT_CASE(liveness_test_two_gateways),
	{}
};

static struct kunit_suite liveness_test_suite = {
	.name = "xcloud_liveness",
	.test_cases = liveness_test_cases,
};

kunit_test_suites(&liveness_test_suite);
