// SPDX-License-Identifier: GPL-2.0
/*
 * The virtual networks a switch or gateway agent serves, each in a VRF of
 * its own, so tenants may use the same addresses and reach neither each
 * other nor the underlay. A network is declared by a [vni N] section of
 * the file or by the store:
 *
 *   <prefix>/networks/<vni>  {"prefixes": ["10.100.0.0/16", "fd00:100::/64"]}
 *
 * and gets, made or adopted when it appears and removed when it goes:
 *
 *   VRF      xvrf<N> (or [vni N] vrf), a table from table-range
 *   device   xc<N> (or [vni N] device), the node's underlay address,
 *            mode edge (switch) or gateway, enslaved to the VRF, up
 *   routes   in the VRF's table: unreachable defaults (a miss never falls
 *            through to the main table) and each overlay prefix into the
 *            device (proto 77); the switch agent adds its VMs' host routes
 *            through their ports, which it enslaves (ports.c)
 *
 * An interface of the same name that is something else (not a VRF, not
 * the xcloud device of that VNI) is refused with a log line and never
 * touched. Work is queued by VNI and done in chunks from the loop, like
 * ports and routes (overlay.c).
 */
#include <errno.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <json-c/json.h>
#include "agent.h"
#include "eip.h"

/* The metric of the VRFs' unreachable defaults: the kernel's largest, so
 * any real default route wins (what `ip vrf` guides use). */
#define XD_UNREACHABLE_METRIC 4278198272U

struct net {
	uint32_t vni;
	char dev[IF_NAMESIZE], vrf[IF_NAMESIZE];
	uint32_t table;			/* 0: none yet */
	int dev_ifindex, vrf_ifindex;	/* set once made or adopted */
	bool vrf_ready;			/* VRF and its defaults: ports go in */
	bool ready;			/* and the device, its routes, trust */
	bool refused;			/* said why once; tried again on change */
	bool remaking;			/* VRF lost, being made again: the
					 * ports' bindings stay meanwhile */
	bool found;			/* seen in the kernel at start */
	struct xc_prefix routed[XD_NET_PREFIXES];	/* overlay routes */
	unsigned int nrouted;
	unsigned int trust_gen;		/* allow-list and gateways as of */
};

/* A network that could not be made is tried again this often (a module
 * loaded late, a port freed, a name given back). */
#define XD_NETS_RETRY_S 5.0

struct xd_nets {
	struct agent *a;
	ev_timer retry;
	void *by_vni;			/* tree of struct net */
	size_t n;
	struct xd_workq work;		/* VNIs ("%u") to bring in line */
	uint32_t next_table;
	void *tables;			/* tree of uint32_t in use */
	bool ipv6;			/* the namespace has IPv6 */
	struct xc_addr local;
	/* what the devices accept (trust.c fills it) */
	struct xd_trust trust;
	/* proto-77 routes found at start: table -> routed prefixes */
	struct xc_table_route *found_routes;
	size_t nfound_routes, capfound_routes;
};

