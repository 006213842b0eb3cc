// SPDX-License-Identifier: GPL-2.0
/*
 * Reconciliation of remote entries. For cloud T and key K = "<vni>/<addr>",
 * the wanted value of <prefix>/remote/K in T is:
 *
 *  - nothing, if T has a binding for K itself (the VM is local to T);
 *  - {"cloud": S} for the cloud S other than T whose binding for K counts
 *    (below); S's gateways are not in it but in S's group;
 *  - left as it is, when the entry points to a cloud not read yet (etcd
 *    unreachable since we started) or to a cloud without any gateway:
 *    deleting would cut traffic we cannot vouch for;
 *  - nothing otherwise.
 *
 * Every change of a binding, a gateway set or a remote entry reconciles
 * the keys it touches; every (re)read of a mirror reconciles everything.
 *
 * The gateways of each cloud S go in one group key per other cloud T,
 * <prefix>/groups/<S> in T = {"gateways": [...]} (each address once, by
 * address, at most XCLOUD_MAX_NEXTHOPS: the rule of lib/values.c, which
 * the agents read it by; T's switch agents make it one kernel next-hop
 * group that every route to S's VMs names). A gateway of S joining or
 * leaving is one write per other cloud, however many VMs S has. A cloud
 * with no gateway keeps its group as it is (its last gateways), as its
 * remote entries are kept: a gateway agent restarting must not cut
 * cross-cloud traffic. A group is written before any remote entry that
 * names it (the writes of a cloud reach etcd in order). Each removal is
 * made once (removed.h).
 *
 * It also copies each cloud's declaration of its underlay prefixes,
 * <prefix>/underlay/<S> in cloud S, into every other cloud (their agents
 * accept tunnels from there): only S's own key is taken from S, and an
 * underlay/<S> in another cloud that S does not declare is deleted.
 * Writes are only made where the store differs, so a restart with nothing
 * changed writes nothing.
 *
 * Claims are checked against what their cloud declares: a binding of
 * cloud S counts only if its address lies in a prefix of S's own
 * networks/<vni>, and a gateway of S only if its address lies in S's
 * underlay/<S>; of two clouds claiming one VM address, the one the remote
 * entries already name keeps it (else the first by name). A refused claim
 * is logged and counted, and written nowhere.
 *
 * Only the elected leader writes (election.c); standbys keep their
 * mirrors, so a takeover starts from a current view.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <xcetcd.h>
#include "log.h"
#include "coord.h"
#include "election.h"
#include "joins.h"
#include "prefix.h"
#include "removed.h"
#include "values.h"

struct cloud {
	struct coord *co;
	const char *name;
	struct xe_client *client;
	struct xe_mirror *bindings, *gateways, *remote, *underlay, *networks;
	struct xe_mirror *groups;
	char *gws;		/* JSON array of its group's members (gw_refresh) */
	size_t ngws;
	char *gws_refused;	/* the same of those outside underlay/<S> */
	char *gws_left;		/* the same of those left out of the group */
	/* claims refused: outside the declared prefixes, or another cloud's */
	unsigned long refused_bindings, refused_gateways, conflicts;
	unsigned long left_gateways;	/* more than a group holds */
	ev_timer retry;		/* read remote/ again after a failed write */
	double backoff;
	struct xe_batch *batch;	/* writes, coalesced into transactions */
	struct removed *removed;	/* our recent deletes (removed.h) */
	struct joins *joins;	/* its gateways held back (joins.h) */
	ev_timer join_timer;	/* the next of them joins */
};

struct coord {
	struct ev_loop *ev;
	struct xe_loop *xl;
	char *prefix;
	char *p_bindings, *p_gateways, *p_remote, *p_underlay, *p_networks;
	char *p_groups;
	struct election *election;
	bool leading;
	struct cloud cloud[COORD_MAX_CLOUDS];
	size_t n;
	bool started;
	double remove_delay;
	double join_delay;
	void *pending;		/* tree of struct pending: removals waiting */
	size_t npending;
	ev_timer pending_timer;
};

/*
 * A remote entry whose binding vanished is removed only after
 * remove_delay: a VM that moves between compute nodes of its cloud is
 * unbound for a moment, and the other clouds' tables must not change.
 */
struct pending {
	struct cloud *t;
	ev_tstamp due;
	char suffix[];
};

static int pending_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return strcmp(x->suffix, y->suffix);
}

static struct pending *pending_find(struct coord *co, struct cloud *t,
				    const char *suffix)
{
	/* On the heap: a key's length is whatever etcd holds. */
	struct pending *probe = malloc(sizeof(*probe) + strlen(suffix) + 1);
	struct pending **p;

	if (!probe)
		return NULL;
	probe->t = t;
	strcpy(probe->suffix, suffix);
	p = tfind(probe, &co->pending, pending_cmp);
	free(probe);
	return p ? *p : NULL;
}

static void pending_drop(struct coord *co, struct pending *p)
{
	tdelete(p, &co->pending, pending_cmp);
	free(p);
	co->npending--;
}

/* Hold @t's change of @suffix for remove_delay seconds; NULL: no memory. */
static struct pending *pending_add(struct coord *co, struct cloud *t,
				   const char *suffix)
{
	struct pending *p = malloc(sizeof(*p) + strlen(suffix) + 1);

	if (!p)
		return NULL;
	p->t = t;
	p->due = ev_now(co->ev) + co->remove_delay;
	strcpy(p->suffix, suffix);
	tsearch(p, &co->pending, pending_cmp);
	co->npending++;
	if (!ev_is_active(&co->pending_timer))
		ev_timer_start(co->ev, &co->pending_timer);
	return p;
}

static void coord_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* XCLOUD_LOG_TIMES=1: monotonic time stamps on every line and how long
 * each flush took (see xcloudd). */
