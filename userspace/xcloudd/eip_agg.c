// SPDX-License-Identifier: GPL-2.0
/*
 * The aggregation role (docs/eip-bgp.md): an aggregation node's agent
 * points the pools of <prefix>/eip/pools/ into eip-device with kernel
 * routes, keeps the device's `eip` entries in line with every record of
 * <prefix>/eip/addrs/, and has BIRD announce the pools. The store, the
 * sync and BIRD are the EIP agent's (eip_agent.c).
 *
 * The aggregation agents also move the EIPs of a router whose liveness key
 * is gone to their standby routers (eip_rehome.c).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "eip_agent.h"
#include "metrics.h"

struct agg {
	struct xd_eip e;		/* first: a->eip is &agg.e */
	struct eip_dp_xcloud x;		/* the device's table */
	struct xd_rehome *rehome;	/* dead routers' EIPs */
	char ingress_err[256];		/* eip-ingress's failure, as logged */
};

static struct agg *agg_of(struct xd_eip *e)
{
	return (struct agg *)e;
}

static void add_pool(const struct xe_kv *kv, void *arg)
{
	struct xd_eip *e = arg;
	struct xc_prefix p;
	size_t i;

	if (eip_pool_from_json(kv->value, kv->value_len, &p, NULL, 0))
		return;		/* malformed: logged when it arrived */
	for (i = 0; i < e->npfx; i++)
		if (e->pfx[i].len == p.len &&
		    xd_eip_same_addr(&e->pfx[i].addr, &p.addr))
			return;	/* the same pool under another name */
	if (e->npfx == EIP_MAX_POOLS) {
		xd_eip_skip(e, kv->key, "more than %d pools", EIP_MAX_POOLS);
		return;
	}
	xd_eip_add(e, NULL, &p);
}

/* Every record, whatever its router: the entries steer each EIP. */
static void add_record(const struct xe_kv *kv, void *arg)
{
	struct eip_record rec;

	if (xd_eip_record(arg, kv, &rec, NULL, 0))
		xd_eip_add(arg, &rec, NULL);
}

/*
 * eip-ingress: the aggregation node's uplink as the device's ingress
 * device (EIP packets tunnelled where they arrive). Checked at every poll,
 * the first right at start: set when missing, again whenever the kernel
 * lost it (the device or the uplink was made anew). A failure is logged
 * once; the pool routes carry the traffic meanwhile.
 */
static void ingress_sync(struct xd_eip *e)
{
	struct agg *g = agg_of(e);
	const char *want = e->a->conf->eip_ingress;
	const char *dev = e->a->conf->eip_device;
	char err[sizeof(g->ingress_err)] = "";
	struct xc_link l;
	int idx;

	if (!want)
		return;
	idx = (int)if_nametoindex(want);
	if (!idx) {
		snprintf(err, sizeof(err), "eip-ingress %s: %s", want,
			 strerror(errno));
	} else if (xc_link_get(g->x.h, dev, &l)) {
		return;		/* no device: agg_sync says so */
	} else if (l.ingress != idx) {
		memset(&l, 0, sizeof(l));
		snprintf(l.name, sizeof(l.name), "%s", dev);
		l.mask = XC_LINK_INGRESS;
		l.ingress = idx;
		if (xc_link_set(g->x.h, &l))
			snprintf(err, sizeof(err), "eip-ingress %s on %s: %s",
				 want, dev, xc_errmsg(g->x.h));
		else
			xd_log("%s takes EIP packets at %s (ingress device)",
			       dev, want);
	}
	if (*err && strcmp(err, g->ingress_err))
		xd_log("%s; EIP packets are routed into %s meanwhile", err, dev);
	strcpy(g->ingress_err, err);
}

static int agg_sync(struct xd_eip *e)
{
	struct agg *g = agg_of(e);
	struct eip_dp dp = { &eip_dp_xcloud_ops, &g->x };
	struct eip_agg_stats st;
	const char *dev = e->a->conf->eip_device;
	bool refused[EIP_MAX_POOLS];
	int r;

	r = xd_eip_collect(e, e->pools, add_pool);
	if (!r)
		r = xd_eip_collect(e, e->addrs, add_record);
	if (r)
		return r;
	g->x.ifindex = (int)if_nametoindex(dev);
	if (!g->x.ifindex) {
		xd_eip_fail(e, "eip-device %s: %s", dev, strerror(errno));
		return -ENODEV;
	}
	r = eip_agg_sync_routes(&dp, e->rec, e->nrec, &st);
	if (r) {
		xd_eip_fail(e, "eip entries on %s: %s: %s", dev, strerror(-r),
			    xc_errmsg(g->x.h));
		return r;
	}
	if (st.added || st.replaced || st.removed)
		xd_log("eip entries on %s: %u added, %u moved, %u removed, %u kept",
		       dev, st.added, st.replaced, st.removed, st.kept);
	r = eip_agg_sync_pool_routes(g->x.ifindex, e->pfx, e->npfx, refused);
	if (r) {
		xd_eip_fail(e, "pool routes into %s: %s", dev, strerror(-r));
		return r;
	}
	xd_eip_drop_refused(e, refused);	/* a pool without its route */
	return xd_eip_bird_sync(e);
}

/* The records changed: a dead router's EIPs may be movable now. */
static void agg_changed(struct xd_eip *e)
{
	xd_rehome_kick(agg_of(e)->rehome);
}

static int agg_start_rehome(struct xd_eip *e)
{
	return xd_rehome_start(agg_of(e)->rehome);
}

static const struct xd_eip_role agg_role = {
	.sync = agg_sync, .check = ingress_sync, .start = agg_start_rehome,
	.changed = agg_changed,
};

void xd_agg_rehome_stats(struct agent *a, struct xd_rehome_stats *st)
{
	xd_rehome_stats(agg_of(a->eip)->rehome, st);
}

/* ---- lifetime ---- */

static int agg_init(struct agent *a)
{
	struct agg *g;
	int r;

	r = xc_open(&a->xc);
	if (r) {
		xd_log("cannot talk to the xcloud module: %s (is xcloud.ko loaded?)",
		       strerror(-r));
		return r;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->x.h = a->xc;
	r = xd_eip_init(a, &g->e, &agg_role);
	if (r)
		return r;
	g->rehome = xd_rehome_new(a, g->e.addrs, g->e.p_addrs,
				  g->e.p_routers);
	return g->rehome ? 0 : -ENOMEM;
}

static int agg_start(struct agent *a)
{
	const struct eip_bird *b = &a->eip->bird;

	xd_log("aggregation agent: pools into %s, BIRD %s (%s)",
	       a->conf->eip_device, b->socket, b->include);
	return xd_eip_start(a);
}

static void agg_fini(struct agent *a, bool revoke)
{
	struct agg *g = agg_of(a->eip);

	(void)revoke;
	if (!g)
		return;
	xd_rehome_free(g->rehome);	/* before the mirror it reads */
	xd_eip_fini(a);
	free(g);
}

const struct xd_role_ops xd_agg_ops = {
	XD_EIP_OPS,
	.init = agg_init, .start = agg_start, .fini = agg_fini,
	.metrics = xd_metrics_agg,
};
