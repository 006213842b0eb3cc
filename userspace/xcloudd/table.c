// SPDX-License-Identifier: GPL-2.0
/*
 * The xcloud devices' forwarding tables, programmed through libxcloud.
 * For "<vni>/<addr>" the device of <vni> should hold:
 *
 *   switch agent:  a binding of another node of this cloud -> node route to
 *                  that node; else a remote entry {"cloud": S} -> gateway
 *                  route naming S's next-hop group (groups.c), or one of
 *                  the older form {"cloud": S, "gateways": [...]} ->
 *                  gateway route to those gateways; a binding of this node
 *                  -> nothing (local delivery, see local.c);
 *   gateway agent: a binding -> node route to its node.
 *
 * The groups live in the devices as kernel next-hop groups, one per cloud
 * per device that has routes naming it: made before the first of its
 * routes, replaced in place when the cloud's gateways change (one
 * message per device; the routes are not touched), deleted after the
 * last of its routes. A remote entry naming a cloud whose group was never
 * read leaves the key's route as it is (an agent upgraded before the
 * coordinator, or a group not written yet, must not cut traffic).
 *
 * Host routes are this agent's; prefix routes (set by hand or by other
 * tools) are left alone. What was programmed is remembered, so a change
 * in the store costs one netlink request. A key to bring in line is
 * queued, and xd_table_work sends the queue from the loop in bounded
 * slices (workq.c, overlay.c's work_cb), deciding each key when it comes
 * up, against the store as it is then. A group is made before the first
 * route naming it is sent, and deleted once the queue is empty and no
 * route names it.
 *
 * A full sync (at start, after every re-read of the store, and of a
 * device made or adopted) dumps each device's routes and groups, and has
 * libxcloud's route diff (xc_route_diff(), xcloudctl route sync's) compare
 * the store's host routes with the dump: the keys of the routes it would
 * add, replace or delete are queued, no others, and the slices send them
 * as they do the incremental path's changes (new routes too as replace),
 * logged and recorded alike. A route the diff keeps is one wanted() leaves
 * as it is. If a dump fails the diff is against what was read: every route
 * the store wants is sent, and stale ones wait for the next sync.
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

/* A next-hop group of ours in a device, as the kernel holds it. */
struct kgroup {
	uint32_t vni;
	int ifindex;
	struct xc_nhgroup g;	/* g.routes: routes naming it */
};

struct xd_table {
	void *root;		/* what the kernel holds, as far as we know */
	bool synced;		/* root reflects a dump */
	struct xd_workq work;	/* keys to bring in line */
	struct kgroup *kg;	/* the devices' groups (few: clouds x devices) */
	size_t nkg, capkg;
	bool groups_dirty;	/* a cloud's gateways changed */
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
	free(t->kg);
	free(t);
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
	if (a->type != b->type || a->n_nexthops != b->n_nexthops ||
	    a->nhid != b->nhid)
		return false;
	for (int i = 0; i < a->n_nexthops; i++)
		if (addr_cmp(&a->nexthops[i], &b->nexthops[i]))
			return false;
	return true;
}

/*
 * What the store says "<vni>/<addr>" should be: 1 with *r and *why filled,
 * 0 for no route, -1 to leave the route as it is.
 */
