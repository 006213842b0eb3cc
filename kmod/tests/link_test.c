// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the "xcloud" link attributes. Every value the link type accepts
 * and every one it refuses, with the extack message and attribute a user
 * sees; the configuration defaults; applying attributes to a config.
 */
#include <kunit/test.h>
#include <linux/in6.h>
#include <linux/netlink.h>
#include <net/netlink.h>

#include "device.h"
#include "source.h"
#include "xcloud.h"

#define MAX_ATTRS 4

struct link_attr {
	u16 type;
	u8 len;
	union {
		u8 data[16];
		u32 u32;
		__be16 be16;
	};
};

struct link_case {
	const char *desc;
	struct link_attr attrs[MAX_ATTRS];
	int err;		/* 0: accepted */
	const char *msg;	/* extack message when refused */
	u16 bad_attr;		/* type of the attribute extack points at */
};

#define U8(t, v)	{ .type = (t), .len = 1, .data = { (v) } }
#define U32(t, v)	{ .type = (t), .len = 4, .u32 = (v) }
#define BE16(t, v)	{ .type = (t), .len = 2, .be16 = htons(v) }
#define IP4(t, a, b, c, d) { .type = (t), .len = 4, .data = { a, b, c, d } }
#define IP6(t, ...)	{ .type = (t), .len = 16, .data = { __VA_ARGS__ } }

#define MSG_VNI		"VNI out of range (0-16777215)"
#define MSG_PORT	"UDP port must not be 0"
#define MSG_BOTH	"give LOCAL or LOCAL6, not both"
#define MSG_LOCAL4	"local IPv4 address must be unicast"
#define MSG_ANY6	"local IPv6 address must not be ::"
#define MSG_MCAST6	"local IPv6 address must not be multicast"
#define MSG_MAPPED6	"local IPv6 address must not be v4-mapped (use LOCAL)"
#define MSG_MODE	"unknown mode (edge|gateway)"
#define MSG_TUNNELS	"unknown tunnel policy (ondemand|eager)"
#define MSG_IDLE	"idle timeout out of range (1-86400 seconds)"
#define MSG_SRCCHK	"source check is 0 (off) or 1 (on)"
#define MSG_PROBE_IVL	"probe interval out of range (0 for off, or 10-60000 ms)"
#define MSG_PROBE_MULT	"probe multiplier out of range (1-255)"

