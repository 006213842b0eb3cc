// SPDX-License-Identifier: GPL-2.0
/*
 * Reconciliation of remote entries. For cloud T and key K = "<vni>/<addr>",
 * the wanted value of <prefix>/remote/K in T is:
 *
 *  - nothing, if T has a binding for K itself (the VM is local to T);
 *  - {"cloud": S, "gateways": [...]} for the first cloud S (by name) other
 *    than T with a binding for K, listing S's gateways (all are next hops);
 *  - left as it is, when the entry points to a cloud not read yet (etcd
 *    unreachable since we started) or to a cloud without any gateway:
 *    deleting would cut traffic we cannot vouch for;
 *  - nothing otherwise.
 *
 * Every change of a binding, a gateway set or a remote entry reconciles
 * the keys it touches; every (re)read of a mirror reconciles everything.
 *
 * It also copies each cloud's declaration of its underlay prefixes,
 * <prefix>/underlay/<S> in cloud S, into every other cloud (their agents
 * accept tunnels from there): only S's own key is taken from S, and an
 * underlay/<S> in another cloud that S does not declare is deleted.
 * Writes are only made where the store differs, so a restart with nothing
 * changed writes nothing.
 */
#include <errno.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include <xcetcd.h>
#include "coord.h"

struct cloud {
	struct coord *co;
	const char *name;
	struct xe_client *client;
	struct xe_mirror *bindings, *gateways, *remote, *underlay;
	char *gws;		/* JSON array of gateway addresses, sorted */
	size_t ngws;
	ev_timer retry;		/* read remote/ again after a failed write */
	double backoff;
	struct xe_op *q;	/* writes waiting for the next flush */
	size_t nq, capq;
	struct xe_txnreq *txn;	/* the writes on their way, one at a time */
	size_t nsent;
	double sent_ms;
};

struct coord {
	struct ev_loop *ev;
	struct xe_loop *xl;
	char *prefix;
	char *p_bindings, *p_gateways, *p_remote, *p_underlay;
	struct cloud cloud[COORD_MAX_CLOUDS];
	size_t n;
	bool started;
	double remove_delay;
	void *pending;		/* tree of struct pending: removals waiting */
	size_t npending;
	ev_timer pending_timer;
	ev_prepare flush;	/* writes go out in transactions... */
	ev_timer linger;	/* ...after waiting for company */
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

static int op_cmp(const void *a, const void *b)
{
	return strcmp(((const struct xe_op *)a)->key,
		      ((const struct xe_op *)b)->key);
}

static void free_nothing(void *p)
{
	(void)p;
}

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

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void coord_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("xcloud-coord: ", stderr);
	if (timing())
		fprintf(stderr, "[%.3f] ", now_ms() / 1e3);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
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
	struct json_object *o = json_tokener_parse(kv->value), *c;
	char *name = NULL;

	if (o && json_object_object_get_ex(o, "cloud", &c) &&
	    json_object_is_type(c, json_type_string))
		name = strdup(json_object_get_string(c));
	json_object_put(o);
	return name;
}

enum want { WANT_ABSENT, WANT_KEEP, WANT_VALUE };