static int wanted(struct agent *a, const char *suffix, struct xc_route *r,
		  char *why, size_t whylen)
{
	char key[512], addr[64];
	const struct xd_group *g;
	const struct xe_kv *kv;
	struct json_object *o, *v;
	const char *cloud, *bad = NULL;
	uint32_t vni;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (!xd_split_key(suffix, &vni, addr, sizeof(addr)) ||
	    xc_addr_parse(addr, &r->dst.addr))
		return 0;
	snprintf(key, sizeof(key), "%s%s", a->p_bindings, suffix);
	kv = xe_mirror_get(a->bindings, key);
	if (kv) {
		const char *node;

		o = xe_kv_object(kv);
		node = xd_json_str(o, "node");
		if (node && a->portstate && !strcmp(node, a->conf->node)) {
			json_object_put(o);
			return 0;	/* ours: delivered locally */
		}
		v = NULL;
		if (o)
			json_object_object_get_ex(o, "underlay", &v);
		if (node && xe_name_ok(node) &&
		    !(bad = xc_unicast_parse(v, &r->nexthops[0]))) {
			r->n_nexthops = 1;
			r->type = XCLOUD_ROUTE_NODE;
			snprintf(why, whylen, "bound to node %s", node);
			ret = 1;
		} else {
			xd_log("binding %s: want {\"node\": NAME, \"underlay\": ADDRESS}, got %.200s (%s): ignored",
			       key, kv->value,
			       node && xe_name_ok(node) ? bad : "no node name");
		}
		json_object_put(o);
		return ret;
	}
	if (!a->remote)
		return 0;	/* a gateway reads no remote entries */
	snprintf(key, sizeof(key), "%s%s", a->p_remote, suffix);
	kv = xe_mirror_get(a->remote, key);
	if (!kv)
		return 0;
	o = xe_kv_object(kv);
	cloud = xd_json_str(o, "cloud");
	if (!cloud || !xe_name_ok(cloud)) {
		xd_log("remote %s: want {\"cloud\": NAME}, got %.200s: ignored",
		       key, kv->value);
	} else if (json_object_object_get_ex(o, "gateways", &v)) {
		/* the form before groups: the gateways in every entry */
		unsigned int n;

		bad = xc_gateways_parse(v, r->nexthops, XCLOUD_MAX_NEXTHOPS, &n);
		if (!bad) {
			r->n_nexthops = (uint8_t)n;
			r->type = XCLOUD_ROUTE_GATEWAY;
			snprintf(why, whylen, "in cloud %s", cloud);
			ret = 1;
		} else {
			memset(r->nexthops, 0, sizeof(r->nexthops));
			xd_log("remote %s: want {\"cloud\": NAME, \"gateways\": [1 to %d addresses]}, got %.200s (%s): ignored",
			       key, XCLOUD_MAX_NEXTHOPS, kv->value, bad);
		}
	} else if ((g = xd_group_find(a, cloud)) && g->known) {
		r->type = XCLOUD_ROUTE_GATEWAY;
		r->nhid = g->id;
		snprintf(why, whylen, "in cloud %s", cloud);
		ret = 1;
	} else {
		ret = -1;	/* queued again when the group comes */
	}
	json_object_put(o);
	return ret;
}

static const char *route_str(const struct xc_route *r, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	size_t off;

	off = (size_t)snprintf(buf, len, "%s", xc_route_type_name(r->type));
	if (r->nhid && off < len)
		off += (size_t)snprintf(buf + off, len - off, " group %u",
					r->nhid);
	for (int i = 0; i < r->n_nexthops && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, " %s",
					xc_addr_str(&r->nexthops[i], a, sizeof(a)));
	return buf;
}

/* The device of vni while its network is ready, else 0. */
static int device_ifindex(struct agent *a, uint32_t vni, const char **dev)
{
	return xd_nets_device(a, vni, dev);
}

/* ---- next-hop groups of the other clouds' gateways ---- */

static struct kgroup *kg_find(struct xd_table *t, int ifindex, uint32_t id)
{
	for (size_t i = 0; i < t->nkg; i++)
		if (t->kg[i].ifindex == ifindex && t->kg[i].g.id == id)
			return &t->kg[i];
	return NULL;
}

static void kg_drop(struct xd_table *t, struct kgroup *k)
{
	*k = t->kg[--t->nkg];
}

static const char *members_str(const struct xc_addr *m, int n, char *buf,
			       size_t len)
{
	char s[INET6_ADDRSTRLEN];
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					i ? " " : "",
					xc_addr_str(&m[i], s, sizeof(s)));
	return buf;
}

