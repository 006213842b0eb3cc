// SPDX-License-Identifier: GPL-2.0
/*
 * Which underlay sources the devices accept (their allow-lists) and which
 * gateways relay into them (an edge device's "gateways"), from the store:
 *
 *   <prefix>/underlay/<cloud>   {"prefixes": ["10.255.0.0/24", ...]}
 *
 * each cloud declaring its own and xcloud-coord copying it to the others.
 *
 *   switch agent   own cloud's prefixes, its gateways, and the other
 *                  clouds' gateways its remote entries name (in the
 *                  entries of the older form, or in the groups of the
 *                  clouds they name, groups.c); "gateways"
 *                  is its own cloud's gateways (gateways/<name>)
 *   gateway agent  own cloud's prefixes and every other cloud's
 *
 * With nothing in the store a device accepts nothing (the kernel's
 * source check: an empty allow-list admits no tunnel). A bad value is
 * logged with its key and counts as absent.
 *
 * An own gateway whose record goes (its agent's lease expired) stays in
 * the switches' "gateways" for XD_GATEWAY_GRACE_S: its kernel may well
 * still relay, and the other clouds send through it until the
 * coordinator has rewritten their entries, which it does only after it
 * saw the record go, as this agent did. Dropping it at once would lose
 * what it relays meanwhile.
 */
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "agent.h"

/* The most prefixes one cloud may declare. */
#define XD_UNDERLAY_PREFIXES 64

/* How long a gateway whose record went is still accepted (seconds). */
#define XD_GATEWAY_GRACE_S 10.0

struct gwref {
	struct xc_addr addr;
	size_t refs;			/* remote entries naming it */
};

struct cloudref {
	char cloud[XE_NAME_MAX + 1];
	size_t refs;			/* remote entries naming it */
};

static bool addr_eq(const struct xc_addr *x, const struct xc_addr *y)
{
	return x->family == y->family &&
	       !memcmp(x->bytes, y->bytes, xc_addr_len(x));
}

static int addr_cmp(const void *a, const void *b)
{
	const struct xc_addr *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x->bytes, y->bytes, xc_addr_len(x));
}

static int prefix_cmp(const void *a, const void *b)
{
	const struct xc_prefix *x = a, *y = b;
	int c = addr_cmp(&x->addr, &y->addr);

	return c ? c : x->len - y->len;
}

static struct xc_prefix host_prefix(const struct xc_addr *a)
{
	struct xc_prefix p = { .addr = *a };

	p.len = (uint8_t)(xc_addr_len(a) * 8);
	return p;
}

/* ---- gateways named by remote entries (switch), counted ---- */

/* The addresses of a remote entry's "gateways" (the older form): how
 * many, none if the list is not one the table would route through. */
static size_t remote_gateways(const char *value, struct xc_addr *out,
			      size_t max)
{
	struct json_object *o = xe_json_object(value, strlen(value), NULL, 0);
	struct json_object *gws = NULL;
	unsigned int n = 0;

	if (o && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "gateways", &gws) &&
	    xc_gateways_parse(gws, out, (unsigned int)max, &n))
		n = 0;
	json_object_put(o);
	return n;
}

static void gw_count(struct xd_trust *t, const struct xc_addr *a, int d)
{
	for (size_t i = 0; i < t->nrefs; i++) {
		if (!addr_eq(&t->refs[i].addr, a))
			continue;
		if (d > 0) {
			t->refs[i].refs++;
		} else if (!--t->refs[i].refs) {
			t->refs[i] = t->refs[--t->nrefs];
			t->dirty = true;
		}
		return;
	}
	if (d < 0)
		return;
	if (!xd_grow((void **)&t->refs, &t->caprefs, t->nrefs,
		     sizeof(*t->refs)))
		return;
	t->refs[t->nrefs++] = (struct gwref){ *a, 1 };
	t->dirty = true;
}

