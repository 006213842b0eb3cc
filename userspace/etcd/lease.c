// SPDX-License-Identifier: GPL-2.0
/*
 * A lease kept alive from a libev timer with asynchronous calls (one on
 * its way at a time; the timer waits for its answer). When etcd cannot be
 * reached the keeper keeps trying; when etcd says the lease is gone (it
 * expired while we were away) it grants a new one and tells the owner to
 * write its keys again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

struct xe_keeper {
	struct xe_loop *l;
	struct ev_loop *ev;
	struct xe_client *c;
	int64_t ttl, id;
	int64_t adopt;		/* a previous run's lease, being asked about */
	double every;		/* keep-alive period: ttl/3 */
	const struct xe_keeper_ops *ops;
	void *arg;
	ev_timer tick;
	struct xe_req *req;	/* the grant or keep-alive on its way */
	bool online, reported;
};

static void keeper_set_online(struct xe_keeper *k, bool up, const char *why)
{
	if (k->reported && k->online == up)
		return;
	k->online = up;
	k->reported = true;
	if (k->ops->online)
		k->ops->online(k, up, why, k->arg);
}

/* The next tick: in a third of the TTL, or in a second after a failure
 * (every member tried; a leader election takes about that long). */
static void keeper_next(struct xe_keeper *k, int r)
{
	k->tick.repeat = r && k->every > 1. ? 1. : k->every;
	ev_timer_again(k->ev, &k->tick);
}

static void keeper_fresh(struct xe_keeper *k, int64_t id, const char *why)
{
	k->id = id;
	keeper_set_online(k, true, why);
	if (k->ops->fresh)
		k->ops->fresh(k, id, k->arg);
}

static void keeper_granted(int r, struct xe_result *res, void *arg)
{
	struct xe_keeper *k = arg;

	k->req = NULL;
	if (r)
		keeper_set_online(k, false, xe_strerror(k->c));
	else
		keeper_fresh(k, res->id, "lease granted");
	keeper_next(k, r);
}

static void keeper_grant(struct xe_keeper *k)
{
	int r = xe_lease_grant_start(k->l, k->c, k->ttl, keeper_granted, k,
				     &k->req);

	if (r) {
		keeper_set_online(k, false, xe_strerror(k->c));
		keeper_next(k, r);
	}
}

static void keeper_kept(int r, struct xe_result *res, void *arg)
{
	struct xe_keeper *k = arg;

	(void)res;
	k->req = NULL;
	if (k->adopt) {
		/* A previous run's lease, still alive: its keys stay where
		 * they are. Else a new one. */
		int64_t id = k->adopt;

		k->adopt = 0;
		if (r) {
			keeper_grant(k);
			return;
		}
		keeper_fresh(k, id, "lease adopted");
	} else if (r == -ENOENT) {
		fprintf(stderr, "xcetcd: %s: lease %llx expired; granting a new one\n",
			k->c->name, (unsigned long long)k->id);
		k->id = 0;
		keeper_grant(k);
		return;
	} else if (r) {
		keeper_set_online(k, false, xe_strerror(k->c));
	} else {
		keeper_set_online(k, true, "lease kept alive");
	}
	keeper_next(k, r);
}

static void keeper_keepalive(struct xe_keeper *k, int64_t id)
{
	int r = xe_lease_keepalive_start(k->l, k->c, id, keeper_kept, k,
					 &k->req);

	if (r) {
		k->adopt = 0;
		keeper_set_online(k, false, xe_strerror(k->c));
		keeper_next(k, r);
	}
}

static void keeper_tick(struct ev_loop *ev, ev_timer *t, int revents)
{
	struct xe_keeper *k = t->data;

	(void)ev;
	(void)revents;
	ev_timer_stop(k->ev, t);	/* until the answer */
	if (k->req)
		return;
	if (k->id)
		keeper_keepalive(k, k->id);
	else
		keeper_grant(k);
}

struct xe_keeper *xe_keeper_new(struct xe_loop *l, struct xe_client *c,
				int64_t ttl, int64_t adopt,
				const struct xe_keeper_ops *ops, void *arg)
{
	struct xe_keeper *k = calloc(1, sizeof(*k));
	double every = ttl / 3.0;

	if (!k)
		return NULL;
	k->l = l;
	k->ev = xe_loop_ev(l);
	k->c = c;
	k->ttl = ttl;
	k->ops = ops;
	k->arg = arg;
	k->every = every;
	ev_init(&k->tick, keeper_tick);
	k->tick.data = k;
	k->adopt = adopt;
	if (adopt)
		keeper_keepalive(k, adopt);
	else
		keeper_grant(k);
	return k;
}

void xe_keeper_free(struct xe_keeper *k, bool revoke)
{
	if (!k)
		return;
	ev_timer_stop(k->ev, &k->tick);
	xe_req_cancel(k->req);
	/* At exit, with the loop done: synchronous, bounded by the call
	 * timeouts (1 s to connect, 5 s per member). */
	if (revoke && k->id)
		xe_lease_revoke(k->c, k->id);
	free(k);
}

int64_t xe_keeper_id(const struct xe_keeper *k)
{
	return k->id;
}
