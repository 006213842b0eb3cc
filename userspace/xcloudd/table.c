// SPDX-License-Identifier: GPL-2.0
/*
 * The xcloud devices' forwarding tables, programmed through libxcloud.
 * For "<vni>/<addr>" the device of <vni> should hold:
 *
 *   switch agent:  a binding of another node of this cloud -> node route to
 *                  that node; else a remote entry -> gateway route to the
 *                  VM's cloud's gateways; a binding of this node -> nothing
 *                  (local delivery, see local.c);
 *   gateway agent: a binding -> node route to its node.
 *
 * Host routes are this agent's; prefix routes (set by hand or by other
 * tools) are left alone. What was programmed is remembered, so a change
 * in the store costs one netlink request, and a full sync (at start, and
 * after every re-read of the store) compares against a dump of the kernel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "agent.h"

struct tentry {
	char key[96];		/* "<vni>/<addr>" */
	int ifindex;
	struct xc_route r;
};

struct xd_table {
	void *root;		/* what the kernel holds, as far as we know */
	bool synced;		/* root reflects a dump */
	struct xd_workq work;	/* keys to bring in line */
	int ifindex[XD_MAX_VNIS];	/* each VNI's device, 0: look it up */
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tentry *)a)->key,
		      ((const struct tentry *)b)->key);
}

struct xd_table *xd_table_new(struct agent *a)
{
	(void)a;
	return calloc(1, sizeof(struct xd_table));
}

void xd_table_free(struct xd_table *t)
{
	if (!t)
		return;
	tdestroy(t->root, free);
	xd_workq_free(&t->work);
	free(t);
}

static int addr_parse(const char *s, struct xc_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a->v6) == 1)
		a->family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

static int addr_cmp(const void *x, const void *y)
{
	const struct xc_addr *a = x, *b = y;

	if (a->family != b->family)
		return a->family - b->family;
	return memcmp(a->bytes, b->bytes, xc_addr_len(a));
}

static void route_normalise(struct xc_route *r)
{
	qsort(r->nexthops, r->n_nexthops, sizeof(r->nexthops[0]), addr_cmp);
	if (!r->dst.len)
		r->dst.len = r->dst.addr.family == AF_INET ? 32 : 128;
}

static bool route_equal(const struct xc_route *a, const struct xc_route *b)
{
	if (a->type != b->type || a->n_nexthops != b->n_nexthops)
		return false;
	for (int i = 0; i < a->n_nexthops; i++)
		if (addr_cmp(&a->nexthops[i], &b->nexthops[i]))
			return false;
	return true;
}

/* Next hops out of a JSON string or array of strings. */
static int add_nexthops(struct xc_route *r, struct json_object *v)
{
	if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);

		for (size_t i = 0; i < n && r->n_nexthops < XCLOUD_MAX_NEXTHOPS; i++)
			if (add_nexthops(r, json_object_array_get_idx(v, i)))
				return -EINVAL;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    addr_parse(json_object_get_string(v), &r->nexthops[r->n_nexthops]))
		return -EINVAL;
	r->n_nexthops++;
	return 0;
}

/*
 * What the store says "<vni>/<addr>" should be: 1 with *r and *why filled,
 * 0 for no route.
 */
static int wanted(struct agent *a, const char *suffix, struct xc_route *r,
		  char *why, size_t whylen)
{
	char key[512], addr[64];
	const struct xe_kv *kv;
	struct json_object *o, *v;
	uint32_t vni;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (!xd_split_key(suffix, &vni, addr, sizeof(addr)) ||
	    addr_parse(addr, &r->dst.addr))
		return 0;
	snprintf(key, sizeof(key), "%s%s", a->p_bindings, suffix);
	kv = xe_mirror_get(a->bindings, key);
	if (kv) {
		o = json_tokener_parse(kv->value);
		if (o && json_object_object_get_ex(o, "node", &v) &&
		    a->conf->role == XD_ROLE_SWITCH &&
		    !strcmp(json_object_get_string(v), a->conf->node)) {
			json_object_put(o);
			return 0;	/* ours: delivered locally */
		}
		if (o && json_object_object_get_ex(o, "underlay", &v) &&
		    !add_nexthops(r, v)) {
			r->type = XCLOUD_ROUTE_NODE;
			snprintf(why, whylen, "bound to node %s",
				 json_object_get_string(
					json_object_object_get(o, "node")));
			ret = 1;
		} else {
			xd_log("binding %s: bad value %s", suffix, kv->value);
		}
		json_object_put(o);
		return ret;
	}
	if (a->conf->role != XD_ROLE_SWITCH)
		return 0;
	snprintf(key, sizeof(key), "%s%s", a->p_remote, suffix);
	kv = xe_mirror_get(a->remote, key);
	if (!kv)
		return 0;
	o = json_tokener_parse(kv->value);
	if (o && json_object_object_get_ex(o, "gateways", &v) &&
	    !add_nexthops(r, v) && r->n_nexthops) {
		r->type = XCLOUD_ROUTE_GATEWAY;
		snprintf(why, whylen, "in cloud %s",
			 json_object_get_string(json_object_object_get(o, "cloud")));
		ret = 1;
	} else {
		xd_log("remote %s: bad value %s", suffix, kv->value);
	}
	json_object_put(o);
	return ret;
}

