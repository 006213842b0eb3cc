// SPDX-License-Identifier: GPL-2.0
/*
 * A tenant's VRF over plain rtnetlink: the kernel's "vrf" links, enslaving
 * devices to them, routes in their tables and the policy rules in front of
 * them. What xcloudd needs to give each virtual network a VRF; every
 * refusal carries the kernel's extack message (xc_errmsg()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "internal.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

static int iflink_parse(struct nlmsghdr *nlh, struct xc_iflink *l)
{
	struct ifinfomsg *ifi = nlmsg_data(nlh);
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	struct nlattr *data[IFLA_VRF_MAX + 1];

	memset(l, 0, sizeof(*l));
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return -EBADMSG;
	l->ifindex = ifi->ifi_index;
	l->up = ifi->ifi_flags & IFF_UP;
	if (tb[IFLA_IFNAME])
		snprintf(l->name, sizeof(l->name), "%s",
			 (char *)nla_data(tb[IFLA_IFNAME]));
	if (tb[IFLA_MASTER])
		l->master = (int)nla_get_u32(tb[IFLA_MASTER]);
	if (!tb[IFLA_LINKINFO] ||
	    nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) < 0)
		return 0;
	if (info[IFLA_INFO_KIND])
		snprintf(l->kind, sizeof(l->kind), "%s",
			 (char *)nla_data(info[IFLA_INFO_KIND]));
	if (!strcmp(l->kind, "vrf") && info[IFLA_INFO_DATA] &&
	    !nla_parse_nested(data, IFLA_VRF_MAX, info[IFLA_INFO_DATA], NULL) &&
	    data[IFLA_VRF_TABLE])
		l->vrf_table = nla_get_u32(data[IFLA_VRF_TABLE]);
	return 0;
}

/* An rtnetlink dump of @type with header @hdr; @master > 0 filters links
 * by their master (the kernel does it: NLM_F_DUMP_FILTERED). */
static int rt_dump(struct xc *h, int type, const void *hdr, size_t len,
		   int master, xc_reply_cb cb, void *arg)
{
	struct nl_msg *msg;
	int err = -EMSGSIZE;

	xc_err_reset(h);
	msg = nlmsg_alloc_simple(type, NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, (void *)hdr, len, NLMSG_ALIGNTO) >= 0 &&
	    (!master || nla_put_u32(msg, IFLA_MASTER, (uint32_t)master) >= 0))
		err = xc_transact(h, h->rt, msg, cb, arg);
	nlmsg_free(msg);
	return err;
}

static int iflink_get_cb(struct nlmsghdr *nlh, void *arg)
{
	return iflink_parse(nlh, arg);
}

int xc_iflink_get(struct xc *h, const char *name, struct xc_iflink *out)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg;
	int err = -EMSGSIZE;

	xc_err_reset(h);
	msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) >= 0 &&
	    nla_put_string(msg, IFLA_IFNAME, name) >= 0)
		err = xc_transact(h, h->rt, msg, iflink_get_cb, out);
	nlmsg_free(msg);
	return err;
}

/* A link request: ifindex 0 with @name creates. */
static int iflink_req(struct xc *h, int type, int flags, int ifindex,
		      const char *name, const char *kind, uint32_t table,
		      int master, int up)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nlattr *info, *data;
	struct nl_msg *msg;
	int err = -EMSGSIZE;

	xc_err_reset(h);
	if (up >= 0) {
		ifi.ifi_change = IFF_UP;
		ifi.ifi_flags = up ? IFF_UP : 0;
	}
	msg = nlmsg_alloc_simple(type, flags);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    (name && nla_put_string(msg, IFLA_IFNAME, name) < 0) ||
	    (master >= 0 && nla_put_u32(msg, IFLA_MASTER, (uint32_t)master) < 0))
		goto out;
	if (kind) {
		info = nla_nest_start(msg, IFLA_LINKINFO);
		if (!info || nla_put_string(msg, IFLA_INFO_KIND, kind) < 0)
			goto out;
		data = nla_nest_start(msg, IFLA_INFO_DATA);
		if (!data || nla_put_u32(msg, IFLA_VRF_TABLE, table) < 0)
			goto out;
		nla_nest_end(msg, data);
		nla_nest_end(msg, info);
	}
	err = xc_transact(h, h->rt, msg, NULL, NULL);
out:
	nlmsg_free(msg);
	return err;
}

int xc_vrf_add(struct xc *h, const char *name, uint32_t table)
{
	return iflink_req(h, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, name,
			  "vrf", table, -1, 1);
}

int xc_iflink_set(struct xc *h, int ifindex, int master, int up)
{
	return iflink_req(h, RTM_NEWLINK, 0, ifindex, NULL, NULL, 0, master,
			  up);
}

int xc_iflink_del(struct xc *h, int ifindex)
{
	return iflink_req(h, RTM_DELLINK, 0, ifindex, NULL, NULL, 0, -1, -1);
}

/* ---- routes of a table ---- */

static uint8_t route_scope(const struct xc_table_route *r)
{
	return r->type == RTN_UNICAST && r->oif ? RT_SCOPE_LINK :
						  RT_SCOPE_UNIVERSE;
}

