// SPDX-License-Identifier: GPL-2.0
/*
 * NHGROUP_* commands of the xcloud genl family: next-hop groups as
 * objects, which routes name by id (XCLOUD_ROUTE_A_NHID).
 *
 * NHGROUP_NEW and NHGROUP_DEL carry many groups per message, applied in
 * order as routes are: the first error stops the batch, the groups before
 * it stay applied, and the extack points at the failing XCLOUD_A_NHGROUP.
 */
#include <net/genetlink.h>
#include <net/netlink.h>

#include "netlink_family.h"
#include "table.h"
#include "xcloud.h"

/* The entries of XCLOUD_NHGROUP_A_MEMBERS. */
static const struct nla_policy
xcloud_members_policy[XCLOUD_NHGROUP_A_MEMBER + 1] = {
	[XCLOUD_NHGROUP_A_MEMBER] = XCLOUD_ADDR_POLICY,
};

const struct nla_policy xcloud_nhgroup_policy[XCLOUD_NHGROUP_A_MAX + 1] = {
	[XCLOUD_NHGROUP_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[XCLOUD_NHGROUP_A_TYPE] = NLA_POLICY_RANGE(NLA_U8, XCLOUD_ROUTE_GATEWAY,
						   XCLOUD_ROUTE_MAX),
	[XCLOUD_NHGROUP_A_MEMBERS] = NLA_POLICY_NESTED(xcloud_members_policy),
	/* Read only: the kernel counts the routes. */
	[XCLOUD_NHGROUP_A_ROUTES] = { .type = NLA_REJECT },
};

/* ---- parsing ---- */

/* One XCLOUD_A_NHGROUP nest; @full: a group to set (members). */
static int parse_nhgroup(struct nlattr *nest, bool full,
			 struct xcloud_nhgroup_spec *spec,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[XCLOUD_NHGROUP_A_MAX + 1];
	int ret;

	memset(spec, 0, sizeof(*spec));
	if (nla_type(nest) != XCLOUD_A_NHGROUP) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "expected XCLOUD_A_NHGROUP");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, XCLOUD_NHGROUP_A_MAX, nest,
			       xcloud_nhgroup_policy, extack);
	if (ret)
		return ret;
	if (!tb[XCLOUD_NHGROUP_A_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing next-hop group id");
		return -EINVAL;
	}
	spec->id = nla_get_u32(tb[XCLOUD_NHGROUP_A_ID]);
	if (!full)
		return 0;
	if (tb[XCLOUD_NHGROUP_A_TYPE])
		spec->type = nla_get_u8(tb[XCLOUD_NHGROUP_A_TYPE]);
	if (tb[XCLOUD_NHGROUP_A_MEMBERS]) {
		ret = xcloud_nla_get_nexthops(tb[XCLOUD_NHGROUP_A_MEMBERS],
					      XCLOUD_NHGROUP_A_MEMBER,
					      spec->member, &spec->count,
					      extack);
		if (ret)
			return ret;
	}
	if (!spec->count) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "next-hop group needs a member");
		return -EINVAL;
	}
	return 0;
}

/* ---- building ---- */

static int put_nhgroup(struct sk_buff *skb,
		       const struct xcloud_nhgroup_spec *g)
{
	struct nlattr *group;

	group = nla_nest_start(skb, XCLOUD_A_NHGROUP);
	if (!group)
		return -EMSGSIZE;
	if (nla_put_u32(skb, XCLOUD_NHGROUP_A_ID, g->id) ||
	    nla_put_u8(skb, XCLOUD_NHGROUP_A_TYPE, g->type) ||
	    nla_put_u32(skb, XCLOUD_NHGROUP_A_ROUTES, g->routes) ||
	    xcloud_nla_put_nexthops(skb, XCLOUD_NHGROUP_A_MEMBERS,
				    XCLOUD_NHGROUP_A_MEMBER, g->member,
				    g->count)) {
		nla_nest_cancel(skb, group);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, group);
	return 0;
}

/* Event payload: XCLOUD_A_NHGROUPS with the one group. */
static int fill_nhgroup_event(struct sk_buff *skb, const void *arg)
{
	struct nlattr *groups;

	groups = nla_nest_start(skb, XCLOUD_A_NHGROUPS);
	if (!groups)
		return -EMSGSIZE;
	if (put_nhgroup(skb, arg)) {
		nla_nest_cancel(skb, groups);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, groups);
	return 0;
}