static int net_cmp(const void *a, const void *b)
{
	const struct net *x = a, *y = b;

	return (x->vni > y->vni) - (x->vni < y->vni);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static struct net *net_find(struct xd_nets *ns, uint32_t vni)
{
	struct net probe = { .vni = vni }, **p;

	p = tfind(&probe, &ns->by_vni, net_cmp);
	return p ? *p : NULL;
}

static struct net *net_get(struct agent *a, uint32_t vni)
{
	struct xd_nets *ns = a->nets;
	struct net *n = net_find(ns, vni);

	if (n)
		return n;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->vni = vni;
	xd_vni_devname(a->conf, vni, n->dev);
	xd_vni_vrfname(a->conf, vni, n->vrf);
	if (!tsearch(n, &ns->by_vni, net_cmp)) {
		free(n);
		return NULL;
	}
	ns->n++;
	return n;
}

static void table_take(struct xd_nets *ns, uint32_t table)
{
	uint32_t *t = malloc(sizeof(*t));
	void *p;

	if (!t)
		return;
	*t = table;
	p = tsearch(t, &ns->tables, u32_cmp);
	if (!p || *(uint32_t **)p != t)
		free(t);
}

static void table_release(struct xd_nets *ns, uint32_t table)
{
	void *p = tfind(&table, &ns->tables, u32_cmp);
	uint32_t *t;

	if (!p)
		return;
	t = *(uint32_t **)p;
	tdelete(&table, &ns->tables, u32_cmp);
	free(t);
}

/* The lowest free table of the range after the last one given out. */
static uint32_t table_alloc(struct agent *a)
{
	struct xd_nets *ns = a->nets;
	uint32_t first = a->conf->table_first, last = a->conf->table_last;
	uint64_t span = (uint64_t)last - first + 1;
	uint32_t t = ns->next_table;

	for (uint64_t i = 0; i < span; i++, t++) {
		if (t < first || t > last)
			t = first;
		if (!tfind(&t, &ns->tables, u32_cmp)) {
			ns->next_table = t + 1;
			table_take(ns, t);
			return t;
		}
	}
	return 0;
}

static bool in_range(struct agent *a, uint32_t table)
{
	return table >= a->conf->table_first && table <= a->conf->table_last;
}

/* ---- what is wanted ---- */

/* The network's overlay prefixes: the file's, else the store's. 1 and
 * *n filled if the network is declared at all, 0 if not, -1 if the
 * store's value is bad (logged; the network is left as it is). */
static int wanted(struct agent *a, uint32_t vni, struct xc_prefix *p,
		  unsigned int *n)
{
	const struct xd_vni_conf *vc = xd_conf_vni(a->conf, vni);
	const struct xe_kv *kv;
	struct json_object *o, *arr;
	char key[512];
	int r = 1;

	*n = 0;
	if (vc && vc->prefixes)
		return xd_prefixes_parse(vc->prefixes, p, XD_NET_PREFIXES, n) ?
		       -1 : 1;
	snprintf(key, sizeof(key), "%s%u", a->p_networks, vni);
	kv = a->networks ? xe_mirror_get(a->networks, key) : NULL;
	if (!kv)
		return vc ? 1 : 0;
	o = xe_kv_object(kv);
	if (!o || !json_object_is_type(o, json_type_object)) {
		xd_log("network %s: value is not a JSON object: %.200s", key,
		       kv->value);
		r = -1;
	} else if (!json_object_object_get_ex(o, "prefixes", &arr)) {
		r = 1;		/* a network with no overlay route */
	} else if (!json_object_is_type(arr, json_type_array) ||
		   json_object_array_length(arr) > XD_NET_PREFIXES) {
		xd_log("network %s: \"prefixes\" must be an array of at most %d prefixes",
		       key, XD_NET_PREFIXES);
		r = -1;
	} else {
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *e = json_object_array_get_idx(arr, i);
			const char *sp;

			if (!json_object_is_type(e, json_type_string) ||
			    xc_prefix_parse(json_object_get_string(e), &p[*n])) {
				xd_log("network %s: prefix %zu is not ADDR/LEN with host bits clear: %.100s",
				       key, i, json_object_to_json_string(e));
				r = -1;
				break;
			}
			/* An overlay route into 224/4 or :: is no VM's. */
			sp = eip_prefix_special(&p[*n]);
			if (sp) {
				xd_log("network %s: prefix %zu %s is in %s",
				       key, i, json_object_get_string(e), sp);
				r = -1;
				break;
			}
			(*n)++;
		}
	}
	json_object_put(o);
	return r;
}

static bool prefix_eq(const struct xc_prefix *x, const struct xc_prefix *y)
{
	return x->len == y->len && x->addr.family == y->addr.family &&
	       !memcmp(x->addr.bytes, y->addr.bytes, xc_addr_len(&x->addr));
}

static bool prefix_in(const struct xc_prefix *p, const struct xc_prefix *set,
		      unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (prefix_eq(p, &set[i]))
			return true;
	return false;
}

static const char *prefix_str(const struct xc_prefix *p, char *buf,
			      size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", xc_addr_str(&p->addr, a, sizeof(a)),
		 p->len);
	return buf;
}

/* ---- making a network ---- */

static void refuse(struct net *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void refuse(struct net *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (n->refused)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xd_log(SD_WARNING "network %u: %s", n->vni, msg);
	n->refused = true;
}

static const char *kerr(struct agent *a, int err, char *buf, size_t len)
{
	const char *m = xc_errmsg(a->xc);

	snprintf(buf, len, "%s%s%s", strerror(-err), *m ? ": " : "", m);
	return buf;
}

/* The VRF: adopted if one of that name exists, else made with a table
 * of the range. */
static int vrf_ensure(struct agent *a, struct net *n)
{
	struct xd_nets *ns = a->nets;
	struct xc_iflink l;
	char e[300];
	int r;

	r = xc_iflink_get(a->xc, n->vrf, &l);
	if (!r) {
		if (strcmp(l.kind, "vrf")) {
			refuse(n, "%s exists and is not a VRF (kind \"%s\"): not touched",
			       n->vrf, l.kind);
			return -EEXIST;
		}
		if (n->table && l.vrf_table != n->table) {
			refuse(n, "%s is bound to table %u, not %u: not touched",
			       n->vrf, l.vrf_table, n->table);
			return -EEXIST;
		}
		if (!n->table) {
			n->table = l.vrf_table;
			table_take(ns, n->table);
			if (!in_range(a, n->table))
				xd_log("network %u: adopting %s with table %u, outside table-range %u-%u",
				       n->vni, n->vrf, n->table,
				       a->conf->table_first, a->conf->table_last);
		}
		n->vrf_ifindex = l.ifindex;
		if (!l.up && (r = xc_iflink_set(a->xc, l.ifindex, -1, 1))) {
			refuse(n, "cannot bring %s up: %s", n->vrf,
			       kerr(a, r, e, sizeof(e)));
			return r;
		}
		return 0;
	}
	if (r != -ENODEV) {
		refuse(n, "cannot look up %s: %s", n->vrf,
		       kerr(a, r, e, sizeof(e)));
		return r;
	}
	if (!n->table && !(n->table = table_alloc(a))) {
		refuse(n, "no free table left in table-range %u-%u",
		       a->conf->table_first, a->conf->table_last);
		return -ENOSPC;
	}
	r = xc_vrf_add(a->xc, n->vrf, n->table);
	if (!r)
		r = xc_iflink_get(a->xc, n->vrf, &l);
	if (r) {
		refuse(n, "cannot make VRF %s (table %u): %s", n->vrf,
		       n->table, kerr(a, r, e, sizeof(e)));
		return r;
	}
	n->vrf_ifindex = l.ifindex;
	xd_log("network %u: VRF %s made, table %u", n->vni, n->vrf, n->table);
	return 0;
}

/* The device's wanted attributes (the allow-list and gateways are the
 * trust's, see trust_apply). */
static void dev_want(struct agent *a, struct net *n, struct xc_link *l)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", n->dev);
	l->mask = XC_LINK_VNI | XC_LINK_PORT | XC_LINK_LOCAL | XC_LINK_MODE |
		  XC_LINK_TUNNELS | XC_LINK_SOURCE_CHECK;
	l->vni = n->vni;
	l->port = a->conf->port;
	l->local = a->nets->local;
	l->mode = a->ops->mode;
	l->tunnels = a->conf->tunnels;
	l->source_check = 1;
}

