/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Addresses of either family, as the forwarding table, the peers and the
 * allow-list keep them: IPv4 in the first 4 bytes, the rest zero.
 */
#ifndef _XCLOUD_ADDR_H
#define _XCLOUD_ADDR_H

#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/types.h>
#include <net/ipv6.h>

struct xcloud_addr {
	union {
		__be32 ip4;
		struct in6_addr ip6;
		u8 bytes[16];
	};
	u16 family;	/* AF_INET or AF_INET6 */
};

static inline unsigned int xcloud_addr_len(u16 family)
{
	return family == AF_INET ? 4 : 16;
}

static inline unsigned int xcloud_addr_bits(u16 family)
{
	return xcloud_addr_len(family) * 8;
}

static inline bool xcloud_addr_equal(const struct xcloud_addr *a,
				     const struct xcloud_addr *b)
{
	if (a->family != b->family)
		return false;
	/* inline compares: memcmp() is a byte loop on x86 */
	if (a->family == AF_INET)
		return a->ip4 == b->ip4;
	return ipv6_addr_equal(&a->ip6, &b->ip6);
}

static inline void xcloud_addr_set4(struct xcloud_addr *a, __be32 ip)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->ip4 = ip;
}

static inline void xcloud_addr_set6(struct xcloud_addr *a,
				    const struct in6_addr *ip)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	a->ip6 = *ip;
}

#endif /* _XCLOUD_ADDR_H */
