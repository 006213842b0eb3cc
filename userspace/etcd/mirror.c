// SPDX-License-Identifier: GPL-2.0
/*
 * Mirror of a key prefix: read it, watch from the read revision, and read
 * it again (reporting only the differences) when the watch cannot go on
 * (compacted revision, watch canceled). A broken stream is not such a
 * case: the watch resumes on the next member after the last event it
 * delivered, and the copy stays offline until then. The copy is a
 * tsearch(3) tree keyed by key.
 */
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct xe_mirror {
	struct xe_loop *l;
	struct xe_client *c;
	char *prefix;
	const struct xe_mirror_ops *ops;
	void *arg;
	void *root;		/* tree of struct xe_kv * */
	size_t count;
	int64_t rev;		/* revision the copy is complete up to */
	struct xe_watch *watch;
	struct xe_req *read;	/* a read again on its way... */
	bool again;		/* ...and one asked for since it left */
	ev_timer retry;
	double backoff;
	bool synced, online, reported;
	bool lost;		/* the watch's stream broke; resuming */
};

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct xe_kv *)a)->key,
		      ((const struct xe_kv *)b)->key);
}

static void kv_destroy(void *p)
{
	xe_kv_free(p);
	free(p);
}

/* The fresh tree borrows the read's entries; they are freed with it. */
static void free_nothing(void *p)
{
	(void)p;
}

static struct xe_kv *kv_dup(const struct xe_kv *kv)
{
	struct xe_kv *n = malloc(sizeof(*n));

	if (!n)
		return NULL;
	*n = *kv;
	n->key = strdup(kv->key);
	n->value = strdup(kv->value ? kv->value : "");
	if (!n->key || !n->value) {
		kv_destroy(n);
		return NULL;
	}
	return n;
}

static struct xe_kv *tree_get(void *root, const char *key)
{
	struct xe_kv probe = { .key = (char *)key };
	struct xe_kv **p = tfind(&probe, &root, kv_cmp);

	return p ? *p : NULL;
}

/* Stores a copy of kv, replacing an older one (which goes to *old). */
static int tree_set(struct xe_mirror *m, const struct xe_kv *kv,
		    struct xe_kv **old)
{
	struct xe_kv *n = kv_dup(kv), **p;

	*old = NULL;
	if (!n)
		return -ENOMEM;
	p = tsearch(n, &m->root, kv_cmp);
	if (!p) {
		kv_destroy(n);
		return -ENOMEM;
	}
	if (*p != n) {
		*old = *p;
		*p = n;	/* same key: the tree order holds */
	} else {
		m->count++;
	}
	return 0;
}

static struct xe_kv *tree_take(struct xe_mirror *m, const char *key)
{
	struct xe_kv *kv = tree_get(m->root, key);

	if (kv) {
		tdelete(kv, &m->root, kv_cmp);
		m->count--;
	}
	return kv;
}

static bool same_value(const struct xe_kv *a, const struct xe_kv *b)
{
	return a->value_len == b->value_len &&
	       !memcmp(a->value, b->value, a->value_len);
}

/* Applies one observed state of key: kv NULL means absent. */
static void mirror_apply(struct xe_mirror *m, const char *key,
			 const struct xe_kv *kv)
{
	struct xe_kv *old;

	if (!kv) {
		old = tree_take(m, key);
		if (old) {
			if (m->ops->del)
				m->ops->del(m, old, m->arg);
			kv_destroy(old);
		}
		return;
	}
	if (tree_set(m, kv, &old)) {
		fprintf(stderr, "xcetcd: out of memory mirroring %s\n", key);
		return;
	}
	if ((!old || !same_value(old, kv)) && m->ops->put)
		m->ops->put(m, kv, old, m->arg);
	if (old)
		kv_destroy(old);
}

static void mirror_set_online(struct xe_mirror *m, bool up, const char *why)
{
	if (m->reported && m->online == up)
		return;
	m->online = up;
	m->reported = true;
	if (m->ops->online)
		m->ops->online(m, up, why, m->arg);
}

static void mirror_schedule(struct xe_mirror *m, double delay)
{
	ev_timer_stop(xe_loop_ev(m->l), &m->retry);
	ev_timer_set(&m->retry, delay, 0.);
	ev_timer_start(xe_loop_ev(m->l), &m->retry);
}

