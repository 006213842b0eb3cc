// SPDX-License-Identifier: GPL-2.0
/*
 * Switch agent: the VM ports declared for this node in <prefix>/ports/
 * ({"ifname": "...", "node": "..."} at <vni>/<addr>). A port whose
 * interface is up with carrier gets local delivery and a binding
 * ({"node": ..., "underlay": ...} at <prefix>/bindings/<vni>/<addr>, under
 * the agent's lease); a port that goes down, or is no longer declared
 * here, loses both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "agent.h"

struct port {
	char *suffix;		/* "<vni>/<addr>" */
	char addr[64];
	char ifname[IF_NAMESIZE];
	bool declared;		/* declared for this node */
	int ifindex;		/* local delivery installed through it, or 0 */
	int64_t lease;		/* binding published under it, or 0 */
};

struct xd_ports {
	struct port *p;
	size_t n, cap;
	char *binding;		/* this node's binding value */
	/* Bindings to publish, sent once per loop iteration in
	 * transactions (a burst of ports costs a few requests). */
	char **q;
	size_t nq, capq;
	int64_t qlease;
};

static struct port *port_find(struct xd_ports *ps, const char *suffix)
{
	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(ps->p[i].suffix, suffix))
			return &ps->p[i];
	return NULL;
}

static struct port *port_get(struct xd_ports *ps, const char *suffix)
{
	struct port *p = port_find(ps, suffix);

	if (p)
		return p;
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 16;
		struct port *np = realloc(ps->p, cap * sizeof(*np));

		if (!np)
			return NULL;
		ps->p = np;
		ps->cap = cap;
	}
	p = &ps->p[ps->n];
	memset(p, 0, sizeof(*p));
	p->suffix = strdup(suffix);
	if (!p->suffix)
		return NULL;
	ps->n++;
	return p;
}

static void port_drop(struct xd_ports *ps, struct port *p)
{
	free(p->suffix);
	*p = ps->p[--ps->n];
}

struct xd_ports *xd_ports_new(struct agent *a)
{
	struct xd_ports *ps = calloc(1, sizeof(*ps));
	struct json_object *o = json_object_new_object();