/* ---- NHGROUP_NEW / NHGROUP_DEL / NHGROUP_FLUSH ---- */

/* One group of an NHGROUP_NEW or NHGROUP_DEL batch (xcloud_genl_batch()). */
static int nhgroup_one(struct xcloud_dev *xd, struct nlattr *nla,
		       struct genl_info *info)
{
	bool replace = nla_get_flag(info->attrs[XCLOUD_A_REPLACE]);
	u8 cmd = info->genlhdr->cmd;
	bool add = cmd == XCLOUD_CMD_NHGROUP_NEW;
	struct xcloud_table *t = &xd->routes;
	struct xcloud_nhgroup_spec spec;
	int ret;

	ret = parse_nhgroup(nla, add, &spec, info->extack);
	if (!ret && add)
		ret = xcloud_nhgroup_set(t, &spec, replace, info->extack);
	else if (!ret)
		ret = xcloud_nhgroup_del(t, spec.id, &spec, info->extack);
	if (ret < 0)
		return ret;
	/* The event tells the group as it now is. */
	if (add)
		xcloud_nhgroup_get(t, spec.id, &spec);
	xcloud_genl_notify(xd, cmd, fill_nhgroup_event, &spec);
	return 0;
}

int xcloud_nl_nhgroup_new(struct sk_buff *skb, struct genl_info *info)
{
	return xcloud_genl_batch(info, XCLOUD_A_NHGROUPS, nhgroup_one);
}

int xcloud_nl_nhgroup_del(struct sk_buff *skb, struct genl_info *info)
{
	return xcloud_genl_batch(info, XCLOUD_A_NHGROUPS, nhgroup_one);
}

static void flush_event(void *arg, const struct xcloud_nhgroup_spec *g)
{
	xcloud_genl_notify(arg, XCLOUD_CMD_NHGROUP_DEL, fill_nhgroup_event, g);
}

int xcloud_nl_nhgroup_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct xcloud_dev *xd;
	unsigned int kept;

	xd = xcloud_genl_dev_lock(genl_info_net(info), info->attrs,
				  info->extack);
	if (IS_ERR(xd))
		return PTR_ERR(xd);
	kept = xcloud_nhgroup_flush(&xd->routes, flush_event, xd);
	xcloud_genl_dev_unlock(xd);
	if (kept) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "next-hop groups that routes name stay");
		return -EBUSY;
	}
	return 0;
}

/* ---- NHGROUP_GET dump ---- */

struct dump_arg {
	struct sk_buff *skb;
	unsigned int added;
};

static int dump_one(void *arg, const struct xcloud_nhgroup_spec *g)
{
	struct dump_arg *d = arg;

	if (put_nhgroup(d->skb, g))
		return 1;	/* full: offered again in the next message */
	d->added++;
	return 0;
}

/*
 * One message per call, resumed at the group id in cb->args[0]
 * (cb->args[1] set: done). cb->seq carries the groups' generation, so a
 * message built after a change is flagged NLM_F_DUMP_INTR.
 */
int xcloud_nl_nhgroup_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct dump_arg d = { .skb = skb };
	unsigned long next = cb->args[0];
	struct xcloud_dev *xd;
	struct nlattr *nest;
	int ret, more;
	void *hdr;

	if (cb->args[1])
		return 0;
	xd = xcloud_genl_dev_lock(sock_net(skb->sk), info->attrs, cb->extack);
	if (IS_ERR(xd))
		return PTR_ERR(xd);

	cb->seq = xd->routes.group_generation;
	ret = -EMSGSIZE;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &xcloud_genl_family, NLM_F_MULTI,
			  XCLOUD_CMD_NHGROUP_GET);
	if (!hdr)
		goto out;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, XCLOUD_A_IFINDEX, xd->dev->ifindex))
		goto cancel;
	nest = nla_nest_start(skb, XCLOUD_A_NHGROUPS);
	if (!nest)
		goto cancel;
	more = xcloud_nhgroup_walk(&xd->routes, &next, dump_one, &d);
	cb->args[0] = next;
	cb->args[1] = !more;
	if (!d.added) {
		/* Nothing (left) to send, or one group too big for a message */
		nla_nest_cancel(skb, nest);
		if (more)
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