static bool timing(void)
{
	static int on = -1;

	if (on < 0)
		on = getenv("XCLOUD_LOG_TIMES") != NULL;
	return on;
}

/* The daemons' logger (userspace/daemon/log.c): journal priorities. */
static void coord_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xlogv(fmt, ap);
	va_end(ap);
}

static const char *suffix_of(const struct xe_mirror *m, const char *key)
{
	return key + strlen(xe_mirror_prefix(m));
}

static struct cloud *cloud_by_name(struct coord *co, const char *name)
{
	for (size_t i = 0; i < co->n; i++)
		if (!strcmp(co->cloud[i].name, name))
			return &co->cloud[i];
	return NULL;
}

/* The "cloud" field of a remote entry, or NULL. Caller frees. */
static char *remote_cloud(const struct xe_kv *kv)
{
	struct json_object *o = xe_kv_object(kv), *c;
	char *name = NULL;

	if (o && json_object_object_get_ex(o, "cloud", &c) &&
	    json_object_is_type(c, json_type_string))
		name = strdup(json_object_get_string(c));
	json_object_put(o);
	return name;
}

/* Read at least once: what the cloud claims and declares is known. */
static bool cloud_ready(const struct cloud *s)
{
	return xe_mirror_synced(s->bindings) && xe_mirror_synced(s->networks) &&
	       xe_mirror_synced(s->underlay) && xe_mirror_synced(s->gateways);
}

/*
 * Does s's binding of suffix "<vni>/<addr>" lie in a prefix s declares
 * for that network (networks/<vni> in s's own store)? *why says not.
 */
static bool binding_declared(struct cloud *s, const char *suffix,
			     const char **why)
{
	const char *slash = strchr(suffix, '/');
	const struct xe_kv *net;
	char key[512];

	if (!slash) {
		*why = "the key is not <vni>/<address>";
		return false;
	}
	snprintf(key, sizeof(key), "%s%.*s", s->co->p_networks,
		 (int)(slash - suffix), suffix);
	net = xe_mirror_get(s->networks, key);
	if (!net) {
		*why = "the cloud declares no such network (networks/<vni>)";
		return false;
	}
	if (!prefix_decl_has(net->value, slash + 1)) {
		*why = "the address is outside the prefixes the cloud declares for the network";
		return false;
	}
	return true;
}

/*
 * Why a binding's value is not {"node": NAME, "underlay": ADDRESS}, or
 * NULL: the agents skip such a binding, so no cloud may route to it.
 */
static const char *binding_value_bad(const char *value)
{
	struct json_object *o = xe_json_object(value, strlen(value), NULL, 0);
	struct json_object *n, *u;
	const char *why = NULL;
	struct xc_addr a;

	if (!o || !json_object_is_type(o, json_type_object))
		why = "the value is not a JSON object";
	else if (!json_object_object_get_ex(o, "node", &n) ||
		 !json_object_is_type(n, json_type_string) ||
		 !xe_name_ok(json_object_get_string(n)))
		why = "\"node\" is not a name";
	else if (!json_object_object_get_ex(o, "underlay", &u) ||
		 xc_unicast_parse(u, &a))
		why = "\"underlay\" is not a unicast address";
	json_object_put(o);
	return why;
}

/* Does cloud s claim the VM of suffix: a binding, inside its prefixes? */
static bool claims(struct cloud *s, const char *suffix)
{
	const struct xe_kv *kv;
	const char *why;
	char key[512];

	snprintf(key, sizeof(key), "%s%s", s->co->p_bindings, suffix);
	kv = xe_mirror_get(s->bindings, key);
	return kv && !binding_value_bad(kv->value) &&
	       binding_declared(s, suffix, &why);
}

/*
 * The cloud whose claim of suffix counts, or NULL if none claims it. Of
 * several, the one another cloud's remote entry names already (it was
 * there first: a later claim does not move it), else the first by name.
 */
static struct cloud *owner(struct coord *co, const char *suffix)
{
	struct cloud *first = NULL;
	size_t n = 0;
	char key[512];

	for (size_t i = 0; i < co->n; i++)
		if (claims(&co->cloud[i], suffix) && !n++)
			first = &co->cloud[i];
	if (n < 2)
		return first;
	snprintf(key, sizeof(key), "%s%s", co->p_remote, suffix);
	for (size_t i = 0; i < co->n; i++) {
		const struct xe_kv *kv = xe_mirror_get(co->cloud[i].remote, key);
		char *name = kv ? remote_cloud(kv) : NULL;
		struct cloud *o = name ? cloud_by_name(co, name) : NULL;

		free(name);
		if (o && o != &co->cloud[i] && claims(o, suffix))
			return o;
	}
	return first;
}

enum want { WANT_ABSENT, WANT_KEEP, WANT_VALUE };

static enum want wanted(struct cloud *t, const char *suffix,
			const struct xe_kv *actual, char **value,
			const char **why)
{
	struct coord *co = t->co;
	struct cloud *src = owner(co, suffix);
	char *acloud;

	*value = NULL;
	if (src == t) {
		*why = "the VM is bound in this cloud";
		return WANT_ABSENT;
	}
	acloud = actual ? remote_cloud(actual) : NULL;
	if (!src) {
		struct cloud *a = acloud ? cloud_by_name(co, acloud) : NULL;

		free(acloud);
		if (a && !cloud_ready(a)) {
			*why = "its cloud has not been read yet";
			return WANT_KEEP;
		}
		*why = "no cloud has a binding for it";
		return WANT_ABSENT;
	}
	if (!src->ngws) {
		bool same = acloud && !strcmp(acloud, src->name);

		free(acloud);
		*why = "its cloud has no gateway";
		return same ? WANT_KEEP : WANT_ABSENT;
	}
	free(acloud);
	if (asprintf(value, "{\"cloud\":\"%s\"}", src->name) < 0) {
		*value = NULL;
		*why = "out of memory";
		return WANT_KEEP;
	}
	*why = src->name;
	return WANT_VALUE;
}

