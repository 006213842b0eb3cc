// SPDX-License-Identifier: GPL-2.0
/*
 * The router role (docs/eip-bgp.md): a virtual router's agent keeps the
 * records naming its router: nftables NATs them and BIRD announces their
 * host prefixes. With eip-handoff (an OVN gateway chassis, docs/ovn.md)
 * there is no NAT here: each EIP is routed onto OVN's provider bridge,
 * where the logical router's gateway port answers for it and OVN does the
 * NAT. The store, the sync and BIRD are the EIP agent's (eip_agent.c).
 *
 * The NAT table (or the handoff routes) is checked every BIRD poll and
 * applied again if it is gone or differs from what was applied (an `nft
 * delete table` or `nft flush ruleset` by hand, a provider bridge made
 * anew). The router's liveness key is kept under a lease (eip_live.c).
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include "eip_agent.h"
#include "metrics.h"

struct router {
	struct xd_eip e;		/* first: a->eip is &router.e */
	struct xd_live *live;		/* its liveness key */
	char *nat_text;			/* the NAT ruleset last applied */
	char *nat_live;			/* its listing, right after */
	const char *nat_lost;		/* why it is applied again, or NULL */
	int handoff;			/* eip-handoff's ifindex, once routed */
	bool handoff_ok;		/* pfx[] is what is routed onto it */
	bool nat_cleared;		/* eip-handoff: our NAT table is gone */
};

static struct router *router_of(struct xd_eip *e)
{
	return (struct router *)e;
}

static void add_record(const struct xe_kv *kv, void *arg)
{
	struct xd_eip *e = arg;
	char router[EIP_ROUTER_MAX + 1], a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct eip_record rec;
	struct xc_prefix p;
	size_t i;

	if (!xd_eip_record(e, kv, &rec, router, sizeof(router)) ||
	    strcmp(router, e->a->conf->router))
		return;
	/*
	 * Keys are canonical addresses, so no EIP comes twice. The NAT is
	 * 1:1: a VM address behind a second EIP is left out (the first key
	 * in the store's order keeps it), not the whole table. With
	 * eip-handoff OVN NATs, per logical router: two routers' private
	 * networks may overlap.
	 */
	for (i = 0; !e->a->conf->eip_handoff && i < e->nrec; i++) {
		if (xd_eip_same_addr(&e->rec[i].private_addr,
				     &rec.private_addr)) {
			xd_eip_skip(e, kv->key, "VM address %s already has EIP %s",
				    xc_addr_str(&rec.private_addr, a, sizeof(a)),
				    xc_addr_str(&e->rec[i].eip, b, sizeof(b)));
			return;
		}
	}
	p = eip_host_prefix(&rec.eip);	/* its EIPs as host prefixes */
	xd_eip_add(e, &rec, &p);
}

/*
 * The NAT table as the kernel has it, against its listing right after it
 * was applied: gone or different (someone ran nft by hand), it is applied
 * again by the next sync.
 */
static void nat_check(struct xd_eip *e)
{
	struct router *rt = router_of(e);
	char *live = NULL;
	int r;

	if (e->dirty || !rt->nat_text)
		return;		/* nothing applied yet, or a sync is due */
	r = eip_nat_list(&live, NULL, 0);
	if (r == -ENOENT) {
		rt->nat_lost = "was missing";
	} else if (!r && !rt->nat_live) {
		rt->nat_live = live;	/* not listed when it was applied */
		return;
	} else if (!r && strcmp(live, rt->nat_live)) {
		rt->nat_lost = "had been changed";
	}
	free(live);
	if (!rt->nat_lost)
		return;
	free(rt->nat_text);
	rt->nat_text = NULL;
	e->dirty = true;
}

/*
 * eip-handoff: the routes onto the provider bridge, against what the last
 * sync applied. A bridge made anew (OVS restarted, say) comes without
 * them; they are added again at once.
 */
static void handoff_check(struct xd_eip *e)
{
	struct router *rt = router_of(e);
	const char *dev = e->a->conf->eip_handoff;
	struct eip_route_stats st;
	int r;

	if (e->dirty || !rt->handoff_ok)
		return;		/* nothing applied yet, or a sync is due */
	if ((int)if_nametoindex(dev) != rt->handoff) {
		e->dirty = true;	/* gone or made anew: a full sync */
		return;
	}
	r = eip_sync_device_routes(rt->handoff, e->pfx, e->npfx, NULL, &st);
	if (r)
		e->dirty = true;
	else if (st.added || st.removed) {
		xd_log("handoff: routes onto %s changed by someone else (%u missing, %u stale); put right",
		       dev, st.added, st.removed);
	}
}

static void router_check(struct xd_eip *e)
{
	if (e->a->conf->eip_handoff)
		handoff_check(e);
	else
		nat_check(e);
}

/*
 * Packets of an EIP that just moved here may have come before its NAT
 * rule, and their conntrack entry (un-NATed) would hold the flow: gone
 * now. A failure costs such flows only, so it is logged, not retried.
 */
static void ct_forget(struct xd_eip *e)
{
	struct xc_addr eips[64];
	unsigned int n = 0, del;
	size_t i, k;
	int r = 0;

	for (i = 0; i < e->nrec && !r; i += k) {
		for (k = 0; k < 64 && i + k < e->nrec; k++)
			eips[k] = e->rec[i + k].eip;
		r = eip_ct_forget(eips, k, &del);
		n += del;
	}
	if (r)
		xd_log("NAT: cannot look at conntrack entries of its EIPs: %s",
		       strerror(-r));
	else if (n)
		xd_log("NAT: deleted %u conntrack entr%s made before the EIP's NAT rule",
		       n, n == 1 ? "y" : "ies");
}

