// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual router failure, the aggregation side (docs/eip-bgp.md): an EIP
 * whose record names standby routers moves to the first live one when
 * its router's liveness key (eip_live.c) is gone.
 *
 * Every aggregation agent watches <prefix>/eip/routers/ and decides alike,
 * so the write is a transaction that holds only if nothing changed since
 * the agent looked: the record's mod revision is the one it saw, the dead
 * router's key is still absent and the standby's present. Of several
 * agents deciding the same move, one write succeeds and the others find
 * the compare failed: one store write, exactly once. The router agents
 * follow the record as they follow any move (the new router announces
 * and NATs the EIP, the old one, if it lives, lets it go); a router that
 * comes back does not take its EIPs back: it is last of their standby
 * routers now.
 *
 * A router counts as dead when its key is deleted while the agent
 * watches (or is found deleted when a lost watch reads the store again),
 * or when it has had no key for REHOME_GRACE_S since the agent read the
 * store (a router that never started, or died while no aggregation agent
 * ran: a router just slower to start than the agent keeps its EIPs).
 * Nothing is decided while etcd does not answer.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "eip.h"
#include "agent.h"

#define REHOME_GRACE_S	30.0
#define RETRY_LOST_S	1.0	/* a compare that failed, looked at again */

/* A router seen without its liveness key. */
struct dead {
	char name[EIP_ROUTER_MAX + 1];
	double since;		/* ev_now() when it was found dead */
	bool went;		/* its key was deleted: dead at once */
};

/* A move on its way. */
struct move {
	struct xd_rehome *rh;
	struct xe_req *req;
	char eip[INET6_ADDRSTRLEN];
	char from[EIP_ROUTER_MAX + 1], to[EIP_ROUTER_MAX + 1];
	char node[INET6_ADDRSTRLEN];
	double t0;		/* when the router was found dead */
	bool went;		/* ...by its key's deletion */
	struct move *next;
};

struct xd_rehome {
	struct agent *a;
	struct xe_mirror *addrs, *routers;
	const char *p_addrs;
	char *p_routers;
	ev_timer scan;		/* the next look at the records */
	double now, due;	/* during a scan: when the next is due */
	struct dead *dead;
	size_t ndead, capdead;
	struct move *moves;
	double backoff;
	char stuck[256];	/* the last "no live standby" logged */
	struct xd_rehome_stats st;
};

/* Look again in @delay seconds, or sooner if already due sooner. */
static void schedule(struct xd_rehome *rh, double delay)
{
	struct ev_loop *ev = rh->a->ev;

	if (ev_is_active(&rh->scan)) {
		if (ev_timer_remaining(ev, &rh->scan) <= delay)
			return;
		ev_timer_stop(ev, &rh->scan);
	}
	ev_timer_set(&rh->scan, delay, 0.);
	ev_timer_start(ev, &rh->scan);
}

void xd_rehome_kick(struct xd_rehome *rh)
{
	if (rh)
		schedule(rh, 0.);
}

static struct dead *dead_find(struct xd_rehome *rh, const char *name)
{
	size_t i;

	for (i = 0; i < rh->ndead; i++)
		if (!strcmp(rh->dead[i].name, name))
			return &rh->dead[i];
	return NULL;
}

static struct dead *dead_add(struct xd_rehome *rh, const char *name,
			     double since, bool went)
{
	struct dead *d = dead_find(rh, name);

	if (d)
		return d;
	if (rh->ndead == rh->capdead) {
		size_t cap = rh->capdead ? 2 * rh->capdead : 16;
		struct dead *n = realloc(rh->dead, cap * sizeof(*n));

		if (!n)
			return NULL;
		rh->dead = n;
		rh->capdead = cap;
	}
	d = &rh->dead[rh->ndead++];
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->since = since;
	d->went = went;
	return d;
}

static void dead_remove(struct xd_rehome *rh, const char *name)
{
	struct dead *d = dead_find(rh, name);

	if (d)
		*d = rh->dead[--rh->ndead];
}

/* A router's liveness key into @key; false if it does not fit. */
static bool router_key(const struct xd_rehome *rh, const char *router,
		       char *key, size_t len)
{
	int n = snprintf(key, len, "%s%s", rh->p_routers, router);

	return n > 0 && (size_t)n < len;
}

static bool alive(struct xd_rehome *rh, const char *router)
{
	char key[512];

	return router_key(rh, router, key, sizeof(key)) &&
	       xe_mirror_get(rh->routers, key);
}

