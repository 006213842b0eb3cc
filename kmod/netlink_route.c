// SPDX-License-Identifier: GPL-2.0
/*
 * ROUTE_* and ALLOW_* commands of the xcloud genl family.
 *
 * ROUTE_NEW and ROUTE_DEL carry many routes per message. They are applied
 * in order and stop at the first error: the routes before it stay
 * applied, the extack message says why and its bad attribute points at
 * the failing XCLOUD_A_ROUTE nest (so userspace can tell which one).
 */
#include <net/genetlink.h>
#include <net/netlink.h>

#include "addr.h"
#include "netlink_family.h"
#include "table.h"
#include "xcloud.h"

/* The entries of XCLOUD_ROUTE_A_NEXTHOPS. */
static const struct nla_policy
xcloud_nexthops_policy[XCLOUD_ROUTE_A_NEXTHOP + 1] = {
	[XCLOUD_ROUTE_A_NEXTHOP] = XCLOUD_ADDR_POLICY,
};

const struct nla_policy xcloud_route_policy[XCLOUD_ROUTE_A_MAX + 1] = {
	[XCLOUD_ROUTE_A_DST] = XCLOUD_ADDR_POLICY,
	[XCLOUD_ROUTE_A_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[XCLOUD_ROUTE_A_TYPE] = NLA_POLICY_RANGE(NLA_U8, XCLOUD_ROUTE_GATEWAY,
						 XCLOUD_ROUTE_MAX),
	[XCLOUD_ROUTE_A_NEXTHOPS] = NLA_POLICY_NESTED(xcloud_nexthops_policy),
	[XCLOUD_ROUTE_A_NHID] = NLA_POLICY_MIN(NLA_U32, 1),
};

const struct nla_policy xcloud_prefix_policy[XCLOUD_PREFIX_A_MAX + 1] = {
	[XCLOUD_PREFIX_A_ADDR] = XCLOUD_ADDR_POLICY,
	[XCLOUD_PREFIX_A_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

static_assert(sizeof(struct xcloud_table_cursor) <=
	      sizeof_field(struct netlink_callback, ctx));

/* ---- parsing ---- */

/* Destination and prefix length; a missing prefix length means host. */
static int parse_prefix(struct nlattr *addr_attr, struct nlattr *plen_attr,
			struct nlattr *nest, struct xcloud_addr *dst, u8 *plen,
			struct netlink_ext_ack *extack)
{
	int ret;

	if (!addr_attr) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing destination");
		return -EINVAL;
	}
	ret = xcloud_nla_get_addr(addr_attr, dst, extack);
	if (ret)
		return ret;
	*plen = plen_attr ? nla_get_u8(plen_attr) :
			    xcloud_addr_bits(dst->family);
	return 0;
}

/* One XCLOUD_A_ROUTE nest; @full: a route to add (type, next hops). */
static int parse_route(struct nlattr *nest, bool full,
		       struct xcloud_route_spec *spec,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[XCLOUD_ROUTE_A_MAX + 1];
	int ret;

	memset(spec, 0, sizeof(*spec));
	if (nla_type(nest) != XCLOUD_A_ROUTE) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "expected XCLOUD_A_ROUTE");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, XCLOUD_ROUTE_A_MAX, nest,
			       xcloud_route_policy, extack);
	if (ret)
		return ret;
	ret = parse_prefix(tb[XCLOUD_ROUTE_A_DST], tb[XCLOUD_ROUTE_A_PREFIXLEN],
			   nest, &spec->dst, &spec->prefixlen, extack);
	if (ret || !full)
		return ret;

	if (tb[XCLOUD_ROUTE_A_NHID]) {
		/* The group's type, which a given type must equal. */
		if (tb[XCLOUD_ROUTE_A_NEXTHOPS]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[XCLOUD_ROUTE_A_NHID],
					    "a route names a next-hop group or next hops, not both");
			return -EINVAL;
		}
		spec->nhid = nla_get_u32(tb[XCLOUD_ROUTE_A_NHID]);
		if (tb[XCLOUD_ROUTE_A_TYPE])
			spec->type = nla_get_u8(tb[XCLOUD_ROUTE_A_TYPE]);
		return 0;
	}
	if (!tb[XCLOUD_ROUTE_A_TYPE]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing route type");
		return -EINVAL;
	}
	spec->type = nla_get_u8(tb[XCLOUD_ROUTE_A_TYPE]);
	if (tb[XCLOUD_ROUTE_A_NEXTHOPS]) {
		ret = xcloud_nla_get_nexthops(tb[XCLOUD_ROUTE_A_NEXTHOPS],
					      XCLOUD_ROUTE_A_NEXTHOP, spec->nh,
					      &spec->count, extack);
		if (ret)
			return ret;
	}
	if (!spec->count) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "route needs a next hop");
		return -EINVAL;
	}
	return 0;
}

