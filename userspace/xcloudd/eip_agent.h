/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The EIP agent's parts (docs/eip-bgp.md): what both EIP roles share
 * (eip_agent.c), and the aggregation node's (eip_agg.c) and the virtual
 * router's (eip_router.c) own, each embedding a struct xd_eip first.
 */
#ifndef XCLOUDD_EIP_AGENT_H
#define XCLOUDD_EIP_AGENT_H

#include <sys/stat.h>
#include <time.h>
#include "birdc.h"
#include "eip.h"
#include "agent.h"

struct xd_eip;

/* What the roles do differently, called by the shared part. */
struct xd_eip_role {
	/* Collects the desired state from the mirrors and applies it: 0,
	 * XD_EIP_PENDING (xd_eip_bird_sync()) or -errno (logged). */
	int (*sync)(struct xd_eip *e);
	/* Each BIRD poll: the data plane against what the last sync did. */
	void (*check)(struct xd_eip *e);
	/* After the mirrors: the role's own reads of the store (or NULL). */
	int (*start)(struct xd_eip *e);
	/* A value of the mirrors changed, or they were read (or NULL). */
	void (*changed)(struct xd_eip *e);
};

struct xd_eip {
	struct agent *a;
	const struct xd_eip_role *role;
	struct xe_mirror *pools, *addrs;
	char *p_pools, *p_addrs, *p_routers;
	struct eip_bird bird;
	ev_prepare flush;		/* the coalesced sync */
	ev_timer retry;			/* a failed sync, again, with backoff */
	ev_timer poll;			/* BIRD restarts, the role's check */
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
	char last_err[512];		/* a failure repeated is logged once */
	int collect_err;		/* building the desired state failed */
	char skipped[1024];		/* values this sync skipped, and why */
	char skipped_logged[1024];	/* ... as last logged */
	/* the desired state, collected per sync */
	struct xc_prefix *pfx;
	struct eip_record *rec;
	size_t npfx, nrec, cap;
};

/* xd_eip_bird_sync: BIRD is being told; the sync ends with its answer. */
#define XD_EIP_PENDING 1

/* A role's init: e (zeroed, a->eip from now on) set up with the mirrors;
 * nonzero: cannot run. xd_eip_fini() undoes it, the role frees e. */
int xd_eip_init(struct agent *a, struct xd_eip *e,
		const struct xd_eip_role *role);
int xd_eip_start(struct agent *a);
void xd_eip_fini(struct agent *a);

/* The role ops both roles share. */
bool xd_eip_synced(struct agent *a);
bool xd_eip_online(struct agent *a);
void xd_eip_print_conf(const struct xd_conf *conf);
void xd_eip_status_line(struct agent *a, char *buf, size_t len);
#define XD_EIP_OPS						\
	.synced = xd_eip_synced, .online = xd_eip_online,	\
	.print_conf = xd_eip_print_conf,			\
	.status_line = xd_eip_status_line

/* A failure, logged unless it is the last one again; then retried. */
void xd_eip_fail(struct xd_eip *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Milliseconds since *t, and *t set to now: the logs say where time goes. */
double xd_eip_lap_ms(struct timespec *t);
bool xd_eip_same_addr(const struct xc_addr *a, const struct xc_addr *b);

/* Runs add (a role's) on every value of m, into this sync's desired
 * state; nonzero: that failed (logged). */
int xd_eip_collect(struct xd_eip *e, struct xe_mirror *m,
		   void (*add)(const struct xe_kv *kv, void *e));
/* The record of kv (its router's name into router), false if malformed:
 * logged when it arrived. */
bool xd_eip_record(struct xd_eip *e, const struct xe_kv *kv,
		   struct eip_record *rec, char *router, size_t len);
/* Into this sync's desired state: rec, pfx or both (NULL: not this). */
void xd_eip_add(struct xd_eip *e, const struct eip_record *rec,
		const struct xc_prefix *pfx);
/* This sync leaves what out, and why (logged when that set changes). */
void xd_eip_skip(struct xd_eip *e, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The prefixes whose route the kernel refused are left out, as skipped:
 * not announced either. */
void xd_eip_drop_refused(struct xd_eip *e, const bool *refused);

/* Writes the include file and has BIRD check and load it, on the loop:
 * 0 when there was nothing to tell BIRD, XD_EIP_PENDING, or -errno. */
int xd_eip_bird_sync(struct xd_eip *e);

#endif
