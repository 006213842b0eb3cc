// SPDX-License-Identifier: GPL-2.0
/*
 * A lease kept alive from a libev timer. When etcd cannot be reached the
 * keeper keeps trying; when etcd says the lease is gone (it expired while
 * we were away) it grants a new one and tells the owner to write its keys
 * again.
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
	double every;		/* keep-alive period: ttl/3 */
	const struct xe_keeper_ops *ops;
	void *arg;
	ev_timer tick;
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

static int keeper_grant(struct xe_keeper *k)
{
	int64_t id;
	int r = xe_lease_grant(k->c, k->ttl, &id);

	if (r) {
		keeper_set_online(k, false, xe_strerror(k->c));
		return r;
	}
	k->id = id;
	keeper_set_online(k, true, "lease granted");
	if (k->ops->fresh)
		k->ops->fresh(k, id, k->arg);
	return 0;
}

static void keeper_tick(struct ev_loop *ev, ev_timer *t, int revents)
{
	struct xe_keeper *k = t->data;
	int r;

	(void)ev;
	(void)revents;
	if (!k->id) {
		r = keeper_grant(k);
		goto again;
	}
	r = xe_lease_keepalive(k->c, k->id, NULL);
	if (r == -ENOENT) {
		fprintf(stderr, "xcetcd: %s: lease %llx expired; granting a new one\n",
			k->c->name, (unsigned long long)k->id);
		k->id = 0;
		r = keeper_grant(k);
	} else if (r) {
		keeper_set_online(k, false, xe_strerror(k->c));
	} else {
		keeper_set_online(k, true, "lease kept alive");
	}
again:
	/* Tried every member: again in a second, not a third of the TTL
	 * (a leader election takes about that long). */
	t->repeat = r && k->every > 1. ? 1. : k->every;
	ev_timer_again(k->ev, t);
}

/* A previous run's lease, still alive: its keys stay where they are. */
static bool keeper_adopt(struct xe_keeper *k, int64_t id)
{
	if (!id || xe_lease_keepalive(k->c, id, NULL))
		return false;
	k->id = id;
	keeper_set_online(k, true, "lease adopted");
	if (k->ops->fresh)
		k->ops->fresh(k, id, k->arg);
	return true;
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
	ev_timer_init(&k->tick, keeper_tick, every, every);
	k->tick.data = k;
	ev_timer_start(k->ev, &k->tick);
	if (!keeper_adopt(k, adopt))
		keeper_grant(k);
	return k;
}

void xe_keeper_free(struct xe_keeper *k, bool revoke)
{
	if (!k)
		return;
	ev_timer_stop(k->ev, &k->tick);
	if (revoke && k->id)
		xe_lease_revoke(k->c, k->id);
	free(k);
}

int64_t xe_keeper_id(const struct xe_keeper *k)
{
	return k->id;
}
