/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xcloudd: the node agent. One process per node, in one role:
 *
 *  switch agent   sees declared VM ports come up and go down (rtnetlink),
 *                 installs local delivery, publishes bindings under a
 *                 lease, and programs the xcloud devices from the store
 *                 (remote VMs -> gateways, same-cloud VMs -> their node);
 *  gateway agent  publishes its gateway record under a lease and programs
 *                 its devices from its cloud's bindings (VM -> node);
 *  aggregation    EIP pools announced through BIRD, `eip` entries
 *  router         a virtual router's EIPs through BIRD, 1:1 NAT
 *                 (eip_agent.c, docs/eip-bgp.md).
 */
#ifndef XCLOUDD_AGENT_H
#define XCLOUDD_AGENT_H

#include <stdbool.h>
#include <ev.h>
#include <libxcloud.h>
#include <xcetcd.h>
#include "config.h"
#include "workq.h"

struct xd_links;
struct xd_ports;
struct xd_table;
struct xd_eip;

struct agent {
	struct ev_loop *ev;
	struct xd_conf *conf;
	struct xe_loop *xl;
	struct xe_client *etcd;
	struct xe_keeper *lease;
	struct xe_mirror *ports;	/* <prefix>/ports/ (switch) */
	struct xe_mirror *bindings;	/* <prefix>/bindings/ */
	struct xe_mirror *remote;	/* <prefix>/remote/ (switch) */
	struct xc *xc;			/* libxcloud handle */
	struct xd_links *links;		/* rtnetlink link cache (switch) */
	struct xd_ports *portstate;	/* switch: ports, bindings published */
	struct xd_table *table;		/* the devices' tables */
	char *p_ports, *p_bindings, *p_remote, *p_gateways;
	struct xd_eip *eip;		/* aggregation and router roles */
	ev_timer retry;			/* publish again after a failure */
	ev_prepare flush;		/* queued bindings go out... */
	ev_timer linger;		/* ...after waiting for company */
	ev_idle work;			/* queued ports and routes, in chunks */
	double backoff;
};

void xd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* XCLOUD_LOG_TIMES set: stamp log lines and log how long batches take. */
bool xd_timing(void);
double xd_now_ms(void);	/* CLOCK_MONOTONIC */

/* There is queued work (ports, routes): have the loop do it soon. */
void xd_work_pending(struct agent *a);

/* Is kv a binding of this node? */
bool xd_is_mine(struct agent *a, const struct xe_kv *kv);

/* "<vni>/<addr>" split; false if the suffix is not that. */
bool xd_split_key(const char *suffix, uint32_t *vni, char *addr, size_t len);

/* ---- links.c: interfaces over rtnetlink (libnl-route cache manager) ---- */
typedef void (*xd_link_cb)(const char *ifname, void *arg);
struct xd_links *xd_links_new(struct ev_loop *ev, xd_link_cb changed,
			      void *arg, char *err, size_t errlen);
void xd_links_free(struct xd_links *l);
/* ifindex of an interface that is up with carrier, else 0. */
int xd_link_up(struct xd_links *l, const char *ifname);

/* ---- local.c: local delivery of a VM behind its port, in batches ---- */
struct xd_local;
struct xd_local *xd_local_new(char *err, size_t errlen);
void xd_local_free(struct xd_local *l);
/* Queue a host route to addr through the port and (IPv4) proxy ARP on
 * it, or the route's removal, for the next commit; -errno if not queued.
 * Failures are logged per port at the commit. */
int xd_local_install(struct xd_local *l, void *cookie, const char *addr,
		     int ifindex, const char *ifname);
int xd_local_remove(struct xd_local *l, const char *addr, int ifindex,
		    const char *ifname);
/* Sends everything queued (a few datagrams) and calls done once per
 * install: ok unless its route was refused (proxy ARP failing is only
 * logged). */
typedef void (*xd_local_done)(void *cookie, bool ok, void *arg);
void xd_local_commit(struct xd_local *l, xd_local_done done, void *arg);

/* ---- ports.c: switch agent's ports and bindings ---- */
struct xd_ports *xd_ports_new(struct agent *a);
void xd_ports_free(struct xd_ports *p);
/* Re-evaluates every declared port and publishes or withdraws. */
void xd_ports_sync(struct agent *a);
void xd_ports_link_changed(struct agent *a, const char *ifname);
void xd_ports_port_changed(struct agent *a, const char *suffix);
/* The three above only queue the ports; this looks at up to max queued
 * ports and returns how many it did. */
size_t xd_ports_work(struct agent *a, size_t max);
/* Is this change of a binding just the store confirming what this agent
 * published (new: our value under our lease, where there was none, for a
 * port that is still up and published)? */
bool xd_ports_is_echo(struct agent *a, const char *suffix,
		      const struct xe_kv *kv, const struct xe_kv *old);
/* Sends the bindings queued since the last flush, unless a transaction is
 * on its way (then they go when it is answered). */
void xd_ports_flush(struct agent *a);
/* How many bindings are queued; is a transaction of them on its way. */
size_t xd_ports_queued(const struct agent *a);
bool xd_ports_sending(const struct agent *a);

/* ---- table.c: the xcloud devices' forwarding tables ---- */
struct xd_table *xd_table_new(struct agent *a);
void xd_table_free(struct xd_table *t);
/* Queues one "<vni>/<addr>": its route is made what the store says. */
void xd_table_sync_key(struct agent *a, const char *suffix);
/* Programs up to max queued keys, batched into few netlink messages;
 * returns how many it did. */
size_t xd_table_work(struct agent *a, size_t max);
/* Dumps every device and fixes what differs (adds, replaces, deletes). */
void xd_table_sync_all(struct agent *a);

/* ---- eip_agent.c: aggregation and router roles ---- */
int xd_eip_init(struct agent *a);	/* instead of the rest of agent_init */
int xd_eip_start(struct agent *a);
void xd_eip_free(struct xd_eip *e);

#endif