static struct move *move_find(struct xd_rehome *rh, const char *eip)
{
	struct move *m;

	for (m = rh->moves; m; m = m->next)
		if (!strcmp(m->eip, eip))
			return m;
	return NULL;
}

static void move_unlink(struct move *m)
{
	struct move **p = &m->rh->moves;

	while (*p != m)
		p = &(*p)->next;
	*p = m->next;
}

static void moved(int r, struct xe_result *res, void *arg)
{
	struct move *m = arg;
	struct xd_rehome *rh = m->rh;
	double ms = (ev_time() - m->t0) * 1e3;

	move_unlink(m);
	if (r) {
		rh->st.failed++;
		xd_log(SD_WARNING "EIP %s: moving it from router %s to %s failed: %s; retrying",
		       m->eip, m->from, m->to, xe_strerror(rh->a->etcd));
		schedule(rh, xe_backoff_next(&rh->backoff));
	} else if (res->swapped) {
		rh->st.moved++;
		rh->backoff = 0;
		xd_log(SD_NOTICE "EIP %s: router %s is gone; moved it to standby router %s (node %s), %.0f ms after %s",
		       m->eip, m->from, m->to, m->node, ms,
		       m->went ? "its liveness key went" :
				 "this agent found it without one");
	} else {
		/* The record or a router's key changed under the decision:
		 * most likely another aggregation agent moved it first. The
		 * watch brings what changed; look again then, or soon. */
		rh->st.lost++;
		xd_log("EIP %s: not moved from router %s to %s by this agent: the record or a router's liveness changed first (another aggregation agent's move?)",
		       m->eip, m->from, m->to);
		schedule(rh, RETRY_LOST_S);
	}
	free(m);
}

/* The move of one record to its standby @to, as one conditional write. */
static void move_start(struct xd_rehome *rh, const struct xe_kv *kv,
		       const char *eip, const char *from,
		       const struct eip_standby *to, size_t idx,
		       const struct dead *d)
{
	char kfrom[512], kto[512], *value = NULL;
	struct xe_cond cond[2] = {
		{ kfrom, false },	/* the dead router is still dead */
		{ kto, true },		/* the standby still lives */
	};
	struct move *m = calloc(1, sizeof(*m));
	int r;

	if (!m || !router_key(rh, from, kfrom, sizeof(kfrom)) ||
	    !router_key(rh, to->router, kto, sizeof(kto)) ||
	    eip_record_rehome(kv->value, kv->value_len, idx, &value)) {
		free(m);
		xd_log(SD_ERR "EIP %s: cannot write its record moved to %s",
		       eip, to->router);
		return;
	}
	m->rh = rh;
	m->t0 = d->since;
	m->went = d->went;
	snprintf(m->eip, sizeof(m->eip), "%s", eip);
	snprintf(m->from, sizeof(m->from), "%s", from);
	snprintf(m->to, sizeof(m->to), "%s", to->router);
	xc_addr_str(&to->node, m->node, sizeof(m->node));
	r = xe_cas_if_start(rh->a->xl, rh->a->etcd, kv->key, kv->mod_revision,
			    value, 0, cond, 2, moved, m, &m->req);
	free(value);
	if (r) {
		xd_log(SD_WARNING "EIP %s: cannot move it to %s: %s", eip,
		       to->router, xe_strerror(rh->a->etcd));
		free(m);
		schedule(rh, xe_backoff_next(&rh->backoff));
		return;
	}
	m->next = rh->moves;
	rh->moves = m;
}

static void stuck(struct xd_rehome *rh, const char *eip, const char *router,
		  size_t n)
{
	char buf[sizeof(rh->stuck)];

	snprintf(buf, sizeof(buf), "EIP %s: router %s is gone and none of its %zu standby router(s) is alive; it stays",
		 eip, router, n);
	if (strcmp(buf, rh->stuck))
		xd_log(SD_WARNING "%s", buf);
	snprintf(rh->stuck, sizeof(rh->stuck), "%s", buf);
}

