// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: which received packets the ingress hook may forward itself and
 * which it must leave to the IP stack (expiring TTL, options, bad
 * checksum or length, martian addresses, too big, truncated headers).
 */
#include <kunit/test.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/inet.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "addr.h"
#include "ingress.h"
#include "send.h"

#define MTU 1460

struct pkt4 {
	__be32 saddr, daddr;
	u8 ttl, ihl;
	unsigned int len;	/* tot_len */
	unsigned int extra;	/* bytes past tot_len (link-layer padding) */
	bool bad_csum;
};

static struct sk_buff *make4(struct kunit *test, const struct pkt4 *p)
{
	unsigned int hlen = p->ihl * 4;
	struct sk_buff *skb = alloc_skb(64 + p->len + p->extra, GFP_KERNEL);
	struct iphdr *iph;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, 64);
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, max(p->len, hlen) + p->extra);
	iph->version = 4;
	iph->ihl = p->ihl;
	iph->tot_len = htons(p->len);
	iph->ttl = p->ttl;
	iph->protocol = IPPROTO_UDP;
	iph->saddr = p->saddr;
	iph->daddr = p->daddr;
	ip_send_check(iph);
	if (p->bad_csum)
		iph->check ^= htons(1);
	skb->protocol = htons(ETH_P_IP);
	return skb;
}

static const struct pkt4 good4 = {
	.saddr = cpu_to_be32(0xc6336401),	/* 198.51.100.1 */
	.daddr = cpu_to_be32(0xcb007114),	/* 203.0.113.20 */
	.ttl = 64, .ihl = 5, .len = 84,
};

/* Expects the verdict of xcloud_ingress_may_take() for @p. */
static void expect4(struct kunit *test, const struct pkt4 *p, bool take,
		    const char *what)
{
	struct sk_buff *skb = make4(test, p);
	struct xcloud_addr dst;

	KUNIT_EXPECT_TRUE_MSG(test, xcloud_ip_dst(skb, &dst), "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, xcloud_ingress_may_take(skb, MTU), take,
			    "%s", what);
	kfree_skb(skb);
}

static void ingress_test_ipv4(struct kunit *test)
{
	struct sk_buff *skb = make4(test, &good4);
	struct xcloud_addr dst;
	struct pkt4 p;

	KUNIT_ASSERT_TRUE(test, xcloud_ip_dst(skb, &dst));
	KUNIT_EXPECT_EQ(test, dst.family, AF_INET);
	KUNIT_EXPECT_EQ(test, dst.ip4, good4.daddr);
	KUNIT_EXPECT_TRUE(test, xcloud_ingress_may_take(skb, MTU));
	kfree_skb(skb);

	p = good4;
	p.ttl = 2;
	expect4(test, &p, true, "TTL 2 leaves with 1");
	p = good4;
	p.ttl = 1;
	expect4(test, &p, false, "TTL 1: time exceeded is the stack's");
	p = good4;
	p.ttl = 0;
	expect4(test, &p, false, "TTL 0");
	p = good4;
	p.ihl = 6;
	p.len = 88;
	expect4(test, &p, false, "IPv4 options");
	p = good4;
	p.bad_csum = true;
	expect4(test, &p, false, "bad header checksum");
	p = good4;
	p.extra = 6;
	expect4(test, &p, true, "Ethernet padding past tot_len");
	p = good4;
	p.len = MTU;
	expect4(test, &p, true, "exactly the MTU");
	p = good4;
	p.len = MTU + 1;
	expect4(test, &p, false, "over the MTU: frag-needed is the stack's");
}

static void ingress_test_ipv4_martians(struct kunit *test)
{
	static const __be32 bad_src[] = {
		cpu_to_be32(0x7f000001),	/* loopback */
		cpu_to_be32(0x00000000),	/* this network */
		cpu_to_be32(0x00010203),
		cpu_to_be32(0xe0000001),	/* multicast */
		cpu_to_be32(0xffffffff),	/* broadcast */
	};
	static const __be32 bad_dst[] = {
		cpu_to_be32(0xe0000001), cpu_to_be32(0xffffffff),
	};
	struct pkt4 p;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_src); i++) {
		p = good4;
		p.saddr = bad_src[i];
		expect4(test, &p, false, "martian source");
	}
	for (i = 0; i < ARRAY_SIZE(bad_dst); i++) {
		p = good4;
		p.daddr = bad_dst[i];
		expect4(test, &p, false, "multicast or broadcast destination");
	}
}