static int parse_allowed(struct nlattr *nest, struct xcloud_route_spec *spec,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[XCLOUD_PREFIX_A_MAX + 1];
	int ret;

	memset(spec, 0, sizeof(*spec));
	if (nla_type(nest) != XCLOUD_A_PREFIX) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "expected XCLOUD_A_PREFIX");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, XCLOUD_PREFIX_A_MAX, nest,
			       xcloud_prefix_policy, extack);
	if (ret)
		return ret;
	return parse_prefix(tb[XCLOUD_PREFIX_A_ADDR],
			    tb[XCLOUD_PREFIX_A_PREFIXLEN], nest, &spec->dst,
			    &spec->prefixlen, extack);
}

/* ---- building ---- */

static int put_route(struct sk_buff *skb, const struct xcloud_route_spec *r)
{
	struct nlattr *route;

	route = nla_nest_start(skb, XCLOUD_A_ROUTE);
	if (!route)
		return -EMSGSIZE;
	if (xcloud_nla_put_addr(skb, XCLOUD_ROUTE_A_DST, &r->dst) ||
	    nla_put_u8(skb, XCLOUD_ROUTE_A_PREFIXLEN, r->prefixlen))
		goto cancel;
	if (r->nhid &&
	    (nla_put_u8(skb, XCLOUD_ROUTE_A_TYPE, r->type) ||
	     nla_put_u32(skb, XCLOUD_ROUTE_A_NHID, r->nhid)))
		goto cancel;
	if (r->count &&
	    (nla_put_u8(skb, XCLOUD_ROUTE_A_TYPE, r->type) ||
	     xcloud_nla_put_nexthops(skb, XCLOUD_ROUTE_A_NEXTHOPS,
				     XCLOUD_ROUTE_A_NEXTHOP, r->nh, r->count)))
		goto cancel;
	nla_nest_end(skb, route);
	return 0;

cancel:
	nla_nest_cancel(skb, route);
	return -EMSGSIZE;
}

static int put_prefix(struct sk_buff *skb, const struct xcloud_route_spec *r)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, XCLOUD_A_PREFIX);
	if (!nest)
		return -EMSGSIZE;
	if (xcloud_nla_put_addr(skb, XCLOUD_PREFIX_A_ADDR, &r->dst) ||
	    nla_put_u8(skb, XCLOUD_PREFIX_A_PREFIXLEN, r->prefixlen)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Event payload: XCLOUD_A_ROUTES with the one route. */
static int fill_route_event(struct sk_buff *skb, const void *arg)
{
	struct nlattr *routes;

	routes = nla_nest_start(skb, XCLOUD_A_ROUTES);
	if (!routes)
		return -EMSGSIZE;
	if (put_route(skb, arg)) {
		nla_nest_cancel(skb, routes);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, routes);
	return 0;
}

/* ---- ROUTE_NEW / ROUTE_DEL / ROUTE_FLUSH ---- */

/* One route of a ROUTE_NEW or ROUTE_DEL batch (xcloud_genl_batch()). */
static int route_one(struct xcloud_dev *xd, struct nlattr *nla,
		     struct genl_info *info)
{
	u8 cmd = info->genlhdr->cmd;
	bool add = cmd == XCLOUD_CMD_ROUTE_NEW;
	/*
	 * A flag attribute, not NLM_F_REPLACE: genl refuses nlmsg_flags
	 * beyond REQUEST/ACK/ECHO/DUMP for families without resv_start_op.
	 */
	bool replace = nla_get_flag(info->attrs[XCLOUD_A_REPLACE]);
	struct xcloud_route_spec spec;
	int ret;

	ret = parse_route(nla, add, &spec, info->extack);
	/* A removal's event tells what was removed: @spec gets it. */
	if (!ret && add)
		ret = xcloud_table_insert(&xd->routes, &spec, replace,
					  info->extack);
	else if (!ret)
		ret = xcloud_table_remove(&xd->routes, &spec.dst,
					  spec.prefixlen, &spec, info->extack);
	if (ret == -ENOSPC)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "route limit reached (the device's max-routes)");
	if (ret < 0)
		return ret;
	xcloud_genl_notify(xd, cmd, fill_route_event, &spec);
	return 0;
}