static void look_at(const struct xe_kv *kv, void *arg)
{
	struct xd_rehome *rh = arg;
	const char *eip = kv->key + strlen(rh->p_addrs);
	char router[EIP_ROUTER_MAX + 1];
	struct eip_standby sb[EIP_STANDBY_MAX];
	struct eip_record rec;
	struct dead *d;
	double at;
	size_t n, i;

	if (eip_record_from_json(eip, kv->value, kv->value_len, &rec, NULL, 0,
				 NULL, 0) ||
	    eip_standby_from_json(kv->value, kv->value_len, router, sb, &n,
				  NULL, 0) || !n)
		return;	/* malformed (logged when it came) or no standby */
	if (alive(rh, router) || move_find(rh, eip))
		return;
	d = dead_add(rh, router, rh->now, false);
	if (!d)
		return;
	at = d->went ? d->since : d->since + REHOME_GRACE_S;
	if (at > rh->now) {
		if (at < rh->due)
			rh->due = at;
		return;
	}
	for (i = 0; i < n && !alive(rh, sb[i].router); i++)
		;
	if (i == n) {
		stuck(rh, eip, router, n);
		return;
	}
	move_start(rh, kv, eip, router, &sb[i], i, d);
}

static void scan_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct xd_rehome *rh = w->data;

	(void)revents;
	if (!xe_mirror_synced(rh->addrs) || !xe_mirror_synced(rh->routers) ||
	    !xe_mirror_online(rh->routers))
		return;		/* the mirrors call again when they are */
	rh->now = ev_now(ev);
	rh->due = INFINITY;
	xe_mirror_foreach(rh->addrs, look_at, rh);
	if (isfinite(rh->due))
		schedule(rh, rh->due - rh->now);
}

/* ---- the routers' liveness keys ---- */

static void router_put(struct xe_mirror *m, const struct xe_kv *kv,
		       const struct xe_kv *old, void *arg)
{
	struct xd_rehome *rh = arg;
	const char *name = kv->key + strlen(rh->p_routers);

	const struct dead *d = dead_find(rh, name);

	(void)m;
	if (!old && d && d->went)
		xd_log("router %s is alive again", name);
	dead_remove(rh, name);
	rh->stuck[0] = '\0';
	xd_rehome_kick(rh);
}

static void router_del(struct xe_mirror *m, const struct xe_kv *old,
		       void *arg)
{
	struct xd_rehome *rh = arg;
	const char *name = old->key + strlen(rh->p_routers);
	double now = ev_time();

	(void)m;
	xd_log("router %s: liveness key %s gone (its agent's lease ended)",
	       name, old->key);
	dead_remove(rh, name);
	dead_add(rh, name, now, true);
	xd_rehome_kick(rh);
}

static void routers_synced(struct xe_mirror *m, void *arg)
{
	(void)m;
	xd_rehome_kick(arg);
}

static void routers_online(struct xe_mirror *m, bool up, const char *why,
			   void *arg)
{
	(void)arg;
	if (!up)
		xd_log("store: lost %s (%s); no EIP is moved meanwhile",
		       xe_mirror_prefix(m), why);
	else
		xd_rehome_kick(arg);
}

static const struct xe_mirror_ops routers_ops = {
	.put = router_put, .del = router_del, .synced = routers_synced,
	.online = routers_online,
};

struct xd_rehome *xd_rehome_new(struct agent *a, struct xe_mirror *addrs,
				const char *p_addrs, const char *p_routers)
{
	struct xd_rehome *rh = calloc(1, sizeof(*rh));

	if (!rh)
		return NULL;
	rh->a = a;
	rh->addrs = addrs;
	rh->p_addrs = p_addrs;
	rh->p_routers = strdup(p_routers);
	ev_timer_init(&rh->scan, scan_cb, 0., 0.);
	rh->scan.data = rh;
	if (rh->p_routers)
		rh->routers = xe_mirror_new(a->xl, a->etcd, rh->p_routers,
					    &routers_ops, rh);
	if (!rh->routers) {
		xd_rehome_free(rh);
		return NULL;
	}
	return rh;
}

int xd_rehome_start(struct xd_rehome *rh)
{
	return xe_mirror_start(rh->routers);
}

void xd_rehome_stats(const struct xd_rehome *rh, struct xd_rehome_stats *st)
{
	*st = rh->st;
}

void xd_rehome_free(struct xd_rehome *rh)
{
	struct move *m;

	if (!rh)
		return;
	ev_timer_stop(rh->a->ev, &rh->scan);
	while ((m = rh->moves)) {
		rh->moves = m->next;
		xe_req_cancel(m->req);
		free(m);
	}
	xe_mirror_free(rh->routers);
	free(rh->p_routers);
	free(rh->dead);
	free(rh);
}
