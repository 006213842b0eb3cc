// SPDX-License-Identifier: GPL-2.0
/*
 * The EIP agent (docs/eip-bgp.md), on top of libxceip: what the
 * aggregation role (eip_agg.c) and the router role (eip_router.c) share.
 * It mirrors <prefix>/eip/pools/ and <prefix>/eip/addrs/, has the role
 * build the desired state from them and apply it, and keeps BIRD, which
 * announces the prefixes the role hands it, in line.
 *
 * Every change is coalesced into one sync with the whole desired state,
 * run before the loop sleeps (a burst of store events costs one BIRD
 * reload). Nothing is synced before both mirrors have been read once, and
 * the mirrors keep their last state while etcd is away, so a lost store
 * never withdraws anything. The data plane is programmed before BIRD
 * announces, so attracted traffic finds its way. Every BIRD poll the role
 * checks its data plane too (the router its NAT table, say).
 *
 * Store values are checked when they arrive (a malformed one is logged
 * with its key and the reason, once) and again when the state is built,
 * where they are skipped: a malformed value is as if its key were absent,
 * and never stops the others. So are values that are fine alone but not
 * together (a VM address behind two EIPs of one router, pools past
 * EIP_MAX_POOLS, a pool whose route another owner has); those are logged
 * when the set of them changes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "eip_agent.h"
#include "metrics.h"

#define BIRD_POLL_S 1.0		/* how soon a BIRD restart (or a role's
				 * data plane changed by hand) is noticed */
#define BIRD_TIMEOUT_MS 5000

void xd_eip_fail(struct xd_eip *e, const char *fmt, ...)
{
	char buf[sizeof(e->last_err)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (strcmp(buf, e->last_err))
		xd_log("%s; retrying", buf);
	strcpy(e->last_err, buf);
}

double xd_eip_lap_ms(struct timespec *t)
{
	struct timespec now;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - t->tv_sec) * 1e3 + (now.tv_nsec - t->tv_nsec) / 1e6;
	*t = now;
	return ms;
}

/* ---- the desired state from the mirrors ---- */

static int grow(struct xd_eip *e)
{
	size_t cap = e->cap ? 2 * e->cap : 64;
	struct xc_prefix *p = realloc(e->pfx, cap * sizeof(*p));

	if (!p)
		return -ENOMEM;
	e->pfx = p;
	struct eip_record *r = realloc(e->rec, cap * sizeof(*r));

	if (!r)
		return -ENOMEM;
	e->rec = r;
	e->cap = cap;
	return 0;
}