static void cloud_retry_later(struct cloud *t)
{
	if (ev_is_active(&t->retry))
		return;
	ev_timer_set(&t->retry, xe_backoff_next(&t->backoff), 0.);
	ev_timer_start(t->co->ev, &t->retry);
}

/*
 * Writes wait up to COORD_LINGER_S for others to share their transaction
 * (as xcloudd's bindings do: a small transaction costs etcd tens of
 * milliseconds under load, whatever it holds); a full batch goes at once.
 * The coordinator goes on reading bindings while etcd answers. The mirror
 * assumes the value at once, so the same write is not queued twice.
 */
#define COORD_LINGER_S		0.015
#define COORD_LINGER_MAX	256

/*
 * A delete is remembered with the version it deletes: an older one seen
 * after it (removed.h) is not taken for the key coming back.
 */
static int queue_write_to(struct cloud *t, struct xe_mirror *m,
			  const char *key, const char *value)
{
	const struct xe_kv *gone = value ? NULL : xe_mirror_get(m, key);
	int r;

	if (gone && removed_note(t->removed, gone, ev_now(t->co->ev)))
		return -ENOMEM;
	r = xe_batch_add(t->batch, key, value, 0);

	if (!r)
		xe_mirror_assume(m, key, value);
	return r;
}

static int queue_write(struct cloud *t, const char *key, const char *value)
{
	return queue_write_to(t, t->remote, key, value);
}

static void written(int r, const struct xe_op *ops, size_t n, double ms,
		    void *arg)
{
	struct cloud *t = arg;

	(void)ops;
	if (r) {
		/* What we assumed is unknown now: read it again. */
		coord_log("cloud %s: cannot write %zu entries: %s; reading remote/ again",
			  t->name, n, r == -ENOMEM ? "out of memory" :
			  xe_strerror(t->client));
		cloud_retry_later(t);
		return;
	}
	if (timing())
		coord_log("cloud %s: wrote %zu entries in %.1f ms", t->name, n,
			  ms);
	t->backoff = 0;
}

static void group_reconcile(struct cloud *t, const char *name);

/* Makes <prefix>/remote/<suffix> in t what it should be. */
static void reconcile(struct cloud *t, const char *suffix)
{
	struct coord *co = t->co;
	const struct xe_kv *actual;
	const char *why;
	char key[512], *value;
	enum want w;

	/* Without a current view of t's own bindings and remote entries we
	 * cannot tell what is missing or stale there. */
	if (!co->started || !co->leading || !xe_mirror_online(t->remote) ||
	    !cloud_ready(t) || !xe_mirror_synced(t->groups))
		return;
	snprintf(key, sizeof(key), "%s%s", co->p_remote, suffix);
	actual = xe_mirror_get(t->remote, key);
	w = wanted(t, suffix, actual, &value, &why);
	if (w == WANT_KEEP) {
		return;
	} else if (w == WANT_ABSENT) {
		struct pending *p = pending_find(co, t, suffix);

		if (!actual) {
			if (p)
				pending_drop(co, p);
			return;
		}
		if (co->remove_delay > 0 && !p) {
			if (!pending_add(co, t, suffix))
				return;
			coord_log("cloud %s: remote %s: %s; removing it in %g s unless it comes back",
				  t->name, suffix, why, co->remove_delay);
			return;
		}
		if (p && p->due > ev_now(co->ev))
			return;
		if (p)
			pending_drop(co, p);
		if (!queue_write(t, key, NULL))
			coord_log("cloud %s: removed remote %s (%s)", t->name,
				  suffix, why);
	} else {
		struct pending *p = pending_find(co, t, suffix);
		char *acloud = actual ? remote_cloud(actual) : NULL;
		/* Another cloud's VM until now: its binding may be back in
		 * a moment (a move inside its cloud), so a claim that takes
		 * the address over waits as a removal does. */
		bool moves = acloud && strcmp(acloud, why) &&
			     cloud_by_name(co, acloud) && co->remove_delay > 0;

		free(acloud);
		if (actual && !strcmp(actual->value, value)) {
			if (p)
				pending_drop(co, p);
			free(value);
			return;
		}
		if (moves && !p) {
			if (pending_add(co, t, suffix))
				coord_log("cloud %s: remote %s now claimed by cloud %s; moving it in %g s unless its cloud's binding comes back",
					  t->name, suffix, why, co->remove_delay);
			free(value);
			return;
		}
		if (moves && p->due > ev_now(co->ev)) {
			free(value);
			return;
		}
		if (p)
			pending_drop(co, p);
		/* The group first: an agent reading the entry finds it. */
		group_reconcile(t, why);
		if (!queue_write(t, key, value))
			coord_log("cloud %s: %s remote %s -> %s (bound in cloud %s)",
				  t->name, actual ? "updated" : "added", suffix,
				  value, why);
		free(value);
	}
}

struct keylist {
	char **k;
	size_t n, cap;
	const char *prefix;
	size_t plen;
};

static void keylist_add(const struct xe_kv *kv, void *arg)
{
	struct keylist *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **k = realloc(l->k, cap * sizeof(*k));

		if (!k)
			return;
		l->k = k;
		l->cap = cap;
	}
	l->k[l->n] = strdup(kv->key + l->plen);
	if (l->k[l->n])
		l->n++;
}

static void keylist_free(struct keylist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->k[i]);
	free(l->k);
}

/* Reconciles t for every key of mirror m (keys copied first: reconciling
 * changes t's remote mirror, which may be m). */
