// SPDX-License-Identifier: GPL-2.0
/*
 * xcloudd's EIP roles (docs/eip-bgp.md), on top of libxceip:
 *
 *  aggregation  mirrors <prefix>/eip/pools/ and <prefix>/eip/addrs/: the
 *               pools' kernel routes point into eip-device, whose `eip`
 *               entries follow every record, and BIRD announces the pools;
 *  router       keeps the records naming this router: nftables NATs them
 *               and BIRD announces their host prefixes. With eip-handoff
 *               (an OVN gateway chassis, docs/ovn.md) there is no NAT
 *               here: each EIP is routed onto OVN's provider bridge,
 *               where the logical router's gateway port answers for it
 *               and OVN does the NAT.
 *
 * A router agent keeps <prefix>/eip/routers/<router> under a lease
 * (eip_live.c); the aggregation agents move the EIPs of a router whose key
 * is gone to their standby routers (eip_rehome.c).
 *
 * Every change is coalesced into one sync with the whole desired state,
 * run before the loop sleeps (a burst of store events costs one BIRD
 * reload). Nothing is synced before both mirrors have been read once, and
 * the mirrors keep their last state while etcd is away, so a lost store
 * never withdraws anything. The data plane is programmed before BIRD
 * announces, so attracted traffic finds its way. The router checks its NAT
 * table (or its handoff routes) every BIRD poll and applies it again if it
 * is gone or differs from what it applied (an `nft delete table` or `nft
 * flush ruleset` by hand, a provider bridge made anew).
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
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "birdc.h"
#include "eip.h"
#include "agent.h"
#include "metrics.h"

#define BIRD_POLL_S 1.0		/* how soon a BIRD restart (or, router, a
				 * NAT table changed by hand) is noticed */
#define BIRD_TIMEOUT_MS 5000

struct xd_eip {
	struct agent *a;
	struct xe_mirror *pools, *addrs;
	char *p_pools, *p_addrs, *p_routers;
	struct xd_live *live;		/* router: its liveness key */
	struct xd_rehome *rehome;	/* aggregation: dead routers' EIPs */
	struct eip_bird bird;
	struct eip_dp_xcloud x;		/* aggregation: the device's table */
	ev_prepare flush;		/* the coalesced sync */
	ev_timer retry;			/* a failed sync, again, with backoff */
	ev_timer poll;			/* notices BIRD restarts, NAT changes */
	double backoff;
	bool dirty;
	int bird_state;			/* last poll: 1 answered, -1 not, 0 none */
	int protos[4];			/* metrics: xd_eip_stats' four counts */
	bool bird_reload;		/* BIRD started: reload even if unchanged */
	struct stat bird_sock;		/* its control socket, as last seen */
	struct bird_conn *probe;	/* the poll's conversation with BIRD */
	struct bird_conn *talk;		/* a sync's reload of BIRD, under way */
	char *talk_old;			/* the include file it replaced */
	bool talk_changed;		/* ... if it replaced one */
	struct timespec talk_t;		/* when the sync began */
	struct stat probe_sock;		/* the socket it went to */
	char *nat_text;			/* the NAT ruleset last applied */
	char *nat_live;			/* its listing, right after */
	const char *nat_lost;		/* why it is applied again, or NULL */
	int handoff;			/* eip-handoff's ifindex, once routed */
	bool handoff_ok;		/* pfx[] is what is routed onto it */
	bool nat_cleared;		/* eip-handoff: our NAT table is gone */
	char last_err[512];		/* a failure repeated is logged once */
	char ingress_err[256];		/* the same, for eip-ingress */
	int collect_err;		/* building the desired state failed */
	char skipped[1024];		/* values this sync skipped, and why */
	char skipped_logged[1024];	/* ... as last logged */
	/* the desired state, collected per sync */
	struct xc_prefix *pfx;
	struct eip_record *rec;
	size_t npfx, nrec, cap;
};

