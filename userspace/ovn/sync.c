// SPDX-License-Identifier: GPL-2.0
/*
 * Keeps <prefix>/eip/addrs/ in step with OVN: after every change of the
 * NB or SB replica, of the store's records or of its pools, the records
 * OVN asks for (eips.c) are compared with the store's, and the
 * differences written in one transaction.
 *
 * Ours are the records whose "source" is ours: only those are replaced or
 * deleted. A record of the same EIP written by someone else (by hand) is
 * left alone and the NAT reported. Nothing is written while NB, SB or
 * the store is not current (connecting, or lost): OVN's state is then
 * unknown, not empty, so nothing is withdrawn; after a reconnection the
 * full state is read and only the differences are written.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "log.h"
#include "notify.h"
#include "ovn.h"

struct ovn_sync {
	struct ev_loop *ev;
	const struct ovn_conf *conf;
	struct ovsdb *nb, *sb;
	struct xe_client *client;
	struct xe_loop *xl;
	struct xe_mirror *addrs, *pools;
	char *p_addrs;
	ev_prepare prepare;	/* one reconciliation per loop iteration */
	ev_timer retry;
	double backoff;
	bool dirty;
	struct xe_txnreq *txn;
	char **skipped;		/* last reconciliation's, to log changes */
	size_t nskipped;
	char tally[256];	/* NATs skipped per reason, as last said */
	bool in_step;		/* the last reconciliation wrote nothing */
	bool store_lost;	/* a mirror said it lost etcd */
};

static void mark(struct ovn_sync *s)
{
	s->dirty = true;
}

/* ---- OVN side ---- */

static void db_synced(struct ovsdb *db, void *arg)
{
	struct ovn_sync *s = arg;
	const char *table = ovsdb_table(db, "NAT") ? "NAT" : "Port_Binding";

	xlog("%s: %s, read in full (%d %s rows; connection failures so far: %lu)",
	     ovsdb_name(db),
	     ovsdb_syncs(db) > 1 ? "connected again" : "connected",
	     json_object_object_length(ovsdb_table(db, table)), table,
	     ovsdb_failures(db));
	mark(s);
}

static void db_changed(struct ovsdb *db, void *arg)
{
	(void)db;
	mark(arg);
}

static void db_lost(struct ovsdb *db, const char *why, void *arg)
{
	struct ovn_sync *s = arg;

	xlog(SD_WARNING "%s: %s; EIP records stay as they are until it is read again, retrying",
	     ovsdb_name(db), why);
	xsd_status("%s: %s (connection failures so far: %lu); EIP records as they are",
		   ovsdb_name(db), why, ovsdb_failures(db));
	s->in_step = false;
}

static const struct ovsdb_ops db_ops = {
	.synced = db_synced,
	.changed = db_changed,
	.lost = db_lost,
};

/* ---- store side ---- */

static void m_put(struct xe_mirror *m, const struct xe_kv *kv,
		  const struct xe_kv *old, void *arg)
{
	(void)m;
	(void)kv;
	(void)old;
	mark(arg);
}

static void m_del(struct xe_mirror *m, const struct xe_kv *old, void *arg)
{
	(void)m;
	(void)old;
	mark(arg);
}

static void m_synced(struct xe_mirror *m, void *arg)
{
	(void)m;
	mark(arg);
}

static void m_online(struct xe_mirror *m, bool up, const char *why, void *arg)
{
	struct ovn_sync *s = arg;

	if (up && s->store_lost)
		xlog("store: %s readable again", xe_mirror_prefix(m));
	else if (!up)
		xlog(SD_WARNING "store: lost %s (%s); EIP records not written until it is back, retrying",
		     xe_mirror_prefix(m), why ? why : "?");
	s->store_lost |= !up;
	mark(s);
}

static const struct xe_mirror_ops m_ops = {
	.put = m_put,
	.del = m_del,
	.synced = m_synced,
	.online = m_online,
};

/* Whether the store's record @kv is ours. */
static bool ours(const struct ovn_sync *s, const struct xe_kv *kv)
{
	struct json_object *o = xe_kv_object(kv), *src;
	bool r;

	r = o && json_object_object_get_ex(o, "source", &src) &&
	    json_object_is_type(src, json_type_string) &&
	    !strcmp(json_object_get_string(src), s->conf->source);
	json_object_put(o);
	return r;
}

struct pools {
	struct xc_prefix p[EIP_MAX_POOLS];
	size_t n;
};

/* The declared pools; malformed ones are the agents' to report. */
static void pool_cb(const struct xe_kv *kv, void *arg)
{
	struct pools *ps = arg;
	struct xc_prefix p;

	if (ps->n < EIP_MAX_POOLS &&
	    !eip_pool_from_json(kv->value, kv->value_len, &p, NULL, 0))
		ps->p[ps->n++] = p;
}

