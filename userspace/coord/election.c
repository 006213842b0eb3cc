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
	double backoff;
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

/*
 * Is the key ours: our name, under our lease? *mine: our name under
 * another lease (this coordinator before a restart), at *rev.
 */
static int el_holder(struct election *e, bool *ours, bool *mine,
		     int64_t *rev, int64_t *lease)
{
	struct xe_kvs kvs;
	int r = xe_range(e->c, e->key, false, 0, &kvs);

	if (r)
		return r;
	*mine = kvs.n && !strcmp(kvs.kv[0].value, e->id);
	*ours = *mine && kvs.kv[0].lease == e->lease;
	*rev = kvs.n ? kvs.kv[0].mod_revision : 0;
	*lease = kvs.n ? kvs.kv[0].lease : 0;
	xe_kvs_free(&kvs);
	return 0;
}

static void el_campaign(struct election *e, double start)
{
	bool swapped = false, ours = false, mine = false;
	int64_t rev = 0, old = 0;
	int r;

	if (!e->lease) {
		r = xe_lease_grant(e->c, e->ttl, &e->lease);
		if (r) {
			e->lease = 0;
			return;
		}
	}
	r = xe_cas(e->c, e->key, 0, e->id, e->lease, &swapped);
	/* Not swapped: someone holds it, maybe we (a retried call), or
	 * we before a restart (names are unique): that lease is ours to
	 * end, and the key ours to take at once. */
	if (!r && !swapped)
		r = el_holder(e, &ours, &mine, &rev, &old);
	if (!r && mine && !ours) {
		r = xe_cas(e->c, e->key, rev, e->id, e->lease, &swapped);
		if (!r && swapped) {
			el_log(e, "%s takes its key back from its former lease %llx",
			       e->id, (unsigned long long)old);
			xe_lease_revoke(e->c, old);
		}
	}
	if (r || (!swapped && !ours))
		return;
	e->leading = true;
	el_log(e, "%s leads (lease %llx, ttl %lld s)", e->id,
	       (unsigned long long)e->lease, (long long)e->ttl);
	el_renewed(e, start, e->ttl);
	e->ops->lead(e->arg);
}

static void el_tick(struct ev_loop *ev, ev_timer *t, int revents)
{
	struct election *e = t->data;
	double start = ev_time();
	bool ours, mine;
	int64_t ttl, rev, lease;
	int r = 0;

	(void)ev;
	(void)revents;
	if (e->lease) {
		r = xe_lease_keepalive(e->c, e->lease, &ttl);
		if (r == -ENOENT) {
			e->lease = 0;
			el_follow(e, "the lease expired");
		} else if (!r) {
			el_renewed(e, start, ttl);
		}
	}
	if (e->leading && !r) {
		r = el_holder(e, &ours, &mine, &rev, &lease);
		if (!r && !ours)
			el_follow(e, "the election key is no longer ours");
	}
	if (!e->leading)
		el_campaign(e, start);
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
			el_campaign(e, ev_time());
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
	el_campaign(e, ev_time());
}

void election_free(struct election *e)
{
	if (!e)
		return;
	ev_timer_stop(e->ev, &e->tick);
	ev_timer_stop(e->ev, &e->deadline);
	xe_watch_stop(e->watch);
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