static int dev_ensure(struct agent *a, struct net *n)
{
	struct xc_link want, have;
	struct xc_iflink il;
	char e[300];
	int r;

	dev_want(a, n, &want);
	r = xc_iflink_get(a->xc, n->dev, &il);
	if (r && r != -ENODEV) {
		refuse(n, "cannot look up %s: %s", n->dev,
		       kerr(a, r, e, sizeof(e)));
		return r;
	}
	if (!r && strcmp(il.kind, "xcloud")) {
		refuse(n, "%s exists and is not an xcloud device (kind \"%s\"): not touched",
		       n->dev, il.kind);
		return -EEXIST;
	}
	if (!r) {
		r = xc_link_get(a->xc, n->dev, &have);
		if (r) {
			refuse(n, "cannot read %s: %s", n->dev,
			       kerr(a, r, e, sizeof(e)));
			return r;
		}
		if (have.vni != n->vni) {
			refuse(n, "%s is the xcloud device of VNI %u: not touched",
			       n->dev, have.vni);
			return -EEXIST;
		}
		/* Adopted: change what differs. */
		want.mask &= ~XC_LINK_VNI;
		if (have.port == want.port)
			want.mask &= ~XC_LINK_PORT;
		if (have.mode == want.mode)
			want.mask &= ~XC_LINK_MODE;
		if (have.tunnels == want.tunnels)
			want.mask &= ~XC_LINK_TUNNELS;
		if (have.source_check == want.source_check)
			want.mask &= ~XC_LINK_SOURCE_CHECK;
		if (have.local.family == want.local.family &&
		    !memcmp(have.local.bytes, want.local.bytes,
			    xc_addr_len(&want.local)))
			want.mask &= ~XC_LINK_LOCAL;
		/* The socket's port and address change only while down. */
		if ((want.mask & (XC_LINK_PORT | XC_LINK_LOCAL)) && il.up &&
		    !xc_iflink_set(a->xc, il.ifindex, -1, 0)) {
			il.up = false;
			n->nrouted = 0;	/* down took its overlay routes */
		}
		if (want.mask && (r = xc_link_set(a->xc, &want))) {
			refuse(n, "cannot set %s: %s", n->dev,
			       kerr(a, r, e, sizeof(e)));
			return r;
		}
		n->dev_ifindex = il.ifindex;
	} else {
		r = xc_link_add(a->xc, &want);
		if (!r)
			r = xc_iflink_get(a->xc, n->dev, &il);
		if (r) {
			refuse(n, "cannot make %s (vni %u, port %u): %s",
			       n->dev, n->vni, a->conf->port,
			       kerr(a, r, e, sizeof(e)));
			return r;
		}
		n->dev_ifindex = il.ifindex;
		xd_log("network %u: device %s made (%s, port %u)", n->vni,
		       n->dev, xc_mode_name(want.mode), want.port);
	}
	if (il.master != n->vrf_ifindex || !il.up) {
		r = xc_iflink_set(a->xc, n->dev_ifindex, n->vrf_ifindex, 1);
		if (r == -EADDRINUSE) {
			refuse(n, "cannot bring %s up: UDP port %u is taken by another socket (OVS/OVN's GENEVE uses 6081: set port in [agent])",
			       n->dev, a->conf->port);
			return r;
		}
		if (r) {
			refuse(n, "cannot put %s into %s and up: %s", n->dev,
			       n->vrf, kerr(a, r, e, sizeof(e)));
			return r;
		}
	}
	return 0;
}

