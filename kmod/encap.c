// SPDX-License-Identifier: GPL-2.0
/*
 * GENEVE (RFC 8926) header build and parse, over plain bytes.
 *
 *  0                   1                   2                   3
 *  |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *  |        Virtual Network Identifier (VNI)       |    Reserved   |
 *  |          Option Class         |      Type     |R|R|R| Length  |
 *
 * xcloud sends the base header and, on a gateway's relay, one option of
 * its own with no data: "this packet has already taken its second hop".
 */
#include <linux/if_ether.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <uapi/linux/xcloud.h>

#include "encap.h"
#include "xcloud.h"

#define GENEVE_VER_SHIFT	6
#define GENEVE_OPTLEN_MASK	0x3f
#define GENEVE_FLAG_OAM		0x80
#define GENEVE_OPT_TYPE_CRIT	0x80
#define GENEVE_OPT_LEN_MASK	0x1f

void xcloud_geneve_build(void *buf, struct xcloud_geneve_info *info)
{
	u8 *p = buf;
	unsigned int optlen = info->relayed ? XCLOUD_GENEVE_OPT_HLEN : 0;

	info->hdrlen = XCLOUD_GENEVE_HLEN + optlen;
	p[0] = optlen / 4;		/* version 0 */
	p[1] = info->oam ? GENEVE_FLAG_OAM : 0;	/* option not critical */
	memcpy(&p[2], &info->proto, sizeof(info->proto));
	p[4] = info->vni >> 16;
	p[5] = info->vni >> 8;
	p[6] = info->vni;
	p[7] = 0;
	if (info->relayed) {
		p[8] = XCLOUD_GENEVE_OPT_CLASS >> 8;
		p[9] = XCLOUD_GENEVE_OPT_CLASS & 0xff;
		p[10] = XCLOUD_GENEVE_OPT_RELAYED;
		p[11] = 0;		/* no data */
	}
}
EXPORT_SYMBOL_IF_XCLOUD_KUNIT(xcloud_geneve_build);

/* Walk the options; set info->relayed, refuse unknown critical ones. */
static unsigned int geneve_parse_opts(const u8 *p, unsigned int len,
				      struct xcloud_geneve_info *info)
{
	while (len) {
		unsigned int class, type, olen;

		if (len < 4)
			return XCLOUD_STATS_A_RX_TRUNCATED;
		class = (p[0] << 8) | p[1];
		type = p[2];
		olen = 4 + (p[3] & GENEVE_OPT_LEN_MASK) * 4;
		if (olen > len)
			return XCLOUD_STATS_A_RX_TRUNCATED;
		if (class == XCLOUD_GENEVE_OPT_CLASS &&
		    type == XCLOUD_GENEVE_OPT_RELAYED)
			info->relayed = true;
		else if (type & GENEVE_OPT_TYPE_CRIT)
			return XCLOUD_STATS_A_RX_CRITICAL_OPT;
		p += olen;
		len -= olen;
	}
	return 0;
}

unsigned int xcloud_geneve_parse(const void *buf, unsigned int len,
				 struct xcloud_geneve_info *info)
{
	const u8 *p = buf;
	unsigned int hdrlen;

	memset(info, 0, sizeof(*info));
	if (len < XCLOUD_GENEVE_HLEN)
		return XCLOUD_STATS_A_RX_TRUNCATED;
	/* Another version may lay the rest out differently: check it first. */
	if (p[0] >> GENEVE_VER_SHIFT)
		return XCLOUD_STATS_A_RX_BAD_VERSION;
	/* Known from here on, so later drops can be counted on a device. */
	info->vni = (p[4] << 16) | (p[5] << 8) | p[6];
	hdrlen = XCLOUD_GENEVE_HLEN + (p[0] & GENEVE_OPTLEN_MASK) * 4;
	if (len < hdrlen)
		return XCLOUD_STATS_A_RX_TRUNCATED;

	memcpy(&info->proto, &p[2], sizeof(info->proto));
	/*
	 * OAM frames are control traffic, never tenant payload: only our
	 * liveness probes are taken, and only with the OAM bit.
	 */
	info->oam = p[1] & GENEVE_FLAG_OAM;
	if (info->oam ? info->proto != htons(XCLOUD_GENEVE_OAM_PROTO) :
	    info->proto != htons(ETH_P_IP) && info->proto != htons(ETH_P_IPV6))
		return XCLOUD_STATS_A_RX_BAD_PROTO;

	info->hdrlen = hdrlen;
	return geneve_parse_opts(p + XCLOUD_GENEVE_HLEN,
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
