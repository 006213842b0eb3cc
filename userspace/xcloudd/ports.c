// SPDX-License-Identifier: GPL-2.0
/*
 * Switch agent: the VM ports declared for this node in <prefix>/ports/
 * ({"ifname": "...", "node": "..."} at <vni>/<addr>). A port whose
 * interface is up with carrier, once its network's VRF is ready, gets
 * local delivery in that VRF (local.c) and a binding
 * ({"node": ..., "underlay": ...} at <prefix>/bindings/<vni>/<addr>, under
 * the agent's lease); a port that goes down, or is no longer declared
 * here, loses both: the binding at once when the port is no longer
 * declared, XD_PORT_GRACE_S after it went down otherwise.
 */
#include <ctype.h>
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "agent.h"

/* Ports looked at together: their routes and proxy ARP go to the kernel
 * in one batch. */
#define XD_PORTS_CHUNK 256

/*
 * A declared port seen down keeps its binding this long. Deleting a VRF
 * cycles its ports, and the kernel may tell us of a port's cycle before
 * of the VRF's deletion: without a grace the binding would be withdrawn
 * and written again, and every other cloud would rewrite its route.
 */
#define XD_PORT_GRACE_S 1.0

struct port {
	char *suffix;		/* "<vni>/<addr>" */
	uint32_t vni;
	char addr[64];
	char ifname[IF_NAMESIZE];
	bool declared;		/* declared for this node */
	int ifindex;		/* local delivery installed through it, or 0 */
	uint32_t table;		/* in this table (its VRF's) */
	int installing;		/* being installed through it, this chunk */
	int64_t lease;		/* binding published under it, or 0 */
	double down_since;	/* ev_now() it was first seen down, or 0 */
	struct port *if_next;	/* the other ports on ifname */
};

/* The ports on one interface (a VM may have a v4 and a v6 address). */
struct ifgroup {
	char ifname[IF_NAMESIZE];
	struct port *ports;
};

struct xd_ports {
	void *by_suffix;	/* tree of struct port * */
	void *by_ifname;	/* tree of struct ifgroup * */
	char *binding;		/* this node's binding value */
	struct xd_workq work;	/* ports to look at, worked off in chunks */
	struct xd_local *local;	/* the chunk's local delivery, one batch */
	struct port *chunk[XD_PORTS_CHUNK];	/* kept until it is answered */
	size_t nchunk;
	ev_timer grace;		/* the next port whose grace ends */
	/* Bindings to publish, coalesced into transactions; the agent goes
	 * on with its ports while etcd answers. */
	struct xe_batch *batch;
	struct withdrawal *wd;	/* withdrawals, the oldest first */
	size_t nwd;		/* ...of them on their way */
};

/*
 * A binding waits up to XD_LINGER_S for others to share its transaction:
 * a small transaction costs etcd tens of milliseconds of CPU under load,
 * whatever it holds, so one VM every few milliseconds would otherwise
 * keep it busy with requests of one put each. A full batch goes at once.
 */
#define XD_LINGER_S	0.015
#define XD_LINGER_MAX	256

/* A binding's withdrawal: a compare-and-swap delete, on the loop. */
struct withdrawal {
	struct withdrawal *next;
	struct agent *a;
	struct xe_req *req;	/* NULL: waiting its turn */
	char *key, *suffix;
	int64_t mod_revision;	/* the binding's as we saw it */
};

/* Withdrawals on their way at once (a VRF's deletion takes down all its
 * ports together: not a connection each). */
#define XD_WITHDRAW_MAX 8

static int port_cmp(const void *a, const void *b)
{
	return strcmp(((const struct port *)a)->suffix,
		      ((const struct port *)b)->suffix);
}

static int group_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ifgroup *)a)->ifname,
		      ((const struct ifgroup *)b)->ifname);
}

static struct port *port_find(struct xd_ports *ps, const char *suffix)
{
	struct port probe = { .suffix = (char *)suffix }, **p;

	p = tfind(&probe, &ps->by_suffix, port_cmp);
	return p ? *p : NULL;
}

static struct ifgroup *group_find(struct xd_ports *ps, const char *ifname)
{
	struct ifgroup probe, **g;