static int route_set(struct agent *a, struct net *n, const struct xc_prefix *p,
		     uint8_t type, bool del)
{
	struct xc_table_route r = {
		.dst = *p, .table = n->table, .type = type,
		.protocol = XD_RTPROT,
	};
	char e[300], b[64];
	int err;

	if (type == RTN_UNREACHABLE)
		r.priority = XD_UNREACHABLE_METRIC;
	else
		r.oif = n->dev_ifindex;
	err = xc_table_route_change(a->xc, &r, del);
	if (err && !(del && (err == -ESRCH || err == -ENOENT)))
		xd_log("network %u: cannot %s %s route %s in table %u: %s",
		       n->vni, del ? "delete" : "add",
		       type == RTN_UNREACHABLE ? "unreachable" : "overlay",
		       prefix_str(p, b, sizeof(b)), n->table,
		       kerr(a, err, e, sizeof(e)));
	return del && (err == -ESRCH || err == -ENOENT) ? 0 : err;
}

static void defaults(struct agent *a, struct xc_prefix d[2], unsigned int *nd)
{
	memset(d, 0, 2 * sizeof(*d));
	d[0].addr.family = AF_INET;
	d[1].addr.family = AF_INET6;
	*nd = a->nets->ipv6 ? 2 : 1;
}

/* The routes of the VRF's table: unreachable defaults, overlay prefixes. */
static int routes_ensure(struct agent *a, struct net *n,
			 const struct xc_prefix *want, unsigned int nwant)
{
	unsigned int keep = 0;
	char b[64];
	int r = 0;

	for (unsigned int i = 0; i < n->nrouted; i++) {
		if (prefix_in(&n->routed[i], want, nwant))
			n->routed[keep++] = n->routed[i];
		else if (!route_set(a, n, &n->routed[i], RTN_UNICAST, true))
			xd_log("network %u: overlay route %s removed", n->vni,
			       prefix_str(&n->routed[i], b, sizeof(b)));
	}
	n->nrouted = keep;
	for (unsigned int i = 0; i < nwant && !r; i++) {
		if (want[i].addr.family == AF_INET6 && !a->nets->ipv6)
			continue;
		if (prefix_in(&want[i], n->routed, n->nrouted))
			continue;
		r = route_set(a, n, &want[i], RTN_UNICAST, false);
		if (!r) {
			n->routed[n->nrouted++] = want[i];
			xd_log("network %u: overlay route %s dev %s table %u",
			       n->vni, prefix_str(&want[i], b, sizeof(b)),
			       n->dev, n->table);
		}
	}
	return r;
}

/* Overlay routes a previous run left in the table (found at start). */
static void routes_adopt(struct agent *a, struct net *n)
{
	struct xd_nets *ns = a->nets;

	for (size_t i = 0; i < ns->nfound_routes; i++) {
		const struct xc_table_route *r = &ns->found_routes[i];

		if (r->table == n->table && r->oif == n->dev_ifindex &&
		    r->type == RTN_UNICAST && n->nrouted < XD_NET_PREFIXES &&
		    !prefix_in(&r->dst, n->routed, n->nrouted))
			n->routed[n->nrouted++] = r->dst;
	}
}

static void became_ready(struct agent *a, struct net *n)
{
	n->ready = true;
	n->refused = false;
	xd_log("network %u ready: %s in %s (table %u)", n->vni, n->dev, n->vrf,
	       n->table);
	xd_table_sync_vni(a, n->vni);
}

static int defaults_ensure(struct agent *a, struct net *n)
{
	struct xc_prefix d[2];
	unsigned int nd;
	int r = 0;

	defaults(a, d, &nd);
	for (unsigned int i = 0; i < nd && !r; i++)
		r = route_set(a, n, &d[i], RTN_UNREACHABLE, false);
	return r;
}

static void net_make(struct agent *a, struct net *n,
		     const struct xc_prefix *want, unsigned int nwant)
{
	bool fresh = !n->dev_ifindex;

	if (vrf_ensure(a, n) || defaults_ensure(a, n)) {
		/* Not coming back for now: the ports' bindings go. */
		if (n->remaking && n->refused) {
			n->remaking = false;
			if (a->portstate)
				xd_ports_vni_changed(a, n->vni);
		}
		return;
	}
	if (!n->vrf_ready) {
		/* The VMs of this node reach each other from now on. */
		n->vrf_ready = true;
		n->remaking = false;
		if (a->portstate)
			xd_ports_vni_changed(a, n->vni);
	}
	if (dev_ensure(a, n))
		return;
	if (fresh)
		routes_adopt(a, n);
	if (routes_ensure(a, n, want, nwant))
		return;
	if (n->trust_gen != a->nets->trust.gen)
		n->trust_gen = xd_trust_apply(a, &a->nets->trust, n->dev,
					      n->dev_ifindex) ?
			       0 : a->nets->trust.gen;
	if (!n->ready)
		became_ready(a, n);
}

/* ---- removing a network ---- */

static int set_down_cb(const struct xc_iflink *l, void *arg)
{
	struct agent *a = ((void **)arg)[0];
	struct net *n = ((void **)arg)[1];

	if (l->master == n->vrf_ifindex && l->ifindex != n->dev_ifindex) {
		/* Out of the VRF it would land in the main table. */
		xd_log("network %u: %s goes down with its network", n->vni,
		       l->name);
		xc_iflink_set(a->xc, l->ifindex, -1, 0);
	}
	return 0;
}