static void reconcile_keys_of(struct cloud *t, struct xe_mirror *m)
{
	struct keylist l = { .prefix = xe_mirror_prefix(m) };

	l.plen = strlen(l.prefix);
	xe_mirror_foreach(m, keylist_add, &l);
	for (size_t i = 0; i < l.n; i++)
		reconcile(t, l.k[i]);
	keylist_free(&l);
}

static void reconcile_cloud(struct cloud *t)
{
	struct coord *co = t->co;

	if (!co->started)
		return;
	reconcile_keys_of(t, t->remote);
	for (size_t i = 0; i < co->n; i++)
		reconcile_keys_of(t, co->cloud[i].bindings);
}

static void reconcile_all(struct coord *co)
{
	for (size_t i = 0; i < co->n; i++)
		reconcile_cloud(&co->cloud[i]);
}

static void retry_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct cloud *t = w->data;

	(void)ev;
	(void)revents;
	xe_mirror_refresh(t->remote);	/* its re-read reconciles */
	xe_mirror_refresh(t->underlay);
	xe_mirror_refresh(t->groups);
}

struct due_list {
	struct coord *co;
	struct pending **p;
	size_t n;
};

static void collect_due(const void *nodep, VISIT v, void *arg)
{
	struct pending *p = *(struct pending * const *)nodep;
	struct due_list *d = arg;

	if ((v == postorder || v == leaf) && p->due <= ev_now(d->co->ev))
		d->p[d->n++] = p;
}

static void pending_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct coord *co = w->data;
	struct due_list d = { .co = co };

	(void)ev;
	(void)revents;
	d.p = calloc(co->npending ? co->npending : 1, sizeof(*d.p));
	if (d.p) {
		twalk_r(co->pending, collect_due, &d);
		for (size_t i = 0; i < d.n; i++) {
			/* Copy: reconcile frees the entry. */
			struct cloud *t = d.p[i]->t;
			char *suffix = strdup(d.p[i]->suffix);

			if (suffix)
				reconcile(t, suffix);
			free(suffix);
		}
		free(d.p);
	}
	if (!co->npending)
		ev_timer_stop(co->ev, &co->pending_timer);
}

/* ---- bindings ---- */

static void binding_changed(struct xe_mirror *m, const char *key, void *arg)
{
	struct cloud *s = arg;
	struct coord *co = s->co;
	const char *suffix = suffix_of(m, key);

	for (size_t i = 0; i < co->n; i++)
		reconcile(&co->cloud[i], suffix);
}

/* A new binding of s: refused (logged, counted) if it is not s's to
 * claim. Its effect elsewhere is reconcile's, which ignores it then. */
static void binding_check(struct cloud *s, const char *suffix,
			  const char *value)
{
	struct coord *co = s->co;
	struct cloud *o;
	const char *why = binding_value_bad(value);

	if (why) {
		s->refused_bindings++;
		coord_log("cloud %s: binding %s refused: %s (%lu refused so far)",
			  s->name, suffix, why, s->refused_bindings);
		return;
	}
	if (!cloud_ready(s))
		return;		/* the first read checks everything */
	if (!binding_declared(s, suffix, &why)) {
		s->refused_bindings++;
		coord_log("cloud %s: binding %s refused: %s (%lu refused so far)",
			  s->name, suffix, why, s->refused_bindings);
		return;
	}
	o = owner(co, suffix);
	if (o && o != s) {
		s->conflicts++;
		coord_log("cloud %s: binding %s refused: cloud %s claims that VM address (%lu conflicts so far)",
			  s->name, suffix, o->name, s->conflicts);
	}
}

static void binding_put(struct xe_mirror *m, const struct xe_kv *kv,
			const struct xe_kv *old, void *arg)
{
	/* Only existence and a well-formed value matter here. */
	if (old && !binding_value_bad(old->value) ==
		   !binding_value_bad(kv->value))
		return;
	binding_check(arg, suffix_of(m, kv->key), kv->value);
	binding_changed(m, kv->key, arg);
}

static void binding_del(struct xe_mirror *m, const struct xe_kv *old,
			void *arg)
{
	binding_changed(m, old->key, arg);
}

/* ---- gateways ---- */

struct gw_ctx {
	struct xc_addr *ok;	/* inside the underlay, in key order */
	size_t n, cap;
	struct json_object *refused;
	const char *decl;	/* underlay/<S> of the cloud, or NULL */
	struct joins *joins;
	double now, held;	/* the first join time of those held back */
};

static bool gw_grow(struct gw_ctx *g)
{
	size_t cap = g->cap ? g->cap * 2 : 16;
	struct xc_addr *n = realloc(g->ok, cap * sizeof(*n));

	if (!n)
		return false;
	g->ok = n;
	g->cap = cap;
	return true;
}

/* A gateway counts if its address, one host's, lies in its cloud's
 * underlay, and once it has joined (joins.h). */
static void gw_collect(const struct xe_kv *kv, void *arg)
{
	struct json_object *o = xe_kv_object(kv);
	struct gw_ctx *g = arg;
	struct json_object *u;
	struct xc_addr a;

	if (o && json_object_object_get_ex(o, "underlay", &u) &&
	    !xc_unicast_parse(u, &a)) {
		double due = joins_due(g->joins, kv->key, g->now);

		if (!prefix_decl_has(g->decl, json_object_get_string(u))) {
			json_object_array_add(g->refused, json_object_get(u));
		} else if (due) {
			if (!g->held || due < g->held)
				g->held = due;
		} else if (g->n < g->cap || gw_grow(g)) {
			g->ok[g->n++] = a;
		}
	}
	json_object_put(o);	/* logged when it arrived (gw_put) */
}