static void ingress_test_ipv4_malformed(struct kunit *test)
{
	struct xcloud_addr dst;
	struct sk_buff *skb;
	struct pkt4 p;
	u8 *b;

	/* tot_len beyond the data, or below the header */
	p = good4;
	skb = make4(test, &p);
	ip_hdr(skb)->tot_len = htons(200);
	ip_send_check(ip_hdr(skb));
	KUNIT_EXPECT_TRUE(test, xcloud_ip_dst(skb, &dst));
	KUNIT_EXPECT_FALSE(test, xcloud_ingress_may_take(skb, MTU));
	ip_hdr(skb)->tot_len = htons(19);
	ip_send_check(ip_hdr(skb));
	KUNIT_EXPECT_FALSE(test, xcloud_ingress_may_take(skb, MTU));

	/* not version 4, or a header length below 5 words: not looked up */
	ip_hdr(skb)->version = 6;
	KUNIT_EXPECT_FALSE(test, xcloud_ip_dst(skb, &dst));
	ip_hdr(skb)->version = 4;
	ip_hdr(skb)->ihl = 4;
	KUNIT_EXPECT_FALSE(test, xcloud_ip_dst(skb, &dst));

	/* not IP at all */
	skb->protocol = htons(ETH_P_ARP);
	KUNIT_EXPECT_FALSE(test, xcloud_ip_dst(skb, &dst));
	kfree_skb(skb);

	/* shorter than an IPv4 header */
	skb = alloc_skb(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reset_network_header(skb);
	b = skb_put_zero(skb, 12);
	b[0] = 0x45;
	skb->protocol = htons(ETH_P_IP);
	KUNIT_EXPECT_FALSE(test, xcloud_ip_dst(skb, &dst));
	kfree_skb(skb);
}

struct pkt6 {
	const char *saddr, *daddr;
	u8 hop_limit, nexthdr;
	unsigned int payload;	/* payload_len */
	unsigned int have;	/* payload bytes present */
};

static const struct pkt6 good6 = {
	.saddr = "2001:db8:1::1", .daddr = "2001:db8:e1::20",
	.hop_limit = 64, .nexthdr = IPPROTO_UDP, .payload = 64, .have = 64,
};

static void expect6(struct kunit *test, const struct pkt6 *p, bool take,
		    const char *what)
{
	struct sk_buff *skb = alloc_skb(64 + sizeof(struct ipv6hdr) + p->have,
					GFP_KERNEL);
	struct xcloud_addr dst;
	struct ipv6hdr *ip6h;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, 64);
	skb_reset_network_header(skb);
	ip6h = skb_put_zero(skb, sizeof(*ip6h) + p->have);
	ip6h->version = 6;
	ip6h->payload_len = htons(p->payload);
	ip6h->nexthdr = p->nexthdr;
	ip6h->hop_limit = p->hop_limit;
	KUNIT_ASSERT_EQ(test, in6_pton(p->saddr, -1, ip6h->saddr.s6_addr, -1,
				       NULL), 1);
	KUNIT_ASSERT_EQ(test, in6_pton(p->daddr, -1, ip6h->daddr.s6_addr, -1,
				       NULL), 1);
	skb->protocol = htons(ETH_P_IPV6);
	KUNIT_EXPECT_TRUE_MSG(test, xcloud_ip_dst(skb, &dst), "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, dst.family, AF_INET6, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, xcloud_ingress_may_take(skb, MTU), take,
			    "%s", what);
	kfree_skb(skb);
}

static void ingress_test_ipv6(struct kunit *test)
{
	struct pkt6 p;

	expect6(test, &good6, true, "a plain IPv6 packet");
	p = good6;
	p.hop_limit = 2;
	expect6(test, &p, true, "hop limit 2 leaves with 1");
	p = good6;
	p.hop_limit = 1;
	expect6(test, &p, false, "hop limit 1: time exceeded is the stack's");
	p = good6;
	p.nexthdr = NEXTHDR_HOP;
	expect6(test, &p, false, "hop-by-hop options");
	p = good6;
	p.payload = 0;
	expect6(test, &p, false, "payload length 0 (jumbogram)");
	p = good6;
	p.payload = 100;
	expect6(test, &p, false, "payload length beyond the data");
	p = good6;
	p.payload = MTU - 40;
	p.have = MTU - 40;
	expect6(test, &p, true, "exactly the MTU");
	p = good6;
	p.payload = MTU - 39;
	p.have = MTU - 39;
	expect6(test, &p, false, "over the MTU: packet-too-big is the stack's");
	p = good6;
	p.saddr = "::1";
	expect6(test, &p, false, "loopback source");
	p = good6;
	p.saddr = "::";
	expect6(test, &p, false, "unspecified source");
	p = good6;
	p.saddr = "ff02::1";
	expect6(test, &p, false, "multicast source");
	p = good6;
	p.daddr = "ff02::1";
	expect6(test, &p, false, "multicast destination");
	p = good6;
	p.saddr = "fe80::1";
	expect6(test, &p, false, "link-local source");
	p = good6;
	p.daddr = "fe80::7";
	expect6(test, &p, false, "link-local destination");
}

static struct kunit_case ingress_test_cases[] = {
	KUNIT_CASE(ingress_test_ipv4),
	KUNIT_CASE(ingress_test_ipv4_martians),
	KUNIT_CASE(ingress_test_ipv4_malformed),
	KUNIT_CASE(ingress_test_ipv6),
	{}
};

static struct kunit_suite ingress_test_suite = {
	.name = "xcloud_ingress",
	.test_cases = ingress_test_cases,
};

kunit_test_suites(&ingress_test_suite);