static void net_remove(struct agent *a, struct net *n)
{
	struct xd_nets *ns = a->nets;
	struct xc_prefix d[2];
	unsigned int nd;
	void *arg[2] = { a, n };
	char e[300];
	int r;

	if (n->ready || n->dev_ifindex || n->vrf_ifindex)
		xd_log("network %u is gone: removing %s, %s and table %u",
		       n->vni, n->dev, n->vrf, n->table);
	n->ready = n->vrf_ready = false;
	xd_table_forget_vni(a, n->vni);
	if (a->portstate)
		xd_ports_vni_changed(a, n->vni);
	if (n->dev_ifindex) {
		r = xc_iflink_del(a->xc, n->dev_ifindex);
		if (r && r != -ENODEV)
			xd_log("network %u: cannot delete %s: %s", n->vni,
			       n->dev, kerr(a, r, e, sizeof(e)));
	}
	if (n->table) {
		defaults(a, d, &nd);
		for (unsigned int i = 0; i < nd; i++)
			route_set(a, n, &d[i], RTN_UNREACHABLE, true);
	}
	if (n->vrf_ifindex) {
		xc_iflink_dump(a->xc, n->vrf_ifindex, set_down_cb, arg);
		r = xc_iflink_del(a->xc, n->vrf_ifindex);
		if (r && r != -ENODEV)
			xd_log("network %u: cannot delete %s: %s", n->vni,
			       n->vrf, kerr(a, r, e, sizeof(e)));
	}
	if (n->table)
		table_release(ns, n->table);
	tdelete(n, &ns->by_vni, net_cmp);
	ns->n--;
	free(n);
}

/* ---- a device or VRF deleted under the agent ---- */

static void net_queue(struct agent *a, uint32_t vni);

/*
 * An operator's `ip link del`, a module reload or a DKMS upgrade takes a
 * network's device (and its routes) or its VRF away: the network is made
 * again at once, as if new, from what the agent knows. The handle is
 * opened again too: a reloaded module has a new generic netlink family.
 */
static void dev_lost(struct agent *a, struct net *n)
{
	struct xc *h;

	xd_log(SD_WARNING "network %u: %s (ifindex %d) is gone: making it again",
	       n->vni, n->dev, n->dev_ifindex);
	n->dev_ifindex = 0;
	n->ready = false;
	n->nrouted = 0;		/* its routes went with it */
	n->trust_gen = 0;
	xd_table_forget_vni(a, n->vni);
	if (!xc_open(&h)) {
		xc_close(a->xc);
		a->xc = h;
	}
}

static void vrf_lost(struct agent *a, struct net *n)
{
	xd_log(SD_WARNING "network %u: VRF %s (ifindex %d) is gone: making it again with table %u",
	       n->vni, n->vrf, n->vrf_ifindex, n->table);
	n->vrf_ifindex = 0;
	/* Ports are put back in once it is there (net_make). */
	n->vrf_ready = n->ready = false;
	n->remaking = true;
	n->nrouted = 0;		/* the device left it: its routes went */
	if (a->portstate)
		xd_ports_vrf_lost(a, n->vni);
}

struct lost {
	struct agent *a;
	const char *ifname;
	int ifindex;		/* of that name now, 0 if none */
};

static void lost_check(const void *nodep, VISIT v, void *arg)
{
	struct net *n = *(struct net * const *)nodep;
	struct lost *l = arg;
	bool q = false;

	if (v != postorder && v != leaf)
		return;
	if (n->dev_ifindex && n->dev_ifindex != l->ifindex &&
	    !strcmp(n->dev, l->ifname)) {
		dev_lost(l->a, n);
		q = true;
	}
	if (n->vrf_ifindex && n->vrf_ifindex != l->ifindex &&
	    !strcmp(n->vrf, l->ifname)) {
		vrf_lost(l->a, n);
		q = true;
	}
	if (q)
		net_queue(l->a, n->vni);
}

void xd_nets_link_changed(struct agent *a, const char *ifname, int ifindex)
{
	struct lost l = { a, ifname, ifindex };

	if (a->nets)
		twalk_r(a->nets->by_vni, lost_check, &l);
}

/* ---- the queue ---- */

static void net_queue(struct agent *a, uint32_t vni)
{
	char k[16];

	snprintf(k, sizeof(k), "%u", vni);
	if (xd_workq_add(&a->nets->work, k) > 0)
		xd_work_pending(a);
}

void xd_nets_changed(struct agent *a, const char *suffix)
{
	char *end;
	unsigned long vni = strtoul(suffix, &end, 10);

	if (*end || end == suffix || vni < 1 || vni > XCLOUD_VNI_MAX) {
		xd_log("network %s%s: ignored, the key must end in a VNI 1..16777215",
		       a->p_networks, suffix);
		return;
	}
	net_queue(a, (uint32_t)vni);
}

static void queue_kv(const struct xe_kv *kv, void *arg)
{
	struct agent *a = arg;

	xd_nets_changed(a, kv->key + strlen(a->p_networks));
}