/* Logs what of s's gateways is left out of its group, when it changes. */
static void gw_left_out(struct cloud *s, const struct xc_addr *a, size_t n)
{
	struct json_object *arr = json_object_new_array();
	char buf[INET6_ADDRSTRLEN];
	const char *js;

	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(
			xc_addr_str(&a[i], buf, sizeof(buf))));
	js = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN);
	if (!s->gws_left || strcmp(s->gws_left, js)) {
		s->left_gateways += n;
		if (n || s->gws_left)
			coord_log(SD_WARNING "cloud %s: gateways left out of its group (a group holds %d, the first by address): %s (%lu left out so far)",
				  s->name, XCLOUD_MAX_NEXTHOPS, js,
				  s->left_gateways);
		free(s->gws_left);
		s->gws_left = strdup(js);
	}
	json_object_put(arr);
}

/*
 * Recomputes s's group: its gateways inside its underlay, each once,
 * the first XCLOUD_MAX_NEXTHOPS by address (lib/values.c, the rule the
 * agents read groups by).
 */
static bool gw_refresh(struct cloud *s)
{
	struct json_object *arr;
	struct gw_ctx g = { 0 };
	const struct xe_kv *decl;
	char key[512], buf[INET6_ADDRSTRLEN];
	const char *js;
	size_t kept, left;
	bool changed;

	if (!xe_mirror_synced(s->gateways) || !xe_mirror_synced(s->underlay))
		return false;
	g.refused = json_object_new_array();
	snprintf(key, sizeof(key), "%s%s", s->co->p_underlay, s->name);
	decl = xe_mirror_get(s->underlay, key);
	g.decl = decl ? decl->value : NULL;
	g.joins = s->joins;
	g.now = ev_now(s->co->ev);
	xe_mirror_foreach(s->gateways, gw_collect, &g);
	ev_timer_stop(s->co->ev, &s->join_timer);
	if (g.held) {
		ev_timer_set(&s->join_timer, g.held - g.now, 0.);
		ev_timer_start(s->co->ev, &s->join_timer);
	}
	js = json_object_to_json_string_ext(g.refused, JSON_C_TO_STRING_PLAIN);
	if (!s->gws_refused || strcmp(s->gws_refused, js)) {
		size_t n = json_object_array_length(g.refused);

		s->refused_gateways += n;
		if (n || s->gws_refused)
			coord_log("cloud %s: gateways refused (outside %s): %s (%lu refused so far)",
				  s->name, key, js, s->refused_gateways);
		free(s->gws_refused);
		s->gws_refused = strdup(js);
	}
	json_object_put(g.refused);
	kept = xc_gateways_pick(g.ok, g.n, XCLOUD_MAX_NEXTHOPS, &left);
	gw_left_out(s, g.ok + kept, left);
	arr = json_object_new_array();
	for (size_t i = 0; i < kept; i++)
		json_object_array_add(arr, json_object_new_string(
			xc_addr_str(&g.ok[i], buf, sizeof(buf))));
	free(g.ok);
	js = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN);
	changed = !s->gws || strcmp(s->gws, js);
	if (changed) {
		coord_log("cloud %s: gateways now %s", s->name, js);
		free(s->gws);
		s->gws = strdup(js);
		s->ngws = kept;
	}
	json_object_put(arr);
	return changed;
}

/*
 * s's gateways changed: one write of s's group in each other cloud. The
 * remote entries of s's VMs name the group, not the gateways, so they
 * are looked at only when s gets its first gateway or loses its last
 * (entries of a cloud without gateways are kept, not written).
 */
static void gw_update(struct cloud *s)
{
	struct coord *co = s->co;
	bool had = s->ngws;

	if (!gw_refresh(s))
		return;
	for (size_t i = 0; i < co->n; i++) {
		if (&co->cloud[i] == s)
			continue;
		group_reconcile(&co->cloud[i], s->name);
		if (had != !!s->ngws)
			reconcile_keys_of(&co->cloud[i], s->bindings);
	}
}

/*
 * A gateway new to a cloud whose group has members joins it join_delay
 * later (joins.h). One read at a start or after a lost watch holds none
 * back: what was there is not new.
 */
static void gw_hold(struct cloud *s, const struct xe_kv *kv)
{
	struct coord *co = s->co;

	if (!s->ngws || co->join_delay <= 0 || !xe_mirror_synced(s->gateways))
		return;
	if (joins_note(s->joins, kv->key, ev_now(co->ev) + co->join_delay))
		coord_log("cloud %s: gateway %s joins at once: out of memory",
			  s->name, kv->key);
	else
		coord_log("cloud %s: gateway %s joins its group in the other clouds in %g s (its cloud's switches accept it first)",
			  s->name, kv->key, co->join_delay);
}

static void gw_put(struct xe_mirror *m, const struct xe_kv *kv,
		   const struct xe_kv *old, void *arg)
{
	struct json_object *o = xe_kv_object(kv), *u;
	struct xc_addr a;

	(void)m;
	if (!o || !json_object_object_get_ex(o, "underlay", &u) ||
	    xc_unicast_parse(u, &a))
		coord_log("ignoring gateway %s: value %.200s has no \"underlay\" unicast address",
			  kv->key, kv->value);
	else if (!old)
		gw_hold(arg, kv);
	json_object_put(o);
	gw_update(arg);
}

static void gw_del(struct xe_mirror *m, const struct xe_kv *old, void *arg)
{
	struct cloud *s = arg;

	(void)m;
	joins_forget(s->joins, old->key);
	gw_update(s);
}

static void join_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	(void)ev;
	(void)revents;
	gw_update(w->data);
}

/*
 * An older version of a key we deleted (removed.h), arriving after the
 * delete: the key is gone, or going, already. The mirror forgets it again
 * (no write), so it is neither removed twice nor taken as there.
 */