/* The cloud a remote entry names counts d (its group's gateways). */
static void cloud_count(struct xd_trust *t, const char *value, int d)
{
	struct json_object *o = xe_json_object(value, strlen(value), NULL, 0);
	const char *c = xd_json_str(o, "cloud");
	size_t i;

	if (!c || !xe_name_ok(c))
		goto out;
	for (i = 0; i < t->ncrefs && strcmp(t->crefs[i].cloud, c); i++)
		;
	if (i < t->ncrefs) {
		if (d > 0) {
			t->crefs[i].refs++;
		} else if (!--t->crefs[i].refs) {
			t->crefs[i] = t->crefs[--t->ncrefs];
			t->dirty = true;
		}
	} else if (d > 0 && xd_grow((void **)&t->crefs, &t->capcrefs,
				    t->ncrefs, sizeof(*t->crefs))) {
		snprintf(t->crefs[t->ncrefs].cloud,
			 sizeof(t->crefs[0].cloud), "%s", c);
		t->crefs[t->ncrefs++].refs = 1;
		t->dirty = true;
	}
out:
	json_object_put(o);
}

void xd_trust_remote(struct xd_trust *t, const struct xe_kv *kv,
		     const struct xe_kv *old)
{
	struct xc_addr a[XCLOUD_MAX_NEXTHOPS];
	size_t n;

	if (old) {
		n = remote_gateways(old->value, a, XCLOUD_MAX_NEXTHOPS);
		for (size_t i = 0; i < n; i++)
			gw_count(t, &a[i], -1);
		cloud_count(t, old->value, -1);
	}
	if (kv) {
		n = remote_gateways(kv->value, a, XCLOUD_MAX_NEXTHOPS);
		for (size_t i = 0; i < n; i++)
			gw_count(t, &a[i], 1);
		cloud_count(t, kv->value, 1);
	}
}

static void recount_kv(const struct xe_kv *kv, void *arg)
{
	xd_trust_remote(arg, kv, NULL);
}

void xd_trust_remote_reread(struct agent *a, struct xd_trust *t)
{
	t->nrefs = 0;
	t->ncrefs = 0;
	t->dirty = true;
	if (a->remote)
		xe_mirror_foreach(a->remote, recount_kv, t);
}

/* ---- what is wanted ---- */

struct want {
	struct xc_prefix *p;
	size_t n, cap;
};

static int want_add(struct want *w, const struct xc_prefix *p)
{
	if (!xd_grow((void **)&w->p, &w->cap, w->n, sizeof(*p)))
		return -ENOMEM;
	w->p[w->n++] = *p;
	return 0;
}

/*
 * Values are logged when they arrive (xd_trust_check), not each time the
 * whole set is read again: a thousand bad ones would log a million lines.
 */
static bool trust_quiet = true;

/* One cloud's declared prefixes, added to w. */
static void underlay_add(const struct xe_kv *kv, struct want *w)
{
	struct json_object *o = xe_kv_object(kv), *arr;
	struct xc_prefix p;
	size_t n;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "prefixes", &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    (n = json_object_array_length(arr)) > XD_UNDERLAY_PREFIXES) {
		if (!trust_quiet)
			xd_log("underlay %s: want {\"prefixes\": [up to %d prefixes]}, got %.200s: ignored",
		       kv->key, XD_UNDERLAY_PREFIXES, kv->value);
		json_object_put(o);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(e, json_type_string) ||
		    xc_prefix_parse(json_object_get_string(e), &p)) {
			if (!trust_quiet)
				xd_log("underlay %s: prefix %zu is not ADDR/LEN with host bits clear: ignored",
				       kv->key, i);
			continue;
		}
		want_add(w, &p);
	}
	json_object_put(o);
}

struct collect {
	struct agent *a;
	struct want *w;
	bool others;			/* every other cloud's too */
};

static void underlay_kv(const struct xe_kv *kv, void *arg)
{
	struct collect *c = arg;
	const char *cloud = kv->key + strlen(c->a->p_underlay);

	if (!strcmp(cloud, c->a->conf->cloud) || c->others)
		underlay_add(kv, c->w);
}

static void gateway_kv(const struct xe_kv *kv, void *arg)
{
	struct xd_trust *t = arg;
	struct json_object *o = xe_kv_object(kv), *u = NULL;
	struct xc_addr a;
	const char *bad;

	if (o && json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, "underlay", &u);
	bad = xc_unicast_parse(u, &a);
	if (!bad) {
		if (t->ngw < XCLOUD_MAX_GATEWAYS)
			t->gw[t->ngw++] = a;
		else
			xd_log("gateway %s: more than %d gateways, not all used",
			       kv->key, XCLOUD_MAX_GATEWAYS);
	} else if (!trust_quiet) {
		xd_log("gateway %s: want {\"underlay\": ADDRESS}, got %.200s (%s): ignored",
		       kv->key, kv->value, bad);
	}
	json_object_put(o);
}