	snprintf(probe.ifname, sizeof(probe.ifname), "%s", ifname);
	g = tfind(&probe, &ps->by_ifname, group_cmp);
	return g ? *g : NULL;
}

static void group_leave(struct xd_ports *ps, struct port *p)
{
	struct ifgroup *g = p->ifname[0] ? group_find(ps, p->ifname) : NULL;

	if (!g)
		return;
	for (struct port **pp = &g->ports; *pp; pp = &(*pp)->if_next) {
		if (*pp == p) {
			*pp = p->if_next;
			break;
		}
	}
	p->if_next = NULL;
	if (!g->ports) {
		tdelete(g, &ps->by_ifname, group_cmp);
		free(g);
	}
}

/* Moves p to the group of ifname. */
static void port_set_ifname(struct xd_ports *ps, struct port *p,
			    const char *ifname)
{
	struct ifgroup *g, **gp;

	if (!strcmp(p->ifname, ifname))
		return;
	group_leave(ps, p);
	snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	g = group_find(ps, ifname);
	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g)
			return;
		snprintf(g->ifname, sizeof(g->ifname), "%s", ifname);
		gp = tsearch(g, &ps->by_ifname, group_cmp);
		if (!gp || *gp != g) {
			free(g);
			return;
		}
	}
	p->if_next = g->ports;
	g->ports = p;
}

static struct port *port_get(struct xd_ports *ps, const char *suffix)
{
	struct port *p = port_find(ps, suffix);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->suffix = strdup(suffix);
	if (!p->suffix || !tsearch(p, &ps->by_suffix, port_cmp)) {
		free(p->suffix);
		free(p);
		return NULL;
	}
	return p;
}

static void port_drop(struct xd_ports *ps, struct port *p)
{
	group_leave(ps, p);
	tdelete(p, &ps->by_suffix, port_cmp);
	free(p->suffix);
	free(p);
}

static void port_destroy(void *p)
{
	free(((struct port *)p)->suffix);
	free(p);
}

static void grace_expired(struct ev_loop *loop, ev_timer *t, int revents);
static void published(int r, const struct xe_op *ops, size_t n, double ms,
		      void *arg);

struct xd_ports *xd_ports_new(struct agent *a)
{
	struct xd_ports *ps = calloc(1, sizeof(*ps));
	struct json_object *o = json_object_new_object();
	char err[256];