static const char *route_str(const struct xc_route *r, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	size_t off;

	off = (size_t)snprintf(buf, len, "%s", xc_route_type_name(r->type));
	for (int i = 0; i < r->n_nexthops && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, " %s",
					xc_addr_str(&r->nexthops[i], a, sizeof(a)));
	return buf;
}

/* The device of vni, looked up once (if_nametoindex costs a socket) and
 * again after a failure or at every full sync. */
static int device_ifindex(struct agent *a, uint32_t vni, const char **dev)
{
	struct xd_table *t = a->table;
	unsigned int i;

	*dev = NULL;
	for (i = 0; i < a->conf->nvnis; i++)
		if (a->conf->vni[i].vni == vni)
			break;
	if (i == a->conf->nvnis)
		return 0;
	*dev = a->conf->vni[i].device;
	if (!t->ifindex[i]) {
		t->ifindex[i] = (int)if_nametoindex(*dev);
		if (!t->ifindex[i])
			xd_log("device %s (vni %u) does not exist", *dev, vni);
	}
	return t->ifindex[i];
}

static void device_forget(struct agent *a)
{
	memset(a->table->ifindex, 0, sizeof(a->table->ifindex));
}

void xd_table_sync_key(struct agent *a, const char *suffix)
{
	if (xd_workq_add(&a->table->work, suffix) > 0)
		xd_work_pending(a);
}

/* One key's change, decided before it is sent. */
struct change {
	char key[96];
	char addr[64];
	const char *dev;
	int ifindex;
	bool del;
	struct xc_route r;
	char why[128];
};

/* Decides what key needs; false if nothing. */
static bool change_for(struct agent *a, const char *suffix, struct change *c)
{
	struct xd_table *t = a->table;
	struct tentry probe, **pe, *e;
	uint32_t vni;
	int want;

	if (strlen(suffix) >= sizeof(probe.key) ||
	    !xd_split_key(suffix, &vni, c->addr, sizeof(c->addr)))
		return false;
	c->ifindex = device_ifindex(a, vni, &c->dev);
	if (!c->ifindex)
		return false;
	strcpy(probe.key, suffix);
	strcpy(c->key, suffix);
	pe = tfind(&probe, &t->root, entry_cmp);
	e = pe ? *pe : NULL;
	c->why[0] = '\0';
	want = wanted(a, suffix, &c->r, c->why, sizeof(c->why));
	if (want) {
		route_normalise(&c->r);
		c->del = false;
		return !(e && e->ifindex == c->ifindex &&
			 route_equal(&e->r, &c->r));
	}
	if (!e)
		return false;
	c->del = true;
	c->ifindex = e->ifindex;
	c->r = e->r;
	return true;
}

/* Records a change the kernel took, and says so. */
static void change_done(struct agent *a, const struct change *c)
{
	struct xd_table *t = a->table;
	struct tentry probe, **pe, *e;
	char b1[256];

	strcpy(probe.key, c->key);
	pe = tfind(&probe, &t->root, entry_cmp);
	e = pe ? *pe : NULL;
	if (c->del) {
		xd_log("%s: route %s removed (no longer in the store)", c->dev,
		       c->addr);
		if (e) {
			tdelete(e, &t->root, entry_cmp);
			free(e);
		}
		return;
	}
	xd_log("%s: route %s -> %s (%s)", c->dev, c->addr,
	       route_str(&c->r, b1, sizeof(b1)), c->why);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return;
		strcpy(e->key, c->key);
		tsearch(e, &t->root, entry_cmp);
	}
	e->ifindex = c->ifindex;
	e->r = c->r;
}

static void change_failed(struct agent *a, const struct change *c, int err)
{
	xd_log("%s: cannot %s route %s: %s %s", c->dev,
	       c->del ? "delete" : "set", c->addr, strerror(-err),
	       xc_errmsg(a->xc));
	if (err == -ENODEV)
		device_forget(a);
}

/*
 * Sends n changes of one device and kind in as few messages as fit
 * (libxcloud packs them). If the kernel refuses the batch, each change is
 * sent alone, so only the bad one is lost and the log names it.
 */
static void apply_group(struct agent *a, struct change *cs, size_t n,
			struct xc_route *rs)
{
	enum xc_route_op op = cs[0].del ? XC_ROUTE_DEL : XC_ROUTE_REPLACE;
	int err;