static void fail_once(struct xd_eip *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail_once(struct xd_eip *e, const char *fmt, ...)
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

/* Milliseconds since *t, and *t set to now: the logs say where time goes. */
static double lap_ms(struct timespec *t)
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

static bool same_addr(const struct xc_addr *a, const struct xc_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

static void skip(struct xd_eip *e, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Note that this sync leaves @what out, and why (logged by report_skipped). */
static void skip(struct xd_eip *e, const char *what, const char *fmt, ...)
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

static void add_pool(const struct xe_kv *kv, void *arg)
{
	struct xd_eip *e = arg;
	struct xc_prefix p;
	size_t i;

	if (eip_pool_from_json(kv->value, kv->value_len, &p, NULL, 0))
		return;		/* malformed: logged when it arrived */
	for (i = 0; i < e->npfx; i++)
		if (e->pfx[i].len == p.len && same_addr(&e->pfx[i].addr, &p.addr))
			return;	/* the same pool under another name */
	if (e->npfx == EIP_MAX_POOLS) {
		skip(e, kv->key, "more than %d pools", EIP_MAX_POOLS);
		return;
	}
	if (e->npfx == e->cap && grow(e)) {
		e->collect_err = -ENOMEM;
		return;
	}
	e->pfx[e->npfx++] = p;
}

static void add_record(const struct xe_kv *kv, void *arg)
{
	struct xd_eip *e = arg;
	const char *eip = kv->key + strlen(e->p_addrs);
	char router[EIP_ROUTER_MAX + 1], a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	bool agg = e->a->conf->role == XD_ROLE_AGGREGATION;
	struct eip_record rec;
	size_t i;

	if (eip_record_from_json(eip, kv->value, kv->value_len, &rec, router,
				 sizeof(router), NULL, 0))
		return;		/* malformed: logged when it arrived */
	if (!agg && strcmp(router, e->a->conf->router))
		return;
	/*
	 * Keys are canonical addresses, so no EIP comes twice. The router's
	 * NAT is 1:1: a VM address behind a second EIP is left out (the
	 * first key in the store's order keeps it), not the whole table.
	 * With eip-handoff OVN NATs, per logical router: two routers'
	 * private networks may overlap.
	 */
	for (i = 0; !agg && !e->a->conf->eip_handoff && i < e->nrec; i++) {
		if (same_addr(&e->rec[i].private_addr, &rec.private_addr)) {
			skip(e, kv->key, "VM address %s already has EIP %s",
			     xc_addr_str(&rec.private_addr, a, sizeof(a)),
			     xc_addr_str(&e->rec[i].eip, b, sizeof(b)));
			return;
		}
	}
	if ((e->nrec == e->cap || e->npfx == e->cap) && grow(e)) {
		e->collect_err = -ENOMEM;
		return;
	}
	e->rec[e->nrec] = rec;
	if (!agg)	/* the router announces its EIPs as host prefixes */
		e->pfx[e->npfx++] = eip_host_prefix(&rec.eip);
	e->nrec++;
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
		fail_once(e, "BIRD at %s refused %s: %s%s%s", e->bird.socket,
			  e->bird.include, strerror(-r), *msg ? ": " : "", msg);
	} else if (r) {
		fail_once(e, "BIRD at %s: reload after its restart: %s",
			  e->bird.socket, msg);
	} else if (e->talk_changed) {
		xd_log("BIRD: %zu prefix(es) in %s (check and reload %.0f ms)",
		       e->npfx, e->bird.include, lap_ms(&e->talk_t));
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

/* bird_sync: BIRD is being told; talk_end finishes the sync. */
#define SYNC_PENDING 1

/*
 * Write the include file and have BIRD check and load it, on the loop:
 * 0 when there was nothing to tell BIRD, SYNC_PENDING when it is being
 * told, or an error.
 */
static int bird_sync(struct xd_eip *e)
{
	char *old;
	bool changed;
	int r;

	lap_ms(&e->talk_t);
	r = eip_bird_write(&e->bird, e->pfx, e->npfx, &changed, &old);
	if (r) {
		fail_once(e, "BIRD at %s refused %s: %s", e->bird.socket,
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
	return SYNC_PENDING;
}

/*
 * The router's NAT table as the kernel has it, against its listing right
 * after it was applied: gone or different (someone ran nft by hand), it
 * is applied again by the next sync.
 */
static void nat_check(struct xd_eip *e)
{
	char *live = NULL;
	int r;

	if (e->dirty || !e->nat_text)
		return;		/* nothing applied yet, or a sync is due */
	r = eip_nat_list(&live, NULL, 0);
	if (r == -ENOENT) {
		e->nat_lost = "was missing";
	} else if (!r && !e->nat_live) {
		e->nat_live = live;	/* not listed when it was applied */
		return;
	} else if (!r && strcmp(live, e->nat_live)) {
		e->nat_lost = "had been changed";
	}
	free(live);
	if (!e->nat_lost)
		return;
	free(e->nat_text);
	e->nat_text = NULL;
	e->dirty = true;
}

/*
 * eip-handoff: the routes onto the provider bridge, against what the last
 * sync applied. A bridge made anew (OVS restarted, say) comes without
 * them; they are added again at once.
 */
static void handoff_check(struct xd_eip *e)
{
	const char *dev = e->a->conf->eip_handoff;
	struct eip_route_stats st;
	int r;

	if (e->dirty || !e->handoff_ok)
		return;		/* nothing applied yet, or a sync is due */
	if ((int)if_nametoindex(dev) != e->handoff) {
		e->dirty = true;	/* gone or made anew: a full sync */
		return;
	}
	r = eip_sync_device_routes(e->handoff, e->pfx, e->npfx, NULL, &st);
	if (r)
		e->dirty = true;
	else if (st.added || st.removed) {
		xd_log("handoff: routes onto %s changed by someone else (%u missing, %u stale); put right",
		       dev, st.added, st.removed);
	}
}

/*
 * eip-ingress: the aggregation node's uplink as the device's ingress
 * device (EIP packets tunnelled where they arrive). Checked at every poll,
 * the first right at start: set when missing, again whenever the kernel
 * lost it (the device or the uplink was made anew). A failure is logged
 * once; the pool routes carry the traffic meanwhile.
 */
static void ingress_sync(struct xd_eip *e)
{
	const char *want = e->a->conf->eip_ingress;
	const char *dev = e->a->conf->eip_device;
	char err[sizeof(e->ingress_err)] = "";
	struct xc_link l;
	int idx;

	if (!want)
		return;
	idx = (int)if_nametoindex(want);
	if (!idx) {
		snprintf(err, sizeof(err), "eip-ingress %s: %s", want,
			 strerror(errno));
	} else if (xc_link_get(e->x.h, dev, &l)) {
		return;		/* no device: sync_aggregation says so */
	} else if (l.ingress != idx) {
		memset(&l, 0, sizeof(l));
		snprintf(l.name, sizeof(l.name), "%s", dev);
		l.mask = XC_LINK_INGRESS;
		l.ingress = idx;
		if (xc_link_set(e->x.h, &l))
			snprintf(err, sizeof(err), "eip-ingress %s on %s: %s",
				 want, dev, xc_errmsg(e->x.h));
		else
			xd_log("%s takes EIP packets at %s (ingress device)",
			       dev, want);
	}
	if (*err && strcmp(err, e->ingress_err))
		xd_log("%s; EIP packets are routed into %s meanwhile", err, dev);
	strcpy(e->ingress_err, err);
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
	if (e->a->conf->role != XD_ROLE_ROUTER)
		ingress_sync(e);
	else if (e->a->conf->eip_handoff)
		handoff_check(e);
	else
		nat_check(e);
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

/* ---- the roles ---- */

static int sync_aggregation(struct xd_eip *e)
{
	struct eip_dp dp = { &eip_dp_xcloud_ops, &e->x };
	struct eip_agg_stats st;
	const char *dev = e->a->conf->eip_device;
	char buf[INET6_ADDRSTRLEN + 5];
	bool refused[EIP_MAX_POOLS];
	size_t i, k;
	int r;

	xe_mirror_foreach(e->pools, add_pool, e);
	xe_mirror_foreach(e->addrs, add_record, e);
	if (e->collect_err) {
		fail_once(e, "EIP state from the store: %s", strerror(-e->collect_err));
		return e->collect_err;
	}
	e->x.ifindex = (int)if_nametoindex(dev);
	if (!e->x.ifindex) {
		fail_once(e, "eip-device %s: %s", dev, strerror(errno));
		return -ENODEV;
	}
	r = eip_agg_sync_routes(&dp, e->rec, e->nrec, &st);
	if (r) {
		fail_once(e, "eip entries on %s: %s: %s", dev, strerror(-r),
			  xc_errmsg(e->x.h));
		return r;
	}
	if (st.added || st.replaced || st.removed)
		xd_log("eip entries on %s: %u added, %u moved, %u removed, %u kept",
		       dev, st.added, st.replaced, st.removed, st.kept);
	r = eip_agg_sync_pool_routes(e->x.ifindex, e->pfx, e->npfx, refused);
	if (r) {
		fail_once(e, "pool routes into %s: %s", dev, strerror(-r));
		return r;
	}
	/* A pool without its route is not announced either. */
	for (i = k = 0; i < e->npfx; i++) {
		if (refused[i])
			skip(e, eip_prefix_str(&e->pfx[i], buf, sizeof(buf)),
			     "the main table has another owner's route for it");
		else
			e->pfx[k++] = e->pfx[i];
	}
	e->npfx = k;
	return bird_sync(e);
}

/*
 * Packets of an EIP that just moved here may have come before its NAT
 * rule, and their conntrack entry (un-NATed) would hold the flow: gone
 * now. A failure costs such flows only, so it is logged, not retried.
 */
static void ct_forget(struct xd_eip *e)
{
	struct xc_addr eips[64];
	unsigned int n = 0, del;
	size_t i, k;
	int r = 0;

	for (i = 0; i < e->nrec && !r; i += k) {
		for (k = 0; k < 64 && i + k < e->nrec; k++)
			eips[k] = e->rec[i + k].eip;
		r = eip_ct_forget(eips, k, &del);
		n += del;
	}
	if (r)
		xd_log("NAT: cannot look at conntrack entries of its EIPs: %s",
		       strerror(-r));
	else if (n)
		xd_log("NAT: deleted %u conntrack entr%s made before the EIP's NAT rule",
		       n, n == 1 ? "y" : "ies");
}

/*
 * eip-handoff: no NAT of xcloud's. The EIPs' host prefixes are routed
 * onto the provider bridge: the node ARPs (or solicits) for the EIP there
 * and OVN's gateway port, bound on this chassis, answers for its NAT
 * address; OVN's logical router NATs and routes the replies.
 */
static int sync_handoff(struct xd_eip *e)
{
	const char *dev = e->a->conf->eip_handoff;
	char buf[INET6_ADDRSTRLEN + 5], msg[512] = "";
	struct eip_route_stats st;
	bool *refused;
	size_t i, k;
	int idx, r;

	if (!e->nat_cleared && !eip_nat_list(NULL, NULL, 0)) {
		/* Left by a node that NATed before: it would NAT again. */
		if (eip_nat_remove(msg, sizeof(msg))) {
			fail_once(e, "NAT: removing table inet %s: %s",
				  EIP_NFT_TABLE, msg);
			return -EIO;
		}
		xd_log("NAT: removed table inet %s (eip-handoff %s: OVN NATs)",
		       EIP_NFT_TABLE, dev);
	}
	e->nat_cleared = true;
	idx = (int)if_nametoindex(dev);
	if (!idx) {
		fail_once(e, "eip-handoff %s: %s", dev, strerror(errno));
		return -ENODEV;
	}
	refused = calloc(e->npfx + 1, sizeof(*refused));
	if (!refused)
		return -ENOMEM;
	r = eip_sync_device_routes(idx, e->pfx, e->npfx, refused, &st);
	if (r) {
		free(refused);
		fail_once(e, "handoff routes onto %s: %s", dev, strerror(-r));
		return r;
	}
	/* An EIP without its route is not announced either. */
	for (i = k = 0; i < e->npfx; i++) {
		if (refused[i])
			skip(e, eip_prefix_str(&e->pfx[i], buf, sizeof(buf)),
			     "the main table has another owner's route for it");
		else
			e->pfx[k++] = e->pfx[i];
	}
	free(refused);
	if (st.added || st.removed || e->handoff != idx)
		xd_log("handoff: %zu EIP(s) of router %s routed onto %s (%u added, %u removed)",
		       k, e->a->conf->router, dev, st.added, st.removed);
	e->npfx = k;
	e->handoff = idx;
	e->handoff_ok = true;
	return bird_sync(e);
}

static int sync_router(struct xd_eip *e)
{
	char msg[512] = "", *text = NULL;	/* eip_nat_render leaves it on error */
	struct timespec t;
	int r;

	e->handoff_ok = false;	/* until pfx[] is what is routed again */
	lap_ms(&t);
	xe_mirror_foreach(e->addrs, add_record, e);
	if (e->collect_err) {
		fail_once(e, "EIP state from the store: %s", strerror(-e->collect_err));
		return e->collect_err;
	}
	if (e->a->conf->eip_handoff)
		return sync_handoff(e);
	r = eip_nat_render(e->rec, e->nrec, &text);
	if (!r && (!e->nat_text || strcmp(text, e->nat_text))) {
		r = eip_nat_apply(e->rec, e->nrec, msg, sizeof(msg));
		if (r) {
			free(text);
		} else {
			if (e->nat_lost)
				xd_log("NAT: table inet %s %s; restored it: %zu EIP(s) of router %s (%.0f ms)",
				       EIP_NFT_TABLE, e->nat_lost, e->nrec,
				       e->a->conf->router, lap_ms(&t));
			else
				xd_log("NAT: %zu EIP(s) of router %s (%.0f ms)",
				       e->nrec, e->a->conf->router, lap_ms(&t));
			free(e->nat_text);
			e->nat_text = text;
			e->nat_lost = NULL;
			free(e->nat_live);
			if (eip_nat_list(&e->nat_live, NULL, 0))
				e->nat_live = NULL;	/* nat_check lists it */
			ct_forget(e);
		}
	} else {
		free(text);
	}
	if (r) {
		fail_once(e, "NAT (table inet %s): %s%s%s", EIP_NFT_TABLE,
			  strerror(-r), *msg ? ": " : "", msg);
		return r;
	}
	return bird_sync(e);
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
	r = e->a->conf->role == XD_ROLE_AGGREGATION ? sync_aggregation(e) :
						       sync_router(e);
	report_skipped(e);
	if (r != SYNC_PENDING)
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

static void on_put(struct xe_mirror *m, const struct xe_kv *kv,
		   const struct xe_kv *old, void *arg)
{
	(void)m;
	(void)old;
	check_value(arg, kv);
	((struct xd_eip *)arg)->dirty = true;
	xd_rehome_kick(((struct xd_eip *)arg)->rehome);
}

static void on_del(struct xe_mirror *m, const struct xe_kv *old, void *arg)
{
	(void)m;
	(void)old;
	((struct xd_eip *)arg)->dirty = true;
	xd_rehome_kick(((struct xd_eip *)arg)->rehome);
}

static void on_synced(struct xe_mirror *m, void *arg)
{
	(void)m;
	((struct xd_eip *)arg)->dirty = true;
	xd_rehome_kick(((struct xd_eip *)arg)->rehome);
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

static int eip_init(struct agent *a)
{
	struct xd_conf *conf = a->conf;
	struct xd_eip *e = calloc(1, sizeof(*e));
	int r;

	if (!e)
		return -ENOMEM;
	a->eip = e;
	e->a = a;
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
	if (conf->role == XD_ROLE_AGGREGATION) {
		r = xc_open(&a->xc);
		if (r) {
			xd_log("cannot talk to the xcloud module: %s (is xcloud.ko loaded?)",
			       strerror(-r));
			return r;
		}
		e->x.h = a->xc;
	}
	a->xl = xe_loop_new(a->ev);
	a->etcd = xe_client_new_conf(&conf->etcd_conf, conf->cloud);
	if (!a->xl || !a->etcd)
		return -ENOMEM;
	e->pools = xe_mirror_new(a->xl, a->etcd, e->p_pools, &eip_ops, e);
	e->addrs = xe_mirror_new(a->xl, a->etcd, e->p_addrs, &eip_ops, e);
	if (!e->pools || !e->addrs)
		return -ENOMEM;
	if (conf->role == XD_ROLE_AGGREGATION)
		e->rehome = xd_rehome_new(a, e->addrs, e->p_addrs,
					  e->p_routers);
	else
		e->live = xd_live_new(a, e->p_routers);
	return e->rehome || e->live ? 0 : -ENOMEM;
}

static int eip_start(struct agent *a)
{
	struct xd_eip *e = a->eip;
	int r = 0;

	if (a->conf->role == XD_ROLE_AGGREGATION)
		xd_log("aggregation agent: pools into %s, BIRD %s (%s)",
		       a->conf->eip_device, e->bird.socket, e->bird.include);
	else if (a->conf->eip_handoff)
		xd_log("router agent of router %s: BIRD %s (%s), EIPs handed to %s (no NAT here)",
		       a->conf->router, e->bird.socket, e->bird.include,
		       a->conf->eip_handoff);
	else
		xd_log("router agent of router %s: BIRD %s (%s), NAT table inet %s",
		       a->conf->router, e->bird.socket, e->bird.include,
		       EIP_NFT_TABLE);
	r |= xe_mirror_start(e->pools);
	r |= xe_mirror_start(e->addrs);
	if (e->rehome)
		r |= xd_rehome_start(e->rehome);
	if (r)
		xd_log("etcd at %s unreachable: %s; nothing is changed until it answers",
		       a->conf->etcd, xe_strerror(a->etcd));
	e->dirty = true;
	ev_prepare_start(a->ev, &e->flush);
	ev_timer_start(a->ev, &e->poll);
	return r;
}

static bool eip_synced(struct agent *a)
{
	const struct xd_eip *e = a->eip;

	/* Not waiting for BIRD: a BIRD that is down is retried (logged),
	 * the agent serves the store meanwhile. */
	return xe_mirror_synced(e->pools) && xe_mirror_synced(e->addrs);
}

static bool eip_online(struct agent *a)
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
	s->rehome = e->rehome;
	if (e->rehome)
		xd_rehome_stats(e->rehome, &s->moves);
}

static void eip_fini(struct agent *a, bool revoke)
{
	struct xd_eip *e = a->eip;

	(void)revoke;	/* the router's key ends with its lease (eip_live.c) */
	if (!e)
		return;
	ev_prepare_stop(e->a->ev, &e->flush);
	ev_timer_stop(e->a->ev, &e->retry);
	ev_timer_stop(e->a->ev, &e->poll);
	bird_conn_close(e->probe);
	bird_conn_close(e->talk);
	free(e->talk_old);
	xd_rehome_free(e->rehome);
	xd_live_free(e->live);
	xe_mirror_free(e->pools);
	xe_mirror_free(e->addrs);
	free(e->p_pools);
	free(e->p_addrs);
	free(e->p_routers);
	free(e->nat_text);
	free(e->nat_live);
	free(e->pfx);
	free(e->rec);
	free(e);
}

/* -t */
static void eip_print_conf(const struct xd_conf *conf)
{
	printf("router %s eip-device %s eip-ingress %s eip-handoff %s bird-socket %s bird-config %s bird-include %s\n",
	       conf->router ? conf->router : "-",
	       conf->eip_device ? conf->eip_device : "-",
	       conf->eip_ingress ? conf->eip_ingress : "-",
	       conf->eip_handoff ? conf->eip_handoff : "-",
	       conf->bird_socket, conf->bird_config, conf->bird_include);
}

static void eip_status_line(struct agent *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s agent, in line with the store",
		 xd_role_name(a->conf->role));
}

const struct xd_role_ops xd_eip_ops = {
	.init = eip_init, .start = eip_start, .fini = eip_fini,
	.synced = eip_synced, .online = eip_online,
	.print_conf = eip_print_conf,
	.status_line = eip_status_line,
	.metrics = xd_metrics_eip,
};