static size_t uniq(void *base, size_t n, size_t size,
		   int (*cmp)(const void *, const void *))
{
	char *b = base;
	size_t k = 0;

	if (!n)
		return 0;
	qsort(base, n, size, cmp);
	for (size_t i = 1; i < n; i++)
		if (cmp(b + k * size, b + i * size))
			memmove(b + ++k * size, b + i * size, size);
	return k + 1;
}

void xd_trust_check(struct agent *a, struct xe_mirror *m,
		    const struct xe_kv *kv)
{
	struct xd_trust scratch = { 0 };
	struct want w = { 0 };

	trust_quiet = false;
	if (m == a->gateways)
		gateway_kv(kv, &scratch);
	else
		underlay_add(kv, &w);
	trust_quiet = true;
	free(w.p);
}

/* ---- own gateways leaving (switch) ---- */

static bool addr_in(const struct xc_addr *a, const struct xc_addr *set,
		    unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (addr_eq(a, &set[i]))
			return true;
	return false;
}

static void grace_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct xd_trust *t = w->data;

	(void)ev;
	(void)revents;
	t->dirty = true;
	xd_work_pending(t->a);
}

void xd_trust_init(struct agent *a, struct xd_trust *t)
{
	t->a = a;
	ev_init(&t->grace, grace_cb);
	t->grace.data = t;
}

/*
 * old (n) were the devices' gateways, t->gw (t->ngw) are those the store
 * has now: the ones gone start their grace, those back or due end it,
 * and the rest are added to t->gw.
 */
static void leaving_update(struct agent *a, struct xd_trust *t,
			   const struct xc_addr *old, unsigned int n)
{
	ev_tstamp now = ev_now(a->ev), first = 0;
	char buf[64];
	unsigned int i, k = 0;

	for (i = 0; i < n; i++) {
		if (addr_in(&old[i], t->gw, t->ngw) ||
		    addr_in(&old[i], t->leaving, t->nleaving) ||
		    t->nleaving == XCLOUD_MAX_GATEWAYS)
			continue;
		t->leaving[t->nleaving] = old[i];
		t->leaving_until[t->nleaving++] = now + XD_GATEWAY_GRACE_S;
		xd_log("gateway %s: its record went; still accepted for %.0f s",
		       xc_addr_str(&old[i], buf, sizeof(buf)),
		       XD_GATEWAY_GRACE_S);
	}
	for (i = 0; i < t->nleaving; i++) {
		bool back = addr_in(&t->leaving[i], t->gw, t->ngw);

		if (back || t->leaving_until[i] <= now) {
			if (!back)
				xd_log("gateway %s: no longer accepted",
				       xc_addr_str(&t->leaving[i], buf,
						   sizeof(buf)));
			continue;
		}
		t->leaving[k] = t->leaving[i];
		t->leaving_until[k++] = t->leaving_until[i];
		if (!first || t->leaving_until[i] < first)
			first = t->leaving_until[i];
		if (t->ngw < XCLOUD_MAX_GATEWAYS)
			t->gw[t->ngw++] = t->leaving[i];
	}
	t->nleaving = k;
	ev_timer_stop(a->ev, &t->grace);
	if (k) {
		ev_timer_set(&t->grace, first - now, 0.);
		ev_timer_start(a->ev, &t->grace);
	}
}

