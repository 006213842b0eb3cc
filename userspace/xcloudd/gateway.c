// SPDX-License-Identifier: GPL-2.0
/*
 * The gateway's record, gateways/<node> under the lease: other clouds
 * hash flows to the gateways named there, so it is written only once
 * this gateway relays them (xd_gw_ready()), and again with every new
 * lease.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "agent.h"

struct xd_gw {
	struct xe_req *req;		/* the record on its way */
	bool again;			/* ...and one more after it */
	bool ready;			/* devices and tables made: publish */
	char key[512];
	char *value;
	int64_t lease;
};

static int publish(struct agent *a);

static void published(int r, struct xe_result *res, void *arg)
{
	struct agent *a = arg;
	struct xd_gw *gw = a->gw;

	(void)res;
	gw->req = NULL;
	if (r) {
		xd_log("cannot publish gateway %s: %s", gw->key,
		       xe_strerror(a->etcd));
		if (xe_keeper_id(a->lease) && !ev_is_active(&a->retry)) {
			ev_timer_set(&a->retry, xe_backoff_next(&a->backoff),
				     0.);
			ev_timer_start(a->ev, &a->retry);
		}
	} else {
		xd_log("published gateway %s = %s (lease %llx)", gw->key,
		       gw->value, (unsigned long long)gw->lease);
		a->backoff = 0;
	}
	if (gw->again) {
		gw->again = false;
		publish(a);
	}
}

/*
 * Writes this gateway's record under the lease, on the loop. One write at
 * a time: one asked for meanwhile follows the answer, so the newest lease
 * is the one the key ends up with. A failure retries with backoff.
 */
static int publish(struct agent *a)
{
	struct xd_gw *gw = a->gw;
	struct json_object *o;
	int64_t lease = xe_keeper_id(a->lease);
	int r;

	if (!gw->ready)
		return 0;	/* xd_gw_ready() publishes */
	if (!lease)
		return -EAGAIN;
	if (gw->req) {
		gw->again = true;
		return 0;
	}
	o = json_object_new_object();
	json_object_object_add(o, "underlay",
			       json_object_new_string(a->conf->underlay));
	free(gw->value);
	gw->value = strdup(json_object_to_json_string_ext(o,
						JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	snprintf(gw->key, sizeof(gw->key), "%s%s", a->p_gateways,
		 a->conf->node);
	gw->lease = lease;
	r = gw->value ? xe_put_start(a->xl, a->etcd, gw->key, gw->value,
				     lease, published, a, &gw->req) : -ENOMEM;
	if (r)
		xd_log("cannot publish gateway %s: %s", gw->key,
		       r == -ENOMEM ? "out of memory" : xe_strerror(a->etcd));
	return r;
}

void xd_gw_lease(struct agent *a)
{
	if (publish(a))
		ev_timer_start(a->ev, &a->retry);
}

void xd_gw_retry(struct agent *a)
{
	/* The answer resets the backoff, or retries. */
	if (publish(a) && xe_keeper_id(a->lease)) {
		ev_timer_set(&a->retry, xe_backoff_next(&a->backoff), 0.);
		ev_timer_start(a->ev, &a->retry);
	}
}

/* A mirror was read: the loop looks whether the gateway is ready. */
void xd_gw_poke(struct agent *a)
{
	if (!a->gw->ready)
		xd_work_pending(a);
}

/*
 * Before its record is in the store no node sends through this gateway:
 * a record published while its device is still being made, or before its
 * routes are in, would have other clouds hash flows to a gateway that
 * drops them (and answers their probes, so liveness cannot tell). So it
 * waits for the store read, every network made (or refused: one that
 * cannot be made must not keep the others from their gateway) and the
 * routes in. Once ready it stays published, whatever changes later.
 */
void xd_gw_ready(struct agent *a)
{
	if (a->gw->ready || !xd_agent_synced(a) || !xd_nets_settled(a))
		return;
	a->gw->ready = true;
	xd_log("gateway: %zu networks made, their tables programmed: publishing",
	       xd_nets_count(a));
	xd_gw_lease(a);
}

int xd_gw_new(struct agent *a)
{
	a->gw = calloc(1, sizeof(*a->gw));
	return a->gw ? 0 : -ENOMEM;
}

void xd_gw_free(struct agent *a)
{
	if (!a->gw)
		return;
	xe_req_cancel(a->gw->req);
	free(a->gw->value);
	free(a->gw);
	a->gw = NULL;
}
