// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: GENEVE header build and parse, every malformed case.
 */
#include <kunit/test.h>
#include <linux/if_ether.h>
#include <linux/string.h>
#include <uapi/linux/xcloud.h>

#include "encap.h"

#define BUF_LEN 300

/* A valid header: version 0, IPv4, VNI 0x123456, no options. */
static unsigned int put_base(u8 *p, u8 optwords, u16 proto)
{
	memset(p, 0, BUF_LEN);
	p[0] = optwords;
	p[2] = proto >> 8;
	p[3] = proto & 0xff;
	p[4] = 0x12;
	p[5] = 0x34;
	p[6] = 0x56;
	return XCLOUD_GENEVE_HLEN + optwords * 4;
}

static void put_opt(u8 *p, u16 class, u8 type, u8 words)
{
	p[0] = class >> 8;
	p[1] = class & 0xff;
	p[2] = type;
	p[3] = words;
}

static void encap_test_round_trip(struct kunit *test)
{
	static const u32 vnis[] = { 0, 1, 100, 0xabcdef, XCLOUD_VNI_MAX };
	static const u16 protos[] = { ETH_P_IP, ETH_P_IPV6 };
	u8 buf[BUF_LEN];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vnis) * ARRAY_SIZE(protos) * 2; i++) {
		struct xcloud_geneve_info in = {
			.vni = vnis[i / 4],
			.proto = htons(protos[(i / 2) % 2]),
			.relayed = i % 2,
		};
		struct xcloud_geneve_info out;

		memset(buf, 0xa5, sizeof(buf));
		xcloud_geneve_build(buf, &in);
		KUNIT_EXPECT_EQ(test, in.hdrlen, XCLOUD_GENEVE_HLEN +
				(in.relayed ? XCLOUD_GENEVE_OPT_HLEN : 0));
		/* Version 0, reserved bits clear, options non-critical. */
		KUNIT_EXPECT_EQ(test, buf[0] >> 6, 0);
		KUNIT_EXPECT_EQ(test, buf[1], 0);
		KUNIT_EXPECT_EQ(test, buf[7], 0);
		KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, in.hdrlen, &out),
				0U);
		KUNIT_EXPECT_EQ(test, out.vni, in.vni);
		KUNIT_EXPECT_EQ(test, out.proto, in.proto);
		KUNIT_EXPECT_EQ(test, out.relayed, in.relayed);
		KUNIT_EXPECT_EQ(test, out.hdrlen, in.hdrlen);
	}
}

/* The exact bytes of a relayed header, as tshark would see them. */
static void encap_test_wire_bytes(struct kunit *test)
{
	static const u8 want[] = {
		0x01, 0x00, 0x86, 0xdd, 0x00, 0x00, 0x64, 0x00,
		0xff, 0xf0, 0x01, 0x00,
	};
	struct xcloud_geneve_info in = {
		.vni = 100, .proto = htons(ETH_P_IPV6), .relayed = true,
	};
	u8 buf[sizeof(want)];

	xcloud_geneve_build(buf, &in);
	KUNIT_EXPECT_EQ(test, in.hdrlen, sizeof(want));
	KUNIT_EXPECT_EQ(test, memcmp(buf, want, sizeof(want)), 0);
}

/* A liveness probe's header: OAM bit, our protocol; parsed back. */
static void encap_test_oam_wire_bytes(struct kunit *test)
{
	static const u8 want[] = {
		0x00, 0x80, 0x88, 0xb5, 0x00, 0x00, 0x64, 0x00,
	};
	struct xcloud_geneve_info in = {
		.vni = 100, .proto = htons(XCLOUD_GENEVE_OAM_PROTO),
		.oam = true,
	};
	struct xcloud_geneve_info out;
	u8 buf[sizeof(want)];

	xcloud_geneve_build(buf, &in);
	KUNIT_EXPECT_EQ(test, in.hdrlen, sizeof(want));
	KUNIT_EXPECT_EQ(test, memcmp(buf, want, sizeof(want)), 0);
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, sizeof(buf), &out), 0U);
	KUNIT_EXPECT_TRUE(test, out.oam);
	KUNIT_EXPECT_EQ(test, out.vni, 100U);
}