/* Logs skip reasons that are new, and when none are left. */
static void log_skipped(struct ovn_sync *s, char **now, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		while (j < s->nskipped && strcmp(s->skipped[j], now[i]) < 0)
			j++;
		if (j < s->nskipped && !strcmp(s->skipped[j], now[i]))
			continue;
		xlog(SD_WARNING "skipping %s", now[i]);
	}
	if (!n && s->nskipped)
		xlog("no NAT skipped any more");
	for (size_t i = 0; i < s->nskipped; i++)
		free(s->skipped[i]);
	free(s->skipped);
	s->skipped = now;
	s->nskipped = n;
}

static void written(int r, void *arg)
{
	struct ovn_sync *s = arg;

	s->txn = NULL;
	if (r) {
		xlog(SD_ERR "store: cannot write EIP records: %s; reading %s again",
		     xe_strerror(s->client), s->p_addrs);
		xe_mirror_refresh(s->addrs);
		ev_timer_set(&s->retry, xe_backoff_next(&s->backoff), 0.);
		ev_timer_start(s->ev, &s->retry);
		return;
	}
	s->backoff = 0;
	mark(s);
}

struct plan {
	struct xe_op *ops;
	size_t n, cap;
	const struct ovn_eips *want;
	struct ovn_sync *s;
	unsigned int removed;
};

static int plan_add(struct plan *p, const char *key, const char *value)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		struct xe_op *o = realloc(p->ops, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		p->ops = o;
		p->cap = cap;
	}
	p->ops[p->n].key = strdup(key);
	p->ops[p->n].value = value ? strdup(value) : NULL;
	p->ops[p->n].lease = 0;
	p->n++;
	return 0;
}

static int want_cmp(const void *key, const void *e)
{
	return strcmp(key, ((const struct ovn_eip *)e)->eip);
}

/* Records of ours that OVN no longer asks for go. */
static void stale_cb(const struct xe_kv *kv, void *arg)
{
	struct plan *p = arg;
	const char *eip = kv->key + strlen(p->s->p_addrs);

	if (!ours(p->s, kv) ||
	    (p->want->n && bsearch(eip, p->want->e, p->want->n, sizeof(p->want->e[0]),
		    want_cmp)))
		return;
	xlog("EIP %s removed (no dnat_and_snat NAT of OVN's has it)", eip);
	plan_add(p, kv->key, NULL);
	p->removed++;
}