static const struct link_case link_cases[] = {
	/* accepted */
	{ "no attributes" },
	{ "vni 0", { U32(IFLA_XCLOUD_VNI, 0) } },
	{ "vni 100", { U32(IFLA_XCLOUD_VNI, 100) } },
	{ "vni max", { U32(IFLA_XCLOUD_VNI, 0xffffff) } },
	{ "port 1", { BE16(IFLA_XCLOUD_PORT, 1) } },
	{ "port 6081", { BE16(IFLA_XCLOUD_PORT, 6081) } },
	{ "port 65535", { BE16(IFLA_XCLOUD_PORT, 65535) } },
	{ "local 192.0.2.1", { IP4(IFLA_XCLOUD_LOCAL, 192, 0, 2, 1) } },
	{ "local6 2001:db8::1", { IP6(IFLA_XCLOUD_LOCAL6, 0x20, 0x01, 0x0d,
				       0xb8, [15] = 1) } },
	{ "local6 fe80::1", { IP6(IFLA_XCLOUD_LOCAL6, 0xfe, 0x80, [15] = 1) } },
	{ "mode edge", { U8(IFLA_XCLOUD_MODE, XCLOUD_MODE_EDGE) } },
	{ "mode gateway", { U8(IFLA_XCLOUD_MODE, XCLOUD_MODE_GATEWAY) } },
	{ "tunnels ondemand",
	  { U8(IFLA_XCLOUD_TUNNELS, XCLOUD_TUNNELS_ONDEMAND) } },
	{ "tunnels eager", { U8(IFLA_XCLOUD_TUNNELS, XCLOUD_TUNNELS_EAGER) } },
	{ "idle 1", { U32(IFLA_XCLOUD_IDLE_TIMEOUT, 1) } },
	{ "idle 300", { U32(IFLA_XCLOUD_IDLE_TIMEOUT, 300) } },
	{ "idle max", { U32(IFLA_XCLOUD_IDLE_TIMEOUT, 86400) } },
	{ "source check off", { U8(IFLA_XCLOUD_SOURCE_CHECK, 0) } },
	{ "source check on", { U8(IFLA_XCLOUD_SOURCE_CHECK, 1) } },
	{ "all together", { U32(IFLA_XCLOUD_VNI, 7),
			    BE16(IFLA_XCLOUD_PORT, 4789),
			    U8(IFLA_XCLOUD_MODE, XCLOUD_MODE_GATEWAY),
			    U32(IFLA_XCLOUD_IDLE_TIMEOUT, 60) } },

	/* refused */
	{ "vni max + 1", { U32(IFLA_XCLOUD_VNI, 0x1000000) },
	  -ERANGE, MSG_VNI, IFLA_XCLOUD_VNI },
	{ "vni u32 max", { U32(IFLA_XCLOUD_VNI, 0xffffffff) },
	  -ERANGE, MSG_VNI, IFLA_XCLOUD_VNI },
	{ "port 0", { BE16(IFLA_XCLOUD_PORT, 0) },
	  -EINVAL, MSG_PORT, IFLA_XCLOUD_PORT },
	{ "local and local6", { IP4(IFLA_XCLOUD_LOCAL, 192, 0, 2, 1),
				IP6(IFLA_XCLOUD_LOCAL6, 0x20, 0x01, [15] = 1) },
	  -EINVAL, MSG_BOTH, IFLA_XCLOUD_LOCAL6 },
	{ "local 0.0.0.0", { IP4(IFLA_XCLOUD_LOCAL, 0, 0, 0, 0) },
	  -EINVAL, MSG_LOCAL4, IFLA_XCLOUD_LOCAL },
	{ "local 224.0.0.1", { IP4(IFLA_XCLOUD_LOCAL, 224, 0, 0, 1) },
	  -EINVAL, MSG_LOCAL4, IFLA_XCLOUD_LOCAL },
	{ "local broadcast", { IP4(IFLA_XCLOUD_LOCAL, 255, 255, 255, 255) },
	  -EINVAL, MSG_LOCAL4, IFLA_XCLOUD_LOCAL },
	{ "local6 ::", { IP6(IFLA_XCLOUD_LOCAL6, 0) },
	  -EINVAL, MSG_ANY6, IFLA_XCLOUD_LOCAL6 },
	{ "local6 ff02::1", { IP6(IFLA_XCLOUD_LOCAL6, 0xff, 0x02, [15] = 1) },
	  -EINVAL, MSG_MCAST6, IFLA_XCLOUD_LOCAL6 },
	{ "local6 ::ffff:192.0.2.1",
	  { IP6(IFLA_XCLOUD_LOCAL6, [10] = 0xff, [11] = 0xff, [12] = 192,
		[13] = 0, [14] = 2, [15] = 1) },
	  -EINVAL, MSG_MAPPED6, IFLA_XCLOUD_LOCAL6 },
	{ "mode 2", { U8(IFLA_XCLOUD_MODE, 2) },
	  -EINVAL, MSG_MODE, IFLA_XCLOUD_MODE },
	{ "mode 255", { U8(IFLA_XCLOUD_MODE, 255) },
	  -EINVAL, MSG_MODE, IFLA_XCLOUD_MODE },
	{ "tunnels 2", { U8(IFLA_XCLOUD_TUNNELS, 2) },
	  -EINVAL, MSG_TUNNELS, IFLA_XCLOUD_TUNNELS },
	{ "idle 0", { U32(IFLA_XCLOUD_IDLE_TIMEOUT, 0) },
	  -ERANGE, MSG_IDLE, IFLA_XCLOUD_IDLE_TIMEOUT },
	{ "idle max + 1", { U32(IFLA_XCLOUD_IDLE_TIMEOUT, 86401) },
	  -ERANGE, MSG_IDLE, IFLA_XCLOUD_IDLE_TIMEOUT },
	{ "source check 2", { U8(IFLA_XCLOUD_SOURCE_CHECK, 2) },
	  -EINVAL, MSG_SRCCHK, IFLA_XCLOUD_SOURCE_CHECK },
	{ "max-routes 1", { U32(IFLA_XCLOUD_MAX_ROUTES, 1) } },
	{ "max-routes max", { U32(IFLA_XCLOUD_MAX_ROUTES, XCLOUD_LIMIT_MAX) } },
	{ "max-tunnels 1", { U32(IFLA_XCLOUD_MAX_TUNNELS, 1) } },
	{ "max-allowed max", { U32(IFLA_XCLOUD_MAX_ALLOWED, XCLOUD_LIMIT_MAX) } },
	{ "max-routes 0", { U32(IFLA_XCLOUD_MAX_ROUTES, 0) },
	  -ERANGE, "max-routes out of range (1-16777216)",
	  IFLA_XCLOUD_MAX_ROUTES },
	{ "max-routes max + 1",
	  { U32(IFLA_XCLOUD_MAX_ROUTES, XCLOUD_LIMIT_MAX + 1) },
	  -ERANGE, "max-routes out of range (1-16777216)",
	  IFLA_XCLOUD_MAX_ROUTES },
	{ "max-tunnels 0", { U32(IFLA_XCLOUD_MAX_TUNNELS, 0) },
	  -ERANGE, "max-tunnels out of range (1-16777216)",
	  IFLA_XCLOUD_MAX_TUNNELS },
	{ "max-allowed max + 1",
	  { U32(IFLA_XCLOUD_MAX_ALLOWED, XCLOUD_LIMIT_MAX + 1) },
	  -ERANGE, "max-allowed out of range (1-16777216)",
	  IFLA_XCLOUD_MAX_ALLOWED },
	{ "probe interval 0 (off)", { U32(IFLA_XCLOUD_PROBE_INTERVAL, 0) } },
	{ "probe interval 10", { U32(IFLA_XCLOUD_PROBE_INTERVAL, 10) } },
	{ "probe interval 60000",
	  { U32(IFLA_XCLOUD_PROBE_INTERVAL, 60000) } },
	{ "probe interval 9", { U32(IFLA_XCLOUD_PROBE_INTERVAL, 9) },
	  -ERANGE, MSG_PROBE_IVL, IFLA_XCLOUD_PROBE_INTERVAL },
	{ "probe interval 1", { U32(IFLA_XCLOUD_PROBE_INTERVAL, 1) },
	  -ERANGE, MSG_PROBE_IVL, IFLA_XCLOUD_PROBE_INTERVAL },
	{ "probe interval 60001",
	  { U32(IFLA_XCLOUD_PROBE_INTERVAL, 60001) },
	  -ERANGE, MSG_PROBE_IVL, IFLA_XCLOUD_PROBE_INTERVAL },
	{ "probe multiplier 1", { U8(IFLA_XCLOUD_PROBE_MULTIPLIER, 1) } },
	{ "probe multiplier 255", { U8(IFLA_XCLOUD_PROBE_MULTIPLIER, 255) } },
	{ "probe multiplier 0", { U8(IFLA_XCLOUD_PROBE_MULTIPLIER, 0) },
	  -ERANGE, MSG_PROBE_MULT, IFLA_XCLOUD_PROBE_MULTIPLIER },
	{ "one bad among good ones", { U32(IFLA_XCLOUD_VNI, 5),
				       U8(IFLA_XCLOUD_MODE, XCLOUD_MODE_EDGE),
				       U32(IFLA_XCLOUD_IDLE_TIMEOUT, 0) },
	  -ERANGE, MSG_IDLE, IFLA_XCLOUD_IDLE_TIMEOUT },
};

