// SPDX-License-Identifier: GPL-2.0
/*
 * Conntrack entries a new NAT rule cannot fix (ctnetlink, over libnl's
 * core). NAT is decided at a connection's first packet: when an EIP moves
 * to this router, packets the aggregation nodes tunnel here before the
 * NAT map has the EIP make a conntrack entry without NAT, and every later
 * packet of that flow (an ICMP echo id, a TCP connection) keeps using it,
 * NAT rule or not, for as long as packets keep coming. So once the map has
 * the EIP, entries towards it that were not destination-NATed are
 * deleted; the flow's next packet is a new connection, NATed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>

#include "eip.h"

struct stale {
	int family;
	struct nlattr *tuple;	/* copy of CTA_TUPLE_ORIG */
	struct nlattr *zone;	/* copy of CTA_ZONE, or NULL */
};

struct walk {
	const struct xc_addr *eips;
	size_t n;
	struct stale *s;
	size_t ns, cap;
	int err;
};

static struct nlattr *attr_dup(const struct nlattr *a)
{
	struct nlattr *c;

	if (!a)
		return NULL;
	c = malloc(nla_total_size(nla_len(a)));
	if (c)
		memcpy(c, a, nla_total_size(nla_len(a)));
	return c;
}

/* Is the original direction's destination one of ours? */
static bool to_eip(const struct walk *w, int family, const struct nlattr *orig)
{
	struct nlattr *t[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1];
	const struct nlattr *dst;
	size_t i, len = family == AF_INET ? 4 : 16;

	if (nla_parse_nested(t, CTA_TUPLE_MAX, (struct nlattr *)orig, NULL) ||
	    !t[CTA_TUPLE_IP] ||
	    nla_parse_nested(ip, CTA_IP_MAX, t[CTA_TUPLE_IP], NULL))
		return false;
	dst = ip[family == AF_INET ? CTA_IP_V4_DST : CTA_IP_V6_DST];
	if (!dst || (size_t)nla_len(dst) != len)
		return false;
	for (i = 0; i < w->n; i++)
		if (w->eips[i].family == family &&
		    !memcmp(w->eips[i].bytes, nla_data(dst), len))
			return true;
	return false;
}

static int on_entry(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nfgenmsg *g = nlmsg_data(h);
	struct nlattr *tb[CTA_MAX + 1];
	struct walk *w = arg;
	struct stale *s;
	uint32_t status;

	if (nlmsg_parse(h, sizeof(*g), tb, CTA_MAX, NULL) ||
	    !tb[CTA_TUPLE_ORIG] || !tb[CTA_STATUS] ||
	    (g->nfgen_family != AF_INET && g->nfgen_family != AF_INET6))
		return NL_OK;
	status = ntohl(nla_get_u32(tb[CTA_STATUS]));
	if ((status & IPS_DST_NAT) ||
	    !to_eip(w, g->nfgen_family, tb[CTA_TUPLE_ORIG]))
		return NL_OK;
	if (w->ns == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;

		s = realloc(w->s, cap * sizeof(*s));
		if (!s) {
			w->err = -ENOMEM;
			return NL_STOP;
		}
		w->s = s;
		w->cap = cap;
	}
	s = &w->s[w->ns];
	s->family = g->nfgen_family;
	s->tuple = attr_dup(tb[CTA_TUPLE_ORIG]);
	s->zone = attr_dup(tb[CTA_ZONE]);
	if (!s->tuple || (tb[CTA_ZONE] && !s->zone)) {
		free(s->tuple);
		free(s->zone);
		w->err = -ENOMEM;
		return NL_STOP;
	}
	w->ns++;
	return NL_OK;
}

static struct nl_msg *ct_msg(int type, int flags, int family)
{
	struct nfgenmsg g = { .nfgen_family = family, .version = NFNETLINK_V0 };
	struct nl_msg *m = nlmsg_alloc_simple((NFNL_SUBSYS_CTNETLINK << 8) | type,
					      flags);

	if (m && nlmsg_append(m, &g, sizeof(g), NLMSG_ALIGNTO)) {
		nlmsg_free(m);
		m = NULL;
	}
	return m;
}

static int ct_delete(struct nl_sock *sk, const struct stale *s)
{
	struct nl_msg *m = ct_msg(IPCTNL_MSG_CT_DELETE, NLM_F_REQUEST | NLM_F_ACK,
				  s->family);
	int r;

	if (!m)
		return -ENOMEM;
	if (nla_put(m, CTA_TUPLE_ORIG | NLA_F_NESTED, nla_len(s->tuple),
		    nla_data(s->tuple)) ||
	    (s->zone && nla_put(m, CTA_ZONE, nla_len(s->zone),
				nla_data(s->zone)))) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	r = nl_send_auto(sk, m);
	nlmsg_free(m);
	if (r >= 0)
		r = nl_wait_for_ack(sk);
	/* Gone meanwhile (it timed out, or the flow ended): fine. */
	return r == -NLE_OBJ_NOTFOUND ? 0 : r < 0 ? -EIO : 0;
}

int eip_ct_forget(const struct xc_addr *eips, size_t n, unsigned int *deleted)
{
	struct walk w = { .eips = eips, .n = n };
	struct nl_sock *sk;
	struct nl_msg *m;
	size_t i;
	int r;

	*deleted = 0;
	if (!n)
		return 0;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_NETFILTER) ? -EIO : 0;
	m = r ? NULL : ct_msg(IPCTNL_MSG_CT_GET, NLM_F_REQUEST | NLM_F_DUMP,
			      AF_UNSPEC);
	if (!r && !m)
		r = -ENOMEM;
	if (!r) {
		nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_entry, &w);
		r = nl_send_auto(sk, m) < 0 || nl_recvmsgs_default(sk) < 0 ?
			-EIO : w.err;
	}
	nlmsg_free(m);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_DEFAULT, NULL, NULL);
	for (i = 0; i < w.ns; i++) {
		if (!r && !ct_delete(sk, &w.s[i]))
			(*deleted)++;
		free(w.s[i].tuple);
		free(w.s[i].zone);
	}
	free(w.s);
	nl_socket_free(sk);
	return r;
}