static void mirror_events(struct xe_watch *w, const struct xe_event *ev,
			  size_t n, int64_t revision, void *arg)
{
	struct xe_mirror *m = arg;

	(void)w;
	for (size_t i = 0; i < n; i++)
		mirror_apply(m, ev[i].kv.key,
			     ev[i].type == XE_PUT ? &ev[i].kv : NULL);
	if (revision > m->rev)
		m->rev = revision;
}

static void mirror_compacted(struct xe_watch *w, int64_t crev, void *arg)
{
	struct xe_mirror *m = arg;

	(void)w;
	fprintf(stderr,
		"xcetcd: %s: revision %lld of %s was compacted (now %lld); reading again\n",
		m->c->name, (long long)m->rev + 1, m->prefix, (long long)crev);
	m->watch = NULL;	/* the library ends it */
	mirror_schedule(m, 0.);
}

static void mirror_closed(struct xe_watch *w, const char *why, void *arg)
{
	struct xe_mirror *m = arg;

	(void)w;
	m->watch = NULL;
	mirror_set_online(m, false, why);
	mirror_schedule(m, xe_backoff_next(&m->backoff));
}

static void mirror_lost(struct xe_watch *w, const char *why, void *arg)
{
	struct xe_mirror *m = arg;

	(void)w;
	m->lost = true;
	mirror_set_online(m, false, why);
}

/* Resumed: whatever happened meanwhile arrives as events; owners that
 * held back while offline look again (synced). */
static void mirror_created(struct xe_watch *w, void *arg)
{
	struct xe_mirror *m = arg;

	(void)w;
	if (!m->lost)
		return;
	m->lost = false;
	mirror_set_online(m, true, "watch resumed");
	if (m->ops->synced)
		m->ops->synced(m, m->arg);
}

static const struct xe_watch_ops mirror_watch_ops = {
	.events = mirror_events,
	.compacted = mirror_compacted,
	.closed = mirror_closed,
	.lost = mirror_lost,
	.created = mirror_created,
};

struct diff_ctx {
	struct xe_mirror *m;
	void *fresh;
	char **gone;
	size_t ngone, cap;
};

static void find_gone(const void *nodep, VISIT v, void *arg)
{
	const struct xe_kv *kv = *(const struct xe_kv * const *)nodep;
	struct diff_ctx *d = arg;

	if (v != postorder && v != leaf)
		return;
	if (tree_get(d->fresh, kv->key))
		return;
	if (d->ngone == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		char **g = realloc(d->gone, cap * sizeof(*g));

		if (!g)
			return;
		d->gone = g;
		d->cap = cap;
	}
	d->gone[d->ngone++] = kv->key;
}

/*
 * Makes the copy what a complete read at kvs->revision says, reporting
 * the differences, and watches from the revision after it.
 */
static void mirror_load(struct xe_mirror *m, const struct xe_kvs *kvs)
{
	struct diff_ctx d = { .m = m };

	/* Keys we hold that the read no longer has were deleted meanwhile. */
	for (size_t i = 0; i < kvs->n; i++)
		tsearch(&kvs->kv[i], &d.fresh, kv_cmp);
	twalk_r(m->root, find_gone, &d);
	for (size_t i = 0; i < d.ngone; i++) {
		char *key = strdup(d.gone[i]);

		if (key)
			mirror_apply(m, key, NULL);
		free(key);
	}
	free(d.gone);
	tdestroy(d.fresh, free_nothing);
	for (size_t i = 0; i < kvs->n; i++)
		mirror_apply(m, kvs->kv[i].key, &kvs->kv[i]);
	m->rev = kvs->revision;

	m->watch = xe_watch_start(m->l, m->c, m->prefix, true, m->rev + 1,
				  &mirror_watch_ops, m);
	if (!m->watch) {
		mirror_schedule(m, xe_backoff_next(&m->backoff));
		return;
	}
	m->backoff = 0;
	m->lost = false;
	m->synced = true;
	mirror_set_online(m, true, "read and watching");
	if (m->ops->synced)
		m->ops->synced(m, m->arg);
}