/*
 * eip-handoff: no NAT of xcloud's. The EIPs' host prefixes are routed
 * onto the provider bridge: the node ARPs (or solicits) for the EIP there
 * and OVN's gateway port, bound on this chassis, answers for its NAT
 * address; OVN's logical router NATs and routes the replies.
 */
static int sync_handoff(struct xd_eip *e)
{
	struct router *rt = router_of(e);
	const char *dev = e->a->conf->eip_handoff;
	char msg[512] = "";
	struct eip_route_stats st;
	bool *refused;
	int idx, r;

	if (!rt->nat_cleared && !eip_nat_list(NULL, NULL, 0)) {
		/* Left by a node that NATed before: it would NAT again. */
		if (eip_nat_remove(msg, sizeof(msg))) {
			xd_eip_fail(e, "NAT: removing table inet %s: %s",
				    EIP_NFT_TABLE, msg);
			return -EIO;
		}
		xd_log("NAT: removed table inet %s (eip-handoff %s: OVN NATs)",
		       EIP_NFT_TABLE, dev);
	}
	rt->nat_cleared = true;
	idx = (int)if_nametoindex(dev);
	if (!idx) {
		xd_eip_fail(e, "eip-handoff %s: %s", dev, strerror(errno));
		return -ENODEV;
	}
	refused = calloc(e->npfx + 1, sizeof(*refused));
	if (!refused)
		return -ENOMEM;
	r = eip_sync_device_routes(idx, e->pfx, e->npfx, refused, &st);
	if (r) {
		free(refused);
		xd_eip_fail(e, "handoff routes onto %s: %s", dev, strerror(-r));
		return r;
	}
	xd_eip_drop_refused(e, refused);	/* an EIP without its route */
	free(refused);
	if (st.added || st.removed || rt->handoff != idx)
		xd_log("handoff: %zu EIP(s) of router %s routed onto %s (%u added, %u removed)",
		       e->npfx, e->a->conf->router, dev, st.added, st.removed);
	rt->handoff = idx;
	rt->handoff_ok = true;
	return xd_eip_bird_sync(e);
}

static int router_sync(struct xd_eip *e)
{
	struct router *rt = router_of(e);
	char msg[512] = "", *text = NULL;	/* eip_nat_render leaves it on error */
	struct timespec t;
	int r;

	rt->handoff_ok = false;	/* until pfx[] is what is routed again */
	xd_eip_lap_ms(&t);
	r = xd_eip_collect(e, e->addrs, add_record);
	if (r)
		return r;
	if (e->a->conf->eip_handoff)
		return sync_handoff(e);
	r = eip_nat_render(e->rec, e->nrec, &text);
	if (!r && (!rt->nat_text || strcmp(text, rt->nat_text))) {
		r = eip_nat_apply(e->rec, e->nrec, msg, sizeof(msg));
		if (r) {
			free(text);
		} else {
			if (rt->nat_lost)
				xd_log("NAT: table inet %s %s; restored it: %zu EIP(s) of router %s (%.0f ms)",
				       EIP_NFT_TABLE, rt->nat_lost, e->nrec,
				       e->a->conf->router, xd_eip_lap_ms(&t));
			else
				xd_log("NAT: %zu EIP(s) of router %s (%.0f ms)",
				       e->nrec, e->a->conf->router,
				       xd_eip_lap_ms(&t));
			free(rt->nat_text);
			rt->nat_text = text;
			rt->nat_lost = NULL;
			free(rt->nat_live);
			if (eip_nat_list(&rt->nat_live, NULL, 0))
				rt->nat_live = NULL;	/* nat_check lists it */
			ct_forget(e);
		}
	} else {
		free(text);
	}
	if (r) {
		xd_eip_fail(e, "NAT (table inet %s): %s%s%s", EIP_NFT_TABLE,
			    strerror(-r), *msg ? ": " : "", msg);
		return r;
	}
	return xd_eip_bird_sync(e);
}

static const struct xd_eip_role router_role = {
	.sync = router_sync, .check = router_check,
};

/* ---- lifetime ---- */

static int router_init(struct agent *a)
{
	struct router *rt = calloc(1, sizeof(*rt));
	int r;

	if (!rt)
		return -ENOMEM;
	r = xd_eip_init(a, &rt->e, &router_role);
	if (r)
		return r;
	rt->live = xd_live_new(a, rt->e.p_routers);
	return rt->live ? 0 : -ENOMEM;
}

static int router_start(struct agent *a)
{
	const struct xd_conf *conf = a->conf;
	const struct eip_bird *b = &a->eip->bird;

	if (conf->eip_handoff)
		xd_log("router agent of router %s: BIRD %s (%s), EIPs handed to %s (no NAT here)",
		       conf->router, b->socket, b->include, conf->eip_handoff);
	else
		xd_log("router agent of router %s: BIRD %s (%s), NAT table inet %s",
		       conf->router, b->socket, b->include, EIP_NFT_TABLE);
	return xd_eip_start(a);
}

static void router_fini(struct agent *a, bool revoke)
{
	struct router *rt = router_of(a->eip);

	(void)revoke;	/* its key ends with its lease (eip_live.c) */
	if (!rt)
		return;
	xd_live_free(rt->live);
	xd_eip_fini(a);
	free(rt->nat_text);
	free(rt->nat_live);
	free(rt);
}

const struct xd_role_ops xd_router_ops = {
	XD_EIP_OPS,
	.init = router_init, .start = router_start, .fini = router_fini,
	.metrics = xd_metrics_eip,
};