static bool kg_right(const struct kgroup *k, const struct xd_group *g)
{
	return k->g.type == XCLOUD_ROUTE_GATEWAY && k->g.n_members == g->n &&
	       !memcmp(k->g.members, g->gw, g->n * sizeof(g->gw[0]));
}

/* Makes group g of the device what the store says: one NHGROUP_NEW with
 * replace (a group routes name changes for all of them at once). */
static int kg_set(struct agent *a, uint32_t vni, int ifindex,
		  const char *dev, const struct xd_group *g)
{
	struct xd_table *t = a->table;
	struct kgroup *k = kg_find(t, ifindex, g->id);
	struct xc_nhgroup ng = { .id = g->id, .type = XCLOUD_ROUTE_GATEWAY };
	char b[XCLOUD_MAX_NEXTHOPS * 48];
	int err;

	if (k && kg_right(k, g))
		return 0;
	ng.n_members = g->n;
	memcpy(ng.members, g->gw, g->n * sizeof(g->gw[0]));
	err = xc_nhgroup_change(a->xc, ifindex, XC_ROUTE_REPLACE, &ng, 1);
	if (err) {
		xd_log("%s: cannot set group %u of cloud %s: %s %s", dev, g->id,
		       g->cloud, strerror(-err), xc_errmsg(a->xc));
		return err;
	}
	if (!k) {
		if (!xd_grow((void **)&t->kg, &t->capkg, t->nkg,
			     sizeof(*t->kg)))
			return -ENOMEM;
		k = &t->kg[t->nkg++];
		memset(k, 0, sizeof(*k));
		k->vni = vni;
		k->ifindex = ifindex;
	}
	ng.routes = k->g.routes;
	k->g = ng;
	xd_log("%s: group %u of cloud %s -> gateway %s (%u routes name it)",
	       dev, g->id, g->cloud, members_str(g->gw, g->n, b, sizeof(b)),
	       k->g.routes);
	return 0;
}

struct dev_of {
	int ifindex;
	const char *dev;
};

static void find_dev(uint32_t vni, int ifindex, const char *dev, void *arg)
{
	struct dev_of *d = arg;

	(void)vni;
	if (ifindex == d->ifindex)
		d->dev = dev;
}

static const char *dev_name(struct agent *a, int ifindex)
{
	struct dev_of d = { ifindex, "?" };

	xd_nets_foreach(a, find_dev, &d);
	return d.dev;
}

/* Every group of ours in line with its cloud's members; returns the
 * changes made. */
static size_t groups_refresh(struct agent *a)
{
	struct xd_table *t = a->table;
	size_t n = 0;

	t->groups_dirty = false;
	for (size_t i = 0; i < t->nkg; i++) {
		const struct xd_group *g = xd_group_by_id(a, t->kg[i].g.id);

		/* Unknown: its last members stay (groups.c). */
		if (!g || !g->known || kg_right(&t->kg[i], g))
			continue;
		if (!kg_set(a, t->kg[i].vni, t->kg[i].ifindex,
			    dev_name(a, t->kg[i].ifindex), g))
			n++;
	}
	return n;
}

/* Groups of ours no route names are deleted, once no key is queued (a
 * route about to name one again would have it made again). */
static size_t groups_gc(struct agent *a)
{
	struct xd_table *t = a->table;
	size_t n = 0;

	for (size_t i = t->nkg; i-- > 0;) {
		struct kgroup *k = &t->kg[i];
		int err;

		if (k->g.routes)
			continue;
		err = xc_nhgroup_change(a->xc, k->ifindex, XC_ROUTE_DEL, &k->g,
					1);
		if (err && err != -ENOENT) {
			xd_log("%s: cannot delete group %u: %s %s",
			       dev_name(a, k->ifindex), k->g.id, strerror(-err),
			       xc_errmsg(a->xc));
			continue;
		}
		xd_log("%s: group %u removed (no route names it)",
		       dev_name(a, k->ifindex), k->g.id);
		kg_drop(t, k);
		n++;
	}
	return n;
}

