/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GENEVE (RFC 8926) header build and parse. Pure functions over bytes,
 * so KUnit checks every malformed case without sockets.
 */
#ifndef _XCLOUD_ENCAP_H
#define _XCLOUD_ENCAP_H

#include <linux/types.h>
#include <net/dropreason.h>
#include <net/geneve.h>

#define XCLOUD_GENEVE_HLEN	sizeof(struct genevehdr)	/* 8 */
/* Our "relayed" option: an option header without data. */
#define XCLOUD_GENEVE_OPT_HLEN	sizeof(struct geneve_opt)	/* 4 */
/* The most a GENEVE header can be: base and 63 words of options. */
#define XCLOUD_GENEVE_MAX_HLEN	(XCLOUD_GENEVE_HLEN + 63 * 4)

/* Bytes the underlay adds: outer IP + UDP + GENEVE + relayed option. */
#define XCLOUD_OVERHEAD4 (20 + 8 + 8 + 4)
#define XCLOUD_OVERHEAD6 (40 + 8 + 8 + 4)

struct xcloud_geneve_info {
	u32 vni;
	__be16 proto;		/* ETH_P_IP or ETH_P_IPV6, network order */
	bool relayed;		/* carries the xcloud relayed option */
	bool oam;		/* OAM bit: a liveness probe or reply */
	unsigned int hdrlen;	/* base header + options, bytes */
};

/* Write a header for @info into @buf (info->hdrlen bytes, set by it). */
void xcloud_geneve_build(void *buf, struct xcloud_geneve_info *info);

/*
 * Parse the header at @buf of @len available bytes. Returns 0, or the
 * XCLOUD_STATS_A_* counter that names why the packet must be dropped
 * (RX_TRUNCATED, RX_BAD_VERSION, RX_BAD_PROTO, RX_CRITICAL_OPT).
 * info->vni is valid whenever @len covers the base header and the
 * version is 0, even if the packet is refused for a later reason.
 */
unsigned int xcloud_geneve_parse(const void *buf, unsigned int len,
				 struct xcloud_geneve_info *info);

/*
 * The kernel's drop reason (for drop monitors and the skb:kfree_skb
 * tracepoint) for a packet dropped and counted as XCLOUD_STATS_A_@counter.
 */
enum skb_drop_reason xcloud_drop_reason(unsigned int counter);

#endif /* _XCLOUD_ENCAP_H */
