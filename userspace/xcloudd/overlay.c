// SPDX-License-Identifier: GPL-2.0
/*
 * The overlay agent (switch and gateway roles): the store's mirrors, the
 * lease, the rtnetlink link cache, and what each change sets off. While
 * etcd is unreachable the mirrors keep their last state and nothing is
 * changed in the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "xcloudd.h"

/* What the switch and the gateway do differently inside the agent. */
struct overlay_role {
	int (*init)(struct agent *a);	/* its own part, after the links */
	void (*lease)(struct agent *a);	/* the lease is new */
	void (*retry)(struct agent *a);	/* the publish retry is due */
	/* A mirror was read, the queued work is done (or NULL). */
	void (*poke)(struct agent *a);
	void (*idle)(struct agent *a);
};

static const struct overlay_role *role;	/* from overlay_init() on */
static bool started;

static const char *suffix_of(struct xe_mirror *m, const char *key)
{
	return key + strlen(xe_mirror_prefix(m));
}

/* ---- store changes ---- */

static void port_put(struct xe_mirror *m, const struct xe_kv *kv,
		     const struct xe_kv *old, void *arg)
{
	(void)old;
	if (started)
		xd_ports_port_changed(arg, suffix_of(m, kv->key));
}

static void port_del(struct xe_mirror *m, const struct xe_kv *old, void *arg)
{
	if (started)
		xd_ports_port_changed(arg, suffix_of(m, old->key));
}

static void binding_changed(struct agent *a, struct xe_mirror *m,
			    const struct xe_kv *kv, const struct xe_kv *old)
{
	const char *suffix = suffix_of(m, kv ? kv->key : old->key);

	if (!started)
		return;
	/* One of ours changed or vanished under us: publish again. Not
	 * the echo of what we just published (a port going down meanwhile
	 * is queued by its link notification). */
	if (a->portstate && !xd_ports_is_echo(a, suffix, kv, old) &&
	    (xd_is_mine(a, kv) || xd_is_mine(a, old)))
		xd_ports_port_changed(a, suffix);
	xd_table_sync_key(a, suffix);
}

static void binding_put(struct xe_mirror *m, const struct xe_kv *kv,
			const struct xe_kv *old, void *arg)
{
	binding_changed(arg, m, kv, old);
}

static void binding_del(struct xe_mirror *m, const struct xe_kv *old,
			void *arg)
{
	binding_changed(arg, m, NULL, old);
}

static void remote_put(struct xe_mirror *m, const struct xe_kv *kv,
		       const struct xe_kv *old, void *arg)
{
	struct agent *a = arg;

	if (!started)
		return;
	xd_trust_remote(xd_nets_trust(a), kv, old);
	xd_table_sync_key(a, suffix_of(m, kv->key));
}

static void remote_del(struct xe_mirror *m, const struct xe_kv *old,
		       void *arg)
{
	struct agent *a = arg;

	if (!started)
		return;
	xd_trust_remote(xd_nets_trust(a), NULL, old);
	xd_table_sync_key(a, suffix_of(m, old->key));
}

static void synced(struct xe_mirror *m, void *arg);

static void remote_synced(struct xe_mirror *m, void *arg)
{
	struct agent *a = arg;

	if (started) {
		xd_trust_remote_reread(a, xd_nets_trust(a));
		xd_nets_trust_changed(a);
	}
	synced(m, arg);
}

/* groups/<cloud>: the other clouds' gateways (switch) */
static void trust_dirty(struct agent *a);

static void group_changed(struct agent *a, const char *key, const char *value)
{
	int r = xd_groups_update(a, key, value);

	if (r <= 0 || !started)
		return;
	xd_table_group_changed(a, xd_group_find(a, key + strlen(a->p_groups)),
			       r == XD_GROUP_NEW);
	trust_dirty(a);		/* its members are accepted as sources */
}

static void group_put(struct xe_mirror *m, const struct xe_kv *kv,
		      const struct xe_kv *old, void *arg)
{
	(void)m;
	(void)old;
	group_changed(arg, kv->key, kv->value);
}

static void group_del(struct xe_mirror *m, const struct xe_kv *old,
		      void *arg)
{
	(void)m;
	group_changed(arg, old->key, NULL);
}

static void group_kv(const struct xe_kv *kv, void *arg)
{
	group_changed(arg, kv->key, kv->value);
}

/* Read again: every group looked at (a bad one is logged again). */
static void groups_synced(struct xe_mirror *m, void *arg)
{
	xe_mirror_foreach(m, group_kv, arg);
	if (started)
		trust_dirty(arg);
	synced(m, arg);
}