static void kg_count(struct xd_table *t, int ifindex, uint32_t id, int d)
{
	struct kgroup *k = id ? kg_find(t, ifindex, id) : NULL;

	if (k && (d > 0 || k->g.routes))
		k->g.routes += d;
}

struct requeue {
	struct agent *a;
	const char *cloud;
};

static void requeue_kv(const struct xe_kv *kv, void *arg)
{
	struct requeue *rq = arg;
	struct json_object *o = xe_kv_object(kv);
	const char *c = xd_json_str(o, "cloud");

	if (c && !strcmp(c, rq->cloud))
		xd_table_sync_key(rq->a, kv->key + strlen(rq->a->p_remote));
	json_object_put(o);
}

void xd_table_group_changed(struct agent *a, const struct xd_group *g,
			    bool is_new)
{
	struct xd_table *t = a->table;

	if (!t || !t->synced)
		return;		/* the first full sync does it all */
	t->groups_dirty = true;
	xd_work_pending(a);
	/* The routes that waited for it (a cloud's first good members: not
	 * at every change, which leaves routes as they are). */
	if (is_new && a->remote) {
		struct requeue rq = { a, g->cloud };

		xe_mirror_foreach(a->remote, requeue_kv, &rq);
	}
}

size_t xd_table_group_count(struct agent *a, uint32_t vni)
{
	size_t n = 0;

	for (size_t i = 0; a->table && i < a->table->nkg; i++)
		if (!vni || a->table->kg[i].vni == vni)
			n++;
	return n;
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
	if (want < 0)
		return false;
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
	if (e)
		kg_count(t, e->ifindex, e->r.nhid, -1);
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
	kg_count(t, e->ifindex, e->r.nhid, 1);
}