bool xd_eip_same_addr(const struct xc_addr *a, const struct xc_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

void xd_eip_skip(struct xd_eip *e, const char *what, const char *fmt, ...)
{
	size_t n = strlen(e->skipped), room = sizeof(e->skipped) - n;
	char q[200], why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	bird_quote(q, sizeof(q), what, strlen(what), 160);
	if ((size_t)snprintf(e->skipped + n, room, "%s%s (%s)", n ? "; " : "",
			     q, why) >= room)
		strcpy(e->skipped + sizeof(e->skipped) - 4, "...");
}

static void report_skipped(struct xd_eip *e)
{
	if (!strcmp(e->skipped, e->skipped_logged))
		return;
	if (e->skipped[0])
		xd_log("store: skipping %s", e->skipped);
	else
		xd_log("store: no value skipped any more");
	strcpy(e->skipped_logged, e->skipped);
}

int xd_eip_collect(struct xd_eip *e, struct xe_mirror *m,
		   void (*add)(const struct xe_kv *kv, void *e))
{
	xe_mirror_foreach(m, add, e);
	if (e->collect_err)
		xd_eip_fail(e, "EIP state from the store: %s",
			    strerror(-e->collect_err));
	return e->collect_err;
}

bool xd_eip_record(struct xd_eip *e, const struct xe_kv *kv,
		   struct eip_record *rec, char *router, size_t len)
{
	return !eip_record_from_json(kv->key + strlen(e->p_addrs), kv->value,
				     kv->value_len, rec, router, len, NULL, 0);
}

void xd_eip_add(struct xd_eip *e, const struct eip_record *rec,
		const struct xc_prefix *pfx)
{
	if ((e->nrec == e->cap || e->npfx == e->cap) && grow(e)) {
		e->collect_err = -ENOMEM;
		return;
	}
	if (rec)
		e->rec[e->nrec++] = *rec;
	if (pfx)
		e->pfx[e->npfx++] = *pfx;
}

void xd_eip_drop_refused(struct xd_eip *e, const bool *refused)
{
	char buf[INET6_ADDRSTRLEN + 5];
	size_t i, k;

	for (i = k = 0; i < e->npfx; i++) {
		if (!refused[i]) {
			e->pfx[k++] = e->pfx[i];
			continue;
		}
		eip_prefix_str(&e->pfx[i], buf, sizeof(buf));
		xd_eip_skip(e, buf,
			    "the main table has another owner's route for it");
	}
	e->npfx = k;
}

/* ---- BIRD ---- */

static void sync_done(struct xd_eip *e, int r);

/* A sync's reload of BIRD ended: BIRD took the file (r 0) or not. */
static void talk_finish(struct xd_eip *e, int r, const char *msg)
{
	bird_conn_close(e->talk);
	e->talk = NULL;
	if (r && e->talk_changed) {
		eip_bird_restore(&e->bird, e->talk_old);
		xd_eip_fail(e, "BIRD at %s refused %s: %s%s%s", e->bird.socket,
			    e->bird.include, strerror(-r), *msg ? ": " : "", msg);
	} else if (r) {
		xd_eip_fail(e, "BIRD at %s: reload after its restart: %s",
			    e->bird.socket, msg);
	} else if (e->talk_changed) {
		xd_log("BIRD: %zu prefix(es) in %s (check and reload %.0f ms)",
		       e->npfx, e->bird.include, xd_eip_lap_ms(&e->talk_t));
	} else {
		xd_log("BIRD: announcing everything again (%zu prefix(es))",
		       e->npfx);
	}
	if (!r)
		e->bird_reload = false;
	free(e->talk_old);
	e->talk_old = NULL;
}

/* ... and with it the sync that started it. */
static void talk_end(struct xd_eip *e, int r, const char *msg)
{
	talk_finish(e, r, msg);
	sync_done(e, r);
}

/* What a configure reply says: BIRD's words, or why it could not be read. */
static int talk_reply(struct xd_eip *e, int err, struct bird_reply *r,
		      int (*success)(const struct bird_reply *r), char *msg,
		      size_t len)
{
	snprintf(msg, len, "%s", !err || err == -EREMOTEIO ? bird_reply_text(r) :
		 bird_strerror(bird_conn_client(e->talk)));
	return err ? err : success(r);
}

static void talk_applied(struct bird_conn *k, int err, struct bird_reply *r,
			 void *arg)
{
	struct xd_eip *e = arg;
	char msg[256];

	(void)k;
	err = talk_reply(e, err, r, bird_configure_applied, msg, sizeof(msg));
	talk_end(e, err, msg);
}

static int talk_send(struct xd_eip *e, const char *verb, bird_conn_cb cb)
{
	char cmd[4096];
	int err;

	err = bird_configure_line(verb, e->bird.config, cmd, sizeof(cmd));
	if (!err)
		err = bird_conn_command(e->talk, cmd, cb, e);
	if (err)
		talk_end(e, err, bird_strerror(bird_conn_client(e->talk)));
	return err;
}

static void talk_checked(struct bird_conn *k, int err, struct bird_reply *r,
			 void *arg)
{
	struct xd_eip *e = arg;
	char msg[256];

	(void)k;
	err = talk_reply(e, err, r, bird_configure_checked, msg, sizeof(msg));
	if (err)
		talk_end(e, err, msg);
	else
		talk_send(e, "soft", talk_applied);
}

static void talk_greeted(struct bird_conn *k, int err, struct bird_reply *r,
			 void *arg)
{
	struct xd_eip *e = arg;

	(void)k;
	(void)r;
	/* BIRD not answering is BIRD down: it reads the file when it starts. */
	if (err)
		talk_end(e, 0, "");
	else
		talk_send(e, "check", talk_checked);
}

/* XD_EIP_PENDING: talk_end finishes the sync. */
int xd_eip_bird_sync(struct xd_eip *e)
{
	char *old;
	bool changed;
	int r;

	xd_eip_lap_ms(&e->talk_t);
	r = eip_bird_write(&e->bird, e->pfx, e->npfx, &changed, &old);
	if (r) {
		xd_eip_fail(e, "BIRD at %s refused %s: %s", e->bird.socket,
			    e->bird.include, strerror(-r));
		return r;
	}
	/*
	 * Unchanged, BIRD has it, unless BIRD restarted: then reloading
	 * closes the gap of a file rewritten while BIRD was starting.
	 */
	if (!changed && !e->bird_reload)
		return 0;
	e->talk_old = old;
	e->talk_changed = changed;
	r = bird_conn_open(e->a->ev, e->bird.socket, BIRD_TIMEOUT_MS,
			   talk_greeted, e, &e->talk);
	if (r) {
		e->talk = NULL;
		talk_finish(e, 0, "");	/* BIRD down, as above */
		return 0;
	}
	return XD_EIP_PENDING;
}

/*
 * A new BIRD creates its control socket anew: a socket file with another
 * inode or creation time is a restart. The same socket answering again
 * after a poll timed out is a BIRD that was busy (a long reconfiguration,
 * a loaded machine) and kept its routes. (`show status`'s "Last reboot
 * on" is no identity: BIRD derives it from two clocks and it moves by a
 * millisecond or so.)
 */
static bool same_socket(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* For the metrics, on the poll's connection: one more round trip a
 * second, never one per scrape. */
static void count_protocols(struct xd_eip *e, const struct bird_reply *r)
{
	struct bird_protocol *p;
	size_t n, i;

	memset(e->protos, 0xff, sizeof(e->protos));
	if (bird_protocols_parse(r, &p, &n))
		return;
	memset(e->protos, 0, sizeof(e->protos));
	for (i = 0; i < n; i++) {
		bool bgp = !strcmp(p[i].proto, "BGP");

		e->protos[0]++;
		e->protos[1] += !strcmp(p[i].state, "up");
		e->protos[2] += bgp;
		e->protos[3] += bgp && !strncmp(p[i].info, "Established", 11);
	}
	free(p);
}

static void bird_silent(struct xd_eip *e, int r)
{
	if (e->bird_state >= 0)
		xd_log("BIRD at %s does not answer (%s); it reads %s when it starts",
		       e->bird.socket, strerror(-r), e->bird.include);
	e->bird_state = -1;
}

/* BIRD greeted the poll's probe (and, with metrics, listed protocols). */
static void bird_answered(struct xd_eip *e)
{
	const struct stat *st = &e->probe_sock;

	bird_conn_close(e->probe);
	e->probe = NULL;
	if (e->bird_state && same_socket(st, &e->bird_sock)) {
		if (e->bird_state < 0)
			xd_log("BIRD at %s answers again", e->bird.socket);
		e->bird_state = 1;
		return;
	}
	/* First sight: the start's sync compares the file BIRD read. */
	if (e->bird_state) {
		xd_log("BIRD at %s (re)started", e->bird.socket);
		e->bird_reload = true;
		e->dirty = true;
	}
	e->bird_state = 1;
	e->bird_sock = *st;
}

static void probe_listed(struct bird_conn *k, int err, struct bird_reply *r,
			 void *arg)
{
	struct xd_eip *e = arg;

	(void)k;
	if (err)
		memset(e->protos, 0xff, sizeof(e->protos));
	else
		count_protocols(e, r);
	bird_answered(e);
}

static void probe_greeted(struct bird_conn *k, int err, struct bird_reply *r,
			  void *arg)
{
	struct xd_eip *e = arg;

	(void)r;
	if (err) {
		bird_conn_close(k);
		e->probe = NULL;
		bird_silent(e, err);
		return;
	}
	if (!e->a->conf->metrics_listen ||
	    bird_conn_command(k, "show protocols", probe_listed, e)) {
		if (e->a->conf->metrics_listen)
			memset(e->protos, 0xff, sizeof(e->protos));
		bird_answered(e);
	}
}

static void poll_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct xd_eip *e = w->data;
	int r;

	(void)revents;
	e->role->check(e);
	/* BIRD is asked on the loop; a probe still waiting is left to end. */
	if (e->probe)
		return;
	r = stat(e->bird.socket, &e->probe_sock) ? -errno : 0;
	if (!r)
		r = bird_conn_open(ev, e->bird.socket, BIRD_TIMEOUT_MS,
				   probe_greeted, e, &e->probe);
	if (r)
		bird_silent(e, r);
}

static void flush_cb(struct ev_loop *ev, ev_prepare *w, int revents)
{
	struct xd_eip *e = w->data;
	int r;

	(void)ev;
	(void)revents;
	/* One sync at a time: the next waits for BIRD's answer to this one. */
	if (!e->dirty || e->talk || !xe_mirror_synced(e->pools) ||
	    !xe_mirror_synced(e->addrs))
		return;
	e->dirty = false;
	e->npfx = e->nrec = 0;
	e->collect_err = 0;
	e->skipped[0] = '\0';
	r = e->role->sync(e);
	report_skipped(e);
	if (r != XD_EIP_PENDING)
		sync_done(e, r);
}

/* A sync applied (r 0) or failed: the retry with backoff, or none. */
static void sync_done(struct xd_eip *e, int r)
{
	struct ev_loop *ev = e->a->ev;

	if (!r) {
		if (e->last_err[0])
			xd_log("EIP state applied again");
		e->last_err[0] = '\0';
		e->backoff = 0;
		ev_timer_stop(ev, &e->retry);
	} else if (!ev_is_active(&e->retry)) {
		ev_timer_set(&e->retry, xe_backoff_next(&e->backoff), 0.);
		ev_timer_start(ev, &e->retry);
	}
}

static void retry_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct xd_eip *e = w->data;

	(void)ev;
	(void)revents;
	e->dirty = true;
}

