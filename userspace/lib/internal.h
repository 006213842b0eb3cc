/* SPDX-License-Identifier: GPL-2.0 */
/* libxcloud internals: the handle, request/reply plumbing, attribute helpers. */
#ifndef _XC_INTERNAL_H
#define _XC_INTERNAL_H

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "libxcloud.h"

struct xc {
	struct nl_sock *rt;		/* NETLINK_ROUTE: links */
	struct nl_sock *gn;		/* generic netlink: everything else */
	struct nl_sock *ev;		/* events, once subscribed */
	int family;			/* genl id of "xcloud", 0: not loaded */
	char errmsg[256];		/* extack message of the last error */
	int erroff;			/* extack offset of the last error, -1 */
	int erridx;			/* see xc_erridx() */
};

/* Called with each reply message; returns 0 or a negative errno. */
typedef int (*xc_reply_cb)(struct nlmsghdr *nlh, void *arg);

/* Send @msg on @sk and read replies until the ACK, error or DONE. */
int xc_transact(struct xc *h, struct nl_sock *sk, struct nl_msg *msg,
		xc_reply_cb cb, void *arg);

/*
 * Send the dump request @msg and call @cb on the replies of the first
 * dump the kernel did not mark NLM_F_DUMP_INTR. Replies are held until
 * the dump is complete, so @cb never sees a route twice.
 */
int xc_dump(struct xc *h, struct nl_msg *msg, xc_reply_cb cb, void *arg);

/* A genl request of @cmd (flags: NLM_F_*), with XCLOUD_A_IFINDEX if > 0. */
struct nl_msg *xc_genl_msg(struct xc *h, uint8_t cmd, int flags, int ifindex);

/* Clear the error state before a new call. */
void xc_err_reset(struct xc *h);
/* Record an error of our own (not the kernel's) with a message. */
int xc_err_set(struct xc *h, int err, const char *msg);

/* The genl family id, resolving it on first use (-ENOENT: no module). */
int xc_family(struct xc *h);

/* Attributes of a genl message, parsed into @tb (XCLOUD_A_MAX + 1). */
int xc_genl_parse(struct nlmsghdr *nlh, struct nlattr **tb, uint8_t *cmd);

int xc_put_addr(struct nl_msg *msg, int type, const struct xc_addr *a);
int xc_get_addr(const struct nlattr *nla, struct xc_addr *a);
struct nlattr *xc_nest_start(struct nl_msg *msg, int type);

/* Nest parsers shared by replies and events. */
int xc_parse_route(const struct nlattr *nla, struct xc_route *r);
int xc_parse_nhgroup(const struct nlattr *nla, struct xc_nhgroup *g);
int xc_parse_tunnel(const struct nlattr *nla, struct xc_tunnel *t);
int xc_parse_prefix(const struct nlattr *nla, struct xc_prefix *p);

/*
 * Call @fn on each entry of type @item in @tb: inside the list nest @list
 * and at top level (a message may carry either form).
 */
int xc_for_each_item(struct nlattr **tb, int list, int item,
		     int (*fn)(const struct nlattr *nla, void *arg), void *arg);

#define XC_MSG_MAX	(60 * 1024)	/* bytes per batch message */

/* What a batch sends (batch.c): @cmd with @list nests of items. */
struct xc_batch {
	uint8_t cmd;
	int list;			/* XCLOUD_A_ROUTES, XCLOUD_A_NHGROUPS */
	bool replace;			/* XCLOUD_A_REPLACE */
	bool del;			/* passed to @put: the key only */
	size_t item_size;		/* sizeof one item of the array */
	size_t max_bytes;		/* worst case of one item's nest */
	int (*put)(struct nl_msg *msg, const void *item, bool del);
};

/*
 * Send @n items, as many per message as fit, stopping at the first
 * failure; h->erridx is then the index of the item the kernel refused.
 */
int xc_batch_send(struct xc *h, int ifindex, const struct xc_batch *b,
		  const void *items, size_t n);

/* A nest @nest of @n addresses of attribute @type; and back (at most 8). */
int xc_put_addrs(struct nl_msg *msg, int nest, int type,
		 const struct xc_addr *addrs, int n);
void xc_get_addrs(const struct nlattr *nest, struct xc_addr *addrs,
		  uint8_t *n);

#endif /* _XC_INTERNAL_H */
