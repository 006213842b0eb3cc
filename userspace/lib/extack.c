// SPDX-License-Identifier: GPL-2.0
/*
 * The one reader of a netlink error's extack (the attributes after the
 * struct nlmsgerr): the kernel's message and the offset of the attribute
 * it blames. The echoed request sits between the two unless the socket
 * asked for NETLINK_CAP_ACK (NLM_F_CAPPED).
 */
#include <linux/netlink.h>

#include "libxcloud.h"

void xc_extack(const struct nlmsghdr *nh, const char **msg, int64_t *off)
{
	const struct nlmsgerr *e = NLMSG_DATA(nh);
	size_t at = NLMSG_HDRLEN + sizeof(*e);
	const struct nlattr *a;
	size_t left;

	*msg = NULL;
	*off = -1;
	if (nh->nlmsg_len < at || !(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nh->nlmsg_flags & NLM_F_CAPPED))
		at += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (nh->nlmsg_len < at)
		return;
	left = nh->nlmsg_len - at;
	a = (const void *)((const char *)nh + at);
	while (left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= left) {
		const char *data = (const char *)a + NLA_HDRLEN;
		size_t len = a->nla_len - NLA_HDRLEN;
		size_t step = NLA_ALIGN(a->nla_len);

		if (a->nla_type == NLMSGERR_ATTR_MSG && len &&
		    data[len - 1] == '\0')
			*msg = data;
		if (a->nla_type == NLMSGERR_ATTR_OFFS && len >= sizeof(uint32_t))
			*off = *(const uint32_t *)data;
		if (step >= left)
			break;
		left -= step;
		a = (const void *)((const char *)a + step);
	}
}