static void queue_net(const void *nodep, VISIT v, void *arg)
{
	if (v == postorder || v == leaf)
		net_queue(arg, (*(const struct net * const *)nodep)->vni);
}

void xd_nets_sync(struct agent *a)
{
	if (!a->nets)
		return;
	for (unsigned int i = 0; i < a->conf->nvnis; i++)
		net_queue(a, a->conf->vni[i].vni);
	if (a->networks && xe_mirror_synced(a->networks))
		xe_mirror_foreach(a->networks, queue_kv, a);
	twalk_r(a->nets->by_vni, queue_net, a);
}

void xd_nets_trust_changed(struct agent *a)
{
	if (a->nets && xd_trust_update(a, &a->nets->trust))
		twalk_r(a->nets->by_vni, queue_net, a);
}

static void net_work(struct agent *a, uint32_t vni)
{
	struct xc_prefix want[XD_NET_PREFIXES];
	unsigned int nwant;
	struct net *n = net_find(a->nets, vni);
	int w = wanted(a, vni, want, &nwant);

	if (w < 0) {
		/* A bad value: the network stays as it is. */
		if (!n || !n->ready)
			return;
		memcpy(want, n->routed, sizeof(want));
		nwant = n->nrouted;
	}
	if (!w) {
		/* Removed only once the store was read: never on a guess. */
		if (n && (!a->networks || xe_mirror_synced(a->networks)))
			net_remove(a, n);
		return;
	}
	if (!n && !(n = net_get(a, vni)))
		return;
	net_make(a, n, want, nwant);
}

static void all_ready(const void *nodep, VISIT v, void *arg)
{
	if ((v == postorder || v == leaf) &&
	    !(*(const struct net * const *)nodep)->ready)
		*(bool *)arg = false;
}

static void all_settled(const void *nodep, VISIT v, void *arg)
{
	const struct net *n = *(const struct net * const *)nodep;

	if ((v == postorder || v == leaf) && !n->ready && !n->refused)
		*(bool *)arg = false;
}

bool xd_nets_settled(struct agent *a)
{
	bool all = true;

	if (a->nets)
		twalk_r(a->nets->by_vni, all_settled, &all);
	return all;
}

static void queue_unready(const void *nodep, VISIT v, void *arg)
{
	const struct net *n = *(const struct net * const *)nodep;

	if ((v == postorder || v == leaf) && !n->ready)
		net_queue(arg, n->vni);
}

static void retry_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct xd_nets *ns = w->data;

	(void)ev;
	(void)revents;
	twalk_r(ns->by_vni, queue_unready, ns->a);
}

size_t xd_nets_work(struct agent *a, size_t max)
{
	struct xd_nets *ns = a->nets;
	size_t done = 0;
	double t0 = xd_now_ms();
	char *s;

	if (!ns)
		return 0;
	while (done < max && (s = xd_workq_pop(&ns->work))) {
		net_work(a, (uint32_t)strtoul(s, NULL, 10));
		free(s);
		done++;
	}
	if (done && xd_timing())
		xd_log("networks: %zu in %.1f ms", done, xd_now_ms() - t0);
	if (done && !xd_workq_len(&ns->work) && !ev_is_active(&ns->retry)) {
		bool all = true;

		twalk_r(ns->by_vni, all_ready, &all);
		if (!all) {
			ev_timer_set(&ns->retry, XD_NETS_RETRY_S, 0.);
			ev_timer_start(a->ev, &ns->retry);
		}
	}
	return done;
}

int xd_nets_device(struct agent *a, uint32_t vni, const char **name)
{
	struct net *n = a->nets ? net_find(a->nets, vni) : NULL;

	*name = n ? n->dev : NULL;
	return n && n->ready ? n->dev_ifindex : 0;
}

int xd_nets_vrf(struct agent *a, uint32_t vni, uint32_t *table)
{
	struct net *n = a->nets ? net_find(a->nets, vni) : NULL;

	*table = n ? n->table : 0;
	return n && n->vrf_ready ? n->vrf_ifindex : 0;
}

bool xd_nets_coming(struct agent *a, uint32_t vni)
{
	struct net *n = a->nets ? net_find(a->nets, vni) : NULL;
	struct xc_prefix p[XD_NET_PREFIXES];
	unsigned int np;

	if (n)
		return n->remaking || (!n->vrf_ready && !n->refused);
	/* Not looked at yet (a restart): declared is enough. */
	return a->nets && wanted(a, vni, p, &np) > 0;
}

struct each {
	void (*fn)(uint32_t vni, int ifindex, const char *dev, void *arg);
	void *arg;
};

static void each_ready(const void *nodep, VISIT v, void *arg)
{
	const struct net *n = *(const struct net * const *)nodep;
	struct each *e = arg;

	if ((v == postorder || v == leaf) && n->ready)
		e->fn(n->vni, n->dev_ifindex, n->dev, e->arg);
}