/* ---- store ---- */

/* A malformed value is logged when it arrives: key, reason, its start. */
static void check_value(struct xd_eip *e, const struct xe_kv *kv)
{
	char why[256] = "", qk[200], qv[120];
	struct eip_record r;
	struct xc_prefix p;
	int bad;

	if (!strncmp(kv->key, e->p_pools, strlen(e->p_pools)))
		bad = eip_pool_from_json(kv->value, kv->value_len, &p, why,
					 sizeof(why));
	else
		bad = eip_record_from_json(kv->key + strlen(e->p_addrs),
					   kv->value, kv->value_len, &r, NULL, 0,
					   why, sizeof(why));
	if (!bad)
		return;
	/* Neither key nor value may bend the log line: both quoted. */
	bird_quote(qk, sizeof(qk), kv->key, strlen(kv->key), 160);
	bird_quote(qv, sizeof(qv), kv->value, kv->value_len, 64);
	xd_log("store: ignoring malformed %s: %s; value: %s", qk, why, qv);
}

/* Any change: a sync is due, and the role hears of it. */
static void changed(struct xd_eip *e)
{
	e->dirty = true;
	if (e->role->changed)
		e->role->changed(e);
}

static void on_put(struct xe_mirror *m, const struct xe_kv *kv,
		   const struct xe_kv *old, void *arg)
{
	(void)m;
	(void)old;
	check_value(arg, kv);
	changed(arg);
}