int xcloud_nl_route_new(struct sk_buff *skb, struct genl_info *info)
{
	return xcloud_genl_batch(info, XCLOUD_A_ROUTES, route_one);
}

int xcloud_nl_route_del(struct sk_buff *skb, struct genl_info *info)
{
	return xcloud_genl_batch(info, XCLOUD_A_ROUTES, route_one);
}

static void flush_event(void *arg, const struct xcloud_route_spec *r)
{
	xcloud_genl_notify(arg, XCLOUD_CMD_ROUTE_DEL, fill_route_event, r);
}

/* Routes a flush removes between two takings of the device's lock. */
#define FLUSH_BATCH 4096

/*
 * The routes present when the flush starts go, in batches: in between
 * the device's lock is free for other commands, and its deletion, which
 * ends the flush.
 */
int xcloud_nl_route_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct xcloud_dev *xd;
	bool more;
	u64 end;

	xd = xcloud_genl_dev_lock(genl_info_net(info), info->attrs,
				  info->extack);
	if (IS_ERR(xd))
		return PTR_ERR(xd);
	end = xd->routes.next_id;
	for (;;) {
		more = xcloud_table_flush_batch(&xd->routes, end, FLUSH_BATCH,
						flush_event, xd);
		if (!more)
			break;
		mutex_unlock(&xd->update_lock);
		cond_resched();
		mutex_lock(&xd->update_lock);
		if (xd->dead)
			break;	/* its tables go with it */
	}
	xcloud_genl_dev_unlock(xd);
	return 0;
}

/* ---- ROUTE_GET ---- */

/*
 * do: XCLOUD_A_DST for the longest match of an address, or XCLOUD_A_ROUTES
 * with one route (dst, prefixlen) for exactly that prefix. The reply
 * carries XCLOUD_A_IFINDEX and XCLOUD_A_ROUTES with the route.
 */
int xcloud_nl_route_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct xcloud_route_spec spec;
	struct nlattr *routes, *nla;
	struct xcloud_addr dst;
	struct xcloud_dev *xd;
	struct sk_buff *msg;
	bool exact = false;
	u8 plen = 0;
	void *hdr;
	int ret;

	if (info->attrs[XCLOUD_A_DST]) {
		ret = xcloud_nla_get_addr(info->attrs[XCLOUD_A_DST], &dst,
					  info->extack);
		if (ret)
			return ret;
	} else if (info->attrs[XCLOUD_A_ROUTES]) {
		routes = info->attrs[XCLOUD_A_ROUTES];
		nla = nla_data(routes);
		if (!nla_ok(nla, nla_len(routes))) {
			NL_SET_ERR_MSG_ATTR(info->extack, routes,
					    "expected one XCLOUD_A_ROUTE");
			return -EINVAL;
		}
		ret = parse_route(nla, false, &spec, info->extack);
		if (ret)
			return ret;
		dst = spec.dst;
		plen = spec.prefixlen;
		exact = true;
	} else {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "missing XCLOUD_A_DST or XCLOUD_A_ROUTES");
		return -EINVAL;
	}

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	xd = xcloud_genl_dev_lock(genl_info_net(info), info->attrs,
				  info->extack);
	if (IS_ERR(xd)) {
		ret = PTR_ERR(xd);
		goto err_free;
	}
	ret = xcloud_table_get(&xd->routes, &dst, exact, plen, &spec,
			       info->extack);
	if (ret)
		goto err_unlock;
	ret = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &xcloud_genl_family, 0,
				XCLOUD_CMD_ROUTE_GET);
	if (!hdr || nla_put_u32(msg, XCLOUD_A_IFINDEX, xd->dev->ifindex) ||
	    fill_route_event(msg, &spec))
		goto err_unlock;
	xcloud_genl_dev_unlock(xd);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_unlock:
	xcloud_genl_dev_unlock(xd);