static char *add_line(char ***v, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static char *add_line(char ***v, size_t *n, const char *fmt, ...)
{
	char **p = realloc(*v, (*n + 1) * sizeof(**v)), *s;
	va_list ap;
	int r;

	if (!p)
		return NULL;
	*v = p;
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return NULL;
	(*v)[(*n)++] = s;
	return s;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "no_pool=1 bad_address=2" (the reasons with NATs), or "none". */
static void tally(const struct ovn_eips *w, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < OVN_SKIP_MAX; i++) {
		int r;

		if (!w->count[i])
			continue;
		r = snprintf(buf + off, len - off, "%s%s=%u", off ? " " : "",
			     ovn_skip_name[i], w->count[i]);
		if (r < 0 || (size_t)r >= len - off)
			break;
		off += (size_t)r;
	}
	if (!off)
		snprintf(buf, len, "none");
}

/* The counters: logged when they change, and in STATUS=. */
static void say_counts(struct ovn_sync *s, const struct ovn_eips *w,
		       bool wrote)
{
	char now[sizeof(s->tally)];
	bool changed;

	tally(w, now, sizeof(now));
	changed = strcmp(now, s->tally);
	if (changed) {
		xlog("NATs skipped: %s", now);
		snprintf(s->tally, sizeof(s->tally), "%s", now);
	}
	if (wrote) {
		s->in_step = false;
		return;
	}
	if (!s->in_step)
		xlog("in step: %zu EIP(s) from OVN in %s", w->n, s->p_addrs);
	if (!s->in_step || changed)
		xsd_status("in step: %zu EIP(s) from OVN in %s; NATs skipped: %s",
			   w->n, s->p_addrs, s->tally);
	s->in_step = true;
}

static void reconcile(struct ovn_sync *s)
{
	struct pools ps = { .n = 0 };
	struct ovn_eips want;
	struct plan p = { .s = s, .want = &want };
	char key[512];

	if (!ovsdb_ready(s->nb) || !ovsdb_ready(s->sb) ||
	    !xe_mirror_synced(s->addrs) || !xe_mirror_synced(s->pools) ||
	    !xe_mirror_online(s->addrs) || !xe_mirror_online(s->pools))
		return;
	xe_mirror_foreach(s->pools, pool_cb, &ps);
	ovn_eips_build(s->conf, s->nb, s->sb, ps.p, ps.n, &want);
	for (size_t i = 0; i < want.n; i++) {
		const struct ovn_eip *e = &want.e[i];
		const struct xe_kv *kv;

		snprintf(key, sizeof(key), "%s%s", s->p_addrs, e->eip);
		kv = xe_mirror_get(s->addrs, key);
		if (!e->value)
			continue;	/* owner unknown for now: as it is */
		if (kv && !ours(s, kv)) {
			add_line(&want.skipped, &want.nskipped,
				 "NAT %s: %s holds a record that is not ours (source is not \"%s\"); left alone",
				 e->nat, key, s->conf->source);
			want.count[OVN_SKIP_NOT_OURS]++;
			continue;
		}
		if (kv && !strcmp(kv->value, e->value))
			continue;
		xlog("EIP %s: %s", e->eip, e->value);
		plan_add(&p, key, e->value);
	}
	xe_mirror_foreach(s->addrs, stale_cb, &p);
	if (want.nskipped)
		qsort(want.skipped, want.nskipped, sizeof(char *), str_cmp);
	log_skipped(s, want.skipped, want.nskipped);
	want.skipped = NULL;
	want.nskipped = 0;
	if (p.n) {
		int r = xe_txn_start(s->xl, s->client, p.ops, p.n, written, s,
				     &s->txn);

		if (r) {
			xlog(SD_ERR "store: cannot write EIP records: %s",
			     r == -ENOMEM ? "out of memory" : xe_strerror(s->client));
			ev_timer_set(&s->retry, xe_backoff_next(&s->backoff), 0.);
			ev_timer_start(s->ev, &s->retry);
		} else {
			for (size_t i = 0; i < p.n; i++)
				xe_mirror_assume(s->addrs, p.ops[i].key,
						 p.ops[i].value);
		}
	}
	say_counts(s, &want, p.n);
	for (size_t i = 0; i < p.n; i++) {
		free((char *)p.ops[i].key);
		free((char *)p.ops[i].value);
	}
	free(p.ops);
	ovn_eips_free(&want);
}

static void on_prepare(struct ev_loop *ev, ev_prepare *w, int revents)
{
	struct ovn_sync *s = w->data;

	(void)ev;
	(void)revents;
	if (!s->dirty || s->txn || ev_is_active(&s->retry))
		return;
	s->dirty = false;
	reconcile(s);
}

static void on_retry(struct ev_loop *ev, ev_timer *w, int revents)
{
	(void)ev;
	(void)revents;
	mark(w->data);
}

struct ovn_sync *ovn_sync_new(struct ev_loop *ev, const struct ovn_conf *conf)
{
	struct ovn_sync *s = calloc(1, sizeof(*s));
	char err[256], p_pools[300];

	if (!s)
		return NULL;
	s->ev = ev;
	s->conf = conf;
	snprintf(s->tally, sizeof(s->tally), "none");
	if (asprintf(&s->p_addrs, "%s/eip/addrs/", conf->prefix) < 0) {
		s->p_addrs = NULL;
		goto fail;
	}
	snprintf(p_pools, sizeof(p_pools), "%s/eip/pools/", conf->prefix);
	s->nb = ovsdb_new(ev, "NB", conf->nb, "OVN_Northbound", ovn_nb_monitor,
			  conf->probe, &db_ops, s, err, sizeof(err));
	if (!s->nb)
		goto fail_err;
	s->sb = ovsdb_new(ev, "SB", conf->sb, "OVN_Southbound", ovn_sb_monitor,
			  conf->probe, &db_ops, s, err, sizeof(err));
	if (!s->sb)
		goto fail_err;
	s->client = xe_client_new_conf(&conf->etcd, "store");
	s->xl = xe_loop_new(ev);
	if (!s->client || !s->xl)
		goto fail;
	s->addrs = xe_mirror_new(s->xl, s->client, s->p_addrs, &m_ops, s);
	s->pools = xe_mirror_new(s->xl, s->client, p_pools, &m_ops, s);
	if (!s->addrs || !s->pools)
		goto fail;
	ev_prepare_init(&s->prepare, on_prepare);
	s->prepare.data = s;
	ev_prepare_start(ev, &s->prepare);
	ev_init(&s->retry, on_retry);
	s->retry.data = s;
	return s;
fail_err:
	xlog(SD_ERR "%s", err);
fail:
	ovn_sync_free(s);
	return NULL;
}

void ovn_sync_start(struct ovn_sync *s)
{
	ovsdb_start(s->nb);
	ovsdb_start(s->sb);
	if (xe_mirror_start(s->addrs))
		xlog(SD_WARNING "store: cannot read %s (%s); retrying",
		     s->p_addrs, xe_strerror(s->client));
	if (xe_mirror_start(s->pools))
		xlog(SD_WARNING "store: cannot read %s (%s); retrying",
		     xe_mirror_prefix(s->pools), xe_strerror(s->client));
}

void ovn_sync_free(struct ovn_sync *s)
{
	if (!s)
		return;
	if (s->txn)
		xe_txn_cancel(s->txn);
	if (s->ev) {
		ev_prepare_stop(s->ev, &s->prepare);
		ev_timer_stop(s->ev, &s->retry);
	}
	xe_mirror_free(s->addrs);
	xe_mirror_free(s->pools);
	ovsdb_free(s->nb);
	ovsdb_free(s->sb);
	if (s->xl)
		xe_loop_free(s->xl);
	if (s->client)
		xe_client_free(s->client);
	for (size_t i = 0; i < s->nskipped; i++)
		free(s->skipped[i]);
	free(s->skipped);
	free(s->p_addrs);
	free(s);
}