bool xd_trust_update(struct agent *a, struct xd_trust *t)
{
	struct want w = { 0 };
	/* A gateway's devices relay from every cloud. */
	struct collect c = { a, &w, a->ops->mode == XCLOUD_MODE_GATEWAY };
	struct xc_addr gw[XCLOUD_MAX_GATEWAYS];
	unsigned int ngw = t->ngw;
	struct xc_prefix p;
	bool changed;

	/*
	 * Until the store was read, what the kernel has stands: a restart,
	 * or one with etcd away, must not empty a device's gateways and
	 * allow-list and drop what they let in meanwhile.
	 */
	if ((a->gateways && !xe_mirror_synced(a->gateways)) ||
	    (a->underlay && !xe_mirror_synced(a->underlay)) ||
	    (a->remote && !xe_mirror_synced(a->remote)))
		return false;
	memcpy(gw, t->gw, sizeof(gw));
	t->ngw = 0;
	if (a->gateways)
		xe_mirror_foreach(a->gateways, gateway_kv, t);
	t->ngw = (unsigned int)uniq(t->gw, t->ngw, sizeof(t->gw[0]), addr_cmp);
	if (a->gateways) {
		leaving_update(a, t, gw, ngw);
		t->ngw = (unsigned int)uniq(t->gw, t->ngw, sizeof(t->gw[0]),
					    addr_cmp);
	}
	if (a->underlay)
		xe_mirror_foreach(a->underlay, underlay_kv, &c);
	for (unsigned int i = 0; i < t->ngw; i++) {
		p = host_prefix(&t->gw[i]);
		want_add(&w, &p);
	}
	for (size_t i = 0; i < t->nrefs; i++) {
		p = host_prefix(&t->refs[i].addr);
		want_add(&w, &p);
	}
	for (size_t i = 0; i < t->ncrefs; i++) {
		const struct xd_group *g = xd_group_find(a, t->crefs[i].cloud);

		for (unsigned int j = 0; g && g->known && j < g->n; j++) {
			p = host_prefix(&g->gw[j]);
			want_add(&w, &p);
		}
	}
	w.n = uniq(w.p, w.n, sizeof(*w.p), prefix_cmp);
	t->dirty = false;
	changed = w.n != t->nallow || ngw != t->ngw ||
		  (w.n && memcmp(w.p, t->allow, w.n * sizeof(*w.p))) ||
		  (ngw && memcmp(gw, t->gw, ngw * sizeof(*gw)));
	free(t->allow);
	t->allow = w.p;
	t->nallow = w.n;
	if (changed) {
		t->gen++;
		if (!t->gen)
			t->gen = 1;	/* 0: "never applied" */
		xd_log("trust: %zu allowed underlay prefixes, %u own gateways",
		       t->nallow, t->ngw);
	}
	return changed;
}

/* ---- a device in line with it ---- */

static int have_cb(const struct xc_prefix *p, void *arg)
{
	return want_add((struct want *)arg, p);
}

int xd_trust_apply(struct agent *a, const struct xd_trust *t,
		   const char *dev, int ifindex)
{
	struct want have = { 0 }, add = { 0 }, del = { 0 };
	const char *m;
	int r;

	r = xc_allow_dump(a->xc, ifindex, have_cb, &have);
	/* the kernel's order: sorted to be searched */
	if (!r)
		have.n = uniq(have.p, have.n, sizeof(*have.p), prefix_cmp);
	for (size_t i = 0; !r && i < t->nallow; i++)
		if (!have.n || !bsearch(&t->allow[i], have.p, have.n,
					sizeof(*have.p), prefix_cmp))
			r = want_add(&add, &t->allow[i]);
	for (size_t i = 0; !r && i < have.n; i++)
		if (!t->nallow || !bsearch(&have.p[i], t->allow, t->nallow,
					   sizeof(*t->allow), prefix_cmp))
			r = want_add(&del, &have.p[i]);
	if (!r && add.n)
		r = xc_allow_add(a->xc, ifindex, add.p, add.n);
	if (!r && del.n)
		r = xc_allow_del(a->xc, ifindex, del.p, del.n);
	if (!r && a->ops->mode == XCLOUD_MODE_EDGE) {
		struct xc_link l = { .mask = XC_LINK_GATEWAYS };

		snprintf(l.name, sizeof(l.name), "%s", dev);
		l.n_gateways = (uint8_t)t->ngw;
		memcpy(l.gateways, t->gw, t->ngw * sizeof(t->gw[0]));
		r = xc_link_set(a->xc, &l);
	}
	if (r) {
		m = xc_errmsg(a->xc);
		xd_log("%s: cannot set its allow-list and gateways: %s%s%s",
		       dev, strerror(-r), *m ? ": " : "", m);
	} else if (add.n || del.n) {
		xd_log("%s: allow-list +%zu -%zu (%zu prefixes)", dev, add.n,
		       del.n, t->nallow);
	}
	free(have.p);
	free(add.p);
	free(del.p);
	return r;
}

void xd_trust_free(struct xd_trust *t)
{
	if (t->a)
		ev_timer_stop(t->a->ev, &t->grace);
	free(t->allow);
	free(t->refs);
	free(t->crefs);
	memset(t, 0, sizeof(*t));
}