static void link_case_desc(const struct link_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(link, link_cases, link_case_desc);

/* Build data[] as rtnetlink hands it to the link type. */
static void build_attrs(struct kunit *test, const struct link_attr *attrs,
			struct nlattr **data)
{
	int i;

	for (i = 0; i < MAX_ATTRS && attrs[i].len; i++) {
		struct nlattr *nla;

		nla = kunit_kzalloc(test, nla_total_size(attrs[i].len),
				    GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, nla);
		nla->nla_type = attrs[i].type;
		nla->nla_len = nla_attr_size(attrs[i].len);
		memcpy(nla_data(nla), attrs[i].data, attrs[i].len);
		data[attrs[i].type] = nla;
	}
}

static void link_validate_test(struct kunit *test)
{
	const struct link_case *c = test->param_value;
	struct nlattr *data[IFLA_XCLOUD_MAX + 1] = {};
	struct netlink_ext_ack extack = {};
	int ret;

	build_attrs(test, c->attrs, data);
	ret = xcloud_link_validate(NULL, data, &extack);
	KUNIT_EXPECT_EQ(test, ret, c->err);
	if (!c->err) {
		KUNIT_EXPECT_NULL(test, extack._msg);
		return;
	}
	KUNIT_ASSERT_NOT_NULL(test, extack._msg);
	KUNIT_EXPECT_STREQ(test, extack._msg, c->msg);
	KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr,
			    (const struct nlattr *)data[c->bad_attr]);
}