	if (!ps || !o)
		goto fail;
	ev_timer_init(&ps->grace, grace_expired, 0., 0.);
	ps->grace.data = a;
	ps->local = xd_local_new(a->ev, err, sizeof(err));
	if (!ps->local) {
		xd_log("%s", err);
		goto fail;
	}
	json_object_object_add(o, "node", json_object_new_string(a->conf->node));
	json_object_object_add(o, "underlay",
			       json_object_new_string(a->conf->underlay));
	ps->binding = strdup(json_object_to_json_string_ext(o,
						JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	ps->batch = xe_batch_new(a->xl, a->etcd, XD_LINGER_S, XD_LINGER_MAX,
				 published, a);
	if (!ps->binding || !ps->batch)
		goto fail_ps;
	return ps;
fail:
	json_object_put(o);
fail_ps:
	if (ps) {
		xd_local_free(ps->local);
		xe_batch_free(ps->batch);
		free(ps->binding);
	}
	free(ps);
	return NULL;
}

static void withdrawal_free(struct withdrawal *w)
{
	xe_req_cancel(w->req);
	free(w->key);
	free(w->suffix);
	free(w);
}

void xd_ports_free(struct xd_ports *ps)
{
	if (!ps)
		return;
	ev_timer_stop(((struct agent *)ps->grace.data)->ev, &ps->grace);
	tdestroy(ps->by_ifname, free);
	tdestroy(ps->by_suffix, port_destroy);
	xd_workq_free(&ps->work);
	xd_local_free(ps->local);
	xe_batch_free(ps->batch);
	while (ps->wd) {
		struct withdrawal *w = ps->wd;

		ps->wd = w->next;
		withdrawal_free(w);
	}
	free(ps->binding);
	free(ps);
}

static void work_add(struct agent *a, const char *suffix)
{
	if (xd_workq_add(&a->portstate->work, suffix) > 0)
		xd_work_pending(a);
}

struct grace_walk {
	struct agent *a;
	double now, next;	/* earliest grace still running, or 0 */
};

static void grace_visit(const void *nodep, VISIT v, void *arg)
{
	const struct port *p = *(const struct port * const *)nodep;
	struct grace_walk *w = arg;
	double end = p->down_since + XD_PORT_GRACE_S;

	if ((v != postorder && v != leaf) || !p->down_since)
		return;
	if (end <= w->now)
		work_add(w->a, p->suffix);
	else if (!w->next || end < w->next)
		w->next = end;
}

/* Ports whose grace is over are looked at again. */
static void grace_expired(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct grace_walk w = { .a = t->data, .now = ev_now(loop) };

	(void)revents;
	twalk_r(w.a->portstate->by_suffix, grace_visit, &w);
	if (w.next) {
		ev_timer_set(t, w.next - w.now, 0.);
		ev_timer_start(loop, t);
	}
}

/* True once p has been down for the grace; starts it the first time. */
static bool grace_over(struct agent *a, struct port *p)
{
	struct xd_ports *ps = a->portstate;
	double now = ev_now(a->ev);

	if (!p->down_since) {
		p->down_since = now;
		if (!ev_is_active(&ps->grace)) {
			ev_timer_set(&ps->grace, XD_PORT_GRACE_S, 0.);
			ev_timer_start(a->ev, &ps->grace);
		}
		return false;
	}
	return now - p->down_since >= XD_PORT_GRACE_S;
}

static void retry_later(struct agent *a)
{
	if (ev_is_active(&a->retry))
		return;
	ev_timer_set(&a->retry, xe_backoff_next(&a->backoff), 0.);
	ev_timer_start(a->ev, &a->retry);
}

/* What the kernel takes as a name (dev_valid_name()). */
static bool ifname_ok(const char *s)
{
	if (!*s || strlen(s) >= IF_NAMESIZE || !strcmp(s, ".") ||
	    !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return false;
	return true;
}

/*
 * Reads a declared port's value: is it ours, and through which ifname.
 * Every node checks every value, so a bad one is logged wherever it is
 * read, not only by the node it names (which may not exist).
 */
static void port_read_decl(struct agent *a, struct port *p)
{
	char key[512];
	const struct xe_kv *kv;
	struct json_object *o;
	const char *node, *ifname;

	p->declared = false;
	snprintf(key, sizeof(key), "%s%s", a->p_ports, p->suffix);
	kv = xe_mirror_get(a->ports, key);
	if (!kv)
		return;
	o = xe_kv_object(kv);
	node = xd_json_str(o, "node");
	ifname = xd_json_str(o, "ifname");
	if (!node || !ifname || !xe_name_ok(node)) {
		xd_log("port %s: want {\"ifname\": NAME, \"node\": NAME}, got %.200s: ignored",
		       key, kv->value);
	} else if (!ifname_ok(ifname)) {
		xd_log("port %s: ifname %.100s is not an interface name: ignored",
		       key, ifname);
	} else if (!strcmp(node, a->conf->node)) {
		port_set_ifname(a->portstate, p, ifname);
		p->declared = true;
	}
	json_object_put(o);
}

/* Is the binding in the store the one we would write, under our lease? */
static bool binding_current(struct agent *a, const char *key)
{
	const struct xe_kv *kv = xe_mirror_get(a->bindings, key);

	return kv && kv->lease == xe_keeper_id(a->lease) &&
	       !strcmp(kv->value, a->portstate->binding);
}

bool xd_ports_is_echo(struct agent *a, const char *suffix,
		      const struct xe_kv *kv, const struct xe_kv *old)
{
	struct port *p;

	if (!kv || old || !kv->lease || kv->lease != xe_keeper_id(a->lease) ||
	    strcmp(kv->value, a->portstate->binding))
		return false;
	/* And the port still stands by it: one that went down while the
	 * write was on its way must withdraw it now. */
	p = port_find(a->portstate, suffix);
	return p && p->ifindex && p->lease == kv->lease;
}

static int queue_binding(struct agent *a, const char *key, int64_t lease)
{
	struct xd_ports *ps = a->portstate;

	return xe_batch_add(ps->batch, key, ps->binding, lease);
}

size_t xd_ports_queued(const struct agent *a)
{
	return a->portstate ? xe_batch_queued(a->portstate->batch) : 0;
}

bool xd_ports_sending(const struct agent *a)
{
	return a->portstate && xe_batch_busy(a->portstate->batch);
}

/* Not published (not all, maybe): the retry publishes them again. */
static void not_published(struct agent *a, const struct xe_op *ops, size_t n)
{
	struct xd_ports *ps = a->portstate;
	size_t plen = strlen(a->p_bindings);

	for (size_t i = 0; i < n; i++) {
		struct port *p = port_find(ps, ops[i].key + plen);

		if (p && p->lease == ops[i].lease)
			p->lease = 0;
	}
	retry_later(a);
}

/* etcd's answer to the bindings on their way. */
static void published(int r, const struct xe_op *ops, size_t n, double ms,
		      void *arg)
{
	struct agent *a = arg;
	struct xd_ports *ps = a->portstate;
	long long lease = ops[n - 1].lease;	/* the newest one's */

	if (r) {
		xd_log("cannot publish %zu bindings: %s", n,
		       r == -ENOMEM ? "out of memory" : xe_strerror(a->etcd));
		not_published(a, ops, n);
	} else if (xd_timing()) {
		xd_log("published %zu bindings %s (lease %llx) in %.1f ms",
		       n, ps->binding, lease, ms);
	} else {
		xd_log("published %zu bindings %s (lease %llx)", n,
		       ps->binding, lease);
	}
}

static void withdraw_next(struct agent *a);

static void withdrawn(int r, struct xe_result *res, void *arg)
{
	struct withdrawal *w = arg, **pp;
	struct agent *a = w->a;
	struct xd_ports *ps = a->portstate;
	struct port *p = port_find(ps, w->suffix);

	w->req = NULL;
	ps->nwd--;
	for (pp = &ps->wd; *pp != w; pp = &(*pp)->next)
		;
	*pp = w->next;
	if (r) {
		xd_log("port %s: cannot withdraw binding: %s", w->suffix,
		       xe_strerror(a->etcd));
		retry_later(a);
	} else {
		if (res->swapped)
			xd_log("port %s: withdrew binding (port %s)", w->suffix,
			       p && p->declared ? "down" : "not declared here");
		if (p) {
			p->lease = 0;
			p->down_since = 0;
			/* Up again meanwhile: published again. */
			work_add(a, w->suffix);
		}
	}
	withdrawal_free(w);
	withdraw_next(a);
}

static void withdraw_next(struct agent *a)
{
	struct xd_ports *ps = a->portstate;

	for (struct withdrawal *w = ps->wd; w && ps->nwd < XD_WITHDRAW_MAX;
	     w = w->next) {
		if (w->req)
			continue;
		if (xe_cas_start(a->xl, a->etcd, w->key, w->mod_revision, NULL,
				 0, withdrawn, w, &w->req)) {
			xd_log("port %s: cannot withdraw binding: %s",
			       w->suffix, xe_strerror(a->etcd));
			retry_later(a);
			break;
		}
		ps->nwd++;
	}
}

/*
 * Deletes this node's binding of p, but only while it is ours: a VM that
 * moved is bound by its new node under the same key. The delete is a
 * compare-and-swap on the revision we saw, sent on the loop (p->lease
 * stays until the answer); if the store moved on, the watch brings the
 * news and the port is looked at again. A publication of the same key
 * meanwhile changes its revision: the delete then does nothing.
 */
static void port_withdraw(struct agent *a, struct port *p, const char *key)
{
	const struct xe_kv *kv = xe_mirror_get(a->bindings, key);
	struct xd_ports *ps = a->portstate;
	struct withdrawal *w, **pp;

	if (!kv || !xd_is_mine(a, kv)) {
		p->lease = 0;
		return;
	}
	for (pp = &ps->wd; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->suffix, p->suffix)) {
			withdraw_next(a);	/* on its way, or waiting */
			return;
		}
	w = calloc(1, sizeof(*w));
	if (!w || !(w->key = strdup(key)) ||
	    !(w->suffix = strdup(p->suffix))) {
		if (w)
			withdrawal_free(w);
		xd_log("port %s: cannot withdraw binding: out of memory",
		       p->suffix);
		retry_later(a);
		return;
	}
	w->a = a;
	w->mod_revision = kv->mod_revision;
	*pp = w;
	withdraw_next(a);
}

/* The port's interface if it is up with carrier and its network ready. */
static int port_ifindex(struct agent *a, struct port *p, int *vrf,
			uint32_t *table)
{
	*vrf = xd_nets_vrf(a, p->vni, table);
	return p->declared && *vrf ? xd_link_up(a->links, p->ifname) : 0;
}

/* First half of bringing a port in line: its local delivery, queued for
 * the chunk's batch (installed) or removed. */
static void port_eval_local(struct agent *a, struct port *p)
{
	uint32_t table;
	int vrf, ifindex = port_ifindex(a, p, &vrf, &table);

	if (ifindex && (p->ifindex != ifindex || p->table != table)) {
		if (p->ifindex && p->table != table)
			xd_local_remove(a->portstate->local, p->addr,
					p->ifindex, p->ifname, p->table);
		if (xd_local_install(a->portstate->local, p, p->addr, ifindex,
				     p->ifname, vrf, table)) {
			retry_later(a);
		} else {
			p->installing = ifindex;
			p->table = table;
		}
	} else if (!ifindex && p->ifindex) {
		xd_local_remove(a->portstate->local, p->addr, p->ifindex,
				p->ifname, p->table);
		xd_log("port %s: %s is %s: local route removed", p->suffix,
		       p->ifname, !p->declared ? "no longer declared here" :
		       !vrf ? "in no ready network" : "down");
		p->ifindex = 0;
	}
}

/* The kernel's answer for a port's local delivery. */
static void installed(void *cookie, bool ok, void *arg)
{
	struct port *p = cookie;

	if (ok)
		p->ifindex = p->installing;
	else
		retry_later(arg);
}

/* Second half, once the batch is answered: the binding. One line per port
 * that came up; the flush logs what was published. */
static void port_eval_binding(struct agent *a, struct port *p)
{
	uint32_t table;
	int vrf, ifindex = port_ifindex(a, p, &vrf, &table);
	int64_t lease = xe_keeper_id(a->lease);
	bool came_up = p->installing && p->ifindex == p->installing;
	bool publishing = false;
	char key[512];

	p->installing = 0;
	if (ifindex)
		p->down_since = 0;
	snprintf(key, sizeof(key), "%s%s", a->p_bindings, p->suffix);
	/* Publish when not yet done under this lease, or when the store
	 * (as far as we see it) lost or changed it. */
	if (ifindex && lease && (p->lease != lease ||
				 (xe_mirror_online(a->bindings) &&
				  !binding_current(a, key)))) {
		if (queue_binding(a, key, lease)) {
			retry_later(a);
		} else {
			publishing = true;
			p->lease = lease;
		}
	} else if (!ifindex && (p->lease || xe_mirror_get(a->bindings, key)) &&
		   !xd_nets_coming(a, p->vni) &&
		   (!p->declared || grace_over(a, p))) {
		port_withdraw(a, p, key);
		if (!p->lease)
			p->down_since = 0;
	}
	if (came_up)
		xd_log("port %s: %s is up: route to %s via %s in table %u, proxy ARP on%s",
		       p->suffix, p->ifname, p->addr, p->ifname, p->table,
		       publishing ? "; publishing binding" : "");
	else if (publishing)
		xd_log("port %s: publishing binding", p->suffix);
}

static bool parse_suffix(struct port *p)
{
	return xd_split_key(p->suffix, &p->vni, p->addr, sizeof(p->addr));
}

/* Looks at one port: its declaration and its link; the port to finish
 * after the chunk's batch, or NULL. */
static struct port *port_update(struct agent *a, const char *suffix)
{
	struct xd_ports *ps = a->portstate;
	char key[512], bkey[512];
	struct port *p;

	snprintf(key, sizeof(key), "%s%s", a->p_ports, suffix);
	snprintf(bkey, sizeof(bkey), "%s%s", a->p_bindings, suffix);
	p = port_find(ps, suffix);
	/* Neither declared nor bound here: nothing to do. */
	if (!p && !xe_mirror_get(a->ports, key) &&
	    !xd_is_mine(a, xe_mirror_get(a->bindings, bkey)))
		return NULL;
	if (!p) {
		p = port_get(ps, suffix);
		if (!p)
			return NULL;
		if (!parse_suffix(p)) {
			xd_log("ignoring port %s: key is not <vni>/<address>",
			       suffix);
			port_drop(ps, p);
			return NULL;
		}
	}
	port_read_decl(a, p);
	port_eval_local(a, p);
	return p;
}

void xd_ports_port_changed(struct agent *a, const char *suffix)
{
	work_add(a, suffix);
}

static void queue_vni(const void *nodep, VISIT v, void *arg)
{
	const struct port *p = *(const struct port * const *)nodep;
	void **ctx = arg;

	if ((v == postorder || v == leaf) && p->vni == *(uint32_t *)ctx[1])
		work_add(ctx[0], p->suffix);
}

void xd_ports_vni_changed(struct agent *a, uint32_t vni)
{
	void *ctx[2] = { a, &vni };

	twalk_r(a->portstate->by_suffix, queue_vni, ctx);
}

static void reset_vni(const void *nodep, VISIT v, void *arg)
{
	struct port *p = *(struct port * const *)nodep;

	/* A route on its way went too, whatever the kernel answers. */
	if ((v == postorder || v == leaf) && p->vni == *(uint32_t *)arg)
		p->ifindex = p->installing = 0;
}

void xd_ports_vrf_lost(struct agent *a, uint32_t vni)
{
	/* Their routes went with the VRF: installed again, not withdrawn. */
	twalk_r(a->portstate->by_suffix, reset_vni, &vni);
}

void xd_ports_link_changed(struct agent *a, const char *ifname)
{
	struct ifgroup *g = group_find(a->portstate, ifname);

	for (struct port *p = g ? g->ports : NULL; p; p = p->if_next)
		work_add(a, p->suffix);
}

/* The chunk's bindings, its local delivery answered. */
static void chunk_bindings(struct agent *a)
{
	struct xd_ports *ps = a->portstate;

	for (size_t i = 0; i < ps->nchunk; i++) {
		struct port *p = ps->chunk[i];

		port_eval_binding(a, p);
		if (!p->declared && !p->ifindex && !p->lease)
			port_drop(ps, p);
	}
	ps->nchunk = 0;
}

static void chunk_end(void *arg)
{
	chunk_bindings(arg);
	xd_work_pending(arg);	/* the next chunk */
}

size_t xd_ports_work(struct agent *a, size_t max)
{
	struct xd_ports *ps = a->portstate;
	size_t done = 0;
	char *s;

	/* A chunk at a time: its ports stay as they are until the kernel
	 * answered (they are looked at again only in a later chunk). */
	if (xd_local_busy(ps->local))
		return 0;
	if (max > XD_PORTS_CHUNK)
		max = XD_PORTS_CHUNK;
	while (done < max && (s = xd_workq_pop(&ps->work))) {
		struct port *p = port_update(a, s);

		if (p)
			ps->chunk[ps->nchunk++] = p;
		free(s);
		done++;
	}
	if (!xd_local_commit(ps->local, installed, chunk_end, a))
		chunk_bindings(a);	/* nothing to wait for */
	return done;
}

bool xd_ports_installing(const struct agent *a)
{
	return a->portstate && xd_local_busy(a->portstate->local);
}

struct collect {
	struct agent *a;
	size_t plen;
	const char *node;
};

static void collect_key(const struct xe_kv *kv, void *arg)
{
	struct collect *c = arg;

	if (c->node) {
		/* Bindings: only this node's. */
		struct json_object *o = xe_kv_object(kv);
		const char *n = xd_json_str(o, "node");
		bool mine = n && !strcmp(n, c->node);

		json_object_put(o);
		if (!mine)
			return;
	}
	work_add(c->a, kv->key + c->plen);
}

void xd_ports_sync(struct agent *a)
{
	struct collect c = { .a = a, .plen = strlen(a->p_ports) };

	if (!xe_mirror_synced(a->ports) || !xe_mirror_synced(a->bindings))
		return;
	/* Every declared port, then every binding of this node (a binding
	 * without an up port is stale: withdrawn by port_eval). */
	xe_mirror_foreach(a->ports, collect_key, &c);
	c.plen = strlen(a->p_bindings);
	c.node = a->conf->node;
	xe_mirror_foreach(a->bindings, collect_key, &c);
}