void xd_nets_foreach(struct agent *a,
		     void (*fn)(uint32_t vni, int ifindex, const char *dev,
				void *arg), void *arg)
{
	struct each e = { fn, arg };

	if (a->nets)
		twalk_r(a->nets->by_vni, each_ready, &e);
}

struct xd_trust *xd_nets_trust(struct agent *a)
{
	return a->nets ? &a->nets->trust : NULL;
}

size_t xd_nets_count(const struct agent *a)
{
	return a->nets ? a->nets->n : 0;
}

/* ---- the node: found at start ---- */

struct scan {
	struct agent *a;
	struct xc_iflink *links;
	size_t n, cap;
	int fatal;
};

static int scan_link(const struct xc_iflink *l, void *arg)
{
	struct scan *s = arg;

	if (!xd_grow((void **)&s->links, &s->cap, s->n, sizeof(*l)))
		return -ENOMEM;
	s->links[s->n++] = *l;
	return 0;
}

static const struct xc_iflink *scan_find(const struct scan *s, int ifindex)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->links[i].ifindex == ifindex)
			return &s->links[i];
	return NULL;
}

/* A VRF of ours: one an xcloud device is enslaved to, or named as ours. */
static bool vrf_is_ours(struct agent *a, const struct scan *s,
			const struct xc_iflink *vrf)
{
	char name[IF_NAMESIZE];
	unsigned long vni;
	char *end;

	for (size_t i = 0; i < s->n; i++)
		if (s->links[i].master == vrf->ifindex &&
		    !strcmp(s->links[i].kind, "xcloud"))
			return true;
	if (!strncmp(vrf->name, "xvrf", 4)) {
		vni = strtoul(vrf->name + 4, &end, 10);
		if (!*end && vni >= 1 && vni <= XCLOUD_VNI_MAX &&
		    !strcmp(xd_vni_vrfname(a->conf, (uint32_t)vni, name),
			    vrf->name))
			return true;
	}
	for (unsigned int i = 0; i < a->conf->nvnis; i++)
		if (!strcmp(xd_vni_vrfname(a->conf, a->conf->vni[i].vni, name),
			    vrf->name))
			return true;
	return false;
}

static bool table_is_ours(struct agent *a, const struct scan *s,
			  uint32_t table)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->links[i].kind, "vrf") &&
		    s->links[i].vrf_table == table)
			return vrf_is_ours(a, s, &s->links[i]);
	return false;
}

static int scan_route(const struct xc_table_route *r, void *arg)
{
	struct scan *s = arg;
	struct agent *a = s->a;
	struct xd_nets *ns = a->nets;
	char b[64];

	if (!in_range(a, r->table))
		return 0;
	if (!table_is_ours(a, s, r->table)) {
		if (!s->fatal)
			xd_log("table-range %u-%u collides with table %u, in use by route %s of another owner (protocol %u): choose another range",
			       a->conf->table_first, a->conf->table_last,
			       r->table, prefix_str(&r->dst, b, sizeof(b)),
			       r->protocol);
		s->fatal = -EEXIST;
		return 0;
	}
	if (r->protocol == XD_RTPROT && r->oif && r->type == RTN_UNICAST) {
		if (!xd_grow((void **)&ns->found_routes, &ns->capfound_routes,
			     ns->nfound_routes, sizeof(*r)))
			return -ENOMEM;
		ns->found_routes[ns->nfound_routes++] = *r;
	}
	return 0;
}

static int scan_rule(const struct xc_rule *r, void *arg)
{
	struct scan *s = arg;
	struct agent *a = s->a;

	if (r->action == FR_ACT_TO_TBL && !r->l3mdev &&
	    in_range(a, r->table) && !table_is_ours(a, s, r->table)) {
		if (!s->fatal)
			xd_log("table-range %u-%u collides with table %u, in use by rule %u: choose another range",
			       a->conf->table_first, a->conf->table_last,
			       r->table, r->pref);
		s->fatal = -EEXIST;
	}
	return 0;
}

/* Networks a previous run made: removed if no longer declared. */
static void scan_adopt(struct agent *a, const struct scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct xc_iflink *l = &s->links[i], *vrf;
		struct xc_link x;
		struct net *n;

		if (strcmp(l->kind, "xcloud") || !l->master)
			continue;
		vrf = scan_find(s, l->master);
		if (!vrf || strcmp(vrf->kind, "vrf") ||
		    !vrf_is_ours(a, s, vrf) || xc_link_get(a->xc, l->name, &x))
			continue;
		n = net_get(a, x.vni);
		if (!n || n->found)
			continue;
		n->found = true;
		snprintf(n->dev, sizeof(n->dev), "%s", l->name);
		snprintf(n->vrf, sizeof(n->vrf), "%s", vrf->name);
		n->table = vrf->vrf_table;
		table_take(a->nets, n->table);
		net_queue(a, x.vni);
	}
}