static void link_validate_no_data_test(struct kunit *test)
{
	struct netlink_ext_ack extack = {};

	KUNIT_EXPECT_EQ(test, xcloud_link_validate(NULL, NULL, &extack), 0);
	KUNIT_EXPECT_NULL(test, extack._msg);
}

static void link_validate_lladdr_test(struct kunit *test)
{
	static const struct link_attr addr = {
		.type = IFLA_ADDRESS, .len = 6, .data = { 2, 0, 0, 0, 0, 1 },
	};
	struct nlattr *tb[IFLA_MAX + 1] = {};
	struct netlink_ext_ack extack = {};
	struct link_attr attrs[MAX_ATTRS] = { addr };

	build_attrs(test, attrs, tb);
	KUNIT_EXPECT_EQ(test, xcloud_link_validate(tb, NULL, &extack),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "xcloud devices have no link-layer address");
	KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr,
			    (const struct nlattr *)tb[IFLA_ADDRESS]);
}

static void link_defaults_test(struct kunit *test)
{
	struct xcloud_cfg cfg;

	memset(&cfg, 0xa5, sizeof(cfg));
	xcloud_cfg_init(&cfg);
	KUNIT_EXPECT_EQ(test, cfg.vni, 0U);
	KUNIT_EXPECT_EQ(test, ntohs(cfg.port), 6081);
	KUNIT_EXPECT_EQ(test, ntohs(cfg.port), XCLOUD_DEFAULT_PORT);
	KUNIT_EXPECT_EQ(test, cfg.local.family, 0);
	KUNIT_EXPECT_EQ(test, cfg.mode, XCLOUD_MODE_EDGE);
	KUNIT_EXPECT_EQ(test, cfg.tunnels, XCLOUD_TUNNELS_ONDEMAND);
	KUNIT_EXPECT_EQ(test, cfg.idle_timeout, 300U);
	KUNIT_EXPECT_EQ(test, cfg.idle_timeout, XCLOUD_DEFAULT_IDLE_TIMEOUT);
	/* secure by default */
	KUNIT_EXPECT_EQ(test, cfg.source_check, 1);
	/* the benchmark's million routes fit, with room */
	KUNIT_EXPECT_EQ(test, cfg.max_routes, XCLOUD_DEFAULT_MAX_ROUTES);
	KUNIT_EXPECT_GE(test, cfg.max_routes, 1000000U);
	KUNIT_EXPECT_EQ(test, cfg.max_tunnels, XCLOUD_DEFAULT_MAX_TUNNELS);
	KUNIT_EXPECT_EQ(test, cfg.max_allowed, XCLOUD_DEFAULT_MAX_ALLOWED);
	/* liveness probes on by default, 100 ms x 3 */
	KUNIT_EXPECT_EQ(test, cfg.probe_interval, 100U);
	KUNIT_EXPECT_EQ(test, cfg.probe_multiplier, 3);
}

static void link_create_needs_vni_test(struct kunit *test)
{
	static const struct link_attr mode =
		U8(IFLA_XCLOUD_MODE, XCLOUD_MODE_GATEWAY);
	struct nlattr *data[IFLA_XCLOUD_MAX + 1] = {};
	struct link_attr attrs[MAX_ATTRS] = { mode };
	struct netlink_ext_ack extack = {};
	struct xcloud_cfg cfg;

	xcloud_cfg_init(&cfg);
	KUNIT_EXPECT_EQ(test, xcloud_cfg_parse(&cfg, NULL, true, &extack),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "VNI is required (vni 0-16777215)");

	memset(&extack, 0, sizeof(extack));
	build_attrs(test, attrs, data);
	KUNIT_EXPECT_EQ(test, xcloud_cfg_parse(&cfg, data, true, &extack),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "VNI is required (vni 0-16777215)");
	/* Nothing applied from a refused request. */
	KUNIT_EXPECT_EQ(test, cfg.mode, XCLOUD_MODE_EDGE);
}

