// SPDX-License-Identifier: GPL-2.0
/*
 * A router agent's liveness (docs/eip-bgp.md, "Virtual router failure"):
 * <prefix>/eip/routers/<router> = {"router":NAME}, written under the
 * agent's lease. The key goes when the lease ends (the agent, its node or
 * its link to etcd died, lease-ttl seconds ago); the aggregation agents
 * then move the router's EIPs to their standby routers (eip_rehome.c).
 * A restarted agent adopts its lease (lease_file.c), so a restart within
 * the TTL moves nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "agent.h"
#include "xcloudd.h"

struct xd_live {
	struct agent *a;
	struct xe_keeper *keeper;
	struct xe_req *req;		/* the key on its way */
	bool again;			/* ...and once more after it */
	ev_timer retry;
	double backoff;
	char *key, *value;
	int64_t lease;			/* the lease of the write on its way */
};

static void publish(struct xd_live *l);

static void published(int r, struct xe_result *res, void *arg)
{
	struct xd_live *l = arg;

	(void)res;
	l->req = NULL;
	if (r) {
		xd_log("cannot publish router %s's liveness %s: %s; retrying",
		       l->a->conf->router, l->key, xe_strerror(l->a->etcd));
		if (!ev_is_active(&l->retry)) {
			ev_timer_set(&l->retry, xe_backoff_next(&l->backoff), 0.);
			ev_timer_start(l->a->ev, &l->retry);
		}
	} else {
		xd_log("router %s alive: %s (lease %llx)", l->a->conf->router,
		       l->key, (unsigned long long)l->lease);
		l->backoff = 0;
	}
	if (l->again) {
		l->again = false;
		publish(l);
	}
}

/* One write at a time; one asked for meanwhile follows the answer, so the
 * newest lease is the one the key ends up with. */
static void publish(struct xd_live *l)
{
	int64_t lease = xe_keeper_id(l->keeper);

	if (!lease)
		return;		/* fresh() publishes when it is granted */
	if (l->req) {
		l->again = true;
		return;
	}
	l->lease = lease;
	if (xe_put_start(l->a->xl, l->a->etcd, l->key, l->value, lease,
			 published, l, &l->req))
		published(-EIO, NULL, l);
}

static void retry_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	(void)ev;
	(void)revents;
	publish(w->data);
}

static void fresh(struct xe_keeper *k, int64_t id, void *arg)
{
	struct xd_live *l = arg;

	(void)k;
	xd_log("lease %llx (ttl %lld s)", (unsigned long long)id,
	       (long long)l->a->conf->lease_ttl);
	xd_lease_file_write(l->a->conf, id);
	publish(l);
}

static void online(struct xe_keeper *k, bool up, const char *why, void *arg)
{
	(void)k;
	if (!up)	/* the mirrors say "store: lost" too */
		xd_log("store: lost the lease of router %s's liveness (%s); keeping it alive when etcd answers",
		       ((struct xd_live *)arg)->a->conf->router, why);
}

static const struct xe_keeper_ops live_ops = {
	.fresh = fresh, .online = online,
};

struct xd_live *xd_live_new(struct agent *a, const char *p_routers)
{
	struct xd_live *l = calloc(1, sizeof(*l));
	struct json_object *o;

	if (!l)
		return NULL;
	l->a = a;
	ev_timer_init(&l->retry, retry_cb, 0., 0.);
	l->retry.data = l;
	o = json_object_new_object();
	json_object_object_add(o, "router",
			       json_object_new_string(a->conf->router));
	l->value = strdup(json_object_to_json_string_ext(o,
							 JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	if (asprintf(&l->key, "%s%s", p_routers, a->conf->router) < 0)
		l->key = NULL;
	if (l->key && l->value)
		l->keeper = xe_keeper_new(a->xl, a->etcd, a->conf->lease_ttl,
					  xd_lease_file_read(a->conf),
					  &live_ops, l);
	if (!l->keeper) {
		xd_live_free(l);
		return NULL;
	}
	return l;
}

void xd_live_free(struct xd_live *l)
{
	if (!l)
		return;
	ev_timer_stop(l->a->ev, &l->retry);
	xe_req_cancel(l->req);
	/* Not revoked: the key ends with the lease, lease-ttl from now,
	 * unless the agent comes back before and adopts it. */
	xe_keeper_free(l->keeper, false);
	free(l->key);
	free(l->value);
	free(l);
}