/* networks/<vni>: a VRF and a device each */
static void network_put(struct xe_mirror *m, const struct xe_kv *kv,
			const struct xe_kv *old, void *arg)
{
	(void)old;
	if (started)
		xd_nets_changed(arg, suffix_of(m, kv->key));
}

static void network_del(struct xe_mirror *m, const struct xe_kv *old,
			void *arg)
{
	if (started)
		xd_nets_changed(arg, suffix_of(m, old->key));
}

/*
 * A gateway publishes itself only once its devices relay: every network
 * made and its table programmed from the whole store (xd_gw_ready()).
 * Each mirror that syncs has the loop look again.
 */
static void role_poke(struct agent *a)
{
	if (started && role->poke)
		role->poke(a);
}

static void networks_synced(struct xe_mirror *m, void *arg)
{
	(void)m;
	if (started)
		xd_nets_sync(arg);
	role_poke(arg);
}

/* underlay/<cloud> and gateways/<name>: what the devices accept */
/* Worked off once per burst (work_cb): each change reads the whole set. */
static void trust_dirty(struct agent *a)
{
	struct xd_trust *t = xd_nets_trust(a);

	if (!started || !t)
		return;
	t->dirty = true;
	xd_work_pending(a);
}

static void trust_put(struct xe_mirror *m, const struct xe_kv *kv,
		      const struct xe_kv *old, void *arg)
{
	(void)old;
	xd_trust_check(arg, m, kv);
	trust_dirty(arg);
}

static void trust_del(struct xe_mirror *m, const struct xe_kv *old,
		      void *arg)
{
	(void)m;
	(void)old;
	trust_dirty(arg);
}

static void trust_synced(struct xe_mirror *m, void *arg)
{
	(void)m;
	if (started)
		xd_nets_trust_changed(arg);
	role_poke(arg);
}

static void synced(struct xe_mirror *m, void *arg)
{
	struct agent *a = arg;

	(void)m;
	if (!started)
		return;
	if (a->portstate)
		xd_ports_sync(a);
	xd_table_sync_all(a);
	role_poke(a);
}

static void online(struct xe_mirror *m, bool up, const char *why, void *arg)
{
	(void)arg;
	if (up)
		xd_log("store: reading and watching %s", xe_mirror_prefix(m));
	else
		xd_log("store: lost %s (%s); kernel tables stay as they are, retrying",
		       xe_mirror_prefix(m), why);
}

static const struct xe_mirror_ops ports_ops = {
	.put = port_put, .del = port_del, .synced = synced, .online = online,
};

static const struct xe_mirror_ops bindings_ops = {
	.put = binding_put, .del = binding_del, .synced = synced,
	.online = online,
};

static const struct xe_mirror_ops remote_ops = {
	.put = remote_put, .del = remote_del, .synced = remote_synced,
	.online = online,
};

static const struct xe_mirror_ops groups_ops = {
	.put = group_put, .del = group_del, .synced = groups_synced,
	.online = online,
};

static const struct xe_mirror_ops networks_ops = {
	.put = network_put, .del = network_del, .synced = networks_synced,
	.online = online,
};

static const struct xe_mirror_ops trust_ops = {
	.put = trust_put, .del = trust_del, .synced = trust_synced,
	.online = online,
};

/* ---- the lease and what hangs on it ---- */

static void lease_fresh(struct xe_keeper *k, int64_t id, void *arg)
{
	struct agent *a = arg;

	(void)k;
	xd_log("lease %llx (ttl %lld s)", (unsigned long long)id,
	       (long long)a->conf->lease_ttl);
	xd_lease_file_write(a->conf, id);
	if (started)
		role->lease(a);
}

static void lease_online(struct xe_keeper *k, bool up, const char *why,
			 void *arg)
{
	(void)k;
	(void)arg;
	if (!up)
		xd_log("lease: %s; retrying", why);
}

static const struct xe_keeper_ops lease_ops = {
	.fresh = lease_fresh, .online = lease_online,
};

static void retry_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct agent *a = w->data;

	(void)ev;
	(void)revents;
	role->retry(a);
}

/*
 * Queued ports and routes are worked off in small batches for at most
 * XD_WORK_MS per loop iteration: the lease's keep-alive and the watches
 * wait that long at most, however slow the kernel is (rtnl_lock is shared
 * by every namespace of the host). Routes go in larger batches: one
 * generic netlink message holds hundreds.
 */
#define XD_WORK_MS		200.0
#define XD_WORK_NETS		8
#define XD_WORK_PORTS		32
#define XD_WORK_ROUTES		256