static void link_parse_applies_test(struct kunit *test)
{
	static const struct link_attr set[MAX_ATTRS] = {
		U32(IFLA_XCLOUD_VNI, 4242),
		BE16(IFLA_XCLOUD_PORT, 4789),
		IP4(IFLA_XCLOUD_LOCAL, 192, 0, 2, 7),
		U8(IFLA_XCLOUD_TUNNELS, XCLOUD_TUNNELS_EAGER),
	};
	static const struct link_attr change[MAX_ATTRS] = {
		IP6(IFLA_XCLOUD_LOCAL6, 0x20, 0x01, 0x0d, 0xb8, [15] = 9),
		U8(IFLA_XCLOUD_MODE, XCLOUD_MODE_GATEWAY),
		U32(IFLA_XCLOUD_IDLE_TIMEOUT, 30),
		U8(IFLA_XCLOUD_SOURCE_CHECK, 0),
	};
	struct nlattr *data[IFLA_XCLOUD_MAX + 1] = {};
	struct netlink_ext_ack extack = {};
	struct xcloud_cfg cfg;

	xcloud_cfg_init(&cfg);
	build_attrs(test, set, data);
	KUNIT_ASSERT_EQ(test, xcloud_cfg_parse(&cfg, data, true, &extack), 0);
	KUNIT_EXPECT_EQ(test, cfg.vni, 4242U);
	KUNIT_EXPECT_EQ(test, ntohs(cfg.port), 4789);
	KUNIT_EXPECT_EQ(test, cfg.local.family, AF_INET);
	KUNIT_EXPECT_EQ(test, ntohl(cfg.local.ip4), 0xc0000207U);
	KUNIT_EXPECT_EQ(test, cfg.tunnels, XCLOUD_TUNNELS_EAGER);
	KUNIT_EXPECT_EQ(test, cfg.mode, XCLOUD_MODE_EDGE);
	KUNIT_EXPECT_EQ(test, cfg.idle_timeout, 300U);
	KUNIT_EXPECT_EQ(test, cfg.source_check, 1);

	/* A change: what is not given stays; LOCAL6 replaces LOCAL. */
	memset(data, 0, sizeof(data));
	build_attrs(test, change, data);
	KUNIT_ASSERT_EQ(test, xcloud_cfg_parse(&cfg, data, false, &extack), 0);
	KUNIT_EXPECT_EQ(test, cfg.vni, 4242U);
	KUNIT_EXPECT_EQ(test, ntohs(cfg.port), 4789);
	KUNIT_EXPECT_EQ(test, cfg.local.family, AF_INET6);
	KUNIT_EXPECT_EQ(test, cfg.local.bytes[0], 0x20);
	KUNIT_EXPECT_EQ(test, cfg.local.bytes[15], 9);
	KUNIT_EXPECT_EQ(test, cfg.mode, XCLOUD_MODE_GATEWAY);
	KUNIT_EXPECT_EQ(test, cfg.idle_timeout, 30U);
	KUNIT_EXPECT_EQ(test, cfg.source_check, 0);

	/* A change with no attributes at all changes nothing. */
	KUNIT_EXPECT_EQ(test, xcloud_cfg_parse(&cfg, NULL, false, &extack), 0);
	KUNIT_EXPECT_EQ(test, cfg.vni, 4242U);
	KUNIT_EXPECT_NULL(test, extack._msg);
}

/* ---- IFLA_XCLOUD_GATEWAYS: a nest, so built by hand ---- */

#define GW_MAX_EXPLICIT 3

struct gw_entry {
	u16 type;
	u8 len;
	u8 data[16];
};

#define GW4(a, b, c, d)	{ IFLA_XCLOUD_GATEWAY, 4, { a, b, c, d } }
#define GW6(...)	{ IFLA_XCLOUD_GATEWAY, 16, { __VA_ARGS__ } }