static bool stale(struct cloud *t, struct xe_mirror *m, const struct xe_kv *kv)
{
	if (!removed_stale(t->removed, kv))
		return false;
	xe_mirror_assume(m, kv->key, NULL);
	return true;
}

/* ---- remote entries ---- */

static void remote_put(struct xe_mirror *m, const struct xe_kv *kv,
		       const struct xe_kv *old, void *arg)
{
	(void)old;
	if (!stale(arg, m, kv))
		reconcile(arg, suffix_of(m, kv->key));
}

static void remote_del(struct xe_mirror *m, const struct xe_kv *old,
		       void *arg)
{
	reconcile(arg, suffix_of(m, old->key));
}

/* ---- groups: each cloud's gateways, one key per other cloud ---- */

/*
 * Why the agents would refuse this group value, or NULL: the very check
 * they make (lib/values.c), so that what gw_refresh picked is never
 * written otherwise.
 */
static const char *group_value_bad(const char *value)
{
	struct json_object *o = xe_json_object(value, strlen(value), NULL, 0);
	struct json_object *arr = NULL;
	struct xc_addr a[XCLOUD_MAX_NEXTHOPS];
	unsigned int n;
	const char *why;

	if (o)
		json_object_object_get_ex(o, "gateways", &arr);
	why = xc_gateways_parse(arr, a, XCLOUD_MAX_NEXTHOPS, &n);
	json_object_put(o);
	return why;
}

/* Makes groups/<name> in t what cloud <name>'s gateways are. */
static void group_reconcile(struct cloud *t, const char *name)
{
	struct coord *co = t->co;
	const struct xe_kv *actual;
	struct cloud *s;
	char key[512], *value;
	const char *why;

	if (!co->started || !co->leading || !xe_mirror_online(t->groups) ||
	    !xe_mirror_synced(t->groups))
		return;
	snprintf(key, sizeof(key), "%s%s", co->p_groups, name);
	actual = xe_mirror_get(t->groups, key);
	s = cloud_by_name(co, name);
	if (s && s != t) {
		/* Not read yet, or no gateway now: keep what is there. */
		if (!s->gws || !s->ngws)
			return;
		if (asprintf(&value, "{\"gateways\":%s}", s->gws) < 0)
			return;
		why = group_value_bad(value);
		if (why) {
			coord_log(SD_ERR "cloud %s: group of cloud %s: %s is what the agents refuse (%s): not written",
				  t->name, name, value, why);
			free(value);
			return;
		}
		if ((!actual || strcmp(actual->value, value)) &&
		    !queue_write_to(t, t->groups, key, value))
			coord_log("cloud %s: group of cloud %s -> %s", t->name,
				  name, value);
		free(value);
	} else if (actual) {
		if (!queue_write_to(t, t->groups, key, NULL))
			coord_log("cloud %s: removed group %s (%s)", t->name,
				  name, s ? "the cloud's own" :
				  "not a cloud of this coordinator");
	}
}

static void group_reconcile_all(struct coord *co)
{
	for (size_t i = 0; i < co->n; i++) {
		struct cloud *t = &co->cloud[i];
		struct keylist l = { .prefix = co->p_groups };

		l.plen = strlen(l.prefix);
		for (size_t j = 0; j < co->n; j++)
			group_reconcile(t, co->cloud[j].name);
		/* and what t holds of clouds we do not know */
		xe_mirror_foreach(t->groups, keylist_add, &l);
		for (size_t j = 0; j < l.n; j++)
			group_reconcile(t, l.k[j]);
		keylist_free(&l);
	}
}

/* An entry changed under us (by hand, or our own write's echo). */
static void group_put(struct xe_mirror *m, const struct xe_kv *kv,
		      const struct xe_kv *old, void *arg)
{
	(void)old;
	if (!stale(arg, m, kv))
		group_reconcile(arg, suffix_of(m, kv->key));
}

static void group_del(struct xe_mirror *m, const struct xe_kv *old,
		      void *arg)
{
	group_reconcile(arg, suffix_of(m, old->key));
}

/* ---- underlay declarations ---- */

/* Is value a declaration the agents can read: {"prefixes": [strings]}?
 * (They check each prefix themselves and skip what is bad.) */
static bool underlay_ok(const char *value)
{
	struct json_object *o = xe_json_object(value, strlen(value), NULL, 0);
	struct json_object *arr;
	bool ok = o && json_object_is_type(o, json_type_object) &&
		  json_object_object_get_ex(o, "prefixes", &arr) &&
		  json_object_is_type(arr, json_type_array);

	for (size_t i = 0; ok && i < json_object_array_length(arr); i++)
		ok = json_object_is_type(json_object_array_get_idx(arr, i),
					 json_type_string);
	json_object_put(o);
	return ok;
}

/* Makes underlay/<name> in t what cloud <name> declares. */
static void underlay_reconcile(struct cloud *t, const char *name)
{
	struct coord *co = t->co;
	const struct xe_kv *actual, *decl = NULL;
	struct cloud *s;
	char key[512];

	if (!co->started || !co->leading || !strcmp(name, t->name) ||
	    !xe_mirror_online(t->underlay) || !xe_mirror_synced(t->underlay))
		return;
	snprintf(key, sizeof(key), "%s%s", co->p_underlay, name);
	actual = xe_mirror_get(t->underlay, key);
	s = cloud_by_name(co, name);
	if (s) {
		if (!xe_mirror_synced(s->underlay))
			return;		/* not read yet: keep what is there */
		decl = xe_mirror_get(s->underlay, key);
		if (decl && !underlay_ok(decl->value)) {
			coord_log("cloud %s: underlay %s is not {\"prefixes\": [...]}: not copied",
				  s->name, key);
			return;
		}
	}
	if (decl && (!actual || strcmp(actual->value, decl->value))) {
		if (!queue_write_to(t, t->underlay, key, decl->value))
			coord_log("cloud %s: underlay of cloud %s -> %s", t->name,
				  name, decl->value);
	} else if (!decl && actual) {
		if (!queue_write_to(t, t->underlay, key, NULL))
			coord_log("cloud %s: removed underlay of cloud %s (%s)",
				  t->name, name, s ? "no longer declared" :
				  "not a cloud of this coordinator");
	}
}