static enum want wanted(struct cloud *t, const char *suffix,
			const struct xe_kv *actual, char **value,
			const char **why)
{
	struct coord *co = t->co;
	char key[512];
	struct cloud *src = NULL;
	char *acloud;

	*value = NULL;
	snprintf(key, sizeof(key), "%s%s", co->p_bindings, suffix);
	if (xe_mirror_get(t->bindings, key)) {
		*why = "the VM is bound in this cloud";
		return WANT_ABSENT;
	}
	for (size_t i = 0; i < co->n && !src; i++) {
		struct cloud *s = &co->cloud[i];

		if (s != t && xe_mirror_get(s->bindings, key))
			src = s;
	}
	acloud = actual ? remote_cloud(actual) : NULL;
	if (!src) {
		struct cloud *a = acloud ? cloud_by_name(co, acloud) : NULL;

		free(acloud);
		if (a && !xe_mirror_synced(a->bindings)) {
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
	if (asprintf(value, "{\"cloud\":\"%s\",\"gateways\":%s}", src->name,
		     src->gws) < 0) {
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
 * Writes are queued and sent COORD_LINGER_S after the first in as few
 * transactions as etcd takes: a burst of bindings costs a few requests,
 * not one each. The remote mirror assumes the value at once, so the same
 * write is not queued twice. One transaction per cloud is on its way at a
 * time (a key's writes stay in order); the coordinator goes on reading
 * bindings meanwhile, and its answer sends what queued up.
 */
static int queue_write_to(struct cloud *t, struct xe_mirror *m,
			  const char *key, const char *value)
{
	struct xe_op *op;

	if (t->nq == t->capq) {
		size_t cap = t->capq ? t->capq * 2 : 64;
		struct xe_op *q = realloc(t->q, cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		t->q = q;
		t->capq = cap;
	}
	op = &t->q[t->nq];
	op->key = strdup(key);
	op->value = value ? strdup(value) : NULL;
	op->lease = 0;
	if (!op->key || (value && !op->value)) {
		free((char *)op->key);
		free((char *)op->value);
		return -ENOMEM;
	}
	t->nq++;
	xe_mirror_assume(m, key, value);
	return 0;
}

static int queue_write(struct cloud *t, const char *key, const char *value)
{
	return queue_write_to(t, t->remote, key, value);
}

static void queue_clear(struct cloud *t)
{
	for (size_t i = 0; i < t->nq; i++) {
		free((char *)t->q[i].key);
		free((char *)t->q[i].value);
	}
	t->nq = 0;
}

static void flush_cloud(struct cloud *t);

static void written(int r, void *arg)
{
	struct cloud *t = arg;

	t->txn = NULL;
	if (r) {
		/* What we assumed is unknown now: read it again. */
		coord_log("cloud %s: cannot write %zu entries: %s; reading remote/ again",
			  t->name, t->nsent, xe_strerror(t->client));
		cloud_retry_later(t);
	} else {
		if (timing())
			coord_log("cloud %s: wrote %zu entries in %.1f ms",
				  t->name, t->nsent, now_ms() - t->sent_ms);
		t->backoff = 0;
	}
	flush_cloud(t);
}

/* Sends the queue, unless a transaction is on its way; etcd refuses a
 * key twice in one transaction, so a later write of a key replaces the
 * earlier one. */
static void flush_cloud(struct cloud *t)
{
	struct xe_op *ops;
	bool *stale;
	void *seen = NULL;
	size_t n = 0;
	int r = -ENOMEM;

	if (!t->nq || t->txn)
		return;
	ops = malloc(t->nq * sizeof(*ops));
	stale = calloc(t->nq, sizeof(*stale));
	for (size_t i = 0; ops && stale && i < t->nq; i++) {
		struct xe_op **p = tsearch(&t->q[i], &seen, op_cmp);

		if (!p)
			goto out;
		if (*p != &t->q[i]) {
			stale[*p - t->q] = true;
			*p = &t->q[i];
		}
	}
	for (size_t i = 0; ops && stale && i < t->nq; i++)
		if (!stale[i])
			ops[n++] = t->q[i];
	if (ops && stale)
		r = xe_txn_start(t->co->xl, t->client, ops, n, written, t,
				 &t->txn);
	t->nsent = n;
	t->sent_ms = now_ms();
out:
	if (r) {
		coord_log("cloud %s: cannot write %zu entries: %s; reading remote/ again",
			  t->name, t->nq, r == -ENOMEM ? "out of memory" :
			  xe_strerror(t->client));
		cloud_retry_later(t);
	}
	tdestroy(seen, free_nothing);
	free(stale);
	free(ops);
	queue_clear(t);
}

/*
 * Writes wait up to COORD_LINGER_S for others to share their transaction
 * (as xcloudd's bindings do: a small transaction costs etcd tens of
 * milliseconds under load, whatever it holds); a full batch goes at once.
 */
#define COORD_LINGER_S		0.015
#define COORD_LINGER_MAX	256

static void flush_all(struct coord *co)
{
	for (size_t i = 0; i < co->n; i++)
		if (co->cloud[i].nq)
			flush_cloud(&co->cloud[i]);
}

static void linger_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	(void)ev;
	(void)revents;
	flush_all(w->data);
}

static void flush_cb(struct ev_loop *ev, ev_prepare *w, int revents)
{
	struct coord *co = w->data;
	bool idle = false;
	size_t n = 0;

	(void)revents;
	for (size_t i = 0; i < co->n; i++) {
		const struct cloud *c = &co->cloud[i];

		n = c->nq > n ? c->nq : n;
		idle |= c->nq && !c->txn;
	}
	if (n >= COORD_LINGER_MAX) {
		ev_timer_stop(ev, &co->linger);
		flush_all(co);
	} else if (idle && !ev_is_active(&co->linger)) {
		ev_timer_set(&co->linger, COORD_LINGER_S, 0.);
		ev_timer_start(ev, &co->linger);
	}
}

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
	if (!co->started || !xe_mirror_online(t->remote) ||
	    !xe_mirror_synced(t->bindings))
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
			p = malloc(sizeof(*p) + strlen(suffix) + 1);
			if (!p)
				return;
			p->t = t;
			p->due = ev_now(co->ev) + co->remove_delay;
			strcpy(p->suffix, suffix);
			tsearch(p, &co->pending, pending_cmp);
			co->npending++;
			if (!ev_is_active(&co->pending_timer))
				ev_timer_start(co->ev, &co->pending_timer);
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

		if (p)
			pending_drop(co, p);
		if (actual && !strcmp(actual->value, value)) {
			free(value);
			return;
		}
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

static void binding_put(struct xe_mirror *m, const struct xe_kv *kv,
			const struct xe_kv *old, void *arg)
{
	if (!old)	/* only existence matters here */
		binding_changed(m, kv->key, arg);
}

static void binding_del(struct xe_mirror *m, const struct xe_kv *old,
			void *arg)
{
	binding_changed(m, old->key, arg);
}

/* ---- gateways ---- */

static void gw_collect(const struct xe_kv *kv, void *arg)
{
	struct json_object *arr = arg, *o = json_tokener_parse(kv->value);
	struct json_object *u;

	if (o && json_object_object_get_ex(o, "underlay", &u) &&
	    json_object_is_type(u, json_type_string))
		json_object_array_add(arr, json_object_get(u));
	else
		coord_log("ignoring gateway %s: value %s has no \"underlay\"",
		     kv->key, kv->value);
	json_object_put(o);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(json_object_get_string(*(struct json_object * const *)a),
		      json_object_get_string(*(struct json_object * const *)b));
}

/* Recomputes s's sorted, duplicate-free gateway address list. */
static bool gw_refresh(struct cloud *s)
{
	struct json_object *all = json_object_new_array();
	struct json_object *arr = json_object_new_array();
	const char *js, *prev = NULL;
	bool changed;

	if (!xe_mirror_synced(s->gateways)) {
		json_object_put(arr);
		json_object_put(all);
		return false;
	}
	xe_mirror_foreach(s->gateways, gw_collect, all);
	json_object_array_sort(all, str_cmp);
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *u = json_object_array_get_idx(all, i);

		if (prev && !strcmp(prev, json_object_get_string(u)))
			continue;
		prev = json_object_get_string(u);
		json_object_array_add(arr, json_object_get(u));
	}
	js = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN);
	changed = !s->gws || strcmp(s->gws, js);
	if (changed) {
		coord_log("cloud %s: gateways now %s", s->name, js);
		free(s->gws);
		s->gws = strdup(js);
		s->ngws = json_object_array_length(arr);
	}
	json_object_put(arr);
	json_object_put(all);
	return changed;
}

static void gw_update(struct cloud *s)
{
	struct coord *co = s->co;

	if (!gw_refresh(s))
		return;
	for (size_t i = 0; i < co->n; i++)
		if (&co->cloud[i] != s)
			reconcile_keys_of(&co->cloud[i], s->bindings);
}

static void gw_put(struct xe_mirror *m, const struct xe_kv *kv,
		   const struct xe_kv *old, void *arg)
{
	(void)m;
	(void)kv;
	(void)old;
	gw_update(arg);
}

static void gw_del(struct xe_mirror *m, const struct xe_kv *old, void *arg)
{
	(void)m;
	(void)old;
	gw_update(arg);
}

/* ---- remote entries ---- */

static void remote_put(struct xe_mirror *m, const struct xe_kv *kv,
		       const struct xe_kv *old, void *arg)
{
	(void)old;
	reconcile(arg, suffix_of(m, kv->key));
}

static void remote_del(struct xe_mirror *m, const struct xe_kv *old,
		       void *arg)
{
	reconcile(arg, suffix_of(m, old->key));
}

/* ---- underlay declarations ---- */

/* Is value a declaration the agents can read: {"prefixes": [strings]}?
 * (They check each prefix themselves and skip what is bad.) */
static bool underlay_ok(const char *value)
{
	struct json_object *o = json_tokener_parse(value), *arr;
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

	if (!co->started || !strcmp(name, t->name) ||
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
		/* c's own declaration: to every other cloud */
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
	underlay_changed(arg, suffix_of(m, kv->key));
}

static void underlay_del(struct xe_mirror *m, const struct xe_kv *old,
			 void *arg)
{
	underlay_changed(arg, suffix_of(m, old->key));
}

/* ---- any mirror ---- */

static void mirror_synced(struct xe_mirror *m, void *arg)
{
	struct cloud *c = arg;

	(void)m;
	gw_refresh(c);
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

static const struct xe_mirror_ops underlay_ops = {
	.put = underlay_put, .del = underlay_del,
	.synced = mirror_synced, .online = mirror_online,
};

struct coord *coord_new(struct ev_loop *ev, const struct coord_conf *conf)
{
	struct coord *co = calloc(1, sizeof(*co));

	if (!co)
		return NULL;
	co->ev = ev;
	co->remove_delay = conf->remove_delay;
	ev_timer_init(&co->pending_timer, pending_cb, 0.25, 0.25);
	co->pending_timer.data = co;
	ev_prepare_init(&co->flush, flush_cb);
	ev_init(&co->linger, linger_cb);
	co->flush.data = co->linger.data = co;
	ev_prepare_start(ev, &co->flush);
	co->xl = xe_loop_new(ev);
	co->prefix = strdup(conf->prefix);
	if (!co->xl || !co->prefix ||
	    asprintf(&co->p_bindings, "%s/bindings/", conf->prefix) < 0 ||
	    asprintf(&co->p_gateways, "%s/gateways/", conf->prefix) < 0 ||
	    asprintf(&co->p_remote, "%s/remote/", conf->prefix) < 0 ||
	    asprintf(&co->p_underlay, "%s/underlay/", conf->prefix) < 0)
		goto fail;
	for (size_t i = 0; i < conf->nclouds; i++) {
		struct cloud *c = &co->cloud[i];

		c->co = co;
		c->name = conf->cloud[i].name;
		c->client = xe_client_new(conf->cloud[i].etcd, c->name);
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
		if (!c->bindings || !c->gateways || !c->remote || !c->underlay)
			goto fail;
		ev_timer_init(&c->retry, retry_cb, 0., 0.);
		c->retry.data = c;
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
		if (r) {
			coord_log("cloud %s: %s; retrying in the background",
			     c->name, xe_strerror(c->client));
			down++;
		}
	}
	co->started = true;
	reconcile_all(co);
	underlay_reconcile_all(co);
	return down;
}

void coord_free(struct coord *co)
{
	if (!co)
		return;
	for (size_t i = 0; i < co->n; i++) {
		struct cloud *c = &co->cloud[i];

		ev_timer_stop(co->ev, &c->retry);
		xe_txn_cancel(c->txn);
		queue_clear(c);
		free(c->q);
		xe_mirror_free(c->bindings);
		xe_mirror_free(c->gateways);
		xe_mirror_free(c->remote);
		xe_mirror_free(c->underlay);
		xe_client_free(c->client);
		free(c->gws);
	}
	ev_timer_stop(co->ev, &co->pending_timer);
	ev_prepare_stop(co->ev, &co->flush);
	ev_timer_stop(co->ev, &co->linger);
	tdestroy(co->pending, free);
	xe_loop_free(co->xl);
	free(co->prefix);
	free(co->p_bindings);
	free(co->p_gateways);
	free(co->p_remote);
	free(co->p_underlay);
	free(co);
}