static void on_del(struct xe_mirror *m, const struct xe_kv *old, void *arg)
{
	(void)m;
	(void)old;
	changed(arg);
}

static void on_synced(struct xe_mirror *m, void *arg)
{
	(void)m;
	changed(arg);
}

static void on_online(struct xe_mirror *m, bool up, const char *why,
		      void *arg)
{
	(void)arg;
	if (up)
		xd_log("store: reading and watching %s", xe_mirror_prefix(m));
	else
		xd_log("store: lost %s (%s); EIP announcements, NAT and entries stay as they are, retrying",
		       xe_mirror_prefix(m), why);
}

static const struct xe_mirror_ops eip_ops = {
	.put = on_put, .del = on_del, .synced = on_synced,
	.online = on_online,
};

/* ---- lifetime ---- */

int xd_eip_init(struct agent *a, struct xd_eip *e,
		const struct xd_eip_role *role)
{
	struct xd_conf *conf = a->conf;

	a->eip = e;
	e->a = a;
	e->role = role;
	e->bird = (struct eip_bird){ conf->bird_socket, conf->bird_config,
				     conf->bird_include, BIRD_TIMEOUT_MS };
	ev_prepare_init(&e->flush, flush_cb);
	ev_timer_init(&e->retry, retry_cb, 1., 0.);
	ev_timer_init(&e->poll, poll_cb, 0., BIRD_POLL_S);
	memset(e->protos, 0xff, sizeof(e->protos));	/* unknown */
	e->flush.data = e->retry.data = e->poll.data = e;
	if (asprintf(&e->p_pools, "%s/eip/pools/", conf->prefix) < 0 ||
	    asprintf(&e->p_addrs, "%s/eip/addrs/", conf->prefix) < 0 ||
	    asprintf(&e->p_routers, "%s/eip/routers/", conf->prefix) < 0)
		return -ENOMEM;
	a->xl = xe_loop_new(a->ev);
	a->etcd = xe_client_new_conf(&conf->etcd_conf, conf->cloud);
	if (!a->xl || !a->etcd)
		return -ENOMEM;
	e->pools = xe_mirror_new(a->xl, a->etcd, e->p_pools, &eip_ops, e);
	e->addrs = xe_mirror_new(a->xl, a->etcd, e->p_addrs, &eip_ops, e);
	return e->pools && e->addrs ? 0 : -ENOMEM;
}