static void underlay_kv(const struct xe_kv *kv, void *arg)
{
	struct keylist *l = arg;

	keylist_add(kv, l);
}

static void underlay_reconcile_all(struct coord *co)
{
	for (size_t i = 0; i < co->n; i++) {
		struct cloud *t = &co->cloud[i];
		struct keylist l = { .prefix = co->p_underlay };

		l.plen = strlen(l.prefix);
		for (size_t j = 0; j < co->n; j++)
			underlay_reconcile(t, co->cloud[j].name);
		/* and what t holds of clouds we do not know */
		xe_mirror_foreach(t->underlay, underlay_kv, &l);
		for (size_t j = 0; j < l.n; j++)
			underlay_reconcile(t, l.k[j]);
		keylist_free(&l);
	}
}

static void underlay_changed(struct cloud *c, const char *name)
{
	struct coord *co = c->co;

	if (!strcmp(name, c->name)) {
		/* c's own declaration: to every other cloud, and c's
		 * gateways are judged against it again */
		gw_update(c);
		for (size_t i = 0; i < co->n; i++)
			underlay_reconcile(&co->cloud[i], name);
	} else {
		underlay_reconcile(c, name);
	}
}

static void underlay_put(struct xe_mirror *m, const struct xe_kv *kv,
			 const struct xe_kv *old, void *arg)
{
	(void)old;
	if (!stale(arg, m, kv))
		underlay_changed(arg, suffix_of(m, kv->key));
}

static void underlay_del(struct xe_mirror *m, const struct xe_kv *old,
			 void *arg)
{
	underlay_changed(arg, suffix_of(m, old->key));
}

/* ---- network declarations ---- */

struct refusals {
	struct cloud *s;
	size_t n;
	const char *first;
};

static void count_refused(const struct xe_kv *kv, void *arg)
{
	struct refusals *r = arg;
	const char *why;

	if (!binding_declared(r->s, kv->key + strlen(r->s->co->p_bindings),
			      &why) && !r->n++)
		r->first = kv->key;
}

/* s declares other prefixes: every claim of s is judged again. */
static void networks_changed(struct cloud *s, const char *key)
{
	struct coord *co = s->co;
	struct refusals r = { .s = s };

	if (!cloud_ready(s))
		return;
	xe_mirror_foreach(s->bindings, count_refused, &r);
	s->refused_bindings += r.n;
	coord_log("cloud %s: %s changed; %zu of its bindings are outside its declared prefixes now%s%s",
		  s->name, key, r.n, r.n ? ", e.g. " : "", r.n ? r.first : "");
	for (size_t i = 0; i < co->n; i++)
		reconcile_keys_of(&co->cloud[i], s->bindings);
}

static void networks_put(struct xe_mirror *m, const struct xe_kv *kv,
			 const struct xe_kv *old, void *arg)
{
	(void)m;
	(void)old;
	networks_changed(arg, kv->key);
}

static void networks_del(struct xe_mirror *m, const struct xe_kv *old,
			 void *arg)
{
	(void)m;
	networks_changed(arg, old->key);
}

/* ---- any mirror ---- */

static void mirror_synced(struct xe_mirror *m, void *arg)
{
	struct cloud *c = arg;

	(void)m;
	gw_refresh(c);
	group_reconcile_all(c->co);
	reconcile_all(c->co);
	underlay_reconcile_all(c->co);
}

static void mirror_online(struct xe_mirror *m, bool up, const char *why,
			  void *arg)
{
	struct cloud *c = arg;

	if (up)
		coord_log("cloud %s: reading and watching %s", c->name,
		     xe_mirror_prefix(m));
	else
		coord_log("cloud %s: lost %s (%s); keeping its last known state and retrying",
		     c->name, xe_mirror_prefix(m), why);
}

static const struct xe_mirror_ops bindings_ops = {
	.put = binding_put, .del = binding_del,
	.synced = mirror_synced, .online = mirror_online,
};

static const struct xe_mirror_ops gateways_ops = {
	.put = gw_put, .del = gw_del,
	.synced = mirror_synced, .online = mirror_online,
};

static const struct xe_mirror_ops remote_ops = {
	.put = remote_put, .del = remote_del,
	.synced = mirror_synced, .online = mirror_online,
};

static const struct xe_mirror_ops networks_ops = {
	.put = networks_put, .del = networks_del,
	.synced = mirror_synced, .online = mirror_online,
};

static const struct xe_mirror_ops groups_ops = {
	.put = group_put, .del = group_del,
	.synced = mirror_synced, .online = mirror_online,
};

static const struct xe_mirror_ops underlay_ops = {
	.put = underlay_put, .del = underlay_del,
	.synced = mirror_synced, .online = mirror_online,
};

/* ---- leadership ---- */

static void coord_lead(void *arg)
{
	struct coord *co = arg;

	co->leading = true;
	coord_log("leading: reconciling every cloud");
	group_reconcile_all(co);
	reconcile_all(co);
	underlay_reconcile_all(co);
}

/*
 * Not the leader any more: nothing more goes out. What is on its way
 * cannot be called back (etcd may have it); what was assumed but not
 * written is read again, so a new term starts from the store.
 */