struct gw_case {
	const char *desc;
	unsigned int n;			/* explicit entries */
	struct gw_entry e[GW_MAX_EXPLICIT];
	unsigned int gen;		/* then 198.51.100.1, .2, ... */
	unsigned int trailing;		/* garbage bytes after the entries */
	int err;
	const char *msg;
	int bad;			/* entry extack points at; -1: the nest */
};

#define MSG_GW_LEN	"gateway address must be 4 (IPv4) or 16 (IPv6) bytes"
#define MSG_GW_UCAST	"gateway address must be unicast (not unspecified, multicast or broadcast)"
#define MSG_GW_MAPPED	"gateway IPv6 address must not be v4-mapped (give it as IPv4)"
#define MSG_GW_MANY	"too many gateways (at most 16)"
#define MSG_GW_DUP	"duplicate gateway address"
#define MSG_GW_TYPE	"the gateway list holds GATEWAY entries only"
#define MSG_GW_TRAIL	"malformed gateway list (trailing bytes)"

static const struct gw_case gw_cases[] = {
	/* accepted */
	{ "empty: clears" },
	{ "one IPv4", 1, { GW4(10, 255, 0, 1) } },
	{ "one IPv6", 1, { GW6(0xfd, 0x00, 0, 0xff, [15] = 1) } },
	{ "IPv4 and IPv6", 2, { GW4(10, 255, 0, 1),
				GW6(0xfd, 0x00, 0, 0xff, [15] = 1) } },
	{ "16 (the most)", .gen = 16 },
	{ "IPv6 with the IPv4 one's bytes is another address", 2,
	  { GW4(10, 0, 0, 1), GW6(10, 0, 0, 1) } },

	/* refused */
	{ "17", .gen = 17, .err = -EINVAL, .msg = MSG_GW_MANY, .bad = 16 },
	{ "duplicate IPv4", 3, { GW4(10, 255, 0, 1), GW4(10, 255, 0, 2),
				 GW4(10, 255, 0, 1) },
	  .err = -EINVAL, .msg = MSG_GW_DUP, .bad = 2 },
	{ "duplicate IPv6", 2, { GW6(0xfd, [15] = 1), GW6(0xfd, [15] = 1) },
	  .err = -EINVAL, .msg = MSG_GW_DUP, .bad = 1 },
	{ "duplicate of a generated one", 1, { GW4(198, 51, 100, 3) }, 4,
	  .err = -EINVAL, .msg = MSG_GW_DUP, .bad = 3 },
	{ "5 bytes", 1, { { IFLA_XCLOUD_GATEWAY, 5, { 10, 0, 0, 1, 0 } } },
	  .err = -EINVAL, .msg = MSG_GW_LEN, .bad = 0 },
	{ "0 bytes", 2, { GW4(10, 0, 0, 1), { IFLA_XCLOUD_GATEWAY, 0 } },
	  .err = -EINVAL, .msg = MSG_GW_LEN, .bad = 1 },
	{ "entry of another type", 1, { { 2, 4, { 10, 0, 0, 1 } } },
	  .err = -EINVAL, .msg = MSG_GW_TYPE, .bad = 0 },
	{ "0.0.0.0", 1, { GW4(0, 0, 0, 0) },
	  .err = -EINVAL, .msg = MSG_GW_UCAST, .bad = 0 },
	{ "224.0.0.1", 1, { GW4(224, 0, 0, 1) },
	  .err = -EINVAL, .msg = MSG_GW_UCAST, .bad = 0 },
	{ "255.255.255.255", 1, { GW4(255, 255, 255, 255) },
	  .err = -EINVAL, .msg = MSG_GW_UCAST, .bad = 0 },
	{ "::", 1, { GW6(0) }, .err = -EINVAL, .msg = MSG_GW_UCAST, .bad = 0 },
	{ "ff02::1", 1, { GW6(0xff, 0x02, [15] = 1) },
	  .err = -EINVAL, .msg = MSG_GW_UCAST, .bad = 0 },
	{ "::ffff:10.0.0.1", 1, { GW6([10] = 0xff, [11] = 0xff, [12] = 10,
				      [15] = 1) },
	  .err = -EINVAL, .msg = MSG_GW_MAPPED, .bad = 0 },
	{ "trailing bytes", 1, { GW4(10, 0, 0, 1) }, .trailing = 3,
	  .err = -EINVAL, .msg = MSG_GW_TRAIL, .bad = -1 },
};