int xd_eip_start(struct agent *a)
{
	struct xd_eip *e = a->eip;
	int r = 0;

	r |= xe_mirror_start(e->pools);
	r |= xe_mirror_start(e->addrs);
	if (e->role->start)
		r |= e->role->start(e);
	if (r)
		xd_log("etcd at %s unreachable: %s; nothing is changed until it answers",
		       a->conf->etcd, xe_strerror(a->etcd));
	e->dirty = true;
	ev_prepare_start(a->ev, &e->flush);
	ev_timer_start(a->ev, &e->poll);
	return r;
}

bool xd_eip_synced(struct agent *a)
{
	const struct xd_eip *e = a->eip;

	/* Not waiting for BIRD: a BIRD that is down is retried (logged),
	 * the agent serves the store meanwhile. */
	return xe_mirror_synced(e->pools) && xe_mirror_synced(e->addrs);
}

bool xd_eip_online(struct agent *a)
{
	return xe_mirror_online(a->eip->pools);
}

void xd_eip_stats(struct agent *a, struct xd_eip_stats *s)
{
	const struct xd_eip *e = a->eip;

	s->bird = e->bird_state > 0 ? 1 : e->bird_state < 0 ? 0 : -1;
	s->eips = e->nrec;
	s->prefixes = e->npfx;
	s->protocols = s->bird > 0 ? e->protos[0] : -1;
	s->protocols_up = s->bird > 0 ? e->protos[1] : -1;
	s->bgp = s->bird > 0 ? e->protos[2] : -1;
	s->bgp_established = s->bird > 0 ? e->protos[3] : -1;
}

void xd_eip_fini(struct agent *a)
{
	struct xd_eip *e = a->eip;

	ev_prepare_stop(a->ev, &e->flush);
	ev_timer_stop(a->ev, &e->retry);
	ev_timer_stop(a->ev, &e->poll);
	bird_conn_close(e->probe);
	bird_conn_close(e->talk);
	free(e->talk_old);
	xe_mirror_free(e->pools);
	xe_mirror_free(e->addrs);
	free(e->p_pools);
	free(e->p_addrs);
	free(e->p_routers);
	free(e->pfx);
	free(e->rec);
}

/* -t */
void xd_eip_print_conf(const struct xd_conf *conf)
{
	printf("router %s eip-device %s eip-ingress %s eip-handoff %s bird-socket %s bird-config %s bird-include %s\n",
	       conf->router ? conf->router : "-",
	       conf->eip_device ? conf->eip_device : "-",
	       conf->eip_ingress ? conf->eip_ingress : "-",
	       conf->eip_handoff ? conf->eip_handoff : "-",
	       conf->bird_socket, conf->bird_config, conf->bird_include);
}

void xd_eip_status_line(struct agent *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s agent, in line with the store",
		 xd_role_name(a->conf->role));
}