static void change_failed(struct agent *a, const struct change *c, int err)
{
	xd_log("%s: cannot %s route %s: %s %s", c->dev,
	       c->del ? "delete" : "set", c->addr, strerror(-err),
	       xc_errmsg(a->xc));
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

/* The group a change's route names is in its device (made if not); false
 * if it cannot be (logged), and the change waits for the next sync. */
static bool group_ready(struct agent *a, const struct change *c)
{
	const struct xd_group *g;
	uint32_t vni;

	if (c->del || !c->r.nhid)
		return true;
	g = xd_group_by_id(a, c->r.nhid);
	if (!g || !xd_split_key(c->key, &vni, (char[64]){ 0 }, 64))
		return false;
	return !kg_set(a, vni, c->ifindex, c->dev, g);
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

	if (t->synced && t->groups_dirty)
		done += groups_refresh(a);
	if (!xd_workq_len(&t->work))
		return done + (t->synced ? groups_gc(a) : 0);
	cs = malloc(max * sizeof(*cs));
	rs = malloc(max * sizeof(*rs));
	if (!cs || !rs) {
		free(cs);
		free(rs);
		return 0;
	}
	while (done < max && (s = xd_workq_pop(&t->work))) {
		/* Until a dump says what the kernel holds, touch nothing. */
		if (t->synced && change_for(a, s, &cs[n]) &&
		    group_ready(a, &cs[n]))
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
	if (!xd_workq_len(&t->work))
		done += groups_gc(a);
	return done;
}

/* ---- full sync: a dump, libxcloud's diff, the difference queued ---- */

struct routes {
	struct xc_route *r;
	size_t n, cap;
};

struct dump_ctx {
	uint32_t vni;
	int ifindex;
	void **root;
	struct routes *cur;	/* every route read, for the diff */
};

/* Each route read goes to the diff; host routes are recorded too. */
static int dump_route(const struct xc_route *r, void *arg)
{
	struct dump_ctx *d = arg;
	struct tentry *e;
	char a[INET6_ADDRSTRLEN];
	unsigned int full = r->dst.addr.family == AF_INET ? 32 : 128;

	if (!xd_grow((void **)&d->cur->r, &d->cur->cap, d->cur->n,
		     sizeof(*d->cur->r)))
		return -ENOMEM;
	d->cur->r[d->cur->n++] = *r;
	if (r->dst.len != full)
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
	size_t n, cap;
};

static void key_add(struct keys *ks, const char *k)
{
	if (!xd_grow((void **)&ks->k, &ks->cap, ks->n, sizeof(*ks->k)))
		return;
	if ((ks->k[ks->n] = strdup(k)))
		ks->n++;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

struct gdump_ctx {
	struct xd_table *t;
	uint32_t vni;
	int ifindex;
};

/* Groups below XD_GROUP_ID_MIN are made by hand: not ours to touch. */
static int dump_group(const struct xc_nhgroup *g, void *arg)
{
	struct gdump_ctx *d = arg;
	struct xd_table *t = d->t;
	struct kgroup *k;

	if (!xd_group_id_ours(g->id))
		return 0;
	if (!xd_grow((void **)&t->kg, &t->capkg, t->nkg, sizeof(*t->kg)))
		return -ENOMEM;
	k = &t->kg[t->nkg++];
	k->vni = d->vni;
	k->ifindex = d->ifindex;
	k->g = *g;
	qsort(k->g.members, k->g.n_members, sizeof(k->g.members[0]),
	      addr_cmp);
	return 0;
}

/* Keys of one VNI ("<vni>/"), from the kernel's side and the store's. */
struct vni_keys {
	struct agent *a;
	char pre[16];
	size_t plen, prelen;
	bool forget;
	struct keys ks;
};

static void vni_entry(const void *nodep, VISIT v, void *arg)
{
	const struct tentry *e = *(const struct tentry * const *)nodep;
	struct vni_keys *vk = arg;

	if ((v == postorder || v == leaf) &&
	    !strncmp(e->key, vk->pre, vk->prelen))
		key_add(&vk->ks, e->key);
}

static void vni_kv(const struct xe_kv *kv, void *arg)
{
	struct vni_keys *vk = arg;

	if (!strncmp(kv->key + vk->plen, vk->pre, vk->prelen))
		key_add(&vk->ks, kv->key + vk->plen);
}

/* The keys of vni the kernel holds (as recorded), or the store's. */
static void vni_collect(struct agent *a, uint32_t vni, struct vni_keys *vk,
			bool store)
{
	memset(vk, 0, sizeof(*vk));
	vk->a = a;
	vk->prelen = (size_t)snprintf(vk->pre, sizeof(vk->pre), "%u/", vni);
	if (!store) {
		twalk_r(a->table->root, vni_entry, vk);
		return;
	}
	vk->plen = strlen(a->p_bindings);
	xe_mirror_foreach(a->bindings, vni_kv, vk);
	if (a->remote) {
		vk->plen = strlen(a->p_remote);
		xe_mirror_foreach(a->remote, vni_kv, vk);
	}
}

void xd_table_forget_vni(struct agent *a, uint32_t vni)
{
	struct xd_table *t = a->table;
	struct vni_keys vk;

	for (size_t i = t->nkg; i-- > 0;)
		if (t->kg[i].vni == vni)
			kg_drop(t, &t->kg[i]);
	vni_collect(a, vni, &vk, false);
	for (size_t i = 0; i < vk.ks.n; i++) {
		struct tentry probe, **pe;

		snprintf(probe.key, sizeof(probe.key), "%s", vk.ks.k[i]);
		pe = tfind(&probe, &t->root, entry_cmp);
		if (pe) {
			struct tentry *e = *pe;

			tdelete(e, &t->root, entry_cmp);
			free(e);
		}
		free(vk.ks.k[i]);
	}
	free(vk.ks.k);
}

struct count {
	uint32_t vni;
	size_t n;
};

static void count_entry(const void *nodep, VISIT v, void *arg)
{
	const struct tentry *e = *(const struct tentry * const *)nodep;
	struct count *c = arg;

	if ((v == postorder || v == leaf) &&
	    (!c->vni || strtoul(e->key, NULL, 10) == c->vni))
		c->n++;
}

size_t xd_table_count(struct agent *a, uint32_t vni)
{
	struct count c = { vni, 0 };

	if (a->table)
		twalk_r(a->table->root, count_entry, &c);
	return c.n;
}

/*
 * The store's routes of one device for the diff: want[i] is key[i]'s.
 * The kernel's route at an address of keep is left as it is.
 */
struct dev_want {
	struct xc_route *want;
	char **key;
	size_t n, cap, capkey;
	struct xc_addr *keep;	/* sorted, for keep_route() */
	size_t nkeep, capkeep;
};

static bool keep_route(const struct xc_route *r, void *arg)
{
	const struct dev_want *w = arg;

	return bsearch(&r->dst.addr, w->keep, w->nkeep, sizeof(*w->keep),
		       addr_cmp);
}

static void keep_add(struct dev_want *w, const struct xc_addr *addr)
{
	if (xd_grow((void **)&w->keep, &w->capkeep, w->nkeep,
		    sizeof(*w->keep)))
		w->keep[w->nkeep++] = *addr;
}

/* What the store wants of one key of the device, as wanted() says. */
static void want_key(struct agent *a, const char *dev, struct dev_want *w,
		     char *key)
{
	char addr[64], s[INET6_ADDRSTRLEN], why[128];
	struct xc_route r;
	uint32_t vni;
	int want;

	if (strlen(key) >= sizeof(((struct tentry *)0)->key) ||
	    !xd_split_key(key, &vni, addr, sizeof(addr)))
		return;
	want = wanted(a, key, &r, why, sizeof(why));
	if (!want)
		return;
	route_normalise(&r);
	/* A group not read yet: the route stays as it is. So does one of a
	 * key spelling its address otherwise than the kernel, which would be
	 * the same route under two keys. */
	if (want > 0 && strcmp(addr, xc_addr_str(&r.dst.addr, s, sizeof(s)))) {
		xd_log("%s: key %s: address not spelled %s: its route left as it is",
		       dev, key, s);
		want = -1;
	}
	if (want < 0) {
		keep_add(w, &r.dst.addr);
		return;
	}
	if (!xd_grow((void **)&w->want, &w->cap, w->n, sizeof(*w->want)) ||
	    !xd_grow((void **)&w->key, &w->capkey, w->n, sizeof(*w->key)))
		return;
	w->want[w->n] = r;
	w->key[w->n++] = key;
}

/*
 * One device's full sync: its table read (kept in the table as what the
 * kernel holds) and its groups; the store's routes diffed against it by
 * libxcloud, host routes only; and each route the diff would add, replace
 * or delete queued by its key, for xd_table_work to send in slices as it
 * does the incremental path's. A failed read diffs against what was read:
 * the store's routes are all sent, stale ones stay until the next sync.
 */
static void sync_device(uint32_t vni, int ifindex, const char *dev,
			void *arg)
{
	struct agent *a = arg;
	struct routes cur = { 0 };
	struct dump_ctx d = { .vni = vni, .ifindex = ifindex,
			      .root = &a->table->root, .cur = &cur };
	struct gdump_ctx gd = { a->table, vni, ifindex };
	struct dev_want w = { 0 };
	const struct xc_route_filter f = { .types = ~0U, .host_only = true,
					   .keep = keep_route, .arg = &w };
	struct xc_sync_op *ops = NULL;
	struct vni_keys vk;
	size_t nops = 0, bad, queued = 0;
	char k[96], s[INET6_ADDRSTRLEN];
	int err = xc_route_dump(a->xc, ifindex, dump_route, &d);

	if (err)
		xd_log("%s: cannot read the table: %s %s", dev, strerror(-err),
		       xc_errmsg(a->xc));
	/* The groups after the routes: their route counts are current. */
	err = xc_nhgroup_dump(a->xc, ifindex, dump_group, &gd);
	if (err)
		xd_log("%s: cannot read the next-hop groups: %s %s", dev,
		       strerror(-err), xc_errmsg(a->xc));

	/* The store's keys, a key in the bindings and the remote entries
	 * once. */
	vni_collect(a, vni, &vk, true);
	qsort(vk.ks.k, vk.ks.n, sizeof(*vk.ks.k), key_cmp);
	for (size_t i = 0; i < vk.ks.n; i++)
		if (!i || strcmp(vk.ks.k[i - 1], vk.ks.k[i]))
			want_key(a, dev, &w, vk.ks.k[i]);
	qsort(w.keep, w.nkeep, sizeof(*w.keep), addr_cmp);

	err = xc_route_diff(w.want, w.n, cur.r, cur.n, &f, &ops, &nops, &bad);
	if (err) {
		/* Cannot happen (keys are distinct host routes) but out of
		 * memory: every key then, and table_work decides each. */
		struct vni_keys kk;

		xd_log("%s: cannot diff the table: %s", dev, strerror(-err));
		for (size_t i = 0; i < w.n; i++)
			xd_table_sync_key(a, w.key[i]);
		vni_collect(a, vni, &kk, false);
		for (size_t i = 0; i < kk.ks.n; i++) {
			xd_table_sync_key(a, kk.ks.k[i]);
			free(kk.ks.k[i]);
		}
		free(kk.ks.k);
	}
	for (size_t i = 0; i < nops; i++) {
		const struct xc_sync_op *op = &ops[i];

		if (op->act == XC_SYNC_SAME || op->act == XC_SYNC_KEEP)
			continue;
		if (op->act == XC_SYNC_DEL)
			snprintf(k, sizeof(k), "%u/%s", vni,
				 xc_addr_str(&cur.r[op->cur].dst.addr, s,
					     sizeof(s)));
		else
			snprintf(k, sizeof(k), "%s", w.key[op->want]);
		xd_table_sync_key(a, k);	/* sent by table_work */
		queued++;
	}
	if (queued && xd_timing())
		xd_log("table: %s: %zu routes read, %zu wanted, %zu queued", dev,
		       cur.n, w.n, queued);
	for (size_t i = 0; i < vk.ks.n; i++)
		free(vk.ks.k[i]);
	free(vk.ks.k);
	free(ops);
	free(cur.r);
	free(w.want);
	free(w.key);
	free(w.keep);
}

void xd_table_sync_vni(struct agent *a, uint32_t vni)
{
	const char *dev;
	int ifindex;

	if (!a->table->synced)
		return;		/* the first full sync does every device */
	/* A device adopted from a previous run holds routes and groups: read
	 * them, so that only differences change and stale ones go. */
	ifindex = device_ifindex(a, vni, &dev);
	if (!ifindex)
		return;
	xd_table_forget_vni(a, vni);
	sync_device(vni, ifindex, dev, a);
	a->table->groups_dirty = true;
	xd_work_pending(a);
}

void xd_table_sync_all(struct agent *a)
{
	struct xd_table *t = a->table;
	void *old = t->root;

	/* Until the store was read once we know nothing: touch nothing. */
	if (!xe_mirror_synced(a->bindings) ||
	    (a->remote && !xe_mirror_synced(a->remote)) ||
	    (a->groups && !xe_mirror_synced(a->groups)))
		return;
	t->root = NULL;
	t->nkg = 0;
	xd_nets_foreach(a, sync_device, a);
	tdestroy(old, free);
	t->synced = true;
	/* Wrong members repaired now; groups no route names go once the
	 * keys queued are worked off (table_work). */
	t->groups_dirty = true;
	xd_work_pending(a);
}