	if (!ps || !o)
		goto fail;
	json_object_object_add(o, "node", json_object_new_string(a->conf->node));
	json_object_object_add(o, "underlay",
			       json_object_new_string(a->conf->underlay));
	ps->binding = strdup(json_object_to_json_string_ext(o,
						JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	if (!ps->binding)
		goto fail_ps;
	return ps;
fail:
	json_object_put(o);
fail_ps:
	free(ps);
	return NULL;
}

void xd_ports_free(struct xd_ports *ps)
{
	if (!ps)
		return;
	while (ps->n)
		port_drop(ps, &ps->p[0]);
	for (size_t i = 0; i < ps->nq; i++)
		free(ps->q[i]);
	free(ps->q);
	free(ps->p);
	free(ps->binding);
	free(ps);
}

static void retry_later(struct agent *a)
{
	if (ev_is_active(&a->retry))
		return;
	ev_timer_set(&a->retry, xe_backoff_next(&a->backoff), 0.);
	ev_timer_start(a->ev, &a->retry);
}

/* Reads a declared port's value: is it ours, and through which ifname. */
static void port_read_decl(struct agent *a, struct port *p)
{
	char key[512];
	const struct xe_kv *kv;
	struct json_object *o, *node, *ifname;

	p->declared = false;
	snprintf(key, sizeof(key), "%s%s", a->p_ports, p->suffix);
	kv = xe_mirror_get(a->ports, key);
	if (!kv)
		return;
	o = json_tokener_parse(kv->value);
	if (o && json_object_object_get_ex(o, "node", &node) &&
	    json_object_object_get_ex(o, "ifname", &ifname) &&
	    !strcmp(json_object_get_string(node), a->conf->node)) {
		const char *ifn = json_object_get_string(ifname);

		if (strlen(ifn) < IF_NAMESIZE) {
			strcpy(p->ifname, ifn);
			p->declared = true;
		} else {
			xd_log("port %s: ifname %s is too long", p->suffix, ifn);
		}
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

static int queue_binding(struct agent *a, const char *key, int64_t lease)
{
	struct xd_ports *ps = a->portstate;

	if (ps->nq && ps->qlease != lease)
		xd_ports_flush(a);
	if (ps->nq == ps->capq) {
		size_t cap = ps->capq ? ps->capq * 2 : 64;
		char **q = realloc(ps->q, cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		ps->q = q;
		ps->capq = cap;
	}
	ps->q[ps->nq] = strdup(key);
	if (!ps->q[ps->nq])
		return -ENOMEM;
	ps->nq++;
	ps->qlease = lease;
	return 0;
}

void xd_ports_flush(struct agent *a)
{
	struct xd_ports *ps = a->portstate;
	struct xe_op ops[XE_TXN_MAX];
	size_t plen = strlen(a->p_bindings), n = 0, first = 0, end;
	bool failed = false;

	for (size_t i = 0; i <= ps->nq; i++) {
		if (i < ps->nq) {
			size_t j;

			/* etcd refuses a key twice in one transaction. */
			for (j = 0; j < n; j++)
				if (!strcmp(ops[j].key, ps->q[i]))
					break;
			if (j < n)
				continue;
			ops[n++] = (struct xe_op){ ps->q[i], ps->binding,
						   ps->qlease };
			if (n < XE_TXN_MAX)
				continue;
		}
		if (n && !failed && xe_txn(a->etcd, ops, n)) {
			xd_log("cannot publish %zu bindings: %s", n,
			       xe_strerror(a->etcd));
			failed = true;
		}
		end = i < ps->nq ? i + 1 : ps->nq;
		if (failed) {
			/* Not published: the retry publishes them again. */
			for (size_t j = first; j < end; j++) {
				struct port *p = port_find(ps, ps->q[j] + plen);

				if (p)
					p->lease = 0;
			}
		}
		n = 0;
		first = end;
	}
	for (size_t i = 0; i < ps->nq; i++)
		free(ps->q[i]);
	ps->nq = 0;
	if (failed)
		retry_later(a);
}

/*
 * Deletes this node's binding of p, but only while it is ours: a VM that
 * moved is bound by its new node under the same key. The delete is a
 * compare-and-swap on the revision we saw; if the store moved on, the
 * watch brings the news and the port is looked at again.
 */
static void port_withdraw(struct agent *a, struct port *p, const char *key)
{
	const struct xe_kv *kv = xe_mirror_get(a->bindings, key);
	bool swapped = false;
	int r;

	if (!kv || !xd_is_mine(a, kv)) {
		p->lease = 0;
		return;
	}
	r = xe_cas(a->etcd, key, kv->mod_revision, NULL, 0, &swapped);
	if (r) {
		xd_log("port %s: cannot withdraw binding: %s", p->suffix,
		       xe_strerror(a->etcd));
		retry_later(a);
		return;
	}
	if (swapped)
		xd_log("port %s: withdrew binding (port %s)", p->suffix,
		       p->declared ? "down" : "not declared here");
	p->lease = 0;
}

/* Brings one port's local delivery and binding in line. */
static void port_eval(struct agent *a, struct port *p)
{
	int ifindex = p->declared ? xd_link_up(a->links, p->ifname) : 0;
	int64_t lease = xe_keeper_id(a->lease);
	char key[512];
	int r;

	snprintf(key, sizeof(key), "%s%s", a->p_bindings, p->suffix);
	if (ifindex && p->ifindex != ifindex) {
		if (!xd_local_install(p->addr, ifindex, p->ifname)) {
			xd_log("port %s: %s is up: route to %s via %s, proxy ARP on",
			       p->suffix, p->ifname, p->addr, p->ifname);
			p->ifindex = ifindex;
		} else {
			retry_later(a);
		}
	} else if (!ifindex && p->ifindex) {
		xd_local_remove(p->addr, p->ifindex);
		xd_log("port %s: %s is %s: local route removed", p->suffix,
		       p->ifname, p->declared ? "down" : "no longer declared here");
		p->ifindex = 0;
	}

	/* Publish when not yet done under this lease, or when the store
	 * (as far as we see it) lost or changed it. */
	if (ifindex && lease && (p->lease != lease ||
				 (xe_mirror_online(a->bindings) &&
				  !binding_current(a, key)))) {
		r = queue_binding(a, key, lease);
		if (r) {
			retry_later(a);
		} else {
			xd_log("port %s: publishing binding %s (lease %llx)",
			       p->suffix, a->portstate->binding,
			       (unsigned long long)lease);
			p->lease = lease;
		}
	} else if (!ifindex && (p->lease || xe_mirror_get(a->bindings, key))) {
		port_withdraw(a, p, key);
	}
}

static bool parse_suffix(struct port *p)
{
	uint32_t vni;

	return xd_split_key(p->suffix, &vni, p->addr, sizeof(p->addr));
}

void xd_ports_port_changed(struct agent *a, const char *suffix)
{
	struct xd_ports *ps = a->portstate;
	char key[512];
	struct port *p;

	snprintf(key, sizeof(key), "%s%s", a->p_ports, suffix);
	p = port_find(ps, suffix);
	if (!p && !xe_mirror_get(a->ports, key))
		return;
	if (!p) {
		p = port_get(ps, suffix);
		if (!p)
			return;
		if (!parse_suffix(p)) {
			xd_log("ignoring port %s: key is not <vni>/<address>",
			       suffix);
			port_drop(ps, p);
			return;
		}
	}
	port_read_decl(a, p);
	port_eval(a, p);
	if (!p->declared && !p->ifindex && !p->lease)
		port_drop(ps, p);
}

void xd_ports_link_changed(struct agent *a, const char *ifname)
{
	struct xd_ports *ps = a->portstate;

	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(ps->p[i].ifname, ifname))
			port_eval(a, &ps->p[i]);
}

struct collect {
	char **k;
	size_t n, cap, plen;
	const char *node;
};

static void collect_key(const struct xe_kv *kv, void *arg)
{
	struct collect *c = arg;

	if (c->node) {
		/* Bindings: only this node's. */
		struct json_object *o = json_tokener_parse(kv->value), *n;
		bool mine = o && json_object_object_get_ex(o, "node", &n) &&
			    !strcmp(json_object_get_string(n), c->node);

		json_object_put(o);
		if (!mine)
			return;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		char **k = realloc(c->k, cap * sizeof(*k));

		if (!k)
			return;
		c->k = k;
		c->cap = cap;
	}
	if ((c->k[c->n] = strdup(kv->key + c->plen)))
		c->n++;
}

void xd_ports_sync(struct agent *a)
{
	struct collect c = { .plen = strlen(a->p_ports) };

	if (!xe_mirror_synced(a->ports) || !xe_mirror_synced(a->bindings))
		return;
	/* Every declared port, then every binding of this node (a binding
	 * without an up port is stale: withdrawn by port_eval). */
	xe_mirror_foreach(a->ports, collect_key, &c);
	c.plen = strlen(a->p_bindings);
	c.node = a->conf->node;
	xe_mirror_foreach(a->bindings, collect_key, &c);
	for (size_t i = 0; i < c.n; i++) {
		struct port *p = port_find(a->portstate, c.k[i]);

		if (!p && (p = port_get(a->portstate, c.k[i])) &&
		    !parse_suffix(p)) {
			port_drop(a->portstate, p);
			p = NULL;
		}
		if (p) {
			port_read_decl(a, p);
			port_eval(a, p);
			if (!p->declared && !p->ifindex && !p->lease)
				port_drop(a->portstate, p);
		}
		free(c.k[i]);
	}
	free(c.k);
}
