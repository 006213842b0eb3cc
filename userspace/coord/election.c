// SPDX-License-Identifier: GPL-2.0
/*
 * Leader election on an etcd key: a coordinator with a lease writes
 * <key> = its name under that lease if the key does not exist (a
 * compare-and-swap on mod_revision 0). The lease ends when its holder
 * dies, etcd deletes the key, and the standbys, watching it, campaign.
 *
 * The leader must stop writing before another can start: it counts its
 * lease from the moment it sent the last successful keep-alive (etcd
 * counts from a later one), and steps down XE_MARGIN before that runs out
 * if no keep-alive got through meanwhile, whatever etcd still thinks.
 *
 * Every call is asynchronous: a round (a keep-alive, a look at the key,
 * a campaign) is a chain of requests, one on its way at a time, each
 * answer starting the next. A tick or a watch event during a round waits
 * for it to end; a dead or blackholed etcd only makes the round long, and
 * the deadline timer still steps down in time.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "election.h"
#include "log.h"

/* Step down this long before the lease would run out: a standby cannot
 * have the key before then, so two never write at once. */
#define EL_MARGIN 0.5

struct election {
	struct xe_loop *xl;
	struct ev_loop *ev;
	struct xe_client *c;
	char *key, *id;
	int64_t ttl, lease;
	const struct election_ops *ops;
	void *arg;
	bool leading;
	ev_timer tick;		/* keep-alive and campaign */
	ev_timer deadline;	/* the lease as the leader counts it */
	struct xe_watch *watch;
	struct xe_req *req;	/* the round's request on its way */
	struct xe_req *revoke;	/* a former lease of ours being revoked */
	double start;		/* when the round's lease call was sent */
	int64_t old;		/* the former lease the key is taken from */
	bool again;		/* campaign once the round is over */
};