	for (size_t i = 0; i < n; i++)
		rs[i] = cs[i].r;
	err = xc_route_change(a->xc, cs[0].ifindex, op, rs, n);
	for (size_t i = 0; i < n; i++) {
		int e = err;

		if (err && n > 1)
			e = xc_route_change(a->xc, cs[i].ifindex, op,
					    &cs[i].r, 1);
		if (e && !(cs[i].del && e == -ENOENT))
			change_failed(a, &cs[i], e);
		else
			change_done(a, &cs[i]);
	}
}

static int change_order(const void *x, const void *y)
{
	const struct change *a = x, *b = y;

	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	return (int)a->del - (int)b->del;
}

size_t xd_table_work(struct agent *a, size_t max)
{
	struct xd_table *t = a->table;
	struct change *cs;
	struct xc_route *rs;
	size_t n = 0, done = 0;
	double t0 = xd_now_ms();
	char *s;

	if (!xd_workq_len(&t->work))
		return 0;
	cs = malloc(max * sizeof(*cs));
	rs = malloc(max * sizeof(*rs));
	if (!cs || !rs) {
		free(cs);
		free(rs);
		return 0;
	}
	while (done < max && (s = xd_workq_pop(&t->work))) {
		/* Until a dump says what the kernel holds, touch nothing. */
		if (t->synced && change_for(a, s, &cs[n]))
			n++;
		free(s);
		done++;
	}
	/* Same device and kind together: one batch each (a key is queued
	 * once, so the order between keys does not matter). */
	qsort(cs, n, sizeof(*cs), change_order);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && !change_order(&cs[i], &cs[j]); j++)
			;
		apply_group(a, cs + i, j - i, rs);
	}
	if (n && xd_timing())
		xd_log("table: %zu keys, %zu changes in %.1f ms", done, n,
		       xd_now_ms() - t0);
	free(cs);
	free(rs);
	return done;
}

/* ---- full sync ---- */

struct dump_ctx {
	uint32_t vni;
	int ifindex;
	void **root;
};

static int dump_route(const struct xc_route *r, void *arg)
{
	struct dump_ctx *d = arg;
	struct tentry *e;
	char a[INET6_ADDRSTRLEN];
	unsigned int full = r->dst.addr.family == AF_INET ? 32 : 128;

	if (r->dst.len && r->dst.len != full)
		return 0;	/* prefix routes are not ours */
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	snprintf(e->key, sizeof(e->key), "%u/%s", d->vni,
		 xc_addr_str(&r->dst.addr, a, sizeof(a)));
	e->ifindex = d->ifindex;
	e->r = *r;
	route_normalise(&e->r);
	if (*(struct tentry **)tsearch(e, d->root, entry_cmp) != e)
		free(e);
	return 0;
}

struct keys {
	char **k;
	size_t n, cap, plen;
};

static void key_add(struct keys *ks, const char *k)
{
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 256;
		char **nk = realloc(ks->k, cap * sizeof(*nk));

		if (!nk)
			return;
		ks->k = nk;
		ks->cap = cap;
	}
	if ((ks->k[ks->n] = strdup(k)))
		ks->n++;
}

static void collect_kv(const struct xe_kv *kv, void *arg)
{
	struct keys *ks = arg;

	key_add(ks, kv->key + ks->plen);
}

static void collect_entry(const void *nodep, VISIT v, void *arg)
{
	if (v == postorder || v == leaf)
		key_add(arg, (*(const struct tentry * const *)nodep)->key);
}

void xd_table_sync_all(struct agent *a)
{
	struct xd_table *t = a->table;
	struct keys ks = { 0 };
	void *old = t->root;

	/* Until the store was read once we know nothing: touch nothing. */
	if (!xe_mirror_synced(a->bindings) ||
	    (a->remote && !xe_mirror_synced(a->remote)))
		return;
	t->root = NULL;
	device_forget(a);
	for (unsigned int i = 0; i < a->conf->nvnis; i++) {
		struct dump_ctx d = { .vni = a->conf->vni[i].vni,
				      .root = &t->root };
		const char *dev;
		int err;

		d.ifindex = device_ifindex(a, d.vni, &dev);
		if (!d.ifindex)
			continue;
		err = xc_route_dump(a->xc, d.ifindex, dump_route, &d);
		if (err)
			xd_log("%s: cannot read the table: %s %s", dev,
			       strerror(-err), xc_errmsg(a->xc));
	}
	tdestroy(old, free);
	t->synced = true;

	/* Every key that is in the kernel or in the store, once each is
	 * enough: sync_key is idempotent. */
	twalk_r(t->root, collect_entry, &ks);
	ks.plen = strlen(a->p_bindings);
	xe_mirror_foreach(a->bindings, collect_kv, &ks);
	if (a->remote) {
		ks.plen = strlen(a->p_remote);
		xe_mirror_foreach(a->remote, collect_kv, &ks);
	}
	for (size_t i = 0; i < ks.n; i++) {
		xd_table_sync_key(a, ks.k[i]);	/* queued: see table_work */
		free(ks.k[i]);
	}
	free(ks.k);
}