err_free:
	nlmsg_free(msg);
	return ret;
}

/* ---- dumps: ROUTE_GET and ALLOW_GET ---- */

struct dump_arg {
	struct sk_buff *skb;
	int (*put)(struct sk_buff *skb, const struct xcloud_route_spec *r);
	unsigned int added;
};

static int dump_one(void *arg, const struct xcloud_route_spec *r)
{
	struct dump_arg *d = arg;

	if (d->put(d->skb, r))
		return 1;	/* full: offered again in the next message */
	d->added++;
	return 0;
}

/*
 * One message per call, as many entries as fit, resumed from the cursor
 * in cb->ctx. cb->seq carries the table's generation so that a message
 * built after a change is flagged NLM_F_DUMP_INTR.
 */
static int dump_table(struct sk_buff *skb, struct netlink_callback *cb,
		      bool allowed)
{
	struct xcloud_table_cursor *cursor = (void *)cb->ctx;
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct dump_arg d = {
		.skb = skb,
		.put = allowed ? put_prefix : put_route,
	};
	struct xcloud_table *t;
	struct xcloud_dev *xd;
	struct nlattr *nest;
	void *hdr;
	int ret;

	if (cursor->state == XCLOUD_CURSOR_DONE)
		return 0;
	xd = xcloud_genl_dev_lock(sock_net(skb->sk), info->attrs, cb->extack);
	if (IS_ERR(xd))
		return PTR_ERR(xd);
	t = allowed ? &xd->allowed : &xd->routes;

	cb->seq = t->generation;
	ret = -EMSGSIZE;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &xcloud_genl_family, NLM_F_MULTI,
			  allowed ? XCLOUD_CMD_ALLOW_GET : XCLOUD_CMD_ROUTE_GET);
	if (!hdr)
		goto out;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, XCLOUD_A_IFINDEX, xd->dev->ifindex))
		goto cancel;
	nest = nla_nest_start(skb, allowed ? XCLOUD_A_ALLOWED :
					     XCLOUD_A_ROUTES);
	if (!nest)
		goto cancel;
	xcloud_table_walk(t, cursor, dump_one, &d);
	if (!d.added) {
		/* Nothing (left) to send, or one entry too big for a message */
		nla_nest_cancel(skb, nest);
		if (cursor->state != XCLOUD_CURSOR_DONE)
			goto cancel;
		genlmsg_cancel(skb, hdr);
		ret = 0;
		goto out;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	ret = skb->len;
	goto out;

cancel:
	genlmsg_cancel(skb, hdr);
out:
	xcloud_genl_dev_unlock(xd);
	return ret;
}

int xcloud_nl_route_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	return dump_table(skb, cb, false);
}

int xcloud_nl_allow_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	return dump_table(skb, cb, true);
}

/* ---- ALLOW_NEW / ALLOW_DEL ---- */

/* One prefix of an ALLOW_NEW or ALLOW_DEL batch (xcloud_genl_batch()). */
static int allow_one(struct xcloud_dev *xd, struct nlattr *nla,
		     struct genl_info *info)
{
	struct xcloud_route_spec spec;
	int ret;

	ret = parse_allowed(nla, &spec, info->extack);
	if (!ret && info->genlhdr->cmd == XCLOUD_CMD_ALLOW_NEW)
		ret = xcloud_table_insert(&xd->allowed, &spec, false,
					  info->extack);
	else if (!ret)
		ret = xcloud_table_remove(&xd->allowed, &spec.dst,
					  spec.prefixlen, NULL, info->extack);
	if (ret == -EEXIST)
		NL_SET_ERR_MSG_MOD(info->extack, "prefix already allowed");
	if (ret == -ENOSPC)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "allow-list limit reached (the device's max-allowed)");
	return ret;
}

int xcloud_nl_allow_new(struct sk_buff *skb, struct genl_info *info)
{
	return xcloud_genl_batch(info, XCLOUD_A_ALLOWED, allow_one);
}

int xcloud_nl_allow_del(struct sk_buff *skb, struct genl_info *info)
{
	return xcloud_genl_batch(info, XCLOUD_A_ALLOWED, allow_one);
}
