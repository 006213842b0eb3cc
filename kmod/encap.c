// SPDX-License-Identifier: GPL-2.0
/*
 * GENEVE (RFC 8926) header build and parse, over plain bytes laid out as
 * the kernel's struct genevehdr and struct geneve_opt (<net/geneve.h>).
 *
 * xcloud sends the base header and, on a gateway's relay, one option of
 * its own with no data: "this packet has already taken its second hop".
 */
#include <linux/if_ether.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <net/geneve.h>
#include <uapi/linux/xcloud.h>

#include "common.h"
#include "encap.h"

void xcloud_geneve_build(void *buf, struct xcloud_geneve_info *info)
{
	unsigned int optlen = info->relayed ? XCLOUD_GENEVE_OPT_HLEN : 0;
	struct genevehdr *gh = buf;

	info->hdrlen = XCLOUD_GENEVE_HLEN + optlen;
	/* version 0, reserved bits clear, options not critical */
	memset(gh, 0, sizeof(*gh));
	gh->opt_len = optlen / 4;
	gh->oam = info->oam;
	gh->proto_type = info->proto;
	gh->vni[0] = info->vni >> 16;
	gh->vni[1] = info->vni >> 8;
	gh->vni[2] = info->vni;
	if (info->relayed) {
		struct geneve_opt *opt = gh->options;

		memset(opt, 0, sizeof(*opt));
		opt->opt_class = htons(XCLOUD_GENEVE_OPT_CLASS);
		opt->type = XCLOUD_GENEVE_OPT_RELAYED;	/* no data */
	}
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_geneve_build);

/* Walk the options; set info->relayed, refuse unknown critical ones. */
static unsigned int geneve_parse_opts(const u8 *p, unsigned int len,
				      struct xcloud_geneve_info *info)
{
	while (len) {
		const struct geneve_opt *opt = (const void *)p;
		unsigned int olen;

		if (len < sizeof(*opt))
			return XCLOUD_STATS_A_RX_TRUNCATED;
		olen = sizeof(*opt) + opt->length * 4;
		if (olen > len)
			return XCLOUD_STATS_A_RX_TRUNCATED;
		if (opt->opt_class == htons(XCLOUD_GENEVE_OPT_CLASS) &&
		    opt->type == XCLOUD_GENEVE_OPT_RELAYED)
			info->relayed = true;
		else if (opt->type & GENEVE_CRIT_OPT_TYPE)
			return XCLOUD_STATS_A_RX_CRITICAL_OPT;
		p += olen;
		len -= olen;
	}
	return 0;
}

unsigned int xcloud_geneve_parse(const void *buf, unsigned int len,
				 struct xcloud_geneve_info *info)
{
	const struct genevehdr *gh = buf;
	unsigned int hdrlen;

	memset(info, 0, sizeof(*info));
	if (len < XCLOUD_GENEVE_HLEN)
		return XCLOUD_STATS_A_RX_TRUNCATED;
	/* Another version may lay the rest out differently: check it first. */
	if (gh->ver)
		return XCLOUD_STATS_A_RX_BAD_VERSION;
	/* Known from here on, so later drops can be counted on a device. */
	info->vni = (gh->vni[0] << 16) | (gh->vni[1] << 8) | gh->vni[2];
	hdrlen = XCLOUD_GENEVE_HLEN + gh->opt_len * 4;
	if (len < hdrlen)
		return XCLOUD_STATS_A_RX_TRUNCATED;

	info->proto = gh->proto_type;
	/*
	 * OAM frames are control traffic, never tenant payload: only our
	 * liveness probes are taken, and only with the OAM bit.
	 */
	info->oam = gh->oam;
	if (info->oam ? info->proto != htons(XCLOUD_GENEVE_OAM_PROTO) :
	    info->proto != htons(ETH_P_IP) && info->proto != htons(ETH_P_IPV6))
		return XCLOUD_STATS_A_RX_BAD_PROTO;

	info->hdrlen = hdrlen;
	return geneve_parse_opts((const u8 *)gh->options,
				 hdrlen - XCLOUD_GENEVE_HLEN, info);
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_geneve_parse);

enum skb_drop_reason xcloud_drop_reason(unsigned int counter)
{
	switch (counter) {
	case XCLOUD_STATS_A_RX_TRUNCATED:
		return SKB_DROP_REASON_PKT_TOO_SMALL;
	case XCLOUD_STATS_A_RX_BAD_VERSION:
	case XCLOUD_STATS_A_RX_BAD_PROTO:
	case XCLOUD_STATS_A_RX_CRITICAL_OPT:
		return SKB_DROP_REASON_UNHANDLED_PROTO;
	case XCLOUD_STATS_A_RX_UNKNOWN_VNI:
		return SKB_DROP_REASON_NO_SOCKET;
	case XCLOUD_STATS_A_RX_SPOOFED:
	case XCLOUD_STATS_A_RX_SRC_UNROUTED:
	case XCLOUD_STATS_A_RX_SRC_MISMATCH:
		/* what rp_filter would have done to the inner packet */
		return SKB_DROP_REASON_IP_RPFILTER;
	case XCLOUD_STATS_A_RX_NO_ROUTE:
		return SKB_DROP_REASON_IP_INNOROUTES;
	case XCLOUD_STATS_A_TX_NO_ROUTE:
		return SKB_DROP_REASON_IP_OUTNOROUTES;
	case XCLOUD_STATS_A_TX_TOO_BIG:
		return SKB_DROP_REASON_PKT_TOO_BIG;
	}
	/* rx_hop_limit, tx_errors: 6.1 has no better name */
	return SKB_DROP_REASON_NOT_SPECIFIED;
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_drop_reason);