/* Every length shorter than the header, with and without options. */
static void encap_test_short_buffer(struct kunit *test)
{
	struct xcloud_geneve_info in = {
		.vni = 7, .proto = htons(ETH_P_IP),
	};
	struct xcloud_geneve_info out;
	u8 buf[BUF_LEN];
	unsigned int len, r;

	for (r = 0; r < 2; r++) {
		in.relayed = r;
		xcloud_geneve_build(buf, &in);
		for (len = 0; len < in.hdrlen; len++)
			KUNIT_EXPECT_EQ_MSG(test,
					    xcloud_geneve_parse(buf, len, &out),
					    XCLOUD_STATS_A_RX_TRUNCATED,
					    "relayed %u len %u", r, len);
	}

	/* Options declared up to the maximum, buffer one byte short. */
	for (r = 1; r <= 63; r++) {
		len = put_base(buf, r, ETH_P_IP);
		put_opt(buf + 8, 0x0100, 0x01, r - 1);
		KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len - 1, &out),
				XCLOUD_STATS_A_RX_TRUNCATED);
		KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out), 0U);
	}
}

/* A truncated header still names its VNI, so the device can count it. */
static void encap_test_vni_known_early(struct kunit *test)
{
	struct xcloud_geneve_info out;
	u8 buf[BUF_LEN];
	unsigned int len = put_base(buf, 2, ETH_P_IP);

	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len - 4, &out),
			XCLOUD_STATS_A_RX_TRUNCATED);
	KUNIT_EXPECT_EQ(test, out.vni, 0x123456U);
}

static void encap_test_bad_version(struct kunit *test)
{
	struct xcloud_geneve_info out;
	u8 buf[BUF_LEN];
	unsigned int v, len;

	for (v = 1; v <= 3; v++) {
		len = put_base(buf, 0, ETH_P_IP);
		buf[0] |= v << 6;
		KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out),
				XCLOUD_STATS_A_RX_BAD_VERSION);
		/* The version is checked before the rest is trusted. */
		KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, 8, &out),
				XCLOUD_STATS_A_RX_BAD_VERSION);
		buf[0] |= 0x3f;	/* options beyond the buffer */
		KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, 8, &out),
				XCLOUD_STATS_A_RX_BAD_VERSION);
	}
}

static void encap_test_opt_len_beyond(struct kunit *test)
{
	struct xcloud_geneve_info out;
	u8 buf[BUF_LEN];
	unsigned int len;

	/* opt_len says 63 words, the buffer has the base header only. */
	put_base(buf, 63, ETH_P_IP);
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, 8, &out),
			XCLOUD_STATS_A_RX_TRUNCATED);

	/* An option whose own length runs past opt_len. */
	len = put_base(buf, 2, ETH_P_IP);
	put_opt(buf + 8, 0x0100, 0x01, 2);
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, BUF_LEN, &out),
			XCLOUD_STATS_A_RX_TRUNCATED);
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out),
			XCLOUD_STATS_A_RX_TRUNCATED);

	/* The option fits exactly: fine. */
	put_opt(buf + 8, 0x0100, 0x01, 1);
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out), 0U);
}

static void encap_test_bad_proto(struct kunit *test)
{
	static const u16 bad[] = {
		0, ETH_P_TEB, ETH_P_ARP, ETH_P_8021Q, ETH_P_MPLS_UC, 0xffff,
		ETH_P_IP + 1, ETH_P_IPV6 - 1,
	};
	struct xcloud_geneve_info out;
	u8 buf[BUF_LEN];
	unsigned int i, len;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		len = put_base(buf, 0, bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, xcloud_geneve_parse(buf, len, &out),
				    XCLOUD_STATS_A_RX_BAD_PROTO,
				    "proto %#x", bad[i]);
	}
	/* OAM frames are not tenant traffic. */
	len = put_base(buf, 0, ETH_P_IP);
	buf[1] = 0x80;
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out),
			XCLOUD_STATS_A_RX_BAD_PROTO);
	/* Our probes are OAM frames of our protocol, only with the bit. */
	len = put_base(buf, 0, XCLOUD_GENEVE_OAM_PROTO);
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out),
			XCLOUD_STATS_A_RX_BAD_PROTO);
	buf[1] = 0x80;
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out), 0U);
	KUNIT_EXPECT_TRUE(test, out.oam);
}

