// SPDX-License-Identifier: GPL-2.0
/*
 * The batched sender of ROUTE_NEW/DEL and NHGROUP_NEW/DEL: many item
 * nests per message, so a million routes take a few hundred round trips,
 * not a million. The kernel stops a message at its first failing item and
 * points the extack at that item's nest; the offsets of the nests tell
 * which item of the caller's array it was (xc_erridx()).
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

/* The smallest item nest: its header and one attribute. */
#define XC_ITEM_MIN_BYTES 8

int xc_batch_send(struct xc *h, int ifindex, const struct xc_batch *b,
		  const void *items, size_t n)
{
	/* Offset of each item nest in the current message, for extack. */
	uint32_t *offs = malloc(sizeof(*offs) * (XC_MSG_MAX / XC_ITEM_MIN_BYTES));
	const char *item = items;
	size_t i = 0;
	int err = 0;

	xc_err_reset(h);
	if (!offs)
		return -ENOMEM;
	while (!err && i < n) {
		/* genl allows no NLM_F_REPLACE: replacing is an attribute. */
		struct nl_msg *msg = xc_genl_msg(h, b->cmd, 0, ifindex);
		struct nlattr *list;
		size_t first = i, k = 0;

		if (!msg) {
			err = h->family ? -ENOMEM : -ENOENT;
			break;
		}
		if (b->replace && nla_put_flag(msg, XCLOUD_A_REPLACE) < 0)
			err = -EMSGSIZE;
		list = xc_nest_start(msg, b->list);
		if (!list)
			err = -EMSGSIZE;
		while (!err && i < n &&
		       nlmsg_hdr(msg)->nlmsg_len + b->max_bytes <= XC_MSG_MAX) {
			offs[k++] = nlmsg_hdr(msg)->nlmsg_len;
			err = b->put(msg, item + i++ * b->item_size, b->del);
		}
		if (!err) {
			nla_nest_end(msg, list);
			err = xc_transact(h, h->gn, msg, NULL, NULL);
		}
		if (err && h->erroff >= 0) {
			/* The last item nest starting at or before it. */
			for (size_t j = k; j-- > 0;)
				if (offs[j] <= (uint32_t)h->erroff) {
					h->erridx = first + j;
					break;
				}
		}
		if (err && h->erridx < 0)
			h->erridx = first;	/* at least the message */
		nlmsg_free(msg);
	}
	free(offs);
	return err;
}

int xc_put_addrs(struct nl_msg *msg, int nest, int type,
		 const struct xc_addr *addrs, int n)
{
	struct nlattr *list = xc_nest_start(msg, nest);

	if (!list)
		return -EMSGSIZE;
	for (int i = 0; i < n; i++)
		if (xc_put_addr(msg, type, &addrs[i]) < 0)
			return -EMSGSIZE;
	nla_nest_end(msg, list);
	return 0;
}

void xc_get_addrs(const struct nlattr *nest, struct xc_addr *addrs,
		  uint8_t *n)
{
	const struct nlattr *nla;
	int rem;

	nla_for_each_nested(nla, nest, rem) {
		if (*n == XCLOUD_MAX_NEXTHOPS)
			break;
		if (!xc_get_addr(nla, &addrs[*n]))
			(*n)++;
	}
}