static void el_log(const struct election *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void el_log(const struct election *e, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The daemons' logger (userspace/daemon/log.c). */
	xlog("election (%s in %s): %s", e->key, xe_name(e->c), msg);
}

static void el_follow(struct election *e, const char *why)
{
	ev_timer_stop(e->ev, &e->deadline);
	if (!e->leading)
		return;
	e->leading = false;
	el_log(e, "%s is no longer the leader: %s", e->id, why);
	e->ops->follow(why, e->arg);
}

static void el_deadline(struct ev_loop *ev, ev_timer *t, int revents)
{
	(void)ev;
	(void)revents;
	el_follow(t->data, "the lease was not renewed in time; stopping writes");
}

/* The lease holds until start + ttl (start: when the call was sent). */
static void el_renewed(struct election *e, double start, int64_t ttl)
{
	double left = start + ttl - EL_MARGIN - ev_time();

	if (!e->leading)
		return;
	ev_timer_stop(e->ev, &e->deadline);
	ev_timer_set(&e->deadline, left > 0 ? left : 0., 0.);
	ev_timer_start(e->ev, &e->deadline);
}

static void el_campaign(struct election *e);

/* The round is over (r: how the last call ended). */
static void el_done(struct election *e)
{
	if (e->again && !e->leading) {
		e->again = false;
		el_campaign(e);
	}
}

static void el_lead(struct election *e)
{
	e->leading = true;
	el_log(e, "%s leads (lease %llx, ttl %lld s)", e->id,
	       (unsigned long long)e->lease, (long long)e->ttl);
	el_renewed(e, e->start, e->ttl);
	e->ops->lead(e->arg);
}

static void el_revoked(int r, struct xe_result *res, void *arg)
{
	struct election *e = arg;

	(void)r;
	(void)res;
	e->revoke = NULL;
}

/* The key taken back from our former lease (or not: someone was
 * quicker). */
static void el_retaken(int r, struct xe_result *res, void *arg)
{
	struct election *e = arg;

	e->req = NULL;
	if (!r && res->swapped) {
		el_log(e, "%s takes its key back from its former lease %llx",
		       e->id, (unsigned long long)e->old);
		xe_req_cancel(e->revoke);
		xe_lease_revoke_start(e->xl, e->c, e->old, el_revoked, e,
				      &e->revoke);
		el_lead(e);
	}
	el_done(e);
}

/*
 * Who holds the key after a compare-and-swap that did not swap: maybe we
 * (a retried call), or we before a restart (names are unique): that lease
 * is ours to end, and the key ours to take at once.
 */
static void el_holder(int r, struct xe_result *res, void *arg)
{
	struct election *e = arg;
	const struct xe_kv *kv = !r && res->kvs.n ? &res->kvs.kv[0] : NULL;
	bool mine = kv && !strcmp(kv->value, e->id);

	e->req = NULL;
	if (mine && kv->lease == e->lease) {
		el_lead(e);
	} else if (mine) {
		e->old = kv->lease;
		if (!xe_cas_start(e->xl, e->c, e->key, kv->mod_revision, e->id,
				  e->lease, el_retaken, e, &e->req))
			return;
	}
	el_done(e);
}

static void el_swapped(int r, struct xe_result *res, void *arg)
{
	struct election *e = arg;

	e->req = NULL;
	if (!r && res->swapped) {
		el_lead(e);
	} else if (!r) {
		if (!xe_range_start(e->xl, e->c, e->key, false, 0, el_holder, e,
				    &e->req))
			return;
	}
	el_done(e);
}

/* Writes the key under our lease if it does not exist. */
static void el_cas(struct election *e)
{
	if (xe_cas_start(e->xl, e->c, e->key, 0, e->id, e->lease, el_swapped,
			 e, &e->req))
		el_done(e);
}

static void el_granted(int r, struct xe_result *res, void *arg)
{
	struct election *e = arg;

	e->req = NULL;
	if (r) {
		el_done(e);
		return;
	}
	e->lease = res->id;
	el_cas(e);
}

/* A campaign: a lease first if there is none. A round on its way
 * campaigns when it is over. */
static void el_campaign(struct election *e)
{
	if (e->req) {
		e->again = true;
		return;
	}
	if (e->leading)
		return;
	e->start = ev_time();
	if (e->lease) {
		el_cas(e);
	} else if (xe_lease_grant_start(e->xl, e->c, e->ttl, el_granted, e,
					&e->req)) {
		el_done(e);
	}
}

/* The leader's look at the key: still ours? */
static void el_checked(int r, struct xe_result *res, void *arg)
{
	struct election *e = arg;
	const struct xe_kv *kv = !r && res->kvs.n ? &res->kvs.kv[0] : NULL;

	e->req = NULL;
	if (!r && !(kv && !strcmp(kv->value, e->id) && kv->lease == e->lease))
		el_follow(e, "the election key is no longer ours");
	if (!e->leading)
		el_campaign(e);
	else
		el_done(e);
}

static void el_kept(int r, struct xe_result *res, void *arg)
{
	struct election *e = arg;

	e->req = NULL;
	if (r == -ENOENT) {
		e->lease = 0;
		el_follow(e, "the lease expired");
	} else if (!r) {
		el_renewed(e, e->start, res->ttl);
	}
	if (e->leading && !r) {
		if (!xe_range_start(e->xl, e->c, e->key, false, 0, el_checked,
				    e, &e->req))
			return;
	} else if (!e->leading) {
		el_campaign(e);
		return;
	}
	el_done(e);
}

static void el_tick(struct ev_loop *ev, ev_timer *t, int revents)
{
	struct election *e = t->data;

	(void)ev;
	(void)revents;
	if (e->req)
		return;		/* the last round is not over yet */
	e->start = ev_time();
	if (!e->lease ||
	    xe_lease_keepalive_start(e->xl, e->c, e->lease, el_kept, e,
				     &e->req))
		el_campaign(e);
}

static void el_events(struct xe_watch *w, const struct xe_event *ev,
		      size_t n, int64_t revision, void *arg)
{
	struct election *e = arg;

	(void)w;
	(void)revision;
	for (size_t i = 0; i < n; i++)
		if (ev[i].type == XE_DELETE && !e->leading) {
			el_log(e, "the leader left; campaigning");
			el_campaign(e);
			return;
		}
}

static void el_watch(struct election *e);

static void el_closed(struct xe_watch *w, const char *why, void *arg)
{
	struct election *e = arg;

	(void)w;
	(void)why;
	e->watch = NULL;
	el_watch(e);	/* the tick campaigns meanwhile */
}

static void el_compacted(struct xe_watch *w, int64_t crev, void *arg)
{
	(void)crev;
	el_closed(w, "compacted", arg);
}

static void el_lost(struct xe_watch *w, const char *why, void *arg)
{
	(void)w;
	(void)why;
	(void)arg;
}

static const struct xe_watch_ops el_watch_ops = {
	.events = el_events,
	.compacted = el_compacted,
	.closed = el_closed,
	.lost = el_lost,
};

static void el_watch(struct election *e)
{
	if (!e->watch)
		e->watch = xe_watch_start(e->xl, e->c, e->key, false, 0,
					  &el_watch_ops, e);
}

struct election *election_new(struct ev_loop *ev, struct xe_loop *xl,
			      struct xe_client *c, const char *key,
			      const char *id, int64_t ttl,
			      const struct election_ops *ops, void *arg)
{
	struct election *e = calloc(1, sizeof(*e));
	/* Keep-alives and campaigns every second (every third of the
	 * lease if that is shorter): a standby that missed the watch event
	 * still takes over a second after the lease ended. */
	double every = ttl / 3.0 < 1. ? ttl / 3.0 : 1.;

	if (!e)
		return NULL;
	e->xl = xl;
	e->ev = ev;
	e->c = c;
	e->ttl = ttl;
	e->ops = ops;
	e->arg = arg;
	e->key = strdup(key);
	e->id = strdup(id);
	if (!e->key || !e->id) {
		election_free(e);
		return NULL;
	}
	ev_timer_init(&e->tick, el_tick, every, every);
	ev_timer_init(&e->deadline, el_deadline, 0., 0.);
	e->tick.data = e->deadline.data = e;
	return e;
}

void election_start(struct election *e)
{
	el_watch(e);
	ev_timer_start(e->ev, &e->tick);
	el_campaign(e);
}

void election_free(struct election *e)
{
	if (!e)
		return;
	ev_timer_stop(e->ev, &e->tick);
	ev_timer_stop(e->ev, &e->deadline);
	xe_watch_stop(e->watch);
	xe_req_cancel(e->req);
	xe_req_cancel(e->revoke);
	/* Leaving, with the loop done: a synchronous revoke, bounded by the
	 * call timeouts (1 s to connect, 5 s per member); a standby then
	 * takes over at once instead of after the TTL. */
	if (e->lease)
		xe_lease_revoke(e->c, e->lease);
	free(e->key);
	free(e->id);
	free(e);
}

bool election_leading(const struct election *e)
{
	return e->leading;
}