static void work_cb(struct ev_loop *ev, ev_idle *w, int revents)
{
	struct agent *a = w->data;
	double end = xd_now_ms() + XD_WORK_MS;
	struct xd_trust *t = xd_nets_trust(a);
	size_t done = 0, n;

	(void)revents;
	if (t && t->dirty)
		xd_nets_trust_changed(a);
	do {
		/* Networks first: ports and routes need their devices. */
		n = xd_nets_work(a, XD_WORK_NETS);
		if (!n && a->portstate)
			n = xd_ports_work(a, XD_WORK_PORTS);
		if (!n)
			n = xd_table_work(a, XD_WORK_ROUTES);
		done += n;
	} while (n && xd_now_ms() < end);
	if (!done) {
		ev_idle_stop(ev, w);
		if (role->idle)
			role->idle(a);
	}
}

static bool overlay_synced(struct agent *a)
{
	struct xe_mirror *m[] = {
		a->networks, a->underlay, a->gateways, a->ports, a->remote,
		a->groups, a->bindings,
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (m[i] && !xe_mirror_synced(m[i]))
			return false;
	return started && !ev_is_active(&a->work) && !xd_ports_installing(a);
}

static bool overlay_online(struct agent *a)
{
	return a->bindings && xe_mirror_online(a->bindings);
}

void xd_work_pending(struct agent *a)
{
	ev_idle_start(a->ev, &a->work);
}

static void link_changed(const char *ifname, void *arg)
{
	struct agent *a = arg;

	if (!started)
		return;
	xd_nets_link_changed(a, ifname, xd_link_index(a->links, ifname));
	if (a->portstate)
		xd_ports_link_changed(a, ifname);
}

/* ---- the switch's and the gateway's own parts ---- */

static int switch_new(struct agent *a)
{
	a->portstate = xd_ports_new(a);
	a->ports = xe_mirror_new(a->xl, a->etcd, a->p_ports, &ports_ops, a);
	a->remote = xe_mirror_new(a->xl, a->etcd, a->p_remote, &remote_ops,
				  a);
	a->gateways = xe_mirror_new(a->xl, a->etcd, a->p_gateways, &trust_ops,
				    a);
	a->groupstate = xd_groups_new();
	a->groups = xe_mirror_new(a->xl, a->etcd, a->p_groups, &groups_ops,
				  a);
	if (!a->portstate || !a->ports || !a->remote || !a->gateways ||
	    !a->groupstate || !a->groups)
		return -ENOMEM;
	return 0;
}

/* A new lease: the ports' bindings go under it. */
static void switch_lease(struct agent *a)
{
	xd_ports_sync(a);
}

/* A publication failed: the ports again, with backoff (ports.c). */
static void switch_retry(struct agent *a)
{
	xd_ports_sync(a);
	if (!ev_is_active(&a->retry))
		a->backoff = 0;
}

static const struct overlay_role switch_role = {
	.init = switch_new, .lease = switch_lease, .retry = switch_retry,
};

static const struct overlay_role gateway_role = {
	.init = xd_gw_new, .lease = xd_gw_lease, .retry = xd_gw_retry,
	.poke = xd_gw_poke, .idle = xd_gw_ready,
};

/* ---- setup ---- */

static int overlay_init(struct agent *a, const struct overlay_role *own)
{
	struct xd_conf *conf = a->conf;
	const char *p = conf->prefix;
	char err[256];
	int r;

	role = own;
	ev_timer_init(&a->retry, retry_cb, 1., 0.);
	a->retry.data = a;
	ev_idle_init(&a->work, work_cb);
	a->work.data = a;
	if (asprintf(&a->p_ports, "%s/ports/", p) < 0 ||
	    asprintf(&a->p_bindings, "%s/bindings/", p) < 0 ||
	    asprintf(&a->p_remote, "%s/remote/", p) < 0 ||
	    asprintf(&a->p_gateways, "%s/gateways/", p) < 0 ||
	    asprintf(&a->p_networks, "%s/networks/", p) < 0 ||
	    asprintf(&a->p_underlay, "%s/underlay/", p) < 0 ||
	    asprintf(&a->p_groups, "%s/groups/", p) < 0)
		return -ENOMEM;
	r = xc_open(&a->xc);
	if (r) {
		xd_log("cannot talk to the xcloud module: %s (is xcloud.ko loaded?)",
		       strerror(-r));
		return r;
	}
	a->table = xd_table_new(a);
	a->nets = xd_nets_new(a);
	if (!a->table || !a->nets)
		return -ENOMEM;
	/* The node first: nothing is touched on a node we cannot share. */
	r = xd_nets_start(a);
	if (r)
		return r;
	a->xl = xe_loop_new(a->ev);
	snprintf(err, sizeof(err), "cloud %s", conf->cloud);
	a->etcd = xe_client_new_conf(&conf->etcd_conf, err);
	if (!a->xl || !a->etcd)
		return -ENOMEM;

	/* Ports going up and down (switch), the networks' devices and VRFs
	 * deleted under the agent (both roles). */
	a->links = xd_links_new(a->ev, link_changed, a, err, sizeof(err));
	if (!a->links) {
		xd_log(SD_ERR "%s", err);
		return -EIO;
	}
	r = role->init(a);
	if (r)
		return r;
	a->networks = xe_mirror_new(a->xl, a->etcd, a->p_networks,
				    &networks_ops, a);
	a->underlay = xe_mirror_new(a->xl, a->etcd, a->p_underlay, &trust_ops,
				    a);
	if (!a->networks || !a->underlay)
		return -ENOMEM;
	a->bindings = xe_mirror_new(a->xl, a->etcd, a->p_bindings,
				    &bindings_ops, a);
	if (!a->bindings)
		return -ENOMEM;
	a->lease = xe_keeper_new(a->xl, a->etcd, conf->lease_ttl,
				 xd_lease_file_read(conf), &lease_ops, a);
	if (!a->lease)
		return -ENOMEM;
	return 0;
}

static int switch_init(struct agent *a)
{
	return overlay_init(a, &switch_role);
}

static int gateway_init(struct agent *a)
{
	return overlay_init(a, &gateway_role);
}

static int overlay_start(struct agent *a)
{
	int r = 0;

	/* Read the whole store first, then reconcile once. */
	r |= xe_mirror_start(a->networks);
	r |= xe_mirror_start(a->underlay);
	if (a->gateways)
		r |= xe_mirror_start(a->gateways);
	if (a->ports)
		r |= xe_mirror_start(a->ports);
	/* The groups before the remote entries that name them. */
	if (a->groups)
		r |= xe_mirror_start(a->groups);
	if (a->remote)
		r |= xe_mirror_start(a->remote);
	r |= xe_mirror_start(a->bindings);
	if (r)
		xd_log("etcd of cloud %s at %s unreachable: %s; kernel tables stay as they are until it answers",
		       a->conf->cloud, a->conf->etcd, xe_strerror(a->etcd));
	started = true;
	xd_trust_remote_reread(a, xd_nets_trust(a));
	xd_nets_trust_changed(a);
	xd_nets_sync(a);
	if (a->portstate)
		xd_ports_sync(a);
	xd_table_sync_all(a);
	role_poke(a);
	return r;
}

static void overlay_fini(struct agent *a, bool revoke)
{
	xe_mirror_free(a->ports);
	xe_mirror_free(a->remote);
	xe_mirror_free(a->bindings);
	xe_mirror_free(a->networks);
	xe_mirror_free(a->underlay);
	xe_mirror_free(a->gateways);
	xe_mirror_free(a->groups);
	xd_groups_free(a->groupstate);
	xd_gw_free(a);
	xe_keeper_free(a->lease, revoke);
	if (a->portstate)
		xd_ports_free(a->portstate);
	xd_links_free(a->links);
	xd_table_free(a->table);
	xd_nets_free(a->nets);
	ev_timer_stop(a->ev, &a->retry);
	ev_idle_stop(a->ev, &a->work);
	free(a->p_ports);
	free(a->p_bindings);
	free(a->p_remote);
	free(a->p_gateways);
	free(a->p_networks);
	free(a->p_underlay);
	free(a->p_groups);
}

/* -t */
static void overlay_print_conf(const struct xd_conf *conf)
{
	printf("table-range %u-%u port %u tunnels %s\n",
	       conf->table_first, conf->table_last, conf->port,
	       xc_tunnels_name(conf->tunnels));
}

/* What switch and gateway share. */
#define OVERLAY_OPS						\
	.start = overlay_start, .fini = overlay_fini,		\
	.synced = overlay_synced, .online = overlay_online,	\
	.print_conf = overlay_print_conf,			\
	.status_line = xd_status_overlay_line,			\
	.status_lease = xd_status_overlay_lease,		\
	.status_text = xd_status_overlay_text,			\
	.metrics = xd_metrics_overlay, .reload = xd_reload_overlay

const struct xd_role_ops xd_switch_ops = {
	OVERLAY_OPS,
	.init = switch_init,
	.mode = XCLOUD_MODE_EDGE,
};

const struct xd_role_ops xd_gateway_ops = {
	OVERLAY_OPS,
	.init = gateway_init,
	.mode = XCLOUD_MODE_GATEWAY,
};