static void sysctl_set(const char *path, const char *value)
{
	char cur[32] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return;		/* IPv6 off, say: nothing to set */
	if (!fgets(cur, sizeof(cur), f))
		cur[0] = '\0';
	fclose(f);
	cur[strcspn(cur, "\n")] = '\0';
	if (!strcmp(cur, value))
		return;
	f = fopen(path, "w");
	if (!f || fputs(value, f) < 0 || fclose(f)) {
		xd_log("cannot set %s to %s: %s", path, value, strerror(errno));
		return;
	}
	xd_log("%s: %s -> %s", path, cur, value);
}

struct rules {
	bool local0, local1001;
};

static int rule_cb(const struct xc_rule *r, void *arg)
{
	struct rules *rs = arg;

	if (r->action == FR_ACT_TO_TBL && !r->selective && !r->l3mdev &&
	    r->table == RT_TABLE_LOCAL) {
		if (r->pref == 0)
			rs->local0 = true;
		if (r->pref == XD_RULE_LOCAL)
			rs->local1001 = true;
	}
	return 0;
}

/*
 * The local table's rule goes behind the VRFs' l3mdev rule (1000): in
 * front of it, a VM's packet to one of the node's own underlay
 * addresses would be delivered to the node, whatever the VRF.
 */
static int rules_ensure(struct agent *a, int family)
{
	struct rules rs = { 0 };
	char e[300];
	int r;

	r = xc_rule_dump(a->xc, family, rule_cb, &rs);
	if (r == -EAFNOSUPPORT && family == AF_INET6)
		return 0;
	if (r) {
		xd_log("cannot read the %s rules: %s",
		       family == AF_INET ? "IPv4" : "IPv6",
		       kerr(a, r, e, sizeof(e)));
		return r;
	}
	if (!rs.local1001 &&
	    (r = xc_rule_change(a->xc, family, XD_RULE_LOCAL, RT_TABLE_LOCAL,
				false))) {
		xd_log("cannot add rule %u lookup local: %s", XD_RULE_LOCAL,
		       kerr(a, r, e, sizeof(e)));
		return r;
	}
	if (rs.local0) {
		r = xc_rule_change(a->xc, family, 0, RT_TABLE_LOCAL, true);
		if (r) {
			xd_log("cannot move rule 0 lookup local: %s",
			       kerr(a, r, e, sizeof(e)));
			return r;
		}
		xd_log("%s rule \"lookup local\" moved from 0 to %u (behind the VRFs)",
		       family == AF_INET ? "IPv4" : "IPv6", XD_RULE_LOCAL);
	}
	return 0;
}

struct xd_nets *xd_nets_new(struct agent *a)
{
	struct xd_nets *ns = calloc(1, sizeof(*ns));

	if (!ns)
		return NULL;
	ns->a = a;
	ev_timer_init(&ns->retry, retry_cb, XD_NETS_RETRY_S, 0.);
	ns->retry.data = ns;
	ns->next_table = a->conf->table_first;
	xd_trust_init(a, &ns->trust);
	ns->trust.gen = 1;	/* every device is brought in line once */
	if (xc_addr_parse(a->conf->underlay, &ns->local)) {
		free(ns);
		return NULL;
	}
	return ns;
}

int xd_nets_start(struct agent *a)
{
	struct scan s = { .a = a };
	int r;

	a->nets->ipv6 = !access("/proc/sys/net/ipv6", F_OK);
	r = xc_iflink_dump(a->xc, 0, scan_link, &s);
	if (!r)
		r = xc_table_route_dump(a->xc, AF_INET, scan_route, &s);
	if (!r && a->nets->ipv6)
		r = xc_table_route_dump(a->xc, AF_INET6, scan_route, &s);
	if (!r)
		r = xc_rule_dump(a->xc, AF_INET, scan_rule, &s);
	if (!r && a->nets->ipv6)
		r = xc_rule_dump(a->xc, AF_INET6, scan_rule, &s);
	if (r) {
		xd_log("cannot read the node's links, routes and rules: %s",
		       strerror(-r));
	} else if (s.fatal) {
		r = s.fatal;
	} else {
		scan_adopt(a, &s);
		r = rules_ensure(a, AF_INET);
		if (!r && a->nets->ipv6)
			r = rules_ensure(a, AF_INET6);
	}
	free(s.links);
	if (r)
		return r;
	/* Forwarding for the VMs; sockets of the node (etcd, sshd) stay
	 * out of reach of the VRFs. */
	sysctl_set("/proc/sys/net/ipv4/ip_forward", "1");
	sysctl_set("/proc/sys/net/ipv6/conf/all/forwarding", "1");
	sysctl_set("/proc/sys/net/ipv4/tcp_l3mdev_accept", "0");
	sysctl_set("/proc/sys/net/ipv4/udp_l3mdev_accept", "0");
	sysctl_set("/proc/sys/net/ipv4/raw_l3mdev_accept", "0");
	xd_nets_sync(a);
	return 0;
}

void xd_nets_free(struct xd_nets *ns)
{
	if (!ns)
		return;
	ev_timer_stop(ns->a->ev, &ns->retry);
	tdestroy(ns->by_vni, free);
	tdestroy(ns->tables, free);
	xd_workq_free(&ns->work);
	xd_trust_free(&ns->trust);
	free(ns->found_routes);
	free(ns);
}