static void mirror_read_failed(struct xe_mirror *m)
{
	mirror_set_online(m, false, xe_strerror(m->c));
	mirror_schedule(m, xe_backoff_next(&m->backoff));
}

static void mirror_read_done(int r, struct xe_result *res, void *arg)
{
	struct xe_mirror *m = arg;

	m->read = NULL;
	if (r) {
		mirror_read_failed(m);
		return;
	}
	mirror_load(m, &res->kvs);
	if (m->again) {
		m->again = false;
		mirror_schedule(m, 0.);
	}
}

/* Reads the prefix again, on the loop; no watch runs meanwhile. */
static void mirror_reread(struct xe_mirror *m)
{
	if (m->read) {
		m->again = true;
		return;
	}
	xe_watch_stop(m->watch);
	m->watch = NULL;
	if (xe_range_start(m->l, m->c, m->prefix, true, 0, mirror_read_done, m,
			   &m->read))
		mirror_read_failed(m);
}

static void mirror_retry_cb(struct ev_loop *ev, ev_timer *t, int revents)
{
	(void)ev;
	(void)revents;
	mirror_reread(t->data);
}

struct xe_mirror *xe_mirror_new(struct xe_loop *l, struct xe_client *c,
				const char *prefix,
				const struct xe_mirror_ops *ops, void *arg)
{
	struct xe_mirror *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->prefix = strdup(prefix);
	if (!m->prefix) {
		free(m);
		return NULL;
	}
	m->l = l;
	m->c = c;
	m->ops = ops;
	m->arg = arg;
	ev_timer_init(&m->retry, mirror_retry_cb, 0., 0.);
	m->retry.data = m;
	return m;
}

/* The first read is the one call that waits: the daemons read the store
 * before they serve, and reconcile once. Every later read is on the loop. */
int xe_mirror_start(struct xe_mirror *m)
{
	struct xe_kvs kvs;
	int r;

	r = xe_range(m->c, m->prefix, true, 0, &kvs);
	if (r) {
		mirror_read_failed(m);
		return r;
	}
	mirror_load(m, &kvs);
	xe_kvs_free(&kvs);
	return 0;
}

void xe_mirror_free(struct xe_mirror *m)
{
	if (!m)
		return;
	ev_timer_stop(xe_loop_ev(m->l), &m->retry);
	xe_req_cancel(m->read);
	xe_watch_stop(m->watch);
	tdestroy(m->root, kv_destroy);
	free(m->prefix);
	free(m);
}

const struct xe_kv *xe_mirror_get(const struct xe_mirror *m, const char *key)
{
	return tree_get(m->root, key);
}

size_t xe_mirror_count(const struct xe_mirror *m)
{
	return m->count;
}

bool xe_mirror_synced(const struct xe_mirror *m)
{
	return m->synced;
}

bool xe_mirror_online(const struct xe_mirror *m)
{
	return m->online;
}

const char *xe_mirror_prefix(const struct xe_mirror *m)
{
	return m->prefix;
}

struct xe_client *xe_mirror_client(const struct xe_mirror *m)
{
	return m->c;
}

void xe_mirror_refresh(struct xe_mirror *m)
{
	mirror_schedule(m, 0.);
}

void xe_mirror_assume(struct xe_mirror *m, const char *key, const char *value)
{
	struct xe_kv kv = { .key = (char *)key, .value = (char *)value };
	struct xe_kv *old;

	if (!value) {
		old = tree_take(m, key);
		if (old)
			kv_destroy(old);
		return;
	}
	kv.value_len = strlen(value);
	if (!tree_set(m, &kv, &old) && old)
		kv_destroy(old);
}

struct foreach_ctx {
	void (*fn)(const struct xe_kv *kv, void *arg);
	void *arg;
};

static void foreach_visit(const void *nodep, VISIT v, void *arg)
{
	struct foreach_ctx *f = arg;

	if (v == postorder || v == leaf)
		f->fn(*(const struct xe_kv * const *)nodep, f->arg);
}

void xe_mirror_foreach(const struct xe_mirror *m,
		       void (*fn)(const struct xe_kv *kv, void *arg),
		       void *arg)
{
	struct foreach_ctx f = { fn, arg };

	twalk_r(m->root, foreach_visit, &f);
}