static void gw_case_desc(const struct gw_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gw, gw_cases, gw_case_desc);

/* The nest of @c; @entries[i] is where entry i starts. */
static struct nlattr *build_gw_nest(struct kunit *test,
				    const struct gw_case *c,
				    struct nlattr **entries)
{
	unsigned int i, n = c->n + c->gen, size = NLA_HDRLEN + c->trailing;
	struct nlattr *nest, *nla;
	u8 *p;

	for (i = 0; i < c->n; i++)
		size += nla_total_size(c->e[i].len);
	size += c->gen * nla_total_size(4);
	nest = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, nest);
	nest->nla_type = IFLA_XCLOUD_GATEWAYS | NLA_F_NESTED;
	nest->nla_len = size;
	p = nla_data(nest);
	for (i = 0; i < n; i++) {
		nla = (struct nlattr *)p;
		entries[i] = nla;
		if (i < c->n) {
			nla->nla_type = c->e[i].type;
			nla->nla_len = nla_attr_size(c->e[i].len);
			memcpy(nla_data(nla), c->e[i].data, c->e[i].len);
		} else {
			u8 ip[4] = { 198, 51, 100, i - c->n + 1 };

			nla->nla_type = IFLA_XCLOUD_GATEWAY;
			nla->nla_len = nla_attr_size(4);
			memcpy(nla_data(nla), ip, 4);
		}
		p += nla_total_size(nla_len(nla));
	}
	memset(p, 0xee, c->trailing);
	return nest;
}

static void link_gateways_test(struct kunit *test)
{
	const struct gw_case *c = test->param_value;
	struct nlattr *entries[GW_MAX_EXPLICIT + XCLOUD_MAX_GATEWAYS + 1];
	struct nlattr *data[IFLA_XCLOUD_MAX + 1] = {};
	struct netlink_ext_ack extack = {};
	struct xcloud_gateways *gws;
	unsigned int i;
	int ret;

	data[IFLA_XCLOUD_GATEWAYS] = build_gw_nest(test, c, entries);
	ret = xcloud_link_validate(NULL, data, &extack);
	KUNIT_EXPECT_EQ(test, ret, c->err);
	if (c->err) {
		KUNIT_ASSERT_NOT_NULL(test, extack._msg);
		KUNIT_EXPECT_STREQ(test, extack._msg, c->msg);
		KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr,
				    (const struct nlattr *)(c->bad < 0 ?
				    data[IFLA_XCLOUD_GATEWAYS] :
				    entries[c->bad]));
		return;
	}
	KUNIT_EXPECT_NULL(test, extack._msg);

	/* What a device then holds: every address, in the given order. */
	KUNIT_ASSERT_EQ(test, xcloud_gateways_new(data[IFLA_XCLOUD_GATEWAYS],
						  &gws), 0);
	if (!c->n && !c->gen) {
		KUNIT_EXPECT_NULL(test, gws);
		return;
	}
	KUNIT_ASSERT_NOT_NULL(test, gws);
	KUNIT_EXPECT_EQ(test, gws->count, c->n + c->gen);
	for (i = 0; i < gws->count; i++) {
		unsigned int len = nla_len(entries[i]);

		KUNIT_EXPECT_EQ(test, gws->addr[i].family,
				len == 4 ? AF_INET : AF_INET6);
		KUNIT_EXPECT_EQ(test, memcmp(gws->addr[i].bytes,
					     nla_data(entries[i]), len), 0);
		KUNIT_EXPECT_TRUE(test, xcloud_gateways_has(gws,
							    &gws->addr[i]));
	}
	kfree(gws);
}

static struct kunit_case link_test_cases[] = {
	KUNIT_CASE_PARAM(link_validate_test, link_gen_params),
	KUNIT_CASE(link_validate_no_data_test),
	KUNIT_CASE(link_validate_lladdr_test),
	KUNIT_CASE(link_defaults_test),
	KUNIT_CASE(link_create_needs_vni_test),
	KUNIT_CASE(link_parse_applies_test),
	KUNIT_CASE_PARAM(link_gateways_test, gw_gen_params),
	{}
};

static struct kunit_suite link_test_suite = {
	.name = "xcloud_link",
	.test_cases = link_test_cases,
};

kunit_test_suites(&link_test_suite);