static void encap_test_options(struct kunit *test)
{
	struct xcloud_geneve_info out;
	u8 buf[BUF_LEN];
	unsigned int len;

	/* Unknown critical option: drop. */
	len = put_base(buf, 1, ETH_P_IP);
	buf[1] = 0x40;	/* C bit */
	put_opt(buf + 8, 0x0102, 0x80 | 0x05, 0);
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out),
			XCLOUD_STATS_A_RX_CRITICAL_OPT);

	/* Our class with the critical bit is not our option either. */
	put_opt(buf + 8, XCLOUD_GENEVE_OPT_CLASS,
		0x80 | XCLOUD_GENEVE_OPT_RELAYED, 0);
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out),
			XCLOUD_STATS_A_RX_CRITICAL_OPT);

	/* Unknown non-critical option with data: skipped. */
	len = put_base(buf, 3, ETH_P_IPV6);
	put_opt(buf + 8, 0x0102, 0x05, 2);
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out), 0U);
	KUNIT_EXPECT_FALSE(test, out.relayed);
	KUNIT_EXPECT_EQ(test, out.hdrlen, len);

	/* ...followed by ours: recognised after the skip. */
	len = put_base(buf, 4, ETH_P_IPV6);
	put_opt(buf + 8, 0x0102, 0x05, 2);
	put_opt(buf + 20, XCLOUD_GENEVE_OPT_CLASS, XCLOUD_GENEVE_OPT_RELAYED,
		0);
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out), 0U);
	KUNIT_EXPECT_TRUE(test, out.relayed);

	/* Ours first, then a critical unknown one: still dropped. */
	len = put_base(buf, 2, ETH_P_IP);
	put_opt(buf + 8, XCLOUD_GENEVE_OPT_CLASS, XCLOUD_GENEVE_OPT_RELAYED,
		0);
	put_opt(buf + 12, 0x0000, 0xff, 0);
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out),
			XCLOUD_STATS_A_RX_CRITICAL_OPT);

	/* Another type of our class is just an unknown option. */
	len = put_base(buf, 1, ETH_P_IP);
	put_opt(buf + 8, XCLOUD_GENEVE_OPT_CLASS, 0x02, 0);
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out), 0U);
	KUNIT_EXPECT_FALSE(test, out.relayed);

	/* Our option with data (a newer sender): still recognised. */
	len = put_base(buf, 2, ETH_P_IP);
	put_opt(buf + 8, XCLOUD_GENEVE_OPT_CLASS, XCLOUD_GENEVE_OPT_RELAYED,
		1);
	KUNIT_EXPECT_EQ(test, xcloud_geneve_parse(buf, len, &out), 0U);
	KUNIT_EXPECT_TRUE(test, out.relayed);
}

static struct kunit_case encap_test_cases[] = {
	KUNIT_CASE(encap_test_round_trip),
	KUNIT_CASE(encap_test_wire_bytes),
	KUNIT_CASE(encap_test_oam_wire_bytes),
	KUNIT_CASE(encap_test_short_buffer),
	KUNIT_CASE(encap_test_vni_known_early),
	KUNIT_CASE(encap_test_bad_version),
	KUNIT_CASE(encap_test_opt_len_beyond),
	KUNIT_CASE(encap_test_bad_proto),
	KUNIT_CASE(encap_test_options),
	{}
};

static struct kunit_suite encap_test_suite = {
	.name = "xcloud_encap",
	.test_cases = encap_test_cases,
};

kunit_test_suites(&encap_test_suite);