static void coord_follow(const char *why, void *arg)
{
	struct coord *co = arg;

	co->leading = false;
	coord_log("standing by (%s): no more writes", why);
	for (size_t i = 0; i < co->n; i++) {
		struct cloud *c = &co->cloud[i];

		xe_batch_drop(c->batch);
		xe_mirror_refresh(c->remote);
		xe_mirror_refresh(c->underlay);
		xe_mirror_refresh(c->groups);
	}
}

static const struct election_ops election_ops = {
	.lead = coord_lead,
	.follow = coord_follow,
};

struct coord *coord_new(struct ev_loop *ev, const struct coord_conf *conf)
{
	struct coord *co = calloc(1, sizeof(*co));

	if (!co)
		return NULL;
	co->ev = ev;
	co->remove_delay = conf->remove_delay;
	co->join_delay = conf->join_delay;
	ev_timer_init(&co->pending_timer, pending_cb, 0.25, 0.25);
	co->pending_timer.data = co;
	co->xl = xe_loop_new(ev);
	co->prefix = strdup(conf->prefix);
	if (!co->xl || !co->prefix ||
	    asprintf(&co->p_bindings, "%s/bindings/", conf->prefix) < 0 ||
	    asprintf(&co->p_gateways, "%s/gateways/", conf->prefix) < 0 ||
	    asprintf(&co->p_remote, "%s/remote/", conf->prefix) < 0 ||
	    asprintf(&co->p_underlay, "%s/underlay/", conf->prefix) < 0 ||
	    asprintf(&co->p_networks, "%s/networks/", conf->prefix) < 0 ||
	    asprintf(&co->p_groups, "%s/groups/", conf->prefix) < 0)
		goto fail;
	for (size_t i = 0; i < conf->nclouds; i++) {
		struct cloud *c = &co->cloud[i];

		c->co = co;
		c->name = conf->cloud[i].name;
		c->client = xe_client_new_conf(&conf->cloud[i].etcd, c->name);
		if (!c->client)
			goto fail;
		co->n++;
		c->bindings = xe_mirror_new(co->xl, c->client, co->p_bindings,
					    &bindings_ops, c);
		c->gateways = xe_mirror_new(co->xl, c->client, co->p_gateways,
					    &gateways_ops, c);
		c->remote = xe_mirror_new(co->xl, c->client, co->p_remote,
					  &remote_ops, c);
		c->underlay = xe_mirror_new(co->xl, c->client, co->p_underlay,
					    &underlay_ops, c);
		c->networks = xe_mirror_new(co->xl, c->client, co->p_networks,
					    &networks_ops, c);
		c->groups = xe_mirror_new(co->xl, c->client, co->p_groups,
					  &groups_ops, c);
		c->batch = xe_batch_new(co->xl, c->client, COORD_LINGER_S,
					COORD_LINGER_MAX, written, c);
		c->removed = removed_new();
		c->joins = joins_new();
		if (!c->removed || !c->joins || !c->bindings || !c->gateways || !c->remote || !c->underlay ||
		    !c->networks || !c->groups || !c->batch)
			goto fail;
		ev_timer_init(&c->retry, retry_cb, 0., 0.);
		c->retry.data = c;
		ev_timer_init(&c->join_timer, join_cb, 0., 0.);
		c->join_timer.data = c;
		if (!strcmp(c->name, conf->election)) {
			char *key;

			if (asprintf(&key, "%s/coord/leader", conf->prefix) < 0)
				goto fail;
			co->election = election_new(ev, co->xl, c->client, key,
						    conf->id, conf->election_ttl,
						    &election_ops, co);
			free(key);
			if (!co->election)
				goto fail;
		}
	}
	return co;
fail:
	coord_free(co);
	return NULL;
}

int coord_start(struct coord *co)
{
	int down = 0;

	/* Read everything first, then diff once: a restart finds the
	 * remote entries already right and writes nothing. */
	for (size_t i = 0; i < co->n; i++) {
		struct cloud *c = &co->cloud[i];
		/* Each mirror retries on its own when this fails. */
		int r = xe_mirror_start(c->bindings);

		r |= xe_mirror_start(c->gateways);
		r |= xe_mirror_start(c->remote);
		r |= xe_mirror_start(c->underlay);
		r |= xe_mirror_start(c->networks);
		r |= xe_mirror_start(c->groups);
		if (r) {
			coord_log("cloud %s: %s; retrying in the background",
			     c->name, xe_strerror(c->client));
			down++;
		}
	}
	co->started = true;
	election_start(co->election);	/* lead() reconciles */
	return down;
}

void coord_free(struct coord *co)
{
	if (!co)
		return;
	/* First: it revokes its lease with one of the clients. */
	election_free(co->election);
	co->election = NULL;
	for (size_t i = 0; i < co->n; i++) {
		struct cloud *c = &co->cloud[i];

		ev_timer_stop(co->ev, &c->retry);
		ev_timer_stop(co->ev, &c->join_timer);
		xe_batch_free(c->batch);
		removed_free(c->removed);
		joins_free(c->joins);
		xe_mirror_free(c->bindings);
		xe_mirror_free(c->gateways);
		xe_mirror_free(c->remote);
		xe_mirror_free(c->underlay);
		xe_mirror_free(c->networks);
		xe_mirror_free(c->groups);
		xe_client_free(c->client);
		free(c->gws);
		free(c->gws_refused);
		free(c->gws_left);
	}
	ev_timer_stop(co->ev, &co->pending_timer);
	tdestroy(co->pending, free);
	xe_loop_free(co->xl);
	free(co->prefix);
	free(co->p_bindings);
	free(co->p_gateways);
	free(co->p_remote);
	free(co->p_underlay);
	free(co->p_networks);
	free(co->p_groups);
	free(co);
}