int xc_table_route_change(struct xc *h, const struct xc_table_route *r,
			  bool del)
{
	struct rtmsg rtm = {
		.rtm_family = r->dst.addr.family,
		.rtm_dst_len = r->dst.len,
		.rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC,
		.rtm_protocol = r->protocol,
		.rtm_scope = del ? RT_SCOPE_NOWHERE : route_scope(r),
		.rtm_type = r->type,
	};
	struct nl_msg *msg;
	int err = -EMSGSIZE;

	xc_err_reset(h);
	if (!r->dst.addr.family)
		return xc_err_set(h, -EINVAL, "route without an address family");
	msg = del ? nlmsg_alloc_simple(RTM_DELROUTE, 0) :
		    nlmsg_alloc_simple(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, RTA_TABLE, r->table) < 0 ||
	    (r->dst.len && xc_put_addr(msg, RTA_DST, &r->dst.addr) < 0) ||
	    (r->oif && nla_put_u32(msg, RTA_OIF, (uint32_t)r->oif) < 0) ||
	    (r->priority && nla_put_u32(msg, RTA_PRIORITY, r->priority) < 0))
		goto out;
	err = xc_transact(h, h->rt, msg, NULL, NULL);
out:
	nlmsg_free(msg);
	return err;
}

struct route_walk {
	int (*cb)(const struct xc_table_route *r, void *arg);
	void *arg;
};

static int route_dump_cb(struct nlmsghdr *nlh, void *arg)
{
	struct route_walk *w = arg;
	struct rtmsg *rtm = nlmsg_data(nlh);
	struct nlattr *tb[RTA_MAX + 1];
	struct xc_table_route r = { 0 };

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse(nlh, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return 0;
	r.dst.addr.family = rtm->rtm_family;
	r.dst.len = rtm->rtm_dst_len;
	r.table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	r.type = rtm->rtm_type;
	r.protocol = rtm->rtm_protocol;
	if (tb[RTA_DST])
		xc_get_addr(tb[RTA_DST], &r.dst.addr);
	if (tb[RTA_OIF])
		r.oif = (int)nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_PRIORITY])
		r.priority = nla_get_u32(tb[RTA_PRIORITY]);
	return w->cb(&r, w->arg);
}

int xc_table_route_dump(struct xc *h, int family,
			int (*cb)(const struct xc_table_route *r, void *arg),
			void *arg)
{
	struct rtmsg rtm = { .rtm_family = (uint8_t)family };
	struct route_walk w = { cb, arg };

	return rt_dump(h, RTM_GETROUTE, &rtm, sizeof(rtm), 0, route_dump_cb,
		       &w);
}

/* ---- policy rules ---- */

struct rule_walk {
	int (*cb)(const struct xc_rule *r, void *arg);
	void *arg;
};

static int rule_dump_cb(struct nlmsghdr *nlh, void *arg)
{
	struct rule_walk *w = arg;
	struct fib_rule_hdr *frh = nlmsg_data(nlh);
	struct nlattr *tb[FRA_MAX + 1];
	struct xc_rule r = { 0 };

	if (nlh->nlmsg_type != RTM_NEWRULE ||
	    nlmsg_parse(nlh, sizeof(*frh), tb, FRA_MAX, NULL) < 0)
		return 0;
	r.family = frh->family;
	r.action = frh->action;
	r.table = tb[FRA_TABLE] ? nla_get_u32(tb[FRA_TABLE]) : frh->table;
	r.pref = tb[FRA_PRIORITY] ? nla_get_u32(tb[FRA_PRIORITY]) : 0;
	r.l3mdev = tb[FRA_L3MDEV] && nla_get_u8(tb[FRA_L3MDEV]);
	/* Only a rule that matches everything counts as plain "lookup". */
	r.selective = frh->src_len || frh->dst_len || frh->tos ||
		      tb[FRA_IIFNAME] || tb[FRA_OIFNAME] || tb[FRA_FWMARK] ||
		      tb[FRA_UID_RANGE] || tb[FRA_IP_PROTO] ||
		      tb[FRA_SPORT_RANGE] || tb[FRA_DPORT_RANGE] ||
		      (frh->flags & FIB_RULE_INVERT);
	return w->cb(&r, w->arg);
}

int xc_rule_dump(struct xc *h, int family,
		 int (*cb)(const struct xc_rule *r, void *arg), void *arg)
{
	struct fib_rule_hdr frh = { .family = (uint8_t)family };
	struct rule_walk w = { cb, arg };

	return rt_dump(h, RTM_GETRULE, &frh, sizeof(frh), 0, rule_dump_cb, &w);
}

int xc_rule_change(struct xc *h, int family, uint32_t pref, uint32_t table,
		   bool del)
{
	struct fib_rule_hdr frh = {
		.family = (uint8_t)family,
		.table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC,
		.action = FR_ACT_TO_TBL,
	};
	struct nl_msg *msg;
	int err = -EMSGSIZE;

	xc_err_reset(h);
	msg = del ? nlmsg_alloc_simple(RTM_DELRULE, 0) :
		    nlmsg_alloc_simple(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &frh, sizeof(frh), NLMSG_ALIGNTO) >= 0 &&
	    nla_put_u32(msg, FRA_PRIORITY, pref) >= 0 &&
	    nla_put_u32(msg, FRA_TABLE, table) >= 0)
		err = xc_transact(h, h->rt, msg, NULL, NULL);
	nlmsg_free(msg);
	return err;
}

struct iflink_walk {
	int (*cb)(const struct xc_iflink *l, void *arg);
	void *arg;
};

static int iflink_dump_cb(struct nlmsghdr *nlh, void *arg)
{
	struct iflink_walk *w = arg;
	struct xc_iflink l;

	if (iflink_parse(nlh, &l))
		return 0;
	return w->cb(&l, w->arg);
}

int xc_iflink_dump(struct xc *h, int master,
		   int (*cb)(const struct xc_iflink *l, void *arg), void *arg)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct iflink_walk w = { cb, arg };

	return rt_dump(h, RTM_GETLINK, &ifi, sizeof(ifi), master, iflink_dump_cb,
		       &w);
}
